/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-table.c: CreateTable, DeleteTable, DescribeTable, ListTables,
 * UpdateTable, UpdateTimeToLive and DescribeTimeToLive. */
#include "config.h"

#include <string.h>
#include "ddb-stream.h"

#define ARN_PREFIX "arn:aws:dynamodb:ddblocal:000000000000:table/"

static gboolean
invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list args;
  char *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg);
  g_free (msg);
  return FALSE;
}

static const char *const key_types[] = { "HASH", "RANGE", NULL };
static const char *const attr_types[] = { "B", "N", "S", NULL };
static const char *const billing_modes[] = { "PROVISIONED", "PAY_PER_REQUEST", NULL };
static const char *const projection_types[] = { "ALL", "INCLUDE", "KEYS_ONLY", NULL };
static const char *const stream_view_types[] = { "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY", NULL };

/* ---- Describing ---- */

static void
key_schema_add (JsonArray *ks, const char *name, const char *key_type)
{
  JsonObject *e = json_object_new ();

  json_object_set_string_member (e, "AttributeName", name);
  json_object_set_string_member (e, "KeyType", key_type);
  json_array_add_object_element (ks, e);
}

static JsonArray *
key_schema_json (DdbKeyAttr *hash, DdbKeyAttr *range)
{
  JsonArray *ks = json_array_new ();

  key_schema_add (ks, hash->name, "HASH");
  if (range->name)
    key_schema_add (ks, range->name, "RANGE");
  return ks;
}

/* Every HASH then every RANGE attribute (multi-attribute keys). */
static JsonArray *
index_key_schema_json (DdbIndex *index)
{
  JsonArray *ks = json_array_new ();
  const DdbKeyAttr *attrs[DDB_MAX_KEY_PARTS];
  guint n = ddb_index_hash_attrs (index, attrs);

  for (guint i = 0; i < n; i++)
    key_schema_add (ks, attrs[i]->name, "HASH");
  n = ddb_index_range_attrs (index, attrs);
  for (guint i = 0; i < n; i++)
    key_schema_add (ks, attrs[i]->name, "RANGE");
  return ks;
}

static JsonObject *
throughput_json (gint64 read, gint64 write)
{
  JsonObject *pt = json_object_new ();

  json_object_set_int_member (pt, "NumberOfDecreasesToday", 0);
  json_object_set_int_member (pt, "ReadCapacityUnits", read);
  json_object_set_int_member (pt, "WriteCapacityUnits", write);
  return pt;
}

static JsonObject *
index_json (DdbTable *table, DdbIndex *index)
{
  JsonObject *o = json_object_new ();
  JsonObject *proj = json_object_new ();

  json_object_set_string_member (o, "IndexName", index->name);
  json_object_set_array_member (o, "KeySchema", index_key_schema_json (index));
  json_object_set_string_member (proj, "ProjectionType",
                                 index->projection == DDB_PROJECTION_ALL ? "ALL" :
                                 index->projection == DDB_PROJECTION_KEYS_ONLY ? "KEYS_ONLY" : "INCLUDE");
  if (index->non_key_attrs != NULL)
    {
      JsonArray *nka = json_array_new ();
      for (guint i = 0; i < index->non_key_attrs->len; i++)
        json_array_add_string_element (nka, index->non_key_attrs->pdata[i]);
      json_object_set_array_member (proj, "NonKeyAttributes", nka);
    }
  json_object_set_object_member (o, "Projection", proj);
  if (index->global)
    {
      json_object_set_string_member (o, "IndexStatus", "ACTIVE");
      json_object_set_object_member (o, "ProvisionedThroughput",
                                     throughput_json (index->read_capacity, index->write_capacity));
    }
  json_object_set_int_member (o, "IndexSizeBytes", index->store.bytes);
  json_object_set_int_member (o, "ItemCount", index->store.count);
  json_object_set_string_member (o, "IndexArn", ARN_PREFIX);
  {
    g_autofree char *arn = g_strdup_printf (ARN_PREFIX "%s/index/%s", table->name, index->name);
    json_object_set_string_member (o, "IndexArn", arn);
  }
  return o;
}

