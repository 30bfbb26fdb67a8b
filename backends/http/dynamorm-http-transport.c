/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-http-crc32.h"
#include "dynamorm-http-outcome.h"
#include "dynamorm-http-proxy.h"
#include "dynamorm-http-timer.h"
#include "dynamorm-http-transport.h"

#define TARGET_PREFIX "DynamoDB_20120810."
#define CONTENT_TYPE "application/x-amz-json-1.0"
#define SIGNING_NAME "dynamodb"
#define STREAMS_TARGET_PREFIX "DynamoDBStreams_20120810."

/* Where one API is served: DynamoDB's and the Streams API's (another host
 * on AWS, the same one on DynamoDB Local and dynamorm-server). */
typedef struct {
  GUri *uri;
  char *str;
  char *host;                   /* the Host header libsoup will send */
} Endpoint;

struct _DynamormHttpTransport
{
  gatomicrefcount ref_count;

  SoupSession *session;
  Endpoint endpoint;
  Endpoint streams;
  char *region;
  DynamormAwsCredentialProvider *credentials;
  DynamormRetryPolicy *retry_policy;
  guint timeout_ms;
  guint connect_timeout_ms;
  DynamormHttpTimer *timer;
  GMutex pool_lock;
  GPtrArray *deadline_pool;     /* of Deadline, unused */
};

/* What a deadline needs once it fires on the timer thread. An attempt
 * owns one; the timer's entries point to it until they are removed. One
 * that neither fired nor was cancelled goes back to the transport's pool
 * for the next attempt, with its cancellable's file descriptor: a blocking
 * read that has to wait polls that descriptor, and making one costs an
 * eventfd and a close per call. */
typedef struct {
  GCancellable *cancellable;
  int fired;                    /* 0, or which deadline fired (atomic) */
} Deadline;

#define DEADLINE_POOL_MAX 8

static void deadline_free (Deadline *deadline);

enum { DEADLINE_CONNECT = 1, DEADLINE_REQUEST = 2 };

typedef struct {
  Deadline *deadline;
  int which;
} DeadlineHit;

/* One DynamoDB call, over its attempts. */
typedef struct {
  DynamormHttpTransport *transport;
  const Endpoint *endpoint;     /* the transport's, by the target's API */
  char *operation;
  char *target;
  GBytes *body;
  GCancellable *cancellable;    /* the caller's, or NULL */

  guint attempt;                /* current attempt, from 1 */
  gboolean credentials_renewed; /* after ExpiredTokenException, once */

  /* A write whose answer was lost in some attempt (it reached DynamoDB and
   * may have been applied): what happened, and the request as parsed back
   * from the body, which the retries send. NULL while every answer came. */
  char *lost_answer;
  JsonObject *request;

  /* the current attempt */
  SoupMessage *msg;
  DynamormCredentials *creds;
  Deadline *deadline;
  GCancellable *attempt_cancellable;
  gulong cancel_handler;
  gulong wrote_headers_handler;
  gulong wrote_body_handler;
  gulong restarted_handler;
  gboolean attempt_sent;        /* the request body was written */
  DynamormHttpTimerEntry *connect_entry;
  DynamormHttpTimerEntry *request_entry;
  gint64 started;

  /* async only */
  GSource *wait_source;
  GSource *wait_cancel_source;
} Call;

typedef enum {
  OUTCOME_DONE,
  OUTCOME_RETRY,
  OUTCOME_RETRY_NOW,
} Outcome;

static char *
host_for_headers (GUri *uri)
{
  const char *host = g_uri_get_host (uri);
  const char *scheme = g_uri_get_scheme (uri);
  int port = g_uri_get_port (uri);
  gboolean default_port;
  g_autofree char *bracketed = NULL;

  if (strchr (host, ':') != NULL)
    host = bracketed = g_strdup_printf ("[%s]", host);

  default_port = port == -1 ||
                 (port == 80 && g_ascii_strcasecmp (scheme, "http") == 0) ||
                 (port == 443 && g_ascii_strcasecmp (scheme, "https") == 0);
  if (default_port)
    return g_strdup (host);
  return g_strdup_printf ("%s:%d", host, port);
}

