/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-partiql.h: DynamoDB's PartiQL statements, parsed.
 *
 * The statements DynamoDB supports:
 *   SELECT * | path, ... FROM "table"[."index"] [WHERE cond] [ORDER BY path [ASC|DESC]]
 *   INSERT INTO "table" VALUE {'attr': value, ...}
 *   UPDATE "table" (SET path = value | REMOVE path)... WHERE cond
 *          [RETURNING ALL|MODIFIED OLD|NEW *]
 *   DELETE FROM "table" WHERE cond [RETURNING ALL OLD *]
 *   EXISTS (SELECT * FROM "table" WHERE cond)        (transactions only)
 * Values are literals ('text', numbers, TRUE, FALSE, NULL, {'k': v}, [v, ...],
 * <<v, ...>> sets) or `?` parameters; double quotes name attributes and
 * tables. Keywords are case-insensitive.
 *
 * The parser turns conditions into DynamoDB's expression language with
 * #name/:value placeholders (ddb_pq_render_*), so the statement executor
 * (ddb-ops-partiql.c) runs them as Query, Scan, PutItem, UpdateItem,
 * DeleteItem and the transaction operations do: one engine, one set of
 * answers. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  DDB_PQ_SELECT,
  DDB_PQ_INSERT,
  DDB_PQ_UPDATE,
  DDB_PQ_DELETE,
  DDB_PQ_EXISTS,
} DdbPqKind;

typedef struct _DdbPqNode DdbPqNode;

typedef struct {
  DdbPqNode *path;
  DdbPqNode *value;
} DdbPqSet;

typedef struct {
  DdbPqKind kind;
  gboolean negated;            /* NOT EXISTS */
  char *table;
  char *index;                 /* SELECT ... FROM "t"."index" */
  GPtrArray *projection;       /* DdbPqNode* paths; NULL for * */
  DdbPqNode *where;            /* NULL without WHERE */
  JsonNode *item;              /* INSERT: the VALUE map, as an M AttributeValue */
  GArray *sets;                /* UPDATE: DdbPqSet */
  GPtrArray *removes;          /* UPDATE: DdbPqNode* paths */
  char *returning;             /* ReturnValues name (ALL_NEW, ...), or NULL */
  char *order_by;              /* ORDER BY attribute, or NULL */
  gboolean descending;
} DdbPqStatement;

void ddb_pq_statement_free (DdbPqStatement *statement);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbPqStatement, ddb_pq_statement_free)

/* Parses text; parameters (JSON array of AttributeValues, nullable) fill the
 * `?`s in order. ValidationException with DynamoDB Local's messages. */
DdbPqStatement *ddb_pq_parse (const char *text, JsonArray *parameters, GError **error);

/* Placeholders for the expressions rendered from one statement. */
typedef struct {
  JsonObject *names;           /* #pqN -> attribute name */
  JsonObject *values;          /* :pqN -> AttributeValue */
  GHashTable *name_keys;       /* attribute name -> "#pqN" */
  guint n_values;
} DdbPqRender;

void ddb_pq_render_init (DdbPqRender *r);
void ddb_pq_render_clear (DdbPqRender *r);
/* Adds ExpressionAttributeNames/Values to request when any were used. */
void ddb_pq_render_attach (DdbPqRender *r, JsonObject *request);

/* Condition text of node ("#pq0 = :pq1 AND ..."); set used_attrs to
 * collect the top-level attribute names it refers to. */
char *ddb_pq_render_condition (DdbPqRender *r, DdbPqNode *node, GHashTable *used_attrs);
/* Path text ("#pq0.#pq1[2]"). */
char *ddb_pq_render_path (DdbPqRender *r, DdbPqNode *path);
/* The UpdateExpression of an UPDATE statement; NULL with a
 * ValidationException for a value DynamoDB cannot set. */
char *ddb_pq_render_update (DdbPqRender *r, DdbPqStatement *statement, GError **error);

/* The conjuncts of a condition (the operands of its top-level ANDs). */
void ddb_pq_conjuncts (DdbPqNode *node, GPtrArray *out);
/* When node is `attr = value` (either way round) on a top-level attribute,
 * its name and value (borrowed); else FALSE. */
gboolean ddb_pq_equality (DdbPqNode *node, const char **attr, JsonNode **value);
/* When node is a sort-key condition on a top-level attribute (=, <, <=, >,
 * >=, BETWEEN of values, begins_with(attr, value)), its attribute name. */
const char *ddb_pq_key_condition_attr (DdbPqNode *node);
/* The value at path in item (borrowed), or NULL. */
JsonNode *ddb_pq_path_lookup (DdbPqNode *path, JsonObject *item);
/* The name an item's projected path answers under: the last map key, with
 * any list indexes after it ("m.k" -> "k", "l[1]" -> "l[1]"). */
char *ddb_pq_path_display (DdbPqNode *path);

G_END_DECLS
