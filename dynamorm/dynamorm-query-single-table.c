/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-query-single-table.c: queries over key templates and
 * collections. Conditions on the properties of a template become one
 * condition on the composed attribute: all partition placeholders by
 * equality give the partition key; a left prefix of the sort placeholders
 * by equality gives begins_with on the composed prefix (or equality on the
 * whole key); a range on the next placeholder gives BETWEEN on composed
 * bounds, kept exact by the filter. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-single-table-private.h"

/* Greater than any text that follows a prefix (U+10FFFF in UTF-8). */
#define HIGH "\xf4\x8f\xbf\xbf"

void
_dynamorm_composed_condition_free (DynamormComposedCondition *cond)
{
  g_free (cond->bounds[0]);
  g_free (cond->bounds[1]);
  g_array_unref (cond->covered);
  g_free (cond);
}

static DynamormComposedCondition *
condition_new (const DynamormField *composed, DynamormOperator op)
{
  DynamormComposedCondition *cond = g_new0 (DynamormComposedCondition, 1);

  cond->composed = composed;
  cond->op = op;
  cond->covered = g_array_new (FALSE, FALSE, sizeof (guint));
  return cond;
}

static gboolean
is_partition_key (const DynamormSchema *schema, const DynamormField *field)
{
  if (field == schema->partition_key)
    return TRUE;
  for (guint i = 0; i < schema->indexes->len; i++)
    {
      const DynamormIndex *index = g_ptr_array_index (schema->indexes, i);

      if (!index->local && index->partition_key == field)
        return TRUE;
    }
  return FALSE;
}

static int
find_term (const DynamormKeyTerm *terms, guint n_terms, const DynamormField *field, gboolean equality)
{
  for (guint i = 0; i < n_terms; i++)
    {
      if (terms[i].field != field)
        continue;
      if (equality && terms[i].op == DYNAMORM_OPERATOR_EQ)
        return i;
      if (!equality && terms[i].op != DYNAMORM_OPERATOR_EQ)
        switch (terms[i].op)
          {
          case DYNAMORM_OPERATOR_LT: case DYNAMORM_OPERATOR_LE: case DYNAMORM_OPERATOR_GT:
          case DYNAMORM_OPERATOR_GE: case DYNAMORM_OPERATOR_BETWEEN: case DYNAMORM_OPERATOR_BEGINS_WITH:
            return i;
          default:
            break;
          }
    }
  return -1;
}

/* One where value, in the property's type, rendered as its placeholder. */
static gboolean
render_value (const DynamormKeyTemplate *tmpl, guint part_index, const GValue *value,
              const DynamormSchema *schema, const DynamormField *composed, GString *out, GError **error)
{
  const DynamormTemplatePart *part = g_ptr_array_index (tmpl->parts, part_index);
  GType want = G_PARAM_SPEC_VALUE_TYPE (part->field->pspec);
  g_auto(GValue) converted = G_VALUE_INIT;

  g_value_init (&converted, want);
  if (!g_value_type_transformable (G_VALUE_TYPE (value), want) || !g_value_transform (value, &converted))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Property “%s” of %s is a %s; a %s cannot be compared with it"),
                   part->field->pspec->name, g_type_name (schema->type), g_type_name (want),
                   G_VALUE_TYPE_NAME (value));
      return FALSE;
    }
  return _dynamorm_key_template_render_part (tmpl, part_index, &converted, schema->type,
                                             composed->attribute, out, error);
}

static void
cover (DynamormComposedCondition *cond, const DynamormTemplatePart *part, int term)
{
  guint index = term;

  if (term >= 0 && _dynamorm_key_template_part_is_exact (part))
    g_array_append_val (cond->covered, index);
}

/* Renders the template into out while its placeholders have an equality
 * term (their indexes go to used), up to the first that has none: its
 * part index, or the number of parts when every one had. G_MAXUINT on
 * error. */
