/* role_mgr.c — the manager role (roles.h): hosts hl_manager for this node's DC, whose manager
 * tier is `[cluster] dc.<this DC>`. It feeds the core SWIM's view of the DC (workers with their
 * lanes, dead managers and workers), frames from managers, workers and gates, and time; it sends
 * what the core hands out (hl_manager_wire to managers and workers, hl_gate_wire to gates),
 * persists the tier's term in <state_dir>/manager-term before any vote leaves, and, as DC
 * leader, announces itself to the DC's workers every second (dc_leader_announce: where a worker
 * sends results whose job leader died).
 *
 * Payloads beside the core: the job's profile text rides with record version 1 and fetched
 * records (job_record_append `spec`), so every member that stores the record holds the text; a
 * dispatch carries the workflow's own profile (hl_job_profile_slice). A member without the text
 * fetches it from its DC peers and the gate, and drops the dispatch meanwhile (the core resends
 * it after its ack timeout).
 *
 * Result rows (rows.h): the workers' slice rows arrive just before their results; before each
 * DC_RESULT to a gate, the DC's rows — the counted slices' (hl_manager_job_slices) merged per
 * stream, then each slice's own — go to that gate and, once built, to the DC's other managers,
 * so a member that answers for the job later (a new tier leader, from the record's tombstone)
 * sends the same rows. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_gate_wire.h"
#include "hl_job_profile.h"
#include "hl_log.h"
#include "hl_manager_wire.h"
#include "hl_prng.h"
#include "recwal.h"
#include "roles.h"
#include "rows.h"

#define ANNOUNCE_NS 1000000000ull

static struct hl_manager mg;
static bool on;
static struct hl_prng rng;
static struct hl_recwal rwal; /* the manager's record store on disk */
static const struct hl_node_dc *mydc;
static uint64_t next_announce;
static struct hl_job_spec *parse_js; /* scratch for parsing profiles (large) */
static uint8_t txbuf[HL_WIRE_SPEC_MAX + 4096];
static struct {
	uint64_t recv, recv_err, encode_err, no_spec, slice_err, persist_err, announces;
	uint64_t accepted, done, takeovers, gate_in, gate_out;
	uint64_t rows_built, rows_missing, rows_bad, rows_sent;
} ctr;

/* Parse the job's text into the DC core's spec: workflow i has id i, its dependencies as a
 * bit mask, its cores and duration; work units are milliseconds of the duration (workers report
 * elapsed milliseconds as done). */
static int
dc_spec(uint64_t job, const uint8_t *text, size_t len, struct hl_dc_job_spec *s)
{
	char err[256];
	int rc = hl_job_profile_parse_buf(parse_js, "job profile", text, len, err, sizeof(err));
	if (rc < 0) {
		HL_LOG(HL_LOG_WARN, "roles", "job=%" PRIu64 " profile: %s", job, err);
		return rc;
	}
	if (parse_js->n_workflows > HL_DC_MAX_WF)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->job = job;
	s->timeout_ns = parse_js->timeout_ns ? parse_js->timeout_ns : HL_JOB_DEFAULT_TIMEOUT_NS;
	s->nwf = parse_js->n_workflows;
	for (uint32_t i = 0; i < s->nwf; i++) {
		const struct hl_job_workflow *w = &parse_js->workflows[i];
		s->wf[i].id = i;
		for (uint32_t d = 0; d < w->n_deps; d++)
			s->wf[i].deps |= 1u << w->deps[d];
		s->wf[i].cores = w->cores;
		s->wf[i].duration_ns = w->duration_ns;
		s->wf[i].work = w->duration_ns / 1000000;
	}
	return 0;
}

static void
fetch_spec(uint64_t job, uint64_t also)
{
	for (uint32_t i = 0; i < mydc->n_managers; i++)
		if (mydc->managers[i] != hl_node.prof.node_id)
			hl_roles_spec_fetch(mydc->managers[i], job);
	if (also)
		hl_roles_spec_fetch(also, job);
}

