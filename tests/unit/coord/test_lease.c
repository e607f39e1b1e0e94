/* test_lease.c — fencing tokens and job leases: issue, batch renewal, expiry on both sides,
 * re-issue on expiry/death, release, transfer, receiver fence, invariant checker
 * (seed-defects E.1, E.2, E.9; scenarios D.3/E.3 lease and fence items). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_lease.h"
#include "hl_log.h"
#include "hl_prng.h"

#define SEC 1000000000ULL

static struct hl_lease_cfg
small_cfg(void)
{
	struct hl_lease_cfg c;

	hl_lease_cfg_default(&c);
	c.max_jobs = 16;
	c.max_members = 8;
	return c;
}

static void
test_token_format_and_growth(void **state)
{
	struct hl_lease_cfg cfg = small_cfg();
	struct hl_lease_table t;
	struct hl_lease_grant g;
	uint64_t last = 0;
	(void)state;

	assert_int_equal(hl_fence_make(3, 7), (3ULL << 32) | 7);
	assert_int_equal(hl_fence_term(hl_fence_make(9, 1)), 9);
	assert_int_equal(hl_lease_table_init(&t, &cfg), 0);
	assert_int_equal(hl_lease_member_set(&t, 1, true), 0);
	/* Not leader: nothing is issued. */
	assert_int_equal(hl_lease_issue(&t, 100, 0, 0, &g), -HL_E_NOT_LEADER);
	assert_int_equal(hl_lease_set_term(&t, 2), 0);
	for (uint64_t j = 100; j < 110; j++) {
		assert_int_equal(hl_lease_issue(&t, j, 0, 0, &g), 0);
		assert_true(g.token > last);
		assert_int_equal(hl_fence_term(g.token), 2);
		last = g.token;
	}
	assert_int_equal(hl_lease_issue(&t, 100, 0, 0, &g), -HL_E_EXISTS);
	/* A term that does not dominate the issued tokens is refused. */
	assert_int_equal(hl_lease_set_term(&t, 2), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_lease_set_term(&t, 1), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_lease_set_term(&t, 3), 0);
	assert_int_equal(hl_lease_issue(&t, 200, 0, 0, &g), 0);
	assert_true(g.token > last);
	assert_int_equal(g.token, hl_fence_make(3, 1));
	assert_int_equal(hl_lease_issue(&t, 0, 0, 0, &g), -EINVAL);
	hl_lease_table_fini(&t);
}

static void
test_rendezvous_spread_and_stability(void **state)
{
	struct hl_lease_cfg cfg = small_cfg();
	struct hl_lease_table t;
	uint64_t before[300];
	unsigned per[5] = {0};
	(void)state;

	assert_int_equal(hl_lease_table_init(&t, &cfg), 0);
	for (uint64_t m = 1; m <= 4; m++)
		assert_int_equal(hl_lease_member_set(&t, m, true), 0);
	for (uint64_t j = 0; j < 300; j++) {
		before[j] = hl_lease_pick(&t, j + 1, 0);
		assert_true(before[j] >= 1 && before[j] <= 4);
		per[before[j]]++;
	}
	for (int m = 1; m <= 4; m++)
		assert_true(per[m] > 40); /* every member gets a fair share of 300 */
	/* Ineligible member 3: only its jobs move. */
	assert_int_equal(hl_lease_member_set(&t, 3, false), 0);
	for (uint64_t j = 0; j < 300; j++) {
		uint64_t now = hl_lease_pick(&t, j + 1, 0);
		assert_int_not_equal(now, 3);
		if (before[j] != 3)
			assert_int_equal(now, before[j]);
	}
	assert_int_equal(hl_lease_member_remove(&t, 3), 0);
	assert_int_equal(hl_lease_member_remove(&t, 3), -ENOENT);
	assert_int_equal(hl_lease_member_set(&t, 0, true), -EINVAL);
	hl_lease_table_fini(&t);
}

/* Batch renewal: one request per holder renews every lease in its second half of life; the
 * holder's own expiry counts from the send time minus the guard, so it ends before the issuer's. */
