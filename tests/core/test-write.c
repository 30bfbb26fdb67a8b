/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Conditional writes, the update builder and lifecycle properties, run
 * once per backend with the same assertions: `--backend memory` (always)
 * and `--backend local` (DynamoDB Local, when DYNAMORM_LOCAL_URI is set;
 * skipped otherwise). Bad input is checked against a C test double that
 * records requests: it must see none. */
#include "test-models.h"


/* The error's message is shown when a call that should succeed fails. */
#define CHECK_OK(call) G_STMT_START { gboolean ok_ = (call); g_assert_no_error (error); g_assert_true (ok_); } G_STMT_END

/* ------------------------------------------------------------------ */
/* A model with every lifecycle property. */

enum {
  DOC_PROP_0,
  DOC_PROP_ID,
  DOC_PROP_TITLE,
  DOC_PROP_COUNT,
  DOC_PROP_SCORE,
  DOC_PROP_ACTIVE,
  DOC_PROP_TAGS,
  DOC_PROP_LABELS,
  DOC_PROP_LINES,
  DOC_PROP_BIG,
  DOC_PROP_KIND,
  DOC_PROP_VERSION,
  DOC_PROP_CREATED,
  DOC_PROP_UPDATED,
  DOC_PROP_EXPIRES,
  N_DOC_PROPS
};

#define TEST_TYPE_DOC (test_doc_get_type ())
G_DECLARE_FINAL_TYPE (TestDoc, test_doc, TEST, DOC, DynamormModel)

struct _TestDoc
{
  DynamormModel parent_instance;
  GValue values[N_DOC_PROPS];
};

G_DEFINE_FINAL_TYPE (TestDoc, test_doc, DYNAMORM_TYPE_MODEL)

static void
test_doc_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TestDoc *self = TEST_DOC (object);

  if (G_IS_VALUE (&self->values[prop_id]))
    g_value_copy (&self->values[prop_id], value);
  else
    g_param_value_set_default (pspec, value);
}

static void
test_doc_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TestDoc *self = TEST_DOC (object);

  if (G_IS_VALUE (&self->values[prop_id]))
    g_value_unset (&self->values[prop_id]);
  g_value_init (&self->values[prop_id], G_VALUE_TYPE (value));
  g_value_copy (value, &self->values[prop_id]);
}

static void
test_doc_finalize (GObject *object)
{
  TestDoc *self = TEST_DOC (object);

  for (guint i = 0; i < N_DOC_PROPS; i++)
    if (G_IS_VALUE (&self->values[i]))
      g_value_unset (&self->values[i]);
  G_OBJECT_CLASS (test_doc_parent_class)->finalize (object);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)

