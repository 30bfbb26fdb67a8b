/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-batch-write.c: writing and deleting many items, as a builder
 * (DynamormBatchWrite) and in the options form
 * (dynamorm_session_batch_write); runs on the batch engine
 * (dynamorm-batch-run.c). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-batch-run-private.h"
#include "dynamorm-batch-private.h"
#include "dynamorm-write-private.h"
#include "dynamorm-sync-private.h"
#include "dynamorm-session-private.h"
#include "dynamorm-accessors-private.h"

/**
 * DynamormBatchWrite:
 *
 * Writes many items, of one model type or several, with puts and deletes
 * mixed: the builder form of a batch write (see
 * [method@Dynamorm.Session.batch_write] for the options form).
 *
 * The writes are sent in chunks of at most 25 (BatchWriteItem's limit), up
 * to [property@Dynamorm.BatchOptions:max-concurrency] chunks at once;
 * items DynamoDB leaves unprocessed are sent again under the retry policy.
 * A batch write is not a transaction: each item is written or not on its
 * own, without conditions (version properties are written as they are; use
 * a [class@Dynamorm.Transaction] for conditional or all-or-nothing writes).
 *
 * A put replaces the whole item, as DynamoDB's BatchWriteItem can only do:
 * `updated_at` is set to now, and `created_at` to the model's value, or to
 * now when the model has none, which overwrites the `created_at` of an
 * item that exists. To keep a stored `created_at`, write the item with
 * [method@Dynamorm.Session.put] or in a transaction. Models whose put was
 * written hold the values stored after the run.
 *
 * Nothing is dropped silently: after a run, every item whose write was not
 * confirmed by DynamoDB (its chunk failed, it stayed unprocessed after the
 * last attempt, or it was never sent because the batch stopped) is listed
 * by [method@Dynamorm.BatchWrite.get_unwritten_puts] or
 * [method@Dynamorm.BatchWrite.get_unwritten_deletes].
 *
 * Two writes of one item (the same table and key) in one batch are refused
 * with %DYNAMORM_ERROR_INVALID_ARGUMENT before anything is sent: DynamoDB
 * refuses them within one request ("Provided list of item keys contains
 * duplicates"), and across chunks sent in parallel their order would be
 * undefined. Write such items in two batches, one after the other.
 */
struct _DynamormBatchWrite
{
  GObject parent_instance;

  DynamormSession *session;
  GPtrArray *models;            /* of DynamormModel* */
  GArray *deletes;              /* of gboolean, parallel to models */
  DynamormBatchOptions *options;
  GPtrArray *unwritten_puts;
  GPtrArray *unwritten_deletes;
};

G_DEFINE_FINAL_TYPE (DynamormBatchWrite, dynamorm_batch_write, G_TYPE_OBJECT)

static void
dynamorm_batch_write_finalize (GObject *object)
{
  DynamormBatchWrite *self = DYNAMORM_BATCH_WRITE (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->models, g_ptr_array_unref);
  g_clear_pointer (&self->deletes, g_array_unref);
  g_clear_object (&self->options);
  g_clear_pointer (&self->unwritten_puts, g_ptr_array_unref);
  g_clear_pointer (&self->unwritten_deletes, g_ptr_array_unref);

  G_OBJECT_CLASS (dynamorm_batch_write_parent_class)->finalize (object);
}

static void
dynamorm_batch_write_class_init (DynamormBatchWriteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_batch_write_finalize;
}

static void
dynamorm_batch_write_init (DynamormBatchWrite *self)
{
  self->models = g_ptr_array_new_with_free_func (g_object_unref);
  self->deletes = g_array_new (FALSE, FALSE, sizeof (gboolean));
  self->options = dynamorm_batch_options_new ();
  self->unwritten_puts = g_ptr_array_new_with_free_func (g_object_unref);
  self->unwritten_deletes = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * dynamorm_batch_write_new:
 * @session: a #DynamormSession
 *
 * Creates an empty batch write.
 *
 * Returns: (transfer full): a new batch write
 */
DynamormBatchWrite *
dynamorm_batch_write_new (DynamormSession *session)
{
  DynamormBatchWrite *self;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);

  self = g_object_new (DYNAMORM_TYPE_BATCH_WRITE, NULL);
  self->session = g_object_ref (session);
  return self;
}

