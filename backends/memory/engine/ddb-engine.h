/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-engine.h: an in-process DynamoDB.
 *
 * The engine answers DynamoDB API calls exactly as the service does: the
 * request is the JSON body a client would POST with
 * X-Amz-Target: DynamoDB_20120810.<operation>, the answer is the response
 * body. Errors are answered as DynamoDB's error bodies
 * ({"__type": "...#Name", "message": "..."}, plus CancellationReasons or Item
 * where DynamoDB adds them) with the HTTP status DynamoDB would use, so the
 * memory backend and dynamorm-server share one code path. Thread-safe: calls
 * from several threads behave as some serial order of them. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _DdbEngine DdbEngine;

DdbEngine *ddb_engine_new (void);
DdbEngine *ddb_engine_ref (DdbEngine *engine);
void ddb_engine_unref (DdbEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbEngine, ddb_engine_unref)

/* Executes one call. Never returns NULL: returns the response body (status
 * 200) or an error body (status 400, or 500), and stores the status in
 * *status_out. request may be any JSON (a non-object is a
 * SerializationException, as on the wire). */
JsonNode *ddb_engine_handle (DdbEngine *engine, const char *operation,
                             JsonNode *request, guint *status_out);

/* The same, with the answer appended to out as JSON text (the text
 * ddb_json_to_string() writes for the tree ddb_engine_handle() answers);
 * stored items are printed straight from their packed form, with no tree. */
void ddb_engine_handle_text (DdbEngine *engine, const char *operation,
                             JsonNode *request, GString *out, guint *status_out);

/* The same, with the text request was read from: plain RFC 8259 JSON
 * (ddb_json_parse_text() says so), which a commit function may keep as it
 * is instead of printing the tree again. */
void ddb_engine_handle_request_text (DdbEngine *engine, const char *operation, JsonNode *request,
                                     const char *request_text, gsize request_len, GString *out,
                                     guint *status_out);

/* The same for the DynamoDB Streams API (X-Amz-Target:
 * DynamoDBStreams_20120810.<operation>: ListStreams, DescribeStream,
 * GetShardIterator, GetRecords). Error bodies spell the text "Message", as
 * the streams service does. */
JsonNode *ddb_engine_handle_streams (DdbEngine *engine, const char *operation,
                                     JsonNode *request, guint *status_out);

/* ---- Changes, in process ----
 * Every committed change of an item (whatever wrote it: PutItem, UpdateItem,
 * DeleteItem, batches, transactions, the direct path, the TTL sweep) is
 * offered to the change listeners, in commit order, whether or not the
 * table has a DynamoDB stream. A write that leaves an item exactly as it was
 * is no change (DynamoDB writes no stream record for it either).
 *
 * Listeners run on the writing thread while the engine is locked: they must
 * not call the engine (that would deadlock) and should be quick (copy what
 * they need and hand it to another thread or main context). The items are
 * packed (common/ddb-packed.h) and only valid during the call;
 * ddb_change_to_record() makes a GetRecords-style record of one. */
typedef enum {
  DDB_CHANGE_INSERT,
  DDB_CHANGE_MODIFY,
  DDB_CHANGE_REMOVE,
} DdbChangeKind;

typedef struct {
  const char *table_name;
  const char *hash_key;        /* the table's key attribute names */
  const char *range_key;       /* NULL for a hash-only table */
  DdbChangeKind kind;
  const guint8 *old_item;      /* NULL for INSERT */
  const guint8 *new_item;      /* NULL for REMOVE */
  gboolean expired;            /* REMOVE by the TTL sweep */
  guint64 sequence_number;     /* increasing across the engine */
  gint64 time_ms;              /* the engine clock at the change */
} DdbChange;

typedef void (*DdbChangeFunc) (const DdbChange *change, gpointer user_data);

/* Returns an id for ddb_engine_remove_change_listener() (never 0). */
guint ddb_engine_add_change_listener (DdbEngine *engine, DdbChangeFunc func,
                                      gpointer user_data, GDestroyNotify destroy);
void ddb_engine_remove_change_listener (DdbEngine *engine, guint id);

/* The change as one record of a GetRecords answer, with the images of
 * view_type (NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE or KEYS_ONLY) and
 * userIdentity for TTL deletions; Dynamorm's stream parser
 * (dynamorm_stream_record_new_from_node) reads it. */
JsonNode *ddb_change_to_record (const DdbChange *change, const char *view_type);

/* TRUE when operation is a DynamoDB API call the engine answers. */
gboolean ddb_engine_knows_operation (const char *operation);

/* TRUE when operation is a DynamoDB Streams API call (GetRecords ...). */
gboolean ddb_engine_knows_stream_operation (const char *operation);

/* ---- Commits ----
 * Called under the engine lock after every successful call that writes
 * (PutItem ... ExecuteTransaction, CreateTable ...), in commit order, with
 * the request and the engine time it ran at: replaying the requests in
 * order at those times rebuilds the engine (ddb-persist.h). When it fails,
 * the call answers InternalServerError with its message (the change stays
 * in memory). While one is set, the direct path declines puts. request_text
 * is the plain JSON text request was read from (request_len bytes), or NULL
 * (ddb_engine_handle_request_text()); when the engine rewrote a legacy
 * request, request is the rewritten form and request_text the original,
 * which replays the same. */
