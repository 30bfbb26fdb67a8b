/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-transaction.c: TransactWriteItems and TransactGetItems.
 *
 * A transaction collects actions on models and builds the whole request
 * when it commits, so every mistake (an unknown property in a condition,
 * two actions on one item, more than 100 actions) is reported before
 * anything is sent. One ClientRequestToken is made per transaction and
 * sent again, unchanged, with every retry of a TransactionConflict, so a
 * retry after a lost answer can never apply the writes twice. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-transaction.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-transaction-private.h"
#include "dynamorm-batch-private.h"
#include "dynamorm-sync-private.h"
#include "dynamorm-condition-private.h"
#include "dynamorm-write-private.h"
#include "dynamorm-session-private.h"
#include "dynamorm-single-table-private.h"
#include "dynamorm-direct-private.h"
#include "ddb-packed.h"

static const char *
kind_name (DynamormTransactionActionKind kind)
{
  switch (kind)
    {
    case DYNAMORM_TRANSACTION_ACTION_PUT: return "put";
    case DYNAMORM_TRANSACTION_ACTION_CREATE: return "create";
    case DYNAMORM_TRANSACTION_ACTION_UPDATE: return "update";
    case DYNAMORM_TRANSACTION_ACTION_DELETE: return "delete";
    case DYNAMORM_TRANSACTION_ACTION_CONDITION_CHECK: return "condition check";
    default: return "?";
    }
}

/* ------------------------------------------------------------------ */
/* The transaction */

typedef struct {
  DynamormTransactionActionKind kind;
  DynamormModel *model;
  DynamormCondition *condition;
  char **properties;
  DynamormUpdate *update;
  /* Set while building: the lifecycle values written (version,
   * updated_at, created_at when known), for the model after commit. */
  GPtrArray *after;
} Action;

static void
action_clear (Action *action)
{
  g_clear_object (&action->model);
  g_clear_pointer (&action->condition, dynamorm_condition_unref);
  g_clear_pointer (&action->properties, g_strfreev);
  g_clear_object (&action->update);
  g_clear_pointer (&action->after, g_ptr_array_unref);
}

/**
 * DynamormTransaction:
 *
 * Writes to several items, in one table or several, all together or not
 * at all (DynamoDB's TransactWriteItems).
 *
 * ```c
 * g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (session);
 * g_autoptr(DynamormCondition) enough = dynamorm_condition_new ("balance", DYNAMORM_OPERATOR_GE, &amount, 1);
 *
 * dynamorm_transaction_add_update (tx, from, (const char *[]) { "balance", NULL }, enough);
 * dynamorm_transaction_add_update (tx, to, (const char *[]) { "balance", NULL }, NULL);
 * dynamorm_transaction_add_create (tx, payment, NULL);
 * if (!dynamorm_transaction_commit (tx, NULL, &error))
 *   ...
 * ```
 *
 * Each action takes an optional [struct@Dynamorm.Condition] on its item.
 * Models with a `version` property take part in optimistic locking as in
 * single writes ([method@Dynamorm.Session.put]): a put requires the stored
 * version to be the model's (no item at all, for a model at version 0), an
 * update or delete requires it too (or no version, for a model at version
 * 0), and puts and updates write the next version, which the model takes
 * after the commit.
 *
 * `created_at` and `updated_at` are kept as in single writes too: a put
 * sets `updated_at` to now and stores `created_at` only if the item has
 * none (a put of a model with a `created_at` property is sent as an Update
 * action with `if_not_exists`, as [method@Dynamorm.Session.put] sends an
 * UpdateItem), an update sets `updated_at` to now unless it writes it
 * itself, and leaves `created_at` alone. After the commit the models hold
 * the `updated_at` written, and the `created_at` written when the action
 * created the item (a create, or a put of a versioned model at version 0);
 * a put over an item that may exist cannot read the `created_at` it kept
 * (transactions return no items), so the model keeps its own: reload it
 * to read the stored one. The timestamps of a transaction are taken at
 * its first commit and kept, so that committing it again sends the same
 * request, as its client request token requires.
 *
 * Everything is checked before the request is sent: more than
 * %DYNAMORM_TRANSACTION_MAX_ACTIONS actions, two actions on one item, a
 * condition check without a condition, a condition on an unknown property
 * are all %DYNAMORM_ERROR_INVALID_ARGUMENT (or the condition's own error).
 *
 * When DynamoDB cancels the transaction, nothing is written and commit
 * fails with %DYNAMORM_ERROR_CONDITION_FAILED when a condition was not met,
 * or %DYNAMORM_ERROR_TRANSACTION_CANCELLED for other reasons;
 * [method@Dynamorm.Transaction.get_failures] then tells, for every action
 * that failed, its index, kind, model, and DynamoDB's reason.
 *
 * A transaction carries one client request token (a random UUID) from its
 * creation; every attempt of every commit sends it, so DynamoDB applies the
 * writes at most once even when an answer is lost and the commit is
 * repeated (within ten minutes, with the same actions). Cancellations that
 * are only due to TransactionConflict are retried under the transaction's
 * [class@Dynamorm.RetryPolicy].
 */
struct _DynamormTransaction
{
  GObject parent_instance;

  DynamormSession *session;
  GArray *actions;              /* of Action */
  char *token;
  DynamormRetryPolicy *retry_policy;
  GPtrArray *failures;
  guint n_attempts;
  gboolean committing;
  GDateTime *now;               /* the time of the timestamps, from the first commit */
};

G_DEFINE_FINAL_TYPE (DynamormTransaction, dynamorm_transaction, G_TYPE_OBJECT)

static void
dynamorm_transaction_finalize (GObject *object)
{
  DynamormTransaction *self = DYNAMORM_TRANSACTION (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->actions, g_array_unref);
  g_clear_pointer (&self->token, g_free);
  g_clear_object (&self->retry_policy);
  g_clear_pointer (&self->failures, g_ptr_array_unref);
  g_clear_pointer (&self->now, g_date_time_unref);

  G_OBJECT_CLASS (dynamorm_transaction_parent_class)->finalize (object);
}

static void
dynamorm_transaction_class_init (DynamormTransactionClass *klass)
{
  _dynamorm_init ();
  G_OBJECT_CLASS (klass)->finalize = dynamorm_transaction_finalize;
}

static void
dynamorm_transaction_init (DynamormTransaction *self)
{
  self->actions = g_array_new (FALSE, TRUE, sizeof (Action));
  g_array_set_clear_func (self->actions, (GDestroyNotify) action_clear);
  self->token = g_uuid_string_random ();
  self->retry_policy = dynamorm_retry_policy_new ();
  self->failures = g_ptr_array_new_with_free_func ((GDestroyNotify) dynamorm_transaction_failure_unref);
}

/**
 * dynamorm_transaction_new:
 * @session: a #DynamormSession
 *
 * Creates an empty transaction with a new client request token.
 *
 * Returns: (transfer full): a new transaction
 */
DynamormTransaction *
dynamorm_transaction_new (DynamormSession *session)
{
  DynamormTransaction *self;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);

  self = g_object_new (DYNAMORM_TYPE_TRANSACTION, NULL);
  self->session = g_object_ref (session);
  return self;
}

/**
 * dynamorm_transaction_get_session:
 * @self: a #DynamormTransaction
 *
 * Gets the session the transaction commits through.
 *
 * Returns: (transfer none): the session
 */
DYNAMORM_DEFINE_GETTER (DynamormSession *, dynamorm_transaction_get_session,
                        DynamormTransaction, DYNAMORM_IS_TRANSACTION, session, NULL)

static void
add_action (DynamormTransaction           *self,
            DynamormTransactionActionKind  kind,
            DynamormModel                 *model,
            const char * const            *properties,
            DynamormCondition             *condition)
{
  Action action = { 0, };

  action.kind = kind;
  action.model = g_object_ref (model);
  action.condition = condition ? dynamorm_condition_ref (condition) : NULL;
  action.properties = properties && properties[0] ? g_strdupv ((char **) properties) : NULL;
  g_array_append_val (self->actions, action);
}

/* The add_ functions that add one kind of action on a model, under their
 * gi-docgen comments:
 *
 *   DEFINE_ADD_ACTION (dynamorm_transaction_add_put, DYNAMORM_TRANSACTION_ACTION_PUT)
 *
 * defines
 *
 *   void
 *   dynamorm_transaction_add_put (DynamormTransaction *self, DynamormModel *model,
 *                                 DynamormCondition *condition)
 *   {
 *     g_return_if_fail (DYNAMORM_IS_TRANSACTION (self));
 *     g_return_if_fail (DYNAMORM_IS_MODEL (model));
 *     add_action (self, DYNAMORM_TRANSACTION_ACTION_PUT, model, NULL, condition);
 *   }
 */
