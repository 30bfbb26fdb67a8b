/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HTTP transport against an in-thread fake DynamoDB on 127.0.0.1:
 * the wire format, retries with backoff, CRC32, broken answers, timeouts,
 * cancellation, threads and log redaction. */
#include <string.h>

#include "fake-server.h"
#include "test-utils.h"

#define LIST_TABLES_OK "{\"TableNames\":[\"a\",\"b\"]}"

/* ---- handlers ------------------------------------------------------------ */

static void
ok_handler (FakeServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            guint              index,
            gpointer           user_data)
{
  fake_respond_json (msg, 200, LIST_TABLES_OK, FALSE);
}

/* Fails the first `failures` requests the way `mode` says, then answers. */
typedef struct {
  const char *mode;
  guint failures;
} Script;

static void
script_handler (FakeServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                guint              index,
                gpointer           user_data)
{
  const Script *script = user_data;
  const char *mode = script->mode;

  if (index >= script->failures)
    {
      fake_respond_json (msg, 200, LIST_TABLES_OK, FALSE);
      return;
    }

  if (g_str_equal (mode, "throttle"))
    fake_respond_error (msg, 400, "ThrottlingException", "Rate of requests exceeds the allowed throughput.");
  else if (g_str_equal (mode, "provisioned"))
    fake_respond_error (msg, 400, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.");
  else if (g_str_equal (mode, "500"))
    fake_respond_error (msg, 500, "InternalServerError", "Internal server error");
  else if (g_str_equal (mode, "503-html"))
    fake_respond_text (msg, 503, "text/html", "<html><body>Service Unavailable</body></html>");
  else if (g_str_equal (mode, "crc"))
    fake_respond_json (msg, 200, LIST_TABLES_OK, TRUE);
  else if (g_str_equal (mode, "drop"))
    fake_respond_raw (msg, NULL);
  else if (g_str_equal (mode, "truncated"))
    fake_respond_raw (msg, "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                           "Content-Length: 100\r\n\r\n{\"TableNa");
  else if (g_str_equal (mode, "truncated-json"))
    fake_respond_text (msg, 200, "application/x-amz-json-1.0", "{\"TableNames\":[\"a\"");
  else if (g_str_equal (mode, "html"))
    fake_respond_text (msg, 200, "text/html", "<html>not dynamodb</html>");
  else if (g_str_equal (mode, "404"))
    fake_respond_text (msg, 404, "text/plain", "Not Found");
  else if (g_str_equal (mode, "validation"))
    fake_respond_error (msg, 400, "ValidationException", "1 validation error detected");
  else if (g_str_equal (mode, "condition"))
    fake_respond_error (msg, 400, "ConditionalCheckFailedException", "The conditional request failed");
  else if (g_str_equal (mode, "unknown"))
    fake_respond_error (msg, 400, "com.example.weird#WeirdException", "Something odd");
  else if (g_str_equal (mode, "silent"))
    fake_never_answer (server, msg);
  else
    g_assert_not_reached ();
}

/* ---- helpers ------------------------------------------------------------- */

static DynamormBackend *
local_backend (FakeServer          *server,
               const char          *options,
               DynamormRetryPolicy *policy)
{
  g_autofree char *uri = fake_server_local_uri (server, options);
  g_autoptr(GError) error = NULL;
  DynamormBackend *backend = test_backend_new (uri, policy, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (backend);
  return backend;
}

static JsonNode *
list_tables (DynamormBackend  *backend,
             gboolean          async,
             GCancellable     *cancellable,
             GError          **error)
{
  g_autoptr(JsonNode) request = test_json ("{}");

  if (async)
    return test_invoke_async_wait (backend, "ListTables", request, cancellable, error);
  return dynamorm_backend_invoke (backend, "ListTables", request, cancellable, error);
}

static void
assert_list_tables_ok (JsonNode *response)
{
  JsonObject *obj;

  g_assert_nonnull (response);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (response));
  obj = json_node_get_object (response);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "TableNames")), ==, 2);
}

