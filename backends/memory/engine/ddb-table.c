/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-table.c: tables, ordered item storage and secondary indexes. */
#include "config.h"

#include <string.h>
#include "ddb-table.h"

/* ---- Key values ---- */

gboolean
ddb_key_value_init (DdbKeyValue *kv, JsonNode *value)
{
  JsonObject *obj;
  JsonNode *inner;

  memset (kv, 0, sizeof *kv);
  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    return FALSE;
  obj = json_node_get_object (value);
  if (json_object_get_size (obj) != 1)
    return FALSE;

  if ((inner = json_object_get_member (obj, "S")) != NULL)
    {
      const char *s;
      if (!JSON_NODE_HOLDS_VALUE (inner) || json_node_get_value_type (inner) != G_TYPE_STRING)
        return FALSE;
      s = json_node_get_string (inner);
      kv->type = DDB_TYPE_S;
      kv->len = strlen (s);
      kv->data = g_memdup2 (s, kv->len + 1);
      return TRUE;
    }
  if ((inner = json_object_get_member (obj, "N")) != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (inner) || json_node_get_value_type (inner) != G_TYPE_STRING)
        return FALSE;
      if (!ddb_number_parse (json_node_get_string (inner), &kv->num, NULL))
        return FALSE;
      kv->type = DDB_TYPE_N;
      return TRUE;
    }
  if ((inner = json_object_get_member (obj, "B")) != NULL)
    {
      gsize len = 0;
      if (!JSON_NODE_HOLDS_VALUE (inner) || json_node_get_value_type (inner) != G_TYPE_STRING)
        return FALSE;
      kv->data = (char *) g_base64_decode (json_node_get_string (inner), &len);
      kv->len = len;
      kv->type = DDB_TYPE_B;
      return TRUE;
    }
  return FALSE;
}

void
ddb_key_value_init_tuple (DdbKeyValue *kv, DdbKeyValue *parts, guint n)
{
  DdbKeyValue *copy = g_new0 (DdbKeyValue, MAX (n, 1));

  memset (kv, 0, sizeof *kv);
  memcpy (copy, parts, n * sizeof *parts);
  memset (parts, 0, n * sizeof *parts);
  kv->type = DDB_KEY_TUPLE;
  kv->len = n;
  kv->data = (char *) copy;
}

void
ddb_key_value_copy (DdbKeyValue *dst, const DdbKeyValue *src)
{
  *dst = *src;
  if (src->type == DDB_KEY_TUPLE)
    {
      const DdbKeyValue *parts = (const DdbKeyValue *) src->data;
      DdbKeyValue *copy = g_new0 (DdbKeyValue, MAX (src->len, 1));
      for (guint i = 0; i < src->len; i++)
        ddb_key_value_copy (&copy[i], &parts[i]);
      dst->data = (char *) copy;
    }
  else if (src->data != NULL)
    dst->data = g_memdup2 (src->data, src->len + (src->type == DDB_TYPE_S ? 1 : 0));
}

void
ddb_key_value_clear (DdbKeyValue *kv)
{
  if (kv->type == DDB_KEY_TUPLE && kv->data != NULL)
    {
      DdbKeyValue *parts = (DdbKeyValue *) kv->data;
      for (guint i = 0; i < kv->len; i++)
        ddb_key_value_clear (&parts[i]);
    }
  g_clear_pointer (&kv->data, g_free);
  kv->type = DDB_TYPE_INVALID;
}

/* Left to right; a tuple that is a prefix of the other compares equal. */
static int
tuple_compare (const DdbKeyValue *a, const DdbKeyValue *b)
{
  const DdbKeyValue *pa = (const DdbKeyValue *) a->data, *pb = (const DdbKeyValue *) b->data;

  for (guint i = 0; i < MIN (a->len, b->len); i++)
    {
      int c = ddb_key_value_compare (&pa[i], &pb[i]);
      if (c != 0)
        return c;
    }
  return 0;
}

