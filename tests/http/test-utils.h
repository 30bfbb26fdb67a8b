/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-utils.h: helpers shared by the HTTP backend tests. */
#pragma once

#include <dynamorm.h>

G_BEGIN_DECLS
/* Creates the backend for uri's scheme with dynamorm_backend_new_for_uri_full(),
 * the public way to give a backend credentials and a retry policy (NULL:
 * the backend's own). */
DynamormBackend *test_backend_new (const char           *uri,
                                   DynamormRetryPolicy  *retry_policy,
                                   DynamormCredentials  *credentials,
                                   GError              **error);

/* A retry policy without jitter, for exact delays. */
DynamormRetryPolicy *test_policy_new (guint max_attempts,
                                      guint initial_delay_ms);

/* Runs invoke_async on the thread-default context and waits for it. */
JsonNode *test_invoke_async_wait (DynamormBackend  *backend,
                                  const char       *operation,
                                  JsonNode         *request,
                                  GCancellable     *cancellable,
                                  GError          **error);

JsonNode *test_json (const char *text);

/* Unsets every AWS_* variable the credential chain reads, and points the
 * shared files at paths that do not exist. */
void test_clear_aws_env (void);

G_END_DECLS
