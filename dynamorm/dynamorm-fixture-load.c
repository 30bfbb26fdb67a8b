/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-fixture-load.c: loading a fixture into a session, unloading it,
 * and dumping a table (the DynamormFixture methods that talk to a backend). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-error.h"
#include "dynamorm-fixture.h"
#include "dynamorm-fixture-private.h"
#include "dynamorm-session.h"
#include "dynamorm-testing-private.h"

#define BATCH_SIZE 25
#define MAX_UNPROCESSED_ROUNDS 30

static char *
full_name (DynamormSession *session, const char *name)
{
  const char *prefix = dynamorm_session_get_table_prefix (session);

  return g_strconcat (prefix != NULL ? prefix : "", name, NULL);
}

static JsonNode *
object_node (JsonObject *obj)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, obj);
  return node;
}

/* A copy that shares nothing with the fixture (see
 * _dynamorm_json_deep_copy). */
static JsonObject *
copy_object (JsonObject *obj)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) copy = NULL;

  json_node_set_object (node, obj);
  copy = _dynamorm_json_deep_copy (node);
  return json_object_ref (json_node_get_object (copy));
}

static gboolean
call (DynamormSession *session, const char *operation, JsonObject *request,
      JsonObject **answer, GCancellable *cancellable, GError **error)
{
  g_autoptr(JsonNode) node = object_node (request);
  g_autoptr(JsonNode) response = dynamorm_session_call (session, operation, node, cancellable, error);

  if (response == NULL)
    return FALSE;
  if (answer != NULL)
    *answer = JSON_NODE_HOLDS_OBJECT (response) ? json_object_ref (json_node_get_object (response)) : json_object_new ();
  return TRUE;
}

static gboolean
create_table (DynamormSession *session, const DynamormFixtureTableInfo *info,
              GCancellable *cancellable, GError **error)
{
  JsonObject *request;
  g_autofree char *name = NULL;

  if (info->create == NULL)
    return dynamorm_session_create_table (session, info->model_type, cancellable, error);
  name = full_name (session, info->name);
  request = copy_object (info->create);
  json_object_set_string_member (request, "TableName", name);
  return call (session, "CreateTable", request, NULL, cancellable, error);
}

static void
delete_tables (DynamormSession *session, GPtrArray *names)
{
  for (guint i = 0; i < names->len; i++)
    {
      JsonObject *request = json_object_new ();
      g_autoptr(GError) error = NULL;

      json_object_set_string_member (request, "TableName", names->pdata[i]);
      if (!call (session, "DeleteTable", request, NULL, NULL, &error))
        g_debug ("Fixture table %s was not deleted: %s", (char *) names->pdata[i], error->message);
    }
}

/* The BatchWriteItem request for items [start, start + n). */
static JsonObject *
batch_request (const char *table, GPtrArray *items, guint start, guint n)
{
  JsonObject *request = json_object_new (), *request_items = json_object_new ();
  JsonArray *writes = json_array_new ();

  for (guint i = start; i < start + n; i++)
    {
      DynamormFixtureItem *item = items->pdata[i];
      JsonObject *put = json_object_new (), *wrapper = json_object_new ();

      json_object_set_object_member (put, "Item", copy_object (item->item));
      json_object_set_object_member (wrapper, "PutRequest", put);
      json_array_add_object_element (writes, wrapper);
    }
  json_object_set_array_member (request_items, table, writes);
  json_object_set_object_member (request, "RequestItems", request_items);
  return request;
}

/* Writes one batch, sending UnprocessedItems again (with a growing pause)
 * until none is left. */
static gboolean
write_batch (DynamormSession *session, JsonObject *request, GCancellable *cancellable, GError **error)
{
  for (guint round = 0; round < MAX_UNPROCESSED_ROUNDS; round++)
    {
      g_autoptr(JsonObject) answer = NULL;
      JsonNode *unprocessed;

      if (!call (session, "BatchWriteItem", request, &answer, cancellable, error))
        return FALSE;
      unprocessed = json_object_get_member (answer, "UnprocessedItems");
      if (unprocessed == NULL || !JSON_NODE_HOLDS_OBJECT (unprocessed) ||
          json_object_get_size (json_node_get_object (unprocessed)) == 0)
        return TRUE;
      request = json_object_new ();
      json_object_set_object_member (request, "RequestItems", copy_object (json_node_get_object (unprocessed)));
      g_usleep (MIN (1000 << round, 200000));
    }
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED,
               _("The backend left items unprocessed %u times in a row"), MAX_UNPROCESSED_ROUNDS);
  return FALSE;
}

/* A batch failed: puts its items one by one to name the one at fault. */
static void
name_bad_item (DynamormSession *session, const char *table, GPtrArray *items, guint start, guint n,
               GError **error)
{
  for (guint i = start; i < start + n; i++)
    {
      DynamormFixtureItem *item = items->pdata[i];
      JsonObject *request = json_object_new ();
      g_autoptr(GError) local_error = NULL;

      json_object_set_string_member (request, "TableName", table);
      json_object_set_object_member (request, "Item", copy_object (item->item));
      if (!call (session, "PutItem", request, NULL, NULL, &local_error))
        {
          g_clear_error (error);
          g_set_error (error, local_error->domain, local_error->code, "%s: %s", item->origin, local_error->message);
          return;
        }
    }
}

