/* fabric.c — the fabric port: RX burst, ARP answer/resolve, UDP demux, TX (see hl_fabric.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "hl_fabric.h"
#include "hl_log.h"
#include "net_int.h"

void
hl_fabric_cfg_default(struct hl_fabric_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->mtu = 1500;
	c->swim_port = 7946;
	c->coord_port = 7947;
	c->gratuitous_arp = true;
	hl_arp_cfg_default(&c->arp);
}

#define IPF(ip) (ip) >> 24, ((ip) >> 16) & 0xff, ((ip) >> 8) & 0xff, (ip)&0xff

/* Hand one built frame to the port; frees it on failure. */
static int
tx_one(struct hl_fabric *f, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	if (rte_eth_tx_burst(f->port_id, f->queue, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		f->st.tx_full++;
		return -EAGAIN;
	}
	f->st.tx_pkts++;
	f->st.tx_bytes += len;
	return 0;
}

static int
tx_arp(struct hl_fabric *f, uint16_t op, const uint8_t eth_dst[6], const uint8_t *tha, uint32_t tpa)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->mp);
	if (m == NULL) {
		f->st.tx_nombuf++;
		return -ENOBUFS;
	}
	/* Pad to the 60-byte Ethernet minimum ourselves: not every PMD does. */
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 60);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		f->st.tx_nombuf++;
		return -ENOBUFS;
	}
	memset(p, 0, 60);
	hl_pkt_build_arp(p, 60, op, eth_dst, f->mac, f->ip, tha, tpa);
	return tx_one(f, m);
}

static void
arp_request_cb(void *arg, uint32_t ip)
{
	struct hl_fabric *f = arg;
	if (tx_arp(f, HL_PKT_ARP_REQUEST, hl_pkt_bcast_mac, NULL, ip) == 0)
		f->st.arp_tx_requests++;
}

static void
arp_release_cb(void *arg, void *pkt, uint32_t ip, const uint8_t *mac)
{
	struct hl_fabric *f = arg;
	struct rte_mbuf *m = pkt;
	if (mac == NULL) {
		f->st.tx_arp_dropped++;
		HL_LOG(HL_LOG_WARN, "fabric",
		        "datagram dropped: no ARP answer port=%u dst=%u.%u.%u.%u", f->port_id,
		        IPF(ip));
		rte_pktmbuf_free(m);
		return;
	}
	hl_pkt_set_eth_dst(rte_pktmbuf_mtod(m, uint8_t *), mac);
	(void)tx_one(f, m);
}

int
hl_fabric_announce(struct hl_fabric *f)
{
	/* Gratuitous ARP as a request (sender = target = our address), which every stack
	 * accepts to update a cache. */
	int rc = tx_arp(f, HL_PKT_ARP_REQUEST, hl_pkt_bcast_mac, NULL, f->ip);
	if (rc == 0)
		f->st.arp_tx_gratuitous++;
	return rc;
}

int
hl_fabric_create(struct hl_fabric **out, uint16_t port_id, uint16_t queue, uint32_t our_ip,
        const uint8_t our_mac[6], struct rte_mempool *mp, const struct hl_fabric_cfg *cfg)
{
	if (out == NULL || our_mac == NULL || mp == NULL || cfg == NULL ||
	        !rte_eth_dev_is_valid_port(port_id) || our_ip == 0 || our_ip == UINT32_MAX ||
	        cfg->mtu < 576 || cfg->mtu > 9000 || cfg->swim_port == cfg->coord_port ||
	        (our_mac[0] & 1) != 0)
		return -EINVAL;
	if ((uint32_t)cfg->mtu + HL_PKT_ETH_LEN + RTE_PKTMBUF_HEADROOM >
	        rte_pktmbuf_data_room_size(mp)) {
		HL_LOG(HL_LOG_ERR, "fabric", "mempool data room %u too small for mtu %u port=%u",
		        rte_pktmbuf_data_room_size(mp), cfg->mtu, port_id);
		return -EINVAL;
	}
	struct hl_fabric *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	f->port_id = port_id;
	f->queue = queue;
	f->ip = our_ip;
	memcpy(f->mac, our_mac, 6);
	f->mp = mp;
	f->cfg = *cfg;
	struct hl_arp_ops ops = {.request = arp_request_cb, .release = arp_release_cb, .arg = f};
	int rc = hl_arp_create(&f->arp, &cfg->arp, &ops);
	if (rc != 0) {
		free(f);
		return rc;
	}
	f->arp_next = 0; /* first poll runs the ARP timers and arms the periodic look */
	if (cfg->gratuitous_arp && hl_fabric_announce(f) != 0)
		HL_LOG(HL_LOG_WARN, "fabric", "gratuitous ARP not sent port=%u", port_id);
	*out = f;
	return 0;
}

