/* peer.h — node-to-node links (design §3, §5): lib/wire frames over TCP on the management
 * address, between the control cores of the nodes of one cluster. peer.c is the libevent
 * transport on the control core; peer_rx.c holds its pure parts (frame reader, hello check,
 * queue accounting), unit-tested and fuzzed without sockets.
 *
 * Links. Each node dials every other member it learns from SWIM (their `mgmt` address) and
 * sends application frames on that OUTBOUND link only; frames from a peer arrive on the link the
 * peer dialed (INBOUND here). So one pair of nodes holds two TCP connections, one per direction,
 * and no tie-break is needed when both dial at once. Transport replies (hello answer, heartbeat
 * ack, error) go back on the link the request came on.
 *
 *   dialer                                   acceptor (sniffed on the client API port)
 *   ---- node_register (hello: id, roles, cluster, env, proto_version, ctrl address) ---->
 *   <--- node_register (its own hello)  or  error (structured reason) + close --------------
 *   ---- app frames (hl_peer_send), node_register every heartbeat_ms -------------------->
 *   <--- node_register_ack per heartbeat (round-trip time) ---------------------------------
 *
 * The client API speaks the same prefixed lib/wire frames on the same management port: a
 * connection whose first frame is a node_register is a node link, anything else a client
 * (hl_peer_sniff; node_register is not a client request).
 *
 * Delivery: ordered per link, at most once. A frame queued when its link drops may be lost
 * (the coordination protocols retry on their own timers); a frame is never silently dropped at
 * enqueue time: a full queue is -ENOBUFS, counted. */
#ifndef HL_PEER_H
#define HL_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_frame.h"
#include "hl_msg.h"

#define HL_PEER_PROTO 1 /* node_register.proto_version this transport speaks */
#define HL_PEER_TABLE_MAX 16 /* peer entries (== HL_NODE_MAX_PEERS) */
#define HL_PEER_BACKOFF_MIN_MS 100
#define HL_PEER_BACKOFF_MAX_MS 5000

/* ---------------------------- the transport (peer.c) ---------------------------- */

enum hl_peer_state {
	HL_PEER_IDLE = 0, /* no outbound link and none wanted yet (dialed on the next send) */
	HL_PEER_CONNECTING, /* TCP connect in progress */
	HL_PEER_HELLO, /* connected, our hello sent, waiting for the peer's */
	HL_PEER_UP, /* hello exchanged: frames flow */
	HL_PEER_BACKOFF, /* link failed: next dial after the backoff delay */
};
const char *hl_peer_state_name(unsigned st);

typedef void (*hl_peer_handler_fn)(
        uint64_t from, unsigned type, const void *body, size_t len, void *arg);

/** Frame body[len] (an encoded msgpack body of wire_type, e.g. from hl_msg_encode) and queue it
 * on the outbound link to node. Dials the node when no link exists (lazily); frames queued
 * while the link is connecting or backing off are sent once it is up.
 * 0, -ENOENT (node id not known: not yet seen in a hello), -ENOBUFS (the node's queue is at
 * its byte or frame bound: counted), -EMSGSIZE (frame over the slow-plane limit), -EINVAL
 * (type not in the message table), -ENOMEM. Control core only. */
int hl_peer_send(uint64_t node, unsigned wire_type, const void *body, size_t len);

/** Deliver every received application frame (all types but the transport's node_register /
 * node_register_ack) to fn, on the control core. body is valid during the call only. `error`
 * frames from an up peer are delivered too. One handler; NULL drops frames (counted). */
void hl_peer_set_handler(hl_peer_handler_fn fn, void *arg);

struct hl_peer_info {
	uint64_t id; /* 0 while the peer's hello has not arrived */
	char addr[64]; /* management address dialed ("" when only known from an inbound link) */
	char name[64];
	uint32_t roles; /* HL_ROLE_* bits from its hello */
	uint32_t cores; /* traffic lanes from its hello (node_register.cores) */
	uint8_t state; /* enum hl_peer_state (outbound link) */
	bool inbound; /* an inbound link from it is open and past its hello */
	uint64_t frames_in, frames_out, bytes_in, bytes_out, errors, enobufs, connects;
	uint64_t rtt_us, rtt_min_us; /* last heartbeat round trip; 0 = none yet */
	uint64_t queued_bytes, queued_frames;
	uint64_t backoff_ms;
};

/** Peers known now (copied from a snapshot the control core refreshes every 100 ms; callable
 * from any thread). Returns how many were written (at most cap). */
uint32_t hl_peer_list(struct hl_peer_info *out, uint32_t cap);

/** Counters as name/value pairs (Prometheus-safe names without the hyperline_peer_ prefix);
 * returns how many were written. Control core only. */
struct hl_node_counter;
uint32_t hl_peer_counters(struct hl_node_counter *out, uint32_t cap);
#define HL_PEER_COUNTERS 40

struct event_base;
struct bufferevent;
/** Start on the control core's base. self_mgmt: the bound client API address (what SWIM
 * advertises), used in our hello and to skip ourselves in the member list. */
