/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-items.c: PutItem, GetItem, DeleteItem and UpdateItem. */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"

/* In the service's order: its enum message lists them this way. */
static const char *const return_values_all[] = { "ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW", NULL };
static const char *const return_values_ccf[] = { "ALL_OLD", "NONE", NULL };

static gboolean
invalid (GError **error, const char *msg)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg);
  return FALSE;
}

static DdbReturnValues
return_values_from (const char *s)
{
  if (s == NULL || g_str_equal (s, "NONE"))
    return DDB_RETURN_NONE;
  if (g_str_equal (s, "ALL_OLD"))
    return DDB_RETURN_ALL_OLD;
  if (g_str_equal (s, "UPDATED_OLD"))
    return DDB_RETURN_UPDATED_OLD;
  if (g_str_equal (s, "ALL_NEW"))
    return DDB_RETURN_ALL_NEW;
  return DDB_RETURN_UPDATED_NEW;
}

/* The members every single-item write shares. */
typedef struct {
  DdbTable *table;
  DdbReturnValues rv;
  gboolean ccf_all_old;
  DdbCapacityMode cap_mode;
  gboolean metrics;             /* ReturnItemCollectionMetrics SIZE */
  DdbCondition *cond;
} WriteArgs;

/* ItemCollectionMetrics of hash's collection, after the write, when asked
 * for and the table has a local secondary index. */
static void
attach_metrics (JsonObject *resp, WriteArgs *w, const DdbKeyValue *hash)
{
  JsonObject *metrics = w->metrics ? ddb_collection_metrics (w->table, hash) : NULL;

  if (metrics != NULL)
    json_object_set_object_member (resp, "ItemCollectionMetrics", metrics);
}

static void
write_args_clear (WriteArgs *w)
{
  g_clear_pointer (&w->cond, ddb_condition_free);
}

/* Validates the common members (TableName, ReturnValues, ...); extra is the
 * name of the required map member (Item or Key) checked for null. */
static gboolean
parse_write_args (DdbOp *op, const char *map_member, const char *map_path, JsonObject **map_out,
                  gboolean only_all_old, DdbExprEnv *env, WriteArgs *w, GError **error)
{
  JsonObject *req = op->request;
  const char *name = NULL, *rv = NULL, *ccf = NULL, *cond_text = NULL;
  DdbValidator v;

  if (!ddb_req_string (req, "TableName", &name, error) ||
      !ddb_req_object (req, map_member, map_out, error) ||
      !ddb_req_string (req, "ReturnValues", &rv, error) ||
      !ddb_req_string (req, "ReturnValuesOnConditionCheckFailure", &ccf, error) ||
      !ddb_req_string (req, "ConditionExpression", &cond_text, error))
    return FALSE;

  ddb_validator_init (&v);
  ddb_validate_table_name (&v, name, "tableName");
  if (*map_out == NULL)
    ddb_validator_add (&v, NULL, map_path, "Member must not be null");
  ddb_validate_enum (&v, rv, "returnValues", return_values_all);
  ddb_validate_enum (&v, ccf, "returnValuesOnConditionCheckFailure", return_values_ccf);
  if (!ddb_validator_finish (&v, error))
    return FALSE;
  if (!ddb_capacity_mode (req, &w->cap_mode, error) ||
      !ddb_collection_metrics_mode (req, &w->metrics, error))
    return FALSE;
  if (only_all_old && rv != NULL && !g_str_equal (rv, "NONE") && !g_str_equal (rv, "ALL_OLD"))
    return invalid (error, "ReturnValues can only be ALL_OLD or NONE");
  w->rv = return_values_from (rv);
  w->ccf_all_old = ccf != NULL && g_str_equal (ccf, "ALL_OLD");

  if (cond_text != NULL &&
      (w->cond = ddb_condition_parse (cond_text, DDB_EXPR_CONDITION, env, error)) == NULL)
    return FALSE;
  return TRUE;
}

/* ---- PutItem ---- */

