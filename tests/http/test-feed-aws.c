/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A change feed on aws:// against two fake servers on 127.0.0.1, one for
 * DynamoDB and one for the Streams API: the Streams calls go to the streams
 * endpoint, signed for "dynamodb" in the region; from now is LATEST; an
 * empty GetRecords answer with a next iterator is not the end of a shard,
 * one without is; a shard that split is read before its two children. */
#include <string.h>

#include "fake-server.h"
#include "test-utils.h"
#include "../core/test-models.h"

#define ARN "arn:aws:dynamodb:eu-west-1:123456789012:table/aws_feed_tasks/stream/2026-12-04T00:00:00.000"

static GType task_type;

/* The stream as the fake Streams API serves it; read and written in the
 * server thread only, except `closed` and the counters (atomic). */
typedef struct {
  int parent_closed;        /* the parent's end was read: list the children */
  int latest_asked;         /* GetShardIterator LATEST on the parent */
  int trim_horizon_asked;   /* ... TRIM_HORIZON on a child */
} Stream;

static char *
record_json (const char *id, const char *sequence)
{
  return g_strdup_printf ("{\"eventID\":\"e%s\",\"eventName\":\"INSERT\",\"eventVersion\":\"1.1\","
                          "\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"eu-west-1\","
                          "\"eventSourceARN\":\"" ARN "\",\"dynamodb\":{"
                          "\"ApproximateCreationDateTime\":1796342400,"
                          "\"Keys\":{\"id\":{\"S\":\"%s\"}},"
                          "\"NewImage\":{\"id\":{\"S\":\"%s\"},\"title\":{\"S\":\"t %s\"}},"
                          "\"SequenceNumber\":\"%s\",\"SizeBytes\":20,"
                          "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}",
                          sequence, id, id, id, sequence);
}

static void
respond_records (SoupServerMessage *msg, const char *record, const char *next)
{
  g_autofree char *next_member = next ? g_strdup_printf (",\"NextShardIterator\":\"%s\"", next) : g_strdup ("");
  g_autofree char *json = g_strdup_printf ("{\"Records\":[%s]%s}", record ? record : "", next_member);

  fake_respond_json (msg, 200, json, FALSE);
}

static const char *
request_string (SoupServerMessage *msg, const char *member, char **owned)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(JsonNode) node = json_from_string (g_bytes_get_data (bytes, NULL), NULL);

  *owned = node ? g_strdup (json_object_get_string_member_with_default (json_node_get_object (node), member, NULL))
                : NULL;
  return *owned;
}

static void
describe_stream (SoupServerMessage *msg, Stream *stream)
{
  if (!g_atomic_int_get (&stream->parent_closed))
    fake_respond_json (msg, 200,
                       "{\"StreamDescription\":{\"StreamArn\":\"" ARN "\",\"StreamStatus\":\"ENABLED\","
                       "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\",\"TableName\":\"aws_feed_tasks\","
                       "\"Shards\":[{\"ShardId\":\"shardId-A\",\"SequenceNumberRange\":"
                       "{\"StartingSequenceNumber\":\"100\"}}]}}", FALSE);
  else
    fake_respond_json (msg, 200,
                       "{\"StreamDescription\":{\"StreamArn\":\"" ARN "\",\"StreamStatus\":\"ENABLED\","
                       "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\",\"TableName\":\"aws_feed_tasks\","
                       "\"Shards\":[{\"ShardId\":\"shardId-A\",\"SequenceNumberRange\":"
                       "{\"StartingSequenceNumber\":\"100\",\"EndingSequenceNumber\":\"150\"}},"
                       "{\"ShardId\":\"shardId-B\",\"ParentShardId\":\"shardId-A\",\"SequenceNumberRange\":"
                       "{\"StartingSequenceNumber\":\"200\"}},"
                       "{\"ShardId\":\"shardId-C\",\"ParentShardId\":\"shardId-A\",\"SequenceNumberRange\":"
                       "{\"StartingSequenceNumber\":\"300\"}}]}}", FALSE);
}

