/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-streams.c: the DynamoDB Streams API (ListStreams, DescribeStream,
 * GetShardIterator, GetRecords) over the engine's streams (ddb-stream.c),
 * with DynamoDB Local's answers and messages. */
#include "config.h"

#include <string.h>
#include "ddb-stream.h"

#define ITERATOR_VERSION "|001|"
#define MAX_RECORDS 1000

static gboolean
invalid (GError **error, const char *message)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, message);
  return FALSE;
}

static gboolean
not_found (GError **error, const char *message)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND, message);
  return FALSE;
}

/* Limit: at least 1 (a validation error otherwise), at most max. */
static gboolean
read_limit (JsonObject *req, gint64 max, const char *too_big, gint64 *limit, GError **error)
{
  gboolean present = FALSE;
  DdbValidator v;

  *limit = max;
  if (!ddb_req_int (req, "Limit", limit, &present, error))
    return FALSE;
  if (!present)
    {
      *limit = max;
      return TRUE;
    }
  ddb_validator_init (&v);
  if (*limit < 1)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, *limit);
      ddb_validator_add (&v, s, "limit", "Member must have value greater than or equal to 1");
    }
  if (!ddb_validator_finish (&v, error))
    return FALSE;
  if (*limit > max)
    return invalid (error, too_big);
  return TRUE;
}

static char *
sequence_string (guint64 n)
{
  return g_strdup_printf ("%021" G_GUINT64_FORMAT, n);
}

/* ---- ListStreams ---- */

static JsonObject *
stream_summary (DdbStream *stream)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "StreamArn", stream->arn);
  json_object_set_string_member (o, "TableName", stream->table_name);
  json_object_set_string_member (o, "StreamLabel", stream->label);
  return o;
}

JsonObject *
ddb_op_list_streams (DdbOp *op, GError **error)
{
  const char *table_name = NULL, *start = NULL;
  GPtrArray *streams = op->engine->streams;
  JsonArray *list;
  JsonObject *resp;
  gint64 limit;
  gboolean started;
  int i;

  if (!ddb_req_string (op->request, "TableName", &table_name, error) ||
      !ddb_req_string (op->request, "ExclusiveStartStreamArn", &start, error) ||
      !read_limit (op->request, 100, "One or more parameter values were invalid: Limit cannot be greater than the maximum allowed size: 100",
                   &limit, error))
    return NULL;

  /* Newest first, as DynamoDB Local lists them. */
  list = json_array_new ();
  resp = json_object_new ();
  started = start == NULL;
  for (i = streams ? (int) streams->len - 1 : -1; i >= 0; i--)
    {
      DdbStream *stream = streams->pdata[i];
      if (table_name != NULL && !g_str_equal (stream->table_name, table_name))
        continue;
      if (!started)
        {
          started = g_str_equal (stream->arn, start);
          continue;
        }
      if ((gint64) json_array_get_length (list) == limit)
        {
          JsonObject *prev = json_array_get_object_element (list, json_array_get_length (list) - 1);
          json_object_set_string_member (resp, "LastEvaluatedStreamArn",
                                         json_object_get_string_member (prev, "StreamArn"));
          break;
        }
      json_array_add_object_element (list, stream_summary (stream));
    }
  json_object_set_array_member (resp, "Streams", list);
  return resp;
}

/* ---- DescribeStream ---- */

static JsonObject *
shard_json (DdbStream *stream)
{
  JsonObject *shard = json_object_new ();
  JsonObject *range = json_object_new ();
  g_autofree char *start = sequence_string (stream->start_sequence);
  guint64 last = ddb_stream_last_sequence (stream);

  json_object_set_string_member (shard, "ShardId", stream->shard_id);
  json_object_set_string_member (range, "StartingSequenceNumber", start);
  if (!stream->enabled && last != 0)
    {
      g_autofree char *end = sequence_string (last);
      json_object_set_string_member (range, "EndingSequenceNumber", end);
    }
  json_object_set_object_member (shard, "SequenceNumberRange", range);
  return shard;
}

