/* test_log.c — HL_LOG: per-site rate limit under a fake clock, suppressed counts, level filter,
 * sinks, truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>

#include "hl_log.h"
#include "sansio_log_probe.h"

#define MS 1000000ULL
#define MAX_CAPTURE 64

static uint64_t fake_now;
static struct {
	enum hl_log_level level;
	char component[32];
	char line[HL_LOG_LINE_MAX + 1];
} cap[MAX_CAPTURE];
static int ncap;
static int side_effects;

static uint64_t
fake_clock(void *arg)
{
	return *(uint64_t *)arg;
}

static void
capture_sink(void *arg, enum hl_log_level level, const char *component, const char *line)
{
	int *calls = arg;
	(*calls)++;
	assert_true(ncap < MAX_CAPTURE);
	cap[ncap].level = level;
	snprintf(cap[ncap].component, sizeof(cap[ncap].component), "%s", component);
	assert_true(strlen(line) < HL_LOG_LINE_MAX);
	snprintf(cap[ncap].line, sizeof(cap[ncap].line), "%s", line);
	ncap++;
}

static int sink_calls;

static int
setup(void **state)
{
	(void)state;
	fake_now = 5000 * MS;
	ncap = 0;
	sink_calls = 0;
	side_effects = 0;
	hl_log_set_clock(fake_clock, &fake_now); /* also restarts every site's bucket */
	hl_log_set_sink(capture_sink, &sink_calls);
	hl_log_set_level(HL_LOG_INFO);
	hl_log_set_rate(10, 10);
	hl_log_reset_counters();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	hl_log_set_sink(NULL, NULL);
	hl_log_set_clock(NULL, NULL);
	return 0;
}

/* Each helper holds exactly one call site. */
static void
site_a(unsigned i)
{
	HL_LOG(HL_LOG_WARN, "swim", "probe failed peer=n%u seq=%u", i % 3, i);
}

static void
site_b(unsigned i)
{
	HL_LOG(HL_LOG_ERR, "coord", "lease lost job=%u", i);
}

static int
effect(void)
{
	side_effects++;
	return side_effects;
}

static void
test_burst_then_suppress(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 15; i++)
		site_a(i);
	assert_int_equal(ncap, 10);
	assert_int_equal(hl_log_emitted(HL_LOG_WARN), 10);
	assert_int_equal(hl_log_suppressed(), 5);
	assert_string_equal(cap[0].component, "swim");
	assert_int_equal(cap[0].level, HL_LOG_WARN);
	assert_string_equal(cap[0].line, "probe failed peer=n0 seq=0");
	assert_string_equal(cap[9].line, "probe failed peer=n0 seq=9");

	/* Refill is one line per 100 ms: 99 ms is not enough. */
	fake_now += 99 * MS;
	site_a(15);
	assert_int_equal(ncap, 10);
	assert_int_equal(hl_log_suppressed(), 6);
	fake_now += 1 * MS;
	site_a(16);
	assert_int_equal(ncap, 11);
	assert_string_equal(cap[10].line, "probe failed peer=n1 seq=16 (6 suppressed)");
	/* The count restarts after being reported. */
	fake_now += 100 * MS;
	site_a(17);
	assert_int_equal(ncap, 12);
	assert_string_equal(cap[11].line, "probe failed peer=n2 seq=17");
	assert_int_equal(hl_log_suppressed(), 6);
}

static void
test_refill_caps_at_burst(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 10; i++)
		site_a(i);
	assert_int_equal(ncap, 10);
	/* A long quiet period refills at most `burst` lines. */
	fake_now += 60000 * MS;
	for (unsigned i = 0; i < 30; i++)
		site_a(i);
	assert_int_equal(ncap, 20);
	assert_int_equal(hl_log_suppressed(), 20);
	/* Steady rate: over 1 s, 10 more lines, one each 100 ms. */
	for (unsigned t = 1; t <= 20; t++) {
		fake_now += 50 * MS;
		site_a(t);
	}
	assert_int_equal(ncap, 30);
}

