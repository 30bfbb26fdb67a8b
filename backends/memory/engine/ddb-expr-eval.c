/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-expr-eval.c: evaluating parsed conditions, applying updates and
 * projections.  Evaluation never re-parses and, for conditions, allocates
 * nothing beyond what comparing binary values needs. */
#include "ddb-expr-private.h"
#include "ddb-error.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Condition evaluation                                                 */

typedef struct {
  JsonNode *node;       /* borrowed AttributeValue, or NULL for size() */
  DdbType type;         /* DDB_TYPE_INVALID when absent */
  gboolean is_number;   /* size() result in num */
  DdbNumber num;
} EvalValue;

/* Length as DynamoDB's size() counts a string: UTF-16 code units, as
 * DynamoDB Local (Java) does. */
static gint64
string_size (const char *s)
{
  gint64 n = 0;

  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if ((*p & 0xc0) != 0x80)
        n++;
      if (*p >= 0xf0)
        n++; /* a supplementary character is two UTF-16 units */
    }
  return n;
}

static gboolean
eval_operand (DdbOperand *op, JsonObject *item, EvalValue *out)
{
  memset (out, 0, sizeof *out);
  switch (op->kind)
    {
    case DDB_OPERAND_PATH:
      out->node = ddb_path_lookup (op->path, item);
      break;
    case DDB_OPERAND_VALUE:
      /* Typed once at parse time. */
      out->node = op->value;
      out->type = op->value_type;
      return out->node != NULL && out->type != DDB_TYPE_INVALID;
    case DDB_OPERAND_SIZE:
      {
        EvalValue arg;
        JsonNode *member;
        gint64 size;

        if (!eval_operand (op->args[0], item, &arg) || arg.is_number)
          return FALSE;
        member = ddb_value_get_member (arg.node);
        switch (arg.type)
          {
          case DDB_TYPE_S: size = string_size (json_node_get_string (member)); break;
          case DDB_TYPE_B: size = ddb_value_binary_length (arg.node); break;
          case DDB_TYPE_SS: case DDB_TYPE_NS: case DDB_TYPE_BS: case DDB_TYPE_L:
            size = json_array_get_length (json_node_get_array (member));
            break;
          case DDB_TYPE_M: size = json_object_get_size (json_node_get_object (member)); break;
          default:
            return FALSE; /* size() of N, BOOL or NULL has no value */
          }
        out->is_number = TRUE;
        out->type = DDB_TYPE_N;
        ddb_number_from_int64 (size, &out->num);
        return TRUE;
      }
    default:
      return FALSE;
    }
  if (out->node == NULL)
    return FALSE;
  out->type = ddb_value_type (out->node);
  return out->type != DDB_TYPE_INVALID;
}

static gboolean
eval_number (const EvalValue *v, DdbNumber *n)
{
  if (v->is_number)
    {
      *n = v->num;
      return TRUE;
    }
  return ddb_value_get_number (v->node, n);
}

static gboolean
eval_equal (const EvalValue *a, const EvalValue *b)
{
  if (a->type != b->type)
    return FALSE;
  if (a->is_number || b->is_number)
    {
      DdbNumber x, y;

      return eval_number (a, &x) && eval_number (b, &y) && ddb_number_equal (&x, &y);
    }
  return ddb_value_equal (a->node, b->node);
}

/* Orders two values of the same scalar type (N, S, B); FALSE otherwise. */
static gboolean
eval_compare (const EvalValue *a, const EvalValue *b, int *cmp)
{
  if (a->type != b->type)
    return FALSE;
  if (a->type == DDB_TYPE_N)
    {
      DdbNumber x, y;

      if (!eval_number (a, &x) || !eval_number (b, &y))
        return FALSE;
      *cmp = ddb_number_compare (&x, &y);
      return TRUE;
    }
  if (a->type != DDB_TYPE_S && a->type != DDB_TYPE_B)
    return FALSE;
  *cmp = ddb_value_compare (a->node, b->node);
  return TRUE;
}

