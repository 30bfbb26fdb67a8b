/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dynamorm-properties-private.h"
#include "dynamorm-model.h"
#include "dynamorm-session.h"

static GQuark
field_offset_quark (void)
{
  return g_quark_from_static_string ("dynamorm-field-offset");
}

void
_dynamorm_install_field_properties (GObjectClass *object_class,
                                    guint n_pspecs,
                                    GParamSpec **pspecs,
                                    const gsize *offsets)
{
  for (guint i = 1; i < n_pspecs; i++)
    if (offsets[i] != 0)
      g_param_spec_set_qdata (pspecs[i], field_offset_quark (), GSIZE_TO_POINTER (offsets[i]));
  object_class->get_property = _dynamorm_field_get_property;
  object_class->set_property = _dynamorm_field_set_property;
  g_object_class_install_properties (object_class, n_pspecs, pspecs);
}

static gpointer
field_of (GObject    *object,
          GParamSpec *pspec)
{
  gsize offset = GPOINTER_TO_SIZE (g_param_spec_get_qdata (pspec, field_offset_quark ()));

  return offset != 0 ? G_STRUCT_MEMBER_P (object, offset) : NULL;
}

void
_dynamorm_field_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  gpointer field = field_of (object, pspec);

  if (field == NULL)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  else if (pspec->value_type == G_TYPE_GTYPE)
    g_value_set_gtype (value, *(GType *) field);
  else
    switch (G_TYPE_FUNDAMENTAL (pspec->value_type))
      {
      case G_TYPE_OBJECT:
        g_value_set_object (value, *(gpointer *) field);
        break;
      case G_TYPE_STRING:
        g_value_set_string (value, *(char **) field);
        break;
      case G_TYPE_BOXED:
        g_value_set_boxed (value, *(gpointer *) field);
        break;
      case G_TYPE_BOOLEAN:
        g_value_set_boolean (value, *(gboolean *) field);
        break;
      case G_TYPE_ENUM:
        g_value_set_enum (value, *(int *) field);
        break;
      case G_TYPE_UINT:
        g_value_set_uint (value, *(guint *) field);
        break;
      case G_TYPE_UINT64:
        g_value_set_uint64 (value, *(guint64 *) field);
        break;
      case G_TYPE_DOUBLE:
        g_value_set_double (value, *(double *) field);
        break;
      default:
        g_critical ("Property “%s” has a type a field property cannot hold", pspec->name);
      }
}

void
_dynamorm_field_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  gpointer field = field_of (object, pspec);

  if (field == NULL)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  else if (pspec->value_type == G_TYPE_GTYPE)
    *(GType *) field = g_value_get_gtype (value);
  else
    switch (G_TYPE_FUNDAMENTAL (pspec->value_type))
      {
      case G_TYPE_OBJECT:
        g_clear_object ((GObject **) field);
        *(gpointer *) field = g_value_dup_object (value);
        break;
      case G_TYPE_STRING:
        g_free (*(char **) field);
        *(char **) field = g_value_dup_string (value);
        break;
      case G_TYPE_BOXED:
        if (*(gpointer *) field != NULL)
          g_boxed_free (pspec->value_type, *(gpointer *) field);
        *(gpointer *) field = g_value_dup_boxed (value);
        break;
      case G_TYPE_BOOLEAN:
        *(gboolean *) field = g_value_get_boolean (value);
        break;
      case G_TYPE_ENUM:
        *(int *) field = g_value_get_enum (value);
        break;
      case G_TYPE_UINT:
        *(guint *) field = g_value_get_uint (value);
        break;
      case G_TYPE_UINT64:
        *(guint64 *) field = g_value_get_uint64 (value);
        break;
      case G_TYPE_DOUBLE:
        *(double *) field = g_value_get_double (value);
        break;
      default:
        g_critical ("Property “%s” has a type a field property cannot hold", pspec->name);
      }
}

GParamSpec *
_dynamorm_param_spec_session (void)
{
  return g_param_spec_object ("session", NULL, NULL, DYNAMORM_TYPE_SESSION,
                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
}

GParamSpec *
_dynamorm_param_spec_model_type (void)
{
  return g_param_spec_gtype ("model-type", NULL, NULL, DYNAMORM_TYPE_MODEL,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
}
