/* coord_world.c — simulated DC: managers and workers running the coord/ cores over the
 * deterministic simulator; job records, a client that counts deliveries, invariant checkers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_world.h"
#include "hl_err.h"
#include "hl_log.h"

#define MS HL_SIM_MS
#define TICK (50 * MS)

/* One datagram = one struct hl_mmsg, header plus the used part of its body. */
static struct hl_mmsg scratch;

static void
out_push(struct cw_out *o, uint32_t to, const struct hl_mmsg *p)
{
	uint32_t len = hl_mmsg_size(p);

	if (o->n == CW_Q || len > CW_SLOT) {
		o->dropped++; /* like a full socket buffer: the protocols retry */
		return;
	}
	uint32_t k = (o->head + o->n++) % CW_Q;
	o->to[k] = to;
	o->len[k] = (uint16_t)len;
	memcpy(o->buf[k], p, len);
}

static void
violate(struct cw_world *w, const char *what)
{
	if (!w->violated)
		snprintf(w->violation, sizeof(w->violation), "t=%llu %s",
		        (unsigned long long)hl_sim_now(w->sim), what);
	w->violated = true;
}

static struct cw_rec *
rec_find(struct cw_world *w, uint64_t job)
{
	uint32_t s = hl_idmap_find(&w->rec_map, job);

	return s == HL_IDMAP_NONE ? NULL : &w->rec[s];
}

/* A workflow's work units: its duration in milliseconds (the node's convention). */
static uint64_t
wf_work(const struct cw_world *w)
{
	uint64_t ms = w->wf_duration_ns / MS;

	return ms ? ms : 1;
}

static void
rec_free(struct cw_world *w, uint64_t job)
{
	uint32_t s = hl_idmap_find(&w->rec_map, job);

	if (s == HL_IDMAP_NONE)
		return;
	memset(&w->rec[s], 0, sizeof(w->rec[s]));
	hl_idmap_remove(&w->rec_map, job);
}

static bool known_dead(struct cw_world *w, uint32_t sid);

/* ------------------------------------------------------------------------------ manager */

static void
on_done(struct cw_mgr *m, const struct hl_manager_event *ev)
{
	struct cw_world *w = m->w;
	char why[120];

	if (ev->job == 0 || ev->job > w->max_job) {
		violate(w, "final result for a job id never used");
		return;
	}
	if (w->delivered[ev->job]) {
		/* The one allowed repeat: a job leader that rebuilt the job from a final version it
		 * could not know was reported reports it again, with the same status; the gate
		 * ignores the duplicate (hl_gate n_dup_results). Anything else is a violation. */
		if (w->refinal[ev->job] && w->final_status[ev->job] == ev->status) {
			w->dup_done++;
			return;
		}
		snprintf(why, sizeof(why), "job %llu delivered twice (status %u then %u)",
		        (unsigned long long)ev->job, w->final_status[ev->job], ev->status);
		violate(w, why);
		return;
	}
	if (rec_find(w, ev->job) == NULL) {
		snprintf(why, sizeof(why), "job %llu finished by manager %u but never submitted",
		        (unsigned long long)ev->job, m->sid);
		violate(w, why);
		return;
	}
	w->delivered[ev->job] = 1;
	w->final_status[ev->job] = ev->status;
	w->completed++;
	rec_free(w, ev->job);
	hl_lease_checker_forget(&w->ck, ev->job);
}

/* A new job leader must rebuild from a version at least as new as the last one committed: no
 * acknowledged state lost (checked against the oracle, on what the manager really read). */
static void
on_takeover(struct cw_mgr *m, const struct hl_manager_event *ev)
{
	struct cw_world *w = m->w;
	struct cw_rec *rec = rec_find(w, ev->job);
	char why[160];

	if (ev->status == 1 && ev->job <= w->max_job)
		w->refinal[ev->job] = 1; /* rebuilt from a final version: it will report it */
	if (rec == NULL)
		return; /* already delivered */
	rec->accepted = true;
	if (rec->committed == 0)
		return;
	w->jrec_checks++;
	if (hl_fence_term(ev->token) == 0 || ev->version < rec->committed) {
		snprintf(why, sizeof(why),
		        "job %llu: committed record v%llu lost at takeover (v%llu)",
		        (unsigned long long)ev->job, (unsigned long long)rec->committed,
		        (unsigned long long)ev->version);
		violate(w, why);
	}
}

