/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-error.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-request-spy.h"
#include "dynamorm-spy-call-private.h"

/**
 * DynamormRequestSpy:
 *
 * A backend in front of another one that records every call going
 * through: the operation, the request, and the response or the error.
 *
 * Put it between a session and any backend, and assert on what the code
 * under test asked DynamoDB:
 *
 * ```c
 * spy = dynamorm_request_spy_new (dynamorm_session_get_backend (app_session));
 * session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (spy));
 * ... run the code under test with session ...
 * g_assert_cmpuint (dynamorm_request_spy_count (spy, "Query"), ==, 1);
 * condition = dynamorm_request_spy_dup_last_key_condition (spy);
 * g_assert_cmpstr (condition, ==, "customer-id = \"user456\"");
 * g_assert_true (dynamorm_request_spy_check_no_scan (spy, &error));
 * ```
 *
 * The spy sees what would go on the wire: through a spy, the memory
 * backend's direct path for whole-model puts and gets is not taken, and
 * every call is sent as its JSON request. The memory backend's own testing
 * calls (snapshots, faults: operations named `Dynamorm…`) are passed on
 * and not recorded. A spy is thread-safe.
 */

struct _DynamormRequestSpy
{
  DynamormBackend parent_instance;

  DynamormBackend *backend;
  GMutex lock;
  GPtrArray *calls;   /* DynamormSpyCall* */
};

G_DEFINE_FINAL_TYPE (DynamormRequestSpy, dynamorm_request_spy, DYNAMORM_TYPE_BACKEND)

static gboolean
is_recorded (const char *operation)
{
  return !g_str_has_prefix (operation, "Dynamorm");
}

static void
record (DynamormRequestSpy *self, const char *operation, JsonNode *request,
        JsonNode *response, const GError *error)
{
  DynamormSpyCall *call;

  if (!is_recorded (operation))
    return;
  call = _dynamorm_spy_call_new (operation, request, response, error);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->calls, call);
  g_mutex_unlock (&self->lock);
}

static JsonNode *
spy_invoke (DynamormBackend  *backend,
            const char       *operation,
            JsonNode         *request,
            GCancellable     *cancellable,
            GError          **error)
{
  DynamormRequestSpy *self = DYNAMORM_REQUEST_SPY (backend);
  g_autoptr(GError) local_error = NULL;
  JsonNode *response;

  response = dynamorm_backend_invoke (self->backend, operation, request, cancellable, &local_error);
  record (self, operation, request, response, local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return response;
}

typedef struct {
  char *operation;
  JsonNode *request;
} SpyTaskData;

static void
spy_task_data_free (gpointer data)
{
  SpyTaskData *d = data;

  g_free (d->operation);
  json_node_unref (d->request);
  g_free (d);
}

static void
spy_invoke_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormRequestSpy *self = g_task_get_source_object (task);
  SpyTaskData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  JsonNode *response;

  response = dynamorm_backend_invoke_finish (DYNAMORM_BACKEND (source), result, &error);
  record (self, d->operation, d->request, response, error);
  if (response == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, response, (GDestroyNotify) json_node_unref);
}

static void
spy_invoke_async (DynamormBackend     *backend,
                  const char          *operation,
                  JsonNode            *request,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  DynamormRequestSpy *self = DYNAMORM_REQUEST_SPY (backend);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  SpyTaskData *d = g_new0 (SpyTaskData, 1);

  g_task_set_source_tag (task, spy_invoke_async);
  d->operation = g_strdup (operation);
  d->request = json_node_ref (request);
  g_task_set_task_data (task, d, spy_task_data_free);
  dynamorm_backend_invoke_async (self->backend, operation, request, cancellable, spy_invoke_done, task);
}