static void
test_doc_class_init (TestDocClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  DynamormModelClass *mc = DYNAMORM_MODEL_CLASS (klass);

  g_type_ensure (TEST_TYPE_LINE);
  oc->get_property = test_doc_get_property;
  oc->set_property = test_doc_set_property;
  oc->finalize = test_doc_finalize;
  g_object_class_install_property (oc, DOC_PROP_ID, g_param_spec_string ("id", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, DOC_PROP_TITLE, g_param_spec_string ("title", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, DOC_PROP_COUNT, g_param_spec_int64 ("count", NULL, NULL, G_MININT64, G_MAXINT64, 0, RW));
  g_object_class_install_property (oc, DOC_PROP_SCORE, g_param_spec_double ("score", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, RW));
  g_object_class_install_property (oc, DOC_PROP_ACTIVE, g_param_spec_boolean ("active", NULL, NULL, FALSE, RW));
  g_object_class_install_property (oc, DOC_PROP_TAGS, g_param_spec_boxed ("tags", NULL, NULL, G_TYPE_STRV, RW));
  g_object_class_install_property (oc, DOC_PROP_LABELS, g_param_spec_boxed ("labels", NULL, NULL, G_TYPE_STRV, RW));
  g_object_class_install_property (oc, DOC_PROP_LINES, g_param_spec_object ("lines", NULL, NULL, G_TYPE_LIST_MODEL, RW));
  g_object_class_install_property (oc, DOC_PROP_BIG, g_param_spec_string ("big", NULL, NULL, NULL, RW));
  g_object_class_install_property (oc, DOC_PROP_KIND, g_param_spec_enum ("kind", NULL, NULL, TEST_TYPE_KIND, TEST_KIND_PLAIN, RW));
  g_object_class_install_property (oc, DOC_PROP_VERSION, g_param_spec_int64 ("version", NULL, NULL, 0, G_MAXINT64, 0, RW));
  g_object_class_install_property (oc, DOC_PROP_CREATED, g_param_spec_boxed ("created", NULL, NULL, G_TYPE_DATE_TIME, RW));
  g_object_class_install_property (oc, DOC_PROP_UPDATED, g_param_spec_boxed ("updated", NULL, NULL, G_TYPE_DATE_TIME, RW));
  g_object_class_install_property (oc, DOC_PROP_EXPIRES, g_param_spec_boxed ("expires", NULL, NULL, G_TYPE_DATE_TIME, RW));

  dynamorm_model_class_set_table_name (mc, "docs");
  dynamorm_model_class_tag_property (mc, "id", "pk");
  dynamorm_model_class_tag_property (mc, "tags", "set");
  dynamorm_model_class_tag_property (mc, "lines", "of:TestLine");
  dynamorm_model_class_tag_property (mc, "big", "number");
  dynamorm_model_class_tag_property (mc, "version", "version");
  dynamorm_model_class_tag_property (mc, "created", "created_at");
  dynamorm_model_class_tag_property (mc, "updated", "updated_at");
  dynamorm_model_class_tag_property (mc, "expires", "ttl");
}

static void
test_doc_init (TestDoc *self)
{
}

/* ------------------------------------------------------------------ */
/* Values and conditions */

static GValue *
v_str (GValue *v, const char *s)
{
  g_value_init (v, G_TYPE_STRING);
  g_value_set_string (v, s);
  return v;
}

static GValue *
v_int (GValue *v, gint64 i)
{
  g_value_init (v, G_TYPE_INT64);
  g_value_set_int64 (v, i);
  return v;
}

static GValue *
v_bool (GValue *v, gboolean b)
{
  g_value_init (v, G_TYPE_BOOLEAN);
  g_value_set_boolean (v, b);
  return v;
}

static DynamormCondition *
cond_str (const char *property, DynamormOperator op, const char *s)
{
  GValue v = G_VALUE_INIT;
  DynamormCondition *c = dynamorm_condition_new (property, op, v_str (&v, s), 1);

  g_value_unset (&v);
  return c;
}

static DynamormCondition *
cond_int (const char *property, DynamormOperator op, gint64 i)
{
  GValue v = G_VALUE_INIT;
  DynamormCondition *c = dynamorm_condition_new (property, op, v_int (&v, i), 1);

  g_value_unset (&v);
  return c;
}

static DynamormCondition *
cond_between (const char *property, gint64 low, gint64 high)
{
  GValue v[2] = { G_VALUE_INIT, G_VALUE_INIT };
  DynamormCondition *c;

  v_int (&v[0], low);
  v_int (&v[1], high);
  c = dynamorm_condition_new (property, DYNAMORM_OPERATOR_BETWEEN, v, 2);
  g_value_unset (&v[0]);
  g_value_unset (&v[1]);
  return c;
}

static DynamormCondition *
cond_in (const char *property, const char * const *strings)
{
  guint n = g_strv_length ((char **) strings);
  GValue *v = g_new0 (GValue, n);
  DynamormCondition *c;

  for (guint i = 0; i < n; i++)
    v_str (&v[i], strings[i]);
  c = dynamorm_condition_new (property, DYNAMORM_OPERATOR_IN, v, n);
  for (guint i = 0; i < n; i++)
    g_value_unset (&v[i]);
  g_free (v);
  return c;
}

static DynamormWriteOptions *
options_with (DynamormCondition *condition)
{
  DynamormWriteOptions *options = dynamorm_write_options_new ();

  dynamorm_write_options_add_condition (options, condition);
  return options;
}

static char *
get_string (gpointer object, const char *property)
{
  char *s = NULL;

  g_object_get (object, property, &s, NULL);
  return s;
}

/* ------------------------------------------------------------------ */
/* Fixture */

typedef struct {
  DynamormSession *session;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->session = test_session_new ("w");
  if (f->session == NULL)
    return;
  CHECK_OK (dynamorm_session_create_table (f->session, TEST_TYPE_USER, NULL, &error));
  CHECK_OK (dynamorm_session_create_table (f->session, TEST_TYPE_DOC, NULL, &error));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->session == NULL)
    return;
  dynamorm_session_delete_table (f->session, TEST_TYPE_USER, NULL, NULL);
  dynamorm_session_delete_table (f->session, TEST_TYPE_DOC, NULL, NULL);
  g_clear_object (&f->session);
}

#define SKIP_IF_NO_BACKEND(f) G_STMT_START { if ((f)->session == NULL) return; } G_STMT_END

static DynamormModel *
get_by_id (Fixture *f, GType type, const char *id, GError **error)
{
  GValue pk = G_VALUE_INIT;
  DynamormModel *model;

  model = dynamorm_session_get (f->session, type, v_str (&pk, id), NULL, NULL, error);
  g_value_unset (&pk);
  return model;
}

static TestUser *
stored_user (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_static ("\x01\x02\x03", 3);
  const char *tags[] = { "a", "b", NULL };
  const char *labels[] = { "x", "y", NULL };
  TestUser *user = g_object_new (TEST_TYPE_USER, "id", "u1", "email", "ada@example.com",
                                 "name", "Ada", "age", 36, "active", TRUE, "score", 1.5,
                                 "tags", tags, "labels", labels, "payload", payload, NULL);

  CHECK_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
  return user;
}

/* ------------------------------------------------------------------ */
/* Every operator, on put, update and delete */

typedef struct {
  const char *label;
  DynamormCondition *cond;
  gboolean holds;
} Case;

static void
check_case (Fixture *f, TestUser *user, Case *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormWriteOptions) options = options_with (c->cond);
  g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
  g_autoptr(DynamormModel) current = NULL;
  g_autofree char *name = NULL;
  GValue v = G_VALUE_INIT;

  g_test_message ("condition %s (expected to %s)", c->label, c->holds ? "hold" : "fail");

  /* put */
  if (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (user), options, &current, NULL, &error))
    {
      g_assert_true (c->holds);
      g_assert_null (dynamorm_write_options_get_current (options));
    }
  else
    {
      g_autoptr(DynamormModel) kept = dynamorm_write_options_get_current (options);

      g_test_message ("refused: %s", error->message);
      g_assert_false (c->holds);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
      g_assert_nonnull (current);
      name = get_string (current, "name");
      g_assert_cmpstr (name, ==, "Ada");
      g_clear_pointer (&name, g_free);
      /* The options keep the same stored item, for bindings. */
      g_assert_nonnull (kept);
      name = get_string (kept, "name");
      g_assert_cmpstr (name, ==, "Ada");
      g_clear_pointer (&name, g_free);
      g_clear_object (&current);
      g_clear_error (&error);
    }

  /* update */
  dynamorm_update_set (update, "score", (g_value_init (&v, G_TYPE_DOUBLE), g_value_set_double (&v, 1.5), &v));
  g_value_unset (&v);
  if (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (user), update, options, &current, NULL, &error))
    g_assert_true (c->holds);
  else
    {
      g_test_message ("refused: %s", error->message);
      g_assert_false (c->holds);
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
      g_assert_nonnull (current);
      g_clear_object (&current);
      g_clear_error (&error);
    }

  /* delete: only the failing ones, which must leave the item */
  if (!c->holds)
    {
      g_autoptr(DynamormModel) still = NULL;

      g_assert_false (dynamorm_session_delete_full (f->session, DYNAMORM_MODEL (user), options, &current, NULL, &error));
      g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
      g_assert_nonnull (current);
      g_clear_object (&current);
      g_clear_error (&error);
      still = get_by_id (f, TEST_TYPE_USER, "u1", &error);
      g_assert_no_error (error);
    }
}

