/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tables from models, schema and data migrations, run once per backend with
 * the same assertions: `--backend memory` (always) and `--backend local`
 * (DynamoDB Local, when DYNAMORM_LOCAL_URI is set; skipped otherwise). */
#include <string.h>
#include "test-models.h"


/* ------------------------------------------------------------------ */
/* Models: one table ("events") seen by several versions of a model. */

static GType event_v1, event_v2, event_v3, event_bad, event_copy;

static GType
declare (const char *type_name, const char *table, const char * const *props, const char * const *tags)
{
  g_autoptr(GError) error = NULL;
  GType type = test_define_model (type_name, props);

  g_assert_true (dynamorm_model_type_declare (type, table, tags, &error));
  g_assert_no_error (error);
  return type;
}

static void
define_models (void)
{
  static const char *props[] = { "account:s", "at:s", "kind:s", "email:s", "score:i", "expires:i", "note:s", NULL };
  static const char *bad_props[] = { "account:s", "email:i", "note:s", NULL };
  static const char *v1[] = { "account=pk", "at=sk", "kind=lsi:by-kind", "email=index:by-email,pk",
                              "expires=ttl", NULL };
  static const char *v2[] = { "account=pk", "at=sk", "kind=lsi:by-kind", "email=index:by-email,pk",
                              "score=index:by-score,pk", "expires=ttl", NULL };
  static const char *v3[] = { "account=pk", "at=sk", "kind=lsi:by-kind", "score=index:by-score,pk",
                              "expires=ttl", NULL };
  static const char *bad[] = { "account=pk", "email=index:by-email,pk", NULL };
  static const char *copy[] = { "account=pk", "at=sk", NULL };

  event_v1 = declare ("TblEventV1", "events", props, v1);
  event_v2 = declare ("TblEventV2", "events", props, v2);
  event_v3 = declare ("TblEventV3", "events", props, v3);
  event_bad = declare ("TblEventBad", "events", bad_props, bad);
  event_copy = declare ("TblEventCopy", "events_copy", props, copy);
}

/* ------------------------------------------------------------------ */
/* Fixture */

typedef struct {
  DynamormSession *session;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->session = test_session_new ("tt");
  if (f->session == NULL)
    return;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) names = NULL;

  if (f->session == NULL)
    return;
  /* Drop whatever the test left behind. */
  names = dynamorm_table_list_names (f->session, NULL, NULL);
  for (guint i = 0; names && names[i]; i++)
    {
      g_autoptr(JsonNode) request = json_from_string ("{}", NULL);
      g_autoptr(JsonNode) response = NULL;

      json_object_set_string_member (json_node_get_object (request), "TableName", names[i]);
      response = dynamorm_session_call (f->session, "DeleteTable", request, NULL, NULL);
    }
  g_clear_object (&f->session);
}

#define SKIP_IF_NO_BACKEND(f) G_STMT_START { if ((f)->session == NULL) return; } G_STMT_END

static JsonNode *
call (Fixture *f, const char *operation, const char *json_format, ...) G_GNUC_PRINTF (3, 4);

static JsonNode *
call (Fixture *f, const char *operation, const char *json_format, ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) request = NULL;
  JsonNode *response;
  va_list args;

  va_start (args, json_format);
  text = g_strdup_vprintf (json_format, args);
  va_end (args);
  request = json_from_string (text, &error);
  g_assert_no_error (error);
  response = dynamorm_session_call (f->session, operation, request, NULL, &error);
  g_assert_no_error (error);
  return response;
}

static const char *
ttl_status (Fixture *f, const char *table)
{
  g_autoptr(JsonNode) response = call (f, "DescribeTimeToLive", "{\"TableName\": \"%s\"}", table);
  JsonObject *d = json_object_get_object_member (json_node_get_object (response), "TimeToLiveDescription");
  const char *status = json_object_get_string_member (d, "TimeToLiveStatus");

  return g_intern_string (status);
}

static JsonObject *
find_index (JsonObject *table, const char *member, const char *name)
{
  JsonArray *array;

  if (!json_object_has_member (table, member))
    return NULL;
  array = json_object_get_array_member (table, member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *index = json_array_get_object_element (array, i);
      if (g_str_equal (json_object_get_string_member (index, "IndexName"), name))
        return index;
    }
  return NULL;
}

