# tests/perf/lib.sh — shared helpers for the traffic-engine benchmark scripts (sourced).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${HL_PERF:-$ROOT/build/tests/perf/hl_perf}
if [ ! -x "$BIN" ]; then
	echo "hl_perf not built: run ninja -C build (or set HL_PERF)" >&2
	exit 2
fi
SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
PREFIX="hl_perf_$$"
TP_N=0
LOG=${TMPDIR:-/tmp}/hl_perf_$$.log
EAL_COMMON="--no-huge -m 512 --no-pci --log-level lib.eal:error --log-level pmd:error"

# kv KEY LINE: value of KEY=... in a key=value line
kv() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}

# median of numbers on stdin
median() {
	sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else print a[int((NR+1)/2)]}'
}

# testpmd_pps SECONDS EXTRA-TESTPMD-ARGS...: median Tx-pps or Rx-pps (first sample skipped)
# $TP_FIELD selects Tx-pps (default) or Rx-pps
testpmd_pps() {
	secs=$1
	shift
	field=${TP_FIELD:-Tx-pps}
	TP_N=$((TP_N + 1))
	out=$(timeout -s INT "$((secs + 3))" dpdk-testpmd -l 0,1 $EAL_COMMON \
		--file-prefix "${PREFIX}_tp$TP_N" $TP_VDEV -- --nb-cores=1 --stats-period 1 \
		--total-num-mbufs=8192 "$@" 2>&1 </dev/null || true)
	printf '%s\n' "$out" | tr -d '\033' | sed -n "s/.*$field: *\([0-9][0-9]*\).*/\1/p" |
		tail -n +2 | median
}

# tp_primary_ok MB: can hl_perf run as a hugepage primary with dpdk-testpmd as its secondary
# (P2)? Needs the binary, two CPUs and MB of free hugepages.
tp_primary_ok() {
	command -v dpdk-testpmd >/dev/null 2>&1 || return 1
	[ "$(nproc)" -ge 2 ] || return 1
	free_mb=$(awk '/^HugePages_Free/ {f = $2} /^Hugepagesize/ {s = $2}
		END {print int(f * s / 1024)}' /proc/meminfo)
	[ "${free_mb:-0}" -ge "$1" ]
}

# tp_run_primary PREFIX CMD...: run a hugepage-backed DPDK primary whose secondary is
# dpdk-testpmd. LD_PRELOAD = testpmd's own DPDK libraries, so both processes register the
# mempool drivers in the same order (a pool's ops index then means the same driver in both;
# otherwise testpmd's frees go to another driver). The hugepage files and runtime directory of
# PREFIX are removed afterwards, whatever happened.
tp_run_primary() {
	tp_fp=$1
	shift
	tp_pre=$(readelf -d "$(readlink -f "$(command -v dpdk-testpmd)")" |
		sed -n 's/.*NEEDED.*\[\(librte[^]]*\)\]/\1/p' | tr '\n' ' ')
	tp_rc=0
	# a hung testpmd would block the primary reading its answers: bounded
	LD_PRELOAD="$tp_pre" timeout -k 5 300 "$@" </dev/null || tp_rc=$?
	rm -f /dev/hugepages/"${tp_fp}"map_* 2>/dev/null || true
	rm -rf "/var/run/dpdk/$tp_fp" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$tp_fp" 2>/dev/null ||
		true
	return $tp_rc
}
