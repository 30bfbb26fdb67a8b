/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-demo: the quick start of the Go library DynamORM, in C.
 *
 * Defines users and payments, creates their tables, creates a user,
 * tries to create it again (insert-only, refused), reads it, updates it,
 * stores a payment, deletes the user. Runs on the in-memory backend unless
 * DYNAMORM_URI names another (local://127.0.0.1:8000, aws://eu-west-1). */
#include <stdio.h>
#include <stdlib.h>
#include <dynamorm.h>

#include "shop-models.h"

/* ---- models ---- */

static void
set_str (char **slot, const char *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

#define DEMO_TYPE_USER (demo_user_get_type ())
G_DECLARE_FINAL_TYPE (DemoUser, demo_user, DEMO, USER, DynamormModel)

struct _DemoUser
{
  DynamormModel parent_instance;
  char *id;
  char *email;
  char *name;
  GDateTime *created_at;
  gint64 version;
  gint64 payment_count;
};

enum { USER_PROP_0, USER_PROP_ID, USER_PROP_EMAIL, USER_PROP_NAME, USER_PROP_CREATED_AT,
       USER_PROP_VERSION, USER_PROP_PAYMENT_COUNT };

G_DEFINE_FINAL_TYPE (DemoUser, demo_user, DYNAMORM_TYPE_MODEL)

static void
demo_user_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DemoUser *self = DEMO_USER (object);

  switch (prop_id)
    {
    case USER_PROP_ID: g_value_set_string (value, self->id); break;
    case USER_PROP_EMAIL: g_value_set_string (value, self->email); break;
    case USER_PROP_NAME: g_value_set_string (value, self->name); break;
    case USER_PROP_CREATED_AT: g_value_set_boxed (value, self->created_at); break;
    case USER_PROP_VERSION: g_value_set_int64 (value, self->version); break;
    case USER_PROP_PAYMENT_COUNT: g_value_set_int64 (value, self->payment_count); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_user_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DemoUser *self = DEMO_USER (object);

  switch (prop_id)
    {
    case USER_PROP_ID: set_str (&self->id, g_value_get_string (value)); break;
    case USER_PROP_EMAIL: set_str (&self->email, g_value_get_string (value)); break;
    case USER_PROP_NAME: set_str (&self->name, g_value_get_string (value)); break;
    case USER_PROP_CREATED_AT:
      g_clear_pointer (&self->created_at, g_date_time_unref);
      self->created_at = g_value_dup_boxed (value);
      break;
    case USER_PROP_VERSION: self->version = g_value_get_int64 (value); break;
    case USER_PROP_PAYMENT_COUNT: self->payment_count = g_value_get_int64 (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_user_finalize (GObject *object)
{
  DemoUser *self = DEMO_USER (object);

  g_free (self->id);
  g_free (self->email);
  g_free (self->name);
  g_clear_pointer (&self->created_at, g_date_time_unref);
  G_OBJECT_CLASS (demo_user_parent_class)->finalize (object);
}

static void
demo_user_class_init (DemoUserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DynamormModelClass *model_class = DYNAMORM_MODEL_CLASS (klass);

  object_class->get_property = demo_user_get_property;
  object_class->set_property = demo_user_set_property;
  object_class->finalize = demo_user_finalize;

  g_object_class_install_property (object_class, USER_PROP_ID,
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, USER_PROP_EMAIL,
    g_param_spec_string ("email", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, USER_PROP_NAME,
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, USER_PROP_CREATED_AT,
    g_param_spec_boxed ("created-at", NULL, NULL, G_TYPE_DATE_TIME, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, USER_PROP_VERSION,
    g_param_spec_int64 ("version", NULL, NULL, 0, G_MAXINT64, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, USER_PROP_PAYMENT_COUNT,
    g_param_spec_int64 ("payment-count", NULL, NULL, 0, G_MAXINT64, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /* The Go library's `dynamorm:"pk"` / `dynamorm:"sk"` tags. */
  dynamorm_model_class_set_table_name (model_class, "users");
  dynamorm_model_class_tag_property (model_class, "id", "pk");
  dynamorm_model_class_tag_property (model_class, "email", "sk");
  dynamorm_model_class_tag_property (model_class, "created-at", "created_at");
  dynamorm_model_class_tag_property (model_class, "version", "version");
}

static void demo_user_init (DemoUser *self) { }

#define DEMO_TYPE_PAYMENT (demo_payment_get_type ())
G_DECLARE_FINAL_TYPE (DemoPayment, demo_payment, DEMO, PAYMENT, DynamormModel)

struct _DemoPayment
{
  DynamormModel parent_instance;
  char *id;
  char *timestamp;
  char *customer_id;
  char *status;
  gint64 amount;
};

enum { PAY_PROP_0, PAY_PROP_ID, PAY_PROP_TIMESTAMP, PAY_PROP_CUSTOMER_ID, PAY_PROP_STATUS, PAY_PROP_AMOUNT };

G_DEFINE_FINAL_TYPE (DemoPayment, demo_payment, DYNAMORM_TYPE_MODEL)

static void
demo_payment_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DemoPayment *self = DEMO_PAYMENT (object);

  switch (prop_id)
    {
    case PAY_PROP_ID: g_value_set_string (value, self->id); break;
    case PAY_PROP_TIMESTAMP: g_value_set_string (value, self->timestamp); break;
    case PAY_PROP_CUSTOMER_ID: g_value_set_string (value, self->customer_id); break;
    case PAY_PROP_STATUS: g_value_set_string (value, self->status); break;
    case PAY_PROP_AMOUNT: g_value_set_int64 (value, self->amount); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_payment_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DemoPayment *self = DEMO_PAYMENT (object);

  switch (prop_id)
    {
    case PAY_PROP_ID: set_str (&self->id, g_value_get_string (value)); break;
    case PAY_PROP_TIMESTAMP: set_str (&self->timestamp, g_value_get_string (value)); break;
    case PAY_PROP_CUSTOMER_ID: set_str (&self->customer_id, g_value_get_string (value)); break;
    case PAY_PROP_STATUS: set_str (&self->status, g_value_get_string (value)); break;
    case PAY_PROP_AMOUNT: self->amount = g_value_get_int64 (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_payment_finalize (GObject *object)
{
  DemoPayment *self = DEMO_PAYMENT (object);

  g_free (self->id);
  g_free (self->timestamp);
  g_free (self->customer_id);
  g_free (self->status);
  G_OBJECT_CLASS (demo_payment_parent_class)->finalize (object);
}

static void
demo_payment_class_init (DemoPaymentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DynamormModelClass *model_class = DYNAMORM_MODEL_CLASS (klass);

  object_class->get_property = demo_payment_get_property;
  object_class->set_property = demo_payment_set_property;
  object_class->finalize = demo_payment_finalize;

  g_object_class_install_property (object_class, PAY_PROP_ID,
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PAY_PROP_TIMESTAMP,
    g_param_spec_string ("timestamp", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PAY_PROP_CUSTOMER_ID,
    g_param_spec_string ("customer-id", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PAY_PROP_STATUS,
    g_param_spec_string ("status", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PAY_PROP_AMOUNT,
    g_param_spec_int64 ("amount", NULL, NULL, 0, G_MAXINT64, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  dynamorm_model_class_set_table_name (model_class, "payments");
  dynamorm_model_class_tag_property (model_class, "id", "pk");
  dynamorm_model_class_tag_property (model_class, "timestamp", "sk");
  dynamorm_model_class_tag_property (model_class, "customer-id", "index:customer-index,pk");
  dynamorm_model_class_tag_property (model_class, "status", "index:customer-index,sk");
}

static void demo_payment_init (DemoPayment *self) { }

/* ---- the walk-through ---- */

static int step_number;

static void
step (const char *what)
{
  printf ("\n%d. %s\n", ++step_number, what);
}

static void
say (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  printf ("   ");
  vprintf (format, args);
  printf ("\n");
  va_end (args);
}

static int
fail (const char *doing, GError *error)
{
  fprintf (stderr, "\nThe demo failed while %s:\n   %s\n", doing, error->message);
  return EXIT_FAILURE;
}

static gboolean
ensure_table (DynamormSession *session, GType type, GError **error)
{
  g_autofree char *name = dynamorm_session_get_table_name (session, type);
  g_autoptr(GError) local_error = NULL;

  if (dynamorm_session_create_table (session, type, NULL, &local_error))
    {
      say ("Created table “%s” from the %s model.", name, g_type_name (type));
      return TRUE;
    }
  if (g_error_matches (local_error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_IN_USE))
    {
      say ("Table “%s” already exists; using it.", name);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* ---- single-table design: a customer's history in one query ---- */

static gboolean
put_unref (DynamormSession *session, gpointer model, GError **error)
{
  gboolean ok = dynamorm_session_put (session, DYNAMORM_MODEL (model), NULL, error);

  g_object_unref (model);
  return ok;
}

/* The shop of docs/single-table.md: a customer, an order and a payment in
 * one table, read back as a collection with one query. */
static gboolean
read_collection (DynamormSession *session, GError **error)
{
  g_autoptr(GDateTime) when = g_date_time_new_utc (2024, 1, 5, 10, 0, 0);
  g_autoptr(DynamormQuery) history = NULL;
  g_autoptr(GListModel) items = NULL;

  if (!ensure_table (session, SHOP_TYPE_ORDER, error) ||
      !put_unref (session, g_object_new (SHOP_TYPE_CUSTOMER, "customer-id", "c1", "name", "Ann",
                                         "email", "ann@example.org", NULL), error) ||
      !put_unref (session, g_object_new (SHOP_TYPE_ORDER, "customer-id", "c1", "order-id", "o1",
                                         "created", when, "status", "paid", "total", (gint64) 4200, NULL), error) ||
      !put_unref (session, g_object_new (SHOP_TYPE_PAYMENT, "customer-id", "c1", "payment-id", "p1",
                                         "order-id", "o1", "paid", when, "amount", (gint64) 4200, NULL), error))
    return FALSE;

  history = dynamorm_query_new_collection (session, SHOP_COLLECTION_CUSTOMER_HISTORY, SHOP_TYPE_CUSTOMER);
  dynamorm_query_add_member (history, SHOP_TYPE_ORDER);
  dynamorm_query_add_member (history, SHOP_TYPE_PAYMENT);
  dynamorm_query_where (history, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
  if ((items = dynamorm_query_all (history, NULL, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (items, i);
      say ("%s", G_OBJECT_TYPE_NAME (item));
    }
  if (g_list_model_get_n_items (items) != 3)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED,
                   "the collection returned %u items instead of 3", g_list_model_get_n_items (items));
      return FALSE;
    }
  return TRUE;
}

/* ---- the service: the Go library's demo service, step by step ---- */

static void
on_progress (guint done, guint total, gpointer user_data)
{
  say ("  retrieved %u/%u payments", done, total);
}

static DemoPayment *
new_payment (const char *id, const char *customer, const char *status, gint64 amount)
{
  return g_object_new (DEMO_TYPE_PAYMENT, "id", id, "timestamp", "2024-05-01T10:00:00Z",
                       "customer-id", customer, "status", status, "amount", amount, NULL);
}

static gboolean
run_service_demo (DynamormSession *session, GError **error)
{
  g_autoptr(DemoUser) alice = NULL;
  g_autoptr(DemoUser) stale = NULL;
  GError *local_error = NULL;

  step ("Insert-only create of another user");
  alice = g_object_new (DEMO_TYPE_USER, "id", "user456", "email", "alice@example.com",
                        "name", "Alice", NULL);
  if (!dynamorm_session_insert (session, DYNAMORM_MODEL (alice), NULL, error))
    return FALSE;
  say ("Stored user456 at version %" G_GINT64_FORMAT ", created at a time Dynamorm keeps.", alice->version);

  step ("Optimistic update: two writers, one version");
  {
    const char *props[] = { "name", NULL };
    GValue id = G_VALUE_INIT, email = G_VALUE_INIT;

    g_value_init (&id, G_TYPE_STRING);
    g_value_set_string (&id, "user456");
    g_value_init (&email, G_TYPE_STRING);
    g_value_set_string (&email, "alice@example.com");
    stale = DEMO_USER (dynamorm_session_get (session, DEMO_TYPE_USER, &id, &email, NULL, error));
    g_value_unset (&id);
    g_value_unset (&email);
    if (stale == NULL)
      return FALSE;

    g_object_set (alice, "name", "Alice Smith", NULL);
    if (!dynamorm_session_update (session, DYNAMORM_MODEL (alice), props, NULL, error))
      return FALSE;
    say ("Writer A renamed her to “%s”: version %" G_GINT64_FORMAT ".", alice->name, alice->version);

    g_object_set (stale, "name", "Alice Jones", NULL);
    if (dynamorm_session_update (session, DYNAMORM_MODEL (stale), props, NULL, &local_error))
      {
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED, "a stale write was accepted");
        return FALSE;
      }
    if (!g_error_matches (local_error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED))
      {
        g_propagate_error (error, local_error);
        return FALSE;
      }
    say ("Writer B, still holding version %" G_GINT64_FORMAT ", was refused: %s",
         stale->version, local_error->message);
    g_clear_error (&local_error);
  }

  step ("Guarded delete: only if the item exists");
  {
    g_autoptr(DynamormWriteOptions) options = dynamorm_write_options_new ();
    g_autoptr(DemoPayment) ghost = new_payment ("pay-404", "user456", "pending", 1);

    dynamorm_write_options_set_if_exists (options, TRUE);
    if (dynamorm_session_delete_full (session, DYNAMORM_MODEL (ghost), options, NULL, NULL, &local_error))
      {
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED, "a guarded delete of a missing item succeeded");
        return FALSE;
      }
    if (!g_error_matches (local_error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED) &&
        !g_error_matches (local_error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND))
      {
        g_propagate_error (error, local_error);
        return FALSE;
      }
    say ("Deleting payment pay-404, which does not exist, was refused: %s", local_error->message);
    g_clear_error (&local_error);
  }

  step ("Transaction: a payment and the user's payment count, together");
  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (session);
    g_autoptr(DynamormUpdate) count = dynamorm_update_new ();
    g_autoptr(DemoPayment) payment = new_payment ("pay-2", "user456", "completed", 1500);

    dynamorm_update_increment (count, "payment-count", 1);
    dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (payment), NULL);
    dynamorm_transaction_add_update_with (tx, DYNAMORM_MODEL (alice), count, NULL);
    if (!dynamorm_transaction_commit (tx, NULL, error))
      return FALSE;
    say ("Committed both writes at once (token %s).", dynamorm_transaction_get_client_request_token (tx));
  }
  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (session);
    g_autoptr(DynamormUpdate) count = dynamorm_update_new ();
    g_autoptr(DemoPayment) again = new_payment ("pay-2", "user456", "completed", 1500);
    GPtrArray *failures;  /* owned by the transaction */

    dynamorm_update_increment (count, "payment-count", 1);
    dynamorm_transaction_add_update_with (tx, DYNAMORM_MODEL (alice), count, NULL);
    dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (again), NULL);
    if (dynamorm_transaction_commit (tx, NULL, &local_error))
      {
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_FAILED, "a duplicate create was committed");
        return FALSE;
      }
    failures = dynamorm_transaction_get_failures (tx);
    for (guint i = 0; failures != NULL && i < failures->len; i++)
      say ("The same again was cancelled: action %u failed with %s (%s).",
           dynamorm_transaction_failure_get_index (failures->pdata[i]),
           dynamorm_transaction_failure_get_code (failures->pdata[i]),
           dynamorm_transaction_failure_get_message (failures->pdata[i]));
    g_clear_error (&local_error);
    if (!dynamorm_session_reload (session, DYNAMORM_MODEL (alice), NULL, error))
      return FALSE;
    say ("Nothing of it was written: user456 still has %" G_GINT64_FORMAT " payment.", alice->payment_count);
  }

  step ("Batch write 30 payments, then batch get them with a retry policy and progress");
  {
    g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (session);
    g_autoptr(DynamormBatchGet) get = dynamorm_batch_get_new (session, DEMO_TYPE_PAYMENT);
    g_autoptr(DynamormRetryPolicy) policy = dynamorm_retry_policy_new_full (5, 50, 2000, 1.5, 0.4);
    g_autoptr(GPtrArray) found = NULL;

    for (guint i = 0; i < 30; i++)
      {
        g_autofree char *id = g_strdup_printf ("pay-%02u", 10 + i);
        g_autoptr(DemoPayment) payment = new_payment (id, "user456", i % 3 ? "completed" : "pending", 100 * (i + 1));
        g_autoptr(DynamormKey) key = dynamorm_key_new_string (id, "2024-05-01T10:00:00Z");

        dynamorm_batch_write_add_put (write, DYNAMORM_MODEL (payment));
        dynamorm_batch_get_add_key (get, key);
      }
    if (!dynamorm_batch_write_execute (write, NULL, error))
      return FALSE;
    say ("Wrote 30 payments in chunks of 25.");

    dynamorm_batch_get_set_chunk_size (get, 10);
    dynamorm_batch_get_set_retry_policy (get, policy);
    dynamorm_batch_get_set_progress_func (get, on_progress, NULL, NULL);
    found = dynamorm_batch_get_execute (get, NULL, error);
    if (found == NULL)
      return FALSE;
    say ("Got %u payments back, in the order of the keys.", found->len);
  }

  step ("Query the customer index, one page at a time");
  {
    g_autofree char *cursor = NULL;
    guint page = 0;

    do
      {
        g_autoptr(DynamormQuery) query = dynamorm_query_new (session, DEMO_TYPE_PAYMENT);
        g_autoptr(GListModel) items = NULL;
        g_autofree char *next = NULL;

        dynamorm_query_where (query, "customer-id", DYNAMORM_OPERATOR_EQ, "user456");
        dynamorm_query_where (query, "status", DYNAMORM_OPERATOR_EQ, "completed");
        items = dynamorm_query_page (query, 8, cursor, &next, NULL, error);
        if (items == NULL)
          return FALSE;
        say ("Page %u: %u completed payments%s", ++page, g_list_model_get_n_items (items),
             next ? "; the next page's cursor is an opaque, signed string a web client can hand back" : "; that was the last page");
        g_free (cursor);
        cursor = g_steal_pointer (&next);
      }
    while (cursor != NULL);
  }

  return TRUE;
}

static void
print_capacity (DynamormSession *session)
{
  g_autoptr(GVariant) summary = dynamorm_session_get_capacity_summary (session);
  GVariantIter iter;
  const char *table, *index;
  double read, write;

  g_variant_iter_init (&iter, summary);
  while (g_variant_iter_next (&iter, "(&s&sdd)", &table, &index, &read, &write))
    say ("%-28s %6.1f read units, %6.1f write units", *index ? index : table, read, write);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(DemoUser) user = NULL;
  g_autoptr(DemoUser) duplicate = NULL;
  g_autoptr(DynamormModel) found = NULL;
  g_autoptr(DemoPayment) payment = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  const char *uri = g_getenv ("DYNAMORM_URI");
  GValue id = G_VALUE_INIT, email = G_VALUE_INIT;

  if (uri == NULL || *uri == '\0')
    uri = "memory://";

  printf ("Dynamorm %s demo: the quick start of the Go library DynamORM, in C.\n", DYNAMORM_VERSION_S);

  step ("Open a session");
  session = dynamorm_session_new (uri, &error);
  if (session == NULL)
    return fail ("opening a session", error);
  say ("Using the backend at %s (set DYNAMORM_URI to use another, e.g. local://127.0.0.1:8000).", uri);
  if (!g_str_has_prefix (uri, "memory:"))
    {
      /* Keep the demo's tables apart from anything else on a shared server. */
      g_autofree char *prefix = g_strdup_printf ("dynamorm_demo_%d_", (int) getpid ());
      dynamorm_session_set_table_prefix (session, prefix);
      say ("Table names get the prefix “%s”.", prefix);
    }

  /* Meter every operation, table by table and index by index. */
  dynamorm_session_set_capacity_mode (session, DYNAMORM_CAPACITY_INDEXES);

  step ("Create the tables from the models");
  if (!ensure_table (session, DEMO_TYPE_USER, &error) ||
      !ensure_table (session, DEMO_TYPE_PAYMENT, &error))
    return fail ("creating tables", error);

  step ("Create a user, insert-only");
  user = g_object_new (DEMO_TYPE_USER, "id", "user123", "email", "john@example.com",
                       "name", "John Doe", "created-at", now, NULL);
  if (!dynamorm_session_insert (session, DYNAMORM_MODEL (user), NULL, &error))
    return fail ("creating the user", error);
  say ("Stored user123 <john@example.com>, “John Doe”.");

  step ("Try to create the same user again");
  duplicate = g_object_new (DEMO_TYPE_USER, "id", "user123", "email", "john@example.com",
                            "name", "Impostor", NULL);
  if (dynamorm_session_insert (session, DYNAMORM_MODEL (duplicate), NULL, &error))
    {
      fprintf (stderr, "\nThe demo failed: inserting an existing user should have been refused.\n");
      return EXIT_FAILURE;
    }
  if (!g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED))
    return fail ("creating the duplicate user", error);
  say ("Refused, as it should be: the condition “no such item yet” failed (%s).",
       dynamorm_error_get_service_error (error));
  say ("Nothing was overwritten. Use put instead of insert when overwriting is what you want.");
  g_clear_error (&error);

  step ("Read the user back by its key");
  g_value_init (&id, G_TYPE_STRING);
  g_value_set_string (&id, "user123");
  g_value_init (&email, G_TYPE_STRING);
  g_value_set_string (&email, "john@example.com");
  found = dynamorm_session_get (session, DEMO_TYPE_USER, &id, &email, NULL, &error);
  if (found == NULL)
    return fail ("reading the user", error);
  {
    g_autofree char *created = DEMO_USER (found)->created_at
                               ? g_date_time_format_iso8601 (DEMO_USER (found)->created_at) : NULL;
    say ("Found “%s”, created at %s.", DEMO_USER (found)->name, created ? created : "(unknown)");
  }
  g_clear_object (&found);

  step ("Update the user's name only");
  {
    const char *properties[] = { "name", NULL };

    g_object_set (user, "name", "John Q. Doe", NULL);
    if (!dynamorm_session_update (session, DYNAMORM_MODEL (user), properties, NULL, &error))
      return fail ("updating the user", error);
    say ("The name is now “%s”; the other attributes were left as they were.", user->name);
  }

  step ("Record a payment, indexed by customer");
  payment = g_object_new (DEMO_TYPE_PAYMENT, "id", "pay-1", "timestamp", "2024-05-01T10:00:00Z",
                          "customer-id", "user123", "status", "completed", "amount", (gint64) 2599, NULL);
  if (!dynamorm_session_put (session, DYNAMORM_MODEL (payment), NULL, &error))
    return fail ("storing the payment", error);
  say ("Stored payment pay-1 of 25.99 for user123 (global index “customer-index”).");

  step ("Delete the user");
  if (!dynamorm_session_delete (session, DYNAMORM_MODEL (user), NULL, &error))
    return fail ("deleting the user", error);
  found = dynamorm_session_get (session, DEMO_TYPE_USER, &id, &email, NULL, &error);
  if (found != NULL || !g_error_matches (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND))
    {
      fprintf (stderr, "\nThe demo failed: the deleted user can still be read.\n");
      return EXIT_FAILURE;
    }
  say ("Deleted; reading it again says: %s", error->message);
  g_clear_error (&error);

  if (!run_service_demo (session, &error))
    return fail ("running the service demo", error);

  step ("Single-table design: a customer, an order and a payment in one table, read as one collection");
  if (!read_collection (session, &error))
    return fail ("reading a collection", error);

  step ("Consumed capacity, as DynamoDB reported it");
  print_capacity (session);

  if (!g_str_has_prefix (uri, "memory:"))
    {
      step ("Clean up the demo's tables");
      if (!dynamorm_session_delete_table (session, DEMO_TYPE_USER, NULL, &error) ||
          !dynamorm_session_delete_table (session, DEMO_TYPE_PAYMENT, NULL, &error) ||
          !dynamorm_session_delete_table (session, SHOP_TYPE_ORDER, NULL, &error))
        return fail ("deleting the demo tables", error);
      say ("Deleted.");
    }

  g_value_unset (&id);
  g_value_unset (&email);
  printf ("\nDone: every step worked.\n");
  return EXIT_SUCCESS;
}
