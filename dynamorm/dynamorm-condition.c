/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-condition.c: conditions on an item's properties, as values.
 * Building a condition checks nothing but the obvious (no NULL names);
 * everything that needs the model's schema (unknown property, operator
 * that does not fit the type, value count, value conversion) is checked
 * when the condition is rendered into a request, by
 * _dynamorm_condition_render in dynamorm-expression.c, before anything is
 * sent. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-condition-private.h"

G_DEFINE_BOXED_TYPE (DynamormCondition, dynamorm_condition,
                     dynamorm_condition_ref, dynamorm_condition_unref)

static DynamormCondition *
condition_new (DynamormConditionKind kind)
{
  DynamormCondition *self = g_new0 (DynamormCondition, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  return self;
}

/**
 * dynamorm_condition_new:
 * @property: the name of a property of the model, such as `"status"`
 * @op: the comparison
 * @values: (array length=n_values) (nullable): the values to compare with:
 *   one for most operators, two for %DYNAMORM_OPERATOR_BETWEEN, 1 to 100 for
 *   %DYNAMORM_OPERATOR_IN, none for %DYNAMORM_OPERATOR_EXISTS and
 *   %DYNAMORM_OPERATOR_NOT_EXISTS
 * @n_values: the number of @values
 *
 * Creates a comparison of a property with values, such as
 * `status = "pending"` or `age BETWEEN 18 AND 65`.
 *
 * The values are copied. They are converted to the property's type when the
 * condition is used, so an integer compares with a 64-bit property, a
 * string names an enum value by its nick, and a #GDateTime compares with a
 * timestamp however it is stored. %DYNAMORM_OPERATOR_CONTAINS on a string
 * list or set takes one element (a string).
 *
 * Nothing is checked against the model here: an unknown property, an
 * operator that does not fit the property's type (such as
 * %DYNAMORM_OPERATOR_BEGINS_WITH on a number) or the wrong number of values
 * is reported by the operation that uses the condition, before it sends
 * anything.
 *
 * Returns: (transfer full): a new condition
 */
DynamormCondition *
dynamorm_condition_new (const char       *property,
                        DynamormOperator  op,
                        const GValue     *values,
                        guint             n_values)
{
  DynamormCondition *self;

  g_return_val_if_fail (property != NULL, NULL);
  g_return_val_if_fail (values != NULL || n_values == 0, NULL);
  g_return_val_if_fail (op >= DYNAMORM_OPERATOR_EQ && op <= DYNAMORM_OPERATOR_NOT_EXISTS, NULL);

  self = condition_new (CONDITION_LEAF);
  self->property = g_strdup (property);
  self->op = op;
  self->n_values = n_values;
  self->values = g_new0 (GValue, MAX (n_values, 1));
  for (guint i = 0; i < n_values; i++)
    {
      /* A value that is not set (None from Python, null from JavaScript)
       * stays unset: using the condition reports it. */
      if (!G_IS_VALUE (&values[i]))
        continue;
      g_value_init (&self->values[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &self->values[i]);
    }
  return self;
}

/**
 * dynamorm_condition_new_exists:
 * @property: the name of a property of the model
 *
 * Creates a condition that holds when the item has the property's
 * attribute: `attribute_exists(property)`.
 *
 * Returns: (transfer full): a new condition
 */
DynamormCondition *
dynamorm_condition_new_exists (const char *property)
{
  return dynamorm_condition_new (property, DYNAMORM_OPERATOR_EXISTS, NULL, 0);
}

/**
 * dynamorm_condition_new_not_exists:
 * @property: the name of a property of the model
 *
 * Creates a condition that holds when the item does not have the
 * property's attribute: `attribute_not_exists(property)`. On the partition
 * key, this means "no item with this key exists".
 *
 * Returns: (transfer full): a new condition
 */
DynamormCondition *
dynamorm_condition_new_not_exists (const char *property)
{
  return dynamorm_condition_new (property, DYNAMORM_OPERATOR_NOT_EXISTS, NULL, 0);
}

static DynamormCondition *
new_binary (DynamormConditionKind kind, DynamormCondition *left, DynamormCondition *right)
{
  DynamormCondition *self = condition_new (kind);

  self->left = dynamorm_condition_ref (left);
  self->right = dynamorm_condition_ref (right);
  return self;
}

/* The two constructors below, under their gi-docgen comments:
 *
 *   DEFINE_BINARY (dynamorm_condition_new_and, CONDITION_AND)
 *
 * defines
 *
 *   DynamormCondition *
 *   dynamorm_condition_new_and (DynamormCondition *left, DynamormCondition *right)
 *   {
 *     g_return_val_if_fail (left != NULL, NULL);
 *     g_return_val_if_fail (right != NULL, NULL);
 *     return new_binary (CONDITION_AND, left, right);
 *   }
 */
#define DEFINE_BINARY(function, kind)                                               \
  DynamormCondition *                                                             \
  function (DynamormCondition *left, DynamormCondition *right)                    \
  {                                                                               \
    g_return_val_if_fail (left != NULL, NULL);                                    \
    g_return_val_if_fail (right != NULL, NULL);                                   \
                                                                                  \
    return new_binary (kind, left, right);                                        \
  }

/**
 * dynamorm_condition_new_and: (constructor)
 * @left: a condition
 * @right: another condition
 *
 * Creates a condition that holds when both @left and @right hold.
 *
 * Returns: (transfer full): a new condition
 */
DEFINE_BINARY (dynamorm_condition_new_and, CONDITION_AND)

/**
 * dynamorm_condition_new_or: (constructor)
 * @left: a condition
 * @right: another condition
 *
 * Creates a condition that holds when @left, @right or both hold.
 *
 * Returns: (transfer full): a new condition
 */
DEFINE_BINARY (dynamorm_condition_new_or, CONDITION_OR)

/**
 * dynamorm_condition_new_not: (constructor)
 * @condition: a condition
 *
 * Creates a condition that holds when @condition does not.
 *
 * Returns: (transfer full): a new condition
 */
DynamormCondition *
dynamorm_condition_new_not (DynamormCondition *condition)
{
  DynamormCondition *self;

  g_return_val_if_fail (condition != NULL, NULL);

  self = condition_new (CONDITION_NOT);
  self->left = dynamorm_condition_ref (condition);
  return self;
}

/**
 * dynamorm_condition_new_expression:
 * @expression: a DynamoDB condition expression, such as
 *   `"attribute_exists(#pk) AND #v = :expected"`
 * @names: (nullable): a JSON object mapping the expression's `#name`
 *   placeholders to attribute names, such as `{"#v": "version"}`
 * @values: (nullable): a JSON object mapping the expression's `:value`
 *   placeholders to DynamoDB AttributeValues, such as
 *   `{":expected": {"N": "3"}}`
 *
 * Creates a condition from DynamoDB's own expression language, for what
 * the other constructors cannot say (functions such as `size()`, nested
 * paths, comparisons between two attributes).
 *
 * The expression names attributes (as stored), not properties, and keeps
 * its own placeholders: Dynamorm's generated placeholders are `#nN` and
 * `:vN` (a letter and digits), so use other names, such as `#status` or
 * `:expected`; a clash is reported as %DYNAMORM_ERROR_INVALID_QUERY when
 * the condition is used. Every placeholder the expression uses must be
 * defined in @names or @values, and every one defined must be used.
 *
 * @names and @values are copied.
 *
 * Returns: (transfer full): a new condition
 */
DynamormCondition *
dynamorm_condition_new_expression (const char *expression,
                                   JsonNode   *names,
                                   JsonNode   *values)
{
  DynamormCondition *self;

  g_return_val_if_fail (expression != NULL, NULL);

  self = condition_new (CONDITION_EXPRESSION);
  self->expression = g_strdup (expression);
  self->names = names ? json_node_copy (names) : NULL;
  self->raw_values = values ? json_node_copy (values) : NULL;
  return self;
}

/**
 * dynamorm_condition_ref:
 * @self: a #DynamormCondition
 *
 * Takes a reference on a condition.
 *
 * Returns: (transfer full): @self
 */
DynamormCondition *
dynamorm_condition_ref (DynamormCondition *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * dynamorm_condition_unref:
 * @self: (transfer full): a #DynamormCondition
 *
 * Releases a reference on a condition, freeing it when it was the last.
 */
void
dynamorm_condition_unref (DynamormCondition *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->property);
  for (guint i = 0; i < self->n_values; i++)
    if (G_IS_VALUE (&self->values[i]))
      g_value_unset (&self->values[i]);
  g_free (self->values);
  g_clear_pointer (&self->left, dynamorm_condition_unref);
  g_clear_pointer (&self->right, dynamorm_condition_unref);
  g_free (self->expression);
  g_clear_pointer (&self->names, json_node_unref);
  g_clear_pointer (&self->raw_values, json_node_unref);
  g_free (self);
}

gboolean
_dynamorm_condition_get_leaf (DynamormCondition  *cond,
                              const char        **property,
                              DynamormOperator   *op,
                              const GValue      **values,
                              guint              *n_values)
{
  g_return_val_if_fail (cond != NULL, FALSE);

  if (cond->kind != CONDITION_LEAF)
    return FALSE;
  if (property)
    *property = cond->property;
  if (op)
    *op = cond->op;
  if (values)
    *values = cond->values;
  if (n_values)
    *n_values = cond->n_values;
  return TRUE;
}

gboolean
_dynamorm_condition_get_and (DynamormCondition  *cond,
                             DynamormCondition **left,
                             DynamormCondition **right)
{
  g_return_val_if_fail (cond != NULL, FALSE);

  if (cond->kind != CONDITION_AND)
    return FALSE;
  if (left)
    *left = cond->left;
  if (right)
    *right = cond->right;
  return TRUE;
}