static guint
render_equal_prefix (const DynamormSchema *schema, const DynamormField *composed,
                     const DynamormKeyTerm *terms, guint n_terms, GString *out, GArray *used,
                     GError **error)
{
  const DynamormKeyTemplate *tmpl = composed->key_template;
  guint i;

  for (i = 0; i < tmpl->parts->len; i++)
    {
      const DynamormTemplatePart *part = g_ptr_array_index (tmpl->parts, i);
      int term;

      if (part->literal != NULL)
        {
          g_string_append (out, part->literal);
          continue;
        }
      if ((term = find_term (terms, n_terms, part->field, TRUE)) < 0)
        break;
      if (!render_value (tmpl, i, terms[term].values, schema, composed, out, error))
        return G_MAXUINT;
      g_array_append_val (used, term);
    }
  return i;
}

static DynamormComposedCondition *
single_bound (const DynamormField *composed, DynamormOperator op, const char *text)
{
  DynamormComposedCondition *cond = condition_new (composed, op);

  cond->bounds[0] = g_strdup (text);
  cond->n_bounds = 1;
  return cond;
}

/* The equality terms a condition makes redundant: those on exact parts. */
static void
cover_used (DynamormComposedCondition *cond, const DynamormKeyTemplate *tmpl, GArray *used)
{
  for (guint k = 0, p = 0; k < tmpl->parts->len && p < used->len; k++)
    {
      const DynamormTemplatePart *part = g_ptr_array_index (tmpl->parts, k);
      if (part->literal == NULL)
        cover (cond, part, g_array_index (used, int, p++));
    }
}

/* Partition keys: every placeholder by equality, or nothing. */
static DynamormComposedCondition *
compose_partition (const DynamormSchema *schema, const DynamormField *composed,
                   const DynamormKeyTerm *terms, guint n_terms, GError **error)
{
  const DynamormKeyTemplate *tmpl = composed->key_template;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GArray) used = g_array_new (FALSE, FALSE, sizeof (int));
  DynamormComposedCondition *cond;

  if (render_equal_prefix (schema, composed, terms, n_terms, out, used, error) != tmpl->parts->len)
    return NULL;
  cond = single_bound (composed, DYNAMORM_OPERATOR_EQ, out->str);
  cover_used (cond, tmpl, used);
  return cond;
}

static gboolean
fixed_width (const DynamormTemplatePart *part)
{
  return part->pad > 0 || (part->field->kind == FIELD_DATETIME && !(part->field->flags & FIELD_FLAG_EPOCH));
}

static gboolean
is_last_text (const DynamormKeyTemplate *tmpl, guint part_index)
{
  return part_index + 1 == tmpl->parts->len;
}

/* The range term on placeholder part_index, after the composed prefix. */
static DynamormComposedCondition *
compose_range (const DynamormSchema *schema, const DynamormField *composed, guint part_index,
               const DynamormKeyTerm *term, const char *prefix, GError **error)
{
  const DynamormKeyTemplate *tmpl = composed->key_template;
  const DynamormTemplatePart *part = g_ptr_array_index (tmpl->parts, part_index);
  g_autoptr(GString) low = g_string_new (prefix);
  g_autoptr(GString) high = g_string_new (prefix);
  gboolean tight_high = fixed_width (part) || is_last_text (tmpl, part_index);
  DynamormComposedCondition *cond;

  if (term->op == DYNAMORM_OPERATOR_BEGINS_WITH)
    {
      if (part->pad > 0 || part->date || part->field->kind == FIELD_DATETIME)
        return NULL;
      if (!render_value (tmpl, part_index, term->values, schema, composed, low, error))
        return NULL;
      return single_bound (composed, DYNAMORM_OPERATOR_BEGINS_WITH, low->str);
    }
  if (!_dynamorm_key_template_part_is_ordered (part))
    return NULL;

  switch (term->op)
    {
    case DYNAMORM_OPERATOR_GE:
    case DYNAMORM_OPERATOR_GT:
      if (!render_value (tmpl, part_index, &term->values[0], schema, composed, low, error))
        return NULL;
      g_string_append (high, HIGH);
      break;
    case DYNAMORM_OPERATOR_LE:
    case DYNAMORM_OPERATOR_LT:
      if (tight_high && !render_value (tmpl, part_index, &term->values[0], schema, composed, high, error))
        return NULL;
      g_string_append (high, HIGH);
      break;
    case DYNAMORM_OPERATOR_BETWEEN:
      if (!render_value (tmpl, part_index, &term->values[0], schema, composed, low, error) ||
          (tight_high && !render_value (tmpl, part_index, &term->values[1], schema, composed, high, error)))
        return NULL;
      g_string_append (high, HIGH);
      break;
    default:
      return NULL;
    }
  cond = condition_new (composed, DYNAMORM_OPERATOR_BETWEEN);
  cond->bounds[0] = g_strdup (low->str);
  cond->bounds[1] = g_strdup (high->str);
  cond->n_bounds = 2;
  return cond;
}

