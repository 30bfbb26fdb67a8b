/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-transact.c: TransactWriteItems and TransactGetItems.
 *
 * A write transaction runs in three phases under the engine's write lock:
 * parse and validate every action (errors here are plain exceptions), then
 * evaluate every condition and compute every new item (failures become
 * CancellationReasons, in request order), then apply all of it. So it is
 * all-or-nothing, and no other call can see half of it. */
#include "config.h"

#include <string.h>
#include "ddb-json.h"
#include "ddb-engine-private.h"

typedef struct {
  char *request;        /* TransactItems as JSON text: the idempotency payload */
  gint64 expires_ms;
  JsonObject *response;
} DdbTokenRecord;

void
ddb_token_record_free (gpointer p)
{
  DdbTokenRecord *rec = p;
  g_free (rec->request);
  if (rec->response)
    json_object_unref (rec->response);
  g_free (rec);
}

static gboolean
invalid (GError **error, const char *msg)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg);
  return FALSE;
}

typedef enum { ACT_CHECK, ACT_PUT, ACT_DELETE, ACT_UPDATE } ActKind;

typedef struct {
  ActKind kind;
  DdbTable *table;
  JsonObject *spec;
  DdbExprEnv *env;
  DdbCondition *cond;
  DdbUpdate *update;
  JsonObject *key;
  JsonObject *attrs;        /* put: prepared; update: computed in phase 2 */
  guint8 **packed;          /* put on the direct path: the slot of its packed item, instead of attrs */
  gsize size;
  DdbKeyValue hash, range;
  gboolean ccf_all_old;
  DdbItem *old;
} Action;

static void
action_free (gpointer p)
{
  Action *a = p;
  g_clear_pointer (&a->cond, ddb_condition_free);
  g_clear_pointer (&a->update, ddb_update_free);
  g_clear_pointer (&a->env, ddb_expr_env_free);
  if (a->attrs)
    json_object_unref (a->attrs);
  ddb_key_value_clear (&a->hash);
  ddb_key_value_clear (&a->range);
  g_free (a);
}

static gboolean
check_count (JsonArray *items, GError **error)
{
  DdbValidator v;

  ddb_validator_init (&v);
  if (items == NULL)
    ddb_validator_add (&v, NULL, "transactItems", "Member must not be null");
  else if (json_array_get_length (items) == 0)
    ddb_validator_add (&v, "[]", "transactItems", "Member must have length greater than or equal to 1");
  else if (json_array_get_length (items) > DDB_MAX_TRANSACT_ITEMS)
    ddb_validator_add (&v, "[...]", "transactItems", "Member must have length less than or equal to 100");
  return ddb_validator_finish (&v, error);
}

/* "transactItems.N.member.KIND.MEMBER" in buf, for a validation message. */
static const char *
action_path (char *buf, gsize size, const Action *a, guint index, const char *member)
{
  const char *lower = a->kind == ACT_CHECK ? "conditionCheck" : a->kind == ACT_PUT ? "put" :
                      a->kind == ACT_DELETE ? "delete" : "update";

  g_snprintf (buf, size, "transactItems.%u.member.%s.%s", index + 1, lower, member);
  return buf;
}

/* The members an action must have: its table name, key (item), the
 * condition of a check and the expression of an update. The paths are
 * only written for a message. */
static gboolean
validate_action (const Action *a, guint index, const char *name, const char *cond, const char *upd,
                 GError **error)
{
  char path[128];
  DdbValidator v;

  ddb_validator_init (&v);
  if (!ddb_table_name_is_valid (name))
    ddb_validate_table_name (&v, name, action_path (path, sizeof path, a, index, "tableName"));
  if (a->key == NULL && a->packed == NULL)
    ddb_validator_add (&v, NULL, action_path (path, sizeof path, a, index, a->kind == ACT_PUT ? "item" : "key"),
                       "Member must not be null");
  if (a->kind == ACT_CHECK && cond == NULL)
    ddb_validator_add (&v, NULL, action_path (path, sizeof path, a, index, "conditionExpression"),
                       "Member must not be null");
  if (a->kind == ACT_UPDATE && upd == NULL)
    ddb_validator_add (&v, NULL, action_path (path, sizeof path, a, index, "updateExpression"),
                       "Member must not be null");
  return ddb_validator_finish (&v, error);
}

