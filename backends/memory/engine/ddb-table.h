/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-table.h: tables, their key schema, ordered items and secondary indexes.
 *
 * Storage layout (why: Query in O(log n + k), GetItem/PutItem in O(log n)):
 * a DdbStore maps a partition-key value to a DdbPartition whose entries are a
 * GSequence (balanced tree) ordered by the sort key. Every partition also
 * sits in store->order, sorted by a 32-bit hash of its key, which gives Scan
 * a stable, resumable order and lets a parallel-scan segment be a contiguous
 * hash range. The table has one store; every index has its own store of
 * entries pointing at the table's items (items lacking an index key
 * attribute are simply absent: sparse indexes). Stored items are immutable:
 * a write replaces the DdbItem, so readers can copy out under a read lock. */
#pragma once

#include <json-glib/json-glib.h>
#include "ddb-value.h"
#include "ddb-packed.h"

G_BEGIN_DECLS

/* A scalar key value (S, N or B) in a form that compares fast. */
typedef struct {
  DdbType type;    /* DDB_TYPE_INVALID when absent */
  guint32 len;     /* S and B: bytes of data; DDB_KEY_TUPLE: parts */
  char *data;      /* S: UTF-8, B: decoded bytes, DDB_KEY_TUPLE: DdbKeyValue[len] (owned) */
  DdbNumber num;   /* N */
} DdbKeyValue;

/* The type of a multi-attribute index key (several HASH or several RANGE
 * attributes of a GSI): the values in KeySchema order, compared left to
 * right. A shorter tuple compares equal to every tuple it is a prefix of,
 * so a probe holding only the first parts seeks to (bias -1) or past
 * (bias +1) all the entries that share them. */
#define DDB_KEY_TUPLE ((DdbType) 0x40)
/* Up to four attributes per role in a multi-attribute key. */
#define DDB_MAX_KEY_PARTS 4

/* A tuple of n parts, moved out of parts[] (which is left cleared). */
void ddb_key_value_init_tuple (DdbKeyValue *kv, DdbKeyValue *parts, guint n);

/* Fills kv from an AttributeValue of type S, N or B; FALSE if not one. */
gboolean ddb_key_value_init (DdbKeyValue *kv, JsonNode *value);
void ddb_key_value_copy (DdbKeyValue *dst, const DdbKeyValue *src);
void ddb_key_value_clear (DdbKeyValue *kv);
int ddb_key_value_compare (const DdbKeyValue *a, const DdbKeyValue *b);
gboolean ddb_key_value_equal (const DdbKeyValue *a, const DdbKeyValue *b);
guint32 ddb_key_value_hash (const DdbKeyValue *kv);
/* Bytes DynamoDB counts for the key (for the key size limits). */
gsize ddb_key_value_size (const DdbKeyValue *kv);

typedef struct _DdbItem DdbItem;

/* One position in a store. keys[] are the sort levels inside a partition: the
 * store's sort key, then (indexes only) the table key, so equal index keys
 * still have a total order for pagination. */
typedef struct {
  DdbKeyValue *hash;
  const DdbKeyValue *keys[3];
  guint8 nkeys;
  gint8 bias;      /* probes only: where to sort among equal keys (-1, +1) */
  DdbItem *item;   /* NULL for probes */
} DdbEntry;

struct _DdbItem {
  DdbEntry entry;      /* the item's place in the table store */
  DdbKeyValue hash;
  DdbKeyValue range;
  guint8 *blob;        /* the attributes, compact (ddb-blob.c); owned, immutable */
  JsonObject *view;    /* lazily decoded blob for the expression code: use ddb_item_attrs() */
  gsize size;
};

void ddb_item_free (DdbItem *item);
/* The item's attributes as a JsonObject for reading inside the engine
 * (conditions, updates, filters); decoded once, cached, never handed out. */
JsonObject *ddb_item_attrs (DdbItem *item);
/* A fresh copy of the attributes for a response (decoded from the blob). */
JsonObject *ddb_item_copy_out (DdbItem *item);
/* One stored attribute, decoded; NULL when absent. */
JsonNode *ddb_item_get_value (DdbItem *item, const char *name);

