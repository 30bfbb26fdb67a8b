/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-expression.c: the placeholder builder shared by every expression
 * of a request, and the rendering of conditions against a model schema.
 *
 * Names always become `#nN` placeholders and values `:vN` placeholders, so
 * any string a user stores or compares with reaches DynamoDB as data and
 * never as expression text: there is nothing to filter or escape. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-expression-private.h"
#include "dynamorm-condition-private.h"

/* The tables are made on first use: most writes name nothing. */
struct _DynamormExprBuilder
{
  GHashTable *name_by_attribute;  /* attribute -> "#nN" (owned) */
  JsonObject *names;              /* "#nN" / raw "#x" -> attribute */
  JsonObject *values;             /* ":vN" / raw ":y" -> AttributeValue */
  GPtrArray *value_placeholders;  /* keeps the ":vN" strings handed out */
  GHashTable *raw;                /* raw placeholders seen, for clash checks */
  guint n_names;
  guint n_values;
  DynamormCrypto crypto;          /* for encrypted properties' values */
  char *table;
};

DynamormExprBuilder *
_dynamorm_expr_builder_new (void)
{
  return g_new0 (DynamormExprBuilder, 1);
}

static JsonObject *
builder_names (DynamormExprBuilder *b)
{
  if (b->names == NULL)
    {
      b->name_by_attribute = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      b->names = json_object_new ();
    }
  return b->names;
}

static JsonObject *
builder_values (DynamormExprBuilder *b)
{
  if (b->values == NULL)
    {
      b->value_placeholders = g_ptr_array_new_with_free_func (g_free);
      b->values = json_object_new ();
    }
  return b->values;
}

void
_dynamorm_expr_builder_free (DynamormExprBuilder *b)
{
  if (b == NULL)
    return;
  g_clear_pointer (&b->name_by_attribute, g_hash_table_unref);
  g_clear_pointer (&b->names, json_object_unref);
  g_clear_pointer (&b->values, json_object_unref);
  g_clear_pointer (&b->value_placeholders, g_ptr_array_unref);
  g_clear_pointer (&b->raw, g_hash_table_unref);
  _dynamorm_crypto_clear (&b->crypto);
  g_free (b->table);
  g_free (b);
}

void
_dynamorm_expr_builder_set_crypto (DynamormExprBuilder *b, DynamormKeyProvider *provider,
                                   DynamormDataKeyCache *cache, const char *table)
{
  _dynamorm_crypto_clear (&b->crypto);
  g_set_object (&b->crypto.provider, provider);
  g_set_object (&b->crypto.cache, cache);
  g_free (b->table);
  b->table = g_strdup (table);
}

JsonNode *
_dynamorm_expr_builder_seal (DynamormExprBuilder *b, const DynamormField *field,
                             JsonNode *av, GError **error)
{
  JsonNode *sealed;

  if ((field->flags & FIELD_FLAG_ENCRYPTED) == 0)
    return av;
  sealed = _dynamorm_crypto_seal_value (&b->crypto, field, b->table ? b->table : "", av, NULL, error);
  json_node_unref (av);
  return sealed;
}

const char *
_dynamorm_expr_builder_name (DynamormExprBuilder *b,
                             const char          *attribute)
{
  JsonObject *names = builder_names (b);
  char *placeholder = g_hash_table_lookup (b->name_by_attribute, attribute);

  if (placeholder == NULL)
    {
      placeholder = g_strdup_printf ("#n%u", b->n_names++);
      g_hash_table_insert (b->name_by_attribute, g_strdup (attribute), placeholder);
      json_object_set_string_member (names, placeholder, attribute);
    }
  return placeholder;
}

const char *
_dynamorm_expr_builder_value (DynamormExprBuilder *b,
                              JsonNode            *attribute_value)
{
  JsonObject *values = builder_values (b);
  char *placeholder = g_strdup_printf (":v%u", b->n_values++);

  g_ptr_array_add (b->value_placeholders, placeholder);
  json_object_set_member (values, placeholder, attribute_value);
  return placeholder;
}

