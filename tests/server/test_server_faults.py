# SPDX-License-Identifier: LGPL-2.1-or-later
"""dynamorm-server --faults: any SDK's retry handling tested against the
faults of memory:// (boto3 here), and a bad fault list refused with the list
of valid faults. Usage: test_server_faults.py PATH-TO-DYNAMORM-SERVER"""

import subprocess
import sys
import unittest

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:
    print('boto3 is not installed: skipped')
    sys.exit(77)

SERVER = sys.argv.pop(1)


def start(faults):
    proc = subprocess.Popen([SERVER, '--port', '0', '--host', '127.0.0.1', '--faults', faults],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if 'listening on ' not in line:
        proc.kill()
        raise RuntimeError('dynamorm-server did not start: %r %r' % (line, proc.stderr.read()))
    return proc, line.split('listening on ', 1)[1].strip().rstrip('/')


def client(url, attempts):
    return boto3.client('dynamodb', endpoint_url=url, region_name='us-east-1',
                        aws_access_key_id='x', aws_secret_access_key='x',
                        config=Config(retries={'mode': 'standard', 'max_attempts': attempts}))


class FaultsTest(unittest.TestCase):
    def setUp(self):
        self.proc, self.url = start('throttle-next:2@GetItem,unprocessed:0.5@BatchWriteItem,seed:4')
        ddb = client(self.url, 1)
        ddb.create_table(TableName='things', BillingMode='PAY_PER_REQUEST',
                         KeySchema=[{'AttributeName': 'k', 'KeyType': 'HASH'}],
                         AttributeDefinitions=[{'AttributeName': 'k', 'AttributeType': 'S'}])

    def tearDown(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def test_sdk_retries_throttling(self):
        # two throttled answers, then the item: boto3's retries get through
        item = client(self.url, 3).get_item(TableName='things', Key={'k': {'S': 'a'}})
        self.assertEqual(item['ResponseMetadata']['RetryAttempts'], 2)

    def test_throttling_surfaces_without_retries(self):
        with self.assertRaises(ClientError) as raised:
            client(self.url, 1).get_item(TableName='things', Key={'k': {'S': 'a'}})
        self.assertEqual(raised.exception.response['Error']['Code'], 'ProvisionedThroughputExceededException')

    def test_unprocessed_items(self):
        writes = [{'PutRequest': {'Item': {'k': {'S': 'k%d' % i}}}} for i in range(20)]
        left = client(self.url, 1).batch_write_item(RequestItems={'things': writes})['UnprocessedItems']
        self.assertTrue(0 < len(left.get('things', [])) < 20, left)


class RefusedTest(unittest.TestCase):
    def test_bad_faults(self):
        result = subprocess.run([SERVER, '--port', '0', '--faults', 'throttle:1.5'],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn('the rate must be a number from 0 to 1', result.stderr)
        self.assertIn('Valid faults: throttle:RATE', result.stderr)


if __name__ == '__main__':
    unittest.main()
