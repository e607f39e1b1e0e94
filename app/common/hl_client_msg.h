/* hl_client_msg.h — the client API (hlctl, the demo <-> a node's control core) on lib/wire: which
 * table message carries each request, reply and push, the app-side views both ends work with
 * (job state, progress, result, job list, members), and their conversion to and from the table's
 * messages. Frames are lib/wire's (hl_frame.h) behind the 4-byte TCP length prefix.
 *
 *   hlctl command   request (type)             reply (type)                 then
 *   submit          job_submit (64)            job_ack (65)                 status_push (77)...
 *   watch           register_callback (78)     register_callback_reply (79) status_push (77)...
 *   status          job_status_query (80)      job_status (81)
 *   results         job_result_query (96)      job_result (91)
 *   cancel          job_cancel (120)           job_cancel_reply (121)
 *   nodes           nodes_query (19)           nodes_reply (20)
 * Any request may be answered by `error` (1) instead; see docs/operations.md §9.
 */
#ifndef HL_CLIENT_MSG_H
#define HL_CLIENT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_frame.h"
#include "hl_hist.h"
#include "hl_msg.h"

#define HL_CP_DEFAULT_CLUSTER "hyperline" /* the node profile's default [node] cluster_id */
#define HL_CP_MAX_FRAME HL_FRAME_SLOW_MAX_DEFAULT /* whole frame, both directions: 4 MiB */
#define HL_CP_MAX_STREAMS HL_WIRE_MAX_STREAMS /* per result */
#define HL_CP_MAX_PORTS HL_WIRE_MAX_PORTS
#define HL_CP_MAX_JOBS HL_WIRE_MAX_JOBS /* per status list */
#define HL_CP_MAX_NODES HL_WIRE_MAX_NODES
#define HL_CP_NAME (HL_WIRE_NAME_MAX + 1)
#define HL_CP_TEXT (HL_WIRE_TEXT_MAX + 1)
#define HL_CP_STATE 16

enum hl_job_state {
	HL_JOB_QUEUED = 0,
	HL_JOB_RUNNING,
	HL_JOB_COMPLETED,
	HL_JOB_CANCELLED,
	HL_JOB_FAILED,
};
const char *hl_job_state_name(unsigned s);

struct hl_cp_progress {
	uint64_t job_id, seq;
	uint32_t state, wf_done, wf_total;
	uint32_t ppm; /* progress in parts per million of the job's work; 0: wf_done of wf_total */
	char workflow[HL_CP_NAME];
	uint64_t elapsed_ms;
	uint64_t tx_pkts, rx_pkts, lost;
	double tx_pps; /* over the last window */
	uint64_t p99_ns; /* cumulative for the running workflow */
};

struct hl_cp_stream_result {
	char workflow[HL_CP_NAME];
	char stream[HL_CP_NAME];
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
	double req_pps, ach_pps;
	uint64_t lost, reordered, duplicates;
	uint64_t p50_ns, p90_ns, p99_ns, p999_ns, max_ns, jitter_ns, duration_ns;
	uint64_t min_ns, mean_ns, samples; /* latency samples: packets with a timestamp */
	uint32_t sig; /* signature mode: 0 none (loss unmeasured), 1 probes, 2 every packet */
	uint32_t hist_len; /* the latency histogram, sparse (hl_hist.h); 0: none */
	uint8_t hist[HL_HIST_WIRE_MAX];
};
_Static_assert(HL_HIST_WIRE_MAX == HL_WIRE_HIST_MAX, "lib/wire's bound is lib/util's");

/* One DC's (worker 0) or one worker's part of stream `stream` (an index into the result's
 * streams): the per-DC and per-worker breakdown (hlctl --by dc|worker, JSON by_dc/by_worker). */
struct hl_cp_part {
	uint32_t stream;
	char dc[HL_WIRE_DC_MAX + 1];
	uint64_t worker;
	uint64_t tx_pkts, rx_pkts, lost, reordered, duplicates, samples;
	uint64_t min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns, jitter_ns;
	double ach_pps;
};
#define HL_CP_MAX_PARTS HL_WIRE_MAX_ROWS

struct hl_cp_port_counters {
	char name[HL_CP_NAME];
	uint64_t opackets, ipackets, oerrors, imissed;
};

struct hl_cp_result {
	uint64_t job_id;
	uint32_t state;
	char name[HL_CP_NAME];
	char error[HL_CP_TEXT];
	uint32_t wf_done, wf_total;
	/* The job's packet counts: its streams summed on one node; on a cluster, the slices
	 * that completed its workflows, summed over its DCs (job_result's totals). */
	uint64_t total_tx, total_rx, total_lost;
	uint32_t n_streams, n_ports, n_parts;
	struct hl_cp_stream_result streams[HL_CP_MAX_STREAMS];
	struct hl_cp_port_counters ports[HL_CP_MAX_PORTS];
	struct hl_cp_part parts[HL_CP_MAX_PARTS];
};

