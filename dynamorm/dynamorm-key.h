/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <glib-object.h>
#include "dynamorm-version-macros.h"
#include "dynamorm-model.h"

G_BEGIN_DECLS

#define DYNAMORM_TYPE_KEY (dynamorm_key_get_type ())

/**
 * DynamormKey:
 *
 * The primary key of one item: a partition key value and, for tables that
 * have one, a sort key value. A key is immutable and reference counted;
 * batch gets take lists of them.
 *
 * The values are plain #GValues and are converted to the key properties'
 * types when the key is used with a model type, so an integer works for a
 * 64-bit key property and a string for an enum.
 */
typedef struct _DynamormKey DynamormKey;

DYNAMORM_AVAILABLE_IN_ALL
GType         dynamorm_key_get_type            (void) G_GNUC_CONST;
DYNAMORM_AVAILABLE_IN_ALL
DynamormKey  *dynamorm_key_new                 (const GValue   *partition_key,
                                                const GValue   *sort_key);
DYNAMORM_AVAILABLE_IN_ALL
DynamormKey  *dynamorm_key_new_string          (const char     *partition_key,
                                                const char     *sort_key);
DYNAMORM_AVAILABLE_IN_ALL
DynamormKey  *dynamorm_key_new_for_model       (DynamormModel  *model,
                                                GError        **error);
DYNAMORM_AVAILABLE_IN_ALL
DynamormKey  *dynamorm_key_ref                 (DynamormKey    *self);
DYNAMORM_AVAILABLE_IN_ALL
void          dynamorm_key_unref               (DynamormKey    *self);
DYNAMORM_AVAILABLE_IN_ALL
const GValue *dynamorm_key_get_partition_key   (DynamormKey    *self);
DYNAMORM_AVAILABLE_IN_ALL
const GValue *dynamorm_key_get_sort_key        (DynamormKey    *self);
DYNAMORM_AVAILABLE_IN_ALL
gboolean      dynamorm_key_equal               (DynamormKey    *a,
                                                DynamormKey    *b);
DYNAMORM_AVAILABLE_IN_ALL
char         *dynamorm_key_to_string           (DynamormKey    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DynamormKey, dynamorm_key_unref)

G_END_DECLS
