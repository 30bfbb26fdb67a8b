/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-direct.c: PutItem, GetItem, BatchWriteItem and BatchGetItem of
 * whole packed items, and the packed items of Query and Scan answers
 * (ddb_engine_read_packed is in ddb-engine.c, with the dispatcher): the
 * engine's half of the core's direct path.
 *
 * Each call carries exactly what a PutItem {TableName, Item} or GetItem
 * {TableName, Key} request carries, with no other members. A call that
 * would not simply succeed (no such table, a key that does not match the
 * table's, a value the JSON path would normalize or refuse, a limit) is
 * declined rather than answered: the caller then sends the same request as
 * JSON and gets DynamoDB's own error. So the direct path can only ever be
 * faster, never different. */
#include "config.h"

#include "ddb-engine-private.h"

/* The key attribute attr of a packed item, if it is one the table accepts:
 * the declared type, not empty. */
static const guint8 *
key_value (const guint8 *item, const DdbKeyAttr *attr)
{
  const guint8 *value = ddb_packed_find (item, attr->name), *p;
  guint32 len;

  if (value == NULL || *value != attr->type)
    return NULL;
  p = value + 1;
  ddb_packed_get_str (&p, &len);
  return len > 0 ? value : NULL;
}

static gboolean
index_keys_acceptable (const DdbIndex *index, const guint8 *item)
{
  const DdbKeyAttr *attrs[2 * DDB_MAX_KEY_PARTS];
  guint n = ddb_index_key_attrs (index, attrs);

  for (guint i = 0; i < n; i++)
    if (ddb_packed_find (item, attrs[i]->name) != NULL &&
        key_value (item, attrs[i]) == NULL)
      return FALSE;   /* present but wrong: the JSON path names the index */
  return TRUE;
}

/* A key value; with borrow, a string's data points into the packed
 * value (a lookup's key, which outlives it) instead of a copy. */
static gboolean
read_key_value (const guint8 *value, DdbKeyValue *kv, gboolean borrow)
{
  const guint8 *p = value + 1;

  if (!borrow || *value != DDB_TYPE_S)
    return ddb_blob_key_value (value, kv);
  memset (kv, 0, sizeof *kv);
  kv->type = DDB_TYPE_S;
  kv->data = (char *) ddb_packed_get_str (&p, &kv->len);
  return TRUE;
}

static void
drop_key_value (DdbKeyValue *kv, gboolean borrow)
{
  if (borrow && kv->type == DDB_TYPE_S)
    memset (kv, 0, sizeof *kv);
  else
    ddb_key_value_clear (kv);
}

/* The item's key values, within DynamoDB's key size limits; borrowed as
 * read_key_value() says (drop them with drop_key_value()). */
static gboolean
key_values (DdbTable *table, const guint8 *item, DdbKeyValue *hash, DdbKeyValue *range, gboolean borrow)
{
  const guint8 *hv = key_value (item, &table->hash);
  const guint8 *rv = table->range.name ? key_value (item, &table->range) : NULL;

  memset (range, 0, sizeof *range);
  if (hv == NULL || (table->range.name != NULL && rv == NULL) || !read_key_value (hv, hash, borrow))
    return FALSE;
  if (rv != NULL && !read_key_value (rv, range, borrow))
    {
      drop_key_value (hash, borrow);
      return FALSE;
    }
  if (ddb_key_value_size (hash) > 2048 || (rv != NULL && ddb_key_value_size (range) > 1024))
    {
      drop_key_value (hash, borrow);
      drop_key_value (range, borrow);
      return FALSE;
    }
  return TRUE;
}

gboolean
ddb_packed_item_acceptable (DdbTable *table, const guint8 *item, DdbKeyValue *hash, DdbKeyValue *range)
{
  if (!key_values (table, item, hash, range, FALSE))
    return FALSE;
  for (guint i = 0; i < table->indexes->len; i++)
    if (!index_keys_acceptable (table->indexes->pdata[i], item))
      {
        ddb_key_value_clear (hash);
        ddb_key_value_clear (range);
        return FALSE;
      }
  return TRUE;
}

DdbDirectResult
ddb_engine_put_packed (DdbEngine *engine, const char *table_name, guint8 *item, gsize len)
{
  DdbDirectResult result = DDB_DIRECT_DECLINED;
  DdbKeyValue hash, range;
  DdbTable *table;
  gsize size;

  if (!ddb_blob_check (item, len, &size) || size > DDB_MAX_ITEM_SIZE)
    return DDB_DIRECT_DECLINED;

  ddb_engine_write_lock (engine);
  table = g_hash_table_lookup (engine->tables, table_name);
  /* A persistent engine logs requests: those go the JSON way. */
  if (table != NULL && engine->commit_func == NULL && ddb_packed_item_acceptable (table, item, &hash, &range))
    {
      ddb_table_put (table, ddb_table_make_item_packed_keyed (table, item, size, &hash, &range));
      result = DDB_DIRECT_DONE;
    }
  ddb_engine_write_unlock (engine);
  return result;
}

/* A packed copy of item's blob (g_free). */
static guint8 *
copy_item (const DdbItem *item, gsize *len_out)
{
  *len_out = ddb_packed_item_len (item->blob);
  return g_memdup2 (item->blob, *len_out);
}

/* The key values of a packed Key {hash[, range]} of table: exactly the
 * table's key attributes. */
static gboolean
packed_key_values (DdbTable *table, const guint8 *key, DdbKeyValue *hash, DdbKeyValue *range, gboolean borrow)
{
  guint32 nkeys;

  memcpy (&nkeys, key, 4);
  return nkeys == (table->range.name ? 2u : 1u) && key_values (table, key, hash, range, borrow);
}

DdbDirectResult
ddb_engine_get_packed (DdbEngine *engine, const char *table_name, const guint8 *key, gsize len,
                       guint8 **item_out, gsize *len_out)
{
  DdbDirectResult result = DDB_DIRECT_DECLINED;
  DdbKeyValue hash, range;
  DdbTable *table;
  gsize size;

  *item_out = NULL;
  if (!ddb_blob_check (key, len, &size))
    return DDB_DIRECT_DECLINED;

  /* Shared, as GetItem (see engine_lock). */
  ddb_engine_read_lock (engine);
  table = g_hash_table_lookup (engine->tables, table_name);
  if (table != NULL && packed_key_values (table, key, &hash, &range, TRUE))
    {
      DdbItem *item = ddb_table_lookup (table, &hash, range.type ? &range : NULL);

      if (item == NULL)
        result = DDB_DIRECT_ABSENT;
      else
        {
          *item_out = copy_item (item, len_out);
          result = DDB_DIRECT_DONE;
        }
      drop_key_value (&hash, TRUE);
      drop_key_value (&range, TRUE);
    }
  ddb_engine_read_unlock (engine);
  return result;
}

/* ---- Batches ---- */

#define MAX_BATCH_WRITES 25
#define MAX_BATCH_READS 100

/* One entry of a batch, checked: its table and key values. */
typedef struct {
  DdbTable *table;
  DdbKeyValue hash, range;
  guint32 key_hash;
  gsize size;
} Checked;

static void
checked_clear (Checked *checked, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      ddb_key_value_clear (&checked[i].hash);
      ddb_key_value_clear (&checked[i].range);
    }
}

