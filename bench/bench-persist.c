/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cost of a data directory (ddb-persist.h) on the engine's write path:
 * PutItem and UpdateItem through ddb_engine_handle_request_text, as
 * dynamorm-server calls it, in memory, then with
 * --data-dir and each fsync policy (every 10 ms by a timer thread, as
 * dynamorm-server does; never; before each answer). The runs of a round
 * are interleaved and their order turns from round to round, so a busy
 * moment of this shared machine falls on every mode alike; each mode's
 * median and range over the rounds are printed, with the cost of each
 * policy against memory in the same round (median and range). The target
 * (issue 14): fsync every 10 ms costs under 20%.
 *
 *   bench/bench-persist [N [ROUNDS [MODES]]]
 *
 * N writes per run (default 100000; "always" runs at most 2000), ROUNDS
 * (default 5), MODES a comma-separated subset of memory,10ms,never,always
 * (default all; a single mode is for profilers). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "ddb-engine.h"
#include "ddb-json.h"
#include "ddb-persist.h"
#include "bench-rounds.h"

typedef struct {
  DdbPersist *persist;
  gint stop;
} Syncer;

typedef struct {
  const char *key;
  const char *name;
  gboolean persistent;
  DdbFsyncMode mode;
  guint max_n;
} Mode;

static const Mode modes[] = {
  { "memory", "in memory", FALSE, DDB_FSYNC_NEVER, G_MAXUINT },
  { "10ms", "--data-dir, fsync every 10 ms", TRUE, DDB_FSYNC_INTERVAL, G_MAXUINT },
  { "never", "--data-dir, fsync never", TRUE, DDB_FSYNC_NEVER, G_MAXUINT },
  { "always", "--data-dir, fsync before each answer", TRUE, DDB_FSYNC_ALWAYS, 2000 },
};

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

/* CPU seconds of this process, every thread (the timer thread's
 * fdatasync calls too), user and system. */
static double
cpu_seconds (void)
{
  struct rusage u;

  getrusage (RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

typedef struct {
  double wall;   /* writes per second */
  double cpu;    /* writes per CPU second */
} Rate;

/* n writes, puts and updates alternating, as dynamorm-server runs them:
 * the request text read by ddb_json_parse_text() and handed over with its
 * tree, the answer printed. */
static Rate
run (DdbEngine *engine, guint n)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *requests = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  GString *out = g_string_sized_new (4096);
  gint64 start;
  double cpu;

  call (engine, "CreateTable",
        "{\"TableName\":\"Bench\",\"BillingMode\":\"PAY_PER_REQUEST\","
        "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
        "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}");
  for (guint i = 0; i < n; i++)
    {
      char *json = i % 2
        ? g_strdup_printf ("{\"TableName\":\"Bench\",\"Key\":{\"pk\":{\"S\":\"k%u\"}},"
                           "\"UpdateExpression\":\"ADD n :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}", i % 5000)
        : g_strdup_printf ("{\"TableName\":\"Bench\",\"Item\":{\"pk\":{\"S\":\"k%u\"},\"name\":{\"S\":\"Ann Example\"},"
                           "\"email\":{\"S\":\"ann@example.com\"},\"age\":{\"N\":\"42\"},\"tags\":{\"SS\":[\"a\",\"b\"]}}}", i % 5000);
      gboolean plain = FALSE;

      g_ptr_array_add (requests, ddb_json_parse_text (json, strlen (json), NULL, &plain, NULL));
      g_assert (plain);
      g_ptr_array_add (texts, json);
    }
  start = g_get_monotonic_time ();
  cpu = cpu_seconds ();
  for (guint i = 0; i < n; i++)
    {
      const char *text = texts->pdata[i];
      guint status = 0;

      g_string_truncate (out, 0);
      ddb_engine_handle_request_text (engine, i % 2 ? "UpdateItem" : "PutItem", requests->pdata[i],
                                      text, strlen (text), out, &status);
      g_assert (status == 200);
    }
  cpu = cpu_seconds () - cpu;
  g_ptr_array_unref (requests);
  g_ptr_array_unref (texts);
  g_string_free (out, TRUE);
  return (Rate){ n / ((g_get_monotonic_time () - start) / 1e6), n / MAX (cpu, 1e-6) };
}

static Rate
run_mode (const Mode *m, const char *dir, guint n)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autoptr(GError) error = NULL;
  DdbPersist *persist;
  Syncer syncer = { NULL, 0 };
  GThread *thread = NULL;
  Rate rate;

  if (!m->persistent)
    return run (engine, n);
  persist = ddb_persist_open (engine, dir, m->mode, &error);
  if (persist == NULL)
    g_error ("%s", error->message);
  syncer.persist = persist;
  if (m->mode == DDB_FSYNC_INTERVAL)
    thread = g_thread_new ("sync", sync_thread, &syncer);
  rate = run (engine, n);
  g_atomic_int_set (&syncer.stop, 1);
  if (thread)
    g_thread_join (thread);
  ddb_persist_close (persist);
  return rate;
}

