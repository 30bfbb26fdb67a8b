/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-accessors-private.h"
#include "dynamorm-write-private.h"
#include "dynamorm-single-table-private.h"

/**
 * DynamormUpdate:
 *
 * The changes of an update, applied to one stored item by
 * [method@Dynamorm.Session.update_full] in a single atomic UpdateItem
 * request, without reading the item first:
 *
 * ```c
 * g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
 * GValue tag = G_VALUE_INIT;
 *
 * g_value_init (&tag, G_TYPE_STRING);
 * g_value_set_static_string (&tag, "vip");
 * dynamorm_update_increment (update, "logins", 1);
 * dynamorm_update_add (update, "tags", &tag);         // a string set
 * dynamorm_update_remove (update, "nickname");
 * dynamorm_session_update_full (session, user, update, NULL, NULL, NULL, &error);
 * // user now holds the item as stored after the update
 * ```
 *
 * Actions name model properties. They are checked against the model's
 * schema when the update is sent, before anything goes out: an unknown
 * property or a key property is %DYNAMORM_ERROR_INVALID_ARGUMENT, an action
 * that does not fit the property's type (adding to a string, appending to
 * a set) is %DYNAMORM_ERROR_INVALID_QUERY, and so are two actions on the
 * same property. Values are converted to the property's type as
 * conditions' values are (see [ctor@Dynamorm.Condition.new]).
 *
 * The `version` property is Dynamorm's to write and cannot be changed by
 * an action; `updated_at` is set to the current time unless an action sets
 * it.
 */

typedef enum {
  ACTION_SET,
  ACTION_SET_IF_NOT_EXISTS,
  ACTION_SET_FROM_MODEL,
  ACTION_ADD,
  ACTION_INCREMENT,
  ACTION_REMOVE,
  ACTION_DELETE_FROM_SET,
  ACTION_APPEND,
  ACTION_PREPEND,
  ACTION_SET_ELEMENT,
  ACTION_REMOVE_ELEMENT,
} ActionKind;

typedef struct {
  ActionKind kind;
  char *property;
  GValue value;
  gint64 amount;
  guint index;
} Action;

struct _DynamormUpdate
{
  GObject parent_instance;

  GArray *actions;   /* of Action */
};

G_DEFINE_FINAL_TYPE (DynamormUpdate, dynamorm_update, G_TYPE_OBJECT)

static void
action_clear (Action *action)
{
  g_free (action->property);
  if (G_IS_VALUE (&action->value))
    g_value_unset (&action->value);
}

static void
dynamorm_update_finalize (GObject *object)
{
  DynamormUpdate *self = DYNAMORM_UPDATE (object);

  g_array_unref (self->actions);

  G_OBJECT_CLASS (dynamorm_update_parent_class)->finalize (object);
}

static void
dynamorm_update_class_init (DynamormUpdateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_update_finalize;
}

static void
dynamorm_update_init (DynamormUpdate *self)
{
  self->actions = g_array_new (FALSE, TRUE, sizeof (Action));
  g_array_set_clear_func (self->actions, (GDestroyNotify) action_clear);
}

/**
 * dynamorm_update_new:
 *
 * Creates an update with no actions.
 *
 * Returns: (transfer full): a new update
 */
DynamormUpdate *
dynamorm_update_new (void)
{
  return g_object_new (DYNAMORM_TYPE_UPDATE, NULL);
}

static Action *
add_action (DynamormUpdate *self, ActionKind kind, const char *property, const GValue *value)
{
  Action action = { 0 };

  action.kind = kind;
  action.property = g_strdup (property);
  if (value != NULL)
    {
      g_value_init (&action.value, G_VALUE_TYPE (value));
      g_value_copy (value, &action.value);
    }
  g_array_append_val (self->actions, action);
  return &g_array_index (self->actions, Action, self->actions->len - 1);
}

#define CHECK_ARGS(self, property, value) \
  g_return_if_fail (DYNAMORM_IS_UPDATE (self)); \
  g_return_if_fail (property != NULL); \
  g_return_if_fail (value != NULL && G_IS_VALUE (value))

