/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The local backend against a real DynamoDB Local. The URI comes from
 * DYNAMORM_LOCAL_URI (scripts/ddblocal.sh start prints one); every test is
 * skipped when it is unset or nothing answers there. */
#include <string.h>

#include "test-utils.h"

static char *local_uri;

static DynamormBackend *
connect_or_skip (void)
{
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) response = NULL;

  if (local_uri == NULL)
    {
      g_test_skip ("DYNAMORM_LOCAL_URI is not set; run: export DYNAMORM_LOCAL_URI=$(scripts/ddblocal.sh start)");
      return NULL;
    }

  /* Probe once, without retries, so that an absent server skips quickly. */
  {
    g_autofree char *probe_uri = g_strconcat (local_uri, strchr (local_uri, '?') ? "&" : "?",
                                              "max_attempts=1&timeout=5", NULL);
    g_autoptr(DynamormBackend) probe = dynamorm_backend_new_for_uri (probe_uri, NULL, &error);

    g_assert_no_error (error);
    request = test_json ("{\"Limit\":1}");
    response = dynamorm_backend_invoke (probe, "ListTables", request, NULL, &error);
  }
  if (g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK))
    {
      g_autofree char *why = g_strdup_printf ("DynamoDB Local at %s is unreachable: %s", local_uri, error->message);
      g_test_skip (why);
      return NULL;
    }
  g_assert_no_error (error);

  backend = dynamorm_backend_new_for_uri (local_uri, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&backend);
}

static JsonNode *
call (DynamormBackend  *backend,
      gboolean          async,
      const char       *operation,
      const char       *json,
      GError          **error)
{
  g_autoptr(JsonNode) request = test_json (json);

  if (async)
    return test_invoke_async_wait (backend, operation, request, NULL, error);
  return dynamorm_backend_invoke (backend, operation, request, NULL, error);
}

static JsonNode *
call_ok (DynamormBackend *backend,
         gboolean         async,
         const char      *operation,
         const char      *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *response = call (backend, async, operation, json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (response));
  return response;
}

static void
call_fails (DynamormBackend *backend,
            gboolean         async,
            const char      *operation,
            const char      *json,
            int              code,
            const char      *service_error)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = call (backend, async, operation, json, &error);

  g_test_message ("%s: %s", operation, error ? error->message : "(no error)");
  g_assert_null (response);
  g_assert_error (error, DYNAMORM_ERROR, code);
  g_assert_cmpstr (dynamorm_error_get_service_error (error), ==, service_error);
}

static char *
unique_table (const char *prefix)
{
  return g_strdup_printf ("dynamorm_%s_%08x%08x", prefix, g_random_int (), g_random_int ());
}

static char *
fmt (const char *format,
     const char *table)
{
  g_autoptr(GString) str = g_string_new (format);

  g_string_replace (str, "$T", table, 0);
  return g_string_free (g_steal_pointer (&str), FALSE);
}

static const char *
item_string (JsonObject *item,
             const char *name)
{
  JsonObject *av = json_object_get_object_member (item, name);

  g_assert_nonnull (av);
  return json_object_get_string_member (av, json_object_has_member (av, "S") ? "S" : "N");
}

typedef struct {
  DynamormBackend *backend;
  gboolean async;
  const char *table;
  JsonNode *response;   /* of the last step */
} Steps;

static JsonObject *
step_ok (Steps      *steps,
         const char *operation,
         const char *text)
{
  g_autofree char *json = fmt (text, steps->table);

  g_clear_pointer (&steps->response, json_node_unref);
  steps->response = call_ok (steps->backend, steps->async, operation, json);
  return json_node_get_object (steps->response);
}

static void
step_fails (Steps      *steps,
            const char *operation,
            const char *text,
            int         code,
            const char *service_error)
{
  g_autofree char *json = fmt (text, steps->table);

  call_fails (steps->backend, steps->async, operation, json, code, service_error);
}

