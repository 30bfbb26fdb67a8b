/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fault-proxy: a loopback HTTP proxy in front of DynamoDB (Local) that
 * breaks a share of the calls the way a flaky network or service would.
 *
 *   fault-proxy UPSTREAM_URL PERCENT SEED
 *
 * listens on 127.0.0.1 (a free port), prints "http://127.0.0.1:PORT\n" on
 * stdout once it accepts connections, and forwards every POST to
 * UPSTREAM_URL. PERCENT of the calls (chosen by a GRand seeded with SEED,
 * so a run can be repeated) get one fault, with equal odds:
 *
 *   throttle        400 ThrottlingException, not forwarded
 *   500-before      500 InternalServerError, not forwarded
 *   503-before      503 ServiceUnavailable, not forwarded
 *   reset-before    the connection closed without an answer, not forwarded
 *   500-after       forwarded (applied), then 500 InternalServerError
 *   reset-after     forwarded (applied), then the connection closed
 *   truncated       forwarded, then the headers and half the body, closed
 *   corrupted       forwarded, then the answer with one byte of its body
 *                   changed, so that its x-amz-crc32 no longer matches
 *                   (DynamoDB sends that header with every answer;
 *                   DynamoDB Local leaves it out of errors, so the proxy
 *                   adds it there, computed over the real body)
 *
 * GET /faults answers a JSON object counting the calls and each fault.
 * Runs until its standard input closes (so it ends with the test that
 * started it, however that ends) or it is killed. Test-only: no TLS,
 * loopback only. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib-unix.h>
#include <libsoup/soup.h>

#include "dynamorm-http-crc32.h"

typedef enum {
  FAULT_NONE,
  FAULT_THROTTLE,
  FAULT_500_BEFORE,
  FAULT_503_BEFORE,
  FAULT_RESET_BEFORE,
  FAULT_500_AFTER,
  FAULT_RESET_AFTER,
  FAULT_TRUNCATED,
  FAULT_CORRUPTED,
  N_FAULTS
} Fault;

static const char *const fault_names[N_FAULTS] = {
  "none", "throttle", "500-before", "503-before", "reset-before",
  "500-after", "reset-after", "truncated", "corrupted",
};

typedef struct {
  SoupSession *upstream;
  GUri *upstream_uri;
  GRand *rand;
  guint percent;
  guint counts[N_FAULTS];
  guint calls;
} Proxy;

typedef struct {
  Proxy *proxy;
  SoupServerMessage *msg;
  SoupMessage *forwarded;
  Fault fault;
} Forward;

static Fault
choose_fault (Proxy *proxy)
{
  if ((guint) g_rand_int_range (proxy->rand, 0, 100) >= proxy->percent)
    return FAULT_NONE;
  return (Fault) g_rand_int_range (proxy->rand, FAULT_THROTTLE, N_FAULTS);
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *type,
               const char        *message)
{
  g_autofree char *body = g_strdup_printf ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#%s\",\"message\":\"%s\"}",
                                           type, message);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/x-amz-json-1.0", SOUP_MEMORY_COPY, body, strlen (body));
}

