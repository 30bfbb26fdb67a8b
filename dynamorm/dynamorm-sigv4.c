/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "dynamorm-error.h"
#include "dynamorm-sigv4.h"
#include "dynamorm-accessors-private.h"

/**
 * DynamormSigV4Request:
 *
 * Signs an HTTP request with AWS Signature Version 4.
 *
 * Describe the request (method, path, query, headers and body), then call
 * [method@Dynamorm.SigV4Request.sign] with a region, a service name, a time
 * and [struct@Dynamorm.Credentials]. The result is the `Authorization` header
 * and the other headers the request must carry (`X-Amz-Date`, and
 * `X-Amz-Security-Token` for temporary credentials), plus the intermediate
 * canonical request and string to sign for debugging. Nothing is sent: the
 * signer works with any HTTP library.
 *
 * ```c
 * g_autoptr(DynamormSigV4Request) req = dynamorm_sigv4_request_new ("POST", "/", NULL);
 * dynamorm_sigv4_request_add_header (req, "Host", "dynamodb.eu-west-1.amazonaws.com");
 * dynamorm_sigv4_request_add_header (req, "X-Amz-Target", "DynamoDB_20120810.ListTables");
 * dynamorm_sigv4_request_set_body (req, body);
 * if (!dynamorm_sigv4_request_sign (req, "eu-west-1", "dynamodb", NULL, credentials, &error))
 *   return FALSE;
 * headers = dynamorm_sigv4_request_get_headers_to_add (req);
 * ```
 *
 * The implementation passes every case of the AWS Signature Version 4 test
 * suite.
 */
struct _DynamormSigV4Request
{
  GObject parent_instance;

  char *method;
  char *path;
  char *query;
  GHashTable *headers;          /* lower-case name -> GPtrArray of raw values */
  GBytes *body;
  gboolean normalize_path;
  gboolean sign_content_sha256;
  gboolean sign_session_token;

  /* results */
  char *canonical_request;
  char *string_to_sign;
  char *signed_headers;
  char *authorization;
  GHashTable *headers_to_add;
};

G_DEFINE_FINAL_TYPE (DynamormSigV4Request, dynamorm_sigv4_request, G_TYPE_OBJECT)

#define ALGORITHM "AWS4-HMAC-SHA256"

/* Headers that proxies and clients change in flight; signing them would
 * break the signature (botocore's SIGNED_HEADERS_BLACKLIST). */
static const char * const unsigned_headers[] = {
  "authorization", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id",
};

static void
clear_results (DynamormSigV4Request *self)
{
  g_clear_pointer (&self->canonical_request, g_free);
  g_clear_pointer (&self->string_to_sign, g_free);
  g_clear_pointer (&self->signed_headers, g_free);
  g_clear_pointer (&self->authorization, g_free);
  g_hash_table_remove_all (self->headers_to_add);
}

static void
dynamorm_sigv4_request_finalize (GObject *object)
{
  DynamormSigV4Request *self = DYNAMORM_SIGV4_REQUEST (object);

  clear_results (self);
  g_clear_pointer (&self->headers_to_add, g_hash_table_unref);
  g_clear_pointer (&self->headers, g_hash_table_unref);
  g_clear_pointer (&self->body, g_bytes_unref);
  g_free (self->method);
  g_free (self->path);
  g_free (self->query);

  G_OBJECT_CLASS (dynamorm_sigv4_request_parent_class)->finalize (object);
}

static void
dynamorm_sigv4_request_class_init (DynamormSigV4RequestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_sigv4_request_finalize;
}

static void
dynamorm_sigv4_request_init (DynamormSigV4Request *self)
{
  self->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->headers_to_add = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->normalize_path = TRUE;
  self->sign_session_token = TRUE;
}

/**
 * dynamorm_sigv4_request_new:
 * @method: the HTTP method, such as `"POST"`
 * @path: the request path as it is sent, already URI-encoded, such as `"/"`
 * @query: (nullable): the query string as it is sent, without the `?`
 *
 * Creates a request to sign.
 *
 * Returns: (transfer full): a new #DynamormSigV4Request
 */
DynamormSigV4Request *
dynamorm_sigv4_request_new (const char *method,
                            const char *path,
                            const char *query)
{
  DynamormSigV4Request *self;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (DYNAMORM_TYPE_SIGV4_REQUEST, NULL);
  self->method = g_strdup (method);
  self->path = g_strdup (*path ? path : "/");
  self->query = g_strdup (query);

  return self;
}

