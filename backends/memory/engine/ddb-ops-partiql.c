/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-partiql.c: ExecuteStatement, BatchExecuteStatement and
 * ExecuteTransaction. Each statement is parsed (ddb-partiql.c) and run as
 * the item operation it amounts to (Query or Scan, PutItem, UpdateItem,
 * DeleteItem, GetItem, TransactWriteItems, TransactGetItems), so every
 * check and answer is the engine's own; what differs is reworded as
 * DynamoDB Local words it. */
#include "config.h"

#include <string.h>
#include "ddb-json.h"
#include "ddb-engine-private.h"
#include "ddb-partiql.h"

#define MAX_BATCH 25
#define MAX_TRANSACTION 100
#define NEXT_TOKEN_VERSION "V1"

static gboolean
invalid (GError **error, const char *message)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, message);
  return FALSE;
}

/* Runs func on request as if it were the call's own request. */
static JsonObject *
run_op (DdbOp *op, DdbOpFunc func, JsonObject *request, GError **error)
{
  DdbOp sub = *op;
  JsonObject *resp;

  sub.request = request;
  sub.error_extra = NULL;
  /* The statement reads the answer as a tree. */
  sub.packed = NULL;
  resp = func (&sub, error);
  if (sub.error_extra != NULL)
    {
      g_clear_pointer (&op->error_extra, json_object_unref);
      op->error_extra = sub.error_extra;
    }
  return resp;
}

/* The statement's table, with DynamoDB Local's messages. */
static DdbTable *
statement_table (DdbOp *op, const char *name, GError **error)
{
  DdbValidator v;
  DdbTable *table;

  ddb_validator_init (&v);
  ddb_validate_table_name (&v, name, "tableName");
  if (!ddb_validator_finish (&v, NULL))
    return invalid (error, "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'."), NULL;
  table = g_hash_table_lookup (op->engine->tables, name);
  if (table == NULL)
    g_set_error_literal (error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND, "Cannot do operations on a non-existent table");
  return table;
}

/* ---- Keys ---- */

/* The table key from WHERE's equalities on the key attributes; the other
 * conjuncts go to rest (nullable). NULL when an equality is missing. */
static JsonObject *
where_key (DdbTable *table, DdbPqNode *where, GPtrArray *rest)
{
  g_autoptr(GPtrArray) conjuncts = g_ptr_array_new ();
  g_autoptr(JsonObject) key = json_object_new ();

  ddb_pq_conjuncts (where, conjuncts);
  for (guint i = 0; i < conjuncts->len; i++)
    {
      const char *attr;
      JsonNode *value;
      if (ddb_pq_equality (conjuncts->pdata[i], &attr, &value) && !json_object_has_member (key, attr) &&
          (g_str_equal (attr, table->hash.name) || (table->range.name && g_str_equal (attr, table->range.name))))
        json_object_set_member (key, attr, json_node_copy (value));
      else if (rest != NULL)
        g_ptr_array_add (rest, conjuncts->pdata[i]);
    }
  if (!json_object_has_member (key, table->hash.name) ||
      (table->range.name && !json_object_has_member (key, table->range.name)))
    return NULL;
  return g_steal_pointer (&key);
}

static JsonObject *
statement_key (DdbTable *table, DdbPqStatement *s, GPtrArray *rest, GError **error)
{
  JsonObject *key = s->where ? where_key (table, s->where, rest) : NULL;

  if (key == NULL)
    invalid (error, "Where clause does not contain a mandatory equality on all key attributes");
  return key;
}

/* "(a) AND (b)" of nodes; NULL when there are none. */
static char *
render_conjunction (DdbPqRender *r, GPtrArray *nodes, const char *first, GHashTable *used)
{
  GString *out = g_string_new (first);

  for (guint i = 0; i < nodes->len; i++)
    {
      g_autofree char *part = ddb_pq_render_condition (r, nodes->pdata[i], used);
      g_string_append_printf (out, "%s(%s)", out->len ? " AND " : "", part);
    }
  if (out->len == 0)
    return g_string_free (out, TRUE), NULL;
  return g_string_free (out, FALSE);
}

static void
copy_member (JsonObject *from, JsonObject *to, const char *member)
{
  JsonNode *n = from ? json_object_get_member (from, member) : NULL;

  if (n != NULL)
    json_object_set_member (to, member, json_node_copy (n));
}

/* ---- NextToken: base64 of {"version": "V1", "key": LastEvaluatedKey} ---- */

