/* hl_snap.h — single-writer seqlock used to publish window snapshots from a traffic lcore
 * without stopping it.
 *
 * Memory ordering: the writer (the lcore owning the live counters) makes seq odd with a relaxed
 * store followed by a release fence, so no snapshot store can be seen before the odd value; it
 * copies its counters with plain stores, then publishes the even value with a release store, so
 * every snapshot store is visible before the even value. A reader loads seq with acquire (retry
 * while odd), copies, issues an acquire fence, and re-loads seq: if it changed, the copy may be
 * torn and is retried. There is exactly one writer per lock, so no CAS is needed. Writers
 * publish once per window (50 ms by default), so readers almost never retry. */
#ifndef HL_SNAP_H
#define HL_SNAP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_pause.h>

struct hl_seqlock {
	uint32_t seq;
};

static inline void
hl_seq_write_begin(struct hl_seqlock *l)
{
	__atomic_store_n(&l->seq, l->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
hl_seq_write_end(struct hl_seqlock *l)
{
	__atomic_store_n(&l->seq, l->seq + 1, __ATOMIC_RELEASE);
}

static inline uint32_t
hl_seq_read_begin(const struct hl_seqlock *l)
{
	uint32_t s;
	while ((s = __atomic_load_n(&l->seq, __ATOMIC_ACQUIRE)) & 1)
		rte_pause();
	return s;
}

/** True when the copy made since hl_seq_read_begin() returned s must be retried. */
static inline bool
hl_seq_read_retry(const struct hl_seqlock *l, uint32_t s)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&l->seq, __ATOMIC_RELAXED) != s;
}

#endif
