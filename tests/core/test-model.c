/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Schema declaration and codec: everything that happens before a request. */
#include <math.h>
#include "test-models.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static const char *
attr_text (JsonObject *item, const char *name, const char *type)
{
  JsonObject *av = json_object_get_object_member (item, name);

  g_assert_nonnull (av);
  g_assert_true (json_object_has_member (av, type));
  return json_object_get_string_member (av, type);
}

static void
test_encode_every_type (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = test_user_new_full ();
  g_autoptr(JsonNode) item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);
  JsonObject *obj;
  JsonArray *array;

  g_assert_no_error (error);
  obj = json_node_get_object (item);
  g_assert_cmpstr (attr_text (obj, "id", "S"), ==, "u1");
  g_assert_cmpstr (attr_text (obj, "name", "S"), ==, "Ada \"Quote\" #:v OR 1=1");
  g_assert_cmpstr (attr_text (obj, "age", "N"), ==, "-36");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (obj, "active"), "BOOL"));
  g_assert_cmpstr (attr_text (obj, "score", "N"), ==, "0.1");
  g_assert_cmpstr (attr_text (obj, "created", "S"), ==, "2024-02-29T13:45:06.123456Z");
  g_assert_cmpstr (attr_text (obj, "payload", "B"), ==, "AAEC/w==");
  g_assert_cmpstr (attr_text (obj, "big", "N"), ==, "12345678901234567890123456789012345678");
  g_assert_cmpstr (attr_text (obj, "kind", "S"), ==, "fancy");
  g_assert_cmpstr (attr_text (obj, "u64", "N"), ==, "18446744073709551615");
  g_assert_cmpstr (attr_text (obj, "i64", "N"), ==, "-9223372036854775808");
  g_assert_cmpstr (attr_text (obj, "tiny", "N"), ==, "-128");
  g_assert_cmpstr (attr_text (obj, "ratio", "N"), ==, "1.5");
  g_assert_cmpstr (attr_text (obj, "display_name", "S"), ==, "Ada L.");
  /* set -> SS, plain list -> L (duplicates allowed in a list) */
  array = json_object_get_array_member (json_object_get_object_member (obj, "tags"), "SS");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  array = json_object_get_array_member (json_object_get_object_member (obj, "labels"), "L");
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  /* nested model -> M, list of models -> L of M */
  g_assert_cmpstr (attr_text (json_object_get_object_member (json_object_get_object_member (obj, "address"), "M"),
                              "city", "S"), ==, "Oslo");
  array = json_object_get_array_member (json_object_get_object_member (obj, "lines"), "L");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  /* free-form: GVariant and JsonNode -> M */
  g_assert_true (json_object_has_member (json_object_get_object_member (obj, "extra"), "M"));
  g_assert_true (json_object_has_member (json_object_get_object_member (obj, "doc"), "M"));
  /* skipped, omitted-when-empty, renamed */
  g_assert_false (json_object_has_member (obj, "secret"));
  g_assert_false (json_object_has_member (obj, "nickname"));
  g_assert_false (json_object_has_member (obj, "display"));
}