static void
batch_write_add (DynamormBatchWrite *self, DynamormModel *model, gboolean is_delete)
{
  g_ptr_array_add (self->models, g_object_ref (model));
  g_array_append_val (self->deletes, is_delete);
}

/* add_put and add_delete, under their gi-docgen comments:
 *
 *   DEFINE_ADD_WRITE (dynamorm_batch_write_add_put, FALSE)
 *
 * defines
 *
 *   void
 *   dynamorm_batch_write_add_put (DynamormBatchWrite *self, DynamormModel *model)
 *   {
 *     g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));
 *     g_return_if_fail (DYNAMORM_IS_MODEL (model));
 *     batch_write_add (self, model, FALSE);
 *   }
 */
#define DEFINE_ADD_WRITE(function, is_delete)                    \
  void                                                         \
  function (DynamormBatchWrite *self, DynamormModel *model)    \
  {                                                            \
    g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));         \
    g_return_if_fail (DYNAMORM_IS_MODEL (model));              \
    batch_write_add (self, model, is_delete);                  \
  }

/**
 * dynamorm_batch_write_add_put:
 * @self: a #DynamormBatchWrite
 * @model: the model to store, replacing any item with its key
 *
 * Adds a put. The item is taken from the model when the batch runs, with
 * `updated_at` set to now and `created_at` to the model's value or now:
 * the put replaces the whole item, including a stored `created_at` (see
 * [class@Dynamorm.BatchWrite]).
 */
DEFINE_ADD_WRITE (dynamorm_batch_write_add_put, FALSE)

/**
 * dynamorm_batch_write_add_delete:
 * @self: a #DynamormBatchWrite
 * @model: a model whose key properties name the item to delete
 *
 * Adds a delete. Deleting an item that does not exist succeeds.
 */
DEFINE_ADD_WRITE (dynamorm_batch_write_add_delete, TRUE)

/**
 * dynamorm_batch_write_get_n_items:
 * @self: a #DynamormBatchWrite
 *
 * Gets how many puts and deletes the batch holds.
 *
 * Returns: the number of writes
 */
guint
dynamorm_batch_write_get_n_items (DynamormBatchWrite *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_WRITE (self), 0);
  return self->models->len;
}

/**
 * dynamorm_batch_write_get_options:
 * @self: a #DynamormBatchWrite
 *
 * Gets the options the batch runs with, to read or change them.
 *
 * Returns: (transfer none): the options
 */
DYNAMORM_DEFINE_GETTER (DynamormBatchOptions *, dynamorm_batch_write_get_options,
                        DynamormBatchWrite, DYNAMORM_IS_BATCH_WRITE, options, NULL)

/**
 * dynamorm_batch_write_set_options:
 * @self: a #DynamormBatchWrite
 * @options: the options to run with
 *
 * Makes the batch run with @options, which it shares: the setters of the
 * builder change @options from then on.
 */
DYNAMORM_DEFINE_OBJECT_SETTER (dynamorm_batch_write_set_options, DynamormBatchWrite,
                               DYNAMORM_IS_BATCH_WRITE, DynamormBatchOptions,
                               DYNAMORM_IS_BATCH_OPTIONS, options, options)

/**
 * dynamorm_batch_write_set_chunk_size:
 * @self: a #DynamormBatchWrite
 * @chunk_size: the most writes per request, 0 for 25
 *
 * See [property@Dynamorm.BatchOptions:chunk-size].
 */
DYNAMORM_DEFINE_OPTIONS_SETTER (dynamorm_batch_write_set_chunk_size, DynamormBatchWrite,
                                DYNAMORM_IS_BATCH_WRITE, guint, chunk_size,
                                dynamorm_batch_options_set_chunk_size)

/**
 * dynamorm_batch_write_set_max_concurrency:
 * @self: a #DynamormBatchWrite
 * @max_concurrency: the most requests in flight at once
 *
 * See [property@Dynamorm.BatchOptions:max-concurrency].
 */
