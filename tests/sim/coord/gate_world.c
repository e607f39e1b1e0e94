/* gate_world.c — gates, clients and stand-in DCs on a seeded event queue; invariants after every
 * event: one tier leader, at most one valid lease holder per (job, token), tokens only grow, no
 * final handed to the application twice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_world.h"
#include "gate_world.h"
#include "hl_err.h"
#include "hl_msg_table.h"

#define DC_BASE 100
#define CL_BASE 200

void
gw_opts_default(struct gw_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->ngates = 3;
	o->ndcs = 2;
	o->nclients = 1;
	o->lat_min_ns = 1 * GW_MS;
	o->lat_max_ns = 20 * GW_MS;
	o->lease_ns = 6 * GW_S;
	o->run_ns = 3 * GW_S;
	o->dc_timeout_ns = 60 * GW_S;
	o->detect_ns = 1500 * GW_MS;
}

static void
violate(struct gw_world *w, const char *why)
{
	if (w->violations++ == 0)
		snprintf(w->why, sizeof(w->why), "t=%.3f s: %s", (double)w->now / 1e9, why);
}

/* ---- event heap ---- */

static bool
ev_less(const struct gw_ev *a, const struct gw_ev *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
heap_push(struct gw_world *w, struct gw_ev *e)
{
	uint32_t i;

	if (w->nheap == GW_QMAX) {
		w->n_lost++;
		return;
	}
	e->seq = ++w->seq;
	i = w->nheap++;
	while (i > 0 && ev_less(e, &w->heap[(i - 1) / 2])) {
		w->heap[i] = w->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	w->heap[i] = *e;
}

static void
heap_pop(struct gw_world *w, struct gw_ev *out)
{
	struct gw_ev last;
	uint32_t i = 0;

	*out = w->heap[0];
	last = w->heap[--w->nheap];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= w->nheap)
			break;
		if (c + 1 < w->nheap && ev_less(&w->heap[c + 1], &w->heap[c]))
			c++;
		if (!ev_less(&w->heap[c], &last))
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->nheap > 0)
		w->heap[i] = last;
}

static uint64_t
latency(struct gw_world *w)
{
	return w->o.lat_min_ns + hl_prng_below(&w->rng, w->o.lat_max_ns - w->o.lat_min_ns + 1);
}

static void
send_ev(struct gw_world *w, struct gw_ev *e, uint64_t from, uint64_t to)
{
	w->n_msgs++;
	if (from == to) {
		e->at = w->now;
		heap_push(w, e);
		return;
	}
	if (hl_prng_unit(&w->rng) < w->o.loss) {
		w->n_lost++;
		return;
	}
	e->at = w->now + latency(w);
	heap_push(w, e);
	if (hl_prng_unit(&w->rng) < w->o.dup) {
		e->at = w->now + latency(w);
		heap_push(w, e);
	}
}

static void
send_msg(struct gw_world *w, const struct hl_gmsg *m)
{
	static long trace = -1;
	if (trace < 0)
		trace = getenv("GW_TRACE") != NULL ? strtol(getenv("GW_TRACE"), NULL, 0) : 0;
	if (trace != 0 && m->job == (uint64_t)trace)
		fprintf(stderr,
		        "%9.3f %llu->%llu type %u kind %u code %d tok %llx v %llu seq %llu st %u "
		        "fin %u\n",
		        (double)w->now / 1e9, (unsigned long long)m->from,
		        (unsigned long long)m->to, m->type, m->kind, m->code,
		        (unsigned long long)m->token, (unsigned long long)m->version,
		        (unsigned long long)m->seq, m->status, m->rec.final);
	struct gw_ev e = {.to = m->to, .m = *m};

	if (m->type == HL_GM_TRANSFER_REQ && m->job < GW_MAX_JOBS &&
	        ++w->handoffs[m->job] > GW_MAX_HANDOFFS) {
		/* a job whose client is gone must end, not travel between gates forever */
		char b[96];
		snprintf(b, sizeof(b), "job %llu: handed off %u times", (unsigned long long)m->job,
		        w->handoffs[m->job]);
		violate(w, b);
	}

	if (m->type < 64 && (w->drop_mask & (1ull << m->type)) &&
	        (m->to == w->drop_to || w->drop_to == UINT64_MAX)) {
		w->n_dropped++;
		return;
	}
	send_ev(w, &e, m->from, m->to);
}

/* ---- nodes ---- */

