/* hl_gate.h — the gate tier (1–3 gates) and the client, sans-IO: the gate tier leader issues job
 * leases (hl_lease) and takes submissions once per key (hl_idem); the per-job gate job leader
 * replicates the job record (hl_jrec) before acking the client, picks DCs, merges their final
 * statuses (hl_resolve, silent DC -> TIMEOUT), pushes the final result exactly once (hl_pushlog,
 * hl_retry, then a lease transfer to a peer gate), and a new job leader rebuilds from a quorum.
 * A new tier leader learns the stored keys of a quorum before taking submissions (C.2); DC
 * progress is merged and pushed batched (D.4); reporter outcomes ride in the record and the
 * push log (D.8); DC messages under a stale token are refused (E.9). */
#ifndef HL_GATE_H
#define HL_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_counts.h"
#include "hl_idem.h"
#include "hl_idmap.h"
#include "hl_jrec.h"
#include "hl_lease.h"
#include "hl_prng.h"
#include "hl_pushlog.h"
#include "hl_ring_buf.h"
#include "hl_retry.h"

#define HL_GATE_MAX_GATES 3
#define HL_GATE_MAX_DCS 8
#define HL_GATE_JOB_DCS 3 /* DCs one job may run in */
#define HL_GATE_OUTQ 1024 /* queued messages; full = counted drop (the peer's retry heals it) */

/* Messages (structs; the host maps them to lib/wire bodies). `to`/`from` are node ids: gates,
 * DCs and clients share one id space. */
enum hl_gmsg_type {
	HL_GM_SUBMIT = 1, /* client -> any gate: job, key, ndc */
	HL_GM_SUBMIT_ACK, /* gate -> client: job, code, leader, token (NOT_LEADER: leader = redirect) */
	HL_GM_GRANT, /* tier leader -> holder gate: job, token, kind (issue/renew/reissue/transfer) */
	HL_GM_RENEW, /* holder -> tier leader: job, token */
	HL_GM_RELEASE, /* job leader -> tier leader at job end: job, token */
	HL_GM_TRANSFER_REQ, /* job leader -> tier leader: hand job on (push gave up); seq = the
			     * job's hand-off count (the GRANT of kind TRANSFER carries it on) */
	HL_GM_LEADER_NOTE, /* tier leader -> all gates: job, leader, token (fills leader caches) */
	HL_GM_COMMITTED, /* job leader -> tier leader: first record version committed: key */
	HL_GM_REC_PUT, /* job leader -> gates: rec (token, version) */
	HL_GM_REC_ACK, /* gate -> job leader: job, version (code < 0: refused, stale token) */
	HL_GM_REC_FETCH, /* new job leader -> gates: job, token */
	HL_GM_REC_DATA, /* gate -> new job leader: rec (version 0 = none held) */
	HL_GM_REC_FORGET, /* job leader -> gates at job end */
	HL_GM_DC_SUBMIT, /* job leader -> DC: job, token (also repoints the DC after a takeover);
			  * kind HL_DC_SUBMIT_CHECK: an accepted DC asked again (no profile sent) */
	HL_GM_DC_ACCEPT, /* DC -> job leader: job, dc */
	HL_GM_DC_RESULT, /* DC -> gate it knows: job, dc, status, token */
	HL_GM_DC_RESULT_ACK, /* job leader -> DC: job, dc */
	HL_GM_FWD_RESULT, /* non-leader gate -> job leader (D.1): as DC_RESULT */
	HL_GM_PUSH, /* job leader -> client: job, seq, kind, status, leader, token */
	HL_GM_PUSH_ACK, /* client -> job leader: job, seq, token */
	HL_GM_REGISTER, /* client -> job leader: job, seq = last seen under token; kind
			 * HL_REG_CANCEL: and cancel the job */
	HL_GM_LEADER_QUERY, /* client -> any gate: job */
	HL_GM_LEADER_ANSWER, /* gate -> client: job, leader, token; code NOT_LEADER = ask `leader` */
	HL_GM_ORPHAN, /* gate -> tier leader: I store a record of job and lead it not: lease it;
		       * leader = the record's last writer */
	/* C.2 key sync: a new tier leader learns every stored key before it takes submissions */
	HL_GM_KEY_FETCH, /* tier leader -> gate: keys of records with job > seq; token = term */
	HL_GM_KEY_DATA, /* gate -> tier leader: kind 0 = entry (job, rec.key, rec.client, leader,
			 * version = index in page); kind 1 = end of page (version = entries,
			 * code = 1 when no more); seq = the page's cursor, token = term */
	HL_GM_DC_PROGRESS, /* DC -> gate job leader: job, dc, token, seq (per DC), ppm */
	HL_GM_DC_REPORT, /* DC -> gate it knows: job, dc, token, rep (a reporter outcome) */
	HL_GM_DC_REPORT_ACK, /* job leader -> DC: job, dc, rep.type, rep.source; code < 0: refused */
	HL_GM_FWD_REPORT, /* non-leader gate -> job leader: as DC_REPORT */
};

