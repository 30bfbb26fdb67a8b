/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-key-template-private.h: key templates, such as
 * "ORDER#{created:date}#{order-id}": parsed from a model's tags, bound to
 * its properties, rendered into the composed key attribute on every write
 * and parsed back on reads. Never installed. */
#pragma once

#include "dynamorm-private.h"

G_BEGIN_DECLS

typedef enum {
  TEMPLATE_CASE_KEEP,
  TEMPLATE_CASE_UPPER,
  TEMPLATE_CASE_LOWER,
} DynamormTemplateCase;

typedef struct {
  char *literal;                /* a literal part, or NULL for a placeholder */
  char *property;               /* a placeholder: the property as written */
  DynamormField *field;         /* bound by _dynamorm_key_template_bind() */
  guint pad;                    /* zero-pad integers to this many digits; 0: none */
  DynamormTemplateCase fold;
  gboolean date;                /* GDateTime as YYYY-MM-DD only */
} DynamormTemplatePart;

struct _DynamormKeyTemplate {
  char *text;                   /* as declared */
  GPtrArray *parts;             /* of DynamormTemplatePart*, literals merged */
};

/* Syntax only: literal text with {property[:option]...} placeholders;
 * options: pad=N, upper, lower, date; "{{" and "}}" are literal braces. */
DynamormKeyTemplate *_dynamorm_key_template_parse (const char *text, GError **error);
void _dynamorm_key_template_free (DynamormKeyTemplate *tmpl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormKeyTemplate, _dynamorm_key_template_free)

/* Binds every placeholder to a stored field of by_property and checks that
 * it can be rendered (no floats, models, lists, binary, booleans) and that
 * the template can be read back (two placeholders side by side need the
 * first one padded). what names the composed attribute in messages. */
gboolean _dynamorm_key_template_bind (DynamormKeyTemplate *tmpl, GHashTable *by_property,
                                      GType model_type, const char *attribute, GError **error);

guint _dynamorm_key_template_n_placeholders (const DynamormKeyTemplate *tmpl);
/* The literal text before the first placeholder ("" when it starts with one). */
const char *_dynamorm_key_template_leading_literal (const DynamormKeyTemplate *tmpl);
/* Whether the two templates could compose the same text for some values
 * of their properties (exact for literals, padded numbers and separators;
 * a placeholder's text is never empty and never holds the separator that
 * follows it). NULL stands for a plain key property: any text. */
gboolean _dynamorm_key_template_may_overlap (const DynamormKeyTemplate *a, const DynamormKeyTemplate *b);
/* Whether the template names the field. */
gboolean _dynamorm_key_template_uses (const DynamormKeyTemplate *tmpl, const DynamormField *field);

/* Appends one placeholder's text for value (of the field's type). A missing
 * value (NULL, "") and a value holding the separator that follows it are
 * errors; attribute names the composed attribute in messages. */
gboolean _dynamorm_key_template_render_part (const DynamormKeyTemplate *tmpl, guint part_index,
                                             const GValue *value, GType model_type,
                                             const char *attribute, GString *out, GError **error);

/* The whole composed value, from a model's properties. */
char *_dynamorm_key_template_render_model (const DynamormKeyTemplate *tmpl, DynamormModel *model,
                                           const char *attribute, GError **error);

/* How many placeholders of the template the model leaves unset. */
guint _dynamorm_key_template_count_missing (const DynamormKeyTemplate *tmpl, DynamormModel *model);

/* Reads a composed value back into the placeholders' AttributeValues
 * (field->attribute -> {"S": ...} or {"N": ...}), added to out for the
 * placeholders whose attribute out does not have yet. Placeholders whose
 * text is lossy (case folded, date only) are skipped. FALSE when the text
 * does not follow the template (nothing is added then). */
gboolean _dynamorm_key_template_read_back (const DynamormKeyTemplate *tmpl, const char *text,
                                           JsonObject *out);

/* Whether a placeholder's text sorts as its values do (strings, padded
 * non-negative integers, datetimes), so that ranges on it can be ranges on
 * the composed key. */
gboolean _dynamorm_key_template_part_is_ordered (const DynamormTemplatePart *part);
/* Whether the placeholder's text gives back its value (no case folding, no
 * date truncation): equality on the composed key is then equality on it. */
gboolean _dynamorm_key_template_part_is_exact (const DynamormTemplatePart *part);

G_END_DECLS
