/* test_hist.c — log-linear histogram: exact small values, bucket width, merge, percentiles
 * against sorted random data, empty and clamped cases. */
#include <errno.h>
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

/* ---- sparse encoding ---- */
static uint8_t wbuf[HL_HIST_NBUCKETS * 12 + 64];

static void
fill_spread(struct hl_hist *h, uint64_t seed, uint64_t n, uint64_t lo, uint64_t span)
{
	struct hl_prng r;
	hl_prng_seed(&r, seed);
	hl_hist_reset(h);
	for (uint64_t i = 0; i < n; i++)
		hl_hist_record(h, lo + hl_prng_next(&r) % span);
}

static void
test_sparse_round_trip_exact(void **state)
{
	(void)state;
	unsigned sh = 99;
	/* empty */
	hl_hist_reset(&ha);
	int n = hl_hist_encode(&ha, wbuf, HL_HIST_WIRE_MAX, &sh);
	assert_true(n > 0);
	assert_int_equal(sh, 0);
	assert_int_equal(hl_hist_decode(&hb, wbuf, (size_t)n), 0);
	assert_memory_equal(&ha, &hb, sizeof(ha));
	/* a latency spread of 2 us .. 200 us, one value beyond the last bucket */
	fill_spread(&ha, 7, 100000, 2000, 198000);
	hl_hist_record(&ha, UINT64_C(1) << 50);
	n = hl_hist_encode(&ha, wbuf, HL_HIST_WIRE_MAX, &sh);
	assert_true(n > 0 && n <= HL_HIST_WIRE_MAX);
	assert_int_equal(sh, 0);
	assert_int_equal(hl_hist_decode(&hb, wbuf, (size_t)n), 0);
	assert_memory_equal(&ha, &hb, sizeof(ha));
	printf("2-200 us spread, 100000 values: %d bytes\n", n);
}

static void
test_sparse_coarsens_to_fit(void **state)
{
	(void)state;
	unsigned sh = 0;
	/* every bucket non-empty: the worst case */
	hl_hist_reset(&ha);
	for (size_t i = 0; i < HL_HIST_NBUCKETS; i++)
		hl_hist_record_n(&ha, hl_hist_bucket_lo(i), 1 + i % 300);
	int n = hl_hist_encode(&ha, wbuf, HL_HIST_WIRE_MAX, &sh);
	assert_true(n > 0 && n <= HL_HIST_WIRE_MAX);
	assert_true(sh > 0);
	assert_int_equal(hl_hist_decode(&hb, wbuf, (size_t)n), 0);
	assert_int_equal(hb.count, ha.count);
	assert_int_equal(hb.min, ha.min);
	assert_int_equal(hb.max, ha.max);
	assert_int_equal(hb.sum, ha.sum);
	/* every group's count kept; percentiles are upper bounds within one group's width */
	for (size_t g = 0; g < (HL_HIST_NBUCKETS >> sh); g++) {
		uint64_t a = 0, b = 0;
		for (size_t k = 0; k < (1u << sh); k++) {
			a += ha.buckets[(g << sh) + k];
			b += hb.buckets[(g << sh) + k];
		}
		assert_int_equal(a, b);
	}
	for (double p = 1; p <= 100; p += 0.5) {
		uint64_t exact = hl_hist_percentile(&ha, p), coarse = hl_hist_percentile(&hb, p);
		assert_true(coarse >= exact);
		size_t bi = hl_hist_bucket_of(exact);
		size_t top = ((bi >> sh) << sh) + (1u << sh) - 1;
		assert_true(coarse <= hl_hist_bucket_hi(top) || coarse == hb.max);
	}
	/* the coarsest shift always fits HL_HIST_WIRE_MIN; less room is refused */
	n = hl_hist_encode(&ha, wbuf, HL_HIST_WIRE_MIN, &sh);
	assert_true(n > 0 && (size_t)n <= HL_HIST_WIRE_MIN);
	int coarsest = hl_hist_encode(&ha, wbuf, (size_t)n - 1, &sh);
	assert_true(coarsest > 0 && coarsest < n);
	assert_int_equal(hl_hist_encode(&ha, wbuf, 40, &sh), -EMSGSIZE);
}