/* Phase 1 for one action. */
static Action *
parse_action (DdbOp *op, JsonObject *wrapper, guint index, GError **error)
{
  static const char *const kinds[] = { "ConditionCheck", "Put", "Delete", "Update" };
  g_autoptr(GPtrArray) holder = g_ptr_array_new_with_free_func (action_free);
  Action *a = g_new0 (Action, 1);
  const char *cond = NULL, *upd = NULL, *ccf = NULL, *name = NULL;
  guint found = 0;

  g_ptr_array_add (holder, a);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      JsonObject *o = NULL;
      if (!ddb_req_object (wrapper, kinds[k], &o, error))
        return NULL;
      if (o != NULL)
        {
          a->kind = k;
          a->spec = o;
          found++;
        }
    }
  if (found != 1)
    {
      invalid (error, "TransactItems can only contain one of Check, Put, Update or Delete");
      return NULL;
    }
  if (!ddb_req_string (a->spec, "TableName", &name, error) ||
      !ddb_req_string (a->spec, "ConditionExpression", &cond, error) ||
      !ddb_req_string (a->spec, "UpdateExpression", &upd, error) ||
      !ddb_req_string (a->spec, "ReturnValuesOnConditionCheckFailure", &ccf, error) ||
      !ddb_req_object (a->spec, a->kind == ACT_PUT ? "Item" : "Key", a->kind == ACT_PUT ? &a->attrs : &a->key, error))
    return NULL;
  if (a->kind == ACT_PUT)
    {
      /* attrs was borrowed for the check; prepared below. */
      a->key = a->attrs;
      a->attrs = NULL;
    }
  if (a->kind == ACT_PUT && op->put_items != NULL && op->put_items[index] != NULL)
    a->packed = &op->put_items[index];
  if (!validate_action (a, index, name, cond, upd, error))
    return NULL;
  a->ccf_all_old = ccf != NULL && g_str_equal (ccf, "ALL_OLD");

  a->env = ddb_op_expr_env (a->spec);
  if (cond != NULL && (a->cond = ddb_condition_parse (cond, DDB_EXPR_CONDITION, a->env, error)) == NULL)
    return NULL;
  if (upd != NULL && a->kind == ACT_UPDATE && (a->update = ddb_update_parse (upd, a->env, error)) == NULL)
    return NULL;
  if (!ddb_op_check_unused (a->spec, a->env, error))
    return NULL;
  if ((a->table = ddb_engine_get_table (op->engine, name, error)) == NULL)
    return NULL;

  if (a->packed != NULL)
    {
      /* Checked by ddb_blob_check() before the call: what PutItem would
       * refuse or normalize goes the JSON way. */
      if (!ddb_packed_item_acceptable (a->table, *a->packed, &a->hash, &a->range))
        return invalid (error, "The packed item is not one the table stores as it is"), NULL;
      a->size = op->put_sizes[index];
    }
  else if (a->kind == ACT_PUT)
    {
      if ((a->attrs = ddb_table_prepare_item (a->table, a->key, &a->size, error)) == NULL)
        return NULL;
      ddb_key_value_init (&a->hash, json_object_get_member (a->attrs, a->table->hash.name));
      if (a->table->range.name)
        ddb_key_value_init (&a->range, json_object_get_member (a->attrs, a->table->range.name));
    }
  else if (!ddb_table_parse_key (a->table, a->key, &a->hash, &a->range, error))
    return NULL;
  if (a->update != NULL && !ddb_op_check_update_paths (a->table, a->update, error))
    return NULL;
  g_ptr_array_steal_index (holder, 0);
  return a;
}

static JsonObject *
reason (const char *code, const char *message)
{
  JsonObject *r = json_object_new ();
  json_object_set_string_member (r, "Code", code);
  if (message)
    json_object_set_string_member (r, "Message", message);
  return r;
}

