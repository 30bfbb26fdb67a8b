/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-stream.c: DynamoDB Streams records, as AWS Lambda delivers them
 * and as GetRecords returns them, into typed records and model objects. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-private.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-stream.h"

/**
 * DynamormStreamRecord:
 *
 * One record of a DynamoDB stream: what happened to which item, with the
 * item's images before and after as model objects.
 *
 * ```c
 * g_autoptr(GPtrArray) records =
 *   dynamorm_stream_parse_event (payload, -1, DEMO_TYPE_ORDER, &error);
 *
 * for (guint i = 0; records && i < records->len; i++)
 *   {
 *     DynamormStreamRecord *record = g_ptr_array_index (records, i);
 *
 *     if (dynamorm_stream_record_get_event_name (record) == DYNAMORM_STREAM_EVENT_MODIFY)
 *       handle_change (dynamorm_stream_record_get_old_image (record),
 *                      dynamorm_stream_record_get_new_image (record),
 *                      dynamorm_stream_record_get_changed_properties (record));
 *   }
 * ```
 *
 * Both forms are read: the Lambda event (`{"Records": [...]}` with
 * `eventSourceARN` and `userIdentity` `{"type", "principalId"}`) and the
 * GetRecords response (the same `Records`, with `userIdentity`
 * `{"Type", "PrincipalId"}`). Every record is checked as it is read: a
 * malformed one is %DYNAMORM_ERROR_INVALID_VALUE naming the record's index
 * and the field.
 */
struct _DynamormStreamRecord
{
  GObject parent_instance;

  DynamormStreamEventName event_name;
  char *event_id;
  char *event_source_arn;
  char *aws_region;
  GType model_type;
  JsonNode *keys;
  JsonNode *old_item;
  JsonNode *new_item;
  DynamormModel *old_image;
  DynamormModel *new_image;
  char **changed;
  char *sequence_number;
  GDateTime *created;
  gint64 size_bytes;
  DynamormStreamViewType view_type;
  char *identity_type;
  char *identity_principal;
};

G_DEFINE_FINAL_TYPE (DynamormStreamRecord, dynamorm_stream_record, G_TYPE_OBJECT)

static void
dynamorm_stream_record_finalize (GObject *object)
{
  DynamormStreamRecord *self = DYNAMORM_STREAM_RECORD (object);

  g_free (self->event_id);
  g_free (self->event_source_arn);
  g_free (self->aws_region);
  g_clear_pointer (&self->keys, json_node_unref);
  g_clear_pointer (&self->old_item, json_node_unref);
  g_clear_pointer (&self->new_item, json_node_unref);
  g_clear_object (&self->old_image);
  g_clear_object (&self->new_image);
  g_strfreev (self->changed);
  g_free (self->sequence_number);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_free (self->identity_type);
  g_free (self->identity_principal);

  G_OBJECT_CLASS (dynamorm_stream_record_parent_class)->finalize (object);
}

static void
dynamorm_stream_record_class_init (DynamormStreamRecordClass *klass)
{
  _dynamorm_init ();
  G_OBJECT_CLASS (klass)->finalize = dynamorm_stream_record_finalize;
}

static void
dynamorm_stream_record_init (DynamormStreamRecord *self)
{
  self->size_bytes = -1;
}

/* ------------------------------------------------------------------ */
/* Reading */

G_GNUC_PRINTF (3, 4)
static gboolean
record_error (GError **error, guint index, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
               _("Stream record %u: %s"), index, text);
  return FALSE;
}

/* The image in field ("dynamodb.NewImage" or "dynamodb.OldImage") is not
 * a model_type: why says what did not fit. */
static gboolean
image_does_not_fit (GError **error, guint index, const char *field, GType model_type, const GError *why)
{
  return record_error (error, index, _("the field “%s” does not fit %s: %s"), field, g_type_name (model_type),
                       why->message);
}

static const char *
node_kind (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT: return "JSON object";
    case JSON_NODE_ARRAY: return "JSON array";
    case JSON_NODE_NULL: return "JSON null";
    case JSON_NODE_VALUE:
    default:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return "JSON string";
      if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        return "JSON boolean";
      return "JSON number";
    }
}

/* A string member: *out is NULL when absent and not required. */
static gboolean
get_string (JsonObject *obj, const char *name, const char *path, gboolean required,
            const char **out, guint index, GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        return record_error (error, index, _("the field “%s” is missing"), path);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return record_error (error, index, _("the field “%s” is a %s, not a string"), path, node_kind (node));
  *out = json_node_get_string (node);
  return TRUE;
}

/* A number member, as a double; *present FALSE when absent. */
static gboolean
get_number (JsonObject *obj, const char *name, const char *path, double *out, gboolean *present,
            guint index, GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);
  GType t;

  *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  t = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    return record_error (error, index, _("the field “%s” is a %s, not a number"), path, node_kind (node));
  *out = t == G_TYPE_INT64 ? (double) json_node_get_int (node) : json_node_get_double (node);
  *present = TRUE;
  return TRUE;
}

