/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PartiQL in the engine: ExecuteStatement, BatchExecuteStatement and
 * ExecuteTransaction, with DynamoDB Local's answers and messages. */
#include "config.h"

#include "engine-test-util.h"

/* Requests here write JSON's quotes as ` (statements use ' for strings). */
static JsonNode *
pq_call (DdbEngine *engine, const char *op, const char *text, guint *status)
{
  g_autofree char *json = g_strdup (text);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  for (char *p = json; *p; p++)
    if (*p == '`')
      *p = '"';
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return ddb_engine_handle (engine, op, json_parser_get_root (parser), status);
}

static JsonObject *
pq_ok (DdbEngine *engine, const char *op, const char *text)
{
  guint status = 0;
  g_autoptr(JsonNode) node = pq_call (engine, op, text, &status);

  if (status != 200)
    {
      g_autofree char *body = engine_node_text (node);
      g_error ("%s %s failed: %u %s", op, text, status, body);
    }
  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
pq_fail (DdbEngine *engine, const char *op, const char *text, const char *type, const char *message)
{
  guint status = 0;
  g_autoptr(JsonNode) node = pq_call (engine, op, text, &status);
  JsonObject *body = json_node_get_object (node);
  const char *t = json_object_get_string_member (body, "__type");
  const char *m = json_object_has_member (body, "message") ? json_object_get_string_member (body, "message")
                                                            : json_object_get_string_member_with_default (body, "Message", NULL);

  if (status == 200)
    g_error ("%s %s should have failed with %s", op, text, type);
  g_assert_cmpstr (strchr (t, '#') + 1, ==, type);
  if (message != NULL)
    g_assert_cmpstr (m, ==, message);
  return json_object_ref (body);
}

#define PQ_OK(e, op, text) json_object_unref (pq_ok ((e), (op), (text)))
#define PQ_FAIL(e, op, text, type, msg) json_object_unref (pq_fail ((e), (op), (text), (type), (msg)))

static DdbEngine *
engine_with_table (void)
{
  DdbEngine *engine = ddb_engine_new ();

  ENGINE_OK (engine, "CreateTable",
             "{'TableName':'Music','AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'},"
             "{'AttributeName':'sk','AttributeType':'N'},{'AttributeName':'g','AttributeType':'S'}],"
             "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},{'AttributeName':'sk','KeyType':'RANGE'}],"
             "'BillingMode':'PAY_PER_REQUEST','GlobalSecondaryIndexes':[{'IndexName':'byG',"
             "'KeySchema':[{'AttributeName':'g','KeyType':'HASH'}],'Projection':{'ProjectionType':'ALL'}}]}");
  PQ_OK (engine, "ExecuteStatement",
             "{`Statement`:`INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'g': 'x', 'n': 5, 'l': [1, 'two'], "
             "'m': {'k': true}, 's': <<'p','q'>>, 'z': null}`}");
  PQ_OK (engine, "ExecuteStatement",
             "{`Statement`:`INSERT INTO \\\"Music\\\" VALUE {'pk': ?, 'sk': ?, 'g': 'x'}`,`Parameters`:[{`S`:`b`},{`N`:`2`}]}");
  PQ_OK (engine, "ExecuteStatement", "{`Statement`:`INSERT INTO Music VALUE {'pk': 'a', 'sk': 2, 'n': -1.5}`}");
  return engine;
}

/* Items of a statement, as compact JSON sorted by (pk, sk) via the keys. */
static guint
count_items (DdbEngine *engine, const char *request)
{
  g_autoptr(JsonObject) resp = pq_ok (engine, "ExecuteStatement", request);
  return json_array_get_length (json_object_get_array_member (resp, "Items"));
}

static void
test_select (void)
{
  g_autoptr(DdbEngine) engine = engine_with_table ();
  g_autoptr(JsonObject) resp = NULL;

  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music`}"), ==, 3);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE pk = 'a'`}"), ==, 2);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`select * from Music where pk = 'a' and sk > 1`}"), ==, 1);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE pk = 'a' AND sk > 0 AND n = 5`}"), ==, 1);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE pk = 'a' AND sk > 0 AND sk < 2`}"), ==, 1);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE n > 0`}"), ==, 1);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE n IS MISSING`}"), ==, 1);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE z IS NULL`}"), ==, 1);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE z IS NOT NULL AND n IS NOT MISSING`}"), ==, 1);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE pk IN ['a', 'b']`}"), ==, 3);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE begins_with(pk, 'b') OR sk BETWEEN 2 AND 3`}"), ==, 2);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE contains(l, 'two') AND size(l) = 2`}"), ==, 1);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE NOT (attribute_type(n, 'N'))`}"), ==, 1);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music.byG WHERE g = 'x'`}"), ==, 2);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM \\\"Music\\\".\\\"byG\\\" WHERE g = ?`,`Parameters`:[{`S`:`x`}]}"), ==, 2);
  /* Double quotes name an attribute: pk = the attribute a, which no item has. */
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE pk = \\\"a\\\"`}"), ==, 0);

  /* Projections answer under the path's last name. */
  resp = pq_ok (engine, "ExecuteStatement", "{`Statement`:`SELECT pk, n, l[1], m.k FROM Music WHERE pk = 'a' AND sk = 1`}");
  ASSERT_MEMBER (resp, "Items", "[{'pk':{'S':'a'},'n':{'N':'5'},'l[1]':{'S':'two'},'k':{'BOOL':true}}]");
  g_clear_pointer (&resp, json_object_unref);
  resp = pq_ok (engine, "ExecuteStatement", "{`Statement`:`SELECT sk FROM Music WHERE pk = 'a' ORDER BY sk DESC`}");
  ASSERT_MEMBER (resp, "Items", "[{'sk':{'N':'2'}},{'sk':{'N':'1'}}]");
}

