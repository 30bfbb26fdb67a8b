/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-transaction-private.h: how DynamormTransaction makes the
 * DynamormTransactionFailure of a cancelled action; never installed. */
#pragma once

#include "dynamorm-private.h"

G_BEGIN_DECLS

/* A failure with DynamoDB's cancellation reason; item (nullable) is the
 * stored item, a reference is taken. */
DynamormTransactionFailure *_dynamorm_transaction_failure_new (guint                          index,
                                                               DynamormTransactionActionKind  kind,
                                                               DynamormModel                 *model,
                                                               const char                    *code,
                                                               const char                    *message,
                                                               JsonNode                      *item);

G_END_DECLS
