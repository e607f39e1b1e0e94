/* hl_msg_table.h — THE message table: every message hyperline sends, as one X-macro list, plus
 * the nested record tables, protocol bounds and value enums. hl_msg.h generates from it the
 * structs, the type enum, names, descriptors and the encoder/decoder wrappers.
 *
 * Generated names (stable; code against these):
 *   enum hl_msg_type        HL_MSG_<name>             e.g. HL_MSG_job_submit == 64
 *   struct hl_msg_<name>    one member per field      e.g. struct hl_msg_job_submit
 *   struct hl_rec_<rec>     nested record             e.g. struct hl_rec_stream_result
 *   hl_msg_<name>_encode(const struct hl_msg_<name> *, buf, cap, &len, &err)
 *   hl_msg_<name>_decode(body, len, struct hl_msg_<name> *, &err)
 *   hl_msg_name(type), hl_msg_plane(type), hl_msg_dir(type)   for logs
 *
 * Field kinds and the C member each one becomes:
 *   U64   uint64_t name;                     max > 0: value must be <= max (enums, bounded ids)
 *   I64   int64_t name;
 *   F64   double name;
 *   BOOL  bool name;
 *   STR   char name[max + 1];                NUL-terminated copy, at most max bytes, no NUL inside
 *   BIN   struct hl_wire_view name;          {p, len}: ZERO-COPY view into the decoded input,
 *                                            valid only while that buffer lives; len <= max
 *   U64L  struct { uint32_t n; uint64_t v[max]; } name;
 *   RECL  struct { uint32_t n; struct hl_rec_<sub> v[max]; } name;
 *   REC   struct hl_rec_<sub> name;          (optional and absent: all zero)
 * So decoded messages are self-contained fixed-size structs (copyable through rings) except for
 * BIN fields, which point into the input frame: copy them out if you keep them.
 *
 * Table rows:  X(type_id, name, plane, direction, purpose)  with fields HL_MSG_F_<name>(F, T)
 * Field rows:  F(T, key, name, kind, max, sub, REQ|OPT)     sub = record name for REC/RECL, else _
 * Rules (checked at compile time or by tests/unit/wire): keys 1..127 and unique per message;
 * type ids unique and never reused; a FAST message's worst-case encoding fits one fast frame.
 * Versioning: add fields with new keys as OPT; never change a key's kind; never reuse a key or id.
 */
#ifndef HL_MSG_TABLE_H
#define HL_MSG_TABLE_H

/* ---- protocol bounds (the decoder rejects anything larger before copying it) ---- */
#define HL_WIRE_NAME_MAX 63 /* node, job, workflow, reporter names */
#define HL_WIRE_DC_MAX 31 /* datacenter name */
#define HL_WIRE_ADDR_MAX 63 /* "host:port" */
#define HL_WIRE_TEXT_MAX 127 /* human-readable reason / error text */
#define HL_WIRE_IDEM_MAX 64 /* idempotency key */
#define HL_WIRE_IDEM_BIN_MAX 96 /* idempotency key as raw bytes (coord: HL_IDEM_KEY_MAX) */
#define HL_WIRE_GATE_DCS 3 /* DCs in one gate job record (coord: HL_GATE_JOB_DCS) */
#define HL_WIRE_GATE_REPORTS 8 /* reporter outcomes in one gate job record (HL_GATE_JOB_REPORTS) */
#define HL_WIRE_MGR_REC_MAX 1280 /* a DC manager job record, encoded (coord: HL_JREC_BODY_MAX) */
#define HL_WIRE_CLUSTER_MAX 63 /* cluster id / environment string */
#define HL_WIRE_MAX_NODES 64 /* node lists in one message */
#define HL_WIRE_MAX_DCS 16 /* datacenters per job */
#define HL_WIRE_MAX_WORKFLOWS 64 /* workflows per job */
#define HL_WIRE_MAX_DEPS 16 /* dependencies per workflow */
#define HL_WIRE_MAX_ASSIGN 256 /* workflow slices (workflow x worker) per job record */
#define HL_WIRE_MAX_STREAMS 256 /* stream results per slow-plane message */
#define HL_WIRE_FAST_STREAMS 6 /* stream results per fast-plane progress packet */
#define HL_WIRE_MAX_ROWS 1024 /* result rows in one stream_rows (streams x slices) */
#define HL_WIRE_HIST_MAX 2048 /* a sparse latency histogram (lib/util HL_HIST_WIRE_MAX) */
#define HL_WIRE_MAX_LEASES 64 /* leases per batched grant/renew/release/ack */
#define HL_WIRE_SPEC_MAX (1u << 20) /* job profile (spec) bytes */
#define HL_WIRE_WF_SPEC_MAX 960 /* compiled workflow spec in a (fast) dispatch */
#define HL_WIRE_SWIM_MAX 1300 /* SWIM packet body (opaque to lib/wire) */
#define HL_WIRE_PPM 1000000 /* progress in parts per million */
#define HL_WIRE_U16 65535
/* client API (hlctl <-> node, docs/operations.md) */
#define HL_WIRE_DETAIL_MAX 511 /* error.detail: the full text when longer than `text` */
#define HL_WIRE_MAX_JOBS 256 /* job summaries in one job_status */
#define HL_WIRE_MAX_PORTS 16 /* test-port counters in one job_result */
#define HL_WIRE_U32 4294967295u

/* ---- value enums carried in U64 fields (bounded by the field's max) ---- */
enum hl_wire_status { /* job / workflow / DC status; fields bounded by HL_WS_MAX */
	HL_WS_NONE = 0,
	HL_WS_PENDING = 1,
	HL_WS_QUEUED = 2,
	HL_WS_RUNNING = 3,
	HL_WS_COMPLETED = 4,
	HL_WS_FAILED = 5,
	HL_WS_CANCELLED = 6,
	HL_WS_TIMEOUT = 7,
};
#define HL_WS_MAX 7
enum hl_wire_role { /* bit mask */
	HL_ROLE_GATE = 1,
	HL_ROLE_MANAGER = 2,
	HL_ROLE_WORKER = 4,
	HL_ROLE_CLIENT = 8,
};
#define HL_ROLE_MAX 15
enum hl_wire_tier {
	HL_TIER_NONE = 0,
	HL_TIER_GATE = 1,
	HL_TIER_MANAGER = 2, /* one DC's managers */
	HL_TIER_WORKER = 3,
};
#define HL_TIER_MAX 3
enum hl_wire_backpressure {
	HL_BP_NONE = 0,
	HL_BP_THROTTLE = 1,
	HL_BP_BATCH = 2,
	HL_BP_REJECT = 3,
};
#define HL_BP_MAX 3
enum hl_wire_health { /* node / DC health state */
	HL_HEALTH_UNKNOWN = 0,
	HL_HEALTH_HEALTHY = 1,
	HL_HEALTH_DEGRADED = 2,
	HL_HEALTH_BUSY = 3,
	HL_HEALTH_UNHEALTHY = 4,
	HL_HEALTH_DEAD = 5,
};
#define HL_HEALTH_MAX 7
enum hl_wire_lease_op {
	HL_LEASE_GRANT = 1,
	HL_LEASE_RENEW = 2,
	HL_LEASE_RELEASE = 3,
	HL_LEASE_TRANSFER = 4,
};
#define HL_LEASE_OP_MAX 4
enum hl_wire_rate_op { /* operations with their own rate limit (scenarios.md §1.1 AD-24) */
	HL_RATE_SUBMIT = 1,
	HL_RATE_STATUS = 2,
	HL_RATE_CANCEL = 3,
	HL_RATE_PROGRESS = 4,
	HL_RATE_STATS = 5,
	HL_RATE_HEARTBEAT = 6,
	HL_RATE_RECONNECT = 7,
};
#define HL_RATE_OP_MAX 15
enum hl_wire_push_event { /* why a status_push was sent */
	HL_PUSH_STATUS = 0,
	HL_PUSH_STARTED = 1,
	HL_PUSH_DC_DONE = 2,
	HL_PUSH_FINAL = 3,
};
#define HL_PUSH_MAX 15
enum hl_wire_timeout_reason {
	HL_TO_DEADLINE = 1,
	HL_TO_STUCK = 2,
	HL_TO_DC_MISSING = 3,
};
#define HL_TO_MAX 15
#define HL_LHM_MAX 15 /* Lifeguard local health multiplier */
enum hl_wire_member { /* SWIM membership state of a node (node_status.member) */
	HL_MEMBER_UNKNOWN = 0,
	HL_MEMBER_ALIVE = 1,
	HL_MEMBER_SUSPECT = 2,
	HL_MEMBER_DEAD = 3,
	HL_MEMBER_LEFT = 4,
};
#define HL_MEMBER_MAX 7
#define HL_OVERLOAD_MAX 3

/* ======================= nested records (dependency order) ======================= */
/* R(name, purpose) */
#define HL_REC_TABLE(R)                                                           \
	R(node_addr, "identity and addresses of a node")                          \
	R(node_status, "a node as seen by the sender (membership/health)")        \
	R(stream_result, "one stream's counters and latency figures (ns)")        \
	R(stream_hist, "a stream's latency histogram in a result")                \
	R(stream_row, "a stream's result row between nodes, with its histogram")  \
	R(stream_part, "one DC's or worker's part of a stream in a result")       \
	R(dc_ref, "a datacenter by name")                                         \
	R(dc_health, "one DC's health and capacity summary")                      \
	R(dc_status, "one DC's part of a job")                                    \
	R(workflow_def, "a workflow of a job: id, dependencies, cores")           \
	R(workflow_assign, "a workflow slice placed on a worker (job record)")    \
	R(workflow_status, "state of one workflow (slice)")                       \
	R(lease_rec, "one job lease in a batch")                                  \
	R(stream_info, "a stream's identity and settings in a result")            \
	R(port_counters, "a test port's counters over a job")                     \
	R(job_summary, "one job in a status list")                                \
	R(gate_report, "one reporter outcome (coord struct hl_gate_report)")      \
	R(dc_counts, "one DC's packet counts for a job (coord struct hl_counts)") \
	R(gate_rec, "a gate tier job record (coord struct hl_gate_rec), whole")

#define HL_REC_F_node_addr(F, T)                                                     \
	F(T, 1, node_id, U64, 0, _, REQ)                                             \
	F(T, 2, name, STR, HL_WIRE_NAME_MAX, _, OPT)                                 \
	F(T, 3, role, U64, HL_ROLE_MAX, _, OPT)                                      \
	F(T, 4, dc, STR, HL_WIRE_DC_MAX, _, OPT)                                     \
	F(T, 5, ctrl, STR, HL_WIRE_ADDR_MAX, _, OPT) /* control (TCP) "host:port" */ \
	F(T, 6, fabric_ip4, U64, HL_WIRE_U32, _, OPT)                                \
	F(T, 7, fabric_port, U64, HL_WIRE_U16, _, OPT)                               \
	F(T, 8, fabric_mac, U64, 0xffffffffffffull, _, OPT)

