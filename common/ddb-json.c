/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-json.c: nesting and escape pre-scan before parsing, and a generator
 * fix-up so that written JSON escapes every control character, and a
 * printer that writes trees (and, through ddb-packed.c, packed items)
 * straight into a GString. */
#include "config.h"

#include <math.h>
#include <string.h>
#include "ddb-json.h"

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The code unit of a \uXXXX escape at p (pointing at the backslash), or -1
 * when there is none. */
static int
unicode_escape_at (const char *p, const char *end)
{
  int v = 0;

  if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
    return -1;
  for (int i = 2; i < 6; i++)
    {
      int h = hex_value (p[i]);
      if (h < 0)
        return -1;
      v = v * 16 + h;
    }
  return v;
}

/* Checks the escape at p (the backslash) inside a string and returns how
 * many bytes it takes, or 0 with *check set when it is refused. Malformed
 * escapes are refused here too: json-glib 1.6 leaks the string it was
 * reading when its scanner meets one (found by fuzz-engine). */
static gsize
scan_escape (const char *p, const char *end, DdbJsonCheck *check)
{
  int unit = unicode_escape_at (p, end);

  if (unit < 0)
    {
      if (end - p >= 2 && p[1] != 'u' && p[1] != '\0' && strchr ("\"\\/bfnrt", p[1]) != NULL)
        return 2;
      *check = DDB_JSON_CHECK_BAD_ESCAPE;
      return 0;
    }
  if (unit == 0)
    {
      *check = DDB_JSON_CHECK_NUL;
      return 0;
    }
  if (unit >= 0xDC00 && unit <= 0xDFFF)
    {
      *check = DDB_JSON_CHECK_LONE_SURROGATE;
      return 0;
    }
  if (unit >= 0xD800 && unit <= 0xDBFF)
    {
      int low = unicode_escape_at (p + 6, end);
      if (low < 0xDC00 || low > 0xDFFF)
        {
          *check = DDB_JSON_CHECK_LONE_SURROGATE;
          return 0;
        }
      return 12;
    }
  return 6;
}

/* Whether c continues a top-level number or literal (true, false, null). */
static gboolean
is_scalar_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '+' || c == '.';
}

/* Moves *after past the number token at p; FALSE when it has a fraction or
 * exponent and is beyond a double's range: JsonParser and the plain reader
 * would read it as infinity, which JSON text cannot carry back (and which
 * no integer field converts to without undefined behaviour). */
static gboolean
number_in_range (const char *p, const char *end, const char **after)
{
  const char *q = p;
  gboolean is_double = FALSE;
  char buf[64];
  g_autofree char *heap = NULL;
  char *text;

  /* digits and signs, then from a '.', 'e' or 'E' on it reads as a double */
  for (; q < end && (g_ascii_isdigit (*q) || *q == '-' || *q == '+'); q++)
    ;
  for (; q < end && (g_ascii_isdigit (*q) || *q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E'); q++)
    is_double = TRUE;
  *after = q;
  if (!is_double)
    return TRUE;
  text = q - p < (gssize) sizeof buf ? buf : (heap = g_malloc (q - p + 1));
  memcpy (text, p, q - p);
  text[q - p] = '\0';
  return isfinite (g_ascii_strtod (text, NULL));
}

DdbJsonCheck
ddb_json_check (const char *data, gsize len, guint max_depth)
{
  const char *p = data, *end = data + len;
  DdbJsonCheck check = DDB_JSON_CHECK_OK;
  gboolean in_string = FALSE;
  gboolean started = FALSE;     /* the top-level value has begun */
  gboolean in_scalar = FALSE;   /* inside a top-level number or literal */
  guint depth = 0;

  while (p < end)
    {
      char c = *p;

      if (in_string)
        {
          if (c == '"')
            in_string = FALSE;
          else if (c == '\\')
            {
              gsize n = scan_escape (p, end, &check);
              if (n == 0)
                return check;
              p += n;
              continue;
            }
        }
      else if (depth == 0 && g_ascii_isspace (c))
        in_scalar = FALSE;
      else if (depth == 0 && !(in_scalar && is_scalar_char (c)))
        {
          /* json-glib 1.6 reads "{}{}" or "5{}" as one document and leaks
           * the first value: a second top-level value is refused here */
          if (started)
            return DDB_JSON_CHECK_TRAILING;
          started = TRUE;
          in_scalar = is_scalar_char (c);
          if (c == '-' || g_ascii_isdigit (c))
            {
              if (!number_in_range (p, end, &p))
                return DDB_JSON_CHECK_NUMBER_RANGE;
              continue;
            }
          in_string = c == '"';
          if (c == '[' || c == '{')
            depth = 1;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '-' || g_ascii_isdigit (c))
        {
          if (!number_in_range (p, end, &p))
            return DDB_JSON_CHECK_NUMBER_RANGE;
          continue;
        }
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return DDB_JSON_CHECK_TOO_DEEP;
        }
      else if (c == ']' || c == '}')
        depth--;
      p++;
    }
  return DDB_JSON_CHECK_OK;
}

const char *
ddb_json_check_describe (DdbJsonCheck check)
{
  switch (check)
    {
    case DDB_JSON_CHECK_TOO_DEEP:
      return "The JSON nests arrays and objects more deeply than DynamoDB allows";
    case DDB_JSON_CHECK_NUL:
      return "A JSON string contains the character U+0000, which this implementation cannot store";
    case DDB_JSON_CHECK_LONE_SURROGATE:
      return "A JSON string contains an unpaired UTF-16 surrogate escape, which is not a Unicode character";
    case DDB_JSON_CHECK_TRAILING:
      return "The JSON has more text after its top-level value";
    case DDB_JSON_CHECK_BAD_ESCAPE:
      return "A JSON string contains a backslash that does not start a valid escape sequence";
    case DDB_JSON_CHECK_NUMBER_RANGE:
      return "A JSON number is too large in magnitude to be read (beyond a double's range)";
    case DDB_JSON_CHECK_OK:
    default:
      return "The JSON is well-formed";
    }
}

static gboolean
too_deep (JsonNode *node, guint left)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      JsonNode *member;

      if (left == 0)
        return TRUE;
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, NULL, &member))
        if (too_deep (member, left - 1))
          return TRUE;
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      if (left == 0)
        return TRUE;
      for (guint i = 0; i < n; i++)
        if (too_deep (json_array_get_element (array, i), left - 1))
          return TRUE;
    }
  return FALSE;
}

