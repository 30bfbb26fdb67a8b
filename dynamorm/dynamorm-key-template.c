/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-key-template.c: key templates ("CUSTOMER#{customer-id}"),
 * their syntax, binding to a model's properties, rendering and reading
 * back. See docs/single-table.md for the syntax. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-key-template-private.h"

static void
part_free (DynamormTemplatePart *part)
{
  g_free (part->literal);
  g_free (part->property);
  g_free (part);
}

void
_dynamorm_key_template_free (DynamormKeyTemplate *tmpl)
{
  if (tmpl == NULL)
    return;
  g_free (tmpl->text);
  g_ptr_array_unref (tmpl->parts);
  g_free (tmpl);
}

static DynamormTemplatePart *
part_at (const DynamormKeyTemplate *tmpl, guint i)
{
  return i < tmpl->parts->len ? g_ptr_array_index (tmpl->parts, i) : NULL;
}

static void
flush_literal (DynamormKeyTemplate *tmpl, GString *literal)
{
  DynamormTemplatePart *part;

  if (literal->len == 0)
    return;
  part = g_new0 (DynamormTemplatePart, 1);
  part->literal = g_strndup (literal->str, literal->len);
  g_ptr_array_add (tmpl->parts, part);
  g_string_truncate (literal, 0);
}

static gboolean
valid_property_name (const char *name)
{
  if (!g_ascii_isalpha (*name))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
parse_option (DynamormTemplatePart *part, const char *option, const char *text, GError **error)
{
  if (g_str_equal (option, "upper"))
    part->fold = TEMPLATE_CASE_UPPER;
  else if (g_str_equal (option, "lower"))
    part->fold = TEMPLATE_CASE_LOWER;
  else if (g_str_equal (option, "date"))
    part->date = TRUE;
  else if (g_str_has_prefix (option, "pad="))
    {
      guint64 width = 0;

      if (!g_ascii_string_to_unsigned (option + 4, 10, 1, 38, &width, NULL))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("Key template “%s”: “%s” needs a width of 1 to 38 digits, as in “{%s:pad=8}”"),
                       text, option, part->property);
          return FALSE;
        }
      part->pad = width;
    }
  else
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Key template “%s”: unknown option “%s” in “{%s:…}”. Options are pad=N "
                     "(zero-padded integers), upper, lower (fixed case) and date (a GDateTime as YYYY-MM-DD)"),
                   text, option, part->property);
      return FALSE;
    }
  return TRUE;
}

static DynamormTemplatePart *
parse_placeholder (const char *inner, const char *text, GError **error)
{
  g_auto(GStrv) pieces = g_strsplit (inner, ":", -1);
  DynamormTemplatePart *part = g_new0 (DynamormTemplatePart, 1);

  part->property = g_strdup (pieces[0] ? g_strstrip (pieces[0]) : "");
  if (!valid_property_name (part->property))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Key template “%s”: “{%s}” does not name a property; write a property name "
                     "between the braces, as in “{customer-id}”, and “{{” or “}}” for a literal brace"),
                   text, inner);
      part_free (part);
      return NULL;
    }
  for (guint i = 1; pieces[0] != NULL && pieces[i] != NULL; i++)
    if (!parse_option (part, g_strstrip (pieces[i]), text, error))
      {
        part_free (part);
        return NULL;
      }
  return part;
}

