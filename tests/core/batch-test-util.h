/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by test-batch.c and test-transaction.c: the per-backend fixture
 * and a backend test double that wraps a memory backend and misbehaves on
 * demand (unprocessed keys and items, failed chunks, transaction
 * conflicts, slow answers), recording when each call arrived. */
#pragma once

#include <string.h>
#include "test-models.h"


typedef struct {
  DynamormSession *session;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->session = test_session_new ("t");
  if (f->session == NULL)
    return;
  g_assert_true (dynamorm_session_create_table (f->session, TEST_TYPE_USER, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (f->session, TEST_TYPE_INVOICE, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->session == NULL)
    return;
  dynamorm_session_delete_table (f->session, TEST_TYPE_USER, NULL, NULL);
  dynamorm_session_delete_table (f->session, TEST_TYPE_INVOICE, NULL, NULL);
  g_clear_object (&f->session);
}

/* Checks a gboolean call, showing its error when it fails. */
#define ASSERT_OK(expr) G_STMT_START { gboolean ok_ = (expr); g_assert_no_error (error); g_assert_true (ok_); } G_STMT_END

#define SKIP_IF_NO_BACKEND(f) G_STMT_START { if ((f)->session == NULL) return; } G_STMT_END

static char *
user_name (DynamormSession *session, const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) model = test_user_get (session, id, &error);
  char *name = NULL;

  if (model == NULL)
    {
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
      return NULL;
    }
  g_object_get (model, "name", &name, NULL);
  return name;
}

/* ------------------------------------------------------------------ */

typedef enum {
  FLAKY_NONE,
  FLAKY_HALF,          /* process about half of each batch, leave the rest */
  FLAKY_ALL,           /* process nothing, leave everything */
  FLAKY_FAIL_MARKED,   /* fail a batch request that mentions "boom" */
} FlakyMode;

#define TEST_TYPE_FLAKY (test_flaky_get_type ())
G_DECLARE_FINAL_TYPE (TestFlaky, test_flaky, TEST, FLAKY, DynamormBackend)

struct _TestFlaky
{
  DynamormBackend parent_instance;
  DynamormBackend *inner;
  FlakyMode mode;
  GArray *times;           /* gint64 monotonic µs of each batch call */
  GPtrArray *sizes;        /* entries per batch call, as GUINT_TO_POINTER */
  GPtrArray *tokens;       /* ClientRequestToken of each TransactWriteItems */
  guint transact_calls;
  guint conflicts_left;    /* TransactWriteItems answered with a conflict */
  guint delay_ms;          /* answer async calls this late */
  guint in_flight;
  guint max_in_flight;
};

G_DEFINE_FINAL_TYPE (TestFlaky, test_flaky, DYNAMORM_TYPE_BACKEND)

static JsonNode *
flaky_error (const char *json)
{
  return json_from_string (json, NULL);
}

/* Splits every table's entries into the processed part (kept in the
 * request) and the left part (returned). */
static JsonObject *
flaky_split (TestFlaky *self, JsonObject *request_items, gboolean is_write, guint *n_entries)
{
  JsonObject *left = json_object_new ();
  g_autoptr(GList) tables = json_object_get_members (request_items);

  *n_entries = 0;
  for (GList *l = tables; l != NULL; l = l->next)
    {
      const char *table = l->data;
      JsonArray *entries = is_write ? json_object_get_array_member (request_items, table)
                                    : json_object_get_array_member (json_object_get_object_member (request_items, table), "Keys");
      guint n = json_array_get_length (entries);
      guint keep = self->mode == FLAKY_ALL ? 0 : (n > 1 ? n / 2 : n);
      JsonArray *kept = json_array_new ();
      JsonArray *rest = json_array_new ();

      *n_entries += n;
      for (guint i = 0; i < n; i++)
        json_array_add_element (i < keep ? kept : rest, json_node_copy (json_array_get_element (entries, i)));

      if (is_write)
        {
          if (json_array_get_length (rest))
            json_object_set_array_member (left, table, json_array_ref (rest));
          json_object_set_array_member (request_items, table, kept);
        }
      else
        {
          JsonObject *spec = json_object_get_object_member (request_items, table);
          if (json_array_get_length (rest))
            {
              g_autofree char *spec_text = json_to_string (json_object_get_member (request_items, table), FALSE);
              JsonNode *spec_copy = json_from_string (spec_text, NULL);   /* deep */
              JsonObject *left_spec = json_node_dup_object (spec_copy);

              json_node_unref (spec_copy);
              json_object_set_array_member (left_spec, "Keys", json_array_ref (rest));
              json_object_set_object_member (left, table, left_spec);
            }
          json_object_set_array_member (spec, "Keys", kept);
        }
      json_array_unref (rest);
    }
  return left;
}

static gboolean
flaky_request_empty (JsonObject *request_items, gboolean is_write)
{
  g_autoptr(GList) tables = json_object_get_members (request_items);

  for (GList *l = tables; l != NULL; l = l->next)
    {
      JsonArray *entries = is_write ? json_object_get_array_member (request_items, l->data)
                                    : json_object_get_array_member (json_object_get_object_member (request_items, l->data), "Keys");
      if (json_array_get_length (entries) > 0)
        return FALSE;
    }
  return TRUE;
}

static JsonNode *
test_flaky_invoke (DynamormBackend *backend, const char *operation, JsonNode *request,
                   GCancellable *cancellable, GError **error)
{
  TestFlaky *self = TEST_FLAKY (backend);
  gboolean is_write = g_str_equal (operation, "BatchWriteItem");
  gboolean is_batch = is_write || g_str_equal (operation, "BatchGetItem");

  if (g_str_equal (operation, "TransactWriteItems"))
    {
      JsonObject *obj = json_node_get_object (request);

      self->transact_calls++;
      g_ptr_array_add (self->tokens, g_strdup (json_object_get_string_member_with_default (obj, "ClientRequestToken", "")));
      g_array_append_vals (self->times, (gint64[]) { g_get_monotonic_time () }, 1);
      if (self->conflicts_left > 0)
        {
          guint n = json_array_get_length (json_object_get_array_member (obj, "TransactItems"));
          g_autoptr(GString) body = g_string_new ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                                                  "\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons [");
          g_autoptr(JsonNode) node = NULL;

          self->conflicts_left--;
          for (guint i = 0; i < n; i++)
            g_string_append_printf (body, "%s%s", i ? ", " : "", i == 0 ? "TransactionConflict" : "None");
          g_string_append (body, "]\",\"CancellationReasons\":[");
          for (guint i = 0; i < n; i++)
            g_string_append_printf (body, "%s%s", i ? "," : "",
                                    i == 0 ? "{\"Code\":\"TransactionConflict\",\"Message\":\"Transaction is ongoing for the item.\"}"
                                           : "{\"Code\":\"None\"}");
          g_string_append (body, "]}");
          node = flaky_error (body->str);
          g_propagate_error (error, dynamorm_error_new_from_response (400, node));
          return NULL;
        }
    }

  if (is_batch)
    {
      g_autofree char *request_text = json_to_string (request, FALSE);
      g_autoptr(JsonNode) copy = json_from_string (request_text, NULL);   /* deep */
      JsonObject *request_items = json_object_get_object_member (json_node_get_object (copy), "RequestItems");
      g_autoptr(JsonObject) left = NULL;
      JsonNode *response;
      guint n = 0;

      g_array_append_vals (self->times, (gint64[]) { g_get_monotonic_time () }, 1);
      if (self->mode == FLAKY_FAIL_MARKED)
        {
          g_autofree char *text = json_to_string (request, FALSE);

          g_ptr_array_add (self->sizes, GUINT_TO_POINTER (0));
          if (strstr (text, "boom") != NULL)
            {
              g_autoptr(JsonNode) body = flaky_error ("{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                                                      "\"message\":\"Injected failure\"}");
              g_propagate_error (error, dynamorm_error_new_from_response (400, body));
              return NULL;
            }
          return dynamorm_backend_invoke (self->inner, operation, request, cancellable, error);
        }
      if (self->mode == FLAKY_NONE)
        {
          g_ptr_array_add (self->sizes, GUINT_TO_POINTER (0));
          return dynamorm_backend_invoke (self->inner, operation, request, cancellable, error);
        }

      left = flaky_split (self, request_items, is_write, &n);
      g_ptr_array_add (self->sizes, GUINT_TO_POINTER (n));
      if (flaky_request_empty (request_items, is_write))
        response = json_from_string (is_write ? "{}" : "{\"Responses\":{}}", NULL);
      else
        response = dynamorm_backend_invoke (self->inner, operation, copy, cancellable, error);
      if (response == NULL)
        return NULL;
      json_object_set_object_member (json_node_get_object (response),
                                     is_write ? "UnprocessedItems" : "UnprocessedKeys",
                                     g_steal_pointer (&left));
      return response;
    }

  return dynamorm_backend_invoke (self->inner, operation, request, cancellable, error);
}

