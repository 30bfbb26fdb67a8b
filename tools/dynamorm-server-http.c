/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HTTP/1.1 server of dynamorm-server (dynamorm-server-http.h).
 *
 * Each thread owns a listening socket (SO_REUSEPORT: the kernel spreads
 * new connections over them), an epoll set and the connections it
 * accepted; nothing is shared between threads but the handler. A
 * connection reads a request (head, then a Content-Length or chunked
 * body), calls the handler, writes the answer, and reads the next one
 * (keep-alive) unless either side said "close". */
#define _GNU_SOURCE            /* accept4, memmem */
#include "config.h"

#include "dynamorm-server-http.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

/* A request head larger than this is refused (400). */
#define MAX_HEAD_BYTES (64 * 1024)
#define MAX_HEADERS 128
/* A chunk-size line longer than this is refused. */
#define MAX_CHUNK_LINE 1024
#define READ_SIZE (64 * 1024)
#define READ_LIMIT (1024 * 1024)

typedef enum {
  READ_HEAD,
  READ_BODY,            /* Content-Length bytes */
  READ_CHUNK_SIZE,
  READ_CHUNK_DATA,
  READ_CHUNK_END,       /* the CRLF after a chunk's data */
  READ_TRAILER,
  WRITING,              /* an answer is waiting for the socket */
} ReadState;

typedef struct {
  int fd;
  ReadState state;
  GByteArray *in;               /* received bytes; in_pos of them consumed */
  gsize in_pos;
  gboolean eof;
  /* The request being read */
  char *head;                   /* its head, split in place */
  const char *method;
  const char *path;
  const char *headers[2 * MAX_HEADERS];
  guint n_headers;
  gboolean keep_alive;
  gboolean expect_continue;
  guint64 remaining;            /* of the body or of the chunk */
  GByteArray *body;
  gboolean too_large;
  /* The answer */
  GString *out;
  gsize out_pos;
  gboolean close_after;
} Connection;

typedef struct {
  DynamormHttpServer *server;
  GThread *thread;
  int listen_fd;
  int epoll_fd;
  int wake_fd;
  GHashTable *connections;      /* set of Connection * */
  GString *response_headers;    /* reused by every answer */
  GString *response_body;
  time_t date_time;             /* the Date header, made once a second */
  char date[40];
} Worker;

struct _DynamormHttpServer {
  Worker **workers;
  guint n_workers;
  gsize max_body;
  DynamormHttpHandler handler;
  gpointer user_data;
  char *uri;
};

/* Keys of the epoll set that are not connections. */
static char listen_key, wake_key;

const char *
dynamorm_http_request_header (const DynamormHttpRequest *request,
                              const char                *name)
{
  for (guint i = 0; i < request->n_headers; i++)
    if (g_ascii_strcasecmp (request->headers[2 * i], name) == 0)
      return request->headers[2 * i + 1];
  return NULL;
}

/* ---- Connections ---- */

static void
connection_free (gpointer data)
{
  Connection *c = data;

  close (c->fd);
  g_byte_array_unref (c->in);
  g_byte_array_unref (c->body);
  g_string_free (c->out, TRUE);
  g_free (c->head);
  g_free (c);
}

