#!/usr/bin/env bash
# hw/demo.sh — the main job from nothing: installs packages, builds, and runs the demo: an
# all-in-one hyperline node (gate+manager+worker) on a net_ring loopback test port, with no
# profile files, runs a built-in two-workflow job through the client API, prints live progress
# and the per-stream result, and checks the TX/RX counts against the port's own counters.
# Runs without hugepages (--no-huge), so it works on any machine; exit 0 only when it all matches.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

hw/setup.sh
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD"
meson compile -C "$BUILD" hyperline hlctl >/dev/null
exec "$BUILD/app/hyperline" --no-huge -m 256 --no-pci --file-prefix "hl-demo-$$" \
	--lcores '(0-2)@(0-1)' --vdev net_ring0 --log-level=lib.eal:error -- --demo