static void
test_round_trip_every_type (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = test_user_new_full ();
  g_autoptr(JsonNode) item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);
  g_autoptr(DynamormModel) back = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *a = NULL, *b = NULL;
  g_autoptr(GDateTime) created = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(TestAddress) address = NULL;
  g_autoptr(GListModel) lines = NULL;
  g_autoptr(TestLine) line = NULL;
  g_autoptr(GVariant) extra = NULL;
  g_autoptr(JsonNode) doc = NULL;
  g_autofree char *big = NULL, *secret = NULL, *name = NULL;
  g_auto(GStrv) tags = NULL;
  guint64 u64;
  gint64 i64;
  gint8 tiny;
  double score;
  float ratio;
  int kind;

  g_assert_no_error (error);
  back = dynamorm_model_new_from_item (TEST_TYPE_USER, item, &error);
  g_assert_no_error (error);
  g_object_get (back, "created", &created, "payload", &payload, "address", &address,
                "lines", &lines, "extra", &extra, "doc", &doc, "big", &big, "secret", &secret,
                "u64", &u64, "i64", &i64, "tiny", &tiny, "score", &score, "ratio", &ratio,
                "kind", &kind, "tags", &tags, "name", &name, NULL);
  g_assert_cmpint (g_date_time_get_microsecond (created), ==, 123456);
  g_assert_cmpint (g_date_time_get_second (created), ==, 6);
  g_assert_cmpuint (g_bytes_get_size (payload), ==, 4);
  g_assert_cmpint (((const guchar *) g_bytes_get_data (payload, NULL))[3], ==, 255);
  g_assert_cmpuint (u64, ==, G_MAXUINT64);
  g_assert_cmpint (i64, ==, G_MININT64);
  g_assert_cmpint (tiny, ==, -128);
  g_assert_cmpfloat (score, ==, 0.1);
  g_assert_cmpfloat (ratio, ==, 1.5f);
  g_assert_cmpint (kind, ==, TEST_KIND_FANCY);
  g_assert_cmpstr (big, ==, "12345678901234567890123456789012345678");
  g_assert_cmpstr (name, ==, "Ada \"Quote\" #:v OR 1=1");
  g_assert_null (secret);
  g_assert_cmpuint (g_strv_length (tags), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) tags, "beta"));
  g_assert_nonnull (address);
  g_assert_cmpuint (g_list_model_get_n_items (lines), ==, 2);
  line = g_list_model_get_item (lines, 1);
  {
    int qty;
    g_object_get (line, "qty", &qty, NULL);
    g_assert_cmpint (qty, ==, 5);
  }
  g_assert_true (g_variant_is_of_type (extra, G_VARIANT_TYPE_VARDICT));
  {
    g_autoptr(GVariant) seats = g_variant_lookup_value (extra, "seats", NULL);
    g_assert_cmpint (g_variant_get_int64 (seats), ==, 12);
  }

  /* Encoding the decoded model gives the same item (skipped secret aside). */
  again = dynamorm_model_to_item (back, &error);
  g_assert_no_error (error);
  json_object_remove_member (json_node_get_object (item), "tags");  /* set order is not kept */
  json_object_remove_member (json_node_get_object (again), "tags");
  a = json_to_string (item, FALSE);
  b = json_to_string (again, FALSE);
  g_assert_true (json_node_equal (item, again));
}

static void
test_edge_numbers (void)
{
  const double doubles[] = { 0.0, -0.5, 1e-130, 9.9e125, 123456789.125, 5e-324 * 0 + 2.2250738585072014e-308 * 0 + 1.7976931348623157e+100, 1.0 / 3.0 };

  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "n", "score", doubles[i], NULL);
      g_autoptr(JsonNode) item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);
      g_autoptr(DynamormModel) back = NULL;
      double score;

      g_assert_no_error (error);
      back = dynamorm_model_new_from_item (TEST_TYPE_USER, item, &error);
      g_assert_no_error (error);
      g_object_get (back, "score", &score, NULL);
      g_assert_cmpfloat (score, ==, doubles[i]);
    }
}

/* Doubles as DynamoDB numbers: the shortest decimal that reads back, in
 * DynamoDB's canonical form (no exponent), whether the writer takes the
 * short way (up to 6 decimals) or printf's. */
static void
test_double_texts (void)
{
  static const struct { double d; const char *text; } cases[] = {
    { 98.5, "98.5" }, { -0.005, "-0.005" }, { 0.25, "0.25" }, { 0.0001, "0.0001" },
    { 9.99e-5, "0.0000999" }, { 0.1 + 0.2, "0.30000000000000004" }, { 2.675, "2.675" },
    { 123456.789, "123456.789" }, { 999999999.5, "999999999.5" }, { 1.0000001, "1.0000001" },
    { 33.333333, "33.333333" }, { 1.0 / 3.0, "0.3333333333333333" }, { -7.0, "-7" },
    { 1e15 + 0.5, "1000000000000000.5" }, { 0.3, "0.3" }, { 1e-7, "0.0000001" }, { 1.1, "1.1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "n", "score", cases[i].d, NULL);
      g_autoptr(JsonNode) item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);

      g_assert_no_error (error);
      g_assert_cmpstr (attr_text (json_node_get_object (item), "score", "N"), ==, cases[i].text);
      g_assert_cmpfloat (g_ascii_strtod (cases[i].text, NULL), ==, cases[i].d);
    }
}

