/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DynamormModelWatch per backend (memory://, and DynamoDB Local when the test
 * command started one): a held object follows writes of its item made
 * elsewhere (notify per changed property), tells its own writes, and hears
 * its removal. */
#include <string.h>
#include "test-models.h"

static GType note_type;

static void
define_models (void)
{
  static const char *props[] = { "id:s", "title:s", "body:s", NULL };
  static const char *tags[] = { "id=pk", NULL };
  g_autoptr(GError) error = NULL;

  note_type = test_define_model ("WatchNote", props);
  g_assert_true (dynamorm_model_type_declare (note_type, "watch_notes", tags, &error));
  g_assert_no_error (error);
}

typedef struct
{
  GString *events;      /* "changed(props|local)" / "removed(local)" */
  GString *notified;
  GError *failure;
} Log;

static void
on_changed (DynamormModelWatch *watch, const char *const *props, gboolean local, Log *log)
{
  g_autofree char *joined = g_strjoinv (",", (char **) props);
  g_string_append_printf (log->events, "changed(%s|%s)", joined, local ? "this" : "other");
}

static void
on_removed (DynamormModelWatch *watch, gboolean local, Log *log)
{
  g_string_append_printf (log->events, "removed(%s)", local ? "this" : "other");
}

static void
on_failed (DynamormModelWatch *watch, GError *error, Log *log)
{
  log->failure = g_error_copy (error);
}

static void
on_notify (GObject *object, GParamSpec *pspec, Log *log)
{
  g_string_append_printf (log->notified, "%s;", pspec->name);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_until_events (Log *log, const char *want)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (20000, on_timeout, &timed_out);

  while (!g_str_equal (log->events->str, want) && log->failure == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_no_error (log->failure);
  g_assert_cmpstr (log->events->str, ==, want);
}

static void
run_until_ready (DynamormChangeFeed *feed)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (20000, on_timeout, &timed_out);

  while (!dynamorm_change_feed_is_ready (feed) && dynamorm_change_feed_is_running (feed) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_true (dynamorm_change_feed_is_ready (feed));
}

static void
put_note (DynamormSession *session, DynamormModel *note)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_session_put (session, note, NULL, &error));
  g_assert_no_error (error);
}

static void
watch_item (gboolean with_stream)
{
  g_autoptr(DynamormSession) session = test_session_new ("watch");
  g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) table = NULL;
  g_autoptr(DynamormModel) held = NULL, elsewhere = NULL;
  g_autoptr(DynamormModelWatch) watch = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  const char *other = with_stream ? "other" : "this";
  g_autofree char *want1 = NULL, *want3 = NULL;
  Log log = { g_string_new (NULL), g_string_new (NULL), NULL };

  if (session == NULL)
    return;
  if (with_stream)
    dynamorm_table_options_set_stream (options, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
  table = dynamorm_table_new (session, note_type, options);
  g_assert_true (dynamorm_table_create (table, NULL, &error));
  g_assert_no_error (error);
  held = g_object_new (note_type, "id", "n1", "title", "first", "body", "text", NULL);
  put_note (session, held);

  watch = dynamorm_model_watch_new (session, held, &error);
  g_assert_no_error (error);
  g_signal_connect (watch, "changed", G_CALLBACK (on_changed), &log);
  g_signal_connect (watch, "removed", G_CALLBACK (on_removed), &log);
  g_signal_connect (watch, "failed", G_CALLBACK (on_failed), &log);
  g_signal_connect (held, "notify", G_CALLBACK (on_notify), &log);
  run_until_ready (dynamorm_model_watch_get_feed (watch));

  /* Another object writes the item: the held one follows, one notify. */
  elsewhere = g_object_new (note_type, "id", "n1", "title", "second", "body", "text", NULL);
  put_note (session, elsewhere);
  want1 = g_strdup_printf ("changed(title|%s)", other);
  run_until_events (&log, want1);
  g_object_get (held, "title", &title, NULL);
  g_assert_cmpstr (title, ==, "second");
  g_assert_cmpstr (log.notified->str, ==, "title;");

  /* The held object's own write: nothing to set, from this process. */
  g_object_set (held, "body", "edited here", NULL);
  put_note (session, DYNAMORM_MODEL (held));
  {
    g_autofree char *want2 = g_strdup_printf ("%schanged(|this)", want1);
    run_until_events (&log, want2);
  }
  g_assert_cmpstr (log.notified->str, ==, "title;body;");

  /* A write of another item is not this one's business; a delete is. */
  {
    g_autoptr(DynamormModel) unrelated = g_object_new (note_type, "id", "n2", "title", "x", NULL);
    put_note (session, unrelated);
    g_assert_true (dynamorm_session_delete (session, elsewhere, NULL, &error));
    g_assert_no_error (error);
  }
  want3 = g_strdup_printf ("%schanged(|this)removed(%s)", want1, other);
  run_until_events (&log, want3);
  g_assert_true (dynamorm_model_watch_is_removed (watch));
  dynamorm_model_watch_stop (watch);
  g_string_free (log.events, TRUE);
  g_string_free (log.notified, TRUE);
}

static void
test_stream (void)
{
  watch_item (TRUE);
}

/* memory:// without a stream: the in-process feed knows every change is
 * this process's. (DynamoDB Local has no feed without a stream.) */
static void
test_in_process (void)
{
  if (!g_str_equal (test_backend_name, "memory"))
    {
      g_test_skip ("the in-process feed exists on memory:// only");
      return;
    }
  watch_item (FALSE);
}

static void
test_key_unset (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("watchkey");
  g_autoptr(DynamormModel) keyless = NULL;
  g_autoptr(DynamormModelWatch) watch = NULL;
  g_autoptr(GError) error = NULL;

  if (session == NULL)
    return;
  keyless = g_object_new (note_type, "title", "no id", NULL);
  watch = dynamorm_model_watch_new (session, keyless, &error);
  g_assert_null (watch);
  g_assert_nonnull (error);
  g_assert_true (error->domain == DYNAMORM_ERROR);
}

int
main (int argc, char **argv)
{
  test_parse_backend_arg (&argc, argv);
  g_test_init (&argc, &argv, NULL);
  define_models ();

  g_test_add_func ("/model-watch/stream", test_stream);
  g_test_add_func ("/model-watch/in-process", test_in_process);
  g_test_add_func ("/model-watch/key-unset", test_key_unset);
  return g_test_run ();
}
