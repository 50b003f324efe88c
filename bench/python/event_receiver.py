"""Celery's own EventReceiver + events.state.State (what Flower runs) on a Redis event stream.

usage: event_receiver.py <broker url>
Prints a JSON line {"t": <unix s>, "n": <events its State took>, "cpu": <its CPU seconds>} four
times a second until killed.
State keeps Flower's default of 10,000 tasks in memory.
"""
import json
import sys
import threading
import time

from celery import Celery
from celery.events.state import State

app = Celery(broker=sys.argv[1])
state = State(max_tasks_in_memory=10000)
count = 0


def on_event(event):
    global count
    state.event(event)
    count += 1


def report():
    while True:
        sys.stdout.write(json.dumps({"t": time.time(), "n": count, "cpu": time.process_time()}) + "\n")
        sys.stdout.flush()
        time.sleep(0.25)


threading.Thread(target=report, daemon=True).start()
with app.connection() as connection:
    receiver = app.events.Receiver(connection, handlers={"*": on_event})
    receiver.capture(limit=None, timeout=None, wakeup=False)
