/* test_wheel.c — timing wheel: order, tick rounding, far timers cascading, cancel, full pool,
 * stale handles, and a randomised comparison against a brute-force model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_prng.h"
#include "hl_wheel.h"

#define MS 1000000ULL

static void
test_create_bad_args(void **state)
{
	(void)state;
	assert_null(hl_wheel_create(0, 1, 0));
	assert_null(hl_wheel_create(4, 0, 0));
	assert_null(hl_wheel_create((UINT32_C(1) << 31) + 1, 1, 0));
	hl_wheel_destroy(NULL);
}

static void
test_basic_order_and_rounding(void **state)
{
	(void)state;
	struct hl_wheel *w = hl_wheel_create(16, MS, 0);
	assert_non_null(w);
	hl_wheel_handle_t h;
	uint64_t c;
	assert_int_equal(hl_wheel_next_deadline(w), UINT64_MAX);
	assert_false(hl_wheel_expire(w, 1000 * MS, &c));

	/* Added out of order, deadlines 1000 + {30, 10, 20.5} ms. */
	assert_int_equal(hl_wheel_add(w, 1030 * MS, 30, &h), 0);
	assert_int_equal(hl_wheel_add(w, 1010 * MS, 10, &h), 0);
	assert_int_equal(hl_wheel_add(w, 1020 * MS + MS / 2, 20, &h), 0);
	assert_int_equal(hl_wheel_count(w), 3);
	assert_int_equal(hl_wheel_next_deadline(w), 1010 * MS);

	assert_false(hl_wheel_expire(w, 1010 * MS - 1, &c));
	assert_true(hl_wheel_expire(w, 1010 * MS, &c));
	assert_int_equal(c, 10);
	assert_false(hl_wheel_expire(w, 1010 * MS, &c));
	/* 20.5 ms rounds up to 21 ms: never early. */
	assert_int_equal(hl_wheel_next_deadline(w), 1021 * MS);
	assert_false(hl_wheel_expire(w, 1020 * MS + MS / 2, &c));
	assert_true(hl_wheel_expire(w, 1021 * MS, &c));
	assert_int_equal(c, 20);
	/* A late call returns everything due, in deadline order. */
	assert_int_equal(hl_wheel_add(w, 1025 * MS, 25, &h), 0);
	assert_true(hl_wheel_expire(w, 5000 * MS, &c));
	assert_int_equal(c, 25);
	assert_true(hl_wheel_expire(w, 5000 * MS, &c));
	assert_int_equal(c, 30);
	assert_false(hl_wheel_expire(w, 5000 * MS, &c));
	assert_int_equal(hl_wheel_count(w), 0);
	assert_int_equal(hl_wheel_next_deadline(w), UINT64_MAX);

	/* A deadline in the past fires on the next call. */
	assert_int_equal(hl_wheel_add(w, 3, 77, &h), 0);
	assert_true(hl_wheel_next_deadline(w) <= 5000 * MS);
	assert_true(hl_wheel_expire(w, 5000 * MS, &c));
	assert_int_equal(c, 77);
	hl_wheel_destroy(w);
}

static void
test_far_timers_cascade(void **state)
{
	(void)state;
	struct hl_wheel *w = hl_wheel_create(8, 1, 0); /* 1 ns ticks: 11 levels in play */
	hl_wheel_handle_t h;
	uint64_t c;
	static const uint64_t dl[] = {UINT64_MAX, UINT64_C(1) << 62, UINT64_C(1) << 40,
	        (UINT64_C(1) << 40) + 1, 4096 * 64 + 5, 63, 64};
	for (size_t k = 0; k < 7; k++)
		assert_int_equal(hl_wheel_add(w, dl[k], k, &h), 0);
	/* Expected order: 63, 64, 4096*64+5, 2^40, 2^40+1, 2^62, max. */
	static const uint64_t order[] = {5, 6, 4, 2, 3, 1, 0};
	for (size_t k = 0; k < 7; k++) {
		uint64_t d = dl[order[k]];
		assert_int_equal(hl_wheel_next_deadline(w), d);
		assert_false(hl_wheel_expire(w, d - 1, &c));
		assert_true(hl_wheel_expire(w, d, &c));
		assert_int_equal(c, order[k]);
		assert_false(hl_wheel_expire(w, d, &c));
	}
	assert_int_equal(hl_wheel_count(w), 0);
	hl_wheel_destroy(w);

	/* Coarse tick and a deadline near the top of the range: still reachable. */
	w = hl_wheel_create(2, 1000, 0);
	assert_int_equal(hl_wheel_add(w, UINT64_MAX, 9, &h), 0);
	assert_false(hl_wheel_expire(w, UINT64_MAX - 2000, &c));
	assert_true(hl_wheel_expire(w, UINT64_MAX, &c));
	assert_int_equal(c, 9);
	hl_wheel_destroy(w);
}

