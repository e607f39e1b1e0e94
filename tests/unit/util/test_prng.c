/* test_prng.c — seeded PRNG: known answers, determinism per seed, distinct streams, bounds and
 * rough uniformity of hl_prng_below / hl_prng_unit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_prng.h"

static void
test_known_answers(void **state)
{
	(void)state;
	/* Computed by an independent Python model of splitmix64 + xoshiro256**; the first state
	 * word for seed 0 is splitmix64's published first output. */
	struct hl_prng g;
	hl_prng_seed(&g, 0);
	assert_int_equal(g.s[0], 0xe220a8397b1dcdafULL);
	static const uint64_t want0[] = {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
	        0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL};
	for (int i = 0; i < 4; i++)
		assert_int_equal(hl_prng_next(&g), want0[i]);
	hl_prng_seed(&g, 12345);
	static const uint64_t want1[] = {0xbe6a36374160d49bULL, 0x214aaa0637a688c6ULL,
	        0xf69d16de9954d388ULL, 0x0c60048c4e96e033ULL};
	for (int i = 0; i < 4; i++)
		assert_int_equal(hl_prng_next(&g), want1[i]);
}

static void
test_deterministic_per_seed(void **state)
{
	(void)state;
	static const uint64_t seeds[] = {0, 1, 2, 0xdeadbeef, UINT64_MAX};
	for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		struct hl_prng a, b;
		hl_prng_seed(&a, seeds[k]);
		hl_prng_seed(&b, seeds[k]);
		for (int i = 0; i < 1000; i++) {
			assert_int_equal(hl_prng_next(&a), hl_prng_next(&b));
			assert_int_equal(hl_prng_below(&a, 1000 + i), hl_prng_below(&b, 1000 + i));
		}
		/* Re-seeding restarts the stream from its first value. */
		struct hl_prng c;
		hl_prng_seed(&c, seeds[k]);
		uint64_t first = hl_prng_next(&c);
		hl_prng_seed(&a, seeds[k]);
		assert_int_equal(hl_prng_next(&a), first);
	}
}

static void
test_distinct_seeds_differ(void **state)
{
	(void)state;
	enum { NSEEDS = 64, LEN = 16 };
	static uint64_t out[NSEEDS][LEN];
	for (uint64_t s = 0; s < NSEEDS; s++) {
		struct hl_prng g;
		hl_prng_seed(&g, s);
		/* State is never all-zero (xoshiro's one forbidden state), even for seed 0. */
		assert_true((g.s[0] | g.s[1] | g.s[2] | g.s[3]) != 0);
		for (int i = 0; i < LEN; i++)
			out[s][i] = hl_prng_next(&g);
	}
	for (int a = 0; a < NSEEDS; a++)
		for (int b = a + 1; b < NSEEDS; b++)
			for (int i = 0; i < LEN; i++)
				assert_true(out[a][i] != out[b][i]);
}

static void
test_split_gives_independent_streams(void **state)
{
	(void)state;
	struct hl_prng parent, c1, c2;
	hl_prng_seed(&parent, 99);
	hl_prng_seed(&c1, hl_prng_split(&parent));
	hl_prng_seed(&c2, hl_prng_split(&parent));
	int same = 0;
	for (int i = 0; i < 100; i++)
		same += hl_prng_next(&c1) == hl_prng_next(&c2);
	assert_int_equal(same, 0);
	/* And the split is itself deterministic: the same parent seed gives the same child. */
	struct hl_prng p2, d1;
	hl_prng_seed(&p2, 99);
	hl_prng_seed(&d1, hl_prng_split(&p2));
	hl_prng_seed(&parent, 99);
	hl_prng_seed(&c1, hl_prng_split(&parent));
	for (int i = 0; i < 10; i++)
		assert_int_equal(hl_prng_next(&c1), hl_prng_next(&d1));
}

static void
test_below_bounds(void **state)
{
	(void)state;
	struct hl_prng g;
	hl_prng_seed(&g, 5);
	assert_int_equal(hl_prng_below(&g, 0), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(hl_prng_below(&g, 1), 0);
	static const uint64_t ns[] = {2, 3, 7, 1000, (UINT64_C(1) << 63) + 1, UINT64_MAX};
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++)
		for (int i = 0; i < 10000; i++)
			assert_true(hl_prng_below(&g, ns[k]) < ns[k]);
	/* Large n: both halves of the range are reached. */
	int hi = 0;
	for (int i = 0; i < 1000; i++)
		hi += hl_prng_below(&g, UINT64_MAX) >= (UINT64_MAX / 2);
	assert_true(hi > 400 && hi < 600);
}

static void
test_below_uniformity(void **state)
{
	(void)state;
	/* Chi-square over 10 cells, 100000 draws, 9 degrees of freedom: the 99.99th percentile
	 * is 33.7. Fixed seeds, so the outcome is deterministic. */
	enum { CELLS = 10, DRAWS = 100000 };
	for (uint64_t seed = 1; seed <= 4; seed++) {
		struct hl_prng g;
		hl_prng_seed(&g, seed);
		uint64_t cnt[CELLS] = {0};
		for (int i = 0; i < DRAWS; i++)
			cnt[hl_prng_below(&g, CELLS)]++;
		double exp = (double)DRAWS / CELLS, chi = 0;
		for (int c = 0; c < CELLS; c++)
			chi += ((double)cnt[c] - exp) * ((double)cnt[c] - exp) / exp;
		assert_true(chi < 33.7);
	}
	/* A non-power-of-two n near 2^63 would be badly biased by a plain modulo: the lower
	 * third of [0, n) would get twice the weight. */
	struct hl_prng g;
	hl_prng_seed(&g, 11);
	uint64_t n = (UINT64_C(3) << 62) - 1, third = n / 3;
	int low = 0;
	for (int i = 0; i < 30000; i++)
		low += hl_prng_below(&g, n) < third;
	assert_true(low > 9400 && low < 10600);
}

static void
test_unit_range(void **state)
{
	(void)state;
	struct hl_prng g;
	hl_prng_seed(&g, 3);
	double sum = 0;
	int below_half = 0;
	for (int i = 0; i < 100000; i++) {
		double u = hl_prng_unit(&g);
		assert_true(u >= 0.0 && u < 1.0);
		sum += u;
		below_half += u < 0.5;
	}
	assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
	assert_true(below_half > 49000 && below_half < 51000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_known_answers),
	        cmocka_unit_test(test_deterministic_per_seed),
	        cmocka_unit_test(test_distinct_seeds_differ),
	        cmocka_unit_test(test_split_gives_independent_streams),
	        cmocka_unit_test(test_below_bounds),
	        cmocka_unit_test(test_below_uniformity),
	        cmocka_unit_test(test_unit_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
