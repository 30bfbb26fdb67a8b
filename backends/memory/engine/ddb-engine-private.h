/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-engine-private.h: what the operation files share: the engine state,
 * one call's context, request-member accessors that answer DynamoDB's own
 * validation messages, key and item checks, and capacity accounting. */
#pragma once

#include "ddb-engine.h"
#include "ddb-error.h"
#include "ddb-expr.h"
#include "ddb-table.h"

G_BEGIN_DECLS

#define DDB_MAX_ITEM_SIZE (400 * 1024)
#define DDB_MAX_PAGE_SIZE (1024 * 1024)
#define DDB_TOKEN_LIFETIME_MS (10 * 60 * 1000)
#define DDB_MAX_TRANSACT_ITEMS 100

struct _DdbEngine {
  gatomicrefcount ref;
  GRWLock lock;                 /* tables and their items: take it with ddb_engine_read_lock/write_lock */
  GMutex gate;                  /* held by a writer waiting for the lock: new readers wait behind it */
  GHashTable *tables;           /* name -> DdbTable* */
  DdbClockFunc clock;
  gpointer clock_data;
  GMutex token_lock;            /* tokens: written under the read lock too */
  GHashTable *tokens;           /* ClientRequestToken -> DdbTokenRecord* */
  /* Streams and change listeners (ddb-stream.c) */
  guint64 last_sequence;        /* the last change's sequence number */
  GPtrArray *streams;           /* DdbStream*, in creation order */
  GArray *listeners;            /* DdbChangeListener */
  guint next_listener_id;
  gboolean expiring;            /* the TTL sweep is deleting */
  gboolean replaying;           /* a snapshot is loading: no changes reported */
  DdbCommitFunc commit_func;    /* persistence (ddb-persist.c), or NULL */
  gpointer commit_data;
};

/* The engine lock. Readers share it; a writer waiting for it holds the gate
 * so that new readers queue behind it: glibc's rwlock prefers readers, and
 * readers in a tight loop (server threads, several sessions) starved every
 * write. Never taken recursively. */
void ddb_engine_read_lock (DdbEngine *engine);
void ddb_engine_read_unlock (DdbEngine *engine);
void ddb_engine_write_lock (DdbEngine *engine);
void ddb_engine_write_unlock (DdbEngine *engine);

/* One call in progress. */
typedef struct {
  DdbEngine *engine;
  JsonObject *request;
  JsonObject *error_extra;      /* members added to an error body (Item, CancellationReasons) */
  gint64 now_ms;
  /* Answering as text (ddb_engine_handle_text): placeholder JsonNode* ->
   * the stored packed item it stands for, printed before the lock is let
   * go. NULL when the answer is a tree. */
  GHashTable *packed;
  /* TransactWriteItems on the direct path (ddb_engine_transact_write_packed):
   * the packed item of each action, NULL for an action without one; a Put
   * whose item is here carries a JSON null Item, a placeholder in packed.
   * Applying the action takes the item (sets its slot NULL); put_sizes are
   * their sizes (ddb_blob_check). NULL on the JSON path. */
  guint8 **put_items;
  const gsize *put_sizes;
} DdbOp;

/* A stored item's attributes for the response, as a member or element
 * node: a placeholder printed straight from the packed item when the call
 * answers as text, a fresh tree otherwise. Only for items that stay stored
 * until the call returns (reads), never for one the call replaces. */
JsonNode *ddb_op_item_node (DdbOp *op, DdbItem *item);

/* The null_func of ddb_json_print for op->packed (user_data): a placeholder
 * is printed as the packed item it stands for. */
gboolean ddb_op_print_packed (GString *out, JsonNode *node, gpointer user_data);

/* Whether a packed item may be stored in table as it is (its key
 * attributes of the declared types, not empty, within the key size
 * limits; the index keys it carries of their types): what PutItem checks of
 * a JSON item, once ddb_blob_check() accepted the item. FALSE: the JSON
 * request gets DynamoDB's answer. On TRUE, hash and range (cleared by the
 * caller) hold its key. */
gboolean ddb_packed_item_acceptable (DdbTable *table, const guint8 *item, DdbKeyValue *hash, DdbKeyValue *range);