DYNAMORM_DEFINE_OPTIONS_SETTER (dynamorm_batch_write_set_max_concurrency, DynamormBatchWrite,
                                DYNAMORM_IS_BATCH_WRITE, guint, max_concurrency,
                                dynamorm_batch_options_set_max_concurrency)

/**
 * dynamorm_batch_write_set_retry_policy:
 * @self: a #DynamormBatchWrite
 * @policy: (nullable): the retry policy for unprocessed items, or %NULL to
 *   fail fast
 *
 * See [property@Dynamorm.BatchOptions:retry-policy].
 */
DYNAMORM_DEFINE_OPTIONS_SETTER (dynamorm_batch_write_set_retry_policy, DynamormBatchWrite,
                                DYNAMORM_IS_BATCH_WRITE, DynamormRetryPolicy *, policy,
                                dynamorm_batch_options_set_retry_policy)

/**
 * dynamorm_batch_write_set_progress_func:
 * @self: a #DynamormBatchWrite
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called with (done, total) writes after each answered request
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * See [method@Dynamorm.BatchOptions.set_progress_func].
 */
DYNAMORM_DEFINE_OPTIONS_FUNC_SETTER (dynamorm_batch_write_set_progress_func, DynamormBatchWrite,
                                     DYNAMORM_IS_BATCH_WRITE, DynamormBatchProgressFunc,
                                     dynamorm_batch_options_set_progress_func)

/**
 * dynamorm_batch_write_set_chunk_error_func:
 * @self: a #DynamormBatchWrite
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called when a chunk fails; returns %TRUE to skip it, %FALSE to stop
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * See [method@Dynamorm.BatchOptions.set_chunk_error_func].
 */
DYNAMORM_DEFINE_OPTIONS_FUNC_SETTER (dynamorm_batch_write_set_chunk_error_func, DynamormBatchWrite,
                                     DYNAMORM_IS_BATCH_WRITE, DynamormBatchChunkErrorFunc,
                                     dynamorm_batch_options_set_chunk_error_func)

/* A unit whose type may take the direct path goes packed; FALSE when it
 * cannot (its JSON request then says why, or carries it). */
static gboolean
unit_pack (BatchRun *run, Unit *unit)
{
  GByteArray *out = _dynamorm_batch_run_scratch (run, unit);

  if (out == NULL || (unit->is_delete ? !_dynamorm_model_pack_key (unit->payload, unit->schema, out)
                      : !_dynamorm_model_pack (unit->payload, unit->schema, NULL, unit->table, out)))
    return FALSE;
  return _dynamorm_batch_run_pack_unit (run, unit);
}

/* The JSON request of unit: the model's item (stamped, sealed) or key. */
static gboolean
unit_build_json (DynamormBatchWrite *self, BatchRun *run, Unit *unit, GDateTime *now, GError **error)
{
  DynamormModel *model = unit->payload;
  g_autoptr(JsonNode) body = NULL;

  body = unit->is_delete ? dynamorm_model_get_key (model, error) : dynamorm_model_to_item (model, error);
  /* A put replaces the whole item and cannot keep the stored
   * created_at (no conditions, no updates in a batch): updated_at is
   * now, created_at the model's or now; the version as it is. */
  if (body != NULL && !unit->is_delete &&
      (!_dynamorm_put_stamp_item (unit->schema, model, json_node_get_object (body), NULL, now, &unit->after, error) ||
       !_dynamorm_session_seal_item (self->session, unit->schema, unit->table, json_node_get_object (body), error)))
    g_clear_pointer (&body, json_node_unref);
  if (body == NULL)
    {
      g_prefix_error (error, _("%s %u of the batch write: "), unit->is_delete ? _("Delete") : _("Put"),
                      unit->position);
      return FALSE;
    }
  unit->fingerprint = _dynamorm_item_fingerprint (unit->table, unit->schema, json_node_get_object (body));
  _dynamorm_batch_run_set_request (run, unit, g_steal_pointer (&body));
  return TRUE;
}

