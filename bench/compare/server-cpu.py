#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Server CPU per operation under boto3, for bench/compare/20-server.sh.

Usage: server-cpu.py URL PID [N]

Talks to the DynamoDB-compatible server at URL (127.0.0.1 only) with one
boto3 client and, for PutItem, GetItem and a Query answering 100 items, reads
the server process's CPU time (the schedstat of all its
threads) before and after N requests. Prints one line:
  put_us get_us query_us
(server CPU microseconds per request, from the threads' schedstat).
Measurement only: asserts nothing.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ddbbench  # noqa: E402

TABLE = "BenchServerCpu"


def measure(pid, n, call):
    before = ddbbench.cpu_seconds(pid)
    for i in range(n):
        call(i)
    return (ddbbench.cpu_seconds(pid) - before) * 1e6 / n


def main():
    url, pid = sys.argv[1], int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    ddb = ddbbench.client(url)
    ddbbench.fresh_table(ddb, TABLE)
    ddbbench.fill_partition(ddb, TABLE)

    def put(i):
        ddb.put_item(TableName=TABLE, Item=ddbbench.item("p%d" % (i % 500), 0, i))

    def get(i):
        ddb.get_item(TableName=TABLE, Key={"pk": {"S": "p%d" % (i % 500)}, "sk": {"N": "0"}})

    def query(i):
        ddbbench.query_partition(ddb, TABLE)

    # Warm up (a JVM compiles its hot paths first).
    for i in range(n // 4):
        put(i)
        get(i)
    for i in range(n // 20):
        query(i)
    figures = [measure(pid, n, put), measure(pid, n, get), measure(pid, max(n // 10, 50), query)]
    ddb.delete_table(TableName=TABLE)
    print(" ".join("%.0f" % f for f in figures))


if __name__ == "__main__":
    main()
