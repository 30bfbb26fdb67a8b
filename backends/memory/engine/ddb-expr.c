/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-expr.c: lexer and recursive-descent parser for DynamoDB's expression
 * languages, with DynamoDB's validation order and messages.
 *
 * DynamoDB reports problems in a fixed order, which we reproduce (checked
 * against DynamoDB Local):
 *   1. the expression length, then syntax errors (the whole text is parsed
 *      first; "too many operators" also stops the parse);
 *   2. redundant parentheses;
 *   3. in text order: unknown functions, functions used where they are not
 *      allowed, reserved words, list indexes out of range, repeated update
 *      sections;
 *   4. in post-order (operands before their operator): undefined
 *      placeholders, operand counts, operand types of :values, BETWEEN
 *      bounds, IN operand count;
 *   5. path nesting depth, then overlapping or conflicting paths.
 * The parser records the first error of each class and reports the first
 * class that has one. */
#include "ddb-expr-private.h"
#include "ddb-error.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Environment                                                          */

DdbExprEnv *
ddb_expr_env_new (JsonObject *names, JsonObject *values)
{
  DdbExprEnv *env = g_new0 (DdbExprEnv, 1);

  env->names = names;
  env->values = values;
  return env;
}

/* Marks key of the names or values as used (the sets are made on first
 * use: most requests have no placeholders). */
static void
mark_used (GHashTable **used, const char *key)
{
  if (*used == NULL)
    *used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!g_hash_table_contains (*used, key))
    g_hash_table_add (*used, g_strdup (key));
}

void
ddb_expr_env_free (DdbExprEnv *env)
{
  if (env == NULL)
    return;
  g_clear_pointer (&env->used_names, g_hash_table_unref);
  g_clear_pointer (&env->used_values, g_hash_table_unref);
  g_free (env);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
check_unused (JsonObject *map, GHashTable *used, const char *what, GError **error)
{
  g_autoptr(GPtrArray) unused = NULL;
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;
  GString *s;

  if (map == NULL)
    return TRUE;
  unused = g_ptr_array_new ();
  json_object_iter_init (&iter, map);
  while (json_object_iter_next (&iter, &key, &node))
    if (used == NULL || !g_hash_table_contains (used, key))
      g_ptr_array_add (unused, (gpointer) key);
  if (unused->len == 0)
    return TRUE;

  /* DynamoDB lists the keys sorted. */
  g_ptr_array_sort (unused, compare_strings);
  s = g_string_new (NULL);
  g_string_append_printf (s, "Value provided in %s unused in expressions: keys: {", what);
  for (guint i = 0; i < unused->len; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, unused->pdata[i]);
    }
  g_string_append_c (s, '}');
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, s->str);
  g_string_free (s, TRUE);
  return FALSE;
}

gboolean
ddb_expr_env_check_unused (DdbExprEnv *env, GError **error)
{
  g_return_val_if_fail (env != NULL, FALSE);

  return check_unused (env->names, env->used_names, "ExpressionAttributeNames", error) &&
         check_unused (env->values, env->used_values, "ExpressionAttributeValues", error);
}

static gboolean
placeholder_key_valid (const char *key, char sigil)
{
  if (key[0] != sigil || key[1] == '\0')
    return FALSE;
  for (const char *p = key + 1; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
check_map_keys (JsonObject *map, const char *what, char sigil, GError **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  if (map == NULL)
    return TRUE;
  if (json_object_get_size (map) == 0)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION, "%s must not be empty", what);
      return FALSE;
    }
  json_object_iter_init (&iter, map);
  while (json_object_iter_next (&iter, &key, &node))
    {
      gsize len = strlen (key);

      if (len > DDB_EXPR_MAX_PLACEHOLDER)
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "%s contains invalid key: The expression attribute map contains "
                       "a key that is too long; size of key: %" G_GSIZE_FORMAT, what, len);
          return FALSE;
        }
      if (!placeholder_key_valid (key, sigil))
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "%s contains invalid key: Syntax error; key: \"%s\"", what, key);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ddb_expr_env_validate (DdbExprEnv *env, GError **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  g_return_val_if_fail (env != NULL, FALSE);

  if (!check_map_keys (env->names, "ExpressionAttributeNames", '#', error) ||
      !check_map_keys (env->values, "ExpressionAttributeValues", ':', error))
    return FALSE;

  if (env->names)
    {
      json_object_iter_init (&iter, env->names);
      while (json_object_iter_next (&iter, &key, &node))
        {
          const char *name = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;

          if (name == NULL)
            {
              g_set_error (error, DDB_ERROR, DDB_ERROR_SERIALIZATION,
                           "Unexpected value type in ExpressionAttributeNames for key %s", key);
              return FALSE;
            }
          if (name[0] == '\0')
            {
              g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                           "ExpressionAttributeNames contains invalid value: Empty attribute name for key %s", key);
              return FALSE;
            }
          if (strlen (name) > DDB_EXPR_MAX_NAME)
            {
              g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                           "ExpressionAttributeNames contains invalid value: Attribute name is too large, "
                           "must be less than 65536 bytes for key %s", key);
              return FALSE;
            }
        }
    }
  if (env->values)
    {
      json_object_iter_init (&iter, env->values);
      while (json_object_iter_next (&iter, &key, &node))
        {
          g_autoptr(GError) local = NULL;

          if (!ddb_value_validate (node, &local))
            {
              if (local->code != DDB_ERROR_VALIDATION)
                {
                  g_propagate_error (error, g_steal_pointer (&local));
                  return FALSE;
                }
              g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                           "ExpressionAttributeValues contains invalid value: %s for key %s",
                           local->message, key);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Paths                                                                */

static DdbPath *
path_new (void)
{
  DdbPath *path = g_new (DdbPath, 1);

  path->elements = g_array_sized_new (FALSE, FALSE, sizeof (DdbPathElement), 2);
  return path;
}

void
ddb_path_free (DdbPath *path)
{
  if (path == NULL)
    return;
  for (guint i = 0; i < path->elements->len; i++)
    g_free (g_array_index (path->elements, DdbPathElement, i).name);
  g_array_unref (path->elements);
  g_free (path);
}

JsonNode *
ddb_path_lookup (const DdbPath *path, JsonObject *item)
{
  JsonNode *node = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (item == NULL)
    return NULL;
  for (guint i = 0; i < path->elements->len; i++)
    {
      const DdbPathElement *el = &g_array_index (path->elements, DdbPathElement, i);

      if (i == 0)
        node = json_object_get_member (item, el->name);
      else
        {
          JsonNode *member = ddb_value_get_member (node);
          DdbType type = ddb_value_type (node);

          if (el->name != NULL)
            {
              if (type != DDB_TYPE_M)
                return NULL;
              node = json_object_get_member (json_node_get_object (member), el->name);
            }
          else
            {
              JsonArray *array;

              if (type != DDB_TYPE_L)
                return NULL;
              array = json_node_get_array (member);
              if (el->index < 0 || (guint) el->index >= json_array_get_length (array))
                return NULL;
              node = json_array_get_element (array, el->index);
            }
        }
      if (node == NULL)
        return NULL;
    }
  return node;
}

char *
ddb_path_to_string (const DdbPath *path)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < path->elements->len; i++)
    {
      const DdbPathElement *el = &g_array_index (path->elements, DdbPathElement, i);

      if (i > 0)
        g_string_append (s, ", ");
      if (el->name)
        g_string_append (s, el->name);
      else
        g_string_append_printf (s, "[%d]", el->index);
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* 0: disjoint; 1: one is a prefix of the other (overlap); 2: conflict
 * (same prefix, then a map key against a list index). */
static int
paths_overlap (const DdbPath *a, const DdbPath *b)
{
  guint n = MIN (a->elements->len, b->elements->len);

  for (guint i = 0; i < n; i++)
    {
      const DdbPathElement *x = &g_array_index (a->elements, DdbPathElement, i);
      const DdbPathElement *y = &g_array_index (b->elements, DdbPathElement, i);

      if ((x->name == NULL) != (y->name == NULL))
        return 2;
      if (x->name ? strcmp (x->name, y->name) != 0 : x->index != y->index)
        return 0;
    }
  return 1;
}

/* Checks a list of paths (in text order) for DynamoDB's overlap rules. */
static gboolean
check_paths (GPtrArray *paths, GError **error)
{
  for (guint i = 0; i < paths->len; i++)
    {
      const DdbPath *p = paths->pdata[i];

      if (p->elements->len > DDB_EXPR_MAX_PATH_DEPTH)
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "The document path has too many nesting levels; nesting levels: %u",
                       p->elements->len);
          return FALSE;
        }
    }
  /* Quadratic, but expressions are at most 4 KB. */
  for (guint j = 1; j < paths->len; j++)
    for (guint i = 0; i < j; i++)
      {
        int o = paths_overlap (paths->pdata[i], paths->pdata[j]);

        if (o != 0)
          {
            g_autofree char *one = ddb_path_to_string (paths->pdata[i]);
            g_autofree char *two = ddb_path_to_string (paths->pdata[j]);

            g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                         "Two document paths %s with each other; must remove or rewrite one of "
                         "these paths; path one: %s, path two: %s",
                         o == 1 ? "overlap" : "conflict", one, two);
            return FALSE;
          }
      }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Lexer                                                                */

