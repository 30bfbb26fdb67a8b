/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-table.c: tables from models (create, ensure, describe, wait,
 * delete, list) and schema migrations.
 *
 * Every operation is written once, as a chain of asynchronous DynamoDB
 * calls on a GTask; the blocking forms run that chain in a private main
 * context, so callbacks (progress, transforms) always run in the thread
 * that called, as bindings need. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-table-private.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-table.h"
#include "dynamorm-sync-private.h"
#include "dynamorm-properties-private.h"
#include "dynamorm-single-table-private.h"

/**
 * DynamormTable:
 *
 * The DynamoDB table of a model type, as seen through a session: its name
 * is the session's prefix followed by the model's table name.
 *
 * ```c
 * g_autoptr(DynamormTable) table = dynamorm_table_new (session, DEMO_TYPE_USER, NULL);
 *
 * if (!dynamorm_table_ensure (table, NULL, &error))
 *   g_printerr ("%s\n", error->message);  // one line per difference
 * ```
 *
 * [method@Dynamorm.Table.create] creates the table with the key and the
 * secondary indexes of the model's schema, the billing mode and stream of
 * the [class@Dynamorm.TableOptions], enables TTL when the model has a
 * `ttl` property, and waits until the table and its indexes are active.
 * [method@Dynamorm.Table.ensure] does the same for a missing table and
 * checks an existing one against the model.
 * [method@Dynamorm.Table.migrate] brings an existing table in line.
 *
 * Every operation has a blocking form and an `_async`/`_finish` pair. A
 * table object can be used from several threads, one operation each.
 */
struct _DynamormTable
{
  GObject parent_instance;

  DynamormSession *session;
  GType model_type;
  DynamormTableOptions *options;
};

G_DEFINE_FINAL_TYPE (DynamormTable, dynamorm_table, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_MODEL_TYPE,
  PROP_OPTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static const gsize property_offsets[N_PROPS] = {
  [PROP_SESSION] = G_STRUCT_OFFSET (DynamormTable, session),
  [PROP_MODEL_TYPE] = G_STRUCT_OFFSET (DynamormTable, model_type),
  [PROP_OPTIONS] = G_STRUCT_OFFSET (DynamormTable, options),
};

static void
dynamorm_table_finalize (GObject *object)
{
  DynamormTable *self = DYNAMORM_TABLE (object);

  g_clear_object (&self->session);
  g_clear_object (&self->options);

  G_OBJECT_CLASS (dynamorm_table_parent_class)->finalize (object);
}

static void
dynamorm_table_constructed (GObject *object)
{
  DynamormTable *self = DYNAMORM_TABLE (object);

  G_OBJECT_CLASS (dynamorm_table_parent_class)->constructed (object);

  if (self->options == NULL)
    self->options = dynamorm_table_options_new ();
}

static void
dynamorm_table_class_init (DynamormTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _dynamorm_init ();

  object_class->finalize = dynamorm_table_finalize;
  object_class->constructed = dynamorm_table_constructed;

  /**
   * DynamormTable:session:
   *
   * The session that carries the table's requests and gives its prefix.
   */
  properties[PROP_SESSION] = _dynamorm_param_spec_session ();

  /**
   * DynamormTable:model-type:
   *
   * The #DynamormModel subtype whose schema the table follows.
   */
  properties[PROP_MODEL_TYPE] = _dynamorm_param_spec_model_type ();

  /**
   * DynamormTable:options:
   *
   * The table's [class@Dynamorm.TableOptions]; defaults when not given.
   */
  properties[PROP_OPTIONS] =
    g_param_spec_object ("options", NULL, NULL, DYNAMORM_TYPE_TABLE_OPTIONS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  _dynamorm_install_field_properties (object_class, N_PROPS, properties, property_offsets);
}

static void
dynamorm_table_init (DynamormTable *self)
{
}

/**
 * dynamorm_table_new:
 * @session: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 * @options: (nullable): table options, or %NULL for the defaults
 *
 * Creates the table object of a model type. Nothing is sent: a mistake in
 * the model's schema or in @options is reported by the first operation.
 *
 * Returns: (transfer full): a new table object
 */
DynamormTable *
dynamorm_table_new (DynamormSession      *session,
                    GType                 model_type,
                    DynamormTableOptions *options)
{
  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);
  g_return_val_if_fail (g_type_is_a (model_type, DYNAMORM_TYPE_MODEL), NULL);
  g_return_val_if_fail (options == NULL || DYNAMORM_IS_TABLE_OPTIONS (options), NULL);

  return g_object_new (DYNAMORM_TYPE_TABLE,
                       "session", session,
                       "model-type", model_type,
                       "options", options,
                       NULL);
}

/**
 * dynamorm_table_get_session:
 * @self: a #DynamormTable
 *
 * Gets the table's session.
 *
 * Returns: (transfer none): the session
 */
DYNAMORM_DEFINE_GETTER (DynamormSession *, dynamorm_table_get_session,
                        DynamormTable, DYNAMORM_IS_TABLE, session, NULL)

/**
 * dynamorm_table_get_model_type:
 * @self: a #DynamormTable
 *
 * Gets the model type whose schema the table follows.
 *
 * Returns: the model type
 */
DYNAMORM_DEFINE_GETTER (GType, dynamorm_table_get_model_type,
                        DynamormTable, DYNAMORM_IS_TABLE, model_type, G_TYPE_INVALID)

/**
 * dynamorm_table_get_options:
 * @self: a #DynamormTable
 *
 * Gets the table's options.
 *
 * Returns: (transfer none): the options
 */
DYNAMORM_DEFINE_GETTER (DynamormTableOptions *, dynamorm_table_get_options,
                        DynamormTable, DYNAMORM_IS_TABLE, options, NULL)

/**
 * dynamorm_table_get_name:
 * @self: a #DynamormTable
 *
 * Gets the table's full name: the session's prefix followed by the
 * model's table name.
 *
 * Returns: (transfer full) (nullable): the name, or %NULL if the model's
 *   schema is invalid
 */
char *
dynamorm_table_get_name (DynamormTable *self)
{
  g_return_val_if_fail (DYNAMORM_IS_TABLE (self), NULL);

  return dynamorm_session_get_table_name (self->session, self->model_type);
}

/* ------------------------------------------------------------------ */
/* JSON helpers */

JsonNode *
_dynamorm_table_object_node_new (JsonObject **out)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), obj);

  json_object_unref (obj);
  *out = obj;
  return node;
}

JsonNode *
_dynamorm_table_request_new (const char *table_name, JsonObject **out)
{
  JsonNode *node = _dynamorm_table_object_node_new (out);

  json_object_set_string_member (*out, "TableName", table_name);
  return node;
}

JsonObject *
_dynamorm_table_member_object (JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
_dynamorm_table_member_array (JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

const char *
_dynamorm_table_member_string (JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The first object of the array member array_name of obj whose string
 * member key is value, or NULL. */
static JsonObject *
find_element (JsonObject *obj, const char *array_name, const char *key, const char *value)
{
  JsonArray *array = _dynamorm_table_member_array (obj, array_name);

  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (e) &&
          g_strcmp0 (_dynamorm_table_member_string (json_node_get_object (e), key), value) == 0)
        return json_node_get_object (e);
    }
  return NULL;
}

/* The attribute of the HASH or RANGE element of a KeySchema. */
const char *
_dynamorm_table_key_schema_attribute (JsonObject *obj, const char *key_type)
{
  return _dynamorm_table_member_string (find_element (obj, "KeySchema", "KeyType", key_type), "AttributeName");
}

static const char *
defined_type (JsonObject *table, const char *attribute)
{
  return _dynamorm_table_member_string (find_element (table, "AttributeDefinitions", "AttributeName", attribute),
                                        "AttributeType");
}

static const char *
projection_name (DynamormProjection projection)
{
  switch (projection)
    {
    case DYNAMORM_PROJECTION_KEYS_ONLY: return "KEYS_ONLY";
    case DYNAMORM_PROJECTION_INCLUDE: return "INCLUDE";
    case DYNAMORM_PROJECTION_ALL:
    default: return "ALL";
    }
}

static const char *
view_type_name (DynamormStreamViewType view_type)
{
  switch (view_type)
    {
    case DYNAMORM_STREAM_VIEW_KEYS_ONLY: return "KEYS_ONLY";
    case DYNAMORM_STREAM_VIEW_NEW_IMAGE: return "NEW_IMAGE";
    case DYNAMORM_STREAM_VIEW_OLD_IMAGE: return "OLD_IMAGE";
    case DYNAMORM_STREAM_VIEW_NEW_AND_OLD_IMAGES: return "NEW_AND_OLD_IMAGES";
    case DYNAMORM_STREAM_VIEW_NONE:
    default: return NULL;
    }
}

/* Describes a key (or any item's key attributes) as `id = "u1", n = 2`. */
char *
_dynamorm_table_describe_key (JsonObject *item, const char *hash, const char *range)
{
  GString *s = g_string_new (NULL);
  const char *names[2] = { hash, range };

  for (guint i = 0; i < 2; i++)
    if (names[i] != NULL)
      _dynamorm_append_key_attribute (s, names[i], json_object_get_member (item, names[i]), "missing");
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------ */
/* Requests from the schema and the options */

typedef struct {
  DynamormProjection projection;
  char **non_key;   /* attribute names, sorted; NULL unless INCLUDE */
} Projection;

static void
projection_clear (Projection *p)
{
  g_clear_pointer (&p->non_key, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Projection, projection_clear)

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char **
sorted_strv (GPtrArray *names)
{
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/* The projection the options give an index, with property names turned
 * into attribute names. */
static void
index_projection (DynamormTable *self, const DynamormSchema *schema, const char *index, Projection *out)
{
  IndexProjection *p = g_hash_table_lookup (self->options->projections, index);

  out->projection = p ? p->projection : DYNAMORM_PROJECTION_ALL;
  out->non_key = NULL;
  if (p && p->projection == DYNAMORM_PROJECTION_INCLUDE && p->non_key_attributes)
    {
      GPtrArray *names = g_ptr_array_new ();

      for (guint i = 0; p->non_key_attributes[i]; i++)
        {
          DynamormField *field = _dynamorm_schema_lookup (schema, p->non_key_attributes[i]);
          g_ptr_array_add (names, g_strdup (field ? field->attribute : p->non_key_attributes[i]));
        }
      out->non_key = sorted_strv (names);
    }
}

/* The schema, checked together with the options. */
static const DynamormSchema *
table_schema (DynamormTable *self, GError **error)
{
  const DynamormSchema *schema = _dynamorm_schema_get (self->model_type, TRUE, error);
  GHashTableIter iter;
  gpointer key, value;

  if (schema == NULL)
    return NULL;

  g_hash_table_iter_init (&iter, self->options->projections);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      IndexProjection *p = value;

      if (_dynamorm_schema_find_index (schema, key) == NULL)
        {
          g_autoptr(GString) names = g_string_new (NULL);

          for (guint i = 0; i < schema->indexes->len; i++)
            g_string_append_printf (names, "%s“%s”", i ? ", " : "",
                                    ((DynamormIndex *) g_ptr_array_index (schema->indexes, i))->name);
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("The table options set a projection for the index “%s”, but %s declares no such index "
                         "(its indexes: %s); fix the index name"),
                       (const char *) key, g_type_name (self->model_type),
                       names->len ? names->str : _("none"));
          return NULL;
        }
      if (p->projection == DYNAMORM_PROJECTION_INCLUDE &&
          (p->non_key_attributes == NULL || p->non_key_attributes[0] == NULL))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("The index “%s” of %s projects INCLUDE but names no attribute to include; "
                         "list them, or use KEYS_ONLY"),
                       (const char *) key, g_type_name (self->model_type));
          return NULL;
        }
      if (p->projection != DYNAMORM_PROJECTION_INCLUDE &&
          p->non_key_attributes != NULL && p->non_key_attributes[0] != NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("The index “%s” of %s lists attributes to include, but only an INCLUDE projection "
                         "takes them"),
                       (const char *) key, g_type_name (self->model_type));
          return NULL;
        }
    }
  return schema;
}

