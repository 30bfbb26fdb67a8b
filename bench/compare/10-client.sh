# SPDX-License-Identifier: LGPL-2.1-or-later
# Row: client CPU per PutItem / GetItem through the model API on local://
# against DynamoDB Local, next to the Go SDK v2 (bench/peers/go-client,
# built from the Go module proxy into $PEERS) and boto3, same item, same
# server. Runs are interleaved (dynamorm, Go, boto3, repeated RUNS times)
# and the median of each client's figures is printed.
# BENCH_CLIENT_OPS (default 2000) calls per round, BENCH_CLIENT_RUNS (3).
ops=${BENCH_CLIENT_OPS:-2000}
runs=${BENCH_CLIENT_RUNS:-3}
state=$(mktemp -d)
export DDBLOCAL_STATE_DIR=$state/ddbl
uri=$(sh "$SRC/scripts/ddblocal.sh" start 2>/dev/null) || { echo "# 10-client: DynamoDB Local did not start" >&2; exit 1; }
endpoint="http://${uri#local://}"
trap 'DDBLOCAL_STATE_DIR=$state/ddbl sh "$SRC/scripts/ddblocal.sh" stop >/dev/null 2>&1; rm -rf "$state"' EXIT

go_client=
if command -v go >/dev/null 2>&1; then
  (cd "$SRC/bench/peers/go-client" && GOFLAGS=-mod=mod GOPATH="$PEERS/go" go build -o "$PEERS/go-client" .) >/dev/null 2>&1 &&
    go_client=$PEERS/go-client
fi
have_boto3=
python3 -c 'import boto3' 2>/dev/null && have_boto3=1

median () { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
for ((i = 0; i < runs; i++)); do
  DYNAMORM_BACKEND_PATH="$BUILD/backends/http" "$BUILD/bench/bench-client" "$uri" "$ops" 3 >> "$state/dynamorm"
  [ -n "$go_client" ] && "$go_client" "$endpoint" "$ops" 3 >> "$state/go"
  [ -n "$have_boto3" ] && python3 "$SRC/bench/peers/boto3-client.py" "$endpoint" "$ops" 3 >> "$state/boto3"
done
fig () { [ -s "$state/$1" ] && awk -v k="$2" '$1 == k { print $2 }' "$state/$1" | median || echo absent; }
for op in Put Get; do
  ours=$(fig dynamorm ${op,,}_cpu_us)
  go=$(fig go ${op,,}_cpu_us)
  row "client CPU per ${op}Item, local:// model API" "$ours" "Go SDK v2" "$go" us "<= 0.3x Go SDK"
  row "client CPU per ${op}Item, local:// model API" "$ours" "boto3" "$(fig boto3 ${op,,}_cpu_us)" us "-"
done
