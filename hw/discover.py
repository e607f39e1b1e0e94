#!/usr/bin/env python3
"""hw/discover.py — look at this machine and write a hyperline node profile for it.

Reads CPUs and NUMA nodes (/sys/devices/system), hugepages (/sys/kernel/mm/hugepages), and the
PCI network devices (/sys/bus/pci/devices: class 0x02), with the kernel driver each one is
bound to (a NIC bound to vfio-pci/uio is already DPDK's). NICs that carry an IPv4 address or
the default route are management interfaces and are never proposed as test or fabric ports.
Known drivers map to their pmd-config profile (pmd-config/*.ini). Without a usable NIC the
profile gets a net_ring loopback test port, so that it still starts (and says so).

    hw/discover.py [--name N] [--roles gate,manager,worker] [--dc dc1] [--cluster-id ID]
                   [--client IP:PORT] [--http IP:PORT] [--out FILE]

The profile's header carries the EAL arguments to start the node with (line `; eal: ...`);
`hyperline <those> -- --profile FILE` starts it. Prints what it found on stderr.
"""
import argparse
import os
import socket
import sys

SYS = os.environ.get("HL_SYSFS", "/sys")  # tests may point this at a fake tree
PROC = os.environ.get("HL_PROCFS", "/proc")

# kernel driver -> pmd-config profile name (pmd-config/<name>.ini)
DRIVER_PMD = {
    "ixgbe": "ixgbe",
    "i40e": "i40e",
    "ice": "ice",
    "mlx5_core": "mlx5",
    "virtio-pci": "virtio",
    "virtio_net": "virtio",
}
DPDK_DRIVERS = ("vfio-pci", "uio_pci_generic", "igb_uio")


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def parse_cpulist(s):
    out = []
    for part in s.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def cpus():
    online = parse_cpulist(read(os.path.join(SYS, "devices/system/cpu/online"), ""))
    if not online:
        online = list(range(os.cpu_count() or 1))
    numa = {}
    base = os.path.join(SYS, "devices/system/node")
    try:
        for d in sorted(os.listdir(base)):
            if d.startswith("node") and d[4:].isdigit():
                for c in parse_cpulist(read(os.path.join(base, d, "cpulist"))):
                    numa[c] = int(d[4:])
    except OSError:
        pass
    return online, numa


def hugepages():
    out = []
    base = os.path.join(SYS, "kernel/mm/hugepages")
    try:
        for d in sorted(os.listdir(base)):
            if d.startswith("hugepages-") and d.endswith("kB"):
                kb = int(d[len("hugepages-"):-2])
                total = int(read(os.path.join(base, d, "nr_hugepages"), "0") or 0)
                free = int(read(os.path.join(base, d, "free_hugepages"), "0") or 0)
                out.append((kb, total, free))
    except OSError:
        pass
    return out


def management_ifaces():
    """Interfaces that carry the default route or an IPv4 address: never test ports."""
    mgmt = set()
    for line in read(os.path.join(PROC, "net/route")).splitlines()[1:]:
        f = line.split()
        if len(f) > 2 and f[1] == "00000000":
            mgmt.add(f[0])
    # IPv4 addresses per interface: /proc/net/fib_trie is awkward; ask the kernel instead.
    try:
        import fcntl
        import struct
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _, name in socket.if_nameindex():
            try:
                fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
                mgmt.add(name)  # SIOCGIFADDR succeeded: it has an IPv4 address
            except OSError:
                pass
        s.close()
    except (ImportError, OSError):
        pass
    return mgmt


