/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Model types shared by the C tests: one property of every storable type. */
#pragma once

#include <dynamorm.h>

G_BEGIN_DECLS

typedef enum {
  TEST_KIND_PLAIN,
  TEST_KIND_FANCY,
} TestKind;

GType test_kind_get_type (void);
#define TEST_TYPE_KIND (test_kind_get_type ())

/* A generic model whose properties keep GValues: enough for tests. */
#define TEST_TYPE_MODEL (test_model_get_type ())
G_DECLARE_DERIVABLE_TYPE (TestModel, test_model, TEST, MODEL, DynamormModel)
struct _TestModelClass { DynamormModelClass parent_class; };

/* id (pk), email, name, age, active, score, tags (set), created,
 * payload, big (number), kind, extra (a{sv}), doc (JsonNode), u64, i64,
 * tiny (gint8), ratio (float), address (TestAddress), lines (of:TestLine),
 * secret (-), display (attr:display_name), nickname (omitempty), labels (L). */
#define TEST_TYPE_USER (test_user_get_type ())
G_DECLARE_FINAL_TYPE (TestUser, test_user, TEST, USER, TestModel)

/* A TestUser with every property set to a telling value (id "u1"). */
TestUser *test_user_new_full (void);

/* dynamorm_session_get() of the TestUser with this id. */
DynamormModel *test_user_get (DynamormSession *session, const char *id, GError **error);

/* Nested: street, city. */
#define TEST_TYPE_ADDRESS (test_address_get_type ())
G_DECLARE_FINAL_TYPE (TestAddress, test_address, TEST, ADDRESS, TestModel)

/* Nested list element: sku, qty. */
#define TEST_TYPE_LINE (test_line_get_type ())
G_DECLARE_FINAL_TYPE (TestLine, test_line, TEST, LINE, TestModel)

/* A table with a sort key and a GSI: account (pk), invoice (sk),
 * customer (index:by-customer,pk), total (index:by-customer,sk), status. */
#define TEST_TYPE_INVOICE (test_invoice_get_type ())
G_DECLARE_FINAL_TYPE (TestInvoice, test_invoice, TEST, INVOICE, TestModel)

/* Declares a model type at run time from (name, GType) pairs, for schema
 * error tests: "name:type" where type is s, i, b, d. */
GType test_define_model (const char *type_name, const char * const *props);
/* The same, declared on table with tags (dynamorm_model_type_declare);
 * once per type_name, the type is returned again after that. */
GType test_declare_model (const char *type_name, const char *table, const char * const *props,
                          const char * const *tags);

/* Per-backend tests: the backend named by `--backend memory|local`
 * (removed from argv; with local and no DynamoDB Local, the program reports
 * itself skipped and exits), and a session on it with a unique table prefix
 * starting with tag. NULL (the test is skipped) when the local backend was
 * asked for and the test command started no DynamoDB Local
 * (DYNAMORM_LOCAL_URI). */
extern const char *test_backend_name;
void             test_parse_backend_arg (int *argc, char **argv);
DynamormSession *test_session_new       (const char *tag);

G_END_DECLS
