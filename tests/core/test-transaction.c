/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Transactions, run once per backend with the same assertions
 * (`--backend memory`, `--backend local`); conflicts are forced with a
 * test double over a memory backend. */
#include "batch-test-util.h"

static TestUser *
new_user (const char *id, const char *name)
{
  return g_object_new (TEST_TYPE_USER, "id", id, "name", name, NULL);
}

static void
put_user (Fixture *f, const char *id, const char *name, int age)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = new_user (id, name);

  g_object_set (user, "age", age, NULL);
  ASSERT_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
}

static DynamormCondition *
condition_eq_int (const char *property, int value)
{
  GValue v = G_VALUE_INIT;
  DynamormCondition *c;

  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, value);
  c = dynamorm_condition_new (property, DYNAMORM_OPERATOR_EQ, &v, 1);
  g_value_unset (&v);
  return c;
}

static void
assert_name (Fixture *f, const char *id, const char *want)
{
  g_autofree char *name = user_name (f->session, id);
  g_assert_cmpstr (name, ==, want);
}

static void
test_commit (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTransaction) tx = NULL;
  g_autoptr(TestUser) created = new_user ("created", "New");
  g_autoptr(TestUser) replaced = new_user ("replaced", "Replaced");
  g_autoptr(TestUser) updated = new_user ("updated", "Updated");
  g_autoptr(TestUser) deleted = new_user ("deleted", NULL);
  g_autoptr(TestUser) checked = new_user ("checked", NULL);
  g_autoptr(DynamormCondition) age_is_3 = condition_eq_int ("age", 3);
  g_autoptr(DynamormCondition) exists = dynamorm_condition_new_exists ("name");
  g_autoptr(DynamormModel) invoice = NULL;
  const char *name_only[] = { "name", NULL };
  int age;

  SKIP_IF_NO_BACKEND (f);

  put_user (f, "replaced", "Old", 1);
  put_user (f, "updated", "Old", 3);
  put_user (f, "deleted", "Old", 4);
  put_user (f, "checked", "Old", 5);

  invoice = g_object_new (TEST_TYPE_INVOICE, "account", "A", "invoice", "1", "total", (gint64) 5, NULL);
  tx = dynamorm_transaction_new (f->session);
  g_assert_cmpuint (strlen (dynamorm_transaction_get_client_request_token (tx)), ==, 36);
  dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (created), NULL);
  dynamorm_transaction_add_put (tx, DYNAMORM_MODEL (replaced), NULL);
  dynamorm_transaction_add_update (tx, DYNAMORM_MODEL (updated), name_only, age_is_3);
  dynamorm_transaction_add_delete (tx, DYNAMORM_MODEL (deleted), exists);
  dynamorm_transaction_add_condition_check (tx, DYNAMORM_MODEL (checked), exists);
  dynamorm_transaction_add_put (tx, invoice, NULL);
  g_assert_cmpuint (dynamorm_transaction_get_n_actions (tx), ==, 6);
  ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dynamorm_transaction_get_failures (tx)->len, ==, 0);
  g_assert_cmpuint (dynamorm_transaction_get_n_attempts (tx), ==, 1);

  assert_name (f, "created", "New");
  assert_name (f, "replaced", "Replaced");
  assert_name (f, "updated", "Updated");
  assert_name (f, "deleted", NULL);
  assert_name (f, "checked", "Old");
  /* the update wrote the name only; the update refreshed nothing else */
  {
    g_autoptr(DynamormModel) got = test_user_get (f->session, "updated", &error);
    g_assert_no_error (error);
    g_object_get (got, "age", &age, NULL);
    g_assert_cmpint (age, ==, 3);
  }
}

/* Five actions; the one at `failing` cannot succeed. Nothing may be
 * written, and the failure must name that action. */