static void
test_batch_renewal_and_holder_expiry(void **state)
{
	struct hl_lease_cfg cfg = small_cfg();
	struct hl_lease_table t;
	struct hl_lease_holder h;
	struct hl_lease_grant g[4];
	struct hl_lease_ref refs[8];
	int rc[8];
	uint64_t tok;
	(void)state;

	assert_int_equal(hl_lease_table_init(&t, &cfg), 0);
	assert_int_equal(hl_lease_holder_init(&h, 7, &cfg), 0);
	assert_int_equal(hl_lease_member_set(&t, 7, true), 0);
	assert_int_equal(hl_lease_set_term(&t, 1), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(hl_lease_issue(&t, 50 + i, 7, 0, &g[i]), 0);
		assert_int_equal(hl_lease_holder_apply(&h, &g[i], 0), 0);
	}
	assert_true(hl_lease_holder_valid(&h, 50, 1 * SEC, &tok));
	assert_int_equal(tok, g[0].token);
	/* Early in life: nothing to renew. */
	assert_int_equal(hl_lease_holder_renewals(&h, 5 * SEC, refs, 8), 0);
	/* Second half: one batch with all three. */
	size_t n = hl_lease_holder_renewals(&h, 20 * SEC, refs, 8);
	assert_int_equal(n, 3);
	/* Outstanding request: not resent at once. */
	assert_int_equal(hl_lease_holder_renewals(&h, 21 * SEC, refs + 3, 5), 0);
	struct hl_lease_grant out[8];
	assert_int_equal(hl_lease_renew(&t, 7, refs, n, 20 * SEC + 5000, out, rc), 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(rc[i], 0);
		assert_int_equal(hl_lease_holder_apply(&h, &out[i], 20 * SEC), 0);
	}
	/* Holder expiry = sent + duration - guard = 20 + 30 - 1 = 49 s; issuer = 50 s + 5 us. */
	assert_true(hl_lease_holder_valid(&h, 50, 48 * SEC, NULL));
	assert_false(hl_lease_holder_valid(&h, 50, 49 * SEC, NULL));
	assert_true(hl_lease_find(&t, 50)->expires_ns > 49 * SEC);
	/* Renewal with a wrong token or by another holder is stale. */
	struct hl_lease_ref bad[2] = {{50, g[0].token + 1}, {999, 1}};
	assert_int_equal(hl_lease_renew(&t, 7, bad, 2, 30 * SEC, out, rc), 0);
	assert_int_equal(rc[0], -HL_E_STALE_TOKEN);
	assert_int_equal(rc[1], -HL_E_NOT_FOUND);
	assert_int_equal(hl_lease_renew(&t, 8, refs, 1, 30 * SEC, out, rc), 0);
	assert_int_equal(rc[0], -HL_E_STALE_TOKEN);
	/* The holder stops acting at its expiry: the tick drops all three and reports them. */
	uint64_t dropped[8];
	assert_int_equal(hl_lease_holder_tick(&h, 48 * SEC, dropped, 8), 0);
	assert_int_equal(hl_lease_holder_tick(&h, 49 * SEC, dropped, 8), 3);
	assert_int_equal(hl_lease_holder_count(&h), 0);
	/* A grant for another holder is refused. */
	g[0].holder = 8;
	assert_int_equal(hl_lease_holder_apply(&h, &g[0], 0), -EINVAL);
	hl_lease_holder_fini(&h);
	hl_lease_table_fini(&t);
}

/* Expiry at the issuer re-issues to another member with a strictly greater token; the old
 * holder's renewal is then stale and receivers reject its messages (E.1, E.9). */
