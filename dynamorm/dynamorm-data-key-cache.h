/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <glib-object.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_DATA_KEY_CACHE (dynamorm_data_key_cache_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormDataKeyCache, dynamorm_data_key_cache, DYNAMORM, DATA_KEY_CACHE, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormDataKeyCache *dynamorm_data_key_cache_new             (guint                 max_age_seconds,
                                                               guint64               max_uses,
                                                               guint                 max_entries);
DYNAMORM_AVAILABLE_IN_ALL
guint                 dynamorm_data_key_cache_get_max_age     (DynamormDataKeyCache *self);
DYNAMORM_AVAILABLE_IN_ALL
guint64               dynamorm_data_key_cache_get_max_uses    (DynamormDataKeyCache *self);
DYNAMORM_AVAILABLE_IN_ALL
guint                 dynamorm_data_key_cache_get_max_entries (DynamormDataKeyCache *self);
DYNAMORM_AVAILABLE_IN_ALL
guint                 dynamorm_data_key_cache_get_n_entries   (DynamormDataKeyCache *self);
DYNAMORM_AVAILABLE_IN_ALL
guint64               dynamorm_data_key_cache_get_hits        (DynamormDataKeyCache *self);
DYNAMORM_AVAILABLE_IN_ALL
guint64               dynamorm_data_key_cache_get_misses      (DynamormDataKeyCache *self);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_data_key_cache_clear           (DynamormDataKeyCache *self);

G_END_DECLS