static void
test_sites_independent(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 20; i++)
		site_a(i);
	assert_int_equal(ncap, 10);
	for (unsigned i = 0; i < 3; i++)
		site_b(i);
	assert_int_equal(ncap, 13);
	assert_string_equal(cap[12].component, "coord");
	assert_int_equal(cap[12].level, HL_LOG_ERR);
	assert_string_equal(cap[12].line, "lease lost job=2");
	assert_int_equal(hl_log_emitted(HL_LOG_ERR), 3);
	assert_int_equal(hl_log_emitted(HL_LOG_WARN), 10);
	assert_int_equal(hl_log_emitted(HL_LOG_INFO), 0);
}

static void
test_level_filter_formats_nothing(void **state)
{
	(void)state;
	HL_LOG(HL_LOG_DEBUG, "t", "value=%d", effect());
	assert_int_equal(side_effects, 0);
	assert_int_equal(ncap, 0);
	HL_LOG(HL_LOG_INFO, "t", "value=%d", effect());
	assert_int_equal(side_effects, 1);
	assert_int_equal(ncap, 1);
	assert_string_equal(cap[0].line, "value=1");

	hl_log_set_level(HL_LOG_ERR);
	assert_int_equal(hl_log_get_level(), HL_LOG_ERR);
	HL_LOG(HL_LOG_WARN, "t", "value=%d", effect());
	assert_int_equal(side_effects, 1);
	HL_LOG(HL_LOG_ERR, "t", "value=%d", effect());
	assert_int_equal(ncap, 2);
	assert_int_equal(side_effects, 2);
	/* Filtered lines are not "suppressed": nothing was lost to a rate limit. */
	assert_int_equal(hl_log_suppressed(), 0);

	hl_log_set_level(HL_LOG_DEBUG);
	HL_LOG(HL_LOG_DEBUG, "t", "value=%d", effect());
	assert_int_equal(ncap, 3);
	assert_int_equal(cap[2].level, HL_LOG_DEBUG);
	/* Out-of-range thresholds clamp. */
	hl_log_set_level((enum hl_log_level)42);
	assert_int_equal(hl_log_get_level(), HL_LOG_DEBUG);
	hl_log_set_level((enum hl_log_level) - 3);
	assert_int_equal(hl_log_get_level(), HL_LOG_ERR);
}

static void
test_unlimited_rate(void **state)
{
	(void)state;
	hl_log_set_rate(0, 0);
	for (unsigned i = 0; i < 50; i++)
		site_a(i);
	assert_int_equal(sink_calls, 50);
	assert_int_equal(hl_log_suppressed(), 0);
}

static void
test_custom_rate_and_burst(void **state)
{
	(void)state;
	hl_log_set_rate(2, 1); /* one line per 500 ms, no burst */
	site_a(0);
	site_a(1);
	assert_int_equal(ncap, 1);
	fake_now += 499 * MS;
	site_a(2);
	assert_int_equal(ncap, 1);
	fake_now += 1 * MS;
	site_a(3);
	assert_int_equal(ncap, 2);
	assert_string_equal(cap[1].line, "probe failed peer=n0 seq=3 (2 suppressed)");
}

static void
test_clock_change_resets_sites(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 12; i++)
		site_a(i);
	assert_int_equal(ncap, 10);
	/* A simulator restarting its virtual clock at 0 must not inherit a far-future bucket. */
	uint64_t other = 0;
	hl_log_set_clock(fake_clock, &other);
	for (unsigned i = 0; i < 12; i++)
		site_a(i);
	assert_int_equal(ncap, 20);
	/* Suppressed lines from before are still reported, not lost. */
	assert_string_equal(cap[10].line, "probe failed peer=n0 seq=0 (2 suppressed)");
}

static void
test_long_line_truncated(void **state)
{
	(void)state;
	char big[2 * HL_LOG_LINE_MAX];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hl_log_set_rate(1, 1);
	HL_LOG(HL_LOG_WARN, "t", "v=%s", big);
	assert_int_equal(ncap, 1);
	size_t len = strlen(cap[0].line);
	assert_int_equal(len, HL_LOG_LINE_MAX - 1);
	assert_memory_equal(cap[0].line + len - 3, "...", 3);
	assert_memory_equal(cap[0].line, "v=xxx", 5);

	/* Suppressed suffix survives truncation. Same site again via a loop. */
	ncap = 0;
	for (int i = 0; i < 3; i++) {
		HL_LOG(HL_LOG_WARN, "t", "v=%s", big);
		fake_now += (i == 1) ? 1000 * MS : 0;
	}
	assert_int_equal(ncap, 2);
	len = strlen(cap[1].line);
	assert_int_equal(len, HL_LOG_LINE_MAX - 1);
	const char *sfx = "... (1 suppressed)";
	assert_string_equal(cap[1].line + len - strlen(sfx), sfx);
}

