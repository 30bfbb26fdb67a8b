/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The aws backend's credential chain, against fake container and IMDSv2
 * endpoints on 127.0.0.1 and temporary shared config files. */
#include <string.h>
#include <glib/gstdio.h>

#include "fake-server.h"
#include "test-utils.h"

#define LIST_TABLES_OK "{\"TableNames\":[]}"
#define IMDS_TOKEN "fake-imds-session-token"
#define ROLES_PATH "/latest/meta-data/iam/security-credentials/"

typedef struct {
  gint expires_in;             /* seconds from now */
  const char *authorization;   /* what the container endpoint wants, or NULL */
  const char *expired_key;     /* DynamoDB refuses this key as expired */
  gint fetches;                /* credential documents served (atomic) */
} State;

static char *
credentials_json (State      *state,
                  const char *prefix,
                  gboolean    imds)
{
  int n = g_atomic_int_add (&state->fetches, 1) + 1;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) expires = g_date_time_add_seconds (now, state->expires_in);
  g_autofree char *expiration = g_date_time_format (expires, "%Y-%m-%dT%H:%M:%SZ");

  return g_strdup_printf ("{%s\"AccessKeyId\":\"%s%d\",\"SecretAccessKey\":\"fake-secret-%d\","
                          "\"Token\":\"fake-token-%d\",\"Expiration\":\"%s\"}",
                          imds ? "\"Code\":\"Success\",\"Type\":\"AWS-HMAC\"," : "",
                          prefix, n, n, n, expiration);
}

static char *
credential_key (const char *authorization)
{
  const char *start = strstr (authorization, "Credential=");
  const char *end;

  g_assert_nonnull (start);
  start += strlen ("Credential=");
  end = strchr (start, '/');
  return g_strndup (start, end - start);
}

static void
handler (FakeServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         guint              index,
         gpointer           user_data)
{
  State *state = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, "/") && g_str_equal (method, "POST"))
    {
      g_autofree char *key = credential_key (soup_message_headers_get_one (headers, "Authorization"));

      if (state->expired_key != NULL && g_str_equal (key, state->expired_key))
        fake_respond_error (msg, 400, "ExpiredTokenException", "The security token included in the request is expired");
      else
        fake_respond_json (msg, 200, LIST_TABLES_OK, FALSE);
    }
  else if (g_str_equal (path, "/sts/"))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) expires = g_date_time_add_hours (now, 1);
      g_autofree char *expiration = g_date_time_format_iso8601 (expires);
      g_autofree char *xml = g_strdup_printf ("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                                              "<AccessKeyId>ASIAASSUMED</AccessKeyId>"
                                              "<SecretAccessKey>assumed-secret</SecretAccessKey>"
                                              "<SessionToken>assumed-token</SessionToken>"
                                              "<Expiration>%s</Expiration></Credentials>"
                                              "</AssumeRoleResult></AssumeRoleResponse>", expiration);

      fake_respond_text (msg, 200, "text/xml", xml);
    }
  else if (g_str_equal (path, "/creds"))
    {
      g_autofree char *json = NULL;

      if (g_strcmp0 (soup_message_headers_get_one (headers, "Authorization"), state->authorization) != 0)
        {
          fake_respond_text (msg, 401, "text/plain", "unauthorized");
          return;
        }
      json = credentials_json (state, "ASIACONTAINER", FALSE);
      fake_respond_text (msg, 200, "application/json", json);
    }
  else if (g_str_equal (path, "/latest/api/token"))
    {
      if (!g_str_equal (method, "PUT") ||
          soup_message_headers_get_one (headers, "X-aws-ec2-metadata-token-ttl-seconds") == NULL)
        fake_respond_text (msg, 400, "text/plain", "bad token request");
      else
        fake_respond_text (msg, 200, "text/plain", IMDS_TOKEN);
    }
  else if (g_str_has_prefix (path, ROLES_PATH))
    {
      g_autofree char *json = NULL;

      if (g_strcmp0 (soup_message_headers_get_one (headers, "X-aws-ec2-metadata-token"), IMDS_TOKEN) != 0)
        fake_respond_text (msg, 401, "text/plain", "unauthorized");
      else if (g_str_equal (path, ROLES_PATH))
        fake_respond_text (msg, 200, "text/plain", "test-role\n");
      else if (g_str_equal (path, ROLES_PATH "test-role"))
        {
          json = credentials_json (state, "ASIAIMDS", TRUE);
          fake_respond_text (msg, 200, "application/json", json);
        }
      else
        fake_respond_text (msg, 404, "text/plain", "no such role");
    }
  else
    fake_respond_text (msg, 404, "text/plain", "not here");
}

