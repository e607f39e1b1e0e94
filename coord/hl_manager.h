/* hl_manager.h — the manager role of one DC, sans-IO: tier election (hl_elect), the job lease
 * issuer while tier leader (hl_lease table), job leadership under a lease (hl_lease holder +
 * hl_dc_mgr dispatch), and the replicated job records (hl_jrec store + replication) from which a
 * new job leader or a new tier leader rebuilds. No clocks, no I/O: the host feeds messages, SWIM
 * membership and time, sends what next_tx hands out and acts on next_event. */
#ifndef HL_MANAGER_H
#define HL_MANAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_dc.h"
#include "hl_elect.h"
#include "hl_gate.h"
#include "hl_idmap.h"
#include "hl_jrec.h"
#include "hl_lease.h"
#include "hl_prng.h"

#define HL_MANAGER_BATCH 8 /* lease refs in one RENEW */
#define HL_MANAGER_OUTQ 1024 /* queued messages; full = counted drop (the peer's retry heals) */
#define HL_MANAGER_HELD_DISPATCH \
	256 /* dispatches and result acks waiting for their record version */
#define HL_MANAGER_EVENTS 256 /* queued events; full = elect actions wait, dc events counted */
#define HL_MANAGER_GATE_OUTQ 256 /* queued gate messages; full = counted drop (both sides resend) */

/* Messages. Each kind maps onto one lib/wire message; `from`/`to` are node ids (managers and
 * workers share one id space). Manager-to-manager kinds are accepted only from configured
 * members; DC kinds come from workers.
 *
 *   kind           payload                              direction
 *   ELECT          u.e (hl_elect_msg)                   manager <-> manager
 *   GRANT          u.g, t0 (renewal: echo of its send)  tier leader -> holder
 *   RENEW          u.refs[n], t0 (holder's send time)   holder -> tier leader (batch)
 *   RELEASE        u.refs[0] (job, token)               job leader -> tier leader at job end
 *   REC_PUT        u.rec + body[rec.len]                job leader -> members
 *   REC_ACK        u.rec (job, token, version), code    member -> job leader (code < 0: refused)
 *   REC_FETCH      u.rec.job, fence                     new job leader -> members (fences them)
 *   REC_DATA       u.rec + body, fence, status          member -> new job leader (version 0: none;
 *                                                       status 1: the job finished)
 *   REC_FORGET     u.rec.job, fence, status, code       job leader -> members (status 1: finished,
 *                                                       code = its final status if known)
 *   ORPHAN         u.rec (job)                          member -> tier leader: nobody leads it
 *   DC             u.d (hl_dc_msg)                      job leader <-> worker (see hl_dc.h)
 *   GATE           u.gate (a gate's DC_SUBMIT / DC_RESULT_ACK relayed)  tier leader -> holder
 */
enum hl_mmsg_kind {
	HL_MM_ELECT = 1,
	HL_MM_GRANT,
	HL_MM_RENEW,
	HL_MM_RELEASE,
	HL_MM_REC_PUT,
	HL_MM_REC_ACK,
	HL_MM_REC_FETCH,
	HL_MM_REC_DATA,
	HL_MM_REC_FORGET,
	HL_MM_ORPHAN,
	HL_MM_DC,
	HL_MM_GATE,
	HL_MM_KIND_MAX_,
};

struct hl_mmsg {
	uint8_t kind; /* enum hl_mmsg_kind */
	uint8_t n; /* RENEW: refs used (1..HL_MANAGER_BATCH) */
	uint8_t status; /* REC_DATA / REC_FORGET: 1 = the job finished */
	int32_t code; /* REC_ACK: 0 stored, < 0 refused; REC_FORGET: final status */
	uint64_t from, to;
	uint64_t t0; /* GRANT / RENEW: the holder's renewal send time (its own clock) */
	uint64_t fence; /* REC_FETCH / REC_DATA / REC_FORGET: token of the fetching/ending leader */
	union {
		struct hl_elect_msg e;
		struct hl_lease_grant g;
		struct hl_lease_ref refs[HL_MANAGER_BATCH];
		struct hl_dc_msg d;
		struct {
			uint64_t job, token, version;
			uint64_t leader; /* ORPHAN: the job leader the reporter's record names */
			uint32_t len; /* REC_PUT / REC_DATA: bytes of body */
		} rec;
		struct {
			uint8_t type; /* HL_GM_DC_SUBMIT (repoint) or HL_GM_DC_RESULT_ACK */
			uint8_t kind; /* DC_SUBMIT: 0, HL_DC_SUBMIT_CHECK or _CANCEL */
			int32_t code; /* the gate's ack code */
			uint64_t job, gate, token; /* gate job leader and its token */
		} gate;
	} u;
	uint8_t body[HL_JREC_BODY_MAX]; /* the encoded job record (hl_manager_rec_encode) */
};

