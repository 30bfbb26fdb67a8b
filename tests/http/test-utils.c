/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "test-utils.h"

DynamormBackend *
test_backend_new (const char           *uri,
                  DynamormRetryPolicy  *retry_policy,
                  DynamormCredentials  *credentials,
                  GError              **error)
{
  /* The public way to give a backend credentials and a retry policy. */
  return dynamorm_backend_new_for_uri_full (uri, credentials, retry_policy, NULL, error);
}

DynamormRetryPolicy *
test_policy_new (guint max_attempts,
                 guint initial_delay_ms)
{
  return dynamorm_retry_policy_new_full (max_attempts, initial_delay_ms, 60000, 2.0, 0.0);
}

typedef struct {
  GAsyncResult *result;
} AsyncData;

static void
async_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncData *data = user_data;

  data->result = g_object_ref (result);
  g_main_context_wakeup (g_main_context_get_thread_default ());
}

JsonNode *
test_invoke_async_wait (DynamormBackend  *backend,
                        const char       *operation,
                        JsonNode         *request,
                        GCancellable     *cancellable,
                        GError          **error)
{
  AsyncData data = { NULL };
  GMainContext *context = g_main_context_get_thread_default ();
  JsonNode *response;

  dynamorm_backend_invoke_async (backend, operation, request, cancellable, async_done_cb, &data);
  while (data.result == NULL)
    g_main_context_iteration (context, TRUE);
  response = dynamorm_backend_invoke_finish (backend, data.result, error);
  g_object_unref (data.result);
  return response;
}

JsonNode *
test_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

void
test_clear_aws_env (void)
{
  static const char * const names[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_unsetenv (names[i]);
  g_setenv ("AWS_CONFIG_FILE", "/nonexistent/dynamorm-test/config", TRUE);
  g_setenv ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/dynamorm-test/credentials", TRUE);
  /* Never reach for the real 169.254.169.254 from a test. */
  g_setenv ("AWS_EC2_METADATA_DISABLED", "true", TRUE);
}
