/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-request.c: typed access to request members, with the errors DynamoDB
 * answers for wrong JSON types (SerializationException) and for members that
 * break a constraint ("N validation errors detected: ..."). */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"

/* Java class names as the service reports them for a JSON scalar. */
static const char *
json_class_name (JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return "java.lang.Boolean";
    case G_TYPE_STRING:
      return "java.lang.String";
    case G_TYPE_DOUBLE:
      return "java.lang.Double";
    default:
      {
        gint64 v = json_node_get_int (node);
        if (v >= G_MININT16 && v <= G_MAXINT16)
          return "java.lang.Short";
        if (v >= G_MININT32 && v <= G_MAXINT32)
          return "java.lang.Integer";
        return "java.lang.Long";
      }
    }
}

static gboolean
type_error (GError **error, JsonNode *node, const char *wanted)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION, "Start of list found where not expected");
  else if (JSON_NODE_HOLDS_OBJECT (node))
    g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION, "Start of structure or map found where not expected.");
  else
    g_set_error (error, DDB_ERROR, DDB_ERROR_SERIALIZATION, "class %s can not be converted to an %s",
                 json_class_name (node), wanted);
  return FALSE;
}

static JsonNode *
member_or_null (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;
  return (node == NULL || JSON_NODE_HOLDS_NULL (node)) ? NULL : node;
}

gboolean
ddb_req_string (JsonObject *obj, const char *member, const char **out, GError **error)
{
  JsonNode *node = member_or_null (obj, member);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return type_error (error, node, "String");
  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
ddb_req_object (JsonObject *obj, const char *member, JsonObject **out, GError **error)
{
  JsonNode *node = member_or_null (obj, member);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      if (JSON_NODE_HOLDS_ARRAY (node))
        return type_error (error, node, "Map");
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION, "Unexpected value type in payload");
      return FALSE;
    }
  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
ddb_req_array (JsonObject *obj, const char *member, JsonArray **out, GError **error)
{
  JsonNode *node = member_or_null (obj, member);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      if (JSON_NODE_HOLDS_OBJECT (node))
        return type_error (error, node, "List");
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION, "Expected list or null");
      return FALSE;
    }
  *out = json_node_get_array (node);
  return TRUE;
}

gboolean
ddb_req_int (JsonObject *obj, const char *member, gint64 *out, gboolean *present, GError **error)
{
  JsonNode *node = member_or_null (obj, member);

  if (present)
    *present = node != NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return type_error (error, node, "Integer");
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *out = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      {
        double d = json_node_get_double (node);
        /* The service truncates fractional numbers for integer members. */
        *out = d >= (double) G_MAXINT64 ? G_MAXINT64 : d <= (double) G_MININT64 ? G_MININT64 : (gint64) d;
        return TRUE;
      }
    default:
      return type_error (error, node, "Integer");
    }
}

gboolean
ddb_req_bool (JsonObject *obj, const char *member, gboolean *out, GError **error)
{
  JsonNode *node = member_or_null (obj, member);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autofree char *up = g_ascii_strup (json_node_get_string (node), -1);
          g_set_error (error, DDB_ERROR, DDB_ERROR_SERIALIZATION, "'%s' can not be converted to an Boolean", up);
          return FALSE;
        }
      return type_error (error, node, "Boolean");
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* ---- Nested member types ---- */

static gboolean check_shape_node (JsonObject *parent, const char *name, const DdbShape *shape, GError **error);

static gboolean
check_shape_element (JsonNode *el, const DdbShape *shape, GError **error)
{
  /* An element is checked as the member "e" of a one-member object. */
  g_autoptr(JsonObject) holder = json_object_new ();

  json_object_set_member (holder, "e", json_node_ref (el));
  return check_shape_node (holder, "e", shape, error);
}