static gboolean
eval_contains (const EvalValue *hay, const EvalValue *needle)
{
  JsonNode *member = ddb_value_get_member (hay->node);

  if (hay->is_number)
    return FALSE;
  switch (hay->type)
    {
    case DDB_TYPE_S:
      return needle->type == DDB_TYPE_S && !needle->is_number &&
             strstr (json_node_get_string (member), ddb_value_get_string (needle->node)) != NULL;
    case DDB_TYPE_B:
      return needle->type == DDB_TYPE_B && ddb_value_binary_contains (hay->node, needle->node);
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
      {
        DdbType element = hay->type == DDB_TYPE_SS ? DDB_TYPE_S :
                          hay->type == DDB_TYPE_NS ? DDB_TYPE_N : DDB_TYPE_B;

        if (needle->type != element)
          return FALSE;
        if (needle->is_number)
          {
            g_autofree char *text = ddb_number_to_string (&needle->num);
            return ddb_set_contains (hay->type, json_node_get_array (member), text);
          }
        return ddb_set_contains (hay->type, json_node_get_array (member), ddb_value_get_string (needle->node));
      }
    case DDB_TYPE_L:
      {
        JsonArray *array = json_node_get_array (member);

        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            EvalValue el = { json_array_get_element (array, i), DDB_TYPE_INVALID, FALSE, { 0, } };

            el.type = ddb_value_type (el.node);
            if (eval_equal (&el, needle))
              return TRUE;
          }
        return FALSE;
      }
    default:
      return FALSE;
    }
}

static gboolean
eval_node (DdbCondNode *node, JsonObject *item)
{
  EvalValue a, b, c;
  int x, y;

  switch (node->kind)
    {
    case DDB_COND_AND:
      return eval_node (node->left, item) && eval_node (node->right, item);
    case DDB_COND_OR:
      return eval_node (node->left, item) || eval_node (node->right, item);
    case DDB_COND_NOT:
      return !eval_node (node->left, item);
    case DDB_COND_EQ:
      return eval_operand (node->operands[0], item, &a) && eval_operand (node->operands[1], item, &b) &&
             eval_equal (&a, &b);
    case DDB_COND_NE:
      /* A missing operand is "not equal" to anything. */
      if (!eval_operand (node->operands[0], item, &a) || !eval_operand (node->operands[1], item, &b))
        return TRUE;
      return !eval_equal (&a, &b);
    case DDB_COND_LT:
    case DDB_COND_LE:
    case DDB_COND_GT:
    case DDB_COND_GE:
      if (!eval_operand (node->operands[0], item, &a) || !eval_operand (node->operands[1], item, &b) ||
          !eval_compare (&a, &b, &x))
        return FALSE;
      switch (node->kind)
        {
        case DDB_COND_LT: return x < 0;
        case DDB_COND_LE: return x <= 0;
        case DDB_COND_GT: return x > 0;
        default: return x >= 0;
        }
    case DDB_COND_BETWEEN:
      return eval_operand (node->operands[0], item, &a) && eval_operand (node->operands[1], item, &b) &&
             eval_operand (node->operands[2], item, &c) &&
             eval_compare (&a, &b, &x) && eval_compare (&a, &c, &y) && x >= 0 && y <= 0;
    case DDB_COND_IN:
      if (!eval_operand (node->operands[0], item, &a))
        return FALSE;
      for (guint i = 1; i < node->n_operands; i++)
        if (eval_operand (node->operands[i], item, &b) && eval_equal (&a, &b))
          return TRUE;
      return FALSE;
    case DDB_COND_EXISTS:
      return eval_operand (node->operands[0], item, &a);
    case DDB_COND_NOT_EXISTS:
      return !eval_operand (node->operands[0], item, &a);
    case DDB_COND_TYPE:
      return eval_operand (node->operands[0], item, &a) && a.type == node->type_arg;
    case DDB_COND_BEGINS_WITH:
      return eval_operand (node->operands[0], item, &a) && eval_operand (node->operands[1], item, &b) &&
             !a.is_number && !b.is_number && ddb_value_begins_with (a.node, b.node);
    case DDB_COND_CONTAINS:
      return eval_operand (node->operands[0], item, &a) && eval_operand (node->operands[1], item, &b) &&
             eval_contains (&a, &b);
    default:
      return FALSE;
    }
}

