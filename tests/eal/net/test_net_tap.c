/* test_net_tap.c — two fabrics in one process on two net_tap interfaces joined by a Linux bridge
 * (inside the network namespace tap_test.sh creates): ARP over a real kernel path, a UDP
 * exchange on the coordination port, two SWIM members converging, then one stopped and declared
 * dead by the other. Exit 0 pass, 1 fail, 77 skip (net_tap unavailable). Wall-clock bounded. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "hl_fabric.h"
#include "hl_fabric_swim.h"
#include "hl_frame.h"
#include "hl_swim.h"

#define SKIP 77
#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define SEC 1000000000ull

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			failures++;                                            \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
		}                                                              \
	} while (0)

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static int
port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	int rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, 512, SOCKET_ID_ANY, NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, 512, SOCKET_ID_ANY, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

struct sink {
	unsigned n;
	char data[64];
};

static void
sink_fn(void *arg, const struct hl_fabric_dgram *d, uint64_t now)
{
	struct sink *s = arg;
	(void)now;
	s->n++;
	size_t n = d->len < sizeof(s->data) - 1 ? d->len : sizeof(s->data) - 1;
	memcpy(s->data, d->payload, n);
	s->data[n] = 0;
}

static void
print_stats(const char *who, const struct hl_fabric_stats *s)
{
	printf("# %s rx=%lu tx=%lu arp_req_tx=%lu arp_rep_tx=%lu arp_rep_rx=%lu swim_rx=%lu "
	       "swim_tx=%lu not_ours=%lu not_our_mac=%lu other_ethertype=%lu tx_full=%lu "
	       "not_our_ip=%lu multiseg=%lu\n",
	        who, (unsigned long)s->rx_pkts, (unsigned long)s->tx_pkts,
	        (unsigned long)s->arp_tx_requests, (unsigned long)s->arp_tx_replies,
	        (unsigned long)s->arp_rx_replies, (unsigned long)s->swim_rx,
	        (unsigned long)s->swim_tx, (unsigned long)s->rx_not_ours,
	        (unsigned long)s->rx_not_our_mac,
	        (unsigned long)s->rx_malformed[HL_PKT_R_ETHERTYPE], (unsigned long)s->tx_full,
	        (unsigned long)s->rx_not_our_ip, (unsigned long)s->rx_multiseg);
}

int
main(int argc, char **argv)
{
	const char *br = getenv("HL_NET_BRIDGE");
	if (br == NULL) {
		printf("# HL_NET_BRIDGE not set: run through tap_test.sh\n");
		return SKIP;
	}
	if (rte_eal_init(argc, argv) < 0) {
		printf("# SKIP: EAL init failed (net_tap not available?): %s\n",
		        rte_strerror(rte_errno));
		return SKIP;
	}
	uint16_t port[2];
	const char *names[2] = {"net_tap0", "net_tap1"};
	const char *ifs[2] = {"hlnt0", "hlnt1"};
	for (int i = 0; i < 2; i++) {
		if (rte_eth_dev_get_port_by_name(names[i], &port[i]) != 0) {
			printf("# SKIP: %s could not be created\n", names[i]);
			rte_eal_cleanup();
			return SKIP;
		}
	}
	struct rte_mempool *mp = rte_pktmbuf_pool_create(
	        "hl_tap_mp", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL) {
		printf("FAIL: mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	struct rte_ether_addr mac[2];
	for (int i = 0; i < 2; i++) {
		int rc = port_start(port[i], mp);
		if (rc != 0) {
			printf("FAIL: start %s: %d\n", names[i], rc);
			return 1;
		}
		/* The fabric's MAC must differ from the kernel tap's own MAC: the bridge delivers
		 * frames addressed to a port's own MAC to the local stack instead of forwarding
		 * them out of that port. */
		struct rte_ether_addr kmac;
		rte_eth_macaddr_get(port[i], &kmac);
		hl_fabric_mac_distinct(kmac.addr_bytes, mac[i].addr_bytes);
		CHECK(memcmp(&mac[i], &kmac, 6) != 0, "fabric MAC equals the tap's");
		CHECK((mac[i].addr_bytes[0] & 3) == 2, "not a local unicast MAC");
		(void)rte_eth_promiscuous_enable(port[i]);
		/* The tap exists only now: put it on the test's bridge (in our namespace). */
		char cmd[160];
		snprintf(cmd, sizeof(cmd), "ip link set %s master %s && ip link set %s up", ifs[i],
		        br, ifs[i]);
		if (system(cmd) != 0) {
			printf("FAIL: %s\n", cmd);
			return 1;
		}
	}

	struct hl_fabric_cfg fc;
	hl_fabric_cfg_default(&fc);
	fc.cluster = hl_frame_cluster_hash("hl-tap-test");
	struct hl_fabric *f[2];
	const uint32_t ip[2] = {IP(10, 99, 0, 1), IP(10, 99, 0, 2)};
	for (int i = 0; i < 2; i++) {
		int rc = hl_fabric_create(&f[i], port[i], 0, ip[i], mac[i].addr_bytes, mp, &fc);
		if (rc != 0) {
			printf("FAIL: fabric %d: %d\n", i, rc);
			return 1;
		}
	}

	/* 1. ARP over the kernel bridge, then a datagram on the coordination port. */
	struct sink s1 = {0};
	CHECK(hl_fabric_bind(f[1], fc.coord_port, sink_fn, &s1) == 0, "bind");
	const char hello[] = "hello over tap";
	uint64_t t0 = now_ns(), deadline = t0 + 5 * SEC;
	int rc = -1;
	bool sent = false;
	while (now_ns() < deadline && s1.n == 0) {
		uint64_t t = now_ns();
		if (!sent) {
			rc = hl_fabric_send(
			        f[0], t, ip[1], fc.coord_port, 40000, hello, sizeof(hello));
			sent = rc == 0;
		}
		hl_fabric_poll(f[0], t);
		hl_fabric_poll(f[1], t);
	}
	CHECK(s1.n == 1, "coord datagram not received (send rc=%d)", rc);
	CHECK(strcmp(s1.data, hello) == 0, "payload '%s'", s1.data);
	printf("# ARP + UDP over the bridge in %.1f ms\n", (double)(now_ns() - t0) / 1e6);

	/* 2. Two SWIM members converge. */
	struct hl_swim_config sc;
	hl_swim_config_lan(&sc);
	hl_fabric_swim_config_fit(&sc);
	struct hl_swim *sw[2];
	struct hl_swim_addr addr[2];
	uint64_t t = now_ns();
	for (int i = 0; i < 2; i++) {
		hl_fabric_swim_addr(&addr[i], ip[i], fc.swim_port);
		struct hl_swim_meta meta = {.roles = HL_SWIM_ROLE_WORKER, .fabric = addr[i]};
		if (hl_swim_create(&sw[i], &sc, &addr[i], &meta, 1, 7 + (uint64_t)i, t) != 0) {
			printf("FAIL: swim create\n");
			return 1;
		}
	}
	CHECK(hl_swim_join(sw[1], t, &addr[0], 1) == 0, "join");
	deadline = t + 10 * SEC;
	bool conv = false;
	while (!conv && (t = now_ns()) < deadline) {
		for (int i = 0; i < 2; i++)
			CHECK(hl_fabric_swim_step(f[i], sw[i], t) >= 0, "step");
		conv = hl_swim_count(sw[0], HL_SWIM_ALIVE) == 2 &&
		       hl_swim_count(sw[1], HL_SWIM_ALIVE) == 2;
	}
	CHECK(conv, "SWIM did not converge in 10 s");
	printf("# SWIM converged in %.1f ms\n", (double)(now_ns() - t0) / 1e6);
	/* Keep probing a while: probes and acks cross the bridge without errors. */
	deadline = now_ns() + 1 * SEC;
	while ((t = now_ns()) < deadline)
		for (int i = 0; i < 2; i++)
			hl_fabric_swim_step(f[i], sw[i], t);
	for (int i = 0; i < 2; i++) {
		const struct hl_fabric_stats *s = hl_fabric_stats(f[i]);
		CHECK(s->swim_rx >= 5, "member %d swim_rx=%lu", i, (unsigned long)s->swim_rx);
		CHECK(s->swim_rx_frame_err == 0 && s->swim_rx_decode_err == 0, "member %d errors",
		        i);
		CHECK(hl_swim_count(sw[i], HL_SWIM_ALIVE) == 2, "member %d lost the other", i);
	}

	/* 3. Stop member 1: member 0 declares it dead. */
	deadline = now_ns() + 20 * SEC;
	bool dead = false;
	uint64_t t1 = now_ns();
	while (!dead && (t = now_ns()) < deadline) {
		hl_fabric_swim_step(f[0], sw[0], t);
		struct hl_swim_member_info mi;
		dead = hl_swim_member(sw[0], &addr[1], &mi) == 0 && mi.state == HL_SWIM_DEAD;
	}
	CHECK(dead, "stopped member not declared dead in 20 s");
	printf("# stopped member declared dead after %.1f ms\n", (double)(now_ns() - t1) / 1e6);

	print_stats("member0", hl_fabric_stats(f[0]));
	print_stats("member1", hl_fabric_stats(f[1]));
	for (int i = 0; i < 2; i++) {
		hl_swim_destroy(sw[i]);
		hl_fabric_destroy(f[i]);
		rte_eth_dev_stop(port[i]);
		rte_eth_dev_close(port[i]);
	}
	rte_mempool_free(mp);
	rte_eal_cleanup();
	printf("%s\n", failures == 0 ? "PASS" : "FAIL");
	return failures == 0 ? 0 : 1;
}
