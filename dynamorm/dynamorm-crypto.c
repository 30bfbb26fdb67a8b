/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-crypto-private.h"
#include "dynamorm-data-key-cache-private.h"
#include "dynamorm-envelope-private.h"

void
_dynamorm_crypto_clear (DynamormCrypto *crypto)
{
  g_clear_object (&crypto->provider);
  g_clear_object (&crypto->cache);
}

static const char *
owner_name (const DynamormField *field)
{
  return g_type_name (field->pspec->owner_type);
}

void
_dynamorm_crypto_set_no_provider_error (const DynamormField *field, GError **error)
{
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
               _("Property “%s” of %s is encrypted, but the session has no key provider: set one with "
                 "Session.set_key_provider or the URI parameter kms_key_id=KEY or "
                 "local_key_file=PATH"),
               field->pspec->name, owner_name (field));
}

gboolean
_dynamorm_crypto_check_not_encrypted (const DynamormField *field, const char *what, GError **error)
{
  if ((field->flags & FIELD_FLAG_ENCRYPTED) == 0)
    return TRUE;
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
               _("Property “%s” of %s is encrypted and cannot be used in %s: DynamoDB only sees its "
                 "ciphertext. Filter on it after reading the items, or store a separate "
                 "unencrypted attribute to query on"),
               field->pspec->name, owner_name (field), what);
  return FALSE;
}

static void
wipe_string (char *text)
{
  if (text != NULL)
    {
      memset (text, 0, strlen (text));
      g_free (text);
    }
}

JsonNode *
_dynamorm_crypto_seal_value (const DynamormCrypto *crypto, const DynamormField *field,
                             const char *table, JsonNode *av,
                             GCancellable *cancellable, GError **error)
{
  g_autoptr(DynamormDataKey) key = NULL;
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *b64 = NULL;
  char *text;
  gsize len;
  const guint8 *data;

  if (crypto == NULL || crypto->provider == NULL)
    {
      _dynamorm_crypto_set_no_provider_error (field, error);
      return NULL;
    }
  key = _dynamorm_data_key_cache_encryption_key (crypto->cache, crypto->provider, cancellable, &local_error);
  if (key == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Property “%s” of %s could not be encrypted: %s"),
                   field->pspec->name, owner_name (field), local_error->message);
      return NULL;
    }
  text = ddb_json_to_string (av);
  envelope = _dynamorm_envelope_seal (key, NULL, table, field->attribute, text, strlen (text));
  wipe_string (text);
  if (envelope == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("Property “%s” of %s could not be encrypted: AES-256-GCM failed in GnuTLS"),
                   field->pspec->name, owner_name (field));
      return NULL;
    }
  data = g_bytes_get_data (envelope, &len);
  b64 = g_base64_encode (data, len);
  return _dynamorm_av_new_string ("B", b64);
}

/* The envelope's bytes, or NULL (with an error naming the property) when
 * stored is not an envelope. */
static guint8 *
stored_envelope (const DynamormField *field, JsonNode *stored, gsize *len, GError **error)
{
  JsonNode *inner = NULL;
  const char *type = _dynamorm_av_get_type (stored, &inner);
  const char *b64;
  guint8 *data;

  if (type == NULL || !g_str_equal (type, "B") || !JSON_NODE_HOLDS_VALUE (inner) ||
      json_node_get_value_type (inner) != G_TYPE_STRING)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("Property “%s” of %s is encrypted, but its stored attribute “%s” holds a %s "
                     "value, not an envelope: it was written without encryption. Write the item "
                     "again with a key provider set"),
                   field->pspec->name, owner_name (field), field->attribute, type ? type : "malformed");
      return NULL;
    }
  b64 = json_node_get_string (inner);
  data = g_base64_decode (b64, len);
  if (!_dynamorm_envelope_is_envelope (data, *len))
    {
      g_free (data);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("Property “%s” of %s is encrypted, but its stored attribute “%s” is binary data "
                     "that is not a Dynamorm envelope: it was written without encryption or "
                     "corrupted. Write the item again with a key provider set"),
                   field->pspec->name, owner_name (field), field->attribute);
      return NULL;
    }
  return data;
}

