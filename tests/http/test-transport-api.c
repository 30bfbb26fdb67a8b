/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DynamormCredentials and DynamormRetryPolicy. */
#include <string.h>

#include <dynamorm.h>

#define FAKE_SECRET "dynamorm-test-secret-not-real"
#define FAKE_TOKEN "dynamorm-test-token-not-real"

static void
test_credentials_accessors (void)
{
  g_autoptr(GDateTime) expiration = g_date_time_new_utc (2030, 1, 2, 3, 4, 5);
  g_autoptr(DynamormCredentials) credentials =
    dynamorm_credentials_new ("AKIDTESTEXAMPLE1", FAKE_SECRET, FAKE_TOKEN, expiration);
  g_autoptr(DynamormCredentials) other = NULL;
  g_autoptr(DynamormCredentials) no_token = dynamorm_credentials_new ("AKID", "s", "", NULL);

  g_assert_cmpstr (dynamorm_credentials_get_access_key_id (credentials), ==, "AKIDTESTEXAMPLE1");
  g_assert_cmpstr (dynamorm_credentials_get_secret_access_key (credentials), ==, FAKE_SECRET);
  g_assert_cmpstr (dynamorm_credentials_get_session_token (credentials), ==, FAKE_TOKEN);
  g_assert_true (g_date_time_equal (dynamorm_credentials_get_expiration (credentials), expiration));
  g_assert_null (dynamorm_credentials_get_session_token (no_token));
  g_assert_null (dynamorm_credentials_get_expiration (no_token));

  other = dynamorm_credentials_ref (credentials);
  g_assert_true (other == credentials);
  dynamorm_credentials_unref (other);
  other = NULL;

  g_assert_true (G_TYPE_IS_BOXED (DYNAMORM_TYPE_CREDENTIALS));
}

static void
test_credentials_to_string (void)
{
  g_autoptr(GDateTime) expiration = g_date_time_new_utc (2030, 1, 2, 3, 4, 5);
  g_autoptr(DynamormCredentials) credentials =
    dynamorm_credentials_new ("AKIDTESTEXAMPLE1", FAKE_SECRET, FAKE_TOKEN, expiration);
  g_autofree char *text = dynamorm_credentials_to_string (credentials);

  g_test_message ("%s", text);
  g_assert_null (strstr (text, FAKE_SECRET));
  g_assert_null (strstr (text, FAKE_TOKEN));
  g_assert_null (strstr (text, "AKIDTESTEXAMPLE1"));
  g_assert_nonnull (strstr (text, "…PLE1"));
  g_assert_nonnull (strstr (text, "session token"));
  g_assert_nonnull (strstr (text, "2030-01-02"));
}

static void
test_credentials_expiry (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_utc (2030, 1, 1, 12, 0, 0);
  g_autoptr(GDateTime) soon = g_date_time_add_minutes (now, 3);
  g_autoptr(DynamormCredentials) expiring = dynamorm_credentials_new ("A", "s", "t", soon);
  g_autoptr(DynamormCredentials) forever = dynamorm_credentials_new ("A", "s", NULL, NULL);

  g_assert_true (dynamorm_credentials_expires_within (expiring, now, 5 * G_TIME_SPAN_MINUTE));
  g_assert_false (dynamorm_credentials_expires_within (expiring, now, 2 * G_TIME_SPAN_MINUTE));
  g_assert_false (dynamorm_credentials_expires_within (forever, now, 100 * G_TIME_SPAN_DAY));
  /* Against the real clock, 2030 is far away. */
  g_assert_false (dynamorm_credentials_expires_within (expiring, NULL, G_TIME_SPAN_HOUR));
}

static void
test_retry_policy_defaults (void)
{
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new ();

  g_assert_cmpuint (dynamorm_retry_policy_get_max_attempts (policy), ==, 10);
  g_assert_cmpuint (dynamorm_retry_policy_get_initial_delay (policy), ==, 50);
  g_assert_cmpuint (dynamorm_retry_policy_get_max_delay (policy), ==, 20000);
  g_assert_cmpfloat (dynamorm_retry_policy_get_backoff_factor (policy), ==, 2.0);
  g_assert_cmpfloat (dynamorm_retry_policy_get_jitter (policy), ==, 1.0);
}

