/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-private.h"
#include "dynamorm-envelope-private.h"

/**
 * DynamormLocalKeyProvider:
 *
 * A key provider on a 256-bit master key held in memory: from a file or
 * from bytes. For development and tests; in production keep the master key
 * in a key management service ([func@Dynamorm.KeyProvider.new_kms]).
 *
 * Data keys are random and wrapped with AES-256-GCM under the master key
 * (a 12-byte nonce, the 32-byte encrypted key and a 16-byte tag; the
 * associated data is `dynamorm local data key` and the key id), so envelopes
 * have the same form as with KMS. The key id is `local:` followed by 16 hex
 * digits of the SHA-256 of the master key, which tells keys apart without
 * revealing them.
 *
 * Since: 0.2
 */
struct _DynamormLocalKeyProvider
{
  GObject parent_instance;

  GBytes *master;
  char *key_id;
};

#define WRAP_AD "dynamorm local data key"
#define WRAPPED_LEN (DYNAMORM_ENVELOPE_NONCE_LEN + DYNAMORM_DATA_KEY_LEN + DYNAMORM_ENVELOPE_TAG_LEN)

static void dynamorm_local_key_provider_iface_init (DynamormKeyProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DynamormLocalKeyProvider, dynamorm_local_key_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (DYNAMORM_TYPE_KEY_PROVIDER,
                                                      dynamorm_local_key_provider_iface_init))

static void
dynamorm_local_key_provider_finalize (GObject *object)
{
  DynamormLocalKeyProvider *self = DYNAMORM_LOCAL_KEY_PROVIDER (object);

  g_clear_pointer (&self->master, g_bytes_unref);
  g_clear_pointer (&self->key_id, g_free);

  G_OBJECT_CLASS (dynamorm_local_key_provider_parent_class)->finalize (object);
}

static void
dynamorm_local_key_provider_class_init (DynamormLocalKeyProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_local_key_provider_finalize;
}

static void
dynamorm_local_key_provider_init (DynamormLocalKeyProvider *self)
{
}

static const char *
local_get_key_id (DynamormKeyProvider *provider)
{
  return DYNAMORM_LOCAL_KEY_PROVIDER (provider)->key_id;
}

static GByteArray *
wrap_ad (const char *key_id)
{
  GByteArray *ad = g_byte_array_new ();

  g_byte_array_append (ad, (const guint8 *) WRAP_AD, sizeof WRAP_AD);   /* with its NUL */
  g_byte_array_append (ad, (const guint8 *) key_id, strlen (key_id));
  return ad;
}

static gboolean
local_generate_data_key (DynamormKeyProvider  *provider,
                         GBytes              **plaintext_key,
                         GBytes              **wrapped_key,
                         GCancellable         *cancellable,
                         GError              **error)
{
  DynamormLocalKeyProvider *self = DYNAMORM_LOCAL_KEY_PROVIDER (provider);
  g_autoptr(GByteArray) ad = wrap_ad (self->key_id);
  guint8 key[DYNAMORM_DATA_KEY_LEN];
  guint8 wrapped[WRAPPED_LEN];

  _dynamorm_random_bytes (key, sizeof key, TRUE);
  _dynamorm_random_bytes (wrapped, DYNAMORM_ENVELOPE_NONCE_LEN, FALSE);
  if (!_dynamorm_aes_gcm_seal (self->master, wrapped, ad->data, ad->len, key, sizeof key,
                               wrapped + DYNAMORM_ENVELOPE_NONCE_LEN))
    {
      memset (key, 0, sizeof key);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("Wrapping a data key with the local master key failed (AES-256-GCM is not "
                     "available from GnuTLS)"));
      return FALSE;
    }
  *plaintext_key = _dynamorm_secret_bytes_new (key, sizeof key);
  *wrapped_key = g_bytes_new (wrapped, sizeof wrapped);
  memset (key, 0, sizeof key);
  return TRUE;
}

static GBytes *
local_decrypt_data_key (DynamormKeyProvider  *provider,
                        const char           *key_id,
                        GBytes               *wrapped_key,
                        GCancellable         *cancellable,
                        GError              **error)
{
  DynamormLocalKeyProvider *self = DYNAMORM_LOCAL_KEY_PROVIDER (provider);
  g_autoptr(GByteArray) ad = wrap_ad (self->key_id);
  gsize len;
  const guint8 *wrapped = g_bytes_get_data (wrapped_key, &len);
  guint8 key[DYNAMORM_DATA_KEY_LEN];
  GBytes *out;

  if (!g_str_equal (key_id, self->key_id))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("The value was encrypted under the master key “%s”, but the local key provider "
                     "holds “%s”: use the key file the value was written with"),
                   key_id, self->key_id);
      return NULL;
    }
  if (len != WRAPPED_LEN ||
      !_dynamorm_aes_gcm_open (self->master, wrapped, ad->data, ad->len,
                               wrapped + DYNAMORM_ENVELOPE_NONCE_LEN, len - DYNAMORM_ENVELOPE_NONCE_LEN, key))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("The wrapped data key in the envelope failed authentication under the local "
                     "master key “%s”: the envelope is corrupted or was tampered with"),
                   self->key_id);
      return NULL;
    }
  out = _dynamorm_secret_bytes_new (key, sizeof key);
  memset (key, 0, sizeof key);
  return out;
}

