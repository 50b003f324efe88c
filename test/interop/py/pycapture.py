"""Listens to Celery events as `celery events` and Flower do: one EventReceiver capture for the
whole time, until `on_event` returns True or SECONDS have passed; says "listening" first.

One capture runs the whole time: a capture that ends and starts again unsubscribes in between,
and Redis pub/sub keeps nothing for a listener that is away, so an event sent then is lost.
The caller waits for the pattern subscription (PUBSUB NUMPAT) before it sends anything.
"""
import threading

from pyapp import app


def capture(seconds, on_event):
    with app.connection() as conn:
        recv = app.events.Receiver(conn, handlers={"*": lambda event: setattr(recv, "should_stop", True) if on_event(event) else None})
        timer = threading.Timer(seconds, lambda: setattr(recv, "should_stop", True))
        timer.start()
        print("listening", flush=True)
        # No timeout: kombu's consume() checks should_stop every second and keeps one subscription.
        recv.capture(limit=None, timeout=None, wakeup=False)
        timer.cancel()