/* "#n12" and ":v3" belong to the builder. */
static gboolean
is_generated_placeholder (const char *p)
{
  if (!((p[0] == '#' && p[1] == 'n') || (p[0] == ':' && p[1] == 'v')) || p[2] == '\0')
    return FALSE;
  for (const char *c = p + 2; *c; c++)
    if (!g_ascii_isdigit (*c))
      return FALSE;
  return TRUE;
}

static gboolean
is_placeholder_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static gboolean
merge_member (JsonObject *target, const char *member, JsonNode *node, const char *what, GError **error)
{
  JsonNode *existing = json_object_get_member (target, member);

  if (existing != NULL)
    {
      if (json_node_equal (existing, node))
        return TRUE;
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                   _("The %s placeholder “%s” is used twice in one request with different meanings: "
                     "rename it in one of the raw expressions"), what, member);
      return FALSE;
    }
  json_object_set_member (target, member, json_node_copy (node));
  return TRUE;
}

static gboolean
merge_into_request (JsonObject *request, const char *member, JsonObject *source,
                    const char *what, GError **error)
{
  JsonObject *target;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (source == NULL || json_object_get_size (source) == 0)
    return TRUE;
  if (json_object_has_member (request, member))
    target = json_object_get_object_member (request, member);
  else
    {
      target = json_object_new ();
      json_object_set_object_member (request, member, target);
    }
  json_object_iter_init (&iter, source);
  while (json_object_iter_next (&iter, &name, &node))
    if (!merge_member (target, name, node, what, error))
      return FALSE;
  return TRUE;
}

gboolean
_dynamorm_expr_builder_apply (DynamormExprBuilder  *b,
                              JsonObject           *request,
                              GError              **error)
{
  return merge_into_request (request, "ExpressionAttributeNames", b->names, _("name"), error) &&
         merge_into_request (request, "ExpressionAttributeValues", b->values, _("value"), error);
}

