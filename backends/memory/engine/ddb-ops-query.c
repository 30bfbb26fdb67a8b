/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-ops-query.c: Query and Scan, over the table or one of its indexes.
 *
 * Query seeks to the first matching sort key in the partition's tree and
 * walks while the key condition holds: O(log n + k). Scan walks partitions
 * in hash order, so a parallel-scan segment is a contiguous hash range and
 * an ExclusiveStartKey is a seek, never a rescan. Limit and the 1 MB page
 * are counted on items read, before the filter, as DynamoDB does. */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"

typedef enum {
  SELECT_DEFAULT, SELECT_ALL_ATTRIBUTES, SELECT_ALL_PROJECTED, SELECT_SPECIFIC, SELECT_COUNT,
} Select;

static const char *const select_values[] = { "SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", NULL };

typedef struct {
  DdbOp *op;
  gboolean is_query;
  DdbTable *table;
  DdbIndex *index;               /* NULL: the table itself */
  DdbStore *store;
  const char *hash_name, *range_name;
  DdbCondition *filter;
  GPtrArray *paths;              /* projection, or NULL */
  Select select;
  gint64 limit;                  /* 0: none */
  gboolean consistent;
  DdbCapacityMode cap_mode;
  /* ExclusiveStartKey, decoded for the store */
  gboolean has_esk;
  DdbKeyValue esk_hash, esk_range, esk_thash, esk_trange;
  DdbEntry esk_probe;
  /* results */
  JsonArray *items;
  guint count, scanned;
  gsize bytes;
  DdbEntry *last;
  gboolean stopped;
} Reader;

static void
reader_clear (Reader *r)
{
  g_clear_pointer (&r->filter, ddb_condition_free);
  g_clear_pointer (&r->paths, g_ptr_array_unref);
  g_clear_pointer (&r->items, json_array_unref);
  ddb_key_value_clear (&r->esk_hash);
  ddb_key_value_clear (&r->esk_range);
  ddb_key_value_clear (&r->esk_thash);
  ddb_key_value_clear (&r->esk_trange);
}

static gboolean
invalid (GError **error, const char *msg)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg);
  return FALSE;
}

/* The attributes a reader sees of an item: the index projection for a GSI
 * that does not project everything (an LSI fetches from the table). */
static gboolean
sees_projection_only (Reader *r)
{
  return r->index != NULL && r->index->global && r->index->projection != DDB_PROJECTION_ALL;
}

/* Visits one entry; FALSE when the page is complete. */
static gboolean
reader_visit (Reader *r, DdbEntry *e)
{
  DdbItem *item = e->item;
  g_autoptr(JsonObject) projected = NULL;
  JsonObject *visible = NULL;

  if (sees_projection_only (r))
    visible = projected = ddb_index_project (r->index, ddb_item_attrs (item));
  else if (r->filter != NULL)
    visible = ddb_item_attrs (item);

  r->scanned++;
  r->bytes += projected ? ddb_item_size (projected) : item->size;
  r->last = e;

  if (r->filter == NULL || ddb_condition_evaluate (r->filter, visible))
    {
      r->count++;
      if (r->select != SELECT_COUNT)
        {
          if (r->paths != NULL)
            {
              g_autoptr(JsonObject) copy = visible ? ddb_item_copy_attrs (visible) : ddb_item_copy_out (item);
              json_array_add_object_element (r->items, ddb_projection_apply (r->paths, copy));
            }
          else if (r->index != NULL && r->select == SELECT_ALL_PROJECTED)
            json_array_add_object_element (r->items, ddb_index_project (r->index, ddb_item_attrs (item)));
          else
            json_array_add_element (r->items, ddb_op_item_node (r->op, item));
        }
    }
  if ((r->limit > 0 && r->scanned >= r->limit) || r->bytes >= DDB_MAX_PAGE_SIZE)
    {
      r->stopped = TRUE;
      return FALSE;
    }
  return TRUE;
}

static JsonObject *
reader_response (Reader *r)
{
  JsonObject *resp = json_object_new ();

  if (r->select != SELECT_COUNT)
    json_object_set_array_member (resp, "Items", g_steal_pointer (&r->items));
  json_object_set_int_member (resp, "Count", r->count);
  json_object_set_int_member (resp, "ScannedCount", r->scanned);
  if (r->stopped && r->last != NULL)
    json_object_set_object_member (resp, "LastEvaluatedKey",
                                   ddb_table_key_of_item (r->table, r->index, r->last->item));
  if (r->cap_mode != DDB_CAPACITY_NONE)
    {
      g_autoptr(DdbCapacity) cap = ddb_capacity_new (r->table->name);
      /* DynamoDB Local charges nothing for a page that read nothing. */
      double units = r->bytes == 0 ? 0 : ddb_capacity_read_units (r->bytes, r->consistent);
      if (r->index != NULL)
        ddb_capacity_add_index (cap, r->index, units);
      else
        cap->table_units = units;
      ddb_capacity_attach (resp, cap, r->cap_mode);
    }
  return resp;
}