static void
test_expiry_reissue(void **state)
{
	struct hl_lease_cfg cfg = small_cfg();
	struct hl_lease_table t;
	struct hl_lease_holder h1, h2;
	struct hl_lease_grant g;
	struct hl_lease_event ev[4];
	struct hl_fence f;
	struct hl_lease_checker ck;
	(void)state;

	assert_int_equal(hl_lease_table_init(&t, &cfg), 0);
	assert_int_equal(hl_lease_holder_init(&h1, 1, &cfg), 0);
	assert_int_equal(hl_lease_holder_init(&h2, 2, &cfg), 0);
	assert_int_equal(hl_fence_init(&f, 16), 0);
	assert_int_equal(hl_lease_checker_init(&ck, 16), 0);
	hl_lease_member_set(&t, 1, true);
	hl_lease_member_set(&t, 2, true);
	assert_int_equal(hl_lease_set_term(&t, 4), 0);
	assert_int_equal(hl_lease_issue(&t, 77, 1, 0, &g), 0);
	assert_int_equal(hl_lease_checker_grant(&ck, &g, false), 0);
	assert_int_equal(hl_lease_holder_apply(&h1, &g, 0), 0);
	uint64_t t1 = g.token;
	assert_int_equal(hl_fence_check(&f, 77, t1), 0);
	assert_int_equal(hl_lease_next_deadline(&t), 30 * SEC);
	/* Holder 1 never renews (partitioned). Before expiry: no event. */
	assert_int_equal(hl_lease_tick(&t, 29 * SEC, ev, 4), 0);
	/* The holder stopped acting before the issuer re-issues. */
	assert_false(hl_lease_holder_valid(&h1, 77, 29 * SEC, NULL));
	assert_int_equal(hl_lease_tick(&t, 30 * SEC, ev, 4), 1);
	assert_int_equal(ev[0].kind, HL_LEASE_EV_REISSUED);
	assert_int_equal(ev[0].old_holder, 1);
	assert_int_equal(ev[0].old_token, t1);
	assert_int_equal(ev[0].grant.holder, 2);
	assert_true(ev[0].grant.token > t1);
	assert_int_equal(hl_lease_checker_grant(&ck, &ev[0].grant, false), 0);
	assert_int_equal(hl_lease_holder_apply(&h2, &ev[0].grant, 30 * SEC), 0);
	const struct hl_lease_holder *hs[2] = {&h1, &h2};
	assert_int_equal(hl_lease_check_holders(&ck, hs, 2, 30 * SEC), 0);
	/* Receivers: the new token raises the fence; the old one is now rejected. */
	assert_int_equal(hl_fence_check(&f, 77, ev[0].grant.token), 0);
	assert_int_equal(hl_fence_check(&f, 77, t1), -HL_E_STALE_TOKEN);
	assert_int_equal(f.n_rejected, 1);
	/* The old holder's late renewal is refused. */
	struct hl_lease_ref r = {77, t1};
	struct hl_lease_grant out;
	int rc;
	assert_int_equal(hl_lease_renew(&t, 1, &r, 1, 31 * SEC, &out, &rc), 0);
	assert_int_equal(rc, -HL_E_STALE_TOKEN);
	/* A stale grant (e.g. a delayed copy of the first issue) cannot roll the holder back. */
	assert_int_equal(hl_lease_holder_apply(&h2, &ev[0].grant, 31 * SEC), 0);
	g.holder = 2;
	assert_int_equal(hl_lease_holder_apply(&h2, &g, 31 * SEC), -HL_E_STALE_TOKEN);
	hl_lease_checker_fini(&ck);
	hl_fence_fini(&f);
	hl_lease_holder_fini(&h1);
	hl_lease_holder_fini(&h2);
	hl_lease_table_fini(&t);
}

