/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CRUD through a session, run once per backend with the same assertions:
 * `--backend memory` (always) and `--backend local` (DynamoDB Local, when
 * DYNAMORM_LOCAL_URI is set; skipped otherwise). */
#include "test-models.h"


typedef struct {
  DynamormSession *session;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->session = test_session_new ("t");
  if (f->session == NULL)
    return;
  g_assert_true (dynamorm_session_create_table (f->session, TEST_TYPE_USER, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (f->session, TEST_TYPE_INVOICE, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->session == NULL)
    return;
  dynamorm_session_delete_table (f->session, TEST_TYPE_USER, NULL, NULL);
  dynamorm_session_delete_table (f->session, TEST_TYPE_INVOICE, NULL, NULL);
  g_clear_object (&f->session);
}

#define SKIP_IF_NO_BACKEND(f) G_STMT_START { if ((f)->session == NULL) return; } G_STMT_END

static void
test_crud (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = NULL;
  g_autoptr(TestUser) again = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autofree char *name = NULL;
  const char *tags[] = { "a", "b", NULL };
  int age;

  SKIP_IF_NO_BACKEND (f);

  user = g_object_new (TEST_TYPE_USER, "id", "u1", "email", "ada@example.com", "name", "Ada",
                       "age", 36, "tags", tags, NULL);
  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);

  /* put overwrites by design */
  g_object_set (user, "age", 37, NULL);
  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);

  /* insert refuses an existing key, and writes nothing */
  again = g_object_new (TEST_TYPE_USER, "id", "u1", "name", "Impostor", NULL);
  g_assert_false (dynamorm_session_insert (f->session, DYNAMORM_MODEL (again), NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_assert_cmpstr (dynamorm_error_get_service_error (error), ==, "ConditionalCheckFailedException");
  g_clear_error (&error);

  got = test_user_get (f->session, "u1", &error);
  g_assert_no_error (error);
  g_object_get (got, "name", &name, "age", &age, NULL);
  g_assert_cmpstr (name, ==, "Ada");
  g_assert_cmpint (age, ==, 37);
  g_clear_object (&got);
  g_clear_pointer (&name, g_free);

  /* insert of a new key works */
  g_clear_object (&again);
  again = g_object_new (TEST_TYPE_USER, "id", "u2", "name", "Grace", NULL);
  g_assert_true (dynamorm_session_insert (f->session, DYNAMORM_MODEL (again), NULL, &error));
  g_assert_no_error (error);

  /* update chosen properties; the others keep their stored values */
  {
    g_autoptr(TestUser) partial = g_object_new (TEST_TYPE_USER, "id", "u1", "name", "Ada Lovelace", NULL);
    const char *props[] = { "name", NULL };
    g_auto(GStrv) stored_tags = NULL;

    g_assert_true (dynamorm_session_update (f->session, DYNAMORM_MODEL (partial), props, NULL, &error));
    g_assert_no_error (error);
    /* the model is refreshed from the stored item */
    g_object_get (partial, "name", &name, "age", &age, "tags", &stored_tags, NULL);
    g_assert_cmpstr (name, ==, "Ada Lovelace");
    g_assert_cmpint (age, ==, 37);
    g_assert_cmpuint (g_strv_length (stored_tags), ==, 2);
    g_clear_pointer (&name, g_free);
  }

  /* updating a missing item is NOT_FOUND, and creates nothing */
  {
    g_autoptr(TestUser) ghost = g_object_new (TEST_TYPE_USER, "id", "ghost", "name", "Boo", NULL);
    const char *props[] = { "name", NULL };

    g_assert_false (dynamorm_session_update (f->session, DYNAMORM_MODEL (ghost), props, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "ghost"));
    g_clear_error (&error);
    g_assert_null (test_user_get (f->session, "ghost", &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* updating a key property is refused before any request */
  {
    const char *props[] = { "id", NULL };
    g_assert_false (dynamorm_session_update (f->session, DYNAMORM_MODEL (user), props, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  {
    const char *props[] = { "no-such-property", NULL };
    g_assert_false (dynamorm_session_update (f->session, DYNAMORM_MODEL (user), props, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* reload into an existing object */
  {
    g_autoptr(TestUser) fresh = g_object_new (TEST_TYPE_USER, "id", "u2", NULL);
    g_assert_true (dynamorm_session_reload (f->session, DYNAMORM_MODEL (fresh), NULL, &error));
    g_assert_no_error (error);
    g_object_get (fresh, "name", &name, NULL);
    g_assert_cmpstr (name, ==, "Grace");
    g_clear_pointer (&name, g_free);
  }

  /* delete, then it is gone; deleting again is fine */
  g_assert_true (dynamorm_session_delete (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  g_assert_null (test_user_get (f->session, "u1", &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (dynamorm_session_delete (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
}

static void
test_every_type_stored (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) created = g_date_time_new_utc (2030, 1, 2, 3, 4, 5.000001);
  g_autoptr(TestUser) user = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autoptr(GDateTime) got_created = NULL;
  g_autofree char *big = NULL;
  guint64 u64;
  double score;

  SKIP_IF_NO_BACKEND (f);

  user = g_object_new (TEST_TYPE_USER, "id", "types", "created", created, "u64", G_MAXUINT64,
                       "score", 1.0 / 3.0, "big", "-0.00000000000000000000000000000000000123", NULL);
  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  got = test_user_get (f->session, "types", &error);
  g_assert_no_error (error);
  g_object_get (got, "created", &got_created, "u64", &u64, "score", &score, "big", &big, NULL);
  g_assert_true (g_date_time_equal (created, got_created));
  g_assert_cmpuint (u64, ==, G_MAXUINT64);
  g_assert_cmpfloat (score, ==, 1.0 / 3.0);
  g_assert_cmpstr (big, ==, "-0.00000000000000000000000000000000000123");
}

static void
test_sort_key_table (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestInvoice) invoice = NULL;
  g_autoptr(DynamormModel) got = NULL;
  GValue pk = G_VALUE_INIT, sk = G_VALUE_INIT;
  gint64 total;

  SKIP_IF_NO_BACKEND (f);

  invoice = g_object_new (TEST_TYPE_INVOICE, "account", "ACCOUNT#1", "invoice", "2024-01",
                          "customer", "c9", "total", (gint64) 1250, NULL);
  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (invoice), NULL, &error));
  g_assert_no_error (error);

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, "ACCOUNT#1");
  g_value_init (&sk, G_TYPE_STRING);
  g_value_set_string (&sk, "2024-01");
  got = dynamorm_session_get (f->session, TEST_TYPE_INVOICE, &pk, &sk, NULL, &error);
  g_assert_no_error (error);
  g_object_get (got, "total", &total, NULL);
  g_assert_cmpint (total, ==, 1250);

  /* a get without the sort key is refused before any request */
  g_assert_null (dynamorm_session_get (f->session, TEST_TYPE_INVOICE, &pk, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_value_unset (&pk);
  g_value_unset (&sk);
}

static void
test_tables (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) table = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *users = NULL;
  JsonObject *obj;

  SKIP_IF_NO_BACKEND (f);

  users = dynamorm_session_get_table_name (f->session, TEST_TYPE_USER);
  g_assert_true (g_str_has_suffix (users, "_users"));
  table = dynamorm_session_describe_table (f->session, TEST_TYPE_USER, NULL, &error);
  g_assert_no_error (error);
  obj = json_node_get_object (table);
  g_assert_cmpstr (json_object_get_string_member (obj, "TableName"), ==, users);
  g_assert_cmpstr (json_object_get_string_member (obj, "TableStatus"), ==, "ACTIVE");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "GlobalSecondaryIndexes")), ==, 1);

  names = dynamorm_session_list_tables (f->session, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) names, users));

  /* creating it again is RESOURCE_IN_USE */
  g_assert_false (dynamorm_session_create_table (f->session, TEST_TYPE_USER, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_IN_USE);
  g_clear_error (&error);

  /* after deleting it, item operations say the table is missing */
  g_assert_true (dynamorm_session_delete_table (f->session, TEST_TYPE_USER, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (test_user_get (f->session, "x", &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, users));
  g_clear_error (&error);
  g_assert_false (dynamorm_session_delete_table (f->session, TEST_TYPE_USER, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
}

typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} AsyncWait;

static void
async_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GAsyncResult *
wait_for (AsyncWait *wait)
{
  g_main_loop_run (wait->loop);
  return wait->result;
}

static void
test_async (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = NULL;
  g_autoptr(DynamormModel) got = NULL;
  AsyncWait wait = { g_main_loop_new (NULL, FALSE), NULL };
  GValue pk = G_VALUE_INIT;
  g_autofree char *name = NULL;

  SKIP_IF_NO_BACKEND (f);

  user = g_object_new (TEST_TYPE_USER, "id", "async", "name", "Async Ada", NULL);
  dynamorm_session_put_async (f->session, DYNAMORM_MODEL (user), NULL, async_done, &wait);
  g_assert_true (dynamorm_session_put_finish (f->session, wait_for (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);

  dynamorm_session_insert_async (f->session, DYNAMORM_MODEL (user), NULL, async_done, &wait);
  g_assert_false (dynamorm_session_insert_finish (f->session, wait_for (&wait), &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);
  g_clear_object (&wait.result);

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, "async");
  dynamorm_session_get_async (f->session, TEST_TYPE_USER, &pk, NULL, NULL, async_done, &wait);
  got = dynamorm_session_get_finish (f->session, wait_for (&wait), &error);
  g_assert_no_error (error);
  g_object_get (got, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "Async Ada");
  g_clear_object (&wait.result);
  g_value_unset (&pk);

  /* a cancelled call reports cancellation */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_cancellable_cancel (cancellable);
    dynamorm_session_delete_async (f->session, DYNAMORM_MODEL (user), cancellable, async_done, &wait);
    g_assert_false (dynamorm_session_delete_finish (f->session, wait_for (&wait), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_clear_object (&wait.result);
  }

  /* errors found while building the request also come through _finish */
  {
    g_autoptr(TestUser) keyless = g_object_new (TEST_TYPE_USER, NULL);

    dynamorm_session_put_async (f->session, DYNAMORM_MODEL (keyless), NULL, async_done, &wait);
    g_assert_false (dynamorm_session_put_finish (f->session, wait_for (&wait), &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_clear_object (&wait.result);
  }
  g_main_loop_unref (wait.loop);
}

/* A versioned model without timestamps is put with PutItem: its first put
 * (version 0) must only require that the item does not exist yet. */
static void
test_versioned_put (Fixture *f, gconstpointer data)
{
  static const char *props[] = { "id:s", "version:i", "note:s", NULL };
  static const char *tags[] = { "id=pk", "version=version", NULL };
  static GType type;
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) first = NULL;
  g_autoptr(DynamormModel) rival = NULL;
  int version;

  SKIP_IF_NO_BACKEND (f);

  if (type == 0)
    {
      type = test_define_model ("TestVersioned", props);
      g_assert_true (dynamorm_model_type_declare (type, "versioned", tags, &error));
    }
  g_assert_true (dynamorm_session_create_table (f->session, type, NULL, &error));
  g_assert_no_error (error);

  first = g_object_new (type, "id", "v1", "note", "first", NULL);
  g_assert_true (dynamorm_session_put (f->session, first, NULL, &error));
  g_assert_no_error (error);
  g_object_get (first, "version", &version, NULL);
  g_assert_cmpint (version, ==, 1);

  /* Another new object with the same key is a conflicting first write. */
  rival = g_object_new (type, "id", "v1", "note", "rival", NULL);
  g_assert_false (dynamorm_session_put (f->session, rival, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);

  /* The holder of version 1 may write again. */
  g_object_set (first, "note", "second", NULL);
  g_assert_true (dynamorm_session_put (f->session, first, NULL, &error));
  g_assert_no_error (error);
  g_object_get (first, "version", &version, NULL);
  g_assert_cmpint (version, ==, 2);
  g_assert_true (dynamorm_session_delete_table (f->session, type, NULL, &error));
}

static void
count_capacity_signal (DynamormSession *session, const char *operation, JsonNode *capacity, gpointer data)
{
  GPtrArray *seen = data;

  g_assert_nonnull (capacity);
  g_ptr_array_add (seen, g_strdup (operation));
}

static void
test_consumed_capacity (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TestUser) user = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autoptr(GVariant) summary = NULL;
  g_autofree char *table = NULL;
  double read = -1, write = -1;

  SKIP_IF_NO_BACKEND (f);

  table = dynamorm_session_get_table_name (f->session, TEST_TYPE_USER);
  g_signal_connect (f->session, "consumed-capacity", G_CALLBACK (count_capacity_signal), seen);

  /* Off by default: nothing is asked for, nothing recorded. */
  user = g_object_new (TEST_TYPE_USER, "id", "cap", "email", "cap@example.com", NULL);
  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen->len, ==, 0);
  g_assert_false (dynamorm_session_get_consumed_capacity (f->session, table, NULL, NULL, NULL));

  dynamorm_session_set_capacity_mode (f->session, DYNAMORM_CAPACITY_INDEXES);
  /* A new small item: 1 write unit for the table, 1 for the GSI it enters. */
  g_object_set (user, "id", "cap2", NULL);
  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpstr (seen->pdata[0], ==, "PutItem");
  g_assert_true (dynamorm_session_get_consumed_capacity (f->session, table, NULL, &read, &write));
  g_assert_cmpfloat (write, ==, 2.0);
  g_assert_cmpfloat (read, ==, 0.0);
  g_assert_true (dynamorm_session_get_consumed_capacity (f->session, table, "by-email", &read, &write));
  g_assert_cmpfloat (write, ==, 1.0);

  /* An eventually consistent read of a small item: half a read unit. */
  got = test_user_get (f->session, "cap", &error);
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_get_consumed_capacity (f->session, table, NULL, &read, &write));
  g_assert_cmpfloat (read, ==, 0.5);
  g_assert_cmpuint (seen->len, ==, 2);

  /* Rewriting an item whose index attributes did not change writes only
   * the table, as DynamoDB charges it. */
  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_get_consumed_capacity (f->session, table, NULL, &read, &write));
  g_assert_cmpfloat (write, ==, 3.0);
  g_assert_true (dynamorm_session_get_consumed_capacity (f->session, table, "by-email", &read, &write));
  g_assert_cmpfloat (write, ==, 1.0);

  summary = dynamorm_session_get_capacity_summary (f->session);
  g_assert_cmpuint (g_variant_n_children (summary), ==, 2);

  dynamorm_session_reset_consumed_capacity (f->session);
  g_assert_false (dynamorm_session_get_consumed_capacity (f->session, table, NULL, NULL, NULL));
}

typedef struct {
  DynamormSession *session;
  guint first;
} ThreadData;

static gpointer
writer_thread (gpointer data)
{
  ThreadData *td = data;

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = g_strdup_printf ("thread-%u", td->first + i);
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", id, "age", (int) i, NULL);

      if (!dynamorm_session_insert (td->session, DYNAMORM_MODEL (user), NULL, &error))
        return g_strdup (error->message);
    }
  return NULL;
}

static void
test_threads (Fixture *f, gconstpointer data)
{
  ThreadData td[4];
  GThread *threads[4];

  SKIP_IF_NO_BACKEND (f);

  for (guint t = 0; t < 4; t++)
    {
      td[t].session = f->session;
      td[t].first = t * 50;
      threads[t] = g_thread_new ("writer", writer_thread, &td[t]);
    }
  for (guint t = 0; t < 4; t++)
    {
      g_autofree char *failure = g_thread_join (threads[t]);
      g_assert_null (failure);
    }
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = g_strdup_printf ("thread-%u", i);
      g_autoptr(DynamormModel) got = test_user_get (f->session, id, &error);

      g_assert_no_error (error);
    }
}

/* Eight threads on one session, each mixing puts of its own items, gets
 * and atomic increments of four shared counters and one of its own: every
 * call succeeds and the counters end exact (no increment lost or applied
 * twice). Also the body of the ThreadSanitizer run (scripts/tsan.sh). */
#define MIX_THREADS 8
#define MIX_COUNTERS 4

typedef struct {
  DynamormSession *session;
  guint index;
  guint rounds;
  guint increments[MIX_COUNTERS];   /* of each shared counter, by this thread */
} MixData;

static gboolean
mix_increment (DynamormSession *session, const char *id, GError **error)
{
  g_autoptr(TestUser) key = g_object_new (TEST_TYPE_USER, "id", id, NULL);
  g_autoptr(DynamormUpdate) update = dynamorm_update_new ();

  dynamorm_update_increment (update, "age", 1);
  return dynamorm_session_update_full (session, DYNAMORM_MODEL (key), update, NULL, NULL, NULL, error);
}

static char *
mix_round (MixData *md, guint round, GRand *rand)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *own = g_strdup_printf ("mix-%u-%u", md->index, round);
  g_autofree char *own_counter = g_strdup_printf ("mix-counter-t%u", md->index);
  guint shared = g_rand_int_range (rand, 0, MIX_COUNTERS);
  g_autofree char *shared_id = g_strdup_printf ("mix-counter-%u", shared);
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", own, "age", (int) round, "name", own, NULL);
  g_autoptr(DynamormModel) got = NULL;
  int age = -1;

  if (!dynamorm_session_put (md->session, DYNAMORM_MODEL (user), NULL, &error))
    return g_strdup_printf ("put %s: %s", own, error->message);
  if (!mix_increment (md->session, shared_id, &error))
    return g_strdup_printf ("increment %s: %s", shared_id, error->message);
  md->increments[shared]++;
  if (!mix_increment (md->session, own_counter, &error))
    return g_strdup_printf ("increment %s: %s", own_counter, error->message);
  got = test_user_get (md->session, own, &error);
  if (got == NULL)
    return g_strdup_printf ("get %s: %s", own, error->message);
  g_clear_object (&got);
  got = test_user_get (md->session, own_counter, &error);
  if (got == NULL)
    return g_strdup_printf ("get %s: %s", own_counter, error->message);
  /* Only this thread changes its own counter: it reads what it wrote. */
  g_object_get (got, "age", &age, NULL);
  if (age != (int) round + 1)
    return g_strdup_printf ("%s is %d after %u increments", own_counter, age, round + 1);
  return NULL;
}

static gpointer
mix_thread (gpointer data)
{
  MixData *md = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (md->index);

  for (guint round = 0; round < md->rounds; round++)
    {
      char *failure = mix_round (md, round, rand);

      if (failure != NULL)
        return failure;
    }
  return NULL;
}

static void
mix_assert_age (DynamormSession *session, const char *id, int expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) got = test_user_get (session, id, &error);
  int age = -1;

  g_assert_no_error (error);
  g_object_get (got, "age", &age, NULL);
  g_test_message ("%s: %d", id, age);
  g_assert_cmpint (age, ==, expected);
}

static void
test_mixed_threads (Fixture *f, gconstpointer data)
{
  MixData md[MIX_THREADS];
  GThread *threads[MIX_THREADS];
  /* DynamoDB Local answers in milliseconds, the memory engine in microseconds. */
  guint rounds = g_str_equal (test_backend_name, "memory") ? 50 : 25;

  SKIP_IF_NO_BACKEND (f);

  for (guint c = 0; c < MIX_COUNTERS + MIX_THREADS; c++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = c < MIX_COUNTERS ? g_strdup_printf ("mix-counter-%u", c)
                                             : g_strdup_printf ("mix-counter-t%u", c - MIX_COUNTERS);
      g_autoptr(TestUser) counter = g_object_new (TEST_TYPE_USER, "id", id, "age", 0, NULL);

      g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (counter), NULL, &error));
      g_assert_no_error (error);
    }

  for (guint t = 0; t < MIX_THREADS; t++)
    {
      md[t] = (MixData) { .session = f->session, .index = t, .rounds = rounds };
      threads[t] = g_thread_new ("mixer", mix_thread, &md[t]);
    }
  for (guint t = 0; t < MIX_THREADS; t++)
    {
      g_autofree char *failure = g_thread_join (threads[t]);
      g_assert_null (failure);
    }

  for (guint c = 0; c < MIX_COUNTERS; c++)
    {
      g_autofree char *id = g_strdup_printf ("mix-counter-%u", c);
      int expected = 0;

      for (guint t = 0; t < MIX_THREADS; t++)
        expected += md[t].increments[c];
      mix_assert_age (f->session, id, expected);
    }
  for (guint t = 0; t < MIX_THREADS; t++)
    {
      g_autofree char *id = g_strdup_printf ("mix-counter-t%u", t);

      mix_assert_age (f->session, id, rounds);
    }
  for (guint t = 0; t < MIX_THREADS; t++)
    for (guint round = 0; round < rounds; round++)
      {
        g_autofree char *id = g_strdup_printf ("mix-%u-%u", t, round);

        mix_assert_age (f->session, id, round);
      }
}

static void
test_bad_uris (void)
{
  static const char *uris[] = { "nosuch://x", "not a uri", "memory://name:12/path" };

  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DynamormSession) session = dynamorm_session_new (uris[i], &error);

      g_assert_null (session);
      g_assert_nonnull (error);
      g_test_message ("%s: %s", uris[i], error->message);
      if (i < 2)
        g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_BACKEND_NOT_FOUND);
      if (i == 0)
        g_assert_nonnull (strstr (error->message, "memory"));
    }

  g_unsetenv ("DYNAMORM_URI");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(DynamormSession) session = dynamorm_session_new (NULL, &error);
    g_assert_null (session);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_BACKEND_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "DYNAMORM_URI"));
  }
  g_setenv ("DYNAMORM_URI", "memory://from-env", TRUE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(DynamormSession) session = dynamorm_session_new (NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (dynamorm_backend_get_uri (dynamorm_session_get_backend (session)), ==, "memory://from-env");
  }
}

/* Credentials and a retry policy are for backends that sign and retry;
 * memory:// takes them and ignores them, so code runs on any backend. */
static void
test_new_full_portable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormCredentials) credentials = dynamorm_credentials_new ("AKIDEXAMPLE", "secret", NULL, NULL);
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (3, 10, 100, 2.0, 0.0);
  g_autoptr(DynamormSession) session = dynamorm_session_new_full ("memory://", credentials, policy, &error);
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "p", NULL);

  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (session, TEST_TYPE_USER, NULL, &error));
  g_assert_true (dynamorm_session_put (session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);

  /* A bad URI is still refused. */
  g_clear_object (&session);
  session = dynamorm_session_new_full ("nosuch://", credentials, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_BACKEND_NOT_FOUND);
}

