/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-single-table-private.h: single-table design in the schema
 * (composed key attributes, entity names, collections) and its use by
 * models and queries. Never installed. */
#pragma once

#include "dynamorm-private.h"
#include "dynamorm-key-template-private.h"
#include "dynamorm-expression-private.h"
#include "dynamorm-condition.h"

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
/* Frees a field, its key template included (a composed attribute's, or a
 * property's). */
void _dynamorm_field_free (DynamormField *field);
/* Checks a compiled schema against the other models of its table (two
 * models whose templates could make the same key, one entity name twice)
 * and remembers it. Called with the schema lock held. */
gboolean _dynamorm_schema_register_shared (const DynamormSchema *schema, GError **error);

/* Sparse index conditions ("@index-condition=gsi1:status=open|paid&!archived"). */
typedef enum {
  SPARSE_SET,
  SPARSE_UNSET,
  SPARSE_ONE_OF,
  SPARSE_NONE_OF,
} DynamormSparseKind;

typedef struct {
  DynamormSparseKind kind;
  DynamormField *field;
  char **values;                /* stored text: a string, a nick, a number, true, false */
} DynamormSparseTerm;

typedef struct {
  char *index_name;
  char *text;
  const DynamormField *keys[2]; /* the index's composed keys (sort key may be NULL) */
  GPtrArray *terms;             /* of DynamormSparseTerm*, ANDed */
} DynamormSparseCondition;

void _dynamorm_sparse_condition_free (DynamormSparseCondition *cond);
const DynamormSparseCondition *_dynamorm_schema_sparse_condition_for (const DynamormSchema *schema,
                                                                      const DynamormField *key);
gboolean _dynamorm_sparse_condition_uses (const DynamormSparseCondition *cond, const DynamormField *field);
/* Whether the item belongs in the index: values from given (as for
 * updates) where it has them, else from the model. */
gboolean _dynamorm_sparse_condition_holds (const DynamormSparseCondition *cond, DynamormModel *model,
                                           GHashTable *given);

/* Whether the schema writes or checks anything single-table. */
gboolean _dynamorm_schema_is_single_table (const DynamormSchema *schema);
const DynamormField *_dynamorm_schema_lookup_composed (const DynamormSchema *schema,
                                                       const char *attribute);
const DynamormCollectionDecl *_dynamorm_schema_find_collection (const DynamormSchema *schema,
                                                                const char *name);
/* The secondary index (global or local) named name, or NULL. */
DynamormIndex *_dynamorm_schema_find_index (const DynamormSchema *schema, const char *name);
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

/* Updates (dynamorm-update-single-table.c). given maps the DynamormField
 * of each property an update writes to its new value (a GValue), or to
 * one of these markers. */
#define DYNAMORM_UPDATE_FROM_MODEL ((gpointer) &_dynamorm_update_markers[0])
#define DYNAMORM_UPDATE_UNRENDERABLE ((gpointer) &_dynamorm_update_markers[1])
extern const char _dynamorm_update_markers[2];
/* Appends to set and remove the composed index keys the update changes
 * and the entity attribute; refuses updates of table key placeholders. */
gboolean _dynamorm_update_render_composed (const DynamormSchema *schema, DynamormModel *model,
                                           GHashTable *given, DynamormExprBuilder *b,
                                           GString *set, GString *remove, GError **error);
/* Every stored field, from the model: for updates that write the whole model. */
GHashTable *_dynamorm_update_given_all (const DynamormSchema *schema);

/* Queries (dynamorm-query-single-table.c). A condition on a property: */
typedef struct {
  const DynamormField *field;
  DynamormOperator op;
  const GValue *values;
  guint n_values;
} DynamormKeyTerm;

/* What the terms make of a composed key attribute. */
typedef struct {
  const DynamormField *composed;
  DynamormOperator op;          /* EQ, BEGINS_WITH or BETWEEN */
  char *bounds[2];
  guint n_bounds;
  GArray *covered;              /* of guint: terms this makes redundant */
} DynamormComposedCondition;

void _dynamorm_composed_condition_free (DynamormComposedCondition *cond);
/* Of DynamormComposedCondition*, one per composed key the terms give a
 * condition on; partition_only leaves sort keys out (collections). */
GPtrArray *_dynamorm_query_compose_conditions (const DynamormSchema *schema,
                                               const DynamormKeyTerm *terms, guint n_terms,
                                               gboolean partition_only, GError **error);
/* The filter that keeps a model's entity (members NULL) or a collection's
 * members; NULL when the schema has no entity attribute. */
char *_dynamorm_entity_filter (const DynamormSchema *schema, const GType *members, guint n_members,
                               DynamormExprBuilder *b);
/* Checks a collection's members; returns the first one's declaration. */
const DynamormCollectionDecl *_dynamorm_collection_check (const char *name, const GType *members,
                                                          guint n_members, GError **error);
/* The member an item of the collection belongs to, or G_TYPE_INVALID. */
GType _dynamorm_collection_item_type (const GType *members, guint n_members, JsonNode *item);

G_END_DECLS
