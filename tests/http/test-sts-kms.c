/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* STS AssumeRole credentials (a fake STS on loopback: caching, refresh
 * before expiry, one refresh at a time, failures), credential_process and
 * source_profile/role_arn profiles, and then KMS and STS against moto's
 * server when the test command started one (DYNAMORM_MOTO_URL). */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "dynamorm-aws-credential-provider.h"
#include "fake-server.h"
#include "test-utils.h"
#include "../core/test-models.h"

typedef struct {
  gint expires_in;      /* seconds from now in the answers */
  guint fail_from;      /* answer HTTP 403 from this request on (0: never) */
  gboolean garbage;
  guint delay_ms;
} StsState;

static void
sts_handler (FakeServer *server, SoupServerMessage *msg, const char *path, guint index, gpointer user_data)
{
  StsState *state = user_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) expires = g_date_time_add_seconds (now, state->expires_in);
  g_autofree char *expiration = g_date_time_format_iso8601 (expires);
  g_autofree char *xml = NULL;

  if (g_str_equal (path, "/dynamodb/"))
    {
      fake_respond_json (msg, 200, "{\"TableNames\": []}", FALSE);
      return;
    }
  if (state->delay_ms)
    g_usleep (state->delay_ms * 1000);
  if (state->fail_from && index + 1 >= state->fail_from)
    {
      fake_respond_text (msg, 403, "text/xml",
                         "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                         "<Message>not allowed to assume this role</Message></Error></ErrorResponse>");
      return;
    }
  if (state->garbage)
    {
      fake_respond_text (msg, 200, "text/xml", "<html>captive portal</html>");
      return;
    }
  xml = g_strdup_printf ("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                         "<AssumeRoleResult><Credentials><AccessKeyId>ASIAFAKE%u</AccessKeyId>"
                         "<SecretAccessKey>secret-%u</SecretAccessKey><SessionToken>token-%u</SessionToken>"
                         "<Expiration>%s</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
                         index, index, index, expiration);
  fake_respond_text (msg, 200, "text/xml", xml);
}

typedef struct {
  StsState state;
  FakeServer *server;
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  test_clear_aws_env ();
  g_unsetenv ("AWS_ENDPOINT_URL_STS");
  f->state.expires_in = 3600;
  f->server = fake_server_new (sts_handler, &f->state);
  f->dir = g_dir_make_tmp ("dynamorm-sts-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  fake_server_free (f->server);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  test_clear_aws_env ();
  g_unsetenv ("AWS_ENDPOINT_URL_STS");
}

static DynamormAwsCredentialProvider *
role_provider (Fixture *f, const char *external_id)
{
  g_autoptr(DynamormCredentials) source = dynamorm_credentials_new ("AKIDSOURCE", "source-secret", NULL, NULL);
  g_autoptr(DynamormAwsCredentialProvider) source_provider = dynamorm_aws_credential_provider_new_static (source);
  DynamormAssumeRoleConfig config = {
    .role_arn = "arn:aws:iam::123456789012:role/Reader",
    .external_id = external_id,
    .session_name = "tests",
    .duration_seconds = 900,
    .region = "eu-west-1",
    .sts_endpoint = fake_server_get_url (f->server),
  };
  g_autoptr(GError) error = NULL;
  DynamormAwsCredentialProvider *provider = dynamorm_aws_credential_provider_new_assume_role (source_provider,
                                                                                            &config, &error);
  g_assert_no_error (error);
  return provider;
}

static void
test_assume_role (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormAwsCredentialProvider) provider = role_provider (f, "partner-42");
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormCredentials) a = dynamorm_aws_credential_provider_get (provider, NULL, &error);
  g_autoptr(DynamormCredentials) b = NULL;
  g_autoptr(FakeRequest) request = NULL;
  g_autofree char *body = NULL;
  const char *authorization;

  g_assert_no_error (error);
  g_assert_cmpstr (dynamorm_credentials_get_access_key_id (a), ==, "ASIAFAKE0");
  g_assert_cmpstr (dynamorm_credentials_get_session_token (a), ==, "token-0");
  g_assert_nonnull (dynamorm_credentials_get_expiration (a));

  /* Cached until shortly before expiry. */
  b = dynamorm_aws_credential_provider_get (provider, NULL, &error);
  g_assert_true (a == b);
  g_assert_cmpuint (fake_server_count (f->server), ==, 1);

  /* A signed query-protocol request with the role's parameters. */
  request = fake_server_get_request (f->server, 0);
  body = g_strndup (g_bytes_get_data (request->body, NULL), g_bytes_get_size (request->body));
  g_assert_nonnull (strstr (body, "Action=AssumeRole"));
  g_assert_nonnull (strstr (body, "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FReader"));
  g_assert_nonnull (strstr (body, "ExternalId=partner-42"));
  g_assert_nonnull (strstr (body, "DurationSeconds=900"));
  g_assert_nonnull (strstr (body, "RoleSessionName=tests"));
  authorization = g_hash_table_lookup (request->headers, "authorization");
  g_assert_nonnull (strstr (authorization, "Credential=AKIDSOURCE/"));
  g_assert_nonnull (strstr (authorization, "/eu-west-1/sts/aws4_request"));
}

static void
test_refresh_before_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormAwsCredentialProvider) provider = role_provider (f, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormCredentials) a = NULL;
  g_autoptr(DynamormCredentials) b = NULL;
  g_autoptr(DynamormCredentials) c = NULL;

  /* Credentials that expire within the refresh margin (5 to 6 minutes)
   * are refreshed on the next use, before they expire. */
  f->state.expires_in = 4 * 60;
  a = dynamorm_aws_credential_provider_get (provider, NULL, &error);
  g_assert_no_error (error);
  b = dynamorm_aws_credential_provider_get (provider, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dynamorm_credentials_get_access_key_id (b), ==, "ASIAFAKE1");
  g_assert_cmpuint (dynamorm_aws_credential_provider_get_n_resolved (provider), ==, 2);

  /* When the refresh fails, the old credentials serve until they expire. */
  f->state.fail_from = 3;
  c = dynamorm_aws_credential_provider_get (provider, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (c == b);
  g_assert_cmpuint (fake_server_count (f->server), ==, 3);
}

typedef struct {
  DynamormAwsCredentialProvider *provider;
  DynamormCredentials *got;
} ThreadCall;

static gpointer
get_in_thread (gpointer data)
{
  ThreadCall *call = data;

  call->got = dynamorm_aws_credential_provider_get (call->provider, NULL, NULL);
  return NULL;
}

