/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-kms-key-provider.h: the `kms` key provider of the HTTP module
 * (GenerateDataKey and Decrypt on AWS KMS). Created through
 * dynamorm_key_provider_new_kms(); registered by the module. */
#pragma once

#include "dynamorm.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_KMS_KEY_PROVIDER (dynamorm_kms_key_provider_get_type ())
G_DECLARE_FINAL_TYPE (DynamormKmsKeyProvider, dynamorm_kms_key_provider, DYNAMORM, KMS_KEY_PROVIDER, GObject)

void _dynamorm_kms_key_provider_register (GTypeModule *module);

G_END_DECLS
