/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table operations: CreateTable validation and description, DeleteTable,
 * DescribeTable, ListTables, UpdateTable, TTL settings. */
#include "config.h"

#include "engine-test-util.h"

#define SIMPLE "{'TableName':'%s','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}]," \
               "'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'}"

static void
create_simple (DdbEngine *e, const char *name)
{
  g_autofree char *req = g_strdup_printf (SIMPLE, name);
  ENGINE_OK (e, "CreateTable", req);
}

static void
test_create_validation (void)
{
  g_autoptr(DdbEngine) e = ddb_engine_new ();

  ENGINE_FAIL (e, "CreateTable", "{'KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'}",
               "ValidationException",
               "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null");
  ENGINE_FAIL (e, "CreateTable", "{}", "ValidationException",
               "3 validation errors detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null; "
               "Value null at 'tableName' failed to satisfy constraint: Member must not be null; "
               "Value null at 'keySchema' failed to satisfy constraint: Member must not be null");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'ab','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'}",
               "ValidationException",
               "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'a;','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'}",
               "ValidationException",
               "2 validation errors detected: Value 'a;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
               "Value 'a;' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'abc','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'X'}],'BillingMode':'PAY_PER_REQUEST'}",
               "ValidationException",
               "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'abc','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}]}",
               "ValidationException",
               "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'abc','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'},{'AttributeName':'x','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'}",
               "ValidationException",
               "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'abc','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'other','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'}",
               "ValidationException",
               "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [other]");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'abc','KeySchema':[{'AttributeName':'id','KeyType':'RANGE'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'}",
               "ValidationException", "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'abc','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'},{'AttributeName':'s','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST',"
               "'LocalSecondaryIndexes':[{'IndexName':'lsi','KeySchema':[{'AttributeName':'id','KeyType':'HASH'},{'AttributeName':'s','KeyType':'RANGE'}],'Projection':{'ProjectionType':'ALL'}}]}",
               "ValidationException",
               "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'abc','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST','ProvisionedThroughput':{'ReadCapacityUnits':1,'WriteCapacityUnits':1}}",
               "ValidationException",
               "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  ENGINE_FAIL (e, "CreateTable", "{'TableName':5}", "SerializationException", NULL);
}

static void
test_create_existing (void)
{
  g_autoptr(DdbEngine) e = ddb_engine_new ();

  create_simple (e, "things");
  /* The real service; DynamoDB Local says "Cannot create preexisting table". */
  ENGINE_FAIL (e, "CreateTable", "{'TableName':'things','KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'}",
               "ResourceInUseException", "Table already exists: things");
}

static void
test_describe (void)
{
  g_autoptr(DdbEngine) e = ddb_engine_new ();
  g_autoptr(JsonObject) created = NULL, described = NULL;
  JsonObject *t, *gsi, *lsi;

  created = engine_ok (e, "CreateTable",
    "{'TableName':'music','KeySchema':[{'AttributeName':'artist','KeyType':'HASH'},{'AttributeName':'song','KeyType':'RANGE'}],"
    "'AttributeDefinitions':[{'AttributeName':'artist','AttributeType':'S'},{'AttributeName':'song','AttributeType':'S'},{'AttributeName':'year','AttributeType':'N'},{'AttributeName':'genre','AttributeType':'S'}],"
    "'ProvisionedThroughput':{'ReadCapacityUnits':5,'WriteCapacityUnits':6},"
    "'LocalSecondaryIndexes':[{'IndexName':'by_year','KeySchema':[{'AttributeName':'artist','KeyType':'HASH'},{'AttributeName':'year','KeyType':'RANGE'}],'Projection':{'ProjectionType':'INCLUDE','NonKeyAttributes':['album']}}],"
    "'GlobalSecondaryIndexes':[{'IndexName':'by_genre','KeySchema':[{'AttributeName':'genre','KeyType':'HASH'}],'Projection':{'ProjectionType':'KEYS_ONLY'},'ProvisionedThroughput':{'ReadCapacityUnits':1,'WriteCapacityUnits':1}}],"
    "'StreamSpecification':{'StreamEnabled':true,'StreamViewType':'NEW_AND_OLD_IMAGES'}}");
  t = json_object_get_object_member (created, "TableDescription");
  g_assert_cmpstr (json_object_get_string_member (t, "TableStatus"), ==, "ACTIVE");

  ENGINE_OK (e, "PutItem", "{'TableName':'music','Item':{'artist':{'S':'a'},'song':{'S':'s'},'genre':{'S':'rock'}}}");
  described = engine_ok (e, "DescribeTable", "{'TableName':'music'}");
  t = json_object_get_object_member (described, "Table");
  g_assert_cmpstr (json_object_get_string_member (t, "TableName"), ==, "music");
  g_assert_cmpstr (json_object_get_string_member (t, "TableArn"), ==, "arn:aws:dynamodb:ddblocal:000000000000:table/music");
  g_assert_cmpint (json_object_get_int_member (t, "ItemCount"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (t, "TableSizeBytes"), ==, 6 + 1 + 4 + 1 + 5 + 4);
  ASSERT_MEMBER (t, "KeySchema", "[{'AttributeName':'artist','KeyType':'HASH'},{'AttributeName':'song','KeyType':'RANGE'}]");
  ASSERT_MEMBER (json_object_get_object_member (t, "ProvisionedThroughput"), "ReadCapacityUnits", "5");
  ASSERT_MEMBER (json_object_get_object_member (t, "BillingModeSummary"), "BillingMode", "'PROVISIONED'");
  g_assert_true (json_object_has_member (t, "CreationDateTime"));
  gsi = json_array_get_object_element (json_object_get_array_member (t, "GlobalSecondaryIndexes"), 0);
  g_assert_cmpstr (json_object_get_string_member (gsi, "IndexStatus"), ==, "ACTIVE");
  g_assert_cmpint (json_object_get_int_member (gsi, "ItemCount"), ==, 1);
  ASSERT_MEMBER (gsi, "Projection", "{'ProjectionType':'KEYS_ONLY'}");
  lsi = json_array_get_object_element (json_object_get_array_member (t, "LocalSecondaryIndexes"), 0);
  /* Sparse: the item has no "year". */
  g_assert_cmpint (json_object_get_int_member (lsi, "ItemCount"), ==, 0);
  ASSERT_MEMBER (lsi, "Projection", "{'ProjectionType':'INCLUDE','NonKeyAttributes':['album']}");
  ASSERT_MEMBER (json_object_get_object_member (t, "StreamSpecification"), "StreamViewType", "'NEW_AND_OLD_IMAGES'");

  ENGINE_FAIL (e, "DescribeTable", "{'TableName':'nothere'}", "ResourceNotFoundException",
               "Requested resource not found: Table: nothere not found");
}

static void
test_delete (void)
{
  g_autoptr(DdbEngine) e = ddb_engine_new ();
  g_autoptr(JsonObject) resp = NULL;

  create_simple (e, "gone");
  resp = engine_ok (e, "DeleteTable", "{'TableName':'gone'}");
  ASSERT_MEMBER (json_object_get_object_member (resp, "TableDescription"), "TableStatus", "'DELETING'");
  /* DynamoDB Local: "Cannot do operations on a non-existent table". */
  ENGINE_FAIL (e, "DeleteTable", "{'TableName':'gone'}", "ResourceNotFoundException", "Requested resource not found");
  ENGINE_FAIL (e, "GetItem", "{'TableName':'gone','Key':{'id':{'S':'x'}}}", "ResourceNotFoundException", "Requested resource not found");
}

static void
test_list (void)
{
  g_autoptr(DdbEngine) e = ddb_engine_new ();
  g_autoptr(JsonObject) all = NULL, page1 = NULL, page2 = NULL;

  create_simple (e, "ccc");
  create_simple (e, "aaa");
  create_simple (e, "bbb");
  all = engine_ok (e, "ListTables", "{}");
  ASSERT_MEMBER (all, "TableNames", "['aaa','bbb','ccc']");
  g_assert_false (json_object_has_member (all, "LastEvaluatedTableName"));
  page1 = engine_ok (e, "ListTables", "{'Limit':2}");
  ASSERT_MEMBER (page1, "TableNames", "['aaa','bbb']");
  ASSERT_MEMBER (page1, "LastEvaluatedTableName", "'bbb'");
  page2 = engine_ok (e, "ListTables", "{'Limit':2,'ExclusiveStartTableName':'bbb'}");
  ASSERT_MEMBER (page2, "TableNames", "['ccc']");
  g_assert_false (json_object_has_member (page2, "LastEvaluatedTableName"));
  ENGINE_FAIL (e, "ListTables", "{'Limit':0}", "ValidationException",
               "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
}

static void
test_protocol_errors (void)
{
  g_autoptr(DdbEngine) e = ddb_engine_new ();

  ENGINE_FAIL (e, "Frobnicate", "{}", "UnknownOperationException", NULL);
  ENGINE_FAIL (e, "ListTables", "[]", "SerializationException", NULL);
  ENGINE_FAIL (e, "ListTables", "5", "SerializationException", NULL);
}

static void
test_update_table_gsi (void)
{
  g_autoptr(DdbEngine) e = ddb_engine_new ();
  g_autoptr(JsonObject) resp = NULL, q = NULL;

  create_simple (e, "users");
  ENGINE_OK (e, "PutItem", "{'TableName':'users','Item':{'id':{'S':'1'},'email':{'S':'a@x'}}}");
  ENGINE_OK (e, "PutItem", "{'TableName':'users','Item':{'id':{'S':'2'}}}");
  resp = engine_ok (e, "UpdateTable",
    "{'TableName':'users','AttributeDefinitions':[{'AttributeName':'email','AttributeType':'S'}],"
    "'GlobalSecondaryIndexUpdates':[{'Create':{'IndexName':'by_email','KeySchema':[{'AttributeName':'email','KeyType':'HASH'}],'Projection':{'ProjectionType':'ALL'}}}]}");
  /* Backfilled, and sparse. */
  q = engine_ok (e, "Query", "{'TableName':'users','IndexName':'by_email','KeyConditionExpression':'email = :e','ExpressionAttributeValues':{':e':{'S':'a@x'}}}");
  ASSERT_MEMBER (q, "Items", "[{'id':{'S':'1'},'email':{'S':'a@x'}}]");
  ENGINE_OK (e, "UpdateTable", "{'TableName':'users','GlobalSecondaryIndexUpdates':[{'Delete':{'IndexName':'by_email'}}]}");
  ENGINE_FAIL (e, "Query", "{'TableName':'users','IndexName':'by_email','KeyConditionExpression':'email = :e','ExpressionAttributeValues':{':e':{'S':'a@x'}}}",
               "ValidationException", "The table does not have the specified index: by_email");
}

static void
test_ttl_settings (void)
{
  g_autoptr(DdbEngine) e = ddb_engine_new ();
  g_autoptr(JsonObject) d1 = NULL, d2 = NULL, u = NULL;

  create_simple (e, "sessions");
  d1 = engine_ok (e, "DescribeTimeToLive", "{'TableName':'sessions'}");
  ASSERT_MEMBER (d1, "TimeToLiveDescription", "{'TimeToLiveStatus':'DISABLED'}");
  u = engine_ok (e, "UpdateTimeToLive", "{'TableName':'sessions','TimeToLiveSpecification':{'AttributeName':'exp','Enabled':true}}");
  ASSERT_MEMBER (u, "TimeToLiveSpecification", "{'AttributeName':'exp','Enabled':true}");
  d2 = engine_ok (e, "DescribeTimeToLive", "{'TableName':'sessions'}");
  ASSERT_MEMBER (d2, "TimeToLiveDescription", "{'TimeToLiveStatus':'ENABLED','AttributeName':'exp'}");
  ENGINE_FAIL (e, "UpdateTimeToLive", "{'TableName':'sessions','TimeToLiveSpecification':{'AttributeName':'exp','Enabled':true}}",
               "ValidationException", "TimeToLive is already enabled");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/ddb/engine/tables/create-validation", test_create_validation);
  g_test_add_func ("/ddb/engine/tables/create-existing", test_create_existing);
  g_test_add_func ("/ddb/engine/tables/describe", test_describe);
  g_test_add_func ("/ddb/engine/tables/delete", test_delete);
  g_test_add_func ("/ddb/engine/tables/list", test_list);
  g_test_add_func ("/ddb/engine/tables/protocol-errors", test_protocol_errors);
  g_test_add_func ("/ddb/engine/tables/update-table-gsi", test_update_table_gsi);
  g_test_add_func ("/ddb/engine/tables/ttl-settings", test_ttl_settings);
  return g_test_run ();
}