/* TTL on the memory backend: expired items go by the sweep, which tests
 * can run at once (DynamormSweepExpiredItems) or set a pace for
 * (memory://?ttl_sweep=SECONDS). */
static GType
ttl_model_type (void)
{
  static const char *props[] = { "id:s", "expires:i", NULL };
  static const char *tags[] = { "id=pk", "expires=ttl", NULL };
  static GType type;

  if (type == 0)
    {
      g_autoptr(GError) error = NULL;

      type = test_define_model ("TestExpiring", props);
      g_assert_true (dynamorm_model_type_declare (type, "expiring", tags, &error));
    }
  return type;
}

static DynamormModel *
get_expiring (DynamormSession *session, const char *id, GError **error)
{
  GValue pk = G_VALUE_INIT;
  DynamormModel *model;

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, id);
  model = dynamorm_session_get (session, ttl_model_type (), &pk, NULL, NULL, error);
  g_value_unset (&pk);
  return model;
}

static void
test_ttl_sweep (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://?ttl_sweep=0", &error);
  g_autoptr(DynamormModel) past = NULL, future = NULL, got = NULL;
  g_autoptr(JsonNode) request = json_from_string ("{}", NULL);
  g_autoptr(JsonNode) response = NULL;
  int now = (int) (g_get_real_time () / G_USEC_PER_SEC);

  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (session, ttl_model_type (), NULL, &error));
  g_assert_no_error (error);
  past = g_object_new (ttl_model_type (), "id", "past", "expires", now - 60, NULL);
  future = g_object_new (ttl_model_type (), "id", "future", "expires", now + 3600, NULL);
  g_assert_true (dynamorm_session_put (session, past, NULL, &error));
  g_assert_true (dynamorm_session_put (session, future, NULL, &error));
  g_assert_no_error (error);

  /* Expired but not yet swept: still readable, as in DynamoDB. */
  got = get_expiring (session, "past", &error);
  g_assert_no_error (error);
  g_clear_object (&got);

  response = dynamorm_session_call (session, "DynamormSweepExpiredItems", request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (response), "DeletedItemCount"), ==, 1);
  g_assert_null (get_expiring (session, "past", &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  got = get_expiring (session, "future", &error);
  g_assert_no_error (error);
}

static void
test_ttl_sweep_pace (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://?ttl_sweep=1", &error);
  g_autoptr(DynamormModel) past = NULL;
  int now = (int) (g_get_real_time () / G_USEC_PER_SEC);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gboolean gone = FALSE;

  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (session, ttl_model_type (), NULL, &error));
  past = g_object_new (ttl_model_type (), "id", "past", "expires", now - 60, NULL);
  g_assert_true (dynamorm_session_put (session, past, NULL, &error));
  g_assert_no_error (error);

  /* The sweeper runs every second: the item goes without being asked. */
  while (!gone && g_get_monotonic_time () < deadline)
    {
      g_autoptr(DynamormModel) got = get_expiring (session, "past", &error);

      gone = got == NULL && g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
      g_clear_error (&error);
      if (!gone)
        g_usleep (100 * 1000);
    }
  g_assert_true (gone);

  /* Options are checked. */
  g_clear_object (&session);
  session = dynamorm_session_new ("memory://?ttl_sweep=soon", &error);
  g_assert_null (session);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  session = dynamorm_session_new ("memory://?colour=blue", &error);
  g_assert_null (session);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "ttl_sweep"));
}

