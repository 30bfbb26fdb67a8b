/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

/**
 * DynamormOperator:
 * @DYNAMORM_OPERATOR_EQ: `=`
 * @DYNAMORM_OPERATOR_NE: `<>`
 * @DYNAMORM_OPERATOR_LT: `<`
 * @DYNAMORM_OPERATOR_LE: `<=`
 * @DYNAMORM_OPERATOR_GT: `>`
 * @DYNAMORM_OPERATOR_GE: `>=`
 * @DYNAMORM_OPERATOR_BETWEEN: `BETWEEN a AND b` (two values)
 * @DYNAMORM_OPERATOR_IN: `IN (a, b, ...)` (1 to 100 values)
 * @DYNAMORM_OPERATOR_BEGINS_WITH: `begins_with(property, a)`, for strings and binary
 * @DYNAMORM_OPERATOR_CONTAINS: `contains(property, a)`: a substring, or a
 *   member of a set or list
 * @DYNAMORM_OPERATOR_EXISTS: `attribute_exists(property)` (no value)
 * @DYNAMORM_OPERATOR_NOT_EXISTS: `attribute_not_exists(property)` (no value)
 *
 * The comparisons of DynamoDB's condition expressions.
 */
typedef enum {
  DYNAMORM_OPERATOR_EQ,
  DYNAMORM_OPERATOR_NE,
  DYNAMORM_OPERATOR_LT,
  DYNAMORM_OPERATOR_LE,
  DYNAMORM_OPERATOR_GT,
  DYNAMORM_OPERATOR_GE,
  DYNAMORM_OPERATOR_BETWEEN,
  DYNAMORM_OPERATOR_IN,
  DYNAMORM_OPERATOR_BEGINS_WITH,
  DYNAMORM_OPERATOR_CONTAINS,
  DYNAMORM_OPERATOR_EXISTS,
  DYNAMORM_OPERATOR_NOT_EXISTS,
} DynamormOperator;

#define DYNAMORM_TYPE_CONDITION (dynamorm_condition_get_type ())

/**
 * DynamormCondition:
 *
 * An immutable, reference-counted condition on an item's properties, for
 * conditional writes and query filters. Conditions name model properties,
 * not attributes; they are checked against the model's schema (the property
 * exists, the operator fits its type, the values convert to it) when the
 * request is built, before anything is sent. Property names and values
 * always reach DynamoDB as `#name` and `:value` placeholders.
 */
typedef struct _DynamormCondition DynamormCondition;

DYNAMORM_AVAILABLE_IN_ALL
GType              dynamorm_condition_get_type           (void) G_GNUC_CONST;
DYNAMORM_AVAILABLE_IN_ALL
DynamormCondition *dynamorm_condition_new                (const char          *property,
                                                          DynamormOperator     op,
                                                          const GValue        *values,
                                                          guint                n_values);
DYNAMORM_AVAILABLE_IN_ALL
DynamormCondition *dynamorm_condition_new_exists         (const char          *property);
DYNAMORM_AVAILABLE_IN_ALL
DynamormCondition *dynamorm_condition_new_not_exists     (const char          *property);
DYNAMORM_AVAILABLE_IN_ALL
DynamormCondition *dynamorm_condition_new_and            (DynamormCondition   *left,
                                                          DynamormCondition   *right);
DYNAMORM_AVAILABLE_IN_ALL
DynamormCondition *dynamorm_condition_new_or             (DynamormCondition   *left,
                                                          DynamormCondition   *right);
DYNAMORM_AVAILABLE_IN_ALL
DynamormCondition *dynamorm_condition_new_not            (DynamormCondition   *condition);
DYNAMORM_AVAILABLE_IN_ALL
DynamormCondition *dynamorm_condition_new_expression     (const char          *expression,
                                                          JsonNode            *names,
                                                          JsonNode            *values);
DYNAMORM_AVAILABLE_IN_ALL
DynamormCondition *dynamorm_condition_ref                (DynamormCondition   *self);
DYNAMORM_AVAILABLE_IN_ALL
void               dynamorm_condition_unref              (DynamormCondition   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormCondition, dynamorm_condition_unref)

G_END_DECLS
