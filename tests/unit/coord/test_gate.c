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

static void pump(void);

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
		c.tomb_ttl_ns = 20 * S;
		hl_prng_seed(&R[i], 5 + (uint64_t)i);
		assert_int_equal(hl_gate_init(&G[i], &c, &R[i]), 0);
		if (ndcs >= 1)
			assert_int_equal(hl_gate_dc_set(&G[i], DC1, true, 10), 0);
		if (ndcs >= 2)
			assert_int_equal(hl_gate_dc_set(&G[i], DC2, true, 10), 0);
		assert_int_equal(hl_gate_set_tier_leader(&G[i], 1, i == 0 ? 7 : 0, now), 0);
	}
	next = 0;
	pump(); /* C.2: the new tier leader reads the (empty) key stores of its peers */
	assert_true(hl_gate_keys_ready(&G[0]));
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

/* The job's current token (the DC was told it by DC_SUBMIT). */
static uint64_t
token_of(uint64_t job)
{
	uint64_t tok = 0;
	int l = leader_of(job);

	if (l >= 0)
		(void)hl_lease_holder_valid(&G[l].held, job, now, &tok);
	return tok;
}

static void
dc_send(uint8_t type, uint64_t to_gate, uint64_t job, uint64_t dc, uint64_t tok, uint8_t status)
{
	struct hl_gmsg m = {.type = type, .from = dc, .to = to_gate, .job = job};

	m.dc = dc;
	m.status = status;
	m.token = tok;
	if (type == HL_GM_DC_RESULT) /* each DC reports counts of its own */
		m.totals = (struct hl_counts){dc * 1000, dc * 100, dc};
	(void)hl_gate_recv(&G[to_gate - 1], &m, now);
	pump();
}

static void
dc_result(uint64_t to_gate, uint64_t job, uint64_t dc, uint8_t status)
{
	dc_send(HL_GM_DC_RESULT, to_gate, job, dc, token_of(job), status);
}

static void
dc_progress_live(uint64_t to_gate, uint64_t job, uint64_t dc, uint64_t tok, uint64_t seq,
        uint32_t ppm, struct hl_counts live, uint64_t p99)
{
	struct hl_gmsg m = {.type = HL_GM_DC_PROGRESS, .from = dc, .to = to_gate, .job = job};

	m.dc = dc;
	m.token = tok;
	m.seq = seq;
	m.ppm = ppm;
	m.totals = live;
	m.p99_ns = p99;
	(void)hl_gate_recv(&G[to_gate - 1], &m, now);
	pump();
}

static void
dc_progress(uint64_t to_gate, uint64_t job, uint64_t dc, uint64_t tok, uint64_t seq, uint32_t ppm)
{
	dc_progress_live(to_gate, job, dc, tok, seq, ppm, (struct hl_counts){0, 0, 0}, 0);
}

static void
dc_report(uint64_t to_gate, uint64_t job, uint64_t dc, uint64_t tok, uint16_t type, bool ok,
        int32_t error)
{
	struct hl_gmsg m = {.type = HL_GM_DC_REPORT, .from = dc, .to = to_gate, .job = job};

	m.dc = dc;
	m.token = tok;
	m.rep = (struct hl_gate_report){.source = dc * 10,
	        .dc = dc,
	        .error = error,
	        .elapsed_ms = 40 + type,
	        .type = type,
	        .ok = ok};
	(void)hl_gate_recv(&G[to_gate - 1], &m, now);
	pump();
}