/* Bytes of a message that carry information (header + used body): what a host must copy. */
static inline uint32_t
hl_mmsg_size(const struct hl_mmsg *m)
{
	uint32_t b = (m->kind == HL_MM_REC_PUT || m->kind == HL_MM_REC_DATA) ? m->u.rec.len : 0;

	return (uint32_t) __builtin_offsetof(struct hl_mmsg, body) + b;
}

/* The job record every manager stores (the jrec body), little-endian:
 *
 *  0        8        16   17    18   19     20       28         36        60        68        76
 *  +--------+--------+----+-----+----+------+--------+----------+---------+---------+---------+
 *  | job    | leader |nwf |flags|done|status| gate   |gate token| totals  |timeout  |elapsed  |
 *  +--------+--------+----+-----+----+------+--------+----------+---------+---------+---------+
 *  flags: bit 0 started, bit 1 cancel, bit 2 timed out (past the [job] timeout).
 *  totals (final version): tx_pkts, rx_pkts, lost, 8 B each. timeout: the job's [job] timeout
 *  in ms (0: none); elapsed: ms the job has run under its job leaders, as of this version.
 *  Then nwf x 28 B of workflow spec: id, deps, cores (4 B each), duration, work (8 B each);
 *  then nwf x 37 B of workflow state: state (1 B), worker (8), slice (4), and a COMPLETED
 *  workflow's tx_pkts, rx_pkts, lost (8 B each).
 * At most 76 + 16 x 65 = 1116 B (HL_JREC_BODY_MAX 1280).
 */
struct hl_manager_rec {
	struct hl_dc_job_spec spec;
	struct hl_dc_wf_record wf[HL_DC_MAX_WF];
	uint64_t leader; /* job leader that wrote it (the submitter names the first holder) */
	bool started; /* a job leader dispatched from it */
	bool cancel; /* cancelled (by its gate job leader): a new job leader carries it on */
	bool timed_out; /* with cancel: it ran past its [job] timeout, it ends TIMEOUT */
	uint64_t elapsed_ms; /* run time under its job leaders (the timeout's clock) */
	bool done; /* final version: status is the job's final status */
	uint8_t status;
	uint64_t gate, gate_token; /* gate job leader the final result goes to (0: none) */
	struct hl_counts totals; /* final version: the job's counts in this DC (DC_RESULT) */
};

/** Encode into buf (cap bytes); returns the length or -EMSGSIZE / -EINVAL (bad spec). */
int hl_manager_rec_encode(const struct hl_manager_rec *r, uint8_t *buf, uint32_t cap);
/** Decode and validate untrusted bytes: 0, -EMSGSIZE (length), -EINVAL (values). */
int hl_manager_rec_decode(struct hl_manager_rec *r, const uint8_t *buf, uint32_t len);

enum hl_manager_role_bits {
	HL_MANAGER_ROLE_MANAGER = 1, /* SWIM roles metadata */
	HL_MANAGER_ROLE_WORKER = 2,
};

enum hl_manager_ev_kind {
	HL_MANAGER_EV_PERSIST = 1, /* write (term, vote) durably, then hl_manager_persisted(term) */
	HL_MANAGER_EV_ACCEPTED, /* job: the submission's record is committed at a quorum */
	HL_MANAGER_EV_JOB_DONE, /* job, status, token: final version committed (see TAKEOVER) */
	HL_MANAGER_EV_COMMITTED, /* job, token, version: a record version reached a quorum */
	HL_MANAGER_EV_TAKEOVER, /* job, token; version: the newest record a quorum returned;
	                         * status 1: it was a final version, reported again (at least
	                         * once: its first leader may have reported it before dying) */
	HL_MANAGER_EV_GRANTED, /* cfg.report_grants: job, token, peer = holder, status 1 = renewal */
};

struct hl_manager_event {
	uint8_t kind;
	uint8_t status;
	uint32_t term; /* PERSIST */
	uint64_t vote; /* PERSIST */
	uint64_t job, token, version;
	uint64_t peer; /* GRANTED: the holder */
};

