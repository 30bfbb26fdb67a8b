/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-batch-get.c: reading many items by key, as a builder
 * (DynamormBatchGet) and in the options form (dynamorm_session_batch_get);
 * runs on the batch engine (dynamorm-batch-run.c). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-batch-run-private.h"
#include "ddb-packed.h"
#include "dynamorm-batch-private.h"
#include "dynamorm-single-table-private.h"
#include "dynamorm-sync-private.h"
#include "dynamorm-accessors-private.h"

/**
 * DynamormBatchGet:
 *
 * Reads many items of one model type by their keys: the builder form of a
 * batch get (see [method@Dynamorm.Session.batch_get] for the options
 * form).
 *
 * ```c
 * g_autoptr(DynamormBatchGet) get = dynamorm_batch_get_new (session, MY_TYPE_INVOICE);
 * g_autoptr(GPtrArray) invoices = NULL;
 *
 * dynamorm_batch_get_add_keys (get, keys, n_keys);
 * dynamorm_batch_get_set_consistent_read (get, TRUE);
 * dynamorm_batch_get_set_max_concurrency (get, 8);
 * invoices = dynamorm_batch_get_execute (get, NULL, &error);
 * ```
 *
 * The keys are sent in chunks of at most 100 (BatchGetItem's limit), up to
 * [property@Dynamorm.BatchOptions:max-concurrency] chunks at once; keys
 * DynamoDB leaves unprocessed are sent again under the retry policy. The
 * models come back in the order of the keys. Items that do not exist are
 * skipped and listed by [method@Dynamorm.BatchGet.get_missing_keys]; keys
 * of chunks that failed (and that the chunk error hook skipped, or that
 * were never sent because the batch stopped) are listed by
 * [method@Dynamorm.BatchGet.get_failed_keys]. A key given twice is read
 * once and its model appears once, at its first position.
 *
 * A builder runs once at a time; run it again to repeat the batch.
 */
struct _DynamormBatchGet
{
  GObject parent_instance;

  DynamormSession *session;
  GType model_type;
  GPtrArray *keys;              /* of DynamormKey* */
  GArray *key_types;            /* GType of each key (mixed-type batches) */
  DynamormBatchOptions *options;
  GPtrArray *missing;
  GPtrArray *failed;
};

G_DEFINE_FINAL_TYPE (DynamormBatchGet, dynamorm_batch_get, G_TYPE_OBJECT)

static void
dynamorm_batch_get_finalize (GObject *object)
{
  DynamormBatchGet *self = DYNAMORM_BATCH_GET (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->keys, g_ptr_array_unref);
  g_clear_pointer (&self->key_types, g_array_unref);
  g_clear_object (&self->options);
  g_clear_pointer (&self->missing, g_ptr_array_unref);
  g_clear_pointer (&self->failed, g_ptr_array_unref);

  G_OBJECT_CLASS (dynamorm_batch_get_parent_class)->finalize (object);
}

static void
dynamorm_batch_get_class_init (DynamormBatchGetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_batch_get_finalize;
}

static void
dynamorm_batch_get_init (DynamormBatchGet *self)
{
  self->keys = g_ptr_array_new_with_free_func ((GDestroyNotify) dynamorm_key_unref);
  self->key_types = g_array_new (FALSE, FALSE, sizeof (GType));
  self->options = dynamorm_batch_options_new ();
  self->missing = g_ptr_array_new_with_free_func ((GDestroyNotify) dynamorm_key_unref);
  self->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) dynamorm_key_unref);
}

/**
 * dynamorm_batch_get_new:
 * @session: a #DynamormSession
 * @model_type: the #DynamormModel subtype of the items
 *
 * Creates a batch get of items of @model_type.
 *
 * Returns: (transfer full): a new batch get
 */
DynamormBatchGet *
dynamorm_batch_get_new (DynamormSession *session,
                        GType            model_type)
{
  DynamormBatchGet *self;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);
  g_return_val_if_fail (g_type_is_a (model_type, DYNAMORM_TYPE_MODEL), NULL);

  self = g_object_new (DYNAMORM_TYPE_BATCH_GET, NULL);
  self->session = g_object_ref (session);
  self->model_type = model_type;
  return self;
}

/**
 * dynamorm_batch_get_add_key:
 * @self: a #DynamormBatchGet
 * @key: the key of an item to read
 *
 * Adds a key to read.
 */
