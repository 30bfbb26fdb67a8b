/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-blob.c: the compact form items are stored in.
 *
 * Why: a json-glib item costs a JsonObject (a GHashTable and a GQueue) per
 * AttributeValue, and JsonObject, JsonArray and JsonValue reference counts
 * are not atomic (json_object_ref is a plain ++ in json-glib 1.6), so stored
 * objects can never be shared with a response that another thread frees or
 * json_node_copy()s. Storing an item as one flat allocation makes PutItem
 * one encode instead of a deep copy, and reads decode straight into the
 * response's fresh nodes.
 *
 * Layout (host byte order, no alignment; strings keep a trailing NUL that
 * their length does not count, so decoding can hand them out directly):
 *   item   := u32 count, count * (u32 namelen, name, NUL, u32 valuelen, value)
 *   value  := u8 DdbType, payload
 *   S N B  := u32 len, bytes, NUL        (N canonical, B as base64 text)
 *   BOOL NULL := u8
 *   SS NS BS := u32 count, count * (u32 len, bytes, NUL)
 *   L      := u32 count, count * value
 *   M      := item
 */
#include "config.h"

#include <string.h>
#include "ddb-table.h"

/* ---- Encoding ---- */

static void
put_u32 (GByteArray *out, guint32 v)
{
  g_byte_array_append (out, (const guint8 *) &v, 4);
}

static void
put_str (GByteArray *out, const char *s, gsize len)
{
  static const guint8 nul = 0;

  put_u32 (out, len);
  g_byte_array_append (out, (const guint8 *) s, len);
  g_byte_array_append (out, &nul, 1);
}

static void
put_number (GByteArray *out, const char *text)
{
  DdbNumber num;

  if (text != NULL && ddb_number_parse (text, &num, NULL))
    {
      g_autofree char *s = ddb_number_to_string (&num);
      put_str (out, s, strlen (s));
    }
  else
    put_str (out, text ? text : "", text ? strlen (text) : 0);
}

static void encode_object (GByteArray *out, JsonObject *obj);

static void
encode_value (GByteArray *out, JsonNode *value)
{
  DdbType type = ddb_value_type (value);
  JsonNode *member = ddb_value_get_member (value);
  guint8 tag = type;

  g_byte_array_append (out, &tag, 1);
  switch (type)
    {
    case DDB_TYPE_S:
    case DDB_TYPE_B:
      {
        const char *s = json_node_get_string (member);
        put_str (out, s, strlen (s));
      }
      break;
    case DDB_TYPE_N:
      put_number (out, json_node_get_string (member));
      break;
    case DDB_TYPE_BOOL:
    case DDB_TYPE_NULL:
      {
        guint8 b = json_node_get_boolean (member) ? 1 : 0;
        g_byte_array_append (out, &b, 1);
      }
      break;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
      {
        JsonArray *arr = json_node_get_array (member);
        guint n = json_array_get_length (arr);

        put_u32 (out, n);
        for (guint i = 0; i < n; i++)
          {
            const char *s = json_array_get_string_element (arr, i);
            if (type == DDB_TYPE_NS)
              put_number (out, s);
            else
              put_str (out, s, strlen (s));
          }
      }
      break;
    case DDB_TYPE_L:
      {
        JsonArray *arr = json_node_get_array (member);
        guint n = json_array_get_length (arr);

        put_u32 (out, n);
        for (guint i = 0; i < n; i++)
          encode_value (out, json_array_get_element (arr, i));
      }
      break;
    case DDB_TYPE_M:
      encode_object (out, json_node_get_object (member));
      break;
    case DDB_TYPE_INVALID:
    default:
      /* Validated before storing: cannot happen. */
      g_assert_not_reached ();
    }
}

static void
encode_object (GByteArray *out, JsonObject *obj)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  put_u32 (out, json_object_get_size (obj));
  /* Ordered: responses keep the attribute order the item was written in. */
  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      guint start;
      guint32 vlen;

      put_str (out, name, strlen (name));
      start = out->len;
      put_u32 (out, 0);
      encode_value (out, value);
      vlen = out->len - start - 4;
      memcpy (out->data + start, &vlen, 4);
    }
}

