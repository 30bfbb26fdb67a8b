/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DescribeLimits (DynamoDB Local's figures), DescribeEndpoints and table
 * tags (TagResource, UntagResource, ListTagsOfResource) as the service
 * answers them. */
#include "config.h"

#include "engine-test-util.h"

#define ARN "arn:aws:dynamodb:ddblocal:000000000000:table/Tagged"

static void
test_limits_and_endpoints (void)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autoptr(JsonObject) limits = engine_ok (engine, "DescribeLimits", "{}");
  g_autoptr(JsonObject) endpoints = engine_ok (engine, "DescribeEndpoints", "{}");

  g_assert_cmpint (json_object_get_int_member (limits, "AccountMaxReadCapacityUnits"), ==, 80000);
  g_assert_cmpint (json_object_get_int_member (limits, "TableMaxWriteCapacityUnits"), ==, 40000);
  ASSERT_MEMBER (endpoints, "Endpoints", "[{'Address':'localhost','CachePeriodInMinutes':1440}]");
}

static void
test_tags (void)
{
  g_autoptr(DdbEngine) engine = ddb_engine_new ();
  g_autoptr(JsonObject) listed = NULL;

  ENGINE_OK (engine, "CreateTable",
             "{'TableName':'Tagged','AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}],"
             "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],'BillingMode':'PAY_PER_REQUEST'}");
  ENGINE_OK (engine, "TagResource", "{'ResourceArn':'" ARN "','Tags':[{'Key':'team','Value':'a'},{'Key':'env','Value':'dev'}]}");
  ENGINE_OK (engine, "TagResource", "{'ResourceArn':'" ARN "','Tags':[{'Key':'team','Value':'b'}]}");
  listed = engine_ok (engine, "ListTagsOfResource", "{'ResourceArn':'" ARN "'}");
  ASSERT_MEMBER (listed, "Tags", "[{'Key':'env','Value':'dev'},{'Key':'team','Value':'b'}]");
  ENGINE_OK (engine, "UntagResource", "{'ResourceArn':'" ARN "','TagKeys':['env','none']}");
  g_clear_pointer (&listed, json_object_unref);
  listed = engine_ok (engine, "ListTagsOfResource", "{'ResourceArn':'" ARN "'}");
  ASSERT_MEMBER (listed, "Tags", "[{'Key':'team','Value':'b'}]");

  ENGINE_FAIL (engine, "TagResource", "{'ResourceArn':'" ARN "x','Tags':[{'Key':'a','Value':'1'}]}",
               "ResourceNotFoundException", "Requested resource not found: ResourcArn: " ARN "x not found");
  ENGINE_FAIL (engine, "TagResource", "{'ResourceArn':'bad','Tags':[{'Key':'a','Value':'1'}]}",
               "ValidationException", "Invalid TableArn: Invalid ResourceArn provided as input bad");
  ENGINE_FAIL (engine, "TagResource", "{'ResourceArn':'" ARN "','Tags':[{'Key':'','Value':'1'}]}",
               "ValidationException",
               "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1");
  ENGINE_FAIL (engine, "TagResource", "{'ResourceArn':'" ARN "'}", "ValidationException",
               "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
  ENGINE_FAIL (engine, "ListTagsOfResource", "{}", "ValidationException",
               "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/account/limits-and-endpoints", test_limits_and_endpoints);
  g_test_add_func ("/engine/account/tags", test_tags);
  return g_test_run ();
}
