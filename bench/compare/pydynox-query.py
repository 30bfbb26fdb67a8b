# SPDX-License-Identifier: LGPL-2.1-or-later
# The peer of python-query.py in bench/compare/40-bindings.sh: pydynox (a
# Rust core under a Python API, installed from PyPI into $PEERS) querying
# the same 100-item partition into models on the same DynamoDB Local, timed
# the same way (this process's CPU per query, median of ROUNDS).
#
#   pydynox-query.py ENDPOINT [QUERIES] [ROUNDS]   ->   "query_cpu_ms X"
import statistics
import sys
import time

from pydynox import DynamoDBClient, Model, ModelConfig
from pydynox.attributes import BooleanAttribute, NumberAttribute, StringAttribute

endpoint = sys.argv[1]
queries = int(sys.argv[2]) if len(sys.argv) > 2 else 200
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
client = DynamoDBClient(region='us-east-1', endpoint_url=endpoint, access_key='bench',
                        secret_key='bench')


class BenchRow(Model):
    model_config = ModelConfig(table='bench_bindings_pydynox', client=client)
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    name = StringAttribute()
    email = StringAttribute()
    city = StringAttribute()
    age = NumberAttribute()
    active = BooleanAttribute()
    score = NumberAttribute()


try:
    client.sync_delete_table('bench_bindings_pydynox')
except Exception:
    pass
client.sync_create_table('bench_bindings_pydynox', partition_key=('pk', 'S'), sort_key=('sk', 'S'),
                         wait=True)
for i in range(100):
    BenchRow(pk='p', sk='item-%03d' % i, name='Ada Lovelace', email='ada@example.com',
             city='London', age=36, active=True, score=98.5).sync_save()


def one():
    items = list(BenchRow.sync_query(partition_key='p', page_size=100, limit=100))
    assert len(items) == 100 and isinstance(items[0], BenchRow), len(items)


for _ in range(20):
    one()
figures = []
for _ in range(rounds):
    t0 = time.process_time()
    for _ in range(queries):
        one()
    figures.append((time.process_time() - t0) * 1e3 / queries)
print('query_cpu_ms %.3f' % statistics.median(figures))
