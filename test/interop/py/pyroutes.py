"""The interop app routed as a real deployment: a default queue other than `celery`, and a queue
bound to a direct exchange under another routing key (kombu's Queue('rq', Exchange('rex'), 'rk')).

usage: pyroutes.py canvas <case>   Python's canvas case (pycanvas.py) sent with task_default_queue
       from CELERIAC_TEST_DEFAULT_QUEUE (prints its JSON line)
As a worker app: celery -A pyroutes worker -Q rq  (binds rq to rex with rk as it starts)
"""
import json
import os
import sys

from kombu import Exchange, Queue

from pyapp import app

DEFAULT_QUEUE = os.environ.get("CELERIAC_TEST_DEFAULT_QUEUE", "cvq")

app.conf.update(
    task_default_queue=DEFAULT_QUEUE,
    task_queues=[
        Queue(DEFAULT_QUEUE),
        Queue("rq", Exchange("rex", type="direct"), routing_key="rk"),
    ],
    task_routes={"tasks.echo": {"queue": "rq", "exchange": "rex", "routing_key": "rk"}},
)

if os.environ.get("CELERIAC_TEST_WIRE") == "msgpack":
    # The deployment's wire as well as its routes: msgpack bodies, gzip, msgpack results on db 1.
    app.conf.update(
        task_serializer="msgpack",
        result_serializer="msgpack",
        accept_content=["json", "msgpack"],
        result_backend=app.conf.broker_url.rsplit("/", 1)[0] + "/1",
        task_compression="gzip",
        # Celery 5.2.6 compresses task messages by this setting (app/amqp.py reads it), not task_compression.
        result_compression="gzip",
    )

def case_chain_to_exchange():
    """A chain whose second step the worker of the first routes (tasks.echo: rex/rk -> rq)."""
    from celery import chain

    from pyapp import add, echo

    r = chain(add.s(1, 2), echo.s()).apply_async()
    return {"result": r.get(timeout=20)}


def case_send_exchange():
    """A task sent as Celery sends it to a direct exchange with a routing key (the Celeriac
    worker that consumes tsq bound it to tex under tk)."""
    from pyapp import add

    return {"result": add.apply_async((2, 3), exchange="tex", routing_key="tk").get(timeout=20)}


if __name__ == "__main__":
    import pycanvas

    if sys.argv[1] == "canvas":
        print(json.dumps(getattr(pycanvas, f"case_{sys.argv[2]}")()))
    elif sys.argv[1] == "chain_to_exchange":
        print(json.dumps(case_chain_to_exchange()))
    elif sys.argv[1] == "send_exchange":
        print(json.dumps(case_send_exchange()))
