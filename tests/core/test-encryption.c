/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Encrypted properties through the session, on every backend: every write
 * and read path stores envelopes and reads values, nothing encrypted is
 * ever stored in the clear or returned as ciphertext, misuse is refused
 * before any request, tampering and wrong keys fail authentication, and no
 * log line holds a secret or a plaintext. */
#include <string.h>
#include <glib/gstdio.h>

#include "test-models.h"

#define SSN "secret-ssn-424242"
#define NOTES "secret-notes-373737"

static GType
patient_type (void)
{
  static GType type;

  if (type == 0)
    {
      static const char *props[] = { "id:s", "ssn:s", "notes:s", "age:i", "city:s", NULL };
      const char *tags[] = { "id=pk", "ssn=encrypted", "notes=encrypted,omitempty", "city=index:by-city,pk", NULL };
      g_autoptr(GError) error = NULL;

      type = test_define_model ("EncPatient", (const char * const *) props);
      g_assert_true (dynamorm_model_type_declare (type, "patients", tags, &error));
      g_assert_no_error (error);
    }
  return type;
}

static DynamormKeyProvider *
local_provider (guint8 seed)
{
  guint8 key[32];
  g_autoptr(GBytes) bytes = NULL;

  for (guint i = 0; i < 32; i++)
    key[i] = seed + i * 7;
  bytes = g_bytes_new (key, 32);
  return DYNAMORM_KEY_PROVIDER (dynamorm_local_key_provider_new (bytes, NULL));
}

typedef struct {
  DynamormSession *session;
  DynamormKeyProvider *provider;
  GType type;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->type = patient_type ();
  f->session = test_session_new ("enc");
  if (f->session == NULL)
    return;
  f->provider = local_provider (1);
  dynamorm_session_set_key_provider (f->session, f->provider);
  g_assert_true (dynamorm_session_create_table (f->session, f->type, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->session != NULL)
    dynamorm_session_delete_table (f->session, f->type, NULL, NULL);
  g_clear_object (&f->session);
  g_clear_object (&f->provider);
}

static DynamormModel *
new_patient (Fixture *f, const char *id, const char *ssn, const char *notes)
{
  return g_object_new (f->type, "id", id, "ssn", ssn, "notes", notes, "age", 42, "city", "Oslo", NULL);
}

static DynamormModel *
get_patient (Fixture *f, const char *id, GError **error)
{
  g_auto(GValue) pk = G_VALUE_INIT;

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, id);
  return dynamorm_session_get (f->session, f->type, &pk, NULL, NULL, error);
}

/* The item as stored, through a raw GetItem. */
static JsonNode *
raw_item (Fixture *f, const char *id)
{
  g_autofree char *table = dynamorm_session_get_table_name (f->session, f->type);
  g_autofree char *text = g_strdup_printf ("{\"TableName\": \"%s\", \"Key\": {\"id\": {\"S\": \"%s\"}}, "
                                           "\"ConsistentRead\": true}", table, id);
  g_autoptr(JsonNode) request = json_from_string (text, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = dynamorm_session_call (f->session, "GetItem", request, NULL, &error);

  JsonNode *item;

  g_assert_no_error (error);
  item = json_object_get_member (json_node_get_object (response), "Item");
  return item ? json_node_ref (item) : NULL;
}

static void
raw_put (Fixture *f, JsonNode *item)
{
  g_autofree char *table = dynamorm_session_get_table_name (f->session, f->type);
  g_autoptr(JsonNode) request = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "TableName", table);
  json_object_set_member (obj, "Item", json_node_copy (item));
  json_node_take_object (request, obj);
  response = dynamorm_session_call (f->session, "PutItem", request, NULL, &error);
  g_assert_no_error (error);
}

static void
assert_patient (DynamormModel *model, const char *ssn, const char *notes)
{
  g_autofree char *got_ssn = NULL, *got_notes = NULL;

  g_assert_nonnull (model);
  g_object_get (model, "ssn", &got_ssn, "notes", &got_notes, NULL);
  g_assert_cmpstr (got_ssn, ==, ssn);
  g_assert_cmpstr (got_notes, ==, notes);
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormModel) patient = NULL;
  g_autoptr(DynamormModel) back = NULL;
  g_autoptr(JsonNode) item = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *ssn;

  if (f->session == NULL)
    return;
  patient = new_patient (f, "p1", SSN, NOTES);
  g_assert_true (dynamorm_session_put (f->session, patient, NULL, &error));
  g_assert_no_error (error);

  /* Stored as binary envelopes, never in the clear. */
  item = raw_item (f, "p1");
  text = json_to_string (item, FALSE);
  g_assert_null (strstr (text, SSN));
  g_assert_null (strstr (text, NOTES));
  ssn = json_object_get_object_member (json_node_get_object (item), "ssn");
  g_assert_nonnull (ssn);
  g_assert_true (json_object_has_member (ssn, "B"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (ssn, "B"), "RFlORQ"));   /* base64 of "DYNE" */
  g_assert_nonnull (strstr (text, "\"Oslo\""));

  back = get_patient (f, "p1", &error);
  g_assert_no_error (error);
  assert_patient (back, SSN, NOTES);
}

