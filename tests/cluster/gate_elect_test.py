#!/usr/bin/env python3
"""gate_elect_test.py — the gate tier's leader election in real processes (suite 'cluster').

Three gates ([cluster] gates = 11, 12, 13) in a network namespace of their own (harness.py):
SWIM on net_tap fabric ports, node links (peer.c) on the namespace's management addresses, the
election messages (coord/elect.c, lib/wire bodies) over those links. Checks: all three agree on
one leader and one term; the leader is SIGKILLed and the two others elect a new one in a greater
term within a bound, agreeing again; the term survives a restart (persisted in state_dir).
Prints the failover time (SIGKILL -> both survivors follow the new leader) for comparison with
the simulator's tier-leader row (docs/benchmarks.d/coord.md).

usage: gate_elect_test.py HYPERLINE HLCTL
"""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, check, run_test  # noqa: E402

HYPERLINE, HLCTL = sys.argv[1], sys.argv[2]
IDS = (11, 12, 13)
# the gate tier elects with hl_elect_cfg_fast (leader lease 1 s, heartbeat 250 ms; SWIM declaring
# the leader dead starts the election): a generous bound, the figure is printed
FAILOVER_BOUND = 30.0


def run():
    gates = ", ".join(str(i) for i in IDS)
    with Cluster(HYPERLINE, HLCTL, budget=110, cluster_id="hl-elect-test", quiet=True) as c:
        nodes = [c.add_node(("gate",), extra={"node": {"id": i}, "cluster": {"gates": gates}})
                 for i in IDS]
        c.start(nodes[0], seeds=[])
        for n in nodes[1:]:
            c.start(n, seeds=[nodes[0].swim])

        def view(n):
            m = c.metrics(n)
            return (int(m.value("hyperline_roles_gate_tier_leader")),
                    int(m.value("hyperline_roles_gate_tier_term")))

        def agreed(ns):
            v = [view(n) for n in ns]
            return v[0][0] in IDS and all(x == v[0] for x in v) and v[0]

        t0 = time.monotonic()
        c.wait_for(lambda: agreed(nodes), "three gates agree on one leader and term",
                   timeout=min(c.left(), 40))
        leader, term = agreed(nodes)
        print("first election: leader %d term %d, %.1f s after the last start" %
              (leader, term, time.monotonic() - t0))
        m = c.metrics(nodes[IDS.index(leader)])
        check(m.value("hyperline_roles_gate_tier_is_leader") == 1,
              "the leader's own view: is_leader = 1")
        check(m.value("hyperline_roles_election_received_bad_total") == 0,
              "no malformed election message")
        dead = nodes[IDS.index(leader)]
        rest = [n for n in nodes if n is not dead]
        dead.kill()
        t0 = time.monotonic()
        c.wait_for(lambda: (lambda a: a and a[0] != leader and a[1] > term)(agreed(rest)),
                   "the two survivors elect a new leader in a greater term",
                   timeout=min(c.left(), FAILOVER_BOUND))
        failover = time.monotonic() - t0
        leader2, term2 = agreed(rest)
        print("failover: leader %d -> %d, term %d -> %d, %.1f s after SIGKILL" %
              (leader, leader2, term, term2, failover))
        check(failover < FAILOVER_BOUND, "failover within %.0f s" % FAILOVER_BOUND)
        # The killed gate comes back: it keeps its persisted term and follows the new leader.
        c.restart(dead, seeds=[rest[0].swim])
        c.wait_for(lambda: agreed(nodes) and agreed(nodes)[0] == leader2,
                   "the restarted gate follows the new leader", timeout=min(c.left(), 30))
        check(view(dead)[1] >= term2, "the restarted gate's term is not below the tier's")
        print("RESULT P12-gate-tier-leader %.1f s" % failover)


if __name__ == "__main__":
    run_test("gate tier election", run)