/* ---- the wire format ------------------------------------------------------ */

static void
check_wire_format (gboolean async)
{
  FakeServer *server = fake_server_new (ok_handler, NULL);
  g_autoptr(DynamormBackend) backend = local_backend (server, NULL, NULL);
  g_autoptr(JsonNode) request = test_json ("{\"TableName\":\"T\",\"Key\":{\"pk\":{\"S\":\"é\"}}}");
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(FakeRequest) seen = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) sent = NULL;
  const char *authorization;
  gsize len;
  const char *data;

  if (async)
    response = test_invoke_async_wait (backend, "GetItem", request, NULL, &error);
  else
    response = dynamorm_backend_invoke (backend, "GetItem", request, NULL, &error);
  g_assert_no_error (error);
  assert_list_tables_ok (response);

  g_assert_cmpuint (fake_server_count (server), ==, 1);
  seen = fake_server_get_request (server, 0);
  g_assert_cmpstr (seen->method, ==, "POST");
  g_assert_cmpstr (seen->path, ==, "/");
  g_assert_cmpstr (g_hash_table_lookup (seen->headers, "x-amz-target"), ==, "DynamoDB_20120810.GetItem");
  g_assert_cmpstr (g_hash_table_lookup (seen->headers, "content-type"), ==, "application/x-amz-json-1.0");
  g_assert_cmpstr (g_hash_table_lookup (seen->headers, "accept-encoding"), ==, "identity");
  g_assert_nonnull (g_hash_table_lookup (seen->headers, "x-amz-date"));
  g_assert_null (g_hash_table_lookup (seen->headers, "x-amz-security-token"));
  authorization = g_hash_table_lookup (seen->headers, "authorization");
  g_assert_nonnull (authorization);
  /* DynamoDB Local wants an alphanumeric access key id. */
  g_assert_true (g_str_has_prefix (authorization, "AWS4-HMAC-SHA256 Credential=dynamormlocal/"));
  g_assert_nonnull (strstr (authorization, "/us-east-1/dynamodb/aws4_request, "
                                           "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="));

  data = g_bytes_get_data (seen->body, &len);
  sent = json_from_string (data, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (sent, request));

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_wire_format (void)
{
  check_wire_format (FALSE);
}

static void
test_wire_format_async (void)
{
  check_wire_format (TRUE);
}

static void
test_keep_alive (void)
{
  FakeServer *server = fake_server_new (ok_handler, NULL);
  g_autoptr(DynamormBackend) backend = local_backend (server, NULL, NULL);

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) response = list_tables (backend, i % 2, NULL, &error);

      g_assert_no_error (error);
      assert_list_tables_ok (response);
    }
  g_assert_cmpuint (fake_server_count (server), ==, 5);

  /* One connection for all five, sync and async alike. */
  for (guint i = 1; i < 5; i++)
    {
      g_autoptr(FakeRequest) first = fake_server_get_request (server, 0);
      g_autoptr(FakeRequest) later = fake_server_get_request (server, i);

      g_assert_cmpuint (first->remote_port, !=, 0);
      g_assert_cmpuint (later->remote_port, ==, first->remote_port);
    }

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_http_scheme (void)
{
  FakeServer *server = fake_server_new (ok_handler, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBackend) backend = dynamorm_backend_new_for_uri (fake_server_get_url (server), NULL, &error);
  g_autoptr(JsonNode) response = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (backend);
  response = list_tables (backend, FALSE, NULL, &error);
  g_assert_no_error (error);
  assert_list_tables_ok (response);

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_uri_errors (void)
{
  static const struct {
    const char *uri;
    const char *fragment;
  } cases[] = {
    { "local://127.0.0.1:8000?timout=3", "timout" },
    { "local://127.0.0.1:8000?timeout=soon", "seconds" },
    { "local://127.0.0.1:8000?max_attempts=0", "max_attempts" },
    { "local://127.0.0.1:8000/some/path", "path" },
    { "aws://Not_A_Region", "region" },
    { "aws://eu-west-1?endpoint=ftp://example.com", "ftp://example.com" },
    { "aws://eu-west-1?profile=", "profile" },
    { "aws://eu-west-1?streams_endpoint=ftp://example.com", "streams_endpoint" },
  };

  test_clear_aws_env ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DynamormBackend) backend = dynamorm_backend_new_for_uri (cases[i].uri, NULL, &error);

      g_test_message ("%s", cases[i].uri);
      g_assert_null (backend);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i].fragment));
    }
}

