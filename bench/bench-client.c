/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-client: the client's own CPU per PutItem and GetItem through the
 * model API, against a server in another process (DynamoDB Local on
 * local://, dynamorm-server, or anything reachable by URI).
 *
 *   DYNAMORM_BACKEND_PATH=backends/http bench/bench-client URI [OPS] [ROUNDS]
 *
 * The figure is this process's user + system CPU (getrusage) divided by
 * the number of calls: the server's time is not in it. Each round puts OPS
 * items and gets them back; rounds alternate put and get so that neither
 * gets the warmer caches, and the median of the rounds is printed:
 *
 *   put_cpu_us 41.2
 *   get_cpu_us 38.9
 *
 * The item is the one bench/peers/go-client and the boto3 row write: a
 * string key and five attributes (S, S, N, BOOL, N). Prints figures;
 * asserts nothing. */
#include <dynamorm.h>
#include <stdlib.h>
#include <sys/resource.h>

#define BENCH_TYPE_ITEM (bench_item_get_type ())
G_DECLARE_FINAL_TYPE (BenchItem, bench_item, BENCH, ITEM, DynamormModel)

struct _BenchItem {
  DynamormModel parent_instance;
  char *id, *name, *email;
  int age;
  gboolean active;
  double score;
};

enum { P_0, P_ID, P_NAME, P_EMAIL, P_AGE, P_ACTIVE, P_SCORE };

G_DEFINE_FINAL_TYPE (BenchItem, bench_item, DYNAMORM_TYPE_MODEL)

static void
bench_item_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  BenchItem *self = BENCH_ITEM (object);

  switch (id)
    {
    case P_ID: g_value_set_string (value, self->id); break;
    case P_NAME: g_value_set_string (value, self->name); break;
    case P_EMAIL: g_value_set_string (value, self->email); break;
    case P_AGE: g_value_set_int (value, self->age); break;
    case P_ACTIVE: g_value_set_boolean (value, self->active); break;
    case P_SCORE: g_value_set_double (value, self->score); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
bench_item_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  BenchItem *self = BENCH_ITEM (object);

  switch (id)
    {
    case P_ID: g_free (self->id); self->id = g_value_dup_string (value); break;
    case P_NAME: g_free (self->name); self->name = g_value_dup_string (value); break;
    case P_EMAIL: g_free (self->email); self->email = g_value_dup_string (value); break;
    case P_AGE: self->age = g_value_get_int (value); break;
    case P_ACTIVE: self->active = g_value_get_boolean (value); break;
    case P_SCORE: self->score = g_value_get_double (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
bench_item_finalize (GObject *object)
{
  BenchItem *self = BENCH_ITEM (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->email);
  G_OBJECT_CLASS (bench_item_parent_class)->finalize (object);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)

static void
bench_item_class_init (BenchItemClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  DynamormModelClass *mc = DYNAMORM_MODEL_CLASS (klass);

  oc->get_property = bench_item_get_property;
  oc->set_property = bench_item_set_property;
  oc->finalize = bench_item_finalize;
  g_object_class_install_property (oc, P_ID, g_param_spec_string ("id", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, P_NAME, g_param_spec_string ("name", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, P_EMAIL, g_param_spec_string ("email", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, P_AGE, g_param_spec_int ("age", NULL, NULL, 0, 200, 0, RW));
  g_object_class_install_property (oc, P_ACTIVE, g_param_spec_boolean ("active", NULL, NULL, FALSE, RW));
  g_object_class_install_property (oc, P_SCORE, g_param_spec_double ("score", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, RW));

  dynamorm_model_class_set_table_name (mc, "bench_client");
  dynamorm_model_class_tag_property (mc, "id", "pk");
}

static void
bench_item_init (BenchItem *self)
{
}

static double
cpu_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

/* CPU per put of models[0..n). */
static double
round_put (DynamormSession *session, GPtrArray *models)
{
  g_autoptr(GError) error = NULL;
  double t0 = cpu_us ();

  for (guint i = 0; i < models->len; i++)
    if (!dynamorm_session_put (session, models->pdata[i], NULL, &error))
      g_error ("put: %s", error->message);
  return (cpu_us () - t0) / models->len;
}

static double
round_get (DynamormSession *session, GPtrArray *models)
{
  g_autoptr(GError) error = NULL;
  GValue key = G_VALUE_INIT;
  double t0;

  g_value_init (&key, G_TYPE_STRING);
  t0 = cpu_us ();
  for (guint i = 0; i < models->len; i++)
    {
      DynamormModel *m;

      g_value_set_string (&key, BENCH_ITEM (models->pdata[i])->id);
      m = dynamorm_session_get (session, BENCH_TYPE_ITEM, &key, NULL, NULL, &error);
      if (m == NULL)
        g_error ("get: %s", error->message);
      g_object_unref (m);
    }
  t0 = (cpu_us () - t0) / models->len;
  g_value_unset (&key);
  return t0;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) puts = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) gets = g_array_new (FALSE, FALSE, sizeof (double));
  int n, rounds;

  if (argc < 2)
    {
      g_printerr ("usage: %s URI [OPS] [ROUNDS]\n", argv[0]);
      return 2;
    }
  n = argc > 2 ? atoi (argv[2]) : 2000;
  rounds = argc > 3 ? atoi (argv[3]) : 5;

  session = dynamorm_session_new (argv[1], &error);
  if (session == NULL)
    g_error ("%s (set DYNAMORM_BACKEND_PATH to build-dir/backends/http)", error->message);
  if (!dynamorm_session_create_table (session, BENCH_TYPE_ITEM, NULL, &error) &&
      !g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_IN_USE))
    g_error ("create table: %s", error->message);
  g_clear_error (&error);

  for (int i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("user-%d", i);
      g_ptr_array_add (models, g_object_new (BENCH_TYPE_ITEM,
                                             "id", id, "name", "Ada Lovelace", "email", "ada@example.com",
                                             "age", 36, "active", TRUE, "score", 98.5, NULL));
    }

  /* Warm up: connections, type classes, the table's first writes. */
  round_put (session, models);
  round_get (session, models);
  for (int r = 0; r < rounds; r++)
    {
      double p, g;

      if (r % 2 == 0)
        {
          p = round_put (session, models);
          g = round_get (session, models);
        }
      else
        {
          g = round_get (session, models);
          p = round_put (session, models);
        }
      g_array_append_val (puts, p);
      g_array_append_val (gets, g);
    }
  g_print ("put_cpu_us %.1f\n", median (puts));
  g_print ("get_cpu_us %.1f\n", median (gets));
  return 0;
}