def nics(mgmt):
    out = []
    base = os.path.join(SYS, "bus/pci/devices")
    try:
        devs = sorted(os.listdir(base))
    except OSError:
        return out
    for addr in devs:
        d = os.path.join(base, addr)
        if not read(os.path.join(d, "class")).startswith("0x02"):
            continue  # not a network controller
        drv = os.path.basename(os.path.realpath(os.path.join(d, "driver"))) \
            if os.path.exists(os.path.join(d, "driver")) else ""
        # netdevs sit under <pci>/net, or one level down for virtio (<pci>/virtioN/net)
        ifaces = []
        subs = [""]
        try:
            subs += [e for e in os.listdir(d) if e.startswith("virtio")]
        except OSError:
            pass
        for sub in subs:
            try:
                ifaces += os.listdir(os.path.join(d, sub, "net"))
            except OSError:
                pass
        ifaces.sort()
        numa = read(os.path.join(d, "numa_node"), "-1")
        out.append({
            "pci": addr,
            "driver": drv,
            "ifaces": ifaces,
            "numa": int(numa) if numa.lstrip("-").isdigit() else -1,
            "mgmt": any(i in mgmt for i in ifaces),
            "pmd": DRIVER_PMD.get(drv, ""),
        })
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", default=socket.gethostname().split(".")[0] or "node")
    ap.add_argument("--roles", default="gate, manager, worker")
    ap.add_argument("--dc", default="dc1")
    ap.add_argument("--cluster-id", default="hyperline")
    ap.add_argument("--client", default="127.0.0.1:7400")
    ap.add_argument("--http", default="127.0.0.1:7480")
    ap.add_argument("--state-dir", default="/var/lib/hyperline")
    ap.add_argument("--out", default="-")
    a = ap.parse_args()

    online, numa = cpus()
    hp = hugepages()
    mgmt = management_ifaces()
    found = nics(mgmt)
    log = sys.stderr
    print("discover: %d CPUs online (%s), NUMA nodes: %s" %
          (len(online), ",".join(map(str, online)),
           sorted(set(numa.values())) or "none reported"), file=log)
    for kb, total, free in hp:
        print("discover: hugepages %d kB: %d configured, %d free" % (kb, total, free), file=log)
    if not any(total for _, total, _ in hp):
        print("discover: no hugepages configured: the node will run with --no-huge "
              "(hw/setup.sh configures them)", file=log)
    usable = []
    for n in found:
        why = ""
        if n["mgmt"]:
            why = "management interface (%s): skipped" % ",".join(n["ifaces"])
        elif n["driver"] in DPDK_DRIVERS:
            why = "bound to %s: usable, pmd-config unknown (set pmd_config by hand)" % n["driver"]
            usable.append(n)
        elif n["pmd"]:
            why = "driver %s -> pmd-config %s (bind it to vfio-pci unless the PMD is " \
                  "bifurcated, e.g. mlx5)" % (n["driver"], n["pmd"])
            usable.append(n)
        else:
            why = "driver %s: no pmd-config profile known: skipped" % (n["driver"] or "none")
        print("discover: NIC %s %s: %s" % (n["pci"], n["ifaces"] or "", why), file=log)

    # Lcores: 0 = control core, 1 = services, the rest traffic (at most 8 lanes). On a small
    # machine the lcores share CPUs through EAL's --lcores mapping.
    ncpu = len(online)
    lanes = max(1, min(8, ncpu - 2))
    nl = 2 + lanes
    if ncpu >= nl:
        eal_lcores = "-l %s" % ",".join(str(c) for c in online[:nl])
        lcore_ids = online[:nl]
    else:
        eal_lcores = "--lcores '(0-%d)@(%s)'" % (nl - 1, ",".join(map(str, online)))
        lcore_ids = list(range(nl))
    mem = "--in-memory" if any(total for _, total, _ in hp) else "--no-huge -m 1024"
    ports = []
    eal_dev = []
    if usable:
        for i, n in enumerate(usable[:8]):
            ports.append(("test%d" % i, n["pci"], n["pmd"]))
            eal_dev.append("-a %s" % n["pci"])
    else:
        ports.append(("test0", "net_ring0", "net_ring"))
        eal_dev.append("--no-pci --vdev net_ring0")
        print("discover: no usable NIC: test port test0 is a net_ring loopback", file=log)
    eal = "%s %s %s --file-prefix hl-%s" % (eal_lcores, mem, " ".join(eal_dev), a.name)

    lines = [
        "; node profile written by hw/discover.py for %s (%d CPUs, %d test port%s)" %
        (a.name, ncpu, len(ports), "" if len(ports) == 1 else "s"),
        "; eal: %s" % eal,
        "; start: hyperline %s -- --profile <this file>" % eal,
        "[node]",
        "name = %s" % a.name,
        "roles = %s" % a.roles,
        "dc = %s" % a.dc,
        "cluster_id = %s" % a.cluster_id,
        "state_dir = %s" % a.state_dir,
        "polling = adaptive",
        "pmd_config_dir = %s" % os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))), "pmd-config"),
        "",
        "[management]",
        "client = %s" % a.client,
        "http = %s" % a.http,
        "",
        "[lcores]",
        "service = %d" % lcore_ids[1],
        "traffic = %s" % ", ".join(str(c) for c in lcore_ids[2:]),
    ]
    for name, dev, pmd in ports:
        lines += ["", "[port.%s]" % name, "device = %s" % dev]
        if pmd:
            lines.append("pmd_config = %s" % pmd)
    text = "\n".join(lines) + "\n"
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)
        print("discover: wrote %s" % a.out, file=log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
