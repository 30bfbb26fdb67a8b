/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Key templates on their own: syntax, binding to properties, rendering,
 * reading back, and every mistake as a GError that says what to do. */
#include <string.h>

#include "dynamorm-single-table-private.h"
#include "test-models.h"

static DynamormKeyTemplate *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  DynamormKeyTemplate *tmpl = _dynamorm_key_template_parse (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tmpl);
  return tmpl;
}

static void
assert_parse_error (const char *text, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  DynamormKeyTemplate *tmpl = _dynamorm_key_template_parse (text, &error);

  g_assert_null (tmpl);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s”: message “%s” lacks “%s”", text, error->message, fragment);
}

static void
test_syntax (void)
{
  g_autoptr(DynamormKeyTemplate) a = parse_ok ("ORDER#{created:date}#{order-id}");
  g_autoptr(DynamormKeyTemplate) b = parse_ok ("{{x}}{n:pad=6:upper}");
  g_autoptr(DynamormKeyTemplate) c = parse_ok ("PROFILE");
  DynamormTemplatePart *part;

  g_assert_cmpuint (a->parts->len, ==, 4);
  g_assert_cmpuint (_dynamorm_key_template_n_placeholders (a), ==, 2);
  g_assert_cmpstr (_dynamorm_key_template_leading_literal (a), ==, "ORDER#");
  part = g_ptr_array_index (a->parts, 1);
  g_assert_cmpstr (part->property, ==, "created");
  g_assert_true (part->date);
  part = g_ptr_array_index (b->parts, 0);
  g_assert_cmpstr (part->literal, ==, "{x}");
  part = g_ptr_array_index (b->parts, 1);
  g_assert_cmpuint (part->pad, ==, 6);
  g_assert_cmpint (part->fold, ==, TEMPLATE_CASE_UPPER);
  g_assert_cmpuint (_dynamorm_key_template_n_placeholders (c), ==, 0);
  g_assert_cmpstr (_dynamorm_key_template_leading_literal (c), ==, "PROFILE");

  assert_parse_error ("", "empty");
  assert_parse_error ("A#{id", "never closed");
  assert_parse_error ("A#}", "without its");
  assert_parse_error ("A#{}", "does not name a property");
  assert_parse_error ("A#{9x}", "does not name a property");
  assert_parse_error ("A#{id:pad=0}", "width of 1 to 38");
  assert_parse_error ("A#{id:pad=x}", "width of 1 to 38");
  assert_parse_error ("A#{id:shout}", "unknown option");
}

static GHashTable *
fields_of (GType type)
{
  g_autoptr(GError) error = NULL;
  const DynamormSchema *schema = _dynamorm_schema_get (type, TRUE, &error);

  g_assert_no_error (error);
  return schema->by_property;
}

static void
assert_bind_error (const char *text, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormKeyTemplate) tmpl = parse_ok (text);

  g_assert_false (_dynamorm_key_template_bind (tmpl, fields_of (TEST_TYPE_USER), TEST_TYPE_USER, "pk", &error));
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s”: message “%s” lacks “%s”", text, error->message, fragment);
}

static void
test_bind (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormKeyTemplate) ok = parse_ok ("U#{id}#{age:pad=3}{kind:upper}");

  g_assert_true (_dynamorm_key_template_bind (ok, fields_of (TEST_TYPE_USER), TEST_TYPE_USER, "pk", &error));
  g_assert_no_error (error);

  assert_bind_error ("U#{nosuch}", "not a stored property");
  assert_bind_error ("U#{ratio}", "floating-point");
  assert_bind_error ("U#{address}", "a model is not a scalar");
  assert_bind_error ("U#{active}", "boolean");
  assert_bind_error ("U#{payload}", "cannot be part of a key");
  assert_bind_error ("U#{tags}", "cannot be part of a key");
  assert_bind_error ("U#{id}{name}", "side by side");
  assert_bind_error ("U#{name:pad=4}", "does not fit");
  assert_bind_error ("U#{age:upper}", "does not fit");
  assert_bind_error ("U#{name:date}", "does not fit");
}

