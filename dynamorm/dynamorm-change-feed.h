/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-session.h"
#include "dynamorm-stream.h"

G_BEGIN_DECLS

/**
 * DynamormChangeFeedSource:
 * @DYNAMORM_CHANGE_FEED_SOURCE_NONE: the feed has not found its source yet
 *   (not started, or still asking the table).
 * @DYNAMORM_CHANGE_FEED_SOURCE_STREAM: the table's DynamoDB stream, read
 *   with DescribeStream, GetShardIterator and GetRecords; checkpoints work.
 * @DYNAMORM_CHANGE_FEED_SOURCE_IN_PROCESS: the memory backend's in-process
 *   change hook, for a table without a stream; no checkpoints.
 *
 * Where a [class@Dynamorm.ChangeFeed] reads its changes from.
 */
typedef enum {
  DYNAMORM_CHANGE_FEED_SOURCE_NONE,
  DYNAMORM_CHANGE_FEED_SOURCE_STREAM,
  DYNAMORM_CHANGE_FEED_SOURCE_IN_PROCESS,
} DynamormChangeFeedSource;

#define DYNAMORM_TYPE_CHANGE_FEED (dynamorm_change_feed_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormChangeFeed, dynamorm_change_feed, DYNAMORM, CHANGE_FEED, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormChangeFeed      *dynamorm_change_feed_new            (DynamormSession     *session,
                                                             GType                model_type);
DYNAMORM_AVAILABLE_IN_ALL
gboolean                 dynamorm_change_feed_set_checkpoint (DynamormChangeFeed  *self,
                                                             const char          *checkpoint,
                                                             GError             **error);
DYNAMORM_AVAILABLE_IN_ALL
char                    *dynamorm_change_feed_get_checkpoint (DynamormChangeFeed  *self);
DYNAMORM_AVAILABLE_IN_ALL
void                     dynamorm_change_feed_start          (DynamormChangeFeed  *self,
                                                             GCancellable        *cancellable);
DYNAMORM_AVAILABLE_IN_ALL
void                     dynamorm_change_feed_stop           (DynamormChangeFeed  *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean                 dynamorm_change_feed_is_running     (DynamormChangeFeed  *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean                 dynamorm_change_feed_is_ready       (DynamormChangeFeed  *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormChangeFeedSource dynamorm_change_feed_get_source     (DynamormChangeFeed  *self);
DYNAMORM_AVAILABLE_IN_ALL
GType                    dynamorm_change_feed_get_model_type (DynamormChangeFeed  *self);
DYNAMORM_AVAILABLE_IN_ALL
DynamormSession         *dynamorm_change_feed_get_session    (DynamormChangeFeed  *self);

G_END_DECLS
