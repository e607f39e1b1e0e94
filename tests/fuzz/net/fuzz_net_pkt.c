/* fuzz_net_pkt.c — libFuzzer target for the fabric's Ethernet/ARP/IPv4/UDP parser (lib/net/pkt.c).
 * Oracle: a frame that parses as UDP is rebuilt from its parsed fields and must parse back to the
 * same addresses, ports and payload; a rejection must carry a named reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_pkt p, q;
	unsigned r = hl_pkt_parse(data, size, &p);
	if (r != HL_PKT_OK) {
		if (r >= HL_PKT_R_MAX || strcmp(hl_pkt_reason_name(r), "?") == 0)
			abort();
		return 0;
	}
	if (p.kind != HL_PKT_UDP)
		return 0;
	if (p.payload < data || p.payload + p.payload_len > data + size)
		abort();
	static uint8_t frame[65600];
	size_t n = hl_pkt_build_udp(frame, sizeof(frame), p.eth_dst, p.eth_src, p.ip_src, p.ip_dst,
	        p.sport, p.dport, 1, p.payload, p.payload_len);
	if (n == 0)
		abort();
	if (hl_pkt_parse(frame, n, &q) != HL_PKT_OK)
		abort();
	if (q.kind != HL_PKT_UDP || q.ip_src != p.ip_src || q.ip_dst != p.ip_dst ||
	        q.sport != p.sport || q.dport != p.dport || q.payload_len != p.payload_len ||
	        memcmp(q.payload, p.payload, p.payload_len) != 0)
		abort();
	return 0;
}