static void
test_unrepresentable_values (void)
{
  const double bad[] = { INFINITY, -INFINITY, 1e300, 1e-300 };
  g_autoptr(GError) error = NULL;

  {
    /* NaN cannot be set on a double property, but can hide in a GVariant */
    GVariantBuilder b;
    g_autoptr(TestUser) user = NULL;
    g_autoptr(JsonNode) item = NULL;

    g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&b, "{sv}", "x", g_variant_new_double (NAN));
    user = g_object_new (TEST_TYPE_USER, "id", "n", "extra", g_variant_builder_end (&b), NULL);
    item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);
    g_assert_null (item);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
    g_assert_nonnull (strstr (error->message, "NaN"));
    g_clear_error (&error);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "n", "score", bad[i], NULL);
      g_autoptr(JsonNode) item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);

      g_assert_null (item);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
      g_assert_nonnull (strstr (error->message, "score"));
      g_clear_error (&error);
    }

  {
    /* 39 significant digits do not fit a DynamoDB number */
    g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "n",
                                             "big", "123456789012345678901234567890123456789", NULL);
    g_autoptr(JsonNode) item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);
    g_assert_null (item);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
    g_clear_error (&error);
  }
  {
    g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "n", "big", "12abc", NULL);
    g_autoptr(JsonNode) item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);
    g_assert_null (item);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
    g_clear_error (&error);
  }
  {
    /* a set cannot hold the same string twice */
    const char *dups[] = { "a", "a", NULL };
    g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "n", "tags", dups, NULL);
    g_autoptr(JsonNode) item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);
    g_assert_null (item);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
    g_clear_error (&error);
  }
  {
    /* an empty partition key is refused before any request */
    g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "", NULL);
    g_autoptr(JsonNode) item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);
    g_assert_null (item);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "“id”"));
    g_clear_error (&error);
  }
}

static void
test_decode_errors_leave_model_unchanged (void)
{
  const char *bad_items[] = {
    "{\"id\": {\"S\": \"u\"}, \"age\": {\"S\": \"thirty\"}}",              /* wrong type */
    "{\"id\": {\"S\": \"u\"}, \"tiny\": {\"N\": \"300\"}}",                /* does not fit gint8 */
    "{\"id\": {\"S\": \"u\"}, \"age\": {\"N\": \"1.5\"}}",                 /* not a whole number */
    "{\"id\": {\"S\": \"u\"}, \"u64\": {\"N\": \"-1\"}}",                  /* negative for unsigned */
    "{\"id\": {\"S\": \"u\"}, \"i64\": {\"N\": \"9223372036854775808\"}}", /* one past int64 */
    "{\"id\": {\"S\": \"u\"}, \"kind\": {\"S\": \"ugly\"}}",               /* not an enum nick */
    "{\"id\": {\"S\": \"u\"}, \"created\": {\"S\": \"yesterday\"}}",       /* not RFC 3339 */
    "{\"id\": {\"S\": \"u\"}, \"age\": {\"N\": \"1\", \"S\": \"x\"}}",     /* malformed AttributeValue */
    "{\"id\": {\"S\": \"u\"}, \"labels\": {\"L\": [{\"N\": \"1\"}]}}",     /* list of non-strings */
    "{\"id\": {\"S\": \"u\"}, \"active\": {\"NULL\": true}}",              /* null for a boolean */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_items); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "keep", "age", 7, NULL);
      g_autoptr(JsonNode) item = parse (bad_items[i]);
      g_autofree char *id = NULL;
      int age;

      g_assert_false (dynamorm_model_load_item (DYNAMORM_MODEL (user), item, &error));
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
      g_object_get (user, "id", &id, "age", &age, NULL);
      g_assert_cmpstr (id, ==, "keep");
      g_assert_cmpint (age, ==, 7);
    }
}

static void
test_missing_attributes_reset (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "a", "name", "Old", "age", 3, NULL);
  g_autoptr(JsonNode) item = parse ("{\"id\": {\"S\": \"b\"}, \"unknown\": {\"S\": \"ignored\"}}");
  g_autofree char *name = NULL;
  int age;

  g_assert_true (dynamorm_model_load_item (DYNAMORM_MODEL (user), item, &error));
  g_assert_no_error (error);
  g_object_get (user, "name", &name, "age", &age, NULL);
  g_assert_null (name);
  g_assert_cmpint (age, ==, 0);
}

