/* gate.c — the gate tier: tier leader (lease issuer, idempotent submission) and per-job gate job
 * leader (record replication, DC choice, result merge, exactly-once push, takeover). Sans-IO. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_gate.h"
#include "hl_log.h"
#include "hl_msg_table.h"
#include "hl_resolve.h"

#define MS 1000000ull
#define SEC 1000000000ull

void
hl_gate_cfg_default(struct hl_gate_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_jobs = 4096;
	cfg->dc_timeout_ns = 60 * SEC;
	cfg->dc_check_ns = 2 * SEC;
	cfg->cache_ttl_ns = 5 * SEC;
	cfg->resend_ns = 1 * SEC;
	cfg->push_period_ns = 250 * MS;
	cfg->tomb_ttl_ns = 3600 * SEC;
	cfg->final_keep_ns = 300 * SEC;
	cfg->catchup_ns = 3 * SEC;
	hl_lease_cfg_default(&cfg->lease);
	hl_retry_cfg_default(&cfg->retry);
}

/* ---- outbox ---- */

static struct hl_gmsg *
out_slot(struct hl_gmsg *q, uint32_t *head, uint32_t *len, uint64_t *n_full, struct hl_gmsg *sink)
{
	struct hl_gmsg *m;

	if (*len == HL_GATE_OUTQ) {
		(*n_full)++;
		HL_LOG(HL_LOG_WARN, "gate",
		        "outbox full (%u): message dropped, the peer's retry heals it",
		        HL_GATE_OUTQ);
		m = sink; /* per instance: no state shared between gates */
	} else {
		m = &q[(*head + *len) % HL_GATE_OUTQ];
		(*len)++;
	}
	memset(m, 0, sizeof(*m));
	return m;
}

static int
out_pop(struct hl_gmsg *q, uint32_t *head, uint32_t *len, struct hl_gmsg *m)
{
	if (*len == 0)
		return 0;
	*m = q[*head];
	*head = (*head + 1) % HL_GATE_OUTQ;
	(*len)--;
	return 1;
}

static struct hl_gmsg *
gout(struct hl_gate *g, uint8_t type, uint64_t to, uint64_t job)
{
	struct hl_gmsg *m = out_slot(g->outq, &g->out_head, &g->out_len, &g->n_out_full, &g->sink);

	m->type = type;
	m->from = g->cfg.self;
	m->to = to;
	m->job = job;
	return m;
}

int
hl_gate_next_tx(struct hl_gate *g, struct hl_gmsg *m)
{
	return out_pop(g->outq, &g->out_head, &g->out_len, m);
}

/* ---- init ---- */

int
hl_gate_init(struct hl_gate *g, const struct hl_gate_cfg *cfg, struct hl_prng *rng)
{
	bool self_in = false;
	int rc;

	memset(g, 0, sizeof(*g));
	if (cfg->self == 0 || cfg->ngates == 0 || cfg->ngates > HL_GATE_MAX_GATES ||
	        cfg->max_jobs == 0 || rng == NULL || cfg->resend_ns == 0 ||
	        cfg->push_period_ns == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < cfg->ngates; i++)
		self_in |= cfg->gates[i] == cfg->self;
	if (!self_in)
		return -EINVAL;
	g->cfg = *cfg;
	g->cfg.lease.max_jobs = cfg->max_jobs;
	g->cfg.retry.max_items = cfg->max_jobs;
	g->rng = rng;
	g->outq = calloc(HL_GATE_OUTQ, sizeof(*g->outq));
	g->jobs = calloc(cfg->max_jobs, sizeof(*g->jobs));
	g->cache = calloc(cfg->max_jobs, sizeof(*g->cache));
	g->tombs =
	        hl_ring_buf_create(cfg->max_jobs, sizeof(struct hl_gate_tomb), HL_RING_BUF_EVICT);
	g->tomb_fin = calloc(cfg->max_jobs, sizeof(*g->tomb_fin));
	if (g->outq == NULL || g->jobs == NULL || g->cache == NULL || g->tombs == NULL ||
	        g->tomb_fin == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	struct hl_idem_cfg icfg;
	hl_idem_cfg_default(&icfg);
	icfg.max_entries = 4 * cfg->max_jobs; /* keys outlive their jobs by the TTL */
	icfg.max_waiters = cfg->max_jobs;
	if ((rc = hl_lease_table_init(&g->leases, &g->cfg.lease)) < 0 ||
	        (rc = hl_idem_init(&g->idem, &icfg)) < 0 ||
	        (rc = hl_lease_holder_init(&g->held, cfg->self, &g->cfg.lease)) < 0 ||
	        (rc = hl_jrec_repl_init(&g->repl, cfg->self, cfg->gates, cfg->ngates, cfg->max_jobs,
	                 cfg->resend_ns)) < 0 ||
	        (rc = hl_idmap_init(&g->jmap, cfg->max_jobs)) < 0 ||
	        (rc = hl_pushlog_init(&g->plog, cfg->max_jobs)) < 0 ||
	        (rc = hl_retry_init(&g->pushes, &g->cfg.retry, rng)) < 0 ||
	        (rc = hl_jrec_store_init(&g->store, cfg->max_jobs)) < 0 ||
	        (rc = hl_idmap_init(&g->cmap, cfg->max_jobs)) < 0 ||
	        (rc = hl_idmap_init(&g->tomb_map, cfg->max_jobs)) < 0)
		goto fail;
	for (uint32_t i = 0; i < cfg->ngates; i++)
		if ((rc = hl_lease_member_set(&g->leases, cfg->gates[i], true)) < 0)
			goto fail;
	return 0;
fail:
	hl_gate_fini(g);
	return rc;
}

void
hl_gate_fini(struct hl_gate *g)
{
	hl_lease_table_fini(&g->leases);
	hl_idem_fini(&g->idem);
	hl_lease_holder_fini(&g->held);
	hl_jrec_repl_fini(&g->repl);
	hl_idmap_fini(&g->jmap);
	hl_pushlog_fini(&g->plog);
	hl_retry_fini(&g->pushes);
	hl_jrec_store_fini(&g->store);
	hl_idmap_fini(&g->cmap);
	hl_idmap_fini(&g->tomb_map);
	hl_ring_buf_destroy(g->tombs);
	free(g->tomb_fin);
	free(g->outq);
	free(g->jobs);
	free(g->cache);
	memset(g, 0, sizeof(*g));
}

int
hl_gate_dc_set(struct hl_gate *g, uint64_t dc, bool healthy, uint32_t capacity)
{
	if (dc == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < g->ndcs; i++)
		if (g->dcs[i].id == dc) {
			g->dcs[i].healthy = healthy;
			g->dcs[i].capacity = capacity;
			return 0;
		}
	if (g->ndcs == HL_GATE_MAX_DCS)
		return -ENOSPC;
	g->dcs[g->ndcs++] = (struct hl_gate_dc){.id = dc, .healthy = healthy, .capacity = capacity};
	return 0;
}

static struct hl_gate_dc *
dc_find(struct hl_gate *g, uint64_t dc)
{
	for (uint32_t i = 0; i < g->ndcs; i++)
		if (g->dcs[i].id == dc)
			return &g->dcs[i];
	return NULL;
}

static bool
is_tier_leader(const struct hl_gate *g)
{
	return g->term != 0 && g->tier_leader == g->cfg.self;
}

static struct hl_gate_job *
job_get(struct hl_gate *g, uint64_t job)
{
	uint32_t s = hl_idmap_find(&g->jmap, job);

	return s == HL_IDMAP_NONE ? NULL : &g->jobs[s];
}

/* The job leader acts only while its lease is valid. */
static struct hl_gate_job *
job_led(struct hl_gate *g, uint64_t job, uint64_t now_ns)
{
	struct hl_gate_job *j = job_get(g, job);
	uint64_t tok;

	if (j == NULL || !hl_lease_holder_valid(&g->held, job, now_ns, &tok) || tok != j->rec.token)
		return NULL;
	return j;
}

static void
cache_put(struct hl_gate *g, uint64_t job, uint64_t leader, uint64_t token, uint64_t now_ns);
static uint64_t leader_of(struct hl_gate *g, uint64_t job, uint64_t now_ns, uint64_t *token);
static bool job_is_over(struct hl_gate *g, uint64_t job, uint64_t now_ns);
static uint64_t forward_to(struct hl_gate *g, uint64_t job, uint64_t now_ns);

/* ---- job leader: lifetime ---- */

/* ---- tombstones of finished jobs ---- */

static bool
tomb_has(const struct hl_gate *g, uint64_t job)
{
	return hl_idmap_find(&g->tomb_map, job) != HL_IDMAP_NONE;
}

/* Oldest first, until one has time left. */
static void
tomb_expire(struct hl_gate *g, uint64_t now_ns)
{
	const struct hl_gate_tomb *t;

	while ((t = hl_ring_buf_at(g->tombs, 0)) != NULL && now_ns >= t->expires_ns) {
		(void)hl_idmap_remove(&g->tomb_map, t->job);
		(void)hl_ring_buf_pop(g->tombs, NULL);
	}
}

/* A record's counts: its DCs' final results, summed. */
static struct hl_counts
rec_totals(const struct hl_gate_rec *r)
{
	struct hl_counts t = {0, 0, 0};

	for (uint32_t i = 0; i < r->ndc && i < HL_GATE_JOB_DCS; i++)
		hl_counts_add(&t, &r->dc_totals[i]);
	return t;
}

/* The end of a finished job as this gate knows it, NULL when it does not. */
static const struct hl_gate_tomb_final *
tomb_final(const struct hl_gate *g, uint64_t job)
{
	uint32_t s = hl_idmap_find(&g->tomb_map, job);

	return s != HL_IDMAP_NONE && g->tomb_fin[s].final != HL_WS_NONE ? &g->tomb_fin[s] : NULL;
}

/* Call before the job's record leaves the store: the tombstone keeps the final it names. */
static void
tomb_add(struct hl_gate *g, uint64_t job, uint64_t now_ns)
{
	struct hl_gate_tomb t = {job, now_ns + g->cfg.tomb_ttl_ns}, old = {0, 0};
	struct hl_gate_tomb_final f = {HL_WS_NONE, 0, {0, 0, 0}};
	const struct hl_jrec *r = hl_jrec_store_get(&g->store, job);
	struct hl_gate_rec rec;
	int64_t s;

	tomb_expire(g, now_ns);
	if (tomb_has(g, job) || job == 0)
		return;
	if (r != NULL && r->len == sizeof(rec)) {
		memcpy(&rec, r->body, sizeof(rec));
		if (rec.final != HL_WS_NONE && rec.final <= HL_WS_MAX) {
			f.final = rec.final;
			f.token = r->token;
			f.totals = rec_totals(&rec);
		}
	}
	(void)hl_jrec_journal(&g->store, HL_JREC_J_TOMB, job, 0, 0); /* refusal logged, counted */
	/* Full of live tombstones: the ring drops the oldest (counted) and hands it back, so its
	 * map entry goes before the new one comes in (map and ring have the same bound). */
	(void)hl_ring_buf_push(g->tombs, &t, &old);
	if (old.job != 0)
		(void)hl_idmap_remove(&g->tomb_map, old.job);
	if ((s = hl_idmap_insert(&g->tomb_map, job)) >= 0)
		g->tomb_fin[s] = f;
}

/* The job is over: every gate forgets its record and remembers that it ended. */
static void
forget_finished(struct hl_gate *g, uint64_t job, uint64_t now_ns)
{
	for (uint32_t i = 0; i < g->cfg.ngates; i++)
		if (g->cfg.gates[i] != g->cfg.self)
			(void)gout(g, HL_GM_REC_FORGET, g->cfg.gates[i], job);
	tomb_add(g, job, now_ns);
	(void)hl_jrec_store_forget(&g->store, job);
}

static void
job_free(struct hl_gate *g, struct hl_gate_job *j, bool release)
{
	uint64_t job = j->rec.job, token = j->rec.token;

	for (uint32_t i = 0; i < j->rec.ndc; i++) {
		struct hl_gate_dc *d = dc_find(g, j->rec.dcs[i]);
		if (d != NULL && d->load > 0)
			d->load--;
	}
	if (release && g->tier_leader != 0) {
		struct hl_gmsg *m = gout(g, HL_GM_RELEASE, g->tier_leader, job);
		m->token = token;
	}
	(void)hl_retry_done(&g->pushes, job);
	(void)hl_pushlog_close(&g->plog, job);
	(void)hl_jrec_repl_forget(&g->repl, job);
	(void)hl_lease_holder_drop(&g->held, job);
	memset(j, 0, sizeof(*j));
	(void)hl_idmap_remove(&g->jmap, job);
}

/* The job's counts: its DCs' final results, summed (a DC that timed out adds nothing). */
static struct hl_counts
job_totals(const struct hl_gate_job *j)
{
	return rec_totals(&j->rec);
}

/* Live progress: a finished DC's final counts, a running one's last report (soft state: a new
 * gate job leader starts from the finals until its DCs report again). *p99 = the highest p99
 * the running DCs reported. */
static struct hl_counts
live_totals(const struct hl_gate_job *j, uint64_t *p99)
{
	struct hl_counts t = {0, 0, 0};

	*p99 = 0;
	for (uint32_t i = 0; i < j->rec.ndc && i < HL_GATE_JOB_DCS; i++) {
		if (j->rec.dc_status[i] != HL_WS_NONE) {
			hl_counts_add(&t, &j->rec.dc_totals[i]);
			continue;
		}
		hl_counts_add(&t, &j->dc_live[i]);
		if (j->dc_p99[i] > *p99)
			*p99 = j->dc_p99[i];
	}
	return t;
}

static struct hl_gmsg *
push(struct hl_gate *g, struct hl_gate_job *j, uint8_t kind, uint64_t seq)
{
	struct hl_gmsg *m = gout(g, HL_GM_PUSH, j->rec.client, j->rec.job);

	m->kind = kind;
	m->status = j->rec.final != HL_WS_NONE ? j->rec.final : HL_WS_RUNNING;
	m->seq = seq;
	m->leader = g->cfg.self;
	m->token = j->rec.token;
	m->ppm = j->rec.final != HL_WS_NONE ? 1000000u : j->ppm_pushed;
	if (j->rec.final != HL_WS_NONE)
		m->totals = job_totals(j);
	else
		m->totals = live_totals(j, &m->p99_ns);
	return m;
}

/* D.4: merged progress over the job's DCs (a COMPLETED DC counts as done; a failed or silent
 * one keeps its last report). */
static uint32_t
merged_ppm(const struct hl_gate_job *j)
{
	uint64_t sum = 0;

	if (j->rec.ndc == 0)
		return 0;
	for (uint32_t i = 0; i < j->rec.ndc; i++)
		sum += j->rec.dc_status[i] == HL_WS_COMPLETED ? 1000000u : j->dc_ppm[i];
	return (uint32_t)(sum / j->rec.ndc);
}

/* D.4: a batched progress push (every push period while it changed, and before the final). */
/* The merged progress or live counts differ from the last push. */
static bool
progress_changed(const struct hl_gate_job *j, uint32_t ppm, const struct hl_counts *live)
{
	return ppm != j->ppm_pushed || live->tx_pkts != j->tx_pushed ||
	       live->rx_pkts != j->rx_pushed;
}

static void
progress_push(struct hl_gate *g, struct hl_gate_job *j)
{
	uint32_t ppm = merged_ppm(j);
	uint64_t p99;
	struct hl_counts live = live_totals(j, &p99);
	int64_t seq;

	j->prog_dirty = false;
	if (!progress_changed(j, ppm, &live))
		return;
	seq = hl_pushlog_append(&g->plog, j->rec.job, HL_PUSH_K_PROGRESS,
	        j->rec.final != HL_WS_NONE ? j->rec.final : HL_WS_RUNNING, ppm, 0);
	if (seq < 0) {
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: push log refused progress: %s",
		        (unsigned long long)j->rec.job, hl_errname((int)seq));
		return;
	}
	j->ppm_pushed = ppm;
	j->tx_pushed = live.tx_pkts;
	j->rx_pushed = live.rx_pkts;
	push(g, j, HL_PUSH_K_PROGRESS, (uint64_t)seq);
	g->n_progress_pushes++;
}

