/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-shop: the small shop of docs/single-table.md, in one table.
 *
 * Customers, their orders and payments, and the lines of each order share
 * the table "shop" and two global secondary indexes. The program writes a
 * few of each, then reads them the single-table way: a customer's orders of
 * one month, an order by its id, a customer's whole history and an order
 * with its lines and payments (collections, one query each), the open
 * orders by status, and archives an order (it leaves the status index).
 * Runs on the in-memory backend unless DYNAMORM_URI names another; exits
 * non-zero when anything misbehaves, so it is a test too. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dynamorm.h>

#include "shop-models.h"

static gboolean
check (gboolean ok, const char *what)
{
  if (!ok)
    fprintf (stderr, "dynamorm-shop: unexpected result: %s\n", what);
  return ok;
}

static int
fail (const char *doing, GError *error)
{
  fprintf (stderr, "dynamorm-shop failed while %s:\n   %s\n", doing, error->message);
  return EXIT_FAILURE;
}

static gboolean
put (DynamormSession *session, gpointer model, GError **error)
{
  gboolean ok = dynamorm_session_put (session, DYNAMORM_MODEL (model), NULL, error);

  g_object_unref (model);
  return ok;
}

static gboolean
seed (DynamormSession *session, GError **error)
{
  g_autoptr(GDateTime) jan5 = g_date_time_new_utc (2024, 1, 5, 10, 0, 0);
  g_autoptr(GDateTime) jan20 = g_date_time_new_utc (2024, 1, 20, 9, 30, 0);
  g_autoptr(GDateTime) feb2 = g_date_time_new_utc (2024, 2, 2, 18, 0, 0);

  return put (session, g_object_new (SHOP_TYPE_CUSTOMER, "customer-id", "c1", "name", "Ann",
                                     "email", "ann@example.org", NULL), error) &&
         put (session, g_object_new (SHOP_TYPE_ORDER, "customer-id", "c1", "order-id", "o1",
                                     "created", jan5, "status", "paid", "total", (gint64) 4200, NULL), error) &&
         put (session, g_object_new (SHOP_TYPE_ORDER, "customer-id", "c1", "order-id", "o2",
                                     "created", jan20, "status", "open", "total", (gint64) 990, NULL), error) &&
         put (session, g_object_new (SHOP_TYPE_ORDER, "customer-id", "c1", "order-id", "o3",
                                     "created", feb2, "status", "open", "total", (gint64) 150, NULL), error) &&
         put (session, g_object_new (SHOP_TYPE_ORDER_LINE, "order-id", "o1", "line-no", 1, "sku", "TEA",
                                     "quantity", (gint64) 2, "price", (gint64) 1400, NULL), error) &&
         put (session, g_object_new (SHOP_TYPE_ORDER_LINE, "order-id", "o1", "line-no", 2, "sku", "MUG",
                                     "quantity", (gint64) 1, "price", (gint64) 1400, NULL), error) &&
         put (session, g_object_new (SHOP_TYPE_PAYMENT, "customer-id", "c1", "payment-id", "p1",
                                     "order-id", "o1", "paid", jan5, "amount", (gint64) 4200, NULL), error);
}

static void
print_items (GListModel *items)
{
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(DynamormModel) item = g_list_model_get_item (items, i);
      g_autoptr(JsonNode) key = dynamorm_model_get_key (item, NULL);
      g_autofree char *text = key ? json_to_string (key, FALSE) : g_strdup ("?");

      printf ("   %-14s %s\n", G_OBJECT_TYPE_NAME (item), text);
    }
}

