/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The engine's direct path: packed PutItem/GetItem must store and answer
 * exactly what the JSON requests do, and decline everything else. */
#include "config.h"

#include "engine-test-util.h"
#include "ddb-engine-private.h"

/* ---- numbers: the canonical-text scan agrees with parse + print ---- */

static void
check_number (const char *text)
{
  DdbNumber n;
  gboolean parsed = ddb_number_parse (text, &n, NULL);
  g_autofree char *printed = parsed ? ddb_number_to_string (&n) : NULL;
  gboolean expect = parsed && g_str_equal (printed, text);
  int ndigits = -1;
  gboolean canonical = ddb_number_text_is_canonical (text, strlen (text), &ndigits);

  if (canonical != expect)
    g_error ("“%s”: canonical scan says %d, parse and print say %d (%s)", text, canonical, expect,
             printed ? printed : "unparsable");
  if (canonical)
    g_assert_cmpint (ndigits, ==, n.ndigits);
}

static void
test_number_canonical (void)
{
  static const char *const corpus[] = {
    "0", "-0", "1", "-1", "10", "100", "1.5", "1.50", "01", "0.1", ".1", "1.", "-0.5", "1e2",
    "1E+2", "0.000123", "+1", " 1", "1 ", "--1", "1.0", "0.0", "", "-", "0.", "00", "-01.5",
    "12345678901234567890123456789012345678", "123456789012345678901234567890123456789",
    "12345678901234567890123456789012345678000", "1.2345678901234567890123456789012345678",
    "1.23456789012345678901234567890123456789", "98.5", "-9223372036854775808",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);

  for (guint i = 0; i < G_N_ELEMENTS (corpus); i++)
    check_number (corpus[i]);

  /* Around the range limits: 1E+125 fits, 1E+126 does not; 1E-130 fits. */
  for (int zeros = 120; zeros <= 132; zeros++)
    {
      g_autofree char *big = g_strnfill (zeros + 1, '0');
      g_autofree char *small = NULL;
      g_autofree char *pad = g_strnfill (zeros, '0');

      big[0] = '1';
      check_number (big);
      small = g_strconcat ("0.", pad, "1", NULL);
      check_number (small);
    }

  /* Random texts from the characters numbers are made of. */
  for (guint i = 0; i < 20000; i++)
    {
      static const char alphabet[] = "0000111223456789.-";
      char text[24];
      int len = g_rand_int_range (rand, 1, sizeof text);

      for (int j = 0; j < len; j++)
        text[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      text[len] = '\0';
      check_number (text);
    }
}

/* ---- sizes: the packed check counts as ddb_item_size() does ---- */

static JsonNode *random_value (GRand *rand, int depth);

static JsonNode *
random_scalar_text (GRand *rand, const char *type)
{
  static const char *const numbers[] = { "0", "1", "-7", "98.5", "1.50", "1E+3", "0.000001",
                                         "12345678901234567890123456789012345678", "-0.25" };
  static const char *const strings[] = { "", "a", "hello world", "ünïcödé", "0123456789abcdef" };
  static const char *const binaries[] = { "", "AA==", "AAE=", "AAEC", "aGVsbG8gd29ybGQ=" };
  g_autofree char *text = NULL;

  if (g_str_equal (type, "N"))
    text = g_strdup_printf ("{'N': '%s'}", numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (numbers))]);
  else if (g_str_equal (type, "S"))
    text = g_strdup_printf ("{'S': '%s'}", strings[g_rand_int_range (rand, 0, G_N_ELEMENTS (strings))]);
  else
    text = g_strdup_printf ("{'B': '%s'}", binaries[g_rand_int_range (rand, 0, G_N_ELEMENTS (binaries))]);
  return engine_parse (text);
}

static JsonNode *
random_value (GRand *rand, int depth)
{
  switch (g_rand_int_range (rand, 0, depth > 3 ? 6 : 10))
    {
    case 0: return random_scalar_text (rand, "S");
    case 1: return random_scalar_text (rand, "N");
    case 2: return random_scalar_text (rand, "B");
    case 3: return engine_parse (g_rand_boolean (rand) ? "{'BOOL': true}" : "{'BOOL': false}");
    case 4: return engine_parse ("{'NULL': true}");
    case 5: return engine_parse (g_rand_boolean (rand) ? "{'SS': ['a', 'bb', '']}" : "{'NS': ['1', '2.50', '-3']}");
    case 6: case 7:
      {
        JsonArray *list = json_array_new ();
        JsonObject *av = json_object_new ();
        int n = g_rand_int_range (rand, 0, 4);

        for (int i = 0; i < n; i++)
          json_array_add_element (list, random_value (rand, depth + 1));
        json_object_set_array_member (av, "L", list);
        return json_node_init_object (json_node_alloc (), av);
      }
    default:
      {
        JsonObject *map = json_object_new ();
        JsonObject *av = json_object_new ();
        int n = g_rand_int_range (rand, 0, 4);

        for (int i = 0; i < n; i++)
          {
            g_autofree char *name = g_strdup_printf ("k%d", i);
            json_object_set_member (map, name, random_value (rand, depth + 1));
          }
        json_object_set_object_member (av, "M", map);
        return json_node_init_object (json_node_alloc (), av);
      }
    }
}

