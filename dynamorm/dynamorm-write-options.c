/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-write-private.h"
#include "dynamorm-accessors-private.h"

/**
 * DynamormWriteOptions:
 *
 * Conditions on a write: the options of
 * [method@Dynamorm.Session.put_full], [method@Dynamorm.Session.update_full]
 * and [method@Dynamorm.Session.delete_full].
 *
 * Every condition set here must hold for the write to happen; when one does
 * not, the write fails with %DYNAMORM_ERROR_CONDITION_FAILED, changes
 * nothing, and the session can hand back the item as it is stored:
 *
 * ```c
 * g_autoptr(DynamormWriteOptions) options = dynamorm_write_options_new ();
 * g_autoptr(DynamormCondition) pending = NULL;
 * g_autoptr(DynamormModel) current = NULL;
 * GValue status = G_VALUE_INIT;
 *
 * g_value_init (&status, G_TYPE_STRING);
 * g_value_set_static_string (&status, "pending_review");
 * pending = dynamorm_condition_new ("status", DYNAMORM_OPERATOR_EQ, &status, 1);
 * dynamorm_write_options_add_condition (options, pending);
 * if (!dynamorm_session_put_full (session, profile, options, &current, NULL, &error)
 *     && g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED))
 *   g_print ("changed meanwhile; now %s\n", ...current...);
 * ```
 *
 * Models with a `version` property get their optimistic-locking condition
 * added by the session; options never need to spell it out.
 *
 * Options are plain values: build them, then use them from one thread at a
 * time (using them for a write only reads them).
 */

struct _DynamormWriteOptions
{
  GObject parent_instance;

  gboolean if_not_exists;
  gboolean if_exists;
  gboolean check_version;
  GPtrArray *conditions;   /* of DynamormCondition*, ANDed */
  GMutex lock;
  DynamormModel *current;  /* the stored item of the last refused write */
};

G_DEFINE_FINAL_TYPE (DynamormWriteOptions, dynamorm_write_options, G_TYPE_OBJECT)

static void
dynamorm_write_options_finalize (GObject *object)
{
  DynamormWriteOptions *self = DYNAMORM_WRITE_OPTIONS (object);

  g_ptr_array_unref (self->conditions);
  g_clear_object (&self->current);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (dynamorm_write_options_parent_class)->finalize (object);
}

static void
dynamorm_write_options_class_init (DynamormWriteOptionsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_write_options_finalize;
}

static void
dynamorm_write_options_init (DynamormWriteOptions *self)
{
  self->check_version = TRUE;
  g_mutex_init (&self->lock);
  self->conditions = g_ptr_array_new_with_free_func ((GDestroyNotify) dynamorm_condition_unref);
}

/**
 * dynamorm_write_options_new:
 *
 * Creates options with no conditions, checking the model's version.
 *
 * Returns: (transfer full): new options
 */
DynamormWriteOptions *
dynamorm_write_options_new (void)
{
  return g_object_new (DYNAMORM_TYPE_WRITE_OPTIONS, NULL);
}

/**
 * dynamorm_write_options_set_if_not_exists:
 * @self: a #DynamormWriteOptions
 * @if_not_exists: whether the write needs the item to be new
 *
 * Makes the write happen only if no item with the model's key exists: an
 * insert-only put. Not for updates (an update needs an existing item).
 */
DYNAMORM_DEFINE_BOOLEAN_SETTER (dynamorm_write_options_set_if_not_exists, DynamormWriteOptions,
                                DYNAMORM_IS_WRITE_OPTIONS, if_not_exists, if_not_exists)

/**
 * dynamorm_write_options_get_if_not_exists:
 * @self: a #DynamormWriteOptions
 *
 * Gets whether the write needs the item to be new.
 *
 * Returns: %TRUE for an insert-only write
 */
DYNAMORM_DEFINE_GETTER (gboolean, dynamorm_write_options_get_if_not_exists,
                        DynamormWriteOptions, DYNAMORM_IS_WRITE_OPTIONS, if_not_exists, FALSE)

/**
 * dynamorm_write_options_set_if_exists:
 * @self: a #DynamormWriteOptions
 * @if_exists: whether the write needs the item to exist
 *
 * Makes the write happen only if an item with the model's key exists: a
 * put that replaces but never creates, or a delete that fails with
 * %DYNAMORM_ERROR_CONDITION_FAILED instead of succeeding on a missing item.
 * Updates always need the item to exist.
 */
DYNAMORM_DEFINE_BOOLEAN_SETTER (dynamorm_write_options_set_if_exists, DynamormWriteOptions,
                                DYNAMORM_IS_WRITE_OPTIONS, if_exists, if_exists)

/**
 * dynamorm_write_options_get_if_exists:
 * @self: a #DynamormWriteOptions
 *
 * Gets whether the write needs the item to exist.
 *
 * Returns: %TRUE if the item must exist
 */
DYNAMORM_DEFINE_GETTER (gboolean, dynamorm_write_options_get_if_exists,
                        DynamormWriteOptions, DYNAMORM_IS_WRITE_OPTIONS, if_exists, FALSE)

/**
 * dynamorm_write_options_add_condition:
 * @self: a #DynamormWriteOptions
 * @condition: a condition on the stored item's properties
 *
 * Adds a condition the stored item must meet for the write to happen. All
 * the conditions added must hold (they are joined with AND); build an OR
 * with [ctor@Dynamorm.Condition.new_or].
 *
 * The condition is checked against the model's schema when the write is
 * built: an unknown property or an operator that does not fit its type is
 * reported then, before anything is sent.
 */
