/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-credentials.h"
#include "dynamorm-session.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_ACCOUNTS (dynamorm_accounts_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormAccounts, dynamorm_accounts, DYNAMORM, ACCOUNTS, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormAccounts *dynamorm_accounts_new         (const char           *base_uri,
                                                 DynamormCredentials  *credentials,
                                                 GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean          dynamorm_accounts_add         (DynamormAccounts     *self,
                                                 const char           *name,
                                                 const char           *role_arn,
                                                 const char           *region,
                                                 const char           *external_id,
                                                 GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormSession  *dynamorm_accounts_get_session (DynamormAccounts     *self,
                                                 const char           *name,
                                                 GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean          dynamorm_accounts_has_session (DynamormAccounts     *self,
                                                 const char           *name);
DYNAMORM_AVAILABLE_IN_ALL
char            **dynamorm_accounts_list_names  (DynamormAccounts     *self);

G_END_DECLS
