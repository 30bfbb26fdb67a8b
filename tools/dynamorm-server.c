/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-server: the in-memory DynamoDB engine served on DynamoDB's JSON
 * protocol, so that any SDK or the AWS CLI can use it as a local DynamoDB:
 *
 *   dynamorm-server --port 8000
 *   aws dynamodb list-tables --endpoint-url http://127.0.0.1:8000
 *
 * Signatures are not checked (as with DynamoDB Local); data lives in memory
 * and is gone when the server stops. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "ddb-engine.h"
#include "dynamorm-http-crc32.h"

#define TARGET_PREFIX "DynamoDB_20120810."
#define STREAMS_TARGET_PREFIX "DynamoDBStreams_20120810."
#define CONTENT_TYPE "application/x-amz-json-1.0"

typedef struct {
  DdbEngine *engine;
  gboolean verbose;
} Server;

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *crc = g_strdup_printf ("%u", dynamorm_http_crc32 ((const guint8 *) body, strlen (body)));
  g_autofree char *request_id = g_uuid_string_random ();
  char *upper;

  /* Request ids look like DynamoDB's: 52 upper-case alphanumerics. */
  upper = g_ascii_strup (request_id, -1);
  g_strdelimit (upper, "-", 'X');
  soup_message_headers_replace (headers, "x-amzn-RequestId", upper);
  g_free (upper);
  soup_message_headers_replace (headers, "x-amz-crc32", crc);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, CONTENT_TYPE, SOUP_MEMORY_COPY, body, strlen (body));
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
  body = json_to_string (root, FALSE);
  respond (msg, status, body);
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
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *text = NULL;
  const char *operation;
  const char *data;
  gsize len;
  guint status = 0;
  gint64 start = g_get_monotonic_time ();

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

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (body, &len);
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data ? data : "", len, NULL) ||
      json_parser_get_root (parser) == NULL)
    {
      respond_error (msg, 400, "com.amazon.coral.service#SerializationException",
                     "Start of structure or map found where not expected.");
      return;
    }

  /* DynamoDB and DynamoDB Streams share the port, as with DynamoDB Local. */
  if (g_str_has_prefix (target, STREAMS_TARGET_PREFIX))
    response = ddb_engine_handle_streams (server->engine, operation, json_parser_get_root (parser), &status);
  else
    response = ddb_engine_handle (server->engine, operation, json_parser_get_root (parser), &status);
  text = json_to_string (response, FALSE);
  respond (msg, status, text);

  if (server->verbose)
    g_printerr ("%s %u %.1f ms\n", operation, status, (g_get_monotonic_time () - start) / 1000.0);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupServer) soup_server = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *host = NULL;
  Server server = { 0 };
  int port = 8000;
  GSList *uris;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Port to listen on; 0 picks a free one (default 8000)"), N_("PORT") },
    { "host", 'H', 0, G_OPTION_ARG_STRING, &host, N_("Address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &server.verbose, N_("Print each request on standard error"), NULL },
    G_OPTION_ENTRY_NULL
  };

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

  address = g_inet_address_new_from_string (host ? host : "127.0.0.1");
  if (address == NULL)
    {
      g_printerr (_("dynamorm-server: “%s” is not an IP address\n"), host);
      return 2;
    }
  socket_address = g_inet_socket_address_new (address, port);

  server.engine = ddb_engine_new ();
  soup_server = soup_server_new ("server-header", "dynamorm-server ", NULL);
  soup_server_add_handler (soup_server, NULL, handle, &server, NULL);
  if (!soup_server_listen (soup_server, socket_address, 0, &error))
    {
      g_printerr (_("dynamorm-server: cannot listen on %s:%d: %s\n"),
                  host ? host : "127.0.0.1", port, error->message);
      ddb_engine_unref (server.engine);
      return 1;
    }

  /* One line on standard output, so scripts know where to connect. */
  uris = soup_server_get_uris (soup_server);
  {
    g_autofree char *uri = g_uri_to_string (uris->data);
    g_print ("dynamorm-server listening on %s\n", uri);
    fflush (stdout);
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);

  soup_server_disconnect (soup_server);
  ddb_engine_unref (server.engine);
  return 0;
}