/* rm -rf path: a run's dirty pages must not be written back during the next. */
static void
remove_tree (const char *path)
{
  g_autofree char *quoted = g_shell_quote (path);
  g_autofree char *cmd = g_strconcat ("rm -rf ", quoted, NULL);

  if (system (cmd) != 0)
    g_printerr ("could not remove %s\n", path);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  guint rounds = argc > 2 ? (guint) MAX (atoi (argv[2]), 1) : 5;
  g_auto(GStrv) keys = g_strsplit (argc > 3 ? argv[3] : "memory,10ms,never,always", ",", -1);
  g_autofree char *tmp = g_dir_make_tmp ("bench-persist-XXXXXX", NULL);
  gboolean chosen[G_N_ELEMENTS (modes)] = { FALSE };
  const char *names[G_N_ELEMENTS (modes)];
  GArray *wall[G_N_ELEMENTS (modes)], *cpu[G_N_ELEMENTS (modes)];
  guint n_chosen = 0;

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      chosen[m] = g_strv_contains ((const char *const *) keys, modes[m].key);
      names[m] = modes[m].name;
      n_chosen += chosen[m];
      wall[m] = g_array_new (FALSE, FALSE, sizeof (double));
      cpu[m] = g_array_new (FALSE, FALSE, sizeof (double));
    }
  if (n_chosen == 0)
    {
      g_printerr ("bench-persist: MODES is a comma-separated list of memory, 10ms, never, always\n");
      return 2;
    }
  printf ("%u writes per run (always: at most 2000), %u rounds, the order turning each round\n", n, rounds);
  for (guint r = 0; r < rounds; r++)
    for (guint k = 0; k < G_N_ELEMENTS (modes); k++)
      {
        guint m = (k + r) % G_N_ELEMENTS (modes);
        g_autofree char *dir = NULL;
        Rate rate;

        if (!chosen[m])
          continue;
        dir = g_strdup_printf ("%s/round%u-%s", tmp, r, modes[m].key);
        rate = run_mode (&modes[m], dir, MIN (n, modes[m].max_n));
        remove_tree (dir);
        g_array_append_val (wall[m], rate.wall);
        g_array_append_val (cpu[m], rate.cpu);
        printf ("round %u  %-40s %8.0f writes/s %8.0f writes/CPU s\n", r + 1, modes[m].name, rate.wall, rate.cpu);
        fflush (stdout);
      }
  {
    double by_wall = bench_report_costs ("writes per second", names, chosen, wall, G_N_ELEMENTS (modes), TRUE);
    /* What other processes take of the 2 cores changes the wall figures;
     * CPU time per write is what the server spends, whatever the load. */
    double by_cpu = bench_report_costs ("writes per CPU second (all threads)", names, chosen, cpu,
                                        G_N_ELEMENTS (modes), TRUE);

    if (chosen[0] && chosen[1])
      printf ("\ncost of --fsync 10ms vs memory: %.1f%% of writes per CPU second, %.1f%% of writes per second "
              "(medians of the rounds' costs; goal < 20%%)\n", by_cpu, by_wall);
  }
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_array_unref (wall[m]);
      g_array_unref (cpu[m]);
    }
  remove_tree (tmp);
  return 0;
}
