#!/usr/bin/env python3
"""multidc_test.py — jobs across two datacenters on a cluster of separate processes (suite
'cluster'): three gates and two DCs in one network namespace (harness.py). A job names how many
DCs run it (`dc_count`) or which (`dcs`); the gate job leader submits it to each, each DC's
job-leader manager runs every workflow on its own workers, and the gate merges the DCs' final
results (status and packet totals) into one result for hlctl.

Layout: gates 1-3; DC dc1 with managers 4-6 and worker 7; DC dc2 with manager 8 and worker 9
(one lane each, net_ring test ports).

Scenarios (each: the job ends COMPLETED at the hlctl that submitted it, and its totals are one
run of each workflow in each DC that ran it):
  two-dcs        a job with dc_count = 2: both DCs' workers run both workflows; totals 2x
  pinned         a job with dcs = dc2: only dc2's worker runs it; totals 1x
  dcleader-kill  a two-DC job; dc1's DC tier leader is SIGKILLed mid-job: dc1 elects another,
                 and the job still completes in both DCs with 2x totals
  streams        a two-DC job's JSON result: one row per stream, merged over the DCs by the
                 gates (counters added, histograms added bucket by bucket): its tx/rx the two
                 workers' port counters summed, its percentiles those of its histogram

usage: multidc_test.py HYPERLINE HLCTL [SCENARIO...]   (default: every scenario)
"""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cjobs import (check_stream_rows, dc_leader, metric, ports_now, submit,  # noqa: E402
                   submit_json, wait_done, wait_json)
from harness import Cluster, check, fail, passed, run_test  # noqa: E402

HYPERLINE, HLCTL = sys.argv[1], sys.argv[2]
SCENARIOS = sys.argv[3:] or ["two-dcs", "pinned", "streams", "dcleader-kill"]
GATES, DC1_MGRS, DC1_WRK, DC2_MGR, DC2_WRK = (1, 2, 3), (4, 5, 6), 7, 8, 9


def build(c):
    cl = {"gates": ", ".join(str(i) for i in GATES),
          "dc.dc1": ", ".join(str(i) for i in DC1_MGRS),
          "dc.dc2": str(DC2_MGR)}

    def node(roles, i, dc="dc1"):
        return c.add_node(roles, dc=dc, extra={"node": {"id": i}, "cluster": cl})

    gates = [node(("gate",), i) for i in GATES]
    mgrs1 = [node(("manager",), i) for i in DC1_MGRS]
    w1 = node(("worker",), DC1_WRK)
    m2 = node(("manager",), DC2_MGR, dc="dc2")
    w2 = node(("worker",), DC2_WRK, dc="dc2")
    c.start(gates[0], seeds=[])
    for n in gates[1:] + mgrs1 + [w1, m2, w2]:
        c.start(n, seeds=[gates[0].swim])
    return gates, mgrs1, w1, m2, w2


def slices(c, w):
    return metric(c, w, "worker_slices_completed_total")


def run():
    with Cluster(HYPERLINE, HLCTL, budget=60 + 50 * len(SCENARIOS), cluster_id="hl-multidc",
                 quiet=True) as c:
        gates, mgrs1, w1, m2, w2 = build(c)
        c.wait_for(lambda: dc_leader(c, mgrs1) is not None and dc_leader(c, [m2]) is m2,
                   "each DC elects a tier leader", timeout=min(c.left(), 30))
        c.wait_for(lambda: metric(c, dc_leader(c, mgrs1) or mgrs1[0], "dc_workers") == 1 and
                   metric(c, m2, "dc_workers") == 1,
                   "each DC leader sees its worker", timeout=min(c.left(), 20))
        for sc in SCENARIOS:
            t0 = time.monotonic()
            before = (slices(c, w1), slices(c, w2))
            if sc == "two-dcs":
                p, out = submit(c, gates[0], "twodcs", 2, dcs=2, extra="dc_count = 2")
                wait_done(c, p, out, sc, 60)
                after = (slices(c, w1), slices(c, w2))
                check(after[0] - before[0] == 2 and after[1] - before[1] == 2,
                      "two-dcs: each DC's worker completed both workflows (dc1 +%d, dc2 +%d) "
                      "in %.1f s" % (after[0] - before[0], after[1] - before[1],
                                     time.monotonic() - t0))
            elif sc == "pinned":
                p, out = submit(c, gates[1], "pinned", 2, dcs=1, extra="dcs = dc2")
                wait_done(c, p, out, sc, 60)
                after = (slices(c, w1), slices(c, w2))
                check(after[0] == before[0] and after[1] - before[1] == 2,
                      "pinned: only dc2's worker ran the job (dc1 +%d, dc2 +%d)" %
                      (after[0] - before[0], after[1] - before[1]))
            elif sc == "streams":
                ports = ports_now(c, [w1, w2])
                p, jpath, out = submit_json(c, gates[1], "mstreams", 2, extra="dc_count = 2")
                r = wait_json(c, p, jpath, out, sc, 60)
                check_stream_rows(c, sc, r, [w1, w2], ports,
                                  {("warm", "w"): 20000, ("load", "l"): 80000})
                # the table's breakdown: one row per stream and DC under "by dc:"
                t = c.hlctl(gates[1], "results", r["job_id"], "--by", "dc").stdout
                print(t)
                by = t.split("by dc:\n", 1)[1].splitlines()[1:] if "by dc:\n" in t else []
                dcs = sorted((l.split()[0], l.split()[2]) for l in by if l.split()[:1] in
                             (["warm"], ["load"]))
                check(dcs == [("load", "dc1"), ("load", "dc2"), ("warm", "dc1"),
                              ("warm", "dc2")],
                      "streams: hlctl results --by dc lists each stream in both DCs %s" % dcs)
                passed("streams: a two-DC job's rows merged over both DCs")
            elif sc == "dcleader-kill":
                p, out = submit(c, gates[2], "dckill", 8, dcs=2, extra="dc_count = 2")
                c.wait_for(lambda: slices(c, w1) > before[0] and slices(c, w2) > before[1],
                           "dcleader-kill: both DCs run the job's second workflow",
                           timeout=min(c.left(), 30))
                victim = dc_leader(c, mgrs1)
                if victim is None:
                    fail("dcleader-kill: dc1 has no tier leader")
                rest = [m for m in mgrs1 if m is not victim]
                print("dcleader-kill: killing %s (dc1's tier leader)" % victim.name)
                victim.kill()
                tk = time.monotonic()
                c.wait_for(lambda: dc_leader(c, rest) is not None,
                           "dcleader-kill: dc1 elects another tier leader",
                           timeout=min(c.left(), 40))
                print("dcleader-kill: dc1 has a new tier leader %.1f s after the kill" %
                      (time.monotonic() - tk))
                wait_done(c, p, out, sc, 100)
                passed("dcleader-kill: the two-DC job completed in both DCs")
                c.restart(victim, seeds=[gates[0].swim])
                c.wait_for(lambda: dc_leader(c, mgrs1) is not None and
                           metric(c, dc_leader(c, mgrs1), "dc_workers") == 1,
                           "dc1 has a leader and its worker again", timeout=min(c.left(), 40))
            else:
                fail("unknown scenario %s" % sc)
        holders = [n for n in gates + mgrs1 + [m2] if n.running()]
        c.wait_for(lambda: all(metric(c, n, "job_specs_held") == 0 for n in holders),
                   "every job over: no gate or manager holds a profile text",
                   timeout=min(c.left(), 45))


if __name__ == "__main__":
    run_test("multi-DC cluster", run)
