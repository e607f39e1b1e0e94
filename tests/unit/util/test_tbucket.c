/* test_tbucket.c — token bucket: burst, exact retry-after, refill cap, long-run rate, fixed
 * budgets, bad requests, clock going back, reconfiguration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_tbucket.h"

#define S 1000000000ULL

static void
test_init_bad_args(void **state)
{
	(void)state;
	struct hl_tbucket tb;
	assert_int_equal(hl_tbucket_init(&tb, 10, 0, 0), -EINVAL);
	assert_int_equal(hl_tbucket_init(&tb, 10, HL_TBUCKET_MAX_BURST + 1, 0), -EINVAL);
	assert_int_equal(hl_tbucket_init(&tb, 10, HL_TBUCKET_MAX_BURST, 0), 0);
	assert_int_equal(hl_tbucket_available(&tb, 0), HL_TBUCKET_MAX_BURST);
	assert_int_equal(hl_tbucket_set(&tb, 10, 0, 0), -EINVAL);
}

static void
test_burst_and_retry_after(void **state)
{
	(void)state;
	struct hl_tbucket tb;
	uint64_t t0 = 1000 * S, retry = 0;
	assert_int_equal(hl_tbucket_init(&tb, 10, 5, t0), 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(hl_tbucket_take(&tb, 1, t0, &retry), 0);
		assert_int_equal(retry, 0);
	}
	assert_int_equal(hl_tbucket_take(&tb, 1, t0, &retry), -HL_E_RATE_LIMITED);
	assert_int_equal(retry, S / 10);
	/* A bigger request waits proportionally longer. */
	assert_int_equal(hl_tbucket_take(&tb, 3, t0, &retry), -HL_E_RATE_LIMITED);
	assert_int_equal(retry, 3 * S / 10);
	/* Retry-after is exact: one ns early still fails, on time succeeds. */
	assert_int_equal(hl_tbucket_take(&tb, 3, t0 + 3 * S / 10 - 1, &retry), -HL_E_RATE_LIMITED);
	assert_int_equal(retry, 1);
	assert_int_equal(hl_tbucket_take(&tb, 3, t0 + 3 * S / 10, &retry), 0);
	assert_int_equal(tb.taken, 8);
	assert_int_equal(tb.refused, 3);
	/* NULL retry pointer is allowed. */
	assert_int_equal(hl_tbucket_take(&tb, 1, t0 + 3 * S / 10, NULL), -HL_E_RATE_LIMITED);
}

static void
test_fractional_retry_rounds_up(void **state)
{
	(void)state;
	struct hl_tbucket tb;
	uint64_t retry;
	assert_int_equal(hl_tbucket_init(&tb, 3, 1, 0), 0);
	assert_int_equal(hl_tbucket_take(&tb, 1, 0, &retry), 0);
	assert_int_equal(hl_tbucket_take(&tb, 1, 0, &retry), -HL_E_RATE_LIMITED);
	assert_int_equal(retry, 333333334); /* ceil(1e9 / 3) */
	assert_int_equal(hl_tbucket_take(&tb, 1, 333333333, NULL), -HL_E_RATE_LIMITED);
	assert_int_equal(hl_tbucket_take(&tb, 1, 333333334, NULL), 0);
}

static void
test_refill_caps_at_burst(void **state)
{
	(void)state;
	struct hl_tbucket tb;
	assert_int_equal(hl_tbucket_init(&tb, 1000000000, 100, 0), 0);
	assert_int_equal(hl_tbucket_take(&tb, 100, 0, NULL), 0);
	assert_int_equal(hl_tbucket_available(&tb, 0), 0);
	/* Idle for ~290 years at 1e9 tokens/s: no overflow, still capped at the burst. */
	assert_int_equal(hl_tbucket_available(&tb, UINT64_MAX - 1), 100);
	assert_int_equal(hl_tbucket_take(&tb, 100, UINT64_MAX - 1, NULL), 0);
	assert_int_equal(hl_tbucket_take(&tb, 1, UINT64_MAX - 1, NULL), -HL_E_RATE_LIMITED);
	assert_int_equal(hl_tbucket_take(&tb, 1, UINT64_MAX, NULL), 0); /* 1 ns = 1 token */
}

