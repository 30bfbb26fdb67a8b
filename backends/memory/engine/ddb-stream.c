/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-stream.c: stream objects, the records of committed changes and the
 * change listeners (see ddb-stream.h and ddb-engine.h). */
#include "config.h"

#include <string.h>
#include "ddb-stream.h"

#define TABLE_ARN_PREFIX "arn:aws:dynamodb:ddblocal:000000000000:table/"

typedef struct {
  guint id;
  DdbChangeFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} DdbChangeListener;

/* ---- JSON ---- */

JsonNode *
ddb_json_deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *obj = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        json_object_set_member (obj, name, ddb_json_deep_copy (member));
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, obj);
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *src = json_node_get_array (node);
      JsonArray *arr = json_array_sized_new (json_array_get_length (src));

      for (guint i = 0; i < json_array_get_length (src); i++)
        json_array_add_element (arr, ddb_json_deep_copy (json_array_get_element (src, i)));
      copy = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (copy, arr);
      return copy;
    }
  return json_node_copy (node);
}

/* ---- Records ---- */

static const char *
event_name (DdbChangeKind kind)
{
  switch (kind)
    {
    case DDB_CHANGE_INSERT:
      return "INSERT";
    case DDB_CHANGE_MODIFY:
      return "MODIFY";
    case DDB_CHANGE_REMOVE:
    default:
      return "REMOVE";
    }
}

static void
copy_key_attr (JsonObject *keys, JsonObject *image, const char *name)
{
  JsonNode *value = name ? json_object_get_member (image, name) : NULL;

  if (value != NULL)
    json_object_set_member (keys, name, ddb_value_copy (value));
}

static JsonObject *
keys_of (const DdbChange *change, JsonObject *image)
{
  JsonObject *keys = json_object_new ();

  copy_key_attr (keys, image, change->hash_key);
  copy_key_attr (keys, image, change->range_key);
  return keys;
}

/* "dynamodb" of a record: the Keys, the images of view_type, SizeBytes
 * (the DynamoDB size of what the record carries, as DynamoDB Local counts
 * it) and ApproximateCreationDateTime (in whole minutes, as the service and
 * DynamoDB Local give it). */
static JsonObject *
record_body (const DdbChange *change, const char *view_type)
{
  JsonObject *body = json_object_new ();
  gboolean want_new = g_str_equal (view_type, "NEW_IMAGE") || g_str_equal (view_type, "NEW_AND_OLD_IMAGES");
  gboolean want_old = g_str_equal (view_type, "OLD_IMAGE") || g_str_equal (view_type, "NEW_AND_OLD_IMAGES");
  g_autoptr(JsonObject) new_image = change->new_item ? ddb_blob_decode (change->new_item) : NULL;
  g_autoptr(JsonObject) old_image = change->old_item ? ddb_blob_decode (change->old_item) : NULL;
  JsonObject *keys = keys_of (change, new_image ? new_image : old_image);
  gsize size = ddb_item_size (keys);
  g_autofree char *sequence = g_strdup_printf ("%021" G_GUINT64_FORMAT, change->sequence_number);

  json_object_set_double_member (body, "ApproximateCreationDateTime",
                                 (double) (change->time_ms / 60000 * 60));
  json_object_set_object_member (body, "Keys", keys);
  if (want_new && new_image != NULL)
    {
      size += ddb_item_size (new_image);
      json_object_set_object_member (body, "NewImage", g_steal_pointer (&new_image));
    }
  if (want_old && old_image != NULL)
    {
      size += ddb_item_size (old_image);
      json_object_set_object_member (body, "OldImage", g_steal_pointer (&old_image));
    }
  json_object_set_string_member (body, "SequenceNumber", sequence);
  json_object_set_int_member (body, "SizeBytes", size);
  json_object_set_string_member (body, "StreamViewType", view_type);
  return body;
}

static JsonNode *
change_record (const DdbChange *change, const char *view_type, const char *event_id)
{
  JsonObject *record = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (record, "eventID", event_id);
  json_object_set_string_member (record, "eventName", event_name (change->kind));
  json_object_set_string_member (record, "eventVersion", "1.1");
  json_object_set_string_member (record, "eventSource", "aws:dynamodb");
  json_object_set_string_member (record, "awsRegion", "ddblocal");
  json_object_set_object_member (record, "dynamodb", record_body (change, view_type));
  if (change->expired)
    {
      /* TTL deletions are made by the service; GetRecords capitalises. */
      JsonObject *identity = json_object_new ();
      json_object_set_string_member (identity, "PrincipalId", "dynamodb.amazonaws.com");
      json_object_set_string_member (identity, "Type", "Service");
      json_object_set_object_member (record, "userIdentity", identity);
    }
  json_node_take_object (node, record);
  return node;
}

