/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writes whose answer is lost (issue 11, item 4): a fake DynamoDB on
 * 127.0.0.1 backed by the memory engine applies each request, then answers
 * as the script says: normally, or with the answer lost (HTTP 500, the
 * connection dropped, a corrupted body) after or before applying it. The
 * transport must report what really happened: success when the stored item
 * is the one the call wrote, a refusal only when the write was refused, and
 * DYNAMORM_ERROR_OUTCOME_UNKNOWN when it cannot be told. */
#include <string.h>

#include "ddb-engine.h"
#include "fake-server.h"
#include "test-utils.h"

#define TABLE "{\"TableName\":\"tbl\",\"BillingMode\":\"PAY_PER_REQUEST\"," \
              "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]," \
              "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}]}"

/* What happens to each request, by index; past the end: "ok". */
typedef struct {
  DdbEngine *engine;
  const char *const *script;
} Fixture;

static void
respond_from_engine (Fixture           *fixture,
                     SoupServerMessage *msg,
                     gboolean           apply,
                     const char        *lost)
{
  const char *target = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "X-Amz-Target");
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonNode) request = json_from_string (g_bytes_get_data (body, NULL), NULL);
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *text = NULL;
  guint status = 0;

  if (apply)
    {
      response = ddb_engine_handle (fixture->engine, strchr (target, '.') + 1, request, &status);
      text = json_to_string (response, FALSE);
    }

  if (lost == NULL)
    fake_respond_json (msg, status, text, FALSE);
  else if (g_str_equal (lost, "500"))
    fake_respond_error (msg, 500, "InternalServerError", "Internal server error");
  else if (g_str_equal (lost, "drop"))
    fake_respond_raw (msg, NULL);
  else if (g_str_equal (lost, "crc"))
    fake_respond_json (msg, status, text, TRUE);
  else if (g_str_equal (lost, "throttle"))
    fake_respond_error (msg, 400, "ThrottlingException", "Rate of requests exceeds the allowed throughput.");
  else
    g_assert_not_reached ();
}

/* Script steps: "ok"; "500", "drop", "crc": applied, answer lost;
 * "500-unapplied", "drop-unapplied": not applied, answer lost; "throttle". */
static void
engine_handler (FakeServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                guint              index,
                gpointer           user_data)
{
  Fixture *fixture = user_data;
  const char *step = "ok";

  if (fixture->script != NULL && index < g_strv_length ((char **) fixture->script))
    step = fixture->script[index];

  if (g_str_equal (step, "ok"))
    respond_from_engine (fixture, msg, TRUE, NULL);
  else if (g_str_equal (step, "throttle"))
    respond_from_engine (fixture, msg, FALSE, "throttle");
  else if (g_str_has_suffix (step, "-unapplied"))
    {
      g_autofree char *lost = g_strndup (step, strlen (step) - strlen ("-unapplied"));
      respond_from_engine (fixture, msg, FALSE, lost);
    }
  else
    respond_from_engine (fixture, msg, TRUE, step);
}

static JsonNode *
engine_call (Fixture    *fixture,
             const char *operation,
             const char *json)
{
  g_autoptr(JsonNode) request = test_json (json);
  guint status = 0;
  JsonNode *response = ddb_engine_handle (fixture->engine, operation, request, &status);

  if (status != 200)
    g_error ("%s: %s", operation, json_to_string (response, FALSE));
  return response;
}

typedef struct {
  Fixture fixture;
  FakeServer *server;
  DynamormBackend *backend;
} Setup;

static void
setup_start (Setup             *setup,
             const char *const *script,
             guint              max_attempts)
{
  g_autoptr(DynamormRetryPolicy) policy = test_policy_new (max_attempts, 5);
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(JsonNode) created = NULL;

  setup->fixture.engine = ddb_engine_new ();
  setup->fixture.script = script;
  created = engine_call (&setup->fixture, "CreateTable", TABLE);
  setup->server = fake_server_new (engine_handler, &setup->fixture);
  /* A short timeout for the "silent" cases; the rest answer at once. */
  uri = fake_server_local_uri (setup->server, "timeout=2");
  setup->backend = test_backend_new (uri, policy, NULL, &error);
  g_assert_no_error (error);
}

