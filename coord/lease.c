/* lease.c — job leases with fencing tokens: issuer (tier leader), holder and receiver fence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_lease.h"
#include "hl_log.h"

#define SEC 1000000000ULL

void
hl_lease_cfg_default(struct hl_lease_cfg *cfg)
{
	cfg->duration_ns = 30 * SEC;
	cfg->guard_ns = 1 * SEC;
	cfg->max_jobs = 4096;
	cfg->max_members = 64;
}

static int
cfg_ok(const struct hl_lease_cfg *cfg)
{
	return cfg->duration_ns > 0 && cfg->guard_ns < cfg->duration_ns && cfg->max_jobs > 0 &&
	       cfg->max_members > 0;
}

/* ------------------------------------------------------------------------------------ issuer */

int
hl_lease_table_init(struct hl_lease_table *t, const struct hl_lease_cfg *cfg)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if (!cfg_ok(cfg))
		return -EINVAL;
	t->cfg = *cfg;
	rc = hl_idmap_init(&t->map, cfg->max_jobs);
	if (rc < 0)
		return rc;
	t->e = calloc(cfg->max_jobs, sizeof(*t->e));
	t->members = calloc(cfg->max_members, sizeof(*t->members));
	if (t->e == NULL || t->members == NULL) {
		hl_lease_table_fini(t);
		return -ENOMEM;
	}
	return 0;
}

void
hl_lease_table_fini(struct hl_lease_table *t)
{
	hl_idmap_fini(&t->map);
	free(t->e);
	free(t->members);
	t->e = NULL;
	t->members = NULL;
}

int
hl_lease_set_term(struct hl_lease_table *t, uint32_t term)
{
	if (term == 0) {
		t->term = 0;
		return 0;
	}
	/* Tokens only grow: refuse a term that does not dominate what is already issued. */
	for (uint32_t s = 0; s < t->cfg.max_jobs; s++)
		if (t->e[s].job != 0 && hl_fence_term(t->e[s].token) >= term)
			return -HL_E_STALE_TOKEN;
	if (term <= t->term)
		return -HL_E_STALE_TOKEN;
	t->term = term;
	t->counter = 0;
	return 0;
}

static struct hl_lease_member *
member_find(struct hl_lease_table *t, uint64_t id)
{
	for (uint32_t i = 0; i < t->nmembers; i++)
		if (t->members[i].id == id)
			return &t->members[i];
	return NULL;
}

int
hl_lease_member_set(struct hl_lease_table *t, uint64_t id, bool eligible)
{
	struct hl_lease_member *m;

	if (id == 0)
		return -EINVAL;
	m = member_find(t, id);
	if (m == NULL) {
		if (t->nmembers == t->cfg.max_members)
			return -ENOSPC;
		m = &t->members[t->nmembers++];
		m->id = id;
	}
	m->eligible = eligible;
	return 0;
}

int
hl_lease_member_remove(struct hl_lease_table *t, uint64_t id)
{
	struct hl_lease_member *m = member_find(t, id);

	if (m == NULL)
		return -ENOENT;
	*m = t->members[--t->nmembers];
	return 0;
}

uint64_t
hl_lease_pick(const struct hl_lease_table *t, uint64_t job, uint64_t exclude)
{
	uint64_t best = 0, best_score = 0;

	/* Rendezvous (highest random weight): each job maps to the member with the highest
	 * mix(job, member); removing a member only moves that member's jobs. */
	for (uint32_t i = 0; i < t->nmembers; i++) {
		const struct hl_lease_member *m = &t->members[i];
		uint64_t score;

		if (!m->eligible || m->id == exclude)
			continue;
		score = hl_mix64(job ^ hl_mix64(m->id));
		if (best == 0 || score > best_score || (score == best_score && m->id < best)) {
			best = m->id;
			best_score = score;
		}
	}
	return best;
}

static int
next_token(struct hl_lease_table *t, uint64_t *token)
{
	if (t->term == 0)
		return -HL_E_NOT_LEADER;
	if (t->counter == UINT32_MAX)
		return -EOVERFLOW;
	*token = hl_fence_make(t->term, ++t->counter);
	return 0;
}

static void
grant_of(const struct hl_lease_table *t, const struct hl_lease_entry *e, struct hl_lease_grant *g)
{
	g->job = e->job;
	g->holder = e->holder;
	g->token = e->token;
	g->duration_ns = t->cfg.duration_ns;
}

