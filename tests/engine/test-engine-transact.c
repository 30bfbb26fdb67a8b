/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TransactWriteItems and TransactGetItems: atomicity, cancellation
 * reasons, idempotency tokens. */
#include "config.h"

#include "engine-test-util.h"

static DdbEngine *
new_engine (void)
{
  DdbEngine *e = ddb_engine_new ();

  ENGINE_OK (e, "CreateTable", "{'TableName':'acct','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],"
             "'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'}");
  ENGINE_OK (e, "PutItem", "{'TableName':'acct','Item':{'id':{'S':'a'},'bal':{'N':'10'}}}");
  return e;
}

static void
test_commit_and_get (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  g_autoptr(JsonObject) g = NULL;

  ENGINE_OK (e, "TransactWriteItems", "{'TransactItems':["
             "{'Put':{'TableName':'acct','Item':{'id':{'S':'b'},'bal':{'N':'5'}}}},"
             "{'Delete':{'TableName':'acct','Key':{'id':{'S':'a'}}}}]}");
  g = engine_ok (e, "TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'acct','Key':{'id':{'S':'a'}}}},"
                 "{'Get':{'TableName':'acct','Key':{'id':{'S':'b'}}}}]}");
  ASSERT_MEMBER (g, "Responses", "[{},{'Item':{'id':{'S':'b'},'bal':{'N':'5'}}}]");
}

static void
test_cancel_is_atomic (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  g_autoptr(JsonObject) err = NULL, g = NULL;

  err = engine_fail (e, "TransactWriteItems", "{'TransactItems':["
                     "{'Put':{'TableName':'acct','Item':{'id':{'S':'c'}}}},"
                     "{'ConditionCheck':{'TableName':'acct','Key':{'id':{'S':'a'}},'ConditionExpression':'attribute_not_exists(id)','ReturnValuesOnConditionCheckFailure':'ALL_OLD'}}]}",
                     "TransactionCanceledException",
                     "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]");
  ASSERT_MEMBER (err, "CancellationReasons",
                 "[{'Code':'None'},{'Code':'ConditionalCheckFailed','Message':'The conditional request failed','Item':{'id':{'S':'a'},'bal':{'N':'10'}}}]");
  g_assert_false (json_object_has_member (err, "message"));
  g = engine_ok (e, "GetItem", "{'TableName':'acct','Key':{'id':{'S':'c'}}}");
  g_assert_false (json_object_has_member (g, "Item"));
}

static void
test_validation (void)
{
  g_autoptr(DdbEngine) e = new_engine ();

  ENGINE_FAIL (e, "TransactWriteItems", "{'TransactItems':["
               "{'Put':{'TableName':'acct','Item':{'id':{'S':'a'}}}},"
               "{'Delete':{'TableName':'acct','Key':{'id':{'S':'a'}}}}]}",
               "ValidationException", "Transaction request cannot include multiple operations on one item");
  ENGINE_FAIL (e, "TransactWriteItems", "{'TransactItems':[]}", "ValidationException",
               "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
  ENGINE_FAIL (e, "TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'nope','Item':{'id':{'S':'a'}}}}]}",
               "ResourceNotFoundException", "Requested resource not found");
}

static void
test_idempotency (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  g_autoptr(JsonObject) g = NULL;

  ENGINE_OK (e, "TransactWriteItems", "{'ClientRequestToken':'tok1','TransactItems':[{'Put':{'TableName':'acct','Item':{'id':{'S':'t'},'n':{'N':'1'}}}}]}");
  ENGINE_OK (e, "PutItem", "{'TableName':'acct','Item':{'id':{'S':'t'},'n':{'N':'2'}}}");
  /* The same request again succeeds without running twice. */
  ENGINE_OK (e, "TransactWriteItems", "{'ClientRequestToken':'tok1','TransactItems':[{'Put':{'TableName':'acct','Item':{'id':{'S':'t'},'n':{'N':'1'}}}}]}");
  g = engine_ok (e, "GetItem", "{'TableName':'acct','Key':{'id':{'S':'t'}}}");
  ASSERT_MEMBER (g, "Item", "{'id':{'S':'t'},'n':{'N':'2'}}");
  ENGINE_FAIL (e, "TransactWriteItems", "{'ClientRequestToken':'tok1','TransactItems':[{'Put':{'TableName':'acct','Item':{'id':{'S':'t'},'n':{'N':'3'}}}}]}",
               "IdempotentParameterMismatchException", NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/ddb/engine/transact/commit-and-get", test_commit_and_get);
  g_test_add_func ("/ddb/engine/transact/cancel-is-atomic", test_cancel_is_atomic);
  g_test_add_func ("/ddb/engine/transact/validation", test_validation);
  g_test_add_func ("/ddb/engine/transact/idempotency", test_idempotency);
  return g_test_run ();
}
