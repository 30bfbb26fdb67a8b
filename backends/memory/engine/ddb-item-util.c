/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-item-util.c: key and item checks shared by the item, batch and
 * transaction operations, with DynamoDB's messages. */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"

static gboolean
invalid (GError **error, const char *msg)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg);
  return FALSE;
}

/* Empty S or B in a key attribute. */
static gboolean
is_empty_key_value (JsonNode *value, const char **kind)
{
  JsonObject *obj = json_node_get_object (value);
  JsonNode *m;

  if ((m = json_object_get_member (obj, "S")) && JSON_NODE_HOLDS_VALUE (m) &&
      json_node_get_value_type (m) == G_TYPE_STRING && *json_node_get_string (m) == '\0')
    {
      *kind = "string";
      return TRUE;
    }
  if ((m = json_object_get_member (obj, "B")) && JSON_NODE_HOLDS_VALUE (m) &&
      json_node_get_value_type (m) == G_TYPE_STRING && *json_node_get_string (m) == '\0')
    {
      *kind = "binary";
      return TRUE;
    }
  return FALSE;
}

static gboolean
check_key_sizes (DdbKeyValue *hash, DdbKeyValue *range, GError **error)
{
  /* The missing space in "limit of2048" is the service's own. */
  if (ddb_key_value_size (hash) > 2048)
    return invalid (error, "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
  if (range != NULL && range->type != DDB_TYPE_INVALID && ddb_key_value_size (range) > 1024)
    return invalid (error, "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
  return TRUE;
}

gboolean
ddb_table_parse_key (DdbTable *table, JsonObject *key, DdbKeyValue *hash, DdbKeyValue *range, GError **error)
{
  JsonObjectIter iter;
  const char *name, *kind;
  JsonNode *value, *hv, *rv = NULL;
  guint nkeys = table->range.name ? 2 : 1;

  memset (hash, 0, sizeof *hash);
  memset (range, 0, sizeof *range);

  json_object_iter_init (&iter, key);
  while (json_object_iter_next (&iter, &name, &value))
    if (!ddb_value_validate (value, error))
      return FALSE;

  hv = json_object_get_member (key, table->hash.name);
  if (table->range.name)
    rv = json_object_get_member (key, table->range.name);
  if (json_object_get_size (key) != nkeys || hv == NULL || (table->range.name && rv == NULL) ||
      ddb_value_type (hv) != table->hash.type || (rv && ddb_value_type (rv) != table->range.type))
    return invalid (error, "The provided key element does not match the schema");

  if (is_empty_key_value (hv, &kind) || (rv && is_empty_key_value (rv, &kind)))
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s",
                   kind, is_empty_key_value (hv, &kind) ? table->hash.name : table->range.name);
      return FALSE;
    }
  ddb_key_value_init (hash, hv);
  if (rv)
    ddb_key_value_init (range, rv);
  if (!check_key_sizes (hash, range, error))
    {
      ddb_key_value_clear (hash);
      ddb_key_value_clear (range);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_item_key_attr (DdbKeyAttr *attr, JsonObject *item, GError **error)
{
  JsonNode *v = json_object_get_member (item, attr->name);
  const char *kind;
  DdbType t;

  if (v == NULL)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "One or more parameter values were invalid: Missing the key %s in the item", attr->name);
      return FALSE;
    }
  t = ddb_value_type (v);
  if (t != attr->type)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s",
                   attr->name, ddb_type_name (attr->type), ddb_type_name (t));
      return FALSE;
    }
  if (is_empty_key_value (v, &kind))
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s",
                   kind, attr->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_index_key_attr (DdbIndex *index, const DdbKeyAttr *attr, JsonObject *item, GError **error)
{
  JsonNode *v = json_object_get_member (item, attr->name);
  const char *kind;
  DdbType t;

  if (v == NULL)
    return TRUE;   /* sparse: the item is simply not in the index */
  t = ddb_value_type (v);
  if (t != attr->type)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s",
                   attr->name, ddb_type_name (attr->type), ddb_type_name (t), index->name);
      return FALSE;
    }
  if (is_empty_key_value (v, &kind))
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s",
                   kind, index->name, attr->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_keys_and_size (DdbTable *table, JsonObject *item, gsize *size_out, GError **error)
{
  gsize size;

  if (!check_item_key_attr (&table->hash, item, error))
    return FALSE;
  if (table->range.name && !check_item_key_attr (&table->range, item, error))
    return FALSE;
  {
    DdbKeyValue h, r = { 0 };
    gboolean ok;
    ddb_key_value_init (&h, json_object_get_member (item, table->hash.name));
    if (table->range.name)
      ddb_key_value_init (&r, json_object_get_member (item, table->range.name));
    ok = check_key_sizes (&h, &r, error);
    ddb_key_value_clear (&h);
    ddb_key_value_clear (&r);
    if (!ok)
      return FALSE;
  }
  for (guint i = 0; i < table->indexes->len; i++)
    {
      DdbIndex *index = table->indexes->pdata[i];
      const DdbKeyAttr *keys[2 * DDB_MAX_KEY_PARTS];
      guint n = ddb_index_key_attrs (index, keys);
      for (guint k = 0; k < n; k++)
        if (!check_index_key_attr (index, keys[k], item, error))
          return FALSE;
    }
  size = ddb_item_size (item);
  if (size > DDB_MAX_ITEM_SIZE)
    return invalid (error, "Item size has exceeded the maximum allowed size");
  *size_out = size;
  return TRUE;
}