void
dynamorm_batch_get_add_key (DynamormBatchGet *self,
                            DynamormKey      *key)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  g_return_if_fail (key != NULL);

  dynamorm_batch_get_add_key_for_type (self, self->model_type, key);
}

/**
 * dynamorm_batch_get_add_key_for_type:
 * @self: a #DynamormBatchGet
 * @model_type: the #DynamormModel subtype of the item
 * @key: the key of an item of @model_type to read
 *
 * Adds a key of another model type than the batch's, so that one batch
 * reads items of several types, of one table (single-table design) or of
 * several. Each item comes back as an instance of its own type: the type
 * whose entity name the item's entity attribute holds, among the types of
 * the batch that share its table, else @model_type.
 *
 * A projection (dynamorm_batch_get_set_projection()) names properties of
 * the batch's own type and is refused for batches of several types.
 */
void
dynamorm_batch_get_add_key_for_type (DynamormBatchGet *self,
                                     GType             model_type,
                                     DynamormKey      *key)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  g_return_if_fail (g_type_is_a (model_type, DYNAMORM_TYPE_MODEL));
  g_return_if_fail (key != NULL);

  g_ptr_array_add (self->keys, dynamorm_key_ref (key));
  g_array_append_val (self->key_types, model_type);
}

/**
 * dynamorm_batch_get_add_keys:
 * @self: a #DynamormBatchGet
 * @keys: (array length=n_keys): keys of items to read
 * @n_keys: the number of @keys
 *
 * Adds keys to read, in order.
 */
void
dynamorm_batch_get_add_keys (DynamormBatchGet  *self,
                             DynamormKey      **keys,
                             guint              n_keys)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  g_return_if_fail (keys != NULL || n_keys == 0);

  for (guint i = 0; i < n_keys; i++)
    dynamorm_batch_get_add_key (self, keys[i]);
}

/**
 * dynamorm_batch_get_get_options:
 * @self: a #DynamormBatchGet
 *
 * Gets the options the batch runs with, to read or change them.
 *
 * Returns: (transfer none): the options
 */
DYNAMORM_DEFINE_GETTER (DynamormBatchOptions *, dynamorm_batch_get_get_options,
                        DynamormBatchGet, DYNAMORM_IS_BATCH_GET, options, NULL)

/**
 * dynamorm_batch_get_set_options:
 * @self: a #DynamormBatchGet
 * @options: the options to run with
 *
 * Makes the batch run with @options, which it shares: the setters of the
 * builder change @options from then on.
 */
DYNAMORM_DEFINE_OBJECT_SETTER (dynamorm_batch_get_set_options, DynamormBatchGet,
                               DYNAMORM_IS_BATCH_GET, DynamormBatchOptions,
                               DYNAMORM_IS_BATCH_OPTIONS, options, options)

/**
 * dynamorm_batch_get_set_projection:
 * @self: a #DynamormBatchGet
 * @properties: (nullable) (array zero-terminated=1): the properties to read
 *
 * Reads only some properties (the keys are always read); see
 * [property@Dynamorm.BatchOptions:projection].
 */
DYNAMORM_DEFINE_OPTIONS_SETTER (dynamorm_batch_get_set_projection, DynamormBatchGet,
                                DYNAMORM_IS_BATCH_GET, const char * const *, properties,
                                dynamorm_batch_options_set_projection)

/**
 * dynamorm_batch_get_set_consistent_read:
 * @self: a #DynamormBatchGet
 * @consistent_read: whether to read strongly consistently
 *
 * See [property@Dynamorm.BatchOptions:consistent-read].
 */
DYNAMORM_DEFINE_OPTIONS_SETTER (dynamorm_batch_get_set_consistent_read, DynamormBatchGet,
                                DYNAMORM_IS_BATCH_GET, gboolean, consistent_read,
                                dynamorm_batch_options_set_consistent_read)

/**
 * dynamorm_batch_get_set_chunk_size:
 * @self: a #DynamormBatchGet
 * @chunk_size: the most keys per request, 0 for 100
 *
 * See [property@Dynamorm.BatchOptions:chunk-size].
 */
DYNAMORM_DEFINE_OPTIONS_SETTER (dynamorm_batch_get_set_chunk_size, DynamormBatchGet,
                                DYNAMORM_IS_BATCH_GET, guint, chunk_size,
                                dynamorm_batch_options_set_chunk_size)