#define DEFINE_ADD_ACTION(function, kind)                                            \
  void                                                                             \
  function (DynamormTransaction *self, DynamormModel *model,                       \
            DynamormCondition *condition)                                          \
  {                                                                                \
    g_return_if_fail (DYNAMORM_IS_TRANSACTION (self));                             \
    g_return_if_fail (DYNAMORM_IS_MODEL (model));                                  \
    add_action (self, kind, model, NULL, condition);                               \
  }

/**
 * dynamorm_transaction_add_put:
 * @self: a #DynamormTransaction
 * @model: the model to store
 * @condition: (nullable): a condition the stored item must meet
 *
 * Adds a put of @model, replacing any item with its key. The item is taken
 * from the model when the transaction commits. As
 * [method@Dynamorm.Session.put], it keeps the stored `created_at` and sets
 * `updated_at` to now (see [class@Dynamorm.Transaction]).
 */
DEFINE_ADD_ACTION (dynamorm_transaction_add_put, DYNAMORM_TRANSACTION_ACTION_PUT)

/**
 * dynamorm_transaction_add_create:
 * @self: a #DynamormTransaction
 * @model: the model to store
 * @condition: (nullable): a further condition, or %NULL
 *
 * Adds a put of @model that requires that no item with its key exists.
 */
DEFINE_ADD_ACTION (dynamorm_transaction_add_create, DYNAMORM_TRANSACTION_ACTION_CREATE)

/**
 * dynamorm_transaction_add_update:
 * @self: a #DynamormTransaction
 * @model: a model whose key properties are set
 * @properties: (array zero-terminated=1) (nullable): the properties to
 *   write, or %NULL for every property that is not a key or a lifecycle
 *   property (version, created_at, updated_at)
 * @condition: (nullable): a condition the stored item must meet
 *
 * Adds an update of chosen properties of the item with @model's key, as
 * [method@Dynamorm.Session.update] does: the item must exist (or the
 * transaction is cancelled with a ConditionalCheckFailed reason for this
 * action), and properties whose value is left out of items are removed.
 * `updated_at` is set to now unless @properties names it; `created_at` is
 * only written when @properties names it.
 */
void
dynamorm_transaction_add_update (DynamormTransaction *self,
                                 DynamormModel       *model,
                                 const char * const  *properties,
                                 DynamormCondition   *condition)
{
  g_return_if_fail (DYNAMORM_IS_TRANSACTION (self));
  g_return_if_fail (DYNAMORM_IS_MODEL (model));
  add_action (self, DYNAMORM_TRANSACTION_ACTION_UPDATE, model, properties, condition);
}

/**
 * dynamorm_transaction_add_update_with:
 * @self: a #DynamormTransaction
 * @model: a model whose key properties are set
 * @update: the changes to make, such as increments, appends and removals
 * @condition: (nullable): a condition the stored item must meet
 *
 * Adds an update of the item with @model's key made of the actions of a
 * [class@Dynamorm.Update], as [method@Dynamorm.Session.update_full] does:
 * the item must exist. The update is rendered when the transaction
 * commits; changing it afterwards has no effect on a commit in progress.
 */
void
dynamorm_transaction_add_update_with (DynamormTransaction *self,
                                      DynamormModel       *model,
                                      DynamormUpdate      *update,
                                      DynamormCondition   *condition)
{
  Action *action;

  g_return_if_fail (DYNAMORM_IS_TRANSACTION (self));
  g_return_if_fail (DYNAMORM_IS_MODEL (model));
  g_return_if_fail (DYNAMORM_IS_UPDATE (update));

  add_action (self, DYNAMORM_TRANSACTION_ACTION_UPDATE, model, NULL, condition);
  action = &g_array_index (self->actions, Action, self->actions->len - 1);
  action->update = g_object_ref (update);
}

/**
 * dynamorm_transaction_add_delete:
 * @self: a #DynamormTransaction
 * @model: a model whose key properties are set
 * @condition: (nullable): a condition the stored item must meet
 *
 * Adds a delete of the item with @model's key.
 */
DEFINE_ADD_ACTION (dynamorm_transaction_add_delete, DYNAMORM_TRANSACTION_ACTION_DELETE)

/**
 * dynamorm_transaction_add_condition_check:
 * @self: a #DynamormTransaction
 * @model: a model whose key properties are set
 * @condition: the condition the item with @model's key must meet
 *
 * Adds a condition on an item the transaction does not write: if it is
 * not met, nothing is written.
 */
DEFINE_ADD_ACTION (dynamorm_transaction_add_condition_check, DYNAMORM_TRANSACTION_ACTION_CONDITION_CHECK)

/**
 * dynamorm_transaction_get_n_actions:
 * @self: a #DynamormTransaction
 *
 * Gets how many actions the transaction holds.
 *
 * Returns: the number of actions
 */
guint
dynamorm_transaction_get_n_actions (DynamormTransaction *self)
{
  g_return_val_if_fail (DYNAMORM_IS_TRANSACTION (self), 0);
  return self->actions->len;
}

/**
 * dynamorm_transaction_get_client_request_token:
 * @self: a #DynamormTransaction
 *
 * Gets the idempotency token every commit attempt sends.
 *
 * Returns: the token
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_transaction_get_client_request_token,
                        DynamormTransaction, DYNAMORM_IS_TRANSACTION, token, NULL)

/**
 * dynamorm_transaction_set_client_request_token:
 * @self: a #DynamormTransaction
 * @token: (nullable): a token of 1 to 36 characters, or %NULL for a new
 *   random one
 *
 * Sets the idempotency token, for example to repeat, from another process,
 * a transaction whose outcome is unknown. DynamoDB applies a transaction
 * once per token for ten minutes; the same token with different actions is
 * %DYNAMORM_ERROR_IDEMPOTENCY_MISMATCH.
 */
void
dynamorm_transaction_set_client_request_token (DynamormTransaction *self,
                                               const char          *token)
{
  g_return_if_fail (DYNAMORM_IS_TRANSACTION (self));
  g_return_if_fail (token == NULL || (strlen (token) >= 1 && strlen (token) <= 36));

  g_free (self->token);
  self->token = token ? g_strdup (token) : g_uuid_string_random ();
}

/**
 * dynamorm_transaction_get_retry_policy:
 * @self: a #DynamormTransaction
 *
 * Gets the policy under which conflicts are retried.
 *
 * Returns: (transfer none) (nullable): the policy, or %NULL
 */
DYNAMORM_DEFINE_GETTER (DynamormRetryPolicy *, dynamorm_transaction_get_retry_policy,
                        DynamormTransaction, DYNAMORM_IS_TRANSACTION, retry_policy, NULL)

/**
 * dynamorm_transaction_set_retry_policy:
 * @self: a #DynamormTransaction
 * @policy: (nullable): how to retry a transaction cancelled only by
 *   conflicts with other transactions, or %NULL never to retry
 *
 * Sets the retry policy; the default is [ctor@Dynamorm.RetryPolicy.new].
 * Every retry sends the same client request token.
 */
void
dynamorm_transaction_set_retry_policy (DynamormTransaction *self,
                                       DynamormRetryPolicy *policy)
{
  g_return_if_fail (DYNAMORM_IS_TRANSACTION (self));
  g_return_if_fail (policy == NULL || DYNAMORM_IS_RETRY_POLICY (policy));

  g_set_object (&self->retry_policy, policy);
}

/**
 * dynamorm_transaction_get_failures:
 * @self: a #DynamormTransaction
 *
 * Gets, after a commit that DynamoDB cancelled, the actions that failed,
 * in the order of the actions. Actions whose reason was "None" (they would
 * have succeeded) are not listed. Empty after a successful commit.
 *
 * Returns: (transfer none) (element-type DynamormTransactionFailure): the
 *   failures
 */
DYNAMORM_DEFINE_GETTER (GPtrArray *, dynamorm_transaction_get_failures,
                        DynamormTransaction, DYNAMORM_IS_TRANSACTION, failures, NULL)

