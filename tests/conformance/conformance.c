/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The backend conformance suite: DynamoDB behaviours written once as JSON
 * cases (cases/NAME.json) and run through dynamorm_backend_invoke() against
 * one backend: `--backend memory` (always) or `--backend local` (DynamoDB
 * Local at DYNAMORM_LOCAL_URI; every case is skipped when it is unset).
 *
 * A case file:
 *   { "tables": [CreateTable requests],  created before the first case
 *     "cases": [ { "name": "...", "note": "why", "steps": [STEP, ...] } ] }
 * Cases of a file run in order and share its tables (later cases may rely on
 * items earlier ones wrote). A STEP:
 *   { "op": "PutItem", "request": {...},
 *     "expect": {...}              response matched as a pattern (below), or
 *     "error": "ValidationException", "message": "text",
 *     "body": {...}                extra error-body members, as a pattern
 *     "local_message": "text"      DynamoDB Local's own wording (the service's
 *                                  is "message"); or
 *     "type_only_on_local": true   compare only the error type on Local
 *     "type_only": true            compare only the error type (the service's
 *                                  message holds unpredictable text)
 *     "unordered": ["Items"]       members whose arrays compare as multisets
 *     "skip_local": "reason"       Local does not implement this }
 * "$$" anywhere in a file is replaced by a per-run table-name prefix, and
 * "$BIG400K" by a string of 400 KB (for the item size limit).
 *
 * Patterns: an object matches when each of its members matches the actual
 * member (extra actual members are ignored, which is how volatile members
 * like CreationDateTime or TableArn are ignored); "$absent" asserts a member
 * is missing, "$any" that it is present; arrays match element by element
 * and must have the same length; SS/NS/BS arrays compare as sets; scalars
 * compare exactly (numbers by value). */
#include <dynamorm.h>
#include <string.h>

static const char *backend_name = "memory";
static DynamormBackend *backend;
static char *prefix;
static gboolean is_local;

/* ---- Matching ---- */

static gboolean match (JsonNode *pattern, JsonNode *actual, GString *path, GString *why, gboolean as_set);

static gboolean
match_array_as_multiset (JsonArray *pa, JsonArray *aa, GString *path, GString *why)
{
  guint n = json_array_get_length (pa);
  g_autofree gboolean *used = g_new0 (gboolean, n + 1);

  if (json_array_get_length (aa) != n)
    {
      g_string_append_printf (why, "%s: %u elements expected, %u found; ", path->str, n, json_array_get_length (aa));
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < n && !found; j++)
        {
          g_autoptr(GString) p = g_string_new (path->str);
          g_autoptr(GString) w = g_string_new (NULL);
          if (!used[j] && match (json_array_get_element (pa, i), json_array_get_element (aa, j), p, w, FALSE))
            used[j] = found = TRUE;
        }
      if (!found)
        {
          g_autofree char *t = json_to_string (json_array_get_element (pa, i), FALSE);
          g_string_append_printf (why, "%s: no element matches %s; ", path->str, t);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
match (JsonNode *pattern, JsonNode *actual, GString *path, GString *why, gboolean as_set)
{
  if (JSON_NODE_HOLDS_VALUE (pattern) && json_node_get_value_type (pattern) == G_TYPE_STRING &&
      g_str_equal (json_node_get_string (pattern), "$any"))
    return actual != NULL;
  if (actual == NULL)
    {
      g_string_append_printf (why, "%s: missing; ", path->str);
      return FALSE;
    }
  if (JSON_NODE_TYPE (pattern) != JSON_NODE_TYPE (actual))
    {
      g_autofree char *a = json_to_string (actual, FALSE);
      g_string_append_printf (why, "%s: %s found; ", path->str, a);
      return FALSE;
    }
  switch (JSON_NODE_TYPE (pattern))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *po = json_node_get_object (pattern), *ao = json_node_get_object (actual);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean ok = TRUE;

        json_object_iter_init (&iter, po);
        while (json_object_iter_next (&iter, &name, &member))
          {
            gsize len = path->len;
            JsonNode *am = json_object_get_member (ao, name);

            g_string_append_printf (path, ".%s", name);
            if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING &&
                g_str_equal (json_node_get_string (member), "$absent"))
              {
                if (am != NULL)
                  {
                    g_autofree char *a = json_to_string (am, FALSE);
                    g_string_append_printf (why, "%s: should be absent, is %s; ", path->str, a);
                    ok = FALSE;
                  }
              }
            else if (!match (member, am, path, why,
                             g_str_equal (name, "SS") || g_str_equal (name, "NS") || g_str_equal (name, "BS")))
              ok = FALSE;
            g_string_truncate (path, len);
          }
        return ok;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *pa = json_node_get_array (pattern), *aa = json_node_get_array (actual);
        gboolean ok = TRUE;

        if (as_set)
          return match_array_as_multiset (pa, aa, path, why);
        if (json_array_get_length (pa) != json_array_get_length (aa))
          {
            g_autofree char *a = json_to_string (actual, FALSE);
            g_string_append_printf (why, "%s: %u elements expected, found %s; ", path->str,
                                    json_array_get_length (pa), a);
            return FALSE;
          }
        for (guint i = 0; i < json_array_get_length (pa); i++)
          {
            gsize len = path->len;
            g_string_append_printf (path, "[%u]", i);
            if (!match (json_array_get_element (pa, i), json_array_get_element (aa, i), path, why, FALSE))
              ok = FALSE;
            g_string_truncate (path, len);
          }
        return ok;
      }
    case JSON_NODE_NULL:
      return TRUE;
    case JSON_NODE_VALUE:
    default:
      {
        GType pt = json_node_get_value_type (pattern), at = json_node_get_value_type (actual);
        gboolean ok;

        if ((pt == G_TYPE_INT64 || pt == G_TYPE_DOUBLE) && (at == G_TYPE_INT64 || at == G_TYPE_DOUBLE))
          ok = json_node_get_double (pattern) == json_node_get_double (actual);
        else if (pt != at)
          ok = FALSE;
        else if (pt == G_TYPE_STRING)
          ok = g_str_equal (json_node_get_string (pattern), json_node_get_string (actual));
        else if (pt == G_TYPE_BOOLEAN)
          ok = json_node_get_boolean (pattern) == json_node_get_boolean (actual);
        else
          ok = json_node_get_int (pattern) == json_node_get_int (actual);
        if (!ok)
          {
            g_autofree char *p = json_to_string (pattern, FALSE);
            g_autofree char *a = json_to_string (actual, FALSE);
            g_string_append_printf (why, "%s: expected %s, found %s; ", path->str, p, a);
          }
        return ok;
      }
    }
}