void
hl_fabric_destroy(struct hl_fabric *f)
{
	if (f == NULL)
		return;
	hl_arp_destroy(f->arp);
	free(f);
}

int
hl_fabric_bind(struct hl_fabric *f, uint16_t dport, hl_fabric_handler_fn fn, void *arg)
{
	if (fn == NULL)
		return -EINVAL;
	for (uint32_t i = 0; i < f->nbind; i++) {
		if (f->binds[i].port != dport)
			continue;
		if (f->binds[i].fn != fn)
			return -EEXIST;
		f->binds[i].arg = arg;
		return 0;
	}
	if (f->nbind >= HL_FABRIC_MAX_BINDS)
		return -ENOSPC;
	f->binds[f->nbind++] = (struct hl_fabric_bind){.port = dport, .fn = fn, .arg = arg};
	return 0;
}

int
hl_fabric_unbind(struct hl_fabric *f, uint16_t dport)
{
	for (uint32_t i = 0; i < f->nbind; i++) {
		if (f->binds[i].port == dport) {
			f->nbind--;
			f->binds[i] = f->binds[f->nbind];
			f->st.rx_delivered[i] = f->st.rx_delivered[f->nbind];
			f->st.rx_delivered[f->nbind] = 0;
			return 0;
		}
	}
	return -ENOENT;
}

static void
rx_arp(struct hl_fabric *f, const struct hl_pkt *p, uint64_t now_ns)
{
	if (p->arp_op == HL_PKT_ARP_REQUEST)
		f->st.arp_rx_requests++;
	else
		f->st.arp_rx_replies++;
	if (p->arp_spa == f->ip) {
		if (memcmp(p->arp_sha, f->mac, 6) != 0) {
			f->st.arp_conflicts++;
			HL_LOG(HL_LOG_WARN, "fabric",
			        "address conflict port=%u ip=%u.%u.%u.%u "
			        "other=%02x:%02x:%02x:%02x:%02x:%02x",
			        f->port_id, IPF(f->ip), p->arp_sha[0], p->arp_sha[1], p->arp_sha[2],
			        p->arp_sha[3], p->arp_sha[4], p->arp_sha[5]);
		}
		return;
	}
	bool for_us = p->arp_tpa == f->ip;
	if ((p->arp_sha[0] & 1) == 0) {
		/* A request for us or a reply to us creates an entry (we will talk back); other
		 * ARP only refreshes what we already have. */
		int rc = hl_arp_learn(f->arp, p->arp_spa, p->arp_sha, now_ns, for_us);
		if (rc < 0)
			HL_LOG(HL_LOG_WARN, "fabric", "ARP table full port=%u peer=%u.%u.%u.%u",
			        f->port_id, IPF(p->arp_spa));
	}
	if (p->arp_op != HL_PKT_ARP_REQUEST)
		return;
	if (!for_us) {
		if (p->arp_spa == p->arp_tpa)
			f->st.arp_rx_gratuitous++;
		else
			f->st.arp_for_others++;
		return;
	}
	if (tx_arp(f, HL_PKT_ARP_REPLY, p->arp_sha, p->arp_sha, p->arp_spa) == 0)
		f->st.arp_tx_replies++;
}

static void
rx_udp(struct hl_fabric *f, const struct hl_pkt *p, uint64_t now_ns)
{
	if (p->ip_dst != f->ip) {
		f->st.rx_not_our_ip++;
		return;
	}
	/* Traffic from a known peer keeps its entry fresh (refresh only: an IPv4 source is not
	 * proof enough to create an entry). */
	if ((p->eth_src[0] & 1) == 0)
		(void)hl_arp_learn(f->arp, p->ip_src, p->eth_src, now_ns, false);
	for (uint32_t i = 0; i < f->nbind; i++) {
		if (f->binds[i].port != p->dport)
			continue;
		struct hl_fabric_dgram d = {
		        .src_ip = p->ip_src,
		        .dst_ip = p->ip_dst,
		        .sport = p->sport,
		        .dport = p->dport,
		        .payload = p->payload,
		        .len = p->payload_len,
		};
		f->st.rx_delivered[i]++;
		f->binds[i].fn(f->binds[i].arg, &d, now_ns);
		return;
	}
	f->st.rx_not_ours++;
}

