/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-model.h"
#include "dynamorm-table.h"

G_BEGIN_DECLS

/**
 * DynamormStreamEventName:
 * @DYNAMORM_STREAM_EVENT_INSERT: a new item was added.
 * @DYNAMORM_STREAM_EVENT_MODIFY: an existing item was changed.
 * @DYNAMORM_STREAM_EVENT_REMOVE: an item was deleted (by a request, or by
 *   TTL: see [method@Dynamorm.StreamRecord.is_ttl_deletion]).
 *
 * What happened to the item of a stream record (`eventName`).
 */
typedef enum {
  DYNAMORM_STREAM_EVENT_INSERT,
  DYNAMORM_STREAM_EVENT_MODIFY,
  DYNAMORM_STREAM_EVENT_REMOVE,
} DynamormStreamEventName;

#define DYNAMORM_TYPE_STREAM_RECORD (dynamorm_stream_record_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormStreamRecord, dynamorm_stream_record, DYNAMORM, STREAM_RECORD, GObject)

DYNAMORM_AVAILABLE_IN_ALL
GPtrArray              *dynamorm_stream_parse_event                      (const char           *json,
                                                                          gssize                length,
                                                                          GType                 model_type,
                                                                          GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray              *dynamorm_stream_parse_event_with_session         (const char           *json,
                                                                          gssize                length,
                                                                          GType                 model_type,
                                                                          DynamormSession      *session,
                                                                          GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray              *dynamorm_stream_parse_event_node                 (JsonNode             *event,
                                                                          GType                 model_type,
                                                                          GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormStreamRecord   *dynamorm_stream_record_new_from_node             (JsonNode             *record,
                                                                          GType                 model_type,
                                                                          GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
DynamormStreamEventName dynamorm_stream_record_get_event_name            (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
const char             *dynamorm_stream_record_get_event_id              (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
const char             *dynamorm_stream_record_get_event_source_arn      (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
const char             *dynamorm_stream_record_get_aws_region            (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
GType                   dynamorm_stream_record_get_model_type            (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode               *dynamorm_stream_record_get_keys                  (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode               *dynamorm_stream_record_get_old_item              (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode               *dynamorm_stream_record_get_new_item              (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel          *dynamorm_stream_record_get_old_image             (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel          *dynamorm_stream_record_get_new_image             (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
const char * const     *dynamorm_stream_record_get_changed_properties    (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
const char             *dynamorm_stream_record_get_sequence_number       (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
GDateTime              *dynamorm_stream_record_get_approximate_creation_time (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
gint64                  dynamorm_stream_record_get_size_bytes            (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormStreamViewType  dynamorm_stream_record_get_view_type             (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
const char             *dynamorm_stream_record_get_user_identity_type    (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
const char             *dynamorm_stream_record_get_user_identity_principal (DynamormStreamRecord *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean                dynamorm_stream_record_is_ttl_deletion           (DynamormStreamRecord *self);

G_END_DECLS
