/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-direct-private.h: the batch chunks and query pages of the
 * direct path (dynamorm-direct.c), for the batch engine
 * (dynamorm-batch-run.c) and queries (dynamorm-query.c); never installed. */
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

G_END_DECLS
