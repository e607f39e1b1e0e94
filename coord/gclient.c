/* gclient.c — the client of the gate tier, sans-IO: submission with an idempotency key until
 * acked, leader following (greater token wins), replay on (re)registration, exactly-once final. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_gate.h"
#include "hl_log.h"
#include "hl_pushlog.h"

int
hl_gclient_init(struct hl_gclient *c, uint64_t self, const uint64_t *gates, uint32_t ngates,
        uint32_t max_jobs)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (self == 0 || ngates == 0 || ngates > HL_GATE_MAX_GATES || max_jobs == 0)
		return -EINVAL;
	c->self = self;
	memcpy(c->gates, gates, ngates * sizeof(*gates));
	c->ngates = ngates;
	c->resend_ns = 1000000000ull;
	c->connected = true;
	if ((rc = hl_idmap_init(&c->map, max_jobs)) < 0)
		return rc;
	c->j = calloc(max_jobs, sizeof(*c->j));
	c->outq = calloc(HL_GATE_OUTQ, sizeof(*c->outq));
	if (c->j == NULL || c->outq == NULL) {
		hl_gclient_fini(c);
		return -ENOMEM;
	}
	return 0;
}

void
hl_gclient_fini(struct hl_gclient *c)
{
	hl_idmap_fini(&c->map);
	free(c->j);
	free(c->outq);
	memset(c, 0, sizeof(*c));
}

static struct hl_gmsg *
cout(struct hl_gclient *c, uint8_t type, uint64_t to, uint64_t job)
{
	struct hl_gmsg *m;

	if (c->out_len == HL_GATE_OUTQ) {
		c->n_out_full++;
		m = &c->sink; /* per instance: no state shared between clients */
	} else {
		m = &c->outq[(c->out_head + c->out_len) % HL_GATE_OUTQ];
		c->out_len++;
	}
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->from = c->self;
	m->to = to;
	m->job = job;
	return m;
}

int
hl_gclient_next_tx(struct hl_gclient *c, struct hl_gmsg *m)
{
	if (c->out_len == 0)
		return 0;
	*m = c->outq[c->out_head];
	c->out_head = (c->out_head + 1) % HL_GATE_OUTQ;
	c->out_len--;
	return 1;
}

static struct hl_gclient_job *
cjob(struct hl_gclient *c, uint64_t job)
{
	uint32_t s = hl_idmap_find(&c->map, job);

	return s == HL_IDMAP_NONE ? NULL : &c->j[s];
}

static void
send_submit(struct hl_gclient *c, struct hl_gclient_job *j, uint64_t now_ns)
{
	struct hl_gmsg *m = cout(c, HL_GM_SUBMIT, j->ask, j->job);

	memcpy(m->key, j->key, j->key_len);
	m->key_len = j->key_len;
	m->rec.ndc = j->ndc;
	memcpy(m->rec.dcs, j->dcs, sizeof(m->rec.dcs));
	j->resend_at_ns = now_ns + c->resend_ns;
}

static void
send_register(struct hl_gclient *c, struct hl_gclient_job *j, uint64_t now_ns)
{
	struct hl_gmsg *m = cout(c, HL_GM_REGISTER, j->leader, j->job);

	m->seq = j->last_seq;
	m->token = j->token;
	m->kind = j->cancel ? HL_REG_CANCEL : 0;
	/* a cancel is asked again every resend until the final comes, a plain registration
	 * only when the job is quiet */
	j->resend_at_ns = now_ns + (j->cancel ? 1 : 3) * c->resend_ns;
}

int
hl_gclient_cancel(struct hl_gclient *c, uint64_t job, uint64_t now_ns)
{
	struct hl_gclient_job *j = cjob(c, job);

	if (j == NULL)
		return -ENOENT;
	if (j->final_seen)
		return -EALREADY;
	j->cancel = true;
	if (c->connected && j->acked && j->leader != 0)
		send_register(c, j, now_ns);
	/* else: the registration that follows the submission's ack carries it */
	return 0;
}

int
hl_gclient_submit(struct hl_gclient *c, uint64_t job, const void *key, uint8_t key_len, uint8_t ndc,
        const uint64_t *dcs, uint64_t now_ns)
{
	struct hl_gclient_job *j;
	int64_t s;

	if (job == 0 || key_len == 0 || key_len > HL_IDEM_KEY_MAX || ndc == 0 ||
	        ndc > HL_GATE_JOB_DCS)
		return -EINVAL;
	for (uint32_t i = 0; dcs != NULL && i < ndc; i++)
		if (dcs[i] == 0)
			return -EINVAL;
	if (cjob(c, job) != NULL)
		return -HL_E_EXISTS;
	if ((s = hl_idmap_insert(&c->map, job)) < 0)
		return s == -EEXIST ? -HL_E_EXISTS : -HL_E_FULL;
	j = &c->j[s];
	memset(j, 0, sizeof(*j));
	j->job = job;
	memcpy(j->key, key, key_len);
	j->key_len = key_len;
	j->ndc = ndc;
	for (uint32_t i = 0; dcs != NULL && i < ndc; i++)
		j->dcs[i] = dcs[i];
	j->ask = c->gates[job % c->ngates];
	if (c->connected)
		send_submit(c, j, now_ns);
	return 0;
}

