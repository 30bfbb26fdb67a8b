/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Single-table design, run per backend (`--backend memory|local`): the
 * shop of docs/single-table.md in one table, composed keys written on every
 * write path and read back, entity names, queries over templates,
 * collections, and the mistakes reported before any request. */
#include <string.h>

#include "test-models.h"
#include "../../examples/shop-models.h"

typedef struct {
  DynamormSession *session;
} Fixture;

#define SKIP_IF_NO_BACKEND(f) G_STMT_START { if ((f)->session == NULL) return; } G_STMT_END

static GDateTime *
day (int month, int d, int hour)
{
  return g_date_time_new_utc (2024, month, d, hour, 0, 0);
}

static DynamormModel *
new_order (const char *customer, const char *id, GDateTime *created, const char *status, gint64 total)
{
  return g_object_new (SHOP_TYPE_ORDER, "customer-id", customer, "order-id", id, "created", created,
                       "status", status, "total", total, NULL);
}

static void
put (Fixture *f, gpointer model)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (model), NULL, &error));
  g_assert_no_error (error);
  g_object_unref (model);
}

/* c1: a profile, three orders (Jan 5, Jan 20, Feb 2), two payments;
 * o1 has three lines; c2: a profile and one order. */
static void
seed (Fixture *f)
{
  g_autoptr(GDateTime) jan5 = day (1, 5, 10);
  g_autoptr(GDateTime) jan20 = day (1, 20, 9);
  g_autoptr(GDateTime) feb2 = day (2, 2, 18);
  g_autoptr(GDateTime) jan6 = day (1, 6, 8);

  put (f, g_object_new (SHOP_TYPE_CUSTOMER, "customer-id", "c1", "name", "Ann", "email", "Ann@Example.org", NULL));
  put (f, g_object_new (SHOP_TYPE_CUSTOMER, "customer-id", "c2", "name", "Bo", "email", "bo@example.org", NULL));
  put (f, new_order ("c1", "o1", jan5, "paid", 4200));
  put (f, new_order ("c1", "o2", jan20, "open", 990));
  put (f, new_order ("c1", "o3", feb2, "open", 150));
  put (f, new_order ("c2", "o4", jan6, "paid", 700));
  for (guint n = 1; n <= 3; n++)
    put (f, g_object_new (SHOP_TYPE_ORDER_LINE, "order-id", "o1", "line-no", n, "sku", n == 2 ? "MUG" : "TEA",
                          "quantity", (gint64) n, "price", (gint64) 1400, NULL));
  put (f, g_object_new (SHOP_TYPE_PAYMENT, "customer-id", "c1", "payment-id", "p1", "order-id", "o1",
                        "paid", jan6, "amount", (gint64) 4200, NULL));
  put (f, g_object_new (SHOP_TYPE_PAYMENT, "customer-id", "c1", "payment-id", "p2", "order-id", "o2",
                        "paid", feb2, "amount", (gint64) 990, NULL));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->session = test_session_new ("st");
  if (f->session == NULL)
    return;
  /* The order declares both indexes; the other models share the table. */
  g_assert_true (dynamorm_session_create_table (f->session, SHOP_TYPE_ORDER, NULL, &error));
  g_assert_no_error (error);
  seed (f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->session == NULL)
    return;
  dynamorm_session_delete_table (f->session, SHOP_TYPE_ORDER, NULL, NULL);
  g_clear_object (&f->session);
}

static const char *
s_member (JsonObject *item, const char *name)
{
  JsonObject *av = json_object_get_object_member (item, name);

  g_assert_nonnull (av);
  return json_object_get_string_member (av, "S");
}

static DynamormModel *
get (Fixture *f, GType type, const char *pk, const char *sk, GError **error)
{
  GValue vpk = G_VALUE_INIT, vsk = G_VALUE_INIT;
  DynamormModel *model;

  g_value_init (&vpk, G_TYPE_STRING);
  g_value_set_string (&vpk, pk);
  g_value_init (&vsk, G_TYPE_STRING);
  g_value_set_string (&vsk, sk);
  model = dynamorm_session_get (f->session, type, &vpk, &vsk, NULL, error);
  g_value_unset (&vpk);
  g_value_unset (&vsk);
  return model;
}