/* Plain http to a host off this machine: one warning per endpoint, at
 * creation; loopback endpoints (DynamoDB Local, test servers) stay quiet. */
static void
test_cleartext_warning (void)
{
  static const char *const quiet[] = {
    "aws://eu-west-1?endpoint=http://127.0.0.1:8000",
    "aws://eu-west-1?endpoint=http://127.3.4.5",
    "aws://eu-west-1?endpoint=http://localhost:8000/",
    "aws://eu-west-1?endpoint=http://db.localhost:8000/",
    "aws://eu-west-1?endpoint=http://[::1]:8000/",
    "aws://eu-west-1?endpoint=https://dynamodb.example.com/",
    "aws://eu-west-1",
  };
  static const char *const loud[] = {
    "aws://eu-west-1?endpoint=http://dynamodb.example.com/",
    "aws://eu-west-1?endpoint=http://10.1.2.3:8000",
    "aws://eu-west-1?endpoint=http://[2001:db8::1]:8000",
  };

  test_clear_aws_env ();
  for (guint i = 0; i < G_N_ELEMENTS (quiet); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DynamormBackend) backend = dynamorm_backend_new_for_uri (quiet[i], NULL, &error);

      /* An unexpected warning is fatal in a test. */
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (loud); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DynamormBackend) backend = NULL;
      g_autoptr(DynamormBackend) again = NULL;

      g_test_expect_message ("Dynamorm", G_LOG_LEVEL_WARNING, "*plain http*in clear*https://*");
      backend = dynamorm_backend_new_for_uri (loud[i], NULL, &error);
      g_assert_no_error (error);
      g_test_assert_expected_messages ();
      /* Once per endpoint: a second session on it says nothing more. */
      again = dynamorm_backend_new_for_uri (loud[i], NULL, &error);
      g_assert_no_error (error);
    }
}

static void
test_region_resolution (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBackend) backend = NULL;

  test_clear_aws_env ();
  backend = dynamorm_backend_new_for_uri ("aws://", NULL, &error);
  g_assert_null (backend);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "AWS_REGION"));
  g_assert_nonnull (strstr (error->message, "AWS_DEFAULT_REGION"));
  g_clear_error (&error);

  /* Creating a backend does no I/O: no credentials needed yet. */
  g_setenv ("AWS_DEFAULT_REGION", "eu-north-1", TRUE);
  backend = dynamorm_backend_new_for_uri ("aws://", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (backend);
  g_clear_object (&backend);
  test_clear_aws_env ();
}

/* ---- retries --------------------------------------------------------------- */

static void
check_retried_then_ok (const char *mode,
                       guint       failures,
                       gboolean    async)
{
  Script script = { mode, failures };
  FakeServer *server = fake_server_new (script_handler, &script);
  g_autoptr(DynamormRetryPolicy) policy = test_policy_new (failures + 1, 20);
  g_autoptr(DynamormBackend) backend = local_backend (server, NULL, policy);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = list_tables (backend, async, NULL, &error);

  g_test_message ("%s × %u, %s", mode, failures, async ? "async" : "sync");
  g_assert_no_error (error);
  assert_list_tables_ok (response);
  g_assert_cmpuint (fake_server_count (server), ==, failures + 1);

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_retried (void)
{
  static const char * const modes[] = { "throttle", "provisioned", "500", "503-html", "crc", "drop", "truncated" };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      check_retried_then_ok (modes[i], 2, FALSE);
      check_retried_then_ok (modes[i], 2, TRUE);
    }
}

