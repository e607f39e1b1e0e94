/* role_gate.c — the gate role (roles.h): the gate tier's election (hl_elect between the gates of
 * `[cluster] gates`, term persisted in <state_dir>/gate-term before any vote leaves), and, in
 * cluster mode (`[cluster] dc.NAME` keys), the gate core hl_gate plus hl_gclient, the client of
 * this node's own hlctl connections: a job submitted here is a record in jobs.c (what hlctl
 * watches and fetches) and a job of the cluster, submitted through gclient with its idempotency
 * key, followed to whichever gate leads it, its updates and final result written back to the
 * record. The job's profile text goes to the DC's managers (job_spec_put) before every
 * DC_SUBMIT. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_client_msg.h"
#include "hl_elect.h"
#include "hl_elect_wire.h"
#include "hl_err.h"
#include "hl_gate_wire.h"
#include "hl_log.h"
#include "hl_prng.h"
#include "recwal.h"
#include "roles.h"
#include "rows.h"

#define CLIENT_JOBS 256
#define DC_CAPACITY 64 /* jobs a DC is assumed to take (no federated health yet) */

static struct hl_elect el;
static bool elect_on, gate_on;
static struct hl_gate gate;
static struct hl_gclient gcl;
static struct hl_prng rng;
static struct hl_recwal rwal; /* the gate's record store on disk */
static uint64_t client_leader[CLIENT_JOBS]; /* per gclient slot: the job leader last logged */
static uint64_t seen_leader;
static uint32_t seen_term;
static struct {
	uint64_t recv, recv_bad, persist_err, became_leader, stepped_down, leader_changes;
	uint64_t gmsg_out, gmsg_encode_err, dc_no_manager, finals, updates, submits, no_spec;
	uint64_t cancels, rows_bad;
} ctr;

/* ---- election ---- */

static void
elect_drain(void)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	struct hl_elect_action a;
	uint8_t buf[512];
	while (hl_elect_next_action(&el, &a) == 1) {
		switch (a.kind) {
		case HL_ELECT_ACT_SEND: {
			unsigned type;
			size_t len;
			int rc = hl_elect_wire_encode(&a.msg, HL_TIER_GATE,
			        el.cfg.lease_ns / 1000000, &type, buf, sizeof(buf), &len);
			if (rc < 0) {
				ctr.gmsg_encode_err++;
				HL_LOG(HL_LOG_ERR, "roles", "gate election: encode kind=%d: %s",
				        (int)a.msg.kind, hl_errname(rc));
				break;
			}
			for (uint32_t i = 0; i < p->n_gates; i++)
				if (p->gates[i] != p->node_id &&
				        (a.msg.to == 0 || a.msg.to == p->gates[i]))
					(void)hl_roles_send(
					        p->gates[i], type, buf, len, "gate election");
			break;
		}
		case HL_ELECT_ACT_PERSIST: {
			int rc = hl_roles_term_store("gate-term", a.term, a.voted_for);
			if (rc < 0) {
				/* Nothing more leaves this node until the term is durable: retry. */
				ctr.persist_err++;
				HL_LOG(HL_LOG_ERR, "roles", "gate election: persist term=%u: %s",
				        a.term, strerror(-rc));
				return;
			}
			hl_elect_persisted(&el, a.term);
			break;
		}
		case HL_ELECT_ACT_LEADER:
			ctr.became_leader++;
			HL_LOG(HL_LOG_INFO, "roles", "gate tier: this node leads term=%u", a.term);
			break;
		case HL_ELECT_ACT_STEPPED_DOWN:
			ctr.stepped_down++;
			HL_LOG(HL_LOG_INFO, "roles", "gate tier: stepped down term=%u", a.term);
			break;
		case HL_ELECT_ACT_NEW_LEADER:
			ctr.leader_changes++;
			HL_LOG(HL_LOG_INFO, "roles", "gate tier: leader node=%" PRIu64 " term=%u",
			        a.leader, a.term);
			break;
		}
	}
}

