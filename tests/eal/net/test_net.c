/* test_net.c — EAL tests of lib/net: the packet parser against hostile frames, the ARP table's
 * bounds and timers, two fabrics resolving each other by ARP and exchanging UDP through a
 * net_ring "hub", and three SWIM members on three fabrics converging and detecting a stopped
 * one. Time is virtual (each loop turn advances now_ns), loops are bounded by turn counts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "hl_arp.h"
#include "hl_fabric.h"
#include "hl_fabric_swim.h"
#include "hl_frame.h"
#include "hl_pkt.h"
#include "hl_prng.h"
#include "hl_swim.h"

#define MS 1000000ull
#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static int g_argc;
static char **g_argv;
static struct rte_mempool *g_mp;
static unsigned g_serial;

/* ---------------------------------------------------------------- parser ---- */

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c};

static size_t
good_udp(uint8_t *buf, size_t cap)
{
	static const char pl[] = "hello fabric";
	size_t n = hl_pkt_build_udp(buf, cap, mac_b, mac_a, IP(10, 99, 0, 1), IP(10, 99, 0, 2),
	        40000, 7946, 7, pl, sizeof(pl));
	assert_int_equal(n, HL_PKT_HDRS + sizeof(pl));
	return n;
}

static void
fix_ip_csum(uint8_t *f)
{
	uint8_t *ip = f + HL_PKT_ETH_LEN;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	ip[10] = ip[11] = 0;
	uint16_t c = (uint16_t)~hl_pkt_csum_add(0, ip, ihl);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

static unsigned
parse(const uint8_t *b, size_t n)
{
	struct hl_pkt p;
	return hl_pkt_parse(b, n, &p);
}

static void
test_parse_good(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = good_udp(b, sizeof(b));
	struct hl_pkt p;
	assert_int_equal(hl_pkt_parse(b, n, &p), HL_PKT_OK);
	assert_int_equal(p.kind, HL_PKT_UDP);
	assert_int_equal(p.ip_src, IP(10, 99, 0, 1));
	assert_int_equal(p.ip_dst, IP(10, 99, 0, 2));
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 7946);
	assert_int_equal(p.payload_len, 13);
	assert_string_equal((const char *)p.payload, "hello fabric");
	assert_memory_equal(p.eth_dst, mac_b, 6);
	/* Ethernet padding after the IPv4 total length is ignored. */
	memset(b + n, 0xee, 20);
	assert_int_equal(hl_pkt_parse(b, n + 20, &p), HL_PKT_OK);
	assert_int_equal(p.payload_len, 13);
	/* A header with options (IHL 6) is accepted and skipped. */
	uint8_t o[256];
	memcpy(o, b, HL_PKT_ETH_LEN + HL_PKT_IP_LEN);
	memset(o + HL_PKT_ETH_LEN + HL_PKT_IP_LEN, 1, 4); /* four NOP options */
	memcpy(o + HL_PKT_ETH_LEN + 24, b + HL_PKT_ETH_LEN + 20, n - HL_PKT_ETH_LEN - 20);
	o[HL_PKT_ETH_LEN] = 0x46;
	uint16_t tot = (uint16_t)(n - HL_PKT_ETH_LEN + 4);
	o[HL_PKT_ETH_LEN + 2] = (uint8_t)(tot >> 8);
	o[HL_PKT_ETH_LEN + 3] = (uint8_t)tot;
	fix_ip_csum(o);
	assert_int_equal(hl_pkt_parse(o, n + 4, &p), HL_PKT_OK);
	assert_int_equal(p.payload_len, 13);
	assert_string_equal((const char *)p.payload, "hello fabric");
	/* ARP round trip */
	size_t an = hl_pkt_build_arp(b, sizeof(b), HL_PKT_ARP_REPLY, mac_a, mac_b, IP(10, 99, 0, 2),
	        mac_a, IP(10, 99, 0, 1));
	assert_int_equal(an, 42);
	assert_int_equal(hl_pkt_parse(b, an, &p), HL_PKT_OK);
	assert_int_equal(p.kind, HL_PKT_ARP);
	assert_int_equal(p.arp_op, HL_PKT_ARP_REPLY);
	assert_int_equal(p.arp_spa, IP(10, 99, 0, 2));
	assert_int_equal(p.arp_tpa, IP(10, 99, 0, 1));
	assert_memory_equal(p.arp_sha, mac_b, 6);
	assert_int_equal(hl_pkt_build_arp(b, 41, 1, mac_a, mac_b, 1, NULL, 2), 0);
	assert_int_equal(
	        hl_pkt_build_udp(b, HL_PKT_HDRS + 12, mac_b, mac_a, 1, 2, 3, 4, 5, b, 13), 0);
}

