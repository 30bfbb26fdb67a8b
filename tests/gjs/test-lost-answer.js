// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Writes whose answer was lost, from GJS (issue 11, item 4): a DynamoDB
// stand-in (a Soup.Server on 127.0.0.1) applies each write, then answers
// the first call of each operation with HTTP 500, as if the answer had been
// lost. An insert retried into its own item succeeds; an increment is sent
// once and fails with Dynamorm.Error.OUTCOME_UNKNOWN, not CONDITION_FAILED.
// Run as `gjs -m test-lost-answer.js` with the http module on
// DYNAMORM_BACKEND_PATH (see meson.build).

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Soup from 'gi://Soup?version=3.0';
import Dynamorm from 'gi://Dynamorm?version=1.0';
import {fail, assertEqual, assertTrue, assertDynamormError, runTests} from './testlib.js';

const RW = GObject.ParamFlags.READWRITE;
const PREFIX = 'com.amazonaws.dynamodb.v20120810#';

const Account = GObject.registerClass({
    GTypeName: 'DynamormGjsLostAnswerAccount',
    Properties: {
        'id': GObject.ParamSpec.string('id', 'Id', 'The partition key', RW, null),
        'owner': GObject.ParamSpec.string('owner', 'Owner', 'The owner', RW, null),
        'balance': GObject.ParamSpec.int('balance', 'Balance', 'The balance', RW, -1000000, 1000000, 0),
    },
}, class Account extends Dynamorm.Model {});

Dynamorm.Model.type_declare(Account.$gtype, 'gjs_accounts', ['id=pk']);

Gio._promisify(Dynamorm.Session.prototype, 'insert_async', 'insert_finish');
Gio._promisify(Dynamorm.Session.prototype, 'update_full_async', 'update_full_finish');

// PutItem and UpdateItem on one table, each applied; the first answer to
// each operation is lost.
function startStandIn() {
    const state = {calls: [], items: new Map()};
    const server = new Soup.Server({});

    server.add_handler(null, (srv, msg) => {
        const operation = msg.get_request_headers().get_one('X-Amz-Target').split('.').pop();
        const body = new TextDecoder().decode(msg.get_request_body().flatten().get_data());
        const request = JSON.parse(body);
        const first = !state.calls.some(c => c.operation === operation);
        const key = (request.Item ?? request.Key).id.S;
        const stored = state.items.get(key);
        let status = 200, answer = {};

        state.calls.push({operation, request});
        if (operation === 'PutItem') {
            if (stored && (request.ConditionExpression ?? '').includes('attribute_not_exists')) {
                status = 400;
                answer = {__type: `${PREFIX}ConditionalCheckFailedException`, message: 'The conditional request failed'};
                if (request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD')
                    answer.Item = stored;
            } else {
                state.items.set(key, request.Item);
            }
        } else if (operation === 'UpdateItem') {
            const item = stored ?? {...request.Key};
            item.balance = {N: String(Number(item.balance?.N ?? 0) + 1)};
            state.items.set(key, item);
        }
        if (first && status === 200) {
            status = 500;
            answer = {__type: `${PREFIX}InternalServerError`, message: 'Internal server error'};
        }
        msg.set_status(status, null);
        msg.set_response('application/x-amz-json-1.0', Soup.MemoryUse.COPY, new TextEncoder().encode(JSON.stringify(answer)));
    });
    server.listen_local(0, Soup.ServerListenOptions.IPV4_ONLY);
    const port = server.get_uris()[0].get_port();
    const session = Dynamorm.Session.new(`local://127.0.0.1:${port}?max_attempts=3`);
    return {server, state, session};
}

runTests({
    async insertMeetsItsOwnItem() {
        const {server, state, session} = startStandIn();
        assertTrue(await session.insert_async(new Account({id: 'a1', owner: 'Ann', balance: 5}), null), 'insert');
        const puts = state.calls.filter(c => c.operation === 'PutItem');
        assertEqual(puts.length, 2, 'PutItem calls');
        assertEqual(puts[1].request.ReturnValuesOnConditionCheckFailure, 'ALL_OLD', 'the retry asks for the stored item');
        assertEqual(state.items.get('a1').owner.S, 'Ann', 'stored owner');
        server.disconnect();
    },

    async incrementIsUnknown() {
        const {server, state, session} = startStandIn();
        const update = Dynamorm.Update.new();
        update.increment('balance', 1);
        try {
            await session.update_full_async(new Account({id: 'a2'}), update, null, null);
            fail('an increment whose answer was lost: nothing was thrown');
        } catch (e) {
            assertDynamormError(e, Dynamorm.Error.OUTCOME_UNKNOWN, 'increment with a lost answer');
            assertTrue(!e.matches(Dynamorm.error_quark(), Dynamorm.Error.CONDITION_FAILED), 'not a refusal');
            assertTrue(e.message.includes('may or may not have been applied'), 'message');
        }
        assertEqual(state.calls.filter(c => c.operation === 'UpdateItem').length, 1, 'sent once');
        assertEqual(state.items.get('a2').balance.N, '1', 'applied once');
        server.disconnect();
    },
});