/* ClientRequestToken holds 1 to 36 characters. */
static gboolean
check_token (const char *token, GError **error)
{
  DdbValidator v;

  if (token == NULL || (strlen (token) >= 1 && strlen (token) <= 36))
    return TRUE;
  ddb_validator_init (&v);
  ddb_validator_add (&v, token, "clientRequestToken",
                     strlen (token) < 1 ? "Member must have length greater than or equal to 1"
                                        : "Member must have length less than or equal to 36");
  return ddb_validator_finish (&v, error);
}

/* A token seen within its lifetime: the same request gets the first
 * answer again (*replay), another one an error. Sets *payload, the
 * request's text, for remember_token. */
static gboolean
replay_token (DdbOp *op, const char *token, char **payload, JsonObject **replay, GError **error)
{
  DdbTokenRecord *rec;

  JsonNode *items = json_object_get_member (op->request, "TransactItems");

  /* The direct path prints its packed items where their placeholders are:
   * the text the same request as JSON has. */
  if (op->put_items != NULL)
    {
      GString *text = g_string_sized_new (4096);

      ddb_json_print (text, items, ddb_op_print_packed, op->packed);
      *payload = g_string_free (text, FALSE);
    }
  else
    *payload = ddb_json_to_string (items);
  rec = g_hash_table_lookup (op->engine->tokens, token);
  if (rec != NULL && rec->expires_ms <= op->now_ms)
    {
      g_hash_table_remove (op->engine->tokens, token);
      rec = NULL;
    }
  if (rec == NULL)
    return TRUE;
  if (!g_str_equal (rec->request, *payload))
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_IDEMPOTENT_PARAMETER_MISMATCH,
                           "DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.");
      return FALSE;
    }
  /* Same request again: success without running it twice. */
  *replay = ddb_item_copy_attrs (rec->response);
  return TRUE;
}

static void
remember_token (DdbOp *op, const char *token, char *payload, JsonObject *resp)
{
  DdbTokenRecord *rec = g_new0 (DdbTokenRecord, 1);

  rec->request = payload;
  rec->expires_ms = op->now_ms + DDB_TOKEN_LIFETIME_MS;
  rec->response = ddb_item_copy_attrs (resp);
  g_hash_table_replace (op->engine->tokens, g_strdup (token), rec);
}

/* Phase 1: every action parsed and validated, at most one per item. */
static gboolean
parse_actions (DdbOp *op, JsonArray *items, GPtrArray *actions, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *n = json_array_get_element (items, i);
      Action *a;
      char *fp;
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return invalid (error, "Start of structure or map found where not expected.");
      if ((a = parse_action (op, json_node_get_object (n), i, error)) == NULL)
        return FALSE;
      g_ptr_array_add (actions, a);
      fp = ddb_item_fingerprint (a->table, &a->hash, a->range.type ? &a->range : NULL);
      if (!g_hash_table_add (seen, fp))
        return invalid (error, "Transaction request cannot include multiple operations on one item");
    }
  return TRUE;
}

/* Phase 2 for one action: its condition, and an update's new item; NULL
 * when the action can apply, else its CancellationReasons element. An
 * update that cannot apply to the item (a missing operand, ADD on a map,
 * the item too large) sets *invalid once: DynamoDB Local answers that as a
 * ValidationException, not a reason. */
static JsonObject *
evaluate_action (Action *a, GError **invalid)
{
  g_autoptr(GError) local = NULL;
  JsonObject *r;

  a->old = ddb_table_lookup (a->table, &a->hash, a->range.type ? &a->range : NULL);
  if (a->cond != NULL && !ddb_condition_evaluate (a->cond, a->old ? ddb_item_attrs (a->old) : NULL))
    {
      r = reason ("ConditionalCheckFailed", "The conditional request failed");
      if (a->ccf_all_old && a->old)
        json_object_set_object_member (r, "Item", ddb_item_copy_out (a->old));
      return r;
    }
  if (a->kind == ACT_UPDATE &&
      (a->attrs = ddb_op_apply_update (a->table, a->update, a->key, a->old ? ddb_item_attrs (a->old) : NULL,
                                       &a->size, &local)) == NULL)
    {
      r = reason ("ValidationError", local->message);
      if (*invalid == NULL)
        g_propagate_error (invalid, g_steal_pointer (&local));
      return r;
    }
  return NULL;
}

