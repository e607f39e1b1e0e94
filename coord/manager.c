/* manager.c — the manager role of one DC (hl_manager.h): election, lease issue while tier leader,
 * job leadership under a lease, and job records replicated through hl_jrec from which every
 * rebuild (new job leader, new tier leader) reads — never from anything but the members' stores. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_mem.h"
#include "hl_err.h"
#include "hl_log.h"
#include "hl_manager.h"

#define MS 1000000ull
#define SEC 1000000000ull

enum { PH_FETCH = 1, PH_RUN, PH_FINAL, PH_REPORT };

/* ------------------------------------------------------------------------ record encoding */

#define REC_HDR 76
#define REC_WF_SPEC 28
#define REC_WF_STATE 37
_Static_assert(REC_HDR + HL_DC_MAX_WF * (REC_WF_SPEC + REC_WF_STATE) <= HL_JREC_BODY_MAX,
        "the largest manager job record does not fit a jrec body");

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int
hl_manager_rec_encode(const struct hl_manager_rec *r, uint8_t *buf, uint32_t cap)
{
	uint32_t nwf = r->spec.nwf;
	uint32_t len = REC_HDR + nwf * (REC_WF_SPEC + REC_WF_STATE);
	uint8_t *p = buf;

	if (r->spec.job == 0 || nwf == 0 || nwf > HL_DC_MAX_WF)
		return -EINVAL;
	if (len > cap)
		return -EMSGSIZE;
	put64(p, r->spec.job);
	put64(p + 8, r->leader);
	p[16] = (uint8_t)nwf;
	p[17] = (uint8_t)(r->started | r->cancel << 1 | r->timed_out << 2);
	p[18] = r->done;
	p[19] = r->status;
	put64(p + 20, r->gate);
	put64(p + 28, r->gate_token);
	put64(p + 36, r->totals.tx_pkts);
	put64(p + 44, r->totals.rx_pkts);
	put64(p + 52, r->totals.lost);
	put64(p + 60, r->spec.timeout_ns / MS);
	put64(p + 68, r->elapsed_ms);
	p += REC_HDR;
	for (uint32_t i = 0; i < nwf; i++, p += REC_WF_SPEC) {
		const struct hl_dc_wf_spec *w = &r->spec.wf[i];
		put32(p, w->id);
		put32(p + 4, w->deps);
		put32(p + 8, w->cores);
		put64(p + 12, w->duration_ns);
		put64(p + 20, w->work);
	}
	for (uint32_t i = 0; i < nwf; i++, p += REC_WF_STATE) {
		p[0] = r->wf[i].state;
		put64(p + 1, r->wf[i].worker);
		put32(p + 9, r->wf[i].sub);
		put64(p + 13, r->wf[i].counts.tx_pkts);
		put64(p + 21, r->wf[i].counts.rx_pkts);
		put64(p + 29, r->wf[i].counts.lost);
	}
	return (int)len;
}

int
hl_manager_rec_decode(struct hl_manager_rec *r, const uint8_t *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint32_t nwf;

	if (len < REC_HDR)
		return -EMSGSIZE;
	nwf = buf[16];
	if (len != REC_HDR + nwf * (REC_WF_SPEC + REC_WF_STATE))
		return -EMSGSIZE;
	if (nwf == 0 || nwf > HL_DC_MAX_WF || buf[17] > 7 || buf[18] > 1 || get64(buf) == 0)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->spec.job = get64(p);
	r->leader = get64(p + 8);
	r->spec.nwf = nwf;
	r->started = p[17] & 1;
	r->cancel = (p[17] >> 1) & 1;
	r->timed_out = p[17] >> 2;
	r->done = p[18];
	r->status = p[19];
	r->gate = get64(p + 20);
	r->gate_token = get64(p + 28);
	r->totals.tx_pkts = get64(p + 36);
	r->totals.rx_pkts = get64(p + 44);
	r->totals.lost = get64(p + 52);
	if (get64(p + 60) > UINT64_MAX / MS)
		return -EINVAL;
	r->spec.timeout_ns = get64(p + 60) * MS;
	r->elapsed_ms = get64(p + 68);
	p += REC_HDR;
	for (uint32_t i = 0; i < nwf; i++, p += REC_WF_SPEC) {
		struct hl_dc_wf_spec *w = &r->spec.wf[i];
		w->id = get32(p);
		w->deps = get32(p + 4);
		w->cores = get32(p + 8);
		w->duration_ns = get64(p + 12);
		w->work = get64(p + 20);
		/* dependencies only on earlier workflows (what hl_dc accepts) */
		if (w->deps >> i != 0)
			return -EINVAL;
	}
	for (uint32_t i = 0; i < nwf; i++, p += REC_WF_STATE) {
		r->wf[i].state = p[0];
		r->wf[i].worker = get64(p + 1);
		r->wf[i].sub = get32(p + 9);
		r->wf[i].counts.tx_pkts = get64(p + 13);
		r->wf[i].counts.rx_pkts = get64(p + 21);
		r->wf[i].counts.lost = get64(p + 29);
		if (r->wf[i].state > HL_WF_CANCELLED)
			return -EINVAL;
	}
	return 0;
}

/* Header fields of a stored record, without a full decode. */
static bool
rec_done(const struct hl_jrec *r)
{
	return r->len >= REC_HDR && r->body[18] != 0;
}

static uint64_t
rec_leader(const struct hl_jrec *r)
{
	return r->len >= REC_HDR ? get64(r->body + 8) : 0;
}

/* A final version's counts (zero in the others). */
static struct hl_counts
rec_totals(const struct hl_jrec *r)
{
	if (r->len < REC_HDR)
		return (struct hl_counts){0, 0, 0};
	return (struct hl_counts){get64(r->body + 36), get64(r->body + 44), get64(r->body + 52)};
}

static uint64_t
rec_gate(const struct hl_jrec *r, uint64_t *token)
{
	*token = r->len >= REC_HDR ? get64(r->body + 28) : 0;
	return r->len >= REC_HDR ? get64(r->body + 20) : 0;
}

/* ----------------------------------------------------------------------------- plumbing */

void
hl_manager_cfg_default(struct hl_manager_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	hl_elect_cfg_default(&cfg->elect);
	hl_lease_cfg_default(&cfg->lease);
	hl_dc_mgr_cfg_default(&cfg->dc);
	cfg->max_records = 4096;
	cfg->max_tombs = 4096;
	cfg->tomb_ttl_ns = 300 * SEC;
	cfg->tick_ns = 50 * MS;
	cfg->resend_ns = 500 * MS;
	cfg->orphan_ns = 5 * SEC;
	cfg->elapsed_ns = 5 * SEC;
	cfg->catchup_ns = 3 * SEC;
	cfg->progress_ns = 100 * MS;
}

static int
member_idx(const struct hl_manager *m, uint64_t id)
{
	for (uint32_t i = 0; i < m->cfg.elect.nmembers; i++)
		if (m->cfg.elect.members[i] == id)
			return (int)i;
	return -1;
}

static uint32_t
quorum(const struct hl_manager *m)
{
	return m->cfg.elect.nmembers / 2 + 1;
}

static struct hl_mmsg *
out_new(struct hl_manager *m, uint8_t kind, uint64_t to)
{
	struct hl_mmsg *o;

	if (m->out_len == HL_MANAGER_OUTQ) {
		m->n_out_full++; /* like a full socket buffer: every protocol here retries */
		return NULL;
	}
	o = &m->outq[(m->out_head + m->out_len++) % HL_MANAGER_OUTQ];
	memset(o, 0, offsetof(struct hl_mmsg, body));
	o->kind = kind;
	o->from = m->self;
	o->to = to;
	return o;
}

static struct hl_gmsg *
gate_out(struct hl_manager *m, uint8_t type, uint64_t to, uint64_t job, uint64_t token,
        uint8_t status)
{
	struct hl_gmsg *g;

	if (m->gout_len == HL_MANAGER_GATE_OUTQ) {
		m->n_gout_full++; /* the gate resends its submit; results are resent here */
		return NULL;
	}
	g = &m->gout[(m->gout_head + m->gout_len++) % HL_MANAGER_GATE_OUTQ];
	memset(g, 0, sizeof(*g));
	g->type = type;
	g->from = m->cfg.dc_id;
	g->dc = m->cfg.dc_id;
	g->to = to;
	g->job = job;
	g->token = token;
	g->status = status;
	return g;
}

/* The final result of a job led here, with its counts, for the gate job leader. */
static void
dc_result_out(struct hl_manager *m, const struct hl_mjob *j, uint64_t to, uint64_t job,
        uint64_t token, uint8_t status)
{
	struct hl_gmsg *g = gate_out(m, HL_GM_DC_RESULT, to, job, token, status);

	if (g != NULL)
		g->totals = j->rec.totals;
}

static void
ev_push(struct hl_manager *m, const struct hl_manager_event *e)
{
	if (m->ev_len == HL_MANAGER_EVENTS) {
		/* Only informational events can be lost here: JOB_DONE is raised once per job and
		 * the host drains after every call; counted and logged. */
		m->n_ev_full++;
		HL_LOG(HL_LOG_WARN, "manager",
		        "node %llu: event queue full, event %u job %llu lost",
		        (unsigned long long)m->self, e->kind, (unsigned long long)e->job);
		return;
	}
	m->ev[(m->ev_head + m->ev_len++) % HL_MANAGER_EVENTS] = *e;
}

static void
ev_job(struct hl_manager *m, uint8_t kind, uint64_t job, uint64_t token, uint64_t version,
        uint8_t status)
{
	struct hl_manager_event e = {
	        .kind = kind, .status = status, .job = job, .token = token, .version = version};

	ev_push(m, &e);
}

static bool
issuing(const struct hl_manager *m, uint64_t now)
{
	return m->lt_term != 0 && hl_elect_is_leader(&m->el, now) && m->lt_term == m->el.term;
}

/* ------------------------------------------------------------------ store, fences, tombs */

static bool
tomb_has(const struct hl_manager *m, uint64_t job)
{
	return hl_idmap_find(&m->tomb_map, job) != HL_IDMAP_NONE;
}

static void
tomb_expire(struct hl_manager *m, uint64_t now, bool make_room)
{
	while (m->tomb_len > 0) {
		uint32_t h = m->tomb_head;
		bool full = make_room && m->tomb_len == m->cfg.max_tombs;
		if (!full && now < m->tomb[h].expires_ns)
			break;
		if (now < m->tomb[h].expires_ns)
			m->n_tomb_evicted++; /* documented: oldest finished job forgotten early */
		(void)hl_idmap_remove(&m->tomb_map, m->tomb[h].job);
		m->tomb[h].job = 0;
		m->tomb_head = (h + 1) % m->cfg.max_tombs;
		m->tomb_len--;
	}
}