static void
test_sparse_refuses_hostile(void **state)
{
	(void)state;
	fill_spread(&ha, 3, 5000, 100, 100000);
	int n = hl_hist_encode(&ha, wbuf, HL_HIST_WIRE_MAX, NULL);
	assert_true(n > 8);
	/* every truncation refused, the histogram left empty */
	for (int cut = 0; cut < n; cut++) {
		assert_int_equal(hl_hist_decode(&hb, wbuf, (size_t)cut), -EINVAL);
		assert_int_equal(hb.count, 0);
	}
	/* a trailing byte */
	wbuf[n] = 0;
	assert_int_equal(hl_hist_decode(&hb, wbuf, (size_t)n + 1), -EINVAL);
	/* bad version, bad shift */
	uint8_t save = wbuf[0];
	wbuf[0] = 2;
	assert_int_equal(hl_hist_decode(&hb, wbuf, (size_t)n), -EINVAL);
	wbuf[0] = save;
	wbuf[1] = HL_HIST_SUB_BITS + 1;
	assert_int_equal(hl_hist_decode(&hb, wbuf, (size_t)n), -EINVAL);
	/* hand-made: zero count, group out of range, counts that overflow, min > max, min
	 * outside the first group, an 11-byte varint */
	const uint8_t zero_count[] = {1, 0, 5, 5, 5, 1, 5, 0};
	const uint8_t out_of_range[] = {1, 0, 0, 0, 0, 1, 0x80, 0x22, 1}; /* group 4352 */
	const uint8_t overflow[] = {1, 0, 1, 2, 0, 2, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	        0xff, 0xff, 0x01, 0, 1};
	const uint8_t min_gt_max[] = {1, 0, 9, 5, 5, 1, 5, 1};
	const uint8_t min_elsewhere[] = {1, 0, 6, 9, 15, 2, 5, 1, 3, 1}; /* min 6, groups 5, 9 */
	const uint8_t long_varint[] = {
	        1, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0};
	const uint8_t empty_with_min[] = {1, 0, 4, 0, 0, 0};
	const uint8_t ok_one[] = {1, 0, 5, 5, 5, 1, 5, 1};
	assert_int_equal(hl_hist_decode(&hb, zero_count, sizeof(zero_count)), -EINVAL);
	assert_int_equal(hl_hist_decode(&hb, out_of_range, sizeof(out_of_range)), -EINVAL);
	assert_int_equal(hl_hist_decode(&hb, overflow, sizeof(overflow)), -EINVAL);
	assert_int_equal(hl_hist_decode(&hb, min_gt_max, sizeof(min_gt_max)), -EINVAL);
	assert_int_equal(hl_hist_decode(&hb, min_elsewhere, sizeof(min_elsewhere)), -EINVAL);
	assert_int_equal(hl_hist_decode(&hb, long_varint, sizeof(long_varint)), -EINVAL);
	assert_int_equal(hl_hist_decode(&hb, empty_with_min, sizeof(empty_with_min)), -EINVAL);
	assert_int_equal(hl_hist_decode(&hb, ok_one, sizeof(ok_one)), 0);
	assert_int_equal(hb.count, 1);
	assert_int_equal(hl_hist_percentile(&hb, 99), 5);
}

static void
test_sparse_merge_of_decoded_equals_whole(void **state)
{
	(void)state;
	/* two slices encoded and decoded separately, merged: the p99 of every packet */
	struct hl_prng r;
	hl_prng_seed(&r, 11);
	hl_hist_reset(&ha);
	hl_hist_reset(&hb);
	hl_hist_reset(&hc);
	for (int i = 0; i < 50000; i++) {
		uint64_t v = 1000 + hl_prng_next(&r) % (i & 1 ? 5000 : 90000);
		hl_hist_record(i & 1 ? &ha : &hb, v);
		hl_hist_record(&hc, v);
	}
	static struct hl_hist da, db;
	int na = hl_hist_encode(&ha, wbuf, HL_HIST_WIRE_MAX, NULL);
	assert_true(na > 0);
	assert_int_equal(hl_hist_decode(&da, wbuf, (size_t)na), 0);
	int nb = hl_hist_encode(&hb, wbuf, HL_HIST_WIRE_MAX, NULL);
	assert_true(nb > 0);
	assert_int_equal(hl_hist_decode(&db, wbuf, (size_t)nb), 0);
	hl_hist_merge(&da, &db);
	assert_memory_equal(&da, &hc, sizeof(hc));
	assert_int_equal(hl_hist_percentile(&da, 99), hl_hist_percentile(&hc, 99));
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
	        cmocka_unit_test(test_sparse_round_trip_exact),
	        cmocka_unit_test(test_sparse_coarsens_to_fit),
	        cmocka_unit_test(test_sparse_refuses_hostile),
	        cmocka_unit_test(test_sparse_merge_of_decoded_equals_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
