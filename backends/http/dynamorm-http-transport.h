/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-http-transport.h: DynamoDB's JSON protocol over one keep-alive
 * SoupSession: signing, timeouts, CRC32 checks, error mapping, retries and
 * request logging. Shared by the aws and local backends. Thread-safe: any
 * thread may invoke, sync or async. */
#pragma once

#include <gio/gio.h>
#include "dynamorm.h"
#include "dynamorm-aws-credential-provider.h"

G_BEGIN_DECLS

typedef struct _DynamormHttpTransport DynamormHttpTransport;

typedef struct {
  GUri *endpoint;                                  /* http(s)://host[:port]/ */
  GUri *streams_endpoint;                          /* DynamoDBStreams_20120810.* calls;
                                                      NULL: endpoint */
  const char *region;
  DynamormAwsCredentialProvider *credentials;
  DynamormRetryPolicy *retry_policy;               /* NULL: the default policy */
  guint timeout_ms;                                /* each attempt, start to end */
  guint connect_timeout_ms;                        /* until the request is written */
} DynamormHttpTransportOptions;

/* Creates the session; no I/O. Call from the thread that creates the backend. */
DynamormHttpTransport *dynamorm_http_transport_new   (const DynamormHttpTransportOptions *options);
DynamormHttpTransport *dynamorm_http_transport_ref   (DynamormHttpTransport *self);
void                   dynamorm_http_transport_unref (DynamormHttpTransport *self);

const char            *dynamorm_http_transport_get_endpoint (DynamormHttpTransport *self);

JsonNode *dynamorm_http_transport_invoke        (DynamormHttpTransport  *self,
                                                 const char             *operation,
                                                 JsonNode               *request,
                                                 GCancellable           *cancellable,
                                                 GError                **error);
void      dynamorm_http_transport_invoke_async  (DynamormHttpTransport  *self,
                                                 gpointer                source_object,
                                                 const char             *operation,
                                                 JsonNode               *request,
                                                 GCancellable           *cancellable,
                                                 GAsyncReadyCallback     callback,
                                                 gpointer                user_data);
JsonNode *dynamorm_http_transport_invoke_finish (GAsyncResult           *result,
                                                 GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormHttpTransport, dynamorm_http_transport_unref)

G_END_DECLS
