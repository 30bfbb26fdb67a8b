/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gobject/gvaluecollector.h>
#ifdef G_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

#include "ddb-json.h"
#include "ddb-packed.h"
#include "dynamorm-single-table-private.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-direct-private.h"
#include "dynamorm-session-private.h"
#include "dynamorm-expression-private.h"
#include "dynamorm-condition-private.h"
#include "dynamorm-sync-private.h"
#include "dynamorm-session-private.h"
#include "dynamorm-properties-private.h"
#include "dynamorm-query.h"

/**
 * DynamormQuery:
 *
 * A query on the items of one model: conditions, an index, an order, a
 * limit, a projection, and terminals that run it.
 *
 * ```c
 * g_autoptr(DynamormQuery) query = dynamorm_query_new (session, MY_TYPE_INVOICE);
 * g_autoptr(GListModel) invoices = NULL;
 *
 * dynamorm_query_where (query, "customer", DYNAMORM_OPERATOR_EQ, "c1");
 * dynamorm_query_where (query, "total", DYNAMORM_OPERATOR_GT, (gint64) 100);
 * dynamorm_query_order_by (query, NULL, DYNAMORM_ORDER_DESCENDING);
 * invoices = dynamorm_query_all (query, NULL, &error);
 * ```
 *
 * ## Key condition and filter
 *
 * The conditions given with [method@Dynamorm.Query.where] are ANDed. The
 * model's schema decides what DynamoDB does with each: an equality on the
 * partition key of the table or of an index, and one condition (`=`, `<`,
 * `<=`, `>`, `>=`, `BETWEEN` or `BEGINS_WITH`) on the sort key of the same
 * table or index, become the `KeyConditionExpression`; every other
 * condition becomes part of the `FilterExpression`, together with the
 * conditions given with [method@Dynamorm.Query.filter] and
 * [method@Dynamorm.Query.or_filter]. Filters reduce what is returned, not
 * what is read (and paid for).
 *
 * Unless [method@Dynamorm.Query.index] names one, the query reads the
 * table or the index whose keys the conditions match best: one whose
 * partition key has an equality, preferring one whose sort key also has a
 * condition, then the table over an index, then indexes in their declared
 * order. A query that no partition key equality can serve would need a
 * full table scan: it is refused with %DYNAMORM_ERROR_INVALID_QUERY; call
 * [method@Dynamorm.Query.scan] or [method@Dynamorm.Query.parallel_scan] to
 * scan on purpose.
 *
 * ## Errors before requests
 *
 * Building a query never fails on the spot: the first mistake (an unknown
 * property, an operator that does not fit a property's type, a wrong
 * number of values, ...) is kept, and every terminal reports it, before
 * any request is sent.
 *
 * ## Limits and pages
 *
 * [method@Dynamorm.Query.limit] bounds the number of *results*: the query
 * reads as many DynamoDB pages as it takes to find them (unlike DynamoDB's
 * own `Limit`, which bounds the items read before the filter).
 * [method@Dynamorm.Query.page] returns one page and an opaque cursor that
 * a web client can hand back for the next one; cursors are signed by the
 * session and only accepted by the query they came from.
 *
 * A query is not thread-safe while it is being built; once built, its
 * terminals may run from several threads at once.
 */

typedef struct {
  DynamormField *field;
  DynamormOperator op;
  GValue *values;
  guint n_values;
  /* Made by the planner from conditions on a key template's properties:
   * never part of the filter; covered: the conditions (Where*) it makes
   * redundant when it is the key condition. */
  gboolean composed;
  GPtrArray *covered;
} Where;

struct _DynamormQuery
{
  GObject parent_instance;

  DynamormSession *session;
  GType model_type;
  const DynamormSchema *schema;   /* NULL when the model is invalid */
  GError *error;                  /* the first mistake made while building */

  GPtrArray *wheres;              /* of Where* */
  DynamormCondition *filter;
  char *index_name;
  DynamormField *order_field;
  DynamormOrder order;
  guint limit;
  gboolean consistent;
  GPtrArray *projection;          /* of DynamormField*, or NULL */
  char *collection;               /* a collection query: its name */
  GArray *members;                /* of GType: the collection's members */
};

G_DEFINE_FINAL_TYPE (DynamormQuery, dynamorm_query, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_MODEL_TYPE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static const gsize property_offsets[N_PROPS] = {
  [PROP_SESSION] = G_STRUCT_OFFSET (DynamormQuery, session),
  [PROP_MODEL_TYPE] = G_STRUCT_OFFSET (DynamormQuery, model_type),
};

static void
where_free (Where *w)
{
  for (guint i = 0; i < w->n_values; i++)
    g_value_unset (&w->values[i]);
  g_free (w->values);
  g_clear_pointer (&w->covered, g_ptr_array_unref);
  g_free (w);
}

static void
dynamorm_query_finalize (GObject *object)
{
  DynamormQuery *self = DYNAMORM_QUERY (object);

  g_clear_object (&self->session);
  g_clear_error (&self->error);
  g_clear_pointer (&self->wheres, g_ptr_array_unref);
  g_clear_pointer (&self->filter, dynamorm_condition_unref);
  g_clear_pointer (&self->index_name, g_free);
  g_clear_pointer (&self->projection, g_ptr_array_unref);
  g_clear_pointer (&self->collection, g_free);
  g_clear_pointer (&self->members, g_array_unref);

  G_OBJECT_CLASS (dynamorm_query_parent_class)->finalize (object);
}

static void
dynamorm_query_constructed (GObject *object)
{
  DynamormQuery *self = DYNAMORM_QUERY (object);

  G_OBJECT_CLASS (dynamorm_query_parent_class)->constructed (object);

  if (self->session == NULL)
    g_set_error (&self->error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                 _("A query needs a session: create it with Query.new (session, model type)"));
  else
    self->schema = _dynamorm_schema_get (self->model_type, TRUE, &self->error);
}

static void
dynamorm_query_class_init (DynamormQueryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _dynamorm_init ();

  object_class->finalize = dynamorm_query_finalize;
  object_class->constructed = dynamorm_query_constructed;

  /**
   * DynamormQuery:session:
   *
   * The session the query runs on.
   */
  properties[PROP_SESSION] = _dynamorm_param_spec_session ();

  /**
   * DynamormQuery:model-type:
   *
   * The [class@Dynamorm.Model] subtype whose items the query reads.
   */
  properties[PROP_MODEL_TYPE] = _dynamorm_param_spec_model_type ();

  _dynamorm_install_field_properties (object_class, N_PROPS, properties, property_offsets);
}

static void
dynamorm_query_init (DynamormQuery *self)
{
  self->wheres = g_ptr_array_new_with_free_func ((GDestroyNotify) where_free);
  self->model_type = DYNAMORM_TYPE_MODEL;
}

/**
 * dynamorm_query_new:
 * @session: the session to run the query on
 * @model_type: the [class@Dynamorm.Model] subtype to read
 *
 * Creates a query on the table of @model_type. An invalid model schema is
 * reported by the query's terminals.
 *
 * Returns: (transfer full): a new query
 */
DynamormQuery *
dynamorm_query_new (DynamormSession *session,
                    GType            model_type)
{
  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);
  g_return_val_if_fail (g_type_is_a (model_type, DYNAMORM_TYPE_MODEL), NULL);

  return g_object_new (DYNAMORM_TYPE_QUERY, "session", session, "model-type", model_type, NULL);
}

