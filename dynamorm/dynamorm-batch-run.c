/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-batch-run.c: the engine that batch get and batch write both
 * run on (BatchRun): the keys or items become units, the units are cut
 * into chunks of at most the service's limit, and up to
 * max-concurrency chunks are in flight at once through the session's
 * asynchronous calls. What DynamoDB leaves unprocessed goes back into a
 * new chunk, sent after the retry policy's delay. A chunk that fails (its
 * request failed, or its units stayed unprocessed after the last attempt)
 * goes to the caller's chunk error hook, which skips it or stops the
 * batch. Every unit ends in one state: done, missing (batch get), or
 * failed; nothing is dropped without being reported.
 *
 * The blocking forms run the same engine on a private main context. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ddb-packed.h"
#include "dynamorm-batch-run-private.h"
#include "dynamorm-batch-private.h"
#include "dynamorm-direct-private.h"
#include "dynamorm-session-private.h"

void
_dynamorm_batch_unit_free (Unit *unit)
{
  g_clear_pointer (&unit->request, json_node_unref);
  g_clear_pointer (&unit->item, json_node_unref);
  g_clear_pointer (&unit->after, g_ptr_array_unref);
  g_free (unit->packed);
  g_free (unit->packed_item);
  g_free (unit->fingerprint);
  g_free (unit);
}

typedef struct {
  GPtrArray *units;             /* of Unit*, not owned */
  guint attempt;                /* 1 for the first request */
} Chunk;

static void
chunk_free (Chunk *chunk)
{
  g_ptr_array_unref (chunk->units);
  g_free (chunk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Chunk, chunk_free)

static Chunk *
chunk_new (guint attempt)
{
  Chunk *chunk = g_new0 (Chunk, 1);

  chunk->units = g_ptr_array_new ();
  chunk->attempt = attempt;
  return chunk;
}

void
_dynamorm_batch_run_free (BatchRun *run)
{
  g_clear_object (&run->session);
  g_clear_object (&run->options);
  g_queue_clear_full (&run->queue, (GDestroyNotify) chunk_free);
  g_clear_pointer (&run->units, g_ptr_array_unref);
  g_clear_pointer (&run->by_fingerprint, g_hash_table_unref);
  g_clear_pointer (&run->tables, g_hash_table_unref);
  g_clear_pointer (&run->get_extra, json_object_unref);
  g_clear_error (&run->error);
  _dynamorm_direct_call_clear (&run->direct);
  g_clear_pointer (&run->scratch, g_byte_array_unref);
  g_free (run);
}

BatchRun *
_dynamorm_batch_run_new (DynamormSession *session, DynamormBatchOptions *options, gboolean is_write)
{
  BatchRun *run = g_new0 (BatchRun, 1);
  guint limit = is_write ? DYNAMORM_BATCH_WRITE_MAX_CHUNK_SIZE : DYNAMORM_BATCH_GET_MAX_CHUNK_SIZE;

  run->session = g_object_ref (session);
  run->options = g_object_ref (options);
  run->is_write = is_write;
  run->operation = is_write ? "BatchWriteItem" : "BatchGetItem";
  run->chunk_size = options->chunk_size == 0 ? limit : MIN (options->chunk_size, limit);
  run->units = g_ptr_array_new_with_free_func ((GDestroyNotify) _dynamorm_batch_unit_free);
  run->by_fingerprint = g_hash_table_new (g_str_hash, g_str_equal);
  run->tables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&run->queue);
  _dynamorm_session_direct_call (session, &run->direct);
  return run;
}

/* Records the table of a model type; returns its name, owned by the run. */
/* Records the table of a model type; returns its name, owned by the run. */
static const char *
run_table (BatchRun *run, GType type, const DynamormSchema *schema)
{
  g_autofree char *name = NULL;
  gpointer key;

  /* Batches are mostly of one type: its name is asked for once. */
  if (type == run->last_type)
    return run->last_table;
  name = dynamorm_session_get_table_name (run->session, type);
  if (!g_hash_table_lookup_extended (run->tables, name, &key, NULL))
    {
      key = g_steal_pointer (&name);
      g_hash_table_insert (run->tables, key, (gpointer) schema);
    }
  run->last_type = type;
  run->last_table = key;
  return key;
}

Unit *
_dynamorm_batch_unit_new (BatchRun *run, guint position, GType type, const DynamormSchema *schema,
                          gpointer payload)
{
  Unit *unit = g_new0 (Unit, 1);

  unit->position = position;
  unit->table = run_table (run, type, schema);
  unit->schema = schema;
  unit->type = type;
  unit->payload = payload;
  return unit;
}