static void
setup_stop (Setup *setup)
{
  g_clear_object (&setup->backend);
  fake_server_free (setup->server);
  ddb_engine_unref (setup->fixture.engine);
}

static JsonNode *
invoke (Setup       *setup,
        const char  *operation,
        const char  *json,
        gboolean     async,
        GError     **error)
{
  g_autoptr(JsonNode) request = test_json (json);

  if (async)
    return test_invoke_async_wait (setup->backend, operation, request, NULL, error);
  return dynamorm_backend_invoke (setup->backend, operation, request, NULL, error);
}

/* The stored item with id, as JSON text ("" when absent). */
static char *
stored (Setup      *setup,
        const char *id)
{
  g_autofree char *json = g_strdup_printf ("{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"%s\"}}}", id);
  g_autoptr(JsonNode) response = engine_call (&setup->fixture, "GetItem", json);
  JsonNode *item = json_object_get_member (json_node_get_object (response), "Item");

  return item ? json_to_string (item, FALSE) : g_strdup ("");
}

static const char *
sent_member (Setup      *setup,
             guint       index,
             const char *name)
{
  static char value[64];
  g_autoptr(FakeRequest) seen = fake_server_get_request (setup->server, index);
  g_autoptr(JsonNode) body = json_from_string (g_bytes_get_data (seen->body, NULL), NULL);
  const char *text = json_object_get_string_member_with_default (json_node_get_object (body), name, "");

  g_strlcpy (value, text, sizeof value);
  return value;
}

#define INSERT "{\"TableName\":\"tbl\",\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"},\"s\":{\"SS\":[\"y\",\"x\"]}}," \
               "\"ConditionExpression\":\"attribute_not_exists(id)\"}"

/* The case: an insert whose first answer was lost after it was
 * applied succeeds, however the answer was lost. The retry asked for the
 * stored item, and that item is the one the insert wrote (numbers and sets
 * compared as DynamoDB does). */
static void
check_insert_answer_lost (const char *how,
                          gboolean    async)
{
  const char *const script[] = { how, NULL };
  Setup setup;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *item = NULL;

  g_test_message ("answer lost by %s, %s", how, async ? "async" : "sync");
  setup_start (&setup, script, 3);
  response = invoke (&setup, "PutItem", INSERT, async, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_cmpuint (fake_server_count (setup.server), ==, 2);
  g_assert_cmpstr (sent_member (&setup, 0, "ReturnValuesOnConditionCheckFailure"), ==, "");
  g_assert_cmpstr (sent_member (&setup, 1, "ReturnValuesOnConditionCheckFailure"), ==, "ALL_OLD");
  item = stored (&setup, "a");
  g_assert_nonnull (strstr (item, "\"1.5\""));
  setup_stop (&setup);
}

static void
test_insert_answer_lost (void)
{
  static const char *const hows[] = { "500", "drop", "crc" };

  for (guint i = 0; i < G_N_ELEMENTS (hows); i++)
    {
      check_insert_answer_lost (hows[i], FALSE);
      check_insert_answer_lost (hows[i], TRUE);
    }
}

/* The answer was lost before anything was applied: the retry inserts. */
static void
test_insert_lost_unapplied (void)
{
  const char *const script[] = { "drop-unapplied", "500-unapplied", NULL };
  Setup setup;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *item = NULL;

  setup_start (&setup, script, 4);
  response = invoke (&setup, "PutItem", INSERT, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fake_server_count (setup.server), ==, 3);
  item = stored (&setup, "a");
  g_assert_cmpstr (item, !=, "");
  setup_stop (&setup);
}

/* Another item was there: the insert was refused, lost answer or not, and
 * says so with the stored item. */
static void
test_insert_really_refused (void)
{
  const char *const script[] = { "500", NULL };
  Setup setup;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autofree char *item = NULL;
  JsonNode *body;

  setup_start (&setup, script, 3);
  other = engine_call (&setup.fixture, "PutItem", "{\"TableName\":\"tbl\",\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"7\"}}}");
  response = invoke (&setup, "PutItem", INSERT, FALSE, &error);
  g_assert_null (response);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  body = dynamorm_error_get_response (error);
  g_assert_nonnull (body);
  g_assert_true (json_object_has_member (json_node_get_object (body), "Item"));
  item = stored (&setup, "a");
  g_assert_nonnull (strstr (item, "\"7\""));
  setup_stop (&setup);
}

/* No answer was lost (a throttle is an answer): a failed condition is a
 * refusal, not looked at again. */
static void
test_throttle_then_refused (void)
{
  const char *const script[] = { "throttle", NULL };
  Setup setup;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(JsonNode) same = NULL;

  setup_start (&setup, script, 3);
  same = engine_call (&setup.fixture, "PutItem",
                      "{\"TableName\":\"tbl\",\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"},\"s\":{\"SS\":[\"y\",\"x\"]}}}");
  response = invoke (&setup, "PutItem", INSERT, FALSE, &error);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_assert_cmpstr (sent_member (&setup, 1, "ReturnValuesOnConditionCheckFailure"), ==, "");
  setup_stop (&setup);
}

