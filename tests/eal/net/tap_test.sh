#!/bin/sh
# tap_test.sh BINARY — run test_net_tap inside a network namespace made for it: a bridge joins
# the two net_tap interfaces the DPDK process creates; addresses 10.99.0.0/24 exist only in
# the fabrics inside that namespace. Skips (exit 77) when not root or when the namespace or
# bridge cannot be made; always deletes the namespace.
set -u
bin=$1
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: net_tap test needs root (network namespace, tap devices)"
	exit 77
fi
if ! command -v ip >/dev/null 2>&1; then
	echo "SKIP: iproute2 'ip' not found"
	exit 77
fi
ns=hl-net-$$
cleanup() {
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM
if ! ip netns add "$ns"; then
	echo "SKIP: cannot create network namespace $ns"
	exit 77
fi
ip netns exec "$ns" ip link set lo up
if ! ip netns exec "$ns" ip link add hlbr0 type bridge; then
	echo "SKIP: cannot create a bridge in $ns"
	exit 77
fi
# IPv6 off in the namespace keeps the kernel quiet on the taps (the fabric would count and drop
# its frames anyway); the bridge forwards at once (STP off, no forward delay).
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
ip netns exec "$ns" ip link set hlbr0 type bridge stp_state 0 forward_delay 0 2>/dev/null
ip netns exec "$ns" ip link set hlbr0 up
HL_NET_BRIDGE=hlbr0 timeout -k 5 90 ip netns exec "$ns" "$bin" --no-pci -l 0 \
	--no-huge -m 256 --file-prefix "hl_eal_nettap_$$" --log-level lib.eal:error \
	--vdev net_tap0,iface=hlnt0 --vdev net_tap1,iface=hlnt1
rc=$?
[ $rc -eq 124 ] && echo "FAIL: timed out"
exit $rc
