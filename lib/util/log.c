/* log.c — HL_LOG back end: per-site GCRA rate limit, line formatting, sinks and counters. */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hl_log.h"

#define NS_PER_S 1000000000ULL

int hl_log_threshold_ = HL_LOG_INFO;

static uint64_t (*log_clock)(void *arg);
static void *log_clock_arg;
/* Bumped whenever the clock changes: a site whose epoch differs restarts its bucket, so a
 * virtual clock that starts again at 0 does not inherit far-future state. Starts at 1 so that
 * zero-initialised sites are fresh. */
static uint32_t log_epoch = 1;

static hl_log_sink_fn log_sink;
static void *log_sink_arg;
static pthread_mutex_t log_sink_lock = PTHREAD_MUTEX_INITIALIZER;

/* Emission interval and tolerance of the GCRA, in ns; interval 0 = unlimited. */
static uint64_t log_interval_ns = NS_PER_S / 10;
static uint64_t log_tolerance_ns = 9 * (NS_PER_S / 10);

/* Read by metrics from other threads: relaxed, they are plain event counts. */
static uint64_t log_emitted[HL_LOG_NLEVELS];
static uint64_t log_suppressed_total;

static const char *const level_names[HL_LOG_NLEVELS] = {"ERR", "WARN", "INFO", "DEBUG"};

const char *
hl_log_level_name(enum hl_log_level level)
{
	if ((unsigned)level >= HL_LOG_NLEVELS)
		return "?";
	return level_names[level];
}

static uint64_t
default_clock(void *arg)
{
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void
default_sink(void *arg, enum hl_log_level level, const char *component, const char *line)
{
	(void)arg;
	/* One fprintf per line: stdio's stream lock keeps lines from interleaving. */
	fprintf(stderr, "%s %s: %s\n", hl_log_level_name(level), component, line);
}

void
hl_log_set_clock(uint64_t (*now_ns)(void *arg), void *arg)
{
	__atomic_store_n(&log_clock_arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&log_clock, now_ns, __ATOMIC_RELAXED);
	__atomic_fetch_add(&log_epoch, 1, __ATOMIC_RELAXED);
}

void
hl_log_set_level(enum hl_log_level level)
{
	int l = (int)level;
	if (l < HL_LOG_ERR)
		l = HL_LOG_ERR;
	if (l > HL_LOG_DEBUG)
		l = HL_LOG_DEBUG;
	__atomic_store_n(&hl_log_threshold_, l, __ATOMIC_RELAXED);
}

enum hl_log_level
hl_log_get_level(void)
{
	return (enum hl_log_level)__atomic_load_n(&hl_log_threshold_, __ATOMIC_RELAXED);
}

void
hl_log_set_sink(hl_log_sink_fn sink, void *arg)
{
	pthread_mutex_lock(&log_sink_lock);
	log_sink = sink;
	log_sink_arg = arg;
	pthread_mutex_unlock(&log_sink_lock);
}

void
hl_log_set_rate(uint32_t lines_per_s, uint32_t burst)
{
	uint64_t interval = lines_per_s == 0 ? 0 : NS_PER_S / lines_per_s;
	if (lines_per_s != 0 && interval == 0)
		interval = 1;
	if (burst == 0)
		burst = 1;
	__atomic_store_n(&log_interval_ns, interval, __ATOMIC_RELAXED);
	__atomic_store_n(&log_tolerance_ns, interval * (burst - 1), __ATOMIC_RELAXED);
}

uint64_t
hl_log_emitted(enum hl_log_level level)
{
	if ((unsigned)level >= HL_LOG_NLEVELS)
		return 0;
	return __atomic_load_n(&log_emitted[level], __ATOMIC_RELAXED);
}

uint64_t
hl_log_suppressed(void)
{
	return __atomic_load_n(&log_suppressed_total, __ATOMIC_RELAXED);
}

void
hl_log_reset_counters(void)
{
	for (int i = 0; i < HL_LOG_NLEVELS; i++)
		__atomic_store_n(&log_emitted[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&log_suppressed_total, 0, __ATOMIC_RELAXED);
}

static uint64_t
log_now(void)
{
	uint64_t (*fn)(void *) = __atomic_load_n(&log_clock, __ATOMIC_RELAXED);
	if (fn == NULL)
		return default_clock(NULL);
	return fn(__atomic_load_n(&log_clock_arg, __ATOMIC_RELAXED));
}

static void
count_suppressed(struct hl_log_site *site)
{
	__atomic_fetch_add(&site->suppressed, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&log_suppressed_total, 1, __ATOMIC_RELAXED);
}

/* GCRA: admit when the theoretical arrival time is at most `tolerance` ahead of now. Equivalent
 * to a token bucket of burst (tolerance / interval + 1) refilled every interval. Called with the
 * site's busy flag held. */
static int
site_admit(struct hl_log_site *site, uint64_t now, uint64_t interval)
{
	uint64_t tolerance = __atomic_load_n(&log_tolerance_ns, __ATOMIC_RELAXED);
	uint32_t epoch = __atomic_load_n(&log_epoch, __ATOMIC_RELAXED);

	if (site->epoch != epoch) {
		site->epoch = epoch;
		site->tat = now;
	}
	uint64_t tat = site->tat > now ? site->tat : now;
	if (tat - now > tolerance)
		return 0;
	site->tat = tat + interval;
	return 1;
}

static void __attribute__((format(printf, 4, 0)))
format_line(char *buf, size_t cap, uint64_t suppressed, const char *fmt, va_list ap)
{
	char sfx[48] = "";
	if (suppressed > 0)
		snprintf(sfx, sizeof(sfx), " (%" PRIu64 " suppressed)", suppressed);
	size_t sfx_len = strlen(sfx);
	size_t room = cap - sfx_len; /* bytes for message + NUL */

	int n = vsnprintf(buf, room, fmt, ap);
	size_t len;
	if (n < 0) {
		len = (size_t)snprintf(buf, room, "(log format error: %s)", fmt);
		if (len >= room)
			len = room - 1;
	} else if ((size_t)n >= room) {
		len = room - 1;
		memcpy(buf + len - 3, "...", 3);
	} else {
		len = (size_t)n;
	}
	memcpy(buf + len, sfx, sfx_len + 1);
}

void
hl_log_emit_(struct hl_log_site *site, enum hl_log_level level, const char *component,
        const char *fmt, ...)
{
	uint64_t interval = __atomic_load_n(&log_interval_ns, __ATOMIC_RELAXED);
	if (interval != 0) {
		if (__atomic_test_and_set(&site->busy, __ATOMIC_ACQUIRE)) {
			/* Same site logging concurrently on another thread: count, never wait. */
			count_suppressed(site);
			return;
		}
		int ok = site_admit(site, log_now(), interval);
		__atomic_clear(&site->busy, __ATOMIC_RELEASE);
		if (!ok) {
			count_suppressed(site);
			return;
		}
	}
	uint64_t suppressed = __atomic_exchange_n(&site->suppressed, 0, __ATOMIC_RELAXED);

	unsigned li = (unsigned)level < HL_LOG_NLEVELS ? (unsigned)level : HL_LOG_DEBUG;
	char line[HL_LOG_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	format_line(line, sizeof(line), suppressed, fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&log_sink_lock);
	if (log_sink != NULL)
		log_sink(log_sink_arg, (enum hl_log_level)li, component ? component : "-", line);
	else
		default_sink(NULL, (enum hl_log_level)li, component ? component : "-", line);
	pthread_mutex_unlock(&log_sink_lock);
	__atomic_fetch_add(&log_emitted[li], 1, __ATOMIC_RELAXED);
}
