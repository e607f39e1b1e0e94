/* hl_progress.h — progress ordering and dedup per (job, source) by fencing token and sequence
 * number, and the job's progress percentage (done vs total work). Bounded; removal per job.
 * Sans-IO. */
#ifndef HL_PROGRESS_H
#define HL_PROGRESS_H

#include <stdint.h>

#include "hl_counts.h"
#include "hl_idmap.h"

struct hl_progress_src {
	uint64_t job;
	uint64_t source; /* worker (at a manager), DC (at a gate) */
	uint64_t token; /* highest fencing token seen from this source for this job */
	uint64_t seq; /* highest sequence accepted under that token */
	uint64_t done; /* work units done as last reported */
	uint32_t next; /* next source of the same job */
	struct hl_counts counts; /* packets so far, as last reported (live progress) */
	uint64_t p99_ns; /* latency p99 of the source's last window (0: none) */
};

struct hl_progress_job {
	uint64_t job;
	uint64_t total; /* total work units of the job (all DCs), 0 = unknown */
	uint64_t fence; /* highest token seen on any source of the job */
	uint32_t head; /* first source */
	uint32_t nsrc;
};

struct hl_progress {
	struct hl_idmap jobs_map, src_map;
	struct hl_progress_job *jobs;
	struct hl_progress_src *src;
	uint32_t max_sources_per_job;
	uint64_t n_dup, n_stale_token, n_collision;
};

int hl_progress_init(struct hl_progress *p, uint32_t max_jobs, uint32_t max_sources,
        uint32_t max_sources_per_job);
void hl_progress_fini(struct hl_progress *p);

/** Open a job with its total work (may be called again to update total). -HL_E_FULL. */
int hl_progress_open(struct hl_progress *p, uint64_t job, uint64_t total);

/** Accept one progress update: 0 = new, apply it; -EALREADY = duplicate or reordered (seq not
 *  above the last under the same token), drop; -HL_E_STALE_TOKEN = token below the job's fence
 *  (a deposed leader or an old dispatch), drop and log; -HL_E_NOT_FOUND = job not open (unknown
 *  or terminal), drop; -HL_E_FULL = too many sources. A greater token restarts the sequence
 *  (a re-dispatched workflow numbers from 1 again). */
int hl_progress_accept(struct hl_progress *p, uint64_t job, uint64_t source, uint64_t token,
        uint64_t seq, uint64_t done);
/** The same, with the source's packet counts so far and its last window's p99 (live progress;
 *  NULL counts: none). */
int hl_progress_accept_live(struct hl_progress *p, uint64_t job, uint64_t source, uint64_t token,
        uint64_t seq, uint64_t done, const struct hl_counts *counts, uint64_t p99_ns);

/** Progress in parts per million of total (0 if total unknown), capped at 1e6. */
uint32_t hl_progress_ppm(const struct hl_progress *p, uint64_t job);

/** Work units done as last reported by one source of job; 0 if it reported nothing. */
uint64_t hl_progress_done(const struct hl_progress *p, uint64_t job, uint64_t source);

/** Packet counts and p99 one source of job last reported: 0, or -HL_E_NOT_FOUND (zeroed). */
int hl_progress_live(const struct hl_progress *p, uint64_t job, uint64_t source,
        struct hl_counts *counts, uint64_t *p99_ns);

/** Free everything of a job (every terminal path calls this). -ENOENT if absent. */
int hl_progress_close(struct hl_progress *p, uint64_t job);

static inline uint32_t
hl_progress_jobs(const struct hl_progress *p)
{
	return hl_idmap_count(&p->jobs_map);
}

static inline uint32_t
hl_progress_sources(const struct hl_progress *p)
{
	return hl_idmap_count(&p->src_map);
}

#endif
