/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-codec.c: property values <-> DynamoDB AttributeValue JSON.
 *
 * Every conversion is exact or an error: numbers keep all their digits or
 * fail, NaN and infinities are refused, a stored value that does not fit a
 * property is reported rather than truncated. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "ddb-error.h"
#include "ddb-number.h"
#include "ddb-packed.h"
#include "dynamorm-private.h"

/* ---- AttributeValue helpers ---- */

JsonNode *
_dynamorm_av_new (const char *type,
                  JsonNode   *inner)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_member (obj, type, inner);
  json_node_take_object (node, obj);
  return node;
}

JsonNode *
_dynamorm_av_new_string (const char *type,
                         const char *text)
{
  JsonNode *inner = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (inner, text);
  return _dynamorm_av_new (type, inner);
}

static JsonNode *
av_new_bool (const char *type, gboolean value)
{
  JsonNode *inner = json_node_new (JSON_NODE_VALUE);

  json_node_set_boolean (inner, value);
  return _dynamorm_av_new (type, inner);
}

/* The type key of an AttributeValue ("S", "N", ...) and its content, or
 * NULL when the node is not one well-formed AttributeValue. */
const char *
_dynamorm_av_get_type (JsonNode  *av,
                       JsonNode **inner)
{
  JsonObject *obj;
  GList *members;
  const char *type;

  if (av == NULL || !JSON_NODE_HOLDS_OBJECT (av))
    return NULL;
  obj = json_node_get_object (av);
  if (json_object_get_size (obj) != 1)
    return NULL;
  members = json_object_get_members (obj);
  type = members->data;
  g_list_free (members);
  if (inner)
    *inner = json_object_get_member (obj, type);
  return type;
}

/* New nodes that take over the caller's reference (json_node_init_* would
 * add one of their own). */
static JsonNode *
take_object (JsonObject *obj)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, obj);
  return node;
}

static JsonNode *
take_array (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

static const char *
av_string (JsonNode *inner)
{
  if (inner == NULL || !JSON_NODE_HOLDS_VALUE (inner) ||
      json_node_get_value_type (inner) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (inner);
}

gboolean
_dynamorm_value_is_unset (const GValue *value)
{
  return value == NULL || !G_IS_VALUE (value) ||
         (G_VALUE_HOLDS_POINTER (value) && g_value_get_pointer (value) == NULL);
}

/* ---- numbers ---- */

static gboolean
number_text_validate (const char *text, DdbNumber *number, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!ddb_number_parse (text, number, &local_error))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("“%s” is not a number DynamoDB can store: %s"), text, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
number_av (const DdbNumber *number)
{
  g_autofree char *text = ddb_number_to_string (number);
  return _dynamorm_av_new_string ("N", text);
}

JsonNode *
_dynamorm_av_new_int64 (gint64 value)
{
  DdbNumber number;

  ddb_number_from_int64 (value, &number);
  return number_av (&number);
}

static JsonNode *
av_new_uint64 (guint64 value)
{
  DdbNumber number;

  ddb_number_from_uint64 (value, &number);
  return number_av (&number);
}

/* Shortest text that reads back as the same double. With %g trailing
 * zeros go, so the 15-digit form is already the shortest whenever some form
 * of 15 digits or fewer reads back exactly (a double's error is far below
 * half a unit in the 15th digit); otherwise 16, then 17 digits. */
/* m / 10^point in decimal, as printf's %g writes it in fixed notation
 * ("-12.5", "0.25"). */
static char *
decimal_text (gint64 m, guint point)
{
  char buf[32], *p = buf + sizeof buf;
  guint64 v = m < 0 ? (guint64) 0 - (guint64) m : (guint64) m;
  guint digits = 0;

  *--p = '\0';
  do
    {
      *--p = '0' + v % 10;
      v /= 10;
      if (++digits == point)
        *--p = '.';
    }
  while (v != 0 || digits < point);
  if (digits == point)
    *--p = '0';
  if (m < 0)
    *--p = '-';
  return g_strdup (p);
}

/* A double with at most 6 decimals and at most 15 significant digits, such
 * as 98.5 or 0.125, without printf: m / 10^k for the first k that makes m
 * whole, when that decimal reads back as d (the division of two exact
 * values rounds as strtod does). Such a decimal is what "%.15g" writes:
 * d is within half an ulp of it, and the next 15-digit decimal is far
 * further. NULL for anything else, including what %g writes with an
 * exponent (below 1e-4). */
static char *
short_decimal_text (double d)
{
  double scale = 1.0;

  if (!(fabs (d) >= 1e-4 && fabs (d) < 1e9))
    return NULL;
  for (guint k = 1; k <= 6; k++)
    {
      double m;

      scale *= 10.0;
      m = d * scale;
      /* A trailing zero: an earlier k rounded; let printf decide. */
      if (m == (double) (gint64) m)
        return (gint64) m % 10 != 0 && (double) (gint64) m / scale == d ? decimal_text ((gint64) m, k) : NULL;
    }
  return NULL;
}

static char *
double_to_text (double d)
{
  static const char *formats[] = { "%.15g", "%.16g", "%.17g" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  char *p;

  /* Whole numbers within 2^53 are common and exact as integers (the range
   * is tested first: casting a larger double to gint64 is undefined) */
  if (fabs (d) < 9007199254740992.0 && d == (double) (gint64) d)
    return decimal_text ((gint64) d, 0);
  if ((p = short_decimal_text (d)) != NULL)
    return p;

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buf, sizeof buf, formats[i], d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }
  return g_strdup (buf);
}

/* Defined with the scalar encoder, whose number rules it shares. */
static JsonNode *encode_double (double d, const char *what, GError **error);

static gboolean
decode_number (JsonNode *inner, DdbNumber *number, const char *what, GError **error)
{
  const char *text = av_string (inner);

  if (text == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s: the number is not a string, as DynamoDB sends numbers"), what);
      return FALSE;
    }
  if (!number_text_validate (text, number, error))
    {
      g_prefix_error (error, "%s: ", what);
      return FALSE;
    }
  return TRUE;
}

/* ---- GVariant, free-form ---- */

/* A set of strings: refuses duplicates, as DynamoDB does. */
static gboolean
check_set_members (const char *const *strv, const char *what, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; strv[i]; i++)
    if (!g_hash_table_add (seen, (char *) strv[i]))
      {
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                     _("%s: the set holds “%s” twice; a DynamoDB set cannot hold duplicates"),
                     what, strv[i]);
        return FALSE;
      }
  return TRUE;
}


static JsonNode *encode_variant (GVariant *v, gboolean as_set, const char *what, GError **error);

/* A tuple or an array as a list. */
static JsonNode *
encode_variant_children (GVariant *v, const char *what, GError **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, v);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      JsonNode *av = encode_variant (child, FALSE, what, error);

      g_variant_unref (child);
      if (av == NULL)
        return NULL;
      json_array_add_element (array, av);
    }
  return _dynamorm_av_new ("L", take_array (g_steal_pointer (&array)));
}

/* A dictionary (an array of dict entries) as a map: its keys must be strings. */
static JsonNode *
encode_variant_dict (GVariant *v, const char *what, GError **error)
{
  const GVariantType *key_type = g_variant_type_key (g_variant_type_element (g_variant_get_type (v)));
  g_autoptr(JsonObject) map = NULL;
  GVariantIter iter;
  GVariant *entry;

  if (!g_variant_type_equal (key_type, G_VARIANT_TYPE_STRING))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s: a dictionary needs string keys to become a DynamoDB map, not “%.*s”"),
                   what, (int) g_variant_type_get_string_length (key_type),
                   g_variant_type_peek_string (key_type));
      return NULL;
    }
  map = json_object_new ();
  g_variant_iter_init (&iter, v);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
      g_autoptr(GVariant) val = g_variant_get_child_value (entry, 1);
      JsonNode *av = encode_variant (val, FALSE, what, error);

      g_variant_unref (entry);
      if (av == NULL)
        return NULL;
      json_object_set_member (map, g_variant_get_string (key, NULL), av);
    }
  return _dynamorm_av_new ("M", take_object (g_steal_pointer (&map)));
}

/* An array: a bytestring as binary, a dictionary as a map, a string array
 * as a string set when the property is tagged `set`, anything else as a
 * list. */
