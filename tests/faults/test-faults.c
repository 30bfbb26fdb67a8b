/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fault injection against DynamoDB Local (issue 11, item 8): puts, inserts,
 * batch writes, transactions and increments go through tests/faults'
 * fault-proxy, which breaks 20% of the calls (throttles, 500/503, resets
 * before and after the request is applied, truncated and corrupted
 * answers). Then DynamoDB Local is read directly, and the test checks that
 * nothing reported done was lost, nothing was applied twice or half, and
 * every reported failure is a real one or DYNAMORM_ERROR_OUTCOME_UNKNOWN.
 *
 * Needs DYNAMORM_LOCAL_URI (skipped otherwise) and FAULT_PROXY (the proxy
 * program; meson sets it). DYNAMORM_FAULT_SEED repeats a run; the seed and
 * every count are printed. */
#include <string.h>
#include <libsoup/soup.h>

#include "../core/test-models.h"

#define FAULT_PERCENT "20"
#define N_PUTS 150
#define N_INSERTS 150
#define N_BATCHES 40
#define BATCH_SIZE 25
#define N_TRANSACTIONS 60
#define N_INCREMENTS 60

typedef struct {
  GSubprocess *proxy;
  char *proxy_url;
  DynamormSession *faulty;   /* through the proxy */
  DynamormSession *direct;   /* DynamoDB Local itself */
} Fixture;

/* What the calls of one kind reported, and what the check found. */
typedef struct {
  const char *what;
  guint done;
  guint unknown;
  guint unknown_applied;
  guint wrong;               /* a failure that did not happen, or an unexpected error */
  guint lost;                /* reported done, not stored (or not as written) */
  guint doubled;             /* applied more than once */
  guint half;                /* a transaction applied in part */
} Tally;

static void
tally_print (const Tally *t)
{
  g_test_message ("%-12s done %u, unknown %u (%u of them applied), wrong reports %u, lost %u, "
                  "applied twice %u, half-applied %u",
                  t->what, t->done, t->unknown, t->unknown_applied, t->wrong, t->lost, t->doubled, t->half);
}

static void
tally_assert_clean (const Tally *t)
{
  tally_print (t);
  g_assert_cmpuint (t->wrong, ==, 0);
  g_assert_cmpuint (t->lost, ==, 0);
  g_assert_cmpuint (t->doubled, ==, 0);
  g_assert_cmpuint (t->half, ==, 0);
}

/* A call's outcome: TRUE when done; unknown counted; anything else is a
 * wrong report (nothing here can be refused for real). */
static gboolean
tally_outcome (Tally *t, gboolean ok, GError *error, const char *id)
{
  if (ok)
    {
      t->done++;
      return TRUE;
    }
  if (g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_OUTCOME_UNKNOWN))
    {
      g_test_message ("%s %s: unknown: %s", t->what, id, error->message);
      t->unknown++;
    }
  else
    {
      g_test_message ("%s %s: wrong report: %s (%s %d)", t->what, id, error->message,
                      g_quark_to_string (error->domain), error->code);
      t->wrong++;
    }
  return FALSE;
}

static char *
local_upstream (const char *local_uri)
{
  g_autoptr(GUri) uri = g_uri_parse (local_uri, G_URI_FLAGS_NONE, NULL);

  g_assert_nonnull (uri);
  return g_strdup_printf ("http://%s:%d/", g_uri_get_host (uri), g_uri_get_port (uri));
}

static guint32
fault_seed (void)
{
  const char *env = g_getenv ("DYNAMORM_FAULT_SEED");

  return env != NULL ? (guint32) g_ascii_strtoull (env, NULL, 10) : g_random_int ();
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const char *local_uri = g_getenv ("DYNAMORM_LOCAL_URI");
  const char *proxy_path = g_getenv ("FAULT_PROXY");
  g_autoptr(GError) error = NULL;
  g_autofree char *upstream = NULL;
  g_autofree char *seed = NULL;
  g_autofree char *faulty_uri = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(DynamormRetryPolicy) policy = NULL;

  if (local_uri == NULL || *local_uri == '\0')
    {
      g_test_skip ("DYNAMORM_LOCAL_URI is not set: DynamoDB Local is not running");
      return;
    }
  g_assert_nonnull (proxy_path);

  upstream = local_upstream (local_uri);
  seed = g_strdup_printf ("%u", fault_seed ());
  g_test_message ("fault-proxy seed %s (DYNAMORM_FAULT_SEED=%s repeats this run)", seed, seed);
  f->proxy = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                               proxy_path, upstream, FAULT_PERCENT, seed, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->proxy));
  f->proxy_url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (f->proxy_url, "http://127.0.0.1:"));

  /* Ten attempts with short waits: 20% faults leave a call failing all ten
   * about once in ten million. */
  policy = dynamorm_retry_policy_new_full (10, 5, 100, 2.0, 0.5);
  faulty_uri = g_strdup_printf ("local://%s?timeout=10", f->proxy_url + strlen ("http://"));
  f->faulty = dynamorm_session_new_full (faulty_uri, NULL, policy, &error);
  g_assert_no_error (error);
  f->direct = dynamorm_session_new (local_uri, &error);
  g_assert_no_error (error);
  prefix = g_strdup_printf ("faults%d_%08x_", (int) getpid (), g_random_int ());
  dynamorm_session_set_table_prefix (f->faulty, prefix);
  dynamorm_session_set_table_prefix (f->direct, prefix);
  g_assert_true (dynamorm_session_create_table (f->direct, TEST_TYPE_USER, NULL, &error));
  g_assert_no_error (error);
}

