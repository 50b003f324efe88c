"""Python Celery's side of the worker benchmark: the same no-op add, results kept."""
import os

from celery import Celery

url = os.environ["BENCH_BROKER"]
app = Celery("bench", broker=url, backend=url)
app.conf.update(worker_hijack_root_logger=False)


@app.task(name="bench.add")
def add(x, y):
    return x + y


@app.task(name="bench.tsum")
def tsum(values):
    return sum(values)