/* ---- The packed form (ddb-blob.c, common/ddb-packed.h) ---- */
/* Encodes validated attrs (numbers made canonical). */
guint8 *ddb_blob_encode (JsonObject *attrs, gsize *len_out);
JsonObject *ddb_blob_decode (const guint8 *blob);
/* The encoded value of attribute name, or NULL. */
const guint8 *ddb_blob_find (const guint8 *blob, const char *name);
JsonNode *ddb_blob_value_decode (const guint8 *value);
/* Key value from an encoded S, N or B value; FALSE for other types. */
gboolean ddb_blob_key_value (const guint8 *value, DdbKeyValue *kv);
gboolean ddb_blob_number (const guint8 *value, DdbNumber *out);
/* TRUE when a packed item from outside the engine (len bytes) is well formed
 * and holds only what the JSON path would store unchanged (canonical numbers,
 * no empty or duplicate sets, ...); *size_out gets its DynamoDB size.
 * FALSE says nothing about validity: the request must go the JSON way. */
gboolean ddb_blob_check (const guint8 *blob, gsize len, gsize *size_out);

typedef struct {
  DdbKeyValue key;
  guint32 khash;
  GSequence *entries;          /* DdbEntry*, ordered by keys[] */
  GSequenceIter *order_iter;   /* position in store->order; NULL while unordered */
  guint unordered_index;       /* position in store->unordered, while there */
} DdbPartition;

typedef struct {
  GHashTable *partitions;      /* DdbKeyValue* (partition->key) -> DdbPartition* */
  GSequence *order;            /* DdbPartition*, by (khash, key): settled ones */
  /* New partitions wait here until a Scan needs the order
   * (ddb_store_settle): writes then cost no O(log n) walk of a tree whose
   * every comparison touches another partition, which made inserting a
   * partition the dearest part of a PutItem. */
  GPtrArray *unordered;
  gboolean owns_items;         /* table store: frees DdbItems; index: frees entries */
  guint64 count;
  guint64 bytes;
} DdbStore;

typedef enum {
  DDB_PROJECTION_ALL,
  DDB_PROJECTION_KEYS_ONLY,
  DDB_PROJECTION_INCLUDE,
} DdbProjectionType;

typedef struct {
  char *name;
  DdbType type;
} DdbKeyAttr;

typedef struct _DdbTable DdbTable;

/* Called by ddb_table_put() and ddb_table_delete() after the table changed
 * and before the replaced or deleted item is freed: old is NULL for a new
 * item, new_item NULL for a deletion. Both stay valid during the call. */
typedef void (*DdbTableChangeFunc) (DdbTable *table, DdbItem *old, DdbItem *new_item, gpointer user_data);

typedef struct {
  char *name;
  gboolean global;
  DdbKeyAttr hash;             /* the (first) HASH attribute */
  DdbKeyAttr range;            /* the (first) RANGE attribute; name NULL when none */
  /* Multi-attribute keys (GSIs): the further HASH and RANGE attributes, in
   * KeySchema order. A role with more than one attribute keys the store by
   * a DDB_KEY_TUPLE of all of them; an item lacking any is not indexed. */
  DdbKeyAttr more_hash[DDB_MAX_KEY_PARTS - 1];
  DdbKeyAttr more_range[DDB_MAX_KEY_PARTS - 1];
  guint8 n_more_hash, n_more_range;
  DdbProjectionType projection;
  GPtrArray *non_key_attrs;    /* char*, INCLUDE only */
  GHashTable *include_set;     /* name -> name, INCLUDE only */
  gint64 read_capacity, write_capacity; /* GSIs on PROVISIONED tables */
  DdbStore store;
  DdbTable *table;
} DdbIndex;

struct _DdbTable {
  char *name;
  DdbKeyAttr hash;
  DdbKeyAttr range;            /* name NULL when none */
  JsonArray *attribute_definitions; /* as given, for DescribeTable */
  gboolean pay_per_request;
  gint64 read_capacity, write_capacity;
  gboolean stream_enabled;
  char *stream_view_type;
  char *stream_label;           /* kept when the stream is disabled (LatestStreamLabel) */
  gpointer stream;              /* DdbStream* of the enabled stream, owned by the engine */
  DdbTableChangeFunc on_change; /* NULL: nobody listens (tables outside an engine) */
  gpointer on_change_data;
  /* Where the table was restored from (ddb-snapshot.c), freed with it. */
  gpointer origin;
  GDestroyNotify origin_free;
  gint64 created_ms;
  char *ttl_attribute;         /* NULL when TTL is disabled */
  GHashTable *tags;             /* TagResource: key -> value, or NULL */
  GPtrArray *indexes;          /* DdbIndex*, LSIs then GSIs in creation order */
  DdbStore store;
};

DdbTable *ddb_table_new (const char *name);
void ddb_table_free (DdbTable *table);
DdbIndex *ddb_table_find_index (DdbTable *table, const char *name);
/* Adds an index and backfills it from the table's items. */
void ddb_table_add_index (DdbTable *table, DdbIndex *index);
void ddb_table_remove_index (DdbTable *table, DdbIndex *index);
DdbIndex *ddb_index_new (void);
void ddb_index_free (DdbIndex *index);

