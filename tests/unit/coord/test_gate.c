/* test_gate.c — hl_gate and hl_gclient with messages delivered synchronously between three gates
 * (tier leader set by hand); clients and DCs are played by the test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_gate.h"
#include "hl_msg_table.h"

#define S 1000000000ull
#define CLIENT 200
#define DC1 101
#define DC2 102

static struct hl_gate G[3];
static struct hl_prng R[3];
static struct hl_gmsg ext[4096];
static size_t next;
static uint64_t now = 1 * S;

static void
setup_gates(int ndcs)
{
	for (int i = 0; i < 3; i++) {
		struct hl_gate_cfg c;
		hl_gate_cfg_default(&c);
		c.self = (uint64_t)i + 1;
		c.ngates = 3;
		c.gates[0] = 1;
		c.gates[1] = 2;
		c.gates[2] = 3;
		c.max_jobs = 64;
		c.dc_timeout_ns = 30 * S;
		hl_prng_seed(&R[i], 5 + (uint64_t)i);
		assert_int_equal(hl_gate_init(&G[i], &c, &R[i]), 0);
		if (ndcs >= 1)
			assert_int_equal(hl_gate_dc_set(&G[i], DC1, true, 10), 0);
		if (ndcs >= 2)
			assert_int_equal(hl_gate_dc_set(&G[i], DC2, true, 10), 0);
		assert_int_equal(hl_gate_set_tier_leader(&G[i], 1, i == 0 ? 7 : 0, now), 0);
	}
	next = 0;
}

static void
teardown_gates(void)
{
	for (int i = 0; i < 3; i++)
		hl_gate_fini(&G[i]);
}

/* Deliver until quiet; messages to non-gates land in ext[]. */
static void
pump(void)
{
	bool any = true;
	struct hl_gmsg m;

	while (any) {
		any = false;
		for (int i = 0; i < 3; i++)
			while (hl_gate_next_tx(&G[i], &m) == 1) {
				any = true;
				if (m.to >= 1 && m.to <= 3)
					(void)hl_gate_recv(&G[m.to - 1], &m, now);
				else if (next < 4096)
					ext[next++] = m;
			}
	}
}

static void
advance(uint64_t ns)
{
	for (uint64_t t = 0; t < ns; t += 100000000ull) {
		now += 100000000ull;
		for (int i = 0; i < 3; i++)
			hl_gate_tick(&G[i], now);
		pump();
	}
}

static const struct hl_gmsg *
find_ext(uint8_t type, uint64_t to, size_t from)
{
	for (size_t i = from; i < next; i++)
		if (ext[i].type == type && ext[i].to == to)
			return &ext[i];
	return NULL;
}

static void
submit(uint64_t gate, uint64_t job, const char *key, uint64_t client, uint8_t ndc)
{
	struct hl_gmsg m = {.type = HL_GM_SUBMIT, .from = client, .to = gate, .job = job};

	m.key_len = (uint8_t)strlen(key);
	memcpy(m.key, key, m.key_len);
	m.rec.ndc = ndc;
	(void)hl_gate_recv(&G[gate - 1], &m, now);
	pump();
}

static int
leader_of(uint64_t job)
{
	uint64_t tok;

	for (int i = 0; i < 3; i++)
		if (hl_lease_holder_valid(&G[i].held, job, now, &tok))
			return i;
	return -1;
}

static void
dc_result(uint64_t to_gate, uint64_t job, uint64_t dc, uint8_t status)
{
	struct hl_gmsg m = {.type = HL_GM_DC_RESULT, .from = dc, .to = to_gate, .job = job};

	m.dc = dc;
	m.status = status;
	(void)hl_gate_recv(&G[to_gate - 1], &m, now);
	pump();
}

