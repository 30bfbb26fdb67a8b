/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-batch-options.c: how a batch get or batch write runs. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-batch-run-private.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-properties-private.h"

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
static const gsize opt_offsets[OPT_N_PROPS] = {
  [OPT_PROP_CHUNK_SIZE] = G_STRUCT_OFFSET (DynamormBatchOptions, chunk_size),
  [OPT_PROP_MAX_CONCURRENCY] = G_STRUCT_OFFSET (DynamormBatchOptions, max_concurrency),
  [OPT_PROP_CONSISTENT_READ] = G_STRUCT_OFFSET (DynamormBatchOptions, consistent_read),
  [OPT_PROP_PROJECTION] = G_STRUCT_OFFSET (DynamormBatchOptions, projection),
  [OPT_PROP_RETRY_POLICY] = G_STRUCT_OFFSET (DynamormBatchOptions, retry_policy),
};

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

  /* Read from the fields; written through the setters, which notify. */
  _dynamorm_install_field_properties (object_class, OPT_N_PROPS, opt_properties, opt_offsets);
  object_class->set_property = dynamorm_batch_options_set_property;
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
DYNAMORM_DEFINE_GETTER (guint, dynamorm_batch_options_get_chunk_size,
                        DynamormBatchOptions, DYNAMORM_IS_BATCH_OPTIONS, chunk_size, 0)

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
DYNAMORM_DEFINE_GETTER (guint, dynamorm_batch_options_get_max_concurrency,
                        DynamormBatchOptions, DYNAMORM_IS_BATCH_OPTIONS, max_concurrency, 1)

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
DYNAMORM_DEFINE_GETTER (gboolean, dynamorm_batch_options_get_consistent_read,
                        DynamormBatchOptions, DYNAMORM_IS_BATCH_OPTIONS, consistent_read, FALSE)

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
DYNAMORM_DEFINE_GETTER (DynamormRetryPolicy *, dynamorm_batch_options_get_retry_policy,
                        DynamormBatchOptions, DYNAMORM_IS_BATCH_OPTIONS, retry_policy, NULL)

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

