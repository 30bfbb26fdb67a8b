#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/compare.sh [BUILD_DIR]: every figure of issue 17's table next to its
# peer, measured in one run, with the ratio and the goal.
#
# Each row is a script in bench/compare/ (run in name order). A row script
# gets BUILD (the meson build directory, release build advised:
# meson setup _rel --buildtype=release), SRC (the source tree) and PEERS (a
# cache directory where it may install peers from PyPI, npm or the Go proxy)
# in its environment, and prints lines through the row function below:
#   row "what" DYNAMORM_FIGURE PEER_NAME PEER_FIGURE UNIT GOAL
# A peer that is not installed and cannot be installed is printed as
# "absent"; the row is still measured. Benchmarks only: nothing here
# asserts a figure.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/_build}" && pwd)
PEERS=${DYNAMORM_PEERS_DIR:-$HOME/.cache/dynamorm/peers}
mkdir -p "$PEERS"
export SRC BUILD PEERS

printf '%-52s %14s  %-22s %14s  %8s  %s\n' what dynamorm peer "peer figure" ratio goal
for row in "$SRC"/bench/compare/*.sh; do
  [ -e "$row" ] || continue
  bash "$SRC/bench/compare/row.bash" "$row" || echo "# $(basename "$row") failed" >&2
done