static void
test_named_memory_shared (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) a = dynamorm_session_new ("memory://shared", &error);
  g_autoptr(DynamormSession) b = dynamorm_session_new ("memory://shared", &error);
  g_autoptr(DynamormSession) c = dynamorm_session_new ("memory://", &error);
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "s", NULL);
  g_autoptr(DynamormModel) got = NULL;
  GValue pk = G_VALUE_INIT;

  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (a, TEST_TYPE_USER, NULL, &error));
  g_assert_true (dynamorm_session_put (a, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, "s");
  got = dynamorm_session_get (b, TEST_TYPE_USER, &pk, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (dynamorm_session_get (c, TEST_TYPE_USER, &pk, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_value_unset (&pk);
}

/* A backend test double written in C: records requests, answers canned. */
#define TEST_TYPE_DOUBLE (test_double_get_type ())
G_DECLARE_FINAL_TYPE (TestDouble, test_double, TEST, DOUBLE, DynamormBackend)
struct _TestDouble { DynamormBackend parent_instance; GPtrArray *seen; };
G_DEFINE_FINAL_TYPE (TestDouble, test_double, DYNAMORM_TYPE_BACKEND)

static JsonNode *
test_double_invoke (DynamormBackend *backend, const char *operation, JsonNode *request,
                    GCancellable *cancellable, GError **error)
{
  TestDouble *self = TEST_DOUBLE (backend);

  g_autofree char *text = json_to_string (request, FALSE);

  g_ptr_array_add (self->seen, g_strdup_printf ("%s %s", operation, text));
  if (g_str_equal (operation, "PutItem"))
    {
      g_autoptr(JsonNode) body = json_from_string ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
                                                   "\"message\":\"The conditional request failed\"}", NULL);
      g_propagate_error (error, dynamorm_error_new_from_response (400, body));
      return NULL;
    }
  return json_from_string ("{\"Item\": {\"id\": {\"S\": \"d1\"}, \"name\": {\"S\": \"Canned\"}}}", NULL);
}

static void
test_double_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_DOUBLE (object)->seen);
  G_OBJECT_CLASS (test_double_parent_class)->finalize (object);
}