/* The members Query and Scan share, up to finding the table and index. */
static gboolean
reader_parse (DdbOp *op, Reader *r, DdbExprEnv *env, GError **error)
{
  JsonObject *req = op->request;
  const char *name = NULL, *index_name = NULL, *select = NULL, *filter = NULL;
  gboolean has_limit;
  DdbValidator v;
  g_autoptr(GError) local = NULL;

  if (!ddb_req_string (req, "TableName", &name, error) ||
      !ddb_req_string (req, "IndexName", &index_name, error) ||
      !ddb_req_string (req, "Select", &select, error) ||
      !ddb_req_string (req, "FilterExpression", &filter, error) ||
      !ddb_req_int (req, "Limit", &r->limit, &has_limit, error) ||
      !ddb_req_bool (req, "ConsistentRead", &r->consistent, error))
    return FALSE;
  ddb_validator_init (&v);
  ddb_validate_table_name (&v, name, "tableName");
  if (index_name != NULL)
    ddb_validate_table_name (&v, index_name, "indexName");
  ddb_validate_enum (&v, select, "select", select_values);
  if (has_limit && r->limit < 1)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, r->limit);
      ddb_validator_add (&v, s, "limit", "Member must have value greater than or equal to 1");
    }
  if (!ddb_validator_finish (&v, error) || !ddb_capacity_mode (req, &r->cap_mode, error))
    return FALSE;

  r->select = select == NULL ? SELECT_DEFAULT :
              g_str_equal (select, "COUNT") ? SELECT_COUNT :
              g_str_equal (select, "ALL_ATTRIBUTES") ? SELECT_ALL_ATTRIBUTES :
              g_str_equal (select, "ALL_PROJECTED_ATTRIBUTES") ? SELECT_ALL_PROJECTED : SELECT_SPECIFIC;

  r->paths = ddb_op_projection (req, env, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (r->paths != NULL && r->select == SELECT_COUNT)
    return invalid (error, json_object_has_member (req, "AttributesToGet")
                    ? "Cannot specify the AttributesToGet when choosing to get only the Count"
                    : "Cannot specify the ProjectionExpression when choosing to get only the Count");
  if (r->paths != NULL && r->select == SELECT_ALL_ATTRIBUTES)
    return invalid (error, json_object_has_member (req, "AttributesToGet")
                    ? "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES"
                    : "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES");
  if (r->paths != NULL && r->select == SELECT_ALL_PROJECTED)
    return invalid (error, "Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES");
  if (r->paths == NULL && r->select == SELECT_SPECIFIC)
    return invalid (error, "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
  if (r->select == SELECT_ALL_PROJECTED && index_name == NULL)
    return invalid (error, r->is_query ? "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
                                       : "ALL_PROJECTED_ATTRIBUTES can be used only when Scanning using an IndexName");
  if (filter != NULL && (r->filter = ddb_condition_parse (filter, DDB_EXPR_FILTER, env, error)) == NULL)
    return FALSE;

  if ((r->table = ddb_engine_get_table (op->engine, name, error)) == NULL)
    return FALSE;
  if (index_name != NULL)
    {
      if ((r->index = ddb_table_find_index (r->table, index_name)) == NULL)
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION, "The table does not have the specified index: %s", index_name);
          return FALSE;
        }
      if (r->index->global && r->consistent)
        return invalid (error, "Consistent reads are not supported on global secondary indexes");
      if (r->index->global && r->select == SELECT_ALL_ATTRIBUTES && r->index->projection != DDB_PROJECTION_ALL)
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL",
                       index_name);
          return FALSE;
        }
      if (r->select == SELECT_DEFAULT)
        r->select = SELECT_ALL_PROJECTED;
      r->store = &r->index->store;
      r->hash_name = r->index->hash.name;
      r->range_name = r->index->range.name;
    }
  else
    {
      r->store = &r->table->store;
      r->hash_name = r->table->hash.name;
      r->range_name = r->table->range.name;
    }
  if (r->select == SELECT_DEFAULT)
    r->select = SELECT_ALL_ATTRIBUTES;
  r->items = json_array_new ();
  return TRUE;
}