#define HL_REC_F_node_status(F, T)                     \
	F(T, 1, node, REC, 0, node_addr, REQ)          \
	F(T, 2, health, U64, HL_HEALTH_MAX, _, OPT)    \
	F(T, 3, incarnation, U64, 0, _, OPT)           \
	F(T, 4, lhm, U64, HL_LHM_MAX, _, OPT)          \
	F(T, 5, cores_total, U64, HL_WIRE_U32, _, OPT) \
	F(T, 6, cores_free, U64, HL_WIRE_U32, _, OPT)  \
	F(T, 7, jobs, U64, HL_WIRE_U32, _, OPT)        \
	F(T, 8, term, U64, 0, _, OPT)                  \
	F(T, 9, is_leader, BOOL, 0, _, OPT)            \
	F(T, 10, member, U64, HL_MEMBER_MAX, _, OPT) /* enum hl_wire_member */

#define HL_REC_F_stream_result(F, T)                 \
	F(T, 1, stream_id, U64, HL_WIRE_U32, _, REQ) \
	F(T, 2, tx_pkts, U64, 0, _, OPT)             \
	F(T, 3, tx_bytes, U64, 0, _, OPT)            \
	F(T, 4, rx_pkts, U64, 0, _, OPT)             \
	F(T, 5, rx_bytes, U64, 0, _, OPT)            \
	F(T, 6, lost, U64, 0, _, OPT)                \
	F(T, 7, reordered, U64, 0, _, OPT)           \
	F(T, 8, duplicates, U64, 0, _, OPT)          \
	F(T, 9, lat_samples, U64, 0, _, OPT)         \
	F(T, 10, lat_min_ns, U64, 0, _, OPT)         \
	F(T, 11, lat_p50_ns, U64, 0, _, OPT)         \
	F(T, 12, lat_p90_ns, U64, 0, _, OPT)         \
	F(T, 13, lat_p99_ns, U64, 0, _, OPT)         \
	F(T, 14, lat_p999_ns, U64, 0, _, OPT)        \
	F(T, 15, lat_max_ns, U64, 0, _, OPT)         \
	F(T, 16, jitter_ns, U64, 0, _, OPT)          \
	F(T, 17, tx_rate_pps, F64, 0, _, OPT) /* achieved */

/* a stream's latency histogram in a client's result (job_result hists) */
#define HL_REC_F_stream_hist(F, T)                                                 \
	F(T, 1, stream_id, U64, HL_WIRE_U32, _, REQ) /* stream_result.stream_id */ \
	F(T, 2, hist, BIN, HL_WIRE_HIST_MAX, _, OPT) /* sparse (hl_hist.h) */      \
	F(T, 3, lat_mean_ns, U64, 0, _, OPT)

/* a stream's part in a client's result (job_result parts): worker 0 is the DC's row (its
 * slices merged), else that worker's slice */
#define HL_REC_F_stream_part(F, T)                                                 \
	F(T, 1, stream_id, U64, HL_WIRE_U32, _, REQ) /* stream_result.stream_id */ \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, OPT)                                   \
	F(T, 3, worker, U64, 0, _, OPT)                                            \
	F(T, 4, base, REC, 0, stream_result, REQ)

/* one row of a job part's results between nodes (stream_rows): stream_id is the stream's index
 * in the job profile */
#define HL_REC_F_stream_row(F, T)                                             \
	F(T, 1, base, REC, 0, stream_result, REQ)                             \
	F(T, 2, hist, BIN, HL_WIRE_HIST_MAX, _, OPT) /* sparse (hl_hist.h) */ \
	F(T, 3, lat_mean_ns, U64, 0, _, OPT)                                  \
	F(T, 4, worker, U64, 0, _, OPT) /* a slice's worker; 0: merged */     \
	F(T, 5, req_pps, F64, 0, _, OPT)                                      \
	F(T, 6, duration_ns, U64, 0, _, OPT) /* first to last packet sent */  \
	F(T, 7, sig, U64, 15, _, OPT) /* signatures: 0 none, 1 probes, 2 all */

#define HL_REC_F_dc_ref(F, T) F(T, 1, name, STR, HL_WIRE_DC_MAX, _, REQ)

#define HL_REC_F_dc_health(F, T)                                          \
	F(T, 1, dc, STR, HL_WIRE_DC_MAX, _, REQ)                          \
	F(T, 2, health, U64, HL_HEALTH_MAX, _, OPT)                       \
	F(T, 3, leader, U64, 0, _, OPT) /* DC leader node id, 0 = none */ \
	F(T, 4, managers, U64, HL_WIRE_U32, _, OPT)                       \
	F(T, 5, workers, U64, HL_WIRE_U32, _, OPT)                        \
	F(T, 6, cores_total, U64, HL_WIRE_U32, _, OPT)                    \
	F(T, 7, cores_free, U64, HL_WIRE_U32, _, OPT)                     \
	F(T, 8, jobs, U64, HL_WIRE_U32, _, OPT)                           \
	F(T, 9, queue, U64, HL_WIRE_U32, _, OPT)                          \
	F(T, 10, lhm, U64, HL_LHM_MAX, _, OPT)                            \
	F(T, 11, overload, U64, HL_OVERLOAD_MAX, _, OPT)

#define HL_REC_F_dc_status(F, T)                                                       \
	F(T, 1, dc, STR, HL_WIRE_DC_MAX, _, REQ)                                       \
	F(T, 2, status, U64, HL_WS_MAX, _, REQ)                                        \
	F(T, 3, leader, U64, 0, _, OPT)                                                \
	F(T, 4, workflows_total, U64, HL_WIRE_U32, _, OPT)                             \
	F(T, 5, workflows_done, U64, HL_WIRE_U32, _, OPT)                              \
	F(T, 6, progress_ppm, U64, HL_WIRE_PPM, _, OPT)                                \
	F(T, 7, code, U64, HL_WIRE_U16, _, OPT) /* hl_err code (positive), 0 = none */ \
	F(T, 8, text, STR, HL_WIRE_TEXT_MAX, _, OPT)                                   \
	F(T, 9, totals, REC, 0, stream_result, OPT)

#define HL_REC_F_workflow_def(F, T)                                                         \
	F(T, 1, workflow_id, U64, HL_WIRE_U32, _, REQ)                                      \
	F(T, 2, name, STR, HL_WIRE_NAME_MAX, _, OPT)                                        \
	F(T, 3, deps, U64L, HL_WIRE_MAX_DEPS, _, OPT) /* workflow ids this one waits for */ \
	F(T, 4, cores, U64, HL_WIRE_U32, _, OPT)                                            \
	F(T, 5, duration_ms, U64, 0, _, OPT)                                                \
	F(T, 6, priority, U64, 255, _, OPT)

#define HL_REC_F_workflow_assign(F, T)                       \
	F(T, 1, workflow_id, U64, HL_WIRE_U32, _, REQ)       \
	F(T, 2, sub_id, U64, HL_WIRE_U32, _, OPT)            \
	F(T, 3, worker, U64, 0, _, OPT) /* worker node id */ \
	F(T, 4, cores, U64, HL_WIRE_U32, _, OPT)             \
	F(T, 5, dc, STR, HL_WIRE_DC_MAX, _, OPT)             \
	F(T, 6, status, U64, HL_WS_MAX, _, OPT)              \
	F(T, 7, token, U64, 0, _, OPT) /* dispatch fencing token */

#define HL_REC_F_workflow_status(F, T)                  \
	F(T, 1, workflow_id, U64, HL_WIRE_U32, _, REQ)  \
	F(T, 2, sub_id, U64, HL_WIRE_U32, _, OPT)       \
	F(T, 3, name, STR, HL_WIRE_NAME_MAX, _, OPT)    \
	F(T, 4, status, U64, HL_WS_MAX, _, OPT)         \
	F(T, 5, worker, U64, 0, _, OPT)                 \
	F(T, 6, progress_ppm, U64, HL_WIRE_PPM, _, OPT) \
	F(T, 7, code, U64, HL_WIRE_U16, _, OPT)         \
	F(T, 8, started_ns, U64, 0, _, OPT)             \
	F(T, 9, ended_ns, U64, 0, _, OPT)

#define HL_REC_F_lease_rec(F, T)                                                    \
	F(T, 1, job_id, U64, 0, _, REQ)                                             \
	F(T, 2, token, U64, 0, _, REQ) /* (term << 32) | counter */                 \
	F(T, 3, ttl_ms, U64, HL_WIRE_U32, _, OPT)                                   \
	F(T, 4, status, U64, HL_WIRE_U16, _, OPT) /* hl_err code in acks, 0 = ok */ \
	F(T, 5, holder, U64, 0, _, OPT)                                             \
	F(T, 6, dc, STR, HL_WIRE_DC_MAX, _, OPT) /* set for per-(job, DC) leases */

/* client API records (job_result, job_status) */
#define HL_REC_F_stream_info(F, T)                                                 \
	F(T, 1, stream_id, U64, HL_WIRE_U32, _, REQ) /* stream_result.stream_id */ \
	F(T, 2, workflow, STR, HL_WIRE_NAME_MAX, _, OPT)                           \
	F(T, 3, name, STR, HL_WIRE_NAME_MAX, _, OPT)                               \
	F(T, 4, req_pps, F64, 0, _, OPT) /* requested rate */                      \
	F(T, 5, duration_ns, U64, 0, _, OPT) /* first to last packet sent */       \
	F(T, 6, sig, U64, 15, _, OPT) /* signatures: 0 none, 1 probes, 2 every packet */

#define HL_REC_F_port_counters(F, T)                 \
	F(T, 1, name, STR, HL_WIRE_NAME_MAX, _, REQ) \
	F(T, 2, opackets, U64, 0, _, OPT)            \
	F(T, 3, ipackets, U64, 0, _, OPT)            \
	F(T, 4, oerrors, U64, 0, _, OPT)             \
	F(T, 5, imissed, U64, 0, _, OPT)

#define HL_REC_F_job_summary(F, T)                         \
	F(T, 1, job_id, U64, 0, _, REQ)                    \
	F(T, 2, status, U64, HL_WS_MAX, _, REQ)            \
	F(T, 3, name, STR, HL_WIRE_NAME_MAX, _, OPT)       \
	F(T, 4, workflows_total, U64, HL_WIRE_U32, _, OPT) \
	F(T, 5, workflows_done, U64, HL_WIRE_U32, _, OPT)  \
	F(T, 6, result_fetched, BOOL, 0, _, OPT)

#define HL_REC_F_gate_rec(F, T)                                                               \
	F(T, 1, job_id, U64, 0, _, OPT)                                                       \
	F(T, 2, client, U64, 0, _, OPT) /* client node id */                                  \
	F(T, 3, token, U64, 0, _, OPT)                                                        \
	F(T, 4, version, U64, 0, _, OPT)                                                      \
	F(T, 5, idem, BIN, HL_WIRE_IDEM_BIN_MAX, _, OPT) /* idempotency key bytes */          \
	F(T, 6, ndc, U64, HL_WIRE_GATE_DCS, _, OPT) /* DCs chosen (asked for, in a submit) */ \
	F(T, 7, final, U64, HL_WS_MAX, _, OPT) /* resolved status, 0 = not yet */             \
	F(T, 8, dcs, U64L, HL_WIRE_GATE_DCS, _, OPT) /* DC node ids (trailing 0s cut) */      \
	F(T, 9, dc_status, U64L, HL_WIRE_GATE_DCS, _, OPT) /* per DC, enum hl_wire_status */  \
	F(T, 10, nrep, U64, HL_WIRE_GATE_REPORTS, _, OPT) /* reporter outcomes held */        \
	F(T, 11, reps, RECL, HL_WIRE_GATE_REPORTS, gate_report, OPT) /* trailing zeros cut */ \
	F(T, 12, dc_totals, RECL, HL_WIRE_GATE_DCS, dc_counts, OPT) /* per DC, zeros cut */   \
	F(T, 13, cancel, BOOL, 0, _, OPT) /* a client cancelled the job */

