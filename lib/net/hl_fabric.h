/* hl_fabric.h — the fabric port: UDP/IPv4 on one DPDK port queue, ARP answered and resolved by
 * the node, UDP datagrams demultiplexed by destination port to bound handlers (SWIM, the
 * coordination fast path); everything else is counted as not ours and dropped.
 *
 * One writer: create, poll, send and bind run on the one lcore that owns the fabric (the SWIM
 * service lcore). poll and send never allocate from the heap, lock or make system calls: mbufs
 * come from the mempool given at create, the ARP table and its queues are preallocated. */
#ifndef HL_FABRIC_H
#define HL_FABRIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_arp.h"
#include "hl_pkt.h"

struct rte_mempool;

#define HL_FABRIC_MAX_BINDS 4
#define HL_FABRIC_RX_BURST 32

struct hl_fabric_cfg {
	uint16_t mtu; /* IPv4 MTU: largest payload = mtu - 28 (default 1500) */
	uint16_t swim_port; /* UDP port of SWIM (default 7946) */
	uint16_t coord_port; /* UDP port of the coordination fast path (default 7947) */
	uint32_t cluster; /* hl_frame_cluster_hash of the cluster id (SWIM frames) */
	bool gratuitous_arp; /* announce our address at create (default true) */
	struct hl_arp_cfg arp;
};

/** Defaults (see the field comments; ARP per hl_arp_cfg_default). */
void hl_fabric_cfg_default(struct hl_fabric_cfg *c);

/* One received datagram; payload is valid only during the handler call. */
struct hl_fabric_dgram {
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t sport, dport;
	const uint8_t *payload;
	uint16_t len;
};

typedef void (*hl_fabric_handler_fn)(void *arg, const struct hl_fabric_dgram *d, uint64_t now_ns);

struct hl_fabric_stats {
	uint64_t rx_pkts, rx_bytes; /* every frame received */
	uint64_t rx_malformed[HL_PKT_R_MAX]; /* by enum hl_pkt_reason (index 0 unused) */
	uint64_t rx_multiseg; /* chained mbufs: the fabric only takes single-segment frames */
	uint64_t rx_not_our_mac; /* unicast to another MAC (flooded by a switch / hub) */
	uint64_t rx_not_our_ip; /* IPv4 for another address */
	uint64_t rx_not_ours; /* UDP to a port nobody bound (e.g. stray test traffic) */
	uint64_t rx_delivered[HL_FABRIC_MAX_BINDS]; /* per bind slot */
	uint64_t arp_rx_requests, arp_rx_replies;
	uint64_t arp_for_others; /* requests for another address (not answered) */
	uint64_t arp_rx_gratuitous; /* announcements (sender = target address) */
	uint64_t arp_tx_requests, arp_tx_replies, arp_tx_gratuitous;
	uint64_t arp_conflicts; /* someone else claims our address */
	uint64_t tx_pkts, tx_bytes; /* frames handed to the port */
	uint64_t tx_queued; /* datagrams queued behind an ARP resolution */
	uint64_t tx_nombuf; /* mempool empty */
	uint64_t tx_full; /* port TX queue full: frame dropped */
	uint64_t tx_too_big; /* payload over mtu - 28 */
	uint64_t tx_bad_dst; /* 0.0.0.0, broadcast, multicast or our own address */
	uint64_t tx_arp_refused; /* ARP table or destination queue full */
	uint64_t tx_arp_dropped; /* queued datagrams dropped: destination never resolved */
	/* SWIM driver */
	uint64_t swim_rx, swim_rx_frame_err, swim_rx_bad_from, swim_rx_decode_err;
	uint64_t swim_tx, swim_tx_err, swim_ticks;
};

struct hl_fabric;

/** Create a fabric on an already configured and started port (queue = its RX and TX queue).
 * our_ip host order. Sends a gratuitous ARP when cfg says so. 0, -EINVAL, -ENOMEM. */
int hl_fabric_create(struct hl_fabric **out, uint16_t port_id, uint16_t queue, uint32_t our_ip,
        const uint8_t our_mac[6], struct rte_mempool *mp, const struct hl_fabric_cfg *cfg);
/** Free; datagrams still waiting for ARP are dropped. The port is left as it was. */
void hl_fabric_destroy(struct hl_fabric *f);

/** Deliver UDP datagrams to dport to fn. -EEXIST if bound, -ENOSPC if all slots are taken.
 * Rebinding the same port with the same fn updates arg. */
int hl_fabric_bind(struct hl_fabric *f, uint16_t dport, hl_fabric_handler_fn fn, void *arg);
/** Remove a binding: 0 or -ENOENT. */
int hl_fabric_unbind(struct hl_fabric *f, uint16_t dport);

/** RX one burst: answer ARP, learn, deliver datagrams; run ARP retries and expiry.
 * Returns the number of frames received (0..HL_FABRIC_RX_BURST). */
int hl_fabric_poll(struct hl_fabric *f, uint64_t now_ns);

/** Send one UDP datagram. 0 when handed to the port or queued behind an ARP resolution;
 * -EMSGSIZE (too big), -EINVAL (bad destination), -ENOBUFS (mempool empty, or the destination's
 * queue full), -ENOSPC (ARP table full), -EAGAIN (port TX queue full). Every failure counted. */
int hl_fabric_send(struct hl_fabric *f, uint64_t now_ns, uint32_t dst_ip, uint16_t dst_port,
        uint16_t src_port, const void *payload, uint16_t len);

/** Broadcast a gratuitous ARP for our address (also done at create). 0 or -ENOBUFS/-EAGAIN. */
int hl_fabric_announce(struct hl_fabric *f);

/** A locally administered unicast MAC that differs from port_mac, for a fabric on a net_tap
 * interface enslaved to a bridge (the bridge keeps frames to a port's own MAC for the local
 * stack; see docs/fabric.md). Enable promiscuous mode on such a port. On a real NIC use the
 * port's own MAC. */
void hl_fabric_mac_distinct(const uint8_t port_mac[6], uint8_t out[6]);

const struct hl_fabric_stats *hl_fabric_stats(const struct hl_fabric *f);
struct hl_arp *hl_fabric_arp(struct hl_fabric *f);
uint32_t hl_fabric_ip(const struct hl_fabric *f);
const struct hl_fabric_cfg *hl_fabric_config(const struct hl_fabric *f);

#endif
