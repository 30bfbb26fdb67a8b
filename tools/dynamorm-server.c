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
#include <libsoup/soup.h>

#include <errno.h>
#include <sys/socket.h>

#include "ddb-engine.h"
#include "ddb-faults.h"
#include "ddb-json.h"
#include "ddb-persist.h"
#include "dynamorm-http-crc32.h"

#define TARGET_PREFIX "DynamoDB_20120810."
#define STREAMS_TARGET_PREFIX "DynamoDBStreams_20120810."
#define CONTENT_TYPE "application/x-amz-json-1.0"

/* Set on a request whose body went over DDB_JSON_MAX_REQUEST_BYTES. */
#define TOO_LARGE_KEY "dynamorm-server-too-large"
/* Compact the data directory when its log grows past this. */
#define COMPACT_LOG_BYTES (64 * 1024 * 1024)

typedef struct _Worker Worker;

typedef struct {
  DdbEngine *engine;
  DdbFaults *faults;            /* --faults: NULL when off */
  gboolean verbose;
  FILE *log;                    /* --log: one line per request, or NULL */
  SoupServer *soup;             /* libsoup's own listener (>= 3.4), on the main context */
  /* The accept loop of libsoup < 3.4 (see worker_accept) runs on these
   * threads, each accepting on its own socket of the one port. */
  Worker **workers;
  guint n_workers;
  DdbPersist *persist;          /* --data-dir, or NULL */
  /* With --data-dir: requests hold it shared, compaction exclusive, so the
   * snapshot sees no request half done. */
  GRWLock compact_lock;
} Server;

/* One thread serving the connections it accepts, on its own main context
 * with its own SoupServer (libsoup objects stay in the thread that uses
 * them; the engine is thread-safe). */
struct _Worker {
  Server *server;
  GThread *thread;
  GMainContext *context;
  gint stopping;                /* atomic; set by worker_stop() */
  GSocket *socket;              /* listening, SO_REUSEPORT: the kernel spreads connections */
  GSocketService *service;
  SoupServer *soup;
  /* Connections that have not sent a byte yet, by remote "address:port". */
  GHashTable *silent;
};

static gboolean libsoup_leaks_idle_connections (void);

/* Answers body (len bytes; -1: up to its NUL); takes it when owned. */
static void
respond_len (SoupServerMessage *msg,
             guint              status,
             char              *body,
             gssize             len,
             gboolean           owned)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  gsize n = len < 0 ? strlen (body) : (gsize) len;
  char crc[16];
  g_autofree char *request_id = g_uuid_string_random ();
  char *upper;

  /* Request ids look like DynamoDB's: 52 upper-case alphanumerics. */
  upper = g_ascii_strup (request_id, -1);
  g_strdelimit (upper, "-", 'X');
  soup_message_headers_replace (headers, "x-amzn-RequestId", upper);
  g_free (upper);
  g_snprintf (crc, sizeof crc, "%u", dynamorm_http_crc32 ((const guint8 *) body, n));
  soup_message_headers_replace (headers, "x-amz-crc32", crc);
  /* Our own accept loop closes every connection after its answer: say so,
   * or a client sends its next request on a socket about to close. */
  if (libsoup_leaks_idle_connections ())
    soup_message_headers_replace (headers, "Connection", "close");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, CONTENT_TYPE, owned ? SOUP_MEMORY_TAKE : SOUP_MEMORY_COPY, body, n);
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *body)
{
  respond_len (msg, status, (char *) body, -1, FALSE);
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *type,
               const char        *message)
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
  respond (msg, status, body);
}

/* A browser's CORS preflight, answered as DynamoDB Local 3.3.1 does: an
 * OPTIONS with Origin, Access-Control-Request-Method and -Headers gets 200
 * with the method and headers asked for and a max age; without the headers
 * it is refused. Local adds no CORS header to the answers themselves.
 * Returns FALSE when msg is no preflight. */
#define PREFLIGHT_REFUSED \
  "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"Message\":\"Invalid PreFlight Headers\"}"

static gboolean
answer_preflight (SoupServerMessage *msg)
{
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const char *method = soup_message_headers_get_one (in, "Access-Control-Request-Method");
  const char *headers = soup_message_headers_get_one (in, "Access-Control-Request-Headers");

  if (!g_str_equal (soup_server_message_get_method (msg), "OPTIONS") ||
      soup_message_headers_get_one (in, "Origin") == NULL || method == NULL)
    return FALSE;
  if (headers == NULL)
    {
      soup_server_message_set_status (msg, 400, NULL);
      /* as Local: no Content-Type (set_response would drop a body without one) */
      soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC,
                                PREFLIGHT_REFUSED, strlen (PREFLIGHT_REFUSED));
      return TRUE;
    }
  soup_message_headers_replace (out, "Access-Control-Allow-Methods", method);
  soup_message_headers_replace (out, "Access-Control-Allow-Headers", headers);
  soup_message_headers_replace (out, "Access-Control-Max-Age", "1728000");
  soup_server_message_set_status (msg, 200, NULL);
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
refuse_too_large (SoupServerMessage *msg)
{
  g_autofree char *body = g_strdup_printf ("{\"Message\":\"Request payload size exceeds the limit of %d bytes\"}",
                                           DDB_JSON_MAX_REQUEST_BYTES);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  respond (msg, 413, body);
}