/* The gaps between attempts follow the policy: 100, 200, 400 ms. */
static void
check_backoff_delays (gboolean async)
{
  Script script = { "throttle", 3 };
  FakeServer *server = fake_server_new (script_handler, &script);
  g_autoptr(DynamormRetryPolicy) policy = test_policy_new (4, 100);
  g_autoptr(DynamormBackend) backend = local_backend (server, NULL, policy);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = list_tables (backend, async, NULL, &error);
  const gint64 expected_ms[] = { 100, 200, 400 };

  g_assert_no_error (error);
  assert_list_tables_ok (response);
  g_assert_cmpuint (fake_server_count (server), ==, 4);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(FakeRequest) a = fake_server_get_request (server, i);
      g_autoptr(FakeRequest) b = fake_server_get_request (server, i + 1);
      gint64 gap_ms = (b->received - a->received) / 1000;

      g_test_message ("gap %u: %" G_GINT64_FORMAT " ms, expected %" G_GINT64_FORMAT, i, gap_ms, expected_ms[i]);
      g_assert_cmpint (gap_ms, >=, expected_ms[i] - 5);
      g_assert_cmpint (gap_ms, <, expected_ms[i] + 400);
    }

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_backoff_delays (void)
{
  check_backoff_delays (FALSE);
}

static void
test_backoff_delays_async (void)
{
  check_backoff_delays (TRUE);
}

