/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-aws-service.h: a small client for the other AWS services the
 * HTTP module talks to (KMS, STS): one keep-alive SoupSession, SigV4 with
 * the module's credential providers, the retry policy for throttling,
 * 5xx and network failures, and errors that name the service. Blocking;
 * any thread may call. Bodies are never logged: they carry keys and
 * credentials. */
#pragma once

#include <gio/gio.h>
#include "dynamorm.h"
#include "dynamorm-aws-credential-provider.h"

G_BEGIN_DECLS

typedef struct _DynamormAwsService DynamormAwsService;

/* service: the signing name ("kms", "sts"); display: for messages ("KMS").
 * endpoint_option: what the user sets to change the endpoint, for messages.
 * credentials NULL: requests are not signed (STS with a web identity). */
DynamormAwsService *dynamorm_aws_service_new   (const char                    *service,
                                                const char                    *display,
                                                GUri                          *endpoint,
                                                const char                    *endpoint_option,
                                                const char                    *region,
                                                DynamormAwsCredentialProvider *credentials);
void                dynamorm_aws_service_free  (DynamormAwsService            *self);

/* The default endpoint https://SERVICE.REGION.amazonaws.com/, or
 * AWS_ENDPOINT_URL_<ENV_NAME>, or AWS_ENDPOINT_URL, or override. */
GUri *dynamorm_aws_service_endpoint (const char  *service,
                                     const char  *env_name,
                                     const char  *region,
                                     const char  *override,
                                     GError     **error);

/* The AWS JSON 1.1 protocol: X-Amz-Target: target; the answer's object. */
JsonNode *dynamorm_aws_service_call_json  (DynamormAwsService  *self,
                                           const char          *target,
                                           JsonNode            *body,
                                           GCancellable        *cancellable,
                                           GError             **error);
/* The AWS query protocol: a form body; the answer's XML text. */
char     *dynamorm_aws_service_call_query (DynamormAwsService  *self,
                                           const char          *form,
                                           GCancellable        *cancellable,
                                           GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormAwsService, dynamorm_aws_service_free)

G_END_DECLS
