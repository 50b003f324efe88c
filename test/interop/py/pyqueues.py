"""Sends what the queue browser's interop test browses: tasks.echo routed as pyroutes routes it
(queue rq on the direct exchange rex, routing key rk), in msgpack with gzip, with a priority.

usage: pyqueues.py send <priority> <args-json>   -> prints {"id"}
"""
import json
import sys

from kombu import Exchange, Queue

from pyroutes import app
from pyapp import echo


def main(cmd, *args):
    if cmd == "send":
        # Declared as a worker of rq would declare it, so the exchange routes to it before one starts.
        with app.connection_for_write() as conn:
            Queue("rq", Exchange("rex", type="direct"), routing_key="rk")(conn.default_channel).declare()
        r = echo.apply_async(args=json.loads(args[1]), priority=int(args[0]), serializer="msgpack", compression="gzip")
        return {"id": r.id}
    raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