static void
test_parse_hostile(void **state)
{
	(void)state;
	uint8_t g[256], b[256];
	size_t n = good_udp(g, sizeof(g));
	uint8_t *ip = b + HL_PKT_ETH_LEN;
	uint8_t *udp = ip + HL_PKT_IP_LEN;

	/* Every truncation fails with the reason of the header it cuts into. */
	for (size_t len = 0; len < n; len++) {
		unsigned r = parse(g, len);
		if (len < HL_PKT_ETH_LEN)
			assert_int_equal(r, HL_PKT_R_ETH_SHORT);
		else if (len < HL_PKT_ETH_LEN + HL_PKT_IP_LEN)
			assert_int_equal(r, HL_PKT_R_IP_SHORT);
		else
			assert_int_equal(r, HL_PKT_R_IP_TOTLEN); /* total length beyond the frame */
	}
	assert_int_equal(parse(NULL, 60), HL_PKT_R_ETH_SHORT);

#define MUT(expr, want)                                \
	do {                                           \
		memcpy(b, g, n);                       \
		expr;                                  \
		assert_int_equal(parse(b, n), (want)); \
	} while (0)
	MUT((b[12] = 0x86, b[13] = 0xdd), HL_PKT_R_ETHERTYPE); /* IPv6 */
	MUT((b[12] = 0x81, b[13] = 0x00), HL_PKT_R_ETHERTYPE); /* VLAN tag */
	MUT(ip[0] = 0x65, HL_PKT_R_IP_VERSION);
	MUT((ip[0] = 0x44, fix_ip_csum(b)), HL_PKT_R_IP_IHL); /* IHL 4 */
	MUT(ip[0] = 0x40, HL_PKT_R_IP_IHL); /* IHL 0 */
	MUT(ip[0] = 0x4f, HL_PKT_R_IP_IHL); /* 60-byte header > 41 bytes present */
	MUT((ip[2] = 0, ip[3] = 19, fix_ip_csum(b)), HL_PKT_R_IP_TOTLEN);
	MUT((ip[2] = 0xff, ip[3] = 0xff, fix_ip_csum(b)), HL_PKT_R_IP_TOTLEN);
	MUT(ip[10] ^= 0x55, HL_PKT_R_IP_CSUM);
	MUT((ip[6] = 0x20, fix_ip_csum(b)), HL_PKT_R_IP_FRAG); /* MF */
	MUT((ip[6] = 0x00, ip[7] = 0x10, fix_ip_csum(b)), HL_PKT_R_IP_FRAG); /* offset */
	MUT((ip[9] = 6, fix_ip_csum(b)), HL_PKT_R_IP_PROTO); /* TCP */
	MUT((ip[2] = 0, ip[3] = 24, fix_ip_csum(b)), HL_PKT_R_UDP_SHORT);
	MUT((udp[4] = 0, udp[5] = 7), HL_PKT_R_UDP_LEN);
	MUT((udp[4] = 0x05, udp[5] = 0xdc), HL_PKT_R_UDP_LEN);
	MUT(udp[HL_PKT_UDP_LEN] ^= 1, HL_PKT_R_UDP_CSUM); /* payload corrupted */
	MUT((udp[HL_PKT_UDP_LEN] ^= 1, udp[6] = 0, udp[7] = 0), HL_PKT_OK); /* no checksum */

	/* ARP: short, and every field of the fixed format. */
	size_t an = hl_pkt_build_arp(g, sizeof(g), HL_PKT_ARP_REQUEST, hl_pkt_bcast_mac, mac_a,
	        IP(10, 99, 0, 1), NULL, IP(10, 99, 0, 9));
	for (size_t len = HL_PKT_ETH_LEN; len < an; len++)
		assert_int_equal(parse(g, len), HL_PKT_R_ARP_SHORT);
	n = an;
	uint8_t *a = b + HL_PKT_ETH_LEN;
	MUT(a[1] = 6, HL_PKT_R_ARP_FORMAT); /* htype IEEE 802 */
	MUT(a[2] = 0x86, HL_PKT_R_ARP_FORMAT); /* ptype */
	MUT(a[4] = 8, HL_PKT_R_ARP_FORMAT); /* hlen */
	MUT(a[5] = 16, HL_PKT_R_ARP_FORMAT); /* plen */
	MUT(a[7] = 3, HL_PKT_R_ARP_FORMAT); /* RARP op */
	MUT((void)0, HL_PKT_OK);
#undef MUT
	for (unsigned r = 0; r < HL_PKT_R_MAX; r++)
		assert_string_not_equal(hl_pkt_reason_name(r), "?");
	assert_string_equal(hl_pkt_reason_name(HL_PKT_R_MAX), "?");
}

/* Random mutations of valid frames: the parser must return a reason or a payload that lies
 * inside the buffer, never read outside it (run under ASan in CI to catch overreads). */
static void
test_parse_random(void **state)
{
	(void)state;
	struct hl_prng r;
	hl_prng_seed(&r, 0x5eed);
	uint8_t g[256];
	size_t n = good_udp(g, sizeof(g));
	unsigned ok = 0, bad = 0;
	for (int i = 0; i < 200000; i++) {
		uint8_t *b = malloc(n); /* exact-size heap buffer so overreads are detectable */
		assert_non_null(b);
		memcpy(b, g, n);
		int flips = 1 + (int)hl_prng_below(&r, 4);
		for (int k = 0; k < flips; k++)
			b[hl_prng_below(&r, (uint32_t)n)] = (uint8_t)hl_prng_next(&r);
		size_t len = hl_prng_below(&r, 4) == 0 ? hl_prng_below(&r, (uint32_t)n + 1) : n;
		struct hl_pkt p;
		unsigned rc = hl_pkt_parse(b, len, &p);
		if (rc == HL_PKT_OK) {
			ok++;
			if (p.kind == HL_PKT_UDP) {
				assert_true(p.payload >= b);
				assert_true(p.payload + p.payload_len <= b + len);
			}
		} else {
			assert_true(rc < HL_PKT_R_MAX);
			bad++;
		}
		free(b);
	}
	assert_true(ok > 0);
	assert_true(bad > 0);
}

