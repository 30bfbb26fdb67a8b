/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-batch.c: batch get and batch write.
 *
 * Both run on one engine (BatchRun): the keys or items become units, the
 * units are cut into chunks of at most the service's limit, and up to
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

#include <glib/gi18n-lib.h>

#include "dynamorm-batch.h"
#include "dynamorm-batch-private.h"
#include "dynamorm-write-private.h"
#include "dynamorm-sync-private.h"

/* ------------------------------------------------------------------ */
/* Options */

/**
 * DynamormBatchOptions:
 *
 * How a batch get or batch write runs: the options form of
 * [method@Dynamorm.Session.batch_get] and
 * [method@Dynamorm.Session.batch_write], also used by the builders
 * [class@Dynamorm.BatchGet] and [class@Dynamorm.BatchWrite].
 *
 * The defaults: chunks as large as DynamoDB allows (100 keys, 25 writes),
 * 4 chunks in flight at once, eventually consistent reads, every attribute,
 * and unprocessed keys or items retried under a default
 * [class@Dynamorm.RetryPolicy]. Setting a %NULL retry policy makes a batch
 * fail fast on the first unprocessed key or item.
 */
struct _DynamormBatchOptions
{
  GObject parent_instance;

  guint chunk_size;
  guint max_concurrency;
  gboolean consistent_read;
  char **projection;
  DynamormRetryPolicy *retry_policy;

  DynamormBatchProgressFunc progress_func;
  gpointer progress_data;
  GDestroyNotify progress_destroy;
  DynamormBatchChunkErrorFunc error_func;
  gpointer error_data;
  GDestroyNotify error_destroy;
};

G_DEFINE_FINAL_TYPE (DynamormBatchOptions, dynamorm_batch_options, G_TYPE_OBJECT)

enum {
  OPT_PROP_0,
  OPT_PROP_CHUNK_SIZE,
  OPT_PROP_MAX_CONCURRENCY,
  OPT_PROP_CONSISTENT_READ,
  OPT_PROP_PROJECTION,
  OPT_PROP_RETRY_POLICY,
  OPT_N_PROPS
};

static GParamSpec *opt_properties[OPT_N_PROPS];

static void
dynamorm_batch_options_finalize (GObject *object)
{
  DynamormBatchOptions *self = DYNAMORM_BATCH_OPTIONS (object);

  g_clear_pointer (&self->projection, g_strfreev);
  g_clear_object (&self->retry_policy);
  if (self->progress_destroy)
    self->progress_destroy (self->progress_data);
  if (self->error_destroy)
    self->error_destroy (self->error_data);

  G_OBJECT_CLASS (dynamorm_batch_options_parent_class)->finalize (object);
}

