/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-engine.c: the engine object, operation dispatch, locking, error
 * bodies, the clock and the TTL sweep. */
#include "config.h"

#include <string.h>
#include "ddb-json.h"
#include "ddb-packed.h"
#include "ddb-stream.h"

/* How a call locks the engine. */
typedef enum {
  DDB_LOCK_SHARED,     /* reads only: runs alongside other readers */
  DDB_LOCK_SCAN,       /* shared, once the stores' scan order is settled */
  DDB_LOCK_EXCLUSIVE,  /* writes, or reads with state of their own (streams) */
  DDB_LOCK_COMMIT,     /* exclusive, and handed to the commit function */
} DdbLockMode;

typedef struct {
  const char *name;
  DdbOpFunc func;
  DdbLockMode lock;
} DdbOpInfo;

/* Hot operations first: the lookup is a linear scan. */
static const DdbOpInfo operations[] = {
  { "GetItem", ddb_op_get_item, DDB_LOCK_SHARED },
  { "PutItem", ddb_op_put_item, DDB_LOCK_COMMIT },
  { "Query", ddb_op_query, DDB_LOCK_SHARED },
  { "UpdateItem", ddb_op_update_item, DDB_LOCK_COMMIT },
  { "DeleteItem", ddb_op_delete_item, DDB_LOCK_COMMIT },
  { "Scan", ddb_op_scan, DDB_LOCK_SCAN },
  { "BatchGetItem", ddb_op_batch_get_item, DDB_LOCK_SHARED },
  { "BatchWriteItem", ddb_op_batch_write_item, DDB_LOCK_COMMIT },
  { "TransactWriteItems", ddb_op_transact_write_items, DDB_LOCK_COMMIT },
  { "TransactGetItems", ddb_op_transact_get_items, DDB_LOCK_SHARED },
  { "CreateTable", ddb_op_create_table, DDB_LOCK_COMMIT },
  { "DeleteTable", ddb_op_delete_table, DDB_LOCK_COMMIT },
  { "DescribeTable", ddb_op_describe_table, DDB_LOCK_SHARED },
  { "ListTables", ddb_op_list_tables, DDB_LOCK_SHARED },
  { "UpdateTable", ddb_op_update_table, DDB_LOCK_COMMIT },
  { "UpdateTimeToLive", ddb_op_update_time_to_live, DDB_LOCK_COMMIT },
  { "DescribeTimeToLive", ddb_op_describe_time_to_live, DDB_LOCK_SHARED },
  { "ExecuteStatement", ddb_op_execute_statement, DDB_LOCK_COMMIT },
  { "BatchExecuteStatement", ddb_op_batch_execute_statement, DDB_LOCK_COMMIT },
  { "ExecuteTransaction", ddb_op_execute_transaction, DDB_LOCK_COMMIT },
  { "TagResource", ddb_op_tag_resource, DDB_LOCK_COMMIT },
  { "UntagResource", ddb_op_untag_resource, DDB_LOCK_COMMIT },
  { "ListTagsOfResource", ddb_op_list_tags_of_resource, DDB_LOCK_SHARED },
  { "DescribeLimits", ddb_op_describe_limits, DDB_LOCK_SHARED },
  { "DescribeEndpoints", ddb_op_describe_endpoints, DDB_LOCK_SHARED },
};

/* X-Amz-Target: DynamoDBStreams_20120810.<name>. Exclusive: shard
 * iterators and trimming keep state of their own. */
static const DdbOpInfo stream_operations[] = {
  { "GetRecords", ddb_op_get_records, DDB_LOCK_EXCLUSIVE },
  { "GetShardIterator", ddb_op_get_shard_iterator, DDB_LOCK_EXCLUSIVE },
  { "DescribeStream", ddb_op_describe_stream, DDB_LOCK_EXCLUSIVE },
  { "ListStreams", ddb_op_list_streams, DDB_LOCK_EXCLUSIVE },
};

gboolean
ddb_engine_knows_operation (const char *operation)
{
  for (guint i = 0; operation != NULL && i < G_N_ELEMENTS (operations); i++)
    if (strcmp (operations[i].name, operation) == 0)
      return TRUE;
  return FALSE;
}