static struct gw_gate *
gate_of(struct gw_world *w, uint64_t id)
{
	for (int i = 0; i < w->o.ngates; i++)
		if (w->gt[i].id == id)
			return &w->gt[i];
	return NULL;
}

/* The journal: applied to the disk image at once (a synchronous, durable write). */
static int
disk_write(void *arg, uint8_t op, uint64_t job, uint64_t token, uint64_t version, const void *body,
        uint32_t len)
{
	struct gw_gate *g = arg;
	int rc = 0;

	g->disk_entries++;
	switch (op) {
	case HL_JREC_J_PUT:
		rc = hl_jrec_store_put(&g->disk, job, token, version, body, len);
		return rc == -EALREADY ? 0 : rc;
	case HL_JREC_J_FORGET:
		(void)hl_jrec_store_forget(&g->disk, job);
		return 0;
	case HL_JREC_J_TOMB:
		(void)hl_jrec_store_forget(&g->disk, job);
		g->disk_tombs[g->disk_ntombs++ % GW_DISK_TOMBS] = job;
		return 0;
	default:
		return -EINVAL;
	}
	(void)version;
}

/* Restart: the gate replays its disk as the node replays its log. */
static int
disk_replay(struct gw_world *w, struct gw_gate *g)
{
	int rc;

	for (uint32_t s = 0; s < g->disk.map.max; s++) {
		const struct hl_jrec *r = &g->disk.r[s];
		if (r->job == 0 || hl_idmap_find(&g->disk.map, r->job) != s)
			continue;
		if ((rc = hl_gate_restore(&g->g, HL_JREC_J_PUT, r->job, r->token, r->version,
		             r->body, r->len, w->now)) < 0)
			return rc;
	}
	uint32_t n = g->disk_ntombs < GW_DISK_TOMBS ? g->disk_ntombs : GW_DISK_TOMBS;
	for (uint32_t k = 0; k < n; k++) {
		uint64_t job = g->disk_tombs[(g->disk_ntombs - n + k) % GW_DISK_TOMBS];
		if ((rc = hl_gate_restore(&g->g, HL_JREC_J_TOMB, job, 0, 0, NULL, 0, w->now)) < 0)
			return rc;
	}
	return 0;
}

static int
gate_start(struct gw_world *w, struct gw_gate *g)
{
	struct hl_gate_cfg gc;
	struct hl_elect_cfg ec;
	int rc;

	hl_gate_cfg_default(&gc);
	gc.self = g->id;
	gc.ngates = (uint32_t)w->o.ngates;
	for (int i = 0; i < w->o.ngates; i++)
		gc.gates[i] = w->gt[i].id;
	gc.max_jobs = GW_GATE_JOBS;
	gc.lease.duration_ns = w->o.lease_ns;
	gc.dc_timeout_ns = w->o.dc_timeout_ns;
	hl_prng_seed(&g->rng, hl_prng_next(&w->rng));
	if ((rc = hl_gate_init(&g->g, &gc, &g->rng)) < 0)
		return rc;
	if ((rc = disk_replay(w, g)) < 0)
		return rc;
	hl_jrec_store_set_journal(&g->g.store, disk_write, g);
	if (g->disk_lost) {
		hl_gate_set_amnesic(&g->g, w->now);
		g->disk_lost = false;
	}
	for (int i = 0; i < w->o.ndcs; i++)
		(void)hl_gate_dc_set(&g->g, w->dc[i].id, true, 100);
	hl_elect_cfg_fast(&ec); /* as the node's gate tier (role_gate.c) */
	ec.self = g->id;
	ec.nmembers = (uint32_t)w->o.ngates;
	for (int i = 0; i < w->o.ngates; i++)
		ec.members[i] = w->gt[i].id;
	if ((rc = hl_elect_init(
	             &g->el, &ec, g->disk_term, g->disk_vote, hl_prng_next(&w->rng), w->now)) < 0)
		return rc;
	g->up = true;
	g->seen_leader = 0;
	g->seen_term = 0;
	return 0;
}

/* C.2: at most one job per (client, key): a fresh ISSUE for a key whose job record is already
 * committed (stored at a quorum of the gates, live or on the disk of a crashed one) would start
 * a second job for it. Keys are "c<client>:<job>", so the record of the same job id holds it. */
