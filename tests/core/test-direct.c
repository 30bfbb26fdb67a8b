/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The direct path (dynamorm-backend-private.h): session put and get of
 * plain models reach the memory backend as packed items. What a user relies
 * on: the stored item and the model read back are exactly those of the JSON
 * path, and every failure has the JSON path's answer. A counting backend
 * between the session and memory:// shows which path each call took. */
#include <math.h>
#include "test-models.h"
#include "dynamorm-backend-private.h"

/* ---- A backend that counts calls on each path ---- */

#define COUNTING_TYPE_BACKEND (counting_backend_get_type ())
G_DECLARE_FINAL_TYPE (CountingBackend, counting_backend, COUNTING, BACKEND, DynamormBackend)

struct _CountingBackend {
  DynamormBackend parent_instance;
  DynamormBackend *inner;
  guint json_calls, direct_puts, direct_gets, declined;
  guint batch_writes, batch_gets;   /* chunks offered on the direct path */
  guint queries;                    /* query pages offered on the direct path */
  guint transactions;               /* TransactWriteItems offered on the direct path */
  gboolean decline_batches;         /* answer DECLINED without asking inner */
  gboolean decline_queries;
  gboolean decline_transactions;
  GBytes *first_write;              /* a copy of the last batch's first write */
};

G_DEFINE_FINAL_TYPE (CountingBackend, counting_backend, DYNAMORM_TYPE_BACKEND)

static JsonNode *
counting_invoke (DynamormBackend *backend, const char *operation, JsonNode *request,
                 GCancellable *cancellable, GError **error)
{
  CountingBackend *self = COUNTING_BACKEND (backend);

  g_atomic_int_inc ((gint *) &self->json_calls);   /* parallel scans call from threads */
  return dynamorm_backend_invoke (self->inner, operation, request, cancellable, error);
}

static DynamormDirectResult
counting_put (DynamormBackend *backend, const char *table, guint8 *item, gsize len)
{
  CountingBackend *self = COUNTING_BACKEND (backend);
  DynamormDirectResult r = _dynamorm_backend_get_direct_ops (self->inner)->put_item (self->inner, table, item, len);

  self->direct_puts++;
  self->declined += r == DYNAMORM_DIRECT_DECLINED;
  return r;
}

static DynamormDirectResult
counting_get (DynamormBackend *backend, const char *table, const guint8 *key, gsize len,
              guint8 **item, gsize *item_len)
{
  CountingBackend *self = COUNTING_BACKEND (backend);
  DynamormDirectResult r = _dynamorm_backend_get_direct_ops (self->inner)->get_item (self->inner, table, key, len,
                                                                                      item, item_len);

  self->direct_gets++;
  self->declined += r == DYNAMORM_DIRECT_DECLINED;
  return r;
}

static DynamormDirectResult
counting_batch (DynamormBackend *backend, DynamormDirectWrite *writes, DynamormDirectRead *reads, guint n)
{
  CountingBackend *self = COUNTING_BACKEND (backend);
  DynamormDirectResult r;

  if (writes != NULL)
    {
      g_clear_pointer (&self->first_write, g_bytes_unref);
      self->first_write = g_bytes_new (writes[0].packed, writes[0].len);
    }
  r = self->decline_batches ? DYNAMORM_DIRECT_DECLINED
    : _dynamorm_backend_get_direct_ops (self->inner)->batch (self->inner, writes, reads, n);
  self->batch_writes += writes != NULL;
  self->batch_gets += reads != NULL;
  self->declined += r == DYNAMORM_DIRECT_DECLINED;
  return r;
}

static DynamormDirectResult
counting_query (DynamormBackend *backend, const char *operation, JsonNode *request, JsonNode **answer,
                GPtrArray **items)
{
  CountingBackend *self = COUNTING_BACKEND (backend);
  DynamormDirectResult r = self->decline_queries ? DYNAMORM_DIRECT_DECLINED
    : _dynamorm_backend_get_direct_ops (self->inner)->query (self->inner, operation, request, answer, items);

  g_atomic_int_inc ((gint *) &self->queries);
  g_atomic_int_add ((gint *) &self->declined, r == DYNAMORM_DIRECT_DECLINED);
  return r;
}

static DynamormDirectResult
counting_transact (DynamormBackend *backend, JsonNode *request, guint8 **items, const gsize *lens)
{
  CountingBackend *self = COUNTING_BACKEND (backend);
  DynamormDirectResult r = self->decline_transactions ? DYNAMORM_DIRECT_DECLINED
    : _dynamorm_backend_get_direct_ops (self->inner)->transact_write (self->inner, request, items, lens);

  self->transactions++;
  self->declined += r == DYNAMORM_DIRECT_DECLINED;
  return r;
}

static const DynamormDirectOps counting_ops = {
  counting_put, counting_get, counting_batch, counting_query, counting_transact
};

static void
counting_backend_finalize (GObject *object)
{
  g_clear_object (&COUNTING_BACKEND (object)->inner);
  g_clear_pointer (&COUNTING_BACKEND (object)->first_write, g_bytes_unref);
  G_OBJECT_CLASS (counting_backend_parent_class)->finalize (object);
}

static void
counting_backend_class_init (CountingBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = counting_backend_finalize;
  DYNAMORM_BACKEND_CLASS (klass)->invoke = counting_invoke;
  DYNAMORM_BACKEND_CLASS (klass)->direct_ops = &counting_ops;
}

static void
counting_backend_init (CountingBackend *self)
{
}

static void
counters_reset (CountingBackend *b)
{
  b->json_calls = b->direct_puts = b->direct_gets = b->declined = 0;
  b->batch_writes = b->batch_gets = b->queries = b->transactions = 0;
}

/* ---- Fixture ---- */

typedef struct {
  CountingBackend *backend;
  DynamormSession *session;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->backend = g_object_new (COUNTING_TYPE_BACKEND, NULL);
  f->backend->inner = dynamorm_backend_new_for_uri ("memory://?ttl_sweep=0", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (_dynamorm_backend_get_direct_ops (f->backend->inner));
  f->session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (f->backend));
  if (data == NULL)
    {
      g_assert_true (dynamorm_session_create_table (f->session, TEST_TYPE_USER, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (dynamorm_session_create_table (f->session, TEST_TYPE_INVOICE, NULL, &error));
      g_assert_no_error (error);
    }
  counters_reset (f->backend);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->session);
  g_clear_object (&f->backend);
}

static JsonNode *
raw_get (Fixture *f, const char *table, const char *key_json)
{
  g_autofree char *text = g_strdup_printf ("{\"TableName\": \"%s\", \"Key\": %s}", table, key_json);
  g_autoptr(JsonNode) request = json_from_string (text, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = dynamorm_session_call (f->session, "GetItem", request, NULL, &error);

  JsonNode *item;

  g_assert_no_error (error);
  item = json_object_get_member (json_node_get_object (response), "Item");
  return item != NULL ? json_node_ref (item) : NULL;
}

static char *
item_text (DynamormModel *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) item = dynamorm_model_to_item (model, &error);

  g_assert_no_error (error);
  return json_to_string (item, FALSE);
}

/* Stores user both ways and checks both paths store and read the same. */
static void
assert_paths_agree (Fixture *f, TestUser *user)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormWriteOptions) plain = dynamorm_write_options_new ();
  g_autofree char *id = NULL, *key = NULL, *direct_text = NULL, *json_text = NULL;
  g_autofree char *got_text = NULL, *decoded_text = NULL;
  g_autoptr(JsonNode) direct_item = NULL, json_item = NULL;
  g_autoptr(DynamormModel) got = NULL, decoded = NULL;

  g_object_get (user, "id", &id, NULL);
  key = g_strdup_printf ("{\"id\": {\"S\": \"%s\"}}", id);

  counters_reset (f->backend);
  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->direct_puts, ==, 1);
  g_assert_cmpuint (f->backend->declined, ==, 0);
  g_assert_cmpuint (f->backend->json_calls, ==, 0);
  direct_item = raw_get (f, "users", key);
  direct_text = json_to_string (direct_item, FALSE);

  /* With (empty) write options the put goes as a JSON PutItem. */
  counters_reset (f->backend);
  g_assert_true (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (user), plain, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->direct_puts, ==, 0);
  g_assert_cmpuint (f->backend->json_calls, ==, 1);
  json_item = raw_get (f, "users", key);
  json_text = json_to_string (json_item, FALSE);
  g_assert_cmpstr (direct_text, ==, json_text);

  /* Read back directly: the model the JSON item decodes to. */
  counters_reset (f->backend);
  got = test_user_get (f->session, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->direct_gets, ==, 1);
  g_assert_cmpuint (f->backend->json_calls, ==, 0);
  decoded = dynamorm_model_new_from_item (TEST_TYPE_USER, json_item, &error);
  g_assert_no_error (error);
  got_text = item_text (got);
  decoded_text = item_text (decoded);
  g_assert_cmpstr (got_text, ==, decoded_text);
}