/* The value of one key role from a key object (a tuple for several). */
static gboolean
role_value (JsonObject *key, const DdbKeyAttr **attrs, guint n, DdbKeyValue *out)
{
  DdbKeyValue parts[DDB_MAX_KEY_PARTS] = { { 0 } };

  for (guint i = 0; i < n; i++)
    {
      JsonNode *v = json_object_get_member (key, attrs[i]->name);
      if (v == NULL || ddb_value_type (v) != attrs[i]->type || !ddb_key_value_init (&parts[i], v))
        {
          for (guint j = 0; j <= i; j++)
            ddb_key_value_clear (&parts[j]);
          return FALSE;
        }
    }
  if (n == 1)
    *out = parts[0];
  else
    ddb_key_value_init_tuple (out, parts, n);
  return TRUE;
}

/* ExclusiveStartKey of a multi-attribute index: every index and table key
 * attribute, nothing else (DynamoDB Local's message). */
static gboolean
reader_parse_esk_multi (Reader *r, JsonObject *esk, GError **error)
{
  DdbTable *t = r->table;
  const DdbKeyAttr *attrs[2 * DDB_MAX_KEY_PARTS];
  guint nh = ddb_index_hash_attrs (r->index, attrs);
  guint nr = ddb_index_range_attrs (r->index, attrs + nh);
  guint expected = nh + nr;
  DdbKeyAttr *tkeys[2] = { &t->hash, &t->range };

  for (guint i = 0; i < 2; i++)
    if (tkeys[i]->name != NULL && !ddb_index_is_key_attr (r->index, tkeys[i]->name))
      expected++;
  if (json_object_get_size (esk) != expected ||
      !role_value (esk, attrs, nh, &r->esk_hash) ||
      (nr > 0 && !role_value (esk, attrs + nh, nr, &r->esk_range)) ||
      !role_value (esk, (const DdbKeyAttr **) tkeys, 1, &r->esk_thash) ||
      (t->range.name && !role_value (esk, (const DdbKeyAttr **) tkeys + 1, 1, &r->esk_trange)))
    return invalid (error, "The provided starting key is invalid");
  if (nr > 0)
    r->esk_probe.keys[r->esk_probe.nkeys++] = &r->esk_range;
  r->esk_probe.keys[r->esk_probe.nkeys++] = &r->esk_thash;
  if (t->range.name)
    r->esk_probe.keys[r->esk_probe.nkeys++] = &r->esk_trange;
  r->esk_probe.hash = &r->esk_hash;
  r->has_esk = TRUE;
  return TRUE;
}

/* Decodes ExclusiveStartKey into a probe positioned at that entry. */
static gboolean
reader_parse_esk (DdbOp *op, Reader *r, GError **error)
{
  JsonObject *esk = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  DdbTable *t = r->table;
  guint expected;

  if (!ddb_req_object (op->request, "ExclusiveStartKey", &esk, error))
    return FALSE;
  if (esk == NULL)
    return TRUE;
  json_object_iter_init (&iter, esk);
  while (json_object_iter_next (&iter, &name, &value))
    if (!ddb_value_validate (value, error))
      {
        g_prefix_error (error, "The provided starting key is invalid: ");
        return FALSE;
      }

  if (r->index != NULL && ddb_index_is_multi (r->index))
    return reader_parse_esk_multi (r, esk, error);
  expected = t->range.name ? 2 : 1;
  if (r->index != NULL)
    {
      if (!g_str_equal (r->index->hash.name, t->hash.name) && !(t->range.name && g_str_equal (r->index->hash.name, t->range.name)))
        expected++;
      if (r->index->range.name && !g_str_equal (r->index->range.name, t->hash.name) &&
          !(t->range.name && g_str_equal (r->index->range.name, t->range.name)))
        expected++;
    }
  if (json_object_get_size (esk) != expected)
    return invalid (error, r->index ? "The provided starting key is invalid: The provided key element does not match the schema"
                                    : "Exclusive Start Key must have same size as table's key schema");

#define KV(kv, attr) \
  (json_object_get_member (esk, (attr)->name) != NULL && \
   ddb_value_type (json_object_get_member (esk, (attr)->name)) == (attr)->type && \
   ddb_key_value_init ((kv), json_object_get_member (esk, (attr)->name)))
  if (!KV (&r->esk_thash, &t->hash) || (t->range.name && !KV (&r->esk_trange, &t->range)))
    return invalid (error, "The provided starting key is invalid: The provided key element does not match the schema");
  if (r->index != NULL)
    {
      if (!KV (&r->esk_hash, &r->index->hash) || (r->index->range.name && !KV (&r->esk_range, &r->index->range)))
        return invalid (error, "The provided starting key is invalid: The provided key element does not match the schema");
      if (r->index->range.name)
        r->esk_probe.keys[r->esk_probe.nkeys++] = &r->esk_range;
      r->esk_probe.keys[r->esk_probe.nkeys++] = &r->esk_thash;
      if (t->range.name)
        r->esk_probe.keys[r->esk_probe.nkeys++] = &r->esk_trange;
    }
  else
    {
      ddb_key_value_copy (&r->esk_hash, &r->esk_thash);
      if (t->range.name)
        {
          ddb_key_value_copy (&r->esk_range, &r->esk_trange);
          r->esk_probe.keys[r->esk_probe.nkeys++] = &r->esk_range;
        }
    }
#undef KV
  r->esk_probe.hash = &r->esk_hash;
  r->has_esk = TRUE;
  return TRUE;
}