static void
dynamorm_batch_options_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  DynamormBatchOptions *self = DYNAMORM_BATCH_OPTIONS (object);

  switch (prop_id)
    {
    case OPT_PROP_CHUNK_SIZE:
      g_value_set_uint (value, self->chunk_size);
      break;
    case OPT_PROP_MAX_CONCURRENCY:
      g_value_set_uint (value, self->max_concurrency);
      break;
    case OPT_PROP_CONSISTENT_READ:
      g_value_set_boolean (value, self->consistent_read);
      break;
    case OPT_PROP_PROJECTION:
      g_value_set_boxed (value, self->projection);
      break;
    case OPT_PROP_RETRY_POLICY:
      g_value_set_object (value, self->retry_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_batch_options_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  DynamormBatchOptions *self = DYNAMORM_BATCH_OPTIONS (object);

  switch (prop_id)
    {
    case OPT_PROP_CHUNK_SIZE:
      dynamorm_batch_options_set_chunk_size (self, g_value_get_uint (value));
      break;
    case OPT_PROP_MAX_CONCURRENCY:
      dynamorm_batch_options_set_max_concurrency (self, g_value_get_uint (value));
      break;
    case OPT_PROP_CONSISTENT_READ:
      dynamorm_batch_options_set_consistent_read (self, g_value_get_boolean (value));
      break;
    case OPT_PROP_PROJECTION:
      dynamorm_batch_options_set_projection (self, g_value_get_boxed (value));
      break;
    case OPT_PROP_RETRY_POLICY:
      dynamorm_batch_options_set_retry_policy (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dynamorm_batch_options_class_init (DynamormBatchOptionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  _dynamorm_init ();

  object_class->finalize = dynamorm_batch_options_finalize;
  object_class->get_property = dynamorm_batch_options_get_property;
  object_class->set_property = dynamorm_batch_options_set_property;

  /**
   * DynamormBatchOptions:chunk-size:
   *
   * The most keys or items per request; 0 (the default) means DynamoDB's
   * limit, 100 for a batch get and 25 for a batch write. Larger values are
   * capped at the limit.
   */
  opt_properties[OPT_PROP_CHUNK_SIZE] =
    g_param_spec_uint ("chunk-size", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * DynamormBatchOptions:max-concurrency:
   *
   * How many requests may be in flight at once; 1 sends the chunks one
   * after the other.
   */
  opt_properties[OPT_PROP_MAX_CONCURRENCY] =
    g_param_spec_uint ("max-concurrency", NULL, NULL, 1, 1024, 4, flags);

  /**
   * DynamormBatchOptions:consistent-read:
   *
   * Whether a batch get uses strongly consistent reads.
   */
  opt_properties[OPT_PROP_CONSISTENT_READ] =
    g_param_spec_boolean ("consistent-read", NULL, NULL, FALSE, flags);

  /**
   * DynamormBatchOptions:projection:
   *
   * The properties a batch get reads, or %NULL for all of them. The key
   * properties are always read. Properties left out keep their default
   * values in the models.
   */
  opt_properties[OPT_PROP_PROJECTION] =
    g_param_spec_boxed ("projection", NULL, NULL, G_TYPE_STRV, flags);

  /**
   * DynamormBatchOptions:retry-policy:
   *
   * How unprocessed keys or items are retried, or %NULL to fail fast.
   */
  opt_properties[OPT_PROP_RETRY_POLICY] =
    g_param_spec_object ("retry-policy", NULL, NULL, DYNAMORM_TYPE_RETRY_POLICY, flags);

  g_object_class_install_properties (object_class, OPT_N_PROPS, opt_properties);
}

static void
dynamorm_batch_options_init (DynamormBatchOptions *self)
{
  self->max_concurrency = 4;
  self->retry_policy = dynamorm_retry_policy_new ();
}

/**
 * dynamorm_batch_options_new:
 *
 * Creates batch options with the defaults.
 *
 * Returns: (transfer full): new options
 */
DynamormBatchOptions *
dynamorm_batch_options_new (void)
{
  return g_object_new (DYNAMORM_TYPE_BATCH_OPTIONS, NULL);
}

/**
 * dynamorm_batch_options_get_chunk_size:
 * @self: a #DynamormBatchOptions
 *
 * Gets [property@Dynamorm.BatchOptions:chunk-size].
 *
 * Returns: the chunk size; 0 for DynamoDB's limit
 */
guint
dynamorm_batch_options_get_chunk_size (DynamormBatchOptions *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self), 0);
  return self->chunk_size;
}

/**
 * dynamorm_batch_options_set_chunk_size:
 * @self: a #DynamormBatchOptions
 * @chunk_size: the most keys or items per request; 0 for DynamoDB's limit
 *
 * Sets [property@Dynamorm.BatchOptions:chunk-size].
 */
void
dynamorm_batch_options_set_chunk_size (DynamormBatchOptions *self,
                                       guint                 chunk_size)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self));

  if (self->chunk_size == chunk_size)
    return;
  self->chunk_size = chunk_size;
  g_object_notify_by_pspec (G_OBJECT (self), opt_properties[OPT_PROP_CHUNK_SIZE]);
}

