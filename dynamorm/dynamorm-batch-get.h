/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-key.h"
#include "dynamorm-model.h"
#include "dynamorm-session.h"
#include "dynamorm-batch-options.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_BATCH_GET (dynamorm_batch_get_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormBatchGet, dynamorm_batch_get, DYNAMORM, BATCH_GET, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormBatchGet     *dynamorm_batch_get_new                   (DynamormSession             *session,
                                                                GType                        model_type);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_add_key               (DynamormBatchGet            *self,
                                                                DynamormKey                 *key);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_add_key_for_type      (DynamormBatchGet            *self,
                                                                GType                        model_type,
                                                                DynamormKey                 *key);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_add_keys              (DynamormBatchGet            *self,
                                                                DynamormKey                **keys,
                                                                guint                        n_keys);
DYNAMORM_AVAILABLE_IN_ALL
DynamormBatchOptions *dynamorm_batch_get_get_options           (DynamormBatchGet            *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_set_options           (DynamormBatchGet            *self,
                                                                DynamormBatchOptions        *options);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_set_projection        (DynamormBatchGet            *self,
                                                                const char * const          *properties);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_set_consistent_read   (DynamormBatchGet            *self,
                                                                gboolean                     consistent_read);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_set_chunk_size        (DynamormBatchGet            *self,
                                                                guint                        chunk_size);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_set_max_concurrency   (DynamormBatchGet            *self,
                                                                guint                        max_concurrency);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_set_retry_policy      (DynamormBatchGet            *self,
                                                                DynamormRetryPolicy         *policy);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_set_progress_func     (DynamormBatchGet            *self,
                                                                DynamormBatchProgressFunc    func,
                                                                gpointer                     user_data,
                                                                GDestroyNotify               destroy);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_set_chunk_error_func  (DynamormBatchGet            *self,
                                                                DynamormBatchChunkErrorFunc  func,
                                                                gpointer                     user_data,
                                                                GDestroyNotify               destroy);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray            *dynamorm_batch_get_execute               (DynamormBatchGet            *self,
                                                                GCancellable                *cancellable,
                                                                GError                     **error);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_get_execute_async         (DynamormBatchGet            *self,
                                                                GCancellable                *cancellable,
                                                                GAsyncReadyCallback          callback,
                                                                gpointer                     user_data);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray            *dynamorm_batch_get_execute_finish        (DynamormBatchGet            *self,
                                                                GAsyncResult                *result,
                                                                GError                     **error);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray            *dynamorm_batch_get_get_missing_keys      (DynamormBatchGet            *self);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray            *dynamorm_batch_get_get_failed_keys       (DynamormBatchGet            *self);

/* The options form */
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray *dynamorm_session_batch_get           (DynamormSession       *self,
                                                 GType                  model_type,
                                                 DynamormKey          **keys,
                                                 guint                  n_keys,
                                                 DynamormBatchOptions  *options,
                                                 GPtrArray            **missing_keys,
                                                 GCancellable          *cancellable,
                                                 GError               **error);
DYNAMORM_AVAILABLE_IN_ALL
void       dynamorm_session_batch_get_async     (DynamormSession       *self,
                                                 GType                  model_type,
                                                 DynamormKey          **keys,
                                                 guint                  n_keys,
                                                 DynamormBatchOptions  *options,
                                                 GCancellable          *cancellable,
                                                 GAsyncReadyCallback    callback,
                                                 gpointer               user_data);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray *dynamorm_session_batch_get_finish    (DynamormSession       *self,
                                                 GAsyncResult          *result,
                                                 GPtrArray            **missing_keys,
                                                 GError               **error);

G_END_DECLS