static char *
next_token_new (JsonObject *last_key)
{
  g_autoptr(JsonObject) token = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_object_set_string_member (token, "version", NEXT_TOKEN_VERSION);
  json_object_set_object_member (token, "key", json_object_ref (last_key));
  json_node_set_object (node, token);
  text = ddb_json_to_string (node);
  return g_base64_encode ((const guchar *) text, strlen (text));
}

static JsonObject *
next_token_key (const char *token, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree guchar *decoded = NULL;
  gsize len = 0;
  JsonNode *root;
  JsonObject *obj;

  if (ddb_base64_check (token, strlen (token), NULL))
    decoded = g_base64_decode (token, &len);
  if (decoded == NULL || !ddb_json_load (parser, (const char *) decoded, len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, "Invalid NextToken"), NULL;
  obj = json_node_get_object (root);
  if (g_strcmp0 (json_object_get_string_member_with_default (obj, "version", NULL), NEXT_TOKEN_VERSION) != 0 ||
      !json_object_has_member (obj, "key") || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "key")))
    return invalid (error, "Invalid NextToken"), NULL;
  return json_object_ref (json_object_get_object_member (obj, "key"));
}

/* ---- Projection ---- */

/* The item as a SELECT of paths answers it: each path's value under its
 * display name (DynamoDB Local's answer for "SELECT a.b, l[1]"). */
static JsonObject *
project_item (DdbPqStatement *s, JsonObject *item)
{
  JsonObject *out;

  if (s->projection == NULL)
    return json_object_ref (item);
  out = json_object_new ();
  for (guint i = 0; i < s->projection->len; i++)
    {
      JsonNode *value = ddb_pq_path_lookup (s->projection->pdata[i], item);
      if (value != NULL)
        {
          g_autofree char *name = ddb_pq_path_display (s->projection->pdata[i]);
          json_object_set_member (out, name, json_node_copy (value));
        }
    }
  return out;
}

static JsonArray *
project_items (DdbPqStatement *s, JsonArray *items)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; items && i < json_array_get_length (items); i++)
    json_array_add_object_element (out, project_item (s, json_array_get_object_element (items, i)));
  return out;
}

/* ---- SELECT ---- */

typedef struct {
  const char *hash, *range;     /* key of the table or index read */
} KeyNames;

/* Splits WHERE into a Query's key condition and filter when it names the
 * partition key by equality and the rest leaves the key alone; FALSE means
 * a Scan with the whole WHERE as its filter. */
static gboolean
plan_query (DdbPqStatement *s, KeyNames *k, GPtrArray *key_nodes, GPtrArray *filter_nodes)
{
  g_autoptr(GPtrArray) conjuncts = g_ptr_array_new ();
  g_autoptr(GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);
  DdbPqNode *hash_node = NULL, *range_node = NULL;
  DdbPqRender scratch;

  ddb_pq_conjuncts (s->where, conjuncts);
  for (guint i = 0; i < conjuncts->len; i++)
    {
      DdbPqNode *c = conjuncts->pdata[i];
      const char *attr = NULL;
      JsonNode *value;
      if (hash_node == NULL && ddb_pq_equality (c, &attr, &value) && g_str_equal (attr, k->hash))
        hash_node = c;
      else if (range_node == NULL && k->range && g_strcmp0 (ddb_pq_key_condition_attr (c), k->range) == 0)
        range_node = c;
      else
        g_ptr_array_add (filter_nodes, c);
    }
  if (hash_node == NULL)
    return FALSE;
  /* A Query's filter may not name the key attributes. */
  ddb_pq_render_init (&scratch);
  g_free (render_conjunction (&scratch, filter_nodes, "", used));
  ddb_pq_render_clear (&scratch);
  if (g_hash_table_contains (used, k->hash) || (k->range && g_hash_table_contains (used, k->range)))
    return FALSE;
  g_ptr_array_add (key_nodes, hash_node);
  if (range_node)
    g_ptr_array_add (key_nodes, range_node);
  return TRUE;
}

