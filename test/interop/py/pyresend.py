"""A Python deployment whose task fails on its arguments: tasks.divide, routed by task_routes to
a queue of its own and sent in msgpack (the workers accept json and msgpack, as pyapp says).

usage: pyresend.py send A B   divide.delay(A, B) as a Python producer sends it (prints {"id"})
As a worker app: celery -A pyresend worker -Q pyresendq
"""
import json
import sys

from pyapp import app

# The task's own serializer, not task_serializer: that one is the remote control's too, whose
# msgpack replies the room does not read.
app.conf.update(task_routes={"tasks.divide": {"queue": "pyresendq"}})


@app.task(name="tasks.divide", serializer="msgpack")
def divide(a, b):
    """Fails with ZeroDivisionError when b is 0: a failure its arguments caused."""
    return a / b


if __name__ == "__main__":
    _, cmd, a, b = sys.argv[:4]
    if cmd == "send":
        print(json.dumps({"id": divide.delay(int(a), int(b)).id}))
