"""Listens to Celery events as `celery events` and Flower do, and prints what it saw.

usage: pyevents.py SECONDS [UNTIL_TYPE] -> prints "listening" at once, then one JSON list of
events once SECONDS have passed or an event of UNTIL_TYPE (e.g. task-succeeded) has arrived

One capture runs the whole time: a capture that ends and starts again unsubscribes in between,
and Redis pub/sub keeps nothing for a listener that is away, so an event sent then is lost.
The caller waits for the pattern subscription (PUBSUB NUMPAT) before it sends anything.
"""
import json
import sys
import threading

from pyapp import app

seen = []
until_type = sys.argv[2] if len(sys.argv) > 2 else None


def on_event(event):
    seen.append({k: event.get(k) for k in ("type", "uuid", "hostname", "name", "result", "exception", "freq", "sw_ident", "clock")})
    if event.get("type") == until_type:
        recv.should_stop = True


with app.connection() as conn:
    recv = app.events.Receiver(conn, handlers={"*": on_event})
    timer = threading.Timer(float(sys.argv[1]), lambda: setattr(recv, "should_stop", True))
    timer.start()
    print("listening", flush=True)
    # No timeout: kombu's consume() checks should_stop every second and keeps one subscription.
    recv.capture(limit=None, timeout=None, wakeup=False)
    timer.cancel()
print(json.dumps(seen), flush=True)