/* Counts a chunked (or otherwise unsized) body as it arrives; past the limit
 * it stops keeping it, so memory stays bounded whatever the client sends. */
static void
count_chunk (SoupServerMessage *msg,
             GBytes            *chunk,
             gpointer           user_data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (body->length > DDB_JSON_MAX_REQUEST_BYTES)
    {
      soup_message_body_set_accumulate (body, FALSE);
      soup_message_body_truncate (body);
      g_object_set_data (G_OBJECT (msg), TOO_LARGE_KEY, GINT_TO_POINTER (1));
    }
}

/* Runs once the headers are in, before libsoup reads the body: a declared
 * length over the limit is answered without keeping the body (libsoup then
 * skips it after the answer if the client asked "Expect: 100-continue", and
 * reads it into nowhere otherwise). */
static void
early_handle (SoupServer        *soup_server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > DDB_JSON_MAX_REQUEST_BYTES)
    {
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      refuse_too_large (msg);
      return;
    }
  g_signal_connect (msg, "got-chunk", G_CALLBACK (count_chunk), NULL);
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

static void
handle (SoupServer        *soup_server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Server *server = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *target;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) response = NULL;
  DdbJsonCheck check;
  GString *text;
  const char *operation;
  const char *data;
  gsize len;
  guint status = 0;
  gint64 start = g_get_monotonic_time ();

  if (answer_preflight (msg))
    return;
  if (!g_str_equal (path, "/"))
    {
      respond_error (msg, 404, "com.amazon.coral.service#UnknownOperationException", NULL);
      return;
    }
  if (g_str_equal (method, "GET"))
    {
      /* A health check, as dynalite answers it. */
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        "healthy: dynamorm-server\n", strlen ("healthy: dynamorm-server\n"));
      return;
    }

  target = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "X-Amz-Target");
  if (!g_str_equal (method, "POST") || target == NULL ||
      (!g_str_has_prefix (target, TARGET_PREFIX) && !g_str_has_prefix (target, STREAMS_TARGET_PREFIX)))
    {
      respond_error (msg, 400, "com.amazon.coral.service#UnknownOperationException", NULL);
      return;
    }
  operation = strchr (target, '.') + 1;
  if (g_object_get_data (G_OBJECT (msg), TOO_LARGE_KEY) != NULL)
    {
      refuse_too_large (msg);
      return;
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (body, &len);
  request = ddb_json_parse (data ? data : "", len, &check, NULL);
  if (request == NULL)
    {
      respond_error (msg, 400, "com.amazon.coral.service#SerializationException",
                     check != DDB_JSON_CHECK_OK ? ddb_json_check_describe (check)
                     : "Start of structure or map found where not expected.");
      return;
    }

  /* DynamoDB and DynamoDB Streams share the port, as with DynamoDB Local.
   * Without faults the engine prints its answer itself, items straight
   * from their packed form. */
  text = g_string_sized_new (512);
  if (server->persist != NULL)
    g_rw_lock_reader_lock (&server->compact_lock);
  if (g_str_has_prefix (target, STREAMS_TARGET_PREFIX))
    response = server->faults != NULL
               ? ddb_faults_handle_streams (server->faults, server->engine, operation, request, &status)
               : ddb_engine_handle_streams (server->engine, operation, request, &status);
  else if (server->faults != NULL)
    response = ddb_faults_handle (server->faults, server->engine, operation, request, &status);
  else
    ddb_engine_handle_text (server->engine, operation, request, text, &status);
  if (server->persist != NULL)
    g_rw_lock_reader_unlock (&server->compact_lock);
  if (response != NULL)
    ddb_json_print (text, response, NULL, NULL);
  respond_len (msg, status, text->str, text->len, TRUE);
  g_string_free (text, FALSE);
  compact_if_needed (server);

  log_request (server, operation, status, start);
}

