/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-retry-policy.h"

G_BEGIN_DECLS

/**
 * DYNAMORM_BATCH_GET_MAX_CHUNK_SIZE:
 *
 * The most keys one BatchGetItem request may hold (DynamoDB's limit).
 */
#define DYNAMORM_BATCH_GET_MAX_CHUNK_SIZE 100

/**
 * DYNAMORM_BATCH_WRITE_MAX_CHUNK_SIZE:
 *
 * The most puts and deletes one BatchWriteItem request may hold
 * (DynamoDB's limit).
 */
#define DYNAMORM_BATCH_WRITE_MAX_CHUNK_SIZE 25

/**
 * DynamormBatchProgressFunc:
 * @done: how many keys (batch get) or items (batch write) have been
 *   answered so far
 * @total: how many there are in all
 * @user_data: the data given with the function
 *
 * Called after each answered request of a batch, in the thread-default
 * main context of the caller, so it may update a user interface.
 */
typedef void (*DynamormBatchProgressFunc) (guint    done,
                                           guint    total,
                                           gpointer user_data);

/**
 * DynamormBatchChunkErrorFunc:
 * @positions: (array length=n_positions): the positions, in the list the
 *   caller gave, of the keys or items of the chunk that failed
 * @n_positions: the number of @positions
 * @error: why the chunk failed
 * @user_data: the data given with the function
 *
 * Called when a chunk of a batch fails: its request failed, or DynamoDB
 * left some of its keys or items unprocessed after every attempt the retry
 * policy allows. It runs in the thread-default main context of the caller.
 *
 * Returns: %TRUE to skip the chunk and go on with the others (its keys or
 *   items are then reported as failed), %FALSE to stop the batch with
 *   @error
 */
typedef gboolean (*DynamormBatchChunkErrorFunc) (const guint  *positions,
                                                 guint         n_positions,
                                                 const GError *error,
                                                 gpointer      user_data);

#define DYNAMORM_TYPE_BATCH_OPTIONS (dynamorm_batch_options_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormBatchOptions, dynamorm_batch_options, DYNAMORM, BATCH_OPTIONS, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormBatchOptions *dynamorm_batch_options_new                  (void);
DYNAMORM_AVAILABLE_IN_ALL
guint                 dynamorm_batch_options_get_chunk_size       (DynamormBatchOptions        *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_options_set_chunk_size       (DynamormBatchOptions        *self,
                                                                   guint                        chunk_size);
DYNAMORM_AVAILABLE_IN_ALL
guint                 dynamorm_batch_options_get_max_concurrency  (DynamormBatchOptions        *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_options_set_max_concurrency  (DynamormBatchOptions        *self,
                                                                   guint                        max_concurrency);
DYNAMORM_AVAILABLE_IN_ALL
gboolean              dynamorm_batch_options_get_consistent_read  (DynamormBatchOptions        *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_options_set_consistent_read  (DynamormBatchOptions        *self,
                                                                   gboolean                     consistent_read);
DYNAMORM_AVAILABLE_IN_ALL
const char * const   *dynamorm_batch_options_get_projection       (DynamormBatchOptions        *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_options_set_projection       (DynamormBatchOptions        *self,
                                                                   const char * const          *properties);
DYNAMORM_AVAILABLE_IN_ALL
DynamormRetryPolicy  *dynamorm_batch_options_get_retry_policy     (DynamormBatchOptions        *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_options_set_retry_policy     (DynamormBatchOptions        *self,
                                                                   DynamormRetryPolicy         *policy);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_options_set_progress_func    (DynamormBatchOptions        *self,
                                                                   DynamormBatchProgressFunc    func,
                                                                   gpointer                     user_data,
                                                                   GDestroyNotify               destroy);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_batch_options_set_chunk_error_func (DynamormBatchOptions        *self,
                                                                   DynamormBatchChunkErrorFunc  func,
                                                                   gpointer                     user_data,
                                                                   GDestroyNotify               destroy);

G_END_DECLS
