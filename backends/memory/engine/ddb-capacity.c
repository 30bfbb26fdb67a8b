/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-capacity.c: ReturnConsumedCapacity, by DynamoDB's rules ("Read/write
 * capacity mode" in the developer guide): a read unit is 4 KB, rounded up,
 * halved for eventually consistent reads; a write unit is 1 KB, rounded up;
 * transactional requests cost double; index maintenance is billed to the
 * index. */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"

static const char *const modes[] = { "INDEXES", "TOTAL", "NONE", NULL };

gboolean
ddb_capacity_mode (JsonObject *req, DdbCapacityMode *out, GError **error)
{
  const char *s = NULL;
  DdbValidator v;

  *out = DDB_CAPACITY_NONE;
  if (!ddb_req_string (req, "ReturnConsumedCapacity", &s, error))
    return FALSE;
  ddb_validator_init (&v);
  ddb_validate_enum (&v, s, "returnConsumedCapacity", modes);
  if (!ddb_validator_finish (&v, error))
    return FALSE;
  if (s != NULL && g_str_equal (s, "TOTAL"))
    *out = DDB_CAPACITY_TOTAL;
  else if (s != NULL && g_str_equal (s, "INDEXES"))
    *out = DDB_CAPACITY_INDEXES;
  return TRUE;
}

double
ddb_capacity_read_units (gsize bytes, gboolean consistent)
{
  double units = bytes == 0 ? 1 : (double) ((bytes + 4095) / 4096);
  return consistent ? units : units / 2;
}

double
ddb_capacity_write_units (gsize bytes)
{
  return bytes == 0 ? 1 : (double) ((bytes + 1023) / 1024);
}

DdbCapacity *
ddb_capacity_new (const char *table)
{
  DdbCapacity *cap = g_new0 (DdbCapacity, 1);
  cap->table = g_strdup (table);
  return cap;
}

void
ddb_capacity_free (DdbCapacity *cap)
{
  if (cap == NULL)
    return;
  g_free (cap->table);
  g_clear_pointer (&cap->gsi, g_hash_table_unref);
  g_clear_pointer (&cap->lsi, g_hash_table_unref);
  g_free (cap);
}

void
ddb_capacity_add_index (DdbCapacity *cap, DdbIndex *index, double units)
{
  GHashTable **map = index->global ? &cap->gsi : &cap->lsi;
  double *slot;

  if (*map == NULL)
    *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  slot = g_hash_table_lookup (*map, index->name);
  if (slot == NULL)
    {
      slot = g_new0 (double, 1);
      g_hash_table_insert (*map, g_strdup (index->name), slot);
    }
  *slot += units;
}

static gsize
projected_size (DdbIndex *index, JsonObject *attrs)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  gsize size = 0;

  json_object_iter_init (&iter, attrs);
  while (json_object_iter_next (&iter, &name, &value))
    if (ddb_index_projects_attr (index, name))
      size += strlen (name) + ddb_value_size (value);
  return size;
}