static char *
render (DynamormKeyTemplate *tmpl, DynamormModel *model, GError **error)
{
  return _dynamorm_key_template_render_model (tmpl, model, "sk", error);
}

static DynamormKeyTemplate *
bound (const char *text)
{
  g_autoptr(GError) error = NULL;
  DynamormKeyTemplate *tmpl = parse_ok (text);

  g_assert_true (_dynamorm_key_template_bind (tmpl, fields_of (TEST_TYPE_USER), TEST_TYPE_USER, "sk", &error));
  g_assert_no_error (error);
  return tmpl;
}

static void
test_render_and_read_back (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) when = g_date_time_new_utc (2024, 3, 9, 8, 7, 6);
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "u-7", "name", "Ann",
                                           "age", 42, "kind", TEST_KIND_FANCY, "created", when,
                                           "u64", (guint64) 7, NULL);
  g_autoptr(DynamormKeyTemplate) t1 = bound ("USER#{id}#AGE#{age:pad=5}#{kind:upper}");
  g_autoptr(DynamormKeyTemplate) t2 = bound ("D#{created:date}#{name:lower}");
  g_autoptr(DynamormKeyTemplate) t3 = bound ("T#{created}|{u64:pad=3}{id}");
  g_autoptr(JsonObject) back = json_object_new ();
  g_autofree char *r1 = render (t1, DYNAMORM_MODEL (user), &error);
  g_autofree char *r2 = render (t2, DYNAMORM_MODEL (user), &error);
  g_autofree char *r3 = render (t3, DYNAMORM_MODEL (user), &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (r1, ==, "USER#u-7#AGE#00042#FANCY");
  g_assert_cmpstr (r2, ==, "D#2024-03-09#ann");
  g_assert_cmpstr (r3, ==, "T#2024-03-09T08:07:06.000000Z|007u-7");

  /* Read back: exact placeholders only; case-folded and date ones are lossy. */
  g_assert_true (_dynamorm_key_template_read_back (t1, r1, back));
  g_assert_true (json_object_has_member (back, "id"));
  g_assert_true (json_object_has_member (back, "age"));
  g_assert_false (json_object_has_member (back, "kind"));
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), back);
    text = json_to_string (node, FALSE);
  }
  g_assert_cmpstr (text, ==, "{\"id\":{\"S\":\"u-7\"},\"age\":{\"N\":\"42\"}}");
  json_object_remove_member (back, "id");
  json_object_remove_member (back, "age");
  g_assert_true (_dynamorm_key_template_read_back (t3, r3, back));
  g_assert_cmpstr (json_node_get_string (json_object_get_member (json_object_get_object_member (back, "u64"), "N")), ==, "7");
  g_assert_cmpstr (json_node_get_string (json_object_get_member (json_object_get_object_member (back, "id"), "S")), ==, "u-7");
  g_assert_true (json_object_has_member (back, "created"));

  /* Text that does not follow the template adds nothing. */
  json_object_remove_member (back, "id");
  g_assert_false (_dynamorm_key_template_read_back (t1, "ORDER#1", back));
  g_assert_false (_dynamorm_key_template_read_back (t1, "USER#x#AGE#0004a#FANCY", back));
  g_assert_false (json_object_has_member (back, "id"));
  g_assert_false (_dynamorm_key_template_read_back (t3, "T#x|0", back));
}

static void
assert_render_error (DynamormKeyTemplate *tmpl, DynamormModel *model, GQuark domain, int code,
                     const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = render (tmpl, model, &error);

  g_assert_null (text);
  g_assert_error (error, domain, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, fragment);
}

