/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cost of a data directory (ddb-persist.h) on the engine's write path:
 * PutItem and UpdateItem through ddb_engine_handle, in memory, then with
 * --data-dir and each fsync policy (every 10 ms by a timer thread, as
 * dynamorm-server does; before each answer; never). Prints writes/s and
 * the change from memory. The target (issue 14): fsync every 10 ms costs
 * under 20%.
 *
 *   bench/bench-persist [N]        (N writes per run, default 100000) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ddb-engine.h"
#include "ddb-persist.h"

typedef struct {
  DdbPersist *persist;
  gint stop;
} Syncer;

static gpointer
sync_thread (gpointer data)
{
  Syncer *s = data;

  while (!g_atomic_int_get (&s->stop))
    {
      g_usleep (10000);
      ddb_persist_sync (s->persist, NULL);
    }
  return NULL;
}

static void
call (DdbEngine *engine, const char *op, const char *json)
{
  g_autoptr(JsonNode) request = json_from_string (json, NULL);
  guint status = 0;
  g_autoptr(JsonNode) response = ddb_engine_handle (engine, op, request, &status);

  if (status != 200)
    {
      g_autofree char *text = json_to_string (response, FALSE);
      g_error ("%s failed: %s", op, text);
    }
}

/* Writes per second for n writes: puts and updates alternating. */
static double
run (DdbEngine *engine, guint n)
{
  GPtrArray *requests = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  gint64 start;

  call (engine, "CreateTable",
        "{\"TableName\":\"Bench\",\"BillingMode\":\"PAY_PER_REQUEST\","
        "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
        "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = i % 2
        ? g_strdup_printf ("{\"TableName\":\"Bench\",\"Key\":{\"pk\":{\"S\":\"k%u\"}},"
                           "\"UpdateExpression\":\"ADD n :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}", i % 5000)
        : g_strdup_printf ("{\"TableName\":\"Bench\",\"Item\":{\"pk\":{\"S\":\"k%u\"},\"name\":{\"S\":\"Ann Example\"},"
                           "\"email\":{\"S\":\"ann@example.com\"},\"age\":{\"N\":\"42\"},\"tags\":{\"SS\":[\"a\",\"b\"]}}}", i % 5000);
      g_ptr_array_add (requests, json_from_string (json, NULL));
    }
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      guint status = 0;
      g_autoptr(JsonNode) response = ddb_engine_handle (engine, i % 2 ? "UpdateItem" : "PutItem",
                                                        requests->pdata[i], &status);
      g_assert (status == 200);
    }
  g_ptr_array_unref (requests);
  return n / ((g_get_monotonic_time () - start) / 1e6);
}

static double
run_persistent (const char *dir, DdbFsyncMode mode, guint n)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autoptr(GError) error = NULL;
  DdbPersist *persist = ddb_persist_open (engine, dir, mode, &error);
  Syncer syncer = { persist, 0 };
  GThread *thread = NULL;
  double rate;

  if (persist == NULL)
    g_error ("%s", error->message);
  if (mode == DDB_FSYNC_INTERVAL)
    thread = g_thread_new ("sync", sync_thread, &syncer);
  rate = run (engine, n);
  g_atomic_int_set (&syncer.stop, 1);
  if (thread)
    g_thread_join (thread);
  ddb_persist_close (persist);
  return rate;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  g_autofree char *tmp = g_dir_make_tmp ("bench-persist-XXXXXX", NULL);
  const struct { const char *name; DdbFsyncMode mode; guint n; } runs[] = {
    { "--data-dir, fsync every 10 ms", DDB_FSYNC_INTERVAL, n },
    { "--data-dir, fsync never", DDB_FSYNC_NEVER, n },
    { "--data-dir, fsync before each answer", DDB_FSYNC_ALWAYS, MIN (n, 2000) },
  };
  double memory;

  {
    g_autoptr(DdbEngine) engine = ddb_engine_new ();
    memory = run (engine, n);
  }
  printf ("%-40s %10.0f writes/s\n", "in memory", memory);
  for (guint r = 0; r < G_N_ELEMENTS (runs); r++)
    {
      g_autofree char *dir = g_strdup_printf ("%s/run%u", tmp, r);
      double rate = run_persistent (dir, runs[r].mode, runs[r].n);
      printf ("%-40s %10.0f writes/s  (%+.1f%% from memory)\n", runs[r].name, rate, 100.0 * (rate - memory) / memory);
    }
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", tmp);
  }
  return 0;
}
