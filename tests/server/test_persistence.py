#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dynamorm-server --data-dir: what was acknowledged survives SIGKILL, a
torn last record is dropped, and a damaged, newer-format, foreign or busy
directory is refused with a clear message and left exactly as it was.

Usage: test_persistence.py PATH-TO-dynamorm-server
Talks only to 127.0.0.1.
"""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import struct
import threading
import unittest
import zlib

SERVER = None
TABLE = "Durable"
KEYS = 200


def start(data_dir, *extra):
    proc = subprocess.Popen([SERVER, "--port", "0", "--data-dir", data_dir] + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "listening on " not in line:
        err = proc.stderr.read()
        proc.wait(timeout=10)
        return proc, None, err
    return proc, line.split("listening on ", 1)[1].strip().rstrip("/"), None


def client(url):
    import boto3
    from botocore.config import Config
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="dynamormtest", aws_secret_access_key="not-a-real-secret",
                        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10))


def stop(proc):
    proc.terminate()
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()


def kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    proc.stderr.close()


def record(op, request, time_ms=1700000000000):
    """A log record as ddb-persist.c writes it: magic "DRL1", payload length,
    CRC-32 of the payload, payload {"time", "op", "request"}."""
    payload = json.dumps({"time": time_ms, "op": op, "request": request}).encode()
    return b"DRL1" + struct.pack("<II", len(payload), zlib.crc32(payload)) + payload


def records_end(path):
    """Where the records of a log end (its zeros, allocated ahead, follow)."""
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    while data[at:at + 4] == b"DRL1":
        at += 12 + struct.unpack("<I", data[at + 4:at + 8])[0]
    return at


def last_log(directory):
    return os.path.join(directory, sorted(f for f in os.listdir(directory) if f.startswith("log."))[-1])


def digest(directory):
    h = hashlib.sha256()
    for name in sorted(os.listdir(directory)):
        if name == "LOCK":
            continue
        h.update(name.encode())
        with open(os.path.join(directory, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()


class Model:
    """The table as the acknowledged writes left it."""

    def __init__(self):
        self.items = {}

    def apply(self, op):
        kind = op[0]
        if kind == "put":
            self.items[op[1]] = op[2]
        elif kind == "add":
            self.items[op[1]] = self.items.get(op[1], 0) + op[2]
        elif kind == "delete":
            self.items.pop(op[1], None)
        elif kind == "transact":
            for sub in op[1]:
                self.apply(sub)

    def copy(self):
        m = Model()
        m.items = dict(self.items)
        return m


def key(k):
    return {"pk": {"S": "k%d" % k}}


def send(ddb, op):
    if op[0] == "put":
        ddb.put_item(TableName=TABLE, Item=dict(key(op[1]), v={"N": str(op[2])}))
    elif op[0] == "add":
        ddb.update_item(TableName=TABLE, Key=key(op[1]), UpdateExpression="ADD v :d",
                        ExpressionAttributeValues={":d": {"N": str(op[2])}})
    elif op[0] == "delete":
        ddb.delete_item(TableName=TABLE, Key=key(op[1]))
    else:
        actions = []
        for sub in op[1]:
            if sub[0] == "put":
                actions.append({"Put": {"TableName": TABLE, "Item": dict(key(sub[1]), v={"N": str(sub[2])})}})
            elif sub[0] == "add":
                actions.append({"Update": {"TableName": TABLE, "Key": key(sub[1]), "UpdateExpression": "ADD v :d",
                                           "ExpressionAttributeValues": {":d": {"N": str(sub[2])}}}})
            else:
                actions.append({"Delete": {"TableName": TABLE, "Key": key(sub[1])}})
        ddb.transact_write_items(TransactItems=actions)


def random_op(rng, n):
    kind = rng.choice(["put", "add", "delete", "transact", "transact"])
    if kind == "put":
        return ("put", rng.randrange(KEYS), n)
    if kind == "add":
        return ("add", rng.randrange(KEYS), rng.randrange(1, 10))
    if kind == "delete":
        return ("delete", rng.randrange(KEYS))
    a, b, c = rng.sample(range(KEYS), 3)
    return ("transact", [("put", a, n), ("add", b, 5), ("delete", c)])


def scan_all(ddb):
    items, start = {}, None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        page = ddb.scan(TableName=TABLE, ConsistentRead=True, **kwargs)
        for item in page["Items"]:
            items[int(item["pk"]["S"][1:])] = int(item["v"]["N"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


class PersistenceTest(unittest.TestCase):
    def setUp(self):
        try:
            import boto3  # noqa: F401
        except ImportError:
            self.skipTest("boto3 is not installed for %s" % sys.executable)
        self.dir = tempfile.mkdtemp(prefix="dynamorm-data-")
        self.data = os.path.join(self.dir, "data")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def create_table(self, url):
        client(url).create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])

    def test_sigkill_keeps_acknowledged_writes(self):
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        self.create_table(url)
        ddb = client(url)
        rng = random.Random(int(os.environ.get("DYNAMORM_TEST_SEED", "14")))
        model = Model()
        in_flight = None
        kill_after = rng.randrange(3000, 9000)
        killer = None
        for n in range(10000):
            op = random_op(rng, n)
            if n == kill_after:
                # SIGKILL while this request is on its way.
                killer = threading.Timer(0.0005, proc.send_signal, (signal.SIGKILL,))
                killer.start()
            in_flight = op
            try:
                send(ddb, op)
            except Exception as e:
                if killer is None:
                    raise
                if type(e).__name__ == "ClientError" and proc.poll() is None:
                    in_flight = None      # refused by the server: not applied
                    continue
                break
            model.apply(op)
            in_flight = None
            if killer is not None and proc.poll() is not None:
                break
        if killer is not None:
            killer.join()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
        self.assertEqual(proc.returncode, -signal.SIGKILL, "the server was not killed mid-run")

        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        try:
            got = scan_all(client(url))
        finally:
            stop(proc)
        if got != model.items and in_flight is not None:
            # The request in flight may have committed, but only whole.
            with_it = model.copy()
            with_it.apply(in_flight)
            self.assertEqual(got, with_it.items)
        else:
            self.assertEqual(got, model.items)

    def test_torn_last_record_is_dropped(self):
        proc, url, err = start(self.data, "--fsync", "always")
        self.assertIsNotNone(url, err)
        self.create_table(url)
        ddb = client(url)
        for n in range(20):
            send(ddb, ("put", n, n))
        kill(proc)
        path = last_log(self.data)
        end = records_end(path)
        self.assertGreater(os.path.getsize(path), end, "the log was not allocated ahead")
        with open(path, "r+b") as f:
            f.seek(end)
            f.write(b"DRL1\xff\x00\x00\x00\x00\x00\x00\x00{\"time\":")   # a record cut short
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        try:
            self.assertEqual(scan_all(client(url)), {n: n for n in range(20)})
        finally:
            stop(proc)

    def killed_after_puts(self, count, *extra):
        """count acknowledged puts, SIGKILL; the last log's path."""
        proc, url, err = start(self.data, *extra)
        self.assertIsNotNone(url, err)
        self.create_table(url)
        ddb = client(url)
        for n in range(count):
            send(ddb, ("put", n, n))
        kill(proc)
        return last_log(self.data)

    def reopened_items(self):
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        try:
            return scan_all(client(url)), err
        finally:
            stop(proc)

    def test_zero_tail_ends_the_log(self):
        """After SIGKILL the last log is its records, then the zeros it was
        allocated ahead with: they end it, whatever their length (a crash
        right after the log grew by a chunk leaves a whole chunk more)."""
        path = self.killed_after_puts(5)
        end = records_end(path)
        with open(path, "rb") as f:
            data = f.read()
        self.assertEqual(len(data) % (4 << 20), 0, "the log does not grow by whole chunks")
        self.assertEqual(data[end:], bytes(len(data) - end))
        os.truncate(path, len(data) + (4 << 20))
        self.assertEqual(self.reopened_items()[0], {n: n for n in range(5)})

    def test_record_without_magic_is_dropped(self):
        """A crash while a record was being copied into the mapping leaves it
        without its magic (stored last): that record was not acknowledged,
        it is dropped; one with a bad checksum and only zeros after it (a
        power failure lost its page) too."""
        for damage in ("no magic", "bad crc"):
            shutil.rmtree(self.data, ignore_errors=True)
            path = self.killed_after_puts(5)
            torn = record("PutItem", {"TableName": TABLE, "Item": dict(key(99), v={"N": "99"})})
            torn = bytes(4) + torn[4:] if damage == "no magic" else torn[:-3] + bytes(3)
            with open(path, "r+b") as f:
                f.seek(records_end(path))
                f.write(torn)
            self.assertEqual(self.reopened_items()[0], {n: n for n in range(5)}, damage)

    def test_bad_record_before_another_is_refused(self):
        """A record that does not read back with a good one after it is
        damage, not a crash: the directory is refused and left as it is."""
        path = self.killed_after_puts(5)
        good = record("PutItem", {"TableName": TABLE, "Item": dict(key(98), v={"N": "98"})})
        bad = record("PutItem", {"TableName": TABLE, "Item": dict(key(99), v={"N": "99"})})
        with open(path, "r+b") as f:
            f.seek(records_end(path))
            f.write(bad[:-3] + b"xyz" + good)
        err = self.refused("damaged")
        self.assertIn("is damaged at byte", err)

    def test_log_grows_past_its_first_chunk(self):
        """Writes past the first 4 MiB the log was allocated with (the file
        grows and is mapped again) survive SIGKILL."""
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        self.create_table(url)
        ddb = client(url)
        big = "x" * 350000
        for n in range(14):
            ddb.put_item(TableName=TABLE, Item=dict(key(n), v={"N": str(n)}, big={"S": big}))
        kill(proc)
        path = last_log(self.data)
        self.assertEqual(os.path.getsize(path), 8 << 20)
        self.assertGreater(records_end(path), 4 << 20)
        self.assertEqual(self.reopened_items()[0], {n: n for n in range(14)})

    def test_clean_stop_cuts_logs_to_their_records(self):
        self.filled()
        logs = [os.path.join(self.data, f) for f in os.listdir(self.data) if f.startswith("log.")]
        self.assertTrue(logs)
        for path in logs:
            self.assertEqual(os.path.getsize(path), records_end(path), path)

    def test_format_1_directory_opens(self):
        """A directory of data format 1 (logs exactly their records, as
        dynamorm-server wrote them before logs were allocated ahead) opens
        with its items and says format 2 from then on."""
        os.makedirs(self.data)
        with open(os.path.join(self.data, "FORMAT"), "w") as f:
            f.write("dynamorm-server data 1\n")
        with open(os.path.join(self.data, "log.00000001"), "wb") as f:
            f.write(record("CreateTable", {"TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
                                           "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                                           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}))
            for n in range(3):
                f.write(record("PutItem", {"TableName": TABLE, "Item": dict(key(n), v={"N": str(n)})}))
            f.write(record("UpdateItem", {"TableName": TABLE, "Key": key(2), "UpdateExpression": "ADD v :d",
                                          "ExpressionAttributeValues": {":d": {"N": "5"}}}))
        self.assertEqual(self.reopened_items()[0], {0: 0, 1: 1, 2: 7})
        with open(os.path.join(self.data, "FORMAT")) as f:
            self.assertEqual(f.read(), "dynamorm-server data 2\n")

    def refused(self, why):
        before = digest(self.data)
        proc, url, err = start(self.data)
        self.assertIsNone(url, "the server started on a %s directory" % why)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(digest(self.data), before, "a %s directory was changed" % why)
        proc.stdout.close()
        proc.stderr.close()
        return err

    def filled(self):
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        self.create_table(url)
        for n in range(30):
            send(client(url), ("put", n, n))
        stop(proc)    # a clean stop writes the snapshot

    def test_damaged_snapshot_is_refused(self):
        self.filled()
        path = os.path.join(self.data, "snapshot")
        with open(path, "r+b") as f:
            f.seek(os.path.getsize(path) // 2)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 0x5a]))
        err = self.refused("damaged")
        self.assertIn("snapshot is damaged at byte", err)
        self.assertIn("Nothing was changed", err)

    def test_newer_format_is_refused(self):
        self.filled()
        with open(os.path.join(self.data, "FORMAT"), "w") as f:
            f.write("dynamorm-server data 3\n")
        err = self.refused("newer")
        self.assertIn("written by a newer dynamorm-server (data format 3", err)

    def test_foreign_directory_is_refused(self):
        os.makedirs(self.data)
        with open(os.path.join(self.data, "notes.txt"), "w") as f:
            f.write("mine")
        err = self.refused("foreign")
        self.assertIn("is not a dynamorm-server data directory", err)

    def test_busy_directory_is_refused(self):
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        try:
            second, url2, err2 = start(self.data)
            self.assertIsNone(url2)
            self.assertIn("is in use by another process", err2)
            second.stdout.close()
            second.stderr.close()
        finally:
            stop(proc)

    def test_transaction_tokens_survive_restarts(self):
        """A TransactWriteItems retried with its ClientRequestToken after one
        restart (log replay) and after a second (the compacted snapshot) is
        answered again without being applied twice; another payload with the
        token is refused."""
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        self.create_table(url)
        items = [{"Update": {"TableName": TABLE, "Key": {"pk": {"S": "counter"}},
                             "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
        client(url).transact_write_items(TransactItems=items, ClientRequestToken="tok-1")
        stop(proc)
        for restart in range(2):
            proc, url, err = start(self.data)
            self.assertIsNotNone(url, err)
            ddb = client(url)
            try:
                ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1")
                got = ddb.get_item(TableName=TABLE, Key={"pk": {"S": "counter"}}, ConsistentRead=True)["Item"]
                self.assertEqual(got["n"], {"N": "1"}, "restart %d applied the retried transaction again" % restart)
                other = [{"Put": {"TableName": TABLE, "Item": {"pk": {"S": "other"}}}}]
                with self.assertRaises(Exception) as caught:
                    ddb.transact_write_items(TransactItems=other, ClientRequestToken="tok-1")
                self.assertIn("IdempotentParameterMismatch", str(caught.exception))
            finally:
                stop(proc)

    def stream_records(self, url, after=None):
        """Every record of the table's stream (or those after the sequence
        number `after`), and the stream's ARN."""
        import boto3
        from botocore.config import Config
        arn = client(url).describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        streams = boto3.client("dynamodbstreams", endpoint_url=url, region_name="us-east-1",
                               aws_access_key_id="dynamormtest", aws_secret_access_key="not-a-real-secret",
                               config=Config(retries={"total_max_attempts": 1}))
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        where = {"ShardIteratorType": "TRIM_HORIZON"} if after is None else \
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **where)["ShardIterator"]
        records = []
        while it:
            page = streams.get_records(ShardIterator=it)
            records += page["Records"]
            if not page["Records"]:
                break
            it = page.get("NextShardIterator")
        return arn, shard, records

    def test_stream_records_survive_restarts(self):
        """Restarting (clean stop: snapshot; SIGKILL: log replay; both
        again) writes no new record for the items already there, keeps the
        stream's ARN, shard and records (eventIDs included), and a consumer
        resuming after its last sequence number misses nothing and sees
        nothing twice."""
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        ddb = client(url)
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        for k in "abc":
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": k}, "v": {"N": "1"}})
        ddb.update_item(TableName=TABLE, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :two",
                        ExpressionAttributeValues={":two": {"N": "2"}})
        ddb.delete_item(TableName=TABLE, Key={"pk": {"S": "b"}})
        arn, shard, seen = self.stream_records(url)
        self.assertEqual([r["eventName"] for r in seen], ["INSERT"] * 3 + ["MODIFY", "REMOVE"])
        stop(proc)
        for restart, how in enumerate(["stop", "kill", "stop", "stop"]):
            proc, url, err = start(self.data)
            self.assertIsNotNone(url, err)
            try:
                got = self.stream_records(url)
                self.assertEqual(got, (arn, shard, seen), "restart %d changed the stream" % restart)
                last = seen[-1]["dynamodb"]["SequenceNumber"]
                self.assertEqual(self.stream_records(url, after=last)[2], [],
                                 "restart %d: records after the last one read" % restart)
                client(url).put_item(TableName=TABLE, Item={"pk": {"S": "n%d" % restart}})
                new = self.stream_records(url, after=last)[2]
                self.assertEqual([(r["eventName"], r["dynamodb"]["Keys"]) for r in new],
                                 [("INSERT", {"pk": {"S": "n%d" % restart}})])
                self.assertGreater(int(new[0]["dynamodb"]["SequenceNumber"]), int(last))
                seen = seen + new
            finally:
                if how == "kill":
                    proc.kill()
                    proc.wait(timeout=30)
                    proc.stdout.close()
                    proc.stderr.close()
                else:
                    stop(proc)

    def test_logged_request_texts_replay(self):
        """The log keeps a plain JSON request as it was sent (escapes, spaces,
        member order) and prints any other (a comment json-glib reads, legacy
        parameters the engine rewrites); after SIGKILL each replays to what
        was acknowledged."""
        import urllib.request
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        self.create_table(url)

        def post(op, body):
            req = urllib.request.Request(url + "/", data=body.encode(), method="POST", headers={
                "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810." + op})
            with urllib.request.urlopen(req, timeout=10) as r:
                self.assertEqual(r.status, 200)

        post("PutItem", '{ "TableName" : "Durable",\n "Item": {"v": {"N": "1"}, "pk": {"S": "k1"},'
                        ' "s": {"S": "caf\\u00e9 \\"q\\" \\ud83d\\ude00 \\/ \\n"}} }  ')
        post("PutItem", '{"TableName": "Durable", /* a comment */ "Item": {"pk": {"S": "k2"}, "v": {"N": "2"}}}')
        post("UpdateItem", '{"TableName": "Durable", "Key": {"pk": {"S": "k1"}},'
                           ' "AttributeUpdates": {"v": {"Action": "ADD", "Value": {"N": "10"}}},'
                           ' "Expected": {"v": {"Value": {"N": "1"}}}}')
        post("PutItem", '{"TableName": "Durable", "Item": {"pk": {"S": "k3"}, "v": {"N": "3"}},'
                        ' "Expected": {"pk": {"Exists": false}}}')
        kill(proc)
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        try:
            self.assertEqual(scan_all(client(url)), {1: 11, 2: 2, 3: 3})
            got = client(url).get_item(TableName=TABLE, Key=key(1))["Item"]["s"]["S"]
            self.assertEqual(got, 'caf\u00e9 "q" \U0001F600 / \n')
        finally:
            stop(proc)

    def test_tables_indexes_and_ttl_survive(self):
        proc, url, err = start(self.data)
        self.assertIsNotNone(url, err)
        ddb = client(url)
        ddb.create_table(TableName="Rich", BillingMode="PROVISIONED",
                         ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "N"},
                                               {"AttributeName": "g", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                         LocalSecondaryIndexes=[{"IndexName": "local", "KeySchema": [
                             {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "g", "KeyType": "RANGE"}],
                             "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                         GlobalSecondaryIndexes=[{"IndexName": "global", "KeySchema": [
                             {"AttributeName": "g", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
                             "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2}}])
        ddb.update_time_to_live(TableName="Rich", TimeToLiveSpecification={"AttributeName": "exp", "Enabled": True})
        ddb.put_item(TableName="Rich", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": "x"}, "x": {"SS": ["p"]}})
        before = ddb.describe_table(TableName="Rich")["Table"]
        ddb.tag_resource(ResourceArn=before["TableArn"], Tags=[{"Key": "team", "Value": "core"}])
        for restart in ("clean", "kill"):
            if restart == "clean":
                stop(proc)
            else:
                kill(proc)
            proc, url, err = start(self.data)
            self.assertIsNotNone(url, err)
            ddb = client(url)
            after = ddb.describe_table(TableName="Rich")["Table"]
            for member in ("KeySchema", "AttributeDefinitions", "LocalSecondaryIndexes", "GlobalSecondaryIndexes",
                           "ProvisionedThroughput", "ItemCount", "CreationDateTime"):
                self.assertEqual(after[member], before[member], member)
            self.assertEqual(ddb.describe_time_to_live(TableName="Rich")["TimeToLiveDescription"]["AttributeName"], "exp")
            self.assertEqual(ddb.list_tags_of_resource(ResourceArn=before["TableArn"])["Tags"],
                             [{"Key": "team", "Value": "core"}])
            got = ddb.query(TableName="Rich", IndexName="global", KeyConditionExpression="g = :g",
                            ExpressionAttributeValues={":g": {"S": "x"}})["Items"]
            self.assertEqual(got[0]["x"], {"SS": ["p"]})
        stop(proc)


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