static BatchRun *
build_batch_write (DynamormBatchWrite *self, GError **error)
{
  g_autoptr(BatchRun) run = _dynamorm_batch_run_new (self->session, self->options, TRUE);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  for (guint i = 0; i < self->models->len; i++)
    {
      DynamormModel *model = self->models->pdata[i];
      GType type = G_OBJECT_TYPE (model);
      const DynamormSchema *schema = _dynamorm_schema_get (type, TRUE, error);
      g_autoptr(Unit) unit = NULL;
      Unit *other;

      if (schema == NULL)
        return NULL;
      unit = _dynamorm_batch_unit_new (run, i, type, schema, model);
      unit->is_delete = g_array_index (self->deletes, gboolean, i);
      if (!unit_pack (run, unit) && !unit_build_json (self, run, unit, now, error))
        return NULL;

      if ((other = g_hash_table_lookup (run->by_fingerprint, unit->fingerprint)) != NULL)
        {
          g_autoptr(JsonNode) key = dynamorm_model_get_key (model, NULL);
          g_autofree char *text = key ? _dynamorm_describe_key_object (json_node_get_object (key)) : NULL;

          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("Writes %u and %u of the batch write are both about the item with %s in table “%s”; "
                         "DynamoDB cannot order two writes of one item in a batch: keep one, or write them "
                         "in two batches"),
                       other->position, i, text ? text : "?", unit->table);
          return NULL;
        }
      g_hash_table_insert (run->by_fingerprint, unit->fingerprint, unit);
      g_ptr_array_add (run->units, g_steal_pointer (&unit));
    }
  return g_steal_pointer (&run);
}

/**
 * dynamorm_batch_write_execute:
 * @self: a #DynamormBatchWrite
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Writes the items, blocking the calling thread (the requests run on a
 * private main context, in parallel as the options allow; the progress
 * and chunk error functions are called in this thread).
 *
 * Returns %FALSE with the first failed chunk's error unless the chunk
 * error hook skipped it; a model that cannot be stored, or two writes of
 * one item, are reported before anything is sent. Either way, the items
 * not written are listed by
 * [method@Dynamorm.BatchWrite.get_unwritten_puts] and
 * [method@Dynamorm.BatchWrite.get_unwritten_deletes]; when the hook skipped
 * failed chunks, this returns %TRUE and they are listed there too.
 *
 * Returns: %TRUE if the batch ran to its end
 */
DYNAMORM_DEFINE_BLOCKING (gboolean, dynamorm_batch_write_execute, DynamormBatchWrite,
                          DYNAMORM_IS_BATCH_WRITE, FALSE, dynamorm_batch_write_execute_async,
                          dynamorm_batch_write_execute_finish)

/* How many encrypted values the puts seal. */
static guint
n_sealed (DynamormBatchWrite *self)
{
  const DynamormSchema *schema = NULL;
  GType type = G_TYPE_INVALID;
  guint n = 0;

  for (guint i = 0; i < self->models->len; i++)
    {
      /* Batches mostly hold one type: one schema lookup per run of it. */
      if (G_OBJECT_TYPE (self->models->pdata[i]) != type)
        schema = _dynamorm_schema_get ((type = G_OBJECT_TYPE (self->models->pdata[i])), FALSE, NULL);
      if (schema != NULL && !g_array_index (self->deletes, gboolean, i))
        n += schema->n_encrypted;
    }
  return n;
}

/* An execute_async waiting for its data key. */
typedef struct {
  DynamormBatchWrite *self;
  GCancellable *cancellable;
  GAsyncReadyCallback callback;
  gpointer user_data;
} PendingRun;

/* Builds the run (its data key at hand) and starts it, or reports error
 * (the data key could not be made). Frees p. */
static void
run_start (PendingRun *p, GError *error)
{
  DynamormBatchWrite *self = p->self;
  BatchRun *run = error == NULL ? build_batch_write (self, &error) : NULL;

  if (run == NULL)
    {
      /* Nothing was sent: nothing was written. */
      for (guint i = 0; i < self->models->len; i++)
        g_ptr_array_add (g_array_index (self->deletes, gboolean, i) ? self->unwritten_deletes
                                                                    : self->unwritten_puts,
                         g_object_ref (self->models->pdata[i]));
    }
  _dynamorm_batch_run_start (self, run, error, dynamorm_batch_write_execute_async,
                             p->cancellable, p->callback, p->user_data);
  g_object_unref (p->self);
  g_clear_object (&p->cancellable);
  g_free (p);
}