static void
test_operators (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = NULL;
  const char *in_yes[] = { "Bob", "Ada", NULL };
  const char *in_no[] = { "Bob", "Eve", NULL };
  GValue v = G_VALUE_INIT;
  Case cases[] = {
    { "name = Ada", cond_str ("name", DYNAMORM_OPERATOR_EQ, "Ada"), TRUE },
    { "name = Bob", cond_str ("name", DYNAMORM_OPERATOR_EQ, "Bob"), FALSE },
    { "name <> Bob", cond_str ("name", DYNAMORM_OPERATOR_NE, "Bob"), TRUE },
    { "name <> Ada", cond_str ("name", DYNAMORM_OPERATOR_NE, "Ada"), FALSE },
    { "age < 37", cond_int ("age", DYNAMORM_OPERATOR_LT, 37), TRUE },
    { "age < 36", cond_int ("age", DYNAMORM_OPERATOR_LT, 36), FALSE },
    { "age <= 36", cond_int ("age", DYNAMORM_OPERATOR_LE, 36), TRUE },
    { "age <= 35", cond_int ("age", DYNAMORM_OPERATOR_LE, 35), FALSE },
    { "age > 35", cond_int ("age", DYNAMORM_OPERATOR_GT, 35), TRUE },
    { "age > 36", cond_int ("age", DYNAMORM_OPERATOR_GT, 36), FALSE },
    { "age >= 36", cond_int ("age", DYNAMORM_OPERATOR_GE, 36), TRUE },
    { "age >= 37", cond_int ("age", DYNAMORM_OPERATOR_GE, 37), FALSE },
    { "age BETWEEN 30 AND 40", cond_between ("age", 30, 40), TRUE },
    { "age BETWEEN 37 AND 40", cond_between ("age", 37, 40), FALSE },
    { "name IN (Bob, Ada)", cond_in ("name", in_yes), TRUE },
    { "name IN (Bob, Eve)", cond_in ("name", in_no), FALSE },
    { "begins_with(email, ada@)", cond_str ("email", DYNAMORM_OPERATOR_BEGINS_WITH, "ada@"), TRUE },
    { "begins_with(email, bob@)", cond_str ("email", DYNAMORM_OPERATOR_BEGINS_WITH, "bob@"), FALSE },
    { "contains(name, da)", cond_str ("name", DYNAMORM_OPERATOR_CONTAINS, "da"), TRUE },
    { "contains(name, zz)", cond_str ("name", DYNAMORM_OPERATOR_CONTAINS, "zz"), FALSE },
    { "contains(tags, a) (set)", cond_str ("tags", DYNAMORM_OPERATOR_CONTAINS, "a"), TRUE },
    { "contains(tags, z) (set)", cond_str ("tags", DYNAMORM_OPERATOR_CONTAINS, "z"), FALSE },
    { "contains(labels, y) (list)", cond_str ("labels", DYNAMORM_OPERATOR_CONTAINS, "y"), TRUE },
    { "contains(labels, q) (list)", cond_str ("labels", DYNAMORM_OPERATOR_CONTAINS, "q"), FALSE },
    { "attribute_exists(email)", dynamorm_condition_new_exists ("email"), TRUE },
    { "attribute_exists(nickname)", dynamorm_condition_new_exists ("nickname"), FALSE },
    { "attribute_not_exists(nickname)", dynamorm_condition_new_not_exists ("nickname"), TRUE },
    { "attribute_not_exists(email)", dynamorm_condition_new_not_exists ("email"), FALSE },
    { "active = TRUE", dynamorm_condition_new ("active", DYNAMORM_OPERATOR_EQ, v_bool (&v, TRUE), 1), TRUE },
    { "display_name via property", dynamorm_condition_new_not_exists ("display"), TRUE },
  };

  SKIP_IF_NO_BACKEND (f);
  g_value_unset (&v);

  user = stored_user (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_case (f, user, &cases[i]);

  /* a holding condition on delete deletes */
  {
    g_autoptr(DynamormWriteOptions) options = options_with (cases[0].cond);
    g_autoptr(DynamormModel) gone = NULL;

    CHECK_OK (dynamorm_session_delete_full (f->session, DYNAMORM_MODEL (user), options, NULL, NULL, &error));
    gone = get_by_id (f, TEST_TYPE_USER, "u1", &error);
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    dynamorm_condition_unref (cases[i].cond);
}

static void
test_if_exists (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = NULL;
  g_autoptr(TestUser) other = g_object_new (TEST_TYPE_USER, "id", "new", "name", "New", NULL);
  g_autoptr(DynamormWriteOptions) if_exists = dynamorm_write_options_new ();
  g_autoptr(DynamormWriteOptions) if_not_exists = dynamorm_write_options_new ();
  g_autoptr(DynamormModel) current = NULL;
  g_autofree char *name = NULL;

  SKIP_IF_NO_BACKEND (f);
  user = stored_user (f);
  dynamorm_write_options_set_if_exists (if_exists, TRUE);
  dynamorm_write_options_set_if_not_exists (if_not_exists, TRUE);

  /* if-not-exists on an existing item: refused, current item back */
  g_object_set (user, "name", "Impostor", NULL);
  g_assert_false (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (user), if_not_exists, &current, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);
  name = get_string (current, "name");
  g_assert_cmpstr (name, ==, "Ada");
  g_clear_pointer (&name, g_free);
  g_clear_object (&current);

  /* if-exists on a new key: refused, no current item */
  g_assert_false (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (other), if_exists, &current, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_assert_null (current);
  g_clear_error (&error);

  /* if-not-exists on a new key, if-exists on an existing one: fine */
  CHECK_OK (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (other), if_not_exists, NULL, NULL, &error));
  CHECK_OK (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (user), if_exists, NULL, NULL, &error));

  /* delete with if-exists: once, then CONDITION_FAILED */
  CHECK_OK (dynamorm_session_delete_full (f->session, DYNAMORM_MODEL (other), if_exists, NULL, NULL, &error));
  g_assert_false (dynamorm_session_delete_full (f->session, DYNAMORM_MODEL (other), if_exists, &current, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_assert_null (current);
  g_clear_error (&error);

  /* update of a missing item is NOT_FOUND even with a condition */
  {
    g_autoptr(DynamormCondition) c = cond_str ("name", DYNAMORM_OPERATOR_EQ, "New");
    g_autoptr(DynamormWriteOptions) options = options_with (c);

    g_assert_false (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (other), NULL, options, &current, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
    g_assert_null (current);
    g_clear_error (&error);
  }
}

static void
test_logic (Fixture *f, gconstpointer data)
{
  g_autoptr(TestUser) user = NULL;
  g_autoptr(DynamormCondition) ada = cond_str ("name", DYNAMORM_OPERATOR_EQ, "Ada");
  g_autoptr(DynamormCondition) bob = cond_str ("name", DYNAMORM_OPERATOR_EQ, "Bob");
  g_autoptr(DynamormCondition) old = cond_int ("age", DYNAMORM_OPERATOR_GT, 30);
  g_autoptr(DynamormCondition) young = cond_int ("age", DYNAMORM_OPERATOR_LT, 30);
  Case cases[] = {
    { "Ada AND >30", dynamorm_condition_new_and (ada, old), TRUE },
    { "Ada AND <30", dynamorm_condition_new_and (ada, young), FALSE },
    { "Bob OR >30", dynamorm_condition_new_or (bob, old), TRUE },
    { "Bob OR <30", dynamorm_condition_new_or (bob, young), FALSE },
    { "NOT Bob", dynamorm_condition_new_not (bob), TRUE },
    { "NOT Ada", dynamorm_condition_new_not (ada), FALSE },
    { "NOT (Bob OR <30) AND Ada", NULL, TRUE },
  };

  SKIP_IF_NO_BACKEND (f);
  {
    g_autoptr(DynamormCondition) either = dynamorm_condition_new_or (bob, young);
    g_autoptr(DynamormCondition) neither = dynamorm_condition_new_not (either);
    cases[6].cond = dynamorm_condition_new_and (neither, ada);
  }

  user = stored_user (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_case (f, user, &cases[i]);

  /* several conditions on one write are ANDed */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(DynamormWriteOptions) options = options_with (ada);

    dynamorm_write_options_add_condition (options, young);
    g_assert_false (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (user), options, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    dynamorm_condition_unref (cases[i].cond);
}

static void
test_raw_expression (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = NULL;
  g_autoptr(JsonNode) names = json_from_string ("{\"#who\": \"name\", \"#years\": \"age\"}", NULL);
  g_autoptr(JsonNode) yes = json_from_string ("{\":want\": {\"S\": \"Ada\"}, \":min\": {\"N\": \"18\"}}", NULL);
  g_autoptr(JsonNode) no = json_from_string ("{\":want\": {\"S\": \"Bob\"}, \":min\": {\"N\": \"18\"}}", NULL);
  const char *expression = "#who = :want AND #years >= :min AND attribute_exists(email)";
  g_autoptr(DynamormModel) current = NULL;

  SKIP_IF_NO_BACKEND (f);
  user = stored_user (f);

  /* alone */
  {
    g_autoptr(DynamormWriteOptions) options = dynamorm_write_options_new ();

    dynamorm_write_options_add_condition_expression (options, expression, names, no);
    g_assert_false (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (user), options, &current, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
    g_assert_nonnull (current);
    g_clear_object (&current);
    g_clear_error (&error);
  }
  /* mixed with generated placeholders, in a condition tree */
  {
    g_autoptr(DynamormWriteOptions) options = dynamorm_write_options_new ();
    g_autoptr(DynamormCondition) raw = dynamorm_condition_new_expression (expression, names, yes);
    g_autoptr(DynamormCondition) age = cond_int ("age", DYNAMORM_OPERATOR_EQ, 36);
    g_autoptr(DynamormCondition) both = dynamorm_condition_new_and (age, raw);
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();

    dynamorm_write_options_add_condition (options, both);
    dynamorm_update_increment (update, "age", 1);
    CHECK_OK (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (user), update, options, NULL, NULL, &error));
    /* and on delete: the age is 37 now, so this one fails */
    g_assert_false (dynamorm_session_delete_full (f->session, DYNAMORM_MODEL (user), options, &current, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
    g_clear_error (&error);
  }
  {
    int age;

    g_object_get (current, "age", &age, NULL);
    g_assert_cmpint (age, ==, 37);
  }
}

static void
test_current_async (Fixture *f, gconstpointer data);

/* ------------------------------------------------------------------ */
/* Update builder */

static void
test_update_actions (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestDoc) doc = NULL;
  g_autoptr(TestDoc) handle = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autoptr(GListStore) lines = g_list_store_new (TEST_TYPE_LINE);
  g_autoptr(TestLine) line1 = g_object_new (TEST_TYPE_LINE, "sku", "A-1", "qty", 1, NULL);
  const char *tags[] = { "a", "b", NULL };
  const char *labels[] = { "x", "y", NULL };
  GValue v = G_VALUE_INIT;

  SKIP_IF_NO_BACKEND (f);

  g_list_store_append (lines, line1);
  doc = g_object_new (TEST_TYPE_DOC, "id", "d1", "title", "First", "count", (gint64) 10, "score", 2.5,
                      "tags", tags, "labels", labels, "lines", lines, NULL);
  CHECK_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (doc), NULL, &error));

  /* A handle with only the key (and the version read) is enough. */
  handle = g_object_new (TEST_TYPE_DOC, "id", "d1", "version", (gint64) 1, NULL);

  /* round 1: one of each whole-attribute action */
  {
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
    g_autoptr(TestLine) line2 = g_object_new (TEST_TYPE_LINE, "sku", "B-2", "qty", 2, NULL);
    g_auto(GStrv) got_tags = NULL;
    g_auto(GStrv) got_labels = NULL;
    g_autofree char *title = NULL;
    g_autofree char *big = NULL;
    g_autoptr(GListModel) got_lines = NULL;
    gint64 count;
    double score;
    TestKind kind;

    dynamorm_update_set (update, "title", v_str (&v, "Second"));
    g_value_unset (&v);
    dynamorm_update_set_if_not_exists (update, "big", v_str (&v, "12345678901234567890123456789"));
    g_value_unset (&v);
    dynamorm_update_increment (update, "count", 5);
    dynamorm_update_remove (update, "score");
    dynamorm_update_add (update, "tags", v_str (&v, "c"));
    g_value_unset (&v);
    dynamorm_update_append (update, "labels", v_str (&v, "z"));
    g_value_unset (&v);
    g_value_init (&v, G_TYPE_OBJECT);
    g_value_set_object (&v, line2);
    dynamorm_update_append (update, "lines", &v);
    g_value_unset (&v);
    dynamorm_update_set (update, "kind", v_str (&v, "fancy"));
    g_value_unset (&v);
    g_assert_cmpuint (dynamorm_update_get_n_actions (update), ==, 8);

    CHECK_OK (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (handle), update, NULL, NULL, NULL, &error));

    /* the model is refreshed with the whole stored item */
    got = get_by_id (f, TEST_TYPE_DOC, "d1", &error);
    g_assert_no_error (error);
    for (guint round = 0; round < 2; round++)
      {
        gpointer m = round == 0 ? (gpointer) handle : (gpointer) got;

        g_object_get (m, "title", &title, "big", &big, "count", &count, "score", &score,
                      "tags", &got_tags, "labels", &got_labels, "lines", &got_lines, "kind", &kind, NULL);
        g_assert_cmpstr (title, ==, "Second");
        g_assert_cmpstr (big, ==, "12345678901234567890123456789");
        g_assert_cmpint (count, ==, 15);
        g_assert_cmpfloat (score, ==, 0.0);
        g_assert_cmpuint (g_strv_length (got_tags), ==, 3);
        g_assert_true (g_strv_contains ((const char * const *) got_tags, "c"));
        g_assert_cmpuint (g_strv_length (got_labels), ==, 3);
        g_assert_cmpstr (got_labels[2], ==, "z");
        g_assert_cmpuint (g_list_model_get_n_items (got_lines), ==, 2);
        {
          g_autoptr(GObject) second = g_list_model_get_item (got_lines, 1);
          g_autofree char *sku = get_string (second, "sku");
          g_assert_cmpstr (sku, ==, "B-2");
        }
        g_assert_cmpint (kind, ==, TEST_KIND_FANCY);
        g_clear_pointer (&title, g_free);
        g_clear_pointer (&big, g_free);
        g_clear_pointer (&got_tags, g_strfreev);
        g_clear_pointer (&got_labels, g_strfreev);
        g_clear_object (&got_lines);
      }
    g_clear_object (&got);
  }

  /* round 2: the other actions */
  {
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
    g_autoptr(TestLine) line3 = g_object_new (TEST_TYPE_LINE, "sku", "C-3", "qty", 3, NULL);
    const char *more[] = { "p", "q", NULL };
    g_auto(GStrv) got_tags = NULL;
    g_auto(GStrv) got_labels = NULL;
    g_autofree char *big = NULL;
    g_autoptr(GListModel) got_lines = NULL;
    gint64 count;

    dynamorm_update_set_if_not_exists (update, "big", v_str (&v, "1"));   /* kept */
    g_value_unset (&v);
    dynamorm_update_decrement (update, "count", 20);
    dynamorm_update_delete_from_set (update, "tags", v_str (&v, "a"));
    g_value_unset (&v);
    g_value_init (&v, G_TYPE_STRV);
    g_value_set_boxed (&v, more);
    dynamorm_update_prepend (update, "labels", &v);
    g_value_unset (&v);
    g_value_init (&v, G_TYPE_OBJECT);
    g_value_set_object (&v, line3);
    dynamorm_update_set_element (update, "lines", 0, &v);
    g_value_unset (&v);

    CHECK_OK (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (handle), update, NULL, NULL, NULL, &error));
    got = get_by_id (f, TEST_TYPE_DOC, "d1", &error);
    g_assert_no_error (error);
    g_object_get (got, "big", &big, "count", &count, "tags", &got_tags, "labels", &got_labels, "lines", &got_lines, NULL);
    g_assert_cmpstr (big, ==, "12345678901234567890123456789");
    g_assert_cmpint (count, ==, -5);
    g_assert_cmpuint (g_strv_length (got_tags), ==, 2);
    g_assert_false (g_strv_contains ((const char * const *) got_tags, "a"));
    g_assert_cmpuint (g_strv_length (got_labels), ==, 5);
    g_assert_cmpstr (got_labels[0], ==, "p");
    g_assert_cmpstr (got_labels[1], ==, "q");
    g_assert_cmpstr (got_labels[4], ==, "z");
    {
      g_autoptr(GObject) first = g_list_model_get_item (got_lines, 0);
      g_autofree char *sku = get_string (first, "sku");
      g_assert_cmpstr (sku, ==, "C-3");
    }
    g_clear_object (&got);
  }

  /* round 3: list elements by index, add to a number and a set */
  {
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
    g_auto(GStrv) got_labels = NULL;
    g_auto(GStrv) got_tags = NULL;
    const char *two[] = { "m", "n", NULL };
    gint64 count;

    dynamorm_update_set_element (update, "labels", 1, v_str (&v, "Q!"));
    g_value_unset (&v);
    dynamorm_update_remove_element (update, "labels", 0);
    dynamorm_update_add (update, "count", v_int (&v, 100));
    g_value_unset (&v);
    g_value_init (&v, G_TYPE_STRV);
    g_value_set_boxed (&v, two);
    dynamorm_update_add (update, "tags", &v);
    g_value_unset (&v);
    CHECK_OK (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (handle), update, NULL, NULL, NULL, &error));
    got = get_by_id (f, TEST_TYPE_DOC, "d1", &error);
    g_assert_no_error (error);
    g_object_get (got, "labels", &got_labels, "count", &count, "tags", &got_tags, NULL);
    g_assert_cmpuint (g_strv_length (got_labels), ==, 4);
    g_assert_cmpstr (got_labels[0], ==, "Q!");
    g_assert_cmpstr (got_labels[1], ==, "x");
    g_assert_cmpint (count, ==, 95);
    g_assert_cmpuint (g_strv_length (got_tags), ==, 4);
    g_clear_object (&got);
  }

  /* set_from_model writes the handle's own value; NULL removes */
  {
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
    g_autofree char *title = NULL;

    g_object_set (handle, "title", NULL, NULL);
    dynamorm_update_set_from_model (update, "title");
    CHECK_OK (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (handle), update, NULL, NULL, NULL, &error));
    got = get_by_id (f, TEST_TYPE_DOC, "d1", &error);
    g_assert_no_error (error);
    title = get_string (got, "title");
    g_assert_null (title);
  }

  /* mistakes found by DynamoDB's rules, before sending */
  {
    g_autoptr(DynamormUpdate) twice = dynamorm_update_new ();
    g_autoptr(DynamormUpdate) key = dynamorm_update_new ();
    g_autoptr(DynamormUpdate) add_string = dynamorm_update_new ();
    g_autoptr(DynamormUpdate) append_set = dynamorm_update_new ();

    dynamorm_update_increment (twice, "count", 1);
    dynamorm_update_remove (twice, "count");
    g_assert_false (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (handle), twice, NULL, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY);
    g_clear_error (&error);

    dynamorm_update_set (key, "id", v_str (&v, "d2"));
    g_value_unset (&v);
    g_assert_false (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (handle), key, NULL, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "“id”"));
    g_clear_error (&error);

    dynamorm_update_add (add_string, "title", v_str (&v, "x"));
    g_value_unset (&v);
    g_assert_false (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (handle), add_string, NULL, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY);
    g_clear_error (&error);

    dynamorm_update_append (append_set, "tags", v_str (&v, "x"));
    g_value_unset (&v);
    g_assert_false (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (handle), append_set, NULL, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_QUERY);
    g_clear_error (&error);
  }
}