/* ---- The accept loop for libsoup < 3.4 ----------------------------------
 *
 * libsoup 3.2 (Debian 12) leaks the file descriptor of every connection the
 * client closes while the server waits for its next request: the message
 * waiting on an idle keep-alive connection ends without a completion
 * callback, so nothing disconnects it (fixed by libsoup commit d20c6601,
 * "server: do not leak idle connections closed by the client", in 3.3.0;
 * its listener also kept a reference to every accepted GSocket until 3.4.0,
 * b545d5f0). There, dynamorm-server accepts connections itself and hands them
 * to soup_server_accept_iostream(): a server without listeners closes each
 * connection once its response is written, so no connection sits idle, and
 * a connection closed before it sent its first byte (the one case left) is
 * watched here and closed. Newer libsoup keeps its own listener and
 * keep-alive. */

typedef struct {
  Worker *worker;
  char *key;
  GSocketConnection *connection;
  GSource *watch;
} SilentConnection;

static void
silent_connection_free (gpointer data)
{
  SilentConnection *silent = data;

  g_source_destroy (silent->watch);
  g_source_unref (silent->watch);
  g_object_unref (silent->connection);
  g_free (silent->key);
  g_free (silent);
}

static char *
address_key (GSocketAddress *address)
{
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

/* Runs after libsoup had its turn at the end of stream (an idle source of
 * lower priority than libsoup's): closes the connection unless libsoup did. */
static gboolean
close_silent (gpointer user_data)
{
  SilentConnection *silent = user_data;

  if (!g_io_stream_is_closed (G_IO_STREAM (silent->connection)))
    g_io_stream_close (G_IO_STREAM (silent->connection), NULL, NULL);
  g_hash_table_remove (silent->worker->silent, silent->key);
  return G_SOURCE_REMOVE;
}

/* The connection became readable before it started a request: data is for
 * libsoup, which reads it in this same main-loop iteration; end of stream
 * or an error means the client left without a word. */
static gboolean
silent_ready (GSocket      *socket,
              GIOCondition  condition,
              gpointer      user_data)
{
  SilentConnection *silent = user_data;
  char byte;
  gssize n;

  if (!g_socket_is_closed (socket))
    {
      n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
        return G_SOURCE_CONTINUE;
    }
  g_source_unref (silent->watch);
  silent->watch = g_idle_source_new ();
  g_source_set_priority (silent->watch, G_PRIORITY_LOW);
  g_source_set_callback (silent->watch, close_silent, silent, NULL);
  g_source_attach (silent->watch, silent->worker->context);
  return G_SOURCE_REMOVE;
}

static void
request_started (SoupServer        *soup_server,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  Worker *worker = user_data;
  g_autofree char *key = address_key (soup_server_message_get_remote_address (msg));

  if (key != NULL)
    g_hash_table_remove (worker->silent, key);
}

static gboolean
worker_accept (GSocketService    *service,
                   GSocketConnection *connection,
                   GObject           *source_object,
                   gpointer           user_data)
{
  Worker *worker = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;
  SilentConnection *silent;
  GSocket *socket = g_socket_connection_get_socket (connection);

  if (local == NULL || remote == NULL ||
      !soup_server_accept_iostream (worker->soup, G_IO_STREAM (connection), local, remote, &error))
    {
      if (worker->server->verbose)
        g_printerr ("dynamorm-server: dropped a connection: %s\n", error ? error->message : "no address");
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  /* libsoup may have finished with it already (a client that closed at once). */
  if (g_socket_is_closed (socket))
    return TRUE;
  silent = g_new0 (SilentConnection, 1);
  silent->worker = worker;
  silent->key = address_key (remote);
  silent->connection = g_object_ref (connection);
  silent->watch = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (silent->watch, (GSourceFunc) (void (*) (void)) silent_ready, silent, NULL);
  g_source_attach (silent->watch, worker->context);
  if (silent->key == NULL)
    silent->key = g_strdup_printf ("%p", (void *) silent);
  g_hash_table_replace (worker->silent, silent->key, silent);
  return TRUE;
}

static void early_handle (SoupServer *, SoupServerMessage *, const char *, GHashTable *, gpointer);
static void handle (SoupServer *, SoupServerMessage *, const char *, GHashTable *, gpointer);

static SoupServer *
server_soup_new (Server *server)
{
  SoupServer *soup = soup_server_new ("server-header", "dynamorm-server ", NULL);

  soup_server_add_early_handler (soup, NULL, early_handle, server, NULL);
  soup_server_add_handler (soup, NULL, handle, server, NULL);
  return soup;
}

static gpointer
worker_run (gpointer data)
{
  Worker *worker = data;
  g_autoptr(GError) error = NULL;

  /* Everything this thread makes attaches to its own context. */
  g_main_context_push_thread_default (worker->context);
  worker->soup = server_soup_new (worker->server);
  g_signal_connect (worker->soup, "request-started", G_CALLBACK (request_started), worker);
  worker->service = g_socket_service_new ();
  g_signal_connect (worker->service, "incoming", G_CALLBACK (worker_accept), worker);
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (worker->service), worker->socket, NULL, &error))
    g_printerr ("dynamorm-server: %s\n", error->message);
  g_socket_service_start (worker->service);
  /* Not a GMainLoop: a g_main_loop_quit() from worker_stop() before this
   * thread reached g_main_loop_run() would be lost, and the join would hang.
   * The flag and the context's wakeup cannot be missed. */
  while (!g_atomic_int_get (&worker->stopping))
    g_main_context_iteration (worker->context, TRUE);

  /* Stopping: close what is still open, in this thread. */
  g_socket_service_stop (worker->service);
  g_socket_listener_close (G_SOCKET_LISTENER (worker->service));
  g_clear_object (&worker->service);
  g_clear_pointer (&worker->silent, g_hash_table_unref);
  soup_server_disconnect (worker->soup);
  g_clear_object (&worker->soup);
  while (g_main_context_iteration (worker->context, FALSE))
    ;
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

/* A listening socket on address that shares its port with the others. */
static GSocket *
reuseport_socket (GSocketAddress *address, GError **error)
{
  g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, error);

  struct sockaddr_storage native;
  gsize len = g_socket_address_get_native_size (address);

  if (socket == NULL ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, error) ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error) ||
      !g_socket_address_to_native (address, &native, sizeof native, error))
    return NULL;
  /* Not g_socket_bind(): it turns SO_REUSEPORT off on stream sockets. */
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native, len) != 0)
    {
      int saved = errno;
      g_autofree char *where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Error binding to address %s: %s", where, g_strerror (saved));
      return NULL;
    }
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static Worker *
worker_start (Server *server, GSocket *socket, guint index)
{
  Worker *worker = g_new0 (Worker, 1);
  g_autofree char *name = g_strdup_printf ("dynamorm-srv-%u", index);

  worker->server = server;
  worker->socket = socket;
  worker->context = g_main_context_new ();
  worker->silent = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, silent_connection_free);
  worker->thread = g_thread_new (name, worker_run, worker);
  return worker;
}

