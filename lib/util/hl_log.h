/* hl_log.h — levelled, per-call-site rate-limited logging, usable from the sans-IO cores.
 *
 * HL_LOG(level, component, fmt, ...) formats one line (printf-style, checked by the compiler)
 * and hands it to the installed sink. Context goes into the message as key=value pairs:
 *
 *     HL_LOG(HL_LOG_WARN, "swim", "probe failed peer=%s seq=%u err=%s", p, seq, hl_errname(rc));
 *
 * Rate limit: every call site owns a token bucket (default burst 10, refill 10 lines/s, set
 * globally with hl_log_set_rate). A line over the limit is not formatted; it is counted, and
 * the next line emitted from that site ends with " (N suppressed)". Repeated failures are thus
 * rate-limited, never silenced. Below the global threshold level nothing is formatted and
 * nothing is counted.
 *
 * Time for the rate limit comes from a host-installed clock (default CLOCK_MONOTONIC), so the
 * simulator can install its virtual clock; installing a clock resets every site's bucket.
 *
 * Threads: HL_LOG may be called from any thread. A site busy in another thread counts the line
 * as suppressed rather than waiting. Sink calls are serialised by a mutex. The set_* functions
 * are meant for start-up (or single-threaded tests); their settings are read with relaxed atomics.
 */
#ifndef HL_LOG_H
#define HL_LOG_H

#include <stdint.h>

enum hl_log_level { HL_LOG_ERR = 0, HL_LOG_WARN, HL_LOG_INFO, HL_LOG_DEBUG };

#define HL_LOG_NLEVELS 4
/** Longest line handed to a sink (including the suppressed suffix); longer lines are cut and
 * end with "...". */
#define HL_LOG_LINE_MAX 512

/** Per-call-site state (one static instance per HL_LOG expansion). Internal. */
struct hl_log_site {
	uint64_t tat; /* GCRA theoretical arrival time, ns */
	uint64_t suppressed; /* lines dropped since the last emitted one (atomic) */
	uint32_t epoch; /* clock epoch the tat refers to */
	uint8_t busy; /* try-lock (atomic test-and-set) */
};

/** Current threshold: lines with level > threshold are dropped unformatted. Internal. */
extern int hl_log_threshold_;

void hl_log_emit_(struct hl_log_site *site, enum hl_log_level level, const char *component,
        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define HL_LOG(level, component, fmt, ...)                                                     \
	do {                                                                                   \
		if ((int)(level) <= __atomic_load_n(&hl_log_threshold_, __ATOMIC_RELAXED)) {   \
			static struct hl_log_site hl_log_site_;                                \
			hl_log_emit_(&hl_log_site_, (level), (component), fmt, ##__VA_ARGS__); \
		}                                                                              \
	} while (0)

/** Sink: receives the component and the formatted line (no trailing newline). */
typedef void (*hl_log_sink_fn)(
        void *arg, enum hl_log_level level, const char *component, const char *line);

/** Install the clock used for rate limiting; NULL restores CLOCK_MONOTONIC. Resets all sites. */
void hl_log_set_clock(uint64_t (*now_ns)(void *arg), void *arg);

/** Threshold: levels above it are dropped unformatted (default HL_LOG_INFO). Out-of-range
 * values are clamped. */
void hl_log_set_level(enum hl_log_level level);
enum hl_log_level hl_log_get_level(void);

/** Install a sink; NULL restores the default (stderr: "LEVEL component: line"). */
void hl_log_set_sink(hl_log_sink_fn sink, void *arg);

/** Per-site rate limit for all sites: refill lines_per_s, up to burst lines back to back.
 * lines_per_s == 0 disables rate limiting. burst 0 is treated as 1. */
void hl_log_set_rate(uint32_t lines_per_s, uint32_t burst);

/** Lines handed to the sink at this level since start (or the last hl_log_reset_counters). */
uint64_t hl_log_emitted(enum hl_log_level level);
/** Lines dropped by rate limits (all sites, all levels). */
uint64_t hl_log_suppressed(void);
/** Zero the counters (tests). */
void hl_log_reset_counters(void);

/** "ERR", "WARN", "INFO", "DEBUG" ("?" for anything else). */
const char *hl_log_level_name(enum hl_log_level level);

#endif