/* ------------------------------------------------------------------ */
/* Lifecycle properties */

static gint64
version_of (gpointer model)
{
  gint64 version;

  g_object_get (model, "version", &version, NULL);
  return version;
}

static void
test_version (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestDoc) doc = g_object_new (TEST_TYPE_DOC, "id", "v1", "title", "One", NULL);
  g_autoptr(TestDoc) stale = NULL;
  g_autoptr(DynamormModel) current = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autofree char *title = NULL;

  SKIP_IF_NO_BACKEND (f);

  /* first put: version 0 means "new", and the model gets version 1 */
  CHECK_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (doc), NULL, &error));
  g_assert_cmpint (version_of (doc), ==, 1);

  /* another version-0 model with the same key is stale */
  stale = g_object_new (TEST_TYPE_DOC, "id", "v1", "title", "Other", NULL);
  g_assert_false (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (stale), NULL, &current, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (version_of (stale), ==, 0);          /* untouched */
  g_assert_cmpint (version_of (current), ==, 1);
  g_clear_object (&current);

  /* put with the version read: 1 -> 2 */
  g_object_set (doc, "title", "Two", NULL);
  CHECK_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (doc), NULL, &error));
  g_assert_cmpint (version_of (doc), ==, 2);

  /* a copy at version 1 is now stale: put, update and delete refuse */
  g_object_set (stale, "version", (gint64) 1, NULL);
  g_assert_false (dynamorm_session_put (f->session, DYNAMORM_MODEL (stale), NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);
  {
    const char *props[] = { "title", NULL };
    g_assert_false (dynamorm_session_update (f->session, DYNAMORM_MODEL (stale), props, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
    g_clear_error (&error);
  }
  g_assert_false (dynamorm_session_delete_full (f->session, DYNAMORM_MODEL (stale), NULL, &current, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);
  title = get_string (current, "title");
  g_assert_cmpstr (title, ==, "Two");
  g_clear_pointer (&title, g_free);
  g_clear_object (&current);

  /* update with the version read: 2 -> 3, the model refreshed */
  {
    const char *props[] = { "title", NULL };

    g_object_set (doc, "title", "Three", NULL);
    CHECK_OK (dynamorm_session_update (f->session, DYNAMORM_MODEL (doc), props, NULL, &error));
    g_assert_cmpint (version_of (doc), ==, 3);
  }

  /* a blind update (no version check) still bumps the version */
  {
    g_autoptr(TestDoc) blind = g_object_new (TEST_TYPE_DOC, "id", "v1", NULL);
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
    g_autoptr(DynamormWriteOptions) options = dynamorm_write_options_new ();

    dynamorm_write_options_set_check_version (options, FALSE);
    dynamorm_update_increment (update, "count", 1);
    CHECK_OK (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (blind), update, options, NULL, NULL, &error));
    g_assert_cmpint (version_of (blind), ==, 4);
  }

  /* the version is Dynamorm's: an update action on it is refused */
  {
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();

    dynamorm_update_increment (update, "version", 1);
    g_assert_false (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (doc), update, NULL, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* doc is at 3 but the item at 4: stale; after a reload, delete works */
  g_assert_false (dynamorm_session_delete (f->session, DYNAMORM_MODEL (doc), NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);
  CHECK_OK (dynamorm_session_reload (f->session, DYNAMORM_MODEL (doc), NULL, &error));
  g_assert_cmpint (version_of (doc), ==, 4);
  CHECK_OK (dynamorm_session_delete (f->session, DYNAMORM_MODEL (doc), NULL, &error));
  got = get_by_id (f, TEST_TYPE_DOC, "v1", &error);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
}

static void
test_timestamps (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestDoc) doc = g_object_new (TEST_TYPE_DOC, "id", "t1", "title", "T", NULL);
  g_autoptr(TestDoc) again = NULL;
  g_autoptr(DynamormModel) got = NULL;
  g_autoptr(GDateTime) before = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) created1 = NULL;
  g_autoptr(GDateTime) updated1 = NULL;
  g_autoptr(GDateTime) created2 = NULL;
  g_autoptr(GDateTime) updated2 = NULL;
  g_autoptr(GDateTime) updated3 = NULL;
  g_autoptr(GDateTime) fake = g_date_time_new_utc (2001, 1, 1, 0, 0, 0);

  SKIP_IF_NO_BACKEND (f);

  CHECK_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (doc), NULL, &error));
  g_object_get (doc, "created", &created1, "updated", &updated1, NULL);
  g_assert_nonnull (created1);
  g_assert_nonnull (updated1);
  g_assert_cmpint (g_date_time_compare (created1, before), >=, 0);
  g_assert_cmpint (g_date_time_compare (updated1, before), >=, 0);

  g_usleep (20000);

  /* a second put, from a fresh model that claims another created_at:
   * the stored created_at is kept, updated_at moves */
  again = g_object_new (TEST_TYPE_DOC, "id", "t1", "title", "T2", "version", (gint64) 1, "created", fake, NULL);
  CHECK_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (again), NULL, &error));
  g_object_get (again, "created", &created2, "updated", &updated2, NULL);
  g_assert_true (g_date_time_equal (created1, created2));
  g_assert_cmpint (g_date_time_compare (updated2, updated1), >, 0);
  got = get_by_id (f, TEST_TYPE_DOC, "t1", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GDateTime) stored = NULL;
    g_object_get (got, "created", &stored, NULL);
    g_assert_true (g_date_time_equal (created1, stored));
  }

  g_usleep (20000);

  /* an update moves updated_at and leaves created_at */
  {
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
    g_autoptr(GDateTime) created3 = NULL;

    dynamorm_update_increment (update, "count", 1);
    CHECK_OK (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (again), update, NULL, NULL, NULL, &error));
    g_object_get (again, "updated", &updated3, "created", &created3, NULL);
    g_assert_cmpint (g_date_time_compare (updated3, updated2), >, 0);
    g_assert_true (g_date_time_equal (created1, created3));
  }

  /* insert of a new item: created_at and updated_at are set */
  {
    g_autoptr(TestDoc) fresh = g_object_new (TEST_TYPE_DOC, "id", "t2", NULL);
    g_autoptr(GDateTime) created = NULL;

    CHECK_OK (dynamorm_session_insert (f->session, DYNAMORM_MODEL (fresh), NULL, &error));
    g_object_get (fresh, "created", &created, NULL);
    g_assert_nonnull (created);
    g_assert_cmpint (version_of (fresh), ==, 1);
  }
}