static void
send_mmsg(const struct hl_mmsg *m)
{
	static char slice[HL_WIRE_WF_SPEC_MAX + 1];
	const void *spec = NULL;
	size_t slen = 0;
	struct hl_wire_err we;
	unsigned type;
	size_t len;
	int rc;

	if (m->kind == HL_MM_REC_PUT || m->kind == HL_MM_REC_DATA) {
		if (m->kind == HL_MM_REC_DATA || m->u.rec.version <= 1)
			spec = hl_roles_spec(m->u.rec.job, &slen);
		if (spec == NULL)
			slen = 0;
	} else if (m->kind == HL_MM_DC && m->u.d.kind == HL_DC_DISPATCH) {
		size_t tlen;
		char err[256];
		const uint8_t *text = hl_roles_spec(m->u.d.job, &tlen);
		if (text == NULL) {
			ctr.no_spec++;
			fetch_spec(m->u.d.job, 0);
			return;
		}
		rc = hl_job_profile_parse_buf(
		        parse_js, "job profile", text, tlen, err, sizeof(err));
		if (rc == 0)
			rc = hl_job_profile_slice(parse_js, text, tlen, m->u.d.workflow, slice,
			        sizeof(slice), &slen, err, sizeof(err));
		if (rc < 0) {
			ctr.slice_err++;
			HL_LOG(HL_LOG_ERR, "roles", "job=%" PRIu64 " workflow=%u: no dispatch: %s",
			        m->u.d.job, m->u.d.workflow, err);
			return;
		}
		spec = slice;
	}
	rc = hl_manager_wire_encode(m, spec, slen, &type, txbuf, sizeof(txbuf), &len, &we);
	if (rc < 0) {
		char w[160];
		hl_wire_err_fmt(&we, w, sizeof(w));
		ctr.encode_err++;
		HL_LOG(HL_LOG_ERR, "roles", "manager: encode kind=%u to node=%" PRIu64 ": %s %s",
		        m->kind, m->to, hl_errname(rc), w);
		return;
	}
	(void)hl_roles_send(m->to, type, txbuf, len, "manager");
}

/* Build the DC's rows of job from its counted slices' rows here: 0 (kept in the store), or
 * -ENOENT (no record here: nothing to build from). */
static int
build_dc_rows(uint64_t job)
{
	static struct hl_msg_stream_rows in, out;
	static struct hl_rec_stream_row slice_rows[HL_WIRE_MAX_ROWS];
	static uint8_t hists[HL_ROWS_MAX_IDS][HL_HIST_WIRE_MAX];
	static uint8_t buf[HL_WIRE_MAX_ROWS * (HL_WIRE_HIST_MAX + 256)];
	static struct hl_manager_rec scratch;
	struct hl_manager_slice sl[HL_DC_MAX_WF];
	const struct hl_rows *st = hl_roles_rows();
	struct hl_wire_err we;
	int n = hl_manager_job_slices(&mg, job, &scratch, sl, HL_DC_MAX_WF);
	if (st == NULL || n < 0)
		return -ENOENT;
	struct hl_rows_merge mrg;
	hl_rows_merge_init(&mrg);
	uint32_t n_slice_rows = 0, have = 0, missing = 0;
	for (int i = 0; i < n && i < HL_DC_MAX_WF; i++) {
		const struct hl_rows_ent *e = hl_rows_get(
		        st, job, HL_ROWS_SLICE, (uint64_t)sl[i].workflow << 32 | sl[i].sub);
		if (e == NULL || hl_msg_stream_rows_decode(e->blob, e->len, &in, &we) < 0) {
			missing++;
			continue;
		}
		have++;
		for (uint32_t k = 0; k < in.rows.n; k++) {
			struct hl_rec_stream_row *r = &in.rows.v[k];
			if (r->base.stream_id / HL_ROWS_WF_STREAMS != sl[i].workflow ||
			        hl_rows_merge_add(&mrg, r) < 0) {
				ctr.rows_bad++; /* another workflow's stream, or a bad histogram */
				continue;
			}
			if (n_slice_rows < HL_WIRE_MAX_ROWS) {
				slice_rows[n_slice_rows] = *r;
				slice_rows[n_slice_rows].hist = (struct hl_wire_view){NULL, 0};
				n_slice_rows++;
			}
		}
	}
	memset(&out, 0, sizeof(out));
	out.job_id = job;
	out.kind = HL_ROWS_DC;
	out.node = hl_node.prof.node_id;
	snprintf(out.dc, sizeof(out.dc), "%.*s", (int)sizeof(out.dc) - 1, mydc->name);
	out.slices = have;
	out.missing = missing;
	for (uint32_t id = 0; id < HL_ROWS_MAX_IDS; id++)
		if (hl_rows_merge_row(
		            &mrg, id, &out.rows.v[out.rows.n], hists[out.rows.n], HL_HIST_WIRE_MAX))
			out.rows.n++;
	hl_rows_merge_fini(&mrg);
	for (uint32_t k = 0; k < n_slice_rows && out.rows.n < HL_WIRE_MAX_ROWS; k++)
		out.rows.v[out.rows.n++] = slice_rows[k];
	size_t len;
	int rc = hl_msg_stream_rows_encode(&out, buf, sizeof(buf), &len, &we);
	if (rc == 0)
		rc = hl_roles_rows_send(hl_node.prof.node_id, buf, len); /* kept here */
	if (rc < 0) {
		ctr.rows_bad++;
		HL_LOG(HL_LOG_ERR, "roles", "dc: job=%" PRIu64 " rows: %s", job, hl_errname(rc));
		return rc;
	}
	ctr.rows_built++;
	ctr.rows_missing += missing;
	if (missing)
		HL_LOG(HL_LOG_WARN, "roles",
		        "dc: job=%" PRIu64 " rows of %u of its %d counted slices are missing "
		        "(their job leader died before it had them)",
		        job, missing, n);
	for (uint32_t i = 0; i < mydc->n_managers; i++) /* for whoever answers for it later */
		if (mydc->managers[i] != hl_node.prof.node_id)
			(void)hl_roles_rows_send(mydc->managers[i], buf, len);
	return 0;
}

