/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dynamorm-http-timer.h"

struct _DynamormHttpTimer
{
  GMutex lock;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;     /* started on the first deadline */
};

DynamormHttpTimer *
dynamorm_http_timer_new (void)
{
  DynamormHttpTimer *timer = g_new0 (DynamormHttpTimer, 1);

  g_mutex_init (&timer->lock);
  timer->context = g_main_context_new ();
  timer->loop = g_main_loop_new (timer->context, FALSE);
  return timer;
}

static gpointer
timer_thread (gpointer data)
{
  DynamormHttpTimer *timer = data;

  g_main_context_push_thread_default (timer->context);
  g_main_loop_run (timer->loop);
  g_main_context_pop_thread_default (timer->context);
  return NULL;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
dynamorm_http_timer_free (DynamormHttpTimer *timer)
{
  if (timer == NULL)
    return;

  if (timer->thread != NULL)
    {
      g_main_context_invoke (timer->context, quit_cb, timer->loop);
      g_thread_join (timer->thread);
    }
  g_main_loop_unref (timer->loop);
  g_main_context_unref (timer->context);
  g_mutex_clear (&timer->lock);
  g_free (timer);
}

GSource *
dynamorm_http_timer_add (DynamormHttpTimer *timer,
                         guint              timeout_ms,
                         GSourceFunc        func,
                         gpointer           data,
                         GDestroyNotify     notify)
{
  GSource *source;

  g_mutex_lock (&timer->lock);
  if (timer->thread == NULL)
    timer->thread = g_thread_new ("dynamorm-http-timer", timer_thread, timer);
  g_mutex_unlock (&timer->lock);

  source = g_timeout_source_new (timeout_ms);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[dynamorm] request deadline");
  g_source_attach (source, timer->context);
  return source;
}
