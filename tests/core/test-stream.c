/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DynamoDB Streams records: the Lambda event and the GetRecords form into
 * typed records and models; malformed events into clear errors. */
#include <string.h>
#include "test-models.h"

static GType message_type;

/* The sample of the Lambda documentation (dynamodb-api.md §5). */
static const char sample[] =
  "{\"Records\":["
  " {\"eventID\":\"1\",\"eventName\":\"INSERT\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\","
  "  \"dynamodb\":{\"ApproximateCreationDateTime\":1480642020,\"Keys\":{\"Id\":{\"N\":\"101\"}},"
  "    \"NewImage\":{\"Id\":{\"N\":\"101\"},\"Message\":{\"S\":\"New item!\"}},"
  "    \"SequenceNumber\":\"111000000000000000001\",\"SizeBytes\":26,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
  "  \"eventSourceARN\":\"arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2016-12-01T00:00:00.000\"},"
  " {\"eventID\":\"2\",\"eventName\":\"REMOVE\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\","
  "  \"userIdentity\":{\"type\":\"Service\",\"principalId\":\"dynamodb.amazonaws.com\"},"
  "  \"dynamodb\":{\"ApproximateCreationDateTime\":1480642080,\"Keys\":{\"Id\":{\"N\":\"101\"}},"
  "    \"OldImage\":{\"Id\":{\"N\":\"101\"},\"Message\":{\"S\":\"New item!\"}},"
  "    \"SequenceNumber\":\"222000000000000000002\",\"SizeBytes\":38,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
  "  \"eventSourceARN\":\"arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2016-12-01T00:00:00.000\"}]}";

/* A MODIFY in the GetRecords form: no eventSourceARN, capitalised Identity
 * members, a fractional creation time. */
static const char modify_get_records[] =
  "{\"Records\":["
  " {\"eventID\":\"e3\",\"eventName\":\"MODIFY\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"eu-west-1\","
  "  \"userIdentity\":{\"Type\":\"Service\",\"PrincipalId\":\"dynamodb.amazonaws.com\"},"
  "  \"dynamodb\":{\"ApproximateCreationDateTime\":1693997155.25,\"Keys\":{\"Id\":{\"N\":\"7\"}},"
  "    \"OldImage\":{\"Id\":{\"N\":\"7\"},\"Message\":{\"S\":\"before\"},\"Count\":{\"N\":\"1\"},\"Gone\":{\"BOOL\":true}},"
  "    \"NewImage\":{\"Id\":{\"N\":\"7\"},\"Message\":{\"S\":\"after\"},\"Count\":{\"N\":\"1\"},\"Fresh\":{\"SS\":[\"x\"]}},"
  "    \"SequenceNumber\":\"1405400000000002063282832\",\"SizeBytes\":59,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}]}";

static void
define_models (void)
{
  static const char *props[] = { "id:i", "message:s", "count:i", NULL };
  static const char *tags[] = { "id=pk,attr:Id", "message=attr:Message", "count=attr:Count", NULL };
  g_autoptr(GError) error = NULL;

  message_type = test_define_model ("StreamMessage", props);
  g_assert_true (dynamorm_model_type_declare (message_type, "messages", tags, &error));
  g_assert_no_error (error);
}

static void
assert_strv (const char * const *got, const char * const *want)
{
  g_autofree char *got_text = g_strjoinv (",", (char **) got);
  g_autofree char *want_text = g_strjoinv (",", (char **) want);

  g_assert_cmpstr (got_text, ==, want_text);
}

