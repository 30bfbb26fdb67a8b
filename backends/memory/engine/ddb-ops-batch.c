/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-batch.c: BatchGetItem and BatchWriteItem. Nothing is ever left
 * unprocessed here (there is no throughput to exceed), so UnprocessedKeys
 * and UnprocessedItems are always empty. */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"

static gboolean
invalid (GError **error, const char *msg)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg);
  return FALSE;
}

static gboolean
request_items (DdbOp *op, JsonObject **out, GError **error)
{
  DdbValidator v;

  if (!ddb_req_object (op->request, "RequestItems", out, error))
    return FALSE;
  ddb_validator_init (&v);
  if (*out == NULL)
    ddb_validator_add (&v, NULL, "requestItems", "Member must not be null");
  else if (json_object_get_size (*out) == 0)
    ddb_validator_add (&v, "{}", "requestItems", "Member must have length greater than or equal to 1");
  else
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;
      json_object_iter_init (&iter, *out);
      while (json_object_iter_next (&iter, &name, &value))
        ddb_validate_table_name (&v, name, "requestItems");
    }
  return ddb_validator_finish (&v, error);
}

/* ---- BatchGetItem ---- */

typedef struct {
  const char *name;
  DdbTable *table;
  JsonArray *keys;
  GPtrArray *paths;
  gboolean consistent;
  DdbExprEnv *env;
} GetSpec;

static void
get_spec_free (gpointer p)
{
  GetSpec *g = p;
  g_clear_pointer (&g->paths, g_ptr_array_unref);
  g_clear_pointer (&g->env, ddb_expr_env_free);
  g_free (g);
}

