/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-private.h"
#include "dynamorm-envelope-private.h"

/**
 * DynamormKeyProvider:
 *
 * Where the data keys of encrypted properties come from.
 *
 * A property tagged `encrypted` is stored as an envelope: its DynamoDB JSON
 * encrypted with AES-256-GCM under a data key, with the table and attribute
 * names as associated data, and the data key wrapped by the provider's
 * master key (see `docs/encryption.md` for the format).
 *
 * Dynamorm ships two providers: [class@Dynamorm.LocalKeyProvider], a 256-bit
 * key from a file or bytes, for development and tests, and AWS KMS
 * ([func@Dynamorm.KeyProvider.new_kms]). Set one on the session with
 * [method@Dynamorm.Session.set_key_provider], or with the URI parameters
 * `kms_key_id` or `local_key_file`. A [class@Dynamorm.DataKeyCache] keeps
 * the number of calls to the provider down.
 *
 * Since: 0.2
 */

G_DEFINE_INTERFACE (DynamormKeyProvider, dynamorm_key_provider, G_TYPE_OBJECT)

static void
dynamorm_key_provider_default_init (DynamormKeyProviderInterface *iface)
{
}

/**
 * dynamorm_key_provider_get_key_id:
 * @self: a #DynamormKeyProvider
 *
 * Gets the id of the master key that wraps new data keys, as stored in
 * envelopes: a KMS key ARN or alias, or `local:` and a fingerprint.
 *
 * Returns: (transfer none): the key id
 *
 * Since: 0.2
 */
const char *
dynamorm_key_provider_get_key_id (DynamormKeyProvider *self)
{
  g_return_val_if_fail (DYNAMORM_IS_KEY_PROVIDER (self), NULL);

  return DYNAMORM_KEY_PROVIDER_GET_IFACE (self)->get_key_id (self);
}

/**
 * dynamorm_key_provider_generate_data_key:
 * @self: a #DynamormKeyProvider
 * @plaintext_key: (out) (transfer full): the new 32-byte data key
 * @wrapped_key: (out) (transfer full): the same key wrapped by the master key
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes a new data key. This blocks (KMS: one request).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.2
 */
gboolean
dynamorm_key_provider_generate_data_key (DynamormKeyProvider  *self,
                                         GBytes              **plaintext_key,
                                         GBytes              **wrapped_key,
                                         GCancellable         *cancellable,
                                         GError              **error)
{
  g_autoptr(GBytes) plaintext = NULL;
  g_autoptr(GBytes) wrapped = NULL;
  gsize wrapped_len = 0;

  g_return_val_if_fail (DYNAMORM_IS_KEY_PROVIDER (self), FALSE);
  g_return_val_if_fail (plaintext_key != NULL && wrapped_key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!DYNAMORM_KEY_PROVIDER_GET_IFACE (self)->generate_data_key (self, &plaintext, &wrapped,
                                                                   cancellable, error))
    return FALSE;
  if (wrapped != NULL)
    g_bytes_get_data (wrapped, &wrapped_len);
  if (plaintext == NULL || g_bytes_get_size (plaintext) != DYNAMORM_DATA_KEY_LEN ||
      wrapped_len == 0 || wrapped_len > DYNAMORM_ENVELOPE_MAX_WRAPPED)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("The key provider %s made an unusable data key (it must be %u bytes, wrapped in "
                     "1 to %u bytes): fix the provider"),
                   G_OBJECT_TYPE_NAME (self), DYNAMORM_DATA_KEY_LEN, DYNAMORM_ENVELOPE_MAX_WRAPPED);
      return FALSE;
    }
  /* A copy that is wiped when freed, whatever the provider gave. */
  *plaintext_key = _dynamorm_secret_bytes_new (g_bytes_get_data (plaintext, NULL), DYNAMORM_DATA_KEY_LEN);
  *wrapped_key = g_steal_pointer (&wrapped);
  return TRUE;
}

/**
 * dynamorm_key_provider_decrypt_data_key:
 * @self: a #DynamormKeyProvider
 * @key_id: the master key id stored in the envelope
 * @wrapped_key: the wrapped data key stored in the envelope
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Unwraps a data key. This blocks (KMS: one request).
 *
 * Returns: (transfer full): the 32-byte data key, or %NULL on error
 *
 * Since: 0.2
 */
