/* elect.c — tier leader election: pre-vote, vote, leader lease by heartbeat rounds, step-down. */
#include <errno.h>
#include <string.h>

#include "hl_elect.h"
#include "hl_log.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

void
hl_elect_cfg_default(struct hl_elect_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->heartbeat_ns = 2 * SEC;
	cfg->election_timeout_ns = 5 * SEC;
	cfg->election_jitter_ns = 2 * SEC;
	cfg->prevote_timeout_ns = 2 * SEC;
	cfg->lease_ns = 5 * SEC;
	cfg->drift_ns = 50 * MS;
	cfg->max_lhm = 4;
	cfg->stepdown_failures = 3;
}

void
hl_elect_cfg_fast(struct hl_elect_cfg *cfg)
{
	hl_elect_cfg_default(cfg);
	cfg->heartbeat_ns = 250 * MS;
	cfg->lease_ns = 1 * SEC;
	cfg->election_timeout_ns = 3 * SEC; /* the fallback: SWIM death starts it first */
	cfg->election_jitter_ns = 1 * SEC;
	cfg->prevote_timeout_ns = 1 * SEC;
}

static int
member_index(const struct hl_elect *e, uint64_t id)
{
	for (uint32_t i = 0; i < e->cfg.nmembers; i++)
		if (e->cfg.members[i] == id)
			return (int)i;
	return -1;
}

static uint32_t
popcount(uint32_t x)
{
	return (uint32_t)__builtin_popcount(x);
}

static int
push(struct hl_elect *e, const struct hl_elect_action *a)
{
	if (e->out_len == HL_ELECT_OUTBOX) {
		e->n_outbox_full++;
		HL_LOG(HL_LOG_ERR, "elect", "outbox full node=%llu term=%u: host not draining",
		        (unsigned long long)e->cfg.self, e->term);
		return -ENOBUFS;
	}
	e->out[(e->out_head + e->out_len++) % HL_ELECT_OUTBOX] = *a;
	return 0;
}

static int
send_msg(struct hl_elect *e, enum hl_elect_msg_kind k, uint64_t to, uint64_t seq, bool granted)
{
	struct hl_elect_action a = {.kind = HL_ELECT_ACT_SEND};

	a.msg.kind = k;
	a.msg.from = e->cfg.self;
	a.msg.to = to;
	a.msg.term = e->term;
	a.msg.lhm = e->lhm;
	a.msg.seq = seq;
	a.msg.granted = granted;
	return push(e, &a);
}

static int
persist(struct hl_elect *e)
{
	struct hl_elect_action a = {.kind = HL_ELECT_ACT_PERSIST};

	a.term = e->term;
	a.voted_for = e->voted_for;
	return push(e, &a);
}

static int
note(struct hl_elect *e, enum hl_elect_act_kind k)
{
	struct hl_elect_action a = {.kind = k};

	a.term = e->term;
	a.leader = e->leader;
	return push(e, &a);
}

static uint64_t
election_delay(struct hl_elect *e)
{
	return e->cfg.election_timeout_ns + hl_prng_below(&e->rng, e->cfg.election_jitter_ns + 1);
}

static bool
eligible(const struct hl_elect *e)
{
	return e->lhm <= e->cfg.max_lhm;
}

int
hl_elect_init(struct hl_elect *e, const struct hl_elect_cfg *cfg, uint32_t stored_term,
        uint64_t stored_vote, uint64_t seed, uint64_t now_ns)
{
	struct hl_elect_cfg c = *cfg; /* cfg may point into *e (restart with the same config) */

	cfg = &c;
	memset(e, 0, sizeof(*e));
	if (cfg->nmembers == 0 || cfg->nmembers > HL_ELECT_MAX_MEMBERS || cfg->heartbeat_ns == 0 ||
	        cfg->election_timeout_ns == 0 || cfg->prevote_timeout_ns == 0 ||
	        cfg->lease_ns == 0 || cfg->stepdown_failures == 0 || cfg->drift_ns >= cfg->lease_ns)
		return -EINVAL;
	e->cfg = *cfg;
	if (member_index(e, cfg->self) < 0)
		return -EINVAL;
	hl_prng_seed(&e->rng, seed);
	e->role = HL_ELECT_FOLLOWER;
	e->term = stored_term;
	e->voted_for = stored_vote;
	/* A restarted node waits a full election timeout: it may have granted a lease-bearing
	 * vote or ack just before it crashed. */
	e->heard_until_ns = now_ns + cfg->lease_ns;
	e->deadline_ns = now_ns + election_delay(e);
	return 0;
}