static void
check_round_trip (gboolean async)
{
  g_autoptr(DynamormBackend) backend = connect_or_skip ();
  g_autofree char *table = unique_table (async ? "async" : "sync");
  Steps steps = { backend, async, table, NULL };
  JsonObject *obj;
  JsonArray *names;
  gboolean listed = FALSE;

  if (backend == NULL)
    return;

#define CALL_OK(op, text) step_ok (&steps, op, text)
#define CALL_FAILS(op, text, code, name) step_fails (&steps, op, text, code, name)

  obj = CALL_OK ("CreateTable",
                 "{\"TableName\":\"$T\",\"BillingMode\":\"PAY_PER_REQUEST\","
                 "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
                 "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],"
                 "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
                 "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}]}");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj, "TableDescription"), "TableName"),
                   ==, table);

  obj = CALL_OK ("DescribeTable", "{\"TableName\":\"$T\"}");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj, "Table"), "TableStatus"),
                   ==, "ACTIVE");

  obj = CALL_OK ("ListTables", "{}");
  names = json_object_get_array_member (obj, "TableNames");
  for (guint i = 0; i < json_array_get_length (names); i++)
    listed |= g_str_equal (json_array_get_string_element (names, i), table);
  g_assert_true (listed);

  CALL_OK ("PutItem",
           "{\"TableName\":\"$T\",\"Item\":{\"pk\":{\"S\":\"user#1\"},\"sk\":{\"N\":\"1\"},"
           "\"name\":{\"S\":\"Ada ✓\"},\"count\":{\"N\":\"41\"},\"tags\":{\"SS\":[\"a\",\"b\"]}}}");

  obj = CALL_OK ("GetItem", "{\"TableName\":\"$T\",\"Key\":{\"pk\":{\"S\":\"user#1\"},\"sk\":{\"N\":\"1\"}},"
                            "\"ConsistentRead\":true}");
  g_assert_cmpstr (item_string (json_object_get_object_member (obj, "Item"), "name"), ==, "Ada ✓");

  obj = CALL_OK ("UpdateItem",
                 "{\"TableName\":\"$T\",\"Key\":{\"pk\":{\"S\":\"user#1\"},\"sk\":{\"N\":\"1\"}},"
                 "\"UpdateExpression\":\"SET #c = #c + :one\",\"ExpressionAttributeNames\":{\"#c\":\"count\"},"
                 "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}},\"ReturnValues\":\"ALL_NEW\"}");
  g_assert_cmpstr (item_string (json_object_get_object_member (obj, "Attributes"), "count"), ==, "42");

  /* A failed condition is CONDITION_FAILED, and is not retried. */
  CALL_FAILS ("PutItem",
              "{\"TableName\":\"$T\",\"Item\":{\"pk\":{\"S\":\"user#1\"},\"sk\":{\"N\":\"1\"}},"
              "\"ConditionExpression\":\"attribute_not_exists(pk)\"}",
              DYNAMORM_ERROR_CONDITION_FAILED, "ConditionalCheckFailedException");

  obj = CALL_OK ("DeleteItem",
                 "{\"TableName\":\"$T\",\"Key\":{\"pk\":{\"S\":\"user#1\"},\"sk\":{\"N\":\"1\"}},"
                 "\"ReturnValues\":\"ALL_OLD\"}");
  g_assert_cmpstr (item_string (json_object_get_object_member (obj, "Attributes"), "count"), ==, "42");

  obj = CALL_OK ("GetItem", "{\"TableName\":\"$T\",\"Key\":{\"pk\":{\"S\":\"user#1\"},\"sk\":{\"N\":\"1\"}}}");
  g_assert_false (json_object_has_member (obj, "Item"));

  /* Errors DynamoDB Local answers, mapped. */
  CALL_FAILS ("CreateTable",
              "{\"TableName\":\"$T\",\"BillingMode\":\"PAY_PER_REQUEST\","
              "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
              "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}",
              DYNAMORM_ERROR_RESOURCE_IN_USE, "ResourceInUseException");
  CALL_FAILS ("GetItem", "{\"TableName\":\"$T\",\"Key\":{\"pk\":{\"S\":\"user#1\"}}}",
              DYNAMORM_ERROR_VALIDATION, "ValidationException");

  CALL_OK ("DeleteTable", "{\"TableName\":\"$T\"}");
  CALL_FAILS ("DescribeTable", "{\"TableName\":\"$T\"}",
              DYNAMORM_ERROR_RESOURCE_NOT_FOUND, "ResourceNotFoundException");
  CALL_FAILS ("GetItem", "{\"TableName\":\"$T\",\"Key\":{\"pk\":{\"S\":\"x\"},\"sk\":{\"N\":\"1\"}}}",
              DYNAMORM_ERROR_RESOURCE_NOT_FOUND, "ResourceNotFoundException");