gboolean
_dynamorm_expr_builder_add_raw (DynamormExprBuilder  *b,
                                const char           *expression,
                                JsonNode             *names,
                                JsonNode             *values,
                                GError              **error)
{
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonNode *maps[2] = { names, values };

  /* The placeholders the expression uses. */
  for (const char *p = expression; *p; p++)
    {
      const char *start = p;

      if (*p != '#' && *p != ':')
        continue;
      p++;
      while (is_placeholder_char (*p))
        p++;
      if (p == start + 1)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                       _("The condition expression “%s” has a “%c” that does not start a placeholder: "
                         "placeholders are “#name” and “:value”"), expression, *start);
          return FALSE;
        }
      g_hash_table_add (used, g_strndup (start, p - start));
      p--;
    }

  for (guint m = 0; m < 2; m++)
    {
      JsonNode *map = maps[m];
      char sigil = m == 0 ? '#' : ':';
      JsonObjectIter iter;
      const char *placeholder;
      JsonNode *node;

      if (map == NULL)
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (map))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       m == 0 ? _("The names of a condition expression must be a JSON object such as {\"#status\": \"status\"}")
                              : _("The values of a condition expression must be a JSON object such as {\":expected\": {\"S\": \"active\"}}"));
          return FALSE;
        }
      json_object_iter_init (&iter, json_node_get_object (map));
      while (json_object_iter_next (&iter, &placeholder, &node))
        {
          gboolean well_formed = placeholder[0] == sigil && placeholder[1] != '\0';

          for (const char *c = placeholder + 1; well_formed && *c; c++)
            well_formed = is_placeholder_char (*c);
          if (!well_formed)
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                           _("“%s” is not a valid %s placeholder: it must be “%c” followed by letters, digits or “_”"),
                           placeholder, m == 0 ? _("name") : _("value"), sigil);
              return FALSE;
            }
          if (is_generated_placeholder (placeholder))
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                           _("The placeholder “%s” of a raw condition expression clashes with the "
                             "placeholders Dynamorm generates (%s followed by digits): rename it, "
                             "for example to “%c%s_”"),
                           placeholder, m == 0 ? "#n" : ":v", sigil, placeholder + 1);
              return FALSE;
            }
          if (!g_hash_table_contains (used, placeholder))
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                           _("The placeholder “%s” is defined but not used in the condition expression “%s”: "
                             "DynamoDB refuses unused placeholders, so remove it"),
                           placeholder, expression);
              return FALSE;
            }
          if (m == 0)
            {
              if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
                  *json_node_get_string (node) == '\0')
                {
                  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                               _("The name placeholder “%s” must map to an attribute name (a non-empty string)"),
                               placeholder);
                  return FALSE;
                }
            }
          else
            {
              g_autoptr(GError) local_error = NULL;

              if (!dynamorm_attribute_value_validate (node, &local_error))
                {
                  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                               _("The value of placeholder “%s” is not a DynamoDB AttributeValue "
                                 "such as {\"S\": \"text\"} or {\"N\": \"3\"}: %s"),
                               placeholder, local_error->message);
                  return FALSE;
                }
            }
          if (!merge_member (m == 0 ? builder_names (b) : builder_values (b), placeholder, node,
                             m == 0 ? _("name") : _("value"), error))
            return FALSE;
        }
    }

  /* Every placeholder used must be defined. */
  {
    GHashTableIter iter;
    const char *placeholder;

    g_hash_table_iter_init (&iter, used);
    while (g_hash_table_iter_next (&iter, (gpointer *) &placeholder, NULL))
      {
        JsonNode *map = placeholder[0] == '#' ? names : values;

        if (map == NULL || !JSON_NODE_HOLDS_OBJECT (map) ||
            !json_object_has_member (json_node_get_object (map), placeholder))
          {
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                         _("The condition expression “%s” uses the placeholder “%s” but does not define it: "
                           "add it to its %s"),
                         expression, placeholder, placeholder[0] == '#' ? _("names") : _("values"));
            return FALSE;
          }
        if (b->raw == NULL)
          b->raw = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
        g_hash_table_add (b->raw, g_strdup (placeholder));
      }
  }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Rendering conditions */

/* Whether text has AND, OR or NOT outside any parentheses. */
static gboolean
has_top_level_logic (const char *text)
{
  int depth = 0;

  for (const char *p = text; *p; p++)
    {
      if (*p == '(')
        depth++;
      else if (*p == ')')
        depth--;
      else if (depth == 0 && g_ascii_isalpha (*p) &&
               (p == text || (!is_placeholder_char (p[-1]) && p[-1] != '#' && p[-1] != ':' && p[-1] != '.')))
        {
          const char *end = p;

          while (is_placeholder_char (*end))
            end++;
          if ((end - p == 3 && (g_ascii_strncasecmp (p, "AND", 3) == 0 || g_ascii_strncasecmp (p, "NOT", 3) == 0)) ||
              (end - p == 2 && g_ascii_strncasecmp (p, "OR", 2) == 0))
            return TRUE;
          p = end - 1;
        }
    }
  return FALSE;
}

char *
_dynamorm_expr_wrap (const char *text)
{
  int depth = 0;
  gsize len = strlen (text);

  /* Already enclosed by one pair of parentheses: DynamoDB refuses
   * redundant parentheses, so do not add another. */
  if (len >= 2 && text[0] == '(' && text[len - 1] == ')')
    {
      for (gsize i = 0; i < len; i++)
        {
          if (text[i] == '(')
            depth++;
          else if (text[i] == ')' && --depth == 0)
            {
              if (i == len - 1)
                return g_strdup (text);
              break;
            }
        }
    }
  /* Comparisons and functions bind tighter than NOT, AND and OR. */
  if (!has_top_level_logic (text))
    return g_strdup (text);
  return g_strdup_printf ("(%s)", text);
}

