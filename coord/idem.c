/* idem.c — idempotent submission table with parked duplicates and TTL sweep. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_idem.h"
#include "hl_log.h"

#define SEC 1000000000ULL

void
hl_idem_cfg_default(struct hl_idem_cfg *cfg)
{
	cfg->pending_ttl_ns = 60 * SEC;
	cfg->committed_ttl_ns = 300 * SEC;
	cfg->rejected_ttl_ns = 60 * SEC;
	cfg->wait_max_ns = 30 * SEC;
	cfg->max_entries = 100000;
	cfg->max_waiters = 4096;
}

int
hl_idem_init(struct hl_idem *t, const struct hl_idem_cfg *cfg)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if (cfg->max_entries == 0 || cfg->max_waiters == 0 || cfg->pending_ttl_ns == 0)
		return -EINVAL;
	t->cfg = *cfg;
	rc = hl_idmap_init(&t->map, cfg->max_entries);
	if (rc < 0)
		return rc;
	t->e = calloc(cfg->max_entries, sizeof(*t->e));
	t->w = calloc(cfg->max_waiters, sizeof(*t->w));
	t->w_free = calloc(cfg->max_waiters, sizeof(*t->w_free));
	t->ev = calloc(cfg->max_waiters, sizeof(*t->ev));
	if (t->e == NULL || t->w == NULL || t->w_free == NULL || t->ev == NULL) {
		hl_idem_fini(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cfg->max_waiters; i++) {
		t->w_free[i] = cfg->max_waiters - 1 - i;
		t->w[i].entry = HL_IDMAP_NONE;
	}
	t->nw_free = cfg->max_waiters;
	return 0;
}

void
hl_idem_fini(struct hl_idem *t)
{
	hl_idmap_fini(&t->map);
	free(t->e);
	free(t->w);
	free(t->w_free);
	free(t->ev);
	t->e = NULL;
	t->w = NULL;
	t->w_free = NULL;
	t->ev = NULL;
}

static uint64_t
key_hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, then mixed */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h = hl_mix64(h);
	return h ? h : 1;
}

static struct hl_idem_entry *
lookup(const struct hl_idem *t, const void *key, size_t len, uint64_t *hash)
{
	uint32_t s;

	*hash = key_hash(key, len);
	s = hl_idmap_find(&t->map, *hash);
	return s == HL_IDMAP_NONE ? NULL : &t->e[s];
}

static bool
same_key(const struct hl_idem_entry *e, const void *key, size_t len)
{
	return e->key_len == len && memcmp(e->key, key, len) == 0;
}

static void
queue_answer(
        struct hl_idem *t, uint32_t wi, enum hl_idem_ev_kind kind, const struct hl_idem_entry *e)
{
	struct hl_idem_waiter *w = &t->w[wi];

	w->answer =
	        (struct hl_idem_event){kind, w->id, e->job, kind == HL_IDEM_EV_RETRY ? 0 : e->code};
	w->entry = HL_IDMAP_NONE;
	w->next = HL_IDMAP_NONE;
	t->ev[(t->ev_head + t->ev_len++) % t->cfg.max_waiters] = wi;
}

/* Answer every waiter of entry e with an event, freeing the waiter slots into the event ring. */
static void
answer_waiters(struct hl_idem *t, struct hl_idem_entry *e, enum hl_idem_ev_kind kind)
{
	uint32_t wi = e->waiters;

	while (wi != HL_IDMAP_NONE) {
		struct hl_idem_waiter *w = &t->w[wi];
		uint32_t next = w->next;

		queue_answer(t, wi, kind, e);
		wi = next;
	}
	e->waiters = HL_IDMAP_NONE;
}

int
hl_idem_begin(struct hl_idem *t, const void *key, size_t len, uint64_t job, uint64_t waiter,
        uint64_t now_ns, struct hl_idem_result *r)
{
	struct hl_idem_entry *e;
	uint64_t h;
	int64_t s;

	if (len == 0 || len > HL_IDEM_KEY_MAX || job == 0)
		return -EINVAL;
	e = lookup(t, key, len, &h);
	if (e != NULL && !same_key(e, key, len)) {
		t->n_collisions++;
		HL_LOG(HL_LOG_WARN, "idem", "key hash collision job=%016llx: submission refused",
		        (unsigned long long)job);
		return -EBUSY;
	}
	if (e == NULL) {
		s = hl_idmap_insert(&t->map, h);
		if (s < 0) {
			t->n_full++;
			HL_LOG(HL_LOG_WARN, "idem",
			        "table full entries=%u job=%016llx: submission refused",
			        hl_idmap_count(&t->map), (unsigned long long)job);
			return s == -ENOSPC ? -HL_E_FULL : (int)s;
		}
		e = &t->e[s];
		memcpy(e->key, key, len);
		e->key_len = (uint8_t)len;
		e->state = HL_IDEM_PENDING;
		e->job = job;
		e->code = 0;
		e->since_ns = now_ns;
		e->waiters = HL_IDMAP_NONE;
		*r = (struct hl_idem_result){HL_IDEM_NEW, job, 0};
		return 0;
	}
	if (e->state != HL_IDEM_PENDING) {
		*r = (struct hl_idem_result){HL_IDEM_CACHED, e->job, e->code};
		return 0;
	}
	if (t->nw_free == 0) {
		t->n_waiters_full++;
		HL_LOG(HL_LOG_WARN, "idem", "waiter pool full job=%016llx: duplicate told to retry",
		        (unsigned long long)e->job);
		return -HL_E_FULL;
	}
	uint32_t wi = t->w_free[--t->nw_free];
	t->w[wi] = (struct hl_idem_waiter){
	        waiter, now_ns + t->cfg.wait_max_ns, (uint32_t)(e - t->e), e->waiters};
	e->waiters = wi;
	*r = (struct hl_idem_result){HL_IDEM_WAIT, e->job, 0};
	return 0;
}

