/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shop-models.c: the shop's models and their single-table declarations. */
#include "shop-models.h"

/* ---- ShopRecord: one GValue per property id ---- */

typedef struct {
  GArray *values;   /* of GValue, by property id */
} ShopRecordPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (ShopRecord, shop_record, DYNAMORM_TYPE_MODEL)

static void
shop_record_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ShopRecordPrivate *priv = shop_record_get_instance_private (SHOP_RECORD (object));

  if (prop_id < priv->values->len && G_IS_VALUE (&g_array_index (priv->values, GValue, prop_id)))
    g_value_copy (&g_array_index (priv->values, GValue, prop_id), value);
  else
    g_param_value_set_default (pspec, value);
}

static void
shop_record_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  ShopRecordPrivate *priv = shop_record_get_instance_private (SHOP_RECORD (object));
  GValue *slot;

  if (priv->values->len <= prop_id)
    g_array_set_size (priv->values, prop_id + 1);
  slot = &g_array_index (priv->values, GValue, prop_id);
  if (G_IS_VALUE (slot))
    g_value_unset (slot);
  g_value_init (slot, G_VALUE_TYPE (value));
  g_value_copy (value, slot);
}

static void
shop_record_finalize (GObject *object)
{
  ShopRecordPrivate *priv = shop_record_get_instance_private (SHOP_RECORD (object));

  g_array_unref (priv->values);
  G_OBJECT_CLASS (shop_record_parent_class)->finalize (object);
}

static void
shop_record_class_init (ShopRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = shop_record_get_property;
  object_class->set_property = shop_record_set_property;
  object_class->finalize = shop_record_finalize;
}

static void
shop_record_init (ShopRecord *self)
{
  ShopRecordPrivate *priv = shop_record_get_instance_private (self);

  priv->values = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_array_set_clear_func (priv->values, (GDestroyNotify) g_value_unset);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)

/* GObject does not inherit get_property and set_property: every model
 * class gets the record's. */
static GObjectClass *
record_class (gpointer klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = shop_record_get_property;
  object_class->set_property = shop_record_set_property;
  return object_class;
}

static void
install_string (GObjectClass *klass, guint id, const char *name)
{
  g_object_class_install_property (klass, id, g_param_spec_string (name, NULL, NULL, NULL, RW));
}

static void
install_int64 (GObjectClass *klass, guint id, const char *name)
{
  g_object_class_install_property (klass, id, g_param_spec_int64 (name, NULL, NULL, 0, G_MAXINT64, 0, RW));
}

static void
install_datetime (GObjectClass *klass, guint id, const char *name)
{
  g_object_class_install_property (klass, id, g_param_spec_boxed (name, NULL, NULL, G_TYPE_DATE_TIME, RW));
}

/* Every model lives in one table, "shop". */
static void
declare (DynamormModelClass *klass, const char *const *tags)
{
  dynamorm_model_class_set_table_name (klass, "shop");
  for (guint i = 0; tags[i] != NULL; i += 2)
    dynamorm_model_class_tag_property (klass, tags[i], tags[i + 1]);
}

/* ---- Customer ---- */

struct _ShopCustomer { ShopRecord parent_instance; };
G_DEFINE_FINAL_TYPE (ShopCustomer, shop_customer, SHOP_TYPE_RECORD)

static void
shop_customer_class_init (ShopCustomerClass *klass)
{
  GObjectClass *object_class = record_class (klass);
  static const char *const tags[] = {
    "pk", "pk,template:CUSTOMER#{customer-id}",
    "sk", "sk,template:PROFILE",
    "gsi2pk", "index:gsi2,pk,template:EMAIL#{email:lower}",
    "gsi2sk", "index:gsi2,sk,template:CUSTOMER",
    "@entity", "customer",
    "@collection", SHOP_COLLECTION_CUSTOMER_HISTORY,
    NULL,
  };

  install_string (object_class, 1, "customer-id");
  install_string (object_class, 2, "name");
  install_string (object_class, 3, "email");
  declare (DYNAMORM_MODEL_CLASS (klass), tags);
}

static void shop_customer_init (ShopCustomer *self) { }

