/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages that say what happened and what to do, run once per backend
 * (`--backend memory|local`): an insert refused because the item exists, a
 * versioned write refused by the caller's condition (the version matched)
 * or by a newer version, an empty index key, a filter on a key, a batch
 * write to a missing table, a condition value that is not set, and no
 * message naming a C function. */
#include "test-models.h"

#include <string.h>

typedef struct {
  DynamormSession *session;
  GType doc;
} Fixture;

static GType
doc_type (void)
{
  static GType type;

  if (type == 0)
    {
      const char *props[] = { "id:s", "title:s", "email:s", "version:i", NULL };
      g_autoptr(GError) error = NULL;
      const char *tags[] = { "id=pk", "email=index:by-email,pk", "version=version", NULL };

      type = test_define_model ("MsgDoc", props);
      g_assert_true (dynamorm_model_type_declare (type, "msg_docs", tags, &error));
      g_assert_no_error (error);
    }
  return type;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->session = test_session_new ("msg");
  if (f->session == NULL)
    return;
  f->doc = doc_type ();
  g_assert_true (dynamorm_session_create_table (f->session, f->doc, NULL, &error));
  g_assert_true (dynamorm_session_create_table (f->session, TEST_TYPE_INVOICE, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->session);
}

static DynamormModel *
new_doc (Fixture *f, const char *id, const char *title)
{
  return g_object_new (f->doc, "id", id, "title", title, NULL);
}

/* The message says @what, and names no C function. */
static void
assert_message (const GError *error, gint code, const char *what)
{
  g_assert_error (error, DYNAMORM_ERROR, code);
  if (strstr (error->message, what) == NULL)
    g_error ("“%s” is not in the message: %s", what, error->message);
  g_assert_null (strstr (error->message, "dynamorm_"));
}

static void
test_insert_exists (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) first = NULL;
  g_autoptr(DynamormModel) again = NULL;
  g_autoptr(TestInvoice) invoice = NULL;

  if (f->session == NULL)
    return;
  first = new_doc (f, "d1", "one");
  g_assert_true (dynamorm_session_insert (f->session, first, NULL, &error));
  g_assert_no_error (error);

  /* A versioned model: not "changed since version 0". */
  again = new_doc (f, "d1", "two");
  g_assert_false (dynamorm_session_insert (f->session, again, NULL, &error));
  assert_message (error, DYNAMORM_ERROR_CONDITION_FAILED, "exists already");
  g_assert_null (strstr (error->message, "since version"));
  g_clear_error (&error);

  /* A put of a new versioned model (version 0) means the same. */
  g_assert_false (dynamorm_session_put (f->session, again, NULL, &error));
  assert_message (error, DYNAMORM_ERROR_CONDITION_FAILED, "exists already");
  g_clear_error (&error);

  /* A model without a version. */
  invoice = g_object_new (TEST_TYPE_INVOICE, "account", "a", "invoice", "i1", NULL);
  g_assert_true (dynamorm_session_insert (f->session, DYNAMORM_MODEL (invoice), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (dynamorm_session_insert (f->session, DYNAMORM_MODEL (invoice), NULL, &error));
  assert_message (error, DYNAMORM_ERROR_CONDITION_FAILED, "exists already");
}

static void
test_version_or_condition (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) doc = new_doc (f, "d2", "one");
  g_autoptr(DynamormModel) stale = NULL;
  g_autoptr(DynamormWriteOptions) options = dynamorm_write_options_new ();
  g_autoptr(DynamormCondition) condition = NULL;
  GValue value = G_VALUE_INIT;

  if (f->session == NULL)
    return;
  g_assert_true (dynamorm_session_put (f->session, doc, NULL, &error));
  g_assert_no_error (error);

  /* The version matches; the caller's condition does not hold. */
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "other");
  condition = dynamorm_condition_new ("title", DYNAMORM_OPERATOR_EQ, &value, 1);
  g_value_unset (&value);
  dynamorm_write_options_add_condition (options, condition);
  g_assert_false (dynamorm_session_put_full (f->session, doc, options, NULL, NULL, &error));
  assert_message (error, DYNAMORM_ERROR_CONDITION_FAILED, "other than the version");
  g_clear_error (&error);

  /* A newer version is stored. */
  {
    GValue key = G_VALUE_INIT;

    g_value_init (&key, G_TYPE_STRING);
    g_value_set_string (&key, "d2");
    stale = dynamorm_session_get (f->session, f->doc, &key, NULL, NULL, &error);
    g_value_unset (&key);
  }
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_put (f->session, doc, NULL, &error));
  g_assert_false (dynamorm_session_put (f->session, stale, NULL, &error));
  assert_message (error, DYNAMORM_ERROR_CONDITION_FAILED, "changed since version 1 was read (it is at version 2 now)");
}