/* Everything the host of a manager does after each call: persist, and the checker's view. */
static void
m_events(struct cw_mgr *m)
{
	struct cw_world *w = m->w;
	struct hl_manager_event ev;
	uint64_t now = hl_sim_now(w->sim);
	struct cw_rec *rec;

	while (hl_manager_next_event(&m->mg, &ev) == 1) {
		switch (ev.kind) {
		case HL_MANAGER_EV_PERSIST:
			/* Synchronous disk: done before anything queued after it leaves. */
			m->disk_term = ev.term;
			m->disk_vote = ev.vote;
			hl_manager_persisted(&m->mg, ev.term, now);
			break;
		case HL_MANAGER_EV_ACCEPTED:
			if ((rec = rec_find(w, ev.job)) != NULL)
				rec->accepted = true;
			break;
		case HL_MANAGER_EV_COMMITTED:
			w->jrec_commits++;
			rec = rec_find(w, ev.job);
			if (rec != NULL && ev.version > rec->committed) {
				rec->committed = ev.version;
				rec->committed_token = ev.token;
			}
			break;
		case HL_MANAGER_EV_TAKEOVER:
			on_takeover(m, &ev);
			break;
		case HL_MANAGER_EV_JOB_DONE:
			on_done(m, &ev);
			break;
		case HL_MANAGER_EV_GRANTED: {
			struct hl_lease_grant g = {ev.job, ev.peer, ev.token, 0};
			if (hl_lease_checker_grant(&w->ck, &g, ev.status == 1) == -HL_E_STALE_TOKEN)
				violate(w, w->ck.why);
			break;
		}
		}
	}
	w->progress_accepted += m->mg.n_progress_ok - m->prog_ok;
	w->progress_refused += m->mg.n_progress_refused - m->prog_refused;
	m->prog_ok = m->mg.n_progress_ok;
	m->prog_refused = m->mg.n_progress_refused;
}

/* ---- the managers' disks ---- */

static int
disk_put(struct cw_jent *d, uint32_t *n, uint8_t op, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len)
{
	if (*n >= 2 * CW_DISK_MAX || len > HL_JREC_BODY_MAX)
		return -ENOSPC;
	d[*n] = (struct cw_jent){
	        .op = op, .job = job, .token = token, .version = version, .len = len};
	if (len > 0)
		memcpy(d[*n].body, body, len);
	(*n)++;
	return 0;
}

struct snap_ctx {
	struct cw_jent *d;
	uint32_t n;
};

static int
snap_emit(void *arg, uint8_t op, uint64_t job, uint64_t token, uint64_t version, const void *body,
        uint32_t len)
{
	struct snap_ctx *c = arg;

	return disk_put(c->d, &c->n, op, job, token, version, body, len);
}

/* Written at once (a synchronous disk): before the change takes effect. */
static int
disk_write(void *arg, uint8_t op, uint64_t job, uint64_t token, uint64_t version, const void *body,
        uint32_t len)
{
	struct cw_mgr *m = arg;

	if (m->ndisk >= CW_DISK_MAX) {
		/* compaction, as the node's log: the live state, then this change */
		struct snap_ctx c = {m->disk_spare, 0};
		int rc;
		if ((rc = hl_manager_snapshot(&m->mg, snap_emit, &c)) < 0)
			return rc;
		m->disk_spare = m->disk; /* double buffered: no allocation per compaction */
		m->disk = c.d;
		m->ndisk = c.n;
		m->n_disk_compactions++;
	}
	return disk_put(m->disk, &m->ndisk, op, job, token, version, body, len);
}

static int
disk_replay(struct cw_mgr *m, uint64_t now)
{
	int rc;

	if (m->lose_disk) {
		m->ndisk = 0;
		m->lose_disk = false;
		hl_manager_set_amnesic(&m->mg, now);
	}
	for (uint32_t i = 0; i < m->ndisk; i++) {
		const struct cw_jent *e = &m->disk[i];
		if ((rc = hl_manager_restore(&m->mg, e->op, e->job, e->token, e->version, e->body,
		             e->len, now)) < 0)
			return rc;
	}
	return 0;
}