/* ---- Order ---- */

struct _ShopOrder { ShopRecord parent_instance; };
G_DEFINE_FINAL_TYPE (ShopOrder, shop_order, SHOP_TYPE_RECORD)

static void
shop_order_class_init (ShopOrderClass *klass)
{
  GObjectClass *object_class = record_class (klass);
  static const char *const tags[] = {
    "pk", "pk,template:CUSTOMER#{customer-id}",
    "sk", "sk,template:ORDER#{created:date}#{order-id}",
    "gsi1pk", "index:gsi1,pk,template:ORDER#{order-id}",
    "gsi1sk", "index:gsi1,sk,template:ORDER",
    "gsi2pk", "index:gsi2,pk,template:STATUS#{status:upper}",
    "gsi2sk", "index:gsi2,sk,template:{created}",
    "@entity", "order",
    "@collection", SHOP_COLLECTION_CUSTOMER_HISTORY,
    "@collection", SHOP_COLLECTION_ORDER_DETAILS ",index:gsi1",
    /* Archived orders leave the by-status index. */
    "@index-condition", "gsi2:status!=archived",
    NULL,
  };

  install_string (object_class, 1, "customer-id");
  install_string (object_class, 2, "order-id");
  install_datetime (object_class, 3, "created");
  install_string (object_class, 4, "status");
  install_int64 (object_class, 5, "total");
  declare (DYNAMORM_MODEL_CLASS (klass), tags);
}

static void shop_order_init (ShopOrder *self) { }

/* ---- Order line ---- */

struct _ShopOrderLine { ShopRecord parent_instance; };
G_DEFINE_FINAL_TYPE (ShopOrderLine, shop_order_line, SHOP_TYPE_RECORD)

static void
shop_order_line_class_init (ShopOrderLineClass *klass)
{
  GObjectClass *object_class = record_class (klass);
  static const char *const tags[] = {
    "pk", "pk,template:ORDER#{order-id}",
    "sk", "sk,template:LINE#{line-no:pad=4}",
    "gsi1pk", "index:gsi1,pk,template:ORDER#{order-id}",
    "gsi1sk", "index:gsi1,sk,template:LINE#{line-no:pad=4}",
    "@entity", "order-line",
    "@collection", SHOP_COLLECTION_ORDER_DETAILS ",index:gsi1",
    NULL,
  };

  install_string (object_class, 1, "order-id");
  g_object_class_install_property (object_class, 2,
    g_param_spec_uint ("line-no", NULL, NULL, 0, 9999, 0, RW));
  install_string (object_class, 3, "sku");
  install_int64 (object_class, 4, "quantity");
  install_int64 (object_class, 5, "price");
  declare (DYNAMORM_MODEL_CLASS (klass), tags);
}

static void shop_order_line_init (ShopOrderLine *self) { }

/* ---- Payment ---- */

struct _ShopPayment { ShopRecord parent_instance; };
G_DEFINE_FINAL_TYPE (ShopPayment, shop_payment, SHOP_TYPE_RECORD)

static void
shop_payment_class_init (ShopPaymentClass *klass)
{
  GObjectClass *object_class = record_class (klass);
  static const char *const tags[] = {
    "pk", "pk,template:CUSTOMER#{customer-id}",
    "sk", "sk,template:PAYMENT#{paid:date}#{payment-id}",
    "gsi1pk", "index:gsi1,pk,template:ORDER#{order-id}",
    "gsi1sk", "index:gsi1,sk,template:PAYMENT#{payment-id}",
    "@entity", "payment",
    "@collection", SHOP_COLLECTION_CUSTOMER_HISTORY,
    "@collection", SHOP_COLLECTION_ORDER_DETAILS ",index:gsi1",
    NULL,
  };

  install_string (object_class, 1, "customer-id");
  install_string (object_class, 2, "payment-id");
  install_string (object_class, 3, "order-id");
  install_datetime (object_class, 4, "paid");
  install_int64 (object_class, 5, "amount");
  declare (DYNAMORM_MODEL_CLASS (klass), tags);
}

static void shop_payment_init (ShopPayment *self) { }