static void
check_one_job_per_key(struct gw_world *w, const struct hl_gmsg *m)
{
	int held = 0;

	for (int i = 0; i < w->o.ngates; i++) {
		const struct gw_gate *g = &w->gt[i];
		const struct hl_jrec_store *st = g->up ? &g->g.store : &g->disk;
		const struct hl_jrec *r = st != NULL ? hl_jrec_store_get(st, m->job) : NULL;
		struct hl_gate_rec rec;
		if (r == NULL || r->len != sizeof(rec))
			continue;
		memcpy(&rec, r->body, sizeof(rec));
		held += rec.client == m->rec.client && rec.key_len == m->rec.key_len &&
		        memcmp(rec.key, m->rec.key, rec.key_len) == 0;
	}
	if (held >= w->o.ngates / 2 + 1) {
		char b[128];
		snprintf(b, sizeof(b), "job %llu: a second job issued for a committed key (C.2)",
		        (unsigned long long)m->job);
		violate(w, b);
	}
}

static void
gate_drain(struct gw_world *w, struct gw_gate *g)
{
	struct hl_elect_action a;
	struct hl_gmsg m;
	uint64_t leader;
	uint32_t term;

	while (hl_elect_next_action(&g->el, &a) == 1) {
		if (a.kind == HL_ELECT_ACT_PERSIST) {
			g->disk_term = a.term;
			g->disk_vote = a.voted_for;
			(void)hl_elect_persisted(&g->el, a.term);
		} else if (a.kind == HL_ELECT_ACT_SEND) {
			for (int i = 0; i < w->o.ngates; i++) {
				struct gw_gate *o = &w->gt[i];
				if (o == g || (a.msg.to != 0 && a.msg.to != o->id))
					continue;
				struct gw_ev e = {.elect = true, .to = o->id, .e = a.msg};
				send_ev(w, &e, g->id, o->id);
			}
		}
	}
	leader = hl_elect_leader(&g->el, w->now);
	term = hl_elect_is_leader(&g->el, w->now) ? g->el.term : 0;
	if (leader != g->seen_leader || term != g->seen_term) {
		g->seen_leader = leader;
		g->seen_term = term;
		int rc = hl_gate_set_tier_leader(&g->g, leader, term, w->now);
		if (rc < 0)
			violate(w, "tier leader term refused by the lease table");
	}
	while (hl_gate_next_tx(&g->g, &m) == 1) {
		if (m.type == HL_GM_GRANT && m.code == 0 && m.kind == HL_GK_ISSUE)
			check_one_job_per_key(w, &m);
		if (m.type == HL_GM_GRANT && m.code == 0) {
			struct hl_lease_grant gr = {m.job, m.to, m.token, 0};
			if (hl_lease_checker_grant(&w->chk, &gr, m.kind == HL_GK_RENEW) < 0)
				violate(w, w->chk.why);
		}
		send_msg(w, &m);
	}
}

static struct gw_client *
client_of(struct gw_world *w, uint64_t id)
{
	for (int i = 0; i < w->o.nclients; i++)
		if (w->cl[i].id == id)
			return &w->cl[i];
	return NULL;
}

static bool
any_silent_dc(const struct gw_world *w)
{
	for (int i = 0; i < w->o.ndcs; i++)
		if (w->dc[i].silent)
			return true;
	return false;
}