static void
client_ack_all(size_t from)
{
	for (size_t i = from; i < next; i++)
		if (ext[i].type == HL_GM_PUSH && ext[i].to == CLIENT) {
			struct hl_gmsg a = {
			        .type = HL_GM_PUSH_ACK, .from = CLIENT, .job = ext[i].job};
			a.to = ext[i].from;
			a.seq = ext[i].seq;
			a.token = ext[i].token;
			(void)hl_gate_recv(&G[a.to - 1], &a, now);
		}
	pump();
}

static uint64_t
retained_all(void)
{
	uint64_t n = 0;

	for (int i = 0; i < 3; i++)
		n += hl_gate_retained(&G[i], false);
	return n;
}

static void
test_bad_input(void **state)
{
	struct hl_gate g;
	struct hl_gate_cfg c;
	struct hl_prng r;
	struct hl_gmsg m = {.type = 99, .from = 5, .to = 1, .job = 1};

	(void)state;
	hl_prng_seed(&r, 1);
	hl_gate_cfg_default(&c);
	c.self = 9; /* not among the configured gates */
	c.ngates = 1;
	c.gates[0] = 1;
	assert_int_equal(hl_gate_init(&g, &c, &r), -EINVAL);
	c.ngates = 4;
	assert_int_equal(hl_gate_init(&g, &c, &r), -EINVAL);
	setup_gates(1);
	assert_int_equal(hl_gate_recv(&G[0], &m, now), -EPROTO);
	m.to = 2;
	assert_int_equal(hl_gate_recv(&G[0], &m, now), -EINVAL);
	for (uint64_t d = 0; d < HL_GATE_MAX_DCS - 1; d++)
		assert_int_equal(hl_gate_dc_set(&G[0], 500 + d, true, 1), 0);
	assert_int_equal(hl_gate_dc_set(&G[0], 999, true, 1), -ENOSPC);
	assert_int_equal(hl_gate_dc_set(&G[0], 0, true, 1), -EINVAL);
	/* empty key: refused visibly */
	submit(1, 5, "", CLIENT, 1);
	const struct hl_gmsg *a = find_ext(HL_GM_SUBMIT_ACK, CLIENT, 0);
	assert_non_null(a);
	assert_int_equal(a->code, -EINVAL);
	/* a grant from a gate that is not the tier leader is fenced */
	struct hl_gmsg gr = {.type = HL_GM_GRANT, .from = 3, .to = 2, .job = 5};
	gr.kind = HL_GK_ISSUE;
	gr.token = hl_fence_make(99, 1);
	assert_int_equal(hl_gate_recv(&G[1], &gr, now), -HL_E_NOT_LEADER);
	assert_int_equal(hl_gate_jobs(&G[1]), 0);
	/* non-final DC status ignored */
	dc_result(2, 5, DC1, HL_WS_RUNNING);
	assert_int_equal(G[1].n_forwarded, 0);
	teardown_gates();

	struct hl_gclient cl;
	uint64_t gates[1] = {1};
	assert_int_equal(hl_gclient_init(&cl, CLIENT, gates, 1, 4), 0);
	assert_int_equal(hl_gclient_submit(&cl, 0, "k", 1, 1, now), -EINVAL);
	assert_int_equal(hl_gclient_submit(&cl, 1, "k", 0, 1, now), -EINVAL);
	assert_int_equal(hl_gclient_submit(&cl, 1, "k", 1, 4, now), -EINVAL);
	assert_int_equal(hl_gclient_submit(&cl, 1, "k", 1, 1, now), 0);
	assert_int_equal(hl_gclient_submit(&cl, 1, "k", 1, 1, now), -HL_E_EXISTS);
	for (uint64_t j = 2; j <= 4; j++)
		assert_int_equal(hl_gclient_submit(&cl, j, "k", 1, 1, now), 0);
	assert_int_equal(hl_gclient_submit(&cl, 5, "k", 1, 1, now), -HL_E_FULL);
	hl_gclient_fini(&cl);
}

/* E.1, C.2: a submission at a non-leader is redirected; duplicates with the key wait for the
 * first and get the same job; one lease; the ack comes after the record committed. */
