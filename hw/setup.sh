#!/usr/bin/env bash
# hw/setup.sh — install everything hyperline needs on a fresh Debian 12 machine (run as root).
# Safe to run twice: apt-get skips what is installed; hugepage set-up checks before it writes.
# Usage: hw/setup.sh [--no-hugepages]
set -euo pipefail

want_huge=1
[ "${1:-}" = "--no-hugepages" ] && want_huge=0

log() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	log "must run as root (apt-get and hugepages need it)" >&2
	exit 1
fi

PKGS=(
	build-essential pkg-config meson ninja-build git
	dpdk dpdk-dev libdpdk-dev python3-pyelftools
	libisal-dev libmsgpack-dev libcmocka-dev libevent-dev libjansson-dev libssl-dev
	clang libclang-rt-14-dev clang-format llvm
	iproute2 procps python3 nftables
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	log "all packages already installed"
fi

# Hugepages: 2 MiB pages, 512 of them (1 GiB), mounted at /dev/hugepages. Everything still works
# without them (tests use --no-huge), so failure here is reported, not fatal.
if [ "$want_huge" -eq 1 ]; then
	hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	if [ -w "$hp" ]; then
		cur=$(cat "$hp")
		if [ "$cur" -lt 512 ]; then
			echo 512 >"$hp" 2>/dev/null || true
		fi
		now=$(cat "$hp")
		if [ "$now" -gt 0 ]; then
			mkdir -p /dev/hugepages
			if ! mountpoint -q /dev/hugepages; then
				mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null ||
					log "hugepages reserved ($now) but hugetlbfs mount failed"
			fi
			log "hugepages: $now x 2 MiB reserved"
		else
			log "hugepages: kernel refused to reserve any; tests will run with --no-huge"
		fi
	else
		log "hugepages: $hp not writable here; tests will run with --no-huge"
	fi
fi
log "done"
