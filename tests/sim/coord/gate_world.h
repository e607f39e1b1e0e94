/* gate_world.h — a simulated gate tier (1–3 gates, hl_elect + hl_gate each), clients
 * (hl_gclient) and DCs standing in for a whole DC tier (accept, run, hold the result until the
 * gate job leader acks it), over a seeded lossy network, with the invariants checked after every
 * event. Used by test_gate_sim.c and exp_p12_p13. */
#ifndef GATE_WORLD_H
#define GATE_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_elect.h"
#include "hl_gate.h"
#include "hl_lease.h"
#include "hl_prng.h"

struct cw_world;

#define GW_MAX_G 3
#define GW_MAX_DC 3
#define GW_MAX_C 2
#define GW_MAX_JOBS 4096
#define GW_DC_HELD 256
#define GW_QMAX 65536
#define GW_S 1000000000ull
#define GW_MS 1000000ull
/* Hand-offs one job may see: every other gate once per lease lineage, a few lineages (a tier
 * leader change re-leases a job); beyond it the job travels forever (a violation). */
#define GW_MAX_HANDOFFS 8
#define GW_GATE_JOBS 256 /* each gate's max_jobs */
#define GW_DISK_TOMBS GW_GATE_JOBS /* the gate's tombstone bound (max_jobs) */

struct gw_gate {
	uint64_t id;
	bool up;
	uint64_t down_until;
	uint32_t disk_term;
	uint64_t disk_vote;
	/* The gate's disk, written through the journal the node's write-ahead log takes (every
	 * record version, forget and tombstone before it is acknowledged), kept compacted: the
	 * records and tombstones a replay restores (hl_gate_restore) after a crash. */
	struct hl_jrec_store disk;
	uint64_t disk_tombs[GW_DISK_TOMBS]; /* ring, oldest overwritten */
	uint32_t disk_ntombs;
	uint64_t disk_entries; /* journal entries written */
	bool disk_lost; /* restarts amnesic */
	struct hl_elect el;
	struct hl_gate g;
	struct hl_prng rng;
	uint64_t seen_leader;
	uint32_t seen_term;
};

struct gw_dc_job {
	uint64_t job, gate, token, done_at;
	uint8_t status; /* result once done_at passed */
	bool have;
	uint64_t resend_at;
	uint64_t started, pseq, next_progress;
	uint32_t rep_acked; /* bitmap over reporter types 1..nreporters */
};

struct gw_dc {
	uint64_t id;
	bool silent; /* loses each job it ran: never reports, answers nothing of it (D.7) */
	struct gw_dc_job j[GW_DC_HELD];
	uint64_t done[GW_DC_HELD]; /* finished jobs, a late submit is accepted and not rerun */
	uint32_t done_pos;
	uint64_t n_results_sent;
};

struct gw_client {
	uint64_t id;
	struct hl_gclient c;
	uint64_t down_until; /* disconnected until */
};

struct gw_ev {
	uint64_t at, seq;
	bool elect; /* election plane: e, to */
	uint64_t to;
	struct hl_elect_msg e;
	struct hl_gmsg m;
};

struct gw_opts {
	uint64_t seed;
	int ngates, ndcs, nclients;
	double loss, dup; /* per message */
	uint64_t lat_min_ns, lat_max_ns;
	uint64_t lease_ns; /* gate job lease */
	uint64_t run_ns; /* DC run time per job */
	uint32_t fail_per_mille; /* DC reports FAILED */
	uint64_t dc_timeout_ns;
	uint64_t detect_ns; /* SWIM oracle delay */
	bool real_dc; /* DC 0 is the coord_world DC (3 managers, 10 workers, hl_dc) */
	int dc_workers; /* real_dc: its workers (0: 10) */
	/* D.4 / D.8 / C.2 scenarios */
	bool progress; /* stand-in DCs send DC_PROGRESS every 300 ms while a job runs */
	uint32_t nreporters; /* reporter outcomes per job per DC, sent (until acked) before its
			      * final result; types 1..n, source = the DC's job leader stand-in */
	uint32_t rep_fail_per_mille; /* reporter outcomes that are failures */
};