/**
 * dynamorm_batch_get_set_max_concurrency:
 * @self: a #DynamormBatchGet
 * @max_concurrency: the most requests in flight at once
 *
 * See [property@Dynamorm.BatchOptions:max-concurrency].
 */
DYNAMORM_DEFINE_OPTIONS_SETTER (dynamorm_batch_get_set_max_concurrency, DynamormBatchGet,
                                DYNAMORM_IS_BATCH_GET, guint, max_concurrency,
                                dynamorm_batch_options_set_max_concurrency)

/**
 * dynamorm_batch_get_set_retry_policy:
 * @self: a #DynamormBatchGet
 * @policy: (nullable): the retry policy for unprocessed keys, or %NULL to
 *   fail fast
 *
 * See [property@Dynamorm.BatchOptions:retry-policy].
 */
DYNAMORM_DEFINE_OPTIONS_SETTER (dynamorm_batch_get_set_retry_policy, DynamormBatchGet,
                                DYNAMORM_IS_BATCH_GET, DynamormRetryPolicy *, policy,
                                dynamorm_batch_options_set_retry_policy)

/**
 * dynamorm_batch_get_set_progress_func:
 * @self: a #DynamormBatchGet
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called with (done, total) keys after each answered request
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * See [method@Dynamorm.BatchOptions.set_progress_func].
 */
DYNAMORM_DEFINE_OPTIONS_FUNC_SETTER (dynamorm_batch_get_set_progress_func, DynamormBatchGet,
                                     DYNAMORM_IS_BATCH_GET, DynamormBatchProgressFunc,
                                     dynamorm_batch_options_set_progress_func)

/**
 * dynamorm_batch_get_set_chunk_error_func:
 * @self: a #DynamormBatchGet
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called when a chunk fails; returns %TRUE to skip it, %FALSE to stop
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * See [method@Dynamorm.BatchOptions.set_chunk_error_func].
 */
DYNAMORM_DEFINE_OPTIONS_FUNC_SETTER (dynamorm_batch_get_set_chunk_error_func, DynamormBatchGet,
                                     DYNAMORM_IS_BATCH_GET, DynamormBatchChunkErrorFunc,
                                     dynamorm_batch_options_set_chunk_error_func)

static gboolean
is_mixed (DynamormBatchGet *self)
{
  for (guint i = 0; i < self->key_types->len; i++)
    if (g_array_index (self->key_types, GType, i) != self->model_type)
      return TRUE;
  return FALSE;
}

/* A projection names properties of the batch's own type. */
static gboolean
check_mixed_types (DynamormBatchGet *self, GError **error)
{
  if (self->options->projection != NULL && is_mixed (self))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("This batch get reads items of several model types, and its projection names "
                     "properties of %s only: drop the projection, or read each type in its own batch"),
                   g_type_name (self->model_type));
      return FALSE;
    }
  return TRUE;
}

/* The type to decode an item read for unit as: the type of the batch, of
 * the same table, whose entity name the item holds; else the unit's. */
static GType
item_type (DynamormBatchGet *self, BatchRun *run, Unit *unit)
{
  const char *entity;

  if (unit->schema->entity_attribute == NULL || unit->item == NULL || !JSON_NODE_HOLDS_OBJECT (unit->item))
    return unit->type;
  entity = _dynamorm_item_entity (json_node_get_object (unit->item), unit->schema->entity_attribute);
  if (entity == NULL || g_str_equal (entity, unit->schema->entity_name))
    return unit->type;
  for (guint i = 0; i < self->key_types->len; i++)
    {
      GType type = g_array_index (self->key_types, GType, i);
      const DynamormSchema *schema = _dynamorm_schema_get (type, TRUE, NULL);
      g_autofree char *table = dynamorm_session_get_table_name (run->session, type);

      if (schema != NULL && g_str_equal (schema->entity_name, entity) && g_str_equal (table, unit->table))
        return type;
    }
  return unit->type;
}

static BatchRun *
key_error (DynamormKey *key, guint i, GError **error)
{
  g_autofree char *text = dynamorm_key_to_string (key);

  g_prefix_error (error, _("Key %u %s of the batch get: "), i, text);
  return NULL;
}

/* A key of a type that may take the direct path goes packed, when it
 * makes a key; FALSE: its JSON Key then says why, or carries it. A
 * projection goes as JSON. */
