/* dc.c — job-leader manager and worker state machines inside one datacenter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_mem.h"
#include "hl_dc.h"
#include "hl_err.h"
#include "hl_log.h"

#define SEC 1000000000ULL

void
hl_dc_mgr_cfg_default(struct hl_dc_mgr_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_jobs = 256;
	cfg->max_workers = 256;
	cfg->ack_timeout_ns = 1 * SEC;
	cfg->backoff_max_ns = 60 * SEC;
	cfg->max_sends = 5;
	cfg->wf_retries = 3;
	cfg->job_retries = 10;
	cfg->max_inflight = 3;
	cfg->transfer_retry_ns = 1 * SEC;
	cfg->tomb_ttl_ns = 300 * SEC;
	cfg->max_tombs = 4096;
	cfg->progress_buffer = 1000;
}

int
hl_dc_mgr_init(struct hl_dc_mgr *m, const struct hl_dc_mgr_cfg *cfg)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if (cfg->self == 0 || cfg->max_jobs == 0 || cfg->max_workers == 0 || cfg->max_sends == 0 ||
	        cfg->max_tombs == 0)
		return -EINVAL;
	m->cfg = *cfg;
	if ((rc = hl_idmap_init(&m->jobs_map, cfg->max_jobs)) < 0 ||
	        (rc = hl_idmap_init(&m->workers_map, cfg->max_workers)) < 0 ||
	        (rc = hl_idmap_init(&m->tomb_map, cfg->max_tombs)) < 0 ||
	        (rc = hl_progress_init(&m->progress, cfg->max_jobs,
	                 cfg->max_jobs * HL_DC_MAX_WF * 2, HL_DC_MAX_WF * 2)) < 0 ||
	        (rc = hl_fence_init(&m->fence, cfg->max_jobs)) < 0 ||
	        (rc = hl_bp_init(&m->bp, cfg->progress_buffer)) < 0)
		goto fail;
	m->jobs = calloc(cfg->max_jobs, sizeof(*m->jobs));
	m->workers = calloc(cfg->max_workers, sizeof(*m->workers));
	m->tomb = hl_calloc_touched(cfg->max_tombs, sizeof(*m->tomb));
	if (m->jobs == NULL || m->workers == NULL || m->tomb == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	hl_dc_mgr_fini(m);
	return rc;
}

void
hl_dc_mgr_fini(struct hl_dc_mgr *m)
{
	hl_idmap_fini(&m->jobs_map);
	hl_idmap_fini(&m->workers_map);
	hl_idmap_fini(&m->tomb_map);
	hl_progress_fini(&m->progress);
	hl_fence_fini(&m->fence);
	free(m->jobs);
	free(m->workers);
	free(m->tomb);
	m->jobs = NULL;
	m->workers = NULL;
	m->tomb = NULL;
}

static int
tx(struct hl_dc_msg *ring, uint32_t *head, uint32_t *len, uint64_t *nfull,
        const struct hl_dc_msg *msg)
{
	if (*len == HL_DC_OUTBOX) {
		/* Treated like a lost datagram: every sender here retries on a timer. Counted. */
		(*nfull)++;
		HL_LOG(HL_LOG_ERR, "dc", "outbox full: dropped kind=%u job=%016llx to=%llu",
		        msg->kind, (unsigned long long)msg->job, (unsigned long long)msg->to);
		return -ENOBUFS;
	}
	ring[(*head + (*len)++) % HL_DC_OUTBOX] = *msg;
	return 0;
}

static int
mtx(struct hl_dc_mgr *m, struct hl_dc_msg *msg)
{
	msg->from = m->cfg.self;
	return tx(m->out, &m->out_head, &m->out_len, &m->n_tx_full, msg);
}

/* Queue an event for the host. Informational events are dropped (counted) when the queue is
 * full; a JOB_DONE takes the place of the oldest informational event (the queue keeps its
 * order), and when the queue holds nothing but JOB_DONEs it is refused with -ENOBUFS: the
 * caller keeps the job and check_done retries from the next tick, so it is never lost. */
static int
mev(struct hl_dc_mgr *m, uint8_t kind, uint64_t job, uint32_t wf, uint64_t worker, uint8_t status,
        int32_t code)
{
	if (m->ev_len == HL_DC_EVENTS) {
		m->n_ev_full++;
		if (kind != HL_DC_EV_JOB_DONE)
			return -ENOBUFS;
		uint32_t k = 0;
		while (k < m->ev_len &&
		        m->ev[(m->ev_head + k) % HL_DC_EVENTS].kind == HL_DC_EV_JOB_DONE)
			k++;
		if (k == m->ev_len)
			return -ENOBUFS;
		for (; k + 1 < m->ev_len; k++)
			m->ev[(m->ev_head + k) % HL_DC_EVENTS] =
			        m->ev[(m->ev_head + k + 1) % HL_DC_EVENTS];
		m->ev_len--;
	}
	m->ev[(m->ev_head + m->ev_len++) % HL_DC_EVENTS] =
	        (struct hl_dc_event){kind, status, job, wf, worker, code, {0, 0, 0}};
	return 0;
}

static struct hl_dc_worker *
worker_get(struct hl_dc_mgr *m, uint64_t id)
{
	uint32_t s = hl_idmap_find(&m->workers_map, id);

	return s == HL_IDMAP_NONE ? NULL : &m->workers[s];
}

static struct hl_dc_job *
job_get(struct hl_dc_mgr *m, uint64_t job)
{
	uint32_t s = hl_idmap_find(&m->jobs_map, job);

	return s == HL_IDMAP_NONE ? NULL : &m->jobs[s];
}

const struct hl_dc_job *
hl_dc_job_find(const struct hl_dc_mgr *m, uint64_t job)
{
	uint32_t s = hl_idmap_find(&m->jobs_map, job);

	return s == HL_IDMAP_NONE ? NULL : &m->jobs[s];
}

int
hl_dc_worker_update(
        struct hl_dc_mgr *m, uint64_t id, uint32_t cores, uint8_t health, uint64_t now_ns)
{
	struct hl_dc_worker *w = worker_get(m, id);
	int64_t s;

	(void)now_ns;
	if (health > 3)
		return -EINVAL;
	if (w == NULL) {
		s = hl_idmap_insert(&m->workers_map, id);
		if (s < 0)
			return s == -ENOSPC ? -HL_E_FULL : (int)s;
		w = &m->workers[s];
		*w = (struct hl_dc_worker){.id = id};
	}
	w->cores_total = cores;
	w->health = health;
	return 0;
}