/* ---- Query ---- */

/* The smallest byte string greater than every string with this prefix;
 * FALSE when there is none (all 0xFF). */
static gboolean
prefix_successor (const DdbKeyValue *prefix, DdbKeyValue *out)
{
  int i;

  for (i = (int) prefix->len - 1; i >= 0; i--)
    if ((guchar) prefix->data[i] != 0xFF)
      break;
  if (i < 0)
    return FALSE;
  *out = *prefix;
  out->data = g_malloc (i + 2);
  memcpy (out->data, prefix->data, i + 1);
  out->data[i] = (char) ((guchar) out->data[i] + 1);
  out->data[i + 1] = '\0';
  out->len = i + 1;
  return TRUE;
}

static GSequenceIter *
seek (DdbPartition *part, const DdbKeyValue *kv, int bias)
{
  DdbEntry probe = { 0 };

  probe.keys[0] = kv;
  probe.nkeys = 1;
  probe.bias = bias;
  return ddb_partition_seek (part, &probe);
}

static const char *
operand_type_error (void)
{
  return "One or more parameter values were invalid: Condition parameter type does not match schema type";
}

/* The key condition of a Query and its operands, decoded for the store. */
typedef struct {
  DdbKeyCondition kc;
  gboolean have_kc;
  DdbMultiKeyCondition mkc;     /* multi-attribute index keys */
  gboolean multi;
  DdbKeyValue prefix;           /* multi: the equal RANGE values (a tuple), when any */
  gboolean forward;             /* ScanIndexForward */
  DdbKeyValue hash, rv0, rv1;
  DdbKeyValue succ;             /* begins_with: the end of the prefix range */
} QueryKeys;

static void
query_keys_clear (QueryKeys *q)
{
  if (q->have_kc)
    ddb_key_condition_clear (&q->kc);
  if (q->multi)
    ddb_multi_key_condition_clear (&q->mkc);
  ddb_key_value_clear (&q->prefix);
  ddb_key_value_clear (&q->hash);
  ddb_key_value_clear (&q->rv0);
  ddb_key_value_clear (&q->rv1);
  ddb_key_value_clear (&q->succ);
}

/* The members of a Query: what Scan shares, then the key condition. */
static gboolean
query_parse (DdbOp *op, Reader *r, DdbOpEnv *env, QueryKeys *q, GError **error)
{
  JsonObject *req = op->request;
  const char *kce = NULL;

  if (!ddb_req_string (req, "KeyConditionExpression", &kce, error) ||
      !ddb_req_bool (req, "ScanIndexForward", &q->forward, error))
    return FALSE;
  if (!reader_parse (op, r, env, error))
    return FALSE;
  if (kce == NULL)
    {
      return invalid (error, "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
    }
  if (r->index != NULL && ddb_index_is_multi (r->index))
    {
      const DdbKeyAttr *h[DDB_MAX_KEY_PARTS], *rg[DDB_MAX_KEY_PARTS];
      const char *hn[DDB_MAX_KEY_PARTS], *rn[DDB_MAX_KEY_PARTS];
      guint nh = ddb_index_hash_attrs (r->index, h), nr = ddb_index_range_attrs (r->index, rg);
      for (guint i = 0; i < nh; i++)
        hn[i] = h[i]->name;
      for (guint i = 0; i < nr; i++)
        rn[i] = rg[i]->name;
      q->multi = TRUE;
      if (!ddb_multi_key_condition_parse (kce, env, hn, nh, rn, nr, &q->mkc, error))
        return FALSE;
    }
  else if (!ddb_key_condition_parse (kce, env, r->hash_name, r->range_name, &q->kc, error))
    return FALSE;
  else
    q->have_kc = TRUE;
  return ddb_op_check_unused (op->request, env, error);
}

/* A filter may not name the key attributes of what is queried. */
static gboolean
query_check_filter (Reader *r, GError **error)
{
  GPtrArray *names = r->filter ? ddb_condition_get_attribute_names (r->filter) : NULL;

  for (guint i = 0; names && i < names->len; i++)
    {
      const char *n = names->pdata[i];
      if (g_str_equal (n, r->hash_name) || (r->range_name && g_str_equal (n, r->range_name)) ||
          (r->index != NULL && ddb_index_is_key_attr (r->index, n)))
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", n);
          return FALSE;
        }
    }
  return TRUE;
}