JsonObject *
ddb_op_put_item (DdbOp *op, GError **error)
{
  JsonObject *item = NULL, *resp;
  g_autoptr(DdbOpEnv) env = ddb_op_expr_env (op->request);
  g_autoptr(DdbCapacity) cap = NULL;
  WriteArgs w = { 0 };
  DdbItem *old, *stored;
  gsize size;

  if (!parse_write_args (op, "Item", "item", &item, TRUE, env, &w, error) ||
      !ddb_op_check_unused (op->request, env, error))
    goto fail;
  if ((w.table = ddb_engine_get_table (op->engine, json_object_get_string_member (op->request, "TableName"), error)) == NULL)
    goto fail;
  /* Validated, then encoded straight from the request: no copy. */
  if (!ddb_table_check_new_item (w.table, item, &size, error))
    goto fail;

  stored = ddb_table_make_item_from (w.table, item, size);
  old = ddb_table_lookup (w.table, &stored->hash, stored->range.type ? &stored->range : NULL);
  if (w.cond != NULL && !ddb_condition_evaluate (w.cond, old ? ddb_item_attrs (old) : NULL))
    {
      ddb_item_free (stored);
      ddb_op_condition_failed (op, old ? ddb_item_attrs (old) : NULL, w.ccf_all_old, error);
      goto fail;
    }

  resp = json_object_new ();
  if (w.rv == DDB_RETURN_ALL_OLD && old != NULL)
    json_object_set_object_member (resp, "Attributes", ddb_item_copy_out (old));
  if (w.cap_mode != DDB_CAPACITY_NONE)
    {
      cap = ddb_capacity_new (w.table->name);
      ddb_capacity_add_write (cap, w.table, old ? ddb_item_attrs (old) : NULL, old ? old->size : 0,
                              ddb_item_attrs (stored), stored->size, 1);
      ddb_capacity_attach (resp, cap, w.cap_mode);
    }
  ddb_table_put (w.table, stored);
  attach_metrics (resp, &w, &stored->hash);
  write_args_clear (&w);
  return resp;

fail:
  write_args_clear (&w);
  return NULL;
}

/* ---- GetItem ---- */

/* A deep copy of attrs, projected when paths is not NULL. The projection
 * runs on our own copy so nothing stored is ever referenced from outside. */
static JsonObject *
copy_projected (DdbItem *item, GPtrArray *paths)
{
  JsonObject *copy = ddb_item_copy_out (item);
  JsonObject *projected;

  if (paths == NULL)
    return copy;
  projected = ddb_projection_apply (paths, copy);
  json_object_unref (copy);
  return projected;
}


GPtrArray *
ddb_op_projection (JsonObject *req, DdbExprEnv *env, GError **error)
{
  const char *text = NULL;
  JsonArray *atg = NULL;

  if (!ddb_req_string (req, "ProjectionExpression", &text, error) ||
      !ddb_req_array (req, "AttributesToGet", &atg, error))
    return NULL;
  if (text != NULL && atg != NULL)
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                           "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
      return NULL;
    }
  if (text != NULL)
    return ddb_projection_parse (text, env, error);
  if (atg != NULL)
    {
      GPtrArray *paths = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_path_free);
      for (guint i = 0; i < json_array_get_length (atg); i++)
        {
          JsonNode *n = json_array_get_element (atg, i);
          DdbPath *path = g_new0 (DdbPath, 1);
          DdbPathElement el = { 0 };
          if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
            {
              g_free (path);
              continue;
            }
          path->elements = g_array_new (FALSE, TRUE, sizeof (DdbPathElement));
          el.name = g_strdup (json_node_get_string (n));
          g_array_append_val (path->elements, el);
          g_ptr_array_add (paths, path);
        }
      return paths;
    }
  return NULL;
}

