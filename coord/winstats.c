/* winstats.c — windowed stats buckets with drift-tolerant flush and per-job removal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_winstats.h"
#include "hl_log.h"

#define MS 1000000ULL

void
hl_winstats_cfg_default(struct hl_winstats_cfg *cfg)
{
	cfg->window_ns = 50 * MS;
	cfg->drift_ns = 25 * MS;
	cfg->max_age_ns = 5000 * MS;
	cfg->max_jobs = 1024;
	cfg->max_buckets = 4096;
}

int
hl_winstats_init(struct hl_winstats *w, const struct hl_winstats_cfg *cfg)
{
	int rc;

	memset(w, 0, sizeof(*w));
	if (cfg->window_ns == 0 || cfg->max_age_ns <= cfg->drift_ns)
		return -EINVAL;
	w->cfg = *cfg;
	rc = hl_idmap_init(&w->jobs_map, cfg->max_jobs);
	if (rc == 0)
		rc = hl_idmap_init(&w->b_map, cfg->max_buckets);
	if (rc < 0) {
		hl_winstats_fini(w);
		return rc;
	}
	w->jobs = calloc(cfg->max_jobs, sizeof(*w->jobs));
	w->b = calloc(cfg->max_buckets, sizeof(*w->b));
	if (w->jobs == NULL || w->b == NULL) {
		hl_winstats_fini(w);
		return -ENOMEM;
	}
	return 0;
}

void
hl_winstats_fini(struct hl_winstats *w)
{
	hl_idmap_fini(&w->jobs_map);
	hl_idmap_fini(&w->b_map);
	free(w->jobs);
	free(w->b);
	w->jobs = NULL;
	w->b = NULL;
}

static uint64_t
bkey(uint64_t job, uint64_t bucket)
{
	uint64_t k = hl_mix64(job ^ hl_mix64(bucket + 0x9e37ULL));

	return k ? k : 1;
}

int
hl_winstats_open(struct hl_winstats *w, uint64_t job)
{
	int64_t s = hl_idmap_insert(&w->jobs_map, job);

	if (s < 0)
		return s == -ENOSPC ? -HL_E_FULL : s == -EEXIST ? -HL_E_EXISTS : (int)s;
	w->jobs[s] = (struct hl_winstats_job){job, 0, 0, false};
	w->jobs[s].flushed_upto = UINT64_MAX; /* nothing flushed yet */
	return 0;
}

static void
emit(const struct hl_winstats_bucket *b, struct hl_winstats_window *o)
{
	memset(o, 0, sizeof(*o));
	o->job = b->job;
	o->bucket = b->bucket;
	o->sources = b->n;
	for (uint32_t i = 0; i < b->n; i++) {
		o->completed += b->s[i].completed;
		o->failed += b->s[i].failed;
		o->rate_milli += b->s[i].rate_milli;
	}
}

static void
free_bucket(struct hl_winstats *w, uint32_t s)
{
	struct hl_winstats_bucket *b = &w->b[s];
	uint32_t js = hl_idmap_find(&w->jobs_map, b->job);

	if (js != HL_IDMAP_NONE) {
		struct hl_winstats_job *j = &w->jobs[js];

		j->nbuckets--;
		if (j->flushed_upto == UINT64_MAX || b->bucket > j->flushed_upto)
			j->flushed_upto = b->bucket;
	}
	hl_idmap_remove(&w->b_map, bkey(b->job, b->bucket));
	memset(b, 0, sizeof(*b));
}

int
hl_winstats_add(
        struct hl_winstats *w, uint64_t job, const struct hl_winstats_sample *smp, uint64_t now_ns)
{
	uint32_t js = hl_idmap_find(&w->jobs_map, job);
	uint64_t bucket = smp->collected_ns / w->cfg.window_ns;
	struct hl_winstats_bucket *b;
	uint32_t s;

	(void)now_ns;
	if (js == HL_IDMAP_NONE || w->jobs[js].closing) {
		w->n_no_consumer++;
		HL_LOG(HL_LOG_DEBUG, "winstats",
		        "sample dropped job=%016llx source=%llu: no consumer",
		        (unsigned long long)job, (unsigned long long)smp->source);
		return -HL_E_NOT_FOUND;
	}
	if (w->jobs[js].flushed_upto != UINT64_MAX && bucket <= w->jobs[js].flushed_upto) {
		w->n_late++;
		return -ESTALE;
	}
	s = hl_idmap_find(&w->b_map, bkey(job, bucket));
	if (s == HL_IDMAP_NONE) {
		int64_t ns = hl_idmap_insert(&w->b_map, bkey(job, bucket));
		if (ns < 0) {
			w->n_full++;
			return ns == -ENOSPC ? -HL_E_FULL : (int)ns;
		}
		s = (uint32_t)ns;
		w->b[s].job = job;
		w->b[s].bucket = bucket;
		w->b[s].n = 0;
		w->jobs[js].nbuckets++;
	}
	b = &w->b[s];
	for (uint32_t i = 0; i < b->n; i++) {
		if (b->s[i].source == smp->source) {
			/* Latest sample of a source in a bucket wins (dedups resends too). */
			if (smp->collected_ns >= b->s[i].collected_ns)
				b->s[i] = *smp;
			return 0;
		}
	}
	if (b->n == HL_WINSTATS_SRC_MAX) {
		w->n_full++;
		return -HL_E_FULL;
	}
	b->s[b->n++] = *smp;
	return 0;
}

uint32_t
hl_winstats_flush(
        struct hl_winstats *w, uint64_t now_ns, struct hl_winstats_window *out, uint32_t cap)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < w->cfg.max_buckets; s++) {
		struct hl_winstats_bucket *b = &w->b[s];
		uint64_t end;

		if (b->job == 0)
			continue;
		end = (b->bucket + 1) * w->cfg.window_ns;
		if (now_ns < end + w->cfg.drift_ns)
			continue;
		if (now_ns - end > w->cfg.max_age_ns) {
			/* Host fell behind by more than max age: dropped and counted, not kept. */
			w->n_expired++;
			HL_LOG(HL_LOG_WARN, "winstats",
			        "window expired unflushed job=%016llx bucket=%llu",
			        (unsigned long long)b->job, (unsigned long long)b->bucket);
			free_bucket(w, s);
			continue;
		}
		if (n == cap)
			continue;
		emit(b, &out[n++]);
		free_bucket(w, s);
	}
	return n;
}

int
hl_winstats_close(struct hl_winstats *w, uint64_t job, struct hl_winstats_window *out, uint32_t cap)
{
	uint32_t js = hl_idmap_find(&w->jobs_map, job);
	uint32_t n = 0;

	if (js == HL_IDMAP_NONE)
		return -ENOENT;
	w->jobs[js].closing = true;
	for (uint32_t s = 0; s < w->cfg.max_buckets && w->jobs[js].nbuckets > 0; s++) {
		if (w->b[s].job != job)
			continue;
		if (n == cap)
			return -EAGAIN;
		emit(&w->b[s], &out[n++]);
		free_bucket(w, s);
	}
	memset(&w->jobs[js], 0, sizeof(w->jobs[js]));
	hl_idmap_remove(&w->jobs_map, job);
	return (int)n;
}