void
hl_rgate_elect_frame(uint64_t from, unsigned type, const void *body, size_t len)
{
	struct hl_elect_msg m;
	struct hl_wire_err werr;
	if (!elect_on)
		return;
	int rc = hl_elect_wire_decode(type, body, len, &m, &werr);
	if (rc < 0 || m.from != from) {
		ctr.recv_bad++;
		HL_LOG(HL_LOG_WARN, "roles",
		        "gate election: bad %s from node=%" PRIu64 " (claims %" PRIu64 "): %s",
		        hl_msg_name(type), from, rc < 0 ? 0 : m.from,
		        rc < 0 ? hl_errname(rc) : "sender");
		return;
	}
	ctr.recv++;
	if ((rc = hl_elect_recv(&el, &m, hl_node_now_ns())) < 0 && rc != -EINVAL)
		HL_LOG(HL_LOG_WARN, "roles", "gate election: recv from node=%" PRIu64 ": %s", from,
		        hl_errname(rc));
	elect_drain();
}

/* ---- gate and client cores ---- */

static const struct hl_node_dc *
dc_by_id(uint64_t id)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	for (uint32_t i = 0; i < p->n_dcs; i++)
		if (hl_roles_dc_id(p->dcs[i].name) == id)
			return &p->dcs[i];
	return NULL;
}

static void
fetch_from_gates(uint64_t job)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	for (uint32_t i = 0; i < p->n_gates; i++)
		if (p->gates[i] != p->node_id)
			hl_roles_spec_fetch(p->gates[i], job);
}

static void
send_gmsg(const struct hl_gmsg *m)
{
	static uint8_t buf[8192];
	struct hl_wire_err we;
	unsigned type;
	size_t len;
	int rc = hl_gate_wire_encode_err(m, &type, buf, sizeof(buf), &len, &we);
	if (rc < 0) {
		char w[160];
		hl_wire_err_fmt(&we, w, sizeof(w));
		ctr.gmsg_encode_err++;
		HL_LOG(HL_LOG_ERR, "roles", "gate: encode type=%u job=%" PRIu64 ": %s %s", m->type,
		        m->job, hl_errname(rc), w);
		return;
	}
	ctr.gmsg_out++;
	if (m->type == HL_GM_DC_SUBMIT || m->type == HL_GM_DC_RESULT_ACK ||
	        m->type == HL_GM_DC_REPORT_ACK) {
		/* To a DC: every configured manager of it; only its tier leader takes it. */
		const struct hl_node_dc *d = dc_by_id(m->to);
		if (d == NULL) {
			ctr.dc_no_manager++;
			HL_LOG(HL_LOG_ERR, "roles", "gate: message for unknown DC id %" PRIu64,
			        m->to);
			return;
		}
		bool fetched = false;
		for (uint32_t i = 0; i < d->n_managers; i++) {
			if (m->type == HL_GM_DC_SUBMIT && m->kind != HL_DC_SUBMIT_CHECK &&
			        hl_roles_spec_send(d->managers[i], m->job) == -ENOENT && !fetched) {
				/* the entry gate put it to every gate; a lost put (or a text this
				 * gate lost in a restart) is fetched. The DC_SUBMIT goes anyway: a DC
				 * that knows the job takes our route without the text (a re-point). */
				ctr.no_spec++;
				fetch_from_gates(m->job);
				fetched = true;
			}
			(void)hl_roles_send(d->managers[i], type, buf, len, "gate");
		}
		return;
	}
	(void)hl_roles_send(m->to, type, buf, len, "gate");
}

/* The job's per-stream rows as its DCs sent them (each DC's merged rows: worker 0), merged;
 * *missing: counted slices the DCs had no rows of. */
static struct hl_cp_part parts[HL_CP_MAX_PARTS];

static void
job_rows(uint64_t job, struct hl_rows_merge *m, uint32_t *n_parts, uint32_t *missing)
{
	static struct hl_msg_stream_rows in;
	const struct hl_rows *st = hl_roles_rows();
	const struct hl_rows_ent *e;
	struct hl_wire_err we;
	*missing = *n_parts = 0;
	for (uint32_t i = 0; st && (e = hl_rows_nth(st, job, HL_ROWS_DC, i)) != NULL; i++) {
		int rc = hl_msg_stream_rows_decode(e->blob, e->len, &in, &we);
		if (rc < 0) { /* it decoded when it was kept */
			ctr.rows_bad++;
			HL_LOG(HL_LOG_ERR, "roles", "gate: job=%" PRIu64 " rows kept: %s", job,
			        hl_errname(rc));
			continue;
		}
		*missing += (uint32_t)in.missing;
		for (uint32_t k = 0; k < in.rows.n; k++) {
			const struct hl_rec_stream_row *r = &in.rows.v[k];
			if (*n_parts < HL_CP_MAX_PARTS && r->base.stream_id < HL_ROWS_MAX_IDS)
				hl_cp_part_from_row(r, (uint32_t)r->base.stream_id, in.dc,
				        &parts[(*n_parts)++]);
			if (r->worker == 0 && hl_rows_merge_add(m, r) < 0) {
				ctr.rows_bad++;
				HL_LOG(HL_LOG_WARN, "roles",
				        "gate: job=%" PRIu64 " DC %s: row of stream %" PRIu64
				        " refused (its histogram does not decode or holds another "
				        "count than its %" PRIu64 " samples)",
				        job, in.dc, r->base.stream_id, r->base.lat_samples);
			}
		}
	}
}

