/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-rounds.h: figures of benchmarks run in interleaved rounds (one run
 * of each mode per round): medians, ranges, and each mode's cost against
 * the first mode's run of the same round. */
#pragma once

#include <glib.h>

double bench_median (GArray *values);
void bench_range (GArray *values, double *lo, double *hi);

/* Prints title, then for each mode m with chosen[m]: names[m], the median
 * and range of values[m] (doubles, one per round) and, when mode 0 was
 * chosen too, the median and range of the costs against mode 0 round by
 * round, in percent (higher_is_better: values are rates, a cost is a lower
 * rate; otherwise a cost is a higher value). Returns the median cost of
 * mode 1 (0 when not printed). */
double bench_report_costs (const char *title, const char *const *names, const gboolean *chosen, GArray **values,
                           guint n_modes, gboolean higher_is_better);