static struct hl_mjob *job_get(struct hl_manager *m, uint64_t job);

static void
rec_forget(struct hl_manager *m, uint64_t job)
{
	uint32_t k = hl_idmap_find(&m->st.map, job);

	/* A submission's first version still replicating goes with the record (a led job's
	 * replication state goes with the job). */
	if (job_get(m, job) == NULL)
		(void)hl_jrec_repl_forget(&m->rp, job);
	if (k == HL_IDMAP_NONE)
		return;
	m->rec_fence[k] = 0;
	(void)hl_jrec_store_forget(&m->st, job);
}

/* The job finished: its record leaves, a tombstone answers fetches and refuses late puts. */
static void
tomb_add(struct hl_manager *m, uint64_t job, uint8_t status, uint64_t now)
{
	const struct hl_jrec *r = hl_jrec_store_get(&m->st, job);
	/* the final version's counts, when this member stored it: a late DC_SUBMIT is answered
	 * with them (a final without its counts would end the job with zero totals) */
	bool counted = r != NULL && rec_done(r);
	struct hl_counts totals = counted ? rec_totals(r) : (struct hl_counts){0, 0, 0};
	uint32_t t;

	rec_forget(m, job);
	tomb_expire(m, now, true);
	if (tomb_has(m, job))
		return;
	(void)hl_jrec_journal(&m->st, HL_JREC_J_TOMB, job, 0, status); /* refusal logged, counted */
	if (hl_idmap_insert(&m->tomb_map, job) < 0)
		return; /* already tombstoned */
	t = (m->tomb_head + m->tomb_len++) % m->cfg.max_tombs;
	m->tomb[t].job = job;
	m->tomb[t].expires_ns = now + m->cfg.tomb_ttl_ns;
	m->tomb[t].status = status;
	m->tomb[t].counted = counted;
	m->tomb[t].totals = totals;
}

static uint8_t
tomb_status(const struct hl_manager *m, uint64_t job, struct hl_counts *totals, bool *counted)
{
	for (uint32_t k = 0; k < m->tomb_len; k++) {
		uint32_t t = (m->tomb_head + k) % m->cfg.max_tombs;
		if (m->tomb[t].job == job) {
			*totals = m->tomb[t].totals;
			*counted = m->tomb[t].counted;
			return m->tomb[t].status;
		}
	}
	return 0;
}

/* Store a version in this member's store, behind the fetch fence. */
static int
rec_put(struct hl_manager *m, uint64_t job, uint64_t token, uint64_t version, const void *body,
        uint32_t len)
{
	uint32_t k = hl_idmap_find(&m->st.map, job);
	int rc;

	if (tomb_has(m, job))
		return -HL_E_STALE_TOKEN; /* finished here: a late put is not stored again */
	if (k != HL_IDMAP_NONE && token < m->rec_fence[k])
		return -HL_E_STALE_TOKEN;
	rc = hl_jrec_store_put(&m->st, job, token, version, body, len);
	if (rc == 0 && k == HL_IDMAP_NONE) {
		k = hl_idmap_find(&m->st.map, job);
		if (k != HL_IDMAP_NONE)
			m->rec_fence[k] = 0;
	}
	return rc;
}

/* --------------------------------------------------------------------------- per-job table */

static struct hl_mjob *
job_get(struct hl_manager *m, uint64_t job)
{
	uint32_t s = hl_idmap_find(&m->jmap, job);

	return s == HL_IDMAP_NONE ? NULL : &m->jobs[s];
}

/* Write-ahead dispatch (struct hl_manager.held): the job's held DISPATCHes whose record
 * version committed leave now. */
static void
held_release(struct hl_manager *m, uint64_t job, uint64_t committed)
{
	uint32_t k = 0;

	while (k < m->n_held) {
		if (m->held[k].d.job != job || m->held[k].ver > committed) {
			k++;
			continue;
		}
		struct hl_mmsg *o = out_new(m, HL_MM_DC, m->held[k].d.to);
		if (o != NULL)
			o->u.d = m->held[k].d;
		m->held[k] = m->held[--m->n_held];
	}
}

/* The job is not led here any more: its held DISPATCHes never leave. */
static void
held_drop(struct hl_manager *m, uint64_t job)
{
	uint32_t k = 0;

	while (k < m->n_held) {
		if (m->held[k].d.job == job)
			m->held[k] = m->held[--m->n_held];
		else
			k++;
	}
}

/* A message of the job leader core that must wait for the record: a DISPATCH (the version
 * naming its slice) or a result's ack (the version holding that result). Held until that
 * version committed, so a successor that rebuilds from a quorum neither runs the workflow a
 * second time nor asks a worker for a result it already let go of. */
static bool
must_wait(const struct hl_dc_msg *d)
{
	return d->kind == HL_DC_DISPATCH || (d->kind == HL_DC_RESULT_ACK && d->ok && d->code == 0);
}

static void
held_out(struct hl_manager *m, const struct hl_dc_msg *d)
{
	const struct hl_mjob *j = job_get(m, d->job);
	struct hl_mmsg *o;

	if (j == NULL || j->phase == PH_FETCH) {
		if (d->kind == HL_DC_DISPATCH) {
			m->n_bad++; /* not led here: never sent */
			return;
		}
		if ((o = out_new(m, HL_MM_DC, d->to)) != NULL)
			o->u.d = *d; /* an ack for a job over here (its tombstone) */
		return;
	}
	/* its slice (dispatched, or ended) in the record as written, else in the next version */
	const struct hl_dc_wf_record *w =
	        d->workflow < HL_DC_MAX_WF ? &j->rec.wf[d->workflow] : NULL;
	bool recorded = w != NULL && w->sub == d->sub &&
	                (d->kind == HL_DC_DISPATCH ? w->worker == d->to
	                                           : w->state == HL_WF_COMPLETED ||
	                                                     w->state == HL_WF_CANCELLED ||
	                                                     w->state == HL_WF_FAILED);
	if (d->kind == HL_DC_RESULT_ACK && !recorded && (w == NULL || w->sub != d->sub)) {
		if ((o = out_new(m, HL_MM_DC, d->to)) != NULL)
			o->u.d = *d; /* not this job's slice (replaced): nothing to record */
		return;
	}
	uint64_t need = j->dirty || !recorded ? j->version + 1 : j->version;
	if (j->committed >= need) {
		if ((o = out_new(m, HL_MM_DC, d->to)) != NULL)
			o->u.d = *d;
		return;
	}
	for (uint32_t k = 0; k < m->n_held; k++)
		if (m->held[k].d.job == d->job && m->held[k].d.sub == d->sub &&
		        m->held[k].d.to == d->to && m->held[k].d.kind == d->kind) {
			m->held[k].d = *d; /* a resend replaces the copy held */
			m->held[k].ver = need;
			return;
		}
	if (m->n_held == HL_MANAGER_HELD_DISPATCH) {
		m->n_held_full++; /* not sent: the core resends, the worker too */
		return;
	}
	m->held[m->n_held].ver = need;
	m->held[m->n_held].d = *d;
	m->n_held++;
	m->n_held_dispatch++;
}

static void
job_free(struct hl_manager *m, struct hl_mjob *j)
{
	uint64_t job = j->job;

	held_drop(m, job);
	(void)hl_dc_job_drop(&m->dm, job);
	(void)hl_jrec_repl_forget(&m->rp, job);
	memset(j, 0, sizeof(*j));
	(void)hl_idmap_remove(&m->jmap, job);
}

/* Job end or lease no longer ours to keep: release at the issuer (E.1). */
static void
release_lease(struct hl_manager *m, uint64_t issuer, uint64_t job, uint64_t token, uint64_t now)
{
	struct hl_mmsg *o;

	(void)hl_lease_holder_drop(&m->lh, job);
	if (issuer == m->self) {
		if (hl_elect_is_leader(&m->el, now))
			(void)hl_lease_release(&m->lt, job, token);
		return;
	}
	if (issuer != 0 && (o = out_new(m, HL_MM_RELEASE, issuer)) != NULL) {
		o->n = 1;
		o->u.refs[0] = (struct hl_lease_ref){job, token};
	}
}

static void
forget_all(struct hl_manager *m, uint64_t job, uint64_t token, bool finished, uint8_t status,
        uint64_t now)
{
	for (uint32_t i = 0; i < m->cfg.elect.nmembers; i++) {
		uint64_t id = m->cfg.elect.members[i];
		struct hl_mmsg *o;
		if (id == m->self || (o = out_new(m, HL_MM_REC_FORGET, id)) == NULL)
			continue;
		o->u.rec.job = job;
		o->fence = token;
		o->status = finished;
		o->code = status; /* the final status, when known */
	}
	if (finished) {
		tomb_add(m, job, status, now);
	} else {
		const struct hl_jrec *r = hl_jrec_store_get(&m->st, job);
		if (r != NULL && r->token <= token)
			rec_forget(m, job);
	}
}

/* ------------------------------------------------------------------------- tier leader */

static void on_grant(struct hl_manager *m, const struct hl_lease_grant *g, uint64_t t0,
        uint64_t from, uint64_t now);

static void
send_grant(struct hl_manager *m, const struct hl_lease_grant *g, bool renewal, uint64_t t0,
        uint64_t now)
{
	struct hl_mmsg *o;

	if (m->cfg.report_grants) {
		struct hl_manager_event e = {.kind = HL_MANAGER_EV_GRANTED,
		        .status = renewal,
		        .job = g->job,
		        .token = g->token,
		        .peer = g->holder};
		ev_push(m, &e);
	}
	if (g->holder == m->self) {
		on_grant(m, g, t0 != 0 ? t0 : now, m->self, now);
		return;
	}
	if ((o = out_new(m, HL_MM_GRANT, g->holder)) != NULL) {
		o->u.g = *g;
		o->t0 = t0;
	}
}

static void
issue_live(struct hl_manager *m, uint64_t job, uint64_t now)
{
	struct hl_lease_grant g;

	if (hl_lease_issue(&m->lt, job, 0, now, &g) == 0)
		send_grant(m, &g, false, 0, now);
}

/* Replication state of versions written for jobs this member does not lead (a submission's
 * first version written as tier leader): dropped at commit, or here when the term ends. */