static void
endpoint_init (Endpoint *endpoint,
               GUri     *uri)
{
  endpoint->uri = g_uri_ref (uri);
  endpoint->str = g_uri_to_string (uri);
  endpoint->host = host_for_headers (uri);
}

static void
endpoint_clear (Endpoint *endpoint)
{
  g_clear_pointer (&endpoint->uri, g_uri_unref);
  g_clear_pointer (&endpoint->str, g_free);
  g_clear_pointer (&endpoint->host, g_free);
}

DynamormHttpTransport *
dynamorm_http_transport_new (const DynamormHttpTransportOptions *options)
{
  DynamormHttpTransport *self = g_new0 (DynamormHttpTransport, 1);
  g_autofree char *user_agent = g_strdup_printf ("dynamorm/%s ", PACKAGE_VERSION);

  g_atomic_ref_count_init (&self->ref_count);
  endpoint_init (&self->endpoint, options->endpoint);
  endpoint_init (&self->streams, options->streams_endpoint ? options->streams_endpoint
                                                           : options->endpoint);
  self->region = g_strdup (options->region);
  self->credentials = dynamorm_aws_credential_provider_ref (options->credentials);
  self->retry_policy = options->retry_policy ? g_object_ref (options->retry_policy)
                                             : dynamorm_retry_policy_new ();
  self->timeout_ms = options->timeout_ms;
  self->connect_timeout_ms = options->connect_timeout_ms;
  self->timer = dynamorm_http_timer_new ();
  g_mutex_init (&self->pool_lock);
  self->deadline_pool = g_ptr_array_new_with_free_func ((GDestroyNotify) deadline_free);

  /* Our own deadlines cut attempts short; libsoup's idle timeout is only a
   * backstop. TLS certificates are always verified (the default GTlsDatabase
   * from glib-networking); there is deliberately no switch to turn that off. */
  self->session = soup_session_new_with_options ("timeout", self->timeout_ms / 1000 + 5,
                                                 "user-agent", user_agent,
                                                 "max-conns-per-host", 64,
                                                 NULL);
  /* DynamoDB's x-amz-crc32 is over the bytes on the wire: ask for them as
   * they are, and never let libsoup decode them. */
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);
  {
    g_autoptr(GProxyResolver) proxy = dynamorm_http_proxy_resolver_new_from_env ();
    soup_session_set_proxy_resolver (self->session, proxy);
  }

  return self;
}