static gboolean
is_known_type (const char *type)
{
  static const char * const types[] = { "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M", NULL };

  return g_strv_contains (types, type);
}

/* An item (Keys, NewImage, OldImage): an object of well-formed
 * AttributeValues. *out is NULL when absent. */
static gboolean
get_item (JsonObject *dynamodb, const char *name, JsonNode **out, guint index, GError **error)
{
  JsonNode *node = json_object_get_member (dynamodb, name);
  JsonObjectIter iter;
  const char *attribute;
  JsonNode *av;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return record_error (error, index, _("the field “dynamodb.%s” is a %s, not an object of attributes"),
                         name, node_kind (node));

  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &attribute, &av))
    {
      const char *type = _dynamorm_av_get_type (av, NULL);
      g_autoptr(GError) local_error = NULL;

      if (type == NULL)
        return record_error (error, index,
                             _("the attribute “dynamodb.%s.%s” is not an AttributeValue (an object with "
                               "one type key, such as {\"S\": \"text\"})"),
                             name, attribute);
      if (!is_known_type (type))
        return record_error (error, index,
                             _("the attribute “dynamodb.%s.%s” has the unknown attribute type “%s” "
                               "(known: S, N, B, BOOL, NULL, SS, NS, BS, L, M)"),
                             name, attribute, type);
      if (!dynamorm_attribute_value_validate (av, &local_error))
        return record_error (error, index, _("the attribute “dynamodb.%s.%s”: %s"),
                             name, attribute, local_error->message);
    }
  *out = json_node_ref (node);
  return TRUE;
}

static gboolean
parse_view_type (const char *text, DynamormStreamViewType *out)
{
  static const char * const names[] = { "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", NULL };

  for (guint i = 0; names[i]; i++)
    if (g_str_equal (text, names[i]))
      {
        *out = (DynamormStreamViewType) (DYNAMORM_STREAM_VIEW_KEYS_ONLY + i);
        return TRUE;
      }
  return FALSE;
}

static gboolean attribute_values_equal (JsonNode *a, JsonNode *b);

/* The text of a set element, numbers in DynamoDB's normal form. */
static char *
set_element_text (JsonNode *element, gboolean numbers)
{
  const char *text = JSON_NODE_HOLDS_VALUE (element) ? json_node_get_string (element) : NULL;
  char *normal;

  if (text == NULL)
    return NULL;
  if (numbers && (normal = dynamorm_number_normalize (text, NULL)) != NULL)
    return normal;
  return g_strdup (text);
}

/* DynamoDB keeps no order in a set: the same members in another order are
 * the same set. */
static gboolean
sets_equal (JsonArray *a, JsonArray *b, gboolean numbers)
{
  g_autoptr(GHashTable) members = NULL;

  if (json_array_get_length (a) != json_array_get_length (b))
    return FALSE;
  members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      char *text = set_element_text (json_array_get_element (a, i), numbers);

      if (text == NULL)
        return FALSE;
      g_hash_table_add (members, text);
    }
  for (guint i = 0; i < json_array_get_length (b); i++)
    {
      g_autofree char *text = set_element_text (json_array_get_element (b, i), numbers);

      if (text == NULL || !g_hash_table_contains (members, text))
        return FALSE;
    }
  return TRUE;
}

static gboolean
maps_equal (JsonObject *a, JsonObject *b)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (json_object_get_size (a) != json_object_get_size (b))
    return FALSE;
  json_object_iter_init (&iter, a);
  while (json_object_iter_next (&iter, &name, &member))
    {
      JsonNode *other = json_object_get_member (b, name);

      if (other == NULL || !attribute_values_equal (member, other))
        return FALSE;
    }
  return TRUE;
}

static gboolean
lists_equal (JsonArray *a, JsonArray *b)
{
  if (json_array_get_length (a) != json_array_get_length (b))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (!attribute_values_equal (json_array_get_element (a, i), json_array_get_element (b, i)))
      return FALSE;
  return TRUE;
}

/* Two AttributeValues hold the same value: sets compare as sets, at any
 * depth; everything else as JSON. */
static gboolean
attribute_values_equal (JsonNode *a, JsonNode *b)
{
  JsonNode *ia = NULL, *ib = NULL;
  const char *ta, *tb;

  if (!JSON_NODE_HOLDS_OBJECT (a) || !JSON_NODE_HOLDS_OBJECT (b) ||
      json_object_get_size (json_node_get_object (a)) != 1 ||
      json_object_get_size (json_node_get_object (b)) != 1)
    return json_node_equal (a, b);
  ta = _dynamorm_av_get_type (a, &ia);
  tb = _dynamorm_av_get_type (b, &ib);
  if (ta == NULL || tb == NULL || !g_str_equal (ta, tb))
    return json_node_equal (a, b);
  if ((g_str_equal (ta, "SS") || g_str_equal (ta, "NS") || g_str_equal (ta, "BS")) &&
      JSON_NODE_HOLDS_ARRAY (ia) && JSON_NODE_HOLDS_ARRAY (ib))
    return sets_equal (json_node_get_array (ia), json_node_get_array (ib), g_str_equal (ta, "NS"));
  if (g_str_equal (ta, "M") && JSON_NODE_HOLDS_OBJECT (ia) && JSON_NODE_HOLDS_OBJECT (ib))
    return maps_equal (json_node_get_object (ia), json_node_get_object (ib));
  if (g_str_equal (ta, "L") && JSON_NODE_HOLDS_ARRAY (ia) && JSON_NODE_HOLDS_ARRAY (ib))
    return lists_equal (json_node_get_array (ia), json_node_get_array (ib));
  return json_node_equal (a, b);
}