/**
 * dynamorm_batch_options_get_max_concurrency:
 * @self: a #DynamormBatchOptions
 *
 * Gets [property@Dynamorm.BatchOptions:max-concurrency].
 *
 * Returns: the most requests in flight at once
 */
guint
dynamorm_batch_options_get_max_concurrency (DynamormBatchOptions *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self), 1);
  return self->max_concurrency;
}

/**
 * dynamorm_batch_options_set_max_concurrency:
 * @self: a #DynamormBatchOptions
 * @max_concurrency: the most requests in flight at once, at least 1
 *
 * Sets [property@Dynamorm.BatchOptions:max-concurrency].
 */
void
dynamorm_batch_options_set_max_concurrency (DynamormBatchOptions *self,
                                            guint                 max_concurrency)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self));
  g_return_if_fail (max_concurrency >= 1);

  if (self->max_concurrency == max_concurrency)
    return;
  self->max_concurrency = max_concurrency;
  g_object_notify_by_pspec (G_OBJECT (self), opt_properties[OPT_PROP_MAX_CONCURRENCY]);
}

/**
 * dynamorm_batch_options_get_consistent_read:
 * @self: a #DynamormBatchOptions
 *
 * Gets [property@Dynamorm.BatchOptions:consistent-read].
 *
 * Returns: whether reads are strongly consistent
 */
gboolean
dynamorm_batch_options_get_consistent_read (DynamormBatchOptions *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self), FALSE);
  return self->consistent_read;
}

/**
 * dynamorm_batch_options_set_consistent_read:
 * @self: a #DynamormBatchOptions
 * @consistent_read: whether a batch get reads strongly consistently
 *
 * Sets [property@Dynamorm.BatchOptions:consistent-read].
 */
void
dynamorm_batch_options_set_consistent_read (DynamormBatchOptions *self,
                                            gboolean              consistent_read)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self));

  consistent_read = !!consistent_read;
  if (self->consistent_read == consistent_read)
    return;
  self->consistent_read = consistent_read;
  g_object_notify_by_pspec (G_OBJECT (self), opt_properties[OPT_PROP_CONSISTENT_READ]);
}

/**
 * dynamorm_batch_options_get_projection:
 * @self: a #DynamormBatchOptions
 *
 * Gets [property@Dynamorm.BatchOptions:projection].
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   properties read, or %NULL for all
 */
const char * const *
dynamorm_batch_options_get_projection (DynamormBatchOptions *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self), NULL);
  return (const char * const *) self->projection;
}

/**
 * dynamorm_batch_options_set_projection:
 * @self: a #DynamormBatchOptions
 * @properties: (nullable) (array zero-terminated=1): the names of the
 *   properties to read, or %NULL for all
 *
 * Sets [property@Dynamorm.BatchOptions:projection]. Unknown names are
 * reported by the batch get, before it sends anything.
 */
void
dynamorm_batch_options_set_projection (DynamormBatchOptions *self,
                                       const char * const   *properties)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self));

  g_strfreev (self->projection);
  self->projection = properties && properties[0] ? g_strdupv ((char **) properties) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), opt_properties[OPT_PROP_PROJECTION]);
}

/**
 * dynamorm_batch_options_get_retry_policy:
 * @self: a #DynamormBatchOptions
 *
 * Gets [property@Dynamorm.BatchOptions:retry-policy].
 *
 * Returns: (transfer none) (nullable): the policy, or %NULL to fail fast
 */
DynamormRetryPolicy *
dynamorm_batch_options_get_retry_policy (DynamormBatchOptions *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self), NULL);
  return self->retry_policy;
}

/**
 * dynamorm_batch_options_set_retry_policy:
 * @self: a #DynamormBatchOptions
 * @policy: (nullable): how unprocessed keys or items are retried, or
 *   %NULL to fail on the first ones
 *
 * Sets [property@Dynamorm.BatchOptions:retry-policy]. The policy's
 * max-attempts counts the first request of a chunk; the delay before
 * attempt *n* + 1 is [method@Dynamorm.RetryPolicy.get_delay] of *n*.
 */
