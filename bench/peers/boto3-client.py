#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# boto3-client: the boto3 peer of bench/bench-client (same item, same
# output): python3 boto3-client.py ENDPOINT [OPS] [ROUNDS]
import resource
import sys

import boto3


def cpu_us():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (ru.ru_utime + ru.ru_stime) * 1e6


def main():
    endpoint = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="dynamorm", aws_secret_access_key="dynamorm")
    try:
        client.create_table(TableName="bench_client", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    except client.exceptions.ResourceInUseException:
        pass
    ids = ["user-%d" % i for i in range(n)]

    def put():
        t0 = cpu_us()
        for i in ids:
            client.put_item(TableName="bench_client", Item={
                "id": {"S": i}, "name": {"S": "Ada Lovelace"}, "email": {"S": "ada@example.com"},
                "age": {"N": "36"}, "active": {"BOOL": True}, "score": {"N": "98.5"}})
        return (cpu_us() - t0) / n

    def get():
        t0 = cpu_us()
        for i in ids:
            if "Item" not in client.get_item(TableName="bench_client", Key={"id": {"S": i}}):
                raise SystemExit("get: no item")
        return (cpu_us() - t0) / n

    put()
    get()
    puts, gets = [], []
    for r in range(rounds):
        if r % 2 == 0:
            puts.append(put())
            gets.append(get())
        else:
            gets.append(get())
            puts.append(put())
    puts.sort()
    gets.sort()
    print("put_cpu_us %.1f" % puts[len(puts) // 2])
    print("get_cpu_us %.1f" % gets[len(gets) // 2])


main()
