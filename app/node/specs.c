/* specs.c — the job profile store (specs.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "specs.h"

int
hl_specs_init(struct hl_specs *s, uint32_t max, uint32_t max_len, uint64_t ttl_ns)
{
	int rc;
	memset(s, 0, sizeof(*s));
	if (max == 0 || max_len == 0)
		return -EINVAL;
	if ((rc = hl_idmap_init(&s->map, max)) < 0)
		return rc;
	if ((s->e = calloc(max, sizeof(*s->e))) == NULL) {
		hl_idmap_fini(&s->map);
		return -ENOMEM;
	}
	s->max = max;
	s->max_len = max_len;
	s->ttl_ns = ttl_ns;
	return 0;
}

static void
forget(struct hl_specs *s, uint32_t slot)
{
	struct hl_spec_ent *e = &s->e[slot];
	s->bytes -= e->len;
	hl_idmap_remove(&s->map, e->job);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

void
hl_specs_fini(struct hl_specs *s)
{
	if (s->e != NULL)
		for (uint32_t i = 0; i < s->max; i++)
			free(s->e[i].text);
	free(s->e);
	hl_idmap_fini(&s->map);
	memset(s, 0, sizeof(*s));
}

int
hl_specs_put(struct hl_specs *s, uint64_t job, const void *text, size_t len, uint64_t now_ns)
{
	if (job == 0 || len == 0)
		return -EINVAL;
	if (len > s->max_len) {
		s->n_too_big++;
		return -EMSGSIZE;
	}
	uint32_t slot = hl_idmap_find(&s->map, job);
	if (slot != HL_IDMAP_NONE) {
		struct hl_spec_ent *e = &s->e[slot];
		e->used_ns = now_ns;
		if (e->len == len && memcmp(e->text, text, len) == 0) {
			s->n_same++;
			return 0;
		}
		s->n_conflict++;
		return -EEXIST;
	}
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return -ENOMEM;
	if (hl_idmap_count(&s->map) == s->max) {
		uint32_t lru = 0;
		for (uint32_t i = 1; i < s->max; i++)
			if (s->e[i].used_ns < s->e[lru].used_ns)
				lru = i;
		forget(s, lru);
		s->n_evicted++;
	}
	int64_t r = hl_idmap_insert(&s->map, job);
	if (r < 0) {
		free(copy);
		return (int)r;
	}
	memcpy(copy, text, len);
	s->e[r] = (struct hl_spec_ent){job, copy, (uint32_t)len, now_ns};
	s->bytes += len;
	s->n_put++;
	return 0;
}

const uint8_t *
hl_specs_get(struct hl_specs *s, uint64_t job, size_t *len, uint64_t now_ns)
{
	uint32_t slot = hl_idmap_find(&s->map, job);
	if (slot == HL_IDMAP_NONE)
		return NULL;
	s->e[slot].used_ns = now_ns;
	*len = s->e[slot].len;
	return s->e[slot].text;
}

int
hl_specs_drop(struct hl_specs *s, uint64_t job)
{
	uint32_t slot = hl_idmap_find(&s->map, job);
	if (slot == HL_IDMAP_NONE)
		return -ENOENT;
	forget(s, slot);
	s->n_dropped++;
	return 0;
}

uint32_t
hl_specs_expire(struct hl_specs *s, uint64_t now_ns)
{
	uint32_t n = 0;
	/* A text used after now_ns (a get between the caller's clock read and this call) is
	 * fresh: without the first test, now_ns - used_ns would wrap and expire it. */
	for (uint32_t i = 0; i < s->max; i++)
		if (s->e[i].text != NULL && now_ns > s->e[i].used_ns &&
		        now_ns - s->e[i].used_ns > s->ttl_ns) {
			forget(s, i);
			n++;
		}
	s->n_expired += n;
	return n;
}

uint32_t
hl_specs_sweep(struct hl_specs *s, bool (*needed)(uint64_t job, void *ctx), void *ctx,
        uint64_t now_ns, uint64_t grace_ns)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->max; i++)
		if (s->e[i].text != NULL && now_ns > s->e[i].used_ns &&
		        now_ns - s->e[i].used_ns > grace_ns && !needed(s->e[i].job, ctx)) {
			forget(s, i);
			n++;
		}
	s->n_swept += n;
	return n;
}