static void
test_every_type_agrees (Fixture *f, gconstpointer data)
{
  g_autoptr(TestUser) full = test_user_new_full ();
  g_autoptr(TestUser) bare = g_object_new (TEST_TYPE_USER, "id", "bare", NULL);
  g_autoptr(TestUser) empty_strings = g_object_new (TEST_TYPE_USER, "id", "empty", "name", "",
                                                    "email", "e@x", NULL);
  const char *no_tags[] = { NULL };
  g_autoptr(TestUser) empty_lists = g_object_new (TEST_TYPE_USER, "id", "lists", "tags", no_tags,
                                                  "labels", no_tags, NULL);
  g_autoptr(TestUser) odd_number = g_object_new (TEST_TYPE_USER, "id", "num", "big", "1.50E+2", NULL);

  assert_paths_agree (f, full);
  assert_paths_agree (f, bare);
  assert_paths_agree (f, empty_strings);
  assert_paths_agree (f, empty_lists);
  assert_paths_agree (f, odd_number);
}

static void
test_doubles_agree (Fixture *f, gconstpointer data)
{
  const double values[] = {
    0.1, 0.3, 1.0 / 3.0, 98.5, -2.5, 1e-7, 1e-130, 9.99e125, -1e-100,
    123456789012345.6, 1e22, 1e23, 9007199254740993.0, 4503599627370497.5, -0.0, 0.0,
    0.000123456789, 100.0, 1e15, 1e16, 1e17, 12345.678901234567, 2.5e-5,
  };
  /* Outside DynamoDB's range (1E-130 to 1E+126): refused on both paths. */
  const double refused[] = { 1e300, -1e-300, 5e-324, 1.7976931348623157e308, 1e126 };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *id = g_strdup_printf ("d%u", i);
      float ratio = isfinite ((float) values[i]) ? (float) values[i] : 0.0f;
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", id, "score", values[i],
                                               "ratio", ratio, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(DynamormModel) got = NULL;
      double score;

      g_test_message ("score %.17g", values[i]);
      assert_paths_agree (f, user);
      got = test_user_get (f->session, id, &error);
      g_assert_no_error (error);
      g_object_get (got, "score", &score, NULL);
      g_assert_cmpfloat (score, ==, values[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "r", "score", refused[i], NULL);
      g_autoptr(GError) error = NULL;

      counters_reset (f->backend);
      g_assert_false (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
      g_assert_cmpuint (f->backend->direct_puts, ==, 0);
    }
}

static void
test_sort_key_and_index (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestInvoice) invoice = g_object_new (TEST_TYPE_INVOICE, "account", "acme", "invoice", "2024-001",
                                                 "customer", "c9", "total", (gint64) 1250, NULL);
  g_autoptr(DynamormModel) got = NULL;
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(GListModel) found = NULL;
  GValue pk = G_VALUE_INIT, sk = G_VALUE_INIT;
  gint64 total;

  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (invoice), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->direct_puts, ==, 1);

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, "acme");
  g_value_init (&sk, G_TYPE_STRING);
  g_value_set_string (&sk, "2024-001");
  got = dynamorm_session_get (f->session, TEST_TYPE_INVOICE, &pk, &sk, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->direct_gets, ==, 1);
  g_object_get (got, "total", &total, NULL);
  g_assert_cmpint (total, ==, 1250);

  /* The index was maintained by the direct put. */
  query = dynamorm_query_new (f->session, TEST_TYPE_INVOICE);
  dynamorm_query_where (query, "customer", DYNAMORM_OPERATOR_EQ, "c9");
  found = dynamorm_query_all (query, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
  g_value_unset (&pk);
  g_value_unset (&sk);
}

/* Failures: the direct path declines or is skipped, and the caller sees
 * the JSON path's error. */
static void
test_failures_answer_as_json (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (401 * 1024, 'x');
  const char *dup_tags[] = { "a", "a", NULL };
  g_autoptr(TestUser) empty_id = g_object_new (TEST_TYPE_USER, "id", "", NULL);
  g_autoptr(TestUser) too_big = g_object_new (TEST_TYPE_USER, "id", "big", "name", huge, NULL);
  g_autoptr(TestUser) dups = g_object_new (TEST_TYPE_USER, "id", "dups", "tags", dup_tags, NULL);
  g_autoptr(DynamormModel) missing = NULL;

  g_assert_false (dynamorm_session_put (f->session, DYNAMORM_MODEL (empty_id), NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "is empty"));
  g_clear_error (&error);

  counters_reset (f->backend);
  g_assert_false (dynamorm_session_put (f->session, DYNAMORM_MODEL (too_big), NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Item size has exceeded the maximum allowed size"));
  g_assert_cmpuint (f->backend->declined, ==, 1);
  g_assert_cmpuint (f->backend->json_calls, ==, 1);
  g_clear_error (&error);

  g_assert_false (dynamorm_session_put (f->session, DYNAMORM_MODEL (dups), NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "twice"));
  g_clear_error (&error);

  counters_reset (f->backend);
  missing = test_user_get (f->session, "nobody", &error);
  g_assert_null (missing);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "id = \"nobody\""));
  g_assert_cmpuint (f->backend->direct_gets, ==, 1);
  g_assert_cmpuint (f->backend->json_calls, ==, 1);
}

/* No table, or a table whose key does not match the model. */
static void
test_table_mismatches (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "u1", NULL);
  g_autoptr(JsonNode) create = json_from_string (
    "{\"TableName\": \"users\", \"BillingMode\": \"PAY_PER_REQUEST\","
    " \"AttributeDefinitions\": [{\"AttributeName\": \"id\", \"AttributeType\": \"N\"}],"
    " \"KeySchema\": [{\"AttributeName\": \"id\", \"KeyType\": \"HASH\"}]}", NULL);
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(DynamormModel) got = NULL;

  g_assert_false (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "create the table first: Session.create_table"));
  g_assert_cmpuint (f->backend->declined, ==, 1);
  g_clear_error (&error);

  created = dynamorm_session_call (f->session, "CreateTable", create, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Type mismatch for key id expected: N actual: S"));
  g_clear_error (&error);

  got = test_user_get (f->session, "u1", &error);
  g_assert_null (got);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
}

