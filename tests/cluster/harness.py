#!/usr/bin/env python3
"""harness.py — a multi-node hyperline cluster inside a network namespace of its own, for the
tests of tests/cluster/ (Python 3 standard library only).

    from harness import Cluster, check, run_test

    def body():
        with Cluster(HYPERLINE, HLCTL, budget=55) as c:
            a, b, d = c.start_nodes(3)                 # all-in-one nodes, SWIM on the fabric
            c.wait_for(c.all_alive, "three members alive everywhere", 10)
            c.netem(b, loss=20, delay_ms=5)            # impair b's fabric link
            r = c.hlctl(a, "submit", "job.ini", "--wait")  # hlctl inside the namespace
            check(r.returncode == 0, "job completed")
            b.kill()                                   # SIGKILL (stop()/cont(): SIGSTOP/SIGCONT)

    run_test("example", body)    # exit 0 PASS, 77 SKIP, 1 FAIL

docs/cluster.md describes the same setup by hand.

Layout inside the namespace `hlc-<pid>-<k>` (one per Cluster, made and deleted by it):

    node i (1..N) process: hyperline --no-huge -m 256 --no-pci --file-prefix hlc-<pid>-<k>-<i>
        --vdev net_tap0,iface=hlt<i>   fabric port: a tap netdev `hlt<i>` put on the bridge
        --vdev net_ring0 | net_null0,no-rx=1   test port (nodes with the worker role): a
                                       loopback, or a TX sink that receives nothing
    bridge  hlbr0 (STP off, forward delay 0, no address): the fabric's L2 segment
    fabric addresses      10.99.<fabric_net>.<i>:7946  (default net 1) — held by DPDK, not the
                          kernel: ARP and UDP answered by the node itself, no ICMP
    management addresses  10.99.<mgmt_net>.<i>/32 on the namespace's `lo` (default net 2):
                          client API :7400, HTTP :7480 (kernel TCP; control traffic between
                          nodes in one namespace goes over loopback, so the fabric faults
                          below do not touch it; the control-plane faults do: node links
                          dial from the node's own management address)

Faults: `node.kill()` (SIGKILL), `node.stop()`/`node.cont()` (SIGSTOP/SIGCONT), `node.term()`;
`c.link_down(node)`/`c.link_up(node)` (the node's tap down: its fabric is cut from the bridge);
`c.netem(node, loss=%, delay_ms=, jitter_ms=, direction="in"|"out"|"both")` and
`c.clear_netem(node)`: loss and delay on the node's bridge port, in what the node receives
("in"), sends ("out") or both — by a user-space relay between its tap and a veth on the bridge,
since this kernel has no sch_netem (see Cluster.netem); `c.partition([a, b], [c])` / `c.heal()`:
each group on a bridge of its own. Control plane (node links, hlctl; nftables in the
namespace): `c.cp_isolate(node)` drops every packet from or to the node's management address
but its HTTP port (metrics stay readable); `c.cp_loss(percent)` drops that share of the TCP
segments between management addresses; `c.cp_heal()` removes both.

Teardown — every node process killed (SIGKILL, after SIGCONT), their DPDK runtime directories
removed, the namespace deleted (which removes bridge, taps and veths) — runs in __exit__ on
success, failure or exception, from an atexit hook, and on SIGTERM/SIGINT (turned into an
exception that unwinds through __exit__). Node processes get PR_SET_PDEATHSIG=SIGKILL, so a
SIGKILLed harness takes its nodes with it; a namespace left by a SIGKILLed harness is deleted
by the next Cluster (names carry the creator's pid, deleted only when that pid is gone). Each
Cluster has a hard time budget (SIGALRM): past it the test fails and tears down.

Nothing is sent outside the namespace: every address lives in it, and hlctl/curl/ARP probes run
in it through `ip netns exec`.
"""
import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

NS_PREFIX = "hlc-"
BRIDGE = "hlbr0"
SWIM_PORT = 7946
CLIENT_PORT = 7400
HTTP_PORT = 7480
ROLES = ("gate", "manager", "worker")


class Skip(Exception):
    """The environment cannot host a cluster (not root, no netns/bridge/net_tap): exit 77."""


class Failure(Exception):
    """A test assertion or harness operation failed."""


class Terminated(BaseException):
    """SIGTERM/SIGINT received: unwinds through Cluster.__exit__ (not an Exception, so a test's
    `except Exception` does not swallow it)."""


def check(cond, msg):
    """Assert with the tests' output convention: `ok: msg`, or raise Failure(msg)."""
    if not cond:
        raise Failure(msg)
    print("ok:", msg, flush=True)


def passed(msg):
    """Report a step whose conditions the calls before it asserted (they raise Failure
    otherwise, e.g. a wait for a job's COMPLETED): `ok: msg`."""
    print("ok:", msg, flush=True)


def fail(msg):
    raise Failure(msg)