guint8 *
ddb_blob_encode (JsonObject *attrs, gsize *len_out)
{
  /* One scratch buffer per thread: encoding allocates only the result. */
  static GPrivate scratch_key = G_PRIVATE_INIT ((GDestroyNotify) g_byte_array_unref);
  GByteArray *out = g_private_get (&scratch_key);
  guint8 *blob;

  if (out == NULL)
    {
      out = g_byte_array_sized_new (1024);
      g_private_set (&scratch_key, out);
    }
  g_byte_array_set_size (out, 0);
  encode_object (out, attrs);
  blob = g_memdup2 (out->data, out->len);
  if (len_out)
    *len_out = out->len;
  if (out->len > 64 * 1024)
    {
      /* Do not keep a 400 KB scratch buffer around for one big item. */
      g_private_replace (&scratch_key, g_byte_array_sized_new (1024));
    }
  return blob;
}

/* ---- Decoding ---- */

static inline guint32
get_u32 (const guint8 **p)
{
  guint32 v;

  memcpy (&v, *p, 4);
  *p += 4;
  return v;
}

static inline const char *
get_str (const guint8 **p, guint32 *len_out)
{
  guint32 len = get_u32 (p);
  const char *s = (const char *) *p;

  *p += len + 1;
  if (len_out)
    *len_out = len;
  return s;
}

static JsonObject *decode_object (const guint8 **p);

static JsonNode *
string_node (const char *s)
{
  JsonNode *n = json_node_alloc ();

  json_node_init_string (n, s);
  return n;
}

static JsonNode *
decode_value (const guint8 **p)
{
  DdbType type = *(*p)++;
  JsonNode *member = NULL;

  switch (type)
    {
    case DDB_TYPE_S:
    case DDB_TYPE_N:
    case DDB_TYPE_B:
      member = string_node (get_str (p, NULL));
      break;
    case DDB_TYPE_BOOL:
    case DDB_TYPE_NULL:
      member = json_node_init_boolean (json_node_alloc (), *(*p)++ != 0);
      break;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
    case DDB_TYPE_L:
      {
        guint32 n = get_u32 (p);
        JsonArray *arr = json_array_sized_new (n);

        for (guint32 i = 0; i < n; i++)
          json_array_add_element (arr, type == DDB_TYPE_L ? decode_value (p) : string_node (get_str (p, NULL)));
        member = json_node_init_array (json_node_alloc (), arr);
        json_array_unref (arr);
      }
      break;
    case DDB_TYPE_M:
      {
        JsonObject *obj = decode_object (p);
        member = json_node_init_object (json_node_alloc (), obj);
        json_object_unref (obj);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return ddb_value_new_take (type, member);
}

static JsonObject *
decode_object (const guint8 **p)
{
  guint32 n = get_u32 (p);
  JsonObject *obj = json_object_new ();

  for (guint32 i = 0; i < n; i++)
    {
      const char *name = get_str (p, NULL);
      (void) get_u32 (p);
      json_object_set_member (obj, name, decode_value (p));
    }
  return obj;
}

JsonObject *
ddb_blob_decode (const guint8 *blob)
{
  const guint8 *p = blob;

  return decode_object (&p);
}

const guint8 *
ddb_blob_find (const guint8 *blob, const char *name)
{
  const guint8 *p = blob;
  guint32 n = get_u32 (&p);
  gsize want = strlen (name);

  for (guint32 i = 0; i < n; i++)
    {
      guint32 len, vlen;
      const char *s = get_str (&p, &len);

      vlen = get_u32 (&p);
      if (len == want && memcmp (s, name, len) == 0)
        return p;
      p += vlen;
    }
  return NULL;
}

JsonNode *
ddb_blob_value_decode (const guint8 *value)
{
  const guint8 *p = value;

  return decode_value (&p);
}

gboolean
ddb_blob_key_value (const guint8 *value, DdbKeyValue *kv)
{
  const guint8 *p = value;
  DdbType type;
  const char *s;
  guint32 len;

  memset (kv, 0, sizeof *kv);
  if (value == NULL)
    return FALSE;
  type = *p++;
  if (type != DDB_TYPE_S && type != DDB_TYPE_N && type != DDB_TYPE_B)
    return FALSE;
  s = get_str (&p, &len);
  switch (type)
    {
    case DDB_TYPE_S:
      kv->data = g_memdup2 (s, len + 1);
      kv->len = len;
      break;
    case DDB_TYPE_N:
      if (!ddb_number_parse (s, &kv->num, NULL))
        return FALSE;
      break;
    default:
      {
        gsize blen = 0;
        kv->data = (char *) g_base64_decode (s, &blen);
        kv->len = blen;
      }
      break;
    }
  kv->type = type;
  return TRUE;
}

gboolean
ddb_blob_number (const guint8 *value, DdbNumber *out)
{
  const guint8 *p = value;

  if (value == NULL || *p++ != DDB_TYPE_N)
    return FALSE;
  return ddb_number_parse (get_str (&p, NULL), out, NULL);
}