DynamormHttpTransport *
dynamorm_http_transport_ref (DynamormHttpTransport *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
dynamorm_http_transport_unref (DynamormHttpTransport *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_object (&self->session);
  dynamorm_http_timer_free (self->timer);
  g_ptr_array_unref (self->deadline_pool);
  g_mutex_clear (&self->pool_lock);
  g_clear_pointer (&self->credentials, dynamorm_aws_credential_provider_unref);
  g_clear_object (&self->retry_policy);
  endpoint_clear (&self->endpoint);
  endpoint_clear (&self->streams);
  g_free (self->region);
  g_free (self);
}

const char *
dynamorm_http_transport_get_endpoint (DynamormHttpTransport *self)
{
  return self->endpoint.str;
}

static void
deadline_free (Deadline *deadline)
{
  g_cancellable_release_fd (deadline->cancellable);
  g_object_unref (deadline->cancellable);
  g_free (deadline);
}

/* A deadline from the pool, or a new one. */
static Deadline *
deadline_take (DynamormHttpTransport *transport)
{
  Deadline *deadline = NULL;

  g_mutex_lock (&transport->pool_lock);
  if (transport->deadline_pool->len > 0)
    deadline = g_ptr_array_steal_index_fast (transport->deadline_pool,
                                             transport->deadline_pool->len - 1);
  g_mutex_unlock (&transport->pool_lock);
  if (deadline != NULL)
    return deadline;

  deadline = g_new0 (Deadline, 1);
  deadline->cancellable = g_cancellable_new ();
  /* Held for the deadline's life, so that waits reuse the descriptor. */
  g_cancellable_get_fd (deadline->cancellable);
  return deadline;
}

/* Called once no timer entry points to deadline any more. */
static void
deadline_give_back (DynamormHttpTransport *transport,
                    Deadline              *deadline)
{
  if (g_atomic_int_get (&deadline->fired) == 0 && !g_cancellable_is_cancelled (deadline->cancellable))
    {
      g_mutex_lock (&transport->pool_lock);
      if (transport->deadline_pool->len < DEADLINE_POOL_MAX)
        {
          g_ptr_array_add (transport->deadline_pool, deadline);
          deadline = NULL;
        }
      g_mutex_unlock (&transport->pool_lock);
    }
  if (deadline != NULL)
    deadline_free (deadline);
}

/* On the timer thread. */
static void
deadline_fired_cb (gpointer data,
                   gpointer unused)
{
  DeadlineHit *hit = data;

  if (g_atomic_int_compare_and_exchange (&hit->deadline->fired, 0, hit->which))
    g_cancellable_cancel (hit->deadline->cancellable);
}

static DynamormHttpTimerEntry *
arm_deadline (Call  *call,
              guint  timeout_ms,
              int    which)
{
  DeadlineHit *hit = g_new0 (DeadlineHit, 1);

  hit->deadline = call->deadline;
  hit->which = which;
  return dynamorm_http_timer_add (call->transport->timer, timeout_ms, deadline_fired_cb,
                                  hit, g_free);
}

static void
disarm_deadline (Call                    *call,
                 DynamormHttpTimerEntry **entry)
{
  if (*entry != NULL)
    dynamorm_http_timer_remove (call->transport->timer, g_steal_pointer (entry));
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* The request is written: the connection is up, the connect deadline no
 * longer applies. */
static void
wrote_headers_cb (SoupMessage *msg,
                  gpointer     user_data)
{
  Call *call = user_data;

  disarm_deadline (call, &call->connect_entry);
}

/* The whole request is on its way: from now on DynamoDB may apply it
 * whatever becomes of the answer. */
static void
wrote_body_cb (SoupMessage *msg,
               gpointer     user_data)
{
  Call *call = user_data;

  call->attempt_sent = TRUE;
}

static void note_lost_answer (Call *call, const char *what);

/* libsoup sends a request again by itself when a kept-alive connection
 * closes before the answer: the first copy may have been applied. */
static void
restarted_cb (SoupMessage *msg,
              gpointer     user_data)
{
  Call *call = user_data;

  if (call->attempt_sent)
    note_lost_answer (call, _("the connection closed after the request was sent, and it was sent again"));
  call->attempt_sent = FALSE;
}

static void
user_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static void
end_attempt (Call *call)
{
  disarm_deadline (call, &call->connect_entry);
  disarm_deadline (call, &call->request_entry);
  if (call->cancel_handler != 0)
    {
      g_cancellable_disconnect (call->cancellable, call->cancel_handler);
      call->cancel_handler = 0;
    }
  if (call->msg != NULL && call->wrote_headers_handler != 0)
    g_signal_handler_disconnect (call->msg, call->wrote_headers_handler);
  if (call->msg != NULL && call->wrote_body_handler != 0)
    g_signal_handler_disconnect (call->msg, call->wrote_body_handler);
  if (call->msg != NULL && call->restarted_handler != 0)
    g_signal_handler_disconnect (call->msg, call->restarted_handler);
  call->wrote_headers_handler = call->wrote_body_handler = call->restarted_handler = 0;
  call->attempt_sent = FALSE;
  g_clear_object (&call->msg);
  if (call->deadline != NULL)
    deadline_give_back (call->transport, g_steal_pointer (&call->deadline));
  call->attempt_cancellable = NULL;
}

static void
call_free (Call *call)
{
  end_attempt (call);
  destroy_source (&call->wait_source);
  destroy_source (&call->wait_cancel_source);
  g_clear_pointer (&call->creds, dynamorm_credentials_unref);
  g_clear_object (&call->cancellable);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_pointer (&call->request, json_object_unref);
  g_free (call->lost_answer);
  g_free (call->operation);
  g_free (call->target);
  dynamorm_http_transport_unref (call->transport);
  g_free (call);
}

static GBytes *
serialize_body (JsonNode *request)
{
  char *json = ddb_json_to_string (request);

  return g_bytes_new_take (json, strlen (json));
}

static Call *
call_new (DynamormHttpTransport *transport,
          const char            *operation,
          JsonNode              *request,
          GCancellable          *cancellable)
{
  Call *call = g_new0 (Call, 1);

  call->transport = dynamorm_http_transport_ref (transport);
  call->operation = g_strdup (operation);
  /* "DynamoDBStreams_20120810.GetRecords" names its API itself. */
  call->target = strchr (operation, '.') != NULL ? g_strdup (operation)
                                                 : g_strconcat (TARGET_PREFIX, operation, NULL);
  call->endpoint = g_str_has_prefix (call->target, STREAMS_TARGET_PREFIX) ? &transport->streams
                                                                           : &transport->endpoint;
  call->body = serialize_body (request);
  call->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  call->attempt = 1;
  return call;
}

static void
log_request_headers (const char *name,
                     const char *value,
                     gpointer    user_data)
{
  GString *str = user_data;

  /* Never log what signs a request or stands for the caller. */
  if (g_ascii_strcasecmp (name, "Authorization") == 0 ||
      g_ascii_strcasecmp (name, "X-Amz-Security-Token") == 0)
    value = "<redacted>";
  g_string_append_printf (str, "\n  %s: %s", name, value);
}

/* Whether a debug message would be shown (G_MESSAGES_DEBUG, or
 * g_log_set_debug_enabled()): the per-request lines are built only then,
 * since formatting them cost about 3% of a call's CPU. */
static gboolean
debug_shown (void)
{
  return !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
}

/* Builds, signs and arms the deadlines of the next attempt. */
static gboolean
begin_attempt (Call                 *call,
               DynamormCredentials  *creds,
               GError              **error)
{
  DynamormHttpTransport *transport = call->transport;
  g_autoptr(DynamormSigV4Request) signer = NULL;
  SoupMessageHeaders *headers;
  GHashTableIter iter;
  gpointer key, value;

  g_clear_pointer (&call->creds, dynamorm_credentials_unref);
  call->creds = dynamorm_credentials_ref (creds);

  call->msg = soup_message_new_from_uri (SOUP_METHOD_POST, call->endpoint->uri);
  /* libsoup opens a new connection for every POST unless told the request
   * may be repeated; ours may (we retry them ourselves), and keep-alive
   * matters for latency. */
  soup_message_add_flags (call->msg, SOUP_MESSAGE_IDEMPOTENT);
  soup_message_set_request_body_from_bytes (call->msg, CONTENT_TYPE, call->body);
  headers = soup_message_get_request_headers (call->msg);
  soup_message_headers_replace (headers, "X-Amz-Target", call->target);
  soup_message_headers_replace (headers, "Accept-Encoding", "identity");

  signer = dynamorm_sigv4_request_new (SOUP_METHOD_POST, g_uri_get_path (call->endpoint->uri),
                                       g_uri_get_query (call->endpoint->uri));
  dynamorm_sigv4_request_add_header (signer, "Host", call->endpoint->host);
  dynamorm_sigv4_request_add_header (signer, "Content-Type", CONTENT_TYPE);
  dynamorm_sigv4_request_add_header (signer, "X-Amz-Target", call->target);
  dynamorm_sigv4_request_set_body (signer, call->body);
  if (!dynamorm_sigv4_request_sign (signer, transport->region, SIGNING_NAME, NULL, creds, error))
    return FALSE;

  g_hash_table_iter_init (&iter, dynamorm_sigv4_request_get_headers_to_add (signer));
  while (g_hash_table_iter_next (&iter, &key, &value))
    soup_message_headers_replace (headers, key, value);

  if (debug_shown ())
    {
      g_autoptr(GString) str = g_string_new (NULL);

      soup_message_headers_foreach (headers, log_request_headers, str);
      g_debug ("%s: sending attempt %u/%u: POST %s, %zu bytes%s", call->operation, call->attempt,
               dynamorm_retry_policy_get_max_attempts (transport->retry_policy),
               call->endpoint->str, g_bytes_get_size (call->body), str->str);
    }

  /* The attempt's own cancellable: cancelled by the caller's, or by a deadline. */
  call->deadline = deadline_take (transport);
  call->attempt_cancellable = call->deadline->cancellable;
  if (call->cancellable != NULL)
    call->cancel_handler = g_cancellable_connect (call->cancellable, G_CALLBACK (user_cancelled_cb),
                                                  call->attempt_cancellable, NULL);
  if (transport->timeout_ms > 0)
    call->request_entry = arm_deadline (call, transport->timeout_ms, DEADLINE_REQUEST);
  if (transport->connect_timeout_ms > 0 && transport->connect_timeout_ms < transport->timeout_ms)
    {
      call->connect_entry = arm_deadline (call, transport->connect_timeout_ms, DEADLINE_CONNECT);
      call->wrote_headers_handler = g_signal_connect (call->msg, "wrote-headers",
                                                      G_CALLBACK (wrote_headers_cb), call);
    }

  call->wrote_body_handler = g_signal_connect (call->msg, "wrote-body", G_CALLBACK (wrote_body_cb), call);
  call->restarted_handler = g_signal_connect (call->msg, "restarted", G_CALLBACK (restarted_cb), call);

  call->started = g_get_monotonic_time ();
  return TRUE;
}

/* The body as a JSON object, or NULL; *check says whether the pre-scan
 * refused it (too deep, \u0000, lone surrogate) before json-glib saw it. */
static JsonNode *
parse_json_object (GBytes *bytes, DdbJsonCheck *check)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr(JsonNode) root = NULL;

  *check = DDB_JSON_CHECK_OK;
  if (len == 0 || (root = ddb_json_parse (data, len, check, NULL)) == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return g_steal_pointer (&root);
}

static gboolean
is_tls_failure (const GError *error)
{
  return error->domain == G_TLS_ERROR;
}

static JsonObject *
parse_body (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  if (ddb_json_check (data, len, DDB_JSON_MAX_DEPTH) != DDB_JSON_CHECK_OK ||
      !json_parser_load_from_data (parser, data, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* A write's answer was lost: remember what happened (the first time), and
 * make the retries ask for the stored item when a condition fails, so that
 * what the lost attempt did can be told. */
static void
note_lost_answer (Call       *call,
                  const char *what)
{
  if (call->lost_answer != NULL || !dynamorm_http_outcome_is_write (call->operation))
    return;

  g_debug ("%s: the answer of attempt %u was lost after the request was sent: %s",
           call->operation, call->attempt, what);
  call->lost_answer = g_strdup (what);
  call->request = parse_body (call->body);
  if (call->request == NULL)
    call->request = json_object_new ();   /* cannot happen: we wrote the body */
  else if (dynamorm_http_outcome_ask_for_stored_item (call->operation, call->request))
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), call->request);

      g_bytes_unref (call->body);
      call->body = serialize_body (node);
    }
}

/* After a lost answer: the error, unless the stored state shows the write
 * was applied (then the response it had). */
static JsonNode *
resolve_lost_answer (Call    *call,
                     GError **error)
{
  if (call->lost_answer == NULL || error == NULL || *error == NULL)
    return NULL;
  return dynamorm_http_outcome_resolve (call->operation, call->request, call->lost_answer, error);
}

/* Turns what came back into the answer or an error, and says whether to
 * try again. */
static Outcome
classify (Call       *call,
          GBytes     *bytes,
          GError     *transport_error,   /* taken */
          JsonNode  **response_out,
          GError    **error_out)
{
  DynamormHttpTransport *transport = call->transport;
  g_autoptr(GError) terror = transport_error;
  double elapsed_ms = (g_get_monotonic_time () - call->started) / 1000.0;
  int fired = call->deadline ? g_atomic_int_get (&call->deadline->fired) : 0;
  gboolean retryable = FALSE;
  gboolean lost = FALSE;        /* the request went out and its answer is lost */
  GError *error = NULL;
  JsonNode *resolved;
  guint status;
  const char *crc_header;

  if (terror != NULL)
    {
      if (g_cancellable_is_cancelled (call->cancellable))
        {
          g_debug ("%s: cancelled after %.1f ms", call->operation, elapsed_ms);
          g_set_error_literal (error_out, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The DynamoDB request was cancelled"));
          return OUTCOME_DONE;
        }

      if (fired == DEADLINE_CONNECT)
        error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK,
                             _("Could not connect to DynamoDB at %s within %u ms; check the endpoint "
                               "and the network, or raise the “connect_timeout” URI option"),
                             call->endpoint->str, transport->connect_timeout_ms);
      else if (fired == DEADLINE_REQUEST)
        error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK,
                             _("DynamoDB at %s did not answer %s within %u ms; raise the “timeout” "
                               "URI option if requests are expected to take longer"),
                             call->endpoint->str, call->operation, transport->timeout_ms);
      else if (is_tls_failure (terror))
        error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK,
                             _("The TLS connection to %s failed: %s. Certificates are always verified; "
                               "make sure the system trust store knows the server’s CA"),
                             call->endpoint->str, terror->message);
      else if (g_error_matches (terror, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) &&
               soup_message_get_status (call->msg) != SOUP_STATUS_NONE)
        /* Headers came, then the body stopped short: a broken answer, not
         * an unreachable service. */
        error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                             _("The answer from %s to %s was cut short: %s"),
                             call->endpoint->str, call->operation, terror->message);
      else
        error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_NETWORK,
                             _("Could not talk to DynamoDB at %s: %s"),
                             call->endpoint->str, terror->message);

      /* Transient unless it is about certificates. */
      retryable = !is_tls_failure (terror);
      lost = call->attempt_sent && fired != DEADLINE_CONNECT;
      g_debug ("%s: failed after %.1f ms (attempt %u): %s", call->operation, elapsed_ms,
               call->attempt, terror->message);
      goto out;
    }

  status = soup_message_get_status (call->msg);
  if (debug_shown ())
    g_debug ("%s: HTTP %u %s, %zu bytes in %.1f ms (attempt %u)", call->operation, status,
             soup_message_get_reason_phrase (call->msg) ? soup_message_get_reason_phrase (call->msg) : "",
             g_bytes_get_size (bytes), elapsed_ms, call->attempt);

  crc_header = soup_message_headers_get_one (soup_message_get_response_headers (call->msg), "x-amz-crc32");
  if (crc_header != NULL)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (bytes, &len);
      guint32 actual = dynamorm_http_crc32 (data, len);
      char *end = NULL;
      guint64 expected;

      errno = 0;
      expected = g_ascii_strtoull (crc_header, &end, 10);
      if (errno != 0 || end == crc_header || *end != '\0' || expected != actual)
        {
          /* Corrupted on the way (botocore retries these too). */
          error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                               _("The answer from %s to %s failed its CRC32 check (x-amz-crc32 %s, "
                                 "body %u): it was corrupted on the way"),
                               call->endpoint->str, call->operation, crc_header, actual);
          retryable = TRUE;
          lost = TRUE;
          goto out;
        }
    }

  if (status == SOUP_STATUS_OK)
    {
      DdbJsonCheck check;
      JsonNode *response = parse_json_object (bytes, &check);

      if (response != NULL)
        {
          *response_out = response;
          return OUTCOME_DONE;
        }
      if (check != DDB_JSON_CHECK_OK)
        error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                             _("%s answered %s with JSON this client refuses to read: %s"),
                             call->endpoint->str, call->operation, ddb_json_check_describe (check));
      else
        error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                             _("%s answered %s with something that is not a JSON object (%zu bytes); "
                               "is it a DynamoDB endpoint?"),
                             call->endpoint->str, call->operation, g_bytes_get_size (bytes));
      lost = TRUE;
      goto out;
    }

  {
    DdbJsonCheck check;
    g_autoptr(JsonNode) body = parse_json_object (bytes, &check);

    if (body != NULL || status >= 500)
      {
        error = dynamorm_error_new_from_response (status, body);
        retryable = dynamorm_error_is_retryable (error);
        lost = status >= 500;

        /* Temporary credentials the service says expired: fetch new ones
         * and try again at once, once. */
        if (g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CREDENTIALS) &&
            !call->credentials_renewed)
          {
            call->credentials_renewed = TRUE;
            dynamorm_aws_credential_provider_invalidate (transport->credentials, call->creds);
            g_debug ("%s: credentials refused as expired; fetching new ones", call->operation);
            g_clear_error (&error);
            return OUTCOME_RETRY_NOW;
          }
      }
    else
      error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                           _("%s answered %s with HTTP %u %s and no DynamoDB error body; "
                             "is it a DynamoDB endpoint?"),
                           call->endpoint->str, call->operation, status,
                           soup_message_get_reason_phrase (call->msg));
  }

