/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-execute.c: dynamorm_session_execute(), one PartiQL statement
 * (ExecuteStatement) whose items come back as models, every page read. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-private.h"
#include "dynamorm-session.h"

static JsonNode *
execute_request (const char *statement, JsonNode *parameters, const char *next_token)
{
  JsonObject *request = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (request, "Statement", statement);
  if (parameters != NULL)
    json_object_set_member (request, "Parameters", json_node_copy (parameters));
  if (next_token != NULL)
    json_object_set_string_member (request, "NextToken", next_token);
  json_node_take_object (node, request);
  return node;
}

/* Appends a page's Items to models as model_type (none for G_TYPE_NONE). */
static gboolean
add_page_models (DynamormSession *self, GType model_type, const char *table, JsonObject *page,
                 GPtrArray *models, GError **error)
{
  JsonArray *items = json_object_has_member (page, "Items") &&
                     JSON_NODE_HOLDS_ARRAY (json_object_get_member (page, "Items"))
                     ? json_object_get_array_member (page, "Items") : NULL;

  for (guint i = 0; model_type != G_TYPE_NONE && items != NULL && i < json_array_get_length (items); i++)
    {
      DynamormModel *model = _dynamorm_session_model_from_item (self, model_type, table,
                                                                json_array_get_element (items, i), error);
      if (model == NULL)
        return FALSE;
      g_ptr_array_add (models, model);
    }
  return TRUE;
}

/**
 * dynamorm_session_execute:
 * @self: a #DynamormSession
 * @model_type: the #DynamormModel subtype to read the statement's items
 *   into, or %G_TYPE_NONE for a statement whose items are not wanted (an
 *   INSERT, UPDATE or DELETE)
 * @statement: a PartiQL statement, such as
 *   `SELECT * FROM "users" WHERE "id" = ?`
 * @parameters: (nullable): a JSON array of DynamoDB AttributeValues, one
 *   for each `?` of @statement in order
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs one PartiQL statement with DynamoDB's ExecuteStatement and returns
 * the items it answers as models of @model_type: every page, following
 * `NextToken`. Table names are used as the statement spells them (the
 * session's table prefix is not added). Items of a projection
 * (`SELECT a, b ...`) fill only those properties. An UPDATE or DELETE with
 * `RETURNING` answers its item too.
 *
 * Failures are the usual #GError of the %DYNAMORM_ERROR domain; an INSERT
 * of an existing item fails with %DYNAMORM_ERROR_CONDITION_FAILED.
 *
 * Returns: (transfer container) (element-type DynamormModel): the models,
 *   or %NULL on error
 */
GPtrArray *
dynamorm_session_execute (DynamormSession  *self,
                          GType             model_type,
                          const char       *statement,
                          JsonNode         *parameters,
                          GCancellable     *cancellable,
                          GError          **error)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *token = NULL;
  g_autofree char *table = NULL;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), NULL);
  g_return_val_if_fail (model_type == G_TYPE_NONE || g_type_is_a (model_type, DYNAMORM_TYPE_MODEL), NULL);
  g_return_val_if_fail (statement != NULL, NULL);
  g_return_val_if_fail (parameters == NULL || JSON_NODE_HOLDS_ARRAY (parameters), NULL);

  if (model_type != G_TYPE_NONE)
    {
      const DynamormSchema *schema = _dynamorm_schema_get (model_type, FALSE, error);
      if (schema == NULL)
        return NULL;
      table = _dynamorm_session_table_name (self, schema);
    }
  do
    {
      g_autoptr(JsonNode) request = execute_request (statement, parameters, token);
      g_autoptr(JsonNode) page = dynamorm_session_call (self, "ExecuteStatement", request, cancellable, error);
      JsonObject *obj;

      if (page == NULL || !JSON_NODE_HOLDS_OBJECT (page))
        return NULL;
      obj = json_node_get_object (page);
      if (!add_page_models (self, model_type, table, obj, models, error))
        return NULL;
      g_free (token);
      token = g_strdup (json_object_get_string_member_with_default (obj, "NextToken", NULL));
    }
  while (token != NULL);
  return g_steal_pointer (&models);
}

typedef struct {
  GType model_type;
  char *statement;
  JsonNode *parameters;
} ExecuteData;

static void
execute_data_free (gpointer data)
{
  ExecuteData *d = data;

  g_free (d->statement);
  if (d->parameters)
    json_node_unref (d->parameters);
  g_free (d);
}

static void
execute_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExecuteData *d = task_data;
  GError *error = NULL;
  GPtrArray *models = dynamorm_session_execute (source, d->model_type, d->statement, d->parameters,
                                                cancellable, &error);

  if (models == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, models, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * dynamorm_session_execute_async:
 * @self: a #DynamormSession
 * @model_type: the #DynamormModel subtype of the items, or %G_TYPE_NONE
 * @statement: a PartiQL statement
 * @parameters: (nullable): a JSON array of AttributeValues for the `?`s
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the models
 * @user_data: data for @callback
 *
 * Runs one PartiQL statement; see [method@Dynamorm.Session.execute].
 */
void
dynamorm_session_execute_async (DynamormSession     *self,
                                GType                model_type,
                                const char          *statement,
                                JsonNode            *parameters,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ExecuteData *d;

  g_return_if_fail (DYNAMORM_IS_SESSION (self));
  g_return_if_fail (statement != NULL);

  d = g_new0 (ExecuteData, 1);
  d->model_type = model_type;
  d->statement = g_strdup (statement);
  d->parameters = parameters ? json_node_copy (parameters) : NULL;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_session_execute_async);
  g_task_set_task_data (task, d, execute_data_free);
  g_task_run_in_thread (task, execute_thread);
}

/**
 * dynamorm_session_execute_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Dynamorm.Session.execute_async].
 *
 * Returns: (transfer container) (element-type DynamormModel): the models,
 *   or %NULL on error
 */
GPtrArray *
dynamorm_session_execute_finish (DynamormSession  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