/**
 * dynamorm_sigv4_request_add_header:
 * @self: a #DynamormSigV4Request
 * @name: a header name; case does not matter
 * @value: its value
 *
 * Adds a header the request carries. A header added twice is signed with
 * both values, in order, as HTTP combines repeated headers. The request
 * needs at least `Host`. `X-Amz-Date` and `X-Amz-Security-Token` are
 * replaced by the values [method@Dynamorm.SigV4Request.sign] computes.
 */
void
dynamorm_sigv4_request_add_header (DynamormSigV4Request *self,
                                   const char           *name,
                                   const char           *value)
{
  g_autofree char *lower = NULL;
  GPtrArray *values;

  g_return_if_fail (DYNAMORM_IS_SIGV4_REQUEST (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  lower = g_ascii_strdown (name, -1);
  values = g_hash_table_lookup (self->headers, lower);
  if (values == NULL)
    {
      values = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->headers, g_steal_pointer (&lower), values);
    }
  g_ptr_array_add (values, g_strdup (value));
}

/**
 * dynamorm_sigv4_request_add_headers:
 * @self: a #DynamormSigV4Request
 * @headers: (element-type utf8 utf8): header names and values
 *
 * Adds every header in @headers, as [method@Dynamorm.SigV4Request.add_header]
 * does.
 */
void
dynamorm_sigv4_request_add_headers (DynamormSigV4Request *self,
                                    GHashTable           *headers)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (DYNAMORM_IS_SIGV4_REQUEST (self));
  g_return_if_fail (headers != NULL);

  g_hash_table_iter_init (&iter, headers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    dynamorm_sigv4_request_add_header (self, key, value);
}

/**
 * dynamorm_sigv4_request_set_body:
 * @self: a #DynamormSigV4Request
 * @body: (nullable): the request body
 *
 * Sets the body the request carries; %NULL is an empty body.
 */
void
dynamorm_sigv4_request_set_body (DynamormSigV4Request *self,
                                 GBytes               *body)
{
  g_return_if_fail (DYNAMORM_IS_SIGV4_REQUEST (self));

  g_clear_pointer (&self->body, g_bytes_unref);
  if (body != NULL)
    self->body = g_bytes_ref (body);
}

/**
 * dynamorm_sigv4_request_set_normalize_path:
 * @self: a #DynamormSigV4Request
 * @normalize_path: whether to normalize and encode the path
 *
 * Every service but Amazon S3 signs the path with `.`, `..` and repeated
 * slashes removed, URI-encoded once more. That is the default. With
 * %FALSE the path is signed exactly as given, as S3 wants.
 */
DYNAMORM_DEFINE_BOOLEAN_SETTER (dynamorm_sigv4_request_set_normalize_path, DynamormSigV4Request,
                                DYNAMORM_IS_SIGV4_REQUEST, normalize_path, normalize_path)

/**
 * dynamorm_sigv4_request_set_sign_content_sha256:
 * @self: a #DynamormSigV4Request
 * @sign_content_sha256: whether to add `x-amz-content-sha256`
 *
 * Adds the SHA-256 of the body as the signed header `x-amz-content-sha256`,
 * which Amazon S3 requires. Off by default.
 */
DYNAMORM_DEFINE_BOOLEAN_SETTER (dynamorm_sigv4_request_set_sign_content_sha256, DynamormSigV4Request,
                                DYNAMORM_IS_SIGV4_REQUEST, sign_content_sha256, sign_content_sha256)

/**
 * dynamorm_sigv4_request_set_sign_session_token:
 * @self: a #DynamormSigV4Request
 * @sign_session_token: whether the session token is part of the signature
 *
 * With temporary credentials the request carries the session token in the
 * `X-Amz-Security-Token` header. Most services, DynamoDB among them, want
 * that header signed like any other: that is the default. Some services
 * want the token added after the signature is computed; with %FALSE the
 * token is left out of the canonical request and the signed headers, and
 * [method@Dynamorm.SigV4Request.get_headers_to_add] still holds it, to be
 * sent with the request.
 */
DYNAMORM_DEFINE_BOOLEAN_SETTER (dynamorm_sigv4_request_set_sign_session_token, DynamormSigV4Request,
                                DYNAMORM_IS_SIGV4_REQUEST, sign_session_token, sign_session_token)

/* RFC 3986 percent-encoding of everything but the unreserved characters
 * (and '/' when @keep_slash), upper-case hex, as SigV4 wants. */
static void
append_uri_encoded (GString    *out,
                    const char *text,
                    gsize       len,
                    gboolean    keep_slash)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = text[i];

      if (g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.' || c == '~' ||
          (keep_slash && c == '/'))
        g_string_append_c (out, c);
      else
        g_string_append_printf (out, "%%%02X", c);
    }
}

