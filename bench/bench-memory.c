/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-memory: issue 17's memory:// figures, through the public API, each
 * printed next to its goal.
 *
 *   PutItem  dynamorm_session_put of a 10-attribute model, 1 thread (>= 1,000,000/s)
 *   GetItem  dynamorm_session_get of the same items, 1 thread      (>= 1,000,000/s)
 *   2 threads on one session: the same puts and gets split in two,
 *            as a multiple of one thread's rate              (gets >= 1.8x)
 *   Batch    dynamorm_session_batch_write / _batch_get per item, vs
 *            the single put / get per item                   (<= single op)
 *   Transact a DynamormTransaction of 10 puts, and a TransactGet of 10
 *            models, per item, vs the single put / get per item
 *   CreateTable + DeleteTable of the model's table, per pair (create <= 0.05 ms)
 *   Query    100 items from a partition of 1,000,000 items vs the same Query
 *            on a 1,000-item table                              (within 2x)
 *
 * Usage: bench-memory [N-PUT-GET] [PARTITION-SIZE] [QUERY-ROUNDS]
 * (defaults 200000, 1000000 and 20000). Prints figures; asserts nothing. */
#include <dynamorm.h>
#include <stdlib.h>

/* ---- A 10-attribute model with plain C storage, as an application would
 * write one ---- */

#define BENCH_TYPE_USER (bench_user_get_type ())
G_DECLARE_FINAL_TYPE (BenchUser, bench_user, BENCH, USER, DynamormModel)

struct _BenchUser {
  DynamormModel parent_instance;
  char *id, *name, *email, *city, *note;
  int age;
  gboolean active;
  double score;
  gint64 created;
  char **tags;
};

enum { U_PROP_0, U_ID, U_NAME, U_EMAIL, U_CITY, U_NOTE, U_AGE, U_ACTIVE, U_SCORE, U_CREATED, U_TAGS, U_N };

G_DEFINE_FINAL_TYPE (BenchUser, bench_user, DYNAMORM_TYPE_MODEL)