static JsonObject *
describe (DdbTable *table, const char *status)
{
  JsonObject *d = json_object_new ();
  JsonArray *lsis = NULL, *gsis = NULL;
  g_autofree char *arn = g_strconcat (ARN_PREFIX, table->name, NULL);
  double created = table->created_ms / 1000.0;

  json_object_set_array_member (d, "AttributeDefinitions", json_array_ref (table->attribute_definitions));
  json_object_set_string_member (d, "TableName", table->name);
  json_object_set_array_member (d, "KeySchema", key_schema_json (&table->hash, &table->range));
  json_object_set_string_member (d, "TableStatus", status);
  json_object_set_double_member (d, "CreationDateTime", created);
  json_object_set_object_member (d, "ProvisionedThroughput",
                                 throughput_json (table->read_capacity, table->write_capacity));
  json_object_set_int_member (d, "TableSizeBytes", table->store.bytes);
  json_object_set_int_member (d, "ItemCount", table->store.count);
  json_object_set_string_member (d, "TableArn", arn);
  {
    JsonObject *bms = json_object_new ();
    json_object_set_string_member (bms, "BillingMode", table->pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED");
    if (table->pay_per_request)
      json_object_set_double_member (bms, "LastUpdateToPayPerRequestDateTime", created);
    json_object_set_object_member (d, "BillingModeSummary", bms);
  }
  for (guint i = 0; i < table->indexes->len; i++)
    {
      DdbIndex *index = table->indexes->pdata[i];
      JsonArray **list = index->global ? &gsis : &lsis;
      if (*list == NULL)
        *list = json_array_new ();
      json_array_add_object_element (*list, index_json (table, index));
    }
  if (lsis)
    json_object_set_array_member (d, "LocalSecondaryIndexes", lsis);
  if (gsis)
    json_object_set_array_member (d, "GlobalSecondaryIndexes", gsis);
  if (table->stream_enabled)
    {
      JsonObject *ss = json_object_new ();
      json_object_set_boolean_member (ss, "StreamEnabled", TRUE);
      json_object_set_string_member (ss, "StreamViewType", table->stream_view_type);
      json_object_set_object_member (d, "StreamSpecification", ss);
    }
  if (table->stream_label != NULL)
    {
      /* Still shown once the stream is disabled, as DynamoDB does. */
      g_autofree char *sarn = g_strdup_printf ("%s/stream/%s", arn, table->stream_label);
      json_object_set_string_member (d, "LatestStreamLabel", table->stream_label);
      json_object_set_string_member (d, "LatestStreamArn", sarn);
    }
  json_object_set_boolean_member (d, "DeletionProtectionEnabled", FALSE);
  return d;
}

/* ---- Request parsing shared by CreateTable and UpdateTable ---- */

/* The JSON types of CreateTable's and UpdateTable's nested members: a map or
 * a list where a string belongs is a SerializationException, never a read
 * of the wrong node type. */
#define SHAPE_END { NULL, 0, NULL }
static const DdbShape string_element[] = { { "e", DDB_SHAPE_STRING, NULL }, SHAPE_END };
static const DdbShape attribute_definition[] = {
  { "AttributeName", DDB_SHAPE_STRING, NULL }, { "AttributeType", DDB_SHAPE_STRING, NULL }, SHAPE_END };
static const DdbShape attribute_definition_element[] = { { "e", DDB_SHAPE_STRUCT, attribute_definition }, SHAPE_END };
static const DdbShape key_schema_element[] = {
  { "AttributeName", DDB_SHAPE_STRING, NULL }, { "KeyType", DDB_SHAPE_STRING, NULL }, SHAPE_END };
static const DdbShape key_schema_list[] = { { "e", DDB_SHAPE_STRUCT, key_schema_element }, SHAPE_END };
static const DdbShape throughput[] = {
  { "ReadCapacityUnits", DDB_SHAPE_INT, NULL }, { "WriteCapacityUnits", DDB_SHAPE_INT, NULL }, SHAPE_END };
static const DdbShape projection[] = {
  { "ProjectionType", DDB_SHAPE_STRING, NULL }, { "NonKeyAttributes", DDB_SHAPE_LIST, string_element }, SHAPE_END };
static const DdbShape index_spec[] = {
  { "IndexName", DDB_SHAPE_STRING, NULL }, { "KeySchema", DDB_SHAPE_LIST, key_schema_list },
  { "Projection", DDB_SHAPE_STRUCT, projection }, { "ProvisionedThroughput", DDB_SHAPE_STRUCT, throughput }, SHAPE_END };
static const DdbShape index_spec_element[] = { { "e", DDB_SHAPE_STRUCT, index_spec }, SHAPE_END };
static const DdbShape stream_spec[] = {
  { "StreamEnabled", DDB_SHAPE_BOOL, NULL }, { "StreamViewType", DDB_SHAPE_STRING, NULL }, SHAPE_END };
static const DdbShape sse_spec[] = {
  { "Enabled", DDB_SHAPE_BOOL, NULL }, { "SSEType", DDB_SHAPE_STRING, NULL },
  { "KMSMasterKeyId", DDB_SHAPE_STRING, NULL }, SHAPE_END };
static const DdbShape tag[] = { { "Key", DDB_SHAPE_STRING, NULL }, { "Value", DDB_SHAPE_STRING, NULL }, SHAPE_END };
static const DdbShape tag_element[] = { { "e", DDB_SHAPE_STRUCT, tag }, SHAPE_END };
static const DdbShape index_name_only[] = { { "IndexName", DDB_SHAPE_STRING, NULL }, SHAPE_END };
static const DdbShape index_throughput_update[] = {
  { "IndexName", DDB_SHAPE_STRING, NULL }, { "ProvisionedThroughput", DDB_SHAPE_STRUCT, throughput }, SHAPE_END };
static const DdbShape gsi_update[] = {
  { "Create", DDB_SHAPE_STRUCT, index_spec }, { "Update", DDB_SHAPE_STRUCT, index_throughput_update },
  { "Delete", DDB_SHAPE_STRUCT, index_name_only }, SHAPE_END };
static const DdbShape gsi_update_element[] = { { "e", DDB_SHAPE_STRUCT, gsi_update }, SHAPE_END };

static const DdbShape create_table_shape[] = {
  { "TableName", DDB_SHAPE_STRING, NULL }, { "BillingMode", DDB_SHAPE_STRING, NULL },
  { "TableClass", DDB_SHAPE_STRING, NULL }, { "DeletionProtectionEnabled", DDB_SHAPE_BOOL, NULL },
  { "AttributeDefinitions", DDB_SHAPE_LIST, attribute_definition_element },
  { "KeySchema", DDB_SHAPE_LIST, key_schema_list },
  { "ProvisionedThroughput", DDB_SHAPE_STRUCT, throughput },
  { "LocalSecondaryIndexes", DDB_SHAPE_LIST, index_spec_element },
  { "GlobalSecondaryIndexes", DDB_SHAPE_LIST, index_spec_element },
  { "StreamSpecification", DDB_SHAPE_STRUCT, stream_spec },
  { "SSESpecification", DDB_SHAPE_STRUCT, sse_spec },
  { "Tags", DDB_SHAPE_LIST, tag_element },
  SHAPE_END
};

static const DdbShape update_table_shape[] = {
  { "TableName", DDB_SHAPE_STRING, NULL }, { "BillingMode", DDB_SHAPE_STRING, NULL },
  { "TableClass", DDB_SHAPE_STRING, NULL }, { "DeletionProtectionEnabled", DDB_SHAPE_BOOL, NULL },
  { "AttributeDefinitions", DDB_SHAPE_LIST, attribute_definition_element },
  { "ProvisionedThroughput", DDB_SHAPE_STRUCT, throughput },
  { "GlobalSecondaryIndexUpdates", DDB_SHAPE_LIST, gsi_update_element },
  { "StreamSpecification", DDB_SHAPE_STRUCT, stream_spec },
  { "SSESpecification", DDB_SHAPE_STRUCT, sse_spec },
  SHAPE_END
};
#undef SHAPE_END

/* Checks a KeySchema list's members; adds constraint errors to v. */
static void
validate_key_schema (DdbValidator *v, JsonArray *ks, const char *path, gboolean check_enum, guint max_len)
{
  if (ks == NULL)
    {
      ddb_validator_add (v, NULL, path, "Member must not be null");
      return;
    }
  for (guint i = 0; i < json_array_get_length (ks); i++)
    {
      JsonNode *n = json_array_get_element (ks, i);
      JsonObject *e = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *name = e ? json_object_get_string_member_with_default (e, "AttributeName", NULL) : NULL;
      const char *type = e ? json_object_get_string_member_with_default (e, "KeyType", NULL) : NULL;
      g_autofree char *pn = g_strdup_printf ("%s.%u.member.attributeName", path, i + 1);
      g_autofree char *pt = g_strdup_printf ("%s.%u.member.keyType", path, i + 1);

      if (name == NULL)
        ddb_validator_add (v, NULL, pn, "Member must not be null");
      else if (strlen (name) > 255)
        ddb_validator_add (v, name, pn, "Member must have length less than or equal to 255");
      else if (*name == '\0')
        ddb_validator_add (v, name, pn, "Member must have length greater than or equal to 1");
      if (type == NULL)
        ddb_validator_add (v, NULL, pt, "Member must not be null");
      else if (check_enum)
        ddb_validate_enum (v, type, pt, key_types);
    }
  if (json_array_get_length (ks) < 1)
    {
      g_autofree char *s = g_strdup ("[]");
      ddb_validator_add (v, s, path, "Member must have length greater than or equal to 1");
    }
  else if (json_array_get_length (ks) > max_len)
    {
      g_autofree char *msg = g_strdup_printf ("Member must have length less than or equal to %u", max_len);
      ddb_validator_add (v, "[...]", path, msg);
    }
}

static void
validate_index_specs (DdbValidator *v, JsonArray *list, const char *path, gboolean global)
{
  for (guint i = 0; list && i < json_array_get_length (list); i++)
    {
      JsonNode *n = json_array_get_element (list, i);
      JsonObject *spec = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      g_autofree char *pname = g_strdup_printf ("%s.%u.member.indexName", path, i + 1);
      g_autofree char *pks = g_strdup_printf ("%s.%u.member.keySchema", path, i + 1);
      g_autofree char *pproj = g_strdup_printf ("%s.%u.member.projection", path, i + 1);
      g_autofree char *pptype = g_strdup_printf ("%s.%u.member.projection.projectionType", path, i + 1);
      JsonNode *proj;

      if (spec == NULL)
        continue;
      ddb_validate_table_name (v, json_object_get_string_member_with_default (spec, "IndexName", NULL), pname);
      validate_key_schema (v, json_object_has_member (spec, "KeySchema") &&
                              JSON_NODE_HOLDS_ARRAY (json_object_get_member (spec, "KeySchema"))
                              ? json_object_get_array_member (spec, "KeySchema") : NULL, pks, FALSE,
                          global ? 2 * DDB_MAX_KEY_PARTS : 2);
      proj = json_object_get_member (spec, "Projection");
      if (proj == NULL || !JSON_NODE_HOLDS_OBJECT (proj))
        ddb_validator_add (v, NULL, pproj, "Member must not be null");
      else
        ddb_validate_enum (v, json_object_get_string_member_with_default (json_node_get_object (proj), "ProjectionType", NULL),
                           pptype, projection_types);
    }
}

static gboolean
key_names (JsonArray *ks, const char **hash, const char **range, const char **hash_type, const char **range_type)
{
  JsonObject *e0 = json_array_get_object_element (ks, 0);
  JsonObject *e1 = json_array_get_length (ks) > 1 ? json_array_get_object_element (ks, 1) : NULL;

  *hash = json_object_get_string_member (e0, "AttributeName");
  *hash_type = json_object_get_string_member (e0, "KeyType");
  *range = e1 ? json_object_get_string_member (e1, "AttributeName") : NULL;
  *range_type = e1 ? json_object_get_string_member (e1, "KeyType") : NULL;
  return TRUE;
}

static char *
join_names (JsonArray *arr, const char *member)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *o = json_array_get_object_element (arr, i);
      g_string_append_printf (s, "%s%s", i ? ", " : "", json_object_get_string_member_with_default (o, member, ""));
    }
  return g_string_free (s, FALSE);
}

