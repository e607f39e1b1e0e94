/* test_elect.c — tier leader election: one leader per term, disjoint leader leases, split votes,
 * a partitioned minority leader stepping down with its lease ending before the new leader's
 * starts, ineligibility on poor health, persisted term before votes, quorum of configured
 * members (design.md §6; scenarios.md A.3/A.4 quorum step-down; seed-defects E.4). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_elect.h"
#include "hl_prng.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define N_MAX 8
#define QMAX 4096

struct net {
	int n;
	struct hl_elect e[N_MAX];
	bool up[N_MAX];
	bool link[N_MAX][N_MAX];
	uint32_t persisted_term[N_MAX];
	uint64_t persisted_vote[N_MAX];
	struct {
		uint64_t at;
		int to;
		struct hl_elect_msg m;
	} q[QMAX];
	int nq;
	uint64_t now;
	uint64_t jitter_ns; /* network delay = 5 ms + U(0, jitter) */
	struct hl_prng rng;
	uint64_t leader_of_term[64]; /* node id + 1 that became leader in term */
	uint64_t last_leader_ns[N_MAX]; /* last instant node i was a valid leader */
	uint64_t first_leader_ns[N_MAX];
	int votes_before_persist;
};

static int
idx_of(struct net *nt, uint64_t id)
{
	return (int)id - 1;
	(void)nt;
}

static void
drain(struct net *nt, int i)
{
	struct hl_elect_action a;

	while (hl_elect_next_action(&nt->e[i], &a) == 1) {
		switch (a.kind) {
		case HL_ELECT_ACT_PERSIST:
			nt->persisted_term[i] = a.term;
			nt->persisted_vote[i] = a.voted_for;
			assert_int_equal(hl_elect_persisted(&nt->e[i], a.term), 0);
			break;
		case HL_ELECT_ACT_SEND:
			/* Every granted vote leaves only after (term, vote) are on disk. */
			if (a.msg.kind == HL_ELECT_VOTE_RESP && a.msg.granted &&
			        (nt->persisted_term[i] != a.msg.term ||
			                nt->persisted_vote[i] != a.msg.to))
				nt->votes_before_persist++;
			for (int j = 0; j < nt->n; j++) {
				if (j == i || (a.msg.to != 0 && idx_of(nt, a.msg.to) != j))
					continue;
				if (!nt->link[i][j] || nt->nq == QMAX)
					continue;
				nt->q[nt->nq].at =
				        nt->now + 5 * MS +
				        (nt->jitter_ns ? hl_prng_below(&nt->rng, nt->jitter_ns)
				                       : 0);
				nt->q[nt->nq].to = j;
				nt->q[nt->nq].m = a.msg;
				nt->nq++;
			}
			break;
		case HL_ELECT_ACT_LEADER:
			assert_true(a.term < 64);
			/* One leader per term. */
			assert_true(nt->leader_of_term[a.term] == 0 ||
			            nt->leader_of_term[a.term] == nt->e[i].cfg.self);
			nt->leader_of_term[a.term] = nt->e[i].cfg.self;
			break;
		default:
			break;
		}
	}
}

static void
net_init(struct net *nt, int n, uint64_t seed)
{
	struct hl_elect_cfg cfg;

	memset(nt, 0, sizeof(*nt));
	nt->n = n;
	nt->jitter_ns = 20 * MS;
	hl_prng_seed(&nt->rng, seed);
	hl_elect_cfg_default(&cfg);
	cfg.nmembers = (uint32_t)n;
	for (int i = 0; i < n; i++)
		cfg.members[i] = (uint64_t)i + 1;
	for (int i = 0; i < n; i++) {
		cfg.self = (uint64_t)i + 1;
		assert_int_equal(
		        hl_elect_init(&nt->e[i], &cfg, 0, 0, seed * 100 + (uint64_t)i, 0), 0);
		nt->up[i] = true;
		for (int j = 0; j < n; j++)
			nt->link[i][j] = true;
	}
}

static void
partition(struct net *nt, const int *side, bool on)
{
	for (int i = 0; i < nt->n; i++)
		for (int j = 0; j < nt->n; j++)
			nt->link[i][j] = !on || side[i] == side[j];
}

