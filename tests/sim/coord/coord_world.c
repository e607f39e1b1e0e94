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

enum { P_ELECT = 1, P_GRANT, P_RENEW, P_RELEASE, P_DC };

struct cw_pkt {
	uint8_t plane;
	uint64_t t0; /* grant: when the request it answers was sent (holder's expiry base) */
	union {
		struct hl_elect_msg e;
		struct hl_lease_grant g;
		struct hl_lease_ref r;
		struct hl_dc_msg d;
	} u;
};

_Static_assert(sizeof(struct cw_pkt) <= 200, "packet fits the queue slot");

static void
out_push(struct cw_out *o, uint32_t to, const struct cw_pkt *p)
{
	if (o->n == CW_Q) {
		o->dropped++; /* like a full socket buffer: the protocols retry */
		return;
	}
	uint32_t k = (o->head + o->n++) % CW_Q;
	o->to[k] = to;
	o->len[k] = sizeof(*p);
	memcpy(o->buf[k], p, sizeof(*p));
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

static void
rec_free(struct cw_world *w, uint64_t job)
{
	uint32_t s = hl_idmap_find(&w->rec_map, job);

	if (s == HL_IDMAP_NONE)
		return;
	memset(&w->rec[s], 0, sizeof(w->rec[s]));
	hl_idmap_remove(&w->rec_map, job);
}

static struct cw_mgr *
mgr_of(struct cw_world *w, uint64_t id)
{
	for (int i = 0; i < w->nm; i++)
		if (w->m[i].id == id)
			return &w->m[i];
	return NULL;
}

/* ------------------------------------------------------------------------------ manager */

static void m_on_grant(
        struct cw_mgr *m, const struct hl_lease_grant *g, uint64_t t0, uint64_t now, uint32_t from);

static void
send_grant(struct cw_mgr *m, const struct hl_lease_grant *g, uint64_t t0, uint64_t now)
{
	struct cw_mgr *h = mgr_of(m->w, g->holder);
	struct cw_pkt p = {.plane = P_GRANT, .t0 = t0};
	struct cw_rec *rec = rec_find(m->w, g->job);

	if (rec != NULL)
		rec->holder = g->holder;

	if (h == NULL)
		return;
	if (h == m) {
		m_on_grant(m, g, t0, now, m->sid);
		return;
	}
	p.u.g = *g;
	out_push(&m->out, h->sid, &p);
}

static void
checker_grant(struct cw_world *w, const struct hl_lease_grant *g, bool renewal)
{
	if (hl_lease_checker_grant(&w->ck, g, renewal) == -HL_E_STALE_TOKEN)
		violate(w, w->ck.why);
}

static void
lt_reset(struct cw_mgr *m)
{
	hl_lease_table_fini(&m->lt);
	hl_lease_table_init(&m->lt, &m->w->lease_cfg);
	m->lt_term = 0;
	m->rebuilt = false;
}

static bool known_dead(struct cw_world *w, uint32_t sid);

/* Leader side of a renewal (possibly our own). */
static void
m_on_renew(
        struct cw_mgr *m, uint64_t holder, const struct hl_lease_ref *r, uint64_t t0, uint64_t now)
{
	struct hl_lease_grant g;
	int rc;

	if (!hl_elect_is_leader(&m->el, now) || m->lt_term != m->el.term)
		return;
	hl_lease_renew(&m->lt, holder, r, 1, now, &g, &rc);
	if (rc == 0) {
		checker_grant(m->w, &g, true);
		send_grant(m, &g, t0, now);
		return;
	}
	if (rc == -HL_E_NOT_FOUND && rec_find(m->w, r->job) != NULL &&
	        hl_lease_adopt(&m->lt, holder, r->job, r->token, now, &g) == 0) {
		checker_grant(m->w, &g, false);
		send_grant(m, &g, t0, now);
	}
}

static void
m_on_grant(
        struct cw_mgr *m, const struct hl_lease_grant *g, uint64_t t0, uint64_t now, uint32_t from)
{
	struct cw_rec *rec = rec_find(m->w, g->job);
	const struct hl_dc_job *j;

	if (rec == NULL) {
		/* The job is over (its release was lost, so the issuer re-issued it at expiry):
		 * release again. This is what makes a lost release heal instead of leak. */
		struct hl_lease_ref r = {g->job, g->token};
		hl_lease_holder_drop(&m->lh, g->job);
		if (from == m->sid) {
			hl_lease_release(&m->lt, r.job, r.token);
		} else {
			struct cw_pkt p = {.plane = P_RELEASE};
			p.u.r = r;
			out_push(&m->out, from, &p);
		}
		return;
	}
	if (hl_lease_holder_apply(&m->lh, g, t0) < 0)
		return;
	if (!hl_lease_holder_valid(&m->lh, g->job, now, NULL))
		return; /* arrived too late to be of use: the issuer will re-issue */
	j = hl_dc_job_find(&m->dm, g->job);
	if (j != NULL && j->token == g->token)
		return; /* renewal */
	if (j != NULL)
		hl_dc_job_drop(&m->dm, g->job);
	if (!rec->started)
		hl_dc_job_start(&m->dm, &rec->spec, g->token, now);
	else
		hl_dc_job_takeover(&m->dm, &rec->spec, rec->wf, g->token, now);
	rec->started = true;
}

static void
m_report_done(struct cw_mgr *m, const struct hl_dc_event *ev, uint64_t now)
{
	struct cw_world *w = m->w;
	struct cw_rec *rec = rec_find(w, ev->job);
	uint64_t tok = 0;
	char why[120];

	if (!hl_lease_holder_valid(&m->lh, ev->job, now, &tok)) {
		snprintf(why, sizeof(why), "job %llu finished by manager %u without a valid lease",
		        (unsigned long long)ev->job, m->sid);
		violate(w, why);
		return;
	}
	if (rec == NULL || rec->token > tok) {
		w->stale_done++; /* fenced at the record: a newer leader owns the job */
		return;
	}
	if (ev->job <= w->max_job) {
		if (++w->delivered[ev->job] > 1) {
			snprintf(why, sizeof(why), "job %llu delivered twice",
			        (unsigned long long)ev->job);
			violate(w, why);
		}
		w->final_status[ev->job] = ev->status;
	}
	w->completed++;
	rec_free(w, ev->job);
	hl_lease_checker_forget(&w->ck, ev->job);
	/* Release at job end (E.1). */
	uint64_t lid = hl_elect_leader(&m->el, now);
	struct hl_lease_ref r = {ev->job, tok};
	if (lid == m->id) {
		hl_lease_release(&m->lt, ev->job, tok);
	} else if (lid != 0) {
		struct cw_pkt p = {.plane = P_RELEASE};
		p.u.r = r;
		out_push(&m->out, (uint32_t)(lid - 1), &p);
	}
	hl_lease_holder_drop(&m->lh, ev->job);
}

static void
m_drain(struct cw_mgr *m, uint64_t now)
{
	struct hl_elect_action a;
	struct hl_dc_msg d;
	struct hl_dc_event ev;

	while (hl_elect_next_action(&m->el, &a) == 1) {
		if (a.kind == HL_ELECT_ACT_PERSIST) {
			/* Synchronous disk: done before anything queued after it leaves. */
			m->disk_term = a.term;
			m->disk_vote = a.voted_for;
			hl_elect_persisted(&m->el, a.term);
		} else if (a.kind == HL_ELECT_ACT_SEND) {
			struct cw_pkt p = {.plane = P_ELECT};
			p.u.e = a.msg;
			for (int i = 0; i < m->w->nm; i++) {
				struct cw_mgr *o = &m->w->m[i];
				if (o == m || (a.msg.to != 0 && a.msg.to != o->id))
					continue;
				out_push(&m->out, o->sid, &p);
			}
		}
	}
	while (hl_dc_mgr_next_tx(&m->dm, &d) == 1) {
		struct cw_pkt p = {.plane = P_DC};
		p.u.d = d;
		if (d.to >= 1)
			out_push(&m->out, (uint32_t)(d.to - 1), &p);
	}
	while (hl_dc_mgr_next_event(&m->dm, &ev) == 1)
		if (ev.kind == HL_DC_EV_JOB_DONE)
			m_report_done(m, &ev, now);
	/* Record replication: the acting job leader writes its workflow states, fenced. */
	for (uint32_t s = 0; s < m->dm.cfg.max_jobs; s++) {
		const struct hl_dc_job *j = &m->dm.jobs[s];
		uint64_t tok;
		struct cw_rec *rec;

		if (j->job == 0 || !hl_lease_holder_valid(&m->lh, j->job, now, &tok) ||
		        tok != j->token || (rec = rec_find(m->w, j->job)) == NULL ||
		        rec->token > tok)
			continue;
		rec->token = tok;
		for (uint32_t i = 0; i < j->nwf; i++)
			rec->wf[i] = (struct hl_dc_wf_record){
			        j->wf[i].state, j->wf[i].worker, j->wf[i].sub};
	}
}

static void
m_leader_duty(struct cw_mgr *m, uint64_t now)
{
	struct cw_world *w = m->w;
	bool leader = hl_elect_is_leader(&m->el, now);
	struct hl_lease_event ev[16];
	size_t n;

	if (!leader) {
		if (m->lt_term != 0)
			lt_reset(m);
		return;
	}
	if (m->lt_term != m->el.term) {
		lt_reset(m);
		if (hl_lease_set_term(&m->lt, m->el.term) < 0)
			return;
		m->lt_term = m->el.term;
		for (int i = 0; i < w->nm; i++)
			if (!known_dead(w, w->m[i].sid))
				hl_lease_member_set(&m->lt, w->m[i].id, true);
		hl_lease_start_grace(&m->lt, now);
	}
	if (!m->rebuilt && hl_lease_in_grace(&m->lt, now)) {
		/* Only live holders need the grace: the jobs of a holder SWIM declared dead are
		 * re-issued at once (fencing covers a false death, as for any re-issue on death). */
		for (uint32_t s = 0; s < CW_MAX_REC; s++) {
			struct hl_lease_grant g;
			struct cw_rec *r = &w->rec[s];
			if (r->job == 0 || r->holder == 0 ||
			        !known_dead(w, (uint32_t)(r->holder - 1)) ||
			        hl_lease_find(&m->lt, r->job) != NULL)
				continue;
			if (hl_lease_issue(&m->lt, r->job, 0, now, &g) == 0) {
				checker_grant(w, &g, false);
				send_grant(m, &g, now, now);
			}
		}
	}
	if (!m->rebuilt && !hl_lease_in_grace(&m->lt, now)) {
		/* After the grace no lease of an older term can still run: re-issue the live
		 * jobs nobody renewed. */
		for (uint32_t s = 0; s < CW_MAX_REC; s++) {
			struct hl_lease_grant g;
			if (w->rec[s].job == 0 || hl_lease_find(&m->lt, w->rec[s].job) != NULL)
				continue;
			if (hl_lease_issue(&m->lt, w->rec[s].job, 0, now, &g) == 0) {
				checker_grant(w, &g, false);
				send_grant(m, &g, now, now);
			}
		}
		m->rebuilt = true;
	}
	while ((n = hl_lease_tick(&m->lt, now, ev, 16)) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (ev[i].kind != HL_LEASE_EV_REISSUED)
				continue;
			checker_grant(w, &ev[i].grant, false);
			send_grant(m, &ev[i].grant, now, now);
		}
		if (n < 16)
			break;
	}
}