int
hl_lease_issue(struct hl_lease_table *t, uint64_t job, uint64_t holder, uint64_t now_ns,
        struct hl_lease_grant *out)
{
	struct hl_lease_member *m;
	uint64_t token;
	int64_t slot;
	int rc;

	if (job == 0)
		return -EINVAL;
	if (t->term == 0)
		return -HL_E_NOT_LEADER;
	if (hl_idmap_find(&t->map, job) != HL_IDMAP_NONE)
		return -HL_E_EXISTS;
	if (holder == 0)
		holder = hl_lease_pick(t, job, 0);
	m = holder ? member_find(t, holder) : NULL;
	if (m == NULL || !m->eligible)
		return -ENOENT;
	rc = next_token(t, &token);
	if (rc < 0)
		return rc;
	slot = hl_idmap_insert(&t->map, job);
	if (slot < 0)
		return slot == -ENOSPC ? -HL_E_FULL : (int)slot;
	t->e[slot] = (struct hl_lease_entry){job, holder, token, now_ns + t->cfg.duration_ns};
	grant_of(t, &t->e[slot], out);
	return 0;
}

void
hl_lease_start_grace(struct hl_lease_table *t, uint64_t now_ns)
{
	t->grace_until_ns = now_ns + t->cfg.duration_ns;
}

int
hl_lease_adopt(struct hl_lease_table *t, uint64_t holder, uint64_t job, uint64_t old_token,
        uint64_t now_ns, struct hl_lease_grant *out)
{
	if (!hl_lease_in_grace(t, now_ns))
		return -EPERM;
	if (t->term == 0)
		return -HL_E_NOT_LEADER;
	if (hl_fence_term(old_token) >= t->term)
		return -HL_E_STALE_TOKEN;
	return hl_lease_issue(t, job, holder, now_ns, out);
}

size_t
hl_lease_renew(struct hl_lease_table *t, uint64_t holder, const struct hl_lease_ref *refs, size_t n,
        uint64_t now_ns, struct hl_lease_grant *out, int *out_rc)
{
	size_t ok = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t s = hl_idmap_find(&t->map, refs[i].job);
		struct hl_lease_entry *e;

		memset(&out[i], 0, sizeof(out[i]));
		if (t->term == 0) {
			out_rc[i] = -HL_E_NOT_LEADER;
			continue;
		}
		if (s == HL_IDMAP_NONE) {
			out_rc[i] = -HL_E_NOT_FOUND;
			continue;
		}
		e = &t->e[s];
		/* An expired lease is still renewable by its holder until the tick re-issued it:
		 * the token is unchanged, so no one else can have acted meanwhile. */
		if (e->holder != holder || e->token != refs[i].token) {
			t->n_rejected_stale++;
			HL_LOG(HL_LOG_WARN, "lease",
			        "renewal refused job=%016llx holder=%llu token=%016llx "
			        "current=%016llx "
			        "holder_now=%llu",
			        (unsigned long long)refs[i].job, (unsigned long long)holder,
			        (unsigned long long)refs[i].token, (unsigned long long)e->token,
			        (unsigned long long)e->holder);
			out_rc[i] = -HL_E_STALE_TOKEN;
			continue;
		}
		e->expires_ns = now_ns + t->cfg.duration_ns;
		grant_of(t, e, &out[i]);
		out_rc[i] = 0;
		ok++;
	}
	return ok;
}

int
hl_lease_release(struct hl_lease_table *t, uint64_t job, uint64_t token)
{
	uint32_t s = hl_idmap_find(&t->map, job);

	if (s == HL_IDMAP_NONE)
		return -HL_E_NOT_FOUND;
	if (t->e[s].token != token) {
		t->n_rejected_stale++;
		HL_LOG(HL_LOG_WARN, "lease",
		        "stale release refused job=%016llx token=%016llx current=%016llx",
		        (unsigned long long)job, (unsigned long long)token,
		        (unsigned long long)t->e[s].token);
		return -HL_E_STALE_TOKEN;
	}
	memset(&t->e[s], 0, sizeof(t->e[s]));
	return hl_idmap_remove(&t->map, job);
}

