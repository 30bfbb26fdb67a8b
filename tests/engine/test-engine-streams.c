/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DynamoDB Streams in the engine: StreamSpecification, the four stream
 * operations, the records every kind of write leaves (as DynamoDB Local
 * writes them), TTL deletions, and the in-process change listeners. */
#include "config.h"

#include <math.h>
#include <glib/gstdio.h>
#include "engine-test-util.h"
#include "ddb-persist.h"

static JsonObject *
streams_ok (DdbEngine *engine, const char *op, const char *text)
{
  g_autoptr(JsonNode) request = engine_parse (text);
  guint status = 0;
  g_autoptr(JsonNode) node = ddb_engine_handle_streams (engine, op, request, &status);

  if (status != 200)
    {
      g_autofree char *body = engine_node_text (node);
      g_error ("%s %s failed: %u %s", op, text, status, body);
    }
  return json_object_ref (json_node_get_object (node));
}

static void
streams_fail (DdbEngine *engine, const char *op, JsonNode *request, const char *type, const char *message)
{
  guint status = 0;
  g_autoptr(JsonNode) node = ddb_engine_handle_streams (engine, op, request, &status);
  JsonObject *body = json_node_get_object (node);

  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (strchr (json_object_get_string_member (body, "__type"), '#') + 1, ==, type);
  /* The streams service spells it "Message". */
  if (message != NULL)
    g_assert_cmpstr (json_object_get_string_member (body, "Message"), ==, message);
}

#define STREAMS_FAIL(e, op, text, type, msg) G_STMT_START { \
    g_autoptr(JsonNode) _req = engine_parse (text); \
    streams_fail ((e), (op), _req, (type), (msg)); \
  } G_STMT_END

static gint64
fixed_clock (gpointer data)
{
  return *(gint64 *) data;
}

static void
create_table (DdbEngine *engine, const char *name, const char *view_type)
{
  g_autofree char *req = g_strdup_printf (
    "{'TableName':'%s','AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}],"
    "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],'BillingMode':'PAY_PER_REQUEST'%s%s%s}",
    name, view_type ? ",'StreamSpecification':{'StreamEnabled':true,'StreamViewType':'" : "",
    view_type ? view_type : "", view_type ? "'}" : "");
  ENGINE_OK (engine, "CreateTable", req);
}

static char *
stream_arn (DdbEngine *engine, const char *table)
{
  g_autofree char *req = g_strdup_printf ("{'TableName':'%s'}", table);
  g_autoptr(JsonObject) d = engine_ok (engine, "DescribeTable", req);

  return g_strdup (json_object_get_string_member (json_object_get_object_member (d, "Table"), "LatestStreamArn"));
}

static char *
shard_of (DdbEngine *engine, const char *arn)
{
  g_autofree char *req = g_strdup_printf ("{'StreamArn':'%s'}", arn);
  g_autoptr(JsonObject) d = streams_ok (engine, "DescribeStream", req);
  JsonArray *shards = json_object_get_array_member (json_object_get_object_member (d, "StreamDescription"), "Shards");

  return g_strdup (json_object_get_string_member (json_array_get_object_element (shards, 0), "ShardId"));
}

static char *
iterator (DdbEngine *engine, const char *arn, const char *type, const char *sequence)
{
  g_autofree char *shard = shard_of (engine, arn);
  g_autofree char *seq = sequence ? g_strdup_printf (",'SequenceNumber':'%s'", sequence) : g_strdup ("");
  g_autofree char *req = g_strdup_printf ("{'StreamArn':'%s','ShardId':'%s','ShardIteratorType':'%s'%s}",
                                          arn, shard, type, seq);
  g_autoptr(JsonObject) r = streams_ok (engine, "GetShardIterator", req);

  return g_strdup (json_object_get_string_member (r, "ShardIterator"));
}

/* GetRecords from it; returns the response. */
static JsonObject *
records_from (DdbEngine *engine, const char *it, int limit)
{
  g_autofree char *req = limit > 0 ? g_strdup_printf ("{'ShardIterator':'%s','Limit':%d}", it, limit)
                                   : g_strdup_printf ("{'ShardIterator':'%s'}", it);
  return streams_ok (engine, "GetRecords", req);
}

static JsonArray *
records (JsonObject *resp)
{
  return json_object_get_array_member (resp, "Records");
}

static JsonObject *
record_body (JsonArray *recs, guint i)
{
  return json_object_get_object_member (json_array_get_object_element (recs, i), "dynamodb");
}

static const char *
record_event (JsonArray *recs, guint i)
{
  return json_object_get_string_member (json_array_get_object_element (recs, i), "eventName");
}

