#!/usr/bin/env bash
# tests/run.sh — the whole test suite from nothing: installs packages (hw/setup.sh), configures
# hugepages when it can, builds with -Werror and runs every meson suite (unit, sim, eal, cluster,
# fuzz corpus replay). Needs root on a fresh machine (apt-get, namespaces, hugepages).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

hw/setup.sh
if [ -f "$BUILD/build.ninja" ]; then
	meson setup --reconfigure "$BUILD" --werror >/dev/null
else
	meson setup "$BUILD" --werror
fi
meson compile -C "$BUILD"
meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@"