/* The actions below that only record themselves, under their gi-docgen
 * comments:
 *
 *   DEFINE_VALUE_ACTION (dynamorm_update_add, ACTION_ADD)
 *
 * defines
 *
 *   void
 *   dynamorm_update_add (DynamormUpdate *self, const char *property, const GValue *value)
 *   {
 *     CHECK_ARGS (self, property, value);
 *     add_action (self, ACTION_ADD, property, value);
 *   }
 *
 * DEFINE_PROPERTY_ACTION one that takes only the property and records no
 * value, and DEFINE_SCALAR_ACTION (function, kind, ArgType, field) one
 * that takes the property and an ArgType argument named as the action's
 * field, and stores it there. An action with more to do is written out. */
#define DEFINE_VALUE_ACTION(function, kind)                                         \
  void                                                                            \
  function (DynamormUpdate *self, const char *property, const GValue *value)      \
  {                                                                               \
    CHECK_ARGS (self, property, value);                                           \
                                                                                  \
    add_action (self, kind, property, value);                                     \
  }

#define DEFINE_PROPERTY_ACTION(function, kind)                                      \
  void                                                                            \
  function (DynamormUpdate *self, const char *property)                           \
  {                                                                               \
    g_return_if_fail (DYNAMORM_IS_UPDATE (self));                                 \
    g_return_if_fail (property != NULL);                                          \
                                                                                  \
    add_action (self, kind, property, NULL);                                      \
  }

#define DEFINE_SCALAR_ACTION(function, kind, ArgType, field)                        \
  void                                                                            \
  function (DynamormUpdate *self, const char *property, ArgType field)            \
  {                                                                               \
    g_return_if_fail (DYNAMORM_IS_UPDATE (self));                                 \
    g_return_if_fail (property != NULL);                                          \
                                                                                  \
    add_action (self, kind, property, NULL)->field = field;                       \
  }

/**
 * dynamorm_update_set:
 * @self: a #DynamormUpdate
 * @property: the name of a property of the model
 * @value: the new value; a %NULL string, boxed or object removes the
 *   attribute
 *
 * Sets a property to a value: `SET #p = :v`.
 */
DEFINE_VALUE_ACTION (dynamorm_update_set, ACTION_SET)

/**
 * dynamorm_update_set_if_not_exists:
 * @self: a #DynamormUpdate
 * @property: the name of a property of the model
 * @value: the value to set when the item has none
 *
 * Sets a property only if the stored item does not have it yet:
 * `SET #p = if_not_exists(#p, :v)`.
 */
DEFINE_VALUE_ACTION (dynamorm_update_set_if_not_exists, ACTION_SET_IF_NOT_EXISTS)

/**
 * dynamorm_update_set_from_model:
 * @self: a #DynamormUpdate
 * @property: the name of a property of the model
 *
 * Writes the property's current value in the model the update is applied
 * to, as [method@Dynamorm.Session.update] does for the properties it is
 * given: set, or removed when the model would leave it out of the item.
 */
DEFINE_PROPERTY_ACTION (dynamorm_update_set_from_model, ACTION_SET_FROM_MODEL)

/**
 * dynamorm_update_add:
 * @self: a #DynamormUpdate
 * @property: the name of a number or string-set property
 * @value: a number to add, or a string or string list (#GStrv) whose
 *   elements join the set
 *
 * Adds to a number, or adds elements to a set: `ADD #p :v`. A missing
 * number counts as 0 and a missing set as empty.
 */
DEFINE_VALUE_ACTION (dynamorm_update_add, ACTION_ADD)

/**
 * dynamorm_update_increment:
 * @self: a #DynamormUpdate
 * @property: the name of a number property
 * @amount: how much to add (may be negative)
 *
 * Increments a number: `SET #p = if_not_exists(#p, 0) + :n`. A missing
 * number counts as 0.
 */
DEFINE_SCALAR_ACTION (dynamorm_update_increment, ACTION_INCREMENT, gint64, amount)

/**
 * dynamorm_update_decrement:
 * @self: a #DynamormUpdate
 * @property: the name of a number property
 * @amount: how much to subtract
 *
 * Decrements a number; see [method@Dynamorm.Update.increment].
 */
