/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-data-migration.c: copies every item of a source table to a
 * target table through a transform, in pages, with a checkpoint.
 *
 * Written once, as a chain of asynchronous calls on a GTask; the blocking
 * form runs that chain in a private main context. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-table-private.h"
#include "dynamorm-sync-private.h"
#include "dynamorm-session-private.h"
#include "dynamorm-accessors-private.h"

#define BATCH_WRITE_MAX   25
#define MAX_WRITE_ATTEMPTS 10

/**
 * DynamormDataMigration:
 *
 * Copies every item of a source table to a target table through a
 * transform, in pages, with progress and a checkpoint to resume from.
 *
 * The source is read with Scan, one page at a time. Each item of a page
 * goes through the transform; then the page is written to the target with
 * BatchWriteItem (25 items per request, unprocessed items retried with a
 * growing delay). Only when a whole page is written does the checkpoint
 * move past it, so a run that is interrupted (cancelled, a network error,
 * a failing transform) can be restarted with
 * [method@Dynamorm.DataMigration.set_checkpoint]: it continues after the
 * last fully written page. Items of a page that was only partly written
 * are written again, by their key, so the target never holds an item
 * twice.
 *
 * ```c
 * g_autoptr(DynamormDataMigration) migration =
 *   dynamorm_data_migration_new (session, "users_v1", "users_v2");
 *
 * dynamorm_data_migration_set_transform (migration, rename_fields, NULL, NULL);
 * dynamorm_data_migration_set_checkpoint (migration, saved);  // NULL the first time
 * if (!dynamorm_data_migration_run (migration, NULL, &error))
 *   save (dynamorm_data_migration_get_checkpoint (migration));
 * ```
 *
 * Table names are used as given: use [method@Dynamorm.Table.get_name] or
 * [method@Dynamorm.Session.get_table_name] for the tables of models.
 * A migration runs once at a time.
 */
struct _DynamormDataMigration
{
  GObject parent_instance;

  DynamormSession *session;
  char *source;
  char *target;
  DynamormItemTransform transform;
  gpointer transform_data;
  GDestroyNotify transform_destroy;
  guint page_size;
  gboolean exact_total;
  GType encrypted_model;    /* opened from source, sealed for target; 0: none */

  GMutex lock;              /* checkpoint, done and total */
  char *checkpoint;
  guint64 done;
  guint64 total;
  gboolean running;
};

G_DEFINE_FINAL_TYPE (DynamormDataMigration, dynamorm_data_migration, G_TYPE_OBJECT)

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint migration_signals[N_SIGNALS];

static void
dynamorm_data_migration_finalize (GObject *object)
{
  DynamormDataMigration *self = DYNAMORM_DATA_MIGRATION (object);

  if (self->transform_destroy)
    self->transform_destroy (self->transform_data);
  g_clear_object (&self->session);
  g_free (self->source);
  g_free (self->target);
  g_free (self->checkpoint);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (dynamorm_data_migration_parent_class)->finalize (object);
}

static void
dynamorm_data_migration_class_init (DynamormDataMigrationClass *klass)
{
  _dynamorm_init ();

  G_OBJECT_CLASS (klass)->finalize = dynamorm_data_migration_finalize;

  /**
   * DynamormDataMigration::progress:
   * @self: the migration
   * @done: items written so far, counting those of earlier runs
   * @total: items in the source table: DescribeTable's ItemCount (which
   *   DynamoDB updates about every six hours) unless an exact total was
   *   asked for; never less than @done
   *
   * Emitted when the total is known and after each batch is written.
   */
  migration_signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
dynamorm_data_migration_init (DynamormDataMigration *self)
{
  g_mutex_init (&self->lock);
}

/**
 * dynamorm_data_migration_new:
 * @session: a #DynamormSession
 * @source_table: the full name of the table to read
 * @target_table: the full name of the table to write
 *
 * Creates a data migration from one table to another. Without a
 * transform, items are copied unchanged.
 *
 * Returns: (transfer full): a new data migration
 */
DynamormDataMigration *
dynamorm_data_migration_new (DynamormSession *session,
                             const char      *source_table,
                             const char      *target_table)
{
  DynamormDataMigration *self;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);
  g_return_val_if_fail (source_table != NULL, NULL);
  g_return_val_if_fail (target_table != NULL, NULL);

  self = g_object_new (DYNAMORM_TYPE_DATA_MIGRATION, NULL);
  self->session = g_object_ref (session);
  self->source = g_strdup (source_table);
  self->target = g_strdup (target_table);
  return self;
}