/* Adopt a higher term seen in a message: follower, no vote yet in that term, persisted. */
static int
adopt_term_np(struct hl_elect *e, uint32_t term, uint64_t now_ns)
{
	int rc = 0;

	if (e->role == HL_ELECT_LEADER) {
		e->n_stepdowns++;
		e->role = HL_ELECT_FOLLOWER;
		e->leader = 0;
		rc = note(e, HL_ELECT_ACT_STEPPED_DOWN);
	}
	e->role = HL_ELECT_FOLLOWER;
	e->term = term;
	e->voted_for = 0;
	e->leader = 0;
	e->lease_until_ns = 0;
	e->deadline_ns = now_ns + election_delay(e);
	return rc;
}

static int
adopt_term(struct hl_elect *e, uint32_t term, uint64_t now_ns)
{
	int rc = adopt_term_np(e, term, now_ns);

	return rc ? rc : persist(e);
}

static int start_election(struct hl_elect *e, uint64_t now_ns);
static int become_leader(struct hl_elect *e, uint64_t now_ns);

static int
start_prevote(struct hl_elect *e, uint64_t now_ns)
{
	int rc;

	e->role = HL_ELECT_PRECANDIDATE;
	e->grants = 1u << member_index(e, e->cfg.self);
	e->deadline_ns = now_ns + e->cfg.prevote_timeout_ns;
	/* The pre-vote asks about term + 1 without moving to it: a partitioned node that keeps
	 * failing pre-votes never inflates its term and never disrupts a healthy leader. */
	if (popcount(e->grants) >= hl_elect_quorum(e))
		return start_election(e, now_ns);
	e->term++;
	rc = send_msg(e, HL_ELECT_PREVOTE_REQ, 0, 0, false);
	e->term--;
	return rc;
}

static int
start_election(struct hl_elect *e, uint64_t now_ns)
{
	int rc;

	if (e->term == UINT32_MAX)
		return -EOVERFLOW;
	e->role = HL_ELECT_CANDIDATE;
	e->term++;
	e->voted_for = e->cfg.self;
	e->leader = 0;
	e->grants = 1u << member_index(e, e->cfg.self);
	e->deadline_ns = now_ns + election_delay(e);
	rc = persist(e);
	if (rc == 0)
		rc = send_msg(e, HL_ELECT_VOTE_REQ, 0, 0, false);
	if (rc == 0 && popcount(e->grants) >= hl_elect_quorum(e))
		rc = become_leader(e, now_ns);
	return rc;
}

static void
round_quorum(struct hl_elect *e, int r)
{
	uint64_t until = e->rounds[r].sent_ns + e->cfg.lease_ns - e->cfg.drift_ns;

	if (until > e->lease_until_ns)
		e->lease_until_ns = until;
	e->failures = 0;
}

static int
heartbeat_round(struct hl_elect *e, uint64_t now_ns)
{
	int r = (int)(++e->hb_seq % HL_ELECT_ROUNDS);

	e->rounds[r].seq = e->hb_seq;
	e->rounds[r].sent_ns = now_ns;
	e->rounds[r].acks = 1u << member_index(e, e->cfg.self);
	e->next_hb_ns = now_ns + e->cfg.heartbeat_ns;
	if (popcount(e->rounds[r].acks) >= hl_elect_quorum(e))
		round_quorum(e, r);
	return send_msg(e, HL_ELECT_HEARTBEAT, 0, e->hb_seq, false);
}

