/* pkt.c — bounds-checked Ethernet/ARP/IPv4/UDP parsing and header building (see hl_pkt.h). */
#include <string.h>

#include "hl_pkt.h"

const uint8_t hl_pkt_bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static const char *const reason_names[] = {"ok",
#define HL_PKT_R_NAME(n, d) #n,
        HL_PKT_REASONS(HL_PKT_R_NAME)
#undef HL_PKT_R_NAME
};

const char *
hl_pkt_reason_name(unsigned r)
{
	return r < HL_PKT_R_MAX ? reason_names[r] : "?";
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t
hl_pkt_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		sum += rd16(buf + i);
	if (i < len)
		sum += (uint32_t)buf[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* UDP checksum over the IPv4 pseudo-header and the UDP datagram (header + payload). */
static uint16_t
udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t udp_len)
{
	uint8_t ph[12];
	wr32(ph, src);
	wr32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = 17;
	wr16(ph + 10, (uint16_t)udp_len);
	uint32_t s = hl_pkt_csum_add(0, ph, sizeof(ph));
	s = hl_pkt_csum_add(s, udp, udp_len);
	return (uint16_t)~s;
}

static unsigned
parse_arp(const uint8_t *p, size_t len, struct hl_pkt *out)
{
	if (len < HL_PKT_ARP_LEN)
		return HL_PKT_R_ARP_SHORT;
	uint16_t op = rd16(p + 6);
	if (rd16(p) != 1 || rd16(p + 2) != HL_PKT_ETHERTYPE_IPV4 || p[4] != 6 || p[5] != 4 ||
	        (op != HL_PKT_ARP_REQUEST && op != HL_PKT_ARP_REPLY))
		return HL_PKT_R_ARP_FORMAT;
	out->kind = HL_PKT_ARP;
	out->arp_op = op;
	memcpy(out->arp_sha, p + 8, 6);
	out->arp_spa = rd32(p + 14);
	memcpy(out->arp_tha, p + 18, 6);
	out->arp_tpa = rd32(p + 24);
	return HL_PKT_OK;
}

static unsigned
parse_ipv4_udp(const uint8_t *ip, size_t len, struct hl_pkt *out)
{
	if (len < HL_PKT_IP_LEN)
		return HL_PKT_R_IP_SHORT;
	if ((ip[0] >> 4) != 4)
		return HL_PKT_R_IP_VERSION;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < HL_PKT_IP_LEN || ihl > len)
		return HL_PKT_R_IP_IHL;
	size_t tot = rd16(ip + 2);
	if (tot < ihl || tot > len)
		return HL_PKT_R_IP_TOTLEN;
	if (hl_pkt_csum_add(0, ip, ihl) != 0xffff)
		return HL_PKT_R_IP_CSUM;
	uint16_t frag = rd16(ip + 6);
	if ((frag & 0x2000) != 0 || (frag & 0x1fff) != 0)
		return HL_PKT_R_IP_FRAG;
	if (ip[9] != 17)
		return HL_PKT_R_IP_PROTO;
	const uint8_t *udp = ip + ihl;
	size_t ulen_avail = tot - ihl; /* bytes after tot are Ethernet padding */
	if (ulen_avail < HL_PKT_UDP_LEN)
		return HL_PKT_R_UDP_SHORT;
	size_t ulen = rd16(udp + 4);
	if (ulen < HL_PKT_UDP_LEN || ulen > ulen_avail)
		return HL_PKT_R_UDP_LEN;
	uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
	if (rd16(udp + 6) != 0 && udp_csum(src, dst, udp, ulen) != 0)
		return HL_PKT_R_UDP_CSUM;
	out->kind = HL_PKT_UDP;
	out->ip_src = src;
	out->ip_dst = dst;
	out->sport = rd16(udp);
	out->dport = rd16(udp + 2);
	out->payload = udp + HL_PKT_UDP_LEN;
	out->payload_len = (uint16_t)(ulen - HL_PKT_UDP_LEN);
	return HL_PKT_OK;
}

unsigned
hl_pkt_parse(const uint8_t *buf, size_t len, struct hl_pkt *out)
{
	if (buf == NULL || len < HL_PKT_ETH_LEN)
		return HL_PKT_R_ETH_SHORT;
	memcpy(out->eth_dst, buf, 6);
	memcpy(out->eth_src, buf + 6, 6);
	uint16_t et = rd16(buf + 12);
	if (et == HL_PKT_ETHERTYPE_ARP)
		return parse_arp(buf + HL_PKT_ETH_LEN, len - HL_PKT_ETH_LEN, out);
	if (et == HL_PKT_ETHERTYPE_IPV4)
		return parse_ipv4_udp(buf + HL_PKT_ETH_LEN, len - HL_PKT_ETH_LEN, out);
	return HL_PKT_R_ETHERTYPE;
}

static void
build_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	wr16(b + 12, type);
}

size_t
hl_pkt_build_udp(uint8_t *buf, size_t cap, const uint8_t dst_mac[6], const uint8_t src_mac[6],
        uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport, uint16_t ip_id,
        const void *payload, size_t len)
{
	if (len > 0xffff - HL_PKT_IP_LEN - HL_PKT_UDP_LEN || cap < HL_PKT_HDRS + len)
		return 0;
	build_eth(buf, dst_mac, src_mac, HL_PKT_ETHERTYPE_IPV4);
	uint8_t *ip = buf + HL_PKT_ETH_LEN;
	uint8_t *udp = ip + HL_PKT_IP_LEN;
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(HL_PKT_IP_LEN + HL_PKT_UDP_LEN + len));
	wr16(ip + 4, ip_id);
	wr16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	wr16(ip + 10, 0);
	wr32(ip + 12, src_ip);
	wr32(ip + 16, dst_ip);
	wr16(ip + 10, (uint16_t)~hl_pkt_csum_add(0, ip, HL_PKT_IP_LEN));
	wr16(udp, sport);
	wr16(udp + 2, dport);
	wr16(udp + 4, (uint16_t)(HL_PKT_UDP_LEN + len));
	wr16(udp + 6, 0);
	if (len > 0)
		memcpy(udp + HL_PKT_UDP_LEN, payload, len);
	uint16_t c = udp_csum(src_ip, dst_ip, udp, HL_PKT_UDP_LEN + len);
	wr16(udp + 6, c == 0 ? 0xffff : c); /* 0 means "no checksum" on the wire */
	return HL_PKT_HDRS + len;
}

size_t
hl_pkt_build_arp(uint8_t *buf, size_t cap, uint16_t op, const uint8_t eth_dst[6],
        const uint8_t sha[6], uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	if (cap < HL_PKT_ETH_LEN + HL_PKT_ARP_LEN)
		return 0;
	build_eth(buf, eth_dst, sha, HL_PKT_ETHERTYPE_ARP);
	uint8_t *a = buf + HL_PKT_ETH_LEN;
	wr16(a, 1);
	wr16(a + 2, HL_PKT_ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, sha, 6);
	wr32(a + 14, spa);
	if (tha != NULL)
		memcpy(a + 18, tha, 6);
	else
		memset(a + 18, 0, 6);
	wr32(a + 24, tpa);
	return HL_PKT_ETH_LEN + HL_PKT_ARP_LEN;
}

void
hl_pkt_set_eth_dst(uint8_t *frame, const uint8_t mac[6])
{
	memcpy(frame, mac, 6);
}
