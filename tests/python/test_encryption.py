#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Encrypted properties through PyGObject on memory://: the ``encrypted``
flag of Dynamorm.Attribute, a local key provider from bytes and from a URI
parameter, the data-key cache, errors that name the property, a key
provider written in Python, and DynamormAccounts' validation."""

import os
import tempfile
import unittest

from dynamorm_testing import DynamormTestCase, json_of  # noqa: F401
from gi.repository import GLib, GObject  # noqa: E402
from gi.repository import Dynamorm  # noqa: E402


class Patient(Dynamorm.Model):
    __dynamorm_table__ = 'py_patients'

    id = Dynamorm.Attribute(str, key='pk')
    ssn = Dynamorm.Attribute(str, encrypted=True)
    notes = Dynamorm.Attribute(str, encrypted=True, omitempty=True)
    city = Dynamorm.Attribute(str)


class XorFreeProvider(GObject.Object, Dynamorm.KeyProvider):
    """A provider in Python that hands out a fixed key, wrapped by
    prefixing it: for tests only, to show the interface is implementable."""

    def __init__(self):
        super().__init__()
        self.generated = 0
        self.decrypted = 0

    def do_get_key_id(self):
        return 'python:test'

    def do_generate_data_key(self, cancellable):
        self.generated += 1
        key = bytes(range(32))
        return True, GLib.Bytes.new(key), GLib.Bytes.new(b'wrapped:' + key)

    def do_decrypt_data_key(self, key_id, wrapped, cancellable):
        self.decrypted += 1
        data = wrapped.get_data()
        if key_id != 'python:test' or not data.startswith(b'wrapped:'):
            raise GLib.Error.new_literal(Dynamorm.error_quark(), 'not my key', Dynamorm.Error.ENCRYPTION)
        return GLib.Bytes.new(data[len(b'wrapped:'):])


def local_provider(seed=1):
    return Dynamorm.LocalKeyProvider.new(GLib.Bytes.new(bytes((seed + i) % 256 for i in range(32))))


class EncryptionTest(DynamormTestCase):
    def setUp(self):
        self.session = Dynamorm.Session.new('memory://')
        self.session.set_key_provider(local_provider())
        self.assertTrue(self.session.create_table(Patient, None))

    def raw_item(self, pid):
        table = self.session.get_table_name(Patient)
        request = {'TableName': table, 'Key': {'id': {'S': pid}}}
        from dynamorm_testing import json_node
        return json_of(self.session.call('GetItem', json_node(request), None)).get('Item')

    def test_round_trip_and_storage(self):
        self.assertTrue(self.session.put(Patient(id='p1', ssn='123-45-6789', notes='allergic', city='Oslo'), None))
        item = self.raw_item('p1')
        self.assertIn('B', item['ssn'])
        self.assertNotIn('123-45-6789', str(item))
        self.assertEqual(item['city'], {'S': 'Oslo'})
        back = self.session.get(Patient, 'p1', None, None)
        self.assertEqual((back.ssn, back.notes), ('123-45-6789', 'allergic'))

    def test_no_provider_fails_closed(self):
        self.session.put(Patient(id='p2', ssn='x'), None)
        self.session.set_key_provider(None)
        err = self.assertRaisesDynamorm(Dynamorm.Error.ENCRYPTION, self.session.get, Patient, 'p2', None, None)
        self.assertIn('“ssn”', err.message)
        err = self.assertRaisesDynamorm(Dynamorm.Error.ENCRYPTION, self.session.put, Patient(id='p3', ssn='y'), None)
        self.assertIn('set_key_provider', err.message)
        self.assertIsNone(self.raw_item('p3'))

    def test_wrong_key(self):
        self.session.put(Patient(id='p4', ssn='secret-4'), None)
        self.session.set_key_provider(local_provider(seed=9))
        err = self.assertRaisesDynamorm(Dynamorm.Error.ENCRYPTION, self.session.get, Patient, 'p4', None, None)
        self.assertNotIn('secret-4', err.message)

    def test_query_on_encrypted_refused(self):
        query = Dynamorm.Query.new(self.session, Patient)
        query.where_values('ssn', Dynamorm.Operator.EQ, ['x'])
        err = self.assertRaisesDynamorm(Dynamorm.Error.INVALID_QUERY, query.scan, None)
        self.assertIn('encrypted', err.message)

    def test_cache_counts_provider_calls(self):
        cache = self.session.get_data_key_cache()
        before = cache.get_misses()
        for i in range(20):
            self.session.put(Patient(id='c%d' % i, ssn='s%d' % i, notes='n'), None)
        self.assertEqual(cache.get_misses() - before, 1)
        self.assertGreaterEqual(cache.get_hits(), 39)

    def test_python_provider(self):
        provider = XorFreeProvider()
        self.session.set_key_provider(provider)
        self.session.set_data_key_cache(None)
        self.session.put(Patient(id='py1', ssn='from-python'), None)
        self.assertEqual(self.session.get(Patient, 'py1', None, None).ssn, 'from-python')
        self.assertEqual((provider.generated, provider.decrypted), (1, 1))

    def test_uri_parameters(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'master.key')
            with open(path, 'wb') as f:
                f.write(os.urandom(32))
            session = Dynamorm.Session.new('memory://?local_key_file=%s&data_key_max_uses=2' % path)
            self.assertIsInstance(session.get_key_provider(), Dynamorm.LocalKeyProvider)
            self.assertEqual(session.get_data_key_cache().get_max_uses(), 2)
        err = self.assertRaisesDynamorm(Dynamorm.Error.INVALID_ARGUMENT, Dynamorm.Session.new,
                                        'memory://?local_key_file=/nonexistent/key')
        self.assertIn('/nonexistent/key', err.message)

    def test_accounts_validation(self):
        accounts = Dynamorm.Accounts.new('aws://eu-west-1', None)
        self.assertTrue(accounts.add('acme', 'arn:aws:iam::111122223333:role/Reader', None, 'ext-1'))
        self.assertRaisesDynamorm(Dynamorm.Error.INVALID_ARGUMENT, accounts.add, 'bad', 'Reader', None, None)
        self.assertRaisesDynamorm(Dynamorm.Error.INVALID_ARGUMENT, accounts.get_session, 'nobody')
        self.assertEqual(accounts.list_names(), ['acme'])
        self.assertFalse(accounts.has_session('acme'))


if __name__ == '__main__':
    unittest.main()
