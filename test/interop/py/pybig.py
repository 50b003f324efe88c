"""Sends tasks whose failure is large, as a Python producer would (a message too big for argv).

usage: pybig.py send-fail-big SIZE   fail.delay('E' * SIZE), waits; prints {"id", "exc_type", "size"}
"""
import json
import sys

from pyapp import fail


def main(cmd, *args):
    if cmd == "send-fail-big":
        size = int(args[0])
        r = fail.delay("E" * size)
        try:
            r.get(timeout=30)
        except Exception as exc:  # noqa: BLE001 - the failure is the point
            return {"id": r.id, "exc_type": type(exc).__name__, "size": len(str(exc))}
        return {"id": r.id, "error": "did not fail"}
    raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
