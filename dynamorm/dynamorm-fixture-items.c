/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-fixture-items.c: reading fixture item files (see
 * dynamorm-fixture-private.h). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ddb-json.h"
#include "dynamorm-error.h"
#include "dynamorm-fixture-private.h"

void
_dynamorm_fixture_item_free (gpointer data)
{
  DynamormFixtureItem *item = data;

  json_object_unref (item->item);
  g_free (item->origin);
  g_free (item);
}

/* ---- AttributeValue shapes ---- */

static gboolean check_value (JsonNode *value, const char *path, GString *problem);

static gboolean
all_strings (JsonNode *node)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
check_map (JsonObject *map, const char *path, GString *problem)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, map);
  while (json_object_iter_next (&iter, &name, &value))
    {
      g_autofree char *sub = path ? g_strdup_printf ("%s.%s", path, name) : g_strdup (name);
      if (!check_value (value, sub, problem))
        return FALSE;
    }
  return TRUE;
}

/* The payload of one typed AttributeValue. */
static gboolean
check_payload (const char *type, JsonNode *payload, const char *path, GString *problem)
{
  gboolean ok;

  if (g_str_equal (type, "S") || g_str_equal (type, "N") || g_str_equal (type, "B"))
    ok = is_string (payload);
  else if (g_str_equal (type, "BOOL"))
    ok = JSON_NODE_HOLDS_VALUE (payload) && json_node_get_value_type (payload) == G_TYPE_BOOLEAN;
  else if (g_str_equal (type, "NULL"))
    ok = JSON_NODE_HOLDS_VALUE (payload) && json_node_get_value_type (payload) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (payload);
  else if (g_str_equal (type, "SS") || g_str_equal (type, "NS") || g_str_equal (type, "BS"))
    ok = all_strings (payload);
  else if (g_str_equal (type, "M"))
    return JSON_NODE_HOLDS_OBJECT (payload)
           ? check_map (json_node_get_object (payload), path, problem)
           : (g_string_printf (problem, _("attribute “%s”: M must be a JSON object"), path), FALSE);
  else if (g_str_equal (type, "L"))
    {
      JsonArray *list;

      if (!JSON_NODE_HOLDS_ARRAY (payload))
        return g_string_printf (problem, _("attribute “%s”: L must be a JSON array"), path), FALSE;
      list = json_node_get_array (payload);
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          g_autofree char *sub = g_strdup_printf ("%s[%u]", path, i);
          if (!check_value (json_array_get_element (list, i), sub, problem))
            return FALSE;
        }
      return TRUE;
    }
  else
    return g_string_printf (problem, _("attribute “%s”: “%s” is not a DynamoDB type "
                                       "(S, N, B, BOOL, NULL, SS, NS, BS, L or M)"), path, type), FALSE;
  if (!ok)
    g_string_printf (problem, _("attribute “%s”: the %s value has the wrong JSON type "
                                "(S, N and B take a string, BOOL true or false, NULL true, "
                                "SS, NS and BS a list of strings)"), path, type);
  return ok;
}

static gboolean
check_value (JsonNode *value, const char *path, GString *problem)
{
  JsonObject *av;
  JsonObjectIter iter;
  const char *type;
  JsonNode *payload;

  if (!JSON_NODE_HOLDS_OBJECT (value) || json_object_get_size (json_node_get_object (value)) != 1)
    {
      g_string_printf (problem, _("attribute “%s” is not a DynamoDB JSON value: write it as "
                                  "{\"TYPE\": VALUE}, such as {\"S\": \"text\"} or {\"N\": \"42\"}"), path);
      return FALSE;
    }
  av = json_node_get_object (value);
  json_object_iter_init (&iter, av);
  json_object_iter_next (&iter, &type, &payload);
  return check_payload (type, payload, path, problem);
}

/* The key attributes are there, with their declared types. */
static gboolean
check_keys (JsonObject *item, const DynamormFixtureKey *keys, guint n_keys, GString *problem)
{
  for (guint i = 0; i < n_keys; i++)
    {
      JsonNode *value = json_object_get_member (item, keys[i].name);
      char type[2] = { keys[i].type, '\0' };

      if (value == NULL || !json_object_has_member (json_node_get_object (value), type))
        {
          g_string_printf (problem, _("the item needs the key attribute “%s” of type %s"),
                           keys[i].name, type);
          return FALSE;
        }
    }
  return TRUE;
}

