/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-single-table-private.h"
#include "dynamorm-crypto-private.h"

/**
 * DynamormModel:
 *
 * The base class of objects stored as DynamoDB items.
 *
 * A model is a GObject subclass whose properties are the item's attributes.
 * Its schema names the table, the partition key, an optional sort key,
 * indexes, and how each property is stored. In C, declare it in
 * `class_init`:
 *
 * ```c
 * static void
 * demo_user_class_init (DemoUserClass *klass)
 * {
 *   DynamormModelClass *model_class = DYNAMORM_MODEL_CLASS (klass);
 *
 *   // ... install the "id", "email", "name" properties ...
 *   dynamorm_model_class_set_table_name (model_class, "users");
 *   dynamorm_model_class_tag_property (model_class, "id", "pk");
 *   dynamorm_model_class_tag_property (model_class, "email", "index:by-email,pk");
 * }
 * ```
 *
 * In Python and JavaScript, call [func@Dynamorm.Model.type_declare] once
 * after defining the class (the Python override does it for you from
 * `__dynamorm_table__` and `__dynamorm_tags__`).
 *
 * Every readable and writable property declared by a model class is stored,
 * under its name with `-` turned into `_`, unless it is tagged `-`.
 */

G_DEFINE_ABSTRACT_TYPE (DynamormModel, dynamorm_model, G_TYPE_OBJECT)

static void
dynamorm_model_class_init (DynamormModelClass *klass)
{
  static const DynamormNestedModelFuncs nested = { dynamorm_model_to_item, dynamorm_model_new_from_item };

  _dynamorm_init ();
  _dynamorm_codec_set_nested_model_funcs (&nested);

  klass->serialize_property = dynamorm_model_default_serialize_property;
  klass->deserialize_property = dynamorm_model_default_deserialize_property;
}

static void
dynamorm_model_init (DynamormModel *self)
{
}

static const DynamormField *
field_for (DynamormModel *self, const char *property_name, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (G_OBJECT_TYPE (self), FALSE, error);
  const DynamormField *field;

  if (schema == NULL)
    return NULL;
  field = _dynamorm_schema_lookup (schema, property_name);
  if (field == NULL)
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                 _("%s has no stored property “%s”"), G_OBJECT_TYPE_NAME (self), property_name);
  return field;
}

/**
 * dynamorm_model_default_serialize_property:
 * @self: a #DynamormModel
 * @property_name: the property's name
 * @value: the property's value
 * @pspec: the property's #GParamSpec
 * @error: return location for a #GError
 *
 * The default way of storing a property, for `serialize_property`
 * implementations to chain up to.
 *
 * Returns: (transfer full) (nullable): the AttributeValue, or %NULL when the
 *   attribute is left out or on error (check @error)
 */
JsonNode *
dynamorm_model_default_serialize_property (DynamormModel  *self,
                                           const char     *property_name,
                                           const GValue   *value,
                                           GParamSpec     *pspec,
                                           GError        **error)
{
  const DynamormField *field = field_for (self, property_name, error);
  JsonNode *out = NULL;

  if (field == NULL)
    return NULL;
  if (!_dynamorm_field_encode (field, value, &out, error))
    return NULL;
  return out;
}

/**
 * dynamorm_model_default_deserialize_property:
 * @self: a #DynamormModel
 * @property_name: the property's name
 * @attribute_value: the stored AttributeValue
 * @value: (out caller-allocates): an uninitialized #GValue to fill
 * @pspec: the property's #GParamSpec
 * @error: return location for a #GError
 *
 * The default way of reading a property, for `deserialize_property`
 * implementations to chain up to.
 *
 * Returns: %TRUE if @value was set
 */
gboolean
dynamorm_model_default_deserialize_property (DynamormModel  *self,
                                             const char     *property_name,
                                             JsonNode       *attribute_value,
                                             GValue         *value,
                                             GParamSpec     *pspec,
                                             GError        **error)
{
  const DynamormField *field = field_for (self, property_name, error);

  if (field == NULL)
    return FALSE;
  return _dynamorm_field_decode (field, attribute_value, value, error);
}