static size_t
count_ext(uint8_t type, uint64_t to, size_t from, uint8_t kind)
{
	size_t n = 0;

	for (size_t i = from; i < next; i++)
		n += ext[i].type == type && ext[i].to == to && (kind == 0 || ext[i].kind == kind);
	return n;
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
	assert_int_equal(hl_gclient_submit(&cl, 0, "k", 1, 1, NULL, now), -EINVAL);
	assert_int_equal(hl_gclient_submit(&cl, 1, "k", 0, 1, NULL, now), -EINVAL);
	assert_int_equal(hl_gclient_submit(&cl, 1, "k", 1, 4, NULL, now), -EINVAL);
	assert_int_equal(hl_gclient_submit(&cl, 1, "k", 1, 1, NULL, now), 0);
	assert_int_equal(hl_gclient_submit(&cl, 1, "k", 1, 1, NULL, now), -HL_E_EXISTS);
	for (uint64_t j = 2; j <= 4; j++)
		assert_int_equal(hl_gclient_submit(&cl, j, "k", 1, 1, NULL, now), 0);
	assert_int_equal(hl_gclient_submit(&cl, 5, "k", 1, 1, NULL, now), -HL_E_FULL);
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

/* A client that names its DCs gets those: the job goes to DC2 only (the gate would pick DC1
 * first by room otherwise); a named DC the gate does not know fails the job at once. */
static void
test_pinned_dcs(void **state)
{
	(void)state;
	setup_gates(2);
	struct hl_gmsg m = {.type = HL_GM_SUBMIT, .from = CLIENT, .to = 1, .job = 40};
	m.key_len = 4;
	memcpy(m.key, "c:40", 4);
	m.rec.ndc = 1;
	m.rec.dcs[0] = DC2;
	size_t mark = next;
	(void)hl_gate_recv(&G[0], &m, now);
	pump();
	assert_non_null(find_ext(HL_GM_DC_SUBMIT, DC2, mark));
	assert_null(find_ext(HL_GM_DC_SUBMIT, DC1, mark));
	int l = leader_of(40);
	assert_true(l >= 0);
	assert_int_equal(G[l].jobs[hl_idmap_find(&G[l].jmap, 40)].rec.dcs[0], DC2);
	/* an unknown DC: no DC gets the job, the client's final is FAILED */
	m.job = 41;
	memcpy(m.key, "c:41", 4);
	m.rec.dcs[0] = 999;
	mark = next;
	(void)hl_gate_recv(&G[0], &m, now);
	pump();
	advance(1 * S);
	assert_null(find_ext(HL_GM_DC_SUBMIT, DC1, mark));
	assert_null(find_ext(HL_GM_DC_SUBMIT, 999, mark));
	const struct hl_gmsg *p = find_ext(HL_GM_PUSH, CLIENT, mark);
	while (p != NULL && !(p->job == 41 && p->kind == HL_PUSH_K_RESULT))
		p = find_ext(HL_GM_PUSH, CLIENT, (size_t)(p - ext) + 1);
	assert_non_null(p);
	assert_int_equal(p->status, HL_WS_FAILED);
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
	/* the tier leader (lease), the job leader and a quorum of stores hold it: hosts keep its
	 * profile text; nobody holds a job never submitted */
	int holding = 0;
	for (int i = 0; i < 3; i++) {
		holding += hl_gate_holds(&G[i], 20);
		assert_false(hl_gate_holds(&G[i], 21));
	}
	assert_true(holding >= 2);
	assert_true(hl_gate_holds(&G[l], 20));
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
	/* the final carries both DCs' counts once (the forwarded one kept its counts, the
	 * duplicate added nothing) */
	assert_true(p->totals.tx_pkts == (DC1 + DC2) * 1000 && p->totals.lost == DC1 + DC2);
	assert_true(p->totals.rx_pkts == (DC1 + DC2) * 100);
	client_ack_all(mark);
	assert_int_equal(hl_gate_jobs(&G[l]), 0);
	advance(6 * S); /* leader-query caches expire */
	assert_int_equal(retained_all(), 0);
	for (int i = 0; i < 3; i++) {
		assert_false(hl_gate_holds(&G[i], 20)); /* ended: the texts can go */
		assert_int_equal(hl_gate_tombs(&G[i]), 1); /* every gate remembers it ended */
	}
	/* a gate that missed the forget reports its stale record: the tier leader has it forget
	 * the record again instead of leasing the finished job */
	int tl = -1;
	for (int i = 0; i < 3; i++)
		if (G[i].tier_leader == G[i].cfg.self)
			tl = i;
	assert_true(tl >= 0);
	struct hl_gmsg o = {.type = HL_GM_ORPHAN,
	        .from = (uint64_t)((tl + 1) % 3) + 1,
	        .to = (uint64_t)tl + 1,
	        .job = 20};
	uint64_t refused = G[tl].n_resurrect_refused;
	(void)hl_gate_recv(&G[tl], &o, now);
	pump();
	assert_int_equal(G[tl].n_resurrect_refused, refused + 1);
	assert_int_equal(leader_of(20), -1);
	advance(21 * S); /* the tombstones expire */
	for (int i = 0; i < 3; i++)
		assert_int_equal(hl_gate_tombs(&G[i]), 0);
	/* bounded by max_jobs (64): the 65th forget drops the oldest tombstone, counted */
	for (uint64_t job = 1000; job < 1065; job++) {
		struct hl_gmsg f = {.type = HL_GM_REC_FORGET, .from = 2, .to = 1, .job = job};
		(void)hl_gate_recv(&G[0], &f, now);
	}
	assert_int_equal(hl_gate_tombs(&G[0]), 64);
	assert_int_equal(hl_gate_tombs_evicted(&G[0]), 1);
	assert_int_equal(hl_idmap_count(&G[0].tomb_map), 64);
	assert_int_equal(hl_idmap_find(&G[0].tomb_map, 1000), HL_IDMAP_NONE);
	assert_int_not_equal(hl_idmap_find(&G[0].tomb_map, 1064), HL_IDMAP_NONE);
	pump();
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
	if (kind == HL_PUSH_K_RESULT) /* a final carries the job's counts */
		m.totals = (struct hl_counts){1000 + seq, 900 + seq, 100};
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
	assert_int_equal(hl_gclient_submit(&c, 4, "c:4", 3, 1, NULL, now), 0);
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
	assert_int_equal(hl_gclient_next_final(&c, &job, &st, NULL), 0);
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
	struct hl_counts tot = {0, 0, 0};
	assert_int_equal(hl_gclient_next_final(&c, &job, &st, &tot), 1);
	assert_int_equal(job, 4);
	assert_int_equal(st, HL_WS_COMPLETED);
	assert_true(tot.tx_pkts == 1002 && tot.rx_pkts == 902 && tot.lost == 100);
	assert_int_equal(hl_gclient_next_final(&c, &job, &st, NULL), 0);
	assert_true(hl_gclient_has(&c, 4));
	assert_int_equal(hl_gclient_forget(&c, 4), 0);
	assert_false(hl_gclient_has(&c, 4));
	assert_int_equal(hl_gclient_forget(&c, 4), -ENOENT);
	/* a late final for a forgotten job: acked, counted, not handed over again */
	assert_int_equal(client_push(&c, 1, 4, hl_fence_make(2, 1), 1, HL_PUSH_K_RESULT, 4), 0);
	assert_int_equal(client_pop(&c, HL_GM_PUSH_ACK, NULL), 1);
	assert_int_equal(hl_gclient_next_final(&c, &job, &st, NULL), 0);
	assert_int_equal(hl_gclient_jobs(&c), 0);
	hl_gclient_fini(&c);
}

/* C.2: one job per key across a tier-leader change. Gate 2 restarts with an empty record store
 * and becomes tier leader: until it has read the stored keys of a quorum (itself and one peer,
 * in pages of 32) it answers SUBMIT with -EAGAIN; a lost page is asked again; then a duplicate
 * of a committed key (the client never got its ack) gets the first job, and no second lease. */
static void
test_c2_keys_survive_tier_leader_change(void **state)
{
	(void)state;
	setup_gates(1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(hl_gate_dc_set(&G[i], DC1, true, 64), 0);
	for (uint64_t j = 1; j <= 40; j++) {
		char key[16];
		snprintf(key, sizeof(key), "c:%llu", (unsigned long long)j);
		submit(1, j, key, CLIENT, 1);
		assert_true(leader_of(j) >= 0);
	}
	/* gate 2 restarts empty (its store is lost in this test), then leads the tier */
	struct hl_gate_cfg c = G[1].cfg;
	hl_gate_fini(&G[1]);
	assert_int_equal(hl_gate_init(&G[1], &c, &R[1]), 0);
	assert_int_equal(hl_gate_dc_set(&G[1], DC1, true, 64), 0);
	assert_int_equal(hl_jrec_store_count(&G[1].store), 0);
	assert_int_equal(hl_gate_set_tier_leader(&G[0], 2, 0, now), 0);
	assert_int_equal(hl_gate_set_tier_leader(&G[2], 2, 0, now), 0);
	assert_int_equal(hl_gate_set_tier_leader(&G[1], 2, 8, now), 0);
	assert_false(hl_gate_keys_ready(&G[1]));
	/* a resubmission now: refused with a retry code, nothing issued */
	struct hl_gmsg m = {.type = HL_GM_SUBMIT, .from = CLIENT, .to = 2, .job = 7};
	m.key_len = 3;
	memcpy(m.key, "c:7", 3);
	m.rec.ndc = 1;
	size_t mark = next;
	assert_int_equal(hl_gate_recv(&G[1], &m, now), 0);
	/* deliver the sync, dropping every page answer once (lost): retried after resend_ns */
	struct hl_gmsg x;
	bool dropped = false;
	for (int round = 0; round < 8; round++)
		for (int i = 0; i < 3; i++)
			while (hl_gate_next_tx(&G[i], &x) == 1) {
				if (x.type == HL_GM_KEY_DATA && x.kind == 1 && !dropped) {
					dropped = true;
					continue;
				}
				if (x.to >= 1 && x.to <= 3)
					(void)hl_gate_recv(&G[x.to - 1], &x, now);
				else
					ext[next++] = x;
			}
	const struct hl_gmsg *a = find_ext(HL_GM_SUBMIT_ACK, CLIENT, mark);
	assert_non_null(a);
	assert_int_equal(a->code, -EAGAIN);
	assert_int_equal(G[1].n_not_ready, 1);
	assert_true(dropped);
	/* the other peer's pages completed the quorum, or the resend does */
	if (!hl_gate_keys_ready(&G[1]))
		advance(1100000000ull);
	assert_true(hl_gate_keys_ready(&G[1]));
	assert_int_equal(G[1].n_keys_learned, 40); /* two pages from a peer */
	assert_int_equal(hl_idem_state_of(&G[1].idem, "c:33", 4), HL_IDEM_COMMITTED);
	/* the duplicate (same key, even another job id from another connection): the first job */
	mark = next;
	submit(2, 7, "c:7", CLIENT, 1);
	submit(2, 99, "c:7", CLIENT + 1, 1);
	a = find_ext(HL_GM_SUBMIT_ACK, CLIENT, mark);
	assert_non_null(a);
	assert_int_equal(a->code, 0);
	assert_int_equal(a->job, 7);
	a = find_ext(HL_GM_SUBMIT_ACK, CLIENT + 1, mark);
	assert_non_null(a);
	assert_int_equal(a->code, 0);
	assert_int_equal(a->job, 7);
	assert_int_equal(count_ext(HL_GM_DC_SUBMIT, DC1, mark, 0), 0); /* nothing started again */
	assert_int_equal(leader_of(99), -1);
	assert_null(hl_lease_find(&G[1].leases, 99));
	/* a key committed under the old leader that reaches the new one by COMMITTED is learned */
	struct hl_gmsg cm = {.type = HL_GM_COMMITTED, .from = 1, .to = 2, .job = 77};
	cm.key_len = 4;
	memcpy(cm.key, "c:77", 4);
	assert_int_equal(hl_gate_recv(&G[1], &cm, now), 0);
	assert_int_equal(hl_idem_state_of(&G[1].idem, "c:77", 4), HL_IDEM_COMMITTED);
	teardown_gates();
}

/* The last progress push of job since mark (NULL: none). */
static const struct hl_gmsg *
last_progress_push(size_t mark)
{
	const struct hl_gmsg *p = NULL;

	for (size_t i = mark; i < next; i++)
		if (ext[i].type == HL_GM_PUSH && ext[i].to == CLIENT &&
		        ext[i].kind == HL_PUSH_K_PROGRESS)
			p = &ext[i];
	return p;
}

/* Issue 15 item 2: live progress. Each DC's counts so far are summed, a finished DC counting
 * with its final counts; p99 is the highest the running DCs reported; a change of the counts
 * alone is pushed too. */
static void
test_live_counts_merged_over_dcs(void **state)
{
	(void)state;
	setup_gates(2);
	submit(1, 24, "c:24", CLIENT, 2);
	int l = leader_of(24);
	assert_true(l >= 0);
	uint64_t gl = (uint64_t)l + 1, tok = token_of(24);
	size_t mark = next;
	dc_progress_live(gl, 24, DC1, tok, 1, 100000, (struct hl_counts){1000, 990, 5}, 100);
	dc_progress_live(gl, 24, DC2, tok, 1, 100000, (struct hl_counts){500, 500, 0}, 300);
	advance(300000000ull);
	const struct hl_gmsg *p = last_progress_push(mark);
	assert_non_null(p);
	assert_true(p->totals.tx_pkts == 1500 && p->totals.rx_pkts == 1490 && p->totals.lost == 5);
	assert_int_equal(p->p99_ns, 300);
	/* only the counts moved: pushed */
	mark = next;
	dc_progress_live(gl, 24, DC2, tok, 2, 100000, (struct hl_counts){800, 790, 0}, 200);
	advance(300000000ull);
	p = last_progress_push(mark);
	assert_non_null(p);
	assert_true(p->totals.tx_pkts == 1800 && p->totals.rx_pkts == 1780);
	assert_int_equal(p->p99_ns, 200);
	/* DC1 ends (its final result: DC1 * 1000 tx, DC1 * 100 rx): it counts with those, not
	 * with its last progress, and its p99 no longer counts */
	mark = next;
	dc_result(gl, 24, DC1, HL_WS_COMPLETED);
	dc_progress_live(gl, 24, DC2, tok, 3, 200000, (struct hl_counts){900, 900, 0}, 250);
	advance(300000000ull);
	p = last_progress_push(mark);
	assert_non_null(p);
	assert_true(p->totals.tx_pkts == DC1 * 1000 + 900 && p->totals.rx_pkts == DC1 * 100 + 900);
	assert_int_equal(p->p99_ns, 250);
	mark = next;
	dc_result(gl, 24, DC2, HL_WS_COMPLETED);
	client_ack_all(mark);
	advance(6 * S);
	assert_int_equal(retained_all(), 0);
	teardown_gates();
}

/* Issue 15 items 5, 6: a finished job's end stays answerable at every gate that held its final
 * record version (the tombstone keeps the final status, token and totals): a client that
 * registers after the end (a second entry gate of the same key, a client back after its job's
 * end) gets the final with the job's totals from any such gate, and a leader query names that
 * gate; a real gate client takes it as the job's final. */
static void
test_finished_job_answers_late_clients(void **state)
{
	const uint64_t late = CLIENT + 1;
	(void)state;
	setup_gates(1);
	submit(1, 26, "c:26", CLIENT, 1);
	int l = leader_of(26);
	assert_true(l >= 0);
	uint64_t gl = (uint64_t)l + 1, tok = token_of(26);
	size_t mark = next;
	dc_result(gl, 26, DC1, HL_WS_COMPLETED);
	client_ack_all(mark); /* the entry client acks the final: the job ends everywhere */
	advance(6 * S);
	assert_int_equal(retained_all(), 0); /* only tombstones are left (their TTL: 20 s) */
	for (uint64_t at = 1; at <= 3; at++) {
		mark = next;
		struct hl_gmsg r = {.type = HL_GM_REGISTER, .from = late, .to = at, .job = 26};
		(void)hl_gate_recv(&G[at - 1], &r, now);
		pump();
		const struct hl_gmsg *p = find_ext(HL_GM_PUSH, late, mark);
		assert_non_null(p);
		assert_int_equal(p->kind, HL_PUSH_K_RESULT);
		assert_int_equal(p->status, HL_WS_COMPLETED);
		assert_true(p->token >= tok);
		assert_true(p->totals.tx_pkts == DC1 * 1000 && p->totals.rx_pkts == DC1 * 100);
		assert_int_equal(p->totals.lost, DC1);
		/* a leader query is answered by the gate itself */
		mark = next;
		struct hl_gmsg q = {.type = HL_GM_LEADER_QUERY, .from = late, .to = at, .job = 26};
		(void)hl_gate_recv(&G[at - 1], &q, now);
		pump();
		const struct hl_gmsg *a = find_ext(HL_GM_LEADER_ANSWER, late, mark);
		assert_non_null(a);
		assert_int_equal(a->code, 0);
		assert_int_equal(a->leader, at);
		if (at == 3) {
			/* a gate client that followed the job takes it as the final, once */
			const uint64_t gates[3] = {1, 2, 3};
			struct hl_gclient c;
			uint64_t job;
			uint8_t st;
			struct hl_counts t;
			assert_int_equal(hl_gclient_init(&c, late, gates, 3, 8), 0);
			assert_int_equal(hl_gclient_submit(&c, 26, "c:26", 4, 1, NULL, now), 0);
			struct hl_gmsg fin = *p;
			assert_int_equal(hl_gclient_recv(&c, &fin, now), 0);
			assert_int_equal(
			        hl_gclient_recv(&c, &fin, now), 0); /* again: no second final */
			assert_int_equal(hl_gclient_next_final(&c, &job, &st, &t), 1);
			assert_true(job == 26 && st == HL_WS_COMPLETED && t.tx_pkts == DC1 * 1000);
			assert_int_equal(hl_gclient_next_final(&c, &job, &st, &t), 0);
			hl_gclient_fini(&c);
		}
	}
	assert_true(G[0].n_tomb_finals + G[1].n_tomb_finals + G[2].n_tomb_finals == 3);
	teardown_gates();
}

/* D.4: DC progress is merged at the gate job leader and pushed batched (one push per period,
 * only when it changed); older or duplicate DC updates are dropped (E.8); the last progress is
 * pushed before the final, in pushlog sequence; the replay carries the progress. */
static void
test_d4_progress_batched_and_before_final(void **state)
{
	(void)state;
	setup_gates(2);
	submit(1, 21, "c:21", CLIENT, 2);
	int l = leader_of(21);
	assert_true(l >= 0);
	uint64_t gl = (uint64_t)l + 1, tok = token_of(21);
	size_t mark = next;
	dc_progress(gl, 21, DC1, tok, 1, 400000);
	assert_int_equal(count_ext(HL_GM_PUSH, CLIENT, mark, HL_PUSH_K_PROGRESS), 0); /* batched */
	dc_progress(gl, 21, DC2, tok, 2, 200000);
	dc_progress(gl, 21, DC2, tok, 1, 900000); /* older: dropped */
	dc_progress(gl, 21, DC2, tok, 2, 900000); /* duplicate seq: dropped */
	advance(300000000ull);
	assert_int_equal(count_ext(HL_GM_PUSH, CLIENT, mark, HL_PUSH_K_PROGRESS), 1);
	const struct hl_gmsg *p = find_ext(HL_GM_PUSH, CLIENT, mark);
	while (p->kind != HL_PUSH_K_PROGRESS)
		p = find_ext(HL_GM_PUSH, CLIENT, (size_t)(p - ext) + 1);
	assert_int_equal(p->ppm, 300000); /* (400000 + 200000) / 2 */
	uint64_t seq1 = p->seq;
	advance(1000000000ull); /* no change: no push */
	assert_int_equal(count_ext(HL_GM_PUSH, CLIENT, mark, HL_PUSH_K_PROGRESS), 1);
	mark = next;
	dc_progress(gl, 21, DC1, tok, 2, 600000); /* pending in the batch when the job ends */
	dc_result(gl, 21, DC1, HL_WS_COMPLETED);
	dc_result(gl, 21, DC2, HL_WS_COMPLETED);
	const struct hl_gmsg *pp = NULL, *fin = NULL;
	for (size_t i = mark; i < next; i++)
		if (ext[i].type == HL_GM_PUSH && ext[i].kind == HL_PUSH_K_PROGRESS)
			pp = &ext[i];
		else if (ext[i].type == HL_GM_PUSH && ext[i].kind == HL_PUSH_K_RESULT && !fin)
			fin = &ext[i];
	assert_non_null(pp);
	assert_non_null(fin);
	assert_true(pp < fin); /* sent before the final */
	assert_true(seq1 < pp->seq && pp->seq < fin->seq);
	assert_int_equal(fin->ppm, 1000000);
	/* a registration from scratch replays status, both progress pushes and the final */
	struct hl_gmsg r = {.type = HL_GM_REGISTER, .from = CLIENT, .to = gl, .job = 21};
	r.token = tok;
	mark = next;
	(void)hl_gate_recv(&G[l], &r, now);
	pump();
	assert_int_equal(count_ext(HL_GM_PUSH, CLIENT, mark, HL_PUSH_K_PROGRESS), 2);
	uint64_t last = 0;
	for (size_t i = mark; i < next; i++)
		if (ext[i].type == HL_GM_PUSH) {
			assert_true(ext[i].seq > last);
			last = ext[i].seq;
		}
	assert_int_equal(last, fin->seq);
	assert_true(G[l].n_progress_pushes == 2);
	client_ack_all(mark);
	advance(6 * S);
	assert_int_equal(retained_all(), 0);
	teardown_gates();
}

static struct hl_gmsg
push_msg(uint64_t job, uint64_t token, uint64_t seq, uint8_t kind, uint32_t ppm)
{
	struct hl_gmsg m = {.type = HL_GM_PUSH, .from = 2, .to = CLIENT, .job = job};

	m.token = token;
	m.seq = seq;
	m.kind = kind;
	m.status = kind == HL_PUSH_K_RESULT ? HL_WS_COMPLETED : HL_WS_RUNNING;
	m.ppm = ppm;
	m.leader = 2;
	return m;
}

static int client_pop(struct hl_gclient *c, uint8_t type, struct hl_gmsg *out);

/* D.4 at the client: every numbered push reaches the application once and in order; a
 * duplicate is dropped (acked), a push after a gap is dropped (not acked) and triggers a
 * registration whose replay fills the gap; a replay gap (log wrapped) skips to its end; the
 * update ring is bounded (full = refused, not acked). */
static void
test_d4_client_updates_in_order(void **state)
{
	struct hl_gclient c;
	uint64_t gates[3] = {1, 2, 3};
	struct hl_gclient_update u;
	struct hl_gmsg m;
	uint64_t tok = hl_fence_make(1, 1), job;
	uint8_t st;

	(void)state;
	assert_int_equal(hl_gclient_init(&c, CLIENT, gates, 3, 8), 0);
	assert_int_equal(hl_gclient_submit(&c, 4, "c:4", 3, 1, NULL, now), 0);
	m = push_msg(4, tok, 1, HL_PUSH_K_STATUS, 0);
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	m = push_msg(4, tok, 3, HL_PUSH_K_PROGRESS, 300000); /* 2 is missing */
	(void)client_pop(&c, HL_GM_PUSH_ACK, NULL);
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	assert_int_equal(c.n_gaps, 1);
	struct hl_gmsg reg;
	assert_int_equal(client_pop(&c, HL_GM_REGISTER, &reg), 1); /* asks for the replay */
	assert_int_equal(reg.seq, 1);
	m = push_msg(4, tok, 3, HL_PUSH_K_PROGRESS, 300000); /* again at once: no second one */
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	assert_int_equal(client_pop(&c, HL_GM_REGISTER, NULL), 0);
	assert_int_equal(client_pop(&c, HL_GM_PUSH_ACK, NULL), 0); /* out of order: not acked */
	/* the replay: 2, 3, and a duplicate of 2 */
	m = push_msg(4, tok, 2, HL_PUSH_K_PROGRESS, 200000);
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	m = push_msg(4, tok, 3, HL_PUSH_K_PROGRESS, 300000);
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	m = push_msg(4, tok, 2, HL_PUSH_K_PROGRESS, 200000);
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	assert_int_equal(c.n_dup_pushes, 1);
	uint64_t want[] = {1, 2, 3};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(hl_gclient_next_update(&c, &u), 1);
		assert_int_equal(u.seq, want[i]);
		assert_int_equal(u.job, 4);
	}
	assert_int_equal(u.ppm, 300000);
	assert_int_equal(hl_gclient_next_update(&c, &u), 0);
	/* a replay after the log wrapped: the current status stands for 4..9, then 10, 11 */
	m = push_msg(4, tok, 0, HL_PUSH_K_STATUS, 500000);
	m.gap_seq = 9;
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	m = push_msg(4, tok, 10, HL_PUSH_K_PROGRESS, 600000);
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	m = push_msg(4, tok, 11, HL_PUSH_K_RESULT, 1000000);
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	assert_int_equal(hl_gclient_next_update(&c, &u), 1);
	assert_int_equal(u.seq, 9);
	assert_int_equal(u.ppm, 500000);
	assert_int_equal(hl_gclient_next_update(&c, &u), 1);
	assert_int_equal(u.seq, 10);
	assert_int_equal(u.kind, HL_PUSH_K_PROGRESS);
	assert_int_equal(hl_gclient_next_update(&c, &u), 1);
	assert_int_equal(u.seq, 11);
	assert_int_equal(u.kind, HL_PUSH_K_RESULT); /* the last progress came before it */
	assert_int_equal(hl_gclient_next_final(&c, &job, &st, NULL), 1);
	assert_int_equal(hl_gclient_forget(&c, 4), 0);
	/* bounded: a full ring refuses the push (not acked) */
	assert_int_equal(hl_gclient_submit(&c, 5, "c:5", 3, 1, NULL, now), 0);
	for (uint64_t q = 1; q <= HL_GCLIENT_UPDATES; q++) {
		m = push_msg(5, tok, q, HL_PUSH_K_PROGRESS, (uint32_t)q);
		assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	}
	(void)client_pop(&c, HL_GM_PUSH_ACK, NULL);
	m = push_msg(5, tok, HL_GCLIENT_UPDATES + 1, HL_PUSH_K_PROGRESS, 7);
	assert_int_equal(hl_gclient_recv(&c, &m, now), -HL_E_FULL);
	assert_int_equal(c.n_updates_full, 1);
	assert_int_equal(client_pop(&c, HL_GM_PUSH_ACK, NULL), 0);
	for (uint64_t q = 1; q <= HL_GCLIENT_UPDATES; q++) {
		assert_int_equal(hl_gclient_next_update(&c, &u), 1);
		assert_int_equal(u.seq, q);
	}
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0); /* drained: taken */
	hl_gclient_fini(&c);
}

