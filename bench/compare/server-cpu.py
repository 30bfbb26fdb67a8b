#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Server CPU per operation under boto3, for bench/compare/20-server.sh.

Usage: server-cpu.py URL PID [N]

Talks to the DynamoDB-compatible server at URL (127.0.0.1 only) with one
boto3 client and, for PutItem, GetItem and a Query answering 100 items, reads
the server process's CPU time (utime + stime of /proc/PID/stat, all its
threads) before and after N requests. Prints one line:
  put_us get_us query_us
(server CPU microseconds per request). Measurement only: asserts nothing.
"""

import os
import sys
import time

TABLE = "BenchServerCpu"


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(pid, n, call):
    before = cpu_seconds(pid)
    for i in range(n):
        call(i)
    return (cpu_seconds(pid) - before) * 1e6 / n


def main():
    import boto3
    from botocore.config import Config

    url, pid = sys.argv[1], int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="bench", aws_secret_access_key="bench",
                       config=Config(retries={"total_max_attempts": 3}))
    try:
        ddb.delete_table(TableName=TABLE)
    except Exception:
        pass
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}])
    # dynalite creates tables in the background.
    ddb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    # A 100-item partition for the query; five attributes an item.
    for i in range(100):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "q"}, "sk": {"N": str(i)},
                                            "name": {"S": "item %d" % i}, "payload": {"S": "x" * 100},
                                            "n": {"N": str(i * 7)}})

    def put(i):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "p%d" % (i % 500)}, "sk": {"N": "0"},
                                            "name": {"S": "item %d" % i}, "payload": {"S": "x" * 100},
                                            "n": {"N": str(i)}})

    def get(i):
        ddb.get_item(TableName=TABLE, Key={"pk": {"S": "p%d" % (i % 500)}, "sk": {"N": "0"}})

    def query(i):
        r = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "q"}})
        assert r["Count"] == 100

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
