/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ddb-packed.h"
#include "dynamorm-batch-private.h"
#include "dynamorm-key-template-private.h"

struct _DynamormKey
{
  gatomicrefcount ref_count;
  GValue partition_key;
  GValue sort_key;        /* unset when there is none */
};

G_DEFINE_BOXED_TYPE (DynamormKey, dynamorm_key, dynamorm_key_ref, dynamorm_key_unref)

/**
 * dynamorm_key_new:
 * @partition_key: the partition key value
 * @sort_key: (nullable): the sort key value, for tables that have one
 *
 * Creates a key from two values, which are copied.
 *
 * Returns: (transfer full): a new key
 */
DynamormKey *
dynamorm_key_new (const GValue *partition_key,
                  const GValue *sort_key)
{
  DynamormKey *self;

  g_return_val_if_fail (partition_key != NULL && G_IS_VALUE (partition_key), NULL);
  g_return_val_if_fail (sort_key == NULL || G_IS_VALUE (sort_key), NULL);

  self = g_new0 (DynamormKey, 1);
  g_atomic_ref_count_init (&self->ref_count);
  g_value_init (&self->partition_key, G_VALUE_TYPE (partition_key));
  g_value_copy (partition_key, &self->partition_key);
  if (sort_key != NULL)
    {
      g_value_init (&self->sort_key, G_VALUE_TYPE (sort_key));
      g_value_copy (sort_key, &self->sort_key);
    }
  return self;
}

/**
 * dynamorm_key_new_string:
 * @partition_key: the partition key, as a string
 * @sort_key: (nullable): the sort key, as a string, or %NULL
 *
 * Creates a key from strings: the common case of string keys, such as
 * `dynamorm_key_new_string ("ACCOUNT#123", "INVOICE#2024-01")`.
 *
 * Returns: (transfer full): a new key
 */
DynamormKey *
dynamorm_key_new_string (const char *partition_key,
                         const char *sort_key)
{
  GValue pk = G_VALUE_INIT, sk = G_VALUE_INIT;
  DynamormKey *self;

  g_return_val_if_fail (partition_key != NULL, NULL);

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, partition_key);
  if (sort_key != NULL)
    {
      g_value_init (&sk, G_TYPE_STRING);
      g_value_set_string (&sk, sort_key);
    }
  self = dynamorm_key_new (&pk, sort_key ? &sk : NULL);
  g_value_unset (&pk);
  if (sort_key != NULL)
    g_value_unset (&sk);
  return self;
}

/* A key property's value, or a composed key's rendered text. */
static gboolean
key_value (DynamormModel *model, const DynamormField *field, GValue *value, GError **error)
{
  if (field->key_template != NULL)
    {
      char *text = _dynamorm_key_template_render_model (field->key_template, model, field->attribute, error);

      if (text == NULL)
        return FALSE;
      g_value_init (value, G_TYPE_STRING);
      g_value_take_string (value, text);
      return TRUE;
    }
  g_value_init (value, G_PARAM_SPEC_VALUE_TYPE (field->pspec));
  g_object_get_property (G_OBJECT (model), field->pspec->name, value);
  return TRUE;
}

/**
 * dynamorm_key_new_for_model:
 * @model: a model whose key properties are set
 * @error: return location for a #GError
 *
 * Creates a key from the key properties of a model.
 *
 * Returns: (transfer full): a new key, or %NULL if the model's schema is
 *   invalid
 */
DynamormKey *
dynamorm_key_new_for_model (DynamormModel  *model,
                            GError        **error)
{
  const DynamormSchema *schema;
  GValue pk = G_VALUE_INIT, sk = G_VALUE_INIT;
  DynamormKey *self;

  g_return_val_if_fail (DYNAMORM_IS_MODEL (model), NULL);

  schema = _dynamorm_schema_get (G_OBJECT_TYPE (model), TRUE, error);
  if (schema == NULL)
    return NULL;

  if (!key_value (model, schema->partition_key, &pk, error) ||
      (schema->sort_key != NULL && !key_value (model, schema->sort_key, &sk, error)))
    {
      if (G_IS_VALUE (&pk))
        g_value_unset (&pk);
      return NULL;
    }
  self = dynamorm_key_new (&pk, schema->sort_key ? &sk : NULL);
  g_value_unset (&pk);
  if (schema->sort_key != NULL)
    g_value_unset (&sk);
  return self;
}

