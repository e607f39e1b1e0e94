/* test_hist.c — log-linear histogram: exact small values, bucket width, merge, percentiles
 * against sorted random data, empty and clamped cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hl_hist.h"
#include "hl_prng.h"

static struct hl_hist ha, hb, hc;

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void
test_exact_below_sub(void **state)
{
	(void)state;
	hl_hist_reset(&ha);
	for (uint64_t v = 0; v < HL_HIST_SUB; v++) {
		assert_int_equal(hl_hist_bucket_of(v), v);
		assert_int_equal(hl_hist_bucket_lo(v), v);
		assert_int_equal(hl_hist_bucket_hi(v), v);
		hl_hist_record(&ha, v);
	}
	assert_int_equal(ha.count, HL_HIST_SUB);
	assert_int_equal(ha.min, 0);
	assert_int_equal(ha.max, HL_HIST_SUB - 1);
	/* With one sample per value, the k-th percentile rank maps to an exact value. */
	for (uint64_t k = 1; k <= HL_HIST_SUB; k++) {
		double p = 100.0 * (double)k / HL_HIST_SUB;
		assert_int_equal(hl_hist_percentile(&ha, p), k - 1);
	}
	assert_true(hl_hist_mean(&ha) == (HL_HIST_SUB - 1) / 2.0);
}

static void
test_bucket_bounds_and_width(void **state)
{
	(void)state;
	/* Buckets tile the range: contiguous, lo <= hi, width <= lo / 128. */
	for (size_t i = 0; i < HL_HIST_NBUCKETS - 1; i++) {
		uint64_t lo = hl_hist_bucket_lo(i), hi = hl_hist_bucket_hi(i);
		assert_true(lo <= hi);
		assert_int_equal(hl_hist_bucket_lo(i + 1), hi + 1);
		assert_int_equal(hl_hist_bucket_of(lo), i);
		assert_int_equal(hl_hist_bucket_of(hi), i);
		if (i >= HL_HIST_SUB)
			assert_true((hi - lo + 1) * HL_HIST_SUB <= lo);
	}
	size_t last = HL_HIST_NBUCKETS - 1;
	assert_int_equal(hl_hist_bucket_hi(last), UINT64_MAX);
	assert_int_equal(hl_hist_bucket_of((UINT64_C(1) << HL_HIST_MAX_BITS) - 1), last);
	assert_int_equal(hl_hist_bucket_of(UINT64_C(1) << HL_HIST_MAX_BITS), last);
	assert_int_equal(hl_hist_bucket_of(UINT64_MAX), last);
	assert_int_equal(hl_hist_bucket_lo(HL_HIST_NBUCKETS), UINT64_MAX);
	assert_int_equal(hl_hist_bucket_hi(HL_HIST_NBUCKETS + 5), UINT64_MAX);

	/* Random values land in a bucket that contains them. */
	struct hl_prng g;
	hl_prng_seed(&g, 7);
	for (int k = 0; k < 100000; k++) {
		uint64_t v = hl_prng_next(&g) >> hl_prng_below(&g, 64);
		size_t i = hl_hist_bucket_of(v);
		assert_true(i < HL_HIST_NBUCKETS);
		assert_true(hl_hist_bucket_lo(i) <= v && v <= hl_hist_bucket_hi(i));
	}
}

static void
test_empty(void **state)
{
	(void)state;
	hl_hist_reset(&ha);
	assert_int_equal(ha.count, 0);
	assert_int_equal(ha.min, UINT64_MAX);
	assert_int_equal(ha.max, 0);
	assert_int_equal(hl_hist_percentile(&ha, 50), 0);
	assert_int_equal(hl_hist_percentile(&ha, 100), 0);
	assert_true(hl_hist_mean(&ha) == 0.0);
	/* Merging an empty histogram changes nothing, min included. */
	hl_hist_reset(&hb);
	hl_hist_record(&hb, 500);
	memcpy(&hc, &hb, sizeof(hc));
	hl_hist_merge(&hb, &ha);
	assert_memory_equal(&hb, &hc, sizeof(hc));
	/* Merging into an empty one copies. */
	hl_hist_merge(&ha, &hb);
	assert_memory_equal(&ha, &hb, sizeof(hb));
}

static void
test_single_value_and_clamp_to_min_max(void **state)
{
	(void)state;
	hl_hist_reset(&ha);
	hl_hist_record(&ha, 1000001);
	/* Bucket hi is above the value, but the result is clamped to [min, max]. */
	for (double p = 0; p <= 100; p += 12.5)
		assert_int_equal(hl_hist_percentile(&ha, p), 1000001);
	/* Out-of-range and NaN percentiles are clamped. */
	assert_int_equal(hl_hist_percentile(&ha, -5), 1000001);
	assert_int_equal(hl_hist_percentile(&ha, 250), 1000001);
	assert_int_equal(hl_hist_percentile(&ha, 0.0 / 0.0), 1000001);
}