/* The properties (or, without a model, the attributes) that differ
 * between two images; those present in the one image there is. */
static char **
changed_properties (DynamormStreamRecord *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  JsonObject *old_obj = self->old_item ? json_node_get_object (self->old_item) : NULL;
  JsonObject *new_obj = self->new_item ? json_node_get_object (self->new_item) : NULL;
  const DynamormSchema *schema = NULL;
  char **ret;

  if (old_obj == NULL && new_obj == NULL)
    goto out;
  if (self->event_name == DYNAMORM_STREAM_EVENT_MODIFY && (old_obj == NULL || new_obj == NULL))
    goto out;  /* one image of a change: what changed is unknown */

  if (self->model_type != G_TYPE_INVALID)
    schema = _dynamorm_schema_get (self->model_type, FALSE, NULL);

  if (schema != NULL)
    {
      for (guint i = 0; i < schema->fields->len; i++)
        {
          DynamormField *field = g_ptr_array_index (schema->fields, i);
          JsonNode *a = old_obj ? json_object_get_member (old_obj, field->attribute) : NULL;
          JsonNode *b = new_obj ? json_object_get_member (new_obj, field->attribute) : NULL;

          if ((a == NULL) != (b == NULL) || (a && !attribute_values_equal (a, b)))
            g_strv_builder_add (builder, field->pspec->name);
        }
    }
  else
    {
      JsonObject *objs[2] = { new_obj, old_obj };

      for (guint k = 0; k < 2; k++)
        {
          JsonObjectIter iter;
          const char *name;
          JsonNode *a;

          if (objs[k] == NULL)
            continue;
          json_object_iter_init_ordered (&iter, objs[k]);
          while (json_object_iter_next_ordered (&iter, &name, &a))
            {
              JsonObject *other = objs[!k];
              JsonNode *b = other ? json_object_get_member (other, name) : NULL;

              if (k == 1 && b != NULL)
                continue;  /* seen from the new image */
              if (b == NULL || !attribute_values_equal (a, b))
                g_strv_builder_add (builder, name);
            }
        }
    }

out:
  ret = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ret;
}

static gboolean
parse_event_name (DynamormStreamRecord *self, JsonObject *obj, guint index, GError **error)
{
  const char *s;

  if (!get_string (obj, "eventName", "eventName", TRUE, &s, index, error))
    return FALSE;
  if (g_str_equal (s, "INSERT"))
    self->event_name = DYNAMORM_STREAM_EVENT_INSERT;
  else if (g_str_equal (s, "MODIFY"))
    self->event_name = DYNAMORM_STREAM_EVENT_MODIFY;
  else if (g_str_equal (s, "REMOVE"))
    self->event_name = DYNAMORM_STREAM_EVENT_REMOVE;
  else
    {
      record_error (error, index, _("the field “eventName” is “%s”; expected INSERT, MODIFY or REMOVE"), s);
      return FALSE;
    }
  return TRUE;
}

/* eventID (required), eventSourceARN and awsRegion. */
static gboolean
parse_event_source (DynamormStreamRecord *self, JsonObject *obj, guint index, GError **error)
{
  const char *s;

  if (!get_string (obj, "eventID", "eventID", TRUE, &s, index, error))
    return FALSE;
  self->event_id = g_strdup (s);
  if (!get_string (obj, "eventSourceARN", "eventSourceARN", FALSE, &s, index, error))
    return FALSE;
  self->event_source_arn = g_strdup (s);
  if (!get_string (obj, "awsRegion", "awsRegion", FALSE, &s, index, error))
    return FALSE;
  self->aws_region = g_strdup (s);
  return TRUE;
}

