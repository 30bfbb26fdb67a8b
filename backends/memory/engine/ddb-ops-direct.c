/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-direct.c: PutItem and GetItem of whole packed items, the engine's
 * half of the core's direct path.
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

/* The item's key values, within DynamoDB's key size limits. */
static gboolean
key_values (DdbTable *table, const guint8 *item, DdbKeyValue *hash, DdbKeyValue *range)
{
  const guint8 *hv = key_value (item, &table->hash);
  const guint8 *rv = table->range.name ? key_value (item, &table->range) : NULL;

  memset (range, 0, sizeof *range);
  if (hv == NULL || (table->range.name != NULL && rv == NULL) ||
      !ddb_blob_key_value (hv, hash))
    return FALSE;
  if (rv != NULL && !ddb_blob_key_value (rv, range))
    {
      ddb_key_value_clear (hash);
      return FALSE;
    }
  if (ddb_key_value_size (hash) > 2048 || (rv != NULL && ddb_key_value_size (range) > 1024))
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
  if (table != NULL && engine->commit_func == NULL && key_values (table, item, &hash, &range))
    {
      gboolean indexes_ok = TRUE;

      ddb_key_value_clear (&hash);
      ddb_key_value_clear (&range);
      for (guint i = 0; indexes_ok && i < table->indexes->len; i++)
        indexes_ok = index_keys_acceptable (table->indexes->pdata[i], item);
      if (indexes_ok)
        {
          ddb_table_put (table, ddb_table_make_item_packed (table, item, size));
          result = DDB_DIRECT_DONE;
        }
    }
  ddb_engine_write_unlock (engine);
  return result;
}

DdbDirectResult
ddb_engine_get_packed (DdbEngine *engine, const char *table_name, const guint8 *key, gsize len,
                       guint8 **item_out, gsize *len_out)
{
  DdbDirectResult result = DDB_DIRECT_DECLINED;
  DdbKeyValue hash, range;
  DdbTable *table;
  gsize size;
  guint32 nkeys;

  *item_out = NULL;
  if (!ddb_blob_check (key, len, &size))
    return DDB_DIRECT_DECLINED;
  memcpy (&nkeys, key, 4);

  /* Shared, as GetItem (see engine_lock). */
  ddb_engine_read_lock (engine);
  table = g_hash_table_lookup (engine->tables, table_name);
  if (table != NULL && nkeys == (table->range.name ? 2u : 1u) && key_values (table, key, &hash, &range))
    {
      DdbItem *item = ddb_table_lookup (table, &hash, range.type ? &range : NULL);

      if (item == NULL)
        result = DDB_DIRECT_ABSENT;
      else
        {
          DdbPackedIter iter;

          /* The packed length: walk to the end of the last attribute. */
          const char *name;
          guint32 name_len;
          const guint8 *value;

          ddb_packed_iter_init (&iter, item->blob);
          while (ddb_packed_iter_next (&iter, &name, &name_len, &value))
            ;
          *len_out = iter.p - item->blob;
          *item_out = g_memdup2 (item->blob, *len_out);
          result = DDB_DIRECT_DONE;
        }
      ddb_key_value_clear (&hash);
      ddb_key_value_clear (&range);
    }
  ddb_engine_read_unlock (engine);
  return result;
}
