/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Single-item operations: PutItem, GetItem, DeleteItem, UpdateItem, key
 * and item validation, conditions and ReturnValues. */
#include "config.h"

#include "engine-test-util.h"

static DdbEngine *
new_engine (void)
{
  DdbEngine *e = ddb_engine_new ();

  ENGINE_OK (e, "CreateTable", "{'TableName':'items','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],"
             "'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'},{'AttributeName':'g','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST',"
             "'GlobalSecondaryIndexes':[{'IndexName':'by_g','KeySchema':[{'AttributeName':'g','KeyType':'HASH'}],'Projection':{'ProjectionType':'ALL'}}]}");
  ENGINE_OK (e, "CreateTable", "{'TableName':'pairs','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},{'AttributeName':'sk','KeyType':'RANGE'}],"
             "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk','AttributeType':'N'}],'BillingMode':'PAY_PER_REQUEST'}");
  return e;
}

static void
test_put_get (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  g_autoptr(JsonObject) got = NULL, missing = NULL, proj = NULL;

  ENGINE_OK (e, "PutItem", "{'TableName':'items','Item':{'id':{'S':'a'},'n':{'N':'1.50'},'l':{'L':[{'N':'01'},{'S':'x'}]},'m':{'M':{'k':{'BOOL':true}}}}}");
  got = engine_ok (e, "GetItem", "{'TableName':'items','Key':{'id':{'S':'a'}}}");
  /* Top-level numbers come back canonical, nested ones as written (as
   * DynamoDB Local returns them). */
  ASSERT_MEMBER (got, "Item", "{'id':{'S':'a'},'n':{'N':'1.5'},'l':{'L':[{'N':'01'},{'S':'x'}]},'m':{'M':{'k':{'BOOL':true}}}}");
  missing = engine_ok (e, "GetItem", "{'TableName':'items','Key':{'id':{'S':'zz'}}}");
  g_assert_cmpuint (json_object_get_size (missing), ==, 0);
  proj = engine_ok (e, "GetItem", "{'TableName':'items','Key':{'id':{'S':'a'}},'ProjectionExpression':'#n, m.k','ExpressionAttributeNames':{'#n':'n'}}");
  ASSERT_MEMBER (proj, "Item", "{'n':{'N':'1.5'},'m':{'M':{'k':{'BOOL':true}}}}");
}

static void
test_key_validation (void)
{
  g_autoptr(DdbEngine) e = new_engine ();

  ENGINE_FAIL (e, "GetItem", "{'TableName':'items','Key':{'id':{'N':'1'}}}", "ValidationException",
               "The provided key element does not match the schema");
  ENGINE_FAIL (e, "GetItem", "{'TableName':'items','Key':{'id':{'S':'a'},'x':{'S':'b'}}}", "ValidationException",
               "The provided key element does not match the schema");
  ENGINE_FAIL (e, "GetItem", "{'TableName':'pairs','Key':{'pk':{'S':'a'}}}", "ValidationException",
               "The provided key element does not match the schema");
  ENGINE_FAIL (e, "GetItem", "{'TableName':'items','Key':{'id':{'S':''}}}", "ValidationException",
               "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id");
  ENGINE_FAIL (e, "GetItem", "{'TableName':'items'}", "ValidationException",
               "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null");
  ENGINE_FAIL (e, "PutItem", "{'TableName':'items','Item':{'x':{'S':'a'}}}", "ValidationException",
               "One or more parameter values were invalid: Missing the key id in the item");
  ENGINE_FAIL (e, "PutItem", "{'TableName':'items','Item':{'id':{'N':'5'}}}", "ValidationException",
               "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N");
  ENGINE_FAIL (e, "PutItem", "{'TableName':'items','Item':{'id':{'S':''}}}", "ValidationException",
               "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id");
  ENGINE_FAIL (e, "PutItem", "{'TableName':'items','Item':{'id':{'S':'a'},'g':{'N':'1'}}}", "ValidationException",
               "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by_g");
  ENGINE_FAIL (e, "PutItem", "{'TableName':'nope','Item':{'id':{'S':'a'}}}", "ResourceNotFoundException",
               "Requested resource not found");
}

static void
test_item_size (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  GString *req = g_string_new ("{'TableName':'items','Item':{'id':{'S':'a'},'big':{'S':'");
  GString *ok = g_string_new (NULL);

  /* 400 KB exactly is allowed: 2 (id) + 1 (a) + 3 (big) + value. */
  for (gsize i = 0; i < 400 * 1024 - 6; i++)
    g_string_append_c (ok, 'x');
  g_string_append (req, ok->str);
  g_string_append (req, "'}}}");
  ENGINE_OK (e, "PutItem", req->str);
  g_string_insert_c (req, 60, 'x');
  ENGINE_FAIL (e, "PutItem", req->str, "ValidationException", "Item size has exceeded the maximum allowed size");
  g_string_free (req, TRUE);
  g_string_free (ok, TRUE);
}

