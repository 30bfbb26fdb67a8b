/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm.h"
#include "ddb-value.h"
#include "dynamorm-http-outcome.h"

static const char *const write_operations[] = {
  "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", NULL,
};

/* The single-item writes that may carry a condition. */
static gboolean
is_item_write (const char *operation)
{
  return g_str_equal (operation, "PutItem") || g_str_equal (operation, "UpdateItem") ||
         g_str_equal (operation, "DeleteItem");
}

gboolean
dynamorm_http_outcome_is_write (const char *operation)
{
  return g_strv_contains (write_operations, operation);
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '#' || c == ':';
}

static gboolean
word_is (const char *word, gsize len, const char *keyword)
{
  return len == strlen (keyword) && g_ascii_strncasecmp (word, keyword, len) == 0;
}

/* Whether an UpdateExpression reads the item it changes: an ADD or DELETE
 * clause, or a SET value naming an attribute (a + :n, list_append (l, :v),
 * if_not_exists (a, :v)). SET targets and REMOVE paths are not reads.
 * SET, REMOVE, ADD and DELETE are reserved words, so a bare one is always a
 * clause keyword. Expressions DynamoDB would refuse may read as anything:
 * they are refused before they change anything. */
static gboolean
update_expression_reads_item (const char *expression)
{
  enum { BEFORE, TARGET, VALUE, REMOVE } state = BEFORE;
  int depth = 0;
  const char *p = expression;

  while (*p != '\0')
    {
      const char *word = p;
      gsize len;

      if (!is_word_char (*p))
        {
          if (*p == '(')
            depth++;
          else if (*p == ')')
            depth--;
          else if (*p == ',' && depth == 0 && state == VALUE)
            state = TARGET;
          else if (*p == '=' && state == TARGET)
            state = VALUE;
          p++;
          continue;
        }

      while (is_word_char (*p))
        p++;
      len = p - word;
      if (word_is (word, len, "ADD") || word_is (word, len, "DELETE"))
        return TRUE;
      if (word_is (word, len, "SET"))
        state = TARGET;
      else if (word_is (word, len, "REMOVE"))
        state = REMOVE;
      else if (state == VALUE && word[0] != ':' && !g_ascii_isdigit (word[0]))
        {
          /* A name: a function if a parenthesis follows, else a path read. */
          const char *next = p;

          while (g_ascii_isspace (*next))
            next++;
          if (*next != '(')
            return TRUE;
        }
    }
  return FALSE;
}

/* The legacy form: AttributeUpdates with an ADD or DELETE action. */
static gboolean
attribute_updates_read_item (JsonObject *updates)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *update;

  json_object_iter_init (&iter, updates);
  while (json_object_iter_next (&iter, &name, &update))
    {
      const char *action = JSON_NODE_HOLDS_OBJECT (update)
                           ? string_member (json_node_get_object (update), "Action") : NULL;

      if (action != NULL && (g_str_equal (action, "ADD") || g_str_equal (action, "DELETE")))
        return TRUE;
    }
  return FALSE;
}

gboolean
dynamorm_http_outcome_repeat_changes_item (const char *operation,
                                           JsonObject *request)
{
  if (g_str_equal (operation, "TransactWriteItems"))
    return string_member (request, "ClientRequestToken") == NULL;
  if (g_str_equal (operation, "UpdateItem"))
    {
      const char *expression = string_member (request, "UpdateExpression");
      JsonObject *updates = object_member (request, "AttributeUpdates");

      return (expression != NULL && update_expression_reads_item (expression)) ||
             (updates != NULL && attribute_updates_read_item (updates));
    }
  return FALSE;
}

static gboolean
has_condition (JsonObject *request)
{
  return json_object_has_member (request, "ConditionExpression") ||
         json_object_has_member (request, "Expected");
}

static gboolean
asks_for_stored_item (JsonObject *request)
{
  return g_strcmp0 (string_member (request, "ReturnValuesOnConditionCheckFailure"), "ALL_OLD") == 0;
}