static int
m_init(struct cw_mgr *m, uint64_t seed, uint64_t now)
{
	struct cw_world *w = m->w;
	struct hl_manager_cfg cfg = w->mcfg;
	int rc;

	cfg.elect.self = m->id;
	hl_prng_seed(&m->rng, seed);
	if ((rc = hl_manager_init(&m->mg, &cfg, m->disk_term, m->disk_vote, &m->rng, now)) < 0)
		return rc;
	if (m->disk == NULL &&
	        ((m->disk = calloc(2 * CW_DISK_MAX, sizeof(*m->disk))) == NULL ||
	                (m->disk_spare = calloc(2 * CW_DISK_MAX, sizeof(*m->disk))) == NULL))
		return -ENOMEM;
	if ((rc = disk_replay(m, now)) < 0)
		return rc;
	hl_jrec_store_set_journal(&m->mg.st, disk_write, m);
	m->prog_ok = m->prog_refused = 0;
	/* SWIM's view at start: live workers with their cores, dead managers. */
	for (int i = 0; i < w->nw; i++)
		if (!known_dead(w, w->wk[i].sid))
			hl_manager_member_alive(&m->mg, w->wk[i].id, HL_MANAGER_ROLE_WORKER,
			        w->wk[i].wn.cfg.cores, 0, now);
	for (int i = 0; i < w->nm; i++)
		if (known_dead(w, w->m[i].sid) && w->m[i].sid != m->sid)
			hl_manager_member_dead(&m->mg, w->m[i].id, now);
	m->up = true;
	m_events(m);
	return 0;
}

static void
m_fini(struct cw_mgr *m)
{
	struct cw_world *w = m->w;

	w->stale_done += m->mg.n_stale_final;
	hl_manager_fini(&m->mg);
	m->up = false;
}

static int
m_recv(void *node, uint64_t now, uint32_t from, const uint8_t *buf, size_t len)
{
	struct cw_mgr *m = node;
	int rc;

	if (len < offsetof(struct hl_mmsg, body) || len > sizeof(scratch))
		return -EMSGSIZE;
	memset(&scratch, 0, offsetof(struct hl_mmsg, body));
	memcpy(&scratch, buf, len);
	if (hl_mmsg_size(&scratch) != len)
		return -EMSGSIZE;
	scratch.from = (uint64_t)from + 1; /* the transport names the sender */
	scratch.to = m->id;
	rc = hl_manager_recv(&m->mg, &scratch, now);
	m_events(m);
	return rc == -ENOENT || rc == -HL_E_STALE_TOKEN ? 0 : rc; /* late acks are normal */
}

static int
m_tick(void *node, uint64_t now)
{
	struct cw_mgr *m = node;

	hl_manager_tick(&m->mg, now);
	hl_manager_stats_drained(&m->mg, UINT32_MAX); /* the stats consumer keeps up */
	m_events(m);
	return 0;
}

static uint64_t
m_deadline(void *node)
{
	return hl_manager_next_deadline(&((struct cw_mgr *)node)->mg);
}

static int
out_pop(struct cw_out *o, uint32_t *to, uint8_t *buf, size_t cap)
{
	if (o->n == 0)
		return 0;
	uint32_t k = o->head;
	if (o->len[k] > cap)
		return -EMSGSIZE;
	*to = o->to[k];
	memcpy(buf, o->buf[k], o->len[k]);
	o->head = (o->head + 1) % CW_Q;
	o->n--;
	return o->len[k];
}

static int
m_tx(void *node, uint64_t now, uint32_t *to, uint8_t *buf, size_t cap)
{
	struct cw_mgr *m = node;
	uint32_t len;

	(void)now;
	if (hl_manager_next_tx(&m->mg, &scratch) != 1)
		return 0;
	len = hl_mmsg_size(&scratch);
	if (len > cap || scratch.to == 0)
		return -EMSGSIZE;
	*to = (uint32_t)(scratch.to - 1);
	memcpy(buf, &scratch, len);
	return (int)len;
}

static void
m_crash(void *node)
{
	m_fini(node);
}

static int
m_restart(void *node, uint64_t now, uint64_t seed, uint32_t gen)
{
	(void)gen;
	return m_init(node, seed, now);
}

static const struct hl_sim_node_ops mgr_ops = {
        m_recv, m_tick, m_deadline, m_tx, m_crash, m_restart};

/* ------------------------------------------------------------------------------- worker */

static void
w_drain(struct cw_wrk *k)
{
	struct hl_dc_msg d;

	while (hl_dc_wnode_next_tx(&k->wn, &d) == 1) {
		struct hl_mmsg p = {.kind = HL_MM_DC, .from = k->id, .to = d.to};
		p.u.d = d;
		if (d.to >= 1)
			out_push(&k->out, (uint32_t)(d.to - 1), &p);
	}
}

