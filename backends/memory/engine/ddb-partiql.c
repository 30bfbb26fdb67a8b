/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-partiql.c: the PartiQL tokenizer, parser and renderer (see
 * ddb-partiql.h). */
#include "config.h"

#include <string.h>
#include "ddb-error.h"
#include "ddb-partiql.h"

#define MAX_DEPTH 64

/* ---- Syntax tree ---- */

typedef enum {
  PQ_AND, PQ_OR, PQ_NOT,
  PQ_CMP,          /* op: = <> < <= > >= */
  PQ_BETWEEN,      /* children: operand, low, high */
  PQ_IN,           /* children: operand, values... */
  PQ_IS,           /* op: MISSING or NULL; negated for IS NOT */
  PQ_FUNC,         /* op: function name; children: arguments */
  PQ_ARITH,        /* op: + or -; SET values only */
  PQ_PATH,         /* elements */
  PQ_VALUE,        /* value */
} PqKind;

typedef struct {
  char *name;      /* NULL for an index */
  guint index;
} PqElement;

struct _DdbPqNode {
  PqKind kind;
  char *op;
  gboolean negated;
  GPtrArray *children;   /* DdbPqNode* */
  GArray *elements;      /* PqElement, PQ_PATH */
  JsonNode *value;       /* PQ_VALUE: an AttributeValue */
};

static void
pq_node_free (DdbPqNode *node)
{
  if (node == NULL)
    return;
  g_free (node->op);
  if (node->children)
    g_ptr_array_unref (node->children);
  if (node->elements)
    {
      for (guint i = 0; i < node->elements->len; i++)
        g_free (g_array_index (node->elements, PqElement, i).name);
      g_array_unref (node->elements);
    }
  if (node->value)
    json_node_unref (node->value);
  g_free (node);
}

static DdbPqNode *
pq_node_new (PqKind kind, const char *op)
{
  DdbPqNode *node = g_new0 (DdbPqNode, 1);

  node->kind = kind;
  node->op = g_strdup (op);
  node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) pq_node_free);
  return node;
}

static DdbPqNode *
pq_node_add (DdbPqNode *parent, DdbPqNode *child)
{
  g_ptr_array_add (parent->children, child);
  return parent;
}

void
ddb_pq_statement_free (DdbPqStatement *s)
{
  if (s == NULL)
    return;
  g_free (s->table);
  g_free (s->index);
  if (s->projection)
    g_ptr_array_unref (s->projection);
  pq_node_free (s->where);
  if (s->item)
    json_node_unref (s->item);
  if (s->sets)
    {
      for (guint i = 0; i < s->sets->len; i++)
        {
          DdbPqSet *set = &g_array_index (s->sets, DdbPqSet, i);
          pq_node_free (set->path);
          pq_node_free (set->value);
        }
      g_array_unref (s->sets);
    }
  if (s->removes)
    g_ptr_array_unref (s->removes);
  g_free (s->returning);
  g_free (s->order_by);
  g_free (s);
}

/* ---- Tokens ---- */

typedef enum {
  T_END, T_WORD, T_QUOTED, T_STRING, T_NUMBER, T_PARAM, T_PUNCT,
} TokKind;

typedef struct {
  TokKind kind;
  char *text;      /* WORD, QUOTED, STRING (unescaped), NUMBER, PUNCT */
} Token;

typedef struct {
  const char *statement;
  GArray *tokens;  /* Token */
  guint pos;
  JsonArray *params;
  guint next_param;
  guint depth;
  GError *error;   /* first error */
} Parser;

static gboolean
fail_syntax (Parser *p)
{
  if (p->error == NULL)
    g_set_error (&p->error, DDB_ERROR, DDB_ERROR_VALIDATION,
                 "Statement wasn't well formed, can't be processed: %s", p->statement);
  return FALSE;
}

