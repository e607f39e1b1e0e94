/* hl_breaker.h — circuit breaker for calls to one peer/gate/endpoint, sans-IO (every call takes
 * now_ns), recording WHY calls failed.
 *
 *   CLOSED    --threshold failures within window-->  OPEN
 *   OPEN      --open_ns elapsed (seen by allow/tick)-->  HALF_OPEN (one probe call allowed)
 *   HALF_OPEN --success-->  CLOSED (failure window cleared)
 *   HALF_OPEN --failure-->  OPEN (timer restarted)
 *
 * Defaults: 3 failures in 30 s open it for 10 s. A probe that never reports back does not wedge
 * the breaker: after another open_ns a new probe is allowed. Failure kinds are counted (per kind
 * and last kind); BUG, and any kind outside the enum, is unexpected and reported with HL_LOG
 * (rate-limited) with the breaker's name. Transitions to OPEN and back are logged too.
 * Fixed size, no allocation. Single writer: the one owner (lcore or control core) makes every
 * call; others get state by message.
 */
#ifndef HL_BREAKER_H
#define HL_BREAKER_H

#include <stdint.h>

enum hl_breaker_state { HL_BREAKER_CLOSED = 0, HL_BREAKER_OPEN, HL_BREAKER_HALF_OPEN };

enum hl_breaker_kind {
	HL_BREAKER_TIMEOUT = 0, /* no answer in time */
	HL_BREAKER_REFUSED, /* connection refused / peer said no */
	HL_BREAKER_PROTOCOL, /* malformed or unexpected reply */
	HL_BREAKER_BUG, /* our own invariant broken: always logged */
	HL_BREAKER_NKINDS
};

#define HL_BREAKER_MAX_THRESHOLD 64
#define HL_BREAKER_NAME_MAX 32

struct hl_breaker_cfg {
	uint32_t threshold; /* failures within window that open it, 1 .. HL_BREAKER_MAX_THRESHOLD */
	uint64_t window_ns; /* sliding window, > 0 */
	uint64_t open_ns; /* time OPEN before a probe is allowed, > 0 */
};

#define HL_BREAKER_DEFAULT_THRESHOLD 3
#define HL_BREAKER_DEFAULT_WINDOW_NS (30ULL * 1000000000ULL)
#define HL_BREAKER_DEFAULT_OPEN_NS (10ULL * 1000000000ULL)

struct hl_breaker {
	struct hl_breaker_cfg cfg;
	enum hl_breaker_state state;
	char name[HL_BREAKER_NAME_MAX];
	/* Times of the last `threshold` failures while CLOSED (ring): the threshold is reached
	 * exactly when the oldest of them is still inside the window. */
	uint64_t fail_ns[HL_BREAKER_MAX_THRESHOLD];
	uint32_t fail_head, fail_count;
	uint64_t opened_ns; /* when it last went OPEN */
	uint64_t probe_ns; /* when the HALF_OPEN probe was granted */
	uint32_t probe_out; /* 1 while a HALF_OPEN probe is outstanding */
	int last_kind; /* enum hl_breaker_kind, -1 before any failure */
	uint64_t kind_count[HL_BREAKER_NKINDS];
	uint64_t successes, failures, rejected, opens;
};

/** Set up a CLOSED breaker. cfg NULL means the defaults; name (may be NULL) is copied,
 * truncated, for logs. Returns 0 or -EINVAL for a config outside the documented ranges. */
int hl_breaker_init(struct hl_breaker *b, const struct hl_breaker_cfg *cfg, const char *name);

/** Ask to make a call. Returns 0 (go ahead; in HALF_OPEN this is the probe) or
 * -HL_E_CIRCUIT_OPEN (counted in rejected). Performs OPEN -> HALF_OPEN when due. */
int hl_breaker_allow(struct hl_breaker *b, uint64_t now_ns);

/** Report that a call succeeded. HALF_OPEN -> CLOSED. */
void hl_breaker_success(struct hl_breaker *b, uint64_t now_ns);

/** Report that a call failed and why. CLOSED -> OPEN at the threshold; HALF_OPEN -> OPEN.
 * Kinds outside the enum are counted as BUG. */
void hl_breaker_failure(struct hl_breaker *b, enum hl_breaker_kind kind, uint64_t now_ns);

/** Apply time-driven transitions (OPEN -> HALF_OPEN) and return the state. */
enum hl_breaker_state hl_breaker_tick(struct hl_breaker *b, uint64_t now_ns);

/** Failures of a kind so far (0 for an out-of-range kind). */
uint64_t hl_breaker_kind_count(const struct hl_breaker *b, enum hl_breaker_kind kind);
/** Kind of the most recent failure, or -1 when none. */
int hl_breaker_last_kind(const struct hl_breaker *b);

const char *hl_breaker_state_name(enum hl_breaker_state s);
const char *hl_breaker_kind_name(enum hl_breaker_kind k);

#endif
