#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python idioms of the Dynamorm override, on memory://: typed
attributes and Annotated hints, None for unset strings (an unset index key
is absent), conditions from attribute expressions (the same
DynamormCondition as Condition.new builds), session.query().where(),
optional trailing arguments, pages as objects, iteration (for, pages(),
async for), transaction and batch context managers, the exception
hierarchy, values refused at assignment, 64-bit integers, get_or_none, and
models defined twice with the same name.
"""

import asyncio
import datetime
import math
import unittest
from typing import Annotated, Optional

from dynamorm_testing import DynamormTestCase, json_of
from gi.repository import GLib, GObject
from gi.repository import Dynamorm


class Customer(Dynamorm.Model):
    __dynamorm_table__ = 'idiom_customers'

    id = Dynamorm.Attribute(str, key='pk')
    email = Dynamorm.Attribute(str, index='by-email')
    name = Dynamorm.Attribute(str)
    visits = Dynamorm.Attribute(int)
    score = Dynamorm.Attribute(float)
    tags = Dynamorm.Attribute(set)
    joined = Dynamorm.Attribute(datetime.datetime)
    avatar = Dynamorm.Attribute(bytes)


class Order(Dynamorm.Model):
    __dynamorm_table__ = 'idiom_orders'

    customer: Annotated[str, Dynamorm.Attribute(key='pk')]
    number: Annotated[int, Dynamorm.Attribute(key='sk')]
    status: Annotated[str, Dynamorm.Attribute(index='by-status')]
    total: int = 0
    note: Optional[str]
    lines: list[str]


class Legacy(Dynamorm.Model):
    """The older form keeps working, and gets expressions too."""
    __dynamorm_table__ = 'idiom_legacy'
    __dynamorm_tags__ = {'id': 'pk'}

    id = GObject.Property(type=str)
    level = GObject.Property(type=int, default=0)
    ratio = GObject.Property(type=float, default=0.0)


class IdiomTestCase(DynamormTestCase):
    def setUp(self):
        self.session = Dynamorm.Session.new('memory://')
        for model in (Customer, Order, Legacy):
            self.session.create_table(model)
        for i in range(1, 8):
            self.session.put(Order(customer='c1', number=i,
                                   status='open' if i % 2 else 'shipped', total=i * 10))
        self.session.put(Order(customer='c2', number=1, status='open', total=5))


class DeclarationTest(IdiomTestCase):
    def test_schema_from_attributes(self):
        self.assertEqual(Dynamorm.Model.type_get_table_name(Customer), 'idiom_customers')
        self.assertEqual(Customer.__dynamorm_declared_tags__,
                         ['id=pk', 'email=index:by-email,pk', 'tags=set'])
        self.assertEqual(Order.__dynamorm_declared_tags__,
                         ['customer=pk', 'number=sk', 'status=index:by-status,pk'])
        # int is 64-bit: 2**40 is stored and read back.
        self.session.put(Customer(id='big', visits=2 ** 40))
        self.assertEqual(self.session.get(Customer, 'big').visits, 2 ** 40)

    def test_unset_strings_are_none_and_absent(self):
        customer = Customer(id='c')
        self.assertIsNone(customer.email)
        self.assertIsNone(customer.name)
        item = json_of(customer.to_item())
        self.assertNotIn('email', item)   # the unset index key is simply absent
        self.session.put(customer)
        self.assertIsNone(self.session.get(Customer, 'c').email)
        self.assertEqual(len(self.session.query(Customer).where(Customer.email == 'x').all()), 0)

    def test_python_values(self):
        joined = datetime.datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=datetime.timezone.utc)
        self.session.put(Customer(id='p', tags={'b', 'a'}, joined=joined, avatar=b'\x00\x01'))
        got = self.session.get(Customer, 'p')
        self.assertEqual(got.tags, {'a', 'b'})
        self.assertEqual(got.joined, joined)
        self.assertEqual(got.avatar, b'\x00\x01')
        self.assertEqual(json_of(got.to_item())['tags'], {'SS': ['a', 'b']})

    def test_bad_values_refused_at_assignment(self):
        customer = Customer(id='x')
        for bad in (math.nan, math.inf, -math.inf):
            with self.assertRaises(Dynamorm.InvalidValue) as cm:
                customer.score = bad
            self.assertIsInstance(cm.exception, ValueError)
            self.assertIsInstance(cm.exception, GLib.Error)
            self.assertIn('Customer.score', str(cm.exception))
            self.assertIn('finite', str(cm.exception))
        self.assertEqual(customer.score, 0.0)
        with self.assertRaises(ValueError):
            Customer(id='x', score=math.nan)
        with self.assertRaises(Dynamorm.InvalidValue):
            customer.visits = 2 ** 64
        with self.assertRaises(Dynamorm.InvalidValue) as cm:
            customer.tags = 'one'
        self.assertIn("['one']", str(cm.exception))
        # The older form is checked too: a 32-bit int property says what to use.
        legacy = Legacy(id='l')
        with self.assertRaises(Dynamorm.InvalidValue) as cm:
            legacy.level = 2 ** 40
        self.assertIn('Dynamorm.Attribute(int)', str(cm.exception))
        with self.assertRaises(Dynamorm.InvalidValue):
            legacy.ratio = math.nan

    def test_naive_datetime_refused(self):
        with self.assertRaises(Dynamorm.InvalidValue) as cm:
            Customer(id='x', joined=datetime.datetime(2024, 1, 1))
        self.assertIn('time zone', str(cm.exception))

    def test_unknown_property_in_constructor(self):
        with self.assertRaises(TypeError) as cm:
            Customer(id='x', nosuch=1)
        self.assertIn('nosuch', str(cm.exception))

    def test_every_flag_is_a_tag(self):
        class Flags(Dynamorm.Model):
            __dynamorm_table__ = 'idiom_flags'
            id = Dynamorm.Attribute(str, key='pk', attribute='ID')
            rank = Dynamorm.Attribute(int, key='sk')
            note = Dynamorm.Attribute(str, omitempty=True, encrypted=True)
            doc = Dynamorm.Attribute(list, json=True)
            when = Dynamorm.Attribute(datetime.datetime, unixtime=True, ttl=True)
            lsi_key = Dynamorm.Attribute(str, lsi='by-lsi')
            both = Dynamorm.Attribute(str, index=['by-a', ('by-b', 'sk')])
            b_key = Dynamorm.Attribute(str, index='by-b')
            hidden = Dynamorm.Attribute(str, stored=False)
        tags = dict(t.split('=', 1) for t in Flags.__dynamorm_declared_tags__)
        self.assertEqual(tags['id'], 'pk,attr:ID')
        self.assertEqual(tags['note'], 'omitempty,encrypted')
        self.assertEqual(tags['when'], 'unixtime,ttl')
        self.assertEqual(tags['lsi-key'], 'lsi:by-lsi')
        self.assertEqual(tags['both'], 'index:by-a,pk,index:by-b,sk')
        self.assertEqual(tags['hidden'], '-')
        self.assertEqual(tags['doc'], 'json')

    def test_attribute_mistakes(self):
        with self.assertRaises(TypeError):
            Dynamorm.Attribute(str, key='partition')
        with self.assertRaises(TypeError):
            Dynamorm.Attribute(str, primary=True)
        with self.assertRaises(TypeError):
            class Untyped(Dynamorm.Model):
                id = Dynamorm.Attribute(key='pk')
        with self.assertRaises(Dynamorm.InvalidModel):
            class NoKey(Dynamorm.Model):
                __dynamorm_table__ = 'idiom_nokey'
                name = Dynamorm.Attribute(str, omitempty=True)

    def test_defined_twice(self):
        # A reloaded module or a notebook cell run twice: the second class
        # works and keeps the first one's table.
        classes = []
        for _ in range(2):
            class Note(Dynamorm.Model):
                id = Dynamorm.Attribute(str, key='pk')
                text = Dynamorm.Attribute(str)
            classes.append(Note)
        first, second = classes
        self.assertNotEqual(first.__gtype__, second.__gtype__)
        self.assertEqual(Dynamorm.Model.type_get_table_name(first),
                         Dynamorm.Model.type_get_table_name(second))
        self.session.create_table(second)
        self.session.put(second(id='n', text='hi'))
        self.assertEqual(self.session.get(second, 'n').text, 'hi')

    def test_subclass_inherits(self):
        class Vip(Customer):
            perks = Dynamorm.Attribute(list)
        self.assertEqual(Dynamorm.Model.type_get_table_name(Vip), 'idiom_customers')
        self.session.put(Vip(id='v', perks=['lounge']))
        self.assertEqual(self.session.get(Vip, 'v').perks, ['lounge'])


class ConditionTest(IdiomTestCase):
    def request(self, condition):
        query = self.session.query(Order).where(Order.customer == 'c1')
        query.filter(condition)
        return json_of(query.build_request()[0])

    def test_same_condition_as_c(self):
        built = self.request((Order.total > 10) & Order.status.is_in('a', 'b'))
        made = self.request(Dynamorm.Condition.new_and(
            Dynamorm.Condition.new('total', Dynamorm.Operator.GT, [10]),
            Dynamorm.Condition.new('status', Dynamorm.Operator.IN, ['a', 'b'])))
        self.assertEqual(built, made)
        self.assertIsInstance(Order.total > 10, Dynamorm.Condition)

    def test_operators(self):
        q = lambda *c: sorted(o.number for o in self.session.query(Order).where(Order.customer == 'c1', *c))
        self.assertEqual(q(Order.number == 3), [3])
        self.assertEqual(q(Order.total != 30), [1, 2, 4, 5, 6, 7])
        self.assertEqual(q(Order.number < 3), [1, 2])
        self.assertEqual(q(Order.number <= 3), [1, 2, 3])
        self.assertEqual(q(Order.number >= 6), [6, 7])
        self.assertEqual(q(Order.number.between(2, 4)), [2, 3, 4])
        self.assertEqual(q(Order.total.is_in([10, 70])), [1, 7])
        self.assertEqual(q(Order.status.begins_with('sh')), [2, 4, 6])
        self.assertEqual(q((Order.total > 50) | (Order.total == 10)), [1, 6, 7])
        self.assertEqual(q(~(Order.status == 'open')), [2, 4, 6])
        self.assertEqual(q(Order.note.not_exists(), Order.total > 60), [7])

    def test_no_truth_value(self):
        with self.assertRaises(TypeError) as cm:
            if Order.total > 1:
                pass
        self.assertIn('&', str(cm.exception))
        with self.assertRaises(TypeError):
            1 < Order.total < 5  # noqa: B015 (a chained comparison)

    def test_legacy_properties(self):
        self.session.put(Legacy(id='a', level=3))
        self.session.put_full(Legacy(id='a', level=4), Legacy.level == 3)
        self.assertRaises(Dynamorm.ConditionFailed, self.session.put_full,
                          Legacy(id='a', level=5), Legacy.level == 3)
        self.assertEqual(self.session.get(Legacy, 'a').level, 4)


class QueryTest(IdiomTestCase):
    def test_iteration(self):
        q = self.session.query(Order).where(Order.customer == 'c1')
        self.assertEqual([o.number for o in q], list(range(1, 8)))
        pages = list(q.pages(3))
        self.assertEqual([len(p) for p in pages], [3, 3, 1])
        self.assertTrue(all(isinstance(p, Dynamorm.Page) for p in pages))
        self.assertIsNone(pages[-1].cursor)
        self.assertEqual([o.number for o in q.pages(3, pages[0].cursor).__iter__().__next__()],
                         [4, 5, 6])

    def test_page_object(self):
        page = self.session.query(Order).where(Order.customer == 'c1').page(5)
        self.assertEqual([o.number for o in page.items], [1, 2, 3, 4, 5])
        self.assertIsInstance(page.cursor, str)
        self.assertEqual(page[0].number, 1)

    def test_index_and_where(self):
        q = self.session.query(Order).where(Order.status == 'open', Order.total >= 30)
        self.assertEqual(json_of(q.build_request()[0])['IndexName'], 'by-status')
        self.assertEqual(sorted(o.number for o in q), [3, 5, 7])

    def test_async_for(self):
        q = self.session.query(Order).where(Order.customer == 'c1')

        async def scenario():
            items = [o.number async for o in q]
            sizes = [len(p) async for p in q.pages(4)]
            first = await self.session.get_async(Order, 'c1', 1)
            missing = None
            try:
                await self.session.get_async(Order, 'c1', 99)
            except Dynamorm.NotFound as e:
                missing = e
            return items, sizes, first, missing

        items, sizes, first, missing = Dynamorm.run_async(scenario())
        self.assertEqual(items, list(range(1, 8)))
        self.assertEqual(sizes, [4, 3])
        self.assertEqual(first.total, 10)
        self.assertIsInstance(missing, Dynamorm.NotFound)

    def test_invalid_query_says_what_to_do(self):
        q = self.session.query(Order).where(Order.total > 1)
        with self.assertRaises(Dynamorm.InvalidQuery) as cm:
            list(q)
        self.assertIn('scan', cm.exception.message)


class ExceptionTest(IdiomTestCase):
    def test_hierarchy(self):
        for cls in (Dynamorm.ConditionFailed, Dynamorm.NotFound, Dynamorm.TransactionCancelled,
                    Dynamorm.TransactionConflict, Dynamorm.ResourceNotFound, Dynamorm.Throttled,
                    Dynamorm.ValidationError, Dynamorm.InvalidModel, Dynamorm.InvalidQuery):
            self.assertTrue(issubclass(cls, Dynamorm.DynamormError))
            self.assertTrue(issubclass(cls, GLib.Error))

    def test_not_found(self):
        with self.assertRaises(Dynamorm.NotFound) as cm:
            self.session.get(Customer, 'nobody')
        # Older code that catches GLib.Error and matches the code still works.
        self.assertTrue(cm.exception.matches(Dynamorm.error_quark(), Dynamorm.Error.NOT_FOUND))
        self.assertIsNone(self.session.get_or_none(Customer, 'nobody'))
        self.assertIsNone(self.session.get_or_none(Order, 'c1', 99))
        self.assertEqual(self.session.get_or_none(Order, 'c1', 1).total, 10)

    def test_missing_table(self):
        class Unmade(Dynamorm.Model):
            __dynamorm_table__ = 'idiom_unmade'
            id = Dynamorm.Attribute(str, key='pk')
        with self.assertRaises(Dynamorm.ResourceNotFound) as cm:
            self.session.put(Unmade(id='x'))
        self.assertIn('idiom_unmade', str(cm.exception))

    def test_insert_existing(self):
        self.session.insert(Customer(id='i'))
        with self.assertRaises(Dynamorm.ConditionFailed):
            self.session.insert(Customer(id='i'))


class TransactionTest(IdiomTestCase):
    def test_commits_on_exit(self):
        with self.session.transaction() as tx:
            tx.put(Customer(id='t1')).create(Customer(id='t2'))
            tx.update(Order(customer='c1', number=1, total=11), {'total'})
            tx.check(Order(customer='c1', number=2), Order.status == 'shipped')
        self.assertEqual(self.session.get(Order, 'c1', 1).total, 11)
        self.assertIsNotNone(self.session.get_or_none(Customer, 't2'))

    def test_nothing_on_exception(self):
        with self.assertRaises(RuntimeError):
            with self.session.transaction() as tx:
                tx.put(Customer(id='never'))
                raise RuntimeError('changed my mind')
        self.assertIsNone(self.session.get_or_none(Customer, 'never'))

    def test_failures_on_the_exception(self):
        self.session.put(Customer(id='dup'))
        with self.assertRaises(Dynamorm.ConditionFailed) as cm:
            with self.session.transaction() as tx:
                tx.put(Customer(id='new'))
                tx.create(Customer(id='dup'))
        failures = cm.exception.failures
        self.assertEqual([(f.get_index(), f.get_kind()) for f in failures],
                         [(1, Dynamorm.TransactionActionKind.CREATE)])
        self.assertIsNone(self.session.get_or_none(Customer, 'new'))

    def test_async_with(self):
        async def scenario():
            async with self.session.transaction() as tx:
                tx.put(Customer(id='a1'))
                tx.delete(Order(customer='c2', number=1))
        Dynamorm.run_async(scenario())
        self.assertIsNotNone(self.session.get_or_none(Customer, 'a1'))
        self.assertIsNone(self.session.get_or_none(Order, 'c2', 1))

    def test_batch_write(self):
        with self.session.batch_write() as batch:
            for i in range(30):
                batch.put(Customer(id='b%d' % i))
            batch.delete(Order(customer='c2', number=1))
        self.assertEqual(self.session.get(Customer, 'b29').id, 'b29')
        self.assertIsNone(self.session.get_or_none(Order, 'c2', 1))


class CollectionTest(IdiomTestCase):
    def test_lists_and_sets_for_string_lists(self):
        self.session.put(Customer(id='s', tags={'a', 'b', 'c'}, name='x', visits=1))
        customer = self.session.get(Customer, 's')
        update = Dynamorm.Update.new()
        update.delete_from_set('tags', {'a', 'b'})
        self.session.update_full(customer, update)
        self.assertEqual(customer.tags, {'c'})

        customer.name = 'y'
        customer.visits = 2
        self.session.update(customer, {'name', 'visits'})   # a set of properties
        got = self.session.get(Customer, 's')
        self.assertEqual((got.name, got.visits), ('y', 2))

        order = self.session.get(Order, 'c1', 1)
        update = Dynamorm.Update.new()
        update.set('lines', ('b',))                   # a tuple
        self.session.update_full(order, update)
        update = Dynamorm.Update.new()
        update.prepend('lines', ['a'])
        self.assertEqual(self.session.update_full(order, update).lines, ['a', 'b'])

        q = self.session.query(Order).where(Order.customer == 'c1').project({'customer', 'number', 'total'})
        first = next(iter(q))
        self.assertEqual((first.number, first.total), (1, 10))
        self.assertIsNone(first.status)   # not projected

class VipCustomer(Customer):
    """Adds attributes to a model that has stored ones."""
    __dynamorm_table__ = 'idiom_vips'

    tier = Dynamorm.Attribute(str)
    credit = Dynamorm.Attribute(int)


class StoredValuesTest(IdiomTestCase):
    """Attribute values are kept by the C model
    (Dynamorm.Model.type_store_properties): decoding items sets them
    without calling into Python, and every way of reading agrees."""

    def test_decoding_calls_no_python_per_property(self):
        calls = []
        original = Order.do_set_property

        def counting(obj, pspec, value):
            calls.append(pspec.name)
            return original(obj, pspec, value)

        Order.do_set_property = counting
        try:
            items = self.session.query(Order).where(Order.customer == 'c1').all()
        finally:
            Order.do_set_property = original
        self.assertEqual([o.number for o in items], list(range(1, 8)))
        self.assertEqual(calls, [])

    def test_every_read_agrees(self):
        joined = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
        self.session.put(Customer(id='a', name='Ada', visits=2 ** 40, score=1.5,
                                  tags={'x', 'y'}, joined=joined, avatar=b'\x00\x01'))
        c = self.session.get(Customer, 'a')
        self.assertEqual((c.name, c.visits, c.score, c.tags, c.joined, c.avatar),
                         ('Ada', 2 ** 40, 1.5, {'x', 'y'}, joined, b'\x00\x01'))
        self.assertEqual(c.props.name, 'Ada')
        self.assertEqual(c.get_property('visits'), 2 ** 40)
        self.assertEqual(Dynamorm.Model.get_value(c, 'name'), 'Ada')
        self.assertIsNone(c.email)
        c.name = None
        self.assertIsNone(c.props.name)

    def test_notify_on_assignment(self):
        c = Customer(id='n')
        seen = []
        c.connect('notify::name', lambda obj, pspec: seen.append(obj.name))
        c.name = 'Grace'
        c.props.name = 'Ada'
        self.assertEqual(seen, ['Grace', 'Ada'])

    def test_subclass_adds_stored_attributes(self):
        self.session.create_table(VipCustomer)
        self.session.put(VipCustomer(id='v', name='Ada', tier='gold', credit=7))
        v = self.session.get(VipCustomer, 'v')
        self.assertEqual((v.name, v.tier, v.credit, v.visits), ('Ada', 'gold', 7, 0))
        self.assertEqual(json_of(v.to_item())['tier'], {'S': 'gold'})

    def test_legacy_properties_stay_in_python(self):
        self.session.put(Legacy(id='l', level=3, ratio=0.5))
        got = self.session.get(Legacy, 'l')
        self.assertEqual((got.level, got.ratio), (3, 0.5))

    def test_store_once_own_properties(self):
        with self.assertRaisesRegex(Dynamorm.InvalidModel, 'subclasses'):
            Dynamorm.Model.type_store_properties(Customer, ['name'])
        with self.assertRaisesRegex(Dynamorm.InvalidModel, 'stored properties'):
            Dynamorm.Model.type_store_properties(VipCustomer, ['tier'])
        with self.assertRaisesRegex(Dynamorm.InvalidModel, 'no readable and writable property'):
            Dynamorm.Model.type_store_properties(Legacy, ['nothing'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
