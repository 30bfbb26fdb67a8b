#!/usr/bin/env bash
# Checks the pip-installable package (pyproject.toml, meson-python): makes a
# fresh virtualenv, installs PyGObject (< 3.51, the last for GLib 2.74) and
# this source tree into it with pip, and runs tests/python/wheel_smoke.py
# with no environment variables pointing at Dynamorm.
#
# What is slow is cached under ${DYNAMORM_CACHE:-~/.cache/dynamorm}: pip's
# own cache keeps the PyGObject and pycairo wheels it built from PyPI's
# sources, and the meson build directory of the wheel is kept per source
# tree (an incremental, ccache'd rebuild). Needs PyPI and, for the first
# build of PyGObject, libcairo2-dev and python3-dev (scripts/deps.sh).
#   scripts/check-wheel.sh [LOG.json]   prints the result; with LOG.json,
#                                       also writes one meson-style JSON line
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
log=${1:-}
python=${PYTHON:-/usr/bin/python3}
cache=${DYNAMORM_CACHE:-$HOME/.cache/dynamorm}
build_dir=$cache/wheel-build-$(printf '%s' "$root" | md5sum | cut -c1-12)
venv=$(mktemp -d "${TMPDIR:-/tmp}/dynamorm-wheel.XXXXXX")
trap 'rm -rf "$venv"' EXIT
mkdir -p "$cache"

result=FAIL
{
  "$python" -m venv "$venv/venv" &&
  "$venv/venv/bin/pip" install --quiet --disable-pip-version-check 'PyGObject<3.51' &&
  CCACHE_BASEDIR=$root "$venv/venv/bin/pip" install --quiet --disable-pip-version-check \
    --config-settings=build-dir="$build_dir" "$root" &&
  env -i PATH=/usr/bin:/bin HOME="$HOME" "$venv/venv/bin/python" "$root/tests/python/wheel_smoke.py"
} && result=OK

echo "python-wheel: $result"
if [ -n "$log" ]; then
  mkdir -p "$(dirname "$log")"
  printf '{"name": "python-wheel", "result": "%s"}\n' "$result" > "$log"
fi
[ "$result" = OK ]
