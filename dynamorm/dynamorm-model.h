/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_MODEL (dynamorm_model_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DynamormModel, dynamorm_model, DYNAMORM, MODEL, GObject)

/**
 * DynamormModelClass:
 * @parent_class: the parent class
 * @serialize_property: turns one property value into a DynamoDB
 *   AttributeValue (or %NULL to leave the attribute out). Chain up to
 *   [method@Dynamorm.Model.default_serialize_property] for the properties you
 *   do not handle yourself.
 * @deserialize_property: turns a DynamoDB AttributeValue into a property
 *   value. Chain up to [method@Dynamorm.Model.default_deserialize_property].
 *
 * The class of a model. Subclasses declare their schema in `class_init`
 * with [method@Dynamorm.ModelClass.set_table_name] and
 * [method@Dynamorm.ModelClass.tag_property].
 */
struct _DynamormModelClass
{
  GObjectClass parent_class;

  JsonNode *(*serialize_property)   (DynamormModel  *self,
                                     const char     *property_name,
                                     const GValue   *value,
                                     GParamSpec     *pspec,
                                     GError        **error);
  gboolean  (*deserialize_property) (DynamormModel  *self,
                                     const char     *property_name,
                                     JsonNode       *attribute_value,
                                     GValue         *value,
                                     GParamSpec     *pspec,
                                     GError        **error);

  /*< private >*/
  gpointer _reserved[8];
};

/* Declaring a schema */
DYNAMORM_AVAILABLE_IN_ALL
void        dynamorm_model_class_set_table_name   (DynamormModelClass  *klass,
                                                   const char          *table_name);
DYNAMORM_AVAILABLE_IN_ALL
void        dynamorm_model_class_tag_property     (DynamormModelClass  *klass,
                                                   const char          *property_name,
                                                   const char          *tags);
DYNAMORM_AVAILABLE_IN_ALL
gboolean    dynamorm_model_type_declare           (GType                model_type,
                                                   const char          *table_name,
                                                   const char * const  *tags,
                                                   GError             **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean    dynamorm_model_type_store_properties  (GType                model_type,
                                                   const char * const  *names,
                                                   GError             **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean    dynamorm_model_type_check             (GType                model_type,
                                                   GError             **error);
DYNAMORM_AVAILABLE_IN_ALL
char       *dynamorm_model_type_get_table_name    (GType                model_type);
DYNAMORM_AVAILABLE_IN_ALL
char       *dynamorm_model_type_get_attribute_name (GType               model_type,
                                                    const char         *property_name);

DYNAMORM_AVAILABLE_IN_ALL
void        dynamorm_model_get_value              (DynamormModel       *self,
                                                   const char          *property_name,
                                                   GValue              *value);

/* Items */
DYNAMORM_AVAILABLE_IN_ALL
JsonNode      *dynamorm_model_to_item             (DynamormModel       *self,
                                                   GError             **error);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode      *dynamorm_model_get_key             (DynamormModel       *self,
                                                   GError             **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean       dynamorm_model_load_item           (DynamormModel       *self,
                                                   JsonNode            *item,
                                                   GError             **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel *dynamorm_model_new_from_item       (GType                model_type,
                                                   JsonNode            *item,
                                                   GError             **error);

DYNAMORM_AVAILABLE_IN_ALL
JsonNode *dynamorm_model_default_serialize_property   (DynamormModel  *self,
                                                       const char     *property_name,
                                                       const GValue   *value,
                                                       GParamSpec     *pspec,
                                                       GError        **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_model_default_deserialize_property (DynamormModel  *self,
                                                       const char     *property_name,
                                                       JsonNode       *attribute_value,
                                                       GValue         *value,
                                                       GParamSpec     *pspec,
                                                       GError        **error);

G_END_DECLS