struct hl_manager_cfg {
	struct hl_elect_cfg elect; /* self + the configured manager tier (self included) */
	struct hl_lease_cfg lease;
	struct hl_dc_mgr_cfg dc; /* self and max_jobs are set from elect.self and lease.max_jobs */
	uint32_t max_records; /* job records kept in this member's store; 4096 */
	uint32_t max_tombs; /* finished jobs remembered (FIFO, oldest evicted: counted); 4096 */
	uint64_t tomb_ttl_ns; /* 300 s */
	uint64_t tick_ns; /* work period of hl_manager_tick; 50 ms */
	uint64_t resend_ns; /* record puts and fetches; 500 ms */
	uint64_t orphan_ns; /* records nobody leads are reported this often; 5 s */
	uint64_t elapsed_ns; /* a running job's record is rewritten at least this often, so a
			      * successor's [job] timeout clock loses at most this much; 5 s */
	uint64_t catchup_ns; /* amnesic member: out of fetch quorums this long after every other
			      * manager came alive (they re-send the records they lead); 3 s */
	uint64_t progress_ns; /* a led job's progress goes to its gate at most this often, when
	                       * it changed (DC_PROGRESS); 100 ms */
	bool report_grants; /* raise EV_GRANTED for every lease grant sent (checkers, audit) */
	uint64_t dc_id; /* this DC's id as the gates know it (gate messages' `dc`) */
};

/** Defaults; the host fills elect.self, elect.members and elect.nmembers. */
void hl_manager_cfg_default(struct hl_manager_cfg *cfg);

/* Per-job state of a job this member leads (or is taking over). */
struct hl_mjob {
	uint64_t job, token;
	uint8_t phase; /* internal: fetch / run / final */
	uint8_t status; /* final status while the final version replicates */
	bool dirty; /* record to (re)write with the current token */
	uint64_t version; /* last version written (or read, before the first write) */
	uint64_t committed; /* highest version written under `token` that reached a quorum */
	uint64_t resend_ns;
	uint32_t fetch_from; /* bitmap over configured members that answered the fetch */
	bool have_best, seen_tomb;
	uint64_t best_token, best_version;
	struct hl_manager_rec rec; /* last written / best fetched */
	uint32_t ppm_sent; /* progress last sent to the gate */
	uint64_t tx_sent, rx_sent; /* its live counts */
	uint64_t pseq; /* its sequence: (version << 20) + n, so a later job leader's exceeds it */
	uint64_t progress_ns; /* next progress send */
	uint64_t run_ns; /* when this member started leading it (its clock) */
	uint64_t run_base_ms; /* elapsed_ms of the record it started from */
	uint64_t elapsed_write_ns; /* last version that carried the elapsed time */
};

struct hl_manager {
	struct hl_manager_cfg cfg;
	uint64_t self;
	struct hl_prng *rng;
	struct hl_elect el;
	struct hl_lease_table lt; /* issuer, while tier leader in lt_term */
	struct hl_lease_holder lh; /* leases held as job leader */
	struct hl_dc_mgr dm;
	struct hl_jrec_store st; /* this member's copy of the job records */
	uint64_t *rec_fence; /* per store slot: highest fetch token seen; puts below refused */
	struct hl_jrec_repl rp; /* replication of the versions this member writes */
	struct hl_idmap jmap;
	struct hl_mjob *jobs;
	struct hl_idmap tomb_map; /* finished jobs: FIFO with TTL */
	struct {
		uint64_t job, expires_ns;
		uint8_t status; /* final status if this member learnt it, else 0 */
		bool counted; /* totals known: this member held the final record version */
		struct hl_counts totals;
	} * tomb;
	uint32_t tomb_head, tomb_len;
	uint32_t lt_term; /* term the lease table issues in, 0 = not issuing */
	bool rebuilt; /* after the grace: live records re-issued */
	uint32_t dead; /* bitmap over cfg.elect.members: SWIM says dead */
	/* durability (issue 14): a member whose records were lost answers no fetch */
	bool amnesic;
	uint32_t seen_alive; /* members seen alive since it became amnesic */
	uint64_t last_alive_ns;
	uint64_t next_tick_ns, next_orphan_ns;
	uint64_t orphan_lid; /* tier leader the last orphan reports went to */
	bool persist_wait; /* a PERSIST event is out, not yet confirmed */
	/* Write-ahead dispatch: a DISPATCH leaves only once the record version naming its slice
	 * (worker, sub) committed, so a successor that rebuilds from a quorum knows the slice and
	 * asks its worker (TRANSFER) instead of running the workflow a second time. */
	struct {
		uint64_t ver; /* record version that must commit first */
		struct hl_dc_msg d;
	} held[HL_MANAGER_HELD_DISPATCH];
	uint32_t n_held;
	struct hl_mmsg *outq;
	uint32_t out_head, out_len;
	struct hl_manager_event ev[HL_MANAGER_EVENTS];
	uint32_t ev_head, ev_len;
	struct hl_gmsg *gout; /* DC_ACCEPT / DC_RESULT for the gates */
	uint32_t gout_head, gout_len;
	/* counters */
	uint64_t n_out_full, n_ev_full, n_bad, n_stale, n_stale_final, n_foreign, n_tomb_evicted;
	uint64_t n_progress_ok, n_progress_refused, n_orphans, n_fast_orphans, n_timeouts,
	        n_takeovers, n_gone, n_forwarded;
	uint64_t n_gout_full, n_gate_results, n_gate_progress, n_progress_deferred;
	uint64_t n_tomb_unknown; /* DC_SUBMITs of a job over here with no known status */
	uint64_t n_cancels; /* jobs cancelled while this member led them */
	uint64_t n_held_dispatch, n_held_full; /* messages held for their commit; table full */
};

