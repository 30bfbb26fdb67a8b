# SPDX-License-Identifier: LGPL-2.1-or-later
# Row script for bench/compare.sh (sourced with row() defined; gets BUILD,
# SRC, PEERS): requests/s of dynamorm-server under boto3 client processes
# next to DynamoDB Local in the same run, per operation (PutItem, GetItem,
# Query of 100 items, BatchWriteItem of 25, UpdateItem), and the cost of
# --data-dir with fsync every 10 ms. The figures come from
# bench/compare/server-rate.py (which starts the three servers, DynamoDB
# Local from the test cache through scripts/ddblocal.sh); ROUNDS (default 1),
# SECONDS (default 2) and CLIENTS (default 1,4) set its run.
# Goals (issue 14): well ahead of Local on every operation; fsync every
# 10 ms costs under 20% of the in-memory throughput. (issue 17): 4 client
# processes get more than 1.

out=$(python3 "$SRC/bench/compare/server-rate.py" "$BUILD/tools/dynamorm-server" --rows \
        --rounds "${ROUNDS:-1}" --seconds "${SECONDS_PER_RUN:-2}" --clients "${CLIENTS:-1,4}" 2>/dev/null)
figure () { awk -v s="$1" -v o="$2" -v c="$3" '$1 == s && $2 == o && $3 == c { print $4 }' <<<"$out"; }
first=${CLIENTS:-1,4}; first=${first%%,*}
last=${CLIENTS:-1,4}; last=${last##*,}
for op in PutItem GetItem Query100 BatchWriteItem UpdateItem; do
  local_rate=$(figure local "$op" "$last")
  row "server $op/s, $last boto3 processes" "$(figure memory "$op" "$last")" "DynamoDB Local" \
      "${local_rate:-absent}" req/s "well above 1x"
  row "  --data-dir, fsync every 10 ms" "$(figure fsync10 "$op" "$last")" "dynamorm in memory" \
      "$(figure memory "$op" "$last")" req/s ">= 0.8x"
  row "  $last boto3 processes vs $first" "$(figure memory "$op" "$last")" "$first process(es)" \
      "$(figure memory "$op" "$first")" req/s "> 1x"
done
