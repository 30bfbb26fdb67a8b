#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Dynamorm through PyGObject: models defined in Python (schema from class
attributes, by the Dynamorm.py override), CRUD on the memory backend,
awaitable *_async calls, schema errors, backend lookup errors, and a test
double backend written in Python.

Run by meson with GI_TYPELIB_PATH, LD_LIBRARY_PATH, DYNAMORM_BACKEND_PATH and
PYTHONPATH (for the override in the build tree) set; see meson.build.
"""

import json
import os
import unittest

# dynamorm_testing (beside this file) sets the typelib versions first.
from dynamorm_testing import DynamormTestCase, error_code_name  # noqa: F401
from gi.repository import GLib, GObject, Gio, Json  # noqa: E402
from gi.repository import Dynamorm  # noqa: E402


# ---------------------------------------------------------------------------
# Models defined in Python

class User(Dynamorm.Model):
    __dynamorm_table__ = 'py_users'
    __dynamorm_tags__ = {
        'id': 'pk',
        'email': 'index:by-email,pk',
        'tags': 'set',
    }

    id = GObject.Property(type=str)
    email = GObject.Property(type=str)
    name = GObject.Property(type=str)
    age = GObject.Property(type=int, default=0)
    active = GObject.Property(type=bool, default=False)
    tags = GObject.Property(type=GObject.TYPE_STRV)
    created = GObject.Property(type=GLib.DateTime)


class Event(Dynamorm.Model):
    __dynamorm_table__ = 'py_events'
    __dynamorm_tags__ = {'stream': 'pk', 'seq': 'sk'}

    stream = GObject.Property(type=str)
    seq = GObject.Property(type=GObject.TYPE_INT64)
    payload = GObject.Property(type=str)


def make_user(uid='u1', **props):
    values = dict(
        id=uid,
        email='%s@example.com' % uid,
        name='Ann Example',
        age=42,
        active=True,
        tags=['admin', 'ops'],
        created=GLib.DateTime.new_utc(2024, 1, 2, 3, 4, 5),
    )
    values.update(props)
    return User(**values)


def json_of(node):
    return json.loads(Json.to_string(node, False))


def json_node(value):
    return Json.from_string(json.dumps(value))


# ---------------------------------------------------------------------------
# The override itself

class OverrideTest(DynamormTestCase):
    def test_override_loaded(self):
        # The override module really is the one in gi.overrides, and Model
        # subclasses get its metaclass.
        import gi.overrides.Dynamorm as override_module
        self.assertTrue(hasattr(Dynamorm, 'run_async'))
        self.assertIs(Dynamorm.Model, override_module.Model)
        self.assertIsInstance(User, override_module._ModelMeta)
        build_dir = os.environ.get('PYTHONPATH', '').split(os.pathsep)[0]
        if build_dir:
            self.assertTrue(os.path.realpath(override_module.__file__).startswith(
                os.path.realpath(build_dir)), override_module.__file__)

    def test_type_hints_and_real_gi(self):
        # The type hints are installed beside the override and parse; every
        # exception class and helper they name exists.
        import ast
        import gi
        import gi.overrides.Dynamorm as override_module
        stub = os.path.splitext(override_module.__file__)[0] + '.pyi'
        tree = ast.parse(open(stub).read())
        names = {node.name for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
        for name in ('ConditionFailed', 'NotFound', 'Attribute', 'Template', 'Page', 'Query', 'Session',
                     'Transaction', 'run_async', 'model_type_declare'):
            self.assertIn(name, names)
            self.assertTrue(hasattr(Dynamorm, name), name)
        # The build tree's gi/ (overrides only) does not shadow the real package.
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(gi.__file__), '__init__.py')))
        build_dir = os.environ.get('PYTHONPATH', '').split(os.pathsep)[0]
        if build_dir:
            self.assertFalse(os.path.realpath(gi.__file__).startswith(os.path.realpath(build_dir)))

    def test_schema_declared(self):
        self.assertEqual(Dynamorm.Model.type_get_table_name(User.__gtype__), 'py_users')
        self.assertEqual(Dynamorm.Model.type_get_table_name(Event.__gtype__), 'py_events')
        self.assertTrue(Dynamorm.Model.type_check(User.__gtype__))
        self.assertEqual(Dynamorm.Model.type_get_attribute_name(User.__gtype__, 'email'), 'email')

    def test_to_item(self):
        item = json_of(make_user().to_item())
        self.assertEqual(item['id'], {'S': 'u1'})
        self.assertEqual(item['age'], {'N': '42'})
        self.assertEqual(item['active'], {'BOOL': True})
        self.assertEqual(sorted(item['tags']['SS']), ['admin', 'ops'])
        self.assertIn('S', item['created'])

    def test_subclass_inherits_schema(self):
        class Admin(User):
            level = GObject.Property(type=int, default=1)

        self.assertEqual(Dynamorm.Model.type_get_table_name(Admin.__gtype__), 'py_users')
        self.assertTrue(Dynamorm.Model.type_check(Admin.__gtype__))


class SchemaErrorTest(DynamormTestCase):
    def test_no_partition_key(self):
        with self.assertRaises(GLib.Error) as cm:
            class NoKey(Dynamorm.Model):
                __dynamorm_table__ = 'nokeys'
                __dynamorm_tags__ = {'name': 'omitempty'}

                name = GObject.Property(type=str)
        self.assertDynamormError(cm.exception, Dynamorm.Error.INVALID_MODEL)

    def test_unknown_property(self):
        with self.assertRaises(GLib.Error) as cm:
            class Unknown(Dynamorm.Model):
                __dynamorm_tags__ = {'id': 'pk', 'nosuchprop': 'omitempty'}

                id = GObject.Property(type=str)
        self.assertDynamormError(cm.exception, Dynamorm.Error.INVALID_MODEL)
        self.assertIn('nosuchprop', cm.exception.message)

    def test_bool_partition_key(self):
        with self.assertRaises(GLib.Error) as cm:
            class BoolKey(Dynamorm.Model):
                __dynamorm_tags__ = {'flag': 'pk'}

                flag = GObject.Property(type=bool, default=False)
        self.assertDynamormError(cm.exception, Dynamorm.Error.INVALID_MODEL)

    def test_bad_tags_attribute(self):
        with self.assertRaises(TypeError):
            class BadTags(Dynamorm.Model):
                __dynamorm_tags__ = 'id=pk'

                id = GObject.Property(type=str)


class BackendLookupTest(DynamormTestCase):
    def test_unknown_scheme(self):
        with self.assertRaises(GLib.Error) as cm:
            Dynamorm.Session.new('nosuchscheme://somewhere')
        self.assertDynamormError(cm.exception, Dynamorm.Error.BACKEND_NOT_FOUND)
        self.assertIn('nosuchscheme', cm.exception.message)
        # The message names the backends that are available.
        self.assertIn('memory', Dynamorm.Backend.list_schemes())
        self.assertIn('memory', cm.exception.message)


# ---------------------------------------------------------------------------
# CRUD on memory://

class MemoryCrudTest(DynamormTestCase):
    def setUp(self):
        self.session = Dynamorm.Session.new('memory://')
        self.assertTrue(self.session.create_table(User, None))
        self.assertTrue(self.session.create_table(Event, None))

    def get_user(self, uid):
        return self.session.get(User, uid, None, None)

    def test_put_get_roundtrip(self):
        user = make_user()
        self.assertTrue(self.session.put(user, None))

        got = self.get_user('u1')
        self.assertIsInstance(got, User)
        self.assertIsNot(got, user)
        self.assertEqual(got.props.id, 'u1')
        self.assertEqual(got.props.email, 'u1@example.com')
        self.assertEqual(got.props.name, 'Ann Example')
        self.assertEqual(got.props.age, 42)
        self.assertIs(got.props.active, True)
        self.assertEqual(sorted(got.props.tags), ['admin', 'ops'])
        self.assertIsNotNone(got.props.created)
        self.assertEqual(got.props.created.to_unix(),
                         GLib.DateTime.new_utc(2024, 1, 2, 3, 4, 5).to_unix())

    def test_insert_existing_key(self):
        self.assertTrue(self.session.insert(make_user(), None))
        with self.assertRaises(GLib.Error) as cm:
            self.session.insert(make_user(name='Someone Else'), None)
        self.assertDynamormError(cm.exception, Dynamorm.Error.CONDITION_FAILED)
        # The first one is still there.
        self.assertEqual(self.get_user('u1').props.name, 'Ann Example')

    def test_execute_partiql(self):
        for uid, age in (('u1', 30), ('u2', 40)):
            self.assertTrue(self.session.put(make_user(id=uid, age=age, email=uid + '@x'), None))
        users = self.session.execute(User, "SELECT * FROM py_users WHERE age > ?",
                                     json_node([{'N': '35'}]), None)
        self.assertEqual([u.props.id for u in users], ['u2'])
        self.assertIsInstance(users[0], User)
        none = self.session.execute(GObject.TYPE_NONE,
                                    "UPDATE py_users SET age = age + 1 WHERE id = 'u1'", None, None)
        self.assertEqual(len(none), 0)
        self.assertEqual(self.get_user('u1').props.age, 31)
        with self.assertRaises(GLib.Error) as cm:
            self.session.execute(GObject.TYPE_NONE, "INSERT INTO py_users VALUE {'id': 'u1'}", None, None)
        self.assertDynamormError(cm.exception, Dynamorm.Error.CONDITION_FAILED)
        with self.assertRaises(GLib.Error) as cm:
            self.session.execute(User, "SELEC", None, None)
        self.assertDynamormError(cm.exception, Dynamorm.Error.VALIDATION)

    def test_data_dir_keeps_items(self):
        import tempfile
        import shutil
        tmp = tempfile.mkdtemp(prefix='dynamorm-py-data-')
        try:
            uri = 'memory://?data_dir=%s/d&fsync=always' % tmp
            first = Dynamorm.Session.new(uri)
            self.assertTrue(first.create_table(User, None))
            self.assertTrue(first.put(make_user(id='kept', age=7), None))
            del first
            import gc
            gc.collect()
            second = Dynamorm.Session.new(uri)
            self.assertEqual(second.get(User, 'kept', None, None).props.age, 7)
            with self.assertRaises(GLib.Error) as cm:
                Dynamorm.Session.new('memory://shared?data_dir=%s/e' % tmp)
            self.assertDynamormError(cm.exception, Dynamorm.Error.INVALID_ARGUMENT)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_get_missing(self):
        with self.assertRaises(GLib.Error) as cm:
            self.get_user('nobody')
        self.assertDynamormError(cm.exception, Dynamorm.Error.NOT_FOUND)

    def test_update_chosen_properties(self):
        user = make_user()
        self.session.put(user, None)

        user.props.name = 'Ann Updated'
        user.props.age = 43
        user.props.email = 'not-saved@example.com'
        self.assertTrue(self.session.update(user, ['name', 'age'], None))
        # The model is refreshed from the stored item.
        self.assertEqual(user.props.email, 'u1@example.com')

        got = self.get_user('u1')
        self.assertEqual(got.props.name, 'Ann Updated')
        self.assertEqual(got.props.age, 43)
        self.assertEqual(got.props.email, 'u1@example.com')

    def test_update_missing_item(self):
        with self.assertRaises(GLib.Error) as cm:
            self.session.update(make_user('ghost'), ['name'], None)
        self.assertDynamormError(cm.exception, Dynamorm.Error.NOT_FOUND)

    def test_update_key_property(self):
        user = make_user()
        self.session.put(user, None)
        with self.assertRaises(GLib.Error) as cm:
            self.session.update(user, ['id'], None)
        self.assertDynamormError(cm.exception, Dynamorm.Error.INVALID_ARGUMENT)

    def test_delete(self):
        user = make_user()
        self.session.put(user, None)
        self.assertTrue(self.session.delete(user, None))
        with self.assertRaises(GLib.Error) as cm:
            self.get_user('u1')
        self.assertDynamormError(cm.exception, Dynamorm.Error.NOT_FOUND)

    def test_sort_key(self):
        for seq in (1, 2, 3):
            self.session.put(Event(stream='s1', seq=seq, payload='p%d' % seq), None)
        self.session.put(Event(stream='s2', seq=2, payload='other'), None)

        got = self.session.get(Event, 's1', 2, None)
        self.assertEqual((got.props.stream, got.props.seq, got.props.payload), ('s1', 2, 'p2'))
        got = self.session.get(Event, 's2', GObject.Value(GObject.TYPE_INT64, 2), None)
        self.assertEqual(got.props.payload, 'other')
        with self.assertRaises(GLib.Error) as cm:
            self.session.get(Event, 's1', 4, None)
        self.assertDynamormError(cm.exception, Dynamorm.Error.NOT_FOUND)

    def test_tables(self):
        tables = self.session.list_tables(None)
        self.assertIn('py_users', tables)
        self.assertIn('py_events', tables)

        desc = json_of(self.session.describe_table(User, None))
        self.assertEqual(desc['TableName'], 'py_users')
        self.assertEqual(desc['KeySchema'], [{'AttributeName': 'id', 'KeyType': 'HASH'}])
        self.assertEqual([i['IndexName'] for i in desc.get('GlobalSecondaryIndexes', [])], ['by-email'])
        desc = json_of(self.session.describe_table(Event, None))
        self.assertEqual(sorted((k['AttributeName'], k['KeyType']) for k in desc['KeySchema']),
                         [('seq', 'RANGE'), ('stream', 'HASH')])

        with self.assertRaises(GLib.Error) as cm:
            self.session.create_table(User, None)
        self.assertDynamormError(cm.exception, Dynamorm.Error.RESOURCE_IN_USE)

        self.assertTrue(self.session.delete_table(Event, None))
        self.assertNotIn('py_events', self.session.list_tables(None))
        with self.assertRaises(GLib.Error) as cm:
            self.session.describe_table(Event, None)
        self.assertDynamormError(cm.exception, Dynamorm.Error.RESOURCE_NOT_FOUND)

    def test_await(self):
        session = self.session

        async def scenario():
            self.assertTrue(await session.put_async(make_user('async1', age=7), None))
            got = await session.get_async(User, 'async1', None, None)
            try:
                await session.get_async(User, 'nobody', None, None)
            except GLib.Error as e:
                missing = e
            else:
                missing = None
            tables = await session.list_tables_async(None)
            return got, missing, tables

        got, missing, tables = Dynamorm.run_async(scenario())
        self.assertIsInstance(got, User)
        self.assertEqual(got.props.id, 'async1')
        self.assertEqual(got.props.age, 7)
        self.assertEqual(sorted(got.props.tags), ['admin', 'ops'])
        self.assertDynamormError(missing, Dynamorm.Error.NOT_FOUND)
        self.assertIn('py_users', tables)

    def test_async_with_callback_still_works(self):
        loop = GLib.MainLoop()
        results = []

        def on_put(session, result, data):
            results.append((data, session.put_finish(result)))
            loop.quit()

        self.session.put_async(make_user('cb1'), None, on_put, 'data')
        loop.run()
        self.assertEqual(results, [('data', True)])


# ---------------------------------------------------------------------------
# A test double backend written in Python

CANNED_ITEM = {
    'id': {'S': 'u9'},
    'email': {'S': 'canned@example.com'},
    'name': {'S': 'Canned Person'},
    'age': {'N': '99'},
    'active': {'BOOL': True},
    'tags': {'SS': ['x', 'y']},
    'created': {'S': '2023-05-06T07:08:09Z'},
}


class FakeBackend(Dynamorm.Backend):
    def __init__(self):
        super().__init__()
        self.calls = []
        self.error = None

    def do_invoke(self, operation, request, cancellable):
        self.calls.append((operation, json_of(request)))
        if self.error is not None:
            raise self.error
        if operation == 'GetItem':
            return json_node({'Item': CANNED_ITEM})
        return json_node({})


class FakeBackendTest(DynamormTestCase):
    def setUp(self):
        self.backend = FakeBackend()
        self.session = Dynamorm.Session.new_for_backend(self.backend)

    def test_get_canned_item(self):
        got = self.session.get(User, 'u9', None, None)
        self.assertIsInstance(got, User)
        self.assertEqual(got.props.id, 'u9')
        self.assertEqual(got.props.email, 'canned@example.com')
        self.assertEqual(got.props.name, 'Canned Person')
        self.assertEqual(got.props.age, 99)
        self.assertIs(got.props.active, True)
        self.assertEqual(sorted(got.props.tags), ['x', 'y'])
        self.assertEqual(got.props.created.to_unix(),
                         GLib.DateTime.new_utc(2023, 5, 6, 7, 8, 9).to_unix())

        self.assertEqual([op for op, _ in self.backend.calls], ['GetItem'])
        request = self.backend.calls[0][1]
        self.assertEqual(request['TableName'], 'py_users')
        self.assertEqual(request['Key'], {'id': {'S': 'u9'}})

    def test_put_records_request(self):
        self.assertTrue(self.session.put(make_user('u5'), None))
        self.assertEqual([op for op, _ in self.backend.calls], ['PutItem'])
        request = self.backend.calls[0][1]
        self.assertEqual(request['TableName'], 'py_users')
        self.assertEqual(request['Item']['id'], {'S': 'u5'})
        self.assertEqual(request['Item']['age'], {'N': '42'})

    def test_await_through_double(self):
        async def scenario():
            await self.session.put_async(make_user('u6'), None)
            return await self.session.get_async(User, 'u9', None, None)

        got = Dynamorm.run_async(scenario())
        self.assertEqual(got.props.name, 'Canned Person')
        self.assertEqual([op for op, _ in self.backend.calls], ['PutItem', 'GetItem'])

    def test_backend_error_propagates(self):
        self.backend.error = GLib.Error.new_literal(Dynamorm.error_quark(), 'no access for tests',
                                                    Dynamorm.Error.ACCESS_DENIED)
        with self.assertRaises(GLib.Error) as cm:
            self.session.get(User, 'u9', None, None)
        self.assertDynamormError(cm.exception, Dynamorm.Error.ACCESS_DENIED)
        self.assertIn('no access for tests', cm.exception.message)

    def test_backend_io_error_propagates(self):
        self.backend.error = GLib.Error.new_literal(Gio.io_error_quark(), 'the wire is cut',
                                                    Gio.IOErrorEnum.CONNECTION_REFUSED)
        with self.assertRaises(GLib.Error) as cm:
            self.session.put(make_user(), None)
        self.assertTrue(cm.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_REFUSED),
                        '%s: %s' % (cm.exception.domain, cm.exception.message))


if __name__ == '__main__':
    unittest.main(verbosity=2)