void
dynamorm_write_options_add_condition (DynamormWriteOptions *self,
                                      DynamormCondition    *condition)
{
  g_return_if_fail (DYNAMORM_IS_WRITE_OPTIONS (self));
  g_return_if_fail (condition != NULL);

  g_ptr_array_add (self->conditions, dynamorm_condition_ref (condition));
}

/**
 * dynamorm_write_options_add_condition_expression:
 * @self: a #DynamormWriteOptions
 * @expression: a DynamoDB condition expression, such as
 *   `"attribute_exists(#pk) AND #v = :expected"`
 * @names: (nullable): a JSON object mapping the expression's `#name`
 *   placeholders to attribute names
 * @values: (nullable): a JSON object mapping the expression's `:value`
 *   placeholders to DynamoDB AttributeValues
 *
 * Adds a condition in DynamoDB's own expression language, with the
 * caller's own placeholders; see [ctor@Dynamorm.Condition.new_expression].
 * It is joined with the other conditions with AND.
 */
void
dynamorm_write_options_add_condition_expression (DynamormWriteOptions *self,
                                                 const char           *expression,
                                                 JsonNode             *names,
                                                 JsonNode             *values)
{
  g_return_if_fail (DYNAMORM_IS_WRITE_OPTIONS (self));
  g_return_if_fail (expression != NULL);

  g_ptr_array_add (self->conditions, dynamorm_condition_new_expression (expression, names, values));
}

/**
 * dynamorm_write_options_set_check_version:
 * @self: a #DynamormWriteOptions
 * @check_version: whether to check the model's version
 *
 * For models with a `version` property: whether the write needs the stored
 * version to be the model's (optimistic locking; the default). Without the
 * check, an update still bumps the stored version by one (whatever it is),
 * so other writers holding an older version notice: use it for blind
 * updates such as counters, where the model was not read first. A put
 * without the check stores the model's version plus one.
 */
DYNAMORM_DEFINE_BOOLEAN_SETTER (dynamorm_write_options_set_check_version, DynamormWriteOptions,
                                DYNAMORM_IS_WRITE_OPTIONS, check_version, check_version)

/**
 * dynamorm_write_options_get_check_version:
 * @self: a #DynamormWriteOptions
 *
 * Gets whether the write checks the model's version.
 *
 * Returns: %TRUE if the version is checked
 */
DYNAMORM_DEFINE_GETTER (gboolean, dynamorm_write_options_get_check_version,
                        DynamormWriteOptions, DYNAMORM_IS_WRITE_OPTIONS, check_version, TRUE)

/**
 * dynamorm_write_options_get_current:
 * @self: a #DynamormWriteOptions
 *
 * Gets the item as it was stored when the last write made with these
 * options was refused because a condition did not hold; %NULL when that
 * write succeeded, or failed for another reason, or no item was stored.
 *
 * This is the same model the `current` out argument of
 * [method@Dynamorm.Session.put_full] gives, for languages (Python) that
 * raise the error instead of returning out arguments:
 *
 * ```python
 * try:
 *     session.put_full(user, options, None)
 * except GLib.Error:
 *     stored = options.get_current()
 * ```
 *
 * Each write with these options replaces it: use one options object per
 * concurrent write when you read it.
 *
 * Returns: (transfer full) (nullable): the stored item, or %NULL
 */
DynamormModel *
dynamorm_write_options_get_current (DynamormWriteOptions *self)
{
  DynamormModel *current;

  g_return_val_if_fail (DYNAMORM_IS_WRITE_OPTIONS (self), NULL);

  g_mutex_lock (&self->lock);
  current = self->current ? g_object_ref (self->current) : NULL;
  g_mutex_unlock (&self->lock);
  return current;
}

void
_dynamorm_write_options_set_current (DynamormWriteOptions *self,
                                     DynamormModel        *current)
{
  g_mutex_lock (&self->lock);
  g_set_object (&self->current, current);
  g_mutex_unlock (&self->lock);
}

gboolean
_dynamorm_write_options_render (DynamormWriteOptions  *options,
                                const DynamormSchema  *schema,
                                DynamormExprBuilder   *b,
                                char                 **condition,
                                GError               **error)
{
  g_autoptr(GString) text = g_string_new (NULL);

  *condition = NULL;
  if (options == NULL)
    return TRUE;

  if (options->if_exists && options->if_not_exists)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A write cannot need the item both to exist and not to exist: "
                     "set only one of if-exists and if-not-exists"));
      return FALSE;
    }
  if (options->if_exists || options->if_not_exists)
    g_string_append_printf (text, "%s(%s)",
                            options->if_exists ? "attribute_exists" : "attribute_not_exists",
                            _dynamorm_expr_builder_name (b, schema->partition_key->attribute));

  for (guint i = 0; i < options->conditions->len; i++)
    {
      g_autofree char *part = _dynamorm_condition_render (g_ptr_array_index (options->conditions, i),
                                                          schema, b, error);
      g_autofree char *wrapped = NULL;

      if (part == NULL)
        return FALSE;
      wrapped = _dynamorm_expr_wrap (part);
      g_string_append_printf (text, "%s%s", text->len ? " AND " : "", wrapped);
    }

  if (text->len)
    *condition = g_string_free (g_steal_pointer (&text), FALSE);
  return TRUE;
}
