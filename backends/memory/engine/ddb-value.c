/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-value.c: AttributeValue type detection, validation, equality,
 * ordering and size, on json-glib nodes. */
#include "ddb-value.h"
#include "ddb-error.h"

#include <string.h>

/* Containers (M, L) may appear at nesting levels 1..31, counting the
 * top-level attribute value as level 1: DynamoDB Local accepts 31 nested
 * maps around a scalar and rejects 31 around an empty map. */
#define MAX_CONTAINER_DEPTH 31

/* The single member of an AttributeValue object, or NULL. */
static JsonNode *
value_member (JsonNode *value, const char **name_out)
{
  JsonObject *obj;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    return NULL;
  obj = json_node_get_object (value);
  if (json_object_get_size (obj) != 1)
    return NULL;
  /* The ordered iterator reads the first member of a list; the plain one
   * scans hash buckets, which showed in profiles. */
  json_object_iter_init_ordered (&iter, obj);
  if (!json_object_iter_next_ordered (&iter, &name, &member))
    return NULL;
  if (name_out)
    *name_out = name;
  return member;
}

DdbType
ddb_value_type (JsonNode *value)
{
  const char *name = NULL;
  JsonNode *member = value_member (value, &name);
  DdbType type;

  if (member == NULL)
    return DDB_TYPE_INVALID;
  type = ddb_type_from_name (name);
  switch (type)
    {
    case DDB_TYPE_S:
    case DDB_TYPE_N:
    case DDB_TYPE_B:
      return JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING
             ? type : DDB_TYPE_INVALID;
    case DDB_TYPE_BOOL:
    case DDB_TYPE_NULL:
      return JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_BOOLEAN
             ? type : DDB_TYPE_INVALID;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
    case DDB_TYPE_L:
      return JSON_NODE_HOLDS_ARRAY (member) ? type : DDB_TYPE_INVALID;
    case DDB_TYPE_M:
      return JSON_NODE_HOLDS_OBJECT (member) ? type : DDB_TYPE_INVALID;
    case DDB_TYPE_INVALID:
    default:
      return DDB_TYPE_INVALID;
    }
}

/* ---- base64 ---- */

static int
b64_digit (guchar c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

gboolean
ddb_base64_check (const char *s, gsize len, gsize *decoded_len)
{
  gsize pad = 0;

  if (len % 4 != 0)
    return FALSE;
  if (len >= 1 && s[len - 1] == '=')
    pad++;
  if (len >= 2 && s[len - 2] == '=')
    pad++;
  /* One table lookup per character (g_ascii_isalnum) rather than
   * b64_digit's chain of ranges: envelopes are a few hundred characters. */
  for (gsize i = 0; i < len - pad; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '+' && s[i] != '/')
      return FALSE;
  if (decoded_len)
    *decoded_len = len / 4 * 3 - pad;
  return TRUE;
}

/* Decoded length without validation (values are validated on input). */
static gsize
b64_decoded_len (const char *s)
{
  gsize len = strlen (s), pad = 0;

  while (len > 0 && pad < 2 && s[len - 1] == '=')
    {
      len--;
      pad++;
    }
  return len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
}

/* Lenient decode into a new buffer (invalid characters skipped). */
static guchar *
b64_decode (const char *s, gsize *out_len)
{
  gsize len = strlen (s);
  guchar *out = g_malloc (len / 4 * 3 + 3);
  gsize n = 0;
  guint32 acc = 0;
  int bits = 0;

  for (gsize i = 0; i < len; i++)
    {
      int d = b64_digit (s[i]);

      if (d < 0)
        continue;
      acc = (acc << 6) | d;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[n++] = (acc >> bits) & 0xff;
        }
    }
  *out_len = n;
  return out;
}

/* Compares two base64 strings by their bytes. */
static int
b64_compare (const char *a, const char *b)
{
  g_autofree guchar *da = NULL, *db = NULL;
  gsize la, lb;
  int c;

  if (strcmp (a, b) == 0)
    return 0;
  da = b64_decode (a, &la);
  db = b64_decode (b, &lb);
  c = memcmp (da, db, MIN (la, lb));
  if (c != 0)
    return c < 0 ? -1 : 1;
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/* ---- validation ---- */

static gboolean
validation_error (GError **error, const char *message)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, message);
  return FALSE;
}