DynamormKeyTemplate *
_dynamorm_key_template_parse (const char  *text,
                              GError     **error)
{
  g_autoptr(DynamormKeyTemplate) tmpl = g_new0 (DynamormKeyTemplate, 1);
  g_autoptr(GString) literal = g_string_new (NULL);
  const char *p = text;

  tmpl->text = g_strdup (text);
  tmpl->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);
  if (*text == '\0')
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("A key template is empty: write one such as “template:CUSTOMER#{customer-id}”"));
      return NULL;
    }

  while (*p != '\0')
    {
      if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}'))
        {
          g_string_append_c (literal, p[0]);
          p += 2;
        }
      else if (p[0] == '}')
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("Key template “%s” has a “}” without its “{”: write “}}” for a literal brace"),
                       text);
          return NULL;
        }
      else if (p[0] == '{')
        {
          const char *end = strchr (p, '}');
          g_autofree char *inner = NULL;
          DynamormTemplatePart *part;

          if (end == NULL)
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                           _("Key template “%s” has a “{” that is never closed: close it with “}”, "
                             "or write “{{” for a literal brace"), text);
              return NULL;
            }
          inner = g_strndup (p + 1, end - p - 1);
          if ((part = parse_placeholder (inner, text, error)) == NULL)
            return NULL;
          flush_literal (tmpl, literal);
          g_ptr_array_add (tmpl->parts, part);
          p = end + 1;
        }
      else
        g_string_append_c (literal, *p++);
    }
  flush_literal (tmpl, literal);
  return g_steal_pointer (&tmpl);
}

static const char *
kind_refusal (const DynamormField *field)
{
  if (field->flags & (FIELD_FLAG_JSON | FIELD_FLAG_SET))
    return _("it is stored as JSON or as a set");
  if (field->flags & FIELD_FLAG_ENCRYPTED)
    return _("it is encrypted, and a key is stored in the clear");
  switch (field->kind)
    {
    case FIELD_STRING: case FIELD_STRING_NUMBER: case FIELD_INT: case FIELD_UINT:
    case FIELD_ENUM: case FIELD_FLAGS: case FIELD_DATETIME:
      return NULL;
    case FIELD_DOUBLE:
      return _("a floating-point number has no exact, sortable text");
    case FIELD_BOOLEAN:
      return _("a boolean makes a poor key; use an enum or a string");
    case FIELD_MODEL: case FIELD_MODEL_LIST:
      return _("a model is not a scalar");
    default:
      return _("only strings, integers, enums and GDateTime can be rendered");
    }
}

static gboolean
field_is_number_text (const DynamormField *field, const DynamormTemplatePart *part)
{
  return field->kind == FIELD_INT || field->kind == FIELD_UINT || field->kind == FIELD_FLAGS ||
         field->kind == FIELD_STRING_NUMBER ||
         (field->kind == FIELD_DATETIME && (field->flags & FIELD_FLAG_EPOCH));
}

static gboolean
check_options (DynamormTemplatePart *part, const DynamormKeyTemplate *tmpl, GType model_type,
               GError **error)
{
  const DynamormField *field = part->field;
  const char *bad = NULL;

  if (part->pad && !field_is_number_text (field, part))
    bad = "pad";
  else if (part->fold != TEMPLATE_CASE_KEEP && field->kind != FIELD_STRING && field->kind != FIELD_ENUM)
    bad = part->fold == TEMPLATE_CASE_UPPER ? "upper" : "lower";
  else if (part->date && (field->kind != FIELD_DATETIME || (field->flags & FIELD_FLAG_EPOCH)))
    bad = "date";
  if (bad == NULL)
    return TRUE;
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
               _("Key template “%s” of %s: the option “%s” does not fit property “%s”: pad is for "
                 "integers, upper and lower for strings and enums, date for GDateTime"),
               tmpl->text, g_type_name (model_type), bad, part->property);
  return FALSE;
}