gboolean
ddb_engine_knows_stream_operation (const char *operation)
{
  for (guint i = 0; operation != NULL && i < G_N_ELEMENTS (stream_operations); i++)
    if (strcmp (stream_operations[i].name, operation) == 0)
      return TRUE;
  return FALSE;
}

DdbEngine *
ddb_engine_new (void)
{
  DdbEngine *engine = g_new0 (DdbEngine, 1);

  g_atomic_ref_count_init (&engine->ref);
  g_rw_lock_init (&engine->lock);
  g_mutex_init (&engine->gate);
  g_mutex_init (&engine->token_lock);
  engine->tables = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ddb_table_free);
  engine->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, ddb_token_record_free);
  return engine;
}

DdbEngine *
ddb_engine_ref (DdbEngine *engine)
{
  g_return_val_if_fail (engine != NULL, NULL);
  g_atomic_ref_count_inc (&engine->ref);
  return engine;
}

void
ddb_engine_unref (DdbEngine *engine)
{
  if (engine == NULL || !g_atomic_ref_count_dec (&engine->ref))
    return;
  g_hash_table_unref (engine->tables);
  g_hash_table_unref (engine->tokens);
  ddb_engine_clear_streams (engine);
  g_rw_lock_clear (&engine->lock);
  g_mutex_clear (&engine->gate);
  g_mutex_clear (&engine->token_lock);
  g_free (engine);
}

void
ddb_engine_set_commit_func (DdbEngine *engine, DdbCommitFunc func, gpointer user_data)
{
  ddb_engine_write_lock (engine);
  engine->commit_func = func;
  engine->commit_data = user_data;
  ddb_engine_write_unlock (engine);
}

void
ddb_engine_set_clock (DdbEngine *engine, DdbClockFunc func, gpointer user_data)
{
  ddb_engine_write_lock (engine);
  engine->clock = func;
  engine->clock_data = user_data;
  ddb_engine_write_unlock (engine);
}

/* Callers hold the lock (either mode). */
gint64
ddb_engine_now_ms (DdbEngine *engine)
{
  if (engine->clock != NULL)
    return engine->clock (engine->clock_data);
  return g_get_real_time () / 1000;
}

/* capital: the streams service (and TransactionCanceledException) spell
 * the text "Message". */
static JsonNode *
error_body (GError *error, JsonObject *extra, gboolean capital, guint *status_out)
{
  JsonObject *body = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  DdbErrorCode code = DDB_ERROR_INTERNAL;
  const char *message = error->message;

  if (error->domain == DDB_ERROR)
    code = error->code;
  else
    message = "The server encountered an internal error trying to fulfill the request.";
  json_object_set_string_member (body, "__type", ddb_error_code_to_type (code));
  /* TransactionCanceledException spells it "Message", as botocore expects. */
  json_object_set_string_member (body, capital || code == DDB_ERROR_TRANSACTION_CANCELED ? "Message" : "message", message);
  if (extra != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;
      json_object_iter_init (&iter, extra);
      while (json_object_iter_next (&iter, &name, &value))
        json_object_set_member (body, name, json_node_copy (value));
    }
  json_node_take_object (node, body);
  *status_out = ddb_error_code_to_status (code);
  return node;
}

JsonNode *
ddb_op_item_node (DdbOp *op, DdbItem *item)
{
  JsonNode *node;

  if (op->packed == NULL)
    {
      /* json_node_init_object takes its own reference. */
      g_autoptr(JsonObject) copy = ddb_item_copy_out (item);
      return json_node_init_object (json_node_alloc (), copy);
    }
  node = json_node_init_null (json_node_alloc ());
  g_hash_table_insert (op->packed, node, item->blob);
  return node;
}

gboolean
ddb_op_print_packed (GString *out, JsonNode *node, gpointer user_data)
{
  const guint8 *blob = g_hash_table_lookup (user_data, node);

  if (blob == NULL)
    return FALSE;
  ddb_packed_print_item (out, blob);
  return TRUE;
}

/* Whether every store of every table has its scan order settled; with
 * settle (exclusive lock only) settles those that have not. */
