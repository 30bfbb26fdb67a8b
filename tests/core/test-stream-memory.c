/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DynamoDB Streams end to end on the memory backend: what the engine
 * records (through the DynamoDB Streams operations and through the
 * backend's in-process "item-changed" signal) is read back by Dynamorm's
 * stream parser into typed records and models. */
#include <string.h>
#include "test-models.h"

#define STREAMS "DynamoDBStreams_20120810."

static GType note_type;

static void
define_models (void)
{
  static const char *props[] = { "id:s", "text:s", "expires:i", NULL };
  static const char *tags[] = { "id=pk", "text=attr:text", "expires=attr:expires", NULL };
  g_autoptr(GError) error = NULL;

  note_type = test_define_model ("StreamNote", props);
  g_assert_true (dynamorm_model_type_declare (note_type, "stream_notes", tags, &error));
  g_assert_no_error (error);
}

static JsonNode *
invoke (DynamormBackend *backend, const char *operation, const char *json)
{
  g_autoptr(JsonNode) request = json_from_string (json, NULL);
  g_autoptr(GError) error = NULL;
  JsonNode *response = dynamorm_backend_invoke (backend, operation, request, NULL, &error);

  g_assert_no_error (error);
  return response;
}

static const char *
member_string (JsonNode *node, const char *path0, const char *member)
{
  JsonObject *obj = json_node_get_object (node);

  if (path0 != NULL)
    obj = json_object_get_object_member (obj, path0);
  return json_object_get_string_member (obj, member);
}

static DynamormModel *
note_new (const char *id, const char *text, gint64 expires)
{
  return g_object_new (note_type, "id", id, "text", text, "expires", expires, NULL);
}

/* The session's writes: insert, modify, an unchanged write, remove. */
static void
write_notes (DynamormSession *session)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) first = note_new ("n1", "hello", 0);
  g_autoptr(DynamormModel) second = note_new ("n1", "world", 0);

  g_assert_true (dynamorm_session_put (session, first, NULL, &error));
  g_assert_true (dynamorm_session_put (session, second, NULL, &error));
  g_assert_true (dynamorm_session_put (session, second, NULL, &error));
  g_assert_true (dynamorm_session_delete (session, second, NULL, &error));
  g_assert_no_error (error);
}

static void
assert_note_records (GPtrArray *records)
{
  DynamormStreamRecord *insert, *modify, *removal;
  const char *const changed[] = { "text", NULL };
  g_autofree char *changed_text = NULL;

  g_assert_cmpuint (records->len, ==, 3);
  insert = records->pdata[0];
  modify = records->pdata[1];
  removal = records->pdata[2];
  g_assert_cmpint (dynamorm_stream_record_get_event_name (insert), ==, DYNAMORM_STREAM_EVENT_INSERT);
  g_assert_cmpint (dynamorm_stream_record_get_event_name (modify), ==, DYNAMORM_STREAM_EVENT_MODIFY);
  g_assert_cmpint (dynamorm_stream_record_get_event_name (removal), ==, DYNAMORM_STREAM_EVENT_REMOVE);
  g_assert_null (dynamorm_stream_record_get_old_image (insert));
  g_assert_null (dynamorm_stream_record_get_new_image (removal));
  g_assert_cmpstr (dynamorm_stream_record_get_aws_region (insert), ==, "ddblocal");

  {
    g_autofree char *before = NULL, *after = NULL;
    g_object_get (dynamorm_stream_record_get_old_image (modify), "text", &before, NULL);
    g_object_get (dynamorm_stream_record_get_new_image (modify), "text", &after, NULL);
    g_assert_cmpstr (before, ==, "hello");
    g_assert_cmpstr (after, ==, "world");
  }
  changed_text = g_strjoinv (",", (char **) dynamorm_stream_record_get_changed_properties (modify));
  g_assert_cmpstr (changed_text, ==, changed[0]);
  g_assert_cmpstr (dynamorm_stream_record_get_sequence_number (insert), <,
                   dynamorm_stream_record_get_sequence_number (modify));
  g_assert_cmpint (dynamorm_stream_record_get_view_type (insert), ==, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
  g_assert_false (dynamorm_stream_record_is_ttl_deletion (removal));
}

/* The Streams API through the backend: enable the stream, write, read the
 * shard with GetRecords, parse the answer as a whole. */
static void
test_get_records (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", &error);
  DynamormBackend *backend = dynamorm_session_get_backend (session);
  g_autoptr(JsonNode) table = NULL, stream = NULL, iterator = NULL, records_node = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *describe = NULL, *get_iterator = NULL, *get_records = NULL;
  JsonArray *shards;

  g_assert_true (dynamorm_session_create_table (session, note_type, NULL, &error));
  g_assert_no_error (error);
  table = invoke (backend, "UpdateTable",
                  "{\"TableName\":\"stream_notes\",\"StreamSpecification\":"
                  "{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}");
  write_notes (session);

  describe = g_strdup_printf ("{\"StreamArn\":\"%s\"}", member_string (table, "TableDescription", "LatestStreamArn"));
  stream = invoke (backend, STREAMS "DescribeStream", describe);
  shards = json_object_get_array_member (json_object_get_object_member (json_node_get_object (stream), "StreamDescription"),
                                         "Shards");
  get_iterator = g_strdup_printf ("{\"StreamArn\":\"%s\",\"ShardId\":\"%s\",\"ShardIteratorType\":\"TRIM_HORIZON\"}",
                                  member_string (table, "TableDescription", "LatestStreamArn"),
                                  json_object_get_string_member (json_array_get_object_element (shards, 0), "ShardId"));
  iterator = invoke (backend, STREAMS "GetShardIterator", get_iterator);
  get_records = g_strdup_printf ("{\"ShardIterator\":\"%s\"}", member_string (iterator, NULL, "ShardIterator"));
  records_node = invoke (backend, STREAMS "GetRecords", get_records);

  records = dynamorm_stream_parse_event_node (records_node, note_type, &error);
  g_assert_no_error (error);
  assert_note_records (records);
}

static void
collect_record (DynamormBackend *backend, const char *table_name, JsonNode *record, gpointer data)
{
  /* On the writing thread, engine locked: only keep the record. */
  g_assert_cmpstr (table_name, ==, "stream_notes");
  g_ptr_array_add (data, json_node_copy (record));
}

static GPtrArray *
parse_collected (GPtrArray *nodes)
{
  GPtrArray *records = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < nodes->len; i++)
    {
      g_autoptr(GError) error = NULL;
      DynamormStreamRecord *record = dynamorm_stream_record_new_from_node (nodes->pdata[i], note_type, &error);
      g_assert_no_error (error);
      g_ptr_array_add (records, record);
    }
  return records;
}

