/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Batch get and batch write, run once per backend with the same
 * assertions (`--backend memory`, `--backend local`); unprocessed keys and
 * items, failed chunks and parallelism are forced with a test double over
 * a memory backend. */
#include "batch-test-util.h"

typedef struct {
  GArray *done;
  guint total;
} Progress;

static void
progress_cb (guint done, guint total, gpointer user_data)
{
  Progress *p = user_data;

  g_array_append_val (p->done, done);
  p->total = total;
}

static void
assert_progress (Progress *p, guint total)
{
  g_assert_cmpuint (p->total, ==, total);
  g_assert_cmpuint (p->done->len, >, 1);
  for (guint i = 1; i < p->done->len; i++)
    g_assert_cmpuint (g_array_index (p->done, guint, i), >, g_array_index (p->done, guint, i - 1));
  g_assert_cmpuint (g_array_index (p->done, guint, p->done->len - 1), ==, total);
}

static TestUser *
new_user (guint i)
{
  g_autofree char *id = g_strdup_printf ("user-%04u", i);
  g_autofree char *name = g_strdup_printf ("Name %u", i);

  return g_object_new (TEST_TYPE_USER, "id", id, "name", name, "age", (int) i, NULL);
}

static void
write_users (DynamormSession *session, guint n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (session);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TestUser) user = new_user (i);
      dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (user));
    }
  ASSERT_OK (dynamorm_batch_write_execute (write, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dynamorm_batch_write_get_unwritten_puts (write)->len, ==, 0);
}

static void
test_get_many (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBatchGet) get = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) dynamorm_key_unref);
  Progress progress = { g_array_new (FALSE, FALSE, sizeof (guint)), 0 };
  GPtrArray *missing;

  SKIP_IF_NO_BACKEND (f);

  write_users (f->session, 250);

  /* 250 existing keys in reverse order, 3 missing ones in between, and
   * one key twice: 253 distinct keys, three chunks. */
  for (guint i = 250; i-- > 0;)
    {
      g_autofree char *id = g_strdup_printf ("user-%04u", i);
      g_ptr_array_add (keys, dynamorm_key_new_string (id, NULL));
      if (i == 200 || i == 100 || i == 0)
        {
          g_autofree char *ghost = g_strdup_printf ("ghost-%u", i);
          g_ptr_array_add (keys, dynamorm_key_new_string (ghost, NULL));
        }
    }
  g_ptr_array_add (keys, dynamorm_key_new_string ("user-0007", NULL));

  get = dynamorm_batch_get_new (f->session, TEST_TYPE_USER);
  dynamorm_batch_get_add_keys (get, (DynamormKey **) keys->pdata, keys->len);
  dynamorm_batch_get_set_consistent_read (get, TRUE);
  dynamorm_batch_get_set_max_concurrency (get, 3);
  dynamorm_batch_get_set_progress_func (get, progress_cb, &progress, NULL);
  users = dynamorm_batch_get_execute (get, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 250);
  for (guint i = 0; i < users->len; i++)
    {
      g_autofree char *id = NULL;
      g_autofree char *name = NULL;
      g_autofree char *want_id = g_strdup_printf ("user-%04u", 249 - i);
      g_autofree char *want_name = g_strdup_printf ("Name %u", 249 - i);
      int age;

      g_object_get (users->pdata[i], "id", &id, "name", &name, "age", &age, NULL);
      g_assert_cmpstr (id, ==, want_id);
      g_assert_cmpstr (name, ==, want_name);
      g_assert_cmpint (age, ==, 249 - i);
    }
  missing = dynamorm_batch_get_get_missing_keys (get);
  g_assert_cmpuint (missing->len, ==, 3);
  g_assert_cmpstr (g_value_get_string (dynamorm_key_get_partition_key (missing->pdata[0])), ==, "ghost-200");
  g_assert_cmpstr (g_value_get_string (dynamorm_key_get_partition_key (missing->pdata[2])), ==, "ghost-0");
  g_assert_cmpuint (dynamorm_batch_get_get_failed_keys (get)->len, ==, 0);
  assert_progress (&progress, 253);
  g_assert_cmpuint (progress.done->len, ==, 3);
  g_array_unref (progress.done);
}