static void
worker_stop (Worker *worker)
{
  g_atomic_int_set (&worker->stopping, TRUE);
  g_main_context_wakeup (worker->context);
  g_thread_join (worker->thread);
  g_main_context_unref (worker->context);
  g_object_unref (worker->socket);
  g_free (worker);
}

static gboolean
libsoup_leaks_idle_connections (void)
{
  return soup_get_major_version () == 3 && soup_get_minor_version () < 4;
}

/* Listens on address and prints where; with libsoup's listener where it is
 * sound, with our own accept loop otherwise. */
static gboolean
start_listening (Server          *server,
                 GSocketAddress  *address,
                 guint            n_threads,
                 GError         **error)
{
  g_autoptr(GSocketAddress) effective = NULL;
  g_autofree char *uri = NULL;

  if (!libsoup_leaks_idle_connections ())
    {
      GSList *uris;

      server->soup = server_soup_new (server);
      if (!soup_server_listen (server->soup, address, 0, error))
        return FALSE;
      uris = soup_server_get_uris (server->soup);
      uri = g_uri_to_string (uris->data);
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    }
  else
    {
      g_autofree char *ip = NULL;
      GInetSocketAddress *inet;
      GSocket *first;

      /* Each thread accepts on a socket of its own (SO_REUSEPORT); the
       * first picks the port when asked for port 0. */
      if ((first = reuseport_socket (address, error)) == NULL ||
          (effective = g_socket_get_local_address (first, error)) == NULL)
        {
          g_clear_object (&first);
          return FALSE;
        }
      server->workers = g_new0 (Worker *, n_threads);
      for (guint i = 0; i < n_threads; i++)
        {
          GSocket *socket = i == 0 ? first : reuseport_socket (effective, error);

          if (socket == NULL)
            return FALSE;
          server->workers[server->n_workers++] = worker_start (server, socket, i);
        }
      inet = G_INET_SOCKET_ADDRESS (effective);
      ip = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
      uri = g_strdup_printf (g_inet_address_get_family (g_inet_socket_address_get_address (inet)) == G_SOCKET_FAMILY_IPV6
                             ? "http://[%s]:%u/" : "http://%s:%u/",
                             ip, g_inet_socket_address_get_port (inet));
    }
  /* One line on standard output, so scripts know where to connect. */
  g_print ("dynamorm-server listening on %s\n", uri);
  fflush (stdout);
  return TRUE;
}

static void
stop_listening (Server *server)
{
  for (guint i = 0; i < server->n_workers; i++)
    worker_stop (server->workers[i]);
  g_clear_pointer (&server->workers, g_free);
  server->n_workers = 0;
  if (server->soup != NULL)
    {
      soup_server_disconnect (server->soup);
      g_clear_object (&server->soup);
    }
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
