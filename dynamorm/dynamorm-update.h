/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_UPDATE (dynamorm_update_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormUpdate, dynamorm_update, DYNAMORM, UPDATE, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormUpdate *dynamorm_update_new               (void);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_set               (DynamormUpdate  *self,
                                                   const char      *property,
                                                   const GValue    *value);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_set_if_not_exists (DynamormUpdate  *self,
                                                   const char      *property,
                                                   const GValue    *value);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_set_from_model    (DynamormUpdate  *self,
                                                   const char      *property);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_add               (DynamormUpdate  *self,
                                                   const char      *property,
                                                   const GValue    *value);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_increment         (DynamormUpdate  *self,
                                                   const char      *property,
                                                   gint64           amount);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_decrement         (DynamormUpdate  *self,
                                                   const char      *property,
                                                   gint64           amount);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_remove            (DynamormUpdate  *self,
                                                   const char      *property);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_delete_from_set   (DynamormUpdate  *self,
                                                   const char      *property,
                                                   const GValue    *value);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_append            (DynamormUpdate  *self,
                                                   const char      *property,
                                                   const GValue    *value);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_prepend           (DynamormUpdate  *self,
                                                   const char      *property,
                                                   const GValue    *value);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_set_element       (DynamormUpdate  *self,
                                                   const char      *property,
                                                   guint            index,
                                                   const GValue    *value);
DYNAMORM_AVAILABLE_IN_ALL
void            dynamorm_update_remove_element    (DynamormUpdate  *self,
                                                   const char      *property,
                                                   guint            index);
DYNAMORM_AVAILABLE_IN_ALL
guint           dynamorm_update_get_n_actions     (DynamormUpdate  *self);

G_END_DECLS