JsonNode *
ddb_change_to_record (const DdbChange *change, const char *view_type)
{
  g_autofree char *event_id = g_uuid_string_random ();

  g_return_val_if_fail (change != NULL && view_type != NULL, NULL);

  return change_record (change, view_type, event_id);
}

static void
stream_record_free (gpointer data)
{
  DdbStreamRecord *record = data;

  json_node_unref (record->record);
  g_free (record);
}

/* Drops the records older than the retention period. */
static void
stream_trim (DdbStream *stream, gint64 now_ms)
{
  while (stream->head < stream->records->len &&
         ((DdbStreamRecord *) stream->records->pdata[stream->head])->time_ms < now_ms - DDB_STREAM_RETENTION_MS)
    stream->head++;
  /* Compact once the trimmed part dominates: amortised O(1) per record. */
  if (stream->head > 64 && stream->head * 2 > stream->records->len)
    {
      g_ptr_array_remove_range (stream->records, 0, stream->head);
      stream->head = 0;
    }
}

/* A stream record's eventID: a UUID (version 5 layout) of the stream and
 * the sequence number, so replaying a --data-dir log after a restart
 * writes the same record again, not a new one. */
static char *
stream_event_id (DdbStream *stream, guint64 sequence_number)
{
  g_autofree char *name = g_strdup_printf ("%s#%" G_GUINT64_FORMAT, stream->arn, sequence_number);
  g_autofree char *h = g_compute_checksum_for_string (G_CHECKSUM_SHA1, name, -1);
  const char variant[] = "89ab";

  return g_strdup_printf ("%.8s-%.4s-5%.3s-%c%.3s-%.12s", h, h + 8, h + 13,
                          variant[g_ascii_xdigit_value (h[16]) & 3], h + 17, h + 20);
}

static void
stream_append (DdbStream *stream, const DdbChange *change)
{
  DdbStreamRecord *record = g_new0 (DdbStreamRecord, 1);
  g_autofree char *event_id = stream_event_id (stream, change->sequence_number);

  record->sequence_number = change->sequence_number;
  record->time_ms = change->time_ms;
  record->record = change_record (change, stream->view_type, event_id);
  g_ptr_array_add (stream->records, record);
  stream_trim (stream, change->time_ms);
}

guint
ddb_stream_position (DdbStream *stream, guint64 from)
{
  guint lo = stream->head, hi = stream->records->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (((DdbStreamRecord *) stream->records->pdata[mid])->sequence_number < from)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

guint64
ddb_stream_last_sequence (DdbStream *stream)
{
  if (stream->records->len <= stream->head)
    return 0;
  return ((DdbStreamRecord *) stream->records->pdata[stream->records->len - 1])->sequence_number;
}

/* ---- Streams ---- */

void
ddb_stream_free (DdbStream *stream)
{
  if (stream == NULL)
    return;
  g_free (stream->arn);
  g_free (stream->label);
  g_free (stream->table_name);
  g_free (stream->view_type);
  g_free (stream->shard_id);
  if (stream->key_schema)
    json_array_unref (stream->key_schema);
  g_ptr_array_unref (stream->records);
  g_free (stream);
}

DdbStream *
ddb_engine_find_stream (DdbEngine *engine, const char *arn)
{
  for (guint i = 0; arn != NULL && engine->streams && i < engine->streams->len; i++)
    {
      DdbStream *stream = engine->streams->pdata[i];
      if (g_str_equal (stream->arn, arn))
        return stream;
    }
  return NULL;
}

static void
key_schema_add (JsonArray *ks, const char *name, const char *type)
{
  JsonObject *e = json_object_new ();

  json_object_set_string_member (e, "AttributeName", name);
  json_object_set_string_member (e, "KeyType", type);
  json_array_add_object_element (ks, e);
}

char *
ddb_stream_label (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03d", base, (int) (ms % 1000));
}

static char *
stream_arn (DdbTable *table)
{
  return g_strdup_printf (TABLE_ARN_PREFIX "%s/stream/%s", table->name, table->stream_label);
}

/* Two streams of a table opened within one millisecond would share an ARN:
 * the later one takes the next free millisecond. */
static char *
unique_stream_arn (DdbEngine *engine, DdbTable *table, gint64 now_ms)
{
  char *arn = stream_arn (table);

  for (gint64 ms = now_ms + 1; ddb_engine_find_stream (engine, arn) != NULL; ms++)
    {
      g_free (arn);
      g_free (table->stream_label);
      table->stream_label = ddb_stream_label (ms);
      arn = stream_arn (table);
    }
  return arn;
}

void
ddb_engine_open_stream (DdbEngine *engine, DdbTable *table, gint64 now_ms)
{
  DdbStream *stream = g_new0 (DdbStream, 1);

  stream->arn = unique_stream_arn (engine, table, now_ms);
  stream->label = g_strdup (table->stream_label);
  stream->table_name = g_strdup (table->name);
  stream->view_type = g_strdup (table->stream_view_type);
  /* As DynamoDB Local names shards: the time and eight hex digits. */
  /* (The hex digits come from the ARN, so a log replay names it again.) */
  stream->shard_id = g_strdup_printf ("shardId-%020" G_GINT64_FORMAT "-%08x", now_ms, g_str_hash (stream->arn));
  stream->key_schema = json_array_new ();
  key_schema_add (stream->key_schema, table->hash.name, "HASH");
  if (table->range.name)
    key_schema_add (stream->key_schema, table->range.name, "RANGE");
  stream->created_ms = now_ms;
  stream->enabled = TRUE;
  stream->start_sequence = engine->last_sequence + 1;
  stream->records = g_ptr_array_new_with_free_func (stream_record_free);
  if (engine->streams == NULL)
    engine->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_stream_free);
  g_ptr_array_add (engine->streams, stream);
  table->stream = stream;
}