/**
 * dynamorm_data_migration_set_transform:
 * @self: a #DynamormDataMigration
 * @transform: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   turns a source item into the item to write, or %NULL to copy items
 *   unchanged
 * @user_data: data for @transform
 * @destroy: (nullable): frees @user_data
 *
 * Sets the function each item goes through. It runs in the thread (for
 * the blocking form) or the main context (for the async form) that runs
 * the migration. When it fails on an item, the migration stops with its
 * error, prefixed with the item's key; nothing of that item's page has
 * been written, and the checkpoint is the end of the last written page.
 */
void
dynamorm_data_migration_set_transform (DynamormDataMigration *self,
                                       DynamormItemTransform  transform,
                                       gpointer               user_data,
                                       GDestroyNotify         destroy)
{
  g_return_if_fail (DYNAMORM_IS_DATA_MIGRATION (self));
  g_return_if_fail (!self->running);

  if (self->transform_destroy)
    self->transform_destroy (self->transform_data);
  self->transform = transform;
  self->transform_data = user_data;
  self->transform_destroy = destroy;
}

/**
 * dynamorm_data_migration_set_encrypted_model:
 * @self: a #DynamormDataMigration
 * @model_type: the #DynamormModel type of the items, or %G_TYPE_INVALID
 *
 * Names the model whose properties tagged `encrypted` the items hold. An
 * encrypted value is bound to its table, so a copy must be decrypted (with
 * the session's key provider) before the transform, which then sees the
 * values in the clear, and encrypted again for the target table after it.
 * Without this, items are copied as stored, and encrypted values in the
 * target table fail authentication when read.
 *
 * Since: 0.2
 */
void
dynamorm_data_migration_set_encrypted_model (DynamormDataMigration *self,
                                             GType                  model_type)
{
  g_return_if_fail (DYNAMORM_IS_DATA_MIGRATION (self));
  g_return_if_fail (model_type == G_TYPE_INVALID || g_type_is_a (model_type, DYNAMORM_TYPE_MODEL));
  g_return_if_fail (!self->running);

  self->encrypted_model = model_type;
}

/* The item as the target table stores it: opened from the source table,
 * transformed, sealed for the target. */
static JsonNode *
migration_convert (DynamormDataMigration *self, JsonNode *item, GError **error)
{
  const DynamormSchema *schema = NULL;
  g_autoptr(JsonNode) opened = NULL;
  JsonNode *out;

  if (self->encrypted_model != G_TYPE_INVALID)
    {
      if ((schema = _dynamorm_schema_get (self->encrypted_model, FALSE, error)) == NULL)
        return NULL;
      opened = json_node_copy (item);
      if (!_dynamorm_session_open_item (self->session, schema, self->source, opened, error))
        return NULL;
      item = opened;
    }
  if (self->transform == NULL)
    out = json_node_copy (item);
  else if ((out = self->transform (item, self->transform_data, error)) == NULL || !JSON_NODE_HOLDS_OBJECT (out))
    {
      if (out != NULL || (error != NULL && *error == NULL))
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                     out ? _("the transform returned a JSON %s, not an item") : _("the transform returned no item"),
                     out ? json_node_type_name (out) : NULL);
      g_clear_pointer (&out, json_node_unref);
      return NULL;
    }
  if (schema != NULL &&
      !_dynamorm_session_seal_item (self->session, schema, self->target, json_node_get_object (out), error))
    g_clear_pointer (&out, json_node_unref);
  return out;
}

