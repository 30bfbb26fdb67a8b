/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-aws-service.h"
#include "dynamorm-http-proxy.h"

#define TIMEOUT_SECONDS 30

struct _DynamormAwsService
{
  char *service;
  char *display;
  char *endpoint_str;
  char *endpoint_option;
  GUri *endpoint;
  char *region;
  DynamormAwsCredentialProvider *credentials;
  DynamormRetryPolicy *retry_policy;
  SoupSession *session;
};

DynamormAwsService *
dynamorm_aws_service_new (const char                    *service,
                          const char                    *display,
                          GUri                          *endpoint,
                          const char                    *endpoint_option,
                          const char                    *region,
                          DynamormAwsCredentialProvider *credentials)
{
  DynamormAwsService *self = g_new0 (DynamormAwsService, 1);
  g_autofree char *user_agent = g_strdup_printf ("dynamorm/%s ", PACKAGE_VERSION);
  g_autoptr(GProxyResolver) proxy = dynamorm_http_proxy_resolver_new_from_env ();

  self->service = g_strdup (service);
  self->display = g_strdup (display);
  self->endpoint = g_uri_ref (endpoint);
  self->endpoint_str = g_uri_to_string (endpoint);
  self->endpoint_option = g_strdup (endpoint_option);
  self->region = g_strdup (region);
  self->credentials = credentials ? dynamorm_aws_credential_provider_ref (credentials) : NULL;
  self->retry_policy = dynamorm_retry_policy_new ();
  /* Set up in the creating thread; sync sends may then come from any. */
  self->session = soup_session_new_with_options ("timeout", TIMEOUT_SECONDS,
                                                 "user-agent", user_agent,
                                                 "max-conns-per-host", 16,
                                                 NULL);
  soup_session_set_proxy_resolver (self->session, proxy);
  return self;
}

void
dynamorm_aws_service_free (DynamormAwsService *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->session);
  g_clear_object (&self->retry_policy);
  g_clear_pointer (&self->credentials, dynamorm_aws_credential_provider_unref);
  g_uri_unref (self->endpoint);
  g_free (self->endpoint_str);
  g_free (self->endpoint_option);
  g_free (self->service);
  g_free (self->display);
  g_free (self->region);
  g_free (self);
}

static const char *
nonempty_env (const char *name)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? value : NULL;
}

GUri *
dynamorm_aws_service_endpoint (const char  *service,
                               const char  *env_name,
                               const char  *region,
                               const char  *override,
                               GError     **error)
{
  g_autofree char *env_var = g_strconcat ("AWS_ENDPOINT_URL_", env_name, NULL);
  g_autofree char *fallback = NULL;
  const char *text = override;
  GUri *uri;

  if (text == NULL)
    text = nonempty_env (env_var);
  if (text == NULL)
    text = nonempty_env ("AWS_ENDPOINT_URL");
  if (text == NULL)
    text = fallback = g_strdup_printf ("https://%s.%s.amazonaws.com%s/", service, region,
                                       g_str_has_prefix (region, "cn-") ? ".cn" : "");
  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0))
    {
      g_clear_pointer (&uri, g_uri_unref);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The %s endpoint “%s” is not an http:// or https:// URL"), service, text);
      return NULL;
    }
  if (*g_uri_get_path (uri) == '\0')
    {
      GUri *with_path = g_uri_build (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                                     g_uri_get_port (uri), "/", g_uri_get_query (uri), NULL);
      g_uri_unref (uri);
      uri = with_path;
    }
  return uri;
}

static char *
host_header (GUri *uri)
{
  int port = g_uri_get_port (uri);
  const char *scheme = g_uri_get_scheme (uri);

  if (port == -1 || (port == 80 && g_ascii_strcasecmp (scheme, "http") == 0) ||
      (port == 443 && g_ascii_strcasecmp (scheme, "https") == 0))
    return g_strdup (g_uri_get_host (uri));
  return g_strdup_printf ("%s:%d", g_uri_get_host (uri), port);
}

