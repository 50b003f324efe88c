"""Python's canvas, sent and read by Python: the interop tests run it against Celeriac workers.

usage: pycanvas.py <case>   (prints one JSON line with what Python's results say)
"""
import json
import sys
import time
from uuid import uuid4

from celery import chain, chord, group
from celery.result import GroupResult

from pyapp import add, app, fail, identity, mul, tsum

T = 20


def settled(task_id):
    """A task's stored meta once it is final, read by polling: AsyncResult.get() after an
    earlier get() raised was seen to miss a result already stored (Celery 5.2's pubsub consumer)."""
    deadline = time.time() + T
    while time.time() < deadline:
        meta = app.backend.get_task_meta(task_id)
        if meta["status"] in ("SUCCESS", "FAILURE", "REVOKED"):
            return meta
        time.sleep(0.05)
    raise TimeoutError(f"{task_id} did not finish")


def exc(e):
    return {"exc_type": type(e).__name__, "exc_module": type(e).__module__, "exc_message": str(e)}


def case_chain():
    r = chain(add.s(1, 2), add.s(10), mul.s(2)).apply_async()
    value = r.get(timeout=T)
    first = r.parent.parent
    return {"result": value, "middle": r.parent.get(timeout=T), "first": first.get(timeout=T),
            "root_children": [c.id for c in app.AsyncResult(first.id).children or []],
            "middle_id": r.parent.id, "last_parent": app.backend.get_task_meta(r.id).get("parent_id")}


def case_group():
    g = group(add.s(i, i) for i in range(4)).apply_async()
    g.save()
    restored = GroupResult.restore(g.id, app=app)
    return {"result": g.get(timeout=T), "restored": [r.id for r in restored.results] == [r.id for r in g.results],
            "groups": sorted({app.backend.get_task_meta(r.id).get("group_id") for r in g.results}) == [g.id]}


def case_chord():
    r = chord([add.s(i, i) for i in range(5)], tsum.s()).apply_async()
    return {"result": r.get(timeout=T)}


def case_link():
    r = add.apply_async((1, 2), link=identity.s("cb"))
    r.get(timeout=T)
    children = app.AsyncResult(r.id).children
    return {"result": r.result, "callback": children[0].get(timeout=T), "callback_parent": app.backend.get_task_meta(children[0].id).get("parent_id") == r.id}


def case_link_error():
    eb = identity.s("eb").set(task_id=str(uuid4()))
    r = fail.apply_async(("boom",), link_error=eb)
    try:
        r.get(timeout=T)
    except Exception as e:  # noqa: BLE001
        error = exc(e)
    return {"error": error, "errback": settled(eb.id)["result"] == r.id}


def case_chain_failure():
    r = chain(add.s(1, 1), fail.si("boom"), add.s(1)).apply_async()
    try:
        r.get(timeout=T)
    except Exception as e:  # noqa: BLE001
        error = exc(e)
    return {"error": error, "last_state": settled(r.id)["status"], "first": settled(r.parent.parent.id)["result"]}


def case_chain_chord_chain():
    r = chain(add.s(1, 1), group(add.s(1), add.s(2)), tsum.s(), add.s(5)).apply_async()
    return {"result": r.get(timeout=T)}


def case_chord_failure():
    eb = identity.s("eb").set(task_id=str(uuid4()))
    r = chord([add.s(1, 1), fail.si("boom")], tsum.s().on_error(eb)).apply_async()
    try:
        # A fresh AsyncResult: the chord's own would raise its header's error first.
        app.AsyncResult(r.id).get(timeout=T)
    except Exception as e:  # noqa: BLE001
        error = exc(e)
    return {"error": error, "errback": settled(eb.id)["result"] == r.id}


if __name__ == "__main__":
    print(json.dumps(globals()[f"case_{sys.argv[1]}"]()))