static void
test_far_timer_with_jump_and_start_offset(void **state)
{
	(void)state;
	/* A wheel started at a large time; one jump far past a cascading timer. */
	uint64_t start = 123456789 * MS;
	struct hl_wheel *w = hl_wheel_create(4, MS, start);
	hl_wheel_handle_t h;
	uint64_t c;
	assert_int_equal(hl_wheel_add(w, start + 3600000 * MS, 1, &h), 0); /* +1 h */
	assert_int_equal(hl_wheel_add(w, start + 5 * MS, 2, &h), 0);
	assert_true(hl_wheel_expire(w, start + 10 * MS, &c));
	assert_int_equal(c, 2);
	assert_false(hl_wheel_expire(w, start + 3599999 * MS, &c));
	assert_int_equal(hl_wheel_next_deadline(w), start + 3600000 * MS);
	assert_true(hl_wheel_expire(w, start + 86400000 * MS, &c));
	assert_int_equal(c, 1);
	hl_wheel_destroy(w);
}

static void
test_cancel_and_stale_handles(void **state)
{
	(void)state;
	struct hl_wheel *w = hl_wheel_create(2, MS, 0);
	hl_wheel_handle_t a, b, a2, b2;
	uint64_t c;
	assert_int_equal(hl_wheel_add(w, 10 * MS, 1, &a), 0);
	assert_int_equal(hl_wheel_add(w, 20 * MS, 2, &b), 0);
	assert_true(a != 0 && b != 0 && a != b);
	assert_true(hl_wheel_armed(w, a));

	/* Full pool: visible rejection, nothing armed. */
	hl_wheel_handle_t x = 0;
	assert_int_equal(hl_wheel_add(w, 5 * MS, 3, &x), -HL_E_FULL);
	assert_int_equal(hl_wheel_count(w), 2);

	/* Cancel removes it: its deadline no longer counts and it never fires. */
	assert_int_equal(hl_wheel_cancel(w, a), 0);
	assert_false(hl_wheel_armed(w, a));
	assert_int_equal(hl_wheel_cancel(w, a), -HL_E_NOT_FOUND);
	assert_int_equal(hl_wheel_next_deadline(w), 20 * MS);
	assert_int_equal(hl_wheel_count(w), 1);

	/* The freed slot is reused; the old handle cannot touch the new timer. */
	assert_int_equal(hl_wheel_add(w, 30 * MS, 4, &a2), 0);
	assert_true(a2 != a);
	assert_int_equal(hl_wheel_cancel(w, a), -HL_E_NOT_FOUND);
	assert_true(hl_wheel_armed(w, a2));

	/* A fired timer's handle is dead too. */
	assert_true(hl_wheel_expire(w, 20 * MS, &c));
	assert_int_equal(c, 2);
	assert_int_equal(hl_wheel_cancel(w, b), -HL_E_NOT_FOUND);
	assert_int_equal(hl_wheel_add(w, 40 * MS, 5, &b2), 0);
	assert_int_equal(hl_wheel_cancel(w, b), -HL_E_NOT_FOUND);

	/* Garbage handles. */
	assert_int_equal(hl_wheel_cancel(w, 0), -HL_E_NOT_FOUND);
	assert_int_equal(hl_wheel_cancel(w, 3), -HL_E_NOT_FOUND);
	assert_int_equal(hl_wheel_cancel(w, UINT64_MAX), -HL_E_NOT_FOUND);

	/* Cancel a timer that is already due but not yet popped. */
	assert_int_equal(hl_wheel_cancel(w, b2), 0);
	assert_int_equal(hl_wheel_add(w, 30 * MS, 6, &b2), 0);
	assert_true(hl_wheel_expire(w, 50 * MS, &c));
	uint64_t first = c;
	assert_int_equal(hl_wheel_cancel(w, first == 4 ? b2 : a2), 0);
	assert_false(hl_wheel_expire(w, 50 * MS, &c));
	assert_int_equal(hl_wheel_count(w), 0);
	assert_int_equal(hl_wheel_next_deadline(w), UINT64_MAX);
	hl_wheel_destroy(w);
}