gboolean
ddb_condition_evaluate (DdbCondition *cond, JsonObject *item)
{
  g_return_val_if_fail (cond != NULL, FALSE);
  return eval_node (cond->root, item);
}

/* ------------------------------------------------------------------ */
/* Key conditions                                                       */

gboolean
ddb_key_condition_match_range (const DdbKeyCondition *kc, JsonNode *range_value)
{
  DdbType t;
  int c;

  g_return_val_if_fail (kc != NULL, FALSE);

  if (kc->range_op == DDB_KEY_OP_NONE)
    return TRUE;
  t = ddb_value_type (range_value);
  if (t != ddb_value_type (kc->range_values[0]))
    return FALSE;
  if (kc->range_op == DDB_KEY_OP_BEGINS_WITH)
    return ddb_value_begins_with (range_value, kc->range_values[0]);
  c = ddb_value_compare (range_value, kc->range_values[0]);
  switch (kc->range_op)
    {
    case DDB_KEY_OP_EQ: return c == 0;
    case DDB_KEY_OP_LT: return c < 0;
    case DDB_KEY_OP_LE: return c <= 0;
    case DDB_KEY_OP_GT: return c > 0;
    case DDB_KEY_OP_GE: return c >= 0;
    case DDB_KEY_OP_BETWEEN:
      return c >= 0 && t == ddb_value_type (kc->range_values[1]) &&
             ddb_value_compare (range_value, kc->range_values[1]) <= 0;
    default:
      return FALSE;
    }
}

/* ------------------------------------------------------------------ */
/* Projection                                                           */

static const DdbPathElement *
path_element (const DdbPath *path, guint i)
{
  return &g_array_index (path->elements, DdbPathElement, i);
}

static JsonNode *project_value (JsonNode *value, GPtrArray *group, guint depth);

/* Paths of group whose element at depth is a map key (or, for lists, an
 * index); distinct keys in first-seen order. */
static JsonNode *
project_map (JsonObject *map, GPtrArray *group, guint depth, gboolean top)
{
  JsonObject *out = json_object_new ();
  g_autoptr(GPtrArray) sub = g_ptr_array_new ();
  JsonNode *result = NULL;

  for (guint i = 0; i < group->len; i++)
    {
      const DdbPath *path = group->pdata[i];
      const char *key = path_element (path, depth)->name;
      JsonNode *child;
      gboolean whole = FALSE, seen = FALSE;

      if (key == NULL)
        continue;
      for (guint j = 0; j < i && !seen; j++)
        {
          const char *k = path_element (group->pdata[j], depth)->name;
          seen = k != NULL && strcmp (k, key) == 0;
        }
      if (seen)
        continue;
      child = json_object_get_member (map, key);
      if (child == NULL)
        continue;
      g_ptr_array_set_size (sub, 0);
      for (guint j = i; j < group->len; j++)
        {
          const DdbPath *q = group->pdata[j];
          const char *k = path_element (q, depth)->name;

          if (k != NULL && strcmp (k, key) == 0)
            {
              if (q->elements->len == depth + 1)
                whole = TRUE;
              g_ptr_array_add (sub, (gpointer) q);
            }
        }
      if (whole)
        json_object_set_member (out, key, ddb_value_deep_copy (child));
      else
        {
          JsonNode *projected = project_value (child, sub, depth + 1);

          if (projected)
            json_object_set_member (out, key, projected);
        }
    }
  if (top || json_object_get_size (out) > 0)
    result = ddb_value_new_take (DDB_TYPE_M, json_node_init_object (json_node_alloc (), out));
  json_object_unref (out);
  return result;
}

static int
compare_index (gconstpointer a, gconstpointer b)
{
  int x = *(const int *) a, y = *(const int *) b;

  return x < y ? -1 : x > y;
}