/* More than one HASH or more than one RANGE element, or more than two. */
static gboolean
is_multi_attribute (JsonArray *ks)
{
  guint n = json_array_get_length (ks), nhash = 0;

  for (guint i = 0; i < n; i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (ks, i), "KeyType"), "HASH"))
      nhash++;
  return n > 2 || nhash > 1;
}

static void
key_attr_set (DdbKeyAttr *attr, const char *name, GHashTable *defs)
{
  attr->name = g_strdup (name);
  attr->type = GPOINTER_TO_INT (g_hash_table_lookup (defs, name));
}

/* A GSI with a multi-attribute key (up to four HASH then up to four RANGE
 * elements), checked as DynamoDB Local 3.3 checks it, with its messages. */
static DdbIndex *
multi_attribute_index (JsonArray *ks, GHashTable *defs, GError **error)
{
  guint n = json_array_get_length (ks), nhash = 0, nrange = 0;
  gboolean range_seen = FALSE, misordered = FALSE;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(DdbIndex) index = NULL;

  for (guint i = 0; i < n; i++)
    {
      gboolean is_hash = g_str_equal (json_object_get_string_member (json_array_get_object_element (ks, i), "KeyType"), "HASH");
      nhash += is_hash;
      nrange += !is_hash;
      misordered |= is_hash && range_seen;
      range_seen |= !is_hash;
    }
  if (nhash > DDB_MAX_KEY_PARTS)
    return invalid (error, "Too many partition keys. GSI can have at most 4 partition keys"), NULL;
  if (nrange > DDB_MAX_KEY_PARTS)
    return invalid (error, "Too many sort keys. GSI can have at most 4 sort keys"), NULL;
  if (nhash == 0)
    return invalid (error, "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key"), NULL;
  if (misordered)
    return invalid (error, "Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed second"), NULL;
  for (guint i = 0; i < n; i++)
    {
      const char *an = json_object_get_string_member (json_array_get_object_element (ks, i), "AttributeName");
      if (!g_hash_table_add (seen, (gpointer) an))
        return invalid (error, "Two keys can not have the same name"), NULL;
      if (!g_hash_table_contains (defs, an))
        return invalid (error, "Attribute %s is not defined in AttributeDefinitions", an), NULL;
    }

  index = ddb_index_new ();
  for (guint i = 0; i < n; i++)
    {
      const char *an = json_object_get_string_member (json_array_get_object_element (ks, i), "AttributeName");
      if (i == 0)
        key_attr_set (&index->hash, an, defs);
      else if (i < nhash)
        key_attr_set (&index->more_hash[index->n_more_hash++], an, defs);
      else if (i == nhash)
        key_attr_set (&index->range, an, defs);
      else
        key_attr_set (&index->more_range[index->n_more_range++], an, defs);
    }
  return g_steal_pointer (&index);
}

static DdbIndex *parse_index_rest (DdbIndex *index, JsonObject *spec, const char *name, const char *ptype,
                                   JsonNode *nka, gboolean global, gboolean pay_per_request, GError **error);