static void
test_check_size (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr(JsonObject) item = json_object_new ();
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *blob = NULL;
      int n = g_rand_int_range (rand, 1, 12);
      gsize len = 0, size = 0;

      for (int i = 0; i < n; i++)
        {
          g_autofree char *name = g_strdup_printf ("attr%d", i);
          json_object_set_member (item, name, random_value (rand, 0));
        }
      g_assert_true (ddb_item_validate (item, &error));
      g_assert_no_error (error);
      blob = ddb_blob_encode (item, &len);
      g_assert_true (ddb_blob_check (blob, len, &size));
      g_assert_cmpuint (size, ==, ddb_item_size (item));

      /* Any truncation is refused, never read past. */
      for (gsize cut = 0; cut < len; cut += 1 + len / 16)
        {
          g_autofree guint8 *part = g_memdup2 (blob, cut);
          g_assert_false (ddb_blob_check (part, cut, &size));
        }
    }
}

/* ---- put and get ---- */

static DdbEngine *
engine_with_table (void)
{
  DdbEngine *engine = ddb_engine_new ();
  g_autoptr(JsonObject) r = engine_ok (engine, "CreateTable",
    "{'TableName': 'users', 'BillingMode': 'PAY_PER_REQUEST',"
    " 'AttributeDefinitions': [{'AttributeName': 'id', 'AttributeType': 'S'},"
    "                          {'AttributeName': 'email', 'AttributeType': 'S'}],"
    " 'KeySchema': [{'AttributeName': 'id', 'KeyType': 'HASH'}],"
    " 'GlobalSecondaryIndexes': [{'IndexName': 'by-email',"
    "   'KeySchema': [{'AttributeName': 'email', 'KeyType': 'HASH'}],"
    "   'Projection': {'ProjectionType': 'ALL'}}]}");
  return engine;
}

/* The item's packed form, from its JSON text. */
static guint8 *
pack (const char *item_text, gsize *len)
{
  g_autoptr(JsonNode) node = engine_parse (item_text);
  g_autoptr(GByteArray) out = g_byte_array_new ();

  ddb_packed_put_json_item (out, json_node_get_object (node));
  *len = out->len;
  return g_byte_array_free (g_steal_pointer (&out), FALSE);
}

static DdbDirectResult
put_packed (DdbEngine *engine, const char *table, const char *item_text)
{
  gsize len;
  guint8 *item = pack (item_text, &len);
  DdbDirectResult result = ddb_engine_put_packed (engine, table, item, len);

  if (result != DDB_DIRECT_DONE)
    g_free (item);
  return result;
}

static char *
get_item_text (DdbEngine *engine, const char *id)
{
  g_autofree char *req = g_strdup_printf ("{'TableName': 'users', 'Key': {'id': {'S': '%s'}}}", id);
  g_autoptr(JsonObject) r = engine_ok (engine, "GetItem", req);
  JsonNode *item = json_object_get_member (r, "Item");

  return item ? engine_node_text (item) : NULL;
}

static gint64
item_count (DdbEngine *engine)
{
  g_autoptr(JsonObject) r = engine_ok (engine, "Scan", "{'TableName': 'users', 'Select': 'COUNT'}");

  return json_object_get_int_member (r, "Count");
}