JsonObject *
ddb_op_get_item (DdbOp *op, GError **error)
{
  JsonObject *req = op->request, *key = NULL, *resp;
  const char *name = NULL;
  gboolean consistent = FALSE;
  DdbCapacityMode cap_mode;
  g_autoptr(DdbOpEnv) env = ddb_op_expr_env (req);
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GError) local = NULL;
  DdbKeyValue hash, range;
  DdbTable *table;
  DdbItem *item;
  DdbValidator v;

  if (!ddb_req_string (req, "TableName", &name, error) ||
      !ddb_req_object (req, "Key", &key, error) ||
      !ddb_req_bool (req, "ConsistentRead", &consistent, error))
    return NULL;
  ddb_validator_init (&v);
  ddb_validate_table_name (&v, name, "tableName");
  if (key == NULL)
    ddb_validator_add (&v, NULL, "key", "Member must not be null");
  if (!ddb_validator_finish (&v, error) || !ddb_capacity_mode (req, &cap_mode, error))
    return NULL;
  paths = ddb_op_projection (req, env, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!ddb_op_check_unused (op->request, env, error))
    return NULL;
  if ((table = ddb_engine_get_table (op->engine, name, error)) == NULL)
    return NULL;
  if (!ddb_table_parse_key (table, key, &hash, &range, error))
    return NULL;

  item = ddb_table_lookup (table, &hash, range.type ? &range : NULL);
  ddb_key_value_clear (&hash);
  ddb_key_value_clear (&range);

  resp = json_object_new ();
  if (item != NULL && paths == NULL)
    json_object_set_member (resp, "Item", ddb_op_item_node (op, item));
  else if (item != NULL)
    json_object_set_object_member (resp, "Item", copy_projected (item, paths));
  if (cap_mode != DDB_CAPACITY_NONE)
    {
      g_autoptr(DdbCapacity) cap = ddb_capacity_new (table->name);
      cap->table_units = ddb_capacity_read_units (item ? item->size : 0, consistent);
      ddb_capacity_attach (resp, cap, cap_mode);
    }
  return resp;
}

/* ---- DeleteItem ---- */

JsonObject *
ddb_op_delete_item (DdbOp *op, GError **error)
{
  JsonObject *key = NULL, *resp;
  g_autoptr(DdbOpEnv) env = ddb_op_expr_env (op->request);
  WriteArgs w = { 0 };
  DdbKeyValue hash, range;
  DdbItem *old;

  if (!parse_write_args (op, "Key", "key", &key, TRUE, env, &w, error) ||
      !ddb_op_check_unused (op->request, env, error))
    goto fail;
  if ((w.table = ddb_engine_get_table (op->engine, json_object_get_string_member (op->request, "TableName"), error)) == NULL)
    goto fail;
  if (!ddb_table_parse_key (w.table, key, &hash, &range, error))
    goto fail;
  old = ddb_table_lookup (w.table, &hash, range.type ? &range : NULL);
  ddb_key_value_clear (&range);

  if (w.cond != NULL && !ddb_condition_evaluate (w.cond, old ? ddb_item_attrs (old) : NULL))
    {
      ddb_key_value_clear (&hash);
      ddb_op_condition_failed (op, old ? ddb_item_attrs (old) : NULL, w.ccf_all_old, error);
      goto fail;
    }
  resp = json_object_new ();
  if (w.rv == DDB_RETURN_ALL_OLD && old != NULL)
    json_object_set_object_member (resp, "Attributes", ddb_item_copy_out (old));
  if (w.cap_mode != DDB_CAPACITY_NONE)
    {
      g_autoptr(DdbCapacity) cap = ddb_capacity_new (w.table->name);
      ddb_capacity_add_write (cap, w.table, old ? ddb_item_attrs (old) : NULL, old ? old->size : 0, NULL, 0, 1);
      ddb_capacity_attach (resp, cap, w.cap_mode);
    }
  if (old != NULL)
    {
      ddb_table_delete (w.table, old);
      attach_metrics (resp, &w, &hash);
    }
  ddb_key_value_clear (&hash);
  write_args_clear (&w);
  return resp;

fail:
  write_args_clear (&w);
  return NULL;
}

/* ---- UpdateItem ---- */


gboolean
ddb_op_check_update_paths (DdbTable *table, DdbUpdate *update, GError **error)
{
  GPtrArray *paths = ddb_update_get_paths (update);

  for (guint i = 0; paths && i < paths->len; i++)
    {
      DdbPath *path = paths->pdata[i];
      const char *top = g_array_index (path->elements, DdbPathElement, 0).name;
      if (top != NULL && (g_str_equal (top, table->hash.name) ||
                          (table->range.name && g_str_equal (top, table->range.name))))
        {
          if (path->elements->len > 1)
            g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                         "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: %s", top);
          else
            g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                         "One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", top);
          return FALSE;
        }
    }
  return TRUE;
}