/* Decodes %XX escapes; anything malformed stays as it is. */
static GBytes *
percent_decode (const char *text,
                gsize       len)
{
  GByteArray *out = g_byte_array_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = text[i];

      if (c == '%' && i + 2 < len &&
          g_ascii_isxdigit (text[i + 1]) && g_ascii_isxdigit (text[i + 2]))
        {
          c = (g_ascii_xdigit_value (text[i + 1]) << 4) | g_ascii_xdigit_value (text[i + 2]);
          i += 2;
        }
      g_byte_array_append (out, &c, 1);
    }

  return g_byte_array_free_to_bytes (out);
}

static char *
encode_query_component (const char *text,
                        gsize       len)
{
  g_autoptr(GBytes) decoded = percent_decode (text, len);
  GString *out = g_string_new (NULL);
  gsize size;
  const char *data = g_bytes_get_data (decoded, &size);

  append_uri_encoded (out, data, size, FALSE);
  return g_string_free (out, FALSE);
}

typedef struct {
  char *key;
  char *value;
} QueryParam;

static void
query_param_free (gpointer data)
{
  QueryParam *param = data;

  g_free (param->key);
  g_free (param->value);
  g_free (param);
}

static int
query_param_compare (gconstpointer a,
                     gconstpointer b)
{
  const QueryParam *pa = *(const QueryParam * const *) a;
  const QueryParam *pb = *(const QueryParam * const *) b;
  int cmp = strcmp (pa->key, pb->key);

  return cmp != 0 ? cmp : strcmp (pa->value, pb->value);
}

/* Parameters sorted by encoded name, then value; duplicate names kept. */
static char *
canonical_query (const char *query)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (query_param_free);
  GString *out = g_string_new (NULL);
  const char *p = query ? query : "";

  while (*p != '\0')
    {
      const char *end = strchr (p, '&');
      const char *eq;
      QueryParam *param;

      if (end == NULL)
        end = p + strlen (p);
      if (end > p)
        {
          eq = memchr (p, '=', end - p);
          param = g_new0 (QueryParam, 1);
          if (eq != NULL)
            {
              param->key = encode_query_component (p, eq - p);
              param->value = encode_query_component (eq + 1, end - eq - 1);
            }
          else
            {
              param->key = encode_query_component (p, end - p);
              param->value = g_strdup ("");
            }
          g_ptr_array_add (params, param);
        }
      p = *end ? end + 1 : end;
    }

  g_ptr_array_sort (params, query_param_compare);
  for (guint i = 0; i < params->len; i++)
    {
      QueryParam *param = g_ptr_array_index (params, i);

      if (i > 0)
        g_string_append_c (out, '&');
      g_string_append_printf (out, "%s=%s", param->key, param->value);
    }

  return g_string_free (out, FALSE);
}

/* RFC 3986 remove_dot_segments, plus empty segments dropped, keeping a
 * trailing slash: "//a/./b/../" -> "/a/". */
static char *
normalize_path (const char *path)
{
  g_auto(GStrv) segments = g_strsplit (path, "/", -1);
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();
  GString *out = g_string_new (NULL);
  gboolean trailing = g_str_has_suffix (path, "/");

  for (guint i = 0; segments[i] != NULL; i++)
    {
      if (*segments[i] == '\0' || g_str_equal (segments[i], "."))
        continue;
      if (g_str_equal (segments[i], ".."))
        {
          if (stack->len > 0)
            g_ptr_array_remove_index (stack, stack->len - 1);
          continue;
        }
      g_ptr_array_add (stack, segments[i]);
    }

  for (guint i = 0; i < stack->len; i++)
    {
      g_string_append_c (out, '/');
      g_string_append (out, g_ptr_array_index (stack, i));
    }
  if (out->len == 0 || trailing)
    g_string_append_c (out, '/');

  return g_string_free (out, FALSE);
}

static char *
canonical_uri (DynamormSigV4Request *self)
{
  g_autofree char *normalized = NULL;
  GString *out;

  if (!self->normalize_path)
    return g_strdup (self->path);

  normalized = normalize_path (self->path);
  out = g_string_new (NULL);
  append_uri_encoded (out, normalized, strlen (normalized), TRUE);
  return g_string_free (out, FALSE);
}