void
dynamorm_update_decrement (DynamormUpdate *self,
                           const char     *property,
                           gint64          amount)
{
  g_return_if_fail (amount != G_MININT64);

  dynamorm_update_increment (self, property, -amount);
}

/**
 * dynamorm_update_remove:
 * @self: a #DynamormUpdate
 * @property: the name of a property of the model
 *
 * Removes a property's attribute from the item: `REMOVE #p`. Reading the
 * item back gives the property its default value.
 */
DEFINE_PROPERTY_ACTION (dynamorm_update_remove, ACTION_REMOVE)

/**
 * dynamorm_update_delete_from_set:
 * @self: a #DynamormUpdate
 * @property: the name of a string-set property (tagged `set`)
 * @value: a string or string list (#GStrv) of elements to take out
 *
 * Deletes elements from a set: `DELETE #p :v`. Elements the set does not
 * hold are ignored; a set left empty is removed.
 */
DEFINE_VALUE_ACTION (dynamorm_update_delete_from_set, ACTION_DELETE_FROM_SET)

/**
 * dynamorm_update_append:
 * @self: a #DynamormUpdate
 * @property: the name of a list property (a string list, or a list of
 *   models)
 * @value: one element (a string, or a model) or several (a #GStrv, or a
 *   #GListModel of models)
 *
 * Appends to the end of a list:
 * `SET #p = list_append(if_not_exists(#p, []), :v)`. A missing list counts
 * as empty.
 */
DEFINE_VALUE_ACTION (dynamorm_update_append, ACTION_APPEND)

/**
 * dynamorm_update_prepend:
 * @self: a #DynamormUpdate
 * @property: the name of a list property
 * @value: one element or several, as for [method@Dynamorm.Update.append]
 *
 * Puts elements at the start of a list.
 */
DEFINE_VALUE_ACTION (dynamorm_update_prepend, ACTION_PREPEND)

/**
 * dynamorm_update_set_element:
 * @self: a #DynamormUpdate
 * @property: the name of a list property
 * @index: the position of the element, from 0
 * @value: the new element (a string, or a model)
 *
 * Replaces one element of a list: `SET #p[index] = :v`. An index past the
 * end appends, as in DynamoDB.
 */
void
dynamorm_update_set_element (DynamormUpdate *self,
                             const char     *property,
                             guint           index,
                             const GValue   *value)
{
  CHECK_ARGS (self, property, value);

  add_action (self, ACTION_SET_ELEMENT, property, value)->index = index;
}

/**
 * dynamorm_update_remove_element:
 * @self: a #DynamormUpdate
 * @property: the name of a list property
 * @index: the position of the element, from 0
 *
 * Removes one element of a list, moving the following ones down:
 * `REMOVE #p[index]`. An index past the end does nothing.
 */
DEFINE_SCALAR_ACTION (dynamorm_update_remove_element, ACTION_REMOVE_ELEMENT, guint, index)

/**
 * dynamorm_update_get_n_actions:
 * @self: a #DynamormUpdate
 *
 * Gets the number of actions added so far.
 *
 * Returns: the number of actions
 */
DYNAMORM_DEFINE_GETTER (guint, dynamorm_update_get_n_actions, DynamormUpdate, DYNAMORM_IS_UPDATE,
                        actions->len, 0)

/* ------------------------------------------------------------------ */
/* Rendering */

void
_dynamorm_update_clauses_init (DynamormUpdateClauses *c)
{
  c->set = g_string_new (NULL);
  c->remove = g_string_new (NULL);
  c->add = g_string_new (NULL);
  c->delete = g_string_new (NULL);
  c->touched = g_hash_table_new_full (NULL, NULL, NULL, NULL);
}

void
_dynamorm_update_clauses_clear (DynamormUpdateClauses *c)
{
  GHashTableIter iter;
  gpointer value;

  g_string_free (c->set, TRUE);
  g_string_free (c->remove, TRUE);
  g_string_free (c->add, TRUE);
  g_string_free (c->delete, TRUE);
  g_hash_table_iter_init (&iter, c->touched);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value != GINT_TO_POINTER (-1))
      g_hash_table_unref (value);
  g_hash_table_unref (c->touched);
}

