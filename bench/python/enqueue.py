"""Python Celery's enqueue rate: N awaited apply_async calls, as users send tasks.

usage: enqueue.py BROKER_URL N   -> prints {"rate": messages per second}
"""
import json
import sys
import time

from celery import Celery

url, n = sys.argv[1], int(sys.argv[2])
app = Celery("bench", broker=url, backend=url)


@app.task(name="bench.add")
def add(x, y):
    return x + y


add.apply_async((0, 0))  # warm-up: connects and declares the queue
start = time.perf_counter()
for i in range(n):
    add.apply_async((i, i))
elapsed = time.perf_counter() - start
print(json.dumps({"rate": n / elapsed}))