static gboolean
fail (Parser *p, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (Parser *p, const char *format, ...)
{
  va_list args;

  if (p->error == NULL)
    {
      va_start (args, format);
      p->error = g_error_new_valist (DDB_ERROR, DDB_ERROR_VALIDATION, format, args);
      va_end (args);
    }
  return FALSE;
}

static void
token_clear (gpointer data)
{
  g_free (((Token *) data)->text);
}

static void
push (GArray *tokens, TokKind kind, char *text)
{
  Token t = { kind, text };
  g_array_append_val (tokens, t);
}

/* 'text' with '' for a quote; "name" with "" for a double quote. */
static const char *
scan_quoted (const char *s, char quote, char **out)
{
  GString *buf = g_string_new (NULL);

  for (s++; *s; s++)
    {
      if (*s == quote && s[1] == quote)
        {
          g_string_append_c (buf, quote);
          s++;
        }
      else if (*s == quote)
        {
          *out = g_string_free (buf, FALSE);
          return s + 1;
        }
      else
        g_string_append_c (buf, *s);
    }
  g_string_free (buf, TRUE);
  return NULL;
}

static const char *
scan_number (const char *s, char **out)
{
  const char *start = s;

  while (g_ascii_isdigit (*s))
    s++;
  if (*s == '.')
    for (s++; g_ascii_isdigit (*s); s++)
      ;
  if ((*s == 'e' || *s == 'E') && (g_ascii_isdigit (s[1]) || ((s[1] == '+' || s[1] == '-') && g_ascii_isdigit (s[2]))))
    for (s += 2; g_ascii_isdigit (*s); s++)
      ;
  *out = g_strndup (start, s - start);
  return s;
}

static gboolean
tokenize (Parser *p)
{
  static const char *const punct2[] = { "<>", "!=", "<=", ">=", "<<", ">>", NULL };
  const char *s = p->statement;

  while (*s)
    {
      char *text = NULL;

      if (g_ascii_isspace (*s))
        {
          s++;
          continue;
        }
      if (*s == '\'' || *s == '"')
        {
          TokKind kind = *s == '\'' ? T_STRING : T_QUOTED;
          if ((s = scan_quoted (s, *s, &text)) == NULL)
            return fail_syntax (p);
          push (p->tokens, kind, text);
          continue;
        }
      if (g_ascii_isdigit (*s) || (*s == '.' && g_ascii_isdigit (s[1])))
        {
          s = scan_number (s, &text);
          push (p->tokens, T_NUMBER, text);
          continue;
        }
      if (g_ascii_isalpha (*s) || *s == '_')
        {
          const char *start = s;
          while (g_ascii_isalnum (*s) || *s == '_')
            s++;
          push (p->tokens, T_WORD, g_strndup (start, s - start));
          continue;
        }
      if (*s == '?')
        {
          push (p->tokens, T_PARAM, NULL);
          s++;
          continue;
        }
      for (guint i = 0; punct2[i]; i++)
        if (strncmp (s, punct2[i], 2) == 0)
          text = g_strndup (s, 2);
      if (text == NULL && strchr ("()[]{},.:*=<>+-;", *s) != NULL)
        text = g_strndup (s, 1);
      if (text == NULL)
        return fail_syntax (p);
      s += strlen (text);
      push (p->tokens, T_PUNCT, text);
    }
  /* One trailing semicolon is allowed. */
  if (p->tokens->len > 0 && g_array_index (p->tokens, Token, p->tokens->len - 1).kind == T_PUNCT &&
      g_str_equal (g_array_index (p->tokens, Token, p->tokens->len - 1).text, ";"))
    g_array_set_size (p->tokens, p->tokens->len - 1);
  push (p->tokens, T_END, NULL);
  return TRUE;
}

static Token *
peek (Parser *p)
{
  return &g_array_index (p->tokens, Token, p->pos);
}

static Token *
peek_at (Parser *p, guint ahead)
{
  guint at = MIN (p->pos + ahead, p->tokens->len - 1);
  return &g_array_index (p->tokens, Token, at);
}

static gboolean
is_word (Token *t, const char *word)
{
  return t->kind == T_WORD && g_ascii_strcasecmp (t->text, word) == 0;
}

static gboolean
is_punct (Token *t, const char *punct)
{
  return t->kind == T_PUNCT && g_str_equal (t->text, punct);
}

static gboolean
accept_word (Parser *p, const char *word)
{
  if (!is_word (peek (p), word))
    return FALSE;
  p->pos++;
  return TRUE;
}

static gboolean
accept_punct (Parser *p, const char *punct)
{
  if (!is_punct (peek (p), punct))
    return FALSE;
  p->pos++;
  return TRUE;
}

static gboolean
expect_word (Parser *p, const char *word)
{
  return accept_word (p, word) || fail_syntax (p);
}

static gboolean
expect_punct (Parser *p, const char *punct)
{
  return accept_punct (p, punct) || fail_syntax (p);
}

/* Words that end an expression or a clause: never attribute names unquoted. */
static gboolean
is_keyword (Token *t)
{
  static const char *const words[] = {
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "BETWEEN", "IN", "IS", "SET", "REMOVE",
    "RETURNING", "ORDER", "BY", "VALUE", "INTO", "MISSING", "NULL", "TRUE", "FALSE", NULL
  };
  for (guint i = 0; t->kind == T_WORD && words[i]; i++)
    if (g_ascii_strcasecmp (t->text, words[i]) == 0)
      return TRUE;
  return FALSE;
}

/* A table or attribute name: a bare word or "quoted". */
static char *
parse_name (Parser *p)
{
  Token *t = peek (p);

  if ((t->kind == T_WORD && !is_keyword (t)) || (t->kind == T_QUOTED && *t->text != '\0'))
    {
      p->pos++;
      return g_strdup (t->text);
    }
  fail_syntax (p);
  return NULL;
}

/* ---- Values ---- */

static JsonNode *
attribute_value (const char *type, JsonNode *payload)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_member (o, type, payload);
  json_node_take_object (node, o);
  return node;
}

static JsonNode *
string_node (const char *s)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (n, s);
  return n;
}

static JsonNode *
bool_node (gboolean b)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  json_node_set_boolean (n, b);
  return n;
}

