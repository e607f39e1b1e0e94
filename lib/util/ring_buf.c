/* ring_buf.c — bounded FIFO (hl_ring_buf.h): one array, head index and count. */
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_ring_buf.h"

struct hl_ring_buf {
	uint32_t capacity;
	uint32_t head; /* index of the oldest element */
	uint32_t count;
	enum hl_ring_buf_mode mode;
	size_t elem_size;
	uint64_t evicted;
	uint64_t rejected;
	unsigned char *data;
};

struct hl_ring_buf *
hl_ring_buf_create(uint32_t capacity, size_t elem_size, enum hl_ring_buf_mode mode)
{
	if (capacity == 0 || capacity > (UINT32_C(1) << 31) || elem_size == 0 ||
	        elem_size > (SIZE_MAX >> 32) ||
	        (mode != HL_RING_BUF_REJECT && mode != HL_RING_BUF_EVICT))
		return NULL;
	struct hl_ring_buf *rb = calloc(1, sizeof(*rb));
	if (rb == NULL)
		return NULL;
	rb->data = malloc((size_t)capacity * elem_size);
	if (rb->data == NULL) {
		free(rb);
		return NULL;
	}
	rb->capacity = capacity;
	rb->mode = mode;
	rb->elem_size = elem_size;
	return rb;
}

void
hl_ring_buf_destroy(struct hl_ring_buf *rb)
{
	if (rb == NULL)
		return;
	free(rb->data);
	free(rb);
}

static unsigned char *
slot(const struct hl_ring_buf *rb, uint32_t i)
{
	uint64_t idx = (uint64_t)rb->head + i;
	if (idx >= rb->capacity)
		idx -= rb->capacity;
	return rb->data + (size_t)idx * rb->elem_size;
}

int
hl_ring_buf_push(struct hl_ring_buf *rb, const void *elem, void *evicted)
{
	if (rb->count == rb->capacity) {
		if (rb->mode == HL_RING_BUF_REJECT) {
			rb->rejected++;
			return -HL_E_FULL;
		}
		/* Evict: the oldest slot becomes the newest. */
		unsigned char *old = slot(rb, 0);
		if (evicted != NULL)
			memcpy(evicted, old, rb->elem_size);
		memcpy(old, elem, rb->elem_size);
		rb->head = rb->head + 1 == rb->capacity ? 0 : rb->head + 1;
		rb->evicted++;
		return 0;
	}
	memcpy(slot(rb, rb->count), elem, rb->elem_size);
	rb->count++;
	return 0;
}

int
hl_ring_buf_pop(struct hl_ring_buf *rb, void *out)
{
	if (rb->count == 0)
		return -HL_E_NOT_FOUND;
	if (out != NULL)
		memcpy(out, slot(rb, 0), rb->elem_size);
	rb->head = rb->head + 1 == rb->capacity ? 0 : rb->head + 1;
	rb->count--;
	return 0;
}

void *
hl_ring_buf_at(const struct hl_ring_buf *rb, uint32_t i)
{
	if (i >= rb->count)
		return NULL;
	return slot(rb, i);
}

uint32_t
hl_ring_buf_count(const struct hl_ring_buf *rb)
{
	return rb->count;
}

uint32_t
hl_ring_buf_capacity(const struct hl_ring_buf *rb)
{
	return rb->capacity;
}

uint64_t
hl_ring_buf_evicted(const struct hl_ring_buf *rb)
{
	return rb->evicted;
}

uint64_t
hl_ring_buf_rejected(const struct hl_ring_buf *rb)
{
	return rb->rejected;
}

void
hl_ring_buf_clear(struct hl_ring_buf *rb)
{
	rb->head = 0;
	rb->count = 0;
}
