// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Live data through GJS on memory://: a change feed from now and from a
// checkpoint, a live query as a Gio.ListModel with exact items-changed
// positions, and a watched model object that follows its item (on a stream
// and in-process). Run as `gjs -m test-live.js` (see meson.build).

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Dynamorm from 'gi://Dynamorm?version=1.0';
import {assertEqual, assertTrue, assertThrowsDynamorm, runTests} from './testlib.js';

const RW = GObject.ParamFlags.READWRITE;

const Task = GObject.registerClass({
    GTypeName: 'DynamormGjsLiveTask',
    Properties: {
        'board': GObject.ParamSpec.string('board', 'Board', 'The partition key', RW, null),
        'slot': GObject.ParamSpec.string('slot', 'Slot', 'The sort key', RW, null),
        'title': GObject.ParamSpec.string('title', 'Title', 'The title', RW, null),
        'state': GObject.ParamSpec.string('state', 'State', 'open or closed', RW, null),
    },
}, class Task extends Dynamorm.Model {});

Dynamorm.Model.type_declare(Task.$gtype, 'gjs_live_tasks', ['board=pk', 'slot=sk']);

function newSession(withStream = true) {
    const session = Dynamorm.Session.new('memory://');
    const options = Dynamorm.TableOptions.new();
    if (withStream)
        options.set_stream(Dynamorm.StreamViewType.NEW_AND_OLD_IMAGES);
    assertTrue(Dynamorm.Table.new(session, Task.$gtype, options).create(null), 'create');
    return session;
}

function put(session, slot, title, state = 'open') {
    session.put(new Task({board: 'b1', slot, title, state}), null);
}

// Resolves once predicate() holds; rejects after 20 s.
function waitFor(predicate, what) {
    return new Promise((resolve, reject) => {
        const started = GLib.get_monotonic_time();
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
            if (predicate()) {
                resolve();
                return GLib.SOURCE_REMOVE;
            }
            if (GLib.get_monotonic_time() - started > 20 * GLib.USEC_PER_SEC) {
                reject(new Error(`timed out waiting for ${what}`));
                return GLib.SOURCE_REMOVE;
            }
            return GLib.SOURCE_CONTINUE;
        });
    });
}

function startFeed(session, checkpoint = null) {
    const feed = Dynamorm.ChangeFeed.new(session, Task.$gtype);
    if (checkpoint !== null)
        feed.set_checkpoint(checkpoint);
    const seen = {records: [], ready: false, failure: null};
    feed.connect('record', (f, record) => seen.records.push(record));
    feed.connect('ready', () => {
        seen.ready = true;
    });
    feed.connect('failed', (f, error) => {
        seen.failure = error;
    });
    feed.start(null);
    return [feed, seen];
}

// Watches `held` and checks that it follows its item; `other` is what the
// watch says of another object's write (a stream cannot tell writers apart).
async function checkWatch(session, other) {
    const held = new Task({board: 'b1', slot: 'w1', title: 'first', state: 'open'});
    session.put(held, null);
    const watch = Dynamorm.ModelWatch.new(session, held);
    const events = [];
    const notified = [];
    let failure = null;
    watch.connect('changed', (w, props, mine) => events.push(['changed', [...props], mine]));
    watch.connect('removed', (w, mine) => events.push(['removed', mine]));
    watch.connect('failed', (w, error) => {
        failure = error;
    });
    held.connect('notify', (o, pspec) => notified.push(pspec.name));
    await waitFor(() => watch.get_feed().is_ready(), 'watch ready');

    put(session, 'w1', 'second');
    await waitFor(() => events.length === 1, 'changed elsewhere');
    assertEqual(events[0], ['changed', ['title'], other], 'changed by another object');
    assertEqual(held.title, 'second', 'held object follows');
    assertEqual(notified, ['title'], 'one notify');

    held.state = 'closed';
    session.put(held, null);
    await waitFor(() => events.length === 2, 'own write');
    assertEqual(events[1], ['changed', [], true], 'own write: nothing to set, this process');

    put(session, 'w2', 'unrelated');
    session.delete(new Task({board: 'b1', slot: 'w1'}), null);
    await waitFor(() => events.length === 3, 'removed');
    assertEqual(events[2], ['removed', other], 'removed');
    assertTrue(watch.is_removed(), 'is_removed');
    assertEqual(held.title, 'second', 'keeps its last values');
    assertTrue(failure === null, 'no failure');
    watch.stop();
}

const tests = {
    async feedFromNowAndCheckpoint() {
        const session = newSession();
        put(session, 's0', 'before');
        const [feed, seen] = startFeed(session);
        await waitFor(() => seen.ready, 'ready');
        put(session, 's1', 'one');
        put(session, 's1', 'one, renamed');
        await waitFor(() => seen.records.length === 2, 'two records');
        assertEqual(seen.records.map(r => r.get_event_name()),
            [Dynamorm.StreamEventName.INSERT, Dynamorm.StreamEventName.MODIFY], 'events');
        assertEqual(seen.records[1].get_new_image().title, 'one, renamed', 'new image');
        const checkpoint = feed.get_checkpoint();
        feed.stop();
        assertTrue(!feed.is_running(), 'stopped');

        put(session, 's2', 'while stopped');
        const [again, seen2] = startFeed(session, checkpoint);
        await waitFor(() => seen2.records.length === 1, 'one record after the checkpoint');
        assertEqual(seen2.records[0].get_new_image().slot, 's2', 'resumed record');
        again.stop();
    },

    badCheckpoint() {
        const feed = Dynamorm.ChangeFeed.new(newSession(), Task.$gtype);
        assertThrowsDynamorm(() => feed.set_checkpoint('nonsense'), Dynamorm.Error.INVALID_ARGUMENT, 'bad checkpoint');
    },

    async liveQuery() {
        const session = newSession();
        put(session, 's2', 'two');
        put(session, 's4', 'four');
        const query = Dynamorm.Query.new(session, Task.$gtype)
            .where_values('board', Dynamorm.Operator.EQ, ['b1'])
            .where_values('state', Dynamorm.Operator.EQ, ['open']);
        const live = Dynamorm.LiveQuery.new(query);
        const changes = [];
        live.connect('items-changed', (m, position, removed, added) => changes.push([position, removed, added]));
        await waitFor(() => live.is_loaded(), 'loaded');
        assertEqual(changes, [[0, 0, 2]], 'first answer');

        put(session, 's3', 'three');
        await waitFor(() => changes.length === 2, 'insert');
        assertEqual(changes[1], [1, 0, 1], 'inserted in sort order');
        put(session, 's2', 'two', 'closed');
        await waitFor(() => changes.length === 3, 'modify out of the filter');
        assertEqual(changes[2], [0, 1, 0], 'removed');
        const slots = [];
        for (let i = 0; i < live.get_n_items(); i++)
            slots.push(live.get_item(i).slot);
        assertEqual(slots, ['s3', 's4'], 'items');
        live.stop();
    },

    async watchOnStream() {
        await checkWatch(newSession(), false);
    },

    async watchInProcess() {
        await checkWatch(newSession(false), true);
    },

    watchWithoutKey() {
        assertThrowsDynamorm(() => Dynamorm.ModelWatch.new(newSession(), new Task({title: 'no key'})),
            Dynamorm.Error.INVALID_ARGUMENT, 'watch without a key');
    },
};

runTests(tests);