/* Consumed capacity and write options need the JSON request. */
static void
count_signal (DynamormSession *session, const char *operation, JsonNode *capacity, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_json_when_asked_for_more (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "u1", NULL);
  g_autoptr(DynamormModel) got = NULL;
  guint signals = 0;

  g_signal_connect (f->session, "consumed-capacity", G_CALLBACK (count_signal), &signals);
  dynamorm_session_set_capacity_mode (f->session, DYNAMORM_CAPACITY_TOTAL);
  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  got = test_user_get (f->session, "u1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->direct_puts + f->backend->direct_gets, ==, 0);
  g_assert_cmpuint (f->backend->json_calls, ==, 2);
  g_assert_cmpuint (signals, ==, 2);
}

/* A model others watch is updated with notifications, as before. */
static void
count_notify (GObject *object, GParamSpec *pspec, gpointer data)
{
  if (g_str_equal (pspec->name, "name"))
    (*(guint *) data)++;
}

static void
test_notify_kept (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "u1", "name", "Ada", NULL);
  g_autoptr(DynamormModel) got = NULL;
  g_autoptr(JsonNode) item = NULL;
  g_autofree char *name = NULL;
  guint notified = 0;

  g_assert_true (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  g_assert_no_error (error);
  got = test_user_get (f->session, "u1", &error);
  g_assert_no_error (error);
  g_signal_connect (got, "notify", G_CALLBACK (count_notify), &notified);
  g_object_set (user, "name", "Grace", NULL);
  item = dynamorm_model_to_item (DYNAMORM_MODEL (user), &error);
  g_assert_no_error (error);
  g_assert_true (dynamorm_model_load_item (got, item, &error));
  g_assert_no_error (error);
  g_object_get (got, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "Grace");
  g_assert_cmpuint (notified, ==, 1);
}

/* The async forms take the direct path too, and still complete from the
 * main context. */
static void
async_done (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static void
test_async (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = test_user_new_full ();
  g_autoptr(GAsyncResult) put_result = NULL, get_result = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autofree char *want = NULL, *have = NULL;
  GValue pk = G_VALUE_INIT;

  dynamorm_session_put_async (f->session, DYNAMORM_MODEL (user), NULL, async_done, &put_result);
  g_assert_null (put_result);   /* never completes inside the call */
  while (put_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (dynamorm_session_put_finish (f->session, put_result, &error));
  g_assert_no_error (error);

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, "u1");
  dynamorm_session_get_async (f->session, TEST_TYPE_USER, &pk, NULL, NULL, async_done, &get_result);
  g_value_unset (&pk);
  while (get_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  got = dynamorm_session_get_finish (f->session, get_result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->direct_puts, ==, 1);
  g_assert_cmpuint (f->backend->direct_gets, ==, 1);
  g_assert_cmpuint (f->backend->json_calls, ==, 0);
  /* What the stored item decodes to (a map property may come back with
   * its keys in another order, on either path). */
  {
    g_autoptr(JsonNode) item = raw_get (f, "users", "{\"id\": {\"S\": \"u1\"}}");
    g_autoptr(DynamormModel) decoded = dynamorm_model_new_from_item (TEST_TYPE_USER, item, &error);

    g_assert_no_error (error);
    want = item_text (decoded);
  }
  have = item_text (got);
  g_assert_cmpstr (have, ==, want);
}

/* ---- Batches: chunks of BatchWriteItem and BatchGetItem ---- */

#define N_BATCH_USERS 60
#define N_BATCH_INVOICES 10

/* 60 users of several shapes and 10 invoices (a sort key and an index):
 * 70 writes, three chunks. */
static GPtrArray *
batch_models (void)
{
  GPtrArray *models = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < N_BATCH_USERS; i++)
    {
      g_autofree char *id = g_strdup_printf ("b%02u", i);
      TestUser *user;

      if (i % 3 == 0)
        {
          user = test_user_new_full ();
          g_object_set (user, "id", id, NULL);
        }
      else if (i % 3 == 1)
        user = g_object_new (TEST_TYPE_USER, "id", id, "name", "", "email", "e@x", "big", "1.50E+2", NULL);
      else
        user = g_object_new (TEST_TYPE_USER, "id", id, NULL);
      g_ptr_array_add (models, user);
    }
  for (guint i = 0; i < N_BATCH_INVOICES; i++)
    {
      g_autofree char *number = g_strdup_printf ("2024-%03u", i);
      g_autofree char *customer = g_strdup_printf ("c%u", i % 3);

      g_ptr_array_add (models, g_object_new (TEST_TYPE_INVOICE, "account", "acme", "invoice", number,
                                             "customer", customer, "total", (gint64) i * 100, NULL));
    }
  return models;
}

/* The stored item of each model, as text ("-" for none), in order. */
static GPtrArray *
stored_texts (Fixture *f, GPtrArray *models)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < models->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) key = dynamorm_model_get_key (models->pdata[i], &error);
      g_autofree char *key_text = NULL, *table = NULL;
      g_autoptr(JsonNode) item = NULL;

      g_assert_no_error (error);
      key_text = json_to_string (key, FALSE);
      table = dynamorm_session_get_table_name (f->session, G_OBJECT_TYPE (models->pdata[i]));
      item = raw_get (f, table, key_text);
      g_ptr_array_add (texts, item ? json_to_string (item, FALSE) : g_strdup ("-"));
    }
  return texts;
}

static void
batch_write_all (Fixture *f, GPtrArray *models, gboolean deletes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) unwritten = NULL;
  DynamormModel **all = (DynamormModel **) models->pdata;

  g_assert_true (dynamorm_session_batch_write (f->session, deletes ? NULL : all, deletes ? 0 : models->len,
                                               deletes ? all : NULL, deletes ? models->len : 0, NULL,
                                               &unwritten, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unwritten->len, ==, 0);
}

/* The users with ids b00..b59, 50 that do not exist and b00 again: 111
 * distinct keys, two chunks. Returns the models as item texts. */
static GPtrArray *
batch_get_users (Fixture *f, GPtrArray **missing_out)
{
  g_autoptr(DynamormBatchGet) get = dynamorm_batch_get_new (f->session, TEST_TYPE_USER);
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *missing;

  for (guint i = 0; i < N_BATCH_USERS + 50; i++)
    {
      g_autofree char *id = g_strdup_printf (i < N_BATCH_USERS ? "b%02u" : "m%02u", i);
      g_autoptr(DynamormKey) key = dynamorm_key_new_string (id, NULL);

      dynamorm_batch_get_add_key (get, key);
    }
  {
    g_autoptr(DynamormKey) again = dynamorm_key_new_string ("b00", NULL);
    dynamorm_batch_get_add_key (get, again);
  }
  models = dynamorm_batch_get_execute (get, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < models->len; i++)
    g_ptr_array_add (texts, item_text (models->pdata[i]));
  missing = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < dynamorm_batch_get_get_missing_keys (get)->len; i++)
    g_ptr_array_add (missing, dynamorm_key_to_string (dynamorm_batch_get_get_missing_keys (get)->pdata[i]));
  *missing_out = missing;
  return texts;
}

static void
assert_same_texts (GPtrArray *a, GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (a->pdata[i], ==, b->pdata[i]);
}

/* Batch writes and gets in chunks, directly and as JSON (the counting
 * backend declines): the same items stored, the same models and missing
 * keys read back. */