static JsonNode *
project_list (JsonArray *array, GPtrArray *group, guint depth)
{
  g_autoptr(GArray) indexes = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GPtrArray) sub = g_ptr_array_new ();
  JsonArray *out = json_array_new ();
  JsonNode *result = NULL;

  for (guint i = 0; i < group->len; i++)
    {
      const DdbPathElement *el = path_element (group->pdata[i], depth);
      gboolean seen = FALSE;

      if (el->name != NULL)
        continue;
      for (guint j = 0; j < indexes->len && !seen; j++)
        seen = g_array_index (indexes, int, j) == el->index;
      if (!seen)
        g_array_append_val (indexes, el->index);
    }
  /* Projected list elements keep the item's order. */
  g_array_sort (indexes, compare_index);
  for (guint i = 0; i < indexes->len; i++)
    {
      int index = g_array_index (indexes, int, i);
      JsonNode *child;
      gboolean whole = FALSE;

      if (index < 0 || (guint) index >= json_array_get_length (array))
        continue;
      child = json_array_get_element (array, index);
      g_ptr_array_set_size (sub, 0);
      for (guint j = 0; j < group->len; j++)
        {
          const DdbPath *q = group->pdata[j];
          const DdbPathElement *el = path_element (q, depth);

          if (el->name == NULL && el->index == index)
            {
              if (q->elements->len == depth + 1)
                whole = TRUE;
              g_ptr_array_add (sub, (gpointer) q);
            }
        }
      if (whole)
        json_array_add_element (out, ddb_value_deep_copy (child));
      else
        {
          JsonNode *projected = project_value (child, sub, depth + 1);

          if (projected)
            json_array_add_element (out, projected);
        }
    }
  if (json_array_get_length (out) > 0)
    result = ddb_value_new_take (DDB_TYPE_L, json_node_init_array (json_node_alloc (), out));
  json_array_unref (out);
  return result;
}

static JsonNode *
project_value (JsonNode *value, GPtrArray *group, guint depth)
{
  switch (ddb_value_type (value))
    {
    case DDB_TYPE_M:
      return project_map (json_node_get_object (ddb_value_get_member (value)), group, depth, FALSE);
    case DDB_TYPE_L:
      return project_list (json_node_get_array (ddb_value_get_member (value)), group, depth);
    default:
      return NULL;
    }
}

JsonObject *
ddb_projection_apply (GPtrArray *paths, JsonObject *item)
{
  g_autoptr(JsonNode) top = NULL;
  JsonObject *result;

  g_return_val_if_fail (paths != NULL, NULL);

  if (item == NULL)
    return json_object_new ();
  top = project_map (item, paths, 0, TRUE);
  result = json_node_get_object (ddb_value_get_member (top));
  return json_object_ref (result);
}

/* ------------------------------------------------------------------ */
/* Update                                                               */

#define MSG_MISSING "The provided expression refers to an attribute that does not exist in the item"
#define MSG_TYPE "An operand in the update expression has an incorrect data type"
#define MSG_PATH "The document path provided in the update expression is invalid for update"

static gboolean
update_error (GError **error, const char *msg)
{
  g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, msg);
  return FALSE;
}

/* Evaluates a SET value (or an ADD/DELETE operand) against the original
 * item; returns a new value sharing nothing with item. */
