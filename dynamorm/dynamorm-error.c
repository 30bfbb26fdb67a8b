/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dynamorm-error.h"
#include "dynamorm-private.h"

/* The service's own error name and body ride along in the GError itself
 * (an extended error domain), so a caller can read CancellationReasons or
 * the current Item of a failed condition without a side channel. */
typedef struct {
  char *service_error;
  JsonNode *response;
} DynamormErrorPrivate;

static void
dynamorm_error_private_init (DynamormErrorPrivate *priv)
{
}

static void
dynamorm_error_private_copy (const DynamormErrorPrivate *src,
                             DynamormErrorPrivate       *dest)
{
  dest->service_error = g_strdup (src->service_error);
  dest->response = src->response ? json_node_copy (src->response) : NULL;
}

static void
dynamorm_error_private_clear (DynamormErrorPrivate *priv)
{
  g_clear_pointer (&priv->service_error, g_free);
  g_clear_pointer (&priv->response, json_node_unref);
}

/**
 * dynamorm_error_quark:
 *
 * The error domain of Dynamorm; see %DYNAMORM_ERROR.
 *
 * Returns: the error domain quark
 */
G_DEFINE_EXTENDED_ERROR (DynamormError, dynamorm_error)

static const struct {
  const char *name;
  DynamormError code;
} service_errors[] = {
  { "ConditionalCheckFailedException", DYNAMORM_ERROR_CONDITION_FAILED },
  /* PartiQL INSERT of an existing item (DynamoDB Local: "DuplicateItem"). */
  { "DuplicateItemException", DYNAMORM_ERROR_CONDITION_FAILED },
  { "DuplicateItem", DYNAMORM_ERROR_CONDITION_FAILED },
  { "TransactionCanceledException", DYNAMORM_ERROR_TRANSACTION_CANCELLED },
  { "TransactionConflictException", DYNAMORM_ERROR_TRANSACTION_CONFLICT },
  { "TransactionInProgressException", DYNAMORM_ERROR_TRANSACTION_CONFLICT },
  { "ValidationException", DYNAMORM_ERROR_VALIDATION },
  { "SerializationException", DYNAMORM_ERROR_VALIDATION },
  { "ResourceNotFoundException", DYNAMORM_ERROR_RESOURCE_NOT_FOUND },
  { "ResourceInUseException", DYNAMORM_ERROR_RESOURCE_IN_USE },
  { "ProvisionedThroughputExceededException", DYNAMORM_ERROR_THROTTLED },
  { "ThrottlingException", DYNAMORM_ERROR_THROTTLED },
  { "RequestLimitExceeded", DYNAMORM_ERROR_THROTTLED },
  { "AccessDeniedException", DYNAMORM_ERROR_ACCESS_DENIED },
  { "UnrecognizedClientException", DYNAMORM_ERROR_ACCESS_DENIED },
  { "MissingAuthenticationTokenException", DYNAMORM_ERROR_ACCESS_DENIED },
  { "MissingAuthenticationToken", DYNAMORM_ERROR_ACCESS_DENIED },
  { "IncompleteSignatureException", DYNAMORM_ERROR_ACCESS_DENIED },
  { "InvalidSignatureException", DYNAMORM_ERROR_ACCESS_DENIED },
  { "ExpiredTokenException", DYNAMORM_ERROR_CREDENTIALS },
  { "LimitExceededException", DYNAMORM_ERROR_LIMIT_EXCEEDED },
  { "ItemCollectionSizeLimitExceededException", DYNAMORM_ERROR_LIMIT_EXCEEDED },
  { "IdempotentParameterMismatchException", DYNAMORM_ERROR_IDEMPOTENCY_MISMATCH },
  { "UnknownOperationException", DYNAMORM_ERROR_NOT_SUPPORTED },
  { "InternalServerError", DYNAMORM_ERROR_SERVICE_UNAVAILABLE },
  { "ServiceUnavailable", DYNAMORM_ERROR_SERVICE_UNAVAILABLE },
};

/**
 * dynamorm_error_new_from_response:
 * @http_status: the HTTP status of the answer (400, 500, ...)
 * @body: (nullable): the error body DynamoDB answered with, as JSON
 *
 * Turns one of DynamoDB's error answers (`{"__type": "...#Name",
 * "message": "..."}`) into a #GError in the %DYNAMORM_ERROR domain. Backends
 * call this so that every backend maps errors the same way. The error keeps
 * the service's error name and the whole body: see
 * [func@Dynamorm.Error.get_service_error] and
 * [func@Dynamorm.Error.get_response].
 *
 * Returns: (transfer full): a new #GError
 */