static char *
str (gpointer object, const char *name)
{
  char *value = NULL;

  g_object_get (object, name, &value, NULL);
  return value;
}

/* The item a model writes: its properties, the composed keys, the entity. */
static void
test_item (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) jan5 = day (1, 5, 10);
  g_autoptr(DynamormModel) order = new_order ("c1", "o1", jan5, "paid", 4200);
  g_autoptr(DynamormModel) line = g_object_new (SHOP_TYPE_ORDER_LINE, "order-id", "o1", "line-no", 7, NULL);
  g_autoptr(JsonNode) item = dynamorm_model_to_item (order, &error);
  g_autoptr(JsonNode) line_item = NULL;
  g_autoptr(JsonNode) key = NULL;
  g_autoptr(DynamormKey) dkey = NULL;
  JsonObject *obj;

  g_assert_no_error (error);
  obj = json_node_get_object (item);
  g_assert_cmpstr (s_member (obj, "pk"), ==, "CUSTOMER#c1");
  g_assert_cmpstr (s_member (obj, "sk"), ==, "ORDER#2024-01-05#o1");
  g_assert_cmpstr (s_member (obj, "gsi1pk"), ==, "ORDER#o1");
  g_assert_cmpstr (s_member (obj, "gsi1sk"), ==, "ORDER");
  g_assert_cmpstr (s_member (obj, "gsi2pk"), ==, "STATUS#PAID");
  g_assert_cmpstr (s_member (obj, "gsi2sk"), ==, "2024-01-05T10:00:00.000000Z");
  g_assert_cmpstr (s_member (obj, "__entity"), ==, "order");
  g_assert_cmpstr (s_member (obj, "customer_id"), ==, "c1");

  key = dynamorm_model_get_key (order, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (key)), ==, 2);
  g_assert_cmpstr (s_member (json_node_get_object (key), "sk"), ==, "ORDER#2024-01-05#o1");
  dkey = dynamorm_key_new_for_model (order, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (dynamorm_key_get_partition_key (dkey)), ==, "CUSTOMER#c1");

  line_item = dynamorm_model_to_item (line, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s_member (json_node_get_object (line_item), "sk"), ==, "LINE#0007");

  /* A key whose property is unset: an error before any request. */
  g_object_set (order, "order-id", NULL, NULL);
  g_assert_null (dynamorm_model_get_key (order, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "order-id"));
}

static void
test_put_get (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) order = NULL;
  g_autoptr(DynamormModel) wrong = NULL;
  g_autoptr(DynamormModel) line = NULL;
  g_autoptr(GDateTime) created = NULL;
  g_autofree char *status = NULL;
  guint line_no = 0;
  gint64 total = 0;

  SKIP_IF_NO_BACKEND (f);
  order = get (f, SHOP_TYPE_ORDER, "CUSTOMER#c1", "ORDER#2024-01-20#o2", &error);
  g_assert_no_error (error);
  g_assert_nonnull (order);
  g_object_get (order, "created", &created, "total", &total, "status", &status, NULL);
  g_assert_cmpint (g_date_time_get_day_of_month (created), ==, 20);
  g_assert_cmpint (total, ==, 990);
  g_assert_cmpstr (status, ==, "open");

  line = get (f, SHOP_TYPE_ORDER_LINE, "ORDER#o1", "LINE#0002", &error);
  g_assert_no_error (error);
  g_object_get (line, "line-no", &line_no, NULL);
  g_assert_cmpuint (line_no, ==, 2);

  /* The customer's profile is not an order. */
  wrong = get (f, SHOP_TYPE_ORDER, "CUSTOMER#c1", "PROFILE", &error);
  g_assert_null (wrong);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "“customer”"));
}

static guint
count_status (Fixture *f, const char *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormQuery) query = dynamorm_query_new (f->session, SHOP_TYPE_ORDER);
  g_autoptr(GListModel) found = NULL;

  dynamorm_query_where (query, "status", DYNAMORM_OPERATOR_EQ, status);
  found = dynamorm_query_all (query, NULL, &error);
  g_assert_no_error (error);
  return g_list_model_get_n_items (found);
}