/* The optional userIdentity (TTL deletions carry one). */
static gboolean
parse_user_identity (DynamormStreamRecord *self, JsonObject *obj, guint index, GError **error)
{
  JsonNode *identity_node = json_object_get_member (obj, "userIdentity");
  JsonObject *identity;
  const char *type, *principal;
  gboolean capitalised;

  if (identity_node == NULL || JSON_NODE_HOLDS_NULL (identity_node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (identity_node))
    {
      record_error (error, index, _("the field “userIdentity” is a %s, not an object"),
                    node_kind (identity_node));
      return FALSE;
    }
  identity = json_node_get_object (identity_node);
  /* Lambda: {"type", "principalId"}; GetRecords: {"Type", "PrincipalId"}. */
  capitalised = json_object_has_member (identity, "Type") || json_object_has_member (identity, "PrincipalId");
  if (!get_string (identity, capitalised ? "Type" : "type",
                   capitalised ? "userIdentity.Type" : "userIdentity.type", TRUE, &type, index, error) ||
      !get_string (identity, capitalised ? "PrincipalId" : "principalId",
                   capitalised ? "userIdentity.PrincipalId" : "userIdentity.principalId", TRUE,
                   &principal, index, error))
    return FALSE;
  self->identity_type = g_strdup (type);
  self->identity_principal = g_strdup (principal);
  return TRUE;
}

static JsonObject *
get_dynamodb_object (JsonObject *obj, guint index, GError **error)
{
  JsonNode *dynamodb_node = json_object_get_member (obj, "dynamodb");

  if (dynamodb_node == NULL || JSON_NODE_HOLDS_NULL (dynamodb_node))
    {
      record_error (error, index, _("the field “dynamodb” is missing"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (dynamodb_node))
    {
      record_error (error, index, _("the field “dynamodb” is a %s, not an object"), node_kind (dynamodb_node));
      return NULL;
    }
  return json_node_get_object (dynamodb_node);
}

/* dynamodb.StreamViewType and dynamodb.SequenceNumber, both required. */
static gboolean
parse_view_and_sequence (DynamormStreamRecord *self, JsonObject *dynamodb, guint index, GError **error)
{
  const char *s;

  if (!get_string (dynamodb, "StreamViewType", "dynamodb.StreamViewType", TRUE, &s, index, error))
    return FALSE;
  if (!parse_view_type (s, &self->view_type))
    {
      record_error (error, index, _("the field “dynamodb.StreamViewType” is “%s”; expected KEYS_ONLY, "
                                    "NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES"), s);
      return FALSE;
    }
  if (!get_string (dynamodb, "SequenceNumber", "dynamodb.SequenceNumber", TRUE, &s, index, error))
    return FALSE;
  if (*s == '\0' || strspn (s, "0123456789") != strlen (s))
    {
      record_error (error, index, _("the field “dynamodb.SequenceNumber” is “%s”, not a string of digits"), s);
      return FALSE;
    }
  self->sequence_number = g_strdup (s);
  return TRUE;
}

/* The optional dynamodb.ApproximateCreationDateTime and dynamodb.SizeBytes. */
static gboolean
parse_time_and_size (DynamormStreamRecord *self, JsonObject *dynamodb, guint index, GError **error)
{
  double number;
  gboolean present;

  if (!get_number (dynamodb, "ApproximateCreationDateTime", "dynamodb.ApproximateCreationDateTime",
                   &number, &present, index, error))
    return FALSE;
  if (present)
    {
      double whole = floor (number);
      g_autoptr(GDateTime) seconds = NULL;

      if (!isfinite (number) || number < 0 || number > 253402300799.0 ||
          (seconds = g_date_time_new_from_unix_utc ((gint64) whole)) == NULL)
        {
          record_error (error, index, _("the field “dynamodb.ApproximateCreationDateTime” (%g) is not a time "
                                        "in epoch seconds"), number);
          return FALSE;
        }
      self->created = g_date_time_add (seconds, (GTimeSpan) llround ((number - whole) * G_USEC_PER_SEC));
    }

  if (!get_number (dynamodb, "SizeBytes", "dynamodb.SizeBytes", &number, &present, index, error))
    return FALSE;
  if (present)
    {
      if (number < 0 || number != floor (number) || number > (double) G_MAXINT64)
        {
          record_error (error, index, _("the field “dynamodb.SizeBytes” (%g) is not a byte count"), number);
          return FALSE;
        }
      self->size_bytes = (gint64) number;
    }
  return TRUE;
}

/* dynamodb.Keys (required), and the images the view type promises for
 * this event. */
static gboolean
parse_items (DynamormStreamRecord *self, JsonObject *obj, JsonObject *dynamodb, guint index, GError **error)
{
  gboolean wants_new, wants_old;
  const char *view, *event;

  if (!get_item (dynamodb, "Keys", &self->keys, index, error) ||
      !get_item (dynamodb, "NewImage", &self->new_item, index, error) ||
      !get_item (dynamodb, "OldImage", &self->old_item, index, error))
    return FALSE;
  if (self->keys == NULL)
    {
      record_error (error, index, _("the field “dynamodb.Keys” is missing"));
      return FALSE;
    }

  wants_new = (self->view_type == DYNAMORM_STREAM_VIEW_NEW_IMAGE ||
               self->view_type == DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES) &&
              self->event_name != DYNAMORM_STREAM_EVENT_REMOVE;
  wants_old = (self->view_type == DYNAMORM_STREAM_VIEW_OLD_IMAGE ||
               self->view_type == DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES) &&
              self->event_name != DYNAMORM_STREAM_EVENT_INSERT;
  view = json_object_get_string_member (dynamodb, "StreamViewType");
  event = json_object_get_string_member (obj, "eventName");
  if (wants_new && self->new_item == NULL)
    return record_error (error, index, _("the field “%s” is missing, but a %s record of a %s stream has one"),
                         "dynamodb.NewImage", event, view);
  if (wants_old && self->old_item == NULL)
    return record_error (error, index, _("the field “%s” is missing, but a %s record of a %s stream has one"),
                         "dynamodb.OldImage", event, view);
  return TRUE;
}

/* The images as models, when the reader asked for a model type. */
static gboolean
decode_images (DynamormStreamRecord *self, guint index, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  GType model_type = self->model_type;

  if (model_type == G_TYPE_INVALID)
    return TRUE;
  if (self->new_item &&
      (self->new_image = dynamorm_model_new_from_item (model_type, self->new_item, &local_error)) == NULL)
    return image_does_not_fit (error, index, "dynamodb.NewImage", model_type, local_error);
  if (self->old_item &&
      (self->old_image = dynamorm_model_new_from_item (model_type, self->old_item, &local_error)) == NULL)
    return image_does_not_fit (error, index, "dynamodb.OldImage", model_type, local_error);
  return TRUE;
}

/* Reads record number index of a stream batch, field by field. */
static DynamormStreamRecord *
parse_record (JsonNode *node, guint index, GType model_type, GError **error)
{
  g_autoptr(DynamormStreamRecord) self = NULL;
  JsonObject *obj, *dynamodb;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      record_error (error, index, _("a record is a JSON object, not a %s"), node_kind (node));
      return NULL;
    }
  obj = json_node_get_object (node);
  self = g_object_new (DYNAMORM_TYPE_STREAM_RECORD, NULL);
  self->model_type = model_type;

  if (!parse_event_name (self, obj, index, error) ||
      !parse_event_source (self, obj, index, error) ||
      !parse_user_identity (self, obj, index, error))
    return NULL;
  if ((dynamodb = get_dynamodb_object (obj, index, error)) == NULL)
    return NULL;
  if (!parse_view_and_sequence (self, dynamodb, index, error) ||
      !parse_time_and_size (self, dynamodb, index, error) ||
      !parse_items (self, obj, dynamodb, index, error) ||
      !decode_images (self, index, error))
    return NULL;

  self->changed = changed_properties (self);
  return g_steal_pointer (&self);
}

static gboolean
check_model_type (GType *model_type, GError **error)
{
  if (*model_type == G_TYPE_NONE)
    *model_type = G_TYPE_INVALID;
  if (*model_type == G_TYPE_INVALID)
    return TRUE;
  if (!g_type_is_a (*model_type, DYNAMORM_TYPE_MODEL) || G_TYPE_IS_ABSTRACT (*model_type))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s is not a concrete subclass of DynamormModel; stream images can only be read "
                     "into one (or pass G_TYPE_NONE for raw items)"),
                   g_type_name (*model_type));
      return FALSE;
    }
  return _dynamorm_schema_get (*model_type, FALSE, error) != NULL;
}