static void
get_shard_iterator (SoupServerMessage *msg, Stream *stream)
{
  g_autofree char *shard = NULL, *type = NULL;
  g_autofree char *json = NULL;

  request_string (msg, "ShardId", &shard);
  request_string (msg, "ShardIteratorType", &type);
  if (g_strcmp0 (shard, "shardId-A") == 0 && g_strcmp0 (type, "LATEST") == 0)
    g_atomic_int_inc (&stream->latest_asked);
  else if (g_strcmp0 (type, "TRIM_HORIZON") == 0)
    g_atomic_int_inc (&stream->trim_horizon_asked);
  json = g_strdup_printf ("{\"ShardIterator\":\"%s/0\"}", shard);
  fake_respond_json (msg, 200, json, FALSE);
}

static void
get_records (SoupServerMessage *msg, Stream *stream)
{
  g_autofree char *iterator = NULL;
  g_autofree char *record = NULL;

  request_string (msg, "ShardIterator", &iterator);
  /* The parent: empty (more to come), a record, empty (more to come), then
   * its end. */
  if (g_strcmp0 (iterator, "shardId-A/0") == 0)
    respond_records (msg, NULL, "shardId-A/1");
  else if (g_strcmp0 (iterator, "shardId-A/1") == 0)
    respond_records (msg, record = record_json ("a1", "120"), "shardId-A/2");
  else if (g_strcmp0 (iterator, "shardId-A/2") == 0)
    respond_records (msg, NULL, "shardId-A/3");
  else if (g_strcmp0 (iterator, "shardId-A/3") == 0)
    {
      g_atomic_int_set (&stream->parent_closed, 1);
      respond_records (msg, NULL, NULL);
    }
  /* The children: one record each, then open and empty. */
  else if (g_strcmp0 (iterator, "shardId-B/0") == 0)
    respond_records (msg, record = record_json ("b1", "210"), "shardId-B/1");
  else if (g_strcmp0 (iterator, "shardId-C/0") == 0)
    respond_records (msg, record = record_json ("c1", "310"), "shardId-C/1");
  else if (iterator != NULL && g_str_has_suffix (iterator, "/1"))
    respond_records (msg, NULL, iterator);
  else
    fake_respond_error (msg, 400, "ValidationException", "Invalid ShardIterator");
}

static void
streams_handler (FakeServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 guint              index,
                 gpointer           user_data)
{
  Stream *stream = user_data;
  const char *target = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "X-Amz-Target");

  if (g_strcmp0 (target, "DynamoDBStreams_20120810.DescribeStream") == 0)
    describe_stream (msg, stream);
  else if (g_strcmp0 (target, "DynamoDBStreams_20120810.GetShardIterator") == 0)
    get_shard_iterator (msg, stream);
  else if (g_strcmp0 (target, "DynamoDBStreams_20120810.GetRecords") == 0)
    get_records (msg, stream);
  else
    fake_respond_error (msg, 400, "UnknownOperationException", "not a Streams operation");
}

static void
dynamodb_handler (FakeServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  guint              index,
                  gpointer           user_data)
{
  const char *target = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "X-Amz-Target");

  if (g_strcmp0 (target, "DynamoDB_20120810.DescribeTable") == 0)
    fake_respond_json (msg, 200,
                       "{\"Table\":{\"TableName\":\"aws_feed_tasks\",\"TableStatus\":\"ACTIVE\","
                       "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
                       "\"LatestStreamArn\":\"" ARN "\"}}", FALSE);
  else
    fake_respond_error (msg, 400, "ValidationException", "not served by this fake");
}

typedef struct {
  GPtrArray *ids;
  gboolean ready;
  GError *failure;
} Seen;

static void
on_record (DynamormChangeFeed *feed, DynamormStreamRecord *record, Seen *seen)
{
  char *id = NULL;

  g_object_get (dynamorm_stream_record_get_new_image (record), "id", &id, NULL);
  g_ptr_array_add (seen->ids, id);
}

static void
on_ready (DynamormChangeFeed *feed, Seen *seen)
{
  seen->ready = TRUE;
  /* Ready from LATEST, before any GetRecords. */
  g_assert_cmpuint (seen->ids->len, ==, 0);
}

