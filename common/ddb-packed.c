/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-packed.c: writing and reading packed items (the format is described
 * in ddb-packed.h). */
#include "ddb-packed.h"
#include "ddb-json.h"
#include "ddb-number.h"

/* ---- Writing ---- */

/* u32 len, bytes, NUL at p, which has room for len + 5 bytes. */
static inline guint8 *
write_str (guint8 *p, const char *s, guint32 len)
{
  memcpy (p, &len, 4);
  memcpy (p + 4, s, len);
  p[4 + len] = '\0';
  return p + 5 + len;
}

void
ddb_packed_put_str (GByteArray *out, const char *s, gsize len)
{
  write_str (ddb_packed_reserve (out, len + 5), s, len);
}

void
ddb_packed_patch_u32 (GByteArray *out, guint offset, guint32 v)
{
  memcpy (out->data + offset, &v, 4);
}

guint
ddb_packed_begin_item (GByteArray *out)
{
  guint mark = out->len;

  ddb_packed_put_u32 (out, 0);
  return mark;
}

void
ddb_packed_end_item (GByteArray *out, guint mark, guint32 count)
{
  ddb_packed_patch_u32 (out, mark, count);
}

guint
ddb_packed_begin_attr (GByteArray *out, const char *name, gsize len)
{
  guint8 *p = write_str (ddb_packed_reserve (out, len + 9), name, len);

  memset (p, 0, 4);
  return out->len - 4;
}

void
ddb_packed_end_attr (GByteArray *out, guint mark)
{
  ddb_packed_patch_u32 (out, mark, out->len - mark - 4);
}

static inline void
put_type (GByteArray *out, DdbType type)
{
  *ddb_packed_reserve (out, 1) = type;
}

void
ddb_packed_put_scalar (GByteArray *out, DdbType type, const char *text, gsize len)
{
  guint8 *p = ddb_packed_reserve (out, len + 6);

  p[0] = type;
  write_str (p + 1, text, len);
}

void
ddb_packed_put_scalar_attr (GByteArray *out, const char *name, gsize name_len, DdbType type,
                            const char *text, gsize len)
{
  guint8 *p = write_str (ddb_packed_reserve (out, name_len + 5 + 4 + len + 6), name, name_len);
  guint32 value_len = len + 6;

  memcpy (p, &value_len, 4);
  p[4] = type;
  write_str (p + 5, text, len);
}

void
ddb_packed_put_flag (GByteArray *out, DdbType type, gboolean value)
{
  guint8 *p = ddb_packed_reserve (out, 2);

  p[0] = type;
  p[1] = value ? 1 : 0;
}

guint
ddb_packed_begin_list (GByteArray *out, DdbType type)
{
  put_type (out, type);
  return ddb_packed_begin_item (out);
}

void
ddb_packed_end_list (GByteArray *out, guint mark, guint32 count)
{
  ddb_packed_patch_u32 (out, mark, count);
}

/* Top-level numbers are stored canonical; numbers inside L and M keep the
 * text they were written with, as DynamoDB Local returns them (nested).
 * Text that does not parse is kept as it is (it was validated, so that only
 * happens for hand-made input). */
static void
put_number_text (GByteArray *out, const char *text, gboolean nested)
{
  gsize len = strlen (text);
  DdbNumber num;

  if (!nested && !ddb_number_text_is_canonical (text, len, NULL) && ddb_number_parse (text, &num, NULL))
    {
      g_autofree char *s = ddb_number_to_string (&num);
      ddb_packed_put_str (out, s, strlen (s));
    }
  else
    ddb_packed_put_str (out, text, len);
}

/* The type and payload of a well-formed AttributeValue. */
static DdbType
json_av_type (JsonNode *av, JsonNode **member)
{
  JsonObjectIter iter;
  const char *name = NULL;

  *member = NULL;
  if (av == NULL || !JSON_NODE_HOLDS_OBJECT (av))
    return DDB_TYPE_INVALID;
  json_object_iter_init (&iter, json_node_get_object (av));
  if (!json_object_iter_next (&iter, &name, member))
    return DDB_TYPE_INVALID;
  return ddb_type_from_name (name);
}