/* The Items of an answer made with op->packed set, as packed copies in
 * order (stored items from their placeholders, others packed); removes
 * Items from resp. Under the engine lock (ddb-ops-direct.c). */
GPtrArray *ddb_op_take_packed_items (DdbOp *op, JsonObject *resp);

typedef JsonObject *(*DdbOpFunc) (DdbOp *op, GError **error);

/* ---- Operations (one file per family) ---- */
JsonObject *ddb_op_create_table (DdbOp *op, GError **error);
JsonObject *ddb_op_delete_table (DdbOp *op, GError **error);
JsonObject *ddb_op_describe_table (DdbOp *op, GError **error);
JsonObject *ddb_op_list_tables (DdbOp *op, GError **error);
JsonObject *ddb_op_update_table (DdbOp *op, GError **error);
JsonObject *ddb_op_update_time_to_live (DdbOp *op, GError **error);
JsonObject *ddb_op_describe_time_to_live (DdbOp *op, GError **error);
JsonObject *ddb_op_put_item (DdbOp *op, GError **error);
JsonObject *ddb_op_get_item (DdbOp *op, GError **error);
JsonObject *ddb_op_delete_item (DdbOp *op, GError **error);
JsonObject *ddb_op_update_item (DdbOp *op, GError **error);
JsonObject *ddb_op_query (DdbOp *op, GError **error);
JsonObject *ddb_op_scan (DdbOp *op, GError **error);
JsonObject *ddb_op_batch_get_item (DdbOp *op, GError **error);
JsonObject *ddb_op_batch_write_item (DdbOp *op, GError **error);
JsonObject *ddb_op_transact_write_items (DdbOp *op, GError **error);
JsonObject *ddb_op_transact_get_items (DdbOp *op, GError **error);

/* The engine clock; callers hold the lock. */
gint64 ddb_engine_now_ms (DdbEngine *engine);

/* ---- Request members (ddb-request.c) ----
 * Getters set *out to NULL (or leave defaults) when the member is absent or
 * JSON null, and fail with SerializationException on a wrong JSON type. */
gboolean ddb_req_string (JsonObject *obj, const char *member, const char **out, GError **error);
gboolean ddb_req_object (JsonObject *obj, const char *member, JsonObject **out, GError **error);
gboolean ddb_req_array (JsonObject *obj, const char *member, JsonArray **out, GError **error);
gboolean ddb_req_int (JsonObject *obj, const char *member, gint64 *out, gboolean *present, GError **error);
gboolean ddb_req_bool (JsonObject *obj, const char *member, gboolean *out, GError **error);

/* The JSON types of a request's nested members, checked before they are read
 * (SerializationException as the service words it). A STRUCT's members and
 * a LIST's element (one entry, any name) end with a { NULL } entry. */
typedef enum {
  DDB_SHAPE_STRING, DDB_SHAPE_INT, DDB_SHAPE_BOOL, DDB_SHAPE_STRUCT, DDB_SHAPE_LIST,
} DdbShapeKind;

typedef struct _DdbShape DdbShape;
struct _DdbShape {
  const char *name;
  DdbShapeKind kind;
  const DdbShape *members;
};

gboolean ddb_req_check_shape (JsonObject *obj, const DdbShape *members, GError **error);

/* Collects "Value 'x' at 'path' failed to satisfy constraint: ..." lines. */
typedef struct {
  GPtrArray *messages;
} DdbValidator;

void ddb_validator_init (DdbValidator *v);
/* value NULL means JSON null ("Value null at ..."). */
void ddb_validator_add (DdbValidator *v, const char *value, const char *path, const char *constraint);
/* "N validation error(s) detected: a; b"; frees v. FALSE when errors. */
gboolean ddb_validator_finish (DdbValidator *v, GError **error);

/* Whether ddb_validate_table_name() finds nothing to say. */
gboolean ddb_table_name_is_valid (const char *name);
/* Table name member checks: null, pattern, length. */
void ddb_validate_table_name (DdbValidator *v, const char *name, const char *path);
/* enum check: NULL value is fine; allowed is NULL-terminated. */
void ddb_validate_enum (DdbValidator *v, const char *value, const char *path, const char *const *allowed);