static void
bench_user_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  BenchUser *self = BENCH_USER (object);

  switch (id)
    {
    case U_ID: g_value_set_string (value, self->id); break;
    case U_NAME: g_value_set_string (value, self->name); break;
    case U_EMAIL: g_value_set_string (value, self->email); break;
    case U_CITY: g_value_set_string (value, self->city); break;
    case U_NOTE: g_value_set_string (value, self->note); break;
    case U_AGE: g_value_set_int (value, self->age); break;
    case U_ACTIVE: g_value_set_boolean (value, self->active); break;
    case U_SCORE: g_value_set_double (value, self->score); break;
    case U_CREATED: g_value_set_int64 (value, self->created); break;
    case U_TAGS: g_value_set_boxed (value, self->tags); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
bench_user_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  BenchUser *self = BENCH_USER (object);

  switch (id)
    {
    case U_ID: g_free (self->id); self->id = g_value_dup_string (value); break;
    case U_NAME: g_free (self->name); self->name = g_value_dup_string (value); break;
    case U_EMAIL: g_free (self->email); self->email = g_value_dup_string (value); break;
    case U_CITY: g_free (self->city); self->city = g_value_dup_string (value); break;
    case U_NOTE: g_free (self->note); self->note = g_value_dup_string (value); break;
    case U_AGE: self->age = g_value_get_int (value); break;
    case U_ACTIVE: self->active = g_value_get_boolean (value); break;
    case U_SCORE: self->score = g_value_get_double (value); break;
    case U_CREATED: self->created = g_value_get_int64 (value); break;
    case U_TAGS: g_strfreev (self->tags); self->tags = g_value_dup_boxed (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
bench_user_finalize (GObject *object)
{
  BenchUser *self = BENCH_USER (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->email);
  g_free (self->city);
  g_free (self->note);
  g_strfreev (self->tags);
  G_OBJECT_CLASS (bench_user_parent_class)->finalize (object);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)

static void
bench_user_class_init (BenchUserClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  DynamormModelClass *mc = DYNAMORM_MODEL_CLASS (klass);

  oc->get_property = bench_user_get_property;
  oc->set_property = bench_user_set_property;
  oc->finalize = bench_user_finalize;
  g_object_class_install_property (oc, U_ID, g_param_spec_string ("id", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, U_NAME, g_param_spec_string ("name", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, U_EMAIL, g_param_spec_string ("email", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, U_CITY, g_param_spec_string ("city", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, U_NOTE, g_param_spec_string ("note", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, U_AGE, g_param_spec_int ("age", NULL, NULL, 0, 200, 0, RW));
  g_object_class_install_property (oc, U_ACTIVE, g_param_spec_boolean ("active", NULL, NULL, FALSE, RW));
  g_object_class_install_property (oc, U_SCORE, g_param_spec_double ("score", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, RW));
  g_object_class_install_property (oc, U_CREATED, g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0, RW));
  g_object_class_install_property (oc, U_TAGS, g_param_spec_boxed ("tags", NULL, NULL, G_TYPE_STRV, RW));

  dynamorm_model_class_set_table_name (mc, "bench_users");
  dynamorm_model_class_tag_property (mc, "id", "pk");
  dynamorm_model_class_tag_property (mc, "tags", "set");
}

static void
bench_user_init (BenchUser *self)
{
}

/* ---- Helpers ---- */

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    g_error ("%s: %s", text, error->message);
  return json_node_ref (json_parser_get_root (parser));
}

static JsonNode *
call (DynamormSession *session, const char *op, JsonNode *request)
{
  g_autoptr(GError) error = NULL;
  JsonNode *resp = dynamorm_session_call (session, op, request, NULL, &error);

  if (resp == NULL)
    g_error ("%s: %s", op, error->message);
  return resp;
}

static void
call_text (DynamormSession *session, const char *op, const char *text)
{
  g_autoptr(JsonNode) req = parse (text);

  json_node_unref (call (session, op, req));
}

/* ---- PutItem / GetItem ---- */

typedef struct {
  DynamormSession *session;
  GPtrArray *models;
  int from, to;
} Slice;

static gpointer
put_slice (gpointer data)
{
  Slice *slice = data;
  g_autoptr(GError) error = NULL;

  for (int i = slice->from; i < slice->to; i++)
    if (!dynamorm_session_put (slice->session, slice->models->pdata[i], NULL, &error))
      g_error ("put: %s", error->message);
  return NULL;
}

static gpointer
get_slice (gpointer data)
{
  Slice *slice = data;
  g_autoptr(GError) error = NULL;
  GValue key = G_VALUE_INIT;

  g_value_init (&key, G_TYPE_STRING);
  for (int i = slice->from; i < slice->to; i++)
    {
      DynamormModel *m;

      g_value_set_string (&key, BENCH_USER (slice->models->pdata[i])->id);
      m = dynamorm_session_get (slice->session, BENCH_TYPE_USER, &key, NULL, NULL, &error);
      if (m == NULL)
        g_error ("get: %s", error->message);
      g_object_unref (m);
    }
  g_value_unset (&key);
  return NULL;
}

/* Runs func over every model split between n_threads threads; ops/s. */
static double
run_threads (DynamormSession *session, GPtrArray *models, GThreadFunc func, int n_threads)
{
  Slice slices[8];
  GThread *threads[8];
  int n = models->len;
  double t0 = now_s ();

  for (int t = 0; t < n_threads; t++)
    {
      slices[t] = (Slice) { session, models, n * t / n_threads, n * (t + 1) / n_threads };
      threads[t] = n_threads == 1 ? NULL : g_thread_new ("bench", func, &slices[t]);
    }
  if (n_threads == 1)
    func (&slices[0]);
  for (int t = 0; t < n_threads && n_threads > 1; t++)
    g_thread_join (threads[t]);
  return n / (now_s () - t0);
}

static GPtrArray *
make_users (const char *prefix, int n)
{
  const char *tags[] = { "math", "code", NULL };
  GPtrArray *models = g_ptr_array_new_with_free_func (g_object_unref);

  for (int i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%d", prefix, i);
      g_ptr_array_add (models, g_object_new (BENCH_TYPE_USER,
                                             "id", id, "name", "Ada Lovelace", "email", "ada@example.com",
                                             "city", "London", "note", "first programmer", "age", 36,
                                             "active", TRUE, "score", 98.5, "created", (gint64) 1700000000,
                                             "tags", tags, NULL));
    }
  return models;
}

/* Per item, in microseconds: batch write then batch get of every model. */
static void
bench_batch (DynamormSession *session, GPtrArray *models, double put_us, double get_us)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) dynamorm_key_unref);
  g_autoptr(GPtrArray) got = NULL;
  double t0, write_us, get_batch_us;

  for (guint i = 0; i < models->len; i++)
    g_ptr_array_add (keys, dynamorm_key_new_for_model (models->pdata[i], NULL));
  t0 = now_s ();
  if (!dynamorm_session_batch_write (session, (DynamormModel **) models->pdata, models->len,
                                     NULL, 0, NULL, NULL, NULL, &error))
    g_error ("batch write: %s", error->message);
  write_us = (now_s () - t0) * 1e6 / models->len;
  t0 = now_s ();
  got = dynamorm_session_batch_get (session, BENCH_TYPE_USER, (DynamormKey **) keys->pdata, keys->len,
                                    NULL, NULL, NULL, &error);
  if (got == NULL || got->len != models->len)
    g_error ("batch get: %s", error ? error->message : "items missing");
  get_batch_us = (now_s () - t0) * 1e6 / models->len;
  g_print ("Batch    write %6.2f us/item (single put %5.2f us: %.2fx; goal <= 1x)\n",
           write_us, put_us, write_us / put_us);
  g_print ("Batch    get   %6.2f us/item (single get %5.2f us: %.2fx; goal <= 1x)\n",
           get_batch_us, get_us, get_batch_us / get_us);
}

/* Per item, in microseconds: transactions of 10 puts over every model, then
 * transactional gets of 10 of them. */
#define TRANSACT_SIZE 10

static void
bench_transact (DynamormSession *session, GPtrArray *models, double put_us, double get_us)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) readers = make_users ("batch", models->len);
  guint n = models->len - models->len % TRANSACT_SIZE;
  double t0, write_us, get_tx_us;

  t0 = now_s ();
  for (guint i = 0; i < n; i += TRANSACT_SIZE)
    {
      g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (session);

      for (guint j = i; j < i + TRANSACT_SIZE; j++)
        dynamorm_transaction_add_put (tx, models->pdata[j], NULL);
      if (!dynamorm_transaction_commit (tx, NULL, &error))
        g_error ("transaction: %s", error->message);
    }
  write_us = (now_s () - t0) * 1e6 / n;
  t0 = now_s ();
  for (guint i = 0; i < n; i += TRANSACT_SIZE)
    {
      g_autoptr(GPtrArray) missing = NULL;

      if (!dynamorm_session_transact_get (session, (DynamormModel **) readers->pdata + i, TRANSACT_SIZE,
                                          &missing, NULL, &error) || missing->len > 0)
        g_error ("transact get: %s", error ? error->message : "items missing");
    }
  get_tx_us = (now_s () - t0) * 1e6 / n;
  g_print ("Transact write %6.2f us/item, %u puts each (single put %5.2f us: %.2fx)\n",
           write_us, TRANSACT_SIZE, put_us, write_us / put_us);
  g_print ("Transact get   %6.2f us/item, %u gets each (single get %5.2f us: %.2fx)\n",
           get_tx_us, TRANSACT_SIZE, get_us, get_tx_us / get_us);
}

static void
bench_put_get (DynamormSession *session, int n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GPtrArray) models2 = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  double put1, get1, put2, get2;

  if (!dynamorm_session_create_table (session, BENCH_TYPE_USER, NULL, &error))
    g_error ("create table: %s", error->message);

  /* Models are built outside the timed loops: the figure is the call. */
  models = make_users ("user", n);
  models2 = make_users ("user2", n);
  batch = make_users ("batch", MIN (n, 20000));

  put1 = run_threads (session, models, put_slice, 1);
  g_print ("PutItem  1 thread:  %8.0f ops/s (goal >= 1000000)\n", put1);
  get1 = run_threads (session, models, get_slice, 1);
  g_print ("GetItem  1 thread:  %8.0f ops/s (goal >= 1000000)\n", get1);
  put2 = run_threads (session, models2, put_slice, 2);
  g_print ("PutItem  2 threads: %8.0f ops/s, %.2fx one thread\n", put2, put2 / put1);
  get2 = run_threads (session, models, get_slice, 2);
  g_print ("GetItem  2 threads: %8.0f ops/s, %.2fx one thread (goal >= 1.8x on 2 cores; %u cores here)\n",
           get2, get2 / get1, g_get_num_processors ());
  bench_batch (session, batch, 1e6 / put1, 1e6 / get1);
  bench_transact (session, batch, 1e6 / put1, 1e6 / get1);
}