/* Healthiest bucket first (healthy, busy, degraded; overloaded never), then most free cores. */
static struct hl_dc_worker *
pick_worker(struct hl_dc_mgr *m, uint32_t cores, uint64_t exclude)
{
	struct hl_dc_worker *best = NULL;

	for (uint32_t s = 0; s < m->cfg.max_workers; s++) {
		struct hl_dc_worker *w = &m->workers[s];
		uint32_t free_c;

		if (w->id == 0 || w->id == exclude || w->health >= 3 ||
		        w->inflight >= m->cfg.max_inflight || w->cores_reserved > w->cores_total)
			continue;
		free_c = w->cores_total - w->cores_reserved;
		if (free_c < cores)
			continue;
		if (best == NULL || w->health < best->health ||
		        (w->health == best->health &&
		                (free_c > best->cores_total - best->cores_reserved ||
		                        (free_c == best->cores_total - best->cores_reserved &&
		                                w->id < best->id))))
			best = w;
	}
	return best;
}

static void
release_slot(struct hl_dc_mgr *m, struct hl_dc_wf *f)
{
	struct hl_dc_worker *w = f->worker ? worker_get(m, f->worker) : NULL;

	if (w != NULL && (f->state == HL_WF_DISPATCHED || f->state == HL_WF_RUNNING)) {
		w->cores_reserved -=
		        f->spec.cores <= w->cores_reserved ? f->spec.cores : w->cores_reserved;
		if (f->state == HL_WF_DISPATCHED && w->inflight > 0)
			w->inflight--;
	}
}

static uint32_t
new_sub(struct hl_dc_job *j)
{
	/* Slice ids differ across job leaders (high half from the token) and within one. */
	uint32_t hi = (uint32_t)(hl_mix64(j->token) & 0x7fff0000u);

	return hi | (++j->next_sub & 0xffffu);
}

static void
send_dispatch(struct hl_dc_mgr *m, struct hl_dc_job *j, uint32_t i)
{
	struct hl_dc_wf *f = &j->wf[i];
	struct hl_dc_msg d = {.kind = HL_DC_DISPATCH};

	d.to = f->worker;
	d.job = j->job;
	d.workflow = i;
	d.sub = f->sub;
	d.token = j->token;
	d.leader = m->cfg.self;
	d.cores = f->spec.cores;
	d.attempt = f->attempt;
	d.duration_ns = f->spec.duration_ns;
	mtx(m, &d);
}

/* The current placement failed (refused, never acked, worker died, traffic failed): place the
 * workflow again within the per-workflow and per-job budgets, else fail it. */
static void
retry_or_fail(struct hl_dc_mgr *m, struct hl_dc_job *j, uint32_t i, uint64_t now_ns, int32_t code)
{
	struct hl_dc_wf *f = &j->wf[i];
	uint64_t old = f->worker;

	release_slot(m, f);
	f->excluded = old;
	f->worker = 0;
	f->result_in = false;
	if (j->cancelling) {
		f->state = HL_WF_CANCELLED;
		return;
	}
	HL_LOG(HL_LOG_INFO, "dc",
	        "placement failed job=%016llx wf=%u worker=%llu err=%s retries=%u/%u",
	        (unsigned long long)j->job, f->spec.id, (unsigned long long)old, hl_errname(code),
	        f->retries, j->retries);
	if (f->retries < m->cfg.wf_retries && j->retries < m->cfg.job_retries) {
		f->retries++;
		j->retries++;
		f->state = HL_WF_PENDING;
		f->next_ns = now_ns;
		mev(m, HL_DC_EV_REASSIGNED, j->job, f->spec.id, old, 0, code);
		return;
	}
	HL_LOG(HL_LOG_WARN, "dc", "workflow failed job=%016llx wf=%u: retry budget spent",
	        (unsigned long long)j->job, f->spec.id);
	f->state = HL_WF_FAILED;
	mev(m, HL_DC_EV_WF_FAILED, j->job, f->spec.id, old, HL_WS_FAILED, code);
}

static void
try_place(struct hl_dc_mgr *m, struct hl_dc_job *j, uint32_t i, uint64_t now_ns)
{
	struct hl_dc_wf *f = &j->wf[i];
	struct hl_dc_worker *w;

	for (uint32_t d = 0; d < j->nwf; d++) {
		if (!(f->spec.deps & (1u << d)))
			continue;
		if (j->wf[d].state == HL_WF_FAILED || j->wf[d].state == HL_WF_CANCELLED) {
			/* A failed dependency cancels its dependents. */
			f->state = HL_WF_CANCELLED;
			return;
		}
		if (j->wf[d].state != HL_WF_COMPLETED)
			return;
	}
	if (j->cancelling) {
		f->state = HL_WF_CANCELLED;
		return;
	}
	if (now_ns < f->next_ns)
		return;
	w = pick_worker(m, f->spec.cores, f->excluded);
	if (w == NULL)
		w = pick_worker(m, f->spec.cores, 0); /* the excluded one beats none at all */
	if (w == NULL) {
		/* "No worker available": reported, retried on the next second, never dropped. */
		mev(m, HL_DC_EV_NO_WORKER, j->job, f->spec.id, 0, 0, -ENOENT);
		f->next_ns = now_ns + m->cfg.ack_timeout_ns;
		return;
	}
	w->cores_reserved += f->spec.cores;
	w->inflight++;
	f->worker = w->id;
	f->sub = new_sub(j);
	f->attempt = 1;
	f->backoff_ns = m->cfg.ack_timeout_ns;
	f->next_ns = now_ns + f->backoff_ns;
	f->state = HL_WF_DISPATCHED;
	send_dispatch(m, j, i);
}

static void
tomb_expire(struct hl_dc_mgr *m, uint64_t now_ns, bool make_room)
{
	while (m->tomb_len > 0) {
		uint32_t h = m->tomb_head;

		if (!(make_room && m->tomb_len == m->cfg.max_tombs) &&
		        now_ns < m->tomb[h].expires_ns)
			break;
		if (make_room && m->tomb_len == m->cfg.max_tombs && now_ns < m->tomb[h].expires_ns)
			m->n_tomb_evicted++;
		hl_idmap_remove(&m->tomb_map, m->tomb[h].job);
		m->tomb[h].job = 0;
		m->tomb_head = (h + 1) % m->cfg.max_tombs;
		m->tomb_len--;
	}
}

static void
tomb_add(struct hl_dc_mgr *m, uint64_t job, uint64_t token, uint64_t now_ns)
{
	uint32_t t;

	tomb_expire(m, now_ns, true);
	if (hl_idmap_insert(&m->tomb_map, job) < 0)
		return; /* already tombstoned (cannot happen: one JOB_DONE per job) */
	t = (m->tomb_head + m->tomb_len++) % m->cfg.max_tombs;
	m->tomb[t].job = job;
	m->tomb[t].token = token;
	m->tomb[t].expires_ns = now_ns + m->cfg.tomb_ttl_ns;
}

static const uint64_t *
tomb_token(const struct hl_dc_mgr *m, uint64_t job)
{
	if (hl_idmap_find(&m->tomb_map, job) == HL_IDMAP_NONE)
		return NULL;
	for (uint32_t k = 0; k < m->tomb_len; k++) {
		uint32_t t = (m->tomb_head + k) % m->cfg.max_tombs;
		if (m->tomb[t].job == job)
			return &m->tomb[t].token;
	}
	return NULL;
}