static void
add_key_schema (JsonObject *target, const DynamormField *pk, const DynamormField *sk)
{
  JsonArray *key_schema = json_array_new ();
  const DynamormField *fields[2] = { pk, sk };

  for (guint i = 0; i < 2; i++)
    {
      JsonObject *element;

      if (fields[i] == NULL)
        continue;
      element = json_object_new ();
      json_object_set_string_member (element, "AttributeName", fields[i]->attribute);
      json_object_set_string_member (element, "KeyType", i == 0 ? "HASH" : "RANGE");
      json_array_add_object_element (key_schema, element);
    }
  json_object_set_array_member (target, "KeySchema", key_schema);
}

/* An index's KeySchema: every partition key part (HASH), then every sort
 * key part (RANGE): several of each for a multi-attribute key. */
static void
add_index_key_schema (JsonObject *target, const DynamormIndex *index)
{
  JsonArray *key_schema = json_array_new ();
  guint n[2] = { _dynamorm_index_n_pk (index), _dynamorm_index_n_sk (index) };

  for (guint role = 0; role < 2; role++)
    for (guint i = 0; i < n[role]; i++)
      {
        const DynamormField *f = role == 0 ? _dynamorm_index_pk (index, i) : _dynamorm_index_sk (index, i);
        JsonObject *element = json_object_new ();
        json_object_set_string_member (element, "AttributeName", f->attribute);
        json_object_set_string_member (element, "KeyType", role == 0 ? "HASH" : "RANGE");
        json_array_add_object_element (key_schema, element);
      }
  json_object_set_array_member (target, "KeySchema", key_schema);
}

/* "a, b": the model's key attributes of one role of index, or NULL. */
static char *
index_key_names (const DynamormIndex *index, gboolean hash)
{
  GString *s = g_string_new (NULL);
  guint n = hash ? _dynamorm_index_n_pk (index) : _dynamorm_index_n_sk (index);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "",
                            (hash ? _dynamorm_index_pk (index, i) : _dynamorm_index_sk (index, i))->attribute);
  return g_string_free (s, s->len == 0);
}

/* The same from a described index's KeySchema. */
static char *
described_key_names (JsonObject *described, const char *key_type)
{
  JsonArray *schema = _dynamorm_table_member_array (described, "KeySchema");
  GString *s = g_string_new (NULL);

  for (guint i = 0; schema && i < json_array_get_length (schema); i++)
    {
      JsonNode *e = json_array_get_element (schema, i);
      if (JSON_NODE_HOLDS_OBJECT (e) &&
          g_strcmp0 (_dynamorm_table_member_string (json_node_get_object (e), "KeyType"), key_type) == 0)
        g_string_append_printf (s, "%s%s", s->len ? ", " : "",
                                _dynamorm_table_member_string (json_node_get_object (e), "AttributeName"));
    }
  return g_string_free (s, s->len == 0);
}

static void add_definition (JsonArray *definitions, GHashTable *seen, const DynamormField *field);

/* The AttributeDefinitions of every key part of index. */
static void
add_index_definitions (JsonArray *definitions, GHashTable *seen, const DynamormIndex *index)
{
  for (guint i = 0; i < _dynamorm_index_n_pk (index); i++)
    add_definition (definitions, seen, _dynamorm_index_pk (index, i));
  for (guint i = 0; i < _dynamorm_index_n_sk (index); i++)
    add_definition (definitions, seen, _dynamorm_index_sk (index, i));
}

static void
add_definition (JsonArray *definitions, GHashTable *seen, const DynamormField *field)
{
  JsonObject *def;
  char type[2] = { 0, 0 };

  if (field == NULL || !g_hash_table_add (seen, field->attribute))
    return;
  type[0] = field->key_type;
  def = json_object_new ();
  json_object_set_string_member (def, "AttributeName", field->attribute);
  json_object_set_string_member (def, "AttributeType", type);
  json_array_add_object_element (definitions, def);
}

static JsonObject *
throughput_object (guint64 read_units, guint64 write_units)
{
  JsonObject *pt = json_object_new ();

  json_object_set_int_member (pt, "ReadCapacityUnits", (gint64) read_units);
  json_object_set_int_member (pt, "WriteCapacityUnits", (gint64) write_units);
  return pt;
}

/* A GlobalSecondaryIndexes / LocalSecondaryIndexes element. read_units is
 * 0 for on-demand tables and LSIs. */
static JsonObject *
index_spec (DynamormTable *self, const DynamormSchema *schema, DynamormIndex *index,
            guint64 read_units, guint64 write_units)
{
  JsonObject *spec = json_object_new ();
  JsonObject *projection = json_object_new ();
  Projection p;

  index_projection (self, schema, index->name, &p);
  json_object_set_string_member (spec, "IndexName", index->name);
  add_index_key_schema (spec, index);
  json_object_set_string_member (projection, "ProjectionType", projection_name (p.projection));
  if (p.non_key)
    {
      JsonArray *names = json_array_new ();
      for (guint i = 0; p.non_key[i]; i++)
        json_array_add_string_element (names, p.non_key[i]);
      json_object_set_array_member (projection, "NonKeyAttributes", names);
    }
  json_object_set_object_member (spec, "Projection", projection);
  if (!index->local && read_units > 0)
    json_object_set_object_member (spec, "ProvisionedThroughput", throughput_object (read_units, write_units));
  projection_clear (&p);
  return spec;
}

static JsonObject *
stream_spec (DynamormStreamViewType view_type)
{
  JsonObject *spec = json_object_new ();

  json_object_set_boolean_member (spec, "StreamEnabled", view_type != DYNAMORM_STREAM_VIEW_NONE);
  if (view_type != DYNAMORM_STREAM_VIEW_NONE)
    json_object_set_string_member (spec, "StreamViewType", view_type_name (view_type));
  return spec;
}

static JsonNode *
build_create_request (DynamormTable *self, const DynamormSchema *schema, const char *name)
{
  DynamormTableOptions *o = self->options;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *request;
  JsonNode *node = _dynamorm_table_request_new (name, &request);
  JsonArray *definitions = json_array_new ();
  JsonArray *gsis = json_array_new ();
  JsonArray *lsis = json_array_new ();

  add_definition (definitions, seen, schema->partition_key);
  add_definition (definitions, seen, schema->sort_key);
  add_key_schema (request, schema->partition_key, schema->sort_key);

  for (guint i = 0; i < schema->indexes->len; i++)
    {
      DynamormIndex *index = g_ptr_array_index (schema->indexes, i);

      add_index_definitions (definitions, seen, index);
      json_array_add_object_element (index->local ? lsis : gsis,
                                     index_spec (self, schema, index,
                                                 o->provisioned ? o->read_units : 0, o->write_units));
    }

  json_object_set_array_member (request, "AttributeDefinitions", definitions);
  if (json_array_get_length (gsis) > 0)
    json_object_set_array_member (request, "GlobalSecondaryIndexes", gsis);
  else
    json_array_unref (gsis);
  if (json_array_get_length (lsis) > 0)
    json_object_set_array_member (request, "LocalSecondaryIndexes", lsis);
  else
    json_array_unref (lsis);

  if (o->provisioned)
    {
      json_object_set_string_member (request, "BillingMode", "PROVISIONED");
      json_object_set_object_member (request, "ProvisionedThroughput",
                                     throughput_object (o->read_units, o->write_units));
    }
  else
    json_object_set_string_member (request, "BillingMode", "PAY_PER_REQUEST");

  if (o->stream != DYNAMORM_STREAM_VIEW_NONE)
    json_object_set_object_member (request, "StreamSpecification", stream_spec (o->stream));

  return node;
}