static void
test_holder_death_release_transfer(void **state)
{
	struct hl_lease_cfg cfg = small_cfg();
	struct hl_lease_table t;
	struct hl_lease_grant g, g2, g3;
	struct hl_lease_event ev[4];
	struct hl_fence f;
	(void)state;

	assert_int_equal(hl_lease_table_init(&t, &cfg), 0);
	assert_int_equal(hl_fence_init(&f, 4), 0);
	for (uint64_t m = 1; m <= 3; m++)
		hl_lease_member_set(&t, m, true);
	hl_lease_set_term(&t, 1);
	assert_int_equal(hl_lease_issue(&t, 5, 2, 0, &g), 0);
	/* Holder death (SWIM): re-issued at the next tick, long before expiry. */
	assert_int_equal(hl_lease_member_remove(&t, 2), 0);
	assert_int_equal(hl_lease_tick(&t, 1 * SEC, ev, 4), 1);
	assert_int_equal(ev[0].kind, HL_LEASE_EV_REISSUED);
	assert_int_not_equal(ev[0].grant.holder, 2);
	assert_true(ev[0].grant.token > g.token);
	/* Transfer on handoff (E.2): strictly greater token; the old token can no longer act. */
	uint64_t to = ev[0].grant.holder == 1 ? 3 : 1;
	assert_int_equal(hl_lease_transfer(&t, 5, g.token, to, 2 * SEC, &g2), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_lease_transfer(&t, 5, ev[0].grant.token, 2, 2 * SEC, &g2), -ENOENT);
	assert_int_equal(hl_lease_transfer(&t, 5, ev[0].grant.token, to, 2 * SEC, &g2), 0);
	assert_int_equal(g2.holder, to);
	assert_true(g2.token > ev[0].grant.token);
	assert_int_equal(hl_fence_check_strict(&f, 5, g2.token), 0);
	assert_int_equal(hl_fence_check_strict(&f, 5, g2.token), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_fence_check(&f, 5, g2.token), 0);
	assert_int_equal(hl_fence_check(&f, 5, ev[0].grant.token), -HL_E_STALE_TOKEN);
	/* Release at job end (E.1): a stale token cannot release the successor's lease. */
	assert_int_equal(hl_lease_release(&t, 5, ev[0].grant.token), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_lease_release(&t, 5, g2.token), 0);
	assert_int_equal(hl_lease_count(&t), 0);
	assert_null(hl_lease_find(&t, 5));
	assert_int_equal(hl_lease_release(&t, 5, g2.token), -HL_E_NOT_FOUND);
	assert_int_equal(hl_lease_next_deadline(&t), UINT64_MAX);
	assert_int_equal(hl_fence_forget(&f, 5), 0);
	assert_int_equal(hl_fence_count(&f), 0);
	assert_int_equal(hl_fence_forget(&f, 5), -ENOENT);
	/* A fresh job after release gets a new, still greater token. */
	assert_int_equal(hl_lease_issue(&t, 5, 0, 3 * SEC, &g3), 0);
	assert_true(g3.token > g2.token);
	hl_fence_fini(&f);
	hl_lease_table_fini(&t);
}

/* Full table and orphaned leases: failures are returned, never silent (E.1). */
static void
test_full_and_orphan(void **state)
{
	struct hl_lease_cfg cfg = small_cfg();
	struct hl_lease_table t;
	struct hl_lease_grant g;
	struct hl_lease_event ev[20];
	struct hl_fence f;
	(void)state;

	cfg.max_jobs = 3;
	assert_int_equal(hl_lease_table_init(&t, &cfg), 0);
	hl_lease_set_term(&t, 1);
	/* No member: acquisition fails visibly. */
	assert_int_equal(hl_lease_issue(&t, 1, 0, 0, &g), -ENOENT);
	hl_lease_member_set(&t, 9, true);
	for (uint64_t j = 1; j <= 3; j++)
		assert_int_equal(hl_lease_issue(&t, j, 0, 0, &g), 0);
	assert_int_equal(hl_lease_issue(&t, 4, 0, 0, &g), -HL_E_FULL);
	/* The only member dies: all three orphaned, reported once each. */
	hl_lease_member_remove(&t, 9);
	assert_int_equal(hl_lease_tick(&t, 1, ev, 20), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ev[i].kind, HL_LEASE_EV_ORPHANED);
	assert_int_equal(hl_lease_tick(&t, 2, ev, 20), 0);
	/* A member joins: the orphans are re-issued with greater tokens; cap = 2 leaves one for
	 * the next tick (nothing dropped). */
	hl_lease_member_set(&t, 10, true);
	assert_int_equal(hl_lease_tick(&t, 3, ev, 2), 2);
	assert_int_equal(hl_lease_tick(&t, 3, ev + 2, 2), 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ev[i].kind, HL_LEASE_EV_REISSUED);
		assert_int_equal(ev[i].grant.holder, 10);
		assert_true(ev[i].grant.token > hl_fence_make(1, 3));
	}
	assert_int_equal(hl_fence_init(&f, 1), 0);
	assert_int_equal(hl_fence_check(&f, 1, 1), 0);
	assert_int_equal(hl_fence_check(&f, 2, 1), -HL_E_FULL);
	hl_fence_fini(&f);
	hl_lease_table_fini(&t);
}