static void
run_keys_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PendingRun *p = user_data;
  GError *error = NULL;

  _dynamorm_session_warm_keys_finish (p->self->session, result, _("the batch write"), &error);
  run_start (p, error);
}

/**
 * dynamorm_batch_write_execute_async:
 * @self: a #DynamormBatchWrite
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when every write is answered or the
 *   batch stopped
 * @user_data: data for @callback
 *
 * Writes the items; see [method@Dynamorm.BatchWrite.execute].
 */
void
dynamorm_batch_write_execute_async (DynamormBatchWrite  *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  PendingRun *p;

  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));

  g_ptr_array_set_size (self->unwritten_puts, 0);
  g_ptr_array_set_size (self->unwritten_deletes, 0);
  p = g_new0 (PendingRun, 1);
  p->self = g_object_ref (self);
  p->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  p->callback = callback;
  p->user_data = user_data;
  if (!_dynamorm_session_warm_keys_async (self->session, n_sealed (self), cancellable, run_keys_ready, p))
    run_start (p, NULL);
}

/**
 * dynamorm_batch_write_execute_finish:
 * @self: a #DynamormBatchWrite
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.BatchWrite.execute_async].
 *
 * Returns: %TRUE if the batch ran to its end
 */
gboolean
dynamorm_batch_write_execute_finish (DynamormBatchWrite  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  BatchRun *run;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dynamorm_batch_write_execute_async, FALSE);

  run = g_task_get_task_data (G_TASK (result));
  if (run != NULL)
    for (guint i = 0; i < run->units->len; i++)
      {
        Unit *unit = run->units->pdata[i];

        if (unit->state != UNIT_DONE)
          g_ptr_array_add (unit->is_delete ? self->unwritten_deletes : self->unwritten_puts,
                           g_object_ref (unit->payload));
        else
          _dynamorm_after_set_apply (unit->after, unit->payload);
      }
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * dynamorm_batch_write_get_unwritten_puts:
 * @self: a #DynamormBatchWrite
 *
 * Gets the models of the last run whose put was not confirmed, in the
 * order they were added.
 *
 * Returns: (transfer none) (element-type DynamormModel): the models
 */
DYNAMORM_DEFINE_GETTER (GPtrArray *, dynamorm_batch_write_get_unwritten_puts,
                        DynamormBatchWrite, DYNAMORM_IS_BATCH_WRITE, unwritten_puts, NULL)

/**
 * dynamorm_batch_write_get_unwritten_deletes:
 * @self: a #DynamormBatchWrite
 *
 * Gets the models of the last run whose delete was not confirmed, in the
 * order they were added.
 *
 * Returns: (transfer none) (element-type DynamormModel): the models
 */
DYNAMORM_DEFINE_GETTER (GPtrArray *, dynamorm_batch_write_get_unwritten_deletes,
                        DynamormBatchWrite, DYNAMORM_IS_BATCH_WRITE, unwritten_deletes, NULL)

static DynamormBatchWrite *
session_batch_write_new (DynamormSession *self, DynamormModel **puts, guint n_puts,
                         DynamormModel **deletes, guint n_deletes, DynamormBatchOptions *options)
{
  DynamormBatchWrite *write = dynamorm_batch_write_new (self);

  for (guint i = 0; i < n_puts; i++)
    dynamorm_batch_write_add_put (write, puts[i]);
  for (guint i = 0; i < n_deletes; i++)
    dynamorm_batch_write_add_delete (write, deletes[i]);
  if (options != NULL)
    dynamorm_batch_write_set_options (write, options);
  return write;
}