/* D.8: a reporter outcome of the record, pushed (and logged for the replay) under our token. */
static void
report_push(struct hl_gate *g, struct hl_gate_job *j, uint8_t idx)
{
	int64_t seq = hl_pushlog_append(
	        &g->plog, j->rec.job, HL_PUSH_K_REPORT, HL_WS_RUNNING, j->ppm_pushed, idx);
	struct hl_gmsg *m;

	if (seq < 0) {
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: push log refused reporter outcome %u: %s",
		        (unsigned long long)j->rec.job, idx, hl_errname((int)seq));
		return;
	}
	m = push(g, j, HL_PUSH_K_REPORT, (uint64_t)seq);
	m->rep = j->rec.rep[idx];
	m->ref = idx;
}

static void
replicate(struct hl_gate *g, struct hl_gate_job *j, uint64_t now_ns)
{
	int rc;

	j->rec.version++;
	j->rec.leader = g->cfg.self;
	rc = hl_jrec_store_put(
	        &g->store, j->rec.job, j->rec.token, j->rec.version, &j->rec, sizeof(j->rec));
	if (rc < 0 && rc != -EALREADY)
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: local record store refused v%llu: %s",
		        (unsigned long long)j->rec.job, (unsigned long long)j->rec.version,
		        hl_errname(rc));
	if ((rc = hl_jrec_repl_begin(&g->repl, j->rec.job, j->rec.token, j->rec.version, now_ns)) <
	        0) {
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: replication not started: %s",
		        (unsigned long long)j->rec.job, hl_errname(rc));
		return; /* resent from tick via version check */
	}
	for (uint32_t i = 0; i < g->cfg.ngates; i++) {
		if (g->cfg.gates[i] == g->cfg.self)
			continue;
		struct hl_gmsg *m = gout(g, HL_GM_REC_PUT, g->cfg.gates[i], j->rec.job);
		m->rec = j->rec;
		m->token = j->rec.token;
		m->version = j->rec.version;
	}
}

static void on_commit(struct hl_gate *g, struct hl_gate_job *j, uint64_t now_ns);

static void
replicate_and_check(struct hl_gate *g, struct hl_gate_job *j, uint64_t now_ns)
{
	replicate(g, j, now_ns);
	if (hl_jrec_repl_committed(&g->repl, j->rec.job, j->rec.version))
		on_commit(g, j, now_ns); /* a one-gate tier commits at once */
}

/* The DCs a client named (r->dcs[0..want), ids): each must be known and healthy, else the job
 * runs nowhere (ndc 0: FAILED at once, logged) rather than somewhere the client did not ask. */
static void
pinned_dcs(struct hl_gate *g, struct hl_gate_rec *r, uint8_t want)
{
	for (uint32_t k = 0; k < want && k < HL_GATE_JOB_DCS; k++) {
		uint32_t i = 0;
		while (i < g->ndcs && g->dcs[i].id != r->dcs[k])
			i++;
		if (i == g->ndcs || !g->dcs[i].healthy) {
			HL_LOG(HL_LOG_WARN, "gate", "job %llu: named DC %llu is %s",
			        (unsigned long long)r->job, (unsigned long long)r->dcs[k],
			        i == g->ndcs ? "unknown" : "not healthy");
			memset(r->dcs, 0, sizeof(r->dcs));
			r->ndc = 0;
			return;
		}
	}
	for (uint32_t k = 0; k < want && k < HL_GATE_JOB_DCS; k++) {
		for (uint32_t i = 0; i < g->ndcs; i++)
			if (g->dcs[i].id == r->dcs[k])
				g->dcs[i].load++;
		r->dc_status[k] = HL_WS_NONE;
	}
	r->ndc = want;
}

static void
choose_dcs(struct hl_gate *g, struct hl_gate_rec *r, uint8_t want)
{
	bool used[HL_GATE_MAX_DCS] = {false};

	if (want == 0)
		want = 1;
	if (r->dcs[0] != 0) {
		pinned_dcs(g, r, want);
		return;
	}
	r->ndc = 0;
	while (r->ndc < want && r->ndc < HL_GATE_JOB_DCS) {
		int best = -1;
		int64_t room_best = 0;
		for (uint32_t i = 0; i < g->ndcs; i++) {
			int64_t room = (int64_t)g->dcs[i].capacity - g->dcs[i].load;
			if (used[i] || !g->dcs[i].healthy || room <= 0)
				continue;
			if (best < 0 || room > room_best) {
				best = (int)i;
				room_best = room;
			}
		}
		if (best < 0)
			break;
		used[best] = true;
		g->dcs[best].load++;
		r->dcs[r->ndc] = g->dcs[best].id;
		r->dc_status[r->ndc] = HL_WS_NONE;
		r->ndc++;
	}
}

static void
finalize(struct hl_gate *g, struct hl_gate_job *j, uint64_t now_ns)
{
	j->rec.final = hl_resolve_final(j->rec.dc_status, j->rec.ndc);
	j->phase = HL_GJ_FINAL_REPL;
	replicate_and_check(g, j, now_ns);
}

/* DC_SUBMIT to each DC still running the job: with its profile until it accepted our token;
 * `check`: also to those that accepted (kind CHECK, no profile). Each answers DC_ACCEPT, so a
 * DC stays heard while it lives, and a DC job leader that took over from a record with an
 * older route learns ours (else its result would go to a deposed gate, refused as stale). */
static void
dc_submit(struct hl_gate *g, struct hl_gate_job *j, bool check)
{
	for (uint32_t i = 0; i < j->rec.ndc; i++) {
		if ((j->dc_accepted[i] && !check) || j->rec.dc_status[i] != HL_WS_NONE)
			continue;
		struct hl_gmsg *m = gout(g, HL_GM_DC_SUBMIT, j->rec.dcs[i], j->rec.job);
		m->token = j->rec.token;
		m->leader = g->cfg.self;
		m->kind = j->rec.cancel       ? HL_DC_SUBMIT_CANCEL
		          : j->dc_accepted[i] ? HL_DC_SUBMIT_CHECK
		                              : 0;
	}
}

