/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TTL sweeping with the engine clock, consumed capacity, and several
 * threads on one engine. */
#include "config.h"

#include "engine-test-util.h"

static DdbEngine *
new_engine (void)
{
  DdbEngine *e = ddb_engine_new ();

  ENGINE_OK (e, "CreateTable", "{'TableName':'kvs','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],"
             "'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'},{'AttributeName':'g','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST',"
             "'GlobalSecondaryIndexes':[{'IndexName':'by_g','KeySchema':[{'AttributeName':'g','KeyType':'HASH'}],'Projection':{'ProjectionType':'KEYS_ONLY'}}]}");
  return e;
}

static gint64
fixed_clock (gpointer user_data)
{
  return *(gint64 *) user_data;
}

static void
test_ttl_sweep (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  gint64 now_ms = G_GINT64_CONSTANT (1700000000000);
  g_autoptr(JsonObject) a = NULL, b = NULL, c = NULL;

  ddb_engine_set_clock (e, fixed_clock, &now_ms);
  ENGINE_OK (e, "PutItem", "{'TableName':'kvs','Item':{'id':{'S':'old'},'exp':{'N':'1699999999'}}}");
  ENGINE_OK (e, "PutItem", "{'TableName':'kvs','Item':{'id':{'S':'new'},'exp':{'N':'1700000100'}}}");
  ENGINE_OK (e, "PutItem", "{'TableName':'kvs','Item':{'id':{'S':'str'},'exp':{'S':'1'}}}");
  /* TTL disabled: nothing is swept. */
  g_assert_cmpuint (ddb_engine_sweep_expired (e), ==, 0);
  ENGINE_OK (e, "UpdateTimeToLive", "{'TableName':'kvs','TimeToLiveSpecification':{'AttributeName':'exp','Enabled':true}}");
  g_assert_cmpuint (ddb_engine_sweep_expired (e), ==, 1);
  a = engine_ok (e, "GetItem", "{'TableName':'kvs','Key':{'id':{'S':'old'}}}");
  g_assert_false (json_object_has_member (a, "Item"));
  b = engine_ok (e, "GetItem", "{'TableName':'kvs','Key':{'id':{'S':'new'}}}");
  g_assert_true (json_object_has_member (b, "Item"));
  now_ms += 200 * 1000;
  g_assert_cmpuint (ddb_engine_sweep_expired (e), ==, 1);
  /* Non-numbers never expire. */
  c = engine_ok (e, "GetItem", "{'TableName':'kvs','Key':{'id':{'S':'str'}}}");
  g_assert_true (json_object_has_member (c, "Item"));
}

static void
test_capacity (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  g_autoptr(JsonObject) p = NULL, p2 = NULL, g1 = NULL, g2 = NULL, big = NULL;
  GString *req = g_string_new ("{'TableName':'kvs','ReturnConsumedCapacity':'TOTAL','Item':{'id':{'S':'b'},'v':{'S':'");

  p = engine_ok (e, "PutItem", "{'TableName':'kvs','Item':{'id':{'S':'a'}},'ReturnConsumedCapacity':'TOTAL'}");
  ASSERT_MEMBER (p, "ConsumedCapacity", "{'TableName':'kvs','CapacityUnits':1.0}");
  /* Writing the GSI key also writes the index. */
  p2 = engine_ok (e, "PutItem", "{'TableName':'kvs','Item':{'id':{'S':'a'},'g':{'S':'x'}},'ReturnConsumedCapacity':'INDEXES'}");
  ASSERT_MEMBER (p2, "ConsumedCapacity", "{'TableName':'kvs','Table':{'CapacityUnits':1.0},'GlobalSecondaryIndexes':{'by_g':{'CapacityUnits':1.0}},'CapacityUnits':2.0}");
  g1 = engine_ok (e, "GetItem", "{'TableName':'kvs','Key':{'id':{'S':'a'}},'ReturnConsumedCapacity':'TOTAL'}");
  ASSERT_MEMBER (g1, "ConsumedCapacity", "{'TableName':'kvs','CapacityUnits':0.5}");
  g2 = engine_ok (e, "GetItem", "{'TableName':'kvs','Key':{'id':{'S':'a'}},'ConsistentRead':true,'ReturnConsumedCapacity':'TOTAL'}");
  ASSERT_MEMBER (g2, "ConsumedCapacity", "{'TableName':'kvs','CapacityUnits':1.0}");
  /* 1.5 KB rounds up to 2 write units. */
  for (int i = 0; i < 1536; i++)
    g_string_append_c (req, 'x');
  g_string_append (req, "'}}}");
  big = engine_ok (e, "PutItem", req->str);
  ASSERT_MEMBER (big, "ConsumedCapacity", "{'TableName':'kvs','CapacityUnits':2.0}");
  g_string_free (req, TRUE);
}