void
dynamorm_batch_options_set_retry_policy (DynamormBatchOptions *self,
                                         DynamormRetryPolicy  *policy)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self));
  g_return_if_fail (policy == NULL || DYNAMORM_IS_RETRY_POLICY (policy));

  if (g_set_object (&self->retry_policy, policy))
    g_object_notify_by_pspec (G_OBJECT (self), opt_properties[OPT_PROP_RETRY_POLICY]);
}

/**
 * dynamorm_batch_options_set_progress_func:
 * @self: a #DynamormBatchOptions
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called with (done, total) after each answered request
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets the function that follows a batch's progress.
 */
void
dynamorm_batch_options_set_progress_func (DynamormBatchOptions      *self,
                                          DynamormBatchProgressFunc  func,
                                          gpointer                   user_data,
                                          GDestroyNotify             destroy)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self));

  if (self->progress_destroy)
    self->progress_destroy (self->progress_data);
  self->progress_func = func;
  self->progress_data = user_data;
  self->progress_destroy = destroy;
}

/**
 * dynamorm_batch_options_set_chunk_error_func:
 * @self: a #DynamormBatchOptions
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called when a chunk fails; returns %TRUE to skip it, %FALSE to stop
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets the per-chunk error hook. Without one, the first failed chunk
 * stops the batch.
 */
void
dynamorm_batch_options_set_chunk_error_func (DynamormBatchOptions        *self,
                                             DynamormBatchChunkErrorFunc  func,
                                             gpointer                     user_data,
                                             GDestroyNotify               destroy)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (self));

  if (self->error_destroy)
    self->error_destroy (self->error_data);
  self->error_func = func;
  self->error_data = user_data;
  self->error_destroy = destroy;
}

/* ------------------------------------------------------------------ */
/* The engine */

typedef enum {
  UNIT_PENDING,
  UNIT_DONE,
  UNIT_MISSING,
  UNIT_FAILED,
} UnitState;

typedef struct {
  guint position;               /* in the caller's list */
  const char *table;            /* owned by the run's tables */
  const DynamormSchema *schema;
  GType type;
  JsonNode *request;            /* get: a Key; write: {"PutRequest": ...} */
  char *fingerprint;
  gpointer payload;             /* get: DynamormKey; write: DynamormModel */
  gboolean is_delete;
  JsonNode *item;               /* get: the item read */
  GPtrArray *after;             /* put: timestamps, set on the model once written */
  UnitState state;
} Unit;

void
_dynamorm_batch_unit_free (Unit *unit)
{
  g_clear_pointer (&unit->request, json_node_unref);
  g_clear_pointer (&unit->item, json_node_unref);
  g_clear_pointer (&unit->after, g_ptr_array_unref);
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

typedef struct {
  DynamormSession *session;
  DynamormBatchOptions *options;
  gboolean is_write;
  const char *operation;
  guint chunk_size;
  GPtrArray *units;             /* of Unit*, owned, in the caller's order */
  GHashTable *by_fingerprint;   /* fingerprint -> Unit* */
  GHashTable *tables;           /* full table name -> schema */
  JsonObject *get_extra;        /* batch get: ConsistentRead, projection */
  GQueue queue;                 /* of Chunk*, ready to send */
  guint in_flight;              /* requests and retry timers */
  guint done;
  guint total;
  GError *error;                /* what stopped the run */
  GTask *task;                  /* not owned */
} BatchRun;

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
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BatchRun, _dynamorm_batch_run_free)

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
  return run;
}

/* Records the table of a model type; returns its name, owned by the run. */
const char *
_dynamorm_batch_run_table (BatchRun *run, GType type, const DynamormSchema *schema)
{
  g_autofree char *name = dynamorm_session_get_table_name (run->session, type);
  gpointer key;

  if (g_hash_table_lookup_extended (run->tables, name, &key, NULL))
    return key;
  key = g_steal_pointer (&name);
  g_hash_table_insert (run->tables, key, (gpointer) schema);
  return key;
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
          json_array_add_element (json_node_get_array (spec), json_node_ref (unit->request));
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
                                  json_node_ref (unit->request));
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
      g_prefix_error (&error, _("%s of %u entries failed: "), run->operation, pending->len);
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
  dynamorm_session_call_async (run->session, run->operation, request,
                               g_task_get_cancellable (run->task), batch_run_call_cb, call);
}