static void
test_put_get (void)
{
  g_autoptr(DdbEngine) engine = engine_with_table ();
  const char *item = "{'id': {'S': 'u1'}, 'email': {'S': 'a@b'}, 'n': {'N': '98.5'},"
                     " 'tags': {'SS': ['x', 'y']}, 'm': {'M': {'k': {'L': [{'NULL': true}, {'BOOL': false}]}}}}";
  g_autofree char *via_json = NULL, *via_direct = NULL;
  g_autofree char *put = g_strdup_printf ("{'TableName': 'users', 'Item': %s}", item);
  g_autoptr(JsonObject) r = NULL;
  g_autofree guint8 *got = NULL, *got2 = NULL;
  g_autofree guint8 *key = NULL, *missing = NULL;
  gsize len, key_len, missing_len;

  /* The same item stored both ways reads back the same. */
  r = engine_ok (engine, "PutItem", put);
  via_json = get_item_text (engine, "u1");
  g_assert_cmpint (put_packed (engine, "users", item), ==, DDB_DIRECT_DONE);
  via_direct = get_item_text (engine, "u1");
  g_assert_cmpstr (via_direct, ==, via_json);

  /* Packed GetItem: the stored item, or absent. */
  key = pack ("{'id': {'S': 'u1'}}", &key_len);
  g_assert_cmpint (ddb_engine_get_packed (engine, "users", key, key_len, &got, &len), ==, DDB_DIRECT_DONE);
  {
    g_autoptr(JsonObject) decoded = ddb_packed_to_json_item (got);
    JsonNode *node = json_node_init_object (json_node_alloc (), decoded);
    g_autofree char *text = engine_node_text (node);

    json_node_unref (node);
    g_assert_cmpstr (text, ==, via_json);
  }
  missing = pack ("{'id': {'S': 'nobody'}}", &missing_len);
  g_assert_cmpint (ddb_engine_get_packed (engine, "users", missing, missing_len, &got2, &len), ==, DDB_DIRECT_ABSENT);
  g_assert_null (got2);

  /* The index sees direct puts. */
  g_clear_pointer (&r, json_object_unref);
  r = engine_ok (engine, "Query", "{'TableName': 'users', 'IndexName': 'by-email',"
                 " 'KeyConditionExpression': 'email = :e', 'ExpressionAttributeValues': {':e': {'S': 'a@b'}}}");
  g_assert_cmpint (json_object_get_int_member (r, "Count"), ==, 1);
}

static void
test_scan_after_direct_puts (void)
{
  g_autoptr(DdbEngine) engine = engine_with_table ();
  g_autoptr(JsonObject) r = NULL;

  /* New partitions wait outside the scan order until a Scan: deleting some
   * before and after that must leave Scan and its pages right. */
  for (int i = 0; i < 300; i++)
    {
      g_autofree char *item = g_strdup_printf ("{'id': {'S': 'u%d'}}", i);
      g_assert_cmpint (put_packed (engine, "users", item), ==, DDB_DIRECT_DONE);
    }
  for (int i = 0; i < 300; i += 3)
    {
      g_autofree char *req = g_strdup_printf ("{'TableName': 'users', 'Key': {'id': {'S': 'u%d'}}}", i);
      g_autoptr(JsonObject) d = engine_ok (engine, "DeleteItem", req);
    }
  g_assert_cmpint (item_count (engine), ==, 200);
  for (int i = 1; i < 300; i += 3)
    {
      g_autofree char *req = g_strdup_printf ("{'TableName': 'users', 'Key': {'id': {'S': 'u%d'}}}", i);
      g_autoptr(JsonObject) d = engine_ok (engine, "DeleteItem", req);
    }
  for (int i = 300; i < 350; i++)
    {
      g_autofree char *item = g_strdup_printf ("{'id': {'S': 'u%d'}}", i);
      g_assert_cmpint (put_packed (engine, "users", item), ==, DDB_DIRECT_DONE);
    }

  /* Paged with Limit, every item exactly once. */
  {
    g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *start = NULL;

    do
      {
        g_autofree char *req = start
          ? g_strdup_printf ("{'TableName': 'users', 'Limit': 7, 'ExclusiveStartKey': %s}", start)
          : g_strdup ("{'TableName': 'users', 'Limit': 7}");
        g_autoptr(JsonObject) page = engine_ok (engine, "Scan", req);
        JsonArray *items = json_object_get_array_member (page, "Items");

        for (guint i = 0; i < json_array_get_length (items); i++)
          {
            JsonObject *it = json_array_get_object_element (items, i);
            const char *id = json_object_get_string_member (json_object_get_object_member (it, "id"), "S");
            g_assert_true (g_hash_table_add (seen, g_strdup (id)));
          }
        g_clear_pointer (&start, g_free);
        if (json_object_has_member (page, "LastEvaluatedKey"))
          start = engine_node_text (json_object_get_member (page, "LastEvaluatedKey"));
      }
    while (start != NULL);
    g_assert_cmpuint (g_hash_table_size (seen), ==, 150);
  }
}

/* Items the direct path must decline, each with the error the JSON
 * request gets (NULL: the JSON request succeeds, as for sets too large to
 * check here). */