/* The proxy's own counts, for the issue note. */
static void
print_fault_counts (Fixture *f)
{
  g_autoptr(SoupSession) http = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s/faults", f->proxy_url);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (http, msg, NULL, &error);

  g_assert_no_error (error);
  g_test_message ("fault-proxy counts: %.*s", (int) g_bytes_get_size (body),
                  (const char *) g_bytes_get_data (body, NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->proxy_url != NULL)
    print_fault_counts (f);
  if (f->direct != NULL)
    dynamorm_session_delete_table (f->direct, TEST_TYPE_USER, NULL, NULL);
  g_clear_object (&f->faulty);
  g_clear_object (&f->direct);
  if (f->proxy != NULL)
    {
      g_subprocess_force_exit (f->proxy);
      g_subprocess_wait (f->proxy, NULL, NULL);
    }
  g_clear_object (&f->proxy);
  g_free (f->proxy_url);
}

/* The stored user with id, read from DynamoDB Local directly; NULL if absent. */
static TestUser *
stored_user (Fixture *f, const char *id)
{
  g_autoptr(GError) error = NULL;
  DynamormModel *got = test_user_get (f->direct, id, &error);

  if (got == NULL)
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
  return (TestUser *) got;
}

/* Whether the stored user is exactly (name, age). */
static gboolean
stored_as (Fixture *f, const char *id, const char *name, int age)
{
  g_autoptr(TestUser) got = stored_user (f, id);
  g_autofree char *got_name = NULL;
  int got_age = -1;

  if (got == NULL)
    return FALSE;
  g_object_get (got, "name", &got_name, "age", &got_age, NULL);
  return g_strcmp0 (got_name, name) == 0 && got_age == age;
}

static int
stored_age (Fixture *f, const char *id)
{
  g_autoptr(TestUser) got = stored_user (f, id);
  int age = -1;

  if (got != NULL)
    g_object_get (got, "age", &age, NULL);
  return age;
}

/* Puts and inserts: each reported done is stored as written; an insert is
 * never refused (every key is new). */
static void
run_puts (Fixture *f, Tally *t, gboolean insert, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = g_strdup_printf ("%s-%u", t->what, i);
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", id, "name", id, "age", (int) i, NULL);
      gboolean ok = insert ? dynamorm_session_insert (f->faulty, DYNAMORM_MODEL (user), NULL, &error)
                           : dynamorm_session_put (f->faulty, DYNAMORM_MODEL (user), NULL, &error);
      gboolean stored;

      ok = tally_outcome (t, ok, error, id);
      stored = stored_as (f, id, id, (int) i);
      if (ok && !stored)
        t->lost++;
      else if (!ok && stored && error->code == DYNAMORM_ERROR_OUTCOME_UNKNOWN)
        t->unknown_applied++;
      else if (!ok && stored)
        t->wrong++;   /* reported failed, yet applied */
    }
}

static void
test_puts_and_inserts (Fixture *f, gconstpointer data)
{
  Tally puts = { "put" }, inserts = { "insert" };

  if (f->faulty == NULL)
    return;
  run_puts (f, &puts, FALSE, N_PUTS);
  run_puts (f, &inserts, TRUE, N_INSERTS);
  tally_assert_clean (&puts);
  tally_assert_clean (&inserts);
}

static void
test_batch_writes (Fixture *f, gconstpointer data)
{
  Tally t = { "batch-item" };

  if (f->faulty == NULL)
    return;
  for (guint b = 0; b < N_BATCHES; b++)
    {
      g_autoptr(DynamormBatchWrite) batch = dynamorm_batch_write_new (f->faulty);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      for (guint i = 0; i < BATCH_SIZE; i++)
        {
          g_autofree char *id = g_strdup_printf ("batch-%u-%u", b, i);
          g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", id, "name", id, "age", (int) i, NULL);

          dynamorm_batch_write_add_put (batch, DYNAMORM_MODEL (user));
        }
      ok = dynamorm_batch_write_execute (batch, NULL, &error);
      if (ok)
        g_assert_cmpuint (dynamorm_batch_write_get_unwritten_puts (batch)->len, ==, 0);
      for (guint i = 0; i < BATCH_SIZE; i++)
        {
          g_autofree char *id = g_strdup_printf ("batch-%u-%u", b, i);
          gboolean stored = stored_as (f, id, id, (int) i);

          if (tally_outcome (&t, ok, error, id) && !stored)
            t.lost++;
          else if (!ok && stored)
            t.unknown_applied++;
        }
    }
  tally_assert_clean (&t);
}