gboolean
dynamorm_http_outcome_ask_for_stored_item (const char *operation,
                                           JsonObject *request)
{
  if (!is_item_write (operation) || !has_condition (request) || asks_for_stored_item (request))
    return FALSE;
  json_object_set_string_member (request, "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
  return TRUE;
}

/* The caller's error becomes "unknown": same service details, new code,
 * and a message that says what happened and what to do. */
static void
mark_unknown (GError     **error,
              const char  *operation,
              const char  *lost_answer,
              const char  *why)
{
  (*error)->code = DYNAMORM_ERROR_OUTCOME_UNKNOWN;
  g_prefix_error (error,
                  _("%s may or may not have been applied: an attempt reached DynamoDB but its answer "
                    "was lost (%s), and %s. Read the item back to find out. The last answer was: "),
                  operation, lost_answer, why);
}

static JsonNode *
empty_response (void)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, json_object_new ());
  return node;
}

/* The write asked for values it can no longer have: the old item was
 * replaced by the attempt whose answer was lost. */
static gboolean
wants_old_values (JsonObject *request)
{
  const char *return_values = string_member (request, "ReturnValues");

  return return_values != NULL && !g_str_equal (return_values, "NONE");
}

/* The stored state shows the write was applied: its response, unless it
 * asked for the old item, which the lost attempt replaced (unknown). */
static JsonNode *
applied (const char  *operation,
         JsonObject  *request,
         const char  *lost_answer,
         const char  *why_old_is_lost,
         GError     **error)
{
  if (wants_old_values (request))
    {
      mark_unknown (error, operation, lost_answer, why_old_is_lost);
      return NULL;
    }
  g_debug ("%s: the retry failed its condition against what the lost attempt wrote: done", operation);
  g_clear_error (error);
  return empty_response ();
}

static JsonNode *
resolve_condition_failure (const char  *operation,
                           JsonObject  *request,
                           const char  *lost_answer,
                           GError     **error)
{
  JsonNode *body = dynamorm_error_get_response (*error);
  JsonObject *stored = NULL;

  if (body != NULL && JSON_NODE_HOLDS_OBJECT (body))
    stored = object_member (json_node_get_object (body), "Item");

  if (!asks_for_stored_item (request))
    {
      mark_unknown (error, operation, lost_answer, _("the retry did not ask for the stored item"));
      return NULL;
    }

  if (g_str_equal (operation, "PutItem"))
    {
      JsonObject *item = object_member (request, "Item");

      /* Another item is stored: this put did not take effect. */
      if (stored == NULL || item == NULL || !ddb_item_equal (stored, item))
        return NULL;
      return applied (operation, request, lost_answer,
                      _("the stored item is this put’s, but the old item it replaced is lost"), error);
    }

  if (g_str_equal (operation, "DeleteItem"))
    {
      /* The item is still there: this delete did not take effect. */
      if (stored != NULL)
        return NULL;
      return applied (operation, request, lost_answer,
                      _("the item is gone, but the old item this delete removed is lost"), error);
    }

  mark_unknown (error, operation, lost_answer,
                _("an update cannot be told from the stored item whether it was applied"));
  return NULL;
}

JsonNode *
dynamorm_http_outcome_resolve (const char  *operation,
                               JsonObject  *request,
                               const char  *lost_answer,
                               GError     **error)
{
  GError *e = *error;

  if (e->domain != DYNAMORM_ERROR || !dynamorm_http_outcome_is_write (operation))
    return NULL;
  if (e->code == DYNAMORM_ERROR_CONDITION_FAILED && is_item_write (operation))
    return resolve_condition_failure (operation, request, lost_answer, error);
  if (dynamorm_error_is_retryable (e) || e->code == DYNAMORM_ERROR_INVALID_RESPONSE)
    mark_unknown (error, operation, lost_answer, _("no later attempt got a clear answer"));
  else if (e->code == DYNAMORM_ERROR_TRANSACTION_CANCELLED &&
           dynamorm_http_outcome_repeat_changes_item (operation, request))
    mark_unknown (error, operation, lost_answer,
                  _("the transaction has no ClientRequestToken to make its retry safe"));
  return NULL;
}