typedef struct {
  DdbEngine *engine;
  int thread;
} ThreadData;

static gpointer
writer_thread (gpointer p)
{
  ThreadData *td = p;

  for (int i = 0; i < 500; i++)
    {
      g_autofree char *put = g_strdup_printf ("{'TableName':'kvs','Item':{'id':{'S':'t%d-%d'},'g':{'S':'g%d'}}}", td->thread, i, i % 7);
      g_autofree char *get = g_strdup_printf ("{'TableName':'kvs','Key':{'id':{'S':'t%d-%d'}}}", td->thread, i);
      g_autoptr(JsonObject) got = NULL;
      ENGINE_OK (td->engine, "PutItem", put);
      got = engine_ok (td->engine, "GetItem", get);
      g_assert_true (json_object_has_member (got, "Item"));
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  ThreadData td[4];
  GThread *threads[4];
  g_autoptr(JsonObject) d = NULL;

  for (int i = 0; i < 4; i++)
    {
      td[i].engine = e;
      td[i].thread = i;
      threads[i] = g_thread_new ("writer", writer_thread, &td[i]);
    }
  for (int i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  d = engine_ok (e, "DescribeTable", "{'TableName':'kvs'}");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (d, "Table"), "ItemCount"), ==, 2000);
}

/* Readers only, at the same time, on the same partitions: reads must not
 * share unsafe structures (GSequence searches are not reentrant). */
static gpointer
reader_thread (gpointer p)
{
  ThreadData *td = p;

  for (int i = 0; i < 60; i++)
    {
      g_autofree char *get = g_strdup_printf ("{'TableName':'kvs','Key':{'id':{'S':'t0-%d'}}}", i % 50);
      g_autofree char *query = g_strdup_printf ("{'TableName':'kvs','IndexName':'by_g','KeyConditionExpression':'g = :g',"
                                                "'ExpressionAttributeValues':{':g':{'S':'g%d'}}}", i % 7);
      g_autoptr(JsonObject) got = engine_ok (td->engine, "GetItem", get);
      g_autoptr(JsonObject) found = engine_ok (td->engine, "Query", query);

      g_autoptr(JsonObject) page = engine_ok (td->engine, "Scan", "{'TableName':'kvs','Limit':3}");

      g_assert_true (json_object_has_member (got, "Item"));
      g_assert_cmpint (json_object_get_int_member (found, "Count"), >, 0);
      /* Page through the table: every page searches for where to resume. */
      while (json_object_has_member (page, "LastEvaluatedKey"))
        {
          g_autoptr(JsonNode) start = json_node_ref (json_object_get_member (page, "LastEvaluatedKey"));
          g_autofree char *key = json_to_string (start, FALSE);
          g_autofree char *next = g_strdup_printf ("{\"TableName\":\"kvs\",\"Limit\":3,\"ExclusiveStartKey\":%s}", key);

          g_clear_pointer (&page, json_object_unref);
          page = engine_ok (td->engine, "Scan", next);
        }
    }
  return NULL;
}