static void
test_single_flight (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormAwsCredentialProvider) provider = role_provider (f, NULL);
  ThreadCall calls[8];
  GThread *threads[8];

  f->state.delay_ms = 100;
  for (guint i = 0; i < 8; i++)
    {
      calls[i].provider = provider;
      threads[i] = g_thread_new ("sts", get_in_thread, &calls[i]);
    }
  for (guint i = 0; i < 8; i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (fake_server_count (f->server), ==, 1);
  for (guint i = 0; i < 8; i++)
    {
      g_assert_nonnull (calls[i].got);
      g_assert_cmpstr (dynamorm_credentials_get_access_key_id (calls[i].got), ==, "ASIAFAKE0");
      dynamorm_credentials_unref (calls[i].got);
    }
}

static void
test_failures (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormAwsCredentialProvider) denied = role_provider (f, NULL);
  g_autoptr(DynamormAwsCredentialProvider) garbage = NULL;
  g_autoptr(DynamormCredentials) credentials = NULL;
  g_autoptr(DynamormAwsCredentialProvider) source = dynamorm_aws_credential_provider_new_chain ("nobody");
  g_autoptr(DynamormAwsCredentialProvider) sourceless = NULL;
  g_autofree char *config_path = g_build_filename (f->dir, "config", NULL);
  DynamormAssumeRoleConfig config = { .role_arn = "arn:aws:iam::123456789012:role/R", .region = "eu-west-1",
                                      .sts_endpoint = fake_server_get_url (f->server) };
  DynamormAssumeRoleConfig bad = { .role_arn = "Reader", .region = "eu-west-1" };

  f->state.fail_from = 1;
  credentials = dynamorm_aws_credential_provider_get (denied, NULL, &error);
  g_assert_null (credentials);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ACCESS_DENIED);
  g_assert_nonnull (strstr (error->message, "role/Reader"));
  g_assert_nonnull (strstr (error->message, "not allowed to assume this role"));
  g_assert_nonnull (strstr (error->message, "trust policy"));
  g_clear_error (&error);

  f->state.fail_from = 0;
  f->state.garbage = TRUE;
  garbage = role_provider (f, NULL);
  credentials = dynamorm_aws_credential_provider_get (garbage, NULL, &error);
  g_assert_null (credentials);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "STS endpoint"));
  g_clear_error (&error);

  /* Missing source credentials: the source's own error, named. */
  g_file_set_contents (config_path, "[default]\nregion = eu-west-1\n", -1, NULL);
  g_setenv ("AWS_CONFIG_FILE", config_path, TRUE);
  g_setenv ("AWS_SHARED_CREDENTIALS_FILE", config_path, TRUE);
  sourceless = dynamorm_aws_credential_provider_new_assume_role (source, &config, &error);
  g_assert_no_error (error);
  credentials = dynamorm_aws_credential_provider_get (sourceless, NULL, &error);
  g_assert_null (credentials);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS);
  g_assert_nonnull (strstr (error->message, "nobody"));
  g_clear_error (&error);

  g_assert_null (dynamorm_aws_credential_provider_new_assume_role (source, &bad, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "arn:aws:iam::123456789012:role/NAME"));
}

static void
test_uri_options (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormCredentials) source = dynamorm_credentials_new ("AKIDSOURCE", "source-secret", NULL, NULL);
  g_autofree char *uri = g_strdup_printf ("aws://eu-west-1?endpoint=%s&role_arn=arn:aws:iam::123456789012:role/R"
                                          "&external_id=ext-1&sts_endpoint=%s",
                                          fake_server_get_url (f->server), fake_server_get_url (f->server));
  g_autoptr(DynamormBackend) backend = test_backend_new (uri, NULL, source, &error);
  g_autoptr(DynamormBackend) refused = NULL;
  const char *bad[] = {
    "aws://eu-west-1?external_id=x",
    "aws://eu-west-1?role_arn=arn:aws:iam::1:role/R&duration_seconds=10",
    "aws://eu-west-1?role_arn=Reader",
  };

  g_assert_no_error (error);
  g_assert_nonnull (backend);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      refused = test_backend_new (bad[i], NULL, source, &error);
      g_assert_null (refused);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
}

static void
test_profiles (Fixture *f, gconstpointer data)
{
  g_autofree char *config_path = g_build_filename (f->dir, "config", NULL);
  g_autofree char *creds_path = g_build_filename (f->dir, "credentials", NULL);
  g_autofree char *script_path = g_build_filename (f->dir, "creds.sh", NULL);
  g_autofree char *config = g_strdup_printf (
    "[profile base]\nregion = eu-west-1\n"
    "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/Reader\nsource_profile = base\n"
    "external_id = from-profile\nrole_session_name = prof\nregion = eu-west-1\n"
    "[profile loop-a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = loop-b\n"
    "[profile loop-b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = loop-a\n"
    "[profile proc]\ncredential_process = /bin/sh %s\n"
    "[profile proc-fails]\ncredential_process = /bin/sh -c 'exit 3'\n"
    "[profile proc-garbage]\ncredential_process = /bin/echo not json\n", script_path);
  g_autoptr(GError) error = NULL;
  const char *failing[] = { "loop-a", "proc-fails", "proc-garbage" };

  g_assert_true (g_file_set_contents (script_path,
                                      "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": "
                                      "\"s\", \"SessionToken\": \"t\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
                                      -1, NULL));
  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));
  g_assert_true (g_file_set_contents (creds_path, "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n", -1, NULL));
  g_setenv ("AWS_CONFIG_FILE", config_path, TRUE);
  g_setenv ("AWS_SHARED_CREDENTIALS_FILE", creds_path, TRUE);
  g_setenv ("AWS_ENDPOINT_URL_STS", fake_server_get_url (f->server), TRUE);

  {
    g_autoptr(DynamormAwsCredentialProvider) reader = dynamorm_aws_credential_provider_new_chain ("reader");
    g_autoptr(DynamormCredentials) creds = dynamorm_aws_credential_provider_get (reader, NULL, &error);
    g_autoptr(FakeRequest) request = NULL;
    g_autofree char *body = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (dynamorm_credentials_get_access_key_id (creds), ==, "ASIAFAKE0");
    request = fake_server_get_request (f->server, 0);
    body = g_strndup (g_bytes_get_data (request->body, NULL), g_bytes_get_size (request->body));
    g_assert_nonnull (strstr (body, "ExternalId=from-profile"));
    g_assert_nonnull (strstr (body, "RoleSessionName=prof"));
    g_assert_nonnull (strstr (g_hash_table_lookup (request->headers, "authorization"), "Credential=AKIDBASE/"));
  }
  {
    g_autoptr(DynamormAwsCredentialProvider) proc = dynamorm_aws_credential_provider_new_chain ("proc");
    g_autoptr(DynamormCredentials) creds = dynamorm_aws_credential_provider_get (proc, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (dynamorm_credentials_get_access_key_id (creds), ==, "AKIDPROC");
    g_assert_cmpstr (dynamorm_credentials_get_session_token (creds), ==, "t");
    g_assert_nonnull (dynamorm_credentials_get_expiration (creds));
  }
  for (guint i = 0; i < G_N_ELEMENTS (failing); i++)
    {
      g_autoptr(DynamormAwsCredentialProvider) p = dynamorm_aws_credential_provider_new_chain (failing[i]);
      g_autoptr(DynamormCredentials) creds = dynamorm_aws_credential_provider_get (p, NULL, &error);

      g_assert_null (creds);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS);
      g_assert_nonnull (strstr (error->message, "“"));
      g_clear_error (&error);
    }
}