static void
test_specification (void)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autoptr(JsonObject) d = NULL;
  g_autofree char *arn = NULL;
  JsonObject *table;

  create_table (engine, "Plain", NULL);
  d = engine_ok (engine, "DescribeTable", "{'TableName':'Plain'}");
  g_assert_false (json_object_has_member (json_object_get_object_member (d, "Table"), "LatestStreamArn"));
  g_clear_pointer (&d, json_object_unref);

  ENGINE_FAIL (engine, "UpdateTable", "{'TableName':'Plain','StreamSpecification':{'StreamEnabled':false}}",
               "ValidationException", "Table already has a disabled stream: Plain");
  ENGINE_FAIL (engine, "UpdateTable", "{'TableName':'Plain','StreamSpecification':{'StreamEnabled':true}}",
               "ValidationException",
               "One or more parameter values were invalid: You must specify a StreamViewType when enabling a stream");
  ENGINE_OK (engine, "UpdateTable",
             "{'TableName':'Plain','StreamSpecification':{'StreamEnabled':true,'StreamViewType':'KEYS_ONLY'}}");
  d = engine_ok (engine, "DescribeTable", "{'TableName':'Plain'}");
  table = json_object_get_object_member (d, "Table");
  ASSERT_MEMBER (table, "StreamSpecification", "{'StreamEnabled':true,'StreamViewType':'KEYS_ONLY'}");
  arn = g_strdup (json_object_get_string_member (table, "LatestStreamArn"));
  g_assert_true (g_str_has_prefix (arn, "arn:aws:dynamodb:ddblocal:000000000000:table/Plain/stream/"));
  g_assert_true (g_str_has_suffix (arn, json_object_get_string_member (table, "LatestStreamLabel")));
  g_clear_pointer (&d, json_object_unref);

  /* Disabled: no StreamSpecification, the latest stream still named. */
  ENGINE_OK (engine, "UpdateTable", "{'TableName':'Plain','StreamSpecification':{'StreamEnabled':false}}");
  d = engine_ok (engine, "DescribeTable", "{'TableName':'Plain'}");
  table = json_object_get_object_member (d, "Table");
  g_assert_false (json_object_has_member (table, "StreamSpecification"));
  g_assert_cmpstr (json_object_get_string_member (table, "LatestStreamArn"), ==, arn);
}

static void
test_records_of_every_write (void)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autofree char *arn = NULL, *it = NULL;
  g_autoptr(JsonObject) resp = NULL;
  JsonArray *recs;
  const char *expected[] = { "INSERT", "MODIFY", "MODIFY", "REMOVE", "INSERT", "INSERT", "REMOVE", "INSERT", "MODIFY" };
  g_autofree char *previous = g_strdup ("");

  create_table (engine, "Events", "NEW_AND_OLD_IMAGES");
  arn = stream_arn (engine, "Events");
  it = iterator (engine, arn, "TRIM_HORIZON", NULL);

  ENGINE_OK (engine, "PutItem", "{'TableName':'Events','Item':{'pk':{'S':'a'},'v':{'N':'1'}}}");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Events','Item':{'pk':{'S':'a'},'v':{'N':'2'}}}");
  /* The same item again is no change: no record, as DynamoDB writes none. */
  ENGINE_OK (engine, "PutItem", "{'TableName':'Events','Item':{'v':{'N':'2.0'},'pk':{'S':'a'}}}");
  ENGINE_OK (engine, "UpdateItem", "{'TableName':'Events','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET w = :w',"
                                   "'ExpressionAttributeValues':{':w':{'S':'x'}}}");
  ENGINE_OK (engine, "DeleteItem", "{'TableName':'Events','Key':{'pk':{'S':'a'}}}");
  ENGINE_OK (engine, "DeleteItem", "{'TableName':'Events','Key':{'pk':{'S':'none'}}}");
  ENGINE_OK (engine, "BatchWriteItem", "{'RequestItems':{'Events':[{'PutRequest':{'Item':{'pk':{'S':'b'}}}},"
                                       "{'PutRequest':{'Item':{'pk':{'S':'c'}}}}]}}");
  ENGINE_OK (engine, "TransactWriteItems", "{'TransactItems':[{'Delete':{'TableName':'Events','Key':{'pk':{'S':'b'}}}},"
                                           "{'Put':{'TableName':'Events','Item':{'pk':{'S':'d'}}}},"
                                           "{'Update':{'TableName':'Events','Key':{'pk':{'S':'c'}},"
                                           "'UpdateExpression':'SET n = :n','ExpressionAttributeValues':{':n':{'N':'5'}}}}]}");
  /* A cancelled transaction writes nothing. */
  ENGINE_FAIL (engine, "TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'Events','Item':{'pk':{'S':'e'}}}},"
                                             "{'ConditionCheck':{'TableName':'Events','Key':{'pk':{'S':'zz'}},"
                                             "'ConditionExpression':'attribute_exists(pk)'}}]}",
               "TransactionCanceledException", NULL);

  resp = records_from (engine, it, 0);
  recs = records (resp);
  g_assert_cmpuint (json_array_get_length (recs), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *rec = json_array_get_object_element (recs, i);
      JsonObject *body = record_body (recs, i);
      const char *seq = json_object_get_string_member (body, "SequenceNumber");

      g_assert_cmpstr (record_event (recs, i), ==, expected[i]);
      g_assert_cmpstr (json_object_get_string_member (rec, "eventVersion"), ==, "1.1");
      g_assert_cmpstr (json_object_get_string_member (rec, "eventSource"), ==, "aws:dynamodb");
      g_assert_cmpstr (json_object_get_string_member (rec, "awsRegion"), ==, "ddblocal");
      g_assert_cmpuint (strlen (json_object_get_string_member (rec, "eventID")), ==, 36);
      g_assert_false (json_object_has_member (rec, "userIdentity"));
      g_assert_cmpuint (strlen (seq), ==, 21);
      g_assert_cmpstr (seq, >, previous);
      g_free (previous);
      previous = g_strdup (seq);
      g_assert_cmpstr (json_object_get_string_member (body, "StreamViewType"), ==, "NEW_AND_OLD_IMAGES");
      g_assert_cmpint (json_object_get_int_member (body, "SizeBytes"), >, 0);
      g_assert_true (json_object_has_member (body, "NewImage") == !g_str_equal (expected[i], "REMOVE"));
      g_assert_true (json_object_has_member (body, "OldImage") == !g_str_equal (expected[i], "INSERT"));
    }
  /* The first two as DynamoDB Local writes them (SizeBytes: the key once,
   * plus each image). */
  ASSERT_MEMBER (record_body (recs, 0), "Keys", "{'pk':{'S':'a'}}");
  ASSERT_MEMBER (record_body (recs, 0), "NewImage", "{'pk':{'S':'a'},'v':{'N':'1'}}");
  g_assert_cmpint (json_object_get_int_member (record_body (recs, 0), "SizeBytes"), ==, 9);
  ASSERT_MEMBER (record_body (recs, 1), "OldImage", "{'pk':{'S':'a'},'v':{'N':'1'}}");
  g_assert_cmpint (json_object_get_int_member (record_body (recs, 1), "SizeBytes"), ==, 15);
  ASSERT_MEMBER (record_body (recs, 8), "NewImage", "{'n':{'N':'5'},'pk':{'S':'c'}}");
  /* Whole minutes, as the service gives them. */
  g_assert_cmpfloat (fmod (json_object_get_double_member (record_body (recs, 0), "ApproximateCreationDateTime"), 60.0), ==, 0.0);
  g_assert_true (json_object_has_member (resp, "NextShardIterator"));
}