JsonObject *
ddb_op_describe_stream (DdbOp *op, GError **error)
{
  const char *arn = NULL, *start_shard = NULL;
  JsonObject *desc, *resp;
  JsonArray *shards;
  DdbStream *stream;
  gint64 limit;

  if (!ddb_req_string (op->request, "StreamArn", &arn, error) ||
      !ddb_req_string (op->request, "ExclusiveStartShardId", &start_shard, error) ||
      !read_limit (op->request, 100, "One or more parameter values were invalid: Limit cannot be greater than the maximum allowed size: 100",
                   &limit, error))
    return NULL;
  if (arn == NULL)
    return invalid (error, "Invalid StreamArn"), NULL;
  if ((stream = ddb_engine_find_stream (op->engine, arn)) == NULL)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND,
                   "Requested resource not found: Stream: %s not found", arn);
      return NULL;
    }

  desc = json_object_new ();
  json_object_set_string_member (desc, "StreamArn", stream->arn);
  json_object_set_string_member (desc, "StreamLabel", stream->label);
  json_object_set_string_member (desc, "StreamStatus", stream->enabled ? "ENABLED" : "DISABLED");
  json_object_set_string_member (desc, "StreamViewType", stream->view_type);
  json_object_set_double_member (desc, "CreationRequestDateTime", stream->created_ms / 1000.0);
  json_object_set_string_member (desc, "TableName", stream->table_name);
  {
    /* The stream's array is never shared with a response. */
    g_autoptr(JsonNode) ks = json_node_new (JSON_NODE_ARRAY);
    json_node_set_array (ks, stream->key_schema);
    json_object_set_member (desc, "KeySchema", ddb_json_deep_copy (ks));
  }
  shards = json_array_new ();
  /* One shard: starting after it lists nothing more. */
  if (start_shard == NULL || !g_str_equal (start_shard, stream->shard_id))
    json_array_add_object_element (shards, shard_json (stream));
  json_object_set_array_member (desc, "Shards", shards);
  resp = json_object_new ();
  json_object_set_object_member (resp, "StreamDescription", desc);
  return resp;
}

/* ---- Shard iterators ----
 * As DynamoDB Local writes them: the stream ARN, "|001|", and base64 of
 * "<shard id>|<21-digit sequence number to read from>|<30-digit ms time>". */

static char *
iterator_new (DdbStream *stream, guint64 from, gint64 now_ms)
{
  g_autofree char *inner = g_strdup_printf ("%s|%021" G_GUINT64_FORMAT "|%030" G_GINT64_FORMAT,
                                            stream->shard_id, from, now_ms);
  g_autofree char *encoded = g_base64_encode ((const guchar *) inner, strlen (inner));

  return g_strconcat (stream->arn, ITERATOR_VERSION, encoded, NULL);
}

/* A shard iterator is good for 15 minutes after GetShardIterator (or the
 * GetRecords that returned it) handed it out, as in DynamoDB Streams. */
#define ITERATOR_LIFETIME_MS (15 * 60 * 1000)

/* "Fri Dec 04 20:15:00 UTC 2026", as Java prints a date. */
static char *
java_date (gint64 ms)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (ms / 1000);

  return t != NULL ? g_date_time_format (t, "%a %b %d %H:%M:%S UTC %Y") : g_strdup ("?");
}

static gboolean
iterator_check_age (const char *created_text, gint64 now_ms, GError **error)
{
  guint64 created;
  g_autofree char *then = NULL, *now = NULL;

  if (strlen (created_text) != 30 || !g_ascii_string_to_unsigned (created_text, 10, 0, G_MAXINT64, &created, NULL))
    return invalid (error, "Invalid ShardIterator");
  if (now_ms - (gint64) created <= ITERATOR_LIFETIME_MS)
    return TRUE;
  then = java_date ((gint64) created);
  now = java_date (now_ms);
  g_set_error (error, DDB_ERROR, DDB_ERROR_EXPIRED_ITERATOR,
               "Iterator expired. The iterator was created at time %s while right now it's %s", then, now);
  return FALSE;
}

/* The stream and position of an iterator; "Invalid ShardIterator" for
 * anything this engine did not hand out, ExpiredIteratorException past its
 * lifetime. */
static DdbStream *
iterator_parse (DdbEngine *engine, const char *iterator, gint64 now_ms, guint64 *from, GError **error)
{
  const char *sep = iterator ? g_strrstr (iterator, ITERATOR_VERSION) : NULL;
  g_autofree char *arn = NULL;
  g_autofree guchar *decoded = NULL;
  g_auto(GStrv) parts = NULL;
  gsize len = 0;
  DdbStream *stream;

  if (sep == NULL || strlen (iterator) > 2048)
    return invalid (error, "Invalid ShardIterator"), NULL;
  arn = g_strndup (iterator, sep - iterator);
  stream = ddb_engine_find_stream (engine, arn);
  if (stream != NULL &&
      ddb_base64_check (sep + strlen (ITERATOR_VERSION), strlen (sep + strlen (ITERATOR_VERSION)), NULL))
    decoded = g_base64_decode (sep + strlen (ITERATOR_VERSION), &len);
  if (decoded == NULL || memchr (decoded, '\0', len) != NULL)
    return invalid (error, "Invalid ShardIterator"), NULL;
  parts = g_strsplit ((const char *) decoded, "|", -1);
  if (g_strv_length (parts) != 3 || !g_str_equal (parts[0], stream->shard_id) ||
      strlen (parts[1]) != 21 || !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT64, from, NULL))
    return invalid (error, "Invalid ShardIterator"), NULL;
  if (!iterator_check_age (parts[2], now_ms, error))
    return NULL;
  return stream;
}

static const char *const iterator_types[] = {
  "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", NULL
};

