/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: random bytes through every expression parser, with a
 * fixed set of placeholders, then evaluation against a fixed item.  Must
 * never crash, hang or leak. */
#include "ddb-expr.h"
#include "ddb-error.h"

#include <string.h>

static const char names_json[] =
  "{\"#a\":\"a\",\"#n\":\"name\",\"#l\":\"l\",\"#m\":\"m\",\"#k\":\"pk\",\"#s\":\"sk\"}";
static const char values_json[] =
  "{\":v\":{\"N\":\"1\"},\":w\":{\"N\":\"99999999999999999999999999999999999999\"},"
  "\":s\":{\"S\":\"x\"},\":t\":{\"S\":\"SS\"},\":b\":{\"B\":\"AAE=\"},\":ss\":{\"SS\":[\"x\",\"y\"]},"
  "\":ns\":{\"NS\":[\"1\",\"2.5\"]},\":bs\":{\"BS\":[\"AA==\"]},\":l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"}]},"
  "\":m\":{\"M\":{\"k\":{\"S\":\"v\"}}},\":bool\":{\"BOOL\":true},\":null\":{\"NULL\":true},"
  "\":neg\":{\"N\":\"-9.9999999999999999999999999999999999999E+125\"}}";
static const char item_json[] =
  "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"1\"},\"a\":{\"N\":\"1\"},\"s\":{\"S\":\"h\xc3\xa9llo\"},"
  "\"l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"},{\"M\":{\"k\":{\"S\":\"v\"}}},{\"L\":[]}]},"
  "\"m\":{\"M\":{\"b\":{\"N\":\"2\"},\"c\":{\"SS\":[\"x\"]}}},\"ss\":{\"SS\":[\"x\",\"y\"]},"
  "\"ns\":{\"NS\":[\"1\",\"2\"]},\"bin\":{\"B\":\"AAEC\"},\"bs\":{\"BS\":[\"AAE=\"]},"
  "\"t\":{\"BOOL\":true},\"nul\":{\"NULL\":true},\"name\":{\"S\":\"n\"}}";

static JsonObject *
object_from (const char *text)
{
  JsonNode *node = json_from_string (text, NULL);
  JsonObject *obj = json_object_ref (json_node_get_object (node));

  json_node_unref (node);
  return obj;
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  /* Parsed once: only an update changes an item, and it gets its own. */
  static JsonObject *names, *values, *item;
  g_autofree char *text = NULL;
  DdbExprEnv *env;

  if (names == NULL)
    {
      names = object_from (names_json);
      values = object_from (values_json);
      item = object_from (item_json);
    }
  /* Expressions are text: stop at an embedded NUL. */
  text = g_strndup ((const char *) data, size);
  env = ddb_expr_env_new (names, values);

  for (int kind = 0; kind < 2; kind++)
    {
      DdbCondition *cond = ddb_condition_parse (text, kind ? DDB_EXPR_FILTER : DDB_EXPR_CONDITION, env, NULL);

      if (cond)
        {
          ddb_condition_evaluate (cond, item);
          ddb_condition_evaluate (cond, NULL);
          ddb_condition_get_attribute_names (cond);
          ddb_condition_free (cond);
        }
    }
  {
    DdbKeyCondition kc;

    if (ddb_key_condition_parse (text, env, "pk", "sk", &kc, NULL))
      {
        ddb_key_condition_match_range (&kc, json_object_get_member (item, "sk"));
        ddb_key_condition_match_range (&kc, json_object_get_member (item, "bin"));
        ddb_key_condition_clear (&kc);
      }
    if (ddb_key_condition_parse (text, env, "pk", NULL, &kc, NULL))
      ddb_key_condition_clear (&kc);
  }
  {
    GPtrArray *paths = ddb_projection_parse (text, env, NULL);

    if (paths)
      {
        JsonObject *projected = ddb_projection_apply (paths, item);

        json_object_unref (projected);
        g_ptr_array_unref (paths);
      }
  }
  {
    DdbUpdate *update = ddb_update_parse (text, env, NULL);

    if (update)
      {
        JsonObject *target = object_from (item_json);
        GError *error = NULL;

        ddb_update_get_paths (update);
        if (!ddb_update_apply (update, target, &error))
          {
            g_assert (error != NULL && error->domain == DDB_ERROR);
            g_error_free (error);
          }
        else
          {
            /* Run the validator on what the update made, for crashes and
             * leaks: whether the result is a valid item depends on the
             * input (the engine refuses an invalid one elsewhere). */
            (void) ddb_item_validate (target, NULL);
          }
        json_object_unref (target);
        ddb_update_free (update);
      }
  }
  {
    GError *error = NULL;

    if (!ddb_expr_env_check_unused (env, &error))
      g_error_free (error);
  }
  ddb_expr_env_free (env);
  return 0;
}
