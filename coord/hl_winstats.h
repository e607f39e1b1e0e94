/* hl_winstats.h — windowed stats (AD-15/23): per (job, time bucket) the latest sample of each
 * source, flushed as one aggregate once the bucket end plus the drift tolerance has passed.
 * Only jobs opened with a consumer are kept (seed-defects B.4). Bounded; removal per job. */
#ifndef HL_WINSTATS_H
#define HL_WINSTATS_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_idmap.h"

#define HL_WINSTATS_SRC_MAX 32 /* sources aggregated in one bucket */

struct hl_winstats_cfg {
	uint64_t window_ns; /* 50 ms */
	uint64_t drift_ns; /* 25 ms */
	uint64_t max_age_ns; /* 5 s: an unflushed bucket older than this is dropped (late) */
	uint32_t max_jobs;
	uint32_t max_buckets;
};

void hl_winstats_cfg_default(struct hl_winstats_cfg *cfg);

struct hl_winstats_sample {
	uint64_t source;
	uint64_t collected_ns; /* sender's collection time: picks the bucket */
	uint64_t completed, failed;
	uint64_t rate_milli; /* operations/s x 1000 */
};

struct hl_winstats_window {
	uint64_t job;
	uint64_t bucket; /* collected_ns / window_ns */
	uint32_t sources;
	uint64_t completed, failed, rate_milli;
};

struct hl_winstats_bucket {
	uint64_t job, bucket;
	uint32_t n;
	struct hl_winstats_sample s[HL_WINSTATS_SRC_MAX];
};

struct hl_winstats_job {
	uint64_t job;
	uint64_t flushed_upto; /* buckets <= this were flushed: later samples for them are late */
	uint32_t nbuckets;
	bool closing;
};

struct hl_winstats {
	struct hl_winstats_cfg cfg;
	struct hl_idmap jobs_map, b_map;
	struct hl_winstats_job *jobs;
	struct hl_winstats_bucket *b;
	uint64_t n_no_consumer, n_late, n_expired, n_full;
};

int hl_winstats_init(struct hl_winstats *w, const struct hl_winstats_cfg *cfg);
void hl_winstats_fini(struct hl_winstats *w);

/** Register a job whose windows have a consumer. -HL_E_EXISTS, -HL_E_FULL. */
int hl_winstats_open(struct hl_winstats *w, uint64_t job);

/** Add a sample. -HL_E_NOT_FOUND: no consumer for the job (dropped, counted: log it);
 *  -ESTALE: its bucket was already flushed (late, counted); -HL_E_FULL: bucket pool or
 *  per-bucket sources full. A second sample from one source in one bucket replaces the first. */
int hl_winstats_add(
        struct hl_winstats *w, uint64_t job, const struct hl_winstats_sample *s, uint64_t now_ns);

/** Emit every bucket whose end + drift has passed (at most cap); returns the count. */
uint32_t hl_winstats_flush(
        struct hl_winstats *w, uint64_t now_ns, struct hl_winstats_window *out, uint32_t cap);

/** Job end: emit all its buckets at once (no drift wait), then free it. Returns the count
 *  emitted, or -EAGAIN if more remain than cap (call again), -ENOENT if not open. */
int hl_winstats_close(
        struct hl_winstats *w, uint64_t job, struct hl_winstats_window *out, uint32_t cap);

static inline uint32_t
hl_winstats_jobs(const struct hl_winstats *w)
{
	return hl_idmap_count(&w->jobs_map);
}

static inline uint32_t
hl_winstats_buckets(const struct hl_winstats *w)
{
	return hl_idmap_count(&w->b_map);
}

#endif
