/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ddb-error.h"

G_DEFINE_QUARK (ddb-error-quark, ddb_error)

#define V2012 "com.amazonaws.dynamodb.v20120810#"

static const struct {
  const char *type;
  const char *name;
} error_types[] = {
  [DDB_ERROR_VALIDATION] = { "com.amazon.coral.validate#ValidationException", "ValidationException" },
  [DDB_ERROR_SERIALIZATION] = { "com.amazon.coral.service#SerializationException", "SerializationException" },
  [DDB_ERROR_UNKNOWN_OPERATION] = { "com.amazon.coral.service#UnknownOperationException", "UnknownOperationException" },
  [DDB_ERROR_CONDITIONAL_CHECK_FAILED] = { V2012 "ConditionalCheckFailedException", "ConditionalCheckFailedException" },
  [DDB_ERROR_RESOURCE_NOT_FOUND] = { V2012 "ResourceNotFoundException", "ResourceNotFoundException" },
  [DDB_ERROR_RESOURCE_IN_USE] = { V2012 "ResourceInUseException", "ResourceInUseException" },
  [DDB_ERROR_TRANSACTION_CANCELED] = { V2012 "TransactionCanceledException", "TransactionCanceledException" },
  [DDB_ERROR_TRANSACTION_CONFLICT] = { V2012 "TransactionConflictException", "TransactionConflictException" },
  [DDB_ERROR_IDEMPOTENT_PARAMETER_MISMATCH] = { V2012 "IdempotentParameterMismatchException", "IdempotentParameterMismatchException" },
  [DDB_ERROR_LIMIT_EXCEEDED] = { V2012 "LimitExceededException", "LimitExceededException" },
  [DDB_ERROR_ITEM_COLLECTION_SIZE_LIMIT] = { V2012 "ItemCollectionSizeLimitExceededException", "ItemCollectionSizeLimitExceededException" },
  [DDB_ERROR_PROVISIONED_THROUGHPUT] = { V2012 "ProvisionedThroughputExceededException", "ProvisionedThroughputExceededException" },
  [DDB_ERROR_THROTTLING] = { "com.amazon.coral.availability#ThrottlingException", "ThrottlingException" },
  [DDB_ERROR_DUPLICATE_ITEM] = { V2012 "DuplicateItemException", "DuplicateItemException" },
  [DDB_ERROR_EXPIRED_ITERATOR] = { V2012 "ExpiredIteratorException", "ExpiredIteratorException" },
  [DDB_ERROR_INTERNAL] = { V2012 "InternalServerError", "InternalServerError" },
};

const char *
ddb_error_code_to_type (DdbErrorCode code)
{
  g_return_val_if_fail (code <= DDB_ERROR_INTERNAL, NULL);
  return error_types[code].type;
}

const char *
ddb_error_code_to_name (DdbErrorCode code)
{
  g_return_val_if_fail (code <= DDB_ERROR_INTERNAL, NULL);
  return error_types[code].name;
}

guint
ddb_error_code_to_status (DdbErrorCode code)
{
  return code == DDB_ERROR_INTERNAL ? 500 : 400;
}
