/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HTTP/1.1 side of dynamorm-server, on GNU libmicrohttpd: N threads
 * serve connections with keep-alive, Content-Length and chunked bodies,
 * Expect: 100-continue and a body limit; a request is handed whole to one
 * handler function, called in the serving thread. It replaces libsoup's
 * server there, whose per-request objects, signals and main-context
 * sources cost more than the engine's work (and whose 3.2 releases leak
 * idle keep-alive connections). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  const char *method;
  const char *path;             /* the request target up to any '?' */
  /* "Name", "value" pairs, NUL-terminated in place */
  const char **headers;
  guint n_headers;
  const char *body;             /* NUL-terminated; "" without a body */
  gsize body_len;
  /* The body went over the limit (given to dynamorm_http_server_new); it
   * was read and dropped, body is empty. */
  gboolean too_large;
} DynamormHttpRequest;

typedef struct {
  guint status;
  const char *content_type;     /* NULL: no Content-Type */
  GString *headers;             /* more "Name: value\r\n" lines */
  GString *body;
  gboolean close;               /* close the connection after the answer */
} DynamormHttpResponse;

/* Fills response (status, body, headers) for request; runs in the serving
 * thread, several at once. */
typedef void (*DynamormHttpHandler) (const DynamormHttpRequest *request,
                                     DynamormHttpResponse      *response,
                                     gpointer                   user_data);

typedef struct _DynamormHttpServer DynamormHttpServer;

const char *dynamorm_http_request_header (const DynamormHttpRequest *request,
                                          const char                *name);

DynamormHttpServer *dynamorm_http_server_new (GSocketAddress       *address,
                                              guint                 n_threads,
                                              gsize                 max_body,
                                              DynamormHttpHandler   handler,
                                              gpointer              user_data,
                                              GError              **error);
char *dynamorm_http_server_get_uri (DynamormHttpServer *server);
void dynamorm_http_server_free (DynamormHttpServer *server);

G_END_DECLS
