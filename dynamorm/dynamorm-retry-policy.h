/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <glib-object.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_RETRY_POLICY (dynamorm_retry_policy_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormRetryPolicy, dynamorm_retry_policy, DYNAMORM, RETRY_POLICY, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormRetryPolicy *dynamorm_retry_policy_new                (void);
DYNAMORM_AVAILABLE_IN_ALL
DynamormRetryPolicy *dynamorm_retry_policy_new_full           (guint                max_attempts,
                                                               guint                initial_delay_ms,
                                                               guint                max_delay_ms,
                                                               double               backoff_factor,
                                                               double               jitter);
DYNAMORM_AVAILABLE_IN_ALL
guint                dynamorm_retry_policy_get_max_attempts    (DynamormRetryPolicy *self);
DYNAMORM_AVAILABLE_IN_ALL
guint                dynamorm_retry_policy_get_initial_delay   (DynamormRetryPolicy *self);
DYNAMORM_AVAILABLE_IN_ALL
guint                dynamorm_retry_policy_get_max_delay       (DynamormRetryPolicy *self);
DYNAMORM_AVAILABLE_IN_ALL
double               dynamorm_retry_policy_get_backoff_factor  (DynamormRetryPolicy *self);
DYNAMORM_AVAILABLE_IN_ALL
double               dynamorm_retry_policy_get_jitter          (DynamormRetryPolicy *self);
DYNAMORM_AVAILABLE_IN_ALL
guint                dynamorm_retry_policy_get_delay           (DynamormRetryPolicy *self,
                                                               guint                attempt);
DYNAMORM_AVAILABLE_IN_ALL
gboolean             dynamorm_retry_policy_should_retry        (DynamormRetryPolicy *self,
                                                               guint                attempt,
                                                               const GError        *error);

G_END_DECLS
