/* wheel.c — hierarchical timing wheel (hl_wheel.h): 11 levels x 64 slots of intrusive,
 * index-linked circular lists over a fixed timer pool, with an occupancy bitmap per level.
 *
 * Invariant (as in Tokio's wheel): a timer sits at the level of the highest 6-bit group in which
 * its tick differs from `elapsed`, in the slot given by its tick's bits at that level. So the
 * lowest non-empty level's next occupied slot holds the earliest timers, and processing a slot
 * moves `elapsed` to the slot's start and re-files its timers one level down (or makes them due).
 */
#include <stdlib.h>

#include "hl_err.h"
#include "hl_wheel.h"

#define NIL UINT32_MAX
#define NLISTS (HL_WHEEL_LEVELS * HL_WHEEL_SLOTS)
#define LIST_READY NLISTS
#define LIST_FREE (NLISTS + 1)
#define SLOT_MASK (HL_WHEEL_SLOTS - 1)

struct timer {
	uint64_t when; /* tick */
	uint64_t cookie;
	uint32_t next, prev;
	uint32_t gen;
	uint16_t list; /* level * 64 + slot, LIST_READY or LIST_FREE */
};

struct hl_wheel {
	uint64_t tick_ns;
	uint64_t elapsed; /* tick up to which the wheel has been processed */
	uint32_t capacity;
	uint32_t count;
	uint32_t free_head;
	uint32_t ready; /* due timers, all with when <= elapsed */
	uint64_t occupied[HL_WHEEL_LEVELS];
	uint32_t heads[NLISTS];
	struct timer t[];
};

static uint32_t *
list_head(struct hl_wheel *w, uint16_t list)
{
	return list == LIST_READY ? &w->ready : &w->heads[list];
}

static void
list_push_tail(struct hl_wheel *w, uint32_t *head, uint32_t i)
{
	struct timer *t = w->t;
	if (*head == NIL) {
		t[i].next = t[i].prev = i;
		*head = i;
		return;
	}
	uint32_t h = *head, tail = t[h].prev;
	t[i].prev = tail;
	t[i].next = h;
	t[tail].next = i;
	t[h].prev = i;
}

static void
list_unlink(struct hl_wheel *w, uint32_t *head, uint32_t i)
{
	struct timer *t = w->t;
	if (t[i].next == i) {
		*head = NIL;
		return;
	}
	t[t[i].prev].next = t[i].next;
	t[t[i].next].prev = t[i].prev;
	if (*head == i)
		*head = t[i].next;
}

static unsigned
level_for(uint64_t elapsed, uint64_t when)
{
	uint64_t masked = (elapsed ^ when) | SLOT_MASK;
	unsigned significant = 63u - (unsigned)__builtin_clzll(masked);
	return significant / HL_WHEEL_LEVEL_BITS;
}

static void
file_timer(struct hl_wheel *w, uint32_t i)
{
	unsigned level = level_for(w->elapsed, w->t[i].when);
	unsigned slot = (unsigned)(w->t[i].when >> (level * HL_WHEEL_LEVEL_BITS)) & SLOT_MASK;
	uint16_t list = (uint16_t)(level * HL_WHEEL_SLOTS + slot);
	w->t[i].list = list;
	list_push_tail(w, &w->heads[list], i);
	w->occupied[level] |= UINT64_C(1) << slot;
}

struct hl_wheel *
hl_wheel_create(uint32_t capacity, uint64_t tick_ns, uint64_t start_ns)
{
	if (capacity == 0 || capacity > (UINT32_C(1) << 31) || tick_ns == 0)
		return NULL;
	struct hl_wheel *w = malloc(sizeof(*w) + (size_t)capacity * sizeof(struct timer));
	if (w == NULL)
		return NULL;
	w->tick_ns = tick_ns;
	w->elapsed = start_ns / tick_ns;
	w->capacity = capacity;
	w->count = 0;
	w->ready = NIL;
	for (unsigned l = 0; l < HL_WHEEL_LEVELS; l++)
		w->occupied[l] = 0;
	for (unsigned i = 0; i < NLISTS; i++)
		w->heads[i] = NIL;
	for (uint32_t i = 0; i < capacity; i++) {
		w->t[i].next = i + 1 < capacity ? i + 1 : NIL;
		w->t[i].gen = 1;
		w->t[i].list = LIST_FREE;
	}
	w->free_head = 0;
	return w;
}

void
hl_wheel_destroy(struct hl_wheel *w)
{
	free(w);
}

static uint64_t
deadline_to_tick(const struct hl_wheel *w, uint64_t ns)
{
	/* Round up: never fire early. The last representable tick is reachable by now_ns ==
	 * UINT64_MAX, so clamp to it rather than leave a timer that can never fire. */
	uint64_t t = ns / w->tick_ns;
	if (ns % w->tick_ns != 0 && t < UINT64_MAX / w->tick_ns)
		t++;
	return t;
}

static uint64_t
tick_to_ns(const struct hl_wheel *w, uint64_t tick)
{
	uint64_t ns;
	if (__builtin_mul_overflow(tick, w->tick_ns, &ns))
		return UINT64_MAX;
	return ns;
}

int
hl_wheel_add(struct hl_wheel *w, uint64_t deadline_ns, uint64_t cookie, hl_wheel_handle_t *out)
{
	uint32_t i = w->free_head;
	if (i == NIL)
		return -HL_E_FULL;
	w->free_head = w->t[i].next;
	uint64_t when = deadline_to_tick(w, deadline_ns);
	w->t[i].when = when < w->elapsed ? w->elapsed : when;
	w->t[i].cookie = cookie;
	file_timer(w, i);
	w->count++;
	*out = ((uint64_t)w->t[i].gen << 32) | (uint64_t)(i + 1);
	return 0;
}