/* The in-process change stream: no StreamSpecification needed. */
static void
test_item_changed_signal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", &error);
  DynamormBackend *backend = dynamorm_session_get_backend (session);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr(GPtrArray) records = NULL;
  gulong handler;

  g_assert_true (dynamorm_session_create_table (session, note_type, NULL, &error));
  handler = g_signal_connect (backend, "item-changed", G_CALLBACK (collect_record), nodes);
  write_notes (session);
  records = parse_collected (nodes);
  assert_note_records (records);
  g_signal_handler_disconnect (backend, handler);
}

/* A TTL deletion arrives marked as the service's. */
static void
test_ttl_deletion (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://?ttl_sweep=0", &error);
  DynamormBackend *backend = dynamorm_session_get_backend (session);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(DynamormModel) note = note_new ("old", "bye", g_get_real_time () / G_USEC_PER_SEC - 60);
  g_autoptr(JsonNode) ttl = NULL, swept = NULL;
  DynamormStreamRecord *removal;

  g_assert_true (dynamorm_session_create_table (session, note_type, NULL, &error));
  ttl = invoke (backend, "UpdateTimeToLive",
                "{\"TableName\":\"stream_notes\",\"TimeToLiveSpecification\":{\"AttributeName\":\"expires\",\"Enabled\":true}}");
  g_assert_true (dynamorm_session_put (session, note, NULL, &error));
  g_signal_connect (backend, "item-changed", G_CALLBACK (collect_record), nodes);
  swept = invoke (backend, "DynamormSweepExpiredItems", "{}");
  records = parse_collected (nodes);
  g_assert_cmpuint (records->len, ==, 1);
  removal = records->pdata[0];
  g_assert_cmpint (dynamorm_stream_record_get_event_name (removal), ==, DYNAMORM_STREAM_EVENT_REMOVE);
  g_assert_true (dynamorm_stream_record_is_ttl_deletion (removal));
  g_assert_cmpstr (dynamorm_stream_record_get_user_identity_principal (removal), ==, "dynamodb.amazonaws.com");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  define_models ();
  g_test_add_func ("/dynamorm/stream-memory/get-records", test_get_records);
  g_test_add_func ("/dynamorm/stream-memory/item-changed-signal", test_item_changed_signal);
  g_test_add_func ("/dynamorm/stream-memory/ttl-deletion", test_ttl_deletion);
  return g_test_run ();
}
