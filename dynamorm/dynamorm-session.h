/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-backend.h"
#include "dynamorm-model.h"
#include "dynamorm-update.h"
#include "dynamorm-write-options.h"
#include "dynamorm-key-provider.h"
#include "dynamorm-data-key-cache.h"

G_BEGIN_DECLS

/**
 * DynamormCapacityMode:
 * @DYNAMORM_CAPACITY_NONE: do not ask for consumed capacity
 * @DYNAMORM_CAPACITY_TOTAL: ask for the total per table (`TOTAL`)
 * @DYNAMORM_CAPACITY_INDEXES: ask for the table and each index (`INDEXES`)
 *
 * How much consumed-capacity detail a session asks DynamoDB for.
 */
typedef enum {
  DYNAMORM_CAPACITY_NONE,
  DYNAMORM_CAPACITY_TOTAL,
  DYNAMORM_CAPACITY_INDEXES,
} DynamormCapacityMode;

#define DYNAMORM_TYPE_SESSION (dynamorm_session_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormSession, dynamorm_session, DYNAMORM, SESSION, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormSession *dynamorm_session_new              (const char           *uri,
                                                    GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormSession *dynamorm_session_new_full         (const char           *uri,
                                                    DynamormCredentials  *credentials,
                                                    DynamormRetryPolicy  *retry_policy,
                                                    GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormSession *dynamorm_session_new_for_backend  (DynamormBackend      *backend);
DYNAMORM_AVAILABLE_IN_ALL
DynamormBackend *dynamorm_session_get_backend      (DynamormSession      *self);
DYNAMORM_AVAILABLE_IN_ALL
const char      *dynamorm_session_get_table_prefix (DynamormSession      *self);
DYNAMORM_AVAILABLE_IN_ALL
void             dynamorm_session_set_table_prefix (DynamormSession      *self,
                                                    const char           *prefix);
DYNAMORM_AVAILABLE_IN_ALL
char            *dynamorm_session_get_table_name   (DynamormSession      *self,
                                                    GType                 model_type);

/* Encrypted properties */
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_session_set_key_provider   (DynamormSession      *self,
                                                           DynamormKeyProvider  *provider);
DYNAMORM_AVAILABLE_IN_ALL
DynamormKeyProvider  *dynamorm_session_get_key_provider   (DynamormSession      *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_session_set_data_key_cache (DynamormSession      *self,
                                                           DynamormDataKeyCache *cache);
DYNAMORM_AVAILABLE_IN_ALL
DynamormDataKeyCache *dynamorm_session_get_data_key_cache (DynamormSession     *self);

/* Consumed capacity */
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_session_set_capacity_mode      (DynamormSession      *self,
                                                              DynamormCapacityMode  mode);
DYNAMORM_AVAILABLE_IN_ALL
DynamormCapacityMode dynamorm_session_get_capacity_mode      (DynamormSession      *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean             dynamorm_session_get_consumed_capacity  (DynamormSession      *self,
                                                              const char           *table_name,
                                                              const char           *index_name,
                                                              double               *read_units,
                                                              double               *write_units);
DYNAMORM_AVAILABLE_IN_ALL
GVariant            *dynamorm_session_get_capacity_summary   (DynamormSession      *self);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_session_reset_consumed_capacity (DynamormSession     *self);

/* Raw API calls */
DYNAMORM_AVAILABLE_IN_ALL
JsonNode *dynamorm_session_call        (DynamormSession      *self,
                                        const char           *operation,
                                        JsonNode             *request,
                                        GCancellable         *cancellable,
                                        GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_session_call_async  (DynamormSession      *self,
                                        const char           *operation,
                                        JsonNode             *request,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode *dynamorm_session_call_finish (DynamormSession      *self,
                                        GAsyncResult         *result,
                                        GError              **error);

/* PartiQL (dynamorm-execute.c) */
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray *dynamorm_session_execute        (DynamormSession      *self,
                                            GType                 model_type,
                                            const char           *statement,
                                            JsonNode             *parameters,
                                            GCancellable         *cancellable,
                                            GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void       dynamorm_session_execute_async  (DynamormSession      *self,
                                            GType                 model_type,
                                            const char           *statement,
                                            JsonNode             *parameters,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray *dynamorm_session_execute_finish (DynamormSession      *self,
                                            GAsyncResult         *result,
                                            GError              **error);

/* Tables (create, delete and describe are implemented over DynamormTable,
 * in dynamorm-table.c) */
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_session_create_table          (DynamormSession      *self,
                                                  GType                 model_type,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_session_create_table_async    (DynamormSession      *self,
                                                  GType                 model_type,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_session_create_table_finish   (DynamormSession      *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_session_delete_table          (DynamormSession      *self,
                                                  GType                 model_type,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_session_delete_table_async    (DynamormSession      *self,
                                                  GType                 model_type,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_session_delete_table_finish   (DynamormSession      *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode *dynamorm_session_describe_table        (DynamormSession      *self,
                                                  GType                 model_type,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_session_describe_table_async  (DynamormSession      *self,
                                                  GType                 model_type,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode *dynamorm_session_describe_table_finish (DynamormSession      *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
char    **dynamorm_session_list_tables           (DynamormSession      *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void      dynamorm_session_list_tables_async     (DynamormSession      *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
char    **dynamorm_session_list_tables_finish    (DynamormSession      *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* Items */
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_put           (DynamormSession      *self,
                                               DynamormModel        *model,
                                               GCancellable         *cancellable,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void           dynamorm_session_put_async     (DynamormSession      *self,
                                               DynamormModel        *model,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_put_finish    (DynamormSession      *self,
                                               GAsyncResult         *result,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_insert        (DynamormSession      *self,
                                               DynamormModel        *model,
                                               GCancellable         *cancellable,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void           dynamorm_session_insert_async  (DynamormSession      *self,
                                               DynamormModel        *model,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_insert_finish (DynamormSession      *self,
                                               GAsyncResult         *result,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel *dynamorm_session_get           (DynamormSession      *self,
                                               GType                 model_type,
                                               const GValue         *partition_key,
                                               const GValue         *sort_key,
                                               GCancellable         *cancellable,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void           dynamorm_session_get_async     (DynamormSession      *self,
                                               GType                 model_type,
                                               const GValue         *partition_key,
                                               const GValue         *sort_key,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel *dynamorm_session_get_finish    (DynamormSession      *self,
                                               GAsyncResult         *result,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_reload        (DynamormSession      *self,
                                               DynamormModel        *model,
                                               GCancellable         *cancellable,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void           dynamorm_session_reload_async  (DynamormSession      *self,
                                               DynamormModel        *model,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_reload_finish (DynamormSession      *self,
                                               GAsyncResult         *result,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_update        (DynamormSession      *self,
                                               DynamormModel        *model,
                                               const char * const   *properties,
                                               GCancellable         *cancellable,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void           dynamorm_session_update_async  (DynamormSession      *self,
                                               DynamormModel        *model,
                                               const char * const   *properties,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_update_finish (DynamormSession      *self,
                                               GAsyncResult         *result,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_delete        (DynamormSession      *self,
                                               DynamormModel        *model,
                                               GCancellable         *cancellable,
                                               GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void           dynamorm_session_delete_async  (DynamormSession      *self,
                                               DynamormModel        *model,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_delete_finish (DynamormSession      *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* Conditional writes and updates */
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_put_full             (DynamormSession       *self,
                                                      DynamormModel         *model,
                                                      DynamormWriteOptions  *options,
                                                      DynamormModel        **current,
                                                      GCancellable          *cancellable,
                                                      GError               **error);
DYNAMORM_AVAILABLE_IN_ALL
void           dynamorm_session_put_full_async       (DynamormSession       *self,
                                                      DynamormModel         *model,
                                                      DynamormWriteOptions  *options,
                                                      GCancellable          *cancellable,
                                                      GAsyncReadyCallback    callback,
                                                      gpointer               user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_put_full_finish      (DynamormSession       *self,
                                                      GAsyncResult          *result,
                                                      DynamormModel        **current,
                                                      GError               **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_update_full          (DynamormSession       *self,
                                                      DynamormModel         *model,
                                                      DynamormUpdate        *update,
                                                      DynamormWriteOptions  *options,
                                                      DynamormModel        **current,
                                                      GCancellable          *cancellable,
                                                      GError               **error);
DYNAMORM_AVAILABLE_IN_ALL
void           dynamorm_session_update_full_async    (DynamormSession       *self,
                                                      DynamormModel         *model,
                                                      DynamormUpdate        *update,
                                                      DynamormWriteOptions  *options,
                                                      GCancellable          *cancellable,
                                                      GAsyncReadyCallback    callback,
                                                      gpointer               user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_update_full_finish   (DynamormSession       *self,
                                                      GAsyncResult          *result,
                                                      DynamormModel        **current,
                                                      GError               **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_delete_full          (DynamormSession       *self,
                                                      DynamormModel         *model,
                                                      DynamormWriteOptions  *options,
                                                      DynamormModel        **current,
                                                      GCancellable          *cancellable,
                                                      GError               **error);
DYNAMORM_AVAILABLE_IN_ALL
void           dynamorm_session_delete_full_async    (DynamormSession       *self,
                                                      DynamormModel         *model,
                                                      DynamormWriteOptions  *options,
                                                      GCancellable          *cancellable,
                                                      GAsyncReadyCallback    callback,
                                                      gpointer               user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_session_delete_full_finish   (DynamormSession       *self,
                                                      GAsyncResult          *result,
                                                      DynamormModel        **current,
                                                      GError               **error);

G_END_DECLS