/* Every per-job structure of the manager goes here, on every path (B.1). */
static void
free_job(struct hl_dc_mgr *m, struct hl_dc_job *j)
{
	for (uint32_t i = 0; i < j->nwf; i++)
		release_slot(m, &j->wf[i]);
	hl_progress_close(&m->progress, j->job);
	hl_fence_forget(&m->fence, j->job);
	uint64_t id = j->job;
	memset(j, 0, sizeof(*j));
	hl_idmap_remove(&m->jobs_map, id);
}

static void
check_done(struct hl_dc_mgr *m, struct hl_dc_job *j, uint64_t now_ns)
{
	bool failed = false, cancelled = false;

	for (uint32_t i = 0; i < j->nwf; i++) {
		uint8_t s = j->wf[i].state;

		if (s != HL_WF_COMPLETED && s != HL_WF_FAILED && s != HL_WF_CANCELLED)
			return;
		failed |= s == HL_WF_FAILED;
		cancelled |= s == HL_WF_CANCELLED;
	}
	/* A partially failed job is never COMPLETED (D.6). */
	j->status = failed          ? HL_WS_FAILED
	            : j->cancelling ? j->cancel_status
	            : cancelled     ? HL_WS_CANCELLED
	                            : HL_WS_COMPLETED;
	if (!j->done_reported) {
		if (mev(m, HL_DC_EV_JOB_DONE, j->job, 0, 0, j->status, 0) < 0)
			return; /* event queue full of JOB_DONEs: the next tick retries */
		struct hl_dc_event *e = &m->ev[(m->ev_head + m->ev_len - 1) % HL_DC_EVENTS];
		e->totals = hl_dc_job_totals(j);
		e->nwf = j->nwf;
		for (uint32_t i = 0; i < j->nwf && i < HL_DC_MAX_WF; i++)
			e->wf[i] = (struct hl_dc_wf_record){
			        j->wf[i].state, j->wf[i].worker, j->wf[i].sub, j->wf[i].counts};
		j->done_reported = true;
	}
	tomb_add(m, j->job, j->token, now_ns);
	free_job(m, j);
}

static int
spec_ok(const struct hl_dc_job_spec *spec)
{
	if (spec->job == 0 || spec->nwf == 0 || spec->nwf > HL_DC_MAX_WF)
		return 0;
	for (uint32_t i = 0; i < spec->nwf && i < HL_DC_MAX_WF; i++) {
		/* Dependencies only on earlier workflows: the DAG is given in a topological order,
		 * which also rules out cycles. */
		if (spec->wf[i].cores == 0 || (spec->wf[i].deps >> i) != 0)
			return 0;
	}
	return 1;
}

static struct hl_dc_job *
job_new(struct hl_dc_mgr *m, const struct hl_dc_job_spec *spec, uint64_t token, bool strict,
        int *rc)
{
	struct hl_dc_job *j;
	uint64_t total = 0;
	int64_t s;

	if (!spec_ok(spec)) {
		*rc = -EINVAL;
		return NULL;
	}
	if (job_get(m, spec->job) != NULL) {
		*rc = -HL_E_EXISTS;
		return NULL;
	}
	*rc = strict ? hl_fence_check_strict(&m->fence, spec->job, token)
	             : hl_fence_check(&m->fence, spec->job, token);
	if (*rc < 0)
		return NULL;
	s = hl_idmap_insert(&m->jobs_map, spec->job);
	if (s < 0) {
		hl_fence_forget(&m->fence, spec->job);
		*rc = s == -ENOSPC ? -HL_E_FULL : (int)s;
		return NULL;
	}
	for (uint32_t i = 0; i < spec->nwf; i++)
		total += spec->wf[i].work;
	*rc = hl_progress_open(&m->progress, spec->job, total);
	if (*rc < 0) {
		hl_fence_forget(&m->fence, spec->job);
		hl_idmap_remove(&m->jobs_map, spec->job);
		return NULL;
	}
	j = &m->jobs[s];
	memset(j, 0, sizeof(*j));
	j->job = spec->job;
	j->token = token;
	j->status = HL_WS_RUNNING;
	j->nwf = spec->nwf;
	for (uint32_t i = 0; i < spec->nwf; i++)
		j->wf[i].spec = spec->wf[i];
	return j;
}

int
hl_dc_job_start(
        struct hl_dc_mgr *m, const struct hl_dc_job_spec *spec, uint64_t token, uint64_t now_ns)
{
	int rc;
	struct hl_dc_job *j = job_new(m, spec, token, false, &rc);

	if (j == NULL)
		return rc;
	for (uint32_t i = 0; i < j->nwf; i++)
		try_place(m, j, i, now_ns);
	return 0;
}

static void
send_transfer(struct hl_dc_mgr *m, struct hl_dc_job *j, uint32_t i)
{
	struct hl_dc_msg t = {.kind = HL_DC_TRANSFER};

	t.to = j->wf[i].worker;
	t.job = j->job;
	t.workflow = i;
	t.sub = j->wf[i].sub;
	t.token = j->token;
	t.leader = m->cfg.self;
	mtx(m, &t);
}

int
hl_dc_job_takeover(struct hl_dc_mgr *m, const struct hl_dc_job_spec *spec,
        const struct hl_dc_wf_record *rec, uint64_t token, uint64_t now_ns)
{
	int rc;
	struct hl_dc_job *j = job_new(m, spec, token, true, &rc);

	if (j == NULL)
		return rc;
	for (uint32_t i = 0; i < j->nwf; i++) {
		struct hl_dc_wf *f = &j->wf[i];
		struct hl_dc_worker *w = worker_get(m, rec[i].worker);

		f->state = rec[i].state;
		f->worker = rec[i].worker;
		f->sub = rec[i].sub;
		if (f->state == HL_WF_COMPLETED)
			f->counts = rec[i].counts;
		if (f->state == HL_WF_DISPATCHED || f->state == HL_WF_RUNNING) {
			if (w == NULL) {
				/* Its worker is gone too: place it again. */
				f->state = HL_WF_PENDING;
				f->worker = 0;
				continue;
			}
			f->state = HL_WF_RUNNING;
			w->cores_reserved += f->spec.cores;
			j->transfer_pending |= 1u << i;
			send_transfer(m, j, i);
		}
	}
	j->transfer_next_ns = now_ns + m->cfg.transfer_retry_ns;
	for (uint32_t i = 0; i < j->nwf; i++)
		if (j->wf[i].state == HL_WF_PENDING)
			try_place(m, j, i, now_ns);
	check_done(m, j, now_ns);
	return 0;
}

/* CANCEL of a running slice: resent every ack timeout until the worker answers. */
static void
send_cancel(struct hl_dc_mgr *m, struct hl_dc_job *j, uint32_t i, uint64_t now_ns)
{
	struct hl_dc_wf *f = &j->wf[i];
	struct hl_dc_msg c = {.kind = HL_DC_CANCEL};

	c.to = f->worker;
	c.job = j->job;
	c.workflow = i;
	c.sub = f->sub;
	c.token = j->token;
	mtx(m, &c);
	f->next_ns = now_ns + m->cfg.ack_timeout_ns;
}

