/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-model.h"
#include "dynamorm-session.h"
#include "dynamorm-batch-options.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_BATCH_WRITE (dynamorm_batch_write_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormBatchWrite, dynamorm_batch_write, DYNAMORM, BATCH_WRITE, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormBatchWrite   *dynamorm_batch_write_new                 (DynamormSession             *session);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_write_add_put             (DynamormBatchWrite          *self,
                                                                DynamormModel               *model);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_write_add_delete          (DynamormBatchWrite          *self,
                                                                DynamormModel               *model);
DYNAMORM_AVAILABLE_IN_ALL
guint                 dynamorm_batch_write_get_n_items         (DynamormBatchWrite          *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormBatchOptions *dynamorm_batch_write_get_options         (DynamormBatchWrite          *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_write_set_options         (DynamormBatchWrite          *self,
                                                                DynamormBatchOptions        *options);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_write_set_chunk_size      (DynamormBatchWrite          *self,
                                                                guint                        chunk_size);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_write_set_max_concurrency (DynamormBatchWrite          *self,
                                                                guint                        max_concurrency);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_write_set_retry_policy    (DynamormBatchWrite          *self,
                                                                DynamormRetryPolicy         *policy);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_write_set_progress_func   (DynamormBatchWrite          *self,
                                                                DynamormBatchProgressFunc    func,
                                                                gpointer                     user_data,
                                                                GDestroyNotify               destroy);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_write_set_chunk_error_func (DynamormBatchWrite         *self,
                                                                 DynamormBatchChunkErrorFunc func,
                                                                 gpointer                    user_data,
                                                                 GDestroyNotify              destroy);
DYNAMORM_AVAILABLE_IN_ALL
gboolean              dynamorm_batch_write_execute             (DynamormBatchWrite          *self,
                                                                GCancellable                *cancellable,
                                                                GError                     **error);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_write_execute_async       (DynamormBatchWrite          *self,
                                                                GCancellable                *cancellable,
                                                                GAsyncReadyCallback          callback,
                                                                gpointer                     user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean              dynamorm_batch_write_execute_finish      (DynamormBatchWrite          *self,
                                                                GAsyncResult                *result,
                                                                GError                     **error);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray            *dynamorm_batch_write_get_unwritten_puts    (DynamormBatchWrite        *self);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray            *dynamorm_batch_write_get_unwritten_deletes (DynamormBatchWrite        *self);

/* The options form */
DYNAMORM_AVAILABLE_IN_ALL
gboolean   dynamorm_session_batch_write         (DynamormSession       *self,
                                                 DynamormModel        **puts,
                                                 guint                  n_puts,
                                                 DynamormModel        **deletes,
                                                 guint                  n_deletes,
                                                 DynamormBatchOptions  *options,
                                                 GPtrArray            **unwritten,
                                                 GCancellable          *cancellable,
                                                 GError               **error);
DYNAMORM_AVAILABLE_IN_ALL
void       dynamorm_session_batch_write_async   (DynamormSession       *self,
                                                 DynamormModel        **puts,
                                                 guint                  n_puts,
                                                 DynamormModel        **deletes,
                                                 guint                  n_deletes,
                                                 DynamormBatchOptions  *options,
                                                 GCancellable          *cancellable,
                                                 GAsyncReadyCallback    callback,
                                                 gpointer               user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean   dynamorm_session_batch_write_finish  (DynamormSession       *self,
                                                 GAsyncResult          *result,
                                                 GPtrArray            **unwritten,
                                                 GError               **error);

G_END_DECLS
