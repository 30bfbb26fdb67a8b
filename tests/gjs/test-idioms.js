// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The JavaScript idioms of introspection/dynamorm.js on memory://: models
// from Dynamorm.defineModel, optional trailing arguments, every _async
// awaitable, conditions from the ElectroDB-like builder (the same
// DynamormCondition as Condition.new), session.query().where(), iteration
// with for...of and for await, pages, transactions from an async function,
// getOrNull, and messages that say what to do.
//
// Run as `gjs -m test-idioms.js` with GI_TYPELIB_PATH, LD_LIBRARY_PATH and
// DYNAMORM_BACKEND_PATH set (see meson.build).

import GLib from 'gi://GLib';
import Json from 'gi://Json?version=1.0';
import Dynamorm from '../../introspection/dynamorm.js';
import {assertEqual, assertTrue, assertDynamormError, runTests, fail} from './testlib.js';

const jsonOf = node => JSON.parse(Json.to_string(node, false));

const Order = Dynamorm.defineModel({
    name: 'DynamormGjsIdiomOrder',
    table: 'gjs_idiom_orders',
    properties: {
        customer: {type: 'string', key: 'pk'},
        number: {type: 'int', key: 'sk'},
        status: {type: 'string', index: 'by-status'},
        total: 'int',
        note: 'string',
        labels: 'set',
    },
});

const User = Dynamorm.defineModel({
    name: 'DynamormGjsIdiomUser',
    table: 'gjs_idiom_users',
    properties: {
        id: {type: 'string', key: 'pk'},
        email: {type: 'string', index: 'by-email'},
        visits: 'int',
    },
});

function newSession() {
    const session = Dynamorm.Session.new('memory://');
    session.create_table(Order);
    session.create_table(User);
    for (let i = 1; i <= 7; i++)
        session.put(new Order({customer: 'c1', number: i, status: i % 2 ? 'open' : 'shipped', total: i * 10}));
    session.put(new Order({customer: 'c2', number: 1, status: 'open', total: 5}));
    return session;
}

const numbers = models => [...models].map(m => m.number).sort((a, b) => a - b);

function filterOf(condition) {
    const q = Dynamorm.Query.new(newSession(), Order.$gtype)
        .where_values('customer', Dynamorm.Operator.EQ, ['c1']);
    q.filter(condition);
    return jsonOf(q.build_request()[0]);
}

