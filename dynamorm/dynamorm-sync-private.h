/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-sync-private.h: the blocking forms of async operations.
 *
 * A blocking call runs its async twin on a private main context pushed as
 * the thread default, so callbacks (progress, transforms) run in the
 * caller's thread and nothing is dispatched to the caller's own context:
 *
 *   g_auto(DynamormSyncWait) w = { 0 };
 *   ...
 *   _dynamorm_sync_wait_init (&w);
 *   thing_async (..., cancellable, _dynamorm_sync_wait_cb, &w);
 *   return thing_finish (..., _dynamorm_sync_wait_run (&w), error);
 *
 * The wait is cleared (its context and result released) when it goes out
 * of scope, after the finish.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  GMainContext *context;
  GAsyncResult *result;
} DynamormSyncWait;

void          _dynamorm_sync_wait_init  (DynamormSyncWait *w);
void          _dynamorm_sync_wait_cb    (GObject *source, GAsyncResult *result, gpointer user_data);
/* Iterates the private context until the operation completed. */
GAsyncResult *_dynamorm_sync_wait_run   (DynamormSyncWait *w);
void          _dynamorm_sync_wait_clear (DynamormSyncWait *w);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DynamormSyncWait, _dynamorm_sync_wait_clear)

/* The body of an operation's _finish: result must be a GTask of source
 * made by the operation whose _async is source_tag. */
gboolean      _dynamorm_task_finish_boolean (gpointer       source,
                                             GAsyncResult  *result,
                                             gpointer       source_tag,
                                             GError       **error);
gpointer      _dynamorm_task_finish_pointer (gpointer       source,
                                             GAsyncResult  *result,
                                             gpointer       source_tag,
                                             GError       **error);

/* Defines, under its gi-docgen comment, a public _finish that only hands
 * back what its task returned, as the accessors of
 * dynamorm-accessors-private.h do for fields:
 *
 *   DYNAMORM_DEFINE_FINISH_BOOLEAN (dynamorm_session_put_finish, DynamormSession,
 *                                   dynamorm_session_put_async)
 *
 * defines
 *
 *   gboolean
 *   dynamorm_session_put_finish (DynamormSession *self, GAsyncResult *result, GError **error)
 *   {
 *     return _dynamorm_task_finish_boolean (self, result, dynamorm_session_put_async, error);
 *   }
 *
 * and DYNAMORM_DEFINE_FINISH_POINTER one that returns RetType. A _finish
 * that checks more, or changes what it returns, is written out. */
#define DYNAMORM_DEFINE_FINISH_BOOLEAN(function, Type, async_function)             \
  gboolean                                                                       \
  function (Type *self, GAsyncResult *result, GError **error)                    \
  {                                                                              \
    return _dynamorm_task_finish_boolean (self, result, async_function, error);  \
  }

#define DYNAMORM_DEFINE_FINISH_POINTER(RetType, function, Type, async_function)    \
  RetType                                                                        \
  function (Type *self, GAsyncResult *result, GError **error)                    \
  {                                                                              \
    return _dynamorm_task_finish_pointer (self, result, async_function, error);  \
  }

/* Defines, under its gi-docgen comment, the blocking form of an operation
 * whose _async takes only a cancellable (see the top of this file):
 *
 *   DYNAMORM_DEFINE_BLOCKING (gboolean, dynamorm_data_migration_run, DynamormDataMigration,
 *                             DYNAMORM_IS_DATA_MIGRATION, FALSE,
 *                             dynamorm_data_migration_run_async,
 *                             dynamorm_data_migration_run_finish)
 *
 * defines
 *
 *   gboolean
 *   dynamorm_data_migration_run (DynamormDataMigration *self, GCancellable *cancellable,
 *                                GError **error)
 *   {
 *     g_auto(DynamormSyncWait) w = { 0 };
 *
 *     g_return_val_if_fail (DYNAMORM_IS_DATA_MIGRATION (self), FALSE);
 *
 *     _dynamorm_sync_wait_init (&w);
 *     dynamorm_data_migration_run_async (self, cancellable, _dynamorm_sync_wait_cb, &w);
 *     return dynamorm_data_migration_run_finish (self, _dynamorm_sync_wait_run (&w), error);
 *   }
 *
 * A blocking form that takes more, or does more, is written out. */
#define DYNAMORM_DEFINE_BLOCKING(RetType, function, Type, TYPE_CHECK, fallback,          \
                                 async_function, finish_function)                      \
  RetType                                                                              \
  function (Type *self, GCancellable *cancellable, GError **error)                     \
  {                                                                                    \
    g_auto(DynamormSyncWait) w = { 0 };                                                \
                                                                                       \
    g_return_val_if_fail (TYPE_CHECK (self), fallback);                                \
                                                                                       \
    _dynamorm_sync_wait_init (&w);                                                     \
    async_function (self, cancellable, _dynamorm_sync_wait_cb, &w);                    \
    return finish_function (self, _dynamorm_sync_wait_run (&w), error);                \
  }

/* As DYNAMORM_DEFINE_FINISH_BOOLEAN and _POINTER, for a _finish that
 * also checks the type of self first:
 *
 *   DYNAMORM_DEFINE_CHECKED_FINISH_BOOLEAN (dynamorm_data_migration_run_finish,
 *                                           DynamormDataMigration, DYNAMORM_IS_DATA_MIGRATION,
 *                                           dynamorm_data_migration_run_async)
 *
 * defines
 *
 *   gboolean
 *   dynamorm_data_migration_run_finish (DynamormDataMigration *self, GAsyncResult *result,
 *                                       GError **error)
 *   {
 *     g_return_val_if_fail (DYNAMORM_IS_DATA_MIGRATION (self), FALSE);
 *
 *     return _dynamorm_task_finish_boolean (self, result, dynamorm_data_migration_run_async,
 *                                           error);
 *   }
 *
 * and DYNAMORM_DEFINE_CHECKED_FINISH_POINTER one that returns RetType
 * (NULL when the check fails). */
#define DYNAMORM_DEFINE_CHECKED_FINISH_BOOLEAN(function, Type, TYPE_CHECK, async_function) \
  gboolean                                                                             \
  function (Type *self, GAsyncResult *result, GError **error)                          \
  {                                                                                    \
    g_return_val_if_fail (TYPE_CHECK (self), FALSE);                                   \
                                                                                       \
    return _dynamorm_task_finish_boolean (self, result, async_function, error);        \
  }

#define DYNAMORM_DEFINE_CHECKED_FINISH_POINTER(RetType, function, Type, TYPE_CHECK,      \
                                               async_function)                         \
  RetType                                                                              \
  function (Type *self, GAsyncResult *result, GError **error)                          \
  {                                                                                    \
    g_return_val_if_fail (TYPE_CHECK (self), NULL);                                    \
                                                                                       \
    return _dynamorm_task_finish_pointer (self, result, async_function, error);        \
  }

G_END_DECLS