/* Phase 2: every action evaluated; the CancellationReasons when any fails
 * (in request order, "None" for the others), else NULL. */
static JsonArray *
evaluate_actions (GPtrArray *actions, GError **invalid)
{
  JsonObject *failures[DDB_MAX_TRANSACT_ITEMS];
  gboolean failed = FALSE;
  JsonArray *reasons;

  for (guint i = 0; i < actions->len; i++)
    failed |= (failures[i] = evaluate_action (actions->pdata[i], invalid)) != NULL;
  if (!failed)
    return NULL;
  reasons = json_array_new ();
  for (guint i = 0; i < actions->len; i++)
    json_array_add_object_element (reasons, failures[i] ? failures[i] : reason ("None", NULL));
  return reasons;
}

/* A cancelled transaction: the reasons go with the error. Takes reasons. */
static void
cancel_transaction (DdbOp *op, JsonArray *reasons, GError **error)
{
  g_autoptr(GString) codes = g_string_new ("Transaction cancelled, please refer cancellation reasons for specific reasons [");

  for (guint i = 0; i < json_array_get_length (reasons); i++)
    g_string_append_printf (codes, "%s%s", i ? ", " : "",
                            json_object_get_string_member (json_array_get_object_element (reasons, i), "Code"));
  g_string_append_c (codes, ']');
  op->error_extra = json_object_new ();
  json_object_set_array_member (op->error_extra, "CancellationReasons", reasons);
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_TRANSACTION_CANCELED, codes->str);
}

/* The capacity of one action, in its table's entry of caps (order keeps
 * the tables in request order). */
static void
count_action_capacity (Action *a, GHashTable *caps, GPtrArray *order)
{
  DdbCapacity *cap = g_hash_table_lookup (caps, a->table->name);

  if (cap == NULL)
    {
      cap = ddb_capacity_new (a->table->name);
      g_hash_table_insert (caps, a->table->name, cap);
      g_ptr_array_add (order, cap);
    }
  if (a->kind == ACT_CHECK)
    cap->table_units += 2 * ddb_capacity_read_units (a->old ? a->old->size : 0, TRUE);
  else
    ddb_capacity_add_write (cap, a->table, a->old ? ddb_item_attrs (a->old) : NULL, a->old ? a->old->size : 0,
                            a->kind == ACT_DELETE ? NULL : a->attrs, a->kind == ACT_DELETE ? 0 : a->size, 2);
}

static void
apply_action (Action *a)
{
  switch (a->kind)
    {
    case ACT_PUT:
    case ACT_UPDATE:
      if (a->packed != NULL)
        ddb_table_put (a->table, ddb_table_make_item_packed (a->table, g_steal_pointer (a->packed), a->size));
      else
        ddb_table_put (a->table, ddb_table_make_item (a->table, g_steal_pointer (&a->attrs), a->size));
      break;
    case ACT_DELETE:
      if (a->old)
        ddb_table_delete (a->table, a->old);
      break;
    case ACT_CHECK:
    default:
      break;
    }
}

/* Phase 3: every write applied; the response, with the capacity asked for. */
static JsonObject *
apply_actions (GPtrArray *actions, DdbCapacityMode cap_mode, gboolean want_metrics)
{
  JsonObject *resp = json_object_new ();
  g_autoptr(JsonObject) metrics = want_metrics ? json_object_new () : NULL;
  g_autoptr(GHashTable) caps = cap_mode ? g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ddb_capacity_free) : NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  JsonArray *arr;

  for (guint i = 0; i < actions->len; i++)
    {
      Action *a = actions->pdata[i];

      if (caps)
        count_action_capacity (a, caps, order);
      apply_action (a);
      if (metrics != NULL && a->kind != ACT_CHECK && (a->kind != ACT_DELETE || a->old != NULL))
        ddb_collection_metrics_add (metrics, a->table, &a->hash);
    }
  if (metrics != NULL && json_object_get_size (metrics) > 0)
    json_object_set_object_member (resp, "ItemCollectionMetrics", g_steal_pointer (&metrics));
  if (caps == NULL)
    return resp;
  arr = json_array_new ();
  for (guint i = 0; i < order->len; i++)
    json_array_add_object_element (arr, ddb_capacity_to_json (order->pdata[i], cap_mode));
  json_object_set_array_member (resp, "ConsumedCapacity", arr);
  return resp;
}