/* Every DC of the job counts as heard now (dispatch, or a new leader taking it over). */
static void
dc_heard_all(struct hl_gate_job *j, uint64_t now_ns)
{
	for (uint32_t i = 0; i < HL_GATE_JOB_DCS; i++)
		j->dc_heard_ns[i] = now_ns;
}

static void
start_final_push(struct hl_gate *g, struct hl_gate_job *j, uint64_t now_ns)
{
	int64_t seq;
	int rc;

	/* D.4: the last progress (if it changed) goes out before the final, also from a leader
	 * that took the job over after it was resolved */
	progress_push(g, j);
	seq = hl_pushlog_append(
	        &g->plog, j->rec.job, HL_PUSH_K_RESULT, j->rec.final, 1000000, j->rec.job);

	if (seq < 0) {
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: push log refused the final: %s",
		        (unsigned long long)j->rec.job, hl_errname((int)seq));
		seq = j->final_seq; /* keep pushing what we have; the client acks any final */
	}
	j->final_seq = (uint64_t)seq;
	j->phase = HL_GJ_PUSHING;
	(void)push(g, j, HL_PUSH_K_RESULT, j->final_seq);
	(void)hl_retry_done(&g->pushes, j->rec.job);
	if ((rc = hl_retry_track(&g->pushes, j->rec.job, j->rec.client, now_ns)) < 0)
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: final push not tracked for retry: %s",
		        (unsigned long long)j->rec.job, hl_errname(rc));
}

/* D.8: reporter outcomes are acked to their DC and pushed once the record holding them is
 * committed: a pushed outcome keeps its index under any later leader (append-only record). */
static void
report_flush(struct hl_gate *g, struct hl_gate_job *j)
{
	for (; j->nrep_done < j->rec.nrep && j->nrep_done < HL_GATE_JOB_REPORTS; j->nrep_done++) {
		const struct hl_gate_report *r = &j->rec.rep[j->nrep_done];
		struct hl_gmsg *a = gout(g, HL_GM_DC_REPORT_ACK, r->dc, j->rec.job);
		a->dc = r->dc;
		a->token = j->rec.token;
		a->leader = g->cfg.self;
		a->rep = *r;
		report_push(g, j, j->nrep_done);
	}
}

static void
on_commit(struct hl_gate *g, struct hl_gate_job *j, uint64_t now_ns)
{
	if (j->phase == HL_GJ_ACK_REPL) {
		struct hl_gmsg *m = gout(g, HL_GM_SUBMIT_ACK, j->rec.client, j->rec.job);
		m->leader = g->cfg.self;
		m->token = j->rec.token;
		if (g->tier_leader != 0) {
			m = gout(g, HL_GM_COMMITTED, g->tier_leader, j->rec.job);
			memcpy(m->key, j->rec.key, j->rec.key_len);
			m->key_len = j->rec.key_len;
		}
		/* D.8: a new leader re-pushes (and re-acks) the record's reporter outcomes: the
		 * client hands each to the application once, by index; none for a new job. */
		j->nrep_done = 0;
		report_flush(g, j);
		if (j->rec.final != HL_WS_NONE) {
			start_final_push(g, j, now_ns);
			return;
		}
		if (j->rec.ndc == 0) {
			HL_LOG(HL_LOG_WARN, "gate",
			        "job %llu: no healthy DC with room (or a named DC unknown or "
			        "down): "
			        "FAILED",
			        (unsigned long long)j->rec.job);
			j->rec.final = HL_WS_FAILED;
			j->phase = HL_GJ_FINAL_REPL;
			replicate_and_check(g, j, now_ns);
			return;
		}
		/* Status push with our leader id and token: a client that followed the old leader
		 * learns the new one here. */
		int64_t seq = hl_pushlog_append(
		        &g->plog, j->rec.job, HL_PUSH_K_STATUS, HL_WS_RUNNING, 0, 0);
		if (seq > 0)
			(void)push(g, j, HL_PUSH_K_STATUS, (uint64_t)seq);
		j->phase = HL_GJ_RUNNING;
		dc_heard_all(j, now_ns);
		j->resend_at_ns = now_ns + g->cfg.resend_ns;
		j->check_at_ns = now_ns + g->cfg.dc_check_ns;
		dc_submit(g, j, false);
	} else if (j->phase == HL_GJ_RUNNING) {
		report_flush(g, j);
	} else if (j->phase == HL_GJ_FINAL_REPL) {
		report_flush(g, j);
		start_final_push(g, j, now_ns);
	}
}

/* Give up our lease (deposed or nothing to lead): stop acting at once. */
static void
job_abandon(struct hl_gate *g, struct hl_gate_job *j, const char *why)
{
	HL_LOG(HL_LOG_INFO, "gate", "gate %llu: job %llu token %llx abandoned: %s",
	        (unsigned long long)g->cfg.self, (unsigned long long)j->rec.job,
	        (unsigned long long)j->rec.token, why);
	job_free(g, j, false);
}

static uint32_t
quorum(const struct hl_gate *g)
{
	return g->cfg.ngates / 2 + 1;
}

static uint32_t
gate_bit(const struct hl_gate *g, uint64_t id)
{
	for (uint32_t i = 0; i < g->cfg.ngates; i++)
		if (g->cfg.gates[i] == id)
			return 1u << i;
	return 0;
}

static void
fetch_note(struct hl_gate *g, struct hl_gate_job *j, uint64_t from, const struct hl_gate_rec *r,
        uint64_t now_ns)
{
	uint32_t bit = gate_bit(g, from);

	if (bit == 0 || (j->fetch_from & bit))
		return;
	j->fetch_from |= bit;
	if (r != NULL && r->version > 0 &&
	        (!j->have_best || r->token > j->best.token ||
	                (r->token == j->best.token && r->version > j->best.version))) {
		j->best = *r;
		j->have_best = true;
	}
	if ((uint32_t)__builtin_popcount(j->fetch_from) < quorum(g))
		return;
	if (!j->have_best) {
		/* No quorum member holds a record: the submission never committed, so it was never
		 * acknowledged; the client's retry will submit it again. */
		HL_LOG(HL_LOG_INFO, "gate", "job %llu: no record at a quorum: never acknowledged",
		        (unsigned long long)j->rec.job);
		job_free(g, j, true);
		return;
	}
	uint64_t token = j->rec.token;
	j->rec = j->best;
	j->rec.token = token;
	for (uint32_t i = 0; i < j->rec.ndc; i++) {
		struct hl_gate_dc *d = dc_find(g, j->rec.dcs[i]);
		if (d != NULL)
			d->load++;
	}
	j->phase = HL_GJ_ACK_REPL;
	replicate_and_check(g, j, now_ns);
}

static void
on_grant(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_gate_job *j = job_get(g, m->job);
	struct hl_lease_grant gr = {
	        .job = m->job,
	        .holder = g->cfg.self,
	        .token = m->token,
	        .duration_ns = g->cfg.lease.duration_ns,
	};
	uint64_t sent = now_ns > g->cfg.lease.guard_ns ? now_ns - g->cfg.lease.guard_ns : 0;
	int rc;

	if (m->code < 0) {
		if (j != NULL && j->rec.token == m->token &&
		        (m->code == -HL_E_STALE_TOKEN || m->code == -HL_E_NOT_FOUND))
			job_abandon(g, j, "renewal refused by the tier leader");
		return;
	}
	if (m->kind == HL_GK_RENEW) {
		uint32_t s = hl_idmap_find(&g->held.map, m->job);
		if (s == HL_IDMAP_NONE)
			return;
		if (g->held.h[s].renew_sent_ns != 0)
			sent = g->held.h[s].renew_sent_ns;
	}
	if ((rc = hl_lease_holder_apply(&g->held, &gr, sent)) < 0) {
		g->n_stale++;
		HL_LOG(HL_LOG_INFO, "gate", "job %llu: grant token %llx refused: %s",
		        (unsigned long long)m->job, (unsigned long long)m->token, hl_errname(rc));
		return;
	}
	if (m->kind == HL_GK_RENEW)
		return;
	cache_put(g, m->job, g->cfg.self, m->token, now_ns);
	if (j != NULL) {
		/* Re-granted to us under a greater token (adoption): fence the stores with it. */
		if (m->token > j->rec.token) {
			j->rec.token = m->token;
			/* Every DC accepted the old token: each must be told the new one (DC_SUBMIT
			 * until it accepts it), or its result is refused as stale and the job
			 * times out although the DC finished it (issue 14). */
			memset(j->dc_accepted, 0, sizeof(j->dc_accepted));
			if (j->phase == HL_GJ_PUSHING)
				j->phase = HL_GJ_FINAL_REPL;
			else if (j->phase == HL_GJ_RUNNING)
				j->phase = HL_GJ_ACK_REPL;
			if (j->phase != HL_GJ_FETCH)
				replicate_and_check(g, j, now_ns);
		}
		return;
	}
	int64_t s = hl_idmap_insert(&g->jmap, m->job);
	if (s < 0) {
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: job table full (%u): lease not taken up",
		        (unsigned long long)m->job, g->cfg.max_jobs);
		(void)hl_lease_holder_drop(&g->held, m->job);
		return;
	}
	j = &g->jobs[s];
	memset(j, 0, sizeof(*j));
	if (m->kind == HL_GK_ISSUE) {
		j->rec = m->rec;
		j->rec.job = m->job;
		j->rec.token = m->token;
		j->rec.version = 0;
		j->rec.final = HL_WS_NONE;
		choose_dcs(g, &j->rec, m->rec.ndc);
		j->phase = HL_GJ_ACK_REPL;
		replicate_and_check(g, j, now_ns);
		return;
	}
	/* Re-issue or transfer: rebuild from the latest record of a quorum (design.md §6). */
	g->n_takeovers++;
	j->handoffs = m->kind == HL_GK_TRANSFER ? (uint32_t)m->seq : 0;
	j->rec.job = m->job;
	j->rec.token = m->token;
	j->phase = HL_GJ_FETCH;
	j->resend_at_ns = now_ns + g->cfg.resend_ns;
	for (uint32_t i = 0; i < g->cfg.ngates; i++) {
		if (g->cfg.gates[i] == g->cfg.self)
			continue;
		struct hl_gmsg *f = gout(g, HL_GM_REC_FETCH, g->cfg.gates[i], m->job);
		f->token = m->token;
	}
	const struct hl_jrec *own = hl_jrec_store_get(&g->store, m->job);
	struct hl_gate_rec r;
	if (own != NULL && own->len == sizeof(r))
		memcpy(&r, own->body, sizeof(r));
	if (g->amnesic && own == NULL)
		return; /* our empty store proves nothing: a quorum of the others answers */
	fetch_note(g, j, g->cfg.self, own != NULL && own->len == sizeof(r) ? &r : NULL, now_ns);
}

/* ---- tier leader ---- */

static struct hl_gmsg *
note_leader(struct hl_gate *g, const struct hl_lease_grant *gr, uint8_t kind,
        const struct hl_gate_rec *rec, uint64_t now_ns)
{
	struct hl_gmsg *m = gout(g, HL_GM_GRANT, gr->holder, gr->job), *grant = m;

	m->kind = kind;
	m->token = gr->token;
	if (rec != NULL)
		m->rec = *rec;
	for (uint32_t i = 0; i < g->cfg.ngates; i++) {
		if (g->cfg.gates[i] == g->cfg.self)
			continue;
		struct hl_gmsg *n = gout(g, HL_GM_LEADER_NOTE, g->cfg.gates[i], gr->job);
		n->leader = gr->holder;
		n->token = gr->token;
	}
	cache_put(g, gr->job, gr->holder, gr->token, now_ns);
	return grant;
}

