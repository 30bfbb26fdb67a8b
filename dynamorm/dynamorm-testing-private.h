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

G_END_DECLS
