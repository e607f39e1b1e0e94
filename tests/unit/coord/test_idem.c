/* test_idem.c — idempotent submission: one job per key, concurrent duplicates wait for the
 * first, TTLs 60/300/60 s, bound with visible rejection, sweep (seed-defects C.2, B.1 idempotency
 * entries after TTL; scenarios.md G races on duplicate submission). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_idem.h"

#define SEC 1000000000ULL
#define K(s) (s), strlen(s)

static void
test_one_job_per_key(void **state)
{
	struct hl_idem_cfg cfg;
	struct hl_idem t;
	struct hl_idem_result r;
	struct hl_idem_event ev;
	(void)state;

	hl_idem_cfg_default(&cfg);
	assert_int_equal(cfg.max_entries, 100000);
	assert_int_equal(hl_idem_init(&t, &cfg), 0);
	assert_int_equal(hl_idem_begin(&t, K("c1:1:ab"), 100, 1, 0, &r), 0);
	assert_int_equal(r.verdict, HL_IDEM_NEW);
	/* Three concurrent duplicates (other gates' forwards, client retries) with other job ids:
	 * all wait for the first; none creates a job. */
	for (uint64_t w = 2; w <= 4; w++) {
		assert_int_equal(hl_idem_begin(&t, K("c1:1:ab"), 100 + w, w, 1 * SEC, &r), 0);
		assert_int_equal(r.verdict, HL_IDEM_WAIT);
		assert_int_equal(r.job, 100);
	}
	assert_int_equal(hl_idem_waiting(&t), 3);
	assert_int_equal(hl_idem_next_event(&t, &ev), 0);
	assert_int_equal(hl_idem_commit(&t, K("c1:1:ab"), 2 * SEC), 0);
	for (uint64_t w = 2; w <= 4; w++) {
		assert_int_equal(hl_idem_next_event(&t, &ev), 1);
		assert_int_equal(ev.kind, HL_IDEM_EV_COMMITTED);
		assert_int_equal(ev.job, 100);
		assert_true(ev.waiter >= 2 && ev.waiter <= 4);
	}
	assert_int_equal(hl_idem_next_event(&t, &ev), 0);
	assert_int_equal(hl_idem_waiting(&t), 0);
	/* Later duplicates get the cached ack at once. */
	assert_int_equal(hl_idem_begin(&t, K("c1:1:ab"), 999, 9, 3 * SEC, &r), 0);
	assert_int_equal(r.verdict, HL_IDEM_CACHED);
	assert_int_equal(r.job, 100);
	assert_int_equal(hl_idem_commit(&t, K("c1:1:ab"), 3 * SEC), -EINVAL);
	/* Rejection cached with its code. */
	assert_int_equal(hl_idem_begin(&t, K("c1:2:ab"), 101, 1, 0, &r), 0);
	assert_int_equal(hl_idem_begin(&t, K("c1:2:ab"), 102, 5, 0, &r), 0);
	assert_int_equal(hl_idem_reject(&t, K("c1:2:ab"), -HL_E_RATE_LIMITED, 4 * SEC), 0);
	assert_int_equal(hl_idem_next_event(&t, &ev), 1);
	assert_int_equal(ev.kind, HL_IDEM_EV_REJECTED);
	assert_int_equal(ev.code, -HL_E_RATE_LIMITED);
	assert_int_equal(hl_idem_begin(&t, K("c1:2:ab"), 103, 6, 5 * SEC, &r), 0);
	assert_int_equal(r.verdict, HL_IDEM_CACHED);
	assert_int_equal(r.code, -HL_E_RATE_LIMITED);
	/* Bad input. */
	char big[HL_IDEM_KEY_MAX + 1];
	memset(big, 'x', sizeof(big));
	assert_int_equal(hl_idem_begin(&t, big, sizeof(big), 1, 1, 0, &r), -EINVAL);
	assert_int_equal(hl_idem_begin(&t, "", 0, 1, 1, 0, &r), -EINVAL);
	assert_int_equal(hl_idem_begin(&t, K("k"), 0, 1, 0, &r), -EINVAL);
	assert_int_equal(hl_idem_commit(&t, K("nope"), 0), -HL_E_NOT_FOUND);
	hl_idem_fini(&t);
}

