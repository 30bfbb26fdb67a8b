/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Multi-attribute index keys, run per backend (`--backend memory|local`):
 * a GSI keyed by up to four partition and four sort key properties
 * ("index:NAME,pk2", "sk3"...), created from the model, and queries the
 * planner sends to it: = on every partition part, = on the first sort
 * parts, one condition on the next; what cannot be served is refused
 * before any request. */
#include <string.h>

#include "test-models.h"

typedef struct {
  DynamormSession *session;
} Fixture;

static GType match_type;

/* A tournament match: by-round is keyed by (tournament, region) and
 * sorted by (round, bracket, no). */
static GType
match_model (void)
{
  static const char *const props[] = { "id:s", "tournament:s", "region:s", "round:s", "bracket:s", "no:i",
                                       "player:s", NULL };
  static const char *const tags[] = { "id=pk", "tournament=index:by-round,pk", "region=index:by-round,pk2",
                                      "round=index:by-round,sk", "bracket=index:by-round,sk2",
                                      "no=index:by-round,sk3", NULL };
  g_autoptr(GError) error = NULL;

  if (match_type == 0)
    {
      match_type = test_define_model ("MkMatch", props);
      g_assert_true (dynamorm_model_type_declare (match_type, "mk_matches", tags, &error));
      g_assert_no_error (error);
    }
  return match_type;
}

static void
put_match (Fixture *f, const char *id, const char *region, const char *round, const char *bracket, int no)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) m = g_object_new (match_model (), "id", id, "tournament", "WINTER", "region", region,
                                             "round", round, "bracket", bracket, "no", no, "player", id, NULL);

  g_assert_true (dynamorm_session_put (f->session, m, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->session = test_session_new ("mk");
  if (f->session == NULL)
    return;
  g_assert_true (dynamorm_session_create_table (f->session, match_model (), NULL, &error));
  g_assert_no_error (error);
  put_match (f, "m1", "EU", "QUARTER", "LOWER", 2);
  put_match (f, "m2", "EU", "QUARTER", "UPPER", 1);
  put_match (f, "m3", "EU", "QUARTER", "UPPER", 2);
  put_match (f, "m4", "EU", "SEMI", "UPPER", 1);
  put_match (f, "m5", "US", "QUARTER", "UPPER", 1);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->session == NULL)
    return;
  dynamorm_session_delete_table (f->session, match_model (), NULL, NULL);
  g_clear_object (&f->session);
}

static char *
run_ids (DynamormQuery *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) list = dynamorm_query_all (query, NULL, &error);
  GString *s = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (list, i);
      g_autofree char *id = NULL;
      g_object_get (item, "id", &id, NULL);
      g_string_append_printf (s, "%s%s", s->len ? "," : "", id);
    }
  return g_string_free (s, FALSE);
}

static const char *
member_text (JsonNode *request, const char *name)
{
  JsonObject *obj = json_node_get_object (request);

  return json_object_has_member (obj, name) ? json_object_get_string_member (obj, name) : NULL;
}

static DynamormQuery *
matches (Fixture *f, const char *region)
{
  DynamormQuery *q = dynamorm_query_new (f->session, match_model ());

  dynamorm_query_where (q, "tournament", DYNAMORM_OPERATOR_EQ, "WINTER");
  if (region != NULL)
    dynamorm_query_where (q, "region", DYNAMORM_OPERATOR_EQ, region);
  return q;
}