/* Advance in 10 ms steps, checking after each one that at most one node holds a valid lease. */
static void
run(struct net *nt, uint64_t until)
{
	for (; nt->now < until; nt->now += 10 * MS) {
		for (int k = 0; k < nt->nq;) {
			if (nt->q[k].at > nt->now) {
				k++;
				continue;
			}
			int to = nt->q[k].to;
			struct hl_elect_msg m = nt->q[k].m;
			nt->q[k] = nt->q[--nt->nq];
			if (nt->up[to]) {
				int rc = hl_elect_recv(&nt->e[to], &m, nt->now);
				if (rc != 0)
					print_error("node %d kind %d from %llu term %u: rc %d\n",
					        to, m.kind, (unsigned long long)m.from, m.term, rc);
				assert_true(rc == 0);
				drain(nt, to);
			}
		}
		int leaders = 0;
		for (int i = 0; i < nt->n; i++) {
			if (!nt->up[i])
				continue;
			assert_int_equal(hl_elect_tick(&nt->e[i], nt->now), 0);
			drain(nt, i);
			if (hl_elect_is_leader(&nt->e[i], nt->now)) {
				leaders++;
				if (nt->first_leader_ns[i] == 0)
					nt->first_leader_ns[i] = nt->now;
				nt->last_leader_ns[i] = nt->now;
			}
		}
		assert_true(leaders <= 1);
	}
}

static int
current_leader(struct net *nt)
{
	for (int i = 0; i < nt->n; i++)
		if (nt->up[i] && hl_elect_is_leader(&nt->e[i], nt->now))
			return i;
	return -1;
}

/* Issue 14: the gate tier's timing (hl_elect_cfg_fast). When SWIM declares the leader dead
 * (hl_elect_peer_dead, 500 ms after the kill here), the survivors stand as soon as its lease
 * ran out locally, one after the other: a new leader within lease + a vote round, never two
 * leaders at once (run() checks); without the SWIM hint only the 3 s fallback timeout starts
 * it. Over 20 seeds each. */
static uint64_t
failover(uint64_t seed, bool tell)
{
	struct net nt;
	struct hl_elect_cfg cfg;

	net_init(&nt, 3, seed);
	hl_elect_cfg_fast(&cfg);
	cfg.nmembers = 3;
	for (int i = 0; i < 3; i++)
		cfg.members[i] = (uint64_t)i + 1;
	for (int i = 0; i < 3; i++) {
		cfg.self = (uint64_t)i + 1;
		assert_int_equal(
		        hl_elect_init(&nt.e[i], &cfg, 0, 0, seed * 100 + (uint64_t)i, 0), 0);
	}
	run(&nt, 10 * SEC);
	int l = current_leader(&nt);
	assert_true(l >= 0);
	uint64_t t_kill = nt.now;
	nt.up[l] = false;
	run(&nt, nt.now + 500 * MS);
	for (int i = 0; tell && i < 3; i++)
		if (i != l)
			assert_int_equal(hl_elect_peer_dead(&nt.e[i], nt.e[l].cfg.self, nt.now), 0);
	while (current_leader(&nt) < 0 && nt.now < t_kill + 20 * SEC)
		run(&nt, nt.now + 10 * MS);
	assert_true(current_leader(&nt) >= 0);
	assert_int_equal(hl_elect_peer_dead(&nt.e[current_leader(&nt)], 99, nt.now), -ENOENT);
	return nt.now - t_kill;
}

static void
test_fast_failover_on_peer_dead(void **state)
{
	uint64_t worst = 0, best_slow = UINT64_MAX;
	(void)state;

	for (uint64_t seed = 1; seed <= 20; seed++) {
		uint64_t fast = failover(seed, true), slow = failover(seed, false);
		if (fast > worst)
			worst = fast;
		if (slow < best_slow)
			best_slow = slow;
	}
	print_message("leader killed: new leader after <= %.2f s with SWIM's death (lease 1 s), "
	              ">= %.2f s without\n",
	        (double)worst / 1e9, (double)best_slow / 1e9);
	assert_true(worst <= 1600 * MS); /* lease 1 s + one slot's jitter + a vote round */
	assert_true(best_slow >= 2500 * MS); /* the 3 s fallback timeout from the last heartbeat */
}