static gboolean
engine_settle (DdbEngine *engine, gboolean settle)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, engine->tables);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DdbTable *table = value;

      for (guint i = 0; i <= table->indexes->len; i++)
        {
          DdbStore *store = i == 0 ? &table->store : &((DdbIndex *) table->indexes->pdata[i - 1])->store;

          if (ddb_store_settled (store))
            continue;
          if (!settle)
            return FALSE;
          ddb_store_settle (store);
        }
    }
  return TRUE;
}

/* Readers share the lock: nothing they call writes (stored items are
 * immutable, lookups are positional, decoded views are published
 * atomically). The one thing a read used to do lazily, putting new
 * partitions into the scan order, is done here under the exclusive lock
 * before a Scan takes the shared one. */
void
ddb_engine_read_lock (DdbEngine *engine)
{
  g_mutex_lock (&engine->gate);
  g_mutex_unlock (&engine->gate);
  g_rw_lock_reader_lock (&engine->lock);
}

void
ddb_engine_read_unlock (DdbEngine *engine)
{
  g_rw_lock_reader_unlock (&engine->lock);
}

void
ddb_engine_write_lock (DdbEngine *engine)
{
  g_mutex_lock (&engine->gate);
  g_rw_lock_writer_lock (&engine->lock);
  g_mutex_unlock (&engine->gate);
}

void
ddb_engine_write_unlock (DdbEngine *engine)
{
  g_rw_lock_writer_unlock (&engine->lock);
}

static void
engine_lock (DdbEngine *engine, DdbLockMode mode)
{
  switch (mode)
    {
    case DDB_LOCK_SHARED:
      ddb_engine_read_lock (engine);
      break;
    case DDB_LOCK_SCAN:
      for (;;)
        {
          ddb_engine_read_lock (engine);
          if (engine_settle (engine, FALSE))
            break;
          ddb_engine_read_unlock (engine);
          ddb_engine_write_lock (engine);
          engine_settle (engine, TRUE);
          ddb_engine_write_unlock (engine);
        }
      break;
    case DDB_LOCK_EXCLUSIVE:
    case DDB_LOCK_COMMIT:
    default:
      ddb_engine_write_lock (engine);
      break;
    }
}

static void
engine_unlock (DdbEngine *engine, DdbLockMode mode)
{
  if (mode == DDB_LOCK_SHARED || mode == DDB_LOCK_SCAN)
    ddb_engine_read_unlock (engine);
  else
    ddb_engine_write_unlock (engine);
}

/* out: answer as text into it (resp is printed under the lock, while the
 * packed items its placeholders stand for are still stored); NULL: answer
 * a tree. */
static JsonNode *
engine_dispatch (DdbEngine *engine, const DdbOpInfo *operations, guint n_operations, gboolean capital,
                 const char *operation, JsonNode *request, const char *text, gsize text_len,
                 GString *out, guint *status_out)
{
  const DdbOpInfo *info = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *resp = NULL;
  DdbOp op = { 0 };
  g_autoptr(JsonObject) translated = NULL;
  guint status = 200;
  JsonNode *node;

  g_return_val_if_fail (engine != NULL, NULL);

  for (guint i = 0; operation != NULL && i < n_operations; i++)
    if (strcmp (operations[i].name, operation) == 0)
      {
        info = &operations[i];
        break;
      }
  if (info == NULL)
    {
      g_set_error_literal (&error, DDB_ERROR, DDB_ERROR_UNKNOWN_OPERATION, "An unknown operation was requested.");
      node = error_body (error, NULL, capital, &status);
      goto out;
    }
  /* Callers in this process hand over trees json-glib would have refused as
   * text; everything below walks them recursively. */
  if (ddb_json_node_too_deep (request, DDB_JSON_MAX_DEPTH))
    {
      g_set_error_literal (&error, DDB_ERROR, DDB_ERROR_SERIALIZATION,
                           ddb_json_check_describe (DDB_JSON_CHECK_TOO_DEEP));
      node = error_body (error, NULL, capital, &status);
      goto out;
    }
  if (request == NULL || !JSON_NODE_HOLDS_OBJECT (request))
    {
      g_set_error_literal (&error, DDB_ERROR, DDB_ERROR_SERIALIZATION,
                           request != NULL && JSON_NODE_HOLDS_ARRAY (request)
                           ? "Start of list found where not expected"
                           : "Unexpected value type in payload");
      node = error_body (error, NULL, capital, &status);
      goto out;
    }

  op.engine = engine;
  op.request = json_node_get_object (request);
  if (!ddb_legacy_translate (operation, op.request, &translated, &error))
    {
      node = error_body (error, NULL, capital, &status);
      goto out;
    }
  if (translated != NULL)
    op.request = translated;
  if (out != NULL)
    op.packed = g_hash_table_new (NULL, NULL);
  engine_lock (engine, info->lock);
  op.now_ms = ddb_engine_now_ms (engine);
  resp = info->func (&op, &error);
  if (resp == NULL)
    ddb_op_prefer_missing_table (&op, operation, &error);
  if (resp != NULL && info->lock == DDB_LOCK_COMMIT && engine->commit_func != NULL &&
      !engine->commit_func (operation, op.request, text, text_len, op.now_ms, engine->commit_data, &error))
    g_clear_pointer (&resp, json_object_unref);
  if (resp != NULL && out != NULL)
    {
      g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), resp);

      ddb_json_print (out, root, ddb_op_print_packed, op.packed);
    }
  engine_unlock (engine, info->lock);
  g_clear_pointer (&op.packed, g_hash_table_unref);

  if (resp != NULL && out != NULL)
    {
      json_object_unref (resp);
      node = NULL;
    }
  else if (resp == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, DDB_ERROR, DDB_ERROR_INTERNAL, "The server encountered an internal error trying to fulfill the request.");
      node = error_body (error, op.error_extra, capital, &status);
    }
  else
    {
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (node, resp);
    }
  g_clear_pointer (&op.error_extra, json_object_unref);