static gboolean
unit_pack (DynamormBatchGet *self, BatchRun *run, Unit *unit)
{
  DynamormKey *key = unit->payload;
  GByteArray *out;

  if (self->options->projection != NULL || (out = _dynamorm_batch_run_scratch (run, unit)) == NULL ||
      !_dynamorm_direct_pack_key (unit->schema, unit->type, dynamorm_key_get_partition_key (key),
                                  dynamorm_key_get_sort_key (key), out))
    return FALSE;
  return _dynamorm_batch_run_pack_unit (run, unit);
}

/* Everything that can be wrong is found here, before any request. */
static BatchRun *
build_batch_get (DynamormBatchGet *self, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (self->model_type, TRUE, error);
  g_autoptr(BatchRun) run = NULL;

  if (schema == NULL)
    return NULL;

  run = _dynamorm_batch_run_new (self->session, self->options, FALSE);
  run->get_extra = json_object_new ();
  if (self->options->consistent_read)
    json_object_set_boolean_member (run->get_extra, "ConsistentRead", TRUE);
  if (self->options->projection != NULL)
    {
      g_autoptr(GString) expression = g_string_new (NULL);
      JsonObject *names = json_object_new ();
      g_autoptr(GPtrArray) fields = g_ptr_array_new ();

      g_ptr_array_add (fields, schema->partition_key);
      if (schema->sort_key)
        g_ptr_array_add (fields, schema->sort_key);
      for (guint i = 0; self->options->projection[i] != NULL; i++)
        {
          DynamormField *field = _dynamorm_schema_lookup (schema, self->options->projection[i]);

          if (field == NULL)
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                           _("%s has no stored property “%s” to read: fix the batch get's projection"),
                           g_type_name (self->model_type), self->options->projection[i]);
              json_object_unref (names);
              return NULL;
            }
          if (!g_ptr_array_find (fields, field, NULL))
            g_ptr_array_add (fields, field);
        }
      for (guint i = 0; i < fields->len; i++)
        {
          DynamormField *field = fields->pdata[i];
          g_autofree char *placeholder = g_strdup_printf ("#p%u", i);

          g_string_append_printf (expression, "%s%s", i ? ", " : "", placeholder);
          json_object_set_string_member (names, placeholder, field->attribute);
        }
      json_object_set_string_member (run->get_extra, "ProjectionExpression", expression->str);
      json_object_set_object_member (run->get_extra, "ExpressionAttributeNames", names);
    }

  if (!check_mixed_types (self, error))
    return NULL;
  for (guint i = 0; i < self->keys->len; i++)
    {
      DynamormKey *key = self->keys->pdata[i];
      GType type = g_array_index (self->key_types, GType, i);
      const DynamormSchema *key_schema = type == self->model_type ? schema : _dynamorm_schema_get (type, TRUE, error);
      g_autoptr(Unit) unit = NULL;

      if (key_schema == NULL)
        return key_error (key, i, error);
      unit = _dynamorm_batch_unit_new (run, i, type, key_schema, key);
      if (!unit_pack (self, run, unit))
        {
          JsonNode *json = _dynamorm_key_to_json (key, type, key_schema, error);

          if (json == NULL)
            return key_error (key, i, error);
          unit->fingerprint = _dynamorm_item_fingerprint (unit->table, key_schema, json_node_get_object (json));
          _dynamorm_batch_run_set_request (run, unit, json);
        }
      /* The same key again: read once. */
      if (g_hash_table_contains (run->by_fingerprint, unit->fingerprint))
        continue;
      g_hash_table_insert (run->by_fingerprint, unit->fingerprint, unit);
      g_ptr_array_add (run->units, g_steal_pointer (&unit));
    }
  return g_steal_pointer (&run);
}

/**
 * dynamorm_batch_get_execute:
 * @self: a #DynamormBatchGet
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads the items, blocking the calling thread (the requests run on a
 * private main context, in parallel as the options allow; the progress
 * and chunk error functions are called in this thread).
 *
 * On error, nothing is returned: the first failed chunk's error (unless
 * the chunk error hook skipped it), or a bad key or projection, reported
 * before anything is sent.
 *
 * Returns: (transfer container) (element-type DynamormModel): the models
 *   found, in the order of the keys, or %NULL on error
 */
