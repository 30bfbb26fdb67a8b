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

/* Deletes the items whose TTL attribute has passed now; returns how many. */
guint ddb_engine_sweep_expired (DdbEngine *engine);

G_END_DECLS