static JsonNode *parse_value (Parser *p);

static JsonNode *
take_param (Parser *p)
{
  JsonNode *param;

  p->pos++;
  if (p->params == NULL || p->next_param >= json_array_get_length (p->params))
    {
      fail (p, "Number of parameters in request and statement don't match.");
      return NULL;
    }
  param = json_array_get_element (p->params, p->next_param++);
  return json_node_copy (param);
}

/* {'name': value, ...} */
static JsonNode *
parse_map (Parser *p)
{
  g_autoptr(JsonObject) map = json_object_new ();

  if (!expect_punct (p, "{"))
    return NULL;
  if (!accept_punct (p, "}"))
    do
      {
        Token *key = peek (p);
        JsonNode *value;
        g_autofree char *name = NULL;

        if (key->kind != T_STRING)
          return fail_syntax (p), NULL;
        name = g_strdup (key->text);
        p->pos++;
        if (!expect_punct (p, ":") || (value = parse_value (p)) == NULL)
          return NULL;
        json_object_set_member (map, name, value);
      }
    while (accept_punct (p, ","));
  if (p->error == NULL && !expect_punct (p, "}"))
    return NULL;
  {
    JsonNode *payload = json_node_new (JSON_NODE_OBJECT);
    json_node_set_object (payload, map);
    return attribute_value ("M", payload);
  }
}

/* [v, ...] as L; <<v, ...>> as SS, NS or BS. */
static JsonNode *
parse_list (Parser *p, gboolean set)
{
  g_autoptr(JsonArray) items = json_array_new ();
  const char *close = set ? ">>" : "]";
  const char *set_type = NULL;

  p->pos++;
  if (!accept_punct (p, close))
    {
      do
        {
          JsonNode *value = parse_value (p);
          if (value == NULL)
            return NULL;
          if (set)
            {
              JsonObject *av = json_node_get_object (value);
              g_autoptr(GList) members = json_object_get_members (av);
              const char *t = members != NULL && members->next == NULL ? members->data : "";
              if (!g_str_equal (t, "S") && !g_str_equal (t, "N") && !g_str_equal (t, "B"))
                {
                  json_node_unref (value);
                  return fail (p, "Unsupported type passed to set: only String, Number and Binary sets are supported"), NULL;
                }
              if (set_type != NULL && !g_str_equal (set_type, t))
                {
                  json_node_unref (value);
                  return fail (p, "Mixed types passed to set: a set has elements of one type"), NULL;
                }
              set_type = g_str_equal (t, "S") ? "S" : g_str_equal (t, "N") ? "N" : "B";
              json_array_add_element (items, json_node_copy (json_object_get_member (av, t)));
              json_node_unref (value);
            }
          else
            json_array_add_element (items, value);
        }
      while (accept_punct (p, ","));
      if (!expect_punct (p, close))
        return NULL;
    }
  {
    JsonNode *payload = json_node_new (JSON_NODE_ARRAY);
    json_node_set_array (payload, items);
    if (!set)
      return attribute_value ("L", payload);
    if (set_type == NULL)
      {
        json_node_unref (payload);
        return fail (p, "One or more parameter values were invalid: An string set  may not be empty"), NULL;
      }
    return attribute_value (g_str_equal (set_type, "S") ? "SS" : g_str_equal (set_type, "N") ? "NS" : "BS", payload);
  }
}

static JsonNode *
parse_value (Parser *p)
{
  Token *t = peek (p);
  g_autofree char *negative = NULL;

  if (++p->depth > MAX_DEPTH)
    return fail_syntax (p), NULL;
  p->depth--;
  switch (t->kind)
    {
    case T_STRING:
      p->pos++;
      return attribute_value ("S", string_node (t->text));
    case T_NUMBER:
      p->pos++;
      return attribute_value ("N", string_node (t->text));
    case T_PARAM:
      return take_param (p);
    case T_PUNCT:
      if (is_punct (t, "-") && peek_at (p, 1)->kind == T_NUMBER)
        {
          negative = g_strconcat ("-", peek_at (p, 1)->text, NULL);
          p->pos += 2;
          return attribute_value ("N", string_node (negative));
        }
      if (is_punct (t, "{"))
        {
          JsonNode *v;
          p->depth++;
          v = parse_map (p);
          p->depth--;
          return v;
        }
      if (is_punct (t, "[") || is_punct (t, "<<"))
        {
          JsonNode *v;
          p->depth++;
          v = parse_list (p, is_punct (t, "<<"));
          p->depth--;
          return v;
        }
      break;
    case T_WORD:
      if (is_word (t, "TRUE") || is_word (t, "FALSE"))
        {
          p->pos++;
          return attribute_value ("BOOL", bool_node (is_word (t, "TRUE")));
        }
      if (is_word (t, "NULL"))
        {
          p->pos++;
          return attribute_value ("NULL", bool_node (TRUE));
        }
      break;
    default:
      break;
    }
  fail_syntax (p);
  return NULL;
}