static void
test_double_class_init (TestDoubleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_double_finalize;
  DYNAMORM_BACKEND_CLASS (klass)->invoke = test_double_invoke;
}

static void
test_double_init (TestDouble *self)
{
  self->seen = g_ptr_array_new_with_free_func (g_free);
}

static void
test_backend_double (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestDouble) backend = g_object_new (TEST_TYPE_DOUBLE, NULL);
  g_autoptr(DynamormSession) session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (backend));
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "d1", NULL);
  g_autoptr(DynamormModel) got = NULL;
  g_autofree char *name = NULL;
  AsyncWait wait = { g_main_loop_new (NULL, FALSE), NULL };

  dynamorm_session_set_table_prefix (session, "dev_");
  g_assert_false (dynamorm_session_put (session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (backend->seen->len, ==, 1);
  g_assert_true (g_str_has_prefix (backend->seen->pdata[0], "PutItem {\"TableName\":\"dev_users\""));

  /* the default async path runs the double's sync invoke */
  dynamorm_session_reload_async (session, DYNAMORM_MODEL (user), NULL, async_done, &wait);
  g_assert_true (dynamorm_session_reload_finish (session, wait_for (&wait), &error));
  g_assert_no_error (error);
  g_object_get (user, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "Canned");
  g_assert_true (g_str_has_prefix (backend->seen->pdata[1],
                                   "GetItem {\"TableName\":\"dev_users\",\"Key\":{\"id\":{\"S\":\"d1\"}}}"));
  g_clear_object (&wait.result);
  g_main_loop_unref (wait.loop);
}

/* A backend that only implements invoke_async: blocking calls drive it on a
 * private main context, and its callbacks never reach the caller's. */
#define TEST_TYPE_ASYNC_DOUBLE (test_async_double_get_type ())
G_DECLARE_FINAL_TYPE (TestAsyncDouble, test_async_double, TEST, ASYNC_DOUBLE, DynamormBackend)
struct _TestAsyncDouble { DynamormBackend parent_instance; guint calls; };
G_DEFINE_FINAL_TYPE (TestAsyncDouble, test_async_double, DYNAMORM_TYPE_BACKEND)

static gboolean
answer_later (gpointer data)
{
  GTask *task = data;

  g_task_return_pointer (task, json_from_string ("{\"Item\": {\"id\": {\"S\": \"a1\"}, \"name\": {\"S\": \"Later\"}}}", NULL),
                         (GDestroyNotify) json_node_unref);
  return G_SOURCE_REMOVE;
}

static void
test_async_double_invoke_async (DynamormBackend *backend, const char *operation, JsonNode *request,
                                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (backend, cancellable, callback, user_data);
  GSource *source = g_timeout_source_new (10);

  TEST_ASYNC_DOUBLE (backend)->calls++;
  g_source_set_callback (source, answer_later, task, g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static JsonNode *
test_async_double_invoke_finish (DynamormBackend *backend, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_async_double_class_init (TestAsyncDoubleClass *klass)
{
  DYNAMORM_BACKEND_CLASS (klass)->invoke_async = test_async_double_invoke_async;
  DYNAMORM_BACKEND_CLASS (klass)->invoke_finish = test_async_double_invoke_finish;
}

static void
test_async_double_init (TestAsyncDouble *self)
{
}

static void
test_backend_async_only (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestAsyncDouble) backend = g_object_new (TEST_TYPE_ASYNC_DOUBLE, NULL);
  g_autoptr(DynamormSession) session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (backend));
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "a1", NULL);
  g_autofree char *name = NULL;

  g_assert_true (dynamorm_session_reload (session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  g_object_get (user, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "Later");
  g_assert_cmpuint (backend->calls, ==, 1);
  /* Nothing was left pending on the caller's main context. */
  g_assert_false (g_main_context_pending (NULL));
}

static void
test_invalid_model_before_request (void)
{
  static const char *props[] = { "name:s", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TestDouble) backend = g_object_new (TEST_TYPE_DOUBLE, NULL);
  g_autoptr(DynamormSession) session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (backend));
  GType type = test_define_model ("KeylessModel", props);
  g_autoptr(DynamormModel) model = g_object_new (type, "name", "x", NULL);

  g_assert_false (dynamorm_session_put (session, model, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_clear_error (&error);
  g_assert_false (dynamorm_session_create_table (session, type, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_assert_cmpuint (backend->seen->len, ==, 0);
}

int
main (int argc, char *argv[])
{
  test_parse_backend_arg (&argc, argv);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/dynamorm/session/crud", test_crud);
  ADD ("/dynamorm/session/every-type-stored", test_every_type_stored);
  ADD ("/dynamorm/session/sort-key", test_sort_key_table);
  ADD ("/dynamorm/session/tables", test_tables);
  ADD ("/dynamorm/session/async", test_async);
  ADD ("/dynamorm/session/threads", test_threads);
  ADD ("/dynamorm/session/mixed-threads", test_mixed_threads);
  ADD ("/dynamorm/session/consumed-capacity", test_consumed_capacity);
  ADD ("/dynamorm/session/versioned-put", test_versioned_put);
  if (g_str_equal (test_backend_name, "memory"))
    {
      g_test_add_func ("/dynamorm/session/bad-uris", test_bad_uris);
      g_test_add_func ("/dynamorm/session/named-memory", test_named_memory_shared);
      g_test_add_func ("/dynamorm/session/new-full", test_new_full_portable);
      g_test_add_func ("/dynamorm/session/ttl-sweep", test_ttl_sweep);
      g_test_add_func ("/dynamorm/session/ttl-sweep-pace", test_ttl_sweep_pace);
      g_test_add_func ("/dynamorm/session/backend-double", test_backend_double);
      g_test_add_func ("/dynamorm/session/backend-async-only", test_backend_async_only);
      g_test_add_func ("/dynamorm/session/invalid-model", test_invalid_model_before_request);
    }

  return g_test_run ();
}
