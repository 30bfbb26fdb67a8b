#!/usr/bin/env bash
# The whole test suite: installs what is missing (Debian packages, DynamoDB
# Local from Maven Central, moto's server from PyPI into a virtualenv),
# builds, starts DynamoDB Local and moto (KMS, STS) on free loopback
# ports, runs every suite against memory and DynamoDB Local, runs the C tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer and under
# ThreadSanitizer (scripts/tsan.sh), the core tests under valgrind, each
# libFuzzer target briefly (scripts/fuzz.sh), stops
# DynamoDB Local, and ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/deps.sh --test || exit 1
scripts/ddblocal.sh fetch || exit 1
scripts/moto.sh fetch || exit 1

status=0
logs=()

run_meson_test () {   # build-dir logbase args...
  local dir=$1 base=$2
  shift 2
  meson test -C "$dir" --print-errorlogs --logbase "$base" "$@" || status=1
  # meson names the log after the base, plus the wrapper's name with --wrap.
  logs+=("$dir/meson-logs/$base")
}

# 1. The normal build, every suite.
build=_build
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dwerror=false || exit 1
fi
ninja -C "$build" || exit 1

local_uri=$(scripts/ddblocal.sh start) || { echo "error: DynamoDB Local did not start" >&2; exit 1; }
trap 'scripts/ddblocal.sh stop >/dev/null 2>&1' EXIT
echo "DynamoDB Local is running at $local_uri"
export DYNAMORM_LOCAL_URI=$local_uri

# moto's server speaks KMS and STS for the encryption and assume-role tests.
moto_uri=$(scripts/moto.sh start) || { echo "error: moto's server did not start" >&2; exit 1; }
trap 'scripts/ddblocal.sh stop >/dev/null 2>&1; scripts/moto.sh stop >/dev/null 2>&1' EXIT
echo "moto (KMS, STS) is running at $moto_uri"
export DYNAMORM_MOTO_URL=$moto_uri

run_meson_test "$build" all --num-processes 2

# 2. The C tests under AddressSanitizer and UndefinedBehaviorSanitizer.
asan=_build-asan
if [ ! -f "$asan/build.ninja" ]; then
  meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Ddocumentation=disabled -Dwerror=false || exit 1
fi
ninja -C "$asan" || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run_meson_test "$asan" asan --num-processes 2 \
    --no-suite python --no-suite javascript --no-suite docs --no-suite gtk

# 3. The core tests under valgrind.
run_meson_test "$build" valgrind --suite core --timeout-multiplier 10 \
  --wrap "valgrind --suppressions=$root/tests/valgrind.supp --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --quiet"

# 4. The C tests under ThreadSanitizer (clang; its own build directory).
scripts/tsan.sh || status=1
logs+=("${TSAN_BUILD_DIR:-_build-tsan}/meson-logs/tsan")

# 5. Each libFuzzer target (expr engine response stream schema cursor: the
#    default list of scripts/fuzz.sh) for a short time (clang; scripts/fuzz.sh, whose
#    longer runs are the ones in the notes). One result per target.
if command -v clang >/dev/null; then
  mkdir -p _build-fuzz/meson-logs
  scripts/fuzz.sh -t "${DYNAMORM_FUZZ_SECONDS:-30}" | tee _build-fuzz/fuzz-summary.txt
  python3 - _build-fuzz/fuzz-summary.txt > _build-fuzz/meson-logs/fuzz.json <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("fuzz-"):
        name, rest = line.split(":", 1)
        print(json.dumps({"name": name, "result": "OK" if rest.strip().startswith("OK") else "FAIL"}))
PY
  grep -q "FAILED" _build-fuzz/fuzz-summary.txt && status=1
  logs+=("_build-fuzz/meson-logs/fuzz")
fi

# 6. The pip-installable package: a fresh virtualenv, PyGObject from PyPI,
#    `pip install .`, a small program (scripts/check-wheel.sh; cached).
scripts/check-wheel.sh "$build/meson-logs/wheel.json" || status=1
logs+=("$build/meson-logs/wheel")

# Stop DynamoDB Local now, so that the summary is the last line printed.
scripts/ddblocal.sh stop >/dev/null 2>&1
scripts/moto.sh stop >/dev/null 2>&1
trap - EXIT

python3 - "${logs[@]}" <<'PY'
import glob, json, sys
passed = failed = skipped = 0
for prefix in sys.argv[1:]:
    paths = glob.glob(prefix + ".json") + glob.glob(prefix + "-*.json")
    if not paths:
        failed += 1   # a run that left no log did not run its tests
        continue
    lines = [line for path in paths for line in open(path).read().splitlines()]
    for line in lines:
        if not line.strip():
            continue
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