/* Lookup by the table key; NULL when absent. range may be NULL for a
 * hash-only table. */
DdbItem *ddb_table_lookup (DdbTable *table, const DdbKeyValue *hash, const DdbKeyValue *range);
/* Makes an item from normalized attrs (takes ownership); the key attributes
 * must have been validated against the schema. */
DdbItem *ddb_table_make_item (DdbTable *table, JsonObject *attrs, gsize size);
/* The same from validated request attrs, which are only read (numbers are
 * made canonical as they are encoded): no intermediate copy. */
DdbItem *ddb_table_make_item_from (DdbTable *table, JsonObject *attrs, gsize size);
/* The same from a checked packed item, which the item takes over. */
DdbItem *ddb_table_make_item_packed (DdbTable *table, guint8 *blob, gsize size);
/* The same with its key values, read from blob already (as
 * ddb_packed_item_acceptable() gives them): moved into the item, and
 * hash and range are left cleared. */
DdbItem *ddb_table_make_item_packed_keyed (DdbTable *table, guint8 *blob, gsize size, DdbKeyValue *hash,
                                           DdbKeyValue *range);
/* Stores item, replacing and freeing any item with the same key. */
void ddb_table_put (DdbTable *table, DdbItem *item);
/* Removes and frees item (which must be stored). */
void ddb_table_delete (DdbTable *table, DdbItem *item);

/* The index's HASH (then RANGE) attributes in KeySchema order: out holds
 * DDB_MAX_KEY_PARTS; returns how many (0 RANGE attributes when none). */
guint ddb_index_hash_attrs (const DdbIndex *index, const DdbKeyAttr **out);
guint ddb_index_range_attrs (const DdbIndex *index, const DdbKeyAttr **out);
/* Every key attribute of the index, HASH then RANGE (out holds
 * 2 * DDB_MAX_KEY_PARTS); returns how many. */
guint ddb_index_key_attrs (const DdbIndex *index, const DdbKeyAttr **out);
gboolean ddb_index_is_key_attr (const DdbIndex *index, const char *name);
/* TRUE when a role of the index has several attributes. */
#define ddb_index_is_multi(index) ((index)->n_more_hash > 0 || (index)->n_more_range > 0)

/* Index key values of item for index; FALSE when the item is not in the index. */
gboolean ddb_index_item_keys (DdbIndex *index, DdbItem *item, DdbKeyValue *hash, DdbKeyValue *range);

/* Store navigation for Query and Scan. */
DdbPartition *ddb_store_lookup_partition (DdbStore *store, const DdbKeyValue *key);
/* The first entry of partition at or after probe (bias -1) or strictly after
 * it (bias +1); probe may give fewer keys than the store's entries. */
GSequenceIter *ddb_partition_seek (DdbPartition *partition, const DdbEntry *probe);
/* Puts every unordered partition into store->order: call before using
 * store->order or a partition's order_iter. It writes, so it runs under the
 * engine's exclusive lock; readers under the shared lock find the store
 * settled already (ddb_store_settled()) and it does nothing. */
void ddb_store_settle (DdbStore *store);
gboolean ddb_store_settled (const DdbStore *store);
/* The first partition at or after (khash, key) (bias -1) or after it (+1);
 * key may be NULL to seek by khash alone. Settles the store. */
GSequenceIter *ddb_store_seek_partition (DdbStore *store, guint32 khash, const DdbKeyValue *key, int bias);

/* Copies item attrs deeply (JsonObject refcounts are not atomic, so nothing
 * stored is ever shared with a response). */
JsonObject *ddb_item_copy_attrs (JsonObject *attrs);
JsonNode *ddb_value_copy (JsonNode *value);
/* Deep copies that also put top-level N and NS attributes in DynamoDB's
 * canonical form: what gets stored (the request's nodes are never kept).
 * Numbers inside L and M keep the text they were written with, as DynamoDB
 * Local returns them. */
JsonNode *ddb_value_copy_canonical (JsonNode *value);
JsonObject *ddb_item_copy_canonical (JsonObject *attrs);

/* Attributes of item visible through index (all for ALL). New object. */
JsonObject *ddb_index_project (DdbIndex *index, JsonObject *attrs);
gboolean ddb_index_projects_attr (DdbIndex *index, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbIndex, ddb_index_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbTable, ddb_table_free)

G_END_DECLS