int
hl_dc_job_cancel(struct hl_dc_mgr *m, uint64_t job, uint8_t status, uint64_t now_ns)
{
	struct hl_dc_job *j = job_get(m, job);

	if (status != HL_WS_CANCELLED && status != HL_WS_TIMEOUT)
		return -EINVAL;
	if (j == NULL)
		return -HL_E_NOT_FOUND;
	if (!j->cancelling)
		j->cancel_status = status;
	j->cancelling = true;
	for (uint32_t i = 0; i < j->nwf; i++) {
		struct hl_dc_wf *f = &j->wf[i];

		if (f->state == HL_WF_PENDING) {
			f->state = HL_WF_CANCELLED;
		} else if (f->state == HL_WF_DISPATCHED || f->state == HL_WF_RUNNING) {
			send_cancel(m, j, i, now_ns);
		}
	}
	check_done(m, j, now_ns);
	return 0;
}

int
hl_dc_job_drop(struct hl_dc_mgr *m, uint64_t job)
{
	struct hl_dc_job *j = job_get(m, job);

	if (j == NULL)
		return -HL_E_NOT_FOUND;
	free_job(m, j);
	return 0;
}

int
hl_dc_worker_dead(struct hl_dc_mgr *m, uint64_t id, uint64_t now_ns)
{
	uint32_t ws = hl_idmap_find(&m->workers_map, id);

	if (ws == HL_IDMAP_NONE)
		return -ENOENT;
	for (uint32_t s = 0; s < m->cfg.max_jobs; s++) {
		struct hl_dc_job *j = &m->jobs[s];

		if (j->job == 0)
			continue;
		for (uint32_t i = 0; i < j->nwf; i++) {
			struct hl_dc_wf *f = &j->wf[i];

			if (f->worker != id)
				continue;
			if (f->state == HL_WF_DISPATCHED || f->state == HL_WF_RUNNING) {
				j->transfer_pending &= ~(1u << i);
				if (j->cancelling) {
					release_slot(m, f);
					f->state = HL_WF_CANCELLED;
				} else {
					retry_or_fail(m, j, i, now_ns, -EHOSTDOWN);
				}
			}
			if (f->excluded == id)
				f->excluded = 0;
		}
	}
	/* Purge the peer completely (B.2): nothing keyed by it survives. */
	memset(&m->workers[ws], 0, sizeof(m->workers[ws]));
	hl_idmap_remove(&m->workers_map, id);
	for (uint32_t s = 0; s < m->cfg.max_jobs; s++) {
		struct hl_dc_job *j = &m->jobs[s];

		if (j->job == 0)
			continue;
		for (uint32_t i = 0; i < j->nwf; i++)
			if (j->wf[i].state == HL_WF_PENDING)
				try_place(m, j, i, now_ns);
		check_done(m, j, now_ns);
	}
	return 0;
}

static int
find_sub(const struct hl_dc_job *j, uint32_t sub)
{
	for (uint32_t i = 0; i < j->nwf; i++)
		if (j->wf[i].sub == sub && j->wf[i].worker != 0)
			return (int)i;
	return -1;
}

static void
ack(struct hl_dc_mgr *m, const struct hl_dc_msg *in, uint8_t kind, uint64_t token, bool ok,
        int32_t code)
{
	struct hl_dc_msg a = {.kind = kind};

	a.to = in->from;
	a.job = in->job;
	a.workflow = in->workflow;
	a.sub = in->sub;
	a.token = token;
	a.leader = m->cfg.self;
	a.ok = ok;
	a.code = code;
	a.bp = (uint8_t)m->bp.level;
	mtx(m, &a);
}

static int
on_result(struct hl_dc_mgr *m, const struct hl_dc_msg *r, uint64_t now_ns)
{
	struct hl_dc_job *j = job_get(m, r->job);
	const uint64_t *tt;
	int i;

	if (j == NULL) {
		tt = tomb_token(m, r->job);
		if (tt != NULL) {
			/* Finished here already: a repeat whose first ack was lost. */
			m->n_dup_results++;
			ack(m, r, HL_DC_RESULT_ACK, *tt, true, 0);
			return 0;
		}
		/* Not the leader (any more): the worker keeps the result for the real one. */
		m->n_unknown_job++;
		HL_LOG(HL_LOG_INFO, "dc", "result for a job not led here job=%016llx from=%llu",
		        (unsigned long long)r->job, (unsigned long long)r->from);
		ack(m, r, HL_DC_RESULT_ACK, 0, false, -HL_E_NOT_LEADER);
		return -HL_E_NOT_FOUND;
	}
	i = find_sub(j, r->sub);
	if (i < 0) {
		/* A slice this job replaced (reassigned): its result is not counted. */
		m->n_dup_results++;
		ack(m, r, HL_DC_RESULT_ACK, j->token, true, -ESTALE);
		return 0;
	}
	struct hl_dc_wf *f = &j->wf[i];
	if (f->result_in || f->state == HL_WF_COMPLETED || f->state == HL_WF_FAILED ||
	        f->state == HL_WF_CANCELLED) {
		m->n_dup_results++;
		ack(m, r, HL_DC_RESULT_ACK, j->token, true, 0);
		return 0;
	}
	ack(m, r, HL_DC_RESULT_ACK, j->token, true, 0);
	j->transfer_pending &= ~(1u << i);
	if (r->status == HL_WS_COMPLETED || r->status == HL_WS_CANCELLED) {
		/* a cancelled slice reports what it sent before it stopped */
		release_slot(m, f);
		f->result_in = true;
		f->state = r->status == HL_WS_COMPLETED ? HL_WF_COMPLETED : HL_WF_CANCELLED;
		f->counts = r->counts;
	} else {
		retry_or_fail(m, j, (uint32_t)i, now_ns, -EIO);
	}
	for (uint32_t k = 0; k < j->nwf; k++)
		if (j->wf[k].state == HL_WF_PENDING)
			try_place(m, j, k, now_ns);
	check_done(m, j, now_ns);
	return 0;
}

uint32_t
hl_dc_job_ppm(const struct hl_dc_mgr *m, uint64_t job)
{
	const struct hl_dc_job *j = hl_dc_job_find(m, job);
	uint64_t total = 0, done = 0;

	if (j == NULL)
		return 0;
	for (uint32_t i = 0; i < j->nwf; i++) {
		const struct hl_dc_wf *f = &j->wf[i];
		uint64_t w = f->spec.work;
		total += w;
		if (f->state == HL_WF_COMPLETED || f->state == HL_WF_FAILED ||
		        f->state == HL_WF_CANCELLED) {
			done += w;
		} else if (f->state == HL_WF_RUNNING || f->state == HL_WF_DISPATCHED) {
			uint64_t d = hl_progress_done(&m->progress, job, f->sub);
			done += d < w ? d : w;
		}
	}
	if (total == 0)
		return 0;
	return done >= total ? 1000000u : (uint32_t)(done * 1000000.0 / (double)total);
}

