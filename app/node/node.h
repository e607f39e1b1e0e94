/* node.h — internal wiring of the hyperline node: its settings, the ring messages between
 * lcores, the per-workflow run shared by control, dispatch, traffic lanes and progress, and the
 * entry points of each concern (one file each). */
#ifndef HL_NODE_H
#define HL_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_ring.h>

#include "hl_client_msg.h"
#include "hl_hist.h"
#include "hl_job_profile.h"
#include "hl_pmd_profile.h"
#include "hl_port.h"

#define HL_NODE_STR 64
#define HL_NODE_LONGSTR 256
#define HL_NODE_MAX_TRAFFIC 8 /* traffic lanes (lcores) */
#define HL_NODE_MAX_TPORTS 8 /* test ports */
#define HL_NODE_MAX_PEERS 16
#define HL_NODE_MAX_SVC_LCORES 4
#define HL_NODE_RING_SIZE 1024 /* entries per SP/SC ring */
#define HL_NODE_MAX_JOBS 64 /* job records kept (running, queued, results not yet fetched) */

/* node roles: the wire's bit mask (HL_ROLE_GATE, HL_ROLE_MANAGER, HL_ROLE_WORKER) */
#include "hl_msg_table.h"

struct hl_node_tport_cfg {
	char name[HL_NODE_STR]; /* test port name (jobs refer to ports by index: file order) */
	char device[HL_NODE_LONGSTR]; /* ethdev name (e.g. net_ring0, 0000:3b:00.0) */
	char args[HL_NODE_LONGSTR]; /* full devargs to hot-plug it when EAL did not create it */
	char pmd_config[HL_NODE_LONGSTR]; /* as written in the profile ("" = lib/port defaults) */
	bool have_pmd;
	struct hl_pmd_profile pmd; /* loaded at profile parse time */
};

#define HL_NODE_MAX_DCS 8
#define HL_NODE_DC_MANAGERS 5
struct hl_node_dc {
	char name[HL_NODE_STR];
	uint32_t n_managers;
	uint64_t managers[HL_NODE_DC_MANAGERS];
};

struct hl_node_cfg {
	char origin[HL_NODE_LONGSTR]; /* file name or "built-in demo" */
	char name[HL_NODE_STR];
	char roles_str[HL_NODE_STR];
	unsigned roles; /* enum hl_wire_role bits */
	char dc[HL_NODE_STR], cluster_id[HL_NODE_STR], environment[HL_NODE_STR];
	char state_dir[HL_NODE_LONGSTR];
	char pmd_config_dir[HL_NODE_LONGSTR]; /* where bare pmd-config names are looked up */
	bool adaptive; /* polling of service lcores */
	char client_addr[HL_NODE_STR]; /* host:port of the client API */
	char http_addr[HL_NODE_STR]; /* host:port of the HTTP endpoint, "" = off */
	char swim_addr[HL_NODE_STR]; /* IPv4:port of SWIM over kernel UDP, "" = single node */
	/* [fabric]: when fabric_device is set, SWIM runs on this DPDK port (fabric.c) */
	char fabric_device[HL_NODE_LONGSTR], fabric_pmd[HL_NODE_LONGSTR], fabric_addr[HL_NODE_STR];
	uint32_t fabric_ip; /* host order, from fabric_addr */
	uint16_t fabric_swim_port; /* from fabric_addr (":port"), default 7946 */
	bool fabric_have_pmd;
	struct hl_pmd_profile fabric_pmd_prof;
	uint32_t n_seeds;
	char seeds[HL_NODE_MAX_PEERS][HL_NODE_STR];
	uint32_t n_svc;
	unsigned svc_lcores[HL_NODE_MAX_SVC_LCORES];
	unsigned swim_lcore, dispatch_lcore, progress_lcore;
	uint32_t n_traffic;
	unsigned traffic_lcores[HL_NODE_MAX_TRAFFIC];
	uint32_t n_ports;
	struct hl_node_tport_cfg ports[HL_NODE_MAX_TPORTS];
	uint64_t window_ms, push_ms;
	/* node-to-node links (peer.h): [node] id, [peer] section */
	uint64_t node_id;
	uint32_t peer_max_frame, peer_queue_frames;
	uint64_t peer_queue_bytes, peer_heartbeat_ms, peer_dead_ms;
	uint64_t peer_probe_ms; /* diagnostic traffic through hl_peer_send, 0 = off */
	/* [cluster] gates: node ids of the configured gate tier (election quorum), 0 = none */
	uint32_t n_gates;
	uint64_t gates[3];
	/* [cluster] dc.NAME: each DC's configured manager tier (cluster mode when any) */
	uint32_t n_dcs;
	struct hl_node_dc dcs[HL_NODE_MAX_DCS];
	uint32_t peer_probe_burst;
};

