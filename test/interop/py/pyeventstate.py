"""Folds Celery events into Celery's own events.state.State as Flower does (EventReceiver, a
`task.multi` list included), until a worker says it is offline, and prints what State knows.

usage: pyeventstate.py SECONDS HOSTNAME -> prints "listening" at once, then one JSON object
once HOSTNAME's worker-offline has arrived (or SECONDS have passed): every event's type, uuid
and clock in the order received, and each task as State ends up knowing it.
"""
import json
import sys
import threading

from celery.events.state import State

from pyapp import app

hostname = sys.argv[2]
state = State()
seen = []


def on_event(event):
    state.event(event)
    seen.append({"type": event.get("type"), "uuid": event.get("uuid"), "hostname": event.get("hostname"), "clock": event.get("clock")})
    if event.get("type") == "worker-offline" and event.get("hostname") == hostname:
        recv.should_stop = True


with app.connection() as conn:
    recv = app.events.Receiver(conn, handlers={"*": on_event})
    timer = threading.Timer(float(sys.argv[1]), lambda: setattr(recv, "should_stop", True))
    timer.start()
    print("listening", flush=True)
    recv.capture(limit=None, timeout=None, wakeup=False)
    timer.cancel()

worker = state.workers.get(hostname)
print(json.dumps({
    "events": seen,
    "tasks": {
        uuid: {"state": t.state, "name": t.name, "args": t.args, "result": t.result, "exception": t.exception,
               "worker": t.worker.hostname if t.worker else None, "received": t.received, "started": t.started,
               "succeeded": t.succeeded, "failed": t.failed}
        for uuid, t in state.tasks.items()
    },
    "worker": {"alive": worker.alive, "processed": worker.processed} if worker else None,
}), flush=True)