out:
  if (status_out)
    *status_out = status;
  if (node != NULL && out != NULL)
    {
      ddb_json_print (out, node, NULL, NULL);
      g_clear_pointer (&node, json_node_unref);
    }
  return node;
}

DdbDirectResult
ddb_engine_read_packed (DdbEngine *engine, const char *operation, JsonNode *request,
                        JsonNode **answer_out, GPtrArray **items_out)
{
  const DdbOpInfo *info = NULL;
  g_autoptr(JsonObject) translated = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) packed = g_hash_table_new (NULL, NULL);
  DdbOp op = { 0 };
  JsonObject *resp;

  *answer_out = NULL;
  *items_out = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (operations); i++)
    if (g_strcmp0 (operations[i].name, operation) == 0)
      info = &operations[i];
  /* What the dispatcher would refuse or rewrite goes the JSON way. */
  if (info == NULL || (info->func != ddb_op_query && info->func != ddb_op_scan) ||
      request == NULL || !JSON_NODE_HOLDS_OBJECT (request) ||
      ddb_json_node_too_deep (request, DDB_JSON_MAX_DEPTH) ||
      !ddb_legacy_translate (operation, json_node_get_object (request), &translated, &error) ||
      translated != NULL)
    return DDB_DIRECT_DECLINED;

  op.engine = engine;
  op.request = json_node_get_object (request);
  op.packed = packed;
  engine_lock (engine, info->lock);
  op.now_ms = ddb_engine_now_ms (engine);
  resp = info->func (&op, &error);
  /* The placeholders stand for stored items: copied before the lock goes. */
  if (resp != NULL && json_object_has_member (resp, "Items"))
    *items_out = ddb_op_take_packed_items (&op, resp);
  engine_unlock (engine, info->lock);
  g_clear_pointer (&op.error_extra, json_object_unref);

  if (resp == NULL || *items_out == NULL)
    {
      g_clear_pointer (&resp, json_object_unref);
      return DDB_DIRECT_DECLINED;
    }
  *answer_out = json_node_init_object (json_node_alloc (), resp);
  json_object_unref (resp);
  return DDB_DIRECT_DONE;
}

JsonNode *
ddb_engine_handle (DdbEngine *engine, const char *operation, JsonNode *request, guint *status_out)
{
  g_return_val_if_fail (engine != NULL, NULL);
  return engine_dispatch (engine, operations, G_N_ELEMENTS (operations), FALSE, operation, request, NULL, 0,
                          NULL, status_out);
}