static void
batch_run_pump (BatchRun *run)
{
  Chunk *chunk;

  while (run->error == NULL && run->in_flight < run->options->max_concurrency &&
         (chunk = g_queue_pop_head (&run->queue)) != NULL)
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

/* ------------------------------------------------------------------ */
/* Batch get */

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

  g_ptr_array_add (self->keys, dynamorm_key_ref (key));
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
DynamormBatchOptions *
dynamorm_batch_get_get_options (DynamormBatchGet *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_GET (self), NULL);
  return self->options;
}

/**
 * dynamorm_batch_get_set_options:
 * @self: a #DynamormBatchGet
 * @options: the options to run with
 *
 * Makes the batch run with @options, which it shares: the setters of the
 * builder change @options from then on.
 */
void
dynamorm_batch_get_set_options (DynamormBatchGet     *self,
                                DynamormBatchOptions *options)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (options));

  g_set_object (&self->options, options);
}

/**
 * dynamorm_batch_get_set_projection:
 * @self: a #DynamormBatchGet
 * @properties: (nullable) (array zero-terminated=1): the properties to read
 *
 * Reads only some properties (the keys are always read); see
 * [property@Dynamorm.BatchOptions:projection].
 */
void
dynamorm_batch_get_set_projection (DynamormBatchGet   *self,
                                   const char * const *properties)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  dynamorm_batch_options_set_projection (self->options, properties);
}

/**
 * dynamorm_batch_get_set_consistent_read:
 * @self: a #DynamormBatchGet
 * @consistent_read: whether to read strongly consistently
 *
 * See [property@Dynamorm.BatchOptions:consistent-read].
 */
void
dynamorm_batch_get_set_consistent_read (DynamormBatchGet *self,
                                        gboolean          consistent_read)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  dynamorm_batch_options_set_consistent_read (self->options, consistent_read);
}

/**
 * dynamorm_batch_get_set_chunk_size:
 * @self: a #DynamormBatchGet
 * @chunk_size: the most keys per request, 0 for 100
 *
 * See [property@Dynamorm.BatchOptions:chunk-size].
 */
void
dynamorm_batch_get_set_chunk_size (DynamormBatchGet *self,
                                   guint             chunk_size)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  dynamorm_batch_options_set_chunk_size (self->options, chunk_size);
}

/**
 * dynamorm_batch_get_set_max_concurrency:
 * @self: a #DynamormBatchGet
 * @max_concurrency: the most requests in flight at once
 *
 * See [property@Dynamorm.BatchOptions:max-concurrency].
 */
void
dynamorm_batch_get_set_max_concurrency (DynamormBatchGet *self,
                                        guint             max_concurrency)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  dynamorm_batch_options_set_max_concurrency (self->options, max_concurrency);
}

/**
 * dynamorm_batch_get_set_retry_policy:
 * @self: a #DynamormBatchGet
 * @policy: (nullable): the retry policy for unprocessed keys, or %NULL to
 *   fail fast
 *
 * See [property@Dynamorm.BatchOptions:retry-policy].
 */
void
dynamorm_batch_get_set_retry_policy (DynamormBatchGet    *self,
                                     DynamormRetryPolicy *policy)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  dynamorm_batch_options_set_retry_policy (self->options, policy);
}

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
void
dynamorm_batch_get_set_progress_func (DynamormBatchGet          *self,
                                      DynamormBatchProgressFunc  func,
                                      gpointer                   user_data,
                                      GDestroyNotify             destroy)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  dynamorm_batch_options_set_progress_func (self->options, func, user_data, destroy);
}

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
void
dynamorm_batch_get_set_chunk_error_func (DynamormBatchGet            *self,
                                         DynamormBatchChunkErrorFunc  func,
                                         gpointer                     user_data,
                                         GDestroyNotify               destroy)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_GET (self));
  dynamorm_batch_options_set_chunk_error_func (self->options, func, user_data, destroy);
}