static DynamormQuery *query_fail (DynamormQuery *self, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

/**
 * dynamorm_query_new_collection:
 * @session: the session to run the query on
 * @collection: the name of a collection, as its members declare it with
 *   the tag `@collection=NAME`
 * @member_type: a [class@Dynamorm.Model] subtype in the collection
 *
 * Creates a query that reads a collection: the items of several models
 * that share one partition key template (on the table or on one index),
 * such as a customer with their orders and payments, in one request
 * sequence. Add the other members with
 * [method@Dynamorm.Query.add_member], give the partition key's
 * properties with [method@Dynamorm.Query.where], and read: each item
 * comes back as the model its entity names, in key order.
 *
 * ```c
 * g_autoptr(DynamormQuery) history =
 *   dynamorm_query_new_collection (session, "customer-history", SHOP_TYPE_CUSTOMER);
 *
 * dynamorm_query_add_member (history, SHOP_TYPE_ORDER);
 * dynamorm_query_add_member (history, SHOP_TYPE_PAYMENT);
 * dynamorm_query_where (history, "customer-id", DYNAMORM_OPERATOR_EQ, "c1");
 * items = dynamorm_query_all (history, NULL, &error);
 * ```
 *
 * Members that do not declare the collection, or do not share its
 * partition key, are reported by the terminals before any request.
 * Conditions on other properties become the filter; a collection query
 * has no projection.
 *
 * Returns: (transfer full): a new query
 */
DynamormQuery *
dynamorm_query_new_collection (DynamormSession *session,
                               const char      *collection,
                               GType            member_type)
{
  DynamormQuery *self;

  g_return_val_if_fail (DYNAMORM_IS_SESSION (session), NULL);
  g_return_val_if_fail (collection != NULL, NULL);
  g_return_val_if_fail (g_type_is_a (member_type, DYNAMORM_TYPE_MODEL), NULL);

  self = dynamorm_query_new (session, member_type);
  self->collection = g_strdup (collection);
  self->members = g_array_new (FALSE, FALSE, sizeof (GType));
  g_array_append_val (self->members, member_type);
  return self;
}

/**
 * dynamorm_query_add_member:
 * @self: a query made by [ctor@Dynamorm.Query.new_collection]
 * @member_type: another [class@Dynamorm.Model] subtype in the collection
 *
 * Adds a member to a collection query: its items are read too.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DynamormQuery *
dynamorm_query_add_member (DynamormQuery *self,
                           GType          member_type)
{
  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);
  g_return_val_if_fail (g_type_is_a (member_type, DYNAMORM_TYPE_MODEL), self);

  if (self->members == NULL)
    return query_fail (self, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("Members can only be added to a collection query: create it with "
                         "Query.new_collection"));
  g_array_append_val (self->members, member_type);
  return self;
}

/**
 * dynamorm_query_get_session:
 * @self: a #DynamormQuery
 *
 * Gets the session the query runs on.
 *
 * Returns: (transfer none): the session
 */
DYNAMORM_DEFINE_GETTER (DynamormSession *, dynamorm_query_get_session,
                        DynamormQuery, DYNAMORM_IS_QUERY, session, NULL)

/**
 * dynamorm_query_get_model_type:
 * @self: a #DynamormQuery
 *
 * Gets the model type the query reads.
 *
 * Returns: a [class@Dynamorm.Model] subtype
 */
DYNAMORM_DEFINE_GETTER (GType, dynamorm_query_get_model_type,
                        DynamormQuery, DYNAMORM_IS_QUERY, model_type, G_TYPE_INVALID)

/* ------------------------------------------------------------------ */
/* Building */

G_GNUC_PRINTF (3, 4)
static DynamormQuery *
query_fail (DynamormQuery *self, int code, const char *format, ...)
{
  va_list args;

  if (self->error == NULL)
    {
      va_start (args, format);
      self->error = g_error_new_valist (DYNAMORM_ERROR, code, format, args);
      va_end (args);
    }
  return self;
}

static const char *
operator_text (DynamormOperator op)
{
  static const char *const text[] = {
    "=", "<>", "<", "<=", ">", ">=", "BETWEEN", "IN", "BEGINS_WITH", "CONTAINS",
    "EXISTS", "NOT_EXISTS",
  };

  return op < G_N_ELEMENTS (text) ? text[op] : "?";
}

/* Number of values an operator takes; -1 for IN (1 to 100). */
static int
operator_arity (DynamormOperator op)
{
  switch (op)
    {
    case DYNAMORM_OPERATOR_BETWEEN:
      return 2;
    case DYNAMORM_OPERATOR_IN:
      return -1;
    case DYNAMORM_OPERATOR_EXISTS:
    case DYNAMORM_OPERATOR_NOT_EXISTS:
      return 0;
    default:
      return 1;
    }
}

/* The DynamoDB type a field is stored as, when it is always the same. */
static char
field_scalar_type (const DynamormField *field)
{
  switch (field->kind)
    {
    case FIELD_STRING:
    case FIELD_ENUM:
      return 'S';
    case FIELD_DATETIME:
      return (field->flags & (FIELD_FLAG_EPOCH | FIELD_FLAG_TTL)) ? 'N' : 'S';
    case FIELD_STRING_NUMBER:
    case FIELD_INT:
    case FIELD_UINT:
    case FIELD_DOUBLE:
    case FIELD_FLAGS:
      return 'N';
    case FIELD_STRING_BINARY:
    case FIELD_BYTES:
      return 'B';
    case FIELD_VARIANT:
    case FIELD_JSON_NODE:
      return '?';     /* free-form: anything may be stored */
    default:
      return 0;
    }
}

static gboolean
operator_fits (const DynamormField *field, DynamormOperator op)
{
  char type = field_scalar_type (field);

  switch (op)
    {
    case DYNAMORM_OPERATOR_LT:
    case DYNAMORM_OPERATOR_LE:
    case DYNAMORM_OPERATOR_GT:
    case DYNAMORM_OPERATOR_GE:
    case DYNAMORM_OPERATOR_BETWEEN:
      return type != 0;
    case DYNAMORM_OPERATOR_BEGINS_WITH:
      return type == 'S' || type == 'B' || type == '?';
    case DYNAMORM_OPERATOR_CONTAINS:
      return type == 'S' || type == 'B' || type == '?' || field->kind == FIELD_STRV;
    case DYNAMORM_OPERATOR_EQ:
    case DYNAMORM_OPERATOR_NE:
    case DYNAMORM_OPERATOR_IN:
    case DYNAMORM_OPERATOR_EXISTS:
    case DYNAMORM_OPERATOR_NOT_EXISTS:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The type of the values a condition on field takes. */
static GType
operand_type (const DynamormField *field, DynamormOperator op)
{
  if (op == DYNAMORM_OPERATOR_CONTAINS && field->kind == FIELD_STRV)
    return G_TYPE_STRING;
  return G_PARAM_SPEC_VALUE_TYPE (field->pspec);
}

static DynamormField *
lookup_property (DynamormQuery *self, const char *property)
{
  DynamormField *field;

  if (self->error != NULL)
    return NULL;
  field = _dynamorm_schema_lookup (self->schema, property);
  if (field == NULL)
    field = (DynamormField *) _dynamorm_schema_lookup_composed (self->schema, property);
  if (field == NULL)
    query_fail (self, DYNAMORM_ERROR_INVALID_ARGUMENT,
                _("%s has no stored property “%s”: name one of its properties (not an attribute name)"),
                g_type_name (self->model_type), property);
  return field;
}

static gboolean
check_where (DynamormQuery *self, DynamormField *field, DynamormOperator op, guint n_values)
{
  int arity = operator_arity (op);

  if ((guint) op > DYNAMORM_OPERATOR_NOT_EXISTS)
    {
      query_fail (self, DYNAMORM_ERROR_INVALID_ARGUMENT, _("%d is not a DynamormOperator"), (int) op);
      return FALSE;
    }
  if (field->flags & FIELD_FLAG_ENCRYPTED)
    {
      query_fail (self, DYNAMORM_ERROR_INVALID_QUERY,
                  _("Property “%s” of %s is encrypted and cannot be used in a query condition or "
                    "filter: DynamoDB only sees its ciphertext. Filter on it after reading the "
                    "items, or store a separate unencrypted attribute to query on"),
                  field->pspec->name, g_type_name (self->model_type));
      return FALSE;
    }
  if (!operator_fits (field, op))
    {
      query_fail (self, DYNAMORM_ERROR_INVALID_QUERY,
                  _("Operator %s does not fit property “%s” of %s, a %s: use it on %s"),
                  operator_text (op), field->pspec->name, g_type_name (self->model_type),
                  g_type_name (G_PARAM_SPEC_VALUE_TYPE (field->pspec)),
                  op == DYNAMORM_OPERATOR_BEGINS_WITH ? _("strings or binary values") :
                  op == DYNAMORM_OPERATOR_CONTAINS ? _("strings, binary values, sets or lists") :
                  _("strings, numbers or binary values"));
      return FALSE;
    }
  if (arity == -1 && (n_values == 0 || n_values > 100))
    {
      query_fail (self, DYNAMORM_ERROR_INVALID_QUERY,
                  _("IN on “%s” was given %u values; DynamoDB takes 1 to 100: split the query, "
                    "or run one query per group of 100 values"),
                  field->pspec->name, n_values);
      return FALSE;
    }
  if (arity >= 0 && n_values != (guint) arity)
    {
      query_fail (self, DYNAMORM_ERROR_INVALID_QUERY,
                  g_dngettext (GETTEXT_PACKAGE,
                               "%s on “%s” takes %d value, not %u",
                               "%s on “%s” takes %d values, not %u", arity),
                  operator_text (op), field->pspec->name, arity, n_values);
      return FALSE;
    }
  return TRUE;
}

/**
 * dynamorm_query_where_values:
 * @self: a #DynamormQuery
 * @property: a property of the query's model
 * @op: the comparison
 * @values: (array length=n_values) (nullable): the values to compare with:
 *   none for %DYNAMORM_OPERATOR_EXISTS and %DYNAMORM_OPERATOR_NOT_EXISTS,
 *   two for %DYNAMORM_OPERATOR_BETWEEN, 1 to 100 for
 *   %DYNAMORM_OPERATOR_IN, one otherwise
 * @n_values: the number of @values
 *
 * Adds a condition that results must meet, ANDed with the others. The
 * values are converted to the property's type as #GValue transforms allow;
 * for %DYNAMORM_OPERATOR_CONTAINS on a string list or set, give the element
 * to look for. Whether the condition becomes part of DynamoDB's key
 * condition or of its filter is decided by the model's schema: see the
 * class description.
 *
 * Mistakes are reported by the terminals, before any request is sent.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DynamormQuery *
dynamorm_query_where_values (DynamormQuery    *self,
                             const char       *property,
                             DynamormOperator  op,
                             const GValue     *values,
                             guint             n_values)
{
  DynamormField *field;
  Where *w;

  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);
  g_return_val_if_fail (property != NULL, self);
  g_return_val_if_fail (values != NULL || n_values == 0, self);

  if ((field = lookup_property (self, property)) == NULL)
    return self;
  if (!check_where (self, field, op, n_values))
    return self;
  for (guint i = 0; i < n_values; i++)
    if (!G_IS_VALUE (&values[i]))
      return query_fail (self, DYNAMORM_ERROR_INVALID_ARGUMENT,
                         _("Value %u of the condition on “%s” is not set (NULL, None or null): to "
                           "test whether the attribute is missing, use the NOT_EXISTS operator"),
                         i + 1, field->pspec->name);

  w = g_new0 (Where, 1);
  w->field = field;
  w->op = op;
  w->n_values = n_values;
  w->values = g_new0 (GValue, MAX (n_values, 1));
  for (guint i = 0; i < n_values; i++)
    {
      g_value_init (&w->values[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &w->values[i]);
    }
  g_ptr_array_add (self->wheres, w);
  return self;
}

/**
 * dynamorm_query_where: (skip)
 * @self: a #DynamormQuery
 * @property: a property of the query's model
 * @op: the comparison
 * @...: the values, of the property's type as g_object_set() takes them
 *   (a `gint64` for a `gint64` property, a string for a string property,
 *   and a string element for %DYNAMORM_OPERATOR_CONTAINS on a string
 *   list): none for %DYNAMORM_OPERATOR_EXISTS and
 *   %DYNAMORM_OPERATOR_NOT_EXISTS, two for %DYNAMORM_OPERATOR_BETWEEN, one
 *   otherwise; for %DYNAMORM_OPERATOR_IN, a #guint count followed by that
 *   many values
 *
 * Adds a condition that results must meet; the C convenience form of
 * [method@Dynamorm.Query.where_values].
 *
 * ```c
 * dynamorm_query_where (query, "account", DYNAMORM_OPERATOR_EQ, "a1");
 * dynamorm_query_where (query, "total", DYNAMORM_OPERATOR_BETWEEN, (gint64) 10, (gint64) 99);
 * dynamorm_query_where (query, "status", DYNAMORM_OPERATOR_IN, 2, "paid", "late");
 * ```
 *
 * Returns: (transfer none): @self, to chain calls
 */
DynamormQuery *
dynamorm_query_where (DynamormQuery    *self,
                      const char       *property,
                      DynamormOperator  op,
                      ...)
{
  DynamormField *field;
  va_list args;
  guint n_values;
  GValue *values;
  GType type;

  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);
  g_return_val_if_fail (property != NULL, self);

  if ((field = lookup_property (self, property)) == NULL)
    return self;

  va_start (args, op);
  n_values = operator_arity (op) >= 0 ? (guint) operator_arity (op) : va_arg (args, guint);
  if (!check_where (self, field, op, n_values))
    {
      va_end (args);
      return self;
    }

  type = operand_type (field, op);
  values = g_new0 (GValue, MAX (n_values, 1));
  for (guint i = 0; i < n_values; i++)
    {
      g_autofree char *collect_error = NULL;

      G_VALUE_COLLECT_INIT (&values[i], type, args, 0, &collect_error);
      if (collect_error != NULL)
        {
          query_fail (self, DYNAMORM_ERROR_INVALID_ARGUMENT,
                      _("Value %u of the condition on “%s” could not be read: %s"),
                      i + 1, field->pspec->name, collect_error);
          n_values = i;     /* like g_object_set(): values[i] is left as it is */
          break;
        }
    }
  va_end (args);

  if (self->error == NULL)
    dynamorm_query_where_values (self, property, op, values, n_values);
  for (guint i = 0; i < n_values; i++)
    g_value_unset (&values[i]);
  g_free (values);
  return self;
}

static DynamormCondition *
combine (DynamormCondition *left, DynamormCondition *right, gboolean or)
{
  DynamormCondition *both;

  if (left == NULL)
    return right;
  both = or ? dynamorm_condition_new_or (left, right) : dynamorm_condition_new_and (left, right);
  dynamorm_condition_unref (left);
  dynamorm_condition_unref (right);
  return both;
}

/* The two filter methods below, under their gi-docgen comments:
 *
 *   DEFINE_FILTER (dynamorm_query_or_filter, TRUE)
 *
 * defines
 *
 *   DynamormQuery *
 *   dynamorm_query_or_filter (DynamormQuery *self, DynamormCondition *condition)
 *   {
 *     g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);
 *     g_return_val_if_fail (condition != NULL, self);
 *     self->filter = combine (self->filter, dynamorm_condition_ref (condition), TRUE);
 *     return self;
 *   }
 */
#define DEFINE_FILTER(function, or)                                                 \
  DynamormQuery *                                                                 \
  function (DynamormQuery *self, DynamormCondition *condition)                    \
  {                                                                               \
    g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);                        \
    g_return_val_if_fail (condition != NULL, self);                               \
                                                                                  \
    self->filter = combine (self->filter, dynamorm_condition_ref (condition), or); \
    return self;                                                                  \
  }

/**
 * dynamorm_query_filter:
 * @self: a #DynamormQuery
 * @condition: a condition
 *
 * ANDs a condition into the query's filter. Build grouped conditions with
 * [ctor@Dynamorm.Condition.new_and], [ctor@Dynamorm.Condition.new_or] and
 * [ctor@Dynamorm.Condition.new_not]. Filters are applied by DynamoDB after
 * reading: they reduce what is returned, not what is read. DynamoDB does
 * not allow a filter on the keys of the table or index that is queried.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DEFINE_FILTER (dynamorm_query_filter, FALSE)

/**
 * dynamorm_query_or_filter:
 * @self: a #DynamormQuery
 * @condition: a condition
 *
 * ORs a condition with the query's filter so far: after
 * `filter (a); filter (b); or_filter (c)` the filter is `(a AND b) OR c`.
 * The conditions given with [method@Dynamorm.Query.where] that are not
 * part of the key condition are ANDed with the whole filter.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DEFINE_FILTER (dynamorm_query_or_filter, TRUE)

/**
 * dynamorm_query_index:
 * @self: a #DynamormQuery
 * @index_name: (nullable): the name of a global or local secondary index
 *   of the model, or %NULL to choose automatically
 *
 * Reads a chosen index instead of the one the conditions match best. The
 * conditions must still give an equality on the index's partition key.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DynamormQuery *
dynamorm_query_index (DynamormQuery *self,
                      const char    *index_name)
{
  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);

  g_free (self->index_name);
  self->index_name = g_strdup (index_name);
  return self;
}

/**
 * dynamorm_query_order_by:
 * @self: a #DynamormQuery
 * @property: (nullable): the sort key property to order by, or %NULL for
 *   the sort key of whichever table or index is read
 * @order: ascending or descending
 *
 * Orders the results on a sort key. Naming @property restricts the choice
 * of index to those whose sort key it is; if none of them can serve the
 * query, the terminals fail with %DYNAMORM_ERROR_INVALID_QUERY rather than
 * return results in another order. Scans have no order: they refuse a
 * query with an order.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DynamormQuery *
dynamorm_query_order_by (DynamormQuery *self,
                         const char    *property,
                         DynamormOrder  order)
{
  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);

  if (property != NULL)
    {
      DynamormField *field = lookup_property (self, property);
      if (field == NULL)
        return self;
      self->order_field = field;
    }
  else
    self->order_field = NULL;
  self->order = order;
  return self;
}

/**
 * dynamorm_query_limit:
 * @self: a #DynamormQuery
 * @limit: the largest number of results, or 0 for no limit
 *
 * Bounds the number of results [method@Dynamorm.Query.all] and
 * [method@Dynamorm.Query.scan] return and
 * [method@Dynamorm.Query.count] counts. This is a limit on results, after
 * filtering: the query reads further DynamoDB pages until it has found
 * @limit results or read everything. (DynamoDB's own `Limit`, which stops
 * after reading that many items whether or not they pass the filter, is
 * only used internally, when there is no filter.)
 *
 * Returns: (transfer none): @self, to chain calls
 */
DynamormQuery *
dynamorm_query_limit (DynamormQuery *self,
                      guint          limit)
{
  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);

  self->limit = limit;
  return self;
}

