/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The testing kit: fault injection in memory://, snapshots, the request
 * spy and fixtures; and the batch retries of the core tested with faults
 * instead of a hand-written test double. Memory backend only (faults and
 * snapshots are its features). */
#include <dynamorm.h>
#include <glib/gstdio.h>

#include "test-models.h"

/* ---- helpers ---- */

static JsonNode *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  return node;
}

/* A raw call that must succeed. */
static JsonNode *
call_ok (DynamormSession *session, const char *operation, const char *json)
{
  g_autoptr(JsonNode) request = parse (json);
  g_autoptr(GError) error = NULL;
  JsonNode *response = dynamorm_session_call (session, operation, request, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

/* A raw call that fails; returns its error. */
static GError *
call_error (DynamormSession *session, const char *operation, const char *json)
{
  g_autoptr(JsonNode) request = parse (json);
  g_autoptr(JsonNode) response = NULL;
  GError *error = NULL;

  response = dynamorm_session_call (session, operation, request, NULL, &error);
  g_assert_null (response);
  g_assert_nonnull (error);
  return error;
}

static DynamormSession *
session_with_table (const char *uri)
{
  g_autoptr(GError) error = NULL;
  DynamormSession *session = dynamorm_session_new (uri, &error);
  g_autoptr(JsonNode) r = NULL;

  g_assert_no_error (error);
  r = call_ok (session, "CreateTable",
               "{\"TableName\":\"things\",\"BillingMode\":\"PAY_PER_REQUEST\","
               "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
               "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}]}");
  return session;
}

static void
put_thing (DynamormSession *session, const char *id)
{
  g_autofree char *json = g_strdup_printf ("{\"TableName\":\"things\",\"Item\":{\"id\":{\"S\":\"%s\"}}}", id);
  g_autoptr(JsonNode) r = call_ok (session, "PutItem", json);
}

static gint64
count_things (DynamormSession *session)
{
  g_autoptr(JsonNode) r = call_ok (session, "Scan", "{\"TableName\":\"things\",\"Select\":\"COUNT\"}");

  return json_object_get_int_member (json_node_get_object (r), "Count");
}

/* ---- faults ---- */

static void
test_faults_refused (void)
{
  const char *bad[] = {
    "memory://?faults=slow:3",
    "memory://?faults=throttle:1.5",
    "memory://?faults=throttle:-0.1",
    "memory://?faults=throttle",
    "memory://?faults=fail:0",
    "memory://?faults=fail:2@PutItems",
    "memory://?faults=conflict:0.5@PutItem",
    "memory://?faults=seed:x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DynamormSession) session = dynamorm_session_new (bad[i], &error);

      g_assert_null (session);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
      /* the message names the valid faults */
      g_assert_nonnull (strstr (error->message, "throttle:RATE, throttle-next:N, unprocessed:RATE"));
    }

  /* the same through the API: refused, and the faults in place stay */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(DynamormSession) session = session_with_table ("memory://");
    DynamormBackend *backend = dynamorm_session_get_backend (session);

    g_assert_true (dynamorm_backend_set_faults (backend, "throttle-next:1", NULL, &error));
    g_assert_false (dynamorm_backend_set_faults (backend, "throttle:2", NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
    g_assert_nonnull (strstr (error->message, "the rate must be a number from 0 to 1"));
    g_clear_error (&error);
    error = call_error (session, "GetItem", "{\"TableName\":\"things\",\"Key\":{\"id\":{\"S\":\"a\"}}}");
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED);
  }
}

static void
test_faults_throttle_next (void)
{
  g_autoptr(DynamormSession) session = session_with_table ("memory://");
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_backend_set_faults (dynamorm_session_get_backend (session),
                                              "throttle-next:2@PutItem", NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) e = call_error (session, "PutItem",
                                        "{\"TableName\":\"things\",\"Item\":{\"id\":{\"S\":\"a\"}}}");
      g_assert_error (e, DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED);
      g_assert_true (g_str_has_prefix (e->message, "The level of configured provisioned throughput for the table "
                                       "was exceeded. Consider increasing your provisioning level with the "
                                       "UpdateTable API. (ProvisionedThroughputExceededException)"));
    }
  put_thing (session, "a");
  g_assert_cmpint (count_things (session), ==, 1);

  /* table calls are rate limited instead */
  g_assert_true (dynamorm_backend_set_faults (dynamorm_session_get_backend (session),
                                              "throttle-next:1", NULL, &error));
  error = call_error (session, "DescribeTable", "{\"TableName\":\"things\"}");
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED);
  g_assert_cmpstr (error->message, ==, "Rate of requests exceeds the allowed throughput. (ThrottlingException)");
  g_clear_error (&error);

  /* "" turns faults off */
  g_assert_true (dynamorm_backend_set_faults (dynamorm_session_get_backend (session), "throttle:1", NULL, &error));
  g_assert_true (dynamorm_backend_set_faults (dynamorm_session_get_backend (session), "", NULL, &error));
  put_thing (session, "b");
}

