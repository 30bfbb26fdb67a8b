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

/* Seals text (an AttributeValue's DynamoDB JSON) for field, appending the
 * envelope to out. */
static gboolean
seal_text (const DynamormCrypto *crypto, const DynamormField *field, const char *table,
           const char *text, gsize len, GByteArray *out, GCancellable *cancellable, GError **error)
{
  g_autoptr(DynamormDataKey) key = NULL;
  g_autoptr(GError) local_error = NULL;

  if (crypto == NULL || crypto->provider == NULL)
    {
      _dynamorm_crypto_set_no_provider_error (field, error);
      return FALSE;
    }
  key = _dynamorm_data_key_cache_encryption_key (crypto->cache, crypto->provider, cancellable, &local_error);
  if (key == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Property “%s” of %s could not be encrypted: %s"),
                   field->pspec->name, owner_name (field), local_error->message);
      return FALSE;
    }
  if (!_dynamorm_envelope_seal_to (key, NULL, table, field->attribute, text, len, out))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("Property “%s” of %s could not be encrypted: the key provider %s made a data "
                     "key that is not 256 bits long; fix the provider"),
                   field->pspec->name, owner_name (field), G_OBJECT_TYPE_NAME (crypto->provider));
      return FALSE;
    }
  return TRUE;
}

JsonNode *
_dynamorm_crypto_seal_value (const DynamormCrypto *crypto, const DynamormField *field,
                             const char *table, JsonNode *av,
                             GCancellable *cancellable, GError **error)
{
  g_autoptr(GByteArray) envelope = g_byte_array_sized_new (256);
  g_autofree char *b64 = NULL;
  char *text = ddb_json_to_string (av);
  gboolean ok = seal_text (crypto, field, table, text, strlen (text), envelope, cancellable, error);

  wipe_string (text);
  if (!ok)
    return NULL;
  b64 = g_base64_encode (envelope->data, envelope->len);
  return _dynamorm_av_new_string ("B", b64);
}

/* The DynamoDB JSON of value as field stores it, appended to text (nothing
 * when the value is left out of the item). Scalars are written here, as
 * ddb_json_to_string() would write them, without a JSON tree. */