/* TTLs: pending 60 s, committed 300 s, rejected 60 s; waiters told to retry after 30 s. */
static void
test_ttls_and_sweep(void **state)
{
	struct hl_idem_cfg cfg;
	struct hl_idem t;
	struct hl_idem_result r;
	struct hl_idem_event ev;
	(void)state;

	hl_idem_cfg_default(&cfg);
	assert_int_equal(hl_idem_init(&t, &cfg), 0);
	hl_idem_begin(&t, K("p"), 1, 1, 0, &r);
	hl_idem_begin(&t, K("c"), 2, 1, 0, &r);
	hl_idem_commit(&t, K("c"), 0);
	hl_idem_begin(&t, K("r"), 3, 1, 0, &r);
	hl_idem_reject(&t, K("r"), -EINVAL, 0);
	hl_idem_begin(&t, K("p"), 4, 77, 10 * SEC, &r); /* waits on the pending one */
	assert_int_equal(hl_idem_sweep(&t, 39 * SEC), 0);
	assert_int_equal(hl_idem_next_event(&t, &ev), 0);
	assert_int_equal(hl_idem_sweep(&t, 40 * SEC), 0);
	assert_int_equal(hl_idem_next_event(&t, &ev), 1);
	assert_int_equal(ev.kind, HL_IDEM_EV_RETRY);
	assert_int_equal(ev.waiter, 77);
	assert_int_equal(hl_idem_state_of(&t, K("p")), HL_IDEM_PENDING);
	assert_int_equal(hl_idem_sweep(&t, 59 * SEC), 0);
	assert_int_equal(hl_idem_sweep(&t, 60 * SEC), 2); /* pending and rejected */
	assert_int_equal(hl_idem_state_of(&t, K("p")), HL_IDEM_FREE);
	assert_int_equal(hl_idem_state_of(&t, K("r")), HL_IDEM_FREE);
	assert_int_equal(hl_idem_state_of(&t, K("c")), HL_IDEM_COMMITTED);
	assert_int_equal(hl_idem_sweep(&t, 299 * SEC), 0);
	assert_int_equal(hl_idem_sweep(&t, 300 * SEC), 1);
	assert_int_equal(hl_idem_count(&t), 0);
	/* An expired pending entry answers its remaining waiters with RETRY. */
	hl_idem_begin(&t, K("q"), 5, 1, 400 * SEC, &r);
	hl_idem_begin(&t, K("q"), 5, 88, 459 * SEC, &r);
	assert_int_equal(hl_idem_sweep(&t, 460 * SEC), 1);
	assert_int_equal(hl_idem_next_event(&t, &ev), 1);
	assert_int_equal(ev.waiter, 88);
	assert_int_equal(ev.kind, HL_IDEM_EV_RETRY);
	assert_int_equal(hl_idem_waiting(&t), 0);
	hl_idem_fini(&t);
}

/* Bounded: a full table rejects visibly (no silent eviction); waiters are bounded too; the
 * answer ring can never overflow even if the host drains late. */
static void
test_bounds(void **state)
{
	struct hl_idem_cfg cfg;
	struct hl_idem t;
	struct hl_idem_result r;
	struct hl_idem_event ev;
	char key[32];
	(void)state;

	hl_idem_cfg_default(&cfg);
	cfg.max_entries = 8;
	cfg.max_waiters = 2;
	assert_int_equal(hl_idem_init(&t, &cfg), 0);
	for (int i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(hl_idem_begin(&t, K(key), 10 + (uint64_t)i, 1, 0, &r), 0);
	}
	assert_int_equal(hl_idem_begin(&t, K("k8"), 99, 1, 0, &r), -HL_E_FULL);
	assert_int_equal(t.n_full, 1);
	/* Existing keys still answered when full. */
	assert_int_equal(hl_idem_begin(&t, K("k0"), 99, 1, 0, &r), 0);
	assert_int_equal(hl_idem_begin(&t, K("k1"), 99, 2, 0, &r), 0);
	assert_int_equal(hl_idem_begin(&t, K("k2"), 99, 3, 0, &r), -HL_E_FULL);
	assert_int_equal(hl_idem_commit(&t, K("k0"), 1), 0);
	/* Its answer is not taken yet: the slot is still held, so the pool stays full. */
	assert_int_equal(hl_idem_begin(&t, K("k2"), 99, 3, 0, &r), -HL_E_FULL);
	assert_int_equal(hl_idem_next_event(&t, &ev), 1);
	assert_int_equal(hl_idem_begin(&t, K("k2"), 99, 3, 0, &r), 0);
	/* 100 000 sequential keys through the default-sized table: no growth beyond the TTL set. */
	hl_idem_fini(&t);
	hl_idem_cfg_default(&cfg);
	assert_int_equal(hl_idem_init(&t, &cfg), 0);
	for (int i = 0; i < 200000; i++) {
		uint64_t now = (uint64_t)i * 10000000ULL; /* 100 submissions/s */
		snprintf(key, sizeof(key), "c:%d:n", i);
		assert_int_equal(hl_idem_begin(&t, K(key), (uint64_t)i + 1, 1, now, &r), 0);
		assert_int_equal(hl_idem_commit(&t, K(key), now), 0);
		if (i % 1000 == 0)
			hl_idem_sweep(&t, now);
		assert_true(hl_idem_count(&t) <= 30000 + 1000);
	}
	uint32_t left = hl_idem_count(&t);
	assert_true(left >= 30000); /* the committed TTL window is still cached */
	assert_int_equal(hl_idem_sweep(&t, 200000 * 10000000ULL + 300 * SEC), left);
	assert_int_equal(hl_idem_count(&t), 0);
	hl_idem_fini(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_one_job_per_key),
	        cmocka_unit_test(test_ttls_and_sweep),
	        cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