struct hl_counts
hl_dc_job_totals(const struct hl_dc_job *j)
{
	struct hl_counts t = {0, 0, 0};

	if (j == NULL)
		return t;
	for (uint32_t i = 0; i < j->nwf; i++) /* a cancelled slice's counts: what it sent */
		if (j->wf[i].state == HL_WF_COMPLETED || j->wf[i].state == HL_WF_CANCELLED)
			hl_counts_add(&t, &j->wf[i].counts);
	return t;
}

int
hl_dc_job_live(const struct hl_dc_mgr *m, uint64_t job, struct hl_counts *counts, uint64_t *p99_ns)
{
	const struct hl_dc_job *j = hl_dc_job_find(m, job);

	*counts = hl_dc_job_totals(j);
	*p99_ns = 0;
	if (j == NULL)
		return -HL_E_NOT_FOUND;
	for (uint32_t i = 0; i < j->nwf; i++) {
		const struct hl_dc_wf *f = &j->wf[i];
		struct hl_counts c;
		uint64_t p99;
		/* only the current slice of a workflow counts: a replaced one's packets do not,
		 * as in the final totals */
		if ((f->state != HL_WF_RUNNING && f->state != HL_WF_DISPATCHED) ||
		        hl_progress_live(&m->progress, job, f->sub, &c, &p99) < 0)
			continue;
		hl_counts_add(counts, &c);
		if (p99 > *p99_ns)
			*p99_ns = p99;
	}
	return 0;
}

bool
hl_dc_mgr_finished(const struct hl_dc_mgr *m, uint64_t job)
{
	return tomb_token(m, job) != NULL;
}

void
hl_dc_mgr_ack_gone(struct hl_dc_mgr *m, const struct hl_dc_msg *r)
{
	HL_LOG(HL_LOG_INFO, "dc",
	        "result for a finished job job=%016llx from=%llu: told to drop it",
	        (unsigned long long)r->job, (unsigned long long)r->from);
	/* Echo the worker's own token: "over" comes from the tier leader, not a job leader. */
	ack(m, r, HL_DC_RESULT_ACK, r->token, true, -HL_E_NOT_FOUND);
}

int
hl_dc_mgr_recv(struct hl_dc_mgr *m, const struct hl_dc_msg *msg, uint64_t now_ns)
{
	struct hl_dc_job *j;
	int i, rc;

	if (msg->kind == HL_DC_RESULT)
		return on_result(m, msg, now_ns);
	j = job_get(m, msg->job);
	if (j == NULL) {
		m->n_unknown_job++;
		if (msg->kind == HL_DC_PROGRESS)
			ack(m, msg, HL_DC_PROGRESS_ACK, 0, false, -HL_E_NOT_LEADER);
		return -HL_E_NOT_FOUND;
	}
	i = find_sub(j, msg->sub);
	switch (msg->kind) {
	case HL_DC_DISPATCH_ACK:
		if (i < 0 || msg->token != j->token || j->wf[i].state != HL_WF_DISPATCHED)
			return 0; /* late ack of a resend: already handled */
		if (msg->ok) {
			struct hl_dc_worker *w = worker_get(m, j->wf[i].worker);
			if (w != NULL && w->inflight > 0)
				w->inflight--;
			j->wf[i].state = HL_WF_RUNNING;
			return 0;
		}
		if (msg->code == -HL_E_FULL) {
			/* The worker is busy with other job leaders' slices (each manager only
			 * sees its own reservations): not a failure, so no retry budget is spent;
			 * try elsewhere after a pause. */
			struct hl_dc_wf *f = &j->wf[i];
			release_slot(m, f);
			f->excluded = f->worker;
			f->worker = 0;
			f->state = HL_WF_PENDING;
			f->next_ns = now_ns + m->cfg.ack_timeout_ns;
			m->n_busy++;
			try_place(m, j, (uint32_t)i, now_ns);
			return 0;
		}
		retry_or_fail(m, j, (uint32_t)i, now_ns, msg->code);
		try_place(m, j, (uint32_t)i, now_ns);
		check_done(m, j, now_ns);
		return 0;
	case HL_DC_PROGRESS:
		if (msg->token < j->token) {
			/* Stale (E.9): refused; the ack tells the worker the current leader. */
			m->n_stale++;
			HL_LOG(HL_LOG_WARN, "dc",
			        "stale progress refused job=%016llx from=%llu token=%016llx "
			        "current=%016llx",
			        (unsigned long long)j->job, (unsigned long long)msg->from,
			        (unsigned long long)msg->token, (unsigned long long)j->token);
			ack(m, msg, HL_DC_PROGRESS_ACK, j->token, false, -HL_E_STALE_TOKEN);
			return -HL_E_STALE_TOKEN;
		}
		rc = hl_progress_accept_live(&m->progress, j->job, msg->sub, msg->token, msg->seq,
		        msg->done, &msg->counts, msg->p99_ns);
		if (rc == 0 && hl_bp_admit(&m->bp, 1) < 0)
			rc = -HL_E_FULL;
		ack(m, msg, HL_DC_PROGRESS_ACK, j->token, rc == 0, rc);
		return rc == -EALREADY ? 0 : rc;
	case HL_DC_TRANSFER_ACK:
		if (i < 0 || msg->token != j->token)
			return 0;
		if (!(j->transfer_pending & (1u << i)))
			return 0;
		j->transfer_pending &= ~(1u << i);
		if (!msg->ok || msg->status == HL_WS_NONE) {
			/* The worker never had it (or refused): place it again. */
			retry_or_fail(m, j, (uint32_t)i, now_ns, msg->code ? msg->code : -ENOENT);
			try_place(m, j, (uint32_t)i, now_ns);
			check_done(m, j, now_ns);
		}
		/* A finished slice resends its held result to us: handled in on_result. */
		return 0;
	case HL_DC_CANCEL_DONE:
		if (i < 0)
			return 0;
		if (msg->status == HL_WS_RUNNING) {
			/* stopping: its result (CANCELLED, with the counts of what ran) follows */
			j->wf[i].cancel_acked = true;
			return 0;
		}
		if (j->wf[i].state == HL_WF_CANCELLED || j->wf[i].state == HL_WF_COMPLETED ||
		        j->wf[i].state == HL_WF_FAILED)
			return 0; /* its result came first */
		release_slot(m, &j->wf[i]);
		j->wf[i].state = HL_WF_CANCELLED;
		check_done(m, j, now_ns);
		return 0;
	default:
		return -EINVAL;
	}
}

