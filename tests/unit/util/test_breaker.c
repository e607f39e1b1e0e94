/* test_breaker.c — circuit breaker, one test per transition (seed-defects C.3), the sliding
 * window, lost probes, failure kinds and the log line for unexpected kinds (A.5). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hl_breaker.h"
#include "hl_err.h"
#include "hl_log.h"

#define S 1000000000ULL
#define T0 (1000 * S)

static char last_line[HL_LOG_LINE_MAX];
static enum hl_log_level last_level;
static int lines;
static uint64_t log_now;

static void
sink(void *arg, enum hl_log_level level, const char *component, const char *line)
{
	(void)arg;
	assert_string_equal(component, "breaker");
	snprintf(last_line, sizeof(last_line), "%s", line);
	last_level = level;
	lines++;
}

static uint64_t
clock_fn(void *arg)
{
	return *(uint64_t *)arg;
}

static int
setup(void **state)
{
	(void)state;
	lines = 0;
	last_line[0] = '\0';
	log_now = 0;
	hl_log_set_clock(clock_fn, &log_now);
	hl_log_set_sink(sink, NULL);
	hl_log_set_level(HL_LOG_DEBUG);
	hl_log_set_rate(0, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	hl_log_set_sink(NULL, NULL);
	hl_log_set_clock(NULL, NULL);
	hl_log_set_rate(10, 10);
	hl_log_set_level(HL_LOG_INFO);
	return 0;
}

/* A breaker opened at T0 by three timeouts. */
static void
open_it(struct hl_breaker *b)
{
	assert_int_equal(hl_breaker_init(b, NULL, "gate-2"), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(hl_breaker_allow(b, T0), 0);
		hl_breaker_failure(b, HL_BREAKER_TIMEOUT, T0);
	}
	assert_int_equal(b->state, HL_BREAKER_OPEN);
}

static void
test_closed_to_open_at_threshold(void **state)
{
	(void)state;
	struct hl_breaker b;
	assert_int_equal(hl_breaker_init(&b, NULL, "gate-2"), 0);
	assert_int_equal(b.state, HL_BREAKER_CLOSED);
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0);
	hl_breaker_failure(&b, HL_BREAKER_REFUSED, T0 + 10 * S);
	/* Below the threshold: still closed, calls go through; successes do not hide errors. */
	hl_breaker_success(&b, T0 + 11 * S);
	assert_int_equal(hl_breaker_allow(&b, T0 + 12 * S), 0);
	assert_int_equal(b.state, HL_BREAKER_CLOSED);
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0 + 29 * S);
	assert_int_equal(b.state, HL_BREAKER_OPEN);
	assert_int_equal(b.opens, 1);
	assert_int_equal(hl_breaker_allow(&b, T0 + 29 * S), -HL_E_CIRCUIT_OPEN);
	assert_int_equal(b.rejected, 1);
	/* The transition was logged with the breaker's name and the reason. */
	assert_int_equal(last_level, HL_LOG_WARN);
	assert_non_null(strstr(last_line, "open breaker=gate-2 why=threshold last_kind=timeout"));
}

static void
test_window_slides(void **state)
{
	(void)state;
	struct hl_breaker b;
	assert_int_equal(hl_breaker_init(&b, NULL, "w"), 0);
	/* Three failures spanning exactly 30 s: the first has left the window. */
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0);
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0 + 20 * S);
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0 + 30 * S);
	assert_int_equal(b.state, HL_BREAKER_CLOSED);
	/* Steady failures every 16 s never put three in 30 s. */
	for (uint64_t t = 50; t < 500; t += 16)
		hl_breaker_failure(&b, HL_BREAKER_PROTOCOL, T0 + t * S);
	assert_int_equal(b.state, HL_BREAKER_CLOSED);
	/* One more 1 s after the last makes three within 30 s. */
	hl_breaker_failure(&b, HL_BREAKER_PROTOCOL, T0 + 499 * S);
	assert_int_equal(b.state, HL_BREAKER_OPEN);
}