/* Updates compose index keys again, and leave table keys alone. */
static void
test_update (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) order = NULL;
  g_autoptr(DynamormModel) again = NULL;
  g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
  g_autoptr(DynamormUpdate) bad = dynamorm_update_new ();
  g_auto(GValue) value = G_VALUE_INIT;
  const char *status_only[] = { "status", NULL };
  g_autofree char *status = NULL;

  SKIP_IF_NO_BACKEND (f);
  order = get (f, SHOP_TYPE_ORDER, "CUSTOMER#c1", "ORDER#2024-01-20#o2", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_status (f, "open"), ==, 2);

  /* From the model's properties. */
  g_object_set (order, "status", "shipped", NULL);
  g_assert_true (dynamorm_session_update (f->session, order, status_only, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_status (f, "shipped"), ==, 1);
  g_assert_cmpuint (count_status (f, "open"), ==, 1);

  /* From an update builder's value. */
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "returned");
  dynamorm_update_set (update, "status", &value);
  g_assert_true (dynamorm_session_update_full (f->session, order, update, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  again = get (f, SHOP_TYPE_ORDER, "CUSTOMER#c1", "ORDER#2024-01-20#o2", &error);
  g_assert_no_error (error);
  status = str (again, "status");
  g_assert_cmpstr (status, ==, "returned");
  g_assert_cmpuint (count_status (f, "shipped"), ==, 0);
  g_assert_cmpuint (count_status (f, "returned"), ==, 1);

  /* A table key's property cannot change in an update. */
  g_value_set_string (&value, "o9");
  dynamorm_update_set (bad, "order-id", &value);
  g_assert_false (dynamorm_session_update_full (f->session, order, bad, NULL, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "part of its key"));
}

/* The request a query would send, as compact JSON text. */
static char *
request_text (DynamormQuery *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) request = dynamorm_query_build_request (query, NULL, &error);

  g_assert_no_error (error);
  return json_to_string (request, FALSE);
}

static const char *
member_text (JsonNode *request, const char *name)
{
  JsonObject *obj = json_node_get_object (request);

  return json_object_has_member (obj, name) ? json_object_get_string_member (obj, name) : NULL;
}

static char *
ids (GListModel *list, const char *property)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (list, i);
      g_autofree char *id = str (item, property);
      g_string_append_printf (s, "%s%s", s->len ? "," : "", id);
    }
  return g_string_free (s, FALSE);
}

static char *
run_ids (DynamormQuery *query, const char *property)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) list = dynamorm_query_all (query, NULL, &error);

  g_assert_no_error (error);
  return ids (list, property);
}