/* Messages for a member of the wrong JSON type, as Coral's JSON reader words them. */
static gboolean
member_type_error (GError **error, JsonNode *node, const char *wanted)
{
  const char *found;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION,
                           "Start of structure or map found where not expected.");
      return FALSE;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION,
                           "Start of list found where not expected");
      return FALSE;
    }
  if (JSON_NODE_HOLDS_NULL (node))
    found = "VALUE_NULL";
  else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    found = json_node_get_boolean (node) ? "TRUE_VALUE" : "FALSE_VALUE";
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    found = "VALUE_STRING";
  else
    found = "NUMBER_VALUE";
  g_set_error (error, DDB_ERROR, DDB_ERROR_SERIALIZATION,
               "%s can not be converted to a %s", found, wanted);
  return FALSE;
}

static gboolean
is_json_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
is_json_boolean (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

static gboolean
validate_binary (const char *s, GError **error)
{
  if (!ddb_base64_check (s, strlen (s), NULL))
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION,
                           "Base64 encoded value is not valid");
      return FALSE;
    }
  return TRUE;
}

/* Key for duplicate detection: canonical text for numbers, bytes for
 * binaries, the string itself for strings. */
static char *
set_element_key (DdbType type, const char *s)
{
  if (type == DDB_TYPE_NS)
    {
      DdbNumber n;

      if (!ddb_number_parse (s, &n, NULL))
        return g_strdup (s);
      return ddb_number_to_string (&n);
    }
  if (type == DDB_TYPE_BS)
    {
      gsize len;
      g_autofree guchar *bytes = b64_decode (s, &len);

      /* Hex keeps embedded NULs out of the way of the string hash. */
      return g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, len);
    }
  return g_strdup (s);
}

static gboolean
duplicates_error (GError **error, DdbType type, JsonArray *array)
{
  GString *s;

  /* The three set types answer differently; these are DynamoDB Local's
   * texts, the SS one also being what the service is widely reported to
   * say (with a final period, which Local omits). */
  switch (type)
    {
    case DDB_TYPE_NS:
      return validation_error (error, "Input collection contains duplicates");
    case DDB_TYPE_BS:
      return validation_error (error, "One or more parameter values were invalid: "
                               "Input collection of type BS contains duplicates.");
    default:
      break;
    }
  s = g_string_new ("One or more parameter values were invalid: Input collection [");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, json_array_get_string_element (array, i));
    }
  g_string_append (s, "] contains duplicates.");
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, s->str);
  g_string_free (s, TRUE);
  return FALSE;
}

static gboolean
validate_set (DdbType type, JsonArray *array, GError **error)
{
  guint len = json_array_get_length (array);
  g_autoptr(GHashTable) seen = NULL;

  if (len == 0)
    {
      switch (type)
        {
        case DDB_TYPE_SS:
          return validation_error (error, "One or more parameter values were invalid: "
                                   "An string set  may not be empty");
        case DDB_TYPE_NS:
          return validation_error (error, "One or more parameter values were invalid: "
                                   "An number set  may not be empty");
        default:
          return validation_error (error, "One or more parameter values were invalid: "
                                   "Binary sets should not be empty");
        }
    }

  for (guint i = 0; i < len; i++)
    {
      JsonNode *el = json_array_get_element (array, i);
      const char *s;

      if (!is_json_string (el))
        return member_type_error (error, el, "String");
      s = json_node_get_string (el);
      if (type == DDB_TYPE_NS)
        {
          DdbNumber n;

          if (!ddb_number_parse (s, &n, error))
            return FALSE;
        }
      else if (type == DDB_TYPE_BS && !validate_binary (s, error))
        return FALSE;
    }

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < len; i++)
    {
      char *key = set_element_key (type, json_array_get_string_element (array, i));

      if (!g_hash_table_add (seen, key))
        return duplicates_error (error, type, array);
    }
  return TRUE;
}

