// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Single-table design through GJS on memory://: key templates declared with
// Dynamorm.Model.type_declare, composed keys written and read, entity
// names, a query over templates and a collection read in one query.
//
// Run as `gjs -m test-single-table.js` (see meson.build).

import GObject from 'gi://GObject';
import Json from 'gi://Json?version=1.0';
import Dynamorm from '../../introspection/dynamorm.js';
import {assertEqual, assertTrue, assertDynamormError, assertThrowsDynamorm, runTests} from './testlib.js';

const jsonOf = node => JSON.parse(Json.to_string(node, false));
const RW = GObject.ParamFlags.READWRITE;

const Customer = GObject.registerClass({
    GTypeName: 'DynamormGjsShopCustomer',
    Properties: {
        'customer-id': GObject.ParamSpec.string('customer-id', '', '', RW, null),
        'name': GObject.ParamSpec.string('name', '', '', RW, null),
    },
}, class Customer extends Dynamorm.Model {});

Dynamorm.Model.type_declare(Customer.$gtype, 'gjs_shop', [
    'pk=pk,template:CUSTOMER#{customer-id}', 'sk=sk,template:PROFILE',
    '@entity=customer', '@collection=history',
]);

const Order = GObject.registerClass({
    GTypeName: 'DynamormGjsShopOrder',
    Properties: {
        'customer-id': GObject.ParamSpec.string('customer-id', '', '', RW, null),
        'order-id': GObject.ParamSpec.string('order-id', '', '', RW, null),
        'placed': GObject.ParamSpec.string('placed', '', '', RW, null),
        'total': GObject.ParamSpec.int64('total', '', '', RW, 0, 1e12, 0),
    },
}, class Order extends Dynamorm.Model {});

Dynamorm.Model.type_declare(Order.$gtype, 'gjs_shop', [
    'pk=pk,template:CUSTOMER#{customer-id}', 'sk=sk,template:ORDER#{placed}#{order-id}',
    'gsi1pk=index:gsi1,pk,template:ORDER#{order-id}', 'gsi1sk=index:gsi1,sk,template:ORDER',
    '@entity=order', '@collection=history',
]);

// The same shop through defineModel: keys (templates, with JavaScript
// property names), entity, collections and index conditions.
const Shopper = Dynamorm.defineModel({
    name: 'DynamormGjsDefShopper',
    table: 'gjs_def_shop',
    entity: 'shopper',
    collections: ['history'],
    properties: {customerId: 'string', name: 'string'},
    keys: {
        pk: {key: 'pk', template: 'CUSTOMER#{customerId}'},
        sk: {key: 'sk', template: 'PROFILE'},
    },
});

const Purchase = Dynamorm.defineModel({
    name: 'DynamormGjsDefPurchase',
    table: 'gjs_def_shop',
    entity: 'purchase',
    collections: ['history', {name: 'details', index: 'gsi1'}],
    indexConditions: {gsi2: 'status!=archived'},
    properties: {customerId: 'string', orderId: 'string', placed: 'string', status: 'string', lineNo: 'int'},
    keys: {
        pk: {key: 'pk', template: 'CUSTOMER#{customerId}'},
        sk: {key: 'sk', template: 'ORDER#{placed}#{orderId}'},
        gsi1pk: {index: 'gsi1', template: 'ORDER#{orderId}'},
        gsi1sk: {index: ['gsi1', 'sk'], template: 'LINE#{lineNo:pad=4}'},
        gsi2pk: {index: 'gsi2', template: 'STATUS#{status:upper}'},
        gsi2sk: {index: ['gsi2', 'sk'], template: '{placed}'},
    },
});

function newDefSession() {
    const session = Dynamorm.Session.new('memory://');
    session.create_table(Purchase);
    session.put(new Shopper({customerId: 'c1', name: 'Ann'}));
    session.put(new Purchase({customerId: 'c1', orderId: 'o1', placed: '2024-01-05', status: 'open', lineNo: 7}));
    session.put(new Purchase({customerId: 'c1', orderId: 'o2', placed: '2024-02-11', status: 'archived', lineNo: 1}));
    session.put(new Purchase({customerId: 'c2', orderId: 'o3', placed: '2024-01-07', status: 'open', lineNo: 2}));
    return session;
}