static gboolean
flaky_answer_cb (gpointer user_data)
{
  GTask *task = user_data;
  TestFlaky *self = g_task_get_source_object (task);
  JsonNode *response = g_task_get_task_data (task);

  self->in_flight--;
  if (response != NULL)
    g_task_return_pointer (task, json_node_ref (response), (GDestroyNotify) json_node_unref);
  else
    g_task_return_error (task, g_error_copy (g_object_get_data (G_OBJECT (task), "error")));
  return G_SOURCE_REMOVE;
}

static void
test_flaky_invoke_async (DynamormBackend *backend, const char *operation, JsonNode *request,
                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  TestFlaky *self = TEST_FLAKY (backend);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  JsonNode *response;
  GSource *source;

  self->in_flight++;
  self->max_in_flight = MAX (self->max_in_flight, self->in_flight);
  response = test_flaky_invoke (backend, operation, request, cancellable, &error);
  if (response != NULL)
    g_task_set_task_data (task, response, (GDestroyNotify) json_node_unref);
  else
    g_object_set_data_full (G_OBJECT (task), "error", error, (GDestroyNotify) g_error_free);
  source = g_timeout_source_new (self->delay_ms);
  g_source_set_callback (source, flaky_answer_cb, task, g_object_unref);
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

static JsonNode *
test_flaky_invoke_finish (DynamormBackend *backend, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_flaky_finalize (GObject *object)
{
  TestFlaky *self = TEST_FLAKY (object);

  g_clear_object (&self->inner);
  g_array_unref (self->times);
  g_ptr_array_unref (self->sizes);
  g_ptr_array_unref (self->tokens);
  G_OBJECT_CLASS (test_flaky_parent_class)->finalize (object);
}

static void
test_flaky_class_init (TestFlakyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_flaky_finalize;
  DYNAMORM_BACKEND_CLASS (klass)->invoke = test_flaky_invoke;
  DYNAMORM_BACKEND_CLASS (klass)->invoke_async = test_flaky_invoke_async;
  DYNAMORM_BACKEND_CLASS (klass)->invoke_finish = test_flaky_invoke_finish;
}

static void
test_flaky_init (TestFlaky *self)
{
  self->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->sizes = g_ptr_array_new ();
  self->tokens = g_ptr_array_new_with_free_func (g_free);
}

/* A session on a flaky double over a fresh memory backend, with tables. */
static DynamormSession *
flaky_session_new (TestFlaky **flaky_out)
{
  g_autoptr(GError) error = NULL;
  TestFlaky *flaky = g_object_new (TEST_TYPE_FLAKY, NULL);
  DynamormSession *session;

  flaky->inner = dynamorm_backend_new_for_uri ("memory://", NULL, &error);
  g_assert_no_error (error);
  session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (flaky));
  g_assert_true (dynamorm_session_create_table (session, TEST_TYPE_USER, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_session_create_table (session, TEST_TYPE_INVOICE, NULL, &error));
  g_assert_no_error (error);
  *flaky_out = flaky;
  return session;
}

/* ------------------------------------------------------------------ */
/* A model with both timestamps and no version, for the lifecycle rules of
 * transactions and batch writes: id (pk), name, created (created_at),
 * updated (updated_at), GDateTimes stored with microseconds. */

enum { STAMPED_PROP_0, STAMPED_PROP_ID, STAMPED_PROP_NAME, STAMPED_PROP_CREATED, STAMPED_PROP_UPDATED, N_STAMPED_PROPS };

#define TEST_TYPE_STAMPED (test_stamped_get_type ())
G_DECLARE_FINAL_TYPE (TestStamped, test_stamped, TEST, STAMPED, DynamormModel)

struct _TestStamped
{
  DynamormModel parent_instance;
  GValue values[N_STAMPED_PROPS];
};

G_DEFINE_FINAL_TYPE (TestStamped, test_stamped, DYNAMORM_TYPE_MODEL)

static void
test_stamped_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TestStamped *self = TEST_STAMPED (object);

  if (G_IS_VALUE (&self->values[prop_id]))
    g_value_copy (&self->values[prop_id], value);
  else
    g_param_value_set_default (pspec, value);
}

static void
test_stamped_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TestStamped *self = TEST_STAMPED (object);

  if (G_IS_VALUE (&self->values[prop_id]))
    g_value_unset (&self->values[prop_id]);
  g_value_init (&self->values[prop_id], G_VALUE_TYPE (value));
  g_value_copy (value, &self->values[prop_id]);
}