typedef enum {
  TOK_EOF,
  TOK_ERROR,      /* a character no token starts with */
  TOK_IDENT,
  TOK_NUMBER,     /* list index digits: "0" or [1-9][0-9]* */
  TOK_NAME_PH,    /* #name */
  TOK_VALUE_PH,   /* :value */
  TOK_EQ, TOK_NE, TOK_LT, TOK_LE, TOK_GT, TOK_GE,
  TOK_LPAREN, TOK_RPAREN, TOK_LBRACKET, TOK_RBRACKET,
  TOK_COMMA, TOK_DOT, TOK_PLUS, TOK_MINUS,
  /* Keywords, case-insensitive. */
  TOK_AND, TOK_OR, TOK_NOT, TOK_BETWEEN, TOK_IN,
  TOK_SET, TOK_REMOVE, TOK_ADD, TOK_DELETE,
} TokType;

typedef struct {
  TokType type;
  gsize start, end;
} Token;

static const struct {
  const char *word;
  TokType type;
} keywords[] = {
  { "AND", TOK_AND }, { "OR", TOK_OR }, { "NOT", TOK_NOT }, { "BETWEEN", TOK_BETWEEN },
  { "IN", TOK_IN }, { "SET", TOK_SET }, { "REMOVE", TOK_REMOVE }, { "ADD", TOK_ADD },
  { "DELETE", TOK_DELETE },
};

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static Token
lex_at (const char *text, gsize len, gsize pos)
{
  Token t = { TOK_EOF, pos, pos };
  gsize p;
  char c;

  while (pos < len && is_space (text[pos]))
    pos++;
  t.start = t.end = pos;
  if (pos >= len)
    return t;

  c = text[pos];
  p = pos + 1;
  if (g_ascii_isalpha (c))
    {
      while (p < len && is_word_char (text[p]))
        p++;
      t.type = TOK_IDENT;
      for (gsize i = 0; i < G_N_ELEMENTS (keywords); i++)
        if (strlen (keywords[i].word) == p - pos &&
            g_ascii_strncasecmp (text + pos, keywords[i].word, p - pos) == 0)
          t.type = keywords[i].type;
    }
  else if (g_ascii_isdigit (c))
    {
      if (c != '0')
        while (p < len && g_ascii_isdigit (text[p]))
          p++;
      t.type = TOK_NUMBER;
    }
  else if ((c == '#' || c == ':') && p < len && is_word_char (text[p]))
    {
      while (p < len && is_word_char (text[p]))
        p++;
      t.type = c == '#' ? TOK_NAME_PH : TOK_VALUE_PH;
    }
  else
    {
      switch (c)
        {
        case '=': t.type = TOK_EQ; break;
        case '<':
          if (p < len && text[p] == '>')
            p++, t.type = TOK_NE;
          else if (p < len && text[p] == '=')
            p++, t.type = TOK_LE;
          else
            t.type = TOK_LT;
          break;
        case '>':
          if (p < len && text[p] == '=')
            p++, t.type = TOK_GE;
          else
            t.type = TOK_GT;
          break;
        case '(': t.type = TOK_LPAREN; break;
        case ')': t.type = TOK_RPAREN; break;
        case '[': t.type = TOK_LBRACKET; break;
        case ']': t.type = TOK_RBRACKET; break;
        case ',': t.type = TOK_COMMA; break;
        case '.': t.type = TOK_DOT; break;
        case '+': t.type = TOK_PLUS; break;
        case '-': t.type = TOK_MINUS; break;
        default:
          /* One whole UTF-8 character, as DynamoDB quotes it. */
          t.type = TOK_ERROR;
          if ((guchar) c >= 0xc0)
            while (p < len && ((guchar) text[p] & 0xc0) == 0x80)
              p++;
          break;
        }
    }
  t.end = p;
  return t;
}

/* ------------------------------------------------------------------ */
/* Parser state                                                         */

typedef enum {
  KIND_CONDITION,
  KIND_FILTER,
  KIND_KEY,
  KIND_UPDATE,
  KIND_PROJECTION,
} ExprKind;

static const char *const kind_names[] = {
  [KIND_CONDITION] = "ConditionExpression",
  [KIND_FILTER] = "FilterExpression",
  [KIND_KEY] = "KeyConditionExpression",
  [KIND_UPDATE] = "UpdateExpression",
  [KIND_PROJECTION] = "ProjectionExpression",
};

/* Error classes, in the order DynamoDB reports them. */
enum {
  ERR_PARENS,
  ERR_TEXT_ORDER,
  ERR_POST_ORDER,
  N_ERR_CLASSES
};

/* Where a function call appears. */
typedef enum {
  CTX_CONDITION,      /* as a condition in a condition expression */
  CTX_COND_OPERAND,   /* as an operand in a condition expression */
  CTX_SET_TOP,        /* the value of a SET action */
  CTX_SET_NESTED,     /* inside a function or + - of a SET value */
} FuncContext;

typedef enum {
  FUNC_UNKNOWN,
  FUNC_ATTRIBUTE_EXISTS,
  FUNC_ATTRIBUTE_NOT_EXISTS,
  FUNC_ATTRIBUTE_TYPE,
  FUNC_BEGINS_WITH,
  FUNC_CONTAINS,
  FUNC_SIZE,
  FUNC_LIST_APPEND,
  FUNC_IF_NOT_EXISTS,
} FuncId;

static const struct {
  const char *name;
  FuncId id;
  guint nargs;
} functions[] = {
  { "attribute_exists", FUNC_ATTRIBUTE_EXISTS, 1 },
  { "attribute_not_exists", FUNC_ATTRIBUTE_NOT_EXISTS, 1 },
  { "attribute_type", FUNC_ATTRIBUTE_TYPE, 2 },
  { "begins_with", FUNC_BEGINS_WITH, 2 },
  { "contains", FUNC_CONTAINS, 2 },
  { "size", FUNC_SIZE, 1 },
  { "list_append", FUNC_LIST_APPEND, 2 },
  { "if_not_exists", FUNC_IF_NOT_EXISTS, 2 },
};

typedef struct {
  const char *text;
  gsize len;
  ExprKind kind;
  DdbExprEnv *env;
  Token prev, cur;
  gboolean have_prev;
  gboolean failed;             /* a syntax (or fatal) error was set */
  GError *fatal;
  GError *deferred[N_ERR_CLASSES];
  guint operators;
  guint depth;
  GPtrArray *paths;            /* every path parsed, owned */
} Parser;

/* Deep nesting of parentheses, NOT and functions would otherwise recurse
 * without bound; DynamoDB's operator limit keeps real expressions far
 * below this. */
#define MAX_DEPTH 400

static void
advance (Parser *p)
{
  p->prev = p->cur;
  p->have_prev = TRUE;
  p->cur = lex_at (p->text, p->len, p->cur.end);
}