static void
test_concurrent_reads (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  ThreadData td[4];
  GThread *threads[4];

  for (int i = 0; i < 50; i++)
    {
      g_autofree char *put = g_strdup_printf ("{'TableName':'kvs','Item':{'id':{'S':'t0-%d'},'g':{'S':'g%d'}}}", i, i % 7);
      ENGINE_OK (e, "PutItem", put);
    }
  for (int i = 0; i < 4; i++)
    {
      td[i].engine = e;
      td[i].thread = i;
      threads[i] = g_thread_new ("reader", reader_thread, &td[i]);
    }
  for (int i = 0; i < 4; i++)
    g_thread_join (threads[i]);
}

/* Readers under the shared lock while a writer adds partitions (which the
 * next Scan must put in order first) and replaces items the readers are
 * projecting and filtering (their decoded views are shared). */
typedef struct {
  DdbEngine *engine;
  gint stop;
} MixedData;

static gpointer
mixed_writer (gpointer p)
{
  MixedData *md = p;

  for (int i = 0; i < 300; i++)
    {
      g_autofree char *put = g_strdup_printf ("{'TableName':'kvs','Item':{'id':{'S':'w-%d'},'g':{'S':'g%d'},'n':{'N':'%d'}}}", i, i % 7, i);
      g_autofree char *again = g_strdup_printf ("{'TableName':'kvs','Item':{'id':{'S':'t0-%d'},'g':{'S':'g%d'},'n':{'N':'%d'},'l':{'L':[{'S':'x'},{'N':'1'}]}}}", i % 50, i % 7, i);
      ENGINE_OK (md->engine, "PutItem", put);
      ENGINE_OK (md->engine, "PutItem", again);
    }
  g_atomic_int_set (&md->stop, 1);
  return NULL;
}

/* A read while the writer runs: the tree and the text answer both succeed
 * (engine_ok compares them, which a concurrent write may make differ). */
static JsonObject *
read_ok (DdbEngine *engine, const char *op, const char *text)
{
  g_autoptr(JsonNode) request = engine_parse (text);
  g_autoptr(GString) printed = g_string_new (NULL);
  guint status = 0, text_status = 0;
  JsonNode *node = ddb_engine_handle (engine, op, request, &status);
  JsonObject *obj;

  ddb_engine_handle_text (engine, op, request, printed, &text_status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (text_status, ==, 200);
  obj = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  return obj;
}

static gpointer
mixed_reader (gpointer p)
{
  MixedData *md = p;

  for (int i = 0; !g_atomic_int_get (&md->stop) || i < 20; i++)
    {
      g_autofree char *query = g_strdup_printf ("{'TableName':'kvs','IndexName':'by_g','KeyConditionExpression':'g = :g',"
                                                "'FilterExpression':'attribute_exists(id)',"
                                                "'ExpressionAttributeValues':{':g':{'S':'g%d'}}}", i % 7);
      g_autofree char *by_id = g_strdup_printf ("{'TableName':'kvs','KeyConditionExpression':'id = :id',"
                                                "'FilterExpression':'size(l) > :z','ProjectionExpression':'id, n, l[0]',"
                                                "'ExpressionAttributeValues':{':id':{'S':'t0-%d'},':z':{'N':'0'}}}", i % 50);
      g_autofree char *batch = g_strdup_printf ("{'RequestItems':{'kvs':{'Keys':[{'id':{'S':'t0-%d'}},{'id':{'S':'w-%d'}}],"
                                                "'ProjectionExpression':'l, n'}}}", i % 50, i);
      g_autofree char *tget = g_strdup_printf ("{'TransactItems':[{'Get':{'TableName':'kvs','Key':{'id':{'S':'t0-%d'}}}}]}", i % 50);
      g_autoptr(JsonObject) found = read_ok (md->engine, "Query", query);
      g_autoptr(JsonObject) one = read_ok (md->engine, "Query", by_id);
      g_autoptr(JsonObject) got = read_ok (md->engine, "BatchGetItem", batch);
      g_autoptr(JsonObject) tgot = read_ok (md->engine, "TransactGetItems", tget);
      g_autoptr(JsonObject) page = read_ok (md->engine, "Scan", "{'TableName':'kvs','FilterExpression':'attribute_exists(l)','ProjectionExpression':'l'}");

      g_assert_cmpint (json_object_get_int_member (found, "Count"), >, 0);
      g_assert_cmpint (json_object_get_int_member (one, "ScannedCount"), ==, 1);
      g_assert_true (json_object_has_member (got, "Responses"));
      g_assert_true (json_object_has_member (tgot, "Responses"));
      g_assert_true (json_object_has_member (page, "Items"));
    }
  return NULL;
}

static void
test_readers_with_writer (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  MixedData md = { e, 0 };
  GThread *threads[4];
  g_autoptr(JsonObject) d = NULL;

  for (int i = 0; i < 50; i++)
    {
      g_autofree char *put = g_strdup_printf ("{'TableName':'kvs','Item':{'id':{'S':'t0-%d'},'g':{'S':'g%d'}}}", i, i % 7);
      ENGINE_OK (e, "PutItem", put);
    }
  threads[0] = g_thread_new ("writer", mixed_writer, &md);
  for (int i = 1; i < 4; i++)
    threads[i] = g_thread_new ("reader", mixed_reader, &md);
  for (int i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  d = engine_ok (e, "DescribeTable", "{'TableName':'kvs'}");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (d, "Table"), "ItemCount"), ==, 350);
}

