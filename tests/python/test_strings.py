#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Strings from Python (issue 11): a str holding U+0000 is refused with a
Dynamorm.Error.INVALID_VALUE instead of being cut at the NUL by PyGObject;
every other ASCII code point round-trips through a key and a property on the
memory backend (and DynamoDB Local when DYNAMORM_LOCAL_URI is set)."""

import os
import unittest

from dynamorm_testing import DynamormTestCase  # noqa: F401
from gi.repository import GLib, GObject  # noqa: E402
from gi.repository import Dynamorm  # noqa: E402


class Note(Dynamorm.Model):
    __dynamorm_table__ = 'py_strings_notes'
    __dynamorm_tags__ = {'id': 'pk', 'labels': 'set'}

    id = GObject.Property(type=str)
    text = GObject.Property(type=str)
    labels = GObject.Property(type=GObject.TYPE_STRV)


class NulTest(DynamormTestCase):
    def assert_refused(self, call):
        with self.assertRaises(GLib.Error) as ctx:
            call()
        self.assertDynamormError(ctx.exception, Dynamorm.Error.INVALID_VALUE)
        self.assertIn('U+0000', ctx.exception.message)

    def test_constructor(self):
        self.assert_refused(lambda: Note(id='n1', text='before\x00after'))

    def test_attribute(self):
        note = Note(id='n1', text='kept')
        self.assert_refused(lambda: setattr(note, 'text', 'before\x00after'))
        self.assertEqual(note.text, 'kept')

    def test_set_property(self):
        note = Note(id='n1')
        self.assert_refused(lambda: note.set_property('text', '\x00'))

    def test_props(self):
        note = Note(id='n1', text='kept')
        self.assert_refused(lambda: setattr(note.props, 'text', 'before\x00after'))
        self.assert_refused(lambda: setattr(note.props, 'labels', ['ok', 'a\x00b']))
        self.assertEqual(note.props.text, 'kept')
        self.assertEqual(note.text, 'kept')
        # the rest of the props path is PyGObject's
        note.props.text = 'a\x01b'
        self.assertEqual(note.text, 'a\x01b')
        self.assertIn('text', dir(note.props))
        self.assertIn('text', [pspec.name for pspec in note.props])
        self.assertEqual(Note.props.text.name, 'text')

    def test_string_list(self):
        note = Note(id='n1')
        self.assert_refused(lambda: setattr(note, 'labels', ['ok', 'a\x00b']))

    def test_other_strings_pass(self):
        note = Note(id='n1', text='a\x01b\x1fc\x7f', labels=['x\x1f'])
        self.assertEqual(note.text, 'a\x01b\x1fc\x7f')


class RoundTripTest(DynamormTestCase):
    def round_trip(self, uri):
        session = Dynamorm.Session.new(uri)
        session.set_table_prefix('pystr%d_' % os.getpid())
        session.create_table(Note, None)
        try:
            for c in range(1, 0x80):
                ch = chr(c)
                session.put(Note(id='k' + ch, text='a' + ch + 'b', labels=[ch]), None)
                got = session.get(Note, 'k' + ch, None, None)
                self.assertEqual(got.text, 'a' + ch + 'b', c)
                self.assertEqual(list(got.labels), [ch], c)
        finally:
            session.delete_table(Note, None)

    def test_memory(self):
        self.round_trip('memory://')

    def test_local(self):
        uri = os.environ.get('DYNAMORM_LOCAL_URI')
        if not uri:
            self.skipTest('DYNAMORM_LOCAL_URI is not set: DynamoDB Local is not running')
        self.round_trip(uri)


if __name__ == '__main__':
    unittest.main(verbosity=2)