DYNAMORM_DEFINE_BLOCKING (GPtrArray *, dynamorm_batch_get_execute, DynamormBatchGet,
                          DYNAMORM_IS_BATCH_GET, NULL, dynamorm_batch_get_execute_async,
                          dynamorm_batch_get_execute_finish)

/**
 * dynamorm_batch_get_execute_async:
 * @self: a #DynamormBatchGet
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when every key is answered or the
 *   batch stopped
 * @user_data: data for @callback
 *
 * Reads the items; see [method@Dynamorm.BatchGet.execute].
 */
void
dynamorm_batch_get_execute_async (DynamormBatchGet    *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GError *error = NULL;
  BatchRun *run;

  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));

  g_ptr_array_set_size (self->missing, 0);
  g_ptr_array_set_size (self->failed, 0);
  run = build_batch_get (self, &error);
  _dynamorm_batch_run_start (self, run, error, dynamorm_batch_get_execute_async,
                             cancellable, callback, user_data);
}

/* The model of an item read on the direct path; one that does not decode
 * goes through the JSON decoder, which says why. */
static DynamormModel *
model_from_packed (BatchRun *run, Unit *unit, GError **error)
{
  DynamormModel *model = _dynamorm_model_new_from_packed (unit->type, unit->schema, NULL, unit->table,
                                                          unit->packed_item);
  g_autoptr(JsonNode) item = NULL;

  if (model != NULL)
    return model;
  item = _dynamorm_node_take_object (ddb_packed_to_json_item (unit->packed_item));
  return _dynamorm_session_model_from_item (run->session, unit->type, unit->table, item, error);
}

/**
 * dynamorm_batch_get_execute_finish:
 * @self: a #DynamormBatchGet
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.BatchGet.execute_async].
 *
 * Returns: (transfer container) (element-type DynamormModel): the models
 *   found, in the order of the keys, or %NULL on error
 */
GPtrArray *
dynamorm_batch_get_execute_finish (DynamormBatchGet  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  BatchRun *run;
  g_autoptr(GPtrArray) models = NULL;
  gboolean ok;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dynamorm_batch_get_execute_async, NULL);

  ok = g_task_propagate_boolean (G_TASK (result), error);
  run = g_task_get_task_data (G_TASK (result));
  if (run != NULL)
    for (guint i = 0; i < run->units->len; i++)
      {
        Unit *unit = run->units->pdata[i];

        if (unit->state == UNIT_MISSING)
          g_ptr_array_add (self->missing, dynamorm_key_ref (unit->payload));
        else if (unit->state != UNIT_DONE)
          g_ptr_array_add (self->failed, dynamorm_key_ref (unit->payload));
      }
  if (!ok)
    return NULL;

  models = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < run->units->len; i++)
    {
      Unit *unit = run->units->pdata[i];
      DynamormModel *model;

      if (unit->state != UNIT_DONE)
        continue;
      model = unit->packed_item != NULL ? model_from_packed (run, unit, error)
              : _dynamorm_session_model_from_item (run->session, item_type (self, run, unit), unit->table,
                                                   unit->item, error);
      if (model == NULL)
        return NULL;
      g_ptr_array_add (models, model);
    }
  return g_steal_pointer (&models);
}

/**
 * dynamorm_batch_get_get_missing_keys:
 * @self: a #DynamormBatchGet
 *
 * Gets the keys of the last run whose items do not exist, in the order
 * they were added.
 *
 * Returns: (transfer none) (element-type DynamormKey): the missing keys
 */
DYNAMORM_DEFINE_GETTER (GPtrArray *, dynamorm_batch_get_get_missing_keys,
                        DynamormBatchGet, DYNAMORM_IS_BATCH_GET, missing, NULL)

/**
 * dynamorm_batch_get_get_failed_keys:
 * @self: a #DynamormBatchGet
 *
 * Gets the keys of the last run that were not answered: those of chunks
 * that failed, and, when the batch stopped, those never sent.
 *
 * Returns: (transfer none) (element-type DynamormKey): the failed keys
 */
DYNAMORM_DEFINE_GETTER (GPtrArray *, dynamorm_batch_get_get_failed_keys,
                        DynamormBatchGet, DYNAMORM_IS_BATCH_GET, failed, NULL)