static void
set_fatal (Parser *p, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
set_fatal (Parser *p, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  if (p->failed)
    return;
  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  p->fatal = g_error_new (DDB_ERROR, DDB_ERROR_VALIDATION, "Invalid %s: %s", kind_names[p->kind], msg);
  p->failed = TRUE;
}

/* A syntax error at the current token.  DynamoDB quotes the offending token
 * and, as "near", the text from the start of the previous token to the end
 * of the next one. */
static void
syntax_error (Parser *p)
{
  g_autofree char *token = NULL, *near = NULL;
  gsize from, to;
  Token next;

  if (p->failed)
    return;
  if (p->cur.type == TOK_EOF)
    token = g_strdup ("<EOF>");
  else
    token = g_strndup (p->text + p->cur.start, p->cur.end - p->cur.start);
  from = p->have_prev ? p->prev.start : 0;
  if (p->cur.type == TOK_EOF)
    to = p->len;
  else
    {
      next = lex_at (p->text, p->len, p->cur.end);
      to = next.type == TOK_EOF ? p->len : next.end;
    }
  near = g_strndup (p->text + from, to - from);
  set_fatal (p, "Syntax error; token: \"%s\", near: \"%s\"", token, near);
}

static void
defer_error (Parser *p, int klass, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
defer_error (Parser *p, int klass, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  if (p->deferred[klass] != NULL)
    return;
  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  p->deferred[klass] = g_error_new (DDB_ERROR, DDB_ERROR_VALIDATION, "Invalid %s: %s",
                                    kind_names[p->kind], msg);
}

static gboolean
expect (Parser *p, TokType type)
{
  if (p->failed)
    return FALSE;
  if (p->cur.type != type)
    {
      syntax_error (p);
      return FALSE;
    }
  advance (p);
  return TRUE;
}

static void
count_operator (Parser *p)
{
  if (++p->operators > DDB_EXPR_MAX_OPERATORS)
    set_fatal (p, "The expression contains too many operators; operator count: %u", p->operators);
}

static gboolean
enter (Parser *p)
{
  if (++p->depth > MAX_DEPTH)
    {
      set_fatal (p, "The expression has redundant parentheses;");
      return FALSE;
    }
  return TRUE;
}

static void
leave (Parser *p)
{
  p->depth--;
}

/* Sets *out to the first error in DynamoDB's order; TRUE if there was none. */
static gboolean
parser_finish (Parser *p, GError **error)
{
  if (p->fatal)
    {
      g_propagate_error (error, g_steal_pointer (&p->fatal));
      return FALSE;
    }
  for (int i = 0; i < N_ERR_CLASSES; i++)
    if (p->deferred[i])
      {
        g_propagate_error (error, g_steal_pointer (&p->deferred[i]));
        return FALSE;
      }
  return TRUE;
}

static void
parser_clear (Parser *p)
{
  g_clear_error (&p->fatal);
  for (int i = 0; i < N_ERR_CLASSES; i++)
    g_clear_error (&p->deferred[i]);
  g_clear_pointer (&p->paths, g_ptr_array_unref);
}

static gboolean
parser_init (Parser *p, const char *text, ExprKind kind, DdbExprEnv *env, GError **error)
{
  memset (p, 0, sizeof *p);
  p->text = text;
  p->len = strlen (text);
  p->kind = kind;
  p->env = env;
  p->paths = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_path_free);

  if (p->len > DDB_EXPR_MAX_LENGTH)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "Invalid %s: Expression size has exceeded the maximum allowed size;", kind_names[kind]);
      return FALSE;
    }
  if (p->len == 0)
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                   "Invalid %s: The expression can not be empty;", kind_names[kind]);
      return FALSE;
    }
  p->cur = lex_at (p->text, p->len, 0);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Operands                                                             */

void
ddb_operand_free (DdbOperand *op)
{
  if (op == NULL)
    return;
  /* Paths are owned by the expression's path list. */
  if (op->value)
    json_node_unref (op->value);
  ddb_operand_free (op->args[0]);
  ddb_operand_free (op->args[1]);
  g_free (op);
}

static DdbOperand *
operand_new (DdbOperandKind kind)
{
  DdbOperand *op = g_new0 (DdbOperand, 1);

  op->kind = kind;
  return op;
}

static char *
token_text (Parser *p, const Token *t)
{
  return g_strndup (p->text + t->start, t->end - t->start);
}

/* Parses a document path; the current token is an identifier or #name. */
static DdbPath *
parse_path (Parser *p)
{
  DdbPath *path = path_new ();

  g_ptr_array_add (p->paths, path);
  for (;;)
    {
      DdbPathElement el = { NULL, 0 };

      if (p->cur.type == TOK_IDENT)
        {
          el.name = token_text (p, &p->cur);
          /* SIZE is on the reserved list, but DynamoDB Local takes "size"
           * as a plain name where no call follows: so do we. */
          if (ddb_is_reserved_word (el.name, strlen (el.name)) && g_ascii_strcasecmp (el.name, "size") != 0)
            defer_error (p, ERR_TEXT_ORDER,
                         "Attribute name is a reserved keyword; reserved keyword: %s", el.name);
        }
      else if (p->cur.type == TOK_NAME_PH)
        {
          g_autofree char *key = token_text (p, &p->cur);
          JsonNode *node = p->env && p->env->names ? json_object_get_member (p->env->names, key) : NULL;
          const char *name = node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;

          if (name == NULL)
            {
              defer_error (p, ERR_POST_ORDER,
                           "An expression attribute name used in the document path is not defined; "
                           "attribute name: %s", key);
              el.name = g_strdup (key);
            }
          else
            {
              mark_used (&p->env->used_names, key);
              el.name = g_strdup (name);
            }
        }
      else
        {
          syntax_error (p);
          return path;
        }
      g_array_append_val (path->elements, el);
      advance (p);

      /* Any number of [n] after a name. */
      while (p->cur.type == TOK_LBRACKET)
        {
          DdbPathElement idx = { NULL, 0 };
          guint64 v = 0;
          gboolean big = FALSE;

          advance (p);
          if (p->cur.type != TOK_NUMBER)
            {
              syntax_error (p);
              return path;
            }
          for (gsize i = p->cur.start; i < p->cur.end; i++)
            {
              v = v * 10 + (p->text[i] - '0');
              if (v > G_MAXINT32)
                big = TRUE, v = G_MAXINT32 + (guint64) 1;
            }
          if (big)
            {
              g_autofree char *digits = token_text (p, &p->cur);
              defer_error (p, ERR_TEXT_ORDER,
                           "List index is not within the allowable range; index: [%s]", digits);
            }
          idx.index = big ? G_MAXINT32 : (int) v;
          g_array_append_val (path->elements, idx);
          advance (p);
          if (!expect (p, TOK_RBRACKET))
            return path;
        }
      if (p->cur.type != TOK_DOT)
        return path;
      advance (p);
    }
}

static FuncId
function_lookup (const char *name, guint *nargs)
{
  for (gsize i = 0; i < G_N_ELEMENTS (functions); i++)
    if (strcmp (functions[i].name, name) == 0)
      {
        *nargs = functions[i].nargs;
        return functions[i].id;
      }
  return FUNC_UNKNOWN;
}

static gboolean
func_is_condition (FuncId id)
{
  return id == FUNC_ATTRIBUTE_EXISTS || id == FUNC_ATTRIBUTE_NOT_EXISTS ||
         id == FUNC_ATTRIBUTE_TYPE || id == FUNC_BEGINS_WITH || id == FUNC_CONTAINS;
}

/* Text-order checks on where a function may appear. */
static void
check_function_context (Parser *p, FuncId id, const char *name, FuncContext ctx)
{
  if (id == FUNC_UNKNOWN)
    {
      defer_error (p, ERR_TEXT_ORDER, "Invalid function name; function: %s", name);
      return;
    }
  switch (ctx)
    {
    case CTX_CONDITION:
    case CTX_COND_OPERAND:
      if (id == FUNC_LIST_APPEND || id == FUNC_IF_NOT_EXISTS)
        defer_error (p, ERR_TEXT_ORDER,
                     "The function is not allowed in a condition expression; function: %s", name);
      else if ((ctx == CTX_CONDITION) != func_is_condition (id))
        defer_error (p, ERR_TEXT_ORDER,
                     "The function is not allowed to be used this way in an expression; function: %s", name);
      break;
    case CTX_SET_TOP:
    case CTX_SET_NESTED:
      if (id != FUNC_LIST_APPEND && id != FUNC_IF_NOT_EXISTS)
        defer_error (p, ERR_TEXT_ORDER,
                     "The function is not allowed in an update expression; function: %s", name);
      else if (id == FUNC_LIST_APPEND && ctx == CTX_SET_NESTED)
        defer_error (p, ERR_TEXT_ORDER,
                     "The function is not allowed to be used this way in an expression; function: %s", name);
      break;
    default:
      break;
    }
}

static DdbOperand *parse_operand (Parser *p, FuncContext ctx);

/* Parses "name ( args )" with the current token on name.  Returns the
 * arguments; *id_out and *name_out describe the function. */
static GPtrArray *
parse_call (Parser *p, FuncContext ctx, FuncId *id_out, char **name_out)
{
  g_autofree char *name = token_text (p, &p->cur);
  GPtrArray *args = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_operand_free);
  guint nargs = 0;
  FuncId id = function_lookup (name, &nargs);
  FuncContext arg_ctx;

  check_function_context (p, id, name, ctx);
  count_operator (p);
  advance (p); /* name */
  advance (p); /* ( */
  arg_ctx = ctx == CTX_SET_TOP || ctx == CTX_SET_NESTED ? CTX_SET_NESTED : CTX_COND_OPERAND;
  if (!enter (p))
    goto out;
  for (;;)
    {
      DdbOperand *arg = parse_operand (p, arg_ctx);

      if (arg == NULL)
        break;
      g_ptr_array_add (args, arg);
      if (p->cur.type != TOK_COMMA)
        break;
      advance (p);
    }
  leave (p);
  expect (p, TOK_RPAREN);

out:
  if (!p->failed && id != FUNC_UNKNOWN && args->len != nargs)
    defer_error (p, ERR_POST_ORDER,
                 "Incorrect number of operands for operator or function; operator or function: %s, "
                 "number of operands: %u", name, args->len);
  *id_out = id;
  *name_out = g_steal_pointer (&name);
  return args;
}

