/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-expr.h: DynamoDB's expression languages, parsed and evaluated.
 *
 * ConditionExpression, FilterExpression, KeyConditionExpression,
 * UpdateExpression and ProjectionExpression, with document paths
 * (a.b[3].c), #name and :value placeholders, reserved words, DynamoDB's
 * precedence and its exact ValidationException messages
 * (DDB_ERROR_VALIDATION). Items are JsonObjects of AttributeValues
 * (see ddb-value.h). */
#pragma once

#include <json-glib/json-glib.h>
#include "ddb-value.h"

G_BEGIN_DECLS

/* The placeholders of one request: ExpressionAttributeNames and
 * ExpressionAttributeValues, and which of them the request's expressions
 * used. Parse every expression of a request with the same env, then call
 * ddb_expr_env_check_unused(). */
typedef struct _DdbExprEnv DdbExprEnv;

DdbExprEnv *ddb_expr_env_new (JsonObject *names, JsonObject *values); /* both nullable; not copied, must outlive env */
void ddb_expr_env_free (DdbExprEnv *env);
/* "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}" (and Values). */
gboolean ddb_expr_env_check_unused (DdbExprEnv *env, GError **error);
/* Checks the maps themselves, before any parsing: not empty, keys of the
 * form #name / :value (at most 255 bytes), names non-empty and < 64 KB,
 * values valid AttributeValues.  Messages are DynamoDB's, e.g.
 * "ExpressionAttributeValues contains invalid value: <why> for key :v". */
gboolean ddb_expr_env_validate (DdbExprEnv *env, GError **error);

/* A document path: top-level attribute name followed by map keys and list indexes. */
typedef struct {
  char *name;      /* map key, or NULL when this element is a list index */
  int index;       /* list index when name == NULL */
} DdbPathElement;

typedef struct {
  GArray *elements; /* of DdbPathElement; elements[0] is the top-level attribute name */
} DdbPath;

void ddb_path_free (DdbPath *path);
/* Looks the path up in item; NULL when absent (borrowed). */
JsonNode *ddb_path_lookup (const DdbPath *path, JsonObject *item);

/* ---- Condition and filter ---- */
typedef enum {
  DDB_EXPR_CONDITION,      /* ConditionExpression */
  DDB_EXPR_FILTER,         /* FilterExpression */
} DdbConditionKind;

typedef struct _DdbCondition DdbCondition;

DdbCondition *ddb_condition_parse (const char *text, DdbConditionKind kind, DdbExprEnv *env, GError **error);
/* Evaluates against item (may be NULL: an absent item). Type mismatches are
 * FALSE, as in DynamoDB. */
gboolean ddb_condition_evaluate (DdbCondition *cond, JsonObject *item);
/* Top-level attribute names the condition refers to (for "Filter Expression
 * can only contain non-primary key attributes"); borrowed strings. */
GPtrArray *ddb_condition_get_attribute_names (DdbCondition *cond);
void ddb_condition_free (DdbCondition *cond);

/* ---- Key condition ---- */
typedef enum {
  DDB_KEY_OP_NONE,         /* no sort-key condition */
  DDB_KEY_OP_EQ, DDB_KEY_OP_LT, DDB_KEY_OP_LE, DDB_KEY_OP_GT, DDB_KEY_OP_GE,
  DDB_KEY_OP_BETWEEN, DDB_KEY_OP_BEGINS_WITH,
} DdbKeyOp;

typedef struct {
  JsonNode *hash_value;       /* owned */
  DdbKeyOp range_op;
  JsonNode *range_values[2];  /* owned; [1] only for BETWEEN */
} DdbKeyCondition;

/* Parses a KeyConditionExpression against the key schema of the table or
 * index being queried (range_name NULL when it has no sort key). Errors are
 * DynamoDB's: "Query condition missed key schema element: X", "Query key
 * condition not supported", etc. */
gboolean ddb_key_condition_parse (const char *text, DdbExprEnv *env,
                                  const char *hash_name, const char *range_name,
                                  DdbKeyCondition *out, GError **error);
void ddb_key_condition_clear (DdbKeyCondition *kc);

/* A key condition on a multi-attribute key (a GSI with several HASH or
 * RANGE attributes): equality on every HASH attribute, equality on the
 * first n_range_eq RANGE attributes, then last.range_op (maybe
 * DDB_KEY_OP_NONE) on the next one. last.hash_value is unused. */
#define DDB_KEY_CONDITION_MAX_PARTS 4
typedef struct {
  JsonNode *hash_values[DDB_KEY_CONDITION_MAX_PARTS];   /* owned, KeySchema order */
  guint n_hash;
  JsonNode *range_eq[DDB_KEY_CONDITION_MAX_PARTS];      /* owned */
  guint n_range_eq;
  DdbKeyCondition last;
} DdbMultiKeyCondition;

/* Errors are DynamoDB Local 3.3's: "HASH key attributes a, b must have
 * equality conditions specified in the query", "RANGE key attributes c must
 * have equality conditions specified in the query because a condition is
 * present on key attribute d", "Query condition missed key schema element". */
gboolean ddb_multi_key_condition_parse (const char *text, DdbExprEnv *env,
                                        const char *const *hash_names, guint n_hash,
                                        const char *const *range_names, guint n_range,
                                        DdbMultiKeyCondition *out, GError **error);
void ddb_multi_key_condition_clear (DdbMultiKeyCondition *kc);
/* TRUE when the sort-key value satisfies the range condition. */
gboolean ddb_key_condition_match_range (const DdbKeyCondition *kc, JsonNode *range_value);

/* ---- Projection ---- */
GPtrArray *ddb_projection_parse (const char *text, DdbExprEnv *env, GError **error); /* of DdbPath*, free func set */
JsonObject *ddb_projection_apply (GPtrArray *paths, JsonObject *item);            /* new object */

/* ---- Update ---- */
typedef struct _DdbUpdate DdbUpdate;

DdbUpdate *ddb_update_parse (const char *text, DdbExprEnv *env, GError **error);
/* Applies the update to item in place. On error (type mismatch, etc.) item is
 * left unchanged. */
gboolean ddb_update_apply (DdbUpdate *update, JsonObject *item, GError **error);
/* The paths the update writes (SET, REMOVE, ADD, DELETE targets), for key
 * attribute checks and ReturnValues UPDATED_OLD/UPDATED_NEW; borrowed. */
GPtrArray *ddb_update_get_paths (DdbUpdate *update);
void ddb_update_free (DdbUpdate *update);

G_END_DECLS