static void
rx_frame(struct hl_fabric *f, struct rte_mbuf *m, uint64_t now_ns)
{
	f->st.rx_pkts++;
	f->st.rx_bytes += rte_pktmbuf_pkt_len(m);
	if (m->nb_segs != 1) {
		f->st.rx_multiseg++;
		return;
	}
	struct hl_pkt p;
	unsigned r =
	        hl_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &p);
	if (r != HL_PKT_OK) {
		f->st.rx_malformed[r]++;
		return;
	}
	bool bcast = memcmp(p.eth_dst, hl_pkt_bcast_mac, 6) == 0;
	if (!bcast && memcmp(p.eth_dst, f->mac, 6) != 0) {
		f->st.rx_not_our_mac++;
		return;
	}
	if (p.kind == HL_PKT_ARP)
		rx_arp(f, &p, now_ns);
	else
		rx_udp(f, &p, now_ns);
}

int
hl_fabric_poll(struct hl_fabric *f, uint64_t now_ns)
{
	struct rte_mbuf *pk[HL_FABRIC_RX_BURST];
	uint16_t n = rte_eth_rx_burst(f->port_id, f->queue, pk, HL_FABRIC_RX_BURST);
	for (uint16_t i = 0; i < n; i++) {
		rx_frame(f, pk[i], now_ns);
		rte_pktmbuf_free(pk[i]);
	}
	if (now_ns >= f->arp_next) {
		/* Entries learned since the last tick carry deadlines the tick has not seen: look
		 * again at least every HL_FABRIC_ARP_SCAN_NS. */
		uint64_t next = hl_arp_tick(f->arp, now_ns);
		uint64_t cap = now_ns + HL_FABRIC_ARP_SCAN_NS;
		f->arp_next = next < cap ? next : cap;
	}
	return n;
}

static bool
bad_dst(const struct hl_fabric *f, uint32_t ip)
{
	return ip == 0 || ip == UINT32_MAX || (ip >> 28) == 0xe || ip == f->ip;
}

int
hl_fabric_send(struct hl_fabric *f, uint64_t now_ns, uint32_t dst_ip, uint16_t dst_port,
        uint16_t src_port, const void *payload, uint16_t len)
{
	if ((uint32_t)len + HL_PKT_IP_LEN + HL_PKT_UDP_LEN > f->cfg.mtu) {
		f->st.tx_too_big++;
		return -EMSGSIZE;
	}
	if (bad_dst(f, dst_ip)) {
		f->st.tx_bad_dst++;
		return -EINVAL;
	}
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->mp);
	if (m == NULL) {
		f->st.tx_nombuf++;
		return -ENOBUFS;
	}
	size_t flen = HL_PKT_HDRS + (size_t)len;
	size_t wire = flen < 60 ? 60 : flen;
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)wire);
	if (b == NULL) {
		rte_pktmbuf_free(m);
		f->st.tx_nombuf++;
		return -ENOBUFS;
	}
	if (wire > flen)
		memset(b + flen, 0, wire - flen);
	const uint8_t *mac = hl_arp_lookup(f->arp, dst_ip, now_ns);
	static const uint8_t zero_mac[6];
	hl_pkt_build_udp(b, wire, mac != NULL ? mac : zero_mac, f->mac, f->ip, dst_ip, src_port,
	        dst_port, f->ip_id++, payload, len);
	if (mac != NULL)
		return tx_one(f, m);
	int rc = hl_arp_queue(f->arp, dst_ip, m, now_ns);
	if (rc == 0) {
		f->st.tx_queued++;
		if (f->arp_next > now_ns)
			f->arp_next = now_ns; /* tick soon to arm the retry */
		return 0;
	}
	rte_pktmbuf_free(m);
	f->st.tx_arp_refused++;
	return rc == -EEXIST ? -EAGAIN : rc;
}

void
hl_fabric_mac_distinct(const uint8_t port_mac[6], uint8_t out[6])
{
	memcpy(out, port_mac, 6);
	out[0] = (uint8_t)((port_mac[0] | 0x02) & ~0x01);
	if (memcmp(out, port_mac, 6) == 0)
		out[0] ^= 0x04; /* already locally administered: change another bit */
}

const struct hl_fabric_stats *
hl_fabric_stats(const struct hl_fabric *f)
{
	return &f->st;
}

struct hl_arp *
hl_fabric_arp(struct hl_fabric *f)
{
	return f->arp;
}

uint32_t
hl_fabric_ip(const struct hl_fabric *f)
{
	return f->ip;
}

const struct hl_fabric_cfg *
hl_fabric_config(const struct hl_fabric *f)
{
	return &f->cfg;
}
