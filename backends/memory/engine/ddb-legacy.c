/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-legacy.c: the legacy (pre-expression) request members, Expected,
 * AttributeUpdates, KeyConditions, QueryFilter, ScanFilter and
 * ConditionalOperator, translated into the expression members before the
 * operation runs: ConditionExpression, UpdateExpression,
 * KeyConditionExpression and FilterExpression with generated placeholders
 * (#lgN, :lgN). A request that mixes both kinds is refused with the
 * service's message. AttributesToGet is read by the operations themselves. */
#include "config.h"

#include <string.h>
#include "ddb-engine-private.h"

static const char *const legacy_members[] = {
  "AttributesToGet", "QueryFilter", "ScanFilter", "KeyConditions", "Expected", "AttributeUpdates", "ConditionalOperator",
};
static const char *const expression_members[] = {
  "ProjectionExpression", "FilterExpression", "KeyConditionExpression", "ConditionExpression", "UpdateExpression",
};

typedef struct {
  JsonObject *names;            /* ExpressionAttributeNames being built */
  JsonObject *values;           /* ExpressionAttributeValues being built */
  guint next;
} Builder;

static gboolean
present (JsonObject *req, const char *member)
{
  JsonNode *n = json_object_get_member (req, member);
  return n != NULL && !JSON_NODE_HOLDS_NULL (n);
}

static gboolean
invalid (GError **error, const char *msg)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg);
  return FALSE;
}

/* "{A, B}" of the members of list present in req. */
static char *
present_list (JsonObject *req, const char *const *list, guint n)
{
  GString *s = g_string_new ("{");
  gboolean first = TRUE;

  for (guint i = 0; i < n; i++)
    if (present (req, list[i]))
      {
        g_string_append_printf (s, "%s%s", first ? "" : ", ", list[i]);
        first = FALSE;
      }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static char *
add_name (Builder *b, const char *name)
{
  char *ph = g_strdup_printf ("#lg%u", b->next++);
  json_object_set_string_member (b->names, ph, name);
  return ph;
}

static char *
add_value (Builder *b, JsonNode *value)
{
  char *ph = g_strdup_printf (":lg%u", b->next++);
  json_object_set_member (b->values, ph, json_node_copy (value));
  return ph;
}

/* The number of values each ComparisonOperator takes (-1: one or more). */
static int
operator_arity (const char *op)
{
  static const struct { const char *name; int arity; } ops[] = {
    { "EQ", 1 }, { "NE", 1 }, { "LE", 1 }, { "LT", 1 }, { "GE", 1 }, { "GT", 1 },
    { "NOT_NULL", 0 }, { "NULL", 0 }, { "CONTAINS", 1 }, { "NOT_CONTAINS", 1 },
    { "BEGINS_WITH", 1 }, { "IN", -1 }, { "BETWEEN", 2 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (g_str_equal (ops[i].name, op))
      return ops[i].arity;
  return -2;
}

/* One Condition ({ComparisonOperator, AttributeValueList}) on name, as an
 * expression term appended to out. */
static gboolean
arity_is_unindexable (const char *op)
{
  return !g_str_equal (op, "EQ") && !g_str_equal (op, "LE") && !g_str_equal (op, "LT") && !g_str_equal (op, "GE") &&
         !g_str_equal (op, "GT") && !g_str_equal (op, "BEGINS_WITH") && !g_str_equal (op, "BETWEEN");
}

static gboolean
append_condition (Builder *b, GString *out, const char *name, JsonObject *cond, gboolean key, GError **error)
{
  const char *op = NULL;
  JsonArray *list = NULL;
  int arity;
  guint n;
  g_autofree char *a = NULL;
  g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func (g_free);

  if (!ddb_req_string (cond, "ComparisonOperator", &op, error) ||
      !ddb_req_array (cond, "AttributeValueList", &list, error))
    return FALSE;
  if (op == NULL)
    return invalid (error, "One or more parameter values were invalid: Value or ComparisonOperator must be used");
  if (key && arity_is_unindexable (op))
    return invalid (error, "Attempted conditional constraint is not an indexable operation");
  if ((arity = operator_arity (op)) == -2)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "1 validation error detected: Value '%s' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
                   op);
      return FALSE;
    }
  n = list ? json_array_get_length (list) : 0;
  if (n == 0 && arity != 0)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: %s for Attribute: %s",
                   op, name);
      return FALSE;
    }
  if ((arity >= 0 && n != (guint) arity) || (arity == -1 && n == 0))
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "One or more parameter values were invalid: Invalid number of argument(s) for the %s ComparisonOperator", op);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *el = json_array_get_element (list, i);
      if (!ddb_value_validate (el, error))
        return FALSE;
      g_ptr_array_add (v, add_value (b, el));
    }
  a = add_name (b, name);
  if (g_str_equal (op, "EQ") || g_str_equal (op, "NE") || g_str_equal (op, "LE") || g_str_equal (op, "LT") ||
      g_str_equal (op, "GE") || g_str_equal (op, "GT"))
    {
      const char *sym = g_str_equal (op, "EQ") ? "=" : g_str_equal (op, "NE") ? "<>" : g_str_equal (op, "LE") ? "<=" :
                        g_str_equal (op, "LT") ? "<" : g_str_equal (op, "GE") ? ">=" : ">";
      g_string_append_printf (out, "%s %s %s", a, sym, (char *) v->pdata[0]);
    }
  else if (g_str_equal (op, "NOT_NULL"))
    g_string_append_printf (out, "attribute_exists(%s)", a);
  else if (g_str_equal (op, "NULL"))
    g_string_append_printf (out, "attribute_not_exists(%s)", a);
  else if (g_str_equal (op, "CONTAINS"))
    g_string_append_printf (out, "contains(%s, %s)", a, (char *) v->pdata[0]);
  else if (g_str_equal (op, "NOT_CONTAINS"))
    /* A missing attribute fails NOT_CONTAINS (DynamoDB Local). */
    g_string_append_printf (out, "attribute_exists(%s) AND NOT contains(%s, %s)", a, a, (char *) v->pdata[0]);
  else if (g_str_equal (op, "BEGINS_WITH"))
    g_string_append_printf (out, "begins_with(%s, %s)", a, (char *) v->pdata[0]);
  else if (g_str_equal (op, "BETWEEN"))
    g_string_append_printf (out, "%s BETWEEN %s AND %s", a, (char *) v->pdata[0], (char *) v->pdata[1]);
  else
    {
      g_string_append_printf (out, "%s IN (", a);
      for (guint i = 0; i < v->len; i++)
        g_string_append_printf (out, "%s%s", i ? ", " : "", (char *) v->pdata[i]);
      g_string_append_c (out, ')');
    }
  return TRUE;
}

