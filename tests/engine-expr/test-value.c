/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for ddb-value.c; validation messages were checked against DynamoDB
 * Local (PutItem), except where a comment says otherwise. */
#include "ddb-value.h"
#include "ddb-error.h"

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static void
test_type (void)
{
  static const struct { const char *json; DdbType type; } cases[] = {
    { "{\"S\":\"x\"}", DDB_TYPE_S },
    { "{\"N\":\"1\"}", DDB_TYPE_N },
    { "{\"B\":\"YQ==\"}", DDB_TYPE_B },
    { "{\"BOOL\":false}", DDB_TYPE_BOOL },
    { "{\"NULL\":true}", DDB_TYPE_NULL },
    { "{\"SS\":[\"a\"]}", DDB_TYPE_SS },
    { "{\"NS\":[\"1\"]}", DDB_TYPE_NS },
    { "{\"BS\":[\"YQ==\"]}", DDB_TYPE_BS },
    { "{\"L\":[]}", DDB_TYPE_L },
    { "{\"M\":{}}", DDB_TYPE_M },
    { "{}", DDB_TYPE_INVALID },
    { "{\"S\":\"x\",\"N\":\"1\"}", DDB_TYPE_INVALID },
    { "{\"X\":\"x\"}", DDB_TYPE_INVALID },
    { "{\"S\":1}", DDB_TYPE_INVALID },
    { "{\"BOOL\":\"true\"}", DDB_TYPE_INVALID },
    { "{\"L\":{}}", DDB_TYPE_INVALID },
    { "{\"M\":[]}", DDB_TYPE_INVALID },
    { "[]", DDB_TYPE_INVALID },
    { "\"S\"", DDB_TYPE_INVALID },
    { "{\"s\":\"x\"}", DDB_TYPE_INVALID },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse_json (cases[i].json);

      g_test_message ("%s", cases[i].json);
      g_assert_cmpint (ddb_value_type (node), ==, cases[i].type);
    }
  g_assert_cmpint (ddb_value_type (NULL), ==, DDB_TYPE_INVALID);

  for (DdbType t = DDB_TYPE_S; t <= DDB_TYPE_M; t++)
    g_assert_cmpint (ddb_type_from_name (ddb_type_name (t)), ==, t);
  g_assert_null (ddb_type_name (DDB_TYPE_INVALID));
  g_assert_cmpint (ddb_type_from_name ("NUL"), ==, DDB_TYPE_INVALID);
  g_assert_cmpint (ddb_type_from_name ("BOOLEAN"), ==, DDB_TYPE_INVALID);
  g_assert_cmpint (ddb_type_from_name (""), ==, DDB_TYPE_INVALID);
}

#define INVALID "One or more parameter values were invalid: "
#define NESTING "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"