/**
 * dynamorm_query_consistent:
 * @self: a #DynamormQuery
 * @consistent: whether to read consistently
 *
 * Asks for strongly consistent reads, which see every write that
 * succeeded before the read. DynamoDB does not offer them on global
 * secondary indexes: a consistent query that would have to read one fails
 * with %DYNAMORM_ERROR_INVALID_QUERY.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DynamormQuery *
dynamorm_query_consistent (DynamormQuery *self,
                           gboolean       consistent)
{
  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);

  self->consistent = !!consistent;
  return self;
}

/**
 * dynamorm_query_project:
 * @self: a #DynamormQuery
 * @properties: (array zero-terminated=1) (nullable): the properties to
 *   read, or %NULL for all
 *
 * Reads only some properties of each item (DynamoDB's
 * `ProjectionExpression`). The key properties of the table and of the
 * index read are always included, so that results can be written back
 * and pages continued; the other properties of the results keep their
 * default values.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DynamormQuery *
dynamorm_query_project (DynamormQuery      *self,
                        const char * const *properties)
{
  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);

  g_clear_pointer (&self->projection, g_ptr_array_unref);
  if (properties == NULL)
    return self;
  self->projection = g_ptr_array_new ();
  for (guint i = 0; properties[i] != NULL; i++)
    {
      DynamormField *field = lookup_property (self, properties[i]);

      if (field == NULL)
        return self;
      g_ptr_array_add (self->projection, field);
    }
  return self;
}

/* ------------------------------------------------------------------ */
/* Planning: from the query to one DynamoDB request */

typedef enum {
  PLAN_QUERY,     /* all, page */
  PLAN_FIRST,     /* GetItem when the whole key is given */
  PLAN_COUNT,     /* Query with Select COUNT */
  PLAN_SCAN,
} PlanMode;

typedef struct {
  const char *operation;   /* "Query", "Scan", "GetItem" */
  char *request;           /* the request, as JSON text; also the cursor's binding */
  char *table_name;
  GPtrArray *key_attrs;    /* attribute names that make an ExclusiveStartKey */
  gboolean has_filter;
} Plan;

static void
plan_free (Plan *plan)
{
  g_free (plan->request);
  g_free (plan->table_name);
  g_clear_pointer (&plan->key_attrs, g_ptr_array_unref);
  g_free (plan);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Plan, plan_free)

typedef struct {
  const char *name;          /* NULL for the table */
  DynamormField *pk;
  DynamormField *sk;
  gboolean global;
  /* A GSI with a multi-attribute key: the index, and once scored the key
   * conditions on its further parts (besides pk_leaf and sk_leaf). */
  const DynamormIndex *multi;
  Where *more_leaves[7];
  guint n_more_leaves;
} Candidate;

static gboolean
is_key_operator (DynamormOperator op)
{
  switch (op)
    {
    case DYNAMORM_OPERATOR_EQ:
    case DYNAMORM_OPERATOR_LT:
    case DYNAMORM_OPERATOR_LE:
    case DYNAMORM_OPERATOR_GT:
    case DYNAMORM_OPERATOR_GE:
    case DYNAMORM_OPERATOR_BETWEEN:
    case DYNAMORM_OPERATOR_BEGINS_WITH:
      return TRUE;
    default:
      return FALSE;
    }
}

/* A where value as the AttributeValue of a key field. */
static JsonNode *
encode_key_value (DynamormQuery *self, const DynamormField *field, const GValue *value, GError **error)
{
  GValue converted = G_VALUE_INIT;
  GType want = G_PARAM_SPEC_VALUE_TYPE (field->pspec);
  JsonNode *av = NULL;
  gboolean ok;

  g_value_init (&converted, want);
  if (!g_value_type_transformable (G_VALUE_TYPE (value), want) ||
      !g_value_transform (value, &converted))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("Property “%s” of %s is a %s; a %s cannot be compared with it"),
                   field->pspec->name, g_type_name (self->model_type), g_type_name (want),
                   g_type_name (G_VALUE_TYPE (value)));
      g_value_unset (&converted);
      return NULL;
    }
  ok = _dynamorm_field_encode (field, &converted, &av, error);
  g_value_unset (&converted);
  if (!ok)
    return NULL;
  if (av == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("The condition on key property “%s” of %s has an empty value: "
                     "keys are never empty, give a value"),
                   field->pspec->name, g_type_name (self->model_type));
      return NULL;
    }
  return av;
}

static DynamormCondition *
where_condition (Where *w)
{
  const char *name = w->field->pspec->name;

  switch (w->op)
    {
    case DYNAMORM_OPERATOR_EXISTS:
      return dynamorm_condition_new_exists (name);
    case DYNAMORM_OPERATOR_NOT_EXISTS:
      return dynamorm_condition_new_not_exists (name);
    default:
      return dynamorm_condition_new (name, w->op, w->values, w->n_values);
    }
}

static void
add_key_attr (GPtrArray *attrs, const DynamormField *field)
{
  if (field == NULL)
    return;
  for (guint i = 0; i < attrs->len; i++)
    if (g_str_equal (attrs->pdata[i], field->attribute))
      return;
  g_ptr_array_add (attrs, field->attribute);
}

/* Renders one key comparison ("#n0 = :v0", "begins_with(#n1, :v1)"). */
static gboolean
render_key_condition (DynamormQuery *self, DynamormExprBuilder *b, Where *w, GString *out, GError **error)
{
  const char *name = _dynamorm_expr_builder_name (b, w->field->attribute);
  const char *v[2] = { NULL, NULL };

  if (w->op == DYNAMORM_OPERATOR_BEGINS_WITH && w->field->key_type == 'N')
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                   _("BEGINS_WITH does not fit “%s” of %s, a number key: use BETWEEN"),
                   w->field->pspec->name, g_type_name (self->model_type));
      return FALSE;
    }
  for (guint i = 0; i < w->n_values; i++)
    {
      JsonNode *av = encode_key_value (self, w->field, &w->values[i], error);
      if (av == NULL)
        return FALSE;
      v[i] = _dynamorm_expr_builder_value (b, av);
    }

  if (out->len)
    g_string_append (out, " AND ");
  switch (w->op)
    {
    case DYNAMORM_OPERATOR_BETWEEN:
      g_string_append_printf (out, "%s BETWEEN %s AND %s", name, v[0], v[1]);
      break;
    case DYNAMORM_OPERATOR_BEGINS_WITH:
      g_string_append_printf (out, "begins_with(%s, %s)", name, v[0]);
      break;
    default:
      g_string_append_printf (out, "%s %s %s", name, operator_text (w->op), v[0]);
      break;
    }
  return TRUE;
}

static char *
index_names (const DynamormSchema *schema)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < schema->indexes->len; i++)
    {
      DynamormIndex *index = g_ptr_array_index (schema->indexes, i);
      g_string_append_printf (s, "%s“%s”", s->len ? ", " : "", index->name);
    }
  if (s->len == 0)
    g_string_append (s, _("none"));
  return g_string_free (s, FALSE);
}

/* What can read a query's items: the table first, then each index. */
static GArray *
list_candidates (const DynamormSchema *schema)
{
  GArray *candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  Candidate table = { NULL, schema->partition_key, schema->sort_key, FALSE };

  g_array_append_val (candidates, table);
  for (guint i = 0; i < schema->indexes->len; i++)
    {
      DynamormIndex *index = g_ptr_array_index (schema->indexes, i);
      Candidate c = { index->name,
                      index->local ? schema->partition_key : index->partition_key,
                      index->sort_key, !index->local,
                      _dynamorm_index_n_pk (index) > 1 || _dynamorm_index_n_sk (index) > 1 ? index : NULL,
                      { NULL }, 0 };
      g_array_append_val (candidates, c);
    }
  return candidates;
}

/* With dynamorm_query_set_index(), only that index is a candidate. */
static gboolean
keep_named_index (DynamormQuery *self, GArray *candidates, GError **error)
{
  guint found = 0;
  Candidate only;

  for (guint i = 1; i < candidates->len; i++)
    if (g_str_equal (g_array_index (candidates, Candidate, i).name, self->index_name))
      found = i;
  if (found == 0)
    {
      g_autofree char *names = index_names (self->schema);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                   _("%s has no index “%s”; its indexes are: %s"),
                   g_type_name (self->model_type), self->index_name, names);
      return FALSE;
    }
  only = g_array_index (candidates, Candidate, found);
  g_array_set_size (candidates, 0);
  g_array_append_val (candidates, only);
  return TRUE;
}

/* A collection query reads the table or the index its collection is on. */
static gboolean
keep_collection_candidate (DynamormQuery *self, GArray *candidates, GError **error)
{
  const DynamormCollectionDecl *decl = _dynamorm_schema_find_collection (self->schema, self->collection);
  Candidate only;

  for (guint i = 0; decl != NULL && i < candidates->len; i++)
    if (g_strcmp0 (g_array_index (candidates, Candidate, i).name, decl->index_name) == 0)
      {
        only = g_array_index (candidates, Candidate, i);
        g_array_set_size (candidates, 0);
        g_array_append_val (candidates, only);
        return TRUE;
      }
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
               _("%s does not declare the collection “%s” on one of its indexes: declare it with "
                 "“@collection=%s”"),
               g_type_name (self->model_type), self->collection, self->collection);
  return FALSE;
}

static gboolean
where_is_covered (Where *w, Where *pk_leaf, Where *sk_leaf)
{
  return (pk_leaf != NULL && pk_leaf->covered != NULL && g_ptr_array_find (pk_leaf->covered, w, NULL)) ||
         (sk_leaf != NULL && sk_leaf->covered != NULL && g_ptr_array_find (sk_leaf->covered, w, NULL));
}

static Where *
where_from_composed (DynamormComposedCondition *cond, GPtrArray *user_wheres)
{
  Where *w = g_new0 (Where, 1);

  w->field = (DynamormField *) cond->composed;
  w->op = cond->op;
  w->n_values = cond->n_bounds;
  w->values = g_new0 (GValue, MAX (cond->n_bounds, 1));
  for (guint i = 0; i < cond->n_bounds; i++)
    {
      g_value_init (&w->values[i], G_TYPE_STRING);
      g_value_set_string (&w->values[i], cond->bounds[i]);
    }
  w->composed = TRUE;
  w->covered = g_ptr_array_new ();
  for (guint i = 0; i < cond->covered->len; i++)
    g_ptr_array_add (w->covered, user_wheres->pdata[g_array_index (cond->covered, guint, i)]);
  return w;
}

/* The query's conditions and, for key templates, the conditions on the
 * composed keys they make (owned by *synthetic). */
