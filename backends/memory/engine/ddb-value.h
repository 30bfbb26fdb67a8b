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

G_BEGIN_DECLS

typedef enum {
  DDB_TYPE_INVALID = 0,
  DDB_TYPE_S, DDB_TYPE_N, DDB_TYPE_B, DDB_TYPE_BOOL, DDB_TYPE_NULL,
  DDB_TYPE_SS, DDB_TYPE_NS, DDB_TYPE_BS, DDB_TYPE_L, DDB_TYPE_M,
} DdbType;

DdbType ddb_value_type (JsonNode *value);               /* DDB_TYPE_INVALID if malformed */
const char *ddb_type_name (DdbType type);              /* "S", "N", ... */
DdbType ddb_type_from_name (const char *name);

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

G_END_DECLS