static int
w_recv(void *node, uint64_t now, uint32_t from, const uint8_t *buf, size_t len)
{
	struct cw_wrk *k = node;

	(void)from;
	if (len < offsetof(struct hl_mmsg, body) || len > sizeof(scratch))
		return -EMSGSIZE;
	memcpy(&scratch, buf, len);
	if (scratch.kind != HL_MM_DC)
		return -EINVAL;
	uint32_t held = hl_dc_wnode_held(&k->wn);
	hl_dc_wnode_recv(&k->wn, &scratch.u.d, now);
	const struct hl_dc_msg *d = &scratch.u.d;
	if (d->kind == HL_DC_DISPATCH && hl_dc_wnode_held(&k->wn) > held &&
	        d->job <= k->w->max_job && d->workflow < HL_DC_MAX_WF &&
	        k->w->wf_starts[d->job * HL_DC_MAX_WF + d->workflow] < UINT8_MAX)
		k->w->wf_starts[d->job * HL_DC_MAX_WF + d->workflow]++; /* a slice started */
	w_drain(k);
	return 0;
}

/* A progress sample of a running slice: the milliseconds it ran (as the node's worker). */
static void
sample(struct cw_wrk *k, const struct hl_dc_held *h, uint64_t now)
{
	struct cw_world *w = k->w;
	uint64_t work = wf_work(w), start = h->end_ns - w->wf_duration_ns;
	uint64_t done = now > start ? (now - start) / MS : 0;
	const struct cw_rec *r;

	if (done > work)
		done = work;
	if (hl_dc_wnode_progress(&k->wn, h->job, h->sub, done, now) < 0)
		return;
	if (w->on_sample != NULL && (r = rec_find(w, h->job)) != NULL && r->nwf <= 2 &&
	        h->workflow < r->nwf)
		w->on_sample(w->sample_arg, h->job, now,
		        (uint32_t)(((uint64_t)h->workflow * work + done) * 1000000 /
		                   (r->nwf * work)));
}

static int
w_tick(void *node, uint64_t now)
{
	struct cw_wrk *k = node;

	if (now < k->next_tick)
		return 0;
	k->next_tick = now + TICK;
	/* Stand-in for the tier leader announcement (wire: dc_leader_announce). */
	int l = cw_leader(k->w);
	hl_dc_wnode_set_tier_leader(&k->wn, l >= 0 ? (uint64_t)l + 1 : 0);
	hl_dc_wnode_tick(&k->wn, now);
	if (now >= k->next_progress) {
		k->next_progress = now + k->w->progress_ns;
		for (uint32_t s = 0; s < HL_DC_MAX_HELD; s++) {
			struct hl_dc_held *h = &k->wn.held[s];
			if (h->state == HL_HELD_RUNNING)
				sample(k, h, now);
		}
	}
	w_drain(k);
	return 0;
}

static uint64_t
w_deadline(void *node)
{
	return ((struct cw_wrk *)node)->next_tick;
}

static int
w_tx(void *node, uint64_t now, uint32_t *to, uint8_t *buf, size_t cap)
{
	(void)now;
	return out_pop(&((struct cw_wrk *)node)->out, to, buf, cap);
}

static void
w_crash(void *node)
{
	struct cw_wrk *k = node;

	hl_dc_wnode_fini(&k->wn);
	k->out.n = 0;
	k->up = false;
}

static const struct hl_sim_node_ops wrk_ops = {w_recv, w_tick, w_deadline, w_tx, w_crash, NULL};

/* ---------------------------------------------------------------------------- the world */

static bool dead_flag[CW_MAX_M + CW_MAX_W];

static bool
known_dead(struct cw_world *w, uint32_t sid)
{
	(void)w;
	return dead_flag[sid];
}

int
cw_leader(struct cw_world *w)
{
	uint64_t now = hl_sim_now(w->sim);

	for (int i = 0; i < w->nm; i++)
		if (w->m[i].up && hl_manager_is_leader(&w->m[i].mg, now))
			return (int)w->m[i].sid;
	return -1;
}

int
cw_job_leader(struct cw_world *w, uint64_t job)
{
	uint64_t now = hl_sim_now(w->sim);

	for (int i = 0; i < w->nm; i++)
		if (w->m[i].up && hl_manager_leads(&w->m[i].mg, job, now))
			return (int)w->m[i].sid;
	return -1;
}

