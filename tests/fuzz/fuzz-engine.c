/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the memory engine's request entry. The first byte picks
 * the operation, the rest is the JSON body, as dynamorm-server hands it
 * over (pre-scan, parse, ddb_engine_handle); the answer must be JSON that
 * parses again. A fresh engine with one table (hash + range key, a GSI and
 * a stream) per input keeps runs independent. Must never crash, hang or
 * leak. */
#include <string.h>
#include "ddb-engine.h"
#include "ddb-json.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const char *const operations[] = {
  "PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan",
  "BatchGetItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems",
  "CreateTable", "UpdateTable", "DescribeTable", "DeleteTable", "ListTables",
  "UpdateTimeToLive", "DescribeTimeToLive", "ExecuteStatement",
  "BatchExecuteStatement", "ExecuteTransaction", "TagResource", "NoSuchOperation",
};

static const char create_table[] =
  "{\"TableName\":\"ttt\",\"BillingMode\":\"PAY_PER_REQUEST\","
  "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
  "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"},{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],"
  "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
  "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by-g\",\"KeySchema\":[{\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}],"
  "\"Projection\":{\"ProjectionType\":\"ALL\"}}],"
  "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}";
static const char seed_item[] =
  "{\"TableName\":\"ttt\",\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"g\":{\"S\":\"x\"},"
  "\"l\":{\"L\":[{\"N\":\"1\"},{\"M\":{\"k\":{\"SS\":[\"a\",\"b\"]}}}]},\"b\":{\"B\":\"AAE=\"}}}";

static void
call (DdbEngine *engine, const char *operation, const char *text, gsize len)
{
  g_autoptr(JsonNode) request = ddb_json_parse (text, len, NULL, NULL);
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) again = NULL;
  guint status = 0;

  if (request == NULL)
    return;
  response = ddb_engine_handle (engine, operation, request, &status);
  g_assert (response != NULL);
  g_assert (status == 200 || status == 400 || status == 500);
  out = ddb_json_to_string (response);
  again = ddb_json_parse (out, strlen (out), NULL, NULL);
  g_assert (again != NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  DdbEngine *engine;

  if (size < 1)
    return 0;
  engine = ddb_engine_new ();
  call (engine, "CreateTable", create_table, strlen (create_table));
  call (engine, "PutItem", seed_item, strlen (seed_item));
  call (engine, operations[data[0] % G_N_ELEMENTS (operations)], (const char *) data + 1, size - 1);
  ddb_engine_unref (engine);
  return 0;
}