/** Parse a node profile. Returns 0 or -HL_E_CONFIG with "file: [section] key: reason" in err. */
int hl_node_cfg_load(const char *path, struct hl_node_cfg *p, char *err, size_t errlen);
/** The embedded profile of --demo: all roles, net_ring0 as test port "test0", ephemeral ports. */
void hl_node_cfg_demo(struct hl_node_cfg *p);
/** Check the lcore map against the lcores EAL enabled. 0 or -HL_E_CONFIG with a message. */
int hl_node_cfg_check_lcores(const struct hl_node_cfg *p, char *err, size_t errlen);

/* ---- ring messages: one fixed-size struct on every ring ---- */

enum hl_msg_kind { HL_MSG_RUN = 1, HL_MSG_WINDOW = 2, HL_MSG_DONE = 3 };

struct hl_run;
struct hl_msg {
	uint32_t kind;
	uint32_t lane;
	struct hl_run *run;
	uint64_t tsc;
	uint64_t tx_pkts, rx_pkts, tx_bytes, lost, p99_ns;
} __attribute__((aligned(8)));

/* ---- a workflow run ---- */

#define HL_RUN_MAX_STREAMS HL_JOB_MAX_WF_STREAMS

struct hl_tx_stream;
struct hl_rxmeas;

/* Ownership: control builds the run (streams compiled by lib/txgen, one generator and one RX
 * measurement per (lane, port) it uses) before dispatch and does not touch it again until every
 * lane has sent HL_MSG_DONE; until then each lane is the only writer of its generator, its
 * streams and its RX measurements. The ring's release/acquire hands them back to control. */
struct hl_run_stream {
	uint16_t js_idx; /* index in the job spec */
	uint16_t sig_id; /* stream id in the signature: run generation << 4 | index */
	uint16_t port_idx, lane;
	struct hl_tx_stream *tx;
};

struct hl_run {
	uint64_t job_id;
	uint32_t wf_idx;
	uint32_t n_streams;
	uint32_t lanes_mask; /* lanes that run a part (control) */
	uint32_t lanes_done; /* DONE messages received (control) */
	uint32_t cancel; /* control writes 1 (relaxed store; lanes poll it every pass) */
	uint64_t win_tx[HL_NODE_MAX_TRAFFIC], win_rx[HL_NODE_MAX_TRAFFIC]; /* progress service */
	uint64_t win_lost[HL_NODE_MAX_TRAFFIC], win_p99[HL_NODE_MAX_TRAFFIC];
	uint64_t start_tsc; /* control */
	struct hl_run_stream st[HL_RUN_MAX_STREAMS];
	struct hl_rxmeas *rx[HL_NODE_MAX_TRAFFIC][HL_NODE_MAX_TPORTS]; /* NULL: port unused */
	struct hl_txgen *gen[HL_NODE_MAX_TRAFFIC];
};

/* ---- the node ---- */

struct hl_node_tport {
	struct hl_node_tport_cfg cfg;
	uint16_t port_id;
	bool started;
	struct hl_port_info info;
};

struct hl_node {
	struct hl_node_cfg prof;
	uint32_t quit; /* set by the signal handler / demo; everyone polls it (relaxed) */
	unsigned main_lcore;
	uint32_t n_ports;
	struct hl_node_tport ports[HL_NODE_MAX_TPORTS];
	struct rte_ring *ctl_to_disp, *prog_to_ctl;
	struct rte_ring *disp_to_lane[HL_NODE_MAX_TRAFFIC], *lane_to_prog[HL_NODE_MAX_TRAFFIC];
	uint32_t svc_dispatch, svc_progress, svc_backoff, svc_swim;
	bool have_svc_swim;
	uint64_t hz;
	/* counters read by HTTP/telemetry (atomics, relaxed: monotonic statistics) */
	uint64_t windows_total, windows_dropped, ring_full;
	int lanes_started;
};

extern struct hl_node hl_node;

/** CLOCK_MONOTONIC in ns: the time the control core hands to the sans-IO cores. */
static inline uint64_t
hl_node_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline bool
hl_node_quitting(void)
{
	return __atomic_load_n(&hl_node.quit, __ATOMIC_RELAXED) != 0;
}
void hl_node_request_quit(void);