static void
test_long_run_rate(void **state)
{
	(void)state;
	/* A greedy client that retries exactly when told gets burst + rate * T tokens in T. */
	static const uint64_t rates[] = {1, 7, 1000, 123457};
	for (size_t k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
		struct hl_tbucket tb;
		uint64_t rate = rates[k], burst = 4, now = 5 * S, end = now + 10 * S, got = 0;
		assert_int_equal(hl_tbucket_init(&tb, rate, burst, now), 0);
		while (now <= end) {
			uint64_t retry;
			int rc = hl_tbucket_take(&tb, 1, now, &retry);
			if (rc == 0) {
				got++;
			} else {
				assert_int_equal(rc, -HL_E_RATE_LIMITED);
				assert_true(retry > 0);
				now += retry;
			}
		}
		assert_int_equal(got, burst + rate * 10);
	}
}

static void
test_bad_requests_and_budget(void **state)
{
	(void)state;
	struct hl_tbucket tb;
	uint64_t retry = 0;
	assert_int_equal(hl_tbucket_init(&tb, 0, 3, 0), 0); /* fixed budget */
	assert_int_equal(hl_tbucket_take(&tb, 4, 0, &retry), -EINVAL);
	assert_int_equal(retry, UINT64_MAX);
	assert_int_equal(hl_tbucket_take(&tb, 0, 0, &retry), 0);
	assert_int_equal(hl_tbucket_take(&tb, 3, 0, &retry), 0);
	assert_int_equal(hl_tbucket_take(&tb, 1, 1000 * S, &retry), -HL_E_RATE_LIMITED);
	assert_int_equal(retry, UINT64_MAX);
	assert_int_equal(tb.refused, 2);
}

static void
test_clock_backwards(void **state)
{
	(void)state;
	struct hl_tbucket tb;
	assert_int_equal(hl_tbucket_init(&tb, 10, 2, 10 * S), 0);
	assert_int_equal(hl_tbucket_take(&tb, 2, 10 * S, NULL), 0);
	/* An earlier time refills nothing and does not move the reference point back. */
	assert_int_equal(hl_tbucket_take(&tb, 1, 1 * S, NULL), -HL_E_RATE_LIMITED);
	assert_int_equal(hl_tbucket_take(&tb, 1, 10 * S + S / 10 - 1, NULL), -HL_E_RATE_LIMITED);
	assert_int_equal(hl_tbucket_take(&tb, 1, 10 * S + S / 10, NULL), 0);
}

static void
test_set_rate(void **state)
{
	(void)state;
	struct hl_tbucket tb;
	uint64_t retry;
	assert_int_equal(hl_tbucket_init(&tb, 10, 10, 0), 0);
	/* Shrinking the burst caps the current tokens. */
	assert_int_equal(hl_tbucket_set(&tb, 100, 3, 0), 0);
	assert_int_equal(hl_tbucket_available(&tb, 0), 3);
	assert_int_equal(hl_tbucket_take(&tb, 3, 0, NULL), 0);
	assert_int_equal(hl_tbucket_take(&tb, 1, 0, &retry), -HL_E_RATE_LIMITED);
	assert_int_equal(retry, S / 100);
	/* Tokens earned before a change are kept at the old rate. */
	assert_int_equal(hl_tbucket_set(&tb, 1, 3, S / 50), 0); /* 2 tokens earned at 100/s */
	assert_int_equal(hl_tbucket_available(&tb, S / 50), 2);
	assert_int_equal(hl_tbucket_take(&tb, 3, S / 50, &retry), -HL_E_RATE_LIMITED);
	assert_int_equal(retry, S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_init_bad_args),
	        cmocka_unit_test(test_burst_and_retry_after),
	        cmocka_unit_test(test_fractional_retry_rounds_up),
	        cmocka_unit_test(test_refill_caps_at_burst),
	        cmocka_unit_test(test_long_run_rate),
	        cmocka_unit_test(test_bad_requests_and_budget),
	        cmocka_unit_test(test_clock_backwards),
	        cmocka_unit_test(test_set_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