/* ---- CreateTable ---- */

static void
bench_create_table (DynamormSession *session, int rounds)
{
  g_autoptr(GError) error = NULL;
  double create = 0, t0;

  for (int r = 0; r < rounds; r++)
    {
      t0 = now_s ();
      if (!dynamorm_session_create_table (session, BENCH_TYPE_USER, NULL, &error))
        g_error ("create table: %s", error->message);
      create += now_s () - t0;
      if (!dynamorm_session_delete_table (session, BENCH_TYPE_USER, NULL, &error))
        g_error ("delete table: %s", error->message);
    }
  g_print ("CreateTable %d rounds: %.4f ms each (goal <= 0.05 ms)\n", rounds, create * 1e3 / rounds);
}

/* ---- Query: 100 items out of a big partition vs a small table ---- */

static void
fill_partition (DynamormSession *session, const char *table, int count)
{
  /* BatchWriteItem of 25 raw items: loading is not what is measured. */
  for (int i = 0; i < count; i += 25)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) req = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "RequestItems");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, table);
      json_builder_begin_array (b);
      for (int j = i; j < i + 25 && j < count; j++)
        {
          char sk[32];

          g_snprintf (sk, sizeof sk, "%08d", j);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "PutRequest");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "Item");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "pk");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "S");
          json_builder_add_string_value (b, "device-1");
          json_builder_end_object (b);
          json_builder_set_member_name (b, "sk");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "S");
          json_builder_add_string_value (b, sk);
          json_builder_end_object (b);
          json_builder_set_member_name (b, "reading");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "N");
          json_builder_add_string_value (b, "21.5");
          json_builder_end_object (b);
          json_builder_set_member_name (b, "unit");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "S");
          json_builder_add_string_value (b, "celsius");
          json_builder_end_object (b);
          json_builder_end_object (b);
          json_builder_end_object (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      json_builder_end_object (b);
      req = json_builder_get_root (b);
      json_node_unref (call (session, "BatchWriteItem", req));
    }
}

