/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-write-private.h: rendering write options and update builders
 * into request expressions, for the session (and later transactions). */
#pragma once

#include "dynamorm-condition-private.h"

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

/* Keeps the stored item of a refused write for
 * dynamorm_write_options_get_current() (NULL clears it). */
void _dynamorm_write_options_set_current (DynamormWriteOptions *self, DynamormModel *current);

/* The caller's conditions (if_exists, if_not_exists, conditions, raw
 * expressions) ANDed into *condition (NULL when there are none). */
gboolean _dynamorm_write_options_render (DynamormWriteOptions *options, const DynamormSchema *schema,
                                         DynamormExprBuilder *b, char **condition, GError **error);

G_END_DECLS
