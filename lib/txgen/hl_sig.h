/* hl_sig.h — the measurement signature that hyperline writes right after the L4 header of signed
 * packets, and the RX-side locator that finds it again. Same-host measurement: the timestamp is
 * the sender's TSC, so latency is meaningful only when TX and RX share a clock.
 *
 * Layout (16 bytes, little-endian fields, at the first byte after the UDP / TCP / ICMP header):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------------------------------+-------------------------------+
 *   |        magic 0x4C48 ("HL")    |          stream id            |  bytes 0-3
 *   +-------------------------------+-------------------------------+
 *   |             sequence number (per stream, wraps at 2^32)       |  bytes 4-7
 *   +---------------------------------------------------------------+
 *   |                TX timestamp (sender TSC, 64 bits)             |  bytes 8-15
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *
 * The sequence number counts signed packets only: in probe mode probe k carries k. The receiver
 * widens it to 64 bits against the highest sequence seen (serial-number arithmetic). */
#ifndef HL_SIG_H
#define HL_SIG_H

#include <stdint.h>
#include <string.h>

#define HL_SIG_LEN 16
#define HL_SIG_MAGIC 0x4C48u

struct hl_sig {
	uint16_t magic;
	uint16_t stream_id;
	uint32_t seq;
	uint64_t tx_tsc;
} __attribute__((packed));

_Static_assert(sizeof(struct hl_sig) == HL_SIG_LEN, "signature is 16 bytes");

/** Offset of the signature in an Ethernet frame of len bytes (no FCS), or -1 when the frame is
 * not Ethernet[/802.1Q]/IPv4|IPv6/UDP|TCP|ICMP|ICMPv6 or is too short to hold one. IPv6 extension
 * headers and IPv4 fragments other than the first are not followed (hyperline never sends
 * them); a first fragment (MF set, offset 0) carries its L4 header and signature in place. */
static inline int
hl_sig_locate(const uint8_t *p, uint32_t len)
{
	uint32_t off = 14;
	uint16_t et;
	if (len < 14 + 20 + 8 + HL_SIG_LEN)
		return -1;
	memcpy(&et, p + 12, 2);
	if (et == 0x0081) { /* 0x8100 in network order, read little-endian */
		memcpy(&et, p + 16, 2);
		off = 18;
	}
	uint8_t proto;
	if (et == 0x0008) { /* IPv4 */
		uint8_t vihl = p[off];
		uint16_t frag;
		memcpy(&frag, p + off + 6, 2);
		if ((vihl >> 4) != 4 || (frag & 0xff1f) != 0) /* fragment offset != 0 */
			return -1;
		proto = p[off + 9];
		off += (uint32_t)(vihl & 0xf) * 4;
	} else if (et == 0xdd86) { /* IPv6 */
		proto = p[off + 6];
		off += 40;
	} else {
		return -1;
	}
	if (proto == 17 || proto == 1 || proto == 58) {
		off += 8;
	} else if (proto == 6) {
		if (off + 13 > len)
			return -1;
		off += (uint32_t)(p[off + 12] >> 4) * 4;
	} else {
		return -1;
	}
	if (off + HL_SIG_LEN > len)
		return -1;
	uint16_t magic;
	memcpy(&magic, p + off, 2);
	return magic == HL_SIG_MAGIC ? (int)off : -1;
}

#endif