static const char *
short_type_name (DdbType t)
{
  return ddb_type_name (t) ? ddb_type_name (t) : "?";
}

/* Operand types of :values where a function needs a path or a type. */
static void
check_call_operands (Parser *p, FuncId id, const char *name, GPtrArray *args)
{
  DdbOperand *a0, *a1;

  if (p->failed || args->len < 1)
    return;
  a0 = args->pdata[0];
  a1 = args->len > 1 ? args->pdata[1] : NULL;
  switch (id)
    {
    case FUNC_ATTRIBUTE_EXISTS:
    case FUNC_ATTRIBUTE_NOT_EXISTS:
    case FUNC_IF_NOT_EXISTS:
    case FUNC_ATTRIBUTE_TYPE:
      if (a0->kind != DDB_OPERAND_PATH)
        defer_error (p, ERR_POST_ORDER,
                     "Operator or function requires a document path; operator or function: %s", name);
      if (id == FUNC_ATTRIBUTE_TYPE && a1 != NULL)
        {
          if (a1->kind != DDB_OPERAND_VALUE)
            /* DynamoDB Local's own wording for a non-:value type argument. */
            defer_error (p, ERR_POST_ORDER,
                         "Incorrect operand type for operator or function; operator or function: "
                         "attribute_type, operand type: M");
          else if (a1->value_type != DDB_TYPE_S)
            defer_error (p, ERR_POST_ORDER,
                         "Incorrect operand type for operator or function; operator or function: "
                         "attribute_type, operand type: %s", short_type_name (a1->value_type));
          else if (ddb_type_from_name (ddb_value_get_string (a1->value)) == DDB_TYPE_INVALID)
            defer_error (p, ERR_POST_ORDER,
                         "Invalid attribute type name found; type: %s, valid types: "
                         "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}", ddb_value_get_string (a1->value));
        }
      break;
    case FUNC_BEGINS_WITH:
      for (guint i = 0; i < args->len; i++)
        {
          DdbOperand *a = args->pdata[i];

          if (a->kind == DDB_OPERAND_VALUE && a->value_type != DDB_TYPE_S && a->value_type != DDB_TYPE_B)
            {
              defer_error (p, ERR_POST_ORDER,
                           "Incorrect operand type for operator or function; operator or function: "
                           "begins_with, operand type: %s", short_type_name (a->value_type));
              break;
            }
        }
      break;
    case FUNC_SIZE:
      if (a0->kind == DDB_OPERAND_VALUE &&
          (a0->value_type == DDB_TYPE_N || a0->value_type == DDB_TYPE_BOOL || a0->value_type == DDB_TYPE_NULL))
        defer_error (p, ERR_POST_ORDER,
                     "Incorrect operand type for operator or function; operator or function: size, "
                     "operand type: %s", short_type_name (a0->value_type));
      break;
    case FUNC_LIST_APPEND:
      for (guint i = 0; i < args->len; i++)
        {
          DdbOperand *a = args->pdata[i];

          if (a->kind == DDB_OPERAND_VALUE && a->value_type != DDB_TYPE_L)
            {
              defer_error (p, ERR_POST_ORDER,
                           "Incorrect operand type for operator or function; operator or function: "
                           "list_append, operand type: %s", short_type_name (a->value_type));
              break;
            }
        }
      break;
    default:
      break;
    }
}

/* operand := path | :value | function(args) | ( operand ) */
static DdbOperand *
parse_operand (Parser *p, FuncContext ctx)
{
  if (p->failed)
    return NULL;
  switch (p->cur.type)
    {
    case TOK_IDENT:
      {
        Token next = lex_at (p->text, p->len, p->cur.end);

        if (next.type == TOK_LPAREN)
          {
            FuncId id;
            g_autofree char *name = NULL;
            g_autoptr(GPtrArray) args = parse_call (p, ctx, &id, &name);
            DdbOperand *op;

            if (p->failed)
              return NULL;
            check_call_operands (p, id, name, args);
            switch (id)
              {
              case FUNC_SIZE: op = operand_new (DDB_OPERAND_SIZE); break;
              case FUNC_LIST_APPEND: op = operand_new (DDB_OPERAND_LIST_APPEND); break;
              case FUNC_IF_NOT_EXISTS: op = operand_new (DDB_OPERAND_IF_NOT_EXISTS); break;
              default:
                /* Already reported; any operand keeps the parse going. */
                op = operand_new (DDB_OPERAND_VALUE);
                break;
              }
            for (guint i = 0; i < args->len && i < 2; i++)
              op->args[i] = g_steal_pointer (&args->pdata[i]);
            return op;
          }
      }
      G_GNUC_FALLTHROUGH;
    case TOK_NAME_PH:
      {
        DdbOperand *op = operand_new (DDB_OPERAND_PATH);

        op->path = parse_path (p);
        if (p->failed)
          {
            ddb_operand_free (op);
            return NULL;
          }
        return op;
      }
    case TOK_VALUE_PH:
      {
        g_autofree char *key = token_text (p, &p->cur);
        DdbOperand *op = operand_new (DDB_OPERAND_VALUE);
        JsonNode *node = NULL;

        if (p->env && p->env->values)
          node = json_object_get_member (p->env->values, key);
        if (node == NULL)
          defer_error (p, ERR_POST_ORDER,
                       "An expression attribute value used in expression is not defined; "
                       "attribute value: %s", key);
        else
          {
            op->value = json_node_ref (node);
            op->value_type = ddb_value_type (node);
            mark_used (&p->env->used_values, key);
          }
        advance (p);
        return op;
      }
    case TOK_LPAREN:
      {
        DdbOperand *op;
        gboolean redundant;

        advance (p);
        if (!enter (p))
          return NULL;
        redundant = p->cur.type == TOK_LPAREN;
        op = parse_operand (p, ctx);
        leave (p);
        if (op == NULL || !expect (p, TOK_RPAREN))
          {
            ddb_operand_free (op);
            return NULL;
          }
        if (redundant)
          defer_error (p, ERR_PARENS, "The expression has redundant parentheses;");
        return op;
      }
    default:
      syntax_error (p);
      return NULL;
    }
}

/* ------------------------------------------------------------------ */
/* Conditions                                                           */

void
ddb_cond_node_free (DdbCondNode *node)
{
  if (node == NULL)
    return;
  ddb_cond_node_free (node->left);
  ddb_cond_node_free (node->right);
  for (guint i = 0; i < node->n_operands; i++)
    ddb_operand_free (node->operands[i]);
  g_free (node->operands);
  g_free (node);
}

static DdbCondNode *
cond_new (DdbCondKind kind)
{
  DdbCondNode *node = g_new0 (DdbCondNode, 1);

  node->kind = kind;
  return node;
}

static void
cond_take_operands (DdbCondNode *node, GPtrArray *ops)
{
  node->n_operands = ops->len;
  node->operands = g_new0 (DdbOperand *, MAX (ops->len, 1));
  for (guint i = 0; i < ops->len; i++)
    node->operands[i] = g_steal_pointer (&ops->pdata[i]);
}

static const char *
comparator_text (TokType t)
{
  switch (t)
    {
    case TOK_EQ: return "=";
    case TOK_NE: return "<>";
    case TOK_LT: return "<";
    case TOK_LE: return "<=";
    case TOK_GT: return ">";
    case TOK_GE: return ">=";
    default: return "?";
    }
}

static gboolean
is_ordered_type (DdbType t)
{
  return t == DDB_TYPE_N || t == DDB_TYPE_S || t == DDB_TYPE_B;
}

/* "{N:1}" as DynamoDB prints a value in BETWEEN messages. */
static char *
value_brief (JsonNode *value)
{
  DdbType t = ddb_value_type (value);
  const char *s = ddb_value_get_string (value);

  return g_strdup_printf ("{%s:%s}", short_type_name (t), s ? s : "");
}

/* The result of parsing a condition primary: a condition, or (directly
 * inside parentheses) a bare operand such as the "(a)" of "(a) = :v". */
typedef struct {
  DdbCondNode *cond;
  DdbOperand *bare;
  gboolean parenthesized;
} Primary;

static DdbCondNode *parse_or (Parser *p, gboolean bare_ok, Primary *bare_out);

