/* pushlog.c — numbered per-job push history for client replay. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_pushlog.h"

int
hl_pushlog_init(struct hl_pushlog *p, uint32_t max_jobs)
{
	int rc = hl_idmap_init(&p->map, max_jobs);

	if (rc < 0)
		return rc;
	p->j = calloc(max_jobs, sizeof(*p->j));
	if (p->j == NULL) {
		hl_idmap_fini(&p->map);
		return -ENOMEM;
	}
	return 0;
}

void
hl_pushlog_fini(struct hl_pushlog *p)
{
	hl_idmap_fini(&p->map);
	free(p->j);
	p->j = NULL;
}

int64_t
hl_pushlog_append(struct hl_pushlog *p, uint64_t job, uint8_t kind, uint8_t status, uint32_t ppm,
        uint64_t ref)
{
	uint32_t s = hl_idmap_find(&p->map, job);
	struct hl_pushlog_job *j;

	if (job == 0)
		return -EINVAL;
	if (s == HL_IDMAP_NONE) {
		int64_t ns = hl_idmap_insert(&p->map, job);
		if (ns < 0)
			return ns == -ENOSPC ? -HL_E_FULL : ns;
		s = (uint32_t)ns;
		memset(&p->j[s], 0, sizeof(p->j[s]));
		p->j[s].job = job;
		p->j[s].next_seq = 1;
	}
	j = &p->j[s];
	struct hl_push *e = &j->ring[j->next_seq % HL_PUSHLOG_DEPTH];
	*e = (struct hl_push){j->next_seq, kind, status, ppm, ref};
	j->status = status;
	if (kind == HL_PUSH_K_PROGRESS)
		j->ppm = ppm;
	return (int64_t)j->next_seq++;
}

int
hl_pushlog_replay(const struct hl_pushlog *p, uint64_t job, uint64_t after_seq, struct hl_push *out,
        int cap, bool *gap)
{
	uint32_t s = hl_idmap_find(&p->map, job);
	const struct hl_pushlog_job *j;
	uint64_t last, oldest, from;
	int n = 0;

	*gap = false;
	if (s == HL_IDMAP_NONE)
		return -HL_E_NOT_FOUND;
	j = &p->j[s];
	last = j->next_seq - 1;
	oldest = last >= HL_PUSHLOG_DEPTH ? last - HL_PUSHLOG_DEPTH + 1 : 1;
	from = after_seq + 1;
	if (from < oldest) {
		*gap = true;
		if (cap > 0)
			out[n++] = (struct hl_push){0, HL_PUSH_K_STATUS, j->status, j->ppm, 0};
		from = oldest;
	}
	for (uint64_t q = from; q <= last && n < cap; q++)
		out[n++] = j->ring[q % HL_PUSHLOG_DEPTH];
	return n;
}

int
hl_pushlog_close(struct hl_pushlog *p, uint64_t job)
{
	uint32_t s = hl_idmap_find(&p->map, job);

	if (s == HL_IDMAP_NONE)
		return -ENOENT;
	memset(&p->j[s], 0, sizeof(p->j[s]));
	return hl_idmap_remove(&p->map, job);
}