static GPtrArray *
plan_wheres (DynamormQuery *self, gboolean with_composed, GPtrArray **synthetic, GError **error)
{
  GPtrArray *wheres = g_ptr_array_new ();
  g_autoptr(GArray) terms = g_array_new (FALSE, FALSE, sizeof (DynamormKeyTerm));
  g_autoptr(GPtrArray) conditions = NULL;

  *synthetic = g_ptr_array_new_with_free_func ((GDestroyNotify) where_free);
  for (guint i = 0; i < self->wheres->len; i++)
    {
      Where *w = g_ptr_array_index (self->wheres, i);
      DynamormKeyTerm term = { w->field, w->op, w->values, w->n_values };

      g_ptr_array_add (wheres, w);
      g_array_append_val (terms, term);
    }
  if (!with_composed)
    return wheres;
  conditions = _dynamorm_query_compose_conditions (self->schema, (DynamormKeyTerm *) terms->data, terms->len,
                                                   self->collection != NULL, error);
  if (conditions == NULL)
    {
      g_ptr_array_unref (wheres);
      g_clear_pointer (synthetic, g_ptr_array_unref);
      return NULL;
    }
  for (guint i = 0; i < conditions->len; i++)
    {
      Where *w = where_from_composed (conditions->pdata[i], self->wheres);

      g_ptr_array_add (*synthetic, w);
      g_ptr_array_add (wheres, w);
    }
  return wheres;
}

/* The first condition on key that a key condition can hold: = on a
 * partition key (sort_key FALSE), a key operator on a sort key. */
static Where *
find_key_leaf (GPtrArray *wheres, const DynamormField *key, gboolean sort_key)
{
  for (guint i = 0; key != NULL && i < wheres->len; i++)
    {
      Where *w = g_ptr_array_index (wheres, i);

      if (w->field == key && (sort_key ? is_key_operator (w->op) : w->op == DYNAMORM_OPERATOR_EQ))
        return w;
    }
  return NULL;
}

/* Why no candidate served the query, for the error. */
typedef struct {
  GError *conflict;             /* a key named again in the filter */
  gboolean refused_consistent;
  gboolean refused_order;
  const Candidate *refused_gsi;
} Refusals;

/* Every condition but the key condition goes to the filter, which may not
 * name a key of what is read; the first such conflict is kept. */
static gboolean
filter_avoids_keys (DynamormQuery *self, GPtrArray *wheres, const Candidate *cand, Where *pk_leaf,
                    Where *sk_leaf, Refusals *refusals)
{
  for (guint i = 0; i < wheres->len; i++)
    {
      Where *w = g_ptr_array_index (wheres, i);

      if (w == pk_leaf || w == sk_leaf || w->composed || where_is_covered (w, pk_leaf, sk_leaf))
        continue;
      if (w->field != cand->pk && (cand->sk == NULL || w->field != cand->sk))
        continue;
      if (refusals->conflict == NULL)
        g_set_error (&refusals->conflict, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                     _("“%s” is a key of the %s read by this query on %s, and DynamoDB allows one "
                       "condition on a key in a query (= on a partition key; =, <, <=, >, >=, "
                       "BETWEEN or BEGINS_WITH on a sort key) and none in its filter: combine the "
                       "conditions on it, for example into one BETWEEN"),
                     w->field->pspec->name, cand->name ? cand->name : _("table"),
                     g_type_name (self->model_type));
      return FALSE;
    }
  return TRUE;
}

/* How well cand serves the query: 0 when it cannot (the reason goes to
 * refusals), 1 with a partition key condition, 2 with a sort key one too. */
static gboolean
is_more_leaf (const Candidate *cand, Where *w)
{
  for (guint i = 0; i < cand->n_more_leaves; i++)
    if (cand->more_leaves[i] == w)
      return TRUE;
  return FALSE;
}

static gboolean
is_multi_key_part (const DynamormIndex *index, const DynamormField *field)
{
  for (guint i = 0; i < _dynamorm_index_n_pk (index); i++)
    if (_dynamorm_index_pk (index, i) == field)
      return TRUE;
  for (guint i = 0; i < _dynamorm_index_n_sk (index); i++)
    if (_dynamorm_index_sk (index, i) == field)
      return TRUE;
  return FALSE;
}

/* A multi-attribute key: "=" on every partition key part, then "=" on the
 * first sort key parts and any key operator on the next one; a condition
 * on another part would have to be in the filter, which DynamoDB refuses. */
static int
score_multi_candidate (DynamormQuery *self, GPtrArray *wheres, Candidate *cand, Where **pk_leaf,
                       Where **sk_leaf, Refusals *refusals)
{
  const DynamormIndex *index = cand->multi;
  Where *last = NULL;
  guint n_sort = 0;

  cand->n_more_leaves = 0;
  *sk_leaf = NULL;
  if ((*pk_leaf = find_key_leaf (wheres, index->partition_key, FALSE)) == NULL)
    return 0;
  for (guint i = 1; i < _dynamorm_index_n_pk (index); i++)
    {
      Where *w = find_key_leaf (wheres, _dynamorm_index_pk (index, i), FALSE);
      if (w == NULL)
        return 0;
      cand->more_leaves[cand->n_more_leaves++] = w;
    }
  for (guint i = 0; i < _dynamorm_index_n_sk (index); i++)
    {
      Where *w = find_key_leaf (wheres, _dynamorm_index_sk (index, i), TRUE);
      if (w == NULL || (last != NULL && last->op != DYNAMORM_OPERATOR_EQ))
        break;
      if (i == 0)
        *sk_leaf = w;
      else
        cand->more_leaves[cand->n_more_leaves++] = w;
      last = w;
      n_sort++;
    }
  if (self->order_field != NULL && self->order_field != cand->sk)
    {
      refusals->refused_order = TRUE;
      return 0;
    }
  if (self->consistent)
    {
      refusals->refused_consistent = TRUE;
      refusals->refused_gsi = cand;
      return 0;
    }
  for (guint i = 0; i < wheres->len; i++)
    {
      Where *w = g_ptr_array_index (wheres, i);
      if (w == *pk_leaf || w == *sk_leaf || is_more_leaf (cand, w) || !is_multi_key_part (index, w->field))
        continue;
      if (refusals->conflict == NULL)
        g_set_error (&refusals->conflict, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                     _("“%s” is a part of the multi-attribute key of index “%s” of %s, and DynamoDB "
                       "reads such an index with = on every partition key part, then = on the first "
                       "sort key parts and one condition on the next part, in order; nothing on a "
                       "key part may go to the filter: give the parts before “%s”, or drop its "
                       "condition"),
                     w->field->pspec->name, cand->name, g_type_name (self->model_type), w->field->pspec->name);
      return 0;
    }
  return 1 + n_sort;
}

static int
score_candidate (DynamormQuery *self, GPtrArray *wheres, Candidate *cand, Where **pk_leaf,
                 Where **sk_leaf, Refusals *refusals)
{
  if (cand->multi != NULL)
    return score_multi_candidate (self, wheres, cand, pk_leaf, sk_leaf, refusals);
  *pk_leaf = find_key_leaf (wheres, cand->pk, FALSE);
  if (*pk_leaf == NULL)
    return 0;
  *sk_leaf = find_key_leaf (wheres, cand->sk, TRUE);
  if (self->order_field != NULL && self->order_field != cand->sk)
    {
      refusals->refused_order = TRUE;
      return 0;
    }
  if (self->consistent && cand->global)
    {
      refusals->refused_consistent = TRUE;
      refusals->refused_gsi = cand;
      return 0;
    }
  if (!filter_avoids_keys (self, wheres, cand, *pk_leaf, *sk_leaf, refusals))
    return 0;
  return *sk_leaf != NULL ? 2 : 1;
}

/* The error when no table or index can serve a query: a refusal first,
 * else the partition key condition it lacks. */
static void
explain_no_candidate (DynamormQuery *self, GArray *candidates, Refusals *refusals, GError **error)
{
  if (refusals->conflict != NULL)
    g_propagate_error (error, g_steal_pointer (&refusals->conflict));
  else if (refusals->refused_consistent)
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                 _("This query can only be served by index “%s” of %s, a global secondary index, where "
                   "DynamoDB does not offer consistent reads: drop the consistent read, or query the "
                   "table or a local secondary index"),
                 refusals->refused_gsi->name, g_type_name (self->model_type));
  else if (refusals->refused_order)
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                 _("Results cannot be ordered by “%s”: no table or index of %s whose partition key "
                   "the conditions give has “%s” as its sort key"),
                 self->order_field->pspec->name, g_type_name (self->model_type),
                 self->order_field->pspec->name);
  else if (self->index_name != NULL)
    {
      const Candidate *only = &g_array_index (candidates, Candidate, 0);
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                   _("A query on index “%s” of %s needs an equality condition on its partition key “%s”: "
                     "add an equality condition on “%s” (Query.where_values with Operator.EQ), "
                     "or scan the whole index on purpose (Query.scan)"),
                   only->name, g_type_name (self->model_type), only->pk->pspec->name,
                   only->pk->pspec->name);
    }
  else
    {
      g_autoptr(GString) keys = g_string_new (NULL);

      for (guint c = 0; c < candidates->len; c++)
        {
          const Candidate *cand = &g_array_index (candidates, Candidate, c);
          if (!strstr (keys->str, cand->pk->pspec->name))
            g_string_append_printf (keys, "%s“%s”", keys->len ? _(" or ") : "", cand->pk->pspec->name);
        }
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                   _("This query on %s has no equality condition on a partition key (%s), so DynamoDB "
                     "would have to scan the whole table: add one, or scan on purpose (Query.scan)"),
                   g_type_name (self->model_type), keys->str);
    }
}

/* The first property of @cond that is @pk or @sk, or NULL: DynamoDB refuses
 * the keys of what a Query reads in its filter. Raw expressions are not
 * looked into. */
static const char *
filter_key_property (DynamormCondition *cond, const DynamormSchema *schema,
                     const DynamormField *pk, const DynamormField *sk)
{
  const char *found;
  const DynamormField *field;

  switch (cond->kind)
    {
    case CONDITION_LEAF:
      field = _dynamorm_schema_lookup (schema, cond->property);
      return field != NULL && (field == pk || field == sk) ? field->pspec->name : NULL;
    case CONDITION_AND:
    case CONDITION_OR:
      found = filter_key_property (cond->left, schema, pk, sk);
      return found ? found : filter_key_property (cond->right, schema, pk, sk);
    case CONDITION_NOT:
      return filter_key_property (cond->left, schema, pk, sk);
    case CONDITION_EXPRESSION:
    default:
      return NULL;
    }
}

static gboolean
check_filter_keys (DynamormQuery *self, const DynamormSchema *schema, const char *index_name,
                   const DynamormField *pk, const DynamormField *sk, GError **error)
{
  const char *key = self->filter ? filter_key_property (self->filter, schema, pk, sk) : NULL;

  if (key == NULL)
    return TRUE;
  if (index_name != NULL)
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                 _("The filter of this query on %s names “%s”, a key of the index “%s” it reads, and "
                   "DynamoDB refuses key attributes in a query’s filter: make the condition on “%s” a "
                   "key condition (Query.where_values, ANDed with the others), or scan (Query.scan)"),
                 g_type_name (self->model_type), key, index_name, key);
  else
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                 _("The filter of this query on %s names “%s”, a key of the table, and DynamoDB refuses "
                   "key attributes in a query’s filter: make the condition on “%s” a key condition "
                   "(Query.where_values, ANDed with the others), or scan (Query.scan)"),
                 g_type_name (self->model_type), key, key);
  return FALSE;
}

/* Chooses what a Query reads and its key condition. On success *chosen,
 * *pk_leaf and *sk_leaf (nullable) are set. */
static gboolean
choose_index (DynamormQuery *self, GPtrArray *wheres, Candidate *chosen, Where **pk_leaf_out,
              Where **sk_leaf_out, GError **error)
{
  g_autoptr(GArray) candidates = list_candidates (self->schema);
  Refusals refusals = { NULL, FALSE, FALSE, NULL };
  int best = -1, best_score = 0;

  if (self->index_name != NULL && !keep_named_index (self, candidates, error))
    return FALSE;
  if (self->collection != NULL && !keep_collection_candidate (self, candidates, error))
    return FALSE;
  for (guint c = 0; c < candidates->len; c++)
    {
      Where *pk_leaf = NULL, *sk_leaf = NULL;
      int score = score_candidate (self, wheres, &g_array_index (candidates, Candidate, c),
                                   &pk_leaf, &sk_leaf, &refusals);

      if (score > best_score)
        {
          best = c;
          best_score = score;
          *pk_leaf_out = pk_leaf;
          *sk_leaf_out = sk_leaf;
        }
    }
  if (best >= 0)
    {
      *chosen = g_array_index (candidates, Candidate, best);
      g_clear_error (&refusals.conflict);
      return TRUE;
    }
  explain_no_candidate (self, candidates, &refusals, error);
  return FALSE;
}

