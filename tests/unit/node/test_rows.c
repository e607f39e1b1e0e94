/* test_rows.c — result rows beside the cores (app/node/rows.c): the store's bounds, eviction,
 * replacement and sweep; the merge of slices is exact (the merged p99 is the p99 of every
 * value, counters add), refuses hostile rows, and survives a stream_rows round trip. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hl_prng.h"
#include "rows.h"

static bool
needed_none(uint64_t job, void *ctx)
{
	(void)ctx;
	return job == 7; /* only job 7 is still held */
}

static void
test_store_bounds(void **state)
{
	(void)state;
	struct hl_rows r;
	uint8_t blob[100];
	memset(blob, 0xab, sizeof(blob));
	assert_int_equal(hl_rows_init(&r, 3, 250, 1000), 0);
	assert_int_equal(hl_rows_put(&r, 0, HL_ROWS_DC, 1, blob, 10, 1), -EINVAL);
	assert_int_equal(hl_rows_put(&r, 5, 9, 1, blob, 10, 1), -EINVAL);
	assert_int_equal(hl_rows_put(&r, 5, HL_ROWS_DC, 1, blob, 251, 1), -EINVAL);
	assert_int_equal(r.n_refused, 3);
	assert_int_equal(hl_rows_put(&r, 5, HL_ROWS_DC, 1, blob, 100, 1), 0);
	assert_int_equal(hl_rows_put(&r, 5, HL_ROWS_DC, 1, blob, 50, 2), 0); /* replaced */
	assert_int_equal(r.n, 1);
	assert_int_equal(r.bytes, 50);
	assert_int_equal(hl_rows_put(&r, 6, HL_ROWS_SLICE, 1, blob, 100, 3), 0);
	assert_int_equal(hl_rows_put(&r, 7, HL_ROWS_SLICE, 2, blob, 100, 4), 0);
	/* bytes full: the least recently used (job 5) goes */
	assert_int_equal(r.bytes, 250);
	assert_int_equal(hl_rows_put(&r, 8, HL_ROWS_SLICE, 2, blob, 10, 5), 0);
	assert_null(hl_rows_get(&r, 5, HL_ROWS_DC, 1));
	assert_int_equal(r.n_evicted, 1);
	/* entries full (3): job 6 goes */
	assert_int_equal(hl_rows_put(&r, 9, HL_ROWS_SLICE, 2, blob, 10, 6), 0);
	assert_null(hl_rows_get(&r, 6, HL_ROWS_SLICE, 1));
	assert_int_equal(r.n, 3);
	assert_non_null(hl_rows_nth(&r, 7, HL_ROWS_SLICE, 0));
	assert_null(hl_rows_nth(&r, 7, HL_ROWS_SLICE, 1));
	/* sweep: jobs no core holds, after the grace; job 7 is held */
	assert_int_equal(hl_rows_sweep(&r, needed_none, NULL, 7, 100), 0);
	assert_int_equal(hl_rows_sweep(&r, needed_none, NULL, 200, 100), 2);
	assert_int_equal(r.n, 1);
	assert_non_null(hl_rows_get(&r, 7, HL_ROWS_SLICE, 2));
	/* ttl: even a held job's rows go */
	assert_int_equal(hl_rows_sweep(&r, needed_none, NULL, 2000, 100), 1);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.bytes, 0);
	assert_int_equal(hl_rows_put(&r, 7, HL_ROWS_SLICE, 2, blob, 10, 1), 0);
	assert_int_equal(hl_rows_put(&r, 7, HL_ROWS_SLICE, 3, blob, 10, 1), 0);
	/* one slice's rows (a worker's, once its result is acked), then the rest of the job */
	assert_int_equal(hl_rows_drop(&r, 7, HL_ROWS_SLICE, 2), 0);
	assert_int_equal(hl_rows_drop(&r, 7, HL_ROWS_SLICE, 2), -ENOENT);
	assert_null(hl_rows_get(&r, 7, HL_ROWS_SLICE, 2));
	assert_non_null(hl_rows_get(&r, 7, HL_ROWS_SLICE, 3));
	assert_int_equal(r.bytes, 10);
	assert_int_equal(hl_rows_drop_job(&r, 7), 1);
	assert_int_equal(r.n, 0);
	hl_rows_fini(&r);
}

static struct hl_hist whole, part[3];
static uint8_t hb[3][HL_HIST_WIRE_MAX], mb[HL_HIST_WIRE_MAX];