/**
 * dynamorm_transaction_get_n_attempts:
 * @self: a #DynamormTransaction
 *
 * Gets how many requests the last commit sent (more than one when
 * conflicts were retried).
 *
 * Returns: the number of attempts
 */
DYNAMORM_DEFINE_GETTER (guint, dynamorm_transaction_get_n_attempts,
                        DynamormTransaction, DYNAMORM_IS_TRANSACTION, n_attempts, 0)

/* ------------------------------------------------------------------ */
/* Building the request */

static JsonNode *
version_av (const DynamormField *field, gint64 version, GError **error)
{
  g_auto(GValue) value = G_VALUE_INIT;
  JsonNode *av = NULL;

  _dynamorm_int64_value (field, version, &value);
  if (!_dynamorm_field_encode (field, &value, &av, error))
    av = NULL;
  return av;
}

static void
add_condition (GPtrArray *conditions, char *text)
{
  g_ptr_array_add (conditions, text);
}

static char *
join_conditions (GPtrArray *conditions)
{
  GString *s;

  if (conditions->len == 0)
    return NULL;
  if (conditions->len == 1)
    return g_strdup (conditions->pdata[0]);
  s = g_string_new (NULL);
  for (guint i = 0; i < conditions->len; i++)
    {
      /* Parentheses only where a condition has a top-level AND, OR or NOT. */
      g_autofree char *wrapped = _dynamorm_expr_wrap (conditions->pdata[i]);
      g_string_append_printf (s, "%s%s", i ? " AND " : "", wrapped);
    }
  return g_string_free (s, FALSE);
}

/* Update of chosen properties: SET and REMOVE clauses. */
static gboolean
build_update_expression (Action *action, const DynamormSchema *schema, DynamormExprBuilder *b,
                         GString *set, GString *remove, gboolean *sets_updated_at, GError **error)
{
  DynamormModel *model = action->model;
  DynamormModelClass *klass = DYNAMORM_MODEL_GET_CLASS (model);
  g_autoptr(GPtrArray) fields = g_ptr_array_new ();

  if (action->properties == NULL)
    {
      for (guint i = 0; i < schema->fields->len; i++)
        {
          DynamormField *field = g_ptr_array_index (schema->fields, i);
          /* As the session's update: the lifecycle properties are
           * Dynamorm's to write, not the model's. */
          if (field != schema->partition_key && field != schema->sort_key && field != schema->version &&
              field != schema->created_at && field != schema->updated_at)
            g_ptr_array_add (fields, field);
        }
    }
  else
    for (guint i = 0; action->properties[i] != NULL; i++)
      {
        DynamormField *field = _dynamorm_schema_lookup (schema, action->properties[i]);

        if (field == NULL)
          {
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                         _("%s has no stored property “%s” to update"),
                         G_OBJECT_TYPE_NAME (model), action->properties[i]);
            return FALSE;
          }
        if (field == schema->partition_key || field == schema->sort_key)
          {
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                         _("Property “%s” is part of the key of %s and cannot be updated: "
                           "delete the item and create a new one in the same transaction instead"),
                         field->pspec->name, G_OBJECT_TYPE_NAME (model));
            return FALSE;
          }
        if (field == schema->version)
          {
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                         _("Property “%s” of %s is its version, which Dynamorm writes itself: "
                           "leave it out of the properties to update"),
                         field->pspec->name, G_OBJECT_TYPE_NAME (model));
            return FALSE;
          }
        if (!g_ptr_array_find (fields, field, NULL))
          g_ptr_array_add (fields, field);
      }
  *sets_updated_at = schema->updated_at != NULL && g_ptr_array_find (fields, schema->updated_at, NULL);

  for (guint i = 0; i < fields->len; i++)
    {
      DynamormField *field = fields->pdata[i];
      GValue value = G_VALUE_INIT;
      GError *local_error = NULL;
      const char *name;
      JsonNode *av;

      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (field->pspec));
      g_object_get_property (G_OBJECT (model), field->pspec->name, &value);
      av = klass->serialize_property (model, field->pspec->name, &value, field->pspec, &local_error);
      g_value_unset (&value);
      if (local_error != NULL)
        {
          g_clear_pointer (&av, json_node_unref);
          g_propagate_error (error, local_error);
          return FALSE;
        }
      name = _dynamorm_expr_builder_name (b, field->attribute);
      if (av == NULL)
        g_string_append_printf (remove, "%s%s", remove->len ? ", " : "", name);
      else if ((av = _dynamorm_expr_builder_seal (b, field, av, error)) == NULL)
        return FALSE;
      else
        g_string_append_printf (set, "%s%s = %s", set->len ? ", " : "", name,
                                _dynamorm_expr_builder_value (b, av));
    }
  {
    g_autoptr(GHashTable) given = g_hash_table_new (NULL, NULL);

    for (guint i = 0; i < fields->len; i++)
      g_hash_table_insert (given, fields->pdata[i], DYNAMORM_UPDATE_FROM_MODEL);
    return _dynamorm_update_render_composed (schema, model, given, b, set, remove, error);
  }
}

/* What the steps of build_action share: the action, its schema, the
 * expression builder, the conditions so far and the spec being built. */
typedef struct {
  DynamormTransaction *self;
  Action *action;
  const DynamormSchema *schema;
  DynamormExprBuilder *b;
  GPtrArray *conditions;
  JsonObject *spec;
  gboolean versioned;           /* the version is read and checked */
  gint64 version;
  /* The direct path, or NULL: a put's item goes packed into *packed
   * (*packed_len bytes) where it can. */
  const DynamormDirectCall *direct;
  guint8 **packed;
  gsize *packed_len;
} ActionBuild;

/* A put's item packed for the direct path, into *ab->packed; FALSE: the
 * item goes as JSON. Puts with created_at are updates, and nothing else is
 * stamped or sealed into the item (see _dynamorm_direct_transact_packs). */
static gboolean
pack_put (ActionBuild *ab)
{
  DynamormTransactionActionKind kind = ab->action->kind;
  GByteArray *out;

  if (ab->direct == NULL || (kind != DYNAMORM_TRANSACTION_ACTION_PUT && kind != DYNAMORM_TRANSACTION_ACTION_CREATE) ||
      !_dynamorm_direct_transact_packs (ab->direct, G_OBJECT_TYPE (ab->action->model), ab->schema))
    return FALSE;
  out = g_byte_array_sized_new (256);
  if (!_dynamorm_model_pack (ab->action->model, ab->schema, ab->direct, NULL, out))
    {
      g_byte_array_unref (out);
      return FALSE;
    }
  *ab->packed_len = out->len;
  *ab->packed = g_byte_array_free (out, FALSE);
  return TRUE;
}

/* What names the action's item for the one-action-per-item check: the
 * key of its packed item for a put that packs (packed here), else of its
 * model's key, which goes into *key. NULL when the model has no key. */
static char *
item_fingerprint (ActionBuild *ab, const char *table, JsonNode **key, GError **error)
{
  if (pack_put (ab))
    {
      char *fingerprint = _dynamorm_packed_fingerprint (table, ab->schema, *ab->packed);

      if (fingerprint != NULL)
        return fingerprint;
      g_clear_pointer (ab->packed, g_free);
    }
  *key = dynamorm_model_get_key (ab->action->model, error);
  return *key != NULL ? _dynamorm_item_fingerprint (table, ab->schema, json_node_get_object (*key)) : NULL;
}

/* DynamoDB allows one action per item in a transaction: the items seen so
 * far are in seen, by fingerprint (taken), with their action index. */
static gboolean
check_item_unique (const char *table, char *fingerprint, DynamormModel *model, JsonNode *key, guint index,
                   GHashTable *seen, GError **error)
{
  g_autoptr(JsonNode) own_key = NULL;
  g_autofree char *text = NULL;

  if (!g_hash_table_contains (seen, fingerprint))
    {
      g_hash_table_insert (seen, fingerprint, GUINT_TO_POINTER (index));
      return TRUE;
    }
  if (key == NULL)
    key = own_key = dynamorm_model_get_key (model, NULL);
  text = _dynamorm_describe_key_object (json_node_get_object (key));
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
               _("Actions %u and %u of the transaction are both about the item with %s in table “%s”; "
                 "DynamoDB allows one action per item in a transaction: combine them into one"),
               GPOINTER_TO_UINT (g_hash_table_lookup (seen, fingerprint)), index, text, table);
  g_free (fingerprint);
  return FALSE;
}

