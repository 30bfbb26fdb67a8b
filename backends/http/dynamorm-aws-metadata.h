/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-aws-metadata.h: credentials from the container credentials
 * endpoint (ECS, EKS Pod Identity) and from EC2 instance metadata (IMDSv2). */
#pragma once

#include <libsoup/soup.h>
#include "dynamorm.h"

G_BEGIN_DECLS

/* Both return the credentials; or NULL and an error when the source is
 * configured but failed; or NULL, no error and *skipped_out set to why
 * when the source does not apply (not configured, disabled). Blocking:
 * call from a thread that may block. */
DynamormCredentials *dynamorm_aws_metadata_container (SoupSession   *session,
                                                      char         **skipped_out,
                                                      GCancellable  *cancellable,
                                                      GError       **error);
DynamormCredentials *dynamorm_aws_metadata_imds      (SoupSession   *session,
                                                      char         **skipped_out,
                                                      GCancellable  *cancellable,
                                                      GError       **error);

/* The IMDS endpoint in use: AWS_EC2_METADATA_SERVICE_ENDPOINT or
 * http://169.254.169.254. */
char *dynamorm_aws_metadata_imds_endpoint (void);

G_END_DECLS