static void
test_single_node(void **state)
{
	struct net nt;
	(void)state;

	net_init(&nt, 1, 1);
	run(&nt, 3 * SEC);
	assert_int_equal(current_leader(&nt), -1); /* waits its election timeout first */
	run(&nt, 10 * SEC);
	assert_int_equal(current_leader(&nt), 0);
	assert_int_equal(nt.e[0].term, 1);
	assert_int_equal(nt.persisted_term[0], 1);
	run(&nt, 60 * SEC);
	assert_int_equal(current_leader(&nt), 0); /* lease keeps being renewed alone */
}

static void
test_three_nodes_elect_and_follow(void **state)
{
	struct net nt;
	(void)state;

	for (uint64_t seed = 1; seed <= 20; seed++) {
		net_init(&nt, 3, seed);
		run(&nt, 15 * SEC);
		int l = current_leader(&nt);
		assert_true(l >= 0);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(hl_elect_leader(&nt.e[i], nt.now), nt.e[l].cfg.self);
			assert_int_equal(nt.e[i].term, nt.e[l].term);
		}
		/* Stable: no further elections while the leader is healthy. */
		uint32_t term = nt.e[l].term;
		run(&nt, 60 * SEC);
		assert_int_equal(current_leader(&nt), l);
		assert_int_equal(nt.e[l].term, term);
		assert_int_equal(nt.votes_before_persist, 0);
	}
}

/* Split vote: four nodes time out at once (no jitter), all become candidates of term 1 and vote
 * for themselves: nobody reaches 3 of 4. With jitter restored, a later term elects one leader. */
static void
test_split_vote(void **state)
{
	struct net nt;
	(void)state;

	net_init(&nt, 4, 7);
	nt.jitter_ns = 0; /* equal delays: the pre-votes all complete in the same step */
	for (int i = 0; i < 4; i++) {
		nt.e[i].cfg.election_jitter_ns = 0;
		nt.e[i].deadline_ns = 5 * SEC;
	}
	run(&nt, 5 * SEC + 500 * MS);
	int candidates = 0;
	for (int i = 0; i < 4; i++) {
		candidates += nt.e[i].role == HL_ELECT_CANDIDATE;
		assert_int_equal(nt.e[i].voted_for, nt.e[i].cfg.self);
		assert_int_equal(nt.e[i].term, 1);
	}
	assert_int_equal(candidates, 4);
	assert_int_equal(current_leader(&nt), -1);
	run(&nt, 13 * SEC);
	assert_int_equal(nt.leader_of_term[1], 0);
	for (int i = 0; i < 4; i++)
		nt.e[i].cfg.election_jitter_ns = 2 * SEC;
	run(&nt, 40 * SEC);
	int l = current_leader(&nt);
	assert_true(l >= 0);
	assert_true(nt.e[l].term >= 2);
}

/* A leader cut off with a minority: it stops acting at its lease end, steps down after 3 failed
 * quorum checks, and the majority's new leader starts its lease only after the old one ended. */
static void
test_partitioned_minority_leader(void **state)
{
	struct net nt;
	int side[5];
	(void)state;

	net_init(&nt, 5, 3);
	run(&nt, 15 * SEC);
	int old = current_leader(&nt);
	assert_true(old >= 0);
	uint32_t old_term = nt.e[old].term;
	/* Old leader plus one follower on side 0, three nodes on side 1. */
	int other = (old + 1) % 5;
	for (int i = 0; i < 5; i++)
		side[i] = (i == old || i == other) ? 0 : 1;
	partition(&nt, side, true);
	uint64_t cut = nt.now;
	memset(nt.first_leader_ns, 0, sizeof(nt.first_leader_ns));
	run(&nt, cut + 30 * SEC);
	/* Old leader: stepped down, its lease ended within lease_ns of the cut. */
	assert_int_not_equal(nt.e[old].role, HL_ELECT_LEADER);
	assert_true(nt.e[old].n_stepdowns >= 1);
	assert_true(nt.last_leader_ns[old] < cut + 5 * SEC);
	/* New leader on the majority side, in a higher term, whose lease began after. */
	int nl = current_leader(&nt);
	assert_true(nl >= 0);
	assert_int_equal(side[nl], 1);
	assert_true(nt.e[nl].term > old_term);
	assert_true(nt.first_leader_ns[nl] > nt.last_leader_ns[old]);
	/* The minority never inflated terms (pre-vote) and never elected anyone. */
	assert_true(nt.e[other].term <= nt.e[nl].term);
	/* Heal: the old leader follows the new one. */
	partition(&nt, side, false);
	run(&nt, nt.now + 10 * SEC);
	assert_int_equal(current_leader(&nt), nl);
	assert_int_equal(hl_elect_leader(&nt.e[old], nt.now), nt.e[nl].cfg.self);
	assert_int_equal(nt.e[old].term, nt.e[nl].term);
}