static int
finish(struct hl_idem *t, const void *key, size_t len, enum hl_idem_state st, int32_t code,
        uint64_t now_ns)
{
	uint64_t h;
	struct hl_idem_entry *e = lookup(t, key, len, &h);

	if (e == NULL || !same_key(e, key, len))
		return -HL_E_NOT_FOUND;
	if (e->state != HL_IDEM_PENDING)
		return -EINVAL;
	e->state = (uint8_t)st;
	e->code = code;
	e->since_ns = now_ns;
	answer_waiters(t, e, st == HL_IDEM_COMMITTED ? HL_IDEM_EV_COMMITTED : HL_IDEM_EV_REJECTED);
	return 0;
}

int
hl_idem_commit(struct hl_idem *t, const void *key, size_t len, uint64_t now_ns)
{
	return finish(t, key, len, HL_IDEM_COMMITTED, 0, now_ns);
}

int
hl_idem_reject(struct hl_idem *t, const void *key, size_t len, int32_t code, uint64_t now_ns)
{
	return finish(t, key, len, HL_IDEM_REJECTED, code, now_ns);
}

static uint64_t
ttl_of(const struct hl_idem *t, const struct hl_idem_entry *e)
{
	switch (e->state) {
	case HL_IDEM_PENDING:
		return t->cfg.pending_ttl_ns;
	case HL_IDEM_COMMITTED:
		return t->cfg.committed_ttl_ns;
	default:
		return t->cfg.rejected_ttl_ns;
	}
}

uint32_t
hl_idem_sweep(struct hl_idem *t, uint64_t now_ns)
{
	uint32_t removed = 0;

	/* Waiters past wait_max are told to retry; the original keeps its entry. */
	for (uint32_t i = 0; i < t->cfg.max_waiters; i++) {
		struct hl_idem_waiter *w = &t->w[i];

		if (w->entry == HL_IDMAP_NONE || now_ns < w->deadline_ns)
			continue;
		struct hl_idem_entry *e = &t->e[w->entry];
		uint32_t *pp = &e->waiters;
		while (*pp != i)
			pp = &t->w[*pp].next;
		*pp = w->next;
		queue_answer(t, i, HL_IDEM_EV_RETRY, e);
	}
	for (uint32_t s = 0; s < t->cfg.max_entries; s++) {
		struct hl_idem_entry *e = &t->e[s];

		if (e->state == HL_IDEM_FREE || now_ns - e->since_ns < ttl_of(t, e))
			continue;
		/* A pending entry that outlived its TTL: its submitter never finished. */
		answer_waiters(t, e, HL_IDEM_EV_RETRY);
		hl_idmap_remove(&t->map, key_hash(e->key, e->key_len));
		memset(e, 0, sizeof(*e));
		removed++;
	}
	t->n_swept += removed;
	return removed;
}

int
hl_idem_next_event(struct hl_idem *t, struct hl_idem_event *ev)
{
	if (t->ev_len == 0)
		return 0;
	uint32_t wi = t->ev[t->ev_head];

	*ev = t->w[wi].answer;
	t->w_free[t->nw_free++] = wi;
	t->ev_head = (t->ev_head + 1) % t->cfg.max_waiters;
	t->ev_len--;
	return 1;
}

enum hl_idem_state
hl_idem_state_of(const struct hl_idem *t, const void *key, size_t len)
{
	uint64_t h;
	const struct hl_idem_entry *e = lookup(t, key, len, &h);

	return (e == NULL || !same_key(e, key, len)) ? HL_IDEM_FREE : (enum hl_idem_state)e->state;
}

uint32_t
hl_idem_waiting(const struct hl_idem *t)
{
	return t->cfg.max_waiters - t->nw_free;
}