/* The table or ResourceNotFoundException "Requested resource not found". */
DdbTable *ddb_engine_get_table (DdbEngine *engine, const char *name, GError **error);
/* Turns a semantic ValidationException of a request naming a missing table
 * into ResourceNotFoundException, as DynamoDB Local orders them. */
void ddb_op_prefer_missing_table (DdbOp *op, const char *operation, GError **error);
/* ---- Legacy parameters (ddb-legacy.c) ---- */
/* Expected, AttributeUpdates, KeyConditions, QueryFilter, ScanFilter and
 * ConditionalOperator as expression members: *out is a translated copy of
 * req, or NULL when req has none of them. FALSE with the service's error
 * when they are mixed with expressions or malformed. */
gboolean ddb_legacy_translate (const char *operation, JsonObject *req, JsonObject **out, GError **error);

/* ---- ReturnItemCollectionMetrics (ddb-collection.c) ---- */
/* Reads and checks the member; *size_out when it is SIZE. */
gboolean ddb_collection_metrics_mode (JsonObject *req, gboolean *size_out, GError **error);
/* The ItemCollectionMetrics of the collection of hash in table, after the
 * write; NULL when the table has no local secondary index. */
JsonObject *ddb_collection_metrics (DdbTable *table, const DdbKeyValue *hash);
/* Appends the collection's metrics to by_table[table name] (batch and
 * transaction responses); nothing for a table without LSI. */
void ddb_collection_metrics_add (JsonObject *by_table, DdbTable *table, const DdbKeyValue *hash);

/* Validates TableName like every item operation and looks the table up. */
DdbTable *ddb_op_table (DdbOp *op, JsonObject *obj, const char *path, GError **error);

/* ---- Keys and items (ddb-item-util.c) ---- */
/* Checks a Key map against the table schema; fills hash/range (cleared by
 * caller with ddb_key_value_clear). */
gboolean ddb_table_parse_key (DdbTable *table, JsonObject *key, DdbKeyValue *hash, DdbKeyValue *range, GError **error);
/* Validates an Item for PutItem (values, key attrs, index key types, size);
 * returns the normalized item and its size. */
JsonObject *ddb_table_prepare_item (DdbTable *table, JsonObject *item, gsize *size_out, GError **error);
/* The checks of ddb_table_prepare_item() without the copy (for
 * ddb_table_make_item_from()). */
gboolean ddb_table_check_new_item (DdbTable *table, JsonObject *item, gsize *size_out, GError **error);
/* Checks an updated item (index key types, size) before it is stored. */
gboolean ddb_table_check_item (DdbTable *table, JsonObject *attrs, gsize *size_out, GError **error);
/* A new object with just the table key attributes of attrs (and the index's,
 * when index is not NULL). */
JsonObject *ddb_table_key_of (DdbTable *table, DdbIndex *index, JsonObject *attrs);
JsonObject *ddb_table_key_of_item (DdbTable *table, DdbIndex *index, DdbItem *item);
/* A string identifying one item of one table, for duplicate checks. */
char *ddb_item_fingerprint (DdbTable *table, const DdbKeyValue *hash, const DdbKeyValue *range);
/* "ReturnValues" and friends. */
typedef enum {
  DDB_RETURN_NONE, DDB_RETURN_ALL_OLD, DDB_RETURN_UPDATED_OLD,
  DDB_RETURN_ALL_NEW, DDB_RETURN_UPDATED_NEW,
} DdbReturnValues;

/* The error DynamoDB raises when a condition fails; adds Item to the error
 * body when return_old is set and old is not NULL. */
void ddb_op_condition_failed (DdbOp *op, JsonObject *old, gboolean return_old, GError **error);
/* Placeholder env of a request; check_unused after every parse. */
DdbExprEnv *ddb_op_expr_env (JsonObject *req);
/* ddb_expr_env_check_unused(), after refusing placeholder maps in a request
 * (or action) that has no expression at all, as the service does. */
gboolean ddb_op_check_unused (JsonObject *obj, DdbExprEnv *env, GError **error);