static void
free_timer(struct hl_wheel *w, uint32_t i)
{
	w->t[i].gen++;
	w->t[i].list = LIST_FREE;
	w->t[i].next = w->free_head;
	w->free_head = i;
	w->count--;
}

/* Index of the armed timer a handle designates, or NIL. */
static uint32_t
handle_index(const struct hl_wheel *w, hl_wheel_handle_t h)
{
	uint64_t lo = h & UINT32_MAX;
	if (lo == 0 || lo > w->capacity)
		return NIL;
	uint32_t i = (uint32_t)(lo - 1);
	if (w->t[i].list == LIST_FREE || w->t[i].gen != (uint32_t)(h >> 32))
		return NIL;
	return i;
}

bool
hl_wheel_armed(const struct hl_wheel *w, hl_wheel_handle_t h)
{
	return handle_index(w, h) != NIL;
}

int
hl_wheel_cancel(struct hl_wheel *w, hl_wheel_handle_t h)
{
	uint32_t i = handle_index(w, h);
	if (i == NIL)
		return -HL_E_NOT_FOUND;
	uint16_t list = w->t[i].list;
	list_unlink(w, list_head(w, list), i);
	if (list != LIST_READY && w->heads[list] == NIL) {
		unsigned level = list / HL_WHEEL_SLOTS, slot = list % HL_WHEEL_SLOTS;
		w->occupied[level] &= ~(UINT64_C(1) << slot);
	}
	free_timer(w, i);
	return 0;
}

/* Next slot to process: the lowest non-empty level's first occupied slot at or after elapsed's
 * position; *start is that slot's first tick. Returns false when the wheel is empty. */
static bool
next_slot(const struct hl_wheel *w, unsigned *level_out, unsigned *slot_out, uint64_t *start)
{
	for (unsigned level = 0; level < HL_WHEEL_LEVELS; level++) {
		uint64_t occ = w->occupied[level];
		if (occ == 0)
			continue;
		unsigned shift = level * HL_WHEEL_LEVEL_BITS;
		unsigned now_slot = (unsigned)(w->elapsed >> shift) & SLOT_MASK;
		uint64_t rot = now_slot ? (occ >> now_slot) | (occ << (64 - now_slot)) : occ;
		unsigned slot = ((unsigned)__builtin_ctzll(rot) + now_slot) & SLOT_MASK;
		unsigned top = shift + HL_WHEEL_LEVEL_BITS;
		uint64_t level_start = top >= 64 ? 0 : w->elapsed & ~((UINT64_C(1) << top) - 1);
		*level_out = level;
		*slot_out = slot;
		/* The invariant keeps slot >= now_slot; were it not, processing at elapsed
		 * re-files the timers correctly. */
		*start = slot >= now_slot ? level_start + ((uint64_t)slot << shift) : w->elapsed;
		return true;
	}
	return false;
}

static void
process_slot(struct hl_wheel *w, unsigned level, unsigned slot, uint64_t start)
{
	uint16_t list = (uint16_t)(level * HL_WHEEL_SLOTS + slot);
	uint32_t head = w->heads[list];
	w->heads[list] = NIL;
	w->occupied[level] &= ~(UINT64_C(1) << slot);
	if (start > w->elapsed)
		w->elapsed = start;
	if (head == NIL)
		return;
	/* Detach the whole circular list first: re-filing may touch other lists. */
	uint32_t i = head;
	w->t[w->t[head].prev].next = NIL;
	while (i != NIL) {
		uint32_t next = w->t[i].next;
		if (w->t[i].when <= w->elapsed) {
			w->t[i].list = LIST_READY;
			list_push_tail(w, &w->ready, i);
		} else {
			file_timer(w, i);
		}
		i = next;
	}
}

bool
hl_wheel_expire(struct hl_wheel *w, uint64_t now_ns, uint64_t *cookie)
{
	uint64_t now = now_ns / w->tick_ns;
	for (;;) {
		if (w->ready != NIL) {
			uint32_t i = w->ready;
			list_unlink(w, &w->ready, i);
			*cookie = w->t[i].cookie;
			free_timer(w, i);
			return true;
		}
		unsigned level, slot;
		uint64_t start;
		if (!next_slot(w, &level, &slot, &start) || start > now) {
			/* Nothing due up to now: every timer lies beyond now, so elapsed may
			 * advance without breaking the filing invariant. */
			if (now > w->elapsed)
				w->elapsed = now;
			return false;
		}
		process_slot(w, level, slot, start);
	}
}

uint64_t
hl_wheel_next_deadline(const struct hl_wheel *w)
{
	if (w->ready != NIL)
		return tick_to_ns(w, w->elapsed);
	unsigned level, slot;
	uint64_t start;
	if (!next_slot(w, &level, &slot, &start))
		return UINT64_MAX;
	uint32_t head = w->heads[level * HL_WHEEL_SLOTS + slot];
	uint64_t min = UINT64_MAX;
	uint32_t i = head;
	do {
		if (w->t[i].when < min)
			min = w->t[i].when;
		i = w->t[i].next;
	} while (i != head);
	return tick_to_ns(w, min);
}

uint32_t
hl_wheel_count(const struct hl_wheel *w)
{
	return w->count;
}

uint32_t
hl_wheel_capacity(const struct hl_wheel *w)
{
	return w->capacity;
}
