#!/usr/bin/env python3
"""fabric_test.py — three hyperline nodes whose SWIM runs on a DPDK fabric port (suite
'cluster'), on the cluster harness (harness.py): each node has a net_tap fabric (tap hlt<i>) on
a Linux bridge inside a network namespace made for the test. Fabric addresses 10.99.1.1-3 exist
only in the DPDK fabrics inside that namespace; the client API and HTTP listen on the
namespace's management addresses 10.99.2.1-3. Checks: every node lists three alive members (ARP
and SWIM over the fabric), /metrics shows the fabric's ARP and SWIM counters, a SIGKILLed node
is marked dead by the others within a bound, a SIGTERMed one leaves gracefully and exits 0.
Every process is killed and the namespace deleted on exit, also on failure or SIGTERM (meson's
timeout). Skips (77) when not root or when the namespace, bridge or net_tap cannot be made.

usage: fabric_test.py HYPERLINE HLCTL
"""
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, check, run_test  # noqa: E402

HYPERLINE, HLCTL = sys.argv[1], sys.argv[2]
DETECT_BOUND = 10.0  # s from SIGKILL to "dead" on both others (LAN preset: about 1-3 s)
PORT = {"port": "net_tap0"}


def run():
    with Cluster(HYPERLINE, HLCTL, budget=55, cluster_id="hl-fabric-test", quiet=True) as c:
        n1, n2, n3 = (c.add_node(("gate", "manager")) for _ in range(3))
        t0 = time.monotonic()
        c.start(n1, seeds=[])
        c.start(n2, seeds=[n1.swim])
        c.start(n3, seeds=[n1.swim])
        for n in (n1, n2, n3):
            with open(n.stdout) as f:
                m = re.search(r"SWIM membership on fabric (\S+)", f.read())
            swim = m.group(1) if m else None
            check(swim == n.fabric_ip + ":7946", "node %d SWIM on fabric %s" % (n.idx, swim))
        addrs = {n1.swim, n2.swim, n3.swim}
        for n in (n1, n2, n3):
            c.wait_for(lambda n=n: {a for a, st in c.members(n).items() if st == "alive"} ==
                       addrs, "%s sees three alive members" % n.client, timeout=c.left())
        print("join: %.1f s from the first node's start to all three seeing three alive" %
              (time.monotonic() - t0))
        time.sleep(0.2)  # counters are published every 100 ms
        m = c.metrics(n1)

        def fab(name):
            return int(m.value("hyperline_fabric_%s_total" % name, None, **PORT) or 0)

        check(fab("swim_rx") > 0 and fab("swim_tx") > 0,
              "/metrics: fabric SWIM counters move (rx %s tx %s)" % (fab("swim_rx"),
                                                                      fab("swim_tx")))
        check(fab("arp_rx_requests") + fab("arp_rx_replies") > 0,
              "/metrics: ARP over the fabric (rx requests %s, replies %s)" %
              (fab("arp_rx_requests"), fab("arp_rx_replies")))
        # (rx_malformed may count what the kernel itself sends on the taps: other ethertypes)
        errs = [m.value("hyperline_fabric_%s_total" % k, -1, **PORT)
                for k in ("swim_rx_frame_err", "swim_rx_decode_err")]
        check(errs == [0, 0], "/metrics: no SWIM frame or decode errors (rx_malformed %s)" %
              fab("rx_malformed"))
        n2.kill()
        t0 = time.monotonic()
        for n in (n1, n3):
            c.wait_for(lambda n=n: c.members(n).get(n2.swim) == "dead",
                       "%s marks the SIGKILLed node dead" % n.client, timeout=c.left())
        det = time.monotonic() - t0
        print("detection: %.1f s after SIGKILL (LAN preset)" % det)
        check(det < DETECT_BOUND, "both survivors marked it dead within %.0f s" % DETECT_BOUND)
        check(n3.term(timeout=min(c.left(), 15)) == 0, "node 3 stops cleanly on SIGTERM")
        c.wait_for(lambda: c.members(n1).get(n3.swim) == "left", "node 1 sees node 3 leave",
                   timeout=c.left())
        check(n1.term(timeout=min(c.left(), 15)) == 0, "node 1 stops cleanly")


if __name__ == "__main__":
    run_test("fabric membership", run)
