#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Soak of dynamorm-server: several client processes send random valid and
invalid requests (and broken HTTP) for a bounded time, then the server must
still answer, have written nothing on standard error, and hold no more file
descriptors or much more memory than after its warm-up.

Usage: soak.py PATH-TO-dynamorm-server [SECONDS] [CLIENTS]
Prints the figures as JSON. Talks only to 127.0.0.1.
"""

import json
import multiprocessing
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverutil  # noqa: E402

KEYS = 200          # a bounded key space keeps the stored data bounded


def random_string(rng, n=None):
    n = rng.randint(0, 12) if n is None else n
    return "".join(chr(rng.choice((rng.randint(1, 0x7f), rng.randint(0x80, 0xd7ff),
                                   rng.randint(0xe000, 0x10ffff)))) for _ in range(n))


def random_value(rng, depth=0):
    kind = rng.choice("SNBLMb" if depth < 5 else "SNB")
    if kind == "S":
        return {"S": random_string(rng) or "x"}
    if kind == "N":
        return {"N": str(rng.choice((rng.randint(-10**9, 10**9), rng.random() * 1e6)))}
    if kind == "B":
        return {"B": "AAEC"}
    if kind == "L":
        return {"L": [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]}
    if kind == "M":
        return {"M": {random_string(rng, 3) or "m": random_value(rng, depth + 1)
                      for _ in range(rng.randint(0, 3))}}
    return {"BOOL": rng.random() < 0.5}


def key(rng):
    return {"pk": {"S": "k%d" % rng.randrange(KEYS)}}


def valid_request(rng):
    op = rng.choice(("PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                     "BatchWriteItem", "BatchGetItem", "TransactWriteItems", "ListTables",
                     "DescribeTable"))
    if op == "PutItem":
        item = dict(key(rng))
        for _ in range(rng.randint(0, 4)):
            item[random_string(rng, 4) or "a"] = random_value(rng)
        item.pop("", None)
        item["pk"] = key(rng)["pk"]
        return op, {"TableName": "soak", "Item": item}
    if op == "GetItem":
        return op, {"TableName": "soak", "Key": key(rng), "ConsistentRead": True}
    if op == "UpdateItem":
        return op, {"TableName": "soak", "Key": key(rng), "UpdateExpression": "ADD #c :one",
                    "ExpressionAttributeNames": {"#c": "count"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}}, "ReturnValues": "ALL_NEW"}
    if op == "DeleteItem":
        return op, {"TableName": "soak", "Key": key(rng)}
    if op == "Query":
        return op, {"TableName": "soak", "KeyConditionExpression": "pk = :p",
                    "ExpressionAttributeValues": {":p": key(rng)["pk"]}}
    if op == "Scan":
        return op, {"TableName": "soak", "Limit": rng.randint(1, 50)}
    if op == "BatchWriteItem":
        keys = {json.dumps(key(rng)) for _ in range(rng.randint(1, 5))}
        return op, {"RequestItems": {"soak": [{"PutRequest": {"Item": json.loads(k)}} for k in keys]}}
    if op == "BatchGetItem":
        keys = {json.dumps(key(rng)) for _ in range(rng.randint(1, 5))}
        return op, {"RequestItems": {"soak": {"Keys": [json.loads(k) for k in keys]}}}
    if op == "TransactWriteItems":
        keys = {json.dumps(key(rng)) for _ in range(rng.randint(1, 3))}
        return op, {"TransactItems": [{"Put": {"TableName": "soak", "Item": json.loads(k)}} for k in keys]}
    if op == "DescribeTable":
        return op, {"TableName": "soak"}
    return op, {}


def invalid_request(rng):
    """(operation, body bytes) that DynamoDB refuses."""
    op, body = valid_request(rng)
    text = json.dumps(body).encode()
    choice = rng.randrange(9)
    if choice == 0:
        return op, bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
    if choice == 1:
        return op, text[:rng.randint(0, max(0, len(text) - 1))]
    if choice == 2:
        return op, b"[" * rng.randint(100, 50000)
    if choice == 3:
        return "NoSuchOperation", text
    if choice == 4:
        return op, b'{"TableName": 5, "Key": [], "Item": "x"}'
    if choice == 5:
        return "PutItem", json.dumps({"TableName": "soak", "Item": dict(key(rng), big={"S": "x" * 410000})}).encode()
    if choice == 6:
        return "UpdateItem", json.dumps({"TableName": "soak", "Key": key(rng),
                                         "UpdateExpression": random_string(rng, 20)}).encode()
    if choice == 7:
        return op, b'{"TableName":"soak","Key":{"pk":{"S":"\\udc00"}}}'
    return "GetItem", json.dumps({"TableName": random_string(rng, 300), "Key": key(rng)}).encode()


def broken_http(rng, server):
    """A connection that says nothing, garbage, or stops mid-request."""
    try:
        sock = socket.create_connection((server[0], server[1]), timeout=5)
        choice = rng.randrange(3)
        if choice == 1:
            sock.sendall(bytes(rng.randrange(256) for _ in range(rng.randint(1, 300))))
        elif choice == 2:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"Tab")
        sock.close()
    except OSError:
        pass


def client(args):
    host, port, seconds, seed = args
    rng = random.Random(seed)
    server = serverutil.Server.__new__(serverutil.Server)
    server.host, server.port = host, port
    counts = {"requests": 0, "failures": 0, "errors": []}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = rng.random()
        if r < 0.1:
            broken_http(rng, (host, port))
            continue
        op, body = valid_request(rng) if r < 0.6 else invalid_request(rng)
        try:
            status, raw = server.post(op, body, timeout=30)
            counts["requests"] += 1
            ok = status in (200, 400, 413)
            if ok:
                serverutil.strict_json(raw)
        except Exception as e:  # noqa: BLE001 - every failure is counted
            ok = False
            status, raw = str(e), b""
        if not ok:
            counts["failures"] += 1
            if len(counts["errors"]) < 5:
                counts["errors"].append((op, status, raw[:200].decode("utf-8", "replace")))
    return counts


def run(path, seconds=60.0, clients=4, seed=None):
    seed = random.randrange(1 << 30) if seed is None else seed
    server = serverutil.Server(path)
    try:
        status, raw = server.post("CreateTable", {
            "TableName": "soak",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"})
        assert status == 200, raw
        fd_start = server.fd_count()
        # Warm-up: fill the key space so that later growth is not data.
        warm = random.Random(seed)
        for i in range(KEYS * 3):
            op, body = valid_request(warm)
            server.post(op, body)
        rss_warm = server.rss_kb()
        with multiprocessing.Pool(clients) as pool:
            results = pool.map(client, [(server.host, server.port, seconds, seed + i + 1)
                                        for i in range(clients)])
        time.sleep(0.5)
        status, _ = server.post("ListTables", {})
        figures = {
            "seed": seed, "seconds": seconds, "clients": clients,
            "requests": sum(r["requests"] for r in results),
            "failures": sum(r["failures"] for r in results),
            "errors": [e for r in results for e in r["errors"]][:5],
            "alive": server.alive() and status == 200,
            "fd_start": fd_start, "fd_end": server.fd_count(),
            "rss_warm_kb": rss_warm, "rss_end_kb": server.rss_kb(),
        }
    finally:
        server.stop()
    figures["stderr"] = server.stderr_text()[:500]
    if figures["stderr"]:
        figures["alive"] = False
    return figures


if __name__ == "__main__":
    path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    figures = run(path, seconds, clients)
    print(json.dumps(figures, indent=2))
    ok = (figures["alive"] and figures["failures"] == 0 and
          figures["fd_end"] <= figures["fd_start"] + 4 and
          figures["rss_end_kb"] <= figures["rss_warm_kb"] + 32 * 1024)
    sys.exit(0 if ok else 1)