void
ddb_engine_handle_text (DdbEngine *engine, const char *operation, JsonNode *request, GString *out, guint *status_out)
{
  g_return_if_fail (engine != NULL && out != NULL);
  engine_dispatch (engine, operations, G_N_ELEMENTS (operations), FALSE, operation, request, NULL, 0, out, status_out);
}

void
ddb_engine_handle_request_text (DdbEngine *engine, const char *operation, JsonNode *request,
                                const char *request_text, gsize request_len, GString *out, guint *status_out)
{
  g_return_if_fail (engine != NULL && out != NULL);
  engine_dispatch (engine, operations, G_N_ELEMENTS (operations), FALSE, operation, request,
                   request_text, request_len, out, status_out);
}

JsonNode *
ddb_engine_handle_streams (DdbEngine *engine, const char *operation, JsonNode *request, guint *status_out)
{
  g_return_val_if_fail (engine != NULL, NULL);
  return engine_dispatch (engine, stream_operations, G_N_ELEMENTS (stream_operations), TRUE,
                          operation, request, NULL, 0, NULL, status_out);
}

/* ---- TTL ---- */

#define FIVE_YEARS_S (5 * 365 * 86400LL)

static gboolean
item_expired (DdbItem *item, const char *attr, const DdbNumber *now, const DdbNumber *horizon)
{
  DdbNumber n;

  /* Only Numbers count, and DynamoDB ignores expiry times more than five
   * years in the past. */
  if (!ddb_blob_number (ddb_blob_find (item->blob, attr), &n))
    return FALSE;
  return ddb_number_compare (&n, now) <= 0 && ddb_number_compare (&n, horizon) >= 0;
}

/* A sweep that deleted items goes to the persistence log (under the engine
 * lock, in commit order), so a restart deletes the same items at the same
 * point: the same stream records and sequence numbers come back. */
static void
log_sweep (DdbEngine *engine, gint64 now_ms)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(GError) error = NULL;

  if (engine->commit_func != NULL &&
      !engine->commit_func (DDB_SWEEP_LOG_OPERATION, request, NULL, 0, now_ms, engine->commit_data, &error))
    g_warning ("The TTL deletions at %" G_GINT64_FORMAT " ms were not logged: %s", now_ms, error->message);
}

guint
ddb_engine_sweep_expired (DdbEngine *engine)
{
  GHashTableIter titer;
  gpointer value;
  guint deleted = 0;
  gint64 now_s, now_ms;
  DdbNumber now, horizon;

  g_return_val_if_fail (engine != NULL, 0);

  ddb_engine_write_lock (engine);
  now_ms = ddb_engine_now_ms (engine);
  now_s = now_ms / 1000;
  ddb_number_from_int64 (now_s, &now);
  ddb_number_from_int64 (now_s - FIVE_YEARS_S, &horizon);

  g_hash_table_iter_init (&titer, engine->tables);
  while (g_hash_table_iter_next (&titer, NULL, &value))
    {
      DdbTable *table = value;
      g_autoptr(GPtrArray) doomed = NULL;
      GSequenceIter *pit;

      if (table->ttl_attribute == NULL)
        continue;
      doomed = g_ptr_array_new ();
      ddb_store_settle (&table->store);
      for (pit = g_sequence_get_begin_iter (table->store.order);
           !g_sequence_iter_is_end (pit); pit = g_sequence_iter_next (pit))
        {
          DdbPartition *part = g_sequence_get (pit);
          GSequenceIter *it;
          for (it = g_sequence_get_begin_iter (part->entries);
               !g_sequence_iter_is_end (it); it = g_sequence_iter_next (it))
            {
              DdbItem *item = ((DdbEntry *) g_sequence_get (it))->item;
              if (item_expired (item, table->ttl_attribute, &now, &horizon))
                g_ptr_array_add (doomed, item);
            }
        }
      /* Stream records of these deletions name the service as the actor. */
      engine->expiring = TRUE;
      for (guint i = 0; i < doomed->len; i++)
        ddb_table_delete (table, doomed->pdata[i]);
      engine->expiring = FALSE;
      deleted += doomed->len;
    }
  if (deleted > 0)
    log_sweep (engine, now_ms);
  ddb_engine_write_unlock (engine);
  return deleted;
}
