// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Dynamorm through GJS: a model registered with GObject.registerClass and
// declared with Dynamorm.Model.type_declare, CRUD on the memory backend,
// errors, and one promisified async call awaited inside a GLib main loop.
//
// Assertions and the runner are in testlib.js. Run as `gjs -m test-crud.js` with GI_TYPELIB_PATH, LD_LIBRARY_PATH and
// DYNAMORM_BACKEND_PATH set (see meson.build). Throws on the first failed
// check of a test, runs the other tests, and exits non-zero if any failed.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Json from 'gi://Json?version=1.0';
import Dynamorm from 'gi://Dynamorm?version=1.0';
import {fail, assertEqual, assertTrue, assertDynamormError, assertThrowsDynamorm, runTests} from './testlib.js';

// --------------------------------------------------------------------------
// The model

const RW = GObject.ParamFlags.READWRITE;

const User = GObject.registerClass({
    GTypeName: 'DynamormGjsTestUser',
    Properties: {
        'id': GObject.ParamSpec.string('id', 'Id', 'The partition key', RW, null),
        'name': GObject.ParamSpec.string('name', 'Name', 'The name', RW, null),
        'age': GObject.ParamSpec.int('age', 'Age', 'The age', RW, 0, 1000, 0),
        'active': GObject.ParamSpec.boolean('active', 'Active', 'Active or not', RW, false),
        'tags': GObject.ParamSpec.boxed('tags', 'Tags', 'Tags', RW, GObject.type_from_name('GStrv')),
    },
}, class User extends Dynamorm.Model {});

Dynamorm.Model.type_declare(User.$gtype, 'gjs_users', ['id=pk', 'tags=set']);

function makeUser(id, props = {}) {
    return new User({id, name: 'Ann Example', age: 42, active: true, tags: ['admin', 'ops'], ...props});
}

function newSession() {
    const session = Dynamorm.Session.new('memory://');
    assertTrue(session.create_table(User.$gtype, null), 'create_table');
    return session;
}

// --------------------------------------------------------------------------
// Tests