static void
test_checker_detects(void **state)
{
	struct hl_lease_cfg cfg = small_cfg();
	struct hl_lease_checker ck;
	struct hl_lease_holder a, b;
	struct hl_lease_grant g = {3, 1, hl_fence_make(1, 1), 30 * SEC};
	(void)state;

	assert_int_equal(hl_lease_checker_init(&ck, 4), 0);
	assert_int_equal(hl_lease_holder_init(&a, 1, &cfg), 0);
	assert_int_equal(hl_lease_holder_init(&b, 2, &cfg), 0);
	assert_int_equal(hl_lease_checker_grant(&ck, &g, false), 0);
	assert_int_equal(hl_lease_checker_grant(&ck, &g, true), 0);
	/* Same token as a new grant, or a smaller one: violation. */
	assert_int_equal(hl_lease_checker_grant(&ck, &g, false), -HL_E_STALE_TOKEN);
	struct hl_lease_grant lower = g;
	lower.token--;
	assert_int_equal(hl_lease_checker_grant(&ck, &lower, true), -HL_E_STALE_TOKEN);
	assert_int_equal(ck.violations, 2);
	assert_non_null(strstr(ck.why, "renewal"));
	/* Two valid holders of one (job, token): violation. */
	hl_lease_holder_apply(&a, &g, 0);
	struct hl_lease_grant gb = g;
	gb.holder = 2;
	hl_lease_holder_apply(&b, &gb, 0);
	const struct hl_lease_holder *hs[2] = {&a, &b};
	assert_int_equal(hl_lease_check_holders(&ck, hs, 2, 1 * SEC), -EEXIST);
	/* After both expire there is no violation. */
	assert_int_equal(hl_lease_check_holders(&ck, hs, 2, 40 * SEC), 0);
	hl_lease_checker_forget(&ck, 3);
	assert_int_equal(hl_idmap_count(&ck.map), 0);
	hl_lease_holder_fini(&a);
	hl_lease_holder_fini(&b);
	hl_lease_checker_fini(&ck);
}

/* Randomised: one issuer, three holders, messages delayed by up to 2 s, holders paused at
 * random (they miss renewals). With no false deaths, at most one holder may act for a job at any
 * instant, whatever its token, and tokens only grow. */
