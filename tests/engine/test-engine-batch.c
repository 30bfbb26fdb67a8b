/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BatchGetItem and BatchWriteItem. */
#include "config.h"

#include "engine-test-util.h"

static DdbEngine *
new_engine (void)
{
  DdbEngine *e = ddb_engine_new ();

  ENGINE_OK (e, "CreateTable", "{'TableName':'books','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],"
             "'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'N'}],'BillingMode':'PAY_PER_REQUEST'}");
  return e;
}

static void
test_write_then_get (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  g_autoptr(JsonObject) w = NULL, g = NULL, w2 = NULL, g2 = NULL;

  w = engine_ok (e, "BatchWriteItem", "{'RequestItems':{'books':[{'PutRequest':{'Item':{'id':{'N':'1'},'t':{'S':'a'}}}},"
                 "{'PutRequest':{'Item':{'id':{'N':'2'},'t':{'S':'b'}}}}]},'ReturnConsumedCapacity':'TOTAL'}");
  ASSERT_MEMBER (w, "UnprocessedItems", "{}");
  ASSERT_MEMBER (w, "ConsumedCapacity", "[{'TableName':'books','CapacityUnits':2.0}]");
  g = engine_ok (e, "BatchGetItem", "{'RequestItems':{'books':{'Keys':[{'id':{'N':'1'}},{'id':{'N':'3'}}]}}}");
  ASSERT_MEMBER (g, "Responses", "{'books':[{'id':{'N':'1'},'t':{'S':'a'}}]}");
  ASSERT_MEMBER (g, "UnprocessedKeys", "{}");
  w2 = engine_ok (e, "BatchWriteItem", "{'RequestItems':{'books':[{'DeleteRequest':{'Key':{'id':{'N':'1'}}}}]}}");
  g2 = engine_ok (e, "BatchGetItem", "{'RequestItems':{'books':{'Keys':[{'id':{'N':'1'}},{'id':{'N':'2'}}]}}}");
  ASSERT_MEMBER (g2, "Responses", "{'books':[{'id':{'N':'2'},'t':{'S':'b'}}]}");
}

static void
test_limits (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  GString *keys = g_string_new ("{'RequestItems':{'books':{'Keys':[");
  GString *puts = g_string_new ("{'RequestItems':{'books':[");

  for (int i = 0; i < 101; i++)
    g_string_append_printf (keys, "%s{'id':{'N':'%d'}}", i ? "," : "", i);
  g_string_append (keys, "]}}}");
  ENGINE_FAIL (e, "BatchGetItem", keys->str, "ValidationException", "Too many items requested for the BatchGetItem call");
  for (int i = 0; i < 26; i++)
    g_string_append_printf (puts, "%s{'PutRequest':{'Item':{'id':{'N':'%d'}}}}", i ? "," : "", i);
  g_string_append (puts, "]}}");
  ENGINE_FAIL (e, "BatchWriteItem", puts->str, "ValidationException", NULL);
  ENGINE_FAIL (e, "BatchGetItem", "{'RequestItems':{'books':{'Keys':[{'id':{'N':'1'}},{'id':{'N':'1.0'}}]}}}",
               "ValidationException", "Provided list of item keys contains duplicates");
  ENGINE_FAIL (e, "BatchWriteItem", "{'RequestItems':{'books':[{'PutRequest':{'Item':{'id':{'N':'1'}}}},{'DeleteRequest':{'Key':{'id':{'N':'1'}}}}]}}",
               "ValidationException", "Provided list of item keys contains duplicates");
  ENGINE_FAIL (e, "BatchGetItem", "{'RequestItems':{'nope':{'Keys':[{'id':{'N':'1'}}]}}}",
               "ResourceNotFoundException", "Requested resource not found");
  ENGINE_FAIL (e, "BatchGetItem", "{}", "ValidationException",
               "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null");
  g_string_free (keys, TRUE);
  g_string_free (puts, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/ddb/engine/batch/write-then-get", test_write_then_get);
  g_test_add_func ("/ddb/engine/batch/limits", test_limits);
  return g_test_run ();
}