def _run(cmd, timeout=10, check_rc=True, input=None):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input)
    if check_rc and r.returncode != 0:
        raise Failure("%s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                           (r.stderr or r.stdout).strip()[-500:]))
    return r


_libc = ctypes.CDLL(None, use_errno=True)  # resolved here: no dlopen between fork and exec


def _pdeathsig():
    """preexec_fn: the child gets SIGKILL when the harness dies (survives `ip netns exec`'s
    execve, as it is not set-uid). The signal follows the death of the *thread* that started
    the child: start nodes and background processes from the main thread."""
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def sweep_stale_namespaces():
    """Delete namespaces and DPDK runtime directories named by an earlier harness whose
    process no longer exists (a SIGKILLed harness cannot clean up; its nodes died with it)."""
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        m = re.match(r"(%s(\d+)-\d+)\b" % re.escape(NS_PREFIX), line)
        if m and not os.path.exists("/proc/%s" % m.group(2)):
            subprocess.run(["ip", "netns", "del", m.group(1)], capture_output=True)
    try:
        dirs = os.listdir("/var/run/dpdk")
    except OSError:
        return
    for d in dirs:
        m = re.match(r"%s(\d+)-\d+-\d+$" % re.escape(NS_PREFIX), d)
        if m and not os.path.exists("/proc/%s" % m.group(1)):
            shutil.rmtree(os.path.join("/var/run/dpdk", d), ignore_errors=True)


class Metrics(dict):
    """Prometheus text parsed: key `name{k="v",...}` (labels sorted) or `name` -> float."""

    @staticmethod
    def key(name, labels):
        if not labels:
            return name
        return name + "{" + ",".join('%s="%s"' % (k, labels[k]) for k in sorted(labels)) + "}"

    @classmethod
    def parse(cls, text):
        m = cls()
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            mm = re.match(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$", line)
            if not mm:
                continue
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', mm.group(2) or ""))
            try:
                m[cls.key(mm.group(1), labels)] = float(mm.group(3))
            except ValueError:
                pass
        return m

    def value(self, name, default=0.0, **labels):
        """One series: metrics.value("hyperline_fabric_swim_rx_total", port="net_tap0")."""
        return self.get(self.key(name, labels), default)

    def total(self, name):
        """Sum over every label set of `name`."""
        return sum(v for k, v in self.items() if k == name or k.startswith(name + "{"))


class Node:
    """One hyperline process of a Cluster. Attributes: idx (1..N), name, roles (tuple), dc,
    tap, fabric_ip, swim (fabric SWIM address, the member's name in `hlctl nodes`), mgmt_ip,
    client and http (HOST:PORT), profile (path), stdout/stderr (log paths), proc (Popen)."""

    def __init__(self, cluster, idx, roles, dc, test_port, extra):
        self.cluster, self.idx = cluster, idx
        self.roles = tuple(roles)
        self.dc, self.test_port, self.extra = dc, test_port, extra or {}
        self.name = "n%d" % idx
        self.tap = "hlt%d" % idx
        self.fabric_ip = "10.99.%d.%d" % (cluster.fabric_net, idx)
        self.mgmt_ip = "10.99.%d.%d" % (cluster.mgmt_net, idx)
        self.swim = "%s:%d" % (self.fabric_ip, SWIM_PORT)
        self.client = "%s:%d" % (self.mgmt_ip, CLIENT_PORT)
        self.http = "%s:%d" % (self.mgmt_ip, HTTP_PORT)
        self.file_prefix = "%s-%d" % (cluster.ns, idx)
        d = cluster.workdir
        self.profile = os.path.join(d, "%s.ini" % self.name)
        self.state_dir = os.path.join(d, "state", self.name)
        self.stdout = os.path.join(d, "%s.out" % self.name)
        self.stderr = os.path.join(d, "%s.err" % self.name)
        self.proc = None
        self.starts = 0
        self.bridge = BRIDGE  # the bridge its fabric is on (partition())

    def __repr__(self):
        return "Node(%s %s %s)" % (self.name, ",".join(self.roles), self.swim)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if not self.running():
            raise Failure("%s: not running (exit %s)" % (self.name,
                                                          self.proc.poll() if self.proc else None))
        self.proc.send_signal(sig)

    def kill(self):
        """SIGKILL, then reap."""
        self.signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        """SIGSTOP: the process freezes (fabric, SWIM, client API all stop answering)."""
        self.signal(signal.SIGSTOP)

    def cont(self):
        self.signal(signal.SIGCONT)

    def term(self, timeout=15):
        """SIGTERM (graceful stop: SWIM leave, jobs cancelled); returns the exit status."""
        self.signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def log_tail(self, n=40):
        out = []
        for p in (self.stdout, self.stderr):
            try:
                with open(p, errors="replace") as f:
                    lines = f.read().splitlines()
                out.append("--- %s (last %d of %d lines)\n%s" % (
                    os.path.basename(p), min(n, len(lines)), len(lines),
                    "\n".join(lines[-n:])))
            except OSError:
                pass
        return "\n".join(out)


def parse_layout(spec):
    """Role layout: comma-separated `[DC/]ROLE+ROLE*COUNT` groups, e.g. "gate+manager+worker*3"
    (three all-in-one nodes) or "gate*1,manager*3,worker*4" or "dc1/worker*2,dc2/worker*2".
    Returns a list of (roles tuple, dc)."""
    out = []
    for group in spec.split(","):
        group = group.strip()
        m = re.match(r"(?:([\w-]+)/)?([a-z+]+)(?:\*(\d+))?$", group)
        if not m:
            raise ValueError("layout group %r: expected [DC/]ROLE+ROLE*COUNT" % group)
        roles = tuple(m.group(2).split("+"))
        bad = [r for r in roles if r not in ROLES]
        if bad or len(set(roles)) != len(roles):
            raise ValueError("layout group %r: roles must be distinct of %s" % (group, ROLES))
        out += [(roles, m.group(1) or "dc1")] * int(m.group(3) or 1)
    if not out:
        raise ValueError("empty layout")
    return out


class Cluster:
    """A namespace, a bridge and N hyperline nodes on it. Use as a context manager.

    hyperline, hlctl: paths of the binaries. budget: hard time limit in seconds (SIGALRM ->
    Failure, then teardown). mem_mb: EAL -m per node (--no-huge). fabric_net, mgmt_net: the
    third octet of the fabric and management address plans. cluster_id: [node] cluster_id.
    timers: optional dict for the profiles' [timers] section. quiet: no "harness: nN up" lines.
    logs_on_failure: print each node's log tails when the block exits by an exception (and
    copy the logs to $HL_CLUSTER_LOGDIR/<ns> if set; $HL_CLUSTER_KEEP keeps the work dir).
    """

    _seq = 0

    def __init__(self, hyperline, hlctl, budget=55.0, mem_mb=256, fabric_net=1, mgmt_net=2,
                 cluster_id="hl-cluster-test", timers=None, quiet=False, logs_on_failure=True):
        Cluster._seq += 1
        self.hyperline = os.path.abspath(hyperline)
        self.hlctl_bin = os.path.abspath(hlctl)
        self.budget, self.mem_mb = budget, mem_mb
        self.fabric_net, self.mgmt_net = fabric_net, mgmt_net
        self.cluster_id, self.timers, self.quiet = cluster_id, timers, quiet
        self.logs_on_failure = logs_on_failure
        self.ns = "%s%d-%d" % (NS_PREFIX, os.getpid(), Cluster._seq)
        self.nodes = []
        self.aux = []  # other processes started in the namespace (hlctl --wait, ...)
        self.workdir = None
        self.deadline = None
        self._relays = {}
        self._partition_bridges = []
        self._nft_table = False
        self._torn_down = True
        self._old = {}

    # ---- lifecycle ----

    def __enter__(self):
        if os.geteuid() != 0:
            raise Skip("needs root (network namespace, tap devices)")
        for tool in ("ip", "curl"):
            if shutil.which(tool) is None:
                raise Skip("%s not found" % tool)
        sweep_stale_namespaces()
        self.workdir = tempfile.mkdtemp(prefix="%s-" % self.ns)
        self.t0 = time.monotonic()
        self.deadline = self.t0 + self.budget
        self._torn_down = False
        atexit.register(self.teardown)
        for s in (signal.SIGTERM, signal.SIGINT):
            self._old[s] = signal.signal(s, self._on_signal)
        self._old[signal.SIGALRM] = signal.signal(signal.SIGALRM, self._on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.budget)
        try:
            self._make_namespace()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, et, ev, tb):
        failed = et is not None and not issubclass(et, Skip)
        try:
            if failed and self.logs_on_failure:
                self.print_logs()
                if os.environ.get("HL_CLUSTER_LOGDIR"):
                    print("harness: logs saved in %s" %
                          self.save_logs(os.environ["HL_CLUSTER_LOGDIR"]))
        finally:
            self.teardown(keep=failed and os.environ.get("HL_CLUSTER_KEEP"))
        return False

    def _on_signal(self, signum, frame):
        raise Terminated("terminated by signal %d" % signum)

    def _on_alarm(self, signum, frame):
        raise Failure("cluster test ran over its time budget of %.0f s" % self.budget)

    def left(self):
        """Seconds left of the budget (raises Failure when none)."""
        t = self.deadline - time.monotonic()
        if t <= 0:
            raise Failure("cluster test ran over its time budget of %.0f s" % self.budget)
        return t

    def elapsed(self):
        return time.monotonic() - self.t0

    def _make_namespace(self):
        if subprocess.run(["ip", "netns", "add", self.ns], capture_output=True).returncode:
            raise Skip("cannot create network namespace %s" % self.ns)
        self.ip("link", "set", "lo", "up")
        if self.sh(["ip", "link", "add", BRIDGE, "type", "bridge"], check_rc=False).returncode:
            raise Skip("cannot create a bridge in %s" % self.ns)
        # IPv6 off keeps the kernel quiet on the taps; the bridge forwards at once.
        self.sh(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], check_rc=False)
        self.sh(["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"], check_rc=False)
        self.ip("link", "set", BRIDGE, "type", "bridge", "stp_state", "0", "forward_delay", "0")
        self.ip("link", "set", BRIDGE, "up")

    def teardown(self, keep=False):
        """Idempotent: kill every process, delete the namespace and the work directory."""
        if self._torn_down:
            return
        self._torn_down = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        for s in (signal.SIGTERM, signal.SIGINT):  # no second unwinding during teardown
            signal.signal(s, signal.SIG_IGN)
        try:
            for p in self.aux + [n.proc for n in self.nodes if n.proc]:
                if p.poll() is None:
                    try:
                        p.send_signal(signal.SIGCONT)
                        p.kill()
                    except ProcessLookupError:
                        pass
            for p in self.aux + [n.proc for n in self.nodes if n.proc]:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    print("harness: warning: pid %d did not exit after SIGKILL" % p.pid)
            for n in self.nodes:
                shutil.rmtree("/var/run/dpdk/%s" % n.file_prefix, ignore_errors=True)
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
            if keep:
                print("harness: logs kept in %s" % self.workdir)
            elif self.workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)
        finally:
            for s, h in self._old.items():
                signal.signal(s, h if h is not None else signal.SIG_DFL)
            self._old = {}
            try:
                atexit.unregister(self.teardown)
            except Exception:
                pass

    def save_logs(self, dest):
        """Copy every node's profile, stdout and stderr (and earlier runs') to dest/<ns>/."""
        out = os.path.join(dest, self.ns)
        shutil.copytree(self.workdir, out, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("state"))
        return out

    def print_logs(self, n=40):
        for node in self.nodes:
            print("=== %s %s (%s)" % (node.name, ",".join(node.roles), node.swim))
            print(node.log_tail(n))
        sys.stdout.flush()

    # ---- running things in the namespace ----

    def sh(self, cmd, timeout=None, check_rc=True, input=None):
        """Run a command inside the namespace; returns CompletedProcess (text)."""
        t = min(self.left(), timeout or 10)
        return _run(["ip", "netns", "exec", self.ns] + list(cmd), timeout=t, check_rc=check_rc,
                    input=input)

    def ip(self, *args, check_rc=True):
        return self.sh(["ip"] + list(args), check_rc=check_rc)

    def popen(self, cmd, **kw):
        """Start a process inside the namespace, tracked for teardown (killed at exit)."""
        p = subprocess.Popen(["ip", "netns", "exec", self.ns] + list(cmd),
                             preexec_fn=_pdeathsig, **kw)
        self.aux.append(p)
        return p

    # ---- nodes ----

    def profile_text(self, node, seeds):
        """The node profile (docs/operations.md §3) for a role spec."""
        lines = ["; generated by tests/cluster/harness.py", "[node]",
                 "name = %s" % node.name, "roles = %s" % ",".join(node.roles),
                 "dc = %s" % node.dc, "cluster_id = %s" % self.cluster_id,
                 "polling = adaptive", "state_dir = %s" % node.state_dir,
                 "[management]", "client = %s" % node.client, "http = %s" % node.http,
                 "[fabric]", "port = net_tap0", "address = %s" % node.swim,
                 "[lcores]", "service = 1"]
        if "worker" in node.roles:
            lines += ["traffic = 2", "[port.test0]", "device = %s0" % node.test_port]
        if seeds:
            lines += ["[seeds]", "list = %s" % ", ".join(seeds)]
        if self.timers:
            lines += ["[timers]"] + ["%s = %s" % kv for kv in self.timers.items()]
        for sec, kv in node.extra.items():
            # a key of an existing section is appended under a repeated header only if the
            # section is new; otherwise insert after the section's header
            hdr = "[%s]" % sec
            add = ["%s = %s" % (k, str(v).format(node=node)) for k, v in kv.items()]
            if hdr in lines:
                i = lines.index(hdr) + 1
                lines[i:i] = add
            else:
                lines += [hdr] + add
        return "\n".join(lines) + "\n"

    def add_node(self, roles=ROLES, dc="dc1", test_port="net_ring", extra=None):
        """Declare a node (not started). roles: iterable or "gate,manager". test_port:
        "net_ring" (loopback: what is sent comes back) or "net_null" (no-rx=1: a sink),
        used when the node has the worker role. extra: {section:
        {key: value}} added to its profile ("{node.mgmt_ip}" etc. are formatted)."""
        if isinstance(roles, str):
            roles = tuple(r.strip() for r in roles.split(",") if r.strip())
        if test_port not in ("net_ring", "net_null"):
            raise ValueError("test_port: net_ring or net_null")
        n = Node(self, len(self.nodes) + 1, roles, dc, test_port, extra)
        if n.idx > 250:
            raise ValueError("at most 250 nodes in the address plan")
        self.nodes.append(n)
        return n

    def start(self, node, seeds=None, ready_timeout=20):
        """Start (or restart) a node and wait until it prints its client API, HTTP and SWIM
        addresses. seeds default: every other running node's SWIM address (none for the
        first)."""
        if node.running():
            raise Failure("%s already running" % node.name)
        if node.idx in self._relays:  # the relay holds the old tap: a new one is made now
            self.clear_netem(node)
        if seeds is None:
            seeds = [n.swim for n in self.nodes if n is not node and n.running()][:8]
        os.makedirs(node.state_dir, exist_ok=True)
        with open(node.profile, "w") as f:
            f.write(self.profile_text(node, seeds))
        self.ip("addr", "replace", "%s/32" % node.mgmt_ip, "dev", "lo")
        if node.starts:  # keep the previous run's logs
            for p in (node.stdout, node.stderr):
                if os.path.exists(p):
                    os.replace(p, "%s.%d" % (p, node.starts))
        node.starts += 1
        vdevs = ["--vdev", "net_tap0,iface=%s" % node.tap]
        lcores = "(0-1)@(0-1)"
        if "worker" in node.roles:
            # net_null with no-rx: a pure TX sink (its RX would otherwise invent packets)
            vdevs += ["--vdev", "net_ring0" if node.test_port == "net_ring" else
                      "net_null0,no-rx=1"]
            lcores = "(0-2)@(0-1)"
        cmd = [self.hyperline, "--no-huge", "-m", str(self.mem_mb), "--no-pci",
               "--file-prefix", node.file_prefix, "--lcores", lcores] + vdevs + \
              ["--log-level", "lib.eal:error", "--", "--profile", node.profile]
        with open(node.stdout, "w") as out, open(node.stderr, "w") as err:
            # `ip netns exec` execs the command: the Popen pid is the node itself.
            node.proc = subprocess.Popen(["ip", "netns", "exec", self.ns] + cmd, stdout=out,
                                         stderr=err, stdin=subprocess.DEVNULL,
                                         preexec_fn=_pdeathsig)
        # The tap exists once EAL has probed net_tap: put it on the bridge as soon as it does.
        end = time.monotonic() + ready_timeout
        while self.ip("link", "set", node.tap, "master", node.bridge,
                      check_rc=False).returncode:
            self._check_starting(node, end)
            time.sleep(0.05)
        self.ip("link", "set", node.tap, "up")
        want = ["client API on ", "HTTP status/metrics on ", "SWIM membership on "]
        while True:
            with open(node.stdout, errors="replace") as f:
                text = f.read()
            if all(w in text for w in want):
                break
            self._check_starting(node, end)
            time.sleep(0.05)
        m = re.search(r"SWIM membership on fabric (\S+)", text)
        if not m or m.group(1) != node.swim:
            raise Failure("%s: SWIM not on fabric %s: %s" % (node.name, node.swim, text[-500:]))
        if not self.quiet:
            print("harness: %s up (pid %d, roles %s, dc %s, fabric %s on %s, client %s)" % (
                node.name, node.pid, ",".join(node.roles), node.dc, node.swim, node.tap,
                node.client), flush=True)
        return node

    def _check_starting(self, node, end):
        if node.proc.poll() is not None:
            with open(node.stderr, errors="replace") as f:
                err = f.read()
            if "net_tap" in err or "tap" in err.lower():
                raise Skip("net_tap could not be created: %s" % err[-500:])
            raise Failure("%s exited with %s while starting: %s" % (
                node.name, node.proc.returncode, err[-1500:]))
        if time.monotonic() > end:
            raise Failure("%s not ready in time" % node.name)
        self.left()

    def start_nodes(self, layout=3, test_port="net_ring", extra=None):
        """Declare and start nodes: layout is a count (all-in-one nodes), a parse_layout()
        string, or a list of (roles, dc). Returns the started nodes."""
        if isinstance(layout, int):
            layout = [(ROLES, "dc1")] * layout
        elif isinstance(layout, str):
            layout = parse_layout(layout)
        new = [self.add_node(r, dc, test_port, extra) for r, dc in layout]
        for n in new:
            self.start(n)
        return new

    def restart(self, node, seeds=None):
        """Start a node again after kill()/term(), with the same profile and state dir."""
        if node.running():
            raise Failure("%s still running" % node.name)
        return self.start(node, seeds=seeds)

    # ---- faults ----

    def link_down(self, node):
        """The node's tap down: the bridge no longer forwards to or from its fabric."""
        self.ip("link", "set", node.tap, "down")

    def link_up(self, node):
        self.ip("link", "set", node.tap, "up")

    def _bridge_port(self, node):
        """The node's port on the bridge: its tap, or the relay's veth while netem is on."""
        return "hlv%d" % node.idx if node.idx in self._relays else node.tap

    def partition(self, *groups):
        """Split the fabric: each group of nodes gets a bridge of its own (hlbr1, hlbr2, ...);
        nodes in no group stay on hlbr0. Within a group frames flow, between groups none.
        heal() puts every node back on hlbr0."""
        self.heal()
        for k, group in enumerate(groups, 1):
            br = "hlbr%d" % k
            self.ip("link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0")
            self.ip("link", "set", br, "up")
            self._partition_bridges.append(br)
            for n in group:
                self.ip("link", "set", self._bridge_port(n), "master", br)
                n.bridge = br

    def heal(self):
        """Undo partition(): every node's port back on hlbr0, the extra bridges deleted."""
        for n in self.nodes:
            if n.bridge != BRIDGE:
                self.ip("link", "set", self._bridge_port(n), "master", BRIDGE, check_rc=False)
                n.bridge = BRIDGE
        for br in self._partition_bridges:
            self.ip("link", "del", br, check_rc=False)
        self._partition_bridges = []

    def _nft(self, *rules):
        """Rules into the namespace's `inet hlcp` table (made on first use; deleted with the
        namespace). Loopback traffic passes the output hook once per packet."""
        if not self._nft_table:
            self.sh(["nft", "add", "table", "inet", "hlcp"])
            self.sh(["nft", "add chain inet hlcp out "
                     "{ type filter hook output priority 0; policy accept; }"])
            self._nft_table = True
        for r in rules:
            self.sh(["nft", "add rule inet hlcp out " + r])

    def cp_isolate(self, node):
        """Cut node's control plane: every packet from or to its management address is
        dropped, but its HTTP port (the test still reads its metrics). Node links dial from
        the node's management address, so both directions of each link are cut. With
        partition() the node is cut off entirely."""
        ip = node.mgmt_ip
        self._nft("ip saddr %s tcp sport %d accept" % (ip, HTTP_PORT),
                  "ip daddr %s tcp dport %d accept" % (ip, HTTP_PORT),
                  "ip saddr %s drop" % ip, "ip daddr %s drop" % ip)

    def cp_cut(self, nodes_a, nodes_b):
        """Cut the control plane between every node of nodes_a and every node of nodes_b (both
        directions; each side still reaches everyone else, and the HTTP ports stay open).
        TCP retransmits what was cut once cp_heal() lifts it: a delay, not a loss."""
        for a in nodes_a:
            for b in nodes_b:
                self._nft("ip saddr %s ip daddr %s tcp sport != %d tcp dport != %d drop" %
                          (a.mgmt_ip, b.mgmt_ip, HTTP_PORT, HTTP_PORT),
                          "ip saddr %s ip daddr %s tcp sport != %d tcp dport != %d drop" %
                          (b.mgmt_ip, a.mgmt_ip, HTTP_PORT, HTTP_PORT))

    def cp_loss(self, percent):
        """Drop percent % of the TCP segments between management addresses (node links, hlctl;
        not the HTTP port the test reads metrics from), at random."""
        if not 0 < percent <= 100:
            raise ValueError("loss: 0 < percent <= 100")
        net = "10.99.%d.0/24" % self.mgmt_net
        share = "" if percent >= 100 else "numgen random mod 100 < %d " % int(percent)
        self._nft("ip saddr %s ip daddr %s tcp sport != %d tcp dport != %d %sdrop" %
                  (net, net, HTTP_PORT, HTTP_PORT, share))

    def cp_heal(self):
        """Undo cp_isolate() and cp_loss()."""
        if self._nft_table:
            self.sh(["nft", "flush", "chain", "inet", "hlcp", "out"])

    def netem(self, node, loss=None, delay_ms=None, jitter_ms=None, direction="both"):
        """Loss (%) and delay/jitter (ms) on the node's fabric link, like `tc netem` on its
        bridge port. direction "in": frames the node receives; "out": frames it sends;
        "both". Calling again replaces the impairment (a direction not named is left as it
        was).

        This kernel has no sch_netem (nor tc classifiers/actions), so the harness does it in
        user space: on the first call the tap leaves the bridge, a veth pair `hlv<i>` (on the
        bridge) / `hlw<i>` is made and a relay (`harness.py relay`, in the namespace) copies
        frames between the tap and `hlw<i>`, dropping and delaying them as configured.
        clear_netem() puts the tap back on the bridge."""
        if direction not in ("in", "out", "both"):
            raise ValueError("direction: in, out or both")
        if loss is None and delay_ms is None:
            raise ValueError("netem: give loss and/or delay_ms")
        if loss is not None and not 0 <= loss <= 100:
            raise ValueError("loss: 0..100 %")
        r = self._relays.get(node.idx)
        if r is None:
            r = self._start_relay(node)
        imp = {"loss": (loss or 0) / 100.0, "delay": (delay_ms or 0) / 1000.0,
               "jitter": (jitter_ms or 0) / 1000.0}
        for d in (("in", "out") if direction == "both" else (direction,)):
            r["cfg"][d] = imp
        self._relay_configure(node, r)

    def _start_relay(self, node):
        veth, relay_end = "hlv%d" % node.idx, "hlw%d" % node.idx
        self.ip("link", "add", veth, "type", "veth", "peer", "name", relay_end)
        self.ip("link", "set", veth, "master", node.bridge)
        for dev in (veth, relay_end):
            self.ip("link", "set", dev, "up")
        self.ip("link", "set", relay_end, "promisc", "on")
        self.ip("link", "set", node.tap, "promisc", "on")
        cfgpath = os.path.join(self.workdir, "relay-%s.json" % node.name)
        none = {"loss": 0.0, "delay": 0.0, "jitter": 0.0}
        r = {"cfg": {"in": dict(none), "out": dict(none), "gen": 0}, "path": cfgpath}
        with open(cfgpath, "w") as f:
            json.dump(r["cfg"], f)
        # the tap leaves the bridge only once the relay's sockets are bound to it
        r["proc"] = self.popen([sys.executable, os.path.abspath(__file__), "relay", node.tap,
                                relay_end, cfgpath], stdout=subprocess.PIPE, text=True)
        line = r["proc"].stdout.readline()
        if not line.startswith("relay ready"):
            raise Failure("netem relay for %s did not start: %r" % (node.name, line))
        self.ip("link", "set", node.tap, "nomaster")
        self._relays[node.idx] = r
        return r

    def _relay_configure(self, node, r):
        r["cfg"]["gen"] += 1
        tmp = r["path"] + ".tmp"
        with open(tmp, "w") as f:
            json.dump(r["cfg"], f)
        os.replace(tmp, r["path"])
        r["proc"].send_signal(signal.SIGHUP)
        want = "relay config %d" % r["cfg"]["gen"]
        while True:  # the relay acknowledges each configuration it applied
            line = r["proc"].stdout.readline()
            if not line:
                raise Failure("netem relay for %s exited" % node.name)
            if line.strip() == want:
                return

    def netem_stats(self, node):
        """The relay's counters: {"in"|"out": {"frames", "dropped", "delayed"}} (or {})."""
        r = self._relays.get(node.idx)
        if r is None:
            return {}
        try:
            with open(r["path"] + ".stats") as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def clear_netem(self, node):
        """Remove the impairment: stop the relay, delete the veth pair, tap back on the
        bridge."""
        r = self._relays.pop(node.idx, None)
        if r is None:
            return
        self.ip("link", "set", node.tap, "master", node.bridge, check_rc=False)
        r["proc"].kill()
        r["proc"].wait(timeout=5)
        self.ip("link", "del", "hlv%d" % node.idx, check_rc=False)

    # ---- observing ----

    def hlctl(self, node, *args, timeout=None, check_rc=True):
        """hlctl -s NODE_CLIENT -c CLUSTER_ID ARGS... inside the namespace; returns
        CompletedProcess."""
        return self.sh(self._hlctl_argv(node) + [str(a) for a in args],
                       timeout=timeout or 10, check_rc=check_rc)

    def hlctl_popen(self, node, *args, **kw):
        """hlctl in the background (e.g. submit --wait), tracked for teardown."""
        return self.popen(self._hlctl_argv(node) + [str(a) for a in args], **kw)

    def _hlctl_argv(self, node):
        # hlctl's frames carry the cluster id, which must match the node's [node] cluster_id
        return [self.hlctl_bin, "-s", node.client, "-c", self.cluster_id]

    def members(self, node):
        """{SWIM address: state} from `hlctl nodes` ({} when the node does not answer)."""
        try:
            r = self.hlctl(node, "nodes", timeout=5, check_rc=False)
        except subprocess.TimeoutExpired:
            return {}
        if r.returncode != 0:
            return {}
        out = {}
        for line in r.stdout.splitlines()[1:]:
            f = line.split()
            if len(f) >= 2:
                out[f[0]] = f[-2]
        return out

    def all_alive(self, nodes=None):
        """Every running node (or those given) lists exactly the running nodes as alive."""
        nodes = nodes or [n for n in self.nodes if n.running()]
        want = {n.swim for n in nodes}
        return all({a for a, s in self.members(n).items() if s == "alive"} == want
                   for n in nodes)

    def metrics(self, node):
        """GET http://NODE/metrics inside the namespace, parsed (Metrics). A node that does
        not answer within 5 s (seen on this 2-core VM at load 11) is asked once more, with
        10 s, and a warning printed; a second miss fails the test."""
        url = "http://%s/metrics" % node.http
        try:
            r = self.sh(["curl", "-sf", "--max-time", "5", url], timeout=6)
        except (subprocess.TimeoutExpired, Failure) as e:
            print("harness: warning: %s: %s; asking once more" % (url, str(e)[-120:]))
            r = self.sh(["curl", "-sf", "--max-time", "10", url], timeout=11)
        return Metrics.parse(r.stdout)

    def status(self, node):
        r = self.sh(["curl", "-sf", "--max-time", "5", "http://%s/status" % node.http],
                    timeout=6)
        return json.loads(r.stdout)

    def rss_kb(self, node):
        """VmRSS of the node's process in kB (from /proc)."""
        with open("/proc/%d/status" % node.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise Failure("%s: no VmRSS" % node.name)

    def arping(self, target_ip, count=20, interval=0.05, timeout=0.5, bridge=BRIDGE):
        """ARP requests from the bridge to a fabric address (the node answers ARP itself):
        returns (sent, answered, [rtt seconds]). A probe through the node's tap, usable to
        see netem on it: nodes do not answer ICMP."""
        r = self.sh([sys.executable, os.path.abspath(__file__), "arping", bridge, target_ip,
                     str(count), str(interval), str(timeout)],
                    timeout=count * (interval + timeout) + 5)
        d = json.loads(r.stdout)
        return d["sent"], d["answered"], d["rtts"]

    def wait_for(self, pred, what, timeout=10.0, interval=0.1):
        """Poll pred() until true (prints `ok: what`) or fail after timeout
        seconds (or when the budget runs out). Returns the seconds waited."""
        t0 = time.monotonic()
        end = t0 + timeout
        while not pred():
            self.left()
            if time.monotonic() > end:
                raise Failure("timed out after %.1f s waiting for: %s" % (timeout, what))
            time.sleep(interval)
        print("ok:", what, flush=True)
        return time.monotonic() - t0


def run_test(name, body):
    """Run body() and exit: 0 with `PASS name`, 77 on Skip, 1 with `FAIL: ...` otherwise."""
    t0 = time.monotonic()
    try:
        body()
    except Skip as e:
        print("SKIP:", e)
        sys.exit(77)
    except (Failure, Terminated, subprocess.TimeoutExpired) as e:
        print("FAIL:", e)
        sys.exit(1)
    print("PASS %s in %.1f s" % (name, time.monotonic() - t0))
    sys.exit(0)


# ---- `harness.py arping IFACE IP COUNT INTERVAL TIMEOUT` (run inside the namespace) ----

def _arping(iface, target, count, interval, timeout):
    ETH_P_ARP = 0x0806
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((iface, 0))
    with open("/sys/class/net/%s/address" % iface) as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    sip = socket.inet_aton(target.rsplit(".", 1)[0] + ".254")
    tip = socket.inet_aton(target)
    req = (b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) +
           struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + sip + b"\0" * 6 + tip)
    rtts, sent = [], 0
    for _ in range(count):
        t0 = time.monotonic()
        s.send(req)
        sent += 1
        end = t0 + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                pkt = s.recv(128)
            except socket.timeout:
                break
            # ARP reply (op 2) from the target to us
            if len(pkt) >= 42 and pkt[20:22] == b"\0\2" and pkt[28:32] == tip and \
                    pkt[38:42] == sip:
                rtts.append(time.monotonic() - t0)
                break
        time.sleep(max(0.0, interval - (time.monotonic() - t0)))
    print(json.dumps({"sent": sent, "answered": len(rtts), "rtts": rtts}))