static JsonNode *
encode_variant_array (GVariant *v, gboolean as_set, const char *what, GError **error)
{
  const GVariantType *type = g_variant_get_type (v);

  if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize len;
      const guchar *data = g_variant_get_fixed_array (v, &len, 1);
      g_autofree char *b64 = g_base64_encode (data, len);
      return _dynamorm_av_new_string ("B", b64);
    }
  if (g_variant_type_is_dict_entry (g_variant_type_element (type)))
    return encode_variant_dict (v, what, error);
  if (as_set && g_variant_type_equal (type, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_autofree const char **strv = g_variant_get_strv (v, NULL);
      JsonArray *array;

      if (!check_set_members (strv, what, error))
        return NULL;
      array = json_array_new ();
      for (guint i = 0; strv[i]; i++)
        json_array_add_string_element (array, strv[i]);
      return _dynamorm_av_new ("SS", take_array (array));
    }
  return encode_variant_children (v, what, error);
}

static JsonNode *
encode_variant (GVariant *v, gboolean as_set, const char *what, GError **error)
{
  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      return av_new_bool ("BOOL", g_variant_get_boolean (v));
    case G_VARIANT_CLASS_BYTE:
      return av_new_uint64 (g_variant_get_byte (v));
    case G_VARIANT_CLASS_INT16:
      return _dynamorm_av_new_int64 (g_variant_get_int16 (v));
    case G_VARIANT_CLASS_UINT16:
      return av_new_uint64 (g_variant_get_uint16 (v));
    case G_VARIANT_CLASS_INT32:
      return _dynamorm_av_new_int64 (g_variant_get_int32 (v));
    case G_VARIANT_CLASS_UINT32:
      return av_new_uint64 (g_variant_get_uint32 (v));
    case G_VARIANT_CLASS_INT64:
      return _dynamorm_av_new_int64 (g_variant_get_int64 (v));
    case G_VARIANT_CLASS_UINT64:
      return av_new_uint64 (g_variant_get_uint64 (v));
    case G_VARIANT_CLASS_HANDLE:
      return _dynamorm_av_new_int64 (g_variant_get_handle (v));
    case G_VARIANT_CLASS_DOUBLE:
      return encode_double (g_variant_get_double (v), what, error);
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      return _dynamorm_av_new_string ("S", g_variant_get_string (v, NULL));
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) inner = g_variant_get_variant (v);
        return encode_variant (inner, as_set, what, error);
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) inner = g_variant_get_maybe (v);

        if (inner == NULL)
          return av_new_bool ("NULL", TRUE);
        return encode_variant (inner, as_set, what, error);
      }
    case G_VARIANT_CLASS_ARRAY:
      return encode_variant_array (v, as_set, what, error);
    case G_VARIANT_CLASS_TUPLE:
      return encode_variant_children (v, what, error);
    case G_VARIANT_CLASS_DICT_ENTRY:
    default:
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s: GVariant type “%s” has no DynamoDB equivalent"),
                   what, g_variant_get_type_string (v));
      return NULL;
    }
}

static GVariant *decode_variant (JsonNode *av, const char *what, GError **error);

static GVariant *
decode_variant_number (JsonNode *inner, const char *what, GError **error)
{
  DdbNumber number;
  gint64 i64;
  guint64 u64;
  g_autofree char *text = NULL;
  double d;

  if (!decode_number (inner, &number, what, error))
    return NULL;
  if (ddb_number_to_int64 (&number, &i64))
    return g_variant_new_int64 (i64);
  if (ddb_number_to_uint64 (&number, &u64))
    return g_variant_new_uint64 (u64);
  text = ddb_number_to_string (&number);
  d = g_ascii_strtod (text, NULL);
  {
    g_autofree char *back = double_to_text (d);
    DdbNumber back_number;

    if (isfinite (d) && ddb_number_parse (back, &back_number, NULL) &&
        ddb_number_equal (&number, &back_number))
      return g_variant_new_double (d);
  }
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
               _("%s: the number %s does not fit a GVariant without losing digits; "
                 "store it in a string property tagged “number”"), what, text);
  return NULL;
}

static GVariant *
decode_variant (JsonNode *av, const char *what, GError **error)
{
  JsonNode *inner;
  const char *type = _dynamorm_av_get_type (av, &inner);

  if (type == NULL)
    goto malformed;

  if (g_str_equal (type, "S"))
    {
      const char *s = av_string (inner);
      if (s == NULL)
        goto malformed;
      return g_variant_new_string (s);
    }
  if (g_str_equal (type, "N"))
    return decode_variant_number (inner, what, error);
  if (g_str_equal (type, "BOOL"))
    {
      if (!JSON_NODE_HOLDS_VALUE (inner) || json_node_get_value_type (inner) != G_TYPE_BOOLEAN)
        goto malformed;
      return g_variant_new_boolean (json_node_get_boolean (inner));
    }
  if (g_str_equal (type, "NULL"))
    return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
  if (g_str_equal (type, "B"))
    {
      const char *s = av_string (inner);
      gsize len;
      guchar *data;

      if (s == NULL)
        goto malformed;
      data = g_base64_decode (s, &len);
      return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, len, TRUE, g_free, data);
    }
  if (g_str_equal (type, "M"))
    {
      GVariantBuilder builder;
      JsonObjectIter iter;
      const char *name;
      JsonNode *child;

      if (!JSON_NODE_HOLDS_OBJECT (inner))
        goto malformed;
      g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
      json_object_iter_init (&iter, json_node_get_object (inner));
      while (json_object_iter_next (&iter, &name, &child))
        {
          GVariant *v = decode_variant (child, what, error);
          if (v == NULL)
            {
              g_variant_builder_clear (&builder);
              return NULL;
            }
          g_variant_builder_add (&builder, "{sv}", name, v);
        }
      return g_variant_builder_end (&builder);
    }
  if (g_str_equal (type, "L") || g_str_equal (type, "NS") || g_str_equal (type, "BS"))
    {
      GVariantBuilder builder;
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (inner))
        goto malformed;
      array = json_node_get_array (inner);
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autoptr(JsonNode) wrapped = NULL;
          GVariant *v;

          if (type[0] != 'L')
            element = wrapped = _dynamorm_av_new (type[0] == 'N' ? "N" : "B", json_node_copy (element));
          v = decode_variant (element, what, error);
          if (v == NULL)
            {
              g_variant_builder_clear (&builder);
              return NULL;
            }
          g_variant_builder_add (&builder, "v", v);
        }
      return g_variant_builder_end (&builder);
    }
  if (g_str_equal (type, "SS"))
    {
      GVariantBuilder builder;
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (inner))
        goto malformed;
      array = json_node_get_array (inner);
      g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *s = av_string (json_array_get_element (array, i));
          if (s == NULL)
            {
              g_variant_builder_clear (&builder);
              goto malformed;
            }
          g_variant_builder_add (&builder, "s", s);
        }
      return g_variant_builder_end (&builder);
    }

malformed:
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
               _("%s: the stored value is not a well-formed DynamoDB AttributeValue"), what);
  return NULL;
}

/* ---- JsonNode, free-form ---- */

typedef JsonNode *(*MapFunc) (JsonNode *node, const char *what, GError **error);

/* Every member of src through map, into a new object: NULL at the first
 * that fails. */
static JsonObject *
map_members (JsonObject *src, MapFunc map, const char *what, GError **error)
{
  g_autoptr(JsonObject) out = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, src);
  while (json_object_iter_next (&iter, &name, &member))
    {
      JsonNode *mapped = map (member, what, error);

      if (mapped == NULL)
        return NULL;
      json_object_set_member (out, name, mapped);
    }
  return g_steal_pointer (&out);
}

/* Every element of src through map, into a new array, likewise. */
static JsonArray *
map_elements (JsonArray *src, MapFunc map, const char *what, GError **error)
{
  g_autoptr(JsonArray) out = json_array_new ();

  for (guint i = 0; i < json_array_get_length (src); i++)
    {
      JsonNode *mapped = map (json_array_get_element (src, i), what, error);

      if (mapped == NULL)
        return NULL;
      json_array_add_element (out, mapped);
    }
  return g_steal_pointer (&out);
}

static JsonNode *
encode_json (JsonNode *node, const char *what, GError **error)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_NULL:
      return av_new_bool ("NULL", TRUE);
    case JSON_NODE_OBJECT:
      {
        JsonObject *map = map_members (json_node_get_object (node), encode_json, what, error);

        return map ? _dynamorm_av_new ("M", take_object (map)) : NULL;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *list = map_elements (json_node_get_array (node), encode_json, what, error);

        return list ? _dynamorm_av_new ("L", take_array (list)) : NULL;
      }
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_BOOLEAN:
          return av_new_bool ("BOOL", json_node_get_boolean (node));
        case G_TYPE_INT64:
          return _dynamorm_av_new_int64 (json_node_get_int (node));
        case G_TYPE_DOUBLE:
          return encode_double (json_node_get_double (node), what, error);
        case G_TYPE_STRING:
        default:
          return _dynamorm_av_new_string ("S", json_node_get_string (node));
        }
    }
}

