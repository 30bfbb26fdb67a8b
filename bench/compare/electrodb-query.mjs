// SPDX-License-Identifier: LGPL-2.1-or-later
// The peer of gjs-query.js in bench/compare/40-bindings.sh: ElectroDB on
// node with @aws-sdk/client-dynamodb (installed from npm into $PEERS),
// querying the same 100-item partition on the same DynamoDB Local, timed
// the same way (process.cpuUsage() per query, median of ROUNDS).
//
//   ELECTRODB_DIR=$PEERS/electrodb node electrodb-query.mjs ENDPOINT [QUERIES] [ROUNDS]
//   ->   "query_cpu_ms X"
import {createRequire} from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.ELECTRODB_DIR ?? '.', 'node_modules', 'x.js'));
const {Entity} = require('electrodb');
const {DynamoDBClient, CreateTableCommand, DeleteTableCommand} = require('@aws-sdk/client-dynamodb');

const [endpoint, queries = 200, rounds = 3] = process.argv.slice(2);
const client = new DynamoDBClient({
    endpoint, region: 'us-east-1', credentials: {accessKeyId: 'bench', secretAccessKey: 'bench'},
});
const table = 'bench_bindings_electrodb';
const BenchRow = new Entity({
    model: {entity: 'row', version: '1', service: 'bench'},
    attributes: {
        pk: {type: 'string', required: true},
        sk: {type: 'string', required: true},
        name: {type: 'string'},
        email: {type: 'string'},
        city: {type: 'string'},
        age: {type: 'number'},
        active: {type: 'boolean'},
        score: {type: 'number'},
    },
    indexes: {
        primary: {
            pk: {field: 'pk', composite: ['pk'], template: '${pk}'},
            sk: {field: 'sk', composite: ['sk'], template: '${sk}'},
        },
    },
}, {client, table});

try {
    await client.send(new DeleteTableCommand({TableName: table}));
} catch {
    // absent
}
await client.send(new CreateTableCommand({
    TableName: table, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{AttributeName: 'pk', AttributeType: 'S'}, {AttributeName: 'sk', AttributeType: 'S'}],
    KeySchema: [{AttributeName: 'pk', KeyType: 'HASH'}, {AttributeName: 'sk', KeyType: 'RANGE'}],
}));
for (let i = 0; i < 100; i++) {
    await BenchRow.put({
        pk: 'p', sk: `item-${String(i).padStart(3, '0')}`, name: 'Ada Lovelace',
        email: 'ada@example.com', city: 'London', age: 36, active: true, score: 98.5,
    }).go();
}

async function one() {
    const {data} = await BenchRow.query.primary({pk: 'p'}).go({limit: 100});
    if (data.length !== 100)
        throw new Error(`got ${data.length} items`);
    return data;
}

for (let i = 0; i < 20; i++)
    await one();
const figures = [];
for (let r = 0; r < Number(rounds); r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < Number(queries); i++)
        await one();
    const t = process.cpuUsage(t0);
    figures.push((t.user + t.system) / 1e3 / Number(queries));
}
figures.sort((a, b) => a - b);
console.log(`query_cpu_ms ${figures[Math.floor(figures.length / 2)].toFixed(3)}`);