/* Sort keys: a left prefix by equality, then maybe a range. */
static DynamormComposedCondition *
compose_sort (const DynamormSchema *schema, const DynamormField *composed,
              const DynamormKeyTerm *terms, guint n_terms, GError **error)
{
  const DynamormKeyTemplate *tmpl = composed->key_template;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GArray) used = g_array_new (FALSE, FALSE, sizeof (int));
  DynamormComposedCondition *cond = NULL;
  guint i = render_equal_prefix (schema, composed, terms, n_terms, out, used, error);

  if (i == G_MAXUINT)
    return NULL;
  if (i == tmpl->parts->len)
    cond = single_bound (composed, DYNAMORM_OPERATOR_EQ, out->str);
  else
    {
      const DynamormTemplatePart *part = g_ptr_array_index (tmpl->parts, i);
      int range = find_term (terms, n_terms, part->field, FALSE);
      GError *local_error = NULL;

      if (range >= 0)
        cond = compose_range (schema, composed, i, &terms[range], out->str, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      if (cond == NULL && out->len == 0)
        return NULL;
      if (cond == NULL)
        cond = single_bound (composed, DYNAMORM_OPERATOR_BEGINS_WITH, out->str);
    }
  cover_used (cond, tmpl, used);
  return cond;
}

GPtrArray *
_dynamorm_query_compose_conditions (const DynamormSchema   *schema,
                                    const DynamormKeyTerm  *terms,
                                    guint                   n_terms,
                                    gboolean                partition_only,
                                    GError                **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) _dynamorm_composed_condition_free);

  for (guint i = 0; schema->composed != NULL && i < schema->composed->len; i++)
    {
      const DynamormField *composed = g_ptr_array_index (schema->composed, i);
      DynamormComposedCondition *cond;
      GError *local_error = NULL;
      gboolean partition = is_partition_key (schema, composed);

      if (!partition && partition_only)
        continue;
      cond = partition ? compose_partition (schema, composed, terms, n_terms, &local_error)
                       : compose_sort (schema, composed, terms, n_terms, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      if (cond != NULL)
        g_ptr_array_add (out, cond);
    }
  return g_steal_pointer (&out);
}

/* ---- Entities and collections ---- */