static void
test_get_options_form (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBatchOptions) options = dynamorm_batch_options_new ();
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  const char *projection[] = { "name", NULL };
  DynamormKey *keys[3];
  g_autofree char *name = NULL;
  g_autofree char *id = NULL;
  int age = -1;

  SKIP_IF_NO_BACKEND (f);

  write_users (f->session, 5);
  keys[0] = dynamorm_key_new_string ("user-0003", NULL);
  keys[1] = dynamorm_key_new_string ("nobody", NULL);
  keys[2] = dynamorm_key_new_string ("user-0001", NULL);
  dynamorm_batch_options_set_chunk_size (options, 2);
  dynamorm_batch_options_set_projection (options, projection);
  users = dynamorm_session_batch_get (f->session, TEST_TYPE_USER, keys, 3, options, &missing, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 2);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_true (dynamorm_key_equal (missing->pdata[0], keys[1]));
  /* the projection reads the name and the key, not the age */
  g_object_get (users->pdata[0], "id", &id, "name", &name, "age", &age, NULL);
  g_assert_cmpstr (id, ==, "user-0003");
  g_assert_cmpstr (name, ==, "Name 3");
  g_assert_cmpint (age, ==, 0);
  for (guint i = 0; i < 3; i++)
    dynamorm_key_unref (keys[i]);

  /* a bad projection or key is refused before anything is sent */
  {
    const char *bad[] = { "no-such-property", NULL };
    g_autoptr(DynamormKey) key = dynamorm_key_new_string ("user-0001", NULL);
    g_autoptr(DynamormKey) with_sort = dynamorm_key_new_string ("user-0001", "extra");
    g_autoptr(GPtrArray) none = NULL;

    dynamorm_batch_options_set_projection (options, bad);
    none = dynamorm_session_batch_get (f->session, TEST_TYPE_USER, &key, 1, options, NULL, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    none = dynamorm_session_batch_get (f->session, TEST_TYPE_USER, &with_sort, 1, NULL, NULL, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
  }
}

static DynamormModel *
new_invoice (guint i, const char *status)
{
  g_autofree char *invoice = g_strdup_printf ("2024-%03u", i);

  return g_object_new (TEST_TYPE_INVOICE, "account", i % 2 ? "ACCOUNT#odd" : "ACCOUNT#even",
                       "invoice", invoice, "customer", "c1", "total", (gint64) i * 100,
                       "status", status, NULL);
}

static void
test_write_mixed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (f->session);
  g_autoptr(DynamormBatchWrite) mixed = dynamorm_batch_write_new (f->session);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) dynamorm_key_unref);
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  Progress progress = { g_array_new (FALSE, FALSE, sizeof (guint)), 0 };

  SKIP_IF_NO_BACKEND (f);

  /* 60 puts: three chunks of 25, 25, 10 */
  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(DynamormModel) invoice = new_invoice (i, "new");
      dynamorm_batch_write_add_put (write, invoice);
    }
  dynamorm_batch_write_set_progress_func (write, progress_cb, &progress, NULL);
  ASSERT_OK (dynamorm_batch_write_execute (write, NULL, &error));
  g_assert_no_error (error);
  assert_progress (&progress, 60);
  g_assert_cmpuint (progress.done->len, ==, 3);

  /* 30 deletes and 30 overwrites, mixed, with users in the same batch */
  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(DynamormModel) invoice = new_invoice (i, "paid");

      if (i % 2 == 0)
        dynamorm_batch_write_add_delete (mixed, invoice);
      else
        dynamorm_batch_write_add_put (mixed, invoice);
      if (i % 10 == 0)
        {
          g_autoptr(TestUser) user = new_user (i);
          dynamorm_batch_write_add_put (mixed, DYNAMORM_MODEL (user));
        }
    }
  ASSERT_OK (dynamorm_batch_write_execute (mixed, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *invoice = g_strdup_printf ("2024-%03u", i);
      g_ptr_array_add (keys, dynamorm_key_new_string (i % 2 ? "ACCOUNT#odd" : "ACCOUNT#even", invoice));
    }
  got = dynamorm_session_batch_get (f->session, TEST_TYPE_INVOICE, (DynamormKey **) keys->pdata, keys->len,
                                    NULL, &missing, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got->len, ==, 30);
  g_assert_cmpuint (missing->len, ==, 30);
  for (guint i = 0; i < got->len; i++)
    {
      g_autofree char *status = NULL;
      gint64 total;

      g_object_get (got->pdata[i], "status", &status, "total", &total, NULL);
      g_assert_cmpstr (status, ==, "paid");
      g_assert_cmpint (total, ==, (2 * i + 1) * 100);
    }
  {
    g_autofree char *name = user_name (f->session, "user-0050");
    g_assert_cmpstr (name, ==, "Name 50");
  }
  g_array_unref (progress.done);
}

