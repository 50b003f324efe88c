"""Listens to Celery events as `celery events` and Flower do, and prints what it saw.

usage: pyevents.py SECONDS   -> prints "listening" at once, then one JSON list of events
"""
import json
import sys
import threading

from pyapp import app

seen = []


def on_event(event):
    seen.append({k: event.get(k) for k in ("type", "uuid", "hostname", "name", "result", "exception", "freq", "sw_ident", "clock")})


with app.connection() as conn:
    recv = app.events.Receiver(conn, handlers={"*": on_event})
    timer = threading.Timer(float(sys.argv[1]), lambda: setattr(recv, "should_stop", True))
    timer.start()
    print("listening", flush=True)
    while not recv.should_stop:
        try:
            recv.capture(limit=None, timeout=1, wakeup=False)
        except Exception:  # noqa: BLE001 - a quiet second ends one capture; go on listening
            continue
    timer.cancel()
print(json.dumps(seen), flush=True)