static gboolean
add_projection (DynamormQuery *self, DynamormExprBuilder *b, JsonObject *request,
                GPtrArray *key_attrs)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) attrs = g_ptr_array_new ();

  if (self->projection == NULL)
    return FALSE;
  for (guint i = 0; i < self->projection->len; i++)
    add_key_attr (attrs, g_ptr_array_index (self->projection, i));
  for (guint i = 0; i < key_attrs->len; i++)
    {
      gboolean seen = FALSE;
      for (guint j = 0; j < attrs->len && !seen; j++)
        seen = g_str_equal (attrs->pdata[j], key_attrs->pdata[i]);
      if (!seen)
        g_ptr_array_add (attrs, key_attrs->pdata[i]);
    }
  for (guint i = 0; i < attrs->len; i++)
    g_string_append_printf (text, "%s%s", i ? ", " : "", _dynamorm_expr_builder_name (b, attrs->pdata[i]));
  json_object_set_string_member (request, "ProjectionExpression", text->str);
  return TRUE;
}

static Plan *
build_plan (DynamormQuery *self, PlanMode mode, GError **error)
{
  const DynamormSchema *schema = self->schema;
  g_autoptr(DynamormExprBuilder) b = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(Plan) plan = NULL;
  g_autoptr(DynamormCondition) filter = NULL;
  g_autoptr(JsonNode) node = NULL;
  Candidate chosen = { NULL, schema ? schema->partition_key : NULL, schema ? schema->sort_key : NULL, FALSE };
  Where *pk_leaf = NULL, *sk_leaf = NULL;
  g_autoptr(GPtrArray) synthetic = NULL;
  g_autoptr(GPtrArray) wheres = NULL;
  g_autofree char *entity_filter = NULL;

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return NULL;
    }
  if (self->collection != NULL &&
      _dynamorm_collection_check (self->collection, (GType *) self->members->data, self->members->len,
                                  error) == NULL)
    return NULL;
  if (self->collection != NULL && mode == PLAN_SCAN)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                   _("A collection is read by its partition key: give the equality conditions on it and "
                     "query instead of scanning"));
      return NULL;
    }
  if ((wheres = plan_wheres (self, mode != PLAN_SCAN, &synthetic, error)) == NULL)
    return NULL;

  plan = g_new0 (Plan, 1);
  plan->table_name = dynamorm_session_get_table_name (self->session, self->model_type);
  plan->key_attrs = g_ptr_array_new ();
  b = _dynamorm_expr_builder_new ();
  request = json_object_new ();
  json_object_set_string_member (request, "TableName", plan->table_name);

  if (mode == PLAN_SCAN)
    {
      if (self->order_field != NULL || self->order == DYNAMORM_ORDER_DESCENDING)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                       _("A scan returns items in no particular order: remove the order from the "
                         "query, or give an equality on a partition key and query instead"));
          return NULL;
        }
      if (self->index_name != NULL)
        {
          DynamormIndex *index = _dynamorm_schema_find_index (schema, self->index_name);

          if (index == NULL)
            {
              g_autofree char *names = index_names (schema);
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                           _("%s has no index “%s”; its indexes are: %s"),
                           g_type_name (self->model_type), self->index_name, names);
              return NULL;
            }
          chosen.name = index->name;
          chosen.pk = index->local ? schema->partition_key : index->partition_key;
          chosen.sk = index->sort_key;
          chosen.global = !index->local;
          if (self->consistent && chosen.global)
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                           _("Index “%s” of %s is a global secondary index, where DynamoDB does not offer "
                             "consistent reads: drop the consistent read, or scan the table"),
                           chosen.name, g_type_name (self->model_type));
              return NULL;
            }
        }
    }
  else if (!choose_index (self, wheres, &chosen, &pk_leaf, &sk_leaf, error))
    return NULL;

  add_key_attr (plan->key_attrs, schema->partition_key);
  add_key_attr (plan->key_attrs, schema->sort_key);
  if (chosen.name != NULL)
    {
      add_key_attr (plan->key_attrs, chosen.pk);
      add_key_attr (plan->key_attrs, chosen.sk);
      for (guint i = 1; chosen.multi != NULL && i < 4; i++)
        {
          if (i < _dynamorm_index_n_pk (chosen.multi))
            add_key_attr (plan->key_attrs, _dynamorm_index_pk (chosen.multi, i));
          if (i < _dynamorm_index_n_sk (chosen.multi))
            add_key_attr (plan->key_attrs, _dynamorm_index_sk (chosen.multi, i));
        }
      json_object_set_string_member (request, "IndexName", chosen.name);
    }

  /* The whole primary key by equality, and nothing else: GetItem. */
  if (mode == PLAN_FIRST && chosen.name == NULL && self->filter == NULL && self->collection == NULL &&
      pk_leaf != NULL && !pk_leaf->composed && (sk_leaf == NULL || !sk_leaf->composed) &&
      (schema->sort_key == NULL || (sk_leaf && sk_leaf->op == DYNAMORM_OPERATOR_EQ)) &&
      self->wheres->len == (schema->sort_key ? 2u : 1u))
    {
      g_autoptr(JsonObject) key = json_object_new ();
      JsonNode *av;

      if ((av = encode_key_value (self, pk_leaf->field, &pk_leaf->values[0], error)) == NULL)
        return NULL;
      json_object_set_member (key, pk_leaf->field->attribute, av);
      if (sk_leaf != NULL)
        {
          if ((av = encode_key_value (self, sk_leaf->field, &sk_leaf->values[0], error)) == NULL)
            return NULL;
          json_object_set_member (key, sk_leaf->field->attribute, av);
        }
      plan->operation = "GetItem";
      json_object_set_object_member (request, "Key", g_steal_pointer (&key));
    }
  else
    {
      g_autoptr(GString) kce = g_string_new (NULL);
      g_autofree char *filter_text = NULL;

      plan->operation = mode == PLAN_SCAN ? "Scan" : "Query";
      if (mode != PLAN_SCAN && !check_filter_keys (self, schema, chosen.name, chosen.pk, chosen.sk, error))
        return NULL;
      if (mode != PLAN_SCAN)
        {
          if (!render_key_condition (self, b, pk_leaf, kce, error) ||
              (sk_leaf != NULL && !render_key_condition (self, b, sk_leaf, kce, error)))
            return NULL;
          for (guint i = 0; i < chosen.n_more_leaves; i++)
            if (!render_key_condition (self, b, chosen.more_leaves[i], kce, error))
              return NULL;
          json_object_set_string_member (request, "KeyConditionExpression", kce->str);
          if (self->order == DYNAMORM_ORDER_DESCENDING)
            json_object_set_boolean_member (request, "ScanIndexForward", FALSE);
        }

      for (guint i = 0; i < self->wheres->len; i++)
        {
          Where *w = g_ptr_array_index (self->wheres, i);
          if (is_more_leaf (&chosen, w))
            continue;
          if (w != pk_leaf && w != sk_leaf && !where_is_covered (w, pk_leaf, sk_leaf) &&
              _dynamorm_schema_lookup_composed (schema, w->field->attribute) != w->field)
            filter = combine (g_steal_pointer (&filter), where_condition (w), FALSE);
          else if (w != pk_leaf && w != sk_leaf && !where_is_covered (w, pk_leaf, sk_leaf))
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY,
                           _("The condition on the composed key “%s” of %s cannot be a key condition of "
                             "this query: give the conditions on its template's properties instead"),
                           w->field->attribute, g_type_name (self->model_type));
              return NULL;
            }
        }
      if (self->filter != NULL)
        filter = combine (g_steal_pointer (&filter), dynamorm_condition_ref (self->filter), FALSE);
      if (filter != NULL)
        {
          filter_text = _dynamorm_condition_render (filter, schema, b, error);
          if (filter_text == NULL)
            return NULL;
        }
      entity_filter = _dynamorm_entity_filter (schema, self->members ? (GType *) self->members->data : NULL,
                                               self->members ? self->members->len : 0, b);
      if (entity_filter != NULL && filter_text != NULL)
        {
          char *both = g_strdup_printf ("(%s) AND %s", filter_text, entity_filter);
          g_free (filter_text);
          filter_text = both;
        }
      else if (entity_filter != NULL)
        filter_text = g_steal_pointer (&entity_filter);
      if (filter_text != NULL)
        {
          json_object_set_string_member (request, "FilterExpression", filter_text);
          plan->has_filter = TRUE;
        }
    }

  if (mode != PLAN_COUNT && self->collection == NULL)
    add_projection (self, b, request, plan->key_attrs);
  if (self->consistent)
    json_object_set_boolean_member (request, "ConsistentRead", TRUE);
  if (!_dynamorm_expr_builder_apply (b, request, error))
    return NULL;

  node = json_node_init_object (json_node_alloc (), request);
  plan->request = ddb_json_to_string (node);
  return g_steal_pointer (&plan);
}

/**
 * dynamorm_query_build_request:
 * @self: a #DynamormQuery
 * @operation: (out) (optional) (transfer full): the DynamoDB operation,
 *   such as `"Query"`
 * @error: return location for a #GError
 *
 * Builds the first request [method@Dynamorm.Query.all] would send, without
 * sending it: to see which index is read, what the key condition and the
 * filter are, or to check a query for mistakes.
 *
 * Returns: (transfer full): the request in DynamoDB's JSON, or %NULL on
 *   error
 */
JsonNode *
dynamorm_query_build_request (DynamormQuery  *self,
                              char          **operation,
                              GError        **error)
{
  g_autoptr(Plan) plan = NULL;

  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);

  if ((plan = build_plan (self, PLAN_QUERY, error)) == NULL)
    return NULL;
  if (operation)
    *operation = g_strdup (plan->operation);
  return json_from_string (plan->request, error);
}

/* ------------------------------------------------------------------ */
/* Cursors: base64url(ExclusiveStartKey JSON) "." base64url(HMAC-SHA256)
 * where the HMAC covers the query's request and the key. */

static GMutex cursor_key_lock;

static GQuark
cursor_key_quark (void)
{
  return g_quark_from_static_string ("dynamorm-query-cursor-key");
}

static GBytes *
random_key (void)
{
  guint8 buf[32];
  gsize got = 0;

#ifdef G_OS_UNIX
  {
    int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);

    if (fd >= 0)
      {
        while (got < sizeof buf)
          {
            gssize n = read (fd, buf + got, sizeof buf - got);
            if (n <= 0)
              break;
            got += n;
          }
        close (fd);
      }
  }
#endif
  if (got < sizeof buf)
    {
      g_autoptr(GRand) rand = g_rand_new ();   /* seeded from the system's entropy */
      for (guint i = 0; i < sizeof buf; i++)
        buf[i] = g_rand_int (rand) & 0xff;
    }
  return g_bytes_new (buf, sizeof buf);
}

static GBytes *
get_cursor_key (DynamormSession *session)
{
  GBytes *key;

  g_mutex_lock (&cursor_key_lock);
  key = g_object_get_qdata (G_OBJECT (session), cursor_key_quark ());
  if (key == NULL)
    {
      key = random_key ();
      g_object_set_qdata_full (G_OBJECT (session), cursor_key_quark (), key, (GDestroyNotify) g_bytes_unref);
    }
  key = g_bytes_ref (key);
  g_mutex_unlock (&cursor_key_lock);
  return key;
}

/**
 * dynamorm_query_set_cursor_key:
 * @session: a #DynamormSession
 * @key: (nullable): a secret of at least 16 bytes, or %NULL for a new
 *   random one
 *
 * Sets the secret with which the queries of @session sign and check their
 * page cursors (HMAC-SHA256). By default each session has a random key, so
 * its cursors are only accepted by the same session; give the processes
 * of one service the same key (from its secret store, never from source
 * code) so that a cursor issued by one is accepted by the others. Changing
 * the key invalidates the cursors issued with the old one.
 *
 * Cursors are signed, not encrypted: they carry the key attributes of the
 * last item of a page, as DynamoDB's `LastEvaluatedKey` does.
 */