static const char *
partition_key_name (ActionBuild *ab)
{
  return _dynamorm_expr_builder_name (ab->b, ab->schema->partition_key->attribute);
}

/* The conditions of a put or create and the version it writes (next);
 * *is_new when the item surely did not exist if the action succeeds. */
static void
plan_put_conditions (ActionBuild *ab, GValue *next, gboolean *is_new)
{
  const DynamormSchema *schema = ab->schema;
  DynamormExprBuilder *b = ab->b;
  gboolean is_put = ab->action->kind == DYNAMORM_TRANSACTION_ACTION_PUT;

  *is_new = !is_put;
  if (!is_put)
    add_condition (ab->conditions, g_strdup_printf ("attribute_not_exists(%s)", partition_key_name (ab)));
  if (ab->versioned)
    {
      _dynamorm_int64_value (schema->version, ab->version + 1, next);
      if (!is_put)
        return;
      if (ab->version == 0)
        {
          add_condition (ab->conditions, g_strdup_printf ("attribute_not_exists(%s)", partition_key_name (ab)));
          *is_new = TRUE;
        }
      else
        add_condition (ab->conditions, g_strdup_printf ("%s = %s",
                                                        _dynamorm_expr_builder_name (b, schema->version->attribute),
                                                        _dynamorm_expr_builder_value (b, version_av (schema->version, ab->version, NULL))));
    }
  else if (schema->version != NULL)
    {
      /* Not readable as a number: stored as the model holds it. */
      g_value_init (next, G_PARAM_SPEC_VALUE_TYPE (schema->version->pspec));
      g_object_get_property (G_OBJECT (ab->action->model), schema->version->pspec->name, next);
    }
}

/* Put and create. With created_at, as the session's put: an update that
 * keeps the stored created_at (if_not_exists) and writes every other
 * attribute; otherwise a Put of the whole item. */
static const char *
build_put (ActionBuild *ab, JsonNode **key, GError **error)
{
  const DynamormSchema *schema = ab->schema;
  Action *action = ab->action;
  g_auto(GValue) next = G_VALUE_INIT;
  g_auto(GValue) created = G_VALUE_INIT;
  g_autofree char *expression = NULL;
  JsonNode *item;
  gboolean is_new;

  plan_put_conditions (ab, &next, &is_new);
  if (schema->created_at != NULL)
    {
      expression = _dynamorm_put_as_update_expression (schema, action->model, ab->b, &next, ab->self->now,
                                                       &action->after, &created, error);
      if (expression == NULL)
        return NULL;
      /* created_at as sent is the stored one only for a new item;
       * otherwise the model keeps its own (reload to read the
       * stored one). */
      if (is_new)
        _dynamorm_after_set_add (&action->after, schema->created_at, &created);
      json_object_set_member (ab->spec, "Key", g_steal_pointer (key));
      json_object_set_string_member (ab->spec, "UpdateExpression", expression);
      return "Update";
    }
  /* Packed already (pack_put): a JSON null Item stands for it. */
  if (*ab->packed != NULL)
    {
      json_object_set_null_member (ab->spec, "Item");
      return "Put";
    }
  item = dynamorm_model_to_item (action->model, error);
  if (item == NULL)
    return NULL;
  if (!_dynamorm_put_stamp_item (schema, action->model, json_node_get_object (item),
                                 ab->versioned ? &next : NULL, ab->self->now, &action->after, error) ||
      !_dynamorm_session_seal_item (ab->self->session, schema,
                                    json_object_get_string_member (ab->spec, "TableName"),
                                    json_node_get_object (item), error))
    {
      json_node_unref (item);
      return NULL;
    }
  json_object_set_member (ab->spec, "Item", item);
  return "Put";
}

/* An update built from a DynamormUpdate: its SET clause goes to set (the
 * version joins it later), the other clauses to expression. */
static gboolean
render_update_object (ActionBuild *ab, GString *set, GString *expression, GError **error)
{
  const DynamormSchema *schema = ab->schema;
  Action *action = ab->action;
  g_autofree char *text = NULL;
  DynamormUpdateClauses clauses;
  gboolean ok;

  _dynamorm_update_clauses_init (&clauses);
  ok = _dynamorm_update_render (action->update, action->model, schema, ab->b, &clauses, error);
  if (ok && ab->versioned)
    _dynamorm_update_clauses_touch (&clauses, schema->version, -1, NULL);
  ok = ok && _dynamorm_update_stamp (schema, ab->b, clauses.set,
                                     schema->updated_at != NULL &&
                                     g_hash_table_contains (clauses.touched, schema->updated_at),
                                     ab->self->now, &action->after, error);
  if (ok)
    {
      g_string_append (set, clauses.set->str);
      g_string_truncate (clauses.set, 0);
      text = _dynamorm_update_clauses_text (&clauses);
      if (text != NULL)
        g_string_append (expression, text);
    }
  _dynamorm_update_clauses_clear (&clauses);
  return ok;
}

/* The version check of an update and the bump it writes into set. */
static gboolean
add_update_version (ActionBuild *ab, GString *set, GError **error)
{
  const DynamormSchema *schema = ab->schema;
  DynamormExprBuilder *b = ab->b;
  const char *ver_name = _dynamorm_expr_builder_name (b, schema->version->attribute);
  JsonNode *next = version_av (schema->version, ab->version + 1, error);
  g_auto(GValue) next_value = G_VALUE_INIT;

  if (next == NULL)
    return FALSE;
  if (ab->version == 0)
    add_condition (ab->conditions, g_strdup_printf ("attribute_not_exists(%s) OR %s = %s", ver_name, ver_name,
                                                    _dynamorm_expr_builder_value (b, version_av (schema->version, 0, NULL))));
  else
    add_condition (ab->conditions, g_strdup_printf ("%s = %s", ver_name,
                                                    _dynamorm_expr_builder_value (b, version_av (schema->version, ab->version, NULL))));
  g_string_append_printf (set, "%s%s = %s", set->len ? ", " : "", ver_name,
                          _dynamorm_expr_builder_value (b, next));
  _dynamorm_int64_value (schema->version, ab->version + 1, &next_value);
  _dynamorm_after_set_add (&ab->action->after, schema->version, &next_value);
  return TRUE;
}

/* "SET ... <other clauses> REMOVE ...", or an error when all are empty. */
static gboolean
join_update_expression (GString *set, GString *remove, GString *expression, GError **error)
{
  if (set->len)
    {
      g_autofree char *set_clause = g_strdup_printf ("SET %s%s", set->str, expression->len ? " " : "");
      g_string_prepend (expression, set_clause);
    }
  if (remove->len)
    g_string_append_printf (expression, "%sREMOVE %s", expression->len ? " " : "", remove->str);
  if (expression->len == 0)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The update has nothing to write: name the properties to update"));
      return FALSE;
    }
  return TRUE;
}

/* An update of chosen properties or by a DynamormUpdate, on an item that
 * must exist. */
static const char *
build_update (ActionBuild *ab, JsonNode **key, GError **error)
{
  const DynamormSchema *schema = ab->schema;
  Action *action = ab->action;
  g_autoptr(GString) set = g_string_new (NULL);
  g_autoptr(GString) remove = g_string_new (NULL);
  g_autoptr(GString) expression = g_string_new (NULL);
  gboolean sets_updated_at = FALSE;

  if (action->update != NULL)
    {
      if (!render_update_object (ab, set, expression, error))
        return NULL;
    }
  else if (!build_update_expression (action, schema, ab->b, set, remove, &sets_updated_at, error) ||
           !_dynamorm_update_stamp (schema, ab->b, set, sets_updated_at, ab->self->now, &action->after, error))
    return NULL;
  add_condition (ab->conditions, g_strdup_printf ("attribute_exists(%s)", partition_key_name (ab)));
  if (ab->versioned && !add_update_version (ab, set, error))
    return NULL;
  if (!join_update_expression (set, remove, expression, error))
    return NULL;
  json_object_set_member (ab->spec, "Key", g_steal_pointer (key));
  json_object_set_string_member (ab->spec, "UpdateExpression", expression->str);
  return "Update";
}

