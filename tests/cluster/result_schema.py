"""result_schema.py — the JSON result's schema (docs/operations.md, "Results"), one for a job
on one node and a job through a cluster: node_test.py and the cluster tests check every result
they read against it, so the two paths cannot drift apart."""
import math

RESULT = {"job_id", "name", "state", "error", "totals", "streams", "by_dc", "by_worker",
          "ports"}
STREAM = {"workflow", "stream", "tx_pkts", "tx_bytes", "rx_pkts", "rx_bytes", "requested_pps",
          "achieved_pps", "lost", "reordered", "duplicates", "latency_ns", "jitter_ns",
          "duration_ns", "signature", "latency_samples", "latency_histogram"}
LATENCY = {"min", "mean", "p50", "p90", "p99", "p99_9", "max"}
PART = {"workflow", "stream", "dc", "tx_pkts", "rx_pkts", "lost", "reordered", "duplicates",
        "achieved_pps", "latency_samples", "latency_ns", "jitter_ns"}
PART_LATENCY = {"min", "p50", "p90", "p99", "p99_9", "max"}


def schema_errors(res):
    """What in a JSON result departs from the schema (an empty list: nothing)."""
    bad = []
    if set(res) != RESULT:
        bad.append("result keys %s" % sorted(set(res) ^ RESULT))
    for s in res.get("streams", []):
        if set(s) != STREAM:
            bad.append("stream keys %s" % sorted(set(s) ^ STREAM))
        elif set(s["latency_ns"]) != LATENCY:
            bad.append("latency keys %s" % sorted(set(s["latency_ns"]) ^ LATENCY))
    for by, extra in (("by_dc", set()), ("by_worker", {"worker"})):
        for q in res.get(by, []):
            if set(q) != PART | extra:
                bad.append("%s keys %s" % (by, sorted(set(q) ^ (PART | extra))))
            elif set(q["latency_ns"]) != PART_LATENCY:
                bad.append("%s latency keys %s" % (by, sorted(set(q["latency_ns"]) ^
                                                             PART_LATENCY)))
    return bad


def hist_percentile(buckets, count, lo, hi, p):
    """The percentile lib/util's hl_hist_percentile reads (rank ceil(p/100 * count), the bucket
    holding it, its upper bound clamped to [min, max]), from a result's JSON histogram."""
    rank = min(max(math.ceil(p / 100.0 * count), 1), count)
    seen = 0
    for _, top, n in buckets:
        seen += n
        if seen >= rank:
            return min(max(top, lo), hi)
    return hi


def hist_errors(s):
    """A stream whose percentiles are not those of the histogram it carries."""
    h, lat, n = s["latency_histogram"], s["latency_ns"], s["latency_samples"]
    if n == 0:
        return []
    if h is None or sum(b[2] for b in h) != n:
        return ["%s/%s: histogram does not hold its %d samples" % (s["workflow"], s["stream"],
                                                                   n)]
    got = {q: lat[k] for q, k in ((50, "p50"), (90, "p90"), (99, "p99"), (99.9, "p99_9"))}
    mine = {q: hist_percentile(h, n, lat["min"], lat["max"], q) for q in got}
    return [] if got == mine else ["%s/%s: percentiles %s, histogram's %s" % (
        s["workflow"], s["stream"], got, mine)]
