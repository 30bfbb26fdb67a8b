/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for ddb-number.c; expected texts and messages were checked against
 * DynamoDB Local, except where a comment says the service differs. */
#include "ddb-number.h"
#include "ddb-error.h"

#define MSG_INVALID "The parameter cannot be converted to a numeric value: "
#define MSG_PRECISION "Attempting to store more than 38 significant digits in a Number"
#define MSG_OVERFLOW "Number overflow. Attempting to store a number with magnitude larger than supported range"
#define MSG_UNDERFLOW "Number underflow. Attempting to store a number with magnitude smaller than supported range"

static const struct {
  const char *text;
  const char *canonical;
} good_numbers[] = {
  { "12", "12" },
  { "-0.5", "-0.5" },
  { "1.5E+3", "1500" },
  { "+5", "5" },
  { ".5", "0.5" },
  { "5.", "5" },
  { "1e5", "100000" },
  { "-0", "0" },
  { "00012", "12" },
  { "1.50", "1.5" },
  { "1E2", "100" },
  { "0.000", "0" },
  { "-0.0e10", "0" },
  { "1e-130", "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001" },
  { "1.5e-130", "0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000015" },
  { "0.5e-129", "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005" },
  { "9.9999999999999999999999999999999999999E+125", "999999999999999999999999999999999999990000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" },
  { "12345678901234567890123456789012345678", "12345678901234567890123456789012345678" },
  { "1234567890123456789012345678901234567800000", "1234567890123456789012345678901234567800000" },
  { "1.0000000000000000000000000000000000000000000", "1" },
  { "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000001", "1" },
  { "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" },
  { "-123.456e-2", "-1.23456" },
  { "123.456e2", "12345.6" },
};

static void
test_parse_good (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good_numbers); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      DdbNumber n;

      g_test_message ("%s", good_numbers[i].text);
      g_assert_true (ddb_number_parse (good_numbers[i].text, &n, &error));
      g_assert_no_error (error);
      text = ddb_number_to_string (&n);
      g_assert_cmpstr (text, ==, good_numbers[i].canonical);
      g_assert_cmpint (n.ndigits, <=, DDB_NUMBER_MAX_DIGITS);
      g_assert_cmpint (n.ndigits, ==, (int) strlen (n.digits));
    }
}

static const struct {
  const char *text;
  const char *message; /* NULL: the "cannot be converted" message */
} bad_numbers[] = {
  /* DynamoDB Local answers "A value provided cannot be converted into a
   * number" for all of these; the service names the text. */
  { "", NULL }, { "  ", NULL }, { " 12", NULL }, { "12 ", NULL }, { "0x10", NULL },
  { "NaN", NULL }, { "Infinity", NULL }, { "1.2.3", NULL }, { "1e", NULL },
  { "e5", NULL }, { "1E+", NULL }, { "-", NULL }, { "1_0", NULL }, { ".", NULL },
  { "+-1", NULL }, { "1e99999999999999999", NULL }, { "0e999999999999", NULL },
  { "abc", NULL }, { "1,5", NULL },
  /* Local: "DynamoDB only supports precision up to 38 digits". */
  { "123456789012345678901234567890123456789", MSG_PRECISION },
  { "1.000000000000000000000000000000000000000000001", MSG_PRECISION },
  { "123456789012345678901234567890123456789e200", MSG_PRECISION },
  { "-9.99999999999999999999999999999999999999e125", MSG_PRECISION },
  { "1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001", MSG_PRECISION },
  { "1e126", MSG_OVERFLOW },
  { "-1e126", MSG_OVERFLOW },
  { "1e-131", MSG_UNDERFLOW },
  { "5e-131", MSG_UNDERFLOW },
  { "1e-200", MSG_UNDERFLOW },
};

static void
test_parse_bad (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_numbers); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *expected = NULL;
      DdbNumber n;

      g_test_message ("'%s'", bad_numbers[i].text);
      g_assert_false (ddb_number_parse (bad_numbers[i].text, &n, &error));
      g_assert_error (error, DDB_ERROR, DDB_ERROR_VALIDATION);
      expected = bad_numbers[i].message ? g_strdup (bad_numbers[i].message)
                                        : g_strconcat (MSG_INVALID, bad_numbers[i].text, NULL);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

static DdbNumber
num (const char *text)
{
  DdbNumber n;

  g_assert_true (ddb_number_parse (text, &n, NULL));
  return n;
}

static void
test_compare (void)
{
  static const char *ascending[] = {
    "-9.9999999999999999999999999999999999999E+125", "-1e10", "-100", "-99.5", "-1", "-0.5",
    "-1e-130", "0", "1e-130", "1e-129", "0.001", "0.5", "1", "1.0000000000000000000000000000000000001",
    "2", "10", "99.99", "100", "1e100", "9.9999999999999999999999999999999999999E+125",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (ascending); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (ascending); j++)
      {
        DdbNumber a = num (ascending[i]), b = num (ascending[j]);
        int expected = i < j ? -1 : i > j ? 1 : 0;

        g_assert_cmpint (ddb_number_compare (&a, &b), ==, expected);
        g_assert_true (ddb_number_equal (&a, &b) == (i == j));
      }
  {
    DdbNumber a = num ("1.50"), b = num ("15e-1"), z1 = num ("-0"), z2 = num ("0.0");

    g_assert_true (ddb_number_equal (&a, &b));
    g_assert_true (ddb_number_equal (&z1, &z2));
  }
}