/* ---- Partner accounts ---- */

typedef struct {
  DynamormAccounts *accounts;
  DynamormSession *got;
} AccountsCall;

static gpointer
get_partner (gpointer data)
{
  AccountsCall *call = data;

  call->got = dynamorm_accounts_get_session (call->accounts, "acme", NULL);
  return NULL;
}

static void
test_accounts (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormCredentials) source = dynamorm_credentials_new ("AKIDSERVICE", "service-secret", NULL, NULL);
  g_autofree char *base = g_strdup_printf ("aws://eu-west-1?endpoint=%s/dynamodb/&sts_endpoint=%s/sts/",
                                           fake_server_get_url (f->server), fake_server_get_url (f->server));
  g_autoptr(DynamormAccounts) accounts = dynamorm_accounts_new (base, source, &error);
  g_autoptr(DynamormAccounts) refused = NULL;
  g_autoptr(JsonNode) request = json_from_string ("{}", NULL);
  g_autoptr(JsonNode) response = NULL;
  g_auto(GStrv) names = NULL;
  AccountsCall calls[8];
  GThread *threads[8];
  DynamormSession *acme, *globex;
  guint dynamodb_calls = 0, sts_calls = 0;

  g_assert_no_error (error);
  g_assert_true (dynamorm_accounts_add (accounts, "acme", "arn:aws:iam::111122223333:role/OrdersReader",
                                        NULL, "acme-7f3a", &error));
  g_assert_true (dynamorm_accounts_add (accounts, "globex", "arn:aws:iam::444455556666:role/OrdersReader",
                                        "us-west-2", NULL, &error));
  g_assert_no_error (error);
  names = dynamorm_accounts_list_names (accounts);
  g_assert_cmpstrv (names, ((const char *[]) { "acme", "globex", NULL }));

  /* Misuse. */
  g_assert_false (dynamorm_accounts_add (accounts, "acme", "arn:aws:iam::1:role/X", NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (dynamorm_accounts_add (accounts, "initech", "OrdersReader", NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "arn:aws:iam::"));
  g_clear_error (&error);
  g_assert_null (dynamorm_accounts_get_session (accounts, "initech", &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "acme, globex") ? error->message : strstr (error->message, "globex, acme"));
  g_clear_error (&error);
  refused = dynamorm_accounts_new ("memory://", NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  refused = dynamorm_accounts_new ("aws://eu-west-1?role_arn=arn:aws:iam::1:role/X", NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Lazy and shared, from any thread; no request until one is made. */
  g_assert_false (dynamorm_accounts_has_session (accounts, "acme"));
  for (guint i = 0; i < 8; i++)
    {
      calls[i].accounts = accounts;
      threads[i] = g_thread_new ("partner", get_partner, &calls[i]);
    }
  for (guint i = 0; i < 8; i++)
    g_thread_join (threads[i]);
  acme = dynamorm_accounts_get_session (accounts, "acme", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 8; i++)
    g_assert_true (calls[i].got == acme);
  g_assert_true (dynamorm_accounts_has_session (accounts, "acme"));
  g_assert_false (dynamorm_accounts_has_session (accounts, "globex"));
  g_assert_cmpuint (fake_server_count (f->server), ==, 0);

  /* A request assumes the role once, then signs with the role's keys. */
  for (guint i = 0; i < 3; i++)
    {
      g_clear_pointer (&response, json_node_unref);
      response = dynamorm_session_call (acme, "ListTables", request, NULL, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < fake_server_count (f->server); i++)
    {
      g_autoptr(FakeRequest) seen = fake_server_get_request (f->server, i);
      const char *authorization = g_hash_table_lookup (seen->headers, "authorization");

      if (g_str_equal (seen->path, "/sts/"))
        {
          g_autofree char *body = g_strndup (g_bytes_get_data (seen->body, NULL), g_bytes_get_size (seen->body));

          sts_calls++;
          g_assert_nonnull (strstr (authorization, "Credential=AKIDSERVICE/"));
          g_assert_nonnull (strstr (body, "role%2FOrdersReader"));
          g_assert_nonnull (strstr (body, "111122223333"));
          g_assert_nonnull (strstr (body, "ExternalId=acme-7f3a"));
          g_assert_nonnull (strstr (body, "RoleSessionName=dynamorm-acme"));
        }
      else
        {
          dynamodb_calls++;
          g_assert_nonnull (strstr (authorization, "Credential=ASIAFAKE"));
          g_assert_nonnull (strstr (authorization, "/eu-west-1/dynamodb/"));
        }
    }
  g_assert_cmpuint (sts_calls, ==, 1);
  g_assert_cmpuint (dynamodb_calls, ==, 3);

  /* The other partner: its own region. */
  globex = dynamorm_accounts_get_session (accounts, "globex", &error);
  g_assert_no_error (error);
  g_assert_true (globex != acme);
  g_clear_pointer (&response, json_node_unref);
  response = dynamorm_session_call (globex, "ListTables", request, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(FakeRequest) last = fake_server_get_request (f->server, fake_server_count (f->server) - 1);

    g_assert_nonnull (strstr (g_hash_table_lookup (last->headers, "authorization"), "/us-west-2/dynamodb/"));
  }
}

/* ---- Against moto's server ---- */

static const char *
moto_url (void)
{
  const char *url = g_getenv ("DYNAMORM_MOTO_URL");

  if (url == NULL || *url == '\0')
    {
      g_test_skip ("DYNAMORM_MOTO_URL is not set: moto's server is not running (scripts/moto.sh start)");
      return NULL;
    }
  return url;
}

/* One KMS call to moto (its API needs no signature check): the answer. */
static JsonNode *
moto_kms_call (const char *url, const char *target, const char *request)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (request, strlen (request));
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *text = NULL;
  JsonNode *node;
  g_autoptr(GError) error = NULL;

  soup_session_set_proxy_resolver (session, NULL);
  soup_message_set_request_body_from_bytes (msg, "application/x-amz-json-1.1", body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Amz-Target", target);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/kms/aws4_request, "
                                "SignedHeaders=host, Signature=0");
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  /* the bytes libsoup reads are not NUL-terminated */
  text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return node;
}

/* A KMS key made in moto. */
static char *
moto_create_key (const char *url)
{
  g_autoptr(JsonNode) node = moto_kms_call (url, "TrentService.CreateKey", "{}");

  return g_strdup (json_object_get_string_member (json_object_get_object_member (json_node_get_object (node),
                                                                                 "KeyMetadata"), "KeyId"));
}

/* A key that does not exist: its own code, and a message that says what
 * to do. */
static void
test_moto_kms_missing_key (void)
{
  const char *url = moto_url ();
  g_autoptr(DynamormCredentials) creds = dynamorm_credentials_new ("AKIDTEST", "test-secret", NULL, NULL);
  g_autoptr(DynamormKeyProvider) missing = NULL;
  g_autoptr(GBytes) plaintext = NULL, wrapped = NULL;
  g_autoptr(GError) error = NULL;

  if (url == NULL)
    return;
  missing = dynamorm_key_provider_new_kms ("alias/no-such-key", "us-east-1", creds, url, &error);
  g_assert_no_error (error);
  g_assert_false (dynamorm_key_provider_generate_data_key (missing, &plaintext, &wrapped, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "alias/no-such-key"));
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_assert_nonnull (strstr (error->message, "kms_key_id"));
}

/* moto does not model disabled keys: KMS's DisabledException from a fake
 * server, for both calls. */
static void
disabled_handler (FakeServer *server, SoupServerMessage *msg, const char *path, guint index, gpointer data)
{
  fake_respond_error (msg, 400, "DisabledException", "arn:aws:kms:us-east-1:123456789012:key/k1 is disabled.");
}

static void
test_kms_disabled_key (void)
{
  g_autoptr(DynamormCredentials) creds = dynamorm_credentials_new ("AKIDTEST", "test-secret", NULL, NULL);
  FakeServer *server = fake_server_new (disabled_handler, NULL);
  g_autoptr(DynamormKeyProvider) provider = NULL;
  g_autoptr(GBytes) plaintext = NULL, wrapped = NULL, back = NULL;
  g_autoptr(GBytes) blob = g_bytes_new_static ("wrapped-key-bytes", 17);
  g_autoptr(GError) error = NULL;

  provider = dynamorm_key_provider_new_kms ("k1", "us-east-1", creds, fake_server_get_url (server), &error);
  g_assert_no_error (error);
  g_assert_false (dynamorm_key_provider_generate_data_key (provider, &plaintext, &wrapped, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "“k1” is disabled"));
  g_assert_nonnull (strstr (error->message, "enable-key"));
  g_clear_error (&error);
  back = dynamorm_key_provider_decrypt_data_key (provider, "k1", blob, NULL, &error);
  g_assert_null (back);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "KMS Decrypt"));
  g_assert_nonnull (strstr (error->message, "disabled"));
  fake_server_free (server);
}

/* _async calls on an encrypted model do not wait for KMS in the caller's
 * main context: a KMS that takes 300 ms per call, while a 20 ms timeout
 * must keep firing until the call completes; and a cancelled call returns
 * at once. */
typedef struct {
  guint delay_ms;
  gint calls;
  gint wrapped;   /* data keys wrapped so far (never reset) */
} SlowKms;

#define SLOW_KEY "0123456789abcdef0123456789abcdef"

static void
slow_kms_handler (FakeServer *server, SoupServerMessage *msg, const char *path, guint index, gpointer data)
{
  SlowKms *kms = data;
  const char *target = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "X-Amz-Target");
  g_autofree char *key = g_base64_encode ((const guchar *) SLOW_KEY, 32);
  g_autofree char *blob = NULL;
  g_autofree char *wrapped = NULL;
  g_autofree char *body = NULL;

  /* Each data key wrapped differently (the same key underneath), so that
   * values sealed by two GenerateDataKey calls need two Decrypt calls. */
  g_atomic_int_inc (&kms->calls);
  blob = g_strdup_printf ("wrapped %d:" SLOW_KEY, g_atomic_int_add (&kms->wrapped, 1));
  wrapped = g_base64_encode ((const guchar *) blob, strlen (blob));
  g_usleep (kms->delay_ms * 1000);
  if (g_strcmp0 (target, "TrentService.GenerateDataKey") == 0)
    body = g_strdup_printf ("{\"KeyId\": \"k1\", \"Plaintext\": \"%s\", \"CiphertextBlob\": \"%s\"}",
                            key, wrapped);
  else
    body = g_strdup_printf ("{\"KeyId\": \"k1\", \"Plaintext\": \"%s\"}", key);
  fake_respond_json (msg, 200, body, FALSE);
}