/* Which of 40 GetItem calls are throttled at rate 0.5 with seed. */
static char *
throttle_pattern (guint seed)
{
  g_autofree char *uri = g_strdup_printf ("memory://?faults=throttle:0.5@GetItem,seed:%u", seed);
  g_autoptr(DynamormSession) session = session_with_table (uri);
  GString *pattern = g_string_new (NULL);

  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(JsonNode) request = parse ("{\"TableName\":\"things\",\"Key\":{\"id\":{\"S\":\"a\"}}}");
      g_autoptr(JsonNode) response = NULL;
      g_autoptr(GError) error = NULL;

      response = dynamorm_session_call (session, "GetItem", request, NULL, &error);
      g_string_append_c (pattern, response != NULL ? '.' : 'T');
    }
  return g_string_free (pattern, FALSE);
}

static void
test_faults_deterministic (void)
{
  g_autofree char *a = throttle_pattern (7);
  g_autofree char *b = throttle_pattern (7);
  g_autofree char *c = throttle_pattern (8);
  guint throttled = 0;

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  for (const char *p = a; *p; p++)
    throttled += *p == 'T';
  g_assert_cmpuint (throttled, >, 8);
  g_assert_cmpuint (throttled, <, 32);
}

static void
test_faults_fail_nth (void)
{
  g_autoptr(DynamormSession) session = session_with_table ("memory://?faults=fail:3@PutItem");
  g_autoptr(GError) error = NULL;

  put_thing (session, "a");
  put_thing (session, "b");
  error = call_error (session, "PutItem", "{\"TableName\":\"things\",\"Item\":{\"id\":{\"S\":\"c\"}}}");
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_SERVICE_UNAVAILABLE);
  put_thing (session, "d");
  g_assert_cmpint (count_things (session), ==, 3);
}

static void
test_faults_latency (void)
{
  g_autoptr(DynamormSession) session = session_with_table ("memory://?faults=latency:30@Scan");
  gint64 start = g_get_monotonic_time ();

  count_things (session);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 30000);
}

static void
test_faults_conflict (void)
{
  g_autoptr(DynamormSession) session = session_with_table ("memory://?faults=conflict:1");
  g_autoptr(GError) error = NULL;
  const GError *e;
  g_autoptr(JsonNode) r = NULL;

  error = call_error (session, "TransactWriteItems",
                      "{\"TransactItems\":[{\"Put\":{\"TableName\":\"things\",\"Item\":{\"id\":{\"S\":\"a\"}}}},"
                      "{\"Put\":{\"TableName\":\"things\",\"Item\":{\"id\":{\"S\":\"b\"}}}}]}");
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_TRANSACTION_CANCELLED);
  g_assert_nonnull (strstr (error->message, "TransactionConflict"));
  g_assert_cmpint (count_things (session), ==, 0);
  e = error;
  (void) e;
  /* other calls are unaffected */
  put_thing (session, "c");
}

static void
test_faults_unprocessed (void)
{
  g_autoptr(DynamormSession) session = session_with_table ("memory://?faults=unprocessed:0.5,seed:3");
  g_autoptr(GString) json = g_string_new ("{\"RequestItems\":{\"things\":[");
  g_autoptr(JsonNode) r = NULL;
  JsonObject *left;
  guint n_left;

  for (guint i = 0; i < 20; i++)
    g_string_append_printf (json, "%s{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"t%u\"}}}}", i ? "," : "", i);
  g_string_append (json, "]}}");
  r = call_ok (session, "BatchWriteItem", json->str);
  left = json_object_get_object_member (json_node_get_object (r), "UnprocessedItems");
  n_left = json_array_get_length (json_object_get_array_member (left, "things"));
  g_assert_cmpuint (n_left, >, 0);
  g_assert_cmpuint (n_left, <, 20);
  g_assert_true (dynamorm_backend_set_faults (dynamorm_session_get_backend (session), NULL, NULL, NULL));
  g_assert_cmpint (count_things (session), ==, 20 - n_left);
}

/* The core's batch retries, against unprocessed items and keys. */
static void
test_faults_batch_retries (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://?faults=unprocessed:0.4,seed:11", &error);
  g_autoptr(DynamormBatchWrite) write = NULL;
  g_autoptr(DynamormBatchGet) get = NULL;
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (20, 1, 5, 2.0, 0.0);
  g_autoptr(GPtrArray) found = NULL;

  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (session, TEST_TYPE_USER, NULL, &error));
  write = dynamorm_batch_write_new (session);
  dynamorm_batch_write_set_retry_policy (write, policy);
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *id = g_strdup_printf ("user-%02u", i);
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", id, NULL);
      dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (user));
    }
  g_assert_true (dynamorm_batch_write_execute (write, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dynamorm_batch_write_get_unwritten_puts (write)->len, ==, 0);

  get = dynamorm_batch_get_new (session, TEST_TYPE_USER);
  dynamorm_batch_get_set_retry_policy (get, policy);
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *id = g_strdup_printf ("user-%02u", i);
      g_autoptr(DynamormKey) key = dynamorm_key_new_string (id, NULL);
      dynamorm_batch_get_add_key (get, key);
    }
  found = dynamorm_batch_get_execute (get, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 60);
  g_assert_cmpuint (dynamorm_batch_get_get_failed_keys (get)->len, ==, 0);
}