static void
test_redirect_idempotent_ack_after_commit(void **state)
{
	(void)state;
	setup_gates(1);
	submit(2, 10, "c:10", CLIENT, 1);
	const struct hl_gmsg *a = find_ext(HL_GM_SUBMIT_ACK, CLIENT, 0);
	assert_non_null(a);
	assert_int_equal(a->code, -HL_E_NOT_LEADER);
	assert_int_equal(a->leader, 1);
	size_t mark = next;
	submit(1, 10, "c:10", CLIENT, 1);
	a = find_ext(HL_GM_SUBMIT_ACK, CLIENT, mark);
	assert_non_null(a);
	assert_int_equal(a->code, 0);
	int l = leader_of(10);
	assert_true(l >= 0);
	assert_int_equal(a->leader, (uint64_t)l + 1);
	/* the record is at a quorum before the ack */
	int stores = 0;
	for (int i = 0; i < 3; i++)
		stores += hl_jrec_store_get(&G[i].store, 10) != NULL;
	assert_true(stores >= 2);
	/* a duplicate with the same key (another connection) gets the same job, no new lease */
	mark = next;
	submit(1, 11, "c:10", CLIENT + 1, 1);
	a = find_ext(HL_GM_SUBMIT_ACK, CLIENT + 1, mark);
	assert_non_null(a);
	assert_int_equal(a->job, 10);
	assert_int_equal(hl_lease_count(&G[0].leases), 1);
	assert_int_equal(leader_of(11), -1);
	/* the DC got it from the job leader */
	assert_non_null(find_ext(HL_GM_DC_SUBMIT, DC1, 0));
	teardown_gates();
}

/* D.6 wiring (two DCs, one FAILED -> FAILED), D.1 (result at a non-leader forwarded), D.7
 * (duplicate result ignored), exactly-once push and full cleanup after the client's ack. */
static void
test_merge_forward_and_cleanup(void **state)
{
	(void)state;
	setup_gates(2);
	submit(1, 20, "c:20", CLIENT, 2);
	int l = leader_of(20);
	assert_true(l >= 0);
	int other = (l + 1) % 3;
	dc_result((uint64_t)other + 1, 20, DC1, HL_WS_COMPLETED); /* wrong gate: forwarded */
	assert_int_equal(G[other].n_forwarded, 1);
	assert_non_null(find_ext(HL_GM_DC_RESULT_ACK, DC1, 0));
	dc_result((uint64_t)l + 1, 20, DC1, HL_WS_COMPLETED); /* duplicate */
	assert_int_equal(G[l].n_dup_results, 1);
	size_t mark = next;
	dc_result((uint64_t)l + 1, 20, DC2, HL_WS_FAILED);
	const struct hl_gmsg *p = find_ext(HL_GM_PUSH, CLIENT, mark);
	while (p != NULL && p->kind != HL_PUSH_K_RESULT)
		p = find_ext(HL_GM_PUSH, CLIENT, (size_t)(p - ext) + 1);
	assert_non_null(p);
	assert_int_equal(p->status, HL_WS_FAILED); /* never COMPLETED when a DC failed */
	client_ack_all(mark);
	assert_int_equal(hl_gate_jobs(&G[l]), 0);
	advance(6 * S); /* leader-query caches expire */
	assert_int_equal(retained_all(), 0);
	teardown_gates();
}

/* D.7: a DC that never reports is timed out. */
static void
test_dc_timeout(void **state)
{
	(void)state;
	setup_gates(1);
	submit(1, 30, "c:30", CLIENT, 1);
	size_t mark = next;
	advance(29 * S);
	assert_null(find_ext(HL_GM_PUSH, CLIENT, mark));
	advance(2 * S);
	const struct hl_gmsg *p = find_ext(HL_GM_PUSH, CLIENT, mark);
	assert_non_null(p);
	assert_int_equal(p->status, HL_WS_TIMEOUT);
	assert_int_equal(G[leader_of(30)].n_dc_timeouts, 1);
	teardown_gates();
}