/* ProjectionExpression or the legacy AttributesToGet, as DdbPath*s; NULL
 * with no error when the request asks for every attribute. */
GPtrArray *ddb_op_projection (JsonObject *req, DdbExprEnv *env, GError **error);
/* Rejects updates of table key attributes. */
gboolean ddb_op_check_update_paths (DdbTable *table, DdbUpdate *update, GError **error);
/* Applies update (may be NULL) to a copy of old, or to the bare key when old
 * is NULL; returns the canonical attrs to store and their size. */
JsonObject *ddb_op_apply_update (DdbTable *table, DdbUpdate *update, JsonObject *key, JsonObject *old,
                                 gsize *size_out, GError **error);

/* ---- Capacity (ddb-capacity.c) ---- */
typedef enum {
  DDB_CAPACITY_NONE, DDB_CAPACITY_TOTAL, DDB_CAPACITY_INDEXES,
} DdbCapacityMode;

gboolean ddb_capacity_mode (JsonObject *req, DdbCapacityMode *out, GError **error);
/* Read units for bytes read in one operation (4 KB units, halved for
 * eventually consistent reads; transactional reads double). */
double ddb_capacity_read_units (gsize bytes, gboolean consistent);
double ddb_capacity_write_units (gsize bytes);

typedef struct {
  char *table;
  double table_units;
  double read_units, write_units;   /* split by kind, for completeness */
  GHashTable *gsi;                  /* index name -> double* */
  GHashTable *lsi;
} DdbCapacity;

DdbCapacity *ddb_capacity_new (const char *table);
void ddb_capacity_free (DdbCapacity *cap);
void ddb_capacity_add_index (DdbCapacity *cap, DdbIndex *index, double units);
/* Write units for storing new_item over old_item, including every index the
 * write touches (as DynamoDB bills index maintenance). */
void ddb_capacity_add_write (DdbCapacity *cap, DdbTable *table, JsonObject *old_attrs, gsize old_size,
                             JsonObject *new_attrs, gsize new_size, double factor);
JsonObject *ddb_capacity_to_json (DdbCapacity *cap, DdbCapacityMode mode);
/* Adds "ConsumedCapacity" to resp for single-table ops. */
void ddb_capacity_attach (JsonObject *resp, DdbCapacity *cap, DdbCapacityMode mode);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbCapacity, ddb_capacity_free)

/* Aliases so that g_autoptr works without ddb-expr.h defining cleanups
 * (which it may do later: a second definition would not compile). */
typedef DdbExprEnv DdbOpEnv;
typedef DdbCondition DdbOpCondition;
typedef DdbUpdate DdbOpUpdate;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbOpEnv, ddb_expr_env_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbOpCondition, ddb_condition_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbOpUpdate, ddb_update_free)

/* ---- Account and tags (ddb-ops-account.c) ---- */
JsonObject *ddb_op_describe_limits (DdbOp *op, GError **error);
JsonObject *ddb_op_describe_endpoints (DdbOp *op, GError **error);
JsonObject *ddb_op_tag_resource (DdbOp *op, GError **error);
JsonObject *ddb_op_untag_resource (DdbOp *op, GError **error);
JsonObject *ddb_op_list_tags_of_resource (DdbOp *op, GError **error);

/* ---- PartiQL (ddb-ops-partiql.c) ---- */
JsonObject *ddb_op_execute_statement (DdbOp *op, GError **error);
JsonObject *ddb_op_batch_execute_statement (DdbOp *op, GError **error);
JsonObject *ddb_op_execute_transaction (DdbOp *op, GError **error);

/* ---- Streams (ddb-ops-streams.c) ---- */
JsonObject *ddb_op_list_streams (DdbOp *op, GError **error);
JsonObject *ddb_op_describe_stream (DdbOp *op, GError **error);
JsonObject *ddb_op_get_shard_iterator (DdbOp *op, GError **error);
JsonObject *ddb_op_get_records (DdbOp *op, GError **error);

/* ---- Transactions' idempotency tokens (ddb-ops-transact.c) ---- */
void ddb_token_record_free (gpointer record);

G_END_DECLS
