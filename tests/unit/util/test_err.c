/* test_err.c — error table: every hyperline code has a distinct name and string, either sign
 * works, errno values fall through to libc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"

static void
test_table(void **state)
{
	(void)state;
	for (int e = HL_E_BASE; e < HL_E_LAST_; e++) {
		const char *n = hl_errname(-e), *s = hl_strerror(-e);
		assert_non_null(n);
		assert_non_null(s);
		assert_int_equal(strncmp(n, "HL_E_", 5), 0);
		assert_string_equal(n, hl_errname(e));
		assert_string_equal(s, hl_strerror(e));
		for (int f = HL_E_BASE; f < e; f++) {
			assert_string_not_equal(n, hl_errname(f));
			assert_string_not_equal(s, hl_strerror(f));
		}
	}
	assert_string_equal(hl_errname(-HL_E_FULL), "HL_E_FULL");
	assert_string_equal(hl_strerror(-HL_E_RATE_LIMITED), "rate limited");
}

static void
test_errno_and_edges(void **state)
{
	(void)state;
	assert_string_equal(hl_errname(0), "OK");
	assert_string_equal(hl_strerror(0), "success");
	assert_string_equal(hl_errname(-EINVAL), "EINVAL");
	assert_string_equal(hl_strerror(-ENOSPC), strerror(ENOSPC));
	/* Neither an errno nor ours: still a non-NULL string. */
	assert_non_null(hl_errname(HL_E_LAST_ + 5));
	assert_non_null(hl_strerror(-(HL_E_LAST_ + 5)));
	assert_non_null(hl_errname(HL_E_BASE - 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_errno_and_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