typedef struct {
  GAsyncResult *result;
  guint ticks;
  GCancellable *cancel;
} AsyncWait;

static gboolean
tick_cb (gpointer data)
{
  AsyncWait *wait = data;

  wait->ticks++;
  return G_SOURCE_CONTINUE;
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
wait_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncWait *wait = data;

  wait->result = g_object_ref (result);
}

/* Runs the main context until the call completes; the ticks of a 20 ms
 * timeout meanwhile. */
static void
async_wait_run (AsyncWait *wait)
{
  guint tick = g_timeout_add (20, tick_cb, wait);

  while (wait->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

static GType
kms_patient_type (void)
{
  static GType type;

  if (type == 0)
    {
      static const char *props[] = { "id:s", "ssn:s", "age:i", NULL };
      const char *tags[] = { "id=pk", "ssn=encrypted", NULL };
      g_autoptr(GError) error = NULL;

      type = test_define_model ("KmsAsyncPatient", (const char * const *) props);
      g_assert_true (dynamorm_model_type_declare (type, "patients", tags, &error));
      g_assert_no_error (error);
    }
  return type;
}

static void
test_kms_async_does_not_block (void)
{
  SlowKms kms = { .delay_ms = 300 };
  FakeServer *server = fake_server_new (slow_kms_handler, &kms);
  g_autofree char *uri = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(DynamormModel) model = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ssn = NULL;
  g_auto(GValue) pk = G_VALUE_INIT;
  AsyncWait put = { 0 }, get = { 0 }, cancelled = { 0 }, cancelled_get = { 0 };
  GType type = kms_patient_type ();
  gint64 start;

  g_setenv ("AWS_ACCESS_KEY_ID", "AKIDTEST", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "test-secret", TRUE);
  uri = g_strdup_printf ("memory://?kms_key_id=k1&kms_region=us-east-1&kms_endpoint=%s",
                         fake_server_get_url (server));
  session = dynamorm_session_new (uri, &error);
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (session, type, NULL, &error));
  g_assert_no_error (error);
  model = g_object_new (type, "id", "p1", "ssn", "123-45-6789", "age", 41, NULL);

  /* put: GenerateDataKey in a worker thread. */
  dynamorm_session_put_async (session, model, NULL, wait_done_cb, &put);
  async_wait_run (&put);
  g_assert_true (dynamorm_session_put_finish (session, put.result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&kms.calls), ==, 1);
  g_assert_cmpuint (put.ticks, >=, 3);

  /* get with an empty cache: Decrypt in a worker thread. */
  dynamorm_data_key_cache_clear (dynamorm_session_get_data_key_cache (session));
  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, "p1");
  dynamorm_session_get_async (session, type, &pk, NULL, NULL, wait_done_cb, &get);
  async_wait_run (&get);
  got = dynamorm_session_get_finish (session, get.result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&kms.calls), ==, 2);
  g_assert_cmpuint (get.ticks, >=, 3);
  g_object_get (got, "ssn", &ssn, NULL);
  g_assert_cmpstr (ssn, ==, "123-45-6789");

  /* Cancelled while KMS is still working: returns CANCELLED at once, and
   * nothing is stored. */
  kms.delay_ms = 1500;
  dynamorm_data_key_cache_clear (dynamorm_session_get_data_key_cache (session));
  g_object_set (model, "id", "p2", NULL);
  cancelled.cancel = g_cancellable_new ();
  g_timeout_add (100, cancel_cb, cancelled.cancel);
  start = g_get_monotonic_time ();
  dynamorm_session_put_async (session, model, cancelled.cancel, wait_done_cb, &cancelled);
  async_wait_run (&cancelled);
  g_assert_false (dynamorm_session_put_finish (session, cancelled.result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1200 * G_TIME_SPAN_MILLISECOND);

  /* The same for a get waiting on Decrypt. */
  dynamorm_data_key_cache_clear (dynamorm_session_get_data_key_cache (session));
  cancelled_get.cancel = g_cancellable_new ();
  g_timeout_add (100, cancel_cb, cancelled_get.cancel);
  start = g_get_monotonic_time ();
  dynamorm_session_get_async (session, type, &pk, NULL, cancelled_get.cancel, wait_done_cb, &cancelled_get);
  async_wait_run (&cancelled_get);
  g_assert_null (dynamorm_session_get_finish (session, cancelled_get.result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1200 * G_TIME_SPAN_MILLISECOND);

  /* Nothing was stored by the cancelled put. */
  g_value_set_string (&pk, "p2");
  g_assert_null (dynamorm_session_get (session, type, &pk, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The KMS provider got the cancellable too: the cancelled requests were
   * dropped, so no key came of them. */
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (dynamorm_session_get_data_key_cache (session)), ==, 2);

  g_clear_object (&put.result);
  g_clear_object (&get.result);
  g_clear_object (&cancelled.result);
  g_clear_object (&cancelled.cancel);
  g_clear_object (&cancelled_get.result);
  g_clear_object (&cancelled_get.cancel);
  g_clear_object (&session);
  test_clear_aws_env ();
  fake_server_free (server);
}

/* The other _async calls that read or write encrypted values, on a session
 * whose KMS answers in 300 ms: a query page, a batch get and write, a
 * transaction (commit and get) and an update that sets an encrypted
 * property and returns the item. Each starts with an empty data-key
 * cache, so it needs KMS, and the 20 ms timeout must keep firing. */
typedef struct {
  SlowKms kms;
  FakeServer *server;
  DynamormSession *session;
  GType type;
} SlowSession;

static void
slow_session_init (SlowSession *s)
{
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;

  *s = (SlowSession){ 0 };
  s->server = fake_server_new (slow_kms_handler, &s->kms);
  s->type = kms_patient_type ();
  g_setenv ("AWS_ACCESS_KEY_ID", "AKIDTEST", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "test-secret", TRUE);
  uri = g_strdup_printf ("memory://?kms_key_id=k1&kms_region=us-east-1&kms_endpoint=%s",
                         fake_server_get_url (s->server));
  s->session = dynamorm_session_new (uri, &error);
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (s->session, s->type, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 1; i <= 2; i++)
    {
      g_autofree char *id = g_strdup_printf ("p%u", i);
      g_autofree char *ssn = g_strdup_printf ("000-00-000%u", i);
      g_autoptr(DynamormModel) model = g_object_new (s->type, "id", id, "ssn", ssn, "age", (int) i, NULL);

      g_assert_true (dynamorm_session_put (s->session, model, NULL, &error));
      g_assert_no_error (error);
    }
  /* From here, every KMS call is slow and the cache starts empty. */
  dynamorm_data_key_cache_clear (dynamorm_session_get_data_key_cache (s->session));
  g_atomic_int_set (&s->kms.calls, 0);
  s->kms.delay_ms = 300;
}

/* Checks the call that completed in wait needed KMS n_calls times in
 * all, while the main context ran; empties the cache for the next one. */
static void
slow_session_check (SlowSession *s, AsyncWait *wait, gint n_calls)
{
  g_assert_cmpint (g_atomic_int_get (&s->kms.calls), ==, n_calls);
  g_assert_cmpuint (wait->ticks, >=, 3);
  g_clear_object (&wait->result);
  wait->ticks = 0;
  dynamorm_data_key_cache_clear (dynamorm_session_get_data_key_cache (s->session));
}

static void
slow_session_clear (SlowSession *s)
{
  g_clear_object (&s->session);
  test_clear_aws_env ();
  fake_server_free (s->server);
}

static char *
model_ssn (DynamormModel *model)
{
  char *ssn = NULL;

  g_object_get (model, "ssn", &ssn, NULL);
  return ssn;
}

static void
test_kms_async_query_page (void)
{
  SlowSession s;
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(GListModel) page = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autofree char *ssn = NULL;
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0 };

  slow_session_init (&s);
  query = dynamorm_query_new (s.session, s.type);
  dynamorm_query_where (query, "id", DYNAMORM_OPERATOR_EQ, "p2");
  dynamorm_query_page_async (query, 10, NULL, NULL, wait_done_cb, &wait);
  async_wait_run (&wait);
  page = dynamorm_query_page_finish (query, wait.result, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (page), ==, 1);
  got = g_list_model_get_item (page, 0);
  ssn = model_ssn (got);
  g_assert_cmpstr (ssn, ==, "000-00-0002");
  slow_session_check (&s, &wait, 1);
  slow_session_clear (&s);
}

static void
test_kms_async_batch_get (void)
{
  SlowSession s;
  g_autoptr(DynamormKey) k1 = dynamorm_key_new_string ("p1", NULL);
  g_autoptr(DynamormKey) k2 = dynamorm_key_new_string ("p2", NULL);
  DynamormKey *keys[] = { k1, k2 };
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0 };

  slow_session_init (&s);
  dynamorm_session_batch_get_async (s.session, s.type, keys, 2, NULL, NULL, wait_done_cb, &wait);
  async_wait_run (&wait);
  models = dynamorm_session_batch_get_finish (s.session, wait.result, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 2);
  for (guint i = 0; i < models->len; i++)
    {
      g_autofree char *ssn = model_ssn (models->pdata[i]);

      g_assert_true (g_str_has_prefix (ssn, "000-00-000"));
    }
  /* Both items were written with one data key. */
  slow_session_check (&s, &wait, 1);
  slow_session_clear (&s);
}

