# SPDX-License-Identifier: LGPL-2.1-or-later
# Dynamorm from Python (the PyGObject override), for bench/compare/40-bindings.sh.
#
#   python-query.py URI [QUERIES] [ROUNDS]
#
# With a local:// URI: a Query of one partition of 100 items into models
# (the item of pydynox-query.py and electrodb-query.mjs: two key strings,
# three strings, a number, a boolean, a double), timed in this process's
# CPU (the server's is not in it), median of ROUNDS: "query_cpu_ms X".
# With memory://: single put and get, then batch write and batch get, of
# 20,000 items through the override (Session.put(), Session.get(),
# Session.batch_write(), Session.batch_get()), this process's CPU per item:
# "put_us X", "get_us X", "batch_write_us X" and "batch_get_us X" (issue
# 17's goal: a batch costs no more per item than the single op). Prints
# figures; asserts nothing.
import statistics
import sys
import time

import gi

gi.require_version('Dynamorm', '1.0')
from gi.repository import Dynamorm  # noqa: E402


class BenchRow(Dynamorm.Model, table='bench_bindings'):
    pk = Dynamorm.Attribute(str, key='pk')
    sk = Dynamorm.Attribute(str, key='sk')
    name = Dynamorm.Attribute(str)
    email = Dynamorm.Attribute(str)
    city = Dynamorm.Attribute(str)
    age = Dynamorm.Attribute(int)
    active = Dynamorm.Attribute(bool)
    score = Dynamorm.Attribute(float)


def row(pk, sk):
    return BenchRow(pk=pk, sk=sk, name='Ada Lovelace', email='ada@example.com',
                    city='London', age=36, active=True, score=98.5)


def fresh_table(session):
    try:
        session.delete_table(BenchRow)
    except Dynamorm.DynamormError:
        pass
    session.create_table(BenchRow)


def query_rounds(session, queries, rounds):
    fresh_table(session)
    for i in range(100):
        session.put(row('p', 'item-%03d' % i))

    def one():
        page = session.query(BenchRow).where(BenchRow.pk == 'p').page(100)
        assert len(page.items) == 100
        return page

    for _ in range(20):
        one()
    figures = []
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(queries):
            one()
        figures.append((time.process_time() - t0) * 1e3 / queries)
    print('query_cpu_ms %.3f' % statistics.median(figures))


def per_item_us(func, n):
    t0 = time.process_time()
    func()
    return (time.process_time() - t0) * 1e6 / n


def batch_figures(session, n):
    fresh_table(session)
    singles = [row('s', 'item-%06d' % i) for i in range(n)]
    print('put_us %.2f' % per_item_us(lambda: [session.put(m) for m in singles], n))
    print('get_us %.2f' % per_item_us(lambda: [session.get(BenchRow, m.pk, m.sk) for m in singles], n))
    models = [row('b', 'item-%06d' % i) for i in range(n)]

    def write_batches():
        for i in range(0, n, 25):
            with session.batch_write() as batch:
                for model in models[i:i + 25]:
                    batch.put(model)

    print('batch_write_us %.2f' % per_item_us(write_batches, n))
    keys = [Dynamorm.Key.new_string(m.pk, m.sk) for m in models]
    got = []

    def get_batches():
        for i in range(0, n, 100):
            found, missing = session.batch_get(BenchRow, keys[i:i + 100])
            got.extend(found)

    print('batch_get_us %.2f' % per_item_us(get_batches, n))
    assert len(got) == n, len(got)


uri = sys.argv[1]
session = Dynamorm.Session.new(uri)
if uri.startswith('memory:'):
    batch_figures(session, int(sys.argv[2]) if len(sys.argv) > 2 else 20000)
else:
    query_rounds(session, int(sys.argv[2]) if len(sys.argv) > 2 else 200,
                 int(sys.argv[3]) if len(sys.argv) > 3 else 3)