#define HL_REC_F_dc_counts(F, T)         \
	F(T, 1, tx_pkts, U64, 0, _, OPT) \
	F(T, 2, rx_pkts, U64, 0, _, OPT) \
	F(T, 3, lost, U64, 0, _, OPT)

#define HL_REC_F_gate_report(F, T)                                                    \
	F(T, 1, source, U64, 0, _, OPT) /* node that ran the reporter */              \
	F(T, 2, dc, U64, 0, _, OPT) /* DC node id */                                  \
	F(T, 3, error, U64, HL_WIRE_U16, _, OPT) /* hl_err code (positive), 0 = ok */ \
	F(T, 4, elapsed_ms, U64, HL_WIRE_U32, _, OPT)                                 \
	F(T, 5, type, U64, HL_WIRE_U16, _, OPT) /* reporter type id */                \
	F(T, 6, ok, BOOL, 0, _, OPT)

/* ---- coordination-core extension fields (docs/coord-wire.md) ----
 * Fields of the coord core's message structs (struct hl_dc_msg, struct hl_gmsg) that a message had
 * no key for, added as OPT so that every struct field survives the wire. One key per meaning, the
 * same key in every message that has it (32..51); a message lists only those it lacks. */
#define HL_XF_sender(F, T) F(T, 32, sender, U64, 0, _, OPT) /* sending node id */
#define HL_XF_dest(F, T) F(T, 33, dest, U64, 0, _, OPT) /* addressed node id */
#define HL_XF_status(F, T) F(T, 34, status, U64, HL_WS_MAX, _, OPT)
#define HL_XF_backpressure(F, T) F(T, 35, backpressure, U64, HL_BP_MAX, _, OPT)
#define HL_XF_accepted(F, T) F(T, 36, accepted, BOOL, 0, _, OPT)
#define HL_XF_code(F, T) F(T, 37, code, U64, HL_WIRE_U16, _, OPT) /* hl_err code (positive) */
#define HL_XF_leader(F, T) F(T, 38, leader, U64, 0, _, OPT) /* job leader node id */
#define HL_XF_cores(F, T) F(T, 39, cores, U64, HL_WIRE_U32, _, OPT)
#define HL_XF_attempt(F, T) F(T, 40, attempt, U64, HL_WIRE_U32, _, OPT)
#define HL_XF_seq(F, T) F(T, 41, seq, U64, 0, _, OPT)
#define HL_XF_done(F, T) F(T, 42, done, U64, 0, _, OPT) /* work units done */
#define HL_XF_duration_ns(F, T) F(T, 43, duration_ns, U64, 0, _, OPT)
#define HL_XF_sub_id(F, T) F(T, 44, sub_id, U64, HL_WIRE_U32, _, OPT)
#define HL_XF_token(F, T) F(T, 45, token, U64, 0, _, OPT)
#define HL_XF_version(F, T) F(T, 46, version, U64, 0, _, OPT) /* job record version */
#define HL_XF_kind(F, T) F(T, 47, kind, U64, 255, _, OPT) /* grant / push kind */
#define HL_XF_dc_node(F, T) F(T, 48, dc_node, U64, 0, _, OPT) /* DC as a node id */
#define HL_XF_idem_bytes(F, T) F(T, 49, idem_bytes, BIN, HL_WIRE_IDEM_BIN_MAX, _, OPT)
#define HL_XF_job_rec(F, T) F(T, 50, job_rec, REC, 0, gate_rec, OPT)
#define HL_XF_coord_type(F, T) F(T, 51, coord_type, U64, 255, _, OPT) /* which core message */
/* Added with the gate's progress and reporter outcomes (D.4, D.8); same rule, keys 52..55. */
#define HL_XF_ppm(F, T) F(T, 52, ppm, U64, HL_WIRE_PPM, _, OPT) /* progress, parts per million */
#define HL_XF_gap_seq(F, T) F(T, 53, gap_seq, U64, 0, _, OPT) /* pushes up to this are gone */
#define HL_XF_report(F, T) F(T, 54, report, REC, 0, gate_report, OPT) /* a reporter outcome */
#define HL_XF_report_ref(F, T) F(T, 55, report_ref, U64, HL_WIRE_GATE_REPORTS - 1, _, OPT)
/* A core code that is no hl_err (gate KEY_DATA: 1 = no more pages), signed, as is. */
#define HL_XF_coord_code(F, T) F(T, 56, coord_code, I64, 0, _, OPT)
/* The four every gate message carries (struct hl_gmsg's fields added for D.4 / D.8). */
#define HL_XF_gate_d4(F, T) \
	HL_XF_ppm(F, T) HL_XF_gap_seq(F, T) HL_XF_report(F, T) HL_XF_report_ref(F, T)

/* Added with the manager role's envelope (struct hl_mmsg, coord/manager_wire.c); keys 57..62. */
#define HL_XF_tier(F, T) F(T, 57, tier, U64, HL_TIER_MAX, _, OPT) /* for messages without one */
#define HL_XF_sent_ns(F, T) F(T, 58, sent_ns, U64, 0, _, OPT) /* sender's clock, echoed back */
#define HL_XF_mgr_rec(F, T) F(T, 59, mgr_rec, BIN, HL_WIRE_MGR_REC_MAX, _, OPT) /* DC job record */
#define HL_XF_relay_sender(F, T) F(T, 60, relay_sender, U64, 0, _, OPT) /* node relaying it */
#define HL_XF_relay_dest(F, T) F(T, 61, relay_dest, U64, 0, _, OPT) /* the relay's addressee */
#define HL_XF_fence(F, T) F(T, 62, fence, U64, 0, _, OPT) /* the fencing token answered */
/* A message one node relays for another: the relay's own sender and addressee (the message's
 * own stay in its sender/node and dest fields). */
#define HL_XF_relay(F, T) HL_XF_relay_sender(F, T) HL_XF_relay_dest(F, T)

/* ================================ messages ================================ */
/* X(type_id, name, plane, direction, purpose). Planes: FAST = fits one UDP packet on the fabric
 * (may also travel over TCP); SLOW = TCP control plane only. Ids are grouped by area. */
#define HL_MSG_TABLE(X)                                                                            \
	/* general */                                                                              \
	X(1, error, FAST, "any->any", "structured error reply (kind, sizes, type, field)")         \
	X(2, swim, FAST, "M<->W, G<->G", "SWIM/Lifeguard packet body, opaque (swim/ decodes)")     \
	X(3, rate_limited, FAST, "G->C, M->C, M->W", "over a rate limit: retry after")             \
	X(4, not_leader, FAST, "any->C/W/M", "redirect: the receiver is not the leader")           \
	X(5, leader_query, FAST, "C->any, W->M, M->G", "who leads this tier / job now?")           \
	X(6, leader_reply, FAST, "any->asker", "answer to leader_query (cacheable for ttl)")       \
	/* registration and discovery */                                                           \
	X(16, node_register, SLOW, "W->M, M->G, G->M, M->M, G->G", "join: identity, caps")         \
	X(17, node_register_ack, SLOW, "reverse", "accept/reject, peers, negotiated caps")         \
	X(18, node_discovery, SLOW, "M->M, G->G", "tell peers about newly registered nodes")       \
	X(19, nodes_query, SLOW, "C->G, C->M", "list nodes and DCs (hlctl nodes)")                 \
	X(20, nodes_reply, SLOW, "G->C, M->C", "nodes and DC health")                              \
	/* heartbeats and health */                                                                \
	X(24, worker_heartbeat, FAST, "W->M", "worker state, capacity, health")                    \
	X(25, manager_heartbeat, FAST, "M->G, M->M", "DC summary from a manager")                  \
	X(26, gate_heartbeat, FAST, "G->G, G->M", "gate summary")                                  \
	X(27, extension_request, FAST, "W->M", "ask for a health-deadline extension (AD-26)")      \
	X(28, extension_reply, FAST, "M->W", "extension granted/denied, exhaustion")               \
	X(29, dc_probe, FAST, "G->M(DC leader)", "federated health probe (AD-33)")                 \
	X(30, dc_probe_ack, FAST, "M->G", "probe answer with the DC's health")                     \
	X(31, dc_leader_announce, FAST, "M->G", "a manager became DC leader")                      \
	/* tier leader election (design §6) */                                                    \
	X(32, pre_vote_req, SLOW, "M->M, G->G", "pre-vote: would you vote for me at term?")        \
	X(33, pre_vote_resp, SLOW, "M->M, G->G", "pre-vote answer")                                \
	X(34, vote_req, SLOW, "M->M, G->G", "request vote for term")                               \
	X(35, vote_resp, SLOW, "M->M, G->G", "vote answer")                                        \
	X(36, leader_heartbeat, SLOW, "leader->members", "leader lease renewal")                   \
	X(37, leader_heartbeat_ack, SLOW, "members->leader", "heartbeat answer (quorum check)")    \
	X(38, leader_stepdown, SLOW, "leader->members", "leader steps down (quorum loss, ...)")    \
	/* job leases (fencing tokens) and job records */                                          \
	X(48, lease_grant, SLOW, "tier leader->holder", "grant job leases (batched)")              \
	X(49, lease_renew, SLOW, "holder->tier leader", "renew held leases (batched per holder)")  \
	X(50, lease_release, SLOW, "holder->tier leader", "release leases (job ended)")            \
	X(51, lease_transfer, SLOW, "tier leader->new holder, G->G",                               \
	        "re-issue with greater token")                                                     \
	X(52, lease_ack, SLOW, "both", "per-lease outcome of grant/renew/release/transfer")        \
	X(56, job_record_append, SLOW, "job leader->tier peers", "replicate a job record version") \
	X(57, job_record_ack, SLOW, "tier peer->job leader", "record version stored")              \
	X(58, job_record_fetch, SLOW, "new job leader->peers", "ask for job records to rebuild")   \
	X(59, job_record_commit, SLOW, "G job leader->G tier leader",                              \
	        "record committed: key final")                                                     \
	X(60, job_record_forget, SLOW, "G job leader->G peers", "job over: drop its record")       \
	X(61, job_record_orphan, SLOW, "G->G tier leader",                                         \
	        "I hold a record nobody leads: lease it")                                          \
	X(62, job_spec_put, SLOW, "G->G, G->M, M->M",                                              \
	        "a job's profile text, held beside the job records")                               \
	X(63, job_spec_fetch, SLOW, "G->G, M->M, M->G", "ask peers for a job's profile text")      \
	/* job submission and dispatch */                                                          \
	X(64, job_submit, SLOW, "C->G, G->M, C->M", "submit a job (idempotency key)")              \
	X(65, job_ack, SLOW, "G->C, M->G, M->C", "job accepted/rejected, leader redirect")         \
	X(66, workflow_dispatch, FAST, "M->W", "run a workflow slice (fenced)")                    \
	X(67, workflow_dispatch_ack, FAST, "W->M", "dispatch accepted/rejected, cores")            \
	/* progress and status */                                                                  \
	X(72, workflow_progress, FAST, "W->M", "progress window of one workflow slice")            \
	X(73, progress_ack, FAST, "M->W", "progress ack with backpressure and leader")             \
	X(74, job_progress, FAST, "M->G", "per-DC job progress (ordered by seq)")                  \
	X(75, job_progress_ack, FAST, "G->M", "job progress ack with backpressure")                \
	X(76, windowed_stats, SLOW, "M->G, G->C", "batched per-window stream stats")               \
	X(77, status_push, SLOW, "G->C, M->C", "job status change pushed to the client")           \
	X(78, register_callback, SLOW, "C->G, C->M", "(re)subscribe to a job, replay after seq")   \
	X(79, register_callback_reply, SLOW, "G->C, M->C", "current status; replay follows")       \
	X(80, job_status_query, SLOW, "C->G, C->M", "query a job's status")                        \
	X(81, job_status, SLOW, "G->C, M->C", "a job's status")                                    \
	/* results */                                                                              \
	X(88, workflow_result, SLOW, "W->M", "final result of a workflow slice (kept until ack)")  \
	X(89, workflow_result_ack, FAST, "M->W", "job leader has the slice result")                \
	X(90, workflow_result_push, SLOW, "M->G, G->C", "one workflow's result as it finishes")    \
	X(91, job_result, SLOW, "M->G, M->C", "one DC's final job result")                         \
	X(92, job_result_ack, SLOW, "G->M", "gate has the DC's final result")                      \
	X(93, global_result, SLOW, "G->C", "final cross-DC result (exactly once)")                 \
	X(94, global_result_ack, SLOW, "C->G", "client has the global result")                     \
	X(95, reporter_result, SLOW, "M->G, G->C", "outcome of one reporter")                      \
	X(96, job_result_query, SLOW, "C->G, C->M", "fetch a job's final result (kept)")           \
	/* timeouts (AD-34) */                                                                     \
	X(104, job_progress_report, SLOW, "M->G", "periodic timeout-tracking report")              \
	X(105, job_timeout_report, SLOW, "M->G", "DC saw a timeout / stuck job")                   \
	X(106, job_global_timeout, SLOW, "G->M", "gate declares a global timeout")                 \
	X(107, job_final_status, SLOW, "M->G", "DC reached a terminal state")                      \
	/* job leadership changes (greater fencing token) */                                       \
	X(112, job_leader_gate_transfer, SLOW, "new G->M", "send results to this gate now")        \
	X(113, job_leader_manager_transfer, SLOW, "new M->G", "this manager leads the job in DC")  \
	X(114, job_leader_worker_transfer, SLOW, "new M->W", "report progress to this manager")    \
	X(115, job_leader_client_transfer, SLOW, "G->C", "the job's gate/manager leader changed")  \
	X(116, job_leader_transfer_ack, SLOW, "reverse of 112-115", "transfer accepted, states")   \
	X(117, job_leader_announce, SLOW, "M->M, G->G", "I lead job X with token")                 \
	/* cancellation */                                                                         \
	X(120, job_cancel, SLOW, "C->G, G->M, C->M, M->W", "cancel a job or one workflow")         \
	X(121, job_cancel_reply, SLOW, "reverse", "cancel accepted, counts, flags")                \
	X(122, workflow_cancel_done, SLOW, "W->M", "a workflow slice is cancelled and clean")      \
	X(123, job_cancel_done, SLOW, "M->G, G->C", "every workflow of the job is cancelled")      \
	/* results beside the cores */                                                             \
	X(124, stream_rows, SLOW, "W->M, M->M, M->G, G->G", "per-stream result rows of a job part")