gboolean
ddb_table_check_new_item (DdbTable *table, JsonObject *item, gsize *size_out, GError **error)
{
  return ddb_item_validate (item, error) && check_keys_and_size (table, item, size_out, error);
}

JsonObject *
ddb_table_prepare_item (DdbTable *table, JsonObject *item, gsize *size_out, GError **error)
{
  if (!ddb_item_validate (item, error))
    return NULL;
  if (!check_keys_and_size (table, item, size_out, error))
    return NULL;
  return ddb_item_copy_canonical (item);
}

gboolean
ddb_table_check_item (DdbTable *table, JsonObject *attrs, gsize *size_out, GError **error)
{
  return check_keys_and_size (table, attrs, size_out, error);
}

static void
copy_member (JsonObject *dst, JsonObject *src, const char *name)
{
  JsonNode *v;

  if (name != NULL && (v = json_object_get_member (src, name)) != NULL)
    json_object_set_member (dst, name, ddb_value_copy (v));
}

JsonObject *
ddb_table_key_of (DdbTable *table, DdbIndex *index, JsonObject *attrs)
{
  JsonObject *key = json_object_new ();

  copy_member (key, attrs, table->hash.name);
  copy_member (key, attrs, table->range.name);
  if (index != NULL)
    {
      const DdbKeyAttr *keys[2 * DDB_MAX_KEY_PARTS];
      guint n = ddb_index_key_attrs (index, keys);
      for (guint k = 0; k < n; k++)
        copy_member (key, attrs, keys[k]->name);
    }
  return key;
}

gboolean
ddb_op_check_unused (JsonObject *obj, DdbExprEnv *env, GError **error)
{
  static const char *const expressions[] = {
    "ConditionExpression", "UpdateExpression", "ProjectionExpression",
    "FilterExpression", "KeyConditionExpression",
  };
  static const char *const maps[] = { "ExpressionAttributeNames", "ExpressionAttributeValues" };

  /* The placeholder maps' own contents (empty maps, bad keys, invalid
   * AttributeValues): the expression parsers only look up what they use. */
  if (!ddb_expr_env_validate (env, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (expressions); i++)
    {
      JsonNode *n = json_object_get_member (obj, expressions[i]);
      if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
        return ddb_expr_env_check_unused (env, error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (maps); i++)
    {
      JsonNode *n = json_object_get_member (obj, maps[i]);
      if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "%s can only be specified when using expressions", maps[i]);
          return FALSE;
        }
    }
  return ddb_expr_env_check_unused (env, error);
}

static void
copy_stored_member (JsonObject *dst, DdbItem *item, const char *name)
{
  JsonNode *v;

  if (name != NULL && !json_object_has_member (dst, name) && (v = ddb_item_get_value (item, name)) != NULL)
    json_object_set_member (dst, name, v);
}

JsonObject *
ddb_table_key_of_item (DdbTable *table, DdbIndex *index, DdbItem *item)
{
  JsonObject *key = json_object_new ();

  copy_stored_member (key, item, table->hash.name);
  copy_stored_member (key, item, table->range.name);
  if (index != NULL)
    {
      const DdbKeyAttr *keys[2 * DDB_MAX_KEY_PARTS];
      guint n = ddb_index_key_attrs (index, keys);
      for (guint k = 0; k < n; k++)
        copy_stored_member (key, item, keys[k]->name);
    }
  return key;
}

void
ddb_op_condition_failed (DdbOp *op, JsonObject *old, gboolean return_old, GError **error)
{
  if (return_old && old != NULL)
    {
      if (op->error_extra == NULL)
        op->error_extra = json_object_new ();
      json_object_set_object_member (op->error_extra, "Item", ddb_item_copy_attrs (old));
    }
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
}

static void
append_key (GString *s, const DdbKeyValue *kv)
{
  g_string_append_c (s, '0' + kv->type);
  if (kv->type == DDB_TYPE_N)
    {
      g_autofree char *t = ddb_number_to_string (&kv->num);
      g_string_append (s, t);
    }
  else if (kv->type != DDB_TYPE_INVALID)
    g_string_append_len (s, kv->data, kv->len);
  g_string_append_c (s, '\0');
}

char *
ddb_item_fingerprint (DdbTable *table, const DdbKeyValue *hash, const DdbKeyValue *range)
{
  GString *s = g_string_new (table->name);
  gsize len;

  g_string_append_c (s, '\0');
  append_key (s, hash);
  if (range != NULL)
    append_key (s, range);
  /* Embedded NULs: escape to keep it a C string usable as a hash key. */
  len = s->len;
  {
    GString *out = g_string_sized_new (len * 2);
    for (gsize i = 0; i < len; i++)
      {
        if (s->str[i] == '\0')
          g_string_append (out, "\\0");
        else if (s->str[i] == '\\')
          g_string_append (out, "\\\\");
        else
          g_string_append_c (out, s->str[i]);
      }
    g_string_free (s, TRUE);
    return g_string_free (out, FALSE);
  }
}