static void
row_of(struct hl_rec_stream_row *row, uint32_t id, const struct hl_hist *h, uint8_t *buf,
        uint64_t tx)
{
	memset(row, 0, sizeof(*row));
	row->base.stream_id = id;
	row->base.tx_pkts = tx;
	row->base.rx_pkts = h->count;
	row->base.lat_samples = h->count;
	row->base.jitter_ns = 100;
	row->base.tx_rate_pps = 1000;
	row->req_pps = 1000;
	row->duration_ns = tx * 1000;
	hl_rows_figures(row, h);
	int n = hl_hist_encode(h, buf, HL_HIST_WIRE_MAX, NULL);
	assert_true(n > 0);
	row->hist = (struct hl_wire_view){buf, (uint32_t)n};
}

static void
test_merge_is_exact(void **state)
{
	(void)state;
	struct hl_prng g;
	hl_prng_seed(&g, 42);
	hl_hist_reset(&whole);
	for (int k = 0; k < 3; k++)
		hl_hist_reset(&part[k]);
	/* three slices with very different spreads: the average of their p99s is far from the
	 * p99 of every value */
	for (int i = 0; i < 60000; i++) {
		int k = i % 3;
		uint64_t v = 1000 + hl_prng_next(&g) % (k == 0 ? 1000 : k == 1 ? 4000 : 20000);
		hl_hist_record(&part[k], v);
		hl_hist_record(&whole, v);
	}
	struct hl_rows_merge m;
	hl_rows_merge_init(&m);
	struct hl_rec_stream_row row;
	uint64_t avg_p99 = 0;
	for (int k = 0; k < 3; k++) {
		row_of(&row, 4, &part[k], hb[k], 30000);
		avg_p99 += row.base.lat_p99_ns / 3;
		assert_int_equal(hl_rows_merge_add(&m, &row), 0);
	}
	struct hl_rec_stream_row out;
	assert_false(hl_rows_merge_row(&m, 3, &out, mb, sizeof(mb)));
	assert_true(hl_rows_merge_row(&m, 4, &out, mb, sizeof(mb)));
	assert_int_equal(out.base.tx_pkts, 90000);
	assert_int_equal(out.base.rx_pkts, 60000);
	assert_int_equal(out.base.lat_samples, 60000);
	assert_int_equal(out.base.lat_p99_ns, hl_hist_percentile(&whole, 99));
	assert_int_equal(out.base.lat_p50_ns, hl_hist_percentile(&whole, 50));
	assert_int_equal(out.base.lat_p999_ns, hl_hist_percentile(&whole, 99.9));
	assert_int_equal(out.base.lat_min_ns, whole.min);
	assert_int_equal(out.base.lat_max_ns, whole.max);
	assert_int_equal(out.lat_mean_ns, (uint64_t)hl_hist_mean(&whole));
	assert_true(out.base.lat_p99_ns > avg_p99 + 5000);
	assert_true(out.base.tx_rate_pps == 3000 && out.req_pps == 3000);
	assert_int_equal(out.duration_ns, 30000000);
	assert_int_equal(out.base.jitter_ns, 100);
	/* the merged row's histogram is the whole one */
	static struct hl_hist back;
	assert_true(out.hist.len > 0 && out.hist.len <= HL_HIST_WIRE_MAX);
	assert_int_equal(hl_hist_decode(&back, out.hist.p, out.hist.len), 0);
	assert_memory_equal(&back, &whole, sizeof(whole));
	hl_rows_merge_fini(&m);

	/* a spread too wide for HL_HIST_WIRE_MAX at full resolution (1 us .. 0.5 s): the row's
	 * histogram is coarser, its counts exact, and its figures are that histogram's */
	hl_rows_merge_init(&m);
	hl_hist_reset(&whole);
	for (int i = 0; i < 200000; i++)
		hl_hist_record(&whole, 1000 + hl_prng_next(&g) % 500000000);
	row_of(&row, 9, &whole, hb[0], 200000);
	assert_int_equal(hl_rows_merge_add(&m, &row), 0);
	assert_true(hl_rows_merge_row(&m, 9, &out, mb, sizeof(mb)));
	assert_int_equal(hl_hist_decode(&back, out.hist.p, out.hist.len), 0);
	assert_int_equal(back.count, whole.count);
	assert_int_equal(out.base.lat_p99_ns, hl_hist_percentile(&back, 99));
	assert_int_equal(out.base.lat_p50_ns, hl_hist_percentile(&back, 50));
	assert_true(out.base.lat_p99_ns >= hl_hist_percentile(&whole, 99));
	hl_rows_merge_fini(&m);
}