/* One signed POST; NULL with error on a transport or signing failure. */
static SoupMessage *
build_message (DynamormAwsService *self, const char *content_type, const char *target,
               GBytes *body, GCancellable *cancellable, GError **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new_from_uri (SOUP_METHOD_POST, self->endpoint);
  g_autoptr(DynamormSigV4Request) signer = NULL;
  g_autoptr(DynamormCredentials) creds = NULL;
  g_autofree char *host = host_header (self->endpoint);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  GHashTableIter iter;
  gpointer key, value;

  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  soup_message_set_request_body_from_bytes (msg, content_type, body);
  if (target != NULL)
    soup_message_headers_replace (headers, "X-Amz-Target", target);
  if (self->credentials == NULL)
    return g_steal_pointer (&msg);

  creds = dynamorm_aws_credential_provider_get (self->credentials, cancellable, error);
  if (creds == NULL)
    return NULL;
  signer = dynamorm_sigv4_request_new (SOUP_METHOD_POST, g_uri_get_path (self->endpoint),
                                       g_uri_get_query (self->endpoint));
  dynamorm_sigv4_request_add_header (signer, "Host", host);
  dynamorm_sigv4_request_add_header (signer, "Content-Type", content_type);
  if (target != NULL)
    dynamorm_sigv4_request_add_header (signer, "X-Amz-Target", target);
  dynamorm_sigv4_request_set_body (signer, body);
  if (!dynamorm_sigv4_request_sign (signer, self->region, self->service, NULL, creds, error))
    return NULL;
  g_hash_table_iter_init (&iter, dynamorm_sigv4_request_get_headers_to_add (signer));
  while (g_hash_table_iter_next (&iter, &key, &value))
    soup_message_headers_replace (headers, key, value);
  return g_steal_pointer (&msg);
}

/* The error code for an AWS error type. */
static int
code_for (const char *type, guint status)
{
  if (type == NULL)
    return status >= 500 ? DYNAMORM_ERROR_SERVICE_UNAVAILABLE : DYNAMORM_ERROR_FAILED;
  if (strstr (type, "Throttl") != NULL || strstr (type, "TooManyRequests") != NULL ||
      strstr (type, "LimitExceeded") != NULL)
    return DYNAMORM_ERROR_THROTTLED;
  if (strstr (type, "ExpiredToken") != NULL)
    return DYNAMORM_ERROR_CREDENTIALS;
  if (strstr (type, "AccessDenied") != NULL || strstr (type, "UnrecognizedClient") != NULL ||
      strstr (type, "InvalidSignature") != NULL || strstr (type, "InvalidClientTokenId") != NULL ||
      strstr (type, "SignatureDoesNotMatch") != NULL)
    return DYNAMORM_ERROR_ACCESS_DENIED;
  if (status >= 500 || strstr (type, "InternalFailure") != NULL || strstr (type, "ServiceUnavailable") != NULL ||
      strstr (type, "DependencyTimeout") != NULL)
    return DYNAMORM_ERROR_SERVICE_UNAVAILABLE;
  return DYNAMORM_ERROR_FAILED;
}

static gboolean
retryable (const GError *error)
{
  return g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED) ||
         g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_SERVICE_UNAVAILABLE) ||
         g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK);
}

typedef GError *(*ErrorParser) (DynamormAwsService *self, guint status, GBytes *body);

/* Sends with retries; the body of a 2xx answer, or NULL with error. */
static GBytes *
send (DynamormAwsService *self, const char *content_type, const char *target, GBytes *body,
      ErrorParser parse_error, GCancellable *cancellable, GError **error)
{
  guint max_attempts = dynamorm_retry_policy_get_max_attempts (self->retry_policy);

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(SoupMessage) msg = build_message (self, content_type, target, body, cancellable, error);
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(GError) local_error = NULL;
      guint status;

      if (msg == NULL)
        return NULL;
      g_debug ("%s: attempt %u/%u: POST %s%s%s, %zu bytes", self->display, attempt, max_attempts,
               self->endpoint_str, target ? " " : "", target ? target : "", g_bytes_get_size (body));
      answer = soup_session_send_and_read (self->session, msg, cancellable, &local_error);
      status = soup_message_get_status (msg);
      if (answer == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          g_clear_error (&local_error);
          local_error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK,
                                     _("%s at %s cannot be reached (%s): check the network, or the endpoint "
                                       "(%s)"),
                                     self->display, self->endpoint_str,
                                     soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "no answer",
                                     self->endpoint_option);
        }
      else if (status >= 200 && status < 300)
        return g_steal_pointer (&answer);
      else
        local_error = parse_error (self, status, answer);

      g_debug ("%s: attempt %u failed: %s", self->display, attempt, local_error->message);
      if (!retryable (local_error) || attempt >= max_attempts)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_usleep ((gulong) dynamorm_retry_policy_get_delay (self->retry_policy, attempt) * 1000);
    }
}

