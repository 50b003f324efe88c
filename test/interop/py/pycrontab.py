"""Python Celery's crontab next runs, for the crontab property test.

usage: pycrontab.py CASES.json   (a list of {fields, tz, at: unix ms}); prints a JSON list of the
next run after each `at`, in unix ms, as crontab.remaining_estimate gives it (now = at).
"""
import json
import sys
from datetime import datetime, timezone

import pytz
from celery import Celery
from celery.schedules import crontab

apps = {}


def app_for(tz):
    if tz not in apps:
        app = Celery("crontab-check", set_as_current=False)
        app.conf.timezone = tz
        app.conf.enable_utc = True
        apps[tz] = app
    return apps[tz]


def next_run(case):
    tz = pytz.timezone(case["tz"])
    last = datetime.fromtimestamp(case["at"] / 1000, timezone.utc).astimezone(tz)
    f = case["fields"]
    c = crontab(minute=f["minute"], hour=f["hour"], day_of_week=f["day_of_week"], day_of_month=f["day_of_month"],
                month_of_year=f["month_of_year"], nowfun=lambda: last, app=app_for(case["tz"]))
    return round((last + c.remaining_estimate(last)).timestamp() * 1000)


if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        print(json.dumps([next_run(c) for c in json.load(fh)]))