/* Which conditions become key conditions on composed keys. */
static void
test_query_templates (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) from = day (1, 10, 0);
  g_autoptr(GDateTime) to = day (1, 31, 23);
  g_autoptr(GDateTime) jan5 = day (1, 5, 10);

  SKIP_IF_NO_BACKEND (f);

  /* The partition placeholders by equality: pk =, and the model's own
   * sort key prefix; the entity in the filter. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new (f->session, SHOP_TYPE_ORDER);
    g_autoptr(JsonNode) request = NULL;
    g_autofree char *got = NULL;

    dynamorm_query_where (q, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
    request = dynamorm_query_build_request (q, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (member_text (request, "KeyConditionExpression"), ==, "#n0 = :v0 AND begins_with(#n1, :v1)");
    g_assert_null (member_text (request, "IndexName"));
    g_assert_nonnull (strstr (member_text (request, "FilterExpression"), "attribute_not_exists"));
    got = run_ids (q, "order-id");
    g_assert_cmpstr (got, ==, "o1,o2,o3");
  }
  /* A range on the next sort placeholder: BETWEEN on composed bounds, the
   * exact condition in the filter. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new (f->session, SHOP_TYPE_ORDER);
    g_autofree char *text = NULL;
    g_autofree char *got = NULL;

    dynamorm_query_where (q, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
    dynamorm_query_where (q, "created", DYNAMORM_OPERATOR_BETWEEN, from, to);
    text = request_text (q);
    g_assert_nonnull (strstr (text, "BETWEEN"));
    g_assert_nonnull (strstr (text, "\"ORDER#2024-01-10\""));
    /* The upper bound: the last day's orders, whatever follows the date. */
    g_assert_nonnull (strstr (text, "\"ORDER#2024-01-31\xf4\x8f\xbf\xbf\""));
    got = run_ids (q, "order-id");
    g_assert_cmpstr (got, ==, "o2");
  }
  /* A prefix of the sort placeholders by equality: begins_with. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new (f->session, SHOP_TYPE_ORDER);
    g_autoptr(JsonNode) request = NULL;
    g_autofree char *got = NULL;

    dynamorm_query_where (q, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
    dynamorm_query_where (q, "created", DYNAMORM_OPERATOR_EQ, jan5);
    request = dynamorm_query_build_request (q, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (member_text (request, "KeyConditionExpression"), ==, "#n0 = :v0 AND begins_with(#n1, :v1)");
    got = run_ids (q, "order-id");
    g_assert_cmpstr (got, ==, "o1");
  }
  /* All placeholders of both keys: equality on both, nothing left to filter
   * but the entity; the order's own index when only its id is known. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new (f->session, SHOP_TYPE_ORDER);
    g_autoptr(DynamormQuery) by_id = dynamorm_query_new (f->session, SHOP_TYPE_ORDER);
    g_autoptr(JsonNode) request = NULL;
    g_autoptr(JsonNode) by_id_request = NULL;
    g_autofree char *got = NULL;
    g_autofree char *got_by_id = NULL;

    dynamorm_query_where (q, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
    dynamorm_query_where (q, "created", DYNAMORM_OPERATOR_EQ, jan5);
    dynamorm_query_where (q, "order-id", DYNAMORM_OPERATOR_EQ, "o1");
    request = dynamorm_query_build_request (q, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (member_text (request, "KeyConditionExpression"), ==, "#n0 = :v0 AND #n1 = :v1");
    /* created (date only) stays in the filter; order-id is exact. */
    g_assert_nonnull (member_text (request, "FilterExpression"));
    got = run_ids (q, "order-id");
    g_assert_cmpstr (got, ==, "o1");

    dynamorm_query_where (by_id, "order-id", DYNAMORM_OPERATOR_EQ, "o3");
    by_id_request = dynamorm_query_build_request (by_id, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (member_text (by_id_request, "IndexName"), ==, "gsi1");
    got_by_id = run_ids (by_id, "customer-id");
    g_assert_cmpstr (got_by_id, ==, "c1");
  }
  /* Order lines: a range on a padded number. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new (f->session, SHOP_TYPE_ORDER_LINE);
    g_autofree char *got = NULL;

    dynamorm_query_where (q, "order-id", DYNAMORM_OPERATOR_EQ, "o1");
    dynamorm_query_where (q, "line-no", DYNAMORM_OPERATOR_GE, 2);
    dynamorm_query_order_by (q, NULL, DYNAMORM_ORDER_DESCENDING);
    got = run_ids (q, "sku");
    g_assert_cmpstr (got, ==, "TEA,MUG");
  }
  /* The raw composed attribute may be named too. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new (f->session, SHOP_TYPE_PAYMENT);
    g_autofree char *got = NULL;

    dynamorm_query_where (q, "pk", DYNAMORM_OPERATOR_EQ, "CUSTOMER#c1");
    got = run_ids (q, "payment-id");
    g_assert_cmpstr (got, ==, "p1,p2");
  }
  /* Missing partition placeholder: the query cannot be served. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new (f->session, SHOP_TYPE_ORDER_LINE);
    g_autoptr(GListModel) none = NULL;

    dynamorm_query_where (q, "line-no", DYNAMORM_OPERATOR_EQ, 1);
    none = dynamorm_query_all (q, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY);
    g_clear_error (&error);
  }
  /* BEGINS_WITH on the last sort placeholder, after an equality prefix. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new (f->session, SHOP_TYPE_ORDER);
    g_autoptr(JsonNode) request = NULL;
    g_autofree char *got = NULL;

    dynamorm_query_where (q, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
    dynamorm_query_where (q, "created", DYNAMORM_OPERATOR_EQ, jan5);
    dynamorm_query_where (q, "order-id", DYNAMORM_OPERATOR_BEGINS_WITH, "o");
    request = dynamorm_query_build_request (q, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (member_text (request, "KeyConditionExpression"), ==, "#n0 = :v0 AND begins_with(#n1, :v1)");
    got = run_ids (q, "order-id");
    g_assert_cmpstr (got, ==, "o1");
  }
}

/* An index condition: archived orders leave the by-status index, on put
 * and on update, and come back when the status changes again. */