static JsonNode *
spy_invoke_finish (DynamormBackend  *backend,
                   GAsyncResult     *result,
                   GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
dynamorm_request_spy_finalize (GObject *object)
{
  DynamormRequestSpy *self = DYNAMORM_REQUEST_SPY (object);

  g_clear_object (&self->backend);
  g_ptr_array_unref (self->calls);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (dynamorm_request_spy_parent_class)->finalize (object);
}

static void
dynamorm_request_spy_class_init (DynamormRequestSpyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DynamormBackendClass *backend_class = DYNAMORM_BACKEND_CLASS (klass);

  object_class->finalize = dynamorm_request_spy_finalize;
  backend_class->invoke = spy_invoke;
  backend_class->invoke_async = spy_invoke_async;
  backend_class->invoke_finish = spy_invoke_finish;
}

static void
dynamorm_request_spy_init (DynamormRequestSpy *self)
{
  g_mutex_init (&self->lock);
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * dynamorm_request_spy_new:
 * @backend: the backend to pass calls on to
 *
 * Creates a spy in front of @backend. Give it to
 * [ctor@Dynamorm.Session.new_for_backend].
 *
 * Returns: (transfer full): a new #DynamormRequestSpy
 */
DynamormRequestSpy *
dynamorm_request_spy_new (DynamormBackend *backend)
{
  DynamormRequestSpy *self;

  g_return_val_if_fail (DYNAMORM_IS_BACKEND (backend), NULL);

  self = g_object_new (DYNAMORM_TYPE_REQUEST_SPY, "uri", dynamorm_backend_get_uri (backend), NULL);
  self->backend = g_object_ref (backend);
  return self;
}

/**
 * dynamorm_request_spy_get_backend:
 * @self: a #DynamormRequestSpy
 *
 * Gets the backend the spy passes calls on to.
 *
 * Returns: (transfer none): the backend
 */
DYNAMORM_DEFINE_GETTER (DynamormBackend *, dynamorm_request_spy_get_backend,
                        DynamormRequestSpy, DYNAMORM_IS_REQUEST_SPY, backend, NULL)

/**
 * dynamorm_request_spy_list_calls:
 * @self: a #DynamormRequestSpy
 *
 * Lists the calls recorded so far, oldest first.
 *
 * Returns: (transfer full): a list of #DynamormSpyCall (a copy: later calls
 *   do not change it)
 */
GListModel *
dynamorm_request_spy_list_calls (DynamormRequestSpy *self)
{
  GListStore *store;

  g_return_val_if_fail (DYNAMORM_IS_REQUEST_SPY (self), NULL);

  store = g_list_store_new (DYNAMORM_TYPE_SPY_CALL);
  g_mutex_lock (&self->lock);
  g_list_store_splice (store, 0, 0, self->calls->pdata, self->calls->len);
  g_mutex_unlock (&self->lock);
  return G_LIST_MODEL (store);
}

static gboolean
call_matches (DynamormSpyCall *call, const char *operation)
{
  return operation == NULL || g_str_equal (dynamorm_spy_call_get_operation (call), operation);
}

/**
 * dynamorm_request_spy_count:
 * @self: a #DynamormRequestSpy
 * @operation: (nullable): an operation name such as `"Query"`, or %NULL
 *   for every call
 *
 * Counts the recorded calls of @operation.
 *
 * Returns: the number of calls
 */
guint
dynamorm_request_spy_count (DynamormRequestSpy *self,
                            const char         *operation)
{
  guint n = 0;

  g_return_val_if_fail (DYNAMORM_IS_REQUEST_SPY (self), 0);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->calls->len; i++)
    n += call_matches (self->calls->pdata[i], operation);
  g_mutex_unlock (&self->lock);
  return n;
}

/**
 * dynamorm_request_spy_get_last_call:
 * @self: a #DynamormRequestSpy
 * @operation: (nullable): an operation name, or %NULL for any
 *
 * Gets the latest recorded call of @operation.
 *
 * Returns: (transfer full) (nullable): the call, or %NULL when there was
 *   none
 */
DynamormSpyCall *
dynamorm_request_spy_get_last_call (DynamormRequestSpy *self,
                                    const char         *operation)
{
  DynamormSpyCall *found = NULL;

  g_return_val_if_fail (DYNAMORM_IS_REQUEST_SPY (self), NULL);

  g_mutex_lock (&self->lock);
  for (guint i = self->calls->len; i > 0 && found == NULL; i--)
    if (call_matches (self->calls->pdata[i - 1], operation))
      found = g_object_ref (self->calls->pdata[i - 1]);
  g_mutex_unlock (&self->lock);
  return found;
}

/**
 * dynamorm_request_spy_dup_last_key_condition:
 * @self: a #DynamormRequestSpy
 *
 * Gets the key condition of the latest Query, with its placeholders
 * filled in; see [method@Dynamorm.SpyCall.dup_key_condition].
 *
 * Returns: (transfer full) (nullable): the key condition, or %NULL when no
 *   Query was recorded
 */
char *
dynamorm_request_spy_dup_last_key_condition (DynamormRequestSpy *self)
{
  g_autoptr(DynamormSpyCall) call = NULL;

  g_return_val_if_fail (DYNAMORM_IS_REQUEST_SPY (self), NULL);

  call = dynamorm_request_spy_get_last_call (self, "Query");
  return call != NULL ? dynamorm_spy_call_dup_key_condition (call) : NULL;
}

/**
 * dynamorm_request_spy_check_no_scan:
 * @self: a #DynamormRequestSpy
 * @error: return location for a #GError
 *
 * Checks that no Scan was recorded: the code under test reads by key or
 * by index only. When a Scan happened, @error (%DYNAMORM_ERROR_FAILED)
 * names the tables scanned and the call's position.
 *
 * Returns: %TRUE when no Scan happened
 */
gboolean
dynamorm_request_spy_check_no_scan (DynamormRequestSpy  *self,
                                    GError             **error)
{
  g_autoptr(GString) scans = g_string_new (NULL);
  guint n = 0;

  g_return_val_if_fail (DYNAMORM_IS_REQUEST_SPY (self), FALSE);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->calls->len; i++)
    {
      DynamormSpyCall *call = self->calls->pdata[i];
      const char *table = dynamorm_spy_call_get_table_name (call);

      if (!call_matches (call, "Scan"))
        continue;
      g_string_append_printf (scans, "%s%s (call %u)", n++ > 0 ? ", " : "",
                              table != NULL ? table : "?", i + 1);
    }
  g_mutex_unlock (&self->lock);
  if (n == 0)
    return TRUE;
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED,
               g_dngettext (GETTEXT_PACKAGE, "%u Scan happened, of %s: read by key or index instead",
                            "%u Scans happened, of %s: read by key or index instead", n),
               n, scans->str);
  return FALSE;
}

/**
 * dynamorm_request_spy_clear:
 * @self: a #DynamormRequestSpy
 *
 * Forgets the calls recorded so far.
 */
void
dynamorm_request_spy_clear (DynamormRequestSpy *self)
{
  g_return_if_fail (DYNAMORM_IS_REQUEST_SPY (self));

  g_mutex_lock (&self->lock);
  g_ptr_array_set_size (self->calls, 0);
  g_mutex_unlock (&self->lock);
}