/* A conditional delete applied by the lost attempt: the item is gone, the
 * retry's condition fails against nothing, the delete is done. */
static void
test_delete_answer_lost (void)
{
  const char *const script[] = { "500", NULL };
  Setup setup;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(JsonNode) put = NULL;
  g_autofree char *item = NULL;

  setup_start (&setup, script, 3);
  put = engine_call (&setup.fixture, "PutItem", "{\"TableName\":\"tbl\",\"Item\":{\"id\":{\"S\":\"a\"},\"v\":{\"N\":\"3\"}}}");
  response = invoke (&setup, "DeleteItem",
                     "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}},\"ConditionExpression\":\"v = :v\","
                     "\"ExpressionAttributeValues\":{\":v\":{\"N\":\"3\"}}}", FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  item = stored (&setup, "a");
  g_assert_cmpstr (item, ==, "");
  setup_stop (&setup);
}

/* A conditional update whose answer was lost, retried into a failed
 * condition: whether it was applied cannot be told from the stored item.
 * Unknown, with the stored item at hand. */
static void
test_conditional_update_unknown (void)
{
  const char *const script[] = { "drop", NULL };
  Setup setup;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(JsonNode) put = NULL;
  JsonNode *body;

  setup_start (&setup, script, 3);
  put = engine_call (&setup.fixture, "PutItem", "{\"TableName\":\"tbl\",\"Item\":{\"id\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}}");
  response = invoke (&setup, "UpdateItem",
                     "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}},\"UpdateExpression\":\"SET v = :two\","
                     "\"ConditionExpression\":\"v = :one\","
                     "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},\":two\":{\"N\":\"2\"}}}", FALSE, &error);
  g_assert_null (response);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_OUTCOME_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "may or may not have been applied"));
  g_assert_cmpstr (dynamorm_error_get_service_error (error), ==, "ConditionalCheckFailedException");
  body = dynamorm_error_get_response (error);
  g_assert_nonnull (body);
  g_assert_true (json_object_has_member (json_node_get_object (body), "Item"));
  g_assert_false (dynamorm_error_is_retryable (error));
  setup_stop (&setup);
}

/* An increment is never sent twice after a lost answer: once applied, a
 * second copy would count twice. */
static void
test_increment_not_repeated (void)
{
  static const char *const updates[] = {
    "\"UpdateExpression\":\"ADD n :one\"",
    "\"UpdateExpression\":\"SET n = if_not_exists(n, :zero) + :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},\":zero\":{\"N\":\"0\"}}",
    "\"UpdateExpression\":\"SET #l = list_append(#l, :one)\",\"ExpressionAttributeNames\":{\"#l\":\"l\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (updates); i++)
    {
      const char *const script[] = { "500", NULL };
      Setup setup;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) response = NULL;
      g_autofree char *json = NULL;

      setup_start (&setup, script, 3);
      if (i == 0)
        json = g_strdup_printf ("{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}},%s,"
                                "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}", updates[i]);
      else if (i == 1)
        json = g_strdup_printf ("{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}},%s}", updates[i]);
      else
        json = g_strdup_printf ("{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}},%s,"
                                "\"ExpressionAttributeValues\":{\":one\":{\"L\":[{\"N\":\"1\"}]}}}", updates[i]);
      g_test_message ("%s", json);
      response = invoke (&setup, "UpdateItem", json, FALSE, &error);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_OUTCOME_UNKNOWN);
      g_assert_cmpuint (fake_server_count (setup.server), ==, 1);
      setup_stop (&setup);
    }
}