static gboolean
select_request (DdbOp *op, DdbPqStatement *s, DdbTable *table, JsonObject *request, DdbOpFunc *func, GError **error)
{
  DdbIndex *index = NULL;
  KeyNames k;
  g_autoptr(GPtrArray) key_nodes = g_ptr_array_new (), filter_nodes = g_ptr_array_new ();
  g_autofree char *key_cond = NULL, *filter = NULL;
  DdbPqRender r;
  gboolean query;

  if (s->index != NULL && (index = ddb_table_find_index (table, s->index)) == NULL)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION, "The table does not have the specified index: %s", s->index);
      return FALSE;
    }
  k.hash = index ? index->hash.name : table->hash.name;
  k.range = index ? index->range.name : table->range.name;
  /* A multi-attribute index key is read by a scan with the WHERE as its
   * filter (a Query would need every partition key part). */
  query = s->where != NULL && (index == NULL || !ddb_index_is_multi (index)) &&
          plan_query (s, &k, key_nodes, filter_nodes);
  if (s->order_by != NULL && !query)
    return invalid (error, "Must have WHERE clause in the statement when using ORDER BY clause.");
  if (s->order_by != NULL && g_strcmp0 (s->order_by, k.range) != 0)
    return invalid (error, "Order by is supported only on the sort key of the table or index.");

  ddb_pq_render_init (&r);
  json_object_set_string_member (request, "TableName", table->name);
  if (index)
    json_object_set_string_member (request, "IndexName", index->name);
  if (query)
    {
      key_cond = render_conjunction (&r, key_nodes, "", NULL);
      filter = render_conjunction (&r, filter_nodes, "", NULL);
      json_object_set_string_member (request, "KeyConditionExpression", key_cond);
      if (s->order_by != NULL)
        json_object_set_boolean_member (request, "ScanIndexForward", !s->descending);
    }
  else if (s->where != NULL)
    filter = ddb_pq_render_condition (&r, s->where, NULL);
  if (filter != NULL)
    json_object_set_string_member (request, "FilterExpression", filter);
  ddb_pq_render_attach (&r, request);
  ddb_pq_render_clear (&r);
  *func = query ? ddb_op_query : ddb_op_scan;
  return TRUE;
}

static JsonObject *
execute_select (DdbOp *op, DdbPqStatement *s, DdbTable *table, GError **error)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonObject) read = NULL;
  const char *token = NULL;
  gint64 limit = 0;
  gboolean has_limit = FALSE;
  DdbOpFunc func;
  JsonObject *resp;

  if (!ddb_req_string (op->request, "NextToken", &token, error) ||
      !ddb_req_int (op->request, "Limit", &limit, &has_limit, error) ||
      !select_request (op, s, table, request, &func, error))
    return NULL;
  if (token != NULL)
    {
      JsonObject *key = next_token_key (token, error);
      if (key == NULL)
        return NULL;
      json_object_set_object_member (request, "ExclusiveStartKey", key);
    }
  if (has_limit)
    json_object_set_int_member (request, "Limit", limit);
  copy_member (op->request, request, "ConsistentRead");
  copy_member (op->request, request, "ReturnConsumedCapacity");
  if ((read = run_op (op, func, request, error)) == NULL)
    return NULL;

  resp = json_object_new ();
  json_object_set_array_member (resp, "Items", project_items (s, json_object_get_array_member (read, "Items")));
  if (json_object_has_member (read, "LastEvaluatedKey"))
    {
      g_autofree char *next = next_token_new (json_object_get_object_member (read, "LastEvaluatedKey"));
      json_object_set_string_member (resp, "NextToken", next);
    }
  copy_member (read, resp, "ConsumedCapacity");
  return resp;
}

/* ---- INSERT, UPDATE, DELETE as write requests ---- */

static gboolean
check_insert_key (DdbKeyAttr *attr, JsonObject *item, GError **error)
{
  JsonNode *value;

  if (attr->name == NULL)
    return TRUE;
  value = json_object_get_member (item, attr->name);
  if (value == NULL)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION, "Key attribute should be present in the item: Key %s", attr->name);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (value) || !json_object_has_member (json_node_get_object (value), ddb_type_name (attr->type)))
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "Key attribute's data type should match its data type in table's schema: Key %s", attr->name);
      return FALSE;
    }
  return TRUE;
}

/* PutItem {TableName, Item, ConditionExpression: attribute_not_exists(key)}. */
static JsonObject *
insert_request (DdbTable *table, DdbPqStatement *s, GError **error)
{
  JsonObject *item = json_object_get_object_member (json_node_get_object (s->item), "M");
  JsonObject *request, *names;

  if (!check_insert_key (&table->hash, item, error) || !check_insert_key (&table->range, item, error))
    return NULL;
  request = json_object_new ();
  names = json_object_new ();
  json_object_set_string_member (names, "#pqkey", table->hash.name);
  json_object_set_string_member (request, "TableName", table->name);
  json_object_set_object_member (request, "Item", json_object_ref (item));
  json_object_set_string_member (request, "ConditionExpression", "attribute_not_exists(#pqkey)");
  json_object_set_object_member (request, "ExpressionAttributeNames", names);
  return request;
}

/* {TableName, Key, ConditionExpression, ReturnValues} with the render's
 * placeholders; cond and returning may be NULL. Takes key. */
