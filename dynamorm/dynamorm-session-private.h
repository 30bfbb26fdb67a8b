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

G_END_DECLS