static gboolean
field_text (const DynamormField *field, const GValue *value, GString *text, GError **error)
{
  g_autoptr(JsonNode) av = NULL;
  DynamormScalar scalar;
  gboolean ok;

  if (!_dynamorm_field_is_scalar (field))
    {
      if (!_dynamorm_field_encode (field, value, &av, error))
        return FALSE;
      if (av != NULL)
        {
          char *json = ddb_json_to_string (av);

          g_string_append (text, json);
          wipe_string (json);
        }
      return TRUE;
    }
  ok = _dynamorm_field_encode_scalar (field, value, &scalar, error);
  if (ok && scalar.type == DDB_TYPE_BOOL)
    g_string_append (text, scalar.boolean ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
  else if (ok && scalar.type != DDB_TYPE_INVALID)
    {
      g_string_append (text, "{\"");
      g_string_append (text, ddb_type_name (scalar.type));
      g_string_append (text, "\":");
      ddb_json_print_string (text, scalar.text, scalar.len);
      g_string_append_c (text, '}');
    }
  _dynamorm_scalar_clear (&scalar);
  return ok;
}

/* Base64 for envelopes, a table lookup per character: GLib's step
 * functions cost more per value than AES-GCM does. The text is what
 * g_base64_encode() writes. */
static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Two base64 digits for each 12-bit value: one lookup per 1.5 bytes. */
static const char (*base64_pairs (void))[2]
{
  static char pairs[4096][2];
  static gsize ready;

  if (g_once_init_enter (&ready))
    {
      for (guint v = 0; v < 4096; v++)
        {
          pairs[v][0] = b64_alphabet[v >> 6];
          pairs[v][1] = b64_alphabet[v & 63];
        }
      g_once_init_leave (&ready, 1);
    }
  return (const char (*)[2]) pairs;
}

static void
append_base64 (GString *out, const guint8 *data, gsize len)
{
  const char (*pairs)[2] = base64_pairs ();
  gsize at = out->len, i;
  char *p;

  g_string_set_size (out, at + (len + 2) / 3 * 4);
  p = out->str + at;
  for (i = 0; i + 3 <= len; i += 3, p += 4)
    {
      guint32 v = (guint32) data[i] << 16 | (guint32) data[i + 1] << 8 | data[i + 2];

      memcpy (p, pairs[v >> 12], 2);
      memcpy (p + 2, pairs[v & 0xfff], 2);
    }
  if (i < len)
    {
      guint32 v = (guint32) data[i] << 16 | (i + 1 < len ? (guint32) data[i + 1] << 8 : 0);

      *p++ = b64_alphabet[v >> 18];
      *p++ = b64_alphabet[(v >> 12) & 63];
      *p++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
      *p++ = '=';
    }
}

/* Decodes canonical base64 (padded, no other characters) into out, which
 * has room for len / 4 * 3 bytes; -1 for any other text. */
static gssize
decode_base64 (const char *text, gsize len, guint8 *out)
{
  static guint8 values[256];   /* 0xff: not a base64 digit */
  static gsize ready;
  const guchar *s = (const guchar *) text;
  gsize pad = 0, n = 0, i, full;
  guint bad = 0;

  if (g_once_init_enter (&ready))
    {
      memset (values, 0xff, sizeof values);
      for (guint d = 0; d < 64; d++)
        values[(guchar) b64_alphabet[d]] = d;
      g_once_init_leave (&ready, 1);
    }
  if (len % 4 != 0)
    return -1;
  if (len > 0 && s[len - 1] == '=')
    pad = s[len - 2] == '=' ? 2 : 1;
  full = pad ? len - 4 : len;
  for (i = 0; i < full; i += 4, n += 3)
    {
      guint a = values[s[i]], b = values[s[i + 1]], c = values[s[i + 2]], d = values[s[i + 3]];
      guint32 v = a << 18 | b << 12 | c << 6 | d;

      bad |= a | b | c | d;
      out[n] = v >> 16;
      out[n + 1] = (v >> 8) & 0xff;
      out[n + 2] = v & 0xff;
    }
  if (pad)
    {
      guint a = values[s[i]], b = values[s[i + 1]], c = pad == 2 ? 0 : values[s[i + 2]];
      guint32 v = a << 18 | b << 12 | c << 6;

      bad |= a | b | c;
      out[n++] = v >> 16;
      if (pad == 1)
        out[n++] = (v >> 8) & 0xff;
    }
  return bad > 63 ? -1 : (gssize) n;
}

/* The calling thread's buffer for envelopes on their way to base64 (they
 * hold only ciphertext and what the envelope shows anyway). */
static GByteArray *
envelope_scratch (void)
{
  static GPrivate scratch = G_PRIVATE_INIT ((GDestroyNotify) g_byte_array_unref);
  GByteArray *envelope = g_private_get (&scratch);

  if (envelope == NULL)
    {
      envelope = g_byte_array_sized_new (1024);
      g_private_set (&scratch, envelope);
    }
  g_byte_array_set_size (envelope, 0);
  return envelope;
}

gboolean
_dynamorm_crypto_seal_field (const DynamormCrypto *crypto, const DynamormField *field,
                             const char *table, const GValue *value, GString *b64, GError **error)
{
  GByteArray *envelope = NULL;
  gsize at = b64->len;
  gboolean ok;

  /* The plaintext is written in b64's space, then wiped. */
  ok = field_text (field, value, b64, error);
  if (ok && b64->len > at)
    {
      envelope = envelope_scratch ();
      ok = seal_text (crypto, field, table, b64->str + at, b64->len - at, envelope, NULL, error);
    }
  explicit_bzero (b64->str + at, b64->len - at);
  g_string_truncate (b64, at);
  if (ok && envelope != NULL)
    append_base64 (b64, envelope->data, envelope->len);
  return ok;
}

static void
set_not_envelope_error (const DynamormField *field, GError **error)
{
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
               _("Property “%s” of %s is encrypted, but its stored attribute “%s” is binary data "
                 "that is not a Dynamorm envelope: it was written without encryption or "
                 "corrupted. Write the item again with a key provider set"),
               field->pspec->name, owner_name (field), field->attribute);
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
      set_not_envelope_error (field, error);
      return NULL;
    }
  return data;
}

/* Plaintexts this long or shorter are opened on the stack. */
#define PLAINTEXT_STACK_LEN 1024

/* Opens the envelope data (len bytes) for field into stack (which holds
 * PLAINTEXT_STACK_LEN bytes) or, when it does not fit, a new allocation;
 * free it with free_plaintext(). NULL with an error naming the property
 * when it cannot be opened. */
