/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-model-single-table.c: what models write and check for
 * single-table design: composed key attributes rendered from their
 * templates, the entity attribute, and on reads the entity check and the
 * properties read back from composed keys. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-single-table-private.h"

JsonNode *
_dynamorm_model_key_av (DynamormModel        *model,
                        const DynamormField  *field,
                        const char           *what,
                        GError              **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (field->key_template != NULL, NULL);

  text = _dynamorm_key_template_render_model (field->key_template, model, field->attribute, error);
  if (text == NULL)
    return NULL;
  return _dynamorm_av_new_string ("S", text);
}

static gboolean
is_table_key (const DynamormSchema *schema, const DynamormField *field)
{
  return field == schema->partition_key || field == schema->sort_key;
}

gboolean
_dynamorm_model_add_single_table (DynamormModel         *model,
                                  const DynamormSchema  *schema,
                                  JsonObject            *item,
                                  GError               **error)
{
  for (guint i = 0; schema->composed != NULL && i < schema->composed->len; i++)
    {
      const DynamormField *field = g_ptr_array_index (schema->composed, i);
      const DynamormKeyTemplate *tmpl = field->key_template;
      const DynamormSparseCondition *sparse;
      JsonNode *av;

      /* An index key whose properties are all unset leaves the item out
       * of the index (sparse); a table key is always needed. */
      if (!is_table_key (schema, field) && _dynamorm_key_template_n_placeholders (tmpl) > 0 &&
          _dynamorm_key_template_count_missing (tmpl, model) == _dynamorm_key_template_n_placeholders (tmpl))
        continue;
      /* An index with a condition the item does not meet: left out. */
      if ((sparse = _dynamorm_schema_sparse_condition_for (schema, field)) != NULL &&
          !_dynamorm_sparse_condition_holds (sparse, model, NULL))
        continue;
      av = _dynamorm_model_key_av (model, field, NULL, error);
      if (av == NULL)
        return FALSE;
      json_object_set_member (item, field->attribute, av);
    }
  if (schema->entity_attribute != NULL)
    json_object_set_member (item, schema->entity_attribute,
                            _dynamorm_av_new_string ("S", schema->entity_name));
  return TRUE;
}

const char *
_dynamorm_item_entity (JsonObject *obj,
                       const char *attribute)
{
  JsonNode *av = attribute ? json_object_get_member (obj, attribute) : NULL;
  JsonNode *inner = NULL;
  const char *type;

  if (av == NULL || (type = _dynamorm_av_get_type (av, &inner)) == NULL || !g_str_equal (type, "S") ||
      inner == NULL || !JSON_NODE_HOLDS_VALUE (inner) || json_node_get_value_type (inner) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (inner);
}

gboolean
_dynamorm_item_check_entity (const DynamormSchema  *schema,
                             JsonObject            *obj,
                             GError               **error)
{
  const char *entity;

  if (schema->entity_attribute == NULL)
    return TRUE;
  entity = _dynamorm_item_entity (obj, schema->entity_attribute);
  /* Items written before the model had an entity name have none. */
  if (entity == NULL && !json_object_has_member (obj, schema->entity_attribute))
    return TRUE;
  if (entity != NULL && g_str_equal (entity, schema->entity_name))
    return TRUE;
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
               _("The item is a “%s” (attribute “%s”), not a “%s”, so it cannot be read as %s: "
                 "read it with the model of that entity, or query a collection to read several entities"),
               entity ? entity : "?", schema->entity_attribute, schema->entity_name,
               g_type_name (schema->type));
  return FALSE;
}

JsonObject *
_dynamorm_item_read_back (const DynamormSchema *schema,
                          JsonObject           *obj)
{
  g_autoptr(JsonObject) copy = NULL;

  for (guint i = 0; schema->composed != NULL && i < schema->composed->len; i++)
    {
      const DynamormField *field = g_ptr_array_index (schema->composed, i);
      JsonNode *av = json_object_get_member (obj, field->attribute);
      JsonNode *inner = NULL;
      const char *type = av ? _dynamorm_av_get_type (av, &inner) : NULL;
      const DynamormKeyTemplate *tmpl = field->key_template;
      gboolean lacks = FALSE;

      if (type == NULL || !g_str_equal (type, "S") || inner == NULL || !JSON_NODE_HOLDS_VALUE (inner))
        continue;
      for (guint p = 0; p < tmpl->parts->len && !lacks; p++)
        {
          const DynamormTemplatePart *part = g_ptr_array_index (tmpl->parts, p);
          lacks = part->field != NULL && !json_object_has_member (copy ? copy : obj, part->field->attribute);
        }
      if (!lacks)
        continue;
      if (copy == NULL)
        {
          JsonObjectIter iter;
          const char *name;
          JsonNode *member;

          copy = json_object_new ();
          json_object_iter_init (&iter, obj);
          while (json_object_iter_next (&iter, &name, &member))
            json_object_set_member (copy, name, json_node_ref (member));
        }
      /* A value that does not follow the template is left alone: the
       * properties keep their defaults, as for any missing attribute. */
      _dynamorm_key_template_read_back (tmpl, json_node_get_string (inner), copy);
    }
  return g_steal_pointer (&copy);
}