void
dynamorm_query_set_cursor_key (DynamormSession *session,
                               GBytes          *key)
{
  g_return_if_fail (DYNAMORM_IS_SESSION (session));
  g_return_if_fail (key == NULL || g_bytes_get_size (key) >= 16);

  g_mutex_lock (&cursor_key_lock);
  g_object_set_qdata_full (G_OBJECT (session), cursor_key_quark (),
                           key ? g_bytes_ref (key) : random_key (), (GDestroyNotify) g_bytes_unref);
  g_mutex_unlock (&cursor_key_lock);
}

static void
cursor_mac (DynamormSession *session, const Plan *plan, const char *key_json, guint8 digest[32])
{
  g_autoptr(GBytes) secret = get_cursor_key (session);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, g_bytes_get_data (secret, NULL),
                                      g_bytes_get_size (secret));
  static const char domain[] = "dynamorm-cursor-1";
  gsize len = 32;

  g_hmac_update (hmac, (const guchar *) domain, sizeof domain);
  g_hmac_update (hmac, (const guchar *) plan->operation, strlen (plan->operation) + 1);
  g_hmac_update (hmac, (const guchar *) plan->request, strlen (plan->request) + 1);
  g_hmac_update (hmac, (const guchar *) key_json, strlen (key_json));
  g_hmac_get_digest (hmac, digest, &len);
}

static char *
base64url_encode (const guchar *data, gsize len)
{
  char *text = g_base64_encode (data, len);

  for (char *p = text; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  return text;
}

static guchar *
base64url_decode (const char *text, gsize len, gsize *out_len)
{
  g_autoptr(GString) s = NULL;
  g_autofree char *canonical = NULL;
  guchar *data;

  if (len % 4 == 1)
    return NULL;
  s = g_string_sized_new (len + 3);
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (!g_ascii_isalnum (c))
        return NULL;
      g_string_append_c (s, c);
    }
  while (s->len % 4)
    g_string_append_c (s, '=');
  data = g_base64_decode (s->str, out_len);

  /* Only the canonical text of the bytes: the unused low bits of the last
   * character would otherwise let several texts stand for one cursor. */
  canonical = base64url_encode (data, *out_len);
  if (strlen (canonical) != len || memcmp (canonical, text, len) != 0)
    g_clear_pointer (&data, g_free);
  return data;
}

static char *
cursor_encode (DynamormSession *session, const Plan *plan, JsonNode *item, GError **error)
{
  g_autoptr(JsonObject) key = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *key_json = NULL;
  g_autofree char *key_text = NULL;
  g_autofree char *mac_text = NULL;
  guint8 digest[32];
  JsonObject *obj = json_node_get_object (item);

  for (guint i = 0; i < plan->key_attrs->len; i++)
    {
      JsonNode *av = json_object_get_member (obj, plan->key_attrs->pdata[i]);

      if (av == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
                       _("An item read from table “%s” has no key attribute “%s”"),
                       plan->table_name, (const char *) plan->key_attrs->pdata[i]);
          return NULL;
        }
      json_object_set_member (key, plan->key_attrs->pdata[i], json_node_copy (av));
    }
  node = json_node_init_object (json_node_alloc (), key);
  key_json = ddb_json_to_string (node);
  cursor_mac (session, plan, key_json, digest);
  key_text = base64url_encode ((const guchar *) key_json, strlen (key_json));
  mac_text = base64url_encode (digest, sizeof digest);
  return g_strconcat (key_text, ".", mac_text, NULL);
}

static JsonNode *
cursor_decode (DynamormSession *session, const Plan *plan, const char *cursor, GError **error)
{
  const char *dot = strchr (cursor, '.');
  g_autofree guchar *key_json = NULL;
  g_autofree guchar *mac = NULL;
  g_autofree char *key_text = NULL;
  g_autoptr(JsonNode) key = NULL;
  gsize key_len = 0, mac_len = 0;
  guint8 digest[32];
  guint8 diff = 0;

  if (dot != NULL)
    {
      key_json = base64url_decode (cursor, dot - cursor, &key_len);
      mac = base64url_decode (dot + 1, strlen (dot + 1), &mac_len);
    }
  if (key_json != NULL && mac != NULL && mac_len == sizeof digest)
    {
      key_text = g_strndup ((const char *) key_json, key_len);
      cursor_mac (session, plan, key_text, digest);
      for (guint i = 0; i < sizeof digest; i++)
        diff |= digest[i] ^ mac[i];
      if (diff == 0 && strlen (key_text) == key_len)
        key = ddb_json_parse (key_text, key_len, NULL, NULL);
    }
  if (key == NULL || !JSON_NODE_HOLDS_OBJECT (key))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_CURSOR,
                   _("The page cursor was not issued for this query by this service, or it was changed: "
                     "start again from the first page"));
      return NULL;
    }
  return g_steal_pointer (&key);
}

/* ------------------------------------------------------------------ */
/* Running: one or more requests, following pages */

typedef enum {
  RESULT_LIST,
  RESULT_ARRAY,
  RESULT_FIRST,
  RESULT_COUNT,
  RESULT_PAGE,
  RESULT_SCAN,    /* prepared as a scan, whose run then makes a list */
} ResultKind;

typedef struct {
  DynamormSession *session;
  GType model_type;
  Plan *plan;
  ResultKind kind;
  guint want;            /* results to collect; 0 for all */
  guint page_size;       /* RESULT_PAGE */
  int segment;           /* parallel scan segment, or -1 */
  guint total_segments;
  JsonNode *start_key;   /* ExclusiveStartKey of the next request */
  GArray *members;       /* a collection's member types, or NULL */
  GPtrArray *items;      /* of JsonNode*: items as read (NULL for a packed one until needed) */
  GPtrArray *packed;     /* of guint8*, parallel: items read on the direct path, else NULL */
  gboolean direct;       /* pages may be read on the direct path */
  guint64 count;
  gboolean done;
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->session);
  g_clear_pointer (&run->plan, plan_free);
  g_clear_pointer (&run->start_key, json_node_unref);
  g_clear_pointer (&run->members, g_array_unref);
  g_clear_pointer (&run->items, g_ptr_array_unref);
  g_clear_pointer (&run->packed, g_ptr_array_unref);
  g_free (run);
}

static void
item_unref (gpointer item)
{
  if (item != NULL)
    json_node_unref (item);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static Run *
run_new (DynamormQuery *self, Plan *plan, ResultKind kind, guint want)
{
  Run *run = g_new0 (Run, 1);

  run->session = g_object_ref (self->session);
  run->model_type = self->model_type;
  run->members = self->members ? g_array_ref (self->members) : NULL;
  run->plan = plan;
  run->kind = kind;
  run->want = want;
  run->segment = -1;
  run->items = g_ptr_array_new_with_free_func (item_unref);
  run->packed = g_ptr_array_new_with_free_func (g_free);
  /* Items come back as models of one type: not a collection's. */
  run->direct = run->members == NULL && kind != RESULT_COUNT &&
                (g_str_equal (plan->operation, "Query") || g_str_equal (plan->operation, "Scan"));
  return run;
}

static JsonNode *
run_request (Run *run)
{
  JsonNode *node = json_from_string (run->plan->request, NULL);
  JsonObject *request = json_node_get_object (node);
  gboolean counting = run->kind == RESULT_COUNT;

  if (g_str_equal (run->plan->operation, "GetItem"))
    return node;
  if (run->start_key != NULL)
    json_object_set_member (request, "ExclusiveStartKey", json_node_copy (run->start_key));
  if (run->want > 0 && !run->plan->has_filter)
    {
      guint64 have = counting ? run->count : run->items->len;
      json_object_set_int_member (request, "Limit", (gint64) (run->want - MIN (have, run->want)));
    }
  if (counting)
    json_object_set_string_member (request, "Select", "COUNT");
  if (run->segment >= 0)
    {
      json_object_set_int_member (request, "Segment", run->segment);
      json_object_set_int_member (request, "TotalSegments", run->total_segments);
    }
  return node;
}

static gboolean
bad_response (Run *run, const char *what, GError **error)
{
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_RESPONSE,
               _("The backend answered %s on table “%s” without a valid %s"),
               run->plan->operation, run->plan->table_name, what);
  return FALSE;
}

static void
run_add_item (Run *run, JsonNode *item, guint8 *packed)
{
  g_ptr_array_add (run->items, item);
  g_ptr_array_add (run->packed, packed);
}

/* Item i as JSON (made from its packed form on first use). */
static JsonNode *
run_item (Run *run, guint i)
{
  if (run->items->pdata[i] == NULL)
    {
      g_autoptr(JsonObject) obj = ddb_packed_to_json_item (run->packed->pdata[i]);

      run->items->pdata[i] = json_node_init_object (json_node_alloc (), obj);
    }
  return run->items->pdata[i];
}

/* Takes one response, whose items are packed_items when it was read on
 * the direct path; sets run->done when no further request is needed. */
static gboolean
run_take (Run *run, JsonNode *response, GPtrArray *packed_items, GError **error)
{
  JsonObject *obj;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (response))
    return bad_response (run, "object", error);
  obj = json_node_get_object (response);

  if (g_str_equal (run->plan->operation, "GetItem"))
    {
      member = json_object_get_member (obj, "Item");
      if (member != NULL)
        {
          if (!JSON_NODE_HOLDS_OBJECT (member))
            return bad_response (run, "Item", error);
          run_add_item (run, json_node_ref (member), NULL);
        }
      run->done = TRUE;
      return TRUE;
    }

  if (run->kind == RESULT_COUNT)
    {
      member = json_object_get_member (obj, "Count");
      if (member == NULL || json_node_get_value_type (member) != G_TYPE_INT64 || json_node_get_int (member) < 0)
        return bad_response (run, "Count", error);
      run->count += json_node_get_int (member);
      if (run->want > 0 && run->count >= run->want)
        {
          run->count = run->want;
          run->done = TRUE;
        }
    }
  else
    {
      JsonArray *items = NULL;
      guint n;

      member = json_object_get_member (obj, "Items");
      if (packed_items == NULL && (member == NULL || !JSON_NODE_HOLDS_ARRAY (member)))
        return bad_response (run, "Items", error);
      items = packed_items == NULL ? json_node_get_array (member) : NULL;
      n = packed_items != NULL ? packed_items->len : json_array_get_length (items);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *item = items != NULL ? json_array_get_element (items, i) : NULL;

          if (run->want > 0 && run->items->len >= run->want)
            break;
          if (items == NULL)
            run_add_item (run, NULL, g_steal_pointer (&packed_items->pdata[i]));
          else if (!JSON_NODE_HOLDS_OBJECT (item))
            return bad_response (run, "item", error);
          else
            run_add_item (run, json_node_ref (item), NULL);
        }
      if (run->want > 0 && run->items->len >= run->want)
        run->done = TRUE;
    }

  g_clear_pointer (&run->start_key, json_node_unref);
  member = json_object_get_member (obj, "LastEvaluatedKey");
  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    run->done = TRUE;
  else if (!JSON_NODE_HOLDS_OBJECT (member))
    return bad_response (run, "LastEvaluatedKey", error);
  else if (!run->done)
    run->start_key = json_node_copy (member);
  return TRUE;
}

static void
run_explain_error (Run *run, GError **error)
{
  GError *e = *error;

  if (e->domain == DYNAMORM_ERROR && e->code == DYNAMORM_ERROR_RESOURCE_NOT_FOUND)
    g_prefix_error (error, _("%s on table “%s” failed; does the table exist (create the table first: "
                             "Session.create_table)? "),
                    run->plan->operation, run->plan->table_name);
  else if (e->domain == DYNAMORM_ERROR && e->code != DYNAMORM_ERROR_NOT_FOUND)
    g_prefix_error (error, _("%s on table “%s” failed: "), run->plan->operation, run->plan->table_name);
}

/* Reads the page of request on the direct path when the run may: TRUE
 * when it did, with *ok and error as run_take() set them; FALSE: send
 * request as JSON. */
static gboolean
run_try_direct (Run *run, JsonNode *request, GCancellable *cancellable, gboolean *ok, GError **error)
{
  g_auto(DynamormDirectCall) call = { 0 };
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) packed = NULL;

  if (!run->direct)
    return FALSE;
  _dynamorm_session_direct_call (run->session, &call);
  if (_dynamorm_direct_query (&call, run->model_type, run->plan->operation, request, &answer, &packed,
                              cancellable) != DYNAMORM_DIRECT_DONE)
    return FALSE;
  *ok = run_take (run, answer, packed, error);
  return TRUE;
}