void
_dynamorm_batch_run_set_request (BatchRun *run, Unit *unit, JsonNode *body)
{
  JsonObject *wrapper, *inner;

  g_clear_pointer (&unit->request, json_node_unref);
  if (!run->is_write)
    {
      unit->request = body;
      return;
    }
  inner = json_object_new ();
  json_object_set_member (inner, unit->is_delete ? "Key" : "Item", body);
  wrapper = json_object_new ();
  json_object_set_object_member (wrapper, unit->is_delete ? "DeleteRequest" : "PutRequest", inner);
  unit->request = _dynamorm_node_take_object (wrapper);
}

GByteArray *
_dynamorm_batch_run_scratch (BatchRun *run, Unit *unit)
{
  if (unit->type != run->direct_type)
    {
      run->direct_type = unit->type;
      run->direct_takes = _dynamorm_direct_batch_takes (&run->direct, unit->type, unit->schema, run->is_write);
    }
  if (!run->direct_takes)
    return NULL;
  if (run->scratch == NULL)
    run->scratch = g_byte_array_sized_new (256);
  g_byte_array_set_size (run->scratch, 0);
  return run->scratch;
}

gboolean
_dynamorm_batch_run_pack_unit (BatchRun *run, Unit *unit)
{
  unit->fingerprint = _dynamorm_packed_fingerprint (unit->table, unit->schema, run->scratch->data);
  if (unit->fingerprint == NULL)
    return FALSE;
  unit->packed_len = run->scratch->len;
  unit->packed = g_memdup2 (run->scratch->data, run->scratch->len);
  return TRUE;
}

/* The request of unit, made from its packed form when it has none (a
 * chunk the direct path declined): the same item or key. */
static JsonNode *
batch_unit_request (BatchRun *run, Unit *unit)
{
  if (unit->request == NULL)
    _dynamorm_batch_run_set_request (run, unit, _dynamorm_node_take_object (ddb_packed_to_json_item (unit->packed)));
  return unit->request;
}

static void batch_run_pump (BatchRun *run);

static void
batch_run_progress (BatchRun *run)
{
  if (run->options->progress_func)
    run->options->progress_func (run->done, run->total, run->options->progress_data);
}

/* Units of a chunk failed; the hook says whether to go on. */
static void
batch_run_fail_units (BatchRun *run, GPtrArray *units, const GError *error)
{
  gboolean skip = FALSE;

  if (units->len == 0)
    return;

  if (run->error == NULL && run->options->error_func != NULL &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree guint *positions = g_new (guint, units->len);

      for (guint i = 0; i < units->len; i++)
        positions[i] = ((Unit *) units->pdata[i])->position;
      skip = run->options->error_func (positions, units->len, error, run->options->error_data);
    }

  for (guint i = 0; i < units->len; i++)
    ((Unit *) units->pdata[i])->state = UNIT_FAILED;

  if (!skip && run->error == NULL)
    {
      Chunk *chunk;

      run->error = g_error_copy (error);
      /* Nothing more is sent; what was not sent is not written. */
      while ((chunk = g_queue_pop_head (&run->queue)) != NULL)
        {
          for (guint i = 0; i < chunk->units->len; i++)
            ((Unit *) chunk->units->pdata[i])->state = UNIT_FAILED;
          chunk_free (chunk);
        }
    }
}

static JsonNode *
batch_run_request (BatchRun *run, Chunk *chunk)
{
  JsonObject *request_items = json_object_new ();
  JsonObject *body = json_object_new ();

  for (guint i = 0; i < chunk->units->len; i++)
    {
      Unit *unit = chunk->units->pdata[i];
      JsonNode *spec = json_object_get_member (request_items, unit->table);

      if (run->is_write)
        {
          if (spec == NULL)
            {
              json_object_set_array_member (request_items, unit->table, json_array_new ());
              spec = json_object_get_member (request_items, unit->table);
            }
          json_array_add_element (json_node_get_array (spec), json_node_ref (batch_unit_request (run, unit)));
        }
      else
        {
          JsonObject *table_spec;

          if (spec == NULL)
            {
              JsonObjectIter iter;
              const char *name;
              JsonNode *value;

              table_spec = json_object_new ();
              json_object_set_array_member (table_spec, "Keys", json_array_new ());
              json_object_iter_init (&iter, run->get_extra);
              while (json_object_iter_next (&iter, &name, &value))
                json_object_set_member (table_spec, name, json_node_copy (value));
              json_object_set_object_member (request_items, unit->table, table_spec);
            }
          else
            table_spec = json_node_get_object (spec);
          json_array_add_element (json_object_get_array_member (table_spec, "Keys"),
                                  json_node_ref (batch_unit_request (run, unit)));
        }
    }

  json_object_set_object_member (body, "RequestItems", request_items);
  return _dynamorm_node_take_object (body);
}