static void
test_conditions_and_return_values (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  g_autoptr(JsonObject) put = NULL, fail = NULL, del = NULL;

  ENGINE_OK (e, "PutItem", "{'TableName':'items','Item':{'id':{'S':'a'},'v':{'N':'1'}},'ConditionExpression':'attribute_not_exists(id)'}");
  fail = engine_fail (e, "PutItem", "{'TableName':'items','Item':{'id':{'S':'a'},'v':{'N':'2'}},'ConditionExpression':'attribute_not_exists(id)','ReturnValuesOnConditionCheckFailure':'ALL_OLD'}",
                      "ConditionalCheckFailedException", "The conditional request failed");
  ASSERT_MEMBER (fail, "Item", "{'id':{'S':'a'},'v':{'N':'1'}}");
  put = engine_ok (e, "PutItem", "{'TableName':'items','Item':{'id':{'S':'a'},'v':{'N':'2'}},'ReturnValues':'ALL_OLD','ConditionExpression':'v = :one','ExpressionAttributeValues':{':one':{'N':'1'}}}");
  ASSERT_MEMBER (put, "Attributes", "{'id':{'S':'a'},'v':{'N':'1'}}");
  ENGINE_FAIL (e, "PutItem", "{'TableName':'items','Item':{'id':{'S':'a'}},'ReturnValues':'ALL_NEW'}", "ValidationException",
               "ReturnValues can only be ALL_OLD or NONE");
  ENGINE_FAIL (e, "DeleteItem", "{'TableName':'items','Key':{'id':{'S':'a'}},'ConditionExpression':'v = :x','ExpressionAttributeValues':{':x':{'N':'9'}}}",
               "ConditionalCheckFailedException", "The conditional request failed");
  del = engine_ok (e, "DeleteItem", "{'TableName':'items','Key':{'id':{'S':'a'}},'ReturnValues':'ALL_OLD'}");
  ASSERT_MEMBER (del, "Attributes", "{'id':{'S':'a'},'v':{'N':'2'}}");
  ENGINE_OK (e, "DeleteItem", "{'TableName':'items','Key':{'id':{'S':'a'}}}");
}

static void
test_update (void)
{
  g_autoptr(DdbEngine) e = new_engine ();
  g_autoptr(JsonObject) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, got = NULL;

  /* Creates the item when absent. */
  r1 = engine_ok (e, "UpdateItem", "{'TableName':'items','Key':{'id':{'S':'u'}},'UpdateExpression':'SET a = :a, b = :b','ExpressionAttributeValues':{':a':{'N':'1'},':b':{'S':'x'}},'ReturnValues':'ALL_NEW'}");
  ASSERT_MEMBER (r1, "Attributes", "{'id':{'S':'u'},'a':{'N':'1'},'b':{'S':'x'}}");
  r2 = engine_ok (e, "UpdateItem", "{'TableName':'items','Key':{'id':{'S':'u'}},'UpdateExpression':'ADD a :inc','ExpressionAttributeValues':{':inc':{'N':'2'}},'ReturnValues':'UPDATED_OLD'}");
  ASSERT_MEMBER (r2, "Attributes", "{'a':{'N':'1'}}");
  r3 = engine_ok (e, "UpdateItem", "{'TableName':'items','Key':{'id':{'S':'u'}},'UpdateExpression':'REMOVE b','ReturnValues':'UPDATED_NEW'}");
  g_assert_false (json_object_has_member (r3, "Attributes"));
  r4 = engine_ok (e, "UpdateItem", "{'TableName':'items','Key':{'id':{'S':'u'}},'UpdateExpression':'SET a = a + :one','ExpressionAttributeValues':{':one':{'N':'1'}},'ReturnValues':'UPDATED_NEW'}");
  ASSERT_MEMBER (r4, "Attributes", "{'a':{'N':'4'}}");
  got = engine_ok (e, "GetItem", "{'TableName':'items','Key':{'id':{'S':'u'}}}");
  ASSERT_MEMBER (got, "Item", "{'id':{'S':'u'},'a':{'N':'4'}}");

  ENGINE_FAIL (e, "UpdateItem", "{'TableName':'items','Key':{'id':{'S':'u'}},'UpdateExpression':'SET id = :v','ExpressionAttributeValues':{':v':{'S':'w'}}}",
               "ValidationException", "One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key");
  ENGINE_FAIL (e, "UpdateItem", "{'TableName':'items','Key':{'id':{'S':'u'}},'UpdateExpression':'SET a = :v','ConditionExpression':'attribute_not_exists(a)','ExpressionAttributeValues':{':v':{'S':'w'}}}",
               "ConditionalCheckFailedException", "The conditional request failed");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/ddb/engine/items/put-get", test_put_get);
  g_test_add_func ("/ddb/engine/items/key-validation", test_key_validation);
  g_test_add_func ("/ddb/engine/items/item-size", test_item_size);
  g_test_add_func ("/ddb/engine/items/conditions-return-values", test_conditions_and_return_values);
  g_test_add_func ("/ddb/engine/items/update", test_update);
  return g_test_run ();
}
