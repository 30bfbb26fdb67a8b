/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-value.h: DynamoDB AttributeValues as json-glib nodes.
 *
 * An AttributeValue is a JsonNode holding an object with exactly one member
 * naming its type: {"S": "x"}, {"N": "12"}, {"B": "<base64>"}, {"BOOL": true},
 * {"NULL": true}, {"SS": [..]}, {"NS": [..]}, {"BS": [..]}, {"L": [..]},
 * {"M": {..}}. An item is a JsonObject mapping attribute names to
 * AttributeValues. */
#pragma once

#include <json-glib/json-glib.h>
#include "ddb-number.h"
#include "ddb-type.h"

G_BEGIN_DECLS

DdbType ddb_value_type (JsonNode *value);               /* DDB_TYPE_INVALID if malformed */

/* Validates one AttributeValue as DynamoDB does on input (exactly one type
 * key, number syntax and limits, no empty or duplicate sets, base64, nesting
 * depth <= 32); error is DDB_ERROR_VALIDATION with DynamoDB's message. */
gboolean ddb_value_validate (JsonNode *value, GError **error);
gboolean ddb_item_validate (JsonObject *item, GError **error);

/* Returns the value normalized as DynamoDB stores it (numbers canonical,
 * set elements deduplicated is NOT done: duplicates are a validation error). */
JsonNode *ddb_value_normalize (JsonNode *value);

/* Equality as DynamoDB's "=" (sets compare as sets, N by value, B by bytes). */
gboolean ddb_value_equal (JsonNode *a, JsonNode *b);
/* Ordering of two scalar key values of the same type (S and B by bytes, N by
 * value); the basis of sort-key order. */
int ddb_value_compare (JsonNode *a, JsonNode *b);

/* Size in bytes as DynamoDB bills it (attribute name + value, per the
 * developer guide's item size rules). */
gsize ddb_value_size (JsonNode *value);
gsize ddb_item_size (JsonObject *item);

/* ---- Helpers for the engine and the expression evaluator ---- */

/* The payload node of an AttributeValue ("x" in {"S": "x"}); borrowed, NULL if malformed. */
JsonNode *ddb_value_get_member (JsonNode *value);
/* The text of an S, N or B value; borrowed, NULL for other types. */
const char *ddb_value_get_string (JsonNode *value);
/* Parses an N value; FALSE when value is not a valid N. */
gboolean ddb_value_get_number (JsonNode *value, DdbNumber *out);
/* {"S": text}, {"N": text} or {"B": text}; text is copied as is. */
JsonNode *ddb_value_new_string (DdbType type, const char *text);
/* {"N": "<canonical text>"}. */
JsonNode *ddb_value_new_number (const DdbNumber *n);
/* {"<type>": member}, taking ownership of member. */
JsonNode *ddb_value_new_take (DdbType type, JsonNode *member);
/* ddb_value_normalize() applied to every attribute; new object. */
JsonObject *ddb_item_normalize (JsonObject *item);
/* Equality of two items (or maps) as ddb_value_equal() of every attribute. */
gboolean ddb_item_equal (JsonObject *a, JsonObject *b);
/* Whether a set payload (array of strings) of set_type (SS, NS or BS)
 * contains text, with that type's equality (NS by value, BS by bytes). */
gboolean ddb_set_contains (DdbType set_type, JsonArray *set, const char *text);
/* A deep copy: unlike json_node_copy(), shares no array or object.
 * (Same as ddb-table.h's ddb_value_copy(); this layer builds without it.) */
JsonNode *ddb_value_deep_copy (JsonNode *value);
/* A copy of a scalar (or null) node sharing nothing with it. */
JsonNode *ddb_value_copy_scalar (JsonNode *value);
/* begins_with(): S by string prefix, B by byte prefix; FALSE otherwise. */
gboolean ddb_value_begins_with (JsonNode *value, JsonNode *prefix);
/* contains() on binaries: needle's bytes occur in value's bytes. */
gboolean ddb_value_binary_contains (JsonNode *value, JsonNode *needle);
/* Strict base64, as DynamoDB checks B values; *decoded_len (may be NULL)
 * gets the decoded length. */
gboolean ddb_base64_check (const char *s, gsize len, gsize *decoded_len);
/* Decoded byte length of a B value. */
gsize ddb_value_binary_length (JsonNode *value);

G_END_DECLS
