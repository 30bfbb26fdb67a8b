# SPDX-License-Identifier: LGPL-2.1-or-later
# The peer of bench/compare/30-memory.sh: pydynox's pure-Python MemoryClient
# (pydynox.testing), timed on the same shapes as bench-memory, in this
# process's CPU time. Prints "key value" lines: put_us, get_us,
# batch_write_us, batch_get_us (per item) and create_ms.
import sys
import time

from pydynox.testing.memory import MemoryClient

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
client = MemoryClient(strict=False)
client.sync_create_table("bench_users", partition_key=("id", "S"))
items = [{"id": f"user-{i}", "name": "Ada Lovelace", "email": "ada@example.com", "city": "London",
          "note": "first programmer", "age": 36, "active": True, "score": 98.5,
          "created": 1700000000, "tags": {"math", "code"}} for i in range(n)]


def per_item_us(func, count):
    t0 = time.process_time()
    func()
    return (time.process_time() - t0) * 1e6 / count


print("put_us %.2f" % per_item_us(lambda: [client.sync_put_item("bench_users", it) for it in items], n))
print("get_us %.2f" % per_item_us(lambda: [client.sync_get_item("bench_users", {"id": it["id"]}) for it in items], n))
batch = [dict(it, id="batch-" + it["id"]) for it in items]


def write_batches():
    for i in range(0, n, 25):
        client.sync_batch_write("bench_users", put_items=batch[i:i + 25])


def get_batches():
    for i in range(0, n, 100):
        client.sync_batch_get("bench_users", [{"id": it["id"]} for it in batch[i:i + 100]])


print("batch_write_us %.2f" % per_item_us(write_batches, n))
print("batch_get_us %.2f" % per_item_us(get_batches, n))
rounds = 2000
t0 = time.process_time()
for r in range(rounds):
    client.sync_create_table(f"t{r}", partition_key=("id", "S"))
print("create_ms %.4f" % ((time.process_time() - t0) * 1e3 / rounds))
