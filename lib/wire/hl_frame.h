/* hl_frame.h — the frame around every message body (design §5), CRC32C (ISA-L), and the
 * incremental length-prefixed framer for TCP streams.
 *
 * Frame layout (all integers big-endian / network order):
 *
 *   offset size field
 *   +------+----+-----------------------------------------------------------------------+
 *   |    0 |  2 | magic 0x484C ("HL")                                                   |
 *   |    2 |  1 | version (HL_FRAME_VERSION = 1)                                        |
 *   |    3 |  1 | flags: bit0 SEALED (reserved for AES-256-GCM, not implemented:        |
 *   |      |    |        rejected with HL_E_UNSUPPORTED); bits 1-7 must be 0            |
 *   |    4 |  2 | type: message type id (hl_msg_table.h)                               |
 *   |    6 |  1 | key id (reserved for sealing; must be 0)                              |
 *   |    7 |  1 | reserved, must be 0                                                   |
 *   |    8 |  4 | cluster: CRC32C of the cluster-id string (hl_frame_cluster_hash)      |
 *   |   12 |  4 | body length n                                                         |
 *   |   16 |  n | body: msgpack map {key -> value} (hl_msg.h)                          |
 *   | 16+n |  4 | CRC32C of bytes [0, 16+n)                                             |
 *   +------+----+-----------------------------------------------------------------------+
 *   overhead HL_FRAME_OVERHEAD = 20 bytes; frame size = 20 + n.
 *
 * Limits are on the whole frame: fast plane (one UDP payload) 1400 B by default, up to
 * HL_FRAME_JUMBO_MAX when configured; slow plane (TCP) 4 MiB by default. On TCP each frame is
 * preceded by its length (4 bytes, big-endian), checked against the limit before any byte of the
 * frame is buffered.
 *
 * Parse order (each failure a distinct structured error, see hl_wire_err.h): size >= header
 * (TRUNCATED), magic (BAD_MAGIC), version (BAD_VERSION), flags/reserved (UNSUPPORTED / BAD_VALUE),
 * frame size <= limit (OVERSIZE: actual, limit, type), complete (TRUNCATED) and nothing after it
 * (TRAILING), CRC (BAD_CRC), cluster (WRONG_CLUSTER), type known (UNKNOWN_MSG), type allowed on
 * this plane (WRONG_PLANE: slow-plane messages never travel on the fast plane).
 */
#ifndef HL_FRAME_H
#define HL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "hl_msg.h"
#include "hl_wire_err.h"

#define HL_FRAME_MAGIC 0x484Cu
#define HL_FRAME_VERSION 1
#define HL_FRAME_HDR 16
#define HL_FRAME_OVERHEAD 20
#define HL_FRAME_F_SEALED 0x01u /* reserved: AES-256-GCM sealing (not implemented) */
#define HL_FRAME_FAST_MAX_DEFAULT 1400u
#define HL_FRAME_JUMBO_MAX 9000u
#define HL_FRAME_SLOW_MAX_DEFAULT (4u << 20)
#define HL_FRAME_PREFIX 4 /* TCP length prefix */

/** Standard CRC32C (Castagnoli, iSCSI): "123456789" -> 0xE3069283. ISA-L's crc32_iscsi takes
 * and returns the register without the final inversion; this wraps both inversions. */
uint32_t hl_crc32c(const void *buf, size_t len);

/** Cluster-id hash carried in every frame: CRC32C of the id's bytes. */
uint32_t hl_frame_cluster_hash(const char *cluster_id);

struct hl_frame_cfg {
	uint32_t cluster; /* hl_frame_cluster_hash of our cluster id */
	uint8_t plane; /* enum hl_plane: what this socket carries */
	uint32_t max_frame; /* whole-frame limit for this plane */
};

/** Defaults for a plane: fast 1400 B, slow 4 MiB. */
void hl_frame_cfg_init(struct hl_frame_cfg *cfg, uint32_t cluster, uint8_t plane);