/* ---- JSON 1.1 ---- */

static GError *
json_error (DynamormAwsService *self, guint status, GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *type = NULL, *message = NULL;
  JsonObject *obj = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  if (ddb_json_load (parser, data, len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      obj = json_node_get_object (json_parser_get_root (parser));
      type = json_object_get_string_member_with_default (obj, "__type", NULL);
      message = json_object_get_string_member_with_default (obj, "message",
                  json_object_get_string_member_with_default (obj, "Message", NULL));
      if (type != NULL && strchr (type, '#') != NULL)
        type = strchr (type, '#') + 1;
    }
  if (type == NULL)
    return g_error_new (DYNAMORM_ERROR, code_for (NULL, status),
                        _("%s at %s answered HTTP %u without an AWS error: check that the endpoint (%s) is %s"),
                        self->display, self->endpoint_str, status, self->endpoint_option, self->display);
  return g_error_new (DYNAMORM_ERROR, code_for (type, status), _("%s answered %s (HTTP %u): %s"),
                      self->display, type, status, message ? message : _("no message"));
}

JsonNode *
dynamorm_aws_service_call_json (DynamormAwsService  *self,
                                const char          *target,
                                JsonNode            *body,
                                GCancellable        *cancellable,
                                GError             **error)
{
  g_autofree char *text = ddb_json_to_string (body);
  gsize text_len = strlen (text);
  g_autoptr(GBytes) request = g_bytes_new_take (g_steal_pointer (&text), text_len);
  g_autoptr(GBytes) answer = send (self, "application/x-amz-json-1.1", target, request, json_error,
                                   cancellable, error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data;

  if (answer == NULL)
    return NULL;
  data = g_bytes_get_data (answer, &len);
  if (!ddb_json_load (parser, data, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                   _("%s at %s answered %s with something that is not a JSON object: check that the "
                     "endpoint (%s) is %s"),
                   self->display, self->endpoint_str, target, self->endpoint_option, self->display);
      return NULL;
    }
  return json_parser_steal_root (parser);
}

/* ---- Query protocol (XML answers) ---- */

typedef struct {
  GString *text;
  char *code;
  char *message;
} XmlError;

static void
xml_error_start (GMarkupParseContext *context, const char *element, const char **names,
                 const char **values, gpointer user_data, GError **error)
{
  g_string_truncate (((XmlError *) user_data)->text, 0);
}

static void
xml_error_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  XmlError *x = user_data;

  if (g_str_equal (element, "Code") && x->code == NULL)
    x->code = g_strdup (x->text->str);
  else if (g_str_equal (element, "Message") && x->message == NULL)
    x->message = g_strdup (x->text->str);
}

static void
xml_error_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data, GError **error)
{
  g_string_append_len (((XmlError *) user_data)->text, text, len);
}

static GError *
query_error (DynamormAwsService *self, guint status, GBytes *body)
{
  static const GMarkupParser parser = { xml_error_start, xml_error_end, xml_error_text, NULL, NULL };
  XmlError x = { g_string_new (NULL), NULL, NULL };
  g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, &x, NULL);
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  GError *out;

  g_markup_parse_context_parse (context, data, len, NULL);
  if (x.code == NULL)
    out = g_error_new (DYNAMORM_ERROR, code_for (NULL, status),
                       _("%s at %s answered HTTP %u without an AWS error: check that the endpoint (%s) is %s"),
                       self->display, self->endpoint_str, status, self->endpoint_option, self->display);
  else
    out = g_error_new (DYNAMORM_ERROR, code_for (x.code, status), _("%s answered %s (HTTP %u): %s"),
                       self->display, x.code, status, x.message ? x.message : _("no message"));
  g_string_free (x.text, TRUE);
  g_free (x.code);
  g_free (x.message);
  return out;
}

char *
dynamorm_aws_service_call_query (DynamormAwsService  *self,
                                 const char          *form,
                                 GCancellable        *cancellable,
                                 GError             **error)
{
  g_autoptr(GBytes) request = g_bytes_new (form, strlen (form));
  g_autoptr(GBytes) answer = send (self, "application/x-www-form-urlencoded; charset=utf-8", NULL, request,
                                   query_error, cancellable, error);
  gsize len;
  const char *data;

  if (answer == NULL)
    return NULL;
  data = g_bytes_get_data (answer, &len);
  return g_strndup (data, len);
}