static void
test_no_provider (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormModel) patient = NULL;
  g_autoptr(DynamormModel) back = NULL;
  g_autoptr(JsonNode) item = NULL;
  g_autoptr(GError) error = NULL;

  if (f->session == NULL)
    return;
  patient = new_patient (f, "p2", SSN, NOTES);
  g_assert_true (dynamorm_session_put (f->session, patient, NULL, &error));
  g_assert_no_error (error);

  dynamorm_session_set_key_provider (f->session, NULL);
  /* Writing fails closed: nothing is stored. */
  g_clear_object (&patient);
  patient = new_patient (f, "p3", SSN, NOTES);
  g_assert_false (dynamorm_session_put (f->session, patient, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "“ssn”"));
  g_assert_nonnull (strstr (error->message, "Session.set_key_provider"));
  g_clear_error (&error);
  item = raw_item (f, "p3");
  g_assert_null (item);

  /* Reading fails closed: the ciphertext is never a value. */
  back = get_patient (f, "p2", &error);
  g_assert_null (back);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "“ssn”"));
  g_clear_error (&error);

  /* The public decoder refuses envelopes too. */
  g_clear_pointer (&item, json_node_unref);
  item = raw_item (f, "p2");
  back = dynamorm_model_new_from_item (f->type, item, &error);
  g_assert_null (back);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
}

static void
test_wrong_key (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormModel) patient = NULL;
  g_autoptr(DynamormModel) back = NULL;
  g_autoptr(DynamormKeyProvider) other = local_provider (2);
  g_autoptr(GError) error = NULL;

  if (f->session == NULL)
    return;
  patient = new_patient (f, "p4", SSN, NOTES);
  g_assert_true (dynamorm_session_put (f->session, patient, NULL, &error));
  g_assert_no_error (error);

  dynamorm_session_set_key_provider (f->session, other);
  back = get_patient (f, "p4", &error);
  g_assert_null (back);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "“ssn”"));
  g_assert_null (strstr (error->message, SSN));
}

static void
test_moved_ciphertext (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormModel) patient = NULL;
  g_autoptr(DynamormModel) back = NULL;
  g_autoptr(JsonNode) item = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *obj;

  if (f->session == NULL)
    return;
  patient = new_patient (f, "p5", SSN, NOTES);
  g_assert_true (dynamorm_session_put (f->session, patient, NULL, &error));
  g_assert_no_error (error);

  /* The ssn envelope put in notes: same key, another attribute. */
  item = raw_item (f, "p5");
  obj = json_node_get_object (item);
  json_object_set_member (obj, "notes", json_node_copy (json_object_get_member (obj, "ssn")));
  raw_put (f, item);
  back = get_patient (f, "p5", &error);
  g_assert_null (back);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "“notes”"));
  g_assert_nonnull (strstr (error->message, "failed authentication"));
  g_clear_error (&error);

  /* A plaintext written by someone else under an encrypted attribute. */
  json_object_set_member (obj, "notes", json_from_string ("{\"S\": \"plain\"}", NULL));
  json_object_set_member (obj, "ssn", json_from_string ("{\"S\": \"plain\"}", NULL));
  raw_put (f, item);
  back = get_patient (f, "p5", &error);
  g_assert_null (back);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION);
  g_assert_nonnull (strstr (error->message, "written without encryption"));
}

