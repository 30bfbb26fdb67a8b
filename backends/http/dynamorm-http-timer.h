/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-http-timer.h: deadlines that fire on a private thread, so that a
 * blocking request in any thread can be cut off by cancelling it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DynamormHttpTimer DynamormHttpTimer;

DynamormHttpTimer *dynamorm_http_timer_new  (void);
void               dynamorm_http_timer_free (DynamormHttpTimer *timer);

/* Calls func (data) on the timer thread after timeout_ms, once. Returns the
 * source (a new reference): g_source_destroy() it to disarm, from any
 * thread, then g_source_unref() it. */
GSource           *dynamorm_http_timer_add  (DynamormHttpTimer *timer,
                                             guint              timeout_ms,
                                             GSourceFunc        func,
                                             gpointer           data,
                                             GDestroyNotify     notify);

G_END_DECLS