enum hl_grant_kind { HL_GK_ISSUE = 1, HL_GK_RENEW, HL_GK_REISSUE, HL_GK_TRANSFER };

#define HL_DC_SUBMIT_CHECK 1 /* DC_SUBMIT kind: the DC accepted already (liveness, route) */
#define HL_DC_SUBMIT_CANCEL 2 /* DC_SUBMIT kind: the job is cancelled: stop it, report it */
#define HL_REG_CANCEL 1 /* REGISTER kind: the client cancels the job (resent until its final) */

#define HL_GATE_JOB_REPORTS 8 /* reporter outcomes kept per job (in the record) */

/* One reporter outcome (D.8, scenarios D.12.2). Reporters run at the DC job leader manager, next
 * to the DC's results, never on workers. Identity: (dc, type, source).
 *
 *  source | dc | error | elapsed_ms | type | ok
 */
struct hl_gate_report {
	uint64_t source; /* node that ran the reporter */
	uint64_t dc;
	int32_t error; /* 0 or a negative code when !ok */
	uint32_t elapsed_ms;
	uint16_t type; /* reporter type id */
	uint8_t ok;
};

/* The replicated job record (the jrec body).
 *
 *  job | client | key[key_len] | ndc | dcs[ndc] | dc_status[ndc] | final | version
 */
struct hl_gate_rec {
	uint64_t job, client, token, version;
	uint8_t key[HL_IDEM_KEY_MAX];
	uint8_t key_len;
	uint8_t ndc;
	uint8_t final; /* HL_WS_NONE until resolved */
	uint8_t dc_status[HL_GATE_JOB_DCS];
	uint64_t dcs[HL_GATE_JOB_DCS];
	struct hl_counts dc_totals[HL_GATE_JOB_DCS]; /* per DC, from its final result */
	uint8_t nrep; /* reporter outcomes, append-only: index = identity for the client */
	struct hl_gate_report rep[HL_GATE_JOB_REPORTS];
	uint8_t cancel; /* a client cancelled the job: every DC is told until it reports */
	/* The gate that wrote this version (its job leader): set by the writer, and by a store
	 * from the REC_PUT's sender; not on the wire. An orphaned record whose leader is dead is
	 * leased again without waiting for a new tier leader's grace. */
	uint64_t leader;
};

struct hl_gate_tomb {
	uint64_t job, expires_ns;
};

/* What a gate remembers of a finished job's end (from its copy of the final record version,
 * when it held one): any gate answers a late client with it — a second entry gate of the same
 * key, a client that re-registers after the job ended (issue 15 items 5, 6). Not durable: a
 * tombstone restored from the log keeps it only when the final record version was replayed
 * before it. */
struct hl_gate_tomb_final {
	uint8_t final; /* HL_WS_NONE: not known here */
	uint64_t token; /* the final version's token */
	struct hl_counts totals;
};