static JsonNode *
eval_update_operand (DdbOperand *op, JsonObject *item, GError **error)
{
  switch (op->kind)
    {
    case DDB_OPERAND_PATH:
      {
        JsonNode *node = ddb_path_lookup (op->path, item);

        if (node == NULL)
          {
            update_error (error, MSG_MISSING);
            return NULL;
          }
        return ddb_value_deep_copy (node);
      }
    case DDB_OPERAND_VALUE:
      /* Verbatim: a number inside a map or list keeps its text (as DynamoDB
       * Local stores it); a top-level one is made canonical with the item. */
      return ddb_value_deep_copy (op->value);
    case DDB_OPERAND_IF_NOT_EXISTS:
      {
        JsonNode *node = ddb_path_lookup (op->args[0]->path, item);

        if (node != NULL)
          return ddb_value_deep_copy (node);
        return eval_update_operand (op->args[1], item, error);
      }
    case DDB_OPERAND_LIST_APPEND:
      {
        g_autoptr(JsonNode) a = eval_update_operand (op->args[0], item, error);
        g_autoptr(JsonNode) b = a ? eval_update_operand (op->args[1], item, error) : NULL;
        JsonArray *out, *xa, *xb;

        if (b == NULL)
          return NULL;
        if (ddb_value_type (a) != DDB_TYPE_L || ddb_value_type (b) != DDB_TYPE_L)
          {
            update_error (error, MSG_TYPE);
            return NULL;
          }
        xa = json_node_get_array (ddb_value_get_member (a));
        xb = json_node_get_array (ddb_value_get_member (b));
        out = json_array_sized_new (json_array_get_length (xa) + json_array_get_length (xb));
        for (guint i = 0; i < json_array_get_length (xa); i++)
          json_array_add_element (out, json_node_ref (json_array_get_element (xa, i)));
        for (guint i = 0; i < json_array_get_length (xb); i++)
          json_array_add_element (out, json_node_ref (json_array_get_element (xb, i)));
        {
          JsonNode *m = json_node_init_array (json_node_alloc (), out);

          json_array_unref (out);
          return ddb_value_new_take (DDB_TYPE_L, m);
        }
      }
    case DDB_OPERAND_PLUS:
    case DDB_OPERAND_MINUS:
      {
        g_autoptr(JsonNode) a = eval_update_operand (op->args[0], item, error);
        g_autoptr(JsonNode) b = a ? eval_update_operand (op->args[1], item, error) : NULL;
        DdbNumber x, y, r;
        gboolean ok;

        if (b == NULL)
          return NULL;
        if (!ddb_value_get_number (a, &x) || !ddb_value_get_number (b, &y))
          {
            update_error (error, MSG_TYPE);
            return NULL;
          }
        ok = op->kind == DDB_OPERAND_PLUS ? ddb_number_add (&x, &y, &r, error)
                                          : ddb_number_subtract (&x, &y, &r, error);
        return ok ? ddb_value_new_number (&r) : NULL;
      }
    default:
      update_error (error, MSG_TYPE);
      return NULL;
    }
}

/* Where a path's last element lives. */
typedef struct {
  JsonObject *obj;          /* the item or a map payload, or NULL */
  JsonArray *arr;           /* a list payload, or NULL */
  const char *name;         /* key in obj */
  int index;                /* index in arr */
} Slot;

/* FALSE when the parent is missing or of the wrong type. */
static gboolean
resolve_slot (const DdbPath *path, JsonObject *item, Slot *slot)
{
  guint n = path->elements->len;
  const DdbPathElement *last = path_element (path, n - 1);
  JsonNode *parent;

  memset (slot, 0, sizeof *slot);
  if (n == 1)
    {
      slot->obj = item;
      slot->name = last->name;
      return TRUE;
    }
  {
    /* Look up the parent path: a prefix view of path. */
    DdbPath prefix;
    GArray view = *path->elements;

    view.len = n - 1;
    prefix.elements = &view;
    parent = ddb_path_lookup (&prefix, item);
  }
  if (parent == NULL)
    return FALSE;
  if (last->name != NULL)
    {
      if (ddb_value_type (parent) != DDB_TYPE_M)
        return FALSE;
      slot->obj = json_node_get_object (ddb_value_get_member (parent));
      slot->name = last->name;
    }
  else
    {
      if (ddb_value_type (parent) != DDB_TYPE_L)
        return FALSE;
      slot->arr = json_node_get_array (ddb_value_get_member (parent));
      slot->index = last->index;
    }
  return TRUE;
}

static JsonNode *
slot_get (const Slot *slot)
{
  if (slot->obj)
    return json_object_get_member (slot->obj, slot->name);
  if (slot->index >= 0 && (guint) slot->index < json_array_get_length (slot->arr))
    return json_array_get_element (slot->arr, slot->index);
  return NULL;
}

typedef enum { MUT_PUT, MUT_REMOVE } MutationKind;

typedef struct {
  MutationKind kind;
  Slot slot;
  JsonNode *value;          /* owned, for MUT_PUT */
} Mutation;