char *
_dynamorm_update_clauses_text (DynamormUpdateClauses *c)
{
  GString *s = g_string_new (NULL);
  struct { const char *word; GString *list; } parts[] = {
    { "SET", c->set }, { "REMOVE", c->remove }, { "ADD", c->add }, { "DELETE", c->delete },
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i].list->len)
      g_string_append_printf (s, "%s%s %s", s->len ? " " : "", parts[i].word, parts[i].list->str);
  if (s->len == 0)
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

gboolean
_dynamorm_update_clauses_touch (DynamormUpdateClauses  *c,
                                const DynamormField    *field,
                                gint                    index,
                                GError                **error)
{
  gpointer seen = g_hash_table_lookup (c->touched, field);
  gboolean clash;

  if (seen == NULL)
    {
      GHashTable *indexes = NULL;

      if (index >= 0)
        {
          indexes = g_hash_table_new (NULL, NULL);
          g_hash_table_add (indexes, GINT_TO_POINTER (index));
        }
      g_hash_table_insert (c->touched, (gpointer) field, indexes ? (gpointer) indexes : GINT_TO_POINTER (-1));
      return TRUE;
    }
  clash = seen == GINT_TO_POINTER (-1) || index < 0 || !g_hash_table_add (seen, GINT_TO_POINTER (index));
  if (clash)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                   _("An update changes property “%s” twice: DynamoDB cannot apply two actions to "
                     "one attribute (or one list element) in a request; combine them into one"),
                   field->pspec->name);
      return FALSE;
    }
  return TRUE;
}

static void
append_to (GString *list, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
append_to (GString *list, const char *format, ...)
{
  va_list args;

  if (list->len)
    g_string_append (list, ", ");
  va_start (args, format);
  g_string_append_vprintf (list, format, args);
  va_end (args);
}

static const char *
action_name (ActionKind kind)
{
  switch (kind)
    {
    case ACTION_SET: case ACTION_SET_FROM_MODEL: return "set";
    case ACTION_SET_IF_NOT_EXISTS: return "set_if_not_exists";
    case ACTION_ADD: return "add";
    case ACTION_INCREMENT: return "increment";
    case ACTION_REMOVE: return "remove";
    case ACTION_DELETE_FROM_SET: return "delete_from_set";
    case ACTION_APPEND: return "append";
    case ACTION_PREPEND: return "prepend";
    case ACTION_SET_ELEMENT: return "set_element";
    case ACTION_REMOVE_ELEMENT: return "remove_element";
    default: return "?";
    }
}

static gboolean
doesnt_fit (const DynamormField *field, ActionKind kind, const char *what, GError **error)
{
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
               _("The update action %s does not fit property “%s” of %s (%s): it works on %s"),
               action_name (kind), field->pspec->name, g_type_name (field->pspec->owner_type),
               g_type_name (G_PARAM_SPEC_VALUE_TYPE (field->pspec)), what);
  return FALSE;
}

static gboolean
is_number_field (const DynamormField *field)
{
  return field->kind == FIELD_INT || field->kind == FIELD_UINT || field->kind == FIELD_DOUBLE ||
         field->kind == FIELD_STRING_NUMBER ||
         (field->kind == FIELD_DATETIME && (field->flags & FIELD_FLAG_EPOCH));
}

static gboolean
is_set_field (const DynamormField *field)
{
  return field->kind == FIELD_STRV && (field->flags & FIELD_FLAG_SET);
}

static gboolean
is_list_field (const DynamormField *field)
{
  return (field->kind == FIELD_STRV && !(field->flags & (FIELD_FLAG_SET | FIELD_FLAG_JSON))) ||
         field->kind == FIELD_MODEL_LIST;
}

static gboolean
value_is_null (const GValue *value)
{
  GType fundamental = G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value));

  switch (fundamental)
    {
    case G_TYPE_STRING: case G_TYPE_BOXED: case G_TYPE_OBJECT: case G_TYPE_POINTER: case G_TYPE_VARIANT:
      return g_value_peek_pointer (value) == NULL;
    default:
      return FALSE;
    }
}

