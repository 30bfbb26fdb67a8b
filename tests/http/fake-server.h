/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fake-server.h: a SoupServer on 127.0.0.1, port 0, in a thread of its
 * own, that answers as the test says: canned DynamoDB answers, throttling,
 * corrupt CRCs, dropped connections, silence, credential endpoints. It
 * records every request it receives. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _FakeServer FakeServer;

typedef struct {
  char *method;
  char *path;
  GHashTable *headers;   /* lower-case name -> value */
  GBytes *body;
  gint64 received;       /* g_get_monotonic_time () */
  guint16 remote_port;   /* tells connections apart */
} FakeRequest;

/* Runs in the server thread. index counts requests from 0, all paths. */
typedef void (*FakeHandler) (FakeServer        *server,
                             SoupServerMessage *msg,
                             const char        *path,
                             guint              index,
                             gpointer           user_data);

FakeServer *fake_server_new          (FakeHandler handler,
                                      gpointer    user_data);
void        fake_server_free         (FakeServer *server);
const char *fake_server_get_url      (FakeServer *server);   /* http://127.0.0.1:PORT */
char       *fake_server_local_uri    (FakeServer *server,
                                      const char *options);  /* local://127.0.0.1:PORT?options */

guint        fake_server_count       (FakeServer *server);
guint        fake_server_count_path  (FakeServer *server,
                                      const char *path);
/* A copy, safe to read while the server runs. */
FakeRequest *fake_server_get_request (FakeServer *server,
                                      guint       index);
void         fake_request_free       (FakeRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeRequest, fake_request_free)

/* Answers with a JSON body, x-amzn-RequestId and a correct x-amz-crc32
 * (or a wrong one with corrupt_crc). */
void fake_respond_json  (SoupServerMessage *msg,
                         guint              status,
                         const char        *json,
                         gboolean           corrupt_crc);
/* A DynamoDB error: {"__type": "<prefix>#<name>", "message": ...}. */
void fake_respond_error (SoupServerMessage *msg,
                         guint              status,
                         const char        *name,
                         const char        *message);
void fake_respond_text  (SoupServerMessage *msg,
                         guint              status,
                         const char        *content_type,
                         const char        *text);
/* Takes the connection over: writes raw (may be NULL) and closes it. */
void fake_respond_raw   (SoupServerMessage *msg,
                         const char        *raw);
/* Never answers (until the server is freed). */
void fake_never_answer  (FakeServer        *server,
                         SoupServerMessage *msg);

G_END_DECLS