/* Everything that can be wrong is found here, before any request. */
static BatchRun *
build_batch_get (DynamormBatchGet *self, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (self->model_type, TRUE, error);
  g_autoptr(BatchRun) run = NULL;
  const char *table;

  if (schema == NULL)
    return NULL;

  run = _dynamorm_batch_run_new (self->session, self->options, FALSE);
  table = _dynamorm_batch_run_table (run, self->model_type, schema);
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

  for (guint i = 0; i < self->keys->len; i++)
    {
      DynamormKey *key = self->keys->pdata[i];
      JsonNode *json = _dynamorm_key_to_json (key, self->model_type, schema, error);
      Unit *unit;

      if (json == NULL)
        {
          g_autofree char *text = dynamorm_key_to_string (key);
          g_prefix_error (error, _("Key %u %s of the batch get: "), i, text);
          return NULL;
        }
      unit = g_new0 (Unit, 1);
      unit->position = i;
      unit->table = table;
      unit->schema = schema;
      unit->type = self->model_type;
      unit->request = json;
      unit->payload = key;
      unit->fingerprint = _dynamorm_item_fingerprint (table, schema, json_node_get_object (json));
      if (g_hash_table_contains (run->by_fingerprint, unit->fingerprint))
        {
          /* The same key again: read once. */
          _dynamorm_batch_unit_free (unit);
          continue;
        }
      g_hash_table_insert (run->by_fingerprint, unit->fingerprint, unit);
      g_ptr_array_add (run->units, unit);
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
GPtrArray *
dynamorm_batch_get_execute (DynamormBatchGet  *self,
                            GCancellable      *cancellable,
                            GError           **error)
{
  DynamormSyncWait wait;
  GPtrArray *models;

  g_return_val_if_fail (DYNAMORM_IS_BATCH_GET (self), NULL);

  _dynamorm_sync_wait_init (&wait);
  dynamorm_batch_get_execute_async (self, cancellable, _dynamorm_sync_wait_cb, &wait);
  models = dynamorm_batch_get_execute_finish (self, _dynamorm_sync_wait_run (&wait), error);
  _dynamorm_sync_wait_clear (&wait);
  return models;
}

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
      model = dynamorm_model_new_from_item (unit->type, unit->item, error);
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
GPtrArray *
dynamorm_batch_get_get_missing_keys (DynamormBatchGet *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_GET (self), NULL);
  return self->missing;
}

/**
 * dynamorm_batch_get_get_failed_keys:
 * @self: a #DynamormBatchGet
 *
 * Gets the keys of the last run that were not answered: those of chunks
 * that failed, and, when the batch stopped, those never sent.
 *
 * Returns: (transfer none) (element-type DynamormKey): the failed keys
 */
GPtrArray *
dynamorm_batch_get_get_failed_keys (DynamormBatchGet *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_GET (self), NULL);
  return self->failed;
}

/* ------------------------------------------------------------------ */
/* Batch write */

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
void
dynamorm_batch_write_add_put (DynamormBatchWrite *self,
                              DynamormModel      *model)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));
  g_return_if_fail (DYNAMORM_IS_MODEL (model));
  batch_write_add (self, model, FALSE);
}

/**
 * dynamorm_batch_write_add_delete:
 * @self: a #DynamormBatchWrite
 * @model: a model whose key properties name the item to delete
 *
 * Adds a delete. Deleting an item that does not exist succeeds.
 */
void
dynamorm_batch_write_add_delete (DynamormBatchWrite *self,
                                 DynamormModel      *model)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));
  g_return_if_fail (DYNAMORM_IS_MODEL (model));
  batch_write_add (self, model, TRUE);
}

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
DynamormBatchOptions *
dynamorm_batch_write_get_options (DynamormBatchWrite *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_WRITE (self), NULL);
  return self->options;
}