static void
m_tick_work(struct cw_mgr *m, uint64_t now)
{
	uint64_t dropped[64];
	struct hl_lease_ref refs[64];
	size_t n;

	hl_elect_tick(&m->el, now);
	m_drain(m, now);
	m_leader_duty(m, now);
	/* Holder: stop acting at expiry. */
	n = hl_lease_holder_tick(&m->lh, now, dropped, 64);
	for (size_t i = 0; i < n; i++)
		hl_dc_job_drop(&m->dm, dropped[i]);
	/* Batch renewal towards the tier leader (one datagram per lease here). */
	uint64_t lid = hl_elect_leader(&m->el, now);
	if (lid != 0) {
		n = hl_lease_holder_renewals(&m->lh, now, refs, 64);
		for (size_t i = 0; i < n; i++) {
			if (lid == m->id) {
				m_on_renew(m, m->id, &refs[i], now, now);
				continue;
			}
			struct cw_pkt p = {.plane = P_RENEW, .t0 = now};
			p.u.r = refs[i];
			out_push(&m->out, (uint32_t)(lid - 1), &p);
		}
	}
	hl_dc_mgr_tick(&m->dm, now);
	hl_dc_mgr_stats_drained(&m->dm, UINT32_MAX); /* the stats consumer keeps up */
	m_drain(m, now);
}