static char *
open_envelope (const DynamormCrypto *crypto, const DynamormField *field, const char *table,
               const guint8 *data, gsize len, char *stack, gsize *len_out,
               GCancellable *cancellable, GError **error)
{
  DynamormEnvelope envelope;
  g_autoptr(DynamormDataKey) key = NULL;
  g_autoptr(GError) local_error = NULL;
  char *plaintext = NULL;

  if (crypto == NULL || crypto->provider == NULL)
    {
      _dynamorm_crypto_set_no_provider_error (field, error);
      return NULL;
    }
  if (_dynamorm_envelope_parse (data, len, &envelope, &local_error))
    key = _dynamorm_data_key_cache_decryption_key (crypto->cache, crypto->provider, envelope.key_id,
                                                   envelope.wrapped, envelope.wrapped_len,
                                                   cancellable, &local_error);
  if (key != NULL)
    {
      *len_out = _dynamorm_envelope_plaintext_len (&envelope);
      plaintext = *len_out < PLAINTEXT_STACK_LEN ? stack : g_malloc (*len_out + 1);
      if (!_dynamorm_envelope_open_into (&envelope, key, table, field->attribute, plaintext, &local_error))
        {
          if (plaintext != stack)
            g_free (plaintext);
          plaintext = NULL;
        }
    }
  if (plaintext == NULL)
    g_set_error (error, local_error->domain, local_error->code,
                 _("Property “%s” of %s (attribute “%s” in table “%s”) could not be decrypted: %s"),
                 field->pspec->name, owner_name (field), field->attribute, table, local_error->message);
  return plaintext;
}

static void
free_plaintext (char *plaintext, gsize len, char *stack)
{
  explicit_bzero (plaintext, len);
  if (plaintext != stack)
    g_free (plaintext);
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

/* The type of the usual plaintext, {"S":"text"} (or N or B) with nothing
 * escaped in text and text valid UTF-8; DDB_TYPE_INVALID for any other. */
static DdbType
simple_plaintext_type (const char *plaintext, gsize len)
{
  const guchar *text = (const guchar *) plaintext + 6;

  if (len < 8 || plaintext[0] != '{' || plaintext[1] != '"' || memcmp (plaintext + 3, "\":\"", 3) != 0 ||
      plaintext[len - 2] != '"' || plaintext[len - 1] != '}')
    return DDB_TYPE_INVALID;
  for (gsize i = 0; i < len - 8; i++)
    if (text[i] < 0x20 || text[i] == '"' || text[i] == '\\')
      return DDB_TYPE_INVALID;
  if (!g_utf8_validate ((const char *) text, len - 8, NULL))
    return DDB_TYPE_INVALID;
  switch (plaintext[2])
    {
    case 'S': return DDB_TYPE_S;
    case 'N': return DDB_TYPE_N;
    case 'B': return DDB_TYPE_B;
    default: return DDB_TYPE_INVALID;
    }
}

/* Decodes plaintext (len bytes and a NUL) into value. A simple plaintext
 * becomes a packed value in place (its 6-byte head takes the packed type
 * and length, its closing quote the NUL), which the codec decodes as any
 * packed attribute, with no JSON tree; any other goes through the parser. */
static gboolean
decode_plaintext (const DynamormField *field, char *plaintext, gsize len, GValue *value, GError **error)
{
  g_autoptr(JsonNode) av = NULL;
  DdbType type = simple_plaintext_type (plaintext, len);

  if (type != DDB_TYPE_INVALID)
    {
      guint32 text_len = (guint32) (len - 8);

      plaintext[1] = (char) type;
      memcpy (plaintext + 2, &text_len, 4);
      plaintext[len - 2] = '\0';
      return _dynamorm_field_decode_packed (field, (const guint8 *) plaintext + 1, value, error);
    }
  av = parse_plaintext (field, plaintext, len, error);
  return av != NULL && _dynamorm_field_decode (field, av, value, error);
}

gboolean
_dynamorm_crypto_open_field (const DynamormCrypto *crypto, const DynamormField *field,
                             const char *table, const char *b64, gsize b64_len,
                             GValue *value, GError **error)
{
  guint8 data_stack[1024];
  char plaintext_stack[PLAINTEXT_STACK_LEN];
  gsize max = b64_len / 4 * 3 + 3, len, plaintext_len = 0;
  guint8 *data = max <= sizeof data_stack ? data_stack : g_malloc (max);
  gssize decoded = decode_base64 (b64, b64_len, data);
  char *plaintext = NULL;
  gboolean ok = FALSE;

  if (decoded >= 0)
    len = decoded;
  else
    {
      /* Not canonical: read it as the JSON path does. */
      gint state = 0;
      guint save = 0;

      len = g_base64_decode_step (b64, b64_len, data, &state, &save);
    }
  if (!_dynamorm_envelope_is_envelope (data, len))
    set_not_envelope_error (field, error);
  else if ((plaintext = open_envelope (crypto, field, table, data, len, plaintext_stack,
                                       &plaintext_len, NULL, error)) != NULL)
    {
      ok = decode_plaintext (field, plaintext, plaintext_len, value, error);
      free_plaintext (plaintext, plaintext_len, plaintext_stack);
    }
  if (data != data_stack)
    g_free (data);
  return ok;
}

JsonNode *
_dynamorm_crypto_open_value (const DynamormCrypto *crypto, const DynamormField *field,
                             const char *table, JsonNode *stored,
                             GCancellable *cancellable, GError **error)
{
  g_autofree guint8 *data = NULL;
  char plaintext_stack[PLAINTEXT_STACK_LEN];
  char *plaintext;
  JsonNode *av;
  gsize len = 0, plaintext_len = 0;

  if ((data = stored_envelope (field, stored, &len, error)) == NULL)
    return NULL;
  plaintext = open_envelope (crypto, field, table, data, len, plaintext_stack, &plaintext_len,
                             cancellable, error);
  if (plaintext == NULL)
    return NULL;
  av = parse_plaintext (field, plaintext, plaintext_len, error);
  free_plaintext (plaintext, plaintext_len, plaintext_stack);
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

/* Calls func for each sealed value under node, with the name of the
 * attribute holding it, until func returns FALSE; FALSE then. */
typedef gboolean (*SealedFunc) (const char *attribute, JsonNode *av, gpointer data);

static gboolean
each_sealed (JsonNode *node, const char *attribute, SealedFunc func, gpointer data)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!each_sealed (json_array_get_element (array, i), attribute, func, data))
          return FALSE;
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      if (_dynamorm_crypto_is_sealed (node))
        return func (attribute, node, data);
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &value))
        if (!each_sealed (value, name, func, data))
          return FALSE;
    }
  return TRUE;
}

