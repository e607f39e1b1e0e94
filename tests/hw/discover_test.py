#!/usr/bin/env python3
"""discover_test.py — hw/discover.py (suite 'eal').

1. On a fake sysfs tree: NICs map to their pmd-config profiles, the management NIC (default
   route in a fake /proc/net/route; also a virtio NIC whose netdev sits one level down) is
   never proposed, an unknown driver is skipped, a DPDK-bound NIC is kept without a profile.
2. On this machine: the profile it writes starts a real node with the EAL arguments from its
   own `; eal:` line, `hlctl status` answers, SIGTERM stops it cleanly.

usage: discover_test.py HYPERLINE HLCTL
"""
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
from tcheck import check, fail  # noqa: E402

DISCOVER = os.path.join(HERE, "..", "..", "hw", "discover.py")
HYPERLINE, HLCTL = sys.argv[1], sys.argv[2]


def put(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def fake_tree(root):
    sysfs, procfs = os.path.join(root, "sys"), os.path.join(root, "proc")
    put(os.path.join(sysfs, "devices/system/cpu/online"), "0-5\n")
    put(os.path.join(sysfs, "devices/system/node/node0/cpulist"), "0-2\n")
    put(os.path.join(sysfs, "devices/system/node/node1/cpulist"), "3-5\n")
    put(os.path.join(sysfs, "kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), "1024\n")
    put(os.path.join(sysfs, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages"), "1024\n")
    drivers = os.path.join(sysfs, "bus/pci/drivers")
    devs = [  # pci, class, driver, netdev path under the device ("" = none)
        ("0000:01:00.0", "0x020000", "ixgbe", "net/hltest_x0"),
        ("0000:02:00.0", "0x020000", "mlx5_core", "net/hltest_m0"),
        ("0000:03:00.0", "0x020000", "vfio-pci", ""),
        ("0000:04:00.0", "0x020000", "virtio-pci", "virtio3/net/hltest_mgmt"),
        ("0000:05:00.0", "0x020000", "e1000e", "net/hltest_e0"),
        ("0000:06:00.0", "0x010802", "nvme", ""),  # not a NIC
    ]
    for pci, cls, drv, net in devs:
        d = os.path.join(sysfs, "bus/pci/devices", pci)
        put(os.path.join(d, "class"), cls + "\n")
        put(os.path.join(d, "numa_node"), "0\n")
        os.makedirs(os.path.join(drivers, drv), exist_ok=True)
        os.symlink(os.path.join(drivers, drv), os.path.join(d, "driver"))
        if net:
            os.makedirs(os.path.join(d, net))
    put(os.path.join(procfs, "net/route"),
        "Iface\tDestination\tGateway\tFlags\n"
        "hltest_mgmt\t00000000\t010200C0\t0003\n")
    return sysfs, procfs


def fake_run(tmp):
    sysfs, procfs = fake_tree(tmp)
    env = dict(os.environ, HL_SYSFS=sysfs, HL_PROCFS=procfs)
    r = subprocess.run([sys.executable, DISCOVER, "--name", "fake"], env=env,
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        fail("discover on a fake tree: %s" % r.stderr.strip()[-500:])
    out, err = r.stdout, r.stderr
    check("device = 0000:01:00.0\npmd_config = ixgbe" in out, "ixgbe NIC -> pmd-config ixgbe")
    check("device = 0000:02:00.0\npmd_config = mlx5" in out, "mlx5_core NIC -> pmd-config mlx5")
    check(re.search(r"device = 0000:03:00.0\n(?!pmd_config)", out) is not None,
          "vfio-pci NIC kept, no profile guessed")
    check("0000:04:00.0" not in out and "management interface (hltest_mgmt)" in err,
          "the management NIC (default route, netdev under virtioN/) is never proposed")
    check("0000:05:00.0" not in out and "e1000e: no pmd-config profile known" in err,
          "a driver without a profile is skipped, with the reason")
    check("0000:06:00.0" not in out, "a non-network PCI device is ignored")
    check("; eal: -l 0,1,2,3,4,5 --in-memory -a 0000:01:00.0 -a 0000:02:00.0 -a 0000:03:00.0"
          in out, "EAL line: one lcore per CPU, hugepages in memory, the chosen NICs only")
    check("traffic = 2, 3, 4, 5" in out and "service = 1" in out, "lcore map")


def real_run(tmp):
    ini = os.path.join(tmp, "node.ini")
    r = subprocess.run([sys.executable, DISCOVER, "--name", "disc", "--client", "127.0.0.1:0",
                        "--http", "127.0.0.1:0", "--state-dir", os.path.join(tmp, "state"),
                        "--out", ini], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "discover on this machine exits 0")
    text = open(ini).read()
    m = re.search(r"^; eal: (.*)$", text, re.M)
    check(m is not None, "profile carries its EAL line")
    eal = shlex.split(m.group(1))
    # The test must not depend on the machine's hugepages or NICs: keep the discovered lcore
    # map and devices, but run without hugepages and with a unique file prefix.
    eal = [a for a in eal if a != "--in-memory"]
    if "--no-huge" not in eal:
        eal += ["--no-huge", "-m", "512"]
    i = eal.index("--file-prefix")
    eal[i + 1] = "hl-disc-%d" % os.getpid()
    if any(a == "-a" for a in eal):
        print("skip: this machine has a usable NIC; not started by the test")
        return
    log = open(os.path.join(tmp, "node.log"), "w+")
    p = subprocess.Popen([HYPERLINE] + eal + ["--log-level", "lib.eal:error", "--",
                                              "--profile", ini],
                         stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        client = None
        deadline = time.monotonic() + 30
        while client is None and time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                log.seek(0)
                fail("node exited: %s" % log.read()[-1500:])
            m = re.search(r"client API on (\S+)", line)
            client = m.group(1) if m else None
        check(client is not None, "node started from the discovered profile (%s)" % client)
        r = subprocess.run([HLCTL, "-s", client, "status"], capture_output=True, text=True,
                           timeout=10)
        check(r.returncode == 0, "hlctl status answers")
        p.send_signal(signal.SIGTERM)
        check(p.wait(timeout=15) == 0, "node stops cleanly on SIGTERM")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    with tempfile.TemporaryDirectory(prefix="hl-disc-") as tmp:
        fake_run(os.path.join(tmp, "fake"))
        real_run(tmp)
    print("PASS")


main()
