/* hl_pushlog.h — what a job leader pushed to its client, numbered, so that a client that
 * (re)registers gets the current status at once and every push it missed (seed-defects D.2).
 * Per job a bounded ring of the last HL_PUSHLOG_DEPTH pushes; a client further behind gets the
 * latest status first (a "gap" answer) and then what is retained. Removal per job. Sans-IO. */
#ifndef HL_PUSHLOG_H
#define HL_PUSHLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_idmap.h"

#define HL_PUSHLOG_DEPTH 64

enum hl_push_kind {
	HL_PUSH_K_STATUS = 1, /* status change */
	HL_PUSH_K_PROGRESS, /* batched progress (ppm) */
	HL_PUSH_K_RESULT, /* a workflow or the final result is available */
	HL_PUSH_K_REPORT, /* a reporter outcome (ref = its index in the job record) */
};

struct hl_push {
	uint64_t seq; /* per job, from 1 */
	uint8_t kind;
	uint8_t status; /* enum hl_wire_status at the time of the push */
	uint32_t ppm;
	uint64_t ref; /* workflow id for results, 0 for the job */
};

struct hl_pushlog_job {
	uint64_t job;
	uint64_t next_seq;
	uint8_t status;
	uint32_t ppm;
	struct hl_push ring[HL_PUSHLOG_DEPTH];
};

struct hl_pushlog {
	struct hl_idmap map;
	struct hl_pushlog_job *j;
};

int hl_pushlog_init(struct hl_pushlog *p, uint32_t max_jobs);
void hl_pushlog_fini(struct hl_pushlog *p);

/** Record a push; returns its sequence number (> 0) or -HL_E_FULL / -EINVAL (job 0). */
int64_t hl_pushlog_append(struct hl_pushlog *p, uint64_t job, uint8_t kind, uint8_t status,
        uint32_t ppm, uint64_t ref);

/** A client registers having seen up to after_seq (0 = nothing): fills out[] (at most cap) with
 *  what it missed, oldest first. *gap is set when pushes between after_seq and the oldest
 *  retained one are gone: out[0] is then a synthetic STATUS push with the current status and
 *  progress (seq 0). Returns the count, or -HL_E_NOT_FOUND for an unknown job. */
int hl_pushlog_replay(const struct hl_pushlog *p, uint64_t job, uint64_t after_seq,
        struct hl_push *out, int cap, bool *gap);

/** Free a job's log (after the final result was acknowledged by the client). -ENOENT. */
int hl_pushlog_close(struct hl_pushlog *p, uint64_t job);

static inline uint32_t
hl_pushlog_jobs(const struct hl_pushlog *p)
{
	return hl_idmap_count(&p->map);
}

#endif
