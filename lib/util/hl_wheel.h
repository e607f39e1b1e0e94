/* hl_wheel.h — hierarchical timing wheel, sans-IO: the caller passes now_ns; no clock, no
 * allocation after create.
 *
 * Time is counted in ticks of tick_ns. A deadline rounds UP to a whole tick, so a timer never
 * fires before its deadline and at most one tick after the first hl_wheel_expire() call that
 * reaches it. 11 levels of 64 slots cover the whole uint64 tick range: far deadlines sit in
 * coarse levels and cascade down as time approaches them, so every deadline is accepted.
 *
 * Bounds: a fixed pool of `capacity` timers given at create. Full behaviour: hl_wheel_add()
 * returns -HL_E_FULL and arms nothing. Handles carry a generation counter: once a timer has
 * fired or been cancelled, its handle is dead and can never cancel the timer that reuses the slot.
 *
 * Single writer: one owner thread calls every function. Costs: add/cancel O(1); expire
 * amortised O(levels) per timer (cascades); next_deadline O(timers in one slot).
 */
#ifndef HL_WHEEL_H
#define HL_WHEEL_H

#include <stdbool.h>
#include <stdint.h>

#define HL_WHEEL_LEVEL_BITS 6
#define HL_WHEEL_SLOTS (1u << HL_WHEEL_LEVEL_BITS)
#define HL_WHEEL_LEVELS 11 /* 11 * 6 >= 64 bits of ticks */

/** Handle of an armed timer; 0 is never a valid handle. */
typedef uint64_t hl_wheel_handle_t;

struct hl_wheel;

/** Create a wheel holding at most `capacity` timers (1 .. 2^31) with the given tick (> 0);
 * time starts at start_ns. Returns NULL on bad arguments or allocation failure. */
struct hl_wheel *hl_wheel_create(uint32_t capacity, uint64_t tick_ns, uint64_t start_ns);
/** Free the wheel (NULL is a no-op). Armed timers are dropped without firing. */
void hl_wheel_destroy(struct hl_wheel *w);

/** Arm a timer that fires at deadline_ns carrying cookie. A deadline in the past fires on the
 * next hl_wheel_expire(). Returns 0 and *out, or -HL_E_FULL when all timers are armed. */
int hl_wheel_add(struct hl_wheel *w, uint64_t deadline_ns, uint64_t cookie, hl_wheel_handle_t *out);

/** Disarm a timer. Returns 0, or -HL_E_NOT_FOUND when the handle is 0, stale (already fired or
 * cancelled, even if its slot has been reused) or not from this wheel. */
int hl_wheel_cancel(struct hl_wheel *w, hl_wheel_handle_t h);

/** Pop one expired timer: returns true and its cookie when a timer with deadline <= now_ns (at
 * tick granularity) is due, false when none is. Timers come out in deadline order (timers in
 * the same tick in any order). Call in a loop until false. now_ns must not go backwards (an
 * earlier value is treated as the latest one seen). */
bool hl_wheel_expire(struct hl_wheel *w, uint64_t now_ns, uint64_t *cookie);

/** Earliest time at which hl_wheel_expire() will return a timer (its deadline rounded up to a
 * tick; a time <= the last now_ns if one is already due), or UINT64_MAX when none is armed. */
uint64_t hl_wheel_next_deadline(const struct hl_wheel *w);

/** Armed timers (including due ones not popped yet). */
uint32_t hl_wheel_count(const struct hl_wheel *w);
uint32_t hl_wheel_capacity(const struct hl_wheel *w);
/** True while h refers to an armed (not yet popped, not cancelled) timer. */
bool hl_wheel_armed(const struct hl_wheel *w, hl_wheel_handle_t h);

#endif
