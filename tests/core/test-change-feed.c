/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DynamormChangeFeed per backend (memory://, and DynamoDB Local when the test
 * command started one): from now, from a checkpoint without missing or
 * repeating, in-process on memory without a stream, and the refusals. */
#include <string.h>
#include "test-models.h"

static GType task_type;

static void
define_models (void)
{
  static const char *props[] = { "id:s", "title:s", "rank:i", NULL };
  static const char *tags[] = { "id=pk", NULL };
  g_autoptr(GError) error = NULL;

  task_type = test_define_model ("FeedTask", props);
  g_assert_true (dynamorm_model_type_declare (task_type, "feed_tasks", tags, &error));
  g_assert_no_error (error);
}

typedef struct
{
  GPtrArray *records;   /* DynamormStreamRecord* */
  gboolean ready;
  GError *failure;
  guint stop_after;     /* stop the feed inside the handler after N records */
} Collector;

static void
on_record (DynamormChangeFeed *feed, DynamormStreamRecord *record, Collector *c)
{
  g_ptr_array_add (c->records, g_object_ref (record));
  if (c->stop_after != 0 && c->records->len == c->stop_after)
    dynamorm_change_feed_stop (feed);
}

static void
on_ready (DynamormChangeFeed *feed, Collector *c)
{
  c->ready = TRUE;
}

static void
on_failed (DynamormChangeFeed *feed, GError *error, Collector *c)
{
  g_assert_null (c->failure);
  c->failure = g_error_copy (error);
}

static void
collector_init (Collector *c, DynamormChangeFeed *feed)
{
  memset (c, 0, sizeof *c);
  c->records = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (feed, "record", G_CALLBACK (on_record), c);
  g_signal_connect (feed, "ready", G_CALLBACK (on_ready), c);
  g_signal_connect (feed, "failed", G_CALLBACK (on_failed), c);
}