gboolean
ddb_json_node_too_deep (JsonNode *node, guint max_depth)
{
  return node != NULL && too_deep (node, max_depth);
}

/* ---- Plain JSON without JsonParser ----
 *
 * JsonParser reads through a GScanner, one function call per character, and
 * emits a signal per member and element: on dynamorm-server it was most of
 * the CPU of a GetItem. This reader builds the same tree for text that is
 * plain RFC 8259 JSON (the text every SDK sends) -- the same node types
 * (integers as gint64, numbers with a fraction or exponent as double), members
 * set with json_object_set_member() in order, parents set, the root sealed --
 * and gives up (NULL) on anything else: comments, single quotes, leading
 * zeros, raw control characters, invalid UTF-8, empty member names, very long
 * integers, trailing commas. Those go to JsonParser as before, so what is
 * accepted or refused does not change. The text has passed ddb_json_check():
 * escapes are valid, surrogates paired, nesting bounded. */

typedef struct {
  const char *p;
  const char *end;
  GString *buf;
} PlainReader;

static JsonNode *plain_value (PlainReader *r);

static void
plain_skip_space (PlainReader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
    r->p++;
}

/* The code unit of the four hex digits at p (checked by ddb_json_check). */
static gunichar
plain_hex4 (const char *p)
{
  gunichar v = 0;

  for (int i = 0; i < 4; i++)
    v = v * 16 + hex_value (p[i]);
  return v;
}

