# SPDX-License-Identifier: LGPL-2.1-or-later
# Row script for bench/compare.sh (sourced with row() defined; gets BUILD,
# SRC, PEERS): the bindings. Client CPU per Query of 100 items into models
# on DynamoDB Local (started here with its own DDBLOCAL_STATE_DIR) from
# Python (python-query.py) next to pydynox (pydynox-query.py, from PyPI into
# a venv in $PEERS) and from GJS (gjs-query.js) next to ElectroDB on node
# (electrodb-query.mjs, with @aws-sdk/client-dynamodb from npm into
# $PEERS/electrodb); and Python batch write/get per item on memory:// next to
# pydynox's MemoryClient (what its testing MemoryBackend installs,
# pydynox-memory.py), with Python's single put/get as the goal. A query
# figure is the median of BENCH_BINDINGS_RUNS (5) processes of
# BENCH_BINDINGS_QUERIES (200) queries each, after 20 unmeasured.
queries=${BENCH_BINDINGS_QUERIES:-200}
runs=${BENCH_BINDINGS_RUNS:-5}
state=$(mktemp -d)
export DDBLOCAL_STATE_DIR=$state/ddbl
uri=$(sh "$SRC/scripts/ddblocal.sh" start 2>/dev/null) || { echo "# 40-bindings: DynamoDB Local did not start" >&2; exit 1; }
endpoint="http://${uri#local://}"
trap 'DDBLOCAL_STATE_DIR=$state/ddbl sh "$SRC/scripts/ddblocal.sh" stop >/dev/null 2>&1; rm -rf "$state"' EXIT

# The build tree's typelib, library, backends and Python override.
export GI_TYPELIB_PATH=$BUILD/dynamorm${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}
export LD_LIBRARY_PATH=$BUILD/dynamorm${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export DYNAMORM_BACKEND_PATH=$BUILD/backends/memory:$BUILD/backends/http
python=python3
python3 -c 'import gi' 2>/dev/null || python=/usr/bin/python3
fig () { awk -v k="$2" '$1 == k { print $2 }' <<< "$1" | grep . || echo absent; }

venv=$PEERS/pydynox-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pydynox.testing.memory' 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null 2>&1 && "$venv/bin/pip" install -q pydynox >/dev/null 2>&1
fi
electrodb=$PEERS/electrodb
if command -v node >/dev/null 2>&1 && [ ! -d "$electrodb/node_modules/electrodb" ]; then
  mkdir -p "$electrodb" && (cd "$electrodb" && npm init -y >/dev/null 2>&1 &&
    npm install --no-audit --no-fund electrodb @aws-sdk/client-dynamodb >/dev/null 2>&1)
fi

# Runs are interleaved (Python, pydynox, GJS, ElectroDB, repeated RUNS
# times, one round of QUERIES each) and the median of each is printed.
median () { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
for ((i = 0; i < runs; i++)); do
  PYTHONPATH=$BUILD/introspection $python "$SRC/bench/compare/python-query.py" "$uri" "$queries" 1 >> "$state/py" 2>/dev/null
  "$venv/bin/python" "$SRC/bench/compare/pydynox-query.py" "$endpoint" "$queries" 1 >> "$state/pydynox" 2>/dev/null
  command -v gjs >/dev/null 2>&1 &&
    gjs -m "$SRC/bench/compare/gjs-query.js" "$uri" "$queries" 1 >> "$state/gjs" 2>/dev/null
  [ -d "$electrodb/node_modules/electrodb" ] &&
    ELECTRODB_DIR=$electrodb node "$SRC/bench/compare/electrodb-query.mjs" "$endpoint" "$queries" 1 >> "$state/electrodb" 2>/dev/null
done
med () { [ -s "$state/$1" ] && awk '$1 == "query_cpu_ms" { print $2 }' "$state/$1" | median | grep . || echo absent; }
ours_py=$(med py) peer_py=$(med pydynox) ours_js=$(med gjs) peer_js=$(med electrodb)
ours_mem=$(PYTHONPATH=$BUILD/introspection $python "$SRC/bench/compare/python-query.py" memory:// 20000 2>/dev/null)
peer_mem=$("$venv/bin/python" "$SRC/bench/compare/pydynox-memory.py" 20000 2>/dev/null)

row "client CPU per Query of 100 items, Python, local://" "$ours_py" "pydynox (Rust core)" "$peer_py" ms "<= 0.5x pydynox"
row "client CPU per Query of 100 items, GJS, local://" "$ours_js" "ElectroDB (node)" "$peer_js" ms "<= 0.5x ElectroDB"
row "memory:// batch write per item, Python" "$(fig "$ours_mem" batch_write_us)" "pydynox MemoryClient" "$(fig "$peer_mem" batch_write_us)" us "<= single put ($(fig "$ours_mem" put_us) us)"
row "memory:// batch get per item, Python" "$(fig "$ours_mem" batch_get_us)" "pydynox MemoryClient" "$(fig "$peer_mem" batch_get_us)" us "<= single get ($(fig "$ours_mem" get_us) us)"