static void
test_stamped_finalize (GObject *object)
{
  TestStamped *self = TEST_STAMPED (object);

  for (guint i = 0; i < N_STAMPED_PROPS; i++)
    if (G_IS_VALUE (&self->values[i]))
      g_value_unset (&self->values[i]);
  G_OBJECT_CLASS (test_stamped_parent_class)->finalize (object);
}

static void
test_stamped_class_init (TestStampedClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  DynamormModelClass *mc = DYNAMORM_MODEL_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  oc->get_property = test_stamped_get_property;
  oc->set_property = test_stamped_set_property;
  oc->finalize = test_stamped_finalize;
  g_object_class_install_property (oc, STAMPED_PROP_ID, g_param_spec_string ("id", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, STAMPED_PROP_NAME, g_param_spec_string ("name", NULL, NULL, NULL, rw));
  g_object_class_install_property (oc, STAMPED_PROP_CREATED, g_param_spec_boxed ("created", NULL, NULL, G_TYPE_DATE_TIME, rw));
  g_object_class_install_property (oc, STAMPED_PROP_UPDATED, g_param_spec_boxed ("updated", NULL, NULL, G_TYPE_DATE_TIME, rw));

  dynamorm_model_class_set_table_name (mc, "stamped");
  dynamorm_model_class_tag_property (mc, "id", "pk");
  dynamorm_model_class_tag_property (mc, "created", "created_at");
  dynamorm_model_class_tag_property (mc, "updated", "updated_at");
}

static void
test_stamped_init (TestStamped *self)
{
}

static TestStamped *
stamped_new (const char *id, const char *name, GDateTime *created, GDateTime *updated)
{
  return g_object_new (TEST_TYPE_STAMPED, "id", id, "name", name, "created", created, "updated", updated, NULL);
}

/* The stored item with this id, read with a plain get. */
static TestStamped *
stamped_get (DynamormSession *session, const char *id)
{
  g_autoptr(GError) error = NULL;
  GValue pk = G_VALUE_INIT;
  DynamormModel *model;

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, id);
  model = dynamorm_session_get (session, TEST_TYPE_STAMPED, &pk, NULL, NULL, &error);
  g_value_unset (&pk);
  g_assert_no_error (error);
  g_assert_nonnull (model);
  return TEST_STAMPED (model);
}

/* A property of the model as a new reference, or NULL. */
static GDateTime *
stamped_time (TestStamped *model, const char *property)
{
  GDateTime *dt = NULL;

  g_object_get (model, property, &dt, NULL);
  return dt;
}

static void
assert_same_time (GDateTime *a, GDateTime *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  if (!g_date_time_equal (a, b))
    {
      g_autofree char *ta = g_date_time_format_iso8601 (a);
      g_autofree char *tb = g_date_time_format_iso8601 (b);
      g_assert_cmpstr (ta, ==, tb);
    }
}

static void
assert_later (GDateTime *later, GDateTime *earlier)
{
  g_assert_nonnull (later);
  g_assert_nonnull (earlier);
  g_assert_cmpint (g_date_time_compare (later, earlier), >, 0);
}