static int
become_leader(struct hl_elect *e, uint64_t now_ns)
{
	int rc;

	HL_LOG(HL_LOG_INFO, "elect", "leader node=%llu term=%u votes=%u/%u",
	        (unsigned long long)e->cfg.self, e->term, popcount(e->grants), e->cfg.nmembers);
	e->role = HL_ELECT_LEADER;
	e->leader = e->cfg.self;
	e->failures = 0;
	e->lease_until_ns = 0;
	memset(e->rounds, 0, sizeof(e->rounds));
	rc = note(e, HL_ELECT_ACT_LEADER);
	return rc ? rc : heartbeat_round(e, now_ns);
}

static int
step_down(struct hl_elect *e, uint64_t now_ns)
{
	HL_LOG(HL_LOG_WARN, "elect", "step down node=%llu term=%u failed_checks=%u lhm=%u",
	        (unsigned long long)e->cfg.self, e->term, e->failures, e->lhm);
	e->n_stepdowns++;
	e->role = HL_ELECT_FOLLOWER;
	e->leader = 0;
	e->lease_until_ns = 0;
	/* Our own lease ends here: we stop acting now and may vote for others. */
	e->heard_until_ns = now_ns;
	e->deadline_ns = now_ns + election_delay(e);
	return note(e, HL_ELECT_ACT_STEPPED_DOWN);
}

static int
on_prevote_req(struct hl_elect *e, const struct hl_elect_msg *m, uint64_t now_ns)
{
	bool grant = m->term > e->term && now_ns >= e->heard_until_ns &&
	             e->role != HL_ELECT_LEADER && m->lhm <= e->cfg.max_lhm;

	/* Answer in the proposed term so the candidate can match it; our term is unchanged. */
	uint32_t saved = e->term;
	int rc;

	e->term = m->term;
	rc = send_msg(e, HL_ELECT_PREVOTE_RESP, m->from, 0, grant);
	e->term = saved;
	return rc;
}

static int
on_vote_req(struct hl_elect *e, const struct hl_elect_msg *m, uint64_t now_ns)
{
	int rc = 0;

	/* Leader stickiness: while we hold a leader's lease (or are leader), ignore candidates
	 * entirely, without adopting their term: this is what makes the leases disjoint. */
	if (now_ns < e->heard_until_ns || e->role == HL_ELECT_LEADER)
		return send_msg(e, HL_ELECT_VOTE_RESP, m->from, 0, false);
	bool changed = false, grant;

	if (m->term > e->term) {
		rc = adopt_term_np(e, m->term, now_ns);
		if (rc)
			return rc;
		changed = true;
	}
	grant = m->term == e->term && m->lhm <= e->cfg.max_lhm &&
	        (e->voted_for == 0 || e->voted_for == m->from);
	if (grant && e->voted_for != m->from) {
		e->voted_for = m->from;
		changed = true;
	}
	/* One PERSIST carries both the new term and the vote; the reply waits behind it. */
	if (changed) {
		rc = persist(e);
		if (rc)
			return rc;
	}
	if (grant)
		e->deadline_ns = now_ns + election_delay(e);
	return send_msg(e, HL_ELECT_VOTE_RESP, m->from, 0, grant);
}