static void
test_view_types (void)
{
  static const char *const views[] = { "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES" };
  g_autoptr(DdbEngine) engine = ddb_engine_new ();

  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_autofree char *name = g_strdup_printf ("View%u", v);
      g_autofree char *put1 = g_strdup_printf ("{'TableName':'%s','Item':{'pk':{'S':'k'},'x':{'S':'hello'}}}", name);
      g_autofree char *put2 = g_strdup_printf ("{'TableName':'%s','Item':{'pk':{'S':'k'},'x':{'S':'world'}}}", name);
      g_autofree char *arn = NULL, *it = NULL;
      g_autoptr(JsonObject) resp = NULL;
      JsonObject *modify;
      gboolean has_new = v == 1 || v == 3, has_old = v == 2 || v == 3;
      gint64 size = 3;  /* the key pk=k */

      create_table (engine, name, views[v]);
      arn = stream_arn (engine, name);
      ENGINE_OK (engine, "PutItem", put1);
      ENGINE_OK (engine, "PutItem", put2);
      it = iterator (engine, arn, "TRIM_HORIZON", NULL);
      resp = records_from (engine, it, 0);
      modify = record_body (records (resp), 1);
      g_assert_cmpstr (json_object_get_string_member (modify, "StreamViewType"), ==, views[v]);
      ASSERT_MEMBER (modify, "Keys", "{'pk':{'S':'k'}}");
      g_assert_true (json_object_has_member (modify, "NewImage") == has_new);
      g_assert_true (json_object_has_member (modify, "OldImage") == has_old);
      if (has_new)
        ASSERT_MEMBER (modify, "NewImage", "{'pk':{'S':'k'},'x':{'S':'world'}}");
      if (has_old)
        ASSERT_MEMBER (modify, "OldImage", "{'pk':{'S':'k'},'x':{'S':'hello'}}");
      size += (has_new ? 9 : 0) + (has_old ? 9 : 0);
      g_assert_cmpint (json_object_get_int_member (modify, "SizeBytes"), ==, size);
    }
}