static const char *
operator_text (DynamormOperator op)
{
  switch (op)
    {
    case DYNAMORM_OPERATOR_EQ: return "=";
    case DYNAMORM_OPERATOR_NE: return "<>";
    case DYNAMORM_OPERATOR_LT: return "<";
    case DYNAMORM_OPERATOR_LE: return "<=";
    case DYNAMORM_OPERATOR_GT: return ">";
    case DYNAMORM_OPERATOR_GE: return ">=";
    case DYNAMORM_OPERATOR_BETWEEN: return "BETWEEN";
    case DYNAMORM_OPERATOR_IN: return "IN";
    case DYNAMORM_OPERATOR_BEGINS_WITH: return "BEGINS_WITH";
    case DYNAMORM_OPERATOR_CONTAINS: return "CONTAINS";
    case DYNAMORM_OPERATOR_EXISTS: return "EXISTS";
    case DYNAMORM_OPERATOR_NOT_EXISTS: return "NOT_EXISTS";
    default: return "?";
    }
}

static const char *
kind_description (const DynamormField *field)
{
  if (field->flags & FIELD_FLAG_JSON)
    return _("stored as JSON text");
  switch (field->kind)
    {
    case FIELD_STRING: return _("a string");
    case FIELD_STRING_NUMBER: case FIELD_INT: case FIELD_UINT: case FIELD_DOUBLE: case FIELD_FLAGS:
      return _("a number");
    case FIELD_STRING_BINARY: case FIELD_BYTES: return _("binary");
    case FIELD_BOOLEAN: return _("a boolean");
    case FIELD_ENUM: return _("an enumeration");
    case FIELD_DATETIME:
      return (field->flags & FIELD_FLAG_EPOCH) ? _("a timestamp stored as a number") : _("a timestamp");
    case FIELD_STRV: return (field->flags & FIELD_FLAG_SET) ? _("a string set") : _("a string list");
    case FIELD_VARIANT: case FIELD_JSON_NODE: return _("a free-form value");
    case FIELD_MODEL: return _("a nested model");
    case FIELD_MODEL_LIST: return _("a list of models");
    default: return "?";
    }
}

/* Whether op can apply to the field, by how DynamoDB stores it. */
static gboolean
operator_fits (const DynamormField *field, DynamormOperator op)
{
  gboolean json = (field->flags & FIELD_FLAG_JSON) != 0;

  switch (op)
    {
    case DYNAMORM_OPERATOR_EQ: case DYNAMORM_OPERATOR_NE: case DYNAMORM_OPERATOR_IN:
    case DYNAMORM_OPERATOR_EXISTS: case DYNAMORM_OPERATOR_NOT_EXISTS:
      return TRUE;

    case DYNAMORM_OPERATOR_LT: case DYNAMORM_OPERATOR_LE: case DYNAMORM_OPERATOR_GT:
    case DYNAMORM_OPERATOR_GE: case DYNAMORM_OPERATOR_BETWEEN:
      if (json)
        return FALSE;
      switch (field->kind)
        {
        case FIELD_STRING: case FIELD_STRING_NUMBER: case FIELD_STRING_BINARY: case FIELD_INT:
        case FIELD_UINT: case FIELD_DOUBLE: case FIELD_ENUM: case FIELD_FLAGS: case FIELD_BYTES:
        case FIELD_DATETIME:
          return TRUE;
        default:
          return FALSE;
        }

    case DYNAMORM_OPERATOR_BEGINS_WITH:
      if (json)
        return FALSE;
      switch (field->kind)
        {
        case FIELD_STRING: case FIELD_STRING_BINARY: case FIELD_ENUM: case FIELD_BYTES:
          return TRUE;
        case FIELD_DATETIME:
          return (field->flags & FIELD_FLAG_EPOCH) == 0;
        default:
          return FALSE;
        }

    case DYNAMORM_OPERATOR_CONTAINS:
      if (json)
        return FALSE;
      switch (field->kind)
        {
        case FIELD_STRING: case FIELD_STRING_BINARY: case FIELD_BYTES: case FIELD_STRV:
          return TRUE;
        default:
          return FALSE;
        }

    default:
      return FALSE;
    }
}

