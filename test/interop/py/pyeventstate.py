"""Folds Celery events into Celery's own events.state.State as Flower does (EventReceiver, a
`task.multi` list included), until a worker says it is offline, and prints what State knows.

usage: pyeventstate.py SECONDS HOSTNAME -> prints "listening" at once, then one JSON object
once HOSTNAME's worker-offline has arrived (or SECONDS have passed): every event's type, uuid
and clock in the order received, and each task as State ends up knowing it.
"""
import json
import sys

from celery.events.state import State

from pycapture import capture

hostname = sys.argv[2]
state = State()
seen = []


def on_event(event):
    state.event(event)
    seen.append({"type": event.get("type"), "uuid": event.get("uuid"), "hostname": event.get("hostname"), "clock": event.get("clock")})
    return event.get("type") == "worker-offline" and event.get("hostname") == hostname


capture(float(sys.argv[1]), on_event)

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
