/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the schema compiler and its tag parser. The input is a
 * declaration, one "property=tags" per line (the first line is the table
 * name), compiled against a model with one property of most kinds, as
 * dynamorm_model_type_declare() would have it compiled. The schema source is
 * included to reach its static compile(); declarations are made per input,
 * so nothing accumulates. Must never crash, hang or leak.
 *
 * A key template's attribute becomes a GParamSpec, whose name GLib interns
 * for good (by design: its quark table never shrinks, and LSan reports the
 * arrays it outgrew). A program declares a few such names; the fuzzer would
 * make millions, so the names before "=template" are folded onto 32. */
#include "../../dynamorm/dynamorm-schema.c"
#include "fuzz-model.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* "name=...template:..." -> "cN=...template:..." with N from a hash of name */
static char *
fold_template_attribute (const char *line)
{
  const char *eq = strchr (line, '=');
  g_autofree char *name = g_strndup (line, eq - line);

  if (strstr (eq, "template:") == NULL)
    return g_strdup (line);
  return g_strdup_printf ("c%u%s", g_str_hash (name) % 32, eq);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", 64);
  Declaration decl = { NULL, g_ptr_array_new_with_free_func (g_free) };
  GType type = fuzz_model_type ();

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (i == 0)
        decl.table_name = lines[0];
      else if (strchr (lines[i], '=') != NULL)  /* as dynamorm_model_type_declare() requires */
        g_ptr_array_add (decl.tags, fold_template_attribute (lines[i]));
    }
  for (int require_key = 0; require_key < 2; require_key++)
    {
      GError *error = NULL;
      DynamormSchema *schema = compile (type, &decl, require_key, &error);

      g_assert ((schema == NULL) == (error != NULL));
      if (schema != NULL)
        schema_free (schema);
      g_clear_error (&error);
    }
  g_ptr_array_unref (decl.tags);
  return 0;
}
