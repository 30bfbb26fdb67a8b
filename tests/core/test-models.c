/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "test-models.h"

GType
test_kind_get_type (void)
{
  static gsize type;
  static const GEnumValue values[] = {
    { TEST_KIND_PLAIN, "TEST_KIND_PLAIN", "plain" },
    { TEST_KIND_FANCY, "TEST_KIND_FANCY", "fancy" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("TestKind", values));
  return type;
}

/* Property storage: one GValue per property id, in qdata. */
static GQuark values_quark;

static GArray *
values_of (GObject *object)
{
  GArray *values = g_object_get_qdata (object, values_quark);

  if (values == NULL)
    {
      values = g_array_new (FALSE, TRUE, sizeof (GValue));
      g_array_set_clear_func (values, (GDestroyNotify) g_value_unset);
      g_object_set_qdata_full (object, values_quark, values, (GDestroyNotify) g_array_unref);
    }
  return values;
}

static void
generic_get (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GArray *values = values_of (object);

  if (prop_id < values->len && G_IS_VALUE (&g_array_index (values, GValue, prop_id)))
    g_value_copy (&g_array_index (values, GValue, prop_id), value);
  else
    g_param_value_set_default (pspec, value);
}

static void
generic_set (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GArray *values = values_of (object);
  GValue *slot;

  if (values->len <= prop_id)
    g_array_set_size (values, prop_id + 1);
  slot = &g_array_index (values, GValue, prop_id);
  if (G_IS_VALUE (slot))
    g_value_unset (slot);
  g_value_init (slot, G_VALUE_TYPE (value));
  g_value_copy (value, slot);
}

G_DEFINE_TYPE (TestModel, test_model, DYNAMORM_TYPE_MODEL)

static void
test_model_class_init (TestModelClass *klass)
{
  G_OBJECT_CLASS (klass)->get_property = generic_get;
  G_OBJECT_CLASS (klass)->set_property = generic_set;
  values_quark = g_quark_from_static_string ("test-model-values");
}

static void
test_model_init (TestModel *self)
{
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)

/* GObject does not inherit get_property/set_property: every class sets them. */
static guint
install (GObjectClass *klass, guint id, GParamSpec *pspec)
{
  klass->get_property = generic_get;
  klass->set_property = generic_set;
  g_object_class_install_property (klass, id, pspec);
  return id + 1;
}

struct _TestAddress { TestModel parent_instance; };
G_DEFINE_FINAL_TYPE (TestAddress, test_address, TEST_TYPE_MODEL)
static void test_address_init (TestAddress *self) { }
static void
test_address_class_init (TestAddressClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  guint id = 1;

  id = install (oc, id, g_param_spec_string ("street", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_string ("city", NULL, NULL, NULL, RW));
}

struct _TestLine { TestModel parent_instance; };
G_DEFINE_FINAL_TYPE (TestLine, test_line, TEST_TYPE_MODEL)
static void test_line_init (TestLine *self) { }
static void
test_line_class_init (TestLineClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  guint id = 1;

  id = install (oc, id, g_param_spec_string ("sku", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_int ("qty", NULL, NULL, 0, 1000, 0, RW));
}

struct _TestUser { TestModel parent_instance; };
G_DEFINE_FINAL_TYPE (TestUser, test_user, TEST_TYPE_MODEL)
static void test_user_init (TestUser *self) { }
static void
test_user_class_init (TestUserClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  DynamormModelClass *mc = DYNAMORM_MODEL_CLASS (klass);
  guint id = 1;

  g_type_ensure (TEST_TYPE_LINE);
  id = install (oc, id, g_param_spec_string ("id", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_string ("email", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_string ("name", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_int ("age", NULL, NULL, G_MININT, G_MAXINT, 0, RW));
  id = install (oc, id, g_param_spec_boolean ("active", NULL, NULL, FALSE, RW));
  id = install (oc, id, g_param_spec_double ("score", NULL, NULL, -INFINITY, INFINITY, 0, RW));
  id = install (oc, id, g_param_spec_boxed ("tags", NULL, NULL, G_TYPE_STRV, RW));
  id = install (oc, id, g_param_spec_boxed ("created", NULL, NULL, G_TYPE_DATE_TIME, RW));
  id = install (oc, id, g_param_spec_boxed ("payload", NULL, NULL, G_TYPE_BYTES, RW));
  id = install (oc, id, g_param_spec_string ("big", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_enum ("kind", NULL, NULL, TEST_TYPE_KIND, TEST_KIND_PLAIN, RW));
  id = install (oc, id, g_param_spec_variant ("extra", NULL, NULL, G_VARIANT_TYPE_VARDICT, NULL, RW));
  id = install (oc, id, g_param_spec_boxed ("doc", NULL, NULL, JSON_TYPE_NODE, RW));
  id = install (oc, id, g_param_spec_uint64 ("u64", NULL, NULL, 0, G_MAXUINT64, 0, RW));
  id = install (oc, id, g_param_spec_int64 ("i64", NULL, NULL, G_MININT64, G_MAXINT64, 0, RW));
  id = install (oc, id, g_param_spec_char ("tiny", NULL, NULL, G_MININT8, G_MAXINT8, 0, RW));
  id = install (oc, id, g_param_spec_float ("ratio", NULL, NULL, -G_MAXFLOAT, G_MAXFLOAT, 0, RW));
  id = install (oc, id, g_param_spec_object ("address", NULL, NULL, TEST_TYPE_ADDRESS, RW));
  id = install (oc, id, g_param_spec_object ("lines", NULL, NULL, G_TYPE_LIST_MODEL, RW));
  id = install (oc, id, g_param_spec_string ("secret", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_string ("display", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_string ("nickname", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_boxed ("labels", NULL, NULL, G_TYPE_STRV, RW));

  dynamorm_model_class_set_table_name (mc, "users");
  dynamorm_model_class_tag_property (mc, "id", "pk");
  dynamorm_model_class_tag_property (mc, "email", "index:by-email,pk");
  dynamorm_model_class_tag_property (mc, "tags", "set");
  dynamorm_model_class_tag_property (mc, "big", "number");
  dynamorm_model_class_tag_property (mc, "lines", "of:TestLine");
  dynamorm_model_class_tag_property (mc, "secret", "-");
  dynamorm_model_class_tag_property (mc, "display", "attr:display_name");
  dynamorm_model_class_tag_property (mc, "nickname", "omitempty");
}

struct _TestInvoice { TestModel parent_instance; };
G_DEFINE_FINAL_TYPE (TestInvoice, test_invoice, TEST_TYPE_MODEL)
static void test_invoice_init (TestInvoice *self) { }
static void
test_invoice_class_init (TestInvoiceClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  DynamormModelClass *mc = DYNAMORM_MODEL_CLASS (klass);
  guint id = 1;

  id = install (oc, id, g_param_spec_string ("account", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_string ("invoice", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_string ("customer", NULL, NULL, NULL, RW));
  id = install (oc, id, g_param_spec_int64 ("total", NULL, NULL, G_MININT64, G_MAXINT64, 0, RW));
  id = install (oc, id, g_param_spec_string ("status", NULL, NULL, NULL, RW));

  dynamorm_model_class_tag_property (mc, "account", "pk");
  dynamorm_model_class_tag_property (mc, "invoice", "sk");
  dynamorm_model_class_tag_property (mc, "customer", "index:by-customer,pk");
  dynamorm_model_class_tag_property (mc, "total", "index:by-customer,sk");
}

/* Run-time model types for schema error tests. */
static void
dynamic_class_init (gpointer klass, gpointer data)
{
  const char * const *props = data;
  GObjectClass *oc = G_OBJECT_CLASS (klass);

  oc->get_property = generic_get;
  oc->set_property = generic_set;
  for (guint i = 0; props[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (props[i], ":", 2);
      GParamSpec *pspec;

      switch (parts[1][0])
        {
        case 'i': pspec = g_param_spec_int (parts[0], NULL, NULL, G_MININT, G_MAXINT, 0, G_PARAM_READWRITE); break;
        case 'b': pspec = g_param_spec_boolean (parts[0], NULL, NULL, FALSE, G_PARAM_READWRITE); break;
        case 'd': pspec = g_param_spec_double (parts[0], NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, G_PARAM_READWRITE); break;
        case 'v': pspec = g_param_spec_boxed (parts[0], NULL, NULL, G_TYPE_STRV, G_PARAM_READWRITE); break;
        case 'r': pspec = g_param_spec_string (parts[0], NULL, NULL, NULL, G_PARAM_READABLE); break;
        default: pspec = g_param_spec_string (parts[0], NULL, NULL, NULL, G_PARAM_READWRITE); break;
        }
      g_object_class_install_property (oc, i + 1, pspec);
    }
}

GType
test_define_model (const char *type_name, const char * const *props)
{
  GTypeInfo info = {
    .class_size = sizeof (TestModelClass),
    .class_init = dynamic_class_init,
    .class_data = props,
    .instance_size = sizeof (TestModel),
  };

  return g_type_register_static (TEST_TYPE_MODEL, type_name, &info, 0);
}

GType
test_declare_model (const char *type_name, const char *table, const char * const *props,
                    const char * const *tags)
{
  g_autoptr(GError) error = NULL;
  GType type = g_type_from_name (type_name);

  if (type != 0)
    return type;
  type = test_define_model (type_name, props);
  g_assert_true (dynamorm_model_type_declare (type, table, tags, &error));
  g_assert_no_error (error);
  return type;
}

const char *test_backend_name = "memory";

void
test_parse_backend_arg (int *argc, char **argv)
{
  for (int i = 1; i + 1 < *argc; i++)
    if (g_str_equal (argv[i], "--backend"))
      {
        test_backend_name = argv[i + 1];
        for (int j = i; j + 2 <= *argc; j++)
          argv[j] = argv[j + 2];
        *argc -= 2;
        break;
      }

  /* No DynamoDB Local: the whole program is skipped, as TAP says it. */
  if (g_str_equal (test_backend_name, "local") &&
      (g_getenv ("DYNAMORM_LOCAL_URI") == NULL || *g_getenv ("DYNAMORM_LOCAL_URI") == '\0'))
    {
      printf ("1..0 # SKIP DYNAMORM_LOCAL_URI is not set: DynamoDB Local is not running\n");
      exit (0);
    }
}

DynamormSession *
test_session_new (const char *tag)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = NULL;
  DynamormSession *session;
  const char *uri = "memory://";

  if (g_str_equal (test_backend_name, "local"))
    {
      uri = g_getenv ("DYNAMORM_LOCAL_URI");
      if (uri == NULL || *uri == '\0')
        {
          g_test_skip ("DYNAMORM_LOCAL_URI is not set: DynamoDB Local is not running");
          return NULL;
        }
    }
  session = dynamorm_session_new (uri, &error);
  g_assert_no_error (error);
  /* Unique tables per test: DynamoDB Local is shared by the whole run. */
  prefix = g_strdup_printf ("%s%d_%08x_", tag, (int) getpid (), g_random_int ());
  dynamorm_session_set_table_prefix (session, prefix);
  return session;
}

/* ---- A user with every property set ---- */

TestUser *
test_user_new_full (void)
{
  g_autoptr(GDateTime) created = g_date_time_new_utc (2024, 2, 29, 13, 45, 6.123456);
  g_autoptr(GBytes) payload = g_bytes_new ("\0\1\2\377", 4);
  g_autoptr(TestAddress) address = g_object_new (TEST_TYPE_ADDRESS, "street", "1 Main St", "city", "Oslo", NULL);
  g_autoptr(GListStore) lines = g_list_store_new (TEST_TYPE_LINE);
  g_autoptr(TestLine) l1 = g_object_new (TEST_TYPE_LINE, "sku", "A-1", "qty", 2, NULL);
  g_autoptr(TestLine) l2 = g_object_new (TEST_TYPE_LINE, "sku", "B-2", "qty", 5, NULL);
  GVariantBuilder b;
  const char *tags[] = { "admin", "beta", NULL };
  const char *labels[] = { "x", "x", "y", NULL };
  g_autoptr(JsonNode) doc = json_from_string ("{\"a\": [1, 2.5, \"three\", true, null], \"b\": {\"c\": \"d\"}}", NULL);

  g_list_store_append (lines, l1);
  g_list_store_append (lines, l2);
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "plan", g_variant_new_string ("pro"));
  g_variant_builder_add (&b, "{sv}", "seats", g_variant_new_int64 (12));
  g_variant_builder_add (&b, "{sv}", "ok", g_variant_new_boolean (TRUE));

  return g_object_new (TEST_TYPE_USER,
                       "id", "u1", "email", "ada@example.com", "name", "Ada \"Quote\" #:v OR 1=1",
                       "age", -36, "active", TRUE, "score", 0.1, "tags", tags,
                       "created", created, "payload", payload,
                       "big", "12345678901234567890123456789012345678",
                       "kind", TEST_KIND_FANCY, "extra", g_variant_builder_end (&b), "doc", doc,
                       "u64", G_MAXUINT64, "i64", G_MININT64, "tiny", (gint) -128, "ratio", 1.5f,
                       "address", address, "lines", lines, "secret", "hunter2",
                       "display", "Ada L.", "nickname", "", "labels", labels,
                       NULL);
}

DynamormModel *
test_user_get (DynamormSession *session, const char *id, GError **error)
{
  GValue pk = G_VALUE_INIT;
  DynamormModel *model;

  g_value_init (&pk, G_TYPE_STRING);
  g_value_set_string (&pk, id);
  model = dynamorm_session_get (session, TEST_TYPE_USER, &pk, NULL, NULL, error);
  g_value_unset (&pk);
  return model;
}
