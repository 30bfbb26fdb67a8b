/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-batch: batch write and batch get of 1,000 items through the public
 * API, on memory:// and, when DYNAMORM_LOCAL_URI is set, on DynamoDB Local;
 * and a Query of pages of 100 models out of one partition of 1,000.
 * Prints milliseconds and items per second; not a test.
 *
 *   cd build && DYNAMORM_BACKEND_PATH=backends/memory:backends/http \
 *     DYNAMORM_LOCAL_URI=local://127.0.0.1:8000 bench/bench-batch [n-items] [rounds]
 */
#include <stdlib.h>
#include <dynamorm.h>

#define BENCH_TYPE_ITEM (bench_item_get_type ())
G_DECLARE_FINAL_TYPE (BenchItem, bench_item, BENCH, ITEM, DynamormModel)

struct _BenchItem
{
  DynamormModel parent_instance;
  char *id;
  char *name;
  int n;
  char *payload;
};

G_DEFINE_FINAL_TYPE (BenchItem, bench_item, DYNAMORM_TYPE_MODEL)

enum { PROP_0, PROP_ID, PROP_NAME, PROP_N, PROP_PAYLOAD, N_PROPS };

static void
bench_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BenchItem *self = BENCH_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_N: g_value_set_int (value, self->n); break;
    case PROP_PAYLOAD: g_value_set_string (value, self->payload); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bench_item_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  BenchItem *self = BENCH_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID: g_free (self->id); self->id = g_value_dup_string (value); break;
    case PROP_NAME: g_free (self->name); self->name = g_value_dup_string (value); break;
    case PROP_N: self->n = g_value_get_int (value); break;
    case PROP_PAYLOAD: g_free (self->payload); self->payload = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bench_item_finalize (GObject *object)
{
  BenchItem *self = BENCH_ITEM (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->payload);
  G_OBJECT_CLASS (bench_item_parent_class)->finalize (object);
}

static void
bench_item_class_init (BenchItemClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  oc->get_property = bench_item_get_property;
  oc->set_property = bench_item_set_property;
  oc->finalize = bench_item_finalize;
  g_object_class_install_property (oc, PROP_ID, g_param_spec_string ("id", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, PROP_NAME, g_param_spec_string ("name", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, PROP_N, g_param_spec_int ("n", NULL, NULL, G_MININT, G_MAXINT, 0, rw));
  g_object_class_install_property (oc, PROP_PAYLOAD, g_param_spec_string ("payload", NULL, NULL, NULL, rw));
  dynamorm_model_class_set_table_name (DYNAMORM_MODEL_CLASS (klass), "bench_items");
  dynamorm_model_class_tag_property (DYNAMORM_MODEL_CLASS (klass), "id", "pk");
}

static void
bench_item_init (BenchItem *self)
{
}

/* Order lines: order (pk), line (sk), sku, qty, note; declared at run time,
 * the values kept by the model (dynamorm_model_type_store_properties), so
 * these only see properties it does not keep: none. */
static void
bench_line_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
bench_line_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
bench_line_class_init (gpointer klass, gpointer data)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  oc->get_property = bench_line_get_property;
  oc->set_property = bench_line_set_property;

  g_object_class_install_property (oc, 1, g_param_spec_string ("order", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, 2, g_param_spec_int ("line", NULL, NULL, 0, G_MAXINT, 0, rw));
  g_object_class_install_property (oc, 3, g_param_spec_string ("sku", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, 4, g_param_spec_int ("qty", NULL, NULL, 0, G_MAXINT, 0, rw));
  g_object_class_install_property (oc, 5, g_param_spec_string ("note", NULL, NULL, NULL, rw));
  dynamorm_model_class_set_table_name (DYNAMORM_MODEL_CLASS (klass), "bench_lines");
  dynamorm_model_class_tag_property (DYNAMORM_MODEL_CLASS (klass), "order", "pk");
  dynamorm_model_class_tag_property (DYNAMORM_MODEL_CLASS (klass), "line", "sk");
}

static GType
bench_line_get_type (void)
{
  static GType type;

  if (type == 0)
    {
      const char *names[] = { "order", "line", "sku", "qty", "note", NULL };
      g_autoptr(GError) error = NULL;

      type = g_type_register_static_simple (DYNAMORM_TYPE_MODEL, "BenchLine", sizeof (DynamormModelClass),
                                            bench_line_class_init, sizeof (DynamormModel), NULL, 0);
      if (!dynamorm_model_type_store_properties (type, names, &error))
        g_error ("%s", error->message);
    }
  return type;
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
report (const char *backend, const char *what, guint n, double ms)
{
  g_print ("%-8s %-34s %6u items %9.1f ms %10.0f items/s\n", backend, what, n, ms, n / (ms / 1000.0));
}

static gboolean
run (const char *backend, const char *uri, guint n, guint rounds, guint concurrency)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new (uri, &error);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) dynamorm_key_unref);
  g_autofree char *prefix = g_strdup_printf ("bench%d_", (int) getpid ());
  g_autofree char *payload = g_strnfill (100, 'x');
  g_autofree char *label_w = g_strdup_printf ("batch write (%u in flight)", concurrency);
  g_autofree char *label_g = g_strdup_printf ("batch get (%u in flight)", concurrency);
  double best_write = G_MAXDOUBLE, best_get = G_MAXDOUBLE;

  if (session == NULL)
    {
      g_printerr ("%s: %s\n", backend, error->message);
      return FALSE;
    }
  dynamorm_session_set_table_prefix (session, prefix);
  if (!dynamorm_session_create_table (session, BENCH_TYPE_ITEM, NULL, &error))
    {
      g_printerr ("%s: %s\n", backend, error->message);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("item-%06u", i);
      g_autofree char *name = g_strdup_printf ("Item number %u", i);

      g_ptr_array_add (items, g_object_new (BENCH_TYPE_ITEM, "id", id, "name", name, "n", (int) i,
                                            "payload", payload, NULL));
      g_ptr_array_add (keys, dynamorm_key_new_string (id, NULL));
    }

  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (session);
      g_autoptr(DynamormBatchGet) get = dynamorm_batch_get_new (session, BENCH_TYPE_ITEM);
      g_autoptr(GPtrArray) got = NULL;
      gint64 start;
      double ms;

      for (guint i = 0; i < items->len; i++)
        dynamorm_batch_write_add_put (write, items->pdata[i]);
      dynamorm_batch_write_set_max_concurrency (write, concurrency);
      start = g_get_monotonic_time ();
      if (!dynamorm_batch_write_execute (write, NULL, &error))
        {
          g_printerr ("%s: batch write: %s\n", backend, error->message);
          break;
        }
      ms = ms_since (start);
      best_write = MIN (best_write, ms);

      dynamorm_batch_get_add_keys (get, (DynamormKey **) keys->pdata, keys->len);
      dynamorm_batch_get_set_max_concurrency (get, concurrency);
      start = g_get_monotonic_time ();
      got = dynamorm_batch_get_execute (get, NULL, &error);
      ms = ms_since (start);
      if (got == NULL || got->len != n)
        {
          g_printerr ("%s: batch get: %s\n", backend, error ? error->message : "items missing");
          break;
        }
      best_get = MIN (best_get, ms);
    }

  if (best_write < G_MAXDOUBLE)
    report (backend, label_w, n, best_write);
  if (best_get < G_MAXDOUBLE)
    report (backend, label_g, n, best_get);
  dynamorm_session_delete_table (session, BENCH_TYPE_ITEM, NULL, NULL);
  return error == NULL;
}

