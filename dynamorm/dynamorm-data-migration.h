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
void                   dynamorm_data_migration_set_encrypted_model (DynamormDataMigration *self,
                                                                    GType                  model_type);
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
