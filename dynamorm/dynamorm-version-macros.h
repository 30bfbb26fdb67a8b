/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <glib.h>
#include "dynamorm-version.h"

#ifndef _DYNAMORM_EXTERN
# if defined (DYNAMORM_COMPILATION) && defined (__GNUC__)
#  define _DYNAMORM_EXTERN __attribute__((visibility("default"))) extern
# else
#  define _DYNAMORM_EXTERN extern
# endif
#endif

#define DYNAMORM_VERSION_0_1 (DYNAMORM_ENCODE_VERSION (0, 1, 0))

#ifndef DYNAMORM_VERSION_MIN_REQUIRED
# define DYNAMORM_VERSION_MIN_REQUIRED DYNAMORM_VERSION_0_1
#endif
#ifndef DYNAMORM_VERSION_MAX_ALLOWED
# define DYNAMORM_VERSION_MAX_ALLOWED DYNAMORM_VERSION_0_1
#endif

#define DYNAMORM_AVAILABLE_IN_ALL _DYNAMORM_EXTERN
#define DYNAMORM_AVAILABLE_IN_0_1 _DYNAMORM_EXTERN
/**
 * DYNAMORM_DEPRECATED:
 *
 * Marks a symbol as deprecated.
 */
#define DYNAMORM_DEPRECATED _DYNAMORM_EXTERN G_DEPRECATED

/**
 * DYNAMORM_DEPRECATED_FOR:
 * @f: the symbol to use instead
 *
 * Marks a symbol as deprecated in favour of @f.
 */
#define DYNAMORM_DEPRECATED_FOR(f) _DYNAMORM_EXTERN G_DEPRECATED_FOR (f)