static const struct {
  const char *a, *b, *sum, *difference; /* NULL: error, message in the next field */
  const char *error;
} arithmetic[] = {
  { "1", "2", "3", "-1", NULL },
  { "0.1", "0.2", "0.3", "-0.1", NULL },
  { "-5", "5", "0", "-10", NULL },
  { "1e10", "1e-10", "10000000000.0000000001", "9999999999.9999999999", NULL },
  { "99999999999999999999999999999999999999", "1", "100000000000000000000000000000000000000",
    "99999999999999999999999999999999999998", NULL },
  { "1e-130", "-1e-130", "0", "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002", NULL },
  { "0", "-7.25", "-7.25", "7.25", NULL },
  { "-7.25", "0", "-7.25", "-7.25", NULL },
  { "123.456", "-123.456", "0", "246.912", NULL },
  { "-1", "-2", "-3", "1", NULL },
};

static void
test_arithmetic (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (arithmetic); i++)
    {
      DdbNumber a = num (arithmetic[i].a), b = num (arithmetic[i].b), r;
      g_autofree char *sum = NULL, *difference = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (ddb_number_add (&a, &b, &r, &error));
      g_assert_no_error (error);
      sum = ddb_number_to_string (&r);
      g_assert_cmpstr (sum, ==, arithmetic[i].sum);
      g_assert_true (ddb_number_subtract (&a, &b, &r, &error));
      g_assert_no_error (error);
      difference = ddb_number_to_string (&r);
      g_assert_cmpstr (difference, ==, arithmetic[i].difference);
    }
}

static void
test_arithmetic_errors (void)
{
  static const struct { const char *a, *b; gboolean subtract; const char *message; } cases[] = {
    /* DynamoDB Local: ADD 1e-10 to 1e37 fails rather than rounding. */
    { "1e37", "1e-10", FALSE, MSG_PRECISION },
    /* Local says "precision" for this one as well (39 digits first). */
    { "9.9999999999999999999999999999999999999E+125", "9.9999999999999999999999999999999999999E+125", FALSE, MSG_PRECISION },
    { "9E+125", "1E+125", FALSE, MSG_OVERFLOW },
    { "-9E+125", "1E+125", TRUE, MSG_OVERFLOW },
    { "1.5e-130", "-1.4e-130", FALSE, MSG_UNDERFLOW },
    { "1.5e-130", "1.4e-130", TRUE, MSG_UNDERFLOW },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      DdbNumber a = num (cases[i].a), b = num (cases[i].b), r;
      g_autoptr(GError) error = NULL;
      gboolean ok = cases[i].subtract ? ddb_number_subtract (&a, &b, &r, &error)
                                      : ddb_number_add (&a, &b, &r, &error);

      g_assert_false (ok);
      g_assert_error (error, DDB_ERROR, DDB_ERROR_VALIDATION);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_int64 (void)
{
  static const gint64 values[] = { 0, 1, -1, 42, -1000, G_MAXINT64, G_MININT64, G_MAXINT32, 1000000000000 };
  DdbNumber n;
  gint64 v;
  guint64 u;

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *text = NULL, *expected = g_strdup_printf ("%" G_GINT64_FORMAT, values[i]);

      ddb_number_from_int64 (values[i], &n);
      text = ddb_number_to_string (&n);
      g_assert_cmpstr (text, ==, expected);
      g_assert_true (ddb_number_to_int64 (&n, &v));
      g_assert_cmpint (v, ==, values[i]);
    }

  ddb_number_from_uint64 (G_MAXUINT64, &n);
  {
    g_autofree char *text = ddb_number_to_string (&n);
    g_assert_cmpstr (text, ==, "18446744073709551615");
  }
  g_assert_true (ddb_number_to_uint64 (&n, &u));
  g_assert_cmpuint (u, ==, G_MAXUINT64);
  g_assert_false (ddb_number_to_int64 (&n, &v));

  n = num ("9223372036854775808");
  g_assert_false (ddb_number_to_int64 (&n, &v));
  g_assert_true (ddb_number_to_uint64 (&n, &u));
  n = num ("-9223372036854775809");
  g_assert_false (ddb_number_to_int64 (&n, &v));
  n = num ("18446744073709551616");
  g_assert_false (ddb_number_to_uint64 (&n, &u));
  n = num ("1.5");
  g_assert_false (ddb_number_to_int64 (&n, &v));
  n = num ("-1");
  g_assert_false (ddb_number_to_uint64 (&n, &u));
  n = num ("1.2e3");
  g_assert_true (ddb_number_to_int64 (&n, &v));
  g_assert_cmpint (v, ==, 1200);
  n = num ("1e20");
  g_assert_false (ddb_number_to_uint64 (&n, &u));
  n = num ("1e19");
  g_assert_true (ddb_number_to_uint64 (&n, &u));
  g_assert_cmpuint (u, ==, G_GUINT64_CONSTANT (10000000000000000000));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/ddb/number/parse-good", test_parse_good);
  g_test_add_func ("/ddb/number/parse-bad", test_parse_bad);
  g_test_add_func ("/ddb/number/compare", test_compare);
  g_test_add_func ("/ddb/number/arithmetic", test_arithmetic);
  g_test_add_func ("/ddb/number/arithmetic-errors", test_arithmetic_errors);
  g_test_add_func ("/ddb/number/int64", test_int64);

  return g_test_run ();
}