static void
client_drain(struct gw_world *w, struct gw_client *c)
{
	struct hl_gmsg m;
	uint64_t job;
	uint8_t st;

	struct hl_gclient_update u;

	while (hl_gclient_next_tx(&c->c, &m) == 1)
		if (w->now >= c->down_until)
			send_msg(w, &m);
	/* D.4, D.8: updates in (token, seq) order, each once; reporter outcomes once per job */
	while (hl_gclient_next_update(&c->c, &u) == 1) {
		char b[128];
		if (u.job >= GW_MAX_JOBS || !w->submitted[u.job] || w->finals[u.job] != 0) {
			violate(w, "update for a job not submitted or already final");
			continue;
		}
		if (u.token < w->upd_token[u.job] ||
		        (u.token == w->upd_token[u.job] && u.seq <= w->upd_seq[u.job])) {
			snprintf(b, sizeof(b),
			        "job %llu: update (%llx, %llu) after (%llx, %llu) (D.4)",
			        (unsigned long long)u.job, (unsigned long long)u.token,
			        (unsigned long long)u.seq, (unsigned long long)w->upd_token[u.job],
			        (unsigned long long)w->upd_seq[u.job]);
			violate(w, b);
		}
		w->upd_token[u.job] = u.token;
		w->upd_seq[u.job] = u.seq;
		w->nupdates++;
		if (u.kind == HL_PUSH_K_PROGRESS) {
			w->nprogress++;
			w->last_ppm[u.job] = u.ppm;
			if (w->on_progress != NULL)
				w->on_progress(w->progress_arg, u.job, u.ppm, w->now);
		}
		if (u.kind == HL_PUSH_K_REPORT) {
			int d = (int)(u.rep.dc - (DC_BASE + 1));
			uint32_t bit = d >= 0 && d < GW_MAX_DC && u.rep.type >= 1 && u.rep.type <= 8
			                       ? 1u << (d * 8 + u.rep.type - 1)
			                       : 0;
			if (bit == 0 || (w->rep_seen[u.job] & bit)) {
				snprintf(b, sizeof(b),
				        "job %llu: reporter outcome (dc %llu, type %u) twice or "
				        "bad (D.8)",
				        (unsigned long long)u.job, (unsigned long long)u.rep.dc,
				        u.rep.type);
				violate(w, b);
			}
			w->rep_seen[u.job] |= bit;
			w->nrep_seen[u.job]++;
			w->nreports_seen++;
			w->nreports_failed += !u.rep.ok;
		}
	}
	struct hl_counts tot;
	while (hl_gclient_next_final(&c->c, &job, &st, &tot) == 1) {
		if (job >= GW_MAX_JOBS || !w->submitted[job]) {
			violate(w, "final for a job never submitted");
			continue;
		}
		if (++w->finals[job] > 1) {
			char b[96];
			snprintf(b, sizeof(b), "job %llu: final delivered twice",
			        (unsigned long long)job);
			violate(w, b);
		}
		w->final_status[job] = st;
		w->final_tx[job] = tot.tx_pkts;
		w->ndelivered++;
		if (st == HL_WS_TIMEOUT && !any_silent_dc(w)) {
			/* every DC here finishes what it accepts: a TIMEOUT means a finished DC's
			 * result was refused or never asked for (issue 14) */
			char b[128];
			snprintf(b, sizeof(b), "job %llu: TIMEOUT although no DC is silent",
			        (unsigned long long)job);
			violate(w, b);
		}
		(void)hl_gclient_forget(&c->c, job);
	}
	if (w->probe_job != 0 && w->probe_told_at == 0) {
		uint32_t s = hl_idmap_find(&c->c.map, w->probe_job);
		if (s != HL_IDMAP_NONE && c->c.j[s].token > w->probe_token)
			w->probe_told_at = w->now;
	}
}

static struct gw_dc *
dc_of(struct gw_world *w, uint64_t id)
{
	for (int i = 0; i < w->o.ndcs; i++)
		if (w->dc[i].id == id)
			return &w->dc[i];
	return NULL;
}

static void
dc_out(struct gw_world *w, struct gw_dc *d, uint8_t type, uint64_t to, uint64_t job, uint64_t tok,
        uint8_t status)
{
	struct hl_gmsg m = {.type = type, .from = d->id, .to = to, .job = job, .dc = d->id};

	m.token = tok;
	m.status = status;
	send_msg(w, &m);
}

static void
cw_send(void *arg, const struct hl_gmsg *m)
{
	send_msg(arg, m);
}

