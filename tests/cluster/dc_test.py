#!/usr/bin/env python3
"""dc_test.py — jobs through a real cluster of separate processes (suite 'cluster'): a gate, a
DC of three managers and workers, in a network namespace of their own (harness.py). hlctl
submits to the gate; the gate tier (coord/gate.c) leases the job and submits it to the DC; the
DC's tier leader (coord/manager.c) leases it to a job-leader manager, which dispatches each
workflow to a worker; the workers run their slices on their own lanes (net_ring test ports) and
the results travel back to the gate and to hlctl.

Layout: gates 1-3, DC dc1 with managers 4-6 and workers 7-8 (one lane each).

Scenarios (each: the job ends COMPLETED at the hlctl that submitted it, waited with --wait, and
the packet totals in its result are those of one run of each workflow: counts stay consistent):
  basic        one job of two dependent workflows
  worker-kill  the worker running the long workflow is SIGKILLed mid-slice: the job leader
               reassigns the workflow to the other worker (SWIM declares the dead one)
  leader-kill  the job-leader manager is SIGKILLed mid-job: the DC tier re-leases the job, a new
               job leader rebuilds it from the replicated record and the job completes
  dcleader-kill the DC tier leader is SIGKILLed mid-job
  gate-kill    one job per gate, twice: the gate tier leader SIGKILLed, then a gate that is not
               the tier leader (leading a job that entered elsewhere): the entry gates' hlctl
               --wait follow the new job leader to the result; the job that entered at the
               killed gate runs once and ends; every workflow ran exactly once
  client-kill  hlctl --wait is SIGKILLed mid-job; a new `hlctl watch` follows the job to its end
  partition    the worker running a slice is cut off the fabric (a bridge of its own): SWIM
               declares it dead, its workflow runs on the other worker; healed, it rejoins and
               its late result of the old slice is refused (fenced); the job completes once
  fabric-loss  20 % loss on every node's fabric link (both directions) during a job: SWIM
               (Lifeguard) keeps every member alive and the job completes
  pause        the job-leader manager is SIGSTOPped until another manager took the job over,
               then SIGCONTed: it is fenced, leads nothing, SWIM lists it alive; the job
               completes once
  cp-partition the job-leader manager cut off the fabric and the control plane (its management
               address dropped by nftables), alive: another manager takes the job over, the
               cut-off one lets it go when its own lease runs out; healed, it is fenced and
               the job completes once
  cp-loss      20 % of the TCP segments between management addresses (node links, hlctl)
               dropped during a job
  stream       six jobs at once through the three gates; a job-leader manager and a worker
               holding a slice are SIGKILLed together mid-stream: every job completes
  cancel       hlctl cancel mid-job: TX stops, the job ends CANCELLED with what ran
  job-timeout  a job with `timeout = 8s` and a 60 s workflow; its DC job leader SIGKILLed 4 s
               in: the successor keeps the record's clock and stops the job at its timeout
               (hlctl names it, exit 1, the counts of what ran)
  keyed        one idempotency key submitted at two gates, then at the third after the end:
               one job, one id, the same final at every client, each workflow run once
  entry-kill   hlctl -s gate1,gate2,gate3 submit --wait; its entry gate SIGKILLed mid-job:
               hlctl follows the job at the next gate and prints the final once
  gate-phases  the gate tier leader SIGKILLed in each phase of a 16 s job led by another gate
               (before the DC accepted it, running, while the DC reports, during the final
               push): the job leader is adopted under a greater token and re-points the DC;
               each job completes once
  gates-restart two of three gates (the tier leader among them) SIGKILLed together mid-job
               and restarted 3 s later: they replay their record logs; the job completes once
  managers-restart all three managers of the DC SIGKILLed together mid-job and restarted 3 s
               later: they replay their record logs; the job completes once
  streams      per-stream results through every tier: the JSON result has one row per stream,
               its tx/rx the workers' port counters summed, its percentiles those of the
               latency histogram it carries (merged by the DC and the gates)
  progress     P6: three single-workflow jobs of 8 s, one per gate; the latency of every
               progress update hlctl --wait prints, from the worker's sample (its window close)
               (prints RESULT P6-cluster)
Node-to-node links run over the namespace's loopback (management addresses): the fabric faults
reach SWIM and the data plane; cp-partition and cp-loss reach the control plane (docs/cluster.md).
Prints `failover` times (SIGKILL -> job done) for docs/benchmarks.md.

usage: dc_test.py HYPERLINE HLCTL [SCENARIO...]   (default: every scenario)
"""
import os
import re
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cjobs import (JOB, LOADS, TOTAL, check_stream_rows, dc_leader, job_id, metric,  # noqa: E402
                   ports_now, running_on, submit, submit_json, wait_done, wait_json)
from harness import Cluster, check, fail, passed, run_test  # noqa: E402

HYPERLINE, HLCTL = sys.argv[1], sys.argv[2]
SCENARIOS = sys.argv[3:] or ["basic", "worker-kill", "leader-kill", "dcleader-kill", "gate-kill",
                             "client-kill", "partition", "fabric-loss", "pause", "cp-partition",
                             "cp-loss", "stream", "cancel", "job-timeout", "keyed", "entry-kill", "gate-phases", "gates-restart", "managers-restart", "streams", "progress"]
GATES, MANAGERS, WORKERS = (1, 2, 3), (4, 5, 6), (7, 8)

def build(c):
    cl = {"gates": ", ".join(str(i) for i in GATES),
          "dc.dc1": ", ".join(str(i) for i in MANAGERS)}
    gates = [c.add_node(("gate",), extra={"node": {"id": i}, "cluster": cl}) for i in GATES]
    mgrs = [c.add_node(("manager",), extra={"node": {"id": i}, "cluster": cl})
            for i in MANAGERS]
    wrks = [c.add_node(("worker",), extra={"node": {"id": i}, "cluster": cl})
            for i in WORKERS]
    c.start(gates[0], seeds=[])
    for n in gates[1:] + mgrs + wrks:
        c.start(n, seeds=[gates[0].swim])
    return gates, mgrs, wrks