function newSession() {
    const session = Dynamorm.Session.new('memory://');
    assertTrue(session.create_table(Order.$gtype, null), 'create_table');
    session.put(new Customer({customer_id: 'c1', name: 'Ann'}), null);
    session.put(new Order({customer_id: 'c1', order_id: 'o1', placed: '2024-01-05', total: 4200}), null);
    session.put(new Order({customer_id: 'c1', order_id: 'o2', placed: '2024-02-11', total: 990}), null);
    session.put(new Order({customer_id: 'c2', order_id: 'o3', placed: '2024-01-07', total: 150}), null);
    return session;
}

const listOf = list => {
    const out = [];
    for (let i = 0; i < list.get_n_items(); i++)
        out.push(list.get_item(i));
    return out;
};

// A GSI with a multi-attribute key: two partition parts, two sort parts.
const Match = GObject.registerClass({
    GTypeName: 'DynamormGjsMatch',
    Properties: {
        'id': GObject.ParamSpec.string('id', '', '', RW, null),
        'tournament': GObject.ParamSpec.string('tournament', '', '', RW, null),
        'region': GObject.ParamSpec.string('region', '', '', RW, null),
        'round': GObject.ParamSpec.string('round', '', '', RW, null),
        'no': GObject.ParamSpec.int64('no', '', '', RW, 0, 1e6, 0),
    },
}, class Match extends Dynamorm.Model {});

Dynamorm.Model.type_declare(Match.$gtype, 'gjs_matches', [
    'id=pk', 'tournament=index:by-round,pk', 'region=index:by-round,pk2',
    'round=index:by-round,sk', 'no=index:by-round,sk2',
]);

// The same through defineModel: index: [NAME, PART] with numbered parts.
const Game = Dynamorm.defineModel({
    name: 'DynamormGjsGame',
    table: 'gjs_games',
    properties: {
        id: {type: 'string', key: 'pk'},
        league: {type: 'string', index: 'by-league'},
        season: {type: 'int', index: ['by-league', 'pk2']},
        week: {type: 'int', index: ['by-league', 'sk']},
    },
});

