// SPDX-License-Identifier: LGPL-2.1-or-later
// Dynamorm from GJS (introspection/dynamorm.js), for bench/compare/40-bindings.sh:
// a Query of one partition of 100 items into models (the item of
// python-query.py and electrodb-query.mjs), timed in this process's CPU
// (utime + stime of /proc/self/stat: every thread, the server's not in
// it), median of ROUNDS.
//
//   gjs -m gjs-query.js URI [QUERIES] [ROUNDS]   ->   "query_cpu_ms X"
import GLib from 'gi://GLib';
import System from 'system';
import Dynamorm from '../../introspection/dynamorm.js';

const [uri, queries = 200, rounds = 3] = ARGV;
const BenchRow = Dynamorm.defineModel({
    name: 'BenchBindingsRow',
    table: 'bench_bindings_gjs',
    properties: {
        pk: {type: 'string', key: 'pk'},
        sk: {type: 'string', key: 'sk'},
        name: 'string',
        email: 'string',
        city: 'string',
        age: 'int',
        active: 'boolean',
        score: 'double',
    },
});

// CPU seconds of this process (clock ticks of /proc/self/stat).
function cpuSeconds() {
    const [, bytes] = GLib.file_get_contents('/proc/self/stat');
    const text = new TextDecoder().decode(bytes);
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
}

const session = Dynamorm.Session.new(uri);
try {
    session.delete_table(BenchRow.$gtype);
} catch (e) {
    // absent
}
session.create_table(BenchRow.$gtype);
for (let i = 0; i < 100; i++) {
    session.put(new BenchRow({
        pk: 'p', sk: `item-${String(i).padStart(3, '0')}`, name: 'Ada Lovelace',
        email: 'ada@example.com', city: 'London', age: 36, active: true, score: 98.5,
    }));
}

function one() {
    const [items] = session.query(BenchRow).where(BenchRow.attr.pk.eq('p')).page(100, null);
    if (items.get_n_items() !== 100)
        throw new Error(`got ${items.get_n_items()} items`);
    return [...Array(100).keys()].map(i => items.get_item(i));
}

for (let i = 0; i < 20; i++)
    one();
const figures = [];
for (let r = 0; r < Number(rounds); r++) {
    const t0 = cpuSeconds();
    for (let i = 0; i < Number(queries); i++)
        one();
    figures.push((cpuSeconds() - t0) * 1e3 / Number(queries));
    System.gc();
}
figures.sort((a, b) => a - b);
print(`query_cpu_ms ${figures[Math.floor(figures.length / 2)].toFixed(3)}`);