static void
test_lambda_sample (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = dynamorm_stream_parse_event (sample, -1, message_type, &error);
  DynamormStreamRecord *r;
  g_autofree char *message = NULL;
  g_autofree char *keys = NULL;
  GDateTime *when;
  int id;
  const char *insert_changed[] = { "id", "message", NULL };

  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 2);

  r = g_ptr_array_index (records, 0);
  g_assert_cmpint (dynamorm_stream_record_get_event_name (r), ==, DYNAMORM_STREAM_EVENT_INSERT);
  g_assert_cmpstr (dynamorm_stream_record_get_event_id (r), ==, "1");
  g_assert_cmpstr (dynamorm_stream_record_get_aws_region (r), ==, "us-east-1");
  g_assert_cmpstr (dynamorm_stream_record_get_event_source_arn (r), ==,
                   "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2016-12-01T00:00:00.000");
  g_assert_true (dynamorm_stream_record_get_model_type (r) == message_type);
  keys = json_to_string (dynamorm_stream_record_get_keys (r), FALSE);
  g_assert_cmpstr (keys, ==, "{\"Id\":{\"N\":\"101\"}}");
  g_assert_null (dynamorm_stream_record_get_old_image (r));
  g_assert_null (dynamorm_stream_record_get_old_item (r));
  g_assert_nonnull (dynamorm_stream_record_get_new_item (r));
  g_assert_nonnull (dynamorm_stream_record_get_new_image (r));
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (dynamorm_stream_record_get_new_image (r), message_type));
  g_object_get (dynamorm_stream_record_get_new_image (r), "id", &id, "message", &message, NULL);
  g_assert_cmpint (id, ==, 101);
  g_assert_cmpstr (message, ==, "New item!");
  assert_strv (dynamorm_stream_record_get_changed_properties (r), insert_changed);
  g_assert_cmpstr (dynamorm_stream_record_get_sequence_number (r), ==, "111000000000000000001");
  when = dynamorm_stream_record_get_approximate_creation_time (r);
  g_assert_cmpint (g_date_time_to_unix (when), ==, 1480642020);
  g_assert_cmpint (g_date_time_get_utc_offset (when), ==, 0);
  g_assert_cmpint (dynamorm_stream_record_get_size_bytes (r), ==, 26);
  g_assert_cmpint (dynamorm_stream_record_get_view_type (r), ==, DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES);
  g_assert_null (dynamorm_stream_record_get_user_identity_type (r));
  g_assert_false (dynamorm_stream_record_is_ttl_deletion (r));

  r = g_ptr_array_index (records, 1);
  g_assert_cmpint (dynamorm_stream_record_get_event_name (r), ==, DYNAMORM_STREAM_EVENT_REMOVE);
  g_assert_null (dynamorm_stream_record_get_new_image (r));
  g_assert_nonnull (dynamorm_stream_record_get_old_image (r));
  assert_strv (dynamorm_stream_record_get_changed_properties (r), insert_changed);
  g_assert_cmpstr (dynamorm_stream_record_get_user_identity_type (r), ==, "Service");
  g_assert_cmpstr (dynamorm_stream_record_get_user_identity_principal (r), ==, "dynamodb.amazonaws.com");
  g_assert_true (dynamorm_stream_record_is_ttl_deletion (r));
  g_assert_cmpint (dynamorm_stream_record_get_size_bytes (r), ==, 38);
}

static void
test_get_records_modify (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = dynamorm_stream_parse_event (modify_get_records, -1, message_type, &error);
  g_autoptr(GPtrArray) raw = NULL;
  DynamormStreamRecord *r;
  g_autofree char *before = NULL, *after = NULL;
  GDateTime *when;
  const char *changed[] = { "message", NULL };
  const char *changed_attributes[] = { "Message", "Fresh", "Gone", NULL };

  g_assert_no_error (error);
  r = g_ptr_array_index (records, 0);
  g_assert_cmpint (dynamorm_stream_record_get_event_name (r), ==, DYNAMORM_STREAM_EVENT_MODIFY);
  g_assert_null (dynamorm_stream_record_get_event_source_arn (r));
  g_object_get (dynamorm_stream_record_get_old_image (r), "message", &before, NULL);
  g_object_get (dynamorm_stream_record_get_new_image (r), "message", &after, NULL);
  g_assert_cmpstr (before, ==, "before");
  g_assert_cmpstr (after, ==, "after");
  /* only the model's properties; Count is the same on both sides */
  assert_strv (dynamorm_stream_record_get_changed_properties (r), changed);
  g_assert_cmpstr (dynamorm_stream_record_get_sequence_number (r), ==, "1405400000000002063282832");
  when = dynamorm_stream_record_get_approximate_creation_time (r);
  g_assert_cmpint (g_date_time_to_unix (when), ==, 1693997155);
  g_assert_cmpint (g_date_time_get_microsecond (when), ==, 250000);
  g_assert_cmpstr (dynamorm_stream_record_get_user_identity_type (r), ==, "Service");
  g_assert_cmpstr (dynamorm_stream_record_get_user_identity_principal (r), ==, "dynamodb.amazonaws.com");
  /* a MODIFY by "Service" is not a TTL deletion */
  g_assert_false (dynamorm_stream_record_is_ttl_deletion (r));

  /* without a model: raw items, and attribute names */
  raw = dynamorm_stream_parse_event (modify_get_records, -1, G_TYPE_NONE, &error);
  g_assert_no_error (error);
  r = g_ptr_array_index (raw, 0);
  g_assert_null (dynamorm_stream_record_get_new_image (r));
  g_assert_nonnull (dynamorm_stream_record_get_new_item (r));
  g_assert_true (dynamorm_stream_record_get_model_type (r) == G_TYPE_INVALID);
  assert_strv (dynamorm_stream_record_get_changed_properties (r), changed_attributes);
}

/* Sets in another order (at the top and inside a map) are no change; a
 * set with another member is one; NS compares numbers by value. */