/* A string or a GStrv, as a GStrv. */
static char **
value_to_strv (const GValue *value)
{
  if (G_VALUE_HOLDS_STRING (value) && g_value_get_string (value) != NULL)
    {
      char **strv = g_new0 (char *, 2);
      strv[0] = g_value_dup_string (value);
      return strv;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_STRV) && g_value_get_boxed (value) != NULL &&
      *(char **) g_value_get_boxed (value) != NULL)
    return g_value_dup_boxed (value);
  return NULL;
}

/* Elements for a list: the AttributeValue of an L holding them. */
static JsonNode *
encode_list (const DynamormField *field, ActionKind kind, const GValue *value, gboolean single, GError **error)
{
  DynamormField plain = *field;
  g_auto(GValue) converted = G_VALUE_INIT;
  JsonNode *out = NULL;

  plain.flags &= ~FIELD_FLAG_OMITEMPTY;
  if (field->kind == FIELD_STRV)
    {
      g_auto(GStrv) strv = single ? (G_VALUE_HOLDS_STRING (value) ? value_to_strv (value) : NULL)
                                  : value_to_strv (value);

      if (strv == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       single ? _("The update action %s on string list “%s” takes one element, a string")
                              : _("The update action %s on string list “%s” takes a string or a non-empty string list"),
                       action_name (kind), field->pspec->name);
          return NULL;
        }
      g_value_init (&converted, G_TYPE_STRV);
      g_value_take_boxed (&converted, g_steal_pointer (&strv));
    }
  else
    {
      g_autoptr(GListStore) store = NULL;

      GObject *object = G_VALUE_HOLDS_OBJECT (value) ? g_value_get_object (value) : NULL;

      if (object != NULL && G_TYPE_CHECK_INSTANCE_TYPE (object, field->element_type))
        {
          store = g_list_store_new (field->element_type);
          g_list_store_append (store, object);
        }
      else if (!single && object != NULL && G_IS_LIST_MODEL (object) &&
               g_list_model_get_n_items (G_LIST_MODEL (object)) > 0)
        store = NULL;
      else
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       single ? _("The update action %s on “%s” takes one element, a %s")
                              : _("The update action %s on “%s” takes a %s or a non-empty GListModel of them"),
                       action_name (kind), field->pspec->name, g_type_name (field->element_type));
          return NULL;
        }
      g_value_init (&converted, G_TYPE_LIST_MODEL);
      g_value_set_object (&converted, store ? G_OBJECT (store) : g_value_get_object (value));
    }
  if (!_dynamorm_field_encode (&plain, &converted, &out, error))
    return NULL;
  return out;
}

/* The value of a SET: as the property stores it, checked to fit it. NULL
 * without error means "remove". */
static gboolean
encode_set_value (const DynamormField *field, const GValue *value, JsonNode **out, GError **error)
{
  g_auto(GValue) check = G_VALUE_INIT;
  g_autoptr(JsonNode) av = NULL;

  *out = NULL;
  if (value_is_null (value))
    return TRUE;
  av = _dynamorm_field_encode_operand (field, DYNAMORM_OPERATOR_EQ, value, error);
  if (av == NULL)
    return FALSE;
  /* What is stored must read back into the property (range, set
   * duplicates, ...). */
  if (!_dynamorm_field_decode (field, av, &check, error))
    return FALSE;
  if (g_param_value_validate (field->pspec, &check))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("The value for property “%s” of %s is outside the range the property allows"),
                   field->pspec->name, g_type_name (field->pspec->owner_type));
      return FALSE;
    }
  if ((field->flags & FIELD_FLAG_OMITEMPTY) && _dynamorm_field_is_empty (field, &check))
    return TRUE;
  *out = g_steal_pointer (&av);
  return TRUE;
}

