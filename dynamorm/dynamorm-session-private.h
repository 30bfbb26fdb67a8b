/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-session-private.h: what the session lends the builders of a
 * request: its key provider and data-key cache. The session is above the
 * crypto and expression code, so this is declared here, not in their
 * headers (HACKING.md, "The layers"). */
#pragma once

#include "dynamorm-crypto-private.h"
#include "dynamorm-expression-private.h"

G_BEGIN_DECLS

/* The session's key provider and cache (references). */
void                 _dynamorm_session_get_crypto   (DynamormSession *session, DynamormCrypto *out);
/* A new builder with the session's crypto for table. */
DynamormExprBuilder *_dynamorm_session_expr_builder (DynamormSession *session, const char *table);

/* What the direct path needs of the session (backend, table prefix,
 * consumed capacity), without the crypto objects: for the batch engine,
 * which sends models with encrypted properties as JSON. */
void                 _dynamorm_session_direct_call  (DynamormSession *session, DynamormDirectCall *call);

/* Key-provider calls of _async operations: with a provider that may block
 * (KMS) and a data-key cache, they run in a worker thread, so the caller's
 * main context keeps running; the caller's thread then finds the keys in
 * the cache.
 *
 * warm_keys: makes sure the cache can seal n_uses values (GenerateDataKey
 * in the thread), then calls callback; returns FALSE and calls nothing
 * when there is nothing to wait for (no such provider, n_uses 0): build
 * the request at once then. callback must call _finish. Cancelling
 * returns G_IO_ERROR_CANCELLED at once. */
gboolean _dynamorm_session_warm_keys_async  (DynamormSession *session, guint n_uses,
                                             GCancellable *cancellable, GAsyncReadyCallback callback,
                                             gpointer user_data);
/* A failure says the encrypted properties of what could not be encrypted. */
gboolean _dynamorm_session_warm_keys_finish (DynamormSession *session, GAsyncResult *result,
                                             const char *what, GError **error);
/* dynamorm_session_call_async() for an answer holding items the caller
 * opens (query pages, batch and transaction gets):
 * the data keys of its sealed values are fetched in the thread first
 * (Decrypt). Finish with dynamorm_session_call_finish(). */
void     _dynamorm_session_call_items_async (DynamormSession *session, const char *operation,
                                             JsonNode *request, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);

G_END_DECLS
