/* hl_stream.h — one stream of a workflow as data: headers, size mix, field variation, rate,
 * duration and signature policy. The job-profile parser (lib/cfg) fills it; lib/txgen compiles it
 * into a template and a variant cache. Every list is a fixed array with a documented maximum. */
#ifndef HL_STREAM_H
#define HL_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_STREAM_MAX_SIZES 16 /* entries of a weighted size list (IMIX) */
#define HL_STREAM_MAX_VARS 8 /* field variations per stream */
#define HL_STREAM_MAX_LIST 64 /* values of one "list" variation */
#define HL_STREAM_MIN_FRAME 64 /* bytes, Ethernet frame incl. 4 B FCS */
#define HL_STREAM_MAX_FRAME 9216 /* bytes, Ethernet frame incl. 4 B FCS */
#define HL_STREAM_MAX_BURST 256 /* packets per rte_eth_tx_burst */
#define HL_STREAM_DEFAULT_BURST 32
#define HL_STREAM_MAX_ID 65535 /* stream ids are 16 bits in the signature */
#define HL_STREAM_ERRLEN 160 /* suggested size of a validation message buffer */

enum hl_l3 { HL_L3_IPV4 = 0, HL_L3_IPV6 = 1 };

enum hl_l4 {
	HL_L4_UDP = 0, /* UDP, ports from l4 */
	HL_L4_TCP_SYN = 1, /* TCP segment with SYN set, ports from l4 */
	HL_L4_ICMP_ECHO = 2, /* ICMP / ICMPv6 echo request; ports ignored */
};

enum hl_size_mode {
	HL_SIZE_FIXED = 0, /* sizes[0].bytes */
	HL_SIZE_RANGE = 1, /* uniform in [size_min, size_max] */
	HL_SIZE_WEIGHTED = 2, /* sizes[0..n_sizes) with weights (IMIX) */
};

enum hl_field {
	HL_FIELD_SRC_MAC = 0,
	HL_FIELD_DST_MAC = 1,
	HL_FIELD_SRC_IP = 2,
	HL_FIELD_DST_IP = 3,
	HL_FIELD_SRC_PORT = 4,
	HL_FIELD_DST_PORT = 5,
	HL_FIELD_COUNT_
};

enum hl_var_op {
	HL_VAR_INC = 0, /* min, min+step, ... wrapping after max */
	HL_VAR_DEC = 1, /* max, max-step, ... wrapping after min */
	HL_VAR_RANDOM = 2, /* uniform in [min, max] */
	HL_VAR_LIST = 3, /* list[0..list_len) in order, cyclic */
};

enum hl_rate_unit {
	HL_RATE_PPS = 0, /* packets per second */
	HL_RATE_L1_BPS = 1, /* bits/s on the wire: (frame + 20 B preamble/IFG) x 8 */
	HL_RATE_L2_BPS = 2, /* bits/s of frames incl. FCS */
	HL_RATE_PERCENT = 3, /* % of the port's line rate, L1 accounting */
	HL_RATE_UNLIMITED = 4 /* as fast as the port takes packets */
};

enum hl_sig_mode {
	HL_SIG_NONE = 0, /* no signature */
	HL_SIG_PROBES = 1, /* one packet in probe_ratio carries a signature */
	HL_SIG_ALL = 2, /* every packet carries a signature */
};

/** One field variation. Values are host-order integers of the field: ports 16 bits, IPv4
 * addresses 32 bits, MAC addresses 48 bits, IPv6 addresses: the LAST 32 bits (the upper 96 come
 * from the stream's address). */
struct hl_field_var {
	uint8_t field; /* enum hl_field */
	uint8_t op; /* enum hl_var_op */
	uint64_t min, max; /* inclusive range (INC, DEC, RANDOM) */
	uint64_t step; /* INC/DEC step, >= 1 */
	uint32_t list_len; /* LIST: 1..HL_STREAM_MAX_LIST */
	uint64_t list[HL_STREAM_MAX_LIST];
};

struct hl_size_entry {
	uint16_t bytes; /* frame size incl. FCS, HL_STREAM_MIN_FRAME..HL_STREAM_MAX_FRAME */
	uint32_t weight; /* WEIGHTED: relative weight >= 1 */
};

struct hl_stream_spec {
	uint16_t id; /* unique within a job; carried in the signature */

	/* L2 */
	uint8_t src_mac[6], dst_mac[6];
	bool vlan; /* add one 802.1Q tag */
	uint16_t vlan_id; /* 0..4095 */
	uint8_t vlan_pcp; /* 0..7 */

	/* L3: addresses in network byte order */
	uint8_t l3; /* enum hl_l3 */
	union {
		uint32_t v4;
		uint8_t v6[16];
	} src_ip, dst_ip;
	uint8_t ttl; /* 0 = 64 */
	uint8_t tos; /* IPv4 TOS / IPv6 traffic class */

	/* L4 */
	uint8_t l4; /* enum hl_l4 */
	uint16_t src_port, dst_port; /* host order */

	/* size */
	uint8_t size_mode; /* enum hl_size_mode */
	uint16_t size_min, size_max; /* RANGE */
	uint32_t n_sizes; /* FIXED: 1, WEIGHTED: 1..HL_STREAM_MAX_SIZES */
	struct hl_size_entry sizes[HL_STREAM_MAX_SIZES];

	/* variations (applied independently, each per packet) */
	uint32_t n_vars;
	struct hl_field_var vars[HL_STREAM_MAX_VARS];

	/* rate */
	uint8_t rate_unit; /* enum hl_rate_unit */
	double rate; /* in rate_unit; PERCENT in (0, 100] */

	/* length: whichever is non-zero ends the stream first; both 0 = until stopped */
	uint64_t duration_ns;
	uint64_t packet_count;

	uint16_t burst; /* packets per TX burst, 1..HL_STREAM_MAX_BURST; 0 = 32 */

	/* trains (burst patterns): train_pkts packets at the stream's rate (back to back when
	 * unlimited), then train_gap_ns idle, repeated; train_pkts 0 = continuous. The rate is the
	 * rate inside a train: the average is train_pkts / (train_pkts / pps + gap). */
	uint32_t train_pkts;
	uint64_t train_gap_ns;

	/* measurement */
	uint8_t sig_mode; /* enum hl_sig_mode */
	uint32_t probe_ratio; /* PROBES: one signed packet every probe_ratio packets, >= 1 */
	uint64_t seed; /* seeds RANDOM variations and the size schedule */
};

/** Fill spec with a valid default: IPv4/UDP 64 B, 02:00:00:00:00:01 -> 02:00:00:00:00:02,
 * 198.18.0.1 -> 198.19.0.1 (RFC 2544 benchmark range), ports 1024 -> 1024, unlimited rate,
 * burst 32, probes every 1024 packets. */
void hl_stream_spec_default(struct hl_stream_spec *spec);

/** Check a spec. Returns 0, or -EINVAL with a message naming the bad field (e.g.
 * "vars[2].step: must be >= 1") written into err (may be NULL). */
int hl_stream_spec_validate(const struct hl_stream_spec *spec, char *err, size_t errlen);

/** Smallest frame (incl. FCS) that holds the headers of spec, plus the signature if it has one. */
uint16_t hl_stream_min_frame(const struct hl_stream_spec *spec);

/** Names for logs and parsers ("src_ip", "inc", "pps", ...); NULL for out-of-range values. */
const char *hl_field_name(unsigned field);
const char *hl_var_op_name(unsigned op);
const char *hl_rate_unit_name(unsigned unit);

#endif