static void
test_batch_paths_agree (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) models = batch_models ();
  g_autoptr(GPtrArray) direct_items = NULL, json_items = NULL, gone = NULL;
  g_autoptr(GPtrArray) direct_got = NULL, json_got = NULL, direct_missing = NULL, json_missing = NULL;

  batch_write_all (f, models, FALSE);
  g_assert_cmpuint (f->backend->batch_writes, ==, 3);
  g_assert_cmpuint (f->backend->declined, ==, 0);
  g_assert_cmpuint (f->backend->json_calls, ==, 0);
  direct_items = stored_texts (f, models);

  counters_reset (f->backend);
  direct_got = batch_get_users (f, &direct_missing);
  g_assert_cmpuint (f->backend->batch_gets, ==, 2);
  g_assert_cmpuint (f->backend->json_calls, ==, 0);
  g_assert_cmpuint (direct_got->len, ==, N_BATCH_USERS);
  g_assert_cmpuint (direct_missing->len, ==, 50);

  counters_reset (f->backend);
  batch_write_all (f, models, TRUE);
  g_assert_cmpuint (f->backend->batch_writes, ==, 3);
  g_assert_cmpuint (f->backend->json_calls, ==, 0);
  gone = stored_texts (f, models);
  for (guint i = 0; i < gone->len; i++)
    g_assert_cmpstr (gone->pdata[i], ==, "-");

  f->backend->decline_batches = TRUE;
  counters_reset (f->backend);
  batch_write_all (f, models, FALSE);
  g_assert_cmpuint (f->backend->declined, ==, 3);
  g_assert_cmpuint (f->backend->json_calls, ==, 3);
  json_items = stored_texts (f, models);
  assert_same_texts (direct_items, json_items);

  counters_reset (f->backend);
  json_got = batch_get_users (f, &json_missing);
  g_assert_cmpuint (f->backend->declined, ==, 2);
  g_assert_cmpuint (f->backend->json_calls, ==, 2);
  assert_same_texts (direct_got, json_got);
  assert_same_texts (direct_missing, json_missing);
}

/* What fails answers as on the JSON path: no table (the engine declines,
 * the JSON request gets DynamoDB's error), two writes of one item (refused
 * before anything is sent). */
