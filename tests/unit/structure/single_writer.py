#!/usr/bin/env python3
"""single_writer.py — seed-defects C.1 for the sans-IO cores (suite 'unit').

Health state, dispatch counters and breaker state must each have one writer. The cores make
that structural: every piece of their state lives in a struct the host creates and passes in
(one hl_swim, hl_manager, hl_gate, hl_dc_mgr ... per owner), and the node gives each such
object to exactly one lcore. This check fails the build's tests if a core source grows state
that could have a second writer: a mutable file-scope or function-scope static variable, a
thread, a lock or an atomic. Constant tables are fine.

usage: single_writer.py SOURCE_ROOT
"""
import os
import re
import sys

root = sys.argv[1]
FORBIDDEN = [
    (re.compile(r"#\s*include\s*<(pthread|stdatomic|threads)\.h>"), "thread/atomic header"),
    (re.compile(r"\b(_Atomic|__atomic_\w+|__sync_\w+|pthread_\w+)\b"), "atomic or lock"),
]
# a static variable: `static <type> name [= ...];` that is not const and not a function
STATIC_VAR = re.compile(r"^\s*static\s+(?!inline\b)([^;(){}]*?)\b(\w+)\s*(\[[^\]]*\])*\s*(=|;)")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


bad = []
checked = 0
for core in ("swim", "coord"):
    d = os.path.join(root, core)
    for name in sorted(os.listdir(d)):
        if not name.endswith((".c", ".h")):
            continue
        checked += 1
        text = strip_comments(open(os.path.join(d, name)).read())
        for no, line in enumerate(text.splitlines(), 1):
            for rx, what in FORBIDDEN:
                if rx.search(line):
                    bad.append("%s/%s:%d: %s: %s" % (core, name, no, what, line.strip()))
            m = STATIC_VAR.match(line)
            if m and "const" not in m.group(1).split() and "const" not in line.split("=")[0]:
                bad.append("%s/%s:%d: mutable static state: %s" % (core, name, no, line.strip()))
if checked < 20:
    print("FAIL: only %d core sources found under %s" % (checked, root))
    sys.exit(1)
for b in bad:
    print("FAIL:", b)
if bad:
    sys.exit(1)
print("ok: %d sources of swim/ and coord/: no mutable static state, no threads, locks or "
      "atomics (every state object has the one owner that passes it in)" % checked)