static JsonNode *
decode_json (JsonNode *av, const char *what, GError **error)
{
  g_autoptr(GVariant) v = NULL;
  JsonNode *inner;
  const char *type = _dynamorm_av_get_type (av, &inner);

  if (type != NULL && g_str_equal (type, "M") && JSON_NODE_HOLDS_OBJECT (inner))
    {
      JsonObject *obj = map_members (json_node_get_object (inner), decode_json, what, error);

      return obj ? take_object (obj) : NULL;
    }
  if (type != NULL && g_str_equal (type, "L") && JSON_NODE_HOLDS_ARRAY (inner))
    {
      JsonArray *array = map_elements (json_node_get_array (inner), decode_json, what, error);

      return array ? take_array (array) : NULL;
    }
  if (type != NULL && g_str_equal (type, "NULL"))
    return json_node_init_null (json_node_alloc ());

  /* Scalars and sets go through the GVariant mapping. */
  v = decode_variant (av, what, error);
  if (v == NULL)
    return NULL;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s: binary data has no JSON equivalent; use a GBytes or GVariant property"), what);
      return NULL;
    }
  return json_gvariant_serialize (v);
}

/* ---- per field ---- */

static char *
field_what (const DynamormField *field)
{
  return g_strdup_printf (_("Property “%s” of %s"), field->pspec->name,
                          g_type_name (field->pspec->owner_type));
}

/* JSON kept in a string attribute (properties with the json tag) is text
 * from the table, written by anyone: refuse what json-glib cannot parse
 * safely (see ddb-json.h) before it does. */
static gboolean
stored_json_refused (const char *text, const DynamormField *field, GError **error)
{
  DdbJsonCheck check = ddb_json_check (text, strlen (text), DDB_JSON_MAX_DEPTH);
  g_autofree char *what = NULL;

  if (check == DDB_JSON_CHECK_OK)
    return FALSE;
  what = field_what (field);
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
               _("%s: the stored JSON is refused: %s"), what, ddb_json_check_describe (check));
  return TRUE;
}

static char *
datetime_to_text (GDateTime *dt)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (dt);
  g_autofree char *base = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%06dZ", base, g_date_time_get_microsecond (utc));
}

gboolean
_dynamorm_field_is_empty (const DynamormField *field,
                          const GValue        *value)
{
  switch (field->kind)
    {
    case FIELD_STRING: case FIELD_STRING_NUMBER: case FIELD_STRING_BINARY:
      return g_value_get_string (value) == NULL || *g_value_get_string (value) == '\0';
    case FIELD_STRV:
      return g_value_get_boxed (value) == NULL || *(char **) g_value_get_boxed (value) == NULL;
    case FIELD_BYTES:
      return g_value_get_boxed (value) == NULL || g_bytes_get_size (g_value_get_boxed (value)) == 0;
    case FIELD_MODEL_LIST:
      return g_value_get_object (value) == NULL ||
             g_list_model_get_n_items (g_value_get_object (value)) == 0;
    case FIELD_DATETIME: case FIELD_JSON_NODE:
      return g_value_get_boxed (value) == NULL;
    case FIELD_VARIANT:
      return g_value_get_variant (value) == NULL;
    case FIELD_MODEL:
      return g_value_get_object (value) == NULL;
    default:
      {
        GValue def = G_VALUE_INIT;
        gboolean empty;

        /* Numbers, booleans, enums, flags: empty when zero. */
        g_value_init (&def, G_VALUE_TYPE (value));
        empty = g_param_values_cmp (field->pspec, value, &def) == 0;
        g_value_unset (&def);
        return empty;
      }
    }
}

/* Decimal text of an integer: DynamoDB's canonical form of it. */
static void
uint_text (guint64 v, gboolean negative, DynamormScalar *out)
{
  char *p = out->buf + sizeof out->buf;

  *--p = '\0';
  do
    *--p = '0' + v % 10;
  while ((v /= 10) != 0);
  if (negative)
    *--p = '-';
  out->type = DDB_TYPE_N;
  out->text = p;
  out->len = out->buf + sizeof out->buf - 1 - p;
}

static void
int_text (gint64 v, DynamormScalar *out)
{
  uint_text (v < 0 ? (guint64) 0 - (guint64) v : (guint64) v, v < 0, out);
}

static void
scalar_take (DynamormScalar *out, DdbType type, char *text)
{
  out->type = type;
  out->owned = text;
  out->text = text;
  out->len = strlen (text);
}

static void
scalar_borrow (DynamormScalar *out, DdbType type, const char *text)
{
  out->type = type;
  out->text = text;
  out->len = strlen (text);
}

/* Number text as DynamoDB stores it, or an error naming what (made from
 * field only then, when what is NULL). */
static gboolean
scalar_number (const DynamormField *field, const char *what, const char *text, gboolean owned,
               DynamormScalar *out, GError **error)
{
  DdbNumber number;

  if (ddb_number_text_is_canonical (text, strlen (text), NULL))
    {
      if (owned)
        scalar_take (out, DDB_TYPE_N, (char *) text);
      else
        scalar_borrow (out, DDB_TYPE_N, text);
      return TRUE;
    }
  if (!number_text_validate (text, &number, error))
    {
      g_autofree char *made = what ? NULL : field_what (field);

      g_prefix_error (error, "%s: ", what ? what : made);
      if (owned)
        g_free ((char *) text);
      return FALSE;
    }
  if (owned)
    g_free ((char *) text);
  scalar_take (out, DDB_TYPE_N, ddb_number_to_string (&number));
  return TRUE;
}

/* A double as its shortest round-trip text; NaN and infinities refused. */
static gboolean
double_scalar (double d, const DynamormField *field, const char *what, DynamormScalar *out,
               GError **error)
{
  if (!isfinite (d))
    {
      g_autofree char *made = what ? NULL : field_what (field);

      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s is %s, which DynamoDB cannot store: use a finite number"),
                   what ? what : made, isnan (d) ? "NaN" : (d > 0 ? "infinity" : "-infinity"));
      return FALSE;
    }
  return scalar_number (field, what, double_to_text (d == 0.0 ? 0.0 : d), TRUE, out, error);
}

gboolean
_dynamorm_field_is_scalar (const DynamormField *field)
{
  switch (field->kind)
    {
    case FIELD_STRV: case FIELD_VARIANT: case FIELD_JSON_NODE: case FIELD_MODEL: case FIELD_MODEL_LIST:
      return FALSE;
    default:
      return TRUE;
    }
}

void
_dynamorm_scalar_clear (DynamormScalar *scalar)
{
  g_clear_pointer (&scalar->owned, g_free);
  scalar->type = DDB_TYPE_INVALID;
}