/* The core's transaction retries of TransactionConflict cancellations. */
static void
test_faults_transaction_retries (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", &error);
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (30, 1, 5, 2.0, 0.0);
  guint attempts = 0;

  g_assert_true (dynamorm_session_create_table (session, TEST_TYPE_USER, NULL, &error));
  g_assert_true (dynamorm_backend_set_faults (dynamorm_session_get_backend (session),
                                              "conflict:0.5,seed:5", NULL, &error));
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (session);
      g_autofree char *a = g_strdup_printf ("tx%u-a", i);
      g_autofree char *b = g_strdup_printf ("tx%u-b", i);
      g_autoptr(TestUser) ua = g_object_new (TEST_TYPE_USER, "id", a, NULL);
      g_autoptr(TestUser) ub = g_object_new (TEST_TYPE_USER, "id", b, NULL);

      dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (ua), NULL);
      dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (ub), NULL);
      dynamorm_transaction_set_retry_policy (tx, policy);
      g_assert_true (dynamorm_transaction_commit (tx, NULL, &error));
      g_assert_no_error (error);
      attempts += dynamorm_transaction_get_n_attempts (tx);
    }
  /* about half the attempts met a conflict and were sent again */
  g_assert_cmpuint (attempts, >, 8 + 3);

  /* without a retry policy the conflict is the caller's, with its reason */
  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (session);
    g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "lonely", NULL);

    g_assert_true (dynamorm_backend_set_faults (dynamorm_session_get_backend (session), "conflict:1", NULL, &error));
    dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (user), NULL);
    dynamorm_transaction_set_retry_policy (tx, NULL);
    g_assert_false (dynamorm_transaction_commit (tx, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_TRANSACTION_CANCELLED);
    g_assert_nonnull (strstr (error->message, "TransactionConflict"));
    g_assert_cmpuint (dynamorm_transaction_get_n_attempts (tx), ==, 1);
  }
}

/* ---- snapshots ---- */

static void
test_snapshot_restore (void)
{
  g_autoptr(DynamormSession) session = session_with_table ("memory://");
  g_autoptr(DynamormSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) r = NULL;

  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i);
      put_thing (session, id);
    }
  snapshot = dynamorm_snapshot_new (dynamorm_session_get_backend (session), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dynamorm_snapshot_get_table_count (snapshot), ==, 1);
  g_assert_cmpuint (dynamorm_snapshot_get_item_count (snapshot), ==, 50);

  /* change everything: more items, a deleted one, another table */
  put_thing (session, "extra");
  r = call_ok (session, "DeleteItem", "{\"TableName\":\"things\",\"Key\":{\"id\":{\"S\":\"t3\"}}}");
  g_clear_pointer (&r, json_node_unref);
  r = call_ok (session, "CreateTable",
               "{\"TableName\":\"other\",\"BillingMode\":\"PAY_PER_REQUEST\","
               "\"KeySchema\":[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}],"
               "\"AttributeDefinitions\":[{\"AttributeName\":\"k\",\"AttributeType\":\"N\"}]}");
  g_clear_pointer (&r, json_node_unref);

  for (guint round = 0; round < 2; round++)
    {
      g_assert_true (dynamorm_snapshot_restore (snapshot, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (count_things (session), ==, 50);
      r = call_ok (session, "GetItem", "{\"TableName\":\"things\",\"Key\":{\"id\":{\"S\":\"t3\"}}}");
      g_assert_true (json_object_has_member (json_node_get_object (r), "Item"));
      g_clear_pointer (&r, json_node_unref);
      r = call_ok (session, "ListTables", "{}");
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (r), "TableNames")), ==, 1);
      g_clear_pointer (&r, json_node_unref);
      put_thing (session, "after-restore");
    }
}