static void
mutation_clear (gpointer data)
{
  Mutation *m = data;

  g_clear_pointer (&m->value, json_node_unref);
}

static DdbType
set_element_type (DdbType set)
{
  return set == DDB_TYPE_SS ? DDB_TYPE_S : set == DDB_TYPE_NS ? DDB_TYPE_N : DDB_TYPE_B;
}

/* ADD for numbers and sets; new value or NULL with error. */
static JsonNode *
add_values (JsonNode *existing, JsonNode *operand, GError **error)
{
  DdbType te = ddb_value_type (existing), to = ddb_value_type (operand);

  if (te == DDB_TYPE_N && to == DDB_TYPE_N)
    {
      DdbNumber x, y, r;

      if (!ddb_value_get_number (existing, &x) || !ddb_value_get_number (operand, &y))
        {
          update_error (error, MSG_TYPE);
          return NULL;
        }
      if (!ddb_number_add (&x, &y, &r, error))
        return NULL;
      return ddb_value_new_number (&r);
    }
  if (te == to && (te == DDB_TYPE_SS || te == DDB_TYPE_NS || te == DDB_TYPE_BS))
    {
      JsonNode *result = ddb_value_deep_copy (existing);
      JsonArray *out = json_node_get_array (ddb_value_get_member (result));
      JsonArray *add = json_node_get_array (ddb_value_get_member (operand));

      for (guint i = 0; i < json_array_get_length (add); i++)
        {
          const char *s = json_array_get_string_element (add, i);

          if (s && !ddb_set_contains (te, out, s))
            json_array_add_string_element (out, s);
        }
      return result;
    }
  update_error (error, MSG_TYPE);
  return NULL;
}

/* DELETE from a set; *emptied when nothing is left. */
static JsonNode *
delete_values (JsonNode *existing, JsonNode *operand, gboolean *emptied, GError **error)
{
  DdbType te = ddb_value_type (existing), to = ddb_value_type (operand);
  JsonArray *in, *del, *out;
  JsonNode *m;

  *emptied = FALSE;
  if (te != to || (te != DDB_TYPE_SS && te != DDB_TYPE_NS && te != DDB_TYPE_BS))
    {
      update_error (error, MSG_TYPE);
      return NULL;
    }
  (void) set_element_type;
  in = json_node_get_array (ddb_value_get_member (existing));
  del = json_node_get_array (ddb_value_get_member (operand));
  out = json_array_new ();
  for (guint i = 0; i < json_array_get_length (in); i++)
    {
      const char *s = json_array_get_string_element (in, i);

      if (s && !ddb_set_contains (te, del, s))
        json_array_add_string_element (out, s);
    }
  if (json_array_get_length (out) == 0)
    {
      json_array_unref (out);
      *emptied = TRUE;
      return NULL;
    }
  m = json_node_init_array (json_node_alloc (), out);
  json_array_unref (out);
  return ddb_value_new_take (te, m);
}

/* Replaces the AttributeValue node target by value's content, in place:
 * json-glib 1.6 cannot replace an array element. */
static void
replace_in_place (JsonNode *target, JsonNode *value)
{
  JsonObject *obj = json_node_get_object (target);
  JsonObject *src = json_node_get_object (value);
  g_autoptr(GList) old = json_object_get_members (obj);
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  for (GList *l = old; l; l = l->next)
    json_object_remove_member (obj, l->data);
  json_object_iter_init (&iter, src);
  while (json_object_iter_next (&iter, &name, &member))
    json_object_set_member (obj, name, json_node_ref (member));
}

static int
compare_appends (gconstpointer a, gconstpointer b)
{
  const Mutation *x = a, *y = b;

  if (x->slot.arr != y->slot.arr)
    return x->slot.arr < y->slot.arr ? -1 : 1;
  return x->slot.index < y->slot.index ? -1 : x->slot.index > y->slot.index;
}

static int
compare_removals (gconstpointer a, gconstpointer b)
{
  return -compare_appends (a, b);
}