static void put_item (GByteArray *out, JsonObject *attrs, gboolean nested);

static void
put_value (GByteArray *out, JsonNode *av, gboolean nested)
{
  JsonNode *member;
  DdbType type = json_av_type (av, &member);

  switch (type)
    {
    case DDB_TYPE_S:
    case DDB_TYPE_B:
      {
        const char *s = json_node_get_string (member);
        ddb_packed_put_scalar (out, type, s, strlen (s));
      }
      break;
    case DDB_TYPE_N:
      put_type (out, type);
      put_number_text (out, json_node_get_string (member), nested);
      break;
    case DDB_TYPE_BOOL:
    case DDB_TYPE_NULL:
      ddb_packed_put_flag (out, type, json_node_get_boolean (member));
      break;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
      {
        JsonArray *arr = json_node_get_array (member);
        guint n = json_array_get_length (arr);
        guint mark = ddb_packed_begin_list (out, type);

        for (guint i = 0; i < n; i++)
          {
            const char *s = json_array_get_string_element (arr, i);
            if (type == DDB_TYPE_NS)
              put_number_text (out, s, nested);
            else
              ddb_packed_put_str (out, s, strlen (s));
          }
        ddb_packed_end_list (out, mark, n);
      }
      break;
    case DDB_TYPE_L:
      {
        JsonArray *arr = json_node_get_array (member);
        guint n = json_array_get_length (arr);
        guint mark = ddb_packed_begin_list (out, type);

        for (guint i = 0; i < n; i++)
          put_value (out, json_array_get_element (arr, i), TRUE);
        ddb_packed_end_list (out, mark, n);
      }
      break;
    case DDB_TYPE_M:
      put_type (out, type);
      put_item (out, json_node_get_object (member), TRUE);
      break;
    case DDB_TYPE_INVALID:
    default:
      /* Validated before packing: cannot happen. */
      g_assert_not_reached ();
    }
}

void
ddb_packed_put_json_value (GByteArray *out, JsonNode *av)
{
  put_value (out, av, FALSE);
}

static void
put_item (GByteArray *out, JsonObject *attrs, gboolean nested)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  guint count = 0, item = ddb_packed_begin_item (out);

  /* Ordered: responses keep the attribute order the item was written in. */
  json_object_iter_init_ordered (&iter, attrs);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      guint mark = ddb_packed_begin_attr (out, name, strlen (name));

      put_value (out, value, nested);
      ddb_packed_end_attr (out, mark);
      count++;
    }
  ddb_packed_end_item (out, item, count);
}

void
ddb_packed_put_json_item (GByteArray *out, JsonObject *attrs)
{
  put_item (out, attrs, FALSE);
}

/* ---- Reading ---- */

void
ddb_packed_iter_init (DdbPackedIter *iter, const guint8 *item)
{
  iter->p = item;
  iter->left = ddb_packed_get_u32 (&iter->p);
}

gboolean
ddb_packed_iter_next (DdbPackedIter *iter, const char **name, guint32 *name_len,
                      const guint8 **value)
{
  guint32 vlen;

  if (iter->left == 0)
    return FALSE;
  iter->left--;
  *name = ddb_packed_get_str (&iter->p, name_len);
  vlen = ddb_packed_get_u32 (&iter->p);
  *value = iter->p;
  iter->p += vlen;
  return TRUE;
}

gsize
ddb_packed_item_len (const guint8 *item)
{
  DdbPackedIter iter;
  const char *name;
  guint32 name_len;
  const guint8 *value;

  ddb_packed_iter_init (&iter, item);
  while (ddb_packed_iter_next (&iter, &name, &name_len, &value))
    ;
  return iter.p - item;
}

const guint8 *
ddb_packed_find (const guint8 *item, const char *name)
{
  DdbPackedIter iter;
  const char *s;
  const guint8 *value;
  guint32 len;
  gsize want = strlen (name);

  ddb_packed_iter_init (&iter, item);
  while (ddb_packed_iter_next (&iter, &s, &len, &value))
    if (len == want && memcmp (s, name, len) == 0)
      return value;
  return NULL;
}