# ---- `harness.py relay TAP VETH CONFIG` (run inside the namespace by Cluster.netem) ----

def _relay(tap, veth, cfgpath):
    """Copy Ethernet frames between a node's tap and a veth on the bridge: "out" = frames the
    node sends (tap -> veth), "in" = frames it receives (veth -> tap); each dropped with
    probability loss, else sent after delay +- jitter. SIGHUP re-reads the JSON config and
    prints `relay config GEN`; counters go to CONFIG.stats about once a second."""
    import heapq
    import random
    import select
    ETH_P_ALL = 0x0003
    PACKET_OUTGOING = 4
    socks = {}
    for name in (tap, veth):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setblocking(False)
        socks[name] = s
    route = {socks[tap].fileno(): ("out", socks[tap], socks[veth]),
             socks[veth].fileno(): ("in", socks[veth], socks[tap])}
    stats = {d: {"frames": 0, "dropped": 0, "delayed": 0, "send_errors": 0}
             for d in ("in", "out")}
    reload = [True]
    signal.signal(signal.SIGHUP, lambda s, f: reload.__setitem__(0, True))
    cfg = {}
    queue, seq = [], 0
    rnd = random.Random(os.getpid())
    print("relay ready", flush=True)
    next_stats = 0.0
    while True:
        if reload[0]:
            reload[0] = False
            with open(cfgpath) as f:
                cfg = json.load(f)
            print("relay config %d" % cfg["gen"], flush=True)
        now = time.monotonic()
        if now >= next_stats:
            with open(cfgpath + ".stats.tmp", "w") as f:
                json.dump(stats, f)
            os.replace(cfgpath + ".stats.tmp", cfgpath + ".stats")
            next_stats = now + 1.0
        while queue and queue[0][0] <= now:
            _, _, d, out, frame = heapq.heappop(queue)
            try:
                out.send(frame)
            except OSError:  # tap down (link_down) or queue full: lost like on a wire
                stats[d]["send_errors"] += 1
        timeout = 0.05 if not queue else max(0.0, min(0.05, queue[0][0] - now))
        try:
            ready, _, _ = select.select(list(route), [], [], timeout)
        except InterruptedError:
            continue
        for fd in ready:
            d, src, out = route[fd]
            for _ in range(64):
                try:
                    frame, addr = src.recvfrom(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:  # the tap went away or down
                    break
                if addr[2] == PACKET_OUTGOING:  # our own transmissions on this device
                    continue
                st, c = stats[d], cfg[d]
                st["frames"] += 1
                if c["loss"] > 0 and rnd.random() < c["loss"]:
                    st["dropped"] += 1
                    continue
                delay = c["delay"]
                if c["jitter"]:
                    delay = max(0.0, delay + rnd.uniform(-c["jitter"], c["jitter"]))
                if delay > 0:
                    st["delayed"] += 1
                    seq += 1
                    heapq.heappush(queue, (time.monotonic() + delay, seq, d, out, frame))
                    continue
                try:
                    out.send(frame)
                except OSError:
                    st["send_errors"] += 1


def _up(args):
    """`harness.py up HYPERLINE HLCTL [LAYOUT]`: a cluster by hand until Ctrl-C."""
    hyperline, hlctl = args[0], args[1]
    layout = args[2] if len(args) > 2 else "gate+manager+worker*3"
    with Cluster(hyperline, hlctl, budget=24 * 3600, logs_on_failure=False) as c:
        c.start_nodes(layout)
        c.wait_for(c.all_alive, "every node lists every node alive", 20)
        print("namespace %s; try:\n  ip netns exec %s %s -s %s -c %s nodes\n"
              "Ctrl-C tears everything down" % (c.ns, c.ns, c.hlctl_bin, c.nodes[0].client,
                                                c.cluster_id))
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "arping":
        _arping(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]),
                float(sys.argv[6]))
    elif len(sys.argv) == 5 and sys.argv[1] == "relay":
        _relay(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 4 and sys.argv[1] == "up":
        try:
            _up(sys.argv[2:])
        except Terminated:
            pass
    else:
        print("usage: harness.py up HYPERLINE HLCTL [LAYOUT]\n"
              "       harness.py arping IFACE IP COUNT INTERVAL TIMEOUT  (inside a netns)\n"
              "       harness.py relay TAP VETH CONFIG.json               (inside a netns)",
              file=sys.stderr)
        sys.exit(2)