/* Builds a DdbIndex from an index spec (already constraint-checked). */
static DdbIndex *
parse_index (JsonObject *spec, gboolean global, GHashTable *defs, JsonArray *defs_array,
             DdbKeyAttr *table_hash, gboolean pay_per_request, GError **error)
{
  const char *name = json_object_get_string_member (spec, "IndexName");
  JsonArray *ks = json_object_get_array_member (spec, "KeySchema");
  JsonObject *proj = json_object_get_object_member (spec, "Projection");
  const char *ptype = json_object_get_string_member_with_default (proj, "ProjectionType", NULL);
  JsonNode *nka = json_object_get_member (proj, "NonKeyAttributes");
  const char *h, *r, *ht, *rt;
  g_autoptr(DdbIndex) index = NULL;

  if (global && is_multi_attribute (ks))
    {
      if ((index = multi_attribute_index (ks, defs, error)) == NULL)
        return NULL;
      return parse_index_rest (g_steal_pointer (&index), spec, name, ptype, nka, global, pay_per_request, error);
    }
  key_names (ks, &h, &r, &ht, &rt);
  if (!g_hash_table_contains (defs, h) || (r && !g_hash_table_contains (defs, r)))
    {
      g_autofree char *keys = join_names (ks, "AttributeName");
      g_autofree char *names = join_names (defs_array, "AttributeName");
      invalid (error, "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
               keys, names);
      return NULL;
    }
  if (r && g_str_equal (h, r))
    return invalid (error, "Both the Hash Key and the Range Key element in the KeySchema have the same name"), NULL;
  if (!g_str_equal (ht, "HASH"))
    return invalid (error, "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"), NULL;
  if (r && !g_str_equal (rt, "RANGE"))
    return invalid (error, "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"), NULL;
  if (!global)
    {
      if (r == NULL)
        return invalid (error, "One or more parameter values were invalid: Index KeySchema does not have a range key for index: %s", name), NULL;
      if (!g_str_equal (h, table_hash->name))
        return invalid (error, "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s",
                        name, h, table_hash->name), NULL;
    }

  index = ddb_index_new ();
  index->hash.name = g_strdup (h);
  index->hash.type = GPOINTER_TO_INT (g_hash_table_lookup (defs, h));
  if (r)
    {
      index->range.name = g_strdup (r);
      index->range.type = GPOINTER_TO_INT (g_hash_table_lookup (defs, r));
    }
  return parse_index_rest (g_steal_pointer (&index), spec, name, ptype, nka, global, pay_per_request, error);
}

/* The projection and throughput of an index spec, into index (whose key
 * attributes are set); takes index, NULL on error. */
static DdbIndex *
parse_index_rest (DdbIndex *index_in, JsonObject *spec, const char *name, const char *ptype, JsonNode *nka,
                  gboolean global, gboolean pay_per_request, GError **error)
{
  g_autoptr(DdbIndex) index = index_in;

  if (ptype == NULL)
    return invalid (error, "One or more parameter values were invalid: Unknown ProjectionType: null"), NULL;
  if (nka != NULL && !JSON_NODE_HOLDS_NULL (nka) && !g_str_equal (ptype, "INCLUDE"))
    return invalid (error, "One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified", ptype), NULL;
  if (g_str_equal (ptype, "INCLUDE") && (nka == NULL || !JSON_NODE_HOLDS_ARRAY (nka)))
    return invalid (error, "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified"), NULL;
  index->name = g_strdup (name);
  index->global = global;
  index->projection = g_str_equal (ptype, "ALL") ? DDB_PROJECTION_ALL :
                      g_str_equal (ptype, "KEYS_ONLY") ? DDB_PROJECTION_KEYS_ONLY : DDB_PROJECTION_INCLUDE;
  if (index->projection == DDB_PROJECTION_INCLUDE)
    {
      JsonArray *arr = json_node_get_array (nka);
      index->non_key_attrs = g_ptr_array_new_with_free_func (g_free);
      index->include_set = g_hash_table_new (g_str_hash, g_str_equal);
      if (json_array_get_length (arr) > 100)
        return invalid (error, "One or more parameter values were invalid: Number of projected attributes in all indexes exceeds limit of 100"), NULL;
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonNode *el = json_array_get_element (arr, i);
          if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_STRING)
            continue;
          if (g_hash_table_contains (index->include_set, json_node_get_string (el)))
            return invalid (error, "One or more parameter values were invalid: Duplicate attribute name %s in NonKeyAttributes",
                            json_node_get_string (el)), NULL;
          g_ptr_array_add (index->non_key_attrs, g_strdup (json_node_get_string (el)));
          g_hash_table_add (index->include_set, index->non_key_attrs->pdata[index->non_key_attrs->len - 1]);
        }
    }
  if (global)
    {
      JsonObject *pt = json_object_has_member (spec, "ProvisionedThroughput") &&
                       JSON_NODE_HOLDS_OBJECT (json_object_get_member (spec, "ProvisionedThroughput"))
                       ? json_object_get_object_member (spec, "ProvisionedThroughput") : NULL;
      if (pay_per_request && pt != NULL)
        return invalid (error, "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", name), NULL;
      if (!pay_per_request && pt == NULL)
        return invalid (error, "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s", name), NULL;
      if (pt)
        {
          index->read_capacity = json_object_get_int_member_with_default (pt, "ReadCapacityUnits", 0);
          index->write_capacity = json_object_get_int_member_with_default (pt, "WriteCapacityUnits", 0);
        }
    }
  return g_steal_pointer (&index);
}

static void
validate_throughput (DdbValidator *v, JsonObject *pt, const char *path)
{
  static const char *const members[] = { "WriteCapacityUnits", "ReadCapacityUnits" };

  if (pt == NULL)
    return;
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *n = json_object_get_member (pt, members[i]);
      g_autofree char *p = g_strdup_printf ("%s.%c%s", path, g_ascii_tolower (members[i][0]), members[i] + 1);
      if (n == NULL || JSON_NODE_HOLDS_NULL (n))
        ddb_validator_add (v, NULL, p, "Member must not be null");
      else if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64 && json_node_get_int (n) < 1)
        {
          g_autofree char *val = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
          ddb_validator_add (v, val, p, "Member must have value greater than or equal to 1");
        }
    }
}

static gboolean
check_stream_spec (JsonObject *ss, gboolean *enabled, const char **view, GError **error)
{
  gboolean en = FALSE;
  const char *vt = NULL;
  DdbValidator v;

  if (!ddb_req_bool (ss, "StreamEnabled", &en, error) || !ddb_req_string (ss, "StreamViewType", &vt, error))
    return FALSE;
  ddb_validator_init (&v);
  ddb_validate_enum (&v, vt, "streamSpecification.streamViewType", stream_view_types);
  if (!ddb_validator_finish (&v, error))
    return FALSE;
  if (en && vt == NULL)
    return invalid (error, "One or more parameter values were invalid: You must specify a StreamViewType when enabling a stream");
  if (!en && vt != NULL)
    return invalid (error, "One or more parameter values were invalid: You cannot modify stream view type without enabling the stream");
  *enabled = en;
  *view = vt;
  return TRUE;
}

/* ---- CreateTable ---- */

/* The members of a CreateTable request, after the JSON type checks. */
typedef struct {
  const char *name, *billing;
  JsonArray *defs_arr, *ks, *lsis, *gsis;
  JsonObject *pt, *ss;
} CreateTableRequest;

static gboolean
create_table_read_members (JsonObject *req, CreateTableRequest *r, GError **error)
{
  return ddb_req_string (req, "TableName", &r->name, error) &&
         ddb_req_array (req, "AttributeDefinitions", &r->defs_arr, error) &&
         ddb_req_array (req, "KeySchema", &r->ks, error) &&
         ddb_req_array (req, "LocalSecondaryIndexes", &r->lsis, error) &&
         ddb_req_array (req, "GlobalSecondaryIndexes", &r->gsis, error) &&
         ddb_req_string (req, "BillingMode", &r->billing, error) &&
         ddb_req_object (req, "ProvisionedThroughput", &r->pt, error) &&
         ddb_req_object (req, "StreamSpecification", &r->ss, error);
}