/**
 * dynamorm_key_ref:
 * @self: a #DynamormKey
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @self
 */
DynamormKey *
dynamorm_key_ref (DynamormKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * dynamorm_key_unref:
 * @self: (transfer full): a #DynamormKey
 *
 * Drops a reference; the key is freed with the last one.
 */
void
dynamorm_key_unref (DynamormKey *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_value_unset (&self->partition_key);
  if (G_IS_VALUE (&self->sort_key))
    g_value_unset (&self->sort_key);
  g_free (self);
}

/**
 * dynamorm_key_get_partition_key:
 * @self: a #DynamormKey
 *
 * Gets the partition key value.
 *
 * Returns: (transfer none): the value
 */
const GValue *
dynamorm_key_get_partition_key (DynamormKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->partition_key;
}

/**
 * dynamorm_key_get_sort_key:
 * @self: a #DynamormKey
 *
 * Gets the sort key value.
 *
 * Returns: (transfer none) (nullable): the value, or %NULL when the key
 *   has none
 */
const GValue *
dynamorm_key_get_sort_key (DynamormKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return G_IS_VALUE (&self->sort_key) ? &self->sort_key : NULL;
}

static char *
value_text (const GValue *value)
{
  if (value == NULL || !G_IS_VALUE (value))
    return NULL;
  if (G_VALUE_HOLDS_STRING (value))
    return g_strdup_printf ("\"%s\"", g_value_get_string (value) ? g_value_get_string (value) : "");
  return g_strdup_value_contents (value);
}

/**
 * dynamorm_key_to_string:
 * @self: a #DynamormKey
 *
 * Describes the key for messages, such as `("ACCOUNT#1", "2024-01")`.
 *
 * Returns: (transfer full): the description
 */
char *
dynamorm_key_to_string (DynamormKey *self)
{
  g_autofree char *pk = NULL;
  g_autofree char *sk = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  pk = value_text (&self->partition_key);
  sk = value_text (dynamorm_key_get_sort_key (self));
  return sk ? g_strdup_printf ("(%s, %s)", pk, sk) : g_strdup_printf ("(%s)", pk);
}

/**
 * dynamorm_key_equal:
 * @a: a #DynamormKey
 * @b: a #DynamormKey
 *
 * Whether two keys hold the same values, compared by their text (so a
 * key of an `int` 7 equals a key of an `int64` 7).
 *
 * Returns: %TRUE if the keys are equal
 */
gboolean
dynamorm_key_equal (DynamormKey *a,
                    DynamormKey *b)
{
  g_autofree char *ta = NULL;
  g_autofree char *tb = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a == b)
    return TRUE;
  ta = dynamorm_key_to_string (a);
  tb = dynamorm_key_to_string (b);
  return g_str_equal (ta, tb);
}

/* ------------------------------------------------------------------ */

JsonNode *
_dynamorm_key_to_json (DynamormKey          *key,
                       GType                 model_type,
                       const DynamormSchema *schema,
                       GError              **error)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  if (!_dynamorm_key_attribute (schema->partition_key, &key->partition_key, _("partition key"),
                      model_type, obj, error))
    return NULL;
  if (schema->sort_key != NULL &&
      !_dynamorm_key_attribute (schema->sort_key, dynamorm_key_get_sort_key (key), _("sort key"),
                      model_type, obj, error))
    return NULL;
  if (schema->sort_key == NULL && dynamorm_key_get_sort_key (key) != NULL)
    {
      g_autofree char *text = dynamorm_key_to_string (key);

      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("%s has no sort key, but the key %s has a sort key value: "
                     "create the key with a partition key only"),
                   g_type_name (model_type), text);
      return NULL;
    }
  return _dynamorm_node_take_object (g_steal_pointer (&obj));
}