/* The rest of a comparison, BETWEEN or IN after its first operand. */
static DdbCondNode *
parse_predicate_rest (Parser *p, DdbOperand *first)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) ddb_operand_free);
  TokType t = p->cur.type;
  DdbCondNode *node = NULL;

  g_ptr_array_add (ops, first);
  switch (t)
    {
    case TOK_EQ: case TOK_NE: case TOK_LT: case TOK_LE: case TOK_GT: case TOK_GE:
      {
        DdbOperand *second;

        count_operator (p);
        advance (p);
        second = parse_operand (p, CTX_COND_OPERAND);
        if (second == NULL)
          return NULL;
        g_ptr_array_add (ops, second);
        if (t != TOK_EQ && t != TOK_NE)
          for (guint i = 0; i < 2; i++)
            {
              DdbOperand *o = ops->pdata[i];

              if (o->kind == DDB_OPERAND_VALUE && o->value && !is_ordered_type (o->value_type))
                {
                  defer_error (p, ERR_POST_ORDER,
                               "Incorrect operand type for operator or function; operator or function: "
                               "%s, operand type: %s", comparator_text (t), short_type_name (o->value_type));
                  break;
                }
            }
        node = cond_new (t == TOK_EQ ? DDB_COND_EQ : t == TOK_NE ? DDB_COND_NE :
                         t == TOK_LT ? DDB_COND_LT : t == TOK_LE ? DDB_COND_LE :
                         t == TOK_GT ? DDB_COND_GT : DDB_COND_GE);
        break;
      }
    case TOK_BETWEEN:
      {
        DdbOperand *lo, *hi;

        count_operator (p);
        advance (p);
        lo = parse_operand (p, CTX_COND_OPERAND);
        if (lo == NULL)
          return NULL;
        g_ptr_array_add (ops, lo);
        if (!expect (p, TOK_AND))
          return NULL;
        hi = parse_operand (p, CTX_COND_OPERAND);
        if (hi == NULL)
          return NULL;
        g_ptr_array_add (ops, hi);
        for (guint i = 0; i < 3; i++)
          {
            DdbOperand *o = ops->pdata[i];

            if (o->kind == DDB_OPERAND_VALUE && o->value && !is_ordered_type (o->value_type))
              {
                defer_error (p, ERR_POST_ORDER,
                             "Incorrect operand type for operator or function; operator or function: "
                             "BETWEEN, operand type: %s", short_type_name (o->value_type));
                break;
              }
          }
        if (lo->kind == DDB_OPERAND_VALUE && hi->kind == DDB_OPERAND_VALUE && lo->value && hi->value &&
            is_ordered_type (lo->value_type) && is_ordered_type (hi->value_type))
          {
            g_autofree char *l = value_brief (lo->value);
            g_autofree char *h = value_brief (hi->value);

            if (lo->value_type != hi->value_type)
              defer_error (p, ERR_POST_ORDER,
                           "The BETWEEN operator requires same data type for lower and upper bounds; "
                           "lower bound operand: AttributeValue: %s, upper bound operand: AttributeValue: %s",
                           l, h);
            else if (ddb_value_compare (lo->value, hi->value) > 0)
              defer_error (p, ERR_POST_ORDER,
                           "The BETWEEN operator requires upper bound to be greater than or equal to lower "
                           "bound; lower bound operand: AttributeValue: %s, upper bound operand: "
                           "AttributeValue: %s", l, h);
          }
        node = cond_new (DDB_COND_BETWEEN);
        break;
      }
    case TOK_IN:
      {
        count_operator (p);
        advance (p);
        if (!expect (p, TOK_LPAREN))
          return NULL;
        for (;;)
          {
            DdbOperand *o = parse_operand (p, CTX_COND_OPERAND);

            if (o == NULL)
              return NULL;
            g_ptr_array_add (ops, o);
            if (p->cur.type != TOK_COMMA)
              break;
            advance (p);
          }
        if (!expect (p, TOK_RPAREN))
          return NULL;
        if (ops->len - 1 > DDB_EXPR_MAX_IN_OPERANDS)
          defer_error (p, ERR_POST_ORDER,
                       "The IN operator is provided with too many operands; number of operands: %u",
                       ops->len - 1);
        node = cond_new (DDB_COND_IN);
        break;
      }
    default:
      /* The caller reports the syntax error. */
      g_ptr_array_steal_index (ops, 0);
      return NULL;
    }
  cond_take_operands (node, ops);
  return node;
}

static DdbCondNode *
cond_from_call (Parser *p, FuncId id, GPtrArray *args)
{
  DdbCondNode *node;

  switch (id)
    {
    case FUNC_ATTRIBUTE_EXISTS: node = cond_new (DDB_COND_EXISTS); break;
    case FUNC_ATTRIBUTE_NOT_EXISTS: node = cond_new (DDB_COND_NOT_EXISTS); break;
    case FUNC_ATTRIBUTE_TYPE:
      {
        DdbOperand *t = args->len > 1 ? args->pdata[1] : NULL;

        node = cond_new (DDB_COND_TYPE);
        if (t && t->kind == DDB_OPERAND_VALUE && t->value)
          node->type_arg = ddb_type_from_name (ddb_value_get_string (t->value));
        break;
      }
    case FUNC_BEGINS_WITH: node = cond_new (DDB_COND_BEGINS_WITH); break;
    case FUNC_CONTAINS: node = cond_new (DDB_COND_CONTAINS); break;
    default:
      /* size(), unknown or update functions: already reported. */
      node = cond_new (DDB_COND_EXISTS);
      break;
    }
  cond_take_operands (node, args);
  return node;
}

/* primary := ( cond ) | function | operand comparator operand
 *          | operand BETWEEN operand AND operand | operand IN ( operands ) */
static void
parse_primary (Parser *p, gboolean bare_ok, Primary *out)
{
  memset (out, 0, sizeof *out);
  if (p->failed)
    return;

  if (p->cur.type == TOK_LPAREN)
    {
      Primary inner = { 0, };
      DdbCondNode *cond;
      gboolean inner_paren;

      advance (p);
      if (!enter (p))
        return;
      inner_paren = p->cur.type == TOK_LPAREN;
      cond = parse_or (p, TRUE, &inner);
      leave (p);
      if (p->failed)
        {
          ddb_cond_node_free (cond);
          ddb_operand_free (inner.bare);
          return;
        }
      if (!expect (p, TOK_RPAREN))
        {
          ddb_cond_node_free (cond);
          ddb_operand_free (inner.bare);
          return;
        }
      if (inner_paren && inner.parenthesized)
        defer_error (p, ERR_PARENS, "The expression has redundant parentheses;");
      if (inner.bare)
        {
          /* "(a) = :v": the parentheses held an operand. */
          DdbCondNode *node;

          if (bare_ok && p->cur.type == TOK_RPAREN)
            {
              out->bare = inner.bare;
              out->parenthesized = TRUE;
              return;
            }
          node = parse_predicate_rest (p, inner.bare);
          if (node == NULL)
            {
              if (!p->failed)
                {
                  ddb_operand_free (inner.bare);
                  syntax_error (p);
                }
              return;
            }
          out->cond = node;
          return;
        }
      out->cond = cond;
      out->parenthesized = TRUE;
      return;
    }

  if (p->cur.type == TOK_IDENT && lex_at (p->text, p->len, p->cur.end).type == TOK_LPAREN)
    {
      /* A function: a condition by itself, or the first operand of a
       * comparison when a comparator follows. */
      Token t;
      gsize depth = 0, pos = p->cur.end;

      /* Look past the call's parentheses for a comparator. */
      do
        {
          t = lex_at (p->text, p->len, pos);
          if (t.type == TOK_LPAREN)
            depth++;
          else if (t.type == TOK_RPAREN)
            depth--;
          pos = t.end;
        }
      while (depth > 0 && t.type != TOK_EOF);
      t = lex_at (p->text, p->len, pos);

      /* Only size() is an operand; any other function in parentheses is a
       * condition of its own: "(attribute_exists(a)) AND (b = :v)". */
      if (bare_ok && t.type == TOK_RPAREN &&
          p->cur.end - p->cur.start == 4 && strncmp (p->text + p->cur.start, "size", 4) == 0)
        {
          /* "(size(a)) > :v" */
          out->bare = parse_operand (p, CTX_COND_OPERAND);
          return;
        }
      if (t.type == TOK_EQ || t.type == TOK_NE || t.type == TOK_LT || t.type == TOK_LE ||
          t.type == TOK_GT || t.type == TOK_GE || t.type == TOK_BETWEEN || t.type == TOK_IN)
        {
          DdbOperand *first = parse_operand (p, CTX_COND_OPERAND);

          if (first == NULL)
            return;
          out->cond = parse_predicate_rest (p, first);
          if (out->cond == NULL && !p->failed)
            {
              ddb_operand_free (first);
              syntax_error (p);
            }
          return;
        }
      else
        {
          FuncId id;
          g_autofree char *name = NULL;
          g_autoptr(GPtrArray) args = parse_call (p, CTX_CONDITION, &id, &name);

          if (p->failed)
            return;
          check_call_operands (p, id, name, args);
          out->cond = cond_from_call (p, id, args);
          return;
        }
    }

  {
    DdbOperand *first = parse_operand (p, CTX_COND_OPERAND);

    if (first == NULL)
      return;
    if (bare_ok && p->cur.type == TOK_RPAREN)
      {
        out->bare = first;
        return;
      }
    out->cond = parse_predicate_rest (p, first);
    if (out->cond == NULL && !p->failed)
      {
        ddb_operand_free (first);
        syntax_error (p);
      }
  }
}