static void
test_iterators (void)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autofree char *arn = NULL, *latest = NULL, *at = NULL, *after = NULL, *second = NULL, *next = NULL;
  g_autoptr(JsonObject) all = NULL, page = NULL, rest = NULL, r = NULL;
  JsonArray *recs;

  create_table (engine, "Iter", "KEYS_ONLY");
  arn = stream_arn (engine, "Iter");
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *put = g_strdup_printf ("{'TableName':'Iter','Item':{'pk':{'S':'k%d'}}}", i);
      ENGINE_OK (engine, "PutItem", put);
    }
  latest = iterator (engine, arn, "LATEST", NULL);
  {
    g_autofree char *th = iterator (engine, arn, "TRIM_HORIZON", NULL);
    all = records_from (engine, th, 0);
  }
  recs = records (all);
  g_assert_cmpuint (json_array_get_length (recs), ==, 5);
  second = g_strdup (json_object_get_string_member (record_body (recs, 1), "SequenceNumber"));
  at = iterator (engine, arn, "AT_SEQUENCE_NUMBER", second);
  after = iterator (engine, arn, "AFTER_SEQUENCE_NUMBER", second);

  /* Paging with Limit and NextShardIterator. */
  page = records_from (engine, at, 2);
  g_assert_cmpuint (json_array_get_length (records (page)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (record_body (records (page), 0), "SequenceNumber"), ==, second);
  next = g_strdup (json_object_get_string_member (page, "NextShardIterator"));
  rest = records_from (engine, next, 0);
  g_assert_cmpuint (json_array_get_length (records (rest)), ==, 2);
  g_clear_pointer (&page, json_object_unref);
  page = records_from (engine, after, 1);
  ASSERT_MEMBER (record_body (records (page), 0), "Keys", "{'pk':{'S':'k2'}}");

  /* LATEST sees only what comes after it. */
  g_clear_pointer (&page, json_object_unref);
  page = records_from (engine, latest, 0);
  g_assert_cmpuint (json_array_get_length (records (page)), ==, 0);
  ENGINE_OK (engine, "PutItem", "{'TableName':'Iter','Item':{'pk':{'S':'late'}}}");
  g_clear_pointer (&page, json_object_unref);
  page = records_from (engine, latest, 0);
  g_assert_cmpuint (json_array_get_length (records (page)), ==, 1);

  /* Closing the stream ends the shard: read to its end, no next iterator. */
  ENGINE_OK (engine, "UpdateTable", "{'TableName':'Iter','StreamSpecification':{'StreamEnabled':false}}");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Iter','Item':{'pk':{'S':'unrecorded'}}}");
  g_clear_pointer (&page, json_object_unref);
  page = records_from (engine, latest, 0);
  g_assert_cmpuint (json_array_get_length (records (page)), ==, 1);
  g_assert_false (json_object_has_member (page, "NextShardIterator"));
  {
    g_autofree char *req = g_strdup_printf ("{'StreamArn':'%s'}", arn);
    g_autoptr(JsonObject) d = streams_ok (engine, "DescribeStream", req);
    JsonObject *sd = json_object_get_object_member (d, "StreamDescription");
    JsonObject *range = json_object_get_object_member (json_array_get_object_element (json_object_get_array_member (sd, "Shards"), 0),
                                                       "SequenceNumberRange");
    g_assert_cmpstr (json_object_get_string_member (sd, "StreamStatus"), ==, "DISABLED");
    g_assert_cmpstr (json_object_get_string_member (sd, "TableName"), ==, "Iter");
    g_assert_true (json_object_has_member (range, "EndingSequenceNumber"));
  }

  /* A new stream after re-enabling; both listed, newest first. */
  ENGINE_OK (engine, "UpdateTable", "{'TableName':'Iter','StreamSpecification':{'StreamEnabled':true,'StreamViewType':'NEW_IMAGE'}}");
  r = streams_ok (engine, "ListStreams", "{'TableName':'Iter'}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "Streams")), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (r, "Streams"), 1),
                                                  "StreamArn"), ==, arn);
  g_clear_pointer (&r, json_object_unref);
  r = streams_ok (engine, "ListStreams", "{'Limit':1}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "Streams")), ==, 1);
  g_assert_true (json_object_has_member (r, "LastEvaluatedStreamArn"));
}