static void
validate_attribute_definitions (DdbValidator *v, JsonArray *defs_arr)
{
  if (defs_arr == NULL)
    ddb_validator_add (v, NULL, "attributeDefinitions", "Member must not be null");
  for (guint i = 0; defs_arr && i < json_array_get_length (defs_arr); i++)
    {
      JsonNode *n = json_array_get_element (defs_arr, i);
      JsonObject *d = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      g_autofree char *pn = g_strdup_printf ("attributeDefinitions.%u.member.attributeName", i + 1);
      g_autofree char *pt = g_strdup_printf ("attributeDefinitions.%u.member.attributeType", i + 1);
      const char *an = d ? json_object_get_string_member_with_default (d, "AttributeName", NULL) : NULL;
      const char *at = d ? json_object_get_string_member_with_default (d, "AttributeType", NULL) : NULL;
      if (an == NULL)
        ddb_validator_add (v, NULL, pn, "Member must not be null");
      if (at == NULL)
        ddb_validator_add (v, NULL, pt, "Member must not be null");
      else
        ddb_validate_enum (v, at, pt, attr_types);
    }
}

/* The "N validation errors detected" checks of every member. */
static gboolean
create_table_validate_members (CreateTableRequest *r, GError **error)
{
  DdbValidator v;

  ddb_validator_init (&v);
  validate_attribute_definitions (&v, r->defs_arr);
  ddb_validate_table_name (&v, r->name, "tableName");
  validate_key_schema (&v, r->ks, "keySchema", TRUE, 2);
  validate_index_specs (&v, r->lsis, "localSecondaryIndexes", FALSE);
  validate_index_specs (&v, r->gsis, "globalSecondaryIndexes", TRUE);
  ddb_validate_enum (&v, r->billing, "billingMode", billing_modes);
  validate_throughput (&v, r->pt, "provisionedThroughput");
  return ddb_validator_finish (&v, error);
}

/* BillingMode against ProvisionedThroughput, and the capacity bounds. */
static gboolean
create_table_check_billing (gboolean ppr, JsonObject *pt, GError **error)
{
  gint64 rc, wc;

  if (ppr && pt != NULL)
    return invalid (error, "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  if (!ppr && pt == NULL)
    return invalid (error, "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  if (pt == NULL)
    return TRUE;
  rc = json_object_get_int_member_with_default (pt, "ReadCapacityUnits", 0);
  wc = json_object_get_int_member_with_default (pt, "WriteCapacityUnits", 0);
  if (rc > 1000000000000)
    return invalid (error, "Given value %" G_GINT64_FORMAT " for ReadCapacityUnits is out of bounds", rc);
  if (wc > 1000000000000)
    return invalid (error, "Given value %" G_GINT64_FORMAT " for WriteCapacityUnits is out of bounds", wc);
  return TRUE;
}

/* AttributeName -> DdbType of the definitions; NULL on duplicates. */
static GHashTable *
attribute_types_of (JsonArray *defs_arr, GError **error)
{
  g_autoptr(GHashTable) defs = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (defs_arr); i++)
    {
      JsonObject *d = json_array_get_object_element (defs_arr, i);
      const char *an = json_object_get_string_member (d, "AttributeName");
      if (g_hash_table_contains (defs, an))
        return invalid (error, "Cannot have two attributes with the same name"), NULL;
      g_hash_table_insert (defs, (gpointer) an,
                           GINT_TO_POINTER (ddb_type_from_name (json_object_get_string_member (d, "AttributeType"))));
    }
  return g_steal_pointer (&defs);
}

/* A new table with the request's key schema, checked against defs. */
static DdbTable *
table_from_key_schema (CreateTableRequest *r, GHashTable *defs, GError **error)
{
  const char *h, *rn, *ht, *rt;
  DdbTable *table;

  key_names (r->ks, &h, &rn, &ht, &rt);
  if (json_array_get_length (r->ks) > json_array_get_length (r->defs_arr))
    return invalid (error, "Invalid KeySchema: Some index key attribute have no definition"), NULL;
  if (!g_hash_table_contains (defs, h) || (rn && !g_hash_table_contains (defs, rn)))
    {
      g_autofree char *keys = join_names (r->ks, "AttributeName");
      g_autofree char *names = join_names (r->defs_arr, "AttributeName");
      invalid (error, "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
               keys, names);
      return NULL;
    }
  if (rn && g_str_equal (h, rn))
    return invalid (error, "Both the Hash Key and the Range Key element in the KeySchema have the same name"), NULL;
  if (!g_str_equal (ht, "HASH"))
    return invalid (error, "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"), NULL;
  if (rn && !g_str_equal (rt, "RANGE"))
    return invalid (error, "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"), NULL;

  table = ddb_table_new (r->name);
  table->hash.name = g_strdup (h);
  table->hash.type = GPOINTER_TO_INT (g_hash_table_lookup (defs, h));
  if (rn)
    {
      table->range.name = g_strdup (rn);
      table->range.type = GPOINTER_TO_INT (g_hash_table_lookup (defs, rn));
    }
  return table;
}

static void
table_set_throughput (DdbTable *table, gboolean ppr, JsonObject *pt)
{
  table->pay_per_request = ppr;
  if (ppr)
    table->read_capacity = table->write_capacity = 0;
  if (pt)
    {
      table->read_capacity = json_object_get_int_member_with_default (pt, "ReadCapacityUnits", 0);
      table->write_capacity = json_object_get_int_member_with_default (pt, "WriteCapacityUnits", 0);
    }
}

/* Parses and adds the LocalSecondaryIndexes or GlobalSecondaryIndexes list. */
static gboolean
create_table_add_indexes (DdbTable *table, CreateTableRequest *r, gboolean global, GHashTable *defs,
                          GHashTable *index_names, GError **error)
{
  JsonArray *list = global ? r->gsis : r->lsis;

  if (list == NULL)
    return TRUE;
  if (json_array_get_length (list) == 0)
    return invalid (error, global
                    ? "One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty"
                    : "One or more parameter values were invalid: List of LocalSecondaryIndexes is empty");
  if (!global && table->range.name == NULL)
    return invalid (error, "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      DdbIndex *index = parse_index (json_array_get_object_element (list, i), global, defs, r->defs_arr,
                                     &table->hash, table->pay_per_request, error);
      if (index == NULL)
        return FALSE;
      if (g_hash_table_contains (index_names, index->name))
        {
          invalid (error, "One or more parameter values were invalid: Duplicate index name: %s", index->name);
          ddb_index_free (index);
          return FALSE;
        }
      ddb_table_add_index (table, index);
      g_hash_table_add (index_names, index->name);
    }
  if (!global && json_array_get_length (list) > 5)
    return invalid (error, "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5");
  if (global && json_array_get_length (list) > 20)
    return invalid (error, "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20");
  return TRUE;
}

