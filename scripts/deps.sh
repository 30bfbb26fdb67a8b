#!/usr/bin/env bash
# Installs the Debian packages Dynamorm builds and tests with, if any is
# missing. Run as root on Debian 12 (bookworm) or later.
set -euo pipefail

build_packages=(
  meson ninja-build pkg-config gcc
  libglib2.0-dev libjson-glib-dev libsoup-3.0-dev glib-networking libgnutls28-dev nettle-dev libmicrohttpd-dev
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 gir1.2-json-1.0 gir1.2-soup-3.0
  gettext
)
# gir1.2-glib-2.0 also carries GIRepository-2.0, which introspection/dynamorm.js
# (the GJS helper) reads; valac brings vapigen (the VAPI) and the Vala test.
test_packages=(
  python3 python3-gi python3-pytest gjs valac gi-docgen valgrind awscli python3-boto3 curl
  # the virtualenv moto (KMS, STS) is installed in
  python3-venv
  # PyGObject and pycairo built from PyPI's sources (scripts/check-wheel.sh)
  python3-dev libcairo2-dev
  # the ThreadSanitizer build (scripts/tsan.sh) and the fuzzers (scripts/fuzz.sh):
  # clang, and its TSan and libFuzzer runtimes, which clang does not pull in
  clang libclang-rt-14-dev
  # the formatting check of changed lines (scripts/check-format.py)
  clang-format
  # the GTK 4 task board example and its self-test under Xvfb (examples/task-board.c)
  libgtk-4-dev xvfb xauth
)

wanted=("${build_packages[@]}")
if [ "${1:-}" = "--test" ]; then
  wanted+=("${test_packages[@]}")
fi

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing missing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