GBytes *
dynamorm_key_provider_decrypt_data_key (DynamormKeyProvider  *self,
                                        const char           *key_id,
                                        GBytes               *wrapped_key,
                                        GCancellable         *cancellable,
                                        GError              **error)
{
  g_autoptr(GBytes) plaintext = NULL;

  g_return_val_if_fail (DYNAMORM_IS_KEY_PROVIDER (self), NULL);
  g_return_val_if_fail (key_id != NULL && wrapped_key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  plaintext = DYNAMORM_KEY_PROVIDER_GET_IFACE (self)->decrypt_data_key (self, key_id, wrapped_key,
                                                                        cancellable, error);
  if (plaintext == NULL)
    return NULL;
  if (g_bytes_get_size (plaintext) != DYNAMORM_DATA_KEY_LEN)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("The key provider %s unwrapped a data key of %zu bytes instead of %u: "
                     "the stored envelope is corrupted, or the provider is wrong"),
                   G_OBJECT_TYPE_NAME (self), g_bytes_get_size (plaintext), DYNAMORM_DATA_KEY_LEN);
      return NULL;
    }
  return _dynamorm_secret_bytes_new (g_bytes_get_data (plaintext, NULL), DYNAMORM_DATA_KEY_LEN);
}

/**
 * dynamorm_key_provider_new_kms:
 * @key_id: the KMS key: a key id, key ARN, alias name (`alias/orders`) or
 *   alias ARN
 * @region: (nullable): the AWS region, such as `eu-west-1`; %NULL for
 *   `AWS_REGION` or `AWS_DEFAULT_REGION`
 * @credentials: (nullable): credentials to sign the requests with; %NULL
 *   for the AWS credential chain (environment, profiles, containers, EC2)
 * @endpoint: (nullable): another endpoint URL, such as a VPC endpoint or a
 *   local emulator; %NULL for `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL` or
 *   `https://kms.REGION.amazonaws.com/`
 * @error: return location for a #GError
 *
 * Creates a key provider on AWS KMS: GenerateDataKey makes data keys and
 * Decrypt unwraps them, over the HTTP stack of the aws backend (libsoup,
 * SigV4, its retry policy). The provider is in the HTTP backend module; this
 * fails with %DYNAMORM_ERROR_NOT_SUPPORTED when that module is not
 * installed. No request is made here.
 *
 * Returns: (transfer full): the provider, or %NULL on error
 *
 * Since: 0.2
 */
DynamormKeyProvider *
dynamorm_key_provider_new_kms (const char           *key_id,
                               const char           *region,
                               DynamormCredentials  *credentials,
                               const char           *endpoint,
                               GError              **error)
{
  return _dynamorm_key_provider_new_kms_for_backend (key_id, region, credentials, endpoint, NULL, error);
}

DynamormKeyProvider *
_dynamorm_key_provider_new_kms_for_backend (const char           *key_id,
                                            const char           *region,
                                            DynamormCredentials  *credentials,
                                            const char           *endpoint,
                                            DynamormBackend      *backend,
                                            GError              **error)
{
  GIOExtensionPoint *ep = _dynamorm_key_provider_extension_point ();
  GIOExtension *extension = g_io_extension_point_get_extension_by_name (ep, "kms");
  DynamormKeyProvider *made;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (key_id == NULL || *key_id == '\0')
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A KMS key provider needs a key id: a key id, key ARN or alias such as “alias/orders”"));
      return NULL;
    }
  if (extension == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_SUPPORTED,
                   _("The KMS key provider is part of the HTTP backend module, which is not installed: "
                     "install it, or set DYNAMORM_BACKEND_PATH to its directory"));
      return NULL;
    }
  made = g_initable_new (g_io_extension_get_type (extension), NULL, error,
                         "key-id", key_id,
                         "region", region,
                         "credentials", credentials,
                         "endpoint", endpoint,
                         "backend", backend,
                         NULL);
  if (made != NULL)
    _dynamorm_key_provider_set_may_block (made);
  return made;
}

G_DEFINE_QUARK (dynamorm-key-provider-may-block, may_block)

/* Marks a provider whose calls may wait on the network (KMS): _async
 * operations call it from a worker thread. Providers written in a
 * language binding stay unmarked, as they must be called from their own
 * thread. */
void
_dynamorm_key_provider_set_may_block (DynamormKeyProvider *self)
{
  g_object_set_qdata (G_OBJECT (self), may_block_quark (), GINT_TO_POINTER (TRUE));
}

gboolean
_dynamorm_key_provider_may_block (DynamormKeyProvider *self)
{
  return self != NULL && g_object_get_qdata (G_OBJECT (self), may_block_quark ()) != NULL;
}