int
ddb_key_value_compare (const DdbKeyValue *a, const DdbKeyValue *b)
{
  if (a->type != b->type)
    return a->type < b->type ? -1 : 1;
  if (a->type == DDB_KEY_TUPLE)
    return tuple_compare (a, b);
  if (a->type == DDB_TYPE_N)
    return ddb_number_compare (&a->num, &b->num);
  if (a->type == DDB_TYPE_INVALID)
    return 0;
  {
    /* S and B order by unsigned bytes, as DynamoDB does (UTF-8 for S). */
    int c = memcmp (a->data, b->data, MIN (a->len, b->len));
    if (c != 0)
      return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
  }
}

gboolean
ddb_key_value_equal (const DdbKeyValue *a, const DdbKeyValue *b)
{
  return ddb_key_value_compare (a, b) == 0;
}

static guint32
fnv1a (guint32 h, const void *data, gsize len)
{
  const guchar *p = data;
  for (gsize i = 0; i < len; i++)
    {
      h ^= p[i];
      h *= 16777619u;
    }
  return h;
}

guint32
ddb_key_value_hash (const DdbKeyValue *kv)
{
  guint32 h = 2166136261u;
  guchar t = kv->type;

  h = fnv1a (h, &t, 1);
  if (kv->type == DDB_KEY_TUPLE)
    for (guint i = 0; i < kv->len; i++)
      {
        guint32 part = ddb_key_value_hash (&((const DdbKeyValue *) kv->data)[i]);
        h = fnv1a (h, &part, sizeof part);
      }
  else if (kv->type == DDB_TYPE_N)
    {
      guchar neg = kv->num.negative;
      h = fnv1a (h, &neg, 1);
      h = fnv1a (h, &kv->num.exponent, sizeof kv->num.exponent);
      h = fnv1a (h, kv->num.digits, kv->num.ndigits);
    }
  else
    h = fnv1a (h, kv->data, kv->len);
  /* Final avalanche so that segments of a parallel scan get even shares. */
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

gsize
ddb_key_value_size (const DdbKeyValue *kv)
{
  if (kv->type == DDB_KEY_TUPLE)
    {
      gsize size = 0;
      for (guint i = 0; i < kv->len; i++)
        size += ddb_key_value_size (&((const DdbKeyValue *) kv->data)[i]);
      return size;
    }
  if (kv->type == DDB_TYPE_N)
    return (kv->num.ndigits + 1) / 2 + 1;
  return kv->len;
}

static guint
key_value_ghash (gconstpointer p)
{
  return ddb_key_value_hash (p);
}

static gboolean
key_value_gequal (gconstpointer a, gconstpointer b)
{
  return ddb_key_value_compare (a, b) == 0;
}

/* ---- Deep copies ---- */

JsonNode *
ddb_value_copy (JsonNode *value)
{
  switch (JSON_NODE_TYPE (value))
    {
    case JSON_NODE_OBJECT:
      {
        JsonNode *n = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (n, ddb_item_copy_attrs (json_node_get_object (value)));
        return n;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *src = json_node_get_array (value);
        guint len = json_array_get_length (src);
        JsonArray *dst = json_array_sized_new (len);
        JsonNode *n = json_node_new (JSON_NODE_ARRAY);
        for (guint i = 0; i < len; i++)
          json_array_add_element (dst, ddb_value_copy (json_array_get_element (src, i)));
        json_node_take_array (n, dst);
        return n;
      }
    case JSON_NODE_NULL:
    case JSON_NODE_VALUE:
    default:
      return ddb_value_copy_scalar (value);
    }
}

static JsonNode *
canonical_number_node (JsonNode *text)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  DdbNumber num;

  if (ddb_number_parse (json_node_get_string (text), &num, NULL))
    {
      char *s = ddb_number_to_string (&num);
      json_node_set_string (n, s);
      g_free (s);
    }
  else
    json_node_set_string (n, json_node_get_string (text));
  return n;
}

