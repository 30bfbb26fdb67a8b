/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-aws-service.h"
#include "dynamorm-http-backend.h"
#include "dynamorm-kms-key-provider.h"

/* AWS KMS as a key provider: GenerateDataKey (AES_256) makes data keys,
 * Decrypt unwraps them. The KMS ciphertext blob is the wrapped key of the
 * envelope. Requests go through DynamormAwsService: SigV4 (service "kms"),
 * retries, the credentials of the aws backend it was made for, or of the
 * AWS chain. */
struct _DynamormKmsKeyProvider
{
  GObject parent_instance;

  char *key_id;
  char *region;
  char *endpoint;
  DynamormCredentials *credentials;
  DynamormBackend *backend;
  DynamormAwsService *service;
};

enum {
  PROP_0,
  PROP_KEY_ID,
  PROP_REGION,
  PROP_CREDENTIALS,
  PROP_ENDPOINT,
  PROP_BACKEND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void dynamorm_kms_key_provider_iface_init (DynamormKeyProviderInterface *iface);
static void dynamorm_kms_key_provider_initable_init (GInitableIface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (DynamormKmsKeyProvider, dynamorm_kms_key_provider, G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (DYNAMORM_TYPE_KEY_PROVIDER,
                                                               dynamorm_kms_key_provider_iface_init)
                                G_IMPLEMENT_INTERFACE_DYNAMIC (G_TYPE_INITABLE,
                                                               dynamorm_kms_key_provider_initable_init))

static void
dynamorm_kms_key_provider_finalize (GObject *object)
{
  DynamormKmsKeyProvider *self = DYNAMORM_KMS_KEY_PROVIDER (object);

  g_clear_pointer (&self->service, dynamorm_aws_service_free);
  g_clear_pointer (&self->credentials, dynamorm_credentials_unref);
  g_clear_object (&self->backend);
  g_free (self->key_id);
  g_free (self->region);
  g_free (self->endpoint);

  G_OBJECT_CLASS (dynamorm_kms_key_provider_parent_class)->finalize (object);
}

static void
dynamorm_kms_key_provider_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DynamormKmsKeyProvider *self = DYNAMORM_KMS_KEY_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_KEY_ID: g_value_set_string (value, self->key_id); break;
    case PROP_REGION: g_value_set_string (value, self->region); break;
    case PROP_CREDENTIALS: g_value_set_boxed (value, self->credentials); break;
    case PROP_ENDPOINT: g_value_set_string (value, self->endpoint); break;
    case PROP_BACKEND: g_value_set_object (value, self->backend); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_kms_key_provider_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DynamormKmsKeyProvider *self = DYNAMORM_KMS_KEY_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_KEY_ID: self->key_id = g_value_dup_string (value); break;
    case PROP_REGION: self->region = g_value_dup_string (value); break;
    case PROP_CREDENTIALS: self->credentials = g_value_dup_boxed (value); break;
    case PROP_ENDPOINT: self->endpoint = g_value_dup_string (value); break;
    case PROP_BACKEND: self->backend = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_kms_key_provider_class_init (DynamormKmsKeyProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = dynamorm_kms_key_provider_finalize;
  object_class->get_property = dynamorm_kms_key_provider_get_property;
  object_class->set_property = dynamorm_kms_key_provider_set_property;

  properties[PROP_KEY_ID] = g_param_spec_string ("key-id", NULL, NULL, NULL, flags);
  properties[PROP_REGION] = g_param_spec_string ("region", NULL, NULL, NULL, flags);
  properties[PROP_CREDENTIALS] = g_param_spec_boxed ("credentials", NULL, NULL, DYNAMORM_TYPE_CREDENTIALS, flags);
  properties[PROP_ENDPOINT] = g_param_spec_string ("endpoint", NULL, NULL, NULL, flags);
  /* An aws:// backend whose credentials (and region) KMS shares. */
  properties[PROP_BACKEND] = g_param_spec_object ("backend", NULL, NULL, DYNAMORM_TYPE_BACKEND, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dynamorm_kms_key_provider_class_finalize (DynamormKmsKeyProviderClass *klass)
{
}

static void
dynamorm_kms_key_provider_init (DynamormKmsKeyProvider *self)
{
}

static const char *
nonempty_env (const char *name)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? value : NULL;
}

static gboolean
dynamorm_kms_key_provider_initable_init_impl (GInitable *initable, GCancellable *cancellable, GError **error)
{
  DynamormKmsKeyProvider *self = DYNAMORM_KMS_KEY_PROVIDER (initable);
  g_autoptr(DynamormAwsCredentialProvider) credentials = NULL;
  g_autoptr(GUri) endpoint = NULL;
  const char *region = self->region;

  if (self->service != NULL)
    return TRUE;
  if (self->key_id == NULL || *self->key_id == '\0' || strlen (self->key_id) > 255)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A KMS key id must be 1 to 255 characters, such as “alias/orders” or a key ARN"));
      return FALSE;
    }
  if (self->backend != NULL && DYNAMORM_IS_HTTP_BACKEND (self->backend) &&
      _dynamorm_http_backend_get_credentials (DYNAMORM_HTTP_BACKEND (self->backend)) != NULL)
    {
      credentials = dynamorm_aws_credential_provider_ref (
        _dynamorm_http_backend_get_credentials (DYNAMORM_HTTP_BACKEND (self->backend)));
      if (region == NULL)
        region = _dynamorm_http_backend_get_region (DYNAMORM_HTTP_BACKEND (self->backend));
    }
  else if (self->credentials != NULL)
    credentials = dynamorm_aws_credential_provider_new_static (self->credentials);
  else
    credentials = dynamorm_aws_credential_provider_new_chain (NULL);
  if (region == NULL)
    region = nonempty_env ("AWS_REGION");
  if (region == NULL)
    region = nonempty_env ("AWS_DEFAULT_REGION");
  if (region == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("No AWS region for the KMS key “%s”: pass one (kms_region= in the URI), or set "
                     "AWS_REGION or AWS_DEFAULT_REGION"),
                   self->key_id);
      return FALSE;
    }
  endpoint = dynamorm_aws_service_endpoint ("kms", "KMS", region, self->endpoint, error);
  if (endpoint == NULL)
    return FALSE;
  self->service = dynamorm_aws_service_new ("kms", "KMS", endpoint,
                                            "kms_endpoint= in the URI, or AWS_ENDPOINT_URL_KMS",
                                            region, credentials);
  return TRUE;
}

static void
dynamorm_kms_key_provider_initable_init (GInitableIface *iface)
{
  iface->init = dynamorm_kms_key_provider_initable_init_impl;
}

static const char *
kms_get_key_id (DynamormKeyProvider *provider)
{
  return DYNAMORM_KMS_KEY_PROVIDER (provider)->key_id;
}

/* The base64 member name of a KMS answer, decoded; NULL if missing. */
static GBytes *
blob_member (JsonNode *answer, const char *name, gboolean secret)
{
  JsonObject *obj = json_node_get_object (answer);
  const char *b64 = json_object_get_string_member_with_default (obj, name, NULL);
  guchar *data;
  gsize len = 0;
  GBytes *out;

  if (b64 == NULL || *b64 == '\0')
    return NULL;
  data = g_base64_decode (b64, &len);
  if (len == 0)
    {
      g_free (data);
      return NULL;
    }
  if (!secret)
    return g_bytes_new_take (data, len);
  out = g_bytes_new (data, len);
  memset (data, 0, len);
  g_free (data);
  return out;
}

/* KMS's answers about the key itself get their own code and say what to
 * do; every KMS error is prefixed with the call and the key. */
static void
explain_kms_error (GError **error, const char *what, const char *key_id)
{
  GError *e = *error;

  if (e->domain != DYNAMORM_ERROR)
    ;
  else if (strstr (e->message, "NotFoundException") != NULL)
    {
      e->code = DYNAMORM_ERROR_RESOURCE_NOT_FOUND;
      g_prefix_error (error, _("KMS %s: the key “%s” does not exist in this account and region (it "
                               "was deleted, or the id, alias or kms_region is wrong; an alias is "
                               "written alias/NAME). Fix kms_key_id or kms_region. "),
                      what, key_id);
      return;
    }
  else if (strstr (e->message, "DisabledException") != NULL ||
           strstr (e->message, "KMSInvalidStateException") != NULL)
    {
      e->code = DYNAMORM_ERROR_ENCRYPTION;
      g_prefix_error (error, _("KMS %s: the key “%s” is disabled or pending deletion, so KMS refuses "
                               "to use it. Enable it again (aws kms enable-key, or cancel its "
                               "deletion) or configure another key. "),
                      what, key_id);
      return;
    }
  else if (e->code == DYNAMORM_ERROR_FAILED)
    e->code = DYNAMORM_ERROR_ENCRYPTION;
  g_prefix_error (error, _("KMS %s with the key “%s” failed: "), what, key_id);
}

static gboolean
kms_generate_data_key (DynamormKeyProvider  *provider,
                       GBytes              **plaintext_key,
                       GBytes              **wrapped_key,
                       GCancellable         *cancellable,
                       GError              **error)
{
  DynamormKmsKeyProvider *self = DYNAMORM_KMS_KEY_PROVIDER (provider);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) answer = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "KeyId");
  json_builder_add_string_value (builder, self->key_id);
  json_builder_set_member_name (builder, "KeySpec");
  json_builder_add_string_value (builder, "AES_256");
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);

  answer = dynamorm_aws_service_call_json (self->service, "TrentService.GenerateDataKey", request,
                                           cancellable, error);
  if (answer == NULL)
    {
      explain_kms_error (error, "GenerateDataKey", self->key_id);
      return FALSE;
    }
  *plaintext_key = blob_member (answer, "Plaintext", TRUE);
  *wrapped_key = blob_member (answer, "CiphertextBlob", FALSE);
  if (*plaintext_key == NULL || *wrapped_key == NULL)
    {
      g_clear_pointer (plaintext_key, g_bytes_unref);
      g_clear_pointer (wrapped_key, g_bytes_unref);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                   _("KMS GenerateDataKey with the key “%s” answered without Plaintext and CiphertextBlob: "
                     "check that the endpoint is AWS KMS"),
                   self->key_id);
      return FALSE;
    }
  return TRUE;
}

