/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-server: the in-memory DynamoDB engine served on DynamoDB's JSON
 * protocol, so that any SDK or the AWS CLI can use it as a local DynamoDB:
 *
 *   dynamorm-server --port 8000
 *   aws dynamodb list-tables --endpoint-url http://127.0.0.1:8000
 *
 * Signatures are not checked (as with DynamoDB Local). Data lives in memory
 * and is gone when the server stops, unless --data-dir keeps it
 * (ddb-persist.h). */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <glib/gi18n-lib.h>

#include <errno.h>

#include "ddb-engine.h"
#include "ddb-faults.h"
#include "ddb-json.h"
#include "ddb-persist.h"
#include "dynamorm-http-crc32.h"
#include "dynamorm-server-http.h"

#define TARGET_PREFIX "DynamoDB_20120810."
#define STREAMS_TARGET_PREFIX "DynamoDBStreams_20120810."
#define CONTENT_TYPE "application/x-amz-json-1.0"

/* Compact the data directory when its log grows past this. */
#define COMPACT_LOG_BYTES (64 * 1024 * 1024)

typedef struct {
  DdbEngine *engine;
  DdbFaults *faults;            /* --faults: NULL when off */
  gboolean verbose;
  FILE *log;                    /* --log: one line per request, or NULL */
  DynamormHttpServer *http;
  DdbPersist *persist;          /* --data-dir, or NULL */
  /* With --data-dir: requests hold it shared, compaction exclusive, so the
   * snapshot sees no request half done. */
  GRWLock compact_lock;
} Server;

/* The next number of this thread's xorshift64* generator (seeded once
 * from GLib's; g_uuid_string_random() takes GLib's global random lock and
 * formats with printf for every answer). */
static guint64
thread_random (void)
{
  static GPrivate state_key = G_PRIVATE_INIT (g_free);
  guint64 *state = g_private_get (&state_key);
  guint64 x;

  if (state == NULL)
    {
      state = g_new (guint64, 1);
      *state = ((guint64) g_random_int () << 32 | g_random_int ()) | 1;
      g_private_set (&state_key, state);
    }
  x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * G_GUINT64_CONSTANT (0x2545F4914F6CDD1D);
}

/* A request id shaped as before: a random UUID's 32 upper-case hex digits,
 * its dashes written as X. */
static void
append_request_id (GString *out)
{
  static const char hex[] = "0123456789ABCDEF";
  guint64 halves[2] = { thread_random (), thread_random () };

  for (int i = 0; i < 32; i++)
    {
      if (i == 8 || i == 12 || i == 16 || i == 20)
        g_string_append_c (out, 'X');
      g_string_append_c (out, hex[(halves[i / 16] >> (4 * (i % 16))) & 15]);
    }
}

/* Answers the body already in response->body, with DynamoDB's headers. */
static void
respond_body (DynamormHttpResponse *response,
              guint                 status)
{
  char crc[16];
  guint32 sum = dynamorm_http_crc32 ((const guint8 *) response->body->str, response->body->len);
  int i = sizeof crc;

  do
    crc[--i] = '0' + sum % 10;
  while ((sum /= 10) > 0);
  g_string_append (response->headers, "x-amzn-RequestId: ");
  append_request_id (response->headers);
  g_string_append (response->headers, "\r\nx-amz-crc32: ");
  g_string_append_len (response->headers, crc + i, sizeof crc - i);
  g_string_append (response->headers, "\r\n");
  response->status = status;
  response->content_type = CONTENT_TYPE;
}

static void
respond (DynamormHttpResponse *response,
         guint                 status,
         const char           *body)
{
  g_string_assign (response->body, body);
  respond_body (response, status);
}

static void
respond_error (DynamormHttpResponse *response,
               guint                 status,
               const char           *type,
               const char           *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "__type");
  json_builder_add_string_value (builder, type);
  if (message != NULL)
    {
      /* The coral service layer spells it "Message". */
      json_builder_set_member_name (builder, "Message");
      json_builder_add_string_value (builder, message);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = ddb_json_to_string (root);
  respond (response, status, body);
}

/* A browser's CORS preflight, answered as DynamoDB Local 3.3.1 does: an
 * OPTIONS with Origin, Access-Control-Request-Method and -Headers gets 200
 * with the method and headers asked for and a max age; without the headers
 * it is refused. Local adds no CORS header to the answers themselves.
 * Returns FALSE when request is no preflight. */
#define PREFLIGHT_REFUSED \
  "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"Message\":\"Invalid PreFlight Headers\"}"