static void
run_failing_at (Fixture *f, guint failing)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(DynamormCondition) age_is_3 = condition_eq_int ("age", 3);
  DynamormTransactionFailure *failure;
  GPtrArray *failures;
  const char *name_only[] = { "name", NULL };

  put_user (f, "a", "A", 1);
  put_user (f, "b", "B", 2);
  put_user (f, "c", "C", 3);

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("new-%u", i);
      TestUser *model = new_user (id, "Written");

      g_ptr_array_add (models, model);
      if (i != failing)
        {
          if (i == 1)
            {
              /* an update whose condition holds: c has age 3 */
              g_object_set (model, "id", "c", NULL);
              dynamorm_transaction_add_update (tx, DYNAMORM_MODEL (model), name_only, age_is_3);
            }
          else
            dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (model), NULL);
        }
      else if (failing == 0)
        {
          /* create of an existing item */
          g_object_set (model, "id", "a", NULL);
          dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (model), NULL);
        }
      else if (failing == 2)
        {
          /* update whose condition does not hold: b has age 2 */
          g_object_set (model, "id", "b", NULL);
          dynamorm_transaction_add_update (tx, DYNAMORM_MODEL (model), name_only, age_is_3);
        }
      else
        {
          /* condition check on an item that does not exist */
          g_autoptr(DynamormCondition) exists = dynamorm_condition_new_exists ("name");
          dynamorm_transaction_add_condition_check (tx, DYNAMORM_MODEL (model), exists);
        }
    }

  g_assert_false (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (dynamorm_error_get_service_error (error), ==, "TransactionCanceledException");

  failures = dynamorm_transaction_get_failures (tx);
  g_assert_cmpuint (failures->len, ==, 1);
  failure = failures->pdata[0];
  g_assert_cmpuint (dynamorm_transaction_failure_get_index (failure), ==, failing);
  g_assert_true (dynamorm_transaction_failure_get_model (failure) == models->pdata[failing]);
  g_assert_cmpstr (dynamorm_transaction_failure_get_code (failure), ==, "ConditionalCheckFailed");
  g_assert_cmpint (dynamorm_transaction_failure_get_kind (failure), ==,
                   failing == 0 ? DYNAMORM_TRANSACTION_ACTION_CREATE
                   : failing == 2 ? DYNAMORM_TRANSACTION_ACTION_UPDATE
                   : DYNAMORM_TRANSACTION_ACTION_CONDITION_CHECK);

  /* atomicity: every item is as it was */
  assert_name (f, "a", "A");
  assert_name (f, "b", "B");
  assert_name (f, "c", "C");
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("new-%u", i);
      assert_name (f, id, NULL);
    }
}

static void
test_fail_first (Fixture *f, gconstpointer data)
{
  SKIP_IF_NO_BACKEND (f);
  run_failing_at (f, 0);
}

static void
test_fail_middle (Fixture *f, gconstpointer data)
{
  SKIP_IF_NO_BACKEND (f);
  run_failing_at (f, 2);
}

static void
test_fail_last (Fixture *f, gconstpointer data)
{
  SKIP_IF_NO_BACKEND (f);
  run_failing_at (f, 4);
}

typedef struct {
  TestUser *one;
  TestUser *two;
  gboolean fail;
  DynamormTransaction *seen;
} TransferData;

static gboolean
transfer_func (DynamormTransaction *tx, gpointer user_data, GError **error)
{
  TransferData *d = user_data;

  d->seen = tx;
  dynamorm_transaction_add_put (tx, DYNAMORM_MODEL (d->one), NULL);
  if (d->fail)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the caller changed its mind");
      return FALSE;
    }
  dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (d->two), NULL);
  return TRUE;
}

