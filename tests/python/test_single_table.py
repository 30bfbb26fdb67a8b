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


def order(customer, number, placed, total):
    return Order(customer_id=customer, order_id=number, placed=placed, total=total)


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

    def test_collection(self):
        q = Dynamorm.Query.new_collection(self.session, 'history', Customer)
        q.add_member(Order)
        q.where_values('customer-id', Dynamorm.Operator.EQ, ['c1'])
        items = list(q.all())
        self.assertEqual([type(i).__name__ for i in items], ['Order', 'Order', 'Customer'])
        self.assertEqual(items[2].name, 'Ann')

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