static DdbCondNode *
parse_not (Parser *p, gboolean bare_ok, Primary *bare_out)
{
  if (p->failed)
    return NULL;
  if (p->cur.type == TOK_NOT)
    {
      DdbCondNode *node, *inner;

      count_operator (p);
      advance (p);
      if (!enter (p))
        return NULL;
      inner = parse_not (p, FALSE, NULL);
      leave (p);
      if (inner == NULL)
        return NULL;
      node = cond_new (DDB_COND_NOT);
      node->left = inner;
      return node;
    }
  else
    {
      Primary prim;

      parse_primary (p, bare_ok, &prim);
      if (prim.bare)
        {
          *bare_out = prim;
          return NULL;
        }
      if (bare_out)
        bare_out->parenthesized = prim.parenthesized;
      return prim.cond;
    }
}

static DdbCondNode *
parse_and (Parser *p, gboolean bare_ok, Primary *bare_out)
{
  DdbCondNode *left = parse_not (p, bare_ok, bare_out);

  if (left == NULL)
    return NULL;
  while (!p->failed && p->cur.type == TOK_AND)
    {
      DdbCondNode *right, *node;

      if (bare_out)
        bare_out->parenthesized = FALSE;
      count_operator (p);
      advance (p);
      right = parse_not (p, FALSE, NULL);
      if (right == NULL)
        {
          ddb_cond_node_free (left);
          return NULL;
        }
      node = cond_new (DDB_COND_AND);
      node->left = left;
      node->right = right;
      left = node;
    }
  return left;
}

static DdbCondNode *
parse_or (Parser *p, gboolean bare_ok, Primary *bare_out)
{
  DdbCondNode *left = parse_and (p, bare_ok, bare_out);

  if (left == NULL)
    return NULL;
  while (!p->failed && p->cur.type == TOK_OR)
    {
      DdbCondNode *right, *node;

      if (bare_out)
        bare_out->parenthesized = FALSE;
      count_operator (p);
      advance (p);
      right = parse_and (p, FALSE, NULL);
      if (right == NULL)
        {
          ddb_cond_node_free (left);
          return NULL;
        }
      node = cond_new (DDB_COND_OR);
      node->left = left;
      node->right = right;
      left = node;
    }
  return left;
}

static DdbCondNode *
parse_condition_text (Parser *p)
{
  DdbCondNode *root = parse_or (p, FALSE, NULL);

  if (root != NULL && !p->failed && p->cur.type != TOK_EOF)
    syntax_error (p);
  if (p->failed)
    {
      ddb_cond_node_free (root);
      return NULL;
    }
  return root;
}

/* Collects the distinct top-level names of paths, borrowed. */
static GPtrArray *
top_level_names (GPtrArray *paths)
{
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; i < paths->len; i++)
    {
      DdbPath *path = paths->pdata[i];
      const char *name = g_array_index (path->elements, DdbPathElement, 0).name;
      gboolean seen = FALSE;

      for (guint j = 0; j < names->len && !seen; j++)
        seen = strcmp (names->pdata[j], name) == 0;
      if (!seen)
        g_ptr_array_add (names, (gpointer) name);
    }
  return names;
}

struct _DdbConditionPriv {
  DdbCondition pub;
  GPtrArray *paths;
};

DdbCondition *
ddb_condition_parse (const char *text, DdbConditionKind kind, DdbExprEnv *env, GError **error)
{
  Parser p;
  DdbCondNode *root;
  struct _DdbConditionPriv *cond;

  g_return_val_if_fail (text != NULL, NULL);

  if (!parser_init (&p, text, kind == DDB_EXPR_FILTER ? KIND_FILTER : KIND_CONDITION, env, error))
    {
      parser_clear (&p);
      return NULL;
    }
  root = parse_condition_text (&p);
  if (!parser_finish (&p, error))
    {
      ddb_cond_node_free (root);
      parser_clear (&p);
      return NULL;
    }
  for (guint i = 0; i < p.paths->len; i++)
    {
      DdbPath *path = p.paths->pdata[i];

      if (path->elements->len > DDB_EXPR_MAX_PATH_DEPTH)
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "Invalid %s: The document path has too many nesting levels; nesting levels: %u",
                       kind_names[p.kind], path->elements->len);
          ddb_cond_node_free (root);
          parser_clear (&p);
          return NULL;
        }
    }
  cond = g_new0 (struct _DdbConditionPriv, 1);
  cond->pub.root = root;
  cond->paths = g_steal_pointer (&p.paths);
  cond->pub.names = top_level_names (cond->paths);
  parser_clear (&p);
  return &cond->pub;
}

GPtrArray *
ddb_condition_get_attribute_names (DdbCondition *cond)
{
  g_return_val_if_fail (cond != NULL, NULL);
  return cond->names;
}

void
ddb_condition_free (DdbCondition *cond)
{
  struct _DdbConditionPriv *priv = (struct _DdbConditionPriv *) cond;

  if (cond == NULL)
    return;
  ddb_cond_node_free (cond->root);
  g_ptr_array_unref (cond->names);
  g_ptr_array_unref (priv->paths);
  g_free (priv);
}

/* ------------------------------------------------------------------ */
/* Key conditions                                                       */

static void
key_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
key_error (GError **error, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg);
}

static const char *
cond_operator_name (DdbCondKind kind)
{
  switch (kind)
    {
    case DDB_COND_OR: return "OR";
    case DDB_COND_NOT: return "NOT";
    case DDB_COND_NE: return "<>";
    case DDB_COND_IN: return "IN";
    case DDB_COND_EXISTS: return "attribute_exists";
    case DDB_COND_NOT_EXISTS: return "attribute_not_exists";
    case DDB_COND_TYPE: return "attribute_type";
    case DDB_COND_CONTAINS: return "contains";
    default: return "?";
    }
}

/* Flattens the AND tree into simple conditions, rejecting what a key
 * condition may not contain. */
static gboolean
key_collect (DdbCondNode *node, GPtrArray *out, GError **error)
{
  switch (node->kind)
    {
    case DDB_COND_AND:
      return key_collect (node->left, out, error) && key_collect (node->right, out, error);
    case DDB_COND_EQ: case DDB_COND_LT: case DDB_COND_LE: case DDB_COND_GT: case DDB_COND_GE:
    case DDB_COND_BETWEEN: case DDB_COND_BEGINS_WITH:
      for (guint i = 0; i < node->n_operands; i++)
        if (node->operands[i]->kind != DDB_OPERAND_PATH && node->operands[i]->kind != DDB_OPERAND_VALUE)
          {
            key_error (error, "KeyConditionExpressions cannot contain nested operations");
            return FALSE;
          }
      g_ptr_array_add (out, node);
      return TRUE;
    default:
      key_error (error, "Invalid operator used in KeyConditionExpression: %s", cond_operator_name (node->kind));
      return FALSE;
    }
}

static DdbKeyOp
key_op_flip (DdbKeyOp op)
{
  switch (op)
    {
    case DDB_KEY_OP_LT: return DDB_KEY_OP_GT;
    case DDB_KEY_OP_LE: return DDB_KEY_OP_GE;
    case DDB_KEY_OP_GT: return DDB_KEY_OP_LT;
    case DDB_KEY_OP_GE: return DDB_KEY_OP_LE;
    default: return op;
    }
}

/* The one key attribute a simple condition names; NULL (error set) when it
 * names none, several, or a nested path. */
static const char *
key_node_name (DdbCondNode *node, GError **error)
{
  DdbOperand *path_op = NULL;
  const char *name;

  for (guint j = 0; j < node->n_operands; j++)
    if (node->operands[j]->kind == DDB_OPERAND_PATH)
      {
        if (path_op != NULL)
          {
            key_error (error, "Invalid condition in KeyConditionExpression: "
                       "Multiple attribute names used in one condition");
            return NULL;
          }
        path_op = node->operands[j];
      }
  if (path_op == NULL)
    {
      key_error (error, "Invalid condition in KeyConditionExpression: No key attribute specified");
      return NULL;
    }
  name = g_array_index (path_op->path->elements, DdbPathElement, 0).name;
  if (path_op->path->elements->len > 1)
    {
      key_error (error, "Key attributes must be scalars; list random access '[]' and map "
                 "lookup '.' are not allowed: Key: %s", name);
      return NULL;
    }
  return name;
}

/* The operand of "key = :v" (either side). */
static JsonNode *
key_node_eq_value (DdbCondNode *node)
{
  return json_node_ref (node->operands[node->operands[0]->kind == DDB_OPERAND_PATH ? 1 : 0]->value);
}

