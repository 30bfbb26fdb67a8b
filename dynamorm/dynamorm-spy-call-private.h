/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "dynamorm-spy-call.h"

G_BEGIN_DECLS

/* A record of one call; request and response are copied deeply (a
 * JsonObject's reference count is not thread-safe, and the caller may
 * live in another thread). */
DynamormSpyCall *_dynamorm_spy_call_new (const char   *operation,
                                         JsonNode     *request,
                                         JsonNode     *response,
                                         const GError *error);

G_END_DECLS