/* Before a DC_RESULT: the DC's rows of the job to that gate (built from the slices the first
 * time, then as kept). */
static void
send_dc_rows(uint64_t job, uint64_t to)
{
	const struct hl_rows *st = hl_roles_rows();
	if (st == NULL)
		return;
	char dc[HL_WIRE_DC_MAX + 1]; /* the name as the rows carry it */
	snprintf(dc, sizeof(dc), "%.*s", (int)sizeof(dc) - 1, mydc->name);
	uint64_t key = hl_rows_dc_key(dc);
	const struct hl_rows_ent *e = hl_rows_get(st, job, HL_ROWS_DC, key);
	if (e == NULL && build_dc_rows(job) == 0)
		e = hl_rows_get(st, job, HL_ROWS_DC, key);
	if (e != NULL && hl_roles_rows_send(to, e->blob, e->len) == 0)
		ctr.rows_sent++;
}

static void
drain(void)
{
	static struct hl_mmsg m;
	struct hl_manager_event ev;
	struct hl_gmsg g;
	uint64_t now = hl_node_now_ns();
	while (hl_manager_next_event(&mg, &ev) == 1) {
		switch (ev.kind) {
		case HL_MANAGER_EV_PERSIST: {
			int rc = hl_roles_term_store("manager-term", ev.term, ev.vote);
			if (rc < 0) {
				/* nothing leaves until it is durable: the next tick tries again */
				ctr.persist_err++;
				HL_LOG(HL_LOG_ERR, "roles", "manager election: persist term=%u: %s",
				        ev.term, strerror(-rc));
				break;
			}
			(void)hl_manager_persisted(&mg, ev.term, now);
			break;
		}
		case HL_MANAGER_EV_ACCEPTED:
			ctr.accepted++;
			HL_LOG(HL_LOG_INFO, "roles", "dc: job=%" PRIu64 " accepted", ev.job);
			break;
		case HL_MANAGER_EV_JOB_DONE:
			ctr.done++;
			HL_LOG(HL_LOG_INFO, "roles", "dc: job=%" PRIu64 " done status=%u", ev.job,
			        ev.status);
			break;
		case HL_MANAGER_EV_TAKEOVER:
			ctr.takeovers++;
			HL_LOG(HL_LOG_INFO, "roles",
			        "dc: job=%" PRIu64 " taken over token=%" PRIx64 " version=%" PRIu64,
			        ev.job, ev.token, ev.version);
			if (hl_roles_spec(ev.job, &(size_t){0}) == NULL)
				fetch_spec(ev.job, 0);
			break;
		default:
			break;
		}
	}
	/* durable before anything the store changes is acknowledged: one fdatasync per batch */
	(void)hl_recwal_commit(&rwal); /* a failed log refuses every later change (logged) */
	while (hl_manager_next_tx(&mg, &m) == 1)
		send_mmsg(&m);
	while (hl_manager_gate_next_tx(&mg, &g) == 1) {
		static uint8_t buf[8192];
		struct hl_wire_err we;
		unsigned type;
		size_t len;
		int rc = hl_gate_wire_encode_err(&g, &type, buf, sizeof(buf), &len, &we);
		if (rc < 0) {
			ctr.encode_err++;
			HL_LOG(HL_LOG_ERR, "roles", "manager: gate message type=%u: %s", g.type,
			        hl_errname(rc));
			continue;
		}
		ctr.gate_out++;
		if (g.type == HL_GM_DC_RESULT)
			send_dc_rows(g.job, g.to);
		(void)hl_roles_send(g.to, type, buf, len, "manager");
	}
}