void
ddb_engine_close_stream (DdbEngine *engine, DdbTable *table)
{
  DdbStream *stream = table->stream;

  if (stream == NULL)
    return;
  stream->enabled = FALSE;
  table->stream = NULL;
}

/* ---- Changes ---- */

static gboolean
item_unchanged (DdbItem *old, DdbItem *new_item)
{
  gsize len;

  if (old->size != new_item->size)
    return FALSE;
  /* The same bytes are the same item (rewriting an item as it is); other
   * bytes may still be equal values (set order, numbers in lists). */
  len = ddb_packed_item_len (old->blob);
  if (len == ddb_packed_item_len (new_item->blob) && memcmp (old->blob, new_item->blob, len) == 0)
    return TRUE;
  return ddb_item_equal (ddb_item_attrs (old), ddb_item_attrs (new_item));
}

static void
table_changed (DdbTable *table, DdbItem *old, DdbItem *new_item, gpointer user_data)
{
  DdbEngine *engine = user_data;
  DdbChange change = { 0 };

  if (engine->replaying ||
      (table->stream == NULL && (engine->listeners == NULL || engine->listeners->len == 0)))
    return;
  if (old != NULL && new_item != NULL && item_unchanged (old, new_item))
    return;
  change.table_name = table->name;
  change.hash_key = table->hash.name;
  change.range_key = table->range.name;
  change.kind = old == NULL ? DDB_CHANGE_INSERT : new_item == NULL ? DDB_CHANGE_REMOVE : DDB_CHANGE_MODIFY;
  change.old_item = old ? old->blob : NULL;
  change.new_item = new_item ? new_item->blob : NULL;
  change.expired = engine->expiring && new_item == NULL;
  change.sequence_number = ++engine->last_sequence;
  change.time_ms = ddb_engine_now_ms (engine);

  if (table->stream != NULL)
    stream_append (table->stream, &change);
  for (guint i = 0; engine->listeners && i < engine->listeners->len; i++)
    {
      DdbChangeListener *l = &g_array_index (engine->listeners, DdbChangeListener, i);
      l->func (&change, l->user_data);
    }
}

void
ddb_engine_add_table (DdbEngine *engine, DdbTable *table)
{
  table->on_change = table_changed;
  table->on_change_data = engine;
  g_hash_table_insert (engine->tables, table->name, table);
}