/**
 * dynamorm_data_migration_set_page_size:
 * @self: a #DynamormDataMigration
 * @page_size: items per Scan page, or 0 for DynamoDB's 1 MB pages
 *
 * Sets the Scan `Limit`: the unit of the checkpoint. Smaller pages lose
 * less work to an interruption and cost more requests.
 */
DYNAMORM_DEFINE_SETTER (dynamorm_data_migration_set_page_size, DynamormDataMigration,
                        DYNAMORM_IS_DATA_MIGRATION, guint, page_size, page_size)

/**
 * dynamorm_data_migration_set_exact_total:
 * @self: a #DynamormDataMigration
 * @exact: whether to count the source's items before copying
 *
 * Whether the total of the progress is counted with a `Select: COUNT`
 * scan of the source (exact, but it reads the whole table once more)
 * rather than taken from DescribeTable's ItemCount (free, but up to six
 * hours old on DynamoDB).
 */
DYNAMORM_DEFINE_BOOLEAN_SETTER (dynamorm_data_migration_set_exact_total, DynamormDataMigration,
                                DYNAMORM_IS_DATA_MIGRATION, exact, exact_total)

/**
 * dynamorm_data_migration_set_checkpoint:
 * @self: a #DynamormDataMigration
 * @checkpoint: (nullable): a checkpoint from
 *   [method@Dynamorm.DataMigration.get_checkpoint], or %NULL to start from
 *   the beginning
 *
 * Sets where the next run starts. A checkpoint of a finished migration
 * makes the run do nothing.
 */
void
dynamorm_data_migration_set_checkpoint (DynamormDataMigration *self,
                                        const char            *checkpoint)
{
  g_return_if_fail (DYNAMORM_IS_DATA_MIGRATION (self));
  g_return_if_fail (!self->running);

  g_mutex_lock (&self->lock);
  g_free (self->checkpoint);
  self->checkpoint = g_strdup (checkpoint);
  g_mutex_unlock (&self->lock);
}

/**
 * dynamorm_data_migration_get_checkpoint:
 * @self: a #DynamormDataMigration
 *
 * Gets the checkpoint: a short text (JSON) that says which items are
 * written, to be saved and given to
 * [method@Dynamorm.DataMigration.set_checkpoint] to resume. It moves after
 * each fully written page. Safe to call from any thread while running.
 *
 * Returns: (transfer full) (nullable): the checkpoint, or %NULL before any
 *   page is written
 */
char *
dynamorm_data_migration_get_checkpoint (DynamormDataMigration *self)
{
  char *ret;

  g_return_val_if_fail (DYNAMORM_IS_DATA_MIGRATION (self), NULL);

  g_mutex_lock (&self->lock);
  ret = g_strdup (self->checkpoint);
  g_mutex_unlock (&self->lock);
  return ret;
}

/* A counter the run moves from its own thread (done, total), read under
 * the lock. */
static guint64
read_counter (DynamormDataMigration *self,
              const guint64         *counter)
{
  guint64 value;

  g_mutex_lock (&self->lock);
  value = *counter;
  g_mutex_unlock (&self->lock);
  return value;
}

/* The public getter of a counter, under its gi-docgen comment:
 *
 *   DEFINE_COUNTER_GETTER (dynamorm_data_migration_get_done, done)
 *
 * defines
 *
 *   guint64
 *   dynamorm_data_migration_get_done (DynamormDataMigration *self)
 *   {
 *     g_return_val_if_fail (DYNAMORM_IS_DATA_MIGRATION (self), 0);
 *
 *     return read_counter (self, &self->done);
 *   }
 */