static gint64
count_items (Fixture *f, const char *table)
{
  gint64 total = 0;
  g_autofree char *start = NULL;

  for (;;)
    {
      g_autoptr(JsonNode) response = start
        ? call (f, "Scan", "{\"TableName\": \"%s\", \"Select\": \"COUNT\", \"ExclusiveStartKey\": %s}", table, start)
        : call (f, "Scan", "{\"TableName\": \"%s\", \"Select\": \"COUNT\"}", table);
      JsonObject *obj = json_node_get_object (response);

      total += json_object_get_int_member (obj, "Count");
      g_clear_pointer (&start, g_free);
      if (!json_object_has_member (obj, "LastEvaluatedKey"))
        return total;
      start = json_to_string (json_object_get_member (obj, "LastEvaluatedKey"), FALSE);
    }
}

/* ------------------------------------------------------------------ */

static void
test_create_describe_delete (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) table = NULL;
  g_autoptr(JsonNode) description = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) names = NULL;
  JsonObject *d, *gsi, *lsi, *projection;

  SKIP_IF_NO_BACKEND (f);

  dynamorm_table_options_set_index_projection (options, "by-email", DYNAMORM_PROJECTION_KEYS_ONLY, NULL);
  table = dynamorm_table_new (f->session, event_v1, options);
  name = dynamorm_table_get_name (table);
  g_assert_true (g_str_has_prefix (name, dynamorm_session_get_table_prefix (f->session)));
  g_assert_true (g_str_has_suffix (name, "events"));
  g_assert_true (dynamorm_table_get_session (table) == f->session);
  g_assert_true (dynamorm_table_get_model_type (table) == event_v1);
  g_assert_true (dynamorm_table_get_options (table) == options);

  g_assert_true (dynamorm_table_create (table, NULL, &error));
  g_assert_no_error (error);

  description = dynamorm_table_describe (table, NULL, &error);
  g_assert_no_error (error);
  d = json_node_get_object (description);
  g_assert_cmpstr (json_object_get_string_member (d, "TableName"), ==, name);
  g_assert_cmpstr (json_object_get_string_member (d, "TableStatus"), ==, "ACTIVE");
  gsi = find_index (d, "GlobalSecondaryIndexes", "by-email");
  g_assert_nonnull (gsi);
  projection = json_object_get_object_member (gsi, "Projection");
  g_assert_cmpstr (json_object_get_string_member (projection, "ProjectionType"), ==, "KEYS_ONLY");
  g_assert_cmpstr (json_object_get_string_member (gsi, "IndexStatus"), ==, "ACTIVE");
  lsi = find_index (d, "LocalSecondaryIndexes", "by-kind");
  g_assert_nonnull (lsi);
  projection = json_object_get_object_member (lsi, "Projection");
  g_assert_cmpstr (json_object_get_string_member (projection, "ProjectionType"), ==, "ALL");
  g_assert_false (json_object_has_member (d, "StreamSpecification") &&
                  json_object_get_boolean_member (json_object_get_object_member (d, "StreamSpecification"),
                                                  "StreamEnabled"));
  /* the model has a ttl property: TTL is on */
  g_assert_cmpstr (ttl_status (f, name), ==, "ENABLED");

  /* creating it again says it exists */
  g_assert_false (dynamorm_table_create (table, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_IN_USE);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_nonnull (strstr (error->message, "Table.ensure"));
  g_clear_error (&error);

  /* listed, with the prefix */
  names = dynamorm_table_list_names (f->session, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) names, name));
  for (guint i = 0; names[i]; i++)
    g_assert_true (g_str_has_prefix (names[i], dynamorm_session_get_table_prefix (f->session)));
  g_clear_pointer (&names, g_strfreev);

  /* delete waits until gone */
  g_assert_true (dynamorm_table_delete (table, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&description, json_node_unref);
  description = dynamorm_table_describe (table, NULL, &error);
  g_assert_null (description);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, name));
  g_clear_error (&error);
  names = dynamorm_table_list_names (f->session, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_strv_contains ((const char * const *) names, name));

  g_assert_false (dynamorm_table_delete (table, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (dynamorm_table_wait_until_active (table, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
}

static void
test_provisioned_stream_include (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) table = NULL;
  g_autoptr(JsonNode) description = NULL;
  g_autofree char *name = NULL;
  const char *include[] = { "note", "kind", NULL };
  JsonObject *d, *pt, *ss, *projection;
  JsonArray *non_key;
  guint64 read_units, write_units;

  SKIP_IF_NO_BACKEND (f);

  dynamorm_table_options_set_provisioned (options, 5, 3);
  g_assert_true (dynamorm_table_options_get_provisioned (options, &read_units, &write_units));
  g_assert_cmpuint (read_units, ==, 5);
  g_assert_cmpuint (write_units, ==, 3);
  dynamorm_table_options_set_stream (options, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
  g_assert_cmpint (dynamorm_table_options_get_stream (options), ==, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
  dynamorm_table_options_set_index_projection (options, "by-email", DYNAMORM_PROJECTION_INCLUDE, include);
  dynamorm_table_options_set_ttl_enabled (options, FALSE);

  table = dynamorm_table_new (f->session, event_v1, options);
  name = dynamorm_table_get_name (table);
  g_assert_true (dynamorm_table_create (table, NULL, &error));
  g_assert_no_error (error);

  description = dynamorm_table_describe (table, NULL, &error);
  g_assert_no_error (error);
  d = json_node_get_object (description);
  pt = json_object_get_object_member (d, "ProvisionedThroughput");
  g_assert_cmpint (json_object_get_int_member (pt, "ReadCapacityUnits"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (pt, "WriteCapacityUnits"), ==, 3);
  ss = json_object_get_object_member (d, "StreamSpecification");
  g_assert_nonnull (ss);
  g_assert_true (json_object_get_boolean_member (ss, "StreamEnabled"));
  g_assert_cmpstr (json_object_get_string_member (ss, "StreamViewType"), ==, "NEW_AND_OLD_IMAGES");
  projection = json_object_get_object_member (find_index (d, "GlobalSecondaryIndexes", "by-email"), "Projection");
  g_assert_cmpstr (json_object_get_string_member (projection, "ProjectionType"), ==, "INCLUDE");
  non_key = json_object_get_array_member (projection, "NonKeyAttributes");
  g_assert_cmpuint (json_array_get_length (non_key), ==, 2);
  g_assert_cmpstr (ttl_status (f, name), ==, "DISABLED");

  /* ensure with the same options agrees */
  g_assert_true (dynamorm_table_ensure (table, NULL, &error));
  g_assert_no_error (error);
}

static void
test_ensure (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTable) table = dynamorm_table_new (f->session, event_v1, NULL);
  g_autoptr(DynamormTable) bad = NULL;
  g_autoptr(DynamormTable) other_projection = NULL;
  g_autoptr(DynamormTableOptions) options = NULL;
  g_auto(GStrv) lines = NULL;

  SKIP_IF_NO_BACKEND (f);

  /* missing: created */
  g_assert_true (dynamorm_table_ensure (table, NULL, &error));
  g_assert_no_error (error);
  /* existing and matching: fine */
  g_assert_true (dynamorm_table_ensure (table, NULL, &error));
  g_assert_no_error (error);

  /* a model that conflicts: every difference, one per line */
  bad = dynamorm_table_new (f->session, event_bad, NULL);
  g_assert_false (dynamorm_table_ensure (bad, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_test_message ("%s", error->message);
  lines = g_strsplit (error->message, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);  /* header + 3 */
  g_assert_nonnull (strstr (error->message, "3 differences"));
  g_assert_nonnull (strstr (error->message, "the table's sort key is “at”, the model has none"));
  g_assert_nonnull (strstr (error->message, "attribute “email”: the table defines it as type S, the model stores N"));
  g_assert_nonnull (strstr (error->message, "local secondary index “by-kind” that the model does not declare"));
  g_clear_error (&error);
  g_clear_pointer (&lines, g_strfreev);

  /* another projection is a difference too */
  options = dynamorm_table_options_new ();
  dynamorm_table_options_set_index_projection (options, "by-email", DYNAMORM_PROJECTION_KEYS_ONLY, NULL);
  other_projection = dynamorm_table_new (f->session, event_v1, options);
  g_assert_false (dynamorm_table_ensure (other_projection, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_assert_nonnull (strstr (error->message, "global secondary index “by-email”: the table projects ALL, the model KEYS_ONLY"));
  g_clear_error (&error);

  /* a newer model: the missing index is named, with the way to fix it */
  {
    g_autoptr(DynamormTable) v2 = dynamorm_table_new (f->session, event_v2, NULL);

    g_assert_false (dynamorm_table_ensure (v2, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
    g_assert_nonnull (strstr (error->message, "“by-score” is missing; migrate the table to add it (Table.migrate)"));
    g_clear_error (&error);
  }
}

static void
test_options_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) table = NULL;
  g_auto(GStrv) names = NULL;

  SKIP_IF_NO_BACKEND (f);

  dynamorm_table_options_set_index_projection (options, "by-mail", DYNAMORM_PROJECTION_KEYS_ONLY, NULL);
  table = dynamorm_table_new (f->session, event_v1, options);
  g_assert_false (dynamorm_table_create (table, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_assert_nonnull (strstr (error->message, "“by-mail”"));
  g_assert_nonnull (strstr (error->message, "“by-email”"));
  g_clear_error (&error);

  dynamorm_table_options_set_index_projection (options, "by-mail", DYNAMORM_PROJECTION_ALL, NULL);
  g_clear_object (&table);
  g_clear_object (&options);
  options = dynamorm_table_options_new ();
  dynamorm_table_options_set_index_projection (options, "by-email", DYNAMORM_PROJECTION_INCLUDE, NULL);
  table = dynamorm_table_new (f->session, event_v1, options);
  g_assert_false (dynamorm_table_ensure (table, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_assert_nonnull (strstr (error->message, "INCLUDE"));
  g_clear_error (&error);

  /* nothing was created */
  names = dynamorm_table_list_names (f->session, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
}

typedef struct {
  GArray *calls;  /* pairs of guint64 */
} Progress;

static void
record_progress (guint64 done, guint64 total, gpointer user_data)
{
  Progress *p = user_data;

  g_array_append_val (p->calls, done);
  g_array_append_val (p->calls, total);
}

static void
test_migrate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTableOptions) no_ttl = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) v1 = NULL;
  g_autoptr(DynamormTable) v2 = dynamorm_table_new (f->session, event_v2, NULL);
  g_autoptr(DynamormTable) v3 = dynamorm_table_new (f->session, event_v3, NULL);
  g_autoptr(JsonNode) description = NULL;
  g_autofree char *name = NULL;
  Progress p = { g_array_new (FALSE, FALSE, sizeof (guint64)) };

  SKIP_IF_NO_BACKEND (f);

  dynamorm_table_options_set_ttl_enabled (no_ttl, FALSE);
  v1 = dynamorm_table_new (f->session, event_v1, no_ttl);
  name = dynamorm_table_get_name (v1);
  g_assert_true (dynamorm_table_create (v1, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ttl_status (f, name), ==, "DISABLED");
  {
    g_autoptr(JsonNode) r = call (f, "PutItem", "{\"TableName\": \"%s\", \"Item\": {\"account\": {\"S\": \"a\"}, "
                                  "\"at\": {\"S\": \"1\"}, \"score\": {\"N\": \"7\"}}}", name);
  }

  /* v2 adds by-score and turns TTL on: two steps */
  g_assert_true (dynamorm_table_migrate (v2, record_progress, &p, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (p.calls->len, ==, 6);
  g_assert_cmpuint (g_array_index (p.calls, guint64, 0), ==, 0);
  g_assert_cmpuint (g_array_index (p.calls, guint64, 1), ==, 2);
  g_assert_cmpuint (g_array_index (p.calls, guint64, 4), ==, 2);
  g_assert_cmpuint (g_array_index (p.calls, guint64, 5), ==, 2);
  g_array_set_size (p.calls, 0);
  description = dynamorm_table_describe (v2, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_index (json_node_get_object (description), "GlobalSecondaryIndexes", "by-score"));
  g_assert_cmpstr (ttl_status (f, name), ==, "ENABLED");
  g_assert_true (dynamorm_table_ensure (v2, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&description, json_node_unref);

  /* nothing to do: no steps */
  g_assert_true (dynamorm_table_migrate (v2, record_progress, &p, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (p.calls->len, ==, 2);
  g_assert_cmpuint (g_array_index (p.calls, guint64, 1), ==, 0);
  g_array_set_size (p.calls, 0);

  /* v3 drops by-email: kept unless dropping is allowed */
  g_assert_true (dynamorm_table_migrate (v3, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (dynamorm_table_ensure (v3, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_assert_nonnull (strstr (error->message, "“by-email” that the model does not declare"));
  g_clear_error (&error);

  dynamorm_table_options_set_drop_indexes (dynamorm_table_get_options (v3), TRUE);
  g_assert_true (dynamorm_table_migrate (v3, record_progress, &p, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_array_index (p.calls, guint64, 1), ==, 1);
  g_array_set_size (p.calls, 0);
  g_assert_true (dynamorm_table_ensure (v3, NULL, &error));
  g_assert_no_error (error);

  /* a changed projection needs dropping: refused before any change */
  {
    g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
    g_autoptr(DynamormTable) v3_keys = NULL;

    dynamorm_table_options_set_index_projection (options, "by-score", DYNAMORM_PROJECTION_KEYS_ONLY, NULL);
    v3_keys = dynamorm_table_new (f->session, event_v3, options);
    g_assert_false (dynamorm_table_migrate (v3_keys, record_progress, &p, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
    g_assert_nonnull (strstr (error->message, "cannot be migrated"));
    g_assert_nonnull (strstr (error->message, "projects ALL, the model KEYS_ONLY"));
    g_assert_cmpuint (p.calls->len, ==, 0);
    g_clear_error (&error);

    /* allowed: dropped and re-created */
    dynamorm_table_options_set_drop_indexes (options, TRUE);
    g_assert_true (dynamorm_table_migrate (v3_keys, record_progress, &p, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (g_array_index (p.calls, guint64, 1), ==, 2);
    g_array_set_size (p.calls, 0);
    g_assert_true (dynamorm_table_ensure (v3_keys, NULL, &error));
    g_assert_no_error (error);
  }

  /* a key conflict cannot be migrated */
  {
    g_autoptr(DynamormTable) bad = dynamorm_table_new (f->session, event_bad, NULL);

    g_assert_false (dynamorm_table_migrate (bad, NULL, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
    g_assert_nonnull (strstr (error->message, "sort key"));
    g_clear_error (&error);
  }

  /* the item survived every step */
  g_assert_cmpint (count_items (f, name), ==, 1);

  /* a missing table is created */
  {
    g_autoptr(DynamormTable) copy = dynamorm_table_new (f->session, event_copy, NULL);

    g_assert_true (dynamorm_table_migrate (copy, record_progress, &p, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (p.calls->len, ==, 4);
    g_assert_cmpuint (g_array_index (p.calls, guint64, 2), ==, 1);
    g_assert_true (dynamorm_table_ensure (copy, NULL, &error));
    g_assert_no_error (error);
  }

  g_array_unref (p.calls);
}

/* ---- async ---- */

typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->result = g_object_ref (result);
  g_main_loop_quit (w->loop);
}

static GAsyncResult *
wait_for (Wait *w)
{
  g_clear_object (&w->result);
  g_main_loop_run (w->loop);
  return w->result;
}

static void
progress_in_loop (guint64 done, guint64 total, gpointer user_data)
{
  guint *calls = user_data;

  (*calls)++;
}

static void
test_async (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTable) table = dynamorm_table_new (f->session, event_v1, NULL);
  g_autoptr(DynamormTable) v2 = dynamorm_table_new (f->session, event_v2, NULL);
  g_autoptr(JsonNode) description = NULL;
  g_auto(GStrv) names = NULL;
  Wait w = { g_main_loop_new (NULL, FALSE), NULL };
  guint *calls = g_new0 (guint, 1);

  SKIP_IF_NO_BACKEND (f);

  dynamorm_table_ensure_async (table, NULL, wait_cb, &w);
  g_assert_true (dynamorm_table_ensure_finish (table, wait_for (&w), &error));
  g_assert_no_error (error);

  dynamorm_table_wait_until_active_async (table, NULL, wait_cb, &w);
  g_assert_true (dynamorm_table_wait_until_active_finish (table, wait_for (&w), &error));
  g_assert_no_error (error);

  dynamorm_table_describe_async (table, NULL, wait_cb, &w);
  description = dynamorm_table_describe_finish (table, wait_for (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (description), "TableStatus"), ==, "ACTIVE");

  dynamorm_table_migrate_async (v2, progress_in_loop, calls, g_free, NULL, wait_cb, &w);
  g_assert_true (dynamorm_table_migrate_finish (v2, wait_for (&w), &error));
  g_assert_no_error (error);

  dynamorm_table_list_names_async (f->session, NULL, wait_cb, &w);
  names = dynamorm_table_list_names_finish (f->session, wait_for (&w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, 1);

  dynamorm_table_create_async (table, NULL, wait_cb, &w);
  g_assert_false (dynamorm_table_create_finish (table, wait_for (&w), &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_IN_USE);
  g_clear_error (&error);

  dynamorm_table_delete_async (table, NULL, wait_cb, &w);
  g_assert_true (dynamorm_table_delete_finish (table, wait_for (&w), &error));
  g_assert_no_error (error);

  g_clear_object (&w.result);
  g_main_loop_unref (w.loop);
}

/* ---- data migration ---- */

static void
fill_source (Fixture *f, const char *table, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonNode) r = call (f, "PutItem", "{\"TableName\": \"%s\", \"Item\": {\"account\": {\"S\": \"a\"}, "
                                    "\"at\": {\"S\": \"%03u\"}, \"score\": {\"N\": \"%u\"}}}", table, i, i);
    }
}

typedef struct {
  guint calls;
  const char *fail_at;
  GCancellable *cancellable;
  guint64 cancel_when;
  guint64 last_done, last_total;
  guint signals;
} Transform;

static JsonNode *
add_flag (JsonNode *item, gpointer user_data, GError **error)
{
  Transform *t = user_data;
  JsonNode *out = json_node_copy (item);
  JsonObject *obj = json_node_get_object (out);
  JsonObject *at = json_object_get_object_member (obj, "at");
  g_autoptr(JsonNode) flag = json_from_string ("{\"BOOL\": true}", NULL);

  t->calls++;
  if (t->fail_at && g_str_equal (json_object_get_string_member (at, "S"), t->fail_at))
    {
      json_node_unref (out);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "score is not migratable");
      return NULL;
    }
  json_object_set_member (obj, "migrated", g_steal_pointer (&flag));
  return out;
}

static void
on_progress (DynamormDataMigration *migration, guint64 done, guint64 total, Transform *t)
{
  g_assert_cmpuint (done, <=, total);
  g_assert_cmpuint (done, >=, t->last_done);
  t->last_done = done;
  t->last_total = total;
  t->signals++;
  if (t->cancellable && t->cancel_when && done >= t->cancel_when)
    g_cancellable_cancel (t->cancellable);
}

static void
test_data_migration (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTable) source = dynamorm_table_new (f->session, event_v1, NULL);
  g_autoptr(DynamormTable) target = dynamorm_table_new (f->session, event_copy, NULL);
  g_autofree char *source_name = dynamorm_table_get_name (source);
  g_autofree char *target_name = dynamorm_table_get_name (target);
  g_autoptr(DynamormDataMigration) migration = NULL;
  g_autofree char *checkpoint = NULL;
  Transform t = { 0, };

  SKIP_IF_NO_BACKEND (f);

  g_assert_true (dynamorm_table_create (source, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_table_create (target, NULL, &error));
  g_assert_no_error (error);
  fill_source (f, source_name, 57);

  /* all at once, with progress */
  migration = dynamorm_data_migration_new (f->session, source_name, target_name);
  dynamorm_data_migration_set_transform (migration, add_flag, &t, NULL);
  dynamorm_data_migration_set_page_size (migration, 10);
  g_signal_connect (migration, "progress", G_CALLBACK (on_progress), &t);
  g_assert_true (dynamorm_data_migration_run (migration, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (t.calls, ==, 57);
  g_assert_cmpuint (t.last_done, ==, 57);
  g_assert_cmpuint (t.last_total, ==, 57);
  g_assert_cmpuint (dynamorm_data_migration_get_done (migration), ==, 57);
  g_assert_cmpuint (dynamorm_data_migration_get_total (migration), ==, 57);
  g_assert_cmpint (count_items (f, target_name), ==, 57);
  {
    g_autoptr(JsonNode) got = call (f, "GetItem", "{\"TableName\": \"%s\", \"Key\": {\"account\": {\"S\": \"a\"}, "
                                    "\"at\": {\"S\": \"042\"}}}", target_name);
    JsonObject *item = json_object_get_object_member (json_node_get_object (got), "Item");

    g_assert_true (json_object_get_boolean_member (json_object_get_object_member (item, "migrated"), "BOOL"));
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item, "score"), "N"), ==, "42");
  }

  /* a finished checkpoint: running again writes nothing */
  checkpoint = dynamorm_data_migration_get_checkpoint (migration);
  g_assert_nonnull (strstr (checkpoint, "\"complete\":true"));
  t.calls = 0;
  g_assert_true (dynamorm_data_migration_run (migration, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (t.calls, ==, 0);
  g_clear_pointer (&checkpoint, g_free);
  g_clear_object (&migration);
}

static void
test_data_migration_resume (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTable) source = dynamorm_table_new (f->session, event_v1, NULL);
  g_autoptr(DynamormTable) target = dynamorm_table_new (f->session, event_copy, NULL);
  g_autofree char *source_name = dynamorm_table_get_name (source);
  g_autofree char *target_name = dynamorm_table_get_name (target);
  g_autoptr(DynamormDataMigration) migration = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *checkpoint = NULL;
  Transform t = { 0, };

  SKIP_IF_NO_BACKEND (f);

  g_assert_true (dynamorm_table_create (source, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_table_create (target, NULL, &error));
  g_assert_no_error (error);
  fill_source (f, source_name, 57);

  /* pages of 30 are written in batches of 25 + 5: interrupt in the
   * middle of the second page, after its first batch */
  migration = dynamorm_data_migration_new (f->session, source_name, target_name);
  dynamorm_data_migration_set_transform (migration, add_flag, &t, NULL);
  dynamorm_data_migration_set_page_size (migration, 30);
  dynamorm_data_migration_set_exact_total (migration, TRUE);
  g_signal_connect (migration, "progress", G_CALLBACK (on_progress), &t);
  t.cancellable = cancellable;
  t.cancel_when = 55;
  g_assert_false (dynamorm_data_migration_run (migration, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (t.last_done, ==, 55);
  g_assert_cmpuint (t.calls, ==, 57);  // both pages transformed, the second not all written
  checkpoint = dynamorm_data_migration_get_checkpoint (migration);
  g_assert_nonnull (checkpoint);
  g_assert_nonnull (strstr (checkpoint, "\"done\":30"));
  g_assert_cmpint (count_items (f, target_name), ==, 55);
  g_clear_object (&migration);

  /* resume in a new object, as after a restart: only the unfinished page
   * is read and written again; no item is there twice */
  t = (Transform) { 0, };
  migration = dynamorm_data_migration_new (f->session, source_name, target_name);
  dynamorm_data_migration_set_transform (migration, add_flag, &t, NULL);
  dynamorm_data_migration_set_page_size (migration, 30);
  dynamorm_data_migration_set_checkpoint (migration, checkpoint);
  g_signal_connect (migration, "progress", G_CALLBACK (on_progress), &t);
  g_assert_true (dynamorm_data_migration_run (migration, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (t.calls, ==, 27);
  g_assert_cmpuint (t.last_done, ==, 57);
  g_assert_cmpint (count_items (f, target_name), ==, 57);
  g_clear_object (&migration);

  /* a checkpoint of another migration, and a damaged one */
  migration = dynamorm_data_migration_new (f->session, target_name, source_name);
  dynamorm_data_migration_set_checkpoint (migration, checkpoint);
  g_assert_false (dynamorm_data_migration_run (migration, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_CURSOR);
  g_clear_error (&error);
  dynamorm_data_migration_set_checkpoint (migration, "{\"source\": 1");
  g_assert_false (dynamorm_data_migration_run (migration, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_CURSOR);
  g_clear_error (&error);
}

static void
test_data_migration_transform_fails (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormTable) source = dynamorm_table_new (f->session, event_v1, NULL);
  g_autoptr(DynamormTable) target = dynamorm_table_new (f->session, event_copy, NULL);
  g_autofree char *source_name = dynamorm_table_get_name (source);
  g_autofree char *target_name = dynamorm_table_get_name (target);
  g_autoptr(DynamormDataMigration) migration = NULL;
  g_autofree char *checkpoint = NULL;
  Transform t = { 0, };
  Wait w = { g_main_loop_new (NULL, FALSE), NULL };

  SKIP_IF_NO_BACKEND (f);

  g_assert_true (dynamorm_table_create (source, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dynamorm_table_create (target, NULL, &error));
  g_assert_no_error (error);
  fill_source (f, source_name, 25);

  t.fail_at = "017";
  migration = dynamorm_data_migration_new (f->session, source_name, target_name);
  dynamorm_data_migration_set_transform (migration, add_flag, &t, NULL);
  dynamorm_data_migration_set_page_size (migration, 10);
  dynamorm_data_migration_run_async (migration, NULL, wait_cb, &w);
  g_assert_false (dynamorm_data_migration_run_finish (migration, wait_for (&w), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "account = \"a\", at = \"017\""));
  g_assert_nonnull (strstr (error->message, "score is not migratable"));
  g_assert_nonnull (strstr (error->message, "resume from it"));
  g_clear_error (&error);
  /* the first page is written, nothing of the second */
  checkpoint = dynamorm_data_migration_get_checkpoint (migration);
  g_assert_nonnull (strstr (checkpoint, "\"done\":10"));
  g_assert_cmpint (count_items (f, target_name), ==, 10);

  /* fixed transform: resumes and completes */
  t.fail_at = NULL;
  t.calls = 0;
  dynamorm_data_migration_run_async (migration, NULL, wait_cb, &w);
  g_assert_true (dynamorm_data_migration_run_finish (migration, wait_for (&w), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (t.calls, ==, 15);
  g_assert_cmpint (count_items (f, target_name), ==, 25);

  /* a missing source */
  {
    g_autoptr(DynamormDataMigration) missing = dynamorm_data_migration_new (f->session, "no_such_table_x", target_name);

    g_assert_false (dynamorm_data_migration_run (missing, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "no_such_table_x"));
    g_clear_error (&error);
  }

  g_clear_object (&w.result);
  g_main_loop_unref (w.loop);
}

/* ------------------------------------------------------------------ */
/* Waiting, against a backend double whose table never becomes active */

#define TEST_TYPE_SLOW (test_slow_get_type ())
G_DECLARE_FINAL_TYPE (TestSlow, test_slow, TEST, SLOW, DynamormBackend)
struct _TestSlow { DynamormBackend parent_instance; guint describes; };
G_DEFINE_FINAL_TYPE (TestSlow, test_slow, DYNAMORM_TYPE_BACKEND)

static JsonNode *
test_slow_invoke (DynamormBackend *backend, const char *operation, JsonNode *request,
                  GCancellable *cancellable, GError **error)
{
  TestSlow *self = TEST_SLOW (backend);

  if (g_str_equal (operation, "DescribeTable"))
    {
      self->describes++;
      return json_from_string ("{\"Table\": {\"TableName\": \"slow\", \"TableStatus\": \"CREATING\"}}", NULL);
    }
  return json_from_string ("{}", NULL);
}

static void
test_slow_class_init (TestSlowClass *klass)
{
  DYNAMORM_BACKEND_CLASS (klass)->invoke = test_slow_invoke;
}

static void
test_slow_init (TestSlow *self)
{
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_wait_timeout_and_cancel (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestSlow) backend = g_object_new (TEST_TYPE_SLOW, NULL);
  g_autoptr(DynamormSession) session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (backend));
  g_autoptr(DynamormTableOptions) options = dynamorm_table_options_new ();
  g_autoptr(DynamormTable) table = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint64 start;
  Wait w = { g_main_loop_new (NULL, FALSE), NULL };

  dynamorm_table_options_set_timeout (options, 1);
  dynamorm_table_options_set_poll_interval (options, 50);
  table = dynamorm_table_new (session, event_v1, options);

  start = g_get_monotonic_time ();
  g_assert_false (dynamorm_table_create (table, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "CREATING"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpuint (backend->describes, >=, 10);
  g_clear_error (&error);

  /* cancelling stops the wait at once, not at the next poll */
  dynamorm_table_options_set_timeout (options, 0);
  dynamorm_table_options_set_poll_interval (options, 60000);
  start = g_get_monotonic_time ();
  g_timeout_add (100, cancel_later, cancellable);
  dynamorm_table_wait_until_active_async (table, cancellable, wait_cb, &w);
  g_assert_false (dynamorm_table_wait_until_active_finish (table, wait_for (&w), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* the blocking form too */
  g_cancellable_reset (cancellable);
  g_cancellable_cancel (cancellable);
  g_assert_false (dynamorm_table_wait_until_active (table, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_clear_object (&w.result);
  g_main_loop_unref (w.loop);
}

int
main (int argc, char *argv[])
{
  test_parse_backend_arg (&argc, argv);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  define_models ();

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/dynamorm/table/create-describe-delete", test_create_describe_delete);
  ADD ("/dynamorm/table/provisioned-stream-include", test_provisioned_stream_include);
  ADD ("/dynamorm/table/ensure", test_ensure);
  ADD ("/dynamorm/table/options-errors", test_options_errors);
  ADD ("/dynamorm/table/migrate", test_migrate);
  ADD ("/dynamorm/table/async", test_async);
  ADD ("/dynamorm/table/data-migration", test_data_migration);
  ADD ("/dynamorm/table/data-migration-resume", test_data_migration_resume);
  ADD ("/dynamorm/table/data-migration-transform-fails", test_data_migration_transform_fails);
  if (g_str_equal (test_backend_name, "memory"))
    g_test_add_func ("/dynamorm/table/wait-timeout-cancel", test_wait_timeout_and_cancel);

  return g_test_run ();
}