static void
connection_close (Worker *w, Connection *c)
{
  epoll_ctl (w->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
  g_hash_table_remove (w->connections, c);
}

static void
connection_watch (Worker *w, Connection *c, guint32 events)
{
  struct epoll_event ev = { .events = events, .data.ptr = c };

  epoll_ctl (w->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what is pending; FALSE when the connection is gone. */
static gboolean
connection_flush (Worker *w, Connection *c)
{
  while (c->out_pos < c->out->len)
    {
      gssize n = send (c->fd, c->out->str + c->out_pos, c->out->len - c->out_pos, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          if (c->state != WRITING)
            connection_watch (w, c, EPOLLOUT);
          c->state = WRITING;
          return TRUE;
        }
      if (n <= 0)
        return FALSE;
      c->out_pos += n;
    }
  g_string_truncate (c->out, 0);
  c->out_pos = 0;
  if (c->state == WRITING)
    connection_watch (w, c, EPOLLIN);
  c->state = READ_HEAD;
  return !c->close_after;
}

/* ---- Answers ---- */

static const char *
reason_phrase (guint status)
{
  switch (status)
    {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 413: return "Request Entity Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : "Error";
    }
}

/* The Date header (RFC 9110's IMF-fixdate, in English whatever the locale). */
static const char *
worker_date (Worker *w)
{
  static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  time_t now = time (NULL);
  struct tm tm;

  if (now != w->date_time && gmtime_r (&now, &tm) != NULL)
    {
      g_snprintf (w->date, sizeof w->date, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                  days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
      w->date_time = now;
    }
  return w->date;
}

static void
append_answer (Worker *w, Connection *c, const DynamormHttpResponse *r)
{
  g_string_append_printf (c->out, "HTTP/1.1 %u %s\r\nServer: dynamorm-server\r\nDate: %s\r\n",
                          r->status, reason_phrase (r->status), worker_date (w));
  if (r->content_type != NULL)
    g_string_append_printf (c->out, "Content-Type: %s\r\n", r->content_type);
  g_string_append_printf (c->out, "Content-Length: %" G_GSIZE_FORMAT "\r\n", r->body->len);
  if (c->close_after)
    g_string_append (c->out, "Connection: close\r\n");
  g_string_append_len (c->out, r->headers->str, r->headers->len);
  g_string_append_len (c->out, "\r\n", 2);
  g_string_append_len (c->out, r->body->str, r->body->len);
}

/* A request the server cannot read: 400 and close. */
static gboolean
answer_bad_request (Worker *w, Connection *c)
{
  DynamormHttpResponse r = { 400, NULL, w->response_headers, w->response_body, TRUE };

  g_string_truncate (r.headers, 0);
  g_string_truncate (r.body, 0);
  c->close_after = TRUE;
  append_answer (w, c, &r);
  connection_flush (w, c);
  return FALSE;
}

/* The whole request is in: hands it to the handler and writes its answer. */
static gboolean
connection_dispatch (Worker *w, Connection *c)
{
  DynamormHttpServer *server = w->server;
  DynamormHttpResponse r = { 200, NULL, w->response_headers, w->response_body, FALSE };
  DynamormHttpRequest request = { 0 };

  g_byte_array_append (c->body, (const guint8 *) "", 1);
  request.method = c->method;
  request.path = c->path;
  request.headers = c->headers;
  request.n_headers = c->n_headers;
  request.body = (const char *) c->body->data;
  request.body_len = c->body->len - 1;
  request.too_large = c->too_large;
  g_string_truncate (r.headers, 0);
  g_string_truncate (r.body, 0);
  server->handler (&request, &r, server->user_data);

  /* A refused body may still be on its way (Expect: 100-continue): the
   * connection cannot be read on from here. */
  c->close_after = r.close || !c->keep_alive || c->remaining > 0;
  append_answer (w, c, &r);
  g_byte_array_set_size (c->body, 0);
  c->too_large = FALSE;
  c->state = READ_HEAD;
  return connection_flush (w, c);
}

/* ---- Reading a request ---- */

static gboolean
token_has (const char *value, const char *token)
{
  g_auto(GStrv) parts = g_strsplit (value, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_strstrip (parts[i]), token) == 0)
      return TRUE;
  return FALSE;
}

/* The request line: METHOD SP TARGET SP HTTP/1.x */
static gboolean
parse_request_line (Connection *c, char *line)
{
  char *target, *version, *query;

  if ((target = strchr (line, ' ')) == NULL)
    return FALSE;
  *target++ = '\0';
  if ((version = strchr (target, ' ')) == NULL)
    return FALSE;
  *version++ = '\0';
  if (!g_str_has_prefix (version, "HTTP/1.") || *line == '\0' || *target == '\0')
    return FALSE;
  c->keep_alive = !g_str_equal (version, "HTTP/1.0");
  /* an absolute target: keep its path */
  if (g_str_has_prefix (target, "http://") || g_str_has_prefix (target, "https://"))
    {
      char *slash = strchr (strstr (target, "://") + 3, '/');
      target = slash != NULL ? slash : (char *) "/";
    }
  if ((query = strchr (target, '?')) != NULL)
    *query = '\0';
  c->method = line;
  c->path = target;
  return TRUE;
}

/* One "Name: value" line; records what the reader itself needs. */
static gboolean
parse_header (Connection *c, char *line, gboolean *chunked, gint64 *length)
{
  char *colon = strchr (line, ':');
  char *value;

  if (colon == NULL || colon == line || c->n_headers == MAX_HEADERS)
    return FALSE;
  *colon = '\0';
  value = g_strstrip (colon + 1);
  c->headers[2 * c->n_headers] = line;
  c->headers[2 * c->n_headers + 1] = value;
  c->n_headers++;
  if (g_ascii_strcasecmp (line, "Content-Length") == 0)
    {
      guint64 n;

      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &n, NULL) ||
          (*length >= 0 && (guint64) *length != n))
        return FALSE;
      *length = n;
    }
  else if (g_ascii_strcasecmp (line, "Transfer-Encoding") == 0)
    *chunked = token_has (value, "chunked");
  else if (g_ascii_strcasecmp (line, "Connection") == 0)
    {
      if (token_has (value, "close"))
        c->keep_alive = FALSE;
      else if (token_has (value, "keep-alive"))
        c->keep_alive = TRUE;
    }
  else if (g_ascii_strcasecmp (line, "Expect") == 0)
    c->expect_continue = g_ascii_strcasecmp (value, "100-continue") == 0;
  return TRUE;
}

/* Splits the head (len bytes at data, without its blank line) in place
 * and picks how the body comes. */
static gboolean
parse_head (Worker *w, Connection *c, const guint8 *data, gsize len)
{
  gboolean chunked = FALSE;
  gint64 length = -1;
  char *line, *next;

  g_free (c->head);
  c->head = g_strndup ((const char *) data, len);
  c->n_headers = 0;
  c->expect_continue = FALSE;
  c->too_large = FALSE;
  line = c->head;
  for (gboolean first = TRUE; line != NULL && *line != '\0'; line = next, first = FALSE)
    {
      if ((next = strchr (line, '\n')) != NULL)
        *next++ = '\0';
      if (next != NULL && next > line + 1 && next[-2] == '\r')
        next[-2] = '\0';
      if (first ? !parse_request_line (c, line) : !parse_header (c, line, &chunked, &length))
        return FALSE;
    }
  if (c->method == NULL)
    return FALSE;
  c->remaining = chunked ? 0 : length > 0 ? (guint64) length : 0;
  c->too_large = !chunked && c->remaining > w->server->max_body;
  c->state = chunked ? READ_CHUNK_SIZE : READ_BODY;
  return TRUE;
}

static void
body_append (Worker *w, Connection *c, const guint8 *data, gsize len)
{
  if (c->too_large)
    return;
  if (c->body->len + len > w->server->max_body)
    {
      c->too_large = TRUE;
      g_byte_array_set_size (c->body, 0);
      return;
    }
  g_byte_array_append (c->body, data, len);
}

/* The body is about to be read: answers a refused one at once, or says
 * "100 Continue" when asked. FALSE when the connection is done. */
static gboolean
start_body (Worker *w, Connection *c, gboolean *dispatched)
{
  static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";

  *dispatched = FALSE;
  if (!c->expect_continue)
    return TRUE;
  if (c->too_large)
    {
      *dispatched = TRUE;
      return connection_dispatch (w, c);
    }
  return send (c->fd, go_on, sizeof go_on - 1, MSG_NOSIGNAL) == sizeof go_on - 1;
}

/* A CRLF-ended line at data; NULL when it is not all there yet. */
static const guint8 *
find_line_end (const guint8 *data, gsize avail)
{
  return memchr (data, '\n', avail);
}

/* Reads the head; returns the bytes used, 0 for more, -1 for a bad head. */
static gssize
read_head (Worker *w, Connection *c, const guint8 *data, gsize avail, gboolean *ok)
{
  const guint8 *end;
  gboolean dispatched;
  gsize skip = 0;

  /* empty lines before a request are allowed */
  while (skip < avail && (data[skip] == '\r' || data[skip] == '\n'))
    skip++;
  end = memmem (data + skip, avail - skip, "\r\n\r\n", 4);
  if (end == NULL)
    return avail - skip > MAX_HEAD_BYTES ? -1 : (gssize) skip;
  c->method = c->path = NULL;
  if (!parse_head (w, c, data + skip, end - (data + skip)))
    return -1;
  *ok = start_body (w, c, &dispatched);
  return end + 4 - data;
}

/* One step of the state machine over the unread input: returns the bytes
 * it used, 0 when it needs more input. FALSE in *ok: close. */
static gsize
read_step (Worker *w, Connection *c, const guint8 *data, gsize avail, gboolean *ok)
{
  const guint8 *end;
  gsize n;

  switch (c->state)
    {
    case READ_HEAD:
      {
        gssize used = read_head (w, c, data, avail, ok);

        if (used < 0)
          *ok = answer_bad_request (w, c);
        return used < 0 ? 0 : (gsize) used;
      }
    case READ_BODY:
    case READ_CHUNK_DATA:
      n = MIN (avail, c->remaining);
      body_append (w, c, data, n);
      c->remaining -= n;
      if (c->remaining == 0 && c->state == READ_CHUNK_DATA)
        c->state = READ_CHUNK_END;
      else if (c->remaining == 0)
        *ok = connection_dispatch (w, c);
      return n;
    case READ_CHUNK_SIZE:
    case READ_CHUNK_END:
    case READ_TRAILER:
      if ((end = find_line_end (data, avail)) == NULL)
        {
          if (avail > MAX_CHUNK_LINE)
            *ok = answer_bad_request (w, c);
          return 0;
        }
      n = end + 1 - data;
      if (c->state == READ_CHUNK_END)
        c->state = READ_CHUNK_SIZE;
      else if (c->state == READ_TRAILER)
        {
          if (n <= 2)
            *ok = connection_dispatch (w, c);
        }
      else
        {
          char *rest;
          guint64 size = g_ascii_strtoull ((const char *) data, &rest, 16);

          if (rest == (const char *) data)
            {
              *ok = answer_bad_request (w, c);
              return 0;
            }
          c->remaining = size;
          c->state = size == 0 ? READ_TRAILER : READ_CHUNK_DATA;
        }
      return n;
    case WRITING:
    default:
      return 0;
    }
}

/* Runs the state machine over what has come in. FALSE: close. */
static gboolean
connection_process (Worker *w, Connection *c)
{
  gboolean ok = TRUE;

  while (ok && c->state != WRITING)
    {
      ReadState before = c->state;
      gsize used = read_step (w, c, c->in->data + c->in_pos, c->in->len - c->in_pos, &ok);

      c->in_pos += used;
      if (used == 0 && c->state == before)
        break;
    }
  /* keep what is unread at the front of the buffer */
  if (c->in_pos > 0)
    {
      g_byte_array_remove_range (c->in, 0, c->in_pos);
      c->in_pos = 0;
    }
  return ok;
}

/* Reads what the socket has, up to READ_LIMIT unprocessed bytes (epoll
 * says again when there is more). FALSE when it failed. */
static gboolean
connection_read (Connection *c)
{
  while (c->in->len < READ_LIMIT)
    {
      guint old = c->in->len;
      gssize n;

      g_byte_array_set_size (c->in, old + READ_SIZE);
      n = recv (c->fd, c->in->data + old, READ_SIZE, 0);
      g_byte_array_set_size (c->in, old + MAX (n, 0));
      if (n > 0 && n < READ_SIZE)
        return TRUE;
      if (n == 0)
        {
          c->eof = TRUE;
          return TRUE;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
  return TRUE;
}

static void
connection_event (Worker *w, Connection *c, guint32 events)
{
  if (c->state == WRITING)
    {
      if (!connection_flush (w, c))
        {
          connection_close (w, c);
          return;
        }
      if (c->state == WRITING)
        return;
    }
  else if (!connection_read (c))
    {
      connection_close (w, c);
      return;
    }
  if (!connection_process (w, c))
    connection_close (w, c);
  else if (c->eof && c->state != WRITING)
    connection_close (w, c);
}

/* ---- Threads ---- */

static void
worker_accept (Worker *w)
{
  for (;;)
    {
      int fd = accept4 (w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      int one = 1;
      struct epoll_event ev = { .events = EPOLLIN };
      Connection *c;

      if (fd < 0)
        {
          /* Out of descriptors: let the connections in flight finish
           * instead of spinning on the listening socket. */
          if (errno == EMFILE || errno == ENFILE)
            g_usleep (10000);
          return;
        }
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c = g_new0 (Connection, 1);
      c->fd = fd;
      c->in = g_byte_array_sized_new (READ_SIZE);
      c->body = g_byte_array_new ();
      c->out = g_string_sized_new (1024);
      ev.data.ptr = c;
      g_hash_table_add (w->connections, c);
      if (epoll_ctl (w->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
        g_hash_table_remove (w->connections, c);
    }
}

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  struct epoll_event events[64];

  for (;;)
    {
      int n = epoll_wait (w->epoll_fd, events, G_N_ELEMENTS (events), -1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      for (int i = 0; i < n; i++)
        {
          if (events[i].data.ptr == &wake_key)
            return NULL;
          if (events[i].data.ptr == &listen_key)
            worker_accept (w);
          else
            connection_event (w, events[i].data.ptr, events[i].events);
        }
    }
  return NULL;
}

/* A listening socket on address (port 0: any) that shares its port. */
static int
listen_socket (GSocketAddress *address, GError **error)
{
  struct sockaddr_storage native;
  gsize len = g_socket_address_get_native_size (address);
  int fd = socket (g_socket_address_get_family (address), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;

  if (fd < 0 ||
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      !g_socket_address_to_native (address, &native, sizeof native, NULL) ||
      bind (fd, (struct sockaddr *) &native, len) != 0 ||
      listen (fd, SOMAXCONN) != 0)
    {
      int saved = errno;
      g_autofree char *where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Error binding to address %s: %s", where, g_strerror (saved));
      return -1;
    }
  return fd;
}

static void
worker_free (Worker *w)
{
  if (w->thread != NULL)
    {
      guint64 one = 1;

      if (write (w->wake_fd, &one, sizeof one) != sizeof one)
        g_warning ("dynamorm-server: cannot wake a serving thread: %s", g_strerror (errno));
      g_thread_join (w->thread);
    }
  g_hash_table_unref (w->connections);
  g_string_free (w->response_headers, TRUE);
  g_string_free (w->response_body, TRUE);
  if (w->epoll_fd >= 0)
    close (w->epoll_fd);
  if (w->wake_fd >= 0)
    close (w->wake_fd);
  close (w->listen_fd);
  g_free (w);
}

static Worker *
worker_new (DynamormHttpServer *server, int listen_fd, GError **error)
{
  Worker *w = g_new0 (Worker, 1);
  struct epoll_event listen_ev = { .events = EPOLLIN, .data.ptr = &listen_key };
  struct epoll_event wake_ev = { .events = EPOLLIN, .data.ptr = &wake_key };

  w->server = server;
  w->listen_fd = listen_fd;
  w->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  w->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  w->connections = g_hash_table_new_full (NULL, NULL, connection_free, NULL);
  w->response_headers = g_string_sized_new (256);
  w->response_body = g_string_sized_new (4096);
  if (w->epoll_fd < 0 || w->wake_fd < 0 ||
      epoll_ctl (w->epoll_fd, EPOLL_CTL_ADD, listen_fd, &listen_ev) != 0 ||
      epoll_ctl (w->epoll_fd, EPOLL_CTL_ADD, w->wake_fd, &wake_ev) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot wait for connections: %s", g_strerror (saved));
      worker_free (w);
      return NULL;
    }
  return w;
}

static char *
uri_of (int fd)
{
  struct sockaddr_storage native;
  socklen_t len = sizeof native;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *ip = NULL;
  GInetAddress *inet;

  if (getsockname (fd, (struct sockaddr *) &native, &len) != 0 ||
      (address = g_socket_address_new_from_native (&native, len)) == NULL)
    return NULL;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  ip = g_inet_address_to_string (inet);
  return g_strdup_printf (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "http://[%s]:%u/" : "http://%s:%u/",
                          ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
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
  g_autoptr(GSocketAddress) effective = NULL;
  int first;

  server->max_body = max_body;
  server->handler = handler;
  server->user_data = user_data;
  server->workers = g_new0 (Worker *, MAX (n_threads, 1));
  /* The first socket picks the port when asked for port 0. */
  if ((first = listen_socket (address, error)) < 0 || (server->uri = uri_of (first)) == NULL)
    {
      if (first >= 0)
        close (first);
      dynamorm_http_server_free (server);
      return NULL;
    }
  for (guint i = 0; i < MAX (n_threads, 1); i++)
    {
      int fd = first;

      if (i > 0)
        {
          struct sockaddr_storage native;
          socklen_t len = sizeof native;

          getsockname (first, (struct sockaddr *) &native, &len);
          g_clear_object (&effective);
          effective = g_socket_address_new_from_native (&native, len);
          fd = listen_socket (effective, error);
        }
      if (fd < 0)
        {
          dynamorm_http_server_free (server);
          return NULL;
        }
      if ((server->workers[server->n_workers] = worker_new (server, fd, error)) == NULL)
        {
          dynamorm_http_server_free (server);
          return NULL;
        }
      server->n_workers++;
    }
  for (guint i = 0; i < server->n_workers; i++)
    {
      g_autofree char *name = g_strdup_printf ("dynamorm-srv-%u", i);

      server->workers[i]->thread = g_thread_new (name, worker_run, server->workers[i]);
    }
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
  for (guint i = 0; i < server->n_workers; i++)
    worker_free (server->workers[i]);
  g_free (server->workers);
  g_free (server->uri);
  g_free (server);
}