int
hl_dc_mgr_tick(struct hl_dc_mgr *m, uint64_t now_ns)
{
	tomb_expire(m, now_ns, false);
	for (uint32_t s = 0; s < m->cfg.max_jobs; s++) {
		struct hl_dc_job *j = &m->jobs[s];

		if (j->job == 0)
			continue;
		for (uint32_t i = 0; i < j->nwf; i++) {
			struct hl_dc_wf *f = &j->wf[i];

			if (j->cancelling && !f->cancel_acked && now_ns >= f->next_ns &&
			        (f->state == HL_WF_DISPATCHED || f->state == HL_WF_RUNNING)) {
				send_cancel(m, j, i, now_ns);
				continue;
			}
			if (f->state == HL_WF_DISPATCHED && now_ns >= f->next_ns) {
				if (f->attempt < m->cfg.max_sends && !j->cancelling) {
					/* Same slice, same token: the worker dedups by sub id. */
					f->attempt++;
					f->backoff_ns = f->backoff_ns * 2 > m->cfg.backoff_max_ns
					                        ? m->cfg.backoff_max_ns
					                        : f->backoff_ns * 2;
					f->next_ns = now_ns + f->backoff_ns;
					send_dispatch(m, j, i);
				} else {
					retry_or_fail(m, j, i, now_ns, -ETIMEDOUT);
				}
			}
			if (f->state == HL_WF_PENDING)
				try_place(m, j, i, now_ns);
		}
		if (j->transfer_pending && now_ns >= j->transfer_next_ns) {
			for (uint32_t i = 0; i < j->nwf; i++)
				if (j->transfer_pending & (1u << i))
					send_transfer(m, j, i);
			j->transfer_next_ns = now_ns + m->cfg.transfer_retry_ns;
		}
		check_done(m, j, now_ns);
	}
	return 0;
}

uint64_t
hl_dc_mgr_next_deadline(const struct hl_dc_mgr *m)
{
	uint64_t d = UINT64_MAX;

	for (uint32_t s = 0; s < m->cfg.max_jobs; s++) {
		const struct hl_dc_job *j = &m->jobs[s];

		if (j->job == 0)
			continue;
		for (uint32_t i = 0; i < j->nwf; i++) {
			const struct hl_dc_wf *f = &j->wf[i];
			if ((f->state == HL_WF_DISPATCHED || f->state == HL_WF_PENDING) &&
			        f->next_ns < d)
				d = f->next_ns;
		}
		if (j->transfer_pending && j->transfer_next_ns < d)
			d = j->transfer_next_ns;
	}
	if (m->tomb_len > 0 && m->tomb[m->tomb_head].expires_ns < d)
		d = m->tomb[m->tomb_head].expires_ns;
	return d;
}

int
hl_dc_mgr_next_tx(struct hl_dc_mgr *m, struct hl_dc_msg *msg)
{
	if (m->out_len == 0)
		return 0;
	*msg = m->out[m->out_head];
	m->out_head = (m->out_head + 1) % HL_DC_OUTBOX;
	m->out_len--;
	return 1;
}

int
hl_dc_mgr_next_event(struct hl_dc_mgr *m, struct hl_dc_event *ev)
{
	if (m->ev_len == 0)
		return 0;
	*ev = m->ev[m->ev_head];
	m->ev_head = (m->ev_head + 1) % HL_DC_EVENTS;
	m->ev_len--;
	return 1;
}

void
hl_dc_mgr_stats_drained(struct hl_dc_mgr *m, uint32_t n)
{
	hl_bp_release(&m->bp, n);
}

void
hl_dc_mgr_census(const struct hl_dc_mgr *m, struct hl_dc_mgr_census *c)
{
	memset(c, 0, sizeof(*c));
	c->jobs = hl_idmap_count(&m->jobs_map);
	c->progress_jobs = hl_progress_jobs(&m->progress);
	c->progress_sources = hl_progress_sources(&m->progress);
	c->fences = hl_fence_count(&m->fence);
	c->workers = hl_idmap_count(&m->workers_map);
	c->bp_used = m->bp.used;
	c->tombs = m->tomb_len;
	for (uint32_t s = 0; s < m->cfg.max_workers; s++) {
		c->cores_reserved += m->workers[s].cores_reserved;
		c->inflight += m->workers[s].inflight;
	}
}

/* -------------------------------------------------------------------------------- worker */

int
hl_dc_wnode_init(struct hl_dc_wnode *w, const struct hl_dc_worker_cfg *cfg)
{
	int rc;

	memset(w, 0, sizeof(*w));
	if (cfg->self == 0 || cfg->max_jobs == 0 || cfg->result_retry_ns == 0)
		return -EINVAL;
	w->cfg = *cfg;
	if ((rc = hl_fence_init(&w->fence, cfg->max_jobs)) < 0)
		return rc;
	if ((rc = hl_idmap_init(&w->jobs_map, cfg->max_jobs)) < 0) {
		hl_fence_fini(&w->fence);
		return rc;
	}
	w->jobs = calloc(cfg->max_jobs, sizeof(*w->jobs));
	if (w->jobs == NULL) {
		hl_dc_wnode_fini(w);
		return -ENOMEM;
	}
	return 0;
}

void
hl_dc_wnode_fini(struct hl_dc_wnode *w)
{
	hl_fence_fini(&w->fence);
	hl_idmap_fini(&w->jobs_map);
	free(w->jobs);
	w->jobs = NULL;
}

static int
wtx(struct hl_dc_wnode *w, struct hl_dc_msg *msg)
{
	msg->from = w->cfg.self;
	return tx(w->out, &w->out_head, &w->out_len, &w->n_tx_full, msg);
}

static struct hl_dc_held *
held_find(struct hl_dc_wnode *w, uint64_t job, uint32_t sub)
{
	for (uint32_t k = 0; k < HL_DC_MAX_HELD; k++)
		if (w->held[k].state != HL_HELD_FREE && w->held[k].job == job &&
		        w->held[k].sub == sub)
			return &w->held[k];
	return NULL;
}

static struct hl_dc_wjob *
wjob(struct hl_dc_wnode *w, uint64_t job)
{
	uint32_t s = hl_idmap_find(&w->jobs_map, job);

	return s == HL_IDMAP_NONE ? NULL : &w->jobs[s];
}

/* Drop the per-job entries once nothing of the job is held any more. */
static void
wjob_gc(struct hl_dc_wnode *w, uint64_t job)
{
	for (uint32_t k = 0; k < HL_DC_MAX_HELD; k++)
		if (w->held[k].state != HL_HELD_FREE && w->held[k].job == job)
			return;
	uint32_t s = hl_idmap_find(&w->jobs_map, job);
	if (s != HL_IDMAP_NONE) {
		memset(&w->jobs[s], 0, sizeof(w->jobs[s]));
		hl_idmap_remove(&w->jobs_map, job);
	}
	hl_fence_forget(&w->fence, job);
}

static void
wreply(struct hl_dc_wnode *w, const struct hl_dc_msg *in, uint8_t kind, bool ok, int32_t code,
        uint8_t status)
{
	struct hl_dc_msg a = {.kind = kind};

	a.to = in->from;
	a.job = in->job;
	a.workflow = in->workflow;
	a.sub = in->sub;
	a.token = in->token;
	a.ok = ok;
	a.code = code;
	a.status = status;
	wtx(w, &a);
}

