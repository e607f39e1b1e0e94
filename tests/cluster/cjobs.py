"""cjobs.py — jobs on a cluster of separate role processes, shared by dc_test.py and
multidc_test.py: the two-workflow test job, `hlctl submit --wait` in the background, waiting for
its result and checking its packet totals, and reading the roles' /metrics."""
import json
import os
import re
import time

from harness import check, fail
from result_schema import hist_percentile, schema_errors

JOB = """[job]
name = %(name)s
timeout = %(timeout)s
idempotency_key = %(name)s
%(extra)s
[workflow warm]
streams = w
cores = 1
duration = 1s
[workflow load]
streams = l
depends_on = warm
cores = 1
duration = %(load)ds
[stream w]
port = test0
src_ip = 198.18.0.1
dst_ip = 198.19.0.1
l4 = udp
size = 64
rate = 10kpps
signature = all
[stream l]
port = test0
src_ip = 198.18.0.2
dst_ip = 198.19.0.2
l4 = udp
size = 64
rate = 20kpps
signature = all
"""

LOADS = {}  # hlctl output file -> (load workflow seconds, DCs the job runs in)
TOTAL = re.compile(r"^total\s+(\d+)\s+(\d+)\s+(\d+)\s*$", re.M)


def metric(c, node, name):
    return c.metrics(node).value("hyperline_roles_" + name)


def job_id(out):
    out.seek(0)
    m = re.search(r"job (\d+) submitted", out.read())
    return m.group(1) if m else None


def dc_leader(c, mgrs):
    for m in mgrs:
        if m.running() and metric(c, m, "dc_tier_is_leader") == 1:
            return m
    return None


def running_on(c, nodes, name):
    """The node whose metric `name` is non-zero (e.g. the worker holding a slice)."""
    for n in nodes:
        if n.running() and metric(c, n, name) > 0:
            return n
    return None


def submit(c, gate, name, load, dcs=1, extra="", timeout="3m"):
    """hlctl submit --wait of the test job (warm 1 s, then load `load` s) to gate, in the
    background; dcs: how many DCs run it (one run each; `extra` names them, e.g.
    "dc_count = 2" or "dcs = dc2"). Returns (process, output file)."""
    path = os.path.join(c.workdir, name + ".ini")
    with open(path, "w") as f:
        f.write(JOB % {"name": name, "load": load, "extra": extra, "timeout": timeout})
    # append mode: our seek(0) + read while hlctl writes must not move where hlctl writes
    # (the file offset is shared; with "w+" a line could land over the first one)
    opath = os.path.join(c.workdir, name + ".hlctl")
    open(opath, "w").close()
    out = open(opath, "a+")
    p = c.hlctl_popen(gate, "submit", path, "--wait", stdout=out, stderr=out)
    LOADS[out.name] = (load, dcs)
    return p, out


def check_stream_rows(c, what, result, workers, before, want):
    """A job's per-stream rows (JSON result) against the workers' port counters and its own
    histograms: `want` maps (workflow, stream) to the packets that stream sends; `before` the
    workers' port counters before the job (ports_now). Every packet the rows count was sent
    and received on a worker's test port; each worker's rows (by_worker) are what its own ports
    counted; each stream's DC and worker rows add up to it; and its latency figures are those
    of the histogram it carries (merged over slices and DCs bucket by bucket)."""
    rows = {(s["workflow"], s["stream"]): s for s in result["streams"]}
    check(sorted(rows) == sorted(want), "%s: one row per stream %s (got %s)" %
          (what, sorted(want), sorted(rows)))
    errs = schema_errors(result)
    check(not errs, "%s: the result has one node's JSON schema %s" % (what, errs))
    now = ports_now(c, workers)
    delta = {w: (now[w][0] - before[w][0], now[w][1] - before[w][1]) for w in now}
    op, ip = sum(d[0] for d in delta.values()), sum(d[1] for d in delta.values())
    tx = sum(s["tx_pkts"] for s in rows.values())
    rx = sum(s["rx_pkts"] for s in rows.values())
    print("%s: rows tx %d rx %d; workers' ports sent %d received %d; totals tx %d" %
          (what, tx, rx, op, ip, result["totals"]["tx_pkts"]))
    check(tx == op and rx == ip and tx == result["totals"]["tx_pkts"],
          "%s: the rows' tx/rx are the workers' port counters, summed, and the job's totals" %
          what)
    per_worker = {}
    for q in result["by_worker"]:
        t = per_worker.setdefault(q["worker"], [0, 0])
        t[0] += q["tx_pkts"]
        t[1] += q["rx_pkts"]
    check(per_worker == {w: list(d) for w, d in delta.items() if d != (0, 0)},
          "%s: each worker's rows are what its ports counted: %s (ports %s)" %
          (what, per_worker, delta))
    for key, n in want.items():
        s = rows[key]
        check(n * 9 // 10 <= s["tx_pkts"] <= n and s["rx_pkts"] == s["tx_pkts"] and
              s["lost"] == 0, "%s: stream %s/%s sent %d of %d, all received" %
              (what, key[0], key[1], s["tx_pkts"], n))
        for by in ("by_dc", "by_worker"):
            parts = [q for q in result[by] if (q["workflow"], q["stream"]) == key]
            check(parts and sum(q["tx_pkts"] for q in parts) == s["tx_pkts"] and
                  sum(q["latency_samples"] for q in parts) == s["latency_samples"] and
                  max(q["latency_ns"]["max"] for q in parts) == s["latency_ns"]["max"],
                  "%s: stream %s/%s: its %d %s rows add up to it" %
                  (what, key[0], key[1], len(parts), by))
        h, lat = s["latency_histogram"], s["latency_ns"]
        check(h is not None and sum(b[2] for b in h) == s["latency_samples"] > 0,
              "%s: stream %s/%s carries its histogram (%d samples)" %
              (what, key[0], key[1], s["latency_samples"]))
        count = s["latency_samples"]
        got = {q: lat[k] for q, k in ((50, "p50"), (90, "p90"), (99, "p99"), (99.9, "p99_9"))}
        mine = {q: hist_percentile(h, count, lat["min"], lat["max"], q) for q in got}
        check(got == mine and h[0][0] <= lat["min"] and lat["max"] <= h[-1][1],
              "%s: stream %s/%s percentiles %s are the histogram's %s" %
              (what, key[0], key[1], got, mine))