/* TransactWriteItems: a replayed token answers again; otherwise parse
 * every action, evaluate every condition, then apply all or nothing. */
JsonObject *
ddb_op_transact_write_items (DdbOp *op, GError **error)
{
  JsonObject *req = op->request, *resp = NULL;
  JsonArray *items = NULL, *reasons;
  const char *token = NULL;
  g_autofree char *payload = NULL;
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func (action_free);
  DdbCapacityMode cap_mode;
  gboolean want_metrics;
  g_autoptr(GError) invalid_update = NULL;

  if (!ddb_req_array (req, "TransactItems", &items, error) ||
      !ddb_req_string (req, "ClientRequestToken", &token, error) ||
      !check_count (items, error) || !ddb_capacity_mode (req, &cap_mode, error) ||
      !ddb_collection_metrics_mode (req, &want_metrics, error) ||
      !check_token (token, error))
    return NULL;
  if (token != NULL && !replay_token (op, token, &payload, &resp, error))
    return NULL;
  if (resp != NULL)
    return resp;
  if (!parse_actions (op, items, actions, error))
    return NULL;

  /* Phase 2: conditions and new items. */
  reasons = evaluate_actions (actions, &invalid_update);
  if (invalid_update != NULL)
    {
      g_clear_pointer (&reasons, json_array_unref);
      g_propagate_error (error, g_steal_pointer (&invalid_update));
      return NULL;
    }
  if (reasons != NULL)
    {
      cancel_transaction (op, reasons, error);
      return NULL;
    }

  resp = apply_actions (actions, cap_mode, want_metrics);
  if (token != NULL)
    remember_token (op, token, g_steal_pointer (&payload), resp);
  return resp;
}

/* ---- The direct path ---- */

/* The JSON null Item of action i, a Put, which its packed item stands
 * for; NULL when the action is not such a Put. */
static JsonNode *
put_placeholder (JsonArray *actions, guint i)
{
  JsonNode *wrapper = json_array_get_element (actions, i), *put, *item;

  if (!JSON_NODE_HOLDS_OBJECT (wrapper) ||
      (put = json_object_get_member (json_node_get_object (wrapper), "Put")) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (put) ||
      (item = json_object_get_member (json_node_get_object (put), "Item")) == NULL ||
      !JSON_NODE_HOLDS_NULL (item))
    return NULL;
  return item;
}

/* Whether the request is one the direct path carries: TransactItems in
 * place, a placeholder for each packed item and a packed item for each
 * placeholder it names, no capacity asked. The placeholders go into
 * packed, the items' sizes into sizes. */
static gboolean
direct_request_ok (JsonNode *request, guint8 **items, const gsize *lens, GHashTable *packed, gsize *sizes)
{
  JsonObject *req = JSON_NODE_HOLDS_OBJECT (request) ? json_node_get_object (request) : NULL;
  JsonNode *actions = req ? json_object_get_member (req, "TransactItems") : NULL;
  const char *capacity;
  guint n;

  if (actions == NULL || !JSON_NODE_HOLDS_ARRAY (actions) ||
      ddb_json_node_too_deep (request, DDB_JSON_MAX_DEPTH))
    return FALSE;
  capacity = json_object_get_string_member_with_default (req, "ReturnConsumedCapacity", NULL);
  if (capacity != NULL && !g_str_equal (capacity, "NONE"))
    return FALSE;   /* counted from JSON items */
  n = json_array_get_length (json_node_get_array (actions));
  for (guint i = 0; i < n && i < DDB_MAX_TRANSACT_ITEMS; i++)
    {
      JsonNode *placeholder = put_placeholder (json_node_get_array (actions), i);

      if (items[i] == NULL)
        continue;
      if (placeholder == NULL || !ddb_blob_check (items[i], lens[i], &sizes[i]) || sizes[i] > DDB_MAX_ITEM_SIZE)
        return FALSE;
      g_hash_table_insert (packed, placeholder, items[i]);
    }
  return n >= 1 && n <= DDB_MAX_TRANSACT_ITEMS;
}