static gboolean
answer_preflight (const DynamormHttpRequest *request,
                  DynamormHttpResponse      *response)
{
  const char *method = dynamorm_http_request_header (request, "Access-Control-Request-Method");
  const char *headers = dynamorm_http_request_header (request, "Access-Control-Request-Headers");

  if (!g_str_equal (request->method, "OPTIONS") ||
      dynamorm_http_request_header (request, "Origin") == NULL || method == NULL)
    return FALSE;
  if (headers == NULL)
    {
      /* as Local: no Content-Type */
      response->status = 400;
      g_string_assign (response->body, PREFLIGHT_REFUSED);
      return TRUE;
    }
  g_string_append_printf (response->headers,
                          "Access-Control-Allow-Methods: %s\r\n"
                          "Access-Control-Allow-Headers: %s\r\n"
                          "Access-Control-Max-Age: 1728000\r\n", method, headers);
  response->status = 200;
  return TRUE;
}

static void
log_request (Server *server, const char *operation, guint status, gint64 start)
{
  double ms = (g_get_monotonic_time () - start) / 1000.0;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;

  if (server->verbose)
    g_printerr ("%s %u %.1f ms\n", operation, status, ms);
  if (server->log == NULL)
    return;
  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format_iso8601 (now);
  /* one fprintf per line: stdio's lock keeps the threads' lines whole */
  fprintf (server->log, "%s %s %u %.1f ms\n", stamp, operation, status, ms);
}

/* DynamoDB Local answers a body over 16 MB with 413 and {"Message": ...}. */
static void
refuse_too_large (DynamormHttpResponse *response)
{
  g_autofree char *body = g_strdup_printf ("{\"Message\":\"Request payload size exceeds the limit of %d bytes\"}",
                                           DDB_JSON_MAX_REQUEST_BYTES);

  response->close = TRUE;
  respond (response, 413, body);
}

/* Between requests (no thread is in one), so the snapshot sees no request
 * half done. */
static void
compact_if_needed (Server *server)
{
  g_autoptr(GError) error = NULL;

  if (server->persist == NULL || ddb_persist_log_size (server->persist) < COMPACT_LOG_BYTES)
    return;
  g_rw_lock_writer_lock (&server->compact_lock);
  /* Another thread may have compacted while this one waited. */
  if (ddb_persist_log_size (server->persist) >= COMPACT_LOG_BYTES &&
      !ddb_persist_compact (server->persist, &error))
    g_printerr ("dynamorm-server: %s\n", error->message);
  g_rw_lock_writer_unlock (&server->compact_lock);
}

static gboolean
sync_cb (gpointer data)
{
  Server *server = data;
  g_autoptr(GError) error = NULL;

  if (!ddb_persist_sync (server->persist, &error))
    g_printerr ("dynamorm-server: %s\n", error->message);
  return G_SOURCE_CONTINUE;
}

/* --fsync: "always", "never" or a number of milliseconds. */
static gboolean
parse_fsync (const char *text, DdbFsyncMode *mode, guint *interval_ms)
{
  guint64 ms;

  if (text == NULL)
    {
      *mode = DDB_FSYNC_INTERVAL;
      *interval_ms = 10;
      return TRUE;
    }
  if (g_str_equal (text, "always") || g_str_equal (text, "never"))
    {
      *mode = g_str_equal (text, "always") ? DDB_FSYNC_ALWAYS : DDB_FSYNC_NEVER;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 1, 60000, &ms, NULL))
    return FALSE;
  *mode = DDB_FSYNC_INTERVAL;
  *interval_ms = ms;
  return TRUE;
}

/* Runs one DynamoDB (or DynamoDB Streams) request; its answer goes to
 * response->body. body: the request's text when it is plain JSON (a
 * data directory's log keeps it as it is), or NULL. */
static guint
run_request (Server *server, const char *target, const char *operation, JsonNode *request,
             const char *body, gsize body_len, GString *text)
{
  g_autoptr(JsonNode) response = NULL;
  guint status = 0;

  /* DynamoDB and DynamoDB Streams share the port, as with DynamoDB Local.
   * Without faults the engine prints its answer itself, items straight
   * from their packed form. */
  if (server->persist != NULL)
    g_rw_lock_reader_lock (&server->compact_lock);
  if (g_str_has_prefix (target, STREAMS_TARGET_PREFIX))
    response = server->faults != NULL
               ? ddb_faults_handle_streams (server->faults, server->engine, operation, request, &status)
               : ddb_engine_handle_streams (server->engine, operation, request, &status);
  else if (server->faults != NULL)
    response = ddb_faults_handle (server->faults, server->engine, operation, request, &status);
  else
    ddb_engine_handle_request_text (server->engine, operation, request, body, body_len, text, &status);
  if (server->persist != NULL)
    g_rw_lock_reader_unlock (&server->compact_lock);
  if (response != NULL)
    ddb_json_print (text, response, NULL, NULL);
  return status;
}