int
hl_lease_transfer(struct hl_lease_table *t, uint64_t job, uint64_t token, uint64_t new_holder,
        uint64_t now_ns, struct hl_lease_grant *out)
{
	uint32_t s = hl_idmap_find(&t->map, job);
	struct hl_lease_member *m;
	uint64_t nt;
	int rc;

	if (s == HL_IDMAP_NONE)
		return -HL_E_NOT_FOUND;
	if (t->e[s].token != token) {
		t->n_rejected_stale++;
		return -HL_E_STALE_TOKEN;
	}
	m = member_find(t, new_holder);
	if (m == NULL || !m->eligible)
		return -ENOENT;
	rc = next_token(t, &nt);
	if (rc < 0)
		return rc;
	t->e[s].holder = new_holder;
	t->e[s].token = nt;
	t->e[s].expires_ns = now_ns + t->cfg.duration_ns;
	grant_of(t, &t->e[s], out);
	return 0;
}

size_t
hl_lease_tick(struct hl_lease_table *t, uint64_t now_ns, struct hl_lease_event *ev, size_t cap)
{
	size_t nev = 0;
	uint32_t max = t->cfg.max_jobs;

	if (t->term == 0)
		return 0;
	for (uint32_t k = 0; k < max && nev < cap; k++) {
		uint32_t s = (uint32_t)((t->scan + k) % max);
		struct hl_lease_entry *e = &t->e[s];
		struct hl_lease_member *m;
		uint64_t nh, nt;

		if (e->job == 0)
			continue;
		m = e->holder ? member_find(t, e->holder) : NULL;
		/* Holder alive and lease running: nothing to do. A holder that is merely
		 * ineligible (poor health) keeps what it holds until expiry. */
		if (m != NULL && now_ns < e->expires_ns)
			continue;
		nh = hl_lease_pick(t, e->job, m != NULL ? e->holder : 0);
		if (nh == 0 && m != NULL && m->eligible)
			nh = e->holder; /* only member left: give it back under a new token */
		ev[nev].old_holder = e->holder;
		ev[nev].old_token = e->token;
		if (nh == 0) {
			if (e->holder == 0)
				continue; /* already reported orphaned */
			HL_LOG(HL_LOG_WARN, "lease",
			        "lease orphaned job=%016llx old_holder=%llu: no eligible member",
			        (unsigned long long)e->job, (unsigned long long)e->holder);
			e->holder = 0;
			ev[nev].kind = HL_LEASE_EV_ORPHANED;
			grant_of(t, e, &ev[nev].grant);
			nev++;
			continue;
		}
		if (next_token(t, &nt) < 0) {
			/* Counter exhausted in this term: report orphaned; a new term fixes it. */
			ev[nev].kind = HL_LEASE_EV_ORPHANED;
			grant_of(t, e, &ev[nev].grant);
			ev[nev].grant.holder = 0;
			nev++;
			continue;
		}
		HL_LOG(HL_LOG_INFO, "lease",
		        "re-issued job=%016llx from=%llu (%s) to=%llu token=%016llx",
		        (unsigned long long)e->job, (unsigned long long)e->holder,
		        m == NULL ? "holder gone" : "expired", (unsigned long long)nh,
		        (unsigned long long)nt);
		e->holder = nh;
		e->token = nt;
		e->expires_ns = now_ns + t->cfg.duration_ns;
		ev[nev].kind = HL_LEASE_EV_REISSUED;
		grant_of(t, e, &ev[nev].grant);
		nev++;
	}
	t->scan = (t->scan + 1) % max;
	return nev;
}

uint64_t
hl_lease_next_deadline(const struct hl_lease_table *t)
{
	uint64_t d = UINT64_MAX;

	for (uint32_t s = 0; s < t->cfg.max_jobs; s++)
		if (t->e[s].job != 0 && t->e[s].holder != 0 && t->e[s].expires_ns < d)
			d = t->e[s].expires_ns;
	return d;
}

const struct hl_lease_entry *
hl_lease_find(const struct hl_lease_table *t, uint64_t job)
{
	uint32_t s = hl_idmap_find(&t->map, job);

	return s == HL_IDMAP_NONE ? NULL : &t->e[s];
}

/* ------------------------------------------------------------------------------------ holder */

int
hl_lease_holder_init(struct hl_lease_holder *h, uint64_t self, const struct hl_lease_cfg *cfg)
{
	int rc;

	memset(h, 0, sizeof(*h));
	if (!cfg_ok(cfg) || self == 0)
		return -EINVAL;
	h->cfg = *cfg;
	h->self = self;
	rc = hl_idmap_init(&h->map, cfg->max_jobs);
	if (rc < 0)
		return rc;
	h->h = calloc(cfg->max_jobs, sizeof(*h->h));
	if (h->h == NULL) {
		hl_idmap_fini(&h->map);
		return -ENOMEM;
	}
	return 0;
}