static const char *
build_delete (ActionBuild *ab, JsonNode **key)
{
  if (ab->versioned)
    {
      const DynamormSchema *schema = ab->schema;
      const char *ver_name = _dynamorm_expr_builder_name (ab->b, schema->version->attribute);
      const char *value = _dynamorm_expr_builder_value (ab->b, version_av (schema->version, ab->version, NULL));

      if (ab->version == 0)
        add_condition (ab->conditions, g_strdup_printf ("attribute_not_exists(%s) OR %s = %s",
                                                        ver_name, ver_name, value));
      else
        add_condition (ab->conditions, g_strdup_printf ("%s = %s", ver_name, value));
    }
  json_object_set_member (ab->spec, "Key", g_steal_pointer (key));
  return "Delete";
}

static const char *
build_condition_check (ActionBuild *ab, guint index, JsonNode **key, GError **error)
{
  if (ab->action->condition == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Action %u of the transaction is a condition check without a condition: "
                     "give it the condition to check"), index);
      return NULL;
    }
  json_object_set_member (ab->spec, "Key", g_steal_pointer (key));
  return "ConditionCheck";
}

/* The caller's condition joins the action's own; then the expression
 * names and values go into the spec. */
static gboolean
apply_conditions (ActionBuild *ab, GError **error)
{
  g_autofree char *condition = NULL;

  if (ab->action->condition != NULL)
    {
      char *text = _dynamorm_condition_render (ab->action->condition, ab->schema, ab->b, error);

      if (text == NULL)
        return FALSE;
      add_condition (ab->conditions, text);
    }
  condition = join_conditions (ab->conditions);
  if (condition != NULL)
    json_object_set_string_member (ab->spec, "ConditionExpression", condition);
  if (!_dynamorm_expr_builder_apply (ab->b, ab->spec, error))
    return FALSE;
  /* Ask for the stored item when a condition fails, for the failure. */
  if (condition != NULL)
    json_object_set_string_member (ab->spec, "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
  return TRUE;
}

/* One TransactItems element: {"Put"|"Update"|"Delete"|"ConditionCheck": spec};
 * with direct, a put's item may go packed into *packed (*packed_len). */
static JsonNode *
build_action (DynamormTransaction *self, guint index, Action *action, GHashTable *seen,
              const DynamormDirectCall *direct, guint8 **packed, gsize *packed_len, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (G_OBJECT_TYPE (action->model), TRUE, error);
  g_autoptr(DynamormExprBuilder) b = NULL;
  g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) key = NULL;
  g_autofree char *table = NULL;
  ActionBuild ab = { self, action, schema, NULL, conditions, NULL, FALSE, 0, direct, packed, packed_len };
  JsonObject *wrapper;
  const char *member = NULL;
  char *fingerprint;

  if (schema == NULL)
    return NULL;
  table = dynamorm_session_get_table_name (self->session, G_OBJECT_TYPE (action->model));
  fingerprint = item_fingerprint (&ab, table, &key, error);
  if (fingerprint == NULL || !check_item_unique (table, fingerprint, action->model, key, index, seen, error))
    return NULL;

  ab.b = b = _dynamorm_session_expr_builder (self->session, table);
  ab.spec = json_object_new ();
  json_object_set_string_member (ab.spec, "TableName", table);
  ab.versioned = schema->version != NULL && action->kind != DYNAMORM_TRANSACTION_ACTION_CONDITION_CHECK;
  if (ab.versioned && !_dynamorm_int64_read (schema->version, action->model, &ab.version))
    ab.versioned = FALSE;
  g_clear_pointer (&action->after, g_ptr_array_unref);

  switch (action->kind)
    {
    case DYNAMORM_TRANSACTION_ACTION_PUT:
    case DYNAMORM_TRANSACTION_ACTION_CREATE:
      member = build_put (&ab, &key, error);
      break;
    case DYNAMORM_TRANSACTION_ACTION_UPDATE:
      member = build_update (&ab, &key, error);
      break;
    case DYNAMORM_TRANSACTION_ACTION_DELETE:
      member = build_delete (&ab, &key);
      break;
    case DYNAMORM_TRANSACTION_ACTION_CONDITION_CHECK:
    default:
      member = build_condition_check (&ab, index, &key, error);
      break;
    }
  if (member == NULL || !apply_conditions (&ab, error))
    {
      g_prefix_error (error, _("Action %u (%s of %s) of the transaction: "),
                      index, kind_name (action->kind), G_OBJECT_TYPE_NAME (action->model));
      json_object_unref (ab.spec);
      return NULL;
    }

  wrapper = json_object_new ();
  json_object_set_object_member (wrapper, member, ab.spec);
  return _dynamorm_node_take_object (wrapper);
}

/* The TransactWriteItems request; with direct, the items of puts that can
 * go packed are in packed (lens), one slot per action, and JSON null in the
 * request. */
static JsonNode *
build_request (DynamormTransaction *self, const DynamormDirectCall *direct, guint8 **packed, gsize *lens,
               GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *actions;
  JsonObject *body;

  if (self->actions->len > DYNAMORM_TRANSACTION_MAX_ACTIONS)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A transaction holds at most %u actions (DynamoDB's limit) and this one has %u: "
                     "split it into several transactions, or use a batch write if the writes need "
                     "not be atomic"),
                   DYNAMORM_TRANSACTION_MAX_ACTIONS, self->actions->len);
      return NULL;
    }

  actions = json_array_new ();
  for (guint i = 0; i < self->actions->len; i++)
    {
      JsonNode *node = build_action (self, i, &g_array_index (self->actions, Action, i), seen, direct,
                                     &packed[i], &lens[i], error);

      if (node == NULL)
        {
          json_array_unref (actions);
          return NULL;
        }
      json_array_add_element (actions, node);
    }

  body = json_object_new ();
  json_object_set_array_member (body, "TransactItems", actions);
  json_object_set_string_member (body, "ClientRequestToken", self->token);
  return _dynamorm_node_take_object (body);
}

/* ------------------------------------------------------------------ */
/* Reading a cancellation */

/* CancellationReasons, or, when a backend leaves them out, the codes of
 * the message ("... [ConditionalCheckFailed, None]"). */
static JsonArray *
cancellation_reasons (const GError *error)
{
  JsonNode *response = dynamorm_error_get_response (error);
  JsonNode *reasons = NULL;
  const char *open, *close;
  JsonArray *array;
  g_autofree char *inside = NULL;
  g_auto(GStrv) codes = NULL;

  if (response != NULL && JSON_NODE_HOLDS_OBJECT (response))
    reasons = json_object_get_member (json_node_get_object (response), "CancellationReasons");
  if (reasons != NULL && JSON_NODE_HOLDS_ARRAY (reasons))
    return json_array_ref (json_node_get_array (reasons));

  open = strrchr (error->message, '[');
  close = open ? strchr (open, ']') : NULL;
  if (close == NULL)
    return NULL;
  inside = g_strndup (open + 1, close - open - 1);
  codes = g_strsplit (inside, ",", -1);
  array = json_array_new ();
  for (guint i = 0; codes[i] != NULL; i++)
    {
      JsonObject *reason = json_object_new ();

      json_object_set_string_member (reason, "Code", g_strstrip (codes[i]));
      json_array_add_object_element (array, reason);
    }
  return array;
}

static void
read_failures (DynamormTransaction *self, const GError *error, gboolean *only_conflicts,
               gboolean *any_condition)
{
  g_autoptr(JsonArray) reasons = cancellation_reasons (error);

  *only_conflicts = FALSE;
  *any_condition = FALSE;
  g_ptr_array_set_size (self->failures, 0);
  if (reasons == NULL)
    return;

  *only_conflicts = TRUE;
  for (guint i = 0; i < json_array_get_length (reasons) && i < self->actions->len; i++)
    {
      JsonNode *node = json_array_get_element (reasons, i);
      JsonObject *reason = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *code = reason ? json_object_get_string_member_with_default (reason, "Code", NULL) : NULL;
      const char *message = NULL;
      JsonNode *item;
      Action *action = &g_array_index (self->actions, Action, i);

      if (code == NULL || g_str_equal (code, "None"))
        continue;
      if (json_object_has_member (reason, "Message"))
        message = json_object_get_string_member_with_default (reason, "Message", NULL);
      else if (json_object_has_member (reason, "message"))
        message = json_object_get_string_member_with_default (reason, "message", NULL);

      item = json_object_get_member (reason, "Item");
      g_ptr_array_add (self->failures,
                       _dynamorm_transaction_failure_new (i, action->kind, action->model, code, message,
                                                          item && JSON_NODE_HOLDS_OBJECT (item) ? item : NULL));

      if (!g_str_equal (code, "TransactionConflict"))
        *only_conflicts = FALSE;
      if (g_str_equal (code, "ConditionalCheckFailed"))
        *any_condition = TRUE;
    }
  if (self->failures->len == 0)
    *only_conflicts = FALSE;
}