static void
batch_failures (Fixture *f, GPtrArray *messages)
{
  g_autoptr(GPtrArray) models = batch_models ();
  g_autoptr(GPtrArray) unwritten = NULL;
  g_autoptr(DynamormBatchGet) get = dynamorm_batch_get_new (f->session, TEST_TYPE_USER);
  g_autoptr(DynamormKey) key = dynamorm_key_new_string ("b00", NULL);
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GError) error = NULL;
  DynamormModel *twice[] = { models->pdata[0], models->pdata[1], models->pdata[0] };

  g_assert_false (dynamorm_session_batch_write (f->session, (DynamormModel **) models->pdata, models->len,
                                                NULL, 0, NULL, &unwritten, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_assert_cmpuint (unwritten->len, ==, models->len);
  g_assert_cmpuint (f->backend->declined, >=, 1);
  g_ptr_array_add (messages, g_strdup (error->message));
  /* As many chunks in flight as the options allow, either way. */
  g_ptr_array_add (messages, g_strdup_printf ("%u requests", f->backend->json_calls));
  g_clear_error (&error);

  dynamorm_batch_get_add_key (get, key);
  got = dynamorm_batch_get_execute (get, NULL, &error);
  g_assert_null (got);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_assert_cmpuint (dynamorm_batch_get_get_failed_keys (get)->len, ==, 1);
  g_ptr_array_add (messages, g_strdup (error->message));
  g_clear_error (&error);

  counters_reset (f->backend);
  g_clear_pointer (&unwritten, g_ptr_array_unref);
  g_assert_false (dynamorm_session_batch_write (f->session, twice, G_N_ELEMENTS (twice), NULL, 0, NULL,
                                                &unwritten, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (unwritten->len, ==, 3);
  g_assert_cmpuint (f->backend->json_calls + f->backend->batch_writes, ==, 0);
  g_ptr_array_add (messages, g_strdup (error->message));
}

static void
test_batch_failures_agree (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) direct = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) json = g_ptr_array_new_with_free_func (g_free);

  batch_failures (f, direct);
  counters_reset (f->backend);
  f->backend->decline_batches = TRUE;
  batch_failures (f, json);
  assert_same_texts (direct, json);
}

/* The packed form the core sends for a batch put (or delete) of model. */
static GBytes *
packed_of (Fixture *f, DynamormModel *model, gboolean is_delete)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_session_batch_write (f->session, is_delete ? NULL : &model, !is_delete,
                                               is_delete ? &model : NULL, is_delete, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (f->backend->first_write);
  return g_bytes_ref (f->backend->first_write);
}

static void
set_write (DynamormDirectWrite *write, guint8 *packed, gsize len, gboolean is_delete)
{
  write->table_name = "users";
  write->packed = packed;
  write->len = len;
  write->is_delete = is_delete;
}

/* The memory backend's own batch calls decline what DynamoDB refuses (a
 * key twice in one request, which the core never sends): the JSON request
 * then answers DynamoDB's ValidationException. */
static void
test_batch_engine_declines (Fixture *f, gconstpointer data)
{
  DynamormBackend *inner = f->backend->inner;
  const DynamormDirectOps *ops = _dynamorm_backend_get_direct_ops (inner);
  DynamormDirectWrite writes[DYNAMORM_BATCH_WRITE_MAX_CHUNK_SIZE + 1];
  DynamormDirectRead reads[DYNAMORM_BATCH_GET_MAX_CHUNK_SIZE + 1];
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "d", "name", "x", NULL);
  g_autoptr(GBytes) item = packed_of (f, DYNAMORM_MODEL (user), FALSE);
  g_autoptr(GBytes) key = packed_of (f, DYNAMORM_MODEL (user), TRUE);
  gsize item_len;
  guint8 *item_data = g_bytes_unref_to_data (g_bytes_ref (item), &item_len);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) write_req = json_from_string (
    "{\"RequestItems\": {\"users\": [{\"PutRequest\": {\"Item\": {\"id\": {\"S\": \"d\"}}}},"
    " {\"DeleteRequest\": {\"Key\": {\"id\": {\"S\": \"d\"}}}}]}}", NULL);
  g_autoptr(JsonNode) get_req = json_from_string (
    "{\"RequestItems\": {\"users\": {\"Keys\": [{\"id\": {\"S\": \"d\"}}, {\"id\": {\"S\": \"d\"}}]}}}", NULL);
  g_autoptr(JsonNode) answer = NULL;

  set_write (&writes[0], item_data, item_len, FALSE);
  set_write (&writes[1], (guint8 *) g_bytes_get_data (key, NULL), g_bytes_get_size (key), TRUE);
  g_assert_cmpint (ops->batch (inner, writes, NULL, 2), ==, DYNAMORM_DIRECT_DECLINED);
  g_assert_true (writes[0].packed == item_data); /* not taken */
  answer = dynamorm_session_call (f->session, "BatchWriteItem", write_req, NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Provided list of item keys contains duplicates"));
  g_clear_error (&error);

  reads[0].table_name = "users";
  reads[0].key = g_bytes_get_data (key, NULL);
  reads[0].len = g_bytes_get_size (key);
  reads[0].item = NULL;
  reads[1] = reads[0];
  g_assert_cmpint (ops->batch (inner, NULL, reads, 2), ==, DYNAMORM_DIRECT_DECLINED);
  answer = dynamorm_session_call (f->session, "BatchGetItem", get_req, NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Provided list of item keys contains duplicates"));
  g_clear_error (&error);

  /* More than one request allows: declined too. */
  for (guint i = 2; i < G_N_ELEMENTS (writes); i++)
    writes[i] = writes[1];
  for (guint i = 2; i < G_N_ELEMENTS (reads); i++)
    reads[i] = reads[0];
  g_assert_cmpint (ops->batch (inner, writes, NULL, G_N_ELEMENTS (writes)), ==, DYNAMORM_DIRECT_DECLINED);
  g_assert_cmpint (ops->batch (inner, NULL, reads, G_N_ELEMENTS (reads)), ==, DYNAMORM_DIRECT_DECLINED);

  /* And carries out what it may: the put, then the delete, on their own. */
  g_assert_cmpint (ops->batch (inner, writes, NULL, 1), ==, DYNAMORM_DIRECT_DONE);
  g_assert_null (writes[0].packed);   /* taken */
  g_assert_cmpint (ops->batch (inner, NULL, reads, 1), ==, DYNAMORM_DIRECT_DONE);
  g_assert_nonnull (reads[0].item);
  g_free (reads[0].item);
  g_assert_cmpint (ops->batch (inner, writes + 1, NULL, 1), ==, DYNAMORM_DIRECT_DONE);
  g_assert_cmpint (ops->batch (inner, NULL, reads, 1), ==, DYNAMORM_DIRECT_DONE);
  g_assert_null (reads[0].item);
}

/* Consumed capacity goes as JSON; the async form takes the direct path
 * and completes from the main context. */
static void
test_batch_json_and_async (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) models = batch_models ();
  g_autoptr(DynamormBatchWrite) write = dynamorm_batch_write_new (f->session);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  dynamorm_batch_write_add_put (write, models->pdata[0]);
  dynamorm_batch_write_execute_async (write, NULL, async_done, &result);
  g_assert_null (result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (dynamorm_batch_write_execute_finish (write, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->batch_writes, ==, 1);
  g_assert_cmpuint (f->backend->json_calls, ==, 0);

  counters_reset (f->backend);
  dynamorm_session_set_capacity_mode (f->session, DYNAMORM_CAPACITY_TOTAL);
  batch_write_all (f, models, FALSE);
  g_assert_cmpuint (f->backend->batch_writes, ==, 0);
  g_assert_cmpuint (f->backend->json_calls, ==, 3);
}

/* ---- Query pages ---- */

static void
add_texts (GPtrArray *texts, GListModel *models)
{
  g_assert_nonnull (models);
  for (guint i = 0; i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr(DynamormModel) model = g_list_model_get_item (models, i);

      g_ptr_array_add (texts, item_text (model));
    }
}

static DynamormQuery *
acme_query (Fixture *f)
{
  DynamormQuery *query = dynamorm_query_new (f->session, TEST_TYPE_INVOICE);

  return dynamorm_query_where (query, "account", DYNAMORM_OPERATOR_EQ, "acme");
}

/* What a set of queries reads, as text: everything, pages with their
 * cursors, the first in descending order, a filter with a limit, a
 * projection, an index, a scan and a parallel scan, and a page read
 * asynchronously. */
static GPtrArray *
query_texts (Fixture *f)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  const char *projected[] = { "total", NULL };

  {
    g_autoptr(DynamormQuery) query = acme_query (f);
    g_autoptr(GListModel) all = dynamorm_query_all (query, NULL, &error);

    g_assert_no_error (error);
    add_texts (texts, all);
  }
  do
    {
      g_autoptr(DynamormQuery) query = acme_query (f);
      g_autofree char *next = NULL;
      g_autoptr(GListModel) page = dynamorm_query_page (query, 40, cursor, &next, NULL, &error);

      g_assert_no_error (error);
      add_texts (texts, page);
      g_ptr_array_add (texts, g_strdup (next ? next : "(end)"));
      g_free (cursor);
      cursor = g_steal_pointer (&next);
    }
  while (cursor != NULL);
  {
    g_autoptr(DynamormQuery) query = dynamorm_query_order_by (acme_query (f), "invoice", DYNAMORM_ORDER_DESCENDING);
    g_autoptr(DynamormModel) first = dynamorm_query_first (query, NULL, &error);

    g_assert_no_error (error);
    g_ptr_array_add (texts, item_text (first));
  }
  {
    g_autoptr(DynamormQuery) query = acme_query (f);
    g_autoptr(DynamormCondition) has_status = dynamorm_condition_new_exists ("status");
    g_autoptr(GListModel) some = NULL;

    dynamorm_query_filter (query, has_status);
    dynamorm_query_limit (query, 7);
    some = dynamorm_query_all (query, NULL, &error);
    g_assert_no_error (error);
    add_texts (texts, some);
  }
  {
    g_autoptr(DynamormQuery) query = dynamorm_query_project (acme_query (f), projected);
    g_autoptr(GListModel) some = dynamorm_query_all (query, NULL, &error);

    g_assert_no_error (error);
    add_texts (texts, some);
  }
  {
    g_autoptr(DynamormQuery) query = dynamorm_query_new (f->session, TEST_TYPE_INVOICE);
    g_autoptr(GListModel) some = NULL;

    dynamorm_query_index (query, "by-customer");
    dynamorm_query_where (query, "customer", DYNAMORM_OPERATOR_EQ, "c1");
    some = dynamorm_query_all (query, NULL, &error);
    g_assert_no_error (error);
    add_texts (texts, some);
  }
  {
    g_autoptr(DynamormQuery) query = dynamorm_query_new (f->session, TEST_TYPE_INVOICE);
    g_autoptr(GListModel) scanned = dynamorm_query_scan (query, NULL, &error);
    g_autoptr(GListModel) parallel = NULL;

    g_assert_no_error (error);
    add_texts (texts, scanned);
    parallel = dynamorm_query_parallel_scan (query, 3, NULL, &error);
    g_assert_no_error (error);
    add_texts (texts, parallel);
  }
  {
    g_autoptr(DynamormQuery) query = acme_query (f);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GListModel) page = NULL;
    g_autofree char *next = NULL;

    dynamorm_query_page_async (query, 25, NULL, NULL, async_done, &result);
    g_assert_null (result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    page = dynamorm_query_page_finish (query, result, &next, &error);
    g_assert_no_error (error);
    add_texts (texts, page);
    g_ptr_array_add (texts, g_strdup (next));
  }
  return texts;
}

/* Query and scan pages read directly (items packed) and as JSON read the
 * same models and cursors. */
static void
test_query_paths_agree (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) direct = NULL, json = NULL;

  for (guint i = 0; i < 130; i++)
    {
      g_autofree char *number = g_strdup_printf ("2025-%03u", i);
      g_autofree char *customer = g_strdup_printf ("c%u", i % 4);

      g_ptr_array_add (models, g_object_new (TEST_TYPE_INVOICE, "account", i < 120 ? "acme" : "other",
                                             "invoice", number, "customer", customer,
                                             "total", (gint64) i * 7, "status", i % 2 ? NULL : "open", NULL));
    }
  batch_write_all (f, models, FALSE);

  counters_reset (f->backend);
  direct = query_texts (f);
  g_assert_cmpuint (f->backend->queries, >, 0);
  g_assert_cmpuint (f->backend->declined, ==, 0);
  g_assert_cmpuint (f->backend->json_calls, ==, 0);

  f->backend->decline_queries = TRUE;
  counters_reset (f->backend);
  json = query_texts (f);
  g_assert_cmpuint (f->backend->json_calls, ==, f->backend->queries);
  assert_same_texts (direct, json);
}

/* A query the engine refuses goes as JSON and answers its error. */
static void
test_query_failures_answer_as_json (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormQuery) query = dynamorm_query_new (f->session, TEST_TYPE_INVOICE);
  g_autoptr(GListModel) none = NULL;
  g_autoptr(GError) error = NULL;

  dynamorm_query_where (query, "account", DYNAMORM_OPERATOR_EQ, "acme");
  none = dynamorm_query_all (query, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_assert_cmpuint (f->backend->declined, ==, 1);
  g_assert_cmpuint (f->backend->json_calls, ==, 1);
}

/* ---- Encrypted properties ---- */

static GType
secret_type (void)
{
  static GType type;

  if (type == 0)
    {
      static const char *props[] = { "id:s", "ssn:s", "notes:s", "age:i", "city:s", NULL };
      const char *tags[] = { "id=pk", "ssn=encrypted", "notes=encrypted,omitempty", "age=encrypted", NULL };
      g_autoptr(GError) error = NULL;

      type = test_define_model ("DirectSecret", (const char * const *) props);
      g_assert_true (dynamorm_model_type_declare (type, "secrets", tags, &error));
      g_assert_no_error (error);
    }
  return type;
}