static void
test_ttl (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) expires = g_date_time_new_utc (2040, 6, 1, 12, 0, 0);
  g_autoptr(TestDoc) doc = g_object_new (TEST_TYPE_DOC, "id", "ttl", "expires", expires, NULL);
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *table = NULL;
  g_autofree char *body = NULL;
  JsonObject *item;

  SKIP_IF_NO_BACKEND (f);

  CHECK_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (doc), NULL, &error));

  table = dynamorm_session_get_table_name (f->session, TEST_TYPE_DOC);
  body = g_strdup_printf ("{\"TableName\": \"%s\", \"Key\": {\"id\": {\"S\": \"ttl\"}}}", table);
  request = json_from_string (body, NULL);
  response = dynamorm_session_call (f->session, "GetItem", request, NULL, &error);
  g_assert_no_error (error);
  item = json_object_get_object_member (json_node_get_object (response), "Item");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item, "expires"), "N"),
                   ==, "2222164800");

  /* and conditions on it compare as numbers, with a GDateTime or seconds */
  {
    GValue v = G_VALUE_INIT;
    g_autoptr(GDateTime) earlier = g_date_time_new_utc (2039, 1, 1, 0, 0, 0);
    g_autoptr(DynamormCondition) later_than = NULL;
    g_autoptr(DynamormCondition) seconds = cond_int ("expires", DYNAMORM_OPERATOR_EQ, 2222164800);
    g_autoptr(DynamormWriteOptions) options = NULL;

    g_value_init (&v, G_TYPE_DATE_TIME);
    g_value_set_boxed (&v, earlier);
    later_than = dynamorm_condition_new ("expires", DYNAMORM_OPERATOR_GT, &v, 1);
    g_value_unset (&v);
    options = options_with (later_than);
    dynamorm_write_options_add_condition (options, seconds);
    CHECK_OK (dynamorm_session_put_full (f->session, DYNAMORM_MODEL (doc), options, NULL, NULL, &error));
  }
}