gboolean
_dynamorm_field_encode_scalar (const DynamormField  *field,
                               const GValue         *value,
                               DynamormScalar       *out,
                               GError              **error)
{
  out->type = DDB_TYPE_INVALID;
  out->owned = NULL;
  if ((field->flags & FIELD_FLAG_OMITEMPTY) && _dynamorm_field_is_empty (field, value))
    return TRUE;

  switch (field->kind)
    {
    case FIELD_STRING:
      if (g_value_get_string (value) != NULL)
        scalar_borrow (out, DDB_TYPE_S, g_value_get_string (value));
      return TRUE;

    case FIELD_STRING_NUMBER:
      if (g_value_get_string (value) == NULL)
        return TRUE;
      return scalar_number (field, NULL, g_value_get_string (value), FALSE, out, error);

    case FIELD_STRING_BINARY:
      {
        const char *s = g_value_get_string (value);

        if (s != NULL)
          scalar_take (out, DDB_TYPE_B, g_base64_encode ((const guchar *) s, strlen (s)));
        return TRUE;
      }

    case FIELD_INT:
      switch (G_VALUE_TYPE (value))
        {
        case G_TYPE_INT: int_text (g_value_get_int (value), out); return TRUE;
        case G_TYPE_INT64: int_text (g_value_get_int64 (value), out); return TRUE;
        case G_TYPE_LONG: int_text (g_value_get_long (value), out); return TRUE;
        default:
          {
            GValue v = G_VALUE_INIT;

            g_value_init (&v, G_TYPE_INT64);
            g_value_transform (value, &v);
            int_text (g_value_get_int64 (&v), out);
            return TRUE;
          }
        }

    case FIELD_UINT:
      {
        GValue v = G_VALUE_INIT;

        g_value_init (&v, G_TYPE_UINT64);
        g_value_transform (value, &v);
        uint_text (g_value_get_uint64 (&v), FALSE, out);
        return TRUE;
      }

    case FIELD_DOUBLE:
      {
        double d = G_VALUE_HOLDS_FLOAT (value) ? g_value_get_float (value) : g_value_get_double (value);

        return double_scalar (d, field, NULL, out, error);
      }

    case FIELD_BOOLEAN:
      out->type = DDB_TYPE_BOOL;
      out->boolean = g_value_get_boolean (value);
      return TRUE;

    case FIELD_ENUM:
      {
        g_autoptr(GEnumClass) klass = g_type_class_ref (G_VALUE_TYPE (value));
        GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (value));

        if (ev == NULL)
          {
            g_autofree char *what = field_what (field);

            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                         _("%s holds %d, which is not a value of %s"),
                         what, g_value_get_enum (value), g_type_name (G_VALUE_TYPE (value)));
            return FALSE;
          }
        /* Nicks live as long as the (registered, never freed) enum type. */
        scalar_borrow (out, DDB_TYPE_S, ev->value_nick);
        return TRUE;
      }

    case FIELD_FLAGS:
      uint_text (g_value_get_flags (value), FALSE, out);
      return TRUE;

    case FIELD_BYTES:
      {
        GBytes *bytes = g_value_get_boxed (value);
        gsize len;
        const guchar *data;

        if (bytes == NULL)
          return TRUE;
        data = g_bytes_get_data (bytes, &len);
        scalar_take (out, DDB_TYPE_B, g_base64_encode (data, len));
        return TRUE;
      }

    case FIELD_DATETIME:
      {
        GDateTime *dt = g_value_get_boxed (value);

        if (dt == NULL)
          return TRUE;
        if (field->flags & FIELD_FLAG_EPOCH)
          int_text (g_date_time_to_unix (dt), out);
        else
          scalar_take (out, DDB_TYPE_S, datetime_to_text (dt));
        return TRUE;
      }

    default:
      g_return_val_if_reached (FALSE);
    }
}

/* {"S": text}, {"BOOL": b}, ... for a scalar. */
static JsonNode *
scalar_av (const DynamormScalar *scalar)
{
  if (scalar->type == DDB_TYPE_BOOL)
    return av_new_bool ("BOOL", scalar->boolean);
  return _dynamorm_av_new_string (ddb_type_name (scalar->type), scalar->text);
}

static JsonNode *
encode_double (double d, const char *what, GError **error)
{
  DynamormScalar scalar = { 0 };
  JsonNode *av;

  if (!double_scalar (d, NULL, what, &scalar, error))
    return NULL;
  av = scalar_av (&scalar);
  _dynamorm_scalar_clear (&scalar);
  return av;
}

gboolean
_dynamorm_field_check_strv (const DynamormField *field, const char *const *strv, GError **error)
{
  g_autofree char *what = NULL;

  if (!(field->flags & FIELD_FLAG_SET) || strv == NULL || strv[0] == NULL || strv[1] == NULL)
    return TRUE;
  /* Small sets: a quadratic scan beats building a hash table. */
  for (guint i = 1; strv[i] && i < 16; i++)
    for (guint j = 0; j < i; j++)
      if (strcmp (strv[i], strv[j]) == 0)
        goto full_check;
  if (g_strv_length ((char **) strv) <= 16)
    return TRUE;
full_check:
  what = field_what (field);
  return check_set_members (strv, what, error);
}

static const DynamormNestedModelFuncs *nested_model_funcs;

void
_dynamorm_codec_set_nested_model_funcs (const DynamormNestedModelFuncs *funcs)
{
  nested_model_funcs = funcs;
}

static JsonNode *
encode_model (DynamormModel *model, GError **error);

gboolean
_dynamorm_field_encode (const DynamormField  *field,
                        const GValue         *value,
                        JsonNode            **out,
                        GError              **error)
{
  g_autofree char *what = NULL;

  *out = NULL;
  if (_dynamorm_field_is_scalar (field))
    {
      DynamormScalar scalar;

      if (!_dynamorm_field_encode_scalar (field, value, &scalar, error))
        return FALSE;
      if (scalar.type != DDB_TYPE_INVALID)
        *out = scalar_av (&scalar);
      _dynamorm_scalar_clear (&scalar);
      return TRUE;
    }
  if ((field->flags & FIELD_FLAG_OMITEMPTY) && _dynamorm_field_is_empty (field, value))
    return TRUE;

  switch (field->kind)
    {
    case FIELD_STRV:
      {
        char **strv = g_value_get_boxed (value);
        g_autoptr(GVariant) v = NULL;

        if (strv == NULL)
          return TRUE;
        if (field->flags & FIELD_FLAG_JSON)
          {
            g_autoptr(JsonBuilder) builder = json_builder_new ();
            g_autoptr(JsonNode) root = NULL;
            g_autofree char *text = NULL;

            json_builder_begin_array (builder);
            for (guint i = 0; strv[i]; i++)
              json_builder_add_string_value (builder, strv[i]);
            json_builder_end_array (builder);
            root = json_builder_get_root (builder);
            text = ddb_json_to_string (root);
            *out = _dynamorm_av_new_string ("S", text);
            return TRUE;
          }
        if ((field->flags & FIELD_FLAG_SET) && *strv == NULL)
          return TRUE; /* DynamoDB cannot store an empty set: leave it out */
        v = g_variant_ref_sink (g_variant_new_strv ((const char * const *) strv, -1));
        *out = encode_variant (v, (field->flags & FIELD_FLAG_SET) != 0, what = field_what (field), error);
        return *out != NULL;
      }

    case FIELD_VARIANT:
      {
        GVariant *v = g_value_get_variant (value);

        if (v == NULL)
          return TRUE;
        if (field->flags & FIELD_FLAG_JSON)
          {
            g_autoptr(JsonNode) node = json_gvariant_serialize (v);
            g_autofree char *text = ddb_json_to_string (node);
            *out = _dynamorm_av_new_string ("S", text);
            return TRUE;
          }
        *out = encode_variant (v, FALSE, what = field_what (field), error);
        return *out != NULL;
      }

    case FIELD_JSON_NODE:
      {
        JsonNode *node = g_value_get_boxed (value);

        if (node == NULL)
          return TRUE;
        if (field->flags & FIELD_FLAG_JSON)
          {
            g_autofree char *text = ddb_json_to_string (node);
            *out = _dynamorm_av_new_string ("S", text);
            return TRUE;
          }
        *out = encode_json (node, what = field_what (field), error);
        return *out != NULL;
      }

    case FIELD_MODEL:
      {
        DynamormModel *model = g_value_get_object (value);

        if (model == NULL)
          return TRUE;
        *out = encode_model (model, error);
        return *out != NULL;
      }

    case FIELD_MODEL_LIST:
      {
        GListModel *list = g_value_get_object (value);
        JsonArray *array;
        guint n;

        if (list == NULL)
          return TRUE;
        array = json_array_new ();
        n = g_list_model_get_n_items (list);
        for (guint i = 0; i < n; i++)
          {
            g_autoptr(GObject) item = g_list_model_get_item (list, i);
            JsonNode *av;

            if (!G_TYPE_CHECK_INSTANCE_TYPE (item, field->element_type))
              {
                g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                             _("%s holds a %s at position %u, but its elements must be %s"),
                             what = field_what (field), G_OBJECT_TYPE_NAME (item), i,
                             g_type_name (field->element_type));
                json_array_unref (array);
                return FALSE;
              }
            av = encode_model (DYNAMORM_MODEL (item), error);
            if (av == NULL)
              {
                json_array_unref (array);
                return FALSE;
              }
            json_array_add_element (array, av);
          }
        *out = _dynamorm_av_new ("L", take_array (array));
        return TRUE;
      }

    default:
      break;  /* scalars: handled above */
    }

  g_assert_not_reached ();
}

static JsonNode *
encode_model (DynamormModel *model, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (G_OBJECT_TYPE (model), FALSE, error);
  g_autoptr(JsonNode) item = NULL;

  if (schema == NULL)
    return NULL;
  if (schema->n_encrypted > 0)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s has encrypted properties and is used inside another model: encryption "
                     "works on a whole model's own properties only. Tag the containing model's "
                     "property “encrypted” instead"),
                   g_type_name (G_OBJECT_TYPE (model)));
      return NULL;
    }
  item = nested_model_funcs->to_item (model, error);
  if (item == NULL)
    return NULL;
  return _dynamorm_av_new ("M", g_steal_pointer (&item));
}