static gboolean
check_shape_node (JsonObject *parent, const char *name, const DdbShape *shape, GError **error)
{
  const char *s;
  gint64 i;
  gboolean b;
  JsonObject *o;
  JsonArray *a;

  switch (shape->kind)
    {
    case DDB_SHAPE_STRING:
      return ddb_req_string (parent, name, &s, error);
    case DDB_SHAPE_INT:
      return ddb_req_int (parent, name, &i, NULL, error);
    case DDB_SHAPE_BOOL:
      return ddb_req_bool (parent, name, &b, error);
    case DDB_SHAPE_STRUCT:
      return ddb_req_object (parent, name, &o, error) &&
             (o == NULL || ddb_req_check_shape (o, shape->members, error));
    case DDB_SHAPE_LIST:
      if (!ddb_req_array (parent, name, &a, error))
        return FALSE;
      for (guint k = 0; a != NULL && k < json_array_get_length (a); k++)
        {
          JsonNode *el = json_array_get_element (a, k);

          if (!JSON_NODE_HOLDS_NULL (el) && !check_shape_element (el, shape->members, error))
            return FALSE;
        }
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

gboolean
ddb_req_check_shape (JsonObject *obj, const DdbShape *members, GError **error)
{
  for (const DdbShape *m = members; m->name != NULL; m++)
    if (!check_shape_node (obj, m->name, m, error))
      return FALSE;
  return TRUE;
}

/* ---- Constraint messages ---- */

void
ddb_validator_init (DdbValidator *v)
{
  /* Allocated on the first problem: the common case costs nothing. */
  v->messages = NULL;
}

void
ddb_validator_add (DdbValidator *v, const char *value, const char *path, const char *constraint)
{
  if (v->messages == NULL)
    v->messages = g_ptr_array_new_with_free_func (g_free);
  /* The service reports at most 10 problems. */
  if (v->messages->len >= 10)
    return;
  if (value == NULL)
    g_ptr_array_add (v->messages, g_strdup_printf ("Value null at '%s' failed to satisfy constraint: %s",
                                                   path, constraint));
  else
    g_ptr_array_add (v->messages, g_strdup_printf ("Value '%s' at '%s' failed to satisfy constraint: %s",
                                                   value, path, constraint));
}

gboolean
ddb_validator_finish (DdbValidator *v, GError **error)
{
  GString *msg;
  guint n = v->messages ? v->messages->len : 0;

  if (n == 0)
    {
      g_clear_pointer (&v->messages, g_ptr_array_unref);
      return TRUE;
    }
  msg = g_string_new (NULL);
  g_string_append_printf (msg, "%u validation error%s detected: ", n, n > 1 ? "s" : "");
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (msg, "; ");
      g_string_append (msg, v->messages->pdata[i]);
    }
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg->str);
  g_string_free (msg, TRUE);
  g_ptr_array_unref (v->messages);
  v->messages = NULL;
  return FALSE;
}

