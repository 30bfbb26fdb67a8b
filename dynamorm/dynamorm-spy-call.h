/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_SPY_CALL (dynamorm_spy_call_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormSpyCall, dynamorm_spy_call, DYNAMORM, SPY_CALL, GObject)

DYNAMORM_AVAILABLE_IN_ALL
const char   *dynamorm_spy_call_get_operation     (DynamormSpyCall *self);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode     *dynamorm_spy_call_get_request       (DynamormSpyCall *self);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode     *dynamorm_spy_call_get_response      (DynamormSpyCall *self);
DYNAMORM_AVAILABLE_IN_ALL
const GError *dynamorm_spy_call_get_error         (DynamormSpyCall *self);
DYNAMORM_AVAILABLE_IN_ALL
const char   *dynamorm_spy_call_get_table_name    (DynamormSpyCall *self);
DYNAMORM_AVAILABLE_IN_ALL
const char   *dynamorm_spy_call_get_index_name    (DynamormSpyCall *self);
DYNAMORM_AVAILABLE_IN_ALL
char         *dynamorm_spy_call_dup_key_condition (DynamormSpyCall *self);

G_END_DECLS
