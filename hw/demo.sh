#!/usr/bin/env bash
# hw/demo.sh — the main job from nothing: installs packages, builds, and runs the node.
# Today (before the node issue lands) the node runs its --self-check: a real DPDK EAL start with
# a net_ring loopback port that sends 4096 packets and checks they all come back, against the
# port's own counters. Runs without hugepages, so it works on any machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

hw/setup.sh
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD"
meson compile -C "$BUILD" hyperline >/dev/null
exec "$BUILD/app/hyperline" --no-huge -m 256 --no-pci --file-prefix "hl-demo-$$" \
	-l 0 --vdev net_ring0 --log-level=lib.eal:error -- --self-check