/* services.c */
int hl_services_start(char *err, size_t errlen);
void hl_services_stop(void);
/* rings + pools (services.c) */
int hl_rings_create(char *err, size_t errlen);
void hl_rings_free(void);
/* ports.c */
struct rte_eth_stats;
int hl_ports_start(char *err, size_t errlen);
void hl_ports_stop(void);
/* Test port I's counters into ST; on failure ST is zeroed, the failure logged (naming WHO
 * asked) and counted in hl_ports_stats_errors, and the ethdev error returned. */
int hl_port_stats(uint32_t i, struct rte_eth_stats *st, const char *who);
extern uint64_t hl_ports_stats_errors;
/* lane.c: traffic lcore body */
int hl_lane_main(void *arg);
int hl_lanes_launch(char *err, size_t errlen);
void hl_lanes_wait(void);

/* membership.c: SWIM over kernel UDP as the hl_swim service */
int hl_membership_start(const char *client_addr, char *err, size_t errlen);
bool hl_membership_enabled(void);
int32_t hl_membership_service(void *arg);
void hl_membership_snapshot(struct hl_cp_nodes *out);
void hl_membership_stop(void);
const char *hl_membership_addr(void);
/* fabric.c: the [fabric] port (set up, created, stopped on the main lcore; polled only by the
 * SWIM service lcore in between) */
struct hl_fabric;
struct hl_fabric_stats;
struct hl_arp_stats;
int hl_fabric_port_start(char *err, size_t errlen);
struct hl_fabric *hl_fabric_port(void); /* NULL without [fabric] */
void hl_fabric_port_stop(void);
/** Copy the fabric counters published by the SWIM service (every 100 ms). false: no fabric. */
bool hl_fabric_port_stats(struct hl_fabric_stats *fs, struct hl_arp_stats *as);
struct hl_node_counter {
	const char *name;
	uint64_t v;
};
#define HL_FABRIC_COUNTERS 48 /* room for hl_fabric_port_counters */
/** The fabric counters (as published) as name/value pairs: how many were written (0 without a
 * fabric). Names are Prometheus- and telemetry-safe. */
uint32_t hl_fabric_port_counters(struct hl_node_counter *out, uint32_t cap);
/** Called by the SWIM service lcore: publish the fabric counters for readers. */
void hl_fabric_port_publish(void);
/* services.c: a service on this lcore did work (adaptive back-off resets) */
void hl_svc_worked(void);
/** Register the hl_swim service on the profile's swim lcore (after hl_membership_start). */
int hl_services_add_swim(char *err, size_t errlen);

/* roles.c: the coordination roles on the control core (first: the gate tier election) */
struct event_base;
int hl_roles_start(struct event_base *base, char *err, size_t errlen);
void hl_roles_stop(void);
/** Role counters as name/value pairs (Prometheus-safe names); how many were written. */
uint32_t hl_roles_counters(struct hl_node_counter *out, uint32_t cap);
#define HL_ROLES_COUNTERS 128
/** Deliver the frames this node sent itself (after a call from outside the roles' loop). */
void hl_roles_kick(void);
/** True when this node's client submits go to the cluster (a gate in cluster mode). */
bool hl_roles_runs_jobs(void);
struct hl_job_spec;
/** Submit job (this node's record id) with its profile text to the cluster. 0 or an error
 * with a message for the client in err. */
/** Cancel a cluster job submitted here: its gate job leader is asked (until its final comes,
 * CANCELLED with what ran). 0, -ENOENT, -EALREADY, -HL_E_UNSUPPORTED (no gate here). */
int hl_roles_cancel(uint64_t job);
int hl_roles_submit(uint64_t job, const void *text, size_t len, const struct hl_job_spec *js,
        char *err, size_t errlen);

/* control.c (main lcore) */
int hl_control_run(int demo);
/* telemetry.c */
int hl_telemetry_register(void);
void hl_telemetry_publish_jobs(const char *json);
/* demo.c */
extern const char hl_demo_job[];
int hl_demo_client(const char *addr);

#endif

/* ---- jobs.c: the job table on the control core (single writer: the main lcore) ---- */

#define HL_JOB_MAX_WATCHERS 8
struct hl_conn;

enum hl_jwf_state { HL_JWF_PENDING = 0, HL_JWF_RUNNING, HL_JWF_DONE };