/* ------------------------------------------------------------- ARP table ---- */

struct arp_log {
	uint32_t req_ip[64];
	uint64_t req_at[64];
	unsigned nreq;
	unsigned sent, dropped;
	uint64_t now;
};

static void
log_req(void *arg, uint32_t ip)
{
	struct arp_log *l = arg;
	if (l->nreq < 64) {
		l->req_ip[l->nreq] = ip;
		l->req_at[l->nreq] = l->now;
	}
	l->nreq++;
}

static void
log_rel(void *arg, void *pkt, uint32_t ip, const uint8_t *mac)
{
	struct arp_log *l = arg;
	(void)pkt;
	(void)ip;
	if (mac != NULL)
		l->sent++;
	else
		l->dropped++;
}

static void
test_arp_table(void **state)
{
	(void)state;
	struct arp_log l = {0};
	struct hl_arp_ops ops = {.request = log_req, .release = log_rel, .arg = &l};
	struct hl_arp_cfg c;
	hl_arp_cfg_default(&c);
	c.entries = 3;
	c.pending_per_dst = 2;
	c.ttl_ns = 1000 * MS;
	c.retry_ns = 10 * MS;
	c.retry_max_ns = 40 * MS;
	c.max_tries = 4;
	struct hl_arp *t;
	struct hl_arp_cfg badc = c;
	badc.entries = 0;
	assert_int_equal(hl_arp_create(&t, &badc, &ops), -EINVAL);
	badc = c;
	badc.retry_max_ns = 1;
	assert_int_equal(hl_arp_create(&t, &badc, &ops), -EINVAL);
	assert_int_equal(hl_arp_create(&t, &c, &ops), 0);
	int p1, p2, p3;

	/* Pending queue bounded per destination, one request for the first packet only. */
	assert_int_equal(hl_arp_queue(t, 1, &p1, 0), 0);
	assert_int_equal(hl_arp_queue(t, 1, &p2, 0), 0);
	assert_int_equal(hl_arp_queue(t, 1, &p3, 0), -ENOBUFS);
	assert_int_equal(hl_arp_stats(t)->pending_full, 1);
	assert_int_equal(l.nreq, 1);
	assert_int_equal(l.req_ip[0], 1);
	/* Table bounded: a fourth destination is refused, nothing evicted. */
	assert_int_equal(hl_arp_queue(t, 2, &p1, 0), 0);
	assert_int_equal(hl_arp_queue(t, 3, &p1, 0), 0);
	assert_int_equal(hl_arp_queue(t, 4, &p1, 0), -ENOSPC);
	assert_int_equal(hl_arp_stats(t)->table_full, 1);
	assert_int_equal(hl_arp_count(t), 3);
	/* Resolution flushes the queue with the MAC. */
	assert_int_equal(hl_arp_learn(t, 1, mac_b, 5 * MS, false), 1);
	assert_int_equal(l.sent, 2);
	assert_memory_equal(hl_arp_lookup(t, 1, 5 * MS), mac_b, 6);
	assert_int_equal(hl_arp_queue(t, 1, &p1, 5 * MS), -EEXIST);
	/* Removal path: queued packets dropped, slot free again. */
	assert_int_equal(hl_arp_remove(t, 3), 0);
	assert_int_equal(l.dropped, 1);
	assert_int_equal(hl_arp_remove(t, 3), -ENOENT);
	assert_int_equal(hl_arp_count(t), 2);
	/* ARP not addressed to us (create=false) does not take the free slot... */
	assert_int_equal(hl_arp_learn(t, 7, mac_c, 5 * MS, false), 0);
	assert_int_equal(hl_arp_count(t), 2);
	assert_int_equal(hl_arp_learn(t, 0, mac_c, 5 * MS, true), 0); /* RFC 5227 probe */

	/* Retries of destination 2 with doubling backoff capped at 40 ms, then failure. */
	unsigned before = l.nreq;
	uint64_t now;
	for (now = 0; now <= 400 * MS; now += MS) {
		l.now = now;
		hl_arp_tick(t, now);
	}
	unsigned retries = l.nreq - before;
	assert_int_equal(retries, c.max_tries - 1);
	assert_int_equal(l.req_at[before], 10 * MS);
	assert_int_equal(l.req_at[before + 1], 30 * MS); /* +20 */
	assert_int_equal(l.req_at[before + 2], 70 * MS); /* +40 (cap) */
	assert_int_equal(hl_arp_stats(t)->failed, 1);
	assert_int_equal(l.dropped, 2);
	struct hl_arp_entry e;
	assert_int_equal(hl_arp_get(t, 2, &e), -ENOENT);
	/* Expiry: entry 1 ages out ttl after it was last heard, refreshed by traffic. */
	assert_int_equal(hl_arp_learn(t, 1, mac_c, 500 * MS, false), 1);
	hl_arp_tick(t, 1400 * MS);
	assert_memory_equal(hl_arp_lookup(t, 1, 1400 * MS), mac_c, 6);
	assert_null(hl_arp_lookup(t, 1, 1500 * MS));
	hl_arp_tick(t, 1500 * MS);
	assert_int_equal(hl_arp_stats(t)->expired, 1);
	assert_int_equal(hl_arp_count(t), 0);
	/* Destroy releases what is still queued. */
	assert_int_equal(hl_arp_queue(t, 9, &p1, 2000 * MS), 0);
	unsigned d = l.dropped;
	hl_arp_destroy(t);
	assert_int_equal(l.dropped, d + 1);
}

