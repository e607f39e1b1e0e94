/* coord_world.h — a simulated DC for the coordination core: managers (hl_manager: tier election,
 * job lease issuer and holder, job leader, replicated records) and workers (hl_dc_wnode), wired
 * to the deterministic simulator, with the invariant checkers run after every event. */
#ifndef COORD_WORLD_H
#define COORD_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_dc.h"
#include "hl_elect.h"
#include "hl_jrec.h"
#include "hl_lease.h"
#include "hl_manager.h"
#include "hl_sim.h"

#define CW_MAX_M 5
#define CW_MAX_W 16
#define CW_MAX_REC 256 /* live job records (per member store, and the checker's oracle) */
#define CW_Q 2048 /* per-worker datagram queue */
#define CW_SLOT (offsetof(struct hl_mmsg, body)) /* a worker's datagram: DC kind, no body */

struct cw_out {
	uint32_t to[CW_Q];
	uint16_t len[CW_Q];
	uint8_t buf[CW_Q][CW_SLOT];
	uint32_t head, n;
	uint64_t dropped;
};

struct cw_world;

/* A manager node: hl_manager plus what the host keeps (the disk, the PRNG state). */
struct cw_mgr {
	struct cw_world *w;
	uint32_t sid; /* simulator id */
	uint64_t id; /* coord id = sid + 1 */
	bool up;
	uint32_t disk_term; /* survives crashes */
	uint64_t disk_vote;
	struct hl_prng rng;
	struct hl_manager mg;
	uint64_t prog_ok, prog_refused; /* counters already added to the world */
	/* Its disk: the journal the node's record log takes (app/node/recwal.c), entry by entry,
	 * compacted from hl_manager_snapshot past CW_DISK_MAX entries; replayed through
	 * hl_manager_restore at every restart. lose_disk: the next restart starts empty. */
	struct cw_jent *disk, *disk_spare; /* the spare takes the next compaction */
	uint32_t ndisk;
	bool lose_disk;
	uint64_t n_disk_compactions;
};

#define CW_DISK_MAX 2048

struct cw_jent {
	uint8_t op;
	uint64_t job, token, version;
	uint32_t len;
	uint8_t body[HL_JREC_BODY_MAX];
};

struct cw_wrk {
	struct cw_world *w;
	uint32_t sid;
	uint64_t id;
	bool up;
	struct hl_dc_wnode wn;
	uint64_t next_tick, next_progress;
	struct cw_out out;
};

/* The checker's oracle of a job (never read by a manager). */
struct cw_rec {
	uint64_t job;
	uint32_t nwf;
	bool submitted; /* some tier leader took the submission once */
	bool accepted; /* its first record version committed (or a leader rebuilt it) */
	uint64_t committed; /* highest version a job leader saw committed (quorum of stores) */
	uint64_t committed_token;
};

struct cw_world {
	struct hl_sim *sim;
	int nm, nw;
	struct cw_mgr m[CW_MAX_M];
	struct cw_wrk wk[CW_MAX_W];
	struct hl_manager_cfg mcfg;
	/* The checker's oracle: jobs submitted and not yet delivered, with the newest version
	 * known committed (a takeover must rebuild from at least that one). */
	struct hl_idmap rec_map;
	struct cw_rec rec[CW_MAX_REC];
	/* Client view: how many times each job's final result was delivered (index = job id). */
	uint8_t *delivered;
	uint8_t *wf_starts; /* [job * HL_DC_MAX_WF + workflow]: slices a worker started */
	uint8_t *final_status;
	uint8_t *refinal; /* a job leader rebuilt the job from its final version (may re-report) */
	uint64_t dup_done; /* such repeats (same status), ignored like a gate ignores them */
	uint64_t max_job;
	uint64_t submitted, completed;
	uint64_t stale_done; /* final versions refused because a newer job leader fenced them */
	uint64_t detect_ns; /* failure detection delay of the oracle (SWIM stand-in) */
	uint64_t wf_duration_ns;
	uint64_t job_timeout_ns; /* every job's [job] timeout (0: none) */
	uint64_t progress_ns; /* workers' progress window; a sample reports elapsed ms of a slice,
	                       * a workflow's work is its duration in ms (as on the node) */
	uint64_t progress_accepted, progress_refused;
	struct hl_lease_checker ck;
	char violation[200];
	bool violated;
	uint64_t max_valid_holders_seen;
	uint64_t jrec_commits, jrec_checks;
	uint64_t gate_results; /* DC_RESULTs the managers sent to gates */
	/* P6 probe: every worker progress sample of a job of at most 2 workflows (the second after
	 * the first), with the job's progress in ppm that it makes (finished workflows whole, the
	 * running one at the sample) and the virtual time it was taken (exp_p6). */
	void (*on_sample)(void *arg, uint64_t job, uint64_t t_ns, uint32_t ppm);
	void *sample_arg;
};

struct cw_opts {
	int managers, workers;
	uint32_t worker_cores;
	uint64_t seed;
	uint64_t max_job;
	struct hl_sim_link link;
	uint64_t job_lease_ns;
	bool check_each_event;
	uint64_t dc_id; /* id the gates know this DC by (gate_world), 0 = no gates */
};

void cw_opts_default(struct cw_opts *o);
int cw_init(struct cw_world *w, const struct cw_opts *o);
void cw_fini(struct cw_world *w);

/** Client submits a job (retried every 100 ms until some DC leader takes it). */
void cw_submit(struct cw_world *w, uint64_t job, uint32_t nwf, uint64_t at);

/** Crash a node now and tell the others after detect_ns (SWIM stand-in). */
void cw_kill(struct cw_world *w, uint32_t sid);
/** Restart manager sid at `at` (its disk replayed, or lost: it starts empty and amnesic); the
 *  other managers see it alive detect_ns later, and it sees them. */
void cw_restart(struct cw_world *w, uint32_t sid, uint64_t at, bool lose_disk);

/** Client cancels a job at `at` (sent to whichever manager leads it then; retried every 100 ms
 *  while no manager leads it and it is not delivered). */
void cw_cancel(struct cw_world *w, uint64_t job, uint64_t at);

/** A gate's DC_SUBMIT / DC_RESULT_ACK for this DC, handed to the DC tier leader's hl_manager now
 *  (a new job: 2 workflows, the second waiting for the first). -HL_E_NOT_LEADER if no leader. */
int cw_gate_recv(struct cw_world *w, const struct hl_gmsg *g);

/** Everything the managers queued for the gates (DC_ACCEPT, DC_RESULT). */
void cw_gate_drain(struct cw_world *w, void (*send)(void *arg, const struct hl_gmsg *m), void *arg);

/** Current DC leader's simulator id, or -1. */
int cw_leader(struct cw_world *w);

/** Manager currently acting as job leader for job (valid lease and job state), or -1. */
int cw_job_leader(struct cw_world *w, uint64_t job);

/** True once every job in [1, n] was delivered exactly once. */
bool cw_all_delivered(struct cw_world *w, uint64_t n);

/** Per-job structures still held anywhere (managers, workers, lease tables, holders, records);
 *  with_tombs counts the finished-job tombstones too. Writes a breakdown into why. */
uint64_t cw_retained(struct cw_world *w, bool with_tombs, char *why, size_t cap);

#endif