static void
test_open_to_half_open_after_timeout(void **state)
{
	(void)state;
	struct hl_breaker b;
	open_it(&b);
	assert_int_equal(hl_breaker_allow(&b, T0 + 10 * S - 1), -HL_E_CIRCUIT_OPEN);
	assert_int_equal(hl_breaker_tick(&b, T0 + 10 * S - 1), HL_BREAKER_OPEN);
	assert_int_equal(hl_breaker_tick(&b, T0 + 10 * S), HL_BREAKER_HALF_OPEN);
	/* One probe goes through; a second concurrent call is refused. */
	assert_int_equal(hl_breaker_allow(&b, T0 + 10 * S), 0);
	assert_int_equal(hl_breaker_allow(&b, T0 + 11 * S), -HL_E_CIRCUIT_OPEN);
	assert_int_equal(b.state, HL_BREAKER_HALF_OPEN);
	/* A probe that never reports is presumed lost after open_ns: another is allowed. */
	assert_int_equal(hl_breaker_allow(&b, T0 + 20 * S - 1), -HL_E_CIRCUIT_OPEN);
	assert_int_equal(hl_breaker_allow(&b, T0 + 20 * S), 0);
}

static void
test_half_open_to_closed_on_success(void **state)
{
	(void)state;
	struct hl_breaker b;
	open_it(&b);
	assert_int_equal(hl_breaker_allow(&b, T0 + 10 * S), 0);
	hl_breaker_success(&b, T0 + 10 * S + 5);
	assert_int_equal(b.state, HL_BREAKER_CLOSED);
	assert_non_null(strstr(last_line, "closed breaker=gate-2"));
	assert_int_equal(last_level, HL_LOG_INFO);
	/* The failure window restarted: two new failures do not reopen it. */
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0 + 11 * S);
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0 + 12 * S);
	assert_int_equal(b.state, HL_BREAKER_CLOSED);
	assert_int_equal(hl_breaker_allow(&b, T0 + 12 * S), 0);
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0 + 13 * S);
	assert_int_equal(b.state, HL_BREAKER_OPEN);
	assert_int_equal(b.opens, 2);
}

static void
test_half_open_to_open_on_failure(void **state)
{
	(void)state;
	struct hl_breaker b;
	open_it(&b);
	assert_int_equal(hl_breaker_allow(&b, T0 + 15 * S), 0);
	assert_int_equal(b.state, HL_BREAKER_HALF_OPEN);
	hl_breaker_failure(&b, HL_BREAKER_REFUSED, T0 + 16 * S);
	assert_int_equal(b.state, HL_BREAKER_OPEN);
	assert_non_null(strstr(last_line, "why=probe_failed last_kind=refused"));
	/* The open timer restarted at the probe failure. */
	assert_int_equal(hl_breaker_allow(&b, T0 + 26 * S - 1), -HL_E_CIRCUIT_OPEN);
	assert_int_equal(hl_breaker_allow(&b, T0 + 26 * S), 0);
	assert_int_equal(b.state, HL_BREAKER_HALF_OPEN);
}

static void
test_open_stays_open_on_late_reports(void **state)
{
	(void)state;
	struct hl_breaker b;
	open_it(&b);
	/* Calls admitted before it opened may report afterwards: no change to the timer. */
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0 + 5 * S);
	hl_breaker_success(&b, T0 + 6 * S);
	assert_int_equal(b.state, HL_BREAKER_OPEN);
	assert_int_equal(hl_breaker_tick(&b, T0 + 10 * S), HL_BREAKER_HALF_OPEN);
	assert_int_equal(b.opens, 1);
}