static bool
any_dc_healthy(const struct hl_gate *g)
{
	for (uint32_t i = 0; i < g->ndcs; i++)
		if (g->dcs[i].healthy && g->dcs[i].capacity > 0)
			return true;
	return false;
}

static void
submit_ack(struct hl_gate *g, uint64_t client, uint64_t job, int32_t code, uint64_t leader,
        uint64_t token)
{
	struct hl_gmsg *m = gout(g, HL_GM_SUBMIT_ACK, client, job);

	m->code = code;
	m->leader = leader;
	m->token = token;
}

static void
on_submit(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_idem_result r;
	struct hl_lease_grant gr;
	int rc;

	if (!is_tier_leader(g)) {
		g->n_redirects++;
		submit_ack(g, m->from, m->job, -HL_E_NOT_LEADER, g->tier_leader, 0);
		return;
	}
	if (m->key_len == 0 || m->key_len > HL_IDEM_KEY_MAX || m->job == 0) {
		submit_ack(g, m->from, m->job, -EINVAL, 0, 0);
		return;
	}
	if (!g->keys_ready) {
		/* C.2: a key committed under the previous tier leader may not be known yet */
		g->n_not_ready++;
		submit_ack(g, m->from, m->job, -EAGAIN, g->cfg.self, 0);
		return;
	}
	if (!any_dc_healthy(g)) {
		submit_ack(g, m->from, m->job, -EAGAIN, 0, 0);
		return;
	}
	rc = hl_idem_begin(&g->idem, m->key, m->key_len, m->job, m->from, now_ns, &r);
	if (rc < 0) {
		HL_LOG(HL_LOG_WARN, "gate", "job %llu from client %llu: idempotency table: %s",
		        (unsigned long long)m->job, (unsigned long long)m->from, hl_errname(rc));
		submit_ack(g, m->from, m->job, rc, 0, 0);
		return;
	}
	if (r.verdict == HL_IDEM_WAIT)
		return;
	if (r.verdict == HL_IDEM_CACHED) {
		const struct hl_lease_entry *e = hl_lease_find(&g->leases, r.job);
		submit_ack(g, m->from, r.job, r.code, e != NULL ? e->holder : 0,
		        e != NULL ? e->token : 0);
		return;
	}
	rc = hl_lease_issue(&g->leases, m->job, 0, now_ns, &gr);
	if (rc < 0) {
		/* E.1: a failure to acquire is reported to the client. */
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: lease not issued: %s",
		        (unsigned long long)m->job, hl_errname(rc));
		(void)hl_idem_reject(
		        &g->idem, m->key, m->key_len, rc == -HL_E_EXISTS ? -EAGAIN : rc, now_ns);
		submit_ack(g, m->from, m->job, rc == -HL_E_EXISTS ? -EAGAIN : rc, 0, 0);
		return;
	}
	struct hl_gate_rec rec = {.job = m->job, .client = m->from, .ndc = m->rec.ndc};
	memcpy(rec.dcs, m->rec.dcs, sizeof(rec.dcs)); /* the DCs the client named, if any */
	memcpy(rec.key, m->key, m->key_len);
	rec.key_len = m->key_len;
	note_leader(g, &gr, HL_GK_ISSUE, &rec, now_ns);
}

static void
on_renew(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_lease_ref ref = {.job = m->job, .token = m->token};
	struct hl_lease_grant gr;
	int rc = 0;

	if (!is_tier_leader(g))
		return; /* the holder's lease runs out unless the real leader renews it */
	if (hl_lease_renew(&g->leases, m->from, &ref, 1, now_ns, &gr, &rc) == 1) {
		struct hl_gmsg *a = gout(g, HL_GM_GRANT, m->from, m->job);
		a->kind = HL_GK_RENEW;
		a->token = gr.token;
		return;
	}
	if (rc == -HL_E_NOT_FOUND && hl_lease_in_grace(&g->leases, now_ns) &&
	        hl_lease_adopt(&g->leases, m->from, m->job, m->token, now_ns, &gr) == 0) {
		note_leader(g, &gr, HL_GK_REISSUE, NULL, now_ns);
		return;
	}
	struct hl_gmsg *a = gout(g, HL_GM_GRANT, m->from, m->job);
	a->kind = HL_GK_RENEW;
	a->token = m->token;
	a->code = rc;
}

static void
on_transfer_req(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_lease_grant gr;
	uint64_t to;
	int rc;

	if (!is_tier_leader(g))
		return; /* the lease expires and is re-issued instead */
	to = hl_lease_pick(&g->leases, m->job, m->from);
	if (to == 0)
		to = m->from;
	if ((rc = hl_lease_transfer(&g->leases, m->job, m->token, to, now_ns, &gr)) < 0) {
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: transfer from gate %llu refused: %s",
		        (unsigned long long)m->job, (unsigned long long)m->from, hl_errname(rc));
		return;
	}
	/* the hand-off count travels with the job (bounded: see the final push retries) */
	note_leader(g, &gr, HL_GK_TRANSFER, NULL, now_ns)->seq = m->seq;
}

/* A record of a job nobody leads (its leader died with the old tier leader, or never renewed
 * here): lease it again once the grace is over, so no acknowledged job is lost. */
static void
on_orphan(struct hl_gate *g, uint64_t from, uint64_t job, uint64_t leader, uint64_t now_ns)
{
	struct hl_lease_grant gr;
	bool fast = false;

	if (!is_tier_leader(g))
		return;
	if (tomb_has(g, job)) {
		/* The reporter missed the job's forget (it was down): tell it again. */
		g->n_resurrect_refused++;
		if (from == g->cfg.self)
			(void)hl_jrec_store_forget(&g->store, job);
		else
			(void)gout(g, HL_GM_REC_FORGET, from, job);
		return;
	}
	if (hl_lease_find(&g->leases, job) != NULL)
		return;
	if (hl_lease_in_grace(&g->leases, now_ns)) {
		/* A live holder of the old term renews and is adopted; one that SWIM declared dead
		 * never will, so its job need not wait out the grace (issue 14: failover at
		 * detection speed). A false death is covered by fencing: the new token is greater,
		 * the old holder's renewal is refused and every store refuses its writes. */
		uint32_t bit = gate_bit(g, leader);
		if (bit == 0 || !(g->dead & bit))
			return;
		fast = true;
	}
	if (hl_lease_issue(&g->leases, job, 0, now_ns, &gr) == 0) {
		g->n_orphans++;
		g->n_fast_orphans += fast;
		HL_LOG(HL_LOG_INFO, "gate",
		        "job %llu: record at gate %llu led by nobody (last leader %llu%s): leased "
		        "to gate %llu",
		        (unsigned long long)job, (unsigned long long)from,
		        (unsigned long long)leader, fast ? ", dead" : "",
		        (unsigned long long)gr.holder);
		note_leader(g, &gr, HL_GK_REISSUE, NULL, now_ns);
	}
}

/* Stepped down: the issuer state (leases, idempotency keys, parked duplicates) belongs to the
 * term that ended; the next tier leader rebuilds leases by adoption and orphan reports, and the
 * clients of parked duplicates resend. Keeping it would retain it forever. */
static int
reset_issuer(struct hl_gate *g)
{
	struct hl_idem_cfg icfg = g->idem.cfg;
	int rc;

	hl_lease_table_fini(&g->leases);
	hl_idem_fini(&g->idem);
	if ((rc = hl_lease_table_init(&g->leases, &g->cfg.lease)) < 0 ||
	        (rc = hl_idem_init(&g->idem, &icfg)) < 0) {
		HL_LOG(HL_LOG_ERR, "gate", "gate %llu: issuer state not rebuilt: %s",
		        (unsigned long long)g->cfg.self, hl_errname(rc));
		return rc;
	}
	for (uint32_t i = 0; i < g->cfg.ngates; i++)
		if (!(g->dead & (1u << i)) &&
		        (rc = hl_lease_member_set(&g->leases, g->cfg.gates[i], true)) < 0)
			return rc;
	return 0;
}

/* ---- C.2: key sync at a new tier leader ----
 *
 * Idempotency keys live in the tier leader's hl_idem, and a new tier leader starts empty. A
 * key whose job committed is in that job's record at a quorum of the configured gates (the
 * record commit quorum), so a new leader that has read the stored keys of any quorum sees every
 * committed key (quorum intersection). Until then it answers SUBMIT with -EAGAIN (the client
 * retries). Each gate is read in pages of at most HL_GATE_KEY_PAGE records with job > cursor,
 * ascending, so the outbox stays bounded; a page not complete within resend_ns is asked again.
 * A key committed while the scan runs reaches the leader by the job leader's COMMITTED note. */

#define HL_GATE_KEY_PAGE 32

static void
learn_key(struct hl_gate *g, const struct hl_gate_rec *r, uint64_t now_ns)
{
	struct hl_idem_result ir;
	int rc;

	if (r->key_len == 0 || r->key_len > HL_IDEM_KEY_MAX || r->job == 0 ||
	        hl_idem_state_of(&g->idem, r->key, r->key_len) != HL_IDEM_FREE)
		return;
	rc = hl_idem_begin(&g->idem, r->key, r->key_len, r->job, 0, now_ns, &ir);
	if (rc == 0 && ir.verdict == HL_IDEM_NEW)
		rc = hl_idem_commit(&g->idem, r->key, r->key_len, now_ns);
	if (rc < 0) {
		HL_LOG(HL_LOG_WARN, "gate", "gate %llu: key of job %llu not learned: %s",
		        (unsigned long long)g->cfg.self, (unsigned long long)r->job,
		        hl_errname(rc));
		return;
	}
	g->n_keys_learned++;
}

static void
ks_fetch(struct hl_gate *g, uint32_t i)
{
	struct hl_gmsg *m = gout(g, HL_GM_KEY_FETCH, g->cfg.gates[i], 0);

	g->ks[i].got = 0;
	g->ks[i].count = -1;
	g->ks[i].more = false;
	g->ks[i].last = g->ks[i].cursor;
	m->seq = g->ks[i].cursor;
	m->token = g->term;
}

static void
ks_check(struct hl_gate *g)
{
	if (g->keys_ready || (uint32_t)__builtin_popcount(g->ks_done) < quorum(g))
		return;
	g->keys_ready = true;
	HL_LOG(HL_LOG_INFO, "gate",
	        "gate %llu: term %u: keys of a quorum learned (%llu): submissions open",
	        (unsigned long long)g->cfg.self, g->term, (unsigned long long)g->n_keys_learned);
}

