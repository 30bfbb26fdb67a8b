/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HTTP/1.1 server of dynamorm-server (dynamorm-server-http.h), on
 * GNU libmicrohttpd: its thread pool (poll(); the epoll mode of 0.9.75
 * leaks connections closed in the middle of a body) accepts,
 * keeps connections alive, reads Content-Length and chunked bodies,
 * answers Expect: 100-continue and malformed requests; this file gathers
 * a request's body, hands the whole request to the handler and queues its
 * answer. */
#include "config.h"

#include "dynamorm-server-http.h"

#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* A request head (request line and headers) larger than about this is
 * refused by libmicrohttpd; it also holds the connection's read buffer. */
#define CONNECTION_MEMORY (32 * 1024)

struct _DynamormHttpServer {
  struct MHD_Daemon *daemon;
  char *start_failure;          /* what libmicrohttpd logged while starting */
  gint started;                 /* atomic: later messages are not kept */
  gsize max_body;
  DynamormHttpHandler handler;
  gpointer user_data;
  char *uri;
};

/* What one request gathers between the access handler's calls. */
typedef struct {
  GByteArray *body;
  gboolean too_large;
} Upload;

static void
upload_free (Upload *upload)
{
  g_byte_array_unref (upload->body);
  g_free (upload);
}

const char *
dynamorm_http_request_header (const DynamormHttpRequest *request,
                              const char                *name)
{
  for (guint i = 0; i < request->n_headers; i++)
    if (g_ascii_strcasecmp (request->headers[2 * i], name) == 0)
      return request->headers[2 * i + 1];
  return NULL;
}

static enum MHD_Result
collect_header (void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
  GPtrArray *headers = cls;

  g_ptr_array_add (headers, (gpointer) name);
  g_ptr_array_add (headers, (gpointer) (value ? value : ""));
  return MHD_YES;
}

/* The handler's "Name: value\r\n" lines, onto the libmicrohttpd answer. */
static void
add_headers (struct MHD_Response *answer, GString *lines)
{
  char *line = lines->str;
  char *end;

  while ((end = strstr (line, "\r\n")) != NULL)
    {
      char *colon = memchr (line, ':', end - line);

      *end = '\0';
      if (colon != NULL)
        {
          const char *value = colon + 1;

          *colon = '\0';
          while (*value == ' ')
            value++;
          MHD_add_response_header (answer, line, value);
        }
      line = end + 2;
    }
}

/* Runs the handler on the whole request and queues its answer. */
static enum MHD_Result
dispatch (DynamormHttpServer    *server,
          struct MHD_Connection *connection,
          const char            *method,
          const char            *path,
          Upload                *upload)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  g_autoptr(GString) response_headers = g_string_new (NULL);
  g_autoptr(GString) response_body = g_string_new (NULL);
  DynamormHttpResponse response = { 200, NULL, response_headers, response_body, FALSE };
  DynamormHttpRequest request = { 0 };
  struct MHD_Response *answer;
  enum MHD_Result queued;

  MHD_get_connection_values (connection, MHD_HEADER_KIND, collect_header, headers);
  g_byte_array_append (upload->body, (const guint8 *) "", 1);
  request.method = method;
  request.path = path;
  request.headers = (const char **) headers->pdata;
  request.n_headers = headers->len / 2;
  request.body = (const char *) upload->body->data;
  request.body_len = upload->body->len - 1;
  request.too_large = upload->too_large;
  server->handler (&request, &response, server->user_data);

  answer = MHD_create_response_from_buffer (response.body->len, response.body->str, MHD_RESPMEM_MUST_COPY);
  if (answer == NULL)
    return MHD_NO;
  MHD_add_response_header (answer, MHD_HTTP_HEADER_SERVER, "dynamorm-server");
  if (response.content_type != NULL)
    MHD_add_response_header (answer, MHD_HTTP_HEADER_CONTENT_TYPE, response.content_type);
  add_headers (answer, response.headers);
  if (response.close)
    MHD_add_response_header (answer, MHD_HTTP_HEADER_CONNECTION, "close");
  queued = MHD_queue_response (connection, response.status, answer);
  MHD_destroy_response (answer);
  return queued;
}

/* Whether the request announces a body over the limit and waits for a
 * 100 Continue: then it is refused before the body is sent. */
