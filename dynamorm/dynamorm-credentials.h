/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <glib-object.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_CREDENTIALS (dynamorm_credentials_get_type ())

typedef struct _DynamormCredentials DynamormCredentials;

DYNAMORM_AVAILABLE_IN_ALL
GType                dynamorm_credentials_get_type              (void) G_GNUC_CONST;

DYNAMORM_AVAILABLE_IN_ALL
DynamormCredentials *dynamorm_credentials_new                   (const char          *access_key_id,
                                                                 const char          *secret_access_key,
                                                                 const char          *session_token,
                                                                 GDateTime           *expiration);
DYNAMORM_AVAILABLE_IN_ALL
DynamormCredentials *dynamorm_credentials_ref                   (DynamormCredentials *self);
DYNAMORM_AVAILABLE_IN_ALL
void                 dynamorm_credentials_unref                 (DynamormCredentials *self);

DYNAMORM_AVAILABLE_IN_ALL
const char          *dynamorm_credentials_get_access_key_id     (DynamormCredentials *self);
DYNAMORM_AVAILABLE_IN_ALL
const char          *dynamorm_credentials_get_secret_access_key (DynamormCredentials *self);
DYNAMORM_AVAILABLE_IN_ALL
const char          *dynamorm_credentials_get_session_token     (DynamormCredentials *self);
DYNAMORM_AVAILABLE_IN_ALL
GDateTime           *dynamorm_credentials_get_expiration        (DynamormCredentials *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean             dynamorm_credentials_expires_within        (DynamormCredentials *self,
                                                                 GDateTime           *now,
                                                                 GTimeSpan            margin);
DYNAMORM_AVAILABLE_IN_ALL
char                *dynamorm_credentials_to_string             (DynamormCredentials *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormCredentials, dynamorm_credentials_unref)

G_END_DECLS