/* ------------------------------------------------------------------ */
/* Any string round-trips, in items and in conditions */

static void
test_hostile_strings (Fixture *f, gconstpointer data)
{
  static const char *hostile[] = {
    "#x :v OR 1=1 ) ; --",
    ":v0",
    "#n0",
    "attribute_exists(id) OR",
    "\"}, {\"S\": \"",
    "Ünïcødé ✓ \t\n",
    NULL,
  };
  g_autoptr(GError) error = NULL;

  SKIP_IF_NO_BACKEND (f);

  for (guint i = 0; hostile[i] != NULL; i++)
    {
      g_autofree char *id = g_strdup_printf ("h%u %s", i, hostile[i]);
      g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", id, "name", hostile[i],
                                               "email", hostile[i], NULL);
      g_autoptr(DynamormCondition) same = cond_str ("name", DYNAMORM_OPERATOR_EQ, hostile[i]);
      g_autoptr(DynamormCondition) prefix = cond_str ("email", DYNAMORM_OPERATOR_BEGINS_WITH, hostile[i]);
      g_autoptr(DynamormWriteOptions) options = options_with (same);
      g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
      g_autoptr(DynamormModel) got = NULL;
      g_autofree char *name = NULL;
      g_autofree char *display = NULL;
      g_autofree char *got_id = NULL;
      GValue v = G_VALUE_INIT;

      CHECK_OK (dynamorm_session_put (f->session, DYNAMORM_MODEL (user), NULL, &error));
      dynamorm_write_options_add_condition (options, prefix);
      dynamorm_update_set (update, "display", v_str (&v, hostile[i]));
      g_value_unset (&v);
      CHECK_OK (dynamorm_session_update_full (f->session, DYNAMORM_MODEL (user), update, options, NULL, NULL, &error));

      got = get_by_id (f, TEST_TYPE_USER, id, &error);
      g_assert_no_error (error);
      g_object_get (got, "id", &got_id, "name", &name, "display", &display, NULL);
      g_assert_cmpstr (got_id, ==, id);
      g_assert_cmpstr (name, ==, hostile[i]);
      g_assert_cmpstr (display, ==, hostile[i]);
    }
}

/* ------------------------------------------------------------------ */
/* Async forms */

typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} AsyncWait;

static void
async_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GAsyncResult *
wait_for (AsyncWait *wait)
{
  g_clear_object (&wait->result);
  g_main_loop_run (wait->loop);
  return wait->result;
}