static gboolean validate_value (JsonNode *value, int depth, GError **error);

static gboolean
validate_map (JsonObject *obj, int depth, GError **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &name, &member))
    {
      if (name[0] == '\0')
        return validation_error (error, "Empty attribute name");
      if (!validate_value (member, depth, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
validate_value (JsonNode *value, int depth, GError **error)
{
  JsonObject *obj;
  const char *name = NULL;
  JsonNode *member = NULL;
  DdbType type = DDB_TYPE_INVALID;
  guint nmembers;

  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    return member_type_error (error, value, "AttributeValue");

  obj = json_node_get_object (value);
  nmembers = json_object_get_size (obj);
  if (nmembers > 1)
    {
      /* Null members do not count as a type being set. */
      guint set = 0;
      JsonObjectIter iter;
      const char *n;
      JsonNode *m;

      json_object_iter_init (&iter, obj);
      while (json_object_iter_next (&iter, &n, &m))
        if (!JSON_NODE_HOLDS_NULL (m) && ddb_type_from_name (n) != DDB_TYPE_INVALID)
          {
            set++;
            name = n;
            member = m;
          }
      if (set > 1)
        return validation_error (error, "Supplied AttributeValue has more than one datatypes set, "
                                 "must contain exactly one of the supported datatypes");
      if (set == 1)
        type = ddb_type_from_name (name);
    }
  else if (nmembers == 1)
    {
      member = value_member (value, &name);
      if (!JSON_NODE_HOLDS_NULL (member))
        type = ddb_type_from_name (name);
    }
  if (type == DDB_TYPE_INVALID)
    return validation_error (error, "Supplied AttributeValue is empty, "
                             "must contain exactly one of the supported datatypes");

  switch (type)
    {
    case DDB_TYPE_S:
      if (!is_json_string (member))
        return member_type_error (error, member, "String");
      return TRUE;
    case DDB_TYPE_N:
      {
        DdbNumber n;

        if (!is_json_string (member))
          return member_type_error (error, member, "String");
        return ddb_number_parse (json_node_get_string (member), &n, error);
      }
    case DDB_TYPE_B:
      if (!is_json_string (member))
        return member_type_error (error, member, "Blob");
      return validate_binary (json_node_get_string (member), error);
    case DDB_TYPE_BOOL:
      if (!is_json_boolean (member))
        return member_type_error (error, member, "Boolean");
      return TRUE;
    case DDB_TYPE_NULL:
      if (!is_json_boolean (member))
        return member_type_error (error, member, "Boolean");
      if (!json_node_get_boolean (member))
        return validation_error (error, "One or more parameter values were invalid: "
                                 "Null attribute value types must have the value of true");
      return TRUE;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
      if (!JSON_NODE_HOLDS_ARRAY (member))
        return member_type_error (error, member, "List");
      return validate_set (type, json_node_get_array (member), error);
    case DDB_TYPE_L:
    case DDB_TYPE_M:
      if (depth >= MAX_CONTAINER_DEPTH)
        return validation_error (error, "Nesting Levels have exceeded supported limits: "
                                 "Attributes in the item have nested levels beyond supported limit");
      if (type == DDB_TYPE_M)
        {
          if (!JSON_NODE_HOLDS_OBJECT (member))
            return member_type_error (error, member, "Map");
          return validate_map (json_node_get_object (member), depth + 1, error);
        }
      if (!JSON_NODE_HOLDS_ARRAY (member))
        return member_type_error (error, member, "List");
      {
        JsonArray *array = json_node_get_array (member);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!validate_value (json_array_get_element (array, i), depth + 1, error))
            return FALSE;
      }
      return TRUE;
    case DDB_TYPE_INVALID:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

gboolean
ddb_value_validate (JsonNode *value, GError **error)
{
  return validate_value (value, 0, error);
}

gboolean
ddb_item_validate (JsonObject *item, GError **error)
{
  g_return_val_if_fail (item != NULL, FALSE);
  return validate_map (item, 0, error);
}

/* ---- normalization ---- */

static char *
canonical_number_text (const char *s)
{
  DdbNumber n;

  if (!ddb_number_parse (s, &n, NULL))
    return g_strdup (s);
  return ddb_number_to_string (&n);
}

/* json-glib 1.6 has no "take" variant for strings. */
static void
node_take_string (JsonNode *node, char *text)
{
  json_node_set_string (node, text);
  g_free (text);
}

static JsonNode *
wrap_member (const char *type_name, JsonNode *member)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_alloc ();

  json_object_set_member (obj, type_name, member);
  json_node_init_object (node, obj);
  json_object_unref (obj);
  return node;
}

JsonNode *
ddb_value_new_string (DdbType type, const char *text)
{
  JsonNode *member = json_node_new (JSON_NODE_VALUE);

  g_return_val_if_fail (type == DDB_TYPE_S || type == DDB_TYPE_N || type == DDB_TYPE_B, NULL);
  json_node_set_string (member, text);
  return wrap_member (ddb_type_name (type), member);
}

JsonNode *
ddb_value_new_number (const DdbNumber *n)
{
  JsonNode *member = json_node_new (JSON_NODE_VALUE);

  node_take_string (member, ddb_number_to_string (n));
  return wrap_member ("N", member);
}

JsonNode *
ddb_value_new_take (DdbType type, JsonNode *member)
{
  g_return_val_if_fail (ddb_type_name (type) != NULL, NULL);
  return wrap_member (ddb_type_name (type), member);
}

JsonNode *
ddb_value_get_member (JsonNode *value)
{
  return value_member (value, NULL);
}

const char *
ddb_value_get_string (JsonNode *value)
{
  JsonNode *member = value_member (value, NULL);

  if (member == NULL || !is_json_string (member))
    return NULL;
  return json_node_get_string (member);
}

gboolean
ddb_value_get_number (JsonNode *value, DdbNumber *out)
{
  const char *name = NULL;
  JsonNode *member = value_member (value, &name);

  if (member == NULL || !is_json_string (member) || strcmp (name, "N") != 0)
    return FALSE;
  return ddb_number_parse (json_node_get_string (member), out, NULL);
}

JsonObject *
ddb_item_normalize (JsonObject *item)
{
  JsonObject *out = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, item);
  while (json_object_iter_next (&iter, &name, &member))
    json_object_set_member (out, name, ddb_value_normalize (member));
  return out;
}

/* A deep copy with numbers in canonical form: nothing is shared with value. */
JsonNode *
ddb_value_normalize (JsonNode *value)
{
  DdbType type = ddb_value_type (value);
  JsonNode *member;

  if (value == NULL)
    return NULL;
  member = value_member (value, NULL);
  switch (type)
    {
    case DDB_TYPE_N:
      {
        JsonNode *m = json_node_new (JSON_NODE_VALUE);

        node_take_string (m, canonical_number_text (json_node_get_string (member)));
        return wrap_member ("N", m);
      }
    case DDB_TYPE_NS:
      {
        JsonArray *in = json_node_get_array (member);
        JsonArray *arr = json_array_sized_new (json_array_get_length (in));

        for (guint i = 0; i < json_array_get_length (in); i++)
          {
            JsonNode *el = json_array_get_element (in, i);

            if (is_json_string (el))
              {
                JsonNode *copy = json_node_new (JSON_NODE_VALUE);

                node_take_string (copy, canonical_number_text (json_node_get_string (el)));
                json_array_add_element (arr, copy);
              }
            else
              json_array_add_element (arr, json_node_copy (el));
          }
        JsonNode *m = json_node_init_array (json_node_alloc (), arr);

        json_array_unref (arr);
        return wrap_member ("NS", m);
      }
    case DDB_TYPE_L:
      {
        JsonArray *in = json_node_get_array (member);
        JsonArray *arr = json_array_sized_new (json_array_get_length (in));
        JsonNode *m;

        for (guint i = 0; i < json_array_get_length (in); i++)
          json_array_add_element (arr, ddb_value_normalize (json_array_get_element (in, i)));
        m = json_node_init_array (json_node_alloc (), arr);
        json_array_unref (arr);
        return wrap_member ("L", m);
      }
    case DDB_TYPE_M:
      {
        JsonObject *map = ddb_item_normalize (json_node_get_object (member));
        JsonNode *m = json_node_init_object (json_node_alloc (), map);

        json_object_unref (map);
        return wrap_member ("M", m);
      }
    case DDB_TYPE_SS:
    case DDB_TYPE_BS:
      {
        /* json_node_copy() would share the array with the caller. */
        JsonArray *in = json_node_get_array (member);
        JsonArray *arr = json_array_sized_new (json_array_get_length (in));

        for (guint i = 0; i < json_array_get_length (in); i++)
          json_array_add_element (arr, json_node_copy (json_array_get_element (in, i)));
        JsonNode *m = json_node_init_array (json_node_alloc (), arr);

        json_array_unref (arr);
        return wrap_member (type == DDB_TYPE_SS ? "SS" : "BS", m);
      }
    default:
      return json_node_copy (value);
    }
}

/* ---- equality and ordering ---- */

static gboolean
number_text_equal (const char *a, const char *b)
{
  DdbNumber na, nb;

  if (strcmp (a, b) == 0)
    return TRUE;
  if (!ddb_number_parse (a, &na, NULL) || !ddb_number_parse (b, &nb, NULL))
    return FALSE;
  return ddb_number_equal (&na, &nb);
}

static gboolean
scalar_text_equal (DdbType type, const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  switch (type)
    {
    case DDB_TYPE_N:
    case DDB_TYPE_NS:
      return number_text_equal (a, b);
    case DDB_TYPE_B:
    case DDB_TYPE_BS:
      return b64_compare (a, b) == 0;
    default:
      return strcmp (a, b) == 0;
    }
}

/* Whether set (array of strings) contains text, by the set type's equality. */
gboolean
ddb_set_contains (DdbType set_type, JsonArray *set, const char *text)
{
  for (guint i = 0; i < json_array_get_length (set); i++)
    if (scalar_text_equal (set_type, json_array_get_string_element (set, i), text))
      return TRUE;
  return FALSE;
}

gboolean
ddb_item_equal (JsonObject *a, JsonObject *b)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  if (json_object_get_size (a) != json_object_get_size (b))
    return FALSE;
  json_object_iter_init (&iter, a);
  while (json_object_iter_next (&iter, &name, &member))
    {
      JsonNode *other = json_object_get_member (b, name);

      if (other == NULL || !ddb_value_equal (member, other))
        return FALSE;
    }
  return TRUE;
}

gboolean
ddb_value_equal (JsonNode *a, JsonNode *b)
{
  DdbType ta = ddb_value_type (a), tb = ddb_value_type (b);
  JsonNode *ma, *mb;

  if (ta != tb || ta == DDB_TYPE_INVALID)
    return FALSE;
  ma = value_member (a, NULL);
  mb = value_member (b, NULL);
  switch (ta)
    {
    case DDB_TYPE_S:
    case DDB_TYPE_N:
    case DDB_TYPE_B:
      return scalar_text_equal (ta, json_node_get_string (ma), json_node_get_string (mb));
    case DDB_TYPE_BOOL:
    case DDB_TYPE_NULL:
      return json_node_get_boolean (ma) == json_node_get_boolean (mb);
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
      {
        /* Sets have no duplicates, so equal sizes plus inclusion is equality. */
        JsonArray *xa = json_node_get_array (ma), *xb = json_node_get_array (mb);
        guint n = json_array_get_length (xa);

        if (n != json_array_get_length (xb))
          return FALSE;
        if (n > 32 && ta == DDB_TYPE_SS)
          {
            g_autoptr(GHashTable) h = g_hash_table_new (g_str_hash, g_str_equal);

            for (guint i = 0; i < n; i++)
              {
                const char *s = json_array_get_string_element (xb, i);
                if (s)
                  g_hash_table_add (h, (gpointer) s);
              }
            for (guint i = 0; i < n; i++)
              {
                const char *s = json_array_get_string_element (xa, i);
                if (s == NULL || !g_hash_table_contains (h, s))
                  return FALSE;
              }
            return TRUE;
          }
        for (guint i = 0; i < n; i++)
          if (!ddb_set_contains (ta, xb, json_array_get_string_element (xa, i)))
            return FALSE;
        return TRUE;
      }
    case DDB_TYPE_L:
      {
        JsonArray *xa = json_node_get_array (ma), *xb = json_node_get_array (mb);
        guint n = json_array_get_length (xa);

        if (n != json_array_get_length (xb))
          return FALSE;
        for (guint i = 0; i < n; i++)
          if (!ddb_value_equal (json_array_get_element (xa, i), json_array_get_element (xb, i)))
            return FALSE;
        return TRUE;
      }
    case DDB_TYPE_M:
      return ddb_item_equal (json_node_get_object (ma), json_node_get_object (mb));
    case DDB_TYPE_INVALID:
    default:
      return FALSE;
    }
}

int
ddb_value_compare (JsonNode *a, JsonNode *b)
{
  DdbType ta = ddb_value_type (a), tb = ddb_value_type (b);
  const char *sa, *sb;

  if (ta != tb)
    return ta < tb ? -1 : 1;
  if (ta != DDB_TYPE_S && ta != DDB_TYPE_N && ta != DDB_TYPE_B)
    return ddb_value_equal (a, b) ? 0 : -1;
  sa = json_node_get_string (value_member (a, NULL));
  sb = json_node_get_string (value_member (b, NULL));
  switch (ta)
    {
    case DDB_TYPE_S:
      {
        /* strcmp compares as unsigned char: UTF-8 byte order. */
        int c = strcmp (sa, sb);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
    case DDB_TYPE_N:
      {
        DdbNumber na, nb;
        gboolean oka = ddb_number_parse (sa, &na, NULL);
        gboolean okb = ddb_number_parse (sb, &nb, NULL);

        if (!oka || !okb)
          return oka - okb;
        return ddb_number_compare (&na, &nb);
      }
    case DDB_TYPE_B:
      return b64_compare (sa, sb);
    default:
      return 0;
    }
}

/* ---- size ---- */

static gsize
number_text_size (const char *text)
{
  DdbNumber n;

  if (!ddb_number_parse (text, &n, NULL))
    return strlen (text);
  /* "1 byte per two significant digits, plus 1 byte" (developer guide,
   * "Item sizes"); zero is stored as one digit. */
  return (MAX (n.ndigits, 1) + 1) / 2 + 1;
}

gsize
ddb_value_size (JsonNode *value)
{
  DdbType type = ddb_value_type (value);
  JsonNode *member;
  gsize size = 0;

  if (type == DDB_TYPE_INVALID)
    return 0;
  member = value_member (value, NULL);
  switch (type)
    {
    case DDB_TYPE_S:
      return strlen (json_node_get_string (member));
    case DDB_TYPE_N:
      return number_text_size (json_node_get_string (member));
    case DDB_TYPE_B:
      return b64_decoded_len (json_node_get_string (member));
    case DDB_TYPE_BOOL:
    case DDB_TYPE_NULL:
      return 1;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
      {
        JsonArray *arr = json_node_get_array (member);

        for (guint i = 0; i < json_array_get_length (arr); i++)
          {
            const char *s = json_array_get_string_element (arr, i);

            if (s == NULL)
              continue;
            size += type == DDB_TYPE_SS ? strlen (s)
                    : type == DDB_TYPE_NS ? number_text_size (s)
                    : b64_decoded_len (s);
          }
        return size;
      }
    case DDB_TYPE_L:
      {
        /* 3 bytes of overhead, plus 1 per element. */
        JsonArray *arr = json_node_get_array (member);

        size = 3;
        for (guint i = 0; i < json_array_get_length (arr); i++)
          size += 1 + ddb_value_size (json_array_get_element (arr, i));
        return size;
      }
    case DDB_TYPE_M:
      {
        JsonObject *obj = json_node_get_object (member);

        return 3 + json_object_get_size (obj) + ddb_item_size (obj);
      }
    case DDB_TYPE_INVALID:
    default:
      return 0;
    }
}

gsize
ddb_item_size (JsonObject *item)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gsize size = 0;

  if (item == NULL)
    return 0;
  json_object_iter_init (&iter, item);
  while (json_object_iter_next (&iter, &name, &member))
    size += strlen (name) + ddb_value_size (member);
  return size;
}

/* ---- copies and prefixes ---- */

static JsonNode *
json_deep_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *in = json_node_get_object (node), *out = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *member, *copy;

      json_object_iter_init (&iter, in);
      while (json_object_iter_next (&iter, &name, &member))
        json_object_set_member (out, name, json_deep_copy (member));
      copy = json_node_init_object (json_node_alloc (), out);
      json_object_unref (out);
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *in = json_node_get_array (node);
      guint n = json_array_get_length (in);
      JsonArray *out = json_array_sized_new (n);
      JsonNode *copy;

      for (guint i = 0; i < n; i++)
        json_array_add_element (out, json_deep_copy (json_array_get_element (in, i)));
      copy = json_node_init_array (json_node_alloc (), out);
      json_array_unref (out);
      return copy;
    }
  return ddb_value_copy_scalar (node);
}