static void
send_result(struct hl_dc_wnode *w, struct hl_dc_held *h, uint64_t now_ns)
{
	struct hl_dc_wjob *j = wjob(w, h->job);
	struct hl_dc_msg r = {.kind = HL_DC_RESULT};

	r.to = j != NULL && j->leader != 0 ? j->leader : w->tier_leader;
	r.job = h->job;
	r.workflow = h->workflow;
	r.sub = h->sub;
	r.token = hl_fence_top(&w->fence, h->job);
	r.status = h->status;
	r.counts = h->counts;
	h->next_ns = now_ns + w->cfg.result_retry_ns;
	if (r.to != 0)
		wtx(w, &r);
}

static void
wact(struct hl_dc_wnode *w, uint8_t kind, const struct hl_dc_held *h, uint64_t duration_ns,
        uint64_t token)
{
	if (!w->cfg.host_runs)
		return; /* slices run by themselves: the host has nothing to do */
	/* Room is guaranteed by act_room() at dispatch time (see HL_DC_ACTIONS). */
	w->act[(w->act_head + w->act_len++) % HL_DC_ACTIONS] = (struct hl_dc_action){
	        kind, h->job, h->workflow, h->sub, h->cores, duration_ns, token};
}

/* A new slice needs room for its START plus a STOP for every running slice, itself included. */
static bool
act_room(const struct hl_dc_wnode *w)
{
	uint32_t running = 0;
	if (!w->cfg.host_runs)
		return true;
	for (uint32_t k = 0; k < HL_DC_MAX_HELD; k++)
		running += w->held[k].state == HL_HELD_RUNNING;
	return w->act_len + running + 2 <= HL_DC_ACTIONS;
}

int
hl_dc_wnode_next_action(struct hl_dc_wnode *w, struct hl_dc_action *a)
{
	if (w->act_len == 0)
		return 0;
	*a = w->act[w->act_head];
	w->act_head = (w->act_head + 1) % HL_DC_ACTIONS;
	w->act_len--;
	return 1;
}

int
hl_dc_wnode_recv(struct hl_dc_wnode *w, const struct hl_dc_msg *msg, uint64_t now_ns)
{
	struct hl_dc_held *h;
	struct hl_dc_wjob *j;
	int rc;

	switch (msg->kind) {
	case HL_DC_DISPATCH: {
		if (hl_fence_top(&w->fence, msg->job) > msg->token) {
			w->n_stale++;
			HL_LOG(HL_LOG_WARN, "dc",
			        "stale dispatch refused worker=%llu job=%016llx from=%llu "
			        "token=%016llx",
			        (unsigned long long)w->cfg.self, (unsigned long long)msg->job,
			        (unsigned long long)msg->from, (unsigned long long)msg->token);
			wreply(w, msg, HL_DC_DISPATCH_ACK, false, -HL_E_STALE_TOKEN, 0);
			return -HL_E_STALE_TOKEN;
		}
		h = held_find(w, msg->job, msg->sub);
		if (h != NULL) { /* resend: same answer */
			wreply(w, msg, HL_DC_DISPATCH_ACK, true, 0, HL_WS_RUNNING);
			return 0;
		}
		for (uint32_t k = 0; k < HL_DC_DONE_RING; k++)
			if (w->done[k].job == msg->job && w->done[k].sub == msg->sub) {
				/* A late copy of a dispatch already run: never run traffic twice. */
				w->n_dup_dispatch++;
				wreply(w, msg, HL_DC_DISPATCH_ACK, true, 0, HL_WS_COMPLETED);
				return 0;
			}
		struct hl_dc_held *slot = NULL;
		for (uint32_t k = 0; k < HL_DC_MAX_HELD && slot == NULL; k++)
			if (w->held[k].state == HL_HELD_FREE)
				slot = &w->held[k];
		if (slot == NULL || w->cores_used + msg->cores > w->cfg.cores || !act_room(w)) {
			w->n_rejected++;
			wreply(w, msg, HL_DC_DISPATCH_ACK, false, -HL_E_FULL, 0);
			return -HL_E_FULL;
		}
		rc = hl_fence_check(&w->fence, msg->job, msg->token);
		j = wjob(w, msg->job);
		if (rc == 0 && j == NULL) {
			int64_t s = hl_idmap_insert(&w->jobs_map, msg->job);
			if (s < 0)
				rc = s == -ENOSPC ? -HL_E_FULL : (int)s;
			else
				j = &w->jobs[s];
		}
		if (rc < 0) {
			w->n_rejected++;
			wjob_gc(w, msg->job);
			wreply(w, msg, HL_DC_DISPATCH_ACK, false, rc, 0);
			return rc;
		}
		j->job = msg->job;
		j->leader = msg->leader;
		*slot = (struct hl_dc_held){HL_HELD_RUNNING, HL_WS_RUNNING, msg->job, msg->workflow,
		        msg->sub, msg->cores, 0,
		        msg->duration_ns && !w->cfg.host_runs ? now_ns + msg->duration_ns : 0, 0,
		        msg->duration_ns / 1000u, {0, 0, 0}};
		w->cores_used += msg->cores;
		wact(w, HL_DC_ACT_START, slot, msg->duration_ns, msg->token);
		wreply(w, msg, HL_DC_DISPATCH_ACK, true, 0, HL_WS_RUNNING);
		return 0;
	}
	case HL_DC_RESULT_ACK:
		h = held_find(w, msg->job, msg->sub);
		if (h == NULL || h->state != HL_HELD_RESULT)
			return 0;
		/* Only the current leader's ack frees a result (a deposed one says !ok). */
		if (!msg->ok || msg->token < hl_fence_top(&w->fence, msg->job))
			return 0;
		w->done[w->done_next].job = h->job;
		w->done[w->done_next].sub = h->sub;
		w->done_next = (w->done_next + 1) % HL_DC_DONE_RING;
		memset(h, 0, sizeof(*h));
		wjob_gc(w, msg->job);
		return 0;
	case HL_DC_TRANSFER:
		j = wjob(w, msg->job);
		if (j == NULL) {
			/* Nothing of this job here: say so, keep nothing. */
			wreply(w, msg, HL_DC_TRANSFER_ACK, true, 0, HL_WS_NONE);
			return 0;
		}
		if (msg->token < hl_fence_top(&w->fence, msg->job)) {
			w->n_stale++;
			wreply(w, msg, HL_DC_TRANSFER_ACK, false, -HL_E_STALE_TOKEN, 0);
			return -HL_E_STALE_TOKEN;
		}
		hl_fence_check(&w->fence, msg->job, msg->token);
		j->leader = msg->leader;
		h = held_find(w, msg->job, msg->sub);
		/* Every held result of the job now goes to the new leader at once. */
		for (uint32_t k = 0; k < HL_DC_MAX_HELD; k++)
			if (w->held[k].state == HL_HELD_RESULT && w->held[k].job == msg->job)
				send_result(w, &w->held[k], now_ns);
		wreply(w, msg, HL_DC_TRANSFER_ACK, true, 0, h == NULL ? HL_WS_NONE : h->status);
		return 0;
	case HL_DC_CANCEL:
		if (msg->token < hl_fence_top(&w->fence, msg->job)) {
			w->n_stale++;
			return -HL_E_STALE_TOKEN;
		}
		h = held_find(w, msg->job, msg->sub);
		if (h != NULL && h->state == HL_HELD_RUNNING) {
			/* Stopped; it ends CANCELLED with the counts of what it sent, reported
			 * like any result (the host's lanes stop first; the simulator's at once). */
			if (h->status != HL_WS_CANCELLED)
				wact(w, HL_DC_ACT_STOP, h, 0, msg->token);
			h->status = HL_WS_CANCELLED;
			if (!w->cfg.host_runs) {
				uint64_t left =
				        h->end_ns > now_ns ? (h->end_ns - now_ns) / 1000u : 0;
				uint64_t ran = h->sim_pkts > left ? h->sim_pkts - left : 0;
				struct hl_counts c = {ran, ran, 0};
				(void)hl_dc_wnode_finish_counts(
				        w, h->job, h->sub, HL_WS_CANCELLED, &c, now_ns);
			}
			wreply(w, msg, HL_DC_CANCEL_DONE, true, 0, HL_WS_RUNNING);
			return 0;
		}
		if (h != NULL && h->state == HL_HELD_RESULT) {
			h->next_ns = now_ns; /* its result goes again at the next tick */
			wreply(w, msg, HL_DC_CANCEL_DONE, true, 0, HL_WS_RUNNING);
			return 0;
		}
		wreply(w, msg, HL_DC_CANCEL_DONE, true, 0, HL_WS_CANCELLED);
		return 0;
	case HL_DC_PROGRESS_ACK:
		j = wjob(w, msg->job);
		if (j != NULL && msg->token > hl_fence_top(&w->fence, msg->job) && msg->leader) {
			hl_fence_check(&w->fence, msg->job, msg->token);
			j->leader = msg->leader;
		}
		return 0;
	default:
		return -EINVAL;
	}
}

