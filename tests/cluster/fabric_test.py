#!/usr/bin/env python3
"""fabric_test.py — three hyperline nodes whose SWIM runs on a DPDK fabric port (suite
'cluster'): each node has a net_tap fabric (--vdev net_tap0,iface=hlfN) put on a Linux bridge
inside a network namespace hl-fab-<pid> made for the test. Fabric addresses 10.99.1.1-3 exist
only in the DPDK fabrics inside that namespace; the client API and HTTP listen on the
namespace's own loopback. Checks: every node lists three alive members (ARP and SWIM over the
fabric), /metrics shows the fabric's ARP and SWIM counters, a SIGKILLed node is marked dead by
the others within a bound, a SIGTERMed one leaves gracefully and exits 0. Every process is
killed and the namespace deleted on exit, also on failure or SIGTERM (meson's timeout).
Skips (77) when not root or when the namespace, bridge or net_tap cannot be made.

usage: fabric_test.py HYPERLINE HLCTL
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HYPERLINE, HLCTL = sys.argv[1], sys.argv[2]
T_START = time.monotonic()
DEADLINE = T_START + 55  # the whole test, meson's timeout is 60 s
DETECT_BOUND = 10.0  # s from SIGKILL to "dead" on both others (LAN preset: about 1-3 s)
NS = "hl-fab-%d" % os.getpid()
BR = "hlfbr0"
SWIM_PORT = 7946
PROCS = []

NODE_INI = """[node]
name = f{i}
roles = gate,manager
dc = dc1
cluster_id = hl-fabric-test
polling = adaptive
state_dir = {state}/f{i}
[management]
client = 127.0.0.1:0
http = 127.0.0.1:0
[fabric]
port = net_tap0
address = 10.99.1.{i}:{swim_port}
[lcores]
service = 1
{seeds}
"""


class Skip(Exception):
    pass


def fail(msg):
    print("FAIL:", msg)
    raise SystemExit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok:", msg)


def left():
    t = DEADLINE - time.monotonic()
    if t <= 0:
        fail("test ran over its time budget")
    return t


def ns(*cmd, check_rc=True, timeout=None):
    """Run a command inside the test's namespace."""
    r = subprocess.run(["ip", "netns", "exec", NS] + list(cmd), capture_output=True, text=True,
                       timeout=timeout if timeout else min(left(), 10))
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r


def make_namespace():
    if os.geteuid() != 0:
        raise Skip("needs root (network namespace, tap devices)")
    if subprocess.run(["ip", "netns", "add", NS], capture_output=True).returncode != 0:
        raise Skip("cannot create network namespace %s" % NS)
    ns("ip", "link", "set", "lo", "up")
    if ns("ip", "link", "add", BR, "type", "bridge", check_rc=False).returncode != 0:
        raise Skip("cannot create a bridge in %s" % NS)
    # IPv6 off keeps the kernel quiet on the taps; the bridge forwards at once.
    ns("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", check_rc=False)
    ns("ip", "link", "set", BR, "type", "bridge", "stp_state", "0", "forward_delay", "0",
       check_rc=False)
    ns("ip", "link", "set", BR, "up")


def cleanup():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            print("warning: pid %d did not exit after SIGKILL" % p.pid)
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)


def start(tmp, i, seeds):
    path = os.path.join(tmp, "f%d.ini" % i)
    with open(path, "w") as f:
        f.write(NODE_INI.format(i=i, state=tmp, swim_port=SWIM_PORT,
                                seeds="[seeds]\nlist = %s" % seeds if seeds else ""))
    logpath = os.path.join(tmp, "f%d.log" % i)
    log = open(logpath, "w+")
    iface = "hlf%d" % i
    # `ip netns exec` execs the command: the Popen pid is the node itself.
    p = subprocess.Popen(
        ["ip", "netns", "exec", NS, HYPERLINE, "--no-huge", "-m", "256", "--no-pci",
         "--file-prefix", "hl-fab-%d-%d" % (os.getpid(), i), "--lcores", "(0-1)@(0-1)",
         "--vdev", "net_tap0,iface=%s" % iface, "--log-level", "lib.eal:error", "--",
         "--profile", path],
        stdout=subprocess.PIPE, stderr=log, text=True)
    PROCS.append(p)
    # The tap exists once EAL has probed net_tap: put it on the bridge as soon as it does.
    while ns("ip", "link", "set", iface, "master", BR, check_rc=False).returncode != 0:
        if p.poll() is not None:
            log.seek(0)
            err = log.read()
            if "net_tap" in err or "tap" in err.lower():
                raise Skip("net_tap could not be created: %s" % err[-500:])
            fail("node %d exited: %s" % (i, err[-1500:]))
        left()
        time.sleep(0.05)
    ns("ip", "link", "set", iface, "up")
    client = http = swim = None
    while client is None or swim is None or http is None:
        line = p.stdout.readline()
        if not line:
            log.seek(0)
            fail("node %d exited: %s" % (i, log.read()[-1500:]))
        m = re.search(r"client API on (\S+)", line)
        client = m.group(1) if m else client
        m = re.search(r"HTTP status/metrics on http://(\S+)/status", line)
        http = m.group(1) if m else http
        m = re.search(r"SWIM membership on fabric (\S+)", line)
        swim = m.group(1) if m else swim
        left()
    check(swim == "10.99.1.%d:%d" % (i, SWIM_PORT), "node %d SWIM on fabric %s" % (i, swim))
    return p, client, http, swim