/* Answers what is not a DynamoDB request: a preflight, another path, the
 * health check, a method or target it does not know. FALSE for a request. */
static gboolean
answer_other (const DynamormHttpRequest *request,
              DynamormHttpResponse      *response,
              const char                *target)
{
  if (answer_preflight (request, response))
    return TRUE;
  if (request->too_large)
    refuse_too_large (response);
  else if (!g_str_equal (request->path, "/"))
    respond_error (response, 404, "com.amazon.coral.service#UnknownOperationException", NULL);
  else if (g_str_equal (request->method, "GET"))
    {
      /* A health check, as dynalite answers it. */
      response->status = 200;
      response->content_type = "text/plain";
      g_string_assign (response->body, "healthy: dynamorm-server\n");
    }
  else if (!g_str_equal (request->method, "POST") || target == NULL ||
           (!g_str_has_prefix (target, TARGET_PREFIX) && !g_str_has_prefix (target, STREAMS_TARGET_PREFIX)))
    respond_error (response, 400, "com.amazon.coral.service#UnknownOperationException", NULL);
  else
    return FALSE;
  return TRUE;
}

static void
handle (const DynamormHttpRequest *request,
        DynamormHttpResponse      *response,
        gpointer                   user_data)
{
  Server *server = user_data;
  const char *target = dynamorm_http_request_header (request, "X-Amz-Target");
  g_autoptr(JsonNode) json = NULL;
  DdbJsonCheck check;
  gboolean plain;
  const char *operation;
  gint64 start = g_get_monotonic_time ();

  if (answer_other (request, response, target))
    return;
  operation = strchr (target, '.') + 1;
  json = ddb_json_parse_text (request->body, request->body_len, &check, &plain, NULL);
  if (json == NULL)
    {
      respond_error (response, 400, "com.amazon.coral.service#SerializationException",
                     check != DDB_JSON_CHECK_OK ? ddb_json_check_describe (check)
                     : "Start of structure or map found where not expected.");
      return;
    }
  respond_body (response, run_request (server, target, operation, json, plain ? request->body : NULL,
                                       request->body_len, response->body));
  compact_if_needed (server);
  log_request (server, operation, response->status, start);
}

/* Listens on address with n_threads serving threads and prints where. */
static gboolean
start_listening (Server          *server,
                 GSocketAddress  *address,
                 guint            n_threads,
                 GError         **error)
{
  g_autofree char *uri = NULL;

  server->http = dynamorm_http_server_new (address, n_threads, DDB_JSON_MAX_REQUEST_BYTES, handle, server, error);
  if (server->http == NULL)
    return FALSE;
  uri = dynamorm_http_server_get_uri (server->http);
  /* One line on standard output, so scripts know where to connect. */
  g_print ("dynamorm-server listening on %s\n", uri);
  fflush (stdout);
  return TRUE;
}