struct hl_job {
	bool used;
	uint64_t id;
	uint32_t state; /* enum hl_job_state */
	bool fetched; /* the result was delivered to a RESULTS request */
	bool cancel_req, timed_out;
	bool remote; /* a cluster job: runs elsewhere, role_gate.c updates it */
	struct hl_job_spec *spec; /* malloc'ed at submit (large), freed with the record */
	uint8_t wf_state[HL_JOB_MAX_WORKFLOWS];
	uint32_t wf_done;
	int cur_wf; /* -1 when none */
	struct hl_run *run;
	uint64_t submit_ns, start_ns, end_ns;
	uint64_t done_tx, done_rx, done_lost; /* of finished workflows, for progress */
	uint64_t last_tx, last_win_tsc; /* latest window of the running workflow */
	uint64_t rate_tx,
	        rate_tsc; /* window seen at the previous push: rate over the push period (a
	                   * cluster job: tx and CLOCK_MONOTONIC ns of the last rate sample) */
	struct hl_cp_progress prog;
	bool prog_dirty;
	struct hl_cp_result *result; /* malloc'ed at submit, freed with the record */
	uint64_t port_base_o[HL_NODE_MAX_TPORTS], port_base_i[HL_NODE_MAX_TPORTS];
	uint64_t port_base_oe[HL_NODE_MAX_TPORTS], port_base_im[HL_NODE_MAX_TPORTS];
	uint32_t n_watchers;
	struct hl_conn *watchers[HL_JOB_MAX_WATCHERS];
};

extern struct hl_job hl_jobs[HL_NODE_MAX_JOBS];

/** Parse, validate against this node and queue a job. cluster: the job goes to the cluster
 * (hl_roles_submit; this record follows it) instead of this node's lanes. 0 and *id, or a
 * negative code with a message for the client in err. */
int
hl_jobs_submit(const char *ini, size_t len, bool cluster, uint64_t *id, char *err, size_t errlen);
/** A cluster job's update (enum hl_push_kind, hl_wire_status, progress ppm) and final status. */
struct hl_counts;
void hl_jobs_remote_update(uint64_t id, uint8_t kind, uint8_t status, uint32_t ppm,
        const struct hl_counts *live, uint64_t p99_ns);
/** The gate tier's final for a job submitted here, with the job's packet counts. */
struct hl_rows_merge;
/* A cluster job's final: its status, its counts (the cores'), its DCs' per-stream rows merged
 * (rows.h; NULL: none came), their per-DC and per-worker parts (`stream`: the row's stream id,
 * rows.h), and missing_slices: counted slices whose rows a DC lacked. */
void hl_jobs_remote_final(uint64_t id, uint8_t status, const struct hl_counts *totals,
        const struct hl_rows_merge *rows, const struct hl_cp_part *parts, uint32_t n_parts,
        uint32_t missing_slices);
/** Free an ended job's record now (a worker's slice, once reported or stopped): 0, -EBUSY
 * while it has not ended or its lanes still run, -HL_E_NOT_FOUND. */
int hl_jobs_release(uint64_t id);
struct hl_job *hl_jobs_get(uint64_t id);
/** Cancel a queued or running job. 0, -HL_E_NOT_FOUND, or -EALREADY when it already ended. */
int hl_jobs_cancel(uint64_t id);
/** Drain the progress ring, finish runs, start the next workflow, enforce timeouts. */
void hl_jobs_tick(void);
/** Register conn for pushes of job. 0, -HL_E_NOT_FOUND or -HL_E_FULL. */
int hl_jobs_watch(struct hl_job *j, struct hl_conn *conn);
/** Forget a closing connection everywhere. */
void hl_jobs_forget_conn(struct hl_conn *conn);
/** Cancel every job (shutdown); returns true while a run is still out on the lanes. */
bool hl_jobs_shutdown(void);
/** Job counts per state (metrics). */
void hl_jobs_count(uint64_t counts[5]);
extern uint64_t hl_jobs_submitted, hl_jobs_rejected, hl_jobs_evicted, hl_jobs_persist_errors,
        hl_jobs_deduplicated;
/** Persist final results under <state_dir>/results from now on, and load the unfetched ones a
 * previous run left there. Returns how many were restored, or a negative errno (then results
 * live in memory only; logged). */
int hl_jobs_restore(const char *state_dir);
/** A client received the result: mark it fetched and drop its file. */
void hl_jobs_result_fetched(struct hl_job *j);

/* control.c: push the job's progress to its watchers (called by jobs.c). */
void hl_control_push_progress(struct hl_job *j);
