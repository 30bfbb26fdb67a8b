/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-credentials.h"
#include "dynamorm-retry-policy.h"

G_BEGIN_DECLS

/**
 * DYNAMORM_BACKEND_EXTENSION_POINT_NAME:
 *
 * The name of the GIO extension point backends implement. The extension's
 * name is the URI scheme it serves: `memory`, `aws`, `local`, ...
 */
#define DYNAMORM_BACKEND_EXTENSION_POINT_NAME "dynamorm-backend"

#define DYNAMORM_TYPE_BACKEND (dynamorm_backend_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DynamormBackend, dynamorm_backend, DYNAMORM, BACKEND, GObject)

/**
 * DynamormBackendClass:
 * @parent_class: the parent class
 * @invoke: carries one DynamoDB API call and blocks until its answer. The
 *   default implementation runs @invoke_async on a private main context.
 * @invoke_async: starts one DynamoDB API call. The default implementation
 *   calls @invoke in the calling thread and completes in the thread-default
 *   main context, which is what a Python or JavaScript subclass wants.
 * @invoke_finish: completes @invoke_async.
 *
 * A backend's one job is to carry a DynamoDB API call: the operation name
 * (such as `"PutItem"`) and the JSON request body in, the JSON response body
 * or a #GError out. A backend overrides @invoke, or @invoke_async and
 * @invoke_finish, or all three. Service errors are reported with
 * [func@Dynamorm.Error.new_from_response] so that every backend maps them the
 * same way.
 */
struct _DynamormBackendClass
{
  GObjectClass parent_class;

  JsonNode *(*invoke)        (DynamormBackend      *self,
                              const char           *operation,
                              JsonNode             *request,
                              GCancellable         *cancellable,
                              GError              **error);
  void      (*invoke_async)  (DynamormBackend      *self,
                              const char           *operation,
                              JsonNode             *request,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
  JsonNode *(*invoke_finish) (DynamormBackend      *self,
                              GAsyncResult         *result,
                              GError              **error);

  /*< private >*/
  gconstpointer direct_ops;  /* dynamorm-backend-private.h; in-tree backends only */
  gpointer _reserved[7];
};

DYNAMORM_AVAILABLE_IN_ALL
const char *dynamorm_backend_get_uri      (DynamormBackend      *self);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode   *dynamorm_backend_invoke        (DynamormBackend      *self,
                                            const char           *operation,
                                            JsonNode             *request,
                                            GCancellable         *cancellable,
                                            GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void        dynamorm_backend_invoke_async  (DynamormBackend      *self,
                                            const char           *operation,
                                            JsonNode             *request,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode   *dynamorm_backend_invoke_finish (DynamormBackend      *self,
                                            GAsyncResult         *result,
                                            GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
DynamormBackend *dynamorm_backend_new_for_uri (const char    *uri,
                                               GCancellable  *cancellable,
                                               GError       **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormBackend *dynamorm_backend_new_for_uri_full (const char          *uri,
                                                    DynamormCredentials *credentials,
                                                    DynamormRetryPolicy *retry_policy,
                                                    GCancellable        *cancellable,
                                                    GError             **error);
DYNAMORM_AVAILABLE_IN_ALL
char           **dynamorm_backend_list_schemes (void);

DYNAMORM_AVAILABLE_IN_ALL
gboolean         dynamorm_backend_set_faults   (DynamormBackend  *self,
                                                const char       *faults,
                                                GCancellable     *cancellable,
                                                GError          **error);

G_END_DECLS