static JsonNode *
parse_plaintext (const DynamormField *field, char *plaintext, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *av = NULL;

  /* The parser's own messages could quote the plaintext: never pass them on. */
  if (ddb_json_load (parser, plaintext, len, NULL))
    av = json_parser_steal_root (parser);
  if (av == NULL || _dynamorm_av_get_type (av, NULL) == NULL)
    {
      g_clear_pointer (&av, json_node_unref);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("Property “%s” of %s decrypted to something that is not a DynamoDB attribute "
                     "value: it was written by another program with the same key"),
                   field->pspec->name, owner_name (field));
    }
  return av;
}

JsonNode *
_dynamorm_crypto_open_value (const DynamormCrypto *crypto, const DynamormField *field,
                             const char *table, JsonNode *stored,
                             GCancellable *cancellable, GError **error)
{
  g_autofree guint8 *data = NULL;
  g_auto(DynamormEnvelope) envelope = { 0 };
  g_autoptr(GBytes) data_key = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *av;
  char *plaintext;
  gsize len = 0;

  if ((data = stored_envelope (field, stored, &len, error)) == NULL)
    return NULL;
  if (crypto == NULL || crypto->provider == NULL)
    {
      _dynamorm_crypto_set_no_provider_error (field, error);
      return NULL;
    }
  if (_dynamorm_envelope_parse (data, len, &envelope, &local_error))
    {
      data_key = _dynamorm_data_key_cache_decryption_key (crypto->cache, crypto->provider,
                                                          envelope.key_id, envelope.wrapped,
                                                          cancellable, &local_error);
    }
  plaintext = data_key ? _dynamorm_envelope_open (&envelope, data_key, table, field->attribute,
                                                  &len, &local_error)
                       : NULL;
  if (plaintext == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Property “%s” of %s (attribute “%s” in table “%s”) could not be decrypted: %s"),
                   field->pspec->name, owner_name (field), field->attribute, table, local_error->message);
      return NULL;
    }
  av = parse_plaintext (field, plaintext, len, error);
  memset (plaintext, 0, len);
  g_free (plaintext);
  return av;
}

gboolean
_dynamorm_crypto_is_sealed (JsonNode *av)
{
  JsonNode *inner = NULL;
  const char *type = _dynamorm_av_get_type (av, &inner);
  const char *b64;
  guint8 head[8];
  gsize len;
  gint state = 0;
  guint save = 0;

  if (type == NULL || !g_str_equal (type, "B") || !JSON_NODE_HOLDS_VALUE (inner) ||
      json_node_get_value_type (inner) != G_TYPE_STRING)
    return FALSE;
  b64 = json_node_get_string (inner);
  /* Only the first 8 characters: they hold the 4-byte magic. */
  len = g_base64_decode_step (b64, MIN (strlen (b64), 8), head, &state, &save);
  return _dynamorm_envelope_is_envelope (head, len);
}

typedef JsonNode *(*ValueStep) (const DynamormCrypto *crypto, const DynamormField *field, const char *table,
                               JsonNode *av, GCancellable *cancellable, GError **error);

/* Replaces each encrypted property's attribute in item by what step makes
 * of it (sealed or opened). */
static gboolean
each_encrypted (ValueStep step, const DynamormCrypto *crypto, const DynamormSchema *schema,
                const char *table, JsonObject *item, GCancellable *cancellable, GError **error)
{
  for (guint i = 0; schema->n_encrypted > 0 && i < schema->fields->len; i++)
    {
      const DynamormField *field = schema->fields->pdata[i];
      JsonNode *av, *done;

      if ((field->flags & FIELD_FLAG_ENCRYPTED) == 0 ||
          (av = json_object_get_member (item, field->attribute)) == NULL)
        continue;
      if ((done = step (crypto, field, table, av, cancellable, error)) == NULL)
        return FALSE;
      json_object_set_member (item, field->attribute, done);
    }
  return TRUE;
}