static void
dc_recv(struct gw_world *w, struct gw_dc *d, const struct hl_gmsg *m)
{
	struct gw_dc_job *free_slot = NULL;

	if (d == &w->dc[0] && w->cw != NULL) {
		/* The real DC: its tier leader's hl_manager answers the gates itself. */
		if (m->type == HL_GM_DC_SUBMIT || m->type == HL_GM_DC_RESULT_ACK)
			(void)cw_gate_recv(w->cw, m);
		cw_gate_drain(w->cw, cw_send, w);
		return;
	}
	if (m->type == HL_GM_DC_SUBMIT) {
		for (uint32_t i = 0; i < GW_DC_HELD; i++)
			if (d->done[i] == m->job) {
				if (d->silent)
					return; /* lost the job: says nothing of it any more */
				dc_out(w, d, HL_GM_DC_ACCEPT, m->from, m->job, m->token, 0);
				return;
			}
		for (uint32_t i = 0; i < GW_DC_HELD; i++) {
			struct gw_dc_job *j = &d->j[i];
			if (j->job == m->job) {
				if (m->token < j->token)
					return; /* fenced */
				if (m->kind == HL_DC_SUBMIT_CANCEL && w->now < j->done_at) {
					j->done_at = w->now; /* stops now: reports CANCELLED */
					j->status = HL_WS_CANCELLED;
				}
				j->gate = m->from;
				j->token = m->token;
				j->resend_at =
				        w->now; /* a held result goes to the new leader now */
				dc_out(w, d, HL_GM_DC_ACCEPT, m->from, m->job, m->token, 0);
				return;
			}
			if (j->job == 0 && free_slot == NULL)
				free_slot = j;
		}
		if (free_slot == NULL)
			return; /* full: the gate resends */
		*free_slot = (struct gw_dc_job){.job = m->job, .gate = m->from, .token = m->token};
		free_slot->done_at = w->now + w->o.run_ns;
		free_slot->started = w->now;
		if (m->job < GW_MAX_JOBS)
			w->dc_starts[m->job]++;
		free_slot->status = hl_prng_below(&w->rng, 1000) < w->o.fail_per_mille
		                            ? HL_WS_FAILED
		                            : HL_WS_COMPLETED;
		dc_out(w, d, HL_GM_DC_ACCEPT, m->from, m->job, m->token, 0);
		return;
	}
	if (m->type == HL_GM_DC_REPORT_ACK) {
		for (uint32_t i = 0; i < GW_DC_HELD; i++) {
			struct gw_dc_job *j = &d->j[i];
			if (j->job != m->job || m->token < j->token || m->rep.type < 1 ||
			        m->rep.type > 8)
				continue;
			j->rep_acked |= 1u << (m->rep.type - 1); /* stored, duplicate or refused */
		}
		return;
	}
	if (m->type == HL_GM_DC_RESULT_ACK) {
		for (uint32_t i = 0; i < GW_DC_HELD; i++) {
			struct gw_dc_job *j = &d->j[i];
			if (j->job != m->job || !j->have || m->token < j->token)
				continue;
			d->done[d->done_pos++ % GW_DC_HELD] = j->job;
			memset(j, 0, sizeof(*j));
		}
	}
}

static void
dc_tick(struct gw_world *w, struct gw_dc *d)
{
	for (uint32_t i = 0; i < GW_DC_HELD; i++) {
		struct gw_dc_job *j = &d->j[i];
		if (j->job != 0 && w->now < j->done_at && w->o.progress && !d->silent &&
		        w->now >= j->next_progress) {
			/* D.4: the DC's merged progress, to the gate job leader it knows */
			struct hl_gmsg pm = {
			        .type = HL_GM_DC_PROGRESS, .from = d->id, .to = j->gate};
			pm.job = j->job;
			pm.dc = d->id;
			pm.token = j->token;
			pm.seq = ++j->pseq;
			pm.ppm = (uint32_t)((w->now - j->started) * 1000000ull /
			                    (j->done_at - j->started + 1));
			send_msg(w, &pm);
			j->next_progress = w->now + 300 * GW_MS;
		}
		if (j->job == 0 || w->now < j->done_at)
			continue;
		if (d->silent) {
			d->done[d->done_pos++ % GW_DC_HELD] = j->job;
			memset(j, 0, sizeof(*j));
			continue;
		}
		j->have = true;
		if (w->now < j->resend_at)
			continue;
		j->resend_at = w->now + GW_S;
		uint32_t all = w->o.nreporters >= 32 ? ~0u : (1u << w->o.nreporters) - 1;
		if ((j->rep_acked & all) != all) {
			/* D.8: the reporter outcomes first (resent until acked), then the final */
			for (uint32_t t = 1; t <= w->o.nreporters; t++) {
				if (j->rep_acked & (1u << (t - 1)))
					continue;
				struct hl_gmsg rm = {
				        .type = HL_GM_DC_REPORT, .from = d->id, .to = j->gate};
				rm.job = j->job;
				rm.dc = d->id;
				rm.token = j->token;
				uint64_t h = j->job * 2654435761u + t * 97 + d->id;
				rm.rep = (struct hl_gate_report){.source = d->id * 1000 + 1,
				        .dc = d->id,
				        .elapsed_ms = (uint32_t)(h % 5000),
				        .type = (uint16_t)t,
				        .ok = h % 1000 >= w->o.rep_fail_per_mille};
				rm.rep.error = rm.rep.ok ? 0 : -EIO;
				send_msg(w, &rm);
			}
			continue;
		}
		d->n_results_sent++;
		dc_out(w, d, HL_GM_DC_RESULT, j->gate, j->job, j->token, j->status);
	}
}