static gboolean
write_items (DynamormSession *session, const DynamormFixtureTableInfo *info,
             GCancellable *cancellable, GError **error)
{
  g_autofree char *name = full_name (session, info->name);

  for (guint start = 0; start < info->items->len; start += BATCH_SIZE)
    {
      guint n = MIN (BATCH_SIZE, info->items->len - start);

      if (!write_batch (session, batch_request (name, info->items, start, n), cancellable, error))
        {
          if (g_error_matches (*error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION))
            name_bad_item (session, name, info->items, start, n, error);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
create_tables (GPtrArray *tables, DynamormSession *session, GPtrArray *created,
               GCancellable *cancellable, GError **error)
{
  for (guint i = 0; i < tables->len; i++)
    {
      const DynamormFixtureTableInfo *info = tables->pdata[i];

      if (!create_table (session, info, cancellable, error))
        {
          g_prefix_error (error, _("The fixture table “%s” cannot be created: "), info->name);
          return FALSE;
        }
      g_ptr_array_add (created, full_name (session, info->name));
    }
  return TRUE;
}

static gboolean
write_tables (GPtrArray *tables, DynamormSession *session, GCancellable *cancellable, GError **error)
{
  for (guint i = 0; i < tables->len; i++)
    {
      const DynamormFixtureTableInfo *info = tables->pdata[i];

      if (!write_items (session, info, cancellable, error))
        {
          g_prefix_error (error, _("The fixture's items for “%s” cannot be written: "), info->name);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
_dynamorm_fixture_load_tables (GPtrArray        *tables,
                               DynamormSession  *session,
                               GCancellable     *cancellable,
                               GError          **error)
{
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func (g_free);

  if (create_tables (tables, session, created, cancellable, error) &&
      write_tables (tables, session, cancellable, error))
    return TRUE;
  /* Leave nothing behind: the tables this load created go again. */
  delete_tables (session, created);
  g_prefix_error (error, _("Nothing was loaded. "));
  return FALSE;
}

gboolean
_dynamorm_fixture_unload_tables (GPtrArray        *tables,
                                 DynamormSession  *session,
                                 GCancellable     *cancellable,
                                 GError          **error)
{
  for (guint i = 0; i < tables->len; i++)
    {
      const DynamormFixtureTableInfo *info = tables->pdata[i];
      JsonObject *request = json_object_new ();
      g_autofree char *name = full_name (session, info->name);
      g_autoptr(GError) local_error = NULL;

      json_object_set_string_member (request, "TableName", name);
      if (!call (session, "DeleteTable", request, NULL, cancellable, &local_error) &&
          !g_error_matches (local_error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- Dumping ---- */

static void
append_items (GString *out, JsonObject *page)
{
  JsonNode *items = json_object_get_member (page, "Items");
  JsonArray *array = items && JSON_NODE_HOLDS_ARRAY (items) ? json_node_get_array (items) : NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autoptr(JsonNode) line = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;
      JsonObject *wrapper = json_object_new ();

      json_object_set_member (wrapper, "Item", json_node_copy (json_array_get_element (array, i)));
      json_node_take_object (line, wrapper);
      text = ddb_json_to_string (line);
      g_string_append (out, text);
      g_string_append_c (out, '\n');
    }
}

/**
 * dynamorm_fixture_dump_table:
 * @session: a #DynamormSession
 * @table_name: a table, without the session's prefix
 * @file: the file to write (replaced)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Writes every item of @table_name to @file, one `{"Item": {...}}` line of
 * DynamoDB JSON per item, as DynamoDB's export to S3 writes them, which is
 * what [method@Dynamorm.Fixture.add_items_from_file] reads. The table is
 * read with consistent Scan pages.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_fixture_dump_table (DynamormSession  *session,
                             const char       *table_name,
                             GFile            *file,
                             GCancellable     *cancellable,
                             GError          **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *name = NULL;
  g_autoptr(JsonNode) start_key = NULL;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), FALSE);
  g_return_val_if_fail (table_name != NULL, FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  name = full_name (session, table_name);
  do
    {
      JsonObject *request = json_object_new ();
      g_autoptr(JsonObject) page = NULL;

      json_object_set_string_member (request, "TableName", name);
      json_object_set_boolean_member (request, "ConsistentRead", TRUE);
      if (start_key != NULL)
        json_object_set_member (request, "ExclusiveStartKey", g_steal_pointer (&start_key));
      if (!call (session, "Scan", request, &page, cancellable, error))
        return FALSE;
      append_items (out, page);
      if (json_object_has_member (page, "LastEvaluatedKey"))
        start_key = json_node_copy (json_object_get_member (page, "LastEvaluatedKey"));
    }
  while (start_key != NULL);
  return g_file_replace_contents (file, out->str, out->len, NULL, FALSE, G_FILE_CREATE_NONE,
                                  NULL, cancellable, error);
}
