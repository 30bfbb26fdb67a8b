/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-transaction-failure.c: why one action of a cancelled
 * transaction failed. */
#include "config.h"

#include "dynamorm-transaction-private.h"
#include "dynamorm-accessors-private.h"

struct _DynamormTransactionFailure
{
  gatomicrefcount ref_count;
  guint index;
  DynamormTransactionActionKind kind;
  DynamormModel *model;
  char *code;
  char *message;
  JsonNode *item;
};

G_DEFINE_BOXED_TYPE (DynamormTransactionFailure, dynamorm_transaction_failure,
                     dynamorm_transaction_failure_ref, dynamorm_transaction_failure_unref)

DynamormTransactionFailure *
_dynamorm_transaction_failure_new (guint                          index,
                                   DynamormTransactionActionKind  kind,
                                   DynamormModel                 *model,
                                   const char                    *code,
                                   const char                    *message,
                                   JsonNode                      *item)
{
  DynamormTransactionFailure *self = g_new0 (DynamormTransactionFailure, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->index = index;
  self->kind = kind;
  self->model = g_object_ref (model);
  self->code = g_strdup (code);
  self->message = g_strdup (message);
  self->item = item ? json_node_ref (item) : NULL;
  return self;
}

/**
 * dynamorm_transaction_failure_ref:
 * @self: a #DynamormTransactionFailure
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @self
 */
DynamormTransactionFailure *
dynamorm_transaction_failure_ref (DynamormTransactionFailure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * dynamorm_transaction_failure_unref:
 * @self: (transfer full): a #DynamormTransactionFailure
 *
 * Drops a reference.
 */
void
dynamorm_transaction_failure_unref (DynamormTransactionFailure *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_clear_object (&self->model);
  g_free (self->code);
  g_free (self->message);
  g_clear_pointer (&self->item, json_node_unref);
  g_free (self);
}

/**
 * dynamorm_transaction_failure_get_index:
 * @self: a #DynamormTransactionFailure
 *
 * Gets the position of the failed action in the transaction, from 0.
 *
 * Returns: the index
 */
DYNAMORM_DEFINE_BOXED_GETTER (guint, dynamorm_transaction_failure_get_index,
                              DynamormTransactionFailure, index, 0)

/**
 * dynamorm_transaction_failure_get_kind:
 * @self: a #DynamormTransactionFailure
 *
 * Gets what the failed action did.
 *
 * Returns: the kind of the action
 */
DYNAMORM_DEFINE_BOXED_GETTER (DynamormTransactionActionKind, dynamorm_transaction_failure_get_kind,
                              DynamormTransactionFailure, kind, DYNAMORM_TRANSACTION_ACTION_PUT)

/**
 * dynamorm_transaction_failure_get_model:
 * @self: a #DynamormTransactionFailure
 *
 * Gets the model the failed action was about.
 *
 * Returns: (transfer none): the model
 */
DYNAMORM_DEFINE_BOXED_GETTER (DynamormModel *, dynamorm_transaction_failure_get_model,
                              DynamormTransactionFailure, model, NULL)

/**
 * dynamorm_transaction_failure_get_code:
 * @self: a #DynamormTransactionFailure
 *
 * Gets DynamoDB's reason code, such as `"ConditionalCheckFailed"`,
 * `"TransactionConflict"` or `"ValidationError"`.
 *
 * Returns: the code
 */
DYNAMORM_DEFINE_BOXED_GETTER (const char *, dynamorm_transaction_failure_get_code,
                              DynamormTransactionFailure, code, NULL)

/**
 * dynamorm_transaction_failure_get_message:
 * @self: a #DynamormTransactionFailure
 *
 * Gets DynamoDB's message for the failure, such as `"The conditional
 * request failed"`.
 *
 * Returns: (nullable): the message, or %NULL if DynamoDB gave none
 */
DYNAMORM_DEFINE_BOXED_GETTER (const char *, dynamorm_transaction_failure_get_message,
                              DynamormTransactionFailure, message, NULL)

/**
 * dynamorm_transaction_failure_get_item:
 * @self: a #DynamormTransactionFailure
 *
 * Gets the item as it was stored, when DynamoDB returned it with the
 * reason.
 *
 * Returns: (transfer none) (nullable): the item, or %NULL
 */
DYNAMORM_DEFINE_BOXED_GETTER (JsonNode *, dynamorm_transaction_failure_get_item,
                              DynamormTransactionFailure, item, NULL)