/** Configure the frame limit (jumbo fast frames, a smaller/larger slow limit). -EINVAL when
 * below HL_FRAME_OVERHEAD, above HL_FRAME_JUMBO_MAX on the fast plane, or above 1 GiB. */
int hl_frame_cfg_set_max(struct hl_frame_cfg *cfg, uint32_t max_frame);

struct hl_frame_hdr {
	uint8_t version;
	uint8_t flags;
	uint16_t type;
	uint32_t cluster;
	uint32_t body_len;
};

/** Encode msg (struct hl_msg_<name> of type) into a whole frame in buf[cap]; *len = frame size.
 * -HL_E_OVERSIZE when the frame would exceed cfg->max_frame or cap (err: actual, limit, type),
 * -HL_E_WRONG_PLANE for a slow-plane type on a fast-plane cfg, codec errors as hl_msg_encode. */
int hl_frame_encode(const struct hl_frame_cfg *cfg, unsigned type, const void *msg, void *buf,
        size_t cap, size_t *len, struct hl_wire_err *err);

/** Wrap an already encoded body (copied) into a frame. Same errors as hl_frame_encode. */
int hl_frame_wrap(const struct hl_frame_cfg *cfg, unsigned type, const void *body, size_t body_len,
        void *buf, size_t cap, size_t *len, struct hl_wire_err *err);

/** Validate a whole frame (see parse order above). On success *hdr is filled and *body points
 * into buf. buf[len] must be exactly one frame. */
int hl_frame_parse(const struct hl_frame_cfg *cfg, const void *buf, size_t len,
        struct hl_frame_hdr *hdr, const uint8_t **body, struct hl_wire_err *err);

/** Parse a frame and decode its body into msg (msg_cap bytes: at least hl_msg_size(type),
 * else -HL_E_OVERSIZE). *type = the frame's message type. BIN fields point into buf. */
int hl_frame_decode(const struct hl_frame_cfg *cfg, const void *buf, size_t len, unsigned *type,
        void *msg, size_t msg_cap, struct hl_wire_err *err);

/* ---- TCP stream framing ---- */

/** Write the 4-byte length prefix that precedes a frame of frame_len bytes on a stream. */
void hl_frame_prefix(uint8_t out[HL_FRAME_PREFIX], uint32_t frame_len);

/** Incremental de-framer: feed received bytes, get whole frames. Holds at most one frame
 * (max_frame bytes, in a caller-provided buffer). Errors are sticky: the connection must be
 * closed (after sending the `error` message built from the structured error). */
struct hl_frame_stream {
	uint8_t *buf;
	uint32_t cap;
	uint32_t max_frame;
	uint32_t need; /* frame length from the prefix; 0 while reading the prefix */
	uint32_t have; /* bytes of the current frame (or prefix) buffered */
	uint8_t pfx[HL_FRAME_PREFIX];
	uint8_t ready; /* a whole frame was returned; drop it on the next feed */
	int err; /* sticky negative error */
	struct hl_wire_err werr;
};

/** buf must hold max_frame bytes (-EINVAL otherwise, or when max_frame < HL_FRAME_OVERHEAD). */
int hl_frame_stream_init(struct hl_frame_stream *s, void *buf, size_t cap, uint32_t max_frame);

/** Consume up to len bytes of data; *used = bytes consumed. Returns 1 when a whole frame is ready
 * (*frame, *frame_len valid until the next call; call again with the rest of the data), 0 when
 * all of data was consumed and no frame is complete, negative on error:
 * -HL_E_OVERSIZE (prefix over max_frame; actual, limit), -HL_E_BAD_VALUE (prefix shorter than
 * a frame's overhead). The frame itself is not validated: pass it to hl_frame_parse/hl_frame_decode. */
int hl_frame_stream_feed(struct hl_frame_stream *s, const void *data, size_t len, size_t *used,
        const uint8_t **frame, uint32_t *frame_len, struct hl_wire_err *err);

#endif