#define DEFINE_COUNTER_GETTER(function, counter)                  \
  guint64                                                         \
  function (DynamormDataMigration *self)                          \
  {                                                               \
    g_return_val_if_fail (DYNAMORM_IS_DATA_MIGRATION (self), 0);  \
                                                                  \
    return read_counter (self, &self->counter);                   \
  }

/**
 * dynamorm_data_migration_get_done:
 * @self: a #DynamormDataMigration
 *
 * Gets how many items are written, counting earlier runs.
 *
 * Returns: the number of items written
 */
DEFINE_COUNTER_GETTER (dynamorm_data_migration_get_done, done)

/**
 * dynamorm_data_migration_get_total:
 * @self: a #DynamormDataMigration
 *
 * Gets the number of items to migrate, as far as it is known.
 *
 * Returns: the total, 0 before the run starts
 */
DEFINE_COUNTER_GETTER (dynamorm_data_migration_get_total, total)

typedef struct {
  JsonNode *start_key;      /* ExclusiveStartKey of the current page */
  JsonNode *next_key;       /* its LastEvaluatedKey */
  guint64 page_base;        /* done before the current page */
  char *hash, *range;       /* the source's key attributes, for messages */
  JsonNode *page;           /* a Scan answer waiting for its data key */
  GPtrArray *writes;        /* of JsonNode* WriteRequest, the current page */
  guint written;            /* of writes */
  GPtrArray *pending;       /* the batch in flight, of JsonNode* WriteRequest */
  guint attempt;
  GSource *delay;
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->start_key, json_node_unref);
  g_clear_pointer (&run->next_key, json_node_unref);
  g_free (run->hash);
  g_free (run->range);
  g_clear_pointer (&run->page, json_node_unref);
  g_clear_pointer (&run->writes, g_ptr_array_unref);
  g_clear_pointer (&run->pending, g_ptr_array_unref);
  if (run->delay)
    {
      g_source_destroy (run->delay);
      g_source_unref (run->delay);
    }
  g_free (run);
}

static void
migration_set_progress (DynamormDataMigration *self, guint64 done, guint64 total, gboolean emit)
{
  g_mutex_lock (&self->lock);
  self->done = done;
  self->total = MAX (total, done);
  total = self->total;
  g_mutex_unlock (&self->lock);
  if (emit)
    g_signal_emit (self, migration_signals[SIGNAL_PROGRESS], 0, done, total);
}

/* {"source": ..., "target": ..., "done": N, "next": {key} | "complete": true} */
static void
migration_save_checkpoint (DynamormDataMigration *self, guint64 done, JsonNode *next_key)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "source");
  json_builder_add_string_value (builder, self->source);
  json_builder_set_member_name (builder, "target");
  json_builder_add_string_value (builder, self->target);
  json_builder_set_member_name (builder, "done");
  json_builder_add_int_value (builder, (gint64) done);
  if (next_key)
    {
      json_builder_set_member_name (builder, "next");
      json_builder_add_value (builder, json_node_copy (next_key));
    }
  else
    {
      json_builder_set_member_name (builder, "complete");
      json_builder_add_boolean_value (builder, TRUE);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = ddb_json_to_string (root);

  g_mutex_lock (&self->lock);
  g_free (self->checkpoint);
  self->checkpoint = text;
  g_mutex_unlock (&self->lock);
}