static const char modify_sets[] =
  "{\"Records\":["
  " {\"eventID\":\"e4\",\"eventName\":\"MODIFY\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"eu-west-1\","
  "  \"dynamodb\":{\"Keys\":{\"Id\":{\"N\":\"7\"}},"
  "    \"OldImage\":{\"Id\":{\"N\":\"7\"},\"Tags\":{\"SS\":[\"a\",\"b\",\"c\"]},\"Nums\":{\"NS\":[\"1\",\"2.50\"]},"
  "      \"Bin\":{\"BS\":[\"AA==\",\"AQ==\"]},\"Deep\":{\"M\":{\"s\":{\"SS\":[\"x\",\"y\"]}}},\"More\":{\"SS\":[\"a\"]},"
  "      \"List\":{\"L\":[{\"S\":\"1\"},{\"S\":\"2\"}]}},"
  "    \"NewImage\":{\"Id\":{\"N\":\"7\"},\"Tags\":{\"SS\":[\"c\",\"a\",\"b\"]},\"Nums\":{\"NS\":[\"2.5\",\"1\"]},"
  "      \"Bin\":{\"BS\":[\"AQ==\",\"AA==\"]},\"Deep\":{\"M\":{\"s\":{\"SS\":[\"y\",\"x\"]}}},\"More\":{\"SS\":[\"a\",\"b\"]},"
  "      \"List\":{\"L\":[{\"S\":\"2\"},{\"S\":\"1\"}]}},"
  "    \"SequenceNumber\":\"1\",\"SizeBytes\":59,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}]}";

static void
test_sets_compare_as_sets (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = dynamorm_stream_parse_event (modify_sets, -1, G_TYPE_NONE, &error);
  /* A list keeps its order: reordered, it changed. */
  const char *changed[] = { "More", "List", NULL };

  g_assert_no_error (error);
  assert_strv (dynamorm_stream_record_get_changed_properties (g_ptr_array_index (records, 0)), changed);
}

static void
test_single_record_keys_only (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (
    "{\"eventID\":\"k\",\"eventName\":\"MODIFY\",\"dynamodb\":{\"Keys\":{\"Id\":{\"N\":\"1\"}},"
    "\"SequenceNumber\":\"300000000000000000003\",\"StreamViewType\":\"KEYS_ONLY\"}}", NULL);
  g_autoptr(DynamormStreamRecord) r = dynamorm_stream_record_new_from_node (node, message_type, &error);

  g_assert_no_error (error);
  g_assert_cmpint (dynamorm_stream_record_get_view_type (r), ==, DYNAMORM_STREAM_VIEW_KEYS_ONLY);
  g_assert_null (dynamorm_stream_record_get_new_image (r));
  g_assert_null (dynamorm_stream_record_get_old_image (r));
  g_assert_null (dynamorm_stream_record_get_approximate_creation_time (r));
  g_assert_cmpint (dynamorm_stream_record_get_size_bytes (r), ==, -1);
  g_assert_cmpuint (g_strv_length ((char **) dynamorm_stream_record_get_changed_properties (r)), ==, 0);

  /* a type that is not a model */
  g_clear_object (&r);
  r = dynamorm_stream_record_new_from_node (node, G_TYPE_OBJECT, &error);
  g_assert_null (r);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
}

/* ---- malformed events ---- */

typedef struct {
  const char *name;
  const char *from;      /* replaced in the sample ... */
  const char *to;        /* ... by this */
  const char *message;   /* expected in the error */
} Malformed;