static gboolean
starts_value (Token *t)
{
  return t->kind == T_STRING || t->kind == T_NUMBER || t->kind == T_PARAM ||
         is_punct (t, "{") || is_punct (t, "[") || is_punct (t, "<<") || is_punct (t, "-") ||
         is_word (t, "TRUE") || is_word (t, "FALSE") || is_word (t, "NULL");
}

/* ---- Expressions ---- */

/* name ("." name | "[" n "]")* */
static DdbPqNode *
parse_path (Parser *p)
{
  DdbPqNode *node = pq_node_new (PQ_PATH, NULL);
  PqElement e = { 0 };

  node->elements = g_array_new (FALSE, TRUE, sizeof (PqElement));
  if ((e.name = parse_name (p)) == NULL)
    return pq_node_free (node), NULL;
  g_array_append_val (node->elements, e);
  for (;;)
    {
      PqElement next = { 0 };
      if (accept_punct (p, "."))
        {
          if ((next.name = parse_name (p)) == NULL)
            return pq_node_free (node), NULL;
        }
      else if (accept_punct (p, "["))
        {
          Token *n = peek (p);
          guint64 index;
          if (n->kind != T_NUMBER || !g_ascii_string_to_unsigned (n->text, 10, 0, G_MAXINT32, &index, NULL))
            return fail_syntax (p), pq_node_free (node), NULL;
          p->pos++;
          next.index = index;
          if (!expect_punct (p, "]"))
            return pq_node_free (node), NULL;
        }
      else
        break;
      g_array_append_val (node->elements, next);
    }
  return node;
}

static DdbPqNode *parse_or (Parser *p);
static DdbPqNode *parse_operand (Parser *p);

static const char *const functions[] = {
  "begins_with", "contains", "attribute_type", "attribute_exists", "attribute_not_exists", "size",
  "exists", "missing",
  /* SET values only; ddb_pq_render_update() turns set_add and set_delete
   * into ADD and DELETE */
  "list_append", "if_not_exists", "set_add", "set_delete", NULL
};

static DdbPqNode *
parse_call (Parser *p)
{
  g_autofree char *name = g_ascii_strdown (peek (p)->text, -1);
  DdbPqNode *node;
  gboolean known = FALSE;

  for (guint i = 0; functions[i]; i++)
    known |= g_str_equal (functions[i], name);
  if (!known)
    return fail (p, "Unrecognized function: %s", peek (p)->text), NULL;
  p->pos += 2;   /* name ( */
  node = pq_node_new (PQ_FUNC, name);
  if (!accept_punct (p, ")"))
    {
      do
        {
          DdbPqNode *arg = parse_operand (p);
          if (arg == NULL)
            return pq_node_free (node), NULL;
          pq_node_add (node, arg);
        }
      while (accept_punct (p, ","));
      if (!expect_punct (p, ")"))
        return pq_node_free (node), NULL;
    }
  return node;
}

static DdbPqNode *
parse_operand (Parser *p)
{
  Token *t = peek (p);

  if (starts_value (t))
    {
      DdbPqNode *node = pq_node_new (PQ_VALUE, NULL);
      if ((node->value = parse_value (p)) == NULL)
        return pq_node_free (node), NULL;
      return node;
    }
  if (t->kind == T_WORD && is_punct (peek_at (p, 1), "("))
    return parse_call (p);
  return parse_path (p);
}

static const char *const comparators[] = { "=", "<>", "!=", "<", "<=", ">", ">=", NULL };

/* operand [cmp operand | BETWEEN a AND b | IN [..] | IS [NOT] MISSING/NULL] */
static DdbPqNode *
parse_predicate (Parser *p)
{
  DdbPqNode *left, *node = NULL;
  Token *t;

  if (accept_punct (p, "("))
    {
      DdbPqNode *inner = parse_or (p);
      if (inner == NULL || !expect_punct (p, ")"))
        return pq_node_free (inner), NULL;
      return inner;
    }
  if ((left = parse_operand (p)) == NULL)
    return NULL;
  t = peek (p);
  for (guint i = 0; comparators[i]; i++)
    if (is_punct (t, comparators[i]))
      {
        DdbPqNode *right;
        p->pos++;
        if ((right = parse_operand (p)) == NULL)
          return pq_node_free (left), NULL;
        node = pq_node_new (PQ_CMP, g_str_equal (comparators[i], "!=") ? "<>" : comparators[i]);
        return pq_node_add (pq_node_add (node, left), right);
      }
  if (accept_word (p, "BETWEEN"))
    {
      DdbPqNode *low = NULL, *high = NULL;
      node = pq_node_add (pq_node_new (PQ_BETWEEN, NULL), left);
      if ((low = parse_operand (p)) == NULL || (pq_node_add (node, low), !expect_word (p, "AND")) ||
          (high = parse_operand (p)) == NULL)
        return pq_node_free (node), NULL;
      return pq_node_add (node, high);
    }
  if (accept_word (p, "IN"))
    {
      const char *close = is_punct (peek (p), "(") ? ")" : "]";
      node = pq_node_add (pq_node_new (PQ_IN, NULL), left);
      if (!accept_punct (p, "(") && !expect_punct (p, "["))
        return pq_node_free (node), NULL;
      do
        {
          DdbPqNode *v = parse_operand (p);
          if (v == NULL)
            return pq_node_free (node), NULL;
          pq_node_add (node, v);
        }
      while (accept_punct (p, ","));
      if (!expect_punct (p, close))
        return pq_node_free (node), NULL;
      return node;
    }
  if (accept_word (p, "IS"))
    {
      gboolean negated = accept_word (p, "NOT");
      const char *what = accept_word (p, "MISSING") ? "MISSING" : accept_word (p, "NULL") ? "NULL" : NULL;
      if (what == NULL)
        return fail_syntax (p), pq_node_free (left), NULL;
      node = pq_node_add (pq_node_new (PQ_IS, what), left);
      node->negated = negated;
      return node;
    }
  /* A function that is a condition on its own. */
  if (left->kind == PQ_FUNC && !g_str_equal (left->op, "size"))
    return left;
  pq_node_free (left);
  fail_syntax (p);
  return NULL;
}

