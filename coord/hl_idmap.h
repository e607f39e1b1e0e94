/* hl_idmap.h — bounded open-addressing map from a non-zero 64-bit id (job, node) to a slot index,
 * plus a slot pool with a free list: the one container every per-job/per-peer table of coord/ uses. */
#ifndef HL_IDMAP_H
#define HL_IDMAP_H

#include <stdint.h>
#include <stddef.h>

#define HL_IDMAP_NONE UINT32_MAX

/* Map of at most `max` ids; the probe table has a power of two >= 2*max buckets so that linear
 * probing stays short. Deletion is backward-shift, so there are no tombstones to accumulate. */
struct hl_idmap {
	uint64_t *keys; /* 0 = empty bucket */
	uint32_t *vals; /* slot index of the key */
	uint32_t *free_stk; /* free slot indices */
	uint32_t mask;
	uint32_t max;
	uint32_t count;
	uint32_t nfree;
};

/** Allocate for at most max ids (called at start, never in a hot path). -EINVAL if max is 0 or
 *  above 2^28, -ENOMEM if the allocation fails. */
int hl_idmap_init(struct hl_idmap *m, uint32_t max);
void hl_idmap_fini(struct hl_idmap *m);

/** Slot index of id, or HL_IDMAP_NONE. */
uint32_t hl_idmap_find(const struct hl_idmap *m, uint64_t id);

/** Insert id and take a free slot for it: returns the slot (>= 0), -EINVAL for id 0, -EEXIST if
 *  present (the check and the insert are one step: no check-then-insert window), -ENOSPC if full. */
int64_t hl_idmap_insert(struct hl_idmap *m, uint64_t id);

/** Remove id and free its slot; -ENOENT if absent. */
int hl_idmap_remove(struct hl_idmap *m, uint64_t id);

static inline uint32_t
hl_idmap_count(const struct hl_idmap *m)
{
	return m->count;
}

/** 64-bit mixer (splitmix64 finaliser), also used for rendezvous hashing. */
static inline uint64_t
hl_mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif
