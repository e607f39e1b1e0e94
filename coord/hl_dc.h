/* hl_dc.h — inside one datacenter: the job-leader manager (worker registry, core allocation,
 * dependency layers, fenced dispatch with acks and retries, reassignment of a dead worker's
 * workflows, leader transfer told to workers, exactly-once results, per-job cleanup) and the
 * worker side (fence per job, results held until acked, transfers). Sans-IO.
 *
 * Messages are one flat struct (struct hl_dc_msg); each kind maps 1:1 onto a lib/wire message:
 *   DISPATCH     -> workflow_dispatch (66)        DISPATCH_ACK -> workflow_dispatch_ack (67)
 *   PROGRESS     -> workflow_progress (72)        PROGRESS_ACK -> progress_ack (73)
 *   RESULT       -> workflow_result (88)          RESULT_ACK   -> workflow_result_ack (89)
 *   TRANSFER     -> job_leader_worker_transfer (114)  TRANSFER_ACK -> job_leader_transfer_ack (116)
 *   CANCEL       -> job_cancel (120)              CANCEL_DONE  -> workflow_cancel_done (122)
 */
#ifndef HL_DC_H
#define HL_DC_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_backpressure.h"
#include "hl_counts.h"
#include "hl_lease.h"
#include "hl_progress.h"

#define HL_DC_MAX_WF 16 /* workflows per job (one slice each) */
#define HL_DC_OUTBOX 1024 /* messages queued for the host */
#define HL_DC_EVENTS 256 /* events queued for the host */
#define HL_DC_MAX_HELD 128 /* slices a worker runs or holds results for */

enum hl_dc_kind {
	HL_DC_DISPATCH = 1,
	HL_DC_DISPATCH_ACK,
	HL_DC_PROGRESS,
	HL_DC_PROGRESS_ACK,
	HL_DC_RESULT,
	HL_DC_RESULT_ACK,
	HL_DC_TRANSFER,
	HL_DC_TRANSFER_ACK,
	HL_DC_CANCEL,
	HL_DC_CANCEL_DONE,
};

struct hl_dc_msg {
	uint8_t kind; /* enum hl_dc_kind */
	uint8_t status; /* enum hl_wire_status (results, transfer acks) */
	uint8_t bp; /* backpressure level (progress acks) */
	uint8_t ok; /* acks: accepted */
	int32_t code; /* acks: reason when refused (negative hl_err / errno) */
	uint64_t from, to;
	uint64_t job;
	uint32_t workflow;
	uint32_t sub; /* slice id: unique per (job, placement attempt) */
	uint64_t token; /* job leader's fencing token */
	uint64_t leader; /* job leader node (dispatch, transfer, acks) */
	uint32_t cores;
	uint32_t attempt;
	uint64_t seq; /* progress */
	uint64_t done; /* progress: work units done */
	uint64_t duration_ns;
	struct hl_counts counts; /* RESULT: the slice's packet counts (workflow_result totals);
				  * PROGRESS: its counts so far */
	uint64_t p99_ns; /* PROGRESS: latency p99 of the slice's last window (0: none) */
};

/* ------------------------------------------------------------------ manager (job leader) */

enum hl_wf_state {
	HL_WF_PENDING = 0, /* waiting for dependencies or a worker */
	HL_WF_DISPATCHED, /* sent, no ack yet */
	HL_WF_RUNNING, /* acked by the worker */
	HL_WF_COMPLETED,
	HL_WF_FAILED,
	HL_WF_CANCELLED,
};

struct hl_dc_wf_spec {
	uint32_t id;
	uint32_t deps; /* bitmask of indexes of workflows this one waits for */
	uint32_t cores; /* cores of one worker */
	uint64_t duration_ns;
	uint64_t work; /* work units (for the progress percentage) */
};

struct hl_dc_job_spec {
	uint64_t job;
	uint64_t timeout_ns; /* the job's [job] timeout: its job leader ends it TIMEOUT past it
			      * (0: none) */
	uint32_t nwf;
	struct hl_dc_wf_spec wf[HL_DC_MAX_WF];
};

struct hl_dc_wf {
	struct hl_dc_wf_spec spec;
	uint8_t state;
	uint64_t worker;
	uint32_t sub;
	uint32_t attempt; /* sends of the current dispatch */
	uint32_t retries; /* placements beyond the first (budget) */
	uint64_t next_ns; /* resend / retry time */
	uint64_t backoff_ns;
	uint64_t excluded; /* worker that failed this workflow last */
	bool result_in;
	bool cancel_acked; /* the worker answered our CANCEL (its result, with the counts of
			    * what ran, follows) */
	struct hl_counts counts; /* of the slice whose result (COMPLETED or CANCELLED) ended it */
};

