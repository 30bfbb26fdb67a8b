/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dynamorm.h>

G_BEGIN_DECLS

#define DYNAMORM_TYPE_MEMORY_BACKEND (dynamorm_memory_backend_get_type ())
G_DECLARE_FINAL_TYPE (DynamormMemoryBackend, dynamorm_memory_backend, DYNAMORM, MEMORY_BACKEND, DynamormBackend)

void dynamorm_memory_backend_register (GIOModule *module);

G_END_DECLS