/**
 * dynamorm_stream_record_new_from_node:
 * @record: one stream record: an element of an event's `Records`
 * @model_type: the #DynamormModel subtype to read the images into, or
 *   %G_TYPE_NONE to keep them as items only
 * @error: return location for a #GError
 *
 * Reads one stream record; see [func@Dynamorm.stream_parse_event_node].
 * Errors name the record as record 0.
 *
 * Returns: (transfer full): the record, or %NULL on error
 */
DynamormStreamRecord *
dynamorm_stream_record_new_from_node (JsonNode  *record,
                                      GType      model_type,
                                      GError   **error)
{
  g_return_val_if_fail (record != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_model_type (&model_type, error))
    return NULL;
  return parse_record (record, 0, model_type, error);
}

/**
 * dynamorm_stream_parse_event_node:
 * @event: a stream event: an object with a `Records` array, as AWS Lambda
 *   delivers it or as GetRecords returns it
 * @model_type: the #DynamormModel subtype to read the images into, or
 *   %G_TYPE_NONE to keep them as items only
 * @error: return location for a #GError
 *
 * Reads the records of a stream event. Every record is checked: the event
 * name is INSERT, MODIFY or REMOVE; `dynamodb` is present with `Keys`,
 * `SequenceNumber` (digits), `StreamViewType`, and the images that view
 * type promises for the event (NEW_AND_OLD_IMAGES: NewImage unless REMOVE,
 * OldImage unless INSERT); each attribute has a known type and content of
 * that type; images fit @model_type. The first problem is
 * %DYNAMORM_ERROR_INVALID_VALUE, whose message starts with
 * `Stream record N:` and names the field; no records are returned then.
 *
 * Returns: (transfer container) (element-type DynamormStreamRecord): the
 *   records, or %NULL on error
 */