static void
dynamorm_local_key_provider_iface_init (DynamormKeyProviderInterface *iface)
{
  iface->get_key_id = local_get_key_id;
  iface->generate_data_key = local_generate_data_key;
  iface->decrypt_data_key = local_decrypt_data_key;
}

static char *
fingerprint (GBytes *key)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len;
  const guint8 *data = g_bytes_get_data (key, &len);

  g_checksum_update (sum, (const guint8 *) "dynamorm local key id", strlen ("dynamorm local key id"));
  g_checksum_update (sum, data, len);
  return g_strdup_printf ("local:%.16s", g_checksum_get_string (sum));
}

/**
 * dynamorm_local_key_provider_new:
 * @key: the 32-byte master key
 * @error: return location for a #GError
 *
 * Creates a local key provider on @key (copied; the copy is wiped when the
 * provider is freed).
 *
 * Returns: (transfer full): the provider, or %NULL when @key is not 32 bytes
 *
 * Since: 0.2
 */
DynamormLocalKeyProvider *
dynamorm_local_key_provider_new (GBytes  *key,
                                 GError **error)
{
  DynamormLocalKeyProvider *self;
  gsize len;
  gconstpointer data;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (key, &len);
  if (len != DYNAMORM_DATA_KEY_LEN)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A local master key must be 32 bytes (256 bits), not %zu: generate one with "
                     "“head -c 32 /dev/urandom > master.key”"),
                   len);
      return NULL;
    }
  self = g_object_new (DYNAMORM_TYPE_LOCAL_KEY_PROVIDER, NULL);
  self->master = _dynamorm_secret_bytes_new (data, len);
  self->key_id = fingerprint (self->master);
  return self;
}

/* The file holds the key as 32 raw bytes, 64 hex digits or base64 text. */
static GBytes *
decode_key_text (char *contents, gsize len)
{
  g_autofree char *text = NULL;
  gsize decoded_len = 0;
  guchar *decoded;

  if (len == DYNAMORM_DATA_KEY_LEN)
    return _dynamorm_secret_bytes_new (contents, len);
  text = g_strstrip (g_strndup (contents, len));
  if (strlen (text) == 2 * DYNAMORM_DATA_KEY_LEN)
    {
      guint8 key[DYNAMORM_DATA_KEY_LEN];
      GBytes *out;

      for (guint i = 0; i < DYNAMORM_DATA_KEY_LEN; i++)
        {
          int hi = g_ascii_xdigit_value (text[2 * i]), lo = g_ascii_xdigit_value (text[2 * i + 1]);
          if (hi < 0 || lo < 0)
            return NULL;
          key[i] = (guint8) (hi << 4 | lo);
        }
      out = _dynamorm_secret_bytes_new (key, sizeof key);
      memset (key, 0, sizeof key);
      memset (text, 0, strlen (text));
      return out;
    }
  if (strlen (text) == 44 && text[43] == '=')
    {
      GBytes *out = NULL;

      decoded = g_base64_decode (text, &decoded_len);
      if (decoded_len == DYNAMORM_DATA_KEY_LEN)
        out = _dynamorm_secret_bytes_new (decoded, decoded_len);
      memset (decoded, 0, decoded_len);
      g_free (decoded);
      memset (text, 0, strlen (text));
      return out;
    }
  return NULL;
}

/**
 * dynamorm_local_key_provider_new_from_file:
 * @path: a file holding the master key: 32 raw bytes, 64 hex digits or 44
 *   characters of base64 (a trailing newline is fine)
 * @error: return location for a #GError
 *
 * Creates a local key provider on the key in @path.
 *
 * Returns: (transfer full): the provider, or %NULL on error
 *
 * Since: 0.2
 */
DynamormLocalKeyProvider *
dynamorm_local_key_provider_new_from_file (const char  *path,
                                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) key = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The local master key file cannot be read: %s"), local_error->message);
      return NULL;
    }
  key = decode_key_text (contents, len);
  memset (contents, 0, len);
  g_free (contents);
  if (key == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The local master key file “%s” does not hold a 256-bit key: it must be 32 raw "
                     "bytes, 64 hex digits or 44 characters of base64; make one with "
                     "“head -c 32 /dev/urandom > %s”"),
                   path, path);
      return NULL;
    }
  return dynamorm_local_key_provider_new (key, error);
}