static void
test_huge_values_clamp(void **state)
{
	(void)state;
	hl_hist_reset(&ha);
	hl_hist_record(&ha, UINT64_MAX);
	hl_hist_record(&ha, UINT64_C(1) << 50);
	hl_hist_record(&ha, 10);
	assert_int_equal(ha.count, 3);
	assert_int_equal(ha.buckets[HL_HIST_NBUCKETS - 1], 2);
	assert_int_equal(ha.buckets[10], 1);
	assert_int_equal(ha.max, UINT64_MAX);
	assert_int_equal(ha.min, 10);
	assert_int_equal(ha.sum, UINT64_MAX); /* saturated, not wrapped */
	assert_int_equal(hl_hist_percentile(&ha, 100), UINT64_MAX);
	assert_int_equal(hl_hist_percentile(&ha, 30), 10);
	/* record_n saturates the product too. */
	hl_hist_reset(&hb);
	hl_hist_record_n(&hb, UINT64_C(1) << 40, UINT64_C(1) << 30);
	assert_int_equal(hb.sum, UINT64_MAX);
	assert_int_equal(hb.count, UINT64_C(1) << 30);
}

static void
test_record_n(void **state)
{
	(void)state;
	hl_hist_reset(&ha);
	hl_hist_reset(&hb);
	hl_hist_record_n(&ha, 12345, 0); /* no-op: min stays "empty" */
	assert_int_equal(ha.count, 0);
	assert_int_equal(ha.min, UINT64_MAX);
	hl_hist_record_n(&ha, 12345, 7);
	hl_hist_record_n(&ha, 3, 2);
	for (int i = 0; i < 7; i++)
		hl_hist_record(&hb, 12345);
	hl_hist_record(&hb, 3);
	hl_hist_record(&hb, 3);
	assert_memory_equal(&ha, &hb, sizeof(ha));
}

static void
test_merge_equals_single(void **state)
{
	(void)state;
	struct hl_prng g;
	hl_prng_seed(&g, 42);
	hl_hist_reset(&ha);
	hl_hist_reset(&hb);
	hl_hist_reset(&hc);
	for (int i = 0; i < 50000; i++) {
		uint64_t v = hl_prng_below(&g, UINT64_C(1) << hl_prng_below(&g, 45));
		hl_hist_record(i % 3 ? &ha : &hb, v);
		hl_hist_record(&hc, v);
	}
	hl_hist_merge(&ha, &hb);
	assert_memory_equal(&ha, &hc, sizeof(hc));
}

static void
check_percentiles(uint64_t *vals, size_t n, const struct hl_hist *h)
{
	qsort(vals, n, sizeof(*vals), cmp_u64);
	static const double ps[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};
	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		double r = ps[k] / 100.0 * (double)n;
		size_t rank = (size_t)r;
		if ((double)rank < r)
			rank++;
		if (rank < 1)
			rank = 1;
		uint64_t truth = vals[rank - 1];
		uint64_t got = hl_hist_percentile(h, ps[k]);
		/* Within one bucket: at least the true value, at most its bucket's upper bound. */
		if (!(got >= truth && got <= hl_hist_bucket_hi(hl_hist_bucket_of(truth)))) {
			fail_msg("p%.2f: got %llu, true %llu (bucket hi %llu)", ps[k],
			        (unsigned long long)got, (unsigned long long)truth,
			        (unsigned long long)hl_hist_bucket_hi(hl_hist_bucket_of(truth)));
		}
		if (truth >= HL_HIST_SUB && truth < (UINT64_C(1) << HL_HIST_MAX_BITS))
			assert_true((double)(got - truth) <= (double)truth / HL_HIST_SUB);
		else if (truth < HL_HIST_SUB)
			assert_int_equal(got, truth);
	}
	assert_int_equal(hl_hist_percentile(h, 100), vals[n - 1]);
	assert_int_equal(h->min, vals[0]);
	assert_int_equal(h->max, vals[n - 1]);
}

static void
test_percentiles_random(void **state)
{
	(void)state;
	enum { N = 20000 };
	static uint64_t vals[N];
	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct hl_prng g;
		hl_prng_seed(&g, seed);
		hl_hist_reset(&ha);
		double sum = 0;
		for (size_t i = 0; i < N; i++) {
			uint64_t v;
			switch (seed % 3) {
			case 0: /* small exact range */
				v = hl_prng_below(&g, 200);
				break;
			case 1: /* uniform microseconds-ish */
				v = 50000 + hl_prng_below(&g, 10000000);
				break;
			default: /* heavy tail across many octaves */
				v = hl_prng_below(&g, UINT64_C(1) << (5 + hl_prng_below(&g, 35)));
				break;
			}
			vals[i] = v;
			sum += (double)v;
			hl_hist_record(&ha, v);
		}
		assert_int_equal(ha.count, N);
		double mean = hl_hist_mean(&ha);
		assert_true(mean > sum / N * 0.999999 && mean < sum / N * 1.000001);
		check_percentiles(vals, N, &ha);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exact_below_sub),
	        cmocka_unit_test(test_bucket_bounds_and_width),
	        cmocka_unit_test(test_empty),
	        cmocka_unit_test(test_single_value_and_clamp_to_min_max),
	        cmocka_unit_test(test_huge_values_clamp),
	        cmocka_unit_test(test_record_n),
	        cmocka_unit_test(test_merge_equals_single),
	        cmocka_unit_test(test_percentiles_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