JsonNode *
ddb_value_copy_canonical (JsonNode *value)
{
  JsonObject *obj, *out;
  JsonNode *inner, *node;

  if (!JSON_NODE_HOLDS_OBJECT (value) || json_object_get_size (obj = json_node_get_object (value)) != 1)
    return ddb_value_copy (value);

  out = json_object_new ();
  if ((inner = json_object_get_member (obj, "N")) != NULL && JSON_NODE_HOLDS_VALUE (inner))
    json_object_set_member (out, "N", canonical_number_node (inner));
  else if ((inner = json_object_get_member (obj, "NS")) != NULL && JSON_NODE_HOLDS_ARRAY (inner))
    {
      JsonArray *src = json_node_get_array (inner);
      JsonArray *dst = json_array_sized_new (json_array_get_length (src));
      for (guint i = 0; i < json_array_get_length (src); i++)
        json_array_add_element (dst, canonical_number_node (json_array_get_element (src, i)));
      json_object_set_array_member (out, "NS", dst);
    }
  else
    {
      JsonObjectIter iter;
      const char *name;
      json_object_iter_init (&iter, obj);
      json_object_iter_next (&iter, &name, &inner);
      json_object_set_member (out, name, ddb_value_copy (inner));
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, out);
  return node;
}

JsonObject *
ddb_item_copy_canonical (JsonObject *attrs)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  /* Ordered: responses keep the attribute order of the stored item. */
  json_object_iter_init_ordered (&iter, attrs);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    json_object_set_member (copy, name, ddb_value_copy_canonical (value));
  return copy;
}

JsonObject *
ddb_item_copy_attrs (JsonObject *attrs)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, attrs);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    json_object_set_member (copy, name, ddb_value_copy (value));
  return copy;
}

/* ---- Entries and stores ---- */

static int
entry_cmp (gconstpointer pa, gconstpointer pb, gpointer user_data)
{
  const DdbEntry *a = pa, *b = pb;
  guint n = MIN (a->nkeys, b->nkeys);

  for (guint i = 0; i < n; i++)
    {
      int c = ddb_key_value_compare (a->keys[i], b->keys[i]);
      if (c != 0)
        return c;
    }
  if (a->bias != 0)
    return a->bias;
  if (b->bias != 0)
    return -b->bias;
  return 0;
}

typedef struct {
  DdbPartition p;
  int bias;
  gboolean by_hash_only;
} PartitionProbe;

static int
partition_cmp (gconstpointer pa, gconstpointer pb, gpointer user_data)
{
  const DdbPartition *a = pa, *b = pb;
  const PartitionProbe *probe = user_data;
  int sign = 1;

  /* user_data is the probe; normalize so that b is the probe. */
  if (probe != NULL && a == &probe->p)
    {
      const DdbPartition *t = a;
      a = b;
      b = t;
      sign = -1;
    }
  if (a->khash != b->khash)
    return sign * (a->khash < b->khash ? -1 : 1);
  if (probe == NULL || b != &probe->p || !probe->by_hash_only)
    {
      int c = ddb_key_value_compare (&a->key, &b->key);
      if (c != 0)
        return sign * c;
    }
  if (probe != NULL && b == &probe->p)
    return sign * -probe->bias;
  return 0;
}

static void
store_init (DdbStore *store, gboolean owns_items)
{
  store->partitions = g_hash_table_new (key_value_ghash, key_value_gequal);
  store->order = g_sequence_new (NULL);
  store->unordered = g_ptr_array_new ();
  store->owns_items = owns_items;
  store->count = 0;
  store->bytes = 0;
}

static void
partition_free (DdbPartition *part, gboolean owns_items)
{
  GSequenceIter *it = g_sequence_get_begin_iter (part->entries);

  while (!g_sequence_iter_is_end (it))
    {
      DdbEntry *e = g_sequence_get (it);
      if (owns_items)
        ddb_item_free (e->item);
      else
        g_free (e);
      it = g_sequence_iter_next (it);
    }
  g_sequence_free (part->entries);
  ddb_key_value_clear (&part->key);
  g_free (part);
}

