/* hl_cproto.h — the client API protocol between hlctl (or any client) and a node's control core:
 * frames over TCP carrying msgpack maps with small integer keys. Interim home in app/ until the
 * wire library's message table carries the client messages; the frame layout follows design §5.
 *
 * Frame (all integers big-endian):
 *   +--------+--------+-------+------+--------+----------+--------------+----------+--------+
 *   | 0..1   | 2      | 3     | 4..5 | 6..7   | 8..11    | 12..15       | 16..     | +len   |
 *   | magic  | version| type  | flags| rsv(0) | cluster  | body length  | body     | CRC32C |
 *   | "HL"   | 1      |       |      |        | id hash  | <= max body  | msgpack  | hdr+bdy|
 *   +--------+--------+-------+------+--------+----------+--------------+----------+--------+
 * A frame whose body length exceeds the receiver's limit is rejected with a structured error
 * (actual size, limit, type) sent back on the connection before it is closed.
 */
#ifndef HL_CPROTO_H
#define HL_CPROTO_H

#include <stddef.h>
#include <stdint.h>

#define HL_CPROTO_MAGIC0 'H'
#define HL_CPROTO_MAGIC1 'L'
#define HL_CPROTO_VERSION 1
#define HL_CPROTO_HDR 16
#define HL_CPROTO_TRAILER 4
#define HL_CPROTO_MAX_BODY (4u << 20) /* slow-path default limit: 4 MiB */
#define HL_CPROTO_MAX_STREAMS 256 /* per result */
#define HL_CPROTO_MAX_JOBS 256 /* per status list */
#define HL_CPROTO_MAX_NODES 64
#define HL_CPROTO_NAME 64
#define HL_CPROTO_TEXT 256

/* X(name, id, direction) — every client message. */
#define HL_CPROTO_MSGS(X)                 \
	X(SUBMIT, 1, "client->node")      \
	X(SUBMIT_ACK, 2, "node->client")  \
	X(ERROR, 3, "node->client")       \
	X(CANCEL, 4, "client->node")      \
	X(STATUS_REQ, 5, "client->node")  \
	X(STATUS, 6, "node->client")      \
	X(WATCH, 7, "client->node")       \
	X(PROGRESS, 8, "node->client")    \
	X(RESULTS_REQ, 9, "client->node") \
	X(RESULT, 10, "node->client")     \
	X(NODES_REQ, 11, "client->node")  \
	X(NODES, 12, "node->client")      \
	X(OK, 13, "node->client")

enum hl_cproto_type {
#define HL_CP_ENUM(n, id, d) HL_CP_##n = id,
	HL_CPROTO_MSGS(HL_CP_ENUM)
#undef HL_CP_ENUM
};

/** Name of a message type for logs ("SUBMIT"), "?" when unknown. */
const char *hl_cproto_type_name(unsigned type);

struct hl_cproto_hdr {
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint32_t cluster;
	uint32_t body_len;
};

/** Encode a frame around body into out (cap bytes). Returns total length or -EMSGSIZE. */
int hl_cproto_frame(void *out, size_t cap, unsigned type, uint32_t cluster, const void *body,
        uint32_t body_len);

/** Parse one frame at the head of buf. Returns the frame's total length (> 0), 0 when more bytes
 * are needed, or -HL_E_BAD_MAGIC / -HL_E_BAD_VERSION / -HL_E_OVERSIZE (body over max_body; hdr
 * is filled so the caller can report size and type) / -HL_E_BAD_CRC. */
int hl_cproto_parse(const void *buf, size_t len, uint32_t max_body, struct hl_cproto_hdr *hdr,
        const uint8_t **body);

/* ---- message bodies ---- */

enum hl_job_state {
	HL_JOB_QUEUED = 0,
	HL_JOB_RUNNING,
	HL_JOB_COMPLETED,
	HL_JOB_CANCELLED,
	HL_JOB_FAILED,
};
const char *hl_job_state_name(unsigned s);

struct hl_cp_error {
	uint64_t code; /* positive errno or HL_E_* value */
	uint64_t job_id; /* 0 when not about a job */
	uint64_t actual, limit; /* for size errors, else 0 */
	char msg[HL_CPROTO_TEXT];
};