static DynamormKeyProvider *
secret_provider (void)
{
  guint8 key[32];
  g_autoptr(GBytes) bytes = NULL;

  for (guint i = 0; i < 32; i++)
    key[i] = 3 + i * 5;
  bytes = g_bytes_new (key, 32);
  return DYNAMORM_KEY_PROVIDER (dynamorm_local_key_provider_new (bytes, NULL));
}

static void
assert_secret (DynamormModel *model, const char *ssn, const char *notes, int age)
{
  g_autofree char *got_ssn = NULL, *got_notes = NULL;
  int got_age = 0;

  g_assert_nonnull (model);
  g_object_get (model, "ssn", &got_ssn, "notes", &got_notes, "age", &got_age, NULL);
  g_assert_cmpstr (got_ssn, ==, ssn);
  g_assert_cmpstr (got_notes, ==, notes);
  g_assert_cmpint (got_age, ==, age);
}

static DynamormModel *
secret_get (Fixture *f, const char *id, GError **error)
{
  g_auto(GValue) pk = G_VALUE_INIT;

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, id);
  return dynamorm_session_get (f->session, secret_type (), &pk, NULL, NULL, error);
}

/* The stored items of two paths: the same attributes with the same types;
 * clear ones equal, encrypted ones envelopes of the same length (the same
 * plaintext under a fresh nonce). */
static void
assert_same_shape (JsonNode *a, JsonNode *b)
{
  JsonObject *oa = json_node_get_object (a), *ob = json_node_get_object (b);
  g_autoptr(GList) names = json_object_get_members (oa);

  g_assert_cmpuint (json_object_get_size (oa), ==, json_object_get_size (ob));
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *va = json_object_get_object_member (oa, l->data);
      JsonObject *vb = json_object_get_object_member (ob, l->data);
      g_autoptr(GBytes) ea = NULL, eb = NULL;
      gsize la, lb;
      g_autofree guint8 *da = NULL, *db = NULL;

      g_assert_nonnull (vb);
      if (g_str_equal (l->data, "id"))
        continue;
      if (g_str_equal (l->data, "city"))
        {
          g_assert_cmpstr (json_object_get_string_member (va, "S"), ==, json_object_get_string_member (vb, "S"));
          continue;
        }
      /* Every other stored attribute is encrypted. */
      g_assert_true (json_object_has_member (va, "B"));
      g_assert_true (json_object_has_member (vb, "B"));
      da = g_base64_decode (json_object_get_string_member (va, "B"), &la);
      db = g_base64_decode (json_object_get_string_member (vb, "B"), &lb);
      g_assert_cmpuint (la, ==, lb);
      g_assert_cmpmem (da, 4, "DYNE", 4);
      g_assert_cmpmem (db, 4, "DYNE", 4);
      g_assert_true (memcmp (da, db, la) != 0);
    }
}

static void
test_encrypted_paths_agree (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormKeyProvider) provider = secret_provider ();
  g_autoptr(DynamormWriteOptions) plain = dynamorm_write_options_new ();
  g_autoptr(DynamormModel) direct = NULL, json = NULL, bare = NULL;
  g_autoptr(JsonNode) direct_item = NULL, json_item = NULL, bare_item = NULL;
  const char *ids[] = { "d", "j" };

  dynamorm_session_set_key_provider (f->session, provider);
  g_assert_true (dynamorm_session_create_table (f->session, secret_type (), NULL, &error));
  g_assert_no_error (error);
  direct = g_object_new (secret_type (), "id", "d", "ssn", "123-45-6789", "notes", "näive \"quoted\"",
                         "age", -7, "city", "Oslo", NULL);
  json = g_object_new (secret_type (), "id", "j", "ssn", "123-45-6789", "notes", "näive \"quoted\"",
                       "age", -7, "city", "Oslo", NULL);
  bare = g_object_new (secret_type (), "id", "b", "ssn", "x", NULL);

  counters_reset (f->backend);
  g_assert_true (dynamorm_session_put (f->session, direct, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_put (f->session, bare, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->direct_puts, ==, 2);
  g_assert_cmpuint (f->backend->declined + f->backend->json_calls, ==, 0);
  /* With (empty) write options the put goes as a JSON PutItem. */
  g_assert_true (dynamorm_session_put_full (f->session, json, plain, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->json_calls, ==, 1);

  direct_item = raw_get (f, "secrets", "{\"id\": {\"S\": \"d\"}}");
  json_item = raw_get (f, "secrets", "{\"id\": {\"S\": \"j\"}}");
  assert_same_shape (direct_item, json_item);
  /* notes is left out when empty, as on the JSON path. */
  bare_item = raw_get (f, "secrets", "{\"id\": {\"S\": \"b\"}}");
  g_assert_false (json_object_has_member (json_node_get_object (bare_item), "notes"));
  g_assert_true (json_object_has_member (json_node_get_object (bare_item), "age"));

  /* Each item reads back the same on both paths. */
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(DynamormModel) got_direct = NULL, got_json = NULL;

      dynamorm_session_set_capacity_mode (f->session, DYNAMORM_CAPACITY_NONE);
      counters_reset (f->backend);
      got_direct = secret_get (f, ids[i], &error);
      g_assert_no_error (error);
      g_assert_cmpuint (f->backend->direct_gets, ==, 1);
      g_assert_cmpuint (f->backend->json_calls, ==, 0);
      assert_secret (got_direct, "123-45-6789", "näive \"quoted\"", -7);

      dynamorm_session_set_capacity_mode (f->session, DYNAMORM_CAPACITY_TOTAL);
      got_json = secret_get (f, ids[i], &error);
      g_assert_no_error (error);
      g_assert_cmpuint (f->backend->json_calls, ==, 1);
      assert_secret (got_json, "123-45-6789", "näive \"quoted\"", -7);
    }
  dynamorm_session_set_capacity_mode (f->session, DYNAMORM_CAPACITY_NONE);
  g_clear_object (&direct);
  direct = secret_get (f, "b", &error);
  g_assert_no_error (error);
  assert_secret (direct, "x", NULL, 0);
}

/* Envelopes of every length modulo 3 (so base64 with no, one and two
 * padding characters): the direct path writes the text g_base64_encode()
 * writes, and each path reads what the other wrote. */
static void
test_encrypted_base64_lengths (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormKeyProvider) provider = secret_provider ();
  g_autoptr(DynamormWriteOptions) plain = dynamorm_write_options_new ();

  dynamorm_session_set_key_provider (f->session, provider);
  g_assert_true (dynamorm_session_create_table (f->session, secret_type (), NULL, &error));
  g_assert_no_error (error);
  for (guint n = 0; n < 6; n++)
    {
      g_autofree char *ssn = g_strndup ("123456", n + 1);
      g_autofree char *direct_id = g_strdup_printf ("d%u", n), *json_id = g_strdup_printf ("j%u", n);
      g_autofree char *key = g_strdup_printf ("{\"id\": {\"S\": \"%s\"}}", direct_id);
      g_autoptr(DynamormModel) direct = g_object_new (secret_type (), "id", direct_id, "ssn", ssn, NULL);
      g_autoptr(DynamormModel) json = g_object_new (secret_type (), "id", json_id, "ssn", ssn, NULL);
      g_autoptr(JsonNode) item = NULL;
      const char *b64;
      g_autofree guint8 *bytes = NULL;
      g_autofree char *again = NULL;
      gsize len;

      g_assert_true (dynamorm_session_put (f->session, direct, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (dynamorm_session_put_full (f->session, json, plain, NULL, NULL, &error));
      g_assert_no_error (error);
      item = raw_get (f, "secrets", key);
      b64 = json_object_get_string_member (json_object_get_object_member (json_node_get_object (item), "ssn"), "B");
      bytes = g_base64_decode (b64, &len);
      again = g_base64_encode (bytes, len);
      g_assert_cmpstr (again, ==, b64);

      for (guint i = 0; i < 2; i++)
        {
          g_autoptr(DynamormModel) got = NULL;

          counters_reset (f->backend);
          got = secret_get (f, i == 0 ? direct_id : json_id, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (f->backend->direct_gets, ==, 1);
          g_assert_cmpuint (f->backend->json_calls, ==, 0);
          assert_secret (got, ssn, NULL, 0);
        }
    }
}

/* Without a provider, or with the wrong key, the direct path declines and
 * the JSON path gives its error; nothing is stored in the clear. */
static void
test_encrypted_failures_answer_as_json (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormKeyProvider) provider = secret_provider ();
  g_autoptr(DynamormKeyProvider) other = NULL;
  g_autoptr(DynamormModel) model = NULL, got = NULL;
  g_autoptr(GBytes) other_key = g_bytes_new ("0123456789abcdef0123456789abcdef", 32);

  g_assert_true (dynamorm_session_create_table (f->session, secret_type (), NULL, &error));
  g_assert_no_error (error);
  model = g_object_new (secret_type (), "id", "s1", "ssn", "123", NULL);

  counters_reset (f->backend);
  g_assert_false (dynamorm_session_put (f->session, model, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_clear_error (&error);
  g_assert_cmpuint (f->backend->direct_puts, ==, 0);
  g_assert_cmpuint (f->backend->json_calls, ==, 0);

  dynamorm_session_set_key_provider (f->session, provider);
  g_assert_true (dynamorm_session_put (f->session, model, NULL, &error));
  g_assert_no_error (error);

  other = DYNAMORM_KEY_PROVIDER (dynamorm_local_key_provider_new (other_key, NULL));
  dynamorm_session_set_key_provider (f->session, other);
  counters_reset (f->backend);
  got = secret_get (f, "s1", &error);
  g_assert_null (got);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "ssn"));
  g_assert_cmpuint (f->backend->direct_gets, ==, 1);
  g_assert_cmpuint (f->backend->json_calls, ==, 1);
}

/* ---- Transactions: TransactWriteItems and TransactGetItems ---- */

/* A model with a version, whose puts carry their item as JSON within a
 * transaction on the direct path. */
static GType
account_type (void)
{
  static const char *props[] = { "id:s", "balance:i", "version:i", NULL };
  static const char *tags[] = { "id=pk", "version=version", NULL };

  return test_declare_model ("DirectAccount", "direct_accounts", props, tags);
}

/* A model whose table is never created. */
static GType
stray_type (void)
{
  static const char *props[] = { "id:s", NULL };
  static const char *tags[] = { "id=pk", NULL };

  return test_declare_model ("DirectStray", "direct_nowhere", props, tags);
}

static DynamormCondition *
name_is (const char *name)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, name);
  return dynamorm_condition_new ("name", DYNAMORM_OPERATOR_EQ, &v, 1);
}