static void
test_kms_async_batch_write (void)
{
  SlowSession s;
  g_autoptr(DynamormModel) a = NULL;
  g_autoptr(DynamormModel) b = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autofree char *ssn = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) pk = G_VALUE_INIT;
  DynamormModel *puts[2];
  AsyncWait wait = { 0 };

  slow_session_init (&s);
  puts[0] = a = g_object_new (s.type, "id", "w1", "ssn", "111-11-1111", NULL);
  puts[1] = b = g_object_new (s.type, "id", "w2", "ssn", "222-22-2222", NULL);
  dynamorm_session_batch_write_async (s.session, puts, 2, NULL, 0, NULL, NULL, wait_done_cb, &wait);
  async_wait_run (&wait);
  g_assert_true (dynamorm_session_batch_write_finish (s.session, wait.result, NULL, &error));
  g_assert_no_error (error);
  /* One GenerateDataKey for both values. */
  slow_session_check (&s, &wait, 1);

  s.kms.delay_ms = 0;
  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, "w2");
  got = dynamorm_session_get (s.session, s.type, &pk, NULL, NULL, &error);
  g_assert_no_error (error);
  ssn = model_ssn (got);
  g_assert_cmpstr (ssn, ==, "222-22-2222");
  slow_session_clear (&s);
}