void
hl_gclient_set_connected(struct hl_gclient *c, bool up, uint64_t now_ns)
{
	bool was = c->connected;

	c->connected = up;
	if (!up || was)
		return;
	/* D.2: on reconnect every open job registers with what it has seen. */
	for (uint32_t s = 0; s < c->map.max; s++) {
		struct hl_gclient_job *j = &c->j[s];
		if (j->job == 0 || hl_idmap_find(&c->map, j->job) != s || j->final_seen)
			continue;
		if (j->acked && j->leader != 0)
			send_register(c, j, now_ns);
		else
			send_submit(c, j, now_ns);
	}
}

/* D.4: hand a numbered push to the application (ring); false if the ring is full. */
static bool
deliver(struct hl_gclient *c, const struct hl_gmsg *m, uint64_t seq)
{
	struct hl_gclient_update *u;

	if (c->upd_len == HL_GCLIENT_UPDATES) {
		c->n_updates_full++;
		return false;
	}
	u = &c->upd[(c->upd_head + c->upd_len++) % HL_GCLIENT_UPDATES];
	*u = (struct hl_gclient_update){.job = m->job,
	        .token = m->token,
	        .seq = seq,
	        .kind = m->kind,
	        .status = m->status,
	        .ppm = m->ppm};
	if (m->kind == HL_PUSH_K_REPORT)
		u->rep = m->rep;
	if (m->kind == HL_PUSH_K_PROGRESS) {
		u->totals = m->totals;
		u->p99_ns = m->p99_ns;
	}
	return true;
}

int
hl_gclient_next_update(struct hl_gclient *c, struct hl_gclient_update *u)
{
	if (c->upd_len == 0)
		return 0;
	*u = c->upd[c->upd_head];
	c->upd_head = (c->upd_head + 1) % HL_GCLIENT_UPDATES;
	c->upd_len--;
	return 1;
}

/* A greater token means a new job leader: follow it. */
static bool
follow(struct hl_gclient *c, struct hl_gclient_job *j, uint64_t leader, uint64_t token)
{
	if (leader == 0 || token < j->token)
		return false;
	if (token > j->token) {
		if (j->token != 0)
			c->n_leader_changes++;
		j->token = token;
		j->leader = leader;
		j->last_seq = 0; /* sequence numbers are per leader token */
		return true;
	}
	j->leader = leader;
	return false;
}

static void
ack_push(struct hl_gclient *c, const struct hl_gmsg *m)
{
	struct hl_gmsg *a = cout(c, HL_GM_PUSH_ACK, m->from, m->job);

	a->seq = m->seq;
	a->token = m->token;
}

