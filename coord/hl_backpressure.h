/* hl_backpressure.h — backpressure level of a bounded stats buffer: NONE / THROTTLE / BATCH /
 * REJECT at 70 / 85 / 95 % fill, escalation at once, recovery with a hysteresis margin. The level
 * follows the fill both ways (the consumer drains it whatever the level), so REJECT always
 * recovers — unlike the reference, whose buffer stopped draining at REJECT (digest §5.4). */
#ifndef HL_BACKPRESSURE_H
#define HL_BACKPRESSURE_H

#include <stdint.h>

#include "hl_msg_table.h" /* enum hl_wire_backpressure: HL_BP_NONE..HL_BP_REJECT, as on the wire */

#define hl_bp_level hl_wire_backpressure

struct hl_bp {
	uint32_t cap, used;
	uint32_t hyst_pct; /* recovery margin below each threshold; default 5 */
	enum hl_bp_level level;
	uint64_t n_rejected;
};

/** -EINVAL for cap 0. */
int hl_bp_init(struct hl_bp *bp, uint32_t cap);

/** Admit n items: 0, or -HL_E_FULL at REJECT or when n does not fit (counted; the sender is told
 *  the level and delay, never silently dropped). */
int hl_bp_admit(struct hl_bp *bp, uint32_t n);

/** The consumer took n items out. */
void hl_bp_release(struct hl_bp *bp, uint32_t n);

/** Delay a sender should add to its flush interval at this level (ms): 0/100/500/1000. */
uint32_t hl_bp_delay_ms(enum hl_bp_level level);

const char *hl_bp_level_name(enum hl_bp_level level);

#endif
