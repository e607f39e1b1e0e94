/* test_retry.c — push/forward retries: exponential backoff with equal jitter, bounded attempts,
 * GIVE_UP instead of silence, removal on ack (seed-defects D.3, A.4, B.3). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_retry.h"

#define MS 1000000ULL

static void
test_backoff_and_give_up(void **state)
{
	struct hl_retry_cfg cfg;
	struct hl_retry r;
	struct hl_prng g;
	struct hl_retry_out out[4];
	(void)state;

	hl_prng_seed(&g, 1);
	hl_retry_cfg_default(&cfg);
	assert_int_equal(hl_retry_init(&r, &cfg, NULL), -EINVAL);
	assert_int_equal(hl_retry_init(&r, &cfg, &g), 0);
	assert_int_equal(hl_retry_track(&r, 42, 7, 0), 0);
	assert_int_equal(hl_retry_track(&r, 42, 7, 0), -HL_E_EXISTS);
	/* First resend between 250 and 500 ms (equal jitter of 500 ms). */
	uint64_t d1 = hl_retry_next_deadline(&r);
	assert_true(d1 >= 250 * MS && d1 <= 500 * MS);
	assert_int_equal(hl_retry_tick(&r, d1 - 1, out, 4), 0);
	assert_int_equal(hl_retry_tick(&r, d1, out, 4), 1);
	assert_int_equal(out[0].ev, HL_RETRY_RESEND);
	assert_int_equal(out[0].attempt, 2);
	assert_int_equal(out[0].tag, 7);
	/* Second wait between 500 ms and 1 s. */
	uint64_t d2 = hl_retry_next_deadline(&r);
	assert_true(d2 - d1 >= 500 * MS && d2 - d1 <= 1000 * MS);
	assert_int_equal(hl_retry_tick(&r, d2, out, 4), 1);
	assert_int_equal(out[0].attempt, 3);
	/* Third send unacknowledged: give up (3 attempts), removed, counted. */
	uint64_t d3 = hl_retry_next_deadline(&r);
	assert_int_equal(hl_retry_tick(&r, d3, out, 4), 1);
	assert_int_equal(out[0].ev, HL_RETRY_GIVE_UP);
	assert_int_equal(r.n_give_up, 1);
	assert_int_equal(hl_retry_count(&r), 0);
	assert_int_equal(hl_retry_next_deadline(&r), UINT64_MAX);
	hl_retry_fini(&r);
}

static void
test_ack_and_bounds(void **state)
{
	struct hl_retry_cfg cfg;
	struct hl_retry r;
	struct hl_prng g;
	struct hl_retry_out out[4];
	(void)state;

	hl_prng_seed(&g, 2);
	hl_retry_cfg_default(&cfg);
	cfg.max_items = 2;
	cfg.max_attempts = 10;
	assert_int_equal(hl_retry_init(&r, &cfg, &g), 0);
	assert_int_equal(hl_retry_track(&r, 1, 0, 0), 0);
	assert_int_equal(hl_retry_track(&r, 2, 0, 0), 0);
	assert_int_equal(hl_retry_track(&r, 3, 0, 0), -HL_E_FULL);
	assert_int_equal(hl_retry_done(&r, 1), 0);
	assert_int_equal(hl_retry_done(&r, 1), -ENOENT); /* duplicate ack */
	/* The cap holds: after many attempts the wait stays <= 30 s. */
	uint64_t now = 0;
	for (int i = 0; i < 9; i++) {
		uint64_t d = hl_retry_next_deadline(&r);
		assert_true(d - now <= 30000 * MS);
		now = d;
		assert_int_equal(hl_retry_tick(&r, now, out, 4), 1);
	}
	assert_int_equal(out[0].attempt, 10);
	assert_int_equal(hl_retry_done(&r, 2), 0);
	assert_int_equal(hl_retry_count(&r), 0);
	hl_retry_fini(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_backoff_and_give_up),
	        cmocka_unit_test(test_ack_and_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