static void
stop_listening (Server *server)
{
  g_clear_pointer (&server->http, dynamorm_http_server_free);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* SIGINT and SIGTERM are blocked in every thread (the mask is set before
 * the first thread starts, and threads inherit it) and taken by this one
 * with sigwait(): no handler runs, so none can be deferred or lost, as
 * ThreadSanitizer's deferred delivery lost them when a signal landed while
 * the main thread was not yet in its loop. */
static gpointer
wait_for_stop_signal (gpointer data)
{
  sigset_t set;
  int sig;

  sigemptyset (&set);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  while (sigwait (&set, &sig) != 0)
    ;
  g_idle_add (quit_cb, data);
  return NULL;
}

static void
block_stop_signals (void)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  GThread *signal_thread;
  g_autofree char *host = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *fsync_policy = NULL;
  DdbFsyncMode fsync_mode = DDB_FSYNC_INTERVAL;
  guint fsync_ms = 10;
  g_autofree char *faults = NULL;
  g_autofree char *log_path = NULL;
  Server server = { 0 };
  int port = 8000;
  int threads = 0;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Port to listen on; 0 picks a free one (default 8000)"), N_("PORT") },
    { "host", 'H', 0, G_OPTION_ARG_STRING, &host, N_("Address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, N_("Serve connections on N threads (default: one per processor, at most 8)"), N_("N") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &server.verbose, N_("Print each request on standard error"), NULL },
    { "log", 'l', 0, G_OPTION_ARG_FILENAME, &log_path, N_("Append one line per request (UTC time, operation, status, milliseconds) to FILE"), N_("FILE") },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, N_("Keep tables and items in DIR across restarts (default: memory only)"), N_("DIR") },
    { "fsync", 0, 0, G_OPTION_ARG_STRING, &fsync_policy, N_("With --data-dir: flush the log “always” (before each answer), every MS milliseconds (default 10), or “never”"), N_("always|MS|never") },
    { "faults", 0, 0, G_OPTION_ARG_STRING, &faults,
      N_("Answer as DynamoDB does under stress, as memory://?faults=LIST does (throttle:RATE, "
         "throttle-next:N, unprocessed:RATE, conflict:RATE, latency:MS, fail:N, @Operation, seed:N)"),
      N_("LIST") },
    G_OPTION_ENTRY_NULL
  };

  block_stop_signals ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Serve Dynamorm’s in-memory DynamoDB on the DynamoDB JSON protocol."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("dynamorm-server: %s\n", error->message);
      return 2;
    }
  if (port < 0 || port > 65535)
    {
      g_printerr (_("dynamorm-server: the port must be from 0 to 65535\n"));
      return 2;
    }

  if (threads < 0 || threads > 256)
    {
      g_printerr (_("dynamorm-server: --threads takes a number from 1 to 256\n"));
      return 2;
    }

  if (!parse_fsync (fsync_policy, &fsync_mode, &fsync_ms))
    {
      g_printerr (_("dynamorm-server: --fsync takes “always”, “never” or a number of milliseconds from 1 to 60000\n"));
      return 2;
    }

  address = g_inet_address_new_from_string (host ? host : "127.0.0.1");
  if (address == NULL)
    {
      g_printerr (_("dynamorm-server: “%s” is not an IP address\n"), host);
      return 2;
    }
  socket_address = g_inet_socket_address_new (address, port);
  if (faults != NULL && (server.faults = ddb_faults_new (faults, &error)) == NULL)
    {
      g_printerr (_("dynamorm-server: --faults: %s\n"), error->message);
      return 2;
    }

  if (log_path != NULL)
    {
      server.log = fopen (log_path, "a");
      if (server.log == NULL)
        {
          g_printerr (_("dynamorm-server: --log: cannot open “%s”: %s\n"), log_path, g_strerror (errno));
          return 2;
        }
      setvbuf (server.log, NULL, _IOLBF, 0);
    }

  server.engine = ddb_engine_new ();
  if (data_dir != NULL)
    {
      server.persist = ddb_persist_open (server.engine, data_dir, fsync_mode, &error);
      if (server.persist == NULL)
        {
          g_printerr ("dynamorm-server: %s\n", error->message);
          ddb_engine_unref (server.engine);
          g_clear_pointer (&server.faults, ddb_faults_unref);
          return 1;
        }
      if (fsync_mode == DDB_FSYNC_INTERVAL)
        g_timeout_add (fsync_ms, sync_cb, &server);
    }
  g_rw_lock_init (&server.compact_lock);
  /* Before the readiness line: a SIGTERM right after it is a clean stop. */
  loop = g_main_loop_new (NULL, FALSE);
  signal_thread = g_thread_new ("dynamorm-signals", wait_for_stop_signal, loop);
  if (!start_listening (&server, socket_address, threads > 0 ? (guint) threads : MIN (g_get_num_processors (), 8), &error))
    {
      g_printerr (_("dynamorm-server: cannot listen on %s:%d: %s\n"),
                  host ? host : "127.0.0.1", port, error->message);
      stop_listening (&server);
      ddb_persist_close (server.persist);
      ddb_engine_unref (server.engine);
      g_clear_pointer (&server.faults, ddb_faults_unref);
      return 1;
    }

  g_main_loop_run (loop);
  g_thread_join (signal_thread);

  stop_listening (&server);
  if (server.persist != NULL)
    {
      /* A clean stop leaves a fresh snapshot and an empty log. */
      if (!ddb_persist_compact (server.persist, &error))
        g_printerr ("dynamorm-server: %s\n", error->message);
      ddb_persist_close (server.persist);
    }
  ddb_engine_unref (server.engine);
  g_clear_pointer (&server.faults, ddb_faults_unref);
  g_rw_lock_clear (&server.compact_lock);
  g_clear_pointer (&server.log, fclose);
  return 0;
}