/* One Expected entry: {Value, Exists} or a Condition. */
static gboolean
append_expected (Builder *b, GString *out, const char *name, JsonObject *e, GError **error)
{
  JsonNode *value = json_object_get_member (e, "Value");
  gboolean exists = TRUE;
  g_autofree char *a = NULL, *v = NULL;

  if (json_object_has_member (e, "ComparisonOperator"))
    {
      if (value != NULL && json_object_has_member (e, "AttributeValueList"))
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: %s", name);
          return FALSE;
        }
      if (json_object_has_member (e, "Exists"))
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: %s", name);
          return FALSE;
        }
      if (value != NULL)
        {
          /* {ComparisonOperator, Value}: the value is the one operand. */
          g_autoptr(JsonObject) cond = json_object_new ();
          JsonArray *list = json_array_new ();
          json_array_add_element (list, json_node_copy (value));
          json_object_set_member (cond, "ComparisonOperator", json_node_copy (json_object_get_member (e, "ComparisonOperator")));
          json_object_set_array_member (cond, "AttributeValueList", list);
          return append_condition (b, out, name, cond, FALSE, error);
        }
      return append_condition (b, out, name, e, FALSE, error);
    }
  if (!ddb_req_bool (e, "Exists", &exists, error))
    return FALSE;
  if (!exists)
    {
      if (value != NULL)
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: %s", name);
          return FALSE;
        }
      a = add_name (b, name);
      g_string_append_printf (out, "attribute_not_exists(%s)", a);
      return TRUE;
    }
  if (value == NULL)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: %s", name);
      return FALSE;
    }
  if (!ddb_value_validate (value, error))
    return FALSE;
  a = add_name (b, name);
  v = add_value (b, value);
  g_string_append_printf (out, "%s = %s", a, v);
  return TRUE;
}

/* A map of conditions (Expected, KeyConditions, QueryFilter, ScanFilter)
 * joined by AND or OR into one expression. */