out:
  if (lost)
    {
      note_lost_answer (call, error->message);
      /* Sending it again could apply it twice. */
      if (call->request != NULL && dynamorm_http_outcome_repeat_changes_item (call->operation, call->request))
        retryable = FALSE;
    }
  if (retryable && call->attempt < dynamorm_retry_policy_get_max_attempts (transport->retry_policy))
    {
      g_debug ("%s: attempt %u failed with a retryable error: %s", call->operation, call->attempt,
               error->message);
      g_error_free (error);
      return OUTCOME_RETRY;
    }
  if (call->attempt > 1)
    g_prefix_error (&error, _("%s failed after %u attempts: "), call->operation, call->attempt);
  resolved = resolve_lost_answer (call, &error);
  if (resolved != NULL)
    {
      *response_out = resolved;
      return OUTCOME_DONE;
    }
  g_propagate_error (error_out, error);  /* error_out may be NULL */
  return OUTCOME_DONE;
}

/* Waits for the retry delay; FALSE if cancelled meanwhile. */
static gboolean
wait_sync (guint         delay_ms,
           GCancellable *cancellable)
{
  GPollFD pollfd;
  gint64 end = g_get_monotonic_time () + (gint64) delay_ms * 1000;

  if (cancellable == NULL)
    {
      g_usleep ((gulong) delay_ms * 1000);
      return TRUE;
    }
  if (!g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      /* No fd to poll: check often instead. */
      while (g_get_monotonic_time () < end && !g_cancellable_is_cancelled (cancellable))
        g_usleep (MIN (10000, end - g_get_monotonic_time ()));
      return !g_cancellable_is_cancelled (cancellable);
    }

  while (!g_cancellable_is_cancelled (cancellable))
    {
      gint64 remaining = end - g_get_monotonic_time ();

      if (remaining <= 0)
        break;
      g_poll (&pollfd, 1, (int) ((remaining + 999) / 1000));
    }
  g_cancellable_release_fd (cancellable);
  return !g_cancellable_is_cancelled (cancellable);
}