static DdbPqNode *
parse_not (Parser *p)
{
  DdbPqNode *inner, *node;

  if (++p->depth > MAX_DEPTH)
    return fail_syntax (p), NULL;
  if (accept_word (p, "NOT"))
    {
      if ((inner = parse_not (p)) == NULL)
        return NULL;
      node = pq_node_add (pq_node_new (PQ_NOT, NULL), inner);
    }
  else
    node = parse_predicate (p);
  p->depth--;
  return node;
}

static DdbPqNode *
parse_binary (Parser *p, const char *word, PqKind kind, DdbPqNode *(*operand) (Parser *))
{
  DdbPqNode *left = operand (p), *node;

  if (left == NULL || !is_word (peek (p), word))
    return left;
  node = pq_node_add (pq_node_new (kind, NULL), left);
  while (accept_word (p, word))
    {
      DdbPqNode *right = operand (p);
      if (right == NULL)
        return pq_node_free (node), NULL;
      pq_node_add (node, right);
    }
  return node;
}

static DdbPqNode *
parse_and (Parser *p)
{
  return parse_binary (p, "AND", PQ_AND, parse_not);
}

static DdbPqNode *
parse_or (Parser *p)
{
  return parse_binary (p, "OR", PQ_OR, parse_and);
}

/* ---- Statements ---- */

static gboolean
parse_where (Parser *p, DdbPqStatement *s)
{
  if (!accept_word (p, "WHERE"))
    return TRUE;
  return (s->where = parse_or (p)) != NULL;
}

static gboolean
parse_select (Parser *p, DdbPqStatement *s)
{
  s->kind = DDB_PQ_SELECT;
  if (!accept_punct (p, "*"))
    {
      s->projection = g_ptr_array_new_with_free_func ((GDestroyNotify) pq_node_free);
      do
        {
          DdbPqNode *path = parse_path (p);
          if (path == NULL)
            return FALSE;
          g_ptr_array_add (s->projection, path);
        }
      while (accept_punct (p, ","));
    }
  if (!expect_word (p, "FROM") || (s->table = parse_name (p)) == NULL)
    return FALSE;
  if (accept_punct (p, ".") && (s->index = parse_name (p)) == NULL)
    return FALSE;
  if (!parse_where (p, s))
    return FALSE;
  if (accept_word (p, "ORDER"))
    {
      if (!expect_word (p, "BY") || (s->order_by = parse_name (p)) == NULL)
        return FALSE;
      s->descending = accept_word (p, "DESC");
      if (!s->descending)
        accept_word (p, "ASC");
    }
  return TRUE;
}

static gboolean
parse_insert (Parser *p, DdbPqStatement *s)
{
  s->kind = DDB_PQ_INSERT;
  if (!expect_word (p, "INTO") || (s->table = parse_name (p)) == NULL || !expect_word (p, "VALUE"))
    return FALSE;
  if ((s->item = parse_value (p)) == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (s->item) || !json_object_has_member (json_node_get_object (s->item), "M"))
    return fail_syntax (p);
  return TRUE;
}

/* SET value: operand [+|- operand] or a function. */
static DdbPqNode *
parse_set_value (Parser *p)
{
  DdbPqNode *left = parse_operand (p), *node;
  const char *op = is_punct (peek (p), "+") ? "+" : is_punct (peek (p), "-") ? "-" : NULL;
  DdbPqNode *right;

  if (left == NULL || op == NULL)
    return left;
  p->pos++;
  if ((right = parse_operand (p)) == NULL)
    return pq_node_free (left), NULL;
  node = pq_node_new (PQ_ARITH, op);
  return pq_node_add (pq_node_add (node, left), right);
}

static gboolean
parse_set_clause (Parser *p, DdbPqStatement *s)
{
  do
    {
      DdbPqSet set = { 0 };
      if ((set.path = parse_path (p)) == NULL)
        return FALSE;
      if (!expect_punct (p, "=") || (set.value = parse_set_value (p)) == NULL)
        {
          pq_node_free (set.path);
          return FALSE;
        }
      g_array_append_val (s->sets, set);
    }
  while (accept_punct (p, ","));
  return TRUE;
}