static gboolean
translate_conditions (Builder *b, JsonObject *map, const char *joiner, gboolean expected, gboolean key,
                      char **out, GError **error)
{
  g_autoptr(GString) s = g_string_new (NULL);
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, map);
  while (json_object_iter_next (&iter, &name, &member))
    {
      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION, "Unexpected value type in payload");
          return FALSE;
        }
      if (s->len > 0)
        g_string_append_printf (s, " %s ", joiner);
      g_string_append_c (s, '(');
      if (!(expected ? append_expected (b, s, name, json_node_get_object (member), error)
                     : append_condition (b, s, name, json_node_get_object (member), key, error)))
        return FALSE;
      g_string_append_c (s, ')');
    }
  *out = s->len > 0 ? g_strdup (s->str) : NULL;
  return TRUE;
}

/* AttributeUpdates: PUT (the default) / ADD / DELETE actions. */
static gboolean
translate_updates (Builder *b, JsonObject *map, char **out, GError **error)
{
  g_autoptr(GString) set = g_string_new (NULL), rem = g_string_new (NULL), add = g_string_new (NULL),
                     del = g_string_new (NULL);
  g_autoptr(GString) s = g_string_new (NULL);
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, map);
  while (json_object_iter_next (&iter, &name, &member))
    {
      JsonObject *u;
      const char *action = NULL;
      JsonNode *value;
      g_autofree char *a = NULL, *v = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_set_error_literal (error, DDB_ERROR, DDB_ERROR_SERIALIZATION, "Unexpected value type in payload");
          return FALSE;
        }
      u = json_node_get_object (member);
      if (!ddb_req_string (u, "Action", &action, error))
        return FALSE;
      value = json_object_get_member (u, "Value");
      if (value != NULL && JSON_NODE_HOLDS_NULL (value))
        value = NULL;
      if (action == NULL)
        action = "PUT";
      if (!g_str_equal (action, "PUT") && !g_str_equal (action, "ADD") && !g_str_equal (action, "DELETE"))
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "1 validation error detected: Value '%s' at 'attributeUpdates.%s.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]",
                       action, name);
          return FALSE;
        }
      if (value != NULL && !ddb_value_validate (value, error))
        return FALSE;
      if (value == NULL && !g_str_equal (action, "DELETE"))
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified");
          return FALSE;
        }
      a = add_name (b, name);
      if (value != NULL)
        v = add_value (b, value);
      if (g_str_equal (action, "PUT"))
        g_string_append_printf (set, "%s%s = %s", set->len ? ", " : "", a, v);
      else if (g_str_equal (action, "ADD"))
        g_string_append_printf (add, "%s%s %s", add->len ? ", " : "", a, v);
      else if (v == NULL)
        g_string_append_printf (rem, "%s%s", rem->len ? ", " : "", a);
      else
        g_string_append_printf (del, "%s%s %s", del->len ? ", " : "", a, v);
    }
  if (set->len)
    g_string_append_printf (s, "SET %s ", set->str);
  if (rem->len)
    g_string_append_printf (s, "REMOVE %s ", rem->str);
  if (add->len)
    g_string_append_printf (s, "ADD %s ", add->str);
  if (del->len)
    g_string_append_printf (s, "DELETE %s ", del->str);
  *out = s->len > 0 ? g_strdup (s->str) : NULL;
  return TRUE;
}

/* Which legacy members an operation takes, besides AttributesToGet. */
static gboolean
takes (const char *operation, const char *member)
{
  if (g_str_equal (member, "Expected"))
    return g_str_equal (operation, "PutItem") || g_str_equal (operation, "UpdateItem") || g_str_equal (operation, "DeleteItem");
  if (g_str_equal (member, "AttributeUpdates"))
    return g_str_equal (operation, "UpdateItem");
  if (g_str_equal (member, "KeyConditions") || g_str_equal (member, "QueryFilter"))
    return g_str_equal (operation, "Query");
  if (g_str_equal (member, "ScanFilter"))
    return g_str_equal (operation, "Scan");
  return FALSE;
}

