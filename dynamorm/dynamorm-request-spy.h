/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include "dynamorm-backend.h"
#include "dynamorm-spy-call.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_REQUEST_SPY (dynamorm_request_spy_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormRequestSpy, dynamorm_request_spy, DYNAMORM, REQUEST_SPY, DynamormBackend)

DYNAMORM_AVAILABLE_IN_ALL
DynamormRequestSpy *dynamorm_request_spy_new                (DynamormBackend     *backend);
DYNAMORM_AVAILABLE_IN_ALL
DynamormBackend    *dynamorm_request_spy_get_backend        (DynamormRequestSpy  *self);
DYNAMORM_AVAILABLE_IN_ALL
GListModel         *dynamorm_request_spy_list_calls         (DynamormRequestSpy  *self);
DYNAMORM_AVAILABLE_IN_ALL
guint               dynamorm_request_spy_count              (DynamormRequestSpy  *self,
                                                             const char          *operation);
DYNAMORM_AVAILABLE_IN_ALL
DynamormSpyCall    *dynamorm_request_spy_get_last_call      (DynamormRequestSpy  *self,
                                                             const char          *operation);
DYNAMORM_AVAILABLE_IN_ALL
char               *dynamorm_request_spy_dup_last_key_condition (DynamormRequestSpy *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean            dynamorm_request_spy_check_no_scan      (DynamormRequestSpy  *self,
                                                             GError             **error);
DYNAMORM_AVAILABLE_IN_ALL
void                dynamorm_request_spy_clear              (DynamormRequestSpy  *self);

G_END_DECLS
