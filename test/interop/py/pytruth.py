"""A Python Celery app with Celery's defaults (no result_extended, workers without -E), for the
tests of what the control room says of a Python task: retries, revokes, queues, canvas, ETAs.

usage: pytruth.py <command> [args...]   (prints one JSON line)
  retry-self            a task that self.retry()s 3 times (countdown 0 then 1 s), then succeeds
  retry-auto            a task autoretried 3 times (countdown 0), then succeeds
  long SECONDS          a task that reports PROGRESS and sleeps
  revoke-terminate ID   app.control.revoke(ID, terminate=True)
  send-to QUEUE N       N adds sent to QUEUE (routing key QUEUE), not waited for
  chord N               a chord of N adds and a sum, waited for; prints the header ids and the body's
  chain-fail            add, fail, add: waited for the failure; prints the three ids
  eta SECONDS           an add with a countdown; prints its id
  wait ID               waits for ID's final state
"""
import json
import os
import sys
import time

from celery import Celery, chain, chord

BROKER = os.environ.get("CELERIAC_TEST_BROKER", "redis://127.0.0.1:6379/0")

app = Celery("pytruth", broker=BROKER, backend=BROKER)
app.conf.update(worker_prefetch_multiplier=1, worker_hijack_root_logger=False)

RETRIES = 3


@app.task(name="truth.add")
def add(x, y):
    return x + y


@app.task(name="truth.tsum")
def tsum(values):
    return sum(values)


@app.task(name="truth.fail")
def fail(*args):
    raise ValueError("a chain step fails")


@app.task(name="truth.retry_self", bind=True, max_retries=RETRIES)
def retry_self(self):
    if self.request.retries < RETRIES:
        raise self.retry(exc=KeyError(f"try {self.request.retries}"), countdown=self.request.retries % 2)
    return self.request.retries


@app.task(name="truth.retry_auto", bind=True, autoretry_for=(KeyError,), retry_kwargs={"max_retries": RETRIES, "countdown": 0})
def retry_auto(self):
    if self.request.retries < RETRIES:
        raise KeyError(f"try {self.request.retries}")
    return self.request.retries


@app.task(name="truth.long", bind=True)
def long(self, seconds):
    self.update_state(state="PROGRESS", meta={"current": 1, "total": 2})
    time.sleep(seconds)
    return seconds


def settled(task_id, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        meta = app.backend.get_task_meta(task_id)
        if meta["status"] in ("SUCCESS", "FAILURE", "REVOKED"):
            return meta["status"]
        time.sleep(0.05)
    raise TimeoutError(f"{task_id} did not finish")


def main(cmd, *args):
    if cmd == "retry-self":
        r = retry_self.delay()
        return {"id": r.id, "state": settled(r.id)}
    if cmd == "retry-auto":
        r = retry_auto.delay()
        return {"id": r.id, "state": settled(r.id)}
    if cmd == "long":
        return {"id": long.delay(float(args[0])).id}
    if cmd == "revoke-terminate":
        app.control.revoke(args[0], terminate=True)
        return {"id": args[0]}
    if cmd == "send-to":
        return {"ids": [add.apply_async((i, i), queue=args[0]).id for i in range(int(args[1]))]}
    if cmd == "chord":
        r = chord([add.s(i, i) for i in range(int(args[0]))], tsum.s()).apply_async()
        r.get(timeout=30)
        return {"body": r.id, "header": [c.id for c in r.parent.results]}
    if cmd == "chain-fail":
        r = chain(add.s(1, 2), fail.s(), add.s(3)).apply_async()
        first = r.parent.parent
        return {"ids": [first.id, r.parent.id, r.id], "failed": settled(r.parent.id)}
    if cmd == "eta":
        return {"id": add.apply_async((1, 1), countdown=float(args[0])).id}
    if cmd == "wait":
        return {"id": args[0], "state": settled(args[0])}
    raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
