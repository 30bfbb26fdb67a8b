// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The GJS test helpers (introspection/dynamorm-testing.js): a seeded
// session per test restored from a snapshot, the spy, faults, and the
// fixture's error for a malformed line.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Dynamorm from 'gi://Dynamorm?version=1.0';
import System from 'system';
import * as DynamormTesting from '../../introspection/dynamorm-testing.js';
import {fail, assertEqual, assertTrue, assertDynamormError, assertThrowsDynamorm, runTests} from './testlib.js';

const RW = GObject.ParamFlags.READWRITE;
const Order = GObject.registerClass({
    GTypeName: 'DynamormGjsTestingOrder',
    Properties: {
        'customer': GObject.ParamSpec.string('customer', 'Customer', 'pk', RW, null),
        'number': GObject.ParamSpec.int64('number', 'Number', 'sk', RW, 0, 1e9, 0),
        'status': GObject.ParamSpec.string('status', 'Status', 'status', RW, null),
    },
}, class Order extends Dynamorm.Model {});
Dynamorm.Model.type_declare(Order.$gtype, 'orders', ['customer=pk', 'number=sk']);

// `--local`: the same tests against DynamoDB Local, as an application's CI
// would run them through DYNAMORM_TEST_URI.
if (System.programArgs.includes('--local')) {
    const local = GLib.getenv('DYNAMORM_LOCAL_URI');
    if (!local) {
        print('DYNAMORM_LOCAL_URI is not set: DynamoDB Local is not running: skipped');
        System.exit(77);
    }
    GLib.setenv('DYNAMORM_TEST_URI', local, true);
}

const data = GLib.build_filenamev([GLib.path_get_dirname(import.meta.url.replace('file://', '')),
    '..', 'python', 'pytest_cases', 'data']);
const fixture = DynamormTesting.fixtureFromFiles({
    tables: `${data}/tables.json`,
    items: {orders: `${data}/orders.jsonl`},
});

runTests({
    seededAndIsolated() {
        let t = DynamormTesting.setUp({fixture});
        const order = t.session.get(Order, 'c1', 3, null);
        assertEqual(order.status, 'open', 'seeded status');
        order.status = 'cancelled';
        t.session.put(order, null);
        DynamormTesting.tearDown(t);

        t = DynamormTesting.setUp({fixture});
        assertEqual(t.session.get(Order, 'c1', 3, null).status, 'open', 'restored for the next test');
        DynamormTesting.tearDown(t);
    },

    spy() {
        const t = DynamormTesting.setUp({fixture});
        const q = Dynamorm.Query.new(t.session, Order);
        q.where_values('customer', Dynamorm.Operator.EQ, ['c2']);
        assertEqual(q.all(null).get_n_items(), 5, 'query results');
        assertEqual(t.spy.count('Query'), 1, 'queries');
        assertEqual(t.spy.dup_last_key_condition(), 'customer = "c2"', 'key condition');
        DynamormTesting.assertNoScan(t.spy);
        Dynamorm.Query.new(t.session, Order).scan(null);
        const e = assertThrowsDynamorm(() => DynamormTesting.assertNoScan(t.spy),
            Dynamorm.Error.FAILED, 'a scan is reported');
        assertTrue(e.message.includes('1 Scan happened, of '), e.message);
        DynamormTesting.tearDown(t);
    },

    faults() {
        if (!DynamormTesting.testUri().startsWith('memory:'))
            return;
        const t = DynamormTesting.setUp({fixture, faults: 'throttle-next:1@GetItem'});
        assertThrowsDynamorm(() => t.session.get(Order, 'c1', 1, null), Dynamorm.Error.THROTTLED, 'throttled');
        assertEqual(t.session.get(Order, 'c1', 1, null).customer, 'c1', 'then answered');
        DynamormTesting.setFaults(t, 'fail:1@PutItem');
        assertThrowsDynamorm(() => t.session.put(new Order({customer: 'c9', number: 1}), null),
            Dynamorm.Error.SERVICE_UNAVAILABLE, 'forced failure');
        const e = assertThrowsDynamorm(() => DynamormTesting.setFaults(t, 'throttle:2'),
            Dynamorm.Error.VALIDATION, 'bad rate');
        assertTrue(e.message.includes('Valid faults: throttle:RATE'), e.message);
        DynamormTesting.tearDown(t);
    },

    malformedLine() {
        const e = assertThrowsDynamorm(() => DynamormTesting.fixtureFromFiles({
            tables: `${data}/tables.json`,
            items: {orders: `${data}/bad-orders.jsonl`},
        }), Dynamorm.Error.INVALID_ARGUMENT, 'malformed line');
        assertTrue(e.message.includes('bad-orders.jsonl:2: attribute “status”'), e.message);
    },
});