static JsonObject *
keyed_request (DdbTable *table, JsonObject *key, const char *cond, const char *returning, DdbPqRender *r)
{
  JsonObject *request = json_object_new ();

  json_object_set_string_member (request, "TableName", table->name);
  json_object_set_object_member (request, "Key", key);
  if (cond != NULL)
    json_object_set_string_member (request, "ConditionExpression", cond);
  if (returning != NULL)
    json_object_set_string_member (request, "ReturnValues", returning);
  ddb_pq_render_attach (r, request);
  return request;
}

/* UpdateItem; the item must exist (ConditionalCheckFailed otherwise). */
static JsonObject *
update_request (DdbTable *table, DdbPqStatement *s, GError **error)
{
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  g_autoptr(JsonObject) key = statement_key (table, s, rest, error);
  g_autofree char *update = NULL, *cond = NULL;
  JsonObject *request;
  DdbPqRender r;

  if (key == NULL)
    return NULL;
  ddb_pq_render_init (&r);
  if ((update = ddb_pq_render_update (&r, s, error)) == NULL)
    {
      ddb_pq_render_clear (&r);
      return NULL;
    }
  json_object_set_string_member (r.names, "#pqkey", table->hash.name);
  cond = render_conjunction (&r, rest, "attribute_exists(#pqkey)", NULL);
  request = keyed_request (table, g_steal_pointer (&key), cond, s->returning, &r);
  json_object_set_string_member (request, "UpdateExpression", update);
  ddb_pq_render_clear (&r);
  return request;
}

/* DeleteItem, conditional on the rest of WHERE. */
static JsonObject *
delete_request (DdbTable *table, DdbPqStatement *s, GError **error)
{
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  g_autoptr(JsonObject) key = statement_key (table, s, rest, error);
  g_autofree char *cond = NULL;
  JsonObject *request;
  DdbPqRender r;

  if (key == NULL)
    return NULL;
  if (s->returning != NULL && !g_str_equal (s->returning, "ALL_OLD"))
    return invalid (error, "DELETE statements only support RETURNING ALL OLD *"), NULL;
  ddb_pq_render_init (&r);
  cond = render_conjunction (&r, rest, "", NULL);
  request = keyed_request (table, g_steal_pointer (&key), cond, s->returning, &r);
  ddb_pq_render_clear (&r);
  return request;
}

/* EXISTS / NOT EXISTS as a ConditionCheck's request. */
static JsonObject *
exists_request (DdbTable *table, DdbPqStatement *s, GError **error)
{
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  g_autoptr(JsonObject) key = statement_key (table, s, rest, error);
  g_autofree char *cond = NULL, *check = NULL;
  JsonObject *request;
  DdbPqRender r;

  if (key == NULL)
    return NULL;
  ddb_pq_render_init (&r);
  json_object_set_string_member (r.names, "#pqkey", table->hash.name);
  cond = render_conjunction (&r, rest, "attribute_exists(#pqkey)", NULL);
  check = s->negated ? g_strdup_printf ("NOT (%s)", cond) : g_strdup (cond);
  request = keyed_request (table, g_steal_pointer (&key), check, NULL, &r);
  ddb_pq_render_clear (&r);
  return request;
}

static JsonObject *
write_request (DdbTable *table, DdbPqStatement *s, DdbOpFunc *func, GError **error)
{
  switch (s->kind)
    {
    case DDB_PQ_INSERT:
      *func = ddb_op_put_item;
      return insert_request (table, s, error);
    case DDB_PQ_UPDATE:
      *func = ddb_op_update_item;
      return update_request (table, s, error);
    case DDB_PQ_DELETE:
      *func = ddb_op_delete_item;
      return delete_request (table, s, error);
    case DDB_PQ_EXISTS:
    case DDB_PQ_SELECT:
    default:
      invalid (error, "EXISTS can only be used in ExecuteTransaction write requests.");
      return NULL;
    }
}