static gboolean
parse_returning (Parser *p, DdbPqStatement *s)
{
  const char *which, *age;

  if (!accept_word (p, "RETURNING"))
    return TRUE;
  which = accept_word (p, "ALL") ? "ALL" : accept_word (p, "MODIFIED") ? "UPDATED" : NULL;
  age = accept_word (p, "OLD") ? "OLD" : accept_word (p, "NEW") ? "NEW" : NULL;
  if (which == NULL || age == NULL || !expect_punct (p, "*"))
    return fail_syntax (p);
  s->returning = g_strdup_printf ("%s_%s", which, age);
  return TRUE;
}

static gboolean
parse_update (Parser *p, DdbPqStatement *s)
{
  s->kind = DDB_PQ_UPDATE;
  s->sets = g_array_new (FALSE, TRUE, sizeof (DdbPqSet));
  s->removes = g_ptr_array_new_with_free_func ((GDestroyNotify) pq_node_free);
  if ((s->table = parse_name (p)) == NULL)
    return FALSE;
  if (!is_word (peek (p), "SET") && !is_word (peek (p), "REMOVE"))
    return fail_syntax (p);
  for (;;)
    {
      if (accept_word (p, "SET"))
        {
          if (!parse_set_clause (p, s))
            return FALSE;
        }
      else if (accept_word (p, "REMOVE"))
        {
          do
            {
              DdbPqNode *path = parse_path (p);
              if (path == NULL)
                return FALSE;
              g_ptr_array_add (s->removes, path);
            }
          while (accept_punct (p, ","));
        }
      else
        break;
    }
  return parse_where (p, s) && parse_returning (p, s);
}

static gboolean
parse_delete (Parser *p, DdbPqStatement *s)
{
  s->kind = DDB_PQ_DELETE;
  if (!expect_word (p, "FROM") || (s->table = parse_name (p)) == NULL)
    return FALSE;
  return parse_where (p, s) && parse_returning (p, s);
}

static gboolean
parse_exists (Parser *p, DdbPqStatement *s)
{
  s->negated = accept_word (p, "NOT");
  if (!expect_word (p, "EXISTS") || !expect_punct (p, "(") || !expect_word (p, "SELECT") ||
      !parse_select (p, s) || !expect_punct (p, ")"))
    return FALSE;
  s->kind = DDB_PQ_EXISTS;
  return TRUE;
}

static gboolean
parse_statement (Parser *p, DdbPqStatement *s)
{
  if (accept_word (p, "SELECT"))
    return parse_select (p, s);
  if (accept_word (p, "INSERT"))
    return parse_insert (p, s);
  if (accept_word (p, "UPDATE"))
    return parse_update (p, s);
  if (accept_word (p, "DELETE"))
    return parse_delete (p, s);
  if (is_word (peek (p), "EXISTS") || (is_word (peek (p), "NOT") && is_word (peek_at (p, 1), "EXISTS")))
    return parse_exists (p, s);
  return fail_syntax (p);
}

DdbPqStatement *
ddb_pq_parse (const char *text, JsonArray *parameters, GError **error)
{
  g_autoptr(DdbPqStatement) s = g_new0 (DdbPqStatement, 1);
  Parser p = { 0 };

  g_return_val_if_fail (text != NULL, NULL);

  p.statement = text;
  p.params = parameters;
  p.tokens = g_array_new (FALSE, TRUE, sizeof (Token));
  g_array_set_clear_func (p.tokens, token_clear);
  if (tokenize (&p) && parse_statement (&p, s) && peek (&p)->kind != T_END)
    fail_syntax (&p);
  g_array_unref (p.tokens);
  if (p.error != NULL)
    {
      g_propagate_error (error, p.error);
      return NULL;
    }
  return g_steal_pointer (&s);
}

/* ---- Rendering ---- */

void
ddb_pq_render_init (DdbPqRender *r)
{
  r->names = json_object_new ();
  r->values = json_object_new ();
  r->name_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->n_values = 0;
}

void
ddb_pq_render_clear (DdbPqRender *r)
{
  g_clear_pointer (&r->names, json_object_unref);
  g_clear_pointer (&r->values, json_object_unref);
  g_clear_pointer (&r->name_keys, g_hash_table_unref);
}

void
ddb_pq_render_attach (DdbPqRender *r, JsonObject *request)
{
  if (json_object_get_size (r->names) > 0)
    json_object_set_object_member (request, "ExpressionAttributeNames", json_object_ref (r->names));
  if (json_object_get_size (r->values) > 0)
    json_object_set_object_member (request, "ExpressionAttributeValues", json_object_ref (r->values));
}