struct hl_cp_job_summary {
	uint64_t job_id;
	uint32_t state, wf_done, wf_total, result_fetched;
	char name[HL_CP_NAME];
};
struct hl_cp_status {
	uint32_t n;
	struct hl_cp_job_summary jobs[HL_CP_MAX_JOBS];
};

struct hl_cp_node {
	char name[HL_CP_NAME], roles[HL_CP_NAME], dc[HL_WIRE_DC_MAX + 1];
	char state[HL_CP_STATE], mgmt[HL_WIRE_ADDR_MAX + 1];
};
struct hl_cp_nodes {
	uint32_t n;
	struct hl_cp_node nodes[HL_CP_MAX_NODES];
};

/** Every message of the client API; a decode target big enough for any of them. */
union hl_cp_msg {
	struct hl_msg_error error;
	struct hl_msg_job_submit job_submit;
	struct hl_msg_job_ack job_ack;
	struct hl_msg_register_callback register_callback;
	struct hl_msg_register_callback_reply register_callback_reply;
	struct hl_msg_status_push status_push;
	struct hl_msg_job_status_query job_status_query;
	struct hl_msg_job_status job_status;
	struct hl_msg_job_result_query job_result_query;
	struct hl_msg_job_result job_result;
	struct hl_msg_job_cancel job_cancel;
	struct hl_msg_job_cancel_reply job_cancel_reply;
	struct hl_msg_nodes_query nodes_query;
	struct hl_msg_nodes_reply nodes_reply;
};

/** True for the six requests a node's client port serves (the other types are refused). */
bool hl_cp_is_request(unsigned type);

/** Encode msg (struct hl_msg_<name> of type) as it travels on a TCP stream: the 4-byte length
 * prefix, then the frame. *len = total bytes. Errors as hl_frame_encode. */
int hl_cp_frame(const struct hl_frame_cfg *cfg, unsigned type, const void *msg, void *buf,
        size_t cap, size_t *len, struct hl_wire_err *err);

/** Job state <-> enum hl_wire_status. From the wire, PENDING reads as queued and TIMEOUT as
 * failed; NONE or an unknown value is -HL_E_BAD_VALUE. */
uint64_t hl_cp_state_to_wire(uint32_t state);
int hl_cp_state_from_wire(uint64_t status, uint32_t *state);

/** An `error` reply: code (positive or negative errno / HL_E_*), the job it is about (0 = none)
 * and the text; text over `text`'s limit is cut there and sent whole in `detail`. */
void hl_cp_error_fill(struct hl_msg_error *m, int code, uint64_t job_id, const char *text);
/** The full human-readable text of an `error` (detail when present, else text). */
const char *hl_cp_error_text(const struct hl_msg_error *m);

/* Conversions. to_msg fills the table message from the app view (names longer than the wire's
 * bounds are cut at them); from_msg checks what the table cannot (states, list pairing) and
 * returns 0 or -HL_E_BAD_VALUE. dc is the sending node's datacenter. */
void
hl_cp_progress_to_msg(const struct hl_cp_progress *p, const char *dc, struct hl_msg_status_push *m);
/** Sums the per-DC parts (a single node sends one). */
int hl_cp_progress_from_msg(const struct hl_msg_status_push *m, struct hl_cp_progress *p);
/** The job's progress in ppm: p->ppm, or without it wf_done of wf_total (capped at 1e6). */
uint32_t hl_cp_progress_ppm(const struct hl_cp_progress *p);
/* A stream's result as a row between nodes (stream_rows) and back: stream_id and worker as
 * given; the row's histogram points into s (valid while s is). from_row leaves the names. */
void hl_cp_stream_to_row(const struct hl_cp_stream_result *s, uint32_t stream_id, uint64_t worker,
        struct hl_rec_stream_row *o);
void hl_cp_stream_from_row(const struct hl_rec_stream_row *r, struct hl_cp_stream_result *o);
/* A row as stream `stream`'s part, from DC `dc` (worker 0: the DC's merged row). */
void hl_cp_part_from_row(
        const struct hl_rec_stream_row *r, uint32_t stream, const char *dc, struct hl_cp_part *o);
void hl_cp_result_to_msg(const struct hl_cp_result *r, const char *dc, struct hl_msg_job_result *m);
int hl_cp_result_from_msg(const struct hl_msg_job_result *m, struct hl_cp_result *r);
/** job_id: the queried job, 0 for the list of every job. */
void
hl_cp_status_to_msg(const struct hl_cp_status *s, uint64_t job_id, struct hl_msg_job_status *m);
int hl_cp_status_from_msg(const struct hl_msg_job_status *m, struct hl_cp_status *s);
void hl_cp_nodes_to_msg(const struct hl_cp_nodes *n, struct hl_msg_nodes_reply *m);
int hl_cp_nodes_from_msg(const struct hl_msg_nodes_reply *m, struct hl_cp_nodes *n);

#endif