JsonNode *
dynamorm_http_transport_invoke (DynamormHttpTransport  *self,
                                const char             *operation,
                                JsonNode               *request,
                                GCancellable           *cancellable,
                                GError                **error)
{
  Call *call = call_new (self, operation, request, cancellable);
  JsonNode *response = NULL;

  for (;;)
    {
      g_autoptr(DynamormCredentials) creds = NULL;
      GError *local_error = NULL;
      GBytes *bytes;
      Outcome outcome;
      guint delay;

      creds = dynamorm_aws_credential_provider_get (self->credentials, cancellable, error);
      if (creds == NULL)
        break;
      if (!begin_attempt (call, creds, error))
        break;

      bytes = soup_session_send_and_read (self->session, call->msg, call->attempt_cancellable, &local_error);
      outcome = classify (call, bytes, local_error, &response, error);
      g_clear_pointer (&bytes, g_bytes_unref);
      end_attempt (call);

      if (outcome == OUTCOME_DONE)
        break;
      delay = outcome == OUTCOME_RETRY ? dynamorm_retry_policy_get_delay (self->retry_policy, call->attempt) : 0;
      if (delay > 0)
        g_debug ("%s: retrying in %u ms", operation, delay);
      if (!wait_sync (delay, cancellable))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The DynamoDB request was cancelled"));
          break;
        }
      call->attempt++;
    }

  call_free (call);
  return response;
}

