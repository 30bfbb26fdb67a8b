/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-update-single-table.c: UpdateItem keeps composed index keys in
 * step with the properties they are made of: when an update writes a
 * placeholder's property, the index key is composed again (or removed, when
 * the item leaves a sparse index), and the entity attribute is set. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-single-table-private.h"
#include "dynamorm-expression-private.h"

static gboolean
template_touched (const DynamormKeyTemplate *tmpl, GHashTable *given, gboolean *unrenderable,
                  const DynamormField **which)
{
  gboolean touched = FALSE;

  for (guint i = 0; i < tmpl->parts->len; i++)
    {
      const DynamormTemplatePart *part = g_ptr_array_index (tmpl->parts, i);
      gpointer value;

      if (part->field == NULL || !g_hash_table_lookup_extended (given, part->field, NULL, &value))
        continue;
      touched = TRUE;
      *which = part->field;
      if (value == DYNAMORM_UPDATE_UNRENDERABLE)
        {
          *unrenderable = TRUE;
          return TRUE;
        }
    }
  return touched;
}

static gboolean
condition_touched (const DynamormSparseCondition *sparse, GHashTable *given)
{
  GHashTableIter iter;
  gpointer field;

  g_hash_table_iter_init (&iter, given);
  while (g_hash_table_iter_next (&iter, &field, NULL))
    if (_dynamorm_sparse_condition_uses (sparse, field))
      return TRUE;
  return FALSE;
}

static gboolean
changes_placeholder (const DynamormKeyTemplate *tmpl, GHashTable *given, const DynamormField **which)
{
  for (guint i = 0; i < tmpl->parts->len; i++)
    {
      const DynamormTemplatePart *part = g_ptr_array_index (tmpl->parts, i);
      gpointer value;

      if (part->field != NULL && g_hash_table_lookup_extended (given, part->field, NULL, &value) &&
          value != DYNAMORM_UPDATE_FROM_MODEL)
        {
          *which = part->field;
          return TRUE;
        }
    }
  return FALSE;
}

/* The template's text with the update's values where it gives them. NULL
 * and no error: every placeholder is unset (the item leaves the index). */
static char *
compose (const DynamormKeyTemplate *tmpl, const DynamormField *composed, DynamormModel *model,
         GHashTable *given, GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint missing = 0, n = 0;
  GError *first = NULL;

  for (guint i = 0; i < tmpl->parts->len; i++)
    {
      const DynamormTemplatePart *part = g_ptr_array_index (tmpl->parts, i);
      const GValue *value = g_hash_table_lookup (given, part->field);
      g_auto(GValue) from_model = G_VALUE_INIT;
      GError *local_error = NULL;

      if (part->literal != NULL)
        {
          g_string_append (out, part->literal);
          continue;
        }
      n++;
      if (value == NULL || value == DYNAMORM_UPDATE_FROM_MODEL)
        {
          _dynamorm_model_get_field (model, part->field, &from_model);
          value = &from_model;
        }
      else if (G_VALUE_TYPE (value) != G_PARAM_SPEC_VALUE_TYPE (part->field->pspec))
        {
          g_value_init (&from_model, G_PARAM_SPEC_VALUE_TYPE (part->field->pspec));
          if (!g_value_transform (value, &from_model))
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                           _("The update gives property “%s” a %s, which does not convert to its type %s"),
                           part->property, G_VALUE_TYPE_NAME (value),
                           g_type_name (G_PARAM_SPEC_VALUE_TYPE (part->field->pspec)));
              g_clear_error (&first);
              return NULL;
            }
          value = &from_model;
        }
      if (!_dynamorm_key_template_render_part (tmpl, i, value, G_OBJECT_TYPE (model),
                                               composed->attribute, out, &local_error))
        {
          missing += g_error_matches (local_error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
          if (first == NULL)
            first = local_error;
          else
            g_error_free (local_error);
        }
    }
  if (first != NULL && missing == n)
    {
      g_error_free (first);
      return NULL;
    }
  if (first != NULL)
    {
      g_propagate_error (error, first);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
append (GString *list, const char *text)
{
  if (list->len)
    g_string_append (list, ", ");
  g_string_append (list, text);
}

gboolean
_dynamorm_update_render_composed (const DynamormSchema  *schema,
                                  DynamormModel         *model,
                                  GHashTable            *given,
                                  DynamormExprBuilder   *b,
                                  GString               *set,
                                  GString               *remove,
                                  GError               **error)
{
  for (guint i = 0; schema->composed != NULL && i < schema->composed->len; i++)
    {
      const DynamormField *field = g_ptr_array_index (schema->composed, i);
      const DynamormField *which = NULL;
      gboolean unrenderable = FALSE;
      const char *name;
      g_autofree char *text = NULL;
      g_autofree char *clause = NULL;
      GError *local_error = NULL;

      const DynamormSparseCondition *sparse = _dynamorm_schema_sparse_condition_for (schema, field);
      gboolean touched = template_touched (field->key_template, given, &unrenderable, &which);

      if (!touched && !(sparse != NULL && condition_touched (sparse, given)))
        continue;
      if (field == schema->partition_key || field == schema->sort_key)
        {
          /* The model's own values make its key: writing them back changes nothing. */
          if (!changes_placeholder (field->key_template, given, &which))
            continue;
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("Property “%s” of %s is part of its key (“%s” = “%s”) and cannot be updated: "
                         "delete the item and put a new one instead"),
                       which->pspec->name, g_type_name (schema->type), field->attribute,
                       field->key_template->text);
          return FALSE;
        }
      if (unrenderable)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("Property “%s” of %s is part of the index key “%s” (“%s”), which Dynamorm must "
                         "compose again: set the property to a value in the update (not add, increment "
                         "or remove it)"),
                       which->pspec->name, g_type_name (schema->type), field->attribute,
                       field->key_template->text);
          return FALSE;
        }
      name = _dynamorm_expr_builder_name (b, field->attribute);
      if (sparse != NULL && !_dynamorm_sparse_condition_holds (sparse, model, given))
        {
          append (remove, name);
          continue;
        }
      text = compose (field->key_template, field, model, given, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      if (text == NULL)
        {
          append (remove, name);
          continue;
        }
      clause = g_strdup_printf ("%s = %s", name,
                                _dynamorm_expr_builder_value (b, _dynamorm_av_new_string ("S", text)));
      append (set, clause);
    }
  if (schema->entity_attribute != NULL)
    {
      g_autofree char *clause =
        g_strdup_printf ("%s = %s", _dynamorm_expr_builder_name (b, schema->entity_attribute),
                         _dynamorm_expr_builder_value (b, _dynamorm_av_new_string ("S", schema->entity_name)));
      append (set, clause);
    }
  return TRUE;
}

GHashTable *
_dynamorm_update_given_all (const DynamormSchema *schema)
{
  GHashTable *given = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < schema->fields->len; i++)
    g_hash_table_insert (given, g_ptr_array_index (schema->fields, i), DYNAMORM_UPDATE_FROM_MODEL);
  return given;
}
const char _dynamorm_update_markers[2];
