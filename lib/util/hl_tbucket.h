/* hl_tbucket.h — token bucket, sans-IO (the caller passes now_ns): admission control for
 * clients, peers and log sites. A refused take says when to retry.
 *
 * Tokens are kept in nano-tokens (1e-9 token), so any rate from 1 per second to billions per
 * second refills without drift. The bucket starts full. Single writer.
 */
#ifndef HL_TBUCKET_H
#define HL_TBUCKET_H

#include <stdint.h>

struct hl_tbucket {
	uint64_t rate; /* tokens per second */
	uint64_t burst; /* capacity, tokens */
	uint64_t nanotok; /* current tokens * 1e9, <= burst * 1e9 */
	uint64_t last_ns; /* time of the last refill */
	uint64_t taken; /* tokens granted (counter) */
	uint64_t refused; /* takes refused (counter) */
};

/** Largest burst accepted (keeps burst * 1e9 in 64 bits). */
#define HL_TBUCKET_MAX_BURST (UINT64_MAX / 1000000000ULL)

/** Full bucket of `burst` tokens refilled at rate_per_s (0: never refills — a fixed budget).
 * Returns 0, or -EINVAL when burst is 0 or above HL_TBUCKET_MAX_BURST. */
int hl_tbucket_init(struct hl_tbucket *tb, uint64_t rate_per_s, uint64_t burst, uint64_t now_ns);

/** Change rate and burst, keeping the current tokens (capped at the new burst).
 * Returns 0 or -EINVAL as hl_tbucket_init. */
int hl_tbucket_set(struct hl_tbucket *tb, uint64_t rate_per_s, uint64_t burst, uint64_t now_ns);

/** Take n tokens. Returns 0; or -HL_E_RATE_LIMITED, taking nothing, with *retry_after_ns (if
 * not NULL) set to the wait until n tokens will be there (UINT64_MAX if rate is 0); or -EINVAL
 * when n > burst (can never succeed; *retry_after_ns = UINT64_MAX). n == 0 always succeeds.
 * A now_ns earlier than a previous one refills nothing. */
int hl_tbucket_take(struct hl_tbucket *tb, uint64_t n, uint64_t now_ns, uint64_t *retry_after_ns);

/** Whole tokens available at now_ns (refills first). */
uint64_t hl_tbucket_available(struct hl_tbucket *tb, uint64_t now_ns);

#endif