static JsonNode *
serialize_field (DynamormModel *self, const DynamormField *field, GError **error)
{
  DynamormModelClass *klass = DYNAMORM_MODEL_GET_CLASS (self);
  GValue value = G_VALUE_INIT;
  GError *local_error = NULL;
  JsonNode *av;

  _dynamorm_model_get_field (self, field, &value);
  av = klass->serialize_property (self, field->pspec->name, &value, field->pspec, &local_error);
  g_value_unset (&value);
  if (local_error != NULL)
    {
      g_clear_pointer (&av, json_node_unref);
      g_propagate_error (error, local_error);
    }
  return av;
}

static gboolean
check_key_value (DynamormModel *self, const DynamormField *field, JsonNode *av,
                 const char *what, GError **error)
{
  JsonNode *inner;
  const char *type = av ? _dynamorm_av_get_type (av, &inner) : NULL;

  if (av == NULL || (type && g_str_equal (type, "NULL")) ||
      (type && (g_str_equal (type, "S") || g_str_equal (type, "B")) &&
       *json_node_get_string (inner) == '\0'))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The %s “%s” of this %s is empty: set it before reading or writing the item"),
                   what, field->pspec->name, G_OBJECT_TYPE_NAME (self));
      return FALSE;
    }
  return TRUE;
}

/* DynamoDB refuses an empty string or binary as the key of an index. */
static gboolean
check_index_key_value (DynamormModel *self, const DynamormSchema *schema, const DynamormField *field,
                       JsonNode *av, GError **error)
{
  JsonNode *inner;
  const char *type = av ? _dynamorm_av_get_type (av, &inner) : NULL;

  if (type == NULL || !(g_str_equal (type, "S") || g_str_equal (type, "B")) ||
      *json_node_get_string (inner) != '\0')
    return TRUE;
  for (guint i = 0; schema->indexes != NULL && i < schema->indexes->len; i++)
    {
      const DynamormIndex *index = g_ptr_array_index (schema->indexes, i);

      if (index->partition_key != field && index->sort_key != field)
        continue;
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("Property “%s” of this %s is a key of the index “%s” and is empty, which DynamoDB "
                     "refuses as an index key: leave it unset (None in Python, null in JavaScript) to "
                     "keep the item out of the index, or tag the property omitempty"),
                   field->pspec->name, G_OBJECT_TYPE_NAME (self), index->name);
      return FALSE;
    }
  return TRUE;
}

/* ---- Properties by field, without GObject's lookup by name ----
 * What g_object_get_property() and g_object_set_property() do once they
 * have found the GParamSpec: call the owning class's vfunc. Setting this
 * way skips "notify", so it is only done when nobody could be listening. */

void
_dynamorm_model_get_field (DynamormModel *self, const DynamormField *field, GValue *value)
{
  GParamSpec *pspec = field->pspec;

  g_value_init (value, G_PARAM_SPEC_VALUE_TYPE (pspec));
  if (field->vfunc_settable)
    field->owner_class->get_property (G_OBJECT (self), pspec->param_id, value, field->vfunc_pspec);
  else
    g_object_get_property (G_OBJECT (self), pspec->name, value);
}

/* Nobody can observe notifications of this object: no handler on "notify"
 * and no class override of the notification machinery. */
static gboolean
notify_unobserved (GObject *object)
{
  static gsize notify_id;
  static GObjectClass *object_class;
  GObjectClass *klass = G_OBJECT_GET_CLASS (object);

  if (g_once_init_enter (&notify_id))
    {
      object_class = g_type_class_ref (G_TYPE_OBJECT);
      g_once_init_leave (&notify_id, g_signal_lookup ("notify", G_TYPE_OBJECT));
    }
  return klass->notify == NULL &&
         klass->dispatch_properties_changed == object_class->dispatch_properties_changed &&
         !g_signal_has_handler_pending (object, notify_id, 0, TRUE);
}

