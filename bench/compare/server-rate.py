#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dynamorm-server under boto3 with several client processes, next to
DynamoDB Local in the same run, and the cost of --data-dir with fsync every
10 ms (issue 14, "Speed"; issue 17, "Serve several clients at once").

Usage:
  bench/compare/server-rate.py BUILD/tools/dynamorm-server [--clients 1,2,4]
      [--seconds 2] [--rounds 3] [--ops PutItem,GetItem,...] [--no-local]
      [--rows]

Three servers run side by side: dynamorm-server in memory, dynamorm-server
--data-dir DIR --fsync 10, and DynamoDB Local (scripts/ddblocal.sh with a
state directory of its own; --no-local leaves it out). For each round, each
number of client processes and each operation -- PutItem, GetItem, a Query
answering 100 items, BatchWriteItem of 25 puts, UpdateItem (ADD) -- the
servers are measured one after the other (the order turns each round, the
machine may be shared and noisy): CLIENTS processes, each with its own boto3
client, send requests in a loop for SECONDS. Prints the median requests/s
over the rounds, Local's figure and the ratio, and the cost of the data
directory in % of the in-memory figure. --rows prints one "key value" line
per figure instead (for bench/compare/25-server-rate.sh). Talks only to
127.0.0.1. Measurement only: asserts nothing.
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ddbbench  # noqa: E402

TABLE = "BenchServerRate"
OPS = ("PutItem", "GetItem", "Query100", "BatchWriteItem", "UpdateItem")


def one_request(ddb, op, wid, n):
    if op == "PutItem":
        ddb.put_item(TableName=TABLE, Item=ddbbench.item("w%d-%d" % (wid, n % 500), 0, n))
    elif op == "GetItem":
        ddb.get_item(TableName=TABLE, Key={"pk": {"S": "q"}, "sk": {"N": str(n % 100)}})
    elif op == "Query100":
        ddbbench.query_partition(ddb, TABLE)
    elif op == "BatchWriteItem":
        puts = [{"PutRequest": {"Item": ddbbench.item("b%d-%d" % (wid, (n * 25 + j) % 1000), 0, n)}}
                for j in range(25)]
        r = ddb.batch_write_item(RequestItems={TABLE: puts})
        assert not r.get("UnprocessedItems"), r
    else:
        ddb.update_item(TableName=TABLE, Key={"pk": {"S": "u%d-%d" % (wid, n % 200)}, "sk": {"N": "0"}},
                        UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})


def worker(url, op, seconds, wid, barrier, counter):
    ddb = ddbbench.client(url)
    for n in range(5):              # connect, warm the client
        one_request(ddb, op, wid, n)
    barrier.wait()
    n = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        one_request(ddb, op, wid, n)
        n += 1
    with counter.get_lock():
        counter.value += n


def rate(url, op, clients, seconds):
    """Requests per second of clients processes together."""
    counter = multiprocessing.Value("q", 0)
    barrier = multiprocessing.Barrier(clients)
    procs = [multiprocessing.Process(target=worker, args=(url, op, seconds, w, barrier, counter))
             for w in range(clients)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return counter.value / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("--clients", default="1,2,4")
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ops", default=",".join(OPS))
    parser.add_argument("--no-local", action="store_true")
    parser.add_argument("--rows", action="store_true")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    ops = args.ops.split(",")

    tmp = tempfile.mkdtemp(prefix="bench-server-rate-")
    servers = []
    try:
        servers.append(("memory", ddbbench.DynamormServer(args.server)))
        servers.append(("fsync10", ddbbench.DynamormServer(args.server, "--data-dir", os.path.join(tmp, "data"),
                                                           "--fsync", "10")))
        if not args.no_local:
            servers.append(("local", ddbbench.DynamoDBLocal(os.path.join(tmp, "ddbl"))))
        for name, server in servers:
            ddb = ddbbench.client(server.url)
            ddbbench.fresh_table(ddb, TABLE)
            ddbbench.fill_partition(ddb, TABLE)
        # A JVM compiles its hot paths first: one untimed pass.
        for name, server in servers:
            if name == "local":
                for op in ops:
                    rate(server.url, op, 1, args.seconds)

        figures = {}
        for r in range(args.rounds):
            for c in clients:
                for op in ops:
                    turn = servers[r % len(servers):] + servers[:r % len(servers)]
                    for name, server in turn:
                        figures.setdefault((name, c, op), []).append(rate(server.url, op, c, args.seconds))
                        print("# round %d %s %d %s %.0f" % (r, name, c, op, figures[(name, c, op)][-1]),
                              file=sys.stderr, flush=True)
    finally:
        for name, server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in figures.items()}
    if args.rows:
        for (name, c, op), v in sorted(med.items()):
            print("%s %s %d %.0f" % (name, op, c, v))
        return
    print("requests/s, median of %d interleaved rounds of %.0f s; boto3 client processes" % (args.rounds, args.seconds))
    print("%-15s %7s %10s %10s %8s %12s %9s" % ("operation", "clients", "dynamorm", "Local", "ratio",
                                                 "fsync 10ms", "cost"))
    for op in ops:
        for c in clients:
            ours = med[("memory", c, op)]
            local = med.get(("local", c, op))
            synced = med[("fsync10", c, op)]
            print("%-15s %7d %10.0f %10s %8s %12.0f %8.1f%%" % (
                op, c, ours, "%.0f" % local if local else "-",
                "%.2fx" % (ours / local) if local else "-", synced, 100.0 * (ours - synced) / ours))
    for op in ops:
        print("%s: %d clients / 1 client = %.2fx (dynamorm), %s (Local)" % (
            op, clients[-1], med[("memory", clients[-1], op)] / med[("memory", clients[0], op)],
            "%.2fx" % (med[("local", clients[-1], op)] / med[("local", clients[0], op)])
            if ("local", clients[0], op) in med else "-"))


if __name__ == "__main__":
    main()