#undef CALL_OK
#undef CALL_FAILS
  g_clear_pointer (&steps.response, json_node_unref);
}

static void
test_round_trip (void)
{
  check_round_trip (FALSE);
}

static void
test_round_trip_async (void)
{
  check_round_trip (TRUE);
}

static void
test_unknown_operation (void)
{
  g_autoptr(DynamormBackend) backend = connect_or_skip ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;

  if (backend == NULL)
    return;
  response = call (backend, FALSE, "NoSuchOperation", "{}", &error);
  g_test_message ("%s", error ? error->message : "(no error)");
  g_assert_null (response);
  g_assert_nonnull (error);
  g_assert_true (error->domain == DYNAMORM_ERROR);
  g_assert_cmpint (error->code, !=, DYNAMORM_ERROR_NETWORK);
}

#define N_THREADS 8
#define N_ITEMS 20

typedef struct {
  DynamormBackend *backend;
  const char *table;
  guint id;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  for (guint i = 0; i < N_ITEMS; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"TableName\":\"%s\",\"Item\":{\"pk\":{\"S\":\"t%u\"},"
                                               "\"sk\":{\"N\":\"%u\"}}}", worker->table, worker->id, i);
      g_autoptr(JsonNode) response = call_ok (worker->backend, i % 2, "PutItem", json);
    }
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(DynamormBackend) backend = connect_or_skip ();
  g_autofree char *table = unique_table ("threads");
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) response = NULL;
  Worker workers[N_THREADS];
  GThread *threads[N_THREADS];

  if (backend == NULL)
    return;

  json = fmt ("{\"TableName\":\"$T\",\"BillingMode\":\"PAY_PER_REQUEST\","
              "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
              "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],"
              "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
              "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}]}", table);
  response = call_ok (backend, FALSE, "CreateTable", json);

  for (guint i = 0; i < N_THREADS; i++)
    {
      workers[i] = (Worker) { backend, table, i };
      threads[i] = g_thread_new ("worker", worker_thread, &workers[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  g_clear_pointer (&json, g_free);
  g_clear_pointer (&response, json_node_unref);
  json = fmt ("{\"TableName\":\"$T\",\"Select\":\"COUNT\",\"ConsistentRead\":true}", table);
  response = call_ok (backend, FALSE, "Scan", json);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (response), "Count"), ==, N_THREADS * N_ITEMS);

  g_clear_pointer (&json, g_free);
  g_clear_pointer (&response, json_node_unref);
  json = fmt ("{\"TableName\":\"$T\"}", table);
  response = call_ok (backend, FALSE, "DeleteTable", json);
}

int
main (int    argc,
      char **argv)
{
  const char *uri;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  uri = g_getenv ("DYNAMORM_LOCAL_URI");
  if (uri != NULL && *uri != '\0')
    local_uri = g_strdup (uri);

  g_test_add_func ("/dynamorm/local/round-trip", test_round_trip);
  g_test_add_func ("/dynamorm/local/round-trip-async", test_round_trip_async);
  g_test_add_func ("/dynamorm/local/unknown-operation", test_unknown_operation);
  g_test_add_func ("/dynamorm/local/threads", test_threads);

  return g_test_run ();
}
