/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-error.h: DynamoDB's own exception types, as the engine raises them.
 *
 * Internal to the memory engine, the HTTP server and the codec's number
 * checks. The engine turns a DDB_ERROR into the wire error body
 * {"__type": "<prefix>#<Name>", "message": "..."}; the message of a GError in
 * this domain is exactly DynamoDB's own message text. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DDB_ERROR (ddb_error_quark ())
GQuark ddb_error_quark (void);

typedef enum {
  DDB_ERROR_VALIDATION,                    /* com.amazon.coral.validate#ValidationException */
  DDB_ERROR_SERIALIZATION,                 /* com.amazon.coral.service#SerializationException */
  DDB_ERROR_UNKNOWN_OPERATION,             /* com.amazon.coral.service#UnknownOperationException */
  DDB_ERROR_CONDITIONAL_CHECK_FAILED,      /* ...v20120810#ConditionalCheckFailedException */
  DDB_ERROR_RESOURCE_NOT_FOUND,            /* ...v20120810#ResourceNotFoundException */
  DDB_ERROR_RESOURCE_IN_USE,               /* ...v20120810#ResourceInUseException */
  DDB_ERROR_TRANSACTION_CANCELED,          /* ...v20120810#TransactionCanceledException */
  DDB_ERROR_TRANSACTION_CONFLICT,          /* ...v20120810#TransactionConflictException */
  DDB_ERROR_IDEMPOTENT_PARAMETER_MISMATCH, /* ...v20120810#IdempotentParameterMismatchException */
  DDB_ERROR_LIMIT_EXCEEDED,                /* ...v20120810#LimitExceededException */
  DDB_ERROR_ITEM_COLLECTION_SIZE_LIMIT,    /* ...v20120810#ItemCollectionSizeLimitExceededException */
  DDB_ERROR_PROVISIONED_THROUGHPUT,        /* ...v20120810#ProvisionedThroughputExceededException */
  DDB_ERROR_THROTTLING,                    /* com.amazon.coral.availability#ThrottlingException */
  DDB_ERROR_DUPLICATE_ITEM,                /* ...v20120810#DuplicateItemException (PartiQL INSERT) */
  DDB_ERROR_EXPIRED_ITERATOR,              /* ...v20120810#ExpiredIteratorException (Streams GetRecords) */
  DDB_ERROR_INTERNAL,                      /* ...v20120810#InternalServerError, HTTP 500 */
} DdbErrorCode;

/* "com.amazon.coral.validate#ValidationException" etc. */
const char *ddb_error_code_to_type (DdbErrorCode code);
/* The short name after '#', e.g. "ValidationException". */
const char *ddb_error_code_to_name (DdbErrorCode code);
/* HTTP status DynamoDB answers with: 400, or 500 for DDB_ERROR_INTERNAL. */
guint ddb_error_code_to_status (DdbErrorCode code);

G_END_DECLS