static void
store_clear (DdbStore *store)
{
  GHashTableIter iter;
  gpointer value;

  if (store->partitions == NULL)
    return;
  g_hash_table_iter_init (&iter, store->partitions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    partition_free (value, store->owns_items);
  g_clear_pointer (&store->partitions, g_hash_table_unref);
  g_clear_pointer (&store->order, g_sequence_free);
  g_clear_pointer (&store->unordered, g_ptr_array_unref);
}

DdbPartition *
ddb_store_lookup_partition (DdbStore *store, const DdbKeyValue *key)
{
  return g_hash_table_lookup (store->partitions, key);
}

static DdbPartition *
store_ensure_partition (DdbStore *store, const DdbKeyValue *key)
{
  DdbPartition *part = g_hash_table_lookup (store->partitions, key);

  if (part != NULL)
    return part;
  part = g_new0 (DdbPartition, 1);
  ddb_key_value_copy (&part->key, key);
  part->khash = ddb_key_value_hash (key);
  part->entries = g_sequence_new (NULL);
  part->unordered_index = store->unordered->len;
  g_ptr_array_add (store->unordered, part);
  g_hash_table_insert (store->partitions, &part->key, part);
  return part;
}

static int
partition_ptr_cmp (gconstpointer a, gconstpointer b)
{
  return partition_cmp (*(DdbPartition *const *) a, *(DdbPartition *const *) b, NULL);
}

void
ddb_store_settle (DdbStore *store)
{
  if (store->unordered->len == 0)
    return;
  /* Sorted first, so consecutive inserts walk mostly the same tree path. */
  g_ptr_array_sort (store->unordered, partition_ptr_cmp);
  for (guint i = 0; i < store->unordered->len; i++)
    {
      DdbPartition *part = store->unordered->pdata[i];
      part->order_iter = g_sequence_insert_sorted (store->order, part, partition_cmp, NULL);
    }
  g_ptr_array_set_size (store->unordered, 0);
}

gboolean
ddb_store_settled (const DdbStore *store)
{
  return store->unordered->len == 0;
}

static void
store_drop_partition_if_empty (DdbStore *store, DdbPartition *part)
{
  if (!g_sequence_is_empty (part->entries))
    return;
  g_hash_table_remove (store->partitions, &part->key);
  if (part->order_iter != NULL)
    g_sequence_remove (part->order_iter);
  else
    {
      /* Swap-remove: the last one takes its place. */
      DdbPartition *last = g_ptr_array_index (store->unordered, store->unordered->len - 1);

      g_ptr_array_remove_index_fast (store->unordered, part->unordered_index);
      last->unordered_index = part->unordered_index;
    }
  g_sequence_free (part->entries);
  ddb_key_value_clear (&part->key);
  g_free (part);
}

/* Binary search by position: the first element comparing above probe
 * (strict) or not below it. g_sequence_search() and g_sequence_lookup() mark
 * the sequence "being searched" while they run (and build a scratch
 * sequence), so two readers under the engine's shared lock would trip GLib's
 * access guard; the positional calls only read the tree. */
static GSequenceIter *
seq_bound (GSequence *seq, gconstpointer probe, GCompareDataFunc cmp, gpointer data, gboolean strict)
{
  gint lo = 0, hi = g_sequence_get_length (seq);

  while (lo < hi)
    {
      gint mid = lo + (hi - lo) / 2;
      int c = cmp (g_sequence_get (g_sequence_get_iter_at_pos (seq, mid)), probe, data);

      if (c < 0 || (strict && c == 0))
        lo = mid + 1;
      else
        hi = mid;
    }
  return g_sequence_get_iter_at_pos (seq, lo);
}

/* The element equal to probe, or NULL: g_sequence_lookup() without its
 * hidden write. */
static GSequenceIter *
seq_find (GSequence *seq, gconstpointer probe, GCompareDataFunc cmp, gpointer data)
{
  GSequenceIter *it = seq_bound (seq, probe, cmp, data, FALSE);

  if (g_sequence_iter_is_end (it) || cmp (g_sequence_get (it), probe, data) != 0)
    return NULL;
  return it;
}

/* Inserts entry in order. g_sequence_insert_sorted() builds and frees a
 * scratch sequence for each insert; a partition's first entry (every item
 * of a hash-only table) has nothing to be ordered against. */
static void
partition_insert (DdbPartition *part, DdbEntry *entry)
{
  if (g_sequence_is_empty (part->entries))
    g_sequence_append (part->entries, entry);
  else
    g_sequence_insert_sorted (part->entries, entry, entry_cmp, NULL);
}

GSequenceIter *
ddb_partition_seek (DdbPartition *partition, const DdbEntry *probe)
{
  return seq_bound (partition->entries, probe, entry_cmp, NULL, TRUE);
}

GSequenceIter *
ddb_store_seek_partition (DdbStore *store, guint32 khash, const DdbKeyValue *key, int bias)
{
  PartitionProbe probe = { 0 };

  ddb_store_settle (store);   /* a no-op for readers: see ddb_store_settled() */
  probe.p.khash = khash;
  if (key != NULL)
    probe.p.key = *key;
  probe.by_hash_only = key == NULL;
  probe.bias = bias;
  return seq_bound (store->order, &probe.p, partition_cmp, &probe, TRUE);
}

/* ---- Items ---- */

void
ddb_item_free (DdbItem *item)
{
  if (item == NULL)
    return;
  ddb_key_value_clear (&item->hash);
  ddb_key_value_clear (&item->range);
  g_free (item->blob);
  if (item->view != NULL)
    json_object_unref (item->view);
  g_free (item);
}

JsonObject *
ddb_item_attrs (DdbItem *item)
{
  JsonObject *view = g_atomic_pointer_get (&item->view);

  if (view != NULL)
    return view;
  /* Readers share the read lock: the first to publish wins. */
  view = ddb_blob_decode (item->blob);
  if (!g_atomic_pointer_compare_and_exchange (&item->view, NULL, view))
    {
      json_object_unref (view);
      view = g_atomic_pointer_get (&item->view);
    }
  return view;
}

JsonObject *
ddb_item_copy_out (DdbItem *item)
{
  return ddb_blob_decode (item->blob);
}

JsonNode *
ddb_item_get_value (DdbItem *item, const char *name)
{
  const guint8 *v = ddb_blob_find (item->blob, name);

  return v ? ddb_blob_value_decode (v) : NULL;
}

/* The item of blob; its key values are read from blob unless hash (and
 * range) hold them already, moved out. */
static DdbItem *
item_new_keyed (DdbTable *table, guint8 *blob, gsize size, DdbKeyValue *hash, DdbKeyValue *range)
{
  DdbItem *item = g_new0 (DdbItem, 1);

  item->blob = blob;
  item->size = size;
  if (hash != NULL)
    {
      item->hash = *hash;
      item->range = *range;
      memset (hash, 0, sizeof *hash);
      memset (range, 0, sizeof *range);
    }
  else
    {
      ddb_blob_key_value (ddb_blob_find (blob, table->hash.name), &item->hash);
      if (table->range.name != NULL)
        ddb_blob_key_value (ddb_blob_find (blob, table->range.name), &item->range);
    }
  item->entry.hash = &item->hash;
  if (table->range.name != NULL)
    item->entry.keys[item->entry.nkeys++] = &item->range;
  item->entry.item = item;
  return item;
}

static DdbItem *
item_new (DdbTable *table, guint8 *blob, gsize size)
{
  return item_new_keyed (table, blob, size, NULL, NULL);
}

DdbItem *
ddb_table_make_item (DdbTable *table, JsonObject *attrs, gsize size)
{
  DdbItem *item = item_new (table, ddb_blob_encode (attrs, NULL), size);

  /* The blob is the storage; the object is dropped to keep items compact. */
  json_object_unref (attrs);
  return item;
}

DdbItem *
ddb_table_make_item_from (DdbTable *table, JsonObject *attrs, gsize size)
{
  return item_new (table, ddb_blob_encode (attrs, NULL), size);
}

DdbItem *
ddb_table_make_item_packed (DdbTable *table, guint8 *blob, gsize size)
{
  return item_new (table, blob, size);
}

DdbItem *
ddb_table_make_item_packed_keyed (DdbTable *table, guint8 *blob, gsize size, DdbKeyValue *hash,
                                  DdbKeyValue *range)
{
  return item_new_keyed (table, blob, size, hash, range);
}

/* ---- Indexes ---- */

typedef struct {
  DdbEntry e;
  DdbKeyValue ihash;
  DdbKeyValue irange;
  gsize size;
} IndexEntry;

DdbIndex *
ddb_index_new (void)
{
  DdbIndex *index = g_new0 (DdbIndex, 1);
  store_init (&index->store, FALSE);
  return index;
}

void
ddb_index_free (DdbIndex *index)
{
  if (index == NULL)
    return;
  /* Entries are IndexEntry; free their key copies before the entries. */
  if (index->store.partitions != NULL)
    {
      GHashTableIter iter;
      gpointer value;
      g_hash_table_iter_init (&iter, index->store.partitions);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          DdbPartition *part = value;
          GSequenceIter *it = g_sequence_get_begin_iter (part->entries);
          for (; !g_sequence_iter_is_end (it); it = g_sequence_iter_next (it))
            {
              IndexEntry *ie = g_sequence_get (it);
              ddb_key_value_clear (&ie->ihash);
              ddb_key_value_clear (&ie->irange);
            }
        }
    }
  store_clear (&index->store);
  g_free (index->name);
  g_free (index->hash.name);
  g_free (index->range.name);
  for (guint i = 0; i < index->n_more_hash; i++)
    g_free (index->more_hash[i].name);
  for (guint i = 0; i < index->n_more_range; i++)
    g_free (index->more_range[i].name);
  g_clear_pointer (&index->non_key_attrs, g_ptr_array_unref);
  g_clear_pointer (&index->include_set, g_hash_table_unref);
  g_free (index);
}