/* Reads a checkpoint. *complete is TRUE for a finished migration. */
static gboolean
migration_load_checkpoint (DynamormDataMigration *self, const char *text, Run *run,
                           gboolean *complete, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  JsonNode *done, *next;
  const char *source, *target;

  *complete = FALSE;
  if (!ddb_json_load (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto bad;
  obj = json_node_get_object (json_parser_get_root (parser));
  source = _dynamorm_table_member_string (obj, "source");
  target = _dynamorm_table_member_string (obj, "target");
  if (g_strcmp0 (source, self->source) != 0 || g_strcmp0 (target, self->target) != 0)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_CURSOR,
                   _("The checkpoint belongs to a migration from “%s” to “%s”, not from “%s” to “%s”"),
                   source ? source : _("(none)"), target ? target : _("(none)"),
                   self->source, self->target);
      return FALSE;
    }
  done = json_object_get_member (obj, "done");
  next = json_object_get_member (obj, "next");
  if (done == NULL || !JSON_NODE_HOLDS_VALUE (done) || json_node_get_value_type (done) != G_TYPE_INT64 ||
      json_node_get_int (done) < 0)
    goto bad;
  run->page_base = (guint64) json_node_get_int (done);
  if (next != NULL && JSON_NODE_HOLDS_OBJECT (next))
    run->start_key = json_node_copy (next);
  else if (json_object_get_boolean_member_with_default (obj, "complete", FALSE))
    *complete = TRUE;
  else
    goto bad;
  return TRUE;

bad:
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_CURSOR,
               _("The checkpoint of the migration from “%s” to “%s” is damaged; start again without one "
                 "(items already written are overwritten, not duplicated)"),
               self->source, self->target);
  return FALSE;
}

static void migration_scan (GTask *task);
static void migration_write_next (GTask *task);

/* Stops the run with an error that says how far it got. */
static void
migration_fail (GTask *task, GError *error)
{
  DynamormDataMigration *self = g_task_get_source_object (task);
  g_autofree char *checkpoint = dynamorm_data_migration_get_checkpoint (self);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (&error, checkpoint ? _("Migrating items from “%s” to “%s” stopped; every page up to "
                                           "the checkpoint is written, resume from it: ")
                                       : _("Migrating items from “%s” to “%s” stopped before the first "
                                           "page was written: "),
                    self->source, self->target);
  self->running = FALSE;
  g_task_return_error (task, error);
}

/* What a failed call of the run was doing, to prefix its error with. */
typedef enum {
  CALL_WRITING,        /* no prefix: migration_fail says enough */
  CALL_SCANNING,
  CALL_COUNTING,
  CALL_DESCRIBING,     /* only a missing source table is prefixed */
} CallStep;

/* The answer to a call of the run, or NULL when the call failed: then the
 * run stops with its error, prefixed with what the step was doing. */
static JsonNode *
migration_answer (GTask        *task,
                  GObject      *source,
                  GAsyncResult *result,
                  CallStep      step)
{
  DynamormDataMigration *self = g_task_get_source_object (task);
  GError *error = NULL;
  JsonNode *response = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);

  if (response != NULL)
    return response;
  if (step == CALL_SCANNING)
    g_prefix_error (&error, _("Scanning “%s” failed: "), self->source);
  else if (step == CALL_COUNTING)
    g_prefix_error (&error, _("Counting the items of “%s” failed: "), self->source);
  else if (step == CALL_DESCRIBING && g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND))
    g_prefix_error (&error, _("The source table “%s” does not exist: "), self->source);
  migration_fail (task, error);
  return NULL;
}

static void
migration_page_done (GTask *task)
{
  DynamormDataMigration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  run->page_base += run->writes->len;
  migration_save_checkpoint (self, run->page_base, run->next_key);
  g_clear_pointer (&run->writes, g_ptr_array_unref);
  g_clear_pointer (&run->start_key, json_node_unref);
  run->start_key = g_steal_pointer (&run->next_key);
  if (run->start_key == NULL)
    {
      migration_set_progress (self, run->page_base, run->page_base, FALSE);
      self->running = FALSE;
      g_task_return_boolean (task, TRUE);
      return;
    }
  migration_scan (task);
}

static gboolean
migration_retry (gpointer data)
{
  g_autoptr(GTask) task = g_object_ref (data);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;


  g_clear_pointer (&run->delay, g_source_unref);
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    migration_fail (task, error);
  else
    migration_write_next (task);
  return G_SOURCE_REMOVE;
}