gboolean
_dynamorm_key_template_bind (DynamormKeyTemplate  *tmpl,
                             GHashTable           *by_property,
                             GType                 model_type,
                             const char           *attribute,
                             GError              **error)
{
  for (guint i = 0; i < tmpl->parts->len; i++)
    {
      DynamormTemplatePart *part = part_at (tmpl, i);
      DynamormTemplatePart *next = part_at (tmpl, i + 1);
      g_autofree char *canonical = NULL;
      const char *refusal;

      if (part->literal != NULL)
        continue;
      canonical = g_strdelimit (g_strdup (part->property), "_", '-');
      part->field = g_hash_table_lookup (by_property, canonical);
      if (part->field == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("Key template “%s” for “%s” names “%s”, which is not a stored property of %s: "
                         "name one of its properties"),
                       tmpl->text, attribute, part->property, g_type_name (model_type));
          return FALSE;
        }
      if ((refusal = kind_refusal (part->field)) != NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("Key template “%s” for “%s” names property “%s” of %s, a %s, which cannot be "
                         "part of a key (%s): use a string, integer, enum or GDateTime property"),
                       tmpl->text, attribute, part->property, g_type_name (model_type),
                       g_type_name (G_PARAM_SPEC_VALUE_TYPE (part->field->pspec)), refusal);
          return FALSE;
        }
      if (!check_options (part, tmpl, model_type, error))
        return FALSE;
      if (next != NULL && next->literal == NULL && part->pad == 0)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("Key template “%s” for “%s” puts “{%s}” and “{%s}” side by side, so the key "
                         "cannot be read back: put a separator between them, as in “{%s}#{%s}”"),
                       tmpl->text, attribute, part->property, next->property,
                       part->property, next->property);
          return FALSE;
        }
    }
  return TRUE;
}

guint
_dynamorm_key_template_n_placeholders (const DynamormKeyTemplate *tmpl)
{
  guint n = 0;

  for (guint i = 0; i < tmpl->parts->len; i++)
    n += part_at (tmpl, i)->literal == NULL;
  return n;
}

const char *
_dynamorm_key_template_leading_literal (const DynamormKeyTemplate *tmpl)
{
  DynamormTemplatePart *first = part_at (tmpl, 0);

  return first != NULL && first->literal != NULL ? first->literal : "";
}

gboolean
_dynamorm_key_template_uses (const DynamormKeyTemplate *tmpl,
                             const DynamormField       *field)
{
  for (guint i = 0; i < tmpl->parts->len; i++)
    if (part_at (tmpl, i)->field == field)
      return TRUE;
  return FALSE;
}

gboolean
_dynamorm_key_template_part_is_exact (const DynamormTemplatePart *part)
{
  return part->fold == TEMPLATE_CASE_KEEP && !part->date;
}

gboolean
_dynamorm_key_template_part_is_ordered (const DynamormTemplatePart *part)
{
  const DynamormField *field = part->field;

  if (part->fold != TEMPLATE_CASE_KEEP)
    return FALSE;
  switch (field->kind)
    {
    case FIELD_STRING:
      return TRUE;
    case FIELD_DATETIME:
      return !(field->flags & FIELD_FLAG_EPOCH) || part->pad > 0;
    case FIELD_UINT:
    case FIELD_FLAGS:
      return part->pad > 0;
    default:
      return FALSE;   /* signed or decimal numbers: "-1" and "10" sort wrong as text */
    }
}

static gboolean
missing_value (const DynamormField *field, const GValue *value)
{
  switch (field->kind)
    {
    case FIELD_STRING:
    case FIELD_STRING_NUMBER:
      return g_value_get_string (value) == NULL || *g_value_get_string (value) == '\0';
    case FIELD_DATETIME:
      return g_value_get_boxed (value) == NULL;
    default:
      return FALSE;
    }
}

static gboolean
pad_number (const DynamormKeyTemplate *tmpl, const DynamormTemplatePart *part, const char *text,
            GType model_type, const char *attribute, GString *out, GError **error)
{
  gsize len = strlen (text);

  for (const char *p = text; *p; p++)
    if (!g_ascii_isdigit (*p))
      {
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                     _("Property “%s” of this %s holds %s, but “{%s:pad=%u}” in the key template “%s” "
                       "for “%s” pads non-negative integers only: keep the value non-negative, or drop pad"),
                     part->property, g_type_name (model_type), text, part->property, part->pad,
                     tmpl->text, attribute);
        return FALSE;
      }
  if (len > part->pad)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("Property “%s” of this %s holds %s, more than the %u digits of “{%s:pad=%u}” in "
                     "the key template “%s”: raise the width, or the keys will not sort"),
                   part->property, g_type_name (model_type), text, part->pad, part->property, part->pad,
                   tmpl->text);
      return FALSE;
    }
  for (gsize i = len; i < part->pad; i++)
    g_string_append_c (out, '0');
  g_string_append (out, text);
  return TRUE;
}