guint
ddb_index_hash_attrs (const DdbIndex *index, const DdbKeyAttr **out)
{
  out[0] = &index->hash;
  for (guint i = 0; i < index->n_more_hash; i++)
    out[i + 1] = &index->more_hash[i];
  return 1 + index->n_more_hash;
}

guint
ddb_index_range_attrs (const DdbIndex *index, const DdbKeyAttr **out)
{
  if (index->range.name == NULL)
    return 0;
  out[0] = &index->range;
  for (guint i = 0; i < index->n_more_range; i++)
    out[i + 1] = &index->more_range[i];
  return 1 + index->n_more_range;
}

guint
ddb_index_key_attrs (const DdbIndex *index, const DdbKeyAttr **out)
{
  guint n = ddb_index_hash_attrs (index, out);

  return n + ddb_index_range_attrs (index, out + n);
}

gboolean
ddb_index_is_key_attr (const DdbIndex *index, const char *name)
{
  const DdbKeyAttr *attrs[2 * DDB_MAX_KEY_PARTS];
  guint n = ddb_index_key_attrs (index, attrs);

  for (guint i = 0; i < n; i++)
    if (g_str_equal (attrs[i]->name, name))
      return TRUE;
  return FALSE;
}

/* The key value of one role (n attributes: a tuple when n > 1); FALSE when
 * the item lacks one of them or holds another type. */
