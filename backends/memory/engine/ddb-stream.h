/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-stream.h: DynamoDB Streams inside the engine.
 *
 * A table with StreamSpecification.StreamEnabled has one open DdbStream;
 * disabling the stream (or deleting the table) closes it, and a closed
 * stream stays readable (ListStreams, DescribeStream, GetRecords) as it does
 * in DynamoDB for 24 hours, here for the engine's life. Each stream has one
 * shard. Records are built when the change commits, in the form GetRecords
 * answers them, with the images the stream's view type asks for; records
 * older than 24 hours are trimmed, as the service does. Sequence numbers come
 * from one counter per engine, so they increase across every stream, as
 * DynamoDB Local's do.
 *
 * Every change also goes to the engine's change listeners (ddb-engine.h),
 * stream or not. Everything here runs under the engine lock. */
#pragma once

#include "ddb-engine-private.h"

G_BEGIN_DECLS

#define DDB_STREAM_RETENTION_MS (24 * 3600 * 1000LL)

typedef struct {
  guint64 sequence_number;
  gint64 time_ms;
  JsonNode *record;            /* as GetRecords answers it; deep-copied out */
} DdbStreamRecord;

typedef struct {
  char *arn;
  char *label;
  char *table_name;
  char *view_type;
  char *shard_id;
  JsonArray *key_schema;       /* as DescribeTable shows it */
  gint64 created_ms;
  gboolean enabled;
  guint64 start_sequence;      /* the shard's StartingSequenceNumber */
  GPtrArray *records;          /* DdbStreamRecord*, from records->pdata[head] */
  guint head;                  /* records before it were trimmed */
} DdbStream;

void ddb_stream_free (DdbStream *stream);
/* The stream of arn, or NULL. */
DdbStream *ddb_engine_find_stream (DdbEngine *engine, const char *arn);
/* A stream label: the time, as "2016-12-01T00:00:00.000". */
char *ddb_stream_label (gint64 ms);
/* Opens a stream for table's StreamSpecification (view type and label
 * already set) and connects the table to the engine's change handling. */
void ddb_engine_open_stream (DdbEngine *engine, DdbTable *table, gint64 now_ms);
/* Closes table's stream, if it has one (UpdateTable, DeleteTable). */
void ddb_engine_close_stream (DdbEngine *engine, DdbTable *table);
/* Adds a new table to the engine: registered and connected. */
void ddb_engine_add_table (DdbEngine *engine, DdbTable *table);

/* Frees the streams and the listeners (engine finalization). */
void ddb_engine_clear_streams (DdbEngine *engine);

/* Records of stream from the first with sequence number >= from. */
guint ddb_stream_position (DdbStream *stream, guint64 from);
/* The last sequence number written to stream, or 0. */
guint64 ddb_stream_last_sequence (DdbStream *stream);
/* Deep copy of a JSON tree (stored records are never shared with a
 * response, whose reference counts other threads touch). */
JsonNode *ddb_json_deep_copy (JsonNode *node);

G_END_DECLS