static char
separator_after (const DynamormKeyTemplate *tmpl, guint part_index)
{
  DynamormTemplatePart *next = part_at (tmpl, part_index + 1);

  return next != NULL && next->literal != NULL ? next->literal[0] : '\0';
}

gboolean
_dynamorm_key_template_render_part (const DynamormKeyTemplate  *tmpl,
                                    guint                       part_index,
                                    const GValue               *value,
                                    GType                       model_type,
                                    const char                 *attribute,
                                    GString                    *out,
                                    GError                    **error)
{
  const DynamormTemplatePart *part = part_at (tmpl, part_index);
  DynamormField plain;
  DynamormScalar scalar;
  g_autofree char *text = NULL;
  char separator;
  gboolean ok;

  g_return_val_if_fail (part != NULL && part->field != NULL, FALSE);

  if (missing_value (part->field, value))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The key template “%s” of %s composes “%s” from property “%s”, which is not set: "
                     "set it before writing, reading or querying the item"),
                   tmpl->text, g_type_name (model_type), attribute, part->property);
      return FALSE;
    }
  /* The stored text, without omitempty: a key part is always written. */
  plain = *part->field;
  plain.flags &= ~FIELD_FLAG_OMITEMPTY;
  if (!_dynamorm_field_encode_scalar (&plain, value, &scalar, error))
    return FALSE;
  text = g_strndup (scalar.text, scalar.len);
  _dynamorm_scalar_clear (&scalar);

  separator = separator_after (tmpl, part_index);
  if (separator != '\0' && strchr (text, separator) != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("Property “%s” of this %s holds “%s”, which contains “%c”, the separator that "
                     "follows it in the key template “%s”: the key could not be read back. Remove “%c” "
                     "from the value, or choose another separator"),
                   part->property, g_type_name (model_type), text, separator, tmpl->text, separator);
      return FALSE;
    }

  if (part->date && strlen (text) >= 10)
    text[10] = '\0';
  if (part->fold != TEMPLATE_CASE_KEEP)
    {
      char *folded = part->fold == TEMPLATE_CASE_UPPER ? g_utf8_strup (text, -1) : g_utf8_strdown (text, -1);
      g_free (text);
      text = folded;
    }
  if (part->pad > 0)
    ok = pad_number (tmpl, part, text, model_type, attribute, out, error);
  else
    {
      g_string_append (out, text);
      ok = TRUE;
    }
  return ok;
}

char *
_dynamorm_key_template_render_model (const DynamormKeyTemplate  *tmpl,
                                     DynamormModel              *model,
                                     const char                 *attribute,
                                     GError                    **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < tmpl->parts->len; i++)
    {
      DynamormTemplatePart *part = part_at (tmpl, i);
      g_auto(GValue) value = G_VALUE_INIT;

      if (part->literal != NULL)
        {
          g_string_append (out, part->literal);
          continue;
        }
      _dynamorm_model_get_field (model, part->field, &value);
      if (!_dynamorm_key_template_render_part (tmpl, i, &value, G_OBJECT_TYPE (model), attribute,
                                               out, error))
        return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* "0042" -> "42", "0000" -> "0" */
static const char *
skip_zeros (const char *text)
{
  while (text[0] == '0' && g_ascii_isdigit (text[1]))
    text++;
  return text;
}

static JsonNode *
read_back_value (const DynamormTemplatePart *part, const char *text)
{
  if (field_is_number_text (part->field, part))
    {
      const char *digits = skip_zeros (text);
      g_autofree char *normal = *digits ? dynamorm_number_normalize (digits, NULL) : NULL;

      if (normal == NULL)
        return NULL;
      return _dynamorm_av_new_string ("N", digits);
    }
  if (*text == '\0')
    return NULL;
  return _dynamorm_av_new_string ("S", text);
}

gboolean
_dynamorm_key_template_read_back (const DynamormKeyTemplate *tmpl,
                                  const char                *text,
                                  JsonObject                *out)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  const char *p = text;

  for (guint i = 0; i < tmpl->parts->len; i++)
    {
      DynamormTemplatePart *part = part_at (tmpl, i);
      DynamormTemplatePart *next = part_at (tmpl, i + 1);
      g_autofree char *piece = NULL;
      JsonNode *av;

      if (part->literal != NULL)
        {
          if (!g_str_has_prefix (p, part->literal))
            return FALSE;
          p += strlen (part->literal);
          continue;
        }
      if (next == NULL)
        piece = g_strdup (p);
      else if (next->literal != NULL)
        {
          const char *end = strchr (p, next->literal[0]);

          if (end == NULL)
            return FALSE;
          piece = g_strndup (p, end - p);
        }
      else
        {
          if (strlen (p) < part->pad)
            return FALSE;
          piece = g_strndup (p, part->pad);
        }
      p += strlen (piece);
      if (!_dynamorm_key_template_part_is_exact (part) ||
          json_object_has_member (out, part->field->attribute))
        continue;
      if ((av = read_back_value (part, piece)) == NULL)
        return FALSE;
      g_ptr_array_add (names, part->field->attribute);
      g_ptr_array_add (values, av);
    }
  if (*p != '\0')
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    json_object_set_member (out, names->pdata[i], json_node_ref (values->pdata[i]));
  return TRUE;
}

