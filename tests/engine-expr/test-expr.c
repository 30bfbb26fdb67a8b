/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the expression parser and evaluator.  The table in
 * expr-cases.h holds DynamoDB Local's answers; the hand-written tests
 * cover what that table cannot (placeholder maps, limits, messages where
 * the service differs from Local). */
#include "ddb-expr.h"
#include "ddb-error.h"

#include <string.h>

typedef struct {
  const char *kind;     /* cond, filter, update, proj, key */
  const char *expr;
  const char *names;    /* JSON object or NULL */
  const char *values;   /* JSON object or NULL */
  const char *expected; /* "ERR <message>", "0"/"1", item JSON, "match=0/1" */
} ExprCase;

#include "expr-cases.h"

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL)
    return NULL;
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

/* Runs one case the way the engine does: validate the maps, parse, check
 * for unused placeholders, evaluate.  Returns the answer in the table's
 * format; *result_item gets the updated or projected item. */
static char *
run_case (const ExprCase *c, JsonObject **result_item)
{
  g_autoptr(JsonObject) names = parse_object (c->names);
  g_autoptr(JsonObject) values = parse_object (c->values);
  g_autoptr(JsonObject) item = parse_object (EXPR_CASES_ITEM);
  g_autoptr(GError) error = NULL;
  DdbExprEnv *env = ddb_expr_env_new (names, values);
  char *answer = NULL;

  *result_item = NULL;
  if (!ddb_expr_env_validate (env, &error))
    goto out;

  if (strcmp (c->kind, "cond") == 0 || strcmp (c->kind, "filter") == 0)
    {
      DdbCondition *cond = ddb_condition_parse (c->expr, strcmp (c->kind, "cond") == 0 ? DDB_EXPR_CONDITION
                                                                                     : DDB_EXPR_FILTER,
                                                env, &error);
      if (cond && ddb_expr_env_check_unused (env, &error))
        answer = g_strdup (ddb_condition_evaluate (cond, item) ? "1" : "0");
      ddb_condition_free (cond);
    }
  else if (strcmp (c->kind, "update") == 0)
    {
      DdbUpdate *update = ddb_update_parse (c->expr, env, &error);

      if (update && ddb_expr_env_check_unused (env, &error) && ddb_update_apply (update, item, &error))
        {
          *result_item = json_object_ref (item);
          answer = g_strdup ("item");
        }
      ddb_update_free (update);
    }
  else if (strcmp (c->kind, "proj") == 0)
    {
      GPtrArray *paths = ddb_projection_parse (c->expr, env, &error);

      if (paths && ddb_expr_env_check_unused (env, &error))
        {
          *result_item = ddb_projection_apply (paths, item);
          answer = g_strdup ("item");
        }
      g_clear_pointer (&paths, g_ptr_array_unref);
    }
  else if (strcmp (c->kind, "key") == 0)
    {
      DdbKeyCondition kc;

      if (ddb_key_condition_parse (c->expr, env, "pk", "sk", &kc, &error))
        {
          if (ddb_expr_env_check_unused (env, &error))
            answer = g_strdup_printf ("match=%d", ddb_key_condition_match_range (&kc, json_object_get_member (item, "sk")));
          ddb_key_condition_clear (&kc);
        }
    }
  else
    g_assert_not_reached ();

out:
  ddb_expr_env_free (env);
  if (answer == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == DDB_ERROR);
      answer = g_strconcat ("ERR ", error->message, NULL);
    }
  return answer;
}

static void
test_local_cases (gconstpointer data)
{
  const char *kind = data;
  guint n = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (expr_cases); i++)
    {
      const ExprCase *c = &expr_cases[i];
      g_autoptr(JsonObject) result = NULL;
      g_autofree char *answer = NULL;

      if (strcmp (c->kind, kind) != 0)
        continue;
      n++;
      g_test_message ("%s: %s", c->kind, c->expr);
      answer = run_case (c, &result);
      if (result != NULL && c->expected[0] == '{')
        {
          g_autoptr(JsonObject) expected = parse_object (c->expected);

          if (!ddb_item_equal (expected, result))
            {
              g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), result);
              g_autofree char *text = json_to_string (node, FALSE);

              g_error ("%s %s: expected %s, got %s", c->kind, c->expr, c->expected, text);
            }
        }
      else
        g_assert_cmpstr (answer, ==, c->expected);
    }
  g_assert_cmpuint (n, >, 0);
}