gboolean
_dynamorm_crypto_seal_item (const DynamormCrypto *crypto, const DynamormSchema *schema,
                            const char *table, JsonObject *item,
                            GCancellable *cancellable, GError **error)
{
  return each_encrypted (_dynamorm_crypto_seal_value, crypto, schema, table, item, cancellable, error);
}

gboolean
_dynamorm_crypto_open_item (const DynamormCrypto *crypto, const DynamormSchema *schema,
                            const char *table, JsonObject *item,
                            GCancellable *cancellable, GError **error)
{
  return each_encrypted (_dynamorm_crypto_open_value, crypto, schema, table, item, cancellable, error);
}

/* ------------------------------------------------------------------ */
/* The session's URI parameters */

static const char * const crypto_params[] = {
  "kms_key_id", "kms_region", "kms_endpoint", "local_key_file",
  "data_key_max_age", "data_key_max_uses", "data_key_cache_size", NULL
};

void
_dynamorm_crypto_options_clear (DynamormCryptoOptions *options)
{
  g_clear_pointer (&options->backend_uri, g_free);
  g_clear_pointer (&options->kms_key_id, g_free);
  g_clear_pointer (&options->kms_region, g_free);
  g_clear_pointer (&options->kms_endpoint, g_free);
  g_clear_pointer (&options->local_key_file, g_free);
}

static gboolean
parse_count (const char *uri, const char *name, const char *text, guint64 min, guint64 max,
             guint64 *out, GError **error)
{
  if (!g_ascii_string_to_unsigned (text, 10, min, max, out, NULL))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The “%s” parameter in “%s” must be a whole number from %" G_GUINT64_FORMAT
                     " to %" G_GUINT64_FORMAT ", not “%s”"),
                   name, uri, min, max, text);
      return FALSE;
    }
  return TRUE;
}

/* One parameter (name=value, both still percent-encoded): kept in out when
 * it is the session's, else appended to rest. */
static gboolean
take_param (const char *uri, const char *param, DynamormCryptoOptions *out, GString *rest, GError **error)
{
  const char *eq = strchr (param, '=');
  g_autofree char *name = g_uri_unescape_segment (param, eq, NULL);
  g_autofree char *value = eq ? g_uri_unescape_string (eq + 1, NULL) : g_strdup ("");
  guint64 n = 0;

  if (name == NULL || value == NULL || !g_strv_contains (crypto_params, name))
    {
      g_string_append_printf (rest, "%s%s", rest->len ? "&" : "", param);
      return TRUE;
    }
  if (*value == '\0')
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The “%s” parameter in “%s” is empty"), name, uri);
      return FALSE;
    }
  if (g_str_equal (name, "kms_key_id"))
    (g_free (out->kms_key_id), out->kms_key_id = g_strdup (value));
  else if (g_str_equal (name, "kms_region"))
    (g_free (out->kms_region), out->kms_region = g_strdup (value));
  else if (g_str_equal (name, "kms_endpoint"))
    (g_free (out->kms_endpoint), out->kms_endpoint = g_strdup (value));
  else if (g_str_equal (name, "local_key_file"))
    (g_free (out->local_key_file), out->local_key_file = g_strdup (value));
  else if (g_str_equal (name, "data_key_max_age"))
    {
      if (!parse_count (uri, name, value, 1, 24 * 3600, &n, error))
        return FALSE;
      out->max_age = (guint) n;
    }
  else if (g_str_equal (name, "data_key_max_uses"))
    {
      if (!parse_count (uri, name, value, 1, G_MAXUINT32, &n, error))
        return FALSE;
      out->max_uses = n;
    }
  else
    {
      if (!parse_count (uri, name, value, 0, 100000, &n, error))
        return FALSE;
      out->cache_size = (guint) n;
      out->cache_size_set = TRUE;
    }
  return TRUE;
}

