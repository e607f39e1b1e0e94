#!/usr/bin/env python3
"""node_test.py — single-node tests of hyperline + hlctl (suite 'eal'): a real node process on a
net_ring loopback test port (no hugepages), driven through hlctl and raw sockets.

usage: node_test.py HYPERLINE HLCTL TEST [TELEMETRY_PY]
tests: jobs, reconnect, cancel, slowreader, httplimits, telemetry, badinput, badprofile, hugemem, examples, jobtable, lanes, persist
Every test bounds its own duration and stops every process it started (SIGTERM, then SIGKILL).
"""
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import tcheck
from tcheck import check, fail, left
from result_schema import hist_errors, schema_errors
import urllib.error
import urllib.request

HYPERLINE, HLCTL, TEST = sys.argv[1], sys.argv[2], sys.argv[3]
TELEMETRY = sys.argv[4] if len(sys.argv) > 4 else "dpdk-telemetry.py"
tcheck.budget(50)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PMD_DIR = os.path.join(ROOT, "pmd-config")
PROCS = []

BASE_PORT = 20000 + (os.getpid() % 4000) * 10  # this test's TCP/UDP ports: BASE_PORT + 0..9

NODE_INI = """[node]
name = t{pid}
roles = gate, manager, worker
dc = dc1
polling = adaptive
state_dir = {state}
pmd_config_dir = {pmddir}
[management]
client = 127.0.0.1:{port}
http = 127.0.0.1:{hport}
[lcores]
service = 1
traffic = 2
[timers]
push_ms = 50
[port.test0]
device = net_ring0
pmd_config = {pmd}
"""


STATE_DIR = None  # set per run: a directory inside the test's temporary directory


def node_ini(pmd="net_ring", port_off=0):
    return NODE_INI.format(pid=os.getpid(), pmddir=PMD_DIR, pmd=pmd, port=BASE_PORT + port_off,
                           hport=BASE_PORT + port_off + 1, state=STATE_DIR)


TWO_WF = """[job]
name = twowf
[workflow a]
streams = s1
duration = {adur}ms
[workflow b]
streams = s1, s2
depends_on = a
duration = {dur}ms
cores = {cores}
[stream s1]
rate = 20kpps
signature = all
{c1}
[stream s2]
rate = 5kpps
size = 512
vary.src_port = inc 1024-1039
signature = all
{c2}
"""


def two_wf(dur, counted=False, cores=1):
    """Two workflows a -> b. counted: streams end by packet count (6000 and 2500) well before
    their workflow's duration, so the expected counts do not depend on timing."""
    if counted:
        return TWO_WF.format(adur=5000, dur=5000, c1="count = 6000", c2="count = 2500",
                             cores=cores)
    return TWO_WF.format(adur=300, dur=dur, c1="", c2="", cores=cores)


