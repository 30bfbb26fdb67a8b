# SPDX-License-Identifier: LGPL-2.1-or-later
# Row: process start (fork + exec) to the first GetItem done on memory://
# (the child creates its session, the table and one item, then reads it),
# and the child's peak RSS; bench/bench-startup, medians over
# BENCH_STARTUP_RUNS processes (default 200). The peer figure is the same
# processes' fork to main(): the loader's share, which the library only
# cuts by mapping fewer libraries.
runs=${BENCH_STARTUP_RUNS:-200}
out=$(DYNAMORM_BACKEND_PATH="$BUILD/backends/memory" "$BUILD/bench/bench-startup" "$runs" 2>&1)
fig () { printf '%s\n' "$out" | awk -v what="$1" 'index($0, what) == 3 { for (i = 1; i < NF; i++) if ($i == "median") { print $(i + 1); exit } }'; }
row "start -> first GetItem, memory://" "$(fig "fork to first GetItem done")" "fork to main() alone" "$(fig "fork to main()")" ms "<= 2 ms"
row "peak RSS, start -> first GetItem, memory://" "$(fig "peak RSS")" "-" "-" MB "<= 8 MB"
