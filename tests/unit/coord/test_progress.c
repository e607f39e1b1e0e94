/* test_progress.c — progress ordering/dedup per (job, source) with tokens (seed-defects E.8,
 * E.9, D.4), windowed stats with drift tolerance and no-consumer drop (B.4, B.1), backpressure
 * levels with recovery (B.3; digest §5.4). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_backpressure.h"
#include "hl_err.h"
#include "hl_prng.h"
#include "hl_progress.h"
#include "hl_winstats.h"

#define MS 1000000ULL

/* Live counts ride an accepted update only: a duplicate, reordered or fenced one changes
 * nothing; an update without counts clears them; close frees them with the source. */
static void
test_progress_live_counts(void **state)
{
	struct hl_progress p;
	struct hl_counts c, a = {100, 90, 10}, b = {200, 190, 10};
	uint64_t p99;
	(void)state;

	assert_int_equal(hl_progress_init(&p, 4, 16, 4), 0);
	assert_int_equal(hl_progress_open(&p, 1, 1000), 0);
	assert_int_equal(hl_progress_live(&p, 1, 10, &c, &p99), -HL_E_NOT_FOUND);
	assert_true(hl_counts_zero(&c) && p99 == 0);
	assert_int_equal(hl_progress_accept_live(&p, 1, 10, 5, 1, 100, &a, 700), 0);
	assert_int_equal(hl_progress_live(&p, 1, 10, &c, &p99), 0);
	assert_true(c.tx_pkts == 100 && c.rx_pkts == 90 && c.lost == 10 && p99 == 700);
	/* duplicate, reordered, fenced: the counts stay */
	assert_int_equal(hl_progress_accept_live(&p, 1, 10, 5, 1, 100, &b, 1), -EALREADY);
	assert_int_equal(hl_progress_accept_live(&p, 1, 10, 4, 9, 100, &b, 1), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_progress_live(&p, 1, 10, &c, &p99), 0);
	assert_true(c.tx_pkts == 100 && p99 == 700);
	assert_int_equal(hl_progress_accept_live(&p, 1, 10, 5, 2, 200, &b, 650), 0);
	assert_int_equal(hl_progress_live(&p, 1, 10, &c, &p99), 0);
	assert_true(c.tx_pkts == 200 && c.rx_pkts == 190 && p99 == 650);
	assert_int_equal(hl_progress_accept(&p, 1, 10, 5, 3, 300), 0); /* no counts: cleared */
	assert_int_equal(hl_progress_live(&p, 1, 10, &c, &p99), 0);
	assert_true(hl_counts_zero(&c) && p99 == 0);
	assert_int_equal(hl_progress_close(&p, 1), 0);
	assert_int_equal(hl_progress_live(&p, 1, 10, &c, &p99), -HL_E_NOT_FOUND);
	hl_progress_fini(&p);
}

static void
test_progress_order_dedup_fence(void **state)
{
	struct hl_progress p;
	(void)state;

	assert_int_equal(hl_progress_init(&p, 4, 16, 4), 0);
	/* Unknown or closed job: dropped. */
	assert_int_equal(hl_progress_accept(&p, 1, 10, 5, 1, 0), -HL_E_NOT_FOUND);
	assert_int_equal(hl_progress_open(&p, 1, 1000), 0);
	assert_int_equal(hl_progress_accept(&p, 1, 10, 5, 1, 100), 0);
	assert_int_equal(hl_progress_accept(&p, 1, 10, 5, 1, 100), -EALREADY); /* duplicate */
	assert_int_equal(hl_progress_accept(&p, 1, 10, 5, 3, 300), 0);
	assert_int_equal(hl_progress_accept(&p, 1, 10, 5, 2, 200), -EALREADY); /* reordered */
	assert_int_equal(hl_progress_accept(&p, 1, 11, 5, 1, 200), 0); /* other source */
	assert_int_equal(hl_progress_ppm(&p, 1), 500000);
	/* New leader/dispatch token: sequence restarts; the old token is fenced (E.9). */
	assert_int_equal(hl_progress_accept(&p, 1, 10, 6, 1, 350), 0);
	assert_int_equal(hl_progress_accept(&p, 1, 10, 5, 9, 999), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_progress_accept(&p, 1, 11, 5, 2, 999), -HL_E_STALE_TOKEN);
	assert_int_equal(p.n_stale_token, 2);
	assert_int_equal(p.n_dup, 2);
	assert_int_equal(hl_progress_ppm(&p, 1), 550000);
	/* Per-job source bound. */
	for (uint64_t s = 12; s < 14; s++)
		assert_int_equal(hl_progress_accept(&p, 1, s, 6, 1, 0), 0);
	assert_int_equal(hl_progress_accept(&p, 1, 14, 6, 1, 0), -HL_E_FULL);
	/* Percentage capped. */
	assert_int_equal(hl_progress_accept(&p, 1, 12, 6, 2, 5000), 0);
	assert_int_equal(hl_progress_ppm(&p, 1), 1000000);
	/* Close removes the job and all its sources. */
	assert_int_equal(hl_progress_open(&p, 2, 0), 0);
	assert_int_equal(hl_progress_accept(&p, 2, 10, 1, 1, 1), 0);
	assert_int_equal(hl_progress_sources(&p), 5);
	assert_int_equal(hl_progress_close(&p, 1), 0);
	assert_int_equal(hl_progress_sources(&p), 1);
	assert_int_equal(hl_progress_jobs(&p), 1);
	assert_int_equal(hl_progress_accept(&p, 1, 10, 6, 7, 0), -HL_E_NOT_FOUND);
	assert_int_equal(hl_progress_close(&p, 1), -ENOENT);
	assert_int_equal(hl_progress_close(&p, 2), 0);
	assert_int_equal(hl_progress_sources(&p) + hl_progress_jobs(&p), 0);
	hl_progress_fini(&p);
}