/* ---- message fields ---- */
#define HL_MSG_F_error(F, T)                                                         \
	F(T, 1, code, U64, HL_WIRE_U16, _, REQ) /* hl_err code (positive) */         \
	F(T, 2, actual, U64, 0, _, OPT) /* actual size / value */                    \
	F(T, 3, limit, U64, 0, _, OPT)                                               \
	F(T, 4, msg_type, U64, HL_WIRE_U16, _, OPT) /* message the error is about */ \
	F(T, 5, field_key, U64, HL_WIRE_U16, _, OPT)                                 \
	F(T, 6, sub_key, U64, HL_WIRE_U16, _, OPT)                                   \
	F(T, 7, offset, U64, HL_WIRE_U32, _, OPT)                                    \
	F(T, 8, text, STR, HL_WIRE_TEXT_MAX, _, OPT)                                 \
	F(T, 9, job_id, U64, 0, _, OPT)                                              \
	F(T, 10, retry_after_ms, U64, HL_WIRE_U32, _, OPT)                           \
	F(T, 11, detail, STR, HL_WIRE_DETAIL_MAX, _, OPT) /* full text over text's limit */

#define HL_MSG_F_swim(F, T) F(T, 1, body, BIN, HL_WIRE_SWIM_MAX, _, REQ)

#define HL_MSG_F_rate_limited(F, T)                       \
	F(T, 1, op, U64, HL_RATE_OP_MAX, _, REQ)          \
	F(T, 2, retry_after_ms, U64, HL_WIRE_U32, _, REQ) \
	F(T, 3, limit, U64, HL_WIRE_U32, _, OPT)          \
	F(T, 4, window_ms, U64, HL_WIRE_U32, _, OPT)      \
	F(T, 5, job_id, U64, 0, _, OPT)

#define HL_MSG_F_not_leader(F, T)                                            \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)                              \
	F(T, 2, job_id, U64, 0, _, OPT)                                      \
	F(T, 3, dc, STR, HL_WIRE_DC_MAX, _, OPT)                             \
	F(T, 4, leader, REC, 0, node_addr, OPT) /* absent: leader unknown */ \
	F(T, 5, term, U64, 0, _, OPT)                                        \
	F(T, 6, token, U64, 0, _, OPT)

#define HL_MSG_F_leader_query(F, T)                                                                \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)                                                    \
	F(T, 2, job_id, U64, 0, _, OPT) /* 0: the tier leader itself */                            \
	F(T, 3, dc, STR, HL_WIRE_DC_MAX, _, OPT)                                                   \
	F(T, 4, req_id, U64, 0, _, OPT)                                                            \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) \
	        HL_XF_token(F, T) HL_XF_seq(F, T) HL_XF_version(F, T) HL_XF_kind(F, T)             \
	                HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T)             \
	                        HL_XF_gate_d4(F, T)

#define HL_MSG_F_leader_reply(F, T)                                                             \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)                                                 \
	F(T, 2, job_id, U64, 0, _, OPT)                                                         \
	F(T, 3, dc, STR, HL_WIRE_DC_MAX, _, OPT)                                                \
	F(T, 4, known, BOOL, 0, _, REQ)                                                         \
	F(T, 5, leader, REC, 0, node_addr, OPT)                                                 \
	F(T, 6, term, U64, 0, _, OPT)                                                           \
	F(T, 7, token, U64, 0, _, OPT)                                                          \
	F(T, 8, ttl_ms, U64, HL_WIRE_U32, _, OPT)                                               \
	F(T, 9, req_id, U64, 0, _, OPT)                                                         \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_seq(F, T) \
	        HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) \
	                HL_XF_job_rec(F, T) HL_XF_gate_d4(F, T)

#define HL_MSG_F_node_register(F, T)                        \
	F(T, 1, node, REC, 0, node_addr, REQ)               \
	F(T, 2, cluster, STR, HL_WIRE_CLUSTER_MAX, _, REQ)  \
	F(T, 3, env, STR, HL_WIRE_CLUSTER_MAX, _, REQ)      \
	F(T, 4, proto_version, U64, HL_WIRE_U16, _, REQ)    \
	F(T, 5, caps, U64, 0, _, OPT) /* capability bits */ \
	F(T, 6, cores, U64, HL_WIRE_U32, _, OPT)            \
	F(T, 7, mem_mb, U64, 0, _, OPT)                     \
	F(T, 8, ports, U64, HL_WIRE_U16, _, OPT)            \
	F(T, 9, incarnation, U64, 0, _, OPT)                \
	F(T, 10, term, U64, 0, _, OPT)                      \
	F(T, 11, is_leader, BOOL, 0, _, OPT)

#define HL_MSG_F_node_register_ack(F, T)                        \
	F(T, 1, accepted, BOOL, 0, _, REQ)                      \
	F(T, 2, code, U64, HL_WIRE_U16, _, OPT)                 \
	F(T, 3, reason, STR, HL_WIRE_TEXT_MAX, _, OPT)          \
	F(T, 4, caps, U64, 0, _, OPT) /* negotiated */          \
	F(T, 5, peers, RECL, HL_WIRE_MAX_NODES, node_addr, OPT) \
	F(T, 6, leader, REC, 0, node_addr, OPT)                 \
	F(T, 7, term, U64, 0, _, OPT)                           \
	F(T, 8, retry_after_ms, U64, HL_WIRE_U32, _, OPT)

#define HL_MSG_F_node_discovery(F, T)                             \
	F(T, 1, nodes, RECL, HL_WIRE_MAX_NODES, node_status, REQ) \
	F(T, 2, origin, U64, 0, _, OPT)

#define HL_MSG_F_nodes_query(F, T)               \
	F(T, 1, dc, STR, HL_WIRE_DC_MAX, _, OPT) \
	F(T, 2, role, U64, HL_ROLE_MAX, _, OPT)

#define HL_MSG_F_nodes_reply(F, T)                                \
	F(T, 1, nodes, RECL, HL_WIRE_MAX_NODES, node_status, REQ) \
	F(T, 2, dcs, RECL, HL_WIRE_MAX_DCS, dc_health, OPT)

#define HL_MSG_F_worker_heartbeat(F, T)                  \
	F(T, 1, node_id, U64, 0, _, REQ)                 \
	F(T, 2, incarnation, U64, 0, _, OPT)             \
	F(T, 3, health, U64, HL_HEALTH_MAX, _, OPT)      \
	F(T, 4, cores_total, U64, HL_WIRE_U32, _, OPT)   \
	F(T, 5, cores_free, U64, HL_WIRE_U32, _, OPT)    \
	F(T, 6, workflows, U64, HL_WIRE_U32, _, OPT)     \
	F(T, 7, cpu_permille, U64, 1000, _, OPT)         \
	F(T, 8, mem_permille, U64, 1000, _, OPT)         \
	F(T, 9, lhm, U64, HL_LHM_MAX, _, OPT)            \
	F(T, 10, queue, U64, HL_WIRE_U32, _, OPT)        \
	F(T, 11, overload, U64, HL_OVERLOAD_MAX, _, OPT) \
	F(T, 12, ports_up, U64, HL_WIRE_U16, _, OPT)

