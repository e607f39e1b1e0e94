#!/usr/bin/env python3
"""node_test.py — single-node tests of hyperline + hlctl (suite 'eal'): a real node process on a
net_ring loopback test port (no hugepages), driven through hlctl and raw sockets.

usage: node_test.py HYPERLINE HLCTL TEST [TELEMETRY_PY]
tests: jobs, reconnect, cancel, telemetry, badinput, badprofile, hugemem, examples, jobtable, lanes, persist
Every test bounds its own duration and stops every process it started (SIGTERM, then SIGKILL).
"""
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

HYPERLINE, HLCTL, TEST = sys.argv[1], sys.argv[2], sys.argv[3]
TELEMETRY = sys.argv[4] if len(sys.argv) > 4 else "dpdk-telemetry.py"
DEADLINE = time.monotonic() + 50
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


class Node:
    def __init__(self, tmp, ini=None, extra=(), huge=False, lcores="(0-2)@(0-1)"):
        self.prefix = "hl-test-%d-%s" % (os.getpid(), TEST)
        path = os.path.join(tmp, "node.ini")
        with open(path, "w") as f:
            f.write(ini if ini is not None else node_ini())
        self.log = open(os.path.join(tmp, "node.log"), "w+")
        self.p = subprocess.Popen(
            [HYPERLINE, *([] if huge else ["--no-huge", "-m", "256"]), "--no-pci",
             "--file-prefix", self.prefix,
             "--lcores", lcores, "--vdev", "net_ring0", "--log-level", "lib.eal:error",
             *extra, "--", "--profile", path],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        PROCS.append(self.p)
        self.client = self.http = None

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
                       timeout=timeout or left())
    return r.returncode, r.stdout, r.stderr


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def check_result(res, state="completed"):
    check(res["state"] == state, "result state is %s" % state)
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
    check(True, "client killed mid-job (job %s)" % job_id)
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
    node.stop()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def frame(ftype, body, version=1, magic=b"HL", length=None, good_crc=False):
    hdr = magic + bytes([version, ftype]) + b"\0\0\0\0" + struct.pack(">II", 0, len(body)
                                                                        if length is None else length)
    crc = struct.pack(">I", crc32c(hdr + body)) if good_crc else b"\0\0\0\0"
    return hdr + body + crc


def read_frame(sock):
    sock.settimeout(5)
    buf = b""
    while len(buf) < 16:
        d = sock.recv(65536)
        if not d:
            return None, b""
        buf += d
    n = struct.unpack(">I", buf[12:16])[0]
    while len(buf) < 16 + n + 4:
        d = sock.recv(65536)
        if not d:
            break
        buf += d
    return buf[3], buf[16:16 + n]


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
    # 1. garbage: structured error back, then the connection closes
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    t, body = read_frame(s)
    check(t == 3 and b"bad frame magic" in body, "garbage gets an ERROR frame (bad magic)")
    check(closed(s), "...and the connection is closed")
    # 2. oversize body: error names actual size and limit
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(frame(1, b"", length=64 << 20)[:16])
    t, body = read_frame(s)
    check(t == 3 and b"67108864" in body and b"4194304" in body,
          "oversize frame: ERROR with actual size and limit")
    s.close()
    # 3. a corrupted checksum
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(frame(5, b"\x80"))
    t, body = read_frame(s)
    check(t == 3 and b"checksum" in body, "bad CRC: ERROR frame")
    s.close()
    # 4. well-formed frames with hostile bodies: error replies, the connection stays usable
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(frame(1, b"\x93\x01\x02\x03", good_crc=True))  # SUBMIT whose body is an array
    t, body = read_frame(s)
    check(t == 3 and b"SUBMIT body malformed" in body, "malformed SUBMIT body: ERROR frame")
    s.sendall(frame(1, b"\x81\x01\xdb\xff\xff\xff\xff", good_crc=True))  # str32 of 4 GiB
    t, body = read_frame(s)
    check(t == 3 and b"SUBMIT body malformed" in body, "declared 4 GiB string: ERROR frame")
    s.sendall(frame(99, b"\x80", good_crc=True))
    t, body = read_frame(s)
    check(t == 3 and b"not a client request" in body, "unknown message type: ERROR frame")
    s.sendall(frame(11, b"\x80", good_crc=True))  # NODES_REQ on the same connection
    t, body = read_frame(s)
    check(t == 12, "the same connection still answers a valid request")
    s.close()
    # 5. a client that disconnects mid-frame
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"HL\x01\x01\0\0\0\0\0\0\0\0\0\0\0\x40partial")
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
    check(bad >= 3, "metrics count the rejected frames (%d)" % bad)
    st = json.loads(urllib.request.urlopen("http://%s/status" % node.http, timeout=5).read())
    check(st["node"]["roles"] == "gate,manager,worker" and st["jobs"][0]["state"] == "completed",
          "HTTP /status is JSON with node and jobs")
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


def t_examples(tmp):
    """The operator's guide examples (app/examples/) stay valid: the node profile starts a node
    (addresses switched to ephemeral ports) and the job profile completes on it."""
    ex = os.path.join(ROOT, "app", "examples")
    with open(os.path.join(ex, "node-allinone.ini")) as f:
        ini = f.read()
    ini = re.sub(r"client = 127.0.0.1:\d+", "client = 127.0.0.1:%d" % BASE_PORT, ini)
    ini = re.sub(r"http = 127.0.0.1:\d+", "http = 127.0.0.1:%d" % (BASE_PORT + 1), ini)
    ini = re.sub(r"pmd_config_dir = \S+", "pmd_config_dir = " + PMD_DIR, ini)
    ini = re.sub(r"state_dir = \S+", "state_dir = " + STATE_DIR, ini)
    node = Node(tmp, ini=ini).wait_up()
    rc, out, err = hlctl(node, "submit", os.path.join(ex, "two-workflows.ini"), "--wait",
                         "--format", "json")
    check(rc == 0, "the example job completes (%s)" % err[-200:])
    check_result(json.loads(out))
    node.stop()


def main():
    tests = {"hugemem": t_hugemem, "examples": t_examples, "jobtable": t_jobtable, "lanes": t_lanes, "persist": t_persist, "jobs": t_jobs, "reconnect": t_reconnect, "cancel": t_cancel,
             "telemetry": t_telemetry, "badinput": t_badinput, "badprofile": t_badprofile}
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