/* Items (or another member) whose order the service does not define. */
static gboolean
match_response (JsonObject *step, JsonNode *pattern, JsonNode *actual, GString *why)
{
  g_autoptr(GString) path = g_string_new ("response");
  JsonArray *unordered = json_object_has_member (step, "unordered")
                         ? json_object_get_array_member (step, "unordered") : NULL;
  gboolean ok = TRUE;

  if (unordered == NULL || !JSON_NODE_HOLDS_OBJECT (pattern) || !JSON_NODE_HOLDS_OBJECT (actual))
    return match (pattern, actual, path, why, FALSE);

  /* Compare the unordered members as multisets, the rest as usual. */
  {
    g_autoptr(JsonNode) rest = json_node_new (JSON_NODE_OBJECT);
    JsonObject *ro = json_object_new ();

    json_node_take_object (rest, ro);
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (pattern));
      while (json_object_iter_next (&iter, &name, &member))
        {
          gboolean is_unordered = FALSE;
          for (guint i = 0; i < json_array_get_length (unordered); i++)
            if (g_str_equal (json_array_get_string_element (unordered, i), name))
              is_unordered = TRUE;
          if (!is_unordered)
            json_object_set_member (ro, name, json_node_ref (member));
          else
            {
              JsonNode *am = json_object_get_member (json_node_get_object (actual), name);
              g_autoptr(GString) p = g_string_new ("response.");
              g_string_append (p, name);
              if (am == NULL || !JSON_NODE_HOLDS_ARRAY (am) || !JSON_NODE_HOLDS_ARRAY (member))
                {
                  g_string_append_printf (why, "%s: missing or not a list; ", p->str);
                  ok = FALSE;
                }
              else if (!match_array_as_multiset (json_node_get_array (member), json_node_get_array (am), p, why))
                ok = FALSE;
            }
        }
    }
    if (!match (rest, actual, path, why, FALSE))
      ok = FALSE;
  }
  return ok;
}

/* ---- Running ---- */

static const char *
error_type (JsonObject *body)
{
  const char *t = json_object_get_string_member_with_default (body, "__type", "");
  const char *hash = strrchr (t, '#');

  return hash ? hash + 1 : t;
}