/* ------------------------------------------------------ net_ring hub ---- */

#define HUB_MAX 4

/* Ports whose TX rings a test-driven hub floods to every other port's RX ring, like a
 * repeater: fabrics must ignore unicast frames for other MACs. */
struct hub {
	unsigned n;
	uint16_t port[HUB_MAX];
	struct rte_ring *rx[HUB_MAX], *tx[HUB_MAX];
	bool down[HUB_MAX]; /* frames to a down port are dropped */
	uint64_t forwarded;
};

static void
port_start(uint16_t port)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, SOCKET_ID_ANY, NULL, g_mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(port, 0, 256, SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
}

static void
hub_make(struct hub *h, unsigned n)
{
	memset(h, 0, sizeof(*h));
	h->n = n;
	for (unsigned i = 0; i < n; i++) {
		char name[32];
		unsigned id = g_serial++;
		snprintf(name, sizeof(name), "hln_rx%u", id);
		h->rx[i] =
		        rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "hln_tx%u", id);
		h->tx[i] =
		        rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		assert_non_null(h->rx[i]);
		assert_non_null(h->tx[i]);
		snprintf(name, sizeof(name), "hln_p%u", id);
		int p = rte_eth_from_rings(name, &h->rx[i], 1, &h->tx[i], 1, SOCKET_ID_ANY);
		assert_true(p >= 0);
		h->port[i] = (uint16_t)p;
		port_start(h->port[i]);
	}
}

static void
hub_step(struct hub *h)
{
	struct rte_mbuf *m[32];
	for (unsigned i = 0; i < h->n; i++) {
		unsigned k = rte_ring_dequeue_burst(h->tx[i], (void **)m, 32, NULL);
		for (unsigned x = 0; x < k; x++) {
			for (unsigned j = 0; j < h->n; j++) {
				if (j == i || h->down[j])
					continue;
				rte_mbuf_refcnt_update(m[x], 1);
				if (rte_ring_enqueue(h->rx[j], m[x]) != 0)
					rte_pktmbuf_free(m[x]);
				else
					h->forwarded++;
			}
			rte_pktmbuf_free(m[x]);
		}
	}
}

