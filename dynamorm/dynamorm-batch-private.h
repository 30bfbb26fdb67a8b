/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-batch-private.h: internals shared by dynamorm-key.c, the batch
 * files (dynamorm-batch-*.c) and dynamorm-transaction.c; never installed. */
#pragma once

#include "dynamorm-private.h"
#include "dynamorm-key.h"

G_BEGIN_DECLS

/* The Key object (attribute -> AttributeValue) of key for a model type;
 * fails with DYNAMORM_ERROR_INVALID_ARGUMENT when a value is missing,
 * empty or does not convert to the key property's type. */
JsonNode *_dynamorm_key_to_json (DynamormKey *key, GType model_type,
                                 const DynamormSchema *schema, GError **error);

/* A string that identifies one item of one table: the table name and the
 * key attributes of obj (an item or a Key object), numbers normalized.
 * NULL when obj lacks a key attribute. */
char *_dynamorm_item_fingerprint (const char *table_name, const DynamormSchema *schema,
                                  JsonObject *obj);

/* The same for a packed item or key (common/ddb-packed.h). */
char *_dynamorm_packed_fingerprint (const char *table_name, const DynamormSchema *schema,
                                    const guint8 *packed);

/* A node that takes obj (json_node_init_object would take a reference). */
static inline JsonNode *
_dynamorm_node_take_object (JsonObject *obj)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, obj);
  return node;
}

G_END_DECLS