static gboolean
index_role_value (DdbItem *item, const DdbKeyAttr **attrs, guint n, DdbKeyValue *out)
{
  DdbKeyValue parts[DDB_MAX_KEY_PARTS] = { { 0 } };

  memset (out, 0, sizeof *out);
  for (guint i = 0; i < n; i++)
    if (!ddb_blob_key_value (ddb_blob_find (item->blob, attrs[i]->name), &parts[i]) ||
        parts[i].type != attrs[i]->type)
      {
        for (guint j = 0; j <= i; j++)
          ddb_key_value_clear (&parts[j]);
        return FALSE;
      }
  if (n == 1)
    *out = parts[0];
  else
    ddb_key_value_init_tuple (out, parts, n);
  return TRUE;
}

gboolean
ddb_index_item_keys (DdbIndex *index, DdbItem *item, DdbKeyValue *hash, DdbKeyValue *range)
{
  const DdbKeyAttr *attrs[DDB_MAX_KEY_PARTS];
  guint n;

  memset (range, 0, sizeof *range);
  n = ddb_index_hash_attrs (index, attrs);
  if (!index_role_value (item, attrs, n, hash))
    return FALSE;
  n = ddb_index_range_attrs (index, attrs);
  if (n > 0 && !index_role_value (item, attrs, n, range))
    {
      ddb_key_value_clear (hash);
      return FALSE;
    }
  return TRUE;
}

