"""tcheck.py — what every Python test of the node shares: `ok:` / `FAIL:` lines and a time budget.

    import tcheck
    from tcheck import check, fail, left
    tcheck.budget(80)                  # seconds from now; left() fails the test past it
    tcheck.on_fail(dump_logs)          # called before the FAIL line (e.g. the nodes' last words)
"""
import sys
import time

_deadline = time.monotonic() + 60
_hooks = []


def budget(seconds):
    global _deadline
    _deadline = time.monotonic() + seconds


def on_fail(fn):
    _hooks.append(fn)


def fail(msg):
    for fn in _hooks:
        fn()
    print("FAIL:", msg)
    sys.stdout.flush()
    raise SystemExit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok:", msg)


def left():
    """Seconds left of the budget; fails the test once it is spent."""
    t = _deadline - time.monotonic()
    if t <= 0:
        fail("test ran over its time budget")
    return t
