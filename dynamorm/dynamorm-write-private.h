/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-write-private.h: rendering write options and update builders
 * into request expressions, and keeping the lifecycle properties
 * (version, created_at, updated_at), for the session's single writes,
 * transactions and batch writes. */
#pragma once

#include "dynamorm-condition-private.h"
#include "dynamorm-expression-private.h"

G_BEGIN_DECLS

/* The clauses of one UpdateExpression, filled by the update builder and by
 * the session (version, timestamps). touched: DynamormField* already
 * written by some action, so that two actions never write one path. */
typedef struct {
  GString *set;
  GString *remove;
  GString *add;
  GString *delete;
  GHashTable *touched;   /* DynamormField* -> GINT_TO_POINTER (-1) for the
                          * whole attribute, else a GHashTable of indexes */
} DynamormUpdateClauses;

void  _dynamorm_update_clauses_init  (DynamormUpdateClauses *c);
void  _dynamorm_update_clauses_clear (DynamormUpdateClauses *c);
/* The UpdateExpression text, or NULL when there is nothing to do. */
char *_dynamorm_update_clauses_text  (DynamormUpdateClauses *c);
/* Marks a whole attribute as written; FALSE (with error) if it already is. */
gboolean _dynamorm_update_clauses_touch (DynamormUpdateClauses *c, const DynamormField *field,
                                         gint index, GError **error);

/* Renders the update's actions against the schema, reading
 * set_from_model values from model. Refuses key and version properties. */
gboolean _dynamorm_update_render (DynamormUpdate *update, DynamormModel *model,
                                  const DynamormSchema *schema, DynamormExprBuilder *b,
                                  DynamormUpdateClauses *clauses, GError **error);

/* How many values of encrypted properties an update seals, at most: of
 * update, or else of the named properties (NULL or empty: all of them). */
guint    _dynamorm_update_n_sealed (DynamormUpdate *update, const char * const *properties,
                                    const DynamormSchema *schema);

/* Keeps the stored item of a refused write for
 * dynamorm_write_options_get_current() (NULL clears it). */
void _dynamorm_write_options_set_current (DynamormWriteOptions *self, DynamormModel *current);

/* The caller's conditions (if_exists, if_not_exists, conditions, raw
 * expressions) ANDed into *condition (NULL when there are none). */
gboolean _dynamorm_write_options_render (DynamormWriteOptions *options, const DynamormSchema *schema,
                                         DynamormExprBuilder *b, char **condition, GError **error);

/* ---- Lifecycle properties (dynamorm-session.c) ---- */

/* A property value to set on the model once the write succeeded. */
typedef struct {
  char *property;
  GValue value;
} DynamormAfterSet;

/* Appends a copy of value for field to *after (created on first use);
 * does nothing when after is NULL. */
void _dynamorm_after_set_add   (GPtrArray **after, const DynamormField *field, const GValue *value);
/* Sets every value of after (of DynamormAfterSet*, may be NULL) on model. */
void _dynamorm_after_set_apply (GPtrArray *after, DynamormModel *model);

/* The value of a created_at / updated_at property at now (initializes value). */
void      _dynamorm_timestamp_value  (const DynamormField *field, GDateTime *now, GValue *value);
/* An integer property of model (the version) as a gint64; FALSE when its
 * value does not convert. */
gboolean  _dynamorm_int64_read       (const DynamormField *field, DynamormModel *model, gint64 *out);
/* number as a value of field's type, such as the next version (initializes
 * value). */
void      _dynamorm_int64_value      (const DynamormField *field, gint64 number, GValue *value);
/* A lifecycle value as stored (never left out, even with omitempty). */
JsonNode *_dynamorm_lifecycle_encode (const DynamormField *field, const GValue *value, GError **error);

/* A put of a model whose schema has created_at, as the UpdateExpression
 * of an update: every attribute of the schema set (or removed when the
 * model leaves it out), the version at next_version, updated_at at now,
 * created_at = if_not_exists(created_at, the model's value or now).
 * after (nullable) receives the version and updated_at written; created
 * (nullable, uninitialized) receives the created_at value sent, which is
 * what the item holds only if it did not exist. */
char *_dynamorm_put_as_update_expression (const DynamormSchema *schema, DynamormModel *model,
                                          DynamormExprBuilder *b, const GValue *next_version,
                                          GDateTime *now, GPtrArray **after, GValue *created,
                                          GError **error);

/* Stamps a put's item: the version at next_version (when the schema has
 * one and next_version is set), updated_at at now, created_at (when the
 * schema has one) at the model's value or now. after (nullable) receives
 * what was written. */
gboolean _dynamorm_put_stamp_item (const DynamormSchema *schema, DynamormModel *model, JsonObject *item,
                                   const GValue *next_version, GDateTime *now, GPtrArray **after,
                                   GError **error);

/* An update's `updated_at = now`, appended to the SET clause, unless the
 * schema has no updated_at or the update already sets it. after
 * (nullable) receives the value. */
gboolean _dynamorm_update_stamp (const DynamormSchema *schema, DynamormExprBuilder *b, GString *set,
                                 gboolean already_set, GDateTime *now, GPtrArray **after, GError **error);

G_END_DECLS