DdbDirectResult
ddb_engine_transact_write_packed (DdbEngine *engine, JsonNode *request, guint8 **items, const gsize *lens)
{
  g_autoptr(GHashTable) packed = g_hash_table_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  gsize sizes[DDB_MAX_TRANSACT_ITEMS];
  JsonObject *resp = NULL;
  DdbOp op = { 0 };
  guint n;

  if (request == NULL || !direct_request_ok (request, items, lens, packed, sizes))
    return DDB_DIRECT_DECLINED;

  op.engine = engine;
  op.request = json_node_get_object (request);
  op.packed = packed;
  op.put_items = items;
  op.put_sizes = sizes;
  ddb_engine_write_lock (engine);
  /* A persistent engine logs requests: those go the JSON way. */
  if (engine->commit_func == NULL)
    {
      op.now_ms = ddb_engine_now_ms (engine);
      resp = ddb_op_transact_write_items (&op, &error);
    }
  ddb_engine_write_unlock (engine);
  g_clear_pointer (&op.error_extra, json_object_unref);
  if (resp == NULL)
    return DDB_DIRECT_DECLINED;   /* nothing written: the JSON request gets the answer */
  json_object_unref (resp);

  /* Stored, or the token's first answer replayed: every item is taken. */
  n = json_array_get_length (json_object_get_array_member (op.request, "TransactItems"));
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&items[i], g_free);
  return DDB_DIRECT_DONE;
}

JsonObject *
ddb_op_transact_get_items (DdbOp *op, GError **error)
{
  JsonObject *req = op->request, *resp;
  JsonArray *items = NULL, *responses;
  DdbCapacityMode cap_mode;
  g_autoptr(GPtrArray) specs = g_ptr_array_new ();
  g_autoptr(GHashTable) caps = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();

  if (!ddb_req_array (req, "TransactItems", &items, error) ||
      !check_count (items, error) || !ddb_capacity_mode (req, &cap_mode, error))
    return NULL;

  /* Validate everything first. */
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *n = json_array_get_element (items, i);
      JsonObject *get = NULL, *key = NULL;
      const char *name = NULL;
      DdbTable *table;
      DdbKeyValue h, r;
      DdbValidator v;
      g_autoptr(DdbOpEnv) env = NULL;
      g_autoptr(GPtrArray) paths = NULL;
      g_autoptr(GError) local = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        return invalid (error, "Start of structure or map found where not expected."), NULL;
      if (!ddb_req_object (json_node_get_object (n), "Get", &get, error))
        return NULL;
      ddb_validator_init (&v);
      if (get == NULL)
        {
          g_autofree char *p = g_strdup_printf ("transactItems.%u.member.get", i + 1);
          ddb_validator_add (&v, NULL, p, "Member must not be null");
        }
      else
        {
          g_autofree char *pt = g_strdup_printf ("transactItems.%u.member.get.tableName", i + 1);
          g_autofree char *pk = g_strdup_printf ("transactItems.%u.member.get.key", i + 1);
          if (!ddb_req_string (get, "TableName", &name, error) || !ddb_req_object (get, "Key", &key, error))
            {
              ddb_validator_finish (&v, NULL);
              return NULL;
            }
          ddb_validate_table_name (&v, name, pt);
          if (key == NULL)
            ddb_validator_add (&v, NULL, pk, "Member must not be null");
        }
      if (!ddb_validator_finish (&v, error))
        return NULL;
      env = ddb_op_expr_env (get);
      paths = ddb_op_projection (get, env, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (!ddb_op_check_unused (get, env, error))
        return NULL;
      if ((table = ddb_engine_get_table (op->engine, name, error)) == NULL)
        return NULL;
      if (!ddb_table_parse_key (table, key, &h, &r, error))
        return NULL;
      ddb_key_value_clear (&h);
      ddb_key_value_clear (&r);
      g_ptr_array_add (specs, get);
    }

  if (cap_mode)
    caps = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ddb_capacity_free);
  responses = json_array_new ();
  for (guint i = 0; i < specs->len; i++)
    {
      JsonObject *get = specs->pdata[i], *entry = json_object_new ();
      DdbTable *table = g_hash_table_lookup (op->engine->tables, json_object_get_string_member (get, "TableName"));
      g_autoptr(DdbOpEnv) env = ddb_op_expr_env (get);
      g_autoptr(GPtrArray) paths = ddb_op_projection (get, env, NULL);
      DdbKeyValue h, r;
      DdbItem *item;

      ddb_table_parse_key (table, json_object_get_object_member (get, "Key"), &h, &r, NULL);
      item = ddb_table_lookup (table, &h, r.type ? &r : NULL);
      ddb_key_value_clear (&h);
      ddb_key_value_clear (&r);
      if (item != NULL && paths == NULL)
        json_object_set_member (entry, "Item", ddb_op_item_node (op, item));
      else if (item != NULL)
        {
          g_autoptr(JsonObject) copy = ddb_item_copy_out (item);
          json_object_set_object_member (entry, "Item", ddb_projection_apply (paths, copy));
        }
      json_array_add_object_element (responses, entry);
      if (caps)
        {
          DdbCapacity *cap = g_hash_table_lookup (caps, table->name);
          if (cap == NULL)
            {
              cap = ddb_capacity_new (table->name);
              g_hash_table_insert (caps, table->name, cap);
              g_ptr_array_add (order, cap);
            }
          cap->table_units += 2 * ddb_capacity_read_units (item ? item->size : 0, TRUE);
        }
    }
  resp = json_object_new ();
  json_object_set_array_member (resp, "Responses", responses);
  if (caps)
    {
      JsonArray *arr = json_array_new ();
      for (guint i = 0; i < order->len; i++)
        json_array_add_object_element (arr, ddb_capacity_to_json (order->pdata[i], cap_mode));
      json_object_set_array_member (resp, "ConsumedCapacity", arr);
    }
  return resp;
}

