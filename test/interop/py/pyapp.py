"""The Python Celery app the interop tests run: a real Celery 5 worker and producer."""
import json
import os
import time

from celery import Celery

BROKER = os.environ.get("CELERIAC_TEST_BROKER", "redis://127.0.0.1:6379/0")

app = Celery("pyapp", broker=BROKER, backend=BROKER)
app.conf.update(
    # Celery's default is off; the tests of what a deployment without it shows turn it off.
    result_extended=os.environ.get("CELERIAC_TEST_RESULT_EXTENDED", "1") == "1",
    worker_prefetch_multiplier=1,
    task_default_queue="celery",
    # A shop may send some tasks in msgpack (results stay JSON): its workers accept both.
    accept_content=os.environ.get("CELERIAC_TEST_ACCEPT", "json,msgpack").split(","),
    # A shop that sets it app-wide: its mailbox then sends and answers remote control in it too.
    task_serializer=os.environ.get("CELERIAC_TEST_TASK_SERIALIZER", "json"),
    worker_hijack_root_logger=False,
)


@app.task(name="tasks.add")
def add(x, y):
    return x + y


@app.task(name="tasks.mul")
def mul(x, y=1):
    return x * y


@app.task(name="tasks.tsum")
def tsum(values, *rest):
    """A chord body: the sum of its header's results."""
    return sum(values)


@app.task(name="tasks.identity")
def identity(value, *rest):
    """A callback or errback that returns what it was given (a result, a failed task's id)."""
    return value


@app.task(name="tasks.fail")
def fail(message):
    raise ValueError(message)


@app.task(name="tasks.echo", bind=True)
def echo(self, *args, **kwargs):
    """Returns what the worker understood of our message."""
    info = self.request.delivery_info or {}
    return {
        "args": list(args),
        "kwargs": kwargs,
        "id": self.request.id,
        "eta": str(self.request.eta) if self.request.eta else None,
        "expires": str(self.request.expires) if self.request.expires else None,
        "retries": self.request.retries,
        "routing_key": info.get("routing_key"),
        "priority": info.get("priority"),
        "root_id": self.request.root_id,
        "parent_id": self.request.parent_id,
        "ran_at": time.time(),
    }


@app.task(name="tasks.record")
def record(list_key, tag):
    """Appends tag to a Redis list, so a test can see the order tasks ran in."""
    app.backend.client.rpush(list_key, tag)
    return tag


@app.task(name="tasks.progress", bind=True)
def progress(self, total):
    for i in range(total):
        self.update_state(state="PROGRESS", meta={"current": i + 1, "total": total})
    return total


@app.task(name="tasks.slow", acks_late=True)
def slow(list_key, tag, seconds):
    """Holds its claim (acks late) for a while, then records that it ran."""
    time.sleep(seconds)
    app.backend.client.rpush(list_key, tag)
    return tag


@app.task(name="tasks.flaky", bind=True)
def flaky(self, key, *rest, **kwargs):
    """Fails until the Redis key is set, then returns what it was given; each run noted in <key>:runs."""
    client = app.backend.client
    client.rpush(f"{key}:runs", json.dumps({"worker": self.request.hostname, "retries": self.request.retries}))
    value = client.get(key)
    if value is None:
        raise ValueError("the key is not set yet")
    info = self.request.delivery_info or {}
    return {"value": value.decode(), "rest": [len(str(r)) for r in rest], "kwargs": sorted(kwargs),
            "retries": self.request.retries, "routing_key": info.get("routing_key")}