gboolean
ddb_index_projects_attr (DdbIndex *index, const char *name)
{
  DdbTable *table = index->table;

  if (index->projection == DDB_PROJECTION_ALL)
    return TRUE;
  if (g_str_equal (name, table->hash.name) ||
      (table->range.name && g_str_equal (name, table->range.name)) ||
      ddb_index_is_key_attr (index, name))
    return TRUE;
  return index->include_set != NULL && g_hash_table_contains (index->include_set, name);
}

JsonObject *
ddb_index_project (DdbIndex *index, JsonObject *attrs)
{
  JsonObject *out;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (index->projection == DDB_PROJECTION_ALL)
    return ddb_item_copy_attrs (attrs);
  out = json_object_new ();
  json_object_iter_init_ordered (&iter, attrs);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    if (ddb_index_projects_attr (index, name))
      json_object_set_member (out, name, ddb_value_copy (value));
  return out;
}

static gsize
index_entry_size (DdbIndex *index, DdbItem *item)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  gsize size = 0;

  if (index->projection == DDB_PROJECTION_ALL)
    return item->size;
  json_object_iter_init (&iter, ddb_item_attrs (item));
  while (json_object_iter_next (&iter, &name, &value))
    if (ddb_index_projects_attr (index, name))
      size += strlen (name) + ddb_value_size (value);
  return size;
}

static void
index_insert (DdbIndex *index, DdbItem *item)
{
  IndexEntry *ie = g_new0 (IndexEntry, 1);
  DdbPartition *part;

  if (!ddb_index_item_keys (index, item, &ie->ihash, &ie->irange))
    {
      g_free (ie);
      return;
    }
  ie->e.hash = &ie->ihash;
  if (index->range.name != NULL)
    ie->e.keys[ie->e.nkeys++] = &ie->irange;
  ie->e.keys[ie->e.nkeys++] = &item->hash;
  if (item->range.type != DDB_TYPE_INVALID)
    ie->e.keys[ie->e.nkeys++] = &item->range;
  ie->e.item = item;
  ie->size = index_entry_size (index, item);

  part = store_ensure_partition (&index->store, &ie->ihash);
  partition_insert (part, &ie->e);
  index->store.count++;
  index->store.bytes += ie->size;
}

static void
index_remove (DdbIndex *index, DdbItem *item)
{
  DdbKeyValue hash, range;
  DdbPartition *part;
  DdbEntry probe = { 0 };
  GSequenceIter *it;

  if (!ddb_index_item_keys (index, item, &hash, &range))
    return;
  part = ddb_store_lookup_partition (&index->store, &hash);
  if (part != NULL)
    {
      if (index->range.name != NULL)
        probe.keys[probe.nkeys++] = &range;
      probe.keys[probe.nkeys++] = &item->hash;
      if (item->range.type != DDB_TYPE_INVALID)
        probe.keys[probe.nkeys++] = &item->range;
      it = seq_find (part->entries, &probe, entry_cmp, NULL);
      if (it != NULL)
        {
          IndexEntry *ie = g_sequence_get (it);
          g_sequence_remove (it);
          index->store.count--;
          index->store.bytes -= ie->size;
          ddb_key_value_clear (&ie->ihash);
          ddb_key_value_clear (&ie->irange);
          g_free (ie);
          store_drop_partition_if_empty (&index->store, part);
        }
    }
  ddb_key_value_clear (&hash);
  ddb_key_value_clear (&range);
}

/* ---- Tables ---- */

DdbTable *
ddb_table_new (const char *name)
{
  DdbTable *table = g_new0 (DdbTable, 1);

  table->name = g_strdup (name);
  table->indexes = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_index_free);
  store_init (&table->store, TRUE);
  return table;
}

void
ddb_table_free (DdbTable *table)
{
  if (table == NULL)
    return;
  if (table->origin_free != NULL)
    table->origin_free (table->origin);
  /* Indexes point at items: drop them first. */
  g_ptr_array_unref (table->indexes);
  store_clear (&table->store);
  g_free (table->name);
  g_free (table->hash.name);
  g_free (table->range.name);
  if (table->attribute_definitions)
    json_array_unref (table->attribute_definitions);
  g_free (table->stream_view_type);
  g_free (table->stream_label);
  g_free (table->ttl_attribute);
  g_clear_pointer (&table->tags, g_hash_table_unref);
  g_free (table);
}

