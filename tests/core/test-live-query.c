/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DynamormLiveQuery per backend (memory://, and DynamoDB Local when the test
 * command started one): the list follows inserts, modifies and removes with
 * exact items-changed positions; items that stay keep their object and
 * notify the properties that changed. */
#include <string.h>
#include "test-models.h"

static GType card_type;
static GType ranked_type;

static void
define_models (void)
{
  static const char *props[] = { "board:s", "slot:s", "title:s", "state:s", NULL };
  static const char *tags[] = { "board=pk", "slot=sk", NULL };

  static const char *ranked_props[] = { "id:s", "list:s", "title:s", NULL };
  static const char *ranked_tags[] = { "id=pk", "list=index:by-title,pk", "title=index:by-title,sk", NULL };
  g_autoptr(GError) error = NULL;

  card_type = test_define_model ("LiveCard", props);
  g_assert_true (dynamorm_model_type_declare (card_type, "live_cards", tags, &error));
  g_assert_no_error (error);
  ranked_type = test_define_model ("LiveRanked", ranked_props);
  g_assert_true (dynamorm_model_type_declare (ranked_type, "live_ranked", ranked_tags, &error));
  g_assert_no_error (error);
}

typedef struct
{
  GString *changes;     /* "(position,removed,added)" for each items-changed */
  guint notifies;
  GString *notified;
  GError *failure;
} Log;

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, Log *log)
{
  g_string_append_printf (log->changes, "(%u,%u,%u)", position, removed, added);
}

static void
on_notify (GObject *object, GParamSpec *pspec, Log *log)
{
  log->notifies++;
  g_string_append_printf (log->notified, "%s;", pspec->name);
}

static void
on_failed (DynamormLiveQuery *live, GError *error, Log *log)
{
  log->failure = g_error_copy (error);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the default context until the log shows want (or 20 s). */
static void
run_until_changes (Log *log, const char *want)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (20000, on_timeout, &timed_out);

  while (!g_str_equal (log->changes->str, want) && log->failure == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_no_error (log->failure);
  g_assert_cmpstr (log->changes->str, ==, want);
}

static void
run_until_notified (Log *log, guint n)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (20000, on_timeout, &timed_out);

  while (log->notifies < n && log->failure == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_no_error (log->failure);
  g_assert_cmpuint (log->notifies, ==, n);
}

static void
put_card (DynamormSession *session, const char *board, const char *slot, const char *title, const char *state)
{
  g_autoptr(DynamormModel) card = g_object_new (card_type, "board", board, "slot", slot,
                                                "title", title, "state", state, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_session_put (session, card, NULL, &error));
  g_assert_no_error (error);
}

static void
delete_card (DynamormSession *session, const char *board, const char *slot)
{
  g_autoptr(DynamormModel) card = g_object_new (card_type, "board", board, "slot", slot, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_session_delete (session, card, NULL, &error));
  g_assert_no_error (error);
}

/* One string property of every item of the list, joined with commas. */
static char *
join_property (GListModel *model, const char *property)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);
      g_autofree char *value = NULL;

      g_object_get (item, property, &value, NULL);
      g_string_append_printf (s, "%s%s", i ? "," : "", value);
    }
  return g_string_free (s, FALSE);
}

#define ASSERT_SLOTS(model, want) \
  G_STMT_START { g_autofree char *got_ = join_property (model, "slot"); g_assert_cmpstr (got_, ==, want); } G_STMT_END