struct hl_cp_progress {
	uint64_t job_id, seq;
	uint32_t state, wf_done, wf_total;
	char workflow[HL_CPROTO_NAME];
	uint64_t elapsed_ms;
	uint64_t tx_pkts, rx_pkts, lost;
	double tx_pps; /* over the last window */
	uint64_t p99_ns; /* cumulative for the running workflow */
};

struct hl_cp_stream_result {
	char workflow[HL_CPROTO_NAME];
	char stream[HL_CPROTO_NAME];
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
	double req_pps, ach_pps;
	uint64_t lost, reordered, duplicates;
	uint64_t p50_ns, p90_ns, p99_ns, p999_ns, max_ns, jitter_ns, duration_ns;
	uint32_t sig; /* signature mode: 0 none (loss unmeasured), 1 probes, 2 every packet */
};

struct hl_cp_port_counters {
	char name[HL_CPROTO_NAME];
	uint64_t opackets, ipackets, oerrors, imissed;
};

#define HL_CPROTO_MAX_PORTS 16
struct hl_cp_result {
	uint64_t job_id;
	uint32_t state;
	char name[HL_CPROTO_NAME];
	char error[HL_CPROTO_TEXT];
	uint32_t wf_done, wf_total;
	uint32_t n_streams, n_ports;
	struct hl_cp_stream_result streams[HL_CPROTO_MAX_STREAMS];
	struct hl_cp_port_counters ports[HL_CPROTO_MAX_PORTS];
};

struct hl_cp_job_summary {
	uint64_t job_id;
	uint32_t state, wf_done, wf_total, result_fetched;
	char name[HL_CPROTO_NAME];
};
struct hl_cp_status {
	uint32_t n;
	struct hl_cp_job_summary jobs[HL_CPROTO_MAX_JOBS];
};

struct hl_cp_node {
	char name[HL_CPROTO_NAME], roles[HL_CPROTO_NAME], dc[HL_CPROTO_NAME];
	char state[16], mgmt[HL_CPROTO_NAME];
};
struct hl_cp_nodes {
	uint32_t n;
	struct hl_cp_node nodes[HL_CPROTO_MAX_NODES];
};

/* Encoders write a msgpack body into buf and return its length, or -HL_E_OVERSIZE. Decoders
 * return 0 or a negative error (-HL_E_TRUNCATED, -HL_E_BAD_TYPE, -HL_E_OVERSIZE,
 * -HL_E_MISSING_FIELD, -HL_E_TRAILING...); unknown keys are skipped. */
int hl_cp_enc_submit(void *buf, size_t cap, const char *ini, size_t ini_len);
/** ini points into body (not NUL-terminated). */
int hl_cp_dec_submit(const uint8_t *b, size_t n, const char **ini, uint32_t *ini_len);
int hl_cp_enc_job_id(void *buf, size_t cap, uint64_t job_id); /* ACK, CANCEL, WATCH, ... */
int hl_cp_dec_job_id(const uint8_t *b, size_t n, uint64_t *job_id);
int hl_cp_enc_error(void *buf, size_t cap, const struct hl_cp_error *e);
int hl_cp_dec_error(const uint8_t *b, size_t n, struct hl_cp_error *e);
int hl_cp_enc_progress(void *buf, size_t cap, const struct hl_cp_progress *p);
int hl_cp_dec_progress(const uint8_t *b, size_t n, struct hl_cp_progress *p);
int hl_cp_enc_result(void *buf, size_t cap, const struct hl_cp_result *r);
int hl_cp_dec_result(const uint8_t *b, size_t n, struct hl_cp_result *r);
int hl_cp_enc_status(void *buf, size_t cap, const struct hl_cp_status *s);
int hl_cp_dec_status(const uint8_t *b, size_t n, struct hl_cp_status *s);
int hl_cp_enc_nodes(void *buf, size_t cap, const struct hl_cp_nodes *s);
int hl_cp_dec_nodes(const uint8_t *b, size_t n, struct hl_cp_nodes *s);
int hl_cp_enc_empty(void *buf, size_t cap);

#endif
