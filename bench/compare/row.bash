# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by bench/compare.sh around one row script: defines row().
# row WHAT DYNAMORM PEER_NAME PEER_FIGURE UNIT GOAL
# Figures are numbers in UNIT (lower is better for time units, higher for
# rates: the ratio is always dynamorm/peer as measured).
row () {
  local what=$1 ours=$2 peer=$3 theirs=$4 unit=$5 goal=$6 ratio="-"
  if [[ $ours =~ ^[0-9.]+$ && $theirs =~ ^[0-9.]+$ ]] && [ "$theirs" != 0 ]; then
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2fx", a / b }')
  fi
  printf '%-52s %10s %-3s  %-22s %10s %-3s  %8s  %s\n' \
    "$what" "$ours" "$unit" "$peer" "$theirs" "$unit" "$ratio" "$goal"
}
# shellcheck disable=SC1090
source "$1"