/* Trims and squeezes runs of white space (folded lines included) into one
 * space, as the canonical header form wants. */
static void
append_trimmed_value (GString    *out,
                      const char *value)
{
  gboolean pending_space = FALSE;
  gboolean any = FALSE;

  for (const char *p = value; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p))
        {
          pending_space = any;
          continue;
        }
      if (pending_space)
        g_string_append_c (out, ' ');
      pending_space = FALSE;
      any = TRUE;
      g_string_append_c (out, *p);
    }
}

/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
static void
hex_encode (const guint8 *data,
            gsize         len,
            char         *out)
{
  static const char digits[] = "0123456789abcdef";

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0xf];
    }
  out[2 * len] = '\0';
}

/* Nettle's SHA-256 (it uses the CPU's SHA instructions where there are
 * some): GChecksum's was a fifth of a request's client CPU. */
static char *
sha256_hex (const void *data,
            gsize       len)
{
  struct sha256_ctx ctx;
  guint8 digest[SHA256_DIGEST_SIZE];
  char *hex = g_malloc (2 * SHA256_DIGEST_SIZE + 1);

  sha256_init (&ctx);
  sha256_update (&ctx, len, data);
  sha256_digest (&ctx, sizeof digest, digest);
  hex_encode (digest, sizeof digest, hex);
  return hex;
}

static void
hmac_sha256 (const guint8 *key,
             gsize         key_len,
             const char   *data,
             guint8        out[SHA256_DIGEST_SIZE])
{
  struct hmac_sha256_ctx ctx;

  hmac_sha256_set_key (&ctx, key_len, key);
  hmac_sha256_update (&ctx, strlen (data), (const guint8 *) data);
  hmac_sha256_digest (&ctx, SHA256_DIGEST_SIZE, out);
  memset (&ctx, 0, sizeof ctx);
}

/* The signing key, HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region),
 * service), "aws4_request"), changes once a day: each thread keeps the last
 * one it derived, found again by the SHA-256 of the secret (the secret
 * itself is not kept) and the scope. */
typedef struct {
  guint8 secret_digest[SHA256_DIGEST_SIZE];
  char *scope;
  guint8 key[SHA256_DIGEST_SIZE];
} SigningKey;

static void
signing_key_free (gpointer data)
{
  SigningKey *cached = data;

  memset (cached->key, 0, sizeof cached->key);
  memset (cached->secret_digest, 0, sizeof cached->secret_digest);
  g_free (cached->scope);
  g_free (cached);
}

static GPrivate last_signing_key = G_PRIVATE_INIT (signing_key_free);

static void
derive_signing_key (const char *secret,
                    const char *date,
                    const char *region,
                    const char *service,
                    const char *scope,
                    guint8      key[SHA256_DIGEST_SIZE])
{
  SigningKey *cached = g_private_get (&last_signing_key);
  guint8 secret_digest[SHA256_DIGEST_SIZE];
  struct sha256_ctx ctx;
  g_autofree char *secret_key = NULL;
  guint8 k[SHA256_DIGEST_SIZE];

  sha256_init (&ctx);
  sha256_update (&ctx, strlen (secret), (const guint8 *) secret);
  sha256_digest (&ctx, sizeof secret_digest, secret_digest);
  if (cached != NULL && g_str_equal (cached->scope, scope) &&
      memeql_sec (cached->secret_digest, secret_digest, sizeof secret_digest))
    {
      memcpy (key, cached->key, SHA256_DIGEST_SIZE);
      return;
    }

  secret_key = g_strconcat ("AWS4", secret, NULL);
  hmac_sha256 ((const guint8 *) secret_key, strlen (secret_key), date, key);
  memset (secret_key, 0, strlen (secret_key));
  hmac_sha256 (key, SHA256_DIGEST_SIZE, region, k);
  hmac_sha256 (k, sizeof k, service, key);
  hmac_sha256 (key, SHA256_DIGEST_SIZE, "aws4_request", k);
  memcpy (key, k, sizeof k);
  memset (k, 0, sizeof k);

  cached = g_new0 (SigningKey, 1);
  memcpy (cached->secret_digest, secret_digest, sizeof secret_digest);
  cached->scope = g_strdup (scope);
  memcpy (cached->key, key, SHA256_DIGEST_SIZE);
  g_private_replace (&last_signing_key, cached);
}

/* Appends each string of the NULL-terminated list followed by a newline
 * (the canonical request and the string to sign are lines). */