static void start_attempt_async (GTask *task);
static gboolean wait_done_cb (gpointer data);
static gboolean wait_cancelled_cb (GCancellable *cancellable, gpointer data);

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *local_error = NULL;
  GError *error = NULL;
  JsonNode *response = NULL;
  GBytes *bytes;
  Outcome outcome;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &local_error);
  outcome = classify (call, bytes, local_error, &response, &error);
  g_clear_pointer (&bytes, g_bytes_unref);
  end_attempt (call);

  if (outcome == OUTCOME_DONE)
    {
      if (response != NULL)
        g_task_return_pointer (task, response, (GDestroyNotify) json_node_unref);
      else
        g_task_return_error (task, error);
      return;
    }

  if (outcome == OUTCOME_RETRY_NOW)
    {
      call->attempt++;
      start_attempt_async (g_steal_pointer (&task));
      return;
    }

  {
    guint delay = dynamorm_retry_policy_get_delay (call->transport->retry_policy, call->attempt);

    g_debug ("%s: retrying in %u ms", call->operation, delay);
    /* Each source holds a task reference while the wait lasts. */
    call->wait_source = g_timeout_source_new (delay);
    g_source_set_static_name (call->wait_source, "[dynamorm] retry delay");
    g_source_set_callback (call->wait_source, wait_done_cb, g_object_ref (task), g_object_unref);
    if (call->cancellable != NULL)
      {
        call->wait_cancel_source = g_cancellable_source_new (call->cancellable);
        g_source_set_callback (call->wait_cancel_source, G_SOURCE_FUNC (wait_cancelled_cb),
                               g_object_ref (task), g_object_unref);
        g_source_attach (call->wait_cancel_source, g_task_get_context (task));
      }
    g_source_attach (call->wait_source, g_task_get_context (task));
  }
}

