#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Soak of dynamorm-server: CLIENTS processes send random valid and invalid
# DynamoDB requests and broken HTTP to one server on 127.0.0.1 for SECONDS;
# fails if the server crashed, wrote a warning, or ended with more file
# descriptors or more than 32 MB more memory than after its warm-up.
#
#   scripts/soak-server.sh [SECONDS] [CLIENTS]     (default 60 s, 4 clients)
#
# Prints the figures (requests, failures, fds, RSS) as JSON. The suite runs
# a short version (tests/server/test_server_hardening.py).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-_build}
[ -x "$build/tools/dynamorm-server" ] || { echo "build $build first (ninja -C $build)" >&2; exit 1; }
exec python3 tests/server/soak.py "$build/tools/dynamorm-server" "${1:-60}" "${2:-4}"