#define HL_MSG_F_manager_heartbeat(F, T)                                             \
	F(T, 1, node_id, U64, 0, _, REQ)                                             \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, REQ)                                     \
	F(T, 3, term, U64, 0, _, OPT)                                                \
	F(T, 4, is_dc_leader, BOOL, 0, _, OPT)                                       \
	F(T, 5, workers, U64, HL_WIRE_U32, _, OPT)                                   \
	F(T, 6, workers_healthy, U64, HL_WIRE_U32, _, OPT)                           \
	F(T, 7, cores_total, U64, HL_WIRE_U32, _, OPT)                               \
	F(T, 8, cores_free, U64, HL_WIRE_U32, _, OPT)                                \
	F(T, 9, jobs, U64, HL_WIRE_U32, _, OPT)                                      \
	F(T, 10, job_leaderships, U64, HL_WIRE_U32, _, OPT)                          \
	F(T, 11, lhm, U64, HL_LHM_MAX, _, OPT)                                       \
	F(T, 12, overload, U64, HL_OVERLOAD_MAX, _, OPT)                             \
	F(T, 13, backpressure, U64, HL_BP_MAX, _, OPT)                               \
	F(T, 14, gate_leader, U64, 0, _, OPT) /* hint: node id of the gate leader */ \
	F(T, 15, incarnation, U64, 0, _, OPT)

#define HL_MSG_F_gate_heartbeat(F, T)                   \
	F(T, 1, node_id, U64, 0, _, REQ)                \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, OPT)        \
	F(T, 3, term, U64, 0, _, OPT)                   \
	F(T, 4, is_leader, BOOL, 0, _, OPT)             \
	F(T, 5, jobs, U64, HL_WIRE_U32, _, OPT)         \
	F(T, 6, managers, U64, HL_WIRE_U32, _, OPT)     \
	F(T, 7, gates, U64, HL_WIRE_U32, _, OPT)        \
	F(T, 8, lhm, U64, HL_LHM_MAX, _, OPT)           \
	F(T, 9, overload, U64, HL_OVERLOAD_MAX, _, OPT) \
	F(T, 10, incarnation, U64, 0, _, OPT)

#define HL_MSG_F_extension_request(F, T)                                                  \
	F(T, 1, node_id, U64, 0, _, REQ)                                                  \
	F(T, 2, job_id, U64, 0, _, OPT)                                                   \
	F(T, 3, progress, U64, 0, _, REQ) /* monotonic work counter: proof of progress */ \
	F(T, 4, estimate_ms, U64, HL_WIRE_U32, _, OPT)                                    \
	F(T, 5, reason, STR, HL_WIRE_NAME_MAX, _, OPT)

#define HL_MSG_F_extension_reply(F, T)                                     \
	F(T, 1, granted, BOOL, 0, _, REQ)                                  \
	F(T, 2, grant_ms, U64, HL_WIRE_U32, _, OPT)                        \
	F(T, 3, remaining, U64, HL_WIRE_U16, _, OPT) /* extensions left */ \
	F(T, 4, exhausted, BOOL, 0, _, OPT)                                \
	F(T, 5, grace_ms, U64, HL_WIRE_U32, _, OPT)                        \
	F(T, 6, reason, STR, HL_WIRE_NAME_MAX, _, OPT)

#define HL_MSG_F_dc_probe(F, T)          \
	F(T, 1, seq, U64, 0, _, REQ)     \
	F(T, 2, sent_ns, U64, 0, _, REQ) \
	F(T, 3, gate, U64, 0, _, OPT)

#define HL_MSG_F_dc_probe_ack(F, T)                   \
	F(T, 1, seq, U64, 0, _, REQ)                  \
	F(T, 2, sent_ns, U64, 0, _, REQ) /* echoed */ \
	F(T, 3, health, REC, 0, dc_health, REQ)       \
	F(T, 4, clock_offset_ns, I64, 0, _, OPT) /* responder clock - sent_ns */

#define HL_MSG_F_dc_leader_announce(F, T)        \
	F(T, 1, dc, STR, HL_WIRE_DC_MAX, _, REQ) \
	F(T, 2, leader, REC, 0, node_addr, REQ)  \
	F(T, 3, term, U64, 0, _, REQ)

#define HL_MSG_F_vote_req_fields(F, T)                                                     \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)                                            \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, OPT)                                           \
	F(T, 3, term, U64, 0, _, REQ) /* pre-vote: the term the candidate would start */   \
	F(T, 4, candidate, U64, 0, _, REQ)                                                 \
	F(T, 5, lhm, U64, HL_LHM_MAX, _, OPT) /* candidate's local health (eligibility) */ \
	F(T, 6, last_term, U64, 0, _, OPT)                                                 \
	F(T, 7, last_index, U64, 0, _, OPT)                                                \
	HL_XF_dest(F, T)
#define HL_MSG_F_vote_resp_fields(F, T)                                          \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)                                  \
	F(T, 2, term, U64, 0, _, REQ) /* voter's current term */                 \
	F(T, 3, voter, U64, 0, _, REQ)                                           \
	F(T, 4, granted, BOOL, 0, _, REQ)                                        \
	F(T, 5, code, U64, HL_WIRE_U16, _, OPT) /* why not granted */            \
	F(T, 6, leader, U64, 0, _, OPT) /* leader the voter follows, 0 = none */ \
	HL_XF_dest(F, T)

#define HL_MSG_F_pre_vote_req(F, T) HL_MSG_F_vote_req_fields(F, T)
#define HL_MSG_F_pre_vote_resp(F, T) HL_MSG_F_vote_resp_fields(F, T)
#define HL_MSG_F_vote_req(F, T) HL_MSG_F_vote_req_fields(F, T)
#define HL_MSG_F_vote_resp(F, T) HL_MSG_F_vote_resp_fields(F, T)

#define HL_MSG_F_leader_heartbeat(F, T)             \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)     \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, OPT)    \
	F(T, 3, term, U64, 0, _, REQ)               \
	F(T, 4, leader, U64, 0, _, REQ)             \
	F(T, 5, lease_ms, U64, HL_WIRE_U32, _, REQ) \
	F(T, 6, seq, U64, 0, _, REQ)                \
	HL_XF_dest(F, T)

#define HL_MSG_F_leader_heartbeat_ack(F, T)   \
	F(T, 1, term, U64, 0, _, REQ)         \
	F(T, 2, node, U64, 0, _, REQ)         \
	F(T, 3, seq, U64, 0, _, REQ)          \
	F(T, 4, ok, BOOL, 0, _, REQ)          \
	F(T, 5, lhm, U64, HL_LHM_MAX, _, OPT) \
	HL_XF_dest(F, T) HL_XF_tier(F, T)

#define HL_MSG_F_leader_stepdown(F, T)           \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)  \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, OPT) \
	F(T, 3, term, U64, 0, _, REQ)            \
	F(T, 4, leader, U64, 0, _, REQ)          \
	F(T, 5, code, U64, HL_WIRE_U16, _, OPT)

#define HL_MSG_F_lease_batch_fields(F, T)                                                         \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)                                                   \
	F(T, 2, term, U64, 0, _, REQ)                                                             \
	F(T, 3, holder, U64, 0, _, REQ)                                                           \
	F(T, 4, leases, RECL, HL_WIRE_MAX_LEASES, lease_rec, REQ)                                 \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_leader(F, T) HL_XF_seq(F, T) \
	        HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T)   \
	                HL_XF_job_rec(F, T) HL_XF_gate_d4(F, T) HL_XF_sent_ns(F, T)
#define HL_MSG_F_lease_grant(F, T) HL_MSG_F_lease_batch_fields(F, T)
#define HL_MSG_F_lease_renew(F, T) HL_MSG_F_lease_batch_fields(F, T)
#define HL_MSG_F_lease_release(F, T) HL_MSG_F_lease_batch_fields(F, T)

#define HL_MSG_F_lease_transfer(F, T)                                                            \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)                                                  \
	F(T, 2, term, U64, 0, _, REQ)                                                            \
	F(T, 3, from, U64, 0, _, OPT) /* previous holder, 0 = none/dead */                       \
	F(T, 4, to, U64, 0, _, REQ)                                                              \
	F(T, 5, lease, REC, 0, lease_rec, REQ) /* token strictly greater than before */          \
	F(T, 6, code, U64, HL_WIRE_U16, _, OPT) /* why (expiry, death, rebalance) */             \
	HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_seq(F, T) HL_XF_version(F, T) HL_XF_kind(F, T) \
	        HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) HL_XF_gate_d4(F, T)

#define HL_MSG_F_lease_ack(F, T)                  \
	F(T, 1, op, U64, HL_LEASE_OP_MAX, _, REQ) \
	F(T, 2, term, U64, 0, _, REQ)             \
	F(T, 3, node, U64, 0, _, REQ)             \
	F(T, 4, leases, RECL, HL_WIRE_MAX_LEASES, lease_rec, REQ)

#define HL_MSG_F_job_record_append(F, T)                                                        \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)                                                 \
	F(T, 2, term, U64, 0, _, OPT)                                                           \
	F(T, 3, job_id, U64, 0, _, REQ)                                                         \
	F(T, 4, token, U64, 0, _, REQ)                                                          \
	F(T, 5, version, U64, 0, _, REQ)                                                        \
	F(T, 6, status, U64, HL_WS_MAX, _, REQ)                                                 \
	F(T, 7, idem_key, STR, HL_WIRE_IDEM_MAX, _, OPT)                                        \
	F(T, 8, origin, U64, 0, _, OPT) /* origin gate node id */                               \
	F(T, 9, dcs, RECL, HL_WIRE_MAX_DCS, dc_ref, OPT)                                        \
	F(T, 10, assigns, RECL, HL_WIRE_MAX_ASSIGN, workflow_assign, OPT)                       \
	F(T, 11, spec, BIN, HL_WIRE_SPEC_MAX, _, OPT) /* sent with version 1 and on fetch */    \
	F(T, 12, workflows, RECL, HL_WIRE_MAX_WORKFLOWS, workflow_def, OPT)                     \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) HL_XF_seq(F, T) \
	        HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) \
	                HL_XF_coord_type(F, T) HL_XF_coord_code(F, T) HL_XF_gate_d4(F, T)       \
	                        HL_XF_mgr_rec(F, T) HL_XF_fence(F, T)

#define HL_MSG_F_job_record_ack(F, T)                                                              \
	F(T, 1, job_id, U64, 0, _, REQ)                                                            \
	F(T, 2, token, U64, 0, _, REQ)                                                             \
	F(T, 3, version, U64, 0, _, REQ)                                                           \
	F(T, 4, node, U64, 0, _, REQ)                                                              \
	F(T, 5, ok, BOOL, 0, _, REQ)                                                               \
	F(T, 6, code, U64, HL_WIRE_U16, _, OPT)                                                    \
	HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_leader(F, T) HL_XF_seq(F, T) HL_XF_kind(F, T)    \
	        HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) HL_XF_gate_d4(F, T) \
	                HL_XF_coord_type(F, T)

#define HL_MSG_F_job_record_fetch(F, T)                                                           \
	F(T, 1, tier, U64, HL_TIER_MAX, _, REQ)                                                   \
	F(T, 2, term, U64, 0, _, OPT)                                                             \
	F(T, 3, requester, U64, 0, _, REQ)                                                        \
	F(T, 4, job_id, U64, 0, _, OPT) /* 0: every record the requester now leads */             \
	HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) HL_XF_token(F, T) \
	        HL_XF_seq(F, T) HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T)          \
	                HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) HL_XF_coord_type(F, T)         \
	                        HL_XF_gate_d4(F, T)

#define HL_MSG_F_job_record_commit(F, T)                                                        \
	F(T, 1, job_id, U64, 0, _, REQ)                                                         \
	F(T, 2, node, U64, 0, _, REQ) /* sender */                                              \
	F(T, 3, token, U64, 0, _, OPT)                                                          \
	F(T, 4, idem, BIN, HL_WIRE_IDEM_BIN_MAX, _, OPT) /* key to mark committed */            \
	HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) HL_XF_seq(F, T) \
	        HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_job_rec(F, T)    \
	                HL_XF_gate_d4(F, T)