static void
test_refused_uses (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(GListModel) results = NULL;
  g_autoptr(DynamormModel) patient = NULL;
  g_autoptr(DynamormUpdate) update = NULL;
  g_autoptr(DynamormWriteOptions) options = NULL;
  g_autoptr(DynamormCondition) condition = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  GType bad;
  static const char *props[] = { "id:s", "v:i", NULL };
  const char *bad_tags[] = { "id=pk,encrypted", NULL };

  if (f->session == NULL)
    return;

  /* Queries and filters. */
  query = dynamorm_query_new (f->session, f->type);
  dynamorm_query_where (query, "ssn", DYNAMORM_OPERATOR_EQ, SSN);
  results = dynamorm_query_scan (query, NULL, &error);
  g_assert_null (results);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY);
  g_assert_nonnull (strstr (error->message, "“ssn”"));
  g_assert_nonnull (strstr (error->message, "encrypted"));
  g_clear_error (&error);

  /* Conditions on writes. */
  patient = new_patient (f, "p6", SSN, NOTES);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, SSN);
  condition = dynamorm_condition_new ("notes", DYNAMORM_OPERATOR_EQ, &value, 1);
  options = dynamorm_write_options_new ();
  dynamorm_write_options_add_condition (options, condition);
  g_assert_false (dynamorm_session_put_full (f->session, patient, options, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“notes”"));
  g_clear_error (&error);

  /* Update actions other than set and remove. */
  g_assert_true (dynamorm_session_put (f->session, patient, NULL, &error));
  update = dynamorm_update_new ();
  dynamorm_update_append (update, "notes", &value);
  g_assert_false (dynamorm_session_update_full (f->session, patient, update, NULL, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“notes”"));
  g_clear_error (&error);

  /* Keys. */
  bad = test_define_model ("EncBadKey", (const char * const *) props);
  g_assert_false (dynamorm_model_type_declare (bad, NULL, bad_tags, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  g_assert_nonnull (strstr (error->message, "encrypted"));
}

static void
test_update_set (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormModel) patient = NULL;
  g_autoptr(DynamormModel) back = NULL;
  g_autoptr(DynamormUpdate) update = NULL;
  g_autoptr(JsonNode) item = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  const char *props[] = { "notes", NULL };

  if (f->session == NULL)
    return;
  patient = new_patient (f, "p7", SSN, NOTES);
  g_assert_true (dynamorm_session_put (f->session, patient, NULL, &error));
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "updated-secret-111");
  update = dynamorm_update_new ();
  dynamorm_update_set (update, "ssn", &value);
  g_assert_true (dynamorm_session_update_full (f->session, patient, update, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Set from the model, by property name. */
  g_object_set (patient, "notes", "model-notes-222", NULL);
  g_assert_true (dynamorm_session_update (f->session, patient, props, NULL, &error));
  g_assert_no_error (error);

  item = raw_item (f, "p7");
  text = json_to_string (item, FALSE);
  g_assert_null (strstr (text, "updated-secret"));
  g_assert_null (strstr (text, "model-notes"));
  back = get_patient (f, "p7", &error);
  g_assert_no_error (error);
  assert_patient (back, "updated-secret-111", "model-notes-222");
}

static void
test_batch_query_transaction (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormBatchWrite) batch = NULL;
  g_autoptr(DynamormBatchGet) get = NULL;
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(DynamormQuery) query = NULL;
  g_autoptr(GListModel) results = NULL;
  g_autoptr(DynamormTransaction) tx = NULL;
  g_autoptr(GError) error = NULL;
  DynamormDataKeyCache *cache = dynamorm_session_get_data_key_cache (f->session);
  DynamormModel *reads[2];
  guint64 misses_before;

  if (f->session == NULL)
    return;
  g_assert_nonnull (cache);
  misses_before = dynamorm_data_key_cache_get_misses (cache);

  batch = dynamorm_batch_write_new (f->session);
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *id = g_strdup_printf ("b%02u", i);
      g_autofree char *ssn = g_strdup_printf ("ssn-%02u", i);
      g_autoptr(DynamormModel) patient = new_patient (f, id, ssn, NOTES);

      dynamorm_batch_write_add_put (batch, patient);
    }
  g_assert_true (dynamorm_batch_write_execute (batch, NULL, &error));
  g_assert_no_error (error);
  /* 120 values, one data key. */
  g_assert_cmpuint (dynamorm_data_key_cache_get_misses (cache) - misses_before, ==, 1);

  get = dynamorm_batch_get_new (f->session, f->type);
  for (guint i = 0; i < 60; i += 7)
    {
      g_autofree char *id = g_strdup_printf ("b%02u", i);
      g_autoptr(DynamormKey) key = dynamorm_key_new_string (id, NULL);

      dynamorm_batch_get_add_key (get, key);
    }
  got = dynamorm_batch_get_execute (get, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got->len, ==, 9);
  for (guint i = 0; i < got->len; i++)
    {
      g_autofree char *id = NULL, *ssn = NULL;

      g_object_get (got->pdata[i], "id", &id, "ssn", &ssn, NULL);
      g_assert_cmpstr (ssn + 4, ==, id + 1);
    }

  /* Query results (through the index on the unencrypted city). */
  query = dynamorm_query_new (f->session, f->type);
  dynamorm_query_where (query, "city", DYNAMORM_OPERATOR_EQ, "Oslo");
  results = dynamorm_query_all (query, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 60);
  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(DynamormModel) m = g_list_model_get_item (results, i);
      g_autofree char *notes = NULL;

      g_object_get (m, "notes", &notes, NULL);
      g_assert_cmpstr (notes, ==, NOTES);
    }

  /* Transactions. */
  tx = dynamorm_transaction_new (f->session);
  {
    g_autoptr(DynamormModel) a = new_patient (f, "t1", "tx-ssn-1", "tx-notes-1");
    g_autoptr(DynamormModel) b = new_patient (f, "t2", "tx-ssn-2", NULL);

    dynamorm_transaction_add_put (tx, a, NULL);
    dynamorm_transaction_add_put (tx, b, NULL);
  }
  g_assert_true (dynamorm_transaction_commit (tx, NULL, &error));
  g_assert_no_error (error);
  reads[0] = g_object_new (f->type, "id", "t1", NULL);
  reads[1] = g_object_new (f->type, "id", "t2", NULL);
  g_assert_true (dynamorm_session_transact_get (f->session, reads, 2, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_patient (reads[0], "tx-ssn-1", "tx-notes-1");
  assert_patient (reads[1], "tx-ssn-2", NULL);
  g_object_unref (reads[0]);
  g_object_unref (reads[1]);
}

static void
test_stream_records (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormModel) patient = NULL;
  g_autoptr(JsonNode) old_item = NULL;
  g_autoptr(JsonNode) new_item = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *table = NULL;
  g_autofree char *old_text = NULL, *new_text = NULL, *event = NULL;
  DynamormStreamRecord *record;
  DynamormModel *image;
  g_autofree char *ssn = NULL, *notes = NULL;
  const char * const *changed;

  if (f->session == NULL)
    return;
  table = dynamorm_session_get_table_name (f->session, f->type);
  patient = new_patient (f, "s1", SSN, "before");
  g_assert_true (dynamorm_session_put (f->session, patient, NULL, &error));
  old_item = raw_item (f, "s1");
  g_object_set (patient, "notes", "after", NULL);
  g_assert_true (dynamorm_session_put (f->session, patient, NULL, &error));
  new_item = raw_item (f, "s1");
  old_text = json_to_string (old_item, FALSE);
  new_text = json_to_string (new_item, FALSE);
  event = g_strdup_printf ("{\"Records\": [{\"eventID\": \"1\", \"eventName\": \"MODIFY\", "
                           "\"eventSource\": \"aws:dynamodb\", \"awsRegion\": \"ddblocal\", "
                           "\"eventSourceARN\": \"arn:aws:dynamodb:ddblocal:000000000000:table/%s/stream/2024\", "
                           "\"dynamodb\": {\"Keys\": {\"id\": {\"S\": \"s1\"}}, \"SequenceNumber\": \"100\", "
                           "\"SizeBytes\": 10, \"StreamViewType\": \"NEW_AND_OLD_IMAGES\", "
                           "\"NewImage\": %s, \"OldImage\": %s}}]}",
                           table, new_text, old_text);

  /* Without the session: an error naming the encrypted property. */
  records = dynamorm_stream_parse_event (event, -1, f->type, &error);
  g_assert_null (records);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "“ssn”"));
  g_assert_nonnull (strstr (error->message, "key provider"));
  g_clear_error (&error);

  /* With it: the images decrypted, and only what changed reported. */
  records = dynamorm_stream_parse_event_with_session (event, -1, f->type, f->session, &error);
  g_assert_no_error (error);
  record = records->pdata[0];
  image = dynamorm_stream_record_get_new_image (record);
  g_object_get (image, "ssn", &ssn, "notes", &notes, NULL);
  g_assert_cmpstr (ssn, ==, SSN);
  g_assert_cmpstr (notes, ==, "after");
  g_clear_pointer (&notes, g_free);
  g_object_get (dynamorm_stream_record_get_old_image (record), "notes", &notes, NULL);
  g_assert_cmpstr (notes, ==, "before");
  changed = dynamorm_stream_record_get_changed_properties (record);
  g_assert_cmpstrv (changed, ((const char *[]) { "notes", NULL }));
}

/* ---- Logs ---- */

static GString *captured;

static GLogWriterOutput
capture_writer (GLogLevelFlags log_level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        g_string_append_len (captured, fields[i].value, fields[i].length);
        g_string_append_c (captured, '\n');
      }
  return G_LOG_WRITER_HANDLED;
}