guint
ddb_engine_add_change_listener (DdbEngine *engine, DdbChangeFunc func, gpointer user_data, GDestroyNotify destroy)
{
  DdbChangeListener l = { 0, func, user_data, destroy };

  g_return_val_if_fail (engine != NULL && func != NULL, 0);

  ddb_engine_write_lock (engine);
  if (engine->listeners == NULL)
    engine->listeners = g_array_new (FALSE, FALSE, sizeof (DdbChangeListener));
  l.id = ++engine->next_listener_id;
  g_array_append_val (engine->listeners, l);
  ddb_engine_write_unlock (engine);
  return l.id;
}

void
ddb_engine_remove_change_listener (DdbEngine *engine, guint id)
{
  DdbChangeListener removed = { 0 };

  g_return_if_fail (engine != NULL);

  ddb_engine_write_lock (engine);
  for (guint i = 0; engine->listeners && i < engine->listeners->len; i++)
    if (g_array_index (engine->listeners, DdbChangeListener, i).id == id)
      {
        removed = g_array_index (engine->listeners, DdbChangeListener, i);
        g_array_remove_index (engine->listeners, i);
        break;
      }
  ddb_engine_write_unlock (engine);
  /* Outside the lock: the destroy function may do anything. */
  if (removed.destroy != NULL)
    removed.destroy (removed.user_data);
}

void
ddb_engine_clear_streams (DdbEngine *engine)
{
  for (guint i = 0; engine->listeners && i < engine->listeners->len; i++)
    {
      DdbChangeListener *l = &g_array_index (engine->listeners, DdbChangeListener, i);
      if (l->destroy)
        l->destroy (l->user_data);
    }
  g_clear_pointer (&engine->listeners, g_array_unref);
  g_clear_pointer (&engine->streams, g_ptr_array_unref);
}

/* ---- Streams across restarts (ddb-persist.c snapshots) ---- */

void
ddb_engine_set_replaying (DdbEngine *engine, gboolean replaying)
{
  ddb_engine_write_lock (engine);
  engine->replaying = replaying;
  ddb_engine_write_unlock (engine);
}

static JsonObject *
stream_export (DdbStream *stream, gint64 now_ms)
{
  JsonObject *s = json_object_new ();
  JsonArray *records = json_array_new ();

  json_object_set_string_member (s, "StreamArn", stream->arn);
  json_object_set_string_member (s, "StreamLabel", stream->label);
  json_object_set_string_member (s, "TableName", stream->table_name);
  json_object_set_string_member (s, "StreamViewType", stream->view_type);
  json_object_set_string_member (s, "ShardId", stream->shard_id);
  json_object_set_array_member (s, "KeySchema", json_array_ref (stream->key_schema));
  json_object_set_int_member (s, "CreatedMs", stream->created_ms);
  json_object_set_boolean_member (s, "Enabled", stream->enabled);
  json_object_set_int_member (s, "StartSequence", (gint64) stream->start_sequence);
  for (guint i = stream->head; i < stream->records->len; i++)
    {
      DdbStreamRecord *r = stream->records->pdata[i];
      JsonObject *o;
      if (r->time_ms < now_ms - DDB_STREAM_RETENTION_MS)
        continue;
      o = json_object_new ();
      json_object_set_int_member (o, "Sequence", (gint64) r->sequence_number);
      json_object_set_int_member (o, "TimeMs", r->time_ms);
      json_object_set_member (o, "Record", ddb_json_deep_copy (r->record));
      json_array_add_object_element (records, o);
    }
  json_object_set_array_member (s, "Records", records);
  return s;
}

JsonObject *
ddb_engine_export_streams (DdbEngine *engine, gint64 now_ms)
{
  JsonObject *state = json_object_new ();
  JsonArray *streams = json_array_new ();

  ddb_engine_write_lock (engine);
  json_object_set_int_member (state, "LastSequence", (gint64) engine->last_sequence);
  for (guint i = 0; engine->streams && i < engine->streams->len; i++)
    json_array_add_object_element (streams, stream_export (engine->streams->pdata[i], now_ms));
  ddb_engine_write_unlock (engine);
  json_object_set_array_member (state, "Streams", streams);
  return state;
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
    ? json_node_get_string (n) : NULL;
}