/* D.5: leader query answered from the tier leader's table or a gate's cache (TTL), else "not
 * leader" with the tier leader to ask. */
static void
test_leader_query(void **state)
{
	(void)state;
	setup_gates(1);
	submit(1, 40, "c:40", CLIENT, 1);
	int l = leader_of(40);
	for (int i = 0; i < 3; i++) {
		struct hl_gmsg q = {.type = HL_GM_LEADER_QUERY, .from = CLIENT, .job = 40};
		q.to = (uint64_t)i + 1;
		size_t mark = next;
		(void)hl_gate_recv(&G[i], &q, now);
		pump();
		const struct hl_gmsg *a = find_ext(HL_GM_LEADER_ANSWER, CLIENT, mark);
		assert_non_null(a);
		assert_int_equal(a->code, 0);
		assert_int_equal(a->leader, (uint64_t)l + 1);
	}
	advance(6 * S); /* caches of gates 2 and 3 expire; renewals keep the lease */
	struct hl_gmsg q = {.type = HL_GM_LEADER_QUERY, .from = CLIENT, .to = 2, .job = 40};
	size_t mark = next;
	(void)hl_gate_recv(&G[1], &q, now);
	pump();
	const struct hl_gmsg *a = find_ext(HL_GM_LEADER_ANSWER, CLIENT, mark);
	assert_non_null(a);
	if (l != 1) {
		assert_int_equal(a->code, -HL_E_NOT_LEADER);
		assert_int_equal(a->leader, 1);
	}
	teardown_gates();
}

/* D.3 + E.2: three unacked final pushes, then the lease moves to a peer gate with a greater
 * token, which pushes again; the client acks once and everything is freed. */
static void
test_push_give_up_hands_off(void **state)
{
	(void)state;
	setup_gates(1);
	submit(1, 50, "c:50", CLIENT, 1);
	int l = leader_of(50);
	uint64_t tok0, tok1;
	assert_true(hl_lease_holder_valid(&G[l].held, 50, now, &tok0));
	dc_result((uint64_t)l + 1, 50, DC1, HL_WS_COMPLETED);
	for (int k = 0; k < 100 && G[l].n_handoffs == 0; k++)
		advance(100000000ull); /* nobody acks */
	assert_int_equal(G[l].n_handoffs, 1);
	assert_true(G[l].pushes.n_give_up == 1);
	int l2 = leader_of(50);
	assert_true(l2 >= 0 && l2 != l);
	assert_true(hl_lease_holder_valid(&G[l2].held, 50, now, &tok1));
	assert_true(tok1 > tok0);
	const struct hl_gmsg *p = NULL;
	for (size_t i = 0; i < next; i++)
		if (ext[i].type == HL_GM_PUSH && ext[i].from == (uint64_t)l2 + 1 &&
		        ext[i].kind == HL_PUSH_K_RESULT)
			p = &ext[i];
	assert_non_null(p); /* the new leader pushes the final itself */
	assert_int_equal(p->token, tok1);
	client_ack_all(0);
	advance(6 * S);
	assert_int_equal(retained_all(), 0);
	teardown_gates();
}

/* A gate job leader dies: the tier leader re-issues with a greater token; the new leader
 * rebuilds from a quorum, re-points the DC and tells the client (push with its id). */