int hl_peer_start(struct event_base *base, const char *self_mgmt, char *err, size_t errlen);
void hl_peer_stop(void);
/** Take over an accepted connection whose first bytes are a lib/wire TCP frame (the client API
 * accept path sniffed it). Owns bev from now on (frees it on every path). remote: "ip:port". */
void hl_peer_adopt(struct bufferevent *bev, const char *remote);
/** Classify a management connection from its first bytes: 1 = a node link (its first frame
 * is a node_register), 0 = the client API, -EAGAIN = fewer than HL_PEER_SNIFF_LEN bytes and
 * not yet decidable. Pure (peer_rx.c). */
int hl_peer_sniff(const uint8_t *p, size_t len);
#define HL_PEER_SNIFF_LEN (HL_FRAME_PREFIX + 6) /* prefix, magic, version, flags, type */

/* ------------------------ pure parts (peer_rx.c, no I/O) ------------------------ */

/* Reader of one link: de-frames (hl_frame_stream), validates each frame (hl_frame_parse: magic,
 * version, flags, size, CRC, cluster, known type on the slow plane). Errors are sticky. */
struct hl_peer_rx {
	struct hl_frame_stream fs;
	struct hl_frame_cfg cfg;
	uint64_t frames, bytes;
};

/** buf must hold max_frame bytes. -EINVAL on a bad limit. */
int hl_peer_rx_init(
        struct hl_peer_rx *rx, void *buf, size_t cap, uint32_t max_frame, uint32_t cluster_hash);
/** Change the frame limit (clamped to [HL_FRAME_OVERHEAD, the buffer]); applies from the next
 * frame's length prefix. Links start at the size of a hello and open up after it. */
void hl_peer_rx_set_limit(struct hl_peer_rx *rx, uint32_t max_frame);
/** Consume up to len bytes; *used = bytes consumed. 1: a valid frame (*type, *body, *body_len
 * valid until the next call; call again with the rest), 0: need more bytes, negative: -HL_E_*
 * with *err filled (actual, limit, msg_type), sticky. */
int hl_peer_rx_feed(struct hl_peer_rx *rx, const void *data, size_t len, size_t *used,
        unsigned *type, const uint8_t **body, size_t *body_len, struct hl_wire_err *err);
/** The stream ended: -HL_E_TRUNCATED (err: bytes buffered, frame length) when it ended inside a
 * frame, else 0. */
int hl_peer_rx_eof(const struct hl_peer_rx *rx, struct hl_wire_err *err);

/** Who we are, for hellos. */
struct hl_peer_self {
	uint64_t id;
	uint32_t roles;
	uint32_t cores; /* traffic lanes (workers) */
	const char *name, *cluster, *env, *ctrl;
};
/** Fill our hello. */
void hl_peer_hello_fill(const struct hl_peer_self *self, struct hl_msg_node_register *m);
/** Check a peer's decoded hello against us: 0, or -HL_E_WRONG_CLUSTER (cluster or environment
 * differs), -HL_E_BAD_VERSION (proto_version), -HL_E_BAD_VALUE (node id 0 or ours); err and
 * reason (for the error frame's text and logs) filled. */
int hl_peer_hello_check(const struct hl_peer_self *self, const struct hl_msg_node_register *m,
        struct hl_wire_err *err, char *reason, size_t rlen);

/** Build a prefixed TCP frame (4-byte length + frame) around body into buf[cap]; *len = bytes.
 * Errors as hl_frame_wrap (-HL_E_OVERSIZE with err). */
int hl_peer_frame(const struct hl_frame_cfg *cfg, unsigned type, const void *body, size_t body_len,
        void *buf, size_t cap, size_t *len, struct hl_wire_err *err);

/* Queue accounting of one peer: the sizes of the frames queued (not yet written to the socket),
 * FIFO, bounded in frames and bytes. Written bytes are reported as they leave (partial writes
 * pop a frame only once all its bytes left). */
struct hl_peer_q {
	uint32_t *sizes; /* ring of max_frames entries (caller-owned) */
	uint32_t max_frames, head, n;
	uint32_t head_sent; /* bytes of the head frame already written */
	uint64_t bytes, max_bytes;
};
void hl_peer_q_init(struct hl_peer_q *q, uint32_t *ring, uint32_t max_frames, uint64_t max_bytes);
/** Admit a frame of size bytes: 0, or -ENOBUFS when it would pass either bound. force admits a
 * transport frame (heartbeat) over the byte bound, never over the frame bound. */
int hl_peer_q_admit(struct hl_peer_q *q, uint32_t size, bool force);
/** n bytes left the queue (written, or discarded with a dropped link): pops whole frames;
 * returns how many frames were completed. Bytes beyond what is queued (not frames of this
 * queue: the hello) are ignored and reported in *excess when not NULL. */
uint32_t hl_peer_q_drain(struct hl_peer_q *q, uint64_t n, uint64_t *excess);

#endif
