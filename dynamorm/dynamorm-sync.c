/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dynamorm-sync-private.h"

void
_dynamorm_sync_wait_init (DynamormSyncWait *w)
{
  w->context = g_main_context_new ();
  w->result = NULL;
  g_main_context_push_thread_default (w->context);
}

void
_dynamorm_sync_wait_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  DynamormSyncWait *w = user_data;

  w->result = g_object_ref (result);
  g_main_context_wakeup (w->context);
}

GAsyncResult *
_dynamorm_sync_wait_run (DynamormSyncWait *w)
{
  while (w->result == NULL)
    g_main_context_iteration (w->context, TRUE);
  g_main_context_pop_thread_default (w->context);
  return w->result;
}

void
_dynamorm_sync_wait_clear (DynamormSyncWait *w)
{
  g_clear_object (&w->result);
  g_clear_pointer (&w->context, g_main_context_unref);
}

gboolean
_dynamorm_task_finish_boolean (gpointer       source,
                               GAsyncResult  *result,
                               gpointer       source_tag,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gpointer
_dynamorm_task_finish_pointer (gpointer       source,
                               GAsyncResult  *result,
                               gpointer       source_tag,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
