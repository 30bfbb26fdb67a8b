# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the boto3 benchmarks of bench/compare/ share: a client, the bench
table, the 100-item partition, the servers (dynamorm-server and DynamoDB
Local from scripts/ddblocal.sh) and a process's CPU time. Talks only to
127.0.0.1. Measurement helpers: nothing here asserts a figure."""

import os
import subprocess
import sys

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The item of the Query partition and of the writes: two keys, a name, a
# 100-byte payload and a number.
PAYLOAD = "x" * 100


def client(url, pool=2):
    import boto3
    from botocore.config import Config
    return boto3.client("dynamodb", endpoint_url=url.replace("local://", "http://", 1),
                        region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench",
                        config=Config(retries={"total_max_attempts": 3}, max_pool_connections=pool))


def fresh_table(ddb, table):
    """Creates table (pk S, sk N, on demand) and waits until it is active."""
    try:
        ddb.delete_table(TableName=table)
    except Exception:
        pass
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}])
    # dynalite creates tables in the background.
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


def item(pk, sk, n):
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, "name": {"S": "item %d" % n},
            "payload": {"S": PAYLOAD}, "n": {"N": str(n)}}


def fill_partition(ddb, table, pk="q", count=100):
    """The partition a Query of 100 items reads."""
    for i in range(count):
        ddb.put_item(TableName=table, Item=item(pk, i, i * 7))


def query_partition(ddb, table, pk="q", count=100):
    r = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": pk}})
    assert r["Count"] == count, r["Count"]


def cpu_seconds(pid):
    """CPU time of pid's threads: the sum of their /proc/PID/task/TID/schedstat
    (nanoseconds on a CPU), far finer than /proc/PID/stat's 10 ms ticks; a
    thread that ended during the run is not counted (the servers measured keep
    theirs)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e9


class DynamormServer:
    """dynamorm-server on a free loopback port, with extra arguments."""

    def __init__(self, binary, *extra):
        self.proc = subprocess.Popen([binary, "--port", "0"] + list(extra), stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.proc.kill()
            sys.exit("dynamorm-server did not start: %r" % line)
        self.url = line.split("listening on ", 1)[1].strip().rstrip("/")
        self.pid = self.proc.pid

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class DynamoDBLocal:
    """DynamoDB Local from the test cache (scripts/ddblocal.sh), with a state
    directory of its own so that it runs next to any other instance."""

    def __init__(self, state_dir):
        self.env = dict(os.environ, DDBLOCAL_STATE_DIR=state_dir)
        out = subprocess.run([os.path.join(SRC, "scripts", "ddblocal.sh"), "start"], env=self.env,
                             stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
        self.url = out.replace("local://", "http://", 1)
        with open(os.path.join(state_dir, "ddblocal.pid")) as f:
            self.pid = int(f.read().strip())

    def stop(self):
        subprocess.run([os.path.join(SRC, "scripts", "ddblocal.sh"), "stop"], env=self.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