DdbIndex *
ddb_table_find_index (DdbTable *table, const char *name)
{
  for (guint i = 0; i < table->indexes->len; i++)
    {
      DdbIndex *index = table->indexes->pdata[i];
      if (g_str_equal (index->name, name))
        return index;
    }
  return NULL;
}

void
ddb_table_add_index (DdbTable *table, DdbIndex *index)
{
  GSequenceIter *pit;

  index->table = table;
  g_ptr_array_add (table->indexes, index);
  /* Backfill. */
  ddb_store_settle (&table->store);
  for (pit = g_sequence_get_begin_iter (table->store.order);
       !g_sequence_iter_is_end (pit); pit = g_sequence_iter_next (pit))
    {
      DdbPartition *part = g_sequence_get (pit);
      GSequenceIter *it;
      for (it = g_sequence_get_begin_iter (part->entries);
           !g_sequence_iter_is_end (it); it = g_sequence_iter_next (it))
        index_insert (index, ((DdbEntry *) g_sequence_get (it))->item);
    }
}

void
ddb_table_remove_index (DdbTable *table, DdbIndex *index)
{
  g_ptr_array_remove (table->indexes, index);
}

static GSequenceIter *
table_lookup_iter (DdbTable *table, DdbPartition *part, const DdbKeyValue *range)
{
  DdbEntry probe = { 0 };

  if (table->range.name == NULL)
    {
      GSequenceIter *it = g_sequence_get_begin_iter (part->entries);
      return g_sequence_iter_is_end (it) ? NULL : it;
    }
  probe.keys[0] = range;
  probe.nkeys = 1;
  return seq_find (part->entries, &probe, entry_cmp, NULL);
}

DdbItem *
ddb_table_lookup (DdbTable *table, const DdbKeyValue *hash, const DdbKeyValue *range)
{
  DdbPartition *part = ddb_store_lookup_partition (&table->store, hash);
  GSequenceIter *it;

  if (part == NULL)
    return NULL;
  it = table_lookup_iter (table, part, range);
  return it ? ((DdbEntry *) g_sequence_get (it))->item : NULL;
}

void
ddb_table_put (DdbTable *table, DdbItem *item)
{
  DdbPartition *part = store_ensure_partition (&table->store, &item->hash);
  GSequenceIter *it = table_lookup_iter (table, part, &item->range);
  DdbItem *old = NULL;

  if (it != NULL)
    {
      old = ((DdbEntry *) g_sequence_get (it))->item;
      /* Same key, same position. */
      g_sequence_set (it, &item->entry);
      table->store.bytes -= old->size;
      for (guint i = 0; i < table->indexes->len; i++)
        index_remove (table->indexes->pdata[i], old);
    }
  else
    {
      partition_insert (part, &item->entry);
      table->store.count++;
    }
  table->store.bytes += item->size;
  for (guint i = 0; i < table->indexes->len; i++)
    index_insert (table->indexes->pdata[i], item);
  if (table->on_change != NULL)
    table->on_change (table, old, item, table->on_change_data);
  ddb_item_free (old);
}

void
ddb_table_delete (DdbTable *table, DdbItem *item)
{
  DdbPartition *part = ddb_store_lookup_partition (&table->store, &item->hash);
  GSequenceIter *it;

  g_return_if_fail (part != NULL);
  it = table_lookup_iter (table, part, &item->range);
  g_return_if_fail (it != NULL && ((DdbEntry *) g_sequence_get (it))->item == item);

  for (guint i = 0; i < table->indexes->len; i++)
    index_remove (table->indexes->pdata[i], item);
  g_sequence_remove (it);
  table->store.count--;
  table->store.bytes -= item->size;
  store_drop_partition_if_empty (&table->store, part);
  if (table->on_change != NULL)
    table->on_change (table, item, NULL, table->on_change_data);
  ddb_item_free (item);
}
