/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-table-options.c: how a table is created and kept in line with
 * its model (index projections, billing, stream, TTL, timeouts). */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-table-private.h"
#include "dynamorm-accessors-private.h"

#define DEFAULT_TIMEOUT_S 300
#define DEFAULT_POLL_MS   500

static void
index_projection_free (IndexProjection *p)
{
  g_strfreev (p->non_key_attributes);
  g_free (p);
}

/**
 * DynamormTableOptions:
 *
 * How a table is created and kept in line with its model, beyond what the
 * model's schema says: the projection of each secondary index, the billing
 * mode, the stream, whether TTL is enabled, how long to wait for the table
 * to become active, and whether migrations may drop indexes.
 *
 * ```c
 * g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
 * const char *extra[] = { "name", NULL };
 *
 * dynamorm_table_options_set_index_projection (options, "by-email",
 *                                              DYNAMORM_PROJECTION_INCLUDE, extra);
 * dynamorm_table_options_set_stream (options, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
 * ```
 *
 * Set the options before handing them to [ctor@Dynamorm.Table.new]; they
 * are not meant to be changed while an operation runs.
 */

G_DEFINE_FINAL_TYPE (DynamormTableOptions, dynamorm_table_options, G_TYPE_OBJECT)

static void
dynamorm_table_options_finalize (GObject *object)
{
  DynamormTableOptions *self = DYNAMORM_TABLE_OPTIONS (object);

  g_clear_pointer (&self->projections, g_hash_table_unref);

  G_OBJECT_CLASS (dynamorm_table_options_parent_class)->finalize (object);
}

static void
dynamorm_table_options_class_init (DynamormTableOptionsClass *klass)
{
  _dynamorm_init ();
  G_OBJECT_CLASS (klass)->finalize = dynamorm_table_options_finalize;
}

static void
dynamorm_table_options_init (DynamormTableOptions *self)
{
  self->projections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) index_projection_free);
  self->ttl_enabled = TRUE;
  self->timeout_s = DEFAULT_TIMEOUT_S;
  self->poll_ms = DEFAULT_POLL_MS;
}

/**
 * dynamorm_table_options_new:
 *
 * Creates table options with the defaults: every index projects all
 * attributes, billing is on demand, no stream, TTL enabled when the model
 * has a `ttl` property, a 300 second timeout polled every 500 ms, and
 * migrations keep indexes the model no longer declares.
 *
 * Returns: (transfer full): new options
 */
DynamormTableOptions *
dynamorm_table_options_new (void)
{
  return g_object_new (DYNAMORM_TYPE_TABLE_OPTIONS, NULL);
}

/**
 * dynamorm_table_options_set_index_projection:
 * @self: a #DynamormTableOptions
 * @index_name: the name of a secondary index of the model
 * @projection: which attributes the index holds
 * @non_key_attributes: (array zero-terminated=1) (nullable): for
 *   %DYNAMORM_PROJECTION_INCLUDE, the properties (or attribute names) the
 *   index holds besides the keys; %NULL otherwise
 *
 * Sets the projection of one secondary index. Indexes without one project
 * all attributes. An index name the model does not declare is reported by
 * the first table operation, before any request is sent.
 */
void
dynamorm_table_options_set_index_projection (DynamormTableOptions *self,
                                             const char           *index_name,
                                             DynamormProjection    projection,
                                             const char * const   *non_key_attributes)
{
  IndexProjection *p;

  g_return_if_fail (DYNAMORM_IS_TABLE_OPTIONS (self));
  g_return_if_fail (index_name != NULL);
  g_return_if_fail (projection <= DYNAMORM_PROJECTION_INCLUDE);

  p = g_new0 (IndexProjection, 1);
  p->projection = projection;
  p->non_key_attributes = g_strdupv ((char **) non_key_attributes);
  g_hash_table_replace (self->projections, g_strdup (index_name), p);
}

/**
 * dynamorm_table_options_set_provisioned:
 * @self: a #DynamormTableOptions
 * @read_units: read capacity units, at least 1
 * @write_units: write capacity units, at least 1
 *
 * Bills the table by provisioned capacity. Global secondary indexes get
 * the same units.
 */
void
dynamorm_table_options_set_provisioned (DynamormTableOptions *self,
                                        guint64               read_units,
                                        guint64               write_units)
{
  g_return_if_fail (DYNAMORM_IS_TABLE_OPTIONS (self));
  g_return_if_fail (read_units > 0 && write_units > 0);

  self->provisioned = TRUE;
  self->read_units = read_units;
  self->write_units = write_units;
}

