/* retry.c — bounded retries with exponential backoff and equal jitter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_log.h"
#include "hl_retry.h"

#define MS 1000000ULL

void
hl_retry_cfg_default(struct hl_retry_cfg *cfg)
{
	cfg->base_ns = 500 * MS;
	cfg->cap_ns = 30000 * MS;
	cfg->max_attempts = 3;
	cfg->max_items = 4096;
}

int
hl_retry_init(struct hl_retry *r, const struct hl_retry_cfg *cfg, struct hl_prng *rng)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (cfg->base_ns == 0 || cfg->cap_ns < cfg->base_ns || cfg->max_attempts == 0 ||
	        rng == NULL)
		return -EINVAL;
	r->cfg = *cfg;
	r->rng = rng;
	if ((rc = hl_idmap_init(&r->map, cfg->max_items)) < 0)
		return rc;
	r->it = calloc(cfg->max_items, sizeof(*r->it));
	if (r->it == NULL) {
		hl_idmap_fini(&r->map);
		return -ENOMEM;
	}
	return 0;
}

void
hl_retry_fini(struct hl_retry *r)
{
	hl_idmap_fini(&r->map);
	free(r->it);
	r->it = NULL;
}

/* Backoff before send number attempt+1: t = min(cap, base * 2^(attempt-1)), waited t/2 + U(0, t/2)
 * (equal jitter: spread out, never shorter than half). */
static uint64_t
backoff(struct hl_retry *r, uint32_t attempt)
{
	uint64_t t = r->cfg.base_ns;

	for (uint32_t i = 1; i < attempt && t < r->cfg.cap_ns; i++)
		t *= 2;
	if (t > r->cfg.cap_ns)
		t = r->cfg.cap_ns;
	return t / 2 + hl_prng_below(r->rng, t / 2 + 1);
}

int
hl_retry_track(struct hl_retry *r, uint64_t id, uint64_t tag, uint64_t now_ns)
{
	int64_t s = hl_idmap_insert(&r->map, id);

	if (s < 0)
		return s == -ENOSPC ? -HL_E_FULL : s == -EEXIST ? -HL_E_EXISTS : (int)s;
	r->it[s] = (struct hl_retry_item){id, tag, now_ns + backoff(r, 1), 1};
	return 0;
}

int
hl_retry_done(struct hl_retry *r, uint64_t id)
{
	uint32_t s = hl_idmap_find(&r->map, id);

	if (s == HL_IDMAP_NONE)
		return -ENOENT;
	r->it[s].id = 0;
	return hl_idmap_remove(&r->map, id);
}

size_t
hl_retry_tick(struct hl_retry *r, uint64_t now_ns, struct hl_retry_out *out, size_t cap)
{
	size_t n = 0;

	for (uint32_t s = 0; s < r->cfg.max_items && n < cap; s++) {
		struct hl_retry_item *it = &r->it[s];

		if (it->id == 0 || now_ns < it->due_ns)
			continue;
		if (it->attempt >= r->cfg.max_attempts) {
			r->n_give_up++;
			HL_LOG(HL_LOG_WARN, "retry",
			        "giving up id=%016llx tag=%016llx after %u sends",
			        (unsigned long long)it->id, (unsigned long long)it->tag,
			        it->attempt);
			out[n++] = (struct hl_retry_out){
			        HL_RETRY_GIVE_UP, it->id, it->tag, it->attempt};
			hl_retry_done(r, it->id);
			continue;
		}
		it->attempt++;
		it->due_ns = now_ns + backoff(r, it->attempt);
		out[n++] = (struct hl_retry_out){HL_RETRY_RESEND, it->id, it->tag, it->attempt};
	}
	return n;
}

uint64_t
hl_retry_next_deadline(const struct hl_retry *r)
{
	uint64_t d = UINT64_MAX;

	for (uint32_t s = 0; s < r->cfg.max_items; s++)
		if (r->it[s].id != 0 && r->it[s].due_ns < d)
			d = r->it[s].due_ns;
	return d;
}