void
_dynamorm_model_set_fields (DynamormModel *self, const DynamormSchema *schema, const GValue *values)
{
  GObject *object = G_OBJECT (self);

  if (notify_unobserved (object))
    {
      for (guint i = 0; i < schema->fields->len; i++)
        {
          const DynamormField *field = g_ptr_array_index (schema->fields, i);

          if (field->vfunc_settable)
            field->owner_class->set_property (object, field->pspec->param_id, &values[i],
                                              field->vfunc_pspec);
          else
            g_object_set_property (object, field->pspec->name, &values[i]);
        }
      return;
    }

  g_object_freeze_notify (object);
  for (guint i = 0; i < schema->fields->len; i++)
    {
      const DynamormField *field = g_ptr_array_index (schema->fields, i);
      g_object_set_property (object, field->pspec->name, &values[i]);
    }
  g_object_thaw_notify (object);
}

gboolean
_dynamorm_model_class_is_plain (DynamormModelClass *klass)
{
  return klass->serialize_property == dynamorm_model_default_serialize_property &&
         klass->deserialize_property == dynamorm_model_default_deserialize_property;
}

/**
 * dynamorm_model_to_item:
 * @self: a #DynamormModel
 * @error: return location for a #GError
 *
 * Converts the model into a DynamoDB item: a JSON object of
 * AttributeValues, as PutItem takes it. Fails, before anything is sent, if
 * a value cannot be stored or a key is empty.
 *
 * Returns: (transfer full): the item, or %NULL on error
 */
JsonNode *
dynamorm_model_to_item (DynamormModel  *self,
                        GError        **error)
{
  const DynamormSchema *schema;
  g_autoptr(JsonObject) item = NULL;

  g_return_val_if_fail (DYNAMORM_IS_MODEL (self), NULL);

  schema = _dynamorm_schema_get (G_OBJECT_TYPE (self), FALSE, error);
  if (schema == NULL)
    return NULL;

  item = json_object_new ();
  for (guint i = 0; i < schema->fields->len; i++)
    {
      const DynamormField *field = g_ptr_array_index (schema->fields, i);
      JsonNode *av = serialize_field (self, field, error);

      if (av == NULL && error && *error)
        return NULL;
      if (field == schema->partition_key || field == schema->sort_key)
        {
          if (!check_key_value (self, field, av,
                                field == schema->partition_key ? _("partition key") : _("sort key"),
                                error))
            {
              g_clear_pointer (&av, json_node_unref);
              return NULL;
            }
        }
      else if (!check_index_key_value (self, schema, field, av, error))
        {
          g_clear_pointer (&av, json_node_unref);
          return NULL;
        }
      if (av != NULL)
        json_object_set_member (item, field->attribute, av);
    }
  if (!_dynamorm_model_add_single_table (self, schema, item, error))
    return NULL;

  return json_node_init_object (json_node_alloc (), item);
}

/**
 * dynamorm_model_get_key:
 * @self: a #DynamormModel
 * @error: return location for a #GError
 *
 * Gets the model's primary key as DynamoDB's `Key` object: the partition
 * key attribute and, if the table has one, the sort key attribute.
 *
 * Returns: (transfer full): the key, or %NULL on error
 */
JsonNode *
dynamorm_model_get_key (DynamormModel  *self,
                        GError        **error)
{
  const DynamormSchema *schema;
  g_autoptr(JsonObject) key = NULL;
  const DynamormField *fields[2];

  g_return_val_if_fail (DYNAMORM_IS_MODEL (self), NULL);

  schema = _dynamorm_schema_get (G_OBJECT_TYPE (self), TRUE, error);
  if (schema == NULL)
    return NULL;

  key = json_object_new ();
  fields[0] = schema->partition_key;
  fields[1] = schema->sort_key;
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *av;

      if (fields[i] == NULL)
        continue;
      if (fields[i]->key_template != NULL)
        {
          if ((av = _dynamorm_model_key_av (self, fields[i], NULL, error)) == NULL)
            return NULL;
          json_object_set_member (key, fields[i]->attribute, av);
          continue;
        }
      av = serialize_field (self, fields[i], error);
      if (av == NULL && error && *error)
        return NULL;
      if (!check_key_value (self, fields[i], av, i == 0 ? _("partition key") : _("sort key"), error))
        {
          g_clear_pointer (&av, json_node_unref);
          return NULL;
        }
      json_object_set_member (key, fields[i]->attribute, av);
    }

  return json_node_init_object (json_node_alloc (), key);
}

