"""Listens to Celery events as `celery events` and Flower do, and prints what it saw.

usage: pyevents.py SECONDS [UNTIL_TYPE] -> prints "listening" at once, then one JSON list of
events once SECONDS have passed or an event of UNTIL_TYPE (e.g. task-succeeded) has arrived
(see pycapture.py)
"""
import json
import sys

from pycapture import capture

seen = []
until_type = sys.argv[2] if len(sys.argv) > 2 else None


def on_event(event):
    seen.append({k: event.get(k) for k in ("type", "uuid", "hostname", "name", "result", "exception", "freq", "sw_ident", "clock")})
    return event.get("type") == until_type


capture(float(sys.argv[1]), on_event)
print(json.dumps(seen), flush=True)