JsonObject *
ddb_op_batch_get_item (DdbOp *op, GError **error)
{
  JsonObject *ri = NULL, *resp, *responses;
  JsonArray *caps = NULL;
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func (get_spec_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  DdbCapacityMode cap_mode;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  guint total = 0;

  if (!request_items (op, &ri, error) || !ddb_capacity_mode (op->request, &cap_mode, error))
    return NULL;

  /* Every check happens before any read. */
  json_object_iter_init (&iter, ri);
  while (json_object_iter_next (&iter, &name, &value))
    {
      JsonObject *spec_obj;
      GetSpec *g;
      DdbValidator v;
      g_autoptr(GError) local = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (value))
        return invalid (error, "Start of structure or map found where not expected."), NULL;
      spec_obj = json_node_get_object (value);
      g = g_new0 (GetSpec, 1);
      g_ptr_array_add (specs, g);
      g->name = name;
      if (!ddb_req_array (spec_obj, "Keys", &g->keys, error) ||
          !ddb_req_bool (spec_obj, "ConsistentRead", &g->consistent, error))
        return NULL;
      ddb_validator_init (&v);
      {
        g_autofree char *path = g_strdup_printf ("requestItems.%s.member.keys", name);
        if (g->keys == NULL)
          ddb_validator_add (&v, NULL, path, "Member must not be null");
        else if (json_array_get_length (g->keys) == 0)
          ddb_validator_add (&v, "[]", path, "Member must have length greater than or equal to 1");
      }
      if (!ddb_validator_finish (&v, error))
        return NULL;
      total += json_array_get_length (g->keys);
      if (total > 100)
        return invalid (error, "Too many items requested for the BatchGetItem call"), NULL;
      g->env = ddb_op_expr_env (spec_obj);
      g->paths = ddb_op_projection (spec_obj, g->env, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (!ddb_op_check_unused (spec_obj, g->env, error))
        return NULL;
    }
  for (guint i = 0; i < specs->len; i++)
    {
      GetSpec *g = specs->pdata[i];
      if ((g->table = ddb_engine_get_table (op->engine, g->name, error)) == NULL)
        return NULL;
      for (guint k = 0; k < json_array_get_length (g->keys); k++)
        {
          JsonNode *kn = json_array_get_element (g->keys, k);
          DdbKeyValue h, r;
          if (!JSON_NODE_HOLDS_OBJECT (kn))
            return invalid (error, "The provided key element does not match the schema"), NULL;
          if (!ddb_table_parse_key (g->table, json_node_get_object (kn), &h, &r, error))
            return NULL;
          {
            char *fp = ddb_item_fingerprint (g->table, &h, r.type ? &r : NULL);
            ddb_key_value_clear (&h);
            ddb_key_value_clear (&r);
            if (!g_hash_table_add (seen, fp))
              return invalid (error, "Provided list of item keys contains duplicates"), NULL;
          }
        }
    }

  resp = json_object_new ();
  responses = json_object_new ();
  if (cap_mode != DDB_CAPACITY_NONE)
    caps = json_array_new ();
  for (guint i = 0; i < specs->len; i++)
    {
      GetSpec *g = specs->pdata[i];
      JsonArray *items = json_array_new ();
      double units = 0;
      for (guint k = 0; k < json_array_get_length (g->keys); k++)
        {
          DdbKeyValue h, r;
          DdbItem *item;
          ddb_table_parse_key (g->table, json_array_get_object_element (g->keys, k), &h, &r, NULL);
          item = ddb_table_lookup (g->table, &h, r.type ? &r : NULL);
          ddb_key_value_clear (&h);
          ddb_key_value_clear (&r);
          /* Each item is a read on its own, rounded up separately. */
          units += ddb_capacity_read_units (item ? item->size : 0, g->consistent);
          if (item == NULL)
            continue;
          if (g->paths)
            {
              g_autoptr(JsonObject) copy = ddb_item_copy_out (item);
              json_array_add_object_element (items, ddb_projection_apply (g->paths, copy));
            }
          else
            json_array_add_element (items, ddb_op_item_node (op, item));
        }
      json_object_set_array_member (responses, g->table->name, items);
      if (caps)
        {
          g_autoptr(DdbCapacity) cap = ddb_capacity_new (g->table->name);
          cap->table_units = units;
          json_array_add_object_element (caps, ddb_capacity_to_json (cap, cap_mode));
        }
    }
  json_object_set_object_member (resp, "Responses", responses);
  json_object_set_object_member (resp, "UnprocessedKeys", json_object_new ());
  if (caps)
    json_object_set_array_member (resp, "ConsumedCapacity", caps);
  return resp;
}

/* ---- BatchWriteItem ---- */

typedef struct {
  DdbTable *table;
  JsonObject *attrs;     /* put: prepared item (owned) */
  gsize size;
  DdbKeyValue hash, range;
} WriteReq;

static void
write_req_free (gpointer p)
{
  WriteReq *w = p;
  if (w->attrs)
    json_object_unref (w->attrs);
  ddb_key_value_clear (&w->hash);
  ddb_key_value_clear (&w->range);
  g_free (w);
}

JsonObject *
ddb_op_batch_write_item (DdbOp *op, GError **error)
{
  JsonObject *ri = NULL, *resp;
  g_autoptr(GPtrArray) reqs = g_ptr_array_new_with_free_func (write_req_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) caps = NULL;
  g_autoptr(GPtrArray) cap_order = g_ptr_array_new ();
  DdbCapacityMode cap_mode;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  guint total = 0;
  gboolean want_metrics;
  g_autoptr(JsonObject) metrics = NULL;

  if (!request_items (op, &ri, error) || !ddb_capacity_mode (op->request, &cap_mode, error) ||
      !ddb_collection_metrics_mode (op->request, &want_metrics, error))
    return NULL;
  if (want_metrics)
    metrics = json_object_new ();

  json_object_iter_init (&iter, ri);
  while (json_object_iter_next (&iter, &name, &value))
    {
      JsonArray *list;
      if (!JSON_NODE_HOLDS_ARRAY (value))
        return invalid (error, "Start of structure or map found where not expected."), NULL;
      list = json_node_get_array (value);
      total += json_array_get_length (list);
      if (json_array_get_length (list) == 0 || total > 25)
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]");
          return NULL;
        }
    }

  json_object_iter_init (&iter, ri);
  while (json_object_iter_next (&iter, &name, &value))
    {
      JsonArray *list = json_node_get_array (value);
      DdbTable *table = ddb_engine_get_table (op->engine, name, error);
      if (table == NULL)
        return NULL;
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonNode *rn = json_array_get_element (list, i);
          JsonObject *r = JSON_NODE_HOLDS_OBJECT (rn) ? json_node_get_object (rn) : NULL;
          JsonObject *put = NULL, *del = NULL, *item = NULL, *key = NULL;
          WriteReq *w;
          char *fp;

          if (r == NULL || !ddb_req_object (r, "PutRequest", &put, error) ||
              !ddb_req_object (r, "DeleteRequest", &del, error))
            {
              if (error && *error == NULL)
                invalid (error, "Start of list found where not expected");
              return NULL;
            }
          if ((put == NULL) == (del == NULL))
            return invalid (error, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"), NULL;
          w = g_new0 (WriteReq, 1);
          w->table = table;
          g_ptr_array_add (reqs, w);
          if (put)
            {
              if (!ddb_req_object (put, "Item", &item, error))
                return NULL;
              if (item == NULL)
                {
                  g_autofree char *path = g_strdup_printf ("requestItems.%s.member.%u.member.putRequest.item", name, i + 1);
                  DdbValidator v;
                  ddb_validator_init (&v);
                  ddb_validator_add (&v, NULL, path, "Member must not be null");
                  ddb_validator_finish (&v, error);
                  return NULL;
                }
              if ((w->attrs = ddb_table_prepare_item (table, item, &w->size, error)) == NULL)
                return NULL;
              ddb_key_value_init (&w->hash, json_object_get_member (w->attrs, table->hash.name));
              if (table->range.name)
                ddb_key_value_init (&w->range, json_object_get_member (w->attrs, table->range.name));
            }
          else
            {
              if (!ddb_req_object (del, "Key", &key, error))
                return NULL;
              if (key == NULL)
                {
                  g_autofree char *path = g_strdup_printf ("requestItems.%s.member.%u.member.deleteRequest.key", name, i + 1);
                  DdbValidator v;
                  ddb_validator_init (&v);
                  ddb_validator_add (&v, NULL, path, "Member must not be null");
                  ddb_validator_finish (&v, error);
                  return NULL;
                }
              if (!ddb_table_parse_key (table, key, &w->hash, &w->range, error))
                return NULL;
            }
          fp = ddb_item_fingerprint (table, &w->hash, w->range.type ? &w->range : NULL);
          if (!g_hash_table_add (seen, fp))
            return invalid (error, "Provided list of item keys contains duplicates"), NULL;
        }
    }

  if (cap_mode != DDB_CAPACITY_NONE)
    caps = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ddb_capacity_free);
  for (guint i = 0; i < reqs->len; i++)
    {
      WriteReq *w = reqs->pdata[i];
      DdbItem *old = ddb_table_lookup (w->table, &w->hash, w->range.type ? &w->range : NULL);
      if (caps)
        {
          DdbCapacity *cap = g_hash_table_lookup (caps, w->table->name);
          if (cap == NULL)
            {
              cap = ddb_capacity_new (w->table->name);
              g_hash_table_insert (caps, w->table->name, cap);
              g_ptr_array_add (cap_order, cap);
            }
          ddb_capacity_add_write (cap, w->table, old ? ddb_item_attrs (old) : NULL, old ? old->size : 0,
                                  w->attrs, w->attrs ? w->size : 0, 1);
        }
      if (w->attrs)
        ddb_table_put (w->table, ddb_table_make_item (w->table, g_steal_pointer (&w->attrs), w->size));
      else if (old)
        ddb_table_delete (w->table, old);
      else
        continue;
      if (metrics)
        ddb_collection_metrics_add (metrics, w->table, &w->hash);
    }

  resp = json_object_new ();
  json_object_set_object_member (resp, "UnprocessedItems", json_object_new ());
  if (metrics != NULL && json_object_get_size (metrics) > 0)
    json_object_set_object_member (resp, "ItemCollectionMetrics", g_steal_pointer (&metrics));
  if (caps)
    {
      JsonArray *arr = json_array_new ();
      for (guint i = 0; i < cap_order->len; i++)
        json_array_add_object_element (arr, ddb_capacity_to_json (cap_order->pdata[i], cap_mode));
      json_object_set_array_member (resp, "ConsumedCapacity", arr);
    }
  return resp;
}