static gboolean
wait_done_cb (gpointer data)
{
  GTask *task = data;
  Call *call = g_task_get_task_data (task);

  g_clear_pointer (&call->wait_source, g_source_unref);
  destroy_source (&call->wait_cancel_source);
  call->attempt++;
  start_attempt_async (g_object_ref (task));
  return G_SOURCE_REMOVE;
}

/* Cancellation ends a retry wait at once. */
static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  GTask *task = data;
  Call *call = g_task_get_task_data (task);

  g_clear_pointer (&call->wait_cancel_source, g_source_unref);
  destroy_source (&call->wait_source);
  g_debug ("%s: cancelled during the retry delay", call->operation);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("The DynamoDB request was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
credentials_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(DynamormCredentials) creds = NULL;
  GError *error = NULL;

  creds = dynamorm_aws_credential_provider_get_finish (call->transport->credentials, result, &error);
  if (creds == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!begin_attempt (call, creds, &error))
    {
      end_attempt (call);
      g_task_return_error (task, error);
      return;
    }

  soup_session_send_and_read_async (call->transport->session, call->msg, G_PRIORITY_DEFAULT,
                                    call->attempt_cancellable, sent_cb, g_steal_pointer (&task));
}

/* Takes the task reference. */
static void
start_attempt_async (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  dynamorm_aws_credential_provider_get_async (call->transport->credentials, call->cancellable,
                                              credentials_cb, task);
}

void
dynamorm_http_transport_invoke_async (DynamormHttpTransport *self,
                                      gpointer               source_object,
                                      const char            *operation,
                                      JsonNode              *request,
                                      GCancellable          *cancellable,
                                      GAsyncReadyCallback    callback,
                                      gpointer               user_data)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);

  g_task_set_source_tag (task, dynamorm_http_transport_invoke_async);
  g_task_set_task_data (task, call_new (self, operation, request, cancellable), (GDestroyNotify) call_free);
  start_attempt_async (task);
}

JsonNode *
dynamorm_http_transport_invoke_finish (GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
