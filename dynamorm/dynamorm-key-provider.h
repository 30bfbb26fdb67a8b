/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <gio/gio.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-credentials.h"

G_BEGIN_DECLS

/**
 * DYNAMORM_KEY_PROVIDER_EXTENSION_POINT_NAME:
 *
 * The name of the GIO extension point that loadable modules implement to
 * offer key providers by name: the HTTP module offers `kms`.
 */
#define DYNAMORM_KEY_PROVIDER_EXTENSION_POINT_NAME "dynamorm-key-provider"

#define DYNAMORM_TYPE_KEY_PROVIDER (dynamorm_key_provider_get_type ())

DYNAMORM_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (DynamormKeyProvider, dynamorm_key_provider, DYNAMORM, KEY_PROVIDER, GObject)

/**
 * DynamormKeyProviderInterface:
 * @g_iface: the parent interface
 * @get_key_id: the id of the master key new data keys are wrapped with. It
 *   is stored in every envelope (so it must not be secret) and is at most
 *   255 bytes of UTF-8.
 * @generate_data_key: makes a new 256-bit data key: its plaintext and the
 *   same key wrapped (encrypted) under the master key. Blocks.
 * @decrypt_data_key: unwraps a data key that was wrapped under the master
 *   key @key_id. Blocks.
 *
 * Where the data keys of encrypted properties come from: a key management
 * service, or a local master key. Dynamorm encrypts each value with a data
 * key (AES-256-GCM) and stores the wrapped data key next to it, so only the
 * provider can read it back. Implementations must be safe to call from
 * several threads at once.
 */
struct _DynamormKeyProviderInterface
{
  GTypeInterface g_iface;

  const char *(*get_key_id)        (DynamormKeyProvider  *self);
  gboolean    (*generate_data_key) (DynamormKeyProvider  *self,
                                    GBytes              **plaintext_key,
                                    GBytes              **wrapped_key,
                                    GCancellable         *cancellable,
                                    GError              **error);
  GBytes     *(*decrypt_data_key)  (DynamormKeyProvider  *self,
                                    const char           *key_id,
                                    GBytes               *wrapped_key,
                                    GCancellable         *cancellable,
                                    GError              **error);

  /*< private >*/
  gpointer _reserved[8];
};

DYNAMORM_AVAILABLE_IN_ALL
const char          *dynamorm_key_provider_get_key_id        (DynamormKeyProvider  *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean             dynamorm_key_provider_generate_data_key (DynamormKeyProvider  *self,
                                                              GBytes              **plaintext_key,
                                                              GBytes              **wrapped_key,
                                                              GCancellable         *cancellable,
                                                              GError              **error);
DYNAMORM_AVAILABLE_IN_ALL
GBytes              *dynamorm_key_provider_decrypt_data_key  (DynamormKeyProvider  *self,
                                                              const char           *key_id,
                                                              GBytes               *wrapped_key,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

DYNAMORM_AVAILABLE_IN_ALL
DynamormKeyProvider *dynamorm_key_provider_new_kms           (const char           *key_id,
                                                              const char           *region,
                                                              DynamormCredentials  *credentials,
                                                              const char           *endpoint,
                                                              GError              **error);

G_END_DECLS