static GBytes *
kms_decrypt_data_key (DynamormKeyProvider  *provider,
                      const char           *key_id,
                      GBytes               *wrapped_key,
                      GCancellable         *cancellable,
                      GError              **error)
{
  DynamormKmsKeyProvider *self = DYNAMORM_KMS_KEY_PROVIDER (provider);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (wrapped_key, NULL), g_bytes_get_size (wrapped_key));
  GBytes *plaintext;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "KeyId");
  json_builder_add_string_value (builder, key_id);
  json_builder_set_member_name (builder, "CiphertextBlob");
  json_builder_add_string_value (builder, b64);
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);

  answer = dynamorm_aws_service_call_json (self->service, "TrentService.Decrypt", request, cancellable, error);
  if (answer == NULL)
    {
      explain_kms_error (error, "Decrypt", key_id);
      return NULL;
    }
  plaintext = blob_member (answer, "Plaintext", TRUE);
  if (plaintext == NULL)
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                 _("KMS Decrypt with the key “%s” answered without Plaintext: check that the endpoint is AWS KMS"),
                 key_id);
  return plaintext;
}

static void
dynamorm_kms_key_provider_iface_init (DynamormKeyProviderInterface *iface)
{
  iface->get_key_id = kms_get_key_id;
  iface->generate_data_key = kms_generate_data_key;
  iface->decrypt_data_key = kms_decrypt_data_key;
}

void
_dynamorm_kms_key_provider_register (GTypeModule *module)
{
  dynamorm_kms_key_provider_register_type (module);
}