/* Whether entry i names the same item as an earlier one. */
static gboolean
seen_before (const Checked *checked, guint i)
{
  const Checked *c = &checked[i];

  for (guint j = 0; j < i; j++)
    if (checked[j].key_hash == c->key_hash && checked[j].table == c->table &&
        ddb_key_value_equal (&checked[j].hash, &c->hash) &&
        (c->range.type == DDB_TYPE_INVALID || ddb_key_value_equal (&checked[j].range, &c->range)))
      return TRUE;
  return FALSE;
}

/* Checks entry i as BatchWriteItem and BatchGetItem would, without
 * answering: an existing table, a valid key (and item), and no item named
 * twice. */
static gboolean
check_entry (DdbEngine *engine, const char *table_name, const guint8 *packed, gboolean is_item,
             Checked *checked, guint i)
{
  Checked *out = &checked[i];
  gboolean ok;

  out->table = g_hash_table_lookup (engine->tables, table_name);
  if (out->table == NULL)
    return FALSE;
  ok = is_item ? ddb_packed_item_acceptable (out->table, packed, &out->hash, &out->range)
               : packed_key_values (out->table, packed, &out->hash, &out->range, FALSE);
  if (!ok)
    {
      memset (out, 0, sizeof *out);
      return FALSE;
    }
  out->key_hash = ddb_key_value_hash (&out->hash) * 31 +
                  (out->range.type != DDB_TYPE_INVALID ? ddb_key_value_hash (&out->range) : 0);
  return !seen_before (checked, i);
}

