/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-model.h"

typedef struct { DynamormModel parent; GValue values[10]; } FuzzModel;
typedef struct { DynamormModelClass parent_class; } FuzzModelClass;

G_DEFINE_TYPE (FuzzModel, fuzz_model, DYNAMORM_TYPE_MODEL)

static void
fuzz_model_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  FuzzModel *self = (FuzzModel *) object;

  if (G_IS_VALUE (&self->values[id]))
    g_value_copy (&self->values[id], value);
}

static void
fuzz_model_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  FuzzModel *self = (FuzzModel *) object;

  if (G_IS_VALUE (&self->values[id]))
    g_value_unset (&self->values[id]);
  g_value_init (&self->values[id], G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_value_copy (value, &self->values[id]);
}

static void
fuzz_model_finalize (GObject *object)
{
  FuzzModel *self = (FuzzModel *) object;

  for (guint i = 0; i < G_N_ELEMENTS (self->values); i++)
    if (G_IS_VALUE (&self->values[i]))
      g_value_unset (&self->values[i]);
  G_OBJECT_CLASS (fuzz_model_parent_class)->finalize (object);
}

static void
fuzz_model_class_init (FuzzModelClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  guint id = 1;

  oc->get_property = fuzz_model_get_property;
  oc->set_property = fuzz_model_set_property;
  oc->finalize = fuzz_model_finalize;
  g_object_class_install_property (oc, id++, g_param_spec_string ("id", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, id++, g_param_spec_int64 ("n", NULL, NULL, G_MININT64, G_MAXINT64, 0, rw));
  g_object_class_install_property (oc, id++, g_param_spec_double ("d", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw));
  g_object_class_install_property (oc, id++, g_param_spec_boolean ("flag", NULL, NULL, FALSE, rw));
  g_object_class_install_property (oc, id++, g_param_spec_boxed ("tags", NULL, NULL, G_TYPE_STRV, rw));
  g_object_class_install_property (oc, id++, g_param_spec_boxed ("doc", NULL, NULL, JSON_TYPE_NODE, rw));
  g_object_class_install_property (oc, id++, g_param_spec_boxed ("tree", NULL, NULL, JSON_TYPE_NODE, rw));
  g_object_class_install_property (oc, id++, g_param_spec_variant ("v", NULL, NULL, G_VARIANT_TYPE ("a{sv}"), NULL, rw));
  g_object_class_install_property (oc, id++, g_param_spec_boxed ("blob", NULL, NULL, G_TYPE_BYTES, rw));
}

static void
fuzz_model_init (FuzzModel *self)
{
}

GType
fuzz_model_type (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      const char *tags[] = { "id=pk", "tags=set", "doc=json", NULL };

      g_assert (dynamorm_model_type_declare (fuzz_model_get_type (), "fuzz", tags, NULL));
      g_once_init_leave (&done, 1);
    }
  return fuzz_model_get_type ();
}
