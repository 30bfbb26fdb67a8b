/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "ddb-json.h"
#include "dynamorm-spy-call-private.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-testing-private.h"

/**
 * DynamormSpyCall:
 *
 * One DynamoDB API call recorded by a [class@Dynamorm.RequestSpy]: the
 * operation, the request as sent, and the response or the error.
 *
 * Besides the raw JSON it offers what tests usually assert on: the table
 * and index named, and the key condition with its `#name` and `:value`
 * placeholders filled in ([method@Dynamorm.SpyCall.dup_key_condition]).
 */

struct _DynamormSpyCall
{
  GObject parent_instance;

  char *operation;
  JsonNode *request;
  JsonNode *response;
  GError *error;
};

G_DEFINE_FINAL_TYPE (DynamormSpyCall, dynamorm_spy_call, G_TYPE_OBJECT)

static void
dynamorm_spy_call_finalize (GObject *object)
{
  DynamormSpyCall *self = DYNAMORM_SPY_CALL (object);

  g_free (self->operation);
  g_clear_pointer (&self->request, json_node_unref);
  g_clear_pointer (&self->response, json_node_unref);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (dynamorm_spy_call_parent_class)->finalize (object);
}

static void
dynamorm_spy_call_class_init (DynamormSpyCallClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_spy_call_finalize;
}

static void
dynamorm_spy_call_init (DynamormSpyCall *self)
{
}

DynamormSpyCall *
_dynamorm_spy_call_new (const char   *operation,
                        JsonNode     *request,
                        JsonNode     *response,
                        const GError *error)
{
  DynamormSpyCall *self = g_object_new (DYNAMORM_TYPE_SPY_CALL, NULL);

  self->operation = g_strdup (operation);
  self->request = _dynamorm_json_deep_copy (request);
  self->response = _dynamorm_json_deep_copy (response);
  self->error = error != NULL ? g_error_copy (error) : NULL;
  return self;
}

/**
 * dynamorm_spy_call_get_operation:
 * @self: a #DynamormSpyCall
 *
 * Gets the operation called, such as `"Query"`.
 *
 * Returns: (transfer none): the operation name
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_spy_call_get_operation,
                        DynamormSpyCall, DYNAMORM_IS_SPY_CALL, operation, NULL)

/**
 * dynamorm_spy_call_get_request:
 * @self: a #DynamormSpyCall
 *
 * Gets the request body as it was sent, in DynamoDB's JSON.
 *
 * Returns: (transfer none): the request
 */
DYNAMORM_DEFINE_GETTER (JsonNode *, dynamorm_spy_call_get_request,
                        DynamormSpyCall, DYNAMORM_IS_SPY_CALL, request, NULL)

/**
 * dynamorm_spy_call_get_response:
 * @self: a #DynamormSpyCall
 *
 * Gets the response body of a call that succeeded.
 *
 * Returns: (transfer none) (nullable): the response, or %NULL when the
 *   call failed
 */
DYNAMORM_DEFINE_GETTER (JsonNode *, dynamorm_spy_call_get_response,
                        DynamormSpyCall, DYNAMORM_IS_SPY_CALL, response, NULL)

/**
 * dynamorm_spy_call_get_error:
 * @self: a #DynamormSpyCall
 *
 * Gets the error of a call that failed.
 *
 * Returns: (transfer none) (nullable): the error, or %NULL when the call
 *   succeeded
 */
DYNAMORM_DEFINE_GETTER (const GError *, dynamorm_spy_call_get_error,
                        DynamormSpyCall, DYNAMORM_IS_SPY_CALL, error, NULL)

static const char *
request_string (DynamormSpyCall *self, const char *member)
{
  JsonObject *obj;

  if (self->request == NULL || !JSON_NODE_HOLDS_OBJECT (self->request))
    return NULL;
  obj = json_node_get_object (self->request);
  return json_object_get_string_member_with_default (obj, member, NULL);
}

/**
 * dynamorm_spy_call_get_table_name:
 * @self: a #DynamormSpyCall
 *
 * Gets the `TableName` of the request (calls on one table: GetItem, Query,
 * CreateTable, ...).
 *
 * Returns: (transfer none) (nullable): the table name, or %NULL when the
 *   request names none (batches and transactions name theirs inside)
 */
const char *
dynamorm_spy_call_get_table_name (DynamormSpyCall *self)
{
  g_return_val_if_fail (DYNAMORM_IS_SPY_CALL (self), NULL);
  return request_string (self, "TableName");
}

/**
 * dynamorm_spy_call_get_index_name:
 * @self: a #DynamormSpyCall
 *
 * Gets the `IndexName` of a Query or Scan.
 *
 * Returns: (transfer none) (nullable): the index name, or %NULL when the
 *   call reads the table itself
 */
const char *
dynamorm_spy_call_get_index_name (DynamormSpyCall *self)
{
  g_return_val_if_fail (DYNAMORM_IS_SPY_CALL (self), NULL);
  return request_string (self, "IndexName");
}

/* A value placeholder as a test would write it: strings quoted as JSON,
 * numbers bare, anything else as its AttributeValue JSON. */
static void
append_value (GString *out, JsonObject *values, const char *placeholder)
{
  JsonNode *av = values ? json_object_get_member (values, placeholder) : NULL;
  JsonObject *obj = av && JSON_NODE_HOLDS_OBJECT (av) ? json_node_get_object (av) : NULL;
  g_autofree char *text = NULL;

  if (obj != NULL && json_object_has_member (obj, "S"))
    {
      g_autoptr(JsonNode) s = json_node_copy (json_object_get_member (obj, "S"));
      text = ddb_json_to_string (s);
    }
  else if (obj != NULL && json_object_has_member (obj, "N"))
    text = g_strdup (json_object_get_string_member_with_default (obj, "N", ""));
  else if (av != NULL)
    text = ddb_json_to_string (av);
  g_string_append (out, text != NULL ? text : placeholder);
}

static JsonObject *
object_member (JsonObject *obj, const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
is_placeholder_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/**
 * dynamorm_spy_call_dup_key_condition:
 * @self: a #DynamormSpyCall
 *
 * Gets the `KeyConditionExpression` of a Query with its placeholders
 * filled in: `#name` by the attribute name, `:value` by the value (a
 * string in JSON quotes, a number as written, other types as their
 * AttributeValue JSON). For example `customer-id = "user456" AND created
 * > 1700000000`.
 *
 * Returns: (transfer full) (nullable): the key condition, or %NULL when
 *   the request has none
 */
char *
dynamorm_spy_call_dup_key_condition (DynamormSpyCall *self)
{
  const char *expr;
  JsonObject *req, *names, *values;
  GString *out;

  g_return_val_if_fail (DYNAMORM_IS_SPY_CALL (self), NULL);

  expr = request_string (self, "KeyConditionExpression");
  if (expr == NULL)
    return NULL;
  req = json_node_get_object (self->request);
  names = object_member (req, "ExpressionAttributeNames");
  values = object_member (req, "ExpressionAttributeValues");
  out = g_string_new (NULL);
  for (const char *p = expr; *p != '\0';)
    {
      const char *end = p + 1;
      g_autofree char *placeholder = NULL;

      if (*p != '#' && *p != ':')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      while (is_placeholder_char (*end))
        end++;
      placeholder = g_strndup (p, end - p);
      if (*p == '#')
        g_string_append (out, names ? json_object_get_string_member_with_default (names, placeholder, placeholder)
                                    : placeholder);
      else
        append_value (out, values, placeholder);
      p = end;
    }
  return g_string_free (out, FALSE);
}