static void
apply_updates(void)
{
	struct hl_gclient_update u;
	uint64_t job;
	uint8_t status;
	while (hl_gclient_next_update(&gcl, &u) == 1) {
		ctr.updates++;
		hl_jobs_remote_update(u.job, u.kind, u.status, u.ppm, &u.totals, u.p99_ns);
	}
	struct hl_counts totals;
	while (hl_gclient_next_final(&gcl, &job, &status, &totals) == 1) {
		ctr.finals++;
		struct hl_rows_merge rows;
		uint32_t missing, n_parts;
		hl_rows_merge_init(&rows);
		job_rows(job, &rows, &n_parts, &missing);
		hl_jobs_remote_final(job, status, &totals, &rows, parts, n_parts, missing);
		hl_rows_merge_fini(&rows);
		uint32_t k = hl_idmap_find(&gcl.map, job);
		if (k != HL_IDMAP_NONE)
			client_leader[k] = 0;
		(void)hl_gclient_forget(&gcl, job);
	}
}

static void
gate_drain(void)
{
	struct hl_gmsg m;
	/* durable before anything the store changes is acknowledged: one fdatasync per batch */
	if (hl_recwal_commit(&rwal) < 0 && !hl_gate_is_amnesic(&gate))
		hl_gate_set_amnesic(&gate, hl_node_now_ns()); /* what we ack may not survive */
	while (hl_gate_next_tx(&gate, &m) == 1)
		send_gmsg(&m);
	while (hl_gclient_next_tx(&gcl, &m) == 1)
		send_gmsg(&m);
	apply_updates();
}

static bool
for_client(uint8_t type)
{
	return type == HL_GM_SUBMIT_ACK || type == HL_GM_PUSH || type == HL_GM_LEADER_ANSWER;
}

void
hl_rgate_gmsg(const struct hl_gmsg *m, uint64_t now)
{
	int rc;
	if (!gate_on) {
		ctr.recv_bad++;
		return;
	}
	ctr.recv++;
	if (for_client(m->type)) {
		rc = hl_gclient_recv(&gcl, m, now);
		uint32_t k = hl_idmap_find(&gcl.map, m->job);
		if (k != HL_IDMAP_NONE && gcl.j[k].leader != 0 &&
		        gcl.j[k].leader != client_leader[k]) {
			client_leader[k] = gcl.j[k].leader;
			HL_LOG(HL_LOG_INFO, "roles",
			        "gate client: job=%" PRIu64 " led by gate=%" PRIu64
			        " token=%" PRIx64,
			        m->job, gcl.j[k].leader, gcl.j[k].token);
		}
	} else
		rc = hl_gate_recv(&gate, m, now);
	if (rc < 0 && rc != -ENOENT && rc != -HL_E_STALE_TOKEN)
		HL_LOG(HL_LOG_INFO, "roles",
		        "gate: type=%u job=%" PRIu64 " from node=%" PRIu64 ": %s", m->type, m->job,
		        m->from, hl_errname(rc));
	gate_drain();
}

static void
dc_health(void)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	for (uint32_t i = 0; i < p->n_dcs; i++) {
		bool up = false;
		for (uint32_t k = 0; k < p->dcs[i].n_managers; k++) {
			const struct hl_member *m = hl_roles_member(p->dcs[i].managers[k]);
			up |= (m != NULL && m->alive) || p->dcs[i].managers[k] == p->node_id;
		}
		(void)hl_gate_dc_set(&gate, hl_roles_dc_id(p->dcs[i].name), up, DC_CAPACITY);
	}
}