static gboolean
key_attr_is (DdbKeyAttr *attr, const char *name)
{
  return attr->name != NULL && g_str_equal (attr->name, name);
}

/* Every attribute definition must be used by some key schema. */
static gboolean
check_definitions_used (DdbTable *table, GHashTable *defs, GError **error)
{
  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init (&it, defs);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      gboolean used = key_attr_is (&table->hash, key) || key_attr_is (&table->range, key);
      for (guint i = 0; !used && i < table->indexes->len; i++)
        {
          DdbIndex *index = table->indexes->pdata[i];
          used = ddb_index_is_key_attr (index, key);
        }
      if (!used)
        return invalid (error, "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
    }
  return TRUE;
}

static gboolean
create_table_apply_stream_spec (DdbTable *table, JsonObject *ss, gint64 now_ms, GError **error)
{
  gboolean en = FALSE;
  const char *vt = NULL;

  if (ss == NULL)
    return TRUE;
  if (!check_stream_spec (ss, &en, &vt, error))
    return FALSE;
  if (en)
    {
      table->stream_enabled = TRUE;
      table->stream_view_type = g_strdup (vt);
      table->stream_label = ddb_stream_label (now_ms);
    }
  return TRUE;
}

/* The definitions as DescribeTable shows them: name and type only. */
static JsonArray *
copy_attribute_definitions (JsonArray *defs_arr)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; i < json_array_get_length (defs_arr); i++)
    {
      JsonObject *d = json_array_get_object_element (defs_arr, i);
      JsonObject *copy = json_object_new ();
      json_object_set_string_member (copy, "AttributeName", json_object_get_string_member (d, "AttributeName"));
      json_object_set_string_member (copy, "AttributeType", json_object_get_string_member (d, "AttributeType"));
      json_array_add_object_element (out, copy);
    }
  return out;
}

/* The table a valid CreateTable request describes (not yet registered). */
static DdbTable *
create_table_build (CreateTableRequest *r, gint64 now_ms, GError **error)
{
  g_autoptr(GHashTable) defs = NULL;
  g_autoptr(DdbTable) table = NULL;
  g_autoptr(GHashTable) index_names = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ppr = r->billing != NULL && g_str_equal (r->billing, "PAY_PER_REQUEST");

  if (!create_table_check_billing (ppr, r->pt, error) ||
      (defs = attribute_types_of (r->defs_arr, error)) == NULL ||
      (table = table_from_key_schema (r, defs, error)) == NULL)
    return NULL;
  table_set_throughput (table, ppr, r->pt);
  if (!create_table_add_indexes (table, r, FALSE, defs, index_names, error) ||
      !create_table_add_indexes (table, r, TRUE, defs, index_names, error) ||
      !check_definitions_used (table, defs, error) ||
      !create_table_apply_stream_spec (table, r->ss, now_ms, error))
    return NULL;
  table->attribute_definitions = copy_attribute_definitions (r->defs_arr);
  table->created_ms = now_ms;
  return g_steal_pointer (&table);
}

JsonObject *
ddb_op_create_table (DdbOp *op, GError **error)
{
  CreateTableRequest r = { 0 };
  g_autoptr(DdbTable) table = NULL;
  JsonObject *resp;

  if (!ddb_req_check_shape (op->request, create_table_shape, error) ||
      !create_table_read_members (op->request, &r, error) ||
      !create_table_validate_members (&r, error) ||
      (table = create_table_build (&r, op->now_ms, error)) == NULL)
    return NULL;
  if (g_hash_table_contains (op->engine->tables, r.name))
    {
      /* DynamoDB Local: "Cannot create preexisting table". */
      g_set_error (error, DDB_ERROR, DDB_ERROR_RESOURCE_IN_USE, "Table already exists: %s", r.name);
      return NULL;
    }

  if (table->stream_enabled)
    ddb_engine_open_stream (op->engine, table, op->now_ms);
  resp = json_object_new ();
  json_object_set_object_member (resp, "TableDescription", describe (table, "ACTIVE"));
  ddb_engine_add_table (op->engine, g_steal_pointer (&table));
  return resp;
}

/* ---- DeleteTable, DescribeTable, ListTables ---- */

JsonObject *
ddb_op_delete_table (DdbOp *op, GError **error)
{
  DdbTable *table = ddb_op_table (op, op->request, "tableName", error);
  JsonObject *resp;

  if (table == NULL)
    return NULL;
  resp = json_object_new ();
  json_object_set_object_member (resp, "TableDescription", describe (table, "DELETING"));
  ddb_engine_close_stream (op->engine, table);
  g_hash_table_remove (op->engine->tables, table->name);
  return resp;
}

JsonObject *
ddb_op_describe_table (DdbOp *op, GError **error)
{
  DdbTable *table = ddb_op_table (op, op->request, "tableName", NULL);
  JsonObject *resp;

  if (table == NULL)
    {
      /* Re-run for the right error: DescribeTable names the table. */
      const char *name = NULL;
      g_autoptr(GError) local = NULL;
      table = ddb_op_table (op, op->request, "tableName", &local);
      if (local->code == DDB_ERROR_RESOURCE_NOT_FOUND)
        {
          ddb_req_string (op->request, "TableName", &name, NULL);
          g_set_error (error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND,
                       "Requested resource not found: Table: %s not found", name);
        }
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  resp = json_object_new ();
  json_object_set_object_member (resp, "Table", describe (table, "ACTIVE"));
  return resp;
}

static int
str_ptr_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

JsonObject *
ddb_op_list_tables (DdbOp *op, GError **error)
{
  const char *start = NULL;
  gint64 limit = 100;
  gboolean has_limit;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  JsonArray *out = json_array_new ();
  JsonObject *resp;
  GHashTableIter it;
  gpointer key;
  DdbValidator v;
  guint i, n = 0;

  if (!ddb_req_string (op->request, "ExclusiveStartTableName", &start, error) ||
      !ddb_req_int (op->request, "Limit", &limit, &has_limit, error))
    {
      json_array_unref (out);
      return NULL;
    }
  ddb_validator_init (&v);
  if (start != NULL)
    ddb_validate_table_name (&v, start, "exclusiveStartTableName");
  if (has_limit && limit < 1)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, limit);
      ddb_validator_add (&v, s, "limit", "Member must have value greater than or equal to 1");
    }
  else if (has_limit && limit > 100)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, limit);
      ddb_validator_add (&v, s, "limit", "Member must have value less than or equal to 100");
    }
  if (!ddb_validator_finish (&v, error))
    {
      json_array_unref (out);
      return NULL;
    }

  g_hash_table_iter_init (&it, op->engine->tables);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (start == NULL || strcmp (key, start) > 0)
      g_ptr_array_add (names, key);
  g_ptr_array_sort (names, str_ptr_cmp);
  for (i = 0; i < names->len && n < limit; i++, n++)
    json_array_add_string_element (out, names->pdata[i]);

  resp = json_object_new ();
  json_object_set_array_member (resp, "TableNames", out);
  if (i < names->len)
    json_object_set_string_member (resp, "LastEvaluatedTableName", names->pdata[i - 1]);
  return resp;
}