/* Batch puts replace whole items: updated_at is now, created_at the
 * model's or now, so a model without one overwrites the stored one. */
static void
test_write_timestamps (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) fake = g_date_time_new_utc (2001, 1, 1, 0, 0, 0);
  g_autoptr(TestStamped) first = stamped_new ("b1", "First", NULL, NULL);
  g_autoptr(TestStamped) fresh = stamped_new ("b1", "Fresh", NULL, fake);
  g_autoptr(TestStamped) dated = stamped_new ("b2", "Dated", fake, NULL);
  g_autoptr(DynamormBatchWrite) write = NULL;
  g_autoptr(GDateTime) created = NULL;
  g_autoptr(GDateTime) updated = NULL;

  SKIP_IF_NO_BACKEND (f);

  ASSERT_OK (dynamorm_session_create_table (f->session, TEST_TYPE_STAMPED, NULL, &error));
  ASSERT_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (first), NULL, &error));
  created = stamped_time (first, "created");
  updated = stamped_time (first, "updated");

  g_usleep (2000);
  write = dynamorm_batch_write_new (f->session);
  dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (fresh));
  dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (dated));
  ASSERT_OK (dynamorm_batch_write_execute (write, NULL, &error));

  {
    g_autoptr(TestStamped) stored = stamped_get (f->session, "b1");
    g_autoptr(GDateTime) stored_created = stamped_time (stored, "created");
    g_autoptr(GDateTime) stored_updated = stamped_time (stored, "updated");
    g_autoptr(GDateTime) model_created = stamped_time (fresh, "created");
    g_autoptr(GDateTime) model_updated = stamped_time (fresh, "updated");

    /* updated_at moved, ignoring the model's 2001 */
    assert_later (stored_updated, updated);
    assert_same_time (model_updated, stored_updated);
    /* the first created_at is gone: the batch put replaced the item */
    assert_later (stored_created, created);
    assert_same_time (model_created, stored_created);
  }
  {
    g_autoptr(TestStamped) stored = stamped_get (f->session, "b2");
    g_autoptr(GDateTime) stored_created = stamped_time (stored, "created");
    g_autoptr(GDateTime) stored_updated = stamped_time (stored, "updated");
    g_autoptr(GDateTime) model_created = stamped_time (dated, "created");
    g_autoptr(GDateTime) model_updated = stamped_time (dated, "updated");

    /* a created_at the model holds is stored as it is */
    assert_same_time (stored_created, fake);
    assert_same_time (model_created, fake);
    assert_same_time (model_updated, stored_updated);
  }

  dynamorm_session_delete_table (f->session, TEST_TYPE_STAMPED, NULL, NULL);
}

static void
test_write_duplicates_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (f->session);
  g_autoptr(TestUser) a = new_user (1);
  g_autoptr(TestUser) b = new_user (2);
  g_autoptr(TestUser) again = new_user (1);
  g_autofree char *name = NULL;

  SKIP_IF_NO_BACKEND (f);

  dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (a));
  dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (b));
  dynamorm_batch_write_add_delete (write, DYNAMORM_MODEL (again));
  g_assert_false (dynamorm_batch_write_execute (write, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "user-0001"));
  g_test_message ("%s", error->message);
  /* nothing was sent, and everything is reported unwritten */
  g_assert_cmpuint (dynamorm_batch_write_get_unwritten_puts (write)->len, ==, 2);
  g_assert_cmpuint (dynamorm_batch_write_get_unwritten_deletes (write)->len, ==, 1);
  name = user_name (f->session, "user-0002");
  g_assert_null (name);
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

