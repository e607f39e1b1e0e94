/* idmap.c — bounded id -> slot map with backward-shift deletion and a slot free list. */
#include <errno.h>
#include <stdlib.h>

#include "hl_mem.h"
#include "hl_idmap.h"

int
hl_idmap_init(struct hl_idmap *m, uint32_t max)
{
	uint32_t nb = 2;

	if (max == 0 || max > (1u << 28))
		return -EINVAL;
	while (nb < 2 * max)
		nb <<= 1;
	m->keys = hl_calloc_touched(nb, sizeof(*m->keys));
	m->vals = hl_calloc_touched(nb, sizeof(*m->vals));
	m->free_stk = calloc(max, sizeof(*m->free_stk));
	if (m->keys == NULL || m->vals == NULL || m->free_stk == NULL) {
		hl_idmap_fini(m);
		return -ENOMEM;
	}
	m->mask = nb - 1;
	m->max = max;
	m->count = 0;
	/* Hand out low slots first: keeps iteration over [0, max) dense in tests. */
	for (uint32_t i = 0; i < max; i++)
		m->free_stk[i] = max - 1 - i;
	m->nfree = max;
	return 0;
}

void
hl_idmap_fini(struct hl_idmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->free_stk);
	m->keys = NULL;
	m->vals = NULL;
	m->free_stk = NULL;
	m->count = m->max = m->nfree = 0;
}

static uint32_t
bucket_of(const struct hl_idmap *m, uint64_t id)
{
	return (uint32_t)hl_mix64(id) & m->mask;
}

uint32_t
hl_idmap_find(const struct hl_idmap *m, uint64_t id)
{
	if (id == 0 || m->keys == NULL)
		return HL_IDMAP_NONE;
	for (uint32_t b = bucket_of(m, id);; b = (b + 1) & m->mask) {
		if (m->keys[b] == id)
			return m->vals[b];
		if (m->keys[b] == 0)
			return HL_IDMAP_NONE;
	}
}

int64_t
hl_idmap_insert(struct hl_idmap *m, uint64_t id)
{
	uint32_t b;

	if (id == 0)
		return -EINVAL;
	for (b = bucket_of(m, id); m->keys[b] != 0; b = (b + 1) & m->mask)
		if (m->keys[b] == id)
			return -EEXIST;
	if (m->nfree == 0)
		return -ENOSPC;
	m->keys[b] = id;
	m->vals[b] = m->free_stk[--m->nfree];
	m->count++;
	return m->vals[b];
}

int
hl_idmap_remove(struct hl_idmap *m, uint64_t id)
{
	uint32_t b, j;

	if (id == 0)
		return -ENOENT;
	for (b = bucket_of(m, id);; b = (b + 1) & m->mask) {
		if (m->keys[b] == 0)
			return -ENOENT;
		if (m->keys[b] == id)
			break;
	}
	m->free_stk[m->nfree++] = m->vals[b];
	m->count--;
	/* Backward-shift: pull later members of the probe run into the hole. */
	j = b;
	for (;;) {
		j = (j + 1) & m->mask;
		if (m->keys[j] == 0)
			break;
		uint32_t home = bucket_of(m, m->keys[j]);
		/* Move j into the hole at b unless its home lies cyclically in (b, j]. */
		int in_range = (b <= j) ? (home > b && home <= j) : (home > b || home <= j);
		if (!in_range) {
			m->keys[b] = m->keys[j];
			m->vals[b] = m->vals[j];
			b = j;
		}
	}
	m->keys[b] = 0;
	return 0;
}
