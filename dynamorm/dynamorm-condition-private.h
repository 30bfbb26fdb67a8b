/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-condition-private.h: the inside of a DynamormCondition, shared by
 * dynamorm-condition.c (constructors) and dynamorm-expression.c (rendering). */
#pragma once

#include "dynamorm-expression-private.h"

G_BEGIN_DECLS

typedef enum {
  CONDITION_LEAF,
  CONDITION_AND,
  CONDITION_OR,
  CONDITION_NOT,
  CONDITION_EXPRESSION,
} DynamormConditionKind;

struct _DynamormCondition
{
  gatomicrefcount ref_count;
  DynamormConditionKind kind;

  /* CONDITION_LEAF */
  char *property;
  DynamormOperator op;
  GValue *values;
  guint n_values;

  /* CONDITION_AND, _OR (both), _NOT (left) */
  DynamormCondition *left;
  DynamormCondition *right;

  /* CONDITION_EXPRESSION */
  char *expression;
  JsonNode *names;       /* object "#x" -> "attribute", or NULL */
  JsonNode *raw_values;  /* object ":y" -> AttributeValue, or NULL */
};

/* Adds a raw expression's own placeholders to b, after checking them:
 * well-formed, not in the generated #nN / :vN space, every one used in
 * expression defined and every one defined used, no clash with another
 * raw expression of the same request that gives the same placeholder a
 * different meaning. */
gboolean _dynamorm_expr_builder_add_raw (DynamormExprBuilder *b,
                                         const char          *expression,
                                         JsonNode            *names,
                                         JsonNode            *values,
                                         GError             **error);

/* The AttributeValue a value compares with in a condition on field (op
 * decides whether it is an element: CONTAINS on a string list). Errors are
 * DYNAMORM_ERROR_INVALID_ARGUMENT, naming the property. */
JsonNode *_dynamorm_field_encode_operand (const DynamormField  *field,
                                          DynamormOperator      op,
                                          const GValue         *value,
                                          GError              **error);

/* text in parentheses, unless one pair already encloses all of it:
 * DynamoDB refuses redundant parentheses ("((a = b))"). Use it to combine
 * rendered conditions, which are not enclosed themselves. */
char *_dynamorm_expr_wrap (const char *text);

G_END_DECLS