#define HL_MSG_F_job_record_forget(F, T)                                                        \
	F(T, 1, job_id, U64, 0, _, REQ)                                                         \
	F(T, 2, node, U64, 0, _, REQ) /* sender */                                              \
	F(T, 3, token, U64, 0, _, OPT)                                                          \
	HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) HL_XF_seq(F, T) \
	        HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) \
	                HL_XF_job_rec(F, T) HL_XF_gate_d4(F, T) HL_XF_coord_type(F, T)

/* A job's profile text beside the coordination cores (app/node/specs.c): put before the
 * messages that need it (DC submit, record replication), fetched by a node that lacks it. */
#define HL_MSG_F_job_spec_put(F, T)                \
	F(T, 1, job_id, U64, 0, _, REQ)            \
	F(T, 2, node, U64, 0, _, REQ) /* sender */ \
	F(T, 3, spec, BIN, HL_WIRE_SPEC_MAX, _, REQ) /* job profile (data, never code) */

#define HL_MSG_F_job_spec_fetch(F, T)   \
	F(T, 1, job_id, U64, 0, _, REQ) \
	F(T, 2, node, U64, 0, _, REQ) /* sender: answer goes there */

#define HL_MSG_F_job_record_orphan(F, T)                                                        \
	F(T, 1, job_id, U64, 0, _, REQ)                                                         \
	F(T, 2, node, U64, 0, _, REQ) /* sender */                                              \
	F(T, 3, token, U64, 0, _, OPT)                                                          \
	F(T, 4, version, U64, 0, _, OPT)                                                        \
	HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) HL_XF_seq(F, T) \
	        HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) \
	                HL_XF_gate_d4(F, T) HL_XF_coord_type(F, T)

#define HL_MSG_F_job_submit(F, T)                                                                  \
	F(T, 1, job_id, U64, 0, _, OPT) /* 0 from a client: the gate assigns it */                 \
	F(T, 2, idem_key, STR, HL_WIRE_IDEM_MAX, _, REQ)                                           \
	F(T, 3, name, STR, HL_WIRE_NAME_MAX, _, OPT)                                               \
	F(T, 4, spec, BIN, HL_WIRE_SPEC_MAX, _, REQ) /* job profile text (data, never code) */     \
	F(T, 5, workflows, RECL, HL_WIRE_MAX_WORKFLOWS, workflow_def, REQ)                         \
	F(T, 6, timeout_ms, U64, 0, _, OPT)                                                        \
	F(T, 7, dc_count, U64, HL_WIRE_MAX_DCS, _, OPT)                                            \
	F(T, 8, dcs, RECL, HL_WIRE_MAX_DCS, dc_ref, OPT) /* explicit DCs */                        \
	F(T, 9, origin, REC, 0, node_addr, OPT) /* G->M: origin gate */                            \
	F(T, 10, token, U64, 0, _, OPT) /* G->M: gate's lease token */                             \
	F(T, 11, priority, U64, 255, _, OPT)                                                       \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) \
	        HL_XF_seq(F, T) HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T)           \
	                HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) HL_XF_coord_type(F, T)          \
	                        HL_XF_gate_d4(F, T)

#define HL_MSG_F_job_ack(F, T)                                                                     \
	F(T, 1, job_id, U64, 0, _, REQ)                                                            \
	F(T, 2, idem_key, STR, HL_WIRE_IDEM_MAX, _, OPT)                                           \
	F(T, 3, accepted, BOOL, 0, _, REQ)                                                         \
	F(T, 4, code, U64, HL_WIRE_U16, _, OPT)                                                    \
	F(T, 5, reason, STR, HL_WIRE_TEXT_MAX, _, OPT)                                             \
	F(T, 6, queue_pos, U64, HL_WIRE_U32, _, OPT)                                               \
	F(T, 7, leader, REC, 0, node_addr, OPT) /* redirect / job leader */                        \
	F(T, 8, token, U64, 0, _, OPT)                                                             \
	F(T, 9, term, U64, 0, _, OPT)                                                              \
	F(T, 10, dcs, RECL, HL_WIRE_MAX_DCS, dc_ref, OPT) /* DCs chosen */                         \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_seq(F, T) HL_XF_version(F, T) \
	        HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T)    \
	                HL_XF_coord_type(F, T) HL_XF_gate_d4(F, T)

#define HL_MSG_F_workflow_dispatch(F, T)                                                   \
	F(T, 1, job_id, U64, 0, _, REQ)                                                    \
	F(T, 2, workflow_id, U64, HL_WIRE_U32, _, REQ)                                     \
	F(T, 3, sub_id, U64, HL_WIRE_U32, _, REQ)                                          \
	F(T, 4, token, U64, 0, _, REQ)                                                     \
	F(T, 5, leader, U64, 0, _, REQ) /* job leader node id: send progress there */      \
	F(T, 6, attempt, U64, HL_WIRE_U16, _, OPT)                                         \
	F(T, 7, cores, U64, HL_WIRE_U32, _, REQ)                                           \
	F(T, 8, duration_ms, U64, 0, _, OPT)                                               \
	F(T, 9, rate_ppm, U64, HL_WIRE_PPM, _, OPT) /* share of the workflow's rate */     \
	F(T, 10, context_version, U64, 0, _, OPT)                                          \
	F(T, 11, start_at_ns, U64, 0, _, OPT)                                              \
	F(T, 12, spec, BIN, HL_WIRE_WF_SPEC_MAX, _, REQ) /* compiled stream definitions */ \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_backpressure(F, T)    \
	        HL_XF_accepted(F, T) HL_XF_code(F, T) HL_XF_seq(F, T) HL_XF_done(F, T)     \
	                HL_XF_duration_ns(F, T) HL_XF_relay(F, T)

#define HL_MSG_F_workflow_dispatch_ack(F, T)                                                 \
	F(T, 1, job_id, U64, 0, _, REQ)                                                      \
	F(T, 2, workflow_id, U64, HL_WIRE_U32, _, REQ)                                       \
	F(T, 3, sub_id, U64, HL_WIRE_U32, _, REQ)                                            \
	F(T, 4, token, U64, 0, _, REQ)                                                       \
	F(T, 5, node_id, U64, 0, _, REQ)                                                     \
	F(T, 6, accepted, BOOL, 0, _, REQ)                                                   \
	F(T, 7, code, U64, HL_WIRE_U16, _, OPT)                                              \
	F(T, 8, cores, U64, HL_WIRE_U32, _, OPT) /* actually assigned */                     \
	HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_backpressure(F, T) HL_XF_leader(F, T)      \
	        HL_XF_attempt(F, T) HL_XF_seq(F, T) HL_XF_done(F, T) HL_XF_duration_ns(F, T) \
	                HL_XF_relay(F, T)

#define HL_MSG_F_workflow_progress(F, T)                                                      \
	F(T, 1, job_id, U64, 0, _, REQ)                                                       \
	F(T, 2, workflow_id, U64, HL_WIRE_U32, _, REQ)                                        \
	F(T, 3, sub_id, U64, HL_WIRE_U32, _, REQ)                                             \
	F(T, 4, token, U64, 0, _, REQ)                                                        \
	F(T, 5, seq, U64, 0, _, REQ) /* per (job, source): receivers drop dups and stale */   \
	F(T, 6, node_id, U64, 0, _, REQ)                                                      \
	F(T, 7, window_start_ns, U64, 0, _, OPT)                                              \
	F(T, 8, window_ns, U64, HL_WIRE_U32, _, OPT)                                          \
	F(T, 9, status, U64, HL_WS_MAX, _, OPT)                                               \
	F(T, 10, streams, RECL, HL_WIRE_FAST_STREAMS, stream_result, OPT)                     \
	F(T, 11, totals, REC, 0, stream_result, OPT) /* the slice so far; p99: last window */ \
	HL_XF_dest(F, T) HL_XF_backpressure(F, T) HL_XF_accepted(F, T) HL_XF_code(F, T)       \
	        HL_XF_leader(F, T) HL_XF_cores(F, T) HL_XF_attempt(F, T) HL_XF_done(F, T)     \
	                HL_XF_duration_ns(F, T) HL_XF_relay(F, T)

#define HL_MSG_F_progress_ack(F, T)                                                     \
	F(T, 1, job_id, U64, 0, _, REQ)                                                 \
	F(T, 2, workflow_id, U64, HL_WIRE_U32, _, REQ)                                  \
	F(T, 3, sub_id, U64, HL_WIRE_U32, _, OPT)                                       \
	F(T, 4, seq, U64, 0, _, REQ)                                                    \
	F(T, 5, backpressure, U64, HL_BP_MAX, _, OPT)                                   \
	F(T, 6, delay_ms, U64, HL_WIRE_U32, _, OPT)                                     \
	F(T, 7, batch_only, BOOL, 0, _, OPT)                                            \
	F(T, 8, leader, U64, 0, _, OPT) /* current job leader node id */                \
	F(T, 9, token, U64, 0, _, OPT)                                                  \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_accepted(F, T)     \
	        HL_XF_code(F, T) HL_XF_cores(F, T) HL_XF_attempt(F, T) HL_XF_done(F, T) \
	                HL_XF_duration_ns(F, T) HL_XF_relay(F, T)

#define HL_MSG_F_job_progress(F, T)                          \
	F(T, 1, job_id, U64, 0, _, REQ)                      \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, REQ)             \
	F(T, 3, token, U64, 0, _, REQ)                       \
	F(T, 4, seq, U64, 0, _, REQ)                         \
	F(T, 5, workflows_total, U64, HL_WIRE_U32, _, OPT)   \
	F(T, 6, workflows_done, U64, HL_WIRE_U32, _, OPT)    \
	F(T, 7, workflows_failed, U64, HL_WIRE_U32, _, OPT)  \
	F(T, 8, workflows_running, U64, HL_WIRE_U32, _, OPT) \
	F(T, 9, progress_ppm, U64, HL_WIRE_PPM, _, OPT)      \
	F(T, 10, window_ns, U64, HL_WIRE_U32, _, OPT)        \
	F(T, 11, totals, REC, 0, stream_result, OPT)         \
	F(T, 12, rate_pps, F64, 0, _, OPT) /* achieved, whole DC */

#define HL_MSG_F_job_progress_ack(F, T)               \
	F(T, 1, job_id, U64, 0, _, REQ)               \
	F(T, 2, seq, U64, 0, _, REQ)                  \
	F(T, 3, backpressure, U64, HL_BP_MAX, _, OPT) \
	F(T, 4, delay_ms, U64, HL_WIRE_U32, _, OPT)   \
	F(T, 5, gate_leader, U64, 0, _, OPT)          \
	F(T, 6, is_job_leader, BOOL, 0, _, OPT)

#define HL_MSG_F_windowed_stats(F, T)                                                \
	F(T, 1, job_id, U64, 0, _, REQ)                                              \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, OPT) /* empty: merged over DCs (G->C) */ \
	F(T, 3, seq, U64, 0, _, REQ)                                                 \
	F(T, 4, window_start_ns, U64, 0, _, OPT)                                     \
	F(T, 5, window_ns, U64, HL_WIRE_U32, _, OPT)                                 \
	F(T, 6, token, U64, 0, _, OPT)                                               \
	F(T, 7, progress_ppm, U64, HL_WIRE_PPM, _, OPT)                              \
	F(T, 8, streams, RECL, HL_WIRE_MAX_STREAMS, stream_result, OPT)