def ports_now(c, workers):
    """Each worker's test-port counters: {node id: (opackets, ipackets)}."""
    return {w.idx: (c.metrics(w).total("hyperline_port_opackets"),
                    c.metrics(w).total("hyperline_port_ipackets")) for w in workers}


def submit_json(c, gate, name, load, extra=""):
    """hlctl submit --wait --format json --out FILE of the test job; returns (process, the
    JSON file, the output file)."""
    path = os.path.join(c.workdir, name + ".ini")
    with open(path, "w") as f:
        f.write(JOB % {"name": name, "load": load, "extra": extra, "timeout": "3m"})
    jpath = os.path.join(c.workdir, name + ".json")
    out = open(os.path.join(c.workdir, name + ".hlctl"), "a+")
    p = c.hlctl_popen(gate, "submit", path, "--wait", "--format", "json", "--out", jpath,
                      stdout=out, stderr=out)
    return p, jpath, out


def wait_exit(c, p, what, timeout):
    """Wait for a background hlctl to exit (failing the test after timeout s)."""
    end = time.monotonic() + min(timeout, c.left() - 2)
    while p.poll() is None:
        if time.monotonic() > end:
            fail("%s: hlctl --wait still running after %.0f s" % (what, timeout))
        time.sleep(0.2)


def wait_json(c, p, jpath, out, what, timeout):
    """Wait for a submit_json() to end; it must end COMPLETED with no remark. Returns the
    JSON result."""
    wait_exit(c, p, what, timeout)
    out.seek(0)
    if p.returncode != 0:
        fail("%s: hlctl exit %s:\n%s" % (what, p.returncode, out.read()[-2000:]))
    with open(jpath) as f:
        r = json.load(f)
    check(r["state"].lower() == "completed" and r["error"] == "",
          "%s: COMPLETED with no remark (%r)" % (what, r["error"]))
    return r


def check_totals(what, text, load, dcs):
    """Counts stay consistent: the job's totals in hlctl's result are those of exactly one run
    of each workflow (warm 1 s at 10 kpps, load `load` s at 20 kpps) in each of its `dcs` DCs,
    whatever was killed, paused or cut off on the way: a slice lost with its worker, or re-run,
    adds nothing; every packet sent on the workers' net_ring test ports came back (signature
    all)."""
    m = TOTAL.search(text)
    if m is None:
        fail("%s: no totals in hlctl's result:\n%s" % (what, text[-1500:]))
    tx, rx, lost = (int(v) for v in m.groups())
    want = (10000 * 1 + 20000 * load) * dcs
    print("%s: totals tx %d rx %d lost %d; one run of each workflow in %d DC(s) sends %d" %
          (what, tx, rx, lost, dcs, want))
    check(rx == tx and lost == 0, "%s: every packet sent was received (tx %d rx %d lost %d)" %
          (what, tx, rx, lost))
    # The generator paces to the packet (tx == want on a quiet machine). More than one run
    # sends is a slice counted twice; a starved run may send a little less.
    check(want * 9 // 10 <= tx <= want,
          "%s: tx %d is one run of each workflow per DC (%d, at most 10 %% short)" %
          (what, tx, want))


def wait_done(c, p, out, what, timeout):
    """Wait for a submit() to end; it must end COMPLETED with consistent totals. Returns
    hlctl's output."""
    wait_exit(c, p, what, timeout)
    out.seek(0)
    text = out.read()
    if p.returncode != 0 or "COMPLETED" not in text.upper():
        fail("%s: hlctl exit %s:\n%s" % (what, p.returncode, text[-2000:]))
    if out.name in LOADS:
        check_totals(what, text, *LOADS.pop(out.name))
    return text