/* ---- UpdateTable ---- */

/* The members of an UpdateTable request, after the JSON type checks. */
typedef struct {
  JsonArray *defs_arr, *updates;
  JsonObject *pt, *ss;
  const char *billing;
} UpdateTableRequest;

static gboolean
update_table_read_members (JsonObject *req, UpdateTableRequest *r, GError **error)
{
  DdbValidator v;

  if (!ddb_req_array (req, "AttributeDefinitions", &r->defs_arr, error) ||
      !ddb_req_array (req, "GlobalSecondaryIndexUpdates", &r->updates, error) ||
      !ddb_req_string (req, "BillingMode", &r->billing, error) ||
      !ddb_req_object (req, "ProvisionedThroughput", &r->pt, error) ||
      !ddb_req_object (req, "StreamSpecification", &r->ss, error))
    return FALSE;
  ddb_validator_init (&v);
  ddb_validate_enum (&v, r->billing, "billingMode", billing_modes);
  validate_throughput (&v, r->pt, "provisionedThroughput");
  return ddb_validator_finish (&v, error);
}

/* The billing mode the table will have; FALSE when the request's billing
 * members contradict each other or the table. */
static gboolean
update_table_billing (DdbTable *table, UpdateTableRequest *r, gboolean *ppr_out, GError **error)
{
  gboolean ppr = r->billing ? g_str_equal (r->billing, "PAY_PER_REQUEST") : table->pay_per_request;

  if (ppr && r->pt != NULL)
    return invalid (error, "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  if (!ppr && table->pay_per_request && r->pt == NULL)
    return invalid (error, "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
  *ppr_out = ppr;
  return TRUE;
}

/* The attribute types known: the table's plus the request's. */
static GHashTable *
update_table_attribute_types (DdbTable *table, JsonArray *defs_arr, GError **error)
{
  g_autoptr(GHashTable) defs = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (table->attribute_definitions); i++)
    {
      JsonObject *d = json_array_get_object_element (table->attribute_definitions, i);
      g_hash_table_insert (defs, (gpointer) json_object_get_string_member (d, "AttributeName"),
                           GINT_TO_POINTER (ddb_type_from_name (json_object_get_string_member (d, "AttributeType"))));
    }
  for (guint i = 0; defs_arr && i < json_array_get_length (defs_arr); i++)
    {
      JsonObject *d = json_array_get_object_element (defs_arr, i);
      const char *an = json_object_get_string_member_with_default (d, "AttributeName", NULL);
      DdbType t = ddb_type_from_name (json_object_get_string_member_with_default (d, "AttributeType", ""));
      gpointer old;
      if (an == NULL || (t != DDB_TYPE_S && t != DDB_TYPE_N && t != DDB_TYPE_B))
        return invalid (error, "One or more parameter values were invalid: Invalid AttributeDefinitions"), NULL;
      if ((old = g_hash_table_lookup (defs, an)) != NULL && GPOINTER_TO_INT (old) != (int) t)
        return invalid (error, "One or more parameter values were invalid: Cannot change the type of an existing attribute: %s", an), NULL;
      g_hash_table_insert (defs, (gpointer) an, GINT_TO_POINTER (t));
    }
  return g_steal_pointer (&defs);
}

static JsonObject *
gsi_update_member (JsonObject *u, const char *member)
{
  return json_object_has_member (u, member) ? json_object_get_object_member (u, member) : NULL;
}

/* The global index an Update or Delete names, or ResourceNotFoundException. */
static DdbIndex *
gsi_update_target (DdbTable *table, JsonObject *action, GError **error)
{
  const char *iname = json_object_get_string_member_with_default (action, "IndexName", "");
  DdbIndex *index = ddb_table_find_index (table, iname);

  if (index == NULL || !index->global)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND,
                   "Requested resource not found: Index: %s not found", iname);
      return NULL;
    }
  return index;
}

/* First pass: every GlobalSecondaryIndexUpdates entry is checked before any
 * is applied. */
static gboolean
gsi_updates_check (DdbTable *table, JsonArray *updates, GError **error)
{
  for (guint i = 0; updates && i < json_array_get_length (updates); i++)
    {
      JsonObject *u = json_array_get_object_element (updates, i);
      JsonObject *create = gsi_update_member (u, "Create");

      if (create)
        {
          const char *iname = json_object_get_string_member_with_default (create, "IndexName", NULL);
          DdbValidator v;
          ddb_validator_init (&v);
          ddb_validate_table_name (&v, iname, "globalSecondaryIndexUpdates.1.member.create.indexName");
          if (!ddb_validator_finish (&v, error))
            return FALSE;
          if (ddb_table_find_index (table, iname))
            return invalid (error, "One or more parameter values were invalid: Index with name %s already exists", iname);
        }
      else if (gsi_update_member (u, "Delete") || gsi_update_member (u, "Update"))
        {
          JsonObject *action = gsi_update_member (u, "Delete") ? gsi_update_member (u, "Delete") : gsi_update_member (u, "Update");
          if (gsi_update_target (table, action, error) == NULL)
            return FALSE;
        }
      else
        return invalid (error, "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Update, or GlobalSecondaryIndexUpdate.Delete must be specified");
    }
  return TRUE;
}

/* Second pass: creates, deletes and re-provisions the indexes. */
static gboolean
gsi_updates_apply (DdbTable *table, UpdateTableRequest *r, GHashTable *defs, gboolean ppr, GError **error)
{
  for (guint i = 0; r->updates && i < json_array_get_length (r->updates); i++)
    {
      JsonObject *u = json_array_get_object_element (r->updates, i);
      JsonObject *create = gsi_update_member (u, "Create");
      JsonObject *del = gsi_update_member (u, "Delete");
      JsonObject *upd = gsi_update_member (u, "Update");
      DdbIndex *index;

      if (create)
        {
          index = parse_index (create, TRUE, defs, r->defs_arr ? r->defs_arr : table->attribute_definitions,
                               &table->hash, ppr, error);
          if (index == NULL)
            return FALSE;
          ddb_table_add_index (table, index);
        }
      else if (del)
        {
          if ((index = gsi_update_target (table, del, error)) == NULL)
            return FALSE;
          ddb_table_remove_index (table, index);
        }
      else if (upd)
        {
          JsonObject *ipt = gsi_update_member (upd, "ProvisionedThroughput");
          if ((index = gsi_update_target (table, upd, error)) == NULL)
            return FALSE;
          if (ipt)
            {
              index->read_capacity = json_object_get_int_member_with_default (ipt, "ReadCapacityUnits", 0);
              index->write_capacity = json_object_get_int_member_with_default (ipt, "WriteCapacityUnits", 0);
            }
        }
    }
  return TRUE;
}

