/* hl_port.h — test-port set-up: the settings a pmd-config profile requests (struct hl_port_conf),
 * checked one by one against what the device reports before anything is configured. */
#ifndef HL_PORT_H
#define HL_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rte_mempool;

#define HL_PORT_MAX_QUEUES 64 /* per direction */
#define HL_PORT_MAX_DESC 16384 /* per queue */
#define HL_PORT_MAX_MTU 9600 /* bytes of L3 payload */
#define HL_PORT_MAX_SOCKETS 8 /* per-socket mempools kept by hl_port */
#define HL_PORT_ERRLEN 256 /* suggested size of the caller's message buffer */
#define HL_PORT_DEFAULT_DESC 1024 /* used when a descriptor count is 0 */

/* Offloads a profile may request (bit flags in hl_port_conf.offloads). */
enum hl_port_offload {
	HL_PORT_OFF_IPV4_CKSUM = 1u << 0, /* TX and RX IPv4 header checksum */
	HL_PORT_OFF_UDP_CKSUM = 1u << 1, /* TX and RX UDP checksum */
	HL_PORT_OFF_TCP_CKSUM = 1u << 2, /* TX and RX TCP checksum */
	HL_PORT_OFF_MULTI_SEG = 1u << 3, /* TX multi-segment mbufs */
	HL_PORT_OFF_FAST_FREE = 1u << 4, /* TX MBUF_FAST_FREE (one pool per queue, refcnt 1) */
	HL_PORT_OFF_TIMESTAMP = 1u << 5, /* RX timestamp offload (same as rx_timestamp) */
	HL_PORT_OFF_ALL_ = (1u << 6) - 1,
};

/* RSS hash fields a profile may request (bit flags in hl_port_conf.rss_fields). */
enum hl_port_rss_field {
	HL_PORT_RSS_IPV4 = 1u << 0,
	HL_PORT_RSS_IPV6 = 1u << 1,
	HL_PORT_RSS_UDP = 1u << 2,
	HL_PORT_RSS_TCP = 1u << 3,
	HL_PORT_RSS_ALL_ = (1u << 4) - 1,
};

/** Requested settings of one test port (what a pmd-config profile says). Zero means "default"
 * where noted; everything else is checked against rte_eth_dev_info by hl_port_setup(). */
struct hl_port_conf {
	uint16_t rx_queues; /* 1..HL_PORT_MAX_QUEUES */
	uint16_t tx_queues; /* 1..HL_PORT_MAX_QUEUES */
	uint16_t rx_desc; /* per queue; 0 = HL_PORT_DEFAULT_DESC (clamped to device range) */
	uint16_t tx_desc; /* per queue; 0 = HL_PORT_DEFAULT_DESC (clamped to device range) */
	uint32_t offloads; /* enum hl_port_offload bits */
	bool rss; /* spread RX over rx_queues by RSS */
	uint32_t rss_fields; /* enum hl_port_rss_field bits; 0 with rss = IPv4|IPv6|UDP|TCP */
	bool rx_timestamp; /* hardware RX timestamp wanted (RTE_ETH_RX_OFFLOAD_TIMESTAMP) */
	bool tx_rate_limit; /* per-queue TX rate limiter wanted (rte_eth_set_queue_rate_limit) */
	uint16_t mtu; /* 0 = leave the device default */
	bool promiscuous; /* enable promiscuous RX */
	uint32_t mbufs; /* mbufs in the port's RX pool; 0 = sized from queues x descriptors */
	uint32_t link_mbps; /* line rate for "% of line" when the device reports none; 0 = ask */
};

/** Fill conf with conservative defaults: 1 RX and 1 TX queue, default descriptors, no offloads,
 * no RSS, promiscuous on. */
void hl_port_conf_default(struct hl_port_conf *conf);

/** Check conf alone (ranges, contradictions) without a device. Returns 0 or -EINVAL / -ERANGE,
 * writing a message naming the bad field into err (may be NULL). */
int hl_port_conf_validate(const struct hl_port_conf *conf, char *err, size_t errlen);

/** What hl_port_setup() decided, for the caller and for logs. */
struct hl_port_info {
	uint16_t port_id;
	int socket_id;
	uint16_t rx_queues, tx_queues;
	uint16_t rx_desc, tx_desc; /* after defaulting and alignment */
	uint64_t rx_offloads, tx_offloads; /* RTE_ETH_*_OFFLOAD_* actually enabled */
	uint64_t rss_hf; /* RTE_ETH_RSS_* actually enabled */
	uint32_t link_mbps; /* 0 when unknown */
	int timestamp_dynfield; /* mbuf dynfield offset for RX timestamps, or -1 */
	uint64_t timestamp_dynflag; /* ol_flags bit for a valid RX timestamp, or 0 */
	struct rte_mempool *rx_pool; /* per-socket pool the RX queues use */
};

/** Configure and start port_id from conf. Every requested setting is checked against the
 * device first; on failure nothing is started and err names what the device cannot do.
 * Returns 0, -HL_E_UNSUPPORTED (device lacks a capability), -EINVAL (bad conf or port),
 * -ENOMEM (pool), or the negative errno a DPDK call returned. */
int hl_port_setup(uint16_t port_id, const struct hl_port_conf *conf, struct hl_port_info *info,
        char *err, size_t errlen);

/** Stop and close a port set up by hl_port_setup(). Returns 0 or a negative errno. */
int hl_port_teardown(uint16_t port_id);

/** A per-socket packet pool of at least n mbufs of data_room bytes: an existing pool of that
 * (socket, data_room) that is large enough is shared, otherwise a new one is created. At most
 * HL_PORT_MAX_SOCKETS x 2 pools exist (then NULL, rte_errno = ENOSPC). Returns NULL with
 * rte_errno set on failure. */
struct rte_mempool *hl_port_socket_pool(int socket, uint32_t n, uint16_t data_room);

/** Line rate of a port in Mb/s (link status, else conf->link_mbps, else 0). */
uint32_t hl_port_link_mbps(uint16_t port_id);

#endif