void
hl_lease_holder_fini(struct hl_lease_holder *h)
{
	hl_idmap_fini(&h->map);
	free(h->h);
	h->h = NULL;
}

int
hl_lease_holder_apply(
        struct hl_lease_holder *h, const struct hl_lease_grant *g, uint64_t req_sent_ns)
{
	uint32_t s;
	int64_t ns;
	uint64_t life;

	if (g->holder != h->self || g->job == 0 || g->duration_ns <= h->cfg.guard_ns)
		return -EINVAL;
	life = g->duration_ns - h->cfg.guard_ns;
	s = hl_idmap_find(&h->map, g->job);
	if (s != HL_IDMAP_NONE) {
		struct hl_lease_held *x = &h->h[s];

		if (g->token < x->token) {
			h->n_rejected_stale++;
			return -HL_E_STALE_TOKEN;
		}
		x->token = g->token;
		/* Never extend past what the request time allows; never shorten either. */
		if (req_sent_ns + life > x->expires_ns)
			x->expires_ns = req_sent_ns + life;
		x->renew_sent_ns = 0;
		return 0;
	}
	ns = hl_idmap_insert(&h->map, g->job);
	if (ns < 0)
		return ns == -ENOSPC ? -HL_E_FULL : (int)ns;
	h->h[ns] = (struct hl_lease_held){g->job, g->token, req_sent_ns + life, 0};
	return 0;
}

bool
hl_lease_holder_valid(
        const struct hl_lease_holder *h, uint64_t job, uint64_t now_ns, uint64_t *token)
{
	uint32_t s = hl_idmap_find(&h->map, job);

	if (s == HL_IDMAP_NONE || now_ns >= h->h[s].expires_ns)
		return false;
	if (token != NULL)
		*token = h->h[s].token;
	return true;
}

size_t
hl_lease_holder_renewals(
        struct hl_lease_holder *h, uint64_t now_ns, struct hl_lease_ref *out, size_t cap)
{
	size_t n = 0;
	uint64_t half = (h->cfg.duration_ns - h->cfg.guard_ns) / 2;

	for (uint32_t s = 0; s < h->cfg.max_jobs && n < cap; s++) {
		struct hl_lease_held *x = &h->h[s];

		if (x->job == 0 || now_ns >= x->expires_ns)
			continue;
		if (x->expires_ns - now_ns > half)
			continue;
		/* One outstanding request at a time, resent after a quarter lifetime. */
		if (x->renew_sent_ns != 0 && now_ns - x->renew_sent_ns < half / 2)
			continue;
		x->renew_sent_ns = now_ns;
		out[n].job = x->job;
		out[n].token = x->token;
		n++;
	}
	return n;
}

size_t
hl_lease_holder_tick(struct hl_lease_holder *h, uint64_t now_ns, uint64_t *dropped, size_t cap)
{
	size_t n = 0;

	for (uint32_t s = 0; s < h->cfg.max_jobs && n < cap; s++) {
		struct hl_lease_held *x = &h->h[s];

		if (x->job == 0 || now_ns < x->expires_ns)
			continue;
		dropped[n++] = x->job;
		hl_lease_holder_drop(h, x->job);
	}
	return n;
}

int
hl_lease_holder_drop(struct hl_lease_holder *h, uint64_t job)
{
	uint32_t s = hl_idmap_find(&h->map, job);

	if (s == HL_IDMAP_NONE)
		return -ENOENT;
	memset(&h->h[s], 0, sizeof(h->h[s]));
	return hl_idmap_remove(&h->map, job);
}

/* ------------------------------------------------------------------------------------- fence */

int
hl_fence_init(struct hl_fence *f, uint32_t max_jobs)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = hl_idmap_init(&f->map, max_jobs);
	if (rc < 0)
		return rc;
	f->top = calloc(max_jobs, sizeof(*f->top));
	if (f->top == NULL) {
		hl_idmap_fini(&f->map);
		return -ENOMEM;
	}
	return 0;
}

void
hl_fence_fini(struct hl_fence *f)
{
	hl_idmap_fini(&f->map);
	free(f->top);
	f->top = NULL;
}