static gboolean
attribute_defined (JsonArray *definitions, const char *name)
{
  for (guint j = 0; j < json_array_get_length (definitions); j++)
    if (g_str_equal (name, json_object_get_string_member (json_array_get_object_element (definitions, j), "AttributeName")))
      return TRUE;
  return FALSE;
}

/* Keeps the table's definitions and adds the new ones. */
static void
merge_attribute_definitions (DdbTable *table, JsonArray *defs_arr)
{
  for (guint i = 0; defs_arr && i < json_array_get_length (defs_arr); i++)
    {
      JsonObject *d = json_array_get_object_element (defs_arr, i);
      const char *an = json_object_get_string_member (d, "AttributeName");
      JsonObject *copy;

      if (attribute_defined (table->attribute_definitions, an))
        continue;
      copy = json_object_new ();
      json_object_set_string_member (copy, "AttributeName", an);
      json_object_set_string_member (copy, "AttributeType", json_object_get_string_member (d, "AttributeType"));
      json_array_add_object_element (table->attribute_definitions, copy);
    }
}

static gboolean
update_table_apply_stream_spec (DdbEngine *engine, DdbTable *table, JsonObject *ss, gint64 now_ms, GError **error)
{
  gboolean en = FALSE;
  const char *vt = NULL;

  if (ss == NULL)
    return TRUE;
  if (!check_stream_spec (ss, &en, &vt, error))
    return FALSE;
  if (en && table->stream_enabled)
    return invalid (error, "Table already has an enabled stream: %s", table->name);
  if (!en && !table->stream_enabled)
    return invalid (error, "Table already has a disabled stream: %s", table->name);
  table->stream_enabled = en;
  g_clear_pointer (&table->stream_view_type, g_free);
  ddb_engine_close_stream (engine, table);
  if (en)
    {
      table->stream_view_type = g_strdup (vt);
      g_free (table->stream_label);
      table->stream_label = ddb_stream_label (now_ms);
      ddb_engine_open_stream (engine, table, now_ms);
    }
  return TRUE;
}

JsonObject *
ddb_op_update_table (DdbOp *op, GError **error)
{
  UpdateTableRequest r = { 0 };
  g_autoptr(GHashTable) defs = NULL;
  DdbTable *table;
  JsonObject *resp;
  gboolean ppr = FALSE;

  if (!ddb_req_check_shape (op->request, update_table_shape, error) ||
      !update_table_read_members (op->request, &r, error) ||
      (table = ddb_op_table (op, op->request, "tableName", error)) == NULL)
    return NULL;
  if (r.updates == NULL && r.billing == NULL && r.pt == NULL && r.ss == NULL)
    return invalid (error, "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"), NULL;
  if (!update_table_billing (table, &r, &ppr, error) ||
      (defs = update_table_attribute_types (table, r.defs_arr, error)) == NULL ||
      !gsi_updates_check (table, r.updates, error) ||
      !gsi_updates_apply (table, &r, defs, ppr, error))
    return NULL;
  merge_attribute_definitions (table, r.defs_arr);
  table_set_throughput (table, ppr, r.pt);
  if (!update_table_apply_stream_spec (op->engine, table, r.ss, op->now_ms, error))
    return NULL;

  resp = json_object_new ();
  json_object_set_object_member (resp, "TableDescription", describe (table, "ACTIVE"));
  return resp;
}

/* ---- Time to live ---- */

JsonObject *
ddb_op_update_time_to_live (DdbOp *op, GError **error)
{
  JsonObject *spec = NULL, *resp, *out;
  const char *attr = NULL;
  gboolean enabled = FALSE;
  DdbTable *table;
  DdbValidator v;
  const char *name = NULL;

  if (!ddb_req_string (op->request, "TableName", &name, error) ||
      !ddb_req_object (op->request, "TimeToLiveSpecification", &spec, error))
    return NULL;
  if (spec && (!ddb_req_string (spec, "AttributeName", &attr, error) ||
               !ddb_req_bool (spec, "Enabled", &enabled, error)))
    return NULL;
  ddb_validator_init (&v);
  ddb_validate_table_name (&v, name, "tableName");
  if (spec == NULL)
    ddb_validator_add (&v, NULL, "timeToLiveSpecification", "Member must not be null");
  else
    {
      if (attr == NULL)
        ddb_validator_add (&v, NULL, "timeToLiveSpecification.attributeName", "Member must not be null");
      else if (*attr == '\0')
        ddb_validator_add (&v, "", "timeToLiveSpecification.attributeName", "Member must have length greater than or equal to 1");
      if (json_object_get_member (spec, "Enabled") == NULL || JSON_NODE_HOLDS_NULL (json_object_get_member (spec, "Enabled")))
        ddb_validator_add (&v, NULL, "timeToLiveSpecification.enabled", "Member must not be null");
    }
  if (!ddb_validator_finish (&v, error))
    return NULL;
  if ((table = ddb_engine_get_table (op->engine, name, error)) == NULL)
    return NULL;

  if (enabled && table->ttl_attribute != NULL)
    return invalid (error, "TimeToLive is already enabled"), NULL;
  if (!enabled && table->ttl_attribute == NULL)
    return invalid (error, "TimeToLive is already disabled"), NULL;
  if (!enabled && !g_str_equal (table->ttl_attribute, attr))
    return invalid (error, "TimeToLive is active on a different AttributeName: current AttributeName is %s", table->ttl_attribute), NULL;
  g_free (table->ttl_attribute);
  table->ttl_attribute = enabled ? g_strdup (attr) : NULL;

  resp = json_object_new ();
  out = json_object_new ();
  json_object_set_string_member (out, "AttributeName", attr);
  json_object_set_boolean_member (out, "Enabled", enabled);
  json_object_set_object_member (resp, "TimeToLiveSpecification", out);
  return resp;
}

JsonObject *
ddb_op_describe_time_to_live (DdbOp *op, GError **error)
{
  DdbTable *table = ddb_op_table (op, op->request, "tableName", error);
  JsonObject *resp, *desc;

  if (table == NULL)
    return NULL;
  desc = json_object_new ();
  json_object_set_string_member (desc, "TimeToLiveStatus", table->ttl_attribute ? "ENABLED" : "DISABLED");
  if (table->ttl_attribute)
    json_object_set_string_member (desc, "AttributeName", table->ttl_attribute);
  resp = json_object_new ();
  json_object_set_object_member (resp, "TimeToLiveDescription", desc);
  return resp;
}