/* One stored AttributeValue, seen the same way whether it arrived as JSON
 * or packed: scalars by their text, anything tree-shaped as JSON (made from
 * the packed form only when a field needs it). */
typedef struct {
  DdbType type;
  const char *type_name;   /* for messages: the JSON type key as sent */
  const char *text;        /* S, N, B: NULL when the payload is not a string */
  gboolean boolean;        /* BOOL, NULL */
  gboolean has_boolean;    /* the payload is a JSON boolean */
  JsonNode *av;            /* the whole AttributeValue as JSON, or NULL */
  JsonNode *inner;         /* its payload */
  const guint8 *packed;    /* the packed value, or NULL */
  JsonNode *made;          /* av made from packed, owned */
} AvView;

static void
view_init_json (AvView *view, JsonNode *av)
{
  memset (view, 0, sizeof *view);
  view->av = av;
  view->type_name = _dynamorm_av_get_type (av, &view->inner);
  view->type = ddb_type_from_name (view->type_name);
  if (view->inner != NULL && JSON_NODE_HOLDS_VALUE (view->inner))
    {
      if (json_node_get_value_type (view->inner) == G_TYPE_STRING)
        view->text = json_node_get_string (view->inner);
      else if (json_node_get_value_type (view->inner) == G_TYPE_BOOLEAN)
        {
          view->has_boolean = TRUE;
          view->boolean = json_node_get_boolean (view->inner);
        }
    }
}

static void
view_init_packed (AvView *view, const guint8 *packed)
{
  const guint8 *p = packed + 1;

  memset (view, 0, sizeof *view);
  view->packed = packed;
  view->type = packed[0];
  view->type_name = ddb_type_name (view->type);
  switch (view->type)
    {
    case DDB_TYPE_S: case DDB_TYPE_N: case DDB_TYPE_B:
      view->text = ddb_packed_get_str (&p, NULL);
      break;
    case DDB_TYPE_BOOL: case DDB_TYPE_NULL:
      view->has_boolean = TRUE;
      view->boolean = *p != 0;
      break;
    default:
      break;
    }
}

/* The JSON form, for the tree-shaped kinds. */
static JsonNode *
view_json (AvView *view)
{
  if (view->av == NULL)
    {
      view->made = view->av = ddb_packed_to_json_value (view->packed);
      _dynamorm_av_get_type (view->av, &view->inner);
    }
  return view->av;
}

static void
view_clear (AvView *view)
{
  g_clear_pointer (&view->made, json_node_unref);
}

static gboolean
wrong_type (const DynamormField *field, const char *type, const char *expected, GError **error)
{
  g_autofree char *what = field_what (field);

  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
               _("%s is stored in attribute “%s”, which holds a value of type %s where %s was expected"),
               what, field->attribute, type ? type : _("(malformed)"), expected);
  return FALSE;
}

static gboolean
out_of_range (const DynamormField *field, const char *text, GError **error)
{
  g_autofree char *what = field_what (field);

  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
               _("%s cannot hold the stored number %s: it is out of the property's range or not a whole number"),
               what, text);
  return FALSE;
}

/* Parses the N text of view into number; an error names the field. */
static gboolean
view_number (const DynamormField *field, const AvView *view, DdbNumber *number, GError **error)
{
  g_autofree char *what = NULL;

  if (view->text == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s: the number is not a string, as DynamoDB sends numbers"),
                   what = field_what (field));
      return FALSE;
    }
  if (!number_text_validate (view->text, number, error))
    {
      g_prefix_error (error, "%s: ", what = field_what (field));
      return FALSE;
    }
  return TRUE;
}

/* A list of strings from an SS, or from an L whose elements are all S. */
static char **
view_strv (const DynamormField *field, AvView *view, GError **error)
{
  g_autoptr(GPtrArray) strings = NULL;

  if (view->packed != NULL)
    {
      const guint8 *p = view->packed + 1;
      guint32 n = ddb_packed_get_u32 (&p);
      char **strv = g_new0 (char *, n + 1);   /* the count is known: no array to grow */

      for (guint32 i = 0; i < n; i++)
        {
          if (view->type == DDB_TYPE_L && *p++ != DDB_TYPE_S)
            {
              g_strfreev (strv);
              wrong_type (field, "L", _("a list of strings"), error);
              return NULL;
            }
          strv[i] = g_strdup (ddb_packed_get_str (&p, NULL));
        }
      return strv;
    }
  else
    {
      JsonArray *array;

      if (view->inner == NULL || !JSON_NODE_HOLDS_ARRAY (view->inner))
        {
          wrong_type (field, view->type_name, _("a list of strings"), error);
          return NULL;
        }
      array = json_node_get_array (view->inner);
      strings = g_ptr_array_new_full (json_array_get_length (array) + 1, g_free);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i), *inner = NULL;
          const char *text = NULL;

          if (view->type == DDB_TYPE_L)
            {
              const char *type = _dynamorm_av_get_type (element, &inner);

              if (type != NULL && g_str_equal (type, "S") && JSON_NODE_HOLDS_VALUE (inner))
                text = json_node_get_string (inner);
            }
          else if (JSON_NODE_HOLDS_VALUE (element))
            text = json_node_get_string (element);
          if (text == NULL)
            {
              wrong_type (field, view->type_name, _("a list of strings"), error);
              return NULL;
            }
          g_ptr_array_add (strings, g_strdup (text));
        }
    }
  g_ptr_array_add (strings, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&strings), FALSE);
}

/* What a decode step found: the value, an attribute of another type than
 * the property reads (the caller names the type it wanted), or an error. */
typedef enum {
  DECODE_OK,
  DECODE_MISMATCH,
  DECODE_FAILED,
} DecodeResult;

/* A NULL attribute clears pointer types; scalars have no null. */
static DecodeResult
decode_null (const DynamormField *field, AvView *view, GError **error)
{
  switch (field->kind)
    {
    case FIELD_STRING: case FIELD_STRING_NUMBER: case FIELD_STRING_BINARY:
    case FIELD_BYTES: case FIELD_DATETIME: case FIELD_STRV:
    case FIELD_VARIANT: case FIELD_MODEL: case FIELD_MODEL_LIST:
      return DECODE_OK;
    case FIELD_JSON_NODE:
      if (field->flags & FIELD_FLAG_JSON)
        return DECODE_OK;
      return DECODE_MISMATCH; /* decode_json_node reads JSON null */
    default:
      wrong_type (field, view->type_name, _("a value (the property cannot be null)"), error);
      return DECODE_FAILED;
    }
}

static DecodeResult
decode_string_number (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  DdbNumber number;

  if (view->type != DDB_TYPE_N)
    return DECODE_MISMATCH;
  if (!view_number (field, view, &number, error))
    return DECODE_FAILED;
  g_value_take_string (value, ddb_number_to_string (&number));
  return DECODE_OK;
}

static DecodeResult
decode_string_binary (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  g_autofree char *what = NULL;
  gsize len;
  guchar *data;

  if (view->type != DDB_TYPE_B || view->text == NULL)
    return DECODE_MISMATCH;
  data = g_base64_decode (view->text, &len);
  if (!g_utf8_validate_len ((const char *) data, len, NULL) || memchr (data, 0, len))
    {
      g_free (data);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s is a string, but attribute “%s” holds bytes that are not UTF-8 text; use a GBytes property"),
                   what = field_what (field), field->attribute);
      return DECODE_FAILED;
    }
  g_value_take_string (value, g_strndup ((char *) data, len));
  g_free (data);
  return DECODE_OK;
}

/* Stores a whole number that fits 64 bits into the property's integer or
 * flags type; FALSE when it does not fit that type. */