typedef gboolean (*DdbCommitFunc) (const char *operation, JsonObject *request,
                                   const char *request_text, gsize request_len, gint64 time_ms,
                                   gpointer user_data, GError **error);
void ddb_engine_set_commit_func (DdbEngine *engine, DdbCommitFunc func, gpointer user_data);

/* Time source in milliseconds since the epoch (TTL, timestamps); tests set
 * their own. NULL restores the real clock. */
typedef gint64 (*DdbClockFunc) (gpointer user_data);
void ddb_engine_set_clock (DdbEngine *engine, DdbClockFunc func, gpointer user_data);

/* The direct path: PutItem {TableName, Item} and GetItem {TableName, Key}
 * with packed items (common/ddb-packed.h) instead of JSON. DECLINED means
 * the call would not simply succeed (or could not be checked): send the
 * same request to ddb_engine_handle() for DynamoDB's answer. put takes
 * item when it answers DONE. get answers ABSENT when there is no such item,
 * or DONE with a packed copy in *item_out (g_free). */
typedef enum {
  DDB_DIRECT_DONE,
  DDB_DIRECT_ABSENT,
  DDB_DIRECT_DECLINED,
} DdbDirectResult;

DdbDirectResult ddb_engine_put_packed (DdbEngine *engine, const char *table_name,
                                       guint8 *item, gsize len);
DdbDirectResult ddb_engine_get_packed (DdbEngine *engine, const char *table_name,
                                       const guint8 *key, gsize len,
                                       guint8 **item_out, gsize *len_out);

/* BatchWriteItem and BatchGetItem of one chunk on the direct path, with
 * the same rule: DONE only when the JSON request would simply succeed,
 * else DECLINED with nothing written or read. Writes are applied in the
 * order given (the core groups them by table, as its RequestItems). */
typedef struct {
  const char *table_name;
  guint8 *packed;        /* put: the item, taken (set to NULL) on DONE; delete: the key */
  gsize len;
  gboolean is_delete;
} DdbPackedWrite;

typedef struct {
  const char *table_name;
  const guint8 *key;     /* packed key */
  gsize len;
  guint8 *item;          /* out: a packed copy (g_free), NULL when absent */
} DdbPackedRead;

DdbDirectResult ddb_engine_batch_write_packed (DdbEngine *engine, DdbPackedWrite *writes, guint n);
DdbDirectResult ddb_engine_batch_get_packed (DdbEngine *engine, DdbPackedRead *reads, guint n);

/* Query or Scan on the direct path: the request as JSON (it is small), the
 * items of the answer packed. DONE when the call succeeds: *items_out holds
 * a packed copy of each item in order (g_free each), *answer_out the rest
 * of the answer (Count, ScannedCount, LastEvaluatedKey) without Items.
 * DECLINED on anything else, errors included: send the JSON request for
 * DynamoDB's answer (a read, so asking twice changes nothing). */
DdbDirectResult ddb_engine_read_packed (DdbEngine *engine, const char *operation, JsonNode *request,
                                        JsonNode **answer_out, GPtrArray **items_out);

/* TransactWriteItems on the direct path: request is the JSON request, in
 * which action i may be a Put whose Item is JSON null and whose item is
 * items[i] instead, packed (lens[i] bytes); items[i] is NULL for every
 * other action. DONE when the transaction succeeds (its token remembered
 * with the text the request has as JSON, so a retry either way is
 * recognised) or replays a token's first answer: every item is taken (set
 * NULL). DECLINED on anything else, a cancellation included, with nothing
 * written: send the request as JSON, the same items in it, for DynamoDB's
 * answer. */
DdbDirectResult ddb_engine_transact_write_packed (DdbEngine *engine, JsonNode *request, guint8 **items,
                                                  const gsize *lens);

/* Deletes the items whose TTL attribute has passed now; returns how many.
 * A sweep that deleted something is handed to the commit function as
 * DDB_SWEEP_LOG_OPERATION with an empty request, at its time; replaying it
 * is sweeping again at that time. */
#define DDB_SWEEP_LOG_OPERATION "DynamormSweepExpired"
guint ddb_engine_sweep_expired (DdbEngine *engine);

/* The live TransactWriteItems idempotency tokens, for a persistence
 * snapshot ({Token, Request, Response, ExpiresMs} each), and back; import
 * is FALSE on a malformed entry. Both take the engine lock. */
JsonArray *ddb_engine_export_tokens (DdbEngine *engine, gint64 now_ms);
gboolean ddb_engine_import_tokens (DdbEngine *engine, JsonArray *tokens);

/* While replaying is set, writes report no change: no stream record, no
 * change listener call, no sequence number (a snapshot's items are state,
 * not new changes). */
void ddb_engine_set_replaying (DdbEngine *engine, gboolean replaying);
/* Every stream (open and closed) with its records of the last 24 hours and
 * the engine's sequence counter, for a persistence snapshot, and back:
 * import replaces the streams that loading the snapshot's tables opened,
 * and is FALSE (changing nothing) on a malformed state. Both take the
 * engine lock. */
JsonObject *ddb_engine_export_streams (DdbEngine *engine, gint64 now_ms);
gboolean ddb_engine_import_streams (DdbEngine *engine, JsonObject *state);

G_END_DECLS