/** Start as follower with the persisted (term, vote). rng: host-owned PRNG state (seeds the
 *  election timers; kept for the lifetime of m). -EINVAL (cfg), -ENOMEM. */
int hl_manager_init(struct hl_manager *m, const struct hl_manager_cfg *cfg, uint32_t stored_term,
        uint64_t stored_vote, struct hl_prng *rng, uint64_t now_ns);
void hl_manager_fini(struct hl_manager *m);

/** A message for this node. -EINVAL (unknown kind, sender outside the tier, bad field),
 *  -EMSGSIZE (record body), -HL_E_STALE_TOKEN (fenced), -ENOENT (job this node does not lead),
 *  or the code of the core that refused it. Whatever it returns, queued output may follow. */
int hl_manager_recv(struct hl_manager *m, const struct hl_mmsg *msg, uint64_t now_ns);
/** Timers: call at hl_manager_next_deadline() or later. */
int hl_manager_tick(struct hl_manager *m, uint64_t now_ns);
uint64_t hl_manager_next_deadline(const struct hl_manager *m);
/** Next message to send: 1 with *out, 0 if none. Nothing leaves while a PERSIST is unconfirmed
 *  except what was queued before it. */
int hl_manager_next_tx(struct hl_manager *m, struct hl_mmsg *out);
/** Next event: 1 with *ev, 0 if none. */
int hl_manager_next_event(struct hl_manager *m, struct hl_manager_event *ev);
/** The host wrote (term, vote) durably. -EINVAL if no persist of that term is pending. */
int hl_manager_persisted(struct hl_manager *m, uint32_t term, uint64_t now_ns);

/** SWIM: a node is alive (roles: HL_MANAGER_ROLE_*; cores/health: worker metadata, health
 *  0 healthy .. 3 overloaded). -HL_E_FULL (worker registry full), -EINVAL (id 0). */
int hl_manager_member_alive(struct hl_manager *m, uint64_t id, uint32_t roles, uint32_t cores,
        uint8_t health, uint64_t now_ns);
/** SWIM: a node is dead: a manager's leases are re-issued (tier leader), a worker's workflows
 *  are reassigned (job leaders). -EINVAL (id 0). */
int hl_manager_member_dead(struct hl_manager *m, uint64_t id, uint64_t now_ns);
/** Local health multiplier (Lifeguard): a leader above the limit steps down. */
int hl_manager_set_lhm(struct hl_manager *m, uint32_t lhm, uint64_t now_ns);

/** Tier leader: a job enters the DC. Takes a lease, writes record version 1 and replicates it;
 *  the lease is granted (and EV_ACCEPTED raised) once a quorum stored it. -HL_E_NOT_LEADER,
 *  -HL_E_EXISTS (job known here: leased, stored or recently finished), -EINVAL (spec),
 *  -HL_E_FULL, -ENOENT (no eligible member). */
int hl_manager_submit(struct hl_manager *m, const struct hl_dc_job_spec *spec, uint64_t now_ns);
/** The host forwarded n progress samples to the stats consumer (frees backpressure room). */
void hl_manager_stats_drained(struct hl_manager *m, uint32_t n);
/** Job leader: cancel a job it leads. -HL_E_NOT_LEADER if this node does not lead it now. */
int hl_manager_cancel(struct hl_manager *m, uint64_t job, uint64_t now_ns);

