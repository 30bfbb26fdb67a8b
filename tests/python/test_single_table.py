#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Single-table design through PyGObject, on memory://: key templates
declared with __dynamorm_tags__, composed keys written and read back,
entity names, queries over templates and a collection read in one query.
"""

import unittest

# dynamorm_testing (beside this file) sets the typelib versions first.
from dynamorm_testing import DynamormTestCase, json_of  # noqa: F401
from gi.repository import GLib  # noqa: E402
from gi.repository import Dynamorm  # noqa: E402


class Customer(Dynamorm.Model):
    __dynamorm_table__ = 'py_shop'
    __dynamorm_tags__ = {
        'pk': 'pk,template:CUSTOMER#{customer-id}',
        'sk': 'sk,template:PROFILE',
        '@entity': 'customer',
        '@collection': 'history',
    }
    customer_id = Dynamorm.Attribute(str)
    name = Dynamorm.Attribute(str)


class Line(Dynamorm.Model):
    """Composed attributes with underscores, in the dict form."""
    __dynamorm_table__ = 'py_lines'
    __dynamorm_tags__ = {
        'line_pk': 'pk,template:ORDER#{order_id}',
        'line_sk': 'sk,template:LINE#{number:pad=3}',
    }
    order_id = Dynamorm.Attribute(str)
    number = Dynamorm.Attribute(int)


class Order(Dynamorm.Model):
    __dynamorm_table__ = 'py_shop'
    __dynamorm_tags__ = [
        'pk=pk,template:CUSTOMER#{customer-id}',
        'sk=sk,template:ORDER#{placed}#{order-id}',
        'gsi1pk=index:gsi1,pk,template:ORDER#{order-id}',
        'gsi1sk=index:gsi1,sk,template:TOTAL#{total:pad=8}',
        '@entity=order',
        '@collection=history',
    ]
    customer_id = Dynamorm.Attribute(str)
    order_id = Dynamorm.Attribute(str)
    placed = Dynamorm.Attribute(str)
    total = Dynamorm.Attribute(int)


# The same shape in the Python idioms: Dynamorm.Template for composed keys,
# class keywords for the @ options.
class Shopper(Dynamorm.Model, table='py_def_shop', entity='shopper', collections=['history']):
    pk = Dynamorm.Template('CUSTOMER#{customer_id}', key='pk')
    sk = Dynamorm.Template('PROFILE', key='sk')
    customer_id = Dynamorm.Attribute(str)
    name = Dynamorm.Attribute(str)


class Purchase(Dynamorm.Model, table='py_def_shop', entity='purchase',
               collections=['history', ('details', 'gsi1')],
               index_conditions={'gsi2': 'status!=archived'}):
    pk = Dynamorm.Template('CUSTOMER#{customer_id}', key='pk')
    sk = Dynamorm.Template('ORDER#{placed}#{order_id}', key='sk')
    gsi1pk = Dynamorm.Template('ORDER#{order_id}', index='gsi1')
    gsi1sk = Dynamorm.Template('LINE#{line_no:pad=4}', index=('gsi1', 'sk'))
    gsi2pk = Dynamorm.Template('STATUS#{status:upper}', index='gsi2')
    gsi2sk = Dynamorm.Template('{placed}', index=('gsi2', 'sk'))
    customer_id: str
    order_id: str
    placed: str
    status: str
    line_no: int = 0


class Note(Dynamorm.Model):
    """The same options as class attributes, and a renamed entity attribute."""
    __dynamorm_table__ = 'py_def_notes'
    __dynamorm_entity__ = 'note'
    __dynamorm_entity_attribute__ = 'kind'
    pk = Dynamorm.Template('NOTE#{note_id}', key='pk')
    note_id = Dynamorm.Attribute(str)


def purchase(customer, number, placed, status, line_no=1):
    return Purchase(customer_id=customer, order_id=number, placed=placed, status=status,
                    line_no=line_no)


def order(customer, number, placed, total):
    return Order(customer_id=customer, order_id=number, placed=placed, total=total)


class Match(Dynamorm.Model):
    """A GSI with a multi-attribute key: two partition and two sort parts."""
    __dynamorm_table__ = 'py_matches'
    __dynamorm_tags__ = {
        'id': 'pk',
        'tournament': 'index:by-round,pk',
        'region': 'index:by-round,pk2',
        'round': 'index:by-round,sk',
        'no': 'index:by-round,sk2',
    }
    id = Dynamorm.Attribute(str)
    tournament = Dynamorm.Attribute(str)
    region = Dynamorm.Attribute(str)
    round = Dynamorm.Attribute(str)
    no = Dynamorm.Attribute(int)


class Game(Dynamorm.Model, table='py_games'):
    """The same keys in the attribute idiom: index=(NAME, PART)."""
    id = Dynamorm.Attribute(str, key='pk')
    league = Dynamorm.Attribute(str, index='by-league')
    season = Dynamorm.Attribute(int, index=('by-league', 'pk2'))
    week = Dynamorm.Attribute(int, index=('by-league', 'sk'))
    day = Dynamorm.Attribute(int, index=('by-league', 'sk2'))


class MultiKeyTest(DynamormTestCase):
    def test_attribute_idiom(self):
        session = Dynamorm.Session.new('memory://')
        self.assertTrue(session.create_table(Game))
        session.put(Game(id='g1', league='L', season=2025, week=3, day=2))
        session.put(Game(id='g2', league='L', season=2025, week=3, day=1))
        q = Dynamorm.Query.new(session, Game)
        q.where_values('league', Dynamorm.Operator.EQ, ['L'])
        q.where_values('season', Dynamorm.Operator.EQ, [2025])
        q.where_values('week', Dynamorm.Operator.EQ, [3])
        self.assertEqual(json_of(q.build_request()[0])['IndexName'], 'by-league')
        self.assertEqual([g.id for g in q.all()], ['g2', 'g1'])
        with self.assertRaises(TypeError):
            class Bad(Dynamorm.Model, table='py_bad_games'):
                id = Dynamorm.Attribute(str, key='pk')
                league = Dynamorm.Attribute(str, index=('by-league', 'pk5'))

    def test_multi_attribute_index(self):
        session = Dynamorm.Session.new('memory://')
        self.assertTrue(session.create_table(Match))
        for id_, region, round_, no in [('m1', 'EU', 'QUARTER', 2), ('m2', 'EU', 'QUARTER', 10),
                                        ('m3', 'EU', 'SEMI', 1), ('m4', 'US', 'QUARTER', 1)]:
            session.put(Match(id=id_, tournament='W', region=region, round=round_, no=no))
        q = Dynamorm.Query.new(session, Match)
        q.where_values('tournament', Dynamorm.Operator.EQ, ['W'])
        q.where_values('region', Dynamorm.Operator.EQ, ['EU'])
        q.where_values('round', Dynamorm.Operator.EQ, ['QUARTER'])
        q.where_values('no', Dynamorm.Operator.GE, [2])
        request = json_of(q.build_request()[0])
        self.assertEqual(request['IndexName'], 'by-round')
        self.assertNotIn('FilterExpression', request)
        # Numbers sort as numbers: 2 before 10.
        self.assertEqual([m.id for m in q.all()], ['m1', 'm2'])

        skipped = Dynamorm.Query.new(session, Match)
        skipped.where_values('tournament', Dynamorm.Operator.EQ, ['W'])
        skipped.where_values('region', Dynamorm.Operator.EQ, ['EU'])
        skipped.where_values('no', Dynamorm.Operator.EQ, [1])
        with self.assertRaises(GLib.Error) as caught:
            skipped.all()
        self.assertIn('multi-attribute key', caught.exception.message)


class SingleTableTest(DynamormTestCase):
    def setUp(self):
        self.session = Dynamorm.Session.new('memory://')
        self.assertTrue(self.session.create_table(Order))
        self.session.put(Customer(customer_id='c1', name='Ann'))
        self.session.put(order('c1', 'o1', '2024-01-05', 4200))
        self.session.put(order('c1', 'o2', '2024-02-11', 990))
        self.session.put(order('c2', 'o3', '2024-01-07', 150))

    def test_item_has_composed_keys_and_entity(self):
        item = json_of(order('c1', 'o1', '2024-01-05', 4200).to_item())
        self.assertEqual(item['pk'], {'S': 'CUSTOMER#c1'})
        self.assertEqual(item['sk'], {'S': 'ORDER#2024-01-05#o1'})
        self.assertEqual(item['gsi1sk'], {'S': 'TOTAL#00004200'})
        self.assertEqual(item['__entity'], {'S': 'order'})

    def test_dict_form_keeps_attribute_names(self):
        item = json_of(Line(order_id='o1', number=7).to_item())
        self.assertEqual(item['line_pk'], {'S': 'ORDER#o1'})
        self.assertEqual(item['line_sk'], {'S': 'LINE#007'})

    def test_get_by_composed_key(self):
        got = self.session.get(Order, 'CUSTOMER#c1', 'ORDER#2024-02-11#o2')
        self.assertEqual((got.order_id, got.total), ('o2', 990))
        # The customer's profile is not an order.
        with self.assertRaises(GLib.Error) as cm:
            self.session.get(Order, 'CUSTOMER#c1', 'PROFILE')
        self.assertDynamormError(cm.exception, Dynamorm.Error.INVALID_VALUE)

    def test_query_over_templates(self):
        q = Dynamorm.Query.new(self.session, Order)
        q.where_values('customer-id', Dynamorm.Operator.EQ, ['c1'])
        q.where_values('placed', Dynamorm.Operator.BEGINS_WITH, ['2024-01'])
        request = json_of(q.build_request()[0])
        self.assertEqual(request['KeyConditionExpression'], '#n0 = :v0 AND begins_with(#n1, :v1)')
        self.assertEqual([o.order_id for o in q.all()], ['o1'])

        by_total = Dynamorm.Query.new(self.session, Order)
        by_total.where_values('order-id', Dynamorm.Operator.EQ, ['o1'])
        by_total.where_values('total', Dynamorm.Operator.GT, [1000])
        self.assertEqual(json_of(by_total.build_request()[0])['IndexName'], 'gsi1')
        self.assertEqual([o.customer_id for o in by_total.all()], ['c1'])

    def test_mixed_type_batch_get(self):
        batch = Dynamorm.BatchGet.new(self.session, Order)
        batch.add_key(Dynamorm.Key.new_string('CUSTOMER#c1', 'ORDER#2024-02-11#o2'))
        batch.add_key_for_type(Customer, Dynamorm.Key.new_string('CUSTOMER#c1', 'PROFILE'))
        models = batch.execute()
        self.assertEqual([type(m).__name__ for m in models], ['Order', 'Customer'])
        self.assertEqual(models[1].name, 'Ann')

    def test_collection(self):
        q = Dynamorm.Query.new_collection(self.session, 'history', Customer)
        q.add_member(Order)
        q.where_values('customer-id', Dynamorm.Operator.EQ, ['c1'])
        items = list(q.all())
        self.assertEqual([type(i).__name__ for i in items], ['Order', 'Order', 'Customer'])
        self.assertEqual(items[2].name, 'Ann')

    def def_session(self):
        session = Dynamorm.Session.new('memory://')
        self.assertTrue(session.create_table(Purchase))
        session.put(Shopper(customer_id='c1', name='Ann'))
        session.put(purchase('c1', 'o1', '2024-01-05', 'open', 7))
        session.put(purchase('c1', 'o2', '2024-02-11', 'archived'))
        session.put(purchase('c2', 'o3', '2024-01-07', 'open', 2))
        return session

    def test_templates_and_class_options(self):
        p = purchase('c1', 'o1', '2024-01-05', 'open', 7)
        item = json_of(p.to_item())
        self.assertEqual([item[k]['S'] for k in ('pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', '__entity')],
                         ['CUSTOMER#c1', 'ORDER#2024-01-05#o1', 'ORDER#o1', 'LINE#0007',
                          'STATUS#OPEN', 'purchase'])
        self.assertNotIn('gsi2pk', json_of(purchase('c1', 'o2', '2024-02-11', 'archived').to_item()))
        # Read on a model, a template is its composed value.
        self.assertEqual((p.pk, p.sk, p.gsi1sk), ('CUSTOMER#c1', 'ORDER#2024-01-05#o1', 'LINE#0007'))
        self.assertIsNone(purchase('c1', 'o2', '2024-02-11', 'archived').gsi2pk)
        with self.assertRaises(AttributeError) as cm:
            p.pk = 'CUSTOMER#c9'
        self.assertIn('customer_id', str(cm.exception))
        self.assertEqual(json_of(Note(note_id='n1').to_item()),
                         {'pk': {'S': 'NOTE#n1'}, 'note_id': {'S': 'n1'}, 'kind': {'S': 'note'}})

    def test_templates_get_and_query(self):
        session = self.def_session()
        self.assertEqual(session.get(Purchase, 'CUSTOMER#c1', 'ORDER#2024-02-11#o2').order_id, 'o2')
        with self.assertRaises(Dynamorm.InvalidValue):
            session.get(Purchase, 'CUSTOMER#c1', 'PROFILE')
        january = session.query(Purchase).where((Purchase.customer_id == 'c1') &
                                                Purchase.placed.begins_with('2024-01'))
        self.assertEqual([p.order_id for p in january], ['o1'])
        by_order = session.query(Purchase).where(Purchase.order_id == 'o3')
        self.assertEqual(json_of(by_order.build_request()[0])['IndexName'], 'gsi1')
        self.assertEqual([p.customer_id for p in by_order], ['c2'])
        direct = session.query(Purchase).where(Purchase.pk == 'CUSTOMER#c1')
        self.assertEqual([p.order_id for p in direct], ['o1', 'o2'])

    def test_collection_idiom(self):
        session = self.def_session()
        items = list(session.collection('history', Shopper, Purchase)
                     .where(Shopper.customer_id == 'c1'))
        self.assertEqual([type(i).__name__ for i in items], ['Purchase', 'Purchase', 'Shopper'])
        self.assertEqual(items[2].name, 'Ann')

    def test_template_mistakes(self):
        with self.assertRaises(TypeError) as cm:
            Dynamorm.Template('X#{id}')
        self.assertIn('key="pk"', str(cm.exception))
        with self.assertRaises(TypeError) as cm:
            class BadOption(Dynamorm.Model, entitiy='x'):
                id = Dynamorm.Attribute(str, key='pk')
        self.assertIn('entitiy', str(cm.exception))
        with self.assertRaises(Dynamorm.InvalidModel) as cm:
            class BadPlaceholder(Dynamorm.Model, table='py_def_bad'):
                pk = Dynamorm.Template('X#{ident}', key='pk')
                id = Dynamorm.Attribute(str)
        self.assertIn('ident', cm.exception.message)

    def test_bad_templates(self):
        with self.assertRaises(GLib.Error) as cm:
            class Bad(Dynamorm.Model):
                __dynamorm_table__ = 'py_bad'
                __dynamorm_tags__ = {'pk': 'pk,template:X#{nope}'}
                id = Dynamorm.Attribute(str)
        self.assertDynamormError(cm.exception, Dynamorm.Error.INVALID_MODEL)
        self.assertIn('nope', cm.exception.message)
        with self.assertRaises(GLib.Error) as cm:
            class BadFloat(Dynamorm.Model):
                __dynamorm_table__ = 'py_bad'
                __dynamorm_tags__ = {'pk': 'pk,template:X#{ratio}'}
                ratio = Dynamorm.Attribute(float)
        self.assertDynamormError(cm.exception, Dynamorm.Error.INVALID_MODEL)
        self.assertIn('floating-point', cm.exception.message)


if __name__ == '__main__':
    unittest.main()