static void
test_errors (void)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autofree char *arn = NULL, *shard = NULL, *req = NULL;

  create_table (engine, "Errs", "KEYS_ONLY");
  arn = stream_arn (engine, "Errs");
  shard = shard_of (engine, arn);

  /* Messages as DynamoDB Local answers them. */
  STREAMS_FAIL (engine, "DescribeStream", "{}", "ValidationException", "Invalid StreamArn");
  STREAMS_FAIL (engine, "DescribeStream", "{'StreamArn':'bad'}", "ResourceNotFoundException",
                "Requested resource not found: Stream: bad not found");
  STREAMS_FAIL (engine, "ListStreams", "{'Limit':101}", "ValidationException",
                "One or more parameter values were invalid: Limit cannot be greater than the maximum allowed size: 100");
  STREAMS_FAIL (engine, "ListStreams", "{'Limit':0}", "ValidationException",
                "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
  req = g_strdup_printf ("{'StreamArn':'%s','ShardIteratorType':'LATEST'}", arn);
  STREAMS_FAIL (engine, "GetShardIterator", req, "ValidationException", "No ShardId specified.");
  g_free (req);
  req = g_strdup_printf ("{'StreamArn':'%s','ShardId':'shardId-1','ShardIteratorType':'LATEST'}", arn);
  STREAMS_FAIL (engine, "GetShardIterator", req, "ResourceNotFoundException", "Shard does not exist");
  g_free (req);
  req = g_strdup_printf ("{'StreamArn':'%sx','ShardId':'%s','ShardIteratorType':'LATEST'}", arn, shard);
  STREAMS_FAIL (engine, "GetShardIterator", req, "ResourceNotFoundException", "Stream does not exist");
  g_free (req);
  req = g_strdup_printf ("{'ShardId':'%s','ShardIteratorType':'LATEST'}", shard);
  STREAMS_FAIL (engine, "GetShardIterator", req, "ValidationException",
                "One or more parameter values were invalid: streamArn cannot be empty or null.");
  g_free (req);
  req = g_strdup_printf ("{'StreamArn':'%s','ShardId':'%s','ShardIteratorType':'AT_SEQUENCE_NUMBER','SequenceNumber':'1'}", arn, shard);
  STREAMS_FAIL (engine, "GetShardIterator", req, "ValidationException",
                "1 validation error detected: Value '1' at 'sequenceNumber' failed to satisfy constraint: Member must have length greater than or equal to 21");
  g_free (req);
  req = g_strdup_printf ("{'StreamArn':'%s','ShardId':'%s','ShardIteratorType':'AFTER_SEQUENCE_NUMBER','SequenceNumber':'999999999999999999999'}", arn, shard);
  STREAMS_FAIL (engine, "GetShardIterator", req, "ValidationException", "Invalid SequenceNumber for the shard");
  g_free (req);
  req = g_strdup_printf ("{'StreamArn':'%s','ShardId':'%s','ShardIteratorType':'LATEST','SequenceNumber':'000000000000000000001'}", arn, shard);
  STREAMS_FAIL (engine, "GetShardIterator", req, "ValidationException",
                "One or more parameter values were invalid: SequenceNumber should not be passed for this iterator type");
  g_free (req);
  req = g_strdup_printf ("{'StreamArn':'%s','ShardId':'%s','ShardIteratorType':'BAD'}", arn, shard);
  STREAMS_FAIL (engine, "GetShardIterator", req, "ValidationException",
                "1 validation error detected: Value 'BAD' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]");
  STREAMS_FAIL (engine, "GetRecords", "{}", "ValidationException", "Invalid ShardIterator");
  STREAMS_FAIL (engine, "GetRecords", "{'ShardIterator':'garbage'}", "ValidationException", "Invalid ShardIterator");
  g_free (req);
  req = g_strdup_printf ("{'ShardIterator':'%s|001|Zm9v'}", arn);
  STREAMS_FAIL (engine, "GetRecords", req, "ValidationException", "Invalid ShardIterator");
  g_free (req);
  req = g_strdup_printf ("{'ShardIterator':'%s|001|%%%%%%'}", arn);
  STREAMS_FAIL (engine, "GetRecords", req, "ValidationException", "Invalid ShardIterator");
  {
    g_autofree char *it = iterator (engine, arn, "LATEST", NULL);
    g_autofree char *big = g_strdup_printf ("{'ShardIterator':'%s','Limit':1001}", it);
    STREAMS_FAIL (engine, "GetRecords", big, "ValidationException",
                  "One or more parameter values were invalid: Limit should be less than or equal to 1000");
  }
  STREAMS_FAIL (engine, "ListStreams", "{'TableName':7}", "SerializationException", NULL);
  /* The streams operations are not DynamoDB operations, and back. */
  ENGINE_FAIL (engine, "ListStreams", "{}", "UnknownOperationException", NULL);
  STREAMS_FAIL (engine, "PutItem", "{}", "UnknownOperationException", "An unknown operation was requested.");
}

/* Iterators expire 15 minutes after they were handed out (the clock is the
 * engine's, so the test moves it); a NextShardIterator is a fresh one. */
