#!/usr/bin/env python3
"""harness_selftest.py — proves the cluster harness's fault injectors and teardown do what
harness.py says (suite 'cluster', bounded to < 120 s; about 50 s):

- netem: ARP round trips from the bridge to a node's fabric address (the node answers ARP
  itself) grow by the configured delay in both directions, lose about the configured share of
  probes, and return to normal after clear_netem;
- link_down: the node's peers mark it suspect or dead over SWIM; after link_up it is alive
  again everywhere;
- SIGSTOP: peers stop seeing the node alive; SIGCONT: it is alive again everywhere;
- partition: two groups on two bridges lose each other and keep their own; heal: all alive;
- cp_isolate: a node's client port unreachable, its HTTP port readable, others unaffected;
  cp_loss(100): every client port unreachable; cp_heal: reachable again;
- hlctl inside the namespace runs a job on a net_ring and on a net_null (no-rx) test port with
  exact counts; a SIGKILLed node is marked dead and, restarted, alive again everywhere;
- teardown: after the Cluster exits — normally, on a failing test, and when a harness process
  gets SIGTERM or SIGKILL — no namespace, tap, bridge, relay or hyperline process of it remains.

usage: harness_selftest.py HYPERLINE HLCTL
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
from harness import CLIENT_PORT, Cluster, Failure, check, fail, run_test  # noqa: E402

HYPERLINE, HLCTL = sys.argv[1], sys.argv[2]
JOB = """[job]
name = selftest
timeout = 20s
[workflow w]
streams = s
duration = 500ms
[stream s]
size = 64
rate = 40kpps
count = 20000
signature = all
"""


def netns_list():
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def procs_matching(pattern):
    r = subprocess.run(["pgrep", "-f", "--", pattern], capture_output=True, text=True)
    return [int(p) for p in r.stdout.split()]


def assert_gone(ns, what):
    check(ns not in netns_list(), "%s: namespace %s deleted (with its bridge, taps, veths)" %
          (what, ns))
    left = procs_matching("--file-prefix %s-" % ns)
    check(left == [], "%s: no hyperline process of %s left (pgrep: %s)" % (what, ns, left))
    relays = procs_matching("harness.py relay .*/%s-" % ns)
    check(relays == [], "%s: no netem relay left (pgrep: %s)" % (what, relays))
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    leaked = re.findall(r"^\d+: (hl(?:t|br|v|w)\d+)[@:]", links, re.M)
    check(leaked == [], "%s: no harness interface in the root namespace (%s)" % (what, leaked))
    check(not any(d.startswith(ns + "-") for d in os.listdir("/var/run/dpdk"))
          if os.path.isdir("/var/run/dpdk") else True,
          "%s: no DPDK runtime directory of %s left" % (what, ns))


def faults():
    with Cluster(HYPERLINE, HLCTL, budget=60, cluster_id="hl-selftest") as c:
        n1 = c.add_node(("gate", "manager", "worker"), test_port="net_ring")
        n2 = c.add_node(("gate", "manager", "worker"), test_port="net_null")
        n3 = c.add_node(("gate", "manager"))
        n4 = c.add_node(("manager",))
        for n in c.nodes:
            c.start(n)
        c.wait_for(c.all_alive, "four nodes list each other alive", 15)
        ns = c.ns

        # -- netem: delay, loss, clear
        sent, ok, rtt = c.arping(n3.fabric_ip, count=15)
        base = statistics.median(rtt)
        check(ok == sent, "baseline: %d/%d ARP probes to n3 answered, median RTT %.2f ms" %
              (ok, sent, base * 1e3))
        c.netem(n3, delay_ms=40, direction="both")
        sent, ok, rtt = c.arping(n3.fabric_ip, count=10)
        d = statistics.median(rtt) if rtt else 0
        check(ok == sent and d - base >= 0.075 and d < 0.5,
              "netem delay 40 ms both ways: median RTT %.1f ms (baseline %.2f ms)" %
              (d * 1e3, base * 1e3))
        c.netem(n3, loss=50, delay_ms=0, direction="in")
        c.netem(n3, loss=0, delay_ms=0, direction="out")
        sent, ok, rtt = c.arping(n3.fabric_ip, count=40, interval=0.02, timeout=0.15)
        check(0.15 * sent <= ok <= 0.85 * sent,
              "netem loss 50 %% in: %d/%d probes answered" % (ok, sent))
        c.clear_netem(n3)
        sent, ok, rtt = c.arping(n3.fabric_ip, count=15)
        check(ok == sent and statistics.median(rtt) < 0.02,
              "clear_netem: %d/%d answered, median RTT %.2f ms" %
              (ok, sent, statistics.median(rtt) * 1e3))

        # -- link down: SWIM peers notice
        c.link_down(n4)
        c.wait_for(lambda: c.members(n1).get(n4.swim) in ("suspect", "dead") and
                   c.members(n2).get(n4.swim) in ("suspect", "dead"),
                   "link down on n4's tap: n1 and n2 mark n4 suspect/dead", 10)
        c.link_up(n4)
        c.wait_for(lambda: all(c.members(n).get(n4.swim) == "alive" for n in (n1, n2, n4)),
                   "link up: n4 alive again on n1, n2 and itself", 15)

        # -- SIGSTOP / SIGCONT
        n3.stop()
        c.wait_for(lambda: c.members(n1).get(n3.swim) != "alive",
                   "SIGSTOP: n1 no longer sees n3 alive (%s)" % "suspect/dead", 10)
        n3.cont()
        c.wait_for(lambda: all(c.members(n).get(n3.swim) == "alive" for n in (n1, n2, n3)),
                   "SIGCONT: n3 alive again on n1, n2 and itself", 15)

        # -- partition and heal: two bridges, then one again
        c.partition([n1, n2], [n3, n4])
        c.wait_for(lambda: c.members(n1).get(n3.swim) != "alive" and
                   c.members(n3).get(n1.swim) != "alive" and
                   c.members(n1).get(n2.swim) == "alive" and
                   c.members(n3).get(n4.swim) == "alive",
                   "partition {n1,n2} | {n3,n4}: n1 and n3 lose each other, keep their group", 10)
        c.heal()
        c.wait_for(c.all_alive, "heal: four nodes alive everywhere again", 20)

        # -- control plane: a node cut off (its HTTP port left open), all of it lost, healed
        def tcp_ok(node):
            r = c.sh([sys.executable, "-c", "import socket; socket.create_connection("
                      "(%r, %d), timeout=1).close()" % (node.mgmt_ip, CLIENT_PORT)],
                     check_rc=False)
            return r.returncode == 0
        check(tcp_ok(n4) and tcp_ok(n1), "control plane: n1's and n4's client ports answer")
        c.cp_isolate(n4)
        check(not tcp_ok(n4) and tcp_ok(n1),
              "cp_isolate(n4): n4's client port unreachable, n1's still answers")
        check(c.metrics(n4).value("hyperline_peer_frames_in_total") > 0,
              "cp_isolate(n4): n4's metrics still readable")
        c.cp_heal()
        c.cp_loss(100)
        check(not tcp_ok(n1), "cp_loss(100): n1's client port unreachable")
        c.cp_heal()
        check(tcp_ok(n4) and tcp_ok(n1), "cp_heal: both client ports answer again")

        # -- test ports and hlctl: a short job on the net_ring node and on the net_null node
        job = os.path.join(c.workdir, "job.ini")
        with open(job, "w") as f:
            f.write(JOB)
        for n, rx in ((n1, "RX 20000"), (n2, "RX 0")):
            r = c.hlctl(n, "submit", job, "--wait", timeout=20, check_rc=False)
            last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr
            check(r.returncode == 0 and "TX 20000 %s |" % rx in last and last.endswith("match"),
                  "hlctl submit --wait on %s (%s): %s" % (n.name, n.test_port, last))

        # -- SIGKILL and restart (with an impairment in place: restart clears it)
        c.netem(n2, delay_ms=5)
        n2.kill()
        c.wait_for(lambda: c.members(n1).get(n2.swim) == "dead", "SIGKILL: n1 marks n2 dead", 10)
        c.restart(n2)
        c.wait_for(c.all_alive, "restart: n2 back, four nodes alive everywhere", 15)
    assert_gone(ns, "normal exit")


def failing_test():
    """A test body that fails: the Cluster must still tear everything down."""
    ns = None
    try:
        with Cluster(HYPERLINE, HLCTL, budget=15, quiet=True) as c:
            ns = c.ns
            n = c.start_nodes(1)[0]
            c.netem(n, delay_ms=5)
            fail("deliberate failure inside the cluster")
    except Failure as e:
        check("deliberate" in str(e), "a failing test's exception propagates out of Cluster")
    assert_gone(ns, "failing test")


def killed_harness(sig):
    """A harness process (harness.py up, one node) killed by sig."""
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "harness.py"), "up", HYPERLINE,
                          HLCTL, "gate+manager*1"], stdout=subprocess.PIPE, text=True)
    try:
        killed_harness_check(p, sig)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def killed_harness_check(p, sig):
    ns = None
    end = time.monotonic() + 15
    for line in p.stdout:
        if line.startswith("namespace "):
            ns = line.split()[1].rstrip(";")
            break
        if time.monotonic() > end:
            break
    if ns is None:
        p.kill()
        fail("harness.py up did not come up")

    check(procs_matching("--file-prefix %s-" % ns) != [], "harness.py up runs a node in %s" % ns)
    p.send_signal(sig)
    p.wait(timeout=15)
    if sig == signal.SIGKILL:
        # nothing in the dead harness can clean up: its nodes die with it (PDEATHSIG) and
        # the next Cluster deletes the namespace it left behind
        end = time.monotonic() + 5
        while procs_matching("--file-prefix %s-" % ns) and time.monotonic() < end:
            time.sleep(0.1)
        # (the next Cluster also removes the DPDK runtime directories the nodes left)
        with Cluster(HYPERLINE, HLCTL, budget=5, quiet=True):
            pass
    assert_gone(ns, "harness %s" % signal.Signals(sig).name)


def main():
    for what, fn in (("faults", faults), ("failing test", failing_test),
                     ("SIGTERMed harness", lambda: killed_harness(signal.SIGTERM)),
                     ("SIGKILLed harness", lambda: killed_harness(signal.SIGKILL))):
        t0 = time.monotonic()
        fn()
        print("-- %s: %.1f s" % (what, time.monotonic() - t0), flush=True)


if __name__ == "__main__":
    run_test("harness self-test", main)
