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

typedef struct {
  /* the values of the properties the model keeps itself (see
   * dynamorm_model_type_store_properties), or NULL */
  GValue *stored;
} DynamormModelPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DynamormModel, dynamorm_model, G_TYPE_OBJECT)

static void dynamorm_model_finalize (GObject *object);

static void
dynamorm_model_class_init (DynamormModelClass *klass)
{
  static const DynamormNestedModelFuncs nested = { dynamorm_model_to_item, dynamorm_model_new_from_item };

  _dynamorm_init ();
  G_OBJECT_CLASS (klass)->finalize = dynamorm_model_finalize;
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

  /* Plain member reads: this runs for every field of every write. */
  g_value_init (value, pspec->value_type);
  if (field->vfunc_settable)
    field->owner_class->get_property ((GObject *) self, pspec->param_id, value, field->vfunc_pspec);
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

/* ---- Properties whose values the model keeps (for bindings) ----
 * A property declared in Python or JavaScript is set and read through a
 * call into that language: decoding a page of 100 items of 8 properties
 * made 800 such calls. dynamorm_model_type_store_properties() moves the
 * values of named properties into a table of GValues in the model, behind
 * the class's own set_property/get_property, which stay in charge of the
 * type's other properties. */

typedef struct {
  GObjectSetPropertyFunc chained_set;
  GObjectGetPropertyFunc chained_get;
  guint n_slots; /* this type's stored properties and its ancestors' */
} StoredClass;

G_DEFINE_QUARK (dynamorm_stored_class, stored_class)
G_DEFINE_QUARK (dynamorm_stored_slot, stored_slot)

/* The StoredClass of type or of its nearest ancestor that has one. */
static StoredClass *
stored_class_find (GType type)
{
  for (; type != DYNAMORM_TYPE_MODEL && type != G_TYPE_INVALID; type = g_type_parent (type))
    {
      StoredClass *stored = g_type_get_qdata (type, stored_class_quark ());

      if (stored != NULL)
        return stored;
    }
  return NULL;
}

/* The slot of pspec's value (1-based), 0 for a property kept by its class. */
static guint
stored_slot (GParamSpec *pspec)
{
  return GPOINTER_TO_UINT (g_param_spec_get_qdata (pspec, stored_slot_quark ()));
}

/* Where the model keeps pspec's value, NULL for a property kept by its class. */
static GValue *
stored_value (GObject *object, GParamSpec *pspec)
{
  DynamormModelPrivate *priv = dynamorm_model_get_instance_private (DYNAMORM_MODEL (object));
  guint slot = stored_slot (pspec);
  GValue *stored;

  if (slot == 0)
    return NULL;
  stored = g_atomic_pointer_get (&priv->stored);

  /* Allocated at the first value; two threads reading a fresh model may
   * both get here, and one table wins. */
  if (stored == NULL)
    {
      GValue *table = g_new0 (GValue, stored_class_find (G_OBJECT_TYPE (object))->n_slots);

      if (g_atomic_pointer_compare_and_exchange (&priv->stored, NULL, table))
        stored = table;
      else
        {
          g_free (table);
          stored = g_atomic_pointer_get (&priv->stored);
        }
    }
  return &stored[slot - 1];
}

static void
stored_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GValue *stored = stored_value (object, pspec);

  if (stored == NULL)
    {
      stored_class_find (pspec->owner_type)->chained_set (object, id, value, pspec);
      return;
    }
  if (G_IS_VALUE (stored))
    g_value_unset (stored);
  g_value_init (stored, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_value_copy (value, stored);
}

static void
stored_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GValue *stored = stored_value (object, pspec);

  if (stored == NULL)
    {
      stored_class_find (pspec->owner_type)->chained_get (object, id, value, pspec);
      return;
    }
  if (G_IS_VALUE (stored))
    g_value_copy (stored, value);
  else
    g_param_value_set_default (pspec, value);
}