/* Checked after every simulator event. */
static int
invariant(struct hl_sim *sim, void *arg, char *msg, size_t cap)
{
	struct cw_world *w = arg;
	uint64_t now = hl_sim_now(sim);
	const struct hl_lease_holder *hs[CW_MAX_M];
	size_t nh = 0;
	int leaders = 0;

	if (w->violated) {
		snprintf(msg, cap, "%s", w->violation);
		return 1;
	}
	for (int i = 0; i < w->nm; i++) {
		if (!w->m[i].up)
			continue;
		leaders += hl_manager_is_leader(&w->m[i].mg, now);
		hs[nh++] = &w->m[i].mg.lh;
	}
	if (leaders > 1) {
		snprintf(msg, cap, "%d tier leaders with a valid lease at once", leaders);
		return 1;
	}
	if (hl_lease_check_holders(&w->ck, hs, nh, now) < 0) {
		snprintf(msg, cap, "%s", w->ck.why);
		return 1;
	}
	/* Stronger, for scenarios without false deaths: one acting holder per job at all. */
	for (size_t i = 0; i < nh; i++)
		for (uint32_t s = 0; s < hs[i]->cfg.max_jobs; s++) {
			const struct hl_lease_held *x = &hs[i]->h[s];
			if (x->job == 0 || now >= x->expires_ns)
				continue;
			uint64_t c = 1;
			for (size_t j = i + 1; j < nh; j++)
				c += hl_lease_holder_valid(hs[j], x->job, now, NULL);
			if (c > w->max_valid_holders_seen)
				w->max_valid_holders_seen = c;
		}
	return 0;
}

void
cw_opts_default(struct cw_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->managers = 3;
	o->workers = 10;
	o->worker_cores = 4;
	o->seed = 1;
	o->max_job = 1000;
	o->link.delay_ns = 1 * MS;
	o->link.jitter_ns = 1 * MS;
	o->job_lease_ns = 6 * HL_SIM_S;
}

static uint64_t
log_clock(void *arg)
{
	return hl_sim_now(arg);
}

int
cw_init(struct cw_world *w, const struct cw_opts *o)
{
	struct hl_sim_config sc = {0};
	int rc;

	memset(w, 0, sizeof(*w));
	memset(dead_flag, 0, sizeof(dead_flag));
	if (o->managers > CW_MAX_M || o->workers > CW_MAX_W)
		return -EINVAL;
	sc.seed = hl_sim_seed_from_env(o->seed);
	sc.max_nodes = CW_MAX_M + CW_MAX_W;
	sc.link = o->link;
	w->sim = hl_sim_create(&sc);
	if (w->sim == NULL)
		return -ENOMEM;
	hl_log_set_clock(log_clock, w->sim); /* log rate limits follow virtual time */
	w->nm = o->managers;
	w->nw = o->workers;
	w->max_job = o->max_job;
	w->detect_ns = 1500 * MS;
	w->wf_duration_ns = 500 * MS;
	w->progress_ns = 200 * MS;
	w->delivered = calloc(o->max_job + 1, 1);
	w->wf_starts = calloc((o->max_job + 1) * HL_DC_MAX_WF, 1);
	w->final_status = calloc(o->max_job + 1, 1);
	w->refinal = calloc(o->max_job + 1, 1);
	if (w->delivered == NULL || w->final_status == NULL || w->refinal == NULL ||
	        w->wf_starts == NULL)
		return -ENOMEM;
	hl_manager_cfg_default(&w->mcfg);
	w->mcfg.lease.duration_ns = o->job_lease_ns;
	w->mcfg.lease.max_jobs = 64;
	w->mcfg.lease.max_members = CW_MAX_M;
	w->mcfg.elect.nmembers = (uint32_t)o->managers;
	for (int i = 0; i < o->managers; i++)
		w->mcfg.elect.members[i] = (uint64_t)i + 1;
	w->mcfg.dc.max_workers = CW_MAX_W;
	w->mcfg.dc.max_tombs = 1024;
	w->mcfg.dc.tomb_ttl_ns = 60 * HL_SIM_S;
	w->mcfg.max_records = CW_MAX_REC;
	w->mcfg.max_tombs = 1024;
	w->mcfg.tomb_ttl_ns = 60 * HL_SIM_S;
	w->mcfg.tick_ns = TICK;
	w->mcfg.resend_ns = 500 * MS;
	w->mcfg.report_grants = true; /* the lease checker sees every grant */
	w->mcfg.dc_id = o->dc_id;
	if ((rc = hl_idmap_init(&w->rec_map, CW_MAX_REC)) < 0)
		return rc;
	if ((rc = hl_lease_checker_init(&w->ck, 1u << 17)) < 0)
		return rc;
	/* Workers first in the id space after the managers. */
	for (int i = 0; i < o->workers; i++) {
		struct cw_wrk *k = &w->wk[i];
		struct hl_dc_worker_cfg wc = {0, o->worker_cores, 1 * HL_SIM_S, 64};
		k->w = w;
		k->sid = (uint32_t)(o->managers + i);
		k->id = k->sid + 1;
		wc.self = k->id;
		if ((rc = hl_dc_wnode_init(&k->wn, &wc)) < 0)
			return rc;
		k->up = true;
	}
	for (int i = 0; i < o->managers; i++) {
		struct cw_mgr *m = &w->m[i];
		uint32_t id;
		m->w = w;
		m->sid = (uint32_t)i;
		m->id = (uint64_t)i + 1;
		if ((rc = hl_sim_add_node(w->sim, &mgr_ops, m, &id)) < 0)
			return rc;
		if ((rc = m_init(m, hl_sim_node_seed(w->sim, id), 0)) < 0)
			return rc;
	}
	for (int i = 0; i < o->workers; i++) {
		uint32_t id;
		if ((rc = hl_sim_add_node(w->sim, &wrk_ops, &w->wk[i], &id)) < 0)
			return rc;
	}
	return hl_sim_add_invariant(w->sim, invariant, w);
}

