/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-data-key-cache-private.h: what the encryption step asks of the
 * cache. A NULL cache means no caching: every call goes to the provider. */
#pragma once

#include "dynamorm.h"
#include "dynamorm-envelope-private.h"

G_BEGIN_DECLS

#define DYNAMORM_DATA_KEY_CACHE_DEFAULT_MAX_AGE     300
#define DYNAMORM_DATA_KEY_CACHE_DEFAULT_MAX_USES    10000
#define DYNAMORM_DATA_KEY_CACHE_DEFAULT_MAX_ENTRIES 100

/* A data key to encrypt one more value with (counts one use). */
DynamormDataKey *_dynamorm_data_key_cache_encryption_key (DynamormDataKeyCache *cache,
                                                          DynamormKeyProvider  *provider,
                                                          GCancellable         *cancellable,
                                                          GError              **error);
/* Makes sure the cache holds an encryption key with n_uses uses left,
 * calling the provider if it does not (counts no use). */
gboolean         _dynamorm_data_key_cache_warm           (DynamormDataKeyCache *cache,
                                                          DynamormKeyProvider  *provider,
                                                          guint                 n_uses,
                                                          GCancellable         *cancellable,
                                                          GError              **error);
/* The data key of a wrapped key read from an envelope (with its
 * expanded AES key: a cached one is expanded once). */
DynamormDataKey *_dynamorm_data_key_cache_decryption_key (DynamormDataKeyCache *cache,
                                                          DynamormKeyProvider  *provider,
                                                          const char           *key_id,
                                                          const guint8         *wrapped,
                                                          gsize                 wrapped_len,
                                                          GCancellable         *cancellable,
                                                          GError              **error);
/* For tests of the age limit: moves the cache's clock forward. */
void             _dynamorm_data_key_cache_advance_clock  (DynamormDataKeyCache *cache,
                                                          GTimeSpan             by);

G_END_DECLS
