/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ddb-json.h"
#include "dynamorm-error.h"
#include "dynamorm-fixture.h"
#include "dynamorm-fixture-private.h"
#include "dynamorm-model.h"
#include "dynamorm-private.h"

/**
 * DynamormFixture:
 *
 * Seed data for tests: tables and their items, read once from files and
 * loaded into a session in one call.
 *
 * Tables come from CreateTable-shaped JSON ([method@Dynamorm.Fixture.add_tables_from_file])
 * or from models ([method@Dynamorm.Fixture.add_model]); items come in
 * DynamoDB JSON, one item per line as DynamoDB's export to S3 writes them
 * (`{"Item": {"id": {"S": "u1"}, ...}}`), or as a JSON array of items
 * ([method@Dynamorm.Fixture.add_items_from_file]). A malformed line is
 * refused with the file, the line and what is wrong, and nothing of the
 * file is kept. [func@Dynamorm.Fixture.dump_table] writes a table back in
 * the same format.
 *
 * [method@Dynamorm.Fixture.load] creates the tables (names get the
 * session's table prefix) and writes the items with BatchWriteItem. It
 * works on every backend; when anything fails, the tables it created are
 * deleted again, so a failed load leaves nothing behind. With a
 * `memory://` backend, take a [class@Dynamorm.Snapshot] after loading to
 * reset between tests without loading again.
 */

typedef DynamormFixtureTableInfo FixtureTable;

struct _DynamormFixture
{
  GObject parent_instance;

  GPtrArray *tables;         /* FixtureTable*, in the order added */
};

G_DEFINE_FINAL_TYPE (DynamormFixture, dynamorm_fixture, G_TYPE_OBJECT)

static void
fixture_table_free (gpointer data)
{
  FixtureTable *table = data;

  g_free (table->name);
  g_clear_pointer (&table->create, json_object_unref);
  for (guint i = 0; i < table->n_keys; i++)
    g_free (table->keys[i].name);
  g_ptr_array_unref (table->items);
  g_free (table);
}

static void
dynamorm_fixture_finalize (GObject *object)
{
  g_ptr_array_unref (DYNAMORM_FIXTURE (object)->tables);
  G_OBJECT_CLASS (dynamorm_fixture_parent_class)->finalize (object);
}

static void
dynamorm_fixture_class_init (DynamormFixtureClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dynamorm_fixture_finalize;
}

static void
dynamorm_fixture_init (DynamormFixture *self)
{
  self->tables = g_ptr_array_new_with_free_func (fixture_table_free);
}

/**
 * dynamorm_fixture_new:
 *
 * Creates an empty fixture.
 *
 * Returns: (transfer full): a new #DynamormFixture
 */
DynamormFixture *
dynamorm_fixture_new (void)
{
  return g_object_new (DYNAMORM_TYPE_FIXTURE, NULL);
}

static FixtureTable *
find_table (DynamormFixture *self, const char *name)
{
  for (guint i = 0; i < self->tables->len; i++)
    {
      FixtureTable *table = self->tables->pdata[i];
      if (g_str_equal (table->name, name))
        return table;
    }
  return NULL;
}

static FixtureTable *
add_table (DynamormFixture *self, const char *name, GError **error)
{
  FixtureTable *table;

  if (find_table (self, name) != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The fixture has a table “%s” already"), name);
      return NULL;
    }
  table = g_new0 (FixtureTable, 1);
  table->name = g_strdup (name);
  table->items = g_ptr_array_new_with_free_func (_dynamorm_fixture_item_free);
  g_ptr_array_add (self->tables, table);
  return table;
}

/* ---- Tables from CreateTable JSON ---- */

static const char *
attribute_type (JsonObject *create, const char *name)
{
  JsonNode *defs = json_object_get_member (create, "AttributeDefinitions");
  JsonArray *array = defs && JSON_NODE_HOLDS_ARRAY (defs) ? json_node_get_array (defs) : NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *def = json_array_get_element (array, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (def) ? json_node_get_object (def) : NULL;

      if (obj != NULL && g_strcmp0 (json_object_get_string_member_with_default (obj, "AttributeName", NULL), name) == 0)
        return json_object_get_string_member_with_default (obj, "AttributeType", NULL);
    }
  return NULL;
}