static gboolean
run_sync (Run *run, GCancellable *cancellable, GError **error)
{
  while (!run->done)
    {
      g_autoptr(JsonNode) request = run_request (run);
      g_autoptr(JsonNode) response = NULL;
      gboolean ok;

      if (run_try_direct (run, request, cancellable, &ok, error))
        {
          if (!ok)
            return FALSE;
          continue;
        }
      response = dynamorm_session_call (run->session, run->plan->operation, request, cancellable, error);
      if (response == NULL)
        {
          run_explain_error (run, error);
          return FALSE;
        }
      if (!run_take (run, response, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* The model type an item is read as: the query's, or for a collection
 * the member its entity names (G_TYPE_INVALID: not a member, skipped). */
static GType
item_type (Run *run, JsonNode *item)
{
  if (run->members == NULL)
    return run->model_type;
  return _dynamorm_collection_item_type ((GType *) run->members->data, run->members->len, item);
}

static GListModel *
store_from_array (GType model_type, GPtrArray *models);

static GListModel *
run_store (Run *run, GPtrArray *models)
{
  return store_from_array (run->members ? DYNAMORM_TYPE_MODEL : run->model_type, models);
}

/* The model of item i: from its packed form when it has one (through
 * JSON when that does not decode, which says why). */
static DynamormModel *
run_decode (Run *run, GType type, guint i, GError **error)
{
  const guint8 *packed = run->packed->pdata[i];

  if (packed != NULL)
    {
      const DynamormSchema *schema = _dynamorm_schema_get (type, FALSE, NULL);
      DynamormModel *model = schema == NULL ? NULL
        : _dynamorm_model_new_from_packed (type, schema, NULL, run->plan->table_name, packed);

      if (model != NULL)
        return model;
    }
  return _dynamorm_session_model_from_item (run->session, type, run->plan->table_name, run_item (run, i), error);
}

static GPtrArray *
decode_items (Run *run, guint n, GError **error)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      GType type = run->members == NULL ? run->model_type : item_type (run, run_item (run, i));
      DynamormModel *model;

      if (type == G_TYPE_INVALID)
        continue;
      model = run_decode (run, type, i, error);
      if (model == NULL)
        {
          g_prefix_error (error, _("An item of table “%s” does not fit %s: "),
                          run->plan->table_name, g_type_name (type));
          return NULL;
        }
      g_ptr_array_add (models, model);
    }
  return g_steal_pointer (&models);
}

static GListModel *
store_from_array (GType model_type, GPtrArray *models)
{
  GListStore *store = g_list_store_new (model_type);

  g_list_store_splice (store, 0, 0, models->pdata, models->len);
  return G_LIST_MODEL (store);
}

typedef struct {
  GListModel *model;
  char *cursor;
} PageResult;

static void
page_result_free (PageResult *page)
{
  g_clear_object (&page->model);
  g_free (page->cursor);
  g_free (page);
}

/* The models of a finished page (NULL on error), and its cursor into
 * next_cursor (nullable). */
static GListModel *
page_result_take (PageResult *page, char **next_cursor)
{
  GListModel *model;

  if (page == NULL)
    return NULL;
  model = g_steal_pointer (&page->model);
  if (next_cursor)
    *next_cursor = g_steal_pointer (&page->cursor);
  page_result_free (page);
  return model;
}

/* The result of a finished run, for g_task_return_pointer(). */
static gpointer
run_result (Run *run, GDestroyNotify *free_func, GError **error)
{
  g_autoptr(GPtrArray) models = NULL;

  switch (run->kind)
    {
    case RESULT_COUNT:
      *free_func = g_free;
      return g_memdup2 (&run->count, sizeof run->count);

    case RESULT_FIRST:
      if (run->items->len == 0)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND,
                       _("No %s in table “%s” matches the query"),
                       g_type_name (run->model_type), run->plan->table_name);
          return NULL;
        }
      *free_func = g_object_unref;
      if (item_type (run, run_item (run, 0)) == G_TYPE_INVALID)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND,
                       _("No member of the collection in table “%s” matches the query"),
                       run->plan->table_name);
          return NULL;
        }
      return run_decode (run, item_type (run, run_item (run, 0)), 0, error);

    case RESULT_ARRAY:
      *free_func = (GDestroyNotify) g_ptr_array_unref;
      return decode_items (run, run->items->len, error);

    case RESULT_LIST:
      if ((models = decode_items (run, run->items->len, error)) == NULL)
        return NULL;
      *free_func = g_object_unref;
      return run_store (run, models);

    case RESULT_PAGE:
      {
        PageResult *page;
        guint n = MIN (run->items->len, run->page_size);
        g_autofree char *cursor = NULL;

        /* One more item than the page was read: there is a next page. */
        if (run->items->len > run->page_size &&
            (cursor = cursor_encode (run->session, run->plan, run_item (run, n - 1), error)) == NULL)
          return NULL;
        if ((models = decode_items (run, n, error)) == NULL)
          return NULL;
        page = g_new0 (PageResult, 1);
        page->model = run_store (run, models);
        page->cursor = g_steal_pointer (&cursor);
        *free_func = (GDestroyNotify) page_result_free;
        return page;
      }

    default:
      g_assert_not_reached ();
    }
}

static void run_step_async (GTask *task);
static void run_taken (GTask *task, gboolean ok, GError *error);

static void
run_call_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(JsonNode) response = NULL;
  GError *error = NULL;

  response = dynamorm_session_call_finish (DYNAMORM_SESSION (source), result, &error);
  if (response == NULL)
    {
      run_explain_error (run, &error);
      g_task_return_error (task, error);
      return;
    }
  run_taken (g_steal_pointer (&task), run_take (run, response, NULL, &error), error);
}

/* Goes on after a page was taken (ok) or failed (error). Takes task. */
static void
run_taken (GTask *task_in, gboolean ok, GError *error)
{
  g_autoptr(GTask) task = task_in;
  Run *run = g_task_get_task_data (task);
  GDestroyNotify free_func = NULL;
  gpointer value;

  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!run->done)
    {
      run_step_async (g_steal_pointer (&task));
      return;
    }
  value = run_result (run, &free_func, &error);
  if (value == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, free_func);
}

static void
run_step_async (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  g_autoptr(JsonNode) request = run_request (run);
  GError *error = NULL;
  gboolean ok;

  /* The task still completes from the main context (GTask defers it). */
  if (run_try_direct (run, request, g_task_get_cancellable (task), &ok, &error))
    {
      run_taken (task, ok, error);
      return;
    }

  _dynamorm_session_call_items_async (run->session, run->plan->operation, request,
                                      g_task_get_cancellable (task), run_call_cb, task);
}

/* Builds the run for a terminal; NULL with error set if the query is wrong. */
static Run *
prepare (DynamormQuery *self, ResultKind kind, guint page_size, const char *cursor, GError **error)
{
  PlanMode mode = kind == RESULT_FIRST   ? PLAN_FIRST
                  : kind == RESULT_COUNT ? PLAN_COUNT
                  : kind == RESULT_SCAN  ? PLAN_SCAN
                                         : PLAN_QUERY;
  Plan *plan = build_plan (self, mode, error);
  g_autoptr(Run) run = NULL;
  guint want;

  if (plan == NULL)
    return NULL;
  switch (kind)
    {
    case RESULT_FIRST:
      want = 1;
      break;
    case RESULT_PAGE:
      if (page_size == 0)
        page_size = self->limit;
      if (page_size == 0)
        {
          plan_free (plan);
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                       _("A page needs a size: pass one, or set the query's limit"));
          return NULL;
        }
      want = page_size + 1;   /* one more, to know whether a next page exists */
      break;
    default:
      want = self->limit;
      break;
    }
  run = run_new (self, plan, kind == RESULT_SCAN ? RESULT_LIST : kind, want);
  run->page_size = page_size;
  if (cursor != NULL && (run->start_key = cursor_decode (self->session, plan, cursor, error)) == NULL)
    return NULL;
  return g_steal_pointer (&run);
}

/* The result of a run in the caller's thread; the caller knows how to free it. */
static gpointer
terminal_sync (DynamormQuery *self, ResultKind kind, guint page_size, const char *cursor,
               GCancellable *cancellable, GError **error)
{
  g_autoptr(Run) run = prepare (self, kind, page_size, cursor, error);
  GDestroyNotify free_func;

  if (run == NULL || !run_sync (run, cancellable, error))
    return NULL;
  return run_result (run, &free_func, error);
}

static void
terminal_async (DynamormQuery       *self,
                ResultKind           kind,
                guint                page_size,
                const char          *cursor,
                gpointer             source_tag,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  Run *run;

  g_task_set_source_tag (task, source_tag);
  run = prepare (self, kind, page_size, cursor, &error);
  if (run == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  run_step_async (g_steal_pointer (&task));
}

static gpointer
terminal_finish (DynamormQuery *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  return _dynamorm_task_finish_pointer (self, result, source_tag, error);
}

/* ------------------------------------------------------------------ */
/* Terminals */

/* The blocking and async forms of the terminals below that only run the
 * query for one kind of result, under their gi-docgen comments:
 *
 *   DEFINE_TERMINAL (GListModel *, dynamorm_query_all, RESULT_LIST)
 *
 * defines
 *
 *   GListModel *
 *   dynamorm_query_all (DynamormQuery *self, GCancellable *cancellable, GError **error)
 *   {
 *     g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);
 *     return terminal_sync (self, RESULT_LIST, 0, NULL, cancellable, error);
 *   }
 *
 * and DEFINE_TERMINAL_ASYNC (dynamorm_query_all_async, RESULT_LIST) the
 * _async form, whose task goes through terminal_async with the function
 * as its source tag. A terminal that takes more arguments (a page) or
 * changes its result (a count) is written out. */
#define DEFINE_TERMINAL(RetType, function, kind)                                    \
  RetType                                                                         \
  function (DynamormQuery *self, GCancellable *cancellable, GError **error)       \
  {                                                                               \
    g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);                        \
                                                                                  \
    return terminal_sync (self, kind, 0, NULL, cancellable, error);               \
  }

#define DEFINE_TERMINAL_ASYNC(function, kind)                                       \
  void                                                                            \
  function (DynamormQuery *self, GCancellable *cancellable,                       \
            GAsyncReadyCallback callback, gpointer user_data)                     \
  {                                                                               \
    g_return_if_fail (DYNAMORM_IS_QUERY (self));                                  \
                                                                                  \
    terminal_async (self, kind, 0, NULL, function, cancellable, callback,         \
                    user_data);                                                   \
  }

/**
 * dynamorm_query_first:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Gets the first result of the query, in its order. When the conditions
 * are exactly equalities on the whole primary key of the table, this is
 * one GetItem; otherwise it is a Query that reads pages until it finds a
 * result. No result is %DYNAMORM_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full): the first result, or %NULL on error
 */
DEFINE_TERMINAL (DynamormModel *, dynamorm_query_first, RESULT_FIRST)

/**
 * dynamorm_query_first_async:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Gets the first result of the query; see [method@Dynamorm.Query.first].
 */
DEFINE_TERMINAL_ASYNC (dynamorm_query_first_async, RESULT_FIRST)

/**
 * dynamorm_query_first_finish:
 * @self: a #DynamormQuery
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Query.first_async].
 *
 * Returns: (transfer full): the first result, or %NULL on error
 */
DYNAMORM_DEFINE_FINISH_POINTER (DynamormModel *, dynamorm_query_first_finish, DynamormQuery,
                                dynamorm_query_first_async)

/**
 * dynamorm_query_all:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs the query and returns every result (up to the query's limit), in
 * order, reading as many DynamoDB pages as that takes. The results are a
 * #GListModel whose item type is the query's model type, which a GTK list
 * view can show directly; it is a #GListStore the caller may change.
 *
 * Returns: (transfer full): the results, or %NULL on error
 */
DEFINE_TERMINAL (GListModel *, dynamorm_query_all, RESULT_LIST)

/**
 * dynamorm_query_all_async:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the results
 * @user_data: data for @callback
 *
 * Runs the query; see [method@Dynamorm.Query.all].
 */
