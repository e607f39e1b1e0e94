/* hl_pkt.h — Ethernet/ARP/IPv4/UDP parsing and building over plain byte buffers (no DPDK types,
 * so the parser can be tested and fuzzed without an EAL). Every length is checked against the
 * bytes actually present before it is used; a rejected frame yields one reason code.
 *
 * Frames handled (all integers in network order):
 *
 *   Ethernet II   +--------+--------+------+
 *   (14 B)        | dst 6  | src 6  | type |  type 0x0806 ARP, 0x0800 IPv4; others rejected
 *                 +--------+--------+------+  (802.1Q tags are not accepted on the fabric)
 *
 *   ARP (28 B)    +-------+-------+----+----+----+-------+-------+-------+-------+
 *                 | htype | ptype |hlen|plen| op |  sha  |  spa  |  tha  |  tpa  |
 *                 |  2=1  |2=0800 | 6  | 4  | 2  |   6   |   4   |   6   |   4   |
 *                 +-------+-------+----+----+----+-------+-------+-------+-------+
 *
 *   IPv4 (20-60 B) version 4, IHL 5..15 (options skipped), total length within the frame
 *                  (Ethernet padding after it ignored), header checksum verified, no fragments
 *                  (MF set or offset != 0 rejected), protocol 17 only.
 *
 *   UDP (8 B)     +-------+-------+-----+------+
 *                 | sport | dport | len | csum |  len within the IPv4 payload, >= 8;
 *                 +-------+-------+-----+------+  csum verified when non-zero
 */
#ifndef HL_PKT_H
#define HL_PKT_H

#include <stddef.h>
#include <stdint.h>

#define HL_PKT_ETH_LEN 14
#define HL_PKT_ARP_LEN 28
#define HL_PKT_IP_LEN 20
#define HL_PKT_UDP_LEN 8
#define HL_PKT_HDRS (HL_PKT_ETH_LEN + HL_PKT_IP_LEN + HL_PKT_UDP_LEN) /* 42 */
#define HL_PKT_ETHERTYPE_IPV4 0x0800
#define HL_PKT_ETHERTYPE_ARP 0x0806
#define HL_PKT_ARP_REQUEST 1
#define HL_PKT_ARP_REPLY 2

/* Why a frame was rejected. Each has a counter in struct hl_fabric_stats. */
#define HL_PKT_REASONS(X)                                                               \
	X(ETH_SHORT, "frame shorter than an Ethernet header")                           \
	X(ETHERTYPE, "ethertype neither ARP nor IPv4 (VLAN, IPv6, LLDP...)")            \
	X(ARP_SHORT, "ARP body shorter than 28 bytes")                                  \
	X(ARP_FORMAT, "ARP not Ethernet/IPv4 (htype, ptype, hlen, plen) or unknown op") \
	X(IP_SHORT, "fewer bytes than a minimal IPv4 header")                           \
	X(IP_VERSION, "IP version not 4")                                               \
	X(IP_IHL, "IHL below 5 or header longer than the bytes present")                \
	X(IP_TOTLEN, "total length below the header length or beyond the frame")        \
	X(IP_CSUM, "bad IPv4 header checksum")                                          \
	X(IP_FRAG, "IPv4 fragment (MF or offset set): the fabric never fragments")      \
	X(IP_PROTO, "IPv4 protocol not UDP")                                            \
	X(UDP_SHORT, "IPv4 payload shorter than a UDP header")                          \
	X(UDP_LEN, "UDP length below 8 or beyond the IPv4 payload")                     \
	X(UDP_CSUM, "bad UDP checksum")

enum hl_pkt_reason {
	HL_PKT_OK = 0,
#define HL_PKT_R_ENUM(n, d) HL_PKT_R_##n,
	HL_PKT_REASONS(HL_PKT_R_ENUM)
#undef HL_PKT_R_ENUM
	        HL_PKT_R_MAX,
};

/** Short name of a reason ("ip_ihl"...), "ok" for 0, "?" when out of range. */
const char *hl_pkt_reason_name(unsigned r);

enum hl_pkt_kind { HL_PKT_ARP = 1, HL_PKT_UDP = 2 };

/* A parsed frame. Addresses are kept as in the packet: IPv4 as host-order uint32_t
 * (10.99.0.1 = 0x0a630001), MACs as 6 bytes, ports host order. */
struct hl_pkt {
	enum hl_pkt_kind kind;
	uint8_t eth_dst[6], eth_src[6];
	/* ARP */
	uint16_t arp_op;
	uint8_t arp_sha[6], arp_tha[6];
	uint32_t arp_spa, arp_tpa;
	/* IPv4 + UDP */
	uint32_t ip_src, ip_dst;
	uint16_t sport, dport;
	const uint8_t *payload; /* points into the parsed buffer */
	uint16_t payload_len;
};

/** Parse one frame of len bytes. Returns HL_PKT_OK with *out filled or a HL_PKT_R_* reason. */
unsigned hl_pkt_parse(const uint8_t *buf, size_t len, struct hl_pkt *out);

/** Build Ethernet+IPv4+UDP around payload (copied) into buf[cap]. IPv4 header and UDP
 * checksums are computed, TTL 64, DF set. Returns the frame length, or 0 when cap is too small
 * or the payload would not fit a 16-bit IPv4 total length. */
size_t hl_pkt_build_udp(uint8_t *buf, size_t cap, const uint8_t dst_mac[6],
        const uint8_t src_mac[6], uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
        uint16_t ip_id, const void *payload, size_t len);

/** Build an ARP frame (42 bytes; the port or NIC pads to 60). eth_dst: broadcast for
 * requests, the requester for replies. tha may be NULL (zeros). Returns 42, or 0 if cap < 42. */
size_t hl_pkt_build_arp(uint8_t *buf, size_t cap, uint16_t op, const uint8_t eth_dst[6],
        const uint8_t sha[6], uint32_t spa, const uint8_t *tha, uint32_t tpa);

/** Overwrite the destination MAC of a built frame (used when ARP resolves a queued packet). */
void hl_pkt_set_eth_dst(uint8_t *frame, const uint8_t mac[6]);

/** Internet checksum (RFC 1071) of buf, folded, not inverted, starting from sum. */
uint32_t hl_pkt_csum_add(uint32_t sum, const uint8_t *buf, size_t len);

extern const uint8_t hl_pkt_bcast_mac[6];

#endif