static void
test_default_sink_stderr(void **state)
{
	(void)state;
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	int saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	hl_log_set_sink(NULL, NULL);
	HL_LOG(HL_LOG_WARN, "swim", "suspect peer=%s inc=%d", "n7", 4);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);

	char buf[256] = "";
	rewind(tmp);
	size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	assert_string_equal(buf, "WARN swim: suspect peer=n7 inc=4\n");
	assert_int_equal(ncap, 0);
	assert_int_equal(hl_log_emitted(HL_LOG_WARN), 1);
}

static void
test_level_names(void **state)
{
	(void)state;
	assert_string_equal(hl_log_level_name(HL_LOG_ERR), "ERR");
	assert_string_equal(hl_log_level_name(HL_LOG_WARN), "WARN");
	assert_string_equal(hl_log_level_name(HL_LOG_INFO), "INFO");
	assert_string_equal(hl_log_level_name(HL_LOG_DEBUG), "DEBUG");
	assert_string_equal(hl_log_level_name((enum hl_log_level)9), "?");
	assert_int_equal(hl_log_emitted((enum hl_log_level)9), 0);
}

static void
test_sansio_call_site(void **state)
{
	(void)state;
	/* The site in a poison-built object obeys the virtual clock like any other. */
	for (unsigned i = 0; i < 12; i++)
		sansio_log_probe(4, i);
	assert_int_equal(ncap, 10);
	assert_string_equal(cap[9].line, "probe failed peer=n4 seq=9");
	fake_now += 200 * MS;
	sansio_log_probe(4, 12);
	assert_string_equal(cap[10].line, "probe failed peer=n4 seq=12 (2 suppressed)");
}

/* Threads hammering one site: every call is either emitted or counted as suppressed, and
 * every suppressed call is reported by a later line or still pending. */
enum { THREADS = 4, CALLS = 20000 };
static uint64_t reported_suppressed;
static uint64_t counted_lines;

static void
count_sink(void *arg, enum hl_log_level level, const char *component, const char *line)
{
	(void)arg;
	(void)level;
	(void)component;
	const char *p = strstr(line, " (");
	if (p != NULL)
		reported_suppressed += strtoull(p + 2, NULL, 10);
	counted_lines++;
}

static void
hammer_site(void)
{
	HL_LOG(HL_LOG_INFO, "t", "hammer");
}

static void *
hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < CALLS; i++)
		hammer_site();
	return NULL;
}

static void
run_hammer(void)
{
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
}

static void
test_threads_account_for_every_call(void **state)
{
	(void)state;
	reported_suppressed = 0;
	counted_lines = 0;
	hl_log_set_sink(count_sink, NULL);
	run_hammer();
	/* Fake clock frozen: exactly one burst gets through. */
	assert_int_equal(counted_lines, 10);
	assert_int_equal(hl_log_emitted(HL_LOG_INFO), 10);
	assert_int_equal(hl_log_suppressed(), THREADS * CALLS - 10);
	fake_now += 1000 * MS;
	hammer_site();
	assert_int_equal(reported_suppressed, THREADS * CALLS - 10);

	/* Unlimited: nothing is lost to contention either. */
	hl_log_set_rate(0, 0);
	hl_log_reset_counters();
	counted_lines = 0;
	run_hammer();
	assert_int_equal(counted_lines, THREADS * CALLS);
	assert_int_equal(hl_log_suppressed(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_burst_then_suppress, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refill_caps_at_burst, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sites_independent, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_level_filter_formats_nothing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unlimited_rate, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_custom_rate_and_burst, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_clock_change_resets_sites, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_long_line_truncated, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_default_sink_stderr, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_level_names, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sansio_call_site, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_threads_account_for_every_call, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
