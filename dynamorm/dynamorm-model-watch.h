/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-model.h"
#include "dynamorm-session.h"
#include "dynamorm-change-feed.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_MODEL_WATCH (dynamorm_model_watch_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormModelWatch, dynamorm_model_watch, DYNAMORM, MODEL_WATCH, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormModelWatch *dynamorm_model_watch_new        (DynamormSession    *session,
                                                     DynamormModel      *model,
                                                     GError            **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel      *dynamorm_model_watch_get_model  (DynamormModelWatch *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormChangeFeed *dynamorm_model_watch_get_feed   (DynamormModelWatch *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean            dynamorm_model_watch_is_removed (DynamormModelWatch *self);
DYNAMORM_AVAILABLE_IN_ALL
void                dynamorm_model_watch_stop       (DynamormModelWatch *self);

G_END_DECLS