/* Quorum counts CONFIGURED members: 2 of 5 alive never elect anyone. */
static void
test_configured_quorum(void **state)
{
	struct net nt;
	(void)state;

	net_init(&nt, 5, 11);
	nt.up[2] = nt.up[3] = nt.up[4] = false;
	run(&nt, 60 * SEC);
	assert_int_equal(current_leader(&nt), -1);
	for (int t = 0; t < 64; t++)
		assert_int_equal(nt.leader_of_term[t], 0);
	/* Pre-vote kept the terms from inflating. */
	assert_int_equal(nt.e[0].term, 0);
	nt.up[2] = true;
	run(&nt, 90 * SEC);
	assert_true(current_leader(&nt) >= 0);
}

/* Poor local health: never a candidate, denied by voters, a leader steps down. */
static void
test_health_ineligible(void **state)
{
	struct net nt;
	(void)state;

	net_init(&nt, 3, 5);
	hl_elect_set_lhm(&nt.e[0], 5, 0);
	hl_elect_set_lhm(&nt.e[1], 5, 0);
	/* Node 2 alone is eligible: only it can become leader. */
	run(&nt, 20 * SEC);
	assert_int_equal(current_leader(&nt), 2);
	hl_elect_set_lhm(&nt.e[0], 0, nt.now);
	assert_int_equal(hl_elect_set_lhm(&nt.e[2], 9, nt.now), 0);
	drain(&nt, 2);
	assert_int_equal(nt.e[2].role, HL_ELECT_FOLLOWER);
	assert_int_equal(nt.e[2].n_stepdowns, 1);
	run(&nt, nt.now + 30 * SEC);
	assert_int_equal(current_leader(&nt), 0);
	/* A vote request from an unhealthy candidate is denied. */
	struct hl_elect_msg m = {HL_ELECT_VOTE_REQ, 3, 0, nt.e[1].term + 1, 9, 0, false};
	struct hl_elect_action a;
	nt.e[1].heard_until_ns = 0;
	assert_int_equal(hl_elect_recv(&nt.e[1], &m, nt.now), 0);
	int granted = -1;
	while (hl_elect_next_action(&nt.e[1], &a) == 1) {
		if (a.kind == HL_ELECT_ACT_PERSIST)
			hl_elect_persisted(&nt.e[1], a.term);
		if (a.kind == HL_ELECT_ACT_SEND && a.msg.kind == HL_ELECT_VOTE_RESP)
			granted = a.msg.granted;
	}
	assert_int_equal(granted, 0);
}