static void
test_paging (void)
{
  g_autoptr(DdbEngine) engine = engine_with_table ();
  g_autofree char *next = NULL;
  guint seen = 0;

  for (;;)
    {
      g_autofree char *req = next ? g_strdup_printf ("{`Statement`:`SELECT * FROM Music`,`Limit`:1,`NextToken`:`%s`}", next)
                                  : g_strdup ("{`Statement`:`SELECT * FROM Music`,`Limit`:1}");
      g_autoptr(JsonObject) resp = pq_ok (engine, "ExecuteStatement", req);
      seen += json_array_get_length (json_object_get_array_member (resp, "Items"));
      g_free (next);
      next = g_strdup (json_object_get_string_member_with_default (resp, "NextToken", NULL));
      if (next == NULL)
        break;
      g_assert_cmpuint (seen, <=, 3);
    }
  g_assert_cmpuint (seen, ==, 3);
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM Music`,`NextToken`:`garbage`}",
               "ValidationException", "Invalid NextToken");
}

static void
test_writes (void)
{
  g_autoptr(DdbEngine) engine = engine_with_table ();
  g_autoptr(JsonObject) resp = NULL;

  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`INSERT INTO Music VALUE {'pk': 'a', 'sk': 1}`}",
               "DuplicateItemException", "Duplicate primary key exists in table");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`INSERT INTO Music VALUE {'pk': 'q'}`}",
               "ValidationException", "Key attribute should be present in the item: Key sk");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`INSERT INTO Music VALUE {'pk': 1, 'sk': 1}`}",
               "ValidationException", "Key attribute's data type should match its data type in table's schema: Key pk");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`INSERT INTO Music VALUE {'pk': 'n', 'sk': 1, 'x': 1e400}`}",
               "ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range");

  resp = pq_ok (engine, "ExecuteStatement",
                    "{`Statement`:`UPDATE Music SET n = n + 1 SET w = 'new' REMOVE g WHERE pk = 'a' AND sk = 1`}");
  ASSERT_MEMBER (resp, "Items", "[]");
  g_clear_pointer (&resp, json_object_unref);
  resp = pq_ok (engine, "ExecuteStatement",
                    "{`Statement`:`UPDATE Music SET s = set_add(s, <<'r'>>) WHERE pk = 'a' AND sk = 1 RETURNING MODIFIED NEW *`}");
  ASSERT_MEMBER (resp, "Items", "[{'s':{'SS':['p','q','r']}}]");
  g_clear_pointer (&resp, json_object_unref);
  resp = pq_ok (engine, "ExecuteStatement", "{`Statement`:`SELECT n, w, g FROM Music WHERE pk = 'a' AND sk = 1`}");
  ASSERT_MEMBER (resp, "Items", "[{'n':{'N':'6'},'w':{'S':'new'}}]");

  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`UPDATE Music SET n = 1 WHERE pk = 'nope' AND sk = 1`}",
               "ConditionalCheckFailedException", "The conditional request failed");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`UPDATE Music SET n = 1 WHERE pk = 'a'`}",
               "ValidationException", "Where clause does not contain a mandatory equality on all key attributes");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`UPDATE Music SET pk = 'z' WHERE pk = 'a' AND sk = 1`}",
               "ValidationException", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`DELETE FROM Music WHERE pk = 'b' AND sk = 2 AND n = 99`}",
               "ConditionalCheckFailedException", "The conditional request failed");
  /* Deleting what is not there succeeds, as DeleteItem does. */
  PQ_OK (engine, "ExecuteStatement", "{`Statement`:`DELETE FROM Music WHERE pk = 'none' AND sk = 3`}");
  g_clear_pointer (&resp, json_object_unref);
  resp = pq_ok (engine, "ExecuteStatement", "{`Statement`:`DELETE FROM Music WHERE pk = 'b' AND sk = 2 RETURNING ALL OLD *`}");
  ASSERT_MEMBER (resp, "Items", "[{'pk':{'S':'b'},'sk':{'N':'2'},'g':{'S':'x'}}]");
}

static void
test_errors (void)
{
  g_autoptr(DdbEngine) engine = engine_with_table ();

  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELEC * FROM Music`}",
               "ValidationException", "Statement wasn't well formed, can't be processed: SELEC * FROM Music");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM Music WHERE`}",
               "ValidationException", "Statement wasn't well formed, can't be processed: SELECT * FROM Music WHERE");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM Music WHERE pk == 'a'`}",
               "ValidationException", "Statement wasn't well formed, can't be processed: SELECT * FROM Music WHERE pk == 'a'");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM Music WHERE 'unterminated`}",
               "ValidationException", NULL);
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM Nope`}",
               "ResourceNotFoundException", "Cannot do operations on a non-existent table");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM No`}", "ValidationException",
               "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM Music.nope`}",
               "ValidationException", "The table does not have the specified index: nope");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM Music WHERE unknownfn(pk)`}",
               "ValidationException", "Unrecognized function: unknownfn");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM Music WHERE pk = ?`}",
               "ValidationException", "Number of parameters in request and statement don't match.");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`EXISTS(SELECT * FROM Music WHERE pk='a' AND sk=1)`}",
               "ValidationException", "EXISTS can only be used in ExecuteTransaction write requests.");
  PQ_FAIL (engine, "ExecuteStatement", "{}", "ValidationException",
               "1 validation error detected: Value null at 'statement' failed to satisfy constraint: Member must not be null");
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:7}", "SerializationException", NULL);
  PQ_FAIL (engine, "ExecuteStatement", "{`Statement`:`SELECT * FROM Music WHERE pk = ?`,`Parameters`:[{`Q`:`x`}]}",
               "ValidationException", NULL);
  /* Deep nesting is refused, not a stack overflow. */
  {
    GString *deep = g_string_new ("{`Statement`:`SELECT * FROM Music WHERE ");
    for (int i = 0; i < 5000; i++)
      g_string_append (deep, "NOT ");
    g_string_append (deep, "n = 1`}");
    PQ_FAIL (engine, "ExecuteStatement", deep->str, "ValidationException", NULL);
    g_string_free (deep, TRUE);
  }
  {
    GString *deep = g_string_new ("{`Statement`:`INSERT INTO Music VALUE {'pk':'d','sk':1,'x':");
    for (int i = 0; i < 5000; i++)
      g_string_append (deep, "[");
    g_string_append (deep, "`}");
    PQ_FAIL (engine, "ExecuteStatement", deep->str, "ValidationException", NULL);
    g_string_free (deep, TRUE);
  }
}

