/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-key-provider.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_LOCAL_KEY_PROVIDER (dynamorm_local_key_provider_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormLocalKeyProvider, dynamorm_local_key_provider, DYNAMORM, LOCAL_KEY_PROVIDER, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormLocalKeyProvider *dynamorm_local_key_provider_new           (GBytes      *key,
                                                                     GError     **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormLocalKeyProvider *dynamorm_local_key_provider_new_from_file (const char  *path,
                                                                     GError     **error);

G_END_DECLS