/* A fresh JsonValue: json-glib's value (and object) refcounts are not
 * atomic, and the node may belong to an item readers share. */
JsonNode *
ddb_value_copy_scalar (JsonNode *value)
{
  JsonNode *n;
  GType t;

  if (!JSON_NODE_HOLDS_VALUE (value))
    return json_node_new (JSON_NODE_NULL);
  n = json_node_new (JSON_NODE_VALUE);
  t = json_node_get_value_type (value);
  if (t == G_TYPE_STRING)
    json_node_set_string (n, json_node_get_string (value));
  else if (t == G_TYPE_BOOLEAN)
    json_node_set_boolean (n, json_node_get_boolean (value));
  else if (t == G_TYPE_INT64)
    json_node_set_int (n, json_node_get_int (value));
  else
    json_node_set_double (n, json_node_get_double (value));
  return n;
}

JsonNode *
ddb_value_deep_copy (JsonNode *value)
{
  return value ? json_deep_copy (value) : NULL;
}

gboolean
ddb_value_begins_with (JsonNode *value, JsonNode *prefix)
{
  DdbType t = ddb_value_type (value);
  const char *s, *pre;

  if (t != ddb_value_type (prefix) || (t != DDB_TYPE_S && t != DDB_TYPE_B))
    return FALSE;
  s = ddb_value_get_string (value);
  pre = ddb_value_get_string (prefix);
  if (t == DDB_TYPE_S)
    return g_str_has_prefix (s, pre);
  {
    /* Binary prefixes compare bytes, not base64 text. */
    gsize ls, lp;
    g_autofree guchar *bs = b64_decode (s, &ls);
    g_autofree guchar *bp = b64_decode (pre, &lp);

    return lp <= ls && memcmp (bs, bp, lp) == 0;
  }
}

gboolean
ddb_value_binary_contains (JsonNode *value, JsonNode *needle)
{
  const char *s = ddb_value_get_string (value), *n = ddb_value_get_string (needle);
  gsize ls, ln;
  g_autofree guchar *bs = NULL, *bn = NULL;

  if (ddb_value_type (value) != DDB_TYPE_B || ddb_value_type (needle) != DDB_TYPE_B)
    return FALSE;
  bs = b64_decode (s, &ls);
  bn = b64_decode (n, &ln);
  if (ln == 0)
    return TRUE;
  for (gsize i = 0; i + ln <= ls; i++)
    if (memcmp (bs + i, bn, ln) == 0)
      return TRUE;
  return FALSE;
}

gsize
ddb_value_binary_length (JsonNode *value)
{
  const char *s = ddb_value_get_string (value);

  return s ? b64_decoded_len (s) : 0;
}
