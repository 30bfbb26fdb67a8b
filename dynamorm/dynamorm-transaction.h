/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-condition.h"
#include "dynamorm-model.h"
#include "dynamorm-session.h"
#include "dynamorm-retry-policy.h"
#include "dynamorm-update.h"

G_BEGIN_DECLS

/**
 * DYNAMORM_TRANSACTION_MAX_ACTIONS:
 *
 * The most actions one transaction may hold (DynamoDB's limit for
 * TransactWriteItems and TransactGetItems).
 */
#define DYNAMORM_TRANSACTION_MAX_ACTIONS 100

/**
 * DynamormTransactionActionKind:
 * @DYNAMORM_TRANSACTION_ACTION_PUT: a put, replacing any item with the key
 * @DYNAMORM_TRANSACTION_ACTION_CREATE: a put that requires that no item
 *   with the key exists
 * @DYNAMORM_TRANSACTION_ACTION_UPDATE: an update of chosen properties, or
 *   with a [class@Dynamorm.Update]
 * @DYNAMORM_TRANSACTION_ACTION_DELETE: a delete
 * @DYNAMORM_TRANSACTION_ACTION_CONDITION_CHECK: a condition on an item that
 *   the transaction does not write
 *
 * What one action of a [class@Dynamorm.Transaction] does.
 */
typedef enum {
  DYNAMORM_TRANSACTION_ACTION_PUT,
  DYNAMORM_TRANSACTION_ACTION_CREATE,
  DYNAMORM_TRANSACTION_ACTION_UPDATE,
  DYNAMORM_TRANSACTION_ACTION_DELETE,
  DYNAMORM_TRANSACTION_ACTION_CONDITION_CHECK,
} DynamormTransactionActionKind;

#define DYNAMORM_TYPE_TRANSACTION (dynamorm_transaction_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormTransaction, dynamorm_transaction, DYNAMORM, TRANSACTION, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormTransaction *dynamorm_transaction_new                       (DynamormSession      *session);
DYNAMORM_AVAILABLE_IN_ALL
DynamormSession     *dynamorm_transaction_get_session               (DynamormTransaction  *self);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_transaction_add_put                   (DynamormTransaction  *self,
                                                                     DynamormModel        *model,
                                                                     DynamormCondition    *condition);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_transaction_add_create                (DynamormTransaction  *self,
                                                                     DynamormModel        *model,
                                                                     DynamormCondition    *condition);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_transaction_add_update                (DynamormTransaction  *self,
                                                                     DynamormModel        *model,
                                                                     const char * const   *properties,
                                                                     DynamormCondition    *condition);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_transaction_add_update_with           (DynamormTransaction  *self,
                                                                     DynamormModel        *model,
                                                                     DynamormUpdate       *update,
                                                                     DynamormCondition    *condition);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_transaction_add_delete                (DynamormTransaction  *self,
                                                                     DynamormModel        *model,
                                                                     DynamormCondition    *condition);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_transaction_add_condition_check       (DynamormTransaction  *self,
                                                                     DynamormModel        *model,
                                                                     DynamormCondition    *condition);
DYNAMORM_AVAILABLE_IN_ALL
guint                dynamorm_transaction_get_n_actions             (DynamormTransaction  *self);
DYNAMORM_AVAILABLE_IN_ALL
const char          *dynamorm_transaction_get_client_request_token  (DynamormTransaction  *self);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_transaction_set_client_request_token  (DynamormTransaction  *self,
                                                                     const char           *token);
DYNAMORM_AVAILABLE_IN_ALL
DynamormRetryPolicy *dynamorm_transaction_get_retry_policy          (DynamormTransaction  *self);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_transaction_set_retry_policy          (DynamormTransaction  *self,
                                                                     DynamormRetryPolicy  *policy);
DYNAMORM_AVAILABLE_IN_ALL
gboolean             dynamorm_transaction_commit                    (DynamormTransaction  *self,
                                                                     GCancellable         *cancellable,
                                                                     GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_transaction_commit_async              (DynamormTransaction  *self,
                                                                     GCancellable         *cancellable,
                                                                     GAsyncReadyCallback   callback,
                                                                     gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean             dynamorm_transaction_commit_finish             (DynamormTransaction  *self,
                                                                     GAsyncResult         *result,
                                                                     GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray           *dynamorm_transaction_get_failures              (DynamormTransaction  *self);
DYNAMORM_AVAILABLE_IN_ALL
guint                dynamorm_transaction_get_n_attempts            (DynamormTransaction  *self);

/**
 * DynamormTransactionFunc:
 * @transaction: the transaction to add actions to
 * @user_data: the data given with the function
 * @error: return location for a #GError
 *
 * Adds the actions of a transaction, for
 * [method@Dynamorm.Session.transact_write]. Nothing is sent while it runs.
 *
 * Returns: %TRUE to commit the actions together, %FALSE (setting @error)
 *   to write nothing
 */
typedef gboolean (*DynamormTransactionFunc) (DynamormTransaction  *transaction,
                                             gpointer              user_data,
                                             GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
gboolean dynamorm_session_transact_write        (DynamormSession          *self,
                                                 DynamormTransactionFunc   func,
                                                 gpointer                  user_data,
                                                 GPtrArray               **failures,
                                                 GCancellable             *cancellable,
                                                 GError                  **error);

DYNAMORM_AVAILABLE_IN_ALL
gboolean dynamorm_session_transact_get          (DynamormSession          *self,
                                                 DynamormModel           **models,
                                                 guint                     n_models,
                                                 GPtrArray               **missing,
                                                 GCancellable             *cancellable,
                                                 GError                  **error);
DYNAMORM_AVAILABLE_IN_ALL
void     dynamorm_session_transact_get_async    (DynamormSession          *self,
                                                 DynamormModel           **models,
                                                 guint                     n_models,
                                                 GCancellable             *cancellable,
                                                 GAsyncReadyCallback       callback,
                                                 gpointer                  user_data);
DYNAMORM_AVAILABLE_IN_ALL
gboolean dynamorm_session_transact_get_finish   (DynamormSession          *self,
                                                 GAsyncResult             *result,
                                                 GPtrArray               **missing,
                                                 GError                  **error);

G_END_DECLS
