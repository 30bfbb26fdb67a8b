/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-number.c: exact decimal numbers with DynamoDB's precision and range.
 *
 * A number is kept as sign, significant digits (no leading or trailing
 * zeros) and a power-of-ten exponent, so parsing, printing, comparing and
 * adding never round.  DynamoDB rejects results that would need rounding, so
 * neither do we. */
#include "ddb-number.h"
#include "ddb-error.h"

#include <string.h>

/* Magnitude limits as adjusted exponents (exponent of the leading digit):
 * 1E-130 <= |x| < 1E+126. */
#define ADJ_MIN (-130)
#define ADJ_MAX 125

#define MSG_PRECISION "Attempting to store more than 38 significant digits in a Number"
#define MSG_OVERFLOW "Number overflow. Attempting to store a number with magnitude larger than supported range"
#define MSG_UNDERFLOW "Number underflow. Attempting to store a number with magnitude smaller than supported range"

static void
number_set_zero (DdbNumber *out)
{
  out->negative = FALSE;
  out->ndigits = 0;
  out->exponent = 0;
  out->digits[0] = '\0';
}

/* Builds a canonical number from a digit string that may carry leading and
 * trailing zeros, then checks precision and range (precision first, as
 * DynamoDB Local does). */
static gboolean
number_from_digits (gboolean negative, const char *digits, gsize len,
                    gint64 exponent, DdbNumber *out, GError **error)
{
  gsize start = 0, end = len;
  gint64 adj;

  while (start < end && digits[start] == '0')
    start++;
  while (end > start && digits[end - 1] == '0')
    {
      end--;
      exponent++;
    }
  if (start == end)
    {
      number_set_zero (out);
      return TRUE;
    }
  if (end - start > DDB_NUMBER_MAX_DIGITS)
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, MSG_PRECISION);
      return FALSE;
    }
  adj = exponent + (gint64) (end - start) - 1;
  if (adj > ADJ_MAX)
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, MSG_OVERFLOW);
      return FALSE;
    }
  if (adj < ADJ_MIN)
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, MSG_UNDERFLOW);
      return FALSE;
    }
  out->negative = negative;
  out->ndigits = (int) (end - start);
  out->exponent = (int) exponent;
  memcpy (out->digits, digits + start, end - start);
  out->digits[end - start] = '\0';
  return TRUE;
}

gboolean
ddb_number_parse (const char *text, DdbNumber *out, GError **error)
{
  /* Significant digits beyond this many can only be an error; keep
   * collecting up to a bound so the error is the precision one. */
  char buf[DDB_NUMBER_MAX_DIGITS * 2 + 2];
  gsize nbuf = 0;
  gboolean overlong = FALSE;
  gboolean negative = FALSE, any_digit = FALSE;
  gint64 exponent = 0, exp_value = 0;
  gboolean exp_negative = FALSE;
  const char *p = text;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (*p == '+' || *p == '-')
    negative = *p++ == '-';

  /* Integer part: leading zeros are skipped, so that "000...0001" is fine. */
  for (; g_ascii_isdigit (*p); p++)
    {
      any_digit = TRUE;
      if (nbuf == 0 && *p == '0')
        continue;
      if (nbuf < sizeof buf)
        buf[nbuf++] = *p;
      else
        {
          /* The buffer starts at the first non-zero digit, so a non-zero
           * digit this far in is beyond 38 significant digits. */
          exponent++;
          if (*p != '0')
            overlong = TRUE;
        }
    }
  if (*p == '.')
    {
      p++;
      for (; g_ascii_isdigit (*p); p++)
        {
          any_digit = TRUE;
          if (nbuf == 0 && *p == '0')
            {
              exponent--;
              continue;
            }
          if (nbuf < sizeof buf)
            {
              buf[nbuf++] = *p;
              exponent--;
            }
          else if (*p != '0')
            overlong = TRUE;
        }
    }
  if (!any_digit)
    goto invalid;
  if (*p == 'e' || *p == 'E')
    {
      gboolean exp_digit = FALSE;

      p++;
      if (*p == '+' || *p == '-')
        exp_negative = *p++ == '-';
      for (; g_ascii_isdigit (*p); p++)
        {
          exp_digit = TRUE;
          /* Java's BigDecimal rejects exponents beyond int range; so do we,
           * which also keeps the arithmetic below from overflowing. */
          exp_value = exp_value * 10 + (*p - '0');
          if (exp_value > G_MAXINT32)
            goto invalid;
        }
      if (!exp_digit)
        goto invalid;
    }
  if (*p != '\0')
    goto invalid;

  if (overlong)
    {
      g_set_error_literal (error, DDB_ERROR, DDB_ERROR_VALIDATION, MSG_PRECISION);
      return FALSE;
    }
  exponent += exp_negative ? -exp_value : exp_value;
  return number_from_digits (negative, buf, nbuf, exponent, out, error);

invalid:
  g_set_error (error, DDB_ERROR, DDB_ERROR_VALIDATION,
               "The parameter cannot be converted to a numeric value: %s", text);
  return FALSE;
}

