/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (DYNAMORM_INSIDE) && !defined (DYNAMORM_COMPILATION)
#error "Only <dynamorm.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include "dynamorm-version-macros.h"

G_BEGIN_DECLS

/**
 * DYNAMORM_ERROR:
 *
 * The error domain of Dynamorm. Errors in this domain are from the
 * [error@Dynamorm.Error] enumeration. Transport failures keep their own
 * domains (`G_IO_ERROR`, `G_TLS_ERROR`, `SOUP_SESSION_ERROR`) unless a
 * backend says otherwise.
 */
#define DYNAMORM_ERROR (dynamorm_error_quark ())

/**
 * DynamormError:
 * @DYNAMORM_ERROR_FAILED: a failure with no more specific code.
 * @DYNAMORM_ERROR_INVALID_MODEL: the model's schema is wrong (no partition
 *   key, two partition keys, an unknown property, a key of a type DynamoDB
 *   keys cannot hold, ...). Raised before any request is sent.
 * @DYNAMORM_ERROR_INVALID_ARGUMENT: an argument is wrong (unknown property,
 *   a value of the wrong type, a missing key value, ...).
 * @DYNAMORM_ERROR_INVALID_QUERY: a query cannot be run as built (an operator
 *   that does not fit the type, a scan that was not asked for, ...).
 * @DYNAMORM_ERROR_INVALID_VALUE: a property value cannot be represented in
 *   DynamoDB (NaN, a number out of range, a duplicate set element, ...), or a
 *   stored value cannot be represented in the property.
 * @DYNAMORM_ERROR_NOT_FOUND: the item does not exist.
 * @DYNAMORM_ERROR_CONDITION_FAILED: a condition on a write was not met
 *   (DynamoDB's ConditionalCheckFailedException).
 * @DYNAMORM_ERROR_TRANSACTION_CANCELLED: a transaction was cancelled
 *   (TransactionCanceledException); its cancellation reasons say why.
 * @DYNAMORM_ERROR_TRANSACTION_CONFLICT: another transaction holds one of the
 *   items (TransactionConflictException); retrying may succeed.
 * @DYNAMORM_ERROR_VALIDATION: DynamoDB refused the request as invalid
 *   (ValidationException, SerializationException).
 * @DYNAMORM_ERROR_RESOURCE_NOT_FOUND: the table or index does not exist
 *   (ResourceNotFoundException).
 * @DYNAMORM_ERROR_RESOURCE_IN_USE: the table exists already or is being
 *   changed (ResourceInUseException).
 * @DYNAMORM_ERROR_THROTTLED: the request rate or provisioned throughput was
 *   exceeded; retry later.
 * @DYNAMORM_ERROR_ACCESS_DENIED: the credentials were refused or lack
 *   permission.
 * @DYNAMORM_ERROR_LIMIT_EXCEEDED: an account or item-collection limit was hit.
 * @DYNAMORM_ERROR_IDEMPOTENCY_MISMATCH: a client request token was reused for
 *   a different request.
 * @DYNAMORM_ERROR_SERVICE_UNAVAILABLE: the service failed (HTTP 5xx); retry
 *   later.
 * @DYNAMORM_ERROR_BACKEND_NOT_FOUND: no backend handles the URI.
 * @DYNAMORM_ERROR_NETWORK: the service could not be reached, or the
 *   connection failed or timed out.
 * @DYNAMORM_ERROR_INVALID_RESPONSE: the backend answered with something that
 *   is not a DynamoDB response.
 * @DYNAMORM_ERROR_CREDENTIALS: no usable credentials were found, or they
 *   expired.
 * @DYNAMORM_ERROR_INVALID_CURSOR: a page cursor was tampered with or belongs
 *   to another query.
 * @DYNAMORM_ERROR_NOT_SUPPORTED: the backend does not support the operation.
 * @DYNAMORM_ERROR_OUTCOME_UNKNOWN: a write may or may not have been applied:
 *   an attempt reached the service but its answer was lost (a timeout, a
 *   reset connection, an HTTP 5xx, a corrupted body), and what followed
 *   cannot tell whether it took effect. Unlike
 *   %DYNAMORM_ERROR_CONDITION_FAILED, which means the write was refused,
 *   read the item back before deciding what to do. When the last answer was
 *   a failed condition, [func@Dynamorm.Error.get_response] still holds the
 *   stored item. See the "Writes after a lost answer" section of the writes
 *   documentation.
 * @DYNAMORM_ERROR_ENCRYPTION: an encrypted property could not be encrypted or
 *   decrypted: no key provider is set, the stored envelope was tampered with,
 *   truncated or written under another key, table or attribute, or the key
 *   service failed. Since: 0.2
 *
 * Error codes in the %DYNAMORM_ERROR domain. Errors that come from DynamoDB
 * also carry the service's own error name and response body: see
 * [func@Dynamorm.Error.get_service_error] and
 * [func@Dynamorm.Error.get_response].
 */
typedef enum {
  DYNAMORM_ERROR_FAILED,
  DYNAMORM_ERROR_INVALID_MODEL,
  DYNAMORM_ERROR_INVALID_ARGUMENT,
  DYNAMORM_ERROR_INVALID_QUERY,
  DYNAMORM_ERROR_INVALID_VALUE,
  DYNAMORM_ERROR_NOT_FOUND,
  DYNAMORM_ERROR_CONDITION_FAILED,
  DYNAMORM_ERROR_TRANSACTION_CANCELLED,
  DYNAMORM_ERROR_TRANSACTION_CONFLICT,
  DYNAMORM_ERROR_VALIDATION,
  DYNAMORM_ERROR_RESOURCE_NOT_FOUND,
  DYNAMORM_ERROR_RESOURCE_IN_USE,
  DYNAMORM_ERROR_THROTTLED,
  DYNAMORM_ERROR_ACCESS_DENIED,
  DYNAMORM_ERROR_LIMIT_EXCEEDED,
  DYNAMORM_ERROR_IDEMPOTENCY_MISMATCH,
  DYNAMORM_ERROR_SERVICE_UNAVAILABLE,
  DYNAMORM_ERROR_BACKEND_NOT_FOUND,
  DYNAMORM_ERROR_NETWORK,
  DYNAMORM_ERROR_INVALID_RESPONSE,
  DYNAMORM_ERROR_CREDENTIALS,
  DYNAMORM_ERROR_INVALID_CURSOR,
  DYNAMORM_ERROR_NOT_SUPPORTED,
  DYNAMORM_ERROR_OUTCOME_UNKNOWN,
  DYNAMORM_ERROR_ENCRYPTION,
} DynamormError;

DYNAMORM_AVAILABLE_IN_ALL
GQuark      dynamorm_error_quark               (void);

DYNAMORM_AVAILABLE_IN_ALL
GError     *dynamorm_error_new_from_response   (guint         http_status,
                                                JsonNode     *body);
DYNAMORM_AVAILABLE_IN_ALL
const char *dynamorm_error_get_service_error   (const GError *error);
DYNAMORM_AVAILABLE_IN_ALL
JsonNode   *dynamorm_error_get_response        (const GError *error);
DYNAMORM_AVAILABLE_IN_ALL
gboolean    dynamorm_error_is_retryable        (const GError *error);

G_END_DECLS
