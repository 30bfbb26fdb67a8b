/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tsan-glib-locks: GLib's locks on pthreads, for ThreadSanitizer runs.
 *
 * GLib on Linux builds GMutex, GCond, GRecMutex and GRWLock on futexes, and
 * g_once_init_enter()/leave() on them: ThreadSanitizer does not see those
 * as synchronization, and reports every access a GLib lock protects as a
 * race. Preloaded (LD_PRELOAD) in front of the uninstrumented GLib of the
 * system, this library gives the same functions over pthread objects,
 * which ThreadSanitizer intercepts. Only calls made from outside libglib
 * reach these (libglib binds its own calls to its lock functions at link
 * time): libgio's locks (a GTask's, a GCancellable's) and ours are seen,
 * GLib's internal ones (a GMainContext's, a GThreadPool's queue) are not;
 * no GLib lock is used from both sides. Built without instrumentation, so that
 * programs the tests start (uninstrumented) can load it too: the pthread
 * calls reach ThreadSanitizer's interceptors all the same, and the one
 * lock-free publication (g_once_init_leave) is announced with
 * __tsan_release when the runtime is there. scripts/tsan.sh preloads it;
 * it is not for production use.
 *
 * A GLib lock is a few pointers wide, zero-initialized when static: the
 * pthread object lives on the heap and is made on first use, the way
 * GLib's own non-futex implementation does it. Clearing a lock leaks that
 * object: destroying it would be reported as racing with its last use
 * whenever the hand-off in between went through GLib's own futexes (a
 * GTask completed through a GMainContext, a GThreadPool worker), which
 * ThreadSanitizer cannot see. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib.h>

/* The functions themselves, not GLib's inline fast paths. */
#undef g_once_init_enter
#undef g_once_init_leave

/* ThreadSanitizer's annotations, when its runtime is in the process. */
extern void __tsan_release (void *addr) __attribute__ ((weak));
extern void __tsan_acquire (void *addr) __attribute__ ((weak));

static void
die (const char *what, int err)
{
  g_error ("tsan-glib-locks: %s: %s", what, g_strerror (err));
}