def log_text(node):
    try:
        with open(node.stderr, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def led_by(node, job):
    """The gate that node's client side last saw leading job (from its log), or None."""
    m = re.findall(r"gate client: job=%s led by gate=(\d+)" % job, log_text(node))
    return int(m[-1]) if m else None


def gate_ids(gates):
    return {GATES[i]: g for i, g in enumerate(gates)}


def gates_quiet(c, gates):
    """No gate leads, leases or stores a job any more, and no entry gate follows one."""
    return all(metric(c, g, "gate_retained") == 0 and metric(c, g, "gate_client_jobs") == 0
               for g in gates if g.running())


def gate_kill(c, gates, mgrs, wrks):
    """Two cases, each with one job per gate: the gate tier leader is SIGKILLed, then a gate
    that is not the tier leader (one leading a job that entered elsewhere, when there is one).
    Every job is checked: those entered at a surviving gate end COMPLETED at their hlctl with
    one run's totals; the one that entered at the killed gate (its hlctl lost its connection)
    still runs once and ends at the gate tier (nothing retained once the killed gate is back);
    across the three jobs the workers completed exactly one slice per workflow (a workflow run
    twice fails here), no entry gate got a duplicate final."""
    for case in ("tier-leader", "non-leader"):
        gate_kill_case(c, gates, mgrs, wrks, case)


class GJob:
    """One job of a gate-kill case: its entry gate, hlctl process and output, id, leader."""

    def __init__(self, c, entry, name, load=8):
        self.entry = entry
        self.p, self.out = submit(c, entry, name, load)
        self.id = self.leader = None

    def known(self):
        self.id = self.id or job_id(self.out)
        if self.id:
            self.leader = led_by(self.entry, self.id)
        return self.leader is not None


def gate_kill_case(c, gates, mgrs, wrks, case):
    tag = "gk" if case == "tier-leader" else "gn"
    c.wait_for(lambda: gates_quiet(c, gates), "%s: no job left at any gate" % case,
               timeout=min(c.left(), 60))
    slices0 = sum(metric(c, w, "worker_slices_completed_total") for w in wrks)
    finals0 = {g.name: metric(c, g, "gate_client_finals_total") for g in gates}
    jobs = [GJob(c, g, "%s%d" % (tag, g.idx)) for g in gates]
    c.wait_for(lambda: all(j.known() for j in jobs), "%s: each entry gate knows its job's "
               "leader" % case, timeout=min(c.left(), 30))
    tier = int(metric(c, gates[0], "gate_tier_leader"))
    by_id = gate_ids(gates)
    gid = lambda g: GATES[gates.index(g)]  # noqa: E731
    if case == "tier-leader":
        # the harder case: the tier leader also leads a job that entered elsewhere (they die
        # together; that job is leased again without the new tier leader's grace). Rendezvous
        # hashing places jobs: a few more jobs at the other gates until one lands there.
        others = [g for g in gates if gid(g) != tier]
        for k in range(8):
            if any(j.leader == tier and gid(j.entry) != tier for j in jobs):
                break
            jobs.append(GJob(c, others[k % 2], "%sx%d" % (tag, k)))
            c.wait_for(jobs[-1].known, "%s: extra job's leader known" % case,
                       timeout=min(c.left(), 30))
        victim = by_id[tier]
    else:
        away = [by_id[j.leader] for j in jobs if j.leader != gid(j.entry) and j.leader != tier]
        victim = away[0] if away else [g for g in gates if gid(g) != tier][0]
    vid = gid(victim)
    rest = [g for g in gates if g is not victim]
    follow = [j for j in jobs if j.entry is not victim and j.leader == vid]
    print("gate-kill (%s): %d jobs, (entry, leader): %s; gate tier leader %d: killing %s, "
          "job leader of %d job(s) that entered elsewhere" % (
              case, len(jobs), [(j.entry.name, j.leader) for j in jobs], tier, victim.name,
              len(follow)))

    def acting():
        if case == "tier-leader":
            tl = [metric(c, g, "gate_tier_leader") for g in rest]
            if not (tl[0] == tl[1] and tl[0] not in (0, vid)):
                return False
        for j in follow:
            j.known()
            if j.leader == vid and j.p.poll() is None:
                return False
        return True

    detect, act = timed_kill(c, victim, rest[0], acting, "gate %s (%s)" % (victim.name, case),
                             60)
    for j in jobs:
        if j.entry is not victim:
            wait_done(c, j.p, j.out, "gate-kill %s (job %s of %s)" % (case, j.id, j.entry.name),
                      120)
    lost = [j for j in jobs if j.entry is victim]
    c.wait_for(lambda: all(j.p.poll() is not None for j in lost),
               "the killed entry gate's hlctl saw its connection go", timeout=min(c.left(), 30))
    c.restart(victim, seeds=[rest[0].swim])
    check(metric(c, victim, "gate_wal_restored") > 0 and metric(c, victim, "gate_amnesic") == 0,
          "%s: the restarted %s restored its records and tombstones from its log (%d)" % (
              case, victim.name, metric(c, victim, "gate_wal_restored")))
    # the job that entered at the killed gate: the tier ran it to its end and let it go (its
    # final push reached the restarted gate, which does not follow it and acks it)
    c.wait_for(lambda: gates_quiet(c, gates),
               "%s: every job ended at the gate tier, also the one of %s" % (case, victim.name),
               timeout=min(c.left(), 60))
    slices = sum(metric(c, w, "worker_slices_completed_total") for w in wrks) - slices0
    check(slices == 2 * len(jobs),
          "%s: the workers completed %d slices for %d jobs of 2 workflows: each ran once" %
          (case, slices, len(jobs)))
    for g in rest:
        want = sum(1 for j in jobs if j.entry is g)
        got = metric(c, g, "gate_client_finals_total") - finals0[g.name]
        check(got == want, "%s: %s handed its hlctl(s) exactly one final per job (%d of %d)" %
              (case, g.name, got, want))
    print("%s: hand-offs %d; orphans leased %d (%d at once: leader dead); stale refused %d; "
          "finals undelivered %d" % (
              case, sum(metric(c, g, "gate_handoffs_total") for g in rest),
              sum(metric(c, g, "gate_orphans_leased_total") for g in rest),
              sum(metric(c, g, "gate_fast_orphans_total") for g in rest),
              sum(metric(c, g, "gate_stale_refused_total") for g in rest),
              sum(metric(c, g, "gate_finals_undelivered_total") for g in rest)))
    passed("gate-kill (%s): every job ran once and ended; the surviving entry gates' hlctl "
           "got their results" % case)
    both = "-with-job-leader" if follow else ""
    print("RESULT P12-cluster-gate-kill-%s%s %.1f s detect %.1f s over %.1f s" %
          (case, both, act, detect, act - detect))


def client_kill(c, gates):
    """hlctl --wait is SIGKILLed mid-job; a new hlctl watches the job to its end."""
    p, out = submit(c, gates[0], "ckill", 6)
    c.wait_for(lambda: job_id(out) is not None, "job submitted", timeout=min(c.left(), 15))
    job = job_id(out)
    time.sleep(2)
    p.kill()
    p.wait()
    r = c.hlctl(gates[0], "watch", job, timeout=min(c.left() - 2, 60), check_rc=False)
    if r.returncode != 0:
        fail("client-kill: hlctl watch %s: exit %d: %s" % (job, r.returncode,
                                                          (r.stdout + r.stderr)[-1500:]))
    passed("client-kill: a new hlctl watches job %s to its end (exit 0: completed)" % job)


def partition(c, gates, mgrs, wrks):
    p, out = submit(c, gates[0], "part", 10)
    c.wait_for(lambda: running_on(c, wrks, "worker_slices_held") is not None and
               sum(metric(c, w, "worker_slices_completed_total")
                   for w in wrks if w.running()) >= 1,
               "the job's second workflow runs", timeout=min(c.left(), 30))
    victim = running_on(c, wrks, "worker_slices_held")
    other = [w for w in wrks if w is not victim][0]
    before = metric(c, other, "worker_slices_started_total")
    c.partition([victim])
    tp = time.monotonic()
    c.wait_for(lambda: metric(c, other, "worker_slices_started_total") > before,
               "partition: the other worker runs the workflow of the cut-off one",
               timeout=min(c.left(), 30))
    print("partition: workflow running elsewhere %.1f s after the cut" % (time.monotonic() - tp))
    c.heal()
    wait_done(c, p, out, "partition", 100)
    c.wait_for(lambda: metric(c, dc_leader(c, mgrs) or mgrs[0], "dc_workers") == 2,
               "partition healed: the DC leader sees both workers again",
               timeout=min(c.left(), 30))


def fabric_loss(c, gates, mgrs, wrks):
    live = [n for n in c.nodes if n.running()]
    for n in live:
        c.netem(n, loss=20)
    try:
        p, out = submit(c, gates[0], "loss", 8)
        wait_done(c, p, out, "fabric-loss", 120)
        passed("fabric-loss: the job completed through 20 % loss on every fabric link")
        states = c.members(gates[0])
        print("fabric-loss: members at the gate after the job: %s" % sorted(states.values()))
    finally:
        for n in live:
            c.clear_netem(n)


def job_leader_of_running_job(c, mgrs, wrks, what):
    """Once a submitted job runs on a worker: its job-leader manager, the other managers and
    their takeover counters (a takeover by one of them is the failover)."""
    c.wait_for(lambda: running_on(c, mgrs, "dc_jobs_led") is not None and
               running_on(c, wrks, "worker_slices_held") is not None,
               "%s: the job runs" % what, timeout=min(c.left(), 30))
    victim = running_on(c, mgrs, "dc_jobs_led")
    rest = [m for m in mgrs if m is not victim]
    return victim, rest, {m.name: metric(c, m, "dc_takeovers_total") for m in rest}


def took_over(c, rest, before):
    return any(metric(c, m, "dc_takeovers_total") > before[m.name] for m in rest)


def cp_partition(c, gates, mgrs, wrks):
    """The job-leader manager cut off entirely, alive: its fabric on a bridge of its own (SWIM)
    and its management address dropped (node links, nftables). The DC re-leases the job to
    another manager; the cut-off one, hearing nobody, lets the job go when its own lease runs
    out. Healed, it is fenced wherever it still writes and the job completes once."""
    p, out = submit(c, gates[0], "cpart", 8)
    victim, rest, before = job_leader_of_running_job(c, mgrs, wrks, "cp-partition")
    print("cp-partition: cutting %s (leads the job) off the fabric and the control plane" %
          victim.name)
    c.partition([victim])
    c.cp_isolate(victim)
    t0 = time.monotonic()
    time.sleep(1)  # frames already in the victim's socket buffers are read
    frames = c.metrics(victim).value("hyperline_peer_frames_in_total")
    try:
        c.wait_for(lambda: took_over(c, rest, before),
                   "cp-partition: another manager took the job over", timeout=min(c.left(), 40))
        took = time.monotonic() - t0
        c.wait_for(lambda: metric(c, victim, "dc_jobs_led") == 0,
                   "cp-partition: the cut-off manager stopped leading on its own",
                   timeout=min(c.left(), 40))
        print("cp-partition: taken over %.1f s after the cut; the cut-off leader let go after "
              "%.1f s" % (took, time.monotonic() - t0))
        check(c.metrics(victim).value("hyperline_peer_frames_in_total") == frames,
              "cp-partition: no node-link frame reached the cut-off manager (%d before)" % frames)
    finally:
        c.cp_heal()
        c.heal()
    wait_done(c, p, out, "cp-partition", 100)
    passed("cp-partition: the job completed once, its totals intact")
    c.wait_for(lambda: c.members(gates[0]).get(victim.swim) == "alive" and
               metric(c, dc_leader(c, mgrs) or mgrs[0], "dc_workers") == 2,
               "cp-partition: healed, SWIM lists the manager alive again",
               timeout=min(c.left(), 40))


def cp_loss(c, gates, mgrs, wrks):
    """20 % of the TCP segments between management addresses dropped (node links and hlctl's
    connection) during a job: TCP and the coordination retries carry it through."""
    c.cp_loss(20)
    try:
        p, out = submit(c, gates[0], "cploss", 8)
        wait_done(c, p, out, "cp-loss", 150)
        passed("cp-loss: the job completed through 20 % loss on the control plane")
    finally:
        c.cp_heal()


def stream(c, gates, mgrs, wrks):
    subs = [submit(c, gates[k % 3], "st%d" % k, 2) for k in range(6)]
    c.wait_for(lambda: running_on(c, wrks, "worker_slices_held") is not None and
               running_on(c, mgrs, "dc_jobs_led") is not None,
               "stream: slices run", timeout=min(c.left(), 30))
    w = running_on(c, wrks, "worker_slices_held")
    m = running_on(c, mgrs, "dc_jobs_led")
    print("stream: killing %s (leads %d jobs) and %s" % (
        m.name, int(metric(c, m, "dc_jobs_led")), w.name))
    m.kill()
    w.kill()
    t0 = time.monotonic()
    done = [wait_done(c, p, out, "stream job %d" % k, 150) for k, (p, out) in enumerate(subs)]
    ids = set(re.findall(r"job (\d+) submitted", "\n".join(done)))
    check(len(done) == 6 and len(ids) == 6,
          "stream: 6 jobs (%d distinct ids) completed %.1f s after a job-leader manager and a "
          "worker were killed" % (len(ids), time.monotonic() - t0))
    for n in (m, w):
        c.restart(n, seeds=[gates[0].swim])


def streams(c, gates, mgrs, wrks):
    """Issue 15 item 1: a job entered at a gate that is not the DC's first contact; its JSON
    result's rows against the workers' port counters and their own histograms."""
    c.wait_for(lambda: all(metric(c, w, "worker_slices_held") == 0 for w in wrks),
               "streams: the workers are idle", timeout=min(c.left(), 30))
    before = ports_now(c, wrks)
    t0 = time.monotonic()
    p, jpath, out = submit_json(c, gates[1], "streams", 3)
    r = wait_json(c, p, jpath, out, "streams", 60)
    check_stream_rows(c, "streams", r, wrks, before, {("warm", "w"): 10000,
                                                       ("load", "l"): 60000})
    passed("streams: per-stream rows in %.1f s" % (time.monotonic() - t0))


def opackets(c, node):
    """Packets the node's test ports sent (port counters)."""
    return c.metrics(node).total("hyperline_port_opackets")


def cancel(c, gates, mgrs, wrks):
    """Issue 15: `hlctl cancel` at the entry gate stops a running job in its DC: the gate job
    leader records the cancel and tells the DC, whose job leader stops the slice; the worker's
    port counters stop moving, hlctl --wait ends CANCELLED (exit 1) with the packets sent
    until then (more than the first workflow, less than a whole run), the slice is reported
    cancelled and no slice or local job record is left on any worker."""
    entry = gates[1]
    done0 = sum(metric(c, w, "worker_slices_completed_total") for w in wrks)
    cancelled0 = sum(metric(c, w, "worker_slices_cancelled_total") for w in wrks)
    p, out = submit(c, entry, "cancel", 60)
    c.wait_for(lambda: running_on(c, wrks, "worker_slices_held") is not None and
               sum(metric(c, w, "worker_slices_completed_total") for w in wrks) > done0,
               "cancel: the job's 60 s workflow runs", timeout=min(c.left(), 30))
    w = running_on(c, wrks, "worker_slices_held")
    a = opackets(c, w)
    time.sleep(2)
    check(opackets(c, w) > a, "cancel: %s sends before the cancel" % w.name)
    jid = job_id(out)
    t0 = time.monotonic()
    r = c.hlctl(entry, "cancel", jid, check_rc=False)
    check(r.returncode == 0, "cancel: hlctl cancel %s accepted at the entry gate (%s)" %
          (jid, (r.stdout + r.stderr).strip()))
    # TX stopped: the counter unchanged for 1.5 s; the latency is bounded by the first sample
    # that already showed the final count (the samples are ~0.1 s apart)
    last, seen = opackets(c, w), time.monotonic()
    changed = seen
    while time.monotonic() - changed < 1.5:
        if time.monotonic() - t0 > 30:
            fail("cancel: %s still sending 30 s after the cancel" % w.name)
        time.sleep(0.1)
        v = opackets(c, w)
        if v != last:
            last, changed = v, time.monotonic()
            seen = changed
    stop_s = seen - t0
    end = time.monotonic() + min(c.left() - 2, 60)
    while p.poll() is None:
        if time.monotonic() > end:
            fail("cancel: hlctl --wait still running 60 s after TX stopped")
        time.sleep(0.2)
    out.seek(0)
    text = out.read()
    LOADS.pop(out.name, None)
    check(p.returncode == 1 and "cancelled" in text.lower(),
          "cancel: hlctl --wait ended cancelled, exit 1 (exit %s)" % p.returncode)
    m = TOTAL.search(text)
    tx = int(m.group(1)) if m else -1
    check(10000 < tx < 10000 + 20000 * 60,
          "cancel: the result counts what ran: tx %d (warm-up 10000 + part of the load)" % tx)
    check(sum(metric(c, x, "worker_slices_cancelled_total") for x in wrks) == cancelled0 + 1,
          "cancel: the worker reported the slice cancelled, once")
    check(sum(metric(c, g, "gate_cancels_total") for g in gates if g.running()) >= 1 and
          sum(metric(c, m, "dc_cancels_total") for m in mgrs if m.running()) >= 1,
          "cancel: the gate tier and the DC recorded the cancel")
    c.wait_for(lambda: all(metric(c, x, "worker_slices_held") == 0 and
                           metric(c, x, "worker_slices_stopping") == 0 for x in wrks),
               "cancel: no slice left on any worker", timeout=min(c.left(), 20))
    check(stop_s < 10, "cancel: TX stopped within 10 s of hlctl cancel (at most %.2f s)" % stop_s)
    passed("cancel: CANCELLED with tx %d" % tx)
    print("RESULT cancel-latency %.2f s (hlctl cancel started -> first port-counter sample "
          "showing the final count; an upper bound)" % stop_s)


def job_timeout(c, gates, mgrs, wrks):
    """Issue 15 item 4: the job's [job] timeout is its outer bound in the cluster. A job whose
    load workflow would run 60 s has `timeout = 8s`; its DC job leader is SIGKILLed 4 s in. The
    successor goes on with the record's elapsed time and stops the job at its timeout: hlctl
    ends with the timeout named (exit 1), the counts of what ran, TX stopped on the worker, well
    before the 61 s the job would have run (and before a fresh 8 s after the takeover)."""
    t0 = time.monotonic()
    p, out = submit(c, gates[0], "jtimeout", 60, timeout="8s")
    victim, rest, before = job_leader_of_running_job(c, mgrs, wrks, "job-timeout")
    time.sleep(max(0.0, 4 - (time.monotonic() - t0)))
    w = running_on(c, wrks, "worker_slices_held")
    timeouts0 = sum(metric(c, m, "dc_job_timeouts_total") for m in rest)
    print("job-timeout: SIGKILL %s (leads the job) %.1f s after the submit" %
          (victim.name, time.monotonic() - t0))
    victim.kill()
    end = time.monotonic() + min(c.left() - 2, 60)
    while p.poll() is None:
        if time.monotonic() > end:
            fail("job-timeout: hlctl --wait still running %.0f s after the submit" %
                 (time.monotonic() - t0))
        time.sleep(0.2)
    took = time.monotonic() - t0
    out.seek(0)
    text = out.read()
    LOADS.pop(out.name, None)
    check(p.returncode == 1 and "[job] timeout" in text,
          "job-timeout: hlctl ended naming the [job] timeout, exit 1 (exit %s):\n%s" %
          (p.returncode, text[-600:]))
    check(took_over(c, rest, before), "job-timeout: another manager took the job over")
    check(sum(metric(c, m, "dc_job_timeouts_total") for m in rest) > timeouts0,
          "job-timeout: the successor stopped the job at its timeout")
    m = TOTAL.search(text)
    tx = int(m.group(1)) if m else -1
    check(10000 < tx < 10000 + 20000 * 30,
          "job-timeout: the result counts what ran: tx %d (warm-up 10000 + part of the load)" %
          tx)
    # the DC's clock: at most 5 s lost with the killed leader, plus the takeover
    check(took < 8 + 5 + 15, "job-timeout: ended %.1f s after the submit (timeout 8 s; the "
          "load workflow alone is 60 s)" % took)
    if w is not None:
        a = opackets(c, w)
        time.sleep(1.5)
        check(opackets(c, w) == a, "job-timeout: %s stopped sending" % w.name)
    c.wait_for(lambda: all(metric(c, x, "worker_slices_held") == 0 and
                           metric(c, x, "worker_slices_stopping") == 0 for x in wrks),
               "job-timeout: no slice left on any worker", timeout=min(c.left(), 20))
    passed("job-timeout: TIMEOUT %.1f s after the submit, tx %d" % (took, tx))
    c.restart(victim, seeds=[gates[0].swim])
    c.wait_for(lambda: dc_leader(c, mgrs) is not None and
               metric(c, dc_leader(c, mgrs), "dc_workers") == 2,
               "the DC has a leader and both workers again", timeout=min(c.left(), 40))


def keyed(c, gates, mgrs, wrks):
    """Issue 15 item 6: the same idempotency key submitted at two entry gates is one job: both
    clients get the same id and the same final, the workers run each workflow once. After the
    job's end a third submission at the third gate is still that job: its final comes from the
    gate tier's tombstone (the end a gate keeps of a finished job), nothing runs again."""
    slices0 = sum(metric(c, w, "worker_slices_completed_total") for w in wrks)
    p1, out1 = submit(c, gates[0], "keyed", 4)
    ini = os.path.join(c.workdir, "keyed.ini")

    def again(gate, tag):
        path = os.path.join(c.workdir, "keyed-%s.hlctl" % tag)
        open(path, "w").close()
        out = open(path, "a+")
        return c.hlctl_popen(gate, "submit", ini, "--wait", stdout=out, stderr=out), out

    c.wait_for(lambda: job_id(out1) is not None, "keyed: the job submitted at %s" %
               gates[0].name, timeout=min(c.left(), 20))
    time.sleep(1)
    p2, out2 = again(gates[1], "b")
    t1 = wait_done(c, p1, out1, "keyed (entry %s)" % gates[0].name, 100)
    t2 = wait_done(c, p2, out2, "keyed (entry %s)" % gates[1].name, 60)
    id1, id2 = job_id(out1), job_id(out2)
    check(id1 is not None and id1 == id2,
          "keyed: both entry gates gave the same job id (%s, %s)" % (id1, id2))
    tot1, tot2 = TOTAL.search(t1), TOTAL.search(t2)
    check(tot1 is not None and tot2 is not None and tot1.groups() == tot2.groups(),
          "keyed: both clients got the same totals (%s, %s)" %
          (tot1.groups() if tot1 else None, tot2.groups() if tot2 else None))
    done = sum(metric(c, w, "worker_slices_completed_total") for w in wrks)
    check(done - slices0 == 2, "keyed: the workers ran the job's 2 workflows once (%d slices)" %
          (done - slices0))
    c.wait_for(lambda: gates_quiet(c, gates), "keyed: the job ended at every gate",
               timeout=min(c.left(), 30))
    t0 = time.monotonic()
    p3, out3 = again(gates[2], "c")
    t3 = wait_done(c, p3, out3, "keyed, after the end (entry %s)" % gates[2].name, 30)
    id3, tot3 = job_id(out3), TOTAL.search(t3)
    check(id3 == id1 and tot3 is not None and tot3.groups() == tot1.groups(),
          "keyed: a submission after the end at %s is the same job with the same final "
          "(%.1f s)" % (gates[2].name, time.monotonic() - t0))
    check(sum(metric(c, w, "worker_slices_completed_total") for w in wrks) == done,
          "keyed: nothing ran again")
    check(sum(metric(c, g, "gate_tomb_finals_total") for g in gates) >= 1,
          "keyed: a gate answered from its tombstone")
    passed("keyed: one job %s for three submissions at three gates" % id1)


def entry_kill(c, gates, mgrs, wrks):
    """Issue 15 item 5: hlctl given the three gates (`-s a,b,c`) survives its entry gate's
    SIGKILL: it follows the job at the next gate (the same profile text, so the same keyed
    job) and prints the final once, COMPLETED with one run's totals; each workflow ran once.
    The job's profile has no key: hlctl adds one. The killed gate is restarted after."""
    slices0 = sum(metric(c, w, "worker_slices_completed_total") for w in wrks)
    path = os.path.join(c.workdir, "entrykill.ini")
    with open(path, "w") as f:
        f.write(JOB.replace("idempotency_key = %(name)s\n", "") %
                {"name": "entrykill", "load": 8, "extra": "", "timeout": "3m"})
    opath = os.path.join(c.workdir, "entrykill.hlctl")
    open(opath, "w").close()
    out = open(opath, "a+")
    servers = ",".join(g.client for g in gates)
    p = c.hlctl_popen(gates[0], "submit", path, "--wait", "-s", servers, stdout=out,
                      stderr=out)
    LOADS[out.name] = (8, 1)
    c.wait_for(lambda: job_id(out) is not None and
               running_on(c, wrks, "worker_slices_held") is not None,
               "entry-kill: the job runs", timeout=min(c.left(), 30))
    time.sleep(2)
    print("entry-kill: SIGKILL %s (hlctl's entry gate) mid-job" % gates[0].name)
    gates[0].kill()
    text = wait_done(c, p, out, "entry-kill", 100)
    check(re.search(r"following job %s at " % job_id(out), text) is not None,
          "entry-kill: hlctl followed the job at another gate")
    check(len(TOTAL.findall(text)) == 1, "entry-kill: the final printed once")
    check(sum(metric(c, w, "worker_slices_completed_total") for w in wrks) - slices0 == 2,
          "entry-kill: each workflow ran once")
    passed("entry-kill: hlctl printed the final once after its entry gate died")
    c.restart(gates[0], seeds=[gates[1].swim])
    c.wait_for(lambda: gates_quiet(c, gates), "entry-kill: no job left at any gate",
               timeout=min(c.left(), 60))


def restart_tier(c, gates, mgrs, wrks, what, victims, entry):
    """SIGKILL every node of `victims` together mid-job, start them again 3 s later (their
    state dirs, so their record logs, kept); the job entered at `entry` completes once with one
    run's totals, the workers completed one slice per workflow, and every restarted node
    restored its records from its log (issue 14: a majority restart of a tier loses nothing)."""
    slices0 = sum(metric(c, w, "worker_slices_completed_total") for w in wrks)
    p, out = submit(c, entry, what.replace("-", ""), 8)
    c.wait_for(lambda: running_on(c, wrks, "worker_slices_held") is not None and
               sum(metric(c, w, "worker_slices_completed_total") for w in wrks) > slices0,
               "%s: the job's second workflow runs" % what, timeout=min(c.left(), 30))
    print("%s: killing %s" % (what, ", ".join(v.name for v in victims)))
    for v in victims:
        v.kill()
    time.sleep(3)
    for v in victims:
        c.restart(v, seeds=[entry.swim])
    # the tier acting again: measured from the moment the restarted nodes are up
    t_up = time.monotonic()
    tiers = gates if victims[0] in gates else mgrs
    if tiers is gates:
        acting = lambda: len({metric(c, g, "gate_tier_leader") for g in gates}) == 1 and \
            metric(c, gates[0], "gate_tier_leader") != 0  # noqa: E731
    else:
        acting = lambda: dc_leader(c, mgrs) is not None  # noqa: E731
    c.wait_for(acting, "%s: the tier has a leader again" % what, timeout=min(c.left(), 60))
    back = time.monotonic() - t_up
    wait_done(c, p, out, what, 150)
    slices = sum(metric(c, w, "worker_slices_completed_total") for w in wrks) - slices0
    check(slices == 2, "%s: the workers completed %d slices for 2 workflows: each ran once" %
          (what, slices))
    kind = "gate" if victims[0] in gates else "dc"
    restored = {v.name: metric(c, v, "%s_wal_restored" % kind) for v in victims}
    check(all(n > 0 for n in restored.values()),
          "%s: every restarted node restored its records from its log (%s)" % (what, restored))
    if kind == "gate":
        check(all(metric(c, v, "gate_amnesic") == 0 for v in victims),
              "%s: no restarted gate lost its records" % what)
    passed("%s: the job completed once after %s restarted" % (what, ", ".join(
        v.name for v in victims)))
    print("RESULT P12-cluster-%s %.1f s (restarted processes up -> their tier led again)" % (
        what, back))


def gate_phases(c, gates, mgrs, wrks):
    """The gate tier leader SIGKILLed in each phase of a job it does not lead (the job leader
    survives, its lease is adopted by the next tier leader under a greater token, and it must
    re-point the DC in every phase — issue 14's lost-job defect): before the DC accepted the
    submit (every gate cut off the managers' control plane), while the job runs, while the DC
    reports (the job leader cut off the managers as the load ends), during the final push (the
    entry gate SIGSTOPped). The job is long enough (16 s) for the job leader to renew, so be
    adopted, while it runs. Each ends COMPLETED at its hlctl, once, with one run's totals."""
    for phase in ("dispatch", "running", "reporting", "final-push"):
        gate_phase(c, gates, mgrs, wrks, phase)


def gate_phase(c, gates, mgrs, wrks, phase):
    load = 16
    c.wait_for(lambda: gates_quiet(c, gates), "%s: no job left at any gate" % phase,
               timeout=min(c.left(), 60))
    tier = int(metric(c, gates[0], "gate_tier_leader"))
    by_id = gate_ids(gates)
    victim = by_id[tier]
    rest = [g for g in gates if g is not victim]
    done = lambda: sum(metric(c, w, "worker_slices_completed_total") for w in wrks)  # noqa: E731
    slices0 = done()
    job, njobs = None, 0
    for k in range(8):  # a job entered and led away from the tier leader
        if phase == "dispatch":
            c.cp_cut(gates, mgrs)
        j = GJob(c, rest[k % 2], "ph%s%d" % (phase[:3], k), load)
        njobs += 1
        c.wait_for(j.known, "%s: the job's leader known" % phase, timeout=min(c.left(), 30))
        if j.leader != tier:
            job = j
            break
        print("%s: job %s led by the tier leader: another one" % (phase, j.id))
        c.cp_heal()
        wait_done(c, j.p, j.out, "%s (spare job)" % phase, 120)
    if job is None:
        fail("%s: 8 jobs all led by the tier leader" % phase)
    leader = by_id[job.leader]
    t0 = time.monotonic()
    if phase == "running":
        time.sleep(3)
    elif phase == "reporting":
        # the job leader cut off the DC as the load ends: the DC's result waits
        c.wait_for(lambda: time.monotonic() - t0 > load - 1, "%s: near the load's end" % phase,
                   timeout=min(c.left(), 30))
        c.cp_cut([leader], mgrs)
        c.wait_for(lambda: done() >= slices0 + 2 * njobs, "%s: the DC finished the job" % phase,
                   timeout=min(c.left(), 40))
    elif phase == "final-push":
        # the entry gate (hlctl's client of the tier) frozen: the final push waits for its ack
        c.wait_for(lambda: done() >= slices0 + 2 * njobs, "%s: the DC finished the job" % phase,
                   timeout=min(c.left(), 40))
        job.entry.stop()
        time.sleep(1.5)
    print("%s: job %s entered at %s, led by %s: killing the gate tier leader %s" % (
        phase, job.id, job.entry.name, leader.name, victim.name))

    def new_tier():
        tl = [metric(c, g, "gate_tier_leader") for g in rest]
        return len(set(tl)) == 1 and tl[0] not in (0, tier)

    if phase == "final-push":
        # with the entry gate frozen, the job leader is the only gate left: no quorum, no
        # tier leader until the entry gate resumes; the failover is timed from then, and the
        # detection is the resumed gate's own (its SWIM must see the tier leader dead before
        # its vote can make the next one)
        victim.kill()
        time.sleep(2)
        job.entry.cont()
        detect, act = timed_kill(c, None, job.entry, new_tier,
                                 "gate tier leader (%s)" % phase, 60, killed=victim)
    else:
        detect, act = timed_kill(c, victim, leader, new_tier, "gate tier leader (%s)" % phase,
                                 60)
        time.sleep(max(0.0, 2 - act))
    if phase in ("dispatch", "reporting"):
        c.cp_heal()
    wait_done(c, job.p, job.out, "tier leader killed while %s" % phase, 150)
    check(done() - slices0 == 2 * njobs, "%s: the workers completed %d slices for %d job(s) of "
          "2 workflows: each ran once" % (phase, done() - slices0, njobs))
    c.restart(victim, seeds=[rest[0].swim])
    c.wait_for(lambda: gates_quiet(c, gates), "%s: the job ended at every gate" % phase,
               timeout=min(c.left(), 60))
    passed("tier leader killed while %s: the job led by %s completed once" % (
        phase, leader.name))
    print("RESULT P12-cluster-gate-phase-%s %.1f s detect %.1f s over %.1f s" % (
        phase, act, detect, act - detect))


def gates_restart(c, gates, mgrs, wrks):
    """Two of three gates, the gate tier leader and the job's gate job leader among them when
    the job is not led by its entry gate, SIGKILLed together and restarted."""
    tier = int(metric(c, gates[0], "gate_tier_leader"))
    others = [g for g in gates if GATES[gates.index(g)] != tier]
    entry = others[0]
    victims = [g for g in gates if g is not entry]
    restart_tier(c, gates, mgrs, wrks, "gates-restart", victims, entry)
    c.wait_for(lambda: gates_quiet(c, gates), "gates-restart: no job left at any gate",
               timeout=min(c.left(), 60))


def managers_restart(c, gates, mgrs, wrks):
    """All three managers of the DC SIGKILLed together mid-job and restarted."""
    restart_tier(c, gates, mgrs, wrks, "managers-restart", list(mgrs), gates[0])
    c.wait_for(lambda: dc_leader(c, mgrs) is not None and
               metric(c, dc_leader(c, mgrs), "dc_workers") == 2,
               "the DC has a leader and both workers again", timeout=min(c.left(), 40))


def pause(c, gates, mgrs, wrks):
    """SIGSTOP the job-leader manager past SWIM's detection: the DC re-leases the job to another
    manager, which rebuilds it and goes on. SIGCONT: the old leader wakes with a deposed token,
    is fenced wherever it still writes, leads nothing, and the job completes once."""
    p, out = submit(c, gates[0], "pause", 8)
    victim, rest, before = job_leader_of_running_job(c, mgrs, wrks, "pause")
    deposed = metric(c, victim, "dc_deposed_total")
    print("pause: SIGSTOP %s (leads the job)" % victim.name)
    victim.stop()
    try:
        t0 = time.monotonic()
        c.wait_for(lambda: took_over(c, rest, before),
                   "pause: another manager took the job over", timeout=min(c.left(), 40))
        print("pause: taken over %.1f s after the SIGSTOP" % (time.monotonic() - t0))
        time.sleep(2)
    finally:
        victim.cont()
    print("pause: SIGCONT %s" % victim.name)
    text = wait_done(c, p, out, "pause", 100)
    passed("pause: the job completed after its paused leader woke (%s)" %
           text.strip().splitlines()[-1][:80])
    c.wait_for(lambda: metric(c, victim, "dc_jobs_led") == 0,
               "pause: the woken leader leads nothing", timeout=min(c.left(), 20))
    c.wait_for(lambda: c.members(gates[0]).get(victim.swim) == "alive",
               "pause: SWIM lists the woken manager alive again", timeout=min(c.left(), 30))
    print("pause: the woken leader was fenced %d times (deposed), old tokens refused at "
          "managers %d, at workers %d" % (
              metric(c, victim, "dc_deposed_total") - deposed,
              sum(metric(c, m, "dc_stale_refused_total") for m in mgrs),
              sum(metric(c, w, "worker_stale_total") for w in wrks)))


P6_JOB = """[job]
name = %(name)s
timeout = 1m
idempotency_key = %(name)s
[workflow p]
streams = s
cores = 1
duration = %(ms)dms
[stream s]
port = test0
src_ip = 198.18.0.3
dst_ip = 198.19.0.3
l4 = udp
size = 64
rate = 10kpps
signature = all
"""
P6_WINDOW_MS, P6_BATCH_MS = 500, 250  # the worker's progress period; the gate's push batch


def p6_job(c, gate, name, ms):
    """One single-workflow job through `gate`; returns the latencies (ms) of the progress
    updates its hlctl --wait printed: receipt time - the worker's sample time, where the
    sample time is the slice's start (the worker's log, CLOCK_MONOTONIC like time.monotonic())
    plus the work it reported (ppm of the workflow's duration)."""
    path = os.path.join(c.workdir, name + ".ini")
    with open(path, "w") as f:
        f.write(P6_JOB % {"name": name, "ms": ms})
    p = c.hlctl_popen(gate, "submit", path, "--wait", stdout=subprocess.PIPE,
                      stderr=subprocess.STDOUT, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(
        (time.monotonic(), ln) for ln in p.stdout), daemon=True)
    reader.start()
    try:
        p.wait(timeout=min(c.left() - 2, ms / 1000 + 60))
    except subprocess.TimeoutExpired:
        fail("progress: %s still running" % name)
    reader.join(5)
    text = "".join(ln for _, ln in lines)
    m = re.search(r"job (\d+) submitted", text)
    if p.returncode != 0 or m is None or "COMPLETED" not in text.upper():
        fail("progress: %s: hlctl exit %s:\n%s" % (name, p.returncode, text[-2000:]))
    job = m.group(1)
    start = None
    for w in c.nodes:
        if w.idx in WORKERS:
            with open(w.stderr, errors="replace") as f:
                for ln in f:
                    g = re.search(r"job=%s workflow=0 slice=\d+ runs .* from t=(\d+) ms" % job,
                                  ln)
                    if g:
                        start = int(g.group(1))
    if start is None:
        fail("progress: no worker logged the start of job %s" % job)
    shown = [ln for _, ln in lines if re.search(r"job %s running .*%%" % job, ln)]
    if shown:
        print("progress: %s: e.g. %s" % (name, shown[len(shown) // 2].rstrip()))
    # Live progress (issue 15 item 2): the packets so far, from the workers' windows through
    # the DC job leader and the gate job leader: they grow, never past the final count, and
    # the rate shown is the stream's 10 kpps (within 50 %) once it is known.
    live = [(int(g.group(1)), float(g.group(2)), int(g.group(3))) for g in
            (re.search(r"job %s running .* tx (\d+) \(([\d.]+) kpps\) rx (\d+)" % job, ln)
             for ln in shown) if g]
    m_tot = TOTAL.search(text)
    final_tx = int(m_tot.group(1)) if m_tot else -1
    check(len(live) >= 3 and live[-1][0] > 0,
          "progress: %s: hlctl showed the packets so far (%d lines with counts, last tx %s)" %
          (name, len(live), live[-1][0] if live else None))
    check(all(a[0] <= b[0] for a, b in zip(live, live[1:])) and live[-1][0] <= final_tx,
          "progress: %s: the counts grow and stay within the final tx %d" % (name, final_tx))
    # (the median: a rate is taken between two pushes' arrivals, which a loaded machine may
    # bunch; the counts themselves are exact)
    rates = sorted(r for _, r, _ in live if r > 0)
    med = rates[len(rates) // 2] if rates else None
    check(med is not None and 5 <= med <= 15,
          "progress: %s: the rate shown is the stream's 10 kpps (median %s kpps of %d)" %
          (name, med, len(rates)))
    lat, seen = [], set()
    for t, ln in lines:
        g = re.search(r"job %s running\s+wf 0/1\s+([\d.]+)%%" % job, ln)
        if g and 0 < float(g.group(1)) < 100 and g.group(1) not in seen:
            seen.add(g.group(1))  # a line printed again (e.g. a status push) is not new
            lat.append(t * 1000 - (start + float(g.group(1)) / 100 * ms))
    return lat


def progress(c, gates, mgrs, wrks):
    """P6 on the cluster: worker window close -> hlctl --wait prints it, through the job-leader
    manager (DC_PROGRESS), the gate job leader (merged, pushed in batches) and the entry gate.
    Jobs enter at each gate in turn (the gate job leader is often another gate)."""
    lat = []
    for k in range(3):
        lat += p6_job(c, gates[k % 3], "p6-%d" % k, 8000)
    check(len(lat) >= 10, "progress: %d updates seen by the clients (3 jobs of 8 s)" % len(lat))
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    check(lat[0] > -5, "progress: no update seen before its sample was taken (min %.1f ms)"
          % lat[0])
    print("progress: latency ms p50 %.0f p90 %.0f p99 %.0f max %.0f over %d updates" % (
        pct(0.5), pct(0.9), pct(0.99), lat[-1], len(lat)))
    print("RESULT P6-cluster %.0f ms p99 p50 %.0f ms ref %d ms (2 x window %d + batch %d)" % (
        pct(0.99), pct(0.5), 2 * P6_WINDOW_MS + P6_BATCH_MS, P6_WINDOW_MS, P6_BATCH_MS))


def timed_kill(c, victim, observer, acting, what, timeout, killed=None):
    """SIGKILL victim; returns (detect, act): seconds until observer's SWIM lists it dead, and
    until acting() holds (the failover: someone else acts in its place). victim None: time
    from now (the kill of `killed` happened before): detect is when observer's SWIM lists
    `killed` dead (0 without one)."""
    if victim is not None:
        victim.kill()
    watch = victim if victim is not None else killed
    t0 = time.monotonic()
    detect = None if watch is not None else 0.0
    act = None
    end = t0 + min(timeout, c.left() - 5)
    while detect is None or act is None:
        if detect is None and c.members(observer).get(watch.swim) in ("dead", "left"):
            detect = time.monotonic() - t0
        if act is None and acting():
            act = time.monotonic() - t0
        now = time.monotonic()
        if now > end:
            fail("%s: after %.0f s: detected %s, failed over %s" % (what, timeout, detect, act))
        time.sleep(0.1)
    print("%s: SWIM detection %.1f s, failover %.1f s (%.1f s over detection)" %
          (what, detect, act, act - detect))
    return detect, act


def run():
    # seconds per scenario: 60, more for the ones that run several cases; a safety bound,
    # generous for a loaded machine (gate-kill took 185 s once at load 21)
    extra = {"gate-kill": 180, "gate-phases": 300, "gates-restart": 60, "managers-restart": 60}
    budget = 60 + sum(60 + extra.get(sc, 0) for sc in SCENARIOS)
    with Cluster(HYPERLINE, HLCTL, budget=budget, cluster_id="hl-dc-test",
                 quiet=True) as c:
        gates, mgrs, wrks = build(c)
        gate = gates[0]
        c.wait_for(lambda: dc_leader(c, mgrs) is not None, "the DC elects a tier leader",
                   timeout=min(c.left(), 30))
        c.wait_for(lambda: metric(c, dc_leader(c, mgrs) or mgrs[0], "dc_workers") == 2,
                   "the DC leader sees both workers", timeout=min(c.left(), 20))
        for sc in SCENARIOS:
            t0 = time.monotonic()
            if sc == "basic":
                p, out = submit(c, gate, "basic", 2)
                wait_done(c, p, out, sc, 60)
                passed("basic: COMPLETED in %.1f s" % (time.monotonic() - t0))
                continue
            if sc == "gate-kill":
                gate_kill(c, gates, mgrs, wrks)
                continue
            if sc == "streams":
                streams(c, gates, mgrs, wrks)
                continue
            if sc == "client-kill":
                client_kill(c, gates)
                continue
            if sc == "partition":
                partition(c, gates, mgrs, wrks)
                continue
            if sc == "fabric-loss":
                fabric_loss(c, gates, mgrs, wrks)
                continue
            if sc == "progress":
                progress(c, gates, mgrs, wrks)
                continue
            if sc == "pause":
                pause(c, gates, mgrs, wrks)
                continue
            if sc == "stream":
                stream(c, gates, mgrs, wrks)
                continue
            if sc == "cancel":
                cancel(c, gates, mgrs, wrks)
                continue
            if sc == "entry-kill":
                entry_kill(c, gates, mgrs, wrks)
                continue
            if sc == "keyed":
                keyed(c, gates, mgrs, wrks)
                continue
            if sc == "job-timeout":
                job_timeout(c, gates, mgrs, wrks)
                continue
            if sc == "gate-phases":
                gate_phases(c, gates, mgrs, wrks)
                continue
            if sc == "gates-restart":
                gates_restart(c, gates, mgrs, wrks)
                continue
            if sc == "managers-restart":
                managers_restart(c, gates, mgrs, wrks)
                continue
            if sc == "cp-partition":
                cp_partition(c, gates, mgrs, wrks)
                continue
            if sc == "cp-loss":
                cp_loss(c, gates, mgrs, wrks)
                continue
            p, out = submit(c, gate, sc.replace("-", ""), 10)
            c.wait_for(lambda: running_on(c, wrks, "worker_slices_held") is not None and
                       sum(metric(c, w, "worker_slices_completed_total")
                           for w in wrks if w.running()) >= 1,
                       "the job's second workflow runs", timeout=min(c.left(), 30))
            lead = dc_leader(c, mgrs)
            if sc == "worker-kill":
                victim = running_on(c, wrks, "worker_slices_held")
                other = [w for w in wrks if w is not victim][0]
                before = metric(c, other, "worker_slices_started_total")
                acting = lambda: metric(c, other, "worker_slices_started_total") > before
                tier = "worker"
            elif sc == "leader-kill":
                victim = running_on(c, mgrs, "dc_jobs_led")
                rest = [m for m in mgrs if m is not victim]
                before = {m.name: metric(c, m, "dc_takeovers_total") for m in rest}
                acting = lambda: took_over(c, rest, before)
                tier = "DC job-leader manager"
            elif sc == "dcleader-kill":
                victim = lead
                rest = [m for m in mgrs if m is not victim]
                acting = lambda: dc_leader(c, rest) is not None
                tier = "DC tier leader"
            else:
                fail("unknown scenario %s" % sc)
            if victim is None:
                fail("%s: no victim found" % sc)
            print("%s: killing %s (DC leader %s)" % (sc, victim.name, lead.name if lead else None))
            detect, act = timed_kill(c, victim, gate, acting, tier, 60)
            wait_done(c, p, out, sc, 100)
            passed("%s: the job completed after the kill" % sc)
            print("RESULT P12-cluster-%s %.1f s detect %.1f s over %.1f s" %
                  (sc, act, detect, act - detect))
            c.restart(victim, seeds=[gate.swim])
            c.wait_for(lambda: dc_leader(c, mgrs) is not None and
                       metric(c, dc_leader(c, mgrs), "dc_workers") == 2,
                       "the DC has a leader and both workers again", timeout=min(c.left(), 40))
        # Every job ended: no gate or manager keeps a job's profile text (the sweep drops a
        # text once no core holds its job, 10 s after its last use).
        holders = [n for n in gates + mgrs if n.running()]
        c.wait_for(lambda: all(metric(c, n, "job_specs_held") == 0 for n in holders),
                   "every job over: no gate or manager holds a profile text",
                   timeout=min(c.left(), 45))
        check(sum(metric(c, n, "job_specs_ended_total") for n in holders) > 0,
              "the texts left by the end-of-job sweep")


if __name__ == "__main__":
    run_test("dc cluster", run)