static JsonNode *
build_ttl_request (const char *name, const char *attribute, gboolean enabled)
{
  JsonObject *request, *spec = json_object_new ();
  JsonNode *node = _dynamorm_table_request_new (name, &request);

  json_object_set_string_member (spec, "AttributeName", attribute);
  json_object_set_boolean_member (spec, "Enabled", enabled);
  json_object_set_object_member (request, "TimeToLiveSpecification", spec);
  return node;
}

/* ------------------------------------------------------------------ */
/* Comparing a table description with the model */

typedef enum {
  DIFF_FATAL,        /* cannot be changed on an existing table */
  DIFF_GSI_MISSING,  /* migrate creates it */
  DIFF_GSI_CHANGED,  /* migrate drops and re-creates it, when allowed */
  DIFF_GSI_EXTRA,    /* migrate drops it, when allowed */
} DiffKind;

typedef struct {
  DiffKind kind;
  char *index;       /* for the GSI kinds */
  char *text;
} Difference;

static void
difference_free (Difference *d)
{
  g_free (d->index);
  g_free (d->text);
  g_free (d);
}

G_GNUC_PRINTF (4, 5)
static void
add_difference (GPtrArray *diffs, DiffKind kind, const char *index, const char *format, ...)
{
  Difference *d = g_new0 (Difference, 1);
  va_list args;

  va_start (args, format);
  d->kind = kind;
  d->index = g_strdup (index);
  d->text = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (diffs, d);
}

static const char *
or_none (const char *s)
{
  return s ? s : _("(none)");
}

/* "the table's sort key is “a”, the model has none", and the like. */
static char *
key_difference (const char *noun, const char *table, const char *model)
{
  if (table == NULL)
    return g_strdup_printf (_("the table has no %s, the model's is “%s”"), noun, model);
  if (model == NULL)
    return g_strdup_printf (_("the table's %s is “%s”, the model has none"), noun, table);
  return g_strdup_printf (_("the table's %s is “%s”, the model's is “%s”"), noun, table, model);
}

static gboolean
strv_equal0 (char **a, char **b)
{
  if (a == NULL || b == NULL)
    return (a == NULL || a[0] == NULL) && (b == NULL || b[0] == NULL);
  return g_strv_equal ((const char * const *) a, (const char * const *) b);
}

static char **
described_non_key (JsonObject *projection)
{
  JsonArray *array = _dynamorm_table_member_array (projection, "NonKeyAttributes");
  GPtrArray *names;

  if (array == NULL)
    return NULL;
  names = g_ptr_array_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
        g_ptr_array_add (names, g_strdup (json_node_get_string (e)));
    }
  return sorted_strv (names);
}

/* Compares one index of the model with the table's index of that name. */
static void
compare_index (DynamormTable *self, const DynamormSchema *schema, DynamormIndex *index,
               JsonObject *described, GPtrArray *diffs)
{
  DiffKind kind = index->local ? DIFF_FATAL : DIFF_GSI_CHANGED;
  const char *what = index->local ? _("local secondary index") : _("global secondary index");
  g_autofree char *hash = described_key_names (described, "HASH");
  g_autofree char *range = described_key_names (described, "RANGE");
  g_autofree char *want_hash = index_key_names (index, TRUE);
  g_autofree char *want_range = index_key_names (index, FALSE);
  JsonObject *projection = _dynamorm_table_member_object (described, "Projection");
  const char *ptype = _dynamorm_table_member_string (projection, "ProjectionType");
  g_auto(GStrv) non_key = described_non_key (projection);
  g_auto(Projection) p = { 0, };

  if (g_strcmp0 (hash, want_hash) != 0)
    {
      g_autofree char *text = key_difference (_("partition key"), hash, want_hash);
      add_difference (diffs, kind, index->name, "%s “%s”: %s", what, index->name, text);
    }
  if (g_strcmp0 (range, want_range) != 0)
    {
      g_autofree char *text = key_difference (_("sort key"), range, want_range);
      add_difference (diffs, kind, index->name, "%s “%s”: %s", what, index->name, text);
    }

  index_projection (self, schema, index->name, &p);
  if (g_strcmp0 (ptype, projection_name (p.projection)) != 0)
    add_difference (diffs, kind, index->name,
                    _("%s “%s”: the table projects %s, the model %s"),
                    what, index->name, or_none (ptype), projection_name (p.projection));
  else if (!strv_equal0 (non_key, p.non_key))
    {
      g_autofree char *have = non_key ? g_strjoinv (", ", non_key) : g_strdup ("");
      g_autofree char *want = p.non_key ? g_strjoinv (", ", p.non_key) : g_strdup ("");

      add_difference (diffs, kind, index->name,
                      _("%s “%s”: the table includes the attributes [%s], the model [%s]"),
                      what, index->name, have, want);
    }
}

static GPtrArray *
compare_with_model (DynamormTable *self, const DynamormSchema *schema, JsonObject *table)
{
  GPtrArray *diffs = g_ptr_array_new_with_free_func ((GDestroyNotify) difference_free);
  g_autoptr(GHashTable) checked = g_hash_table_new (g_str_hash, g_str_equal);
  const char *hash = _dynamorm_table_key_schema_attribute (table, "HASH");
  const char *range = _dynamorm_table_key_schema_attribute (table, "RANGE");
  const char *want_range = schema->sort_key ? schema->sort_key->attribute : NULL;
  const char *index_members[2] = { "GlobalSecondaryIndexes", "LocalSecondaryIndexes" };

  if (g_strcmp0 (hash, schema->partition_key->attribute) != 0)
    {
      g_autofree char *text = key_difference (_("partition key"), hash, schema->partition_key->attribute);
      add_difference (diffs, DIFF_FATAL, NULL, "%s", text);
    }
  if (g_strcmp0 (range, want_range) != 0)
    {
      g_autofree char *text = key_difference (_("sort key"), range, want_range);
      add_difference (diffs, DIFF_FATAL, NULL, "%s", text);
    }

  /* Attribute types of every key the model declares. */
  {
    const DynamormField *keys[2 + 8 * 32];
    guint n = 0;

    keys[n++] = schema->partition_key;
    keys[n++] = schema->sort_key;
    for (guint i = 0; i < schema->indexes->len && n + 8 <= G_N_ELEMENTS (keys); i++)
      {
        DynamormIndex *index = g_ptr_array_index (schema->indexes, i);
        for (guint k = 0; k < _dynamorm_index_n_pk (index); k++)
          keys[n++] = _dynamorm_index_pk (index, k);
        keys[n++] = index->sort_key;
        for (guint k = 1; k < _dynamorm_index_n_sk (index); k++)
          keys[n++] = _dynamorm_index_sk (index, k);
      }
    for (guint i = 0; i < n; i++)
      {
        const char *type;

        if (keys[i] == NULL || !g_hash_table_add (checked, keys[i]->attribute))
          continue;
        type = defined_type (table, keys[i]->attribute);
        if (type != NULL && (type[0] != keys[i]->key_type || type[1] != '\0'))
          add_difference (diffs, DIFF_FATAL, NULL,
                          _("attribute “%s”: the table defines it as type %s, the model stores %c"),
                          keys[i]->attribute, type, keys[i]->key_type);
      }
  }

  for (guint i = 0; i < schema->indexes->len; i++)
    {
      DynamormIndex *index = g_ptr_array_index (schema->indexes, i);
      JsonObject *same = find_element (table, index_members[index->local], "IndexName", index->name);
      JsonObject *other = find_element (table, index_members[!index->local], "IndexName", index->name);

      if (same != NULL)
        compare_index (self, schema, index, same, diffs);
      else if (other != NULL)
        add_difference (diffs, DIFF_FATAL, NULL,
                        index->local ? _("index “%s” is local in the model but global in the table")
                                     : _("index “%s” is global in the model but local in the table"),
                        index->name);
      else if (index->local)
        add_difference (diffs, DIFF_FATAL, NULL,
                        _("local secondary index “%s” is missing; local indexes can only be made "
                          "with the table"),
                        index->name);
      else
        add_difference (diffs, DIFF_GSI_MISSING, index->name,
                        _("global secondary index “%s” is missing; migrate the table to add it (Table.migrate)"),
                        index->name);
    }

  for (guint m = 0; m < 2; m++)
    {
      JsonArray *indexes = _dynamorm_table_member_array (table, index_members[m]);

      for (guint i = 0; indexes && i < json_array_get_length (indexes); i++)
        {
          JsonNode *e = json_array_get_element (indexes, i);
          const char *name = JSON_NODE_HOLDS_OBJECT (e)
                             ? _dynamorm_table_member_string (json_node_get_object (e), "IndexName")
                             : NULL;

          if (name == NULL || _dynamorm_schema_find_index (schema, name) != NULL)
            continue;
          /* A shared table holds the indexes of its other entities. */
          if (_dynamorm_schema_is_single_table (schema))
            continue;
          if (m == 0)
            add_difference (diffs, DIFF_GSI_EXTRA, name,
                            _("the table has a global secondary index “%s” that the model does not "
                              "declare; migrating the table (Table.migrate) drops it when drop-indexes is set"),
                            name);
          else
            add_difference (diffs, DIFF_FATAL, NULL,
                            _("the table has a local secondary index “%s” that the model does not declare"),
                            name);
        }
    }

  return diffs;
}

