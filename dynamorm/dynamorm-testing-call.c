/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-testing-call.c: sending the memory backend's testing calls, and
 * dynamorm_backend_set_faults, the one a backend offers (declared in
 * dynamorm-backend.h; defined here so that the backend never calls up into
 * the testing kit). */
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

/**
 * dynamorm_backend_set_faults:
 * @self: a memory backend, or a backend in front of one
 * @faults: (nullable): a fault list such as `"throttle:0.2,seed:7"`, or
 *   %NULL or `""` to turn faults off
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes a `memory://` backend answer as DynamoDB does under stress, the
 * same as `memory://?faults=LIST`. The list is comma-separated
 * `NAME:VALUE` entries, each optionally limited to one operation with
 * `@Operation`:
 *
 * - `throttle:RATE`: that share of calls is throttled
 *   (ProvisionedThroughputExceededException, ThrottlingException for table
 *   calls, a cancellation for transactions, LimitExceededException for
 *   DynamoDB Streams calls such as `@GetRecords`)
 * - `throttle-next:N`: the next N calls are throttled
 * - `unprocessed:RATE`: that share of batch items comes back in
 *   UnprocessedItems or UnprocessedKeys (the rest is carried out; the
 *   first item of a batch always is, since a batch of which nothing is
 *   processed fails as throttled, which `throttle` covers)
 * - `conflict:RATE`: that share of transactions is cancelled with a
 *   TransactionConflict reason
 * - `latency:MILLISECONDS`: every call is delayed
 * - `fail:N`: the Nth call fails with InternalServerError, as in
 *   `fail:3@PutItem`
 * - `seed:N`: the seed of the random choices (0 when not given): the same
 *   calls meet the same faults on every run
 *
 * An unknown fault or a rate outside 0 to 1 is refused with the list of
 * valid faults, and the faults in place stay.
 *
 * Returns: %TRUE when the faults are in place
 */
gboolean
dynamorm_backend_set_faults (DynamormBackend  *self,
                             const char       *faults,
                             GCancellable     *cancellable,
                             GError          **error)
{
  JsonObject *request;
  g_autoptr(JsonObject) answer = NULL;

  g_return_val_if_fail (DYNAMORM_IS_BACKEND (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  request = json_object_new ();
  json_object_set_string_member (request, "Faults", faults != NULL ? faults : "");
  answer = _dynamorm_testing_call (self, "DynamormSetFaults", request, cancellable, error);
  return answer != NULL;
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