static void
ks_start(struct hl_gate *g, uint64_t now_ns)
{
	g->keys_ready = false;
	g->ks_done = 0;
	memset(g->ks, 0, sizeof(g->ks));
	for (uint32_t s = 0; s < g->store.map.max && hl_jrec_store_count(&g->store) > 0; s++) {
		const struct hl_jrec *r = &g->store.r[s];
		struct hl_gate_rec rec;
		if (r->job == 0 || hl_idmap_find(&g->store.map, r->job) != s ||
		        r->len != sizeof(rec))
			continue;
		memcpy(&rec, r->body, sizeof(rec));
		learn_key(g, &rec, now_ns);
	}
	if (!g->amnesic) /* else our keys may be missing: a quorum of the others is read */
		g->ks_done |= gate_bit(g, g->cfg.self);
	for (uint32_t i = 0; i < g->cfg.ngates; i++)
		if (g->cfg.gates[i] != g->cfg.self)
			ks_fetch(g, i);
	g->ks_resend_at_ns = now_ns + g->cfg.resend_ns;
	ks_check(g);
}

/* Any gate: one page of its stored keys. */
static void
on_key_fetch(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	uint64_t page[HL_GATE_KEY_PAGE];
	uint32_t n = 0;
	bool more = false;

	if (g->amnesic) {
		/* our keys may be missing: the tier leader must read them from others */
		struct hl_gmsg *e = gout(g, HL_GM_KEY_DATA, m->from, 0);
		e->kind = 1;
		e->seq = m->seq;
		e->token = m->token;
		e->code = -EAGAIN;
		return;
	}
	/* the HL_GATE_KEY_PAGE smallest job ids above the cursor (insertion into a sorted page) */
	for (uint32_t s = 0; s < g->store.map.max && hl_jrec_store_count(&g->store) > 0; s++) {
		uint64_t job = g->store.r[s].job;
		if (job <= m->seq || hl_idmap_find(&g->store.map, job) != s)
			continue;
		if (n == HL_GATE_KEY_PAGE) {
			more = true;
			if (job > page[n - 1])
				continue;
			n--;
		}
		uint32_t k = n++;
		while (k > 0 && page[k - 1] > job) {
			page[k] = page[k - 1];
			k--;
		}
		page[k] = job;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct hl_jrec *r = hl_jrec_store_get(&g->store, page[i]);
		struct hl_gmsg *d = gout(g, HL_GM_KEY_DATA, m->from, page[i]);
		uint64_t tok;
		d->seq = m->seq;
		d->token = m->token;
		d->version = i;
		if (r != NULL && r->len == sizeof(d->rec))
			memcpy(&d->rec, r->body, sizeof(d->rec));
		d->leader = leader_of(g, page[i], now_ns, &tok);
	}
	struct hl_gmsg *e = gout(g, HL_GM_KEY_DATA, m->from, n > 0 ? page[n - 1] : 0);
	e->kind = 1;
	e->seq = m->seq;
	e->token = m->token;
	e->version = n;
	e->code = more ? 0 : 1;
}

/* Tier leader: a page entry or a page end. */
static void
on_key_data(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	uint32_t bit = gate_bit(g, m->from), i;

	if (!is_tier_leader(g) || g->keys_ready || m->token != g->term || bit == 0 ||
	        (g->ks_done & bit) || m->code < 0)
		return; /* code < 0: an amnesic gate; asked again by ks_tick */
	i = (uint32_t)__builtin_ctz(bit);
	if (m->seq != g->ks[i].cursor)
		return; /* an older page */
	if (m->kind == 0) {
		if (m->version >= HL_GATE_KEY_PAGE || (g->ks[i].got & (1u << m->version)))
			return;
		g->ks[i].got |= 1u << m->version;
		learn_key(g, &m->rec, now_ns);
		if (m->job > g->ks[i].last)
			g->ks[i].last = m->job;
	} else {
		if (m->version > HL_GATE_KEY_PAGE)
			return;
		g->ks[i].count = (int32_t)m->version;
		g->ks[i].more = m->code == 0;
		if (m->job > g->ks[i].last)
			g->ks[i].last = m->job;
	}
	if (g->ks[i].count < 0 ||
	        (uint32_t)__builtin_popcount(g->ks[i].got) != (uint32_t)g->ks[i].count)
		return;
	if (g->ks[i].more) {
		g->ks[i].cursor = g->ks[i].last;
		ks_fetch(g, i);
		return;
	}
	g->ks_done |= bit;
	ks_check(g);
}

static void
ks_tick(struct hl_gate *g, uint64_t now_ns)
{
	if (g->keys_ready || now_ns < g->ks_resend_at_ns)
		return;
	g->ks_resend_at_ns = now_ns + g->cfg.resend_ns;
	for (uint32_t i = 0; i < g->cfg.ngates; i++)
		if (!(g->ks_done & (1u << i)))
			ks_fetch(g, i);
}

/* ---- D.4 progress and D.8 reporter outcomes from DCs ---- */

static int
job_dc_index(const struct hl_gate_job *j, uint64_t dc)
{
	for (uint32_t i = 0; i < j->rec.ndc; i++)
		if (j->rec.dcs[i] == dc)
			return (int)i;
	return -1;
}

/* A DC answered under an older token of ours (its job leader took over from a record with an
 * older route): it is told our token again at the next resend (with the profile). */
static void
dc_repoint(struct hl_gate_job *j, uint64_t dc)
{
	int i = job_dc_index(j, dc);

	if (i < 0 || j->phase != HL_GJ_RUNNING)
		return;
	j->dc_accepted[i] = false;
	j->resend_at_ns = 0;
}

static void
on_dc_progress(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_gate_job *j = job_led(g, m->job, now_ns);
	int i;

	if (j == NULL)
		return; /* soft state: the DC's next update goes to the leader it is told */
	if (m->token < j->rec.token) {
		/* E.9: progress fenced by an older leader's token */
		g->n_stale++;
		HL_LOG(HL_LOG_INFO, "gate",
		        "job %llu: DC %llu progress with stale token %llx < %llx refused",
		        (unsigned long long)m->job, (unsigned long long)m->dc,
		        (unsigned long long)m->token, (unsigned long long)j->rec.token);
		dc_repoint(j, m->dc);
		return;
	}
	if ((i = job_dc_index(j, m->dc)) < 0 || m->token != j->rec.token ||
	        j->phase != HL_GJ_RUNNING || m->seq <= j->dc_pseq[i])
		return; /* unknown DC, not ours yet, or an older/duplicate update (E.8) */
	j->dc_heard_ns[i] = now_ns;
	j->dc_pseq[i] = m->seq;
	j->dc_ppm[i] = m->ppm > 1000000u ? 1000000u : m->ppm;
	j->dc_live[i] = m->totals;
	j->dc_p99[i] = m->p99_ns;
	uint64_t p99;
	struct hl_counts live = live_totals(j, &p99);
	if (progress_changed(j, merged_ppm(j), &live))
		j->prog_dirty = true;
}

static void
report_ack(struct hl_gate *g, const struct hl_gmsg *m, uint64_t token, int32_t code)
{
	struct hl_gmsg *a = gout(g, HL_GM_DC_REPORT_ACK, m->dc, m->job);

	a->dc = m->dc;
	a->token = token;
	a->leader = g->cfg.self;
	a->rep = m->rep;
	a->code = code;
}

static void
on_dc_report(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_gate_job *j = job_led(g, m->job, now_ns);
	uint64_t to;
	int i;

	if (j == NULL) {
		/* like a result (D.1): "job over" from the tier leader, else forwarded once */
		if (job_is_over(g, m->job, now_ns)) {
			report_ack(g, m, m->token, -HL_E_NOT_FOUND);
			return;
		}
		if (m->type == HL_GM_FWD_REPORT || (to = forward_to(g, m->job, now_ns)) == 0)
			return;
		struct hl_gmsg *f = gout(g, HL_GM_FWD_REPORT, to, m->job);
		f->dc = m->dc;
		f->token = m->token;
		f->rep = m->rep;
		g->n_forwarded++;
		return;
	}
	if (m->token < j->rec.token) {
		g->n_stale++; /* E.9 */
		HL_LOG(HL_LOG_INFO, "gate",
		        "job %llu: DC %llu reporter outcome with stale token %llx < %llx refused",
		        (unsigned long long)m->job, (unsigned long long)m->dc,
		        (unsigned long long)m->token, (unsigned long long)j->rec.token);
		dc_repoint(j, m->dc);
		return;
	}
	if ((i = job_dc_index(j, m->dc)) < 0 || m->rep.dc != m->dc) {
		HL_LOG(HL_LOG_WARN, "gate",
		        "job %llu: reporter outcome from DC %llu it was not sent to",
		        (unsigned long long)m->job, (unsigned long long)m->dc);
		return;
	}
	if (m->token == j->rec.token)
		j->dc_heard_ns[i] = now_ns;
	for (uint8_t k = 0; k < j->rec.nrep; k++) {
		const struct hl_gate_report *r = &j->rec.rep[k];
		if (r->dc == m->rep.dc && r->type == m->rep.type && r->source == m->rep.source) {
			g->n_dup_reports++;
			if (k < j->nrep_done)
				report_ack(g, m, j->rec.token, 0);
			return; /* else acked when its record version commits */
		}
	}
	if (j->phase != HL_GJ_RUNNING) {
		if (j->phase == HL_GJ_FETCH || j->phase == HL_GJ_ACK_REPL)
			return; /* taking over: not acked, resent */
		/* the DC sends its outcomes before its final, so this is a misbehaving DC */
		HL_LOG(HL_LOG_WARN, "gate",
		        "job %llu: reporter %u outcome from DC %llu after the final: dropped",
		        (unsigned long long)m->job, m->rep.type, (unsigned long long)m->dc);
		report_ack(g, m, j->rec.token, -ECANCELED);
		return;
	}
	if (j->rec.nrep >= HL_GATE_JOB_REPORTS) {
		g->n_reports_full++;
		HL_LOG(HL_LOG_WARN, "gate",
		        "job %llu: reporter outcomes full (%u): DC %llu reporter %u refused",
		        (unsigned long long)m->job, HL_GATE_JOB_REPORTS, (unsigned long long)m->dc,
		        m->rep.type);
		report_ack(g, m, j->rec.token, -HL_E_FULL);
		return;
	}
	/* D.12.3: an outcome (success or failure) never changes the job status */
	uint8_t idx = j->rec.nrep++;
	j->rec.rep[idx] = m->rep;
	g->n_reports++;
	replicate_and_check(g, j, now_ns); /* acked and pushed at commit (report_flush) */
}

int
hl_gate_set_tier_leader(struct hl_gate *g, uint64_t leader, uint32_t term, uint64_t now_ns)
{
	int rc;

	if (leader != g->tier_leader && leader != 0)
		g->next_orphan_ns = 0; /* the new tier leader hears of unled records at once */
	g->tier_leader = leader;
	if (leader != g->cfg.self || term == 0) {
		/* Our leader lease may only have lapsed (same term may come back: keep the
		 * table, its counter must not restart); another leader means our term ended. */
		g->term = 0;
		if (leader != 0 && leader != g->cfg.self && g->issued_term != 0) {
			g->issued_term = 0;
			if ((rc = reset_issuer(g)) < 0)
				return rc;
		}
		return 0;
	}
	g->term = term;
	if (term == g->issued_term)
		return 0;
	if (g->issued_term != 0 && (rc = reset_issuer(g)) < 0)
		return rc;
	if ((rc = hl_lease_set_term(&g->leases, term)) < 0) {
		g->term = 0;
		return rc;
	}
	g->issued_term = term;
	hl_lease_start_grace(&g->leases, now_ns);
	ks_start(g, now_ns); /* C.2 */
	return 0;
}