struct hl_dc_job {
	uint64_t job;
	uint64_t token;
	uint8_t status; /* enum hl_wire_status */
	bool cancelling;
	uint8_t cancel_status; /* the status a cancelled job ends with: CANCELLED or TIMEOUT */
	bool done_reported;
	uint32_t retries; /* job-wide retry budget used */
	uint32_t next_sub;
	uint32_t nwf;
	struct hl_dc_wf wf[HL_DC_MAX_WF];
	uint32_t
	        transfer_pending; /* bitmask of workflow indexes whose worker must ack a transfer */
	uint64_t transfer_next_ns;
};

struct hl_dc_worker {
	uint64_t id;
	uint32_t cores_total, cores_reserved;
	uint8_t health; /* 0 healthy, 1 busy, 2 degraded, 3 overloaded (excluded) */
	uint32_t inflight; /* dispatches not yet acked (<= 3) */
};

enum hl_dc_ev_kind {
	HL_DC_EV_JOB_DONE = 1, /* exactly once per job: status = final status */
	HL_DC_EV_NO_WORKER, /* a ready workflow found no worker (retried each tick) */
	HL_DC_EV_WF_FAILED, /* a workflow ran out of retries */
	HL_DC_EV_REASSIGNED, /* workflow moved off a dead/failed worker */
	HL_DC_EV_STALE, /* a message with a stale token or unknown job was refused */
};

struct hl_dc_wf_record {
	uint8_t state;
	uint64_t worker;
	uint32_t sub;
	struct hl_counts counts; /* a COMPLETED workflow's counts */
};

struct hl_dc_event {
	uint8_t kind;
	uint8_t status;
	uint64_t job;
	uint32_t workflow;
	uint64_t worker;
	int32_t code;
	struct hl_counts totals; /* JOB_DONE: hl_dc_job_totals of the job (it is freed by then) */
	uint32_t nwf; /* JOB_DONE: every workflow's final state, slice and counts */
	struct hl_dc_wf_record wf[HL_DC_MAX_WF];
};

struct hl_dc_mgr_cfg {
	uint64_t self;
	uint32_t max_jobs, max_workers;
	uint64_t ack_timeout_ns; /* resend a dispatch after this; 1 s */
	uint64_t backoff_max_ns; /* 60 s */
	uint32_t max_sends; /* sends of one dispatch before moving on; 5 */
	uint32_t wf_retries; /* per-workflow retry budget; 3 */
	uint32_t job_retries; /* per-job retry budget; 10 */
	uint32_t max_inflight; /* concurrent dispatches per worker; 3 */
	uint64_t transfer_retry_ns; /* resend leader transfers; 1 s */
	uint64_t tomb_ttl_ns; /* finished jobs remembered for late results; 300 s */
	uint32_t max_tombs; /* 4096 */
	uint32_t progress_buffer; /* backpressure buffer size (samples) */
};

void hl_dc_mgr_cfg_default(struct hl_dc_mgr_cfg *cfg);

struct hl_dc_mgr {
	struct hl_dc_mgr_cfg cfg;
	struct hl_idmap jobs_map, workers_map;
	struct hl_dc_job *jobs;
	struct hl_dc_worker *workers;
	struct hl_progress progress;
	struct hl_fence fence; /* highest token seen per job (peers' claims, stale leaders) */
	struct hl_bp bp;
	struct hl_dc_msg out[HL_DC_OUTBOX];
	uint32_t out_head, out_len;
	struct hl_dc_event ev[HL_DC_EVENTS];
	uint32_t ev_head, ev_len;
	/* Finished jobs, so that late or repeated results still get a real ack (bounded FIFO;
	 * entries leave after tomb_ttl_ns, or early when full: counted). */
	struct hl_idmap tomb_map;
	struct {
		uint64_t job, token, expires_ns;
	} * tomb;
	uint32_t tomb_head, tomb_len;
	uint64_t n_tomb_evicted;
	uint64_t n_tx_full, n_ev_full, n_stale, n_dup_results, n_unknown_job, n_busy;
};

int hl_dc_mgr_init(struct hl_dc_mgr *m, const struct hl_dc_mgr_cfg *cfg);
void hl_dc_mgr_fini(struct hl_dc_mgr *m);

/** Worker registry from SWIM metadata: add or update (cores, overload state 0..3). -HL_E_FULL. */
int hl_dc_worker_update(
        struct hl_dc_mgr *m, uint64_t id, uint32_t cores, uint8_t health, uint64_t now_ns);
/** SWIM says the worker is dead: its workflows are reassigned and every trace of it removed. */
int hl_dc_worker_dead(struct hl_dc_mgr *m, uint64_t id, uint64_t now_ns);

