"""Celery's own events.state.State (what Flower runs) fed the events in a JSON file; prints
events per second."""
import json
import sys
import time

from celery.events.state import State

events = json.load(open(sys.argv[1]))
state = State(max_tasks_in_memory=len(events))
started = time.perf_counter()
for event in events:
    state.event(event)
print(json.dumps({"events_per_s": len(events) / (time.perf_counter() - started)}))