void
hl_rgate_member(const struct hl_member *m, bool was_alive, uint64_t now)
{
	(void)was_alive;
	if (elect_on && (m->roles & HL_ROLE_GATE) && !m->alive) {
		/* the tier leader's death starts the election once its lease ran out here */
		(void)hl_elect_peer_dead(&el, m->id, now);
		elect_drain();
	}
	if (!gate_on)
		return;
	if (m->roles & HL_ROLE_GATE) {
		if (m->alive)
			hl_gate_peer_alive(&gate, m->id);
		else
			hl_gate_peer_dead(&gate, m->id);
	}
	if (m->roles & HL_ROLE_MANAGER)
		dc_health();
	gate_drain();
}

void
hl_rgate_tick(uint64_t now)
{
	if (elect_on) {
		hl_elect_tick(&el, now);
		elect_drain();
	}
	if (!gate_on)
		return;
	uint64_t leader = elect_on ? hl_elect_leader(&el, now) : hl_node.prof.node_id;
	uint32_t term = elect_on ? (hl_elect_is_leader(&el, now) ? el.term : 0) : 1;
	if (leader != seen_leader || term != seen_term) {
		seen_leader = leader;
		seen_term = term;
		int rc = hl_gate_set_tier_leader(&gate, leader, term, now);
		if (rc < 0)
			HL_LOG(HL_LOG_ERR, "roles", "gate: tier leader %" PRIu64 " term %u: %s",
			        leader, term, hl_errname(rc));
	}
	hl_gate_tick(&gate, now);
	hl_gclient_tick(&gcl, now);
	gate_drain();
	hl_recwal_tick(&rwal);
}

bool
hl_roles_runs_jobs(void)
{
	return gate_on;
}

int
hl_roles_submit(uint64_t job, const void *text, size_t len, const struct hl_job_spec *js, char *err,
        size_t errlen)
{
	char key[HL_JOB_KEY_LEN + 32];
	int rc;
	if (!gate_on) {
		snprintf(err, errlen, "this node is not a gate of a cluster");
		return -HL_E_UNSUPPORTED;
	}
	if (js->n_workflows > HL_DC_MAX_WF) {
		snprintf(err, errlen, "job has %u workflows; a cluster job takes at most %d",
		        js->n_workflows, HL_DC_MAX_WF);
		return -EINVAL;
	}
	if (js->dc_count > hl_node.prof.n_dcs || js->dc_count > HL_GATE_JOB_DCS) {
		snprintf(err, errlen,
		        "job wants %u DCs; this cluster has %u (a job runs in at most %d)",
		        js->dc_count, hl_node.prof.n_dcs, HL_GATE_JOB_DCS);
		return -EINVAL;
	}
	/* DCs the job names (`dcs`): each must be one of the cluster's; the gate runs it there. */
	uint64_t dcs[HL_GATE_JOB_DCS] = {0};
	for (uint32_t i = 0; i < js->n_dcs && i < HL_GATE_JOB_DCS; i++) {
		const struct hl_node_dc *d = NULL;
		for (uint32_t k = 0; k < hl_node.prof.n_dcs && d == NULL; k++)
			if (strcmp(hl_node.prof.dcs[k].name, js->dcs[i]) == 0)
				d = &hl_node.prof.dcs[k];
		if (d == NULL) {
			snprintf(err, errlen,
			        "job names DC '%s', which is not one of this cluster's",
			        js->dcs[i]);
			return -EINVAL;
		}
		dcs[i] = hl_roles_dc_id(d->name);
	}
	/* Without a key every submission is a new job: the key is then this job's own id. */
	if (js->idempotency_key[0])
		snprintf(key, sizeof(key), "%s", js->idempotency_key);
	else
		snprintf(key, sizeof(key), "job-%" PRIu64, job);
	if ((rc = hl_roles_spec_keep(job, text, len)) < 0) {
		if (rc == -EEXIST) /* a keyed job's id is its key's: the same key, another text */
			snprintf(err, errlen,
			        "job profile: [job] idempotency_key: '%s' is a job with another "
			        "profile; a resubmission must be the same text (or use another "
			        "key)",
			        js->idempotency_key);
		else
			snprintf(err, errlen, "job profile not kept: %s", hl_errname(rc));
		return rc;
	}
	/* whichever gate comes to lead the job submits it to the DCs with its text */
	for (uint32_t i = 0; i < hl_node.prof.n_gates; i++)
		(void)hl_roles_spec_send(hl_node.prof.gates[i], job);
	rc = hl_gclient_submit(&gcl, job, key, (uint8_t)strlen(key),
	        (uint8_t)(js->dc_count ? js->dc_count : 1), js->n_dcs ? dcs : NULL,
	        hl_node_now_ns());
	if (rc < 0) {
		hl_roles_spec_drop(job);
		snprintf(err, errlen, "cluster client refused the job: %s", hl_errname(rc));
		return rc;
	}
	ctr.submits++;
	gate_drain();
	hl_roles_kick();
	return 0;
}