int
hl_gclient_recv(struct hl_gclient *c, const struct hl_gmsg *m, uint64_t now_ns)
{
	struct hl_gclient_job *j;

	if (m->to != c->self)
		return -EINVAL;
	j = cjob(c, m->job);
	switch (m->type) {
	case HL_GM_SUBMIT_ACK:
		if (j == NULL || j->acked)
			return 0;
		if (m->from == j->ask)
			j->answered = true;
		if (m->code == -HL_E_NOT_LEADER) {
			/* redirect: to the named leader, or the next gate */
			uint32_t k = 0;
			while (k < c->ngates && c->gates[k] != j->ask)
				k++;
			uint64_t next = m->leader != 0 && m->leader != m->from
			                        ? m->leader
			                        : c->gates[(k + 1) % c->ngates];
			if (j->ask != m->from)
				return 0; /* answer to an older attempt */
			j->ask = next;
			/* Follow at once, but at most every resend/4: two gates that disagree
			 * during an election must not make us spin between them. */
			if (now_ns >= j->redirect_at_ns + c->resend_ns / 4) {
				j->redirect_at_ns = now_ns;
				send_submit(c, j, now_ns);
			}
			return 0;
		}
		if (m->code < 0)
			return 0; /* retried from tick */
		j->acked = true;
		follow(c, j, m->leader, m->token);
		if (j->cancel && j->leader != 0)
			send_register(c, j, now_ns); /* cancelled before it was accepted */
		return 0;
	case HL_GM_PUSH:
		if (j == NULL) {
			/* a job whose final was already handed over and forgotten */
			c->n_dup_pushes++;
			ack_push(c, m);
			return 0;
		}
		if (m->token < j->token) {
			/* E.9: a deposed leader (any push kind: status, progress, reporter, final) */
			c->n_stale++;
			HL_LOG(HL_LOG_INFO, "gclient",
			        "job %llu: push kind %u from gate %llu with stale token %llx < "
			        "%llx "
			        "ignored",
			        (unsigned long long)m->job, m->kind, (unsigned long long)m->from,
			        (unsigned long long)m->token, (unsigned long long)j->token);
			return 0;
		}
		j->acked = true;
		follow(c, j, m->from, m->token);
		if (m->seq != 0 && m->seq <= j->last_seq) {
			c->n_dup_pushes++; /* handed over already */
			ack_push(c, m);
			return 0;
		}
		if (m->seq > j->last_seq + 1) {
			/* D.4: a gap (lost or reordered push): dropped, not acked; the replay on
			 * registration sends what we miss, in order. */
			c->n_gaps++;
			if (now_ns >= j->register_at_ns + c->resend_ns / 4 ||
			        j->register_at_ns == 0) {
				j->register_at_ns = now_ns;
				send_register(c, j, now_ns);
			}
			return 0;
		}
		bool final = m->kind == HL_PUSH_K_RESULT && !j->final_seen;
		if (final && c->fin_len == 64)
			return -HL_E_FULL; /* not acked: the gate resends once drained */
		if (m->seq == 0 && m->gap_seq > j->last_seq) {
			/* the log lost pushes we missed: the current status stands for them */
			if (!deliver(c, m, m->gap_seq))
				return -HL_E_FULL;
			j->last_seq = m->gap_seq;
		} else if (m->seq != 0) {
			/* D.8: a new leader re-pushes the record's outcomes: each handed over once;
			 * a final only once too */
			bool skip = (m->kind == HL_PUSH_K_REPORT &&
			                    (m->ref >= HL_GATE_JOB_REPORTS ||
			                            (j->rep_seen & (1u << m->ref)))) ||
			            (m->kind == HL_PUSH_K_RESULT && !final);
			if (!skip && !deliver(c, m, m->seq))
				return -HL_E_FULL; /* not acked: comes again */
			if (m->kind == HL_PUSH_K_REPORT && m->ref < HL_GATE_JOB_REPORTS)
				j->rep_seen |= (uint8_t)(1u << m->ref);
			j->last_seq = m->seq;
		}
		if (m->kind == HL_PUSH_K_RESULT) {
			if (!final) {
				c->n_dup_pushes++;
			} else {
				j->final_seen = true;
				j->final = m->status;
				uint32_t t = (c->fin_head + c->fin_len++) % 64;
				c->fin_job[t] = m->job;
				c->fin_status[t] = m->status;
				c->fin_totals[t] = m->totals;
			}
		}
		ack_push(c, m);
		return 0;
	case HL_GM_LEADER_ANSWER:
		if (j == NULL || j->final_seen)
			return 0;
		if (m->code == -HL_E_NOT_LEADER && m->leader != 0) {
			struct hl_gmsg *q = cout(c, HL_GM_LEADER_QUERY, m->leader, m->job);
			(void)q;
			return 0;
		}
		if (m->code == 0 && m->token < j->token) {
			c->n_stale++; /* E.9: an answer naming an older leader */
			return 0;
		}
		if (m->code == 0 && follow(c, j, m->leader, m->token))
			send_register(c, j, now_ns);
		return 0;
	default:
		return -EPROTO;
	}
}

void
hl_gclient_tick(struct hl_gclient *c, uint64_t now_ns)
{
	if (!c->connected)
		return;
	for (uint32_t s = 0; s < c->map.max && hl_idmap_count(&c->map) > 0; s++) {
		struct hl_gclient_job *j = &c->j[s];
		if (j->job == 0 || hl_idmap_find(&c->map, j->job) != s || j->final_seen ||
		        now_ns < j->resend_at_ns)
			continue;
		if (!j->acked) {
			if (!j->answered && j->resend_at_ns != 0) {
				/* no answer at all (that gate may be down): try the next one */
				uint32_t k = 0;
				while (k < c->ngates && c->gates[k] != j->ask)
					k++;
				j->ask = c->gates[(k + 1) % c->ngates];
			}
			j->answered = false;
			send_submit(c, j, now_ns);
			continue;
		}
		/* Quiet job: re-register with the leader (replay) and ask a gate who leads it
		 * (D.5), in case we missed a leader change. */
		send_register(c, j, now_ns);
		(void)cout(c, HL_GM_LEADER_QUERY, c->gates[(now_ns / c->resend_ns) % c->ngates],
		        j->job);
	}
}

int
hl_gclient_next_final(
        struct hl_gclient *c, uint64_t *job, uint8_t *status, struct hl_counts *totals)
{
	if (c->fin_len == 0)
		return 0;
	*job = c->fin_job[c->fin_head];
	*status = c->fin_status[c->fin_head];
	if (totals != NULL)
		*totals = c->fin_totals[c->fin_head];
	c->fin_head = (c->fin_head + 1) % 64;
	c->fin_len--;
	return 1;
}

int
hl_gclient_forget(struct hl_gclient *c, uint64_t job)
{
	struct hl_gclient_job *j = cjob(c, job);

	if (j == NULL)
		return -ENOENT;
	memset(j, 0, sizeof(*j));
	return hl_idmap_remove(&c->map, job);
}
