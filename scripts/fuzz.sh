#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) in
# _build-fuzz and runs each on its seed corpus (tests/fuzz/make-seeds.py),
# keeping what it finds in _build-fuzz/fuzz-corpus/<target>.
#
#   scripts/fuzz.sh [-t SECONDS | -n RUNS] [-j JOBS] [TARGET...]
#
#   -t SECONDS  run each target this long (default 60)
#   -n RUNS     run each target this many executions instead (e.g. 10000000)
#   -j JOBS     targets run at once (default 1; the machine is shared)
#   TARGET      expr engine response stream schema cursor (default: all)
#
# Prints one line per target: executions, time, result. Exits 1 if a target
# crashed, leaked, timed out or ran out of memory (the reproducer is left
# in _build-fuzz/fuzz-artifacts/<target>/).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=60 runs= jobs=1
while getopts "t:n:j:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    n) runs=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) sed -n '4,18p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(expr engine response stream schema cursor)

if ! command -v clang >/dev/null; then
  echo "fuzz: clang is not installed (scripts/deps.sh --test installs it)" >&2
  exit 77
fi

build=_build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Ddocumentation=disabled -Dwerror=false >/dev/null || exit 1
fi
ninja -C "$build" $(printf 'tests/fuzz/fuzz-%s ' "${targets[@]}") >/dev/null || exit 1

seeds=$build/fuzz-seeds
rm -rf "$seeds"
python3 tests/fuzz/make-seeds.py "$seeds" || exit 1

run_one () {   # target -> prints the summary line, returns libFuzzer's status
  local t=$1 corpus=$build/fuzz-corpus/$1 artifacts=$build/fuzz-artifacts/$1 log=$build/fuzz-$1.log
  local limit
  mkdir -p "$corpus" "$artifacts"
  if [ -n "$runs" ]; then limit=(-runs="$runs"); else limit=(-max_total_time="$seconds"); fi
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
  G_SLICE=always-malloc \
    nice "$build/tests/fuzz/fuzz-$t" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds/$t" >"$log" 2>&1
  local rc=$?
  local execs secs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    echo "fuzz-$t: OK, ${execs:-?} executions in ${secs:-?} s, corpus $(ls "$corpus" | wc -l) inputs"
  else
    echo "fuzz-$t: FAILED (status $rc), ${execs:-?} executions; see $log and $artifacts/"
  fi
  return $rc
}

status=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