void
hl_gate_peer_dead(struct hl_gate *g, uint64_t gate)
{
	g->dead |= gate_bit(g, gate);
	g->next_orphan_ns = 0; /* its jobs: reported (or leased) at the next tick */
	(void)hl_lease_member_remove(&g->leases, gate);
}

void
hl_gate_peer_alive(struct hl_gate *g, uint64_t gate)
{
	uint32_t bit = gate_bit(g, gate);

	if ((g->dead & bit) || !(g->seen_alive & bit))
		g->last_alive_ns = g->now_ns; /* came (back) alive: the catch-up time starts */
	g->dead &= ~bit;
	g->seen_alive |= bit;
	(void)hl_lease_member_set(&g->leases, gate, true);
	/* A restarted gate lost its record store: give it the current version of every job we
	 * lead, so the quorum copies survive the next failure. */
	for (uint32_t s = 0; s < g->jmap.max && hl_idmap_count(&g->jmap) > 0; s++) {
		const struct hl_gate_job *j = &g->jobs[s];
		if (j->rec.job == 0 || hl_idmap_find(&g->jmap, j->rec.job) != s ||
		        j->phase == HL_GJ_FETCH || gate == g->cfg.self)
			continue;
		struct hl_gmsg *m = gout(g, HL_GM_REC_PUT, gate, j->rec.job);
		m->rec = j->rec;
		m->token = j->rec.token;
		m->version = j->rec.version;
	}
}

/* ---- leader cache (D.5) ---- */

static void
cache_put(struct hl_gate *g, uint64_t job, uint64_t leader, uint64_t token, uint64_t now_ns)
{
	uint32_t s = hl_idmap_find(&g->cmap, job);

	if (s == HL_IDMAP_NONE) {
		int64_t n = hl_idmap_insert(&g->cmap, job);
		if (n < 0)
			return; /* full: queries are redirected to the tier leader instead */
		s = (uint32_t)n;
		g->cache[s].token = 0;
	}
	if (token < g->cache[s].token)
		return;
	g->cache[s] = (struct hl_gate_cache){leader, token, now_ns + g->cfg.cache_ttl_ns};
}

static const struct hl_gate_cache *
cache_get(const struct hl_gate *g, uint64_t job, uint64_t now_ns)
{
	uint32_t s = hl_idmap_find(&g->cmap, job);

	if (s == HL_IDMAP_NONE || g->cache[s].until_ns <= now_ns)
		return NULL;
	return &g->cache[s];
}

static void
cache_sweep(struct hl_gate *g, uint64_t now_ns)
{
	for (uint32_t s = 0; s < g->cmap.max && hl_idmap_count(&g->cmap) > 0; s++) {
		uint64_t job;
		if (g->cache[s].until_ns == 0 || g->cache[s].until_ns > now_ns)
			continue;
		/* find the id of slot s: the cache keeps no back pointer, so probe by value */
		job = 0;
		for (uint32_t b = 0; b <= g->cmap.mask; b++)
			if (g->cmap.keys[b] != 0 && g->cmap.vals[b] == s) {
				job = g->cmap.keys[b];
				break;
			}
		g->cache[s].until_ns = 0;
		if (job != 0)
			(void)hl_idmap_remove(&g->cmap, job);
	}
}

static uint64_t
leader_of(struct hl_gate *g, uint64_t job, uint64_t now_ns, uint64_t *token)
{
	const struct hl_gate_cache *c;

	*token = 0;
	if (is_tier_leader(g)) {
		const struct hl_lease_entry *e = hl_lease_find(&g->leases, job);
		if (e != NULL) {
			*token = e->token;
			return e->holder;
		}
		return 0;
	}
	if ((c = cache_get(g, job, now_ns)) != NULL) {
		*token = c->token;
		return c->leader;
	}
	return 0;
}

/* Where a non-leader sends what a DC sent it about a job (D.1): the job leader it knows of,
 * else the tier leader (which knows the lease); 0 when that would be itself. Also answers
 * whether the job is over: the tier leader, past its grace, with neither lease nor record. */
static bool
job_is_over(struct hl_gate *g, uint64_t job, uint64_t now_ns)
{
	return is_tier_leader(g) && !g->amnesic && !hl_lease_in_grace(&g->leases, now_ns) &&
	       hl_lease_find(&g->leases, job) == NULL && hl_jrec_store_get(&g->store, job) == NULL;
}

static uint64_t
forward_to(struct hl_gate *g, uint64_t job, uint64_t now_ns)
{
	uint64_t token, to = leader_of(g, job, now_ns, &token);
	if (to == 0 || to == g->cfg.self)
		to = g->tier_leader;
	return to == g->cfg.self ? 0 : to;
}

/* ---- results from DCs ---- */

/* D.7: a DC that said nothing for dc_timeout_ns is timed out (its result counts TIMEOUT; the
 * others go on). True when that finalized the job. */
static bool
dc_silence(struct hl_gate *g, struct hl_gate_job *j, uint64_t now_ns)
{
	bool any = false, open = false;

	for (uint32_t i = 0; i < j->rec.ndc; i++) {
		if (j->rec.dc_status[i] != HL_WS_NONE)
			continue;
		if (now_ns - j->dc_heard_ns[i] < g->cfg.dc_timeout_ns) {
			open = true;
			continue;
		}
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: DC %llu silent %llu ms: TIMEOUT",
		        (unsigned long long)j->rec.job, (unsigned long long)j->rec.dcs[i],
		        (unsigned long long)((now_ns - j->dc_heard_ns[i]) / MS));
		j->rec.dc_status[i] = HL_WS_TIMEOUT;
		g->n_dc_timeouts++;
		j->prog_dirty = true;
		any = true;
	}
	if (!any)
		return false;
	if (open) {
		replicate(g, j, now_ns); /* record the timeout before acting on it */
		return false;
	}
	finalize(g, j, now_ns);
	return true;
}

static void
on_dc_result(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_gate_job *j = job_led(g, m->job, now_ns);
	uint64_t to;

	if (m->status < HL_WS_COMPLETED || m->status > HL_WS_MAX) {
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: DC %llu sent non-final status %u",
		        (unsigned long long)m->job, (unsigned long long)m->dc, m->status);
		return;
	}
	if (j == NULL) {
		/* D.1: not the job leader here: forward (once) to the leader we know of; the DC
		 * keeps resending until the leader acks, so a lost forward is retried. */
		if (job_is_over(g, m->job, now_ns)) {
			/* No lease and no record: the job is over (its end freed both). Tell the
			 * DC so it frees the result it holds ("job over"). */
			struct hl_gmsg *a = gout(g, HL_GM_DC_RESULT_ACK, m->dc, m->job);
			a->dc = m->dc;
			a->token = m->token;
			a->code = -HL_E_NOT_FOUND;
			return;
		}
		if ((m->type == HL_GM_FWD_RESULT && m->kind != 0) ||
		        (to = forward_to(g, m->job, now_ns)) == 0)
			return;
		struct hl_gmsg *f = gout(g, HL_GM_FWD_RESULT, to, m->job);
		f->dc = m->dc;
		f->status = m->status;
		f->token = m->token;
		f->totals = m->totals;
		f->kind = 1;
		g->n_forwarded++;
		return;
	}
	if (m->token < j->rec.token) {
		/* E.9: a report (final or timeout) fenced by an older leader's token is refused;
		 * the DC is re-pointed by our DC_SUBMIT and resends under our token. */
		g->n_stale++;
		HL_LOG(HL_LOG_INFO, "gate",
		        "job %llu: DC %llu result (status %u) with stale token %llx < %llx "
		        "refused: "
		        "the DC is told our token again",
		        (unsigned long long)m->job, (unsigned long long)m->dc, m->status,
		        (unsigned long long)m->token, (unsigned long long)j->rec.token);
		dc_repoint(j, m->dc);
		return;
	}
	for (uint32_t i = 0; i < j->rec.ndc; i++) {
		if (j->rec.dcs[i] != m->dc)
			continue;
		if (j->rec.dc_status[i] == HL_WS_NONE && j->phase != HL_GJ_RUNNING)
			return; /* taking over: not acked, the DC resends once we run */
		struct hl_gmsg *a = gout(g, HL_GM_DC_RESULT_ACK, m->dc, m->job);
		a->dc = m->dc;
		a->token = j->rec.token;
		a->leader = g->cfg.self;
		if (j->rec.dc_status[i] != HL_WS_NONE) {
			g->n_dup_results++; /* D.7: duplicate final result ignored */
			return;
		}
		j->rec.dc_status[i] = m->status;
		j->rec.dc_totals[i] = m->totals;
		j->prog_dirty = true; /* this DC now counts as done */
		for (uint32_t k = 0; k < j->rec.ndc; k++)
			if (j->rec.dc_status[k] == HL_WS_NONE) {
				/* record the DC's result before acting on it */
				replicate(g, j, now_ns);
				return;
			}
		finalize(g, j, now_ns);
		return;
	}
	HL_LOG(HL_LOG_WARN, "gate", "job %llu: result from DC %llu it was not sent to",
	        (unsigned long long)m->job, (unsigned long long)m->dc);
}

/* ---- everything else ---- */

static void
on_push_ack(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_gate_job *j = job_get(g, m->job);

	if (j == NULL || j->phase != HL_GJ_PUSHING || m->seq < j->final_seq)
		return;
	/* Job end: the final reached the client. Free everything, tell the tier. */
	forget_finished(g, m->job, now_ns);
	job_free(g, j, true);
}

/* A client cancels the job (its registration says so; it asks again until the final): the
 * record says so first (a new job leader carries it on), then every DC still running it is
 * told at once and at every resend (DC_SUBMIT kind CANCEL) until it reports. A job already
 * resolved keeps its final. */
static void
job_cancel(struct hl_gate *g, struct hl_gate_job *j, uint64_t from, uint64_t now_ns)
{
	if (j->rec.cancel || j->rec.final != HL_WS_NONE)
		return;
	j->rec.cancel = 1;
	g->n_cancels++;
	HL_LOG(HL_LOG_INFO, "gate", "job %llu: cancelled by client %llu (phase %u)",
	        (unsigned long long)j->rec.job, (unsigned long long)from, j->phase);
	if (j->phase != HL_GJ_RUNNING)
		return; /* replicated with the version being written; told to the DCs once running */
	replicate(g, j, now_ns);
	j->resend_at_ns = 0;
	dc_submit(g, j, true);
}