static JsonObject *
execute_write (DdbOp *op, DdbPqStatement *s, DdbTable *table, GError **error)
{
  g_autoptr(JsonObject) request = NULL, written = NULL;
  g_autoptr(GError) local = NULL;
  JsonArray *items;
  JsonObject *resp;
  DdbOpFunc func = NULL;

  if ((request = write_request (table, s, &func, error)) == NULL)
    return NULL;
  copy_member (op->request, request, "ReturnConsumedCapacity");
  copy_member (op->request, request, "ReturnValuesOnConditionCheckFailure");
  if ((written = run_op (op, func, request, &local)) == NULL)
    {
      if (s->kind == DDB_PQ_INSERT && g_error_matches (local, DDB_ERROR, DDB_ERROR_CONDITIONAL_CHECK_FAILED))
        {
          g_clear_pointer (&op->error_extra, json_object_unref);
          g_set_error_literal (error, DDB_ERROR, DDB_ERROR_DUPLICATE_ITEM, "Duplicate primary key exists in table");
        }
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  resp = json_object_new ();
  items = json_array_new ();
  if (json_object_has_member (written, "Attributes"))
    json_array_add_object_element (items, json_object_ref (json_object_get_object_member (written, "Attributes")));
  json_object_set_array_member (resp, "Items", items);
  copy_member (written, resp, "ConsumedCapacity");
  return resp;
}

/* ---- Requests ---- */

/* Statement and Parameters of obj (a request or one statement of a batch
 * or transaction), parsed. */
static DdbPqStatement *
parse_member (JsonObject *obj, const char *path, GError **error)
{
  const char *text = NULL;
  JsonArray *params = NULL;
  DdbValidator v;

  if (!ddb_req_string (obj, "Statement", &text, error) || !ddb_req_array (obj, "Parameters", &params, error))
    return NULL;
  ddb_validator_init (&v);
  if (text == NULL)
    ddb_validator_add (&v, NULL, path, "Member must not be null");
  else if (*text == '\0')
    ddb_validator_add (&v, "", path, "Member must have length greater than or equal to 1");
  else if (strlen (text) > 8192)
    ddb_validator_add (&v, text, path, "Member must have length less than or equal to 8192");
  if (params != NULL && json_array_get_length (params) == 0)
    ddb_validator_add (&v, "[]", "parameters", "Member must have length greater than or equal to 1");
  if (!ddb_validator_finish (&v, error))
    return NULL;
  for (guint i = 0; params && i < json_array_get_length (params); i++)
    if (!ddb_value_validate (json_array_get_element (params, i), error))
      return NULL;
  return ddb_pq_parse (text, params, error);
}

JsonObject *
ddb_op_execute_statement (DdbOp *op, GError **error)
{
  g_autoptr(DdbPqStatement) s = parse_member (op->request, "statement", error);
  DdbTable *table;

  if (s == NULL || (table = statement_table (op, s->table, error)) == NULL)
    return NULL;
  if (s->kind == DDB_PQ_SELECT)
    return execute_select (op, s, table, error);
  return execute_write (op, s, table, error);
}

/* ---- BatchExecuteStatement ---- */

static const char *
batch_error_code (GError *error)
{
  if (error->domain != DDB_ERROR)
    return "InternalServerError";
  switch (error->code)
    {
    case DDB_ERROR_CONDITIONAL_CHECK_FAILED:
      return "ConditionalCheckFailed";
    case DDB_ERROR_DUPLICATE_ITEM:
      return "DuplicateItem";
    case DDB_ERROR_RESOURCE_NOT_FOUND:
      return "ResourceNotFound";
    case DDB_ERROR_VALIDATION:
      return "ValidationError";
    case DDB_ERROR_TRANSACTION_CONFLICT:
      return "TransactionConflict";
    case DDB_ERROR_PROVISIONED_THROUGHPUT:
      return "ProvisionedThroughputExceeded";
    case DDB_ERROR_THROTTLING:
      return "ThrottlingError";
    case DDB_ERROR_ITEM_COLLECTION_SIZE_LIMIT:
      return "ItemCollectionSizeLimitExceeded";
    default:
      return "InternalServerError";
    }
}

typedef struct {
  DdbPqStatement *statement;   /* NULL when it did not parse */
  DdbTable *table;
  GError *error;               /* this statement's failure */
} BatchEntry;

static void
batch_entry_clear (gpointer data)
{
  BatchEntry *e = data;

  ddb_pq_statement_free (e->statement);
  g_clear_error (&e->error);
}

static gboolean
statement_reads (DdbPqStatement *s)
{
  return s->kind == DDB_PQ_SELECT;
}

/* A statement list member (Statements, TransactStatements): 1 to max
 * objects. The message for an empty list is DynamoDB Local's. */
static gboolean
statement_list (JsonObject *req, const char *member, const char *path, guint max, JsonArray **out, GError **error)
{
  DdbValidator v;

  if (!ddb_req_array (req, member, out, error))
    return FALSE;
  ddb_validator_init (&v);
  if (*out == NULL)
    ddb_validator_add (&v, NULL, path, "Member must not be null");
  else if (json_array_get_length (*out) > max)
    {
      g_autofree char *constraint = g_strdup_printf ("Member must have length less than or equal to %u", max);
      ddb_validator_add (&v, "[...]", path, constraint);
    }
  if (!ddb_validator_finish (&v, error))
    return FALSE;
  if (json_array_get_length (*out) == 0)
    return invalid (error, "The statement was empty.");
  for (guint i = 0; i < json_array_get_length (*out); i++)
    if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (*out, i)))
      {
        g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION, "Unexpected value type in payload");
        return FALSE;
      }
  return TRUE;
}