static void
migration_written_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormDataMigration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(JsonNode) response = migration_answer (task, source, result, CALL_WRITING);
  JsonArray *unprocessed;
  guint sent = run->pending->len;

  if (response == NULL)
    return;
  unprocessed = _dynamorm_table_member_array (_dynamorm_table_member_object (json_node_get_object (response),
                                                                            "UnprocessedItems"),
                                              self->target);
  g_clear_pointer (&run->pending, g_ptr_array_unref);
  if (unprocessed != NULL && json_array_get_length (unprocessed) > 0)
    {
      guint n = json_array_get_length (unprocessed);
      guint delay_ms;

      run->written += sent - MIN (n, sent);
      if (++run->attempt >= MAX_WRITE_ATTEMPTS)
        {
          migration_fail (task, g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED,
                                             _("%u items were still unprocessed by BatchWriteItem on “%s” "
                                               "after %u attempts; raise the table's write capacity or retry later"),
                                             n, self->target, run->attempt));
          return;
        }
      run->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (run->pending, json_node_copy (json_array_get_element (unprocessed, i)));
      delay_ms = MIN (50u << MIN (run->attempt, 6u), 2000u);
      delay_ms = delay_ms / 2 + g_random_int_range (0, delay_ms / 2 + 1);
      run->delay = g_timeout_source_new (delay_ms);
      g_source_set_callback (run->delay, migration_retry, g_object_ref (task), g_object_unref);
      g_source_attach (run->delay, g_task_get_context (task));
      migration_set_progress (self, run->page_base + run->written, self->total, TRUE);
      return;
    }
  run->written += sent;
  run->attempt = 0;
  migration_set_progress (self, run->page_base + run->written, self->total, TRUE);
  migration_write_next (task);
}

static void
migration_write_next (GTask *task)
{
  DynamormDataMigration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  JsonObject *request, *items;
  JsonNode *node;
  JsonArray *array;

  if (run->pending == NULL)
    {
      guint end = MIN (run->written + BATCH_WRITE_MAX, run->writes->len);

      if (run->written >= run->writes->len)
        {
          migration_page_done (task);
          return;
        }
      /* written counts items acknowledged; a retried batch is in pending. */
      run->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
      for (guint i = run->written; i < end; i++)
        g_ptr_array_add (run->pending, json_node_ref (g_ptr_array_index (run->writes, i)));
    }

  node = _dynamorm_table_object_node_new (&request);
  items = json_object_new ();
  array = json_array_new ();
  for (guint i = 0; i < run->pending->len; i++)
    json_array_add_element (array, json_node_ref (g_ptr_array_index (run->pending, i)));
  json_object_set_array_member (items, self->target, array);
  json_object_set_object_member (request, "RequestItems", items);
  _dynamorm_table_call (self->session, task, "BatchWriteItem", node, migration_written_cb);
}

static void migration_keys_ready (GObject *source, GAsyncResult *result, gpointer user_data);
static void migration_convert_page (GTask *task, JsonNode *response);

static void
migration_scanned_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormDataMigration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(JsonNode) response = migration_answer (task, source, result, CALL_SCANNING);
  const DynamormSchema *schema;
  JsonArray *items;

  if (response == NULL)
    return;
  items = _dynamorm_table_member_array (json_node_get_object (response), "Items");
  if (items == NULL)
    {
      migration_fail (task, g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                                         _("Scan answered without Items")));
      return;
    }
  /* Sealing the page for the target needs a data key: with KMS, it is
   * made in a worker thread first. */
  schema = self->encrypted_model != G_TYPE_INVALID ? _dynamorm_schema_get (self->encrypted_model, FALSE, NULL)
                                                   : NULL;
  if (schema != NULL &&
      _dynamorm_session_warm_keys_async (self->session, schema->n_encrypted * json_array_get_length (items),
                                         g_task_get_cancellable (task), migration_keys_ready, task))
    {
      run->page = g_steal_pointer (&response);
      g_steal_pointer (&task);   /* migration_keys_ready's */
      return;
    }
  migration_convert_page (task, response);
}