static void
test_async (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) puts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) unwritten = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  g_autoptr(GPtrArray) users = NULL;
  AsyncWait wait = { g_main_loop_new (NULL, FALSE), NULL };
  DynamormKey *keys[2];

  SKIP_IF_NO_BACKEND (f);

  for (guint i = 0; i < 30; i++)
    g_ptr_array_add (puts, new_user (i));
  dynamorm_session_batch_write_async (f->session, (DynamormModel **) puts->pdata, puts->len, NULL, 0,
                                      NULL, NULL, async_done, &wait);
  g_main_loop_run (wait.loop);
  ASSERT_OK (dynamorm_session_batch_write_finish (f->session, wait.result, &unwritten, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unwritten->len, ==, 0);
  g_clear_object (&wait.result);

  keys[0] = dynamorm_key_new_string ("user-0029", NULL);
  keys[1] = dynamorm_key_new_string ("nobody", NULL);
  dynamorm_session_batch_get_async (f->session, TEST_TYPE_USER, keys, 2, NULL, NULL, async_done, &wait);
  g_main_loop_run (wait.loop);
  users = dynamorm_session_batch_get_finish (f->session, wait.result, &missing, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 1);
  g_assert_cmpuint (missing->len, ==, 1);
  g_clear_object (&wait.result);
  dynamorm_key_unref (keys[0]);
  dynamorm_key_unref (keys[1]);

  /* a cancelled batch reports cancellation */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (f->session);

    for (guint i = 0; i < puts->len; i++)
      dynamorm_batch_write_add_put (write, puts->pdata[i]);
    g_cancellable_cancel (cancellable);
    dynamorm_batch_write_execute_async (write, cancellable, async_done, &wait);
    g_main_loop_run (wait.loop);
    g_assert_false (dynamorm_batch_write_execute_finish (write, wait.result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_cmpuint (dynamorm_batch_write_get_unwritten_puts (write)->len, ==, 30);
    g_clear_object (&wait.result);
  }
  g_main_loop_unref (wait.loop);
}

/* ------------------------------------------------------------------ */
/* With the test double (memory only) */

static void
assert_backoff (TestFlaky *flaky, guint first_delay_ms, double factor)
{
  double delay = first_delay_ms;

  g_assert_cmpuint (flaky->times->len, >=, 3);
  for (guint i = 1; i < flaky->times->len; i++)
    {
      gint64 gap = g_array_index (flaky->times, gint64, i) - g_array_index (flaky->times, gint64, i - 1);

      g_test_message ("attempt %u after %" G_GINT64_FORMAT " µs (policy: %.0f ms)", i + 1, gap, delay);
      g_assert_cmpint (gap, >=, (gint64) (delay * 1000) - 1000);
      g_assert_cmpint (gap, <, (gint64) (delay * 1000) + 200000);
      delay *= factor;
    }
}

static void
test_unprocessed_items_retried (void)
{
  g_autoptr(GError) error = NULL;
  TestFlaky *flaky = NULL;
  g_autoptr(DynamormSession) session = flaky_session_new (&flaky);
  g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (session);
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (10, 20, 1000, 2.0, 0.0);
  Progress progress = { g_array_new (FALSE, FALSE, sizeof (guint)), 0 };

  flaky->mode = FLAKY_HALF;
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(TestUser) user = new_user (i);
      dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (user));
    }
  dynamorm_batch_write_set_retry_policy (write, policy);
  dynamorm_batch_write_set_progress_func (write, progress_cb, &progress, NULL);
  ASSERT_OK (dynamorm_batch_write_execute (write, NULL, &error));
  g_assert_no_error (error);

  /* 10 items: 5 left, then 3, 2, 1, 0: five requests, growing delays */
  g_assert_cmpuint (flaky->times->len, ==, 5);
  g_assert_cmpuint (GPOINTER_TO_UINT (flaky->sizes->pdata[0]), ==, 10);
  g_assert_cmpuint (GPOINTER_TO_UINT (flaky->sizes->pdata[1]), ==, 5);
  g_assert_cmpuint (GPOINTER_TO_UINT (flaky->sizes->pdata[4]), ==, 1);
  assert_backoff (flaky, 20, 2.0);
  assert_progress (&progress, 10);

  flaky->mode = FLAKY_NONE;
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *id = g_strdup_printf ("user-%04u", i);
      g_autofree char *name = user_name (session, id);
      g_assert_nonnull (name);
    }
  g_array_unref (progress.done);
  g_object_unref (flaky);
}

static void
test_unprocessed_keys_retried (void)
{
  g_autoptr(GError) error = NULL;
  TestFlaky *flaky = NULL;
  g_autoptr(DynamormSession) session = flaky_session_new (&flaky);
  g_autoptr(DynamormBatchGet) get = dynamorm_batch_get_new (session, TEST_TYPE_USER);
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (10, 15, 1000, 3.0, 0.0);
  g_autoptr(GPtrArray) users = NULL;

  write_users (session, 8);
  flaky->mode = FLAKY_HALF;
  g_array_set_size (flaky->times, 0);
  g_ptr_array_set_size (flaky->sizes, 0);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *id = g_strdup_printf ("user-%04u", i);
      g_autoptr(DynamormKey) key = dynamorm_key_new_string (id, NULL);
      dynamorm_batch_get_add_key (get, key);
    }
  dynamorm_batch_get_set_retry_policy (get, policy);
  users = dynamorm_batch_get_execute (get, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 8);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *id = NULL;
      g_autofree char *want = g_strdup_printf ("user-%04u", i);
      g_object_get (users->pdata[i], "id", &id, NULL);
      g_assert_cmpstr (id, ==, want);
    }
  /* 8 keys: 4 left, 2, 1, 0 */
  g_assert_cmpuint (flaky->times->len, ==, 4);
  assert_backoff (flaky, 15, 3.0);
  g_object_unref (flaky);
}