/* ---- hand-written cases ---- */

static char *
error_of (const char *kind, const char *expr, const char *names, const char *values)
{
  ExprCase c = { kind, expr, names, values, NULL };
  g_autoptr(JsonObject) result = NULL;

  return run_case (&c, &result);
}

static void
test_env (void)
{
  static const struct { const char *names, *values, *expected; } cases[] = {
    { "{}", "{\":v\":{\"N\":\"1\"}}", "ERR ExpressionAttributeNames must not be empty" },
    { NULL, "{}", "ERR ExpressionAttributeValues must not be empty" },
    { NULL, "{\":v\":{\"SS\":[]}}",
      "ERR ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
      "An string set  may not be empty for key :v" },
    { NULL, "{\":v\":{}}",
      "ERR ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain "
      "exactly one of the supported datatypes for key :v" },
    { "{\"#a\":\"\"}", "{\":v\":{\"N\":\"1\"}}",
      "ERR ExpressionAttributeNames contains invalid value: Empty attribute name for key #a" },
    { "{\"a\":\"x\"}", "{\":v\":{\"N\":\"1\"}}",
      "ERR ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"" },
    { "{\"#a-b\":\"x\"}", "{\":v\":{\"N\":\"1\"}}",
      "ERR ExpressionAttributeNames contains invalid key: Syntax error; key: \"#a-b\"" },
    { NULL, "{\"v\":{\"N\":\"1\"}}", "ERR ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"" },
    { "{\"#a\":\"x\",\"#b\":\"y\"}", "{\":v\":{\"N\":\"1\"}}",
      "ERR Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}" },
    { "{\"#a\":\"x\"}", "{\":v\":{\"N\":\"1\"},\":w\":{\"N\":\"1\"}}",
      "ERR Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}" },
    { NULL, "{\":v\":{\"N\":\"1\"},\":z\":{\"N\":\"1\"},\":b\":{\"N\":\"1\"}}",
      "ERR Value provided in ExpressionAttributeValues unused in expressions: keys: {:b, :z}" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *answer = error_of ("update", "SET a = :v", cases[i].names, cases[i].values);

      g_assert_cmpstr (answer, ==, cases[i].expected);
    }
  {
    /* Placeholder keys longer than 255 bytes. */
    g_autofree char *key = g_strnfill (301, 'n');
    g_autofree char *names = g_strdup_printf ("{\"#%s\":\"x\"}", key + 1);
    g_autofree char *answer = error_of ("proj", "a", names, NULL);

    g_assert_cmpstr (answer, ==, "ERR ExpressionAttributeNames contains invalid key: The expression attribute "
                                 "map contains a key that is too long; size of key: 301");
  }
}

static void
test_limits (void)
{
  GString *s = g_string_new (NULL);
  GString *v = g_string_new ("{");
  g_autofree char *answer = NULL;

  /* Expression text: 4096 bytes at most. */
  g_string_append (s, "SET a = :v");
  while (s->len < 4096)
    g_string_append_c (s, ' ');
  answer = error_of ("update", s->str, NULL, "{\":v\":{\"N\":\"1\"}}");
  g_assert_cmpstr (answer, ==, "item");
  g_clear_pointer (&answer, g_free);
  g_string_append_c (s, ' ');
  answer = error_of ("update", s->str, NULL, "{\":v\":{\"N\":\"1\"}}");
  g_assert_cmpstr (answer, ==, "ERR Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;");
  g_clear_pointer (&answer, g_free);

  /* IN takes at most 100 operands. */
  g_string_assign (s, "a IN (");
  for (int i = 0; i < 101; i++)
    {
      g_string_append_printf (s, "%s:v%d", i ? ", " : "", i);
      g_string_append_printf (v, "%s\":v%d\":{\"N\":\"%d\"}", i ? "," : "", i, i);
    }
  g_string_append (s, ")");
  g_string_append (v, "}");
  answer = error_of ("filter", s->str, NULL, v->str);
  g_assert_cmpstr (answer, ==, "ERR Invalid FilterExpression: The IN operator is provided with too many operands; "
                               "number of operands: 101");
  g_clear_pointer (&answer, g_free);

  /* 300 operators at most; DynamoDB stops counting at 301. */
  g_string_truncate (s, 0);
  for (int i = 0; i < 500; i++)
    g_string_append (s, "NOT ");
  g_string_append (s, "a = :v");
  answer = error_of ("filter", s->str, NULL, "{\":v\":{\"N\":\"1\"}}");
  g_assert_cmpstr (answer, ==, "ERR Invalid FilterExpression: The expression contains too many operators; "
                               "operator count: 301");
  g_clear_pointer (&answer, g_free);

  /* Document paths nest 32 levels at most. */
  g_string_assign (s, "a");
  for (int i = 1; i < 32; i++)
    g_string_append (s, "[0]");
  answer = error_of ("proj", s->str, NULL, NULL);
  g_assert_cmpstr (answer, ==, "item");
  g_clear_pointer (&answer, g_free);
  g_string_append (s, ".b");
  answer = error_of ("proj", s->str, NULL, NULL);
  g_assert_cmpstr (answer, ==, "ERR Invalid ProjectionExpression: The document path has too many nesting levels; "
                               "nesting levels: 33");
  g_clear_pointer (&answer, g_free);

  /* List indexes fit in 32 bits. */
  answer = error_of ("proj", "a[2147483648]", NULL, NULL);
  g_assert_cmpstr (answer, ==, "ERR Invalid ProjectionExpression: List index is not within the allowable range; "
                               "index: [2147483648]");
  g_clear_pointer (&answer, g_free);
  answer = error_of ("proj", "a[2147483647]", NULL, NULL);
  g_assert_cmpstr (answer, ==, "item");
  g_clear_pointer (&answer, g_free);

  /* Deep parentheses neither crash nor recurse without bound. */
  g_string_truncate (s, 0);
  for (int i = 0; i < 3000; i++)
    g_string_append_c (s, '(');
  answer = error_of ("filter", s->str, NULL, NULL);
  g_assert_true (g_str_has_prefix (answer, "ERR Invalid FilterExpression: "));
  g_clear_pointer (&answer, g_free);

  g_string_free (s, TRUE);
  g_string_free (v, TRUE);
}

static void
test_reserved_words (void)
{
  /* A sample across the list, in several cases; the keywords of the
   * grammar itself (AND, SET, ...) are syntax errors instead. */
  static const char *reserved[] = { "abort", "ZONE", "Name", "convert", "flattern", "inntter",
                                    "loged", "ttl", "user", "value", "data", "status", "count", "year" };
  static const char *free_words[] = { "abortx", "zon", "names2", "id", "pk", "email", "x", "sizes",
                                      /* SIZE is reserved, but DynamoDB Local takes it as a name. */
                                      "size", "SIZE" };

  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    {
      g_autofree char *answer = error_of ("proj", reserved[i], NULL, NULL);
      g_autofree char *expected = g_strdup_printf ("ERR Invalid ProjectionExpression: Attribute name is a "
                                                   "reserved keyword; reserved keyword: %s", reserved[i]);

      if (g_ascii_strcasecmp (reserved[i], "inntter") == 0)
        {
          /* Not a reserved word ("INNTER" is): a plain name. */
          g_assert_cmpstr (answer, ==, "item");
          continue;
        }
      g_assert_cmpstr (answer, ==, expected);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (free_words); i++)
    {
      g_autofree char *answer = error_of ("proj", free_words[i], NULL, NULL);

      g_assert_cmpstr (answer, ==, "item");
    }
  {
    g_autofree char *answer = error_of ("proj", "and", NULL, NULL);
    g_assert_cmpstr (answer, ==, "ERR Invalid ProjectionExpression: Syntax error; token: \"and\", near: \"and\"");
  }
}

static void
test_key_messages (void)
{
  static const struct { const char *expr, *expected; } cases[] = {
    /* The service names the key (DynamoDB Local does not). */
    { "pk = :p AND a = :one", "ERR Query condition missed key schema element: sk" },
    { "a = :one", "ERR Query condition missed key schema element: pk" },
    { "sk = :one", "ERR Query condition missed key schema element: pk" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *answer = error_of ("key", cases[i].expr, NULL,
                                          strstr (cases[i].expr, ":p") ? "{\":p\":{\"S\":\"c\"},\":one\":{\"N\":\"1\"}}"
                                                                       : "{\":one\":{\"N\":\"1\"}}");
      g_assert_cmpstr (answer, ==, cases[i].expected);
    }
}

static void
test_key_condition_values (void)
{
  g_autoptr(JsonObject) values = parse_object ("{\":p\":{\"S\":\"c\"},\":lo\":{\"S\":\"b\"},\":hi\":{\"S\":\"d\"},\":pre\":{\"B\":\"AAE=\"}}");
  g_autoptr(JsonNode) inside = json_from_string ("{\"S\":\"c\"}", NULL);
  g_autoptr(JsonNode) outside = json_from_string ("{\"S\":\"e\"}", NULL);
  g_autoptr(JsonNode) bin = json_from_string ("{\"B\":\"AAEC\"}", NULL);
  g_autoptr(GError) error = NULL;
  DdbExprEnv *env = ddb_expr_env_new (NULL, values);
  DdbKeyCondition kc;

  g_assert_true (ddb_key_condition_parse ("#x = :p AND sk BETWEEN :lo AND :hi", env, "pk", "sk", &kc, &error) == FALSE);
  g_assert_cmpstr (error->message, ==, "Invalid KeyConditionExpression: An expression attribute name used in the "
                                       "document path is not defined; attribute name: #x");
  g_clear_error (&error);

  g_assert_true (ddb_key_condition_parse ("pk = :p AND sk BETWEEN :lo AND :hi", env, "pk", "sk", &kc, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kc.range_op, ==, DDB_KEY_OP_BETWEEN);
  g_assert_cmpstr (json_node_get_string (json_object_get_member (json_node_get_object (kc.hash_value), "S")), ==, "c");
  g_assert_true (ddb_key_condition_match_range (&kc, inside));
  g_assert_false (ddb_key_condition_match_range (&kc, outside));
  g_assert_false (ddb_key_condition_match_range (&kc, bin));
  ddb_key_condition_clear (&kc);

  g_assert_true (ddb_key_condition_parse ("pk = :p AND begins_with(sk, :pre)", env, "pk", "sk", &kc, &error));
  g_assert_cmpint (kc.range_op, ==, DDB_KEY_OP_BEGINS_WITH);
  g_assert_true (ddb_key_condition_match_range (&kc, bin));
  g_assert_false (ddb_key_condition_match_range (&kc, inside));
  ddb_key_condition_clear (&kc);

  /* A table without a sort key. */
  g_assert_true (ddb_key_condition_parse ("pk = :p", env, "pk", NULL, &kc, &error));
  g_assert_cmpint (kc.range_op, ==, DDB_KEY_OP_NONE);
  g_assert_true (ddb_key_condition_match_range (&kc, inside));
  ddb_key_condition_clear (&kc);
  ddb_expr_env_free (env);
}

static void
test_update_atomic (void)
{
  /* A failing action leaves the item untouched, even after earlier actions. */
  g_autoptr(JsonObject) item = parse_object ("{\"a\":{\"N\":\"1\"},\"s\":{\"S\":\"x\"},\"l\":{\"L\":[{\"N\":\"1\"}]}}");
  g_autoptr(JsonObject) before = parse_object ("{\"a\":{\"N\":\"1\"},\"s\":{\"S\":\"x\"},\"l\":{\"L\":[{\"N\":\"1\"}]}}");
  g_autoptr(JsonObject) values = parse_object ("{\":one\":{\"N\":\"1\"}}");
  g_autoptr(GError) error = NULL;
  DdbExprEnv *env = ddb_expr_env_new (NULL, values);
  DdbUpdate *update = ddb_update_parse ("SET a = a + :one, l[5] = :one REMOVE l[0] ADD s :one", env, &error);
  GPtrArray *paths;

  g_assert_no_error (error);
  paths = ddb_update_get_paths (update);
  g_assert_cmpuint (paths->len, ==, 4);
  g_assert_false (ddb_update_apply (update, item, &error));
  g_assert_cmpstr (error->message, ==, "An operand in the update expression has an incorrect data type");
  g_assert_true (ddb_item_equal (item, before));
  ddb_update_free (update);
  ddb_expr_env_free (env);
}

static void
test_condition_names (void)
{
  g_autoptr(JsonObject) names = parse_object ("{\"#k\":\"pk\"}");
  g_autoptr(JsonObject) values = parse_object ("{\":v\":{\"N\":\"1\"}}");
  DdbExprEnv *env = ddb_expr_env_new (names, values);
  DdbCondition *cond = ddb_condition_parse ("#k = :v OR a.b[1] = :v AND attribute_exists(a.c) OR size(#k) > :v",
                                            DDB_EXPR_FILTER, env, NULL);
  GPtrArray *attrs = ddb_condition_get_attribute_names (cond);

  g_assert_cmpuint (attrs->len, ==, 2);
  g_assert_cmpstr (attrs->pdata[0], ==, "pk");
  g_assert_cmpstr (attrs->pdata[1], ==, "a");
  g_assert_false (ddb_condition_evaluate (cond, NULL));
  g_assert_true (ddb_expr_env_check_unused (env, NULL));
  ddb_condition_free (cond);
  ddb_expr_env_free (env);
}

/* A function call in parentheses is a condition, not an operand: only
 * size() can be an operand (DynamoDB Local accepts all of these). */
static void
test_parenthesized_functions (void)
{
  static const char *exprs[] = {
    "(attribute_not_exists(#a)) AND (attribute_not_exists(#b)) OR #b = :v OR size(#a) = :n",
    "(attribute_not_exists(#a)) AND #b = :v OR size(#a) = :n",
    "(#b = :v) AND (attribute_not_exists(#a)) OR (size(#a)) > :n",
    "(attribute_not_exists(#a)) OR (contains(#b, :v)) OR (size(#b)) > :n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (exprs); i++)
    {
      g_autofree char *answer = error_of ("cond", exprs[i], "{\"#a\":\"nope\",\"#b\":\"other\"}",
                                          "{\":v\":{\"S\":\"x\"},\":n\":{\"N\":\"1\"}}");
      g_test_message ("%s -> %s", exprs[i], answer);
      g_assert_true (g_str_equal (answer, "0") || g_str_equal (answer, "1"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_data_func ("/ddb/expr/local/condition", "cond", test_local_cases);
  g_test_add_data_func ("/ddb/expr/local/filter", "filter", test_local_cases);
  g_test_add_data_func ("/ddb/expr/local/update", "update", test_local_cases);
  g_test_add_data_func ("/ddb/expr/local/projection", "proj", test_local_cases);
  g_test_add_data_func ("/ddb/expr/local/key-condition", "key", test_local_cases);
  g_test_add_func ("/ddb/expr/env", test_env);
  g_test_add_func ("/ddb/expr/limits", test_limits);
  g_test_add_func ("/ddb/expr/reserved-words", test_reserved_words);
  g_test_add_func ("/ddb/expr/key-messages", test_key_messages);
  g_test_add_func ("/ddb/expr/key-condition-values", test_key_condition_values);
  g_test_add_func ("/ddb/expr/update-atomic", test_update_atomic);
  g_test_add_func ("/ddb/expr/condition-names", test_condition_names);
  g_test_add_func ("/ddb/expr/parenthesized-functions", test_parenthesized_functions);

  return g_test_run ();
}