static void
test_snapshot_other_backend (void)
{
  g_autoptr(DynamormSession) source = NULL;
  g_autoptr(DynamormSession) fresh = NULL;
  g_autoptr(DynamormSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) r = NULL;
  g_autofree char *table = NULL;
  g_autofree char *json = NULL;

  /* a table with a sort key and an index, so both come back */
  source = dynamorm_session_new ("memory://", &error);
  g_assert_true (dynamorm_session_create_table (source, TEST_TYPE_INVOICE, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *invoice = g_strdup_printf ("inv-%u", i);
      g_autoptr(GObject) model = g_object_new (TEST_TYPE_INVOICE, "account", "acc", "invoice", invoice,
                                               "customer", i % 2 ? "c1" : "c2", "total", (gint64) i, NULL);
      g_assert_true (dynamorm_session_put (source, DYNAMORM_MODEL (model), NULL, &error));
    }
  snapshot = dynamorm_snapshot_new (dynamorm_session_get_backend (source), NULL, &error);
  g_assert_no_error (error);

  fresh = dynamorm_session_new ("memory://", &error);
  g_assert_true (dynamorm_snapshot_restore (snapshot, dynamorm_session_get_backend (fresh), NULL, &error));
  g_assert_no_error (error);
  table = dynamorm_session_get_table_name (fresh, TEST_TYPE_INVOICE);
  json = g_strdup_printf ("{\"TableName\":\"%s\",\"IndexName\":\"by-customer\","
                          "\"KeyConditionExpression\":\"customer = :c\","
                          "\"ExpressionAttributeValues\":{\":c\":{\"S\":\"c1\"}}}", table);
  r = call_ok (fresh, "Query", json);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r), "Count"), ==, 5);
  g_clear_pointer (&r, json_node_unref);
  g_free (json);
  json = g_strdup_printf ("{\"TableName\":\"%s\",\"ScanIndexForward\":false,"
                          "\"KeyConditionExpression\":\"account = :a\","
                          "\"ExpressionAttributeValues\":{\":a\":{\"S\":\"acc\"}}}", table);
  r = call_ok (fresh, "Query", json);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r), "Count"), ==, 10);
  {
    JsonArray *items = json_object_get_array_member (json_node_get_object (r), "Items");
    JsonObject *first = json_array_get_object_element (items, 0);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "invoice"), "S"), ==, "inv-9");
  }
}

static gint64
query_count (DynamormSession *session, const char *table, const char *index, const char *cond,
             const char *name, const char *value)
{
  g_autofree char *json = g_strdup_printf (
    "{\"TableName\":\"%s\",%s%s%s\"KeyConditionExpression\":\"%s\","
    "\"ExpressionAttributeValues\":{\"%s\":{\"S\":\"%s\"}},\"ConsistentRead\":%s}",
    table, index ? "\"IndexName\":\"" : "", index ? index : "", index ? "\"," : "", cond, name, value,
    index ? "false" : "true");
  g_autoptr(JsonNode) r = call_ok (session, "Query", json);

  return json_object_get_int_member (json_node_get_object (r), "Count");
}

/* Restores after the first put back only what changed: every kind of write
 * is undone, indexes follow, a settings change makes a copy again, and a
 * table with a stream gets a new stream. */
