#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Live data through PyGObject on memory://: a change feed from now and from
a checkpoint, its failures, a live query as a Gio.ListModel with exact
items-changed positions and notify on the objects that stay, and a watched
model object that follows its item (on a stream and in-process)."""

import unittest

# dynamorm_testing (beside this file) sets the typelib versions first.
from dynamorm_testing import DynamormTestCase  # noqa: F401
from gi.repository import GLib  # noqa: E402
from gi.repository import Dynamorm  # noqa: E402


class LiveTask(Dynamorm.Model):
    __dynamorm_table__ = 'py_live_tasks'
    __dynamorm_tags__ = {'board': 'pk', 'slot': 'sk'}
    board = Dynamorm.Attribute(str)
    slot = Dynamorm.Attribute(str)
    title = Dynamorm.Attribute(str)
    state = Dynamorm.Attribute(str)


def run_until(predicate, seconds=20):
    context = GLib.MainContext.default()
    timed_out = []
    source = GLib.timeout_add(seconds * 1000, lambda: timed_out.append(True) or False)
    while not predicate() and not timed_out:
        context.iteration(True)
    if not timed_out:
        GLib.source_remove(source)
    return predicate()


class LiveTest(DynamormTestCase):
    def setUp(self):
        self.session = Dynamorm.Session.new('memory://')
        options = Dynamorm.TableOptions.new()
        options.set_stream(Dynamorm.StreamViewType.NEW_AND_OLD_IMAGES)
        self.assertTrue(Dynamorm.Table.new(self.session, LiveTask, options).create(None))

    def put(self, slot, title, state='open', board='b1'):
        self.session.put(LiveTask(board=board, slot=slot, title=title, state=state))

    def start_feed(self, checkpoint=None):
        feed = Dynamorm.ChangeFeed.new(self.session, LiveTask)
        if checkpoint is not None:
            feed.set_checkpoint(checkpoint)
        seen = {'records': [], 'ready': False, 'failure': None}
        feed.connect('record', lambda f, r: seen['records'].append(r))
        feed.connect('ready', lambda f: seen.update(ready=True))
        feed.connect('failed', lambda f, e: seen.update(failure=e))
        feed.start(None)
        return feed, seen

    def test_feed_from_now_and_checkpoint(self):
        self.put('s0', 'before')
        feed, seen = self.start_feed()
        self.assertTrue(run_until(lambda: seen['ready']))
        self.assertEqual(feed.get_source(), Dynamorm.ChangeFeedSource.STREAM)
        self.put('s1', 'one')
        self.put('s1', 'one, renamed')
        self.assertTrue(run_until(lambda: len(seen['records']) == 2))
        insert, modify = seen['records']
        self.assertEqual(insert.get_event_name(), Dynamorm.StreamEventName.INSERT)
        self.assertEqual(modify.get_event_name(), Dynamorm.StreamEventName.MODIFY)
        self.assertIsInstance(modify.get_new_image(), LiveTask)
        self.assertEqual(modify.get_new_image().title, 'one, renamed')
        self.assertEqual(list(modify.get_changed_properties()), ['title'])
        checkpoint = feed.get_checkpoint()
        feed.stop()
        self.assertFalse(feed.is_running())

        self.put('s2', 'while stopped')
        again, seen2 = self.start_feed(checkpoint)
        self.assertTrue(run_until(lambda: len(seen2['records']) == 1))
        self.assertEqual(seen2['records'][0].get_new_image().slot, 's2')
        again.stop()

    def test_bad_checkpoint(self):
        feed = Dynamorm.ChangeFeed.new(self.session, LiveTask)
        e = self.assertRaisesDynamorm(Dynamorm.Error.INVALID_ARGUMENT, feed.set_checkpoint, 'nonsense')
        self.assertIn('checkpoint', e.message)

    def test_live_query(self):
        self.put('s2', 'two')
        self.put('s4', 'four')
        self.put('s3', 'three', state='closed')
        query = self.session.query(LiveTask).where(LiveTask.board == 'b1', LiveTask.state == 'open')
        live = Dynamorm.LiveQuery.new(query)
        changes = []
        live.connect('items-changed', lambda m, p, r, a: changes.append((p, r, a)))
        self.assertTrue(run_until(lambda: live.is_loaded()))
        self.assertEqual(changes, [(0, 0, 2)])
        self.assertEqual([t.slot for t in live], ['s2', 's4'])
        s2 = live.get_item(0)
        notified = []
        s2.connect('notify', lambda o, pspec: notified.append(pspec.name))

        self.put('s1', 'one')
        self.assertTrue(run_until(lambda: len(changes) == 2))
        self.assertEqual(changes[1], (0, 0, 1))
        self.put('s3', 'three', state='open')
        self.assertTrue(run_until(lambda: len(changes) == 3))
        self.assertEqual(changes[2], (2, 0, 1))
        self.put('s2', 'two, renamed')
        self.assertTrue(run_until(lambda: notified == ['title']))
        self.assertIs(live.get_item(1), s2)
        self.assertEqual(s2.title, 'two, renamed')
        self.session.delete(LiveTask(board='b1', slot='s1'))
        self.assertTrue(run_until(lambda: len(changes) == 4))
        self.assertEqual(changes[3], (0, 1, 0))
        self.assertEqual([t.slot for t in live], ['s2', 's3', 's4'])
        live.stop()

    def watch(self, held):
        watch = Dynamorm.ModelWatch.new(self.session, held)
        seen = {'events': [], 'notified': [], 'failure': None}
        watch.connect('changed', lambda w, props, mine: seen['events'].append(('changed', list(props), mine)))
        watch.connect('removed', lambda w, mine: seen['events'].append(('removed', mine)))
        watch.connect('failed', lambda w, e: seen.update(failure=e))
        held.connect('notify', lambda o, pspec: seen['notified'].append(pspec.name))
        self.assertTrue(run_until(lambda: watch.get_feed().is_ready()))
        return watch, seen

    def check_watch(self, other):
        held = LiveTask(board='b1', slot='w1', title='first', state='open')
        self.session.put(held)
        watch, seen = self.watch(held)

        # Another object writes the item: the held one follows, one notify.
        self.put('w1', 'second')
        self.assertTrue(run_until(lambda: len(seen['events']) == 1))
        self.assertEqual(seen['events'][0], ('changed', ['title'], other))
        self.assertEqual(held.title, 'second')
        self.assertEqual(seen['notified'], ['title'])

        # The held object's own write: nothing left to set, this process's.
        held.state = 'closed'
        self.session.put(held)
        self.assertTrue(run_until(lambda: len(seen['events']) == 2))
        self.assertEqual(seen['events'][1], ('changed', [], True))

        # Another item's write is not this one's business; a delete is.
        self.put('w2', 'unrelated')
        self.session.delete(LiveTask(board='b1', slot='w1'))
        self.assertTrue(run_until(lambda: len(seen['events']) == 3))
        self.assertEqual(seen['events'][2], ('removed', other))
        self.assertTrue(watch.is_removed())
        self.assertEqual(held.title, 'second')
        self.assertIsNone(seen['failure'])
        watch.stop()

    def test_watch_on_stream(self):
        # Stream records carry no writer: another object's write is another's.
        self.check_watch(other=False)

    def test_watch_in_process(self):
        # memory:// without a stream: every change is this process's.
        self.session = Dynamorm.Session.new('memory://')
        self.assertTrue(Dynamorm.Table.new(self.session, LiveTask, Dynamorm.TableOptions.new()).create(None))
        self.check_watch(other=True)

    def test_watch_without_key(self):
        e = self.assertRaisesDynamorm(Dynamorm.Error.INVALID_ARGUMENT, Dynamorm.ModelWatch.new,
                                      self.session, LiveTask(title='no key'))
        self.assertIn('key', e.message.lower())


if __name__ == '__main__':
    unittest.main()