static void
on_failed (DynamormChangeFeed *feed, GError *error, Seen *seen)
{
  g_clear_error (&seen->failure);
  seen->failure = g_error_copy (error);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
assert_signed_for_streams (FakeServer *streams)
{
  g_autofree char *host = g_strdup (fake_server_get_url (streams) + strlen ("http://"));

  for (guint i = 0; i < fake_server_count (streams); i++)
    {
      g_autoptr(FakeRequest) seen = fake_server_get_request (streams, i);

      g_assert_true (g_str_has_prefix (g_hash_table_lookup (seen->headers, "x-amz-target"),
                                       "DynamoDBStreams_20120810."));
      g_assert_cmpstr (g_hash_table_lookup (seen->headers, "host"), ==, host);
      g_assert_nonnull (strstr (g_hash_table_lookup (seen->headers, "authorization"),
                                "/eu-west-1/dynamodb/aws4_request, "));
    }
}

static void
test_feed_on_aws (void)
{
  Stream stream = { 0 };
  FakeServer *dynamodb = fake_server_new (dynamodb_handler, NULL);
  FakeServer *streams = fake_server_new (streams_handler, &stream);
  g_autoptr(DynamormCredentials) credentials =
    dynamorm_credentials_new ("AKIDDYNAMORMTEST", "dynamorm-test-secret-not-real", NULL, NULL);
  g_autofree char *uri = g_strdup_printf ("aws://eu-west-1?endpoint=%s&streams_endpoint=%s",
                                          fake_server_get_url (dynamodb), fake_server_get_url (streams));
  g_autoptr(DynamormBackend) backend = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(DynamormChangeFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *checkpoint = NULL;
  Seen seen = { g_ptr_array_new_with_free_func (g_free), FALSE, NULL };
  gboolean timed_out = FALSE;
  guint timeout;

  test_clear_aws_env ();
  backend = test_backend_new (uri, NULL, credentials, &error);
  g_assert_no_error (error);
  session = dynamorm_session_new_for_backend (backend);
  feed = dynamorm_change_feed_new (session, task_type);
  g_signal_connect (feed, "record", G_CALLBACK (on_record), &seen);
  g_signal_connect (feed, "ready", G_CALLBACK (on_ready), &seen);
  g_signal_connect (feed, "failed", G_CALLBACK (on_failed), &seen);
  dynamorm_change_feed_start (feed, NULL);

  timeout = g_timeout_add (20000, on_timeout, &timed_out);
  while (seen.ids->len < 3 && seen.failure == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_no_error (seen.failure);
  g_assert_false (timed_out);
  g_assert_true (seen.ready);

  /* The parent's record first, past the empty answers; then its children's,
   * each read from its start. */
  g_assert_cmpuint (seen.ids->len, ==, 3);
  g_assert_cmpstr (seen.ids->pdata[0], ==, "a1");
  g_assert_true ((g_str_equal (seen.ids->pdata[1], "b1") && g_str_equal (seen.ids->pdata[2], "c1")) ||
                 (g_str_equal (seen.ids->pdata[1], "c1") && g_str_equal (seen.ids->pdata[2], "b1")));
  g_assert_cmpint (g_atomic_int_get (&stream.latest_asked), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&stream.trim_horizon_asked), ==, 2);

  checkpoint = dynamorm_change_feed_get_checkpoint (feed);
  g_test_message ("checkpoint: %s", checkpoint);
  g_assert_nonnull (strstr (checkpoint, "\"id\":\"shardId-A\",\"sequence\":\"120\",\"done\":true"));
  g_assert_nonnull (strstr (checkpoint, "\"sequence\":\"210\",\"done\":false"));
  g_assert_nonnull (strstr (checkpoint, "\"sequence\":\"310\",\"done\":false"));
  dynamorm_change_feed_stop (feed);

  /* DynamoDB saw only DescribeTable; every Streams call went to the streams
   * endpoint, signed for dynamodb in eu-west-1. */
  g_assert_cmpuint (fake_server_count (dynamodb), ==, 1);
  g_assert_cmpuint (fake_server_count (streams), >, 6);
  assert_signed_for_streams (streams);

  g_ptr_array_unref (seen.ids);
  g_clear_object (&feed);
  g_clear_object (&session);
  g_clear_object (&backend);
  fake_server_free (streams);
  fake_server_free (dynamodb);
}

int
main (int    argc,
      char **argv)
{
  static const char *props[] = { "id:s", "title:s", NULL };
  static const char *tags[] = { "id=pk", NULL };
  g_autoptr(GError) error = NULL;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_clear_aws_env ();
  task_type = test_define_model ("AwsFeedTask", props);
  g_assert_true (dynamorm_model_type_declare (task_type, "aws_feed_tasks", tags, &error));
  g_assert_no_error (error);

  g_test_add_func ("/dynamorm/http/feed-on-aws", test_feed_on_aws);
  return g_test_run ();
}
