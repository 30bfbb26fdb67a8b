/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-rounds.c: see bench-rounds.h. */
#include "bench-rounds.h"

#include <stdio.h>

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

double
bench_median (GArray *values)
{
  g_autoptr(GArray) sorted = g_array_copy (values);
  guint n = sorted->len;

  g_array_sort (sorted, compare_double);
  return n % 2 ? g_array_index (sorted, double, n / 2)
               : (g_array_index (sorted, double, n / 2 - 1) + g_array_index (sorted, double, n / 2)) / 2;
}

void
bench_range (GArray *values, double *lo, double *hi)
{
  *lo = G_MAXDOUBLE;
  *hi = -G_MAXDOUBLE;
  for (guint i = 0; i < values->len; i++)
    {
      *lo = MIN (*lo, g_array_index (values, double, i));
      *hi = MAX (*hi, g_array_index (values, double, i));
    }
}

double
bench_report_costs (const char *title, const char *const *names, const gboolean *chosen, GArray **values,
                    guint n_modes, gboolean higher_is_better)
{
  double cost_1 = 0;

  printf ("\n%-40s %9s %19s %8s %17s\n", title, "median", "range", "cost", "cost range");
  for (guint m = 0; m < n_modes; m++)
    {
      double lo, hi;

      if (!chosen[m])
        continue;
      bench_range (values[m], &lo, &hi);
      printf ("%-40s %9.1f %9.1f-%-9.1f", names[m], bench_median (values[m]), lo, hi);
      if (m > 0 && chosen[0])
        {
          g_autoptr(GArray) costs = g_array_new (FALSE, FALSE, sizeof (double));
          double clo, chi;
          for (guint r = 0; r < values[m]->len; r++)
            {
              double ratio = g_array_index (values[m], double, r) / g_array_index (values[0], double, r);
              double c = 100.0 * (higher_is_better ? 1.0 - ratio : ratio - 1.0);
              g_array_append_val (costs, c);
            }
          bench_range (costs, &clo, &chi);
          printf (" %7.1f%% %7.1f%%..%.1f%%", bench_median (costs), clo, chi);
          if (m == 1)
            cost_1 = bench_median (costs);
        }
      printf ("\n");
    }
  return cost_1;
}
