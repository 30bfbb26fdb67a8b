# SPDX-License-Identifier: LGPL-2.1-or-later
# Row script for bench/compare.sh (sourced with row() defined; gets BUILD,
# SRC, PEERS): memory:// through the public C API (bench/bench-memory):
# PutItem/GetItem per second on one thread, the 2-thread multiple on one
# session, batch write/get per item against the single op, a Query in pages
# of 100 models (bench/bench-batch), and CreateTable;
# next to pydynox's pure-Python MemoryClient (pydynox.testing, installed
# from PyPI into a venv in $PEERS) where issue 17 names it as the peer.
# BENCH_MEMORY_N (default 200000) puts and gets per run.
n=${BENCH_MEMORY_N:-200000}
out=$(DYNAMORM_BACKEND_PATH="$BUILD/backends/memory" "$BUILD/bench/bench-memory" "$n" 1000 100 2>&1) ||
  { echo "# 30-memory: bench-memory failed" >&2; exit 1; }
# bench-batch's Query of 1,000 items in pages of 100 models (best of 5).
qb=$(DYNAMORM_BACKEND_PATH="$BUILD/backends/memory" "$BUILD/bench/bench-batch" 1000 5 2>&1) ||
  { echo "# 30-memory: bench-batch failed" >&2; exit 1; }
venv=$PEERS/pydynox-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pydynox.testing.memory' 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null 2>&1 && "$venv/bin/pip" install -q pydynox >/dev/null 2>&1
fi
peer=$("$venv/bin/python" "$SRC/bench/compare/pydynox-memory.py" 20000 2>/dev/null)
pf () { awk -v k="$1" '$1 == k { print $2 }' <<< "$peer" | grep . || echo absent; }
of () { awk "$1" <<< "$out"; }

row "memory:// PutItem, 1 thread, public API" "$(of '/^PutItem  1 thread/ { print $4 }')" - - ops/s ">= 1000000"
row "memory:// GetItem, 1 thread, public API" "$(of '/^GetItem  1 thread/ { print $4 }')" - - ops/s ">= 1000000"
row "memory:// PutItem, 2 threads / 1 thread" "$(of '/^PutItem  2 threads/ { sub(/x/, "", $6); print $6 }')" - - x "-"
row "memory:// GetItem, 2 threads / 1 thread" "$(of '/^GetItem  2 threads/ { sub(/x/, "", $6); print $6 }')" - - x ">= 1.8 on 2 cores"
row "memory:// batch write per item (C)" "$(of '/^Batch    write/ { print $3 }')" "pydynox MemoryClient" "$(pf batch_write_us)" us "<= single put ($(of '/^Batch    write/ { print $7 }') us)"
row "memory:// batch get per item (C)" "$(of '/^Batch    get/ { print $3 }')" "pydynox MemoryClient" "$(pf batch_get_us)" us "<= single get ($(of '/^Batch    get/ { print $7 }') us)"
row "memory:// Query, pages of 100 models, per item (C)" "$(awk '/^memory +query, pages of 100/ { printf "%.2f", $8 * 1000 / $6 }' <<< "$qb")" - - us "-"
row "memory:// CreateTable (C)" "$(of '/^CreateTable/ { print $4 }')" "pydynox MemoryClient" "$(pf create_ms)" ms "<= 0.05"
