/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-backend-private.h: the direct path, between the core and the
 * backends built with it (never installed).
 *
 * The seam stays DynamoDB's wire API: every request can be sent as JSON,
 * and every backend answers it. But a json-glib request tree costs a few
 * hundred allocations for a 10-attribute item, which dominates an
 * in-process backend. So the most common calls, a whole-model PutItem
 * {TableName, Item} and GetItem {TableName, Key}, the chunks of batch
 * writes and gets, the answers of queries and scans and the puts and
 * reads of transactions, may also be offered to a backend as packed items
 * (common/ddb-packed.h). A backend either carries
 * one out exactly as it would the JSON request, or declines it, and the
 * core then sends the JSON request, which gives every error its usual
 * answer. Only the memory backend takes the direct path. */
#pragma once

#include "dynamorm-backend.h"

G_BEGIN_DECLS

typedef enum {
  DYNAMORM_DIRECT_DONE,      /* carried out (get: *item_out is the item) */
  DYNAMORM_DIRECT_ABSENT,    /* get: there is no item with this key */
  DYNAMORM_DIRECT_DECLINED,  /* send the JSON request instead */
} DynamormDirectResult;

/* One write of a batch: a packed item to put, or a packed key to delete. */
typedef struct {
  const char *table_name;
  guint8 *packed;
  gsize len;
  gboolean is_delete;
} DynamormDirectWrite;

/* One read of a batch: a packed key in, the packed item out. */
typedef struct {
  const char *table_name;
  const guint8 *key;
  gsize len;
  guint8 *item;
} DynamormDirectRead;

typedef struct {
  /* PutItem {TableName, Item}; takes item (g_free) when it answers DONE. */
  DynamormDirectResult (*put_item) (DynamormBackend *backend, const char *table_name,
                                    guint8 *item, gsize len);
  /* GetItem {TableName, Key} (an eventually consistent read); *item_out is a
   * packed item to g_free. */
  DynamormDirectResult (*get_item) (DynamormBackend *backend, const char *table_name,
                                    const guint8 *key, gsize len,
                                    guint8 **item_out, gsize *len_out);
  /* One chunk of a batch, writes or reads (the other NULL), n entries:
   * BatchWriteItem {RequestItems} of at most 25 writes, DONE when every
   * write was made, with nothing unprocessed, taking the packed items of
   * puts (set NULL); or BatchGetItem {RequestItems} of at most 100 keys (no
   * projection), DONE with each found item in its read's item (g_free),
   * NULL for a missing one. DECLINED: nothing written or read. */
  DynamormDirectResult (*batch) (DynamormBackend *backend, DynamormDirectWrite *writes,
                                 DynamormDirectRead *reads, guint n);
  /* Query or Scan (operation) with its request as JSON (small): DONE with
   * the answer but its Items in *answer_out, and the items packed in
   * *items_out (g_free each), in order. DECLINED on anything else, errors
   * included: a read, so the JSON request then gets the answer. */
  DynamormDirectResult (*query) (DynamormBackend *backend, const char *operation, JsonNode *request,
                                 JsonNode **answer_out, GPtrArray **items_out);
  /* TransactWriteItems, its request as JSON in which action i may be a Put
   * whose Item is JSON null, its item packed in items[i] (lens[i] bytes;
   * items[i] NULL for every other action). DONE when the transaction was
   * carried out (or its token's first answer replayed), taking every item
   * (set NULL). DECLINED on anything else, a cancellation included:
   * nothing written, the items untouched; the request with the items in
   * it as JSON then gets the answer. TransactGetItems of at most 100 keys
   * is the batch call's read (one snapshot under the engine's lock). */
  DynamormDirectResult (*transact_write) (DynamormBackend *backend, JsonNode *request, guint8 **items,
                                          const gsize *lens);
} DynamormDirectOps;

/* A backend class offers the direct path by pointing direct_ops at its
 * DynamormDirectOps in class_init. */
static inline const DynamormDirectOps *
_dynamorm_backend_get_direct_ops (DynamormBackend *backend)
{
  return DYNAMORM_BACKEND_GET_CLASS (backend)->direct_ops;
}

G_END_DECLS
