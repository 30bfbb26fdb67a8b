/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* partner-orders: a service that reads its partners' order tables, each in
 * the partner's own AWS account, through a role the partner lets it assume
 * (DynamormAccounts), where the customer's card number is an encrypted
 * property (KMS envelope encryption).
 *
 *   partner-orders BASE-URI PARTNER ROLE-ARN EXTERNAL-ID KMS-KEY
 *
 * For example:
 *   partner-orders aws://eu-west-1 acme arn:aws:iam::111122223333:role/OrdersReader \
 *                  acme-7f3a alias/orders
 *
 * With --seed first, it writes three orders as the partner would, then
 * reads them: that is how the test command runs it against moto's server
 * (which speaks DynamoDB, STS and KMS), with
 *   BASE-URI = aws://us-east-1?endpoint=MOTO&sts_endpoint=MOTO. */
#include <dynamorm.h>
#include <stdlib.h>
#include <string.h>

/* ---- The partner's order, as both sides declare it ---- */

#define ORDER_TYPE_ORDER (order_get_type ())
G_DECLARE_FINAL_TYPE (Order, order, ORDER, ORDER, DynamormModel)

struct _Order {
  DynamormModel parent_instance;
  char *customer, *number, *card, *status;
  int total;
};

enum { PROP_0, PROP_CUSTOMER, PROP_NUMBER, PROP_CARD, PROP_STATUS, PROP_TOTAL, N_PROPS };

G_DEFINE_FINAL_TYPE (Order, order, DYNAMORM_TYPE_MODEL)

static char **
string_slot (Order *self, guint id)
{
  switch (id)
    {
    case PROP_CUSTOMER: return &self->customer;
    case PROP_NUMBER: return &self->number;
    case PROP_CARD: return &self->card;
    case PROP_STATUS: return &self->status;
    default: return NULL;
    }
}

static void
order_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  Order *self = ORDER_ORDER (object);

  if (id == PROP_TOTAL)
    g_value_set_int (value, self->total);
  else
    g_value_set_string (value, *string_slot (self, id));
}

static void
order_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  Order *self = ORDER_ORDER (object);

  if (id == PROP_TOTAL)
    self->total = g_value_get_int (value);
  else
    {
      char **slot = string_slot (self, id);

      g_free (*slot);
      *slot = g_value_dup_string (value);
    }
}

static void
order_finalize (GObject *object)
{
  Order *self = ORDER_ORDER (object);

  g_free (self->customer);
  g_free (self->number);
  g_free (self->card);
  g_free (self->status);
  G_OBJECT_CLASS (order_parent_class)->finalize (object);
}

static void
order_class_init (OrderClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  DynamormModelClass *mc = DYNAMORM_MODEL_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  oc->get_property = order_get_property;
  oc->set_property = order_set_property;
  oc->finalize = order_finalize;
  g_object_class_install_property (oc, PROP_CUSTOMER, g_param_spec_string ("customer", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, PROP_NUMBER, g_param_spec_string ("number", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, PROP_CARD, g_param_spec_string ("card", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, PROP_STATUS, g_param_spec_string ("status", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, PROP_TOTAL, g_param_spec_int ("total", NULL, NULL, 0, G_MAXINT, 0, rw));

  dynamorm_model_class_set_table_name (mc, "partner_orders");
  dynamorm_model_class_tag_property (mc, "customer", "pk");
  dynamorm_model_class_tag_property (mc, "number", "sk");
  dynamorm_model_class_tag_property (mc, "card", "encrypted");
}

static void
order_init (Order *self)
{
}

/* ---- The service ---- */

/* What the partner would have written; the example writes it itself with
 * --seed, through the same assumed role. */
static gboolean
seed (DynamormSession *session, GError **error)
{
  const char *cards[] = { "4111 1111 1111 1111", "5500 0000 0000 0004", "3400 0000 0000 009" };
  g_autoptr(GError) create_error = NULL;

  /* A table left by an earlier run is fine: the puts replace its items. */
  if (!dynamorm_session_create_table (session, ORDER_TYPE_ORDER, NULL, &create_error) &&
      !g_error_matches (create_error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_IN_USE))
    {
      g_propagate_error (error, g_steal_pointer (&create_error));
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (cards); i++)
    {
      g_autofree char *number = g_strdup_printf ("2024-%04u", i + 1);
      g_autoptr(Order) order = g_object_new (ORDER_TYPE_ORDER, "customer", "c-42", "number", number,
                                             "card", cards[i], "status", "shipped", "total", 1000 * (i + 1),
                                             NULL);

      if (!dynamorm_session_put (session, DYNAMORM_MODEL (order), NULL, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
print_orders (DynamormSession *session, const char *partner, GError **error)
{
  g_autoptr(DynamormQuery) query = dynamorm_query_new (session, ORDER_TYPE_ORDER);
  g_autoptr(GListModel) orders = NULL;

  dynamorm_query_where (query, "customer", DYNAMORM_OPERATOR_EQ, "c-42");
  orders = dynamorm_query_all (query, NULL, error);
  if (orders == NULL)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (orders); i++)
    {
      g_autoptr(Order) order = g_list_model_get_item (orders, i);
      size_t len = strlen (order->card);

      /* The card was decrypted; the service shows its last four digits. */
      g_print ("%s: order %s, %s, total %d, card ending %s\n", partner, order->number, order->status,
               order->total, len >= 4 ? order->card + len - 4 : "?");
    }
  return g_list_model_get_n_items (orders) > 0;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormAccounts) accounts = NULL;
  g_autoptr(DynamormKeyProvider) kms = NULL;
  gboolean with_seed = argc > 1 && g_str_equal (argv[1], "--seed");
  DynamormSession *session;
  char **args = argv + (with_seed ? 1 : 0);

  if (argc - (with_seed ? 1 : 0) != 6)
    {
      g_printerr ("usage: %s [--seed] BASE-URI PARTNER ROLE-ARN EXTERNAL-ID KMS-KEY\n", argv[0]);
      return 2;
    }
  accounts = dynamorm_accounts_new (args[1], NULL, &error);
  if (accounts == NULL || !dynamorm_accounts_add (accounts, args[2], args[3], NULL, args[4], &error) ||
      (session = dynamorm_accounts_get_session (accounts, args[2], &error)) == NULL)
    goto fail;

  /* The partner's KMS key, reached with the partner session's credentials
   * would be the usual set-up (kms_key_id= in the base URI); here the key
   * is named on its own so the example shows both APIs. */
  kms = dynamorm_key_provider_new_kms (args[5], NULL, NULL, g_getenv ("AWS_ENDPOINT_URL_KMS"), &error);
  if (kms == NULL)
    goto fail;
  dynamorm_session_set_key_provider (session, kms);

  if ((with_seed && !seed (session, &error)) || !print_orders (session, args[2], &error))
    goto fail;
  g_print ("%s: %" G_GUINT64_FORMAT " KMS call(s) for the whole run\n", args[2],
           dynamorm_data_key_cache_get_misses (dynamorm_session_get_data_key_cache (session)));
  return 0;

fail:
  g_printerr ("partner-orders: %s\n", error ? error->message : "no orders found");
  return 1;
}