static GError *
differences_error (DynamormTable *self, const char *name, GPtrArray *diffs, gboolean (*keep) (Difference *, gpointer), gpointer data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = 0;

  for (guint i = 0; i < diffs->len; i++)
    {
      Difference *d = g_ptr_array_index (diffs, i);

      if (keep && !keep (d, data))
        continue;
      g_string_append_printf (text, "\n  %s", d->text);
      n++;
    }
  if (n == 0)
    return NULL;
  return g_error_new (DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                      g_dngettext (GETTEXT_PACKAGE,
                                   "Table “%s” does not match the model %s (%u difference):%s",
                                   "Table “%s” does not match the model %s (%u differences):%s", n),
                      name, g_type_name (self->model_type), n, text->str);
}

/* ------------------------------------------------------------------ */
/* Calls */

void
_dynamorm_table_call (DynamormSession     *session,
                      GTask               *task,
                      const char          *operation,
                      JsonNode            *request,   /* transfer full */
                      GAsyncReadyCallback  callback)
{
  dynamorm_session_call_async (session, operation, request, g_task_get_cancellable (task),
                               callback, g_object_ref (task));
  json_node_unref (request);
}

static gboolean
is_error (const GError *error, int code)
{
  return g_error_matches (error, DYNAMORM_ERROR, code);
}

/* ------------------------------------------------------------------ */
/* Waiting for a table to become active, or to disappear */

typedef struct {
  char *name;
  gboolean gone;
  gint64 deadline;      /* monotonic µs; 0 for none */
  char *last_status;
  GSource *timer;
  GSource *cancel;
} Wait;

static void
wait_unschedule (Wait *w)
{
  if (w->timer)
    {
      g_source_destroy (w->timer);
      g_clear_pointer (&w->timer, g_source_unref);
    }
  if (w->cancel)
    {
      g_source_destroy (w->cancel);
      g_clear_pointer (&w->cancel, g_source_unref);
    }
}

static void
wait_free (Wait *w)
{
  wait_unschedule (w);
  g_free (w->name);
  g_free (w->last_status);
  g_free (w);
}

/* Active: the table and every global index ACTIVE. Otherwise says what
 * is still in progress. */
static gboolean
table_is_active (JsonObject *table, char **what)
{
  const char *status = _dynamorm_table_member_string (table, "TableStatus");
  JsonArray *gsis = _dynamorm_table_member_array (table, "GlobalSecondaryIndexes");

  if (g_strcmp0 (status, "ACTIVE") != 0)
    {
      *what = g_strdup (or_none (status));
      return FALSE;
    }
  for (guint i = 0; gsis && i < json_array_get_length (gsis); i++)
    {
      JsonNode *e = json_array_get_element (gsis, i);
      JsonObject *index = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      const char *index_status = _dynamorm_table_member_string (index, "IndexStatus");

      /* DynamoDB Local and older services may leave IndexStatus out. */
      if (index_status != NULL && !g_str_equal (index_status, "ACTIVE"))
        {
          *what = g_strdup_printf (_("index “%s” %s"),
                                   or_none (_dynamorm_table_member_string (index, "IndexName")),
                                   index_status);
          return FALSE;
        }
    }
  return TRUE;
}

static void wait_poll (GTask *task);

static gboolean
wait_wake (gpointer data)
{
  g_autoptr(GTask) task = g_object_ref (data);

  wait_unschedule (g_task_get_task_data (task));
  wait_poll (task);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_wake_cancelled (GCancellable *cancellable,
                     gpointer      data)
{
  return wait_wake (data);
}

static void
wait_schedule (GTask *task)
{
  DynamormTable *self = g_task_get_source_object (task);
  Wait *w = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  w->timer = g_timeout_source_new (self->options->poll_ms);
  g_source_set_static_name (w->timer, "[dynamorm] table wait");
  g_source_set_callback (w->timer, wait_wake, g_object_ref (task), g_object_unref);
  g_source_attach (w->timer, g_task_get_context (task));
  if (cancellable)
    {
      w->cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (w->cancel, (GSourceFunc) (void (*) (void)) wait_wake_cancelled,
                             g_object_ref (task), g_object_unref);
      g_source_attach (w->cancel, g_task_get_context (task));
    }
}

/* The "Table" of a DescribeTable answer about the table name; NULL, with
 * the task returning %DYNAMORM_ERROR_INVALID_RESPONSE, when it has none. */
static JsonNode *
described_table (GTask      *task,
                 JsonNode   *response,
                 const char *name)
{
  JsonNode *table = json_object_get_member (json_node_get_object (response), "Table");

  if (table != NULL && JSON_NODE_HOLDS_OBJECT (table))
    return table;
  g_task_return_new_error (task, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                           _("DescribeTable answered without a Table description for “%s”"), name);
  return NULL;
}

static void
wait_described_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormTable *self = g_task_get_source_object (task);
  Wait *w = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  JsonNode *table;
  char *what = NULL;

  response = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);
  if (response == NULL)
    {
      if (w->gone && is_error (error, DYNAMORM_ERROR_RESOURCE_NOT_FOUND))
        g_task_return_pointer (task, NULL, NULL);
      else if (is_error (error, DYNAMORM_ERROR_RESOURCE_NOT_FOUND))
        g_task_return_new_error (task, DYNAMORM_ERROR, DYNAMORM_ERROR_RESOURCE_NOT_FOUND,
                                 _("Table “%s” does not exist: create it first "
                                   "(Table.create or Table.ensure)"),
                                 w->name);
      else
        {
          g_prefix_error (&error, _("Waiting for table “%s” failed: "), w->name);
          g_task_return_error (task, g_steal_pointer (&error));
        }
      return;
    }

  table = described_table (task, response, w->name);
  if (table == NULL)
    return;

  if (w->gone)
    what = g_strdup (or_none (_dynamorm_table_member_string (json_node_get_object (table), "TableStatus")));
  else if (table_is_active (json_node_get_object (table), &what))
    {
      g_task_return_pointer (task, json_node_ref (table), (GDestroyNotify) json_node_unref);
      return;
    }
  g_free (w->last_status);
  w->last_status = what;

  if (w->deadline != 0 && g_get_monotonic_time () >= w->deadline)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               w->gone ? _("Table “%s” still exists (%s) after %u seconds; wait longer "
                                           "with TableOptions.set_timeout")
                                       : _("Table “%s” is not active yet (%s) after %u seconds; wait longer "
                                           "with TableOptions.set_timeout"),
                               w->name, w->last_status, self->options->timeout_s);
      return;
    }
  wait_schedule (task);
}

static void
wait_poll (GTask *task)
{
  DynamormTable *self = g_task_get_source_object (task);
  Wait *w = g_task_get_task_data (task);
  JsonObject *request;
  JsonNode *node;

  if (g_task_return_error_if_cancelled (task))
    return;
  node = _dynamorm_table_request_new (w->name, &request);
  _dynamorm_table_call (self->session, task, "DescribeTable", node, wait_described_cb);
}

/* Polls DescribeTable until the table (and its global indexes) is active,
 * or until it is gone. Returns the last description (NULL when gone). */
static void
wait_async (DynamormTable       *self,
            const char          *name,
            gboolean             gone,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Wait *w = g_new0 (Wait, 1);

  g_task_set_source_tag (task, wait_async);
  w->name = g_strdup (name);
  w->gone = gone;
  if (self->options->timeout_s > 0)
    w->deadline = g_get_monotonic_time () + (gint64) self->options->timeout_s * G_USEC_PER_SEC;
  g_task_set_task_data (task, w, (GDestroyNotify) wait_free);
  wait_poll (task);
}

