/* jrec.c — job record replication to a quorum of the configured tier, fenced by token. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_jrec.h"
#include "hl_log.h"

int
hl_jrec_store_init(struct hl_jrec_store *s, uint32_t max_jobs)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = hl_idmap_init(&s->map, max_jobs)) < 0)
		return rc;
	s->r = calloc(max_jobs, sizeof(*s->r));
	if (s->r == NULL) {
		hl_idmap_fini(&s->map);
		return -ENOMEM;
	}
	return 0;
}

void
hl_jrec_store_fini(struct hl_jrec_store *s)
{
	hl_idmap_fini(&s->map);
	free(s->r);
	s->r = NULL;
}

static int
journal(struct hl_jrec_store *s, uint8_t op, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len)
{
	int rc;

	if (s->journal == NULL)
		return 0;
	if ((rc = s->journal(s->journal_arg, op, job, token, version, body, len)) < 0) {
		s->n_journal_refused++;
		HL_LOG(HL_LOG_WARN, "jrec", "journal refused op %u job=%016llx token=%016llx: %s",
		        op, (unsigned long long)job, (unsigned long long)token, hl_errname(rc));
	}
	return rc;
}

int
hl_jrec_store_put(struct hl_jrec_store *s, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len)
{
	uint32_t k;
	struct hl_jrec *r;

	if (job == 0)
		return -EINVAL;
	if (len > HL_JREC_BODY_MAX)
		return -EMSGSIZE;
	k = hl_idmap_find(&s->map, job);
	if (k == HL_IDMAP_NONE) {
		if (hl_idmap_count(&s->map) >= s->map.max)
			return -HL_E_FULL;
		int rc = journal(s, HL_JREC_J_PUT, job, token, version, body, len);
		if (rc < 0)
			return rc;
		int64_t ns = hl_idmap_insert(&s->map, job);
		if (ns < 0)
			return ns == -ENOSPC ? -HL_E_FULL : (int)ns;
		k = (uint32_t)ns;
		memset(&s->r[k], 0, sizeof(s->r[k]));
	} else {
		r = &s->r[k];
		if (token < r->token) {
			s->n_stale++;
			HL_LOG(HL_LOG_WARN, "jrec",
			        "stale record refused job=%016llx token=%016llx held=%016llx",
			        (unsigned long long)job, (unsigned long long)token,
			        (unsigned long long)r->token);
			return -HL_E_STALE_TOKEN;
		}
		if (token == r->token && version <= r->version)
			return -EALREADY;
		int rc = journal(s, HL_JREC_J_PUT, job, token, version, body, len);
		if (rc < 0)
			return rc;
	}
	r = &s->r[k];
	r->job = job;
	r->token = token;
	r->version = version;
	r->len = len;
	if (len)
		memcpy(r->body, body, len);
	return 0;
}

const struct hl_jrec *
hl_jrec_store_get(const struct hl_jrec_store *s, uint64_t job)
{
	uint32_t k = hl_idmap_find(&s->map, job);

	return k == HL_IDMAP_NONE ? NULL : &s->r[k];
}

int
hl_jrec_store_forget(struct hl_jrec_store *s, uint64_t job)
{
	uint32_t k = hl_idmap_find(&s->map, job);

	int rc;

	if (k == HL_IDMAP_NONE)
		return -ENOENT;
	if ((rc = journal(s, HL_JREC_J_FORGET, job, 0, 0, NULL, 0)) < 0)
		return rc;
	s->r[k].job = 0;
	return hl_idmap_remove(&s->map, job);
}

void
hl_jrec_store_set_journal(struct hl_jrec_store *s, hl_jrec_journal_fn fn, void *arg)
{
	s->journal = fn;
	s->journal_arg = arg;
}

int
hl_jrec_store_snapshot(const struct hl_jrec_store *s, hl_jrec_journal_fn emit, void *arg)
{
	int rc;

	for (uint32_t k = 0; k < s->map.max && hl_jrec_store_count(s) > 0; k++) {
		const struct hl_jrec *r = &s->r[k];
		if (r->job == 0 || hl_idmap_find(&s->map, r->job) != k)
			continue;
		if ((rc = emit(arg, HL_JREC_J_PUT, r->job, r->token, r->version, r->body, r->len)) <
		        0)
			return rc;
	}
	return 0;
}

int
hl_jrec_journal(struct hl_jrec_store *s, uint8_t op, uint64_t job, uint64_t token, uint64_t version)
{
	return journal(s, op, job, token, version, NULL, 0);
}

const struct hl_jrec *
hl_jrec_latest(const struct hl_jrec *const *recs, size_t n)
{
	const struct hl_jrec *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct hl_jrec *r = recs[i];
		if (r == NULL)
			continue;
		if (best == NULL || r->token > best->token ||
		        (r->token == best->token && r->version > best->version))
			best = r;
	}
	return best;
}

static int
member_idx(const struct hl_jrec_repl *r, uint64_t id)
{
	for (uint32_t i = 0; i < r->nmembers; i++)
		if (r->members[i] == id)
			return (int)i;
	return -1;
}

int
hl_jrec_repl_init(struct hl_jrec_repl *r, uint64_t self, const uint64_t *members, uint32_t n,
        uint32_t max_jobs, uint64_t resend_ns)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (n == 0 || n > HL_JREC_MAX_PEERS || resend_ns == 0)
		return -EINVAL;
	memcpy(r->members, members, n * sizeof(*members));
	r->nmembers = n;
	r->self = self;
	r->resend_ns = resend_ns;
	if (member_idx(r, self) < 0)
		return -EINVAL;
	if ((rc = hl_idmap_init(&r->map, max_jobs)) < 0)
		return rc;
	r->p = calloc(max_jobs, sizeof(*r->p));
	if (r->p == NULL) {
		hl_idmap_fini(&r->map);
		return -ENOMEM;
	}
	return 0;
}

void
hl_jrec_repl_fini(struct hl_jrec_repl *r)
{
	hl_idmap_fini(&r->map);
	free(r->p);
	r->p = NULL;
}

static uint32_t
quorum(const struct hl_jrec_repl *r)
{
	return r->nmembers / 2 + 1;
}

int
hl_jrec_repl_begin(
        struct hl_jrec_repl *r, uint64_t job, uint64_t token, uint64_t version, uint64_t now_ns)
{
	uint32_t k = hl_idmap_find(&r->map, job);

	if (k == HL_IDMAP_NONE) {
		int64_t ns = hl_idmap_insert(&r->map, job);
		if (ns < 0)
			return ns == -ENOSPC ? -HL_E_FULL : (int)ns;
		k = (uint32_t)ns;
	}
	r->p[k] = (struct hl_jrec_pending){
	        job, token, version, 1u << member_idx(r, r->self), now_ns + r->resend_ns, false};
	r->p[k].committed = __builtin_popcount(r->p[k].acks) >= (int)quorum(r);
	return r->p[k].committed ? 1 : 0;
}

int
hl_jrec_repl_ack(struct hl_jrec_repl *r, uint64_t job, uint64_t version, uint64_t from)
{
	uint32_t k = hl_idmap_find(&r->map, job);
	int i = member_idx(r, from);
	struct hl_jrec_pending *p;

	if (k == HL_IDMAP_NONE || i < 0)
		return 0;
	p = &r->p[k];
	if (p->version != version)
		return 0;
	p->acks |= 1u << i;
	if (!p->committed && (uint32_t)__builtin_popcount(p->acks) >= quorum(r)) {
		p->committed = true;
		return 1;
	}
	return 0;
}

size_t
hl_jrec_repl_resends(
        struct hl_jrec_repl *r, uint64_t now_ns, uint64_t *jobs, uint64_t *to, size_t cap)
{
	size_t n = 0;
	uint32_t all = r->nmembers == 32 ? UINT32_MAX : (1u << r->nmembers) - 1;

	for (uint32_t k = 0; k < r->map.max && n < cap; k++) {
		struct hl_jrec_pending *p = &r->p[k];

		if (p->job == 0 || p->acks == all || now_ns < p->resend_ns)
			continue;
		for (uint32_t i = 0; i < r->nmembers && n < cap; i++)
			if (!(p->acks & (1u << i))) {
				jobs[n] = p->job;
				to[n] = r->members[i];
				n++;
			}
		p->resend_ns = now_ns + r->resend_ns;
	}
	return n;
}

bool
hl_jrec_repl_committed(const struct hl_jrec_repl *r, uint64_t job, uint64_t version)
{
	uint32_t k = hl_idmap_find(&r->map, job);

	return k != HL_IDMAP_NONE && r->p[k].version == version && r->p[k].committed;
}

int
hl_jrec_repl_forget(struct hl_jrec_repl *r, uint64_t job)
{
	uint32_t k = hl_idmap_find(&r->map, job);

	if (k == HL_IDMAP_NONE)
		return -ENOENT;
	memset(&r->p[k], 0, sizeof(r->p[k]));
	return hl_idmap_remove(&r->map, job);
}
