"""Celery settings that change what a worker does, set from Python (pyapp's tasks and app).

As a worker (-A pysettings): pyapp with result_expires from CELERIAC_TEST_RESULT_EXPIRES.
As a client: pysettings.py send NAME ARGS_JSON OPTIONS_JSON  -> send_task(NAME, ARGS, **OPTIONS); prints {"id"}
"""
import json
import os
import sys

from pyapp import app

if os.environ.get("CELERIAC_TEST_RESULT_EXPIRES"):
    app.conf.result_expires = int(os.environ["CELERIAC_TEST_RESULT_EXPIRES"])


if __name__ == "__main__":
    if sys.argv[1] != "send":
        raise SystemExit(f"unknown command {sys.argv[1]}")
    r = app.send_task(sys.argv[2], args=json.loads(sys.argv[3]), **json.loads(sys.argv[4]))
    print(json.dumps({"id": r.id}))