/* Reads the string at r->p (its opening quote) into r->buf. */
static gboolean
plain_string (PlainReader *r)
{
  const char *p = r->p + 1;

  g_string_truncate (r->buf, 0);
  for (;;)
    {
      const char *start = p;

      while (p < r->end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
        p++;
      g_string_append_len (r->buf, start, p - start);
      if (p >= r->end || (guchar) *p < 0x20)
        return FALSE;
      if (*p == '"')
        break;
      switch (p[1])
        {
        case 'b': g_string_append_c (r->buf, '\b'); break;
        case 'f': g_string_append_c (r->buf, '\f'); break;
        case 'n': g_string_append_c (r->buf, '\n'); break;
        case 'r': g_string_append_c (r->buf, '\r'); break;
        case 't': g_string_append_c (r->buf, '\t'); break;
        case 'u':
          {
            gunichar unit = plain_hex4 (p + 2);

            if (unit >= 0xD800 && unit <= 0xDBFF)
              {
                unit = 0x10000 + ((unit - 0xD800) << 10) + (plain_hex4 (p + 8) - 0xDC00);
                p += 6;
              }
            g_string_append_unichar (r->buf, unit);
            p += 4;
            break;
          }
        default: g_string_append_c (r->buf, p[1]); break;
        }
      p += 2;
    }
  r->p = p + 1;
  return g_utf8_validate (r->buf->str, r->buf->len, NULL);
}

static const char *
plain_digits (const char *p, const char *end)
{
  while (p < end && g_ascii_isdigit (*p))
    p++;
  return p;
}

static JsonNode *
plain_number (PlainReader *r)
{
  const char *p = r->p, *digits;
  gboolean fraction = FALSE;
  char text[64];

  if (*p == '-')
    p++;
  if ((digits = plain_digits (p, r->end)) == p || (*p == '0' && digits > p + 1))
    return NULL;
  p = digits;
  if (p < r->end && *p == '.')
    {
      fraction = TRUE;
      if ((digits = plain_digits (p + 1, r->end)) == p + 1)
        return NULL;
      p = digits;
    }
  if (p < r->end && (*p == 'e' || *p == 'E'))
    {
      fraction = TRUE;
      p++;
      if (p < r->end && (*p == '+' || *p == '-'))
        p++;
      if ((digits = plain_digits (p, r->end)) == p)
        return NULL;
      p = digits;
    }
  /* gint64 holds every integer of 18 digits */
  if (p - r->p >= (fraction ? (gssize) sizeof text : 19))
    return NULL;
  memcpy (text, r->p, p - r->p);
  text[p - r->p] = '\0';
  r->p = p;
  return fraction ? json_node_init_double (json_node_alloc (), g_ascii_strtod (text, NULL))
                  : json_node_init_int (json_node_alloc (), g_ascii_strtoll (text, NULL, 10));
}

static JsonNode *
plain_literal (PlainReader *r)
{
  static const char *const words[] = { "true", "false", "null" };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      gsize n = strlen (words[i]);

      if ((gsize) (r->end - r->p) >= n && memcmp (r->p, words[i], n) == 0 &&
          (r->p + n == r->end || !g_ascii_isalnum (r->p[n])))
        {
          r->p += n;
          return i == 2 ? json_node_init_null (json_node_alloc ())
                        : json_node_init_boolean (json_node_alloc (), i == 0);
        }
    }
  return NULL;
}

/* After a member or element: TRUE at its container's close (consumed);
 * FALSE with *ok after a comma that another one follows. */
static gboolean
plain_next (PlainReader *r, char close, gboolean *ok)
{
  plain_skip_space (r);
  *ok = FALSE;
  if (r->p < r->end && *r->p == close)
    {
      r->p++;
      *ok = TRUE;
      return TRUE;
    }
  if (r->p >= r->end || *r->p != ',')
    return TRUE;
  r->p++;
  plain_skip_space (r);
  /* a trailing comma is JsonParser's to refuse */
  *ok = r->p < r->end && *r->p != close;
  return !*ok;
}

/* One "name": value member into object; FALSE to give up. */
static gboolean
plain_member (PlainReader *r, JsonNode *node, JsonObject *object)
{
  g_autofree char *name = NULL;
  JsonNode *member;

  plain_skip_space (r);
  if (r->p >= r->end || *r->p != '"' || !plain_string (r) || r->buf->len == 0)
    return FALSE;
  name = g_strndup (r->buf->str, r->buf->len);
  plain_skip_space (r);
  if (r->p >= r->end || *r->p != ':')
    return FALSE;
  r->p++;
  if ((member = plain_value (r)) == NULL)
    return FALSE;
  json_node_set_parent (member, node);
  json_object_set_member (object, name, member);
  return TRUE;
}

static JsonNode *
plain_object (PlainReader *r)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), NULL);
  JsonObject *object = json_object_new ();
  gboolean ok = TRUE;

  r->p++;
  plain_skip_space (r);
  if (r->p < r->end && *r->p == '}')
    r->p++;
  else
    while (plain_member (r, node, object) ? !plain_next (r, '}', &ok) : (ok = FALSE))
      ;
  json_node_take_object (node, object);
  if (!ok)
    g_clear_pointer (&node, json_node_unref);
  return node;
}

static JsonNode *
plain_array (PlainReader *r)
{
  JsonNode *node = json_node_init_array (json_node_alloc (), NULL);
  JsonArray *array = json_array_new ();
  JsonNode *element;
  gboolean ok = TRUE;

  r->p++;
  plain_skip_space (r);
  if (r->p < r->end && *r->p == ']')
    r->p++;
  else
    for (;;)
      {
        if ((element = plain_value (r)) == NULL)
          {
            ok = FALSE;
            break;
          }
        json_node_set_parent (element, node);
        json_array_add_element (array, element);
        if (plain_next (r, ']', &ok))
          break;
      }
  json_node_take_array (node, array);
  if (!ok)
    g_clear_pointer (&node, json_node_unref);
  return node;
}