static JsonArray *
member_array (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gboolean
stream_records_import (DdbStream *stream, JsonArray *records)
{
  guint64 previous = 0;

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonNode *n = json_array_get_element (records, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      JsonNode *record = o ? json_object_get_member (o, "Record") : NULL;
      DdbStreamRecord *r;
      gint64 sequence = o ? json_object_get_int_member_with_default (o, "Sequence", 0) : 0;

      /* Sequence numbers increase: GetRecords finds positions by them. */
      if (record == NULL || !JSON_NODE_HOLDS_OBJECT (record) || sequence <= 0 || (guint64) sequence <= previous)
        return FALSE;
      previous = (guint64) sequence;
      r = g_new0 (DdbStreamRecord, 1);
      r->sequence_number = (guint64) sequence;
      r->time_ms = json_object_get_int_member_with_default (o, "TimeMs", 0);
      r->record = ddb_json_deep_copy (record);
      g_ptr_array_add (stream->records, r);
    }
  return TRUE;
}

static DdbStream *
stream_import (JsonObject *s)
{
  DdbStream *stream = g_new0 (DdbStream, 1);
  const char *arn = member_string (s, "StreamArn"), *label = member_string (s, "StreamLabel");
  const char *table = member_string (s, "TableName"), *view = member_string (s, "StreamViewType");
  const char *shard = member_string (s, "ShardId");
  JsonArray *ks = member_array (s, "KeySchema"), *records = member_array (s, "Records");

  stream->records = g_ptr_array_new_with_free_func (stream_record_free);
  if (arn == NULL || label == NULL || table == NULL || view == NULL || shard == NULL || ks == NULL || records == NULL ||
      !stream_records_import (stream, records))
    {
      ddb_stream_free (stream);
      return NULL;
    }
  stream->arn = g_strdup (arn);
  stream->label = g_strdup (label);
  stream->table_name = g_strdup (table);
  stream->view_type = g_strdup (view);
  stream->shard_id = g_strdup (shard);
  {
    g_autoptr(JsonNode) copy = ddb_json_deep_copy (json_object_get_member (s, "KeySchema"));
    stream->key_schema = json_array_ref (json_node_get_array (copy));
  }
  stream->created_ms = json_object_get_int_member_with_default (s, "CreatedMs", 0);
  stream->enabled = json_object_get_boolean_member_with_default (s, "Enabled", FALSE);
  stream->start_sequence = (guint64) json_object_get_int_member_with_default (s, "StartSequence", 1);
  return stream;
}

/* The last of streams that belongs to table (created with or after it),
 * enabled or any. */
static DdbStream *
latest_stream_of (GPtrArray *streams, DdbTable *table, gboolean enabled)
{
  for (guint i = streams->len; i > 0; i--)
    {
      DdbStream *s = streams->pdata[i - 1];
      if (g_str_equal (s->table_name, table->name) && s->created_ms >= table->created_ms - 1000 &&
          (!enabled || s->enabled))
        return s;
    }
  return NULL;
}

/* Points each table at its restored stream; a table whose open stream has
 * no saved state keeps the one loading opened. */
static void
streams_attach (DdbEngine *engine, GPtrArray *imported)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, engine->tables);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DdbTable *table = value;
      DdbStream *saved = latest_stream_of (imported, table, table->stream != NULL);

      if (table->stream != NULL && saved == NULL)
        {
          guint at;
          if (g_ptr_array_find (engine->streams, table->stream, &at))
            g_ptr_array_add (imported, g_ptr_array_steal_index (engine->streams, at));
          continue;
        }
      if (saved == NULL)
        continue;
      if (table->stream != NULL)
        table->stream = saved;
      g_free (table->stream_label);
      table->stream_label = g_strdup (saved->label);
    }
}

gboolean
ddb_engine_import_streams (DdbEngine *engine, JsonObject *state)
{
  JsonArray *streams = member_array (state, "Streams");
  g_autoptr(GPtrArray) imported = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_stream_free);
  gint64 last = json_object_get_int_member_with_default (state, "LastSequence", -1);

  if (streams == NULL || last < 0)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (streams); i++)
    {
      JsonNode *n = json_array_get_element (streams, i);
      DdbStream *s = JSON_NODE_HOLDS_OBJECT (n) ? stream_import (json_node_get_object (n)) : NULL;
      if (s == NULL || (guint64) last < ddb_stream_last_sequence (s))
        {
          ddb_stream_free (s);
          return FALSE;
        }
      g_ptr_array_add (imported, s);
    }
  ddb_engine_write_lock (engine);
  if (engine->streams == NULL)
    engine->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_stream_free);
  streams_attach (engine, imported);
  g_ptr_array_unref (engine->streams);
  engine->streams = g_steal_pointer (&imported);
  engine->last_sequence = MAX (engine->last_sequence, (guint64) last);
  ddb_engine_write_unlock (engine);
  return TRUE;
}