/**
 * dynamorm_table_options_set_on_demand:
 * @self: a #DynamormTableOptions
 *
 * Bills the table per request (`PAY_PER_REQUEST`), the default.
 */
void
dynamorm_table_options_set_on_demand (DynamormTableOptions *self)
{
  g_return_if_fail (DYNAMORM_IS_TABLE_OPTIONS (self));

  self->provisioned = FALSE;
  self->read_units = self->write_units = 0;
}

/**
 * dynamorm_table_options_get_provisioned:
 * @self: a #DynamormTableOptions
 * @read_units: (out) (optional): the read capacity units
 * @write_units: (out) (optional): the write capacity units
 *
 * Gets the provisioned capacity, if the table is billed that way.
 *
 * Returns: %TRUE if billing is provisioned, %FALSE if on demand
 */
gboolean
dynamorm_table_options_get_provisioned (DynamormTableOptions *self,
                                        guint64              *read_units,
                                        guint64              *write_units)
{
  g_return_val_if_fail (DYNAMORM_IS_TABLE_OPTIONS (self), FALSE);

  if (read_units)
    *read_units = self->read_units;
  if (write_units)
    *write_units = self->write_units;
  return self->provisioned;
}

/**
 * dynamorm_table_options_set_stream:
 * @self: a #DynamormTableOptions
 * @view_type: what the stream's records carry, or
 *   %DYNAMORM_STREAM_VIEW_NONE for no stream
 *
 * Sets the table's stream. Once set, migrations also bring an existing
 * table's stream in line; without it they leave the stream alone.
 */
void
dynamorm_table_options_set_stream (DynamormTableOptions   *self,
                                   DynamormStreamViewType  view_type)
{
  g_return_if_fail (DYNAMORM_IS_TABLE_OPTIONS (self));
  g_return_if_fail (view_type <= DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);

  self->stream = view_type;
  self->stream_set = TRUE;
}

/**
 * dynamorm_table_options_get_stream:
 * @self: a #DynamormTableOptions
 *
 * Gets the stream view type.
 *
 * Returns: the view type, %DYNAMORM_STREAM_VIEW_NONE for no stream
 */
DYNAMORM_DEFINE_GETTER (DynamormStreamViewType, dynamorm_table_options_get_stream,
                        DynamormTableOptions, DYNAMORM_IS_TABLE_OPTIONS, stream, DYNAMORM_STREAM_VIEW_NONE)

/**
 * dynamorm_table_options_set_ttl_enabled:
 * @self: a #DynamormTableOptions
 * @enabled: whether to enable TTL
 *
 * Whether creating or migrating the table of a model with a `ttl`
 * property enables DynamoDB's time to live on it (the default). Models
 * without one are not affected.
 */
DYNAMORM_DEFINE_BOOLEAN_SETTER (dynamorm_table_options_set_ttl_enabled, DynamormTableOptions,
                                DYNAMORM_IS_TABLE_OPTIONS, enabled, ttl_enabled)

/**
 * dynamorm_table_options_set_timeout:
 * @self: a #DynamormTableOptions
 * @seconds: the longest wait, or 0 to wait without a limit
 *
 * Sets how long to wait for a table (and its indexes) to become active, or
 * to disappear after deletion, before failing with %G_IO_ERROR_TIMED_OUT.
 * The default is 300 seconds.
 */
DYNAMORM_DEFINE_SETTER (dynamorm_table_options_set_timeout, DynamormTableOptions,
                        DYNAMORM_IS_TABLE_OPTIONS, guint, seconds, timeout_s)

/**
 * dynamorm_table_options_set_poll_interval:
 * @self: a #DynamormTableOptions
 * @milliseconds: the time between two DescribeTable calls while waiting
 *
 * Sets how often a wait polls the table's status. The default is 500 ms.
 */
void
dynamorm_table_options_set_poll_interval (DynamormTableOptions *self,
                                          guint                 milliseconds)
{
  g_return_if_fail (DYNAMORM_IS_TABLE_OPTIONS (self));

  self->poll_ms = MAX (milliseconds, 1);
}

/**
 * dynamorm_table_options_set_drop_indexes:
 * @self: a #DynamormTableOptions
 * @drop: whether migrations may delete global secondary indexes
 *
 * Whether [method@Dynamorm.Table.migrate] deletes global secondary indexes
 * the model no longer declares, and deletes and re-creates those whose key
 * or projection changed. Off by default: dropping an index is not undone
 * quickly.
 */
DYNAMORM_DEFINE_BOOLEAN_SETTER (dynamorm_table_options_set_drop_indexes, DynamormTableOptions,
                                DYNAMORM_IS_TABLE_OPTIONS, drop, drop_indexes)