static void
append_av (GString *s, JsonNode *av)
{
  JsonNode *inner = NULL;
  const char *type = av ? _dynamorm_av_get_type (av, &inner) : NULL;

  if (type == NULL || inner == NULL || !JSON_NODE_HOLDS_VALUE (inner))
    {
      g_string_append (s, "?");
      return;
    }
  g_string_append (s, type);
  g_string_append_c (s, ':');
  if (g_str_equal (type, "N"))
    {
      g_autofree char *normal = dynamorm_number_normalize (json_node_get_string (inner), NULL);
      g_string_append (s, normal ? normal : json_node_get_string (inner));
    }
  else
    g_string_append (s, json_node_get_string (inner));
}

char *
_dynamorm_item_fingerprint (const char           *table_name,
                            const DynamormSchema *schema,
                            JsonObject           *obj)
{
  GString *s = g_string_new (table_name);
  JsonNode *pk = json_object_get_member (obj, schema->partition_key->attribute);

  if (pk == NULL)
    return (g_string_free (s, TRUE), NULL);
  g_string_append_c (s, '\n');
  append_av (s, pk);
  if (schema->sort_key != NULL)
    {
      JsonNode *sk = json_object_get_member (obj, schema->sort_key->attribute);

      if (sk == NULL)
        return (g_string_free (s, TRUE), NULL);
      g_string_append_c (s, '\n');
      append_av (s, sk);
    }
  return g_string_free (s, FALSE);
}

/* A key value of a packed item as _dynamorm_item_fingerprint writes it:
 * its type and text (numbers normalized, into *normal). */
static gboolean
packed_key_part (const guint8 *value, const char **type, const char **text, char **normal)
{
  const guint8 *p;

  if (value == NULL || (*value != DDB_TYPE_S && *value != DDB_TYPE_N && *value != DDB_TYPE_B))
    return FALSE;
  p = value + 1;
  *type = ddb_type_name (*value);
  *text = ddb_packed_get_str (&p, NULL);
  if (*value == DDB_TYPE_N && (*normal = dynamorm_number_normalize (*text, NULL)) != NULL)
    *text = *normal;
  return TRUE;
}

char *
_dynamorm_packed_fingerprint (const char *table_name, const DynamormSchema *schema, const guint8 *packed)
{
  const char *pk_type, *pk, *sk_type, *sk;
  g_autofree char *pk_normal = NULL, *sk_normal = NULL;

  if (!packed_key_part (ddb_packed_find (packed, schema->partition_key->attribute), &pk_type, &pk, &pk_normal))
    return NULL;
  if (schema->sort_key == NULL)
    return g_strconcat (table_name, "\n", pk_type, ":", pk, NULL);
  if (!packed_key_part (ddb_packed_find (packed, schema->sort_key->attribute), &sk_type, &sk, &sk_normal))
    return NULL;
  return g_strconcat (table_name, "\n", pk_type, ":", pk, "\n", sk_type, ":", sk, NULL);
}

void
_dynamorm_append_key_attribute (GString    *s,
                                const char *name,
                                JsonNode   *av,
                                const char *unknown)
{
  JsonNode *inner = NULL;
  const char *type = av != NULL ? _dynamorm_av_get_type (av, &inner) : NULL;

  if (s->len)
    g_string_append (s, ", ");
  if (type && g_str_equal (type, "S") && JSON_NODE_HOLDS_VALUE (inner))
    g_string_append_printf (s, "%s = \"%s\"", name, json_node_get_string (inner));
  else if (type && g_str_equal (type, "N") && JSON_NODE_HOLDS_VALUE (inner))
    g_string_append_printf (s, "%s = %s", name, json_node_get_string (inner));
  else
    g_string_append_printf (s, "%s = (%s)", name, type ? type : unknown);
}

char *
_dynamorm_describe_key_object (JsonObject *key)
{
  GString *s = g_string_new (NULL);
  /* Members in the order they were added: partition key first. */
  g_autoptr(GList) names = json_object_get_members (key);

  for (GList *l = names; l != NULL; l = l->next)
    _dynamorm_append_key_attribute (s, l->data, json_object_get_member (key, l->data), "?");
  return g_string_free (s, FALSE);
}