struct hl_gmsg {
	uint8_t type;
	uint8_t kind;
	uint8_t status;
	uint8_t key_len;
	int32_t code;
	uint64_t from, to;
	uint64_t job, token, version, seq, leader, dc;
	uint8_t key[HL_IDEM_KEY_MAX];
	struct hl_gate_rec rec;
	/* added for D.4 / D.8 (wire glue: append) */
	uint32_t ppm; /* PUSH, DC_PROGRESS: progress in parts per million */
	uint64_t gap_seq; /* PUSH with seq 0 after a replay gap: pushes up to this are gone */
	struct hl_gate_report rep; /* DC_REPORT, FWD_REPORT, PUSH kind REPORT (ref = index) */
	uint8_t ref; /* PUSH kind REPORT: index of rep in the job record */
	struct hl_counts totals; /* DC_RESULT, FWD_RESULT: the DC's counts; final PUSH: the job's;
				  * DC_PROGRESS, progress PUSH: the counts so far (live progress) */
	uint64_t p99_ns; /* DC_PROGRESS, progress PUSH: the highest p99 of the running slices'
			  * last windows (an upper bound of their merged p99; 0: none) */
};

struct hl_gate_cfg {
	uint64_t self;
	uint64_t gates[HL_GATE_MAX_GATES]; /* the configured tier, self included */
	uint32_t ngates;
	uint32_t max_jobs; /* 4096 */
	uint64_t dc_timeout_ns; /* a DC that answers nothing (accept, progress, report) this long
				 * counts TIMEOUT — silence, not the job's length; 60 s */
	uint64_t dc_check_ns; /* a DC that accepted is asked again (DC_SUBMIT kind
			       * HL_DC_SUBMIT_CHECK: route and liveness, no profile) this often: it
			       * answers with DC_ACCEPT, and a new DC job leader learns the gate's
			       * route and token from it; 2 s */
	uint64_t cache_ttl_ns; /* leader-query answers; 5 s */
	uint64_t resend_ns; /* record puts, fetches, DC submits, key sync pages; 1 s */
	uint64_t push_period_ns; /* progress pushes are batched this long; 250 ms */
	uint64_t tomb_ttl_ns; /* finished jobs remembered (FIFO of max_jobs, oldest evicted); 1 h */
	uint64_t final_keep_ns; /* a final no client acks is kept (pushed) this long, then the job
				 * ends undelivered; 300 s */
	uint64_t catchup_ns; /* amnesic gate: out of quorums this long after every peer came
			      * alive (they re-send the records of the jobs they lead); 3 s */
	struct hl_lease_cfg lease;
	struct hl_retry_cfg retry;
};
void hl_gate_cfg_default(struct hl_gate_cfg *cfg);

enum hl_gjob_phase {
	HL_GJ_FETCH = 1, /* new holder: reading the record from a quorum */
	HL_GJ_ACK_REPL, /* v1 replicating; the client is acked at commit */
	HL_GJ_RUNNING, /* waiting for DC results */
	HL_GJ_FINAL_REPL, /* final resolved, replicating */
	HL_GJ_PUSHING, /* final pushed; waiting for the client's ack */
};

struct hl_gate_job {
	struct hl_gate_rec rec;
	uint8_t phase;
	bool dc_accepted[HL_GATE_JOB_DCS];
	uint64_t dc_heard_ns[HL_GATE_JOB_DCS]; /* last word from the DC: silent past
						  * dc_timeout_ns -> TIMEOUT (D.7) */
	uint64_t check_at_ns; /* next DC_SUBMIT check of the DCs that accepted */
	uint64_t resend_at_ns;
	uint64_t final_seq; /* pushlog seq of the final push */
	uint32_t fetch_from; /* bitmap over cfg gates that answered a fetch */
	struct hl_gate_rec best; /* latest record seen in the fetch */
	bool have_best;
	/* progress (soft state, not replicated): per DC last (seq, ppm) under our token */
	uint64_t dc_pseq[HL_GATE_JOB_DCS];
	uint32_t dc_ppm[HL_GATE_JOB_DCS];
	uint32_t ppm_pushed; /* merged ppm last pushed */
	struct hl_counts dc_live[HL_GATE_JOB_DCS]; /* per running DC: its counts so far */
	uint64_t dc_p99[HL_GATE_JOB_DCS]; /* and its running slices' highest window p99 */
	uint64_t tx_pushed, rx_pushed; /* merged live counts last pushed */
	uint8_t nrep_done; /* reporter outcomes acked and pushed (their version committed) */
	bool prog_dirty;
	uint32_t handoffs; /* final-push hand-offs this job had (travels in TRANSFER_REQ/GRANT) */
	uint64_t keep_until_ns; /* final unacked past every hand-off: kept until then */
};

