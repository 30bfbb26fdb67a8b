# SPDX-License-Identifier: LGPL-2.1-or-later
# Row script for bench/compare.sh (sourced with row() defined; gets BUILD,
# SRC, PEERS): server CPU per request under boto3 -- PutItem, GetItem and a
# Query answering 100 items -- for dynamorm-server next to DynamoDB Local
# (the test cache, scripts/ddblocal.sh) and dynalite (npm, installed into
# $PEERS when the registry is reachable). The figure is the server process's
# CPU time (the schedstat of every thread, in ns) over a run of
# requests, divided by the requests (bench/compare/server-cpu.py).
# Goal (issue 17): at most 0.1x DynamoDB Local on each.
# N (default 2000) sets the requests per operation, WARM_RUNS the runs
# dropped first.

n=${N:-2000}
tmp=$(mktemp -d)
server_pids=()
cleanup_servers () {
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  if [ -n "${ddbl_started:-}" ]; then DDBLOCAL_STATE_DIR=$tmp/ddbl "$SRC/scripts/ddblocal.sh" stop >/dev/null 2>&1; fi
  rm -rf "$tmp"
}
trap cleanup_servers EXIT

# Prints "put get query" in microseconds, or "- - -". Each server first
# gets WARM_RUNS (default 2) whole runs whose figures are dropped:
# DynamoDB Local's JVM is still compiling after server-cpu.py's own
# warm-up (its PutItem measured 1,484-1,879 us in a first run, 742-790 in
# a second, 341-623 from the third on), and every server is treated the
# same.
measure () {
  for ((w = 0; w < ${WARM_RUNS:-2}; w++)); do
    python3 "$SRC/bench/compare/server-cpu.py" "$1" "$2" "$n" >/dev/null 2>&1
  done
  python3 "$SRC/bench/compare/server-cpu.py" "$1" "$2" "$n" 2>"$tmp/err" || { echo "- - -"; cat "$tmp/err" >&2; }
}

# dynamorm-server
"$BUILD/tools/dynamorm-server" --port 0 > "$tmp/ours.out" &
server_pids+=($!)
ours_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$tmp/ours.out" && break; sleep 0.1; done
read -r o_put o_get o_query < <(measure "$(sed -n 's/.*listening on //p' "$tmp/ours.out")" "$ours_pid")

# DynamoDB Local, from the test cache, with a state directory of its own
l_put=absent l_get=absent l_query=absent
if uri=$(DDBLOCAL_STATE_DIR=$tmp/ddbl "$SRC/scripts/ddblocal.sh" start 2>/dev/null); then
  ddbl_started=1
  read -r l_put l_get l_query < <(measure "${uri/local:/http:}" "$(cat "$tmp/ddbl/ddblocal.pid")")
fi

# dynalite (in memory), from npm
d_put=absent d_get=absent d_query=absent
dyn=$PEERS/dynalite
if [ ! -x "$dyn/node_modules/.bin/dynalite" ] && command -v npm >/dev/null; then
  mkdir -p "$dyn" && (cd "$dyn" && timeout 300 npm install --no-audit --no-fund dynalite@4 >/dev/null 2>&1)
fi
if [ -x "$dyn/node_modules/.bin/dynalite" ] && command -v node >/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  node "$dyn/node_modules/dynalite/cli.js" --port "$port" --host 127.0.0.1 >/dev/null 2>&1 &
  server_pids+=($!)
  d_pid=$!
  for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break; sleep 0.1; done
  read -r d_put d_get d_query < <(measure "http://127.0.0.1:$port" "$d_pid")
fi

row "server CPU per PutItem (boto3)" "$o_put" "DynamoDB Local" "$l_put" µs "<= 0.1x Local (~40 µs)"
row "  the same, next to dynalite" "$o_put" "dynalite" "$d_put" µs ""
row "server CPU per GetItem (boto3)" "$o_get" "DynamoDB Local" "$l_get" µs "<= 0.1x Local (~29 µs)"
row "  the same, next to dynalite" "$o_get" "dynalite" "$d_get" µs ""
row "server CPU per Query of 100 items (boto3)" "$o_query" "DynamoDB Local" "$l_query" µs "<= 0.1x Local (~155 µs)"
row "  the same, next to dynalite" "$o_query" "dynalite" "$d_query" µs ""