static void
test_declines (void)
{
  static const struct {
    const char *table, *item, *error_type;
  } cases[] = {
    { "nosuch", "{'id': {'S': 'u1'}}", "ResourceNotFoundException" },
    { "users", "{'name': {'S': 'no key'}}", "ValidationException" },
    { "users", "{'id': {'N': '1'}}", "ValidationException" },
    { "users", "{'id': {'S': ''}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, 'email': {'N': '5'}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, 'email': {'S': ''}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, 'n': {'N': '1e999'}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, 's': {'SS': []}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, 's': {'SS': ['a', 'a']}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, 's': {'NS': ['1', '1.0']}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, 's': {'BS': ['AA==']}}", NULL },
    { "users", "{'id': {'S': 'u1'}, 'z': {'NULL': false}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, '': {'S': 'x'}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, 'm': {'M': {'': {'S': 'x'}}}}", "ValidationException" },
    { "users", "{'id': {'S': 'u1'}, 'b': {'B': 'not base64!'}}", "SerializationException" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DdbEngine) engine = engine_with_table ();
      g_autofree char *req = g_strdup_printf ("{'TableName': '%s', 'Item': %s}", cases[i].table, cases[i].item);

      g_test_message ("case %u: %s", i, cases[i].item);
      g_assert_cmpint (put_packed (engine, cases[i].table, cases[i].item), ==, DDB_DIRECT_DECLINED);
      g_assert_cmpint (item_count (engine), ==, 0);
      if (cases[i].error_type != NULL)
        {
          g_autoptr(JsonObject) body = engine_fail (engine, "PutItem", req, cases[i].error_type, NULL);
        }
      else
        {
          g_autoptr(JsonObject) r = engine_ok (engine, "PutItem", req);
        }
    }

  /* A number not in canonical form (the JSON path stores it as 1.5). */
  {
    g_autoptr(DdbEngine) engine = engine_with_table ();
    g_autoptr(GByteArray) out = g_byte_array_new ();
    guint item = ddb_packed_begin_item (out), mark;

    mark = ddb_packed_begin_attr (out, "id", 2);
    ddb_packed_put_scalar (out, DDB_TYPE_S, "u1", 2);
    ddb_packed_end_attr (out, mark);
    mark = ddb_packed_begin_attr (out, "n", 1);
    ddb_packed_put_scalar (out, DDB_TYPE_N, "1.50", 4);
    ddb_packed_end_attr (out, mark);
    ddb_packed_end_item (out, item, 2);
    g_assert_cmpint (ddb_engine_put_packed (engine, "users", out->data, out->len), ==, DDB_DIRECT_DECLINED);
    g_assert_cmpint (item_count (engine), ==, 0);
  }

  /* Too deep, too big, and malformed buffers. */
  {
    g_autoptr(DdbEngine) engine = engine_with_table ();
    g_autoptr(GString) deep = g_string_new ("{'id': {'S': 'u1'}, 'd': ");
    g_autofree char *big = g_strnfill (400 * 1024, 'x');
    g_autofree char *big_item = g_strdup_printf ("{'id': {'S': 'u1'}, 'big': {'S': '%s'}}", big);
    guint8 junk[] = { 1, 0, 0, 0, 2, 0, 0, 0, 'i', 'd', 0, 200, 0, 0, 0, 1 };

    for (int i = 0; i < 32; i++)
      g_string_append (deep, "{'L': [");
    g_string_append (deep, "{'S': 'x'}");
    for (int i = 0; i < 32; i++)
      g_string_append (deep, "]}");
    g_string_append (deep, "}");
    g_assert_cmpint (put_packed (engine, "users", deep->str), ==, DDB_DIRECT_DECLINED);
    g_assert_cmpint (put_packed (engine, "users", big_item), ==, DDB_DIRECT_DECLINED);
    g_assert_cmpint (ddb_engine_put_packed (engine, "users", junk, sizeof junk), ==, DDB_DIRECT_DECLINED);
    g_assert_cmpint (ddb_engine_put_packed (engine, "users", junk, 3), ==, DDB_DIRECT_DECLINED);
    g_assert_cmpint (item_count (engine), ==, 0);
  }

  /* GetItem keys: wrong attribute, wrong type, extra attribute. */
  {
    g_autoptr(DdbEngine) engine = engine_with_table ();
    static const char *const keys[] = {
      "{'name': {'S': 'u1'}}", "{'id': {'N': '1'}}", "{'id': {'S': 'u1'}, 'x': {'S': 'y'}}",
      "{'id': {'S': ''}}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      {
        gsize len, out_len;
        g_autofree guint8 *key = pack (keys[i], &len);
        g_autofree guint8 *out = NULL;

        g_assert_cmpint (ddb_engine_get_packed (engine, "users", key, len, &out, &out_len), ==, DDB_DIRECT_DECLINED);
        g_assert_null (out);
      }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/direct/number-canonical", test_number_canonical);
  g_test_add_func ("/engine/direct/check-size", test_check_size);
  g_test_add_func ("/engine/direct/put-get", test_put_get);
  g_test_add_func ("/engine/direct/scan-after-direct-puts", test_scan_after_direct_puts);
  g_test_add_func ("/engine/direct/declines", test_declines);
  return g_test_run ();
}