static gboolean
translate_member (JsonObject *req, JsonObject *out, Builder *b, const char *operation, const char *member,
                  const char *target, const char *joiner, GError **error)
{
  JsonObject *map = NULL;
  g_autofree char *expr = NULL;

  if (!takes (operation, member) || !ddb_req_object (req, member, &map, error))
    return error == NULL || *error == NULL;
  if (map == NULL)
    return TRUE;
  if (g_str_equal (member, "AttributeUpdates") ? !translate_updates (b, map, &expr, error)
      : !translate_conditions (b, map, g_str_equal (member, "KeyConditions") ? "AND" : joiner,
                               g_str_equal (member, "Expected"), g_str_equal (member, "KeyConditions"), &expr, error))
    return FALSE;
  json_object_remove_member (out, member);
  if (expr != NULL)
    json_object_set_string_member (out, target, expr);
  return TRUE;
}

/* Whether the Expected or filter map ConditionalOperator joins has two or
 * more entries. */
static gboolean
has_two_conditions (const char *operation, JsonObject *req)
{
  static const char *const maps[] = { "Expected", "QueryFilter", "ScanFilter" };

  for (guint i = 0; i < G_N_ELEMENTS (maps); i++)
    {
      JsonNode *n = json_object_get_member (req, maps[i]);
      if (takes (operation, maps[i]) && n != NULL && JSON_NODE_HOLDS_OBJECT (n) &&
          json_object_get_size (json_node_get_object (n)) >= 2)
        return TRUE;
    }
  return FALSE;
}

gboolean
ddb_legacy_translate (const char *operation, JsonObject *req, JsonObject **out, GError **error)
{
  gboolean any_legacy = FALSE, any_expression = FALSE, translate = FALSE;
  const char *conditional = NULL, *joiner;
  Builder b = { 0 };
  g_autoptr(JsonObject) copy = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  *out = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (legacy_members); i++)
    {
      any_legacy |= present (req, legacy_members[i]);
      translate |= i > 0 && present (req, legacy_members[i]) && takes (operation, legacy_members[i]);
    }
  if (!any_legacy)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (expression_members); i++)
    any_expression |= present (req, expression_members[i]);
  if (any_expression)
    {
      g_autofree char *l = present_list (req, legacy_members, G_N_ELEMENTS (legacy_members));
      g_autofree char *e = present_list (req, expression_members, G_N_ELEMENTS (expression_members));
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: %s Expression parameters: %s",
                   l, e);
      return FALSE;
    }
  if (!translate)
    return TRUE;
  if (present (req, "ExpressionAttributeNames"))
    return invalid (error, "ExpressionAttributeNames can only be specified when using expressions");
  if (present (req, "ExpressionAttributeValues"))
    return invalid (error, "ExpressionAttributeValues can only be specified when using expressions");
  if (!ddb_req_string (req, "ConditionalOperator", &conditional, error))
    return FALSE;
  if (conditional != NULL && !has_two_conditions (operation, req))
    return invalid (error, "ConditionalOperator can only be used when Filter or Expected has two or more elements");
  if (conditional != NULL && !g_str_equal (conditional, "AND") && !g_str_equal (conditional, "OR"))
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "1 validation error detected: Value '%s' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [AND, OR]",
                   conditional);
      return FALSE;
    }
  joiner = conditional != NULL ? conditional : "AND";

  /* A shallow copy: the caller's tree is left as it was. */
  copy = json_object_new ();
  json_object_iter_init (&iter, req);
  while (json_object_iter_next (&iter, &name, &member))
    json_object_set_member (copy, name, json_node_ref (member));
  json_object_remove_member (copy, "ConditionalOperator");
  b.names = json_object_new ();
  b.values = json_object_new ();
  if (!translate_member (req, copy, &b, operation, "Expected", "ConditionExpression", joiner, error) ||
      !translate_member (req, copy, &b, operation, "AttributeUpdates", "UpdateExpression", joiner, error) ||
      !translate_member (req, copy, &b, operation, "KeyConditions", "KeyConditionExpression", "AND", error) ||
      !translate_member (req, copy, &b, operation, "QueryFilter", "FilterExpression", joiner, error) ||
      !translate_member (req, copy, &b, operation, "ScanFilter", "FilterExpression", joiner, error))
    {
      json_object_unref (b.names);
      json_object_unref (b.values);
      return FALSE;
    }
  if (json_object_get_size (b.names) > 0)
    json_object_set_object_member (copy, "ExpressionAttributeNames", b.names);
  else
    json_object_unref (b.names);
  if (json_object_get_size (b.values) > 0)
    json_object_set_object_member (copy, "ExpressionAttributeValues", b.values);
  else
    json_object_unref (b.values);
  *out = g_steal_pointer (&copy);
  return TRUE;
}