static void
test_same_tick_many(void **state)
{
	(void)state;
	enum { N = 300 };
	struct hl_wheel *w = hl_wheel_create(N, 1000, 0);
	hl_wheel_handle_t h;
	uint64_t c, seen[N] = {0};
	for (int i = 0; i < N; i++)
		assert_int_equal(
		        hl_wheel_add(w, 77777000 + (uint64_t)(i % 1000), (uint64_t)i, &h), 0);
	/* All in tick 77777 (first one exactly on it) or 77778. */
	int n = 0;
	while (hl_wheel_expire(w, 77778000, &c)) {
		assert_true(c < N);
		seen[c]++;
		n++;
	}
	assert_int_equal(n, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(seen[i], 1);
	hl_wheel_destroy(w);
}

/* Brute-force model: the wheel must pop exactly the timers whose rounded-up tick is <= now,
 * in non-decreasing tick order, and report the exact next deadline. */
#define CAP 256
static struct {
	bool live;
	uint64_t tick;
	hl_wheel_handle_t h;
} model[CAP];

static void
run_model(uint64_t seed, uint64_t tick_ns)
{
	struct hl_prng g;
	hl_prng_seed(&g, seed);
	memset(model, 0, sizeof(model));
	uint64_t now = hl_prng_below(&g, UINT64_C(1) << 40);
	struct hl_wheel *w = hl_wheel_create(CAP, tick_ns, now);
	uint32_t live = 0;
	for (int step = 0; step < 20000; step++) {
		uint64_t r = hl_prng_below(&g, 100);
		if (r < 45) {
			/* Deadline offsets over every scale, a few in the past. */
			uint64_t off = hl_prng_below(&g, UINT64_C(1) << hl_prng_below(&g, 48));
			uint64_t dl = hl_prng_below(&g, 20) == 0 ? now - (now ? off % now : 0)
			                                         : now + off;
			int k = -1;
			for (int i = 0; i < CAP; i++)
				if (!model[i].live) {
					k = i;
					break;
				}
			hl_wheel_handle_t h;
			int rc = hl_wheel_add(w, dl, k < 0 ? 9999 : (uint64_t)k, &h);
			if (k < 0) {
				assert_int_equal(rc, -HL_E_FULL);
				continue;
			}
			assert_int_equal(rc, 0);
			model[k].live = true;
			uint64_t t = dl / tick_ns + (dl % tick_ns != 0);
			uint64_t now_t = now / tick_ns;
			model[k].tick = t < now_t ? now_t : t;
			model[k].h = h;
			live++;
		} else if (r < 60) {
			int k = (int)hl_prng_below(&g, CAP);
			int rc = hl_wheel_cancel(w, model[k].h);
			if (model[k].live) {
				assert_int_equal(rc, 0);
				model[k].live = false;
				live--;
			} else {
				assert_int_equal(rc, -HL_E_NOT_FOUND);
			}
		} else {
			/* Advance: usually to just past the next deadline, sometimes far. */
			uint64_t nd = hl_wheel_next_deadline(w);
			uint64_t min = UINT64_MAX;
			for (int i = 0; i < CAP; i++)
				if (model[i].live && model[i].tick < min)
					min = model[i].tick;
			assert_int_equal(nd, min == UINT64_MAX ? UINT64_MAX : min * tick_ns);
			uint64_t step_ns =
			        hl_prng_below(&g, 4) == 0
			                ? hl_prng_below(&g, UINT64_C(1) << hl_prng_below(&g, 44))
			                : (nd != UINT64_MAX && nd > now ? nd - now : 0);
			now += step_ns;
			uint64_t now_t = now / tick_ns, last = 0, c;
			while (hl_wheel_expire(w, now, &c)) {
				assert_true(c < CAP);
				assert_true(model[c].live);
				assert_true(model[c].tick <= now_t);
				assert_true(model[c].tick >= last);
				last = model[c].tick;
				model[c].live = false;
				live--;
			}
			for (int i = 0; i < CAP; i++)
				if (model[i].live && model[i].tick <= now_t)
					fail_msg("seed %llu: timer %d tick %llu not fired at %llu",
					        (unsigned long long)seed, i,
					        (unsigned long long)model[i].tick,
					        (unsigned long long)now_t);
		}
		assert_int_equal(hl_wheel_count(w), live);
	}
	hl_wheel_destroy(w);
}

static void
test_random_against_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++)
		run_model(seed, seed % 2 ? 1 : 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create_bad_args),
	        cmocka_unit_test(test_basic_order_and_rounding),
	        cmocka_unit_test(test_far_timers_cascade),
	        cmocka_unit_test(test_far_timer_with_jump_and_start_offset),
	        cmocka_unit_test(test_cancel_and_stale_handles),
	        cmocka_unit_test(test_same_tick_many),
	        cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
