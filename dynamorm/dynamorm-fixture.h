/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include "dynamorm-session.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_FIXTURE (dynamorm_fixture_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormFixture, dynamorm_fixture, DYNAMORM, FIXTURE, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormFixture *dynamorm_fixture_new                   (void);
DYNAMORM_AVAILABLE_IN_ALL
gboolean         dynamorm_fixture_add_tables_from_file  (DynamormFixture  *self,
                                                         GFile            *file,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean         dynamorm_fixture_add_model             (DynamormFixture  *self,
                                                         GType             model_type,
                                                         GError          **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean         dynamorm_fixture_add_items_from_file   (DynamormFixture  *self,
                                                         const char       *table_name,
                                                         GFile            *file,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
DYNAMORM_AVAILABLE_IN_ALL
guint            dynamorm_fixture_get_item_count        (DynamormFixture  *self,
                                                         const char       *table_name);
DYNAMORM_AVAILABLE_IN_ALL
gboolean         dynamorm_fixture_load                  (DynamormFixture  *self,
                                                         DynamormSession  *session,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean         dynamorm_fixture_unload                (DynamormFixture  *self,
                                                         DynamormSession  *session,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean         dynamorm_fixture_dump_table            (DynamormSession  *session,
                                                         const char       *table_name,
                                                         GFile            *file,
                                                         GCancellable     *cancellable,
                                                         GError          **error);

G_END_DECLS