static const char *
name_placeholder (DdbPqRender *r, const char *name)
{
  const char *key = g_hash_table_lookup (r->name_keys, name);

  if (key == NULL)
    {
      char *k = g_strdup_printf ("#pq%u", g_hash_table_size (r->name_keys));
      json_object_set_string_member (r->names, k, name);
      g_hash_table_insert (r->name_keys, g_strdup (name), k);
      key = k;
    }
  return key;
}

static void
render_value (DdbPqRender *r, JsonNode *value, GString *out)
{
  g_autofree char *key = g_strdup_printf (":pq%u", r->n_values++);

  json_object_set_member (r->values, key, json_node_copy (value));
  g_string_append (out, key);
}

static void
render_path (DdbPqRender *r, DdbPqNode *path, GString *out, GHashTable *used)
{
  for (guint i = 0; i < path->elements->len; i++)
    {
      PqElement *e = &g_array_index (path->elements, PqElement, i);
      if (e->name != NULL)
        g_string_append_printf (out, "%s%s", i ? "." : "", name_placeholder (r, e->name));
      else
        g_string_append_printf (out, "[%u]", e->index);
    }
  if (used != NULL)
    g_hash_table_add (used, g_array_index (path->elements, PqElement, 0).name);
}

char *
ddb_pq_render_path (DdbPqRender *r, DdbPqNode *path)
{
  GString *out = g_string_new (NULL);

  render_path (r, path, out, NULL);
  return g_string_free (out, FALSE);
}

static void render_node (DdbPqRender *r, DdbPqNode *node, GString *out, GHashTable *used);

static void
render_children (DdbPqRender *r, DdbPqNode *node, guint from, const char *sep, GString *out, GHashTable *used)
{
  for (guint i = from; i < node->children->len; i++)
    {
      if (i > from)
        g_string_append (out, sep);
      render_node (r, node->children->pdata[i], out, used);
    }
}

/* attribute_type's type argument is a plain string: as a :value. */
static void
render_node (DdbPqRender *r, DdbPqNode *node, GString *out, GHashTable *used)
{
  switch (node->kind)
    {
    case PQ_AND:
    case PQ_OR:
      g_string_append_c (out, '(');
      render_children (r, node, 0, node->kind == PQ_AND ? ") AND (" : ") OR (", out, used);
      g_string_append_c (out, ')');
      break;
    case PQ_NOT:
      g_string_append (out, "NOT (");
      render_node (r, node->children->pdata[0], out, used);
      g_string_append_c (out, ')');
      break;
    case PQ_CMP:
      render_node (r, node->children->pdata[0], out, used);
      g_string_append_printf (out, " %s ", node->op);
      render_node (r, node->children->pdata[1], out, used);
      break;
    case PQ_BETWEEN:
      render_node (r, node->children->pdata[0], out, used);
      g_string_append (out, " BETWEEN ");
      render_node (r, node->children->pdata[1], out, used);
      g_string_append (out, " AND ");
      render_node (r, node->children->pdata[2], out, used);
      break;
    case PQ_IN:
      render_node (r, node->children->pdata[0], out, used);
      g_string_append (out, " IN (");
      render_children (r, node, 1, ", ", out, used);
      g_string_append_c (out, ')');
      break;
    case PQ_IS:
      if (g_str_equal (node->op, "MISSING"))
        {
          g_string_append (out, node->negated ? "attribute_exists(" : "attribute_not_exists(");
          render_node (r, node->children->pdata[0], out, used);
          g_string_append_c (out, ')');
        }
      else
        {
          g_autoptr(JsonNode) null_type = attribute_value ("S", string_node ("NULL"));
          g_string_append (out, node->negated ? "NOT attribute_type(" : "attribute_type(");
          render_node (r, node->children->pdata[0], out, used);
          g_string_append (out, ", ");
          render_value (r, null_type, out);
          g_string_append_c (out, ')');
        }
      break;
    case PQ_FUNC:
      g_string_append_printf (out, "%s(", node->op);
      render_children (r, node, 0, ", ", out, used);
      g_string_append_c (out, ')');
      break;
    case PQ_ARITH:
      render_node (r, node->children->pdata[0], out, used);
      g_string_append_printf (out, " %s ", node->op);
      render_node (r, node->children->pdata[1], out, used);
      break;
    case PQ_PATH:
      render_path (r, node, out, used);
      break;
    case PQ_VALUE:
      render_value (r, node->value, out);
      break;
    }
}

char *
ddb_pq_render_condition (DdbPqRender *r, DdbPqNode *node, GHashTable *used_attrs)
{
  GString *out = g_string_new (NULL);

  render_node (r, node, out, used_attrs);
  return g_string_free (out, FALSE);
}

static gboolean
is_function (DdbPqNode *node, const char *name)
{
  return node->kind == PQ_FUNC && g_str_equal (node->op, name);
}

