/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-session.h"
#include "dynamorm-table-options.h"

G_BEGIN_DECLS

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

G_END_DECLS