static JsonNode *
encode_string_set (const DynamormField *field, ActionKind kind, const GValue *value, GError **error)
{
  g_auto(GStrv) strv = value_to_strv (value);
  DynamormField plain = *field;
  g_auto(GValue) converted = G_VALUE_INIT;
  JsonNode *out = NULL;

  if (strv == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The update action %s on set “%s” takes a string or a non-empty string list"),
                   action_name (kind), field->pspec->name);
      return NULL;
    }
  plain.flags &= ~FIELD_FLAG_OMITEMPTY;
  g_value_init (&converted, G_TYPE_STRV);
  g_value_take_boxed (&converted, g_steal_pointer (&strv));
  if (!_dynamorm_field_encode (&plain, &converted, &out, error))
    return NULL;
  return out;
}

/* The field an action updates: a stored property that is neither a key
 * nor the version. */
static const DynamormField *
validate_action_field (const Action *action, const DynamormSchema *schema, GError **error)
{
  const DynamormField *field = _dynamorm_schema_lookup (schema, action->property);

  if (field == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("%s has no stored property “%s” to update: check the property name"),
                   g_type_name (schema->type), action->property);
      return NULL;
    }
  if (field == schema->partition_key || field == schema->sort_key)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Property “%s” is part of the key of %s and cannot be updated: "
                     "delete the item and put a new one instead"),
                   field->pspec->name, g_type_name (schema->type));
      return NULL;
    }
  if (field == schema->version)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Property “%s” of %s is its version, which Dynamorm bumps on every write: "
                     "leave it out of the update"),
                   field->pspec->name, g_type_name (schema->type));
      return NULL;
    }
  return field;
}

/* The value of a SET from the model: the property as the model's
 * serialize_property stores it (NULL without error means "remove"). */
static gboolean
encode_model_property (const DynamormField *field, DynamormModel *model, JsonNode **out, GError **error)
{
  DynamormModelClass *klass = DYNAMORM_MODEL_GET_CLASS (model);
  g_auto(GValue) value = G_VALUE_INIT;
  GError *local_error = NULL;

  g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (field->pspec));
  g_object_get_property (G_OBJECT (model), field->pspec->name, &value);
  *out = klass->serialize_property (model, field->pspec->name, &value, field->pspec, &local_error);
  if (local_error != NULL)
    {
      g_clear_pointer (out, json_node_unref);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
render_set (const Action *action, const DynamormField *field, DynamormModel *model, const char *name,
            DynamormExprBuilder *b, DynamormUpdateClauses *c, GError **error)
{
  JsonNode *av = NULL;

  if (action->kind == ACTION_SET_FROM_MODEL)
    {
      if (!encode_model_property (field, model, &av, error))
        return FALSE;
    }
  else if (!encode_set_value (field, &action->value, &av, error))
    return FALSE;
  if (av == NULL)
    append_to (c->remove, "%s", name);
  else if ((av = _dynamorm_expr_builder_seal (b, field, av, error)) == NULL)
    return FALSE;
  else
    append_to (c->set, "%s = %s", name, _dynamorm_expr_builder_value (b, av));
  return TRUE;
}

static gboolean
render_set_if_not_exists (const Action *action, const DynamormField *field, const char *name,
                          DynamormExprBuilder *b, DynamormUpdateClauses *c, GError **error)
{
  JsonNode *av = NULL;

  if (!encode_set_value (field, &action->value, &av, error))
    return FALSE;
  if (av == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("set_if_not_exists on property “%s” needs a value that is stored, not NULL or empty"),
                   field->pspec->name);
      return FALSE;
    }
  append_to (c->set, "%s = if_not_exists(%s, %s)", name, name, _dynamorm_expr_builder_value (b, av));
  return TRUE;
}

/* The amount of an ADD to a number: a number or the text of one. */
static JsonNode *
encode_number_operand (const DynamormField *field, const GValue *value, GError **error)
{
  GType fundamental = G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value));
  g_autofree char *normal = NULL;

  if (!G_VALUE_HOLDS (value, G_TYPE_STRING) &&
      (fundamental < G_TYPE_CHAR || fundamental > G_TYPE_DOUBLE ||
       G_VALUE_HOLDS_BOOLEAN (value) || G_VALUE_HOLDS_ENUM (value) || G_VALUE_HOLDS_FLAGS (value)))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("add on number “%s” takes a number; got a %s"),
                   field->pspec->name, G_VALUE_TYPE_NAME (value));
      return NULL;
    }
  if (!G_VALUE_HOLDS_STRING (value))
    return dynamorm_value_to_attribute_value (value, error);
  if (g_value_get_string (value) == NULL ||
      (normal = dynamorm_number_normalize (g_value_get_string (value), error)) == NULL)
    {
      if (error && *error == NULL)
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                     _("add on number “%s” takes a number"), field->pspec->name);
      return NULL;
    }
  return _dynamorm_av_new_string ("N", normal);
}