/**
 * dynamorm_batch_write_set_options:
 * @self: a #DynamormBatchWrite
 * @options: the options to run with
 *
 * Makes the batch run with @options, which it shares: the setters of the
 * builder change @options from then on.
 */
void
dynamorm_batch_write_set_options (DynamormBatchWrite   *self,
                                  DynamormBatchOptions *options)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));
  g_return_if_fail (DYNAMORM_IS_BATCH_OPTIONS (options));

  g_set_object (&self->options, options);
}

/**
 * dynamorm_batch_write_set_chunk_size:
 * @self: a #DynamormBatchWrite
 * @chunk_size: the most writes per request, 0 for 25
 *
 * See [property@Dynamorm.BatchOptions:chunk-size].
 */
void
dynamorm_batch_write_set_chunk_size (DynamormBatchWrite *self,
                                     guint               chunk_size)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));
  dynamorm_batch_options_set_chunk_size (self->options, chunk_size);
}

/**
 * dynamorm_batch_write_set_max_concurrency:
 * @self: a #DynamormBatchWrite
 * @max_concurrency: the most requests in flight at once
 *
 * See [property@Dynamorm.BatchOptions:max-concurrency].
 */
void
dynamorm_batch_write_set_max_concurrency (DynamormBatchWrite *self,
                                          guint               max_concurrency)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));
  dynamorm_batch_options_set_max_concurrency (self->options, max_concurrency);
}

/**
 * dynamorm_batch_write_set_retry_policy:
 * @self: a #DynamormBatchWrite
 * @policy: (nullable): the retry policy for unprocessed items, or %NULL to
 *   fail fast
 *
 * See [property@Dynamorm.BatchOptions:retry-policy].
 */
void
dynamorm_batch_write_set_retry_policy (DynamormBatchWrite  *self,
                                       DynamormRetryPolicy *policy)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));
  dynamorm_batch_options_set_retry_policy (self->options, policy);
}

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
void
dynamorm_batch_write_set_progress_func (DynamormBatchWrite        *self,
                                        DynamormBatchProgressFunc  func,
                                        gpointer                   user_data,
                                        GDestroyNotify             destroy)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));
  dynamorm_batch_options_set_progress_func (self->options, func, user_data, destroy);
}

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
void
dynamorm_batch_write_set_chunk_error_func (DynamormBatchWrite          *self,
                                           DynamormBatchChunkErrorFunc  func,
                                           gpointer                     user_data,
                                           GDestroyNotify               destroy)
{
  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));
  dynamorm_batch_options_set_chunk_error_func (self->options, func, user_data, destroy);
}