static void
dynamorm_model_finalize (GObject *object)
{
  DynamormModelPrivate *priv = dynamorm_model_get_instance_private (DYNAMORM_MODEL (object));

  if (priv->stored != NULL)
    {
      guint n = stored_class_find (G_OBJECT_TYPE (object))->n_slots;

      for (guint i = 0; i < n; i++)
        if (G_IS_VALUE (&priv->stored[i]))
          g_value_unset (&priv->stored[i]);
      g_free (priv->stored);
    }
  G_OBJECT_CLASS (dynamorm_model_parent_class)->finalize (object);
}

static gboolean
check_storable (GType model_type, GObjectClass *klass, const char * const *names, GError **error)
{
  guint n_children;

  g_free (g_type_children (model_type, &n_children));
  if (n_children > 0 || g_type_get_qdata (model_type, stored_class_quark ()) != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s already has %s: store its properties once, right after registering the type"),
                   g_type_name (model_type), n_children > 0 ? _("subclasses") : _("stored properties"));
      return FALSE;
    }
  for (guint i = 0; names[i] != NULL; i++)
    {
      GParamSpec *pspec = g_object_class_find_property (klass, names[i]);

      if (pspec == NULL || pspec->owner_type != model_type ||
          (pspec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE || stored_slot (pspec) != 0)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("%s has no readable and writable property “%s” of its own to store: "
                         "name the properties the type itself declares"),
                       g_type_name (model_type), names[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * dynamorm_model_type_store_properties:
 * @model_type: a #DynamormModel subtype declared by a language binding
 * @names: (array zero-terminated=1): names of properties @model_type itself
 *   declares
 * @error: return location for a #GError
 *
 * Makes the model keep the values of these properties itself, so that
 * setting and reading them (and decoding items into models) makes no call
 * into the language the type was declared in. The type's other properties
 * stay with its own `set_property` and `get_property`.
 *
 * For bindings: call it once, right after registering the type, before any
 * instance or subclass is made. The Python override and `dynamorm.js` call
 * it for the properties of `Dynamorm.Attribute` and `defineModel`.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_model_type_store_properties (GType               model_type,
                                      const char * const *names,
                                      GError            **error)
{
  static GMutex lock;
  g_autoptr(GTypeClass) type_class = NULL;
  GObjectClass *klass;
  StoredClass *stored, *parent;

  g_return_val_if_fail (g_type_is_a (model_type, DYNAMORM_TYPE_MODEL), FALSE);
  g_return_val_if_fail (names != NULL, FALSE);

  type_class = g_type_class_ref (model_type);
  klass = G_OBJECT_CLASS (type_class);
  g_mutex_lock (&lock);
  if (!check_storable (model_type, klass, names, error))
    {
      g_mutex_unlock (&lock);
      return FALSE;
    }
  parent = stored_class_find (g_type_parent (model_type));
  stored = g_new0 (StoredClass, 1);
  stored->chained_set = klass->set_property;
  stored->chained_get = klass->get_property;
  stored->n_slots = parent != NULL ? parent->n_slots : 0;
  for (guint i = 0; names[i] != NULL; i++)
    g_param_spec_set_qdata (g_object_class_find_property (klass, names[i]), stored_slot_quark (),
                            GUINT_TO_POINTER (++stored->n_slots));
  g_type_set_qdata (model_type, stored_class_quark (), stored);
  klass->set_property = stored_set_property;
  klass->get_property = stored_get_property;
  g_mutex_unlock (&lock);
  return TRUE;
}

/**
 * dynamorm_model_get_value:
 * @self: a #DynamormModel
 * @property_name: the name of one of its properties
 * @value: (out caller-allocates): an uninitialized #GValue to fill
 *
 * Reads a property, as g_object_get_property() does. For bindings: PyGObject
 * answers a read of a property of a type declared in Python from Python,
 * without asking the type, so a property the model keeps (see
 * [func@Dynamorm.Model.type_store_properties]) is read through this call.
 */
void
dynamorm_model_get_value (DynamormModel *self,
                          const char    *property_name,
                          GValue        *value)
{
  GParamSpec *pspec;

  g_return_if_fail (DYNAMORM_IS_MODEL (self));
  g_return_if_fail (property_name != NULL);

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), property_name);
  g_return_if_fail (pspec != NULL);
  g_value_init (value, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_object_get_property (G_OBJECT (self), property_name, value);
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
