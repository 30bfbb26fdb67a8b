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

    def client(self):
        try:
            import boto3
        except ImportError:
            self.skipTest("boto3 is not installed for %s" % sys.executable)
        return boto3.client("dynamodb", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="dynamormtest",
                            aws_secret_access_key="not-a-real-secret")

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
