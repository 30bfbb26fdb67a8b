/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-http-timer.h: deadlines that fire on a private thread, so that a
 * blocking request in any thread can be cut off by cancelling it.
 *
 * Arming and disarming a deadline takes an uncontended mutex and nothing
 * else: the thread sleeps until the earliest deadline it knows of and is
 * only woken when an earlier one is armed, so a call that ends before its
 * deadline costs no system call and no thread switch. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DynamormHttpTimer DynamormHttpTimer;
typedef struct _DynamormHttpTimerEntry DynamormHttpTimerEntry;

DynamormHttpTimer      *dynamorm_http_timer_new    (void);
/* Every entry must have been removed. */
void                    dynamorm_http_timer_free   (DynamormHttpTimer *timer);

/* Calls func (data) on the timer thread after timeout_ms, at most once.
 * Every entry must be given to dynamorm_http_timer_remove() exactly once,
 * from any thread, whether it fired or not. */
DynamormHttpTimerEntry *dynamorm_http_timer_add    (DynamormHttpTimer *timer,
                                                    guint              timeout_ms,
                                                    GFunc              func,
                                                    gpointer           data,
                                                    GDestroyNotify     notify);
/* Disarms and frees entry (calling its notify): once this returns, func
 * has either run to its end or will never run. */
void                    dynamorm_http_timer_remove (DynamormHttpTimer      *timer,
                                                    DynamormHttpTimerEntry *entry);

G_END_DECLS