/* Randomly duplicated and reordered deliveries of an in-order stream: what is accepted is
 * strictly increasing per source, and the last update of each source is always accepted. */
static void
test_progress_random_reorder(void **state)
{
	struct hl_progress p;
	struct hl_prng r;
	uint64_t sent[4][64];
	(void)state;

	hl_prng_seed(&r, 9);
	assert_int_equal(hl_progress_init(&p, 2, 8, 8), 0);
	assert_int_equal(hl_progress_open(&p, 7, 4 * 64), 0);
	for (int src = 0; src < 4; src++)
		for (int i = 0; i < 64; i++)
			sent[src][i] = (uint64_t)i + 1;
	uint64_t last[4] = {0};
	int left[4] = {64, 64, 64, 64};
	while (left[0] + left[1] + left[2] + left[3] > 0) {
		int src = (int)hl_prng_below(&r, 4);
		if (left[src] == 0)
			continue;
		/* Pick one of the next few (reorder window 4), sometimes resend an old one. */
		int base = 64 - left[src];
		int k = base + (int)hl_prng_below(&r, (uint64_t)(left[src] < 4 ? left[src] : 4));
		uint64_t seq = sent[src][k];
		if (hl_prng_below(&r, 5) == 0 && base > 0)
			seq = sent[src][hl_prng_below(&r, (uint64_t)base)];
		int rc = hl_progress_accept(&p, 7, (uint64_t)src + 1, 1, seq, seq);
		if (rc == 0) {
			assert_true(seq > last[src]);
			last[src] = seq;
		} else {
			assert_int_equal(rc, -EALREADY);
			assert_true(seq <= last[src]);
		}
		if (seq == sent[src][base])
			left[src]--; /* in-order head delivered (possibly dropped as stale) */
		if (last[src] == 64)
			left[src] = 0;
	}
	for (int s = 0; s < 4; s++)
		assert_int_equal(last[s], 64);
	assert_int_equal(hl_progress_ppm(&p, 7), 1000000);
	hl_progress_fini(&p);
}