/**
 * dynamorm_model_load_item:
 * @self: a #DynamormModel
 * @item: a DynamoDB item: a JSON object of AttributeValues
 * @error: return location for a #GError
 *
 * Sets the model's properties from an item, as GetItem returns it.
 * Properties whose attribute is missing from the item are reset to their
 * default value; attributes the model does not know are ignored. If any
 * value does not fit its property, nothing is changed and @error says which.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_model_load_item (DynamormModel  *self,
                          JsonNode       *item,
                          GError        **error)
{
  DynamormModelClass *klass;
  const DynamormSchema *schema;
  JsonObject *obj;
  g_autoptr(JsonObject) read_back = NULL;
  GValue *values;
  gboolean ok = TRUE;

  g_return_val_if_fail (DYNAMORM_IS_MODEL (self), FALSE);
  g_return_val_if_fail (item != NULL, FALSE);

  if (!JSON_NODE_HOLDS_OBJECT (item))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("An item is a JSON object of attributes; got a JSON %s"),
                   json_node_type_name (item));
      return FALSE;
    }

  schema = _dynamorm_schema_get (G_OBJECT_TYPE (self), FALSE, error);
  if (schema == NULL)
    return FALSE;

  klass = DYNAMORM_MODEL_GET_CLASS (self);
  obj = json_node_get_object (item);
  if (!_dynamorm_item_check_entity (schema, obj, error))
    return FALSE;
  read_back = _dynamorm_item_read_back (schema, obj);
  if (read_back != NULL)
    obj = read_back;
  values = g_new0 (GValue, schema->fields->len);

  /* Decode everything first, so a bad value leaves the model untouched. */
  for (guint i = 0; ok && i < schema->fields->len; i++)
    {
      const DynamormField *field = g_ptr_array_index (schema->fields, i);
      JsonNode *av = json_object_get_member (obj, field->attribute);

      if (av == NULL)
        {
          g_value_init (&values[i], G_PARAM_SPEC_VALUE_TYPE (field->pspec));
          g_param_value_set_default (field->pspec, &values[i]);
        }
      else if ((field->flags & FIELD_FLAG_ENCRYPTED) && _dynamorm_crypto_is_sealed (av))
        {
          /* Fails closed: ciphertext is never a property value. */
          _dynamorm_crypto_set_no_provider_error (field, error);
          ok = FALSE;
        }
      else
        ok = klass->deserialize_property (self, field->pspec->name, av, &values[i],
                                          field->pspec, error);
    }

  if (ok)
    _dynamorm_model_set_fields (self, schema, values);

  for (guint i = 0; i < schema->fields->len; i++)
    if (G_IS_VALUE (&values[i]))
      g_value_unset (&values[i]);
  g_free (values);

  return ok;
}

/**
 * dynamorm_model_new_from_item:
 * @model_type: a #DynamormModel subtype
 * @item: a DynamoDB item: a JSON object of AttributeValues
 * @error: return location for a #GError
 *
 * Creates a model from an item, such as an image in a DynamoDB Streams
 * record. See [method@Dynamorm.Model.load_item].
 *
 * Returns: (transfer full): a new model, or %NULL on error
 */
DynamormModel *
dynamorm_model_new_from_item (GType      model_type,
                              JsonNode  *item,
                              GError   **error)
{
  g_autoptr(DynamormModel) model = NULL;

  g_return_val_if_fail (g_type_is_a (model_type, DYNAMORM_TYPE_MODEL), NULL);
  g_return_val_if_fail (item != NULL, NULL);

  if (G_TYPE_IS_ABSTRACT (model_type))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s is abstract and cannot be created"), g_type_name (model_type));
      return NULL;
    }
  model = g_object_new (model_type, NULL);
  if (!dynamorm_model_load_item (model, item, error))
    return NULL;
  return g_steal_pointer (&model);
}
