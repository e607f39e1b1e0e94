/* progress.c — per-(job, source) progress ordering, dedup and fencing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_progress.h"

int
hl_progress_init(struct hl_progress *p, uint32_t max_jobs, uint32_t max_sources,
        uint32_t max_sources_per_job)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if (max_sources_per_job == 0)
		return -EINVAL;
	rc = hl_idmap_init(&p->jobs_map, max_jobs);
	if (rc == 0)
		rc = hl_idmap_init(&p->src_map, max_sources);
	if (rc < 0) {
		hl_progress_fini(p);
		return rc;
	}
	p->jobs = calloc(max_jobs, sizeof(*p->jobs));
	p->src = calloc(max_sources, sizeof(*p->src));
	if (p->jobs == NULL || p->src == NULL) {
		hl_progress_fini(p);
		return -ENOMEM;
	}
	p->max_sources_per_job = max_sources_per_job;
	return 0;
}

void
hl_progress_fini(struct hl_progress *p)
{
	hl_idmap_fini(&p->jobs_map);
	hl_idmap_fini(&p->src_map);
	free(p->jobs);
	free(p->src);
	p->jobs = NULL;
	p->src = NULL;
}

static uint64_t
pair_key(uint64_t job, uint64_t source)
{
	uint64_t k = hl_mix64(job ^ hl_mix64(source ^ 0x5bd1e995ULL));

	return k ? k : 1;
}

int
hl_progress_open(struct hl_progress *p, uint64_t job, uint64_t total)
{
	uint32_t s = hl_idmap_find(&p->jobs_map, job);
	int64_t ns;

	if (s != HL_IDMAP_NONE) {
		p->jobs[s].total = total;
		return 0;
	}
	ns = hl_idmap_insert(&p->jobs_map, job);
	if (ns < 0)
		return ns == -ENOSPC ? -HL_E_FULL : (int)ns;
	p->jobs[ns] = (struct hl_progress_job){job, total, 0, HL_IDMAP_NONE, 0};
	return 0;
}

int
hl_progress_accept(struct hl_progress *p, uint64_t job, uint64_t source, uint64_t token,
        uint64_t seq, uint64_t done)
{
	return hl_progress_accept_live(p, job, source, token, seq, done, NULL, 0);
}

int
hl_progress_accept_live(struct hl_progress *p, uint64_t job, uint64_t source, uint64_t token,
        uint64_t seq, uint64_t done, const struct hl_counts *counts, uint64_t p99_ns)
{
	uint32_t js = hl_idmap_find(&p->jobs_map, job);
	struct hl_progress_job *j;
	struct hl_progress_src *x;
	uint64_t k = pair_key(job, source);
	uint32_t s;
	int64_t ns;

	if (js == HL_IDMAP_NONE)
		return -HL_E_NOT_FOUND;
	j = &p->jobs[js];
	if (token < j->fence) {
		p->n_stale_token++;
		return -HL_E_STALE_TOKEN;
	}
	s = hl_idmap_find(&p->src_map, k);
	if (s != HL_IDMAP_NONE) {
		x = &p->src[s];
		if (x->job != job || x->source != source) {
			p->n_collision++;
			return -EBUSY;
		}
		if (token < x->token) {
			p->n_stale_token++;
			return -HL_E_STALE_TOKEN;
		}
		if (token == x->token && seq <= x->seq) {
			p->n_dup++;
			return -EALREADY;
		}
	} else {
		if (j->nsrc == p->max_sources_per_job)
			return -HL_E_FULL;
		ns = hl_idmap_insert(&p->src_map, k);
		if (ns < 0)
			return ns == -ENOSPC ? -HL_E_FULL : (int)ns;
		x = &p->src[ns];
		*x = (struct hl_progress_src){job, source, 0, 0, 0, j->head, {0, 0, 0}, 0};
		j->head = (uint32_t)ns;
		j->nsrc++;
	}
	x->token = token;
	x->seq = seq;
	x->done = done;
	x->counts = counts != NULL ? *counts : (struct hl_counts){0, 0, 0};
	x->p99_ns = p99_ns;
	if (token > j->fence)
		j->fence = token;
	return 0;
}

uint32_t
hl_progress_ppm(const struct hl_progress *p, uint64_t job)
{
	uint32_t js = hl_idmap_find(&p->jobs_map, job);
	const struct hl_progress_job *j;
	uint64_t done = 0;

	if (js == HL_IDMAP_NONE)
		return 0;
	j = &p->jobs[js];
	if (j->total == 0)
		return 0;
	for (uint32_t s = j->head; s != HL_IDMAP_NONE; s = p->src[s].next)
		done += p->src[s].done;
	if (done >= j->total)
		return 1000000;
	return (uint32_t)((done * 1000000.0) / (double)j->total);
}

uint64_t
hl_progress_done(const struct hl_progress *p, uint64_t job, uint64_t source)
{
	uint32_t s = hl_idmap_find(&p->src_map, pair_key(job, source));

	if (s == HL_IDMAP_NONE || p->src[s].job != job || p->src[s].source != source)
		return 0;
	return p->src[s].done;
}

int
hl_progress_live(const struct hl_progress *p, uint64_t job, uint64_t source,
        struct hl_counts *counts, uint64_t *p99_ns)
{
	uint32_t s = hl_idmap_find(&p->src_map, pair_key(job, source));

	*counts = (struct hl_counts){0, 0, 0};
	*p99_ns = 0;
	if (s == HL_IDMAP_NONE || p->src[s].job != job || p->src[s].source != source)
		return -HL_E_NOT_FOUND;
	*counts = p->src[s].counts;
	*p99_ns = p->src[s].p99_ns;
	return 0;
}

int
hl_progress_close(struct hl_progress *p, uint64_t job)
{
	uint32_t js = hl_idmap_find(&p->jobs_map, job);
	uint32_t s;

	if (js == HL_IDMAP_NONE)
		return -ENOENT;
	s = p->jobs[js].head;
	while (s != HL_IDMAP_NONE) {
		uint32_t next = p->src[s].next;

		hl_idmap_remove(&p->src_map, pair_key(p->src[s].job, p->src[s].source));
		memset(&p->src[s], 0, sizeof(p->src[s]));
		s = next;
	}
	memset(&p->jobs[js], 0, sizeof(p->jobs[js]));
	return hl_idmap_remove(&p->jobs_map, job);
}