typedef struct {
  State state;
  FakeServer *server;
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  test_clear_aws_env ();
  fixture->state.expires_in = 3600;
  fixture->server = fake_server_new (handler, &fixture->state);
  fixture->dir = g_dir_make_tmp ("dynamorm-aws-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  fake_server_free (fixture->server);
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  test_clear_aws_env ();
}

static DynamormBackend *
aws_backend (Fixture             *fixture,
             const char          *options,
             DynamormCredentials *credentials)
{
  g_autofree char *uri = g_strdup_printf ("aws://eu-west-1?endpoint=%s%s%s",
                                          fake_server_get_url (fixture->server),
                                          options ? "&" : "", options ? options : "");
  g_autoptr(GError) error = NULL;
  DynamormBackend *backend = test_backend_new (uri, NULL, credentials, &error);

  g_assert_no_error (error);
  g_assert_nonnull (backend);
  return backend;
}

static JsonNode *
list_tables (DynamormBackend  *backend,
             gboolean          async,
             GError          **error)
{
  g_autoptr(JsonNode) request = test_json ("{}");

  if (async)
    return test_invoke_async_wait (backend, "ListTables", request, NULL, error);
  return dynamorm_backend_invoke (backend, "ListTables", request, NULL, error);
}

/* The access key and token of the nth DynamoDB request (not metadata ones). */
static void
dynamodb_request_credentials (Fixture  *fixture,
                              guint     nth,
                              char    **key_out,
                              char    **token_out)
{
  guint seen = 0;

  for (guint i = 0; i < fake_server_count (fixture->server); i++)
    {
      g_autoptr(FakeRequest) request = fake_server_get_request (fixture->server, i);

      if (!g_str_equal (request->path, "/"))
        continue;
      if (seen++ != nth)
        continue;
      *key_out = credential_key (g_hash_table_lookup (request->headers, "authorization"));
      *token_out = g_strdup (g_hash_table_lookup (request->headers, "x-amz-security-token"));
      /* SigV4 scope names the region and the service. */
      g_assert_nonnull (strstr (g_hash_table_lookup (request->headers, "authorization"),
                                "/eu-west-1/dynamodb/aws4_request"));
      return;
    }
  g_assert_not_reached ();
}

static void
assert_signed_with (Fixture    *fixture,
                    guint       nth,
                    const char *key,
                    const char *token)
{
  g_autofree char *seen_key = NULL;
  g_autofree char *seen_token = NULL;

  dynamodb_request_credentials (fixture, nth, &seen_key, &seen_token);
  g_assert_cmpstr (seen_key, ==, key);
  g_assert_cmpstr (seen_token, ==, token);
}

static void
call_ok (DynamormBackend *backend,
         gboolean         async)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = list_tables (backend, async, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
}

static void
set_env_credentials (void)
{
  g_setenv ("AWS_ACCESS_KEY_ID", "AKIDFROMENV", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "env-secret-not-real", TRUE);
  g_setenv ("AWS_SESSION_TOKEN", "env-token-not-real", TRUE);
}

/* ---- the chain, link by link -------------------------------------------------- */

static void
test_explicit (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(DynamormCredentials) credentials =
    dynamorm_credentials_new ("AKIDEXPLICIT", "explicit-secret-not-real", NULL, NULL);
  g_autoptr(DynamormBackend) backend = NULL;

  set_env_credentials ();
  backend = aws_backend (fixture, NULL, credentials);
  call_ok (backend, FALSE);
  assert_signed_with (fixture, 0, "AKIDEXPLICIT", NULL);
}

static void
test_environment (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(DynamormBackend) backend = NULL;

  set_env_credentials ();
  backend = aws_backend (fixture, NULL, NULL);
  call_ok (backend, TRUE);
  assert_signed_with (fixture, 0, "AKIDFROMENV", "env-token-not-real");
}

static char *
write_file (Fixture    *fixture,
            const char *name,
            const char *contents)
{
  char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
write_profiles (Fixture *fixture)
{
  g_autofree char *credentials = write_file (fixture, "credentials",
    "# comment\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = default-secret-not-real\n"
    "\n"
    "[dev]\n"
    "aws_access_key_id=AKIDDEV\n"
    "aws_secret_access_key=dev-secret-not-real\n"
    "aws_session_token = dev-token-not-real\n");
  g_autofree char *config = write_file (fixture, "config",
    "[default]\n"
    "region = eu-west-1\n"
    "; another comment\n"
    "[profile cfgonly]\n"
    "region = us-east-2\n"
    "s3 =\n"
    "    aws_access_key_id = AKIDNESTEDWRONG\n"
    "aws_access_key_id = AKIDCFGONLY\n"
    "aws_secret_access_key = cfg-secret-not-real\n"
    "[profile assumed]\n"
    "role_arn = arn:aws:iam::123456789012:role/x\n"
    "source_profile = default\n");

  g_setenv ("AWS_SHARED_CREDENTIALS_FILE", credentials, TRUE);
  g_setenv ("AWS_CONFIG_FILE", config, TRUE);
}

static void
test_profiles (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  guint n = 0;

  write_profiles (fixture);

  /* the default profile */
  backend = aws_backend (fixture, NULL, NULL);
  call_ok (backend, FALSE);
  assert_signed_with (fixture, n++, "AKIDDEFAULT", NULL);
  g_clear_object (&backend);

  /* AWS_PROFILE */
  g_setenv ("AWS_PROFILE", "dev", TRUE);
  backend = aws_backend (fixture, NULL, NULL);
  call_ok (backend, FALSE);
  assert_signed_with (fixture, n++, "AKIDDEV", "dev-token-not-real");
  g_clear_object (&backend);

  /* Environment credentials beat AWS_PROFILE... */
  set_env_credentials ();
  backend = aws_backend (fixture, NULL, NULL);
  call_ok (backend, FALSE);
  assert_signed_with (fixture, n++, "AKIDFROMENV", "env-token-not-real");
  g_clear_object (&backend);

  /* ...but a profile named in the URI beats them, and may live in the config file. */
  backend = aws_backend (fixture, "profile=cfgonly", NULL);
  call_ok (backend, TRUE);
  assert_signed_with (fixture, n++, "AKIDCFGONLY", NULL);
  g_clear_object (&backend);

  /* A profile that does not exist is an error, not a fall-through. */
  backend = aws_backend (fixture, "profile=nosuch", NULL);
  response = list_tables (backend, FALSE, &error);
  g_assert_null (response);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS);
  g_assert_nonnull (strstr (error->message, "nosuch"));
  g_clear_error (&error);
  g_clear_object (&backend);

  /* A role_arn profile assumes its role (STS signed with the source
   * profile's keys) and signs with the role's credentials. */
  {
    g_autofree char *sts = g_strdup_printf ("%s/sts/", fake_server_get_url (fixture->server));

    g_setenv ("AWS_ENDPOINT_URL_STS", sts, TRUE);
    backend = aws_backend (fixture, "profile=assumed", NULL);
    call_ok (backend, FALSE);
    assert_signed_with (fixture, n++, "ASIAASSUMED", "assumed-token");
    g_assert_cmpuint (fake_server_count_path (fixture->server, "/sts/"), ==, 1);
    g_clear_object (&backend);
    g_unsetenv ("AWS_ENDPOINT_URL_STS");
  }

  g_assert_cmpuint (fake_server_count_path (fixture->server, "/"), ==, n);
}

static void
test_container (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("%s/creds", fake_server_get_url (fixture->server));
  g_autoptr(DynamormBackend) backend = NULL;

  fixture->state.authorization = "container-auth-not-real";
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-not-real", TRUE);

  backend = aws_backend (fixture, NULL, NULL);
  call_ok (backend, FALSE);
  assert_signed_with (fixture, 0, "ASIACONTAINER1", "fake-token-1");
  g_assert_cmpint (fixture->state.fetches, ==, 1);
}

static void
test_container_token_file (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("%s/creds", fake_server_get_url (fixture->server));
  g_autofree char *token_file = write_file (fixture, "token", "from-file-not-real\n");
  g_autoptr(DynamormBackend) backend = NULL;

  /* The file wins over the variable. */
  fixture->state.authorization = "from-file-not-real";
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored", TRUE);
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file, TRUE);

  backend = aws_backend (fixture, NULL, NULL);
  call_ok (backend, TRUE);
  assert_signed_with (fixture, 0, "ASIACONTAINER1", "fake-token-1");
}

