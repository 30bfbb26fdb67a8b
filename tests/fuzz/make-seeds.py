#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seed corpora of the fuzz targets into DIR/<target>/: request
bodies from the server soak's generator (tests/server/soak.py, the same
valid and invalid requests the soak sends), answers and stream events shaped
like the ones the core tests parse (tests/core/test-stream.c), tag
declarations like the models of the tests, and expressions from the engine's
expression tests.

Usage: make-seeds.py DIR
"""

import base64
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import soak  # noqa: E402

ENGINE_OPS = ["PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan",
              "BatchGetItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems",
              "CreateTable", "UpdateTable", "DescribeTable", "DeleteTable", "ListTables",
              "UpdateTimeToLive", "DescribeTimeToLive", "ExecuteStatement",
              "BatchExecuteStatement", "ExecuteTransaction", "TagResource", "NoSuchOperation"]


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def engine_seeds(out):
    rng = random.Random(11)
    for i in range(60):
        op, body = soak.valid_request(rng) if i % 3 else soak.invalid_request(rng)
        if isinstance(body, (bytes, bytearray)):
            text = bytes(body)[:4000]
        else:
            text = json.dumps(body).replace('"soak"', '"ttt"').encode()
        index = ENGINE_OPS.index(op) if op in ENGINE_OPS else len(ENGINE_OPS) - 1
        write(out, "req%02d" % i, bytes([index]) + text)
    write(out, "query", bytes([4]) + json.dumps({
        "TableName": "ttt", "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
        "FilterExpression": "attribute_exists(l[1].k) AND size(b) > :z",
        "ExpressionAttributeValues": {":p": {"S": "a"}, ":a": {"N": "0"}, ":b": {"N": "9"}, ":z": {"N": "0"}}}).encode())
    write(out, "partiql", bytes([17]) + b'{"Statement":"SELECT * FROM \\"ttt\\" WHERE pk = ?","Parameters":[{"S":"a"}]}')


def response_seeds(out):
    item = {"id": {"S": "u1"}, "n": {"N": "42"}, "d": {"N": "0.5"}, "flag": {"BOOL": True},
            "tags": {"SS": ["a", "b"]}, "doc": {"S": "{\"k\":[1,2,{\"x\":null}]}"},
            "tree": {"M": {"a": {"L": [{"N": "1"}, {"S": "x"}]}}},
            "v": {"M": {"k": {"S": "v"}}}, "blob": {"B": "AAEC"}}
    for name, body in {
        "get": {"Item": item},
        "query": {"Items": [item, {"id": {"S": "u2"}}], "Count": 2, "ScannedCount": 2,
                  "LastEvaluatedKey": {"id": {"S": "u2"}}},
        "update": {"Attributes": item},
        "batch": {"Responses": {"fuzz": [item]}, "UnprocessedKeys": {}},
        "error": {"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                  "message": "The conditional request failed", "Item": item},
        "cancel": {"__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                   "Message": "Transaction cancelled", "CancellationReasons": [{"Code": "None"},
                                                                                {"Code": "ConditionalCheckFailed", "Item": item}]},
        "throttle": {"__type": "com.amazon.coral.availability#ThrottlingException", "message": "Rate exceeded"},
    }.items():
        write(out, name, b"\x00" + json.dumps(body).encode())


def stream_seeds(out):
    image = {"id": {"S": "u1"}, "n": {"N": "7"}, "tags": {"SS": ["a", "b"]},
             "tree": {"M": {"s": {"SS": ["x", "y"]}, "l": {"L": [{"S": "1"}]}}}}
    for name in ("INSERT", "MODIFY", "REMOVE"):
        record = {"eventID": "e1", "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
                  "awsRegion": "eu-west-1",
                  "dynamodb": {"Keys": {"id": {"S": "u1"}}, "SequenceNumber": "1", "SizeBytes": 59,
                               "StreamViewType": "NEW_AND_OLD_IMAGES"}}
        if name != "REMOVE":
            record["dynamodb"]["NewImage"] = image
        if name != "INSERT":
            record["dynamodb"]["OldImage"] = dict(image, n={"N": "6"})
        write(out, name.lower(), json.dumps({"Records": [record]}))


def schema_seeds(out):
    for i, lines in enumerate([
        ["fuzz", "id=pk", "tags=set", "doc=json"],
        ["fuzz", "id=pk", "n=sk", "d=index:by-d,pk", "flag=index:by-d,sk"],
        ["fuzz", "id=pk,name:Id", "n=ttl", "tags=set", "v=json", "blob=index:b,pk"],
        ["fuzz", "id=key:USER#{id}", "n=sk,version"],
        ["", "id=pk", "tree=lsi:by-tree"],
    ]):
        write(out, "decl%d" % i, "\n".join(lines))


def expr_seeds(out):
    source = open(os.path.join(HERE, "..", "engine-expr", "test-expr.c")).read()
    found = sorted(set(re.findall(r'"((?:[^"\\]|\\.){3,200})"', source)))
    for i, text in enumerate(found[:300]):
        write(out, "e%03d" % i, text.encode().decode("unicode_escape").encode("utf-8", "replace"))


def cursor_seeds(out):
    # odd first byte: key JSON the harness signs; even: a cursor as a client sends it
    keys = [{"id": {"S": "u1"}}, {"id": {"S": "u\u00e9\u0001"}}, {"id": {"N": "1"}},
            {"id": {"S": "a"}, "extra": {"L": [{"M": {"k": {"B": "AAEC"}}}]}}, {}, []]
    for i, key in enumerate(keys):
        text = json.dumps(key, separators=(",", ":")).encode()
        write(out, "signed%d" % i, b"\x01" + text)
        b64 = base64.urlsafe_b64encode(text).rstrip(b"=")
        write(out, "raw%d" % i, b"\x00" + b64 + b"." + base64.urlsafe_b64encode(bytes(32)).rstrip(b"="))
    write(out, "signed-bad", b"\x01" + b'{"id":{"S":"\\u0000"}')
    write(out, "raw-dots", b"\x00" + b"..")
    # found by a 10M run: numbers read as infinity made a request that did not print as JSON
    write(out, "signed-inf", b"\x01" + b'{"0":1222222e22202220224}')
    write(out, "signed-inf2", b"\x01" + b'{"0":2122222022e911111111111111111111}')


if __name__ == "__main__":
    root = sys.argv[1]
    engine_seeds(os.path.join(root, "engine"))
    response_seeds(os.path.join(root, "response"))
    stream_seeds(os.path.join(root, "stream"))
    schema_seeds(os.path.join(root, "schema"))
    expr_seeds(os.path.join(root, "expr"))
    cursor_seeds(os.path.join(root, "cursor"))