static gboolean
is_numeric_type (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_CHAR: case G_TYPE_UCHAR: case G_TYPE_INT: case G_TYPE_UINT: case G_TYPE_LONG:
    case G_TYPE_ULONG: case G_TYPE_INT64: case G_TYPE_UINT64: case G_TYPE_FLOAT: case G_TYPE_DOUBLE:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_number_field (const DynamormField *field)
{
  switch (field->kind)
    {
    case FIELD_INT: case FIELD_UINT: case FIELD_DOUBLE: case FIELD_STRING_NUMBER: case FIELD_FLAGS:
      return TRUE;
    case FIELD_DATETIME:
      return (field->flags & FIELD_FLAG_EPOCH) != 0;
    default:
      return FALSE;
    }
}

static void
set_conversion_error (const DynamormField *field, const GValue *value, const char *why, GError **error)
{
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
               _("A value of type %s cannot be compared with property “%s” of %s, which is %s (%s)%s%s"),
               g_type_name (G_VALUE_TYPE (value)), field->pspec->name,
               g_type_name (field->pspec->owner_type), kind_description (field),
               g_type_name (G_PARAM_SPEC_VALUE_TYPE (field->pspec)),
               why ? ": " : "", why ? why : "");
}

/* Converts a value to the AttributeValue it compares with, as the property
 * would store it. */
JsonNode *
_dynamorm_field_encode_operand (const DynamormField  *field,
                                DynamormOperator      op,
                                const GValue         *value,
                                GError              **error)
{
  GType target = G_PARAM_SPEC_VALUE_TYPE (field->pspec);
  GType source = G_VALUE_TYPE (value);
  DynamormField plain = *field;
  g_auto(GValue) converted = G_VALUE_INIT;
  JsonNode *out = NULL;

  plain.flags &= ~FIELD_FLAG_OMITEMPTY;

  if (!G_IS_VALUE (value))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A value of the condition on “%s” is not set (NULL, None or null): to test "
                     "whether the attribute is missing, use the NOT_EXISTS operator"),
                   field->pspec->name);
      return NULL;
    }

  /* An element of a list or set. */
  if (op == DYNAMORM_OPERATOR_CONTAINS && field->kind == FIELD_STRV)
    {
      if (!G_VALUE_HOLDS_STRING (value) || g_value_get_string (value) == NULL)
        {
          set_conversion_error (field, value, _("CONTAINS on a string list or set takes one element, a string"), error);
          return NULL;
        }
      return _dynamorm_av_new_string ("S", g_value_get_string (value));
    }

  /* Numbers compare exactly as given, whatever the property's width. */
  if (is_number_field (field) && is_numeric_type (source))
    return dynamorm_value_to_attribute_value (value, error);

  g_value_init (&converted, target);
  if (g_type_is_a (source, target))
    g_value_copy (value, &converted);
  else if (field->kind == FIELD_ENUM && G_VALUE_HOLDS_STRING (value))
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (target);
      const char *text = g_value_get_string (value);
      GEnumValue *ev = text ? g_enum_get_value_by_nick (klass, text) : NULL;

      if (ev == NULL && text != NULL)
        ev = g_enum_get_value_by_name (klass, text);
      if (ev == NULL)
        {
          set_conversion_error (field, value, _("the string names no value of the enumeration"), error);
          return NULL;
        }
      g_value_set_enum (&converted, ev->value);
    }
  else if (field->kind == FIELD_DATETIME && G_VALUE_HOLDS_STRING (value))
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      const char *text = g_value_get_string (value);
      GDateTime *dt = text ? g_date_time_new_from_iso8601 (text, utc) : NULL;

      if (dt == NULL)
        {
          set_conversion_error (field, value, _("the string is not an ISO 8601 date and time"), error);
          return NULL;
        }
      g_value_take_boxed (&converted, dt);
    }
  else if (field->kind == FIELD_DATETIME && (field->flags & FIELD_FLAG_EPOCH) == 0 && is_numeric_type (source))
    {
      g_auto(GValue) seconds = G_VALUE_INIT;

      g_value_init (&seconds, G_TYPE_INT64);
      g_value_transform (value, &seconds);
      g_value_take_boxed (&converted, g_date_time_new_from_unix_utc (g_value_get_int64 (&seconds)));
      if (g_value_get_boxed (&converted) == NULL)
        {
          set_conversion_error (field, value, _("the number of epoch seconds is out of range"), error);
          return NULL;
        }
    }
  else if (field->kind == FIELD_BYTES && G_VALUE_HOLDS_STRING (value) && g_value_get_string (value))
    {
      const char *text = g_value_get_string (value);
      g_value_take_boxed (&converted, g_bytes_new (text, strlen (text)));
    }
  else if (field->kind == FIELD_STRING_NUMBER && is_numeric_type (source))
    return dynamorm_value_to_attribute_value (value, error);
  else if (g_value_type_transformable (source, target) && !is_numeric_type (target))
    g_value_transform (value, &converted);
  else
    {
      set_conversion_error (field, value, NULL, error);
      return NULL;
    }

  if (!_dynamorm_field_encode (&plain, &converted, &out, error))
    return NULL;
  if (out == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A condition on property “%s” of %s compares with an empty value (NULL or an empty set), "
                     "which DynamoDB does not store: use NOT_EXISTS to test for a missing attribute"),
                   field->pspec->name, g_type_name (field->pspec->owner_type));
      return NULL;
    }
  return out;
}