/* TRUE when every attribute the index projects is the same in both. */
static gboolean
projection_unchanged (DdbIndex *index, JsonObject *old_attrs, JsonObject *new_attrs)
{
  JsonObject *sides[2] = { old_attrs, new_attrs };

  for (guint side = 0; side < 2; side++)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, sides[side]);
      while (json_object_iter_next (&iter, &name, &value))
        {
          JsonNode *other;

          if (!ddb_index_projects_attr (index, name))
            continue;
          other = json_object_get_member (sides[1 - side], name);
          if (other == NULL || !ddb_value_equal (value, other))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
in_index (DdbIndex *index, JsonObject *attrs, JsonNode **h, JsonNode **r)
{
  if (attrs == NULL)
    return FALSE;
  const DdbKeyAttr *keys[2 * DDB_MAX_KEY_PARTS];
  guint n = ddb_index_key_attrs (index, keys);

  *h = json_object_get_member (attrs, index->hash.name);
  *r = index->range.name ? json_object_get_member (attrs, index->range.name) : NULL;
  for (guint i = 0; i < n; i++)
    if (!json_object_has_member (attrs, keys[i]->name))
      return FALSE;
  return TRUE;
}

void
ddb_capacity_add_write (DdbCapacity *cap, DdbTable *table, JsonObject *old_attrs, gsize old_size,
                        JsonObject *new_attrs, gsize new_size, double factor)
{
  cap->table_units += factor * ddb_capacity_write_units (MAX (old_size, new_size));

  for (guint i = 0; i < table->indexes->len; i++)
    {
      DdbIndex *index = table->indexes->pdata[i];
      JsonNode *oh = NULL, *orr = NULL, *nh = NULL, *nr = NULL;
      gboolean was = in_index (index, old_attrs, &oh, &orr);
      gboolean is = in_index (index, new_attrs, &nh, &nr);
      double units = 0;

      if (was && is)
        {
          gboolean moved = !ddb_value_equal (oh, nh) || (orr && !ddb_value_equal (orr, nr));
          gsize os = projected_size (index, old_attrs), ns = projected_size (index, new_attrs);
          /* A changed index key is a delete plus a put in the index; an
           * unchanged projection is no index write at all (as DynamoDB,
           * and DynamoDB Local, charge it). */
          if (moved)
            units = ddb_capacity_write_units (os) + ddb_capacity_write_units (ns);
          else if (!projection_unchanged (index, old_attrs, new_attrs))
            units = ddb_capacity_write_units (MAX (os, ns));
        }
      else if (was)
        units = ddb_capacity_write_units (projected_size (index, old_attrs));
      else if (is)
        units = ddb_capacity_write_units (projected_size (index, new_attrs));
      if (units > 0)
        ddb_capacity_add_index (cap, index, factor * units);
    }
}

static void
add_index_map (JsonObject *out, const char *member, GHashTable *map, double *total)
{
  JsonObject *o;
  GHashTableIter it;
  gpointer k, v;

  if (map == NULL)
    return;
  o = json_object_new ();
  g_hash_table_iter_init (&it, map);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      JsonObject *u = json_object_new ();
      json_object_set_double_member (u, "CapacityUnits", *(double *) v);
      json_object_set_object_member (o, k, u);
      *total += *(double *) v;
    }
  json_object_set_object_member (out, member, o);
}

JsonObject *
ddb_capacity_to_json (DdbCapacity *cap, DdbCapacityMode mode)
{
  JsonObject *out = json_object_new ();
  double total = cap->table_units;

  json_object_set_string_member (out, "TableName", cap->table);
  if (mode == DDB_CAPACITY_INDEXES)
    {
      JsonObject *t = json_object_new ();
      json_object_set_double_member (t, "CapacityUnits", cap->table_units);
      json_object_set_object_member (out, "Table", t);
      add_index_map (out, "LocalSecondaryIndexes", cap->lsi, &total);
      add_index_map (out, "GlobalSecondaryIndexes", cap->gsi, &total);
    }
  else
    {
      GHashTableIter it;
      gpointer v;
      for (guint m = 0; m < 2; m++)
        {
          GHashTable *map = m ? cap->gsi : cap->lsi;
          if (map == NULL)
            continue;
          g_hash_table_iter_init (&it, map);
          while (g_hash_table_iter_next (&it, NULL, &v))
            total += *(double *) v;
        }
    }
  json_object_set_double_member (out, "CapacityUnits", total);
  return out;
}

void
ddb_capacity_attach (JsonObject *resp, DdbCapacity *cap, DdbCapacityMode mode)
{
  if (mode == DDB_CAPACITY_NONE || cap == NULL)
    return;
  json_object_set_object_member (resp, "ConsumedCapacity", ddb_capacity_to_json (cap, mode));
}
