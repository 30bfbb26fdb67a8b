#!/usr/bin/env bash
# Builds Dynamorm and runs the demo on the in-memory backend (or on the
# backend DYNAMORM_URI names). Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
build=_build
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Quiet when it works; the whole build output when it does not.
if { [ -f "$build/build.ninja" ] || meson setup "$build"; } >"$log" 2>&1 && ninja -C "$build" >>"$log" 2>&1; then
  :
else
  cat "$log" >&2
  echo "error: the build failed (output above)" >&2
  exit 1
fi

rm -f "$log"
trap - EXIT

export DYNAMORM_BACKEND_PATH="$PWD/$build/backends/memory:$PWD/$build/backends/http"
exec "$build/examples/dynamorm-demo"
