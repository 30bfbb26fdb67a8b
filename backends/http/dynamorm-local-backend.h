/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-local-backend.h: DynamoDB Local (local://HOST:PORT, and
 * http://HOST:PORT for an endpoint given as a plain URL). */
#pragma once

#include "dynamorm-http-backend.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_LOCAL_BACKEND (dynamorm_local_backend_get_type ())
G_DECLARE_DERIVABLE_TYPE (DynamormLocalBackend, dynamorm_local_backend, DYNAMORM, LOCAL_BACKEND, DynamormHttpBackend)

struct _DynamormLocalBackendClass
{
  DynamormHttpBackendClass parent_class;
};

/* GIO keeps one extension per type, so "http" gets a subclass of its own. */
#define DYNAMORM_TYPE_LOCAL_HTTP_BACKEND (dynamorm_local_http_backend_get_type ())
G_DECLARE_FINAL_TYPE (DynamormLocalHttpBackend, dynamorm_local_http_backend, DYNAMORM, LOCAL_HTTP_BACKEND, DynamormLocalBackend)

/* The access key id DynamoDB Local is sent: it must be alphanumeric. */
#define DYNAMORM_LOCAL_ACCESS_KEY_ID "dynamormlocal"

void _dynamorm_local_backend_register (GTypeModule *module);

G_END_DECLS