static JsonNode *
wait_finish (DynamormTable *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Jobs: create, ensure, migrate */

typedef enum {
  MODE_CREATE,
  MODE_ENSURE,
  MODE_MIGRATE,
} Mode;

typedef enum {
  STEP_DELETE_INDEX,
  STEP_CREATE_INDEX,
  STEP_STREAM,
  STEP_TTL,
} StepKind;

typedef struct {
  StepKind kind;
  const char *operation;
  JsonNode *request;
} Step;

static void
step_free (Step *step)
{
  json_node_unref (step->request);
  g_free (step);
}

/* A job's next step, with the answer of its call (NULL on failure) or the
 * description its wait ended with, and the failure, which it may take. */
typedef void (*JobNext) (GTask *task, JsonNode *answer, GError **error);

typedef struct {
  Mode mode;
  char *name;
  const DynamormSchema *schema;
  gboolean tried_create;
  GPtrArray *steps;
  guint step;
  DynamormProgressFunc progress;
  gpointer progress_data;
  GDestroyNotify progress_destroy;
  JobNext next;                 /* what follows the call or wait in flight */
} Job;

static void
job_free (Job *job)
{
  g_free (job->name);
  g_clear_pointer (&job->steps, g_ptr_array_unref);
  if (job->progress_destroy)
    job->progress_destroy (job->progress_data);
  g_free (job);
}

static void
job_progress (Job *job, guint64 done, guint64 total)
{
  if (job->progress)
    job->progress (done, total, job->progress_data);
}

/* Starts a job: checks the schema and the options before any request. */
static GTask *
job_new (DynamormTable *self, Mode mode, gpointer source_tag, GCancellable *cancellable,
         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  Job *job = g_new0 (Job, 1);

  g_task_set_source_tag (task, source_tag);
  job->mode = mode;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  job->schema = table_schema (self, &error);
  if (job->schema == NULL)
    {
      g_task_return_error (task, error);
      return NULL;
    }
  job->name = dynamorm_session_get_table_name (self->session, self->model_type);
  return g_steal_pointer (&task);
}

/* What a job does first, once job_new made its task. */
typedef void (*JobStart) (GTask *task);

/* Makes the job's task and runs its first step, unless job_new already
 * ended the task with a schema or options error. */
static void
job_start (DynamormTable       *self,
           Mode                 mode,
           gpointer             source_tag,
           JobStart             start,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  g_autoptr(GTask) task = job_new (self, mode, source_tag, cancellable, callback, user_data);

  if (task != NULL)
    start (task);
}

/* The _async form of the jobs that take only a cancellable, under its
 * gi-docgen comment:
 *
 *   DEFINE_JOB_ASYNC (dynamorm_table_create_async, MODE_CREATE, job_create)
 *
 * defines
 *
 *   void
 *   dynamorm_table_create_async (DynamormTable *self, GCancellable *cancellable,
 *                                GAsyncReadyCallback callback, gpointer user_data)
 *   {
 *     g_return_if_fail (DYNAMORM_IS_TABLE (self));
 *     g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
 *
 *     job_start (self, MODE_CREATE, dynamorm_table_create_async, job_create,
 *                cancellable, callback, user_data);
 *   }
 *
 * Their _finish and blocking forms are DYNAMORM_DEFINE_CHECKED_FINISH_BOOLEAN
 * and DYNAMORM_DEFINE_BLOCKING lines (dynamorm-sync-private.h). */
#define DEFINE_JOB_ASYNC(function, mode, start)                                     \
  void                                                                            \
  function (DynamormTable *self, GCancellable *cancellable,                       \
            GAsyncReadyCallback callback, gpointer user_data)                     \
  {                                                                               \
    g_return_if_fail (DYNAMORM_IS_TABLE (self));                                  \
    g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));            \
                                                                                  \
    job_start (self, mode, function, start, cancellable, callback, user_data);    \
  }

/* The end of a job's call (the session answers) or wait (the table does). */
static void
job_answered_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;

  if (DYNAMORM_IS_SESSION (source))
    answer = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);
  else
    answer = wait_finish (DYNAMORM_TABLE (source), result, &error);
  job->next (task, answer, &error);
}

/* Sends operation (request: transfer full, or NULL for a request that only
 * names the table), then goes on with next. */
static void
job_call (GTask *task, const char *operation, JsonNode *request, JobNext next)
{
  DynamormTable *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  JsonObject *obj;

  job->next = next;
  if (request == NULL)
    request = _dynamorm_table_request_new (job->name, &obj);
  _dynamorm_table_call (self->session, task, operation, request, job_answered_cb);
}

/* Waits until the table is active (or gone), then goes on with next. */
static void
job_wait (GTask *task, gboolean gone, JobNext next)
{
  DynamormTable *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  job->next = next;
  wait_async (self, job->name, gone, g_task_get_cancellable (task), job_answered_cb, g_object_ref (task));
}

/* The last step of the jobs that end with a wait (wait until active,
 * delete): the job succeeds when the wait does. */
static void
job_waited (GTask *task, JsonNode *description, GError **error)
{
  if (*error != NULL)
    g_task_return_error (task, g_steal_pointer (error));
  else
    g_task_return_boolean (task, TRUE);
}

static void job_compare (GTask *task, JsonNode *description);

/* The table is created and active, with TTL on where the model asks for
 * it: for a migration, that was its one step. */
static void
create_succeeded (GTask *task)
{
  Job *job = g_task_get_task_data (task);

  if (job->mode == MODE_MIGRATE)
    job_progress (job, 1, 1);
  g_task_return_boolean (task, TRUE);
}

static void
create_ttl_done (GTask *task, JsonNode *response, GError **error)
{
  Job *job = g_task_get_task_data (task);

  if (response == NULL)
    {
      g_prefix_error (error, _("Table “%s” was created, but enabling TTL on it failed: "), job->name);
      g_task_return_error (task, g_steal_pointer (error));
      return;
    }
  create_succeeded (task);
}

static void
create_waited (GTask *task, JsonNode *description, GError **error)
{
  DynamormTable *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  if (*error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (error));
      return;
    }
  if (job->schema->ttl != NULL && self->options->ttl_enabled)
    {
      job_call (task, "UpdateTimeToLive", build_ttl_request (job->name, job->schema->ttl->attribute, TRUE),
                create_ttl_done);
      return;
    }
  create_succeeded (task);
}

static void
existing_waited (GTask *task, JsonNode *description, GError **error)
{
  if (description == NULL)
    g_task_return_error (task, g_steal_pointer (error));
  else
    job_compare (task, description);
}

static void
create_done (GTask *task, JsonNode *response, GError **error)
{
  Job *job = g_task_get_task_data (task);

  if (response == NULL)
    {
      /* Someone else created it first: check theirs instead. */
      if (job->mode != MODE_CREATE && is_error (*error, DYNAMORM_ERROR_RESOURCE_IN_USE))
        {
          job_wait (task, FALSE, existing_waited);
          return;
        }
      if (is_error (*error, DYNAMORM_ERROR_RESOURCE_IN_USE))
        g_prefix_error (error, _("Table “%s” already exists (use Table.ensure to accept an "
                                 "existing table that matches the model): "), job->name);
      else
        g_prefix_error (error, _("Creating table “%s” failed: "), job->name);
      g_task_return_error (task, g_steal_pointer (error));
      return;
    }
  job_wait (task, FALSE, create_waited);
}

static void
job_create (GTask *task)
{
  DynamormTable *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  job->tried_create = TRUE;
  if (job->mode == MODE_MIGRATE)
    job_progress (job, 0, 1);
  job_call (task, "CreateTable", build_create_request (self, job->schema, job->name), create_done);
}

/**
 * dynamorm_table_create_async:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the table is active
 * @user_data: data for @callback
 *
 * Creates the table; see [method@Dynamorm.Table.create].
 */
DEFINE_JOB_ASYNC (dynamorm_table_create_async, MODE_CREATE, job_create)

/**
 * dynamorm_table_create_finish:
 * @self: a #DynamormTable
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Table.create_async].
 *
 * Returns: %TRUE when the table is active
 */
DYNAMORM_DEFINE_CHECKED_FINISH_BOOLEAN (dynamorm_table_create_finish, DynamormTable,
                                        DYNAMORM_IS_TABLE, dynamorm_table_create_async)

/**
 * dynamorm_table_create:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates the table from the model's schema: its partition and sort key,
 * its global and local secondary indexes with the projections of the
 * options, billed on demand or by provisioned capacity, with a stream if
 * the options ask for one. Then waits until the table and its indexes are
 * active, and enables TTL when the model has a `ttl` property.
 *
 * An existing table is %DYNAMORM_ERROR_RESOURCE_IN_USE; a wait longer than
 * the options' timeout is %G_IO_ERROR_TIMED_OUT.
 *
 * Returns: %TRUE when the table is active
 */
DYNAMORM_DEFINE_BLOCKING (gboolean, dynamorm_table_create, DynamormTable, DYNAMORM_IS_TABLE,
                          FALSE, dynamorm_table_create_async, dynamorm_table_create_finish)

/* ---- ensure ---- */

static gboolean
keep_all (Difference *d, gpointer data)
{
  return TRUE;
}

static void migrate_plan (GTask *task, JsonObject *table);

static void
job_compare (GTask *task, JsonNode *description)
{
  DynamormTable *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GPtrArray) diffs = NULL;
  GError *error;

  if (job->mode == MODE_MIGRATE)
    {
      migrate_plan (task, json_node_get_object (description));
      return;
    }
  diffs = compare_with_model (self, job->schema, json_node_get_object (description));
  error = differences_error (self, job->name, diffs, keep_all, NULL);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
job_described (GTask *task, JsonNode *response, GError **error)
{
  Job *job = g_task_get_task_data (task);
  JsonNode *table;

  if (response == NULL)
    {
      if (is_error (*error, DYNAMORM_ERROR_RESOURCE_NOT_FOUND))
        job_create (task);
      else
        {
          g_prefix_error (error, _("Describing table “%s” failed: "), job->name);
          g_task_return_error (task, g_steal_pointer (error));
        }
      return;
    }
  table = described_table (task, response, job->name);
  if (table == NULL)
    return;
  {
    g_autofree char *what = NULL;

    if (table_is_active (json_node_get_object (table), &what))
      job_compare (task, table);
    else
      job_wait (task, FALSE, existing_waited);
  }
}

static void
job_describe (GTask *task)
{
  job_call (task, "DescribeTable", NULL, job_described);
}

/**
 * dynamorm_table_ensure_async:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the table is known to be right
 * @user_data: data for @callback
 *
 * Creates the table if it is missing, or checks it against the model; see
 * [method@Dynamorm.Table.ensure].
 */