const tests = {
    'a multi-attribute index key'() {
        const session = Dynamorm.Session.new('memory://');
        session.create_table(Match.$gtype, null);
        for (const [id, region, round, no] of [['m1', 'EU', 'QUARTER', 2], ['m2', 'EU', 'QUARTER', 10],
            ['m3', 'EU', 'SEMI', 1], ['m4', 'US', 'QUARTER', 1]])
            session.put(new Match({id, tournament: 'W', region, round, no}), null);
        const q = Dynamorm.Query.new(session, Match.$gtype)
            .where_values('tournament', Dynamorm.Operator.EQ, ['W'])
            .where_values('region', Dynamorm.Operator.EQ, ['EU'])
            .where_values('round', Dynamorm.Operator.EQ, ['QUARTER']);
        const [request] = q.build_request();
        assertEqual(jsonOf(request).IndexName, 'by-round', 'index chosen');
        assertEqual(listOf(q.all(null)).map(m => m.id), ['m1', 'm2'], 'sorted by number');
        const skipped = Dynamorm.Query.new(session, Match.$gtype)
            .where_values('tournament', Dynamorm.Operator.EQ, ['W'])
            .where_values('region', Dynamorm.Operator.EQ, ['EU'])
            .where_values('no', Dynamorm.Operator.EQ, [1]);
        assertThrowsDynamorm(() => skipped.all(null), Dynamorm.Error.INVALID_QUERY, 'round skipped');
    },

    'composed keys and the entity are written'() {
        const item = jsonOf(new Order({customer_id: 'c1', order_id: 'o1', placed: '2024-01-05'}).to_item());
        assertEqual(item.pk.S, 'CUSTOMER#c1', 'pk');
        assertEqual(item.sk.S, 'ORDER#2024-01-05#o1', 'sk');
        assertEqual(item.gsi1pk.S, 'ORDER#o1', 'gsi1pk');
        assertEqual(item.__entity.S, 'order', 'entity');
    },

    'get by composed key, and another entity is refused'() {
        const session = newSession();
        assertEqual(session.get(Order.$gtype, 'CUSTOMER#c1', 'ORDER#2024-02-11#o2', null).total, 990, 'total');
        assertThrowsDynamorm(() => session.get(Order.$gtype, 'CUSTOMER#c1', 'PROFILE', null),
            Dynamorm.Error.INVALID_VALUE, 'the profile is not an order');
    },

    'a multi-attribute index key from defineModel'() {
        const session = Dynamorm.Session.new('memory://');
        session.create_table(Game.$gtype, null);
        session.put(new Game({id: 'g1', league: 'L', season: 2025, week: 4}), null);
        session.put(new Game({id: 'g2', league: 'L', season: 2025, week: 3}), null);
        session.put(new Game({id: 'g3', league: 'L', season: 2024, week: 1}), null);
        const q = Dynamorm.Query.new(session, Game.$gtype)
            .where_values('league', Dynamorm.Operator.EQ, ['L'])
            .where_values('season', Dynamorm.Operator.EQ, [2025]);
        assertEqual(jsonOf(q.build_request()[0]).IndexName, 'by-league', 'index chosen');
        assertEqual(listOf(q.all(null)).map(g => g.id), ['g2', 'g1'], 'by week');
    },

    'one batch get of several types'() {
        const session = newSession();
        const batch = Dynamorm.BatchGet.new(session, Order.$gtype);
        batch.add_key(Dynamorm.Key.new_string('CUSTOMER#c1', 'ORDER#2024-02-11#o2'));
        batch.add_key_for_type(Customer.$gtype, Dynamorm.Key.new_string('CUSTOMER#c1', 'PROFILE'));
        const models = batch.execute(null);
        assertEqual(models.map(m => m.constructor.$gtype.name),
            ['DynamormGjsShopOrder', 'DynamormGjsShopCustomer'], 'types');
    },

    'queries over templates'() {
        const session = newSession();
        const q = Dynamorm.Query.new(session, Order.$gtype)
            .where_values('customer-id', Dynamorm.Operator.EQ, ['c1'])
            .where_values('placed', Dynamorm.Operator.BEGINS_WITH, ['2024-02']);
        assertEqual(listOf(q.all(null)).map(o => o.order_id), ['o2'], 'February');
        const byId = Dynamorm.Query.new(session, Order.$gtype)
            .where_values('order-id', Dynamorm.Operator.EQ, ['o3']);
        const [request] = byId.build_request();
        assertEqual(jsonOf(request).IndexName, 'gsi1', 'gsi1 chosen');
        assertEqual(listOf(byId.all(null)).map(o => o.customer_id), ['c2'], 'by id');
    },

    'a collection in one query'() {
        const session = newSession();
        const q = Dynamorm.Query.new_collection(session, 'history', Customer.$gtype)
            .add_member(Order.$gtype)
            .where_values('customer-id', Dynamorm.Operator.EQ, ['c1']);
        const items = listOf(q.all(null));
        assertEqual(items.map(i => i.constructor.$gtype.name),
            ['DynamormGjsShopOrder', 'DynamormGjsShopOrder', 'DynamormGjsShopCustomer'], 'member types');
        assertEqual(items[2].name, 'Ann', 'customer');
    },

    'defineModel: key templates, entity, index conditions'() {
        const item = jsonOf(new Purchase({customerId: 'c1', orderId: 'o1', placed: '2024-01-05',
            status: 'open', lineNo: 7}).to_item());
        assertEqual([item.pk.S, item.sk.S, item.gsi1pk.S, item.gsi1sk.S, item.gsi2pk.S, item.__entity.S],
            ['CUSTOMER#c1', 'ORDER#2024-01-05#o1', 'ORDER#o1', 'LINE#0007', 'STATUS#OPEN', 'purchase'], 'composed');
        const archived = jsonOf(new Purchase({customerId: 'c1', orderId: 'o2', placed: '2024-02-11',
            status: 'archived'}).to_item());
        assertEqual('gsi2pk' in archived, false, 'an archived purchase leaves gsi2');

        const session = newDefSession();
        assertEqual(session.get(Purchase, 'CUSTOMER#c1', 'ORDER#2024-02-11#o2').orderId, 'o2', 'get by composed key');
        assertThrowsDynamorm(() => session.get(Purchase, 'CUSTOMER#c1', 'PROFILE'),
            Dynamorm.Error.INVALID_VALUE, 'the profile is not a purchase');
    },

    'defineModel: queries over templates and by composed attribute'() {
        const session = newDefSession();
        const january = [...session.query(Purchase).where(({customerId, placed}, {eq, and, beginsWith}) =>
            and(eq(customerId, 'c1'), beginsWith(placed, '2024-01')))];
        assertEqual(january.map(p => p.orderId), ['o1'], 'January');
        const byOrder = session.query(Purchase).where(Purchase.attr.orderId.eq('o3'));
        assertEqual(jsonOf(byOrder.build_request()[0]).IndexName, 'gsi1', 'gsi1 chosen');
        assertEqual([...byOrder].map(p => p.customerId), ['c2'], 'by order id');
        const direct = [...session.query(Purchase).where(Purchase.attr.pk.eq('CUSTOMER#c1'))];
        assertEqual(direct.map(p => p.orderId), ['o1', 'o2'], 'by the composed pk');
    },

    'defineModel: a collection in one query'() {
        const session = newDefSession();
        const items = [...session.collection('history', Shopper, Purchase)
            .where(Shopper.attr.customerId.eq('c1'))];
        assertEqual(items.map(i => i.constructor.$gtype.name),
            ['DynamormGjsDefPurchase', 'DynamormGjsDefPurchase', 'DynamormGjsDefShopper'], 'member types');
        assertEqual(items[2].name, 'Ann', 'shopper');
    },

    'defineModel: mistakes in keys and options say what to write'() {
        const expectTypeError = (fn, text) => {
            try {
                fn();
            } catch (e) {
                assertTrue(e instanceof TypeError && e.message.includes(text), `${text}: ${e.message}`);
                return;
            }
            throw new Error(`expected a TypeError mentioning ${text}`);
        };
        expectTypeError(() => Dynamorm.defineModel({name: 'DynamormGjsDefBad1', properties: {id: 'string'},
            keys: {pk: {template: 'X#{id}'}}}), "key: 'pk'");
        expectTypeError(() => Dynamorm.defineModel({name: 'DynamormGjsDefBad2', properties: {id: 'string'},
            keys: {pk: {key: 'pk', templet: 'X#{id}'}}}), 'templet');
        expectTypeError(() => Dynamorm.defineModel({name: 'DynamormGjsDefBad3', properties: {id: 'string'},
            entitiy: 'x'}), 'entitiy');
        try {
            Dynamorm.defineModel({name: 'DynamormGjsDefBad4', table: 'gjs_def_bad', properties: {id: 'string'},
                keys: {pk: {key: 'pk', template: 'X#{ident}'}}});
            throw new Error('an unknown placeholder was accepted');
        } catch (e) {
            assertDynamormError(e, Dynamorm.Error.INVALID_MODEL, 'unknown placeholder');
            assertTrue(e instanceof Dynamorm.InvalidModelError && e.message.includes('ident'), e.message);
        }
    },

    'bad templates are refused at declaration'() {
        const Bad = GObject.registerClass({
            GTypeName: 'DynamormGjsShopBad',
            Properties: {'ratio': GObject.ParamSpec.double('ratio', '', '', RW, 0, 1, 0)},
        }, class Bad extends Dynamorm.Model {});
        try {
            Dynamorm.Model.type_declare(Bad.$gtype, 'gjs_bad', ['pk=pk,template:R#{ratio}']);
            throw new Error('type_declare: nothing was thrown');
        } catch (e) {
            assertDynamormError(e, Dynamorm.Error.INVALID_MODEL, 'float in a template');
            assertTrue(e.message.includes('floating-point'), e.message);
        }
    },
};

runTests(tests);