/* ---- invariants ---- */

static void
check(struct gw_world *w)
{
	const struct hl_lease_holder *hs[GW_MAX_G];
	size_t n = 0;
	int leaders = 0;

	for (int i = 0; i < w->o.ngates; i++) {
		if (!w->gt[i].up)
			continue;
		leaders += hl_elect_is_leader(&w->gt[i].el, w->now);
		hs[n++] = &w->gt[i].g.held;
	}
	if (leaders > 1)
		violate(w, "two gates with a valid tier-leader lease");
	if (hl_lease_check_holders(&w->chk, hs, n, w->now) < 0)
		violate(w, w->chk.why);
}

/* ---- public ---- */

int
gw_init(struct gw_world *w, const struct gw_opts *o)
{
	int rc;

	memset(w, 0, sizeof(*w));
	if (o->ngates < 1 || o->ngates > GW_MAX_G || o->ndcs < 1 || o->ndcs > GW_MAX_DC ||
	        o->nclients < 1 || o->nclients > GW_MAX_C)
		return -EINVAL;
	w->o = *o;
	hl_prng_seed(&w->rng, o->seed);
	w->heap = calloc(GW_QMAX, sizeof(*w->heap));
	if (w->heap == NULL)
		return -ENOMEM;
	if ((rc = hl_lease_checker_init(&w->chk, GW_MAX_JOBS)) < 0)
		return rc;
	for (int i = 0; i < o->ndcs; i++)
		w->dc[i].id = DC_BASE + 1 + (uint64_t)i;
	for (int i = 0; i < o->ngates; i++) {
		w->gt[i].id = (uint64_t)i + 1;
		if ((rc = hl_jrec_store_init(&w->gt[i].disk, GW_GATE_JOBS)) < 0)
			return rc;
	}
	for (int i = 0; i < o->ngates; i++)
		if ((rc = gate_start(w, &w->gt[i])) < 0)
			return rc;
	for (int i = 0; i < o->nclients; i++) {
		uint64_t ids[GW_MAX_G];
		for (int k = 0; k < o->ngates; k++)
			ids[k] = w->gt[k].id;
		w->cl[i].id = CL_BASE + 1 + (uint64_t)i;
		if ((rc = hl_gclient_init(
		             &w->cl[i].c, w->cl[i].id, ids, (uint32_t)o->ngates, GW_MAX_JOBS)) < 0)
			return rc;
	}
	if (o->real_dc) {
		struct cw_opts co;
		cw_opts_default(&co);
		co.seed = o->seed ^ 0x5eed;
		co.max_job = GW_MAX_JOBS;
		co.dc_id = w->dc[0].id;
		if (o->dc_workers > 0)
			co.workers = o->dc_workers;
		if ((w->cw = calloc(1, sizeof(*w->cw))) == NULL)
			return -ENOMEM;
		if ((rc = cw_init(w->cw, &co)) < 0)
			return rc;
	}
	w->next_tick = 100 * GW_MS;
	return 0;
}

void
gw_fini(struct gw_world *w)
{
	for (int i = 0; i < w->o.ngates; i++) {
		if (w->gt[i].up)
			hl_gate_fini(&w->gt[i].g);
		hl_jrec_store_fini(&w->gt[i].disk);
	}
	for (int i = 0; i < w->o.nclients; i++)
		hl_gclient_fini(&w->cl[i].c);
	hl_lease_checker_fini(&w->chk);
	if (w->cw != NULL) {
		cw_fini(w->cw);
		free(w->cw);
	}
	free(w->heap);
	memset(w, 0, sizeof(*w));
}

int
gw_submit(struct gw_world *w, int client, uint64_t job, uint8_t ndc)
{
	char key[32];
	int rc, n;

	if (job == 0 || job >= GW_MAX_JOBS || client < 0 || client >= w->o.nclients)
		return -EINVAL;
	n = snprintf(key, sizeof(key), "c%d:%llu", client, (unsigned long long)job);
	if ((rc = hl_gclient_submit(&w->cl[client].c, job, key, (uint8_t)n, ndc, NULL, w->now)) < 0)
		return rc;
	w->submitted[job] = true;
	w->nsubmitted++;
	client_drain(w, &w->cl[client]);
	return 0;
}