static gboolean
refused_before_body (DynamormHttpServer *server, struct MHD_Connection *connection)
{
  const char *expect = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
  const char *length = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

  return expect != NULL && g_ascii_strcasecmp (expect, "100-continue") == 0 &&
         length != NULL && g_ascii_strtoull (length, NULL, 10) > server->max_body;
}

/* libmicrohttpd calls this first with the head, then with each piece of
 * the body, then once more with none when the body is complete. */
static enum MHD_Result
access_handler (void                  *cls,
                struct MHD_Connection *connection,
                const char            *url,
                const char            *method,
                const char            *version,
                const char            *upload_data,
                size_t                *upload_data_size,
                void                 **request_state)
{
  DynamormHttpServer *server = cls;
  Upload *upload = *request_state;

  if (upload == NULL)
    {
      upload = g_new0 (Upload, 1);
      upload->body = g_byte_array_new ();
      *request_state = upload;
      if (refused_before_body (server, connection))
        {
          upload->too_large = TRUE;
          return dispatch (server, connection, method, url, upload);
        }
      return MHD_YES;
    }
  if (*upload_data_size > 0)
    {
      /* Over the limit, the rest is read and dropped. */
      if (!upload->too_large && upload->body->len + *upload_data_size > server->max_body)
        {
          upload->too_large = TRUE;
          g_byte_array_set_size (upload->body, 0);
        }
      if (!upload->too_large)
        g_byte_array_append (upload->body, (const guint8 *) upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
  return dispatch (server, connection, method, url, upload);
}

static void
request_completed (void                            *cls,
                   struct MHD_Connection           *connection,
                   void                           **request_state,
                   enum MHD_RequestTerminationCode  code)
{
  g_clear_pointer ((Upload **) request_state, upload_free);
}

/* libmicrohttpd's error log: kept while starting, to say why listening
 * failed; afterwards (a client that went away, ...) not shown, since an
 * answer to a bad client is not the server's failure. */
static void
log_start_failure (void *cls, const char *format, va_list args)
{
  DynamormHttpServer *server = cls;

  if (!g_atomic_int_get (&server->started) && server->start_failure == NULL)
    {
      server->start_failure = g_strdup_vprintf (format, args);
      g_strchomp (server->start_failure);
    }
}

static char *
uri_of (GSocketAddress *address, guint16 port)
{
  GInetAddress *inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  g_autofree char *ip = g_inet_address_to_string (inet);

  return g_strdup_printf (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "http://[%s]:%u/" : "http://%s:%u/",
                          ip, port);
}

DynamormHttpServer *
dynamorm_http_server_new (GSocketAddress       *address,
                          guint                 n_threads,
                          gsize                 max_body,
                          DynamormHttpHandler   handler,
                          gpointer              user_data,
                          GError              **error)
{
  DynamormHttpServer *server = g_new0 (DynamormHttpServer, 1);
  struct sockaddr_storage native;
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
  const union MHD_DaemonInfo *info;

  server->max_body = max_body;
  server->handler = handler;
  server->user_data = user_data;
  if (!g_socket_address_to_native (address, &native, sizeof native, error))
    {
      dynamorm_http_server_free (server);
      return NULL;
    }
  if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    flags |= MHD_USE_IPv6;
  server->daemon = MHD_start_daemon (flags, 0, NULL, NULL, access_handler, server,
                                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &native,
                                     MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) MAX (n_threads, 1),
                                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) CONNECTION_MEMORY,
                                     MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
                                     MHD_OPTION_EXTERNAL_LOGGER, log_start_failure, server,
                                     MHD_OPTION_END);
  if (server->daemon == NULL ||
      (info = MHD_get_daemon_info (server->daemon, MHD_DAEMON_INFO_BIND_PORT)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           server->start_failure ? server->start_failure : "the HTTP server did not start");
      dynamorm_http_server_free (server);
      return NULL;
    }
  server->uri = uri_of (address, info->port);
  g_atomic_int_set (&server->started, TRUE);
  return server;
}

char *
dynamorm_http_server_get_uri (DynamormHttpServer *server)
{
  return g_strdup (server->uri);
}

void
dynamorm_http_server_free (DynamormHttpServer *server)
{
  if (server->daemon != NULL)
    MHD_stop_daemon (server->daemon);
  g_free (server->start_failure);
  g_free (server->uri);
  g_free (server);
}