/** Start leading a job with its lease token. Errors: -EINVAL (spec), -HL_E_EXISTS, -HL_E_FULL,
 *  -HL_E_STALE_TOKEN (a token below one already seen for the job). */
int hl_dc_job_start(
        struct hl_dc_mgr *m, const struct hl_dc_job_spec *spec, uint64_t token, uint64_t now_ns);

/** Take over a job from a dead job leader (E.3): rebuild from the replicated record (spec plus
 *  where each workflow runs and what is done), raise the token (must be strictly greater) and
 *  tell every worker of a running slice, retrying until each acks. */
int hl_dc_job_takeover(struct hl_dc_mgr *m, const struct hl_dc_job_spec *spec,
        const struct hl_dc_wf_record *rec, uint64_t token, uint64_t now_ns);

/** Cancel: running slices get CANCEL; the job ends `status` (HL_WS_CANCELLED, or HL_WS_TIMEOUT
 *  when it ran past its [job] timeout) when they confirm. -EINVAL for another status. */
int hl_dc_job_cancel(struct hl_dc_mgr *m, uint64_t job, uint8_t status, uint64_t now_ns);

/** The stats consumer forwarded n progress samples (frees backpressure room). */
void hl_dc_mgr_stats_drained(struct hl_dc_mgr *m, uint32_t n);

/** Stop leading a job without finishing it (lease lost / transferred away): frees everything. */
int hl_dc_job_drop(struct hl_dc_mgr *m, uint64_t job);

int hl_dc_mgr_recv(struct hl_dc_mgr *m, const struct hl_dc_msg *msg, uint64_t now_ns);
int hl_dc_mgr_tick(struct hl_dc_mgr *m, uint64_t now_ns);
uint64_t hl_dc_mgr_next_deadline(const struct hl_dc_mgr *m);
int hl_dc_mgr_next_tx(struct hl_dc_mgr *m, struct hl_dc_msg *msg);
int hl_dc_mgr_next_event(struct hl_dc_mgr *m, struct hl_dc_event *ev);

const struct hl_dc_job *hl_dc_job_find(const struct hl_dc_mgr *m, uint64_t job);
/** Progress of a job this manager leads, in ppm of its work: finished workflows count whole,
 *  dispatched and running ones as their current slice last reported (capped at its work).
 *  0 for a job not led here. */
uint32_t hl_dc_job_ppm(const struct hl_dc_mgr *m, uint64_t job);
/** Packet counts of a job's COMPLETED workflows, summed (each counted once: the slice whose
 *  result completed it). Zero for NULL. */
struct hl_counts hl_dc_job_totals(const struct hl_dc_job *j);
/** Live counts of a led job: its finished workflows' counts plus what each running slice last
 *  reported; *p99_ns = the highest p99 of the running slices' last windows (an upper bound of
 *  their merged p99; 0 when none runs). -HL_E_NOT_FOUND when not led here (zeroed). */
int
hl_dc_job_live(const struct hl_dc_mgr *m, uint64_t job, struct hl_counts *counts, uint64_t *p99_ns);

/** True if this manager finished job recently (tombstone): it answers repeats itself. */
bool hl_dc_mgr_finished(const struct hl_dc_mgr *m, uint64_t job);

/** Tier leader only, for a result of a job that no lease covers any more (after the grace):
 *  queue an ack that tells the worker the job is over, so it can drop the result. */
void hl_dc_mgr_ack_gone(struct hl_dc_mgr *m, const struct hl_dc_msg *result);

/* Every per-job and per-peer structure of the manager, for the cleanup test (B.1, B.2). */
struct hl_dc_mgr_census {
	uint32_t jobs, progress_jobs, progress_sources, fences, workers, bp_used, tombs;
	uint32_t cores_reserved, inflight;
};
void hl_dc_mgr_census(const struct hl_dc_mgr *m, struct hl_dc_mgr_census *c);

/* ------------------------------------------------------------------------------- worker */

enum hl_held_state {
	HL_HELD_FREE = 0,
	HL_HELD_RUNNING,
	HL_HELD_RESULT, /* finished: result kept until the job leader acks it */
};

struct hl_dc_held {
	uint8_t state;
	uint8_t status;
	uint64_t job;
	uint32_t workflow, sub;
	uint32_t cores;
	uint64_t next_ns; /* result resend time */
	uint64_t end_ns; /* traffic ends (dispatch duration); 0 = host calls finish */
	uint64_t seq; /* progress sequence */
	uint64_t sim_pkts; /* host_runs false: packets the slice reports (duration / 1 us) */
	struct hl_counts counts; /* result: sent with it until acked */
};

struct hl_dc_worker_cfg {
	uint64_t self;
	uint32_t cores;
	uint64_t result_retry_ns; /* 1 s */
	uint32_t max_jobs;
	/* false (simulator): a slice ends by itself after the dispatch's duration. true (node):
	 * the host runs the traffic and calls hl_dc_wnode_finish when it has really ended. */
	bool host_runs;
};