struct hl_gate_dc {
	uint64_t id;
	bool healthy;
	uint32_t capacity; /* jobs the DC reports room for */
	uint32_t load; /* jobs this gate leads there */
};

struct hl_gate_cache {
	uint64_t leader, token, until_ns;
};

struct hl_gate {
	struct hl_gate_cfg cfg;
	struct hl_prng *rng;
	uint64_t tier_leader; /* from hl_elect (host) */
	uint32_t term; /* our term while we are tier leader, else 0 */
	uint32_t issued_term; /* term our lease table issues in (kept across a lease lapse) */
	uint32_t dead; /* bitmap over cfg.gates: SWIM says dead */
	/* C.2: a new tier leader learns the stored keys of a quorum before taking submissions */
	bool keys_ready;
	uint32_t ks_done; /* bitmap over cfg.gates whose scan ended */
	uint64_t ks_resend_at_ns;
	struct {
		uint64_t cursor; /* page = records with job > cursor */
		uint64_t last; /* largest job seen in the page */
		uint32_t got; /* bitmap of entry indexes received */
		int32_t count; /* entries in the page, -1 until its end arrived */
		bool more;
	} ks[HL_GATE_MAX_GATES];
	uint64_t next_progress_ns;
	uint64_t next_sweep_ns, next_cache_sweep_ns, next_orphan_ns; /* periodic scans */
	/* tier leader */
	struct hl_lease_table leases;
	struct hl_idem idem;
	/* job leader */
	struct hl_lease_holder held;
	struct hl_jrec_repl repl;
	struct hl_idmap jmap;
	struct hl_gate_job *jobs;
	struct hl_pushlog plog;
	struct hl_retry pushes; /* id = job (one outstanding final push per job) */
	/* every gate */
	struct hl_jrec_store store;
	/* Finished jobs (their final reached the client, their record forgotten): a record of one
	 * that a gate brings back after missing the forget is not led again (on_orphan, fetch). */
	struct hl_idmap tomb_map;
	struct hl_ring_buf *tombs; /* struct hl_gate_tomb, oldest first; EVICT when full */
	struct hl_gate_tomb_final *tomb_fin; /* per tomb_map slot */
	uint64_t n_resurrect_refused;
	struct hl_idmap cmap;
	struct hl_gate_cache *cache;
	struct hl_gate_dc dcs[HL_GATE_MAX_DCS];
	uint32_t ndcs;
	struct hl_gmsg *outq;
	uint32_t out_head, out_len;
	struct hl_gmsg sink; /* target of a message dropped on a full outbox; never read */
	/* counters */
	uint64_t n_out_full, n_forwarded, n_dup_results, n_stale, n_handoffs, n_dc_timeouts,
	        n_tomb_finals, n_takeovers, n_redirects, n_orphans;
	uint64_t n_keys_learned, n_not_ready, n_progress_pushes, n_reports, n_dup_reports,
	        n_reports_full;
	uint64_t n_finals_undelivered; /* jobs ended with a final no client acked */
	uint64_t n_cancels; /* jobs a client cancelled (first request at their job leader) */
	/* durability (issue 14): a gate whose records were lost answers no fetch or key scan */
	bool amnesic;
	uint32_t seen_alive; /* bitmap over cfg.gates seen alive since it became amnesic */
	uint64_t last_alive_ns, now_ns;
	uint64_t n_fast_orphans; /* orphans leased in the grace: their recorded leader is dead */
};