static TestUser *
tx_user (const char *id, guint shape)
{
  TestUser *user;

  if (shape == 0)
    {
      user = test_user_new_full ();
      g_object_set (user, "id", id, NULL);
    }
  else if (shape == 1)
    user = g_object_new (TEST_TYPE_USER, "id", id, "name", "", "email", "e@x", "big", "1.50E+2", NULL);
  else
    user = g_object_new (TEST_TYPE_USER, "id", id, "name", "Ann", NULL);
  return user;
}

/* Commits tx; logs TRUE, or the error and each failure (index, code,
 * message, whether the stored item came with it). */
static void
log_commit (Fixture *f, DynamormTransaction *tx, GPtrArray *log)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *message = NULL;
  GPtrArray *failures;

  if (dynamorm_transaction_commit (tx, NULL, &error))
    {
      g_ptr_array_add (log, g_strdup ("committed"));
      return;
    }
  /* Tokens are random: the message names it. */
  parts = g_strsplit (error->message, dynamorm_transaction_get_client_request_token (tx), -1);
  message = g_strjoinv ("TOKEN", parts);
  g_ptr_array_add (log, g_strdup_printf ("%s %d: %s", g_quark_to_string (error->domain), error->code, message));
  failures = dynamorm_transaction_get_failures (tx);
  for (guint i = 0; i < failures->len; i++)
    g_ptr_array_add (log, g_strdup_printf ("failure %u %s %s %s", dynamorm_transaction_failure_get_index (failures->pdata[i]),
                                           dynamorm_transaction_failure_get_code (failures->pdata[i]),
                                           dynamorm_transaction_failure_get_message (failures->pdata[i]),
                                           dynamorm_transaction_failure_get_item (failures->pdata[i]) ? "item" : "-"));
}

static void
log_stored (Fixture *f, GPtrArray *models, GPtrArray *log)
{
  g_autoptr(GPtrArray) texts = stored_texts (f, models);

  g_ptr_array_extend_and_steal (log, g_steal_pointer (&texts));
}

/* Reads models (of several types, one missing) in one TransactGet into
 * fresh models; logs them and the missing ones. */
static void
log_transact_get (Fixture *f, GPtrArray *models, GPtrArray *log)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) missing = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < models->len; i++)
    {
      g_autoptr(JsonNode) key = dynamorm_model_get_key (models->pdata[i], &error);
      DynamormModel *model = dynamorm_model_new_from_item (G_OBJECT_TYPE (models->pdata[i]), key, &error);

      g_assert_no_error (error);
      g_ptr_array_add (fresh, model);
    }
  g_assert_true (dynamorm_session_transact_get (f->session, (DynamormModel **) fresh->pdata, fresh->len,
                                                &missing, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < fresh->len; i++)
    g_ptr_array_add (log, g_ptr_array_find (missing, fresh->pdata[i], NULL) ? g_strdup ("missing")
                                                                             : item_text (fresh->pdata[i]));
}

/* Everything a user does with transactions, logged: puts of several
 * shapes (a sort key and indexes, a versioned model), an update, a
 * delete, a condition check; a transaction a condition cancels; one over a
 * missing table; a commit repeated with its token (a create in it would
 * fail if it ran twice), and the token reused with other actions;
 * transactional gets. */