/* Parses every statement; serialization errors fail the whole call. */
static GArray *
parse_entries (DdbOp *op, JsonArray *list, const char *path, GError **error)
{
  g_autoptr(GArray) entries = g_array_sized_new (FALSE, TRUE, sizeof (BatchEntry), json_array_get_length (list));

  g_array_set_clear_func (entries, batch_entry_clear);
  g_array_set_size (entries, json_array_get_length (list));
  for (guint i = 0; i < entries->len; i++)
    {
      BatchEntry *e = &g_array_index (entries, BatchEntry, i);
      g_autofree char *member = g_strdup_printf ("%s.%u.member.statement", path, i + 1);

      e->statement = parse_member (json_array_get_object_element (list, i), member, &e->error);
      if (e->statement == NULL && g_error_matches (e->error, DDB_ERROR, DDB_ERROR_SERIALIZATION))
        {
          g_propagate_error (error, g_steal_pointer (&e->error));
          return NULL;
        }
      if (e->statement != NULL)
        e->table = statement_table (op, e->statement->table, &e->error);
    }
  return g_steal_pointer (&entries);
}

/* TRUE when the parsed statements all read; FALSE when they all write;
 * an error when they mix. */
static gboolean
entries_read (GArray *entries, const char *mixed, gboolean *reads, GError **error)
{
  gboolean any_read = FALSE, any_write = FALSE;

  for (guint i = 0; i < entries->len; i++)
    {
      DdbPqStatement *s = g_array_index (entries, BatchEntry, i).statement;
      if (s != NULL)
        {
          any_read |= statement_reads (s);
          any_write |= !statement_reads (s);
        }
    }
  if (any_read && any_write)
    return invalid (error, mixed);
  *reads = any_read;
  return TRUE;
}

/* The key a write statement touches, as text, for duplicate checks. */
static char *
write_fingerprint (BatchEntry *e)
{
  DdbTable *table = e->table;
  g_autoptr(JsonObject) key = NULL;
  JsonObject *item;
  GString *out;

  if (e->statement->kind == DDB_PQ_INSERT)
    {
      item = json_object_get_object_member (json_node_get_object (e->statement->item), "M");
      key = ddb_table_key_of (table, NULL, item);
    }
  else if (e->statement->where != NULL)
    key = where_key (table, e->statement->where, NULL);
  if (key == NULL)
    return NULL;
  out = g_string_new (table->name);
  for (guint k = 0; k < 2; k++)
    {
      const char *name = k ? table->range.name : table->hash.name;
      JsonNode *v = name ? json_object_get_member (key, name) : NULL;
      if (v != NULL)
        {
          g_autofree char *text = ddb_json_to_string (v);
          g_string_append_printf (out, "|%s", text);
        }
    }
  return g_string_free (out, FALSE);
}

static gboolean
check_duplicate_writes (GArray *entries, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      BatchEntry *e = &g_array_index (entries, BatchEntry, i);
      char *fp = e->table ? write_fingerprint (e) : NULL;
      if (fp == NULL)
        continue;
      if (g_hash_table_contains (seen, fp))
        {
          g_free (fp);
          return invalid (error, "Provided list of item keys contains duplicates");
        }
      g_hash_table_add (seen, fp);
    }
  return TRUE;
}

/* A SELECT of one item by its whole key, as GetItem. */
static JsonObject *
get_request (DdbTable *table, DdbPqStatement *s, GError **error, const char *message)
{
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  JsonObject *key = s->where && s->index == NULL ? where_key (table, s->where, rest) : NULL;
  JsonObject *request;

  if (key == NULL || rest->len > 0)
    {
      if (key)
        json_object_unref (key);
      invalid (error, message);
      return NULL;
    }
  request = json_object_new ();
  json_object_set_string_member (request, "TableName", table->name);
  json_object_set_object_member (request, "Key", key);
  return request;
}

static JsonObject *
batch_read (DdbOp *op, BatchEntry *e, JsonObject *member, GError **error)
{
  g_autoptr(JsonObject) request = get_request (e->table, e->statement, error, "Only single item select is supported");
  g_autoptr(JsonObject) got = NULL;
  JsonObject *out;

  if (request == NULL)
    return NULL;
  copy_member (member, request, "ConsistentRead");
  if ((got = run_op (op, ddb_op_get_item, request, error)) == NULL)
    return NULL;
  out = json_object_new ();
  if (json_object_has_member (got, "Item"))
    json_object_set_object_member (out, "Item", project_item (e->statement, json_object_get_object_member (got, "Item")));
  return out;
}