static void
test_follows_changes (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("live");
  g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) table = NULL;
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(DynamormLiveQuery) live = NULL;
  g_autoptr(GObject) s2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  Log log = { g_string_new (NULL), 0, g_string_new (NULL), NULL };

  if (session == NULL)
    return;
  dynamorm_table_options_set_stream (options, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
  table = dynamorm_table_new (session, card_type, options);
  g_assert_true (dynamorm_table_create (table, NULL, &error));
  g_assert_no_error (error);
  put_card (session, "b1", "s2", "two", "open");
  put_card (session, "b1", "s4", "four", "open");
  put_card (session, "b1", "s3", "three", "closed");
  put_card (session, "b2", "s1", "elsewhere", "open");

  query = dynamorm_query_new (session, card_type);
  dynamorm_query_where (query, "board", DYNAMORM_OPERATOR_EQ, "b1");
  dynamorm_query_where (query, "state", DYNAMORM_OPERATOR_EQ, "open");
  live = dynamorm_live_query_new (query);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (live)) == card_type);
  g_signal_connect (live, "items-changed", G_CALLBACK (on_items_changed), &log);
  g_signal_connect (live, "failed", G_CALLBACK (on_failed), &log);

  /* The first answer, in one step. */
  run_until_changes (&log, "(0,0,2)");
  g_assert_true (dynamorm_live_query_is_loaded (live));
  ASSERT_SLOTS (G_LIST_MODEL (live), "s2,s4");
  s2 = g_list_model_get_item (G_LIST_MODEL (live), 0);
  g_signal_connect (s2, "notify", G_CALLBACK (on_notify), &log);

  /* An insert before the others; one on another board does not show. */
  put_card (session, "b2", "s0", "elsewhere too", "open");
  put_card (session, "b1", "s1", "one", "open");
  run_until_changes (&log, "(0,0,2)(0,0,1)");
  ASSERT_SLOTS (G_LIST_MODEL (live), "s1,s2,s4");

  /* A modify that makes an item match: it appears in sort order. */
  put_card (session, "b1", "s3", "three", "open");
  run_until_changes (&log, "(0,0,2)(0,0,1)(2,0,1)");
  ASSERT_SLOTS (G_LIST_MODEL (live), "s1,s2,s3,s4");

  /* A modify of a listed item: the same object, one notify, no step. */
  put_card (session, "b1", "s2", "two, renamed", "open");
  run_until_notified (&log, 1);
  g_assert_cmpstr (log.notified->str, ==, "title;");
  g_object_get (s2, "title", &title, NULL);
  g_assert_cmpstr (title, ==, "two, renamed");
  {
    g_autoptr(GObject) second = g_list_model_get_item (G_LIST_MODEL (live), 1);
    g_assert_true (second == s2);
  }

  /* A modify that stops matching, and a delete. */
  put_card (session, "b1", "s4", "four", "closed");
  run_until_changes (&log, "(0,0,2)(0,0,1)(2,0,1)(3,1,0)");
  delete_card (session, "b1", "s1");
  run_until_changes (&log, "(0,0,2)(0,0,1)(2,0,1)(3,1,0)(0,1,0)");
  ASSERT_SLOTS (G_LIST_MODEL (live), "s2,s3");
  g_assert_cmpuint (log.notifies, ==, 1);

  dynamorm_live_query_stop (live);
  g_assert_false (dynamorm_change_feed_is_running (dynamorm_live_query_get_feed (live)));
  g_string_free (log.changes, TRUE);
  g_string_free (log.notified, TRUE);
}

static void
put_ranked (DynamormSession *session, const char *id, const char *title)
{
  g_autoptr(DynamormModel) item = g_object_new (ranked_type, "id", id, "list", "L", "title", title, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_session_put (session, item, NULL, &error));
  g_assert_no_error (error);
}

/* An index query sorted by a property that changes: the item moves (one
 * removal, one insertion at the new position) and keeps its object. */
static void
test_moves (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("livemove");
  g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) table = NULL;
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(DynamormLiveQuery) live = NULL;
  g_autoptr(GObject) first = NULL, last = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *order = NULL;
  Log log = { g_string_new (NULL), 0, g_string_new (NULL), NULL };

  if (session == NULL)
    return;
  dynamorm_table_options_set_stream (options, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
  table = dynamorm_table_new (session, ranked_type, options);
  g_assert_true (dynamorm_table_create (table, NULL, &error));
  g_assert_no_error (error);
  put_ranked (session, "a", "apple");
  put_ranked (session, "b", "banana");
  put_ranked (session, "c", "cherry");

  query = dynamorm_query_new (session, ranked_type);
  dynamorm_query_index (query, "by-title");
  dynamorm_query_where (query, "list", DYNAMORM_OPERATOR_EQ, "L");
  live = dynamorm_live_query_new (query);
  g_signal_connect (live, "items-changed", G_CALLBACK (on_items_changed), &log);
  g_signal_connect (live, "failed", G_CALLBACK (on_failed), &log);
  run_until_changes (&log, "(0,0,3)");
  first = g_list_model_get_item (G_LIST_MODEL (live), 0);

  put_ranked (session, "a", "zucchini");
  run_until_changes (&log, "(0,0,3)(0,1,0)(2,0,1)");
  order = join_property (G_LIST_MODEL (live), "id");
  g_assert_cmpstr (order, ==, "b,c,a");
  last = g_list_model_get_item (G_LIST_MODEL (live), 2);
  g_assert_true (first == last);
  dynamorm_live_query_stop (live);
  g_string_free (log.changes, TRUE);
  g_string_free (log.notified, TRUE);
}

/* A live query over a table that does not exist says so. */
static void
test_missing_table (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("livemissing");
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(DynamormLiveQuery) live = NULL;
  Log log = { g_string_new (NULL), 0, g_string_new (NULL), NULL };
  gboolean timed_out = FALSE;
  guint id;

  if (session == NULL)
    return;
  query = dynamorm_query_new (session, card_type);
  dynamorm_query_where (query, "board", DYNAMORM_OPERATOR_EQ, "b1");
  live = dynamorm_live_query_new (query);
  g_signal_connect (live, "failed", G_CALLBACK (on_failed), &log);
  id = g_timeout_add (20000, on_timeout, &timed_out);
  while (log.failure == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);
  g_assert_error (log.failure, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (live)), ==, 0);
  g_clear_error (&log.failure);
  g_string_free (log.changes, TRUE);
  g_string_free (log.notified, TRUE);
}

int
main (int argc, char **argv)
{
  test_parse_backend_arg (&argc, argv);
  g_test_init (&argc, &argv, NULL);
  define_models ();

  g_test_add_func ("/live-query/follows-changes", test_follows_changes);
  g_test_add_func ("/live-query/moves", test_moves);
  g_test_add_func ("/live-query/missing-table", test_missing_table);
  return g_test_run ();
}