class Node:
    def __init__(self, tmp, ini=None, extra=(), huge=False, lcores="(0-2)@(0-1)"):
        self.prefix = "hl-test-%d-%s" % (os.getpid(), TEST)
        path = os.path.join(tmp, "node.ini")
        with open(path, "w") as f:
            f.write(ini if ini is not None else node_ini())
        open(os.path.join(tmp, "node.log"), "w").close()
        self.log = open(os.path.join(tmp, "node.log"), "a+")  # append: reads never move writes
        self.p = subprocess.Popen(
            [HYPERLINE, *([] if huge else ["--no-huge", "-m", "256"]), "--no-pci",
             "--file-prefix", self.prefix,
             "--lcores", lcores, "--vdev", "net_ring0", "--log-level", "lib.eal:error",
             *extra, "--", "--profile", path],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        PROCS.append(self.p)
        self.client = self.http = None
        m = re.search(r"^cluster_id = (\S+)", ini or "", re.M)
        self.cluster = m.group(1) if m else "hyperline"  # hlctl must name the node's cluster

    def wait_up(self):
        while self.client is None or self.http is None:
            line = self.p.stdout.readline()
            if not line:
                self.log.seek(0)
                fail("node exited before listening: " + self.log.read()[-2000:])
            m = re.search(r"client API on (\S+)", line)
            if m:
                self.client = m.group(1)
            m = re.search(r"http://(\S+)/status", line)
            if m:
                self.http = m.group(1)
            left()
        return self

    def stop(self):
        """SIGTERM must stop the node cleanly (exit 0) within 10 s."""
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            fail("node did not stop within 10 s of SIGTERM")
        check(rc == 0, "node stopped cleanly on SIGTERM (exit %s)" % rc)


def hlctl(node, *args, timeout=None):
    r = subprocess.run([HLCTL, "-s", node.client, *args], capture_output=True, text=True,
                       timeout=timeout or left(),
                       env=dict(os.environ, HYPERLINE_CLUSTER_ID=node.cluster))
    return r.returncode, r.stdout, r.stderr


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def check_result(res, state="completed"):
    check(res["state"] == state, "result state is %s" % state)
    errs = schema_errors(res)
    check(not errs, "the result has the JSON schema a cluster's has %s" % errs)
    errs = [e for s in res["streams"] for e in hist_errors(s)]
    check(not errs, "every stream's percentiles are its histogram's %s" % errs)
    for by in ("by_dc", "by_worker"):
        check(sorted((q["workflow"], q["stream"], q["tx_pkts"]) for q in res[by]) ==
              sorted((s["workflow"], s["stream"], s["tx_pkts"]) for s in res["streams"]),
              "one node: its %s rows are its streams" % by)
    for s in res["streams"]:
        check(s["tx_pkts"] > 0 and s["rx_pkts"] == s["tx_pkts"] and s["lost"] == 0,
              "%s/%s: tx %d == rx %d, no loss" % (s["workflow"], s["stream"], s["tx_pkts"],
                                                  s["rx_pkts"]))
        lat = s["latency_ns"]
        check(0 < lat["p50"] <= lat["p99"] <= lat["max"] or lat["max"] == lat["p50"],
              "%s/%s: latency percentiles ordered" % (s["workflow"], s["stream"]))
    tx = sum(s["tx_pkts"] for s in res["streams"])
    rx = sum(s["rx_pkts"] for s in res["streams"])
    check(tx == sum(p["opackets"] for p in res["ports"]) and
          rx == sum(p["ipackets"] for p in res["ports"]),
          "stream totals match the port counters (tx %d rx %d)" % (tx, rx))


def t_jobs(tmp):
    node = Node(tmp).wait_up()
    job = write(tmp, "job.ini", two_wf(0, counted=True))
    rc, out, err = hlctl(node, "submit", job, "--wait", "--format", "json")
    check(rc == 0, "submit --wait exits 0 for a completed job (rc %d, %s)" % (rc, err[-300:]))
    prog = [l for l in err.splitlines() if l.startswith("[")]
    running = [l for l in prog if " running " in l]
    check(len(running) >= 3, "pushed progress while running (%d lines)" % len(running))
    check(any(" a " in l for l in running) and any(" b " in l for l in running),
          "progress names both workflows")
    check(" completed " in prog[-1] and "wf 2/2" in prog[-1], "last progress: completed 2/2")
    txs = [int(re.search(r"tx (\d+)", l).group(1)) for l in prog]
    check(txs == sorted(txs), "progress tx counts never go backwards")
    res = json.loads(out)
    check([(s["workflow"], s["stream"]) for s in res["streams"]] ==
          [("a", "s1"), ("b", "s1"), ("b", "s2")], "workflows ran in dependency order a -> b")
    check_result(res)
    exp = {("a", "s1"): 6000, ("b", "s1"): 6000, ("b", "s2"): 2500}
    for s in res["streams"]:
        want = exp[(s["workflow"], s["stream"])]
        check(s["tx_pkts"] == want, "%s/%s sent its packet count (%d == %d)" % (
            s["workflow"], s["stream"], s["tx_pkts"], want))
    rc, out, _ = hlctl(node, "results", str(res["job_id"]), "--format", "csv")
    check(rc == 0 and len(out.strip().splitlines()) == 4, "results again as CSV (kept)")
    rc, _, err = hlctl(node, "results", str(res["job_id"]), "--out", "/dev/full")
    check(rc == 2 and "writing the result to /dev/full failed" in err,
          "a result that cannot be written: exit 2 and why (%s)" % err.strip())
    node.stop()


def t_reconnect(tmp):
    node = Node(tmp).wait_up()
    job = write(tmp, "job.ini", two_wf(2500))
    c = subprocess.Popen([HLCTL, "-s", node.client, "submit", job, "--wait"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    PROCS.append(c)
    job_id = None
    while True:
        line = c.stderr.readline()
        if not line:
            fail("hlctl ended before the job ran")
        m = re.search(r"job (\d+) submitted", line)
        if m:
            job_id = m.group(1)
        if job_id and " running " in line:
            break
        left()
    c.kill()  # the client dies mid-job
    c.wait()
    check(c.returncode == -signal.SIGKILL,
          "client killed mid-job (job %s, hlctl status %s)" % (job_id, c.returncode))
    rc, out, _ = hlctl(node, "status", job_id)
    check(rc == 0 and "running" in out, "the job keeps running without its client")
    rc, _, err = hlctl(node, "results", job_id)
    check(rc == 6, "results before the end: exit 6, not ready (%s)" % err.strip())
    rc, _, err = hlctl(node, "watch", job_id)
    check(rc == 0 and "completed" in err, "a new client watches it to completion")
    rc, out, _ = hlctl(node, "results", job_id, "--format", "json")
    check(rc == 0, "the result is fetched after reconnecting")
    check_result(json.loads(out))
    node.stop()


def t_cancel(tmp):
    node = Node(tmp).wait_up()
    job = write(tmp, "job.ini", two_wf(20000))
    rc, out, _ = hlctl(node, "submit", job)
    job_id = out.strip()
    check(rc == 0 and job_id.isdigit(), "submit without --wait prints the job id")
    time.sleep(0.5)
    rc, out, _ = hlctl(node, "cancel", job_id)
    check(rc == 0, "cancel accepted")
    rc, _, err = hlctl(node, "watch", job_id, timeout=10)
    check(rc == 1 and "cancelled" in err, "watch ends with exit 1: cancelled")
    rc, out, _ = hlctl(node, "results", job_id, "--format", "json")
    res = json.loads(out)
    check(rc == 1 and res["state"] == "cancelled", "result says cancelled, exit 1")
    for s in res["streams"]:
        check(s["rx_pkts"] == s["tx_pkts"], "cancelled run still accounts every packet")
    rc, _, err = hlctl(node, "cancel", job_id)
    check(rc == 4 and "already" in err, "cancelling an ended job is refused")
    node.stop()


def t_telemetry(tmp):
    node = Node(tmp).wait_up()
    for cmd, want in (("/hyperline/ports", "test0"), ("/hyperline/lcores", "traffic"),
                      ("/hyperline/services", "hl_dispatch"), ("/hyperline/members", "alive"),
                      ("/hyperline/jobs", "")):
        r = subprocess.run([TELEMETRY, "-f", node.prefix], input=cmd + "\n",
                           capture_output=True, text=True, timeout=left())
        m = re.search(r"(\{.*\})", r.stdout)
        check(m is not None, "%s answers through dpdk-telemetry.py" % cmd)
        data = json.loads(m.group(1))
        check(cmd in data and want in json.dumps(data[cmd]), "%s shows %r" % (cmd, want))
        if cmd == "/hyperline/services":
            calls = int(re.search(r"calls=(\d+)", data[cmd]["hl_dispatch"]).group(1))
            check(calls > 0, "service call counts are real (hl_dispatch called %d times)" % calls)
    node.stop()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


# lib/wire message types and lib/util/hl_err.h codes the client API tests use
MSG_ERROR, MSG_NODES_QUERY, MSG_NODES_REPLY, MSG_VOTE_REQ = 1, 19, 20, 34
MSG_JOB_SUBMIT, MSG_JOB_RESULT, MSG_JOB_RESULT_QUERY = 64, 91, 96
E_TRUNCATED, E_OVERSIZE, E_BAD_TYPE, E_BAD_MAGIC, E_BAD_CRC, E_UNKNOWN_MSG = (
    1024, 1025, 1026, 1028, 1030, 1031)
E_BAD_VALUE, E_WRONG_CLUSTER = 1033, 1034
CLUSTER = crc32c(b"hyperline")  # the node profile's default [node] cluster_id


def mp(v):
    """A tiny msgpack encoder for request bodies: dicts, non-negative ints, str, bytes, lists."""
    if isinstance(v, dict):
        return bytes([0x80 | len(v)]) + b"".join(mp(k) + mp(x) for k, x in v.items())
    if isinstance(v, list):
        return bytes([0x90 | len(v)]) + b"".join(mp(x) for x in v)
    if isinstance(v, int):
        return bytes([v]) if v < 128 else b"\xcf" + struct.pack(">Q", v)
    if isinstance(v, str):
        v = v.encode()
        return bytes([0xa0 | len(v)]) + v if len(v) < 32 else b"\xda" + struct.pack(">H", len(v)) + v
    if isinstance(v, bytes):
        return b"\xc5" + struct.pack(">H", len(v)) + v
    raise TypeError(v)


def unmp(b, i=0):
    """Decode one msgpack value at b[i:]: (value, next index). Enough for the node's replies."""
    t = b[i]
    if t < 0x80:
        return t, i + 1
    if t >= 0xe0:
        return t - 256, i + 1
    if 0x80 <= t <= 0x8f or t in (0xde, 0xdf):
        n, i = (t & 15, i + 1) if t <= 0x8f else (
            struct.unpack(">H" if t == 0xde else ">I", b[i + 1:i + (3 if t == 0xde else 5)])[0],
            i + (3 if t == 0xde else 5))
        d = {}
        for _ in range(n):
            k, i = unmp(b, i)
            d[k], i = unmp(b, i)
        return d, i
    if 0x90 <= t <= 0x9f or t in (0xdc, 0xdd):
        n, i = (t & 15, i + 1) if t <= 0x9f else (
            struct.unpack(">H" if t == 0xdc else ">I", b[i + 1:i + (3 if t == 0xdc else 5)])[0],
            i + (3 if t == 0xdc else 5))
        out = []
        for _ in range(n):
            x, i = unmp(b, i)
            out.append(x)
        return out, i
    if 0xa0 <= t <= 0xbf:
        n = t & 31
        return b[i + 1:i + 1 + n].decode(), i + 1 + n
    fixed = {0xc0: (None, 1), 0xc2: (False, 1), 0xc3: (True, 1)}
    if t in fixed:
        return fixed[t][0], i + fixed[t][1]
    ints = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q", 0xd0: ">b", 0xd1: ">h", 0xd2: ">i",
            0xd3: ">q", 0xca: ">f", 0xcb: ">d"}
    if t in ints:
        n = struct.calcsize(ints[t])
        return struct.unpack(ints[t], b[i + 1:i + 1 + n])[0], i + 1 + n
    lens = {0xd9: ">B", 0xda: ">H", 0xdb: ">I", 0xc4: ">B", 0xc5: ">H", 0xc6: ">I"}
    if t in lens:
        h = struct.calcsize(lens[t])
        n = struct.unpack(lens[t], b[i + 1:i + 1 + h])[0]
        raw = b[i + 1 + h:i + 1 + h + n]
        return (raw.decode() if t >= 0xd9 else raw), i + 1 + h + n
    raise ValueError("msgpack type 0x%02x" % t)


def frame(ftype, body, version=1, magic=b"HL", length=None, good_crc=True, flags=0,
          cluster=CLUSTER):
    """A lib/wire frame behind its TCP length prefix (length: override the prefix)."""
    hdr = magic + bytes([version, flags]) + struct.pack(">HBBII", ftype, 0, 0, cluster, len(body))
    crc = struct.pack(">I", crc32c(hdr + body) if good_crc else 0)
    f = hdr + body + crc
    return struct.pack(">I", len(f) if length is None else length) + f


def read_frame(sock):
    """One prefixed frame: (type, decoded body map), or (None, {}) when the node closed."""
    sock.settimeout(5)
    buf = b""
    while len(buf) < 4 or len(buf) < 4 + struct.unpack(">I", buf[:4])[0]:
        d = sock.recv(65536)
        if not d:
            return None, {}
        buf += d
    n = struct.unpack(">I", buf[:4])[0]
    f = buf[4:4 + n]
    check(f[:2] == b"HL" and struct.unpack(">I", f[8:12])[0] == CLUSTER and
          struct.unpack(">I", f[-4:])[0] == crc32c(f[:-4]), "reply is a sound frame")
    body, end = unmp(f[16:-4])
    check(end == len(f) - 20, "reply body is one msgpack map")
    return struct.unpack(">H", f[4:6])[0], body


def err_text(body):
    return body.get(11) or body.get(8, "")  # detail when the text was cut, else text


def closed(sock):
    sock.settimeout(5)
    try:
        while True:
            d = sock.recv(65536)
            if not d:
                return True
    except (ConnectionResetError, socket.timeout):
        return False


def t_badinput(tmp):
    node = Node(tmp).wait_up()
    host, port = node.client.rsplit(":", 1)

    def conn():
        return socket.create_connection((host, int(port)), timeout=5)

    def expect_error(s, code, what, closes):
        t, e = read_frame(s)
        check(t == MSG_ERROR and e.get(1) == code,
              "%s: error message, code %s (got type %s %s)" % (what, code, t, e))
        if closes:
            check(closed(s), "...and the connection is closed")
        return e
    # 1. garbage: its first 4 bytes read as a length over the limit; structured error, closed
    s = conn()
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    e = expect_error(s, E_OVERSIZE, "garbage (HTTP)", True)
    check(e.get(2) == struct.unpack(">I", b"GET ")[0] and e.get(3) == 4 << 20,
          "...naming the length it read and the limit")
    s = conn()  # a plausible length, then no frame magic
    s.sendall(struct.pack(">I", 24) + b"\x00" * 24)
    expect_error(s, E_BAD_MAGIC, "bad magic", True)
    # 2. oversize frame: error names actual size, limit and the frame's message type
    s = conn()
    s.sendall(frame(MSG_JOB_SUBMIT, b"", length=64 << 20)[:20])
    e = expect_error(s, E_OVERSIZE, "oversize frame", True)
    check(e.get(2) == 64 << 20 and e.get(3) == 4 << 20 and e.get(4) == MSG_JOB_SUBMIT and
          "67108864" in err_text(e), "...with actual size, limit and type (%s)" % e)
    # 3. a corrupted checksum; flags set (version 1 defines none); an unknown version
    s = conn()
    s.sendall(frame(MSG_NODES_QUERY, mp({}), good_crc=False))
    e = expect_error(s, E_BAD_CRC, "bad CRC", True)
    check("checksum" in err_text(e) or "crc" in err_text(e).lower(), "...saying so")
    s = conn()
    s.sendall(frame(MSG_NODES_QUERY, mp({}), flags=2))
    expect_error(s, E_BAD_VALUE, "non-zero frame flags", True)
    s = conn()
    s.sendall(frame(MSG_NODES_QUERY, mp({}), version=2))
    expect_error(s, 1029, "protocol version 2", True)
    # 3b. another cluster's frame: refused with WRONG_CLUSTER (both hashes), closed
    s = conn()
    s.sendall(frame(MSG_NODES_QUERY, mp({}), cluster=crc32c(b"other-cluster")))
    e = expect_error(s, E_WRONG_CLUSTER, "frame of another cluster", True)
    check(e.get(2) == crc32c(b"other-cluster") and e.get(3) == CLUSTER,
          "...with its hash and ours")
    rc, _, err = hlctl(node, "--cluster-id", "other-cluster", "nodes")
    check(rc == 3 and "another cluster" in err, "hlctl of another cluster: exit 3 (%s)" %
          err.strip())
    rc, out, _ = hlctl(node, "-c", "hyperline", "nodes")
    check(rc == 0 and "alive" in out, "hlctl with the node's cluster id is served")
    # 4. sound frames with hostile bodies or types: error replies, the connection stays usable
    s = conn()
    s.sendall(frame(MSG_JOB_SUBMIT, b"\x93\x01\x02\x03"))  # body is an array
    e = expect_error(s, E_BAD_TYPE, "job_submit body that is an array", False)
    check("job_submit body malformed" in err_text(e), "...naming the message")
    s.sendall(frame(MSG_JOB_SUBMIT, b"\x81\x04\xc6\xff\xff\xff\xff"))  # bin32 of 4 GiB
    e = expect_error(s, E_OVERSIZE, "declared 4 GiB spec", False)
    check(e.get(4) == MSG_JOB_SUBMIT and e.get(5) == 4 and e.get(2) == 0xffffffff,
          "...with type, field key and the declared size (%s)" % e)
    s.sendall(frame(MSG_JOB_SUBMIT, mp({2: "k", 4: b"[job]\n"})))  # no workflows key
    expect_error(s, 1032, "job_submit without a required field", False)
    s.sendall(frame(99, mp({})))
    e = expect_error(s, E_UNKNOWN_MSG, "unknown message type", False)
    check("not a client request" in err_text(e) and e.get(4) == 99, "...naming the type")
    # a peer-only message (an election vote request) on the client port
    s.sendall(frame(MSG_VOTE_REQ, mp({1: 2, 3: 5, 4: 77})))
    e = expect_error(s, E_UNKNOWN_MSG, "vote_req on the client port", False)
    check("vote_req" in err_text(e) and e.get(4) == MSG_VOTE_REQ,
          "...refused as not a client request (%s)" % err_text(e))
    s.sendall(frame(MSG_NODES_QUERY, mp({})))
    t, _ = read_frame(s)
    check(t == MSG_NODES_REPLY, "the same connection still answers a valid request")
    s.close()
    # 5. a client that disconnects mid-frame
    s = conn()
    s.sendall(frame(MSG_NODES_QUERY, mp({}))[:10])
    s.close()
    # 6. a job with an unknown field, and one naming a port that does not exist
    bad = two_wf(200).replace("size = 512", "size = 512\nburstiness = 3")
    rc, _, err = hlctl(node, "submit", write(tmp, "bad1.ini", bad))
    check(rc == 4 and "[stream s2] burstiness: unknown key" in err,
          "unknown job field: exit 4 with section and key (%s)" % err.strip())
    bad = two_wf(200).replace("size = 512", "size = 512\nport = 9")
    rc, _, err = hlctl(node, "submit", write(tmp, "bad2.ini", bad))
    check(rc == 4 and "[stream s2] port: test port 9 does not exist" in err,
          "nonexistent port: exit 4 (%s)" % err.strip())
    rc, _, err = hlctl(node, "submit", write(tmp, "bad4.ini", two_wf(200, cores=4)))
    check(rc == 4 and "[workflow b] cores: 4 traffic lcores wanted" in err,
          "more cores than lanes: exit 4 (%s)" % err.strip())
    rc, _, err = hlctl(node, "submit", write(tmp, "bad3.ini", "[workflow x\nduration=1ms\n"))
    check(rc == 4 and "job profile:1:" in err,
          "malformed INI: exit 4 with the line (%s)" % err.strip())
    rc, _, err = hlctl(node, "results", "12345")
    check(rc == 5, "unknown job: exit 5")
    # the node is still serving, and runs a job correctly afterwards
    rc, out, err = hlctl(node, "submit", write(tmp, "ok.ini", two_wf(200)), "--wait",
                         "--format", "json")
    check(rc == 0, "node still runs jobs after the bad input")
    check_result(json.loads(out))
    metrics = urllib.request.urlopen("http://%s/metrics" % node.http, timeout=5).read().decode()
    bad = int(re.search(r"^hyperline_client_frames_bad_total (\d+)", metrics, re.M).group(1))
    check(bad >= 12, "metrics count the rejected frames (%d)" % bad)
    st = json.loads(urllib.request.urlopen("http://%s/status" % node.http, timeout=5).read())
    check(st["node"]["roles"] == "gate,manager,worker" and st["jobs"][0]["state"] == "completed",
          "HTTP /status is JSON with node and jobs")
    node.stop()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    fail("no VmRSS for pid %d" % pid)


def metric(node, name):
    text = urllib.request.urlopen("http://%s/metrics" % node.http, timeout=5).read().decode()
    m = re.search(r"^%s (\d+)" % name, text, re.M)
    if not m:
        fail("metric %s missing" % name)
    return int(m.group(1))


def t_slowreader(tmp):
    """S2: a client that pipelines requests and never reads. The node must bound what it queues
    for it (back-pressure, then disconnect after its stall timeout, counted), keep serving other
    clients, and refuse connections over its caps with an ERROR saying when to retry."""
    node = Node(tmp).wait_up()
    pid = node.p.pid
    rc, out, err = hlctl(node, "submit", write(tmp, "job.ini", two_wf(200)), "--wait",
                         "--format", "json")
    check(rc == 0, "a job completed (its result is what the flood asks for)")
    job_id = json.loads(out)["job_id"]
    host, port = node.client.rsplit(":", 1)
    req = frame(MSG_JOB_RESULT_QUERY, mp({1: job_id}))
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(req)
    s.settimeout(5)
    t, body = read_frame(s)
    check(t == MSG_JOB_RESULT and body.get(1) == job_id and len(body.get(10, [])) >= 1 and
          len(body[10]) == len(body.get(15, [])),
          "job_result_query (%d B) answers the job_result, streams with their identities" %
          len(req))
    s.close()
    flood = socket.socket()
    flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    flood.connect((host, int(port)))
    flood.setblocking(False)
    batch = req * 2048
    base = rss_kb(pid)
    peak, sent, served, probes, next_probe = base, 0, 0, 0, 0.0
    t_end = time.monotonic() + 6
    while time.monotonic() < t_end:
        try:
            sent += flood.send(batch)
        except BlockingIOError:
            time.sleep(0.01)
        peak = max(peak, rss_kb(pid))
        if time.monotonic() > next_probe:
            rc, out, _ = hlctl(node, "status", timeout=5)
            probes += 1
            served += rc == 0 and "completed" in out
            next_probe = time.monotonic() + 1
    print("flood: sent %d requests (%d B); node VmRSS %d kB before, peak %d kB (+%d kB)" % (
        sent // len(req), sent, base, peak, peak - base))
    # per connection the node holds at most ~4 MiB of input + 1 MiB + one reply of output
    check(peak - base < 32 * 1024, "node RSS bounded under a non-reading client (+%d kB)" % (
        peak - base))
    # One probe a second when each answers at once; on a loaded 2-core machine a probe takes
    # longer and fewer fit in the 6 s, so every probe but one must be served, and at least 2.
    check(served >= 2 and served >= probes - 1,
          "another client was served during the flood (%d of %d status probes answered)" %
          (served, probes))
    check(metric(node, "hyperline_client_reads_paused_total") >= 1,
          "the node stopped reading the flooding client (counted)")
    stall_end = time.monotonic() + 15
    while metric(node, "hyperline_client_stalled_closed_total") < 1:
        if time.monotonic() > stall_end:
            fail("the stalled client was not disconnected within 15 s")
        time.sleep(0.5)
    check(metric(node, "hyperline_client_stalled_closed_total") == 1,
          "the stalled client was disconnected, counted once")
    flood.close()
    node.log.flush()
    with open(node.log.name) as f:
        check("closed: read nothing for" in f.read(), "...and the reason is logged")
    # connection caps: 16 per source address, 64 in total; over-cap gets ERROR + retry hint
    socks = []

    def conn_from(src):
        c = socket.socket()
        c.bind((src, 0))
        c.settimeout(5)
        c.connect((host, int(port)))
        c.sendall(frame(MSG_NODES_QUERY, mp({})))
        t, body = read_frame(c)
        return c, t, err_text(body).encode() if t == MSG_ERROR else b""
    for i in range(16):
        c, t, _ = conn_from("127.0.0.1")
        socks.append(c)
        if t != MSG_NODES_REPLY:
            fail("connection %d from 127.0.0.1 not served" % (i + 1))
    c, t, body = conn_from("127.0.0.1")
    check(t == MSG_ERROR and b"from this address open (limit 16): retry in" in body,
          "17th connection from one address: ERROR with retry hint (%s)" % body[-80:])
    c.close()
    rc, _, err = hlctl(node, "status")
    check(rc == 3 and "retry in" in err, "hlctl over the cap: exit 3 and the hint (%s)" %
          err.strip())
    for src in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        for i in range(16):
            c, t, _ = conn_from(src)
            socks.append(c)
            if t != MSG_NODES_REPLY:
                fail("connection %d from %s not served" % (len(socks), src))
    c, t, body = conn_from("127.0.0.5")
    check(t == MSG_ERROR and b"64 client connections open (limit 64): retry in" in body,
          "65th connection: ERROR with retry hint")
    c.close()
    for c in socks:
        c.close()
    while True:
        rc, _, _ = hlctl(node, "status")
        if rc == 0:
            break
        time.sleep(0.2)
    check(metric(node, "hyperline_client_refused_per_peer_total") == 2 and
          metric(node, "hyperline_client_refused_total") == 1,
          "refusals counted (2 per address, 1 total)")
    node.stop()


def http_raw(node, data, stream_for=0.0):
    """Send DATA to the HTTP port (then stream zeros for STREAM_FOR s while the node accepts
    them); return (response bytes, peak node VmRSS kB)."""
    host, port = node.http.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(data)
    peak = rss_kb(node.p.pid)
    end = time.monotonic() + stream_for
    s.setblocking(False)
    chunk = b"\0" * 65536
    while time.monotonic() < end:
        try:
            s.send(chunk)
        except BlockingIOError:
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            break
        peak = max(peak, rss_kb(node.p.pid))
    s.setblocking(True)
    s.settimeout(5)
    resp = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            resp += d
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return resp, peak


def t_httplimits(tmp):
    """S3: the HTTP endpoint bounds request size, connections and idle time."""
    node = Node(tmp).wait_up()
    st = json.loads(urllib.request.urlopen("http://%s/status" % node.http, timeout=5).read())
    check(st["node"]["name"].startswith("t"), "GET /status answers JSON")
    base = rss_kb(node.p.pid)
    resp, peak = http_raw(node, b"POST /status HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Length: 4000000000\r\n\r\n", stream_for=4)
    print("POST 4 GB body streamed 4 s: VmRSS %d kB before, peak %d kB" % (base, peak))
    check(resp.startswith(b"HTTP/1.1 413 "), "POST with a 4 GB body: 413 (%r)" % resp[:40])
    check(peak - base < 16 * 1024, "node RSS bounded while the body streams (+%d kB)" % (
        peak - base))
    resp, _ = http_raw(node, b"GET /status HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 431 "), "20 kB of headers: 431 (%r)" % resp[:40])
    resp, _ = http_raw(node, b"DELETE /status HTTP/1.1\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 405 "), "DELETE: 405")
    host, port = node.http.rsplit(":", 1)
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(40)]
    busy, pending = 0, list(idle)
    until = time.monotonic() + 2.0  # well inside the node's 5 s idle timeout
    while busy < 8 and time.monotonic() < until:
        ready, _, _ = select.select(pending, [], [], max(0.0, until - time.monotonic()))
        for c in ready:
            pending.remove(c)
            d = c.recv(4096)
            busy += d.startswith(b"HTTP/1.1 503 ") and b"Retry-After: 1" in d
    time.sleep(0.2)  # a 9th refusal, if the cap were wrong, would show up here
    ready, _, _ = select.select(pending, [], [], 0)
    busy += len(ready)
    check(busy == 8, "40 idle connections: the 8 over the cap of 32 get 503 Retry-After (%d)" %
          busy)
    try:
        urllib.request.urlopen("http://%s/status" % node.http, timeout=5)
        fail("GET /status succeeded while 32 idle connections hold every slot")
    except urllib.error.HTTPError as e:
        check(e.code == 503, "a real request while the cap is held: 503")
    closed_by_node = 0
    for c in idle:
        c.settimeout(10)
        try:
            d = c.recv(4096)
            closed_by_node += d == b""
        except (socket.timeout, ConnectionResetError):
            pass
        c.close()
    check(closed_by_node >= 32, "idle connections closed by the node's timeout (%d)" %
          closed_by_node)
    check(metric(node, "hyperline_http_timeouts_total") >= 32 and
          metric(node, "hyperline_http_refused_total") == 9 and
          metric(node, "hyperline_http_rejected_total") == 3,
          "HTTP timeouts, refusals and rejections are counted")
    node.stop()


def t_badprofile(tmp):
    base = node_ini()
    cases = [
        (base.replace("roles = gate, manager, worker", "roles = gate, boss"),
         "[node] roles: unknown role 'boss'"),
        (base.replace("polling = adaptive", "polling = lazy"),
         "[node] polling: 'lazy': expected busy or adaptive"),
        (base + "[bogus]\nx = 1\n", "[bogus]: unknown section"),
        (base.replace("traffic = 2", "traffic = 2\ncolour = red"), "[lcores] colour: unknown key"),
        (base.replace("device = net_ring0", "device = net_nothere0"),
         "[port.test0] device: no ethdev 'net_nothere0'"),
        (base.replace("traffic = 2", "traffic = 7"),
         "[lcores] traffic: lcore 7 is not enabled in EAL"),
        (base.replace("service = 1", "service = 0"),
         "[lcores] service: lcore 0 is the main lcore"),
        (node_ini(pmd="net_tap"),
         "pmd_config: profile net_tap is for driver net_tap, but net_ring0 is driven by net_ring"),
        (node_ini(pmd="nonexistent"), "[port.test0] pmd_config:"),
        (base + "[cluster]\ngates = 1, 2, 3, 4\n",
         "[cluster] gates: need 1..3 node ids"),
        (base + "[cluster]\ngates = 5, x\n", "[cluster] gates: 'x' is not a node id"),
        (base + "[cluster]\ngates = 5, 5\n", "[cluster] gates: node id 5 listed twice"),
        (base.replace("[node]", "[node]\nid = 9") + "[cluster]\ngates = 5, 6\n",
         "[cluster] gates: this gate's node id 9 is not in the gate tier"),
    ]
    for ini, want in cases:
        n = Node(tmp, ini=ini)
        try:
            out, _ = n.p.communicate(timeout=left())
        except subprocess.TimeoutExpired:
            n.p.kill()
            fail("node with a bad profile did not exit")
        n.log.seek(0)
        err = n.log.read()
        check(n.p.returncode == 2 and want in err, "bad profile -> exit 2: %s" % want)


def t_hugemem(tmp):
    """With hugepages (the node adds --in-memory): a job runs, and after a clean stop every
    hugepage is free again and no hugepage file is left behind."""
    def free_pages():
        with open("/proc/meminfo") as f:
            return int(re.search(r"HugePages_Free:\s+(\d+)", f.read()).group(1))
    before = free_pages()
    if before < 64:
        print("SKIP: fewer than 64 free hugepages")
        raise SystemExit(77)
    node = Node(tmp, huge=True).wait_up()
    check(free_pages() < before, "the node uses hugepages")
    rc, out, err = hlctl(node, "submit", write(tmp, "job.ini", two_wf(0, counted=True)),
                         "--wait", "--format", "json")
    check(rc == 0, "job completes on hugepage memory")
    check_result(json.loads(out))
    node.stop()
    check(free_pages() == before, "every hugepage is free after the stop")
    left_files = [f for f in os.listdir("/dev/hugepages") if node.prefix in f] \
        if os.path.isdir("/dev/hugepages") else []
    check(not left_files, "no hugepage file left behind")


def t_jobtable(tmp):
    """The job table is bounded (64 records): with 64 unfetched results a submission is refused
    with a clear error; fetching a result frees room (the oldest fetched record goes)."""
    node = Node(tmp).wait_up()
    tiny = write(tmp, "tiny.ini", "[job]\nname = tiny\n[workflow w]\nduration = 5ms\n"
                 "streams = s\n[stream s]\nrate = 1kpps\ncount = 2\nsignature = all\n")
    ids = []
    for i in range(64):
        rc, out, err = hlctl(node, "submit", tiny)
        if rc != 0:
            fail("submit %d refused: %s" % (i + 1, err))
        ids.append(out.strip())
    check(len(set(ids)) == 64, "64 jobs accepted with distinct ids")
    rc, _, err = hlctl(node, "watch", ids[-1])
    check(rc == 0, "the last job completes")
    rc, _, err = hlctl(node, "submit", tiny)
    check(rc == 4 and "job table full" in err, "65th job refused: %s" % err.strip())
    rc, out, _ = hlctl(node, "results", ids[0], "--format", "json")
    check(rc == 0 and json.loads(out)["state"] == "completed", "fetch the first job's result")
    rc, out, err = hlctl(node, "submit", tiny)
    check(rc == 0, "after a fetch, a new job is accepted")
    rc, _, _ = hlctl(node, "status", ids[0])
    check(rc == 5, "the fetched record was the one freed (status: not found)")
    rc, _, _ = hlctl(node, "status", ids[1])
    check(rc == 0, "unfetched results are kept")
    metrics = urllib.request.urlopen("http://%s/metrics" % node.http, timeout=5).read().decode()
    check(re.search(r"^hyperline_jobs_evicted_total 1$", metrics, re.M) is not None,
          "the eviction is counted")
    node.stop()


def t_lanes(tmp):
    """Two traffic lanes: each has its own TX/RX queue pair on the port; a workflow's streams
    spread over both, and every packet is accounted for on the lane that sent it."""
    node = Node(tmp, ini=node_ini().replace("traffic = 2", "traffic = 2, 3"),
                lcores="(0-3)@(0-1)").wait_up()
    rc, out, err = hlctl(node, "submit", write(tmp, "job.ini", two_wf(0, counted=True, cores=2)),
                         "--wait", "--format", "json")
    check(rc == 0, "job completes on two lanes (%s)" % err[-200:])
    res = json.loads(out)
    check_result(res)
    check(sum(s["tx_pkts"] for s in res["streams"]) == 14500, "all 14500 packets counted")
    r = subprocess.run([TELEMETRY, "-f", node.prefix], input="/hyperline/lcores\n",
                       capture_output=True, text=True, timeout=left())
    check('"traffic": "2,3"' in r.stdout, "telemetry shows two traffic lanes")
    node.stop()


def t_persist(tmp):
    """A finished job's result survives a node restart until it is fetched, then it is gone."""
    node = Node(tmp).wait_up()
    rc, out, _ = hlctl(node, "submit", write(tmp, "job.ini", two_wf(0, counted=True)))
    job_id = out.strip()
    rc, _, _ = hlctl(node, "watch", job_id)
    check(rc == 0, "job %s completed (result not fetched)" % job_id)
    node.stop()
    node = Node(tmp).wait_up()
    rc, out, _ = hlctl(node, "status", job_id)
    check(rc == 0 and "completed" in out and "ready" in out and "2/2" in out,
          "after a restart the job is listed with its result ready")
    rc, out, _ = hlctl(node, "results", job_id, "--format", "json")
    res = json.loads(out)
    check(rc == 0 and res["job_id"] == int(job_id), "the result is fetched after the restart")
    check([s["tx_pkts"] for s in res["streams"]] == [6000, 6000, 2500] and
          all(s["rx_pkts"] == s["tx_pkts"] for s in res["streams"]),
          "with every stream's counts intact")
    check(not os.listdir(os.path.join(STATE_DIR, "results")), "the fetched result's file is gone")
    node.stop()
    node = Node(tmp).wait_up()
    rc, _, _ = hlctl(node, "status", job_id)
    check(rc == 5, "a fetched result does not come back after another restart")
    node.stop()


def example_node(tmp, name, lcores="(0-2)@(0-1)", extra=()):
    """A node from app/examples/NAME with its addresses switched to ephemeral test ports."""
    with open(os.path.join(ROOT, "app", "examples", name)) as f:
        ini = f.read()
    ini = re.sub(r"client = 127.0.0.1:\d+", "client = 127.0.0.1:%d" % BASE_PORT, ini)
    ini = re.sub(r"http = 127.0.0.1:\d+", "http = 127.0.0.1:%d" % (BASE_PORT + 1), ini)
    ini = re.sub(r"swim = 127.0.0.1:\d+", "swim = 127.0.0.1:%d" % (BASE_PORT + 2), ini)
    ini = re.sub(r"pmd_config_dir = \S+", "pmd_config_dir = " + PMD_DIR, ini)
    ini = re.sub(r"state_dir = \S+", "state_dir = " + STATE_DIR, ini)
    return Node(tmp, ini=ini, lcores=lcores, extra=extra).wait_up()


def t_examples(tmp):
    """The operator's guide examples stay valid: app/examples/node-allinone.ini starts a node
    and app/examples/two-workflows.ini completes on it; app/examples/node-lab.ini starts a node
    that accepts and runs every job profile of docs/examples/ (each cancelled once running)."""
    node = example_node(tmp, "node-allinone.ini")
    rc, out, err = hlctl(node, "submit", os.path.join(ROOT, "app", "examples",
                                                      "two-workflows.ini"),
                         "--wait", "--format", "json")
    check(rc == 0, "the example job completes (%s)" % err[-200:])
    check_result(json.loads(out))
    node.stop()
    node = example_node(tmp, "node-lab.ini", lcores="(0-5)@(0-1)",
                        extra=("--vdev", "net_ring1", "-m", "512"))
    docs_ex = os.path.join(ROOT, "docs", "examples")
    for name in sorted(os.listdir(docs_ex)):
        if not name.endswith(".ini"):
            continue
        rc, out, err = hlctl(node, "submit", os.path.join(docs_ex, name))
        check(rc == 0 and out.strip().isdigit(),
              "docs/examples/%s is accepted (%s)" % (name, err.strip()[-200:]))
        job_id = out.strip()
        while True:
            rc, st, _ = hlctl(node, "status", job_id)
            if rc != 0 or " running " in st or " completed " in st:
                break
            time.sleep(0.1)
        check(rc == 0 and (" running " in st or " completed " in st),
              "docs/examples/%s runs" % name)
        rc, _, err = hlctl(node, "cancel", job_id)
        check(rc == 0 or "already" in err, "...and is cancelled")
    node.stop()


def main():
    tests = {"hugemem": t_hugemem, "examples": t_examples, "jobtable": t_jobtable, "lanes": t_lanes, "persist": t_persist, "jobs": t_jobs, "reconnect": t_reconnect, "cancel": t_cancel,
             "telemetry": t_telemetry, "badinput": t_badinput, "badprofile": t_badprofile,
             "slowreader": t_slowreader, "httplimits": t_httplimits}
    global STATE_DIR
    with tempfile.TemporaryDirectory(prefix="hl-test-") as tmp:
        STATE_DIR = os.path.join(tmp, "state")
        try:
            tests[TEST](tmp)
        finally:
            for p in PROCS:
                if p.poll() is None:
                    p.kill()
                    p.wait()
    print("PASS", TEST)


if __name__ == "__main__":
    main()