static void
append_lines (GString    *out,
              const char *first,
              ...)
{
  va_list args;

  va_start (args, first);
  for (const char *line = first; line != NULL; line = va_arg (args, const char *))
    {
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  va_end (args);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
is_unsigned_header (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (unsigned_headers); i++)
    if (g_str_equal (name, unsigned_headers[i]))
      return TRUE;
  return FALSE;
}

/**
 * dynamorm_sigv4_request_sign:
 * @self: a #DynamormSigV4Request
 * @region: the region, such as `"eu-west-1"`
 * @service: the signing name of the service, such as `"dynamodb"`
 * @time: (nullable): the signing time, or %NULL for now
 * @credentials: the credentials to sign with
 * @error: return location for a #GError
 *
 * Signs the request. Afterwards [method@Dynamorm.SigV4Request.get_headers_to_add]
 * holds the headers to set on the request. Signing again (say, with new
 * credentials for a retry) replaces the previous results.
 *
 * Returns: %TRUE on success; %FALSE if the request has no `Host` header
 */
gboolean
dynamorm_sigv4_request_sign (DynamormSigV4Request  *self,
                             const char            *region,
                             const char            *service,
                             GDateTime             *time,
                             DynamormCredentials   *credentials,
                             GError               **error)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *amz_date = NULL;
  g_autofree char *date = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *query = NULL;
  g_autofree char *payload_hash = NULL;
  g_autofree char *creq_hash = NULL;
  g_autoptr(GHashTable) canonical = NULL;
  g_autoptr(GPtrArray) names = NULL;
  GString *creq, *signed_headers, *sts;
  char signature[2 * SHA256_DIGEST_SIZE + 1];
  const char *token;
  const char *body_data = NULL;
  gsize body_len = 0;
  GHashTableIter iter;
  gpointer key, value;
  guint8 k1[SHA256_DIGEST_SIZE], k2[SHA256_DIGEST_SIZE];

  g_return_val_if_fail (DYNAMORM_IS_SIGV4_REQUEST (self), FALSE);
  g_return_val_if_fail (region != NULL, FALSE);
  g_return_val_if_fail (service != NULL, FALSE);
  g_return_val_if_fail (credentials != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  clear_results (self);

  if (!g_hash_table_contains (self->headers, "host"))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Cannot sign a request without a Host header: add the endpoint’s host (and port) as a header (SigV4Request.add_header)"));
      return FALSE;
    }

  utc = time ? g_date_time_to_utc (time) : g_date_time_new_now_utc ();
  amz_date = g_date_time_format (utc, "%Y%m%dT%H%M%SZ");
  date = g_date_time_format (utc, "%Y%m%d");
  scope = g_strdup_printf ("%s/%s/%s/aws4_request", date, region, service);
  token = dynamorm_credentials_get_session_token (credentials);

  if (self->body != NULL)
    body_data = g_bytes_get_data (self->body, &body_len);
  payload_hash = sha256_hex (body_data ? body_data : "", body_len);

  /* lower-case name -> canonical value, with the computed headers winning */
  canonical = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&iter, self->headers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *values = value;
      GString *joined;

      if (is_unsigned_header (key))
        continue;
      joined = g_string_new (NULL);
      for (guint i = 0; i < values->len; i++)
        {
          if (i > 0)
            g_string_append_c (joined, ',');
          append_trimmed_value (joined, g_ptr_array_index (values, i));
        }
      g_hash_table_insert (canonical, g_strdup (key), g_string_free (joined, FALSE));
    }

  g_hash_table_insert (canonical, g_strdup ("x-amz-date"), g_strdup (amz_date));
  g_hash_table_insert (self->headers_to_add, g_strdup ("X-Amz-Date"), g_strdup (amz_date));
  if (token != NULL)
    {
      /* Unsigned, it is only added to the request; a caller's own
       * X-Amz-Security-Token header is then not signed either. */
      if (self->sign_session_token)
        g_hash_table_insert (canonical, g_strdup ("x-amz-security-token"), g_strdup (token));
      else
        g_hash_table_remove (canonical, "x-amz-security-token");
      g_hash_table_insert (self->headers_to_add, g_strdup ("X-Amz-Security-Token"), g_strdup (token));
    }
  if (self->sign_content_sha256)
    {
      g_hash_table_insert (canonical, g_strdup ("x-amz-content-sha256"), g_strdup (payload_hash));
      g_hash_table_insert (self->headers_to_add, g_strdup ("x-amz-content-sha256"), g_strdup (payload_hash));
    }
  else if (g_hash_table_contains (canonical, "x-amz-content-sha256"))
    {
      /* A caller-provided hash (S3's UNSIGNED-PAYLOAD) is what gets signed. */
      g_free (payload_hash);
      payload_hash = g_strdup (g_hash_table_lookup (canonical, "x-amz-content-sha256"));
    }

  names = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, canonical);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_sort (names, compare_names);

  uri = canonical_uri (self);
  query = canonical_query (self->query);

  creq = g_string_new (NULL);
  signed_headers = g_string_new (NULL);
  append_lines (creq, self->method, uri, query, NULL);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      g_string_append (creq, name);
      g_string_append_c (creq, ':');
      append_lines (creq, g_hash_table_lookup (canonical, name), NULL);
      if (i > 0)
        g_string_append_c (signed_headers, ';');
      g_string_append (signed_headers, name);
    }
  g_string_append_c (creq, '\n');
  append_lines (creq, signed_headers->str, NULL);
  g_string_append (creq, payload_hash);

  creq_hash = sha256_hex (creq->str, creq->len);
  sts = g_string_new (NULL);
  append_lines (sts, ALGORITHM, amz_date, scope, NULL);
  g_string_append (sts, creq_hash);

  derive_signing_key (dynamorm_credentials_get_secret_access_key (credentials),
                      date, region, service, scope, k2);
  hmac_sha256 (k2, sizeof k2, sts->str, k1);
  memset (k2, 0, sizeof k2);
  hex_encode (k1, sizeof k1, signature);

  self->authorization = g_strdup_printf (ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                                         dynamorm_credentials_get_access_key_id (credentials),
                                         scope, signed_headers->str, signature);
  g_hash_table_insert (self->headers_to_add, g_strdup ("Authorization"), g_strdup (self->authorization));

  self->canonical_request = g_string_free (creq, FALSE);
  self->string_to_sign = g_string_free (sts, FALSE);
  self->signed_headers = g_string_free (signed_headers, FALSE);

  return TRUE;
}