/* A sort-key condition as its operator and operands in out. */
static gboolean
key_node_range (DdbCondNode *range_cond, DdbKeyCondition *out, GError **error)
{
  gboolean flipped = range_cond->operands[0]->kind != DDB_OPERAND_PATH;

  switch (range_cond->kind)
    {
    case DDB_COND_EQ: out->range_op = DDB_KEY_OP_EQ; break;
    case DDB_COND_LT: out->range_op = DDB_KEY_OP_LT; break;
    case DDB_COND_LE: out->range_op = DDB_KEY_OP_LE; break;
    case DDB_COND_GT: out->range_op = DDB_KEY_OP_GT; break;
    case DDB_COND_GE: out->range_op = DDB_KEY_OP_GE; break;
    case DDB_COND_BETWEEN: out->range_op = DDB_KEY_OP_BETWEEN; break;
    case DDB_COND_BEGINS_WITH: out->range_op = DDB_KEY_OP_BEGINS_WITH; break;
    default: g_assert_not_reached ();
    }
  if (flipped && (range_cond->kind == DDB_COND_BETWEEN || range_cond->kind == DDB_COND_BEGINS_WITH))
    {
      /* ":v BETWEEN sk AND :w", "begins_with(:v, sk)" */
      key_error (error, "Query key condition not supported");
      return FALSE;
    }
  if (flipped)
    out->range_op = key_op_flip (out->range_op);
  if (range_cond->kind == DDB_COND_BETWEEN)
    {
      out->range_values[0] = json_node_ref (range_cond->operands[1]->value);
      out->range_values[1] = json_node_ref (range_cond->operands[2]->value);
    }
  else
    out->range_values[0] = json_node_ref (range_cond->operands[flipped ? 0 : 1]->value);
  return TRUE;
}

/* Parses text into its simple conditions (*root owns them, *p their paths:
 * the caller clears p in every case). */
static GPtrArray *
key_parse_simple (Parser *p, const char *text, DdbExprEnv *env, DdbCondNode **root, GError **error)
{
  g_autoptr(GPtrArray) simple = NULL;

  *root = NULL;
  if (!parser_init (p, text, KIND_KEY, env, error))
    return NULL;
  *root = parse_condition_text (p);
  if (parser_finish (p, error))
    {
      simple = g_ptr_array_new ();
      if (!key_collect (*root, simple, error))
        g_clear_pointer (&simple, g_ptr_array_unref);
    }
  return g_steal_pointer (&simple);
}