static const char *
error_message (JsonObject *body)
{
  if (json_object_has_member (body, "message"))
    return json_object_get_string_member (body, "message");
  return json_object_get_string_member_with_default (body, "Message", NULL);
}

/* Runs one step; returns NULL when it behaved as expected, else why not. */
static char *
run_step (JsonObject *step)
{
  const char *op = json_object_get_string_member (step, "op");
  JsonNode *request = json_object_get_member (step, "request");
  const char *want_error = json_object_get_string_member_with_default (step, "error", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) resp = NULL;
  g_autoptr(GString) why = g_string_new (NULL);
  g_autofree char *req_text = json_to_string (request, FALSE);

  resp = dynamorm_backend_invoke (backend, op, request, NULL, &error);

  if (want_error == NULL)
    {
      if (resp == NULL)
        {
          JsonNode *body = dynamorm_error_get_response (error);
          g_autofree char *b = body ? json_to_string (body, FALSE) : g_strdup (error->message);
          return g_strdup_printf ("%s %s failed: %s", op, req_text, b);
        }
      if (json_object_has_member (step, "expect") &&
          !match_response (step, json_object_get_member (step, "expect"), resp, why))
        {
          g_autofree char *r = json_to_string (resp, FALSE);
          return g_strdup_printf ("%s %s answered %s: %s", op, req_text, r, why->str);
        }
      return NULL;
    }

  if (resp != NULL)
    {
      g_autofree char *r = json_to_string (resp, FALSE);
      return g_strdup_printf ("%s %s should fail with %s, answered %s", op, req_text, want_error, r);
    }
  {
    JsonNode *body_node = dynamorm_error_get_response (error);
    JsonObject *body;
    const char *want_message = json_object_get_string_member_with_default (step, "message", NULL);
    const char *type, *message;

    if (body_node == NULL || !JSON_NODE_HOLDS_OBJECT (body_node))
      return g_strdup_printf ("%s %s: error without a DynamoDB body: %s", op, req_text, error->message);
    body = json_node_get_object (body_node);
    type = error_type (body);
    message = error_message (body);
    if (!g_str_equal (type, want_error))
      return g_strdup_printf ("%s %s: %s expected, got %s: %s", op, req_text, want_error, type,
                              message ? message : "(no message)");
    if (is_local && json_object_has_member (step, "local_message"))
      want_message = json_object_get_string_member (step, "local_message");
    if (is_local && json_object_get_boolean_member_with_default (step, "type_only_on_local", FALSE))
      want_message = NULL;
    if (json_object_get_boolean_member_with_default (step, "type_only", FALSE))
      want_message = NULL;
    if (want_message != NULL && g_strcmp0 (want_message, message) != 0)
      return g_strdup_printf ("%s %s: %s message\n  expected: %s\n  got:      %s", op, req_text, type,
                              want_message, message ? message : "(none)");
    if (json_object_has_member (step, "body"))
      {
        g_autoptr(GString) path = g_string_new ("error");
        if (!match (json_object_get_member (step, "body"), body_node, path, why, FALSE))
          {
            g_autofree char *b = json_to_string (body_node, FALSE);
            return g_strdup_printf ("%s %s: error body %s: %s", op, req_text, b, why->str);
          }
      }
  }
  return NULL;
}

typedef struct {
  JsonObject *file;     /* the whole case file (owns the case) */
  JsonObject *kase;
  char *file_name;
  guint index;
} Case;

static void
case_free (gpointer data)
{
  Case *c = data;

  json_object_unref (c->file);
  g_free (c->file_name);
  g_free (c);
}

/* Tables of a file are created before its first case runs. */
static void
ensure_tables (JsonObject *file)
{
  JsonArray *tables;

  if (json_object_get_boolean_member_with_default (file, "_created", FALSE) ||
      !json_object_has_member (file, "tables"))
    return;
  json_object_set_boolean_member (file, "_created", TRUE);
  tables = json_object_get_array_member (file, "tables");
  for (guint i = 0; i < json_array_get_length (tables); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) resp = dynamorm_backend_invoke (backend, "CreateTable",
                                                          json_array_get_element (tables, i), NULL, &error);
      if (resp == NULL)
        g_error ("CreateTable of a fixture table failed: %s", error->message);
    }
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  JsonArray *steps = json_object_get_array_member (c->kase, "steps");
  const char *skip = json_object_get_string_member_with_default (c->kase, "skip_local", NULL);

  if (backend == NULL)
    {
      g_test_skip ("DYNAMORM_LOCAL_URI is not set: DynamoDB Local is not running");
      return;
    }
  if (is_local && skip != NULL)
    {
      g_test_skip (skip);
      return;
    }
  ensure_tables (c->file);
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      g_autofree char *failure = NULL;

      if (is_local && json_object_has_member (step, "skip_local"))
        continue;
      failure = run_step (step);
      if (failure != NULL)
        {
          g_test_message ("step %u of %s/%s: %s", i + 1, c->file_name,
                          json_object_get_string_member (c->kase, "name"), failure);
          g_test_fail ();
          return;
        }
    }
}

