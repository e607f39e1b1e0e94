/* test_resolve.c — cross-DC final status (seed-defects D.6; scenarios H multi-DC results). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hl_msg_table.h"
#include "hl_resolve.h"

static void
test_precedence(void **state)
{
	(void)state;
	uint8_t all_ok[3] = {HL_WS_COMPLETED, HL_WS_COMPLETED, HL_WS_COMPLETED};
	assert_int_equal(hl_resolve_final(all_ok, 3), HL_WS_COMPLETED);
	uint8_t one_failed[3] = {HL_WS_COMPLETED, HL_WS_FAILED, HL_WS_COMPLETED};
	assert_int_equal(hl_resolve_final(one_failed, 3), HL_WS_FAILED); /* never COMPLETED */
	uint8_t failed_beats_all[3] = {HL_WS_CANCELLED, HL_WS_TIMEOUT, HL_WS_FAILED};
	assert_int_equal(hl_resolve_final(failed_beats_all, 3), HL_WS_FAILED);
	uint8_t cancelled[3] = {HL_WS_TIMEOUT, HL_WS_CANCELLED, HL_WS_COMPLETED};
	assert_int_equal(hl_resolve_final(cancelled, 3), HL_WS_CANCELLED);
	uint8_t missing[3] = {HL_WS_COMPLETED, HL_WS_NONE, HL_WS_COMPLETED};
	assert_int_equal(hl_resolve_final(missing, 3), HL_WS_TIMEOUT); /* DC never reported */
	uint8_t running[2] = {HL_WS_COMPLETED, HL_WS_RUNNING};
	assert_int_equal(hl_resolve_final(running, 2), HL_WS_TIMEOUT);
	assert_int_equal(hl_resolve_final(NULL, 0), HL_WS_TIMEOUT);
}

/* Exhaustive over 3 DCs and every status value: the result follows the precedence order. */
static void
test_exhaustive(void **state)
{
	(void)state;
	for (int a = 0; a <= HL_WS_MAX; a++)
		for (int b = 0; b <= HL_WS_MAX; b++)
			for (int c = 0; c <= HL_WS_MAX; c++) {
				uint8_t s[3] = {(uint8_t)a, (uint8_t)b, (uint8_t)c};
				uint8_t r = hl_resolve_final(s, 3);
				int f = 0, x = 0, t = 0;
				for (int i = 0; i < 3; i++) {
					f |= s[i] == HL_WS_FAILED;
					x |= s[i] == HL_WS_CANCELLED;
					t |= s[i] != HL_WS_FAILED && s[i] != HL_WS_CANCELLED &&
					     s[i] != HL_WS_COMPLETED;
				}
				uint8_t want = f   ? HL_WS_FAILED
				               : x ? HL_WS_CANCELLED
				               : t ? HL_WS_TIMEOUT
				                   : HL_WS_COMPLETED;
				assert_int_equal(r, want);
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_precedence),
	        cmocka_unit_test(test_exhaustive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