static void
migration_keys_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormDataMigration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(JsonNode) page = g_steal_pointer (&run->page);
  GError *error = NULL;

  if (_dynamorm_session_warm_keys_finish (self->session, result, g_type_name (self->encrypted_model), &error))
    migration_convert_page (task, page);
  else
    migration_fail (task, error);
}

/* Converts the page answered by a Scan and starts writing it. */
static void
migration_convert_page (GTask *task, JsonNode *response)
{
  DynamormDataMigration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  JsonObject *obj = json_node_get_object (response);
  JsonArray *items = _dynamorm_table_member_array (obj, "Items");
  JsonNode *next = json_object_get_member (obj, "LastEvaluatedKey");

  /* Transform the whole page before writing any of it. */
  run->writes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      g_autoptr(JsonNode) out = NULL;
      JsonObject *put, *write;
      JsonNode *write_node;

      if (self->transform || self->encrypted_model != G_TYPE_INVALID)
        {
          GError *transform_error = NULL;

          out = migration_convert (self, item, &transform_error);
          if (out == NULL)
            {
              g_autofree char *key = _dynamorm_table_describe_key (json_node_get_object (item), run->hash, run->range);

              g_prefix_error (&transform_error, _("The transform failed on the item with %s: "), key);
              migration_fail (task, transform_error);
              return;
            }
        }
      else
        out = json_node_ref (item);

      write_node = _dynamorm_table_object_node_new (&write);
      put = json_object_new ();
      json_object_set_member (put, "Item", g_steal_pointer (&out));
      json_object_set_object_member (write, "PutRequest", put);
      g_ptr_array_add (run->writes, write_node);
    }
  run->next_key = next && JSON_NODE_HOLDS_OBJECT (next) ? json_node_copy (next) : NULL;
  run->written = 0;
  run->attempt = 0;
  migration_write_next (task);
}

static void
migration_scan (GTask *task)
{
  DynamormDataMigration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  JsonObject *request;
  JsonNode *node = _dynamorm_table_request_new (self->source, &request);

  json_object_set_boolean_member (request, "ConsistentRead", TRUE);
  if (self->page_size > 0)
    json_object_set_int_member (request, "Limit", self->page_size);
  if (run->start_key)
    json_object_set_member (request, "ExclusiveStartKey", json_node_copy (run->start_key));
  if (self->encrypted_model == G_TYPE_INVALID)
    {
      _dynamorm_table_call (self->session, task, "Scan", node, migration_scanned_cb);
      return;
    }
  /* The page's values are opened: with KMS, Decrypt runs in a worker thread. */
  _dynamorm_session_call_items_async (self->session, "Scan", node, g_task_get_cancellable (task), migration_scanned_cb,
                                      g_object_ref (task));
  json_node_unref (node);
}

static void
migration_counted_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormDataMigration *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) response = migration_answer (task, source, result, CALL_COUNTING);
  JsonObject *obj, *request;
  JsonNode *next, *node;

  if (response == NULL)
    return;
  obj = json_node_get_object (response);
  g_mutex_lock (&self->lock);
  self->total += (guint64) json_object_get_int_member_with_default (obj, "Count", 0);
  g_mutex_unlock (&self->lock);
  next = json_object_get_member (obj, "LastEvaluatedKey");
  if (next == NULL || !JSON_NODE_HOLDS_OBJECT (next))
    {
      Run *run = g_task_get_task_data (task);

      migration_set_progress (self, run->page_base, self->total, TRUE);
      migration_scan (task);
      return;
    }
  node = _dynamorm_table_request_new (self->source, &request);
  json_object_set_string_member (request, "Select", "COUNT");
  json_object_set_member (request, "ExclusiveStartKey", json_node_copy (next));
  _dynamorm_table_call (self->session, task, "Scan", node, migration_counted_cb);
}