static void
test_render_errors (void)
{
  g_autoptr(TestUser) user = g_object_new (TEST_TYPE_USER, "id", "a#b", "age", -3, "u64", (guint64) 123456, NULL);
  g_autoptr(DynamormKeyTemplate) sep = bound ("U#{id}#X");
  g_autoptr(DynamormKeyTemplate) missing = bound ("U#{name}");
  g_autoptr(DynamormKeyTemplate) negative = bound ("U#{age:pad=3}");
  g_autoptr(DynamormKeyTemplate) wide = bound ("U#{u64:pad=3}");
  g_autoptr(DynamormKeyTemplate) last = bound ("U#{id}");
  g_autoptr(GError) error = NULL;
  g_autofree char *ok = NULL;

  assert_render_error (sep, DYNAMORM_MODEL (user), DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE, "separator");
  assert_render_error (missing, DYNAMORM_MODEL (user), DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT, "not set");
  assert_render_error (negative, DYNAMORM_MODEL (user), DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE, "non-negative");
  assert_render_error (wide, DYNAMORM_MODEL (user), DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_VALUE, "raise the width");
  g_object_set (user, "name", "", NULL);
  assert_render_error (missing, DYNAMORM_MODEL (user), DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_ARGUMENT, "not set");
  /* The last placeholder has no separator after it: any text goes. */
  ok = render (last, DYNAMORM_MODEL (user), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ok, ==, "U#a#b");
}

static gboolean
overlap (const char *a, const char *b)
{
  g_autoptr(DynamormKeyTemplate) ta = a ? bound (a) : NULL;
  g_autoptr(DynamormKeyTemplate) tb = b ? bound (b) : NULL;
  gboolean ab = _dynamorm_key_template_may_overlap (ta, tb);

  /* The relation is symmetric. */
  g_assert_cmpint (ab, ==, _dynamorm_key_template_may_overlap (tb, ta));
  return ab;
}

/* Whether two templates could compose the same text, exactly. */
static void
test_overlap (void)
{
  g_assert_true (overlap ("ORDER#{id}", "ORDER#{name}"));
  g_assert_false (overlap ("ORDER#{id}", "PAYMENT#{id}"));
  /* Leading literals that are prefixes of one another: "ORDER{id}" can be
   * "ORDERLINE#1", but "ORDER#" is never followed by "LINE#". */
  g_assert_true (overlap ("ORDER{id}", "ORDERLINE#{id}"));
  g_assert_false (overlap ("ORDER#{id}", "ORDERLINE#{id}"));
  /* Leading placeholders, different literal after the separator. */
  g_assert_false (overlap ("{id}#ORDER", "{name}#PAYMENT"));
  g_assert_true (overlap ("{id}#ORDER", "{name}"));
  /* A value never holds the separator that follows it. */
  g_assert_false (overlap ("A#{id}#B", "A#{name}#C"));
  g_assert_true (overlap ("A#{id}#B", "A#{name}"));
  /* Padded numbers: exactly that many digits. */
  g_assert_false (overlap ("V{age:pad=2}", "V{age:pad=3}"));
  g_assert_true (overlap ("V{age:pad=3}", "V{age}"));
  g_assert_false (overlap ("N#{age}", "N#X{name}"));
  g_assert_true (overlap ("N#{age}", "N#-{name}"));
  /* Fixed case. */
  g_assert_false (overlap ("K#{kind:upper}", "K#x{name}"));
  g_assert_true (overlap ("K#{kind:lower}", "K#x{name}"));
  /* A date is digits and dashes. */
  g_assert_false (overlap ("D#{created:date}", "D#T{name}"));
  /* Literal against literal, and a plain key (any text). */
  g_assert_true (overlap ("PROFILE", "PROFILE"));
  g_assert_false (overlap ("PROFILE", "PROFILES"));
  g_assert_true (overlap ("PROFILE", NULL));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dynamorm/key-template/syntax", test_syntax);
  g_test_add_func ("/dynamorm/key-template/bind", test_bind);
  g_test_add_func ("/dynamorm/key-template/render-and-read-back", test_render_and_read_back);
  g_test_add_func ("/dynamorm/key-template/render-errors", test_render_errors);
  g_test_add_func ("/dynamorm/key-template/overlap", test_overlap);
  return g_test_run ();
}