static void
test_job_leader_death(void **state)
{
	(void)state;
	setup_gates(1);
	uint64_t job = 0;
	int l = -1;
	for (uint64_t j = 60; j < 80 && job == 0; j++) {
		char key[16];
		snprintf(key, sizeof(key), "c:%llu", (unsigned long long)j);
		submit(1, j, key, CLIENT, 1);
		if ((l = leader_of(j)) != 0)
			job = j;
	}
	assert_true(job != 0);
	uint64_t tok0;
	assert_true(hl_lease_holder_valid(&G[l].held, job, now, &tok0));
	/* l dies: drop its messages from now on */
	hl_gate_fini(&G[l]);
	hl_gate_peer_dead(&G[0], (uint64_t)l + 1);
	size_t mark = next;
	now += 100000000ull;
	for (int i = 0; i < 3; i++)
		if (i != l)
			hl_gate_tick(&G[i], now);
	struct hl_gmsg m;
	for (int round = 0; round < 10; round++)
		for (int i = 0; i < 3; i++)
			while (i != l && hl_gate_next_tx(&G[i], &m) == 1) {
				if (m.to == (uint64_t)l + 1)
					continue;
				if (m.to >= 1 && m.to <= 3)
					(void)hl_gate_recv(&G[m.to - 1], &m, now);
				else
					ext[next++] = m;
			}
	int l2 = -1;
	uint64_t tok1 = 0;
	for (int i = 0; i < 3; i++)
		if (i != l && hl_lease_holder_valid(&G[i].held, job, now, &tok1))
			l2 = i;
	assert_true(l2 >= 0);
	assert_true(tok1 > tok0);
	const struct hl_gmsg *p = find_ext(HL_GM_PUSH, CLIENT, mark);
	assert_non_null(p);
	assert_int_equal(p->leader, (uint64_t)l2 + 1);
	assert_int_equal(p->token, tok1);
	const struct hl_gmsg *d = find_ext(HL_GM_DC_SUBMIT, DC1, mark);
	assert_non_null(d);
	assert_int_equal(d->token, tok1);
	assert_int_equal(G[l2].n_takeovers, 1);
	for (int i = 0; i < 3; i++)
		if (i != l)
			hl_gate_fini(&G[i]);
}

static int
client_pop(struct hl_gclient *c, uint8_t type, struct hl_gmsg *out)
{
	struct hl_gmsg m;
	int n = 0;

	while (hl_gclient_next_tx(c, &m) == 1)
		if (m.type == type) {
			if (out != NULL)
				*out = m;
			n++;
		}
	return n;
}

static int
client_push(struct hl_gclient *c, uint64_t from, uint64_t job, uint64_t token, uint64_t seq,
        uint8_t kind, uint8_t status)
{
	struct hl_gmsg m = {.type = HL_GM_PUSH, .from = from, .to = CLIENT, .job = job};

	m.token = token;
	m.seq = seq;
	m.kind = kind;
	m.status = status;
	m.leader = from;
	return hl_gclient_recv(c, &m, now);
}

/* Client: redirect, duplicate pushes detected, the final handed over once, a greater token is a
 * new leader (sequence restarts), a lower one ignored, reconnect registers with the last seq. */
