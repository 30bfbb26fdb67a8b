#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dynamorm-server under boto3 with several client processes, next to
DynamoDB Local in the same run; and the cost of --data-dir.

Usage:
  bench/bench-server.py BUILD/tools/dynamorm-server [--clients 4] [--seconds 5]
                        [--local URI]        (local://HOST:PORT or http://..., e.g. from scripts/ddblocal.sh start)

For each server (in memory; --data-dir with --fsync 10; --data-dir with
--fsync always; DynamoDB Local when given) it runs, per operation (PutItem,
GetItem, UpdateItem, Query), CLIENTS processes that each send requests in a
loop for SECONDS and prints requests per second. Talks only to 127.0.0.1.
"""

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time

TABLE = "BenchServer"
OPS = ("PutItem", "GetItem", "UpdateItem", "Query")


def client(url):
    import boto3
    from botocore.config import Config
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="bench", aws_secret_access_key="bench",
                        config=Config(retries={"total_max_attempts": 3}, max_pool_connections=2))


def worker(url, op, seconds, wid, counter):
    ddb = client(url)
    n = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        k = "w%d-%d" % (wid, n % 500)
        if op == "PutItem":
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": k}, "sk": {"N": str(n % 10)},
                                                "payload": {"S": "x" * 100}, "n": {"N": str(n)}})
        elif op == "GetItem":
            ddb.get_item(TableName=TABLE, Key={"pk": {"S": "w%d-%d" % (wid, n % 200)}, "sk": {"N": "0"}})
        elif op == "UpdateItem":
            ddb.update_item(TableName=TABLE, Key={"pk": {"S": k}, "sk": {"N": "0"}},
                            UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})
        else:
            ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "w%d-%d" % (wid, n % 200)}})
        n += 1
    with counter.get_lock():
        counter.value += n


def prepare(url):
    ddb = client(url)
    try:
        ddb.delete_table(TableName=TABLE)
    except Exception:
        pass
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}])


def measure(url, clients, seconds):
    prepare(url)
    rates = {}
    for op in OPS:
        counter = multiprocessing.Value("q", 0)
        procs = [multiprocessing.Process(target=worker, args=(url, op, seconds, w, counter)) for w in range(clients)]
        start = time.monotonic()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        rates[op] = counter.value / (time.monotonic() - start)
    return rates


def start_server(binary, *extra):
    proc = subprocess.Popen([binary, "--port", "0"] + list(extra), stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "listening on " not in line:
        proc.kill()
        sys.exit("dynamorm-server did not start: %r" % line)
    return proc, line.split("listening on ", 1)[1].strip().rstrip("/")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--local", default=os.environ.get("DYNAMORM_LOCAL_URI"))
    args = parser.parse_args()

    results = []
    tmp = tempfile.mkdtemp(prefix="bench-server-")
    try:
        for name, extra in (("dynamorm-server (memory)", ()),
                            ("dynamorm-server --data-dir --fsync 10", ("--data-dir", os.path.join(tmp, "a"), "--fsync", "10")),
                            ("dynamorm-server --data-dir --fsync always", ("--data-dir", os.path.join(tmp, "b"), "--fsync", "always"))):
            proc, url = start_server(args.server, *extra)
            try:
                results.append((name, measure(url, args.clients, args.seconds)))
            finally:
                proc.terminate()
                proc.wait()
        if args.local:
            results.append(("DynamoDB Local", measure(args.local.replace("local://", "http://", 1),
                                                      args.clients, args.seconds)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("requests/s with %d boto3 client processes, %.0f s per operation" % (args.clients, args.seconds))
    print("%-42s" % "server" + "".join("%12s" % op for op in OPS))
    for name, rates in results:
        print("%-42s" % name + "".join("%12.0f" % rates[op] for op in OPS))
    base = results[0][1]
    for name, rates in results[1:3]:
        print("%s: %s" % (name, ", ".join("%s %+.1f%%" % (op, 100.0 * (rates[op] - base[op]) / base[op]) for op in OPS)))


if __name__ == "__main__":
    main()
