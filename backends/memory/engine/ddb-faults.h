/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-faults.h: fault injection, to test code against DynamoDB under stress.
 *
 * A fault list makes an engine answer some calls as DynamoDB does when it is
 * busy: throttling errors, batch items left unprocessed, transactions
 * cancelled by a conflict, slow answers, or an internal error on the Nth call.
 * Random choices come from a seeded generator, so a test that sets a seed
 * sees the same faults on every run (for the same sequence of calls).
 *
 * The list is text, the same in memory://?faults=... and in the
 * DynamormSetFaults call: comma-separated NAME:VALUE[@Operation], plus
 * seed:N. See DDB_FAULTS_HELP for the names. */
#pragma once

#include "ddb-engine.h"

G_BEGIN_DECLS

#define DDB_FAULTS_HELP \
  "throttle:RATE, throttle-next:N, unprocessed:RATE, conflict:RATE, latency:MILLISECONDS, " \
  "fail:N (the Nth call fails), each optionally limited to one operation with @Operation " \
  "(as in fail:3@PutItem), and seed:N; RATE is a number from 0 to 1"

typedef struct _DdbFaults DdbFaults;

/* Parses a fault list; NULL or "" is an empty list. Fails with
 * DDB_ERROR_VALIDATION naming the bad entry and the valid ones. */
DdbFaults *ddb_faults_new (const char *spec, GError **error);
DdbFaults *ddb_faults_ref (DdbFaults *faults);
void ddb_faults_unref (DdbFaults *faults);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdbFaults, ddb_faults_unref)

/* The list as given. */
const char *ddb_faults_get_spec (DdbFaults *faults);

/* Answers one call like ddb_engine_handle(), with the faults applied. */
JsonNode *ddb_faults_handle (DdbFaults *faults, DdbEngine *engine, const char *operation,
                             JsonNode *request, guint *status_out);

/* The same for a DynamoDB Streams call, like ddb_engine_handle_streams():
 * throttling answers LimitExceededException, as the Streams API does;
 * unprocessed and conflict faults do not apply. */
JsonNode *ddb_faults_handle_streams (DdbFaults *faults, DdbEngine *engine, const char *operation,
                                     JsonNode *request, guint *status_out);

G_END_DECLS