static gboolean
integer_store (const DynamormField *field, gint64 i64, guint64 u64, GValue *value)
{
  GType vt = G_VALUE_TYPE (value);
  GValue wide = G_VALUE_INIT;
  GValue back = G_VALUE_INIT;

  if (field->kind == FIELD_FLAGS)
    {
      g_autoptr(GFlagsClass) klass = g_type_class_ref (vt);

      if (u64 > G_MAXUINT || (u64 & ~(guint64) klass->mask) != 0)
        return FALSE;
      g_value_set_flags (value, (guint) u64);
      return TRUE;
    }
  if (vt == G_TYPE_INT64)
    {
      g_value_set_int64 (value, i64);
      return TRUE;
    }
  if (vt == G_TYPE_INT)
    {
      g_value_set_int (value, (int) i64);
      return i64 >= G_MININT && i64 <= G_MAXINT;
    }
  /* Transform, then check the result reads back as the same number:
   * catches values that do not fit a narrower type. */
  if (field->kind == FIELD_INT)
    {
      g_value_init (&wide, G_TYPE_INT64);
      g_value_set_int64 (&wide, i64);
    }
  else
    {
      g_value_init (&wide, G_TYPE_UINT64);
      g_value_set_uint64 (&wide, u64);
    }
  g_value_transform (&wide, value);
  g_value_init (&back, G_VALUE_TYPE (&wide));
  g_value_transform (value, &back);
  return field->kind == FIELD_INT ? g_value_get_int64 (&back) == i64
                                  : g_value_get_uint64 (&back) == u64;
}

/* Canonical text of a whole number of at most 18 digits ("-5", "42"; not
 * "-0" or "007"), read without a DdbNumber; FALSE for any other text, which
 * the general parse then reads. */
static gboolean
small_integer_text (const char *text, gint64 *out)
{
  gboolean negative = text[0] == '-';
  const char *p = text + negative;
  gint64 v = 0;
  int n = 0;

  if (p[0] == '0' && (p[1] != '\0' || negative))
    return FALSE;
  /* 18 digits at most, so v never overflows; a 19th leaves *p on a digit */
  for (; n < 18 && *p >= '0' && *p <= '9'; p++, n++)
    v = v * 10 + (*p - '0');
  if (*p != '\0' || n == 0)
    return FALSE;
  *out = negative ? -v : v;
  return TRUE;
}

static DecodeResult
decode_integer (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  DdbNumber number;
  gint64 i64 = 0;
  guint64 u64 = 0;
  gboolean ok, small = FALSE;

  if (view->type != DDB_TYPE_N)
    return DECODE_MISMATCH;
  if (field->kind == FIELD_INT && view->text != NULL && small_integer_text (view->text, &i64))
    ok = small = TRUE;
  else if (!view_number (field, view, &number, error))
    return DECODE_FAILED;
  else if (field->kind == FIELD_INT)
    ok = ddb_number_to_int64 (&number, &i64);
  else
    ok = ddb_number_to_uint64 (&number, &u64);
  ok = ok && integer_store (field, i64, u64, value);
  if (ok && field->kind != FIELD_FLAGS && g_param_value_validate (field->pspec, value))
    ok = FALSE; /* outside the pspec's minimum/maximum */
  if (!ok)
    {
      /* Canonical text is the number's own text. */
      g_autofree char *text = small ? g_strdup (view->text) : ddb_number_to_string (&number);
      out_of_range (field, text, error);
      return DECODE_FAILED;
    }
  return DECODE_OK;
}

static DecodeResult
decode_double (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  g_autofree char *canonical = NULL;
  DdbNumber number;
  const char *text;
  double d;

  if (view->type != DDB_TYPE_N)
    return DECODE_MISMATCH;
  /* Canonical text is a valid number (ddb_number_text_is_canonical checks
   * its digits and range): only other text needs the parse. */
  text = view->text;
  if (text == NULL || !ddb_number_text_is_canonical (text, strlen (text), NULL))
    {
      if (!view_number (field, view, &number, error))
        return DECODE_FAILED;
      text = canonical = ddb_number_to_string (&number);
    }
  d = g_ascii_strtod (text, NULL);
  if (G_VALUE_HOLDS_FLOAT (value))
    {
      if (!isfinite ((float) d))
        {
          out_of_range (field, text, error);
          return DECODE_FAILED;
        }
      g_value_set_float (value, (float) d);
    }
  else
    g_value_set_double (value, d);
  if (g_param_value_validate (field->pspec, value))
    {
      out_of_range (field, text, error);
      return DECODE_FAILED;
    }
  return DECODE_OK;
}

static DecodeResult
decode_enum (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  GType vt = G_VALUE_TYPE (value);
  g_autoptr(GEnumClass) klass = NULL;
  g_autofree char *what = NULL;
  GEnumValue *ev;

  if (view->type != DDB_TYPE_S || view->text == NULL)
    return DECODE_MISMATCH;
  klass = g_type_class_ref (vt);
  ev = g_enum_get_value_by_nick (klass, view->text);
  if (ev == NULL)
    ev = g_enum_get_value_by_name (klass, view->text);
  if (ev == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s: “%s” is not a value of %s"), what = field_what (field), view->text,
                   g_type_name (vt));
      return DECODE_FAILED;
    }
  g_value_set_enum (value, ev->value);
  return DECODE_OK;
}

/* A date and time is stored as epoch seconds (N) or RFC 3339 text (S). */
static DecodeResult
decode_datetime (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  g_autofree char *what = NULL;
  GDateTime *dt;

  if (view->type == DDB_TYPE_N)
    {
      DdbNumber number;
      gint64 secs;

      if (!view_number (field, view, &number, error))
        return DECODE_FAILED;
      if (!ddb_number_to_int64 (&number, &secs) ||
          (dt = g_date_time_new_from_unix_utc (secs)) == NULL)
        {
          g_autofree char *text = ddb_number_to_string (&number);
          out_of_range (field, text, error);
          return DECODE_FAILED;
        }
      g_value_take_boxed (value, dt);
      return DECODE_OK;
    }
  if (view->type != DDB_TYPE_S || view->text == NULL)
    return DECODE_MISMATCH;
  dt = g_date_time_new_from_iso8601 (view->text, NULL);
  if (dt == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s: “%s” is not an RFC 3339 date and time"), what = field_what (field),
                   view->text);
      return DECODE_FAILED;
    }
  g_value_take_boxed (value, dt);
  return DECODE_OK;
}

static DecodeResult
decode_strv (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  char **strv;

  if (view->type == DDB_TYPE_S && view->text != NULL && (field->flags & FIELD_FLAG_JSON))
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GVariant) v = NULL;
      g_autofree char *what = NULL;

      if (stored_json_refused (view->text, field, error))
        return DECODE_FAILED;
      v = json_gvariant_deserialize_data (view->text, -1, "as", &local_error);

      if (v == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                       _("%s: the stored JSON is not a list of strings: %s"),
                       what = field_what (field), local_error->message);
          return DECODE_FAILED;
        }
      g_value_take_boxed (value, g_variant_dup_strv (v, NULL));
      return DECODE_OK;
    }
  if (view->type != DDB_TYPE_L && view->type != DDB_TYPE_SS)
    return DECODE_MISMATCH;
  if ((strv = view_strv (field, view, error)) == NULL)
    return DECODE_FAILED;
  g_value_take_boxed (value, strv);
  return DECODE_OK;
}

/* A GVariant property stored as JSON text in an S (the json tag); sets *v. */
static DecodeResult
variant_from_json_text (const DynamormField *field, AvView *view, const char *what,
                        GVariant **v, GError **error)
{
  const GVariantType *want = G_PARAM_SPEC_VARIANT (field->pspec)->type;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *signature = g_variant_type_dup_string (want);

  if (view->type != DDB_TYPE_S || view->text == NULL)
    return DECODE_MISMATCH;
  if (stored_json_refused (view->text, field, error))
    return DECODE_FAILED;
  *v = json_gvariant_deserialize_data (view->text, -1,
                                       g_variant_type_is_definite (want) ? signature : NULL,
                                       &local_error);
  if (*v == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s: the stored JSON does not fit the property: %s"), what, local_error->message);
      return DECODE_FAILED;
    }
  return DECODE_OK;
}

static DecodeResult
decode_variant_property (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  const GVariantType *want = G_PARAM_SPEC_VARIANT (field->pspec)->type;
  g_autofree char *what = field_what (field);
  GVariant *v = NULL;

  if (field->flags & FIELD_FLAG_JSON)
    {
      DecodeResult result = variant_from_json_text (field, view, what, &v, error);

      if (result != DECODE_OK)
        return result;
    }
  else if ((v = decode_variant (view_json (view), what, error)) == NULL)
    return DECODE_FAILED;
  g_variant_ref_sink (v);
  if (!g_variant_is_of_type (v, want))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("%s needs a GVariant of type “%s”, but the stored value reads as “%s”"),
                   what, g_variant_type_peek_string (want), g_variant_get_type_string (v));
      g_variant_unref (v);
      return DECODE_FAILED;
    }
  g_value_take_variant (value, v);
  return DECODE_OK;
}

