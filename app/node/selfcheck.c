/* selfcheck.c — `hyperline -- --self-check`: a bare EAL start on a net_ring loopback vdev that
 * sends packets and counts them back against the port counters (kept for hw/ qualification). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "hl_coord.h"
#include "hl_swim.h"

int hl_self_check(void);

#define SELF_CHECK_PKTS 4096

int
hl_self_check(void)
{
	uint16_t port;
	struct rte_mempool *mp;
	struct rte_eth_conf conf;
	struct rte_mbuf *tx[32], *rx[32];
	uint64_t sent = 0, recvd = 0;
	int rc;

	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "self-check: no ethdev (expected the net_ring vdev)\n");
		return 1;
	}
	port = 0;
	mp = rte_pktmbuf_pool_create(
	        "selfcheck", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "self-check: mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	memset(&conf, 0, sizeof(conf));
	if ((rc = rte_eth_dev_configure(port, 1, 1, &conf)) < 0 ||
	        (rc = rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(), NULL, mp)) < 0 ||
	        (rc = rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(), NULL)) < 0 ||
	        (rc = rte_eth_dev_start(port)) < 0) {
		fprintf(stderr, "self-check: port %u set-up: %s\n", port, rte_strerror(-rc));
		return 1;
	}
	while (sent < SELF_CHECK_PKTS) {
		if (rte_pktmbuf_alloc_bulk(mp, tx, 32) != 0) {
			fprintf(stderr, "self-check: mbuf pool exhausted\n");
			return 1;
		}
		for (int i = 0; i < 32; i++) {
			char *d = rte_pktmbuf_append(tx[i], 64);
			memset(d, 0xab, 64);
		}
		uint16_t n = rte_eth_tx_burst(port, 0, tx, 32);
		for (uint16_t i = n; i < 32; i++)
			rte_pktmbuf_free(tx[i]);
		sent += n;
		uint16_t r = rte_eth_rx_burst(port, 0, rx, 32);
		recvd += r;
		rte_pktmbuf_free_bulk(rx, r);
	}
	for (int spins = 0; spins < 1000 && recvd < sent; spins++) {
		uint16_t r = rte_eth_rx_burst(port, 0, rx, 32);
		recvd += r;
		rte_pktmbuf_free_bulk(rx, r);
	}
	struct rte_eth_stats st;
	int src = rte_eth_stats_get(port, &st);
	if (src != 0) {
		fprintf(stderr, "self-check: port counters: %s\n", rte_strerror(-src));
		memset(&st, 0, sizeof(st)); /* the comparison below then fails */
	}
	printf("self-check: net_ring loopback sent %" PRIu64 " received %" PRIu64
	       " (port counters opackets %" PRIu64 " ipackets %" PRIu64 ")\n",
	        sent, recvd, st.opackets, st.ipackets);
	printf("self-check: cores %s %s; the traffic engine and node land in later issues\n",
	        hl_swim_version(), hl_coord_version());
	if ((src = rte_eth_dev_stop(port)) != 0 || (src = rte_eth_dev_close(port)) != 0)
		fprintf(stderr, "self-check: port stop/close: %s\n", rte_strerror(-src));
	return (sent == recvd && st.opackets == sent && st.ipackets == recvd) ? 0 : 1;
}