void
hl_dc_wnode_set_tier_leader(struct hl_dc_wnode *w, uint64_t id)
{
	w->tier_leader = id;
}

void
hl_dc_wnode_peer_dead(struct hl_dc_wnode *w, uint64_t id, uint64_t now_ns)
{
	for (uint32_t s = 0; s < w->cfg.max_jobs; s++) {
		if (w->jobs[s].job == 0 || w->jobs[s].leader != id)
			continue;
		HL_LOG(HL_LOG_INFO, "dc",
		        "job leader dead worker=%llu job=%016llx leader=%llu: orphaned",
		        (unsigned long long)w->cfg.self, (unsigned long long)w->jobs[s].job,
		        (unsigned long long)id);
		w->jobs[s].leader = 0;
		/* Resend held results at once, to the tier leader. */
		for (uint32_t k = 0; k < HL_DC_MAX_HELD; k++)
			if (w->held[k].state == HL_HELD_RESULT && w->held[k].job == w->jobs[s].job)
				w->held[k].next_ns = now_ns;
	}
}

int
hl_dc_wnode_finish_counts(struct hl_dc_wnode *w, uint64_t job, uint32_t sub, uint8_t status,
        const struct hl_counts *counts, uint64_t now_ns)
{
	struct hl_dc_held *h = held_find(w, job, sub);

	if (h == NULL || h->state != HL_HELD_RUNNING)
		return -HL_E_NOT_FOUND;
	w->cores_used -= h->cores;
	h->state = HL_HELD_RESULT;
	h->status = status;
	h->counts = counts != NULL ? *counts : (struct hl_counts){0, 0, 0};
	send_result(w, h, now_ns);
	return 0;
}

int
hl_dc_wnode_finish(
        struct hl_dc_wnode *w, uint64_t job, uint32_t sub, uint8_t status, uint64_t now_ns)
{
	return hl_dc_wnode_finish_counts(w, job, sub, status, NULL, now_ns);
}

int
hl_dc_wnode_progress(
        struct hl_dc_wnode *w, uint64_t job, uint32_t sub, uint64_t done, uint64_t now_ns)
{
	return hl_dc_wnode_progress_live(w, job, sub, done, NULL, 0, now_ns);
}

int
hl_dc_wnode_progress_live(struct hl_dc_wnode *w, uint64_t job, uint32_t sub, uint64_t done,
        const struct hl_counts *counts, uint64_t p99_ns, uint64_t now_ns)
{
	struct hl_dc_held *h = held_find(w, job, sub);
	struct hl_dc_wjob *j = wjob(w, job);
	struct hl_dc_msg p = {.kind = HL_DC_PROGRESS};

	(void)now_ns;
	if (h == NULL || j == NULL || h->state != HL_HELD_RUNNING)
		return -HL_E_NOT_FOUND;
	p.to = j->leader;
	p.job = job;
	p.workflow = h->workflow;
	p.sub = sub;
	p.token = hl_fence_top(&w->fence, job);
	p.seq = ++h->seq;
	p.done = done;
	if (counts != NULL)
		p.counts = *counts;
	p.p99_ns = p99_ns;
	return wtx(w, &p);
}

int
hl_dc_wnode_tick(struct hl_dc_wnode *w, uint64_t now_ns)
{
	for (uint32_t k = 0; k < HL_DC_MAX_HELD; k++) {
		struct hl_dc_held *h = &w->held[k];

		if (h->state == HL_HELD_RUNNING && h->end_ns != 0 && now_ns >= h->end_ns) {
			/* The simulator's slice: every packet sent arrives. */
			struct hl_counts c = {h->sim_pkts, h->sim_pkts, 0};
			hl_dc_wnode_finish_counts(w, h->job, h->sub, HL_WS_COMPLETED, &c, now_ns);
		} else if (h->state == HL_HELD_RESULT && now_ns >= h->next_ns)
			send_result(w, h, now_ns);
	}
	return 0;
}

uint64_t
hl_dc_wnode_next_deadline(const struct hl_dc_wnode *w)
{
	uint64_t d = UINT64_MAX;

	for (uint32_t k = 0; k < HL_DC_MAX_HELD; k++) {
		const struct hl_dc_held *h = &w->held[k];

		if (h->state == HL_HELD_RUNNING && h->end_ns != 0 && h->end_ns < d)
			d = h->end_ns;
		if (h->state == HL_HELD_RESULT && h->next_ns < d)
			d = h->next_ns;
	}
	return d;
}

int
hl_dc_wnode_next_tx(struct hl_dc_wnode *w, struct hl_dc_msg *msg)
{
	if (w->out_len == 0)
		return 0;
	*msg = w->out[w->out_head];
	w->out_head = (w->out_head + 1) % HL_DC_OUTBOX;
	w->out_len--;
	return 1;
}

uint32_t
hl_dc_wnode_held(const struct hl_dc_wnode *w)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < HL_DC_MAX_HELD; k++)
		n += w->held[k].state != HL_HELD_FREE;
	return n;
}

uint32_t
hl_dc_wnode_jobs(const struct hl_dc_wnode *w)
{
	return hl_idmap_count(&w->jobs_map) + hl_fence_count(&w->fence);
}