static void
drop_tables (GPtrArray *files)
{
  for (guint f = 0; backend != NULL && f < files->len; f++)
    {
      JsonObject *file = files->pdata[f];
      JsonArray *tables;

      if (!json_object_has_member (file, "tables"))
        continue;
      tables = json_object_get_array_member (file, "tables");
      for (guint i = 0; i < json_array_get_length (tables); i++)
        {
          JsonObject *t = json_array_get_object_element (tables, i);
          g_autoptr(JsonNode) req = json_node_new (JSON_NODE_OBJECT);
          g_autoptr(JsonObject) obj = json_object_new ();
          g_autoptr(JsonNode) resp = NULL;

          json_object_set_string_member (obj, "TableName", json_object_get_string_member (t, "TableName"));
          json_node_set_object (req, obj);
          g_autoptr(GError) error = NULL;

          /* (The http backends crash on a NULL error: pass one.) */
          resp = dynamorm_backend_invoke (backend, "DeleteTable", req, NULL, &error);
        }
    }
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static JsonObject *
load_file (const char *path)
{
  g_autofree char *text = NULL;
  g_autofree char *replaced = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) parts = NULL;

  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("%s", error->message);
  parts = g_strsplit (text, "$$", -1);
  replaced = g_strjoinv (prefix, parts);
  /* "$BIG400K": a string that makes any item exceed 400 KB. */
  if (strstr (replaced, "$BIG400K") != NULL)
    {
      g_autofree char *big = g_malloc (400 * 1024 + 1);
      g_auto(GStrv) pieces = g_strsplit (replaced, "$BIG400K", -1);

      memset (big, 'x', 400 * 1024);
      big[400 * 1024] = '\0';
      g_free (replaced);
      replaced = g_strjoinv (big, pieces);
    }
  if (!json_parser_load_from_data (parser, replaced, -1, &error))
    g_error ("%s: %s", path, error->message);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (case_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *case_dir = NULL;
  const char *name;
  int status;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--backend") && i + 1 < argc)
      backend_name = argv[i + 1];
  g_test_init (&argc, &argv, NULL);

  prefix = g_strdup_printf ("conf%08x_", g_random_int ());
  is_local = g_str_equal (backend_name, "local");
  if (is_local)
    {
      const char *uri = g_getenv ("DYNAMORM_LOCAL_URI");
      if (uri != NULL && *uri != '\0')
        {
          g_autoptr(GError) error = NULL;
          backend = dynamorm_backend_new_for_uri (uri, NULL, &error);
          if (backend == NULL)
            g_error ("%s: %s", uri, error->message);
        }
    }
  else
    {
      g_autoptr(GError) error = NULL;
      backend = dynamorm_backend_new_for_uri ("memory://", NULL, &error);
      if (backend == NULL)
        g_error ("memory://: %s", error->message);
    }

  case_dir = g_test_build_filename (G_TEST_DIST, "cases", NULL);
  dir = g_dir_open (case_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint f = 0; f < names->len; f++)
    {
      g_autofree char *path = g_build_filename (case_dir, names->pdata[f], NULL);
      g_autofree char *base = g_strndup (names->pdata[f], strlen (names->pdata[f]) - 5);
      JsonObject *file = load_file (path);
      JsonArray *list = json_object_get_array_member (file, "cases");

      g_ptr_array_add (files, file);
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          Case *c = g_new0 (Case, 1);
          g_autofree char *test_path = NULL;

          c->file = json_object_ref (file);
          c->kase = json_array_get_object_element (list, i);
          c->file_name = g_strdup (base);
          c->index = i;
          g_ptr_array_add (cases, c);
          test_path = g_strdup_printf ("/conformance/%s/%s", base,
                                       json_object_get_string_member (c->kase, "name"));
          g_test_add_data_func (test_path, c, run_case);
        }
    }

  status = g_test_run ();
  drop_tables (files);
  g_clear_object (&backend);
  g_free (prefix);
  return status;
}