guint
_dynamorm_key_template_count_missing (const DynamormKeyTemplate *tmpl,
                                      DynamormModel             *model)
{
  guint n = 0;

  for (guint i = 0; i < tmpl->parts->len; i++)
    {
      DynamormTemplatePart *part = part_at (tmpl, i);
      g_auto(GValue) value = G_VALUE_INIT;

      if (part->literal != NULL)
        continue;
      _dynamorm_model_get_field (model, part->field, &value);
      n += missing_value (part->field, &value);
    }
  return n;
}

/* ---- Could two templates compose the same text? ----
 *
 * Each template is read as a sequence of elements, each a set of bytes
 * taken once (a literal byte, one digit of a padded number) or one or more
 * times (any other placeholder: its value is never empty and never holds
 * the separator after it). Two templates can compose the same text exactly
 * when the product of these two automata reaches the end of both: a walk
 * over pairs of positions, stepping where the two byte sets meet. */

typedef struct {
  guint32 bytes[8];             /* the bytes the element takes */
  gboolean repeat;              /* one or more times, else exactly once */
} Element;

static void
bytes_add (Element *e, guchar c)
{
  e->bytes[c >> 5] |= 1u << (c & 31);
}

static void
bytes_add_range (Element *e, guchar from, guchar to)
{
  for (guint c = from; c <= to; c++)
    bytes_add (e, (guchar) c);
}

static void
bytes_remove (Element *e, guchar c)
{
  e->bytes[c >> 5] &= ~(1u << (c & 31));
}

/* The bytes a placeholder's text can hold. */
static void
placeholder_bytes (const DynamormTemplatePart *part, char separator, Element *e)
{
  const DynamormField *field = part->field;

  memset (e->bytes, 0, sizeof e->bytes);
  switch (field != NULL ? field->kind : FIELD_STRING)
    {
    case FIELD_INT:
      bytes_add (e, '-');
      G_GNUC_FALLTHROUGH;
    case FIELD_UINT:
    case FIELD_FLAGS:
      bytes_add_range (e, '0', '9');
      break;
    case FIELD_DATETIME:
      bytes_add_range (e, '0', '9');
      if (!(field->flags & FIELD_FLAG_EPOCH))
        {
          static const char extra[] = "-:.TZ+";
          for (const char *p = extra; *p; p++)
            if (!part->date || *p == '-')
              bytes_add (e, (guchar) *p);
        }
      break;
    default:
      bytes_add_range (e, 1, 255);
      if (part->fold == TEMPLATE_CASE_UPPER)
        for (guchar c = 'a'; c <= 'z'; c++)
          bytes_remove (e, c);
      if (part->fold == TEMPLATE_CASE_LOWER)
        for (guchar c = 'A'; c <= 'Z'; c++)
          bytes_remove (e, c);
      break;
    }
  if (separator != '\0')
    bytes_remove (e, (guchar) separator);
}