static gboolean
render_add (const Action *action, const DynamormField *field, const char *name,
            DynamormExprBuilder *b, DynamormUpdateClauses *c, GError **error)
{
  JsonNode *av;

  if (is_number_field (field))
    av = encode_number_operand (field, &action->value, error);
  else if (is_set_field (field))
    av = encode_string_set (field, action->kind, &action->value, error);
  else
    return doesnt_fit (field, action->kind, _("numbers and sets"), error);
  if (av == NULL)
    return FALSE;
  append_to (c->add, "%s %s", name, _dynamorm_expr_builder_value (b, av));
  return TRUE;
}

static gboolean
render_increment (const Action *action, const DynamormField *field, const char *name,
                  DynamormExprBuilder *b, DynamormUpdateClauses *c, GError **error)
{
  const char *zero, *amount;

  if (!is_number_field (field))
    return doesnt_fit (field, action->kind, _("numbers"), error);
  zero = _dynamorm_expr_builder_value (b, _dynamorm_av_new_int64 (0));
  amount = _dynamorm_expr_builder_value (b, _dynamorm_av_new_int64 (ABS (action->amount)));
  append_to (c->set, "%s = if_not_exists(%s, %s) %c %s", name, name, zero,
             action->amount < 0 ? '-' : '+', amount);
  return TRUE;
}

static gboolean
render_delete_from_set (const Action *action, const DynamormField *field, const char *name,
                        DynamormExprBuilder *b, DynamormUpdateClauses *c, GError **error)
{
  JsonNode *av;

  if (!is_set_field (field))
    return doesnt_fit (field, action->kind, _("sets (string lists tagged “set”)"), error);
  if ((av = encode_string_set (field, action->kind, &action->value, error)) == NULL)
    return FALSE;
  append_to (c->delete, "%s %s", name, _dynamorm_expr_builder_value (b, av));
  return TRUE;
}

static gboolean
check_list_field (const Action *action, const DynamormField *field, GError **error)
{
  if (is_list_field (field))
    return TRUE;
  return doesnt_fit (field, action->kind, _("lists (string lists not tagged “set”, lists of models)"), error);
}

/* APPEND and PREPEND: list_append with an empty list where there is none. */
static gboolean
render_list_append (const Action *action, const DynamormField *field, const char *name,
                    DynamormExprBuilder *b, DynamormUpdateClauses *c, GError **error)
{
  JsonNode *av, *empty_list;
  const char *items, *empty;

  if (!check_list_field (action, field, error))
    return FALSE;
  if ((av = encode_list (field, action->kind, &action->value, FALSE, error)) == NULL)
    return FALSE;
  items = _dynamorm_expr_builder_value (b, av);
  empty_list = json_node_alloc ();
  json_node_init (empty_list, JSON_NODE_ARRAY);
  json_node_take_array (empty_list, json_array_new ());
  empty = _dynamorm_expr_builder_value (b, _dynamorm_av_new ("L", empty_list));

  if (action->kind == ACTION_APPEND)
    append_to (c->set, "%s = list_append(if_not_exists(%s, %s), %s)", name, name, empty, items);
  else
    append_to (c->set, "%s = list_append(%s, if_not_exists(%s, %s))", name, items, name, empty);
  return TRUE;
}

static gboolean
render_set_element (const Action *action, const DynamormField *field, const char *name,
                    DynamormExprBuilder *b, DynamormUpdateClauses *c, GError **error)
{
  g_autoptr(JsonNode) list = NULL;
  JsonNode *inner, *av;

  if (!check_list_field (action, field, error))
    return FALSE;
  if ((list = encode_list (field, action->kind, &action->value, TRUE, error)) == NULL)
    return FALSE;
  _dynamorm_av_get_type (list, &inner);
  av = json_node_copy (json_array_get_element (json_node_get_array (inner), 0));
  append_to (c->set, "%s[%u] = %s", name, action->index, _dynamorm_expr_builder_value (b, av));
  return TRUE;
}

