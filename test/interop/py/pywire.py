"""A Python deployment that does not use Celery's defaults on the wire: msgpack task bodies,
gzip compression, msgpack results on database 1. Run as a worker (-A pywire) or as a client:
    pywire.py send <task> <args-json> [serializer] [compression]   -> prints the task id
    pywire.py get <id>                                              -> prints {"status", "result"|"exc_type"...}
    pywire.py send-proto1 <task> <args-json>                        -> task_protocol = 1
    pywire.py send-to <queue> <priority> <task> <args-json>         -> routed, with a priority
"""
import json
import os
import sys

from celery import Celery

BROKER = os.environ.get("CELERIAC_TEST_BROKER", "redis://127.0.0.1:6379/0")
BACKEND = BROKER.rsplit("/", 1)[0] + "/1"

app = Celery("pywire", broker=BROKER, backend=BACKEND)
app.conf.update(
    task_serializer="msgpack",
    result_serializer="msgpack",
    accept_content=["json", "msgpack", "yaml"],
    # Celery 5.2.6 does not apply task_compression in apply_async (it reads result_compression):
    # the client below passes compression explicitly, as such a deployment must.
    task_compression="gzip",
    result_extended=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
)


@app.task(name="wire.add")
def add(x, y):
    return x + y


@app.task(name="wire.echo")
def echo(value):
    if isinstance(value, bytes):
        return {"bytes": list(value)}
    return value


@app.task(name="wire.tsum")
def tsum(values):
    return sum(values)


@app.task(name="wire.fail")
def fail(message):
    raise ValueError(message)


def outcome(task_id):
    r = app.AsyncResult(task_id)
    try:
        value = r.get(timeout=20, propagate=True)
        return {"status": r.status, "result": value}
    except Exception as exc:  # the task's own exception, rebuilt by Celery
        return {"status": r.status, "exc_type": type(exc).__name__, "exc_message": str(exc)}


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "send":
        serializer = sys.argv[4] if len(sys.argv) > 4 else "msgpack"
        compression = sys.argv[5] if len(sys.argv) > 5 else "gzip"
        args = json.loads(sys.argv[3])
        if serializer == "msgpack" and os.environ.get("PYWIRE_BIG") == "1":
            args = [2 ** 60]
        r = app.send_task(sys.argv[2], args=args, serializer=serializer, compression=compression or None)
        print(json.dumps({"id": r.id}))
    elif cmd == "send-to":
        r = app.send_task(sys.argv[4], args=json.loads(sys.argv[5]), queue=sys.argv[2], priority=int(sys.argv[3]), serializer="msgpack", compression="gzip")
        print(json.dumps({"id": r.id}))
    elif cmd == "send-proto1":
        app.conf.task_protocol = 1
        r = app.send_task(sys.argv[2], args=json.loads(sys.argv[3]), serializer="json")
        print(json.dumps({"id": r.id}))
    elif cmd == "chord":
        # Header members on both workers (queue pyq is Python's, celery Celeriac's), the body on Celeriac's.
        from celery import chord
        header = [app.signature("wire.add", (i, i), queue="pyq" if i % 2 else "celery") for i in range(1, 7)]
        r = chord(header)(app.signature("wire.tsum", queue="celery"))
        print(json.dumps({"id": r.id, **outcome(r.id)}))
    elif cmd == "chain-held":
        # The second step goes to a queue nobody consumes, for the test to see how it was written.
        from celery import chain
        r = chain(app.signature("wire.add", (1, 2), queue="celery"), app.signature("wire.add", (10,), queue="held2")).apply_async()
        print(json.dumps({"id": r.id}))
    elif cmd == "group-save":
        from celery import group
        g = group(app.signature("wire.add", (i, 1), queue="celery") for i in range(3)).apply_async()
        g.get(timeout=20)
        g.save()
        print(json.dumps({"id": g.id, "children": [c.id for c in g.results]}))
    elif cmd == "group-restore":
        g = app.GroupResult.restore(sys.argv[2])
        print(json.dumps({"children": [c.id for c in g.results], "values": g.get(timeout=20)}))
    elif cmd == "get":
        print(json.dumps(outcome(sys.argv[2])))
    elif cmd == "send-get":
        r = app.send_task(sys.argv[2], args=json.loads(sys.argv[3]), compression="gzip")
        print(json.dumps({"id": r.id, **outcome(r.id)}))