static void
test_random_no_overlap(void **state)
{
	enum { H = 3, JOBS = 8, STEPS = 20000 };
	struct hl_lease_cfg cfg = small_cfg();
	struct hl_lease_table t;
	struct hl_lease_holder h[H];
	struct hl_lease_checker ck;
	struct hl_prng rng;
	struct {
		uint64_t at, sent;
		int to;
		struct hl_lease_grant g;
	} q[256];
	size_t nq = 0, reissued = 0, renewed = 0;
	uint64_t paused_until[H] = {0};
	uint64_t id_of[JOBS]; /* job ids are never reused: a released id is replaced by a new one */
	(void)state;

	for (int k = 0; k < JOBS; k++)
		id_of[k] = (uint64_t)k + 1;

	hl_prng_seed(&rng, 42);
	cfg.duration_ns = 6 * SEC;
	assert_int_equal(hl_lease_table_init(&t, &cfg), 0);
	assert_int_equal(hl_lease_checker_init(&ck, 16), 0);
	for (int i = 0; i < H; i++) {
		assert_int_equal(hl_lease_holder_init(&h[i], (uint64_t)i + 1, &cfg), 0);
		hl_lease_member_set(&t, (uint64_t)i + 1, true);
	}
	hl_lease_set_term(&t, 1);
	for (uint64_t now = 0, step = 0; step < STEPS; step++, now += 100 * 1000 * 1000) {
		struct hl_lease_grant g;
		struct hl_lease_event ev[JOBS];
		uint64_t slot = hl_prng_below(&rng, JOBS);
		uint64_t job = id_of[slot];

		if (hl_lease_find(&t, job) == NULL && hl_lease_issue(&t, job, 0, now, &g) == 0) {
			assert_int_equal(hl_lease_checker_grant(&ck, &g, false), 0);
			if (nq < 256)
				q[nq++] = (__typeof__(q[0])){now + hl_prng_below(&rng, 2 * SEC),
				        now, (int)g.holder - 1, g};
		}
		size_t ne = hl_lease_tick(&t, now, ev, JOBS);
		for (size_t i = 0; i < ne; i++) {
			assert_int_equal(hl_lease_checker_grant(&ck, &ev[i].grant, false), 0);
			reissued += ev[i].kind == HL_LEASE_EV_REISSUED;
			if (nq < 256)
				q[nq++] = (__typeof__(q[0])){now + hl_prng_below(&rng, 2 * SEC),
				        now, (int)ev[i].grant.holder - 1, ev[i].grant};
		}
		for (int i = 0; i < H; i++) {
			struct hl_lease_ref refs[JOBS];
			struct hl_lease_grant out[JOBS];
			int rc[JOBS];
			uint64_t dropped[JOBS];

			if (hl_prng_below(&rng, 200) == 0)
				paused_until[i] = now + hl_prng_below(&rng, 10 * SEC);
			hl_lease_holder_tick(&h[i], now, dropped, JOBS);
			if (now < paused_until[i])
				continue;
			size_t n = hl_lease_holder_renewals(&h[i], now, refs, JOBS);
			/* The request travels up to 1 s; the answer is queued with its delay. */
			uint64_t arrive = now + hl_prng_below(&rng, SEC);
			hl_lease_renew(&t, (uint64_t)i + 1, refs, n, arrive, out, rc);
			for (size_t k = 0; k < n; k++) {
				if (rc[k] != 0)
					continue;
				assert_int_equal(hl_lease_checker_grant(&ck, &out[k], true), 0);
				renewed++;
				if (nq < 256)
					q[nq++] = (__typeof__(q[0])){
					        arrive + hl_prng_below(&rng, SEC), now, i, out[k]};
			}
		}
		for (size_t k = 0; k < nq;) {
			if (q[k].at > now) {
				k++;
				continue;
			}
			hl_lease_holder_apply(&h[q[k].to], &q[k].g, q[k].sent);
			q[k] = q[--nq];
		}
		/* At most one acting holder per job, whatever the tokens. */
		for (int k = 0; k < JOBS; k++) {
			int acting = 0;
			for (int i = 0; i < H; i++)
				acting += hl_lease_holder_valid(&h[i], id_of[k], now, NULL);
			assert_true(acting <= 1);
		}
		const struct hl_lease_holder *hs[H] = {&h[0], &h[1], &h[2]};
		assert_int_equal(hl_lease_check_holders(&ck, hs, H, now), 0);
		/* Jobs end at random: release removes every trace. */
		if (hl_prng_below(&rng, 50) == 0) {
			const struct hl_lease_entry *e = hl_lease_find(&t, job);
			if (e != NULL) {
				uint64_t holder = e->holder;
				assert_int_equal(hl_lease_release(&t, job, e->token), 0);
				if (holder)
					hl_lease_holder_drop(&h[holder - 1], job);
				hl_lease_checker_forget(&ck, job);
				id_of[slot] += JOBS;
			}
		}
	}
	assert_int_equal(ck.violations, 0);
	assert_true(hl_idmap_count(&ck.map) <= JOBS);
	/* The run must have exercised both paths, or it proves nothing. */
	assert_true(reissued > 50);
	assert_true(renewed > 1000);
	for (int i = 0; i < H; i++)
		hl_lease_holder_fini(&h[i]);
	hl_lease_checker_fini(&ck);
	hl_lease_table_fini(&t);
}