static void
collector_clear (Collector *c)
{
  g_ptr_array_unref (c->records);
  g_clear_error (&c->failure);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the default context until *flag (or n records when flag is NULL),
 * a failure, or 20 s. */
static void
run_until_done (gboolean *flag, guint n, Collector *c)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (20000, on_timeout, &timed_out);

  while ((flag ? !*flag : c->records->len < n) && c->failure == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
}

static void
run_until (gboolean *flag, Collector *c)
{
  run_until_done (flag, 0, c);
}

static void
run_until_records (Collector *c, guint n)
{
  run_until_done (NULL, n, c);
  g_assert_no_error (c->failure);
  g_assert_cmpuint (c->records->len, ==, n);
}

/* Runs the context for ms more, to see that nothing else arrives. */
static void
run_for (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, on_timeout, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

static void
create_table (DynamormSession *session, gboolean with_stream)
{
  g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) table = NULL;
  g_autoptr(GError) error = NULL;

  if (with_stream)
    dynamorm_table_options_set_stream (options, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
  table = dynamorm_table_new (session, task_type, options);
  g_assert_true (dynamorm_table_create (table, NULL, &error));
  g_assert_no_error (error);
}

static void
put_task (DynamormSession *session, const char *id, const char *title)
{
  g_autoptr(DynamormModel) task = g_object_new (task_type, "id", id, "title", title, "rank", (gint64) 1, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_session_put (session, task, NULL, &error));
  g_assert_no_error (error);
}

static void
delete_task (DynamormSession *session, const char *id)
{
  g_autoptr(DynamormModel) task = g_object_new (task_type, "id", id, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_session_delete (session, task, NULL, &error));
  g_assert_no_error (error);
}

static void
assert_record (Collector *c, guint i, DynamormStreamEventName event, const char *id, const char *title)
{
  DynamormStreamRecord *record = c->records->pdata[i];
  DynamormModel *image;
  g_autofree char *got_id = NULL, *got_title = NULL;

  g_assert_cmpint (dynamorm_stream_record_get_event_name (record), ==, event);
  image = event == DYNAMORM_STREAM_EVENT_REMOVE ? dynamorm_stream_record_get_old_image (record)
                                                : dynamorm_stream_record_get_new_image (record);
  g_assert_nonnull (image);
  g_object_get (image, "id", &got_id, "title", &got_title, NULL);
  g_assert_cmpstr (got_id, ==, id);
  if (title != NULL)
    g_assert_cmpstr (got_title, ==, title);
}

/* From now: what was written before the feed was ready is not delivered;
 * inserts, modifies and removes after it are, in order. */
static void
test_stream_from_now (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("feed");
  g_autoptr(DynamormChangeFeed) feed = NULL;
  Collector c;

  if (session == NULL)
    return;
  create_table (session, TRUE);
  put_task (session, "old", "before the feed");
  feed = dynamorm_change_feed_new (session, task_type);
  collector_init (&c, feed);
  dynamorm_change_feed_start (feed, NULL);
  g_assert_true (dynamorm_change_feed_is_running (feed));
  run_until (&c.ready, &c);
  g_assert_no_error (c.failure);
  g_assert_cmpint (dynamorm_change_feed_get_source (feed), ==, DYNAMORM_CHANGE_FEED_SOURCE_STREAM);

  put_task (session, "t1", "write docs");
  put_task (session, "t1", "write the docs");
  delete_task (session, "t1");
  run_until_records (&c, 3);
  assert_record (&c, 0, DYNAMORM_STREAM_EVENT_INSERT, "t1", "write docs");
  assert_record (&c, 1, DYNAMORM_STREAM_EVENT_MODIFY, "t1", "write the docs");
  assert_record (&c, 2, DYNAMORM_STREAM_EVENT_REMOVE, "t1", NULL);

  dynamorm_change_feed_stop (feed);
  g_assert_false (dynamorm_change_feed_is_running (feed));
  put_task (session, "t2", "after the stop");
  run_for (300);
  g_assert_cmpuint (c.records->len, ==, 3);
  collector_clear (&c);
}

/* From now is LATEST: the feed is ready once it has an iterator on each
 * open shard, without reading the shard to an empty answer; until a record
 * is delivered the checkpoint says "latest" for the shard, then its
 * sequence number. */
typedef struct
{
  DynamormRequestSpy *spy;
  guint get_records_at_ready;
} ReadyProbe;

static void
on_ready_probe (DynamormChangeFeed *feed, ReadyProbe *probe)
{
  probe->get_records_at_ready = dynamorm_request_spy_count (probe->spy, "DynamoDBStreams_20120810.GetRecords");
}

static void
test_stream_from_now_latest (void)
{
  g_autoptr(DynamormSession) plain = test_session_new ("feedlt");
  g_autoptr(DynamormRequestSpy) spy = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(DynamormChangeFeed) feed = NULL;
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(DynamormSpyCall) call = NULL;
  JsonObject *request;
  ReadyProbe probe = { 0 };
  Collector c;

  if (plain == NULL)
    return;
  spy = dynamorm_request_spy_new (dynamorm_session_get_backend (plain));
  session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (spy));
  dynamorm_session_set_table_prefix (session, dynamorm_session_get_table_prefix (plain));
  create_table (session, TRUE);
  put_task (session, "old1", "before the feed");
  put_task (session, "old2", "before the feed");

  feed = dynamorm_change_feed_new (session, task_type);
  collector_init (&c, feed);
  probe.spy = spy;
  g_signal_connect (feed, "ready", G_CALLBACK (on_ready_probe), &probe);
  dynamorm_change_feed_start (feed, NULL);
  run_until (&c.ready, &c);
  g_assert_no_error (c.failure);
  g_assert_cmpuint (probe.get_records_at_ready, ==, 0);
  call = dynamorm_request_spy_get_last_call (spy, "DynamoDBStreams_20120810.GetShardIterator");
  g_assert_nonnull (call);
  request = json_node_get_object (dynamorm_spy_call_get_request (call));
  g_assert_cmpstr (json_object_get_string_member (request, "ShardIteratorType"), ==, "LATEST");

  before = dynamorm_change_feed_get_checkpoint (feed);
  g_assert_nonnull (before);
  g_assert_nonnull (strstr (before, "\"latest\":true"));
  g_assert_null (strstr (before, "\"sequence\""));

  put_task (session, "t1", "after ready");
  run_until_records (&c, 1);
  assert_record (&c, 0, DYNAMORM_STREAM_EVENT_INSERT, "t1", "after ready");
  after = dynamorm_change_feed_get_checkpoint (feed);
  g_assert_nonnull (strstr (after, "\"sequence\""));
  g_assert_null (strstr (after, "\"latest\""));
  dynamorm_change_feed_stop (feed);
  collector_clear (&c);
}

/* Throttled GetRecords (memory:// faults; DynamoDB Local does not throttle):
 * the feed waits and goes on, delivering every record once and in order,
 * without a failure and without polling in a tight loop while throttled. */
static void
test_stream_throttled (void)
{
  g_autoptr(DynamormSession) plain = test_session_new ("feedth");
  g_autoptr(DynamormRequestSpy) spy = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(DynamormChangeFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  guint before;
  Collector c;

  if (plain == NULL)
    return;
  if (!g_str_equal (test_backend_name, "memory"))
    {
      g_test_skip ("faults are a memory:// feature");
      return;
    }
  spy = dynamorm_request_spy_new (dynamorm_session_get_backend (plain));
  session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (spy));
  dynamorm_session_set_table_prefix (session, dynamorm_session_get_table_prefix (plain));
  create_table (session, TRUE);
  feed = dynamorm_change_feed_new (session, task_type);
  collector_init (&c, feed);
  dynamorm_change_feed_start (feed, NULL);
  run_until (&c.ready, &c);
  g_assert_no_error (c.failure);

  g_assert_true (dynamorm_backend_set_faults (dynamorm_session_get_backend (plain),
                                              "throttle-next:3@GetRecords", NULL, &error));
  g_assert_no_error (error);
  before = dynamorm_request_spy_count (spy, "DynamoDBStreams_20120810.GetRecords");
  put_task (session, "t1", "first");
  put_task (session, "t2", "second");
  run_until_records (&c, 2);
  assert_record (&c, 0, DYNAMORM_STREAM_EVENT_INSERT, "t1", "first");
  assert_record (&c, 1, DYNAMORM_STREAM_EVENT_INSERT, "t2", "second");
  /* three throttled calls, waits of 0.5, 1 and 2 s between them, then the
   * records: a handful of calls, not a spin */
  g_assert_cmpuint (dynamorm_request_spy_count (spy, "DynamoDBStreams_20120810.GetRecords") - before, >=, 4);
  g_assert_cmpuint (dynamorm_request_spy_count (spy, "DynamoDBStreams_20120810.GetRecords") - before, <=, 10);
  run_for (200);
  g_assert_cmpuint (c.records->len, ==, 2);
  g_assert_no_error (c.failure);
  dynamorm_change_feed_stop (feed);
  collector_clear (&c);
}

/* A checkpoint taken after two records, inside the record handler, resumes
 * a new feed after exactly those: the third is delivered once, as are the
 * records written while no feed ran. */
static void
test_stream_checkpoint_resume (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("feedck");
  g_autoptr(DynamormChangeFeed) first = NULL, second = NULL;
  g_autofree char *checkpoint = NULL;
  g_autoptr(GError) error = NULL;
  Collector c1, c2;

  if (session == NULL)
    return;
  create_table (session, TRUE);
  first = dynamorm_change_feed_new (session, task_type);
  collector_init (&c1, first);
  g_assert_null (dynamorm_change_feed_get_checkpoint (first));
  dynamorm_change_feed_start (first, NULL);
  run_until (&c1.ready, &c1);
  c1.stop_after = 2;
  put_task (session, "a", "one");
  put_task (session, "b", "two");
  put_task (session, "c", "three");
  run_until_records (&c1, 2);
  g_assert_false (dynamorm_change_feed_is_running (first));
  checkpoint = dynamorm_change_feed_get_checkpoint (first);
  g_assert_nonnull (checkpoint);

  put_task (session, "d", "four");
  second = dynamorm_change_feed_new (session, task_type);
  collector_init (&c2, second);
  g_assert_true (dynamorm_change_feed_set_checkpoint (second, checkpoint, &error));
  g_assert_no_error (error);
  dynamorm_change_feed_start (second, NULL);
  run_until_records (&c2, 2);
  assert_record (&c2, 0, DYNAMORM_STREAM_EVENT_INSERT, "c", "three");
  assert_record (&c2, 1, DYNAMORM_STREAM_EVENT_INSERT, "d", "four");
  run_for (300);
  g_assert_cmpuint (c2.records->len, ==, 2);

  /* The same feed started again goes on from where it stopped. */
  dynamorm_change_feed_start (first, NULL);
  run_until_records (&c1, 4);
  assert_record (&c1, 2, DYNAMORM_STREAM_EVENT_INSERT, "c", "three");
  assert_record (&c1, 3, DYNAMORM_STREAM_EVENT_INSERT, "d", "four");
  dynamorm_change_feed_stop (first);
  dynamorm_change_feed_stop (second);
  collector_clear (&c1);
  collector_clear (&c2);
}

/* A cancellable given to start stops the feed. */
static void
test_cancellable_stops (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("feedcancel");
  g_autoptr(DynamormChangeFeed) feed = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Collector c;

  if (session == NULL)
    return;
  create_table (session, TRUE);
  feed = dynamorm_change_feed_new (session, task_type);
  collector_init (&c, feed);
  dynamorm_change_feed_start (feed, cancellable);
  run_until (&c.ready, &c);
  g_cancellable_cancel (cancellable);
  run_for (100);
  g_assert_false (dynamorm_change_feed_is_running (feed));
  put_task (session, "x", "unseen");
  run_for (300);
  g_assert_cmpuint (c.records->len, ==, 0);
  g_assert_no_error (c.failure);
  collector_clear (&c);
}

/* Checkpoints that are malformed or of another table are refused at once;
 * one of an earlier stream of the table fails the start. */
static void
test_bad_checkpoints (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("feedbad");
  g_autoptr(DynamormChangeFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *checkpoint = NULL;
  Collector c;

  if (session == NULL)
    return;
  feed = dynamorm_change_feed_new (session, task_type);
  g_assert_false (dynamorm_change_feed_set_checkpoint (feed, "{not json", &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not a change feed checkpoint"));
  g_clear_error (&error);
  g_assert_false (dynamorm_change_feed_set_checkpoint (feed, "{\"dynamorm-change-feed\":1,\"table\":\"x\"}", &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (dynamorm_change_feed_set_checkpoint (
    feed, "{\"dynamorm-change-feed\":1,\"table\":\"elsewhere\",\"stream\":\"s\",\"shards\":[]}", &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“elsewhere”"));
  g_clear_error (&error);

  /* A checkpoint of the table's stream before it was recreated. */
  create_table (session, TRUE);
  collector_init (&c, feed);
  dynamorm_change_feed_start (feed, NULL);
  run_until (&c.ready, &c);
  checkpoint = dynamorm_change_feed_get_checkpoint (feed);
  dynamorm_change_feed_stop (feed);
  {
    g_autoptr(DynamormTable) table = dynamorm_table_new (session, task_type, NULL);
    g_assert_true (dynamorm_table_delete (table, NULL, &error));
    g_assert_no_error (error);
  }
  create_table (session, TRUE);
  g_assert_true (dynamorm_change_feed_set_checkpoint (feed, checkpoint, &error));
  g_assert_no_error (error);
  c.ready = FALSE;
  dynamorm_change_feed_start (feed, NULL);
  run_until (&c.ready, &c);
  g_assert_false (c.ready);
  g_assert_error (c.failure, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (c.failure->message, "without a checkpoint"));
  g_assert_false (dynamorm_change_feed_is_running (feed));
  collector_clear (&c);
}

/* No stream: memory feeds in-process (no checkpoint); DynamoDB Local has no
 * other source and says how to enable the stream. */
static void
test_no_stream (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("feednostream");
  g_autoptr(DynamormChangeFeed) feed = NULL;
  Collector c;

  if (session == NULL)
    return;
  create_table (session, FALSE);
  feed = dynamorm_change_feed_new (session, task_type);
  collector_init (&c, feed);
  dynamorm_change_feed_start (feed, NULL);
  run_until (&c.ready, &c);
  if (g_str_equal (test_backend_name, "local"))
    {
      g_assert_error (c.failure, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_SUPPORTED);
      g_assert_nonnull (strstr (c.failure->message, "set_stream"));
      g_assert_false (dynamorm_change_feed_is_running (feed));
      collector_clear (&c);
      return;
    }
  g_assert_no_error (c.failure);
  g_assert_cmpint (dynamorm_change_feed_get_source (feed), ==, DYNAMORM_CHANGE_FEED_SOURCE_IN_PROCESS);
  g_assert_null (dynamorm_change_feed_get_checkpoint (feed));
  put_task (session, "p", "in process");
  delete_task (session, "p");
  run_until_records (&c, 2);
  assert_record (&c, 0, DYNAMORM_STREAM_EVENT_INSERT, "p", "in process");
  assert_record (&c, 1, DYNAMORM_STREAM_EVENT_REMOVE, "p", NULL);
  dynamorm_change_feed_stop (feed);
  collector_clear (&c);
}

/* A table that does not exist: a failure naming it, not a silent stop. */
static void
test_missing_table (void)
{
  g_autoptr(DynamormSession) session = test_session_new ("feedmissing");
  g_autoptr(DynamormChangeFeed) feed = NULL;
  Collector c;

  if (session == NULL)
    return;
  feed = dynamorm_change_feed_new (session, task_type);
  collector_init (&c, feed);
  dynamorm_change_feed_start (feed, NULL);
  run_until (&c.ready, &c);
  g_assert_error (c.failure, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_assert_false (dynamorm_change_feed_is_running (feed));
  collector_clear (&c);
}

int
main (int argc, char **argv)
{
  test_parse_backend_arg (&argc, argv);
  g_test_init (&argc, &argv, NULL);
  define_models ();

  g_test_add_func ("/change-feed/stream-from-now", test_stream_from_now);
  g_test_add_func ("/change-feed/from-now-latest", test_stream_from_now_latest);
  g_test_add_func ("/change-feed/throttled", test_stream_throttled);
  g_test_add_func ("/change-feed/checkpoint-resume", test_stream_checkpoint_resume);
  g_test_add_func ("/change-feed/cancellable", test_cancellable_stops);
  g_test_add_func ("/change-feed/bad-checkpoints", test_bad_checkpoints);
  g_test_add_func ("/change-feed/no-stream", test_no_stream);
  g_test_add_func ("/change-feed/missing-table", test_missing_table);
  return g_test_run ();
}