static JsonObject *
batch_response (BatchEntry *e, JsonObject *result)
{
  JsonObject *out = result ? json_object_ref (result) : json_object_new ();

  if (e->error != NULL)
    {
      JsonObject *err = json_object_new ();
      json_object_set_string_member (err, "Code", batch_error_code (e->error));
      json_object_set_string_member (err, "Message", e->error->message);
      json_object_set_object_member (out, "Error", err);
    }
  /* DynamoDB Local names the table unless the statement itself was
   * refused (validation, no such table). */
  if (e->table != NULL &&
      (e->error == NULL || (!g_error_matches (e->error, DDB_ERROR, DDB_ERROR_VALIDATION) &&
                            !g_error_matches (e->error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND))))
    json_object_set_string_member (out, "TableName", e->table->name);
  return out;
}

JsonObject *
ddb_op_batch_execute_statement (DdbOp *op, GError **error)
{
  g_autoptr(GArray) entries = NULL;
  JsonArray *list = NULL, *responses;
  JsonObject *resp;
  gboolean reads = FALSE;

  if (!statement_list (op->request, "Statements", "statements", MAX_BATCH, &list, error) ||
      (entries = parse_entries (op, list, "statements", error)) == NULL ||
      !entries_read (entries, "Read and write requests together in the same batch is not supported.", &reads, error) ||
      (!reads && !check_duplicate_writes (entries, error)))
    return NULL;

  responses = json_array_new ();
  for (guint i = 0; i < entries->len; i++)
    {
      BatchEntry *e = &g_array_index (entries, BatchEntry, i);
      g_autoptr(JsonObject) result = NULL;

      if (e->error == NULL)
        {
          if (reads)
            result = batch_read (op, e, json_array_get_object_element (list, i), &e->error);
          else if (e->statement->kind == DDB_PQ_EXISTS)
            invalid (&e->error, "EXISTS can only be used in ExecuteTransaction write requests.");
          else
            result = execute_write (op, e->statement, e->table, &e->error);
          /* Batch items answer no Items member of their own. */
          if (result != NULL)
            json_object_remove_member (result, "Items");
          g_clear_pointer (&op->error_extra, json_object_unref);
        }
      json_array_add_object_element (responses, batch_response (e, result));
    }
  resp = json_object_new ();
  json_object_set_array_member (resp, "Responses", responses);
  return resp;
}

/* ---- ExecuteTransaction ---- */

/* "Validation failed in TransactStatements[i]: ..." for a statement's own
 * validation error; other errors as they are. */
static void
transaction_statement_error (guint i, GError *local, GError **error)
{
  if (g_error_matches (local, DDB_ERROR, DDB_ERROR_VALIDATION))
    g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION, "Validation failed in TransactStatements[%u]: %s", i, local->message);
  else if (g_error_matches (local, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND))
    g_set_error_literal (error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND, "Requested resource not found");
  else
    g_propagate_error (error, g_error_copy (local));
}

static JsonObject *
transaction_reads (DdbOp *op, GArray *entries, GError **error)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonObject) got = NULL;
  JsonArray *items = json_array_new (), *responses, *results;
  JsonObject *resp;

  json_object_set_array_member (request, "TransactItems", items);
  for (guint i = 0; i < entries->len; i++)
    {
      BatchEntry *e = &g_array_index (entries, BatchEntry, i);
      g_autoptr(GError) local = NULL;
      JsonObject *get = get_request (e->table, e->statement, &local,
                                     "Select statements within ExecuteTransaction must specify the primary key in the where clause.");
      JsonObject *action;
      if (get == NULL)
        return transaction_statement_error (i, local, error), NULL;
      action = json_object_new ();
      json_object_set_object_member (action, "Get", get);
      json_array_add_object_element (items, action);
    }
  copy_member (op->request, request, "ReturnConsumedCapacity");
  if ((got = run_op (op, ddb_op_transact_get_items, request, error)) == NULL)
    return NULL;
  results = json_object_get_array_member (got, "Responses");
  responses = json_array_new ();
  for (guint i = 0; i < entries->len; i++)
    {
      JsonObject *r = results ? json_array_get_object_element (results, i) : NULL;
      JsonObject *out = json_object_new ();
      if (r != NULL && json_object_has_member (r, "Item"))
        json_object_set_object_member (out, "Item",
                                       project_item (g_array_index (entries, BatchEntry, i).statement,
                                                     json_object_get_object_member (r, "Item")));
      json_array_add_object_element (responses, out);
    }
  resp = json_object_new ();
  json_object_set_array_member (resp, "Responses", responses);
  copy_member (got, resp, "ConsumedCapacity");
  return resp;
}