/* The members of GetShardIterator, with Local's messages. */
static gboolean
shard_iterator_members (JsonObject *req, const char **arn, const char **shard, const char **type,
                        const char **sequence, GError **error)
{
  DdbValidator v;

  if (!ddb_req_string (req, "StreamArn", arn, error) ||
      !ddb_req_string (req, "ShardId", shard, error) ||
      !ddb_req_string (req, "ShardIteratorType", type, error) ||
      !ddb_req_string (req, "SequenceNumber", sequence, error))
    return FALSE;
  ddb_validator_init (&v);
  if (*type == NULL)
    ddb_validator_add (&v, NULL, "shardIteratorType", "Member must not be null");
  else
    ddb_validate_enum (&v, *type, "shardIteratorType", iterator_types);
  if (*sequence != NULL && strlen (*sequence) < 21)
    ddb_validator_add (&v, *sequence, "sequenceNumber", "Member must have length greater than or equal to 21");
  else if (*sequence != NULL && strlen (*sequence) > 40)
    ddb_validator_add (&v, *sequence, "sequenceNumber", "Member must have length less than or equal to 40");
  if (!ddb_validator_finish (&v, error))
    return FALSE;
  if (*arn == NULL)
    return invalid (error, "One or more parameter values were invalid: streamArn cannot be empty or null.");
  if (*shard == NULL)
    return invalid (error, "No ShardId specified.");
  return TRUE;
}

/* Where an iterator of type starts reading. */
static gboolean
iterator_start (DdbEngine *engine, DdbStream *stream, const char *type, const char *sequence,
                guint64 *from, GError **error)
{
  gboolean by_sequence = g_str_has_suffix (type, "_SEQUENCE_NUMBER");
  guint64 n = 0, last;

  if (!by_sequence && sequence != NULL)
    return invalid (error, "One or more parameter values were invalid: SequenceNumber should not be passed for this iterator type");
  if (by_sequence && sequence == NULL)
    return invalid (error, "One or more parameter values were invalid: Invalid SequenceNumber");
  if (g_str_equal (type, "TRIM_HORIZON"))
    {
      *from = stream->head < stream->records->len
              ? ((DdbStreamRecord *) stream->records->pdata[stream->head])->sequence_number
              : stream->start_sequence;
      return TRUE;
    }
  if (g_str_equal (type, "LATEST"))
    {
      *from = stream->enabled ? engine->last_sequence + 1 : ddb_stream_last_sequence (stream) + 1;
      return TRUE;
    }
  last = stream->enabled ? engine->last_sequence : ddb_stream_last_sequence (stream);
  if (!g_ascii_string_to_unsigned (sequence, 10, 0, G_MAXUINT64, &n, NULL) ||
      n < stream->start_sequence || n > last)
    return invalid (error, "Invalid SequenceNumber for the shard");
  *from = g_str_equal (type, "AT_SEQUENCE_NUMBER") ? n : n + 1;
  return TRUE;
}

JsonObject *
ddb_op_get_shard_iterator (DdbOp *op, GError **error)
{
  const char *arn = NULL, *shard = NULL, *type = NULL, *sequence = NULL;
  g_autofree char *iterator = NULL;
  DdbStream *stream;
  JsonObject *resp;
  guint64 from;

  if (!shard_iterator_members (op->request, &arn, &shard, &type, &sequence, error))
    return NULL;
  if ((stream = ddb_engine_find_stream (op->engine, arn)) == NULL)
    return not_found (error, "Stream does not exist"), NULL;
  if (!g_str_equal (shard, stream->shard_id))
    return not_found (error, "Shard does not exist"), NULL;
  if (!iterator_start (op->engine, stream, type, sequence, &from, error))
    return NULL;

  iterator = iterator_new (stream, from, op->now_ms);
  resp = json_object_new ();
  json_object_set_string_member (resp, "ShardIterator", iterator);
  return resp;
}

/* ---- GetRecords ---- */

JsonObject *
ddb_op_get_records (DdbOp *op, GError **error)
{
  const char *iterator = NULL;
  DdbStream *stream;
  JsonArray *records;
  JsonObject *resp;
  guint64 from, next;
  gint64 limit;
  guint pos;

  if (!ddb_req_string (op->request, "ShardIterator", &iterator, error) ||
      !read_limit (op->request, MAX_RECORDS, "One or more parameter values were invalid: Limit should be less than or equal to 1000",
                   &limit, error))
    return NULL;
  if ((stream = iterator_parse (op->engine, iterator, op->now_ms, &from, error)) == NULL)
    return NULL;

  records = json_array_new ();
  next = from;
  for (pos = ddb_stream_position (stream, from);
       pos < stream->records->len && (gint64) json_array_get_length (records) < limit; pos++)
    {
      DdbStreamRecord *record = stream->records->pdata[pos];
      json_array_add_element (records, ddb_json_deep_copy (record->record));
      next = record->sequence_number + 1;
    }
  resp = json_object_new ();
  json_object_set_array_member (resp, "Records", records);
  /* A closed shard read to its end has no next iterator. */
  if (stream->enabled || pos < stream->records->len)
    {
      g_autofree char *next_iterator = iterator_new (stream, next, op->now_ms);
      json_object_set_string_member (resp, "NextShardIterator", next_iterator);
    }
  return resp;
}