/* Pages of 100 lines of one order of n, read through DynamormQuery. */
static gboolean
run_query (const char *backend, const char *uri, guint n, guint rounds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new (uri, &error);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *prefix = g_strdup_printf ("bench%d_", (int) getpid ());
  double best = G_MAXDOUBLE;

  if (session == NULL || (dynamorm_session_set_table_prefix (session, prefix),
                          !dynamorm_session_create_table (session, bench_line_get_type (), NULL, &error)))
    {
      g_printerr ("%s: %s\n", backend, error->message);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (lines, g_object_new (bench_line_get_type (), "order", "order-1", "line", (int) i,
                                          "sku", "SKU-12345", "qty", (int) (i % 7), "note", "gift wrap", NULL));
  if (!dynamorm_session_batch_write (session, (DynamormModel **) lines->pdata, lines->len, NULL, 0, NULL,
                                     NULL, NULL, &error))
    g_printerr ("%s: batch write: %s\n", backend, error->message);
  for (guint r = 0; error == NULL && r < rounds; r++)
    {
      g_autofree char *cursor = NULL;
      gint64 start = g_get_monotonic_time ();
      guint read = 0;

      do
        {
          g_autoptr(DynamormQuery) query = dynamorm_query_new (session, bench_line_get_type ());
          g_autoptr(GListModel) page = NULL;
          char *next = NULL;

          dynamorm_query_where (query, "order", DYNAMORM_OPERATOR_EQ, "order-1");
          page = dynamorm_query_page (query, 100, cursor, &next, NULL, &error);
          if (page == NULL)
            {
              g_printerr ("%s: query: %s\n", backend, error->message);
              break;
            }
          read += g_list_model_get_n_items (page);
          g_free (cursor);
          cursor = next;
        }
      while (cursor != NULL);
      if (error == NULL && read == n)
        best = MIN (best, ms_since (start));
    }
  if (best < G_MAXDOUBLE)
    report (backend, "query, pages of 100", n, best);
  dynamorm_session_delete_table (session, bench_line_get_type (), NULL, NULL);
  return error == NULL;
}

int
main (int argc, char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  guint rounds = argc > 2 ? (guint) atoi (argv[2]) : 5;
  const char *local = g_getenv ("DYNAMORM_LOCAL_URI");
  gboolean ok = TRUE;

  g_print ("best of %u rounds; %u items of about 160 bytes\n", rounds, n);
  ok &= run ("memory", "memory://", n, rounds, 1);
  ok &= run ("memory", "memory://", n, rounds, 4);
  ok &= run_query ("memory", "memory://", n, rounds);
  if (local != NULL && *local != '\0')
    {
      ok &= run ("local", local, n, rounds, 1);
      ok &= run ("local", local, n, rounds, 4);
      ok &= run ("local", local, n, rounds, 16);
      ok &= run_query ("local", local, n, rounds);
    }
  else
    g_print ("(set DYNAMORM_LOCAL_URI to measure DynamoDB Local too)\n");
  return ok ? 0 : 1;
}
