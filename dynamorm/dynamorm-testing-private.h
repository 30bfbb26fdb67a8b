/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-testing-private.h: the testing extensions of the wire API that
 * the memory backend answers (snapshots, faults), as the core sends them. */
#pragma once

#include "dynamorm-backend.h"

G_BEGIN_DECLS

/* Sends operation with request (taken) to backend; a backend that does not
 * know the call (UnknownOperationException) gets an error that says
 * snapshots and faults need memory://. */
JsonObject *_dynamorm_testing_call (DynamormBackend  *backend,
                                    const char       *operation,
                                    JsonObject       *request,
                                    GCancellable     *cancellable,
                                    GError          **error);

/* A deep copy: json_node_copy() shares objects and arrays, whose reference
 * counts are not thread-safe; what a spy records or a fixture sends must
 * share nothing with what the caller keeps. NULL gives NULL. */
JsonNode *_dynamorm_json_deep_copy (JsonNode *node);

G_END_DECLS