void
cw_fini(struct cw_world *w)
{
	for (int i = 0; i < w->nm; i++) {
		if (w->m[i].up)
			m_fini(&w->m[i]);
		free(w->m[i].disk);
		free(w->m[i].disk_spare);
		w->m[i].disk = w->m[i].disk_spare = NULL;
	}
	for (int i = 0; i < w->nw; i++)
		if (w->wk[i].up)
			hl_dc_wnode_fini(&w->wk[i].wn);
	hl_idmap_fini(&w->rec_map);
	hl_lease_checker_fini(&w->ck);
	free(w->delivered);
	free(w->wf_starts);
	free(w->final_status);
	free(w->refinal);
	hl_log_set_clock(NULL, NULL);
	hl_sim_destroy(w->sim);
}

struct cw_call {
	struct cw_world *w;
	uint64_t job;
	uint32_t arg;
};

static struct cw_call calls[4096];
static uint32_t ncalls;

static struct cw_call *
call_new(struct cw_world *w, uint64_t job, uint32_t arg)
{
	struct cw_call *c = &calls[ncalls++ % 4096];

	*c = (struct cw_call){w, job, arg};
	return c;
}

static void do_submit(struct hl_sim *sim, void *arg);

/* The submitter resends until the job's first record version committed (EV_ACCEPTED). */
static void
submit_check(struct hl_sim *sim, void *arg)
{
	struct cw_call *c = arg;
	struct cw_rec *r = rec_find(c->w, c->job);

	if (r != NULL && !r->accepted)
		do_submit(sim, arg);
}

static void
do_submit(struct hl_sim *sim, void *arg)
{
	struct cw_call *c = arg;
	struct cw_world *w = c->w;
	uint64_t now = hl_sim_now(sim);
	int l = cw_leader(w);
	struct cw_rec *r = rec_find(w, c->job);
	struct hl_dc_job_spec spec = {
	        .job = c->job, .timeout_ns = w->job_timeout_ns, .nwf = c->arg};
	int rc;

	if (c->job <= w->max_job && w->delivered[c->job])
		return;
	if (r == NULL) {
		int64_t s = hl_idmap_insert(&w->rec_map, c->job);
		if (s < 0) {
			hl_sim_call_at(sim, now + 100 * MS, do_submit, call_new(w, c->job, c->arg));
			return;
		}
		r = &w->rec[s];
		memset(r, 0, sizeof(*r));
		r->job = c->job;
		r->nwf = c->arg;
	}
	if (l < 0) {
		hl_sim_call_at(sim, now + 100 * MS, do_submit, call_new(w, c->job, c->arg));
		return;
	}
	for (uint32_t i = 0; i < c->arg; i++)
		spec.wf[i] = (struct hl_dc_wf_spec){
		        i + 1, i == 1 ? 1u : 0u, 1, w->wf_duration_ns, wf_work(w)};
	struct cw_mgr *m = &w->m[l];
	rc = hl_manager_submit(&m->mg, &spec, now);
	m_events(m);
	hl_sim_poke(sim, m->sid);
	if (rc == 0 && !r->submitted) {
		r->submitted = true;
		w->submitted++;
	}
	if (rc == 0 || rc == -HL_E_EXISTS)
		hl_sim_call_at(sim, now + 2 * HL_SIM_S, submit_check, call_new(w, c->job, c->arg));
	else /* E.1: a failed submission is reported (here: retried) */
		hl_sim_call_at(sim, now + 100 * MS, do_submit, call_new(w, c->job, c->arg));
}

