/* rows.h — per-stream result rows kept beside the coordination cores (pure: no I/O, no clock).
 *
 * The cores carry a job's counts; its per-stream rows (counters, latency figures and the sparse
 * histogram of every stream) travel beside them as stream_rows messages (lib/wire), sent on the
 * same link just before the core's message they belong to:
 *
 *   worker --(kind 1: a slice's rows, before each workflow_result)--> DC job leader
 *   DC job leader --(kind 2: the DC's rows, before each final job_result)--> gate, DC peers
 *   gate --(kind 2, as received)--> every other gate (the entry gate among them)
 *
 * A store (struct hl_rows) keeps such messages by (job, kind, key) — key: (workflow << 32 |
 * sub) for a slice, the DC name's hash for a DC — bounded in entries and bytes, least recently
 * used evicted first (counted); entries of jobs no core here holds any more go after a grace
 * (hl_rows_sweep), like the profile texts (specs.h).
 *
 * Merging (struct hl_rows_merge) is exact: counters add, min/max are the extremes, histograms add
 * bucket by bucket and every percentile is read from the merged histogram (never an average of
 * percentiles); achieved and requested rates add (slices run side by side), the duration is the
 * longest, jitter is the mean weighted by latency samples. */
#ifndef HL_ROWS_H
#define HL_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_hist.h"
#include "hl_msg.h"

enum { HL_ROWS_SLICE = 1, HL_ROWS_DC = 2 };
/* A row's stream id: workflow * 16 + the stream's place in the workflow (lib/cfg:
 * HL_JOB_MAX_WORKFLOWS 32, HL_JOB_MAX_WF_STREAMS 16), so a stream two workflows send is two
 * rows, as on one node. */
#define HL_ROWS_WF_STREAMS 16
#define HL_ROWS_MAX_IDS (32 * HL_ROWS_WF_STREAMS)

struct hl_rows_ent {
	uint64_t job, key;
	uint8_t kind;
	uint8_t *blob; /* a stream_rows body */
	uint32_t len;
	uint64_t used_ns;
};

struct hl_rows {
	struct hl_rows_ent *e;
	uint32_t max, n;
	uint64_t max_bytes, bytes, ttl_ns;
	uint64_t n_put, n_replaced, n_evicted, n_expired, n_swept, n_refused;
};

int hl_rows_init(struct hl_rows *r, uint32_t max, uint64_t max_bytes, uint64_t ttl_ns);
void hl_rows_fini(struct hl_rows *r);
/** Keep a copy of a stream_rows body under (job, kind, key), replacing what was there. 0,
 *  -EINVAL (job 0, kind unknown, len 0 or over max_bytes: counted in n_refused), -ENOMEM.
 *  Evicts least recently used entries until it fits. */
int hl_rows_put(struct hl_rows *r, uint64_t job, uint8_t kind, uint64_t key, const void *blob,
        size_t len, uint64_t now_ns);
/** The entry (valid until the next put/drop/sweep), NULL if none. */
const struct hl_rows_ent *
hl_rows_get(const struct hl_rows *r, uint64_t job, uint8_t kind, uint64_t key);
/** The i-th entry of job and kind (i from 0), NULL past the last. */
const struct hl_rows_ent *
hl_rows_nth(const struct hl_rows *r, uint64_t job, uint8_t kind, uint32_t i);
/** Forget one entry: 0 or -ENOENT. */
int hl_rows_drop(struct hl_rows *r, uint64_t job, uint8_t kind, uint64_t key);
/** Forget every entry of job; returns how many. */
uint32_t hl_rows_drop_job(struct hl_rows *r, uint64_t job);
/** Drop entries unused for ttl_ns, and those unused for grace_ns whose job needed() says no
 *  core here holds; returns how many. */
uint32_t hl_rows_sweep(struct hl_rows *r, bool (*needed)(uint64_t job, void *ctx), void *ctx,
        uint64_t now_ns, uint64_t grace_ns);

/* DC key of a DC name (FNV-1a, never 0). */
uint64_t hl_rows_dc_key(const char *dc);

/* ---- merging ---- */
struct hl_rows_acc {
	struct hl_rec_stream_row row; /* sums so far; hist unset */
	struct hl_hist h;
	double jit_weighted;
	uint64_t jit_weight;
	uint64_t unbinned; /* latency samples of rows that came without a histogram */
};

struct hl_rows_merge {
	struct hl_rows_acc *s[HL_ROWS_MAX_IDS]; /* by stream id, allocated on first use */
	uint32_t n_rows, n_bad;
};

void hl_rows_merge_init(struct hl_rows_merge *m);
void hl_rows_merge_fini(struct hl_rows_merge *m);
/** Add one row. 0, -EINVAL (stream id >= HL_ROWS_MAX_IDS, a histogram that does not
 *  decode, a histogram whose count is not the row's lat_samples: counted in n_bad, nothing
 *  added), -ENOMEM. A row without a histogram adds its counters and min/max only. */
int hl_rows_merge_add(struct hl_rows_merge *m, const struct hl_rec_stream_row *row);
/** The merged row of stream_id (false if no row had it): the merged histogram is encoded into
 *  hist[cap] (cap >= HL_HIST_WIRE_MIN) and pointed to by out->hist; percentiles and mean are
 *  those of that encoding (the merged histogram's, or its coarser form when it does not fit). When some of its latency samples came without a histogram, the row has no
 *  histogram, no percentiles and no mean (min and max stay). */
bool hl_rows_merge_row(const struct hl_rows_merge *m, uint32_t stream_id,
        struct hl_rec_stream_row *out, uint8_t *hist, size_t cap);
/** The percentiles, min, max and mean a row shows, from a histogram. */
void hl_rows_figures(struct hl_rec_stream_row *out, const struct hl_hist *h);

#endif