/* ddb_json_parse reads plain JSON itself and hands anything else to
 * JsonParser: both ways, the tree must be JsonParser's (node and value
 * types, values, member order), sealed, and refusals the same. */
static void
assert_same_tree (JsonNode *a, JsonNode *b, const char *text)
{
  g_assert_true (json_node_is_immutable (a));
  g_assert_cmpint (json_node_get_node_type (a), ==, json_node_get_node_type (b));
  if (JSON_NODE_HOLDS_VALUE (a))
    {
      g_assert_cmpstr (g_type_name (json_node_get_value_type (a)), ==, g_type_name (json_node_get_value_type (b)));
      if (json_node_get_value_type (a) == G_TYPE_STRING)
        g_assert_cmpstr (json_node_get_string (a), ==, json_node_get_string (b));
      else if (json_node_get_value_type (a) == G_TYPE_INT64)
        g_assert_cmpint (json_node_get_int (a), ==, json_node_get_int (b));
      else if (json_node_get_value_type (a) == G_TYPE_DOUBLE)
        {
          double da = json_node_get_double (a), db = json_node_get_double (b);

          g_assert_true (memcmp (&da, &db, sizeof da) == 0);
        }
      else
        g_assert_cmpint (json_node_get_boolean (a), ==, json_node_get_boolean (b));
    }
  else if (JSON_NODE_HOLDS_OBJECT (a))
    {
      GList *ma = json_object_get_members (json_node_get_object (a));
      GList *mb = json_object_get_members (json_node_get_object (b));

      g_assert_cmpuint (g_list_length (ma), ==, g_list_length (mb));
      for (GList *x = ma, *y = mb; x != NULL; x = x->next, y = y->next)
        {
          g_assert_cmpstr (x->data, ==, y->data);
          assert_same_tree (json_object_get_member (json_node_get_object (a), x->data),
                            json_object_get_member (json_node_get_object (b), y->data), text);
        }
      g_list_free (ma);
      g_list_free (mb);
    }
  else if (JSON_NODE_HOLDS_ARRAY (a))
    {
      JsonArray *xa = json_node_get_array (a), *xb = json_node_get_array (b);

      g_assert_cmpuint (json_array_get_length (xa), ==, json_array_get_length (xb));
      for (guint i = 0; i < json_array_get_length (xa); i++)
        assert_same_tree (json_array_get_element (xa, i), json_array_get_element (xb, i), text);
    }
}