void
hl_rmgr_mmsg(struct hl_mmsg *m, const uint8_t *spec, size_t slen, uint64_t now)
{
	if (!on)
		return;
	ctr.recv++;
	if (spec != NULL && slen > 0 && (m->kind == HL_MM_REC_PUT || m->kind == HL_MM_REC_DATA))
		(void)hl_roles_spec_keep(m->u.rec.job, spec, slen);
	int rc = hl_manager_recv(&mg, m, now);
	if (rc < 0 && rc != -ENOENT && rc != -HL_E_STALE_TOKEN) {
		ctr.recv_err++;
		HL_LOG(HL_LOG_INFO, "roles", "manager: kind=%u from node=%" PRIu64 ": %s", m->kind,
		        m->from, hl_errname(rc));
	}
	drain();
}

void
hl_rmgr_gmsg(const struct hl_gmsg *g, uint64_t now)
{
	static struct hl_dc_job_spec s;
	const struct hl_dc_job_spec *sp = NULL;
	if (!on)
		return;
	ctr.gate_in++;
	/* a CHECK (the DC accepted the job already) carries no profile and needs none */
	if (g->type == HL_GM_DC_SUBMIT && g->kind != HL_DC_SUBMIT_CHECK &&
	        hl_manager_is_leader(&mg, now)) {
		size_t len;
		const uint8_t *text = hl_roles_spec(g->job, &len);
		if (text != NULL && dc_spec(g->job, text, len, &s) == 0)
			sp = &s;
	}
	/* without the text a known job is still routed (a gate's re-point); a new one needs it */
	int rc = hl_manager_gate_recv(&mg, g, sp, now);
	if (rc == -ENOENT && g->type == HL_GM_DC_SUBMIT && sp == NULL &&
	        g->kind != HL_DC_SUBMIT_CHECK) {
		ctr.no_spec++;
		fetch_spec(g->job, g->from); /* the gate resends its DC_SUBMIT */
		drain();
		return;
	}
	if (rc < 0 && rc != -HL_E_NOT_LEADER && rc != -HL_E_EXISTS)
		HL_LOG(HL_LOG_INFO, "roles",
		        "manager: gate type=%u job=%" PRIu64 " from node=%" PRIu64 ": %s", g->type,
		        g->job, g->from, hl_errname(rc));
	drain();
}

static void
feed_member(const struct hl_member *m, uint64_t now)
{
	uint32_t roles = 0;
	if (m->dc != hl_roles_dc_id(hl_node.prof.dc))
		return; /* another DC's node */
	if (!m->alive) {
		(void)hl_manager_member_dead(&mg, m->id, now);
		return;
	}
	if (m->roles & HL_ROLE_MANAGER)
		roles |= HL_MANAGER_ROLE_MANAGER;
	if (m->roles & HL_ROLE_WORKER)
		roles |= HL_MANAGER_ROLE_WORKER;
	if (roles)
		(void)hl_manager_member_alive(&mg, m->id, roles, m->cores, 0, now);
}

void
hl_rmgr_member(const struct hl_member *m, bool was_alive, uint64_t now)
{
	(void)was_alive;
	if (!on)
		return;
	feed_member(m, now);
	drain();
}