static void
hub_free(struct hub *h)
{
	struct rte_mbuf *m;
	for (unsigned i = 0; i < h->n; i++) {
		rte_eth_dev_stop(h->port[i]);
		rte_eth_dev_close(h->port[i]);
		while (rte_ring_dequeue(h->rx[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		while (rte_ring_dequeue(h->tx[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(h->rx[i]);
		rte_ring_free(h->tx[i]);
	}
}

/* Put raw bytes into a port's RX ring, as if they came off the wire. */
static void
inject(struct hub *h, unsigned i, const uint8_t *b, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_mp);
	assert_non_null(m);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
	assert_non_null(p);
	memcpy(p, b, n);
	assert_int_equal(rte_ring_enqueue(h->rx[i], m), 0);
}

struct sink {
	unsigned n;
	struct hl_fabric_dgram last;
	uint8_t data[2048];
};

static void
sink_fn(void *arg, const struct hl_fabric_dgram *d, uint64_t now_ns)
{
	struct sink *s = arg;
	(void)now_ns;
	s->n++;
	s->last = *d;
	memcpy(s->data, d->payload, d->len);
	s->last.payload = s->data;
}

static void
other_fn(void *arg, const struct hl_fabric_dgram *d, uint64_t now_ns)
{
	(void)arg;
	(void)d;
	(void)now_ns;
	fail_msg("datagram delivered to the wrong handler");
}

static void
run(struct hub *h, struct hl_fabric **f, unsigned nf, uint64_t *now, unsigned turns)
{
	for (unsigned t = 0; t < turns; t++) {
		for (unsigned i = 0; i < nf; i++)
			hl_fabric_poll(f[i], *now);
		hub_step(h);
		*now += MS;
	}
}

static void
test_pair_arp_udp(void **state)
{
	(void)state;
	struct hub h;
	hub_make(&h, 3);
	struct hl_fabric_cfg c;
	hl_fabric_cfg_default(&c);
	c.arp.max_tries = 3;
	struct hl_fabric *f[2];
	const uint32_t ipa = IP(10, 99, 0, 1), ipb = IP(10, 99, 0, 2);
	assert_int_equal(hl_fabric_create(&f[0], h.port[0], 0, ipa, mac_a, g_mp, &c), 0);
	assert_int_equal(hl_fabric_create(&f[1], h.port[1], 0, ipb, mac_b, g_mp, &c), 0);
	assert_int_equal(hl_fabric_stats(f[0])->arp_tx_gratuitous, 1);
	uint8_t dm[6];
	hl_fabric_mac_distinct(mac_a, dm); /* 02:..: already local, another bit changes */
	assert_memory_not_equal(dm, mac_a, 6);
	assert_int_equal(dm[0] & 3, 2);
	const uint8_t global[6] = {0x00, 0x1b, 0x21, 1, 2, 3};
	hl_fabric_mac_distinct(global, dm);
	assert_int_equal(dm[0], 0x02);
	assert_memory_equal(dm + 1, global + 1, 5);
	/* Bad arguments. */
	struct hl_fabric *bad;
	assert_int_equal(hl_fabric_create(&bad, h.port[2], 0, 0, mac_c, g_mp, &c), -EINVAL);
	assert_int_equal(
	        hl_fabric_create(&bad, h.port[2], 0, ipa, hl_pkt_bcast_mac, g_mp, &c), -EINVAL);
	assert_int_equal(hl_fabric_create(&bad, 999, 0, ipa, mac_c, g_mp, &c), -EINVAL);

	struct sink sa = {0}, sb = {0}, sc = {0};
	assert_int_equal(hl_fabric_bind(f[0], 7946, sink_fn, &sa), 0);
	assert_int_equal(hl_fabric_bind(f[1], 7946, sink_fn, &sb), 0);
	assert_int_equal(hl_fabric_bind(f[1], 7947, sink_fn, &sc), 0);
	assert_int_equal(hl_fabric_bind(f[1], 7947, other_fn, &sc), -EEXIST);
	assert_int_equal(hl_fabric_bind(f[1], 1, other_fn, &sc), 0);
	assert_int_equal(hl_fabric_bind(f[1], 2, other_fn, &sc), 0);
	assert_int_equal(hl_fabric_bind(f[1], 3, other_fn, &sc), -ENOSPC);
	assert_int_equal(hl_fabric_unbind(f[1], 1), 0);
	assert_int_equal(hl_fabric_unbind(f[1], 1), -ENOENT);
	assert_int_equal(hl_fabric_unbind(f[1], 2), 0);
	uint64_t now = 1000 * MS;
	run(&h, f, 2, &now, 3); /* gratuitous ARPs: nobody caches an address it did not ask for */
	assert_int_equal(hl_arp_count(hl_fabric_arp(f[0])), 0);
	assert_int_equal(hl_fabric_stats(f[0])->arp_rx_gratuitous, 1);
	assert_int_equal(hl_fabric_stats(f[0])->arp_for_others, 0);

	/* A -> B: queued behind ARP, delivered after the reply. */
	const char msg[] = "ping from A";
	assert_int_equal(hl_fabric_send(f[0], now, ipb, 7946, 7946, msg, sizeof(msg)), 0);
	assert_int_equal(hl_fabric_stats(f[0])->tx_queued, 1);
	assert_int_equal(hl_fabric_stats(f[0])->arp_tx_requests, 1);
	run(&h, f, 2, &now, 5);
	assert_int_equal(sb.n, 1);
	assert_int_equal(sb.last.src_ip, ipa);
	assert_int_equal(sb.last.sport, 7946);
	assert_int_equal(sb.last.len, sizeof(msg));
	assert_string_equal((const char *)sb.data, msg);
	assert_int_equal(hl_fabric_stats(f[1])->arp_tx_replies, 1);
	assert_int_equal(hl_fabric_stats(f[0])->arp_rx_replies, 1);
	/* B learned A from the request: its answer goes out without a request of its own. */
	const char rep[] = "pong";
	assert_int_equal(hl_fabric_send(f[1], now, ipa, 7946, 7946, rep, sizeof(rep)), 0);
	assert_int_equal(hl_fabric_stats(f[1])->tx_queued, 0);
	assert_int_equal(hl_fabric_stats(f[1])->arp_tx_requests, 0);
	run(&h, f, 2, &now, 2);
	assert_int_equal(sa.n, 1);
	assert_string_equal((const char *)sa.data, rep);
	/* Coordination port demultiplexed to its own handler. */
	assert_int_equal(hl_fabric_send(f[0], now, ipb, 7947, 5000, "c", 1), 0);
	run(&h, f, 2, &now, 2);
	assert_int_equal(sc.n, 1);
	assert_int_equal(sc.last.dport, 7947);
	assert_int_equal(hl_fabric_stats(f[1])->rx_delivered[1], 1);
	assert_int_equal(hl_fabric_stats(f[0])->rx_not_our_mac, 0);

	/* Send errors, each counted. */
	uint8_t big[1500] = {0};
	assert_int_equal(hl_fabric_send(f[0], now, ipb, 7946, 7946, big, 1473), -EMSGSIZE);
	assert_int_equal(hl_fabric_send(f[0], now, ipb, 7946, 7946, big, 1472), 0);
	assert_int_equal(hl_fabric_send(f[0], now, ipa, 7946, 7946, big, 1), -EINVAL);
	assert_int_equal(hl_fabric_send(f[0], now, 0, 7946, 7946, big, 1), -EINVAL);
	assert_int_equal(hl_fabric_send(f[0], now, IP(224, 0, 0, 1), 7946, 7946, big, 1), -EINVAL);
	assert_int_equal(hl_fabric_stats(f[0])->tx_too_big, 1);
	assert_int_equal(hl_fabric_stats(f[0])->tx_bad_dst, 3);
	run(&h, f, 2, &now, 2);
	assert_int_equal(sb.n, 2);
	assert_int_equal(sb.last.len, 1472);

	/* Hostile and foreign frames into B: counted by reason, B keeps working. */
	const struct hl_fabric_stats *sB = hl_fabric_stats(f[1]);
	uint8_t fr[256];
	size_t n = hl_pkt_build_udp(fr, sizeof(fr), mac_b, mac_a, ipa, ipb, 1, 9999, 1, "x", 1);
	inject(&h, 1, fr, n); /* unbound port (stray test traffic) */
	n = hl_pkt_build_udp(
	        fr, sizeof(fr), mac_b, mac_a, ipa, IP(10, 99, 0, 77), 1, 7946, 1, "x", 1);
	inject(&h, 1, fr, n); /* another IP */
	n = hl_pkt_build_udp(fr, sizeof(fr), mac_c, mac_a, ipa, ipb, 1, 7946, 1, "x", 1);
	inject(&h, 1, fr, n); /* another MAC */
	inject(&h, 1, fr, 10); /* runt */
	n = hl_pkt_build_udp(fr, sizeof(fr), mac_b, mac_a, ipa, ipb, 1, 7946, 1, "x", 1);
	fr[HL_PKT_ETH_LEN + 6] = 0x20; /* fragment (checksum now bad too: frag checked after) */
	fix_ip_csum(fr);
	inject(&h, 1, fr, n);
	fr[12] = 0x86;
	fr[13] = 0xdd;
	inject(&h, 1, fr, n); /* IPv6 */
	n = hl_pkt_build_arp(fr, sizeof(fr), HL_PKT_ARP_REQUEST, hl_pkt_bcast_mac, mac_c,
	        IP(10, 99, 0, 3), NULL, IP(10, 99, 0, 4));
	inject(&h, 1, fr, n); /* ARP for another address */
	n = hl_pkt_build_arp(fr, sizeof(fr), HL_PKT_ARP_REPLY, mac_b, mac_c, ipb, mac_b, ipb);
	inject(&h, 1, fr, n); /* someone claims our address */
	uint64_t replies = sB->arp_tx_replies;
	run(&h, f, 2, &now, 2);
	assert_int_equal(sB->rx_not_ours, 1);
	assert_int_equal(sB->rx_not_our_ip, 1);
	assert_int_equal(sB->rx_not_our_mac, 1);
	assert_int_equal(sB->rx_malformed[HL_PKT_R_ETH_SHORT], 1);
	assert_int_equal(sB->rx_malformed[HL_PKT_R_IP_FRAG], 1);
	assert_int_equal(sB->rx_malformed[HL_PKT_R_ETHERTYPE], 1);
	assert_int_equal(sB->arp_for_others, 1);
	assert_int_equal(sB->arp_conflicts, 1);
	assert_int_equal(sB->arp_tx_replies, replies);
	assert_int_equal(hl_arp_count(hl_fabric_arp(f[1])), 1); /* still only A */
	assert_int_equal(hl_fabric_send(f[0], now, ipb, 7946, 7946, msg, sizeof(msg)), 0);
	run(&h, f, 2, &now, 2);
	assert_int_equal(sb.n, 3);

	/* A destination that never answers: retries with backoff, then queued datagrams dropped
	 * and counted. */
	const uint32_t ghost = IP(10, 99, 0, 50);
	for (int i = 0; i < 3; i++)
		assert_int_equal(hl_fabric_send(f[0], now, ghost, 7946, 7946, msg, 4), 0);
	run(&h, f, 2, &now, 2000);
	const struct hl_fabric_stats *sA = hl_fabric_stats(f[0]);
	assert_int_equal(sA->tx_arp_dropped, 3);
	assert_int_equal(hl_arp_stats(hl_fabric_arp(f[0]))->failed, 1);
	assert_int_equal(hl_arp_stats(hl_fabric_arp(f[0]))->retries, c.arp.max_tries - 1);
	/* Entries learned from traffic age out ttl after the peer was last heard, through poll
	 * alone (no send involved). */
	assert_int_equal(hl_arp_count(hl_fabric_arp(f[1])), 1);
	now += c.arp.ttl_ns + 1000 * MS;
	run(&h, f, 2, &now, 2);
	assert_int_equal(hl_arp_count(hl_fabric_arp(f[0])), 0);
	assert_int_equal(hl_arp_count(hl_fabric_arp(f[1])), 0);
	assert_int_equal(hl_arp_stats(hl_fabric_arp(f[1]))->expired, 1);
	/* Pool accounting: every mbuf came back. */
	hl_fabric_destroy(f[0]);
	hl_fabric_destroy(f[1]);
	hub_free(&h);
	assert_int_equal(rte_mempool_in_use_count(g_mp), 0);
}

/* Send failures through the fabric: pool empty, port TX queue full, ARP table and destination
 * queue full. Each returns its error and is counted; nothing leaks. */
static void
test_tx_failures(void **state)
{
	(void)state;
	struct hub h;
	hub_make(&h, 2);
	struct rte_mempool *small = rte_pktmbuf_pool_create(
	        "hl_net_small", 8, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	assert_non_null(small);
	struct hl_fabric_cfg c;
	hl_fabric_cfg_default(&c);
	c.gratuitous_arp = false;
	c.arp.entries = 2;
	c.arp.pending_per_dst = 2;
	const uint32_t ipa = IP(10, 99, 0, 1), ipb = IP(10, 99, 0, 2);
	struct hl_fabric *f;
	assert_int_equal(hl_fabric_create(&f, h.port[0], 0, ipa, mac_a, small, &c), 0);
	const struct hl_fabric_stats *s = hl_fabric_stats(f);
	uint64_t now = 1000 * MS;
	/* B asks for A: A answers (one mbuf, now in the TX ring) and learns B. */
	uint8_t fr[64];
	size_t n = hl_pkt_build_arp(
	        fr, sizeof(fr), HL_PKT_ARP_REQUEST, hl_pkt_bcast_mac, mac_b, ipb, NULL, ipa);
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_mp);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), fr, n);
	assert_int_equal(rte_ring_enqueue(h.rx[0], m), 0);
	hl_fabric_poll(f, now);
	assert_int_equal(s->arp_tx_replies, 1);
	assert_non_null(hl_arp_lookup(hl_fabric_arp(f), ipb, now));
	/* Nobody drains the TX ring: the 8-mbuf pool runs dry. */
	int rc = 0;
	unsigned ok = 0;
	for (unsigned i = 0; i < 16 && rc == 0; i++) {
		rc = hl_fabric_send(f, now, ipb, 7946, 7946, "x", 1);
		ok += rc == 0;
	}
	assert_int_equal(rc, -ENOBUFS);
	assert_int_equal(ok, 7); /* 8 mbufs, one holds the ARP reply */
	assert_int_equal(s->tx_nombuf, 1);
	hl_fabric_destroy(f);

	/* Big pool; the port's TX ring (1024 slots) is never drained. */
	assert_int_equal(hl_fabric_create(&f, h.port[1], 0, ipb, mac_b, g_mp, &c), 0);
	s = hl_fabric_stats(f);
	m = rte_pktmbuf_alloc(g_mp);
	n = hl_pkt_build_arp(
	        fr, sizeof(fr), HL_PKT_ARP_REPLY, mac_c, mac_a, ipa, mac_c, IP(10, 99, 0, 3));
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), fr, n);
	assert_int_equal(rte_ring_enqueue(h.rx[1], m), 0);
	hl_fabric_poll(f, now); /* a reply to someone else: not learned */
	assert_int_equal(s->rx_not_our_mac, 1);
	assert_null(hl_arp_lookup(hl_fabric_arp(f), ipa, now));
	/* Unresolved destination: queue of 2, then refused. */
	assert_int_equal(hl_fabric_send(f, now, ipa, 7946, 7946, "q", 1), 0);
	assert_int_equal(hl_fabric_send(f, now, ipa, 7946, 7946, "q", 1), 0);
	assert_int_equal(hl_fabric_send(f, now, ipa, 7946, 7946, "q", 1), -ENOBUFS);
	assert_int_equal(hl_fabric_send(f, now, IP(10, 99, 0, 3), 7946, 7946, "q", 1), 0);
	assert_int_equal(hl_fabric_send(f, now, IP(10, 99, 0, 4), 7946, 7946, "q", 1), -ENOSPC);
	assert_int_equal(s->tx_arp_refused, 2);
	assert_int_equal(s->tx_queued, 3);
	/* Resolve A: its two queued datagrams go out; then fill the TX ring. */
	n = hl_pkt_build_arp(fr, sizeof(fr), HL_PKT_ARP_REPLY, mac_b, mac_a, ipa, mac_b, ipb);
	m = rte_pktmbuf_alloc(g_mp);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), fr, n);
	assert_int_equal(rte_ring_enqueue(h.rx[1], m), 0);
	hl_fabric_poll(f, now);
	assert_non_null(hl_arp_lookup(hl_fabric_arp(f), ipa, now));
	rc = 0;
	for (unsigned i = 0; i < 2048 && rc == 0; i++)
		rc = hl_fabric_send(f, now, ipa, 7946, 7946, "y", 1);
	assert_int_equal(rc, -EAGAIN);
	assert_int_equal(s->tx_full, 1);
	assert_int_equal(s->tx_pkts, rte_ring_count(h.tx[1]));
	hl_fabric_destroy(f); /* 10.99.0.3's queued datagram is dropped */
	hub_free(&h);
	assert_int_equal(rte_mempool_in_use_count(small), 0);
	rte_mempool_free(small);
	assert_int_equal(rte_mempool_in_use_count(g_mp), 0);
}

