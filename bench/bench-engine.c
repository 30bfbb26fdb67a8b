/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-engine: PutItem and GetItem of a 10-attribute item from one thread,
 * including parsing each request's JSON text as a caller would. */
#include "config.h"

#include "ddb-engine.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  json_parser_load_from_data (parser, text, -1, NULL);
  return json_node_ref (json_parser_get_root (parser));
}

static void
run (DdbEngine *e, const char *op, int n, gboolean put)
{
  gint64 start = g_get_monotonic_time ();
  double secs;

  for (int i = 0; i < n; i++)
    {
      char text[1024];
      guint status;
      JsonNode *req, *resp;
      if (put)
        g_snprintf (text, sizeof text,
                    "{\"TableName\":\"bench\",\"Item\":{\"id\":{\"S\":\"user-%d\"},\"name\":{\"S\":\"Ada Lovelace\"},"
                    "\"age\":{\"N\":\"36\"},\"email\":{\"S\":\"ada@example.com\"},\"active\":{\"BOOL\":true},"
                    "\"score\":{\"N\":\"98.5\"},\"city\":{\"S\":\"London\"},\"tags\":{\"SS\":[\"math\",\"code\"]},"
                    "\"created\":{\"N\":\"1700000000\"},\"note\":{\"S\":\"first programmer\"}}}", i);
      else
        g_snprintf (text, sizeof text, "{\"TableName\":\"bench\",\"Key\":{\"id\":{\"S\":\"user-%d\"}}}", i);
      req = parse (text);
      resp = ddb_engine_handle (e, op, req, &status);
      g_assert (status == 200);
      json_node_unref (resp);
      json_node_unref (req);
    }
  secs = (g_get_monotonic_time () - start) / 1e6;
  g_print ("%-8s %8d ops in %.3f s: %.0f ops/s\n", op, n, secs, n / secs);
}

int
main (int argc, char **argv)
{
  g_autoptr(DdbEngine) e = ddb_engine_new ();
  int n = argc > 1 ? atoi (argv[1]) : 200000;
  guint status;
  JsonNode *req = parse ("{\"TableName\":\"bench\",\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
                         "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");

  json_node_unref (ddb_engine_handle (e, "CreateTable", req, &status));
  json_node_unref (req);
  run (e, "PutItem", n, TRUE);
  run (e, "GetItem", n, FALSE);
  return 0;
}