GPtrArray *
dynamorm_stream_parse_event_node (JsonNode  *event,
                                  GType      model_type,
                                  GError   **error)
{
  g_autoptr(GPtrArray) records = NULL;
  JsonNode *records_node;
  JsonArray *array;

  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_model_type (&model_type, error))
    return NULL;
  if (ddb_json_node_too_deep (event, DDB_JSON_MAX_DEPTH))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("The stream event nests arrays and objects more than %d levels deep, "
                     "more than any DynamoDB item can"), DDB_JSON_MAX_DEPTH);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (event))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("A stream event is a JSON object with a “Records” array, not a %s"), node_kind (event));
      return NULL;
    }
  records_node = json_object_get_member (json_node_get_object (event), "Records");
  if (records_node == NULL || !JSON_NODE_HOLDS_ARRAY (records_node))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   records_node ? _("The “Records” of a stream event is a %s, not an array")
                                : _("A stream event has a “Records” array, and this one has none%s"),
                   records_node ? node_kind (records_node) : "");
      return NULL;
    }
  array = json_node_get_array (records_node);
  records = g_ptr_array_new_full (json_array_get_length (array), g_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      DynamormStreamRecord *record = parse_record (json_array_get_element (array, i), i, model_type, error);

      if (record == NULL)
        return NULL;
      g_ptr_array_add (records, record);
    }
  return g_steal_pointer (&records);
}

/**
 * dynamorm_stream_parse_event:
 * @json: the event's JSON text
 * @length: the length of @json in bytes, or -1 if it is nul-terminated
 * @model_type: the #DynamormModel subtype to read the images into, or
 *   %G_TYPE_NONE to keep them as items only
 * @error: return location for a #GError
 *
 * Parses the JSON text of a stream event; see
 * [func@Dynamorm.stream_parse_event_node]. Text that is not JSON is
 * %DYNAMORM_ERROR_INVALID_VALUE too.
 *
 * Returns: (transfer container) (element-type DynamormStreamRecord): the
 *   records, or %NULL on error
 */
GPtrArray *
dynamorm_stream_parse_event (const char  *json,
                             gssize       length,
                             GType        model_type,
                             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  DdbJsonCheck check;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = ddb_json_parse (json, length < 0 ? strlen (json) : (gsize) length, &check, &local_error);
  if (root == NULL && check != DDB_JSON_CHECK_OK)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("The stream event is refused: %s"), ddb_json_check_describe (check));
      return NULL;
    }
  if (root == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE,
                   _("The stream event is not valid JSON: %s"),
                   local_error ? local_error->message : _("it is empty"));
      return NULL;
    }
  return dynamorm_stream_parse_event_node (root, model_type, error);
}

/* ------------------------------------------------------------------ */
/* Getters */

/**
 * dynamorm_stream_record_get_event_name:
 * @self: a #DynamormStreamRecord
 *
 * Gets what happened to the item.
 *
 * Returns: the event name
 */
DYNAMORM_DEFINE_GETTER (DynamormStreamEventName, dynamorm_stream_record_get_event_name,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, event_name, 0)

/**
 * dynamorm_stream_record_get_event_id:
 * @self: a #DynamormStreamRecord
 *
 * Gets the record's unique identifier (`eventID`).
 *
 * Returns: the event id
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_stream_record_get_event_id,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, event_id, NULL)

/**
 * dynamorm_stream_record_get_event_source_arn:
 * @self: a #DynamormStreamRecord
 *
 * Gets the ARN of the stream (`eventSourceARN`), which Lambda adds and
 * GetRecords does not.
 *
 * Returns: (nullable): the ARN, or %NULL
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_stream_record_get_event_source_arn,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, event_source_arn, NULL)

/**
 * dynamorm_stream_record_get_aws_region:
 * @self: a #DynamormStreamRecord
 *
 * Gets the region of the table (`awsRegion`).
 *
 * Returns: (nullable): the region, or %NULL
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_stream_record_get_aws_region,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, aws_region, NULL)

/**
 * dynamorm_stream_record_get_model_type:
 * @self: a #DynamormStreamRecord
 *
 * Gets the model type the images were read into.
 *
 * Returns: the model type, or %G_TYPE_INVALID for raw items only
 */
DYNAMORM_DEFINE_GETTER (GType, dynamorm_stream_record_get_model_type,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, model_type, G_TYPE_INVALID)

/**
 * dynamorm_stream_record_get_keys:
 * @self: a #DynamormStreamRecord
 *
 * Gets the primary key of the item (`Keys`), as DynamoDB's `Key` object.
 *
 * Returns: (transfer none): the keys
 */
DYNAMORM_DEFINE_GETTER (JsonNode *, dynamorm_stream_record_get_keys,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, keys, NULL)