static void
transactions (Fixture *f, GPtrArray *log)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
  g_autoptr(DynamormTransaction) cancelled = dynamorm_transaction_new (f->session);
  g_autoptr(DynamormTransaction) reused = dynamorm_transaction_new (f->session);
  g_autoptr(DynamormTransaction) missing = dynamorm_transaction_new (f->session);
  g_autoptr(DynamormTransaction) again = dynamorm_transaction_new (f->session);
  g_autoptr(TestUser) created = tx_user ("new", 1);
  g_autoptr(DynamormCondition) is_ann = name_is ("Ann");
  g_autoptr(DynamormCondition) is_nobody = name_is ("nobody");
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) renamed = NULL;
  g_autoptr(TestUser) newcomer = tx_user ("t9", 0);
  g_autoptr(DynamormModel) stray = NULL;
  const char *name_only[] = { "name", NULL };

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i);
      g_ptr_array_add (models, tx_user (id, i));
    }
  g_ptr_array_add (models, g_object_new (TEST_TYPE_INVOICE, "account", "acme", "invoice", "2024-001",
                                         "customer", "c1", "total", (gint64) 100, NULL));
  g_ptr_array_add (models, g_object_new (account_type (), "id", "acc", "balance", 5, "version", 0, NULL));
  g_ptr_array_add (models, tx_user ("keep", 2));     /* 5: updated */
  g_ptr_array_add (models, tx_user ("gone", 2));     /* 6: deleted */
  g_ptr_array_add (models, tx_user ("check", 2));    /* 7: checked */
  for (guint i = 5; i < 8; i++)
    {
      g_assert_true (dynamorm_session_put (f->session, models->pdata[i], NULL, &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < 5; i++)
    dynamorm_transaction_add_put (tx, models->pdata[i], NULL);
  g_object_set (models->pdata[5], "name", "Bo", NULL);
  dynamorm_transaction_add_update (tx, models->pdata[5], name_only, NULL);
  dynamorm_transaction_add_delete (tx, models->pdata[6], is_ann);
  dynamorm_transaction_add_condition_check (tx, models->pdata[7], is_ann);
  log_commit (f, tx, log);
  log_stored (f, models, log);
  log_transact_get (f, models, log);

  /* Cancelled: nothing is written, each reason is told. */
  g_object_set (models->pdata[0], "name", "changed", NULL);
  dynamorm_transaction_add_put (cancelled, models->pdata[0], NULL);
  dynamorm_transaction_add_put (cancelled, DYNAMORM_MODEL (newcomer), NULL);
  dynamorm_transaction_add_condition_check (cancelled, models->pdata[7], is_nobody);
  dynamorm_transaction_add_create (cancelled, models->pdata[1], NULL);
  log_commit (f, cancelled, log);
  log_stored (f, models, log);
  g_ptr_array_add (models, g_object_ref (newcomer));
  log_transact_get (f, models, log);

  /* Committed again with its token: answered once, written once. */
  dynamorm_transaction_add_create (again, DYNAMORM_MODEL (created), NULL);
  dynamorm_transaction_add_put (again, models->pdata[2], NULL);
  dynamorm_transaction_add_condition_check (again, models->pdata[7], is_ann);
  log_commit (f, again, log);
  log_commit (f, again, log);
  g_ptr_array_add (models, g_object_ref (created));
  log_stored (f, models, log);
  /* The token with other actions. */
  dynamorm_transaction_set_client_request_token (reused, dynamorm_transaction_get_client_request_token (again));
  dynamorm_transaction_add_put (reused, DYNAMORM_MODEL (newcomer), NULL);
  log_commit (f, reused, log);
  log_stored (f, models, log);

  /* A table that does not exist. */
  stray = g_object_new (stray_type (), "id", "s1", NULL);
  dynamorm_transaction_add_put (missing, DYNAMORM_MODEL (newcomer), NULL);
  dynamorm_transaction_add_put (missing, stray, NULL);
  log_commit (f, missing, log);
  log_stored (f, models, log);
}

static void
transaction_fixture_tables (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (dynamorm_session_create_table (f->session, account_type (), NULL, &error));
  g_assert_no_error (error);
}

/* The same transactions on the direct path and as JSON (the counting
 * backend declines): the same answers, failures, stored items and models. */
static void
test_transaction_paths_agree (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) direct = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) json = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  transaction_fixture_tables (f);
  counters_reset (f->backend);
  transactions (f, direct);
  /* 6 commits offered; the cancelled one, the reused token and the missing
   * table declined (the JSON request answers them). */
  g_assert_cmpuint (f->backend->transactions, ==, 6);
  g_assert_cmpuint (f->backend->declined, ==, 3);
  g_assert_cmpuint (f->backend->batch_gets, ==, 2);

  /* Afresh, every transaction as JSON. */
  g_clear_object (&f->session);
  g_clear_object (&f->backend);
  fixture_setup (f, NULL);
  transaction_fixture_tables (f);
  f->backend->decline_transactions = TRUE;
  f->backend->decline_batches = TRUE;
  transactions (f, json);
  assert_same_texts (direct, json);
}

/* A transaction with a create in it, committed twice: the second commit,
 * on the other path, is recognised by its token (the request has the same
 * text either way) and answered without running again. */
static void
commit_on (Fixture *f, DynamormTransaction *tx, gboolean direct)
{
  g_autoptr(GError) error = NULL;

  counters_reset (f->backend);
  f->backend->decline_transactions = !direct;
  g_assert_true (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->backend->transactions, ==, 1);
  g_assert_cmpuint (f->backend->declined, ==, direct ? 0 : 1);
  g_assert_cmpuint (f->backend->json_calls, ==, direct ? 0 : 1);
}

static void
test_transaction_token_across_paths (Fixture *f, gconstpointer data)
{
  for (guint first_direct = 0; first_direct < 2; first_direct++)
    {
      g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
      g_autofree char *id = g_strdup_printf ("x%u", first_direct);
      g_autoptr(TestUser) full = tx_user (id, 0);
      g_autoptr(TestUser) other = tx_user ("other", 1);
      g_autoptr(TestUser) copy = NULL;
      g_autoptr(GError) error = NULL;

      dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (full), NULL);
      dynamorm_transaction_add_put (tx, DYNAMORM_MODEL (other), NULL);
      commit_on (f, tx, first_direct);
      commit_on (f, tx, !first_direct);
      /* A new transaction of the same create fails on either path. */
      g_clear_object (&tx);
      tx = dynamorm_transaction_new (f->session);
      dynamorm_transaction_add_create (tx, DYNAMORM_MODEL (full), NULL);
      g_assert_false (dynamorm_transaction_commit (tx, NULL, &error));
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
    }

  /* Consumed capacity is counted from the JSON request. */
  {
    g_autoptr(DynamormTransaction) tx = dynamorm_transaction_new (f->session);
    g_autoptr(TestUser) user = tx_user ("cap", 2);
    g_autoptr(GError) error = NULL;

    counters_reset (f->backend);
    f->backend->decline_transactions = FALSE;
    dynamorm_session_set_capacity_mode (f->session, DYNAMORM_CAPACITY_TOTAL);
    dynamorm_transaction_add_put (tx, DYNAMORM_MODEL (user), NULL);
    g_assert_true (dynamorm_transaction_commit (tx, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (f->backend->transactions, ==, 0);
    g_assert_cmpuint (f->backend->json_calls, ==, 1);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func, data) \
  g_test_add ("/dynamorm/direct/" path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("every-type-agrees", test_every_type_agrees, NULL);
  ADD ("doubles-agree", test_doubles_agree, NULL);
  ADD ("sort-key-and-index", test_sort_key_and_index, NULL);
  ADD ("failures-answer-as-json", test_failures_answer_as_json, NULL);
  ADD ("table-mismatches", test_table_mismatches, "no tables");
  ADD ("json-when-asked-for-more", test_json_when_asked_for_more, NULL);
  ADD ("notify-kept", test_notify_kept, NULL);
  ADD ("encrypted-paths-agree", test_encrypted_paths_agree, NULL);
  ADD ("encrypted-base64-lengths", test_encrypted_base64_lengths, NULL);
  ADD ("encrypted-failures-answer-as-json", test_encrypted_failures_answer_as_json, NULL);
  ADD ("async", test_async, NULL);
  ADD ("batch-paths-agree", test_batch_paths_agree, NULL);
  ADD ("batch-failures-agree", test_batch_failures_agree, "no tables");
  ADD ("batch-engine-declines", test_batch_engine_declines, NULL);
  ADD ("batch-json-and-async", test_batch_json_and_async, NULL);
  ADD ("query-paths-agree", test_query_paths_agree, NULL);
  ADD ("query-failures-answer-as-json", test_query_failures_answer_as_json, "no tables");
  ADD ("transaction-paths-agree", test_transaction_paths_agree, NULL);
  ADD ("transaction-token-across-paths", test_transaction_token_across_paths, NULL);
  return g_test_run ();
}