gboolean
_dynamorm_crypto_options_parse (const char *uri, DynamormCryptoOptions *out, GError **error)
{
  const char *query = strchr (uri, '?');
  const char *fragment;
  g_autoptr(GString) rest = g_string_new (NULL);
  g_auto(GStrv) params = NULL;
  g_autofree char *query_text = NULL;

  memset (out, 0, sizeof *out);
  if (query == NULL)
    {
      out->backend_uri = g_strdup (uri);
      return TRUE;
    }
  fragment = strchr (query, '#');
  query_text = fragment ? g_strndup (query + 1, fragment - query - 1) : g_strdup (query + 1);
  params = g_strsplit (query_text, "&", -1);
  for (guint i = 0; params[i] != NULL; i++)
    if (*params[i] != '\0' && !take_param (uri, params[i], out, rest, error))
      {
        _dynamorm_crypto_options_clear (out);
        return FALSE;
      }
  if (out->kms_key_id != NULL && out->local_key_file != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("“%s” names both kms_key_id and local_key_file: a session has one key provider, "
                     "keep one of them"),
                   uri);
      _dynamorm_crypto_options_clear (out);
      return FALSE;
    }
  if ((out->kms_region != NULL || out->kms_endpoint != NULL) && out->kms_key_id == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("“%s” sets kms_region or kms_endpoint without kms_key_id: add the KMS key, "
                     "such as kms_key_id=alias/orders"),
                   uri);
      _dynamorm_crypto_options_clear (out);
      return FALSE;
    }
  out->backend_uri = g_strdup_printf ("%.*s%s%s%s", (int) (query - uri), uri, rest->len ? "?" : "",
                                      rest->str, fragment ? fragment : "");
  return TRUE;
}

/* An aws:// URI's region, for KMS in the same region. */
static char *
backend_region (DynamormBackend *backend)
{
  const char *uri = dynamorm_backend_get_uri (backend);
  g_autoptr(GUri) parsed = uri ? g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL) : NULL;

  if (parsed == NULL || g_strcmp0 (g_uri_get_scheme (parsed), "aws") != 0 ||
      g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    return NULL;
  return g_strdup (g_uri_get_host (parsed));
}

gboolean
_dynamorm_crypto_options_apply (const DynamormCryptoOptions *options, DynamormBackend *backend,
                                DynamormCredentials *credentials,
                                DynamormKeyProvider **provider, DynamormDataKeyCache **cache,
                                GError **error)
{
  g_autoptr(DynamormKeyProvider) made = NULL;

  if (options->local_key_file != NULL)
    {
      made = DYNAMORM_KEY_PROVIDER (dynamorm_local_key_provider_new_from_file (options->local_key_file, error));
      if (made == NULL)
        return FALSE;
    }
  else if (options->kms_key_id != NULL)
    {
      g_autofree char *region = options->kms_region ? g_strdup (options->kms_region) : backend_region (backend);

      made = _dynamorm_key_provider_new_kms_for_backend (options->kms_key_id, region, credentials,
                                                         options->kms_endpoint, backend, error);
      if (made == NULL)
        return FALSE;
    }
  if (made != NULL)
    g_set_object (provider, made);

  if (options->cache_size_set && options->cache_size == 0)
    g_clear_object (cache);
  else if (options->max_age || options->max_uses || options->cache_size_set)
    {
      g_autoptr(DynamormDataKeyCache) limited =
        dynamorm_data_key_cache_new (options->max_age ? options->max_age : DYNAMORM_DATA_KEY_CACHE_DEFAULT_MAX_AGE,
                                     options->max_uses ? options->max_uses : DYNAMORM_DATA_KEY_CACHE_DEFAULT_MAX_USES,
                                     options->cache_size_set ? options->cache_size
                                                             : DYNAMORM_DATA_KEY_CACHE_DEFAULT_MAX_ENTRIES);
      g_set_object (cache, limited);
    }
  return TRUE;
}