int hl_gate_init(struct hl_gate *g, const struct hl_gate_cfg *cfg, struct hl_prng *rng);
void hl_gate_fini(struct hl_gate *g);
/** Register or update a DC (host: federated health); -ENOSPC past HL_GATE_MAX_DCS. */
int hl_gate_dc_set(struct hl_gate *g, uint64_t dc, bool healthy, uint32_t capacity);
/** Gate tier leader from hl_elect: leader id and, when it is self, the term (issues tokens). */
int hl_gate_set_tier_leader(struct hl_gate *g, uint64_t leader, uint32_t term, uint64_t now_ns);
/** SWIM among gates: a gate is dead (its leases are re-issued by the tier leader). */
void hl_gate_peer_dead(struct hl_gate *g, uint64_t gate);
void hl_gate_peer_alive(struct hl_gate *g, uint64_t gate);
int hl_gate_recv(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns);
/** Timers (renewals, resends, DC timeouts, push retries); call every 100 ms or so. */
void hl_gate_tick(struct hl_gate *g, uint64_t now_ns);
/** Next message to send: 1 with *m, 0 if none. */
int hl_gate_next_tx(struct hl_gate *g, struct hl_gmsg *m);
/** Durability: the host's journal is set on g->store (hl_jrec_store_set_journal); at start it
 *  replays its log entry by entry (or a snapshot) through hl_gate_restore, with the journal
 *  not yet set or set (restore bypasses it). -EINVAL (job 0, unknown op), -EBADMSG (a PUT body
 *  that is no gate record), -HL_E_FULL. */
int hl_gate_restore(struct hl_gate *g, uint8_t op, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len, uint64_t now_ns);
/** Everything durable (records, tombstones) as journal entries, for the host's compaction;
 *  stops at the first negative return of emit and returns it. */
int hl_gate_snapshot(struct hl_gate *g, hl_jrec_journal_fn emit, void *arg);
/** The durable records were lost (log missing after a previous run, or corrupt): the gate
 *  answers no record fetch or key scan (-EAGAIN: the asker does not count it) until every peer
 *  gate came alive and catchup_ns passed, so quorum intersection holds for what it lost. */
void hl_gate_set_amnesic(struct hl_gate *g, uint64_t now_ns);
static inline bool
hl_gate_is_amnesic(const struct hl_gate *g)
{
	return g->amnesic;
}
/** True while this gate holds job's record, leads it (or takes it over) or leases it as tier
 *  leader; false once the job ended here or was never known (host payloads can go). */
bool hl_gate_holds(const struct hl_gate *g, uint64_t job);
/** Per-job structures held (jobs, leases, records, pushlogs, retries, idem, cache). */
uint64_t hl_gate_retained(const struct hl_gate *g, bool with_idem);
/** Finished jobs remembered (tombstones; bounded by max_jobs, expire after tomb_ttl_ns). */
uint32_t hl_gate_tombs(const struct hl_gate *g);
/** Tombstones dropped before their time to make room (counted by the ring). */
uint64_t hl_gate_tombs_evicted(const struct hl_gate *g);
static inline uint32_t
hl_gate_jobs(const struct hl_gate *g)
{
	return hl_idmap_count(&g->jmap);
}

/** C.2: the tier leader has learned the keys of a quorum (it takes submissions). */
static inline bool
hl_gate_keys_ready(const struct hl_gate *g)
{
	return g->keys_ready;
}

/* ---------------------------------------------------------------------------------------------
 * Client: submits with an idempotency key until acked (following NOT_LEADER redirects), follows
 * the job leader (pushes or answers with a greater token), registers with its last sequence on
 * (re)connect (D.2), acks pushes, and hands the final result to the application once.
 */
struct hl_gclient_job {
	uint64_t job;
	uint8_t key[HL_IDEM_KEY_MAX];
	uint8_t key_len, ndc;
	uint64_t dcs[HL_GATE_JOB_DCS]; /* the DCs the application named (0: the gate chooses) */
	bool acked, final_seen;
	uint8_t final;
	uint64_t leader, token, last_seq; /* last_seq under token */
	uint64_t ask; /* gate to send the next request to */
	uint64_t resend_at_ns;
	uint64_t redirect_at_ns; /* last redirect followed at once */
	uint64_t register_at_ns; /* last registration sent for a sequence gap */
	uint8_t rep_seen; /* bitmap of reporter outcomes (record index) handed over */
	bool answered; /* the last SUBMIT got an answer (else the next goes to another gate) */
	bool cancel; /* cancelled here: every registration asks the job leader to cancel it */
};