static void
test_iterator_expiry (void)
{
  gint64 now = G_GINT64_CONSTANT (1700000000000);
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autofree char *arn = NULL, *it = NULL, *req = NULL, *next = NULL, *next_req = NULL;
  g_autoptr(JsonObject) page = NULL, again = NULL;

  ddb_engine_set_clock (engine, fixed_clock, &now);
  create_table (engine, "Exp", "KEYS_ONLY");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Exp','Item':{'pk':{'S':'a'}}}");
  arn = stream_arn (engine, "Exp");
  it = iterator (engine, arn, "TRIM_HORIZON", NULL);

  now += 15 * 60 * 1000;                 /* exactly 15 minutes: still good */
  page = records_from (engine, it, 0);
  g_assert_cmpuint (json_array_get_length (records (page)), ==, 1);
  next = g_strdup (json_object_get_string_member (page, "NextShardIterator"));

  now += 1;                              /* one millisecond later: expired */
  req = g_strdup_printf ("{'ShardIterator':'%s'}", it);
  STREAMS_FAIL (engine, "GetRecords", req, "ExpiredIteratorException",
                "Iterator expired. The iterator was created at time Tue Nov 14 22:13:20 UTC 2023 "
                "while right now it's Tue Nov 14 22:28:20 UTC 2023");
  /* The next iterator was handed out a millisecond ago. */
  again = records_from (engine, next, 0);
  g_assert_cmpuint (json_array_get_length (records (again)), ==, 0);

  now += 15 * 60 * 1000;
  next_req = g_strdup_printf ("{'ShardIterator':'%s'}", next);
  STREAMS_FAIL (engine, "GetRecords", next_req, "ExpiredIteratorException", NULL);
}

static void
test_ttl_deletion (void)
{
  gint64 now = 1700000000000;
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autofree char *arn = NULL, *it = NULL;
  g_autoptr(JsonObject) resp = NULL;
  JsonObject *rec;

  ddb_engine_set_clock (engine, fixed_clock, &now);
  create_table (engine, "Ttl", "OLD_IMAGE");
  ENGINE_OK (engine, "UpdateTimeToLive", "{'TableName':'Ttl','TimeToLiveSpecification':{'AttributeName':'exp','Enabled':true}}");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Ttl','Item':{'pk':{'S':'old'},'exp':{'N':'1699999999'}}}");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Ttl','Item':{'pk':{'S':'new'},'exp':{'N':'1800000000'}}}");
  arn = stream_arn (engine, "Ttl");
  it = iterator (engine, arn, "LATEST", NULL);
  g_assert_cmpuint (ddb_engine_sweep_expired (engine), ==, 1);
  ENGINE_OK (engine, "DeleteItem", "{'TableName':'Ttl','Key':{'pk':{'S':'new'}}}");

  resp = records_from (engine, it, 0);
  g_assert_cmpuint (json_array_get_length (records (resp)), ==, 2);
  rec = json_array_get_object_element (records (resp), 0);
  g_assert_cmpstr (json_object_get_string_member (rec, "eventName"), ==, "REMOVE");
  ASSERT_MEMBER (rec, "userIdentity", "{'PrincipalId':'dynamodb.amazonaws.com','Type':'Service'}");
  ASSERT_MEMBER (json_object_get_object_member (rec, "dynamodb"), "OldImage", "{'pk':{'S':'old'},'exp':{'N':'1699999999'}}");
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (rec, "dynamodb"), "ApproximateCreationDateTime"),
                     ==, 1699999980.0);
  /* A user's delete is not the service's. */
  g_assert_false (json_object_has_member (json_array_get_object_element (records (resp), 1), "userIdentity"));
}

typedef struct {
  guint count;
  DdbChangeKind last_kind;
  char *last_table;
  gboolean last_expired;
  char *last_record;
} Seen;

static void
count_change (const DdbChange *change, gpointer data)
{
  Seen *seen = data;
  g_autoptr(JsonNode) record = ddb_change_to_record (change, "NEW_AND_OLD_IMAGES");

  seen->count++;
  seen->last_kind = change->kind;
  g_free (seen->last_table);
  seen->last_table = g_strdup (change->table_name);
  seen->last_expired = change->expired;
  g_free (seen->last_record);
  seen->last_record = json_to_string (json_object_get_member (json_node_get_object (record), "dynamodb"), FALSE);
}

static void
test_change_listener (void)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  Seen seen = { 0 };
  guint id;

  /* Listeners hear every table, stream or not. */
  create_table (engine, "Quiet", NULL);
  id = ddb_engine_add_change_listener (engine, count_change, &seen, NULL);
  g_assert_cmpuint (id, !=, 0);
  ENGINE_OK (engine, "PutItem", "{'TableName':'Quiet','Item':{'pk':{'S':'a'},'n':{'N':'1'}}}");
  g_assert_cmpuint (seen.count, ==, 1);
  g_assert_cmpint (seen.last_kind, ==, DDB_CHANGE_INSERT);
  g_assert_cmpstr (seen.last_table, ==, "Quiet");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Quiet','Item':{'pk':{'S':'a'},'n':{'N':'1'}}}");
  g_assert_cmpuint (seen.count, ==, 1);
  ENGINE_OK (engine, "UpdateItem", "{'TableName':'Quiet','Key':{'pk':{'S':'a'}},'UpdateExpression':'ADD n :one',"
                                   "'ExpressionAttributeValues':{':one':{'N':'1'}}}");
  g_assert_cmpuint (seen.count, ==, 2);
  g_assert_cmpint (seen.last_kind, ==, DDB_CHANGE_MODIFY);
  g_assert_nonnull (strstr (seen.last_record, "\"NewImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"2\"}}"));
  g_assert_nonnull (strstr (seen.last_record, "\"OldImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}"));
  ENGINE_OK (engine, "DeleteTable", "{'TableName':'Quiet'}");
  g_assert_cmpuint (seen.count, ==, 2);

  ddb_engine_remove_change_listener (engine, id);
  create_table (engine, "Quiet2", NULL);
  ENGINE_OK (engine, "PutItem", "{'TableName':'Quiet2','Item':{'pk':{'S':'a'}}}");
  g_assert_cmpuint (seen.count, ==, 2);
  g_free (seen.last_table);
  g_free (seen.last_record);
}