/**
 * dynamorm_stream_record_get_old_item:
 * @self: a #DynamormStreamRecord
 *
 * Gets the item before the change (`OldImage`) as DynamoDB JSON.
 *
 * Returns: (transfer none) (nullable): the item, or %NULL when the record
 *   has no old image
 */
DYNAMORM_DEFINE_GETTER (JsonNode *, dynamorm_stream_record_get_old_item,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, old_item, NULL)

/**
 * dynamorm_stream_record_get_new_item:
 * @self: a #DynamormStreamRecord
 *
 * Gets the item after the change (`NewImage`) as DynamoDB JSON.
 *
 * Returns: (transfer none) (nullable): the item, or %NULL when the record
 *   has no new image
 */
DYNAMORM_DEFINE_GETTER (JsonNode *, dynamorm_stream_record_get_new_item,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, new_item, NULL)

/**
 * dynamorm_stream_record_get_old_image:
 * @self: a #DynamormStreamRecord
 *
 * Gets the item before the change as a model object.
 *
 * Returns: (transfer none) (nullable): the model, or %NULL when the
 *   record has no old image or no model type was given
 */
DYNAMORM_DEFINE_GETTER (DynamormModel *, dynamorm_stream_record_get_old_image,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, old_image, NULL)

/**
 * dynamorm_stream_record_get_new_image:
 * @self: a #DynamormStreamRecord
 *
 * Gets the item after the change as a model object.
 *
 * Returns: (transfer none) (nullable): the model, or %NULL when the
 *   record has no new image or no model type was given
 */
DYNAMORM_DEFINE_GETTER (DynamormModel *, dynamorm_stream_record_get_new_image,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, new_image, NULL)

/**
 * dynamorm_stream_record_get_changed_properties:
 * @self: a #DynamormStreamRecord
 *
 * Gets the names of the model's properties whose stored value differs
 * between the old and the new image (an attribute that appears or
 * disappears counts), in the order the model declares them. Without a
 * model type, the attribute names. For INSERT, the properties the new
 * image has; for REMOVE, those the old image has. Empty when the record
 * lacks the images to tell (a KEYS_ONLY stream, or a MODIFY with one
 * image).
 *
 * Returns: (transfer none) (array zero-terminated=1): the property names
 */
const char * const *
dynamorm_stream_record_get_changed_properties (DynamormStreamRecord *self)
{
  g_return_val_if_fail (DYNAMORM_IS_STREAM_RECORD (self), NULL);
  return (const char * const *) self->changed;
}

/**
 * dynamorm_stream_record_get_sequence_number:
 * @self: a #DynamormStreamRecord
 *
 * Gets the record's sequence number: a string of digits that orders the
 * records of a shard (compare by length first, then as text).
 *
 * Returns: the sequence number
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_stream_record_get_sequence_number,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, sequence_number, NULL)

/**
 * dynamorm_stream_record_get_approximate_creation_time:
 * @self: a #DynamormStreamRecord
 *
 * Gets when the change was made, approximately
 * (`ApproximateCreationDateTime`, epoch seconds, with any fraction kept to
 * the microsecond), in UTC.
 *
 * Returns: (transfer none) (nullable): the time, or %NULL if the record
 *   does not say
 */
DYNAMORM_DEFINE_GETTER (GDateTime *, dynamorm_stream_record_get_approximate_creation_time,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, created, NULL)

/**
 * dynamorm_stream_record_get_size_bytes:
 * @self: a #DynamormStreamRecord
 *
 * Gets the size of the record's stream data (`SizeBytes`).
 *
 * Returns: the size in bytes, or -1 if the record does not say
 */
DYNAMORM_DEFINE_GETTER (gint64, dynamorm_stream_record_get_size_bytes,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, size_bytes, -1)

/**
 * dynamorm_stream_record_get_view_type:
 * @self: a #DynamormStreamRecord
 *
 * Gets what the stream's records carry (`StreamViewType`).
 *
 * Returns: the view type
 */
DYNAMORM_DEFINE_GETTER (DynamormStreamViewType, dynamorm_stream_record_get_view_type,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, view_type, DYNAMORM_STREAM_VIEW_NONE)

/**
 * dynamorm_stream_record_get_user_identity_type:
 * @self: a #DynamormStreamRecord
 *
 * Gets the type of the identity that made the change (`userIdentity`),
 * which DynamoDB only sets for deletions by TTL: `"Service"`.
 *
 * Returns: (nullable): the identity type, or %NULL
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_stream_record_get_user_identity_type,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, identity_type, NULL)

/**
 * dynamorm_stream_record_get_user_identity_principal:
 * @self: a #DynamormStreamRecord
 *
 * Gets the principal that made the change, which DynamoDB only sets for
 * deletions by TTL: `"dynamodb.amazonaws.com"`.
 *
 * Returns: (nullable): the principal, or %NULL
 */
DYNAMORM_DEFINE_GETTER (const char *, dynamorm_stream_record_get_user_identity_principal,
                        DynamormStreamRecord, DYNAMORM_IS_STREAM_RECORD, identity_principal, NULL)