/* What the application gets, in order, once per (token, seq) (D.4, D.8): every numbered push. */
struct hl_gclient_update {
	uint64_t job, token, seq;
	uint8_t kind; /* enum hl_push_kind */
	uint8_t status;
	uint32_t ppm;
	struct hl_gate_report rep; /* kind REPORT */
	struct hl_counts totals; /* kind PROGRESS: the job's counts so far, every DC */
	uint64_t p99_ns; /* kind PROGRESS: highest p99 of the running slices' last windows */
};

#define HL_GCLIENT_UPDATES 128

struct hl_gclient {
	uint64_t self;
	uint64_t gates[HL_GATE_MAX_GATES];
	uint32_t ngates;
	uint64_t resend_ns;
	bool connected;
	struct hl_idmap map;
	struct hl_gclient_job *j;
	struct hl_gmsg *outq;
	uint32_t out_head, out_len;
	struct hl_gmsg sink; /* target of a message dropped on a full outbox; never read */
	uint64_t n_dup_pushes, n_out_full, n_leader_changes, n_stale, n_gaps, n_updates_full;
	struct hl_gclient_update upd[HL_GCLIENT_UPDATES]; /* ring for the application */
	uint32_t upd_head, upd_len;
	/* finals for the application: ring of (job, status) */
	uint64_t fin_job[64];
	uint8_t fin_status[64];
	struct hl_counts fin_totals[64]; /* the job's counts, as the final push carried them */
	uint32_t fin_head, fin_len;
};

int hl_gclient_init(struct hl_gclient *c, uint64_t self, const uint64_t *gates, uint32_t ngates,
        uint32_t max_jobs);
void hl_gclient_fini(struct hl_gclient *c);
/** Submit job with key to ndc DCs: the DC ids in dcs[0..ndc) (the gate runs it there or, if
 *  one is unknown or down, fails it), or NULL to let the gate choose. -EINVAL (also a 0 id),
 *  -HL_E_EXISTS, -HL_E_FULL. */
int hl_gclient_submit(struct hl_gclient *c, uint64_t job, const void *key, uint8_t key_len,
        uint8_t ndc, const uint64_t *dcs, uint64_t now_ns);
/** Connection lost / back: on reconnect every open job registers with its last sequence. */
void hl_gclient_set_connected(struct hl_gclient *c, bool up, uint64_t now_ns);
int hl_gclient_recv(struct hl_gclient *c, const struct hl_gmsg *m, uint64_t now_ns);
void hl_gclient_tick(struct hl_gclient *c, uint64_t now_ns);
int hl_gclient_next_tx(struct hl_gclient *c, struct hl_gmsg *m);
/** Next final result for the application (exactly once per job): 1 with job/status, 0. */
int hl_gclient_next_final(
        struct hl_gclient *c, uint64_t *job, uint8_t *status, struct hl_counts *totals);
/** Next update for the application (status, progress, reporter outcome, final), in sequence
 *  order per leader token, each once: 1 with *u, 0 if none. A full ring refuses the push (not
 *  acked: it comes again in the replay). */
int hl_gclient_next_update(struct hl_gclient *c, struct hl_gclient_update *u);
/** Cancel a job submitted here: its job leader is asked (and asked again, also a new one)
 *  until the job's final comes (CANCELLED, or what it ended with first). 0, -ENOENT,
 *  -EALREADY (its final is here already). */
int hl_gclient_cancel(struct hl_gclient *c, uint64_t job, uint64_t now_ns);
/** Forget a finished job (after its final was taken). -ENOENT. */
int hl_gclient_forget(struct hl_gclient *c, uint64_t job);
/** True while the client follows job (submitted, final not yet forgotten). */
static inline bool
hl_gclient_has(const struct hl_gclient *c, uint64_t job)
{
	return hl_idmap_find(&c->map, job) != HL_IDMAP_NONE;
}
static inline uint32_t
hl_gclient_jobs(const struct hl_gclient *c)
{
	return hl_idmap_count(&c->map);
}

#endif