static const char *
transact_action_name (DdbPqKind kind)
{
  switch (kind)
    {
    case DDB_PQ_INSERT:
      return "Put";
    case DDB_PQ_UPDATE:
      return "Update";
    case DDB_PQ_DELETE:
      return "Delete";
    case DDB_PQ_EXISTS:
    case DDB_PQ_SELECT:
    default:
      return "ConditionCheck";
    }
}

/* An INSERT whose item exists cancels with DynamoDB Local's reason; the
 * message lists the reasons again. */
static void
reword_cancellation (DdbOp *op, GArray *entries, GError *error)
{
  JsonArray *reasons;
  GString *codes;

  if (!g_error_matches (error, DDB_ERROR, DDB_ERROR_TRANSACTION_CANCELED) || op->error_extra == NULL ||
      (reasons = json_object_get_array_member (op->error_extra, "CancellationReasons")) == NULL)
    return;
  codes = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (reasons); i++)
    {
      JsonObject *reason = json_array_get_object_element (reasons, i);
      if (i < entries->len && g_array_index (entries, BatchEntry, i).statement->kind == DDB_PQ_INSERT &&
          g_strcmp0 (json_object_get_string_member_with_default (reason, "Code", NULL), "ConditionalCheckFailed") == 0)
        {
          json_object_set_string_member (reason, "Code", "ValidationError");
          json_object_set_string_member (reason, "Message", "Duplicate primary key exists in table");
          json_object_remove_member (reason, "Item");
        }
      g_string_append_printf (codes, "%s%s", i ? ", " : "", json_object_get_string_member_with_default (reason, "Code", "None"));
    }
  g_free (error->message);
  error->message = g_strdup_printf ("Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", codes->str);
  g_string_free (codes, TRUE);
}

static JsonObject *
transaction_writes (DdbOp *op, GArray *entries, GError **error)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(GError) local = NULL;
  JsonArray *items = json_array_new ();
  JsonObject *resp;

  json_object_set_array_member (request, "TransactItems", items);
  for (guint i = 0; i < entries->len; i++)
    {
      BatchEntry *e = &g_array_index (entries, BatchEntry, i);
      g_autoptr(GError) statement_error = NULL;
      DdbOpFunc func;
      JsonObject *action_request, *action;

      if (e->statement->returning != NULL)
        invalid (&statement_error, "RETURNING is not supported in ExecuteTransaction.");
      action_request = statement_error ? NULL
                       : e->statement->kind == DDB_PQ_EXISTS ? exists_request (e->table, e->statement, &statement_error)
                       : write_request (e->table, e->statement, &func, &statement_error);
      if (action_request == NULL)
        return transaction_statement_error (i, statement_error, error), NULL;
      action = json_object_new ();
      json_object_set_object_member (action, transact_action_name (e->statement->kind), action_request);
      json_array_add_object_element (items, action);
    }
  copy_member (op->request, request, "ClientRequestToken");
  copy_member (op->request, request, "ReturnConsumedCapacity");
  if ((done = run_op (op, ddb_op_transact_write_items, request, &local)) == NULL)
    {
      reword_cancellation (op, entries, local);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  resp = json_object_new ();
  json_object_set_array_member (resp, "Responses", json_array_new ());
  copy_member (done, resp, "ConsumedCapacity");
  return resp;
}

JsonObject *
ddb_op_execute_transaction (DdbOp *op, GError **error)
{
  g_autoptr(GArray) entries = NULL;
  JsonArray *list = NULL;
  gboolean reads = FALSE;

  if (!statement_list (op->request, "TransactStatements", "transactStatements", MAX_TRANSACTION, &list, error) ||
      (entries = parse_entries (op, list, "transactStatements", error)) == NULL)
    return NULL;
  for (guint i = 0; i < entries->len; i++)
    {
      BatchEntry *e = &g_array_index (entries, BatchEntry, i);
      if (e->error != NULL)
        return transaction_statement_error (i, e->error, error), NULL;
    }
  if (!entries_read (entries, "ExecuteTransaction API does not support both read and write operations in the same request.",
                     &reads, error))
    return NULL;
  return reads ? transaction_reads (op, entries, error) : transaction_writes (op, entries, error);
}
