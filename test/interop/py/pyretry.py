"""Sends tasks.flaky as a Python producer would, with arguments whose repr Celery keeps whole or not.

usage: pyretry.py send KEY VARIANT QUEUE   (prints {"id"})
  plain   (KEY, 'x', 1) and kwargs {'n': None}: a repr read back whole
  long    (KEY, 'y' * 3000): Celery cuts its argsrepr at 1,024 characters
  object  (KEY, datetime): its argsrepr holds datetime.datetime(...), not a literal
  later   plain, with a countdown of 3 s (time to revoke it before it runs)
  chained plain, as the second step of a chain after tasks.add (prints the flaky step's id)
"""
import datetime
import json
import sys

from celery import chain

from pyapp import add, flaky

VARIANTS = {
    "plain": lambda key: ((key, "x", 1), {"n": None}),
    "long": lambda key: ((key, "y" * 3000), {}),
    "object": lambda key: ((key, datetime.datetime(2026, 1, 2, 3, 4, 5)), {}),
}

if __name__ == "__main__":
    _, key, variant, queue = sys.argv[1:5]
    if variant == "later":
        result = flaky.apply_async(*VARIANTS["plain"](key), queue=queue, countdown=3)
    elif variant == "chained":
        args, kwargs = VARIANTS["plain"](key)
        result = chain(add.si(1, 2).set(queue=queue), flaky.signature(args, kwargs, immutable=True).set(queue=queue)).apply_async()
    else:
        args, kwargs = VARIANTS[variant](key)
        result = flaky.apply_async(args, kwargs, queue=queue)
    print(json.dumps({"id": result.id}))