static void
test_callback_form (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) one = new_user ("one", "One");
  g_autoptr(TestUser) two = new_user ("two", "Two");
  g_autoptr(GPtrArray) failures = NULL;
  TransferData d = { one, two, TRUE, NULL };

  SKIP_IF_NO_BACKEND (f);

  /* the function fails after adding an action: nothing is written */
  g_assert_false (dynamorm_session_transact_write (f->session, transfer_func, &d, &failures, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_nonnull (d.seen);
  assert_name (f, "one", NULL);
  assert_name (f, "two", NULL);

  /* the function succeeds: both are written together */
  d.fail = FALSE;
  ASSERT_OK (dynamorm_session_transact_write (f->session, transfer_func, &d, &failures, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 0);
  g_clear_pointer (&failures, g_ptr_array_unref);
  assert_name (f, "one", "One");
  assert_name (f, "two", "Two");

  /* again: the create of "two" fails, so the put of "one" is not applied */
  g_object_set (one, "name", "One again", NULL);
  g_assert_false (dynamorm_session_transact_write (f->session, transfer_func, &d, &failures, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (failures->len, ==, 1);
  g_assert_cmpuint (dynamorm_transaction_failure_get_index (failures->pdata[0]), ==, 1);
  g_assert_true (dynamorm_transaction_failure_get_model (failures->pdata[0]) == DYNAMORM_MODEL (two));
  assert_name (f, "one", "One");
}

static void
test_idempotent_retry (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
  g_autoptr(DynamormTransaction) other = dynamorm_transaction_new (f->session);
  g_autoptr(TestUser) user = new_user ("once", "Once");
  g_autoptr(TestUser) another = new_user ("another", "Another");

  SKIP_IF_NO_BACKEND (f);

  dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (user), NULL);
  ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_no_error (error);

  /* the same transaction again, as after a lost answer: the create would
   * fail now, but the token says it was applied already */
  ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_no_error (error);
  assert_name (f, "once", "Once");

  /* the same token with other actions is refused */
  dynamorm_transaction_set_client_request_token (other, dynamorm_transaction_get_client_request_token (tx));
  dynamorm_transaction_add_create (other, DYNAMORM_MODEL (another), NULL);
  g_assert_false (dynamorm_transaction_commit (other, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_IDEMPOTENCY_MISMATCH);
  g_clear_error (&error);
  assert_name (f, "another", NULL);
}

static void
test_refused_before_sending (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
  g_autoptr(DynamormTransaction) twice = dynamorm_transaction_new (f->session);
  g_autoptr(DynamormTransaction) check = dynamorm_transaction_new (f->session);
  g_autoptr(DynamormTransaction) bad = dynamorm_transaction_new (f->session);
  g_autoptr(TestUser) user = new_user ("x", "X");
  g_autoptr(DynamormCondition) unknown = dynamorm_condition_new_exists ("no-such-property");

  SKIP_IF_NO_BACKEND (f);

  for (guint i = 0; i < 101; i++)
    {
      g_autofree char *id = g_strdup_printf ("many-%u", i);
      g_autoptr(TestUser) u = new_user (id, "Many");
      dynamorm_transaction_add_put (tx, DYNAMORM_MODEL (u), NULL);
    }
  g_assert_false (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "101"));
  g_clear_error (&error);
  assert_name (f, "many-0", NULL);

  dynamorm_transaction_add_put (twice, DYNAMORM_MODEL (user), NULL);
  dynamorm_transaction_add_delete (twice, DYNAMORM_MODEL (user), NULL);
  g_assert_false (dynamorm_transaction_commit (twice, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  dynamorm_transaction_add_condition_check (check, DYNAMORM_MODEL (user), NULL);
  g_assert_false (dynamorm_transaction_commit (check, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  dynamorm_transaction_add_put (bad, DYNAMORM_MODEL (user), unknown);
  g_assert_false (dynamorm_transaction_commit (bad, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  assert_name (f, "x", NULL);
}

static GType
account_type (void)
{
  static const char *props[] = { "id:s", "balance:i", "version:i", NULL };
  static const char *tags[] = { "id=pk", "version=version", NULL };

  return test_declare_model ("TxAccount", "tx_accounts", props, tags);
}

static void
test_versions (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) a = g_object_new (account_type (), "id", "acc-a", "balance", 100, NULL);
  g_autoptr(DynamormModel) b = g_object_new (account_type (), "id", "acc-b", "balance", 0, NULL);
  g_autoptr(DynamormModel) stale = NULL;
  const char *balance[] = { "balance", NULL };
  int version;

  SKIP_IF_NO_BACKEND (f);

  ASSERT_OK (dynamorm_session_create_table (f->session, account_type (), NULL, &error));
  g_assert_no_error (error);

  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
    dynamorm_transaction_add_put (tx, a, NULL);
    dynamorm_transaction_add_put (tx, b, NULL);
    ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));
    g_assert_no_error (error);
  }
  g_object_get (a, "version", &version, NULL);
  g_assert_cmpint (version, ==, 1);

  /* a copy that stays at version 1 while a moves on */
  stale = g_object_new (account_type (), "id", "acc-a", "balance", 5, "version", 1, NULL);
  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
    g_object_set (a, "balance", 60, NULL);
    g_object_set (b, "balance", 40, NULL);
    dynamorm_transaction_add_update (tx, a, balance, NULL);
    dynamorm_transaction_add_update (tx, b, balance, NULL);
    ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));
    g_assert_no_error (error);
  }
  g_object_get (a, "version", &version, NULL);
  g_assert_cmpint (version, ==, 2);

  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
    DynamormTransactionFailure *failure;
    int balance_value;

    g_object_set (b, "balance", 1000, NULL);
    dynamorm_transaction_add_update (tx, b, balance, NULL);
    dynamorm_transaction_add_update (tx, stale, balance, NULL);
    g_assert_false (dynamorm_transaction_commit (tx, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
    g_clear_error (&error);
    g_assert_cmpuint (dynamorm_transaction_get_failures (tx)->len, ==, 1);
    failure = dynamorm_transaction_get_failures (tx)->pdata[0];
    g_assert_cmpuint (dynamorm_transaction_failure_get_index (failure), ==, 1);
    g_assert_true (dynamorm_transaction_failure_get_model (failure) == stale);
    /* the stored item came back with the reason */
    if (dynamorm_transaction_failure_get_item (failure) != NULL)
      {
        JsonObject *item = json_node_get_object (dynamorm_transaction_failure_get_item (failure));
        g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item, "version"), "N"), ==, "2");
      }
    /* b was not written and keeps its version */
    g_object_get (b, "version", &version, NULL);
    g_assert_cmpint (version, ==, 2);
    ASSERT_OK (dynamorm_session_reload (f->session, b, NULL, &error));
    g_assert_no_error (error);
    g_object_get (b, "balance", &balance_value, "version", &version, NULL);
    g_assert_cmpint (balance_value, ==, 40);
    g_assert_cmpint (version, ==, 2);
  }

  /* an update builder: a decrement of b and an increment of a, together */
  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
    g_autoptr(DynamormUpdate) debit = dynamorm_update_new ();
    g_autoptr(DynamormUpdate) credit = dynamorm_update_new ();
    g_autoptr(DynamormCondition) enough = NULL;
    GValue ten = G_VALUE_INIT;
    int balance_value;

    g_value_init (&ten, G_TYPE_INT);
    g_value_set_int (&ten, 10);
    enough = dynamorm_condition_new ("balance", DYNAMORM_OPERATOR_GE, &ten, 1);
    g_value_unset (&ten);
    dynamorm_update_decrement (debit, "balance", 10);
    dynamorm_update_increment (credit, "balance", 10);
    dynamorm_transaction_add_update_with (tx, b, debit, enough);
    dynamorm_transaction_add_update_with (tx, a, credit, NULL);
    ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));
    ASSERT_OK (dynamorm_session_reload (f->session, a, NULL, &error));
    g_object_get (a, "balance", &balance_value, "version", &version, NULL);
    g_assert_cmpint (balance_value, ==, 70);
    g_assert_cmpint (version, ==, 3);
    ASSERT_OK (dynamorm_session_reload (f->session, b, NULL, &error));
    g_object_get (b, "balance", &balance_value, "version", &version, NULL);
    g_assert_cmpint (balance_value, ==, 30);
    g_assert_cmpint (version, ==, 3);
  }

  dynamorm_session_delete_table (f->session, account_type (), NULL, NULL);
}