static BatchRun *
build_batch_write (DynamormBatchWrite *self, GError **error)
{
  g_autoptr(BatchRun) run = _dynamorm_batch_run_new (self->session, self->options, TRUE);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  for (guint i = 0; i < self->models->len; i++)
    {
      DynamormModel *model = self->models->pdata[i];
      gboolean is_delete = g_array_index (self->deletes, gboolean, i);
      GType type = G_OBJECT_TYPE (model);
      const DynamormSchema *schema = _dynamorm_schema_get (type, TRUE, error);
      g_autoptr(JsonNode) body = NULL;
      JsonObject *wrapper, *inner;
      Unit *other, *unit;

      if (schema == NULL)
        return NULL;
      g_autoptr(GPtrArray) after = NULL;

      body = is_delete ? dynamorm_model_get_key (model, error) : dynamorm_model_to_item (model, error);
      /* A put replaces the whole item and cannot keep the stored
       * created_at (no conditions, no updates in a batch): updated_at is
       * now, created_at the model's or now; the version as it is. */
      if (body != NULL && !is_delete &&
          !_dynamorm_put_stamp_item (schema, model, json_node_get_object (body), NULL, now, &after, error))
        g_clear_pointer (&body, json_node_unref);
      if (body == NULL)
        {
          g_prefix_error (error, _("%s %u of the batch write: "), is_delete ? _("Delete") : _("Put"), i);
          return NULL;
        }

      unit = g_new0 (Unit, 1);
      unit->position = i;
      unit->table = _dynamorm_batch_run_table (run, type, schema);
      unit->schema = schema;
      unit->type = type;
      unit->payload = model;
      unit->is_delete = is_delete;
      unit->after = g_steal_pointer (&after);
      unit->fingerprint = _dynamorm_item_fingerprint (unit->table, schema, json_node_get_object (body));
      inner = json_object_new ();
      json_object_set_member (inner, is_delete ? "Key" : "Item", g_steal_pointer (&body));
      wrapper = json_object_new ();
      json_object_set_object_member (wrapper, is_delete ? "DeleteRequest" : "PutRequest", inner);
      unit->request = _dynamorm_node_take_object (wrapper);

      if ((other = g_hash_table_lookup (run->by_fingerprint, unit->fingerprint)) != NULL)
        {
          g_autoptr(JsonNode) key = dynamorm_model_get_key (model, NULL);
          g_autofree char *text = key ? _dynamorm_describe_key_object (json_node_get_object (key)) : NULL;

          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("Writes %u and %u of the batch write are both about the item with %s in table “%s”; "
                         "DynamoDB cannot order two writes of one item in a batch: keep one, or write them "
                         "in two batches"),
                       other->position, i, text ? text : "?", unit->table);
          _dynamorm_batch_unit_free (unit);
          return NULL;
        }
      g_hash_table_insert (run->by_fingerprint, unit->fingerprint, unit);
      g_ptr_array_add (run->units, unit);
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
gboolean
dynamorm_batch_write_execute (DynamormBatchWrite  *self,
                              GCancellable        *cancellable,
                              GError             **error)
{
  DynamormSyncWait wait;
  gboolean ok;

  g_return_val_if_fail (DYNAMORM_IS_BATCH_WRITE (self), FALSE);

  _dynamorm_sync_wait_init (&wait);
  dynamorm_batch_write_execute_async (self, cancellable, _dynamorm_sync_wait_cb, &wait);
  ok = dynamorm_batch_write_execute_finish (self, _dynamorm_sync_wait_run (&wait), error);
  _dynamorm_sync_wait_clear (&wait);
  return ok;
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
  GError *error = NULL;
  BatchRun *run;

  g_return_if_fail (DYNAMORM_IS_BATCH_WRITE (self));

  g_ptr_array_set_size (self->unwritten_puts, 0);
  g_ptr_array_set_size (self->unwritten_deletes, 0);
  run = build_batch_write (self, &error);
  if (run == NULL)
    {
      /* Nothing was sent: nothing was written. */
      for (guint i = 0; i < self->models->len; i++)
        g_ptr_array_add (g_array_index (self->deletes, gboolean, i) ? self->unwritten_deletes
                                                                    : self->unwritten_puts,
                         g_object_ref (self->models->pdata[i]));
    }
  _dynamorm_batch_run_start (self, run, error, dynamorm_batch_write_execute_async,
                             cancellable, callback, user_data);
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
GPtrArray *
dynamorm_batch_write_get_unwritten_puts (DynamormBatchWrite *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_WRITE (self), NULL);
  return self->unwritten_puts;
}

/**
 * dynamorm_batch_write_get_unwritten_deletes:
 * @self: a #DynamormBatchWrite
 *
 * Gets the models of the last run whose delete was not confirmed, in the
 * order they were added.
 *
 * Returns: (transfer none) (element-type DynamormModel): the models
 */
GPtrArray *
dynamorm_batch_write_get_unwritten_deletes (DynamormBatchWrite *self)
{
  g_return_val_if_fail (DYNAMORM_IS_BATCH_WRITE (self), NULL);
  return self->unwritten_deletes;
}

/* ------------------------------------------------------------------ */
/* Options form */

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