static void
on_register(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_gate_job *j = job_led(g, m->job, now_ns);
	struct hl_push ps[HL_PUSHLOG_DEPTH + 1]; /* the gap status, then the whole ring */
	const struct hl_gate_tomb_final *f;
	bool gap = false;
	int n;

	if (j == NULL && (f = tomb_final(g, m->job)) != NULL) {
		/* The job ended: its final, to a client that has not seen it (a second entry
		 * gate of the same key, a client back after its job's end). Seq 0 with a gap to
		 * the end: nothing else is coming. */
		struct hl_gmsg *p = gout(g, HL_GM_PUSH, m->from, m->job);
		p->kind = HL_PUSH_K_RESULT;
		p->status = f->final;
		p->gap_seq = UINT64_MAX;
		p->ppm = 1000000u;
		p->leader = g->cfg.self;
		p->token = f->token;
		p->totals = f->totals;
		g->n_tomb_finals++;
		return;
	}
	if (j == NULL) {
		uint64_t token, to = leader_of(g, m->job, now_ns, &token);
		struct hl_gmsg *a = gout(g, HL_GM_LEADER_ANSWER, m->from, m->job);
		a->code = to != 0 ? 0 : -HL_E_NOT_LEADER;
		a->leader = to != 0 ? to : g->tier_leader;
		a->token = token;
		return;
	}
	if (m->kind == HL_REG_CANCEL)
		job_cancel(g, j, m->from, now_ns);
	n = hl_pushlog_replay(&g->plog, m->job, m->token == j->rec.token ? m->seq : 0, ps,
	        HL_PUSHLOG_DEPTH + 1, &gap);
	for (int i = 0; i < n; i++) {
		struct hl_gmsg *p = gout(g, HL_GM_PUSH, m->from, m->job);
		p->kind = ps[i].kind;
		p->status = ps[i].status;
		p->seq = ps[i].seq;
		p->ppm = ps[i].ppm;
		p->leader = g->cfg.self;
		p->token = j->rec.token;
		if (j->rec.final != HL_WS_NONE && ps[i].status == j->rec.final)
			p->totals = job_totals(j);
		if (ps[i].kind == HL_PUSH_K_REPORT && ps[i].ref < HL_GATE_JOB_REPORTS) {
			p->ref = (uint8_t)ps[i].ref;
			p->rep = j->rec.rep[ps[i].ref];
		}
		if (ps[i].seq == 0 && gap) /* D.4: the client skips what the log lost */
			p->gap_seq = i + 1 < n ? ps[i + 1].seq - 1 : 0;
	}
	if (n <= 0)
		(void)push(g, j, HL_PUSH_K_STATUS, 0); /* nothing missed: current status */
}

static void
on_leader_query(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	uint64_t token, to = leader_of(g, m->job, now_ns, &token);
	const struct hl_gate_tomb_final *f = tomb_final(g, m->job);
	struct hl_gmsg *a = gout(g, HL_GM_LEADER_ANSWER, m->from, m->job);

	if (to == 0 && f != NULL) {
		/* ended: this gate answers for it (its registration gets the final) */
		a->leader = g->cfg.self;
		a->token = f->token;
		return;
	}

	if (to != 0) {
		a->leader = to;
		a->token = token;
		return;
	}
	/* D.5: no valid answer here: "not leader", ask the tier leader. */
	g->n_redirects++;
	a->code = is_tier_leader(g) ? -HL_E_NOT_FOUND : -HL_E_NOT_LEADER;
	a->leader = g->tier_leader;
}

int
hl_gate_recv(struct hl_gate *g, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_gate_job *j;
	int rc;

	if (m->to != g->cfg.self ||
	        (m->job == 0 && m->type != HL_GM_KEY_FETCH && m->type != HL_GM_KEY_DATA))
		return -EINVAL;
	switch (m->type) {
	case HL_GM_SUBMIT:
		on_submit(g, m, now_ns);
		break;
	case HL_GM_GRANT:
		if (m->from != g->tier_leader && m->code == 0) {
			g->n_stale++;
			return -HL_E_NOT_LEADER; /* fenced: only the tier leader we follow grants */
		}
		on_grant(g, m, now_ns);
		break;
	case HL_GM_RENEW:
		on_renew(g, m, now_ns);
		break;
	case HL_GM_RELEASE:
		if (is_tier_leader(g) && (rc = hl_lease_release(&g->leases, m->job, m->token)) < 0)
			HL_LOG(HL_LOG_INFO, "gate", "job %llu: release token %llx: %s",
			        (unsigned long long)m->job, (unsigned long long)m->token,
			        hl_errname(rc));
		break;
	case HL_GM_TRANSFER_REQ:
		on_transfer_req(g, m, now_ns);
		break;
	case HL_GM_LEADER_NOTE:
		cache_put(g, m->job, m->leader, m->token, now_ns);
		break;
	case HL_GM_COMMITTED:
		if (is_tier_leader(g) && m->key_len > 0 && m->key_len <= HL_IDEM_KEY_MAX) {
			if (hl_idem_state_of(&g->idem, m->key, m->key_len) == HL_IDEM_FREE) {
				/* C.2: committed under another tier leader (or during the sync) */
				struct hl_gate_rec r = {.job = m->job, .key_len = m->key_len};
				memcpy(r.key, m->key, m->key_len);
				learn_key(g, &r, now_ns);
			} else {
				(void)hl_idem_commit(&g->idem, m->key, m->key_len, now_ns);
			}
		}
		break;
	case HL_GM_REC_PUT: {
		struct hl_gmsg *a;
		struct hl_gate_rec r = m->rec;
		r.leader = m->from; /* the writer is the job leader (not on the wire) */
		rc = hl_jrec_store_put(&g->store, m->job, m->token, m->version, &r, sizeof(r));
		a = gout(g, HL_GM_REC_ACK, m->from, m->job);
		a->version = m->version;
		a->token = m->token;
		a->code = rc == -EALREADY ? 0 : rc;
		break;
	}
	case HL_GM_REC_ACK:
		j = job_get(g, m->job);
		if (j == NULL || m->token != j->rec.token)
			break;
		if (m->code == -HL_E_STALE_TOKEN) {
			g->n_stale++;
			job_abandon(g, j, "a greater token wrote the record");
			break;
		}
		if (m->code == 0 && hl_jrec_repl_ack(&g->repl, m->job, m->version, m->from) == 1 &&
		        m->version == j->rec.version)
			on_commit(g, j, now_ns);
		break;
	case HL_GM_REC_FETCH: {
		const struct hl_jrec *r = hl_jrec_store_get(&g->store, m->job);
		struct hl_gmsg *a = gout(g, HL_GM_REC_DATA, m->from, m->job);
		a->token = m->token;
		if (g->amnesic)
			a->code =
			        -EAGAIN; /* lost our records: not a quorum member until caught up */
		else if (tomb_has(g, m->job))
			a->code = -HL_E_NOT_FOUND; /* the job ended: whoever leads it must let go */
		else if (r != NULL && r->len == sizeof(a->rec))
			memcpy(&a->rec, r->body, sizeof(a->rec));
		break;
	}
	case HL_GM_REC_DATA:
		j = job_get(g, m->job);
		if (j == NULL || j->phase != HL_GJ_FETCH || m->token != j->rec.token ||
		        m->code == -EAGAIN)
			break; /* an amnesic gate does not count: asked again at the next resend */
		if (m->code == -HL_E_NOT_FOUND) {
			/* A member remembers the job ended: the record we were given back is stale
			 * (a gate missed its forget). Forget it everywhere, lead nothing. */
			g->n_resurrect_refused++;
			HL_LOG(HL_LOG_INFO, "gate",
			        "job %llu: ended already (gate %llu): not led again",
			        (unsigned long long)m->job, (unsigned long long)m->from);
			forget_finished(g, m->job, now_ns);
			job_free(g, j, true);
			break;
		}
		fetch_note(g, j, m->from, &m->rec, now_ns);
		break;
	case HL_GM_REC_FORGET:
		tomb_add(g, m->job, now_ns);
		(void)hl_jrec_store_forget(&g->store, m->job);
		break;
	case HL_GM_DC_ACCEPT:
		j = job_led(g, m->job, now_ns);
		if (j != NULL)
			for (uint32_t i = 0; i < j->rec.ndc; i++)
				if (j->rec.dcs[i] == m->dc && m->token == j->rec.token) {
					j->dc_accepted[i] = true;
					j->dc_heard_ns[i] = now_ns;
				}
		break;
	case HL_GM_DC_RESULT:
	case HL_GM_FWD_RESULT:
		on_dc_result(g, m, now_ns);
		break;
	case HL_GM_PUSH_ACK:
		on_push_ack(g, m, now_ns);
		break;
	case HL_GM_REGISTER:
		on_register(g, m, now_ns);
		break;
	case HL_GM_LEADER_QUERY:
		on_leader_query(g, m, now_ns);
		break;
	case HL_GM_ORPHAN:
		on_orphan(g, m->from, m->job, m->leader, now_ns);
		break;
	case HL_GM_KEY_FETCH:
		on_key_fetch(g, m, now_ns);
		break;
	case HL_GM_KEY_DATA:
		on_key_data(g, m, now_ns);
		break;
	case HL_GM_DC_PROGRESS:
		on_dc_progress(g, m, now_ns);
		break;
	case HL_GM_DC_REPORT:
	case HL_GM_FWD_REPORT:
		on_dc_report(g, m, now_ns);
		break;
	default:
		HL_LOG(HL_LOG_WARN, "gate", "gate %llu: unexpected message type %u from %llu",
		        (unsigned long long)g->cfg.self, m->type, (unsigned long long)m->from);
		return -EPROTO;
	}
	return 0;
}

/* ---- time ---- */