static void
test_merge_refuses_hostile_rows(void **state)
{
	(void)state;
	struct hl_rows_merge m;
	struct hl_rec_stream_row row, out;
	hl_rows_merge_init(&m);
	hl_hist_reset(&part[0]);
	hl_hist_record_n(&part[0], 5000, 10);
	row_of(&row, 1, &part[0], hb[0], 10);
	struct hl_rec_stream_row bad = row;
	bad.base.stream_id = HL_ROWS_MAX_IDS;
	assert_int_equal(hl_rows_merge_add(&m, &bad), -EINVAL);
	bad = row;
	bad.base.lat_samples = 11; /* the histogram holds 10 */
	assert_int_equal(hl_rows_merge_add(&m, &bad), -EINVAL);
	bad = row;
	bad.hist.len = 3; /* cut */
	assert_int_equal(hl_rows_merge_add(&m, &bad), -EINVAL);
	assert_int_equal(m.n_bad, 3);
	assert_false(hl_rows_merge_row(&m, 1, &out, mb, sizeof(mb)));
	/* a good row, then one with samples but no histogram: no percentile is claimed */
	assert_int_equal(hl_rows_merge_add(&m, &row), 0);
	assert_true(hl_rows_merge_row(&m, 1, &out, mb, sizeof(mb)));
	assert_int_equal(out.base.lat_p99_ns, 5000);
	bad = row;
	bad.hist = (struct hl_wire_view){NULL, 0};
	bad.base.lat_max_ns = 9000;
	assert_int_equal(hl_rows_merge_add(&m, &bad), 0);
	assert_true(hl_rows_merge_row(&m, 1, &out, mb, sizeof(mb)));
	assert_int_equal(out.base.lat_samples, 20);
	assert_int_equal(out.base.lat_p99_ns, 0);
	assert_int_equal(out.hist.len, 0);
	assert_int_equal(out.base.lat_max_ns, 9000);
	hl_rows_merge_fini(&m);
}

static void
test_rows_message_round_trip(void **state)
{
	(void)state;
	/* the largest stream_rows: HL_WIRE_MAX_ROWS rows, HL_WIRE_MAX_STREAMS of them with a
	 * histogram of the full HL_HIST_WIRE_MAX bytes */
	static struct hl_msg_stream_rows a, b;
	static uint8_t hists[HL_WIRE_MAX_STREAMS][HL_HIST_WIRE_MAX];
	static uint8_t buf[8u << 20];
	memset(&a, 0, sizeof(a));
	a.job_id = 77;
	a.kind = HL_ROWS_DC;
	a.node = 3;
	snprintf(a.dc, sizeof(a.dc), "dc-a");
	a.rows.n = HL_WIRE_MAX_ROWS;
	for (uint32_t i = 0; i < HL_WIRE_MAX_ROWS; i++) {
		struct hl_rec_stream_row *r = &a.rows.v[i];
		r->base.stream_id = i % HL_WIRE_MAX_STREAMS;
		r->base.tx_pkts = UINT64_MAX - i;
		r->worker = i < HL_WIRE_MAX_STREAMS ? 0 : 1000 + i;
		if (i < HL_WIRE_MAX_STREAMS) {
			memset(hists[i], 0xff, sizeof(hists[i]));
			r->hist = (struct hl_wire_view){hists[i], HL_HIST_WIRE_MAX};
		}
	}
	size_t len;
	struct hl_wire_err we;
	assert_int_equal(hl_msg_stream_rows_encode(&a, buf, sizeof(buf), &len, &we), 0);
	printf("largest stream_rows: %zu bytes\n", len);
	assert_true(len < (4u << 20)); /* one slow frame (HL_FRAME_SLOW_MAX_DEFAULT) */
	assert_int_equal(hl_msg_stream_rows_decode(buf, len, &b, &we), 0);
	assert_int_equal(b.rows.n, HL_WIRE_MAX_ROWS);
	assert_int_equal(b.rows.v[5].base.tx_pkts, UINT64_MAX - 5);
	assert_int_equal(b.rows.v[5].hist.len, HL_HIST_WIRE_MAX);
	/* every cut is refused */
	for (size_t cut = 0; cut < len; cut += len / 97 + 1)
		assert_true(hl_msg_stream_rows_decode(buf, cut, &b, &we) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_store_bounds),
	        cmocka_unit_test(test_merge_is_exact),
	        cmocka_unit_test(test_merge_refuses_hostile_rows),
	        cmocka_unit_test(test_rows_message_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
