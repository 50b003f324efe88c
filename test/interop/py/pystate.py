"""Feeds Celery events (a JSON list on stdin) to Celery's own events.state.State, what Flower
runs, and prints what it ends up knowing of each task, for the history's merge test."""
import json
import sys

from celery.events.state import State

state = State()
for event in json.load(sys.stdin):
    state.event(event)
print(json.dumps({
    uuid: {"state": t.state, "name": t.name, "args": t.args, "result": t.result, "exception": t.exception,
           "worker": t.worker.hostname if t.worker else None, "retries": t.retries, "runtime": t.runtime}
    for uuid, t in state.tasks.items()
}))