/* Takes the connection over: writes raw (len bytes, may be 0) and closes. */
static void
respond_raw (SoupServerMessage *msg,
             const char        *raw,
             gsize              len)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  if (len > 0)
    g_output_stream_write_all (g_io_stream_get_output_stream (stream), raw, len, NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

static void
copy_header (const char *name,
             const char *value,
             gpointer    user_data)
{
  SoupMessageHeaders *to = user_data;

  if (g_ascii_strcasecmp (name, "Host") == 0 || g_ascii_strcasecmp (name, "Content-Length") == 0 ||
      g_ascii_strcasecmp (name, "Connection") == 0 || g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
    return;
  soup_message_headers_append (to, name, value);
}

/* The answer as it came, or broken after the fact. */
static void
respond_forwarded (Forward *fw,
                   GBytes  *body)
{
  SoupMessageHeaders *from = soup_message_get_response_headers (fw->forwarded);
  SoupMessageHeaders *to = soup_server_message_get_response_headers (fw->msg);
  guint status = soup_message_get_status (fw->forwarded);
  const char *content_type;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  switch (fw->fault)
    {
    case FAULT_500_AFTER:
      respond_error (fw->msg, 500, "InternalServerError", "Internal server error");
      soup_server_message_unpause (fw->msg);
      return;
    case FAULT_RESET_AFTER:
      respond_raw (fw->msg, NULL, 0);
      return;
    case FAULT_TRUNCATED:
      {
        g_autoptr(GString) raw = g_string_new (NULL);
        const char *crc = soup_message_headers_get_one (from, "x-amz-crc32");

        g_string_append_printf (raw, "HTTP/1.1 %u OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                                     "Content-Length: %zu\r\n", status, len);
        if (crc != NULL)
          g_string_append_printf (raw, "x-amz-crc32: %s\r\n", crc);
        g_string_append (raw, "\r\n");
        g_string_append_len (raw, data, len / 2);
        respond_raw (fw->msg, raw->str, raw->len);
        return;
      }
    default:
      break;
    }

  content_type = soup_message_headers_get_content_type (from, NULL);
  if (content_type == NULL)
    content_type = "application/x-amz-json-1.0";
  soup_message_headers_foreach (from, copy_header, to);
  soup_server_message_set_status (fw->msg, status, NULL);
  if (fw->fault == FAULT_CORRUPTED && len > 0)
    {
      g_autofree char *copy = g_memdup2 (data, len);

      /* A letter or digit in the middle becomes another one: often still
       * JSON, only the CRC32 can tell. */
      if (soup_message_headers_get_one (to, "x-amz-crc32") == NULL)
        {
          g_autofree char *crc = g_strdup_printf ("%u", dynamorm_http_crc32 ((const guint8 *) data, len));
          soup_message_headers_replace (to, "x-amz-crc32", crc);
        }
      copy[len / 2] = copy[len / 2] == 'x' ? 'y' : 'x';
      soup_server_message_set_response (fw->msg, content_type, SOUP_MEMORY_COPY, copy, len);
    }
  else
    soup_server_message_set_response (fw->msg, content_type, SOUP_MEMORY_COPY, data, len);
  soup_server_message_unpause (fw->msg);
}

static void
forwarded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Forward *fw = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  if (body == NULL)
    {
      g_printerr ("fault-proxy: upstream failed: %s\n", error->message);
      respond_error (fw->msg, 500, "InternalServerError", "fault-proxy: upstream failed");
      soup_server_message_unpause (fw->msg);
    }
  else
    respond_forwarded (fw, body);

  g_object_unref (fw->forwarded);
  g_object_unref (fw->msg);
  g_free (fw);
}

static void
forward (Proxy             *proxy,
         SoupServerMessage *msg,
         Fault              fault)
{
  Forward *fw = g_new0 (Forward, 1);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) flat = soup_message_body_flatten (body);
  const char *content_type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);

  fw->proxy = proxy;
  fw->msg = g_object_ref (msg);
  fw->fault = fault;
  fw->forwarded = soup_message_new_from_uri (SOUP_METHOD_POST, proxy->upstream_uri);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), copy_header,
                                soup_message_get_request_headers (fw->forwarded));
  soup_message_set_request_body_from_bytes (fw->forwarded, content_type, flat);
  soup_server_message_pause (msg);
  soup_session_send_and_read_async (proxy->upstream, fw->forwarded, G_PRIORITY_DEFAULT, NULL, forwarded_cb, fw);
}

static void
answer_counts (Proxy             *proxy,
               SoupServerMessage *msg)
{
  g_autoptr(GString) json = g_string_new (NULL);

  g_string_append_printf (json, "{\"calls\":%u", proxy->calls);
  for (guint i = 0; i < N_FAULTS; i++)
    g_string_append_printf (json, ",\"%s\":%u", fault_names[i], proxy->counts[i]);
  g_string_append_c (json, '}');
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json->str, json->len);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Proxy *proxy = user_data;
  Fault fault;

  if (g_str_equal (soup_server_message_get_method (msg), "GET") && g_str_equal (path, "/faults"))
    {
      answer_counts (proxy, msg);
      return;
    }

  fault = choose_fault (proxy);
  proxy->calls++;
  proxy->counts[fault]++;
  switch (fault)
    {
    case FAULT_THROTTLE:
      respond_error (msg, 400, "ThrottlingException", "Rate of requests exceeds the allowed throughput.");
      break;
    case FAULT_500_BEFORE:
      respond_error (msg, 500, "InternalServerError", "Internal server error");
      break;
    case FAULT_503_BEFORE:
      respond_error (msg, 503, "ServiceUnavailable", "Service unavailable");
      break;
    case FAULT_RESET_BEFORE:
      respond_raw (msg, NULL, 0);
      break;
    default:
      forward (proxy, msg, fault);
      break;
    }
}

/* The parent is gone when stdin reaches its end. */
static gboolean
stdin_cb (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  char buf[64];

  if ((condition & G_IO_IN) && read (fd, buf, sizeof buf) > 0)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  Proxy proxy = { 0 };
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  if (argc != 4)
    {
      g_printerr ("usage: fault-proxy UPSTREAM_URL PERCENT SEED\n");
      return 2;
    }
  proxy.upstream_uri = g_uri_parse (argv[1], G_URI_FLAGS_NONE, &error);
  if (proxy.upstream_uri == NULL)
    {
      g_printerr ("fault-proxy: %s\n", error->message);
      return 2;
    }
  proxy.percent = (guint) CLAMP (atoi (argv[2]), 0, 100);
  proxy.rand = g_rand_new_with_seed ((guint32) strtoul (argv[3], NULL, 10));
  proxy.upstream = soup_session_new_with_options ("max-conns-per-host", 64, NULL);
  soup_session_remove_feature_by_type (proxy.upstream, SOUP_TYPE_CONTENT_DECODER);

  server = soup_server_new ("server-header", "fault-proxy ", NULL);
  soup_server_add_handler (server, NULL, server_cb, &proxy, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_printerr ("fault-proxy: %s\n", error->message);
      return 1;
    }
  uris = soup_server_get_uris (server);
  g_print ("http://127.0.0.1:%d\n", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_cb, loop);
  g_main_loop_run (loop);
  return 0;
}