runTests({
    'defineModel declares the schema': () => {
        assertEqual(Dynamorm.Model.type_get_table_name(Order.$gtype), 'gjs_idiom_orders', 'table');
        const session = newSession();
        // 64-bit integers, unset strings are absent (so is the unset index key).
        session.put(new User({id: 'u1', visits: 2 ** 40}));
        const user = session.get(User, 'u1', null);
        assertEqual(user.visits, 2 ** 40, '64-bit visits');
        assertEqual(user.email, null, 'unset email');
        assertTrue(!('email' in jsonOf(user.to_item())), 'no email attribute');
    },

    'optional trailing arguments': () => {
        const session = newSession();
        assertEqual(session.get(Order, 'c1', 3).total, 30, 'get without cancellable');
        session.put(new User({id: 'u2'}));
        // A table without a sort key: null (or nothing) as the sort key.
        assertEqual(session.get(User, 'u2', null, null).id, 'u2', 'get with null sort key');
        assertEqual(session.get(User, 'u2').id, 'u2', 'get with the key only');
    },

    'conditions are the ones C builds': () => {
        const built = filterOf(Order.attr.total.gt(10).and(Order.attr.status.isIn('a', 'b')));
        const made = filterOf(Dynamorm.Condition.new_and(
            Dynamorm.Condition.new('total', Dynamorm.Operator.GT, [10]),
            Dynamorm.Condition.new('status', Dynamorm.Operator.IN, ['a', 'b'])));
        assertEqual(built, made, 'same request');
    },

    'where with conditions and the ElectroDB form': () => {
        const session = newSession();
        const q = (...c) => numbers(session.query(Order).where(Order.attr.customer.eq('c1'), ...c));
        assertEqual(q(Order.attr.number.between(2, 4)), [2, 3, 4], 'between');
        assertEqual(q(Order.attr.number.lte(2)), [1, 2], 'lte');
        assertEqual(q(Order.attr.total.ne(30)), [1, 2, 4, 5, 6, 7], 'ne');
        assertEqual(q(Order.attr.status.beginsWith('sh')), [2, 4, 6], 'beginsWith');
        assertEqual(q(Order.attr.total.gt(50).or(Order.attr.total.eq(10))), [1, 6, 7], 'or');
        assertEqual(q(Order.attr.status.eq('open').not()), [2, 4, 6], 'not');
        assertEqual(q(Order.attr.note.notExists(), Order.attr.total.gte(70)), [7], 'notExists');
        const electro = session.query(Order).where(({customer, total}, {eq, gt, and}) =>
            and(eq(customer, 'c1'), gt(total, 40)));
        assertEqual(numbers(electro), [5, 6, 7], 'callback form');
        const onIndex = session.query(Order).where(Order.attr.status.eq('open'));
        assertEqual(jsonOf(onIndex.build_request()[0]).IndexName, 'by-status', 'index chosen');
        assertEqual(numbers(onIndex), [1, 1, 3, 5, 7], 'index results');
    },

    'unknown attribute says what exists': () => {
        try {
            Order.attr.nosuch.eq(1);
        } catch (e) {
            assertTrue(e instanceof TypeError, 'TypeError');
            assertTrue(e.message.includes('customer'), `lists the properties: ${e.message}`);
            return;
        }
        fail('no error');
    },

    'async iteration, pages and awaitable methods': async () => {
        const session = newSession();
        const q = session.query(Order).where(Order.attr.customer.eq('c1'));
        const seen = [];
        for await (const order of q)
            seen.push(order.number);
        assertEqual(seen, [1, 2, 3, 4, 5, 6, 7], 'for await');
        const sizes = [];
        for await (const page of q.pages(3))
            sizes.push(page.items.length);
        assertEqual(sizes, [3, 3, 1], 'async pages');
        const pages = [...q.pages(5)];
        assertEqual(pages.map(p => p.items.length), [5, 2], 'pages');
        assertEqual(pages[1].cursor, null, 'last cursor');

        const got = await session.get_async(Order, 'c1', 2);
        assertEqual(got.total, 20, 'get_async');
        const all = await q.all_async();
        assertEqual(all.get_n_items(), 7, 'all_async');
        try {
            await session.insert_async(new Order({customer: 'c1', number: 1}));
            fail('insert of an existing item');
        } catch (e) {
            assertDynamormError(e, Dynamorm.Error.CONDITION_FAILED, 'insert_async');
        }
    },

    'transactions from an async function': async () => {
        const session = newSession();
        await session.transaction(async tx => {
            tx.add_put(new User({id: 't1'}), null);
            tx.add_delete(new Order({customer: 'c2', number: 1}), null);
        });
        assertEqual(session.getOrNull(User, 't1').id, 't1', 'committed');
        assertEqual(session.getOrNull(Order, 'c2', 1), null, 'deleted');

        try {
            await session.transaction(tx => {
                tx.add_put(new User({id: 'never'}), null);
                throw new Error('changed my mind');
            });
        } catch (e) {
            assertEqual(e.message, 'changed my mind', 'the error propagates');
        }
        assertEqual(session.getOrNull(User, 'never'), null, 'nothing written');
    },

    'conditional writes with the builder': () => {
        const session = newSession();
        const options = Dynamorm.WriteOptions.new();
        options.add_condition(Order.attr.status.eq('open'));
        session.put_full(new Order({customer: 'c1', number: 1, note: 'kept'}), options);
        try {
            session.put_full(new Order({customer: 'c1', number: 2, note: 'lost'}), options);
            fail('a shipped order was overwritten');
        } catch (e) {
            assertDynamormError(e, Dynamorm.Error.CONDITION_FAILED, 'put_full');
            assertTrue(e.message.includes('condition'), e.message);
        }
        assertEqual(options.get_current().status, 'shipped', 'current item');
    },

    'error classes per code': async () => {
        const session = newSession();
        let caught = null;
        try {
            session.get(Order, 'nobody', 1);
        } catch (e) {
            caught = e;
        }
        assertTrue(caught instanceof Dynamorm.NotFoundError, `NotFoundError: ${caught}`);
        assertTrue(caught instanceof Dynamorm.DynamormError, 'DynamormError');
        assertTrue(caught instanceof GLib.Error, 'still a GLib.Error');
        assertTrue(!(caught instanceof Dynamorm.ConditionFailedError), 'not ConditionFailedError');
        assertTrue(Dynamorm.errorClass(caught) === Dynamorm.NotFoundError, 'errorClass');
        assertTrue(!(new Error('x') instanceof Dynamorm.DynamormError), 'a JS Error is none');
        const fileError = new GLib.Error(GLib.FileError, GLib.FileError.NOENT, 'no file');
        assertTrue(!(fileError instanceof Dynamorm.DynamormError), 'another domain is none');
        assertEqual(Dynamorm.errorClass(fileError), null, 'errorClass of another domain');

        // One class per code, named after it.
        for (const [name, code] of Object.entries(Dynamorm.Error)) {
            if (name !== name.toUpperCase() || typeof code !== 'number' || code === Dynamorm.Error.FAILED)
                continue;
            const cls = Dynamorm.errorClass(new GLib.Error(Dynamorm.error_quark(), code, name));
            assertTrue(cls && cls.code === code && cls.name.endsWith('Error'), `class of ${name}`);
        }
        assertTrue(Dynamorm.errorClass(new GLib.Error(Dynamorm.error_quark(), Dynamorm.Error.FAILED, 'x')) ===
            Dynamorm.DynamormError, 'FAILED is DynamormError');

        // Made by hand (as a test double would throw one).
        const made = new Dynamorm.ThrottledError('slow down');
        assertTrue(made instanceof GLib.Error && made instanceof Dynamorm.ThrottledError, 'made by hand');
        assertEqual([made.code, made.message], [Dynamorm.Error.THROTTLED, 'slow down'], 'code and message');

        // A refused conditional write carries the stored item; a condition
        // may stand for the write options.
        try {
            session.put_full(new Order({customer: 'c1', number: 2, note: 'lost'}), Order.attr.status.eq('open'));
            fail('a shipped order was overwritten');
        } catch (e) {
            assertTrue(e instanceof Dynamorm.ConditionFailedError, `ConditionFailedError: ${e}`);
            assertEqual(e.current.status, 'shipped', 'e.current');
        }
        try {
            await session.update_full_async(new Order({customer: 'c1', number: 4, note: 'lost'}), null,
                Order.attr.total.gt(1000));
            fail('update_full_async with a false condition');
        } catch (e) {
            assertTrue(e instanceof Dynamorm.ConditionFailedError, `async ConditionFailedError: ${e}`);
            assertEqual(e.current.total, 40, 'e.current (async)');
        }

        // A refused transaction carries its failures.
        try {
            await session.transaction(tx => {
                tx.add_put(new User({id: 'new'}), null);
                tx.add_create(new Order({customer: 'c1', number: 1}), null);
            });
            fail('a create of an existing item was committed');
        } catch (e) {
            // (A transaction refused by a condition fails with CONDITION_FAILED.)
            assertTrue(e instanceof Dynamorm.ConditionFailedError, `ConditionFailedError: ${e}`);
            assertEqual(e.failures.length, 1, 'one failure');
            assertEqual(e.failures[0].get_index(), 1, 'the second action');
        }
        assertEqual(session.getOrNull(User, 'new'), null, 'nothing written');
    },

    'decoding keeps the values in C, without a call into JavaScript per property': () => {
        const session = newSession();
        const original = Object.getOwnPropertyDescriptor(Order.prototype, 'status');
        const calls = [];
        Object.defineProperty(Order.prototype, 'status', {
            ...original,
            set(value) {
                calls.push(value);
                original.set.call(this, value);
            },
        });
        let items;
        try {
            items = [...session.query(Order).where(Order.attr.customer.eq('c1'))];
        } finally {
            Object.defineProperty(Order.prototype, 'status', original);
        }
        assertEqual(calls, [], 'no setter called while decoding');
        assertEqual(items.map(o => o.status), ['open', 'shipped', 'open', 'shipped', 'open', 'shipped', 'open'], 'statuses');
        assertEqual(items.map(o => o.get_value('total')), [10, 20, 30, 40, 50, 60, 70], 'the C values');
    },

    'stored properties: every read agrees, null unsets, notify fires': () => {
        const order = new Order({customer: 'c9', number: 2 ** 40, status: 'open', labels: ['a']});
        assertEqual([order.customer, order.number, order.get_value('number')], ['c9', 2 ** 40, 2 ** 40], 'reads');
        const seen = [];
        order.connect('notify::status', o => seen.push(o.status));
        order.status = 'shipped';
        order.status = null;
        assertEqual(seen, ['shipped', null], 'notify');
        assertEqual(order.get_value('status'), null, 'unset');
        assertEqual([...order.labels], ['a'], 'a set stays in JavaScript');
        const item = jsonOf(order.to_item());
        assertEqual(item.number, {N: String(2 ** 40)}, 'encoded from the C value');
        assertTrue(!('status' in item), 'an unset string is left out');
    },

    'messages say what to do': () => {
        const session = Dynamorm.Session.new('memory://');
        try {
            session.put(new User({id: 'x'}));
            fail('put to a missing table');
        } catch (e) {
            assertDynamormError(e, Dynamorm.Error.RESOURCE_NOT_FOUND, 'missing table');
            assertTrue(e.message.includes('gjs_idiom_users'), `names the table: ${e.message}`);
            assertTrue(!/dynamorm_[a-z_]+ *\(/.test(e.message), `names no C function: ${e.message}`);
        }
        try {
            Dynamorm.defineModel({name: 'DynamormGjsIdiomBad', properties: {id: {type: 'string', key: 'primary'}}});
            fail('a bad key role');
        } catch (e) {
            assertTrue(e.message.includes('"pk" or "sk"'), e.message);
        }
        void GLib;
    },
});