static char *
render_leaf (DynamormCondition *cond, const DynamormSchema *schema, DynamormExprBuilder *b, GError **error)
{
  const DynamormField *field = _dynamorm_schema_lookup (schema, cond->property);
  const char *op_text = operator_text (cond->op);
  g_autoptr(GPtrArray) placeholders = g_ptr_array_new ();
  guint min_values = 1, max_values = 1;
  const char *name;

  if (field == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("%s has no stored property “%s” to test in a condition: check the property name"),
                   g_type_name (schema->type), cond->property);
      return NULL;
    }
  if (!_dynamorm_crypto_check_not_encrypted (field, _("a condition or filter"), error))
    return NULL;

  switch (cond->op)
    {
    case DYNAMORM_OPERATOR_BETWEEN: min_values = max_values = 2; break;
    case DYNAMORM_OPERATOR_IN: min_values = 1; max_values = 100; break;
    case DYNAMORM_OPERATOR_EXISTS: case DYNAMORM_OPERATOR_NOT_EXISTS: min_values = max_values = 0; break;
    default: break;
    }
  if (cond->n_values < min_values || cond->n_values > max_values)
    {
      if (cond->op == DYNAMORM_OPERATOR_BETWEEN)
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                     _("BETWEEN on property “%s” takes exactly 2 values, the low and the high bound; got %u"),
                     field->pspec->name, cond->n_values);
      else if (cond->op == DYNAMORM_OPERATOR_IN)
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                     _("IN on property “%s” takes 1 to 100 values (DynamoDB's limit); got %u. "
                       "Split a longer list into several conditions joined with OR"),
                     field->pspec->name, cond->n_values);
      else if (max_values == 0)
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                     _("%s on property “%s” takes no value; got %u"),
                     op_text, field->pspec->name, cond->n_values);
      else
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                     _("%s on property “%s” takes exactly one value; got %u"),
                     op_text, field->pspec->name, cond->n_values);
      return NULL;
    }

  if (!operator_fits (field, cond->op))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                   _("The operator %s does not fit property “%s” of %s, which is %s: "
                     "%s works on %s"),
                   op_text, field->pspec->name, g_type_name (schema->type), kind_description (field),
                   op_text,
                   cond->op == DYNAMORM_OPERATOR_BEGINS_WITH ? _("strings and binary values") :
                   cond->op == DYNAMORM_OPERATOR_CONTAINS ? _("strings, binary values, string lists and sets") :
                   _("strings, numbers, binary values and timestamps"));
      return NULL;
    }

  for (guint i = 0; i < cond->n_values; i++)
    {
      JsonNode *av = _dynamorm_field_encode_operand (field, cond->op, &cond->values[i], error);

      if (av == NULL)
        return NULL;
      g_ptr_array_add (placeholders, (gpointer) _dynamorm_expr_builder_value (b, av));
    }

  name = _dynamorm_expr_builder_name (b, field->attribute);
  switch (cond->op)
    {
    case DYNAMORM_OPERATOR_EQ: case DYNAMORM_OPERATOR_NE: case DYNAMORM_OPERATOR_LT:
    case DYNAMORM_OPERATOR_LE: case DYNAMORM_OPERATOR_GT: case DYNAMORM_OPERATOR_GE:
      return g_strdup_printf ("%s %s %s", name, op_text, (char *) placeholders->pdata[0]);
    case DYNAMORM_OPERATOR_BETWEEN:
      return g_strdup_printf ("%s BETWEEN %s AND %s", name,
                              (char *) placeholders->pdata[0], (char *) placeholders->pdata[1]);
    case DYNAMORM_OPERATOR_IN:
      {
        GString *s = g_string_new (name);

        g_string_append (s, " IN (");
        for (guint i = 0; i < placeholders->len; i++)
          g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) placeholders->pdata[i]);
        g_string_append_c (s, ')');
        return g_string_free (s, FALSE);
      }
    case DYNAMORM_OPERATOR_BEGINS_WITH:
      return g_strdup_printf ("begins_with(%s, %s)", name, (char *) placeholders->pdata[0]);
    case DYNAMORM_OPERATOR_CONTAINS:
      return g_strdup_printf ("contains(%s, %s)", name, (char *) placeholders->pdata[0]);
    case DYNAMORM_OPERATOR_EXISTS:
      return g_strdup_printf ("attribute_exists(%s)", name);
    case DYNAMORM_OPERATOR_NOT_EXISTS:
      return g_strdup_printf ("attribute_not_exists(%s)", name);
    default:
      g_assert_not_reached ();
    }
}