static GPtrArray *
unwritten_of (DynamormBatchWrite *write)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < write->unwritten_puts->len; i++)
    g_ptr_array_add (all, g_object_ref (write->unwritten_puts->pdata[i]));
  for (guint i = 0; i < write->unwritten_deletes->len; i++)
    g_ptr_array_add (all, g_object_ref (write->unwritten_deletes->pdata[i]));
  return all;
}

/**
 * dynamorm_session_batch_write:
 * @self: a #DynamormSession
 * @puts: (array length=n_puts) (nullable): models to store
 * @n_puts: the number of @puts
 * @deletes: (array length=n_deletes) (nullable): models whose items to delete
 * @n_deletes: the number of @deletes
 * @options: (nullable): how to run, or %NULL for the defaults
 * @unwritten: (out) (optional) (transfer container) (element-type DynamormModel):
 *   return location for the models whose write was not confirmed (puts
 *   first, then deletes), on success and on error alike
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Writes many items: the options form of a batch write. See
 * [class@Dynamorm.BatchWrite] for how it runs, and for the timestamps: a
 * put replaces the whole item, `created_at` included.
 *
 * Returns: %TRUE if the batch ran to its end
 */
gboolean
dynamorm_session_batch_write (DynamormSession       *self,
                              DynamormModel        **puts,
                              guint                  n_puts,
                              DynamormModel        **deletes,
                              guint                  n_deletes,
                              DynamormBatchOptions  *options,
                              GPtrArray            **unwritten,
                              GCancellable          *cancellable,
                              GError               **error)
{
  g_autoptr(DynamormBatchWrite) write = NULL;
  gboolean ok;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);
  g_return_val_if_fail (options == NULL || DYNAMORM_IS_BATCH_OPTIONS (options), FALSE);

  write = session_batch_write_new (self, puts, n_puts, deletes, n_deletes, options);
  ok = dynamorm_batch_write_execute (write, cancellable, error);
  if (unwritten != NULL)
    *unwritten = unwritten_of (write);
  return ok;
}

static void
session_batch_write_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!dynamorm_batch_write_execute_finish (DYNAMORM_BATCH_WRITE (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * dynamorm_session_batch_write_async:
 * @self: a #DynamormSession
 * @puts: (array length=n_puts) (nullable): models to store
 * @n_puts: the number of @puts
 * @deletes: (array length=n_deletes) (nullable): models whose items to delete
 * @n_deletes: the number of @deletes
 * @options: (nullable): how to run, or %NULL for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the batch is done
 * @user_data: data for @callback
 *
 * Writes many items; see [method@Dynamorm.Session.batch_write].
 */
void
dynamorm_session_batch_write_async (DynamormSession       *self,
                                    DynamormModel        **puts,
                                    guint                  n_puts,
                                    DynamormModel        **deletes,
                                    guint                  n_deletes,
                                    DynamormBatchOptions  *options,
                                    GCancellable          *cancellable,
                                    GAsyncReadyCallback    callback,
                                    gpointer               user_data)
{
  g_autoptr(DynamormBatchWrite) write = NULL;
  GTask *task;

  g_return_if_fail (DYNAMORM_IS_SESSION (self));
  g_return_if_fail (options == NULL || DYNAMORM_IS_BATCH_OPTIONS (options));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_session_batch_write_async);
  write = session_batch_write_new (self, puts, n_puts, deletes, n_deletes, options);
  g_task_set_task_data (task, g_object_ref (write), g_object_unref);
  dynamorm_batch_write_execute_async (write, cancellable, session_batch_write_cb, task);
}

/**
 * dynamorm_session_batch_write_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @unwritten: (out) (optional) (transfer container) (element-type DynamormModel):
 *   return location for the models whose write was not confirmed
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.batch_write_async].
 *
 * Returns: %TRUE if the batch ran to its end
 */
gboolean
dynamorm_session_batch_write_finish (DynamormSession  *self,
                                     GAsyncResult     *result,
                                     GPtrArray       **unwritten,
                                     GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dynamorm_session_batch_write_async, FALSE);

  if (unwritten != NULL)
    *unwritten = unwritten_of (g_task_get_task_data (G_TASK (result)));
  return g_task_propagate_boolean (G_TASK (result), error);
}
