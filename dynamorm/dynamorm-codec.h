/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

DYNAMORM_AVAILABLE_IN_ALL
JsonNode *dynamorm_value_to_attribute_value (const GValue  *value,
                                             GError       **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean  dynamorm_attribute_value_validate (JsonNode      *attribute_value,
                                             GError       **error);
DYNAMORM_AVAILABLE_IN_ALL
char     *dynamorm_number_normalize         (const char    *text,
                                             GError       **error);

G_END_DECLS