int
gw_cancel(struct gw_world *w, int client, uint64_t job)
{
	if (client < 0 || client >= w->o.nclients)
		return -EINVAL;
	int rc = hl_gclient_cancel(&w->cl[client].c, job, w->now);
	client_drain(w, &w->cl[client]);
	return rc;
}

void
gw_crash_gate(struct gw_world *w, int i, uint64_t down_ns)
{
	struct gw_gate *g = &w->gt[i];

	if (!g->up)
		return;
	hl_gate_fini(&g->g); /* its disk (the journal's image) survives */
	g->up = false;
	g->down_until = w->now + down_ns;
	for (int k = 0; k < w->o.ngates; k++)
		if (k != i && w->ndet < 32)
			w->det[w->ndet++] =
			        (typeof(w->det[0])){w->now + w->o.detect_ns, g->id, true};
}

void
gw_crash_gate_lose_disk(struct gw_world *w, int i, uint64_t down_ns)
{
	struct gw_gate *g = &w->gt[i];

	gw_crash_gate(w, i, down_ns);
	hl_jrec_store_fini(&g->disk);
	(void)hl_jrec_store_init(&g->disk, GW_GATE_JOBS);
	g->disk_ntombs = 0;
	g->disk_lost = true;
}

void
gw_disconnect_client(struct gw_world *w, int i, uint64_t down_ns)
{
	w->cl[i].down_until = w->now + down_ns;
	hl_gclient_set_connected(&w->cl[i].c, false, w->now);
}

static void
tick_all(struct gw_world *w)
{
	/* failure detector oracle */
	for (uint32_t k = 0; k < w->ndet;) {
		if (w->det[k].at > w->now) {
			k++;
			continue;
		}
		for (int i = 0; i < w->o.ngates; i++) {
			if (!w->gt[i].up || w->gt[i].id == w->det[k].gate)
				continue;
			if (w->det[k].dead) {
				hl_gate_peer_dead(&w->gt[i].g, w->det[k].gate);
				(void)hl_elect_peer_dead(&w->gt[i].el, w->det[k].gate, w->now);
			} else
				hl_gate_peer_alive(&w->gt[i].g, w->det[k].gate);
		}
		w->det[k] = w->det[--w->ndet];
	}
	for (int i = 0; i < w->o.ngates; i++) {
		struct gw_gate *g = &w->gt[i];
		if (!g->up && w->now >= g->down_until && g->down_until != 0) {
			g->down_until = 0;
			if (gate_start(w, g) < 0)
				violate(w, "gate restart failed");
			/* its SWIM join: the member list says who is up and who is not */
			for (int k = 0; k < w->o.ngates; k++) {
				if (k == i)
					continue;
				if (w->gt[k].up)
					hl_gate_peer_alive(&g->g, w->gt[k].id);
				else
					hl_gate_peer_dead(&g->g, w->gt[k].id);
			}
			for (int k = 0; k < w->o.ngates; k++)
				if (k != i && w->ndet < 32)
					w->det[w->ndet++] = (typeof(w->det[0])){
					        w->now + w->o.detect_ns, g->id, false};
		}
		if (!g->up)
			continue;
		(void)hl_elect_tick(&g->el, w->now);
		gate_drain(w, g);
		hl_gate_tick(&g->g, w->now);
		gate_drain(w, g);
	}
	for (int i = 0; i < w->o.nclients; i++) {
		struct gw_client *c = &w->cl[i];
		if (!c->c.connected && w->now >= c->down_until)
			hl_gclient_set_connected(&c->c, true, w->now);
		hl_gclient_tick(&c->c, w->now);
		client_drain(w, c);
	}
	for (int i = 0; i < w->o.ndcs; i++)
		dc_tick(w, &w->dc[i]);
}

static void
deliver(struct gw_world *w, const struct gw_ev *e)
{
	struct gw_gate *g = gate_of(w, e->to);
	struct gw_client *c;
	struct gw_dc *d;

	if (g != NULL) {
		if (!g->up)
			return;
		if (e->elect)
			(void)hl_elect_recv(&g->el, &e->e, w->now);
		else
			(void)hl_gate_recv(&g->g, &e->m, w->now);
		gate_drain(w, g);
	} else if ((c = client_of(w, e->to)) != NULL) {
		if (w->now < c->down_until)
			return; /* disconnected */
		(void)hl_gclient_recv(&c->c, &e->m, w->now);
		client_drain(w, c);
	} else if ((d = dc_of(w, e->to)) != NULL) {
		dc_recv(w, d, &e->m);
	}
}