/**
 * dynamorm_stream_record_is_ttl_deletion:
 * @self: a #DynamormStreamRecord
 *
 * Whether the record is a REMOVE made by DynamoDB's time to live rather
 * than by a request.
 *
 * Returns: %TRUE for a deletion by TTL
 */
gboolean
dynamorm_stream_record_is_ttl_deletion (DynamormStreamRecord *self)
{
  g_return_val_if_fail (DYNAMORM_IS_STREAM_RECORD (self), FALSE);
  return self->event_name == DYNAMORM_STREAM_EVENT_REMOVE &&
         g_strcmp0 (self->identity_type, "Service") == 0 &&
         g_strcmp0 (self->identity_principal, "dynamodb.amazonaws.com") == 0;
}

/* ------------------------------------------------------------------ */
/* Encrypted images */

/* The table of an eventSourceARN: arn:aws:dynamodb:R:A:table/NAME/stream/L. */
static char *
table_from_arn (const char *arn)
{
  const char *start = arn ? strstr (arn, ":table/") : NULL;
  const char *end;

  if (start == NULL)
    return NULL;
  start += strlen (":table/");
  end = strstr (start, "/stream/");
  return end && end > start ? g_strndup (start, end - start) : NULL;
}

/* One image of an encrypted model: opened with the session's key
 * provider, then decoded. *opened keeps the item in the clear. */
static DynamormModel *
decode_encrypted_image (DynamormSession *session, const DynamormSchema *schema, GType model_type,
                        const char *table, JsonNode *item, JsonNode **opened, GError **error)
{
  *opened = json_node_copy (item);
  if (!_dynamorm_session_open_item (session, schema, table, *opened, error))
    return NULL;
  return dynamorm_model_new_from_item (model_type, *opened, error);
}

static gboolean
decode_images_with_session (DynamormStreamRecord *self, DynamormSession *session, GType model_type,
                            guint index, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (model_type, FALSE, NULL);
  g_autofree char *table = table_from_arn (self->event_source_arn);
  g_autoptr(JsonNode) new_open = NULL;
  g_autoptr(JsonNode) old_open = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *raw_new = self->new_item, *raw_old = self->old_item;

  if (table == NULL)
    {
      record_error (error, index, _("the eventSourceARN “%s” names no table, so the encrypted properties of "
                                    "%s cannot be decrypted (they are bound to their table)"),
                    self->event_source_arn ? self->event_source_arn : "", g_type_name (model_type));
      return FALSE;
    }
  if (raw_new != NULL &&
      (self->new_image = decode_encrypted_image (session, schema, model_type, table, raw_new, &new_open,
                                                 &local_error)) == NULL)
    return image_does_not_fit (error, index, "dynamodb.NewImage", model_type, local_error);
  if (raw_old != NULL &&
      (self->old_image = decode_encrypted_image (session, schema, model_type, table, raw_old, &old_open,
                                                 &local_error)) == NULL)
    return image_does_not_fit (error, index, "dynamodb.OldImage", model_type, local_error);
  /* What changed is told from the values, not from the ciphertexts (whose
   * nonces differ on every write). */
  self->model_type = model_type;
  self->new_item = new_open, self->old_item = old_open;
  g_strfreev (self->changed);
  self->changed = changed_properties (self);
  self->new_item = raw_new, self->old_item = raw_old;
  return TRUE;
}

/**
 * dynamorm_stream_parse_event_with_session:
 * @json: the event's JSON text
 * @length: the length of @json in bytes, or -1 if it is nul-terminated
 * @model_type: the #DynamormModel subtype to read the images into
 * @session: the session whose key provider decrypts the images' encrypted
 *   properties
 * @error: return location for a #GError
 *
 * Parses a stream event as [func@Dynamorm.stream_parse_event] does, and
 * reads the images of a model with properties tagged `encrypted`: they are
 * decrypted with @session's key provider, for the table named by each
 * record's `eventSourceARN`. The records' items stay as stored
 * (ciphertext); their images and changed properties are the values.
 * [func@Dynamorm.stream_parse_event] refuses such a model's images with an
 * error naming the encrypted property.
 *
 * Returns: (transfer container) (element-type DynamormStreamRecord): the
 *   records, or %NULL on error
 *
 * Since: 0.2
 */
GPtrArray *
dynamorm_stream_parse_event_with_session (const char       *json,
                                          gssize            length,
                                          GType             model_type,
                                          DynamormSession  *session,
                                          GError          **error)
{
  g_autoptr(GPtrArray) records = NULL;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_model_type (&model_type, error))
    return NULL;
  records = dynamorm_stream_parse_event (json, length, G_TYPE_NONE, error);
  if (records == NULL || model_type == G_TYPE_INVALID)
    return g_steal_pointer (&records);
  for (guint i = 0; i < records->len; i++)
    if (!decode_images_with_session (records->pdata[i], session, model_type, i, error))
      return NULL;
  return g_steal_pointer (&records);
}