static const struct {
  const char *json;
  DdbErrorCode code;
  const char *message; /* NULL: valid */
} validate_cases[] = {
  { "{\"S\":\"\"}", 0, NULL },
  { "{\"SS\":[\"\"]}", 0, NULL },
  { "{\"N\":\"-1.5e3\"}", 0, NULL },
  { "{\"B\":\"\"}", 0, NULL },
  { "{\"B\":\"YWJj\"}", 0, NULL },
  { "{\"L\":[{\"S\":\"a\"},{\"NULL\":true},{\"M\":{\"x\":{\"NS\":[\"1\",\"2\"]}}}]}", 0, NULL },
  { "{\"M\":{}}", 0, NULL },
  { "{\"L\":[]}", 0, NULL },
  { "{\"S\":null,\"N\":\"1\"}", 0, NULL },
  { "{\"SS\":[]}", DDB_ERROR_VALIDATION, INVALID "An string set  may not be empty" },
  { "{\"NS\":[]}", DDB_ERROR_VALIDATION, INVALID "An number set  may not be empty" },
  { "{\"BS\":[]}", DDB_ERROR_VALIDATION, INVALID "Binary sets should not be empty" },
  /* Local omits the final period for SS; the service is reported to add it. */
  { "{\"SS\":[\"a\",\"a\"]}", DDB_ERROR_VALIDATION, INVALID "Input collection [a, a] contains duplicates." },
  { "{\"SS\":[\"b\",\"a\",\"b\",\"a\"]}", DDB_ERROR_VALIDATION, INVALID "Input collection [b, a, b, a] contains duplicates." },
  { "{\"NS\":[\"1\",\"1.0\"]}", DDB_ERROR_VALIDATION, "Input collection contains duplicates" },
  { "{\"NS\":[\"1\",\"01\",\"2\"]}", DDB_ERROR_VALIDATION, "Input collection contains duplicates" },
  { "{\"BS\":[\"YQ==\",\"YQ==\"]}", DDB_ERROR_VALIDATION, INVALID "Input collection of type BS contains duplicates." },
  { "{\"S\":\"a\",\"N\":\"1\"}", DDB_ERROR_VALIDATION,
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes" },
  { "{}", DDB_ERROR_VALIDATION, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes" },
  { "{\"X\":\"1\"}", DDB_ERROR_VALIDATION, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes" },
  { "{\"NULL\":false}", DDB_ERROR_VALIDATION, INVALID "Null attribute value types must have the value of true" },
  { "{\"N\":\"abc\"}", DDB_ERROR_VALIDATION, "The parameter cannot be converted to a numeric value: abc" },
  { "{\"NS\":[\"abc\"]}", DDB_ERROR_VALIDATION, "The parameter cannot be converted to a numeric value: abc" },
  { "{\"NS\":[\"1e200\"]}", DDB_ERROR_VALIDATION,
    "Number overflow. Attempting to store a number with magnitude larger than supported range" },
  { "{\"L\":[{\"SS\":[]}]}", DDB_ERROR_VALIDATION, INVALID "An string set  may not be empty" },
  { "{\"M\":{\"a\":{}}}", DDB_ERROR_VALIDATION, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes" },
  { "{\"M\":{\"\":{\"S\":\"x\"}}}", DDB_ERROR_VALIDATION, "Empty attribute name" },
  /* Wrong JSON types are Coral serialization errors. */
  { "{\"S\":1}", DDB_ERROR_SERIALIZATION, "NUMBER_VALUE can not be converted to a String" },
  { "{\"S\":true}", DDB_ERROR_SERIALIZATION, "TRUE_VALUE can not be converted to a String" },
  { "{\"S\":{}}", DDB_ERROR_SERIALIZATION, "Start of structure or map found where not expected." },
  { "{\"SS\":\"a\"}", DDB_ERROR_SERIALIZATION, "VALUE_STRING can not be converted to a List" },
  { "{\"B\":\"YQ\"}", DDB_ERROR_SERIALIZATION, "Base64 encoded value is not valid" },
  { "{\"B\":\"!!!!\"}", DDB_ERROR_SERIALIZATION, "Base64 encoded value is not valid" },
};

static void
test_validate (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (validate_cases); i++)
    {
      g_autoptr(JsonNode) node = parse_json (validate_cases[i].json);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      g_test_message ("%s", validate_cases[i].json);
      ok = ddb_value_validate (node, &error);
      if (validate_cases[i].message == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, DDB_ERROR, (int) validate_cases[i].code);
          g_assert_cmpstr (error->message, ==, validate_cases[i].message);
        }
    }
}

static JsonNode *
nested (int levels, const char *inner, gboolean list)
{
  GString *s = g_string_new (NULL);
  JsonNode *node;

  for (int i = 0; i < levels; i++)
    g_string_append (s, list ? "{\"L\":[" : "{\"M\":{\"a\":");
  g_string_append (s, inner);
  for (int i = 0; i < levels; i++)
    g_string_append (s, list ? "]}" : "}}");
  node = parse_json (s->str);
  g_string_free (s, TRUE);
  return node;
}

/* DynamoDB Local: 31 nested maps (or lists) around a scalar are fine, 32
 * are not, nor are 31 around an empty map. */
static void
test_nesting (void)
{
  for (int list = 0; list <= 1; list++)
    {
      g_autoptr(JsonNode) ok = nested (31, "{\"S\":\"x\"}", list);
      g_autoptr(JsonNode) ok_set = nested (31, "{\"SS\":[\"x\"]}", list);
      g_autoptr(JsonNode) deep = nested (32, "{\"S\":\"x\"}", list);
      g_autoptr(JsonNode) deep_empty = nested (31, "{\"M\":{}}", list);
      g_autoptr(GError) e1 = NULL, e2 = NULL;

      g_assert_true (ddb_value_validate (ok, NULL));
      g_assert_true (ddb_value_validate (ok_set, NULL));
      g_assert_false (ddb_value_validate (deep, &e1));
      g_assert_cmpstr (e1->message, ==, NESTING);
      g_assert_false (ddb_value_validate (deep_empty, &e2));
      g_assert_cmpstr (e2->message, ==, NESTING);
    }
}

static void
test_item_validate (void)
{
  g_autoptr(JsonNode) good = parse_json ("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}");
  g_autoptr(JsonNode) empty_name = parse_json ("{\"\":{\"S\":\"a\"}}");
  g_autoptr(JsonNode) bad = parse_json ("{\"pk\":{\"S\":\"a\"},\"n\":{\"NS\":[]}}");
  g_autoptr(GError) error = NULL;

  g_assert_true (ddb_item_validate (json_node_get_object (good), NULL));
  g_assert_false (ddb_item_validate (json_node_get_object (empty_name), &error));
  g_assert_cmpstr (error->message, ==, "Empty attribute name");
  g_clear_error (&error);
  g_assert_false (ddb_item_validate (json_node_get_object (bad), &error));
  g_assert_cmpstr (error->message, ==, INVALID "An number set  may not be empty");
}

static void
test_equal (void)
{
  static const struct { const char *a, *b; gboolean equal; } cases[] = {
    { "{\"S\":\"x\"}", "{\"S\":\"x\"}", TRUE },
    { "{\"S\":\"x\"}", "{\"S\":\"y\"}", FALSE },
    { "{\"S\":\"1\"}", "{\"N\":\"1\"}", FALSE },
    { "{\"N\":\"1\"}", "{\"N\":\"1.0\"}", TRUE },
    { "{\"N\":\"100\"}", "{\"N\":\"1E2\"}", TRUE },
    { "{\"N\":\"-0\"}", "{\"N\":\"0\"}", TRUE },
    { "{\"N\":\"1\"}", "{\"N\":\"2\"}", FALSE },
    { "{\"B\":\"YQ==\"}", "{\"B\":\"YQ==\"}", TRUE },
    { "{\"B\":\"YQ==\"}", "{\"B\":\"Yg==\"}", FALSE },
    { "{\"BOOL\":true}", "{\"BOOL\":true}", TRUE },
    { "{\"BOOL\":true}", "{\"BOOL\":false}", FALSE },
    { "{\"NULL\":true}", "{\"NULL\":true}", TRUE },
    { "{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"b\",\"a\"]}", TRUE },
    { "{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\"]}", FALSE },
    { "{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\",\"c\"]}", FALSE },
    { "{\"NS\":[\"1\",\"2.50\"]}", "{\"NS\":[\"2.5\",\"1\"]}", TRUE },
    { "{\"BS\":[\"YQ==\",\"Yg==\"]}", "{\"BS\":[\"Yg==\",\"YQ==\"]}", TRUE },
    { "{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", "{\"L\":[{\"S\":\"a\"},{\"N\":\"1.0\"}]}", TRUE },
    { "{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", "{\"L\":[{\"N\":\"1\"},{\"S\":\"a\"}]}", FALSE },
    { "{\"L\":[]}", "{\"M\":{}}", FALSE },
    { "{\"M\":{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"2\"}}}", "{\"M\":{\"b\":{\"N\":\"2\"},\"a\":{\"S\":\"x\"}}}", TRUE },
    { "{\"M\":{\"a\":{\"S\":\"x\"}}}", "{\"M\":{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"2\"}}}", FALSE },
    { "{\"M\":{\"a\":{\"S\":\"x\"}}}", "{\"M\":{\"b\":{\"S\":\"x\"}}}", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) a = parse_json (cases[i].a);
      g_autoptr(JsonNode) b = parse_json (cases[i].b);

      g_test_message ("%s = %s", cases[i].a, cases[i].b);
      g_assert_true (ddb_value_equal (a, b) == cases[i].equal);
      g_assert_true (ddb_value_equal (b, a) == cases[i].equal);
    }
}

static void
test_compare (void)
{
  /* Each row is in ascending order. */
  static const char *rows[][5] = {
    { "{\"N\":\"-10\"}", "{\"N\":\"-9.5\"}", "{\"N\":\"0\"}", "{\"N\":\"2\"}", "{\"N\":\"10\"}" },
    /* UTF-8 byte order: 'Z' < 'a' < 'é' (0xC3 0xA9) < '中' (0xE4...). */
    { "{\"S\":\"\"}", "{\"S\":\"Z\"}", "{\"S\":\"a\"}", "{\"S\":\"\xc3\xa9\"}", "{\"S\":\"\xe4\xb8\xad\"}" },
    /* Bytes, unsigned: 0x00 < 0x01 < 0x7f < 0x80 < 0xff; base64 text order differs. */
    { "{\"B\":\"AA==\"}", "{\"B\":\"AQ==\"}", "{\"B\":\"fw==\"}", "{\"B\":\"gA==\"}", "{\"B\":\"/w==\"}" },
  };

  for (gsize r = 0; r < G_N_ELEMENTS (rows); r++)
    for (int i = 0; i < 5; i++)
      for (int j = 0; j < 5; j++)
        {
          g_autoptr(JsonNode) a = parse_json (rows[r][i]);
          g_autoptr(JsonNode) b = parse_json (rows[r][j]);
          int c = ddb_value_compare (a, b);

          g_assert_cmpint (c < 0 ? -1 : c > 0 ? 1 : 0, ==, i < j ? -1 : i > j ? 1 : 0);
        }
  {
    g_autoptr(JsonNode) a = parse_json ("{\"N\":\"1.0\"}");
    g_autoptr(JsonNode) b = parse_json ("{\"N\":\"1\"}");
    g_assert_cmpint (ddb_value_compare (a, b), ==, 0);
  }
}

static void
test_size (void)
{
  /* Sizes per the developer guide, "Item sizes": UTF-8 bytes; numbers
   * 1 byte per 2 significant digits + 1; raw binary bytes; BOOL/NULL 1;
   * L/M 3 + 1 per element; map keys count. */
  static const struct { const char *json; gsize size; } cases[] = {
    { "{\"S\":\"\"}", 0 },
    { "{\"S\":\"abc\"}", 3 },
    { "{\"S\":\"\xc3\xa9\"}", 2 },
    { "{\"N\":\"1\"}", 2 },
    { "{\"N\":\"12\"}", 2 },
    { "{\"N\":\"123\"}", 3 },
    { "{\"N\":\"1000000\"}", 2 },
    { "{\"N\":\"0.001\"}", 2 },
    { "{\"N\":\"-12345678901234567890123456789012345678\"}", 20 },
    { "{\"N\":\"0\"}", 2 },
    { "{\"B\":\"\"}", 0 },
    { "{\"B\":\"YQ==\"}", 1 },
    { "{\"B\":\"YWI=\"}", 2 },
    { "{\"B\":\"YWJj\"}", 3 },
    { "{\"BOOL\":true}", 1 },
    { "{\"NULL\":true}", 1 },
    { "{\"SS\":[\"ab\",\"c\"]}", 3 },
    { "{\"NS\":[\"1\",\"123\"]}", 5 },
    { "{\"BS\":[\"YQ==\",\"YWJj\"]}", 4 },
    { "{\"L\":[]}", 3 },
    { "{\"M\":{}}", 3 },
    { "{\"L\":[{\"S\":\"ab\"},{\"BOOL\":true}]}", 3 + 1 + 2 + 1 + 1 },
    { "{\"M\":{\"key\":{\"S\":\"ab\"}}}", 3 + 1 + 3 + 2 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) v = parse_json (cases[i].json);

      g_test_message ("%s", cases[i].json);
      g_assert_cmpuint (ddb_value_size (v), ==, cases[i].size);
    }
  {
    g_autoptr(JsonNode) item = parse_json ("{\"pk\":{\"S\":\"abc\"},\"n\":{\"N\":\"12\"}}");
    g_assert_cmpuint (ddb_item_size (json_node_get_object (item)), ==, 2 + 3 + 1 + 2);
  }
}

static void
test_normalize (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "{\"N\":\"1.50\"}", "{\"N\":\"1.5\"}" },
    { "{\"N\":\"1E2\"}", "{\"N\":\"100\"}" },
    { "{\"NS\":[\"01\",\"2.0\"]}", "{\"NS\":[\"1\",\"2\"]}" },
    { "{\"L\":[{\"N\":\"-0\"},{\"S\":\"1.0\"}]}", "{\"L\":[{\"N\":\"0\"},{\"S\":\"1.0\"}]}" },
    { "{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"+7\"}}}}}", "{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"7\"}}}}}" },
    { "{\"SS\":[\"b\",\"a\"]}", "{\"SS\":[\"b\",\"a\"]}" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) in = parse_json (cases[i].in);
      g_autoptr(JsonNode) out = ddb_value_normalize (in);
      g_autofree char *text = json_to_string (out, FALSE);

      g_assert_cmpstr (text, ==, cases[i].out);
    }
}