DEFINE_TERMINAL_ASYNC (dynamorm_query_all_async, RESULT_LIST)

/**
 * dynamorm_query_all_finish:
 * @self: a #DynamormQuery
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Query.all_async].
 *
 * Returns: (transfer full): the results, or %NULL on error
 */
DYNAMORM_DEFINE_FINISH_POINTER (GListModel *, dynamorm_query_all_finish, DynamormQuery,
                                dynamorm_query_all_async)

/**
 * dynamorm_query_all_array:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs the query and returns every result as an array; the C-friendly
 * form of [method@Dynamorm.Query.all].
 *
 * Returns: (transfer container) (element-type Dynamorm.Model): the
 *   results, or %NULL on error
 */
DEFINE_TERMINAL (GPtrArray *, dynamorm_query_all_array, RESULT_ARRAY)

/**
 * dynamorm_query_all_array_async:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the results
 * @user_data: data for @callback
 *
 * Runs the query; see [method@Dynamorm.Query.all_array].
 */
DEFINE_TERMINAL_ASYNC (dynamorm_query_all_array_async, RESULT_ARRAY)

/**
 * dynamorm_query_all_array_finish:
 * @self: a #DynamormQuery
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Query.all_array_async].
 *
 * Returns: (transfer container) (element-type Dynamorm.Model): the
 *   results, or %NULL on error
 */
DYNAMORM_DEFINE_FINISH_POINTER (GPtrArray *, dynamorm_query_all_array_finish, DynamormQuery,
                                dynamorm_query_all_array_async)

/**
 * dynamorm_query_count:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Counts the results of the query (up to its limit) without reading them
 * into models: DynamoDB's `Select: COUNT`, summed over every page.
 *
 * Returns: the number of results, or -1 on error
 */
gint64
dynamorm_query_count (DynamormQuery  *self,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autofree guint64 *count = NULL;

  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), -1);

  count = terminal_sync (self, RESULT_COUNT, 0, NULL, cancellable, error);
  return count ? (gint64) *count : -1;
}

/**
 * dynamorm_query_count_async:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the count
 * @user_data: data for @callback
 *
 * Counts the results of the query; see [method@Dynamorm.Query.count].
 */
DEFINE_TERMINAL_ASYNC (dynamorm_query_count_async, RESULT_COUNT)

/**
 * dynamorm_query_count_finish:
 * @self: a #DynamormQuery
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Query.count_async].
 *
 * Returns: the number of results, or -1 on error
 */
gint64
dynamorm_query_count_finish (DynamormQuery  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_autofree guint64 *count = terminal_finish (self, result, dynamorm_query_count_async, error);

  return count ? (gint64) *count : -1;
}

/**
 * dynamorm_query_page:
 * @self: a #DynamormQuery
 * @page_size: the number of results per page, or 0 for the query's limit
 * @cursor: (nullable): the cursor of the previous page, or %NULL for the
 *   first page
 * @next_cursor: (out) (optional) (nullable) (transfer full): the cursor of
 *   the next page, or %NULL after the last page
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads one page of results: up to @page_size results after the position
 * that @cursor marks. Pages are full except the last one; @next_cursor is
 * %NULL exactly when no results are left.
 *
 * A cursor is an opaque, URL-safe string meant to travel to a web client
 * and back. It is signed by the session (see
 * [func@Dynamorm.Query.set_cursor_key]) and bound to the query that
 * issued it (table, index, conditions and their values, order,
 * projection): a cursor that was changed, or that another query issued,
 * is refused with %DYNAMORM_ERROR_INVALID_CURSOR before any request.
 *
 * Returns: (transfer full): the page's results, or %NULL on error
 */
GListModel *
dynamorm_query_page (DynamormQuery  *self,
                     guint           page_size,
                     const char     *cursor,
                     char          **next_cursor,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);

  return page_result_take (terminal_sync (self, RESULT_PAGE, page_size, cursor, cancellable, error), next_cursor);
}

/**
 * dynamorm_query_page_async:
 * @self: a #DynamormQuery
 * @page_size: the number of results per page, or 0 for the query's limit
 * @cursor: (nullable): the cursor of the previous page, or %NULL for the
 *   first page
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the page
 * @user_data: data for @callback
 *
 * Reads one page of results; see [method@Dynamorm.Query.page].
 */
void
dynamorm_query_page_async (DynamormQuery       *self,
                           guint                page_size,
                           const char          *cursor,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (DYNAMORM_IS_QUERY (self));

  terminal_async (self, RESULT_PAGE, page_size, cursor, dynamorm_query_page_async,
                  cancellable, callback, user_data);
}

/**
 * dynamorm_query_page_finish:
 * @self: a #DynamormQuery
 * @result: the #GAsyncResult passed to the callback
 * @next_cursor: (out) (optional) (nullable) (transfer full): the cursor of
 *   the next page, or %NULL after the last page
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Query.page_async].
 *
 * Returns: (transfer full): the page's results, or %NULL on error
 */
GListModel *
dynamorm_query_page_finish (DynamormQuery  *self,
                            GAsyncResult   *result,
                            char          **next_cursor,
                            GError        **error)
{
  return page_result_take (terminal_finish (self, result, dynamorm_query_page_async, error), next_cursor);
}

/* ------------------------------------------------------------------ */
/* Scans */

/**
 * dynamorm_query_scan:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads the whole table (or the index named with
 * [method@Dynamorm.Query.index]) and returns the items that meet every
 * condition of the query, up to its limit. All conditions are filters
 * here: a scan reads, and is billed for, every item. Scans have no order.
 *
 * Returns: (transfer full): the results, or %NULL on error
 */
DEFINE_TERMINAL (GListModel *, dynamorm_query_scan, RESULT_SCAN)

/**
 * dynamorm_query_scan_async:
 * @self: a #DynamormQuery
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the results
 * @user_data: data for @callback
 *
 * Scans the table; see [method@Dynamorm.Query.scan].
 */
DEFINE_TERMINAL_ASYNC (dynamorm_query_scan_async, RESULT_SCAN)

/**
 * dynamorm_query_scan_finish:
 * @self: a #DynamormQuery
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Query.scan_async].
 *
 * Returns: (transfer full): the results, or %NULL on error
 */
DYNAMORM_DEFINE_FINISH_POINTER (GListModel *, dynamorm_query_scan_finish, DynamormQuery,
                                dynamorm_query_scan_async)

typedef struct {
  GPtrArray *runs;        /* of Run*, one per segment */
  GCancellable *cancellable;
  gint next;              /* next segment to read */
  GMutex lock;
  GError *error;          /* of the lowest failing segment */
  int error_segment;
} ParallelScan;

static void
parallel_scan_free (ParallelScan *ps)
{
  g_ptr_array_unref (ps->runs);
  g_clear_object (&ps->cancellable);
  g_clear_error (&ps->error);
  g_mutex_clear (&ps->lock);
  g_free (ps);
}

static ParallelScan *
prepare_parallel_scan (DynamormQuery *self, guint n_segments, GError **error)
{
  ParallelScan *ps;

  if (n_segments == 0 || n_segments > 1000000)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT,
                   _("A parallel scan takes 1 to 1000000 segments, not %u"), n_segments);
      return NULL;
    }
  ps = g_new0 (ParallelScan, 1);
  g_mutex_init (&ps->lock);
  ps->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) run_free);
  ps->error_segment = -1;
  for (guint i = 0; i < n_segments; i++)
    {
      Run *run = prepare (self, RESULT_SCAN, 0, NULL, error);

      if (run == NULL)
        {
          parallel_scan_free (ps);
          return NULL;
        }
      run->segment = i;
      run->total_segments = n_segments;
      g_ptr_array_add (ps->runs, run);
    }
  return ps;
}

static gpointer
parallel_scan_worker (gpointer data)
{
  ParallelScan *ps = data;
  int segment;

  while ((segment = g_atomic_int_add (&ps->next, 1)) < (int) ps->runs->len)
    {
      GError *error = NULL;

      if (!run_sync (ps->runs->pdata[segment], ps->cancellable, &error))
        {
          g_mutex_lock (&ps->lock);
          if (ps->error == NULL || segment < ps->error_segment)
            {
              g_clear_error (&ps->error);
              ps->error = error;
              ps->error_segment = segment;
            }
          else
            g_error_free (error);
          g_mutex_unlock (&ps->lock);
        }
    }
  return NULL;
}

/* Reads every segment on up to 16 threads; merges in segment order. */
static GListModel *
parallel_scan_run (ParallelScan *ps, GType model_type, guint limit, GError **error)
{
  guint n_threads = MIN (ps->runs->len, 16);
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 1; i < n_threads; i++)
    g_ptr_array_add (threads, g_thread_new ("dynamorm-scan", parallel_scan_worker, ps));
  parallel_scan_worker (ps);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);

  if (ps->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&ps->error));
      return NULL;
    }
  for (guint s = 0; s < ps->runs->len && (limit == 0 || models->len < limit); s++)
    {
      Run *run = ps->runs->pdata[s];
      guint n = run->items->len;
      g_autoptr(GPtrArray) part = NULL;

      if (limit > 0)
        n = MIN (n, limit - models->len);
      if ((part = decode_items (run, n, error)) == NULL)
        return NULL;
      for (guint i = 0; i < part->len; i++)
        g_ptr_array_add (models, g_object_ref (part->pdata[i]));
    }
  return store_from_array (model_type, models);
}

/**
 * dynamorm_query_parallel_scan:
 * @self: a #DynamormQuery
 * @n_segments: the number of segments to read in parallel (1 to 1000000)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Scans like [method@Dynamorm.Query.scan], split into @n_segments
 * segments (DynamoDB's `Segment`/`TotalSegments`) read by up to 16
 * threads at once. The results are merged in a deterministic order: all
 * results of segment 0, in the order DynamoDB returned them, then those of
 * segment 1, and so on; the same items and segment count always give the
 * same order. With a limit, each segment stops once it alone has enough,
 * and the merged results are cut to the limit.
 *
 * Returns: (transfer full): the results, or %NULL on error
 */
GListModel *
dynamorm_query_parallel_scan (DynamormQuery  *self,
                              guint           n_segments,
                              GCancellable   *cancellable,
                              GError        **error)
{
  ParallelScan *ps;
  GListModel *result;

  g_return_val_if_fail (DYNAMORM_IS_QUERY (self), NULL);

  if ((ps = prepare_parallel_scan (self, n_segments, error)) == NULL)
    return NULL;
  ps->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  result = parallel_scan_run (ps, self->model_type, self->limit, error);
  parallel_scan_free (ps);
  return result;
}

typedef struct {
  ParallelScan *ps;
  GType model_type;
  guint limit;
} ParallelScanTask;

static void
parallel_scan_task_free (ParallelScanTask *data)
{
  parallel_scan_free (data->ps);
  g_free (data);
}

static void
parallel_scan_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  ParallelScanTask *data = task_data;
  GError *error = NULL;
  GListModel *result = parallel_scan_run (data->ps, data->model_type, data->limit, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, g_object_unref);
}

/**
 * dynamorm_query_parallel_scan_async:
 * @self: a #DynamormQuery
 * @n_segments: the number of segments to read in parallel (1 to 1000000)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the results
 * @user_data: data for @callback
 *
 * Scans in parallel; see [method@Dynamorm.Query.parallel_scan].
 */
void
dynamorm_query_parallel_scan_async (DynamormQuery       *self,
                                    guint                n_segments,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ParallelScanTask *data;
  GError *error = NULL;
  ParallelScan *ps;

  g_return_if_fail (DYNAMORM_IS_QUERY (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dynamorm_query_parallel_scan_async);
  if ((ps = prepare_parallel_scan (self, n_segments, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ps->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  data = g_new0 (ParallelScanTask, 1);
  data->ps = ps;
  data->model_type = self->model_type;
  data->limit = self->limit;
  g_task_set_task_data (task, data, (GDestroyNotify) parallel_scan_task_free);
  g_task_run_in_thread (task, parallel_scan_thread);
}

/**
 * dynamorm_query_parallel_scan_finish:
 * @self: a #DynamormQuery
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Dynamorm.Query.parallel_scan_async].
 *
 * Returns: (transfer full): the results, or %NULL on error
 */
DYNAMORM_DEFINE_FINISH_POINTER (GListModel *, dynamorm_query_parallel_scan_finish, DynamormQuery,
                                dynamorm_query_parallel_scan_async)