/* Each transaction creates two marker items and adds 1 to a counter: the
 * markers come in pairs or not at all, and the counter equals the number
 * of pairs (nothing applied twice). */
static void
test_transactions (Fixture *f, gconstpointer data)
{
  Tally t = { "transaction" };
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) counter = g_object_new (TEST_TYPE_USER, "id", "tx-counter", "age", 0, NULL);
  guint applied = 0;

  if (f->faulty == NULL)
    return;
  g_assert_true (dynamorm_session_put (f->direct, DYNAMORM_MODEL (counter), NULL, &error));
  for (guint i = 0; i < N_TRANSACTIONS; i++)
    {
      g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->faulty);
      g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
      g_autofree char *ida = g_strdup_printf ("tx-%u-a", i);
      g_autofree char *idb = g_strdup_printf ("tx-%u-b", i);
      g_autoptr(TestUser) a = g_object_new (TEST_TYPE_USER, "id", ida, "name", ida, "age", (int) i, NULL);
      g_autoptr(TestUser) b = g_object_new (TEST_TYPE_USER, "id", idb, "name", idb, "age", (int) i, NULL);
      g_autoptr(TestUser) key = g_object_new (TEST_TYPE_USER, "id", "tx-counter", NULL);
      gboolean ok, has_a, has_b;

      g_clear_error (&error);
      dynamorm_update_increment (update, "age", 1);
      dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (a), NULL);
      dynamorm_transaction_add_put (tx, DYNAMORM_MODEL (b), NULL);
      dynamorm_transaction_add_update_with (tx, DYNAMORM_MODEL (key), update, NULL);
      ok = tally_outcome (&t, dynamorm_transaction_commit (tx, NULL, &error), error, ida);
      has_a = stored_as (f, ida, ida, (int) i);
      has_b = stored_as (f, idb, idb, (int) i);
      if (has_a != has_b)
        t.half++;
      if (has_a && has_b)
        applied++;
      if (ok && !has_a)
        t.lost++;
      else if (!ok && has_a && error->code == DYNAMORM_ERROR_OUTCOME_UNKNOWN)
        t.unknown_applied++;
      else if (!ok && has_a)
        t.wrong++;
    }
  if (stored_age (f, "tx-counter") > (int) applied)
    t.doubled += stored_age (f, "tx-counter") - applied;
  if (stored_age (f, "tx-counter") < (int) applied)
    t.lost += applied - stored_age (f, "tx-counter");
  tally_assert_clean (&t);
}

/* Increments read the old value: never sent twice after a lost answer, so
 * the counter is at least the increments reported done and at most those
 * plus the unknown ones. */
static void
test_increments (Fixture *f, gconstpointer data)
{
  Tally t = { "increment" };
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) counter = g_object_new (TEST_TYPE_USER, "id", "inc-counter", "age", 0, NULL);
  int age;

  if (f->faulty == NULL)
    return;
  g_assert_true (dynamorm_session_put (f->direct, DYNAMORM_MODEL (counter), NULL, &error));
  for (guint i = 0; i < N_INCREMENTS; i++)
    {
      g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
      g_autoptr(TestUser) key = g_object_new (TEST_TYPE_USER, "id", "inc-counter", NULL);
      gboolean ok;

      g_clear_error (&error);
      dynamorm_update_increment (update, "age", 1);
      ok = dynamorm_session_update_full (f->faulty, DYNAMORM_MODEL (key), update, NULL, NULL, NULL, &error);
      tally_outcome (&t, ok, error, "inc-counter");
    }
  age = stored_age (f, "inc-counter");
  if (age < (int) t.done)
    t.lost += t.done - age;
  else if (age > (int) (t.done + t.unknown))
    t.doubled += age - (t.done + t.unknown);
  else
    t.unknown_applied = age - t.done;
  tally_assert_clean (&t);
}

int
main (int argc, char **argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/dynamorm/faults/puts-and-inserts", test_puts_and_inserts);
  ADD ("/dynamorm/faults/batch-writes", test_batch_writes);
  ADD ("/dynamorm/faults/transactions", test_transactions);
  ADD ("/dynamorm/faults/increments", test_increments);

  return g_test_run ();
}