static void
test_kms_async_transaction (void)
{
  SlowSession s;
  g_autoptr(DynamormTransaction) txn = NULL;
  g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
  g_autoptr(DynamormModel) put = NULL;
  g_autoptr(DynamormModel) updated = NULL;
  g_autoptr(DynamormModel) read1 = NULL;
  g_autoptr(DynamormModel) read2 = NULL;
  g_autofree char *ssn1 = NULL;
  g_autofree char *ssn2 = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  DynamormModel *reads[2];
  AsyncWait commit = { 0 }, get = { 0 };

  slow_session_init (&s);
  /* A put and an update that sets an encrypted property: GenerateDataKey
   * in a worker thread before the request is built. */
  txn = dynamorm_transaction_new (s.session);
  put = g_object_new (s.type, "id", "t1", "ssn", "333-33-3333", NULL);
  dynamorm_transaction_add_put (txn, put, NULL);
  updated = g_object_new (s.type, "id", "p1", NULL);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "444-44-4444");
  dynamorm_update_set (update, "ssn", &value);
  dynamorm_transaction_add_update_with (txn, updated, update, NULL);
  dynamorm_transaction_commit_async (txn, NULL, wait_done_cb, &commit);
  async_wait_run (&commit);
  g_assert_true (dynamorm_transaction_commit_finish (txn, commit.result, &error));
  g_assert_no_error (error);
  slow_session_check (&s, &commit, 1);

  /* TransactGetItems: Decrypt in a worker thread. */
  reads[0] = read1 = g_object_new (s.type, "id", "t1", NULL);
  reads[1] = read2 = g_object_new (s.type, "id", "p1", NULL);
  dynamorm_session_transact_get_async (s.session, reads, 2, NULL, wait_done_cb, &get);
  async_wait_run (&get);
  g_assert_true (dynamorm_session_transact_get_finish (s.session, get.result, NULL, &error));
  g_assert_no_error (error);
  ssn1 = model_ssn (read1);
  ssn2 = model_ssn (read2);
  g_assert_cmpstr (ssn1, ==, "333-33-3333");
  g_assert_cmpstr (ssn2, ==, "444-44-4444");
  slow_session_check (&s, &get, 2);
  slow_session_clear (&s);
}

static void
test_kms_async_update (void)
{
  SlowSession s;
  g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
  g_autoptr(DynamormModel) model = NULL;
  g_autofree char *ssn = NULL;
  g_autofree char *ssn_after = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  const char *age_only[] = { "age", NULL };
  AsyncWait set = { 0 }, other = { 0 };
  int age = 0;

  slow_session_init (&s);
  /* SET of an encrypted property (GenerateDataKey in a worker thread);
   * the item it returns is sealed with that key. */
  model = g_object_new (s.type, "id", "p1", NULL);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "555-55-5555");
  dynamorm_update_set (update, "ssn", &value);
  dynamorm_session_update_full_async (s.session, model, update, NULL, NULL, wait_done_cb, &set);
  async_wait_run (&set);
  g_assert_true (dynamorm_session_update_full_finish (s.session, set.result, NULL, &error));
  g_assert_no_error (error);
  ssn = model_ssn (model);
  g_assert_cmpstr (ssn, ==, "555-55-5555");
  slow_session_check (&s, &set, 1);

  /* An update of another property seals nothing, and asks no data key;
   * the encrypted value it returns is opened with Decrypt in a worker
   * thread. */
  g_object_set (model, "age", 50, NULL);
  dynamorm_session_update_async (s.session, model, age_only, NULL, wait_done_cb, &other);
  async_wait_run (&other);
  g_assert_true (dynamorm_session_update_finish (s.session, other.result, &error));
  g_assert_no_error (error);
  g_object_get (model, "age", &age, "ssn", &ssn_after, NULL);
  g_assert_cmpint (age, ==, 50);
  g_assert_cmpstr (ssn_after, ==, "555-55-5555");
  slow_session_check (&s, &other, 2);
  slow_session_clear (&s);
}