/* D.8, scenarios D.12.2/D.12.3: reporter outcomes (run at the DC job leader manager) flow DC ->
 * gate (forwarded by a non-leader) -> job leader: acked, kept in the replicated record (bounded:
 * full = refused visibly), pushed through the pushlog (so replayed), before the final; a
 * duplicate is acked and not pushed again; a failed reporter does not change the job status. */
static void
test_d8_reporter_outcomes(void **state)
{
	(void)state;
	setup_gates(2);
	submit(1, 22, "c:22", CLIENT, 2);
	int l = leader_of(22), other = (l + 1) % 3;
	uint64_t gl = (uint64_t)l + 1, tok = token_of(22);
	size_t mark = next;
	dc_report((uint64_t)other + 1, 22, DC1, tok, 1, true, 0); /* at a non-leader: forwarded */
	assert_int_equal(G[other].n_forwarded, 1);
	const struct hl_gmsg *a = find_ext(HL_GM_DC_REPORT_ACK, DC1, mark);
	assert_non_null(a);
	assert_int_equal(a->code, 0);
	assert_int_equal(a->rep.type, 1);
	assert_int_equal(a->from, gl); /* the leader acks the DC itself */
	/* acked only once the record holding it is committed: a fresh one, not pumped */
	struct hl_gmsg rm = {.type = HL_GM_DC_REPORT, .from = DC2, .to = gl, .job = 22};
	rm.dc = DC2;
	rm.token = tok;
	rm.rep = (struct hl_gate_report){.source = DC2 * 10, .dc = DC2, .type = 9, .ok = 1};
	assert_int_equal(hl_gate_recv(&G[l], &rm, now), 0);
	struct hl_gmsg o;
	int puts = 0;
	while (hl_gate_next_tx(&G[l], &o) == 1) {
		assert_int_not_equal(o.type, HL_GM_DC_REPORT_ACK);
		assert_false(o.type == HL_GM_PUSH && o.kind == HL_PUSH_K_REPORT);
		if (o.type == HL_GM_REC_PUT) {
			assert_int_equal(o.rec.nrep, 2);
			puts++;
			(void)hl_gate_recv(&G[o.to - 1], &o, now); /* delivered: commit */
		}
	}
	assert_int_equal(puts, 2);
	size_t m1 = next;
	pump();
	a = find_ext(HL_GM_DC_REPORT_ACK, DC2, m1);
	assert_non_null(a);
	assert_int_equal(a->rep.type, 9);
	assert_int_equal(count_ext(HL_GM_PUSH, CLIENT, m1, HL_PUSH_K_REPORT), 1);
	dc_report(gl, 22, DC1, tok, 1, true, 0); /* duplicate */
	assert_int_equal(G[l].n_dup_reports, 1);
	assert_int_equal(count_ext(HL_GM_DC_REPORT_ACK, DC1, mark, 0), 2);
	dc_report(gl, 22, DC2, tok, 2, false, -ETIMEDOUT); /* a failed reporter */
	assert_int_equal(G[l].n_reports, 3);
	const struct hl_gmsg *p[3] = {NULL, NULL, NULL};
	int np = 0;
	for (size_t i = mark; i < next; i++)
		if (ext[i].type == HL_GM_PUSH && ext[i].kind == HL_PUSH_K_REPORT && np < 3)
			p[np++] = &ext[i];
	assert_int_equal(np, 3);
	assert_int_equal(p[0]->ref, 0);
	assert_int_equal(p[0]->rep.source, DC1 * 10);
	assert_int_equal(p[0]->rep.elapsed_ms, 41);
	assert_int_equal(p[2]->ref, 2);
	assert_int_equal(p[2]->rep.ok, 0);
	assert_int_equal(p[2]->rep.error, -ETIMEDOUT);
	assert_int_equal(p[2]->rep.dc, DC2);
	/* in the record at a quorum (a new leader pushes them again) */
	int stores = 0;
	for (int i = 0; i < 3; i++) {
		const struct hl_jrec *r = hl_jrec_store_get(&G[i].store, 22);
		struct hl_gate_rec rec;
		if (r == NULL)
			continue;
		memcpy(&rec, r->body, sizeof(rec));
		stores += rec.nrep == 3;
	}
	assert_true(stores >= 2);
	/* bounded: the record keeps HL_GATE_JOB_REPORTS; the next is refused visibly */
	for (uint16_t t = 3; t < HL_GATE_JOB_REPORTS; t++)
		dc_report(gl, 22, DC1, tok, t, true, 0);
	size_t m2 = next;
	dc_report(gl, 22, DC1, tok, 100, true, 0);
	assert_int_equal(G[l].n_reports_full, 1);
	a = find_ext(HL_GM_DC_REPORT_ACK, DC1, m2);
	assert_non_null(a);
	assert_int_equal(a->code, -HL_E_FULL);
	/* both DCs complete: COMPLETED despite the failed reporter (D.12.3) */
	dc_result(gl, 22, DC1, HL_WS_COMPLETED);
	dc_result(gl, 22, DC2, HL_WS_COMPLETED);
	const struct hl_gmsg *fin = NULL;
	for (size_t i = mark; i < next && fin == NULL; i++)
		if (ext[i].type == HL_GM_PUSH && ext[i].kind == HL_PUSH_K_RESULT)
			fin = &ext[i];
	assert_non_null(fin);
	assert_int_equal(fin->status, HL_WS_COMPLETED);
	assert_true(fin->seq > p[2]->seq);
	/* a reporter outcome after the final: refused visibly, not pushed */
	m2 = next;
	dc_report(gl, 22, DC2, tok, 50, true, 0);
	a = find_ext(HL_GM_DC_REPORT_ACK, DC2, m2);
	assert_non_null(a);
	assert_int_equal(a->code, -ECANCELED);
	assert_int_equal(count_ext(HL_GM_PUSH, CLIENT, m2, HL_PUSH_K_REPORT), 0);
	/* replay from scratch: every outcome again, with its fields, before the final */
	struct hl_gmsg r = {.type = HL_GM_REGISTER, .from = CLIENT, .to = gl, .job = 22};
	r.token = tok;
	m2 = next;
	(void)hl_gate_recv(&G[l], &r, now);
	pump();
	assert_int_equal(count_ext(HL_GM_PUSH, CLIENT, m2, HL_PUSH_K_REPORT), HL_GATE_JOB_REPORTS);
	for (size_t i = m2; i < next; i++)
		if (ext[i].type == HL_GM_PUSH && ext[i].kind == HL_PUSH_K_REPORT && ext[i].ref == 2)
			assert_int_equal(ext[i].rep.error, -ETIMEDOUT);
	client_ack_all(mark);
	advance(6 * S);
	assert_int_equal(retained_all(), 0);
	teardown_gates();
}