/* An export line is {"Item": {...}}; a bare item is accepted too. */
static JsonObject *
unwrap_item (JsonNode *node)
{
  JsonObject *obj = json_node_get_object (node);
  JsonNode *inner = json_object_get_member (obj, "Item");

  if (json_object_get_size (obj) == 1 && inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
    return json_node_get_object (inner);
  return obj;
}

static gboolean
take_item (GPtrArray *items, JsonNode *node, const DynamormFixtureKey *keys, guint n_keys,
           const char *file_name, guint line, GError **error)
{
  g_autoptr(GString) problem = g_string_new (NULL);
  DynamormFixtureItem *entry;
  JsonObject *item;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    g_string_assign (problem, _("an item must be a JSON object, {\"Item\": {...}} as DynamoDB's "
                                "export writes it or the attributes themselves"));
  else if (check_map ((item = unwrap_item (node)), NULL, problem) && check_keys (item, keys, n_keys, problem))
    {
      entry = g_new0 (DynamormFixtureItem, 1);
      entry->item = json_object_ref (item);
      entry->origin = g_strdup_printf ("%s:%u", file_name, line);
      g_ptr_array_add (items, entry);
      return TRUE;
    }
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
               _("%s:%u: %s (nothing was read from this file)"), file_name, line, problem->str);
  return FALSE;
}

/* ---- The two file formats ---- */

static gboolean
read_lines (const char *text, GPtrArray *items, const DynamormFixtureKey *keys, guint n_keys,
            const char *file_name, GError **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (*g_strstrip (lines[i]) == '\0')
        continue;
      if (!ddb_json_load (parser, lines[i], -1, &local_error))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("%s:%u: not JSON (%s); write one item per line (nothing was read from this file)"),
                       file_name, i + 1, local_error->message);
          return FALSE;
        }
      if (!take_item (items, json_parser_get_root (parser), keys, n_keys, file_name, i + 1, error))
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  int depth;
  GArray *lines;   /* guint: the line where each top-level element ends */
} ArrayLines;

static void
on_start (JsonParser *parser, gpointer user_data)
{
  ((ArrayLines *) user_data)->depth++;
}

static void
on_end (JsonParser *parser, gpointer node, gpointer user_data)
{
  ((ArrayLines *) user_data)->depth--;
}

static void
on_element (JsonParser *parser, JsonArray *array, int index, gpointer user_data)
{
  ArrayLines *al = user_data;
  guint line = json_parser_get_current_line (parser);

  if (al->depth == 1)
    g_array_append_val (al->lines, line);
}

static gboolean
read_array (const char *text, GPtrArray *items, const DynamormFixtureKey *keys, guint n_keys,
            const char *file_name, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  ArrayLines al = { 0, g_array_new (FALSE, FALSE, sizeof (guint)) };
  JsonArray *array;
  gboolean ok = TRUE;

  g_signal_connect (parser, "object-start", G_CALLBACK (on_start), &al);
  g_signal_connect (parser, "array-start", G_CALLBACK (on_start), &al);
  g_signal_connect (parser, "object-end", G_CALLBACK (on_end), &al);
  g_signal_connect (parser, "array-end", G_CALLBACK (on_end), &al);
  g_signal_connect (parser, "array-element", G_CALLBACK (on_element), &al);
  if (!ddb_json_load (parser, text, -1, &local_error))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("%s: not JSON (%s) (nothing was read from this file)"), file_name, local_error->message);
      g_array_unref (al.lines);
      return FALSE;
    }
  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; ok && i < json_array_get_length (array); i++)
    ok = take_item (items, json_array_get_element (array, i), keys, n_keys, file_name,
                    i < al.lines->len ? g_array_index (al.lines, guint, i) : 0, error);
  g_array_unref (al.lines);
  return ok;
}

GPtrArray *
_dynamorm_fixture_read_items (GFile                    *file,
                              const DynamormFixtureKey *keys,
                              guint                     n_keys,
                              GCancellable             *cancellable,
                              GError                  **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (_dynamorm_fixture_item_free);
  g_autofree char *text = NULL;
  g_autofree char *file_name = g_file_get_parse_name (file);
  g_autoptr(GError) local_error = NULL;
  const char *start;
  gsize len;

  if (!g_file_load_contents (file, cancellable, &text, &len, NULL, &local_error))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The fixture file %s cannot be read: %s"), file_name, local_error->message);
      return NULL;
    }
  if (memchr (text, '\0', len) != NULL || !g_utf8_validate (text, len, NULL))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The fixture file %s is not UTF-8 text"), file_name);
      return NULL;
    }
  for (start = text; g_ascii_isspace (*start); start++)
    ;
  if (*start == '[' ? !read_array (text, items, keys, n_keys, file_name, error)
                    : !read_lines (text, items, keys, n_keys, file_name, error))
    return NULL;
  return g_steal_pointer (&items);
}
