/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-expression-private.h: building DynamoDB expressions safely.
 *
 * Every attribute name becomes a `#nN` placeholder and every value a `:vN`
 * placeholder: user strings never become expression text. One builder
 * collects the placeholders of all expressions of one request (condition,
 * filter, key condition, update, projection), so they never clash. */
#pragma once

#include "dynamorm-private.h"
#include "dynamorm-condition.h"
#include "dynamorm-crypto-private.h"

G_BEGIN_DECLS

typedef struct _DynamormExprBuilder DynamormExprBuilder;

DynamormExprBuilder *_dynamorm_expr_builder_new   (void);
void                 _dynamorm_expr_builder_free  (DynamormExprBuilder *b);
/* "#n0" for an attribute name; the same name gets the same placeholder. */
const char          *_dynamorm_expr_builder_name  (DynamormExprBuilder *b, const char *attribute);
/* ":v0" for an AttributeValue (takes it). */
const char          *_dynamorm_expr_builder_value (DynamormExprBuilder *b, JsonNode *attribute_value);
/* Sets ExpressionAttributeNames / ExpressionAttributeValues on the request
 * when there are any. Fails if a raw expression's own placeholders clash. */
gboolean             _dynamorm_expr_builder_apply (DynamormExprBuilder *b, JsonObject *request, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormExprBuilder, _dynamorm_expr_builder_free)

/* Encrypted properties: the session's key provider and cache, and the
 * table whose name the envelopes are bound to (dynamorm-crypto-private.h).
 * Without them, sealing an encrypted property's value fails. */
void      _dynamorm_expr_builder_set_crypto (DynamormExprBuilder *b, DynamormKeyProvider *provider,
                                             DynamormDataKeyCache *cache, const char *table);
/* av as the field stores it: sealed into an envelope when the field is
 * encrypted, else unchanged. Takes av; NULL on error. */
JsonNode *_dynamorm_expr_builder_seal       (DynamormExprBuilder *b, const DynamormField *field,
                                             JsonNode *av, GError **error);

/* Renders a condition against a model schema into expression text, adding
 * its placeholders to b. Errors (DYNAMORM_ERROR_INVALID_QUERY or
 * _INVALID_ARGUMENT) name the property and say what is wrong: unknown
 * property, operator that does not fit the type, BETWEEN without two values,
 * IN with more than 100, a value that does not convert. The text is not
 * enclosed in parentheses as a whole; combine texts with
 * _dynamorm_expr_wrap (below), never "(%s)" around
 * something that may already be enclosed: DynamoDB refuses redundant
 * parentheses. */
char *_dynamorm_condition_render (DynamormCondition *cond, const DynamormSchema *schema,
                                  DynamormExprBuilder *b, GError **error);

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