/* E.9: stale fencing tokens are refused everywhere, including timeout reports and progress: a
 * DC result (TIMEOUT), progress and a reporter outcome under a token below the job's are not
 * acked, not applied and counted (n_stale); at the client, pushes of every kind and leader
 * answers with a token below the one it follows are ignored and counted. */
static void
test_e9_stale_tokens_refused_everywhere(void **state)
{
	(void)state;
	setup_gates(1);
	submit(1, 23, "c:23", CLIENT, 1);
	int l = leader_of(23);
	uint64_t gl = (uint64_t)l + 1, tok = token_of(23), old = tok - 1;
	size_t mark = next;
	uint64_t st0 = G[l].n_stale;
	dc_send(HL_GM_DC_RESULT, gl, 23, DC1, old, HL_WS_TIMEOUT); /* a stale timeout report */
	assert_int_equal(G[l].n_stale, st0 + 1);
	assert_null(find_ext(HL_GM_DC_RESULT_ACK, DC1, mark));
	dc_progress(gl, 23, DC1, old, 1, 500000);
	assert_int_equal(G[l].n_stale, st0 + 2);
	dc_report(gl, 23, DC1, old, 1, true, 0);
	assert_int_equal(G[l].n_stale, st0 + 3);
	assert_null(find_ext(HL_GM_DC_REPORT_ACK, DC1, mark));
	/* forwarded by a non-leader, still refused at the leader */
	int other = (l + 1) % 3;
	dc_send(HL_GM_DC_RESULT, (uint64_t)other + 1, 23, DC1, old, HL_WS_TIMEOUT);
	assert_int_equal(G[l].n_stale, st0 + 4);
	advance(1 * S);
	assert_int_equal(count_ext(HL_GM_PUSH, CLIENT, mark, HL_PUSH_K_PROGRESS), 0);
	assert_int_equal(count_ext(HL_GM_PUSH, CLIENT, mark, HL_PUSH_K_REPORT), 0);
	assert_null(find_ext(HL_GM_DC_RESULT_ACK, DC1, mark));
	/* the job still runs: the current token's result is taken */
	dc_result(gl, 23, DC1, HL_WS_COMPLETED);
	assert_non_null(find_ext(HL_GM_DC_RESULT_ACK, DC1, mark));
	teardown_gates();

	struct hl_gclient c;
	uint64_t gates[3] = {1, 2, 3};
	struct hl_gclient_update u;
	struct hl_gmsg m;
	uint64_t t1 = hl_fence_make(1, 1), t2 = hl_fence_make(2, 1);
	assert_int_equal(hl_gclient_init(&c, CLIENT, gates, 3, 8), 0);
	assert_int_equal(hl_gclient_submit(&c, 6, "c:6", 3, 1, NULL, now), 0);
	m = push_msg(6, t2, 1, HL_PUSH_K_STATUS, 0);
	assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	uint8_t kinds[] = {
	        HL_PUSH_K_STATUS, HL_PUSH_K_PROGRESS, HL_PUSH_K_REPORT, HL_PUSH_K_RESULT};
	for (int i = 0; i < 4; i++) {
		m = push_msg(6, t1, 2, kinds[i], 1);
		assert_int_equal(hl_gclient_recv(&c, &m, now), 0);
	}
	assert_int_equal(c.n_stale, 4);
	struct hl_gmsg la = {.type = HL_GM_LEADER_ANSWER, .from = 1, .to = CLIENT, .job = 6};
	la.leader = 1;
	la.token = t1;
	assert_int_equal(hl_gclient_recv(&c, &la, now), 0);
	assert_int_equal(c.n_stale, 5);
	assert_int_equal(c.j[hl_idmap_find(&c.map, 6)].leader, 2);
	assert_int_equal(hl_gclient_next_update(&c, &u), 1); /* only the current leader's push */
	assert_int_equal(u.token, t2);
	assert_int_equal(hl_gclient_next_update(&c, &u), 0);
	uint64_t job;
	uint8_t st;
	assert_int_equal(hl_gclient_next_final(&c, &job, &st, NULL), 0);
	hl_gclient_fini(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bad_input),
	        cmocka_unit_test(test_redirect_idempotent_ack_after_commit),
	        cmocka_unit_test(test_merge_forward_and_cleanup),
	        cmocka_unit_test(test_pinned_dcs),
	        cmocka_unit_test(test_dc_timeout),
	        cmocka_unit_test(test_leader_query),
	        cmocka_unit_test(test_push_give_up_hands_off),
	        cmocka_unit_test(test_job_leader_death),
	        cmocka_unit_test(test_client),
	        cmocka_unit_test(test_c2_keys_survive_tier_leader_change),
	        cmocka_unit_test(test_d4_progress_batched_and_before_final),
	        cmocka_unit_test(test_live_counts_merged_over_dcs),
	        cmocka_unit_test(test_finished_job_answers_late_clients),
	        cmocka_unit_test(test_d4_client_updates_in_order),
	        cmocka_unit_test(test_d8_reporter_outcomes),
	        cmocka_unit_test(test_e9_stale_tokens_refused_everywhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