static gboolean
check_writes (DdbEngine *engine, DdbPackedWrite *writes, guint n, Checked *checked)
{
  for (guint i = 0; i < n; i++)
    if (!check_entry (engine, writes[i].table_name, writes[i].packed, !writes[i].is_delete, checked, i))
      return FALSE;
  return TRUE;
}

DdbDirectResult
ddb_engine_batch_write_packed (DdbEngine *engine, DdbPackedWrite *writes, guint n)
{
  Checked checked[MAX_BATCH_WRITES] = { 0 };
  DdbDirectResult result = DDB_DIRECT_DECLINED;

  if (n == 0 || n > MAX_BATCH_WRITES)
    return DDB_DIRECT_DECLINED;
  for (guint i = 0; i < n; i++)
    if (!ddb_blob_check (writes[i].packed, writes[i].len, &checked[i].size) ||
        (!writes[i].is_delete && checked[i].size > DDB_MAX_ITEM_SIZE))
      return DDB_DIRECT_DECLINED;

  ddb_engine_write_lock (engine);
  /* A persistent engine logs requests: those go the JSON way. */
  if (engine->commit_func == NULL && check_writes (engine, writes, n, checked))
    {
      for (guint i = 0; i < n; i++)
        {
          DdbTable *table = checked[i].table;

          if (!writes[i].is_delete)
            ddb_table_put (table, ddb_table_make_item_packed_keyed (table, g_steal_pointer (&writes[i].packed),
                                                                    checked[i].size, &checked[i].hash,
                                                                    &checked[i].range));
          else
            {
              DdbItem *old = ddb_table_lookup (table, &checked[i].hash,
                                               checked[i].range.type ? &checked[i].range : NULL);
              if (old != NULL)
                ddb_table_delete (table, old);
            }
        }
      result = DDB_DIRECT_DONE;
    }
  ddb_engine_write_unlock (engine);
  checked_clear (checked, n);
  return result;
}

DdbDirectResult
ddb_engine_batch_get_packed (DdbEngine *engine, DdbPackedRead *reads, guint n)
{
  Checked checked[MAX_BATCH_READS] = { 0 };
  gboolean ok = TRUE;

  if (n == 0 || n > MAX_BATCH_READS)
    return DDB_DIRECT_DECLINED;
  for (guint i = 0; i < n; i++)
    {
      reads[i].item = NULL;
      if (!ddb_blob_check (reads[i].key, reads[i].len, &checked[i].size))
        return DDB_DIRECT_DECLINED;
    }

  /* Shared, as BatchGetItem. Every check before any read. */
  ddb_engine_read_lock (engine);
  for (guint i = 0; ok && i < n; i++)
    ok = check_entry (engine, reads[i].table_name, reads[i].key, FALSE, checked, i);
  for (guint i = 0; ok && i < n; i++)
    {
      DdbItem *item = ddb_table_lookup (checked[i].table, &checked[i].hash,
                                        checked[i].range.type ? &checked[i].range : NULL);
      gsize len;

      if (item != NULL)
        reads[i].item = copy_item (item, &len);
    }
  ddb_engine_read_unlock (engine);
  checked_clear (checked, n);
  return ok ? DDB_DIRECT_DONE : DDB_DIRECT_DECLINED;
}

/* ---- Query and Scan: answers with packed items (ddb_engine_read_packed) ---- */

GPtrArray *
ddb_op_take_packed_items (DdbOp *op, JsonObject *resp)
{
  JsonArray *items = json_object_get_array_member (resp, "Items");
  GPtrArray *out = g_ptr_array_new_full (json_array_get_length (items), g_free);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      const guint8 *blob = g_hash_table_lookup (op->packed, node);

      if (blob != NULL)
        g_ptr_array_add (out, g_memdup2 (blob, ddb_packed_item_len (blob)));
      else
        {
          GByteArray *packed = g_byte_array_new ();

          ddb_packed_put_json_item (packed, json_node_get_object (node));
          g_ptr_array_add (out, g_byte_array_free (packed, FALSE));
        }
    }
  json_object_remove_member (resp, "Items");
  return out;
}