/* ------------------------------------------------------- SWIM on fabrics ---- */

static unsigned
alive_seen(struct hl_swim *sw)
{
	return hl_swim_count(sw, HL_SWIM_ALIVE);
}

static void
test_swim_three(void **state)
{
	(void)state;
	enum { N = 3 };
	struct hub h;
	hub_make(&h, N);
	struct hl_fabric_cfg fc;
	hl_fabric_cfg_default(&fc);
	fc.cluster = hl_frame_cluster_hash("hl-test");
	struct hl_swim_config sc;
	hl_swim_config_lan(&sc);
	hl_fabric_swim_config_fit(&sc);
	assert_true(sc.max_packet <= HL_WIRE_SWIM_MAX);
	static const uint8_t macs[N][6] = {
	        {0x02, 0, 0, 0, 1, 1}, {0x02, 0, 0, 0, 1, 2}, {0x02, 0, 0, 0, 1, 3}};
	struct hl_fabric *f[N];
	struct hl_swim *sw[N];
	struct hl_swim_addr addr[N];
	uint64_t now = 1000 * MS;
	for (unsigned i = 0; i < N; i++) {
		uint32_t ip = IP(10, 99, 0, 11 + i);
		assert_int_equal(hl_fabric_create(&f[i], h.port[i], 0, ip, macs[i], g_mp, &fc), 0);
		hl_fabric_swim_addr(&addr[i], ip, fc.swim_port);
		struct hl_swim_meta meta = {.roles = HL_SWIM_ROLE_WORKER, .fabric = addr[i]};
		assert_int_equal(hl_swim_create(&sw[i], &sc, &addr[i], &meta, 1, 100 + i, now), 0);
	}
	uint32_t ip;
	uint16_t port;
	assert_int_equal(hl_fabric_swim_addr_split(&addr[2], &ip, &port), 0);
	assert_int_equal(ip, IP(10, 99, 0, 13));
	assert_int_equal(port, fc.swim_port);
	for (unsigned i = 1; i < N; i++)
		assert_int_equal(hl_swim_join(sw[i], now, &addr[0], 1), 0);

	/* Converge: everyone sees three alive members (bounded: 30 s of virtual time). */
	bool converged = false;
	for (unsigned t = 0; t < 30000 && !converged; t++) {
		for (unsigned i = 0; i < N; i++)
			assert_true(hl_fabric_swim_step(f[i], sw[i], now) >= 0);
		hub_step(&h);
		now += MS;
		converged = true;
		for (unsigned i = 0; i < N; i++)
			converged = converged && alive_seen(sw[i]) == N;
	}
	assert_true(converged);
	for (unsigned i = 0; i < N; i++) {
		const struct hl_fabric_stats *s = hl_fabric_stats(f[i]);
		assert_true(s->swim_tx > 0);
		assert_true(s->swim_rx > 0);
		assert_int_equal(s->swim_rx_frame_err, 0);
		assert_int_equal(s->swim_rx_decode_err, 0);
	}

	/* A frame from another cluster is rejected before SWIM sees it. */
	struct hl_frame_cfg other;
	hl_frame_cfg_init(&other, hl_frame_cluster_hash("other"), HL_PLANE_FAST);
	uint8_t body[8] = {0x80}, frame[64], eth[128];
	struct hl_msg_swim m = {.body = {.p = body, .len = 1}};
	size_t flen;
	struct hl_wire_err err;
	assert_int_equal(
	        hl_frame_encode(&other, HL_MSG_swim, &m, frame, sizeof(frame), &flen, &err), 0);
	size_t n = hl_pkt_build_udp(eth, sizeof(eth), macs[0], macs[1], IP(10, 99, 0, 12),
	        IP(10, 99, 0, 11), fc.swim_port, fc.swim_port, 1, frame, flen);
	inject(&h, 0, eth, n);

	/* Stop member 2: the others declare it dead (bounded: 60 s of virtual time). */
	h.down[2] = true;
	bool dead = false;
	for (unsigned t = 0; t < 60000 && !dead; t++) {
		for (unsigned i = 0; i < N - 1; i++)
			assert_true(hl_fabric_swim_step(f[i], sw[i], now) >= 0);
		hub_step(&h);
		now += MS;
		struct hl_swim_member_info a, b;
		dead = hl_swim_member(sw[0], &addr[2], &a) == 0 && a.state == HL_SWIM_DEAD &&
		       hl_swim_member(sw[1], &addr[2], &b) == 0 && b.state == HL_SWIM_DEAD;
	}
	assert_true(dead);
	assert_int_equal(hl_fabric_stats(f[0])->swim_rx_frame_err, 1);
	struct hl_swim_event ev;
	bool saw_dead = false;
	while (hl_swim_next_event(sw[0], &ev) == 1)
		if (ev.type == HL_SWIM_EV_DEAD && ev.addr.len == addr[2].len &&
		        memcmp(ev.addr.b, addr[2].b, addr[2].len) == 0)
			saw_dead = true;
	assert_true(saw_dead);
	assert_int_equal(alive_seen(sw[0]), N - 1);
	for (unsigned i = 0; i < N; i++) {
		hl_swim_destroy(sw[i]);
		hl_fabric_destroy(f[i]);
	}
	hub_free(&h);
	assert_int_equal(rte_mempool_in_use_count(g_mp), 0);
}

/* ------------------------------------------------------------------ main ---- */

static int
eal_setup(void **state)
{
	(void)state;
	if (rte_eal_init(g_argc, g_argv) < 0)
		return -1;
	/* Cache size 0: the in-use count is exact, so the tests can check every mbuf came back. */
	g_mp = rte_pktmbuf_pool_create(
	        "hl_net_mp", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return g_mp == NULL ? -1 : 0;
}

static int
eal_teardown(void **state)
{
	(void)state;
	rte_mempool_free(g_mp);
	rte_eal_cleanup();
	return 0;
}

int
main(int argc, char **argv)
{
	g_argc = argc;
	g_argv = argv;
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_good),
	        cmocka_unit_test(test_parse_hostile),
	        cmocka_unit_test(test_parse_random),
	        cmocka_unit_test(test_arp_table),
	        cmocka_unit_test(test_pair_arp_udp),
	        cmocka_unit_test(test_tx_failures),
	        cmocka_unit_test(test_swim_three),
	};
	return cmocka_run_group_tests_name("net", tests, eal_setup, eal_teardown);
}