static DecodeResult
decode_json_node (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  g_autofree char *what = field_what (field);
  JsonNode *node;

  if (field->flags & FIELD_FLAG_JSON)
    {
      g_autoptr(GError) local_error = NULL;

      if (view->type != DDB_TYPE_S || view->text == NULL)
        return DECODE_MISMATCH;
      if (stored_json_refused (view->text, field, error))
        return DECODE_FAILED;
      node = json_from_string (view->text, &local_error);
      if (node == NULL && local_error != NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                       _("%s: the stored text is not JSON: %s"), what, local_error->message);
          return DECODE_FAILED;
        }
    }
  else if ((node = decode_json (view_json (view), what, error)) == NULL)
    return DECODE_FAILED;
  g_value_take_boxed (value, node);
  return DECODE_OK;
}

static DecodeResult
decode_model (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  DynamormModel *model;

  if (view->type != DDB_TYPE_M)
    return DECODE_MISMATCH;
  view_json (view);
  model = nested_model_funcs->new_from_item (G_VALUE_TYPE (value), view->inner, error);
  if (model == NULL)
    return DECODE_FAILED;
  g_value_take_object (value, model);
  return DECODE_OK;
}

static DecodeResult
decode_model_list (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  g_autoptr(GListStore) store = NULL;
  JsonArray *array;

  if (view->type != DDB_TYPE_L)
    return DECODE_MISMATCH;
  view_json (view);
  if (!JSON_NODE_HOLDS_ARRAY (view->inner))
    return DECODE_MISMATCH;
  store = g_list_store_new (field->element_type);
  array = json_node_get_array (view->inner);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element_inner;
      const char *element_type = _dynamorm_av_get_type (json_array_get_element (array, i), &element_inner);
      g_autoptr(DynamormModel) model = NULL;

      if (element_type == NULL || !g_str_equal (element_type, "M"))
        {
          wrong_type (field, element_type, _("a list of maps"), error);
          return DECODE_FAILED;
        }
      model = nested_model_funcs->new_from_item (field->element_type, element_inner, error);
      if (model == NULL)
        return DECODE_FAILED;
      g_list_store_append (store, model);
    }
  g_value_set_object (value, store);
  return DECODE_OK;
}

/* The short scalar kinds: a string, a boolean, bytes. */
static DecodeResult
decode_simple (const DynamormField *field, AvView *view, GValue *value)
{
  switch (field->kind)
    {
    case FIELD_STRING:
      if (view->type != DDB_TYPE_S || view->text == NULL)
        return DECODE_MISMATCH;
      g_value_set_string (value, view->text);
      return DECODE_OK;
    case FIELD_BOOLEAN:
      if (view->type != DDB_TYPE_BOOL || !view->has_boolean)
        return DECODE_MISMATCH;
      g_value_set_boolean (value, view->boolean);
      return DECODE_OK;
    case FIELD_BYTES:
      {
        gsize len;
        guchar *data;

        if (view->type != DDB_TYPE_B || view->text == NULL)
          return DECODE_MISMATCH;
        data = g_base64_decode (view->text, &len);
        g_value_take_boxed (value, g_bytes_new_take (data, len));
        return DECODE_OK;
      }
    default:
      g_assert_not_reached ();
    }
}

static DecodeResult
decode_by_kind (const DynamormField *field, AvView *view, GValue *value, GError **error)
{
  switch (field->kind)
    {
    case FIELD_STRING: case FIELD_BOOLEAN: case FIELD_BYTES:
      return decode_simple (field, view, value);
    case FIELD_STRING_NUMBER:
      return decode_string_number (field, view, value, error);
    case FIELD_STRING_BINARY:
      return decode_string_binary (field, view, value, error);
    case FIELD_INT: case FIELD_UINT: case FIELD_FLAGS:
      return decode_integer (field, view, value, error);
    case FIELD_DOUBLE:
      return decode_double (field, view, value, error);
    case FIELD_ENUM:
      return decode_enum (field, view, value, error);
    case FIELD_DATETIME:
      return decode_datetime (field, view, value, error);
    case FIELD_STRV:
      return decode_strv (field, view, value, error);
    case FIELD_VARIANT:
      return decode_variant_property (field, view, value, error);
    case FIELD_JSON_NODE:
      return decode_json_node (field, view, value, error);
    case FIELD_MODEL:
      return decode_model (field, view, value, error);
    case FIELD_MODEL_LIST:
      return decode_model_list (field, view, value, error);
    }
  return DECODE_MISMATCH;
}

/* The attribute type each kind reads, for the error on a mismatch. */
static const char *
expected_type_name (FieldKind kind)
{
  static const char *expected[] = {
    [FIELD_STRING] = "S", [FIELD_STRING_NUMBER] = "N", [FIELD_STRING_BINARY] = "B",
    [FIELD_INT] = "N", [FIELD_UINT] = "N", [FIELD_DOUBLE] = "N", [FIELD_BOOLEAN] = "BOOL",
    [FIELD_ENUM] = "S", [FIELD_FLAGS] = "N", [FIELD_BYTES] = "B", [FIELD_DATETIME] = "S or N",
    [FIELD_STRV] = "L or SS", [FIELD_VARIANT] = "S", [FIELD_JSON_NODE] = "S",
    [FIELD_MODEL] = "M", [FIELD_MODEL_LIST] = "L",
  };

  return expected[kind];
}

/* Decodes one attribute into the field's property value: a NULL first,
 * then the step for the property's kind; on failure value is unset. */
static gboolean
decode_view (const DynamormField  *field,
             AvView               *view,
             GValue               *value,
             GError              **error)
{
  DecodeResult result = DECODE_MISMATCH;

  g_value_init (value, field->pspec->value_type);   /* no cast check per value */
  if (view->type == DDB_TYPE_NULL)
    result = decode_null (field, view, error);
  if (result == DECODE_MISMATCH)
    result = decode_by_kind (field, view, value, error);
  if (result == DECODE_MISMATCH)
    wrong_type (field, view->type_name, expected_type_name (field->kind), error);
  if (result != DECODE_OK)
    {
      g_value_unset (value);
      return FALSE;
    }
  return TRUE;
}

gboolean
_dynamorm_field_decode (const DynamormField  *field,
                        JsonNode             *av,
                        GValue               *value,
                        GError              **error)
{
  AvView view;

  view_init_json (&view, av);
  return decode_view (field, &view, value, error);
}

gboolean
_dynamorm_field_decode_packed (const DynamormField  *field,
                               const guint8         *packed,
                               GValue               *value,
                               GError              **error)
{
  AvView view;
  gboolean ok;

  view_init_packed (&view, packed);
  ok = decode_view (field, &view, value, error);
  view_clear (&view);
  return ok;
}

/* Converts a caller's key value to the key property's type and encodes it;
 * an unset or empty value is an error. */
static gboolean
key_scalar (const DynamormField *field, const GValue *value, const char *what,
            GType type, DynamormScalar *out, GError **error)
{
  GValue converted = G_VALUE_INIT;
  GType want = G_PARAM_SPEC_VALUE_TYPE (field->pspec);
  gboolean ok;

  out->type = DDB_TYPE_INVALID;
  out->owned = NULL;
  if (_dynamorm_value_is_unset (value))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A key of %s needs a value for its %s “%s”"),
                   g_type_name (type), what, field->pspec->name);
      return FALSE;
    }
  g_value_init (&converted, want);
  if (!g_value_type_transformable (G_VALUE_TYPE (value), want) ||
      !g_value_transform (value, &converted))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The %s “%s” of %s is a %s; a %s cannot be used for it"),
                   what, field->pspec->name, g_type_name (type), g_type_name (want),
                   g_type_name (G_VALUE_TYPE (value)));
      g_value_unset (&converted);
      return FALSE;
    }
  ok = _dynamorm_field_is_scalar (field) &&
       _dynamorm_field_encode_scalar (field, &converted, out, error);
  if (ok && out->owned == NULL && out->text != NULL)
    {
      /* The text may point into converted, which goes now. */
      out->owned = g_strndup (out->text, out->len);
      out->text = out->owned;
    }
  g_value_unset (&converted);
  if (!ok && error != NULL && *error != NULL)
    return FALSE;
  if (!ok || (out->type != DDB_TYPE_S && out->type != DDB_TYPE_N && out->type != DDB_TYPE_B) ||
      out->len == 0)
    {
      _dynamorm_scalar_clear (out);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The %s “%s” of a key of %s is empty: give every key a value"),
                   what, field->pspec->name, g_type_name (type));
      return FALSE;
    }
  return TRUE;
}

