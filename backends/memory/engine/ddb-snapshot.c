/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-snapshot.c: table copies for snapshots (see ddb-snapshot.h). */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"
#include "ddb-snapshot.h"
#include "ddb-stream.h"

struct _DdbSnapshot {
  gatomicrefcount ref;
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
  for (guint i = 0; i < src->n_more_hash; i++)
    key_attr_copy (&index->more_hash[i], &src->more_hash[i]);
  for (guint i = 0; i < src->n_more_range; i++)
    key_attr_copy (&index->more_range[i], &src->more_range[i]);
  index->n_more_hash = src->n_more_hash;
  index->n_more_range = src->n_more_range;
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

  g_atomic_ref_count_init (&snapshot->ref);
  g_mutex_init (&snapshot->lock);
  snapshot->tables = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_table_free);
  ddb_engine_write_lock (engine);
  g_hash_table_iter_init (&iter, engine->tables);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DdbTable *table = table_copy (value);

      snapshot->n_items += table->store.count;
      g_ptr_array_add (snapshot->tables, table);
    }
  ddb_engine_write_unlock (engine);
  return snapshot;
}

/* ---- Restoring: copy once, then undo ----
 *
 * A table restored by copy remembers its origin (the snapshot and the
 * snapshot's table) and, from then on, the keys of every item written or
 * deleted (through the table's change hook, which every write path calls).
 * Restoring the same snapshot again puts back only those items, so a test
 * that changed ten items costs ten lookups and puts to reset, whatever the
 * fixture's size. A table whose settings changed (indexes, TTL, stream,
 * capacity), or that was deleted and created again, is copied again. */

typedef struct {
  DdbKeyValue hash;
  DdbKeyValue range;
} DirtyKey;

typedef struct {
  DdbSnapshot *snapshot;        /* a reference */
  DdbTable *source;             /* the snapshot's table */
  char *settings;               /* settings_signature() when restored */
  GHashTable *dirty;            /* ddb_item_fingerprint() -> DirtyKey* */
  DdbTableChangeFunc chained;   /* the engine's hook (streams, listeners) */
  gpointer chained_data;
  gboolean quiet;               /* undoing: nothing to record or report */
} Origin;

static void
dirty_key_free (gpointer data)
{
  DirtyKey *key = data;

  ddb_key_value_clear (&key->hash);
  ddb_key_value_clear (&key->range);
  g_free (key);
}

static void
origin_free (gpointer data)
{
  Origin *origin = data;

  ddb_snapshot_unref (origin->snapshot);
  g_free (origin->settings);
  g_hash_table_unref (origin->dirty);
  g_free (origin);
}

/* What a restore by undo cannot put back: the table's settings. */
static char *
settings_signature (DdbTable *table)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%d/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "/%d/%s/%s",
                          table->pay_per_request, table->read_capacity, table->write_capacity,
                          table->stream_enabled, table->stream_view_type ? table->stream_view_type : "",
                          table->ttl_attribute ? table->ttl_attribute : "");
  for (guint i = 0; i < table->indexes->len; i++)
    {
      DdbIndex *index = table->indexes->pdata[i];
      g_string_append_printf (s, "/%s:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                              index->name, index->read_capacity, index->write_capacity);
    }
  return g_string_free (s, FALSE);
}

static void
track_change (DdbTable *table, DdbItem *old, DdbItem *new_item, gpointer user_data)
{
  Origin *origin = user_data;
  DdbItem *item = old != NULL ? old : new_item;
  char *fingerprint;

  if (origin->quiet)
    return;
  fingerprint = ddb_item_fingerprint (table, &item->hash, table->range.name ? &item->range : NULL);
  if (!g_hash_table_contains (origin->dirty, fingerprint))
    {
      DirtyKey *key = g_new0 (DirtyKey, 1);

      ddb_key_value_copy (&key->hash, &item->hash);
      if (table->range.name != NULL)
        ddb_key_value_copy (&key->range, &item->range);
      g_hash_table_insert (origin->dirty, fingerprint, key);
    }
  else
    g_free (fingerprint);
  if (origin->chained != NULL)
    origin->chained (table, old, new_item, origin->chained_data);
}

/* After ddb_engine_add_table(): records changes from now on. */
static void
attach_origin (DdbTable *table, DdbSnapshot *snapshot, DdbTable *source)
{
  Origin *origin = g_new0 (Origin, 1);

  origin->snapshot = ddb_snapshot_ref (snapshot);
  origin->source = source;
  origin->settings = settings_signature (table);
  origin->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, dirty_key_free);
  origin->chained = table->on_change;
  origin->chained_data = table->on_change_data;
  table->on_change = track_change;
  table->on_change_data = origin;
  table->origin = origin;
  table->origin_free = origin_free;
}

/* The table's origin when it was restored from source and can be put back
 * by undoing its changes; else NULL. */
static Origin *
undoable_origin (DdbTable *table, DdbTable *source)
{
  Origin *origin = table->origin_free == origin_free ? table->origin : NULL;
  g_autofree char *settings = NULL;

  if (origin == NULL || origin->source != source)
    return NULL;
  settings = settings_signature (table);
  return g_str_equal (settings, origin->settings) ? origin : NULL;
}