int
cw_gate_recv(struct cw_world *w, const struct hl_gmsg *g)
{
	uint64_t now = hl_sim_now(w->sim);
	int l = cw_leader(w);
	struct hl_dc_job_spec spec = {.job = g->job, .timeout_ns = w->job_timeout_ns, .nwf = 2};
	struct cw_rec *r = NULL;
	bool fresh = false;
	int rc;

	if (l < 0)
		return -HL_E_NOT_LEADER; /* the gate resends its submit; we resend results */
	for (uint32_t i = 0; i < spec.nwf; i++)
		spec.wf[i] = (struct hl_dc_wf_spec){
		        i + 1, i == 1 ? 1u : 0u, 1, w->wf_duration_ns, wf_work(w)};
	if (g->type == HL_GM_DC_SUBMIT && g->job <= w->max_job && !w->delivered[g->job] &&
	        rec_find(w, g->job) == NULL) {
		/* the checker's oracle learns of the job as it enters the DC */
		int64_t s = hl_idmap_insert(&w->rec_map, g->job);
		if (s < 0)
			return (int)s;
		r = &w->rec[s];
		memset(r, 0, sizeof(*r));
		r->job = g->job;
		r->nwf = spec.nwf;
		fresh = true;
	}
	struct cw_mgr *m = &w->m[l];
	rc = hl_manager_gate_recv(&m->mg, g, &spec, now);
	if (fresh && rc == 0 && hl_jrec_store_get(&m->mg.st, g->job) != NULL) {
		r->submitted = true;
		w->submitted++;
	} else if (fresh) {
		rec_free(w, g->job); /* not taken: the gate resends */
	}
	m_events(m);
	hl_sim_poke(w->sim, m->sid);
	return rc;
}

void
cw_gate_drain(struct cw_world *w, void (*send)(void *arg, const struct hl_gmsg *m), void *arg)
{
	struct hl_gmsg g;

	for (int i = 0; i < w->nm; i++)
		while (w->m[i].up && hl_manager_gate_next_tx(&w->m[i].mg, &g) == 1) {
			w->gate_results += g.type == HL_GM_DC_RESULT;
			send(arg, &g);
		}
}

void
cw_submit(struct cw_world *w, uint64_t job, uint32_t nwf, uint64_t at)
{
	hl_sim_call_at(w->sim, at, do_submit, call_new(w, job, nwf));
}

static void detect_workers(struct cw_world *w, uint32_t sid, uint64_t now);

static void
do_cancel(struct hl_sim *sim, void *arg)
{
	struct cw_call *c = arg;
	struct cw_world *w = c->w;
	uint64_t now = hl_sim_now(sim);
	int jl;

	if (c->job <= w->max_job && w->delivered[c->job])
		return; /* completion won the race: the cancel is answered "already done" */
	jl = cw_job_leader(w, c->job);
	if (jl < 0) {
		hl_sim_call_at(sim, now + 100 * MS, do_cancel, call_new(w, c->job, 0));
		return;
	}
	hl_manager_cancel(&w->m[jl].mg, c->job, now);
	m_events(&w->m[jl]);
	hl_sim_poke(sim, w->m[jl].sid);
}

void
cw_cancel(struct cw_world *w, uint64_t job, uint64_t at)
{
	hl_sim_call_at(w->sim, at, do_cancel, call_new(w, job, 0));
}

static void
do_detect(struct hl_sim *sim, void *arg)
{
	struct cw_call *c = arg;
	struct cw_world *w = c->w;
	uint32_t sid = c->arg;
	uint64_t now = hl_sim_now(sim);

	dead_flag[sid] = true;
	if (sid < (uint32_t)w->nm)
		detect_workers(w, sid, now);
	for (int i = 0; i < w->nm; i++) {
		struct cw_mgr *m = &w->m[i];
		if (!m->up)
			continue;
		hl_manager_member_dead(&m->mg, (uint64_t)sid + 1, now);
		m_events(m);
		hl_sim_poke(sim, m->sid);
	}
}

