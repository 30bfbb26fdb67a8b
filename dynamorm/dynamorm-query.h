/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-model.h"
#include "dynamorm-session.h"
#include "dynamorm-condition.h"

G_BEGIN_DECLS

/**
 * DynamormOrder:
 * @DYNAMORM_ORDER_ASCENDING: smallest sort key first (DynamoDB's default)
 * @DYNAMORM_ORDER_DESCENDING: largest sort key first
 *
 * The order of a query's results on the sort key of the table or index it
 * reads (DynamoDB's `ScanIndexForward`).
 */
typedef enum {
  DYNAMORM_ORDER_ASCENDING,
  DYNAMORM_ORDER_DESCENDING,
} DynamormOrder;

#define DYNAMORM_TYPE_QUERY (dynamorm_query_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormQuery, dynamorm_query, DYNAMORM, QUERY, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_new              (DynamormSession      *session,
                                                  GType                 model_type);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_new_collection   (DynamormSession      *session,
                                                  const char           *collection,
                                                  GType                 member_type);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_add_member       (DynamormQuery        *self,
                                                  GType                 member_type);
DYNAMORM_AVAILABLE_IN_ALL
DynamormSession *dynamorm_query_get_session      (DynamormQuery        *self);
DYNAMORM_AVAILABLE_IN_ALL
GType            dynamorm_query_get_model_type   (DynamormQuery        *self);

/* Building */
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_where            (DynamormQuery        *self,
                                                  const char           *property,
                                                  DynamormOperator      op,
                                                  ...);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_where_values     (DynamormQuery        *self,
                                                  const char           *property,
                                                  DynamormOperator      op,
                                                  const GValue         *values,
                                                  guint                 n_values);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_filter           (DynamormQuery        *self,
                                                  DynamormCondition    *condition);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_or_filter        (DynamormQuery        *self,
                                                  DynamormCondition    *condition);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_index            (DynamormQuery        *self,
                                                  const char           *index_name);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_order_by         (DynamormQuery        *self,
                                                  const char           *property,
                                                  DynamormOrder         order);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_limit            (DynamormQuery        *self,
                                                  guint                 limit);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_consistent       (DynamormQuery        *self,
                                                  gboolean              consistent);
DYNAMORM_AVAILABLE_IN_ALL
DynamormQuery   *dynamorm_query_project          (DynamormQuery        *self,
                                                  const char * const   *properties);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode        *dynamorm_query_build_request    (DynamormQuery        *self,
                                                  char                **operation,
                                                  GError              **error);

/* Cursors */
DYNAMORM_AVAILABLE_IN_ALL
void             dynamorm_query_set_cursor_key   (DynamormSession      *session,
                                                  GBytes               *key);

/* Terminals */
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel   *dynamorm_query_first            (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void             dynamorm_query_first_async      (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
DynamormModel   *dynamorm_query_first_finish     (DynamormQuery        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
GListModel      *dynamorm_query_all              (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void             dynamorm_query_all_async        (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
GListModel      *dynamorm_query_all_finish       (DynamormQuery        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
GPtrArray       *dynamorm_query_all_array        (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void             dynamorm_query_all_array_async  (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
GPtrArray       *dynamorm_query_all_array_finish (DynamormQuery        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
gint64           dynamorm_query_count            (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void             dynamorm_query_count_async      (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
gint64           dynamorm_query_count_finish     (DynamormQuery        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
GListModel      *dynamorm_query_page             (DynamormQuery        *self,
                                                  guint                 page_size,
                                                  const char           *cursor,
                                                  char                **next_cursor,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void             dynamorm_query_page_async       (DynamormQuery        *self,
                                                  guint                 page_size,
                                                  const char           *cursor,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
GListModel      *dynamorm_query_page_finish      (DynamormQuery        *self,
                                                  GAsyncResult         *result,
                                                  char                **next_cursor,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
GListModel      *dynamorm_query_scan             (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void             dynamorm_query_scan_async       (DynamormQuery        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
GListModel      *dynamorm_query_scan_finish      (DynamormQuery        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
GListModel      *dynamorm_query_parallel_scan        (DynamormQuery        *self,
                                                      guint                 n_segments,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
void             dynamorm_query_parallel_scan_async  (DynamormQuery        *self,
                                                      guint                 n_segments,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
DYNAMORM_AVAILABLE_IN_ALL
GListModel      *dynamorm_query_parallel_scan_finish (DynamormQuery        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

G_END_DECLS
