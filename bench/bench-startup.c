/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-startup: how fast a fresh process gets its first item.
 *
 * The driver runs itself again as a child, many times, with fork + exec,
 * and times each child as a whole process: from just before fork to the
 * moment the child's first GetItem completed (CLOCK_MONOTONIC is shared by
 * all processes, so the child's timestamps compare with the driver's).
 * The child also reports its peak RSS (VmHWM from /proc/self/status).
 *
 *   DYNAMORM_BACKEND_PATH=backends/memory:backends/http bench/bench-startup [runs]
 *
 * Memory: the child creates its session, the table (an in-process engine
 * starts empty) and one item, then reads it. DynamoDB Local (when
 * DYNAMORM_LOCAL_URI is set): the driver creates the table and the item
 * once; each child creates its session and reads the item.
 *
 * `bench-startup --child URI TABLE_PREFIX SETUP` is the child; with
 * BENCH_MARKERS=1 it writes markers to stderr around session creation, to
 * find them in `strace -f -e trace=%file,%network` output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dynamorm.h>

/* ---- the model ---- */

#define BENCH_TYPE_ITEM (bench_item_get_type ())
G_DECLARE_FINAL_TYPE (BenchItem, bench_item, BENCH, ITEM, DynamormModel)

struct _BenchItem
{
  DynamormModel parent_instance;
  char *id;
  char *name;
};

G_DEFINE_FINAL_TYPE (BenchItem, bench_item, DYNAMORM_TYPE_MODEL)

enum { PROP_0, PROP_ID, PROP_NAME };

static void
bench_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BenchItem *self = BENCH_ITEM (object);

  g_value_set_string (value, prop_id == PROP_ID ? self->id : self->name);
}

static void
bench_item_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  BenchItem *self = BENCH_ITEM (object);
  char **slot = prop_id == PROP_ID ? &self->id : &self->name;

  g_free (*slot);
  *slot = g_value_dup_string (value);
}

static void
bench_item_finalize (GObject *object)
{
  BenchItem *self = BENCH_ITEM (object);

  g_free (self->id);
  g_free (self->name);
  G_OBJECT_CLASS (bench_item_parent_class)->finalize (object);
}

static void
bench_item_class_init (BenchItemClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);

  oc->get_property = bench_item_get_property;
  oc->set_property = bench_item_set_property;
  oc->finalize = bench_item_finalize;
  g_object_class_install_property (oc, PROP_ID,
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (oc, PROP_NAME,
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  dynamorm_model_class_set_table_name (DYNAMORM_MODEL_CLASS (klass), "bench_items");
  dynamorm_model_class_tag_property (DYNAMORM_MODEL_CLASS (klass), "id", "pk");
}

static void
bench_item_init (BenchItem *self)
{
}

/* ---- helpers ---- */

static gint64
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static long
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line ? strtol (line + 6, NULL, 10) : -1;
}

static void
marker (const char *text)
{
  static int enabled = -1;

  if (enabled < 0)
    enabled = g_strcmp0 (g_getenv ("BENCH_MARKERS"), "1") == 0;
  if (enabled)
    {
      ssize_t r = write (2, text, strlen (text));
      (void) r;
    }
}

static gboolean
put_item (DynamormSession *session, GError **error)
{
  g_autoptr(BenchItem) item = g_object_new (BENCH_TYPE_ITEM, "id", "k1", "name", "first", NULL);

  return dynamorm_session_put (session, DYNAMORM_MODEL (item), NULL, error);
}

/* ---- child ---- */

static int
run_child (const char *uri, const char *prefix, gboolean setup)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(DynamormModel) got = NULL;
  GValue key = G_VALUE_INIT;
  gint64 t_main = now_us (), t_session, t_ready, t_get;

  marker ("[bench] session-begin\n");
  session = dynamorm_session_new (uri, &error);
  marker ("[bench] session-end\n");
  if (session == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 2;
    }
  dynamorm_session_set_table_prefix (session, prefix);
  t_session = now_us ();

  if (setup)
    {
      if (!dynamorm_session_create_table (session, BENCH_TYPE_ITEM, NULL, &error) ||
          !put_item (session, &error))
        {
          g_printerr ("child: %s\n", error->message);
          return 2;
        }
    }
  t_ready = now_us ();

  g_value_init (&key, G_TYPE_STRING);
  g_value_set_static_string (&key, "k1");
  got = dynamorm_session_get (session, BENCH_TYPE_ITEM, &key, NULL, NULL, &error);
  g_value_unset (&key);
  t_get = now_us ();
  if (got == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 2;
    }

  g_print ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %ld\n",
           t_main, t_session, t_ready, t_get, peak_rss_kb ());
  return 0;
}

/* ---- driver ---- */

typedef struct {
  GArray *to_main, *to_session, *to_get, *get_only, *whole, *rss;
} Figures;

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
print_row (const char *name, GArray *values, const char *unit)
{
  g_array_sort (values, compare_doubles);
  g_print ("  %-34s median %8.2f  min %8.2f  p90 %8.2f  max %8.2f %s\n", name,
           g_array_index (values, double, values->len / 2),
           g_array_index (values, double, 0),
           g_array_index (values, double, (values->len * 9) / 10),
           g_array_index (values, double, values->len - 1), unit);
}