static void
detect_workers(struct cw_world *w, uint32_t sid, uint64_t now)
{
	for (int i = 0; i < w->nw; i++) {
		struct cw_wrk *k = &w->wk[i];
		if (!k->up)
			continue;
		hl_dc_wnode_peer_dead(&k->wn, (uint64_t)sid + 1, now);
		w_drain(k);
		hl_sim_poke(w->sim, k->sid);
	}
}

/* A restarted manager is alive again for every live member (its SWIM join). */
static void
do_alive(struct hl_sim *sim, void *arg)
{
	struct cw_call *c = arg;
	struct cw_world *w = c->w;
	uint32_t sid = c->arg;
	uint64_t now = hl_sim_now(sim);

	dead_flag[sid] = false;
	for (int i = 0; i < w->nm; i++) {
		struct cw_mgr *m = &w->m[i];
		if (!m->up)
			continue;
		if (m->sid != sid)
			hl_manager_member_alive(
			        &m->mg, (uint64_t)sid + 1, HL_MANAGER_ROLE_MANAGER, 0, 0, now);
		/* and the restarted one learns who is alive */
		for (int k = 0; m->sid == sid && k < w->nm; k++)
			if (k != i && w->m[k].up && !dead_flag[w->m[k].sid])
				hl_manager_member_alive(
				        &m->mg, w->m[k].id, HL_MANAGER_ROLE_MANAGER, 0, 0, now);
		m_events(m);
		hl_sim_poke(sim, m->sid);
	}
}

void
cw_restart(struct cw_world *w, uint32_t sid, uint64_t at, bool lose_disk)
{
	if (sid < (uint32_t)w->nm)
		w->m[sid].lose_disk = lose_disk;
	hl_sim_restart_at(w->sim, sid, at);
	hl_sim_call_at(w->sim, at + w->detect_ns, do_alive, call_new(w, 0, sid));
}

void
cw_kill(struct cw_world *w, uint32_t sid)
{
	uint64_t now = hl_sim_now(w->sim);

	hl_sim_crash_at(w->sim, sid, now);
	hl_sim_call_at(w->sim, now + w->detect_ns, do_detect, call_new(w, 0, sid));
}

bool
cw_all_delivered(struct cw_world *w, uint64_t n)
{
	for (uint64_t j = 1; j <= n && j <= w->max_job; j++)
		if (w->delivered[j] != 1)
			return false;
	return true;
}

uint64_t
cw_retained(struct cw_world *w, bool with_tombs, char *why, size_t cap)
{
	uint64_t total = 0;
	int off = 0;

	why[0] = 0;
	for (int i = 0; i < w->nm; i++) {
		struct cw_mgr *m = &w->m[i];
		struct hl_manager_census c;
		if (!m->up)
			continue;
		hl_manager_census(&m->mg, &c);
		uint64_t t = hl_manager_retained(&m->mg, with_tombs);
		if (t && off < (int)cap)
			off += snprintf(why + off, cap - (size_t)off,
			        "m%d: jobs %u/%u prog %u/%u fence %u cores %u infl %u tomb %u/%u "
			        "lease "
			        "%u held %u (msgs %u) rec %u repl %u; ",
			        i, c.dc.jobs, c.jobs, c.dc.progress_jobs, c.dc.progress_sources,
			        c.dc.fences, c.dc.cores_reserved, c.dc.inflight, c.dc.tombs,
			        c.tombs, c.leases, c.held, c.held_msgs, c.records, c.repl);
		total += t;
	}
	for (int i = 0; i < w->nw; i++) {
		struct cw_wrk *k = &w->wk[i];
		if (!k->up)
			continue;
		uint64_t t = hl_dc_wnode_held(&k->wn) + hl_dc_wnode_jobs(&k->wn);
		if (t && off < (int)cap)
			off += snprintf(why + off, cap - (size_t)off, "w%d: held %u jobs %u; ", i,
			        hl_dc_wnode_held(&k->wn), hl_dc_wnode_jobs(&k->wn));
		total += t;
	}
	if (hl_idmap_count(&w->rec_map) && off < (int)cap)
		snprintf(why + off, cap - (size_t)off, "records %u", hl_idmap_count(&w->rec_map));
	total += hl_idmap_count(&w->rec_map);
	return total;
}
