#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes whose answer was lost, from Python (issue 11, item 4): a small
DynamoDB stand-in on 127.0.0.1 applies a write and then answers 500, as if
the answer had been lost on the way. An insert retried into its own item
succeeds; an increment is not sent twice and raises Dynamorm.OutcomeUnknown
(a GLib.Error with the code Dynamorm.Error.OUTCOME_UNKNOWN), which is not
ConditionFailed.

Run by meson with the http module on DYNAMORM_BACKEND_PATH (see
meson.build).
"""

import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dynamorm_testing import DynamormTestCase  # noqa: F401
from gi.repository import GLib, GObject  # noqa: E402
from gi.repository import Dynamorm  # noqa: E402

PREFIX = 'com.amazonaws.dynamodb.v20120810#'


class Account(Dynamorm.Model):
    __dynamorm_table__ = 'accounts'
    __dynamorm_tags__ = {'id': 'pk'}

    id = GObject.Property(type=str)
    owner = GObject.Property(type=str)
    balance = GObject.Property(type=int, default=0)


class StandIn(BaseHTTPRequestHandler):
    """PutItem and UpdateItem on one table, each applied; the first answer
    to each operation is lost (HTTP 500)."""

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/x-amz-json-1.0')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        server = self.server
        operation = self.headers['X-Amz-Target'].split('.')[-1]
        request = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        with server.lock:
            server.calls.append((operation, request))
            first = [op for op, _ in server.calls].count(operation) == 1
            key = (request.get('Item') or request.get('Key'))['id']['S']
            stored = server.items.get(key)
            if operation == 'PutItem':
                if stored is not None and 'attribute_not_exists' in request.get('ConditionExpression', ''):
                    body = {'__type': PREFIX + 'ConditionalCheckFailedException',
                            'message': 'The conditional request failed'}
                    if request.get('ReturnValuesOnConditionCheckFailure') == 'ALL_OLD':
                        body['Item'] = stored
                    return self.answer(400, body)
                server.items[key] = request['Item']
            elif operation == 'UpdateItem':
                item = stored or dict(request['Key'])
                old = int(item.get('balance', {'N': '0'})['N'])
                item['balance'] = {'N': str(old + 1)}
                server.items[key] = item
        if first:
            return self.answer(500, {'__type': PREFIX + 'InternalServerError', 'message': 'Internal server error'})
        self.answer(200, {})


class LostAnswerTest(unittest.TestCase):
    def setUp(self):
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), StandIn)
        self.server.lock = threading.Lock()
        self.server.calls = []
        self.server.items = {}
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        port = self.server.server_address[1]
        self.session = Dynamorm.Session.new('local://127.0.0.1:%d?max_attempts=3' % port)

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def calls(self, operation):
        return [r for op, r in self.server.calls if op == operation]

    def test_insert_meets_its_own_item(self):
        account = Account(id='a1', owner='Ann', balance=5)
        self.assertTrue(self.session.insert(account, None))
        puts = self.calls('PutItem')
        self.assertEqual(len(puts), 2)
        self.assertEqual(puts[1]['ReturnValuesOnConditionCheckFailure'], 'ALL_OLD')
        self.assertEqual(self.server.items['a1']['owner'], {'S': 'Ann'})

    def test_increment_is_unknown(self):
        update = Dynamorm.Update.new()
        update.increment('balance', 1)
        with self.assertRaises(GLib.Error) as caught:
            self.session.update_full(Account(id='a2'), update)
        error = caught.exception
        self.assertTrue(error.matches(Dynamorm.error_quark(), Dynamorm.Error.OUTCOME_UNKNOWN))
        self.assertIsInstance(error, Dynamorm.OutcomeUnknown)
        self.assertNotIsInstance(error, Dynamorm.ConditionFailed)
        self.assertIn('may or may not have been applied', error.message)
        self.assertFalse(Dynamorm.error_is_retryable(error))
        # Sent once: a second copy would have counted twice.
        self.assertEqual(len(self.calls('UpdateItem')), 1)
        self.assertEqual(self.server.items['a2']['balance'], {'N': '1'})


if __name__ == '__main__':
    unittest.main()
