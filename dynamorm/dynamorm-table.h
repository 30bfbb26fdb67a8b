/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-session.h"

G_BEGIN_DECLS

/**
 * DynamormProjection:
 * @DYNAMORM_PROJECTION_ALL: the index holds every attribute of the item.
 * @DYNAMORM_PROJECTION_KEYS_ONLY: the index holds only the table's and the
 *   index's key attributes.
 * @DYNAMORM_PROJECTION_INCLUDE: the keys plus a list of non-key attributes.
 *
 * Which attributes a secondary index holds (DynamoDB's `ProjectionType`).
 */
typedef enum {
  DYNAMORM_PROJECTION_ALL,
  DYNAMORM_PROJECTION_KEYS_ONLY,
  DYNAMORM_PROJECTION_INCLUDE,
} DynamormProjection;

/**
 * DynamormStreamViewType:
 * @DYNAMORM_STREAM_VIEW_NONE: no stream.
 * @DYNAMORM_STREAM_VIEW_KEYS_ONLY: records carry the keys only.
 * @DYNAMORM_STREAM_VIEW_NEW_IMAGE: records carry the item after the change.
 * @DYNAMORM_STREAM_VIEW_OLD_IMAGE: records carry the item before the change.
 * @DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES: records carry both.
 *
 * What a table's stream records carry (DynamoDB's `StreamViewType`).
 */
typedef enum {
  DYNAMORM_STREAM_VIEW_NONE,
  DYNAMORM_STREAM_VIEW_KEYS_ONLY,
  DYNAMORM_STREAM_VIEW_NEW_IMAGE,
  DYNAMORM_STREAM_VIEW_OLD_IMAGE,
  DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES,
} DynamormStreamViewType;

/**
 * DynamormProgressFunc:
 * @done: how many units of work are done
 * @total: how many there are in all (an estimate for data migrations)
 * @user_data: the data passed with the function
 *
 * Reports the progress of a long operation, such as a migration.
 */
typedef void (*DynamormProgressFunc) (guint64  done,
                                      guint64  total,
                                      gpointer user_data);

/* ------------------------------------------------------------------ */

#define DYNAMORM_TYPE_TABLE_OPTIONS (dynamorm_table_options_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormTableOptions, dynamorm_table_options, DYNAMORM, TABLE_OPTIONS, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormTableOptions  *dynamorm_table_options_new                  (void);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_index_projection (DynamormTableOptions  *self,
                                                                    const char            *index_name,
                                                                    DynamormProjection     projection,
                                                                    const char * const    *non_key_attributes);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_provisioned      (DynamormTableOptions  *self,
                                                                    guint64                read_units,
                                                                    guint64                write_units);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_on_demand        (DynamormTableOptions  *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean               dynamorm_table_options_get_provisioned      (DynamormTableOptions  *self,
                                                                    guint64               *read_units,
                                                                    guint64               *write_units);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_stream           (DynamormTableOptions  *self,
                                                                    DynamormStreamViewType view_type);
DYNAMORM_AVAILABLE_IN_ALL
DynamormStreamViewType dynamorm_table_options_get_stream           (DynamormTableOptions  *self);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_ttl_enabled      (DynamormTableOptions  *self,
                                                                    gboolean               enabled);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_timeout          (DynamormTableOptions  *self,
                                                                    guint                  seconds);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_poll_interval    (DynamormTableOptions  *self,
                                                                    guint                  milliseconds);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_drop_indexes     (DynamormTableOptions  *self,
                                                                    gboolean               drop);

/* ------------------------------------------------------------------ */

#define DYNAMORM_TYPE_TABLE (dynamorm_table_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormTable, dynamorm_table, DYNAMORM, TABLE, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormTable        *dynamorm_table_new                    (DynamormSession      *session,
                                                             GType                 model_type,
                                                             DynamormTableOptions *options);