/* ---- Tokens across restarts (ddb-persist.c snapshots) ---- */

JsonArray *
ddb_engine_export_tokens (DdbEngine *engine, gint64 now_ms)
{
  JsonArray *out = json_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  ddb_engine_write_lock (engine);
  g_hash_table_iter_init (&iter, engine->tokens);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      DdbTokenRecord *rec = value;
      JsonObject *t;

      if (rec->expires_ms <= now_ms)
        continue;
      t = json_object_new ();
      json_object_set_string_member (t, "Token", key);
      json_object_set_string_member (t, "Request", rec->request);
      json_object_set_int_member (t, "ExpiresMs", rec->expires_ms);
      json_object_set_object_member (t, "Response", ddb_item_copy_attrs (rec->response));
      json_array_add_object_element (out, t);
    }
  ddb_engine_write_unlock (engine);
  return out;
}

gboolean
ddb_engine_import_tokens (DdbEngine *engine, JsonArray *tokens)
{
  ddb_engine_write_lock (engine);
  for (guint i = 0; i < json_array_get_length (tokens); i++)
    {
      JsonNode *n = json_array_get_element (tokens, i);
      JsonObject *t = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *token = t ? json_object_get_string_member_with_default (t, "Token", NULL) : NULL;
      const char *request = t ? json_object_get_string_member_with_default (t, "Request", NULL) : NULL;
      JsonNode *response = t ? json_object_get_member (t, "Response") : NULL;
      DdbTokenRecord *rec;

      if (token == NULL || request == NULL || response == NULL || !JSON_NODE_HOLDS_OBJECT (response))
        {
          ddb_engine_write_unlock (engine);
          return FALSE;
        }
      rec = g_new0 (DdbTokenRecord, 1);
      rec->request = g_strdup (request);
      rec->expires_ms = json_object_get_int_member_with_default (t, "ExpiresMs", 0);
      rec->response = ddb_item_copy_attrs (json_node_get_object (response));
      g_hash_table_replace (engine->tokens, g_strdup (token), rec);
    }
  ddb_engine_write_unlock (engine);
  return TRUE;
}