/* KeySchema's attributes with their types, for checking items as they are
 * read. A schema the service would refuse is reported when loading. */
static void
read_key_schema (FixtureTable *table)
{
  JsonNode *ks = json_object_get_member (table->create, "KeySchema");
  JsonArray *array = ks && JSON_NODE_HOLDS_ARRAY (ks) ? json_node_get_array (ks) : NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array) && table->n_keys < 2; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const char *name = obj ? json_object_get_string_member_with_default (obj, "AttributeName", NULL) : NULL;
      const char *type = name ? attribute_type (table->create, name) : NULL;

      if (type == NULL || strlen (type) != 1)
        continue;
      table->keys[table->n_keys].name = g_strdup (name);
      table->keys[table->n_keys++].type = type[0];
    }
}

static gboolean
add_create_request (DynamormFixture *self, JsonNode *node, const char *file_name, guint index, GError **error)
{
  JsonObject *create = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *name = create ? json_object_get_string_member_with_default (create, "TableName", NULL) : NULL;
  FixtureTable *table;

  if (name == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("%s: table %u is not a CreateTable request with a TableName"), file_name, index + 1);
      return FALSE;
    }
  table = add_table (self, name, error);
  if (table == NULL)
    return FALSE;
  table->create = json_object_ref (create);
  read_key_schema (table);
  return TRUE;
}

/**
 * dynamorm_fixture_add_tables_from_file:
 * @self: a #DynamormFixture
 * @file: a JSON file: one CreateTable request, or an array of them
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Adds the tables described in @file, in the shape of CreateTable requests
 * (`TableName`, `KeySchema`, `AttributeDefinitions`, `BillingMode`,
 * indexes, ...). Nothing is added when the file cannot be used.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_fixture_add_tables_from_file (DynamormFixture  *self,
                                       GFile            *file,
                                       GCancellable     *cancellable,
                                       GError          **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *file_name = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  guint before;
  JsonNode *root;
  gsize len;

  g_return_val_if_fail (DYNAMORM_IS_FIXTURE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  file_name = g_file_get_parse_name (file);
  if (!g_file_load_contents (file, cancellable, &text, &len, NULL, &local_error) ||
      !ddb_json_load (parser, text, len, &local_error))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The table file %s cannot be read: %s"), file_name, local_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  before = self->tables->len;
  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);
      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!add_create_request (self, json_array_get_element (array, i), file_name, i, error))
          {
            g_ptr_array_set_size (self->tables, before);
            return FALSE;
          }
      return TRUE;
    }
  return add_create_request (self, root, file_name, 0, error);
}

/**
 * dynamorm_fixture_add_model:
 * @self: a #DynamormFixture
 * @model_type: a #DynamormModel subtype
 * @error: return location for a #GError
 *
 * Adds the table of @model_type, created from its schema as
 * [method@Dynamorm.Session.create_table] creates it.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_fixture_add_model (DynamormFixture  *self,
                            GType             model_type,
                            GError          **error)
{
  const DynamormSchema *schema;
  FixtureTable *table;

  g_return_val_if_fail (DYNAMORM_IS_FIXTURE (self), FALSE);
  g_return_val_if_fail (g_type_is_a (model_type, DYNAMORM_TYPE_MODEL), FALSE);

  schema = _dynamorm_schema_get (model_type, TRUE, error);
  if (schema == NULL)
    return FALSE;
  table = add_table (self, schema->table_name, error);
  if (table == NULL)
    return FALSE;
  table->model_type = model_type;
  table->keys[table->n_keys].name = g_strdup (schema->partition_key->attribute);
  table->keys[table->n_keys++].type = schema->partition_key->key_type;
  if (schema->sort_key != NULL)
    {
      table->keys[table->n_keys].name = g_strdup (schema->sort_key->attribute);
      table->keys[table->n_keys++].type = schema->sort_key->key_type;
    }
  return TRUE;
}

/**
 * dynamorm_fixture_add_items_from_file:
 * @self: a #DynamormFixture
 * @table_name: a table of the fixture, without the session's prefix
 * @file: the items: DynamoDB JSON, one item per line (`{"Item": {...}}` as
 *   DynamoDB's export to S3 writes it, or the bare item), or a JSON array
 *   of items
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads items for @table_name. Every item must be DynamoDB JSON and carry
 * the table's key attributes with their types. A malformed item is refused
 * with the file, the line and the problem, and no item of the file is
 * added.
 *
 * Returns: %TRUE on success
 */