static GListModel *
run (DynamormQuery *query, const char *title, GError **error)
{
  GListModel *items = dynamorm_query_all (query, NULL, error);

  if (items != NULL)
    {
      printf ("\n%s\n", title);
      print_items (items);
    }
  return items;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(DynamormQuery) january = NULL;
  g_autoptr(DynamormQuery) by_id = NULL;
  g_autoptr(DynamormQuery) history = NULL;
  g_autoptr(DynamormQuery) details = NULL;
  g_autoptr(DynamormQuery) open_orders = NULL;
  g_autoptr(GListModel) items = NULL;
  g_autoptr(GDateTime) from = g_date_time_new_utc (2024, 1, 1, 0, 0, 0);
  g_autoptr(GDateTime) to = g_date_time_new_utc (2024, 1, 31, 23, 59, 59);
  g_autoptr(DynamormModel) archived = NULL;
  const char *uri = g_getenv ("DYNAMORM_URI");
  const char *status_only[] = { "status", NULL };
  gboolean ok = TRUE;

  session = dynamorm_session_new (uri && *uri ? uri : "memory://", &error);
  if (session == NULL)
    return fail ("opening a session", error);
  if (uri && *uri && !g_str_has_prefix (uri, "memory:"))
    {
      g_autofree char *prefix = g_strdup_printf ("dynamorm_shop_%d_", (int) getpid ());
      dynamorm_session_set_table_prefix (session, prefix);
    }

  /* The order model declares both indexes: the table is created from it. */
  if (!dynamorm_session_create_table (session, SHOP_TYPE_ORDER, NULL, &error) || !seed (session, &error))
    return fail ("creating and filling the table", error);

  /* pk = CUSTOMER#c1 AND sk BETWEEN ORDER#2024-01-01 AND ORDER#2024-01-31… */
  january = dynamorm_query_new (session, SHOP_TYPE_ORDER);
  dynamorm_query_where (january, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
  dynamorm_query_where (january, "created", DYNAMORM_OPERATOR_BETWEEN, from, to);
  if ((items = run (january, "Ann's orders of January (table, sort key range):", &error)) == NULL)
    return fail ("querying January's orders", error);
  ok &= check (g_list_model_get_n_items (items) == 2, "two orders in January");
  g_clear_object (&items);

  /* gsi1pk = ORDER#o3: the index is chosen from the template. */
  by_id = dynamorm_query_new (session, SHOP_TYPE_ORDER);
  dynamorm_query_where (by_id, "order-id", DYNAMORM_OPERATOR_EQ, "o3");
  if ((items = run (by_id, "Order o3 by its id (gsi1):", &error)) == NULL)
    return fail ("reading an order by id", error);
  ok &= check (g_list_model_get_n_items (items) == 1, "one order o3");
  g_clear_object (&items);

  history = dynamorm_query_new_collection (session, SHOP_COLLECTION_CUSTOMER_HISTORY, SHOP_TYPE_CUSTOMER);
  dynamorm_query_add_member (history, SHOP_TYPE_ORDER);
  dynamorm_query_add_member (history, SHOP_TYPE_PAYMENT);
  dynamorm_query_where (history, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
  if ((items = run (history, "Ann's history, one query (collection customer-history):", &error)) == NULL)
    return fail ("reading the customer-history collection", error);
  ok &= check (g_list_model_get_n_items (items) == 5, "profile, three orders and a payment");
  g_clear_object (&items);

  details = dynamorm_query_new_collection (session, SHOP_COLLECTION_ORDER_DETAILS, SHOP_TYPE_ORDER);
  dynamorm_query_add_member (details, SHOP_TYPE_ORDER_LINE);
  dynamorm_query_add_member (details, SHOP_TYPE_PAYMENT);
  dynamorm_query_where (details, "order-id", DYNAMORM_OPERATOR_EQ, "o1");
  if ((items = run (details, "Order o1 with its lines and payments (collection order-details, gsi1):", &error)) == NULL)
    return fail ("reading the order-details collection", error);
  ok &= check (g_list_model_get_n_items (items) == 4, "an order, two lines and a payment");
  g_clear_object (&items);

  /* Archive o2: it leaves the status index (a sparse index condition). */
  {
    GValue pk = G_VALUE_INIT, sk = G_VALUE_INIT;

    g_value_init (&pk, G_TYPE_STRING);
    g_value_set_static_string (&pk, "CUSTOMER#c1");
    g_value_init (&sk, G_TYPE_STRING);
    g_value_set_static_string (&sk, "ORDER#2024-01-20#o2");
    archived = dynamorm_session_get (session, SHOP_TYPE_ORDER, &pk, &sk, NULL, &error);
    if (archived == NULL)
      return fail ("reading order o2", error);
    g_object_set (archived, "status", "archived", NULL);
    if (!dynamorm_session_update (session, archived, status_only, NULL, &error))
      return fail ("archiving order o2", error);
  }
  open_orders = dynamorm_query_new (session, SHOP_TYPE_ORDER);
  dynamorm_query_where (open_orders, "status", DYNAMORM_OPERATOR_EQ, "open");
  if ((items = run (open_orders, "Open orders after o2 was archived (gsi2):", &error)) == NULL)
    return fail ("querying open orders", error);
  ok &= check (g_list_model_get_n_items (items) == 1, "one open order left");
  g_clear_object (&items);

  if (!dynamorm_session_delete_table (session, SHOP_TYPE_ORDER, NULL, &error))
    return fail ("deleting the table", error);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
