/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-number.h: DynamoDB's Number type: up to 38 significant decimal digits,
 * magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125, exact.
 *
 * Shared by the core codec (validation, exact integer conversion) and the
 * memory engine (ordering, ADD and SET a = b + c arithmetic). No floating
 * point is involved anywhere: every operation is exact or an error. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DDB_NUMBER_MAX_DIGITS 38

/* value = (negative ? -1 : 1) * digits * 10^exponent.
 * Canonical form: digits has no leading or trailing zeros; zero is
 * ndigits == 0, negative == FALSE, exponent == 0. */
typedef struct {
  gboolean negative;
  int ndigits;
  int exponent;
  char digits[DDB_NUMBER_MAX_DIGITS + 1]; /* ASCII '0'..'9', NUL-terminated */
} DdbNumber;

/* Parses DynamoDB number text ("12", "-0.5", "1.5E+3", "  " is an error).
 * On failure sets DDB_ERROR_VALIDATION with DynamoDB's message, e.g.
 * "Attempting to store more than 38 significant digits in a Number",
 * "Number overflow. Attempting to store a number with magnitude larger than supported range",
 * "Number underflow. Attempting to store a number with magnitude smaller than supported range",
 * "The parameter cannot be converted to a numeric value: <text>". */
gboolean ddb_number_parse (const char *text, DdbNumber *out, GError **error);

/* Canonical text as DynamoDB answers it (for example "1.50" -> "1.5", "1E2" -> "100"). */
char *ddb_number_to_string (const DdbNumber *n);

/* TRUE when text (len bytes) is exactly the canonical text of a number
 * DynamoDB can store, as ddb_number_to_string() writes it; *ndigits (may be
 * NULL) gets its count of significant digits. A scan, no conversion: what
 * lets already-canonical numbers skip parsing. */
gboolean ddb_number_text_is_canonical (const char *text, gsize len, int *ndigits);

int ddb_number_compare (const DdbNumber *a, const DdbNumber *b);
gboolean ddb_number_equal (const DdbNumber *a, const DdbNumber *b);

/* Exact arithmetic; fails with DynamoDB's validation messages on overflow or
 * when the result needs more than 38 significant digits. */
gboolean ddb_number_add (const DdbNumber *a, const DdbNumber *b, DdbNumber *out, GError **error);
gboolean ddb_number_subtract (const DdbNumber *a, const DdbNumber *b, DdbNumber *out, GError **error);

/* Exact conversions: FALSE when the value is not an integer or does not fit. */
gboolean ddb_number_to_int64 (const DdbNumber *n, gint64 *out);
gboolean ddb_number_to_uint64 (const DdbNumber *n, guint64 *out);
void ddb_number_from_int64 (gint64 v, DdbNumber *out);
void ddb_number_from_uint64 (guint64 v, DdbNumber *out);

G_END_DECLS
