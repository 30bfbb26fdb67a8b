#!/usr/bin/env bash
# Builds Dynamorm and runs the demo on the in-memory backend (or on the
# backend DYNAMORM_URI names). Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
build=_build
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" >/dev/null
fi
ninja -C "$build" >/dev/null

export DYNAMORM_BACKEND_PATH="$PWD/$build/backends/memory:$PWD/$build/backends/http"
exec "$build/examples/dynamorm-demo"
