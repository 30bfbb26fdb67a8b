/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-query.h"
#include "dynamorm-change-feed.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_LIVE_QUERY (dynamorm_live_query_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormLiveQuery, dynamorm_live_query, DYNAMORM, LIVE_QUERY, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormLiveQuery  *dynamorm_live_query_new        (DynamormQuery     *query);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery      *dynamorm_live_query_get_query  (DynamormLiveQuery *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormChangeFeed *dynamorm_live_query_get_feed   (DynamormLiveQuery *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean            dynamorm_live_query_is_loaded  (DynamormLiveQuery *self);
DYNAMORM_AVAILABLE_IN_ALL
void                dynamorm_live_query_stop       (DynamormLiveQuery *self);

G_END_DECLS