static int
on_heartbeat(struct hl_elect *e, const struct hl_elect_msg *m, uint64_t now_ns)
{
	int rc = 0;

	if (m->term < e->term)
		return send_msg(e, HL_ELECT_HEARTBEAT_ACK, m->from, m->seq, false);
	if (m->term > e->term)
		rc = adopt_term(e, m->term, now_ns);
	if (rc)
		return rc;
	if (e->role == HL_ELECT_LEADER) /* same term, two leaders: impossible with one vote/term */
		return -EPROTO;
	e->role = HL_ELECT_FOLLOWER;
	e->leader_dead = false; /* a leader again */
	if (e->leader != m->from) {
		e->leader = m->from;
		rc = note(e, HL_ELECT_ACT_NEW_LEADER);
		if (rc)
			return rc;
	}
	/* Our ack confirms the leader's lease from its send time; we stay away from elections
	 * until it has surely run out here (reception time + lease). */
	e->heard_until_ns = now_ns + e->cfg.lease_ns;
	e->deadline_ns = now_ns + election_delay(e);
	return send_msg(e, HL_ELECT_HEARTBEAT_ACK, m->from, m->seq, true);
}

static int
on_heartbeat_ack(struct hl_elect *e, const struct hl_elect_msg *m, int idx, uint64_t now_ns)
{
	if (m->term > e->term)
		return adopt_term(e, m->term, now_ns);
	if (e->role != HL_ELECT_LEADER || m->term != e->term || !m->granted)
		return 0;
	for (int r = 0; r < HL_ELECT_ROUNDS; r++) {
		if (e->rounds[r].seq != m->seq || m->seq == 0)
			continue;
		bool had = popcount(e->rounds[r].acks) >= hl_elect_quorum(e);
		e->rounds[r].acks |= 1u << idx;
		if (!had && popcount(e->rounds[r].acks) >= hl_elect_quorum(e))
			round_quorum(e, r);
	}
	return 0;
}

int
hl_elect_recv(struct hl_elect *e, const struct hl_elect_msg *m, uint64_t now_ns)
{
	int idx = member_index(e, m->from);

	if (idx < 0 || m->from == e->cfg.self || (m->to != 0 && m->to != e->cfg.self)) {
		e->n_nonmember++;
		HL_LOG(HL_LOG_WARN, "elect",
		        "message refused node=%llu from=%llu to=%llu kind=%d: %s",
		        (unsigned long long)e->cfg.self, (unsigned long long)m->from,
		        (unsigned long long)m->to, (int)m->kind,
		        idx < 0 ? "not a configured member" : "misaddressed");
		return -EINVAL;
	}
	switch (m->kind) {
	case HL_ELECT_PREVOTE_REQ:
		return on_prevote_req(e, m, now_ns);
	case HL_ELECT_PREVOTE_RESP:
		if (e->role == HL_ELECT_PRECANDIDATE && m->term == e->term + 1 && m->granted) {
			e->grants |= 1u << idx;
			if (popcount(e->grants) >= hl_elect_quorum(e))
				return start_election(e, now_ns);
		}
		return 0;
	case HL_ELECT_VOTE_REQ:
		return on_vote_req(e, m, now_ns);
	case HL_ELECT_VOTE_RESP:
		if (m->term > e->term)
			return adopt_term(e, m->term, now_ns);
		if (e->role == HL_ELECT_CANDIDATE && m->term == e->term && m->granted) {
			e->grants |= 1u << idx;
			if (popcount(e->grants) >= hl_elect_quorum(e))
				return become_leader(e, now_ns);
		}
		return 0;
	case HL_ELECT_HEARTBEAT:
		return on_heartbeat(e, m, now_ns);
	case HL_ELECT_HEARTBEAT_ACK:
		return on_heartbeat_ack(e, m, idx, now_ns);
	}
	return -EINVAL;
}

