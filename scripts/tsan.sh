#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The C tests under ThreadSanitizer: builds _build-tsan with clang and
# -fsanitize=thread, then runs every C suite (the threaded ones among them:
# sessions shared by 4 and 8 threads, the HTTP transport from many threads,
# the memory engine's TTL sweeper, the in-thread fake servers) and fails on
# any report. scripts/test.sh runs it; it also runs alone:
#
#   scripts/tsan.sh                 build and run (DynamoDB Local suites run
#                                   when DYNAMORM_LOCAL_URI is set)
#   scripts/tsan.sh -- ARGS         extra arguments for meson test
#
# The system's GLib is not instrumented, and on Linux its locks are futexes
# ThreadSanitizer cannot see: tests/tsan/tsan-glib-locks.c gives GLib's lock
# functions on pthreads, preloaded, so that what they protect is not
# reported as racing. GSlice is turned off (G_SLICE=always-malloc) for the
# same reason. Python and GJS tests are left out (their interpreters are not
# instrumented).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${TSAN_BUILD_DIR:-_build-tsan}

if [ "${1:-}" = "--" ]; then
  shift
fi

command -v clang >/dev/null || { echo "tsan: clang is missing (scripts/deps.sh --test installs it)" >&2; exit 1; }

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Db_sanitize=thread -Db_lundef=false \
    -Dintrospection=disabled -Ddocumentation=disabled -Dwerror=false || exit 1
fi
ninja -C "$build" || exit 1

# Uninstrumented on purpose: programs the tests start load it too.
clang -shared -fPIC -O2 -g -o "$build/tsan-glib-locks.so" tests/tsan/tsan-glib-locks.c \
  $(pkg-config --cflags --libs glib-2.0) || exit 1

export LD_PRELOAD="$root/$build/tsan-glib-locks.so"
export G_SLICE=always-malloc
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=$root/tests/tsan/tsan.supp"
meson test -C "$build" --print-errorlogs --logbase tsan --num-processes 2 --timeout-multiplier 4 \
  --no-suite python --no-suite javascript --no-suite docs --no-suite fuzz --no-suite gtk "$@"
