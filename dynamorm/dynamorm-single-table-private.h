/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-single-table-private.h: single-table design in the schema
 * (composed key attributes, entity names, collections) and its use by
 * models and queries. Never installed. */
#pragma once

#include "dynamorm-private.h"
#include "dynamorm-key-template-private.h"

G_BEGIN_DECLS

#define DYNAMORM_DEFAULT_ENTITY_ATTRIBUTE "__entity"

/* Declaration entries the plain tag compiler leaves to this file:
 * "@option=value" and "ATTRIBUTE=roles,template:TEXT". */
gboolean _dynamorm_schema_is_single_table_entry (const char *entry);
/* After the fields are compiled: composed attributes, @entity,
 * @entity-attribute, @collection. */
gboolean _dynamorm_schema_compile_single_table (DynamormSchema *schema, GPtrArray *entries,
                                                GObjectClass *klass, GError **error);
void _dynamorm_schema_clear_single_table (DynamormSchema *schema);
void _dynamorm_field_free_template (DynamormField *field);
/* Checks a compiled schema against the other models of its table (two
 * models whose templates could make the same key, one entity name twice)
 * and remembers it. Called with the schema lock held. */
gboolean _dynamorm_schema_register_shared (const DynamormSchema *schema, GError **error);

/* Whether the schema writes or checks anything single-table. */
gboolean _dynamorm_schema_is_single_table (const DynamormSchema *schema);
const DynamormField *_dynamorm_schema_lookup_composed (const DynamormSchema *schema,
                                                       const char *attribute);
const DynamormCollectionDecl *_dynamorm_schema_find_collection (const DynamormSchema *schema,
                                                                const char *name);
/* The partition key field a collection is read by (the table's or its
 * index's). */
const DynamormField *_dynamorm_collection_partition_key (const DynamormSchema *schema,
                                                         const DynamormCollectionDecl *decl);

/* A key attribute of a model as an AttributeValue: rendered for composed
 * fields, serialized otherwise; NULL with error when it is empty or cannot
 * be rendered. */
JsonNode *_dynamorm_model_key_av (DynamormModel *model, const DynamormField *field,
                                  const char *what, GError **error);
/* Adds the composed attributes and the entity attribute to an item. */
gboolean _dynamorm_model_add_single_table (DynamormModel *model, const DynamormSchema *schema,
                                           JsonObject *item, GError **error);
/* Before decoding an item: refuses an item of another entity, and returns
 * a copy of obj with the placeholders read back from composed attributes
 * the item has but whose own attributes it lacks (NULL when nothing is to
 * be added). */
gboolean _dynamorm_item_check_entity (const DynamormSchema *schema, JsonObject *obj, GError **error);
JsonObject *_dynamorm_item_read_back (const DynamormSchema *schema, JsonObject *obj);
/* The entity name an item carries under attribute, or NULL. */
const char *_dynamorm_item_entity (JsonObject *obj, const char *attribute);

G_END_DECLS
