/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-snapshot.c: table copies for snapshots (see ddb-snapshot.h). */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"
#include "ddb-snapshot.h"
#include "ddb-stream.h"

struct _DdbSnapshot {
  GMutex lock;          /* restores from several threads read the tables */
  GPtrArray *tables;    /* DdbTable*, never searched or settled */
  guint64 n_items;
};

/* Bytes of a packed item: every attribute carries its value's length
 * (common/ddb-packed.h), so only the top level is walked. */
static gsize
packed_item_length (const guint8 *blob)
{
  const guint8 *p = blob;
  guint32 count = ddb_packed_get_u32 (&p);

  while (count-- > 0)
    {
      ddb_packed_get_str (&p, NULL);
      p += ddb_packed_get_u32 (&p);
    }
  return (gsize) (p - blob);
}

static void
key_attr_copy (DdbKeyAttr *dst, const DdbKeyAttr *src)
{
  dst->name = g_strdup (src->name);
  dst->type = src->type;
}

/* An index with the settings of src and no entries: the table's puts fill it. */
static DdbIndex *
index_copy_empty (DdbIndex *src, DdbTable *table)
{
  DdbIndex *index = ddb_index_new ();

  index->name = g_strdup (src->name);
  index->global = src->global;
  key_attr_copy (&index->hash, &src->hash);
  key_attr_copy (&index->range, &src->range);
  index->projection = src->projection;
  if (src->non_key_attrs != NULL)
    {
      index->non_key_attrs = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < src->non_key_attrs->len; i++)
        g_ptr_array_add (index->non_key_attrs, g_strdup (src->non_key_attrs->pdata[i]));
    }
  if (src->include_set != NULL)
    {
      /* The set's keys and values are the strings of non_key_attrs. */
      index->include_set = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; index->non_key_attrs != NULL && i < index->non_key_attrs->len; i++)
        g_hash_table_add (index->include_set, index->non_key_attrs->pdata[i]);
    }
  index->read_capacity = src->read_capacity;
  index->write_capacity = src->write_capacity;
  index->table = table;
  return index;
}

static void
table_copy_settings (DdbTable *dst, DdbTable *src)
{
  key_attr_copy (&dst->hash, &src->hash);
  key_attr_copy (&dst->range, &src->range);
  if (src->attribute_definitions != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      g_autoptr(JsonNode) copy = NULL;

      json_node_set_array (node, src->attribute_definitions);
      copy = ddb_value_copy (node);
      dst->attribute_definitions = json_array_ref (json_node_get_array (copy));
    }
  dst->pay_per_request = src->pay_per_request;
  dst->read_capacity = src->read_capacity;
  dst->write_capacity = src->write_capacity;
  /* The stream itself is not copied: a restored table with a stream gets
   * a new one (restore_stream). */
  dst->stream_enabled = src->stream_enabled;
  dst->stream_view_type = g_strdup (src->stream_view_type);
  dst->stream_label = g_strdup (src->stream_label);
  dst->created_ms = src->created_ms;
  dst->ttl_attribute = g_strdup (src->ttl_attribute);
}

/* Walks the partitions through their hash table, never through the order
 * sequence: reading a snapshot table must not settle (modify) it. */
static void
table_copy_items (DdbTable *dst, DdbTable *src)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, src->store.partitions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DdbPartition *part = value;
      GSequenceIter *it;

      for (it = g_sequence_get_begin_iter (part->entries);
           !g_sequence_iter_is_end (it); it = g_sequence_iter_next (it))
        {
          DdbItem *item = ((DdbEntry *) g_sequence_get (it))->item;
          gsize len = packed_item_length (item->blob);

          ddb_table_put (dst, ddb_table_make_item_packed (dst, g_memdup2 (item->blob, len), item->size));
        }
    }
}

static DdbTable *
table_copy (DdbTable *src)
{
  DdbTable *table = ddb_table_new (src->name);

  table_copy_settings (table, src);
  for (guint i = 0; i < src->indexes->len; i++)
    g_ptr_array_add (table->indexes, index_copy_empty (src->indexes->pdata[i], table));
  table_copy_items (table, src);
  return table;
}

DdbSnapshot *
ddb_engine_take_snapshot (DdbEngine *engine)
{
  DdbSnapshot *snapshot = g_new0 (DdbSnapshot, 1);
  GHashTableIter iter;
  gpointer value;

  g_mutex_init (&snapshot->lock);
  snapshot->tables = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_table_free);
  g_rw_lock_writer_lock (&engine->lock);
  g_hash_table_iter_init (&iter, engine->tables);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DdbTable *table = table_copy (value);

      snapshot->n_items += table->store.count;
      g_ptr_array_add (snapshot->tables, table);
    }
  g_rw_lock_writer_unlock (&engine->lock);
  return snapshot;
}

/* A restored table with a stream enabled gets a new stream, labelled with
 * the time of the restore (as CreateTable labels them), so readers of the
 * old stream see it closed and never a mix of two item histories. */
static void
restore_stream (DdbEngine *engine, DdbTable *table, gint64 now_ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (now_ms / 1000);
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  if (!table->stream_enabled)
    return;
  g_free (table->stream_label);
  table->stream_label = g_strdup_printf ("%s.%03d", base, (int) (now_ms % 1000));
  ddb_engine_open_stream (engine, table, now_ms);
}

void
ddb_engine_restore_snapshot (DdbEngine *engine, DdbSnapshot *snapshot)
{
  g_autoptr(GPtrArray) copies = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  gint64 now_ms;

  /* Copies are made before the engine is locked: callers of the engine
   * wait only for the swap. */
  g_mutex_lock (&snapshot->lock);
  for (guint i = 0; i < snapshot->tables->len; i++)
    g_ptr_array_add (copies, table_copy (snapshot->tables->pdata[i]));
  g_mutex_unlock (&snapshot->lock);

  g_rw_lock_writer_lock (&engine->lock);
  now_ms = ddb_engine_now_ms (engine);
  g_hash_table_iter_init (&iter, engine->tables);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ddb_engine_close_stream (engine, value);
  g_hash_table_remove_all (engine->tables);
  /* Registered like new tables; the restore itself is no item change, so
   * change listeners hear nothing of it. */
  for (guint i = 0; i < copies->len; i++)
    {
      restore_stream (engine, copies->pdata[i], now_ms);
      ddb_engine_add_table (engine, copies->pdata[i]);
    }
  g_mutex_lock (&engine->token_lock);
  g_hash_table_remove_all (engine->tokens);
  g_mutex_unlock (&engine->token_lock);
  g_rw_lock_writer_unlock (&engine->lock);
}

guint
ddb_snapshot_get_n_tables (DdbSnapshot *snapshot)
{
  return snapshot->tables->len;
}

guint64
ddb_snapshot_get_n_items (DdbSnapshot *snapshot)
{
  return snapshot->n_items;
}

void
ddb_snapshot_free (DdbSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_ptr_array_unref (snapshot->tables);
  g_mutex_clear (&snapshot->lock);
  g_free (snapshot);
}