JsonObject *
ddb_op_apply_update (DdbTable *table, DdbUpdate *update, JsonObject *key, JsonObject *old,
                     gsize *size_out, GError **error)
{
  g_autoptr(JsonObject) work = old ? ddb_item_copy_attrs (old) : ddb_item_copy_canonical (key);
  JsonObject *attrs;
  gsize size;

  if (update != NULL && !ddb_update_apply (update, work, error))
    return NULL;
  /* The update may have put request nodes in work: copy to own them. */
  attrs = ddb_item_copy_canonical (work);
  if (!ddb_table_check_item (table, attrs, &size, error))
    {
      json_object_unref (attrs);
      if (error && *error && g_str_equal ((*error)->message, "Item size has exceeded the maximum allowed size"))
        {
          g_clear_error (error);
          invalid (error, "Item size to update has exceeded the maximum allowed size");
        }
      return NULL;
    }
  *size_out = size;
  return attrs;
}

JsonObject *
ddb_op_update_item (DdbOp *op, GError **error)
{
  JsonObject *key = NULL, *resp, *attrs;
  const char *text = NULL;
  g_autoptr(DdbOpEnv) env = ddb_op_expr_env (op->request);
  g_autoptr(DdbOpUpdate) update = NULL;
  WriteArgs w = { 0 };
  DdbKeyValue hash, range;
  DdbItem *old, *stored;
  gsize size;

  if (!parse_write_args (op, "Key", "key", &key, FALSE, env, &w, error) ||
      !ddb_req_string (op->request, "UpdateExpression", &text, error))
    goto fail;
  if (text != NULL && (update = ddb_update_parse (text, env, error)) == NULL)
    goto fail;
  if (!ddb_op_check_unused (op->request, env, error))
    goto fail;
  if ((w.table = ddb_engine_get_table (op->engine, json_object_get_string_member (op->request, "TableName"), error)) == NULL)
    goto fail;
  if (!ddb_table_parse_key (w.table, key, &hash, &range, error))
    goto fail;
  old = ddb_table_lookup (w.table, &hash, range.type ? &range : NULL);
  ddb_key_value_clear (&hash);
  ddb_key_value_clear (&range);
  if (update != NULL && !ddb_op_check_update_paths (w.table, update, error))
    goto fail;

  if (w.cond != NULL && !ddb_condition_evaluate (w.cond, old ? ddb_item_attrs (old) : NULL))
    {
      ddb_op_condition_failed (op, old ? ddb_item_attrs (old) : NULL, w.ccf_all_old, error);
      goto fail;
    }
  if ((attrs = ddb_op_apply_update (w.table, update, key, old ? ddb_item_attrs (old) : NULL, &size, error)) == NULL)
    goto fail;
  stored = ddb_table_make_item (w.table, attrs, size);

  resp = json_object_new ();
  switch (w.rv)
    {
    case DDB_RETURN_ALL_OLD:
      if (old != NULL)
        json_object_set_object_member (resp, "Attributes", ddb_item_copy_out (old));
      break;
    case DDB_RETURN_ALL_NEW:
      json_object_set_object_member (resp, "Attributes", ddb_item_copy_out (stored));
      break;
    case DDB_RETURN_UPDATED_OLD:
    case DDB_RETURN_UPDATED_NEW:
      {
        DdbItem *src = w.rv == DDB_RETURN_UPDATED_OLD ? old : stored;
        GPtrArray *paths = update ? ddb_update_get_paths (update) : NULL;
        if (src != NULL && paths != NULL && paths->len > 0)
          {
            JsonObject *out = copy_projected (src, paths);
            if (json_object_get_size (out) > 0)
              json_object_set_object_member (resp, "Attributes", out);
            else
              json_object_unref (out);
          }
      }
      break;
    case DDB_RETURN_NONE:
    default:
      break;
    }
  if (w.cap_mode != DDB_CAPACITY_NONE)
    {
      g_autoptr(DdbCapacity) cap = ddb_capacity_new (w.table->name);
      ddb_capacity_add_write (cap, w.table, old ? ddb_item_attrs (old) : NULL, old ? old->size : 0,
                              ddb_item_attrs (stored), stored->size, 1);
      ddb_capacity_attach (resp, cap, w.cap_mode);
    }
  ddb_table_put (w.table, stored);   /* frees old */
  attach_metrics (resp, &w, &stored->hash);
  write_args_clear (&w);
  return resp;

fail:
  write_args_clear (&w);
  return NULL;
}