/* The table the model creates: one GSI with 2 HASH and 3 RANGE elements. */
static void
test_create (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *text = NULL;
  JsonObject *table;
  JsonArray *gsis;

  if (f->session == NULL)
    return;
  {
    g_autofree char *name = dynamorm_session_get_table_name (f->session, match_model ());
    JsonObject *o = json_object_new ();
    json_object_set_string_member (o, "TableName", name);
    request = json_node_init_object (json_node_alloc (), o);
    json_object_unref (o);
  }
  response = dynamorm_backend_invoke (dynamorm_session_get_backend (f->session), "DescribeTable",
                                      request, NULL, &error);
  g_assert_no_error (error);
  table = json_object_get_object_member (json_node_get_object (response), "Table");
  gsis = json_object_get_array_member (table, "GlobalSecondaryIndexes");
  text = json_to_string (json_object_get_member (json_array_get_object_element (gsis, 0), "KeySchema"), FALSE);
  g_assert_cmpstr (text, ==,
                   "[{\"AttributeName\":\"tournament\",\"KeyType\":\"HASH\"},"
                   "{\"AttributeName\":\"region\",\"KeyType\":\"HASH\"},"
                   "{\"AttributeName\":\"round\",\"KeyType\":\"RANGE\"},"
                   "{\"AttributeName\":\"bracket\",\"KeyType\":\"RANGE\"},"
                   "{\"AttributeName\":\"no\",\"KeyType\":\"RANGE\"}]");
  /* Ensure sees no difference between the model and the table. */
  {
    g_autoptr(DynamormTable) t = dynamorm_table_new (f->session, match_model (), NULL);
    g_assert_true (dynamorm_table_ensure (t, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
test_query (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  if (f->session == NULL)
    return;
  /* Every partition part: the whole partition, in sort order. */
  {
    g_autoptr(DynamormQuery) q = matches (f, "EU");
    g_autoptr(JsonNode) request = dynamorm_query_build_request (q, NULL, &error);
    g_autofree char *got = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (member_text (request, "IndexName"), ==, "by-round");
    g_assert_cmpstr (member_text (request, "KeyConditionExpression"), ==, "#n0 = :v0 AND #n1 = :v1");
    g_assert_null (member_text (request, "FilterExpression"));
    got = run_ids (q);
    g_assert_cmpstr (got, ==, "m1,m2,m3,m4");
  }
  /* A left prefix of sort parts, a range on the last one given. */
  {
    g_autoptr(DynamormQuery) q = matches (f, "EU");
    g_autofree char *got = NULL;

    dynamorm_query_where (q, "round", DYNAMORM_OPERATOR_EQ, "QUARTER");
    dynamorm_query_where (q, "bracket", DYNAMORM_OPERATOR_EQ, "UPPER");
    dynamorm_query_where (q, "no", DYNAMORM_OPERATOR_GE, 2);
    got = run_ids (q);
    g_assert_cmpstr (got, ==, "m3");
  }
  {
    g_autoptr(DynamormQuery) q = matches (f, "EU");
    g_autofree char *got = NULL;

    dynamorm_query_where (q, "round", DYNAMORM_OPERATOR_EQ, "QUARTER");
    dynamorm_query_where (q, "bracket", DYNAMORM_OPERATOR_BEGINS_WITH, "UP");
    dynamorm_query_order_by (q, NULL, DYNAMORM_ORDER_DESCENDING);
    got = run_ids (q);
    g_assert_cmpstr (got, ==, "m3,m2");
  }
  /* Other conditions go to the filter. */
  {
    g_autoptr(DynamormQuery) q = matches (f, "US");
    g_autofree char *got = NULL;

    dynamorm_query_where (q, "player", DYNAMORM_OPERATOR_EQ, "m5");
    got = run_ids (q);
    g_assert_cmpstr (got, ==, "m5");
  }
  /* A partition part missing: the index cannot serve it. */
  {
    g_autoptr(DynamormQuery) q = matches (f, NULL);
    g_autoptr(GListModel) none = dynamorm_query_all (q, NULL, &error);

    g_assert_null (none);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY);
    g_clear_error (&error);
  }
  /* A sort part skipped: refused, saying which part is missing. */
  {
    g_autoptr(DynamormQuery) q = matches (f, "EU");
    g_autoptr(GListModel) none = NULL;

    dynamorm_query_where (q, "bracket", DYNAMORM_OPERATOR_EQ, "UPPER");
    none = dynamorm_query_all (q, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY);
    g_assert_nonnull (strstr (error->message, "multi-attribute key of index “by-round”"));
  }
}

/* Declaration mistakes, before any request. */
static void
test_bad_input (void)
{
  static const char *const props[] = { "id:s", "a:s", "b:s", "c:s", "d:s", "e:s", NULL };
  struct { const char *name; const char *tags[6]; const char *fragment; } cases[] = {
    { "MkGap", { "id=pk", "a=index:g,pk", "c=index:g,pk3", NULL }, "no “pk2”" },
    { "MkLsi", { "id=pk", "a=sk", "b=lsi:l", "c=index:l,sk2", NULL }, "both as a global" },
    { "MkTwice", { "id=pk", "a=index:g,pk", "b=index:g,pk2", "c=index:g,pk2", NULL }, "two partition key parts" },
    { "MkFive", { "id=pk", "a=index:g,pk", "b=index:g,pk5", NULL }, "unknown tag" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      GType type = test_define_model (cases[i].name, props);

      g_assert_false (dynamorm_model_type_declare (type, "mk_bad", cases[i].tags, &error));
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
      if (strstr (error->message, cases[i].fragment) == NULL)
        g_error ("%s: message “%s” lacks “%s”", cases[i].name, error->message, cases[i].fragment);
    }
}

int
main (int argc, char *argv[])
{
  test_parse_backend_arg (&argc, argv);
  g_test_init (&argc, &argv, NULL);

  if (g_str_equal (test_backend_name, "memory"))
    g_test_add_func ("/dynamorm/multi-key/bad-input", test_bad_input);
  g_test_add ("/dynamorm/multi-key/create", Fixture, NULL, fixture_setup, test_create, fixture_teardown);
  g_test_add ("/dynamorm/multi-key/query", Fixture, NULL, fixture_setup, test_query, fixture_teardown);
  return g_test_run ();
}
