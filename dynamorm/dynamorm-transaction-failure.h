/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-model.h"
#include "dynamorm-transaction.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_TRANSACTION_FAILURE (dynamorm_transaction_failure_get_type ())

/**
 * DynamormTransactionFailure:
 *
 * Why one action of a cancelled transaction failed: its position, its
 * kind, its model, and DynamoDB's cancellation reason (code and message).
 */
typedef struct _DynamormTransactionFailure DynamormTransactionFailure;

DYNAMORM_AVAILABLE_IN_ALL
GType                          dynamorm_transaction_failure_get_type    (void) G_GNUC_CONST;
DYNAMORM_AVAILABLE_IN_ALL
DynamormTransactionFailure    *dynamorm_transaction_failure_ref         (DynamormTransactionFailure *self);
DYNAMORM_AVAILABLE_IN_ALL
void                           dynamorm_transaction_failure_unref       (DynamormTransactionFailure *self);
DYNAMORM_AVAILABLE_IN_ALL
guint                          dynamorm_transaction_failure_get_index   (DynamormTransactionFailure *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormTransactionActionKind  dynamorm_transaction_failure_get_kind    (DynamormTransactionFailure *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel                 *dynamorm_transaction_failure_get_model   (DynamormTransactionFailure *self);
DYNAMORM_AVAILABLE_IN_ALL
const char                    *dynamorm_transaction_failure_get_code    (DynamormTransactionFailure *self);
DYNAMORM_AVAILABLE_IN_ALL
const char                    *dynamorm_transaction_failure_get_message (DynamormTransactionFailure *self);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode                      *dynamorm_transaction_failure_get_item    (DynamormTransactionFailure *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormTransactionFailure, dynamorm_transaction_failure_unref)

G_END_DECLS
