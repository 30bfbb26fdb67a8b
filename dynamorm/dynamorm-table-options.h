/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

/**
 * DynamormProjection:
 * @DYNAMORM_PROJECTION_ALL: the index holds every attribute of the item.
 * @DYNAMORM_PROJECTION_KEYS_ONLY: the index holds only the table's and the
 *   index's key attributes.
 * @DYNAMORM_PROJECTION_INCLUDE: the keys plus a list of non-key attributes.
 *
 * Which attributes a secondary index holds (DynamoDB's `ProjectionType`).
 */
typedef enum {
  DYNAMORM_PROJECTION_ALL,
  DYNAMORM_PROJECTION_KEYS_ONLY,
  DYNAMORM_PROJECTION_INCLUDE,
} DynamormProjection;

/**
 * DynamormStreamViewType:
 * @DYNAMORM_STREAM_VIEW_NONE: no stream.
 * @DYNAMORM_STREAM_VIEW_KEYS_ONLY: records carry the keys only.
 * @DYNAMORM_STREAM_VIEW_NEW_IMAGE: records carry the item after the change.
 * @DYNAMORM_STREAM_VIEW_OLD_IMAGE: records carry the item before the change.
 * @DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES: records carry both.
 *
 * What a table's stream records carry (DynamoDB's `StreamViewType`).
 */
typedef enum {
  DYNAMORM_STREAM_VIEW_NONE,
  DYNAMORM_STREAM_VIEW_KEYS_ONLY,
  DYNAMORM_STREAM_VIEW_NEW_IMAGE,
  DYNAMORM_STREAM_VIEW_OLD_IMAGE,
  DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES,
} DynamormStreamViewType;

#define DYNAMORM_TYPE_TABLE_OPTIONS (dynamorm_table_options_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormTableOptions, dynamorm_table_options, DYNAMORM, TABLE_OPTIONS, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormTableOptions  *dynamorm_table_options_new                  (void);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_index_projection (DynamormTableOptions  *self,
                                                                    const char            *index_name,
                                                                    DynamormProjection     projection,
                                                                    const char * const    *non_key_attributes);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_provisioned      (DynamormTableOptions  *self,
                                                                    guint64                read_units,
                                                                    guint64                write_units);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_on_demand        (DynamormTableOptions  *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean               dynamorm_table_options_get_provisioned      (DynamormTableOptions  *self,
                                                                    guint64               *read_units,
                                                                    guint64               *write_units);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_stream           (DynamormTableOptions  *self,
                                                                    DynamormStreamViewType view_type);
DYNAMORM_AVAILABLE_IN_ALL
DynamormStreamViewType dynamorm_table_options_get_stream           (DynamormTableOptions  *self);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_ttl_enabled      (DynamormTableOptions  *self,
                                                                    gboolean               enabled);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_timeout          (DynamormTableOptions  *self,
                                                                    guint                  seconds);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_poll_interval    (DynamormTableOptions  *self,
                                                                    guint                  milliseconds);
DYNAMORM_AVAILABLE_IN_ALL
void                   dynamorm_table_options_set_drop_indexes     (DynamormTableOptions  *self,
                                                                    gboolean               drop);

G_END_DECLS
