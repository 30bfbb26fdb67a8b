// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Test helpers for GJS applications that use Dynamorm: the same as the
// pytest plugin and dynamorm-gtest.h. Installed beside dynamorm.js as
// $datadir/gjs-1.0/dynamorm-testing.js; import it with its file URL:
//
//   import * as DynamormTesting from 'file:///usr/share/gjs-1.0/dynamorm-testing.js';
//
//   const fixture = DynamormTesting.fixtureFromFiles({
//       tables: 'tests/data/tables.json', items: {orders: 'tests/data/orders.jsonl'}});
//   // each test:
//   const t = DynamormTesting.setUp({fixture, faults: 'throttle-next:1@GetItem'});
//   ... run the code under test with t.session ...
//   DynamormTesting.assertNoScan(t.spy);
//   DynamormTesting.tearDown(t);
//
// setUp() gives a fresh session per test whose calls go through a
// Dynamorm.RequestSpy (t.spy). The backend is memory:// unless
// DYNAMORM_TEST_URI names another (DynamoDB Local, dynamorm-server); there
// each test gets its own table prefix, and tearDown() deletes the fixture's
// tables. On memory:// the fixture is loaded once into a backend of its
// own, and every test restores its Dynamorm.Snapshot there (only what the
// previous test changed is put back).

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Dynamorm from 'gi://Dynamorm?version=1.0';

const snapshots = new WeakMap();
const runId = GLib.random_int_range(1, 0x7fffffff);
let serial = 0;

/** The backend URI of the tests: $DYNAMORM_TEST_URI, or memory://. */
export function testUri() {
    const uri = GLib.getenv('DYNAMORM_TEST_URI');
    return uri ? uri : 'memory://';
}

function isMemory(uri) {
    return uri.startsWith('memory:');
}

function fileOf(path) {
    return path instanceof Gio.File ? path : Gio.File.new_for_path(path);
}

/**
 * A Dynamorm.Fixture from a CreateTable-shaped JSON file (`tables`), item
 * files per table (`items`: DynamoDB JSON lines or a JSON array) and model
 * classes (`models`). Throws the GLib.Error naming file and line of a
 * malformed item.
 */
export function fixtureFromFiles({tables = null, items = {}, models = []} = {}) {
    const fixture = Dynamorm.Fixture.new();
    for (const model of models)
        fixture.add_model(model.$gtype);
    if (tables !== null)
        fixture.add_tables_from_file(fileOf(tables), null);
    for (const [table, path] of Object.entries(items))
        fixture.add_items_from_file(table, fileOf(path), null);
    return fixture;
}

// The fixture loaded once into a memory:// backend of its own, and its
// snapshot; each test restores it there, which only puts back what the
// previous test changed.
function snapshotOf(fixture) {
    let snapshot = snapshots.get(fixture);
    if (!snapshot) {
        const template = Dynamorm.Session.new('memory://');
        fixture.load(template, null);
        snapshot = Dynamorm.Snapshot.new(template.get_backend(), null);
        snapshots.set(fixture, snapshot);
    }
    return snapshot;
}

/**
 * A fresh session for one test: {session, spy, backend, memory, fixture}.
 * `fixture` seeds it; `faults` (memory:// only) sets faults after seeding;
 * `uri` overrides testUri().
 */
export function setUp({fixture = null, faults = null, uri = testUri()} = {}) {
    const memory = isMemory(uri);
    let backend;
    if (fixture !== null && memory) {
        const snapshot = snapshotOf(fixture);
        backend = snapshot.get_backend();
        snapshot.restore(null, null);
        backend.set_faults('', null);
    } else {
        backend = Dynamorm.Session.new(uri).get_backend();
    }
    const spy = Dynamorm.RequestSpy.new(backend);
    const session = Dynamorm.Session.new_for_backend(spy);

    if (!memory)
        session.set_table_prefix(`t${runId}-${++serial}-`);
    if (fixture !== null && !memory)
        fixture.load(session, null);
    if (faults !== null) {
        if (!memory)
            throw new Error(`Faults need a memory:// backend, not ${uri}`);
        backend.set_faults(faults, null);
    }
    spy.clear();
    return {session, spy, backend, memory, fixture};
}

/** Sets the faults of a test's backend (memory:// only); '' turns them off. */
export function setFaults(t, faults) {
    t.backend.set_faults(faults, null);
}

/** Deletes the fixture's tables on backends other than memory://. */
export function tearDown(t) {
    if (t.fixture !== null && !t.memory)
        t.fixture.unload(t.session, null);
}

/** Throws when the code under test scanned a table. */
export function assertNoScan(spy) {
    spy.check_no_scan();
}