/* The vote leaves only after its PERSIST is confirmed; a restarted voter keeps its vote. */
static void
test_persist_gate_and_restart(void **state)
{
	struct hl_elect_cfg cfg;
	struct hl_elect e;
	struct hl_elect_action a;
	(void)state;

	hl_elect_cfg_default(&cfg);
	cfg.nmembers = 3;
	cfg.members[0] = 1;
	cfg.members[1] = 2;
	cfg.members[2] = 3;
	cfg.self = 1;
	assert_int_equal(hl_elect_init(&e, &cfg, 4, 0, 1, 0), 0);
	struct hl_elect_msg req = {HL_ELECT_VOTE_REQ, 2, 0, 5, 0, 0, false};
	/* Just restarted: holds off votes for a lease period. */
	assert_int_equal(hl_elect_recv(&e, &req, 1 * SEC), 0);
	assert_int_equal(hl_elect_next_action(&e, &a), 1);
	assert_int_equal(a.kind, HL_ELECT_ACT_SEND);
	assert_false(a.msg.granted);
	assert_int_equal(e.term, 4);
	assert_int_equal(hl_elect_recv(&e, &req, 6 * SEC), 0);
	assert_int_equal(hl_elect_next_action(&e, &a), 1);
	assert_int_equal(a.kind, HL_ELECT_ACT_PERSIST);
	assert_int_equal(a.term, 5);
	assert_int_equal(a.voted_for, 2);
	/* Blocked until the host confirms. */
	assert_int_equal(hl_elect_next_action(&e, &a), 0);
	assert_int_equal(hl_elect_persisted(&e, 4), -EINVAL);
	assert_int_equal(hl_elect_persisted(&e, 5), 0);
	assert_int_equal(hl_elect_next_action(&e, &a), 1);
	assert_int_equal(a.kind, HL_ELECT_ACT_SEND);
	assert_true(a.msg.granted);
	assert_int_equal(a.msg.to, 2);
	assert_int_equal(hl_elect_next_action(&e, &a), 0);
	/* Restart with the persisted (5, 2): candidate 3 in term 5 is refused. */
	assert_int_equal(hl_elect_init(&e, &cfg, 5, 2, 1, 10 * SEC), 0);
	struct hl_elect_msg req3 = {HL_ELECT_VOTE_REQ, 3, 0, 5, 0, 0, false};
	assert_int_equal(hl_elect_recv(&e, &req3, 20 * SEC), 0);
	assert_int_equal(hl_elect_next_action(&e, &a), 1);
	assert_int_equal(a.kind, HL_ELECT_ACT_SEND);
	assert_false(a.msg.granted);
	/* Non-members and misaddressed messages are refused and counted. */
	struct hl_elect_msg bad = {HL_ELECT_HEARTBEAT, 9, 0, 6, 0, 1, false};
	assert_int_equal(hl_elect_recv(&e, &bad, 20 * SEC), -EINVAL);
	bad.from = 2;
	bad.to = 3;
	assert_int_equal(hl_elect_recv(&e, &bad, 20 * SEC), -EINVAL);
	assert_int_equal(e.n_nonmember, 2);
	/* Bad configuration. */
	cfg.self = 9;
	assert_int_equal(hl_elect_init(&e, &cfg, 0, 0, 1, 0), -EINVAL);
	cfg.self = 1;
	cfg.nmembers = 0;
	assert_int_equal(hl_elect_init(&e, &cfg, 0, 0, 1, 0), -EINVAL);
}

/* Random crashes, restarts and partitions: never two valid leaders at once, one per term. */
static void
test_random_chaos(void **state)
{
	struct net nt;
	int side[5];
	int terms_led = 0;
	(void)state;

	for (uint64_t seed = 1; seed <= 10; seed++) {
		net_init(&nt, 5, seed);
		for (int round = 0; round < 20; round++) {
			uint64_t r = hl_prng_below(&nt.rng, 3);
			if (r == 0) {
				int v = (int)hl_prng_below(&nt.rng, 5);
				nt.up[v] = !nt.up[v];
				if (nt.up[v]) /* restart from the persisted state */
					assert_int_equal(
					        hl_elect_init(&nt.e[v], &nt.e[v].cfg,
					                nt.persisted_term[v], nt.persisted_vote[v],
					                seed + (uint64_t)round, nt.now),
					        0);
			} else if (r == 1) {
				for (int i = 0; i < 5; i++)
					side[i] = (int)hl_prng_below(&nt.rng, 2);
				partition(&nt, side, true);
			} else {
				partition(&nt, side, false);
			}
			run(&nt, nt.now + 8 * SEC);
		}
		assert_int_equal(nt.votes_before_persist, 0);
		for (int t = 0; t < 64; t++)
			terms_led += nt.leader_of_term[t] != 0;
	}
	assert_true(terms_led >= 20); /* leadership did move under the faults */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_single_node),
	        cmocka_unit_test(test_three_nodes_elect_and_follow),
	        cmocka_unit_test(test_split_vote),
	        cmocka_unit_test(test_partitioned_minority_leader),
	        cmocka_unit_test(test_configured_quorum),
	        cmocka_unit_test(test_health_ineligible),
	        cmocka_unit_test(test_persist_gate_and_restart),
	        cmocka_unit_test(test_random_chaos),
	        cmocka_unit_test(test_fast_failover_on_peer_dead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