/* A write refused by its condition returns the stored item, sealed with
 * a data key the cache does not hold: Decrypt in a worker thread before
 * the current model is made. */
static void
test_kms_async_refused_write (void)
{
  SlowSession s;
  g_autoptr(DynamormWriteOptions) options = dynamorm_write_options_new ();
  g_autoptr(DynamormModel) other = NULL;
  g_autoptr(DynamormModel) model = NULL;
  g_autoptr(DynamormModel) current = NULL;
  g_autofree char *ssn = NULL;
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0 };

  slow_session_init (&s);
  /* An encryption key in the cache first, so the put asks for none. */
  s.kms.delay_ms = 0;
  other = g_object_new (s.type, "id", "x1", "ssn", "999-99-9999", NULL);
  g_assert_true (dynamorm_session_put (s.session, other, NULL, &error));
  g_assert_no_error (error);
  g_atomic_int_set (&s.kms.calls, 0);
  s.kms.delay_ms = 300;

  model = g_object_new (s.type, "id", "p1", "ssn", "123-12-1234", NULL);
  dynamorm_write_options_set_if_not_exists (options, TRUE);
  dynamorm_session_put_full_async (s.session, model, options, NULL, wait_done_cb, &wait);
  async_wait_run (&wait);
  g_assert_false (dynamorm_session_put_full_finish (s.session, wait.result, &current, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_assert_nonnull (current);
  ssn = model_ssn (current);
  g_assert_cmpstr (ssn, ==, "000-00-0001");
  slow_session_check (&s, &wait, 1);
  slow_session_clear (&s);
}

/* A data migration of an encrypted model: each page is opened (Decrypt)
 * and its data key for the target made (GenerateDataKey) in worker
 * threads. */
static void
test_kms_async_migration (void)
{
  static const char *props[] = { "id:s", "ssn:s", "age:i", NULL };
  const char *tags[] = { "id=pk", "ssn=encrypted", NULL };
  static GType copy_type;
  SlowSession s;
  g_autoptr(DynamormDataMigration) migration = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autofree char *ssn = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) pk = G_VALUE_INIT;
  AsyncWait wait = { 0 };

  if (copy_type == 0)
    {
      copy_type = test_define_model ("KmsAsyncPatientCopy", (const char * const *) props);
      g_assert_true (dynamorm_model_type_declare (copy_type, "patients_copy", tags, &error));
      g_assert_no_error (error);
    }
  slow_session_init (&s);
  g_assert_true (dynamorm_session_create_table (s.session, copy_type, NULL, &error));
  g_assert_no_error (error);
  migration = dynamorm_data_migration_new (s.session, "patients", "patients_copy");
  dynamorm_data_migration_set_encrypted_model (migration, s.type);
  dynamorm_data_migration_run_async (migration, NULL, wait_done_cb, &wait);
  async_wait_run (&wait);
  g_assert_true (dynamorm_data_migration_run_finish (migration, wait.result, &error));
  g_assert_no_error (error);
  /* One Decrypt for the page (both items share a data key), one
   * GenerateDataKey for the target. */
  slow_session_check (&s, &wait, 2);

  s.kms.delay_ms = 0;
  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, "p2");
  got = dynamorm_session_get (s.session, copy_type, &pk, NULL, NULL, &error);
  g_assert_no_error (error);
  ssn = model_ssn (got);
  g_assert_cmpstr (ssn, ==, "000-00-0002");
  slow_session_clear (&s);
}

/* The same async put and get against moto's KMS (no delay there: this
 * checks the worker-thread path end to end with real GenerateDataKey and
 * Decrypt answers). */
static void
test_moto_kms_async (void)
{
  const char *url = moto_url ();
  g_autofree char *key_id = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *ssn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(DynamormModel) model = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_auto(GValue) pk = G_VALUE_INIT;
  AsyncWait put = { 0 }, get = { 0 };
  DynamormDataKeyCache *cache;
  GType type = kms_patient_type ();

  if (url == NULL)
    return;
  key_id = moto_create_key (url);
  g_setenv ("AWS_ACCESS_KEY_ID", "AKIDTEST", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "test-secret", TRUE);
  uri = g_strdup_printf ("memory://?kms_key_id=%s&kms_region=us-east-1&kms_endpoint=%s", key_id, url);
  session = dynamorm_session_new (uri, &error);
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (session, type, NULL, &error));
  g_assert_no_error (error);
  cache = dynamorm_session_get_data_key_cache (session);
  model = g_object_new (type, "id", "m1", "ssn", "987-65-4321", "age", 7, NULL);
  dynamorm_session_put_async (session, model, NULL, wait_done_cb, &put);
  async_wait_run (&put);
  g_assert_true (dynamorm_session_put_finish (session, put.result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), ==, 1);

  dynamorm_data_key_cache_clear (cache);
  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, "m1");
  dynamorm_session_get_async (session, type, &pk, NULL, NULL, wait_done_cb, &get);
  async_wait_run (&get);
  got = dynamorm_session_get_finish (session, get.result, &error);
  g_assert_no_error (error);
  g_object_get (got, "ssn", &ssn, NULL);
  g_assert_cmpstr (ssn, ==, "987-65-4321");
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache), >=, 1);
  g_clear_object (&put.result);
  g_clear_object (&get.result);
  test_clear_aws_env ();
}

