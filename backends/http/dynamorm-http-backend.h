/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-http-backend.h: the abstract parent of the aws and local
 * backends. It parses the URI options they share, owns the transport and
 * implements invoke and invoke_async with it. Registered by the module. */
#pragma once

#include "dynamorm.h"
#include "dynamorm-aws-credential-provider.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_HTTP_BACKEND (dynamorm_http_backend_get_type ())
G_DECLARE_DERIVABLE_TYPE (DynamormHttpBackend, dynamorm_http_backend, DYNAMORM, HTTP_BACKEND, DynamormBackend)

/* What a subclass works out from its URI. */
typedef struct {
  GUri *endpoint;                               /* owned */
  GUri *streams_endpoint;                       /* owned; NULL: endpoint serves Streams too */
  char *region;                                 /* owned */
  DynamormAwsCredentialProvider *credentials;   /* owned */
} DynamormHttpBackendConfig;

struct _DynamormHttpBackendClass
{
  DynamormBackendClass parent_class;

  /* The URI options the subclass understands besides the shared ones
   * (timeout, connect_timeout, max_attempts); NULL-terminated. */
  const char * const *options;

  /* Fills @config from @uri and its decoded @options. No I/O. */
  gboolean (*configure) (DynamormHttpBackend        *self,
                         GUri                       *uri,
                         GHashTable                 *options,
                         DynamormHttpBackendConfig  *config,
                         GError                    **error);
};

/* The credentials and region the backend signs with, once initialized
 * (NULL before): KMS and STS share them. */
DynamormAwsCredentialProvider *_dynamorm_http_backend_get_credentials (DynamormHttpBackend *self);
const char                    *_dynamorm_http_backend_get_region      (DynamormHttpBackend *self);

/* The endpoint in use, once initialized (tests and logs). */
const char *dynamorm_http_backend_get_endpoint (DynamormHttpBackend *self);

void _dynamorm_http_backend_register (GTypeModule *module);

G_END_DECLS