/* The unit an item, Key or write request of the response is about. */
static Unit *
batch_run_find (BatchRun *run, const char *table, JsonObject *obj)
{
  const DynamormSchema *schema = g_hash_table_lookup (run->tables, table);
  g_autofree char *fingerprint = NULL;

  if (schema == NULL)
    return NULL;
  fingerprint = _dynamorm_item_fingerprint (table, schema, obj);
  return fingerprint ? g_hash_table_lookup (run->by_fingerprint, fingerprint) : NULL;
}

static JsonObject *
write_request_target (JsonNode *node)
{
  JsonObject *obj, *inner;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  obj = json_node_get_object (node);
  if (json_object_has_member (obj, "PutRequest") &&
      (inner = json_object_get_object_member (obj, "PutRequest")) != NULL)
    return json_object_get_object_member (inner, "Item");
  if (json_object_has_member (obj, "DeleteRequest") &&
      (inner = json_object_get_object_member (obj, "DeleteRequest")) != NULL)
    return json_object_get_object_member (inner, "Key");
  return NULL;
}

/* Reads a response: found items, and the units left unprocessed. */
static gboolean
batch_run_read_response (BatchRun *run, Chunk *chunk, JsonNode *response,
                         GPtrArray *unprocessed, GError **error)
{
  JsonObject *obj = json_node_get_object (response);
  JsonNode *node;
  JsonObjectIter iter;
  const char *table;
  JsonNode *value;
  g_autoptr(GHashTable) left = g_hash_table_new (NULL, NULL);

  if (!run->is_write)
    {
      node = json_object_get_member (obj, "Responses");
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                       _("BatchGetItem answered without Responses"));
          return FALSE;
        }
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &table, &value))
        {
          JsonArray *items = JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value) : NULL;

          for (guint i = 0; items && i < json_array_get_length (items); i++)
            {
              JsonNode *item = json_array_get_element (items, i);
              Unit *unit = JSON_NODE_HOLDS_OBJECT (item)
                ? batch_run_find (run, table, json_node_get_object (item)) : NULL;

              if (unit == NULL)
                {
                  g_warning ("BatchGetItem answered an item of table “%s” that was not asked for", table);
                  continue;
                }
              g_clear_pointer (&unit->item, json_node_unref);
              unit->item = json_node_ref (item);
              unit->state = UNIT_DONE;
            }
        }
    }

  node = json_object_get_member (obj, run->is_write ? "UnprocessedItems" : "UnprocessedKeys");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &table, &value))
        {
          JsonArray *array = NULL;

          if (run->is_write && JSON_NODE_HOLDS_ARRAY (value))
            array = json_node_get_array (value);
          else if (!run->is_write && JSON_NODE_HOLDS_OBJECT (value))
            {
              JsonNode *keys = json_object_get_member (json_node_get_object (value), "Keys");
              array = keys && JSON_NODE_HOLDS_ARRAY (keys) ? json_node_get_array (keys) : NULL;
            }
          for (guint i = 0; array && i < json_array_get_length (array); i++)
            {
              JsonNode *element = json_array_get_element (array, i);
              JsonObject *target = run->is_write ? write_request_target (element)
                : (JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL);
              Unit *unit = target ? batch_run_find (run, table, target) : NULL;

              if (unit == NULL)
                {
                  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                               _("%s answered an unprocessed entry of table “%s” that was not asked for"),
                               run->operation, table);
                  return FALSE;
                }
              if (g_hash_table_add (left, unit))
                g_ptr_array_add (unprocessed, unit);
            }
        }
    }

  for (guint i = 0; i < chunk->units->len; i++)
    {
      Unit *unit = chunk->units->pdata[i];

      if (g_hash_table_contains (left, unit))
        continue;
      if (unit->state == UNIT_PENDING)
        unit->state = run->is_write ? UNIT_DONE : UNIT_MISSING;
      run->done++;
    }
  return TRUE;
}

typedef struct {
  GTask *task;                  /* owned */
  Chunk *chunk;                 /* owned */
} ChunkCall;

static void
chunk_call_free (ChunkCall *call)
{
  g_clear_object (&call->task);
  g_clear_pointer (&call->chunk, chunk_free);
  g_free (call);
}