/* Says which actions failed and why, in the error's message. */
static void
explain_cancellation (DynamormTransaction *self, GError *error, gboolean any_condition)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < self->failures->len; i++)
    {
      DynamormTransactionFailure *f = self->failures->pdata[i];
      DynamormModel *model = dynamorm_transaction_failure_get_model (f);
      const char *message = dynamorm_transaction_failure_get_message (f);
      g_autoptr(JsonNode) key = dynamorm_model_get_key (model, NULL);
      g_autofree char *text = key ? _dynamorm_describe_key_object (json_node_get_object (key)) : NULL;

      g_string_append_printf (s, "%s%s %u (%s of %s %s) failed: %s%s%s",
                              i ? "; " : "", _("action"), dynamorm_transaction_failure_get_index (f),
                              kind_name (dynamorm_transaction_failure_get_kind (f)),
                              G_OBJECT_TYPE_NAME (model), text ? text : "",
                              dynamorm_transaction_failure_get_code (f), message ? ", " : "", message ? message : "");
    }
  if (any_condition)
    error->code = DYNAMORM_ERROR_CONDITION_FAILED;
  if (s->len && s->str[s->len - 1] == '.')
    g_string_truncate (s, s->len - 1);
  if (s->len)
    g_prefix_error (&error, _("Transaction cancelled, nothing was written: %s. DynamoDB said: "), s->str);
}

/* ------------------------------------------------------------------ */
/* Committing */

typedef struct {
  JsonNode *request;
  guint attempt;
} Commit;

static void
commit_free (Commit *commit)
{
  g_clear_pointer (&commit->request, json_node_unref);
  g_free (commit);
}

static void commit_send (GTask *task);

/* Every action was applied: the models take what was written. */
static void
commit_succeeded (DynamormTransaction *self, GTask *task)
{
  for (guint i = 0; i < self->actions->len; i++)
    {
      Action *action = &g_array_index (self->actions, Action, i);

      _dynamorm_after_set_apply (action->after, action->model);
    }
  g_ptr_array_set_size (self->failures, 0);
  self->committing = FALSE;
  g_task_return_boolean (task, TRUE);
}

static gboolean
commit_retry_cb (gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      DYNAMORM_TRANSACTION (g_task_get_source_object (task))->committing = FALSE;
      g_task_return_error (task, error);
    }
  else
    commit_send (g_object_ref (task));
  return G_SOURCE_REMOVE;
}

static void
commit_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormTransaction *self = g_task_get_source_object (task);
  Commit *commit = g_task_get_task_data (task);
  g_autoptr(JsonNode) response = NULL;
  GError *error = NULL;
  gboolean only_conflicts = FALSE, any_condition = FALSE;

  response = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);
  if (response != NULL)
    {
      commit_succeeded (self, task);
      return;
    }

  if (g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_TRANSACTION_CANCELLED))
    read_failures (self, error, &only_conflicts, &any_condition);
  else
    g_ptr_array_set_size (self->failures, 0);

  if ((only_conflicts || g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_TRANSACTION_CONFLICT)) &&
      self->retry_policy != NULL &&
      commit->attempt < dynamorm_retry_policy_get_max_attempts (self->retry_policy))
    {
      guint delay = dynamorm_retry_policy_get_delay (self->retry_policy, commit->attempt);
      GSource *timeout = g_timeout_source_new (delay);
      GMainContext *context = g_task_get_context (task);

      g_debug ("TransactWriteItems %s: %s; retrying in %u ms with the same token",
               self->token, error->message, delay);
      g_clear_error (&error);
      commit->attempt++;
      g_source_set_callback (timeout, commit_retry_cb, g_steal_pointer (&task), g_object_unref);
      g_source_set_static_name (timeout, "[dynamorm] transaction retry");
      g_source_attach (timeout, context);
      g_source_unref (timeout);
      return;
    }

  if (g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_TRANSACTION_CANCELLED))
    explain_cancellation (self, error, any_condition);
  else if (g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_IDEMPOTENCY_MISMATCH))
    g_prefix_error (&error, _("The client request token “%s” was used in the last ten minutes for a "
                              "transaction with other actions, so nothing was written: give this "
                              "transaction a new token (Transaction.set_client_request_token with "
                              "NULL or None makes one), or repeat the earlier actions unchanged: "),
                    self->token);
  self->committing = FALSE;
  g_task_return_error (task, error);
}

static void
commit_send (GTask *task)
{
  DynamormTransaction *self = g_task_get_source_object (task);
  Commit *commit = g_task_get_task_data (task);

  self->n_attempts = commit->attempt;
  dynamorm_session_call_async (self->session, "TransactWriteItems", commit->request,
                               g_task_get_cancellable (task), commit_cb, task);
}

/* How many encrypted values the actions seal, at most. */
static guint
n_sealed (DynamormTransaction *self)
{
  guint n = 0;

  for (guint i = 0; i < self->actions->len; i++)
    {
      Action *action = &g_array_index (self->actions, Action, i);
      const DynamormSchema *schema = _dynamorm_schema_get (G_OBJECT_TYPE (action->model), FALSE, NULL);

      if (schema == NULL)
        continue;
      if (action->kind == DYNAMORM_TRANSACTION_ACTION_PUT || action->kind == DYNAMORM_TRANSACTION_ACTION_CREATE)
        n += schema->n_encrypted;
      else if (action->kind == DYNAMORM_TRANSACTION_ACTION_UPDATE)
        n += _dynamorm_update_n_sealed (action->update, (const char * const *) action->properties, schema);
    }
  return n;
}

/* The request on the direct path: TRUE when it was carried out (task
 * returned and unreferenced), FALSE when it goes as JSON. */
static gboolean
commit_direct (DynamormTransaction *self, GTask *task, const DynamormDirectCall *direct, JsonNode *request,
               guint8 **items, const gsize *lens)
{
  if (_dynamorm_direct_transact_write (direct, request, items, lens, g_task_get_cancellable (task)) !=
      DYNAMORM_DIRECT_DONE)
    return FALSE;
  self->n_attempts = 1;
  commit_succeeded (self, task);
  g_object_unref (task);
  return TRUE;
}

/* The direct path declined: each packed item goes into its Put as JSON
 * (the item the JSON path builds). */
static void
unpack_items (JsonNode *request, guint8 **items, guint n)
{
  JsonArray *actions = json_object_get_array_member (json_node_get_object (request), "TransactItems");

  for (guint i = 0; i < n; i++)
    if (items[i] != NULL)
      {
        JsonObject *put = json_object_get_object_member (json_array_get_object_element (actions, i), "Put");

        json_object_set_object_member (put, "Item", ddb_packed_to_json_item (items[i]));
        g_clear_pointer (&items[i], g_free);
      }
}

/* Builds the request (its data keys at hand) and carries it out on the
 * direct path or sends it, or reports error (the data keys could not be
 * made). Takes task, whose data says whether this commit took the
 * transaction's time. */
static void
commit_start (GTask *task, GError *error)
{
  DynamormTransaction *self = g_task_get_source_object (task);
  g_auto(DynamormDirectCall) direct = { 0 };
  guint n = self->actions->len;
  g_autofree guint8 **items = g_new0 (guint8 *, n);
  g_autofree gsize *lens = g_new0 (gsize, n);
  JsonNode *request = NULL;
  Commit *commit;

  _dynamorm_session_direct_call (self->session, &direct);
  if (error == NULL)
    request = build_request (self, &direct, items, lens, &error);
  if (request != NULL && commit_direct (self, task, &direct, request, items, lens))
    {
      json_node_unref (request);
      return;
    }
  if (request != NULL)
    unpack_items (request, items, n);
  for (guint i = 0; i < n; i++)
    g_free (items[i]);   /* of a request that failed to build */
  if (request == NULL)
    {
      /* Nothing was sent: the next commit takes its own time. */
      if (GPOINTER_TO_INT (g_task_get_task_data (task)))
        g_clear_pointer (&self->now, g_date_time_unref);
      self->committing = FALSE;
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  commit = g_new0 (Commit, 1);
  commit->request = request;
  commit->attempt = 1;
  g_task_set_task_data (task, commit, (GDestroyNotify) commit_free);
  commit_send (task);
}

static void
commit_keys_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DynamormTransaction *self = g_task_get_source_object (task);
  GError *error = NULL;

  _dynamorm_session_warm_keys_finish (self->session, result, _("the transaction"), &error);
  commit_start (task, error);
}

