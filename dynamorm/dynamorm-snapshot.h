/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include "dynamorm-backend.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_SNAPSHOT (dynamorm_snapshot_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormSnapshot, dynamorm_snapshot, DYNAMORM, SNAPSHOT, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormSnapshot *dynamorm_snapshot_new             (DynamormBackend   *backend,
                                                     GCancellable      *cancellable,
                                                     GError           **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean          dynamorm_snapshot_restore         (DynamormSnapshot  *self,
                                                     DynamormBackend   *backend,
                                                     GCancellable      *cancellable,
                                                     GError           **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormBackend  *dynamorm_snapshot_get_backend     (DynamormSnapshot  *self);
DYNAMORM_AVAILABLE_IN_ALL
guint             dynamorm_snapshot_get_table_count (DynamormSnapshot  *self);
DYNAMORM_AVAILABLE_IN_ALL
guint64           dynamorm_snapshot_get_item_count  (DynamormSnapshot  *self);

G_END_DECLS