DEFINE_JOB_ASYNC (dynamorm_table_ensure_async, MODE_ENSURE, job_describe)

/**
 * dynamorm_table_ensure_finish:
 * @self: a #DynamormTable
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Table.ensure_async].
 *
 * Returns: %TRUE if the table exists, is active and matches the model
 */
DYNAMORM_DEFINE_CHECKED_FINISH_BOOLEAN (dynamorm_table_ensure_finish, DynamormTable,
                                        DYNAMORM_IS_TABLE, dynamorm_table_ensure_async)

/**
 * dynamorm_table_ensure:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes sure the table exists and fits the model. A missing table is
 * created as [method@Dynamorm.Table.create] does. An existing table is
 * waited for until active, then its key schema, key attribute types and
 * secondary indexes (keys and projections) are compared with the model:
 * any difference is %DYNAMORM_ERROR_INVALID_MODEL, whose message lists
 * every difference, one per line. Nothing is changed on an existing table;
 * [method@Dynamorm.Table.migrate] does that.
 *
 * Returns: %TRUE if the table exists, is active and matches the model
 */
DYNAMORM_DEFINE_BLOCKING (gboolean, dynamorm_table_ensure, DynamormTable, DYNAMORM_IS_TABLE,
                          FALSE, dynamorm_table_ensure_async, dynamorm_table_ensure_finish)

/* ---- migrate ---- */

static gboolean
keep_blocking (Difference *d, gpointer data)
{
  gboolean drop = GPOINTER_TO_INT (data);

  return d->kind == DIFF_FATAL || (d->kind == DIFF_GSI_CHANGED && !drop);
}

static JsonNode *
build_index_update (const char *name, const char *action, JsonObject *spec, JsonArray *definitions)
{
  JsonObject *request, *update = json_object_new ();
  JsonNode *node = _dynamorm_table_request_new (name, &request);
  JsonArray *updates = json_array_new ();

  json_object_set_object_member (update, action, spec);
  json_array_add_object_element (updates, update);
  if (definitions)
    json_object_set_array_member (request, "AttributeDefinitions", definitions);
  json_object_set_array_member (request, "GlobalSecondaryIndexUpdates", updates);
  return node;
}

static void
add_step (Job *job, StepKind kind, const char *operation, JsonNode *request)
{
  Step *step = g_new0 (Step, 1);

  step->kind = kind;
  step->operation = operation;
  step->request = request;
  g_ptr_array_add (job->steps, step);
}

static gint
compare_steps (gconstpointer a, gconstpointer b)
{
  const Step *sa = *(const Step * const *) a, *sb = *(const Step * const *) b;

  return (int) sa->kind - (int) sb->kind;
}

static void migrate_run_step (GTask *task);

static void
migrate_start (GTask *task)
{
  Job *job = g_task_get_task_data (task);

  /* Deletes first (a changed index is dropped, then re-made), then creates,
   * stream and TTL; the sort is stable enough for that: kinds differ. */
  g_ptr_array_sort (job->steps, compare_steps);
  job_progress (job, 0, job->steps->len);
  migrate_run_step (task);
}

static void
migrate_ttl_described (GTask *task, JsonNode *response, GError **error)
{
  Job *job = g_task_get_task_data (task);
  JsonObject *description;
  const char *status, *attribute;

  if (response == NULL)
    {
      g_prefix_error (error, _("Reading the TTL settings of table “%s” failed: "), job->name);
      g_task_return_error (task, g_steal_pointer (error));
      return;
    }
  description = _dynamorm_table_member_object (json_node_get_object (response), "TimeToLiveDescription");
  status = _dynamorm_table_member_string (description, "TimeToLiveStatus");
  attribute = _dynamorm_table_member_string (description, "AttributeName");
  if (g_strcmp0 (status, "ENABLED") == 0 || g_strcmp0 (status, "ENABLING") == 0)
    {
      if (g_strcmp0 (attribute, job->schema->ttl->attribute) != 0)
        {
          g_task_return_new_error (task, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                                   _("Table “%s” has TTL on the attribute “%s”, but the model's ttl "
                                     "property is stored as “%s”; disable TTL on the table first "
                                     "(DynamoDB allows one TTL change per hour)"),
                                   job->name, or_none (attribute), job->schema->ttl->attribute);
          return;
        }
    }
  else
    add_step (job, STEP_TTL, "UpdateTimeToLive",
              build_ttl_request (job->name, job->schema->ttl->attribute, TRUE));
  migrate_start (task);
}

static void
migrate_plan (GTask *task, JsonObject *table)
{
  DynamormTable *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  DynamormTableOptions *o = self->options;
  g_autoptr(GPtrArray) diffs = compare_with_model (self, job->schema, table);
  GError *error = differences_error (self, job->name, diffs, keep_blocking, GINT_TO_POINTER (o->drop_indexes));
  guint64 read_units = 0, write_units = 0;
  JsonObject *billing = _dynamorm_table_member_object (table, "BillingModeSummary");
  JsonObject *throughput = _dynamorm_table_member_object (table, "ProvisionedThroughput");

  if (error)
    {
      g_prefix_error_literal (&error, _("The table cannot be migrated automatically: "));
      g_task_return_error (task, error);
      return;
    }

  /* New global indexes of a provisioned table need capacity of their own. */
  if (g_strcmp0 (_dynamorm_table_member_string (billing, "BillingMode"), "PAY_PER_REQUEST") != 0 &&
      throughput && json_object_get_int_member_with_default (throughput, "ReadCapacityUnits", 0) > 0)
    {
      read_units = o->provisioned ? o->read_units : (guint64) json_object_get_int_member (throughput, "ReadCapacityUnits");
      write_units = o->provisioned ? o->write_units : (guint64) json_object_get_int_member_with_default (throughput, "WriteCapacityUnits", 1);
    }

  job->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  for (guint i = 0; i < diffs->len; i++)
    {
      Difference *d = g_ptr_array_index (diffs, i);
      gboolean seen = FALSE;

      /* One index may have several differences: one step each. */
      for (guint j = 0; j < i; j++)
        seen |= g_strcmp0 (((Difference *) g_ptr_array_index (diffs, j))->index, d->index) == 0;
      if (seen || d->index == NULL)
        continue;

      if (d->kind == DIFF_GSI_EXTRA || d->kind == DIFF_GSI_CHANGED)
        {
          JsonObject *spec;

          if (!o->drop_indexes)
            continue;
          spec = json_object_new ();
          json_object_set_string_member (spec, "IndexName", d->index);
          add_step (job, STEP_DELETE_INDEX, "UpdateTable", build_index_update (job->name, "Delete", spec, NULL));
        }
      if (d->kind == DIFF_GSI_MISSING || d->kind == DIFF_GSI_CHANGED)
        {
          DynamormIndex *index = _dynamorm_schema_find_index (job->schema, d->index);
          g_autoptr(GHashTable) seen_defs = g_hash_table_new (g_str_hash, g_str_equal);
          JsonArray *definitions = json_array_new ();

          add_index_definitions (definitions, seen_defs, index);
          add_step (job, STEP_CREATE_INDEX, "UpdateTable",
                    build_index_update (job->name, "Create",
                                        index_spec (self, job->schema, index, read_units, write_units),
                                        definitions));
        }
    }

  if (o->stream_set)
    {
      JsonObject *current = _dynamorm_table_member_object (table, "StreamSpecification");
      gboolean enabled = current && json_object_get_boolean_member_with_default (current, "StreamEnabled", FALSE);
      const char *view = enabled ? _dynamorm_table_member_string (current, "StreamViewType") : NULL;

      if (g_strcmp0 (view, view_type_name (o->stream)) != 0)
        {
          JsonObject *request;
          JsonNode *node;

          /* A stream's view type cannot change in place: disable, then enable. */
          if (enabled)
            {
              node = _dynamorm_table_request_new (job->name, &request);
              json_object_set_object_member (request, "StreamSpecification", stream_spec (DYNAMORM_STREAM_VIEW_NONE));
              add_step (job, STEP_STREAM, "UpdateTable", node);
            }
          if (o->stream != DYNAMORM_STREAM_VIEW_NONE)
            {
              node = _dynamorm_table_request_new (job->name, &request);
              json_object_set_object_member (request, "StreamSpecification", stream_spec (o->stream));
              add_step (job, STEP_STREAM, "UpdateTable", node);
            }
        }
    }

  if (job->schema->ttl != NULL && o->ttl_enabled)
    {
      job_call (task, "DescribeTimeToLive", NULL, migrate_ttl_described);
      return;
    }
  migrate_start (task);
}

static void
migrate_step_waited (GTask *task, JsonNode *description, GError **error)
{
  Job *job = g_task_get_task_data (task);

  if (*error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (error));
      return;
    }
  job->step++;
  job_progress (job, job->step, job->steps->len);
  migrate_run_step (task);
}

static void
migrate_step_done (GTask *task, JsonNode *response, GError **error)
{
  Job *job = g_task_get_task_data (task);
  Step *step = g_ptr_array_index (job->steps, job->step);

  if (response == NULL)
    {
      g_prefix_error (error, _("Migrating table “%s” stopped after %u of %u steps (%s failed): "),
                      job->name, job->step, job->steps->len, step->operation);
      g_task_return_error (task, g_steal_pointer (error));
      return;
    }
  job_wait (task, FALSE, migrate_step_waited);
}