int
hl_roles_cancel(uint64_t job)
{
	if (!gate_on)
		return -HL_E_UNSUPPORTED;
	int rc = hl_gclient_cancel(&gcl, job, hl_node_now_ns());
	if (rc < 0) {
		HL_LOG(HL_LOG_WARN, "roles", "gate client: cancel job=%" PRIu64 ": %s", job,
		        hl_errname(rc));
		return rc;
	}
	ctr.cancels++;
	HL_LOG(HL_LOG_INFO, "roles", "gate client: job=%" PRIu64 " cancel sent to the gate tier",
	        job);
	gate_drain();
	hl_roles_kick();
	return 0;
}

/* ---- start, stop, counters ---- */

static int
gate_restore(void *core, uint8_t op, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len, uint64_t now_ns)
{
	return hl_gate_restore(core, op, job, token, version, body, len, now_ns);
}

static int
gate_snapshot(void *core, hl_jrec_journal_fn emit, void *arg)
{
	return hl_gate_snapshot(core, emit, arg);
}

int
hl_rgate_start(char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	struct hl_elect_cfg cfg;
	uint32_t term = 0;
	uint64_t vote = 0;
	int rc;

	if (!(p->roles & HL_ROLE_GATE))
		return 0;
	if (p->n_gates > 0) {
		if ((rc = hl_roles_term_load("gate-term", &term, &vote, err, errlen)) < 0)
			return rc;
		hl_elect_cfg_fast(&cfg); /* failover at detection speed (issue 14) */
		cfg.self = p->node_id;
		cfg.nmembers = p->n_gates;
		memcpy(cfg.members, p->gates, p->n_gates * sizeof(p->gates[0]));
		if ((rc = hl_elect_init(&el, &cfg, term, vote, p->node_id ^ hl_node_now_ns(),
		             hl_node_now_ns())) < 0) {
			snprintf(err, errlen, "gate election: %s", hl_errname(rc));
			return rc;
		}
		elect_on = true;
		printf("hyperline: node %s gate tier of %u, term %u\n", p->name, p->n_gates, term);
	}
	if (p->n_dcs == 0)
		return 0;
	if (p->n_gates == 0) {
		snprintf(err, errlen, "cluster mode ([cluster] dc.NAME) needs [cluster] gates");
		return -HL_E_CONFIG;
	}
	struct hl_gate_cfg gc;
	hl_gate_cfg_default(&gc);
	gc.self = p->node_id;
	gc.ngates = p->n_gates;
	memcpy(gc.gates, p->gates, p->n_gates * sizeof(p->gates[0]));
	hl_prng_seed(&rng, p->node_id ^ hl_node_now_ns());
	if ((rc = hl_gate_init(&gate, &gc, &rng)) < 0) {
		snprintf(err, errlen, "gate core: %s", hl_errname(rc));
		return rc;
	}
	if ((rc = hl_recwal_open(&rwal, p->state_dir, "gate-records", term != 0 || vote != 0, &gate,
	             gate_restore, gate_snapshot, hl_node_now_ns(), err, errlen)) < 0) {
		hl_gate_fini(&gate);
		return rc;
	}
	hl_jrec_store_set_journal(&gate.store, hl_recwal_journal, &rwal);
	if (rwal.lost)
		hl_gate_set_amnesic(&gate, hl_node_now_ns());
	if ((rc = hl_gclient_init(&gcl, p->node_id, p->gates, p->n_gates, CLIENT_JOBS)) < 0) {
		hl_recwal_close(&rwal);
		hl_gate_fini(&gate);
		snprintf(err, errlen, "gate client: %s", hl_errname(rc));
		return rc;
	}
	hl_gclient_set_connected(&gcl, true, hl_node_now_ns());
	gate_on = true;
	dc_health();
	printf("hyperline: node %s gate of a cluster of %u DC(s)\n", p->name, p->n_dcs);
	return 0;
}