static gboolean
run_once (const char *self_exe, const char *uri, const char *prefix, gboolean setup, Figures *f)
{
  int fds[2];
  pid_t pid;
  gint64 t0, t_end;
  char buffer[256] = { 0 };
  gint64 t_main, t_session, t_ready, t_get;
  long rss;
  ssize_t n = 0, r;
  int status;
  double value;

  if (pipe (fds) != 0)
    return FALSE;
  t0 = now_us ();
  pid = fork ();
  if (pid == 0)
    {
      dup2 (fds[1], 1);
      close (fds[0]);
      close (fds[1]);
      execl (self_exe, self_exe, "--child", uri, prefix, setup ? "1" : "0", (char *) NULL);
      _exit (127);
    }
  close (fds[1]);
  while ((r = read (fds[0], buffer + n, sizeof buffer - 1 - n)) > 0)
    n += r;
  close (fds[0]);
  waitpid (pid, &status, 0);
  t_end = now_us ();
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0 ||
      sscanf (buffer, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %ld",
              &t_main, &t_session, &t_ready, &t_get, &rss) != 5)
    {
      g_printerr ("child failed (status %d): %s\n", status, buffer);
      return FALSE;
    }
  value = (t_main - t0) / 1000.0; g_array_append_val (f->to_main, value);
  value = (t_session - t0) / 1000.0; g_array_append_val (f->to_session, value);
  value = (t_get - t0) / 1000.0; g_array_append_val (f->to_get, value);
  value = (t_get - t_ready) / 1000.0; g_array_append_val (f->get_only, value);
  value = (t_end - t0) / 1000.0; g_array_append_val (f->whole, value);
  value = rss / 1024.0; g_array_append_val (f->rss, value);
  return TRUE;
}

static gboolean
bench_backend (const char *self_exe, const char *label, const char *uri, const char *prefix,
               gboolean setup, guint runs)
{
  Figures f;
  GArray **all[] = { &f.to_main, &f.to_session, &f.to_get, &f.get_only, &f.whole, &f.rss };
  gboolean ok = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    *all[i] = g_array_new (FALSE, FALSE, sizeof (double));

  /* one warm-up run for the page cache */
  ok = run_once (self_exe, uri, prefix, setup, &f);
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_array_set_size (*all[i], 0);
  for (guint i = 0; ok && i < runs; i++)
    ok = run_once (self_exe, uri, prefix, setup, &f);

  if (ok)
    {
      g_print ("%s (%s), %u processes:\n", label, uri, runs);
      print_row ("fork to main()", f.to_main, "ms");
      print_row ("fork to session created", f.to_session, "ms");
      print_row (setup ? "fork to first GetItem done (*)" : "fork to first GetItem done", f.to_get, "ms");
      print_row ("first GetItem alone", f.get_only, "ms");
      print_row ("fork to process exit", f.whole, "ms");
      print_row ("peak RSS (VmHWM)", f.rss, "MB");
      if (setup)
        g_print ("  (*) includes CreateTable and one PutItem: the in-process engine starts empty\n");
    }
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_array_unref (*all[i]);
  return ok;
}

int
main (int argc, char *argv[])
{
  g_autofree char *self_exe = NULL;
  const char *local_uri;
  guint runs = 50;
  int ret = 0;

  if (argc == 5 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2], argv[3], g_str_equal (argv[4], "1"));

  if (argc > 1)
    runs = MAX (1, (guint) atoi (argv[1]));
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL)
    {
      g_printerr ("cannot find /proc/self/exe\n");
      return 1;
    }
  if (g_getenv ("DYNAMORM_BACKEND_PATH") == NULL)
    g_printerr ("note: DYNAMORM_BACKEND_PATH is not set; using the installed backends\n");

  if (!bench_backend (self_exe, "memory", "memory://", "", TRUE, runs))
    ret = 1;

  local_uri = g_getenv ("DYNAMORM_LOCAL_URI");
  if (local_uri != NULL && *local_uri != '\0')
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DynamormSession) session = dynamorm_session_new (local_uri, &error);
      g_autofree char *prefix = g_strdup_printf ("bench%d_", (int) getpid ());

      if (session == NULL)
        {
          g_printerr ("DynamoDB Local: %s\n", error->message);
          return 1;
        }
      dynamorm_session_set_table_prefix (session, prefix);
      if (!dynamorm_session_create_table (session, BENCH_TYPE_ITEM, NULL, &error) ||
          !put_item (session, &error))
        {
          g_printerr ("DynamoDB Local: %s\n", error->message);
          return 1;
        }
      if (!bench_backend (self_exe, "DynamoDB Local", local_uri, prefix, FALSE, runs))
        ret = 1;
      dynamorm_session_delete_table (session, BENCH_TYPE_ITEM, NULL, NULL);
    }
  else
    g_print ("DynamoDB Local: skipped (set DYNAMORM_LOCAL_URI)\n");

  return ret;
}