/* ---- serving gates (the DC side of hl_gate's DC messages) ----
 * The host routes every gate message addressed to this DC (cfg.dc_id) to the DC tier leader's
 * hl_manager_gate_recv and sends what hl_manager_gate_next_tx hands out (any manager may hand
 * out: the job leader sends the results). The gate job leader and its token travel in the job
 * record, so a DC job leader change keeps them; a gate takeover re-points the DC with a new
 * DC_SUBMIT. The result is sent at the final version's commit and resent every resend_ns until
 * the gate acks (DC_RESULT_ACK, or its "job over"); only then does the job end here. While the
 * job runs, its job leader sends DC_PROGRESS (ppm of the job's work done in this DC: finished
 * workflows whole, running ones as their worker last reported) when it changed, at most every
 * progress_ns; soft state, never resent, and deferred while the gate queue is half full. A repeat
 * DC_SUBMIT of a finished job is answered from the tombstone. */

/** DC_SUBMIT (spec: the job's workflows, needed for a job new to the DC; NULL otherwise) or
 *  DC_RESULT_ACK. -HL_E_NOT_LEADER (not the DC tier leader: the gate resends), -EINVAL (type,
 *  job 0, spec of another job), -ENOENT (a new job without spec), or hl_manager_submit's code. */
int hl_manager_gate_recv(struct hl_manager *m, const struct hl_gmsg *g,
        const struct hl_dc_job_spec *spec, uint64_t now_ns);
/** Next message for a gate: 1 with *out (DC_ACCEPT or DC_RESULT), 0 if none. */
int hl_manager_gate_next_tx(struct hl_manager *m, struct hl_gmsg *out);

/** True while this node is DC (tier) leader with a valid leader lease. */
bool hl_manager_is_leader(const struct hl_manager *m, uint64_t now_ns);
/** The tier leader this node follows (or itself), 0 if unknown (workers' orphaned results). */
uint64_t hl_manager_leader(const struct hl_manager *m, uint64_t now_ns);
/** True while this node acts as job leader for job (valid lease, dispatching). */
bool hl_manager_leads(const struct hl_manager *m, uint64_t job, uint64_t now_ns);

/** True while this member holds anything of job: its record, job leadership (or a takeover in
 *  progress), or, as tier leader, its lease. False once the job ended here (tombstone) or was
 *  never known: the host's per-job payloads (the profile text) can go. */
bool hl_manager_holds(const struct hl_manager *m, uint64_t job);

/* A slice whose counts the DC counted (a COMPLETED or CANCELLED workflow's current slice). */
struct hl_manager_slice {
	uint32_t workflow, sub;
	uint64_t worker;
	uint8_t state; /* HL_WF_COMPLETED / HL_WF_CANCELLED */
};
/** The counted slices of job, from the record led here or, else, this member's stored copy
 *  (decoded into *scratch): how many (at most cap written to out), or -HL_E_NOT_FOUND when this
 *  member has neither. */
int hl_manager_job_slices(const struct hl_manager *m, uint64_t job, struct hl_manager_rec *scratch,
        struct hl_manager_slice *out, uint32_t cap);

/* Every per-job structure, for the cleanup tests (B.1). */
struct hl_manager_census {
	struct hl_dc_mgr_census dc;
	uint32_t records, jobs, repl, leases, held, tombs;
	uint32_t held_msgs; /* dispatches and result acks waiting for their version's commit */
};
void hl_manager_census(const struct hl_manager *m, struct hl_manager_census *c);

/** Durability (see hl_jrec.h): replay one journal entry (records, fetch fences, tombstones with
 *  their final status) at start, the journal bypassed. -EINVAL (job 0, unknown op), the store's
 *  errors (-HL_E_FULL, -EMSGSIZE). */
int hl_manager_restore(struct hl_manager *m, uint8_t op, uint64_t job, uint64_t token,
        uint64_t version, const void *body, uint32_t len, uint64_t now_ns);
/** The durable records were lost (log missing after an earlier run, or corrupt): the member
 *  answers record fetches "not caught up" (not counted by the fetcher) and counts itself in no
 *  fetch quorum, until every other manager came alive and catchup_ns passed (job leaders
 *  re-send the records they lead to a member that comes alive). */
void hl_manager_set_amnesic(struct hl_manager *m, uint64_t now_ns);
static inline bool
hl_manager_is_amnesic(const struct hl_manager *m)
{
	return m->amnesic;
}
/** Everything durable as journal entries (compaction); stops at emit's first negative return. */
int hl_manager_snapshot(struct hl_manager *m, hl_jrec_journal_fn emit, void *arg);
/** Sum of the census; with_tombs adds the finished-job tombstones (manager's and dc's). */
uint64_t hl_manager_retained(const struct hl_manager *m, bool with_tombs);

#endif