char *
ddb_number_to_string (const DdbNumber *n)
{
  GString *s;

  g_return_val_if_fail (n != NULL, NULL);

  if (n->ndigits == 0)
    return g_strdup ("0");

  s = g_string_sized_new (n->ndigits + ABS (n->exponent) + 4);
  if (n->negative)
    g_string_append_c (s, '-');
  if (n->exponent >= 0)
    {
      g_string_append_len (s, n->digits, n->ndigits);
      for (int i = 0; i < n->exponent; i++)
        g_string_append_c (s, '0');
    }
  else if (-n->exponent >= n->ndigits)
    {
      g_string_append (s, "0.");
      for (int i = 0; i < -n->exponent - n->ndigits; i++)
        g_string_append_c (s, '0');
      g_string_append_len (s, n->digits, n->ndigits);
    }
  else
    {
      int int_len = n->ndigits + n->exponent;

      g_string_append_len (s, n->digits, int_len);
      g_string_append_c (s, '.');
      g_string_append_len (s, n->digits + int_len, n->ndigits - int_len);
    }
  return g_string_free (s, FALSE);
}

gboolean
ddb_number_text_is_canonical (const char *text, gsize len, int *ndigits)
{
  gsize i = 0, int_start, int_len, frac_len = 0, zeros = 0;
  int digits;

  if (len > 0 && text[0] == '-')
    i++;
  if (len - i == 1 && text[i] == '0')
    {
      if (ndigits)
        *ndigits = 0;
      return i == 0;   /* "0", never "-0" */
    }
  int_start = i;
  while (i < len && g_ascii_isdigit (text[i]))
    i++;
  int_len = i - int_start;
  if (int_len == 0 || (text[int_start] == '0' && int_len != 1))
    return FALSE;
  if (i < len)
    {
      gsize frac_start;

      if (text[i] != '.')
        return FALSE;
      frac_start = ++i;
      while (i < len && g_ascii_isdigit (text[i]))
        i++;
      frac_len = i - frac_start;
      if (i != len || frac_len == 0 || text[len - 1] == '0')
        return FALSE;
      if (text[int_start] == '0')
        {
          /* 0.000ddd: the zeros after the point are not significant. */
          while (text[frac_start + zeros] == '0')
            zeros++;
          if (zeros + 1 > 130)
            return FALSE;   /* below 1E-130 */
          digits = frac_len - zeros;
        }
      else
        digits = int_len + frac_len;
    }
  else
    {
      /* An integer: its trailing zeros are exponent, not digits. */
      gsize end = len;

      if (text[int_start] == '0')
        return FALSE;   /* "-0" */
      while (text[end - 1] == '0')
        end--;
      digits = end - int_start;
    }
  if (text[int_start] != '0' && int_len > 126)
    return FALSE;       /* 1E+126 or more */
  if (digits > DDB_NUMBER_MAX_DIGITS)
    return FALSE;
  if (ndigits)
    *ndigits = digits;
  return TRUE;
}

/* Compares magnitudes of two canonical non-zero numbers. */
static int
compare_magnitude (const DdbNumber *a, const DdbNumber *b)
{
  int adj_a = a->exponent + a->ndigits - 1;
  int adj_b = b->exponent + b->ndigits - 1;
  int n;

  if (adj_a != adj_b)
    return adj_a < adj_b ? -1 : 1;
  n = MIN (a->ndigits, b->ndigits);
  for (int i = 0; i < n; i++)
    if (a->digits[i] != b->digits[i])
      return a->digits[i] < b->digits[i] ? -1 : 1;
  if (a->ndigits != b->ndigits)
    return a->ndigits < b->ndigits ? -1 : 1;
  return 0;
}

int
ddb_number_compare (const DdbNumber *a, const DdbNumber *b)
{
  int sign_a, sign_b, c;

  g_return_val_if_fail (a != NULL && b != NULL, 0);

  sign_a = a->ndigits == 0 ? 0 : a->negative ? -1 : 1;
  sign_b = b->ndigits == 0 ? 0 : b->negative ? -1 : 1;
  if (sign_a != sign_b)
    return sign_a < sign_b ? -1 : 1;
  if (sign_a == 0)
    return 0;
  c = compare_magnitude (a, b);
  return sign_a < 0 ? -c : c;
}

gboolean
ddb_number_equal (const DdbNumber *a, const DdbNumber *b)
{
  return ddb_number_compare (a, b) == 0;
}

/* Both operands have at most 38 digits and adjusted exponents in
 * [-130, 125], so aligned they span at most 38 + 255 + 38 positions. */
#define WORK_DIGITS (DDB_NUMBER_MAX_DIGITS * 2 + (ADJ_MAX - ADJ_MIN) + 8)

/* Writes |n| into work (most significant digit first) aligned so that
 * work[len - 1] has weight 10^low. */
