"""Sends tasks.flaky as a Python producer would, with arguments whose repr Celery keeps whole or not.

usage: pyretry.py send KEY VARIANT QUEUE   (prints {"id"})
  plain   (KEY, 'x', 1) and kwargs {'n': None}: a repr read back whole
  long    (KEY, 'y' * 3000): Celery cuts its argsrepr at 1,024 characters
  object  (KEY, datetime): its argsrepr holds datetime.datetime(...), not a literal
"""
import datetime
import json
import sys

from pyapp import flaky

VARIANTS = {
    "plain": lambda key: ((key, "x", 1), {"n": None}),
    "long": lambda key: ((key, "y" * 3000), {}),
    "object": lambda key: ((key, datetime.datetime(2026, 1, 2, 3, 4, 5)), {}),
}

if __name__ == "__main__":
    _, key, variant, queue = sys.argv[1:5]
    args, kwargs = VARIANTS[variant](key)
    print(json.dumps({"id": flaky.apply_async(args, kwargs, queue=queue).id}))
