"""Python-side helper for the interop tests: sends tasks and reads results as Python code would.

usage: pyclient.py <command> [args...]   (prints one JSON line)
  send-add X Y              add.delay(X, Y) and wait; prints {"id", "result"}
  send-fail MESSAGE         fail.delay(MESSAGE), waits; prints {"id", "exc_type", "exc_message"}
  send-progress N           progress.delay(N) and wait; prints {"id", "result"}
  enqueue NAME ARGS_JSON Q  send_task without waiting; prints {"id"}
  call NAME ARGS_JSON Q     send_task and wait; prints {"id", "result"}
  retried NAME RETRIES S    send_task as a Python worker's retry re-sends it (retries, countdown)
  get ID [TIMEOUT]          AsyncResult(ID).get(); prints {"state", "result"} or the exception
  state ID                  AsyncResult(ID).state and .info, without waiting
  inspect METHOD            app.control.inspect().METHOD(); prints the replies
  revoke ID                 app.control.revoke(ID)
"""
import json
import sys

from pyapp import add, app, fail, progress


def exc_json(task_id, exc):
    return {"id": task_id, "exc_type": type(exc).__name__, "exc_module": type(exc).__module__,
            "exc_message": str(exc)}


def main(cmd, *args):
    if cmd == "send-add":
        r = add.delay(int(args[0]), int(args[1]))
        return {"id": r.id, "result": r.get(timeout=20)}
    if cmd == "send-fail":
        r = fail.delay(args[0])
        try:
            r.get(timeout=20)
        except Exception as exc:  # noqa: BLE001 - the point is to report it
            return exc_json(r.id, exc)
        return {"id": r.id, "error": "did not fail"}
    if cmd == "send-progress":
        r = progress.delay(int(args[0]))
        return {"id": r.id, "result": r.get(timeout=20)}
    if cmd == "enqueue":
        r = app.send_task(args[0], args=json.loads(args[1]), queue=args[2])
        return {"id": r.id}
    if cmd == "call":
        r = app.send_task(args[0], args=json.loads(args[1]), queue=args[2])
        return {"id": r.id, "result": r.get(timeout=30)}
    if cmd == "retried":
        r = app.send_task(args[0], retries=int(args[1]), countdown=float(args[2]))
        return {"id": r.id}
    if cmd == "get":
        r = app.AsyncResult(args[0])
        try:
            value = r.get(timeout=float(args[1]) if len(args) > 1 else 10)
        except Exception as exc:  # noqa: BLE001
            return dict(exc_json(r.id, exc), state=r.state)
        return {"id": r.id, "state": r.state, "result": value}
    if cmd == "inspect":
        return getattr(app.control.inspect(timeout=1), args[0])() or {}
    if cmd == "revoke":
        app.control.revoke(args[0])
        return {"id": args[0]}
    if cmd == "state":
        r = app.AsyncResult(args[0])
        info = r.info
        if isinstance(info, BaseException):
            info = {"exc_type": type(info).__name__, "exc_message": str(info)}
        return {"id": r.id, "state": r.state, "info": info}
    raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