static int
m_init(struct cw_mgr *m, uint64_t seed, uint64_t now)
{
	struct cw_world *w = m->w;
	struct hl_elect_cfg ec = w->elect_cfg;
	struct hl_dc_mgr_cfg dc;
	int rc;

	ec.self = m->id;
	if ((rc = hl_elect_init(&m->el, &ec, m->disk_term, m->disk_vote, seed, now)) < 0)
		return rc;
	if ((rc = hl_lease_table_init(&m->lt, &w->lease_cfg)) < 0)
		return rc;
	if ((rc = hl_lease_holder_init(&m->lh, m->id, &w->lease_cfg)) < 0)
		return rc;
	hl_dc_mgr_cfg_default(&dc);
	dc.self = m->id;
	dc.max_jobs = w->lease_cfg.max_jobs;
	dc.max_workers = CW_MAX_W;
	dc.max_tombs = 1024;
	dc.tomb_ttl_ns = 60 * HL_SIM_S;
	if ((rc = hl_dc_mgr_init(&m->dm, &dc)) < 0)
		return rc;
	for (int i = 0; i < w->nw; i++)
		if (!known_dead(w, w->wk[i].sid))
			hl_dc_worker_update(&m->dm, w->wk[i].id, w->wk[i].wn.cfg.cores, 0, now);
	m->lt_term = 0;
	m->rebuilt = false;
	m->next_tick = now;
	m->up = true;
	return 0;
}

