/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dynamorm-http-timer.h"

#define IDLE_LINGER_US G_USEC_PER_SEC

struct _DynamormHttpTimerEntry
{
  gint64 when;                  /* monotonic µs */
  GList *link;                  /* in the queue; NULL once taken to fire */
  GFunc func;
  gpointer data;
  GDestroyNotify notify;
};

struct _DynamormHttpTimer
{
  GMutex lock;
  GCond wake;                   /* the thread: an earlier deadline, or quit */
  GCond fired;                  /* removers: firing is over */
  GQueue queue;                 /* entries by when, earliest first */
  gint64 wake_at;               /* when the thread wakes by itself (G_MAXINT64: never) */
  DynamormHttpTimerEntry *firing;
  gboolean idle;                /* the queue was empty at the last step */
  gboolean quit;
  GThread *thread;              /* started on the first deadline */
};

DynamormHttpTimer *
dynamorm_http_timer_new (void)
{
  DynamormHttpTimer *timer = g_new0 (DynamormHttpTimer, 1);

  g_mutex_init (&timer->lock);
  g_cond_init (&timer->wake);
  g_cond_init (&timer->fired);
  g_queue_init (&timer->queue);
  timer->wake_at = G_MAXINT64;
  return timer;
}

/* Called with the lock held: fires the head if it is due, else sleeps
 * until it is (or until an earlier one is armed). Removed entries leave
 * the queue at once; the thread then wakes at the time it had planned,
 * finds nothing due and sleeps again. */
static void
timer_step (DynamormHttpTimer *timer)
{
  DynamormHttpTimerEntry *head = g_queue_peek_head (&timer->queue);

  if (head == NULL && !timer->idle)
    {
      /* Calls that end before their deadline leave the queue empty
       * between them: wait a little before sleeping for good, so that the
       * next call's deadline, later than this, needs no wake-up. */
      timer->idle = TRUE;
      timer->wake_at = g_get_monotonic_time () + IDLE_LINGER_US;
      g_cond_wait_until (&timer->wake, &timer->lock, timer->wake_at);
      return;
    }
  if (head == NULL)
    {
      timer->wake_at = G_MAXINT64;
      g_cond_wait (&timer->wake, &timer->lock);
      return;
    }
  timer->idle = FALSE;
  if (head->when > g_get_monotonic_time ())
    {
      timer->wake_at = head->when;
      g_cond_wait_until (&timer->wake, &timer->lock, head->when);
      return;
    }

  g_queue_delete_link (&timer->queue, head->link);
  head->link = NULL;
  timer->firing = head;
  g_mutex_unlock (&timer->lock);
  head->func (head->data, NULL);
  g_mutex_lock (&timer->lock);
  timer->firing = NULL;
  g_cond_broadcast (&timer->fired);
}

static gpointer
timer_thread (gpointer data)
{
  DynamormHttpTimer *timer = data;

  g_mutex_lock (&timer->lock);
  while (!timer->quit)
    timer_step (timer);
  g_mutex_unlock (&timer->lock);
  return NULL;
}

void
dynamorm_http_timer_free (DynamormHttpTimer *timer)
{
  if (timer == NULL)
    return;

  g_warn_if_fail (g_queue_is_empty (&timer->queue));
  if (timer->thread != NULL)
    {
      g_mutex_lock (&timer->lock);
      timer->quit = TRUE;
      g_cond_signal (&timer->wake);
      g_mutex_unlock (&timer->lock);
      g_thread_join (timer->thread);
    }
  g_cond_clear (&timer->wake);
  g_cond_clear (&timer->fired);
  g_mutex_clear (&timer->lock);
  g_free (timer);
}

/* Called with the lock held. Deadlines of one transport mostly come in
 * order, so the place is found from the tail. */
static void
insert_sorted (GQueue                 *queue,
               DynamormHttpTimerEntry *entry)
{
  GList *after = queue->tail;

  while (after != NULL && ((DynamormHttpTimerEntry *) after->data)->when > entry->when)
    after = after->prev;
  if (after == NULL)
    g_queue_push_head (queue, entry);
  else
    g_queue_insert_after (queue, after, entry);
  entry->link = after == NULL ? queue->head : after->next;
}

DynamormHttpTimerEntry *
dynamorm_http_timer_add (DynamormHttpTimer *timer,
                         guint              timeout_ms,
                         GFunc              func,
                         gpointer           data,
                         GDestroyNotify     notify)
{
  DynamormHttpTimerEntry *entry = g_new0 (DynamormHttpTimerEntry, 1);

  entry->when = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  entry->func = func;
  entry->data = data;
  entry->notify = notify;

  g_mutex_lock (&timer->lock);
  if (timer->thread == NULL)
    timer->thread = g_thread_new ("dynamorm-http-timer", timer_thread, timer);
  insert_sorted (&timer->queue, entry);
  if (entry->when < timer->wake_at)
    {
      timer->wake_at = entry->when;
      g_cond_signal (&timer->wake);
    }
  g_mutex_unlock (&timer->lock);
  return entry;
}

void
dynamorm_http_timer_remove (DynamormHttpTimer      *timer,
                            DynamormHttpTimerEntry *entry)
{
  g_mutex_lock (&timer->lock);
  while (timer->firing == entry)
    g_cond_wait (&timer->fired, &timer->lock);
  if (entry->link != NULL)
    g_queue_delete_link (&timer->queue, entry->link);
  g_mutex_unlock (&timer->lock);

  if (entry->notify != NULL)
    entry->notify (entry->data);
  g_free (entry);
}