static void
test_current_async (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestUser) user = NULL;
  g_autoptr(DynamormCondition) bob = cond_str ("name", DYNAMORM_OPERATOR_EQ, "Bob");
  g_autoptr(DynamormCondition) ada = cond_str ("name", DYNAMORM_OPERATOR_EQ, "Ada");
  g_autoptr(DynamormWriteOptions) fails = options_with (bob);
  g_autoptr(DynamormWriteOptions) holds = options_with (ada);
  g_autoptr(DynamormUpdate) update = dynamorm_update_new ();
  g_autoptr(DynamormModel) current = NULL;
  AsyncWait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autofree char *name = NULL;
  int age;

  SKIP_IF_NO_BACKEND (f);
  user = stored_user (f);

  dynamorm_session_put_full_async (f->session, DYNAMORM_MODEL (user), fails, NULL, async_done, &wait);
  g_assert_false (dynamorm_session_put_full_finish (f->session, wait_for (&wait), &current, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);
  name = get_string (current, "name");
  g_assert_cmpstr (name, ==, "Ada");
  g_clear_object (&current);

  dynamorm_update_increment (update, "age", 2);
  dynamorm_session_update_full_async (f->session, DYNAMORM_MODEL (user), update, holds, NULL, async_done, &wait);
  CHECK_OK (dynamorm_session_update_full_finish (f->session, wait_for (&wait), &current, &error));
  g_assert_null (current);
  g_object_get (user, "age", &age, NULL);
  g_assert_cmpint (age, ==, 38);

  dynamorm_session_delete_full_async (f->session, DYNAMORM_MODEL (user), fails, NULL, async_done, &wait);
  g_assert_false (dynamorm_session_delete_full_finish (f->session, wait_for (&wait), &current, &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_CONDITION_FAILED);
  g_clear_error (&error);
  g_assert_nonnull (current);
  g_clear_object (&current);

  dynamorm_session_delete_full_async (f->session, DYNAMORM_MODEL (user), holds, NULL, async_done, &wait);
  CHECK_OK (dynamorm_session_delete_full_finish (f->session, wait_for (&wait), NULL, &error));

  g_clear_object (&wait.result);
  g_main_loop_unref (wait.loop);
}

/* ------------------------------------------------------------------ */
/* Bad input never reaches the backend */

#define TEST_TYPE_RECORDER (test_recorder_get_type ())
G_DECLARE_FINAL_TYPE (TestRecorder, test_recorder, TEST, RECORDER, DynamormBackend)
struct _TestRecorder { DynamormBackend parent_instance; GPtrArray *seen; };
G_DEFINE_FINAL_TYPE (TestRecorder, test_recorder, DYNAMORM_TYPE_BACKEND)

static JsonNode *
test_recorder_invoke (DynamormBackend *backend, const char *operation, JsonNode *request,
                      GCancellable *cancellable, GError **error)
{
  TestRecorder *self = TEST_RECORDER (backend);

  g_ptr_array_add (self->seen, json_node_copy (request));
  return json_from_string ("{}", NULL);
}

static void
test_recorder_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_RECORDER (object)->seen);
  G_OBJECT_CLASS (test_recorder_parent_class)->finalize (object);
}

static void
test_recorder_class_init (TestRecorderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_recorder_finalize;
  DYNAMORM_BACKEND_CLASS (klass)->invoke = test_recorder_invoke;
}

static void
test_recorder_init (TestRecorder *self)
{
  self->seen = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
}

