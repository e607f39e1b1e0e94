/* tbucket.c — token bucket in nano-tokens (hl_tbucket.h). */
#include <errno.h>
#include <stddef.h>

#include "hl_err.h"
#include "hl_tbucket.h"

#define NANO 1000000000ULL

static void
refill(struct hl_tbucket *tb, uint64_t now_ns)
{
	if (now_ns <= tb->last_ns)
		return; /* time stood still or went back: nothing to add */
	uint64_t cap = tb->burst * NANO;
	/* elapsed ns * tokens/s = nano-tokens; 128-bit so long idle periods cannot wrap. */
	unsigned __int128 add = (unsigned __int128)(now_ns - tb->last_ns) * tb->rate;
	unsigned __int128 sum = add + tb->nanotok;
	tb->nanotok = sum > cap ? cap : (uint64_t)sum;
	tb->last_ns = now_ns;
}

static int
check_args(uint64_t burst)
{
	return (burst == 0 || burst > HL_TBUCKET_MAX_BURST) ? -EINVAL : 0;
}

int
hl_tbucket_init(struct hl_tbucket *tb, uint64_t rate_per_s, uint64_t burst, uint64_t now_ns)
{
	int rc = check_args(burst);
	if (rc < 0)
		return rc;
	tb->rate = rate_per_s;
	tb->burst = burst;
	tb->nanotok = burst * NANO;
	tb->last_ns = now_ns;
	tb->taken = 0;
	tb->refused = 0;
	return 0;
}

int
hl_tbucket_set(struct hl_tbucket *tb, uint64_t rate_per_s, uint64_t burst, uint64_t now_ns)
{
	int rc = check_args(burst);
	if (rc < 0)
		return rc;
	refill(tb, now_ns); /* tokens earned so far at the old rate */
	tb->rate = rate_per_s;
	tb->burst = burst;
	if (tb->nanotok > burst * NANO)
		tb->nanotok = burst * NANO;
	return 0;
}

int
hl_tbucket_take(struct hl_tbucket *tb, uint64_t n, uint64_t now_ns, uint64_t *retry_after_ns)
{
	if (n > tb->burst) {
		tb->refused++;
		if (retry_after_ns != NULL)
			*retry_after_ns = UINT64_MAX;
		return -EINVAL;
	}
	refill(tb, now_ns);
	uint64_t need = n * NANO;
	if (tb->nanotok >= need) {
		tb->nanotok -= need;
		tb->taken += n;
		if (retry_after_ns != NULL)
			*retry_after_ns = 0;
		return 0;
	}
	tb->refused++;
	if (retry_after_ns != NULL) {
		uint64_t deficit = need - tb->nanotok;
		/* ceil(deficit / rate) ns: waiting that long is always enough. */
		*retry_after_ns =
		        tb->rate == 0 ? UINT64_MAX : deficit / tb->rate + (deficit % tb->rate != 0);
	}
	return -HL_E_RATE_LIMITED;
}

uint64_t
hl_tbucket_available(struct hl_tbucket *tb, uint64_t now_ns)
{
	refill(tb, now_ns);
	return tb->nanotok / NANO;
}