int
hl_elect_tick(struct hl_elect *e, uint64_t now_ns)
{
	switch (e->role) {
	case HL_ELECT_LEADER: {
		if (now_ns < e->next_hb_ns)
			return 0;
		/* Quorum check on the round that just closed. */
		int r = (int)(e->hb_seq % HL_ELECT_ROUNDS);
		if (popcount(e->rounds[r].acks) < hl_elect_quorum(e) &&
		        ++e->failures >= e->cfg.stepdown_failures)
			return step_down(e, now_ns);
		return heartbeat_round(e, now_ns);
	}
	case HL_ELECT_FOLLOWER:
		if (now_ns < e->deadline_ns || now_ns < e->heard_until_ns)
			return 0;
		if (!eligible(e)) {
			e->deadline_ns = now_ns + election_delay(e);
			return 0;
		}
		return start_prevote(e, now_ns);
	case HL_ELECT_PRECANDIDATE:
	case HL_ELECT_CANDIDATE:
		if (now_ns < e->deadline_ns)
			return 0;
		/* Lost or split: back to follower with a fresh randomised timer; a short one while
		 * the old leader is known dead (a slow round on a loaded machine must not cost
		 * the full election timeout). */
		e->role = HL_ELECT_FOLLOWER;
		e->deadline_ns =
		        now_ns +
		        (e->leader_dead ? hl_prng_below(&e->rng, e->cfg.election_jitter_ns / 2 + 1)
		                        : election_delay(e));
		return 0;
	}
	return 0;
}

int
hl_elect_peer_dead(struct hl_elect *e, uint64_t id, uint64_t now_ns)
{
	if (member_index(e, id) < 0)
		return -ENOENT;
	if (e->role != HL_ELECT_FOLLOWER || e->leader != id)
		return 0;
	/* Only the timer moves: votes still wait for heard_until_ns (the dead leader's lease as
	 * seen here), so a falsely-dead leader's lease stays disjoint from the next one. Every
	 * survivor heard the same last heartbeat, so their leases run out together: they stand in
	 * the order of the configured members (the dead leader skipped), a slot apart, or they
	 * split the vote and wait out election timeouts. */
	uint64_t slot = e->cfg.election_jitter_ns / 2, rank = 0;
	for (uint32_t i = 0; i < e->cfg.nmembers && e->cfg.members[i] != e->cfg.self; i++)
		rank += e->cfg.members[i] != id;
	uint64_t at = (now_ns > e->heard_until_ns ? now_ns : e->heard_until_ns) + rank * slot +
	              hl_prng_below(&e->rng, slot / 8 + 1);
	if (at < e->deadline_ns)
		e->deadline_ns = at;
	e->leader_dead = true;
	e->n_leader_dead++;
	return 0;
}

int
hl_elect_set_lhm(struct hl_elect *e, uint32_t lhm, uint64_t now_ns)
{
	e->lhm = lhm;
	if (e->role == HL_ELECT_LEADER && !eligible(e))
		return step_down(e, now_ns);
	return 0;
}

int
hl_elect_next_action(struct hl_elect *e, struct hl_elect_action *a)
{
	if (e->persist_blocked || e->out_len == 0)
		return 0;
	*a = e->out[e->out_head];
	e->out_head = (e->out_head + 1) % HL_ELECT_OUTBOX;
	e->out_len--;
	if (a->kind == HL_ELECT_ACT_PERSIST) {
		e->persist_blocked = true;
		e->persist_term = a->term;
	}
	return 1;
}

int
hl_elect_persisted(struct hl_elect *e, uint32_t term)
{
	if (!e->persist_blocked || term != e->persist_term)
		return -EINVAL;
	e->persist_blocked = false;
	return 0;
}

uint64_t
hl_elect_next_deadline(const struct hl_elect *e)
{
	if (e->role == HL_ELECT_LEADER)
		return e->next_hb_ns;
	if (e->role == HL_ELECT_FOLLOWER && e->heard_until_ns > e->deadline_ns)
		return e->heard_until_ns;
	return e->deadline_ns;
}

bool
hl_elect_is_leader(const struct hl_elect *e, uint64_t now_ns)
{
	return e->role == HL_ELECT_LEADER && now_ns < e->lease_until_ns;
}

uint64_t
hl_elect_leader(const struct hl_elect *e, uint64_t now_ns)
{
	if (e->role == HL_ELECT_LEADER)
		return hl_elect_is_leader(e, now_ns) ? e->cfg.self : 0;
	return now_ns < e->heard_until_ns ? e->leader : 0;
}