static void
test_kinds_recorded_and_bug_logged(void **state)
{
	(void)state;
	struct hl_breaker_cfg cfg = {.threshold = 50, .window_ns = S, .open_ns = S};
	struct hl_breaker b;
	assert_int_equal(hl_breaker_init(&b, &cfg, "peer-10.0.0.7"), 0);
	assert_int_equal(hl_breaker_last_kind(&b), -1);
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0);
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0);
	hl_breaker_failure(&b, HL_BREAKER_REFUSED, T0);
	hl_breaker_failure(&b, HL_BREAKER_PROTOCOL, T0);
	/* Expected kinds are not logged as unexpected. */
	assert_int_equal(lines, 0);
	assert_int_equal(hl_breaker_last_kind(&b), HL_BREAKER_PROTOCOL);
	hl_breaker_failure(&b, HL_BREAKER_BUG, T0);
	assert_int_equal(lines, 1);
	assert_int_equal(last_level, HL_LOG_ERR);
	assert_string_equal(
	        last_line, "unexpected failure breaker=peer-10.0.0.7 kind=bug state=closed");
	/* A kind outside the enum is a bug too, and logged with its value. */
	hl_breaker_failure(&b, (enum hl_breaker_kind)42, T0);
	assert_int_equal(lines, 2);
	assert_string_equal(last_line, "unknown failure kind breaker=peer-10.0.0.7 kind=42");
	assert_int_equal(hl_breaker_kind_count(&b, HL_BREAKER_TIMEOUT), 2);
	assert_int_equal(hl_breaker_kind_count(&b, HL_BREAKER_REFUSED), 1);
	assert_int_equal(hl_breaker_kind_count(&b, HL_BREAKER_PROTOCOL), 1);
	assert_int_equal(hl_breaker_kind_count(&b, HL_BREAKER_BUG), 2);
	assert_int_equal(hl_breaker_kind_count(&b, (enum hl_breaker_kind)42), 0);
	assert_int_equal(hl_breaker_last_kind(&b), HL_BREAKER_BUG);
	assert_int_equal(b.failures, 6);
	assert_int_equal(b.state, HL_BREAKER_CLOSED);
	assert_string_equal(hl_breaker_kind_name(HL_BREAKER_REFUSED), "refused");
	assert_string_equal(hl_breaker_kind_name((enum hl_breaker_kind)9), "?");
	assert_string_equal(hl_breaker_state_name(HL_BREAKER_HALF_OPEN), "half_open");
	assert_string_equal(hl_breaker_state_name((enum hl_breaker_state)9), "?");
}

static void
test_config(void **state)
{
	(void)state;
	struct hl_breaker b;
	struct hl_breaker_cfg bad[] = {
	        {.threshold = 0, .window_ns = S, .open_ns = S},
	        {.threshold = HL_BREAKER_MAX_THRESHOLD + 1, .window_ns = S, .open_ns = S},
	        {.threshold = 3, .window_ns = 0, .open_ns = S},
	        {.threshold = 3, .window_ns = S, .open_ns = 0},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hl_breaker_init(&b, &bad[i], "x"), -EINVAL);
	/* Threshold 1 opens on the first failure; long names are truncated, not overflowed. */
	struct hl_breaker_cfg one = {.threshold = 1, .window_ns = S, .open_ns = 2 * S};
	char longname[100];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(hl_breaker_init(&b, &one, longname), 0);
	assert_int_equal(strlen(b.name), HL_BREAKER_NAME_MAX - 1);
	hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0);
	assert_int_equal(b.state, HL_BREAKER_OPEN);
	assert_int_equal(hl_breaker_tick(&b, T0 + 2 * S), HL_BREAKER_HALF_OPEN);
	/* Max threshold works across the ring. */
	struct hl_breaker_cfg max = {
	        .threshold = HL_BREAKER_MAX_THRESHOLD, .window_ns = 100 * S, .open_ns = S};
	assert_int_equal(hl_breaker_init(&b, &max, NULL), 0);
	assert_string_equal(b.name, "-");
	for (int i = 0; i < 200; i++)
		hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0 + (uint64_t)i * 2 * S);
	assert_int_equal(b.state, HL_BREAKER_CLOSED); /* 50 per 100 s */
	for (int i = 0; i < HL_BREAKER_MAX_THRESHOLD - 1; i++)
		hl_breaker_failure(&b, HL_BREAKER_TIMEOUT, T0 + 400 * S);
	assert_int_equal(b.state, HL_BREAKER_OPEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_closed_to_open_at_threshold, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_window_slides, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_open_to_half_open_after_timeout, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_half_open_to_closed_on_success, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_half_open_to_open_on_failure, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_open_stays_open_on_late_reports, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_kinds_recorded_and_bug_logged, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