static void batch_run_send (BatchRun *run, Chunk *chunk);

static gboolean
retry_timeout_cb (gpointer user_data)
{
  ChunkCall *call = user_data;
  BatchRun *run = g_task_get_task_data (call->task);
  GCancellable *cancellable = g_task_get_cancellable (call->task);
  g_autoptr(GError) error = NULL;

  run->in_flight--;
  if (run->error != NULL)
    {
      for (guint i = 0; i < call->chunk->units->len; i++)
        ((Unit *) call->chunk->units->pdata[i])->state = UNIT_FAILED;
    }
  else if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    batch_run_fail_units (run, call->chunk->units, error);
  else
    {
      g_debug ("%s: retrying %u unprocessed entries (attempt %u)",
               run->operation, call->chunk->units->len, call->chunk->attempt);
      g_queue_push_head (&run->queue, g_steal_pointer (&call->chunk));
    }
  batch_run_pump (run);
  return G_SOURCE_REMOVE;
}

/* Names the tables of the entries that failed, and how to fix a missing
 * one. */
static void
batch_run_explain_error (BatchRun *run, GPtrArray *pending, GError **error)
{
  g_autoptr(GString) tables = g_string_new (NULL);

  for (guint i = 0; i < pending->len; i++)
    {
      const char *table = ((Unit *) pending->pdata[i])->table;
      g_autofree char *quoted = g_strdup_printf ("“%s”", table);

      if (table != NULL && strstr (tables->str, quoted) == NULL)
        g_string_append_printf (tables, "%s%s", tables->len ? ", " : "", quoted);
    }
  if (g_error_matches (*error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND))
    g_prefix_error (error, _("%s to table %s failed: a table does not exist (create the table first: "
                             "Session.create_table): "), run->operation, tables->str);
  else
    g_prefix_error (error, g_dngettext (GETTEXT_PACKAGE, "%s of %u entry (table %s) failed: ",
                                        "%s of %u entries (table %s) failed: ", pending->len),
                    run->operation, pending->len, tables->str);
}

static void
batch_run_call_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ChunkCall *call = user_data;
  BatchRun *run = g_task_get_task_data (call->task);
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(GPtrArray) unprocessed = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  DynamormRetryPolicy *policy = run->options->retry_policy;

  run->in_flight--;
  response = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);
  if (response == NULL || !batch_run_read_response (run, call->chunk, response, unprocessed, &error))
    {
      GPtrArray *pending = g_ptr_array_new ();

      for (guint i = 0; i < call->chunk->units->len; i++)
        if (((Unit *) call->chunk->units->pdata[i])->state == UNIT_PENDING ||
            g_ptr_array_find (unprocessed, call->chunk->units->pdata[i], NULL))
          g_ptr_array_add (pending, call->chunk->units->pdata[i]);
      batch_run_explain_error (run, pending, &error);
      batch_run_fail_units (run, pending, error);
      g_ptr_array_unref (pending);
    }
  else
    {
      batch_run_progress (run);
      if (unprocessed->len > 0)
        {
          if (run->error == NULL && policy != NULL &&
              call->chunk->attempt < dynamorm_retry_policy_get_max_attempts (policy))
            {
              ChunkCall *retry = g_new0 (ChunkCall, 1);
              guint delay = dynamorm_retry_policy_get_delay (policy, call->chunk->attempt);
              GSource *source = g_timeout_source_new (delay);

              retry->task = g_object_ref (call->task);
              retry->chunk = chunk_new (call->chunk->attempt + 1);
              g_ptr_array_extend (retry->chunk->units, unprocessed, NULL, NULL);
              run->in_flight++;
              g_source_set_callback (source, retry_timeout_cb, retry, (GDestroyNotify) chunk_call_free);
              g_source_set_static_name (source, "[dynamorm] batch retry");
              g_source_attach (source, g_task_get_context (call->task));
              g_source_unref (source);
            }
          else
            {
              g_autoptr(GError) left = NULL;

              if (policy == NULL)
                left = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED,
                                    _("DynamoDB left %u of %u entries of a %s unprocessed and the batch "
                                      "has no retry policy: set one to retry them"),
                                    unprocessed->len, call->chunk->units->len, run->operation);
              else
                left = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED,
                                    _("DynamoDB still left %u entries of a %s unprocessed after %u attempts: "
                                      "allow more attempts in the retry policy, or lower the request rate"),
                                    unprocessed->len, run->operation, call->chunk->attempt);
              batch_run_fail_units (run, unprocessed, left);
            }
        }
    }

  batch_run_pump (run);
  chunk_call_free (call);
}