const tests = {
    executePartiql() {
        const session = newSession();
        assertTrue(session.put(makeUser('p1', {age: 30}), null), 'put');
        assertTrue(session.put(makeUser('p2', {age: 40}), null), 'put');
        const users = session.execute(User.$gtype, 'SELECT * FROM gjs_users WHERE age > ?',
            Json.from_string(JSON.stringify([{N: '35'}])), null);
        assertEqual(users.map(u => u.id), ['p2'], 'execute SELECT');
        assertTrue(users[0] instanceof User, 'execute returns Users');
        const none = session.execute(GObject.TYPE_NONE, "DELETE FROM gjs_users WHERE id = 'p1'", null, null);
        assertEqual(none.length, 0, 'execute DELETE');
        assertThrowsDynamorm(() => session.get(User.$gtype, 'p1', null, null),
            Dynamorm.Error.NOT_FOUND, 'deleted by PartiQL');
        assertThrowsDynamorm(() => session.execute(User.$gtype, 'SELEC', null, null),
            Dynamorm.Error.VALIDATION, 'malformed statement');
    },

    schema() {
        assertEqual(Dynamorm.Model.type_get_table_name(User.$gtype), 'gjs_users', 'table name');
        assertTrue(Dynamorm.Model.type_check(User.$gtype), 'type_check');
        const item = JSON.parse(Json.to_string(makeUser('u0').to_item(), false));
        assertEqual(item.id, {S: 'u0'}, 'item id');
        assertEqual(item.age, {N: '42'}, 'item age');
        assertEqual(item.active, {BOOL: true}, 'item active');
        assertEqual(item.tags.SS.sort(), ['admin', 'ops'], 'item tags');
    },

    schemaError() {
        const NoKey = GObject.registerClass({
            GTypeName: 'DynamormGjsTestNoKey',
            Properties: {
                'flag': GObject.ParamSpec.boolean('flag', 'Flag', 'A flag', RW, false),
            },
        }, class NoKey extends Dynamorm.Model {});
        assertThrowsDynamorm(() => Dynamorm.Model.type_declare(NoKey.$gtype, null, ['flag=pk']),
            Dynamorm.Error.INVALID_MODEL, 'a bool partition key');
        assertThrowsDynamorm(() => Dynamorm.Model.type_declare(NoKey.$gtype, null, ['nosuch=pk']),
            Dynamorm.Error.INVALID_MODEL, 'an unknown property');
    },

    unknownScheme() {
        const e = assertThrowsDynamorm(() => Dynamorm.Session.new('nosuchscheme://x'),
            Dynamorm.Error.BACKEND_NOT_FOUND, 'unknown scheme');
        assertTrue(e.message.includes('memory'), `message names the memory backend: ${e.message}`);
    },

    crud() {
        const session = newSession();
        assertTrue(session.list_tables(null).includes('gjs_users'), 'list_tables');

        // put, get
        assertTrue(session.put(makeUser('u1'), null), 'put');
        const got = session.get(User.$gtype, 'u1', null, null);
        assertTrue(got instanceof User, `get returns a User, not ${got}`);
        assertEqual(got.id, 'u1', 'id');
        assertEqual(got.name, 'Ann Example', 'name');
        assertEqual(got.age, 42, 'age');
        assertEqual(got.active, true, 'active');
        assertEqual([...got.tags].sort(), ['admin', 'ops'], 'tags');

        // insert of an existing key
        assertThrowsDynamorm(() => session.insert(makeUser('u1', {name: 'Other'}), null),
            Dynamorm.Error.CONDITION_FAILED, 'insert of an existing key');
        assertTrue(session.insert(makeUser('u2'), null), 'insert of a new key');

        // get of a missing key
        assertThrowsDynamorm(() => session.get(User.$gtype, 'nobody', null, null),
            Dynamorm.Error.NOT_FOUND, 'get of a missing key');

        // update of chosen properties
        got.name = 'Ann Updated';
        got.age = 43;
        got.active = false;
        assertTrue(session.update(got, ['name', 'age'], null), 'update');
        assertEqual(got.active, true, 'update refreshes the model from the item');
        const updated = session.get(User.$gtype, 'u1', null, null);
        assertEqual([updated.name, updated.age, updated.active], ['Ann Updated', 43, true], 'updated item');

        // delete
        assertTrue(session.delete(updated, null), 'delete');
        assertThrowsDynamorm(() => session.get(User.$gtype, 'u1', null, null),
            Dynamorm.Error.NOT_FOUND, 'get after delete');

        assertTrue(session.delete_table(User.$gtype, null), 'delete_table');
        assertTrue(!session.list_tables(null).includes('gjs_users'), 'table gone from list_tables');
    },

    testDoubleBackend() {
        const FakeBackend = GObject.registerClass({
            GTypeName: 'DynamormGjsTestFakeBackend',
        }, class FakeBackend extends Dynamorm.Backend {
            _init() {
                super._init();
                this.calls = [];
            }

            vfunc_invoke(operation, request, _cancellable) {
                this.calls.push([operation, JSON.parse(Json.to_string(request, false))]);
                if (operation === 'DeleteItem')
                    throw new GLib.Error(Dynamorm.error_quark(), Dynamorm.Error.ACCESS_DENIED, 'no deleting in tests');
                if (operation === 'GetItem')
                    return Json.from_string(JSON.stringify({Item: {id: {S: 'c1'}, name: {S: 'Canned'}, age: {N: '5'}}}));
                return Json.from_string('{}');
            }
        });

        const backend = new FakeBackend();
        const session = Dynamorm.Session.new_for_backend(backend);
        const got = session.get(User.$gtype, 'c1', null, null);
        assertEqual([got.id, got.name, got.age, got.active], ['c1', 'Canned', 5, false], 'canned item');
        assertEqual(backend.calls, [['GetItem', {TableName: 'gjs_users', Key: {id: {S: 'c1'}}}]].map(
            ([op, req]) => [op, {...backend.calls[0][1], ...req}]), 'recorded GetItem');
        assertThrowsDynamorm(() => session.delete(got, null), Dynamorm.Error.ACCESS_DENIED,
            'an error thrown by the backend');
    },

    async asyncPromisified() {
        Gio._promisify(Dynamorm.Session.prototype, 'put_async', 'put_finish');
        Gio._promisify(Dynamorm.Session.prototype, 'get_async', 'get_finish');

        const session = newSession();
        assertTrue(await session.put_async(makeUser('a1', {age: 7}), null), 'put_async');
        const got = await session.get_async(User.$gtype, 'a1', null, null);
        assertEqual([got.id, got.age], ['a1', 7], 'get_async');
        try {
            await session.get_async(User.$gtype, 'nobody', null, null);
            fail('get_async of a missing key: nothing was thrown');
        } catch (e) {
            assertDynamormError(e, Dynamorm.Error.NOT_FOUND, 'get_async of a missing key');
        }
    },
};

// --------------------------------------------------------------------------
// Runner: every test runs inside a GLib main loop, so that async ones can
// await GIO-style calls.

runTests(tests);
