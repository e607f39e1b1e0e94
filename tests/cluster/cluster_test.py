#!/usr/bin/env python3
"""cluster_test.py — several hyperline processes (suite 'cluster'): SWIM membership over
loopback UDP between real nodes. Three nodes join through the first one's address; every node
lists all three alive; node 2 is SIGKILLed and the others mark it dead; node 3 stops with SIGTERM
and leaves gracefully. Addresses: loopback only. Bounded; every process is stopped at the end.

usage: cluster_test.py HYPERLINE HLCTL
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import tcheck
from tcheck import check, fail, left

HYPERLINE, HLCTL = sys.argv[1], sys.argv[2]
tcheck.budget(80)
PROCS = []

NODE_INI = """[node]
name = c{i}
roles = gate,manager,worker
dc = dc1
polling = adaptive
state_dir = {state}/c{i}
[management]
client = 127.0.0.1:0
swim = 127.0.0.1:0
[lcores]
service = 1
traffic = 2
[port.test0]
device = net_ring0
{seeds}
"""


def start(tmp, i, seed=None):
    path = os.path.join(tmp, "c%d.ini" % i)
    with open(path, "w") as f:
        f.write(NODE_INI.format(i=i, state=tmp,
                                seeds="[seeds]\nlist = %s" % seed if seed else ""))
    open(os.path.join(tmp, "c%d.log" % i), "w").close()
    log = open(os.path.join(tmp, "c%d.log" % i), "a+")  # append: reads never move its writes
    p = subprocess.Popen(
        [HYPERLINE, "--no-huge", "-m", "128", "--no-pci", "--file-prefix",
         "hl-cl-%d-%d" % (os.getpid(), i), "--lcores", "(0-2)@(0-1)", "--vdev", "net_ring0",
         "--log-level", "lib.eal:error", "--", "--profile", path],
        stdout=subprocess.PIPE, stderr=log, text=True)
    PROCS.append(p)
    client = swim = None
    while client is None or swim is None:
        line = p.stdout.readline()
        if not line:
            log.seek(0)
            fail("node %d exited: %s" % (i, log.read()[-1500:]))
        m = re.search(r"client API on (\S+)", line)
        client = m.group(1) if m else client
        m = re.search(r"SWIM membership on udp (\S+)", line)
        swim = m.group(1) if m else swim
        left()
    return p, client, swim


def members(client):
    r = subprocess.run([HLCTL, "-s", client, "nodes"], capture_output=True, text=True,
                       timeout=left())
    if r.returncode != 0:
        return {}
    out = {}
    for line in r.stdout.splitlines()[1:]:
        f = line.split()
        out[f[0]] = f[-2]
    return out


def wait_for(what, pred):
    while not pred():
        left()
        time.sleep(0.2)
    print("ok:", what)  # left() fails the test if pred never held


def main():
    with tempfile.TemporaryDirectory(prefix="hl-cluster-") as tmp:
        try:
            n1, c1, s1 = start(tmp, 1)
            n2, c2, s2 = start(tmp, 2, s1)
            n3, c3, s3 = start(tmp, 3, s1)
            addrs = {s1, s2, s3}
            for c in (c1, c2, c3):
                wait_for("%s sees three alive members" % c,
                         lambda c=c: {a for a, st in members(c).items() if st == "alive"} ==
                         addrs)
            n2.kill()
            n2.wait()
            t0 = time.monotonic()
            for c in (c1, c3):
                wait_for("%s marks the SIGKILLed node dead" % c,
                         lambda c=c: members(c).get(s2) == "dead")
            print("detection: %.1f s after SIGKILL (LAN preset, probe 100 ms)" %
                  (time.monotonic() - t0))
            n3.send_signal(signal.SIGTERM)
            check(n3.wait(timeout=15) == 0, "node 3 stops cleanly on SIGTERM")
            wait_for("node 1 sees node 3 leave", lambda: members(c1).get(s3) == "left")
            n1.send_signal(signal.SIGTERM)
            check(n1.wait(timeout=15) == 0, "node 1 stops cleanly")
        finally:
            for p in PROCS:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            # the nodes' DPDK runtime directories (--no-huge still makes one per prefix)
            for d in glob.glob("/var/run/dpdk/" + "hl-cl-%d-" % os.getpid() + "*"):
                shutil.rmtree(d, ignore_errors=True)
    print("PASS cluster membership")


if __name__ == "__main__":
    main()