static void
repl_sweep(struct hl_manager *m)
{
	for (uint32_t k = 0; k < m->rp.map.max; k++) {
		uint64_t job = m->rp.p[k].job;
		if (job != 0 && hl_idmap_find(&m->rp.map, job) == k && job_get(m, job) == NULL)
			(void)hl_jrec_repl_forget(&m->rp, job);
	}
}

static void
lt_reset(struct hl_manager *m)
{
	repl_sweep(m);
	hl_lease_table_fini(&m->lt);
	if (hl_lease_table_init(&m->lt, &m->cfg.lease) < 0)
		HL_LOG(HL_LOG_ERR, "manager", "node %llu: lease table re-init failed",
		        (unsigned long long)m->self);
	m->lt_term = 0;
	m->rebuilt = false;
}

static bool
member_dead(const struct hl_manager *m, uint64_t id)
{
	int i = member_idx(m, id);

	return i >= 0 && (m->dead & (1u << i));
}

static void
leader_duty(struct hl_manager *m, uint64_t now)
{
	struct hl_lease_event ev[16];
	size_t n;

	if (!hl_elect_is_leader(&m->el, now)) {
		if (m->lt_term != 0)
			lt_reset(m);
		return;
	}
	if (m->lt_term != m->el.term) {
		lt_reset(m);
		if (hl_lease_set_term(&m->lt, m->el.term) < 0)
			return;
		m->lt_term = m->el.term;
		for (uint32_t i = 0; i < m->cfg.elect.nmembers; i++)
			if (!(m->dead & (1u << i)))
				(void)hl_lease_member_set(&m->lt, m->cfg.elect.members[i], true);
		hl_lease_start_grace(&m->lt, now);
	}
	if (!m->rebuilt) {
		bool grace = hl_lease_in_grace(&m->lt, now);
		/* Rebuild from this member's own store only. In the grace only the jobs whose
		 * recorded leader SWIM declared dead are re-issued (fencing covers a false death);
		 * after it no lease of an older term can still run: every live record without a
		 * lease is re-issued. Records missing here reach us as ORPHAN reports. */
		for (uint32_t s = 0; s < m->st.map.max; s++) {
			const struct hl_jrec *r = &m->st.r[s];
			if (r->job == 0 || hl_idmap_find(&m->st.map, r->job) != s ||
			        hl_lease_find(&m->lt, r->job) != NULL)
				continue;
			if (grace && !member_dead(m, rec_leader(r)))
				continue;
			issue_live(m, r->job, now);
		}
		if (!grace)
			m->rebuilt = true;
	}
	while ((n = hl_lease_tick(&m->lt, now, ev, 16)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (ev[i].kind == HL_LEASE_EV_REISSUED)
				send_grant(m, &ev[i].grant, false, 0, now);
		if (n < 16)
			break;
	}
}

static void
on_renew(struct hl_manager *m, uint64_t holder, const struct hl_lease_ref *r, uint64_t t0,
        uint64_t now)
{
	struct hl_lease_grant g;
	int rc;

	if (!issuing(m, now))
		return;
	hl_lease_renew(&m->lt, holder, r, 1, now, &g, &rc);
	if (rc == 0) {
		send_grant(m, &g, true, t0, now);
		return;
	}
	/* Unknown to this term's table: adopted during the grace (same holder, greater token). */
	if (rc == -HL_E_NOT_FOUND && hl_lease_adopt(&m->lt, holder, r->job, r->token, now, &g) == 0)
		send_grant(m, &g, false, t0, now);
}

/* A member stores a record of a job it does not lead; leader: the job leader that record
 * names (0: unknown). */
static void
on_orphan(struct hl_manager *m, uint64_t from, uint64_t job, uint64_t leader, uint64_t now)
{
	struct hl_mmsg *o;
	bool fast = false;

	if (!issuing(m, now) || hl_lease_find(&m->lt, job) != NULL)
		return;
	if (!m->rebuilt || hl_lease_in_grace(&m->lt, now)) {
		/* A live holder of the old term renews and is adopted; one SWIM declared dead never
		 * will, so its job need not wait out the grace (the rebuild's rule, for a record this
		 * member lacks: the tier leader and the job leader died together). A false death is
		 * covered by fencing: the new token is greater. */
		if (leader == 0 || !member_dead(m, leader))
			return;
		fast = true;
	}
	if (tomb_has(m, job)) {
		/* Finished: the reporter missed the REC_FORGET. */
		if (from != m->self && (o = out_new(m, HL_MM_REC_FORGET, from)) != NULL) {
			o->u.rec.job = job;
			o->status = 1;
		} else if (from == m->self) {
			rec_forget(m, job);
		}
		return;
	}
	m->n_orphans++;
	m->n_fast_orphans += fast;
	HL_LOG(HL_LOG_INFO, "manager",
	        "job %llu: record at manager %llu led by nobody (last leader %llu%s): leased again",
	        (unsigned long long)job, (unsigned long long)from, (unsigned long long)leader,
	        fast ? ", dead" : "");
	issue_live(m, job, now);
}

/* -------------------------------------------------------------------------- job leader */

static void job_write(struct hl_manager *m, struct hl_mjob *j, uint64_t now);
static void amnesia_tick(struct hl_manager *m, uint64_t now);

static void
fetch_send(struct hl_manager *m, struct hl_mjob *j)
{
	for (uint32_t i = 0; i < m->cfg.elect.nmembers; i++) {
		uint64_t id = m->cfg.elect.members[i];
		struct hl_mmsg *o;
		if (id == m->self || (j->fetch_from & (1u << i)) ||
		        (o = out_new(m, HL_MM_REC_FETCH, id)) == NULL)
			continue;
		o->u.rec.job = j->job;
		o->fence = j->token;
	}
}

/* A member's answer to a fetch: its record (raising its fence to the fetch token, so that an
 * older leader cannot commit anything the fetch did not see), or "finished", or nothing. */
static void
fetch_answer(struct hl_manager *m, uint64_t job, uint64_t token, struct hl_mmsg *a)
{
	uint32_t k = hl_idmap_find(&m->st.map, job);

	a->u.rec.job = job;
	a->fence = token;
	if (m->amnesic) {
		a->status = 2; /* lost our records: not a quorum member until caught up */
		return;
	}
	if (tomb_has(m, job)) {
		a->status = 1;
		return;
	}
	if (k == HL_IDMAP_NONE)
		return;
	if (m->rec_fence[k] < token) {
		(void)hl_jrec_journal(&m->st, HL_JREC_J_FENCE, job, token, 0); /* durable fence */
		m->rec_fence[k] = token;
	}
	a->u.rec.token = m->st.r[k].token;
	a->u.rec.version = m->st.r[k].version;
	a->u.rec.len = m->st.r[k].len;
	memcpy(a->body, m->st.r[k].body, m->st.r[k].len);
}

static void fetch_done(struct hl_manager *m, struct hl_mjob *j, uint64_t now);

/* The job is cancelled: recorded first (a new job leader carries the cancel on), then its
 * running slices are stopped and its pending ones never start; it ends CANCELLED and is
 * reported like any final. Idempotent. */
static void
mjob_cancel(struct hl_manager *m, struct hl_mjob *j, uint64_t now)
{
	if (!j->rec.cancel) {
		j->rec.cancel = true;
		j->dirty = true;
		m->n_cancels++;
		HL_LOG(HL_LOG_INFO, "manager", "job %llu: cancelled (phase %u)",
		        (unsigned long long)j->job, j->phase);
	}
	if (j->phase == PH_RUN) {
		const struct hl_dc_job *dj = hl_dc_job_find(&m->dm, j->job);
		if (dj != NULL && !dj->cancelling)
			(void)hl_dc_job_cancel(&m->dm, j->job,
			        j->rec.timed_out ? HL_WS_TIMEOUT : HL_WS_CANCELLED, now);
	}
}

/* ms the job has run under its job leaders: the record's count plus this member's time. */
static uint64_t
mjob_elapsed_ms(const struct hl_mjob *j, uint64_t now)
{
	return j->run_base_ms + (now > j->run_ns ? (now - j->run_ns) / MS : 0);
}

/* The job's [job] timeout is its outer bound in the DC: past it the job is stopped like a
 * cancel and ends TIMEOUT with the counts of what ran. The clock is the record's elapsed time,
 * so it goes on under a successor (losing at most elapsed_ns plus the takeover). A running
 * job's record is rewritten at least every elapsed_ns to keep that clock. */
static void
mjob_clock(struct hl_manager *m, struct hl_mjob *j, uint64_t now)
{
	uint64_t ms = mjob_elapsed_ms(j, now);

	if (j->rec.spec.timeout_ns != 0 && ms >= j->rec.spec.timeout_ns / MS && !j->rec.cancel) {
		j->rec.timed_out = true;
		m->n_timeouts++;
		HL_LOG(HL_LOG_INFO, "manager", "job %llu: ran %llu ms, past its timeout of %llu ms",
		        (unsigned long long)j->job, (unsigned long long)ms,
		        (unsigned long long)(j->rec.spec.timeout_ns / MS));
		mjob_cancel(m, j, now);
		return;
	}
	if (now - j->elapsed_write_ns >= m->cfg.elapsed_ns)
		j->dirty = true;
}

static void
fetch_note(struct hl_manager *m, struct hl_mjob *j, uint64_t from, const struct hl_mmsg *a,
        uint64_t now)
{
	int i = member_idx(m, from);
	struct hl_manager_rec r;

	if (i < 0 || (j->fetch_from & (1u << i)) || a->fence != j->token || a->status == 2)
		return; /* status 2: an amnesic member does not count; asked again at the resend */
	if (a->status == 1) {
		j->seen_tomb = true;
	} else if (a->u.rec.version > 0) {
		if (hl_manager_rec_decode(&r, a->body, a->u.rec.len) < 0 || r.spec.job != j->job) {
			m->n_bad++;
			HL_LOG(HL_LOG_WARN, "manager", "job %llu: undecodable record from %llu",
			        (unsigned long long)j->job, (unsigned long long)from);
			return; /* not counted as an answer: the resend asks again */
		}
		if (!j->have_best || a->u.rec.token > j->best_token ||
		        (a->u.rec.token == j->best_token && a->u.rec.version > j->best_version)) {
			j->have_best = true;
			j->best_token = a->u.rec.token;
			j->best_version = a->u.rec.version;
			j->rec = r;
		}
	}
	j->fetch_from |= 1u << i;
	if ((uint32_t)__builtin_popcount(j->fetch_from) >= quorum(m))
		fetch_done(m, j, now);
}

static void
fetch_done(struct hl_manager *m, struct hl_mjob *j, uint64_t now)
{
	uint64_t issuer = hl_elect_leader(&m->el, now);
	uint64_t job = j->job, token = j->token;
	int rc;

	if (j->seen_tomb) {
		/* The job ended (a late re-issue, or an orphaned record): make sure every member
		 * forgets it, give the lease back. */
		forget_all(m, job, token, true, 0, now);
		release_lease(m, issuer, job, token, now);
		job_free(m, j);
		return;
	}
	if (!j->have_best) {
		/* No quorum member holds a record: its submission never committed, so it was never
		 * accepted; the submitter's retry submits it again. */
		HL_LOG(HL_LOG_INFO, "manager", "job %llu: no record at a quorum: never accepted",
		        (unsigned long long)job);
		forget_all(m, job, token, false, 0, now);
		release_lease(m, issuer, job, token, now);
		job_free(m, j);
		return;
	}
	ev_job(m, HL_MANAGER_EV_TAKEOVER, job, token, j->best_version, j->rec.done);
	j->version = j->best_version;
	j->dirty = true; /* rewrite under our token at once */
	if (j->rec.done) {
		/* Its final version reached some member but maybe not a quorum: commit it again
		 * under our token, then report it. */
		j->phase = PH_FINAL;
		j->status = j->rec.status;
		return;
	}
	if (!j->rec.started) {
		rc = hl_dc_job_start(&m->dm, &j->rec.spec, token, now);
	} else {
		m->n_takeovers++;
		rc = hl_dc_job_takeover(&m->dm, &j->rec.spec, j->rec.wf, token, now);
	}
	if (rc < 0) {
		HL_LOG(HL_LOG_WARN, "manager", "job %llu: cannot lead it (%s): lease given back",
		        (unsigned long long)job, hl_errname(rc));
		release_lease(m, issuer, job, token, now);
		job_free(m, j);
		return;
	}
	j->phase = PH_RUN;
	j->rec.started = true;
	j->run_ns = j->elapsed_write_ns = now;
	j->run_base_ms = j->rec.elapsed_ms;
	if (j->rec.cancel)
		mjob_cancel(m, j, now); /* the cancel goes on under the new leader */
}

static void
on_grant(struct hl_manager *m, const struct hl_lease_grant *g, uint64_t t0, uint64_t from,
        uint64_t now)
{
	struct hl_mjob *j = job_get(m, g->job);
	uint64_t sent = t0;
	int64_t s;

	if (sent == 0)
		sent = now > m->cfg.lease.guard_ns ? now - m->cfg.lease.guard_ns : 0;
	if (j == NULL && tomb_has(m, g->job)) {
		/* The job is over (its release was lost, so the issuer re-issued it at expiry, or a
		 * member that missed the REC_FORGET reported its record): every member forgets
		 * it, and the lease goes back. This is what makes a lost release heal. */
		forget_all(m, g->job, g->token, true, 0, now);
		release_lease(m, from, g->job, g->token, now);
		return;
	}
	if (hl_lease_holder_apply(&m->lh, g, sent) < 0) {
		m->n_stale++;
		return;
	}
	if (!hl_lease_holder_valid(&m->lh, g->job, now, NULL))
		return; /* arrived too late to be of use: the issuer will re-issue */
	if (j != NULL && j->token == g->token)
		return; /* renewal */
	if (j != NULL && j->phase != PH_FETCH) {
		/* Re-granted under a greater token while leading (adoption by a new tier leader):
		 * carry on from our own state under the new token, fencing the stores with it. */
		const struct hl_dc_job *dj = hl_dc_job_find(&m->dm, g->job);
		if (dj != NULL) {
			for (uint32_t i = 0; i < dj->nwf; i++)
				j->rec.wf[i] = (struct hl_dc_wf_record){dj->wf[i].state,
				        dj->wf[i].worker, dj->wf[i].sub, dj->wf[i].counts};
			(void)hl_dc_job_drop(&m->dm, g->job);
			if (hl_dc_job_takeover(&m->dm, &j->rec.spec, j->rec.wf, g->token, now) <
			        0) {
				job_free(m, j);
				return;
			}
		}
		j->token = g->token;
		j->committed = 0; /* versions under the new token commit afresh */
		j->dirty = true;
		if (j->rec.cancel)
			mjob_cancel(m, j, now);
		return;
	}
	if (j == NULL) {
		if ((s = hl_idmap_insert(&m->jmap, g->job)) < 0) {
			HL_LOG(HL_LOG_WARN, "manager",
			        "job %llu: job table full (%u): lease not taken",
			        (unsigned long long)g->job, m->jmap.max);
			(void)hl_lease_holder_drop(&m->lh, g->job);
			return;
		}
		j = &m->jobs[s];
	}
	/* New lease (or a greater one during a fetch): rebuild from a quorum of the stores. */
	memset(j, 0, sizeof(*j));
	j->job = g->job;
	j->token = g->token;
	j->phase = PH_FETCH;
	j->resend_ns = now + m->cfg.resend_ns;
	fetch_send(m, j);
	/* Our own store answers too (the spare slot past the queue: no allocation here). */
	struct hl_mmsg *own = &m->outq[HL_MANAGER_OUTQ];
	memset(own, 0, offsetof(struct hl_mmsg, body));
	fetch_answer(m, j->job, j->token, own);
	fetch_note(m, j, m->self, own, now);
}

/* The job ends here: lease back, every member's copy becomes a tombstone. */
static void
job_end(struct hl_manager *m, struct hl_mjob *j, uint64_t now)
{
	uint64_t job = j->job, token = j->token;

	release_lease(m, hl_elect_leader(&m->el, now), job, token, now);
	forget_all(m, job, token, true, j->status, now);
	job_free(m, j);
}

static void
on_commit(struct hl_manager *m, uint64_t job, uint64_t token, uint64_t version, uint64_t now)
{
	struct hl_mjob *j = job_get(m, job);
	const struct hl_lease_entry *le;

	ev_job(m, HL_MANAGER_EV_COMMITTED, job, token, version, 0);
	if (j != NULL && j->token == token && version > j->committed) {
		j->committed = version;
		held_release(m, job, version);
	}
	if (j != NULL && j->token == token && j->version == version) {
		if (j->phase != PH_FINAL || !hl_lease_holder_valid(&m->lh, job, now, NULL))
			return;
		/* The final version is committed: reported (and sent to the gate until acked). */
		ev_job(m, HL_MANAGER_EV_JOB_DONE, job, token, version, j->status);
		if (j->rec.gate != 0) {
			j->phase = PH_REPORT;
			j->resend_ns = now + m->cfg.resend_ns;
			m->n_gate_results++;
			HL_LOG(HL_LOG_INFO, "manager",
			        "job %llu: final status %u to gate %llu token %llx",
			        (unsigned long long)job, j->status, (unsigned long long)j->rec.gate,
			        (unsigned long long)j->rec.gate_token);
			dc_result_out(m, j, j->rec.gate, job, j->rec.gate_token, j->status);
			return;
		}
		job_end(m, j, now);
		return;
	}
	if (j != NULL)
		return;
	/* A submission's first version: accepted; the lease goes to its holder now. */
	(void)hl_jrec_repl_forget(&m->rp, job);
	if (version == 1 && issuing(m, now) && (le = hl_lease_find(&m->lt, job)) != NULL &&
	        le->token == token && le->holder != 0) {
		struct hl_lease_grant g = {job, le->holder, token, m->cfg.lease.duration_ns};
		const struct hl_jrec *r = hl_jrec_store_get(&m->st, job);
		uint64_t gtok = 0, gate = r != NULL ? rec_gate(r, &gtok) : 0;
		ev_job(m, HL_MANAGER_EV_ACCEPTED, job, token, version, 0);
		if (gate != 0)
			gate_out(m, HL_GM_DC_ACCEPT, gate, job, gtok, 0);
		send_grant(m, &g, false, 0, now);
	}
}

/* Write the next version of a led job: own store (fenced), then every other member. */
static void
job_write(struct hl_manager *m, struct hl_mjob *j, uint64_t now)
{
	uint8_t body[HL_JREC_BODY_MAX];
	int len, rc;
	uint64_t v = j->version + 1;

	j->rec.leader = m->self;
	if (j->phase == PH_RUN) {
		j->rec.elapsed_ms = mjob_elapsed_ms(j, now);
		j->elapsed_write_ns = now;
	}
	j->rec.done = j->phase == PH_FINAL || j->phase == PH_REPORT;
	j->rec.status = j->rec.done ? j->status : 0;
	if ((len = hl_manager_rec_encode(&j->rec, body, sizeof(body))) < 0) {
		HL_LOG(HL_LOG_ERR, "manager", "job %llu: record not encodable (%s)",
		        (unsigned long long)j->job, hl_errname(len));
		return;
	}
	rc = rec_put(m, j->job, j->token, v, body, (uint32_t)len);
	if (rc == -HL_E_STALE_TOKEN) {
		/* A newer leader fetched this store: we are deposed for this job. */
		m->n_stale++;
		j->phase == PH_FINAL ? m->n_stale_final++ : 0;
		(void)hl_lease_holder_drop(&m->lh, j->job);
		job_free(m, j);
		return;
	}
	if (rc < 0 && rc != -EALREADY) {
		HL_LOG(HL_LOG_WARN, "manager", "job %llu: own store refused v%llu (%s)",
		        (unsigned long long)j->job, (unsigned long long)v, hl_errname(rc));
		return; /* dirty stays set: retried on the next drain */
	}
	j->version = v;
	j->dirty = false;
	for (uint32_t i = 0; i < m->cfg.elect.nmembers; i++) {
		uint64_t id = m->cfg.elect.members[i];
		struct hl_mmsg *o;
		if (id == m->self || (o = out_new(m, HL_MM_REC_PUT, id)) == NULL)
			continue;
		o->u.rec.job = j->job;
		o->u.rec.token = j->token;
		o->u.rec.version = v;
		o->u.rec.len = (uint32_t)len;
		memcpy(o->body, body, (size_t)len);
	}
	rc = hl_jrec_repl_begin(&m->rp, j->job, j->token, v, now);
	if (rc == 1)
		on_commit(m, j->job, j->token, v, now);
	else if (rc < 0)
		HL_LOG(HL_LOG_WARN, "manager", "job %llu: replication table full (%s)",
		        (unsigned long long)j->job, hl_errname(rc));
}

static void
drain_elect(struct hl_manager *m)
{
	struct hl_elect_action a;

	while (m->ev_len < HL_MANAGER_EVENTS && hl_elect_next_action(&m->el, &a) == 1) {
		if (a.kind == HL_ELECT_ACT_PERSIST) {
			struct hl_manager_event e = {
			        .kind = HL_MANAGER_EV_PERSIST, .term = a.term, .vote = a.voted_for};
			ev_push(m, &e);
			m->persist_wait = true;
			return; /* hl_elect hands out nothing more until persisted */
		}
		if (a.kind != HL_ELECT_ACT_SEND)
			continue;
		for (uint32_t i = 0; i < m->cfg.elect.nmembers; i++) {
			uint64_t id = m->cfg.elect.members[i];
			struct hl_mmsg *o;
			if (id == m->self || (a.msg.to != 0 && a.msg.to != id) ||
			        (o = out_new(m, HL_MM_ELECT, id)) == NULL)
				continue;
			o->u.e = a.msg;
		}
	}
}

static void
drain(struct hl_manager *m, uint64_t now)
{
	struct hl_dc_msg d;
	struct hl_dc_event ev;
	struct hl_mmsg *o;

	drain_elect(m);
	while (hl_dc_mgr_next_event(&m->dm, &ev) == 1) {
		struct hl_mjob *j;
		if (ev.kind != HL_DC_EV_JOB_DONE)
			continue;
		j = job_get(m, ev.job);
		if (j == NULL || j->phase != PH_RUN) {
			HL_LOG(HL_LOG_WARN, "manager", "job %llu: done but not led here",
			        (unsigned long long)ev.job);
			continue;
		}
		/* Final status: replicated before it is reported (a deposed leader's final is
		 * refused by the stores a newer leader fetched). */
		/* the DC core freed the job: its event carries every workflow's final state (the
		 * last result's workflow is not in the record yet) */
		for (uint32_t i = 0; i < ev.nwf && i < HL_DC_MAX_WF; i++)
			j->rec.wf[i] = ev.wf[i];
		j->phase = PH_FINAL;
		j->status = ev.status;
		j->rec.totals = ev.totals;
		j->dirty = true;
	}
	/* Record replication: the acting job leader writes its workflow states, fenced. */
	for (uint32_t s = 0; s < m->jmap.max; s++) {
		struct hl_mjob *j = &m->jobs[s];
		uint64_t tok;
		if (j->job == 0 || j->phase == PH_FETCH ||
		        !hl_lease_holder_valid(&m->lh, j->job, now, &tok) || tok != j->token)
			continue;
		if (j->phase == PH_RUN) {
			const struct hl_dc_job *dj = hl_dc_job_find(&m->dm, j->job);
			if (dj == NULL || dj->token != j->token)
				continue;
			for (uint32_t i = 0; i < dj->nwf; i++) {
				struct hl_dc_wf_record *w = &j->rec.wf[i];
				/* field by field: the struct has padding */
				const struct hl_counts *c = &dj->wf[i].counts;
				if (w->state != dj->wf[i].state || w->worker != dj->wf[i].worker ||
				        w->sub != dj->wf[i].sub ||
				        w->counts.tx_pkts != c->tx_pkts ||
				        w->counts.rx_pkts != c->rx_pkts ||
				        w->counts.lost != c->lost) {
					w->state = dj->wf[i].state;
					w->worker = dj->wf[i].worker;
					w->sub = dj->wf[i].sub;
					w->counts = *c;
					j->dirty = true;
				}
			}
		}
		if (j->dirty)
			job_write(m, j, now);
	}
	/* After the record writes: a DISPATCH or a result's ack waits for its version. */
	while (hl_dc_mgr_next_tx(&m->dm, &d) == 1) {
		if (d.to == 0)
			continue;
		if (must_wait(&d))
			held_out(m, &d);
		else if ((o = out_new(m, HL_MM_DC, d.to)) != NULL)
			o->u.d = d;
	}
}

/* ---------------------------------------------------------------------------- public API */

int
hl_manager_init(struct hl_manager *m, const struct hl_manager_cfg *cfg, uint32_t stored_term,
        uint64_t stored_vote, struct hl_prng *rng, uint64_t now_ns)
{
	struct hl_dc_mgr_cfg dc = cfg->dc;
	int rc;

	memset(m, 0, sizeof(*m));
	if (rng == NULL || cfg->max_records == 0 || cfg->max_tombs == 0 || cfg->tick_ns == 0 ||
	        cfg->resend_ns == 0 || cfg->orphan_ns == 0 || cfg->elapsed_ns == 0 ||
	        cfg->elect.nmembers > HL_JREC_MAX_PEERS || cfg->elect.nmembers > 32)
		return -EINVAL;
	m->cfg = *cfg;
	m->self = cfg->elect.self;
	m->rng = rng;
	dc.self = m->self;
	dc.max_jobs = cfg->lease.max_jobs;
	m->cfg.dc = dc;
	if ((rc = hl_elect_init(
	             &m->el, &cfg->elect, stored_term, stored_vote, hl_prng_next(rng), now_ns)) < 0)
		return rc;
	m->outq = malloc((HL_MANAGER_OUTQ + 1) * sizeof(*m->outq));
	m->rec_fence = calloc(cfg->max_records, sizeof(*m->rec_fence));
	m->jobs = calloc(cfg->lease.max_jobs, sizeof(*m->jobs));
	m->tomb = hl_calloc_touched(cfg->max_tombs, sizeof(*m->tomb));
	m->gout = hl_calloc_touched(HL_MANAGER_GATE_OUTQ, sizeof(*m->gout));
	if (m->outq == NULL || m->rec_fence == NULL || m->jobs == NULL || m->tomb == NULL ||
	        m->gout == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	/* Every init below leaves its struct safe to fini when it fails or never ran. */
	if ((rc = hl_lease_table_init(&m->lt, &cfg->lease)) < 0 ||
	        (rc = hl_lease_holder_init(&m->lh, m->self, &cfg->lease)) < 0 ||
	        (rc = hl_dc_mgr_init(&m->dm, &dc)) < 0 ||
	        (rc = hl_jrec_store_init(&m->st, cfg->max_records)) < 0 ||
	        (rc = hl_jrec_repl_init(&m->rp, m->self, cfg->elect.members, cfg->elect.nmembers,
	                 cfg->lease.max_jobs, cfg->resend_ns)) < 0 ||
	        (rc = hl_idmap_init(&m->jmap, cfg->lease.max_jobs)) < 0 ||
	        (rc = hl_idmap_init(&m->tomb_map, cfg->max_tombs)) < 0)
		goto fail;
	m->next_tick_ns = now_ns;
	m->next_orphan_ns = now_ns + cfg->orphan_ns;
	return 0;
fail:
	hl_manager_fini(m);
	return rc;
}

void
hl_manager_fini(struct hl_manager *m)
{
	hl_lease_table_fini(&m->lt);
	hl_lease_holder_fini(&m->lh);
	hl_dc_mgr_fini(&m->dm);
	hl_jrec_store_fini(&m->st);
	hl_jrec_repl_fini(&m->rp);
	hl_idmap_fini(&m->jmap);
	hl_idmap_fini(&m->tomb_map);
	free(m->outq);
	free(m->rec_fence);
	free(m->jobs);
	free(m->tomb);
	free(m->gout);
	memset(m, 0, sizeof(*m));
}

static void gate_apply(struct hl_manager *m, uint8_t type, uint8_t kind, uint64_t job,
        uint64_t gate, uint64_t token, int32_t code, uint64_t now);

static int
recv_rec_put(struct hl_manager *m, const struct hl_mmsg *msg)
{
	struct hl_manager_rec r;
	struct hl_mmsg *a;
	int rc;

	if (msg->u.rec.len > HL_JREC_BODY_MAX)
		return -EMSGSIZE;
	if ((rc = hl_manager_rec_decode(&r, msg->body, msg->u.rec.len)) < 0)
		return rc;
	if (r.spec.job != msg->u.rec.job || msg->u.rec.version == 0)
		return -EINVAL;
	rc = rec_put(
	        m, msg->u.rec.job, msg->u.rec.token, msg->u.rec.version, msg->body, msg->u.rec.len);
	if (rc != 0 && rc != -EALREADY && rc != -HL_E_STALE_TOKEN) {
		HL_LOG(HL_LOG_WARN, "manager", "job %llu: record from %llu not stored (%s)",
		        (unsigned long long)msg->u.rec.job, (unsigned long long)msg->from,
		        hl_errname(rc));
		return rc;
	}
	if ((a = out_new(m, HL_MM_REC_ACK, msg->from)) != NULL) {
		a->u.rec.job = msg->u.rec.job;
		a->u.rec.token = msg->u.rec.token;
		a->u.rec.version = msg->u.rec.version;
		a->code = rc == -HL_E_STALE_TOKEN ? rc : 0;
	}
	return rc == -HL_E_STALE_TOKEN ? rc : 0;
}

static int
recv_rec_ack(struct hl_manager *m, const struct hl_mmsg *msg, uint64_t now)
{
	uint64_t job = msg->u.rec.job;
	struct hl_mjob *j = job_get(m, job);

	if (hl_idmap_find(&m->rp.map, job) == HL_IDMAP_NONE) {
		m->n_foreign++;
		return -ENOENT;
	}
	if (msg->code < 0) {
		if (j != NULL && j->token == msg->u.rec.token) {
			/* A newer leader fenced that store: we are deposed for this job. */
			m->n_stale++;
			j->phase == PH_FINAL ? m->n_stale_final++ : 0;
			(void)hl_lease_holder_drop(&m->lh, job);
			job_free(m, j);
		} else if (j == NULL) {
			/* A submission's first version refused: a greater token (or the job's end)
			 * owns the record; its lease expires and the re-issue sorts it out. */
			(void)hl_jrec_repl_forget(&m->rp, job);
		}
		return -HL_E_STALE_TOKEN;
	}
	if (hl_jrec_repl_ack(&m->rp, job, msg->u.rec.version, msg->from) == 1)
		on_commit(m, job, msg->u.rec.token, msg->u.rec.version, now);
	return 0;
}

static int
recv_dc(struct hl_manager *m, const struct hl_mmsg *msg, uint64_t now)
{
	const struct hl_dc_msg *d = &msg->u.d;
	int rc;

	if (d->kind == HL_DC_RESULT && hl_dc_job_find(&m->dm, d->job) == NULL &&
	        !hl_dc_mgr_finished(&m->dm, d->job) && issuing(m, now)) {
		/* An orphaned result reached the tier leader: forward it to the job's lease
		 * holder (D.1), or, when no lease covers the job after the grace and this
		 * member's store holds no live record of it, tell the worker the job is over. */
		const struct hl_lease_entry *le = hl_lease_find(&m->lt, d->job);
		const struct hl_jrec *r = hl_jrec_store_get(&m->st, d->job);
		struct hl_mmsg *o;
		if (le != NULL && le->holder != 0 && le->holder != m->self) {
			if ((o = out_new(m, HL_MM_DC, le->holder)) != NULL)
				o->u.d = *d;
		} else if (le == NULL && !hl_lease_in_grace(&m->lt, now) && !m->amnesic &&
		           (r == NULL || rec_done(r))) {
			m->n_gone++;
			hl_dc_mgr_ack_gone(&m->dm, d);
		}
		return 0;
	}
	if (d->kind == HL_DC_RESULT && msg->from == d->from &&
	        hl_dc_job_find(&m->dm, d->job) == NULL && !hl_dc_mgr_finished(&m->dm, d->job) &&
	        job_get(m, d->job) == NULL) {
		/* A result for a job this member led once and lost (its lease lapsed before its
		 * last dispatch reached a quorum of the records): the worker would resend it here
		 * forever. The tier leader knows who leads the job now, or that it is over. Only
		 * a worker's own message is forwarded (views of the leader may disagree: no
		 * ping-pong between two managers). */
		uint64_t lid = hl_elect_leader(&m->el, now);
		struct hl_mmsg *o;
		if (lid != 0 && lid != m->self) {
			m->n_forwarded++;
			if ((o = out_new(m, HL_MM_DC, lid)) != NULL)
				o->u.d = *d;
			return 0;
		}
	}
	rc = hl_dc_mgr_recv(&m->dm, d, now);
	if (d->kind == HL_DC_PROGRESS)
		rc == 0 ? m->n_progress_ok++ : m->n_progress_refused++;
	return rc;
}

int
hl_manager_recv(struct hl_manager *m, const struct hl_mmsg *msg, uint64_t now_ns)
{
	int rc = 0;

	if (msg->kind == 0 || msg->kind >= HL_MM_KIND_MAX_) {
		m->n_bad++;
		return -EINVAL;
	}
	if (msg->kind != HL_MM_DC && (member_idx(m, msg->from) < 0 || msg->from == m->self)) {
		m->n_bad++;
		return -EINVAL;
	}
	switch (msg->kind) {
	case HL_MM_ELECT:
		rc = hl_elect_recv(&m->el, &msg->u.e, now_ns);
		break;
	case HL_MM_GRANT:
		if (msg->u.g.holder != m->self || msg->u.g.job == 0) {
			rc = -EINVAL;
			break;
		}
		if (hl_lease_holder_count(&m->lh) > 0) {
			uint64_t held;
			if (hl_lease_holder_valid(&m->lh, msg->u.g.job, now_ns, &held) &&
			        msg->u.g.token < held) {
				m->n_stale++;
				rc = -HL_E_STALE_TOKEN;
				break;
			}
		}
		on_grant(m, &msg->u.g, msg->t0, msg->from, now_ns);
		break;
	case HL_MM_RENEW:
		if (msg->n == 0 || msg->n > HL_MANAGER_BATCH) {
			rc = -EINVAL;
			break;
		}
		for (uint32_t i = 0; i < msg->n; i++)
			on_renew(m, msg->from, &msg->u.refs[i], msg->t0, now_ns);
		break;
	case HL_MM_RELEASE:
		if (hl_elect_is_leader(&m->el, now_ns))
			rc = hl_lease_release(&m->lt, msg->u.refs[0].job, msg->u.refs[0].token);
		break;
	case HL_MM_REC_PUT:
		rc = recv_rec_put(m, msg);
		break;
	case HL_MM_REC_ACK:
		rc = recv_rec_ack(m, msg, now_ns);
		break;
	case HL_MM_REC_FETCH: {
		struct hl_mmsg *a;
		if (msg->u.rec.job == 0) {
			rc = -EINVAL;
			break;
		}
		if ((a = out_new(m, HL_MM_REC_DATA, msg->from)) != NULL)
			fetch_answer(m, msg->u.rec.job, msg->fence, a);
		break;
	}
	case HL_MM_REC_DATA: {
		struct hl_mjob *j = job_get(m, msg->u.rec.job);
		if (msg->u.rec.len > HL_JREC_BODY_MAX) {
			rc = -EMSGSIZE;
			break;
		}
		if (j == NULL || j->phase != PH_FETCH || msg->fence != j->token) {
			m->n_foreign++;
			rc = j == NULL ? -ENOENT : -HL_E_STALE_TOKEN;
			break;
		}
		fetch_note(m, j, msg->from, msg, now_ns);
		break;
	}
	case HL_MM_REC_FORGET:
		if (msg->status == 1) {
			tomb_add(m, msg->u.rec.job,
			        msg->code > 0 && msg->code <= HL_WS_MAX ? (uint8_t)msg->code : 0,
			        now_ns);
		} else {
			const struct hl_jrec *r = hl_jrec_store_get(&m->st, msg->u.rec.job);
			if (r != NULL && r->token <= msg->fence)
				rec_forget(m, msg->u.rec.job);
		}
		break;
	case HL_MM_ORPHAN:
		on_orphan(m, msg->from, msg->u.rec.job, msg->u.rec.leader, now_ns);
		break;
	case HL_MM_DC:
		rc = recv_dc(m, msg, now_ns);
		break;
	case HL_MM_GATE:
		if (msg->u.gate.type != HL_GM_DC_SUBMIT &&
		        msg->u.gate.type != HL_GM_DC_RESULT_ACK) {
			rc = -EINVAL;
			break;
		}
		gate_apply(m, msg->u.gate.type, msg->u.gate.kind, msg->u.gate.job, msg->u.gate.gate,
		        msg->u.gate.token, msg->u.gate.code, now_ns);
		break;
	}
	drain(m, now_ns);
	return rc;
}

/* DC_PROGRESS to the gate job leader of a running job, when its ppm changed. The gate keeps
 * the highest sequence per DC: a new job leader continues from a higher record version, so
 * (version << 20) + n orders its updates after its predecessor's. */
static void
progress_out(struct hl_manager *m, struct hl_mjob *j, uint64_t now)
{
	uint64_t base = j->version << 20, p99;
	struct hl_counts live;
	struct hl_gmsg *g;
	uint32_t ppm;

	if (j->rec.gate == 0 || now < j->progress_ns)
		return;
	ppm = hl_dc_job_ppm(&m->dm, j->job);
	(void)hl_dc_job_live(&m->dm, j->job, &live, &p99); /* not led by the DC core: zeros */
	if (ppm == j->ppm_sent && live.tx_pkts == j->tx_sent && live.rx_pkts == j->rx_sent)
		return;
	if (m->gout_len >= HL_MANAGER_GATE_OUTQ / 2) {
		m->n_progress_deferred++; /* results and acks first: progress is soft state */
		return;
	}
	if (j->pseq < base)
		j->pseq = base;
	if (j->pseq - base >= (1u << 20) - 1)
		return; /* 1 M updates in one version: wait for the next version */
	g = gate_out(m, HL_GM_DC_PROGRESS, j->rec.gate, j->job, j->rec.gate_token, 0);
	g->seq = ++j->pseq; /* not full: checked above */
	g->ppm = ppm;
	g->totals = live;
	g->p99_ns = p99;
	j->ppm_sent = ppm;
	j->tx_sent = live.tx_pkts;
	j->rx_sent = live.rx_pkts;
	j->progress_ns = now + m->cfg.progress_ns;
	m->n_gate_progress++;
}

static void
tick_work(struct hl_manager *m, uint64_t now)
{
	uint64_t dropped[64], rj[32], rto[32];
	struct hl_lease_ref refs[64];
	size_t n;

	hl_elect_tick(&m->el, now);
	drain_elect(m);
	leader_duty(m, now);
	/* Holder: stop acting at expiry. */
	n = hl_lease_holder_tick(&m->lh, now, dropped, 64);
	for (size_t i = 0; i < n; i++) {
		struct hl_mjob *j = job_get(m, dropped[i]);
		if (j != NULL)
			job_free(m, j);
		else
			(void)hl_dc_job_drop(&m->dm, dropped[i]);
	}
	/* Batch renewal towards the tier leader. */
	uint64_t lid = hl_elect_leader(&m->el, now);
	if (lid != 0) {
		n = hl_lease_holder_renewals(&m->lh, now, refs, 64);
		for (size_t i = 0; i < n; i += HL_MANAGER_BATCH) {
			size_t k = n - i < HL_MANAGER_BATCH ? n - i : HL_MANAGER_BATCH;
			struct hl_mmsg *o;
			if (lid == m->self) {
				for (size_t x = 0; x < k; x++)
					on_renew(m, m->self, &refs[i + x], now, now);
				continue;
			}
			if ((o = out_new(m, HL_MM_RENEW, lid)) == NULL)
				continue;
			o->n = (uint8_t)k;
			o->t0 = now;
			memcpy(o->u.refs, &refs[i], k * sizeof(refs[0]));
		}
	}
	n = hl_jrec_repl_resends(&m->rp, now, rj, rto, 32);
	for (size_t i = 0; i < n; i++) {
		const struct hl_jrec *r = hl_jrec_store_get(&m->st, rj[i]);
		struct hl_mmsg *o;
		if (r == NULL) {
			(void)hl_jrec_repl_forget(&m->rp, rj[i]); /* nothing left to replicate */
			continue;
		}
		if ((o = out_new(m, HL_MM_REC_PUT, rto[i])) == NULL)
			continue;
		o->u.rec.job = r->job;
		o->u.rec.token = r->token;
		o->u.rec.version = r->version;
		o->u.rec.len = r->len;
		memcpy(o->body, r->body, r->len);
	}
	for (uint32_t s = 0; s < m->jmap.max; s++) {
		struct hl_mjob *j = &m->jobs[s];
		if (j->job != 0 && j->phase == PH_RUN) {
			mjob_clock(m, j, now);
			progress_out(m, j, now);
		}
		if (j->job == 0 || (j->phase != PH_FETCH && j->phase != PH_REPORT) ||
		        now < j->resend_ns)
			continue;
		j->resend_ns = now + m->cfg.resend_ns;
		if (j->phase == PH_FETCH)
			fetch_send(m, j);
		else /* the final result, until the gate acks it */
			dc_result_out(m, j, j->rec.gate, j->job, j->rec.gate_token, j->status);
	}
	/* Every record this member stores keeps its job alive until the job ends: a record of
	 * a job nobody leads here is reported to the tier leader, which leases it if no lease
	 * covers it (or answers "finished"). A lost REC_FORGET so ends as a no-op job. */
	if (lid != m->orphan_lid) {
		m->orphan_lid = lid; /* a new tier leader hears of unled records at once */
		m->next_orphan_ns = now;
	}
	if (now >= m->next_orphan_ns && lid != 0) {
		m->next_orphan_ns = now + m->cfg.orphan_ns;
		for (uint32_t s = 0; s < m->st.map.max && hl_jrec_store_count(&m->st) > 0; s++) {
			const struct hl_jrec *r = &m->st.r[s];
			struct hl_mmsg *o;
			if (r->job == 0 || hl_idmap_find(&m->st.map, r->job) != s ||
			        job_get(m, r->job) != NULL)
				continue;
			if (lid == m->self) {
				on_orphan(m, m->self, r->job, rec_leader(r), now);
			} else if ((o = out_new(m, HL_MM_ORPHAN, lid)) != NULL) {
				o->u.rec.job = r->job;
				o->u.rec.leader = rec_leader(r);
			}
		}
	}
	tomb_expire(m, now, false);
	hl_dc_mgr_tick(&m->dm, now);
	drain(m, now);
}

int
hl_manager_tick(struct hl_manager *m, uint64_t now_ns)
{
	if (now_ns < m->next_tick_ns)
		return 0;
	amnesia_tick(m, now_ns);
	tick_work(m, now_ns);
	m->next_tick_ns = now_ns + m->cfg.tick_ns;
	return 0;
}

uint64_t
hl_manager_next_deadline(const struct hl_manager *m)
{
	return m->next_tick_ns;
}

int
hl_manager_next_tx(struct hl_manager *m, struct hl_mmsg *out)
{
	const struct hl_mmsg *o;

	if (m->out_len == 0)
		return 0;
	o = &m->outq[m->out_head];
	memcpy(out, o, hl_mmsg_size(o));
	m->out_head = (m->out_head + 1) % HL_MANAGER_OUTQ;
	m->out_len--;
	return 1;
}

int
hl_manager_next_event(struct hl_manager *m, struct hl_manager_event *ev)
{
	if (m->ev_len == 0)
		return 0;
	*ev = m->ev[m->ev_head];
	m->ev_head = (m->ev_head + 1) % HL_MANAGER_EVENTS;
	m->ev_len--;
	return 1;
}

int
hl_manager_persisted(struct hl_manager *m, uint32_t term, uint64_t now_ns)
{
	int rc = hl_elect_persisted(&m->el, term);

	if (rc == 0)
		m->persist_wait = false;
	drain(m, now_ns);
	return rc;
}

/* A member came (back) alive: it may have lost its store; give it the current version of
 * every record we lead, so the quorum copies survive the next failure. */
static void
resend_led(struct hl_manager *m, uint64_t id)
{
	for (uint32_t s = 0; s < m->jmap.max && hl_idmap_count(&m->jmap) > 0; s++) {
		const struct hl_mjob *j = &m->jobs[s];
		const struct hl_jrec *r;
		struct hl_mmsg *o;
		if (j->job == 0 || hl_idmap_find(&m->jmap, j->job) != s || j->phase == PH_FETCH ||
		        (r = hl_jrec_store_get(&m->st, j->job)) == NULL || r->token != j->token ||
		        (o = out_new(m, HL_MM_REC_PUT, id)) == NULL)
			continue;
		o->u.rec.job = j->job;
		o->u.rec.token = r->token;
		o->u.rec.version = r->version;
		o->u.rec.len = r->len;
		memcpy(o->body, r->body, r->len);
	}
}

void
hl_manager_set_amnesic(struct hl_manager *m, uint64_t now_ns)
{
	m->amnesic = true;
	m->seen_alive = 0;
	m->last_alive_ns = now_ns;
	HL_LOG(HL_LOG_WARN, "manager",
	        "manager %llu: durable records lost: out of fetch quorums until caught up",
	        (unsigned long long)m->self);
}

static void
amnesia_tick(struct hl_manager *m, uint64_t now)
{
	uint32_t all = (1u << m->cfg.elect.nmembers) - 1, self = 0;
	int i = member_idx(m, m->self);

	if (!m->amnesic)
		return;
	if (i >= 0)
		self = 1u << i;
	if ((m->seen_alive & ~m->dead & all & ~self) == (all & ~self) &&
	        now >= m->last_alive_ns + m->cfg.catchup_ns) {
		m->amnesic = false;
		HL_LOG(HL_LOG_INFO, "manager",
		        "manager %llu: caught up from its peers (%u records): answers fetches "
		        "again",
		        (unsigned long long)m->self, hl_jrec_store_count(&m->st));
	}
}

int
hl_manager_member_alive(struct hl_manager *m, uint64_t id, uint32_t roles, uint32_t cores,
        uint8_t health, uint64_t now_ns)
{
	int i = member_idx(m, id);
	int rc = 0;

	if (id == 0)
		return -EINVAL;
	if (i >= 0) {
		/* back from dead (or first seen): it may have lost its store; a repeated "alive"
		 * (an update of the same member) re-sends nothing */
		bool back = (m->dead & (1u << i)) || !(m->seen_alive & (1u << i));
		m->dead &= ~(1u << i);
		m->seen_alive |= 1u << i;
		if (back)
			m->last_alive_ns = now_ns;
		if (m->lt_term != 0)
			rc = hl_lease_member_set(&m->lt, id, true);
		if (id != m->self && back)
			resend_led(m, id);
	}
	if (roles & HL_MANAGER_ROLE_WORKER)
		rc = hl_dc_worker_update(&m->dm, id, cores, health, now_ns);
	drain(m, now_ns);
	return rc;
}

int
hl_manager_member_dead(struct hl_manager *m, uint64_t id, uint64_t now_ns)
{
	int i = member_idx(m, id);

	if (id == 0)
		return -EINVAL;
	if (i >= 0) {
		m->dead |= 1u << i;
		if (m->lt_term != 0)
			(void)hl_lease_member_remove(&m->lt, id);
	} else {
		(void)hl_dc_worker_dead(&m->dm, id, now_ns);
	}
	leader_duty(m, now_ns);
	drain(m, now_ns);
	return 0;
}

int
hl_manager_set_lhm(struct hl_manager *m, uint32_t lhm, uint64_t now_ns)
{
	int rc = hl_elect_set_lhm(&m->el, lhm, now_ns);

	drain(m, now_ns);
	return rc;
}

static int
submit_rec(struct hl_manager *m, const struct hl_dc_job_spec *spec, uint64_t gate,
        uint64_t gate_token, uint64_t now_ns)
{
	struct hl_manager_rec r = {.spec = *spec, .gate = gate, .gate_token = gate_token};
	struct hl_lease_grant g;
	uint8_t body[HL_JREC_BODY_MAX];
	int len, rc;

	if (spec->job == 0 || spec->nwf == 0 || spec->nwf > HL_DC_MAX_WF)
		return -EINVAL;
	if (!issuing(m, now_ns))
		return -HL_E_NOT_LEADER;
	if (hl_lease_find(&m->lt, spec->job) != NULL ||
	        hl_jrec_store_get(&m->st, spec->job) != NULL || tomb_has(m, spec->job) ||
	        job_get(m, spec->job) != NULL)
		return -HL_E_EXISTS;
	for (uint32_t i = 0; i < spec->nwf && i < HL_DC_MAX_WF; i++)
		if (spec->wf[i].deps >> i != 0 || spec->wf[i].cores == 0)
			return -EINVAL;
	/* E.1: the submission takes a job lease; the record names its first holder. */
	if ((rc = hl_lease_issue(&m->lt, spec->job, 0, now_ns, &g)) < 0)
		return rc;
	r.leader = g.holder;
	if ((len = hl_manager_rec_encode(&r, body, sizeof(body))) < 0 ||
	        (rc = rec_put(m, spec->job, g.token, 1, body, (uint32_t)len)) < 0) {
		rc = len < 0 ? len : rc;
		(void)hl_lease_release(&m->lt, spec->job, g.token);
		return rc;
	}
	for (uint32_t i = 0; i < m->cfg.elect.nmembers; i++) {
		uint64_t id = m->cfg.elect.members[i];
		struct hl_mmsg *o;
		if (id == m->self || (o = out_new(m, HL_MM_REC_PUT, id)) == NULL)
			continue;
		o->u.rec.job = spec->job;
		o->u.rec.token = g.token;
		o->u.rec.version = 1;
		o->u.rec.len = (uint32_t)len;
		memcpy(o->body, body, (size_t)len);
	}
	rc = hl_jrec_repl_begin(&m->rp, spec->job, g.token, 1, now_ns);
	if (rc < 0) {
		rec_forget(m, spec->job);
		(void)hl_lease_release(&m->lt, spec->job, g.token);
		return rc;
	}
	if (rc == 1)
		on_commit(m, spec->job, g.token, 1, now_ns);
	drain(m, now_ns);
	return 0;
}

int
hl_manager_submit(struct hl_manager *m, const struct hl_dc_job_spec *spec, uint64_t now_ns)
{
	return submit_rec(m, spec, 0, 0, now_ns);
}

/* Job leader: a gate's re-point (a new gate job leader) or its ack of the result. */
static void
gate_apply(struct hl_manager *m, uint8_t type, uint8_t kind, uint64_t job, uint64_t gate,
        uint64_t token, int32_t code, uint64_t now)
{
	struct hl_mjob *j = job_get(m, job);

	if (j == NULL || j->phase == PH_FETCH || !hl_lease_holder_valid(&m->lh, job, now, NULL))
		return; /* the gate resends */
	if (type == HL_GM_DC_SUBMIT) {
		if (token < j->rec.gate_token) {
			m->n_stale++; /* a deposed gate job leader */
			return;
		}
		if (gate != j->rec.gate || token != j->rec.gate_token) {
			HL_LOG(HL_LOG_INFO, "manager",
			        "job %llu: gate job leader %llu token %llx (was %llu token %llx)",
			        (unsigned long long)job, (unsigned long long)gate,
			        (unsigned long long)token, (unsigned long long)j->rec.gate,
			        (unsigned long long)j->rec.gate_token);
			j->rec.gate = gate;
			j->rec.gate_token = token;
			j->dirty = true;
		}
		gate_out(m, HL_GM_DC_ACCEPT, gate, job, token, 0);
		if (kind == HL_DC_SUBMIT_CANCEL)
			mjob_cancel(m, j, now);
		if (j->phase == PH_REPORT)
			dc_result_out(m, j, gate, job, token, j->status);
		return;
	}
	/* DC_RESULT_ACK from the gate job leader (token >= ours), or the gate tier leader's "job
	 * over" (code -HL_E_NOT_FOUND): the result arrived, the job ends here. */
	if (j->phase == PH_REPORT && (token >= j->rec.gate_token || code == -HL_E_NOT_FOUND))
		job_end(m, j, now);
}

int
hl_manager_gate_recv(struct hl_manager *m, const struct hl_gmsg *g,
        const struct hl_dc_job_spec *spec, uint64_t now_ns)
{
	const struct hl_lease_entry *le;
	struct hl_mmsg *o;
	uint8_t st;
	int rc = 0;

	if (g->job == 0 || (g->type != HL_GM_DC_SUBMIT && g->type != HL_GM_DC_RESULT_ACK) ||
	        (spec != NULL && spec->job != g->job)) {
		m->n_bad++;
		return -EINVAL;
	}
	if (!issuing(m, now_ns))
		return -HL_E_NOT_LEADER;
	if (g->type == HL_GM_DC_SUBMIT && tomb_has(m, g->job)) {
		/* Finished here: accept (idempotent) and answer with the final status and its
		 * counts if known. Not known (a tombstone learned from a member without the final
		 * version, or restored from the log): nothing is answered, so the gate counts the
		 * DC silent and ends the job TIMEOUT — an accept alone would keep it waiting, and
		 * a final without its counts would end it COMPLETED with zero totals (found on the
		 * cluster: fabric-loss, a gate job leader re-pointing after the DC had reported). */
		struct hl_counts tt;
		bool counted;
		if ((st = tomb_status(m, g->job, &tt, &counted)) == 0 || !counted) {
			m->n_tomb_unknown++;
			return 0;
		}
		gate_out(m, HL_GM_DC_ACCEPT, g->from, g->job, g->token, 0);
		struct hl_gmsg *res = gate_out(m, HL_GM_DC_RESULT, g->from, g->job, g->token, st);
		if (res != NULL)
			res->totals = tt;
		return 0;
	}
	le = hl_lease_find(&m->lt, g->job);
	if (le != NULL || hl_jrec_store_get(&m->st, g->job) != NULL) {
		/* Known job: the job leader applies the route and accepts (relayed). */
		if (le == NULL || le->holder == 0)
			return 0; /* between leaders: the gate resends */
		if (le->holder == m->self) {
			gate_apply(m, g->type, g->kind, g->job, g->from, g->token, g->code, now_ns);
		} else if ((o = out_new(m, HL_MM_GATE, le->holder)) != NULL) {
			o->u.gate.type = g->type;
			o->u.gate.kind = g->kind;
			o->u.gate.code = g->code;
			o->u.gate.job = g->job;
			o->u.gate.gate = g->from;
			o->u.gate.token = g->token;
		}
		drain(m, now_ns);
		return 0;
	}
	if (g->type == HL_GM_DC_RESULT_ACK)
		return 0; /* nothing of the job here any more */
	if (g->kind == HL_DC_SUBMIT_CANCEL) {
		/* Cancelled before it reached this DC: it never runs here. */
		gate_out(m, HL_GM_DC_ACCEPT, g->from, g->job, g->token, 0);
		gate_out(m, HL_GM_DC_RESULT, g->from, g->job, g->token, HL_WS_CANCELLED);
		return 0;
	}
	if (m->amnesic)
		return -EAGAIN; /* it may be a job we lost: not started again; the gate resends */
	if (spec == NULL)
		return -ENOENT;
	rc = submit_rec(m, spec, g->from, g->token, now_ns);
	return rc;
}

int
hl_manager_gate_next_tx(struct hl_manager *m, struct hl_gmsg *out)
{
	if (m->gout_len == 0)
		return 0;
	*out = m->gout[m->gout_head];
	m->gout_head = (m->gout_head + 1) % HL_MANAGER_GATE_OUTQ;
	m->gout_len--;
	return 1;
}

int
hl_manager_cancel(struct hl_manager *m, uint64_t job, uint64_t now_ns)
{
	int rc;

	struct hl_mjob *j = job_get(m, job);

	if (!hl_manager_leads(m, job, now_ns) || j == NULL)
		return -HL_E_NOT_LEADER;
	rc = j->phase == PH_RUN && hl_dc_job_find(&m->dm, job) == NULL ? -HL_E_NOT_FOUND : 0;
	mjob_cancel(m, j, now_ns);
	drain(m, now_ns);
	return rc;
}

void
hl_manager_stats_drained(struct hl_manager *m, uint32_t n)
{
	hl_dc_mgr_stats_drained(&m->dm, n);
}

bool
hl_manager_is_leader(const struct hl_manager *m, uint64_t now_ns)
{
	return hl_elect_is_leader(&m->el, now_ns);
}

uint64_t
hl_manager_leader(const struct hl_manager *m, uint64_t now_ns)
{
	return hl_elect_leader(&m->el, now_ns);
}

bool
hl_manager_leads(const struct hl_manager *m, uint64_t job, uint64_t now_ns)
{
	return hl_dc_job_find(&m->dm, job) != NULL &&
	       hl_lease_holder_valid(&m->lh, job, now_ns, NULL);
}

bool
hl_manager_holds(const struct hl_manager *m, uint64_t job)
{
	return hl_jrec_store_get(&m->st, job) != NULL ||
	       hl_idmap_find(&m->jmap, job) != HL_IDMAP_NONE || hl_lease_find(&m->lt, job) != NULL;
}

int
hl_manager_job_slices(const struct hl_manager *m, uint64_t job, struct hl_manager_rec *scratch,
        struct hl_manager_slice *out, uint32_t cap)
{
	const struct hl_manager_rec *r = NULL;
	uint32_t s = hl_idmap_find(&m->jmap, job);
	if (s != HL_IDMAP_NONE) {
		r = &m->jobs[s].rec;
	} else {
		const struct hl_jrec *jr = hl_jrec_store_get(&m->st, job);
		if (jr == NULL || hl_manager_rec_decode(scratch, jr->body, jr->len) < 0)
			return -HL_E_NOT_FOUND;
		r = scratch;
	}
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->spec.nwf && i < HL_DC_MAX_WF; i++) {
		const struct hl_dc_wf_record *w = &r->wf[i];
		if (w->state != HL_WF_COMPLETED && w->state != HL_WF_CANCELLED)
			continue;
		if (n < cap)
			out[n] = (struct hl_manager_slice){i, w->sub, w->worker, w->state};
		n++;
	}
	return (int)n;
}

void
hl_manager_census(const struct hl_manager *m, struct hl_manager_census *c)
{
	hl_dc_mgr_census(&m->dm, &c->dc);
	c->records = hl_jrec_store_count(&m->st);
	c->jobs = hl_idmap_count(&m->jmap);
	c->repl = hl_jrec_repl_count(&m->rp);
	c->leases = hl_lease_count(&m->lt);
	c->held = hl_lease_holder_count(&m->lh);
	c->held_msgs = m->n_held;
	c->tombs = m->tomb_len;
}

uint64_t
hl_manager_retained(const struct hl_manager *m, bool with_tombs)
{
	struct hl_manager_census c;

	hl_manager_census(m, &c);
	return (uint64_t)c.records + c.jobs + c.repl + c.leases + c.held + c.held_msgs + c.dc.jobs +
	       c.dc.progress_jobs + c.dc.progress_sources + c.dc.fences + c.dc.cores_reserved +
	       c.dc.inflight + (with_tombs ? (uint64_t)c.dc.tombs + c.tombs : 0);
}

int
hl_manager_restore(struct hl_manager *m, uint8_t op, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len, uint64_t now_ns)
{
	hl_jrec_journal_fn fn = m->st.journal;
	void *arg = m->st.journal_arg;
	uint32_t k;
	int rc = 0;

	if (job == 0)
		return -EINVAL;
	hl_jrec_store_set_journal(&m->st, NULL, NULL); /* replaying what the journal holds */
	switch (op) {
	case HL_JREC_J_PUT:
		rc = rec_put(m, job, token, version, body, len);
		if (rc == -EALREADY || rc == -HL_E_STALE_TOKEN)
			rc = 0; /* an older entry than the one restored: the later one wins */
		break;
	case HL_JREC_J_FORGET:
		rec_forget(m, job);
		break;
	case HL_JREC_J_TOMB:
		tomb_add(m, job, (uint8_t)version, now_ns);
		break;
	case HL_JREC_J_FENCE:
		if ((k = hl_idmap_find(&m->st.map, job)) != HL_IDMAP_NONE &&
		        m->rec_fence[k] < token)
			m->rec_fence[k] = token;
		break;
	default:
		rc = -EINVAL;
	}
	hl_jrec_store_set_journal(&m->st, fn, arg);
	return rc;
}

int
hl_manager_snapshot(struct hl_manager *m, hl_jrec_journal_fn emit, void *arg)
{
	int rc = hl_jrec_store_snapshot(&m->st, emit, arg);

	if (rc < 0)
		return rc;
	for (uint32_t s = 0; s < m->st.map.max && hl_jrec_store_count(&m->st) > 0; s++) {
		const struct hl_jrec *r = &m->st.r[s];
		if (r->job == 0 || hl_idmap_find(&m->st.map, r->job) != s)
			continue;
		if (m->rec_fence[s] != 0 &&
		        (rc = emit(arg, HL_JREC_J_FENCE, r->job, m->rec_fence[s], 0, NULL, 0)) < 0)
			return rc;
	}
	for (uint32_t i = 0; i < m->tomb_len; i++) {
		uint32_t t = (m->tomb_head + i) % m->cfg.max_tombs;
		if ((rc = emit(arg, HL_JREC_J_TOMB, m->tomb[t].job, 0, m->tomb[t].status, NULL,
		             0)) < 0)
			return rc;
	}
	return 0;
}
