/* map.c — bounded chained hash map (hl_map.h): bucket heads and a node pool by index; values in
 * one aligned array indexed like the nodes. */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_map.h"

#define NIL UINT32_MAX

struct node {
	uint64_t key;
	uint32_t next; /* chain (used) or free list (free) */
	uint32_t used;
};

struct hl_map {
	uint64_t seed;
	uint32_t capacity;
	uint32_t count;
	uint32_t mask; /* buckets - 1 */
	uint32_t free_head;
	size_t value_size;
	size_t stride;
	uint32_t *buckets;
	struct node *nodes;
	unsigned char *values;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint32_t
bucket_of(const struct hl_map *m, uint64_t key)
{
	return (uint32_t)mix64(key ^ m->seed) & m->mask;
}

/* Sets (value_size 0) still hand out a non-NULL pointer, so that get() doubles as membership. */
static unsigned char set_value;

static void *
value_at(const struct hl_map *m, uint32_t i)
{
	if (m->stride == 0)
		return &set_value;
	return m->values + (size_t)i * m->stride;
}

static void
reset_pool(struct hl_map *m)
{
	for (uint32_t b = 0; b <= m->mask; b++)
		m->buckets[b] = NIL;
	for (uint32_t i = 0; i < m->capacity; i++) {
		m->nodes[i].used = 0;
		m->nodes[i].next = i + 1 < m->capacity ? i + 1 : NIL;
	}
	m->free_head = 0;
	m->count = 0;
}

struct hl_map *
hl_map_create(uint32_t capacity, size_t value_size, uint64_t seed)
{
	if (capacity == 0 || capacity > (UINT32_C(1) << 30) || value_size > (SIZE_MAX >> 32))
		return NULL;
	uint32_t nb = 1;
	while (nb < capacity)
		nb <<= 1;
	size_t align = alignof(max_align_t);
	size_t stride = (value_size + align - 1) / align * align;

	struct hl_map *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->buckets = malloc((size_t)nb * sizeof(*m->buckets));
	m->nodes = malloc((size_t)capacity * sizeof(*m->nodes));
	m->values = stride ? aligned_alloc(align, (size_t)capacity * stride) : NULL;
	if (m->buckets == NULL || m->nodes == NULL || (stride && m->values == NULL)) {
		hl_map_destroy(m);
		return NULL;
	}
	m->seed = seed;
	m->capacity = capacity;
	m->mask = nb - 1;
	m->value_size = value_size;
	m->stride = stride;
	reset_pool(m);
	return m;
}

void
hl_map_destroy(struct hl_map *m)
{
	if (m == NULL)
		return;
	free(m->buckets);
	free(m->nodes);
	free(m->values);
	free(m);
}

static uint32_t
find(const struct hl_map *m, uint64_t key)
{
	for (uint32_t i = m->buckets[bucket_of(m, key)]; i != NIL; i = m->nodes[i].next)
		if (m->nodes[i].key == key)
			return i;
	return NIL;
}

/* Link a new node for key (caller checked absence); NIL when full. Value zeroed. */
static uint32_t
add(struct hl_map *m, uint64_t key)
{
	uint32_t i = m->free_head;
	if (i == NIL)
		return NIL;
	m->free_head = m->nodes[i].next;
	uint32_t b = bucket_of(m, key);
	m->nodes[i].key = key;
	m->nodes[i].used = 1;
	m->nodes[i].next = m->buckets[b];
	m->buckets[b] = i;
	m->count++;
	if (m->value_size)
		memset(value_at(m, i), 0, m->value_size);
	return i;
}

int
hl_map_insert(struct hl_map *m, uint64_t key, const void *value)
{
	if (find(m, key) != NIL)
		return -HL_E_EXISTS;
	uint32_t i = add(m, key);
	if (i == NIL)
		return -HL_E_FULL;
	if (value != NULL && m->value_size)
		memcpy(value_at(m, i), value, m->value_size);
	return 0;
}

int
hl_map_insert_or_get(struct hl_map *m, uint64_t key, void **value, bool *created)
{
	uint32_t i = find(m, key);
	bool fresh = false;
	if (i == NIL) {
		i = add(m, key);
		if (i == NIL) {
			*value = NULL;
			if (created != NULL)
				*created = false;
			return -HL_E_FULL;
		}
		fresh = true;
	}
	*value = value_at(m, i);
	if (created != NULL)
		*created = fresh;
	return 0;
}

void *
hl_map_get(const struct hl_map *m, uint64_t key)
{
	uint32_t i = find(m, key);
	return i == NIL ? NULL : value_at(m, i);
}

int
hl_map_remove(struct hl_map *m, uint64_t key, void *out)
{
	uint32_t *link = &m->buckets[bucket_of(m, key)];
	while (*link != NIL && m->nodes[*link].key != key)
		link = &m->nodes[*link].next;
	uint32_t i = *link;
	if (i == NIL)
		return -HL_E_NOT_FOUND;
	*link = m->nodes[i].next;
	if (out != NULL && m->value_size)
		memcpy(out, value_at(m, i), m->value_size);
	m->nodes[i].used = 0;
	m->nodes[i].next = m->free_head;
	m->free_head = i;
	m->count--;
	return 0;
}

bool
hl_map_next(const struct hl_map *m, uint32_t *pos, uint64_t *key, void **value)
{
	/* Walk the node pool, not the chains: unlinking a node never moves another one. */
	for (uint32_t i = *pos; i < m->capacity; i++) {
		if (!m->nodes[i].used)
			continue;
		*pos = i + 1;
		if (key != NULL)
			*key = m->nodes[i].key;
		if (value != NULL)
			*value = value_at(m, i);
		return true;
	}
	*pos = m->capacity;
	return false;
}

uint32_t
hl_map_count(const struct hl_map *m)
{
	return m->count;
}

uint32_t
hl_map_capacity(const struct hl_map *m)
{
	return m->capacity;
}

size_t
hl_map_value_size(const struct hl_map *m)
{
	return m->value_size;
}

void
hl_map_clear(struct hl_map *m)
{
	reset_pool(m);
}

int
hl_map_put_ptr(struct hl_map *m, uint64_t key, void *ptr)
{
	if (m->value_size != sizeof(void *))
		return -EINVAL;
	return hl_map_insert(m, key, &ptr);
}

void *
hl_map_get_ptr(const struct hl_map *m, uint64_t key)
{
	if (m->value_size != sizeof(void *))
		return NULL;
	void **slot = hl_map_get(m, key);
	return slot == NULL ? NULL : *slot;
}

uint64_t
hl_map_hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = mix64(seed ^ (len * 0x9e3779b97f4a7c15ULL));
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
		p += 8;
		len -= 8;
	}
	uint64_t tail = 0;
	if (len > 0)
		memcpy(&tail, p, len);
	/* The length went into the initial state, so "a" and "a\0" differ. */
	return mix64(h ^ tail ^ ((uint64_t)len << 56));
}