static void
announce(uint64_t now)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	struct hl_msg_dc_leader_announce a;
	uint8_t buf[512];
	size_t len;
	struct hl_wire_err we;
	uint32_t n;
	memset(&a, 0, sizeof(a));
	snprintf(a.dc, sizeof(a.dc), "%.*s", (int)sizeof(a.dc) - 1, p->dc);
	a.leader.node_id = p->node_id;
	snprintf(a.leader.name, sizeof(a.leader.name), "%s", p->name);
	a.leader.role = p->roles & HL_ROLE_MAX;
	a.term = mg.el.term;
	if (hl_msg_dc_leader_announce_encode(&a, buf, sizeof(buf), &len, &we) < 0) {
		ctr.encode_err++;
		return;
	}
	ctr.announces++;
	const struct hl_member *ms = hl_roles_members(&n);
	for (uint32_t i = 0; i < n; i++)
		if (ms[i].alive && (ms[i].roles & HL_ROLE_WORKER) &&
		        ms[i].dc == hl_roles_dc_id(p->dc))
			(void)hl_roles_send(
			        ms[i].id, HL_MSG_dc_leader_announce, buf, len, "manager");
	if (p->roles & HL_ROLE_WORKER)
		(void)hl_roles_send(p->node_id, HL_MSG_dc_leader_announce, buf, len, "manager");
	(void)now;
}

void
hl_rmgr_tick(uint64_t now)
{
	if (!on)
		return;
	if (now >= hl_manager_next_deadline(&mg))
		(void)hl_manager_tick(&mg, now);
	/* the core turns progress into DC_PROGRESS itself: nothing waits on a stats consumer */
	hl_manager_stats_drained(&mg, UINT32_MAX);
	if (now >= next_announce && hl_manager_is_leader(&mg, now)) {
		next_announce = now + ANNOUNCE_NS;
		announce(now);
	}
	drain();
	hl_recwal_tick(&rwal);
}

static int
mgr_restore(void *core, uint8_t op, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len, uint64_t now_ns)
{
	return hl_manager_restore(core, op, job, token, version, body, len, now_ns);
}

static int
mgr_snapshot(void *core, hl_jrec_journal_fn emit, void *arg)
{
	return hl_manager_snapshot(core, emit, arg);
}

int
hl_rmgr_start(char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	struct hl_manager_cfg cfg;
	uint32_t term;
	uint64_t vote;
	int rc;

	if (!(p->roles & HL_ROLE_MANAGER) || p->n_dcs == 0)
		return 0;
	for (uint32_t i = 0; i < p->n_dcs; i++)
		if (strcmp(p->dcs[i].name, p->dc) == 0)
			mydc = &p->dcs[i];
	if (mydc == NULL) { /* the profile check makes this unreachable */
		snprintf(err, errlen, "manager: no dc.%s in [cluster]", p->dc);
		return -HL_E_CONFIG;
	}
	if ((rc = hl_roles_term_load("manager-term", &term, &vote, err, errlen)) < 0)
		return rc;
	if ((parse_js = malloc(sizeof(*parse_js))) == NULL)
		return -ENOMEM;
	hl_manager_cfg_default(&cfg);
	cfg.elect.self = p->node_id;
	cfg.elect.nmembers = mydc->n_managers;
	memcpy(cfg.elect.members, mydc->managers, mydc->n_managers * sizeof(uint64_t));
	cfg.dc_id = hl_roles_dc_id(p->dc);
	hl_prng_seed(&rng, p->node_id ^ hl_node_now_ns());
	uint64_t now = hl_node_now_ns();
	if ((rc = hl_manager_init(&mg, &cfg, term, vote, &rng, now)) < 0) {
		free(parse_js);
		parse_js = NULL;
		snprintf(err, errlen, "manager core: %s", hl_errname(rc));
		return rc;
	}
	if ((rc = hl_recwal_open(&rwal, p->state_dir, "manager-records", term != 0 || vote != 0,
	             &mg, mgr_restore, mgr_snapshot, now, err, errlen)) < 0) {
		hl_manager_fini(&mg);
		free(parse_js);
		parse_js = NULL;
		return rc;
	}
	hl_jrec_store_set_journal(&mg.st, hl_recwal_journal, &rwal);
	if (rwal.lost)
		hl_manager_set_amnesic(&mg, now); /* out of fetch quorums until caught up */
	if (p->roles & HL_ROLE_WORKER)
		(void)hl_manager_member_alive(&mg, p->node_id,
		        HL_MANAGER_ROLE_MANAGER | HL_MANAGER_ROLE_WORKER, p->n_traffic, 0, now);
	on = true;
	printf("hyperline: node %s manager of dc %s (tier of %u), term %u\n", p->name, p->dc,
	        mydc->n_managers, term);
	return 0;
}