/**
 * dynamorm_sigv4_request_get_authorization:
 * @self: a #DynamormSigV4Request
 *
 * Gets the value of the `Authorization` header, once signed.
 *
 * Returns: (nullable): the header value, or %NULL before signing
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_sigv4_request_get_authorization,
                        DynamormSigV4Request, DYNAMORM_IS_SIGV4_REQUEST, authorization, NULL)

/**
 * dynamorm_sigv4_request_get_headers_to_add:
 * @self: a #DynamormSigV4Request
 *
 * Gets every header the signed request must carry that the caller did not
 * add: `Authorization`, `X-Amz-Date`, and `X-Amz-Security-Token` and
 * `x-amz-content-sha256` when they apply. Set them, replacing any value
 * the request had.
 *
 * Returns: (transfer none) (element-type utf8 utf8): header names and
 *   values; empty before signing
 */
DYNAMORM_DEFINE_GETTER (GHashTable *, dynamorm_sigv4_request_get_headers_to_add,
                        DynamormSigV4Request, DYNAMORM_IS_SIGV4_REQUEST, headers_to_add, NULL)

/**
 * dynamorm_sigv4_request_get_canonical_request:
 * @self: a #DynamormSigV4Request
 *
 * Gets the canonical request that was signed, for debugging a signature the
 * service refuses.
 *
 * Returns: (nullable): the canonical request, or %NULL before signing
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_sigv4_request_get_canonical_request,
                        DynamormSigV4Request, DYNAMORM_IS_SIGV4_REQUEST, canonical_request, NULL)

/**
 * dynamorm_sigv4_request_get_string_to_sign:
 * @self: a #DynamormSigV4Request
 *
 * Gets the string to sign, for debugging.
 *
 * Returns: (nullable): the string to sign, or %NULL before signing
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_sigv4_request_get_string_to_sign,
                        DynamormSigV4Request, DYNAMORM_IS_SIGV4_REQUEST, string_to_sign, NULL)

/**
 * dynamorm_sigv4_request_get_signed_headers:
 * @self: a #DynamormSigV4Request
 *
 * Gets the `;`-separated, sorted names of the headers that were signed.
 *
 * Returns: (nullable): the signed header names, or %NULL before signing
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_sigv4_request_get_signed_headers,
                        DynamormSigV4Request, DYNAMORM_IS_SIGV4_REQUEST, signed_headers, NULL)