char *
_dynamorm_condition_render (DynamormCondition     *cond,
                            const DynamormSchema  *schema,
                            DynamormExprBuilder   *b,
                            GError               **error)
{
  g_return_val_if_fail (cond != NULL, NULL);
  g_return_val_if_fail (schema != NULL, NULL);
  g_return_val_if_fail (b != NULL, NULL);

  switch (cond->kind)
    {
    case CONDITION_LEAF:
      return render_leaf (cond, schema, b, error);

    case CONDITION_AND:
    case CONDITION_OR:
      {
        g_autofree char *left = _dynamorm_condition_render (cond->left, schema, b, error);
        g_autofree char *right = left ? _dynamorm_condition_render (cond->right, schema, b, error) : NULL;
        g_autofree char *left_wrapped = NULL;
        g_autofree char *right_wrapped = NULL;

        if (right == NULL)
          return NULL;
        left_wrapped = _dynamorm_expr_wrap (left);
        right_wrapped = _dynamorm_expr_wrap (right);
        return g_strdup_printf ("%s %s %s", left_wrapped, cond->kind == CONDITION_AND ? "AND" : "OR",
                                right_wrapped);
      }

    case CONDITION_NOT:
      {
        g_autofree char *inner = _dynamorm_condition_render (cond->left, schema, b, error);
        g_autofree char *wrapped = inner ? _dynamorm_expr_wrap (inner) : NULL;

        return wrapped ? g_strdup_printf ("NOT %s", wrapped) : NULL;
      }

    case CONDITION_EXPRESSION:
      {
        g_autofree char *trimmed = g_strstrip (g_strdup (cond->expression));

        if (*trimmed == '\0')
          {
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                         _("A raw condition expression is empty: give the expression text"));
            return NULL;
          }
        if (!_dynamorm_expr_builder_add_raw (b, cond->expression, cond->names, cond->raw_values, error))
          return NULL;
        return g_steal_pointer (&trimmed);
      }

    default:
      g_assert_not_reached ();
    }
}