gboolean
_dynamorm_key_attribute (const DynamormField *field, const GValue *value, const char *what,
                         GType type, JsonObject *key, GError **error)
{
  DynamormScalar scalar;

  if (!key_scalar (field, value, what, type, &scalar, error))
    return FALSE;
  json_object_set_member (key, field->attribute, scalar_av (&scalar));
  _dynamorm_scalar_clear (&scalar);
  return TRUE;
}

gboolean
_dynamorm_key_attribute_packed (const DynamormField *field, const GValue *value, const char *what,
                                GType type, GByteArray *key, GError **error)
{
  DynamormScalar scalar;

  /* A value of the property's own type is encoded where it is (no copy to
   * convert, no text to keep); anything else, and every error, goes the
   * converting way. */
  if (!_dynamorm_value_is_unset (value) && G_VALUE_TYPE (value) == field->pspec->value_type &&
      _dynamorm_field_is_scalar (field) && _dynamorm_field_encode_scalar (field, value, &scalar, NULL))
    {
      if ((scalar.type == DDB_TYPE_S || scalar.type == DDB_TYPE_N || scalar.type == DDB_TYPE_B) && scalar.len > 0)
        {
          ddb_packed_put_scalar_attr (key, field->attribute, strlen (field->attribute), scalar.type,
                                      scalar.text, scalar.len);
          _dynamorm_scalar_clear (&scalar);
          return TRUE;
        }
      _dynamorm_scalar_clear (&scalar);
    }
  if (!key_scalar (field, value, what, type, &scalar, error))
    return FALSE;
  ddb_packed_put_scalar_attr (key, field->attribute, strlen (field->attribute), scalar.type, scalar.text,
                              scalar.len);
  _dynamorm_scalar_clear (&scalar);
  return TRUE;
}

/**
 * dynamorm_value_to_attribute_value:
 * @value: a #GValue holding a string, number, boolean, enum, #GBytes,
 *   #GDateTime, string list, #GVariant or #JsonNode
 * @error: return location for a #GError
 *
 * Converts a value into a DynamoDB AttributeValue as Dynamorm would store a
 * property of the same type, for building requests by hand.
 *
 * Returns: (transfer full): the AttributeValue, or %NULL on error
 */
JsonNode *
dynamorm_value_to_attribute_value (const GValue  *value,
                                   GError       **error)
{
  DynamormField field = { 0 };
  JsonNode *out = NULL;
  GParamSpec *pspec;
  GType type;

  g_return_val_if_fail (G_IS_VALUE (value), NULL);

  type = G_VALUE_TYPE (value);
  if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_VARIANT)
    pspec = g_param_spec_variant ("value", NULL, NULL, G_VARIANT_TYPE_ANY, NULL, G_PARAM_READWRITE);
  else if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_OBJECT)
    pspec = g_param_spec_object ("value", NULL, NULL, type, G_PARAM_READWRITE);
  else if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_BOXED)
    pspec = g_param_spec_boxed ("value", NULL, NULL, type, G_PARAM_READWRITE);
  else
    pspec = g_param_spec_string ("value", NULL, NULL, NULL, G_PARAM_READWRITE);
  g_param_spec_ref_sink (pspec);
  pspec->owner_type = DYNAMORM_TYPE_MODEL;
  field.pspec = pspec;
  field.attribute = (char *) "value";

  /* Borrow the schema's classification by faking a property of the type. */
  {
    GType fundamental = G_TYPE_FUNDAMENTAL (type);

    if (fundamental == G_TYPE_STRING) field.kind = FIELD_STRING;
    else if (fundamental == G_TYPE_CHAR || fundamental == G_TYPE_INT ||
             fundamental == G_TYPE_LONG || fundamental == G_TYPE_INT64) field.kind = FIELD_INT;
    else if (fundamental == G_TYPE_UCHAR || fundamental == G_TYPE_UINT ||
             fundamental == G_TYPE_ULONG || fundamental == G_TYPE_UINT64) field.kind = FIELD_UINT;
    else if (fundamental == G_TYPE_FLOAT || fundamental == G_TYPE_DOUBLE) field.kind = FIELD_DOUBLE;
    else if (fundamental == G_TYPE_BOOLEAN) field.kind = FIELD_BOOLEAN;
    else if (fundamental == G_TYPE_ENUM) field.kind = FIELD_ENUM;
    else if (fundamental == G_TYPE_FLAGS) field.kind = FIELD_FLAGS;
    else if (fundamental == G_TYPE_VARIANT) field.kind = FIELD_VARIANT;
    else if (type == G_TYPE_BYTES) field.kind = FIELD_BYTES;
    else if (type == G_TYPE_DATE_TIME) field.kind = FIELD_DATETIME;
    else if (type == G_TYPE_STRV) field.kind = FIELD_STRV;
    else if (type == JSON_TYPE_NODE) field.kind = FIELD_JSON_NODE;
    else if (g_type_is_a (type, DYNAMORM_TYPE_MODEL)) field.kind = FIELD_MODEL;
    else
      {
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                     _("A value of type %s cannot be stored in DynamoDB"), g_type_name (type));
        g_param_spec_unref (pspec);
        return NULL;
      }
  }

  if (!_dynamorm_field_encode (&field, value, &out, error))
    out = NULL;
  else if (out == NULL)
    out = av_new_bool ("NULL", TRUE);
  g_param_spec_unref (pspec);
  return out;
}

/**
 * dynamorm_number_normalize:
 * @text: a decimal number, such as `"1.50"` or `"-2E3"`
 * @error: return location for a #GError
 *
 * Checks that @text is a number DynamoDB can store (at most 38 significant
 * digits, magnitude between 1E-130 and 1E+126) and returns it the way
 * DynamoDB returns it.
 *
 * Returns: (transfer full): the normalized number, or %NULL if DynamoDB
 *   cannot store it
 */
char *
dynamorm_number_normalize (const char  *text,
                           GError     **error)
{
  DdbNumber number;

  g_return_val_if_fail (text != NULL, NULL);

  if (!number_text_validate (text, &number, error))
    return NULL;
  return ddb_number_to_string (&number);
}

/**
 * dynamorm_attribute_value_validate:
 * @attribute_value: a DynamoDB AttributeValue
 * @error: return location for a #GError
 *
 * Checks that a node is one well-formed AttributeValue: an object with one
 * type key (`S`, `N`, `B`, `BOOL`, `NULL`, `SS`, `NS`, `BS`, `L`, `M`) and
 * content of that type.
 *
 * Returns: %TRUE if it is well-formed
 */
gboolean
dynamorm_attribute_value_validate (JsonNode  *attribute_value,
                                   GError   **error)
{
  JsonNode *inner;
  const char *type = _dynamorm_av_get_type (attribute_value, &inner);
  g_autoptr(GVariant) v = NULL;

  if (type == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("An AttributeValue is an object with exactly one type key, such as {\"S\": \"text\"}"));
      return FALSE;
    }
  if (g_str_equal (type, "NULL"))
    return TRUE;
  if (g_str_equal (type, "M") || g_str_equal (type, "L"))
    {
      g_autoptr(JsonNode) json = decode_json (attribute_value, _("The value"), error);
      return json != NULL;
    }
  if (g_str_equal (type, "N") || g_str_equal (type, "NS"))
    {
      JsonArray *array;

      if (type[1] == '\0')
        {
          DdbNumber number;
          return decode_number (inner, &number, _("The value"), error);
        }
      if (!JSON_NODE_HOLDS_ARRAY (inner))
        goto bad;
      array = json_node_get_array (inner);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          DdbNumber number;
          if (!decode_number (json_array_get_element (array, i), &number, _("The value"), error))
            return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (type, "S") || g_str_equal (type, "B"))
    {
      if (av_string (inner) == NULL)
        goto bad;
      return TRUE;
    }
  if (g_str_equal (type, "BOOL"))
    {
      if (!JSON_NODE_HOLDS_VALUE (inner) || json_node_get_value_type (inner) != G_TYPE_BOOLEAN)
        goto bad;
      return TRUE;
    }
  if (g_str_equal (type, "SS") || g_str_equal (type, "BS"))
    {
      v = decode_variant (attribute_value, _("The value"), error);
      return v != NULL;
    }

bad:
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
               _("The AttributeValue of type “%s” is malformed"), type);
  return FALSE;
}