static void
test_snapshot_undo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", &error);
  g_autoptr(DynamormSnapshot) snapshot = NULL;
  g_autofree char *t = dynamorm_session_get_table_name (session, TEST_TYPE_INVOICE);
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) r = NULL;
  const char *arn_before;
  g_autofree char *arn = NULL;

  g_assert_true (dynamorm_session_create_table (session, TEST_TYPE_INVOICE, NULL, &error));
  json = g_strdup_printf ("{\"TableName\":\"%s\",\"StreamSpecification\":{\"StreamEnabled\":true,"
                          "\"StreamViewType\":\"NEW_IMAGE\"}}", t);
  r = call_ok (session, "UpdateTable", json);
  g_clear_pointer (&r, json_node_unref);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *invoice = g_strdup_printf ("inv-%02u", i);
      g_autoptr(GObject) model = g_object_new (TEST_TYPE_INVOICE, "account", "acc", "invoice", invoice,
                                               "customer", i < 10 ? "c1" : "c2", "total", (gint64) i, NULL);
      g_assert_true (dynamorm_session_put (session, DYNAMORM_MODEL (model), NULL, &error));
    }
  snapshot = dynamorm_snapshot_new (dynamorm_session_get_backend (session), NULL, &error);
  g_assert_no_error (error);

  for (guint round = 0; round < 3; round++)
    {
      g_free (json);
      json = g_strdup_printf ("{\"TableName\":\"%s\"}", t);
      r = call_ok (session, "DescribeTable", json);
      arn = g_strdup (json_object_get_string_member (json_object_get_object_member (json_node_get_object (r), "Table"),
                                                     "LatestStreamArn"));
      g_clear_pointer (&r, json_node_unref);

      /* an update moving an item in the index, a delete, a new item, a batch */
      g_free (json);
      json = g_strdup_printf ("{\"TableName\":\"%s\",\"Key\":{\"account\":{\"S\":\"acc\"},\"invoice\":{\"S\":\"inv-01\"}},"
                              "\"UpdateExpression\":\"SET customer = :c\",\"ExpressionAttributeValues\":{\":c\":{\"S\":\"c2\"}}}", t);
      r = call_ok (session, "UpdateItem", json);
      g_clear_pointer (&r, json_node_unref);
      g_free (json);
      json = g_strdup_printf ("{\"TableName\":\"%s\",\"Key\":{\"account\":{\"S\":\"acc\"},\"invoice\":{\"S\":\"inv-15\"}}}", t);
      r = call_ok (session, "DeleteItem", json);
      g_clear_pointer (&r, json_node_unref);
      g_free (json);
      json = g_strdup_printf ("{\"RequestItems\":{\"%s\":[{\"PutRequest\":{\"Item\":{\"account\":{\"S\":\"acc\"},"
                              "\"invoice\":{\"S\":\"new\"},\"customer\":{\"S\":\"c1\"},\"total\":{\"N\":\"1\"}}}},"
                              "{\"DeleteRequest\":{\"Key\":{\"account\":{\"S\":\"acc\"},\"invoice\":{\"S\":\"inv-03\"}}}}]}}", t);
      r = call_ok (session, "BatchWriteItem", json);
      g_clear_pointer (&r, json_node_unref);
      g_assert_cmpint (query_count (session, t, NULL, "account = :a", ":a", "acc"), ==, 19);
      g_assert_cmpint (query_count (session, t, "by-customer", "customer = :c", ":c", "c1"), ==, 9);
      if (round == 2)
        {
          /* a settings change: the table is copied again */
          g_free (json);
          json = g_strdup_printf ("{\"TableName\":\"%s\",\"TimeToLiveSpecification\":{\"Enabled\":true,"
                                  "\"AttributeName\":\"expires\"}}", t);
          r = call_ok (session, "UpdateTimeToLive", json);
          g_clear_pointer (&r, json_node_unref);
        }

      g_assert_true (dynamorm_snapshot_restore (snapshot, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (query_count (session, t, NULL, "account = :a", ":a", "acc"), ==, 20);
      g_assert_cmpint (query_count (session, t, "by-customer", "customer = :c", ":c", "c1"), ==, 10);
      g_assert_cmpint (query_count (session, t, "by-customer", "customer = :c", ":c", "c2"), ==, 10);
      g_free (json);
      json = g_strdup_printf ("{\"TableName\":\"%s\"}", t);
      r = call_ok (session, "DescribeTimeToLive", json);
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (r),
                       "TimeToLiveDescription"), "TimeToLiveStatus"), ==, "DISABLED");
      g_clear_pointer (&r, json_node_unref);
      r = call_ok (session, "DescribeTable", json);
      arn_before = json_object_get_string_member (json_object_get_object_member (json_node_get_object (r), "Table"),
                                                  "LatestStreamArn");
      g_assert_nonnull (arn_before);
      g_assert_cmpstr (arn_before, !=, arn);
      g_clear_pointer (&r, json_node_unref);
      g_clear_pointer (&arn, g_free);
    }
}

static void
test_snapshot_needs_memory (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", &error);
  g_autoptr(DynamormSnapshot) snapshot = dynamorm_snapshot_new (dynamorm_session_get_backend (session), NULL, &error);
  g_autoptr(JsonNode) bogus = parse ("{\"SnapshotId\":\"snapshot-999999\"}");
  g_autoptr(JsonNode) r = NULL;

  g_assert_no_error (error);
  r = dynamorm_session_call (session, "DynamormRestoreSnapshot", bogus, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "no snapshot"));
}

/* ---- the spy ---- */