/* The heap object behind *slot, made on first use. */
static gpointer
get_impl (gpointer *slot,
          gpointer (*make) (void),
          void     (*destroy) (gpointer))
{
  gpointer impl = __atomic_load_n (slot, __ATOMIC_ACQUIRE);

  if (impl == NULL)
    {
      gpointer fresh = make ();
      gpointer expected = NULL;

      if (__atomic_compare_exchange_n (slot, &expected, fresh, FALSE, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        impl = fresh;
      else
        {
          destroy (fresh);
          impl = expected;
        }
    }
  return impl;
}

static gpointer
take_impl (gpointer *slot)
{
  return __atomic_exchange_n (slot, NULL, __ATOMIC_ACQ_REL);
}

/* ---- GMutex ---- */

static gpointer
mutex_new (void)
{
  pthread_mutex_t *m = malloc (sizeof *m);
  pthread_mutex_init (m, NULL);
  return m;
}

static void
mutex_free (gpointer m)
{
  pthread_mutex_destroy (m);
  free (m);
}

#define MUTEX(mutex) ((pthread_mutex_t *) get_impl (&(mutex)->p, mutex_new, mutex_free))

void g_mutex_init (GMutex *mutex) { mutex->p = mutex_new (); }
void g_mutex_clear (GMutex *mutex) { take_impl (&mutex->p); }
void g_mutex_lock (GMutex *mutex) { int e = pthread_mutex_lock (MUTEX (mutex)); if (e) die ("g_mutex_lock", e); }
void g_mutex_unlock (GMutex *mutex) { int e = pthread_mutex_unlock (MUTEX (mutex)); if (e) die ("g_mutex_unlock", e); }
gboolean g_mutex_trylock (GMutex *mutex) { return pthread_mutex_trylock (MUTEX (mutex)) == 0; }

/* ---- GRecMutex ---- */

static gpointer
rec_mutex_new (void)
{
  pthread_mutex_t *m = malloc (sizeof *m);
  pthread_mutexattr_t attr;

  pthread_mutexattr_init (&attr);
  pthread_mutexattr_settype (&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init (m, &attr);
  pthread_mutexattr_destroy (&attr);
  return m;
}

#define REC_MUTEX(mutex) ((pthread_mutex_t *) get_impl (&(mutex)->p, rec_mutex_new, mutex_free))

void g_rec_mutex_init (GRecMutex *mutex) { mutex->p = rec_mutex_new (); }
void g_rec_mutex_clear (GRecMutex *mutex) { take_impl (&mutex->p); }
void g_rec_mutex_lock (GRecMutex *mutex) { int e = pthread_mutex_lock (REC_MUTEX (mutex)); if (e) die ("g_rec_mutex_lock", e); }
void g_rec_mutex_unlock (GRecMutex *mutex) { int e = pthread_mutex_unlock (REC_MUTEX (mutex)); if (e) die ("g_rec_mutex_unlock", e); }
gboolean g_rec_mutex_trylock (GRecMutex *mutex) { return pthread_mutex_trylock (REC_MUTEX (mutex)) == 0; }

/* ---- GRWLock ---- */

static gpointer
rw_lock_new (void)
{
  pthread_rwlock_t *l = malloc (sizeof *l);
  pthread_rwlock_init (l, NULL);
  return l;
}

static void
rw_lock_free (gpointer l)
{
  pthread_rwlock_destroy (l);
  free (l);
}

#define RW_LOCK(lock) ((pthread_rwlock_t *) get_impl (&(lock)->p, rw_lock_new, rw_lock_free))

void g_rw_lock_init (GRWLock *lock) { lock->p = rw_lock_new (); }
void g_rw_lock_clear (GRWLock *lock) { take_impl (&lock->p); }
void g_rw_lock_writer_lock (GRWLock *lock) { int e = pthread_rwlock_wrlock (RW_LOCK (lock)); if (e) die ("g_rw_lock_writer_lock", e); }
gboolean g_rw_lock_writer_trylock (GRWLock *lock) { return pthread_rwlock_trywrlock (RW_LOCK (lock)) == 0; }
void g_rw_lock_writer_unlock (GRWLock *lock) { pthread_rwlock_unlock (RW_LOCK (lock)); }
void g_rw_lock_reader_lock (GRWLock *lock) { int e = pthread_rwlock_rdlock (RW_LOCK (lock)); if (e) die ("g_rw_lock_reader_lock", e); }
gboolean g_rw_lock_reader_trylock (GRWLock *lock) { return pthread_rwlock_tryrdlock (RW_LOCK (lock)) == 0; }
void g_rw_lock_reader_unlock (GRWLock *lock) { pthread_rwlock_unlock (RW_LOCK (lock)); }

/* ---- GCond (on the monotonic clock, as g_cond_wait_until wants) ---- */

static gpointer
cond_new (void)
{
  pthread_cond_t *c = malloc (sizeof *c);
  pthread_condattr_t attr;

  pthread_condattr_init (&attr);
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
  pthread_cond_init (c, &attr);
  pthread_condattr_destroy (&attr);
  return c;
}

static void
cond_free (gpointer c)
{
  pthread_cond_destroy (c);
  free (c);
}

#define COND(cond) ((pthread_cond_t *) get_impl (&(cond)->p, cond_new, cond_free))

void g_cond_init (GCond *cond) { cond->p = cond_new (); }
void g_cond_clear (GCond *cond) { take_impl (&cond->p); }
void g_cond_wait (GCond *cond, GMutex *mutex) { int e = pthread_cond_wait (COND (cond), MUTEX (mutex)); if (e) die ("g_cond_wait", e); }
void g_cond_signal (GCond *cond) { pthread_cond_signal (COND (cond)); }
void g_cond_broadcast (GCond *cond) { pthread_cond_broadcast (COND (cond)); }

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  struct timespec ts;
  int e;

  ts.tv_sec = end_time / 1000000;
  ts.tv_nsec = (end_time % 1000000) * 1000;
  e = pthread_cond_timedwait (COND (cond), MUTEX (mutex), &ts);
  if (e != 0 && e != ETIMEDOUT)
    die ("g_cond_wait_until", e);
  return e == 0;
}

/* ---- g_once_init_enter / leave ---- */

static pthread_mutex_t once_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t once_cond = PTHREAD_COND_INITIALIZER;
/* Locations being initialized, under once_lock; no allocation here, since
 * the allocator may itself initialize something once. */
static volatile void *once_running[256];

static int
once_find (volatile void *location)
{
  for (int i = 0; i < (int) G_N_ELEMENTS (once_running); i++)
    if (once_running[i] == location)
      return i;
  return -1;
}

gboolean
g_once_init_enter (volatile void *location)
{
  gpointer *slot = (gpointer *) location;
  gboolean mine = FALSE;

  pthread_mutex_lock (&once_lock);
  if (__atomic_load_n (slot, __ATOMIC_ACQUIRE) == NULL)
    {
      if (once_find (location) < 0)
        {
          int free_slot = once_find (NULL);

          if (free_slot < 0)
            die ("g_once_init_enter", ENOMEM);
          once_running[free_slot] = location;
          mine = TRUE;
        }
      else
        while (once_find (location) >= 0)
          pthread_cond_wait (&once_cond, &once_lock);
    }
  pthread_mutex_unlock (&once_lock);
  return mine;
}

void
g_once_init_leave (volatile void *location,
                   gsize          result)
{
  int i;

  pthread_mutex_lock (&once_lock);
  if (__tsan_release != NULL)
    __tsan_release ((void *) location);
  __atomic_store_n ((gsize *) location, result, __ATOMIC_RELEASE);
  if ((i = once_find (location)) >= 0)
    once_running[i] = NULL;
  pthread_cond_broadcast (&once_cond);
  pthread_mutex_unlock (&once_lock);
}


/* ---- GTask's hand-off to a GThreadPool worker ----
 *
 * g_task_run_in_thread() gives the task to GIO's one task pool
 * (g_thread_pool_push, called from libgio), whose queue is locked inside
 * libglib where the functions above do not reach: every push and every
 * pop take that queue's lock. The same order is given here on one address
 * standing for the queue: each push from libgio is a release of it, and
 * each worker, when it starts a task (GTask's thread setup marks the thread
 * with g_private_set, called from libgio), acquires it. Whatever a caller
 * wrote before starting a task (its task data) then happens before the
 * worker reads it, even when the worker is a thread the pool made earlier
 * for another task. */

static char task_queue;

static gboolean
called_from_gio (void *caller)
{
  Dl_info info;

  return dladdr (caller, &info) != 0 && info.dli_fname != NULL &&
         strstr (info.dli_fname, "libgio-2.0") != NULL;
}

gboolean
g_thread_pool_push (GThreadPool *pool,
                    gpointer     data,
                    GError     **error)
{
  static gboolean (*real) (GThreadPool *, gpointer, GError **);

  if (real == NULL)
    real = (gboolean (*) (GThreadPool *, gpointer, GError **)) dlsym (RTLD_NEXT, "g_thread_pool_push");
  if (__tsan_release != NULL && called_from_gio (__builtin_return_address (0)))
    __tsan_release (&task_queue);
  return real (pool, data, error);
}

void
g_private_set (GPrivate *key,
               gpointer  value)
{
  static void (*real) (GPrivate *, gpointer);

  if (real == NULL)
    real = (void (*) (GPrivate *, gpointer)) dlsym (RTLD_NEXT, "g_private_set");
  if (__tsan_acquire != NULL && called_from_gio (__builtin_return_address (0)))
    __tsan_acquire (&task_queue);
  real (key, value);
}