static void
check_exhausted (const char *mode,
                 guint       attempts,
                 GQuark      domain,
                 int         code,
                 gboolean    async)
{
  Script script = { mode, G_MAXUINT };
  FakeServer *server = fake_server_new (script_handler, &script);
  g_autoptr(DynamormRetryPolicy) policy = test_policy_new (3, 5);
  g_autoptr(DynamormBackend) backend = local_backend (server, NULL, policy);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = list_tables (backend, async, NULL, &error);

  g_test_message ("%s, %s: %s", mode, async ? "async" : "sync", error ? error->message : "(no error)");
  g_assert_null (response);
  g_assert_error (error, domain, code);
  g_assert_cmpuint (fake_server_count (server), ==, attempts);
  if (attempts > 1)
    g_assert_nonnull (strstr (error->message, "after 3 attempts"));

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_errors (void)
{
  static const struct {
    const char *mode;
    guint attempts;   /* with a 3-attempt policy */
    int code;
  } cases[] = {
    /* retried until the policy gives up */
    { "throttle", 3, DYNAMORM_ERROR_THROTTLED },
    { "500", 3, DYNAMORM_ERROR_SERVICE_UNAVAILABLE },
    { "503-html", 3, DYNAMORM_ERROR_SERVICE_UNAVAILABLE },
    { "crc", 3, DYNAMORM_ERROR_INVALID_RESPONSE },
    { "drop", 3, DYNAMORM_ERROR_NETWORK },
    { "truncated", 3, DYNAMORM_ERROR_INVALID_RESPONSE },
    /* never retried */
    { "validation", 1, DYNAMORM_ERROR_VALIDATION },
    { "condition", 1, DYNAMORM_ERROR_CONDITION_FAILED },
    { "unknown", 1, DYNAMORM_ERROR_FAILED },
    { "html", 1, DYNAMORM_ERROR_INVALID_RESPONSE },
    { "truncated-json", 1, DYNAMORM_ERROR_INVALID_RESPONSE },
    { "404", 1, DYNAMORM_ERROR_INVALID_RESPONSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      check_exhausted (cases[i].mode, cases[i].attempts, DYNAMORM_ERROR, cases[i].code, FALSE);
      check_exhausted (cases[i].mode, cases[i].attempts, DYNAMORM_ERROR, cases[i].code, TRUE);
    }
}

static void
test_service_error_details (void)
{
  Script script = { "unknown", G_MAXUINT };
  FakeServer *server = fake_server_new (script_handler, &script);
  g_autoptr(DynamormBackend) backend = local_backend (server, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = list_tables (backend, FALSE, NULL, &error);

  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED);
  g_assert_cmpstr (dynamorm_error_get_service_error (error), ==, "WeirdException");
  g_assert_nonnull (dynamorm_error_get_response (error));
  g_assert_nonnull (strstr (error->message, "Something odd"));

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_dropped_keeps_message (void)
{
  Script script = { "drop", G_MAXUINT };
  FakeServer *server = fake_server_new (script_handler, &script);
  g_autoptr(DynamormBackend) backend = local_backend (server, "max_attempts=1", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = list_tables (backend, FALSE, NULL, &error);

  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK);
  g_assert_cmpuint (fake_server_count (server), ==, 1);
  /* Says where, and keeps libsoup's reason. */
  g_assert_nonnull (strstr (error->message, fake_server_get_url (server)));
  g_assert_cmpuint (strlen (strstr (error->message, ": ") + 2), >, 5);

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_connection_refused (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *uri = NULL;
  gint64 start;

  /* A port that is bound but not listening refuses connections. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  uri = g_strdup_printf ("local://127.0.0.1:%u?max_attempts=2",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  backend = test_backend_new (uri, NULL, NULL, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  response = list_tables (backend, FALSE, NULL, &error);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "after 2 attempts"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

/* ---- timeouts and cancellation ------------------------------------------- */

/* A listener whose accept queue is full drops new SYNs on Linux, so a
 * connection attempt hangs: what an unreachable host looks like, without
 * leaving 127.0.0.1. */
static void
test_connect_timeout (void)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GPtrArray) fillers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *uri = NULL;
  gint64 start, elapsed;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (listener, 1);
  g_socket_bind (listener, any, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);

  /* Fill the queue with connections nobody accepts. */
  for (guint i = 0; i < 8; i++)
    {
      GSocket *filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

      g_socket_set_blocking (filler, FALSE);
      g_socket_connect (filler, bound, NULL, NULL);
      g_ptr_array_add (fillers, filler);
    }
  g_usleep (100 * 1000);

  uri = g_strdup_printf ("local://127.0.0.1:%u?connect_timeout=0.3&timeout=20&max_attempts=1",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  backend = test_backend_new (uri, NULL, NULL, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  response = list_tables (backend, FALSE, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%s after %" G_GINT64_FORMAT " ms", error ? error->message : "(no error)", elapsed / 1000);
  g_assert_null (response);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "connect"));
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);
}

static void
check_timeout (gboolean async)
{
  Script script = { "silent", G_MAXUINT };
  FakeServer *server = fake_server_new (script_handler, &script);
  g_autoptr(DynamormBackend) backend = local_backend (server, "timeout=0.5&max_attempts=2", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  response = list_tables (backend, async, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%s after %" G_GINT64_FORMAT " ms", error ? error->message : "", elapsed / 1000);
  g_assert_null (response);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "500 ms"));
  /* Two attempts of 0.5 s and a short backoff: nowhere near a hang. */
  g_assert_cmpint (elapsed, >=, 1000 * 1000 - 50 * 1000);
  g_assert_cmpint (elapsed, <, 4 * G_USEC_PER_SEC);
  g_assert_cmpuint (fake_server_count (server), ==, 2);

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_timeout (void)
{
  check_timeout (FALSE);
}

static void
test_timeout_async (void)
{
  check_timeout (TRUE);
}

static gpointer
cancel_later_thread (gpointer data)
{
  g_usleep (300 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* The policy waits 30 s before the retry; cancelling ends the wait at once. */
static void
check_cancel_during_retry_wait (gboolean async)
{
  Script script = { "throttle", G_MAXUINT };
  FakeServer *server = fake_server_new (script_handler, &script);
  g_autoptr(DynamormRetryPolicy) policy = test_policy_new (5, 30000);
  g_autoptr(DynamormBackend) backend = local_backend (server, NULL, policy);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  GThread *canceller;
  gint64 start = g_get_monotonic_time ();

  canceller = g_thread_new ("canceller", cancel_later_thread, cancellable);
  response = list_tables (backend, async, cancellable, &error);
  g_thread_join (canceller);

  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (fake_server_count (server), ==, 1);

  g_clear_object (&backend);
  fake_server_free (server);
}

static void
test_cancel_during_retry_wait (void)
{
  check_cancel_during_retry_wait (FALSE);
}

static void
test_cancel_during_retry_wait_async (void)
{
  check_cancel_during_retry_wait (TRUE);
}

static void
test_cancel_in_flight (void)
{
  Script script = { "silent", G_MAXUINT };
  FakeServer *server = fake_server_new (script_handler, &script);
  g_autoptr(DynamormBackend) backend = local_backend (server, NULL, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  GThread *canceller = g_thread_new ("canceller", cancel_later_thread, cancellable);
  gint64 start = g_get_monotonic_time ();

  response = list_tables (backend, FALSE, cancellable, &error);
  g_thread_join (canceller);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (fake_server_count (server), ==, 1);

  g_clear_object (&backend);
  fake_server_free (server);
}

/* ---- threads ------------------------------------------------------------------ */

#define N_THREADS 8
#define N_CALLS 25

static gpointer
hammer_thread (gpointer data)
{
  DynamormBackend *backend = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  /* Half sync, half async on the thread's own context. */
  g_main_context_push_thread_default (context);
  for (guint i = 0; i < N_CALLS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) response = list_tables (backend, i % 2, NULL, &error);

      g_assert_no_error (error);
      assert_list_tables_ok (response);
    }
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_threads (void)
{
  FakeServer *server = fake_server_new (ok_handler, NULL);
  g_autoptr(DynamormBackend) backend = local_backend (server, NULL, NULL);
  GThread *threads[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("caller", hammer_thread, backend);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (fake_server_count (server), ==, N_THREADS * N_CALLS);

  g_clear_object (&backend);
  fake_server_free (server);
}

/* ---- logging ------------------------------------------------------------------- */

#define FAKE_SECRET "dynamorm-test-secret-not-real"
#define FAKE_TOKEN "dynamorm-test-session-token-not-real"

static GMutex log_lock;
static GString *log_text;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }

  g_mutex_lock (&log_lock);
  if (log_text != NULL && g_strcmp0 (domain, "Dynamorm") == 0 && message != NULL)
    g_string_append_printf (log_text, "%s\n", message);
  g_mutex_unlock (&log_lock);

  /* Warnings and criticals still reach the test output. */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static void
test_log_redaction (void)
{
  Script script = { "throttle", 1 };
  FakeServer *server = fake_server_new (script_handler, &script);
  g_autoptr(DynamormCredentials) credentials =
    dynamorm_credentials_new ("AKIDDYNAMORMTEST", FAKE_SECRET, FAKE_TOKEN, NULL);
  g_autoptr(DynamormRetryPolicy) policy = test_policy_new (3, 10);
  g_autofree char *uri = g_strdup_printf ("aws://eu-west-1?endpoint=%s", fake_server_get_url (server));
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(FakeRequest) seen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *captured = NULL;
  const char *signature;

  test_clear_aws_env ();
  g_mutex_lock (&log_lock);
  log_text = g_string_new (NULL);
  g_mutex_unlock (&log_lock);

  backend = test_backend_new (uri, policy, credentials, &error);
  g_assert_no_error (error);
  response = list_tables (backend, FALSE, NULL, &error);
  g_assert_no_error (error);
  assert_list_tables_ok (response);

  g_mutex_lock (&log_lock);
  captured = g_string_free (g_steal_pointer (&log_text), FALSE);
  g_mutex_unlock (&log_lock);
  g_test_message ("captured log:\n%s", captured);

  /* The request was signed with the secret and carried the token... */
  seen = fake_server_get_request (server, 0);
  g_assert_cmpstr (g_hash_table_lookup (seen->headers, "x-amz-security-token"), ==, FAKE_TOKEN);
  signature = strstr (g_hash_table_lookup (seen->headers, "authorization"), "Signature=");
  g_assert_nonnull (signature);

  /* ...and the log shows each request, without any of them. */
  g_assert_nonnull (strstr (captured, "ListTables"));
  g_assert_nonnull (strstr (captured, "DynamoDB_20120810.ListTables"));
  g_assert_nonnull (strstr (captured, "HTTP 400"));
  g_assert_nonnull (strstr (captured, "HTTP 200"));
  g_assert_nonnull (strstr (captured, "ms"));
  g_assert_nonnull (strstr (captured, "Authorization: <redacted>"));
  g_assert_nonnull (strstr (captured, "X-Amz-Security-Token: <redacted>"));
  g_assert_null (strstr (captured, FAKE_SECRET));
  g_assert_null (strstr (captured, FAKE_TOKEN));
  g_assert_null (strstr (captured, signature));
  g_assert_null (strstr (captured, "Signature="));

  g_clear_object (&backend);
  fake_server_free (server);
}

/* ---- the Streams API's endpoint ------------------------------------------ */

/* Sends a Streams call, asserts where it went and how it was signed. */
static void
assert_streams_call_to (DynamormBackend *backend,
                        FakeServer      *server,
                        gboolean         async)
{
  g_autoptr(JsonNode) request = test_json ("{}");
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(FakeRequest) seen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host = g_strdup (fake_server_get_url (server) + strlen ("http://"));
  guint before = fake_server_count (server);
  const char *operation = "DynamoDBStreams_20120810.ListStreams";

  if (async)
    response = test_invoke_async_wait (backend, operation, request, NULL, &error);
  else
    response = dynamorm_backend_invoke (backend, operation, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);

  g_assert_cmpuint (fake_server_count (server), ==, before + 1);
  seen = fake_server_get_request (server, before);
  g_assert_cmpstr (g_hash_table_lookup (seen->headers, "x-amz-target"), ==, operation);
  g_assert_cmpstr (g_hash_table_lookup (seen->headers, "host"), ==, host);
  /* Streams are signed for the service "dynamodb", in the URI's region. */
  g_assert_nonnull (strstr (g_hash_table_lookup (seen->headers, "authorization"),
                            "/eu-west-1/dynamodb/aws4_request, "));
}

static void
test_streams_endpoint (void)
{
  FakeServer *dynamodb = fake_server_new (ok_handler, NULL);
  FakeServer *streams = fake_server_new (ok_handler, NULL);
  g_autoptr(DynamormCredentials) credentials =
    dynamorm_credentials_new ("AKIDDYNAMORMTEST", FAKE_SECRET, NULL, NULL);
  g_autofree char *both = g_strdup_printf ("aws://eu-west-1?endpoint=%s&streams_endpoint=%s",
                                           fake_server_get_url (dynamodb),
                                           fake_server_get_url (streams));
  g_autofree char *one = g_strdup_printf ("aws://eu-west-1?endpoint=%s", fake_server_get_url (dynamodb));
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(GError) error = NULL;

  test_clear_aws_env ();

  /* A streams endpoint of its own: DynamoDB calls go to one, Streams calls
   * to the other. */
  backend = test_backend_new (both, NULL, credentials, &error);
  g_assert_no_error (error);
  response = list_tables (backend, FALSE, NULL, &error);
  g_assert_no_error (error);
  assert_list_tables_ok (response);
  g_assert_cmpuint (fake_server_count (dynamodb), ==, 1);
  assert_streams_call_to (backend, streams, FALSE);
  assert_streams_call_to (backend, streams, TRUE);
  g_assert_cmpuint (fake_server_count (dynamodb), ==, 1);
  g_clear_object (&backend);

  /* The same from the SDKs' variable. */
  g_setenv ("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", fake_server_get_url (streams), TRUE);
  backend = test_backend_new (one, NULL, credentials, &error);
  g_assert_no_error (error);
  assert_streams_call_to (backend, streams, FALSE);
  g_clear_object (&backend);
  g_unsetenv ("AWS_ENDPOINT_URL_DYNAMODB_STREAMS");

  /* A custom endpoint alone (DynamoDB Local, dynamorm-server) serves both. */
  backend = test_backend_new (one, NULL, credentials, &error);
  g_assert_no_error (error);
  assert_streams_call_to (backend, dynamodb, FALSE);
  assert_streams_call_to (backend, dynamodb, TRUE);
  g_assert_cmpuint (fake_server_count (streams), ==, 3);
  g_clear_object (&backend);

  fake_server_free (streams);
  fake_server_free (dynamodb);
}

/* Without an endpoint, Streams calls go to AWS's streams host of the region
 * (no request is sent: the backend logs its endpoints when it is made). */
static void
test_streams_default_endpoint (void)
{
  static const struct {
    const char *uri;
    const char *logged;
  } cases[] = {
    { "aws://eu-west-1", "endpoint https://dynamodb.eu-west-1.amazonaws.com/, "
                         "streams endpoint https://streams.dynamodb.eu-west-1.amazonaws.com/," },
    { "aws://cn-north-1", "streams endpoint https://streams.dynamodb.cn-north-1.amazonaws.com.cn/," },
  };

  test_clear_aws_env ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DynamormBackend) backend = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *captured = NULL;

      g_mutex_lock (&log_lock);
      log_text = g_string_new (NULL);
      g_mutex_unlock (&log_lock);

      backend = test_backend_new (cases[i].uri, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (backend);

      g_mutex_lock (&log_lock);
      captured = g_string_free (g_steal_pointer (&log_text), FALSE);
      g_mutex_unlock (&log_lock);
      g_test_message ("captured log:\n%s", captured);
      g_assert_nonnull (strstr (captured, cases[i].logged));
    }
}

int
main (int    argc,
      char **argv)
{
  /* Isolated dirs hide the GSettings schemas glib-networking's proxy
   * resolver reads; the tests only talk to 127.0.0.1 anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  /* The per-request lines are only built when debug output is on. */
  g_log_set_debug_enabled (TRUE);
  test_clear_aws_env ();

  g_test_add_func ("/dynamorm/http/wire-format", test_wire_format);
  g_test_add_func ("/dynamorm/http/wire-format-async", test_wire_format_async);
  g_test_add_func ("/dynamorm/http/keep-alive", test_keep_alive);
  g_test_add_func ("/dynamorm/http/http-scheme", test_http_scheme);
  g_test_add_func ("/dynamorm/http/uri-errors", test_uri_errors);
  g_test_add_func ("/dynamorm/http/region-resolution", test_region_resolution);
  g_test_add_func ("/dynamorm/http/cleartext-warning", test_cleartext_warning);
  g_test_add_func ("/dynamorm/http/retried", test_retried);
  g_test_add_func ("/dynamorm/http/backoff-delays", test_backoff_delays);
  g_test_add_func ("/dynamorm/http/backoff-delays-async", test_backoff_delays_async);
  g_test_add_func ("/dynamorm/http/errors", test_errors);
  g_test_add_func ("/dynamorm/http/service-error-details", test_service_error_details);
  g_test_add_func ("/dynamorm/http/dropped-keeps-message", test_dropped_keeps_message);
  g_test_add_func ("/dynamorm/http/connection-refused", test_connection_refused);
  g_test_add_func ("/dynamorm/http/connect-timeout", test_connect_timeout);
  g_test_add_func ("/dynamorm/http/timeout", test_timeout);
  g_test_add_func ("/dynamorm/http/timeout-async", test_timeout_async);
  g_test_add_func ("/dynamorm/http/cancel-during-retry-wait", test_cancel_during_retry_wait);
  g_test_add_func ("/dynamorm/http/cancel-during-retry-wait-async", test_cancel_during_retry_wait_async);
  g_test_add_func ("/dynamorm/http/cancel-in-flight", test_cancel_in_flight);
  g_test_add_func ("/dynamorm/http/threads", test_threads);
  g_test_add_func ("/dynamorm/http/log-redaction", test_log_redaction);
  g_test_add_func ("/dynamorm/http/streams-endpoint", test_streams_endpoint);
  g_test_add_func ("/dynamorm/http/streams-default-endpoint", test_streams_default_endpoint);

  return g_test_run ();
}