static void
test_client(void **state)
{
	struct hl_gclient c;
	uint64_t gates[3] = {1, 2, 3};
	struct hl_gmsg m = {0};
	uint64_t job;
	uint8_t st;

	(void)state;
	assert_int_equal(hl_gclient_init(&c, CLIENT, gates, 3, 8), 0);
	assert_int_equal(hl_gclient_submit(&c, 4, "c:4", 3, 1, now), 0);
	assert_int_equal(client_pop(&c, HL_GM_SUBMIT, &m), 1);
	uint64_t asked = m.to;
	struct hl_gmsg a = {.type = HL_GM_SUBMIT_ACK, .from = asked, .to = CLIENT, .job = 4};
	a.code = -HL_E_NOT_LEADER;
	a.leader = 1 + (asked % 3);
	assert_int_equal(hl_gclient_recv(&c, &a, now), 0);
	assert_int_equal(client_pop(&c, HL_GM_SUBMIT, &m), 1);
	assert_int_equal(m.to, a.leader); /* followed the redirect at once */
	a.from = a.leader; /* a second redirect at once (gates disagree): no immediate resend */
	a.leader = asked;
	assert_int_equal(hl_gclient_recv(&c, &a, now), 0);
	assert_int_equal(client_pop(&c, HL_GM_SUBMIT, NULL), 0);
	hl_gclient_tick(&c, now + 1000000000ull); /* the resend goes to the last named gate */
	assert_int_equal(client_pop(&c, HL_GM_SUBMIT, &m), 1);
	assert_int_equal(m.to, asked);
	a.from = asked;
	a.code = 0;
	a.leader = 2;
	a.token = hl_fence_make(1, 1);
	assert_int_equal(hl_gclient_recv(&c, &a, now), 0);

	assert_int_equal(client_push(&c, 2, 4, a.token, 1, HL_PUSH_K_STATUS, HL_WS_RUNNING), 0);
	assert_int_equal(client_pop(&c, HL_GM_PUSH_ACK, NULL), 1);
	assert_int_equal(client_push(&c, 2, 4, a.token, 1, HL_PUSH_K_STATUS, HL_WS_RUNNING), 0);
	assert_int_equal(c.n_dup_pushes, 1);
	/* a new leader with a greater token: followed, sequence restarts */
	uint64_t t2 = hl_fence_make(1, 5);
	assert_int_equal(client_push(&c, 3, 4, t2, 1, HL_PUSH_K_STATUS, HL_WS_RUNNING), 0);
	assert_int_equal(c.n_leader_changes, 1);
	assert_int_equal(c.n_dup_pushes, 1);
	/* the deposed leader is ignored, not acked */
	(void)client_pop(&c, HL_GM_PUSH_ACK, NULL);
	assert_int_equal(client_push(&c, 2, 4, a.token, 2, HL_PUSH_K_RESULT, HL_WS_FAILED), 0);
	assert_int_equal(client_pop(&c, HL_GM_PUSH_ACK, NULL), 0);
	assert_int_equal(hl_gclient_next_final(&c, &job, &st), 0);
	/* reconnect: registers with the new leader and its last sequence */
	hl_gclient_set_connected(&c, false, now);
	hl_gclient_set_connected(&c, true, now);
	assert_int_equal(client_pop(&c, HL_GM_REGISTER, &m), 1);
	assert_int_equal(m.to, 3);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.token, t2);
	/* the final, twice: handed over once, both acked */
	assert_int_equal(client_push(&c, 3, 4, t2, 2, HL_PUSH_K_RESULT, HL_WS_COMPLETED), 0);
	assert_int_equal(client_push(&c, 3, 4, t2, 2, HL_PUSH_K_RESULT, HL_WS_COMPLETED), 0);
	assert_int_equal(client_pop(&c, HL_GM_PUSH_ACK, NULL), 2);
	assert_int_equal(hl_gclient_next_final(&c, &job, &st), 1);
	assert_int_equal(job, 4);
	assert_int_equal(st, HL_WS_COMPLETED);
	assert_int_equal(hl_gclient_next_final(&c, &job, &st), 0);
	assert_int_equal(hl_gclient_forget(&c, 4), 0);
	assert_int_equal(hl_gclient_forget(&c, 4), -ENOENT);
	/* a late final for a forgotten job: acked, counted, not handed over again */
	assert_int_equal(client_push(&c, 1, 4, hl_fence_make(2, 1), 1, HL_PUSH_K_RESULT, 4), 0);
	assert_int_equal(client_pop(&c, HL_GM_PUSH_ACK, NULL), 1);
	assert_int_equal(hl_gclient_next_final(&c, &job, &st), 0);
	assert_int_equal(hl_gclient_jobs(&c), 0);
	hl_gclient_fini(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bad_input),
	        cmocka_unit_test(test_redirect_idempotent_ack_after_commit),
	        cmocka_unit_test(test_merge_forward_and_cleanup),
	        cmocka_unit_test(test_dc_timeout),
	        cmocka_unit_test(test_leader_query),
	        cmocka_unit_test(test_push_give_up_hands_off),
	        cmocka_unit_test(test_job_leader_death),
	        cmocka_unit_test(test_client),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