static void
test_sparse_condition (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) when = day (3, 1, 12);
  g_autoptr(DynamormModel) order = new_order ("c2", "o9", when, "archived", 10);
  g_autoptr(JsonNode) item = dynamorm_model_to_item (order, &error);
  g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
  g_auto(GValue) value = G_VALUE_INIT;
  const char *status_only[] = { "status", NULL };

  g_assert_no_error (error);
  g_assert_false (json_object_has_member (json_node_get_object (item), "gsi2pk"));
  g_assert_false (json_object_has_member (json_node_get_object (item), "gsi2sk"));
  g_assert_true (json_object_has_member (json_node_get_object (item), "gsi1pk"));
  SKIP_IF_NO_BACKEND (f);

  g_assert_true (dynamorm_session_put (f->session, order, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_status (f, "archived"), ==, 0);

  g_object_set (order, "status", "open", NULL);
  g_assert_true (dynamorm_session_update (f->session, order, status_only, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_status (f, "open"), ==, 3);

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "archived");
  dynamorm_update_set (update, "status", &value);
  g_assert_true (dynamorm_session_update_full (f->session, order, update, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_status (f, "open"), ==, 2);
  g_assert_cmpuint (count_status (f, "archived"), ==, 0);
}

/* The members of a collection written in one transaction, read back with
 * a batch get per member type; the other models ensure the shared table. */
static void
test_transaction_batch_ensure (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) when = day (4, 1, 9);
  g_autoptr(DynamormTransaction) tx = NULL;
  g_autoptr(DynamormModel) order = new_order ("c3", "o7", when, "open", 500);
  g_autoptr(DynamormModel) payment = NULL;
  g_autoptr(DynamormKey) k1 = NULL;
  g_autoptr(DynamormKey) k2 = NULL;
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  DynamormKey *keys[2];
  GType others[] = { SHOP_TYPE_CUSTOMER, SHOP_TYPE_ORDER_LINE, SHOP_TYPE_PAYMENT };

  SKIP_IF_NO_BACKEND (f);
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_autoptr(DynamormTable) table = dynamorm_table_new (f->session, others[i], NULL);

      gboolean ok = dynamorm_table_ensure (table, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (ok);
    }

  payment = g_object_new (SHOP_TYPE_PAYMENT, "customer-id", "c3", "payment-id", "p7", "order-id", "o7",
                          "paid", when, "amount", (gint64) 500, NULL);
  tx = dynamorm_transaction_new (f->session);
  dynamorm_transaction_add_create (tx, order, NULL);
  dynamorm_transaction_add_create (tx, payment, NULL);
  g_assert_true (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_no_error (error);

  k1 = dynamorm_key_new_for_model (order, &error);
  g_assert_no_error (error);
  k2 = dynamorm_key_new_string ("CUSTOMER#c1", "ORDER#2024-01-05#o1");
  keys[0] = k1;
  keys[1] = k2;
  got = dynamorm_session_batch_get (f->session, SHOP_TYPE_ORDER, keys, 2, NULL, &missing, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got->len, ==, 2);
  g_clear_pointer (&got, g_ptr_array_unref);
  g_clear_pointer (&missing, g_ptr_array_unref);
  {
    g_autoptr(DynamormKey) pk = dynamorm_key_new_for_model (payment, &error);
    got = dynamorm_session_batch_get (f->session, SHOP_TYPE_PAYMENT, &pk, 1, NULL, &missing, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->len, ==, 1);
    g_assert_true (G_OBJECT_TYPE (got->pdata[0]) == SHOP_TYPE_PAYMENT);
  }
  /* One batch of several types: each item as its own type, in the order
   * of the keys; an item read by another type's key is decoded by its
   * entity attribute. */
  {
    g_autoptr(DynamormBatchGet) batch = dynamorm_batch_get_new (f->session, SHOP_TYPE_ORDER);
    g_autoptr(DynamormBatchGet) by_entity = dynamorm_batch_get_new (f->session, SHOP_TYPE_ORDER);
    g_autoptr(DynamormModel) profile = g_object_new (SHOP_TYPE_CUSTOMER, "customer-id", "c1", NULL);
    g_autoptr(DynamormKey) pay_key = dynamorm_key_new_for_model (payment, &error);
    g_autoptr(DynamormKey) profile_key = dynamorm_key_new_for_model (profile, &error);
    g_autoptr(GPtrArray) mixed = NULL;
    g_autoptr(GPtrArray) decoded = NULL;
    const char *projection[] = { "status", NULL };

    g_assert_no_error (error);
    dynamorm_batch_get_add_key (batch, k2);
    dynamorm_batch_get_add_key_for_type (batch, SHOP_TYPE_PAYMENT, pay_key);
    dynamorm_batch_get_add_key_for_type (batch, SHOP_TYPE_CUSTOMER, profile_key);
    mixed = dynamorm_batch_get_execute (batch, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (mixed->len, ==, 3);
    g_assert_true (G_OBJECT_TYPE (mixed->pdata[0]) == SHOP_TYPE_ORDER);
    g_assert_true (G_OBJECT_TYPE (mixed->pdata[1]) == SHOP_TYPE_PAYMENT);
    g_assert_true (G_OBJECT_TYPE (mixed->pdata[2]) == SHOP_TYPE_CUSTOMER);

    dynamorm_batch_get_add_key (by_entity, pay_key);
    dynamorm_batch_get_add_key_for_type (by_entity, SHOP_TYPE_PAYMENT, k2);
    decoded = dynamorm_batch_get_execute (by_entity, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (decoded->len, ==, 2);
    g_assert_true (G_OBJECT_TYPE (decoded->pdata[0]) == SHOP_TYPE_PAYMENT);
    g_assert_true (G_OBJECT_TYPE (decoded->pdata[1]) == SHOP_TYPE_ORDER);

    /* A projection names one type's properties: refused before any request. */
    dynamorm_batch_get_set_projection (batch, projection);
    g_assert_null (dynamorm_batch_get_execute (batch, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "several model types"));
    g_clear_error (&error);
  }
}

static GListModel *
history (Fixture *f, const char *customer, GType extra, GError **error)
{
  g_autoptr(DynamormQuery) q = dynamorm_query_new_collection (f->session, SHOP_COLLECTION_CUSTOMER_HISTORY,
                                                               SHOP_TYPE_CUSTOMER);

  dynamorm_query_add_member (q, SHOP_TYPE_ORDER);
  dynamorm_query_add_member (q, extra);
  dynamorm_query_where (q, "customer-id", DYNAMORM_OPERATOR_EQ, customer);
  return dynamorm_query_all (q, NULL, error);
}

static char *
type_names (GListModel *list)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (list, i);
      g_string_append_printf (s, "%s%s", s->len ? "," : "", G_OBJECT_TYPE_NAME (item));
    }
  return g_string_free (s, FALSE);
}

static void
test_collections (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) items = NULL;
  g_autoptr(GListModel) none = NULL;
  g_autofree char *types = NULL;

  SKIP_IF_NO_BACKEND (f);
  /* One partition, three entities, in sort key order. */
  items = history (f, "c1", SHOP_TYPE_PAYMENT, &error);
  g_assert_no_error (error);
  g_assert_true (g_list_model_get_item_type (items) == DYNAMORM_TYPE_MODEL);
  types = type_names (items);
  g_assert_cmpstr (types, ==, "ShopOrder,ShopOrder,ShopOrder,ShopPayment,ShopPayment,ShopCustomer");

  /* Pages with signed cursors, across entities. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new_collection (f->session, SHOP_COLLECTION_CUSTOMER_HISTORY,
                                                                 SHOP_TYPE_PAYMENT);
    g_autofree char *cursor = NULL;
    g_autofree char *next = NULL;
    g_autoptr(GListModel) page1 = NULL;
    g_autoptr(GListModel) page2 = NULL;
    g_autofree char *t1 = NULL;
    g_autofree char *t3 = NULL;

    dynamorm_query_add_member (q, SHOP_TYPE_CUSTOMER);
    dynamorm_query_add_member (q, SHOP_TYPE_ORDER);
    dynamorm_query_where (q, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
    page1 = dynamorm_query_page (q, 4, NULL, &cursor, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (cursor);
    t1 = type_names (page1);
    g_assert_cmpstr (t1, ==, "ShopOrder,ShopOrder,ShopOrder,ShopPayment");
    page2 = dynamorm_query_page (q, 4, cursor, &next, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (next);
    t3 = type_names (page2);
    g_assert_cmpstr (t3, ==, "ShopPayment,ShopCustomer");
    g_assert_cmpint (dynamorm_query_count (q, NULL, &error), ==, 6);
    g_assert_no_error (error);
  }

  /* The order-details collection, on gsi1. */
  {
    g_autoptr(DynamormQuery) q = dynamorm_query_new_collection (f->session, SHOP_COLLECTION_ORDER_DETAILS,
                                                                 SHOP_TYPE_ORDER);
    g_autoptr(GListModel) details = NULL;
    g_autofree char *t = NULL;

    dynamorm_query_add_member (q, SHOP_TYPE_ORDER_LINE);
    dynamorm_query_add_member (q, SHOP_TYPE_PAYMENT);
    dynamorm_query_where (q, "order-id", DYNAMORM_OPERATOR_EQ, "o1");
    details = dynamorm_query_all (q, NULL, &error);
    g_assert_no_error (error);
    t = type_names (details);
    g_assert_cmpstr (t, ==, "ShopOrderLine,ShopOrderLine,ShopOrderLine,ShopOrder,ShopPayment");
  }

  /* A model that is not a member: refused before any request. */
  none = history (f, "c1", SHOP_TYPE_ORDER_LINE, &error);
  g_assert_null (none);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY);
  g_assert_nonnull (strstr (error->message, "@collection=customer-history"));
}