static int
fence_check(struct hl_fence *f, uint64_t job, uint64_t token, bool strict)
{
	uint32_t s = hl_idmap_find(&f->map, job);
	int64_t ns;

	if (s != HL_IDMAP_NONE) {
		if (token < f->top[s] || (strict && token == f->top[s])) {
			f->n_rejected++;
			HL_LOG(HL_LOG_WARN, "fence",
			        "stale token refused job=%016llx token=%016llx highest=%016llx%s",
			        (unsigned long long)job, (unsigned long long)token,
			        (unsigned long long)f->top[s], strict ? " (claim)" : "");
			return -HL_E_STALE_TOKEN;
		}
		f->top[s] = token;
		return 0;
	}
	ns = hl_idmap_insert(&f->map, job);
	if (ns < 0)
		return ns == -ENOSPC ? -HL_E_FULL : (int)ns;
	f->top[ns] = token;
	return 0;
}

int
hl_fence_check(struct hl_fence *f, uint64_t job, uint64_t token)
{
	return fence_check(f, job, token, false);
}

int
hl_fence_check_strict(struct hl_fence *f, uint64_t job, uint64_t token)
{
	return fence_check(f, job, token, true);
}

uint64_t
hl_fence_top(const struct hl_fence *f, uint64_t job)
{
	uint32_t s = hl_idmap_find(&f->map, job);

	return s == HL_IDMAP_NONE ? 0 : f->top[s];
}

int
hl_fence_forget(struct hl_fence *f, uint64_t job)
{
	uint32_t s = hl_idmap_find(&f->map, job);

	if (s == HL_IDMAP_NONE)
		return -ENOENT;
	f->top[s] = 0;
	return hl_idmap_remove(&f->map, job);
}

/* ----------------------------------------------------------------------------------- checker */

int
hl_lease_checker_init(struct hl_lease_checker *c, uint32_t max_jobs)
{
	int rc;

	memset(c, 0, sizeof(*c));
	rc = hl_idmap_init(&c->map, max_jobs);
	if (rc < 0)
		return rc;
	c->last = calloc(max_jobs, sizeof(*c->last));
	if (c->last == NULL) {
		hl_idmap_fini(&c->map);
		return -ENOMEM;
	}
	return 0;
}

void
hl_lease_checker_fini(struct hl_lease_checker *c)
{
	hl_idmap_fini(&c->map);
	free(c->last);
	c->last = NULL;
}

int
hl_lease_checker_grant(struct hl_lease_checker *c, const struct hl_lease_grant *g, bool renewal)
{
	uint32_t s = hl_idmap_find(&c->map, g->job);
	int64_t ns;

	if (s == HL_IDMAP_NONE) {
		ns = hl_idmap_insert(&c->map, g->job);
		if (ns < 0)
			return (int)ns;
		c->last[ns] = g->token;
		return 0;
	}
	if (renewal ? g->token != c->last[s] : g->token <= c->last[s]) {
		c->violations++;
		snprintf(c->why, sizeof(c->why), "job %016llx: %s token %016llx after %016llx",
		        (unsigned long long)g->job, renewal ? "renewal" : "grant",
		        (unsigned long long)g->token, (unsigned long long)c->last[s]);
		return -HL_E_STALE_TOKEN;
	}
	c->last[s] = g->token;
	return 0;
}

void
hl_lease_checker_forget(struct hl_lease_checker *c, uint64_t job)
{
	uint32_t s = hl_idmap_find(&c->map, job);

	if (s != HL_IDMAP_NONE) {
		c->last[s] = 0;
		hl_idmap_remove(&c->map, job);
	}
}

int
hl_lease_check_holders(struct hl_lease_checker *c, const struct hl_lease_holder *const *holders,
        size_t n, uint64_t now_ns)
{
	for (size_t i = 0; i < n; i++) {
		const struct hl_lease_holder *a = holders[i];

		for (uint32_t s = 0; s < a->cfg.max_jobs; s++) {
			const struct hl_lease_held *x = &a->h[s];

			if (x->job == 0 || now_ns >= x->expires_ns)
				continue;
			for (size_t j = i + 1; j < n; j++) {
				uint64_t tok;

				if (!hl_lease_holder_valid(holders[j], x->job, now_ns, &tok) ||
				        tok != x->token)
					continue;
				c->violations++;
				snprintf(c->why, sizeof(c->why),
				        "job %016llx token %016llx held by %llu and %llu",
				        (unsigned long long)x->job, (unsigned long long)tok,
				        (unsigned long long)a->self,
				        (unsigned long long)holders[j]->self);
				return -EEXIST;
			}
		}
	}
	return 0;
}