static void
migrate_run_step (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  Step *step;

  if (job->step >= job->steps->len)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  step = g_ptr_array_index (job->steps, job->step);
  job_call (task, step->operation, json_node_ref (step->request), migrate_step_done);
}

/**
 * dynamorm_table_migrate_async:
 * @self: a #DynamormTable
 * @progress: (nullable) (scope notified) (closure progress_data) (destroy progress_data_destroy):
 *   called after each step with (steps done, steps in all)
 * @progress_data: data for @progress
 * @progress_data_destroy: (nullable): frees @progress_data
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the table is in line with the model
 * @user_data: data for @callback
 *
 * Brings the table in line with the model; see
 * [method@Dynamorm.Table.migrate].
 */
void
dynamorm_table_migrate_async (DynamormTable        *self,
                              DynamormProgressFunc  progress,
                              gpointer              progress_data,
                              GDestroyNotify        progress_data_destroy,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (DYNAMORM_IS_TABLE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = job_new (self, MODE_MIGRATE, dynamorm_table_migrate_async, cancellable, callback, user_data);
  if (task == NULL)
    {
      if (progress_data_destroy)
        progress_data_destroy (progress_data);
      return;
    }
  job = g_task_get_task_data (task);
  job->progress = progress;
  job->progress_data = progress_data;
  job->progress_destroy = progress_data_destroy;
  job_describe (task);
}

/**
 * dynamorm_table_migrate_finish:
 * @self: a #DynamormTable
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Table.migrate_async].
 *
 * Returns: %TRUE if the table is now in line with the model
 */
DYNAMORM_DEFINE_CHECKED_FINISH_BOOLEAN (dynamorm_table_migrate_finish, DynamormTable,
                                        DYNAMORM_IS_TABLE, dynamorm_table_migrate_async)

/**
 * dynamorm_table_migrate:
 * @self: a #DynamormTable
 * @progress: (nullable) (scope call) (closure progress_data): called
 *   after each step with (steps done, steps in all)
 * @progress_data: data for @progress
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Brings an existing table in line with the model, one step at a time,
 * waiting after each until the table and its indexes are active again:
 *
 * - global secondary indexes the model declares and the table lacks are
 *   created (one `UpdateTable` each, as DynamoDB requires);
 * - with [method@Dynamorm.TableOptions.set_drop_indexes], global indexes
 *   the model no longer declares are deleted, and those whose key or
 *   projection changed are deleted and created again;
 * - the stream is changed when the options set one;
 * - TTL is enabled when the model has a `ttl` property.
 *
 * Differences DynamoDB cannot change on an existing table (the key schema,
 * a key attribute's type, local indexes), and changed global indexes when
 * dropping is not allowed, are %DYNAMORM_ERROR_INVALID_MODEL listing them
 * all, before any change is made. A missing table is created.
 *
 * Returns: %TRUE if the table is now in line with the model
 */
gboolean
dynamorm_table_migrate (DynamormTable         *self,
                        DynamormProgressFunc   progress,
                        gpointer               progress_data,
                        GCancellable          *cancellable,
                        GError               **error)
{
  g_auto(DynamormSyncWait) w = { 0 };

  g_return_val_if_fail (DYNAMORM_IS_TABLE (self), FALSE);

  _dynamorm_sync_wait_init (&w);
  dynamorm_table_migrate_async (self, progress, progress_data, NULL, cancellable, _dynamorm_sync_wait_cb, &w);
  return dynamorm_table_migrate_finish (self, _dynamorm_sync_wait_run (&w), error);
}

/* ---- wait until active ---- */

static void
job_wait_active (GTask *task)
{
  job_wait (task, FALSE, job_waited);
}

/**
 * dynamorm_table_wait_until_active_async:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the table is active
 * @user_data: data for @callback
 *
 * Waits until the table is active; see
 * [method@Dynamorm.Table.wait_until_active].
 */
DEFINE_JOB_ASYNC (dynamorm_table_wait_until_active_async, MODE_CREATE, job_wait_active)

/**
 * dynamorm_table_wait_until_active_finish:
 * @self: a #DynamormTable
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Table.wait_until_active_async].
 *
 * Returns: %TRUE when the table is active
 */
DYNAMORM_DEFINE_CHECKED_FINISH_BOOLEAN (dynamorm_table_wait_until_active_finish, DynamormTable,
                                        DYNAMORM_IS_TABLE,
                                        dynamorm_table_wait_until_active_async)

/**
 * dynamorm_table_wait_until_active:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Polls DescribeTable until the table and all its global secondary indexes
 * are `ACTIVE`. Cancelling @cancellable stops the wait at once
 * (%G_IO_ERROR_CANCELLED); waiting longer than the options' timeout is
 * %G_IO_ERROR_TIMED_OUT; a missing table is
 * %DYNAMORM_ERROR_RESOURCE_NOT_FOUND.
 *
 * Returns: %TRUE when the table is active
 */
DYNAMORM_DEFINE_BLOCKING (gboolean, dynamorm_table_wait_until_active, DynamormTable,
                          DYNAMORM_IS_TABLE, FALSE, dynamorm_table_wait_until_active_async,
                          dynamorm_table_wait_until_active_finish)

/* ---- describe ---- */

static void
describe_done (GTask *task, JsonNode *response, GError **error)
{
  Job *job = g_task_get_task_data (task);
  JsonNode *table;

  if (response == NULL)
    {
      if (is_error (*error, DYNAMORM_ERROR_RESOURCE_NOT_FOUND))
        g_prefix_error (error, _("Table “%s” does not exist (create it first: Table.create or "
                                 "Table.ensure): "), job->name);
      g_task_return_error (task, g_steal_pointer (error));
      return;
    }
  table = described_table (task, response, job->name);
  if (table != NULL)
    g_task_return_pointer (task, json_node_ref (table), (GDestroyNotify) json_node_unref);
}

static void
describe_start (GTask *task)
{
  job_call (task, "DescribeTable", NULL, describe_done);
}

/**
 * dynamorm_table_describe_async:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the description
 * @user_data: data for @callback
 *
 * Describes the table; see [method@Dynamorm.Table.describe].
 */
DEFINE_JOB_ASYNC (dynamorm_table_describe_async, MODE_CREATE, describe_start)

/**
 * dynamorm_table_describe_finish:
 * @self: a #DynamormTable
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Table.describe_async].
 *
 * Returns: (transfer full): the `Table` description, or %NULL on error
 */
DYNAMORM_DEFINE_CHECKED_FINISH_POINTER (JsonNode *, dynamorm_table_describe_finish,
                                        DynamormTable, DYNAMORM_IS_TABLE,
                                        dynamorm_table_describe_async)

/**
 * dynamorm_table_describe:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Describes the table as DynamoDB's DescribeTable does: its status, key
 * schema, attribute definitions, indexes, billing, stream, item count and
 * size. A missing table is %DYNAMORM_ERROR_RESOURCE_NOT_FOUND.
 *
 * Returns: (transfer full): the `Table` description, or %NULL on error
 */
DYNAMORM_DEFINE_BLOCKING (JsonNode *, dynamorm_table_describe, DynamormTable,
                          DYNAMORM_IS_TABLE, NULL, dynamorm_table_describe_async,
                          dynamorm_table_describe_finish)

/* ---- delete ---- */

static void
delete_done (GTask *task, JsonNode *response, GError **error)
{
  Job *job = g_task_get_task_data (task);

  if (response == NULL)
    {
      if (is_error (*error, DYNAMORM_ERROR_RESOURCE_NOT_FOUND))
        g_prefix_error (error, _("Table “%s” cannot be deleted because it does not exist: "), job->name);
      else
        g_prefix_error (error, _("Deleting table “%s” failed: "), job->name);
      g_task_return_error (task, g_steal_pointer (error));
      return;
    }
  job_wait (task, TRUE, job_waited);
}

static void
delete_start (GTask *task)
{
  job_call (task, "DeleteTable", NULL, delete_done);
}

/**
 * dynamorm_table_delete_async:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the table is gone
 * @user_data: data for @callback
 *
 * Deletes the table; see [method@Dynamorm.Table.delete].
 */
DEFINE_JOB_ASYNC (dynamorm_table_delete_async, MODE_CREATE, delete_start)

/**
 * dynamorm_table_delete_finish:
 * @self: a #DynamormTable
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Table.delete_async].
 *
 * Returns: %TRUE when the table is gone
 */
DYNAMORM_DEFINE_CHECKED_FINISH_BOOLEAN (dynamorm_table_delete_finish, DynamormTable,
                                        DYNAMORM_IS_TABLE, dynamorm_table_delete_async)

/**
 * dynamorm_table_delete:
 * @self: a #DynamormTable
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Deletes the table with all its items, and waits until DynamoDB no longer
 * knows it. A missing table is %DYNAMORM_ERROR_RESOURCE_NOT_FOUND.
 *
 * Returns: %TRUE when the table is gone
 */
DYNAMORM_DEFINE_BLOCKING (gboolean, dynamorm_table_delete, DynamormTable, DYNAMORM_IS_TABLE,
                          FALSE, dynamorm_table_delete_async, dynamorm_table_delete_finish)

/* ---- list ---- */

typedef struct {
  char *prefix;
  GStrvBuilder *names;
} List;

static void
list_free (List *list)
{
  g_free (list->prefix);
  g_strv_builder_unref (list->names);
  g_free (list);
}

static void list_page (GTask *task, const char *start);

static void
list_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  List *list = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);
  JsonArray *names;
  const char *last;

  if (response == NULL)
    {
      g_prefix_error (&error, _("Listing tables failed: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  names = _dynamorm_table_member_array (json_node_get_object (response), "TableNames");
  if (names == NULL)
    {
      g_task_return_new_error (task, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                               _("ListTables answered without TableNames"));
      return;
    }
  for (guint i = 0; i < json_array_get_length (names); i++)
    {
      JsonNode *e = json_array_get_element (names, i);
      const char *name = JSON_NODE_HOLDS_VALUE (e) ? json_node_get_string (e) : NULL;

      if (name != NULL && g_str_has_prefix (name, list->prefix))
        g_strv_builder_add (list->names, name);
    }
  last = _dynamorm_table_member_string (json_node_get_object (response), "LastEvaluatedTableName");
  if (last != NULL)
    list_page (task, last);
  else
    g_task_return_pointer (task, g_strv_builder_end (list->names), (GDestroyNotify) g_strfreev);
}

static void
list_page (GTask *task, const char *start)
{
  DynamormSession *session = g_task_get_source_object (task);
  JsonObject *request;
  JsonNode *node = _dynamorm_table_object_node_new (&request);

  if (start)
    json_object_set_string_member (request, "ExclusiveStartTableName", start);
  _dynamorm_table_call (session, task, "ListTables", node, list_cb);
}

/**
 * dynamorm_table_list_names_async:
 * @session: a #DynamormSession
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the names
 * @user_data: data for @callback
 *
 * Lists the session's tables; see [func@Dynamorm.Table.list_names].
 */
void
dynamorm_table_list_names_async (DynamormSession     *session,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  List *list;

  g_return_if_fail (DYNAMORM_IS_SESSION (session));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_table_list_names_async);
  list = g_new0 (List, 1);
  list->prefix = g_strdup (dynamorm_session_get_table_prefix (session));
  if (list->prefix == NULL)
    list->prefix = g_strdup ("");
  list->names = g_strv_builder_new ();
  g_task_set_task_data (task, list, (GDestroyNotify) list_free);
  list_page (task, NULL);
}

/**
 * dynamorm_table_list_names_finish:
 * @session: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [func@Dynamorm.Table.list_names_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the table names, or
 *   %NULL on error
 */
char **
dynamorm_table_list_names_finish (DynamormSession  *session,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);

  return _dynamorm_task_finish_pointer (session, result, dynamorm_table_list_names_async, error);
}