static void
assert_declare_error (const char *type_name, const char *table, const char *const *tags,
                      const char *fragment)
{
  static const char *const props[] = { "id:s", "name:s", "status:s", "n:i", "ratio:d", NULL };
  g_autoptr(GError) error = NULL;
  GType type = test_define_model (type_name, props);

  g_assert_false (dynamorm_model_type_declare (type, table, tags, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  if (strstr (error->message, fragment) == NULL)
    g_error ("%s: message “%s” lacks “%s”", type_name, error->message, fragment);
}

static GType
declare_ok (const char *type_name, const char *table, const char *const *tags)
{
  static const char *const props[] = { "id:s", "name:s", "status:s", "n:i", NULL };
  g_autoptr(GError) error = NULL;
  GType type = test_define_model (type_name, props);

  g_assert_true (dynamorm_model_type_declare (type, table, tags, &error));
  g_assert_no_error (error);
  return type;
}

/* Every mistake of the list, reported before any request. */
static void
test_bad_input (void)
{
  {
    const char *tags[] = { "pk=pk,template:A#{nosuch}", NULL };
    assert_declare_error ("StBadProperty", "st_bad", tags, "not a stored property");
  }
  {
    const char *tags[] = { "pk=pk,template:A#{ratio}", NULL };
    assert_declare_error ("StBadFloat", "st_bad", tags, "floating-point");
  }
  {
    const char *tags[] = { "pk=pk,template:A#{id}", "name=pk", NULL };
    assert_declare_error ("StBadTwoKeys", "st_bad", tags, "two partition keys");
  }
  {
    const char *tags[] = { "id=pk,template:A#{name}", NULL };
    assert_declare_error ("StBadNamesProperty", "st_bad", tags, "is a property");
  }
  {
    const char *tags[] = { "pk=pk,omitempty,template:A#{id}", NULL };
    assert_declare_error ("StBadRole", "st_bad", tags, "does not fit a key template");
  }
  {
    const char *tags[] = { "pk=pk,template:A#{id}", "@collection=c,index:nope", NULL };
    assert_declare_error ("StBadCollectionIndex", "st_bad", tags, "does not declare");
  }
  {
    const char *tags[] = { "id=pk", "status=index:g,pk", "@index-condition=g:status=open", NULL };
    assert_declare_error ("StBadSparsePlain", "st_bad", tags, "key templates");
  }
  {
    const char *tags[] = { "pk=pk,template:A#{id}", "gpk=index:g,pk,template:S#{status}",
                           "@index-condition=g:colour=red", NULL };
    assert_declare_error ("StBadSparseTerm", "st_bad", tags, "colour=red");
  }
  {
    const char *tags[] = { "pk=pk,template:A#{id}", "@shape=round", NULL };
    assert_declare_error ("StBadOption", "st_bad", tags, "not a model option");
  }
  /* Two models whose templates could make the same key. */
  {
    const char *a[] = { "pk=pk,template:ACCOUNT#{id}", "sk=sk,template:ITEM#{name}", NULL };
    const char *b[] = { "pk=pk,template:ACCOUNT#{id}", "sk=sk,template:ITEM#{status}", NULL };
    declare_ok ("StCollideA", "st_collide", a);
    assert_declare_error ("StCollideB", "st_collide", b, "could compose the same key");
  }
  /* Leading placeholders with distinct literals after them: no collision
   * (the leading-literal rule refused these). */
  {
    const char *a[] = { "pk=pk,template:ACCOUNT#{id}", "sk=sk,template:{status}#ITEM", NULL };
    const char *b[] = { "pk=pk,template:ACCOUNT#{id}", "sk=sk,template:{status}#NOTE", NULL };
    declare_ok ("StDistinctA", "st_distinct", a);
    declare_ok ("StDistinctB", "st_distinct", b);
  }
  /* Index keys that could be the same, and no entity attribute to tell
   * the items apart on reads of the index. */
  {
    const char *a[] = { "pk=pk,template:A#{id}", "g1=index:gsi1,pk,template:BY#{status}", "@entity-attribute=-", NULL };
    const char *b[] = { "pk=pk,template:B#{id}", "g1=index:gsi1,pk,template:BY#{name}", "@entity-attribute=-", NULL };
    const char *c[] = { "pk=pk,template:C#{id}", "g1=index:gsi1,pk,template:OTHER#{name}", "@entity-attribute=-", NULL };
    declare_ok ("StIndexA", "st_index", a);
    assert_declare_error ("StIndexB", "st_index", b, "share the index “gsi1”");
    declare_ok ("StIndexC", "st_index", c);
  }
  /* Collection members that do not share the partition template. */
  {
    const char *a[] = { "pk=pk,template:ACCOUNT#{id}", "sk=sk,template:A", "@collection=acct", NULL };
    const char *b[] = { "pk=pk,template:USER#{id}", "sk=sk,template:B", "@collection=acct", NULL };
    GType ta = declare_ok ("StMemberA", "st_members", a);
    GType tb = declare_ok ("StMemberB", "st_members", b);
    g_autoptr(DynamormSession) session = dynamorm_session_new ("memory://", NULL);
    g_autoptr(DynamormQuery) q = NULL;
    g_autoptr(GListModel) none = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_nonnull (session);
    q = dynamorm_query_new_collection (session, "acct", ta);
    dynamorm_query_add_member (q, tb);
    dynamorm_query_where (q, "id", DYNAMORM_OPERATOR_EQ, "x");
    none = dynamorm_query_all (q, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
    g_assert_nonnull (strstr (error->message, "share one partition key"));
  }
}

int
main (int argc, char *argv[])
{
  test_parse_backend_arg (&argc, argv);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  g_test_add ("/dynamorm/single-table/item", Fixture, NULL, NULL, test_item, NULL);
  if (g_str_equal (test_backend_name, "memory"))
    g_test_add_func ("/dynamorm/single-table/bad-input", test_bad_input);
  ADD ("/dynamorm/single-table/put-get", test_put_get);
  ADD ("/dynamorm/single-table/update", test_update);
  ADD ("/dynamorm/single-table/query-templates", test_query_templates);
  ADD ("/dynamorm/single-table/collections", test_collections);
  ADD ("/dynamorm/single-table/sparse-condition", test_sparse_condition);
  ADD ("/dynamorm/single-table/transaction-batch-ensure", test_transaction_batch_ensure);
  return g_test_run ();
}