/* The elements of tmpl; NULL stands for a plain (not composed) key, which
 * can hold any text. */
static GArray *
template_elements (const DynamormKeyTemplate *tmpl)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (Element));
  Element e;

  if (tmpl == NULL)
    {
      memset (&e, 0, sizeof e);
      bytes_add_range (&e, 1, 255);
      e.repeat = TRUE;
      g_array_append_val (out, e);
      return out;
    }
  for (guint i = 0; i < tmpl->parts->len; i++)
    {
      const DynamormTemplatePart *part = part_at (tmpl, i);

      if (part->literal != NULL)
        for (const char *p = part->literal; *p; p++)
          {
            memset (&e, 0, sizeof e);
            bytes_add (&e, (guchar) *p);
            g_array_append_val (out, e);
          }
      else if (part->pad > 0 && part->field != NULL &&
               (part->field->kind == FIELD_UINT || part->field->kind == FIELD_INT ||
                part->field->kind == FIELD_FLAGS))
        {
          /* Exactly pad digits (wider values are refused). */
          memset (&e, 0, sizeof e);
          bytes_add_range (&e, '0', '9');
          for (guint d = 0; d < part->pad; d++)
            g_array_append_val (out, e);
        }
      else
        {
          placeholder_bytes (part, separator_after (tmpl, i), &e);
          e.repeat = TRUE;
          g_array_append_val (out, e);
        }
    }
  return out;
}

static gboolean
bytes_meet (const Element *a, const Element *b)
{
  for (guint i = 0; i < 8; i++)
    if (a->bytes[i] & b->bytes[i])
      return TRUE;
  return FALSE;
}

/* Positions: 2k before element k, 2k + 1 inside a repeated element k
 * (which may also stop: 2k + 2). The position after taking one byte. */
static guint
step (const GArray *elements, guint pos)
{
  guint k = pos / 2;

  if (pos % 2 == 1)
    return pos;   /* another byte of the same repeated element */
  return g_array_index (elements, Element, k).repeat ? 2 * k + 1 : 2 * k + 2;
}

gboolean
_dynamorm_key_template_may_overlap (const DynamormKeyTemplate *a,
                                    const DynamormKeyTemplate *b)
{
  g_autoptr(GArray) ea = template_elements (a);
  g_autoptr(GArray) eb = template_elements (b);
  guint na = 2 * ea->len + 1, nb = 2 * eb->len + 1;
  g_autofree guint8 *seen = g_new0 (guint8, na * nb);
  g_autoptr(GArray) todo = g_array_new (FALSE, FALSE, sizeof (guint));
  guint start = 0;

  g_array_append_val (todo, start);
  seen[0] = 1;
  while (todo->len > 0)
    {
      guint pair = g_array_index (todo, guint, todo->len - 1);
      guint pa = pair / nb, pb = pair % nb;
      guint next[3][2];
      guint n = 0;

      g_array_set_size (todo, todo->len - 1);
      if (pa == na - 1 && pb == nb - 1)
        return TRUE;
      /* Leaving a repeated element takes no byte. */
      if (pa % 2 == 1)
        {
          next[n][0] = pa + 1;
          next[n++][1] = pb;
        }
      if (pb % 2 == 1)
        {
          next[n][0] = pa;
          next[n++][1] = pb + 1;
        }
      if (pa < na - 1 && pb < nb - 1 &&
          bytes_meet (&g_array_index (ea, Element, pa / 2), &g_array_index (eb, Element, pb / 2)))
        {
          next[n][0] = step (ea, pa);
          next[n++][1] = step (eb, pb);
        }
      for (guint i = 0; i < n; i++)
        {
          guint p = next[i][0] * nb + next[i][1];
          if (!seen[p])
            {
              seen[p] = 1;
              g_array_append_val (todo, p);
            }
        }
    }
  return FALSE;
}