static void
test_winstats(void **state)
{
	struct hl_winstats_cfg cfg;
	struct hl_winstats w;
	struct hl_winstats_window out[8];
	(void)state;

	hl_winstats_cfg_default(&cfg);
	cfg.max_buckets = 4;
	assert_int_equal(hl_winstats_init(&w, &cfg), 0);
	struct hl_winstats_sample s = {1, 10 * MS, 5, 0, 1000};
	/* No consumer: dropped and counted (B.4), nothing retained. */
	assert_int_equal(hl_winstats_add(&w, 9, &s, 10 * MS), -HL_E_NOT_FOUND);
	assert_int_equal(w.n_no_consumer, 1);
	assert_int_equal(hl_winstats_buckets(&w), 0);
	assert_int_equal(hl_winstats_open(&w, 9), 0);
	assert_int_equal(hl_winstats_open(&w, 9), -HL_E_EXISTS);
	assert_int_equal(hl_winstats_add(&w, 9, &s, 10 * MS), 0);
	s.completed = 7; /* later sample of the same source in the same bucket replaces */
	s.collected_ns = 20 * MS;
	assert_int_equal(hl_winstats_add(&w, 9, &s, 20 * MS), 0);
	struct hl_winstats_sample s2 = {2, 40 * MS, 3, 1, 500};
	assert_int_equal(hl_winstats_add(&w, 9, &s2, 40 * MS), 0);
	/* Bucket [0, 50) ms flushes at 50 + 25 = 75 ms, not before. */
	assert_int_equal(hl_winstats_flush(&w, 74 * MS, out, 8), 0);
	assert_int_equal(hl_winstats_flush(&w, 75 * MS, out, 8), 1);
	assert_int_equal(out[0].bucket, 0);
	assert_int_equal(out[0].sources, 2);
	assert_int_equal(out[0].completed, 10);
	assert_int_equal(out[0].failed, 1);
	assert_int_equal(out[0].rate_milli, 1500);
	/* A late sample for a flushed bucket is refused (counted), a drifted one inside the
	 * tolerance was accepted above (s2 at 40 ms arriving before 75 ms). */
	s.collected_ns = 49 * MS;
	assert_int_equal(hl_winstats_add(&w, 9, &s, 80 * MS), -ESTALE);
	assert_int_equal(w.n_late, 1);
	/* Pool bound. */
	for (uint64_t b = 2; b < 6; b++) {
		s.collected_ns = b * 50 * MS;
		assert_int_equal(hl_winstats_add(&w, 9, &s, s.collected_ns), 0);
	}
	s.collected_ns = 6 * 50 * MS;
	assert_int_equal(hl_winstats_add(&w, 9, &s, s.collected_ns), -HL_E_FULL);
	/* Job end: everything flushed at once; -EAGAIN while it does not fit. */
	assert_int_equal(hl_winstats_close(&w, 9, out, 2), -EAGAIN);
	assert_int_equal(hl_winstats_add(&w, 9, &s, s.collected_ns), -HL_E_NOT_FOUND);
	assert_int_equal(hl_winstats_close(&w, 9, out, 8), 2);
	assert_int_equal(hl_winstats_jobs(&w), 0);
	assert_int_equal(hl_winstats_buckets(&w), 0);
	assert_int_equal(hl_winstats_close(&w, 9, out, 8), -ENOENT);
	/* A host that fell behind: buckets past max age are dropped and counted. */
	assert_int_equal(hl_winstats_open(&w, 3), 0);
	s.collected_ns = 0;
	assert_int_equal(hl_winstats_add(&w, 3, &s, 0), 0);
	assert_int_equal(hl_winstats_flush(&w, 6000 * MS, out, 8), 0);
	assert_int_equal(w.n_expired, 1);
	assert_int_equal(hl_winstats_buckets(&w), 0);
	hl_winstats_fini(&w);
}

static void
test_backpressure_levels_and_recovery(void **state)
{
	struct hl_bp bp;
	(void)state;

	assert_int_equal(hl_bp_init(&bp, 0), -EINVAL);
	assert_int_equal(hl_bp_init(&bp, 1000), 0);
	assert_int_equal(hl_bp_admit(&bp, 699), 0);
	assert_int_equal(bp.level, HL_BP_NONE);
	assert_int_equal(hl_bp_admit(&bp, 1), 0);
	assert_int_equal(bp.level, HL_BP_THROTTLE);
	assert_int_equal(hl_bp_delay_ms(bp.level), 100);
	assert_int_equal(hl_bp_admit(&bp, 150), 0);
	assert_int_equal(bp.level, HL_BP_BATCH);
	assert_int_equal(hl_bp_admit(&bp, 100), 0);
	assert_int_equal(bp.level, HL_BP_REJECT);
	assert_string_equal(hl_bp_level_name(bp.level), "REJECT");
	/* REJECT refuses visibly and counts. */
	assert_int_equal(hl_bp_admit(&bp, 1), -HL_E_FULL);
	assert_int_equal(bp.n_rejected, 1);
	/* Recovery: draining lowers the level, with a 5 % margin (no flapping at 95 %). */
	hl_bp_release(&bp, 10); /* 94 % */
	assert_int_equal(bp.level, HL_BP_REJECT);
	hl_bp_release(&bp, 41); /* 89.9 % */
	assert_int_equal(bp.level, HL_BP_BATCH);
	hl_bp_release(&bp, 100); /* 79.9 % */
	assert_int_equal(bp.level, HL_BP_THROTTLE);
	hl_bp_release(&bp, 799);
	assert_int_equal(bp.level, HL_BP_NONE);
	assert_int_equal(bp.used, 0);
	hl_bp_release(&bp, 5); /* over-release clamps */
	assert_int_equal(bp.used, 0);
	assert_int_equal(hl_bp_admit(&bp, 1001), -HL_E_FULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_progress_live_counts),
	        cmocka_unit_test(test_progress_order_dedup_fence),
	        cmocka_unit_test(test_progress_random_reorder),
	        cmocka_unit_test(test_winstats),
	        cmocka_unit_test(test_backpressure_levels_and_recovery),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
