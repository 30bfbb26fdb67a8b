/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <json-glib/json-glib.h>

#include "dynamorm-http-crc32.h"
#include "fake-server.h"

struct _FakeServer
{
  FakeHandler handler;
  gpointer user_data;

  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  char *url;
  guint port;

  GMutex lock;
  GCond cond;
  gboolean ready;
  GPtrArray *requests;          /* of FakeRequest */
  GPtrArray *paused;            /* of SoupServerMessage, never answered */
};

void
fake_request_free (FakeRequest *request)
{
  g_free (request->method);
  g_free (request->path);
  g_hash_table_unref (request->headers);
  g_bytes_unref (request->body);
  g_free (request);
}

static FakeRequest *
fake_request_copy (const FakeRequest *src)
{
  FakeRequest *copy = g_new0 (FakeRequest, 1);

  copy->method = g_strdup (src->method);
  copy->path = g_strdup (src->path);
  copy->headers = g_hash_table_ref (src->headers);
  copy->body = g_bytes_ref (src->body);
  copy->received = src->received;
  copy->remote_port = src->remote_port;
  return copy;
}

static void
collect_header (const char *name,
                const char *value,
                gpointer    user_data)
{
  g_hash_table_insert (user_data, g_ascii_strdown (name, -1), g_strdup (value));
}

static void
server_callback (SoupServer        *soup_server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  FakeServer *server = user_data;
  FakeRequest *request = g_new0 (FakeRequest, 1);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) flat = soup_message_body_flatten (body);
  guint index;

  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = g_strdup (path);
  request->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), collect_header,
                                request->headers);
  request->body = g_bytes_ref (flat);
  request->received = g_get_monotonic_time ();
  {
    GSocketAddress *remote = soup_server_message_get_remote_address (msg);

    if (G_IS_INET_SOCKET_ADDRESS (remote))
      request->remote_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote));
  }

  g_mutex_lock (&server->lock);
  index = server->requests->len;
  g_ptr_array_add (server->requests, request);
  g_mutex_unlock (&server->lock);

  server->handler (server, msg, path, index, server->user_data);
}

static gpointer
server_thread (gpointer data)
{
  FakeServer *server = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (server->context);

  server->server = soup_server_new ("server-header", "fake-dynamodb ", NULL);
  soup_server_add_handler (server->server, NULL, server_callback, server, NULL);
  /* Loopback only, any free port. */
  if (!soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("fake server: %s", error->message);
  uris = soup_server_get_uris (server->server);
  server->port = g_uri_get_port (uris->data);
  server->url = g_strdup_printf ("http://127.0.0.1:%u", server->port);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&server->lock);
  server->ready = TRUE;
  g_cond_signal (&server->cond);
  g_mutex_unlock (&server->lock);

  g_main_loop_run (server->loop);

  g_ptr_array_set_size (server->paused, 0);
  soup_server_disconnect (server->server);
  g_clear_object (&server->server);
  /* Let the disconnections finish. */
  while (g_main_context_iteration (server->context, FALSE))
    ;
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

FakeServer *
fake_server_new (FakeHandler handler,
                 gpointer    user_data)
{
  FakeServer *server = g_new0 (FakeServer, 1);

  server->handler = handler;
  server->user_data = user_data;
  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_request_free);
  server->paused = g_ptr_array_new_with_free_func (g_object_unref);
  server->context = g_main_context_new ();
  server->loop = g_main_loop_new (server->context, FALSE);
  server->thread = g_thread_new ("fake-server", server_thread, server);

  g_mutex_lock (&server->lock);
  while (!server->ready)
    g_cond_wait (&server->cond, &server->lock);
  g_mutex_unlock (&server->lock);

  return server;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
fake_server_free (FakeServer *server)
{
  g_main_context_invoke (server->context, quit_cb, server->loop);
  g_thread_join (server->thread);
  g_main_loop_unref (server->loop);
  g_main_context_unref (server->context);
  g_ptr_array_unref (server->requests);
  g_ptr_array_unref (server->paused);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server->url);
  g_free (server);
}

const char *
fake_server_get_url (FakeServer *server)
{
  return server->url;
}

char *
fake_server_local_uri (FakeServer *server,
                       const char *options)
{
  return g_strdup_printf ("local://127.0.0.1:%u%s%s", server->port,
                          options ? "?" : "", options ? options : "");
}

guint
fake_server_count (FakeServer *server)
{
  guint count;

  g_mutex_lock (&server->lock);
  count = server->requests->len;
  g_mutex_unlock (&server->lock);
  return count;
}

guint
fake_server_count_path (FakeServer *server,
                        const char *path)
{
  guint count = 0;

  g_mutex_lock (&server->lock);
  for (guint i = 0; i < server->requests->len; i++)
    {
      FakeRequest *request = g_ptr_array_index (server->requests, i);
      if (g_str_equal (request->path, path))
        count++;
    }
  g_mutex_unlock (&server->lock);
  return count;
}

FakeRequest *
fake_server_get_request (FakeServer *server,
                         guint       index)
{
  FakeRequest *copy = NULL;

  g_mutex_lock (&server->lock);
  if (index < server->requests->len)
    copy = fake_request_copy (g_ptr_array_index (server->requests, index));
  g_mutex_unlock (&server->lock);
  return copy;
}

void
fake_respond_json (SoupServerMessage *msg,
                   guint              status,
                   const char        *json,
                   gboolean           corrupt_crc)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  guint32 crc = dynamorm_http_crc32 ((const guint8 *) json, strlen (json));
  g_autofree char *crc_text = g_strdup_printf ("%u", corrupt_crc ? crc ^ 0x5a5a : crc);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (headers, "x-amzn-RequestId", "FAKEREQUESTID0000000000000000000000000000000000000");
  soup_message_headers_replace (headers, "x-amz-crc32", crc_text);
  soup_server_message_set_response (msg, "application/x-amz-json-1.0", SOUP_MEMORY_COPY,
                                    json, strlen (json));
}

void
fake_respond_error (SoupServerMessage *msg,
                    guint              status,
                    const char        *name,
                    const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  const char *prefix = g_str_equal (name, "ValidationException") ? "com.amazon.coral.validate"
                       : g_str_equal (name, "ThrottlingException") ? "com.amazon.coral.availability"
                       : "com.amazonaws.dynamodb.v20120810";

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "__type");
  {
    g_autofree char *type = strchr (name, '#') ? g_strdup (name) : g_strdup_printf ("%s#%s", prefix, name);
    json_builder_add_string_value (builder, type);
  }
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  fake_respond_json (msg, status, json, FALSE);
}

void
fake_respond_text (SoupServerMessage *msg,
                   guint              status,
                   const char        *content_type,
                   const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, text, strlen (text));
}

void
fake_respond_raw (SoupServerMessage *msg,
                  const char        *raw)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  if (raw != NULL)
    g_output_stream_write_all (g_io_stream_get_output_stream (stream), raw, strlen (raw),
                               NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

void
fake_never_answer (FakeServer        *server,
                   SoupServerMessage *msg)
{
  soup_server_message_pause (msg);
  g_ptr_array_add (server->paused, g_object_ref (msg));
}