uint64_t
gw_dc_starts(const struct gw_world *w, uint64_t job)
{
	return job < GW_MAX_JOBS ? w->dc_starts[job] : 0;
}

bool
gw_all_delivered(const struct gw_world *w)
{
	return w->ndelivered == w->nsubmitted;
}

int
gw_run(struct gw_world *w, uint64_t ns, bool stop_when_done)
{
	uint64_t end = w->now + ns;
	struct gw_ev e;

	while (w->violations == 0) {
		if (stop_when_done && gw_all_delivered(w))
			return 0;
		uint64_t t = w->next_tick;
		bool msg = w->nheap > 0 && w->heap[0].at <= t;
		if (msg)
			t = w->heap[0].at;
		if (t > end) {
			w->now = end;
			return stop_when_done ? -ETIMEDOUT : 0;
		}
		if (w->cw != NULL) {
			/* co-simulation: the DC's clock catches up first */
			(void)hl_sim_run_until(w->cw->sim, t, NULL, NULL);
			if (w->cw->violated)
				violate(w, w->cw->violation);
			cw_gate_drain(w->cw, cw_send, w); /* results the DC's job leaders sent */
		}
		w->now = t;
		if (msg) {
			heap_pop(w, &e);
			deliver(w, &e);
		} else {
			w->next_tick += 100 * GW_MS;
			tick_all(w);
		}
		check(w);
	}
	return -EPROTO;
}

int
gw_tier_leader(const struct gw_world *w)
{
	for (int i = 0; i < w->o.ngates; i++)
		if (w->gt[i].up && hl_elect_is_leader(&w->gt[i].el, w->now))
			return i;
	return -1;
}

int
gw_job_leader(const struct gw_world *w, uint64_t job)
{
	uint64_t tok;

	for (int i = 0; i < w->o.ngates; i++)
		if (w->gt[i].up && hl_lease_holder_valid(&w->gt[i].g.held, job, w->now, &tok))
			return i;
	return -1;
}

uint64_t
gw_retained(struct gw_world *w, char *why, size_t len)
{
	uint64_t total = 0;
	size_t off = 0;

	why[0] = 0;
	for (int i = 0; i < w->o.ngates; i++) {
		const struct hl_gate *g = &w->gt[i].g;
		if (!w->gt[i].up)
			continue;
		uint64_t n = hl_gate_retained(g, true);
		total += n;
		if (n != 0 && off < len)
			off += (size_t)snprintf(why + off, len - off,
			        "gate%d: jobs %u leases %u held %u repl %u plog %u retry %u store "
			        "%u "
			        "cache %u idem %u/%u; ",
			        i, hl_gate_jobs(g), hl_lease_count(&g->leases),
			        hl_lease_holder_count(&g->held), hl_jrec_repl_count(&g->repl),
			        hl_pushlog_jobs(&g->plog), hl_retry_count(&g->pushes),
			        hl_jrec_store_count(&g->store), hl_idmap_count(&g->cmap),
			        hl_idem_count(&g->idem), hl_idem_waiting(&g->idem));
	}
	for (int i = 0; i < w->o.nclients; i++) {
		total += hl_gclient_jobs(&w->cl[i].c);
		if (hl_gclient_jobs(&w->cl[i].c) != 0 && off < len)
			off += (size_t)snprintf(why + off, len - off, "client%d: jobs %u; ", i,
			        hl_gclient_jobs(&w->cl[i].c));
	}
	if (w->cw != NULL) {
		char cwhy[400];
		uint64_t n = cw_retained(w->cw, true, cwhy, sizeof(cwhy));
		total += n;
		if (n != 0 && off < len)
			off += (size_t)snprintf(why + off, len - off, "real DC: %s; ", cwhy);
	}
	for (int i = 0; i < w->o.ndcs; i++)
		for (uint32_t k = 0; k < GW_DC_HELD; k++) {
			const struct gw_dc_job *j = &w->dc[i].j[k];
			total += j->job != 0;
			if (j->job != 0 && off < len)
				off += (size_t)snprintf(why + off, len - off,
				        "dc%d: job %llu held (gate %llu token %llx); ", i,
				        (unsigned long long)j->job, (unsigned long long)j->gate,
				        (unsigned long long)j->token);
		}
	return total;
}
