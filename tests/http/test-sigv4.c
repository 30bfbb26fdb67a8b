/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs every case of the AWS Signature Version 4 test suite (copied from
 * botocore's tests/unit/auth/aws4_testsuite, Apache-2.0, see LICENSE and
 * NOTICE there) through DynamormSigV4Request and compares the canonical
 * request, the string to sign and the Authorization header.
 *
 * botocore skips four cases: normalize-path/get-space (Python's HTTP parser
 * chokes on the request line) and the three cases with a repeated query
 * parameter (its SDK request model cannot hold them). Our own parser and
 * signer handle all four, so nothing is skipped here. */
#include <string.h>

#include <dynamorm.h>

#define ACCESS_KEY "AKIDEXAMPLE"
#define SECRET_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define REGION "us-east-1"
#define SERVICE "service"

static char *
read_case_file (const char *dir,
                const char *name,
                const char *ext)
{
  g_autofree char *file = g_strdup_printf ("%s.%s", name, ext);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  GString *str;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  /* The expected files are compared without carriage returns, as botocore does. */
  str = g_string_new (contents);
  g_free (contents);
  g_string_replace (str, "\r", "", 0);
  return g_string_free (str, FALSE);
}

/* Parses a raw HTTP/1.1 request as the suite writes it: the request target
 * may contain spaces (get-space), header lines may be folded
 * (get-header-value-multiline) and repeated (get-header-key-duplicate). */
static DynamormSigV4Request *
parse_request (const char *raw)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *target = NULL;
  g_autofree char *method = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  DynamormSigV4Request *request;
  const char *first_space, *last_space, *query;
  const char *body_start;
  guint i;

  body_start = strstr (raw, "\n\n");
  lines = g_strsplit (raw, "\n", -1);

  first_space = strchr (lines[0], ' ');
  last_space = strrchr (lines[0], ' ');
  g_assert_nonnull (first_space);
  g_assert_true (last_space > first_space);
  method = g_strndup (lines[0], first_space - lines[0]);
  target = g_strndup (first_space + 1, last_space - first_space - 1);

  query = strchr (target, '?');
  path = query ? g_strndup (target, query - target) : g_strdup (target);
  request = dynamorm_sigv4_request_new (method, path, query ? query + 1 : NULL);

  for (i = 1; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      const char *colon;

      if (g_ascii_isspace (*lines[i]))
        {
          /* obs-fold: the continuation belongs to the previous header */
          char *joined;

          g_assert_cmpuint (values->len, >, 0);
          joined = g_strconcat (g_ptr_array_index (values, values->len - 1), " ", lines[i], NULL);
          g_free (g_ptr_array_index (values, values->len - 1));
          g_ptr_array_index (values, values->len - 1) = joined;
          continue;
        }

      colon = strchr (lines[i], ':');
      g_assert_nonnull (colon);
      g_ptr_array_add (names, g_strndup (lines[i], colon - lines[i]));
      g_ptr_array_add (values, g_strdup (colon + 1));
    }

  for (i = 0; i < names->len; i++)
    dynamorm_sigv4_request_add_header (request, g_ptr_array_index (names, i),
                                       g_ptr_array_index (values, i));

  if (body_start != NULL && body_start[2] != '\0')
    {
      g_autoptr(GBytes) body = g_bytes_new (body_start + 2, strlen (body_start + 2));
      dynamorm_sigv4_request_set_body (request, body);
    }

  return request;
}

/* The session token of a case is the X-Amz-Security-Token header of its
 * signed request (.sreq); whether it is signed, whether the canonical
 * request (.creq) holds it: post-sts-header-after adds it after signing. */
static char *
find_token (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], "x-amz-security-token:", strlen ("x-amz-security-token:")) == 0)
      return g_strdup (lines[i] + strlen ("x-amz-security-token:"));
  return NULL;
}

