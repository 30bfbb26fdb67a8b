/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-memory-testing.c: snapshot calls of the memory backend (see
 * dynamorm-memory-testing.h). */
#include "config.h"

#include "ddb-error.h"
#include "ddb-snapshot.h"
#include "dynamorm-memory-testing.h"

static GMutex snapshots_lock;
static GHashTable *snapshots;   /* id -> DdbSnapshot* */
static guint64 next_snapshot_id;

JsonNode *
dynamorm_memory_validation_error (const char *message, guint *status)
{
  JsonObject *body = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (body, "__type", ddb_error_code_to_type (DDB_ERROR_VALIDATION));
  json_object_set_string_member (body, "message", message);
  json_node_take_object (node, body);
  *status = ddb_error_code_to_status (DDB_ERROR_VALIDATION);
  return node;
}

static JsonNode *
object_answer (JsonObject *obj, guint *status)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, obj);
  *status = 200;
  return node;
}

static JsonNode *
take_snapshot (DdbEngine *engine, guint *status)
{
  DdbSnapshot *snapshot = ddb_engine_take_snapshot (engine);
  JsonObject *answer = json_object_new ();
  char *id;

  g_mutex_lock (&snapshots_lock);
  if (snapshots == NULL)
    snapshots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) ddb_snapshot_unref);
  id = g_strdup_printf ("snapshot-%" G_GUINT64_FORMAT, ++next_snapshot_id);
  g_hash_table_insert (snapshots, id, snapshot);
  json_object_set_string_member (answer, "SnapshotId", id);
  json_object_set_int_member (answer, "TableCount", ddb_snapshot_get_n_tables (snapshot));
  json_object_set_int_member (answer, "ItemCount", (gint64) ddb_snapshot_get_n_items (snapshot));
  g_mutex_unlock (&snapshots_lock);
  return object_answer (answer, status);
}

static const char *
snapshot_id (JsonNode *request)
{
  JsonObject *req = request != NULL && JSON_NODE_HOLDS_OBJECT (request) ? json_node_get_object (request) : NULL;
  JsonNode *id = req ? json_object_get_member (req, "SnapshotId") : NULL;

  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (id);
}

/* Restores or drops, under the registry lock, so that a drop never frees a
 * snapshot while another thread restores it. */
static JsonNode *
use_snapshot (DdbEngine *engine, JsonNode *request, gboolean restore, guint *status)
{
  const char *id = snapshot_id (request);
  DdbSnapshot *snapshot = NULL;

  if (id == NULL)
    return dynamorm_memory_validation_error ("The request needs a SnapshotId string", status);
  g_mutex_lock (&snapshots_lock);
  if (snapshots != NULL)
    snapshot = g_hash_table_lookup (snapshots, id);
  if (snapshot != NULL && restore)
    ddb_engine_restore_snapshot (engine, snapshot);
  else if (snapshot != NULL)
    g_hash_table_remove (snapshots, id);
  g_mutex_unlock (&snapshots_lock);
  if (snapshot == NULL)
    return dynamorm_memory_validation_error ("There is no snapshot with this SnapshotId in this process "
                                            "(it was dropped, or taken in another process)", status);
  return object_answer (json_object_new (), status);
}

gboolean
dynamorm_memory_snapshot_call (DdbEngine   *engine,
                               const char  *operation,
                               JsonNode    *request,
                               JsonNode   **response,
                               guint       *status)
{
  if (g_str_equal (operation, "DynamormTakeSnapshot"))
    *response = take_snapshot (engine, status);
  else if (g_str_equal (operation, "DynamormRestoreSnapshot"))
    *response = use_snapshot (engine, request, TRUE, status);
  else if (g_str_equal (operation, "DynamormDropSnapshot"))
    *response = use_snapshot (engine, request, FALSE, status);
  else
    return FALSE;
  return TRUE;
}
