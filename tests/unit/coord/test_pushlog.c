/* test_pushlog.c — client (re)registration replay by sequence number (seed-defects D.2, B.1). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_msg_table.h"
#include "hl_pushlog.h"

static void
test_replay(void **state)
{
	struct hl_pushlog p;
	struct hl_push out[HL_PUSHLOG_DEPTH + 2];
	bool gap;
	(void)state;

	assert_int_equal(hl_pushlog_init(&p, 2), 0);
	assert_int_equal(hl_pushlog_replay(&p, 5, 0, out, 8, &gap), -HL_E_NOT_FOUND);
	assert_int_equal(hl_pushlog_append(&p, 5, HL_PUSH_K_STATUS, HL_WS_RUNNING, 0, 0), 1);
	assert_int_equal(hl_pushlog_append(&p, 5, HL_PUSH_K_PROGRESS, HL_WS_RUNNING, 250000, 0), 2);
	assert_int_equal(hl_pushlog_append(&p, 5, HL_PUSH_K_RESULT, HL_WS_RUNNING, 250000, 3), 3);
	/* A client that saw push 1 reconnects: it gets 2 and 3, in order, no gap. */
	assert_int_equal(hl_pushlog_replay(&p, 5, 1, out, 8, &gap), 2);
	assert_false(gap);
	assert_int_equal(out[0].seq, 2);
	assert_int_equal(out[0].ppm, 250000);
	assert_int_equal(out[1].seq, 3);
	assert_int_equal(out[1].ref, 3);
	/* Up to date: nothing. */
	assert_int_equal(hl_pushlog_replay(&p, 5, 3, out, 8, &gap), 0);
	/* Far behind: current status first (gap), then the retained window. */
	for (int i = 0; i < 100; i++)
		hl_pushlog_append(
		        &p, 5, HL_PUSH_K_PROGRESS, HL_WS_RUNNING, 300000 + (uint32_t)i, 0);
	hl_pushlog_append(&p, 5, HL_PUSH_K_STATUS, HL_WS_COMPLETED, 0, 0);
	int n = hl_pushlog_replay(&p, 5, 0, out, HL_PUSHLOG_DEPTH + 2, &gap);
	assert_true(gap);
	assert_int_equal(n, HL_PUSHLOG_DEPTH + 1);
	assert_int_equal(out[0].seq, 0);
	assert_int_equal(out[0].status, HL_WS_COMPLETED);
	assert_int_equal(out[0].ppm, 300099);
	for (int i = 2; i < n; i++)
		assert_int_equal(out[i].seq, out[i - 1].seq + 1);
	assert_int_equal(out[n - 1].seq, 104);
	/* cap respected. */
	assert_int_equal(hl_pushlog_replay(&p, 5, 100, out, 2, &gap), 2);
	assert_int_equal(out[0].seq, 101);
	/* Bounded jobs, removal at the end. */
	assert_int_equal(hl_pushlog_append(&p, 6, HL_PUSH_K_STATUS, HL_WS_RUNNING, 0, 0), 1);
	assert_int_equal(
	        hl_pushlog_append(&p, 7, HL_PUSH_K_STATUS, HL_WS_RUNNING, 0, 0), -HL_E_FULL);
	assert_int_equal(hl_pushlog_append(&p, 0, HL_PUSH_K_STATUS, 0, 0, 0), -EINVAL);
	assert_int_equal(hl_pushlog_close(&p, 5), 0);
	assert_int_equal(hl_pushlog_close(&p, 5), -ENOENT);
	assert_int_equal(hl_pushlog_close(&p, 6), 0);
	assert_int_equal(hl_pushlog_jobs(&p), 0);
	hl_pushlog_fini(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