/* created_at and updated_at as the session's single writes keep them. */
static void
test_timestamps (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) fake = g_date_time_new_utc (2001, 1, 1, 0, 0, 0);
  g_autoptr(TestStamped) first = stamped_new ("s1", "First", NULL, NULL);
  g_autoptr(GDateTime) created = NULL;
  g_autoptr(GDateTime) updated = NULL;

  SKIP_IF_NO_BACKEND (f);

  ASSERT_OK (dynamorm_session_create_table (f->session, TEST_TYPE_STAMPED, NULL, &error));

  /* a create stamps both, and the model holds them after the commit */
  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
    g_autoptr(TestStamped) stored = NULL;
    g_autoptr(GDateTime) stored_created = NULL;
    g_autoptr(GDateTime) stored_updated = NULL;

    dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (first), NULL);
    ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));
    created = stamped_time (first, "created");
    updated = stamped_time (first, "updated");
    g_assert_nonnull (created);
    assert_same_time (updated, created);
    stored = stamped_get (f->session, "s1");
    stored_created = stamped_time (stored, "created");
    stored_updated = stamped_time (stored, "updated");
    assert_same_time (stored_created, created);
    assert_same_time (stored_updated, updated);
  }

  /* a put of a fresh model that does not carry created_at, and one of a
   * model that claims another: the stored created_at is kept, updated_at
   * moves, and the models get the new updated_at */
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
      g_autoptr(TestStamped) again = stamped_new ("s1", "Again", round == 0 ? NULL : fake, fake);
      g_autoptr(TestStamped) other = stamped_new ("s2", "Other", NULL, NULL);
      g_autoptr(TestStamped) stored = NULL;
      g_autoptr(GDateTime) stored_created = NULL;
      g_autoptr(GDateTime) stored_updated = NULL;
      g_autoptr(GDateTime) model_updated = NULL;
      g_autoptr(GDateTime) model_created = NULL;
      g_autofree char *name = NULL;

      g_usleep (2000);
      dynamorm_transaction_add_put (tx, DYNAMORM_MODEL (again), NULL);
      if (round == 0)
        dynamorm_transaction_add_put (tx, DYNAMORM_MODEL (other), NULL);
      ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));

      stored = stamped_get (f->session, "s1");
      stored_created = stamped_time (stored, "created");
      stored_updated = stamped_time (stored, "updated");
      g_object_get (stored, "name", &name, NULL);
      g_assert_cmpstr (name, ==, "Again");
      assert_same_time (stored_created, created);
      assert_later (stored_updated, updated);
      model_updated = stamped_time (again, "updated");
      assert_same_time (model_updated, stored_updated);
      /* the put cannot tell whether the item existed: the model keeps
       * its own created_at (reload to read the stored one) */
      model_created = stamped_time (again, "created");
      if (round == 0)
        g_assert_null (model_created);
      else
        assert_same_time (model_created, fake);
      g_clear_pointer (&updated, g_date_time_unref);
      updated = g_steal_pointer (&stored_updated);

      if (round == 0)
        {
          /* a put of a new item stores created_at = updated_at = now */
          g_autoptr(TestStamped) new_item = stamped_get (f->session, "s2");
          g_autoptr(GDateTime) c = stamped_time (new_item, "created");
          g_autoptr(GDateTime) u = stamped_time (new_item, "updated");
          g_autoptr(GDateTime) m = stamped_time (other, "updated");

          assert_same_time (c, u);
          assert_same_time (m, u);
        }
    }

  /* updates: every property (NULL names) leaves the timestamps to
   * Dynamorm even when the model holds others; an update builder too */
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
      g_autoptr(TestStamped) stale = stamped_new ("s1", round == 0 ? "Updated" : NULL, fake, fake);
      g_autoptr(DynamormUpdate) rename = dynamorm_update_new ();
      g_autoptr(TestStamped) stored = NULL;
      g_autoptr(GDateTime) stored_created = NULL;
      g_autoptr(GDateTime) stored_updated = NULL;
      g_autoptr(GDateTime) model_updated = NULL;
      g_autofree char *name = NULL;
      GValue value = G_VALUE_INIT;

      g_usleep (2000);
      if (round == 0)
        dynamorm_transaction_add_update (tx, DYNAMORM_MODEL (stale), NULL, NULL);
      else
        {
          g_value_init (&value, G_TYPE_STRING);
          g_value_set_string (&value, "Built");
          dynamorm_update_set (rename, "name", &value);
          g_value_unset (&value);
          dynamorm_transaction_add_update_with (tx, DYNAMORM_MODEL (stale), rename, NULL);
        }
      ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));

      stored = stamped_get (f->session, "s1");
      stored_created = stamped_time (stored, "created");
      stored_updated = stamped_time (stored, "updated");
      g_object_get (stored, "name", &name, NULL);
      g_assert_cmpstr (name, ==, round == 0 ? "Updated" : "Built");
      assert_same_time (stored_created, created);
      assert_later (stored_updated, updated);
      model_updated = stamped_time (stale, "updated");
      assert_same_time (model_updated, stored_updated);
      g_clear_pointer (&updated, g_date_time_unref);
      updated = g_steal_pointer (&stored_updated);
    }

  /* an update that names updated_at writes the model's value instead */
  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
    g_autoptr(TestStamped) explicit = stamped_new ("s1", "Explicit", NULL, fake);
    g_autoptr(TestStamped) stored = NULL;
    g_autoptr(GDateTime) stored_updated = NULL;
    const char *names[] = { "name", "updated", NULL };

    dynamorm_transaction_add_update (tx, DYNAMORM_MODEL (explicit), names, NULL);
    ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));
    stored = stamped_get (f->session, "s1");
    stored_updated = stamped_time (stored, "updated");
    assert_same_time (stored_updated, fake);
  }

  dynamorm_session_delete_table (f->session, TEST_TYPE_STAMPED, NULL, NULL);
}