static void
test_no_secrets_in_logs (Fixture *f, gconstpointer data)
{
  g_autoptr(DynamormModel) patient = NULL;
  g_autoptr(DynamormModel) back = NULL;
  g_autoptr(GError) error = NULL;

  if (f->session == NULL)
    return;
  if (g_test_subprocess ())
    {
      captured = g_string_new (NULL);
      g_log_set_writer_func (capture_writer, NULL, NULL);
      g_log_set_debug_enabled (TRUE);
      patient = new_patient (f, "log1", SSN, NOTES);
      g_assert_true (dynamorm_session_put (f->session, patient, NULL, &error));
      back = get_patient (f, "log1", &error);
      g_assert_no_error (error);
      /* A wrong key's failure is logged nowhere either. */
      {
        g_autoptr(DynamormKeyProvider) other = local_provider (9);
        g_autoptr(DynamormModel) none = NULL;

        dynamorm_session_set_key_provider (f->session, other);
        none = get_patient (f, "log1", &error);
        g_assert_null (none);
        g_clear_error (&error);
      }
      /* Requests were logged (the capture works), secrets were not. */
      g_assert_nonnull (strstr (captured->str, "PutItem"));
      g_assert_null (strstr (captured->str, SSN));
      g_assert_null (strstr (captured->str, NOTES));
      printf ("captured %zu bytes of logs\n", captured->len);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*captured*");
}

/* ---- URI parameters ---- */

static void
test_uri_parameters (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("dynamorm-uri-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "master.key", NULL);
  g_autofree char *uri = NULL;
  g_autoptr(DynamormSession) session = NULL;
  DynamormDataKeyCache *cache;
  const char *bad[] = {
    "memory://?data_key_max_uses=lots",
    "memory://?kms_region=eu-west-1",
    "memory://?local_key_file=/nonexistent/master.key",
    "memory://?local_key_file=",
  };

  g_assert_true (g_file_set_contents (path, "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f", -1, &error));
  uri = g_strdup_printf ("memory://?local_key_file=%s&data_key_max_age=60&data_key_max_uses=5&data_key_cache_size=7", path);
  session = dynamorm_session_new (uri, &error);
  g_assert_no_error (error);
  g_assert_true (DYNAMORM_IS_LOCAL_KEY_PROVIDER (dynamorm_session_get_key_provider (session)));
  cache = dynamorm_session_get_data_key_cache (session);
  g_assert_cmpuint (dynamorm_data_key_cache_get_max_age (cache), ==, 60);
  g_assert_cmpuint (dynamorm_data_key_cache_get_max_uses (cache), ==, 5);
  g_assert_cmpuint (dynamorm_data_key_cache_get_max_entries (cache), ==, 7);
  g_clear_object (&session);

  session = dynamorm_session_new ("memory://?data_key_cache_size=0", &error);
  g_assert_no_error (error);
  g_assert_null (dynamorm_session_get_data_key_cache (session));
  g_assert_null (dynamorm_session_get_key_provider (session));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(DynamormSession) refused = dynamorm_session_new (bad[i], &error);

      g_assert_null (refused);
      g_assert_nonnull (error);
      g_assert_true (error->domain == DYNAMORM_ERROR);
      g_clear_error (&error);
    }
  g_remove (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_parse_backend_arg (&argc, argv);

  g_test_add ("/dynamorm/encryption/round-trip", Fixture, NULL, fixture_set_up, test_round_trip, fixture_tear_down);
  g_test_add ("/dynamorm/encryption/no-provider", Fixture, NULL, fixture_set_up, test_no_provider, fixture_tear_down);
  g_test_add ("/dynamorm/encryption/wrong-key", Fixture, NULL, fixture_set_up, test_wrong_key, fixture_tear_down);
  g_test_add ("/dynamorm/encryption/moved-ciphertext", Fixture, NULL, fixture_set_up, test_moved_ciphertext, fixture_tear_down);
  g_test_add ("/dynamorm/encryption/refused", Fixture, NULL, fixture_set_up, test_refused_uses, fixture_tear_down);
  g_test_add ("/dynamorm/encryption/update-set", Fixture, NULL, fixture_set_up, test_update_set, fixture_tear_down);
  g_test_add ("/dynamorm/encryption/batch-query-transaction", Fixture, NULL, fixture_set_up,
              test_batch_query_transaction, fixture_tear_down);
  g_test_add ("/dynamorm/encryption/stream-records", Fixture, NULL, fixture_set_up, test_stream_records,
              fixture_tear_down);
  g_test_add ("/dynamorm/encryption/no-secrets-in-logs", Fixture, NULL, fixture_set_up,
              test_no_secrets_in_logs, fixture_tear_down);
  g_test_add_func ("/dynamorm/encryption/uri-parameters", test_uri_parameters);

  return g_test_run ();
}