gboolean
ddb_key_condition_parse (const char *text, DdbExprEnv *env,
                         const char *hash_name, const char *range_name,
                         DdbKeyCondition *out, GError **error)
{
  Parser p;
  DdbCondNode *root = NULL;
  g_autoptr(GPtrArray) simple = NULL;
  DdbCondNode *hash_cond = NULL, *range_cond = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (hash_name != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if ((simple = key_parse_simple (&p, text, env, &root, error)) == NULL)
    goto out;

  for (guint i = 0; i < simple->len; i++)
    {
      DdbCondNode *node = simple->pdata[i];
      const char *name = key_node_name (node, error);

      if (name == NULL)
        goto out;
      if (strcmp (name, hash_name) == 0)
        {
          if (hash_cond != NULL)
            {
              key_error (error, "KeyConditionExpressions must only contain one condition per key");
              goto out;
            }
          hash_cond = node;
        }
      else if (range_name != NULL && strcmp (name, range_name) == 0)
        {
          if (range_cond != NULL)
            {
              key_error (error, "KeyConditionExpressions must only contain one condition per key");
              goto out;
            }
          range_cond = node;
        }
      else
        {
          key_error (error, "Query condition missed key schema element: %s",
                     hash_cond != NULL && range_name != NULL ? range_name : hash_name);
          goto out;
        }
    }
  if (hash_cond == NULL)
    {
      key_error (error, "Query condition missed key schema element: %s", hash_name);
      goto out;
    }
  if (hash_cond->kind != DDB_COND_EQ)
    {
      key_error (error, "Query key condition not supported");
      goto out;
    }
  out->hash_value = key_node_eq_value (hash_cond);
  out->range_op = DDB_KEY_OP_NONE;
  ok = range_cond == NULL || key_node_range (range_cond, out, error);

out:
  if (!ok)
    ddb_key_condition_clear (out);
  ddb_cond_node_free (root);
  parser_clear (&p);
  return ok;
}

static int
name_index (const char *const *names, guint n, const char *name)
{
  for (guint i = 0; i < n; i++)
    if (strcmp (names[i], name) == 0)
      return (int) i;
  return -1;
}

/* "a, b": the names of attrs[0..n) whose condition is missing or not "=". */
static char *
names_without_equality (const char *const *names, DdbCondNode **conds, guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    if (conds[i] == NULL || conds[i]->kind != DDB_COND_EQ)
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", names[i]);
  return g_string_free (s, s->len == 0);
}

/* The conditions, one per key attribute, against a multi-attribute key
 * schema, with DynamoDB Local 3.3's checks and messages. */
static gboolean
multi_key_check (const char *const *hash_names, guint n_hash, const char *const *range_names, guint n_range,
                 DdbCondNode **hash_conds, DdbCondNode **range_conds, gboolean unknown, GError **error)
{
  g_autofree char *missing = names_without_equality (hash_names, hash_conds, n_hash);
  int last = -1;

  if (missing != NULL)
    {
      key_error (error, "HASH key attributes %s must have equality conditions specified in the query", missing);
      return FALSE;
    }
  if (unknown)
    {
      key_error (error, "Query condition missed key schema element");
      return FALSE;
    }
  for (guint i = 0; i < n_range; i++)
    if (range_conds[i] != NULL)
      last = (int) i;
  if (last > 0)
    {
      g_autofree char *before = names_without_equality (range_names, range_conds, (guint) last);
      if (before != NULL)
        {
          key_error (error, "RANGE key attributes %s must have equality conditions specified in the query "
                     "because a condition is present on key attribute %s", before, range_names[last]);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ddb_multi_key_condition_parse (const char *text, DdbExprEnv *env,
                               const char *const *hash_names, guint n_hash,
                               const char *const *range_names, guint n_range,
                               DdbMultiKeyCondition *out, GError **error)
{
  Parser p;
  DdbCondNode *root = NULL;
  g_autoptr(GPtrArray) simple = NULL;
  DdbCondNode *hash_conds[DDB_KEY_CONDITION_MAX_PARTS] = { NULL };
  DdbCondNode *range_conds[DDB_KEY_CONDITION_MAX_PARTS] = { NULL };
  gboolean ok = FALSE, unknown = FALSE;

  g_return_val_if_fail (n_hash >= 1 && n_hash <= DDB_KEY_CONDITION_MAX_PARTS, FALSE);
  g_return_val_if_fail (n_range <= DDB_KEY_CONDITION_MAX_PARTS, FALSE);

  memset (out, 0, sizeof *out);
  if ((simple = key_parse_simple (&p, text, env, &root, error)) == NULL)
    goto out;
  for (guint i = 0; i < simple->len; i++)
    {
      DdbCondNode *node = simple->pdata[i];
      const char *name = key_node_name (node, error);
      int h, r;
      DdbCondNode **slot;

      if (name == NULL)
        goto out;
      h = name_index (hash_names, n_hash, name);
      r = name_index (range_names, n_range, name);
      slot = h >= 0 ? &hash_conds[h] : r >= 0 ? &range_conds[r] : NULL;
      if (slot == NULL)
        unknown = TRUE;
      else if (*slot != NULL)
        {
          key_error (error, "KeyConditionExpressions must only contain one condition per key");
          goto out;
        }
      else
        *slot = node;
    }
  if (!multi_key_check (hash_names, n_hash, range_names, n_range, hash_conds, range_conds, unknown, error))
    goto out;
  for (guint i = 0; i < n_hash; i++)
    out->hash_values[i] = key_node_eq_value (hash_conds[i]);
  out->n_hash = n_hash;
  for (guint i = 0; i < n_range && range_conds[i] != NULL; i++)
    {
      if (i + 1 < n_range && range_conds[i + 1] != NULL)
        out->range_eq[out->n_range_eq++] = key_node_eq_value (range_conds[i]);
      else if (!key_node_range (range_conds[i], &out->last, error))
        goto out;
    }
  ok = TRUE;

out:
  if (!ok)
    ddb_multi_key_condition_clear (out);
  ddb_cond_node_free (root);
  parser_clear (&p);
  return ok;
}

void
ddb_multi_key_condition_clear (DdbMultiKeyCondition *kc)
{
  for (guint i = 0; i < DDB_KEY_CONDITION_MAX_PARTS; i++)
    {
      g_clear_pointer (&kc->hash_values[i], json_node_unref);
      g_clear_pointer (&kc->range_eq[i], json_node_unref);
    }
  kc->n_hash = kc->n_range_eq = 0;
  ddb_key_condition_clear (&kc->last);
}

void
ddb_key_condition_clear (DdbKeyCondition *kc)
{
  if (kc == NULL)
    return;
  g_clear_pointer (&kc->hash_value, json_node_unref);
  g_clear_pointer (&kc->range_values[0], json_node_unref);
  g_clear_pointer (&kc->range_values[1], json_node_unref);
  kc->range_op = DDB_KEY_OP_NONE;
}

/* ------------------------------------------------------------------ */
/* Projection                                                           */

GPtrArray *
ddb_projection_parse (const char *text, DdbExprEnv *env, GError **error)
{
  Parser p;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (!parser_init (&p, text, KIND_PROJECTION, env, error))
    {
      parser_clear (&p);
      return NULL;
    }
  for (;;)
    {
      if (p.cur.type != TOK_IDENT && p.cur.type != TOK_NAME_PH)
        {
          syntax_error (&p);
          break;
        }
      parse_path (&p);
      if (p.failed || p.cur.type != TOK_COMMA)
        break;
      advance (&p);
    }
  if (!p.failed && p.cur.type != TOK_EOF)
    syntax_error (&p);
  if (!parser_finish (&p, error))
    {
      parser_clear (&p);
      return NULL;
    }
  if (!check_paths (p.paths, &local))
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION, "Invalid ProjectionExpression: %s", local->message);
      parser_clear (&p);
      return NULL;
    }
  {
    GPtrArray *paths = g_steal_pointer (&p.paths);

    parser_clear (&p);
    return paths;
  }
}

/* ------------------------------------------------------------------ */
/* Update                                                               */

static void
update_action_clear (gpointer data)
{
  DdbUpdateAction *a = data;

  ddb_operand_free (a->value);
}

/* Static type checks on the :values of + and -. */
static void
check_arith_operands (Parser *p, DdbOperand *op, const char *sign)
{
  for (guint i = 0; i < 2; i++)
    {
      DdbOperand *a = op->args[i];

      if (a && a->kind == DDB_OPERAND_VALUE && a->value && a->value_type != DDB_TYPE_N)
        {
          defer_error (p, ERR_POST_ORDER,
                       "Incorrect operand type for operator or function; operator or function: %s, "
                       "operand type: %s", sign, short_type_name (a->value_type));
          return;
        }
    }
}

/* set-value := operand [ (+|-) operand ] */
static DdbOperand *
parse_set_value (Parser *p)
{
  DdbOperand *first = parse_operand (p, CTX_SET_TOP);

  if (first == NULL)
    return NULL;
  if (p->cur.type == TOK_PLUS || p->cur.type == TOK_MINUS)
    {
      gboolean plus = p->cur.type == TOK_PLUS;
      DdbOperand *op = operand_new (plus ? DDB_OPERAND_PLUS : DDB_OPERAND_MINUS);

      /* list_append may only be a SET action's whole value. */
      if (first->kind == DDB_OPERAND_LIST_APPEND)
        defer_error (p, ERR_TEXT_ORDER,
                     "The function is not allowed to be used this way in an expression; function: list_append");
      count_operator (p);
      advance (p);
      op->args[0] = first;
      op->args[1] = parse_operand (p, CTX_SET_NESTED);
      if (op->args[1] == NULL)
        {
          ddb_operand_free (op);
          return NULL;
        }
      check_arith_operands (p, op, plus ? "+" : "-");
      return op;
    }
  return first;
}

static const char *
long_type_name (DdbType t)
{
  switch (t)
    {
    case DDB_TYPE_S: return "STRING";
    case DDB_TYPE_N: return "NUMBER";
    case DDB_TYPE_B: return "BINARY";
    case DDB_TYPE_BOOL: return "BOOLEAN";
    case DDB_TYPE_NULL: return "NULL";
    case DDB_TYPE_SS: return "STRING_SET";
    case DDB_TYPE_NS: return "NUMBER_SET";
    case DDB_TYPE_BS: return "BINARY_SET";
    case DDB_TYPE_L: return "LIST";
    case DDB_TYPE_M: return "MAP";
    default: return "?";
    }
}

DdbUpdate *
ddb_update_parse (const char *text, DdbExprEnv *env, GError **error)
{
  Parser p;
  g_autoptr(GArray) actions = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  g_autoptr(GError) local = NULL;
  gboolean seen[4] = { FALSE, };
  DdbUpdate *update;

  g_return_val_if_fail (text != NULL, NULL);

  if (!parser_init (&p, text, KIND_UPDATE, env, error))
    {
      parser_clear (&p);
      return NULL;
    }
  actions = g_array_new (FALSE, TRUE, sizeof (DdbUpdateAction));
  g_array_set_clear_func (actions, update_action_clear);
  targets = g_ptr_array_new ();

  do
    {
      DdbUpdateKind kind;
      const char *section;

      switch (p.cur.type)
        {
        case TOK_SET: kind = DDB_UPDATE_SET; section = "SET"; break;
        case TOK_REMOVE: kind = DDB_UPDATE_REMOVE; section = "REMOVE"; break;
        case TOK_ADD: kind = DDB_UPDATE_ADD; section = "ADD"; break;
        case TOK_DELETE: kind = DDB_UPDATE_DELETE; section = "DELETE"; break;
        default:
          syntax_error (&p);
          continue;
        }
      if (seen[kind])
        defer_error (&p, ERR_TEXT_ORDER,
                     "The \"%s\" section can only be used once in an update expression;", section);
      seen[kind] = TRUE;
      advance (&p);

      for (;;)
        {
          DdbUpdateAction action = { kind, NULL, NULL };

          if (p.cur.type != TOK_IDENT && p.cur.type != TOK_NAME_PH)
            {
              syntax_error (&p);
              break;
            }
          action.path = parse_path (&p);
          if (p.failed)
            break;
          g_ptr_array_add (targets, action.path);
          if (kind == DDB_UPDATE_SET)
            {
              if (!expect (&p, TOK_EQ))
                break;
              action.value = parse_set_value (&p);
              if (action.value == NULL)
                break;
            }
          else if (kind == DDB_UPDATE_ADD || kind == DDB_UPDATE_DELETE)
            {
              if (p.cur.type != TOK_VALUE_PH)
                {
                  syntax_error (&p);
                  break;
                }
              action.value = parse_operand (&p, CTX_SET_NESTED);
              if (action.value == NULL)
                break;
              if (action.value->value != NULL)
                {
                  DdbType t = action.value->value_type;
                  gboolean ok = kind == DDB_UPDATE_ADD
                                ? (t == DDB_TYPE_N || t == DDB_TYPE_SS || t == DDB_TYPE_NS || t == DDB_TYPE_BS)
                                : (t == DDB_TYPE_SS || t == DDB_TYPE_NS || t == DDB_TYPE_BS);

                  if (!ok)
                    defer_error (&p, ERR_POST_ORDER,
                                 "Incorrect operand type for operator or function; operator: %s, operand "
                                 "type: %s, typeSet: ALLOWED_FOR_%s_OPERAND",
                                 section, long_type_name (t), section);
                }
            }
          g_array_append_val (actions, action);
          if (p.cur.type != TOK_COMMA)
            break;
          advance (&p);
        }
    }
  while (!p.failed && p.cur.type != TOK_EOF);

  if (!parser_finish (&p, error))
    {
      parser_clear (&p);
      return NULL;
    }
  /* Nesting depth of every path, then overlaps among the targets. */
  for (guint i = 0; i < p.paths->len; i++)
    {
      DdbPath *path = p.paths->pdata[i];

      if (path->elements->len > DDB_EXPR_MAX_PATH_DEPTH)
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
                       "Invalid UpdateExpression: The document path has too many nesting levels; "
                       "nesting levels: %u", path->elements->len);
          parser_clear (&p);
          return NULL;
        }
    }
  if (!check_paths (targets, &local))
    {
      g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION, "Invalid UpdateExpression: %s", local->message);
      parser_clear (&p);
      return NULL;
    }

  update = g_new0 (DdbUpdate, 1);
  update->actions = g_steal_pointer (&actions);
  update->paths = g_steal_pointer (&targets);
  /* The targets are borrowed from all_paths, which owns every parsed path. */
  update->all_paths = g_steal_pointer (&p.paths);
  parser_clear (&p);
  return update;
}

GPtrArray *
ddb_update_get_paths (DdbUpdate *update)
{
  g_return_val_if_fail (update != NULL, NULL);
  return update->paths;
}

void
ddb_update_free (DdbUpdate *update)
{
  if (update == NULL)
    return;
  g_array_unref (update->actions);
  g_ptr_array_unref (update->paths);
  g_ptr_array_unref (update->all_paths);
  g_free (update);
}