void
hl_rgate_stop(void)
{
	if (gate_on) {
		hl_gclient_fini(&gcl);
		hl_recwal_close(&rwal);
		hl_gate_fini(&gate);
	}
	gate_on = false;
	elect_on = false;
}

bool
hl_rgate_on(void)
{
	return elect_on || gate_on;
}

bool
hl_rgate_holds(uint64_t job)
{
	return gate_on && (hl_gate_holds(&gate, job) || hl_gclient_has(&gcl, job));
}

uint32_t
hl_rgate_counters(struct hl_node_counter *out, uint32_t cap)
{
	uint64_t now = hl_node_now_ns();
	const struct hl_node_counter c[] = {
	        {"gate_tier_members", elect_on ? el.cfg.nmembers : 0},
	        {"gate_rows_bad_total", ctr.rows_bad},
	        {"gate_tier_term", elect_on ? el.term : 0},
	        {"gate_tier_leader", elect_on ? hl_elect_leader(&el, now) : 0},
	        {"gate_tier_is_leader", elect_on && hl_elect_is_leader(&el, now)},
	        {"election_received_total", ctr.recv},
	        {"election_received_bad_total", ctr.recv_bad},
	        {"election_persist_errors_total", ctr.persist_err},
	        {"became_leader_total", ctr.became_leader},
	        {"stepped_down_total", ctr.stepped_down},
	        {"leader_changes_total", ctr.leader_changes},
	        {"gate_jobs_led", gate_on ? hl_gate_jobs(&gate) : 0},
	        {"gate_client_jobs", gate_on ? hl_gclient_jobs(&gcl) : 0},
	        {"gate_retained", gate_on ? hl_gate_retained(&gate, false) : 0},
	        {"gate_tombs", gate_on ? hl_gate_tombs(&gate) : 0},
	        {"gate_resurrections_refused_total", gate_on ? gate.n_resurrect_refused : 0},
	        {"gate_tombs_evicted_total", gate_on ? hl_gate_tombs_evicted(&gate) : 0},
	        {"gate_messages_out_total", ctr.gmsg_out},
	        {"gate_encode_errors_total", ctr.gmsg_encode_err},
	        {"gate_submits_total", ctr.submits},
	        {"gate_client_cancels_total", ctr.cancels},
	        {"gate_cancels_total", gate_on ? gate.n_cancels : 0},
	        {"gate_dc_submit_without_profile_total", ctr.no_spec},
	        {"gate_client_updates_total", ctr.updates},
	        {"gate_client_finals_total", ctr.finals},
	        {"gate_takeovers_total", gate_on ? gate.n_takeovers : 0},
	        {"gate_dc_timeouts_total", gate_on ? gate.n_dc_timeouts : 0},
	        {"gate_outbox_full_total", gate_on ? gate.n_out_full : 0},
	        {"gate_handoffs_total", gate_on ? gate.n_handoffs : 0},
	        {"gate_amnesic", gate_on && hl_gate_is_amnesic(&gate)},
	        {"gate_wal_restored", rwal.n_replayed},
	        {"gate_wal_commits_total", rwal.n_commits},
	        {"gate_wal_errors_total", rwal.n_append_err + rwal.n_commit_err +
	                                          rwal.n_compact_err + rwal.n_replay_refused},
	        {"gate_finals_undelivered_total", gate_on ? gate.n_finals_undelivered : 0},
	        {"gate_orphans_leased_total", gate_on ? gate.n_orphans : 0},
	        {"gate_fast_orphans_total", gate_on ? gate.n_fast_orphans : 0},
	        {"gate_tomb_finals_total", gate_on ? gate.n_tomb_finals : 0},
	        {"gate_stale_refused_total", gate_on ? gate.n_stale : 0},
	        {"gate_dup_results_total", gate_on ? gate.n_dup_results : 0},
	        {"gate_client_dup_pushes_total", gate_on ? gcl.n_dup_pushes : 0},
	        {"gate_client_stale_total", gate_on ? gcl.n_stale : 0},
	        {"gate_tier_leader_dead_total", elect_on ? el.n_leader_dead : 0},
	};
	uint32_t n = 0;
	for (; n < sizeof(c) / sizeof(c[0]) && n < cap; n++)
		out[n] = c[n];
	return n;
}
