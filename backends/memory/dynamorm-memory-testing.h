/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-memory-testing.h: the memory backend's testing extensions of the
 * wire API (never installed). The core's DynamormSnapshot and
 * dynamorm_backend_set_faults() send these calls, so they go through any
 * backend that forwards calls (such as DynamormRequestSpy):
 *
 *   DynamormTakeSnapshot    {}                      -> {"SnapshotId": "S", "TableCount": n, "ItemCount": n}
 *   DynamormRestoreSnapshot {"SnapshotId": "S"}     -> {}
 *   DynamormDropSnapshot    {"SnapshotId": "S"}     -> {}
 *   DynamormSetFaults       {"Faults": "throttle:0.1,seed:7"} -> {"Faults": "..."}
 *
 * Snapshots live in a process-wide registry, so one can be restored into
 * any memory backend of the process. */
#pragma once

#include <json-glib/json-glib.h>
#include "ddb-engine.h"

G_BEGIN_DECLS

#define DYNAMORM_MEMORY_SET_FAULTS "DynamormSetFaults"

/* Answers a snapshot call: TRUE when operation is one, with the answer in
 * *response and its HTTP status in *status. */
gboolean dynamorm_memory_snapshot_call (DdbEngine   *engine,
                                        const char  *operation,
                                        JsonNode    *request,
                                        JsonNode   **response,
                                        guint       *status);

/* An error body in DynamoDB's shape (ValidationException, status 400). */
JsonNode *dynamorm_memory_validation_error (const char *message, guint *status);

G_END_DECLS