static void
migration_described_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormDataMigration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(JsonNode) response = migration_answer (task, source, result, CALL_DESCRIBING);
  JsonObject *table;

  if (response == NULL)
    return;
  table = _dynamorm_table_member_object (json_node_get_object (response), "Table");
  run->hash = g_strdup (_dynamorm_table_key_schema_attribute (table, "HASH"));
  run->range = g_strdup (_dynamorm_table_key_schema_attribute (table, "RANGE"));

  if (self->exact_total)
    {
      JsonObject *request;
      JsonNode *node = _dynamorm_table_request_new (self->source, &request);

      g_mutex_lock (&self->lock);
      self->total = 0;
      g_mutex_unlock (&self->lock);
      json_object_set_string_member (request, "Select", "COUNT");
      _dynamorm_table_call (self->session, task, "Scan", node, migration_counted_cb);
      return;
    }
  migration_set_progress (self, run->page_base,
                          (guint64) MAX (json_object_get_int_member_with_default (table, "ItemCount", 0), 0),
                          TRUE);
  migration_scan (task);
}

/**
 * dynamorm_data_migration_run_async:
 * @self: a #DynamormDataMigration
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when every item is written
 * @user_data: data for @callback
 *
 * Runs the migration; see [method@Dynamorm.DataMigration.run].
 */
void
dynamorm_data_migration_run_async (DynamormDataMigration *self,
                                   GCancellable          *cancellable,
                                   GAsyncReadyCallback    callback,
                                   gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *checkpoint = NULL;
  GError *error = NULL;
  JsonObject *request;
  Run *run;

  g_return_if_fail (DYNAMORM_IS_DATA_MIGRATION (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_data_migration_run_async);
  if (self->running)
    {
      g_task_return_new_error (task, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                               _("The migration from “%s” to “%s” is already running"),
                               self->source, self->target);
      return;
    }
  run = g_new0 (Run, 1);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  checkpoint = dynamorm_data_migration_get_checkpoint (self);
  if (checkpoint != NULL)
    {
      gboolean complete;

      if (!migration_load_checkpoint (self, checkpoint, run, &complete, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      if (complete)
        {
          migration_set_progress (self, run->page_base, run->page_base, TRUE);
          g_task_return_boolean (task, TRUE);
          return;
        }
    }
  migration_set_progress (self, run->page_base, 0, FALSE);
  self->running = TRUE;
  _dynamorm_table_call (self->session, task, "DescribeTable", _dynamorm_table_request_new (self->source, &request),
                        migration_described_cb);
}

/**
 * dynamorm_data_migration_run_finish:
 * @self: a #DynamormDataMigration
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.DataMigration.run_async].
 *
 * Returns: %TRUE when every item is written
 */
DYNAMORM_DEFINE_CHECKED_FINISH_BOOLEAN (dynamorm_data_migration_run_finish, DynamormDataMigration,
                                        DYNAMORM_IS_DATA_MIGRATION,
                                        dynamorm_data_migration_run_async)

/**
 * dynamorm_data_migration_run:
 * @self: a #DynamormDataMigration
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Copies the source's items to the target, from the checkpoint if one is
 * set, emitting [signal@Dynamorm.DataMigration::progress] as it goes. On
 * error (including cancellation) the checkpoint says what is written:
 * save it and resume with it.
 *
 * Returns: %TRUE when every item is written
 */
DYNAMORM_DEFINE_BLOCKING (gboolean, dynamorm_data_migration_run, DynamormDataMigration,
                          DYNAMORM_IS_DATA_MIGRATION, FALSE, dynamorm_data_migration_run_async,
                          dynamorm_data_migration_run_finish)