/* Checks one action against the schema, then renders it into its clause. */
static gboolean
render_action (Action *action, DynamormModel *model, const DynamormSchema *schema,
               DynamormExprBuilder *b, DynamormUpdateClauses *c, GError **error)
{
  const DynamormField *field = validate_action_field (action, schema, error);
  gboolean element = action->kind == ACTION_SET_ELEMENT || action->kind == ACTION_REMOVE_ELEMENT;
  const char *name;

  if (field == NULL)
    return FALSE;
  if (action->kind != ACTION_SET && action->kind != ACTION_SET_FROM_MODEL && action->kind != ACTION_REMOVE &&
      !_dynamorm_crypto_check_not_encrypted (field, _("an update action other than set or remove (its "
                                                      "stored value is ciphertext)"), error))
    return FALSE;
  if (!_dynamorm_update_clauses_touch (c, field, element ? (gint) action->index : -1, error))
    return FALSE;

  name = _dynamorm_expr_builder_name (b, field->attribute);
  switch (action->kind)
    {
    case ACTION_SET:
    case ACTION_SET_FROM_MODEL:
      return render_set (action, field, model, name, b, c, error);
    case ACTION_SET_IF_NOT_EXISTS:
      return render_set_if_not_exists (action, field, name, b, c, error);
    case ACTION_ADD:
      return render_add (action, field, name, b, c, error);
    case ACTION_INCREMENT:
      return render_increment (action, field, name, b, c, error);
    case ACTION_REMOVE:
      append_to (c->remove, "%s", name);
      return TRUE;
    case ACTION_DELETE_FROM_SET:
      return render_delete_from_set (action, field, name, b, c, error);
    case ACTION_APPEND:
    case ACTION_PREPEND:
      return render_list_append (action, field, name, b, c, error);
    case ACTION_SET_ELEMENT:
      return render_set_element (action, field, name, b, c, error);
    case ACTION_REMOVE_ELEMENT:
      if (!check_list_field (action, field, error))
        return FALSE;
      append_to (c->remove, "%s[%u]", name, action->index);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
is_encrypted (const DynamormSchema *schema, const char *property)
{
  const DynamormField *field = _dynamorm_schema_lookup (schema, property);

  return field != NULL && (field->flags & FIELD_FLAG_ENCRYPTED) != 0;
}

guint
_dynamorm_update_n_sealed (DynamormUpdate *update, const char * const *properties, const DynamormSchema *schema)
{
  guint n = 0;

  if (update != NULL)
    for (guint i = 0; i < update->actions->len; i++)
      n += is_encrypted (schema, g_array_index (update->actions, Action, i).property);
  else if (properties != NULL && properties[0] != NULL)
    for (guint i = 0; properties[i] != NULL; i++)
      n += is_encrypted (schema, properties[i]);
  else
    n = schema->n_encrypted;
  return n;
}

gboolean
_dynamorm_update_render (DynamormUpdate         *update,
                         DynamormModel          *model,
                         const DynamormSchema   *schema,
                         DynamormExprBuilder    *b,
                         DynamormUpdateClauses  *clauses,
                         GError                **error)
{
  g_autoptr(GHashTable) given = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < update->actions->len; i++)
    {
      Action *action = &g_array_index (update->actions, Action, i);
      DynamormField *field;

      if (!render_action (action, model, schema, b, clauses, error))
        return FALSE;
      if ((field = _dynamorm_schema_lookup (schema, action->property)) != NULL)
        g_hash_table_insert (given, field,
                             action->kind == ACTION_SET ? (gpointer) &action->value :
                             action->kind == ACTION_SET_FROM_MODEL ? DYNAMORM_UPDATE_FROM_MODEL :
                             DYNAMORM_UPDATE_UNRENDERABLE);
    }
  return _dynamorm_update_render_composed (schema, model, given, b, clauses->set, clauses->remove, error);
}