GError *
dynamorm_error_new_from_response (guint     http_status,
                                  JsonNode *body)
{
  const char *type = NULL;
  const char *message = NULL;
  const char *name;
  DynamormError code;
  GError *error;
  DynamormErrorPrivate *priv;

  if (body != NULL && JSON_NODE_HOLDS_OBJECT (body))
    {
      JsonObject *obj = json_node_get_object (body);
      JsonNode *node;

      if ((node = json_object_get_member (obj, "__type")) && JSON_NODE_HOLDS_VALUE (node))
        type = json_node_get_string (node);
      if ((node = json_object_get_member (obj, "message")) && JSON_NODE_HOLDS_VALUE (node))
        message = json_node_get_string (node);
      else if ((node = json_object_get_member (obj, "Message")) && JSON_NODE_HOLDS_VALUE (node))
        message = json_node_get_string (node);
    }

  name = type ? strrchr (type, '#') : NULL;
  name = name ? name + 1 : type;

  if (http_status >= 500)
    code = DYNAMORM_ERROR_SERVICE_UNAVAILABLE;
  else
    code = DYNAMORM_ERROR_FAILED;

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (service_errors); i++)
    if (g_str_equal (name, service_errors[i].name))
      {
        code = service_errors[i].code;
        break;
      }

  if (name == NULL)
    error = g_error_new (DYNAMORM_ERROR, code,
                         _("DynamoDB answered HTTP %u with no error type%s%s"),
                         http_status, message ? ": " : "", message ? message : "");
  else if (message != NULL && *message != '\0')
    error = g_error_new (DYNAMORM_ERROR, code, "%s (%s)", message, name);
  else
    error = g_error_new (DYNAMORM_ERROR, code, _("DynamoDB refused the request with %s"), name);

  priv = dynamorm_error_get_private (error);
  if (priv != NULL)
    {
      priv->service_error = g_strdup (name);
      priv->response = body ? json_node_copy (body) : NULL;
    }

  return error;
}

/* What a DYNAMORM_ERROR keeps of the service's answer; NULL for other
 * domains. */
static DynamormErrorPrivate *
service_private (const GError *error)
{
  return error->domain == DYNAMORM_ERROR ? dynamorm_error_get_private (error) : NULL;
}

/**
 * dynamorm_error_get_service_error:
 * @error: a #GError
 *
 * Gets DynamoDB's own name for the error, such as
 * `"ConditionalCheckFailedException"`, when @error came from the service.
 *
 * Returns: (nullable): the service's error name, or %NULL
 */
const char *
dynamorm_error_get_service_error (const GError *error)
{
  DynamormErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  priv = service_private (error);
  return priv ? priv->service_error : NULL;
}

/**
 * dynamorm_error_get_response:
 * @error: a #GError
 *
 * Gets the whole error body DynamoDB answered with, when @error came from
 * the service. It holds, for example, `CancellationReasons` for a cancelled
 * transaction, or `Item` for a failed condition that asked for it.
 *
 * Returns: (nullable) (transfer none): the response body, or %NULL
 */
JsonNode *
dynamorm_error_get_response (const GError *error)
{
  DynamormErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  priv = service_private (error);
  return priv ? priv->response : NULL;
}

/**
 * dynamorm_error_is_retryable:
 * @error: a #GError
 *
 * Whether repeating the same request later may succeed: throttling,
 * service failures, transaction conflicts and network failures are;
 * validation errors and failed conditions never are.
 *
 * Returns: %TRUE if the request may be retried
 */
gboolean
dynamorm_error_is_retryable (const GError *error)
{
  g_return_val_if_fail (error != NULL, FALSE);

  if (error->domain == DYNAMORM_ERROR)
    {
      switch ((DynamormError) error->code)
        {
        case DYNAMORM_ERROR_THROTTLED:
        case DYNAMORM_ERROR_SERVICE_UNAVAILABLE:
        case DYNAMORM_ERROR_TRANSACTION_CONFLICT:
        case DYNAMORM_ERROR_NETWORK:
          return TRUE;
        default:
          return FALSE;
        }
    }

  if (error->domain == G_IO_ERROR)
    return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE);

  return FALSE;
}