static void
test_spy_records (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) inner = dynamorm_session_new ("memory://", &error);
  g_autoptr(DynamormRequestSpy) spy = dynamorm_request_spy_new (dynamorm_session_get_backend (inner));
  g_autoptr(DynamormSession) session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (spy));
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(GListModel) results = NULL;
  g_autoptr(DynamormSpyCall) last = NULL;
  g_autoptr(GListModel) calls = NULL;
  g_autofree char *condition = NULL;
  g_autoptr(DynamormModel) missing = NULL;

  g_assert_true (dynamorm_session_create_table (session, TEST_TYPE_INVOICE, NULL, &error));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *invoice = g_strdup_printf ("inv-%u", i);
      g_autoptr(GObject) model = g_object_new (TEST_TYPE_INVOICE, "account", "acc", "invoice", invoice,
                                               "customer", "user456", "total", (gint64) (10 * i), NULL);
      g_assert_true (dynamorm_session_put (session, DYNAMORM_MODEL (model), NULL, &error));
    }
  g_assert_cmpuint (dynamorm_request_spy_count (spy, "PutItem"), ==, 3);
  g_assert_cmpuint (dynamorm_request_spy_count (spy, "CreateTable"), ==, 1);

  query = dynamorm_query_new (session, TEST_TYPE_INVOICE);
  dynamorm_query_where (query, "customer", DYNAMORM_OPERATOR_EQ, "user456");
  results = dynamorm_query_all (query, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 3);
  g_assert_cmpuint (dynamorm_request_spy_count (spy, "Query"), ==, 1);
  condition = dynamorm_request_spy_dup_last_key_condition (spy);
  g_assert_cmpstr (condition, ==, "customer = \"user456\"");
  last = dynamorm_request_spy_get_last_call (spy, "Query");
  g_assert_cmpstr (dynamorm_spy_call_get_index_name (last), ==, "by-customer");
  {
    g_autofree char *table = dynamorm_session_get_table_name (session, TEST_TYPE_INVOICE);
    g_assert_cmpstr (dynamorm_spy_call_get_table_name (last), ==, table);
  }
  g_assert_nonnull (dynamorm_spy_call_get_response (last));
  g_assert_true (dynamorm_request_spy_check_no_scan (spy, &error));

  /* errors are recorded too */
  {
    g_autoptr(JsonNode) request = parse ("{\"TableName\":\"nope\",\"Key\":{\"id\":{\"S\":\"a\"}}}");
    g_autoptr(JsonNode) response = dynamorm_session_call (session, "GetItem", request, NULL, &error);
    g_autoptr(DynamormSpyCall) failed = dynamorm_request_spy_get_last_call (spy, NULL);

    g_assert_null (response);
    g_clear_error (&error);
    g_assert_null (dynamorm_spy_call_get_response (failed));
    g_assert_error (dynamorm_spy_call_get_error (failed), DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  }

  /* a scan is reported with its table */
  {
    g_autoptr(DynamormQuery) scan = dynamorm_query_new (session, TEST_TYPE_INVOICE);
    g_autoptr(GListModel) all = dynamorm_query_scan (scan, NULL, &error);

    g_assert_no_error (error);
    g_assert_false (dynamorm_request_spy_check_no_scan (spy, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "1 Scan happened, of "));
    g_clear_error (&error);
  }
  calls = dynamorm_request_spy_list_calls (spy);
  g_assert_cmpuint (g_list_model_get_n_items (calls), ==, dynamorm_request_spy_count (spy, NULL));
  dynamorm_request_spy_clear (spy);
  g_assert_cmpuint (dynamorm_request_spy_count (spy, NULL), ==, 0);
  /* calls listed before stay */
  g_assert_cmpuint (g_list_model_get_n_items (calls), >, 5);
}