/* The values as a key of these attributes (a tuple of prefix + value when
 * prefix is set); FALSE on a type mismatch. */
static gboolean
multi_key_value (const DdbKeyAttr **attrs, JsonNode **values, guint n, JsonNode *last, gboolean tuple, DdbKeyValue *out)
{
  DdbKeyValue parts[DDB_MAX_KEY_PARTS] = { { 0 } };
  guint total = n + (last != NULL);

  for (guint i = 0; i < total; i++)
    if (!ddb_key_value_init (&parts[i], i < n ? values[i] : last) || parts[i].type != attrs[i]->type)
      {
        for (guint j = 0; j <= i; j++)
          ddb_key_value_clear (&parts[j]);
        return FALSE;
      }
  if (!tuple && total == 1)
    *out = parts[0];
  else
    ddb_key_value_init_tuple (out, parts, total);
  return TRUE;
}

/* Multi-attribute keys: the partition tuple, the equal prefix and the
 * bounds of the last condition, as tuples when the index has several RANGE
 * attributes. */
static gboolean
query_decode_multi_keys (Reader *r, QueryKeys *q, GError **error)
{
  DdbMultiKeyCondition *m = &q->mkc;
  const DdbKeyAttr *h[DDB_MAX_KEY_PARTS], *rg[DDB_MAX_KEY_PARTS];
  guint nh = ddb_index_hash_attrs (r->index, h), nr = ddb_index_range_attrs (r->index, rg);
  gboolean tuple = nr > 1;
  DdbKeyOp op = m->last.range_op;
  DdbType last_type = op != DDB_KEY_OP_NONE ? rg[m->n_range_eq]->type : DDB_TYPE_INVALID;

  if (!multi_key_value (h, m->hash_values, nh, NULL, nh > 1, &q->hash) ||
      (m->n_range_eq > 0 && !multi_key_value (rg, m->range_eq, m->n_range_eq, NULL, TRUE, &q->prefix)))
    return invalid (error, operand_type_error ());
  if (op == DDB_KEY_OP_NONE)
    return TRUE;
  if (!multi_key_value (rg, m->range_eq, m->n_range_eq, m->last.range_values[0], tuple, &q->rv0) ||
      (op == DDB_KEY_OP_BETWEEN &&
       !multi_key_value (rg, m->range_eq, m->n_range_eq, m->last.range_values[1], tuple, &q->rv1)))
    return invalid (error, operand_type_error ());
  if (op == DDB_KEY_OP_BEGINS_WITH && last_type == DDB_TYPE_N)
    return invalid (error, "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N");
  if (op == DDB_KEY_OP_BETWEEN && ddb_key_value_compare (&q->rv0, &q->rv1) > 0)
    return invalid (error, "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound");
  if (op == DDB_KEY_OP_BEGINS_WITH)
    {
      /* The end of the prefix range: prefix + the successor of the value. */
      DdbKeyValue v, succ;
      ddb_key_value_init (&v, m->last.range_values[0]);
      if (prefix_successor (&v, &succ))
        {
          DdbKeyValue parts[DDB_MAX_KEY_PARTS] = { { 0 } };
          for (guint i = 0; i < m->n_range_eq; i++)
            ddb_key_value_init (&parts[i], m->range_eq[i]);
          parts[m->n_range_eq] = succ;
          if (tuple)
            ddb_key_value_init_tuple (&q->succ, parts, m->n_range_eq + 1);
          else
            q->succ = succ;
        }
      ddb_key_value_clear (&v);
    }
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* A Query on an index that does not project everything may only filter on
 * what the index holds (DynamoDB Local's check; a Scan is not checked). */
static gboolean
query_check_projected_filter (Reader *r, GError **error)
{
  GPtrArray *names;
  g_autoptr(GPtrArray) missing = NULL;
  g_autoptr(GString) list = NULL;

  if (r->index == NULL || r->index->projection == DDB_PROJECTION_ALL || r->filter == NULL)
    return TRUE;
  names = ddb_condition_get_attribute_names (r->filter);
  missing = g_ptr_array_new ();
  for (guint i = 0; i < names->len; i++)
    if (!ddb_index_projects_attr (r->index, names->pdata[i]) &&
        !g_ptr_array_find_with_equal_func (missing, names->pdata[i], g_str_equal, NULL))
      g_ptr_array_add (missing, names->pdata[i]);
  if (missing->len == 0)
    return TRUE;
  g_ptr_array_sort (missing, compare_names);
  list = g_string_new (NULL);
  for (guint i = 0; i < missing->len; i++)
    g_string_append_printf (list, "%s%s", i ? ", " : "", (const char *) missing->pdata[i]);
  g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
               "One or more parameter values were invalid: Secondary index %s does not project one or more filter attributes: [%s]",
               r->index->name, list->str);
  return FALSE;
}

/* The key condition's operands, checked against the key types. */
static gboolean
query_decode_keys (Reader *r, QueryKeys *q, GError **error)
{
  DdbKeyCondition *kc = &q->kc;
  DdbType range_type = r->index ? r->index->range.type : r->table->range.type;

  if (q->multi)
    return query_decode_multi_keys (r, q, error);
  if (!ddb_key_value_init (&q->hash, kc->hash_value) ||
      q->hash.type != (r->index ? r->index->hash.type : r->table->hash.type))
    return invalid (error, operand_type_error ());
  if (kc->range_op == DDB_KEY_OP_NONE)
    return TRUE;
  if (!ddb_key_value_init (&q->rv0, kc->range_values[0]) || q->rv0.type != range_type ||
      (kc->range_op == DDB_KEY_OP_BETWEEN &&
       (!ddb_key_value_init (&q->rv1, kc->range_values[1]) || q->rv1.type != range_type)))
    return invalid (error, operand_type_error ());
  if (kc->range_op == DDB_KEY_OP_BEGINS_WITH && range_type == DDB_TYPE_N)
    return invalid (error, "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N");
  if (kc->range_op == DDB_KEY_OP_BETWEEN && ddb_key_value_compare (&q->rv0, &q->rv1) > 0)
    return invalid (error, "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound");
  return TRUE;
}

/* The RANGE values of a multi-attribute ExclusiveStartKey against the
 * equal prefix and the last condition. */
static gboolean
query_check_multi_start_key (DdbOp *op, Reader *r, QueryKeys *q, GError **error)
{
  JsonObject *esk = json_object_get_object_member (op->request, "ExclusiveStartKey");
  const DdbKeyAttr *rg[DDB_MAX_KEY_PARTS];
  DdbMultiKeyCondition *m = &q->mkc;

  ddb_index_range_attrs (r->index, rg);
  for (guint i = 0; i < m->n_range_eq; i++)
    if (ddb_value_compare (json_object_get_member (esk, rg[i]->name), m->range_eq[i]) != 0)
      return invalid (error, "The provided starting key does not match the range key predicate");
  if (m->last.range_op != DDB_KEY_OP_NONE &&
      !ddb_key_condition_match_range (&m->last, json_object_get_member (esk, rg[m->n_range_eq]->name)))
    return invalid (error, "The provided starting key does not match the range key predicate");
  return TRUE;
}

/* ExclusiveStartKey, which must lie inside the key condition. */
static gboolean
query_check_start_key (DdbOp *op, Reader *r, QueryKeys *q, GError **error)
{
  JsonObject *esk;

  if (!reader_parse_esk (op, r, error))
    return FALSE;
  if (r->has_esk && !ddb_key_value_equal (&r->esk_hash, &q->hash))
    return invalid (error, "The provided starting key is outside query boundaries based on provided conditions");
  if (q->multi)
    return !r->has_esk || query_check_multi_start_key (op, r, q, error);
  if (!r->has_esk || r->range_name == NULL || q->kc.range_op == DDB_KEY_OP_NONE)
    return TRUE;
  esk = json_object_get_object_member (op->request, "ExclusiveStartKey");
  if (!ddb_key_condition_match_range (&q->kc, json_object_get_member (esk, r->range_name)))
    return invalid (error, "The provided starting key does not match the range key predicate");
  return TRUE;
}

/* Narrows [*it, *end) of the partition to the entries whose sort key
 * meets op on rv0 (and rv1 for BETWEEN); succ, when set, ends a
 * begins_with range. */
static void
narrow_range (DdbPartition *part, DdbKeyOp op, const DdbKeyValue *rv0, const DdbKeyValue *rv1,
              const DdbKeyValue *succ, GSequenceIter **it, GSequenceIter **end)
{
  switch (op)
    {
    case DDB_KEY_OP_EQ:
      *it = seek (part, rv0, -1);
      *end = seek (part, rv0, +1);
      break;
    case DDB_KEY_OP_LT:
      *end = seek (part, rv0, -1);
      break;
    case DDB_KEY_OP_LE:
      *end = seek (part, rv0, +1);
      break;
    case DDB_KEY_OP_GT:
      *it = seek (part, rv0, +1);
      break;
    case DDB_KEY_OP_GE:
      *it = seek (part, rv0, -1);
      break;
    case DDB_KEY_OP_BETWEEN:
      *it = seek (part, rv0, -1);
      *end = seek (part, rv1, +1);
      break;
    case DDB_KEY_OP_BEGINS_WITH:
      *it = seek (part, rv0, -1);
      if (succ->type != DDB_TYPE_INVALID)
        *end = seek (part, succ, -1);
      break;
    case DDB_KEY_OP_NONE:
    default:
      break;
    }
}

/* [*it, *end) of the partition: the entries whose sort key meets the
 * condition, in the partition's order. */
static void
query_plan_range (DdbPartition *part, QueryKeys *q, GSequenceIter **it, GSequenceIter **end)
{
  *it = g_sequence_get_begin_iter (part->entries);
  *end = g_sequence_get_end_iter (part->entries);
  if (q->kc.range_op == DDB_KEY_OP_BEGINS_WITH && q->succ.type == DDB_TYPE_INVALID)
    prefix_successor (&q->rv0, &q->succ);
  narrow_range (part, q->kc.range_op, &q->rv0, &q->rv1, &q->succ, it, end);
}

/* The same for a multi-attribute key: the equal prefix bounds the walk,
 * the last condition narrows it (q->rv0, rv1, succ carry the prefix). */
static void
query_plan_multi_range (DdbPartition *part, QueryKeys *q, GSequenceIter **it, GSequenceIter **end)
{
  if (q->prefix.type != DDB_TYPE_INVALID)
    {
      *it = seek (part, &q->prefix, -1);
      *end = seek (part, &q->prefix, +1);
    }
  else
    {
      *it = g_sequence_get_begin_iter (part->entries);
      *end = g_sequence_get_end_iter (part->entries);
    }
  narrow_range (part, q->mkc.last.range_op, &q->rv0, &q->rv1, &q->succ, it, end);
}

/* Reads the partition's entries in [it, end), forward or backward, from
 * the ExclusiveStartKey on, until the page is complete. */
static void
query_walk (Reader *r, DdbPartition *part, gboolean forward, GSequenceIter *it, GSequenceIter *end)
{
  GSequenceIter *p;

  if (r->has_esk)
    {
      r->esk_probe.bias = forward ? +1 : -1;
      GSequenceIter *at = ddb_partition_seek (part, &r->esk_probe);
      if (forward && g_sequence_iter_compare (at, it) > 0)
        it = at;
      if (!forward && g_sequence_iter_compare (at, end) < 0)
        end = at;
    }
  if (g_sequence_iter_compare (it, end) >= 0)
    return;
  if (forward)
    {
      for (; it != end; it = g_sequence_iter_next (it))
        if (!reader_visit (r, g_sequence_get (it)))
          break;
      return;
    }
  p = end;
  do
    {
      p = g_sequence_iter_prev (p);
      if (!reader_visit (r, g_sequence_get (p)))
        break;
    }
  while (p != it);
}

/* Whether a page of a table Query that stopped on its Limit ends where no
 * further item can match: a table without a sort key holds one item per
 * partition, and a sort key is unique, so reaching an inclusive bound
 * (<=, BETWEEN, or >= read backwards) ends the range. DynamoDB Local
 * returns no LastEvaluatedKey then; index keys are not unique, so an index
 * Query keeps it. */
static gboolean
query_ends_on_bound (Reader *r, QueryKeys *q)
{
  const DdbKeyValue *bound = NULL;

  if (r->index != NULL || r->last == NULL)
    return FALSE;
  if (r->range_name == NULL)
    return TRUE;
  switch (q->kc.range_op)
    {
    case DDB_KEY_OP_LE:
      bound = q->forward ? &q->rv0 : NULL;
      break;
    case DDB_KEY_OP_GE:
      bound = q->forward ? NULL : &q->rv0;
      break;
    case DDB_KEY_OP_BETWEEN:
      bound = q->forward ? &q->rv1 : &q->rv0;
      break;
    default:
      break;
    }
  return bound != NULL && r->last->nkeys > 0 && ddb_key_value_equal (r->last->keys[0], bound);
}

/* Query: validate the request and its key condition, then walk the one
 * partition the condition names. */
JsonObject *
ddb_op_query (DdbOp *op, GError **error)
{
  g_autoptr(DdbOpEnv) env = ddb_op_expr_env (op->request);
  Reader r = { .op = op };
  QueryKeys q = { .forward = TRUE };
  DdbPartition *part;
  JsonObject *resp = NULL;

  r.is_query = TRUE;
  if (query_parse (op, &r, env, &q, error) &&
      query_check_filter (&r, error) &&
      query_decode_keys (&r, &q, error) &&
      query_check_projected_filter (&r, error) &&
      query_check_start_key (op, &r, &q, error))
    {
      part = ddb_store_lookup_partition (r.store, &q.hash);
      if (part != NULL)
        {
          GSequenceIter *it, *end;

          if (q.multi)
            query_plan_multi_range (part, &q, &it, &end);
          else
            query_plan_range (part, &q, &it, &end);
          query_walk (&r, part, q.forward, it, end);
          if (r.stopped && query_ends_on_bound (&r, &q))
            r.stopped = FALSE;
        }
      resp = reader_response (&r);
    }
  query_keys_clear (&q);
  reader_clear (&r);
  return resp;
}

/* ---- Scan ---- */

JsonObject *
ddb_op_scan (DdbOp *op, GError **error)
{
  JsonObject *req = op->request;
  g_autoptr(DdbOpEnv) env = ddb_op_expr_env (req);
  Reader r = { .op = op };
  gint64 segment = 0, total = 1;
  gboolean has_segment, has_total;
  guint64 lo, hi;
  GSequenceIter *pit;
  JsonObject *resp = NULL;
  DdbValidator v;

  if (!ddb_req_int (req, "Segment", &segment, &has_segment, error) ||
      !ddb_req_int (req, "TotalSegments", &total, &has_total, error))
    goto out;
  ddb_validator_init (&v);
  if (has_segment && segment < 0)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, segment);
      ddb_validator_add (&v, s, "segment", "Member must have value greater than or equal to 0");
    }
  if (has_segment && segment > 999999)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, segment);
      ddb_validator_add (&v, s, "segment", "Member must have value less than or equal to 999999");
    }
  if (has_total && total < 1)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, total);
      ddb_validator_add (&v, s, "totalSegments", "Member must have value greater than or equal to 1");
    }
  if (has_total && total > 1000000)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, total);
      ddb_validator_add (&v, s, "totalSegments", "Member must have value less than or equal to 1000000");
    }
  if (!ddb_validator_finish (&v, error))
    goto out;
  if (has_segment && !has_total)
    {
      invalid (error, "The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
      goto out;
    }
  if (has_total && !has_segment)
    {
      invalid (error, "The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
      goto out;
    }
  if (segment >= total)
    {
      /* DynamoDB Local words this as a "less than or equal to" constraint. */
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %" G_GINT64_FORMAT " is not less than TotalSegments: %" G_GINT64_FORMAT,
                   segment, total);
      goto out;
    }
  if (!reader_parse (op, &r, env, error) || !ddb_op_check_unused (op->request, env, error) ||
      !reader_parse_esk (op, &r, error))
    goto out;

  ddb_store_settle (r.store);

  /* Segment s covers partition hashes [lo, hi). */
  lo = ((guint64) segment << 32) / (guint64) total;
  hi = ((guint64) (segment + 1) << 32) / (guint64) total;

  if (r.has_esk)
    {
      guint32 kh = ddb_key_value_hash (&r.esk_hash);
      DdbPartition *part = ddb_store_lookup_partition (r.store, &r.esk_hash);
      if (kh < lo || kh >= hi)
        {
          invalid (error, "The provided Exclusive start key does not map to the provided segment");
          goto out;
        }
      if (part != NULL)
        {
          GSequenceIter *it;
          r.esk_probe.bias = +1;
          for (it = ddb_partition_seek (part, &r.esk_probe); !g_sequence_iter_is_end (it); it = g_sequence_iter_next (it))
            if (!reader_visit (&r, g_sequence_get (it)))
              break;
          pit = g_sequence_iter_next (part->order_iter);
        }
      else
        pit = ddb_store_seek_partition (r.store, kh, &r.esk_hash, +1);
    }
  else
    pit = ddb_store_seek_partition (r.store, (guint32) lo, NULL, -1);

  for (; !r.stopped && !g_sequence_iter_is_end (pit); pit = g_sequence_iter_next (pit))
    {
      DdbPartition *part = g_sequence_get (pit);
      GSequenceIter *it;
      if (part->khash >= hi)
        break;
      for (it = g_sequence_get_begin_iter (part->entries); !g_sequence_iter_is_end (it); it = g_sequence_iter_next (it))
        if (!reader_visit (&r, g_sequence_get (it)))
          break;
    }
  resp = reader_response (&r);

out:
  reader_clear (&r);
  return resp;
}