/* A new tier leader adopts the still-running leases of the old term during its grace. */
static void
test_grace_adopt(void **state)
{
	struct hl_lease_cfg cfg = small_cfg();
	struct hl_lease_table t;
	struct hl_lease_grant g;
	(void)state;

	assert_int_equal(hl_lease_table_init(&t, &cfg), 0);
	hl_lease_member_set(&t, 1, true);
	hl_lease_member_set(&t, 2, true);
	assert_int_equal(hl_lease_adopt(&t, 1, 5, hl_fence_make(1, 3), 0, &g), -EPERM);
	assert_int_equal(hl_lease_set_term(&t, 2), 0);
	hl_lease_start_grace(&t, 100);
	assert_true(hl_lease_in_grace(&t, 100 + 29 * SEC));
	/* Renewal of a lease granted in term 1 by holder 1: adopted with a term-2 token. */
	assert_int_equal(hl_lease_adopt(&t, 1, 5, hl_fence_make(1, 3), 1 * SEC, &g), 0);
	assert_int_equal(g.holder, 1);
	assert_true(g.token > hl_fence_make(1, 3));
	assert_int_equal(hl_fence_term(g.token), 2);
	/* Once adopted it is known: a second adopt (another holder) is refused. */
	assert_int_equal(hl_lease_adopt(&t, 2, 5, hl_fence_make(1, 3), 1 * SEC, &g), -HL_E_EXISTS);
	/* A token of the current term cannot be "adopted". */
	assert_int_equal(
	        hl_lease_adopt(&t, 1, 6, hl_fence_make(2, 1), 1 * SEC, &g), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_lease_adopt(&t, 9, 6, hl_fence_make(1, 1), 1 * SEC, &g), -ENOENT);
	/* After the grace: no adoption. */
	assert_int_equal(hl_lease_adopt(&t, 1, 6, hl_fence_make(1, 1), 100 + 30 * SEC, &g), -EPERM);
	hl_lease_table_fini(&t);
}

static char last_line[HL_LOG_LINE_MAX];
static int lines;

static void
sink(void *arg, enum hl_log_level level, const char *component, const char *line)
{
	(void)arg;
	(void)level;
	(void)component;
	snprintf(last_line, sizeof(last_line), "%s", line);
	lines++;
}

/* A.1/A.2: a refused stale token is logged with its context (job, tokens), not swallowed. */
static void
test_rejections_logged(void **state)
{
	struct hl_fence f;
	(void)state;

	hl_log_set_sink(sink, NULL);
	assert_int_equal(hl_fence_init(&f, 4), 0);
	assert_int_equal(hl_fence_check(&f, 0x77, 10), 0);
	lines = 0;
	assert_int_equal(hl_fence_check(&f, 0x77, 9), -HL_E_STALE_TOKEN);
	assert_int_equal(lines, 1);
	assert_non_null(strstr(last_line, "job=0000000000000077"));
	assert_non_null(strstr(last_line, "token=0000000000000009"));
	assert_non_null(strstr(last_line, "highest=000000000000000a"));
	hl_fence_fini(&f);
	hl_log_set_sink(NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_token_format_and_growth),
	        cmocka_unit_test(test_rendezvous_spread_and_stability),
	        cmocka_unit_test(test_batch_renewal_and_holder_expiry),
	        cmocka_unit_test(test_expiry_reissue),
	        cmocka_unit_test(test_holder_death_release_transfer),
	        cmocka_unit_test(test_full_and_orphan),
	        cmocka_unit_test(test_checker_detects),
	        cmocka_unit_test(test_random_no_overlap),
	        cmocka_unit_test(test_grace_adopt),
	        cmocka_unit_test(test_rejections_logged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
