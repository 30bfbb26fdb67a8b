/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-testing-call.c: sending the memory backend's testing calls. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-error.h"
#include "dynamorm-testing-private.h"

JsonObject *
_dynamorm_testing_call (DynamormBackend  *backend,
                        const char       *operation,
                        JsonObject       *request,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(GError) local_error = NULL;

  json_node_take_object (node, request);
  response = dynamorm_backend_invoke (backend, operation, node, cancellable, &local_error);
  if (response == NULL)
    {
      if (g_error_matches (local_error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_SUPPORTED))
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_SUPPORTED,
                     _("The backend %s does not answer %s: snapshots and fault injection "
                       "need a memory:// backend"),
                     G_OBJECT_TYPE_NAME (backend), operation);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (response))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                   _("The backend answered %s with something other than a JSON object"), operation);
      return NULL;
    }
  return json_object_ref (json_node_get_object (response));
}