static void
m_fini(struct cw_mgr *m)
{
	hl_lease_table_fini(&m->lt);
	hl_lease_holder_fini(&m->lh);
	hl_dc_mgr_fini(&m->dm);
	m->out.n = 0;
	m->up = false;
}

static int
m_recv(void *node, uint64_t now, uint32_t from, const uint8_t *buf, size_t len)
{
	struct cw_mgr *m = node;
	struct cw_pkt p;
	int rc = 0;

	if (len != sizeof(p))
		return -EMSGSIZE;
	memcpy(&p, buf, sizeof(p));
	switch (p.plane) {
	case P_ELECT:
		rc = hl_elect_recv(&m->el, &p.u.e, now);
		break;
	case P_GRANT:
		m_on_grant(m, &p.u.g, p.t0, now, from);
		break;
	case P_RENEW:
		m_on_renew(m, (uint64_t)from + 1, &p.u.r, p.t0, now);
		break;
	case P_RELEASE:
		if (hl_elect_is_leader(&m->el, now))
			hl_lease_release(&m->lt, p.u.r.job, p.u.r.token);
		break;
	case P_DC:
		if (p.u.d.kind == HL_DC_RESULT && hl_dc_job_find(&m->dm, p.u.d.job) == NULL &&
		        !hl_dc_mgr_finished(&m->dm, p.u.d.job) && hl_elect_is_leader(&m->el, now) &&
		        m->lt_term == m->el.term) {
			/* An orphaned result reached the tier leader: forward it to the job's lease
			 * holder (D.1), or, when no lease covers the job after the grace and no
			 * record is live, tell the worker the job is over. */
			const struct hl_lease_entry *le = hl_lease_find(&m->lt, p.u.d.job);
			if (le != NULL && le->holder != 0 && le->holder != m->id) {
				out_push(&m->out, (uint32_t)(le->holder - 1), &p);
			} else if (le == NULL && !hl_lease_in_grace(&m->lt, now) &&
			           rec_find(m->w, p.u.d.job) == NULL) {
				hl_dc_mgr_ack_gone(&m->dm, &p.u.d);
			}
			break;
		}
		rc = hl_dc_mgr_recv(&m->dm, &p.u.d, now);
		if (p.u.d.kind == HL_DC_PROGRESS)
			rc == 0 ? m->w->progress_accepted++ : m->w->progress_refused++;
		rc = 0;
		break;
	default:
		rc = -EINVAL;
	}
	m_drain(m, now);
	return rc;
}

static int
m_tick(void *node, uint64_t now)
{
	struct cw_mgr *m = node;

	if (now >= m->next_tick) {
		m_tick_work(m, now);
		m->next_tick = now + TICK;
	}
	return 0;
}

static uint64_t
m_deadline(void *node)
{
	return ((struct cw_mgr *)node)->next_tick;
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
	(void)now;
	return out_pop(&((struct cw_mgr *)node)->out, to, buf, cap);
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
		struct cw_pkt p = {.plane = P_DC};
		p.u.d = d;
		if (d.to >= 1)
			out_push(&k->out, (uint32_t)(d.to - 1), &p);
	}
}

static int
w_recv(void *node, uint64_t now, uint32_t from, const uint8_t *buf, size_t len)
{
	struct cw_wrk *k = node;
	struct cw_pkt p;

	(void)from;
	if (len != sizeof(p))
		return -EMSGSIZE;
	memcpy(&p, buf, sizeof(p));
	if (p.plane != P_DC)
		return -EINVAL;
	hl_dc_wnode_recv(&k->wn, &p.u.d, now);
	w_drain(k);
	return 0;
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
				hl_dc_wnode_progress(&k->wn, h->job, h->sub, h->seq * 10, now);
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
		if (w->m[i].up && hl_elect_is_leader(&w->m[i].el, now))
			return (int)w->m[i].sid;
	return -1;
}