static void
test_empty_index_key (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) doc = NULL;

  if (f->session == NULL)
    return;
  doc = g_object_new (f->doc, "id", "d3", "email", "", NULL);
  g_assert_false (dynamorm_session_put (f->session, doc, NULL, &error));
  assert_message (error, DYNAMORM_ERROR_INVALID_VALUE, "omitempty");
  g_assert_nonnull (strstr (error->message, "by-email"));
  g_clear_error (&error);

  /* Unset, it is simply absent. */
  g_object_set (doc, "email", NULL, NULL);
  g_assert_true (dynamorm_session_put (f->session, doc, NULL, &error));
  g_assert_no_error (error);
}

static void
test_filter_on_key (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(DynamormCondition) one = NULL;
  g_autoptr(DynamormCondition) either = NULL;
  g_autoptr(DynamormCondition) status = NULL;
  g_autoptr(GListModel) result = NULL;
  GValue value = G_VALUE_INIT;

  if (f->session == NULL)
    return;
  query = dynamorm_query_new (f->session, TEST_TYPE_INVOICE);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "a");
  dynamorm_query_where_values (query, "account", DYNAMORM_OPERATOR_EQ, &value, 1);
  g_value_unset (&value);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "i1");
  one = dynamorm_condition_new ("invoice", DYNAMORM_OPERATOR_EQ, &value, 1);
  g_value_unset (&value);
  status = dynamorm_condition_new_exists ("status");
  either = dynamorm_condition_new_or (one, status);
  dynamorm_query_filter (query, either);

  /* Refused before anything is sent, with the fix. */
  result = dynamorm_query_all (query, NULL, &error);
  g_assert_null (result);
  assert_message (error, DYNAMORM_ERROR_INVALID_QUERY, "key condition");
  g_assert_nonnull (strstr (error->message, "“invoice”"));
}

static void
test_batch_missing_table (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormBatchWrite) batch = NULL;
  g_autoptr(TestUser) user = NULL;

  if (f->session == NULL)
    return;
  batch = dynamorm_batch_write_new (f->session);
  user = g_object_new (TEST_TYPE_USER, "id", "u1", NULL);
  dynamorm_batch_write_add_put (batch, DYNAMORM_MODEL (user));
  g_assert_false (dynamorm_batch_write_execute (batch, NULL, &error));
  assert_message (error, DYNAMORM_ERROR_RESOURCE_NOT_FOUND, "create the table first");
  g_assert_nonnull (strstr (error->message, "users”"));
}

static void
test_unset_condition_value (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) doc = new_doc (f, "d4", "one");
  g_autoptr(DynamormWriteOptions) options = dynamorm_write_options_new ();
  g_autoptr(DynamormCondition) condition = NULL;
  GValue unset = G_VALUE_INIT;

  if (f->session == NULL)
    return;
  /* What a binding passes for None or null: refused when used, no crash. */
  condition = dynamorm_condition_new ("title", DYNAMORM_OPERATOR_EQ, &unset, 1);
  dynamorm_write_options_add_condition (options, condition);
  g_assert_false (dynamorm_session_put_full (f->session, doc, options, NULL, NULL, &error));
  assert_message (error, DYNAMORM_ERROR_INVALID_ARGUMENT, "NOT_EXISTS");
}

int
main (int argc, char *argv[])
{
  test_parse_backend_arg (&argc, argv);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/dynamorm/messages/insert-exists", test_insert_exists);
  ADD ("/dynamorm/messages/version-or-condition", test_version_or_condition);
  ADD ("/dynamorm/messages/empty-index-key", test_empty_index_key);
  ADD ("/dynamorm/messages/filter-on-key", test_filter_on_key);
  ADD ("/dynamorm/messages/batch-missing-table", test_batch_missing_table);
  ADD ("/dynamorm/messages/unset-condition-value", test_unset_condition_value);

  return g_test_run ();
}