static JsonNode *
plain_value (PlainReader *r)
{
  plain_skip_space (r);
  if (r->p >= r->end)
    return NULL;
  switch (*r->p)
    {
    case '{':
      return plain_object (r);
    case '[':
      return plain_array (r);
    case '"':
      return plain_string (r) ? json_node_init_string (json_node_alloc (), r->buf->str) : NULL;
    case 't': case 'f': case 'n':
      return plain_literal (r);
    default:
      return *r->p == '-' || g_ascii_isdigit (*r->p) ? plain_number (r) : NULL;
    }
}

/* The tree of data when it is plain JSON, sealed; NULL otherwise. */
static JsonNode *
plain_parse (const char *data, gsize len)
{
  PlainReader r = { data, data + len, g_string_sized_new (64) };
  JsonNode *root = plain_value (&r);

  plain_skip_space (&r);
  if (root != NULL && r.p != r.end)
    g_clear_pointer (&root, json_node_unref);
  g_string_free (r.buf, TRUE);
  if (root != NULL)
    json_node_seal (root);
  return root;
}

JsonNode *
ddb_json_parse (const char *data, gsize len, DdbJsonCheck *check_out, GError **error)
{
  return ddb_json_parse_text (data, len, check_out, NULL, error);
}

JsonNode *
ddb_json_parse_text (const char *data, gsize len, DdbJsonCheck *check_out, gboolean *plain_out, GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  DdbJsonCheck check = ddb_json_check (data, len, DDB_JSON_MAX_DEPTH);
  JsonNode *root;

  if (check_out != NULL)
    *check_out = check;
  if (plain_out != NULL)
    *plain_out = FALSE;
  if (check != DDB_JSON_CHECK_OK)
    return NULL;
  if ((root = plain_parse (data, len)) != NULL)
    {
      if (plain_out != NULL)
        *plain_out = TRUE;
      return root;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;
  return json_parser_steal_root (parser);
}

gboolean
ddb_json_load (JsonParser *parser, const char *data, gssize len, GError **error)
{
  gsize n = len < 0 ? strlen (data) : (gsize) len;
  DdbJsonCheck check = ddb_json_check (data, n, DDB_JSON_MAX_DEPTH);

  if (check != DDB_JSON_CHECK_OK)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           ddb_json_check_describe (check));
      return FALSE;
    }
  return json_parser_load_from_data (parser, data, n, error);
}

char *
ddb_json_to_string (JsonNode *node)
{
  /* not json_to_string(): json-glib 1.6 leaves U+001F raw and writes
   * 1e20 as "1e+20.0" */
  GString *out = g_string_sized_new (256);

  ddb_json_print (out, node, NULL, NULL);
  return g_string_free (out, FALSE);
}

/* ---- Writing without a generator ---- */

/* What each byte below 0x80 becomes inside a JSON string: 0 for itself,
 * a letter for a two-character escape, 'u' for \u00XX. */
static const char escape_table[128] = {
  'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
  'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
  0, 0, '"', [92] = '\\', [127] = 'u',
};

void
ddb_json_print_string (GString *out, const char *s, gssize len)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *p = (const guchar *) s;
  const guchar *end = p + (len < 0 ? strlen (s) : (gsize) len);
  const guchar *run = p;

  g_string_append_c (out, '"');
  for (; p < end; p++)
    {
      char e;

      if (*p >= 0x80 || (e = escape_table[*p]) == 0)
        continue;
      g_string_append_len (out, (const char *) run, p - run);
      if (e == 'u')
        {
          char u[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xf] };
          g_string_append_len (out, u, 6);
        }
      else
        {
          char two[2] = { '\\', e };
          g_string_append_len (out, two, 2);
        }
      run = p + 1;
    }
  g_string_append_len (out, (const char *) run, p - run);
  g_string_append_c (out, '"');
}

static void
print_value (GString *out, JsonNode *node)
{
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node));
        g_string_append (out, buf);
        /* As json-glib: a double stays a double ("1.0"), but never "1e+20.0". */
        if (strpbrk (buf, ".eEni") == NULL)
          g_string_append (out, ".0");
      }
      break;
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      break;
    case G_TYPE_STRING:
      ddb_json_print_string (out, json_node_get_string (node), -1);
      break;
    default:
      g_string_append (out, "null");
      break;
    }
}

void
ddb_json_print (GString *out, JsonNode *node, DdbJsonNullFunc null_func, gpointer user_data)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            ddb_json_print_string (out, name, -1);
            g_string_append_c (out, ':');
            ddb_json_print (out, member, null_func, user_data);
          }
        g_string_append_c (out, '}');
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            ddb_json_print (out, json_array_get_element (array, i), null_func, user_data);
          }
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_VALUE:
      print_value (out, node);
      break;
    case JSON_NODE_NULL:
      if (null_func == NULL || !null_func (out, node, user_data))
        g_string_append (out, "null");
      break;
    }
}