/* Puts back the snapshot's version of every item changed since. */
static void
undo_changes (DdbTable *table, Origin *origin)
{
  GHashTableIter iter;
  gpointer value;

  origin->quiet = TRUE;
  g_hash_table_iter_init (&iter, origin->dirty);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DirtyKey *key = value;
      const DdbKeyValue *range = table->range.name ? &key->range : NULL;
      DdbItem *current = ddb_table_lookup (table, &key->hash, range);
      DdbItem *saved = ddb_table_lookup (origin->source, &key->hash, range);

      if (current != NULL)
        ddb_table_delete (table, current);
      if (saved != NULL)
        ddb_table_put (table, ddb_table_make_item_packed (
          table, g_memdup2 (saved->blob, packed_item_length (saved->blob)), saved->size));
    }
  g_hash_table_remove_all (origin->dirty);
  origin->quiet = FALSE;
}

/* A restored table with a stream enabled gets a new stream, labelled with
 * the time of the restore (as CreateTable labels them), so readers of the
 * old stream see it closed and never a mix of two item histories. */
static char *
stream_label (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03d", base, (int) (ms % 1000));
}

/* floor: the newest label the table's name has had (the replaced table's). */
static void
restore_stream (DdbEngine *engine, DdbTable *table, const char *floor, gint64 now_ms)
{
  char *label;

  ddb_engine_close_stream (engine, table);
  if (!table->stream_enabled)
    return;
  /* Labels of one table only grow (they are ISO times, so the text order
   * is the time order): never the label, and so the ARN, of an older
   * stream of the table, even within one millisecond. */
  for (label = stream_label (now_ms);
       (table->stream_label != NULL && strcmp (label, table->stream_label) <= 0) ||
       (floor != NULL && strcmp (label, floor) <= 0);
       label = stream_label (++now_ms))
    g_free (label);
  g_free (table->stream_label);
  table->stream_label = label;
  ddb_engine_open_stream (engine, table, now_ms);
}

/* The engine's table for source put back by undo (taken out of the
 * engine), or a new copy of source; *floor gets the stream label of the
 * table it replaces. */
static DdbTable *
restored_table (DdbEngine *engine, DdbTable *source, gboolean *copied, char **floor)
{
  DdbTable *current = g_hash_table_lookup (engine->tables, source->name);
  Origin *origin = current != NULL ? undoable_origin (current, source) : NULL;

  *copied = origin == NULL;
  *floor = current != NULL ? g_strdup (current->stream_label) : NULL;
  if (origin == NULL)
    return table_copy (source);
  g_hash_table_steal (engine->tables, source->name);
  undo_changes (current, origin);
  return current;
}

void
ddb_engine_restore_snapshot (DdbEngine *engine, DdbSnapshot *snapshot)
{
  g_autoptr(GPtrArray) tables = g_ptr_array_new ();
  g_autoptr(GPtrArray) floors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) copied = g_array_new (FALSE, FALSE, sizeof (gboolean));
  GHashTableIter iter;
  gpointer value;
  gint64 now_ms;

  g_mutex_lock (&snapshot->lock);
  ddb_engine_write_lock (engine);
  now_ms = ddb_engine_now_ms (engine);
  for (guint i = 0; i < snapshot->tables->len; i++)
    {
      gboolean was_copied;
      char *floor;

      g_ptr_array_add (tables, restored_table (engine, snapshot->tables->pdata[i], &was_copied, &floor));
      g_ptr_array_add (floors, floor);
      g_array_append_val (copied, was_copied);
    }
  /* What is left are tables the snapshot does not have. */
  g_hash_table_iter_init (&iter, engine->tables);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ddb_engine_close_stream (engine, value);
  g_hash_table_remove_all (engine->tables);
  for (guint i = 0; i < tables->len; i++)
    {
      DdbTable *table = tables->pdata[i];

      restore_stream (engine, table, floors->pdata[i], now_ms);
      if (!g_array_index (copied, gboolean, i))
        {
          g_hash_table_insert (engine->tables, table->name, table);
          continue;
        }
      /* Registered like a new table; the restore itself is no item
       * change, so change listeners hear nothing of it. */
      ddb_engine_add_table (engine, table);
      attach_origin (table, snapshot, snapshot->tables->pdata[i]);
    }
  g_mutex_lock (&engine->token_lock);
  g_hash_table_remove_all (engine->tokens);
  g_mutex_unlock (&engine->token_lock);
  ddb_engine_write_unlock (engine);
  g_mutex_unlock (&snapshot->lock);
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

DdbSnapshot *
ddb_snapshot_ref (DdbSnapshot *snapshot)
{
  g_atomic_ref_count_inc (&snapshot->ref);
  return snapshot;
}

void
ddb_snapshot_unref (DdbSnapshot *snapshot)
{
  if (snapshot == NULL || !g_atomic_ref_count_dec (&snapshot->ref))
    return;
  g_ptr_array_unref (snapshot->tables);
  g_mutex_clear (&snapshot->lock);
  g_free (snapshot);
}