/* Queries of 100 items starting at random sort keys; returns queries/s. */
static double
query_rate (DynamormSession *session, const char *table, int count, int rounds)
{
  GRand *rand = g_rand_new_with_seed (42);
  double t0 = now_s (), secs;

  for (int r = 0; r < rounds; r++)
    {
      char text[512];
      g_autoptr(JsonNode) req = NULL;
      g_autoptr(JsonNode) resp = NULL;
      JsonObject *obj;

      g_snprintf (text, sizeof text,
                  "{\"TableName\":\"%s\",\"KeyConditionExpression\":\"pk = :p AND sk >= :s\","
                  "\"ExpressionAttributeValues\":{\":p\":{\"S\":\"device-1\"},\":s\":{\"S\":\"%08d\"}},"
                  "\"Limit\":100}",
                  table, g_rand_int_range (rand, 0, count - 100));
      req = parse (text);
      resp = call (session, "Query", req);
      obj = json_node_get_object (resp);
      if (json_object_get_int_member (obj, "Count") != 100)
        g_error ("Query on %s returned %" G_GINT64_FORMAT " items", table,
                 json_object_get_int_member (obj, "Count"));
    }
  secs = now_s () - t0;
  g_rand_free (rand);
  return rounds / secs;
}

static void
bench_query (DynamormSession *session, int big, int rounds)
{
  const char *create =
    "{\"TableName\":\"%s\",\"BillingMode\":\"PAY_PER_REQUEST\","
    "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
    "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}]}";
  g_autofree char *c_small = g_strdup_printf (create, "readings_small");
  g_autofree char *c_big = g_strdup_printf (create, "readings_big");
  double t0, small_rate, big_rate;

  call_text (session, "CreateTable", c_small);
  call_text (session, "CreateTable", c_big);
  fill_partition (session, "readings_small", 1000);
  t0 = now_s ();
  fill_partition (session, "readings_big", big);
  g_print ("(loaded %d items into one partition in %.1f s)\n", big, now_s () - t0);

  /* Warm up both, then measure. */
  query_rate (session, "readings_small", 1000, rounds / 10 + 1);
  query_rate (session, "readings_big", big, rounds / 10 + 1);
  small_rate = query_rate (session, "readings_small", 1000, rounds);
  big_rate = query_rate (session, "readings_big", big, rounds);
  g_print ("Query    100 items, 1,000-item table:        %8.0f queries/s (%.1f us)\n", small_rate, 1e6 / small_rate);
  g_print ("Query    100 items, %d-item partition: %8.0f queries/s (%.1f us)\n", big, big_rate, 1e6 / big_rate);
  g_print ("Query    big/small time ratio: %.2fx (target <= 2x)\n", small_rate / big_rate);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = NULL;
  int n = argc > 1 ? atoi (argv[1]) : 200000;
  int big = argc > 2 ? atoi (argv[2]) : 1000000;
  int rounds = argc > 3 ? atoi (argv[3]) : 20000;

  session = dynamorm_session_new ("memory://", &error);
  if (session == NULL)
    g_error ("%s (set DYNAMORM_BACKEND_PATH to build-dir/backends/memory)", error->message);
  bench_put_get (session, n);
  {
    g_autoptr(DynamormSession) fresh = dynamorm_session_new ("memory://", &error);

    bench_create_table (fresh, 2000);
  }
  bench_query (session, big, rounds);
  return 0;
}