gboolean
dynamorm_fixture_add_items_from_file (DynamormFixture  *self,
                                      const char       *table_name,
                                      GFile            *file,
                                      GCancellable     *cancellable,
                                      GError          **error)
{
  FixtureTable *table;
  g_autoptr(GPtrArray) items = NULL;

  g_return_val_if_fail (DYNAMORM_IS_FIXTURE (self), FALSE);
  g_return_val_if_fail (table_name != NULL, FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  table = find_table (self, table_name);
  if (table == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The fixture has no table “%s”: add its CreateTable JSON or its model "
                     "before its items"), table_name);
      return FALSE;
    }
  items = _dynamorm_fixture_read_items (file, table->keys, table->n_keys, cancellable, error);
  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (table->items, g_steal_pointer (&items->pdata[i]));
  g_ptr_array_set_free_func (items, NULL);
  return TRUE;
}

/**
 * dynamorm_fixture_get_item_count:
 * @self: a #DynamormFixture
 * @table_name: a table of the fixture
 *
 * Counts the items read for @table_name.
 *
 * Returns: the number of items, 0 for an unknown table
 */
guint
dynamorm_fixture_get_item_count (DynamormFixture *self,
                                 const char      *table_name)
{
  FixtureTable *table;

  g_return_val_if_fail (DYNAMORM_IS_FIXTURE (self), 0);
  g_return_val_if_fail (table_name != NULL, 0);

  table = find_table (self, table_name);
  return table != NULL ? table->items->len : 0;
}

/* Loading and unloading: checks, then one call on the fixture's tables,
 * under each function's gi-docgen comment:
 *
 *   DEFINE_TABLES_CALL (dynamorm_fixture_load, _dynamorm_fixture_load_tables)
 *
 * defines
 *
 *   gboolean
 *   dynamorm_fixture_load (DynamormFixture *self, DynamormSession *session,
 *                          GCancellable *cancellable, GError **error)
 *   {
 *     g_return_val_if_fail (DYNAMORM_IS_FIXTURE (self), FALSE);
 *     g_return_val_if_fail (DYNAMORM_IS_SESSION (session), FALSE);
 *     g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
 *
 *     return _dynamorm_fixture_load_tables (self->tables, session, cancellable, error);
 *   }
 */
#define DEFINE_TABLES_CALL(function, tables_function)                              \
  gboolean                                                                       \
  function (DynamormFixture *self, DynamormSession *session,                     \
            GCancellable *cancellable, GError **error)                           \
  {                                                                              \
    g_return_val_if_fail (DYNAMORM_IS_FIXTURE (self), FALSE);                    \
    g_return_val_if_fail (DYNAMORM_IS_SESSION (session), FALSE);                 \
    g_return_val_if_fail (error == NULL || *error == NULL, FALSE);               \
                                                                                 \
    return tables_function (self->tables, session, cancellable, error);          \
  }

/**
 * dynamorm_fixture_load:
 * @self: a #DynamormFixture
 * @session: the session to load into
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates the fixture's tables in @session (with the session's table
 * prefix) and writes their items. When a table cannot be created or an
 * item cannot be written, the error names the table or the item's file
 * and line, and the tables this call created are deleted again: nothing
 * is left half-loaded.
 *
 * Returns: %TRUE on success
 */
DEFINE_TABLES_CALL (dynamorm_fixture_load, _dynamorm_fixture_load_tables)

/**
 * dynamorm_fixture_unload:
 * @self: a #DynamormFixture
 * @session: the session the fixture was loaded into
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Deletes the fixture's tables from @session; tables that do not exist
 * are skipped. Tests against DynamoDB Local or dynamorm-server call this
 * in their teardown.
 *
 * Returns: %TRUE on success
 */
DEFINE_TABLES_CALL (dynamorm_fixture_unload, _dynamorm_fixture_unload_tables)
