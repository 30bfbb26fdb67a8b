/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-condition-private.h: the inside of a DynamormCondition, shared by
 * dynamorm-condition.c (constructors) and dynamorm-expression.c (rendering). */
#pragma once

#include "dynamorm-private.h"

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

/* For the query planner: a leaf comparison's parts, or FALSE for AND/OR/NOT
 * and raw expressions. values are borrowed. */
gboolean _dynamorm_condition_get_leaf (DynamormCondition *cond, const char **property,
                                       DynamormOperator *op, const GValue **values, guint *n_values);
/* The two sides of an AND, or FALSE. */
gboolean _dynamorm_condition_get_and (DynamormCondition *cond, DynamormCondition **left,
                                      DynamormCondition **right);

G_END_DECLS
