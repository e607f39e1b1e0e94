/* backpressure.c — fill-driven backpressure level with hysteresis. */
#include <errno.h>

#include "hl_backpressure.h"
#include "hl_err.h"

static const uint32_t up_pct[] = {0, 70, 85, 95};

int
hl_bp_init(struct hl_bp *bp, uint32_t cap)
{
	if (cap == 0)
		return -EINVAL;
	*bp = (struct hl_bp){.cap = cap, .hyst_pct = 5};
	return 0;
}

static void
recompute(struct hl_bp *bp)
{
	uint64_t pct100 = (uint64_t)bp->used * 10000 / bp->cap; /* hundredths of a percent */
	enum hl_bp_level l = bp->level;

	while (l < HL_BP_REJECT && pct100 >= up_pct[l + 1] * 100ULL)
		l++;
	while (l > HL_BP_NONE && pct100 < (up_pct[l] - bp->hyst_pct) * 100ULL)
		l--;
	bp->level = l;
}

int
hl_bp_admit(struct hl_bp *bp, uint32_t n)
{
	if (bp->level == HL_BP_REJECT || n > bp->cap - bp->used) {
		bp->n_rejected += n;
		return -HL_E_FULL;
	}
	bp->used += n;
	recompute(bp);
	return 0;
}

void
hl_bp_release(struct hl_bp *bp, uint32_t n)
{
	bp->used = n > bp->used ? 0 : bp->used - n;
	recompute(bp);
}

uint32_t
hl_bp_delay_ms(enum hl_bp_level level)
{
	static const uint32_t d[] = {0, 100, 500, 1000};

	return level <= HL_BP_REJECT ? d[level] : 1000;
}

const char *
hl_bp_level_name(enum hl_bp_level level)
{
	static const char *const n[] = {"NONE", "THROTTLE", "BATCH", "REJECT"};

	return level <= HL_BP_REJECT ? n[level] : "?";
}