/* The stream's ARN, then every record of the table's stream. */
static JsonNode *
all_records (DdbEngine *engine, const char *table)
{
  g_autofree char *arn = stream_arn (engine, table);
  g_autofree char *it = iterator (engine, arn, "TRIM_HORIZON", NULL);
  g_autoptr(JsonObject) r = records_from (engine, it, 0);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *all = json_array_new ();

  json_array_add_string_element (all, arn);
  for (guint i = 0; i < json_array_get_length (records (r)); i++)
    json_array_add_element (all, json_node_copy (json_array_get_element (records (r), i)));
  json_node_take_array (node, all);
  return node;
}

static void
count_calls (const DdbChange *change, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* Writes made while the engine replays a snapshot are state, not changes:
 * no record, no listener call, no sequence number. */
static void
test_replaying_writes_no_record (void)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autoptr(JsonObject) r = NULL;
  g_autofree char *arn = NULL, *it = NULL;
  guint calls = 0;

  ddb_engine_add_change_listener (engine, count_calls, &calls, NULL);
  ddb_engine_set_replaying (engine, TRUE);
  create_table (engine, "Tab", "NEW_IMAGE");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Tab','Item':{'pk':{'S':'a'}}}");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Tab','Item':{'pk':{'S':'b'}}}");
  ddb_engine_set_replaying (engine, FALSE);
  g_assert_cmpuint (calls, ==, 0);
  arn = stream_arn (engine, "Tab");
  it = iterator (engine, arn, "TRIM_HORIZON", NULL);
  r = records_from (engine, it, 0);
  g_assert_cmpuint (json_array_get_length (records (r)), ==, 0);
  g_clear_pointer (&r, json_object_unref);
  g_clear_pointer (&it, g_free);

  ENGINE_OK (engine, "PutItem", "{'TableName':'Tab','Item':{'pk':{'S':'c'}}}");
  g_assert_cmpuint (calls, ==, 1);
  it = iterator (engine, arn, "TRIM_HORIZON", NULL);
  r = records_from (engine, it, 0);
  g_assert_cmpuint (json_array_get_length (records (r)), ==, 1);
  g_assert_cmpstr (record_event (records (r), 0), ==, "INSERT");
  g_assert_cmpstr (json_object_get_string_member (record_body (records (r), 0), "SequenceNumber"), ==,
                   "000000000000000000001");
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static DdbEngine *
engine_on (const char *dir, DdbPersist **persist)
{
  g_autoptr(GError) error = NULL;
  DdbEngine *engine = ddb_engine_new ();

  *persist = ddb_persist_open (engine, dir, DDB_FSYNC_NEVER, &error);
  g_assert_no_error (error);
  return engine;
}

/* A data directory keeps the streams: the log replay (first restart) and
 * the snapshot (second) give back the same ARN, shard and records, and
 * the next write continues the sequence. A malformed state is refused
 * without change. */