static gboolean
found_sealed (const char *attribute, JsonNode *av, gpointer data)
{
  *(gboolean *) data = TRUE;
  return FALSE;
}

gboolean
_dynamorm_crypto_holds_sealed (JsonNode *node)
{
  gboolean found = FALSE;

  each_sealed (node, NULL, found_sealed, &found);
  return found;
}

typedef struct {
  const DynamormCrypto *crypto;
  GCancellable *cancellable;
  GError *error;
} FetchKeys;

static gboolean
fetch_key (const char *attribute, JsonNode *av, gpointer data)
{
  FetchKeys *f = data;
  JsonNode *inner = NULL;
  g_autofree guint8 *bytes = NULL;
  g_autoptr(DynamormDataKey) key = NULL;
  DynamormEnvelope envelope;
  gsize len = 0;

  _dynamorm_av_get_type (av, &inner);
  bytes = g_base64_decode (json_node_get_string (inner), &len);
  /* A malformed envelope is the decoder's to report, naming the property. */
  if (!_dynamorm_envelope_parse (bytes, len, &envelope, NULL))
    return TRUE;
  key = _dynamorm_data_key_cache_decryption_key (f->crypto->cache, f->crypto->provider, envelope.key_id,
                                                 envelope.wrapped, envelope.wrapped_len, f->cancellable,
                                                 &f->error);
  if (key == NULL && !g_error_matches (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (&f->error, _("The encrypted attribute “%s” of the answer could not be decrypted: "),
                    attribute ? attribute : "");
  return key != NULL;
}

gboolean
_dynamorm_crypto_fetch_keys (const DynamormCrypto *crypto, JsonNode *node,
                             GCancellable *cancellable, GError **error)
{
  FetchKeys f = { crypto, cancellable, NULL };

  if (each_sealed (node, NULL, fetch_key, &f))
    return TRUE;
  g_propagate_error (error, f.error);
  return FALSE;
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
      return FALSE;
  if (out->kms_key_id != NULL && out->local_key_file != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("“%s” names both kms_key_id and local_key_file: a session has one key provider, "
                     "keep one of them"),
                   uri);
      return FALSE;
    }
  if ((out->kms_region != NULL || out->kms_endpoint != NULL) && out->kms_key_id == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("“%s” sets kms_region or kms_endpoint without kms_key_id: add the KMS key, "
                     "such as kms_key_id=alias/orders"),
                   uri);
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
