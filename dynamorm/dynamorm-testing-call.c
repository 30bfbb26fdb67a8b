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

JsonNode *
_dynamorm_json_deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (node == NULL)
    return NULL;
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *obj = json_object_new ();
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          json_object_set_member (obj, name, _dynamorm_json_deep_copy (member));
        copy = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (copy, obj);
        return copy;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        JsonArray *out = json_array_sized_new (json_array_get_length (array));

        for (guint i = 0; i < json_array_get_length (array); i++)
          json_array_add_element (out, _dynamorm_json_deep_copy (json_array_get_element (array, i)));
        copy = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (copy, out);
        return copy;
      }
    case JSON_NODE_VALUE:
      {
        GValue value = G_VALUE_INIT;

        /* A fresh JsonValue: its reference count is not thread-safe either. */
        json_node_get_value (node, &value);
        copy = json_node_new (JSON_NODE_VALUE);
        json_node_set_value (copy, &value);
        g_value_unset (&value);
        return copy;
      }
    case JSON_NODE_NULL:
    default:
      return json_node_new (JSON_NODE_NULL);
    }
}