/* set_add(path, set) -> ADD path set; set_delete -> DELETE. */
static gboolean
render_set_action (DdbPqRender *r, DdbPqSet *set, GString *sets, GString *adds, GString *deletes, GError **error)
{
  DdbPqNode *v = set->value;

  if (is_function (v, "set_add") || is_function (v, "set_delete"))
    {
      GString *out = is_function (v, "set_add") ? adds : deletes;
      if (v->children->len != 2)
        {
          g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION, "Incorrect number of arguments for function: %s", v->op);
          return FALSE;
        }
      g_string_append (out, out->len ? ", " : "");
      render_path (r, set->path, out, NULL);
      g_string_append_c (out, ' ');
      render_node (r, v->children->pdata[1], out, NULL);
      return TRUE;
    }
  g_string_append (sets, sets->len ? ", " : "");
  render_path (r, set->path, sets, NULL);
  g_string_append (sets, " = ");
  render_node (r, v, sets, NULL);
  return TRUE;
}

char *
ddb_pq_render_update (DdbPqRender *r, DdbPqStatement *s, GError **error)
{
  g_autoptr(GString) sets = g_string_new (NULL), adds = g_string_new (NULL);
  g_autoptr(GString) deletes = g_string_new (NULL), removes = g_string_new (NULL);
  GString *out;

  for (guint i = 0; i < s->sets->len; i++)
    if (!render_set_action (r, &g_array_index (s->sets, DdbPqSet, i), sets, adds, deletes, error))
      return NULL;
  for (guint i = 0; i < s->removes->len; i++)
    {
      g_string_append (removes, removes->len ? ", " : "");
      render_path (r, s->removes->pdata[i], removes, NULL);
    }
  out = g_string_new (NULL);
  if (sets->len)
    g_string_append_printf (out, "SET %s ", sets->str);
  if (removes->len)
    g_string_append_printf (out, "REMOVE %s ", removes->str);
  if (adds->len)
    g_string_append_printf (out, "ADD %s ", adds->str);
  if (deletes->len)
    g_string_append_printf (out, "DELETE %s ", deletes->str);
  return g_string_free (out, FALSE);
}

/* ---- Inspection ---- */

void
ddb_pq_conjuncts (DdbPqNode *node, GPtrArray *out)
{
  if (node == NULL)
    return;
  if (node->kind == PQ_AND)
    for (guint i = 0; i < node->children->len; i++)
      ddb_pq_conjuncts (node->children->pdata[i], out);
  else
    g_ptr_array_add (out, node);
}

static const char *
top_level_attr (DdbPqNode *node)
{
  if (node->kind != PQ_PATH || node->elements->len != 1)
    return NULL;
  return g_array_index (node->elements, PqElement, 0).name;
}

gboolean
ddb_pq_equality (DdbPqNode *node, const char **attr, JsonNode **value)
{
  DdbPqNode *a, *b;

  if (node->kind != PQ_CMP || !g_str_equal (node->op, "="))
    return FALSE;
  a = node->children->pdata[0];
  b = node->children->pdata[1];
  if (a->kind == PQ_VALUE)
    {
      DdbPqNode *t = a;
      a = b;
      b = t;
    }
  if (top_level_attr (a) == NULL || b->kind != PQ_VALUE)
    return FALSE;
  *attr = top_level_attr (a);
  *value = b->value;
  return TRUE;
}

const char *
ddb_pq_key_condition_attr (DdbPqNode *node)
{
  DdbPqNode *first;

  if (node->children->len == 0)
    return NULL;
  first = node->children->pdata[0];
  for (guint i = 1; i < node->children->len; i++)
    if (((DdbPqNode *) node->children->pdata[i])->kind != PQ_VALUE)
      return NULL;
  if ((node->kind == PQ_CMP && !g_str_equal (node->op, "<>")) || node->kind == PQ_BETWEEN ||
      (is_function (node, "begins_with") && node->children->len == 2))
    return top_level_attr (first);
  return NULL;
}

JsonNode *
ddb_pq_path_lookup (DdbPqNode *path, JsonObject *item)
{
  JsonNode *cur = NULL;

  for (guint i = 0; i < path->elements->len; i++)
    {
      PqElement *e = &g_array_index (path->elements, PqElement, i);
      JsonObject *container = item;
      if (i > 0)
        {
          JsonObject *av = JSON_NODE_HOLDS_OBJECT (cur) ? json_node_get_object (cur) : NULL;
          const char *type = e->name ? "M" : "L";
          if (av == NULL || !json_object_has_member (av, type))
            return NULL;
          if (e->name == NULL)
            {
              JsonArray *list = json_object_get_array_member (av, "L");
              if (list == NULL || e->index >= json_array_get_length (list))
                return NULL;
              cur = json_array_get_element (list, e->index);
              continue;
            }
          container = json_object_get_object_member (av, "M");
        }
      if (e->name == NULL || container == NULL || (cur = json_object_get_member (container, e->name)) == NULL)
        return NULL;
    }
  return cur;
}

char *
ddb_pq_path_display (DdbPqNode *path)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < path->elements->len; i++)
    {
      PqElement *e = &g_array_index (path->elements, PqElement, i);
      if (e->name != NULL)
        g_string_assign (out, e->name);
      else
        g_string_append_printf (out, "[%u]", e->index);
    }
  return g_string_free (out, FALSE);
}