static void
test_value_to_attribute_value (void)
{
  g_autoptr(GError) error = NULL;
  GValue v = G_VALUE_INIT;
  g_autoptr(JsonNode) av = NULL;
  g_autofree char *text = NULL;

  g_value_init (&v, G_TYPE_UINT64);
  g_value_set_uint64 (&v, 42);
  av = dynamorm_value_to_attribute_value (&v, &error);
  g_assert_no_error (error);
  text = json_to_string (av, FALSE);
  g_assert_cmpstr (text, ==, "{\"N\":\"42\"}");
  g_value_unset (&v);
  g_clear_pointer (&text, g_free);

  text = dynamorm_number_normalize ("1.50E+1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "15");
}

typedef struct {
  const char *name;
  const char *props[6];
  const char *table;
  const char *tags[6];
  const char *expect;   /* in the message */
} SchemaCase;

static void
test_schema_errors (void)
{
  static const SchemaCase cases[] = {
    { "SchemaNoPk", { "id:s", NULL }, NULL, { NULL }, "no partition key" },
    { "SchemaTwoPk", { "a:s", "b:s", NULL }, NULL, { "a=pk", "b=pk", NULL }, "two partition key" },
    { "SchemaUnknownProp", { "a:s", NULL }, NULL, { "a=pk", "nope=sk", NULL }, "no property “nope”" },
    { "SchemaBoolPk", { "a:b", NULL }, NULL, { "a=pk", NULL }, "cannot be a DynamoDB key" },
    { "SchemaListPk", { "a:v", NULL }, NULL, { "a=pk", NULL }, "cannot be a DynamoDB key" },
    { "SchemaUnknownTag", { "a:s", NULL }, NULL, { "a=pk,bogus", NULL }, "unknown tag “bogus”" },
    { "SchemaIndexNoRole", { "a:s", "b:s", NULL }, NULL, { "a=pk", "b=index:gsi", NULL }, "must be followed by" },
    { "SchemaIndexNoPk", { "a:s", "b:s", NULL }, NULL, { "a=pk", "b=index:gsi,sk", NULL }, "has no partition key" },
    { "SchemaSameAttr", { "a:s", "b:s", NULL }, NULL, { "a=pk", "b=attr:a", NULL }, "both store" },
    { "SchemaReadOnly", { "a:s", "b:r", NULL }, NULL, { "a=pk", "b=sk", NULL }, "readable and writable" },
    { "SchemaLsiNoSk", { "a:s", "b:s", NULL }, NULL, { "a=pk", "b=lsi:l1", NULL }, "need a table with a sort key" },
    { "SchemaVersionString", { "a:s", "b:s", NULL }, NULL, { "a=pk", "b=version", NULL }, "must be an integer" },
    { "SchemaNoEquals", { "a:s", NULL }, NULL, { "a pk", NULL }, "has no “=”" },
    /* Found by fuzz-schema: "-" after an index key or ttl left the index
     * (or the ttl) pointing at the freed field. */
    { "SchemaSkipIndexKey", { "a:s", "b:s", NULL }, NULL, { "a=pk", "b=index:g,pk", "b=-", NULL }, "cannot also be tagged “-”" },
    { "SchemaSkipTtl", { "a:s", "b:i", NULL }, NULL, { "a=pk", "b=ttl", "b=-", NULL }, "cannot also be tagged “-”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      GType type = test_define_model (cases[i].name, cases[i].props);
      gboolean ok = dynamorm_model_type_declare (type, cases[i].table, cases[i].tags, &error);

      g_test_message ("%s: %s", cases[i].name, error ? error->message : "(no error)");
      g_assert_false (ok);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
      g_assert_nonnull (strstr (error->message, cases[i].expect));
    }
}

static void
test_schema_naming (void)
{
  static const char *props[] = { "customer-id:s", "sort_key:i", "note:s", NULL };
  static const char *tags[] = { "customer-id=pk", "sort-key=sk", NULL };
  g_autoptr(GError) error = NULL;
  GType type = test_define_model ("DemoPaymentRecord", props);
  g_autofree char *table = NULL, *attr = NULL;

  g_assert_true (dynamorm_model_type_declare (type, NULL, tags, &error));
  g_assert_no_error (error);
  table = dynamorm_model_type_get_table_name (type);
  g_assert_cmpstr (table, ==, "demo_payment_records");
  attr = dynamorm_model_type_get_attribute_name (type, "customer-id");
  g_assert_cmpstr (attr, ==, "customer_id");
  g_clear_pointer (&table, g_free);
  table = dynamorm_model_type_get_table_name (TEST_TYPE_USER);
  g_assert_cmpstr (table, ==, "users");
  g_assert_true (dynamorm_model_type_check (TEST_TYPE_INVOICE, &error));
  g_assert_true (dynamorm_model_type_check (TEST_TYPE_USER, &error));
  g_assert_no_error (error);
}

static void
test_error_from_response (void)
{
  g_autoptr(JsonNode) body = parse ("{\"__type\": \"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                                    "\"Message\": \"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]\","
                                    "\"CancellationReasons\": [{\"Code\": \"None\"}, {\"Code\": \"ConditionalCheckFailed\", \"Message\": \"The conditional request failed\"}]}");
  g_autoptr(GError) error = dynamorm_error_new_from_response (400, body);
  g_autoptr(GError) copy = NULL;
  g_autoptr(JsonNode) unknown = parse ("{\"__type\": \"x#SomethingNew\", \"message\": \"odd\"}");
  g_autoptr(GError) other = dynamorm_error_new_from_response (400, unknown);
  g_autoptr(GError) server = dynamorm_error_new_from_response (503, NULL);
  JsonNode *response;

  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_TRANSACTION_CANCELLED);
  g_assert_cmpstr (dynamorm_error_get_service_error (error), ==, "TransactionCanceledException");
  copy = g_error_copy (error);
  response = dynamorm_error_get_response (copy);
  g_assert_nonnull (response);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (response),
                                                                         "CancellationReasons")), ==, 2);
  g_assert_false (dynamorm_error_is_retryable (error));
  g_assert_error (other, DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED);
  g_assert_nonnull (strstr (other->message, "SomethingNew"));
  g_assert_error (server, DYNAMORM_ERROR, DYNAMORM_ERROR_SERVICE_UNAVAILABLE);
  g_assert_true (dynamorm_error_is_retryable (server));
}