static void
test_transact_get (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) u1 = new_user ("g1", NULL);
  g_autoptr(TestUser) u2 = new_user ("nobody", NULL);
  g_autoptr(DynamormModel) invoice = g_object_new (TEST_TYPE_INVOICE, "account", "A", "invoice", "7", NULL);
  g_autoptr(GPtrArray) missing = NULL;
  DynamormModel *models[3];
  g_autofree char *name = NULL;
  gint64 total;

  SKIP_IF_NO_BACKEND (f);

  put_user (f, "g1", "Got", 1);
  {
    g_autoptr(DynamormModel) stored = g_object_new (TEST_TYPE_INVOICE, "account", "A", "invoice", "7",
                                                    "total", (gint64) 77, NULL);
    ASSERT_OK (dynamorm_session_put (f->session, stored, NULL, &error));
    g_assert_no_error (error);
  }
  models[0] = DYNAMORM_MODEL (u1);
  models[1] = DYNAMORM_MODEL (u2);
  models[2] = invoice;
  ASSERT_OK (dynamorm_session_transact_get (f->session, models, 3, &missing, NULL, &error));
  g_assert_no_error (error);
  g_object_get (u1, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "Got");
  g_object_get (invoice, "total", &total, NULL);
  g_assert_cmpint (total, ==, 77);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_true (missing->pdata[0] == DYNAMORM_MODEL (u2));
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
  g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
  g_autoptr(TestUser) user = new_user ("async", "Async");
  AsyncWait wait = { g_main_loop_new (NULL, FALSE), NULL };

  SKIP_IF_NO_BACKEND (f);

  dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (user), NULL);
  dynamorm_transaction_commit_async (tx, NULL, async_done, &wait);
  g_main_loop_run (wait.loop);
  ASSERT_OK (dynamorm_transaction_commit_finish (tx, wait.result, &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  assert_name (f, "async", "Async");
  g_main_loop_unref (wait.loop);
}

/* ------------------------------------------------------------------ */
/* With the test double (memory only) */

static void
test_conflict_retried (void)
{
  g_autoptr(GError) error = NULL;
  TestFlaky *flaky = NULL;
  g_autoptr(DynamormSession) session = flaky_session_new (&flaky);
  g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (session);
  g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (5, 10, 1000, 2.0, 0.0);
  g_autoptr(TestUser) user = new_user ("conflicted", "C");
  g_autoptr(TestUser) other = new_user ("other", "O");

  flaky->conflicts_left = 2;
  dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (user), NULL);
  dynamorm_transaction_add_put (tx, DYNAMORM_MODEL (other), NULL);
  dynamorm_transaction_set_retry_policy (tx, policy);
  ASSERT_OK (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dynamorm_transaction_get_n_attempts (tx), ==, 3);
  g_assert_cmpuint (flaky->tokens->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (flaky->tokens->pdata[i], ==, dynamorm_transaction_get_client_request_token (tx));
  g_assert_cmpint (g_array_index (flaky->times, gint64, 1) - g_array_index (flaky->times, gint64, 0), >=, 9000);
  g_assert_cmpint (g_array_index (flaky->times, gint64, 2) - g_array_index (flaky->times, gint64, 1), >=, 19000);
  {
    g_autofree char *name = user_name (session, "conflicted");
    g_assert_cmpstr (name, ==, "C");
  }

  /* conflicts beyond the policy: cancelled, with the conflict reported */
  {
    g_autoptr(DynamormTransaction) again = dynamorm_transaction_new (session);
    g_autoptr(DynamormRetryPolicy) two = dynamorm_retry_policy_new_full (2, 1, 10, 2.0, 0.0);
    GPtrArray *failures;

    flaky->conflicts_left = 5;
    g_object_set (other, "name", "Changed", NULL);
    dynamorm_transaction_add_put (again, DYNAMORM_MODEL (other), NULL);
    dynamorm_transaction_set_retry_policy (again, two);
    g_assert_false (dynamorm_transaction_commit (again, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_TRANSACTION_CANCELLED);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    g_assert_cmpuint (dynamorm_transaction_get_n_attempts (again), ==, 2);
    failures = dynamorm_transaction_get_failures (again);
    g_assert_cmpuint (failures->len, ==, 1);
    g_assert_cmpstr (dynamorm_transaction_failure_get_code (failures->pdata[0]), ==, "TransactionConflict");
    g_assert_cmpstr (dynamorm_transaction_failure_get_message (failures->pdata[0]), ==, "Transaction is ongoing for the item.");
    g_assert_cmpint (dynamorm_transaction_failure_get_kind (failures->pdata[0]), ==, DYNAMORM_TRANSACTION_ACTION_PUT);
  }
  g_object_unref (flaky);
}

static void
test_too_many_not_sent (void)
{
  g_autoptr(GError) error = NULL;
  TestFlaky *flaky = NULL;
  g_autoptr(DynamormSession) session = flaky_session_new (&flaky);
  g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (session);
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 150; i++)
    {
      g_autofree char *id = g_strdup_printf ("m%u", i);
      TestUser *u = new_user (id, NULL);
      g_ptr_array_add (models, u);
      dynamorm_transaction_add_delete (tx, DYNAMORM_MODEL (u), NULL);
    }
  g_assert_false (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (flaky->transact_calls, ==, 0);

  g_assert_false (dynamorm_session_transact_get (session, (DynamormModel **) models->pdata, 101, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_object_unref (flaky);
}

int
main (int argc, char *argv[])
{
  test_parse_backend_arg (&argc, argv);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/dynamorm/transaction/commit", test_commit);
  ADD ("/dynamorm/transaction/fail-first", test_fail_first);
  ADD ("/dynamorm/transaction/fail-middle", test_fail_middle);
  ADD ("/dynamorm/transaction/fail-last", test_fail_last);
  ADD ("/dynamorm/transaction/callback-form", test_callback_form);
  ADD ("/dynamorm/transaction/idempotent-retry", test_idempotent_retry);
  ADD ("/dynamorm/transaction/refused-before-sending", test_refused_before_sending);
  ADD ("/dynamorm/transaction/versions", test_versions);
  ADD ("/dynamorm/transaction/timestamps", test_timestamps);
  ADD ("/dynamorm/transaction/transact-get", test_transact_get);
  ADD ("/dynamorm/transaction/async", test_async);
  if (g_str_equal (test_backend_name, "memory"))
    {
      g_test_add_func ("/dynamorm/transaction/conflict-retried", test_conflict_retried);
      g_test_add_func ("/dynamorm/transaction/too-many-not-sent", test_too_many_not_sent);
    }

  return g_test_run ();
}
