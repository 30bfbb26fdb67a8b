/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-credentials.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_SIGV4_REQUEST (dynamorm_sigv4_request_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DynamormSigV4Request, dynamorm_sigv4_request, DYNAMORM, SIGV4_REQUEST, GObject)

DYNAMORM_AVAILABLE_IN_ALL
DynamormSigV4Request *dynamorm_sigv4_request_new                   (const char           *method,
                                                                   const char           *path,
                                                                   const char           *query);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_sigv4_request_add_header            (DynamormSigV4Request *self,
                                                                   const char           *name,
                                                                   const char           *value);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_sigv4_request_add_headers           (DynamormSigV4Request *self,
                                                                   GHashTable           *headers);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_sigv4_request_set_body              (DynamormSigV4Request *self,
                                                                   GBytes               *body);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_sigv4_request_set_normalize_path    (DynamormSigV4Request *self,
                                                                   gboolean              normalize_path);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_sigv4_request_set_sign_content_sha256 (DynamormSigV4Request *self,
                                                                     gboolean              sign_content_sha256);
DYNAMORM_AVAILABLE_IN_ALL
void                  dynamorm_sigv4_request_set_sign_session_token (DynamormSigV4Request *self,
                                                                    gboolean              sign_session_token);
DYNAMORM_AVAILABLE_IN_ALL
gboolean              dynamorm_sigv4_request_sign                  (DynamormSigV4Request *self,
                                                                   const char           *region,
                                                                   const char           *service,
                                                                   GDateTime            *time,
                                                                   DynamormCredentials  *credentials,
                                                                   GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
const char           *dynamorm_sigv4_request_get_authorization     (DynamormSigV4Request *self);
DYNAMORM_AVAILABLE_IN_ALL
GHashTable           *dynamorm_sigv4_request_get_headers_to_add    (DynamormSigV4Request *self);
DYNAMORM_AVAILABLE_IN_ALL
const char           *dynamorm_sigv4_request_get_canonical_request (DynamormSigV4Request *self);
DYNAMORM_AVAILABLE_IN_ALL
const char           *dynamorm_sigv4_request_get_string_to_sign    (DynamormSigV4Request *self);
DYNAMORM_AVAILABLE_IN_ALL
const char           *dynamorm_sigv4_request_get_signed_headers    (DynamormSigV4Request *self);

G_END_DECLS
