/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-aws-backend.h: Amazon DynamoDB (aws://REGION?profile=..&endpoint=..). */
#pragma once

#include "dynamorm-http-backend.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_AWS_BACKEND (dynamorm_aws_backend_get_type ())
G_DECLARE_FINAL_TYPE (DynamormAwsBackend, dynamorm_aws_backend, DYNAMORM, AWS_BACKEND, DynamormHttpBackend)

void _dynamorm_aws_backend_register (GTypeModule *module);

G_END_DECLS
