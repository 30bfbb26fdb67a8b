/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-expr-private.h: the parsed forms shared by the expression parser
 * (ddb-expr.c) and the evaluator (ddb-expr-eval.c). */
#pragma once

#include "ddb-expr.h"

G_BEGIN_DECLS

/* DynamoDB's limits on expressions. */
#define DDB_EXPR_MAX_LENGTH 4096      /* bytes of expression text */
#define DDB_EXPR_MAX_OPERATORS 300
#define DDB_EXPR_MAX_IN_OPERANDS 100
#define DDB_EXPR_MAX_PATH_DEPTH 32
#define DDB_EXPR_MAX_PLACEHOLDER 255  /* bytes of a #name or :value key */
#define DDB_EXPR_MAX_NAME 65535       /* bytes of an attribute name */

struct _DdbExprEnv {
  JsonObject *names;
  JsonObject *values;
  GHashTable *used_names;  /* keys of names used so far, owned; NULL for none */
  GHashTable *used_values; /* keys of values used so far, owned; NULL for none */
};

typedef enum {
  DDB_OPERAND_PATH,
  DDB_OPERAND_VALUE,
  DDB_OPERAND_SIZE,
  DDB_OPERAND_IF_NOT_EXISTS,
  DDB_OPERAND_LIST_APPEND,
  DDB_OPERAND_PLUS,
  DDB_OPERAND_MINUS,
} DdbOperandKind;

typedef struct _DdbOperand DdbOperand;
struct _DdbOperand {
  DdbOperandKind kind;
  DdbPath *path;          /* PATH */
  JsonNode *value;        /* VALUE: a reference on the ExpressionAttributeValues node */
  DdbType value_type;     /* VALUE */
  DdbOperand *args[2];    /* functions and + - */
};

typedef enum {
  DDB_COND_AND,
  DDB_COND_OR,
  DDB_COND_NOT,
  DDB_COND_EQ,
  DDB_COND_NE,
  DDB_COND_LT,
  DDB_COND_LE,
  DDB_COND_GT,
  DDB_COND_GE,
  DDB_COND_BETWEEN,       /* operands: value, low, high */
  DDB_COND_IN,            /* operands: value, candidates... */
  DDB_COND_EXISTS,
  DDB_COND_NOT_EXISTS,
  DDB_COND_TYPE,          /* operands: path; type in type_arg */
  DDB_COND_BEGINS_WITH,
  DDB_COND_CONTAINS,
} DdbCondKind;

typedef struct _DdbCondNode DdbCondNode;
struct _DdbCondNode {
  DdbCondKind kind;
  DdbCondNode *left, *right;   /* AND, OR; NOT uses left */
  DdbOperand **operands;
  guint n_operands;
  DdbType type_arg;            /* attribute_type */
};

struct _DdbCondition {
  DdbCondNode *root;
  GPtrArray *names;            /* top-level attribute names, borrowed from paths */
};

typedef enum {
  DDB_UPDATE_SET,
  DDB_UPDATE_REMOVE,
  DDB_UPDATE_ADD,
  DDB_UPDATE_DELETE,
} DdbUpdateKind;

typedef struct {
  DdbUpdateKind kind;
  DdbPath *path;
  DdbOperand *value;           /* SET value, ADD and DELETE operand; NULL for REMOVE */
} DdbUpdateAction;

struct _DdbUpdate {
  GArray *actions;             /* of DdbUpdateAction, in text order */
  GPtrArray *paths;            /* targets, borrowed from all_paths */
  GPtrArray *all_paths;        /* every path of the expression, owned */
};

void ddb_operand_free (DdbOperand *op);
void ddb_cond_node_free (DdbCondNode *node);

/* Reserved words (ddb-reserved-words.c). */
gboolean ddb_is_reserved_word (const char *word, gsize len);

/* "[a, [0], b]" as DynamoDB prints paths in messages. */
char *ddb_path_to_string (const DdbPath *path);

G_END_DECLS
