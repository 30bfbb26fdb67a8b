/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-aws-credential-provider.h: where the HTTP backends get the
 * credentials they sign with. Either fixed credentials, or the AWS SDKs'
 * default chain (environment, shared files, container, IMDSv2), resolved
 * on first use, cached and refreshed before they expire. Thread-safe. */
#pragma once

#include <gio/gio.h>
#include "dynamorm.h"

G_BEGIN_DECLS

typedef struct _DynamormAwsCredentialProvider DynamormAwsCredentialProvider;

/* How long before expiry cached credentials are refreshed (the SDKs use
 * 5 to 15 minutes). */
#define DYNAMORM_AWS_CREDENTIALS_REFRESH_MARGIN (5 * G_TIME_SPAN_MINUTE)

DynamormAwsCredentialProvider *dynamorm_aws_credential_provider_new_static (DynamormCredentials *credentials);
/* profile: the `profile` URI option, or NULL. An explicit profile takes
 * precedence over environment variables, as in the SDKs. */
DynamormAwsCredentialProvider *dynamorm_aws_credential_provider_new_chain  (const char          *profile);

/* STS AssumeRole with the credentials of source: temporary credentials,
 * cached and refreshed 5 to 6 minutes (jittered) before they expire, one
 * refresh at a time. */
typedef struct {
  const char *role_arn;
  const char *external_id;        /* NULL: none */
  const char *session_name;       /* NULL: "dynamorm-<pid>" */
  guint duration_seconds;         /* 0: 3600 */
  const char *region;             /* for the STS endpoint and signing */
  const char *sts_endpoint;       /* NULL: AWS_ENDPOINT_URL_STS, ..., sts.REGION.amazonaws.com */
} DynamormAssumeRoleConfig;

DynamormAwsCredentialProvider *dynamorm_aws_credential_provider_new_assume_role (DynamormAwsCredentialProvider  *source,
                                                                                 const DynamormAssumeRoleConfig *config,
                                                                                 GError                        **error);

/* How many times credentials were resolved (STS calls, for tests). */
guint                          dynamorm_aws_credential_provider_get_n_resolved  (DynamormAwsCredentialProvider *self);

DynamormAwsCredentialProvider *dynamorm_aws_credential_provider_ref        (DynamormAwsCredentialProvider *self);
void                           dynamorm_aws_credential_provider_unref      (DynamormAwsCredentialProvider *self);

DynamormCredentials *dynamorm_aws_credential_provider_get        (DynamormAwsCredentialProvider  *self,
                                                                  GCancellable                   *cancellable,
                                                                  GError                        **error);
void                 dynamorm_aws_credential_provider_get_async  (DynamormAwsCredentialProvider  *self,
                                                                  GCancellable                   *cancellable,
                                                                  GAsyncReadyCallback             callback,
                                                                  gpointer                        user_data);
DynamormCredentials *dynamorm_aws_credential_provider_get_finish (DynamormAwsCredentialProvider  *self,
                                                                  GAsyncResult                   *result,
                                                                  GError                        **error);

/* Forgets cached credentials the service refused (ExpiredTokenException),
 * if they are still the ones cached. */
void                 dynamorm_aws_credential_provider_invalidate (DynamormAwsCredentialProvider  *self,
                                                                  DynamormCredentials            *refused);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormAwsCredentialProvider, dynamorm_aws_credential_provider_unref)

G_END_DECLS