int
cw_job_leader(struct cw_world *w, uint64_t job)
{
	uint64_t now = hl_sim_now(w->sim);

	for (int i = 0; i < w->nm; i++)
		if (w->m[i].up && hl_dc_job_find(&w->m[i].dm, job) != NULL &&
		        hl_lease_holder_valid(&w->m[i].lh, job, now, NULL))
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
		leaders += hl_elect_is_leader(&w->m[i].el, now);
		hs[nh++] = &w->m[i].lh;
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
	w->final_status = calloc(o->max_job + 1, 1);
	if (w->delivered == NULL || w->final_status == NULL)
		return -ENOMEM;
	hl_lease_cfg_default(&w->lease_cfg);
	w->lease_cfg.duration_ns = o->job_lease_ns;
	w->lease_cfg.max_jobs = 64;
	w->lease_cfg.max_members = CW_MAX_M;
	hl_elect_cfg_default(&w->elect_cfg);
	w->elect_cfg.nmembers = (uint32_t)o->managers;
	for (int i = 0; i < o->managers; i++)
		w->elect_cfg.members[i] = (uint64_t)i + 1;
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
	for (int i = 0; i < w->nm; i++)
		if (w->m[i].up)
			m_fini(&w->m[i]);
	for (int i = 0; i < w->nw; i++)
		if (w->wk[i].up)
			hl_dc_wnode_fini(&w->wk[i].wn);
	hl_idmap_fini(&w->rec_map);
	hl_lease_checker_fini(&w->ck);
	free(w->delivered);
	free(w->final_status);
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

static void
do_submit(struct hl_sim *sim, void *arg)
{
	struct cw_call *c = arg;
	struct cw_world *w = c->w;
	uint64_t now = hl_sim_now(sim);
	int l = cw_leader(w);
	struct hl_lease_grant g;
	int64_t s;

	if (l < 0 || (s = hl_idmap_insert(&w->rec_map, c->job)) < 0) {
		hl_sim_call_at(sim, now + 100 * MS, do_submit, call_new(w, c->job, c->arg));
		return;
	}
	struct cw_rec *r = &w->rec[s];
	memset(r, 0, sizeof(*r));
	r->job = c->job;
	r->spec.job = c->job;
	r->spec.nwf = c->arg;
	for (uint32_t i = 0; i < c->arg; i++)
		r->spec.wf[i] =
		        (struct hl_dc_wf_spec){i + 1, i == 1 ? 1u : 0u, 1, w->wf_duration_ns, 100};
	struct cw_mgr *m = &w->m[l];
	/* E.1: the submission takes a job lease; a failure is reported (here: retried). */
	if (hl_lease_issue(&m->lt, c->job, 0, now, &g) < 0) {
		rec_free(w, c->job);
		hl_sim_call_at(sim, now + 100 * MS, do_submit, call_new(w, c->job, c->arg));
		return;
	}
	r->token = g.token;
	checker_grant(w, &g, false);
	w->submitted++;
	send_grant(m, &g, now, now);
	m_drain(m, now);
	hl_sim_poke(sim, m->sid);
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
	hl_dc_job_cancel(&w->m[jl].dm, c->job, now);
	m_drain(&w->m[jl], now);
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
		if (sid < (uint32_t)w->nm)
			hl_lease_member_remove(&m->lt, (uint64_t)sid + 1);
		else
			hl_dc_worker_dead(&m->dm, (uint64_t)sid + 1, now);
		m_leader_duty(m, now);
		m_drain(m, now);
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
		struct hl_dc_mgr_census c;
		if (!m->up)
			continue;
		hl_dc_mgr_census(&m->dm, &c);
		uint64_t t = (uint64_t)c.jobs + c.progress_jobs + c.progress_sources + c.fences +
		             c.cores_reserved + c.inflight + (with_tombs ? c.tombs : 0) +
		             hl_lease_count(&m->lt) + hl_lease_holder_count(&m->lh);
		if (t && off < (int)cap)
			off += snprintf(why + off, cap - (size_t)off,
			        "m%d: jobs %u prog %u/%u fence %u cores %u infl %u tomb %u lease "
			        "%u "
			        "held %u; ",
			        i, c.jobs, c.progress_jobs, c.progress_sources, c.fences,
			        c.cores_reserved, c.inflight, c.tombs, hl_lease_count(&m->lt),
			        hl_lease_holder_count(&m->lh));
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