static void
test_container_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *url = g_strdup_printf ("%s/creds", fake_server_get_url (fixture->server));

  /* Plain HTTP to anything but loopback and the ECS/EKS hosts is refused
   * before any connection is made. */
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://credentials.example.com/creds", TRUE);
  backend = aws_backend (fixture, NULL, NULL);
  response = list_tables (backend, FALSE, &error);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS);
  g_assert_nonnull (strstr (error->message, "https://"));
  g_clear_error (&error);
  g_clear_object (&backend);

  /* A wrong authorization token: the endpoint's refusal is reported. */
  fixture->state.authorization = "right";
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong", TRUE);
  backend = aws_backend (fixture, NULL, NULL);
  response = list_tables (backend, FALSE, &error);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS);
  g_assert_nonnull (strstr (error->message, "401"));
  g_assert_cmpuint (fake_server_count_path (fixture->server, "/"), ==, 0);
}

static void
test_imds (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(FakeRequest) first = NULL;

  g_unsetenv ("AWS_EC2_METADATA_DISABLED");
  g_setenv ("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake_server_get_url (fixture->server), TRUE);

  backend = aws_backend (fixture, NULL, NULL);
  /* Creating the backend asked nothing of anyone. */
  g_assert_cmpuint (fake_server_count (fixture->server), ==, 0);

  call_ok (backend, FALSE);
  assert_signed_with (fixture, 0, "ASIAIMDS1", "fake-token-1");

  /* IMDSv2: the token first, then the role, then its credentials. */
  first = fake_server_get_request (fixture->server, 0);
  g_assert_cmpstr (first->method, ==, "PUT");
  g_assert_cmpstr (first->path, ==, "/latest/api/token");
  g_assert_cmpuint (fake_server_count_path (fixture->server, ROLES_PATH), ==, 1);
  g_assert_cmpuint (fake_server_count_path (fixture->server, ROLES_PATH "test-role"), ==, 1);
}

/* ---- caching and refresh ------------------------------------------------------ */

static void
check_refresh (Fixture  *fixture,
               gint      expires_in,
               gboolean  async,
               gint      expected_fetches)
{
  g_autofree char *url = g_strdup_printf ("%s/creds", fake_server_get_url (fixture->server));
  g_autoptr(DynamormBackend) backend = NULL;

  fixture->state.expires_in = expires_in;
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  backend = aws_backend (fixture, NULL, NULL);

  for (guint i = 0; i < 3; i++)
    call_ok (backend, async);
  g_assert_cmpint (g_atomic_int_get (&fixture->state.fetches), ==, expected_fetches);
  /* Each request used the newest credentials. */
  {
    g_autofree char *key = g_strdup_printf ("ASIACONTAINER%d", expected_fetches);
    g_autofree char *token = g_strdup_printf ("fake-token-%d", expected_fetches);
    assert_signed_with (fixture, 2, key, token);
  }
}

static void
test_cached (Fixture       *fixture,
             gconstpointer  data)
{
  /* An hour left: fetched once, reused. */
  check_refresh (fixture, 3600, FALSE, 1);
}

static void
test_refreshed_before_expiry (Fixture       *fixture,
                              gconstpointer  data)
{
  /* Two minutes left is inside the refresh margin: fetched again each time. */
  check_refresh (fixture, 120, FALSE, 3);
}

static void
test_refreshed_before_expiry_async (Fixture       *fixture,
                                    gconstpointer  data)
{
  check_refresh (fixture, 120, TRUE, 3);
}

static void
test_expired_token_renewed (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("%s/creds", fake_server_get_url (fixture->server));
  g_autoptr(DynamormBackend) backend = NULL;

  fixture->state.expired_key = "ASIACONTAINER1";
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  backend = aws_backend (fixture, NULL, NULL);
  call_ok (backend, FALSE);

  g_assert_cmpint (fixture->state.fetches, ==, 2);
  g_assert_cmpuint (fake_server_count_path (fixture->server, "/"), ==, 2);
  assert_signed_with (fixture, 1, "ASIACONTAINER2", "fake-token-2");
}

#define N_THREADS 8

static gpointer
call_thread (gpointer data)
{
  call_ok (data, FALSE);
  return NULL;
}

static void
test_single_flight (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("%s/creds", fake_server_get_url (fixture->server));
  g_autoptr(DynamormBackend) backend = NULL;
  GThread *threads[N_THREADS];

  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  backend = aws_backend (fixture, NULL, NULL);
  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("caller", call_thread, backend);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (fixture->state.fetches, ==, 1);
  g_assert_cmpuint (fake_server_count_path (fixture->server, "/"), ==, N_THREADS);
}

/* ---- nothing found ------------------------------------------------------------- */

static void
test_none (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(DynamormBackend) backend = aws_backend (fixture, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = list_tables (backend, FALSE, &error);

  g_test_message ("%s", error ? error->message : "");
  g_assert_null (response);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS);
  /* Every place it looked, and what to do. */
  g_assert_nonnull (strstr (error->message, "credentials"));
  g_assert_nonnull (strstr (error->message, "AWS_ACCESS_KEY_ID"));
  g_assert_nonnull (strstr (error->message, "default"));
  g_assert_nonnull (strstr (error->message, "/nonexistent/dynamorm-test/credentials"));
  g_assert_nonnull (strstr (error->message, "/nonexistent/dynamorm-test/config"));
  g_assert_nonnull (strstr (error->message, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
  g_assert_nonnull (strstr (error->message, "AWS_EC2_METADATA_DISABLED"));
  g_assert_nonnull (strstr (error->message, "aws configure"));
  g_assert_cmpuint (fake_server_count (fixture->server), ==, 0);
}

static void
imds_absent_handler (FakeServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     guint              index,
                     gpointer           user_data)
{
  fake_respond_text (msg, 404, "text/plain", "not an EC2 instance");
}

static void
test_none_imds_failed (Fixture       *fixture,
                       gconstpointer  data)
{
  FakeServer *imds = fake_server_new (imds_absent_handler, NULL);
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;

  g_unsetenv ("AWS_EC2_METADATA_DISABLED");
  g_setenv ("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake_server_get_url (imds), TRUE);
  backend = aws_backend (fixture, NULL, NULL);
  response = list_tables (backend, TRUE, &error);
  g_test_message ("%s", error ? error->message : "");
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS);
  g_assert_nonnull (strstr (error->message, fake_server_get_url (imds)));
  g_assert_nonnull (strstr (error->message, "IAM role"));
  fake_server_free (imds);
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/dynamorm/aws-credentials/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("explicit", test_explicit);
  ADD ("environment", test_environment);
  ADD ("profiles", test_profiles);
  ADD ("container", test_container);
  ADD ("container-token-file", test_container_token_file);
  ADD ("container-refused", test_container_refused);
  ADD ("imds", test_imds);
  ADD ("cached", test_cached);
  ADD ("refreshed-before-expiry", test_refreshed_before_expiry);
  ADD ("refreshed-before-expiry-async", test_refreshed_before_expiry_async);
  ADD ("expired-token-renewed", test_expired_token_renewed);
  ADD ("single-flight", test_single_flight);
  ADD ("none", test_none);
  ADD ("none-imds-failed", test_none_imds_failed);
#undef ADD

  return g_test_run ();
}