static JsonNode *
string_node (const char *s)
{
  JsonNode *n = json_node_alloc ();

  json_node_init_string (n, s);
  return n;
}

static JsonObject *decode_item (const guint8 **p);

static JsonNode *
decode_value (const guint8 **p)
{
  DdbType type = *(*p)++;
  JsonNode *member = NULL, *av;
  JsonObject *obj;

  switch (type)
    {
    case DDB_TYPE_S:
    case DDB_TYPE_N:
    case DDB_TYPE_B:
      member = string_node (ddb_packed_get_str (p, NULL));
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
        guint32 n = ddb_packed_get_u32 (p);
        JsonArray *arr = json_array_sized_new (n);

        for (guint32 i = 0; i < n; i++)
          json_array_add_element (arr, type == DDB_TYPE_L ? decode_value (p)
                                                          : string_node (ddb_packed_get_str (p, NULL)));
        member = json_node_init_array (json_node_alloc (), arr);
        json_array_unref (arr);
      }
      break;
    case DDB_TYPE_M:
      {
        JsonObject *map = decode_item (p);
        member = json_node_init_object (json_node_alloc (), map);
        json_object_unref (map);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  obj = json_object_new ();
  json_object_set_member (obj, ddb_type_name (type), member);
  av = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  return av;
}

static JsonObject *
decode_item (const guint8 **p)
{
  guint32 n = ddb_packed_get_u32 (p);
  JsonObject *obj = json_object_new ();

  for (guint32 i = 0; i < n; i++)
    {
      const char *name = ddb_packed_get_str (p, NULL);

      (void) ddb_packed_get_u32 (p);
      json_object_set_member (obj, name, decode_value (p));
    }
  return obj;
}

JsonObject *
ddb_packed_to_json_item (const guint8 *item)
{
  const guint8 *p = item;

  return decode_item (&p);
}

JsonNode *
ddb_packed_to_json_value (const guint8 *value)
{
  const guint8 *p = value;

  return decode_value (&p);
}

/* ---- Printing ---- */

static void print_item (GString *out, const guint8 **p);

static void
print_str (GString *out, const guint8 **p)
{
  guint32 len;
  const char *s = ddb_packed_get_str (p, &len);

  ddb_json_print_string (out, s, len);
}

static void
print_value (GString *out, const guint8 **p)
{
  DdbType type = *(*p)++;

  g_string_append_c (out, '{');
  ddb_json_print_string (out, ddb_type_name (type), -1);
  g_string_append_c (out, ':');
  switch (type)
    {
    case DDB_TYPE_S:
    case DDB_TYPE_N:
    case DDB_TYPE_B:
      print_str (out, p);
      break;
    case DDB_TYPE_BOOL:
    case DDB_TYPE_NULL:
      g_string_append (out, *(*p)++ != 0 ? "true" : "false");
      break;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
    case DDB_TYPE_L:
      {
        guint32 n = ddb_packed_get_u32 (p);

        g_string_append_c (out, '[');
        for (guint32 i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            if (type == DDB_TYPE_L)
              print_value (out, p);
            else
              print_str (out, p);
          }
        g_string_append_c (out, ']');
      }
      break;
    case DDB_TYPE_M:
      print_item (out, p);
      break;
    default:
      g_assert_not_reached ();
    }
  g_string_append_c (out, '}');
}

static void
print_item (GString *out, const guint8 **p)
{
  guint32 n = ddb_packed_get_u32 (p);

  g_string_append_c (out, '{');
  for (guint32 i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      print_str (out, p);
      g_string_append_c (out, ':');
      (void) ddb_packed_get_u32 (p);
      print_value (out, p);
    }
  g_string_append_c (out, '}');
}

void
ddb_packed_print_item (GString *out, const guint8 *item)
{
  const guint8 *p = item;

  print_item (out, &p);
}

void
ddb_packed_print_value (GString *out, const guint8 *value)
{
  const guint8 *p = value;

  print_value (out, &p);
}
