/* hl_ring_buf.h — bounded FIFO of fixed-size elements (sample lists, event histories, queues)
 * for one owner thread. Between lcores use rte_ring instead.
 *
 * Bounds: capacity elements, fixed at create. Full behaviour is chosen explicitly:
 *   HL_RING_BUF_REJECT  push fails with -HL_E_FULL and counts the rejection (queues).
 *   HL_RING_BUF_EVICT   push overwrites the oldest element and counts the eviction (windows of
 *                       recent samples, where losing the oldest is the documented intent).
 * Nothing is ever dropped without a counter moving.
 */
#ifndef HL_RING_BUF_H
#define HL_RING_BUF_H

#include <stddef.h>
#include <stdint.h>

enum hl_ring_buf_mode { HL_RING_BUF_REJECT = 0, HL_RING_BUF_EVICT = 1 };

struct hl_ring_buf;

/** Create a ring of capacity (1 .. 2^31) elements of elem_size (>= 1) bytes. NULL on bad
 * arguments or allocation failure. */
struct hl_ring_buf *
hl_ring_buf_create(uint32_t capacity, size_t elem_size, enum hl_ring_buf_mode mode);
void hl_ring_buf_destroy(struct hl_ring_buf *rb);

/** Append a copy of elem. Returns 0; when full: -HL_E_FULL in REJECT mode (ring unchanged), or
 * in EVICT mode drops the oldest element (copied to evicted when not NULL) and returns 0. */
int hl_ring_buf_push(struct hl_ring_buf *rb, const void *elem, void *evicted);

/** Remove the oldest element into out (may be NULL). Returns 0 or -HL_E_NOT_FOUND when empty. */
int hl_ring_buf_pop(struct hl_ring_buf *rb, void *out);

/** Pointer to the i-th oldest element (0 = oldest), or NULL when i >= count. Valid until the
 * next push/pop/clear. */
void *hl_ring_buf_at(const struct hl_ring_buf *rb, uint32_t i);

uint32_t hl_ring_buf_count(const struct hl_ring_buf *rb);
uint32_t hl_ring_buf_capacity(const struct hl_ring_buf *rb);
/** Elements overwritten in EVICT mode since create. */
uint64_t hl_ring_buf_evicted(const struct hl_ring_buf *rb);
/** Pushes refused in REJECT mode since create. */
uint64_t hl_ring_buf_rejected(const struct hl_ring_buf *rb);
/** Drop every element (not counted as evictions: the owner asked for it). */
void hl_ring_buf_clear(struct hl_ring_buf *rb);

#endif