static void
place_digits (const DdbNumber *n, int low, char *work, int len)
{
  memset (work, 0, len);
  for (int i = 0; i < n->ndigits; i++)
    {
      int weight = n->exponent + (n->ndigits - 1 - i);
      work[len - 1 - (weight - low)] = n->digits[i] - '0';
    }
}

static gboolean
add_signed (const DdbNumber *a, const DdbNumber *b, gboolean negate_b,
            DdbNumber *out, GError **error)
{
  gboolean b_negative = negate_b ? !b->negative : b->negative;
  char wa[WORK_DIGITS], wb[WORK_DIGITS], res[WORK_DIGITS];
  int low, high, len;
  gboolean negative;

  if (a->ndigits == 0)
    {
      *out = *b;
      if (b->ndigits != 0)
        out->negative = b_negative;
      return TRUE;
    }
  if (b->ndigits == 0)
    {
      *out = *a;
      return TRUE;
    }

  low = MIN (a->exponent, b->exponent);
  high = MAX (a->exponent + a->ndigits - 1, b->exponent + b->ndigits - 1);
  len = high - low + 2; /* one spare digit for the carry */
  g_assert (len <= WORK_DIGITS);
  place_digits (a, low, wa, len);
  place_digits (b, low, wb, len);

  if (a->negative == b_negative)
    {
      int carry = 0;

      for (int i = len - 1; i >= 0; i--)
        {
          int d = wa[i] + wb[i] + carry;
          res[i] = '0' + d % 10;
          carry = d / 10;
        }
      negative = a->negative;
    }
  else
    {
      /* Subtract the smaller magnitude from the larger. */
      int c = compare_magnitude (a, b);
      const char *big = c >= 0 ? wa : wb, *small = c >= 0 ? wb : wa;
      int borrow = 0;

      if (c == 0)
        {
          number_set_zero (out);
          return TRUE;
        }
      for (int i = len - 1; i >= 0; i--)
        {
          int d = big[i] - small[i] - borrow;
          borrow = d < 0;
          res[i] = '0' + (d + 10) % 10;
        }
      negative = c >= 0 ? a->negative : b_negative;
    }
  return number_from_digits (negative, res, len, low, out, error);
}

gboolean
ddb_number_add (const DdbNumber *a, const DdbNumber *b, DdbNumber *out, GError **error)
{
  g_return_val_if_fail (a != NULL && b != NULL && out != NULL, FALSE);
  return add_signed (a, b, FALSE, out, error);
}

gboolean
ddb_number_subtract (const DdbNumber *a, const DdbNumber *b, DdbNumber *out, GError **error)
{
  g_return_val_if_fail (a != NULL && b != NULL && out != NULL, FALSE);
  return add_signed (a, b, TRUE, out, error);
}

/* Magnitude of an integral number as guint64; FALSE when fractional or too big. */
static gboolean
magnitude_to_uint64 (const DdbNumber *n, guint64 *out)
{
  guint64 v = 0;

  if (n->exponent < 0)
    return FALSE;
  if (n->ndigits + n->exponent > 20)
    return FALSE;
  for (int i = 0; i < n->ndigits + n->exponent; i++)
    {
      int d = i < n->ndigits ? n->digits[i] - '0' : 0;

      if (v > (G_MAXUINT64 - d) / 10)
        return FALSE;
      v = v * 10 + d;
    }
  *out = v;
  return TRUE;
}

gboolean
ddb_number_to_int64 (const DdbNumber *n, gint64 *out)
{
  guint64 mag;

  g_return_val_if_fail (n != NULL, FALSE);

  if (!magnitude_to_uint64 (n, &mag))
    return FALSE;
  if (n->negative)
    {
      if (mag > (guint64) G_MAXINT64 + 1)
        return FALSE;
      if (out)
        *out = mag == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) mag;
    }
  else
    {
      if (mag > G_MAXINT64)
        return FALSE;
      if (out)
        *out = (gint64) mag;
    }
  return TRUE;
}

gboolean
ddb_number_to_uint64 (const DdbNumber *n, guint64 *out)
{
  guint64 mag;

  g_return_val_if_fail (n != NULL, FALSE);

  if (!magnitude_to_uint64 (n, &mag))
    return FALSE;
  if (n->negative) /* canonical zero is never negative */
    return FALSE;
  if (out)
    *out = mag;
  return TRUE;
}

static void
number_from_magnitude (gboolean negative, guint64 v, DdbNumber *out)
{
  char buf[24];
  int len = g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, v);

  /* Cannot fail: at most 20 digits, well inside the range. */
  number_from_digits (negative, buf, len, 0, out, NULL);
}

void
ddb_number_from_int64 (gint64 v, DdbNumber *out)
{
  g_return_if_fail (out != NULL);
  if (v < 0)
    number_from_magnitude (TRUE, v == G_MININT64 ? (guint64) G_MAXINT64 + 1 : (guint64) -v, out);
  else
    number_from_magnitude (FALSE, (guint64) v, out);
}

void
ddb_number_from_uint64 (guint64 v, DdbNumber *out)
{
  g_return_if_fail (out != NULL);
  number_from_magnitude (FALSE, v, out);
}