static void
test_moto_kms (void)
{
  const char *url = moto_url ();
  g_autofree char *key_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormCredentials) creds = dynamorm_credentials_new ("AKIDTEST", "test-secret", NULL, NULL);
  g_autoptr(DynamormKeyProvider) provider = NULL;
  g_autoptr(DynamormKeyProvider) unreachable = NULL;
  g_autoptr(GBytes) plaintext = NULL, wrapped = NULL, back = NULL, bad = NULL;
  g_autoptr(GBytes) junk = g_bytes_new_static ("junk-junk-junk-junk-junk", 24);

  if (url == NULL)
    return;
  key_id = moto_create_key (url);
  provider = dynamorm_key_provider_new_kms (key_id, "us-east-1", creds, url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dynamorm_key_provider_get_key_id (provider), ==, key_id);
  g_assert_true (dynamorm_key_provider_generate_data_key (provider, &plaintext, &wrapped, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (plaintext), ==, 32);
  back = dynamorm_key_provider_decrypt_data_key (provider, key_id, wrapped, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, plaintext));

  /* KMS refuses a blob it did not make: an error naming KMS and the key. */
  bad = dynamorm_key_provider_decrypt_data_key (provider, key_id, junk, NULL, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "KMS Decrypt"));
  g_assert_nonnull (strstr (error->message, key_id));
  g_clear_error (&error);

  /* An endpoint that is not there: a network error that says where. */
  unreachable = dynamorm_key_provider_new_kms (key_id, "us-east-1", creds, "http://127.0.0.1:9/", &error);
  g_assert_no_error (error);
  g_clear_pointer (&plaintext, g_bytes_unref);
  g_clear_pointer (&wrapped, g_bytes_unref);
  g_assert_false (dynamorm_key_provider_generate_data_key (unreachable, &plaintext, &wrapped, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "127.0.0.1:9"));
}

static void
test_moto_kms_session (void)
{
  const char *url = moto_url ();
  g_autofree char *key_id = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) response = NULL;
  DynamormDataKeyCache *cache;
  DynamormKeyProvider *provider;
  g_autoptr(GBytes) p1 = NULL, w1 = NULL;

  if (url == NULL)
    return;
  key_id = moto_create_key (url);
  g_setenv ("AWS_ACCESS_KEY_ID", "AKIDTEST", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "test-secret", TRUE);
  uri = g_strdup_printf ("memory://?kms_key_id=%s&kms_region=us-east-1&kms_endpoint=%s&data_key_max_uses=3",
                         key_id, url);
  session = dynamorm_session_new (uri, &error);
  g_assert_no_error (error);
  provider = dynamorm_session_get_key_provider (session);
  g_assert_nonnull (provider);
  cache = dynamorm_session_get_data_key_cache (session);
  g_assert_cmpuint (dynamorm_data_key_cache_get_max_uses (cache), ==, 3);
  g_assert_true (dynamorm_key_provider_generate_data_key (provider, &p1, &w1, NULL, &error));
  g_assert_no_error (error);
  test_clear_aws_env ();
}

static void
test_moto_sts (void)
{
  const char *url = moto_url ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormCredentials) source = dynamorm_credentials_new ("AKIDTEST", "test-secret", NULL, NULL);
  g_autoptr(DynamormAwsCredentialProvider) source_provider = NULL;
  g_autoptr(DynamormAwsCredentialProvider) provider = NULL;
  g_autoptr(DynamormCredentials) a = NULL, b = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  DynamormAssumeRoleConfig config = {
    .role_arn = "arn:aws:iam::123456789012:role/PartnerReader",
    .external_id = "partner-7",
    .duration_seconds = 1800,
    .region = "us-east-1",
  };
  GTimeSpan lifetime;

  if (url == NULL)
    return;
  config.sts_endpoint = url;
  source_provider = dynamorm_aws_credential_provider_new_static (source);
  provider = dynamorm_aws_credential_provider_new_assume_role (source_provider, &config, &error);
  g_assert_no_error (error);
  a = dynamorm_aws_credential_provider_get (provider, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (dynamorm_credentials_get_access_key_id (a), "ASIA"));
  g_assert_nonnull (dynamorm_credentials_get_session_token (a));
  lifetime = g_date_time_difference (dynamorm_credentials_get_expiration (a), now);
  g_assert_cmpint (lifetime, >, 1700 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (lifetime, <, 1900 * G_TIME_SPAN_SECOND);
  b = dynamorm_aws_credential_provider_get (provider, NULL, &error);
  g_assert_true (a == b);
  g_assert_cmpuint (dynamorm_aws_credential_provider_get_n_resolved (provider), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/dynamorm/sts/assume-role", Fixture, NULL, fixture_setup, test_assume_role, fixture_teardown);
  g_test_add ("/dynamorm/sts/refresh-before-expiry", Fixture, NULL, fixture_setup, test_refresh_before_expiry,
              fixture_teardown);
  g_test_add ("/dynamorm/sts/single-flight", Fixture, NULL, fixture_setup, test_single_flight, fixture_teardown);
  g_test_add ("/dynamorm/sts/failures", Fixture, NULL, fixture_setup, test_failures, fixture_teardown);
  g_test_add ("/dynamorm/sts/uri-options", Fixture, NULL, fixture_setup, test_uri_options, fixture_teardown);
  g_test_add ("/dynamorm/sts/profiles", Fixture, NULL, fixture_setup, test_profiles, fixture_teardown);
  g_test_add ("/dynamorm/accounts/partners", Fixture, NULL, fixture_setup, test_accounts, fixture_teardown);
  g_test_add_func ("/dynamorm/moto/kms", test_moto_kms);
  g_test_add_func ("/dynamorm/moto/kms-session", test_moto_kms_session);
  g_test_add_func ("/dynamorm/moto/kms-missing-key", test_moto_kms_missing_key);
  g_test_add_func ("/dynamorm/kms/disabled-key", test_kms_disabled_key);
  g_test_add_func ("/dynamorm/kms/async-does-not-block", test_kms_async_does_not_block);
  g_test_add_func ("/dynamorm/kms/async-query-page", test_kms_async_query_page);
  g_test_add_func ("/dynamorm/kms/async-batch-get", test_kms_async_batch_get);
  g_test_add_func ("/dynamorm/kms/async-batch-write", test_kms_async_batch_write);
  g_test_add_func ("/dynamorm/kms/async-transaction", test_kms_async_transaction);
  g_test_add_func ("/dynamorm/kms/async-update", test_kms_async_update);
  g_test_add_func ("/dynamorm/kms/async-refused-write", test_kms_async_refused_write);
  g_test_add_func ("/dynamorm/kms/async-migration", test_kms_async_migration);
  g_test_add_func ("/dynamorm/moto/kms-async", test_moto_kms_async);
  g_test_add_func ("/dynamorm/moto/sts", test_moto_sts);

  return g_test_run ();
}