static void
spy_async_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JsonNode **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static void
test_spy_async_and_snapshot_through (void)
{
  g_autoptr(DynamormSession) inner = session_with_table ("memory://");
  g_autoptr(DynamormRequestSpy) spy = dynamorm_request_spy_new (dynamorm_session_get_backend (inner));
  g_autoptr(DynamormSession) session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (spy));
  g_autoptr(JsonNode) request = parse ("{\"TableName\":\"things\"}");
  g_autoptr(DynamormSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *response = NULL;

  dynamorm_session_call_async (session, "DescribeTable", request, NULL, spy_async_done, &response);
  while (response == NULL)
    g_main_context_iteration (NULL, TRUE);
  json_node_unref (response);
  g_assert_cmpuint (dynamorm_request_spy_count (spy, "DescribeTable"), ==, 1);

  /* testing calls pass through the spy and are not recorded */
  snapshot = dynamorm_snapshot_new (DYNAMORM_BACKEND (spy), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (dynamorm_backend_set_faults (DYNAMORM_BACKEND (spy), "throttle-next:1", NULL, &error));
  g_assert_cmpuint (dynamorm_request_spy_count (spy, NULL), ==, 1);
}

/* ---- fixtures ---- */

static GFile *
write_file (const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

#define TABLES_JSON \
  "[{\"TableName\":\"people\",\"BillingMode\":\"PAY_PER_REQUEST\"," \
  "\"KeySchema\":[{\"AttributeName\":\"org\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"n\",\"KeyType\":\"RANGE\"}]," \
  "\"AttributeDefinitions\":[{\"AttributeName\":\"org\",\"AttributeType\":\"S\"},{\"AttributeName\":\"n\",\"AttributeType\":\"N\"}]}]"

static void
test_fixture_load_and_dump (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormFixture) fixture = dynamorm_fixture_new ();
  g_autoptr(GFile) tables = write_file ("tables.json", TABLES_JSON);
  g_autoptr(GFile) lines = write_file ("people.json",
    "{\"Item\":{\"org\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"tags\":{\"SS\":[\"x\",\"y\"]}}}\n"
    "\n"
    "{\"Item\":{\"org\":{\"S\":\"a\"},\"n\":{\"N\":\"2\"},\"m\":{\"M\":{\"deep\":{\"L\":[{\"BOOL\":true},{\"NULL\":true}]}}}}}\n");
  g_autoptr(GFile) array = write_file ("more.json",
    "[\n  {\"org\":{\"S\":\"b\"},\"n\":{\"N\":\"1\"}},\n  {\"Item\":{\"org\":{\"S\":\"b\"},\"n\":{\"N\":\"2\"}}}\n]\n");
  g_autofree char *dump_path = g_build_filename (g_get_tmp_dir (), "dump.json", NULL);
  g_autoptr(GFile) dump = g_file_new_for_path (dump_path);
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", &error);
  g_autoptr(DynamormSession) again = dynamorm_session_new ("memory://", &error);
  g_autoptr(DynamormFixture) reread = dynamorm_fixture_new ();
  g_autoptr(JsonNode) r = NULL;

  g_assert_true (dynamorm_fixture_add_tables_from_file (fixture, tables, NULL, &error));
  g_assert_true (dynamorm_fixture_add_items_from_file (fixture, "people", lines, NULL, &error));
  g_assert_true (dynamorm_fixture_add_items_from_file (fixture, "people", array, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dynamorm_fixture_get_item_count (fixture, "people"), ==, 4);

  dynamorm_session_set_table_prefix (session, "t1-");
  g_assert_true (dynamorm_fixture_load (fixture, session, NULL, &error));
  g_assert_no_error (error);
  r = call_ok (session, "Scan", "{\"TableName\":\"t1-people\",\"Select\":\"COUNT\"}");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r), "Count"), ==, 4);

  /* dump, read the dump back into another session: the same items */
  g_assert_true (dynamorm_fixture_dump_table (session, "people", dump, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_fixture_add_tables_from_file (reread, tables, NULL, &error));
  g_assert_true (dynamorm_fixture_add_items_from_file (reread, "people", dump, NULL, &error));
  g_assert_true (dynamorm_fixture_load (reread, again, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&r, json_node_unref);
  r = call_ok (again, "GetItem", "{\"TableName\":\"people\",\"Key\":{\"org\":{\"S\":\"a\"},\"n\":{\"N\":\"2\"}}}");
  {
    JsonObject *item = json_object_get_object_member (json_node_get_object (r), "Item");
    JsonObject *m = json_object_get_object_member (json_object_get_object_member (item, "m"), "M");
    JsonArray *deep = json_object_get_array_member (json_object_get_object_member (m, "deep"), "L");

    g_assert_true (json_object_get_boolean_member (json_array_get_object_element (deep, 0), "BOOL"));
    g_assert_true (json_object_has_member (json_array_get_object_element (deep, 1), "NULL"));
  }

  /* unload, and the tables are gone */
  g_assert_true (dynamorm_fixture_unload (fixture, session, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&r, json_node_unref);
  r = call_ok (session, "ListTables", "{}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (r), "TableNames")), ==, 0);
}

static void
assert_refused (DynamormFixture *fixture, const char *contents, const char *expected)
{
  g_autoptr(GFile) file = write_file ("bad.json", contents);
  g_autoptr(GError) error = NULL;
  guint before = dynamorm_fixture_get_item_count (fixture, "people");

  g_assert_false (dynamorm_fixture_add_items_from_file (fixture, "people", file, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, expected) == NULL)
    g_error ("“%s” does not say “%s”", error->message, expected);
  g_assert_cmpuint (dynamorm_fixture_get_item_count (fixture, "people"), ==, before);
}

static void
test_fixture_malformed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormFixture) fixture = dynamorm_fixture_new ();
  g_autoptr(GFile) tables = write_file ("tables.json", TABLES_JSON);
  const char *good = "{\"Item\":{\"org\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}}\n";
  g_autofree char *bad_json = g_strconcat (good, good, "{\"Item\":{\"org\":{\"S\":\"a\"},\n", NULL);
  g_autofree char *no_key = g_strconcat (good, "{\"Item\":{\"org\":{\"S\":\"a\"}}}\n", NULL);
  g_autofree char *wrong_key_type = g_strconcat (good, good, good, "{\"Item\":{\"org\":{\"S\":\"a\"},\"n\":{\"S\":\"1\"}}}\n", NULL);
  g_autofree char *bad_value = g_strconcat (good, "{\"Item\":{\"org\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"x\":{\"SS\":[1]}}}\n", NULL);
  g_autofree char *bad_type = g_strconcat (good, "{\"Item\":{\"org\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"x\":{\"Q\":\"1\"}}}\n", NULL);

  g_assert_true (dynamorm_fixture_add_tables_from_file (fixture, tables, NULL, &error));
  assert_refused (fixture, bad_json, "bad.json:3: not JSON");
  assert_refused (fixture, no_key, "bad.json:2: the item needs the key attribute “n” of type N");
  assert_refused (fixture, wrong_key_type, "bad.json:4: the item needs the key attribute “n” of type N");
  assert_refused (fixture, bad_value, "bad.json:2: attribute “x”: the SS value has the wrong JSON type");
  assert_refused (fixture, bad_type, "bad.json:2: attribute “x”: “Q” is not a DynamoDB type");
  assert_refused (fixture, "[\n{\"org\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}},\n{\"org\":\"a\"}\n]",
                  "bad.json:3: attribute “org” is not a DynamoDB JSON value");
  assert_refused (fixture, "[1]", "bad.json:1: an item must be a JSON object");

  {
    g_autoptr(GFile) file = write_file ("bad.json", good);
    g_assert_false (dynamorm_fixture_add_items_from_file (fixture, "nope", file, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  {
    g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/items.json");
    g_assert_false (dynamorm_fixture_add_items_from_file (fixture, "people", file, NULL, &error));
    g_assert_nonnull (strstr (error->message, "/nonexistent/items.json cannot be read"));
  }
}

/* An item only the service can refuse (a number DynamoDB cannot store):
 * the load names its line and leaves no table behind. */
static void
test_fixture_load_rolls_back (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormFixture) fixture = dynamorm_fixture_new ();
  g_autoptr(GFile) tables = write_file ("tables.json", TABLES_JSON);
  g_autoptr(GString) items = g_string_new (NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", &error);
  g_autoptr(JsonNode) r = NULL;

  for (guint i = 1; i <= 40; i++)
    {
      g_autofree char *n = i == 33 ? g_strdup ("1e999") : g_strdup_printf ("%u", i);
      g_string_append_printf (items, "{\"Item\":{\"org\":{\"S\":\"a\"},\"n\":{\"N\":\"%s\"}}}\n", n);
    }
  file = write_file ("items.json", items->str);
  g_assert_true (dynamorm_fixture_add_tables_from_file (fixture, tables, NULL, &error));
  g_assert_true (dynamorm_fixture_add_items_from_file (fixture, "people", file, NULL, &error));
  g_assert_false (dynamorm_fixture_load (fixture, session, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
  if (strstr (error->message, "items.json:33: ") == NULL || strstr (error->message, "Nothing was loaded") == NULL)
    g_error ("unexpected message: %s", error->message);
  r = call_ok (session, "ListTables", "{}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (r), "TableNames")), ==, 0);
}

static void
test_fixture_models (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormFixture) fixture = dynamorm_fixture_new ();
  g_autoptr(GFile) file = write_file ("users.json",
    "{\"Item\":{\"id\":{\"S\":\"u1\"},\"name\":{\"S\":\"Ada\"}}}\n"
    "{\"Item\":{\"id\":{\"S\":\"u2\"},\"name\":{\"S\":\"Grace\"}}}\n");
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", &error);
  g_autoptr(DynamormModel) user = NULL;

  g_assert_true (dynamorm_fixture_add_model (fixture, TEST_TYPE_USER, &error));
  g_assert_true (dynamorm_fixture_add_items_from_file (fixture, "users", file, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_fixture_load (fixture, session, NULL, &error));
  g_assert_no_error (error);
  user = test_user_get (session, "u2", &error);
  g_assert_no_error (error);
  {
    g_autofree char *name = NULL;
    g_object_get (user, "name", &name, NULL);
    g_assert_cmpstr (name, ==, "Grace");
  }
  /* loading twice is refused, and the first load stays */
  g_assert_false (dynamorm_fixture_load (fixture, session, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_IN_USE);
  g_assert_nonnull (strstr (error->message, "“users” cannot be created"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dynamorm/testing/faults/refused", test_faults_refused);
  g_test_add_func ("/dynamorm/testing/faults/throttle-next", test_faults_throttle_next);
  g_test_add_func ("/dynamorm/testing/faults/deterministic", test_faults_deterministic);
  g_test_add_func ("/dynamorm/testing/faults/fail-nth", test_faults_fail_nth);
  g_test_add_func ("/dynamorm/testing/faults/latency", test_faults_latency);
  g_test_add_func ("/dynamorm/testing/faults/conflict", test_faults_conflict);
  g_test_add_func ("/dynamorm/testing/faults/unprocessed", test_faults_unprocessed);
  g_test_add_func ("/dynamorm/batch/faults/retries", test_faults_batch_retries);
  g_test_add_func ("/dynamorm/transaction/faults/conflict-retries", test_faults_transaction_retries);
  g_test_add_func ("/dynamorm/testing/snapshot/restore", test_snapshot_restore);
  g_test_add_func ("/dynamorm/testing/snapshot/other-backend", test_snapshot_other_backend);
  g_test_add_func ("/dynamorm/testing/snapshot/undo", test_snapshot_undo);
  g_test_add_func ("/dynamorm/testing/snapshot/unknown", test_snapshot_needs_memory);
  g_test_add_func ("/dynamorm/testing/spy/records", test_spy_records);
  g_test_add_func ("/dynamorm/testing/spy/async", test_spy_async_and_snapshot_through);
  g_test_add_func ("/dynamorm/testing/fixture/load-and-dump", test_fixture_load_and_dump);
  g_test_add_func ("/dynamorm/testing/fixture/malformed", test_fixture_malformed);
  g_test_add_func ("/dynamorm/testing/fixture/rolls-back", test_fixture_load_rolls_back);
  g_test_add_func ("/dynamorm/testing/fixture/models", test_fixture_models);
  return g_test_run ();
}
