/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the memory engine's request entry. The first byte picks
 * the operation, the rest is the JSON body, as dynamorm-server hands it
 * over (pre-scan, parse, ddb_engine_handle); the answer must be JSON that
 * parses again. Every input starts on the same engine state: one table
 * (hash + range key, a GSI and a stream) holding one item, at a fixed
 * clock. The engine is kept across inputs while they change nothing (most
 * are refused), and built again after one that wrote (the commit function
 * and the change listener tell), so runs stay independent and
 * reproducible at a few times the speed of a fresh engine per input.
 * Must never crash, hang or leak. */
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

static DdbEngine *shared_engine;   /* kept across inputs */
static gboolean dirty;

static gint64
fixed_clock (gpointer user_data)
{
  return G_GINT64_CONSTANT (1764892800000);  /* 2025-12-05T00:00:00Z */
}

static gboolean
on_commit (const char *operation, JsonObject *request, const char *request_text, gsize request_len,
           gint64 time_ms, gpointer user_data, GError **error)
{
  dirty = TRUE;
  return TRUE;
}

static void
on_change (const DdbChange *change, gpointer user_data)
{
  dirty = TRUE;
}

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

static DdbEngine *
fresh_engine (void)
{
  DdbEngine *e = ddb_engine_new ();

  ddb_engine_set_clock (e, fixed_clock, NULL);
  call (e, "CreateTable", create_table, strlen (create_table));
  call (e, "PutItem", seed_item, strlen (seed_item));
  ddb_engine_set_commit_func (e, on_commit, NULL);
  ddb_engine_add_change_listener (e, on_change, NULL, NULL);
  dirty = FALSE;
  return e;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  if (size < 1)
    return 0;
  if (shared_engine == NULL)
    shared_engine = fresh_engine ();
  call (shared_engine, operations[data[0] % G_N_ELEMENTS (operations)], (const char *) data + 1, size - 1);
  /* Built again within the same input, so that the input frees about as
   * much as it allocates (libFuzzer looks for leaks when it does not). */
  if (dirty)
    {
      ddb_engine_unref (shared_engine);
      shared_engine = fresh_engine ();
    }
  return 0;
}