/* A model type as a binding registers one: its class_init installs the
 * properties and its own set/get_property, which count their calls;
 * dynamorm_model_type_store_properties() then takes some of them over. */
static guint bound_calls;

static void
bound_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  bound_calls++;
  g_object_set_data_full (object, "kept", g_value_dup_string (value), g_free);
}

static void
bound_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  bound_calls++;
  g_value_set_string (value, g_object_get_data (object, "kept"));
}

static void
bound_class_init (gpointer klass, gpointer data)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = bound_set_property;
  object_class->get_property = bound_get_property;
  g_object_class_install_property (object_class, 1, g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READWRITE));
  g_object_class_install_property (object_class, 2,
                                   g_param_spec_int64 ("count", NULL, NULL, 0, G_MAXINT64, 7, G_PARAM_READWRITE));
  g_object_class_install_property (object_class, 3, g_param_spec_string ("kept", NULL, NULL, NULL, G_PARAM_READWRITE));
}

static void
test_store_properties (void)
{
  const char *stored[] = { "id", "count", NULL };
  const char *tags[] = { "id=pk", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) in = parse ("{\"id\":{\"S\":\"b1\"},\"count\":{\"N\":\"42\"},\"kept\":{\"S\":\"k\"}}");
  g_autoptr(DynamormModel) model = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autofree char *id = NULL, *kept = NULL;
  gint64 count = 0;
  GType type = g_type_register_static_simple (DYNAMORM_TYPE_MODEL, "TestBoundModel", sizeof (DynamormModelClass),
                                              bound_class_init, sizeof (DynamormModel), NULL, 0);

  g_assert_true (dynamorm_model_type_store_properties (type, stored, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_model_type_declare (type, "bound", tags, &error));

  /* Unset: the default. Decoding calls the class only for "kept". */
  model = g_object_new (type, NULL);
  g_object_get (model, "count", &count, NULL);
  g_assert_cmpint (count, ==, 7);
  g_clear_object (&model);
  bound_calls = 0;
  model = dynamorm_model_new_from_item (type, in, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bound_calls, ==, 1);
  g_object_get (model, "id", &id, "count", &count, "kept", &kept, NULL);
  g_assert_cmpstr (id, ==, "b1");
  g_assert_cmpint (count, ==, 42);
  g_assert_cmpstr (kept, ==, "k");
  out = dynamorm_model_to_item (model, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (in, out));

  /* Once, properties of the type's own, before subclasses. */
  g_assert_false (dynamorm_model_type_store_properties (type, stored, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_clear_error (&error);
  g_type_register_static_simple (type, "TestBoundModelChild", sizeof (DynamormModelClass), NULL,
                                 sizeof (DynamormModel), NULL, 0);
  g_assert_false (dynamorm_model_type_store_properties (type, stored, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_assert_nonnull (strstr (error->message, "subclasses"));
}

static void
json_doc_class_init (gpointer klass, gpointer data)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  /* never called: all three properties are stored by Dynamorm */
  object_class->set_property = bound_set_property;
  object_class->get_property = bound_get_property;
  g_object_class_install_property (object_class, 1, g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READWRITE));
  g_object_class_install_property (object_class, 2,
                                   g_param_spec_variant ("v", NULL, NULL, G_VARIANT_TYPE_ANY, NULL, G_PARAM_READWRITE));
  g_object_class_install_property (object_class, 3,
                                   g_param_spec_boxed ("n", NULL, NULL, JSON_TYPE_NODE, G_PARAM_READWRITE));
}

/* Properties tagged "json" are stored as JSON text in an S attribute; the
 * text must parse back for every value, including doubles json-glib 1.6's
 * generator writes as "1e+20.0". */
static void
test_json_tag_doubles (void)
{
  const char *stored[] = { "id", "v", "n", NULL };
  const char *tags[] = { "id=pk", "v=json", "n=json", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) doc = json_from_string ("{\"big\":1e20,\"small\":-2.5e-300,\"max\":1.7976931348623157e308}", NULL);
  GVariant *v = g_variant_new_parsed ("{'big': <1e20>, 'list': <[1e300, -1e22]>}");
  GType type = g_type_register_static_simple (DYNAMORM_TYPE_MODEL, "TestJsonDoc", sizeof (DynamormModelClass),
                                              json_doc_class_init, sizeof (DynamormModel), NULL, 0);
  g_autoptr(DynamormModel) model = NULL;
  g_autoptr(DynamormModel) back = NULL;
  g_autoptr(JsonNode) item = NULL;
  g_autoptr(GVariant) v_back = NULL;
  g_autoptr(JsonNode) n_back = NULL;
  JsonObject *obj;

  g_assert_true (dynamorm_model_type_store_properties (type, stored, &error));
  g_assert_true (dynamorm_model_type_declare (type, "docs", tags, &error));
  g_assert_no_error (error);
  model = g_object_new (type, "id", "d1", "v", v, "n", doc, NULL);
  item = dynamorm_model_to_item (model, &error);
  g_assert_no_error (error);
  obj = json_node_get_object (item);
  g_assert_null (strstr (attr_text (obj, "v", "S"), "e+20.0"));
  g_assert_null (strstr (attr_text (obj, "n", "S"), "e+20.0"));

  back = dynamorm_model_new_from_item (type, item, &error);
  g_assert_no_error (error);
  g_object_get (back, "v", &v_back, "n", &n_back, NULL);
  g_assert_nonnull (v_back);
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (n_back), "big"), ==, 1e20);
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (n_back), "max"), ==, 1.7976931348623157e308);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dynamorm/codec/encode-every-type", test_encode_every_type);
  g_test_add_func ("/dynamorm/codec/round-trip-every-type", test_round_trip_every_type);
  g_test_add_func ("/dynamorm/codec/edge-numbers", test_edge_numbers);
  g_test_add_func ("/dynamorm/codec/double-texts", test_double_texts);
  g_test_add_func ("/dynamorm/codec/unrepresentable", test_unrepresentable_values);
  g_test_add_func ("/dynamorm/codec/decode-errors", test_decode_errors_leave_model_unchanged);
  g_test_add_func ("/dynamorm/codec/missing-attributes", test_missing_attributes_reset);
  g_test_add_func ("/dynamorm/codec/value-to-attribute-value", test_value_to_attribute_value);
  g_test_add_func ("/dynamorm/codec/json-tag-doubles", test_json_tag_doubles);
  g_test_add_func ("/dynamorm/schema/errors", test_schema_errors);
  g_test_add_func ("/dynamorm/schema/naming", test_schema_naming);
  g_test_add_func ("/dynamorm/model/store-properties", test_store_properties);
  g_test_add_func ("/dynamorm/error/from-response", test_error_from_response);

  return g_test_run ();
}