typedef struct {
  guint calls;
  GArray *positions;
  gboolean skip;
} ChunkErrors;

static gboolean
chunk_error_cb (const guint *positions, guint n_positions, const GError *error, gpointer user_data)
{
  ChunkErrors *e = user_data;

  e->calls++;
  g_array_append_vals (e->positions, positions, n_positions);
  g_test_message ("chunk error (%u entries): %s", n_positions, error->message);
  return e->skip;
}

static void
test_unprocessed_exhausted (void)
{
  g_autoptr(GError) error = NULL;
  TestFlaky *flaky = NULL;
  g_autoptr(DynamormSession) session = flaky_session_new (&flaky);
  g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (session);
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (3, 5, 100, 2.0, 0.0);
  GPtrArray *unwritten;

  flaky->mode = FLAKY_ALL;
  for (guint i = 0; i < 30; i++)
    {
      g_autoptr(TestUser) user = new_user (i);
      if (i % 3 == 0)
        dynamorm_batch_write_add_delete (write, DYNAMORM_MODEL (user));
      else
        dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (user));
    }
  dynamorm_batch_write_set_retry_policy (write, policy);
  dynamorm_batch_write_set_max_concurrency (write, 1);
  g_assert_false (dynamorm_batch_write_execute (write, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  /* the first chunk tried 3 times; then the batch stopped: the second
   * chunk was never sent. Every item is reported, none twice. */
  g_assert_cmpuint (flaky->times->len, ==, 3);
  unwritten = dynamorm_batch_write_get_unwritten_puts (write);
  g_assert_cmpuint (unwritten->len, ==, 20);
  g_assert_cmpuint (dynamorm_batch_write_get_unwritten_deletes (write)->len, ==, 10);

  /* without a retry policy: fail fast, one request */
  g_array_set_size (flaky->times, 0);
  dynamorm_batch_write_set_retry_policy (write, NULL);
  g_assert_false (dynamorm_batch_write_execute (write, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED);
  g_clear_error (&error);
  g_assert_cmpuint (flaky->times->len, ==, 1);
  g_assert_cmpuint (dynamorm_batch_write_get_unwritten_puts (write)->len, ==, 20);

  /* a batch get that stays unprocessed reports failed keys */
  {
    g_autoptr(DynamormBatchGet) get = dynamorm_batch_get_new (session, TEST_TYPE_USER);
    g_autoptr(DynamormKey) key = dynamorm_key_new_string ("user-0001", NULL);
    g_autoptr(GPtrArray) users = NULL;
    ChunkErrors errors = { 0, g_array_new (FALSE, FALSE, sizeof (guint)), TRUE };

    dynamorm_batch_get_add_key (get, key);
    dynamorm_batch_get_set_retry_policy (get, policy);
    dynamorm_batch_get_set_chunk_error_func (get, chunk_error_cb, &errors, NULL);
    users = dynamorm_batch_get_execute (get, NULL, &error);
    g_assert_no_error (error);       /* the hook skipped the chunk */
    g_assert_cmpuint (users->len, ==, 0);
    g_assert_cmpuint (errors.calls, ==, 1);
    g_assert_cmpuint (dynamorm_batch_get_get_failed_keys (get)->len, ==, 1);
    g_assert_cmpuint (dynamorm_batch_get_get_missing_keys (get)->len, ==, 0);
    g_array_unref (errors.positions);
  }
  g_object_unref (flaky);
}

static void
test_chunk_error_hook (void)
{
  g_autoptr(GError) error = NULL;
  TestFlaky *flaky = NULL;
  g_autoptr(DynamormSession) session = flaky_session_new (&flaky);
  g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (session);
  ChunkErrors errors = { 0, g_array_new (FALSE, FALSE, sizeof (guint)), TRUE };
  GPtrArray *unwritten;

  flaky->mode = FLAKY_FAIL_MARKED;
  /* chunks of 10; item 15 makes the second chunk fail */
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(TestUser) user = new_user (i);
      if (i == 15)
        g_object_set (user, "name", "boom", NULL);
      dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (user));
    }
  dynamorm_batch_write_set_chunk_size (write, 10);
  dynamorm_batch_write_set_chunk_error_func (write, chunk_error_cb, &errors, NULL);
  ASSERT_OK (dynamorm_batch_write_execute (write, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (errors.calls, ==, 1);
  g_assert_cmpuint (errors.positions->len, ==, 10);
  g_assert_cmpuint (g_array_index (errors.positions, guint, 0), ==, 10);
  g_assert_cmpuint (g_array_index (errors.positions, guint, 9), ==, 19);
  unwritten = dynamorm_batch_write_get_unwritten_puts (write);
  g_assert_cmpuint (unwritten->len, ==, 10);
  for (guint i = 0; i < unwritten->len; i++)
    {
      g_autofree char *id = NULL;
      g_autofree char *want = g_strdup_printf ("user-%04u", 10 + i);
      g_object_get (unwritten->pdata[i], "id", &id, NULL);
      g_assert_cmpstr (id, ==, want);
    }
  {
    g_autofree char *written = user_name (session, "user-0039");
    g_autofree char *skipped = user_name (session, "user-0012");
    g_assert_nonnull (written);
    g_assert_null (skipped);
  }

  /* a hook that returns FALSE stops the batch with the chunk's error */
  errors.skip = FALSE;
  errors.calls = 0;
  dynamorm_batch_write_set_max_concurrency (write, 1);
  g_assert_false (dynamorm_batch_write_execute (write, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
  g_clear_error (&error);
  g_assert_cmpuint (errors.calls, ==, 1);
  /* chunks 2..4 are unwritten: the failed one and the two never sent */
  g_assert_cmpuint (dynamorm_batch_write_get_unwritten_puts (write)->len, ==, 30);
  g_array_unref (errors.positions);
  g_object_unref (flaky);
}

static void
test_parallel_chunks (void)
{
  g_autoptr(GError) error = NULL;
  TestFlaky *flaky = NULL;
  g_autoptr(DynamormSession) session = flaky_session_new (&flaky);
  g_autoptr(DynamormBatchGet) get = dynamorm_batch_get_new (session, TEST_TYPE_USER);
  g_autoptr(GPtrArray) users = NULL;
  gint64 start, elapsed;

  write_users (session, 100);
  flaky->delay_ms = 50;
  flaky->max_in_flight = 0;
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *id = g_strdup_printf ("user-%04u", i);
      g_autoptr(DynamormKey) key = dynamorm_key_new_string (id, NULL);
      dynamorm_batch_get_add_key (get, key);
    }
  dynamorm_batch_get_set_chunk_size (get, 10);
  dynamorm_batch_get_set_max_concurrency (get, 4);
  start = g_get_monotonic_time ();
  users = dynamorm_batch_get_execute (get, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 100);
  /* 10 chunks, 4 at a time: 3 rounds of 50 ms, not 10 */
  g_assert_cmpuint (flaky->max_in_flight, ==, 4);
  /* the time is only reported: a loaded machine says nothing about concurrency */
  g_test_message ("10 chunks of 50 ms with 4 in flight took %" G_GINT64_FORMAT " ms", elapsed / 1000);
  g_object_unref (flaky);
}

int
main (int argc, char *argv[])
{
  test_parse_backend_arg (&argc, argv);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/dynamorm/batch/get-many", test_get_many);
  ADD ("/dynamorm/batch/get-options-form", test_get_options_form);
  ADD ("/dynamorm/batch/write-mixed", test_write_mixed);
  ADD ("/dynamorm/batch/write-duplicates-refused", test_write_duplicates_refused);
  ADD ("/dynamorm/batch/write-timestamps", test_write_timestamps);
  ADD ("/dynamorm/batch/async", test_async);
  if (g_str_equal (test_backend_name, "memory"))
    {
      g_test_add_func ("/dynamorm/batch/unprocessed-items-retried", test_unprocessed_items_retried);
      g_test_add_func ("/dynamorm/batch/unprocessed-keys-retried", test_unprocessed_keys_retried);
      g_test_add_func ("/dynamorm/batch/unprocessed-exhausted", test_unprocessed_exhausted);
      g_test_add_func ("/dynamorm/batch/chunk-error-hook", test_chunk_error_hook);
      g_test_add_func ("/dynamorm/batch/parallel-chunks", test_parallel_chunks);
    }

  return g_test_run ();
}