def members(client):
    r = ns(HLCTL, "-s", client, "-c", "hl-fabric-test", "nodes", check_rc=False)
    if r.returncode != 0:
        return {}
    out = {}
    for line in r.stdout.splitlines()[1:]:
        f = line.split()
        if len(f) >= 2:
            out[f[0]] = f[-2]
    return out


def wait_for(what, pred):
    while not pred():
        left()
        time.sleep(0.1)
    print("ok:", what)  # left() fails the test if pred never held


def metrics(http):
    r = ns("curl", "-sf", "http://%s/metrics" % http)
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r'hyperline_fabric_(\w+)_total\{port="net_tap0"\} (\d+)$', line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def run(tmp):
    make_namespace()
    seed = "10.99.1.1:%d" % SWIM_PORT
    t0 = time.monotonic()
    n1, c1, h1, s1 = start(tmp, 1, None)
    n2, c2, _, s2 = start(tmp, 2, seed)
    n3, c3, _, s3 = start(tmp, 3, seed)
    addrs = {s1, s2, s3}
    for c in (c1, c2, c3):
        wait_for("%s sees three alive members" % c,
                 lambda c=c: {a for a, st in members(c).items() if st == "alive"} == addrs)
    print("join: %.1f s from the first node's start to all three seeing three alive" %
          (time.monotonic() - t0))
    time.sleep(0.2)  # counters are published every 100 ms
    m = metrics(h1)
    check(m.get("swim_rx", 0) > 0 and m.get("swim_tx", 0) > 0,
          "/metrics: fabric SWIM counters move (rx %s tx %s)" % (m.get("swim_rx"),
                                                                  m.get("swim_tx")))
    check(m.get("arp_rx_requests", 0) + m.get("arp_rx_replies", 0) > 0,
          "/metrics: ARP over the fabric (rx requests %s, replies %s)" %
          (m.get("arp_rx_requests"), m.get("arp_rx_replies")))
    # (rx_malformed may count what the kernel itself sends on the taps: other ethertypes)
    check(m.get("swim_rx_frame_err", -1) == 0 and m.get("swim_rx_decode_err", -1) == 0,
          "/metrics: no SWIM frame or decode errors (rx_malformed %s)" % m.get("rx_malformed"))
    n2.kill()
    n2.wait()
    t0 = time.monotonic()
    for c in (c1, c3):
        wait_for("%s marks the SIGKILLed node dead" % c,
                 lambda c=c: members(c).get(s2) == "dead")
    det = time.monotonic() - t0
    print("detection: %.1f s after SIGKILL (LAN preset)" % det)
    check(det < DETECT_BOUND, "both survivors marked it dead within %.0f s" % DETECT_BOUND)
    n3.send_signal(signal.SIGTERM)
    check(n3.wait(timeout=min(left(), 15)) == 0, "node 3 stops cleanly on SIGTERM")
    wait_for("node 1 sees node 3 leave", lambda: members(c1).get(s3) == "left")
    n1.send_signal(signal.SIGTERM)
    check(n1.wait(timeout=min(left(), 15)) == 0, "node 1 stops cleanly")


def on_term(signum, frame):
    fail("terminated by signal %d" % signum)


def main():
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    rc = 0
    with tempfile.TemporaryDirectory(prefix="hl-fabric-") as tmp:
        try:
            run(tmp)
        except Skip as e:
            print("SKIP:", e)
            rc = 77
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
        finally:
            cleanup()
        if rc == 1:
            for i in range(1, 4):
                lp = os.path.join(tmp, "f%d.log" % i)
                if os.path.exists(lp):
                    with open(lp) as f:
                        print("--- node %d log (tail)\n%s" % (i, f.read()[-2000:]))
    if rc == 0:
        print("PASS fabric membership in %.1f s" % (time.monotonic() - T_START))
    sys.exit(rc)


if __name__ == "__main__":
    main()