void
hl_rmgr_stop(void)
{
	if (on) {
		hl_recwal_close(&rwal);
		hl_manager_fini(&mg);
	}
	free(parse_js);
	parse_js = NULL;
	on = false;
}

bool
hl_rmgr_on(void)
{
	return on;
}

bool
hl_rmgr_holds(uint64_t job)
{
	return on && hl_manager_holds(&mg, job);
}

uint32_t
hl_rmgr_counters(struct hl_node_counter *out, uint32_t cap)
{
	uint64_t now = hl_node_now_ns();
	struct hl_manager_census cs = {0};
	if (on)
		hl_manager_census(&mg, &cs);
	const struct hl_node_counter c[] = {
	        {"dc_tier_term", on ? mg.el.term : 0},
	        {"dc_wal_restored", rwal.n_replayed},
	        {"dc_wal_commits_total", rwal.n_commits},
	        {"dc_wal_lost", rwal.lost},
	        {"dc_amnesic", on && hl_manager_is_amnesic(&mg)},
	        {"dc_wal_errors_total", rwal.n_append_err + rwal.n_commit_err + rwal.n_compact_err +
	                                        rwal.n_replay_refused},
	        {"dc_tier_leader", on ? hl_manager_leader(&mg, now) : 0},
	        {"dc_tier_is_leader", on && hl_manager_is_leader(&mg, now)},
	        {"dc_jobs_led", cs.jobs},
	        {"dc_records", cs.records},
	        {"dc_tombs", cs.tombs},
	        {"dc_workers", cs.dc.workers},
	        {"dc_messages_in_total", ctr.recv},
	        {"dc_refused_total", ctr.recv_err},
	        {"dc_encode_errors_total", ctr.encode_err},
	        {"dc_rows_built_total", ctr.rows_built},
	        {"dc_rows_sent_total", ctr.rows_sent},
	        {"dc_rows_missing_slices_total", ctr.rows_missing},
	        {"dc_rows_bad_total", ctr.rows_bad},
	        {"dc_no_profile_total", ctr.no_spec},
	        {"dc_slice_errors_total", ctr.slice_err},
	        {"dc_persist_errors_total", ctr.persist_err},
	        {"dc_jobs_accepted_total", ctr.accepted},
	        {"dc_jobs_done_total", ctr.done},
	        {"dc_takeovers_total", ctr.takeovers},
	        {"dc_deposed_total", on ? mg.n_stale : 0}, /* a newer token fenced this member */
	        {"dc_stale_refused_total", on ? mg.dm.n_stale : 0}, /* old tokens refused here */
	        {"dc_gate_in_total", ctr.gate_in},
	        {"dc_gate_out_total", ctr.gate_out},
	        {"dc_progress_out_total", on ? mg.n_gate_progress : 0},
	        {"dc_progress_deferred_total", on ? mg.n_progress_deferred : 0},
	        {"dc_tomb_unknown_total", on ? mg.n_tomb_unknown : 0},
	        {"dc_cancels_total", on ? mg.n_cancels : 0},
	        {"dc_held_total", on ? mg.n_held_dispatch : 0},
	        {"dc_held_full_total", on ? mg.n_held_full : 0},
	        {"dc_held", on ? mg.n_held : 0},
	        {"dc_orphans_leased_total", on ? mg.n_orphans : 0},
	        {"dc_fast_orphans_total", on ? mg.n_fast_orphans : 0},
	        {"dc_job_timeouts_total", on ? mg.n_timeouts : 0},
	        {"dc_leader_announces_total", ctr.announces},
	};
	uint32_t n = 0;
	for (; n < sizeof(c) / sizeof(c[0]) && n < cap; n++)
		out[n] = c[n];
	return n;
}