static void
test_batch (void)
{
  g_autoptr(DdbEngine) engine = engine_with_table ();
  g_autoptr(JsonObject) resp = NULL;
  JsonArray *responses;

  resp = pq_ok (engine, "BatchExecuteStatement",
                    "{`Statements`:[{`Statement`:`SELECT pk FROM Music WHERE pk='a' AND sk=1`},"
                    "{`Statement`:`SELECT * FROM Music WHERE pk='zz' AND sk=1`},"
                    "{`Statement`:`SELECT * FROM Music WHERE pk='a'`}]}");
  ASSERT_MEMBER (resp, "Responses",
                 "[{'Item':{'pk':{'S':'a'}},'TableName':'Music'},{'TableName':'Music'},"
                 "{'Error':{'Code':'ValidationError','Message':'Only single item select is supported'}}]");
  g_clear_pointer (&resp, json_object_unref);

  resp = pq_ok (engine, "BatchExecuteStatement",
                    "{`Statements`:[{`Statement`:`INSERT INTO Music VALUE {'pk':'k1','sk':4}`},"
                    "{`Statement`:`INSERT INTO Music VALUE {'pk':'b','sk':2}`},"
                    "{`Statement`:`UPDATE Music SET x=1 WHERE pk='nope' AND sk=1`},"
                    "{`Statement`:`DELETE FROM Nope WHERE pk='a'`}]}");
  responses = json_object_get_array_member (resp, "Responses");
  ASSERT_MEMBER (resp, "Responses",
                 "[{'TableName':'Music'},"
                 "{'Error':{'Code':'DuplicateItem','Message':'Duplicate primary key exists in table'},'TableName':'Music'},"
                 "{'Error':{'Code':'ConditionalCheckFailed','Message':'The conditional request failed'},'TableName':'Music'},"
                 "{'Error':{'Code':'ResourceNotFound','Message':'Cannot do operations on a non-existent table'}}]");
  g_assert_cmpuint (json_array_get_length (responses), ==, 4);
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE pk = 'k1'`}"), ==, 1);

  PQ_FAIL (engine, "BatchExecuteStatement",
               "{`Statements`:[{`Statement`:`INSERT INTO Music VALUE {'pk':'d','sk':4}`},"
               "{`Statement`:`DELETE FROM Music WHERE pk='d' AND sk=4`}]}",
               "ValidationException", "Provided list of item keys contains duplicates");
  PQ_FAIL (engine, "BatchExecuteStatement",
               "{`Statements`:[{`Statement`:`SELECT * FROM Music WHERE pk='a' AND sk=1`},"
               "{`Statement`:`INSERT INTO Music VALUE {'pk':'e','sk':4}`}]}",
               "ValidationException", "Read and write requests together in the same batch is not supported.");
  PQ_FAIL (engine, "BatchExecuteStatement", "{`Statements`:[]}", "ValidationException", "The statement was empty.");
}

static void
test_transaction (void)
{
  g_autoptr(DdbEngine) engine = engine_with_table ();
  g_autoptr(JsonObject) resp = NULL, body = NULL;

  resp = pq_ok (engine, "ExecuteTransaction",
                    "{`TransactStatements`:[{`Statement`:`INSERT INTO Music VALUE {'pk':'f','sk':1}`},"
                    "{`Statement`:`UPDATE Music SET y = 2 WHERE pk='a' AND sk=1`},"
                    "{`Statement`:`EXISTS(SELECT * FROM Music WHERE pk='b' AND sk=2 AND g='x')`}]}");
  ASSERT_MEMBER (resp, "Responses", "[]");
  g_clear_pointer (&resp, json_object_unref);

  body = pq_fail (engine, "ExecuteTransaction",
                      "{`TransactStatements`:[{`Statement`:`INSERT INTO Music VALUE {'pk':'g','sk':1}`},"
                      "{`Statement`:`INSERT INTO Music VALUE {'pk':'f','sk':1}`}]}",
                      "TransactionCanceledException",
                      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]");
  ASSERT_MEMBER (body, "CancellationReasons",
                 "[{'Code':'None'},{'Code':'ValidationError','Message':'Duplicate primary key exists in table'}]");
  g_assert_cmpuint (count_items (engine, "{`Statement`:`SELECT * FROM Music WHERE pk = 'g'`}"), ==, 0);
  g_clear_pointer (&body, json_object_unref);
  body = pq_fail (engine, "ExecuteTransaction",
                      "{`TransactStatements`:[{`Statement`:`NOT EXISTS(SELECT * FROM Music WHERE pk='b' AND sk=2)`}]}",
                      "TransactionCanceledException", NULL);

  resp = pq_ok (engine, "ExecuteTransaction",
                    "{`TransactStatements`:[{`Statement`:`SELECT y FROM Music WHERE pk='a' AND sk=1`},"
                    "{`Statement`:`SELECT * FROM Music WHERE pk='zz' AND sk=1`}]}");
  ASSERT_MEMBER (resp, "Responses", "[{'Item':{'y':{'N':'2'}}},{}]");

  PQ_FAIL (engine, "ExecuteTransaction",
               "{`TransactStatements`:[{`Statement`:`SELECT * FROM Music WHERE pk='a' AND sk=1`},"
               "{`Statement`:`INSERT INTO Music VALUE {'pk':'h','sk':1}`}]}",
               "ValidationException", "ExecuteTransaction API does not support both read and write operations in the same request.");
  PQ_FAIL (engine, "ExecuteTransaction", "{`TransactStatements`:[{`Statement`:`SELECT * FROM Music WHERE pk='b'`}]}",
               "ValidationException",
               "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause.");
  PQ_FAIL (engine, "ExecuteTransaction", "{`TransactStatements`:[{`Statement`:`SELECT * FROM No`}]}",
               "ValidationException",
               "Validation failed in TransactStatements[0]: Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.");
  PQ_FAIL (engine, "ExecuteTransaction", "{`TransactStatements`:[{`Statement`:`INSERT INTO Nope VALUE {'a':'b'}`}]}",
               "ResourceNotFoundException", "Requested resource not found");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/partiql/select", test_select);
  g_test_add_func ("/engine/partiql/paging", test_paging);
  g_test_add_func ("/engine/partiql/writes", test_writes);
  g_test_add_func ("/engine/partiql/errors", test_errors);
  g_test_add_func ("/engine/partiql/batch", test_batch);
  g_test_add_func ("/engine/partiql/transaction", test_transaction);
  return g_test_run ();
}
