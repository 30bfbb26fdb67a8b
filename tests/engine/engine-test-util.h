/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* engine-test-util.h: drive the engine with JSON text and assert on
 * DynamoDB's answers. Request text may use ' for " to keep C strings
 * readable. */
#pragma once

#include <string.h>
#include "ddb-engine.h"
#include "ddb-json.h"

/* JSON text with ' for " (new reference). */
static inline JsonNode *
engine_parse (const char *text)
{
  g_autofree char *json = g_strdup (text);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  for (char *p = json; *p; p++)
    if (*p == '\'')
      *p = '"';
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

/* Reads answer the same twice: for them every call also checks that the
 * text answer (ddb_engine_handle_text, items printed from their packed
 * form) is the tree answer's text. */
static inline gboolean
engine_op_only_reads (const char *op)
{
  static const char *const reads[] = { "GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems",
                                       "DescribeTable", "ListTables", NULL };

  return g_strv_contains (reads, op);
}

static inline JsonNode *
engine_call (DdbEngine *engine, const char *op, const char *text, guint *status)
{
  g_autoptr(JsonNode) request = engine_parse (text);
  JsonNode *node = ddb_engine_handle (engine, op, request, status);

  if (engine_op_only_reads (op))
    {
      g_autoptr(GString) printed = g_string_new (NULL);
      g_autofree char *generated = ddb_json_to_string (node);
      guint text_status = 0;

      ddb_engine_handle_text (engine, op, request, printed, &text_status);
      g_assert_cmpstr (printed->str, ==, generated);
      g_assert_cmpuint (text_status, ==, *status);
    }
  return node;
}

static inline char *
engine_node_text (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

/* Runs op and asserts success; returns the response object (unref it). */
static inline JsonObject *
engine_ok (DdbEngine *engine, const char *op, const char *text)
{
  guint status = 0;
  g_autoptr(JsonNode) node = engine_call (engine, op, text, &status);

  if (status != 200)
    {
      g_autofree char *body = engine_node_text (node);
      g_error ("%s %s failed: %u %s", op, text, status, body);
    }
  return json_object_ref (json_node_get_object (node));
}

/* Runs op and asserts the error type (the part after '#') and, when not
 * NULL, the exact message; returns the error body (unref it). */
static inline JsonObject *
engine_fail (DdbEngine *engine, const char *op, const char *text, const char *type, const char *message)
{
  guint status = 0;
  g_autoptr(JsonNode) node = engine_call (engine, op, text, &status);
  JsonObject *body = json_node_get_object (node);
  const char *t = json_object_get_string_member (body, "__type");
  const char *m = json_object_has_member (body, "message") ? json_object_get_string_member (body, "message")
                                                            : json_object_get_string_member_with_default (body, "Message", NULL);

  if (status == 200)
    {
      g_autofree char *s = engine_node_text (node);
      g_error ("%s %s should have failed with %s: %s", op, text, type, s);
    }
  g_assert_nonnull (strchr (t, '#'));
  g_assert_cmpstr (strchr (t, '#') + 1, ==, type);
  if (message != NULL)
    g_assert_cmpstr (m, ==, message);
  return json_object_ref (body);
}

#define ENGINE_OK(e, op, text) json_object_unref (engine_ok ((e), (op), (text)))
#define ENGINE_FAIL(e, op, text, type, msg) json_object_unref (engine_fail ((e), (op), (text), (type), (msg)))

/* Compact JSON of a member of obj, for comparisons. */
static inline char *
engine_member_text (JsonObject *obj, const char *member)
{
  JsonNode *n = json_object_get_member (obj, member);
  return n ? json_to_string (n, FALSE) : g_strdup ("(absent)");
}

/* Compares a member's JSON text to expected (with ' for "). */
#define ASSERT_MEMBER(obj, member, expected) G_STMT_START { \
    g_autofree char *_got = engine_member_text ((obj), (member)); \
    g_autofree char *_want = g_strdup (expected); \
    for (char *_p = _want; *_p; _p++) if (*_p == '\'') *_p = '"'; \
    g_assert_cmpstr (_got, ==, _want); \
  } G_STMT_END