char *
_dynamorm_entity_filter (const DynamormSchema *schema, const GType *members, guint n_members,
                         DynamormExprBuilder *b)
{
  const char *name;
  GString *s;

  if (schema->entity_attribute == NULL)
    return NULL;
  name = _dynamorm_expr_builder_name (b, schema->entity_attribute);
  if (members == NULL)
    return g_strdup_printf ("(%s = %s OR attribute_not_exists(%s))", name,
                            _dynamorm_expr_builder_value (b, _dynamorm_av_new_string ("S", schema->entity_name)),
                            name);
  s = g_string_new (NULL);
  g_string_append_printf (s, "%s IN (", name);
  for (guint i = 0; i < n_members; i++)
    {
      const DynamormSchema *member = _dynamorm_schema_get (members[i], TRUE, NULL);

      g_string_append_printf (s, "%s%s", i ? ", " : "",
                              _dynamorm_expr_builder_value (b, _dynamorm_av_new_string ("S", member->entity_name)));
    }
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

GType
_dynamorm_collection_item_type (const GType *members, guint n_members, JsonNode *item)
{
  const DynamormSchema *first = _dynamorm_schema_get (members[0], TRUE, NULL);
  const char *entity;

  if (first == NULL || item == NULL || !JSON_NODE_HOLDS_OBJECT (item))
    return G_TYPE_INVALID;
  entity = _dynamorm_item_entity (json_node_get_object (item), first->entity_attribute);
  for (guint i = 0; entity != NULL && i < n_members; i++)
    {
      const DynamormSchema *member = _dynamorm_schema_get (members[i], TRUE, NULL);

      if (member != NULL && g_str_equal (member->entity_name, entity))
        return members[i];
    }
  return G_TYPE_INVALID;
}

static gboolean
same_partition_key (const DynamormField *a, const DynamormField *b)
{
  if (a == NULL || b == NULL || !g_str_equal (a->attribute, b->attribute))
    return FALSE;
  if (a->key_template == NULL || b->key_template == NULL)
    return a->key_template == b->key_template && a->key_type == b->key_type;
  return g_str_equal (a->key_template->text, b->key_template->text);
}

const DynamormCollectionDecl *
_dynamorm_collection_check (const char *name, const GType *members, guint n_members, GError **error)
{
  const DynamormSchema *first = NULL;
  const DynamormCollectionDecl *first_decl = NULL;

  for (guint i = 0; i < n_members; i++)
    {
      const DynamormSchema *schema = _dynamorm_schema_get (members[i], TRUE, error);
      const DynamormCollectionDecl *decl;

      if (schema == NULL)
        return NULL;
      decl = _dynamorm_schema_find_collection (schema, name);
      if (decl == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                       _("%s is not a member of the collection “%s”: declare it with the tag "
                         "“@collection=%s” (or “@collection=%s,index:INDEX”)"),
                       g_type_name (members[i]), name, name, name);
          return NULL;
        }
      if (schema->entity_attribute == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("%s is a member of the collection “%s” but stores no entity name, so its items "
                         "could not be told from the others: drop “@entity-attribute=-”"),
                       g_type_name (members[i]), name);
          return NULL;
        }
      if (first == NULL)
        {
          first = schema;
          first_decl = decl;
          continue;
        }
      for (guint j = 0; j < i; j++)
        if (members[j] == members[i])
          {
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                         _("%s is added to the collection query “%s” twice: add each member once"),
                         g_type_name (members[i]), name);
            return NULL;
          }
      if (!g_str_equal (schema->table_name, first->table_name) ||
          g_strcmp0 (decl->index_name, first_decl->index_name) != 0 ||
          g_strcmp0 (schema->entity_attribute, first->entity_attribute) != 0 ||
          !same_partition_key (_dynamorm_collection_partition_key (schema, decl),
                               _dynamorm_collection_partition_key (first, first_decl)))
        {
          const DynamormField *a = _dynamorm_collection_partition_key (first, first_decl);
          const DynamormField *b = _dynamorm_collection_partition_key (schema, decl);

          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("%s and %s are both in the collection “%s”, but they do not share one partition "
                         "key (table “%s” / “%s”, index %s / %s, “%s” = “%s” / “%s” = “%s”): members of a "
                         "collection live in one table and share the partition key template of the table "
                         "or of one index"),
                       g_type_name (first->type), g_type_name (schema->type), name,
                       first->table_name, schema->table_name,
                       first_decl->index_name ? first_decl->index_name : "-",
                       decl->index_name ? decl->index_name : "-",
                       a ? a->attribute : "?", a && a->key_template ? a->key_template->text : "?",
                       b ? b->attribute : "?", b && b->key_template ? b->key_template->text : "?");
          return NULL;
        }
    }
  return first_decl;
}