#define HL_MSG_F_status_push(F, T)                                                                \
	F(T, 1, job_id, U64, 0, _, REQ)                                                           \
	F(T, 2, seq, U64, 0, _, REQ)                                                              \
	F(T, 3, status, U64, HL_WS_MAX, _, REQ)                                                   \
	F(T, 4, event, U64, HL_PUSH_MAX, _, OPT)                                                  \
	F(T, 5, progress_ppm, U64, HL_WIRE_PPM, _, OPT)                                           \
	F(T, 6, dcs, RECL, HL_WIRE_MAX_DCS, dc_status, OPT)                                       \
	F(T, 7, text, STR, HL_WIRE_TEXT_MAX, _, OPT)                                              \
	F(T, 8, elapsed_ms, U64, 0, _, OPT)                                                       \
	F(T, 9, workflow, STR, HL_WIRE_NAME_MAX, _, OPT) /* the running workflow */               \
	F(T, 10, totals, REC, 0, stream_result, OPT) /* final: the job's counts, all DCs */       \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) HL_XF_token(F, T) \
	        HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T)   \
	                HL_XF_job_rec(F, T) HL_XF_gate_d4(F, T)

#define HL_MSG_F_register_callback(F, T)                                                           \
	F(T, 1, job_id, U64, 0, _, REQ)                                                            \
	F(T, 2, last_seq, U64, 0, _, OPT) /* replay everything after this */                       \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) \
	        HL_XF_token(F, T) HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T)         \
	                HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) HL_XF_gate_d4(F, T)

#define HL_MSG_F_register_callback_reply(F, T)              \
	F(T, 1, job_id, U64, 0, _, REQ)                     \
	F(T, 2, accepted, BOOL, 0, _, REQ)                  \
	F(T, 3, code, U64, HL_WIRE_U16, _, OPT)             \
	F(T, 4, status, U64, HL_WS_MAX, _, OPT)             \
	F(T, 5, seq, U64, 0, _, OPT) /* current sequence */ \
	F(T, 6, progress_ppm, U64, HL_WIRE_PPM, _, OPT)     \
	F(T, 7, leader, REC, 0, node_addr, OPT)

#define HL_MSG_F_job_status_query(F, T) F(T, 1, job_id, U64, 0, _, REQ)

#define HL_MSG_F_job_status(F, T)                                             \
	F(T, 1, job_id, U64, 0, _, REQ)                                       \
	F(T, 2, status, U64, HL_WS_MAX, _, REQ)                               \
	F(T, 3, seq, U64, 0, _, OPT)                                          \
	F(T, 4, progress_ppm, U64, HL_WIRE_PPM, _, OPT)                       \
	F(T, 5, dcs, RECL, HL_WIRE_MAX_DCS, dc_status, OPT)                   \
	F(T, 6, workflows, RECL, HL_WIRE_MAX_WORKFLOWS, workflow_status, OPT) \
	F(T, 7, leader, REC, 0, node_addr, OPT)                               \
	F(T, 8, token, U64, 0, _, OPT)                                        \
	F(T, 9, elapsed_ms, U64, 0, _, OPT)                                   \
	F(T, 10, jobs, RECL, HL_WIRE_MAX_JOBS, job_summary, OPT) /* job_id 0: every job */

#define HL_MSG_F_workflow_result(F, T)                                                    \
	F(T, 1, job_id, U64, 0, _, REQ)                                                   \
	F(T, 2, workflow_id, U64, HL_WIRE_U32, _, REQ)                                    \
	F(T, 3, sub_id, U64, HL_WIRE_U32, _, REQ)                                         \
	F(T, 4, token, U64, 0, _, REQ)                                                    \
	F(T, 5, node_id, U64, 0, _, REQ)                                                  \
	F(T, 6, status, U64, HL_WS_MAX, _, REQ)                                           \
	F(T, 7, code, U64, HL_WIRE_U16, _, OPT)                                           \
	F(T, 8, text, STR, HL_WIRE_TEXT_MAX, _, OPT)                                      \
	F(T, 9, started_ns, U64, 0, _, OPT)                                               \
	F(T, 10, ended_ns, U64, 0, _, OPT)                                                \
	F(T, 11, cores_freed, U64, HL_WIRE_U32, _, OPT)                                   \
	F(T, 12, attempt, U64, HL_WIRE_U16, _, OPT)                                       \
	F(T, 13, streams, RECL, HL_WIRE_MAX_STREAMS, stream_result, OPT)                  \
	F(T, 14, totals, REC, 0, stream_result, OPT) /* the slice's counts, summed */     \
	HL_XF_dest(F, T) HL_XF_backpressure(F, T) HL_XF_accepted(F, T) HL_XF_leader(F, T) \
	        HL_XF_seq(F, T) HL_XF_done(F, T) HL_XF_duration_ns(F, T) HL_XF_relay(F, T)

#define HL_MSG_F_workflow_result_ack(F, T)                                                  \
	F(T, 1, job_id, U64, 0, _, REQ)                                                     \
	F(T, 2, workflow_id, U64, HL_WIRE_U32, _, REQ)                                      \
	F(T, 3, sub_id, U64, HL_WIRE_U32, _, REQ)                                           \
	F(T, 4, token, U64, 0, _, OPT)                                                      \
	F(T, 5, leader, U64, 0, _, OPT)                                                     \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_backpressure(F, T)     \
	        HL_XF_accepted(F, T) HL_XF_code(F, T) HL_XF_cores(F, T) HL_XF_attempt(F, T) \
	                HL_XF_seq(F, T) HL_XF_done(F, T) HL_XF_duration_ns(F, T) HL_XF_relay(F, T)

#define HL_MSG_F_workflow_result_push(F, T)                               \
	F(T, 1, job_id, U64, 0, _, REQ)                                   \
	F(T, 2, workflow_id, U64, HL_WIRE_U32, _, REQ)                    \
	F(T, 3, name, STR, HL_WIRE_NAME_MAX, _, OPT)                      \
	F(T, 4, dc, STR, HL_WIRE_DC_MAX, _, OPT) /* M->G: reporting DC */ \
	F(T, 5, status, U64, HL_WS_MAX, _, REQ)                           \
	F(T, 6, token, U64, 0, _, OPT)                                    \
	F(T, 7, seq, U64, 0, _, OPT)                                      \
	F(T, 8, streams, RECL, HL_WIRE_MAX_STREAMS, stream_result, OPT)   \
	F(T, 9, dcs, RECL, HL_WIRE_MAX_DCS, dc_status, OPT) /* G->C: per-DC breakdown */

#define HL_MSG_F_job_result(F, T)                                                                  \
	F(T, 1, job_id, U64, 0, _, REQ)                                                            \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, REQ)                                                   \
	F(T, 3, token, U64, 0, _, REQ)                                                             \
	F(T, 4, status, U64, HL_WS_MAX, _, REQ)                                                    \
	F(T, 5, code, U64, HL_WIRE_U16, _, OPT)                                                    \
	F(T, 6, text, STR, HL_WIRE_TEXT_MAX, _, OPT)                                               \
	F(T, 7, started_ns, U64, 0, _, OPT)                                                        \
	F(T, 8, ended_ns, U64, 0, _, OPT)                                                          \
	F(T, 9, workflows, RECL, HL_WIRE_MAX_WORKFLOWS, workflow_status, OPT)                      \
	F(T, 10, streams, RECL, HL_WIRE_MAX_STREAMS, stream_result, OPT)                           \
	F(T, 11, totals, REC, 0, stream_result, OPT)                                               \
	F(T, 12, name, STR, HL_WIRE_NAME_MAX, _, OPT) /* job name */                               \
	F(T, 13, workflows_total, U64, HL_WIRE_U32, _, OPT)                                        \
	F(T, 14, workflows_done, U64, HL_WIRE_U32, _, OPT)                                         \
	F(T, 15, stream_info, RECL, HL_WIRE_MAX_STREAMS, stream_info, OPT)                         \
	F(T, 16, ports, RECL, HL_WIRE_MAX_PORTS, port_counters, OPT)                               \
	F(T, 17, hists, RECL, HL_WIRE_MAX_STREAMS, stream_hist, OPT)                               \
	F(T, 18, parts, RECL, HL_WIRE_MAX_ROWS, stream_part, OPT)                                  \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_leader(F, T) HL_XF_seq(F, T) HL_XF_version(F, T) \
	        HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T)    \
	                HL_XF_coord_type(F, T) HL_XF_gate_d4(F, T)

#define HL_MSG_F_job_result_query(F, T) F(T, 1, job_id, U64, 0, _, REQ)

#define HL_MSG_F_job_result_ack(F, T)                                                              \
	F(T, 1, job_id, U64, 0, _, REQ)                                                            \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, REQ)                                                   \
	F(T, 3, token, U64, 0, _, OPT)                                                             \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) \
	        HL_XF_seq(F, T) HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T)           \
	                HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) HL_XF_coord_type(F, T)          \
	                        HL_XF_gate_d4(F, T)

#define HL_MSG_F_global_result(F, T)                                                           \
	F(T, 1, job_id, U64, 0, _, REQ)                                                        \
	F(T, 2, seq, U64, 0, _, REQ)                                                           \
	F(T, 3, status, U64, HL_WS_MAX, _, REQ) /* FAILED > CANCELLED > TIMEOUT > COMPLETED */ \
	F(T, 4, dcs, RECL, HL_WIRE_MAX_DCS, dc_status, REQ) /* per-DC statuses kept */         \
	F(T, 5, totals, REC, 0, stream_result, OPT)                                            \
	F(T, 6, streams, RECL, HL_WIRE_MAX_STREAMS, stream_result, OPT)                        \
	F(T, 7, workflows, RECL, HL_WIRE_MAX_WORKFLOWS, workflow_status, OPT)                  \
	F(T, 8, started_ns, U64, 0, _, OPT)                                                    \
	F(T, 9, ended_ns, U64, 0, _, OPT)                                                      \
	F(T, 10, text, STR, HL_WIRE_TEXT_MAX, _, OPT)

#define HL_MSG_F_global_result_ack(F, T)                                                           \
	F(T, 1, job_id, U64, 0, _, REQ)                                                            \
	F(T, 2, seq, U64, 0, _, OPT)                                                               \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) \
	        HL_XF_token(F, T) HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T)         \
	                HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) HL_XF_gate_d4(F, T)

#define HL_MSG_F_reporter_result(F, T)                                                            \
	F(T, 1, job_id, U64, 0, _, REQ)                                                           \
	F(T, 2, reporter, STR, HL_WIRE_NAME_MAX, _, REQ)                                          \
	F(T, 3, ok, BOOL, 0, _, REQ)                                                              \
	F(T, 4, code, U64, HL_WIRE_U16, _, OPT)                                                   \
	F(T, 5, text, STR, HL_WIRE_TEXT_MAX, _, OPT)                                              \
	F(T, 6, records, U64, 0, _, OPT)                                                          \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_leader(F, T) HL_XF_seq(F, T) \
	        HL_XF_token(F, T) HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T)        \
	                HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) HL_XF_coord_type(F, T)         \
	                        HL_XF_gate_d4(F, T)

