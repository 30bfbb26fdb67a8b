/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-properties-private.h: GObject properties kept in a field.
 *
 * Most properties of the library's types are a field of the instance
 * struct, read and written as is. Instead of a get_property and a
 * set_property that switch over them, a class gives the offset of each
 * field and installs its properties with the generic pair of accessors:
 *
 *   static const gsize property_offsets[N_PROPS] = {
 *     [PROP_SESSION] = G_STRUCT_OFFSET (DynamormTable, session),
 *   };
 *   ...
 *   properties[PROP_SESSION] = _dynamorm_param_spec_session ();
 *   _dynamorm_install_field_properties (object_class, N_PROPS, properties,
 *                                       property_offsets);
 *
 * _dynamorm_install_field_properties sets the class's get_property and
 * set_property to _dynamorm_field_get_property and _set_property. A
 * property computed when read keeps a case in the class's own
 * get_property, set after the install, whose default calls
 * _dynamorm_field_get_property.
 *
 * Fields by property type: object (gpointer, a reference is kept), string
 * (char *, a copy), GType, boolean (gboolean), enum (the enum), uint
 * (guint), uint64 (guint64), double (gdouble), boxed (a copy).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

void        _dynamorm_install_field_properties (GObjectClass  *object_class,
                                                guint          n_pspecs,
                                                GParamSpec   **pspecs,
                                                const gsize   *offsets);
void        _dynamorm_field_get_property       (GObject       *object,
                                                guint          prop_id,
                                                GValue        *value,
                                                GParamSpec    *pspec);
void        _dynamorm_field_set_property       (GObject       *object,
                                                guint          prop_id,
                                                const GValue  *value,
                                                GParamSpec    *pspec);

/* The construct-only "session" (a DynamormSession) and "model-type" (a
 * DynamormModel subtype) properties that queries, tables and feeds share. */
GParamSpec *_dynamorm_param_spec_session       (void);
GParamSpec *_dynamorm_param_spec_model_type    (void);

G_END_DECLS