/* What the host must do with its traffic lanes (hl_dc_wnode_next_action), when host_runs is
 * set. Every accepted dispatch gives exactly one START; a cancel of a running slice one STOP. */
enum hl_dc_act_kind {
	HL_DC_ACT_START = 1, /* run workflow `workflow` of job as slice `sub` on `cores` lanes */
	HL_DC_ACT_STOP, /* the slice was cancelled: stop its traffic, report nothing */
};

struct hl_dc_action {
	uint8_t kind;
	uint64_t job;
	uint32_t workflow, sub, cores;
	uint64_t duration_ns;
	uint64_t token; /* the dispatching job leader's token */
};

/* Room for a START and a STOP per held slice: a dispatch is accepted only while the queue can
 * take its START and every running slice's possible STOP, so no action is ever dropped. */
#define HL_DC_ACTIONS (2 * HL_DC_MAX_HELD)

struct hl_dc_wjob {
	uint64_t job;
	uint64_t leader;
};

#define HL_DC_DONE_RING 256 /* recently finished slices: a late duplicate dispatch is not re-run */

struct hl_dc_wnode {
	struct hl_dc_worker_cfg cfg;
	uint64_t tier_leader; /* where orphaned results go (it forwards them or says "job over") */
	struct {
		uint64_t job;
		uint32_t sub;
	} done[HL_DC_DONE_RING];
	uint32_t done_next;
	uint64_t n_dup_dispatch;
	uint32_t cores_used;
	struct hl_dc_held held[HL_DC_MAX_HELD];
	struct hl_fence fence; /* per job: highest token seen */
	struct hl_idmap jobs_map;
	struct hl_dc_wjob *jobs; /* per job: current leader */
	struct hl_dc_msg out[HL_DC_OUTBOX];
	uint32_t out_head, out_len;
	struct hl_dc_action act[HL_DC_ACTIONS];
	uint32_t act_head, act_len;
	uint64_t n_stale, n_tx_full, n_rejected;
};

int hl_dc_wnode_init(struct hl_dc_wnode *w, const struct hl_dc_worker_cfg *cfg);
void hl_dc_wnode_fini(struct hl_dc_wnode *w);
int hl_dc_wnode_recv(struct hl_dc_wnode *w, const struct hl_dc_msg *msg, uint64_t now_ns);
/** The traffic of a slice ended (status COMPLETED or FAILED): result held and sent. */
int hl_dc_wnode_finish(
        struct hl_dc_wnode *w, uint64_t job, uint32_t sub, uint8_t status, uint64_t now_ns);
/** As hl_dc_wnode_finish, with the slice's packet counts (NULL: none), which ride the result. */
int hl_dc_wnode_finish_counts(struct hl_dc_wnode *w, uint64_t job, uint32_t sub, uint8_t status,
        const struct hl_counts *counts, uint64_t now_ns);
/** Send a progress update for a running slice (sequence numbered). */
int hl_dc_wnode_progress(
        struct hl_dc_wnode *w, uint64_t job, uint32_t sub, uint64_t done, uint64_t now_ns);
/** The same with the slice's packet counts so far and its last window's p99 (live progress). */
int hl_dc_wnode_progress_live(struct hl_dc_wnode *w, uint64_t job, uint32_t sub, uint64_t done,
        const struct hl_counts *counts, uint64_t p99_ns, uint64_t now_ns);
int hl_dc_wnode_tick(struct hl_dc_wnode *w, uint64_t now_ns);
/** Next thing the host must do with its traffic (START / STOP a slice): 1 with *a, 0 if none. */
int hl_dc_wnode_next_action(struct hl_dc_wnode *w, struct hl_dc_action *a);
uint64_t hl_dc_wnode_next_deadline(const struct hl_dc_wnode *w);
int hl_dc_wnode_next_tx(struct hl_dc_wnode *w, struct hl_dc_msg *msg);
/** The tier leader changed (SWIM leader announcement): orphaned results go there. */
void hl_dc_wnode_set_tier_leader(struct hl_dc_wnode *w, uint64_t id);
/** SWIM says node id is dead: jobs it led are orphaned (their results go to the tier leader
 *  until a transfer names the new job leader). */
void hl_dc_wnode_peer_dead(struct hl_dc_wnode *w, uint64_t id, uint64_t now_ns);

/** Slices held (running or with a pending result). */
uint32_t hl_dc_wnode_held(const struct hl_dc_wnode *w);
/** Per-job entries (fence + leader) still kept. */
uint32_t hl_dc_wnode_jobs(const struct hl_dc_wnode *w);

#endif