static void
batch_run_send (BatchRun *run, Chunk *chunk)
{
  g_autoptr(JsonNode) request = batch_run_request (run, chunk);
  ChunkCall *call = g_new0 (ChunkCall, 1);

  call->task = g_object_ref (run->task);
  call->chunk = chunk;
  run->in_flight++;
  /* A write's answer holds sealed items too (unprocessed), not to open. */
  (run->is_write ? dynamorm_session_call_async : _dynamorm_session_call_items_async) (
    run->session, run->operation, request, g_task_get_cancellable (run->task), batch_run_call_cb, call);
}

/* The chunk's units as the direct path's writes or reads; then their
 * states, once carried out. */
static gboolean
batch_run_direct_chunk (BatchRun *run, Chunk *chunk, GCancellable *cancellable)
{
  DynamormDirectWrite writes[DYNAMORM_BATCH_WRITE_MAX_CHUNK_SIZE] = { 0 };
  DynamormDirectRead reads[DYNAMORM_BATCH_GET_MAX_CHUNK_SIZE] = { 0 };
  guint n = chunk->units->len;

  for (guint i = 0; i < n; i++)
    {
      Unit *unit = chunk->units->pdata[i];

      if (run->is_write)
        {
          writes[i].table_name = unit->table;
          writes[i].packed = unit->packed;
          writes[i].len = unit->packed_len;
          writes[i].is_delete = unit->is_delete;
        }
      else
        {
          reads[i].table_name = unit->table;
          reads[i].key = unit->packed;
          reads[i].len = unit->packed_len;
        }
    }
  if (_dynamorm_direct_batch (&run->direct, run->is_write ? writes : NULL, run->is_write ? NULL : reads,
                              n, cancellable) != DYNAMORM_DIRECT_DONE)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      Unit *unit = chunk->units->pdata[i];

      if (run->is_write && !unit->is_delete)
        unit->packed = NULL;    /* the backend took it */
      unit->packed_item = run->is_write ? NULL : reads[i].item;
      unit->state = run->is_write || unit->packed_item != NULL ? UNIT_DONE : UNIT_MISSING;
    }
  return TRUE;
}

/* Carries chunk out on the direct path when every unit of it is packed and
 * the backend takes it, as its answer would be read (nothing is left
 * unprocessed in process); FALSE: send it as JSON. */
static gboolean
batch_run_direct (BatchRun *run, Chunk *chunk)
{
  GCancellable *cancellable = g_task_get_cancellable (run->task);

  for (guint i = 0; i < chunk->units->len; i++)
    if (((Unit *) chunk->units->pdata[i])->packed == NULL)
      return FALSE;
  if (!batch_run_direct_chunk (run, chunk, cancellable))
    return FALSE;
  run->done += chunk->units->len;
  batch_run_progress (run);
  chunk_free (chunk);
  return TRUE;
}

static void
batch_run_pump (BatchRun *run)
{
  Chunk *chunk;

  while (run->error == NULL && run->in_flight < run->options->max_concurrency &&
         (chunk = g_queue_pop_head (&run->queue)) != NULL)
    if (!batch_run_direct (run, chunk))
      batch_run_send (run, chunk);

  if (run->in_flight == 0 && g_queue_is_empty (&run->queue))
    {
      /* The task holds the run: complete it last. */
      GTask *task = run->task;

      run->task = NULL;
      if (run->error != NULL)
        g_task_return_error (task, g_steal_pointer (&run->error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/* Starts a run built up front (or reports build_error). Takes run. */
void
_dynamorm_batch_run_start (gpointer             source_object,
                           BatchRun            *run,
                           GError              *build_error,
                           gpointer             source_tag,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);
  Chunk *chunk = NULL;

  g_task_set_source_tag (task, source_tag);
  if (run == NULL)
    {
      g_task_return_error (task, build_error);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, run, (GDestroyNotify) _dynamorm_batch_run_free);
  run->task = task;    /* the run's reference, dropped when it completes */

  for (guint i = 0; i < run->units->len; i++)
    {
      if (chunk == NULL)
        chunk = chunk_new (1);
      g_ptr_array_add (chunk->units, run->units->pdata[i]);
      if (chunk->units->len == run->chunk_size)
        g_queue_push_tail (&run->queue, g_steal_pointer (&chunk));
    }
  if (chunk != NULL)
    g_queue_push_tail (&run->queue, chunk);
  run->total = run->units->len;

  batch_run_pump (run);
}