gboolean
ddb_table_name_is_valid (const char *name)
{
  gsize len = 0;

  if (name == NULL)
    return FALSE;
  for (const char *p = name; *p; p++, len++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return len >= 3 && len <= 255;
}

void
ddb_validate_table_name (DdbValidator *v, const char *name, const char *path)
{
  gsize len;

  if (name == NULL)
    {
      ddb_validator_add (v, NULL, path, "Member must not be null");
      return;
    }
  len = strlen (name);
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      {
        ddb_validator_add (v, name, path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        break;
      }
  if (len < 3)
    ddb_validator_add (v, name, path, "Member must have length greater than or equal to 3");
  if (len > 255)
    ddb_validator_add (v, name, path, "Member must have length less than or equal to 255");
}

void
ddb_validate_enum (DdbValidator *v, const char *value, const char *path, const char *const *allowed)
{
  GString *set;

  if (value == NULL || g_strv_contains (allowed, value))
    return;
  set = g_string_new ("Member must satisfy enum value set: [");
  for (guint i = 0; allowed[i]; i++)
    g_string_append_printf (set, "%s%s", i ? ", " : "", allowed[i]);
  g_string_append_c (set, ']');
  ddb_validator_add (v, value, path, set->str);
  g_string_free (set, TRUE);
}

DdbTable *
ddb_engine_get_table (DdbEngine *engine, const char *name, GError **error)
{
  DdbTable *table = g_hash_table_lookup (engine->tables, name);

  /* DynamoDB Local says "Cannot do operations on a non-existent table"; the
   * real service says this. */
  if (table == NULL)
    g_set_error_literal (error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND, "Requested resource not found");
  return table;
}

DdbTable *
ddb_op_table (DdbOp *op, JsonObject *obj, const char *path, GError **error)
{
  const char *name;
  DdbValidator v;

  if (!ddb_req_string (obj, "TableName", &name, error))
    return NULL;
  ddb_validator_init (&v);
  ddb_validate_table_name (&v, name, path);
  if (!ddb_validator_finish (&v, error))
    return NULL;
  return ddb_engine_get_table (op->engine, name, error);
}

DdbExprEnv *
ddb_op_expr_env (JsonObject *req)
{
  JsonObject *names = NULL, *values = NULL;
  JsonNode *n;

  if ((n = json_object_get_member (req, "ExpressionAttributeNames")) && JSON_NODE_HOLDS_OBJECT (n))
    names = json_node_get_object (n);
  if ((n = json_object_get_member (req, "ExpressionAttributeValues")) && JSON_NODE_HOLDS_OBJECT (n))
    values = json_node_get_object (n);
  return ddb_expr_env_new (names, values);
}

/* ---- Which error wins ---- */

/* A table named by a read or single-item request, missing from the engine. */
static gboolean
names_missing_table (DdbEngine *engine, const char *operation, JsonObject *req)
{
  JsonNode *node;

  if (g_str_equal (operation, "BatchGetItem"))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      node = json_object_get_member (req, "RequestItems");
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        return FALSE;
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        if (g_hash_table_lookup (engine->tables, name) == NULL)
          return TRUE;
      return FALSE;
    }
  if (g_str_equal (operation, "TransactGetItems"))
    {
      JsonArray *items;

      node = json_object_get_member (req, "TransactItems");
      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        return FALSE;
      items = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonNode *el = json_array_get_element (items, i), *get, *name;

          if (!JSON_NODE_HOLDS_OBJECT (el) ||
              (get = json_object_get_member (json_node_get_object (el), "Get")) == NULL ||
              !JSON_NODE_HOLDS_OBJECT (get))
            continue;
          name = json_object_get_member (json_node_get_object (get), "TableName");
          if (name != NULL && JSON_NODE_HOLDS_VALUE (name) && json_node_get_value_type (name) == G_TYPE_STRING &&
              g_hash_table_lookup (engine->tables, json_node_get_string (name)) == NULL)
            return TRUE;
        }
      return FALSE;
    }
  if (!g_str_equal (operation, "GetItem") && !g_str_equal (operation, "PutItem") &&
      !g_str_equal (operation, "UpdateItem") && !g_str_equal (operation, "DeleteItem") &&
      !g_str_equal (operation, "Query") && !g_str_equal (operation, "Scan"))
    return FALSE;
  node = json_object_get_member (req, "TableName");
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
         g_hash_table_lookup (engine->tables, json_node_get_string (node)) == NULL;
}

/* DynamoDB Local looks up the table of a read or single-item write before
 * it checks the request's expressions and member combinations: a semantic
 * ValidationException about a missing table becomes
 * ResourceNotFoundException. */
void
ddb_op_prefer_missing_table (DdbOp *op, const char *operation, GError **error)
{
  const char *msg;

  if (error == NULL || *error == NULL || !g_error_matches (*error, DDB_ERROR, DDB_ERROR_VALIDATION))
    return;
  msg = (*error)->message;
  /* The request's constraints ("1 validation error detected: ...") are
   * checked before anything else, as the service does. */
  while (g_ascii_isdigit (*msg))
    msg++;
  if (msg != (*error)->message && g_str_has_prefix (msg, " validation error"))
    return;
  msg = (*error)->message;
  /* DynamoDB Local checks GetItem's mix of legacy and expression members first. */
  if (g_str_equal (operation, "GetItem") && g_str_has_prefix (msg, "Can not use both expression"))
    return;
  if (!names_missing_table (op->engine, operation, op->request))
    return;
  g_clear_error (error);
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_RESOURCE_NOT_FOUND, "Requested resource not found");
}