#define HL_MSG_F_job_progress_report(F, T)                                                         \
	F(T, 1, job_id, U64, 0, _, REQ)                                                            \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, REQ)                                                   \
	F(T, 3, token, U64, 0, _, REQ)                                                             \
	F(T, 4, workflows_total, U64, HL_WIRE_U32, _, OPT)                                         \
	F(T, 5, pending, U64, HL_WIRE_U32, _, OPT)                                                 \
	F(T, 6, running, U64, HL_WIRE_U32, _, OPT)                                                 \
	F(T, 7, done, U64, HL_WIRE_U32, _, OPT)                                                    \
	F(T, 8, recent_progress, BOOL, 0, _, OPT)                                                  \
	F(T, 9, extensions, U64, HL_WIRE_U32, _, OPT)                                              \
	F(T, 10, elapsed_ms, U64, 0, _, OPT)                                                       \
	F(T, 11, totals, REC, 0, stream_result,                                                    \
	        OPT) /* the DC's counts so far; p99: last windows */                               \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) \
	        HL_XF_seq(F, T) HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T)           \
	                HL_XF_idem_bytes(F, T) HL_XF_job_rec(F, T) HL_XF_coord_type(F, T)          \
	                        HL_XF_gate_d4(F, T)

#define HL_MSG_F_job_timeout_report(F, T)        \
	F(T, 1, job_id, U64, 0, _, REQ)          \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, REQ) \
	F(T, 3, token, U64, 0, _, REQ)           \
	F(T, 4, reason, U64, HL_TO_MAX, _, REQ)  \
	F(T, 5, elapsed_ms, U64, 0, _, OPT)      \
	F(T, 6, text, STR, HL_WIRE_TEXT_MAX, _, OPT)

#define HL_MSG_F_job_global_timeout(F, T)       \
	F(T, 1, job_id, U64, 0, _, REQ)         \
	F(T, 2, token, U64, 0, _, REQ)          \
	F(T, 3, reason, U64, HL_TO_MAX, _, REQ) \
	F(T, 4, text, STR, HL_WIRE_TEXT_MAX, _, OPT)

#define HL_MSG_F_job_final_status(F, T)          \
	F(T, 1, job_id, U64, 0, _, REQ)          \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, REQ) \
	F(T, 3, token, U64, 0, _, REQ)           \
	F(T, 4, status, U64, HL_WS_MAX, _, REQ)

#define HL_MSG_F_job_leader_gate_transfer(F, T) \
	F(T, 1, job_id, U64, 0, _, REQ)         \
	F(T, 2, gate, REC, 0, node_addr, REQ)   \
	F(T, 3, token, U64, 0, _, REQ)          \
	F(T, 4, term, U64, 0, _, OPT)           \
	F(T, 5, old_gate, U64, 0, _, OPT)

#define HL_MSG_F_job_leader_manager_transfer(F, T) \
	F(T, 1, job_id, U64, 0, _, REQ)            \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, REQ)   \
	F(T, 3, manager, REC, 0, node_addr, REQ)   \
	F(T, 4, token, U64, 0, _, REQ)             \
	F(T, 5, term, U64, 0, _, OPT)              \
	F(T, 6, old_manager, U64, 0, _, OPT)

#define HL_MSG_F_job_leader_worker_transfer(F, T)                                           \
	F(T, 1, job_id, U64, 0, _, REQ)                                                     \
	F(T, 2, manager, REC, 0, node_addr, REQ)                                            \
	F(T, 3, token, U64, 0, _, REQ)                                                      \
	F(T, 4, workflows, U64L, HL_WIRE_MAX_WORKFLOWS, _, OPT)                             \
	F(T, 5, old_manager, U64, 0, _, OPT)                                                \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_backpressure(F, T)     \
	        HL_XF_accepted(F, T) HL_XF_code(F, T) HL_XF_cores(F, T) HL_XF_attempt(F, T) \
	                HL_XF_seq(F, T) HL_XF_done(F, T) HL_XF_duration_ns(F, T)            \
	                        HL_XF_sub_id(F, T) HL_XF_relay(F, T)

#define HL_MSG_F_job_leader_client_transfer(F, T)                          \
	F(T, 1, job_id, U64, 0, _, REQ)                                    \
	F(T, 2, tier, U64, HL_TIER_MAX, _, REQ) /* which leader changed */ \
	F(T, 3, dc, STR, HL_WIRE_DC_MAX, _, OPT)                           \
	F(T, 4, leader, REC, 0, node_addr, REQ)                            \
	F(T, 5, token, U64, 0, _, REQ)                                     \
	F(T, 6, term, U64, 0, _, OPT)

#define HL_MSG_F_job_leader_transfer_ack(F, T)                                               \
	F(T, 1, job_id, U64, 0, _, REQ)                                                      \
	F(T, 2, token, U64, 0, _, REQ) /* token received */                                  \
	F(T, 3, accepted, BOOL, 0, _, REQ)                                                   \
	F(T, 4, code, U64, HL_WIRE_U16, _, OPT)                                              \
	F(T, 5, node_id, U64, 0, _, OPT)                                                     \
	F(T, 6, workflows, RECL, HL_WIRE_MAX_WORKFLOWS, workflow_status, OPT) /* W->M */     \
	HL_XF_dest(F, T) HL_XF_backpressure(F, T) HL_XF_leader(F, T) HL_XF_cores(F, T)       \
	        HL_XF_attempt(F, T) HL_XF_seq(F, T) HL_XF_done(F, T) HL_XF_duration_ns(F, T) \
	                HL_XF_relay(F, T)

#define HL_MSG_F_job_leader_announce(F, T)                                                      \
	F(T, 1, job_id, U64, 0, _, REQ)                                                         \
	F(T, 2, tier, U64, HL_TIER_MAX, _, REQ)                                                 \
	F(T, 3, dc, STR, HL_WIRE_DC_MAX, _, OPT)                                                \
	F(T, 4, leader, U64, 0, _, REQ)                                                         \
	F(T, 5, term, U64, 0, _, OPT)                                                           \
	F(T, 6, token, U64, 0, _, REQ)                                                          \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_code(F, T) HL_XF_seq(F, T) \
	        HL_XF_version(F, T) HL_XF_kind(F, T) HL_XF_dc_node(F, T) HL_XF_idem_bytes(F, T) \
	                HL_XF_job_rec(F, T) HL_XF_gate_d4(F, T)

#define HL_MSG_F_job_cancel(F, T)                                                          \
	F(T, 1, job_id, U64, 0, _, REQ)                                                    \
	F(T, 2, token, U64, 0, _, OPT)                                                     \
	F(T, 3, workflow_id, U64, HL_WIRE_U32, _, OPT) /* 0: the whole job */              \
	F(T, 4, dependents, BOOL, 0, _, OPT) /* also cancel dependents */                  \
	F(T, 5, reason, STR, HL_WIRE_TEXT_MAX, _, OPT)                                     \
	F(T, 6, req_id, U64, 0, _, OPT)                                                    \
	HL_XF_sender(F, T) HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_backpressure(F, T)    \
	        HL_XF_accepted(F, T) HL_XF_code(F, T) HL_XF_leader(F, T) HL_XF_cores(F, T) \
	                HL_XF_attempt(F, T) HL_XF_seq(F, T) HL_XF_done(F, T)               \
	                        HL_XF_duration_ns(F, T) HL_XF_sub_id(F, T) HL_XF_relay(F, T)

#define HL_MSG_F_job_cancel_reply(F, T)                        \
	F(T, 1, job_id, U64, 0, _, REQ)                        \
	F(T, 2, accepted, BOOL, 0, _, REQ)                     \
	F(T, 3, code, U64, HL_WIRE_U16, _, OPT)                \
	F(T, 4, already_cancelled, BOOL, 0, _, OPT)            \
	F(T, 5, already_done, BOOL, 0, _, OPT)                 \
	F(T, 6, workflows_cancelled, U64, HL_WIRE_U32, _, OPT) \
	F(T, 7, req_id, U64, 0, _, OPT)                        \
	F(T, 8, text, STR, HL_WIRE_TEXT_MAX, _, OPT)

#define HL_MSG_F_workflow_cancel_done(F, T)                                               \
	F(T, 1, job_id, U64, 0, _, REQ)                                                   \
	F(T, 2, workflow_id, U64, HL_WIRE_U32, _, REQ)                                    \
	F(T, 3, sub_id, U64, HL_WIRE_U32, _, OPT)                                         \
	F(T, 4, token, U64, 0, _, OPT)                                                    \
	F(T, 5, node_id, U64, 0, _, REQ)                                                  \
	F(T, 6, errors, U64, HL_WIRE_U32, _, OPT)                                         \
	F(T, 7, text, STR, HL_WIRE_TEXT_MAX, _, OPT)                                      \
	HL_XF_dest(F, T) HL_XF_status(F, T) HL_XF_backpressure(F, T) HL_XF_accepted(F, T) \
	        HL_XF_code(F, T) HL_XF_leader(F, T) HL_XF_cores(F, T) HL_XF_attempt(F, T) \
	                HL_XF_seq(F, T) HL_XF_done(F, T) HL_XF_duration_ns(F, T) HL_XF_relay(F, T)

#define HL_MSG_F_job_cancel_done(F, T)                         \
	F(T, 1, job_id, U64, 0, _, REQ)                        \
	F(T, 2, dc, STR, HL_WIRE_DC_MAX, _, OPT)               \
	F(T, 3, token, U64, 0, _, OPT)                         \
	F(T, 4, workflows_cancelled, U64, HL_WIRE_U32, _, OPT) \
	F(T, 5, errors, U64, HL_WIRE_U32, _, OPT)              \
	F(T, 6, text, STR, HL_WIRE_TEXT_MAX, _, OPT)

/* A slice's rows (kind 1, W->M: one per stream, worker set) or a DC's (kind 2, M->M, M->G,
 * G->G: one merged row per stream with worker 0 and the histogram, then one row per stream and
 * slice without it); stream_id is the stream's index in the job profile. */
#define HL_MSG_F_stream_rows(F, T)                                                    \
	F(T, 1, job_id, U64, 0, _, REQ)                                               \
	F(T, 2, kind, U64, 2, _, REQ)                                                 \
	F(T, 3, node, U64, 0, _, REQ) /* sender */                                    \
	F(T, 4, workflow_id, U64, HL_WIRE_U32, _, OPT)                                \
	F(T, 5, sub_id, U64, HL_WIRE_U32, _, OPT)                                     \
	F(T, 6, dc, STR, HL_WIRE_DC_MAX, _, OPT)                                      \
	F(T, 7, slices, U64, HL_WIRE_U32, _, OPT) /* kind 2: slices the rows cover */ \
	F(T, 8, missing, U64, HL_WIRE_U32, _, OPT) /* kind 2: done, without rows */   \
	F(T, 9, rows, RECL, HL_WIRE_MAX_ROWS, stream_row, OPT)                        \
	F(T, 10, relayed, BOOL, 0, _, OPT) /* a gate's copy of a DC's rows */         \
	F(T, 11, status, U64, HL_WS_MAX, _, OPT) /* kind 1: the slice's end */

#endif