/**
 * dynamorm_transaction_commit_async:
 * @self: a #DynamormTransaction
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the transaction is committed or
 *   refused
 * @user_data: data for @callback
 *
 * Commits the transaction; see [method@Dynamorm.Transaction.commit].
 */
void
dynamorm_transaction_commit_async (DynamormTransaction *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gboolean pinned = FALSE;

  g_return_if_fail (DYNAMORM_IS_TRANSACTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_transaction_commit_async);
  g_ptr_array_set_size (self->failures, 0);
  self->n_attempts = 0;

  if (self->committing)
    {
      g_task_return_new_error (task, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                               _("The transaction is being committed already: wait for that commit to finish"));
      return;
    }
  if (self->actions->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* One time for every timestamp of the transaction, taken at its first
   * commit and kept, so that committing again (after a lost answer) sends
   * the same request, as the client request token requires. */
  if (self->now == NULL)
    {
      self->now = g_date_time_new_now_utc ();
      pinned = TRUE;
    }
  self->committing = TRUE;
  g_task_set_task_data (task, GINT_TO_POINTER (pinned), NULL);
  if (!_dynamorm_session_warm_keys_async (self->session, n_sealed (self), cancellable, commit_keys_ready,
                                          task))
    commit_start (g_steal_pointer (&task), NULL);
  else
    g_steal_pointer (&task);
}

/**
 * dynamorm_transaction_commit_finish:
 * @self: a #DynamormTransaction
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Transaction.commit_async].
 *
 * Returns: %TRUE if every action was applied
 */
DYNAMORM_DEFINE_FINISH_BOOLEAN (dynamorm_transaction_commit_finish, DynamormTransaction,
                                dynamorm_transaction_commit_async)

/**
 * dynamorm_transaction_commit:
 * @self: a #DynamormTransaction
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sends every action in one TransactWriteItems request: all are applied,
 * or none. A transaction with no actions commits without a request.
 *
 * A cancellation that is due only to conflicts with other transactions is
 * retried under the retry policy, with the same token. Other
 * cancellations fail with %DYNAMORM_ERROR_CONDITION_FAILED (a condition was
 * not met) or %DYNAMORM_ERROR_TRANSACTION_CANCELLED, and
 * [method@Dynamorm.Transaction.get_failures] tells which actions failed.
 * After a successful commit, versioned models hold their new version, and
 * models with an `updated_at` the time written (see
 * [class@Dynamorm.Transaction] for `created_at`).
 *
 * The transaction keeps its actions and token: committing it again sends
 * the same request, which DynamoDB recognises and does not apply twice.
 *
 * Returns: %TRUE if every action was applied
 */
gboolean
dynamorm_transaction_commit (DynamormTransaction  *self,
                             GCancellable         *cancellable,
                             GError              **error)
{
  g_auto(DynamormSyncWait) wait = { 0 };

  g_return_val_if_fail (DYNAMORM_IS_TRANSACTION (self), FALSE);

  _dynamorm_sync_wait_init (&wait);
  dynamorm_transaction_commit_async (self, cancellable, _dynamorm_sync_wait_cb, &wait);
  return dynamorm_transaction_commit_finish (self, _dynamorm_sync_wait_run (&wait), error);
}

/**
 * dynamorm_session_transact_write:
 * @self: a #DynamormSession
 * @func: (scope call): adds the actions to the transaction it is given
 * @user_data: data for @func
 * @failures: (out) (optional) (transfer container) (element-type DynamormTransactionFailure):
 *   return location for the actions that failed, when DynamoDB cancelled
 *   the transaction
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs @func to add the actions of a new transaction, then commits them
 * together, in one request, if it returns %TRUE. When @func returns %FALSE
 * nothing is sent and nothing is written; its error is returned.
 *
 * ```c
 * static gboolean
 * transfer (DynamormTransaction *tx, gpointer data, GError **error)
 * {
 *   Transfer *t = data;
 *
 *   if (t->amount <= 0)
 *     return (g_set_error (error, MY_ERROR, MY_ERROR_AMOUNT, "nothing to transfer"), FALSE);
 *   dynamorm_transaction_add_update (tx, t->from, balance_only, t->enough_funds);
 *   dynamorm_transaction_add_update (tx, t->to, balance_only, NULL);
 *   return TRUE;
 * }
 * ```
 *
 * Returns: %TRUE if @func succeeded and every action was applied
 */
gboolean
dynamorm_session_transact_write (DynamormSession          *self,
                                 DynamormTransactionFunc   func,
                                 gpointer                  user_data,
                                 GPtrArray               **failures,
                                 GCancellable             *cancellable,
                                 GError                  **error)
{
  g_autoptr(DynamormTransaction) tx = NULL;
  GError *local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  tx = dynamorm_transaction_new (self);
  if (failures != NULL)
    *failures = NULL;
  if (!func (tx, user_data, &local_error))
    {
      if (local_error == NULL)
        local_error = g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED,
                                   _("The transaction function returned FALSE without an error; "
                                     "nothing was written"));
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (local_error != NULL)
    {
      g_warning ("A transaction function returned TRUE and set an error (%s); the error is ignored",
                 local_error->message);
      g_clear_error (&local_error);
    }
  ok = dynamorm_transaction_commit (tx, cancellable, error);
  if (failures != NULL)
    *failures = g_ptr_array_copy (tx->failures, (GCopyFunc) (void (*) (void)) dynamorm_transaction_failure_ref, NULL);
  if (failures != NULL)
    g_ptr_array_set_free_func (*failures, (GDestroyNotify) dynamorm_transaction_failure_unref);
  return ok;
}

/* ------------------------------------------------------------------ */
/* Transactional get */

typedef struct {
  GPtrArray *models;
  GPtrArray *missing;
} GetData;

static void
get_data_free (GetData *data)
{
  g_ptr_array_unref (data->models);
  g_clear_pointer (&data->missing, g_ptr_array_unref);
  g_free (data);
}

static JsonNode *
build_transact_get (DynamormSession *self, DynamormModel **models, guint n_models, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *items;
  JsonObject *body;

  if (n_models > DYNAMORM_TRANSACTION_MAX_ACTIONS)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A transactional get reads at most %u items (DynamoDB's limit), not %u: "
                     "split it, or use a batch get if the reads need not be consistent with each other"),
                   DYNAMORM_TRANSACTION_MAX_ACTIONS, n_models);
      return NULL;
    }

  items = json_array_new ();
  for (guint i = 0; i < n_models; i++)
    {
      const DynamormSchema *schema = _dynamorm_schema_get (G_OBJECT_TYPE (models[i]), TRUE, error);
      g_autofree char *table = NULL;
      char *fingerprint;
      JsonObject *get, *wrapper;
      JsonNode *key;

      if (schema == NULL || (key = dynamorm_model_get_key (models[i], error)) == NULL)
        {
          g_prefix_error (error, _("Item %u of the transactional get: "), i);
          json_array_unref (items);
          return NULL;
        }
      table = dynamorm_session_get_table_name (self, G_OBJECT_TYPE (models[i]));
      fingerprint = _dynamorm_item_fingerprint (table, schema, json_node_get_object (key));
      if (!g_hash_table_add (seen, fingerprint))
        {
          g_autofree char *text = _dynamorm_describe_key_object (json_node_get_object (key));

          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("The transactional get reads the item with %s of table “%s” twice; "
                         "DynamoDB allows one action per item: read it once"), text, table);
          json_node_unref (key);
          json_array_unref (items);
          return NULL;
        }
      get = json_object_new ();
      json_object_set_string_member (get, "TableName", table);
      json_object_set_member (get, "Key", key);
      wrapper = json_object_new ();
      json_object_set_object_member (wrapper, "Get", get);
      json_array_add_object_element (items, wrapper);
    }
  body = json_object_new ();
  json_object_set_array_member (body, "TransactItems", items);
  return _dynamorm_node_take_object (body);
}

/* The reads of a transactional get on the direct path: its keys packed,
 * the items read packed. */
typedef struct {
  guint n;
  const DynamormSchema *schemas[DYNAMORM_TRANSACTION_MAX_ACTIONS];
  DynamormDirectRead reads[DYNAMORM_TRANSACTION_MAX_ACTIONS];
} DirectGet;