static void
tier_tick(struct hl_gate *g, uint64_t now_ns)
{
	struct hl_lease_event ev[32];
	struct hl_idem_event ie;
	size_t n;

	while ((n = hl_lease_tick(&g->leases, now_ns, ev, 32)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (ev[i].kind == HL_LEASE_EV_REISSUED)
				note_leader(g, &ev[i].grant, HL_GK_REISSUE, NULL, now_ns);
		if (n < 32)
			break;
	}
	if (now_ns >= g->next_sweep_ns) { /* sweeps scan the table: once a second */
		g->next_sweep_ns = now_ns + 1000 * MS;
		(void)hl_idem_sweep(&g->idem, now_ns);
	}
	while (hl_idem_next_event(&g->idem, &ie) == 1) {
		const struct hl_lease_entry *e = hl_lease_find(&g->leases, ie.job);
		int32_t code = ie.kind == HL_IDEM_EV_COMMITTED  ? 0
		               : ie.kind == HL_IDEM_EV_REJECTED ? ie.code
		                                                : -EAGAIN;
		submit_ack(g, ie.waiter, ie.job, code, e != NULL ? e->holder : 0,
		        e != NULL ? e->token : 0);
	}
}

static bool
client_is_dead_gate(const struct hl_gate *g, uint64_t client)
{
	uint32_t bit = gate_bit(g, client);

	return bit != 0 && (g->dead & bit) != 0;
}

/* The final push gave up (retry budget spent). A peer gate may reach the client where we could
 * not, so the job is handed on, but at most once to every other gate: past that, or when the
 * client is a gate SWIM declared dead (an entry gate is hlctl's client of the tier), the job
 * stays here and keeps pushing until final_keep_ns after it first gave up (a client that comes
 * back and registers gets the final by replay), then ends undelivered: counted, logged, its
 * record forgotten like any finished job. Returns true when the job stays (or ended) here. */
static bool
final_undeliverable(struct hl_gate *g, struct hl_gate_job *j, uint64_t now_ns)
{
	bool dead_client = client_is_dead_gate(g, j->rec.client);

	if (!dead_client && g->cfg.ngates > 1 && g->tier_leader != 0 &&
	        j->handoffs + 1 < g->cfg.ngates)
		return false;
	if (j->keep_until_ns == 0) {
		j->keep_until_ns = now_ns + g->cfg.final_keep_ns;
		HL_LOG(HL_LOG_WARN, "gate",
		        "job %llu: final unacked by client %llu (%s, %u hand-offs): kept here "
		        "%llu s for the client to come back",
		        (unsigned long long)j->rec.job, (unsigned long long)j->rec.client,
		        dead_client ? "a dead gate" : "unreachable", j->handoffs,
		        (unsigned long long)(g->cfg.final_keep_ns / SEC));
	}
	if (now_ns >= j->keep_until_ns) {
		g->n_finals_undelivered++;
		HL_LOG(HL_LOG_WARN, "gate",
		        "job %llu: final (status %u) never acked by client %llu: job ended "
		        "undelivered",
		        (unsigned long long)j->rec.job, j->rec.final,
		        (unsigned long long)j->rec.client);
		forget_finished(g, j->rec.job, now_ns);
		job_free(g, j, true);
		return true;
	}
	int rc = hl_retry_track(&g->pushes, j->rec.job, j->rec.client, now_ns);
	if (rc < 0)
		HL_LOG(HL_LOG_WARN, "gate", "job %llu: final push to client %llu not retried: %s",
		        (unsigned long long)j->rec.job, (unsigned long long)j->rec.client,
		        hl_errname(rc));
	return true;
}

void
hl_gate_tick(struct hl_gate *g, uint64_t now_ns)
{
	struct hl_lease_ref refs[64];
	uint64_t dropped[64], jobs[64], to[64];
	struct hl_retry_out ro[32];
	size_t n;

	g->now_ns = now_ns;
	if (g->amnesic) {
		uint32_t others = ((1u << g->cfg.ngates) - 1) & ~gate_bit(g, g->cfg.self);
		/* caught up: every peer gate came alive here and had catchup_ns to re-send the
		 * records of the jobs it leads (hl_gate_peer_alive on its side) */
		if ((g->seen_alive & others & ~g->dead) == others &&
		        now_ns >= g->last_alive_ns + g->cfg.catchup_ns) {
			g->amnesic = false;
			HL_LOG(HL_LOG_INFO, "gate",
			        "gate %llu: caught up from its peers (%u records): answers fetches "
			        "again",
			        (unsigned long long)g->cfg.self, hl_jrec_store_count(&g->store));
		}
	}
	if (is_tier_leader(g)) {
		tier_tick(g, now_ns);
		ks_tick(g, now_ns);
	}
	/* holder: renewals, expiry */
	if (g->tier_leader != 0)
		while ((n = hl_lease_holder_renewals(&g->held, now_ns, refs, 64)) > 0) {
			for (size_t i = 0; i < n; i++) {
				struct hl_gmsg *m =
				        gout(g, HL_GM_RENEW, g->tier_leader, refs[i].job);
				m->token = refs[i].token;
			}
			if (n < 64)
				break;
		}
	n = hl_lease_holder_tick(&g->held, now_ns, dropped, 64);
	for (size_t i = 0; i < n; i++) {
		struct hl_gate_job *j = job_get(g, dropped[i]);
		if (j != NULL)
			job_abandon(g, j, "lease expired (not renewed)");
	}
	/* record resends */
	n = hl_jrec_repl_resends(&g->repl, now_ns, jobs, to, 64);
	for (size_t i = 0; i < n; i++) {
		struct hl_gate_job *j = job_get(g, jobs[i]);
		if (j == NULL)
			continue;
		struct hl_gmsg *m = gout(g, HL_GM_REC_PUT, to[i], j->rec.job);
		m->rec = j->rec;
		m->token = j->rec.token;
		m->version = j->rec.version;
	}
	/* per job timers; progress is batched per push period (D.4) */
	bool progress_due = now_ns >= g->next_progress_ns;
	if (progress_due)
		g->next_progress_ns = now_ns + g->cfg.push_period_ns;
	for (uint32_t s = 0; s < g->jmap.max && hl_idmap_count(&g->jmap) > 0; s++) {
		struct hl_gate_job *j = &g->jobs[s];
		if (j->rec.job == 0 || hl_idmap_find(&g->jmap, j->rec.job) != s)
			continue;
		if (j->phase == HL_GJ_RUNNING && dc_silence(g, j, now_ns))
			continue; /* finalized */
		if (progress_due && j->prog_dirty && j->phase == HL_GJ_RUNNING)
			progress_push(g, j);
		if (j->phase == HL_GJ_RUNNING && now_ns >= j->check_at_ns) {
			j->check_at_ns = now_ns + g->cfg.dc_check_ns;
			j->resend_at_ns = now_ns + g->cfg.resend_ns;
			dc_submit(g, j, true);
			continue;
		}
		if (now_ns < j->resend_at_ns)
			continue;
		j->resend_at_ns = now_ns + g->cfg.resend_ns;
		if (j->phase == HL_GJ_RUNNING)
			dc_submit(g, j, false);
		else if (j->phase == HL_GJ_FETCH)
			for (uint32_t i = 0; i < g->cfg.ngates; i++)
				if (!(j->fetch_from & (1u << i)) &&
				        g->cfg.gates[i] != g->cfg.self) {
					struct hl_gmsg *f = gout(
					        g, HL_GM_REC_FETCH, g->cfg.gates[i], j->rec.job);
					f->token = j->rec.token;
				}
	}
	/* final pushes (D.3): resend with backoff, then hand the job to a peer gate */
	while ((n = hl_retry_tick(&g->pushes, now_ns, ro, 32)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct hl_gate_job *j = job_get(g, ro[i].id);
			if (j == NULL || j->phase != HL_GJ_PUSHING)
				continue;
			if (ro[i].ev == HL_RETRY_RESEND) {
				(void)push(g, j, HL_PUSH_K_RESULT, j->final_seq);
				continue;
			}
			if (final_undeliverable(g, j, now_ns))
				continue;
			HL_LOG(HL_LOG_WARN, "gate",
			        "job %llu: final push to client %llu unacked after %u sends: "
			        "handing the job to a peer gate (hand-off %u)",
			        (unsigned long long)j->rec.job, (unsigned long long)j->rec.client,
			        g->cfg.retry.max_attempts, j->handoffs + 1);
			struct hl_gmsg *m = gout(g, HL_GM_TRANSFER_REQ, g->tier_leader, j->rec.job);
			m->token = j->rec.token;
			m->seq = j->handoffs + 1;
			g->n_handoffs++;
			job_free(g, j, false);
		}
		if (n < 32)
			break;
	}
	/* Every record this gate stores keeps its job alive until the job ends (REC_FORGET): a
	 * record whose job we do not lead is reported to the tier leader, which leases it if no
	 * lease covers it. A record left by a lost REC_FORGET so ends as a no-op job. */
	if (now_ns >= g->next_orphan_ns && g->tier_leader != 0) {
		g->next_orphan_ns = now_ns + 5 * SEC;
		for (uint32_t s = 0; s < g->store.map.max && hl_jrec_store_count(&g->store) > 0;
		        s++) {
			const struct hl_jrec *r = &g->store.r[s];
			if (r->job == 0 || hl_idmap_find(&g->store.map, r->job) != s ||
			        job_get(g, r->job) != NULL)
				continue;
			uint64_t last = 0; /* the record's last writer (body bytes: unaligned) */
			if (r->len == sizeof(struct hl_gate_rec))
				memcpy(&last, r->body + offsetof(struct hl_gate_rec, leader),
				        sizeof(last));
			if (is_tier_leader(g))
				on_orphan(g, g->cfg.self, r->job, last, now_ns);
			else
				gout(g, HL_GM_ORPHAN, g->tier_leader, r->job)->leader = last;
		}
	}
	if (now_ns >= g->next_cache_sweep_ns) {
		g->next_cache_sweep_ns = now_ns + 1000 * MS;
		cache_sweep(g, now_ns);
		tomb_expire(g, now_ns);
	}
}

bool
hl_gate_holds(const struct hl_gate *g, uint64_t job)
{
	return hl_jrec_store_get(&g->store, job) != NULL ||
	       hl_idmap_find(&g->jmap, job) != HL_IDMAP_NONE ||
	       hl_lease_find(&g->leases, job) != NULL;
}

uint32_t
hl_gate_tombs(const struct hl_gate *g)
{
	return hl_ring_buf_count(g->tombs);
}

uint64_t
hl_gate_tombs_evicted(const struct hl_gate *g)
{
	return hl_ring_buf_evicted(g->tombs);
}

uint64_t
hl_gate_retained(const struct hl_gate *g, bool with_idem)
{
	uint64_t n = hl_idmap_count(&g->jmap) + hl_lease_count(&g->leases) +
	             hl_lease_holder_count(&g->held) + hl_jrec_repl_count(&g->repl) +
	             hl_pushlog_jobs(&g->plog) + hl_retry_count(&g->pushes) +
	             hl_jrec_store_count(&g->store) + hl_idmap_count(&g->cmap);

	if (with_idem)
		n += hl_idem_count(&g->idem) + hl_idem_waiting(&g->idem);
	return n;
}

void
hl_gate_set_amnesic(struct hl_gate *g, uint64_t now_ns)
{
	g->amnesic = true;
	g->seen_alive = 0;
	g->last_alive_ns = g->now_ns = now_ns;
	HL_LOG(HL_LOG_WARN, "gate",
	        "gate %llu: durable records lost: out of fetch and key quorums until caught up",
	        (unsigned long long)g->cfg.self);
}

int
hl_gate_restore(struct hl_gate *g, uint8_t op, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len, uint64_t now_ns)
{
	hl_jrec_journal_fn fn = g->store.journal;
	void *arg = g->store.journal_arg;
	int rc = 0;

	if (job == 0)
		return -EINVAL;
	hl_jrec_store_set_journal(&g->store, NULL, NULL); /* replaying what the journal holds */
	switch (op) {
	case HL_JREC_J_PUT:
		if (len != sizeof(struct hl_gate_rec)) {
			rc = -EBADMSG;
			break;
		}
		rc = hl_jrec_store_put(&g->store, job, token, version, body, len);
		if (rc == -EALREADY || rc == -HL_E_STALE_TOKEN)
			rc = 0; /* an older entry than the one restored: the later one wins */
		break;
	case HL_JREC_J_FORGET:
		(void)hl_jrec_store_forget(&g->store, job);
		break;
	case HL_JREC_J_TOMB:
		tomb_add(g, job, now_ns);
		(void)hl_jrec_store_forget(&g->store, job);
		break;
	default:
		rc = -EINVAL;
	}
	hl_jrec_store_set_journal(&g->store, fn, arg);
	return rc;
}

int
hl_gate_snapshot(struct hl_gate *g, hl_jrec_journal_fn emit, void *arg)
{
	int rc = hl_jrec_store_snapshot(&g->store, emit, arg);

	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < hl_ring_buf_count(g->tombs); i++) {
		const struct hl_gate_tomb *t = hl_ring_buf_at(g->tombs, i);
		if ((rc = emit(arg, HL_JREC_J_TOMB, t->job, 0, 0, NULL, 0)) < 0)
			return rc;
	}
	return 0;
}
