/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-account.c: DescribeLimits, DescribeEndpoints and the tags of a
 * table (TagResource, UntagResource, ListTagsOfResource). DynamoDB Local
 * answers DescribeLimits with these numbers and refuses the others; these
 * answer as the service does. */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"

#define TABLE_ARN_PREFIX "arn:aws:dynamodb:ddblocal:000000000000:table/"
#define MAX_TAGS 50

JsonObject *
ddb_op_describe_limits (DdbOp *op, GError **error)
{
  JsonObject *resp = json_object_new ();

  json_object_set_int_member (resp, "AccountMaxReadCapacityUnits", 80000);
  json_object_set_int_member (resp, "AccountMaxWriteCapacityUnits", 80000);
  json_object_set_int_member (resp, "TableMaxReadCapacityUnits", 40000);
  json_object_set_int_member (resp, "TableMaxWriteCapacityUnits", 40000);
  return resp;
}

JsonObject *
ddb_op_describe_endpoints (DdbOp *op, GError **error)
{
  JsonObject *resp = json_object_new ();
  JsonObject *endpoint = json_object_new ();
  JsonArray *endpoints = json_array_new ();

  json_object_set_string_member (endpoint, "Address", "localhost");
  json_object_set_int_member (endpoint, "CachePeriodInMinutes", 1440);
  json_array_add_object_element (endpoints, endpoint);
  json_object_set_array_member (resp, "Endpoints", endpoints);
  return resp;
}

/* The table a ResourceArn names (ValidationException for a malformed ARN,
 * ResourceNotFoundException for a table that does not exist). */
static DdbTable *
resource_table (DdbOp *op, GError **error)
{
  const char *arn = NULL;
  DdbTable *table;
  DdbValidator v;

  if (!ddb_req_string (op->request, "ResourceArn", &arn, error))
    return NULL;
  ddb_validator_init (&v);
  if (arn == NULL)
    ddb_validator_add (&v, NULL, "resourceArn", "Member must not be null");
  else if (strlen (arn) > 1283)
    ddb_validator_add (&v, arn, "resourceArn", "Member must have length less than or equal to 1283");
  if (!ddb_validator_finish (&v, error))
    return NULL;
  if (!g_str_has_prefix (arn, TABLE_ARN_PREFIX) || strchr (arn + strlen (TABLE_ARN_PREFIX), '/') != NULL)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION, "Invalid TableArn: Invalid ResourceArn provided as input %s", arn);
      return NULL;
    }
  table = g_hash_table_lookup (op->engine->tables, arn + strlen (TABLE_ARN_PREFIX));
  if (table == NULL)
    g_set_error (error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND, "Requested resource not found: ResourcArn: %s not found", arn);
  return table;
}

static GHashTable *
table_tags (DdbTable *table)
{
  if (table->tags == NULL)
    table->tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return table->tags;
}

static gboolean
check_tags (JsonArray *tags, GError **error)
{
  DdbValidator v;

  ddb_validator_init (&v);
  if (tags == NULL)
    ddb_validator_add (&v, NULL, "tags", "Member must not be null");
  for (guint i = 0; tags && i < json_array_get_length (tags); i++)
    {
      JsonNode *n = json_array_get_element (tags, i);
      JsonObject *t = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *key = t ? json_object_get_string_member_with_default (t, "Key", NULL) : NULL;
      const char *value = t ? json_object_get_string_member_with_default (t, "Value", NULL) : NULL;
      g_autofree char *pk = g_strdup_printf ("tags.%u.member.key", i + 1);
      g_autofree char *pv = g_strdup_printf ("tags.%u.member.value", i + 1);
      if (key == NULL)
        ddb_validator_add (&v, NULL, pk, "Member must not be null");
      else if (*key == '\0' || g_utf8_strlen (key, -1) > 128)
        ddb_validator_add (&v, key, pk, *key ? "Member must have length less than or equal to 128"
                                             : "Member must have length greater than or equal to 1");
      if (value == NULL)
        ddb_validator_add (&v, NULL, pv, "Member must not be null");
      else if (g_utf8_strlen (value, -1) > 256)
        ddb_validator_add (&v, value, pv, "Member must have length less than or equal to 256");
    }
  return ddb_validator_finish (&v, error);
}

JsonObject *
ddb_op_tag_resource (DdbOp *op, GError **error)
{
  JsonArray *tags = NULL;
  DdbTable *table;
  GHashTable *current;
  guint added = 0;

  if (!ddb_req_array (op->request, "Tags", &tags, error) || !check_tags (tags, error) ||
      (table = resource_table (op, error)) == NULL)
    return NULL;
  current = table_tags (table);
  for (guint i = 0; i < json_array_get_length (tags); i++)
    added += !g_hash_table_contains (current, json_object_get_string_member (json_array_get_object_element (tags, i), "Key"));
  if (g_hash_table_size (current) + added > MAX_TAGS)
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_LIMIT_EXCEEDED,
                           "The number of tags of the resource exceeds the limit of 50");
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (tags); i++)
    {
      JsonObject *t = json_array_get_object_element (tags, i);
      g_hash_table_replace (current, g_strdup (json_object_get_string_member (t, "Key")),
                            g_strdup (json_object_get_string_member (t, "Value")));
    }
  return json_object_new ();
}

JsonObject *
ddb_op_untag_resource (DdbOp *op, GError **error)
{
  JsonArray *keys = NULL;
  DdbTable *table;
  DdbValidator v;

  if (!ddb_req_array (op->request, "TagKeys", &keys, error))
    return NULL;
  ddb_validator_init (&v);
  if (keys == NULL)
    ddb_validator_add (&v, NULL, "tagKeys", "Member must not be null");
  if (!ddb_validator_finish (&v, error) || (table = resource_table (op, error)) == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      JsonNode *k = json_array_get_element (keys, i);
      if (JSON_NODE_HOLDS_VALUE (k) && json_node_get_value_type (k) == G_TYPE_STRING)
        g_hash_table_remove (table_tags (table), json_node_get_string (k));
    }
  return json_object_new ();
}

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

JsonObject *
ddb_op_list_tags_of_resource (DdbOp *op, GError **error)
{
  DdbTable *table = resource_table (op, error);
  g_autoptr(GPtrArray) keys = NULL;
  JsonArray *tags;
  JsonObject *resp;
  GHashTableIter it;
  gpointer key;

  if (table == NULL)
    return NULL;
  keys = g_ptr_array_new ();
  g_hash_table_iter_init (&it, table_tags (table));
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_keys);
  tags = json_array_new ();
  for (guint i = 0; i < keys->len; i++)
    {
      JsonObject *t = json_object_new ();
      json_object_set_string_member (t, "Key", keys->pdata[i]);
      json_object_set_string_member (t, "Value", g_hash_table_lookup (table->tags, keys->pdata[i]));
      json_array_add_object_element (tags, t);
    }
  resp = json_object_new ();
  json_object_set_array_member (resp, "Tags", tags);
  return resp;
}