/**
 * dynamorm_table_list_names:
 * @session: a #DynamormSession
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the names of the tables that start with the session's table
 * prefix (all tables when it has none), following ListTables' pages, in
 * DynamoDB's order. The names are full names, prefix included.
 *
 * Returns: (transfer full) (array zero-terminated=1): the table names, or
 *   %NULL on error
 */
char **
dynamorm_table_list_names (DynamormSession  *session,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_auto(DynamormSyncWait) w = { 0 };

  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);

  _dynamorm_sync_wait_init (&w);
  dynamorm_table_list_names_async (session, cancellable, _dynamorm_sync_wait_cb, &w);
  return dynamorm_table_list_names_finish (session, _dynamorm_sync_wait_run (&w), error);
}

/* ------------------------------------------------------------------ */
/* The session's table calls: DynamormTable with default options (one
 * place builds CreateTable from a schema). They live here, above the
 * session, so that the session never calls the table. */

static DynamormTable *
table_for_type (DynamormSession *self, GType model_type, GError **error)
{
  /* Report schema mistakes before any request, as every operation does. */
  if (_dynamorm_schema_get (model_type, TRUE, error) == NULL)
    return NULL;
  return dynamorm_table_new (self, model_type, NULL);
}

typedef enum {
  TABLE_CREATE,
  TABLE_DELETE,
  TABLE_DESCRIBE,
} TableCall;

static void
table_call_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DynamormTable *table = DYNAMORM_TABLE (source);
  TableCall call = GPOINTER_TO_INT (g_task_get_task_data (task));
  GError *error = NULL;

  if (call == TABLE_DESCRIBE)
    {
      JsonNode *description = dynamorm_table_describe_finish (table, result, &error);

      if (description == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, description, (GDestroyNotify) json_node_unref);
      return;
    }
  if (call == TABLE_CREATE ? dynamorm_table_create_finish (table, result, &error)
                           : dynamorm_table_delete_finish (table, result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
table_call_async (DynamormSession     *self,
                  GType                model_type,
                  TableCall            call,
                  gpointer             source_tag,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(DynamormTable) table = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, GINT_TO_POINTER (call), NULL);
  table = table_for_type (self, model_type, &error);
  if (table == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (call == TABLE_CREATE)
    dynamorm_table_create_async (table, cancellable, table_call_cb, g_steal_pointer (&task));
  else if (call == TABLE_DELETE)
    dynamorm_table_delete_async (table, cancellable, table_call_cb, g_steal_pointer (&task));
  else
    dynamorm_table_describe_async (table, cancellable, table_call_cb, g_steal_pointer (&task));
}

/* The sync and async form of each call below, under its gi-docgen
 * comment: the sync form runs table_function on a table with default
 * options and returns its answer (fallback when the model type is not
 * one), the async form goes through table_call_async. */
#define DEFINE_TABLE_CALL(RetType, function, table_function, fallback)             \
  RetType                                                                        \
  function (DynamormSession *self, GType model_type, GCancellable *cancellable,  \
            GError **error)                                                      \
  {                                                                              \
    g_autoptr(DynamormTable) table = NULL;                                       \
                                                                                 \
    g_return_val_if_fail (DYNAMORM_IS_SESSION (self), fallback);                 \
                                                                                 \
    table = table_for_type (self, model_type, error);                            \
    return table ? table_function (table, cancellable, error) : fallback;        \
  }

#define DEFINE_TABLE_CALL_ASYNC(function, call)                                    \
  void                                                                           \
  function (DynamormSession *self, GType model_type, GCancellable *cancellable,  \
            GAsyncReadyCallback callback, gpointer user_data)                    \
  {                                                                              \
    g_return_if_fail (DYNAMORM_IS_SESSION (self));                               \
                                                                                 \
    table_call_async (self, model_type, call, function, cancellable, callback,   \
                      user_data);                                                \
  }

/**
 * dynamorm_session_create_table:
 * @self: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates the table of a model from its schema and waits until it is
 * active: its key, its global and local secondary indexes (projecting all
 * attributes), billed on demand, with TTL enabled when the model has a
 * `ttl` property. An existing table is %DYNAMORM_ERROR_RESOURCE_IN_USE.
 * For other options (projections, provisioned capacity, streams), and to
 * create only when missing, use [class@Dynamorm.Table].
 *
 * Returns: %TRUE on success
 */
DEFINE_TABLE_CALL (gboolean, dynamorm_session_create_table, dynamorm_table_create, FALSE)

/**
 * dynamorm_session_create_table_async:
 * @self: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the table is created
 * @user_data: data for @callback
 *
 * Creates the table of a model; see [method@Dynamorm.Session.create_table].
 */
DEFINE_TABLE_CALL_ASYNC (dynamorm_session_create_table_async, TABLE_CREATE)

/**
 * dynamorm_session_create_table_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.create_table_async].
 *
 * Returns: %TRUE on success
 */
DYNAMORM_DEFINE_FINISH_BOOLEAN (dynamorm_session_create_table_finish, DynamormSession,
                                dynamorm_session_create_table_async)

/**
 * dynamorm_session_delete_table:
 * @self: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Deletes the table of a model, with all its items, and waits until it is
 * gone.
 *
 * Returns: %TRUE on success
 */
DEFINE_TABLE_CALL (gboolean, dynamorm_session_delete_table, dynamorm_table_delete, FALSE)

/**
 * dynamorm_session_delete_table_async:
 * @self: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the table is deleted
 * @user_data: data for @callback
 *
 * Deletes the table of a model; see [method@Dynamorm.Session.delete_table].
 */
DEFINE_TABLE_CALL_ASYNC (dynamorm_session_delete_table_async, TABLE_DELETE)

/**
 * dynamorm_session_delete_table_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.delete_table_async].
 *
 * Returns: %TRUE on success
 */
DYNAMORM_DEFINE_FINISH_BOOLEAN (dynamorm_session_delete_table_finish, DynamormSession,
                                dynamorm_session_delete_table_async)

/**
 * dynamorm_session_describe_table:
 * @self: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Describes the table of a model, as DynamoDB's DescribeTable does: its
 * status, key schema, indexes, item count and size.
 *
 * Returns: (transfer full): the `Table` description, or %NULL on error
 */
DEFINE_TABLE_CALL (JsonNode *, dynamorm_session_describe_table, dynamorm_table_describe, NULL)

/**
 * dynamorm_session_describe_table_async:
 * @self: a #DynamormSession
 * @model_type: a #DynamormModel subtype
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the description
 * @user_data: data for @callback
 *
 * Describes the table of a model; see
 * [method@Dynamorm.Session.describe_table].
 */
DEFINE_TABLE_CALL_ASYNC (dynamorm_session_describe_table_async, TABLE_DESCRIBE)

/**
 * dynamorm_session_describe_table_finish:
 * @self: a #DynamormSession
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Session.describe_table_async].
 *
 * Returns: (transfer full): the `Table` description, or %NULL on error
 */
DYNAMORM_DEFINE_FINISH_POINTER (JsonNode *, dynamorm_session_describe_table_finish, DynamormSession,
                                dynamorm_session_describe_table_async)
