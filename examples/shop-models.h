/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shop-models.h: a small shop in one DynamoDB table (docs/single-table.md):
 * customers, their orders and payments, and the lines of each order. */
#pragma once

#include <dynamorm.h>

G_BEGIN_DECLS

/* The common base: keeps each property in a GValue, so that the models
 * below are only their properties and their single-table tags. */
#define SHOP_TYPE_RECORD (shop_record_get_type ())
G_DECLARE_DERIVABLE_TYPE (ShopRecord, shop_record, SHOP, RECORD, DynamormModel)
struct _ShopRecordClass { DynamormModelClass parent_class; };

/* customer-id, name, email.
 * pk CUSTOMER#{customer-id}, sk PROFILE; gsi2: EMAIL#{email:lower} / CUSTOMER. */
#define SHOP_TYPE_CUSTOMER (shop_customer_get_type ())
G_DECLARE_FINAL_TYPE (ShopCustomer, shop_customer, SHOP, CUSTOMER, ShopRecord)

/* customer-id, order-id, created (GDateTime), status, total (cents).
 * pk CUSTOMER#{customer-id}, sk ORDER#{created:date}#{order-id};
 * gsi1: ORDER#{order-id} / ORDER; gsi2: STATUS#{status:upper} / {created},
 * only while the status is not "archived" (a sparse index condition). */
#define SHOP_TYPE_ORDER (shop_order_get_type ())
G_DECLARE_FINAL_TYPE (ShopOrder, shop_order, SHOP, ORDER, ShopRecord)

/* order-id, line-no (guint), sku, quantity, price (cents).
 * pk ORDER#{order-id}, sk LINE#{line-no:pad=4};
 * gsi1: ORDER#{order-id} / LINE#{line-no:pad=4}. */
#define SHOP_TYPE_ORDER_LINE (shop_order_line_get_type ())
G_DECLARE_FINAL_TYPE (ShopOrderLine, shop_order_line, SHOP, ORDER_LINE, ShopRecord)

/* customer-id, payment-id, order-id, paid (GDateTime), amount (cents).
 * pk CUSTOMER#{customer-id}, sk PAYMENT#{paid:date}#{payment-id};
 * gsi1: ORDER#{order-id} / PAYMENT#{payment-id}. */
#define SHOP_TYPE_PAYMENT (shop_payment_get_type ())
G_DECLARE_FINAL_TYPE (ShopPayment, shop_payment, SHOP, PAYMENT, ShopRecord)

/* The collections: a customer with their orders and payments (table), an
 * order with its lines and payments (gsi1). */
#define SHOP_COLLECTION_CUSTOMER_HISTORY "customer-history"
#define SHOP_COLLECTION_ORDER_DETAILS "order-details"

G_END_DECLS