static void
test_helpers (void)
{
  g_autoptr(JsonNode) n = parse_json ("{\"N\":\"42\"}");
  g_autoptr(JsonNode) s = parse_json ("{\"S\":\"x\"}");
  g_autoptr(JsonNode) made = NULL;
  g_autoptr(JsonNode) set = parse_json ("{\"NS\":[\"1\",\"2.5\"]}");
  g_autofree char *text = NULL;
  DdbNumber num;

  g_assert_true (ddb_value_get_number (n, &num));
  g_assert_false (ddb_value_get_number (s, &num));
  g_assert_cmpstr (ddb_value_get_string (s), ==, "x");
  g_assert_cmpstr (ddb_value_get_string (n), ==, "42");
  ddb_number_from_int64 (-3, &num);
  made = ddb_value_new_number (&num);
  text = json_to_string (made, FALSE);
  g_assert_cmpstr (text, ==, "{\"N\":\"-3\"}");
  g_assert_true (ddb_set_contains (DDB_TYPE_NS, json_node_get_array (ddb_value_get_member (set)), "2.50"));
  g_assert_false (ddb_set_contains (DDB_TYPE_NS, json_node_get_array (ddb_value_get_member (set)), "2"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/ddb/value/type", test_type);
  g_test_add_func ("/ddb/value/validate", test_validate);
  g_test_add_func ("/ddb/value/nesting", test_nesting);
  g_test_add_func ("/ddb/value/item-validate", test_item_validate);
  g_test_add_func ("/ddb/value/equal", test_equal);
  g_test_add_func ("/ddb/value/compare", test_compare);
  g_test_add_func ("/ddb/value/size", test_size);
  g_test_add_func ("/ddb/value/normalize", test_normalize);
  g_test_add_func ("/ddb/value/helpers", test_helpers);

  return g_test_run ();
}
