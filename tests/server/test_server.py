#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dynamorm-server driven by real DynamoDB clients: boto3 and the AWS CLI.

Usage: test_server.py PATH-TO-dynamorm-server
Starts the server on a free loopback port and talks only to 127.0.0.1.
"""

import json
import os
import shutil
import subprocess
import sys
import unittest

SERVER = None


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc = subprocess.Popen([SERVER, "--port", "0", "--host", "127.0.0.1"],
                                    stdout=subprocess.PIPE, text=True)
        line = cls.proc.stdout.readline()
        if "listening on " not in line:
            cls.proc.kill()
            raise RuntimeError("dynamorm-server did not start: %r" % line)
        cls.url = line.split("listening on ", 1)[1].strip().rstrip("/")
        cls.env = dict(os.environ,
                       AWS_ACCESS_KEY_ID="dynamormtest",
                       AWS_SECRET_ACCESS_KEY="not-a-real-secret",
                       AWS_DEFAULT_REGION="us-east-1",
                       AWS_CONFIG_FILE="/nonexistent",
                       AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
                       AWS_EC2_METADATA_DISABLED="true",
                       AWS_PAGER="")
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            cls.env.pop(name, None)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()

    # ---- boto3 ---------------------------------------------------------------

    def client(self, service="dynamodb", url=None):
        try:
            import boto3
        except ImportError:
            self.skipTest("boto3 is not installed for %s" % sys.executable)
        return boto3.client(service, endpoint_url=url or self.url, region_name="us-east-1",
                            aws_access_key_id="dynamormtest",
                            aws_secret_access_key="not-a-real-secret")

    # ---- DynamoDB Streams ------------------------------------------------------

    def check_streams(self, url):
        """The same Streams checks against any endpoint (this server, and
        DynamoDB Local when the test command started one)."""
        from botocore.exceptions import ClientError

        ddb = self.client("dynamodb", url)
        streams = self.client("dynamodbstreams", url)
        name = "StreamsCheck"
        try:
            ddb.delete_table(TableName=name)
        except ClientError:
            pass
        created = ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        arn = created["TableDescription"]["LatestStreamArn"]
        self.assertIn(":table/%s/stream/" % name, arn)
        self.assertEqual(created["TableDescription"]["StreamSpecification"],
                         {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})

        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}})   # no change, no record
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}]})
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": name, "Key": {"pk": {"S": "b"}}, "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "5"}}}}])
        ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}})

        # Streams of deleted tables stay listed (a rerun against the same Local).
        listed = streams.list_streams(TableName=name)["Streams"]
        self.assertIn(arn, [s["StreamArn"] for s in listed])
        description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(description["StreamStatus"], "ENABLED")
        self.assertEqual(description["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}])
        shard = description["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        self.assertEqual([r["eventName"] for r in records], ["INSERT", "MODIFY", "INSERT", "MODIFY", "REMOVE"])
        first = records[0]
        self.assertEqual(first["dynamodb"]["Keys"], {"pk": {"S": "a"}})
        self.assertEqual(first["dynamodb"]["NewImage"], {"pk": {"S": "a"}, "v": {"N": "1"}})
        self.assertEqual(first["dynamodb"]["SizeBytes"], 9)
        self.assertEqual(records[1]["dynamodb"]["OldImage"], {"pk": {"S": "a"}, "v": {"N": "1"}})
        self.assertEqual(records[1]["dynamodb"]["SizeBytes"], 15)
        self.assertEqual(records[3]["dynamodb"]["NewImage"], {"pk": {"S": "b"}, "n": {"N": "5"}})
        self.assertNotIn("NewImage", records[4]["dynamodb"])
        for record in records:
            self.assertEqual(record["eventVersion"], "1.1")
            self.assertEqual(record["eventSource"], "aws:dynamodb")
            self.assertEqual(record["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
            self.assertEqual(len(record["dynamodb"]["SequenceNumber"]), 21)
            self.assertEqual(record["dynamodb"]["ApproximateCreationDateTime"].second, 0)
        sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
        self.assertEqual(sequences, sorted(sequences))

        after = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                           SequenceNumber=sequences[1])["ShardIterator"]
        self.assertEqual([r["dynamodb"]["SequenceNumber"] for r in streams.get_records(ShardIterator=after, Limit=2)["Records"]],
                         sequences[2:4])
        at = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                        SequenceNumber=sequences[1])["ShardIterator"]
        self.assertEqual(streams.get_records(ShardIterator=at, Limit=1)["Records"][0]["dynamodb"]["SequenceNumber"],
                         sequences[1])
        latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
        self.assertEqual(streams.get_records(ShardIterator=latest)["Records"], [])

        with self.assertRaises(ClientError) as caught:
            streams.get_records(ShardIterator="not-an-iterator")
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(ClientError) as caught:
            streams.describe_stream(StreamArn=arn + "x")
        self.assertEqual(caught.exception.response["Error"]["Code"], "ResourceNotFoundException")

        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
        closed = streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(closed["StreamStatus"], "DISABLED")
        self.assertEqual(closed["Shards"][0]["SequenceNumberRange"]["EndingSequenceNumber"], sequences[-1])
        self.assertNotIn("NextShardIterator", streams.get_records(ShardIterator=iterator))
        ddb.delete_table(TableName=name)

    # ---- PartiQL --------------------------------------------------------------

    def check_partiql(self, url):
        """The same PartiQL checks against any endpoint."""
        from botocore.exceptions import ClientError

        ddb = self.client("dynamodb", url)
        name = "PartiqlCheck"
        try:
            ddb.delete_table(TableName=name)
        except ClientError:
            pass
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "N"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}])
        ddb.execute_statement(Statement="INSERT INTO %s VALUE {'pk': 'a', 'sk': 1, 'n': 5, 'm': {'k': true}}" % name)
        ddb.execute_statement(Statement="INSERT INTO %s VALUE {'pk': ?, 'sk': ?}" % name,
                              Parameters=[{"S": "a"}, {"N": "2"}])
        with self.assertRaises(ClientError) as caught:
            ddb.execute_statement(Statement="INSERT INTO %s VALUE {'pk': 'a', 'sk': 1}" % name)
        self.assertIn(caught.exception.response["Error"]["Code"], ("DuplicateItemException", "DuplicateItem"))
        self.assertEqual(caught.exception.response["Error"]["Message"], "Duplicate primary key exists in table")

        items = ddb.execute_statement(Statement="SELECT * FROM %s WHERE pk = 'a'" % name)["Items"]
        self.assertEqual(sorted(i["sk"]["N"] for i in items), ["1", "2"])
        items = ddb.execute_statement(Statement="SELECT n, m.k FROM %s WHERE pk = ? AND sk = 1" % name,
                                      Parameters=[{"S": "a"}])["Items"]
        self.assertEqual(items, [{"n": {"N": "5"}, "k": {"BOOL": True}}])

        pages, token = 0, None
        seen = []
        while True:
            kwargs = {"NextToken": token} if token else {}
            page = ddb.execute_statement(Statement="SELECT * FROM %s" % name, Limit=1, **kwargs)
            seen += page["Items"]
            pages += 1
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(len(seen), 2)

        ddb.execute_statement(Statement="UPDATE %s SET n = n + 1 REMOVE m WHERE pk = 'a' AND sk = 1" % name)
        got = ddb.get_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]
        self.assertEqual(got, {"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "6"}})
        with self.assertRaises(ClientError) as caught:
            ddb.execute_statement(Statement="UPDATE %s SET n = 1 WHERE pk = 'none' AND sk = 1" % name)
        self.assertEqual(caught.exception.response["Error"]["Code"], "ConditionalCheckFailedException")
        with self.assertRaises(ClientError) as caught:
            ddb.execute_statement(Statement="SELEC * FROM %s" % name)
        self.assertEqual(caught.exception.response["Error"]["Message"],
                         "Statement wasn't well formed, can't be processed: SELEC * FROM %s" % name)

        batch = ddb.batch_execute_statement(Statements=[
            {"Statement": "SELECT * FROM %s WHERE pk = 'a' AND sk = 2" % name},
            {"Statement": "SELECT * FROM %s WHERE pk = 'zz' AND sk = 1" % name}])["Responses"]
        self.assertEqual(batch[0]["Item"], {"pk": {"S": "a"}, "sk": {"N": "2"}})
        self.assertNotIn("Item", batch[1])

        ddb.execute_transaction(TransactStatements=[
            {"Statement": "INSERT INTO %s VALUE {'pk': 'b', 'sk': 1}" % name},
            {"Statement": "DELETE FROM %s WHERE pk = 'a' AND sk = 2" % name}])
        with self.assertRaises(ClientError) as caught:
            ddb.execute_transaction(TransactStatements=[
                {"Statement": "INSERT INTO %s VALUE {'pk': 'c', 'sk': 1}" % name},
                {"Statement": "INSERT INTO %s VALUE {'pk': 'b', 'sk': 1}" % name}])
        self.assertEqual(caught.exception.response["Error"]["Code"], "TransactionCanceledException")
        reasons = caught.exception.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["None", "ValidationError"])
        keys = sorted((i["pk"]["S"], i["sk"]["N"]) for i in ddb.scan(TableName=name)["Items"])
        self.assertEqual(keys, [("a", "1"), ("b", "1")])
        ddb.delete_table(TableName=name)

    def test_partiql(self):
        self.check_partiql(self.url)

    def test_partiql_local(self):
        local = os.environ.get("DYNAMORM_LOCAL_URI")
        if not local:
            self.skipTest("no DynamoDB Local (DYNAMORM_LOCAL_URI)")
        self.check_partiql(local.replace("local://", "http://", 1))

    def test_streams(self):
        self.check_streams(self.url)

    def test_streams_local(self):
        local = os.environ.get("DYNAMORM_LOCAL_URI")
        if not local:
            self.skipTest("no DynamoDB Local (DYNAMORM_LOCAL_URI)")
        self.check_streams(local.replace("local://", "http://", 1))

    # ---- CORS preflight and --log ----------------------------------------------

    def check_preflight(self, url):
        """A browser's preflight answered as DynamoDB Local 3.3.1 answers it."""
        import http.client
        import urllib.parse
        where = urllib.parse.urlparse(url)

        def options(headers):
            conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
            conn.request("OPTIONS", "/", headers=headers)
            answer = conn.getresponse()
            body = answer.read()
            conn.close()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body

        asked = "content-type,x-amz-target,authorization"
        status, headers, body = options({"Origin": "http://app.example", "Access-Control-Request-Method": "POST",
                                         "Access-Control-Request-Headers": asked})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("access-control-allow-methods"), "POST")
        self.assertEqual(headers.get("access-control-allow-headers"), asked)
        self.assertEqual(headers.get("access-control-max-age"), "1728000")
        self.assertEqual(body, b"")
        # the method asked for is echoed, whatever it is
        status, headers, body = options({"Origin": "http://app.example", "Access-Control-Request-Method": "GET",
                                         "Access-Control-Request-Headers": "x-a"})
        self.assertEqual((status, headers.get("access-control-allow-methods")), (200, "GET"))
        for bad in ({"Origin": "http://app.example", "Access-Control-Request-Method": "POST"},):
            status, headers, body = options(bad)
            self.assertEqual(status, 400)
            self.assertEqual(json.loads(body), {"__type": "com.amazon.coral.validate#ValidationException",
                                                "Message": "Invalid PreFlight Headers"})

    def test_preflight(self):
        self.check_preflight(self.url)

    def test_preflight_local(self):
        local = os.environ.get("DYNAMORM_LOCAL_URI")
        if not local:
            self.skipTest("no DynamoDB Local (DYNAMORM_LOCAL_URI)")
        self.check_preflight(local.replace("local://", "http://", 1))

    def test_log(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "requests.log")
            proc = subprocess.Popen([SERVER, "--port", "0", "--host", "127.0.0.1", "--log", path],
                                    stdout=subprocess.PIPE, text=True)
            try:
                url = proc.stdout.readline().split("listening on ", 1)[1].strip().rstrip("/")
                ddb = self.client(url=url)
                ddb.list_tables()
                with self.assertRaises(Exception):
                    ddb.describe_table(TableName="missing")
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                proc.stdout.close()
            with open(path) as f:
                lines = f.read().splitlines()
            self.assertEqual([line.split()[1:3] for line in lines],
                             [["ListTables", "200"], ["DescribeTable", "400"]])
            self.assertRegex(lines[0], r"^\d{4}-\d\d-\d\dT[0-9:.]+Z ListTables 200 [0-9.]+ ms$")
        refused = subprocess.run([SERVER, "--port", "0", "--log", "/nonexistent/dir/log"],
                                 capture_output=True, text=True, timeout=10)
        self.assertEqual(refused.returncode, 2)
        self.assertIn("--log: cannot open", refused.stderr)

    def test_boto3(self):
        from botocore.exceptions import ClientError

        ddb = self.client()
        ddb.create_table(TableName="Music",
                         AttributeDefinitions=[{"AttributeName": "Artist", "AttributeType": "S"},
                                               {"AttributeName": "Song", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "Artist", "KeyType": "HASH"},
                                    {"AttributeName": "Song", "KeyType": "RANGE"}],
                         BillingMode="PAY_PER_REQUEST")
        self.assertIn("Music", ddb.list_tables()["TableNames"])

        for song, year in (("Alpha", "1999"), ("Beta", "2001"), ("Gamma", "2003")):
            ddb.put_item(TableName="Music", Item={"Artist": {"S": "Ada"}, "Song": {"S": song},
                                                  "Year": {"N": year}})

        item = ddb.get_item(TableName="Music", Key={"Artist": {"S": "Ada"}, "Song": {"S": "Beta"}})["Item"]
        self.assertEqual(item["Year"], {"N": "2001"})

        result = ddb.query(TableName="Music",
                           KeyConditionExpression="Artist = :a AND begins_with(Song, :p)",
                           ExpressionAttributeValues={":a": {"S": "Ada"}, ":p": {"S": "G"}})
        self.assertEqual(result["Count"], 1)
        self.assertEqual(result["Items"][0]["Song"], {"S": "Gamma"})

        result = ddb.query(TableName="Music", KeyConditionExpression="Artist = :a",
                           ExpressionAttributeValues={":a": {"S": "Ada"}}, ScanIndexForward=False)
        self.assertEqual([i["Song"]["S"] for i in result["Items"]], ["Gamma", "Beta", "Alpha"])

        with self.assertRaises(ClientError) as caught:
            ddb.put_item(TableName="Music", Item={"Artist": {"S": "Ada"}, "Song": {"S": "Beta"}},
                         ConditionExpression="attribute_not_exists(Artist)")
        self.assertEqual(caught.exception.response["Error"]["Code"], "ConditionalCheckFailedException")

        with self.assertRaises(ClientError) as caught:
            ddb.get_item(TableName="NoSuchTable", Key={"Artist": {"S": "x"}})
        self.assertEqual(caught.exception.response["Error"]["Code"], "ResourceNotFoundException")

    # ---- the AWS CLI -----------------------------------------------------------

    def aws(self, *args, check=True):
        aws = shutil.which("aws", path="/usr/bin") or shutil.which("aws")
        if aws is None:
            self.skipTest("the AWS CLI is not installed")
        proc = subprocess.run([aws, "dynamodb", *args, "--endpoint-url", self.url, "--output", "json"],
                              env=self.env, capture_output=True, text=True, timeout=120)
        if check:
            self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def test_cli(self):
        self.aws("create-table", "--table-name", "Cli",
                 "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                 "--key-schema", "AttributeName=pk,KeyType=HASH",
                 "--billing-mode", "PAY_PER_REQUEST")
        self.aws("put-item", "--table-name", "Cli", "--item", '{"pk": {"S": "one"}, "n": {"N": "1"}}')
        got = json.loads(self.aws("get-item", "--table-name", "Cli", "--key", '{"pk": {"S": "one"}}').stdout)
        self.assertEqual(got["Item"]["n"], {"N": "1"})

        got = json.loads(self.aws("query", "--table-name", "Cli", "--key-condition-expression", "pk = :p",
                                  "--expression-attribute-values", '{":p": {"S": "one"}}').stdout)
        self.assertEqual(got["Count"], 1)

        failed = self.aws("put-item", "--table-name", "Cli", "--item", '{"pk": {"S": "one"}}',
                          "--condition-expression", "attribute_not_exists(pk)", check=False)
        self.assertNotEqual(failed.returncode, 0)
        self.assertIn("ConditionalCheckFailedException", failed.stderr)

        tables = json.loads(self.aws("list-tables").stdout)
        self.assertIn("Cli", tables["TableNames"])


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