struct gw_world {
	struct gw_opts o;
	struct hl_prng rng;
	uint64_t now, seq, next_tick;
	struct gw_gate gt[GW_MAX_G];
	struct gw_dc dc[GW_MAX_DC];
	struct gw_client cl[GW_MAX_C];
	struct gw_ev *heap;
	uint32_t nheap;
	struct {
		uint64_t at, gate;
		bool dead;
	} det[32];
	uint32_t ndet;
	struct hl_lease_checker chk;
	/* per job truth (job ids are 1..GW_MAX_JOBS-1) */
	uint8_t finals[GW_MAX_JOBS]; /* finals handed to the application */
	uint8_t final_status[GW_MAX_JOBS];
	uint64_t final_tx[GW_MAX_JOBS]; /* the final's packet count (what the DCs sent) */
	bool submitted[GW_MAX_JOBS];
	uint64_t nsubmitted, ndelivered;
	uint64_t violations;
	char why[256];
	uint64_t n_msgs, n_lost;
	struct cw_world *cw; /* real_dc: DC 0, co-simulated on its own hl_sim clock */
	/* P12 probe */
	uint64_t probe_job, probe_token, probe_told_at;
	/* drop every message whose type bit (1 << type) is set, to this node: lost acks/pushes */
	uint64_t drop_mask;
	uint64_t drop_to; /* UINT64_MAX: to anyone */
	/* per job, what the application saw (checked in order, once): updates by (token, seq),
	 * reporter outcomes by (dc, type), the last progress before the final */
	uint64_t upd_token[GW_MAX_JOBS], upd_seq[GW_MAX_JOBS];
	uint32_t rep_seen[GW_MAX_JOBS];
	uint8_t nrep_seen[GW_MAX_JOBS];
	uint32_t last_ppm[GW_MAX_JOBS]; /* last PROGRESS update before the final */
	uint64_t nupdates, nprogress, nreports_seen, nreports_failed, n_dropped;
	uint32_t dc_starts[GW_MAX_JOBS]; /* fresh starts at the stand-in DCs */
	uint32_t handoffs[GW_MAX_JOBS]; /* TRANSFER_REQs sent for the job (bounded) */
	/* P6 probe: every progress update a client's application gets (exp_p6) */
	void (*on_progress)(void *arg, uint64_t job, uint32_t ppm, uint64_t t_ns);
	void *progress_arg;
};

int gw_init(struct gw_world *w, const struct gw_opts *o);
void gw_fini(struct gw_world *w);
void gw_opts_default(struct gw_opts *o);
/** Run until now + ns or until every submitted job was delivered (stop_when_done). Returns 0,
 *  or -EPROTO at the first invariant violation (w->why). */
int gw_run(struct gw_world *w, uint64_t ns, bool stop_when_done);
int gw_submit(struct gw_world *w, int client, uint64_t job, uint8_t ndc);
void gw_crash_gate(struct gw_world *w, int i, uint64_t down_ns);
/** The client that submitted job cancels it (hl_gclient_cancel). */
int gw_cancel(struct gw_world *w, int client, uint64_t job);
/** As gw_crash_gate, and its disk is lost: it restarts empty and amnesic. */
void gw_crash_gate_lose_disk(struct gw_world *w, int i, uint64_t down_ns);
void gw_disconnect_client(struct gw_world *w, int i, uint64_t down_ns);
/** Index of the gate with a valid tier-leader lease, -1 if none. */
int gw_tier_leader(const struct gw_world *w);
/** Index of the gate holding a valid lease for job, -1 if none. */
int gw_job_leader(const struct gw_world *w, uint64_t job);
bool gw_all_delivered(const struct gw_world *w);
/** Jobs the stand-in DCs started (accepted fresh, not re-pointed). */
uint64_t gw_dc_starts(const struct gw_world *w, uint64_t job);
/** Per-job structures left on every live node (gates incl. idem, clients, DCs); describes them. */
uint64_t gw_retained(struct gw_world *w, char *why, size_t len);

#endif