static const Malformed malformed[] = {
  { "not-json", "{\"Records\"", "{\"Records", "not valid JSON" },
  { "no-records", "\"Records\"", "\"Recs\"", "has a “Records” array" },
  { "records-not-array", "{\"Records\":[", "{\"Records\":\"x\",\"Other\":[", "“Records” of a stream event is a JSON string, not an array" },
  { "record-not-object", "{\"Records\":[", "{\"Records\":[42,", "Stream record 0: a record is a JSON object, not a JSON number" },
  { "missing-dynamodb", "amazonaws.com\"},  \"dynamodb\"", "amazonaws.com\"},  \"dynamo\"",
    "Stream record 1: the field “dynamodb” is missing" },
  { "dynamodb-not-object", "\"dynamodb\":{\"ApproximateCreationDateTime\":1480642080", "\"dynamodb\":[],\"x\":{\"y\":1480642080",
    "Stream record 1: the field “dynamodb” is a JSON array, not an object" },
  { "missing-new-image", "\"NewImage\"", "\"NewImg\"",
    "Stream record 0: the field “dynamodb.NewImage” is missing, but a INSERT record of a NEW_AND_OLD_IMAGES stream has one" },
  { "missing-old-image", "\"OldImage\"", "\"OldImg\"",
    "Stream record 1: the field “dynamodb.OldImage” is missing, but a REMOVE record of a NEW_AND_OLD_IMAGES stream has one" },
  { "unknown-attribute-type", "\"NewImage\":{\"Id\":{\"N\":\"101\"},\"Message\":{\"S\"",
    "\"NewImage\":{\"Id\":{\"N\":\"101\"},\"Message\":{\"X\"",
    "Stream record 0: the attribute “dynamodb.NewImage.Message” has the unknown attribute type “X”" },
  { "not-an-attribute-value", "\"OldImage\":{\"Id\":{\"N\":\"101\"}", "\"OldImage\":{\"Id\":{\"N\":\"101\",\"S\":\"x\"}",
    "Stream record 1: the attribute “dynamodb.OldImage.Id” is not an AttributeValue" },
  { "bad-number", "\"Keys\":{\"Id\":{\"N\":\"101\"}}", "\"Keys\":{\"Id\":{\"N\":\"1x1\"}}",
    "Stream record 0: the attribute “dynamodb.Keys.Id”" },
  { "image-does-not-fit", "\"NewImage\":{\"Id\":{\"N\":\"101\"}", "\"NewImage\":{\"Id\":{\"S\":\"abc\"}",
    "Stream record 0: the field “dynamodb.NewImage” does not fit StreamMessage" },
  { "unknown-event-name", "\"INSERT\"", "\"UPSERT\"",
    "Stream record 0: the field “eventName” is “UPSERT”; expected INSERT, MODIFY or REMOVE" },
  { "missing-event-name", "\"eventName\":\"REMOVE\"", "\"eventNom\":\"REMOVE\"",
    "Stream record 1: the field “eventName” is missing" },
  { "event-id-number", "\"eventID\":\"2\"", "\"eventID\":2", "Stream record 1: the field “eventID” is a JSON number, not a string" },
  { "sequence-number-number", "\"SequenceNumber\":\"222000000000000000002\"", "\"SequenceNumber\":222000000000000000002",
    "Stream record 1: the field “dynamodb.SequenceNumber” is a JSON number, not a string" },
  { "sequence-number-letters", "\"SequenceNumber\":\"222000000000000000002\"", "\"SequenceNumber\":\"22200000000000000000z\"",
    "Stream record 1: the field “dynamodb.SequenceNumber” is “22200000000000000000z”, not a string of digits" },
  { "size-bytes-string", "\"SizeBytes\":26", "\"SizeBytes\":\"26\"",
    "Stream record 0: the field “dynamodb.SizeBytes” is a JSON string, not a number" },
  { "time-string", "\"ApproximateCreationDateTime\":1480642020", "\"ApproximateCreationDateTime\":\"2016-12-02\"",
    "Stream record 0: the field “dynamodb.ApproximateCreationDateTime” is a JSON string, not a number" },
  { "time-negative", "\"ApproximateCreationDateTime\":1480642020", "\"ApproximateCreationDateTime\":-5",
    "Stream record 0: the field “dynamodb.ApproximateCreationDateTime” (-5) is not a time" },
  { "missing-keys", "\"Keys\":{\"Id\":{\"N\":\"101\"}}", "\"Kees\":{\"Id\":{\"N\":\"101\"}}",
    "Stream record 0: the field “dynamodb.Keys” is missing" },
  { "keys-not-object", "\"Keys\":{\"Id\":{\"N\":\"101\"}}", "\"Keys\":\"Id\"",
    "Stream record 0: the field “dynamodb.Keys” is a JSON string, not an object of attributes" },
  { "unknown-view-type", "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"", "\"StreamViewType\":\"ALL\"",
    "Stream record 0: the field “dynamodb.StreamViewType” is “ALL”" },
  { "identity-member-missing", "\"principalId\":\"dynamodb.amazonaws.com\"", "\"principal\":\"dynamodb.amazonaws.com\"",
    "Stream record 1: the field “userIdentity.principalId” is missing" },
};

static char *
replace_once (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

static void
test_malformed (gconstpointer data)
{
  const Malformed *m = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *event = NULL;

  event = replace_once (sample, m->from, m->to);
  records = dynamorm_stream_parse_event (event, -1, message_type, &error);
  g_assert_null (records);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE);
  g_test_message ("%s", error->message);
  if (strstr (error->message, m->message) == NULL)
    g_error ("%s: expected “%s” in “%s”", m->name, m->message, error->message);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  define_models ();

  g_test_add_func ("/dynamorm/stream/lambda-sample", test_lambda_sample);
  g_test_add_func ("/dynamorm/stream/get-records-modify", test_get_records_modify);
  g_test_add_func ("/dynamorm/stream/single-record-keys-only", test_single_record_keys_only);
  g_test_add_func ("/dynamorm/stream/sets-compare-as-sets", test_sets_compare_as_sets);
  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *path = g_strdup_printf ("/dynamorm/stream/malformed/%s", malformed[i].name);
      g_test_add_data_func (path, &malformed[i], test_malformed);
    }

  return g_test_run ();
}