static void
test_suite_case (gconstpointer data)
{
  const char *dir = data;
  g_autofree char *name = g_path_get_basename (dir);
  g_autofree char *raw = read_case_file (dir, name, "req");
  g_autofree char *creq = read_case_file (dir, name, "creq");
  g_autofree char *sreq = read_case_file (dir, name, "sreq");
  g_autofree char *sts = read_case_file (dir, name, "sts");
  g_autofree char *authz = read_case_file (dir, name, "authz");
  g_autofree char *token = find_token (sreq);
  g_autofree char *signed_token = find_token (creq);
  g_autoptr(DynamormSigV4Request) request = parse_request (raw);
  g_autoptr(DynamormCredentials) credentials = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *added;

  credentials = dynamorm_credentials_new (ACCESS_KEY, SECRET_KEY, token, NULL);
  time = g_date_time_new_utc (2015, 8, 30, 12, 36, 0);
  if (token != NULL && signed_token == NULL)
    dynamorm_sigv4_request_set_sign_session_token (request, FALSE);

  g_assert_true (dynamorm_sigv4_request_sign (request, REGION, SERVICE, time, credentials, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (dynamorm_sigv4_request_get_canonical_request (request), ==, creq);
  g_assert_cmpstr (dynamorm_sigv4_request_get_string_to_sign (request), ==, sts);
  g_assert_cmpstr (dynamorm_sigv4_request_get_authorization (request), ==, authz);

  added = dynamorm_sigv4_request_get_headers_to_add (request);
  g_assert_cmpstr (g_hash_table_lookup (added, "Authorization"), ==, authz);
  g_assert_cmpstr (g_hash_table_lookup (added, "X-Amz-Date"), ==, "20150830T123600Z");
  /* Signed or not, the token goes with the request. */
  g_assert_cmpstr (g_hash_table_lookup (added, "X-Amz-Security-Token"), ==, token);
}

/* The two STS cases, by name: the suite must keep exercising both ways. */
static void
test_session_token_cases (void)
{
  g_autofree char *after = g_test_build_filename (G_TEST_DIST, "aws4_testsuite", "post-sts-token",
                                                  "post-sts-header-after", "post-sts-header-after.sreq", NULL);
  g_autofree char *before = g_test_build_filename (G_TEST_DIST, "aws4_testsuite", "post-sts-token",
                                                   "post-sts-header-before", "post-sts-header-before.creq", NULL);
  g_autofree char *sreq = NULL;
  g_autofree char *creq = NULL;
  g_autofree char *after_token = NULL;
  g_autofree char *before_token = NULL;

  g_assert_true (g_file_get_contents (after, &sreq, NULL, NULL));
  g_assert_true (g_file_get_contents (before, &creq, NULL, NULL));
  after_token = find_token (sreq);
  before_token = find_token (creq);
  g_assert_nonnull (after_token);
  g_assert_nonnull (before_token);
}

/* A token the caller wants unsigned: the signature is the one without any
 * token, and the header still comes back to be sent. */
static void
test_unsigned_session_token (void)
{
  g_autoptr(DynamormSigV4Request) with = dynamorm_sigv4_request_new ("POST", "/", NULL);
  g_autoptr(DynamormSigV4Request) without = dynamorm_sigv4_request_new ("POST", "/", NULL);
  g_autoptr(DynamormCredentials) temporary = dynamorm_credentials_new (ACCESS_KEY, SECRET_KEY, "tok", NULL);
  g_autoptr(DynamormCredentials) permanent = dynamorm_credentials_new (ACCESS_KEY, SECRET_KEY, NULL, NULL);
  g_autoptr(GDateTime) time = g_date_time_new_utc (2015, 8, 30, 12, 36, 0);
  g_autoptr(GError) error = NULL;

  dynamorm_sigv4_request_add_header (with, "Host", "example.amazonaws.com");
  dynamorm_sigv4_request_add_header (with, "X-Amz-Security-Token", "stale");
  dynamorm_sigv4_request_add_header (without, "Host", "example.amazonaws.com");
  dynamorm_sigv4_request_set_sign_session_token (with, FALSE);
  g_assert_true (dynamorm_sigv4_request_sign (with, REGION, SERVICE, time, temporary, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_sigv4_request_sign (without, REGION, SERVICE, time, permanent, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (dynamorm_sigv4_request_get_signed_headers (with), ==, "host;x-amz-date");
  g_assert_cmpstr (dynamorm_sigv4_request_get_authorization (with), ==,
                   dynamorm_sigv4_request_get_authorization (without));
  g_assert_cmpstr (g_hash_table_lookup (dynamorm_sigv4_request_get_headers_to_add (with), "X-Amz-Security-Token"), ==, "tok");

  /* Back on: signed again. */
  dynamorm_sigv4_request_set_sign_session_token (with, TRUE);
  g_assert_true (dynamorm_sigv4_request_sign (with, REGION, SERVICE, time, temporary, &error));
  g_assert_cmpstr (dynamorm_sigv4_request_get_signed_headers (with), ==, "host;x-amz-date;x-amz-security-token");
}

static void
collect_cases (const char *dir,
               GPtrArray  *cases)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *base = g_path_get_basename (dir);
  g_autofree char *req = g_strdup_printf ("%s.req", base);
  g_autofree char *req_path = g_build_filename (dir, req, NULL);
  const char *entry;

  if (g_file_test (req_path, G_FILE_TEST_EXISTS))
    g_ptr_array_add (cases, g_strdup (dir));

  if (d == NULL)
    return;
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, entry, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        collect_cases (child, cases);
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
test_missing_host (void)
{
  g_autoptr(DynamormSigV4Request) request = dynamorm_sigv4_request_new ("POST", "/", NULL);
  g_autoptr(DynamormCredentials) credentials = dynamorm_credentials_new ("AKID", "secret", NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (dynamorm_sigv4_request_sign (request, REGION, SERVICE, NULL, credentials, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_null (dynamorm_sigv4_request_get_authorization (request));
}

/* A DynamoDB request as the HTTP transport signs it; the expected values are
 * what botocore computes for the same request (SigV4Auth, frozen time). */
static void
test_dynamodb_request (void)
{
  g_autoptr(DynamormSigV4Request) request = dynamorm_sigv4_request_new ("POST", "/", NULL);
  g_autoptr(DynamormCredentials) credentials = NULL;
  g_autoptr(GDateTime) time = g_date_time_new_utc (2015, 8, 30, 12, 36, 0);
  g_autoptr(GBytes) body = g_bytes_new_static ("{}", 2);
  g_autoptr(GError) error = NULL;
  GHashTable *added;

  credentials = dynamorm_credentials_new (ACCESS_KEY, SECRET_KEY, "token", NULL);
  dynamorm_sigv4_request_add_header (request, "Host", "dynamodb.us-east-1.amazonaws.com");
  dynamorm_sigv4_request_add_header (request, "Content-Type", "application/x-amz-json-1.0");
  dynamorm_sigv4_request_add_header (request, "X-Amz-Target", "DynamoDB_20120810.ListTables");
  dynamorm_sigv4_request_add_header (request, "User-Agent", "ignored");
  dynamorm_sigv4_request_set_body (request, body);
  dynamorm_sigv4_request_set_sign_content_sha256 (request, TRUE);

  g_assert_true (dynamorm_sigv4_request_sign (request, "us-east-1", "dynamodb", time, credentials, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (dynamorm_sigv4_request_get_signed_headers (request), ==,
                   "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target");
  added = dynamorm_sigv4_request_get_headers_to_add (request);
  g_assert_cmpuint (g_hash_table_size (added), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (added, "x-amz-content-sha256"), ==,
                   "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  g_assert_cmpstr (g_hash_table_lookup (added, "X-Amz-Security-Token"), ==, "token");
  g_assert_cmpstr (dynamorm_sigv4_request_get_authorization (request), ==,
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/aws4_request, "
                   "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target, "
                   "Signature=e0680e88c69a94cf8994a786428092a464e6342e0d9ba2972d4eab63484a789c");
}

/* The signature computed here with GHmac, step by step, from the string
 * to sign the signer reports. */
static char *
reference_signature (const char *secret,
                     const char *scope_date,
                     const char *region,
                     const char *string_to_sign)
{
  const char *steps[] = { scope_date, region, "dynamodb", "aws4_request", string_to_sign };
  g_autofree char *first = g_strconcat ("AWS4", secret, NULL);
  guint8 key[32];
  gsize len = strlen (first);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, i == 0 ? (const guchar *) first : key,
                                          i == 0 ? len : sizeof key);
      gsize out = sizeof key;

      g_hmac_update (hmac, (const guchar *) steps[i], -1);
      if (i + 1 == G_N_ELEMENTS (steps))
        return g_strdup (g_hmac_get_string (hmac));
      g_hmac_get_digest (hmac, key, &out);
    }
  g_assert_not_reached ();
}

static void
sign_and_check (const char *secret,
                const char *region,
                GDateTime  *time)
{
  g_autoptr(DynamormSigV4Request) request = dynamorm_sigv4_request_new ("POST", "/", NULL);
  g_autoptr(DynamormCredentials) credentials = dynamorm_credentials_new (ACCESS_KEY, secret, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *date = g_date_time_format (time, "%Y%m%d");
  g_autofree char *expected = NULL;
  const char *authorization;

  dynamorm_sigv4_request_add_header (request, "Host", "dynamodb.example");
  g_assert_true (dynamorm_sigv4_request_sign (request, region, "dynamodb", time, credentials, &error));
  g_assert_no_error (error);
  expected = reference_signature (secret, date, region, dynamorm_sigv4_request_get_string_to_sign (request));
  authorization = dynamorm_sigv4_request_get_authorization (request);
  g_assert_cmpstr (strstr (authorization, "Signature=") + strlen ("Signature="), ==, expected);
}

static gpointer
sign_in_thread (gpointer data)
{
  sign_and_check ("thread-secret", "eu-west-1", data);
  return NULL;
}

/* The signer keeps the last signing key it derived: a new secret, a new
 * day or another region must never sign with the old one. */
static void
test_signing_key_changes (void)
{
  g_autoptr(GDateTime) day1 = g_date_time_new_utc (2026, 12, 4, 23, 59, 59);
  g_autoptr(GDateTime) day2 = g_date_time_new_utc (2026, 12, 5, 0, 0, 1);

  sign_and_check ("secret-a", "eu-west-1", day1);
  sign_and_check ("secret-a", "eu-west-1", day1);
  sign_and_check ("secret-b", "eu-west-1", day1);
  sign_and_check ("secret-a", "eu-west-1", day1);
  sign_and_check ("secret-a", "eu-west-1", day2);
  sign_and_check ("secret-a", "us-east-1", day2);
  sign_and_check ("secret-a-longer-than-a-sha256-block-of-sixty-four-bytes-xxxxxxxxxxxxxx", "us-east-1", day2);
  g_thread_join (g_thread_new ("signer", sign_in_thread, day2));
  sign_and_check ("secret-a", "us-east-1", day2);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *root = NULL;
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  root = g_test_build_filename (G_TEST_DIST, "aws4_testsuite", NULL);
  collect_cases (root, cases);
  g_ptr_array_sort (cases, compare_strings);
  /* The suite has 34 cases; fewer means the copy is incomplete. */
  g_assert_cmpuint (cases->len, ==, 34);

  for (guint i = 0; i < cases->len; i++)
    {
      const char *dir = g_ptr_array_index (cases, i);
      g_autofree char *test_path = g_strdup_printf ("/dynamorm/sigv4/suite/%s", dir + strlen (root) + 1);
      g_test_add_data_func (test_path, dir, test_suite_case);
    }
  g_test_add_func ("/dynamorm/sigv4/missing-host", test_missing_host);
  g_test_add_func ("/dynamorm/sigv4/signing-key-changes", test_signing_key_changes);
  g_test_add_func ("/dynamorm/sigv4/dynamodb-request", test_dynamodb_request);
  g_test_add_func ("/dynamorm/sigv4/session-token-cases", test_session_token_cases);
  g_test_add_func ("/dynamorm/sigv4/unsigned-session-token", test_unsigned_session_token);

  ret = g_test_run ();
  return ret;
}
