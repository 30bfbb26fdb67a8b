# SPDX-License-Identifier: LGPL-2.1-or-later
"""An application's tests written with the dynamorm pytest plugin (run by
test_pytest_plugin.py). The plugin is found through its entry point."""

import gi
import pytest

gi.require_version('Dynamorm', '1.0')
from gi.repository import Dynamorm, GLib, GObject, Gio  # noqa: E402


class Order(Dynamorm.Model):
    __gtype_name__ = 'PluginCaseOrder'
    __dynamorm_table__ = 'orders'
    __dynamorm_tags__ = {'customer': 'pk', 'number': 'sk'}
    customer = GObject.Property(type=str)
    number = GObject.Property(type=GObject.TYPE_INT64)
    status = GObject.Property(type=str)


class Note(Dynamorm.Model):
    __gtype_name__ = 'PluginCaseNote'
    __dynamorm_table__ = 'notes'
    __dynamorm_tags__ = {'id': 'pk'}
    id = GObject.Property(type=str)
    text = GObject.Property(type=str)


SEED = pytest.mark.dynamorm_seed(tables='data/tables.json', items={'orders': 'data/orders.jsonl'})


def open_orders(session, customer):
    """The application code under test: a key-condition query."""
    q = Dynamorm.Query.new(session, Order)
    q.where_values('customer', Dynamorm.Operator.EQ, [customer])
    return [o for o in q.all(None) if o.props.status == 'open']


def own_tables(session):
    """The tables of this test: on memory:// every table; elsewhere the
    plugin gives each test its own table prefix."""
    prefix = session.get_table_prefix() or ''
    return [t[len(prefix):] for t in session.list_tables(None) if t.startswith(prefix)]


def test_fresh_session_is_empty(dynamorm_session):
    assert own_tables(dynamorm_session) == []
    assert dynamorm_session.create_table(Note, None)


def test_next_session_is_fresh_too(dynamorm_session):
    assert own_tables(dynamorm_session) == []


@SEED
def test_seeded(dynamorm_session):
    order = dynamorm_session.get(Order, 'c1', 3, None)
    assert order.props.status == 'open'
    # changes stay in this test
    order.props.status = 'cancelled'
    assert dynamorm_session.put(order, None)


@SEED
def test_seeded_again_from_the_snapshot(dynamorm_session):
    assert dynamorm_session.get(Order, 'c1', 3, None).props.status == 'open'


@SEED
def test_spy(dynamorm_session, dynamorm_spy):
    assert [o.props.number for o in open_orders(dynamorm_session, 'c2')] == [1, 3, 5]
    assert dynamorm_spy.count('Query') == 1
    assert dynamorm_spy.dup_last_key_condition() == 'customer = "c2"'
    dynamorm_spy.check_no_scan()
    calls = list(dynamorm_spy.list_calls())
    assert [c.get_operation() for c in calls] == ['Query']

    Dynamorm.Query.new(dynamorm_session, Order).scan(None)
    with pytest.raises(GLib.Error) as raised:
        dynamorm_spy.check_no_scan()
    table = (dynamorm_session.get_table_prefix() or '') + 'orders'
    assert '1 Scan happened, of %s (call 2)' % table in raised.value.message


@SEED
@pytest.mark.dynamorm_faults('throttle-next:1@GetItem')
def test_faults_marker(dynamorm_session):
    with pytest.raises(GLib.Error) as raised:
        dynamorm_session.get(Order, 'c1', 1, None)
    assert raised.value.matches(Dynamorm.error_quark(), Dynamorm.Error.THROTTLED)
    assert dynamorm_session.get(Order, 'c1', 1, None).props.customer == 'c1'


def test_faults_fixture(dynamorm_session, dynamorm_faults):
    dynamorm_session.create_table(Note, None)
    dynamorm_faults('fail:2@PutItem')
    dynamorm_session.put(Note(id='a', text='one'), None)
    with pytest.raises(GLib.Error) as raised:
        dynamorm_session.put(Note(id='b', text='two'), None)
    assert raised.value.matches(Dynamorm.error_quark(), Dynamorm.Error.SERVICE_UNAVAILABLE)
    with pytest.raises(GLib.Error) as raised:
        dynamorm_faults('slow:3')
    assert 'Valid faults: throttle:RATE' in raised.value.message


@pytest.mark.dynamorm_seed(models=[Note])
def test_seed_models(dynamorm_session):
    assert own_tables(dynamorm_session) == ['notes']


def test_malformed_items_named(request):
    fixture = Dynamorm.Fixture.new()
    base = request.node.fspath.dirname
    fixture.add_tables_from_file(Gio.File.new_for_path(base + '/data/tables.json'), None)
    with pytest.raises(GLib.Error) as raised:
        fixture.add_items_from_file('orders', Gio.File.new_for_path(base + '/data/bad-orders.jsonl'), None)
    assert 'bad-orders.jsonl:2: attribute “status”' in raised.value.message
    assert fixture.get_item_count('orders') == 0
