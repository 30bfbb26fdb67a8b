/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-direct-private.h: the batch chunks, query pages and
 * transactions of the direct path (dynamorm-direct.c), for the batch engine
 * (dynamorm-batch-run.c), queries (dynamorm-query.c) and transactions
 * (dynamorm-transaction.c); never installed. */
#pragma once

#include "dynamorm-backend-private.h"
#include "dynamorm-private.h"

G_BEGIN_DECLS

/* Whether a batch's units of model_type may go the direct path: the
 * backend has the batch call, and nothing about the model needs the JSON
 * path (encrypted properties, single-table keys, timestamps of a put). */
gboolean _dynamorm_direct_batch_takes (const DynamormDirectCall *call, GType model_type,
                                       const DynamormSchema *schema, gboolean is_write);
/* One chunk on the direct path, writes or reads (the other NULL);
 * dynamorm-backend-private.h says what the backend does. DECLINED: send
 * it as JSON. */
DynamormDirectResult _dynamorm_direct_batch (const DynamormDirectCall *call, DynamormDirectWrite *writes,
                                             DynamormDirectRead *reads, guint n, GCancellable *cancellable);

/* One page of a Query or Scan (operation) of model_type, the request as
 * JSON, on the direct path: DONE with the answer but its Items, and the
 * items packed (g_free each); DECLINED: send the request as JSON. */
DynamormDirectResult _dynamorm_direct_query (const DynamormDirectCall *call, GType model_type,
                                             const char *operation, JsonNode *request,
                                             JsonNode **answer_out, GPtrArray **items_out,
                                             GCancellable *cancellable);

/* Whether a put of a model_type in a transaction may carry its item
 * packed: the backend has the transaction call, and nothing about the model
 * needs the JSON item (encrypted properties, single-table keys, a version
 * or timestamps stamped into it). */
gboolean _dynamorm_direct_transact_packs (const DynamormDirectCall *call, GType model_type,
                                          const DynamormSchema *schema);
/* A TransactWriteItems request on the direct path, with the packed items
 * of its puts; dynamorm-backend-private.h says what the backend does.
 * DECLINED: put the items into the request and send it as JSON. */
DynamormDirectResult _dynamorm_direct_transact_write (const DynamormDirectCall *call, JsonNode *request,
                                                      guint8 **items, const gsize *lens,
                                                      GCancellable *cancellable);

/* The values of a packed item for schema's fields, in schema order, into
 * values (zeroed, one per field; defaults for the attributes the item
 * lacks); FALSE when one does not decode (the JSON path says why). String
 * values may borrow item's text: clear them with
 * _dynamorm_packed_values_clear() (either way) before item goes. */
gboolean _dynamorm_packed_decode_values (const DynamormSchema *schema, const DynamormDirectCall *call,
                                         const char *table, const guint8 *item, GValue *values);
void _dynamorm_packed_values_clear (const DynamormSchema *schema, GValue *values);

G_END_DECLS