static void
test_streams_in_data_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("engine-streams-XXXXXX", NULL);
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) bad = NULL;
  DdbPersist *persist;
  DdbEngine *engine;

  engine = engine_on (dir, &persist);
  create_table (engine, "Tab", "NEW_AND_OLD_IMAGES");
  create_table (engine, "Plain", NULL);
  ENGINE_OK (engine, "PutItem", "{'TableName':'Tab','Item':{'pk':{'S':'a'},'v':{'N':'1'}}}");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Plain','Item':{'pk':{'S':'a'}}}");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Tab','Item':{'pk':{'S':'a'},'v':{'N':'2'}}}");
  ENGINE_OK (engine, "DeleteItem", "{'TableName':'Tab','Key':{'pk':{'S':'a'}}}");
  ENGINE_OK (engine, "PutItem", "{'TableName':'Tab','Item':{'pk':{'S':'b'}}}");
  before = all_records (engine, "Tab");
  ddb_persist_close (persist);
  ddb_engine_unref (engine);

  for (int restart = 0; restart < 2; restart++)
    {
      g_autoptr(JsonNode) after = NULL;
      engine = engine_on (dir, &persist);
      after = all_records (engine, "Tab");
      g_assert_cmpuint (json_array_get_length (json_node_get_array (after)), ==, 5);
      g_assert_true (json_node_equal (after, before));
      ddb_persist_close (persist);
      ddb_engine_unref (engine);
    }

  engine = ddb_engine_new ();
  bad = engine_parse ("{'LastSequence':1,'Streams':[{'StreamArn':'x'}]}");
  g_assert_false (ddb_engine_import_streams (engine, json_node_get_object (bad)));
  g_clear_pointer (&bad, json_node_unref);
  /* Records must come in sequence order. */
  bad = engine_parse ("{'LastSequence':9,'Streams':[{'StreamArn':'a','StreamLabel':'l','TableName':'Tab',"
                             "'StreamViewType':'KEYS_ONLY','ShardId':'s','KeySchema':[],'Records':["
                      "{'Sequence':2,'Record':{}},{'Sequence':1,'Record':{}}]}]}");
  g_assert_false (ddb_engine_import_streams (engine, json_node_get_object (bad)));
  ddb_engine_unref (engine);

  engine = engine_on (dir, &persist);
  ENGINE_OK (engine, "PutItem", "{'TableName':'Tab','Item':{'pk':{'S':'c'}}}");
  {
    g_autofree char *arn = stream_arn (engine, "Tab");
    g_autofree char *it = iterator (engine, arn, "TRIM_HORIZON", NULL);
    g_autoptr(JsonObject) r = records_from (engine, it, 0);
    JsonArray *recs = records (r);
    g_assert_cmpuint (json_array_get_length (recs), ==, 5);
    /* T's four changes were numbered 1-4 (Plain has no stream: none). */
    g_assert_cmpstr (json_object_get_string_member (record_body (recs, 4), "SequenceNumber"), ==,
                     "000000000000000000005");
  }
  ddb_persist_close (persist);
  ddb_engine_unref (engine);
  remove_dir (dir);
}

/* TTL deletions are logged: a restart deletes the same items at the same
 * point of the log, so the REMOVE record (the service's) and the sequence
 * numbers after it come back as they were. */
static void
test_ttl_deletion_in_data_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("engine-streams-XXXXXX", NULL);
  gint64 now = g_get_real_time () / 1000;
  g_autoptr(JsonNode) before = NULL, after = NULL;
  g_autofree char *old_item = g_strdup_printf ("{'TableName':'Ttl','Item':{'pk':{'S':'old'},'exp':{'N':'%" G_GINT64_FORMAT "'}}}",
                                               now / 1000 - 1);
  DdbPersist *persist;
  DdbEngine *engine;

  engine = engine_on (dir, &persist);
  ddb_engine_set_clock (engine, fixed_clock, &now);
  create_table (engine, "Ttl", "OLD_IMAGE");
  ENGINE_OK (engine, "UpdateTimeToLive", "{'TableName':'Ttl','TimeToLiveSpecification':{'AttributeName':'exp','Enabled':true}}");
  ENGINE_OK (engine, "PutItem", old_item);
  now += 5;
  g_assert_cmpuint (ddb_engine_sweep_expired (engine), ==, 1);
  now += 5;
  ENGINE_OK (engine, "PutItem", "{'TableName':'Ttl','Item':{'pk':{'S':'later'}}}");
  before = all_records (engine, "Ttl");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (before)), ==, 4);
  ddb_persist_close (persist);
  ddb_engine_unref (engine);

  engine = engine_on (dir, &persist);
  after = all_records (engine, "Ttl");
  g_assert_true (json_node_equal (after, before));
  {
    g_autoptr(JsonObject) got = engine_ok (engine, "GetItem", "{'TableName':'Ttl','Key':{'pk':{'S':'old'}}}");
    g_assert_false (json_object_has_member (got, "Item"));
  }
  ddb_persist_close (persist);
  ddb_engine_unref (engine);
  remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/streams/specification", test_specification);
  g_test_add_func ("/engine/streams/records-of-every-write", test_records_of_every_write);
  g_test_add_func ("/engine/streams/view-types", test_view_types);
  g_test_add_func ("/engine/streams/iterators", test_iterators);
  g_test_add_func ("/engine/streams/errors", test_errors);
  g_test_add_func ("/engine/streams/iterator-expiry", test_iterator_expiry);
  g_test_add_func ("/engine/streams/ttl-deletion", test_ttl_deletion);
  g_test_add_func ("/engine/streams/change-listener", test_change_listener);
  g_test_add_func ("/engine/streams/replaying-writes-no-record", test_replaying_writes_no_record);
  g_test_add_func ("/engine/streams/in-data-dir", test_streams_in_data_dir);
  g_test_add_func ("/engine/streams/ttl-deletion-in-data-dir", test_ttl_deletion_in_data_dir);
  return g_test_run ();
}
