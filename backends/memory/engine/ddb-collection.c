/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-collection.c: ReturnItemCollectionMetrics. A table with a local
 * secondary index has item collections (the items of one partition key,
 * with their LSI entries); a write asked for SIZE reports the collection's
 * key and a range estimate of its size in GB, as the service documents
 * ([0.0, 1.0] below a gigabyte). DynamoDB Local 3.3.1 ignores the member. */
#include "config.h"

#include <math.h>
#include "ddb-engine-private.h"

static const char *const metrics_modes[] = { "SIZE", "NONE", NULL };

gboolean
ddb_collection_metrics_mode (JsonObject *req, gboolean *size_out, GError **error)
{
  const char *s = NULL;
  DdbValidator v;

  *size_out = FALSE;
  if (!ddb_req_string (req, "ReturnItemCollectionMetrics", &s, error))
    return FALSE;
  ddb_validator_init (&v);
  ddb_validate_enum (&v, s, "returnItemCollectionMetrics", metrics_modes);
  if (!ddb_validator_finish (&v, error))
    return FALSE;
  *size_out = s != NULL && g_str_equal (s, "SIZE");
  return TRUE;
}

static gboolean
has_local_index (DdbTable *table)
{
  for (guint i = 0; table->indexes != NULL && i < table->indexes->len; i++)
    if (!((DdbIndex *) table->indexes->pdata[i])->global)
      return TRUE;
  return FALSE;
}

static JsonNode *
key_value_to_json (const DdbKeyValue *kv)
{
  switch (kv->type)
    {
    case DDB_TYPE_N:
      return ddb_value_new_number (&kv->num);
    case DDB_TYPE_B:
      {
        g_autofree char *b64 = g_base64_encode ((const guchar *) kv->data, kv->len);
        return ddb_value_new_string (DDB_TYPE_B, b64);
      }
    case DDB_TYPE_S:
    default:
      {
        g_autofree char *s = g_strndup (kv->data, kv->len);
        return ddb_value_new_string (DDB_TYPE_S, s);
      }
    }
}

/* Bytes of the collection: its items, counted once more for each LSI
 * (an upper estimate of the index entries). */
static gsize
collection_bytes (DdbTable *table, const DdbKeyValue *hash)
{
  DdbPartition *part = ddb_store_lookup_partition (&table->store, hash);
  guint copies = 1;
  gsize bytes = 0;

  if (part == NULL)
    return 0;
  for (guint i = 0; i < table->indexes->len; i++)
    copies += !((DdbIndex *) table->indexes->pdata[i])->global;
  for (GSequenceIter *it = g_sequence_get_begin_iter (part->entries); !g_sequence_iter_is_end (it);
       it = g_sequence_iter_next (it))
    bytes += ((DdbEntry *) g_sequence_get (it))->item->size;
  return bytes * copies;
}

JsonObject *
ddb_collection_metrics (DdbTable *table, const DdbKeyValue *hash)
{
  JsonObject *metrics, *key;
  JsonArray *range;
  double gb, lower;

  if (!has_local_index (table))
    return NULL;
  key = json_object_new ();
  json_object_set_member (key, table->hash.name, key_value_to_json (hash));
  gb = (double) collection_bytes (table, hash) / (1024.0 * 1024.0 * 1024.0);
  lower = floor (gb);
  range = json_array_new ();
  json_array_add_double_element (range, lower);
  json_array_add_double_element (range, lower + 1.0);
  metrics = json_object_new ();
  json_object_set_object_member (metrics, "ItemCollectionKey", key);
  json_object_set_array_member (metrics, "SizeEstimateRangeGB", range);
  return metrics;
}

void
ddb_collection_metrics_add (JsonObject *by_table, DdbTable *table, const DdbKeyValue *hash)
{
  JsonObject *metrics = ddb_collection_metrics (table, hash);
  JsonArray *list;

  if (metrics == NULL)
    return;
  if (!json_object_has_member (by_table, table->name))
    json_object_set_array_member (by_table, table->name, json_array_new ());
  list = json_object_get_array_member (by_table, table->name);
  json_array_add_object_element (list, metrics);
}