/* An update that sets values only may be sent again: it leaves the same
 * item however many times it is applied. */
static void
test_plain_set_repeated (void)
{
  const char *const script[] = { "500", NULL };
  Setup setup;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;

  setup_start (&setup, script, 3);
  response = invoke (&setup, "UpdateItem",
                     "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}},"
                     "\"UpdateExpression\":\"SET #a = :v, b = :w REMOVE d\","
                     "\"ExpressionAttributeNames\":{\"#a\":\"a\"},"
                     "\"ExpressionAttributeValues\":{\":v\":{\"N\":\"1\"},\":w\":{\"L\":[{\"N\":\"2\"}]}}}", FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_cmpuint (fake_server_count (setup.server), ==, 2);
  setup_stop (&setup);
}

/* Every answer lost: a write may have been applied, so it is unknown; a
 * read is just unavailable. */
static void
test_every_answer_lost (void)
{
  const char *const script[] = { "500", "drop", "500", NULL };
  Setup setup;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;

  setup_start (&setup, script, 3);
  response = invoke (&setup, "PutItem", "{\"TableName\":\"tbl\",\"Item\":{\"id\":{\"S\":\"a\"}}}", FALSE, &error);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_OUTCOME_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "Internal server error"));
  setup_stop (&setup);

  {
    const char *const unapplied[] = { "500-unapplied", "500-unapplied", NULL };

    g_clear_error (&error);
    setup_start (&setup, unapplied, 2);
    response = invoke (&setup, "GetItem", "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}}}", FALSE, &error);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_SERVICE_UNAVAILABLE);
    setup_stop (&setup);
  }
}

/* A transaction without a ClientRequestToken is not sent again after a
 * lost answer; with one, DynamoDB makes the retry safe. */
static void
test_transaction_token (void)
{
  const char *const script[] = { "500", NULL };
  Setup setup;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;

  setup_start (&setup, script, 3);
  response = invoke (&setup, "TransactWriteItems",
                     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}},"
                     "\"UpdateExpression\":\"ADD n :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}}]}",
                     FALSE, &error);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_OUTCOME_UNKNOWN);
  g_assert_cmpuint (fake_server_count (setup.server), ==, 1);
  setup_stop (&setup);

  g_clear_error (&error);
  setup_start (&setup, script, 3);
  response = invoke (&setup, "TransactWriteItems",
                     "{\"ClientRequestToken\":\"tok\",\"TransactItems\":[{\"Update\":{\"TableName\":\"tbl\","
                     "\"Key\":{\"id\":{\"S\":\"a\"}},\"UpdateExpression\":\"ADD n :one\","
                     "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}}]}",
                     FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fake_server_count (setup.server), ==, 2);
  {
    g_autofree char *item = stored (&setup, "a");
    g_assert_nonnull (strstr (item, "{\"N\":\"1\"}"));
  }
  setup_stop (&setup);
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_clear_aws_env ();

  g_test_add_func ("/dynamorm/http/lost-answer/insert", test_insert_answer_lost);
  g_test_add_func ("/dynamorm/http/lost-answer/insert-unapplied", test_insert_lost_unapplied);
  g_test_add_func ("/dynamorm/http/lost-answer/insert-refused", test_insert_really_refused);
  g_test_add_func ("/dynamorm/http/lost-answer/throttle-then-refused", test_throttle_then_refused);
  g_test_add_func ("/dynamorm/http/lost-answer/delete", test_delete_answer_lost);
  g_test_add_func ("/dynamorm/http/lost-answer/conditional-update", test_conditional_update_unknown);
  g_test_add_func ("/dynamorm/http/lost-answer/increment-not-repeated", test_increment_not_repeated);
  g_test_add_func ("/dynamorm/http/lost-answer/plain-set-repeated", test_plain_set_repeated);
  g_test_add_func ("/dynamorm/http/lost-answer/every-answer-lost", test_every_answer_lost);
  g_test_add_func ("/dynamorm/http/lost-answer/transaction-token", test_transaction_token);

  return g_test_run ();
}
