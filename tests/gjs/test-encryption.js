// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Encrypted properties through GJS on memory://: a model with the
// `encrypted` tag, a local key provider, values stored as envelopes and
// read back, failures that name the property, the data-key cache, and the
// session's URI parameters.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Json from 'gi://Json?version=1.0';
import Dynamorm from 'gi://Dynamorm?version=1.0';
import {assertEqual, assertTrue, assertThrowsDynamorm, runTests} from './testlib.js';

const RW = GObject.ParamFlags.READWRITE;

const Patient = GObject.registerClass({
    GTypeName: 'DynamormGjsTestPatient',
    Properties: {
        'id': GObject.ParamSpec.string('id', 'Id', 'The partition key', RW, null),
        'ssn': GObject.ParamSpec.string('ssn', 'SSN', 'Encrypted', RW, null),
        'city': GObject.ParamSpec.string('city', 'City', 'In the clear', RW, null),
    },
}, class Patient extends Dynamorm.Model {});

Dynamorm.Model.type_declare(Patient.$gtype, 'gjs_patients', ['id=pk', 'ssn=encrypted']);

function localProvider(seed) {
    const key = new Uint8Array(32).map((_, i) => (seed + i) % 256);
    return Dynamorm.LocalKeyProvider.new(new GLib.Bytes(key));
}

function newSession() {
    const session = Dynamorm.Session.new('memory://');
    session.set_key_provider(localProvider(1));
    assertTrue(session.create_table(Patient.$gtype, null), 'create_table');
    return session;
}

function rawItem(session, id) {
    const table = session.get_table_name(Patient.$gtype);
    const request = Json.from_string(JSON.stringify({TableName: table, Key: {id: {S: id}}}));
    return JSON.parse(Json.to_string(session.call('GetItem', request, null), false)).Item;
}

const tests = {
    roundTrip() {
        const session = newSession();
        assertTrue(session.put(new Patient({id: 'g1', ssn: '123-45-6789', city: 'Oslo'}), null), 'put');
        const item = rawItem(session, 'g1');
        assertTrue('B' in item.ssn, 'stored as binary');
        assertTrue(!JSON.stringify(item).includes('123-45-6789'), 'not in the clear');
        assertEqual(item.city, {S: 'Oslo'}, 'other attributes in the clear');
        const back = session.get(Patient.$gtype, 'g1', null, null);
        assertEqual(back.ssn, '123-45-6789', 'decrypted');
    },

    failsClosed() {
        const session = newSession();
        session.put(new Patient({id: 'g2', ssn: 'x'}), null);
        session.set_key_provider(localProvider(7));
        const e = assertThrowsDynamorm(() => session.get(Patient.$gtype, 'g2', null, null),
            Dynamorm.Error.ENCRYPTION, 'wrong key');
        assertTrue(e.message.includes('“ssn”'), 'names the property');
        session.set_key_provider(null);
        assertThrowsDynamorm(() => session.put(new Patient({id: 'g3', ssn: 'y'}), null),
            Dynamorm.Error.ENCRYPTION, 'no provider');
    },

    cache() {
        const session = newSession();
        const cache = session.get_data_key_cache();
        for (let i = 0; i < 10; i++)
            session.put(new Patient({id: `c${i}`, ssn: `s${i}`}), null);
        assertEqual(cache.get_misses(), 1, 'one data key for ten values');
        const limited = Dynamorm.Session.new('memory://?data_key_max_age=30&data_key_cache_size=5');
        assertEqual(limited.get_data_key_cache().get_max_entries(), 5, 'cache size from the URI');
        assertEqual(limited.get_data_key_cache().get_max_age(), 30, 'max age from the URI');
    },
};

runTests(tests);