gboolean
ddb_update_apply (DdbUpdate *update, JsonObject *item, GError **error)
{
  g_autoptr(GArray) puts = NULL, appends = NULL, removals = NULL;

  g_return_val_if_fail (update != NULL, FALSE);
  g_return_val_if_fail (item != NULL, FALSE);

  puts = g_array_new (FALSE, TRUE, sizeof (Mutation));
  appends = g_array_new (FALSE, TRUE, sizeof (Mutation));
  removals = g_array_new (FALSE, TRUE, sizeof (Mutation));
  g_array_set_clear_func (puts, mutation_clear);
  g_array_set_clear_func (appends, mutation_clear);
  g_array_set_clear_func (removals, mutation_clear);

  /* Phase 1: every value and target is computed from the original item,
   * so "SET a = b, b = a" swaps and errors leave the item untouched. */
  for (guint i = 0; i < update->actions->len; i++)
    {
      DdbUpdateAction *action = &g_array_index (update->actions, DdbUpdateAction, i);
      Mutation m = { MUT_PUT, { 0, }, NULL };
      JsonNode *existing;

      switch (action->kind)
        {
        case DDB_UPDATE_SET:
          m.value = eval_update_operand (action->value, item, error);
          if (m.value == NULL)
            return FALSE;
          if (!resolve_slot (action->path, item, &m.slot))
            {
              json_node_unref (m.value);
              return update_error (error, MSG_PATH);
            }
          break;
        case DDB_UPDATE_REMOVE:
          if (!resolve_slot (action->path, item, &m.slot))
            return update_error (error, MSG_PATH);
          m.kind = MUT_REMOVE;
          if (slot_get (&m.slot) == NULL)
            continue; /* nothing to remove */
          break;
        case DDB_UPDATE_ADD:
          if (!resolve_slot (action->path, item, &m.slot))
            return update_error (error, MSG_PATH);
          existing = slot_get (&m.slot);
          if (existing == NULL)
            m.value = ddb_value_deep_copy (action->value->value);
          else
            m.value = add_values (existing, action->value->value, error);
          if (m.value == NULL)
            return FALSE;
          break;
        case DDB_UPDATE_DELETE:
          {
            gboolean emptied;

            if (!resolve_slot (action->path, item, &m.slot))
              return update_error (error, MSG_PATH);
            existing = slot_get (&m.slot);
            if (existing == NULL)
              continue;
            m.value = delete_values (existing, action->value->value, &emptied, error);
            if (emptied)
              m.kind = MUT_REMOVE;
            else if (m.value == NULL)
              return FALSE;
            break;
          }
        default:
          g_assert_not_reached ();
        }

      if (m.kind == MUT_REMOVE)
        g_array_append_val (removals, m);
      else if (m.slot.arr != NULL && (m.slot.index < 0 || (guint) m.slot.index >= json_array_get_length (m.slot.arr)))
        g_array_append_val (appends, m);
      else
        g_array_append_val (puts, m);
    }

  /* Phase 2: nothing below can fail. */
  for (guint i = 0; i < puts->len; i++)
    {
      Mutation *m = &g_array_index (puts, Mutation, i);

      if (m->slot.obj)
        json_object_set_member (m->slot.obj, m->slot.name, g_steal_pointer (&m->value));
      else
        replace_in_place (json_array_get_element (m->slot.arr, m->slot.index), m->value);
    }
  /* SET past the end appends, lowest index first (as DynamoDB Local does). */
  g_array_sort (appends, compare_appends);
  for (guint i = 0; i < appends->len; i++)
    {
      Mutation *m = &g_array_index (appends, Mutation, i);

      json_array_add_element (m->slot.arr, g_steal_pointer (&m->value));
    }
  /* List indexes in REMOVE refer to the original list: highest first. */
  g_array_sort (removals, compare_removals);
  for (guint i = 0; i < removals->len; i++)
    {
      Mutation *m = &g_array_index (removals, Mutation, i);

      if (m->slot.obj)
        json_object_remove_member (m->slot.obj, m->slot.name);
      else if ((guint) m->slot.index < json_array_get_length (m->slot.arr))
        json_array_remove_element (m->slot.arr, m->slot.index);
    }
  return TRUE;
}