static void
direct_get_clear (DirectGet *get)
{
  for (guint i = 0; i < get->n; i++)
    {
      g_free ((char *) get->reads[i].table_name);
      g_free ((guint8 *) get->reads[i].key);
      g_free (get->reads[i].item);
    }
}

/* Packs the key of every model; FALSE when one of them goes as JSON. */
static gboolean
direct_get_pack (DynamormSession *self, const DynamormDirectCall *call, DynamormModel **models, guint n_models,
                 DirectGet *get)
{
  for (guint i = 0; i < n_models; i++)
    {
      GType type = G_OBJECT_TYPE (models[i]);
      const DynamormSchema *schema = _dynamorm_schema_get (type, TRUE, NULL);
      GByteArray *key;

      if (!_dynamorm_direct_batch_takes (call, type, schema, FALSE))
        return FALSE;
      key = g_byte_array_sized_new (64);
      if (!_dynamorm_model_pack_key (models[i], schema, key))
        {
          g_byte_array_unref (key);
          return FALSE;
        }
      get->schemas[i] = schema;
      get->reads[i].len = key->len;
      get->reads[i].key = g_byte_array_free (key, FALSE);
      get->reads[i].table_name = _dynamorm_session_table_name (self, schema);
      get->reads[i].item = NULL;
      get->n++;
    }
  return TRUE;
}

/* Decodes every item read, then loads them into the models (the others
 * are missing); FALSE, changing no model, when one does not decode. */
static gboolean
direct_get_load (DirectGet *get, const DynamormDirectCall *call, DynamormModel **models, GPtrArray *missing)
{
  GValue *values[DYNAMORM_TRANSACTION_MAX_ACTIONS] = { NULL };
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < get->n; i++)
    if (get->reads[i].item != NULL)
      {
        values[i] = g_new0 (GValue, get->schemas[i]->fields->len);
        ok = _dynamorm_packed_decode_values (get->schemas[i], call, get->reads[i].table_name,
                                             get->reads[i].item, values[i]);
      }
  for (guint i = 0; i < get->n; i++)
    {
      if (ok && values[i] != NULL)
        _dynamorm_model_set_fields (models[i], get->schemas[i], values[i]);
      else if (ok)
        g_ptr_array_add (missing, g_object_ref (models[i]));
      if (values[i] != NULL)
        _dynamorm_packed_values_clear (get->schemas[i], values[i]);
      g_free (values[i]);
    }
  return ok;
}

/* The transactional get on the direct path, the reads of a batch chunk
 * (one snapshot under the engine's lock); FALSE: send it as JSON, which
 * also says what is wrong with it. */
static gboolean
transact_get_direct (DynamormSession *self, DynamormModel **models, guint n_models, GetData *data,
                     GCancellable *cancellable)
{
  g_auto(DynamormDirectCall) call = { 0 };
  DirectGet get;
  gboolean ok;

  if (n_models > DYNAMORM_TRANSACTION_MAX_ACTIONS)
    return FALSE;
  get.n = 0;
  _dynamorm_session_direct_call (self, &call);
  ok = direct_get_pack (self, &call, models, n_models, &get) &&
       _dynamorm_direct_batch (&call, NULL, get.reads, get.n, cancellable) == DYNAMORM_DIRECT_DONE &&
       direct_get_load (&get, &call, models, data->missing);
  direct_get_clear (&get);
  return ok;
}

static void
unref_if_set (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

static void
transact_get_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GetData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) response = NULL;
  GError *error = NULL;
  JsonNode *responses;
  JsonArray *array;

  response = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  responses = json_object_get_member (json_node_get_object (response), "Responses");
  array = responses && JSON_NODE_HOLDS_ARRAY (responses) ? json_node_get_array (responses) : NULL;
  if (array == NULL || json_array_get_length (array) != data->models->len)
    {
      g_task_return_new_error (task, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                               _("TransactGetItems answered without one response per item"));
      return;
    }

  /* Decode every item first, so that a bad one changes no model. */
  {
    g_autoptr(GPtrArray) loaded = g_ptr_array_new_with_free_func (unref_if_set);

    for (guint i = 0; i < data->models->len; i++)
      {
        JsonNode *entry = json_array_get_element (array, i);
        JsonNode *item = JSON_NODE_HOLDS_OBJECT (entry)
          ? json_object_get_member (json_node_get_object (entry), "Item") : NULL;
        DynamormModel *model = data->models->pdata[i];
        DynamormModel *copy = NULL;

        g_autofree char *table = item ? dynamorm_session_get_table_name (DYNAMORM_SESSION (source),
                                                                         G_OBJECT_TYPE (model)) : NULL;

        if (item != NULL &&
            (copy = _dynamorm_session_model_from_item (DYNAMORM_SESSION (source), G_OBJECT_TYPE (model),
                                                       table, item, &error)) == NULL)
          {
            g_task_return_error (task, error);
            return;
          }
        g_ptr_array_add (loaded, copy);
      }
    for (guint i = 0; i < data->models->len; i++)
      {
        DynamormModel *model = data->models->pdata[i];
        JsonNode *entry = json_array_get_element (array, i);
        JsonNode *item = json_object_get_member (json_node_get_object (entry), "Item");

        if (loaded->pdata[i] == NULL)
          g_ptr_array_add (data->missing, g_object_ref (model));
        else
          dynamorm_model_load_item (model, item, NULL);
      }
  }
  g_task_return_boolean (task, TRUE);
}

/**
 * dynamorm_session_transact_get_async:
 * @self: a #DynamormSession
 * @models: (array length=n_models): models whose key properties are set
 * @n_models: the number of @models
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the items are read
 * @user_data: data for @callback
 *
 * Reads several items at once; see [method@Dynamorm.Session.transact_get].
 */
void
dynamorm_session_transact_get_async (DynamormSession      *self,
                                     DynamormModel       **models,
                                     guint                 n_models,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) request = NULL;
  GError *error = NULL;
  GetData *data;

  g_return_if_fail (DYNAMORM_IS_SESSION (self));
  g_return_if_fail (models != NULL || n_models == 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_session_transact_get_async);
  data = g_new0 (GetData, 1);
  data->models = g_ptr_array_new_with_free_func (g_object_unref);
  data->missing = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_models; i++)
    g_ptr_array_add (data->models, g_object_ref (models[i]));
  g_task_set_task_data (task, data, (GDestroyNotify) get_data_free);

  if (n_models == 0 || transact_get_direct (self, models, n_models, data, cancellable))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  request = build_transact_get (self, models, n_models, &error);
  if (request == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  _dynamorm_session_call_items_async (self, "TransactGetItems", request, cancellable,
                                      transact_get_cb, g_steal_pointer (&task));
}

/**
 * dynamorm_session_transact_get_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @missing: (out) (optional) (transfer container) (element-type DynamormModel):
 *   return location for the models whose items do not exist
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.transact_get_async].
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_session_transact_get_finish (DynamormSession  *self,
                                      GAsyncResult     *result,
                                      GPtrArray       **missing,
                                      GError          **error)
{
  GetData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dynamorm_session_transact_get_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  if (missing != NULL)
    *missing = g_ptr_array_ref (data->missing);
  return TRUE;
}

/**
 * dynamorm_session_transact_get:
 * @self: a #DynamormSession
 * @models: (array length=n_models): models whose key properties are set,
 *   of one type or several
 * @n_models: the number of @models
 * @missing: (out) (optional) (transfer container) (element-type DynamormModel):
 *   return location for the models whose items do not exist
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads up to %DYNAMORM_TRANSACTION_MAX_ACTIONS items in one
 * TransactGetItems request, as one consistent snapshot, into the models.
 * Models whose item does not exist are left unchanged and listed in
 * @missing. If any item does not fit its model, no model is changed.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_session_transact_get (DynamormSession      *self,
                               DynamormModel       **models,
                               guint                 n_models,
                               GPtrArray           **missing,
                               GCancellable         *cancellable,
                               GError              **error)
{
  g_auto(DynamormSyncWait) wait = { 0 };

  g_return_val_if_fail (DYNAMORM_IS_SESSION (self), FALSE);

  _dynamorm_sync_wait_init (&wait);
  dynamorm_session_transact_get_async (self, models, n_models, cancellable, _dynamorm_sync_wait_cb, &wait);
  return dynamorm_session_transact_get_finish (self, _dynamorm_sync_wait_run (&wait), missing, error);
}