static void
test_json_parse (void)
{
  const char *texts[] = {
    "{\"TableName\":\"kvs\",\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"12.5\"},\"l\":{\"L\":[{\"BOOL\":true},{\"NULL\":true}]}}}",
    " { \"a\" : [ 1 , -2 , 0 , -0 , 1.5 , -1.5e3 , 1E5 , 2e-3 , 0.1 , 123456789012345678 , -123456789012345678 ] } ",
    "{\"s\":\"tab\\tnl\\ncr\\rq\\\"bs\\\\sl\\/b\\bf\\f\\u00e9\\u20ac\\ud83d\\ude00\",\"\\u0041key\":\"\xc3\xa9\"}",
    "{\"a\":1,\"a\":2,\"b\":{},\"c\":[],\"d\":[[[]]],\"e\":null,\"f\":false}",
    "[1,\"x\",{\"y\":[true,false,null]}]", "5", "\"top\"", "true", "-0.0",
    /* not plain JSON: JsonParser decides, as before */
    "{'TableName':'kvs'}", "{\"a\":010}", "{\"a\":1,}", "[1,]", "{\"\":1}", "{\"a\":\"raw\ttab\"}",
    "{\"a\":\"\xff\"}", "{\"a\":1x}", "[1 2]", "{\"a\" 1}", "", "   ", "{\"a\":1234567890123456789}",
    "/* c */ {\"a\":1}", "{\"a\":truex}", "{\"a\":- 1}", "{\"a\":.5}", "{\"a\":1.}", "{\"a\":1e}", "[", "{\"a\":",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autoptr(JsonNode) ours = ddb_json_parse (texts[i], strlen (texts[i]), NULL, NULL);
      /* what ddb_json_parse did before: the pre-scan, then JsonParser */
      JsonNode *theirs = ddb_json_check (texts[i], strlen (texts[i]), DDB_JSON_MAX_DEPTH) == DDB_JSON_CHECK_OK &&
                         json_parser_load_from_data (parser, texts[i], -1, NULL) ? json_parser_get_root (parser) : NULL;

      g_test_message ("%s", texts[i]);
      g_assert_true ((ours == NULL) == (theirs == NULL));
      if (ours != NULL)
        assert_same_tree (ours, theirs, texts[i]);
    }
}

/* A number with a fraction or exponent beyond a double's range would be read
 * as infinity, which prints as no JSON at all (a fuzzed cursor key made the
 * client print such a request) and converts to no integer: it is refused
 * before parsing, by both readers. */
static void
test_json_number_range (void)
{
  const char *refused[] = {
    "1e999", "-1e999", "{\"a\":1e400}", "[1,2,1222222e22202220224]",
    "{\"0\":2122222022e911111111111111111111}", "{\"Limit\":-1.5E+309}",
    /* too long for the plain reader: JsonParser would read it */
    "{\"a\":1234567890123456789012345678901234567890123456789012345678901234567890.5e300}",
  };
  const char *accepted[] = {
    "1e308", "-1.7e308", "1e-999", "{\"a\":\"1e999\"}", "[0.5,-2E-5,3e+2]",
    "{\"a\":12345678901234567890123456789012345678901234567890}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      DdbJsonCheck check = DDB_JSON_CHECK_OK;
      JsonNode *node = ddb_json_parse (refused[i], strlen (refused[i]), &check, NULL);

      g_test_message ("%s", refused[i]);
      g_assert_null (node);
      g_assert_cmpint (check, ==, DDB_JSON_CHECK_NUMBER_RANGE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(JsonNode) node = ddb_json_parse (accepted[i], strlen (accepted[i]), NULL, NULL);
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) again = NULL;

      g_test_message ("%s", accepted[i]);
      g_assert_nonnull (node);
      text = ddb_json_to_string (node);
      again = ddb_json_parse (text, strlen (text), NULL, NULL);
      g_assert_nonnull (again);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/ddb/engine/misc/ttl-sweep", test_ttl_sweep);
  g_test_add_func ("/ddb/engine/misc/json-parse", test_json_parse);
  g_test_add_func ("/ddb/engine/misc/json-number-range", test_json_number_range);
  g_test_add_func ("/ddb/engine/misc/capacity", test_capacity);
  g_test_add_func ("/ddb/engine/misc/threads", test_threads);
  g_test_add_func ("/ddb/engine/misc/concurrent-reads", test_concurrent_reads);
  g_test_add_func ("/ddb/engine/misc/readers-with-writer", test_readers_with_writer);
  return g_test_run ();
}