DYNAMORM_AVAILABLE_IN_ALL
DynamormSession      *dynamorm_table_get_session            (DynamormTable        *self);
DYNAMORM_AVAILABLE_IN_ALL
GType                 dynamorm_table_get_model_type         (DynamormTable        *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormTableOptions *dynamorm_table_get_options            (DynamormTable        *self);
DYNAMORM_AVAILABLE_IN_ALL
char                 *dynamorm_table_get_name               (DynamormTable        *self);

DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_create                  (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_table_create_async            (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_create_finish           (DynamormTable        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_ensure                  (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_table_ensure_async            (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_ensure_finish           (DynamormTable        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
JsonNode *dynamorm_table_describe                (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_table_describe_async          (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode *dynamorm_table_describe_finish         (DynamormTable        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_wait_until_active       (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_table_wait_until_active_async (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_wait_until_active_finish (DynamormTable       *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_delete                  (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_table_delete_async            (DynamormTable        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_delete_finish           (DynamormTable        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_migrate                 (DynamormTable        *self,
                                                  DynamormProgressFunc  progress,
                                                  gpointer              progress_data,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_table_migrate_async           (DynamormTable        *self,
                                                  DynamormProgressFunc  progress,
                                                  gpointer              progress_data,
                                                  GDestroyNotify        progress_data_destroy,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_table_migrate_finish          (DynamormTable        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
char    **dynamorm_table_list_names              (DynamormSession      *session,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_table_list_names_async        (DynamormSession      *session,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
char    **dynamorm_table_list_names_finish       (DynamormSession      *session,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* ------------------------------------------------------------------ */

/**
 * DynamormItemTransform:
 * @item: (transfer none): an item of the source table, as DynamoDB JSON
 * @user_data: the data passed with the function
 * @error: return location for a #GError
 *
 * Turns an item of a data migration's source table into the item written
 * to its target table. Returning %NULL stops the migration; set @error to
 * say why.
 *
 * Returns: (transfer full) (nullable): the item to write, or %NULL on error
 */
typedef JsonNode *(*DynamormItemTransform) (JsonNode  *item,
                                            gpointer   user_data,
                                            GError   **error);

#define DYNAMORM_TYPE_DATA_MIGRATION (dynamorm_data_migration_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormDataMigration, dynamorm_data_migration, DYNAMORM, DATA_MIGRATION, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormDataMigration *dynamorm_data_migration_new            (DynamormSession        *session,
                                                               const char             *source_table,
                                                               const char             *target_table);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_data_migration_set_transform  (DynamormDataMigration  *self,
                                                               DynamormItemTransform   transform,
                                                               gpointer                user_data,
                                                               GDestroyNotify          destroy);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_data_migration_set_page_size  (DynamormDataMigration  *self,
                                                               guint                   page_size);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_data_migration_set_exact_total (DynamormDataMigration *self,
                                                                gboolean               exact);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_data_migration_set_checkpoint (DynamormDataMigration  *self,
                                                               const char             *checkpoint);
DYNAMORM_AVAILABLE_IN_ALL
char                  *dynamorm_data_migration_get_checkpoint (DynamormDataMigration  *self);
DYNAMORM_AVAILABLE_IN_ALL
guint64                dynamorm_data_migration_get_done       (DynamormDataMigration  *self);
DYNAMORM_AVAILABLE_IN_ALL
guint64                dynamorm_data_migration_get_total      (DynamormDataMigration  *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean               dynamorm_data_migration_run            (DynamormDataMigration  *self,
                                                               GCancellable           *cancellable,
                                                               GError                **error);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_data_migration_run_async      (DynamormDataMigration  *self,
                                                               GCancellable           *cancellable,
                                                               GAsyncReadyCallback     callback,
                                                               gpointer                user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean               dynamorm_data_migration_run_finish     (DynamormDataMigration  *self,
                                                               GAsyncResult           *result,
                                                               GError                **error);

G_END_DECLS
