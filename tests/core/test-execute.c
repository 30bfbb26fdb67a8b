/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm_session_execute(): PartiQL statements whose items come back as
 * models, on the memory backend and against DynamoDB Local. */
#include <string.h>
#include "test-models.h"

/* The one table of the session (its name carries the session's prefix). */
static char *
created_table (DynamormSession *session)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) request = json_from_string ("{}", NULL);
  g_autoptr(JsonNode) list = dynamorm_session_call (session, "ListTables", request, NULL, &error);
  JsonArray *tables;

  g_assert_no_error (error);
  tables = json_object_get_array_member (json_node_get_object (list), "TableNames");
  for (guint i = 0; i < json_array_get_length (tables); i++)
    if (g_str_has_prefix (json_array_get_string_element (tables, i), dynamorm_session_get_table_prefix (session)))
      return g_strdup (json_array_get_string_element (tables, i));
  g_assert_not_reached ();
}

static DynamormSession *
session_with_invoices (char **table_out)
{
  g_autoptr(GError) error = NULL;
  DynamormSession *session = test_session_new ("exec");

  if (session == NULL)
    return NULL;
  g_assert_true (dynamorm_session_create_table (session, TEST_TYPE_INVOICE, NULL, &error));
  g_assert_no_error (error);
  *table_out = created_table (session);
  return session;
}

static void
test_execute (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *table = NULL;
  g_autoptr(DynamormSession) session = session_with_invoices (&table);
  g_autoptr(GPtrArray) models = NULL;
  g_autofree char *insert = NULL, *select = NULL, *update = NULL, *by_key = NULL;
  g_autoptr(JsonNode) params = NULL;

  if (session == NULL)
    return;
  insert = g_strdup_printf ("INSERT INTO \"%s\" VALUE {'account': ?, 'invoice': ?, 'customer': 'c1', 'total': 10, 'status': 'open'}",
                            table);
  for (int i = 1; i <= 3; i++)
    {
      g_autofree char *json = g_strdup_printf ("[{\"S\":\"acct\"},{\"S\":\"inv%d\"}]", i);
      g_autoptr(JsonNode) p = json_from_string (json, NULL);
      g_autoptr(GPtrArray) written = dynamorm_session_execute (session, G_TYPE_NONE, insert, p, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (written->len, ==, 0);
    }

  /* An existing item: a failed condition. */
  params = json_from_string ("[{\"S\":\"acct\"},{\"S\":\"inv1\"}]", NULL);
  g_assert_null (dynamorm_session_execute (session, G_TYPE_NONE, insert, params, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);

  select = g_strdup_printf ("SELECT * FROM \"%s\" WHERE account = ?", table);
  g_clear_pointer (&params, json_node_unref);
  params = json_from_string ("[{\"S\":\"acct\"}]", NULL);
  models = dynamorm_session_execute (session, TEST_TYPE_INVOICE, select, params, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 3);
  for (guint i = 0; i < models->len; i++)
    {
      g_autofree char *invoice = NULL, *status = NULL;
      g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (models->pdata[i], TEST_TYPE_INVOICE));
      g_object_get (models->pdata[i], "invoice", &invoice, "status", &status, NULL);
      g_assert_true (g_str_has_prefix (invoice, "inv"));
      g_assert_cmpstr (status, ==, "open");
    }

  update = g_strdup_printf ("UPDATE \"%s\" SET status = 'paid' WHERE account = 'acct' AND invoice = 'inv2' RETURNING ALL NEW *", table);
  g_clear_pointer (&models, g_ptr_array_unref);
  models = dynamorm_session_execute (session, TEST_TYPE_INVOICE, update, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 1);
  {
    g_autofree char *status = NULL;
    g_object_get (models->pdata[0], "status", &status, NULL);
    g_assert_cmpstr (status, ==, "paid");
  }

  by_key = g_strdup_printf ("SELECT * FROM \"%s\" WHERE account = 'acct' AND invoice = 'inv2'", table);
  g_clear_pointer (&models, g_ptr_array_unref);
  models = dynamorm_session_execute (session, TEST_TYPE_INVOICE, by_key, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 1);

  g_clear_pointer (&models, g_ptr_array_unref);
  models = dynamorm_session_execute (session, TEST_TYPE_INVOICE, "SELEC nothing", NULL, NULL, &error);
  g_assert_null (models);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Statement wasn't well formed"));
}

int
main (int argc, char **argv)
{
  test_parse_backend_arg (&argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dynamorm/execute/statements", test_execute);
  return g_test_run ();
}