static DynamormBatchGet *
session_batch_get_new (DynamormSession *self, GType model_type, DynamormKey **keys,
                       guint n_keys, DynamormBatchOptions *options)
{
  DynamormBatchGet *get = dynamorm_batch_get_new (self, model_type);

  dynamorm_batch_get_add_keys (get, keys, n_keys);
  if (options != NULL)
    dynamorm_batch_get_set_options (get, options);
  return get;
}

static GPtrArray *
copy_keys (GPtrArray *keys)
{
  return g_ptr_array_copy (keys, (GCopyFunc) (void (*) (void)) dynamorm_key_ref, NULL);
}

/**
 * dynamorm_session_batch_get:
 * @self: a #DynamormSession
 * @model_type: the #DynamormModel subtype of the items
 * @keys: (array length=n_keys): the keys of the items to read
 * @n_keys: the number of @keys
 * @options: (nullable): how to run, or %NULL for the defaults
 * @missing_keys: (out) (optional) (transfer container) (element-type DynamormKey):
 *   return location for the keys whose items do not exist
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads many items by their keys: the options form of a batch get. See
 * [class@Dynamorm.BatchGet] for how it runs.
 *
 * Returns: (transfer container) (element-type DynamormModel): the models
 *   found, in the order of the keys, or %NULL on error
 */
GPtrArray *
dynamorm_session_batch_get (DynamormSession       *self,
                            GType                  model_type,
                            DynamormKey          **keys,
                            guint                  n_keys,
                            DynamormBatchOptions  *options,
                            GPtrArray            **missing_keys,
                            GCancellable          *cancellable,
                            GError               **error)
{
  g_autoptr(DynamormBatchGet) get = NULL;
  GPtrArray *models;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), NULL);
  g_return_val_if_fail (options == NULL || DYNAMORM_IS_BATCH_OPTIONS (options), NULL);

  get = session_batch_get_new (self, model_type, keys, n_keys, options);
  models = dynamorm_batch_get_execute (get, cancellable, error);
  if (models != NULL && missing_keys != NULL)
    *missing_keys = copy_keys (get->missing);
  return models;
}

static void
session_batch_get_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormBatchGet *get = DYNAMORM_BATCH_GET (source);
  GError *error = NULL;
  GPtrArray *models = dynamorm_batch_get_execute_finish (get, result, &error);

  if (models == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, models, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * dynamorm_session_batch_get_async:
 * @self: a #DynamormSession
 * @model_type: the #DynamormModel subtype of the items
 * @keys: (array length=n_keys): the keys of the items to read
 * @n_keys: the number of @keys
 * @options: (nullable): how to run, or %NULL for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the batch is done
 * @user_data: data for @callback
 *
 * Reads many items by their keys; see [method@Dynamorm.Session.batch_get].
 */
void
dynamorm_session_batch_get_async (DynamormSession       *self,
                                  GType                  model_type,
                                  DynamormKey          **keys,
                                  guint                  n_keys,
                                  DynamormBatchOptions  *options,
                                  GCancellable          *cancellable,
                                  GAsyncReadyCallback    callback,
                                  gpointer               user_data)
{
  g_autoptr(DynamormBatchGet) get = NULL;
  GTask *task;

  g_return_if_fail (DYNAMORM_IS_SESSION (self));
  g_return_if_fail (options == NULL || DYNAMORM_IS_BATCH_OPTIONS (options));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_session_batch_get_async);
  get = session_batch_get_new (self, model_type, keys, n_keys, options);
  g_task_set_task_data (task, g_object_ref (get), g_object_unref);
  dynamorm_batch_get_execute_async (get, cancellable, session_batch_get_cb, task);
}

/**
 * dynamorm_session_batch_get_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @missing_keys: (out) (optional) (transfer container) (element-type DynamormKey):
 *   return location for the keys whose items do not exist
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.batch_get_async].
 *
 * Returns: (transfer container) (element-type DynamormModel): the models
 *   found, in the order of the keys, or %NULL on error
 */
GPtrArray *
dynamorm_session_batch_get_finish (DynamormSession  *self,
                                   GAsyncResult     *result,
                                   GPtrArray       **missing_keys,
                                   GError          **error)
{
  DynamormBatchGet *get;
  GPtrArray *models;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dynamorm_session_batch_get_async, NULL);

  get = g_task_get_task_data (G_TASK (result));
  models = g_task_propagate_pointer (G_TASK (result), error);
  if (models != NULL && missing_keys != NULL)
    *missing_keys = copy_keys (get->missing);
  return models;
}