static void
test_retry_policy_delays (void)
{
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (20, 100, 1000, 2.0, 0.0);

  g_assert_cmpuint (dynamorm_retry_policy_get_delay (policy, 0), ==, 0);
  g_assert_cmpuint (dynamorm_retry_policy_get_delay (policy, 1), ==, 100);
  g_assert_cmpuint (dynamorm_retry_policy_get_delay (policy, 2), ==, 200);
  g_assert_cmpuint (dynamorm_retry_policy_get_delay (policy, 3), ==, 400);
  g_assert_cmpuint (dynamorm_retry_policy_get_delay (policy, 4), ==, 800);
  g_assert_cmpuint (dynamorm_retry_policy_get_delay (policy, 5), ==, 1000);
  g_assert_cmpuint (dynamorm_retry_policy_get_delay (policy, 5000), ==, 1000);
  g_assert_cmpuint (dynamorm_retry_policy_get_delay (policy, G_MAXUINT), ==, 1000);
}

static void
test_retry_policy_jitter (void)
{
  g_autoptr(DynamormRetryPolicy) full = dynamorm_retry_policy_new_full (10, 100, 10000, 3.0, 1.0);
  g_autoptr(DynamormRetryPolicy) half = dynamorm_retry_policy_new_full (10, 100, 10000, 3.0, 0.5);
  gboolean varied = FALSE;
  guint first = dynamorm_retry_policy_get_delay (full, 3);

  for (guint i = 0; i < 200; i++)
    {
      guint d_full = dynamorm_retry_policy_get_delay (full, 3);   /* nominal 900 */
      guint d_half = dynamorm_retry_policy_get_delay (half, 3);

      g_assert_cmpuint (d_full, <=, 900);
      g_assert_cmpuint (d_half, >=, 450);
      g_assert_cmpuint (d_half, <=, 900);
      varied |= d_full != first;
    }
  g_assert_true (varied);
}

static void
test_retry_policy_should_retry (void)
{
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (3, 10, 100, 2.0, 0.0);
  g_autoptr(GError) throttled = g_error_new_literal (DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED, "slow down");
  g_autoptr(GError) network = g_error_new_literal (DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK, "down");
  g_autoptr(GError) condition = g_error_new_literal (DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED, "no");
  g_autoptr(GError) validation = g_error_new_literal (DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION, "bad");

  g_assert_true (dynamorm_retry_policy_should_retry (policy, 1, throttled));
  g_assert_true (dynamorm_retry_policy_should_retry (policy, 2, network));
  g_assert_false (dynamorm_retry_policy_should_retry (policy, 3, throttled));
  g_assert_false (dynamorm_retry_policy_should_retry (policy, 1, condition));
  g_assert_false (dynamorm_retry_policy_should_retry (policy, 1, validation));
}

static void
test_retry_policy_properties (void)
{
  g_autoptr(DynamormRetryPolicy) policy = NULL;
  guint attempts = 0;
  double jitter = -1;

  policy = g_object_new (DYNAMORM_TYPE_RETRY_POLICY, "max-attempts", 4, "jitter", 0.25, NULL);
  g_object_get (policy, "max-attempts", &attempts, "jitter", &jitter, NULL);
  g_assert_cmpuint (attempts, ==, 4);
  g_assert_cmpfloat (jitter, ==, 0.25);
  g_assert_cmpuint (dynamorm_retry_policy_get_initial_delay (policy), ==, 50);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dynamorm/credentials/accessors", test_credentials_accessors);
  g_test_add_func ("/dynamorm/credentials/to-string", test_credentials_to_string);
  g_test_add_func ("/dynamorm/credentials/expiry", test_credentials_expiry);
  g_test_add_func ("/dynamorm/retry-policy/defaults", test_retry_policy_defaults);
  g_test_add_func ("/dynamorm/retry-policy/delays", test_retry_policy_delays);
  g_test_add_func ("/dynamorm/retry-policy/jitter", test_retry_policy_jitter);
  g_test_add_func ("/dynamorm/retry-policy/should-retry", test_retry_policy_should_retry);
  g_test_add_func ("/dynamorm/retry-policy/properties", test_retry_policy_properties);

  return g_test_run ();
}