static void
expect_refused (DynamormSession *session, TestRecorder *recorder, DynamormModel *model,
                DynamormCondition *cond, gint code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormWriteOptions) options = options_with (cond);
  g_autoptr(DynamormUpdate) update = dynamorm_update_new ();

  dynamorm_update_increment (update, "age", 1);
  g_assert_false (dynamorm_session_put_full (session, model, options, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, code);
  g_test_message ("%s", error->message);
  if (needle)
    g_assert_nonnull (strstr (error->message, needle));
  g_clear_error (&error);
  g_assert_false (dynamorm_session_update_full (session, model, update, options, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, code);
  g_clear_error (&error);
  g_assert_false (dynamorm_session_delete_full (session, model, options, NULL, NULL, &error));
  g_assert_error (error, DYNAMORM_ERROR, code);
  g_assert_cmpuint (recorder->seen->len, ==, 0);
}

static void
test_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestRecorder) recorder = g_object_new (TEST_TYPE_RECORDER, NULL);
  g_autoptr(DynamormSession) session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (recorder));
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "u1", NULL);
  DynamormModel *model = DYNAMORM_MODEL (user);
  GValue v = G_VALUE_INIT;

  /* unknown property */
  {
    g_autoptr(DynamormCondition) c = cond_str ("no-such-thing", DYNAMORM_OPERATOR_EQ, "x");
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_ARGUMENT, "no-such-thing");
  }
  /* operators that do not fit the type */
  {
    g_autoptr(DynamormCondition) c = cond_str ("age", DYNAMORM_OPERATOR_BEGINS_WITH, "3");
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, "age");
  }
  {
    g_autoptr(DynamormCondition) c = dynamorm_condition_new ("active", DYNAMORM_OPERATOR_LT, v_bool (&v, TRUE), 1);
    g_value_unset (&v);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, "active");
  }
  {
    g_autoptr(DynamormCondition) c = cond_int ("age", DYNAMORM_OPERATOR_CONTAINS, 3);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, "CONTAINS");
  }
  /* value counts */
  {
    g_autoptr(DynamormCondition) c = dynamorm_condition_new ("age", DYNAMORM_OPERATOR_BETWEEN, v_int (&v, 3), 1);
    g_value_unset (&v);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, "BETWEEN");
  }
  {
    GValue many[101];
    g_autoptr(DynamormCondition) c = NULL;
    g_autoptr(DynamormCondition) none = dynamorm_condition_new ("name", DYNAMORM_OPERATOR_IN, NULL, 0);

    for (guint i = 0; i < 101; i++)
      {
        many[i] = (GValue) G_VALUE_INIT;
        v_int (&many[i], i);
      }
    c = dynamorm_condition_new ("age", DYNAMORM_OPERATOR_IN, many, 101);
    for (guint i = 0; i < 101; i++)
      g_value_unset (&many[i]);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, "101");
    expect_refused (session, recorder, model, none, DYNAMORM_ERROR_INVALID_QUERY, "IN");
  }
  {
    g_autoptr(DynamormCondition) c = dynamorm_condition_new ("age", DYNAMORM_OPERATOR_EXISTS, v_int (&v, 3), 1);
    g_value_unset (&v);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, NULL);
  }
  /* values that do not convert */
  {
    g_autoptr(DynamormCondition) c = cond_str ("age", DYNAMORM_OPERATOR_EQ, "thirty");
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_ARGUMENT, "age");
  }
  {
    g_autoptr(DynamormCondition) c = cond_str ("kind", DYNAMORM_OPERATOR_EQ, "no-such-kind");
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_ARGUMENT, "kind");
  }
  {
    g_autoptr(DynamormCondition) c = cond_int ("tags", DYNAMORM_OPERATOR_CONTAINS, 3);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_ARGUMENT, "tags");
  }
  /* raw expressions: clashing, undefined, unused placeholders */
  {
    g_autoptr(JsonNode) names = json_from_string ("{\"#n0\": \"name\"}", NULL);
    g_autoptr(DynamormCondition) c = dynamorm_condition_new_expression ("attribute_exists(#n0)", names, NULL);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, "#n0");
  }
  {
    g_autoptr(JsonNode) values = json_from_string ("{\":v1\": {\"S\": \"x\"}}", NULL);
    g_autoptr(DynamormCondition) c = dynamorm_condition_new_expression ("name = :v1", NULL, values);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, ":v1");
  }
  {
    g_autoptr(DynamormCondition) c = dynamorm_condition_new_expression ("#who = :x", NULL, NULL);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, "#who");
  }
  {
    g_autoptr(JsonNode) values = json_from_string ("{\":x\": {\"S\": \"a\"}, \":unused\": {\"S\": \"b\"}}", NULL);
    g_autoptr(DynamormCondition) c = dynamorm_condition_new_expression ("name = :x", NULL, values);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, ":unused");
  }
  {
    g_autoptr(JsonNode) values = json_from_string ("{\":x\": {\"Q\": \"a\"}}", NULL);
    g_autoptr(DynamormCondition) c = dynamorm_condition_new_expression ("name = :x", NULL, values);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_ARGUMENT, ":x");
  }
  /* two raw expressions giving one placeholder two meanings */
  {
    g_autoptr(JsonNode) a = json_from_string ("{\":x\": {\"S\": \"a\"}}", NULL);
    g_autoptr(JsonNode) b = json_from_string ("{\":x\": {\"S\": \"b\"}}", NULL);
    g_autoptr(DynamormCondition) ca = dynamorm_condition_new_expression ("name = :x", NULL, a);
    g_autoptr(DynamormCondition) cb = dynamorm_condition_new_expression ("email = :x", NULL, b);
    g_autoptr(DynamormCondition) c = dynamorm_condition_new_or (ca, cb);
    expect_refused (session, recorder, model, c, DYNAMORM_ERROR_INVALID_QUERY, ":x");
  }
  /* contradictory options, update of a new item */
  {
    g_autoptr(DynamormWriteOptions) options = dynamorm_write_options_new ();

    dynamorm_write_options_set_if_exists (options, TRUE);
    dynamorm_write_options_set_if_not_exists (options, TRUE);
    g_assert_false (dynamorm_session_put_full (session, model, options, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    dynamorm_write_options_set_if_exists (options, FALSE);
    g_assert_false (dynamorm_session_update_full (session, model, NULL, options, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  /* update actions: unknown property, key property */
  {
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();

    dynamorm_update_remove (update, "no-such-thing");
    g_assert_false (dynamorm_session_update_full (session, model, update, NULL, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "no-such-thing"));
    g_clear_error (&error);
  }
  {
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();

    dynamorm_update_set (update, "id", v_str (&v, "other"));
    g_value_unset (&v);
    g_assert_false (dynamorm_session_update_full (session, model, update, NULL, NULL, NULL, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  {
    g_autoptr(DynamormUpdate) update = dynamorm_update_new ();

    dynamorm_update_set (update, "age", v_int (&v, G_MAXINT64));
    g_value_unset (&v);
    g_assert_false (dynamorm_session_update_full (session, model, update, NULL, NULL, NULL, &error));
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
  }
  /* the async form reports the same, without a request */
  {
    g_autoptr(DynamormCondition) c = cond_str ("no-such-thing", DYNAMORM_OPERATOR_EQ, "x");
    g_autoptr(DynamormWriteOptions) options = options_with (c);
    g_autoptr(DynamormModel) current = NULL;
    AsyncWait wait = { g_main_loop_new (NULL, FALSE), NULL };

    dynamorm_session_put_full_async (session, model, options, NULL, async_done, &wait);
    g_assert_false (dynamorm_session_put_full_finish (session, wait_for (&wait), &current, &error));
    g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT);
    g_assert_null (current);
    g_clear_object (&wait.result);
    g_main_loop_unref (wait.loop);
  }
  g_assert_cmpuint (recorder->seen->len, ==, 0);
}

/* What a conditional write sends: names and values only as placeholders. */
static void
test_request_shape (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestRecorder) recorder = g_object_new (TEST_TYPE_RECORDER, NULL);
  g_autoptr(DynamormSession) session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (recorder));
  const char *hostile = "#x :v OR 1=1 ) ; --";
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "u1", "display", hostile, NULL);
  g_autoptr(DynamormCondition) a = cond_str ("display", DYNAMORM_OPERATOR_EQ, hostile);
  g_autoptr(DynamormCondition) b = cond_between ("age", 1, 2);
  g_autoptr(DynamormCondition) both = dynamorm_condition_new_and (a, b);
  g_autoptr(JsonNode) names = json_from_string ("{\"#nm\": \"name\"}", NULL);
  g_autoptr(DynamormCondition) raw = dynamorm_condition_new_expression ("attribute_not_exists(#nm)", names, NULL);
  g_autoptr(DynamormWriteOptions) options = options_with (both);
  JsonObject *request, *values, *anames;
  const char *expression;

  dynamorm_write_options_add_condition (options, raw);
  CHECK_OK (dynamorm_session_put_full (session, DYNAMORM_MODEL (user), options, NULL, NULL, &error));
  g_assert_cmpuint (recorder->seen->len, ==, 1);
  request = json_node_get_object (recorder->seen->pdata[0]);
  expression = json_object_get_string_member (request, "ConditionExpression");
  g_test_message ("%s", expression);
  g_assert_cmpstr (expression, ==, "(#n0 = :v0 AND (#n1 BETWEEN :v1 AND :v2)) AND attribute_not_exists(#nm)");
  g_assert_cmpstr (json_object_get_string_member (request, "ReturnValuesOnConditionCheckFailure"), ==, "ALL_OLD");
  anames = json_object_get_object_member (request, "ExpressionAttributeNames");
  g_assert_cmpstr (json_object_get_string_member (anames, "#n0"), ==, "display_name");
  g_assert_cmpstr (json_object_get_string_member (anames, "#nm"), ==, "name");
  values = json_object_get_object_member (request, "ExpressionAttributeValues");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (values, ":v0"), "S"), ==, hostile);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (values, ":v2"), "N"), ==, "2");
}

int
main (int argc, char *argv[])
{
  test_parse_backend_arg (&argc, argv);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/dynamorm/write/operators", test_operators);
  ADD ("/dynamorm/write/if-exists", test_if_exists);
  ADD ("/dynamorm/write/and-or-not", test_logic);
  ADD ("/dynamorm/write/raw-expression", test_raw_expression);
  ADD ("/dynamorm/write/current-async", test_current_async);
  ADD ("/dynamorm/write/update-actions", test_update_actions);
  ADD ("/dynamorm/write/version", test_version);
  ADD ("/dynamorm/write/timestamps", test_timestamps);
  ADD ("/dynamorm/write/ttl", test_ttl);
  ADD ("/dynamorm/write/hostile-strings", test_hostile_strings);
  if (g_str_equal (test_backend_name, "memory"))
    {
      g_test_add_func ("/dynamorm/write/bad-input", test_bad_input);
      g_test_add_func ("/dynamorm/write/request-shape", test_request_shape);
    }

  return g_test_run ();
}
