/* hl_hist.h — log-linear latency histogram: exact counts, mergeable, percentile queries.
 *
 * Values (e.g. nanoseconds) below 2^HL_HIST_SUB_BITS get one bucket each (exact); above, each
 * power of two is split into 2^HL_HIST_SUB_BITS linear sub-buckets, so a bucket's width is at
 * most 1/2^HL_HIST_SUB_BITS (0.78 %) of its lower bound. Values >= 2^HL_HIST_MAX_BITS land in the
 * last bucket (and are still counted exactly in count/max). Fixed size, no allocation: one per
 * (stream, lcore), single writer; merge snapshots elsewhere.
 *
 * CONTRACT FOR IMPLEMENTERS: the struct layout and function signatures below are fixed (the
 * traffic engine codes against them); lib/util/hist.c implements them.
 */
#ifndef HL_HIST_H
#define HL_HIST_H

#include <stdint.h>
#include <stddef.h>

#define HL_HIST_SUB_BITS 7
#define HL_HIST_MAX_BITS 40 /* 2^40 ns ~ 18 minutes */
#define HL_HIST_SUB (1u << HL_HIST_SUB_BITS)
#define HL_HIST_NBUCKETS ((HL_HIST_MAX_BITS - HL_HIST_SUB_BITS + 1) * HL_HIST_SUB)

struct hl_hist {
	uint64_t count;
	uint64_t sum; /* saturating */
	uint64_t min; /* UINT64_MAX when empty */
	uint64_t max;
	uint64_t buckets[HL_HIST_NBUCKETS];
};

/** Empty the histogram. */
void hl_hist_reset(struct hl_hist *h);

/** Bucket index of a value (total function; clamps to the last bucket). */
static inline size_t
hl_hist_bucket_of(uint64_t v)
{
	if (v < HL_HIST_SUB)
		return (size_t)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	if (msb >= HL_HIST_MAX_BITS)
		return HL_HIST_NBUCKETS - 1;
	unsigned shift = msb - HL_HIST_SUB_BITS;
	size_t sub = (size_t)(v >> shift) & (HL_HIST_SUB - 1);
	return (size_t)(shift + 1) * HL_HIST_SUB + sub;
}

/** Lowest value that maps to bucket i (UINT64_MAX for i >= HL_HIST_NBUCKETS). */
uint64_t hl_hist_bucket_lo(size_t i);
/** Highest value that maps to bucket i (the last bucket, and i out of range, report UINT64_MAX). */
uint64_t hl_hist_bucket_hi(size_t i);

/** Record one value (hot path: no branches beyond the bucket computation). */
static inline void
hl_hist_record(struct hl_hist *h, uint64_t v)
{
	h->buckets[hl_hist_bucket_of(v)]++;
	h->count++;
	uint64_t s = h->sum + v;
	h->sum = s < h->sum ? UINT64_MAX : s;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/** Record n occurrences of v. */
void hl_hist_record_n(struct hl_hist *h, uint64_t v, uint64_t n);

/** dst += src (exact: bucket counts add). */
void hl_hist_merge(struct hl_hist *dst, const struct hl_hist *src);

/** Value at percentile p in [0, 100]: the upper bound of the bucket holding the rank-th value,
 * clamped to [min, max]. Returns 0 for an empty histogram. */
uint64_t hl_hist_percentile(const struct hl_hist *h, double p);

/** Mean (0 when empty; inexact once sum has saturated). */
double hl_hist_mean(const struct hl_hist *h);

/* ---- sparse encoding: a histogram as bytes, for results that travel and are kept ----
 *
 *   u8 version (1), u8 shift, varint min, varint max, varint sum, varint n,
 *   n x (varint gap, varint count)
 *
 * Varints are LEB128 (7 bits a byte, low first). Only non-empty buckets are written: with shift
 * s, groups of 2^s neighbouring buckets (never across a power of two, as 2^s divides
 * HL_HIST_SUB) are written as one, group g = bucket >> s; gap is g minus the previous group minus
 * one (the first: g itself). Counts are exact at every shift; a shift > 0 only widens the
 * buckets: a decoded group's count lands in the group's highest bucket (the last group's: at
 * max's bucket), so a percentile read from it is an upper bound within the group's width
 * (2^s / HL_HIST_SUB of its value). The
 * encoder picks the smallest shift whose encoding fits the caller's room (shift 0 for any
 * realistic latency spread in HL_HIST_WIRE_MAX bytes; every histogram fits in
 * HL_HIST_WIRE_MIN bytes at shift HL_HIST_SUB_BITS). */
#define HL_HIST_WIRE_VERSION 1
#define HL_HIST_WIRE_MAX 2048 /* room a result gives one stream's histogram */
#define HL_HIST_WIRE_MIN (2 + 4 * 10 + (HL_HIST_NBUCKETS >> HL_HIST_SUB_BITS) * 12)

/** Encode h into buf[cap]: the byte count (> 0), or -EMSGSIZE when cap < what the coarsest
 *  shift needs (never for cap >= HL_HIST_WIRE_MIN). *shift (optional) gets the shift used. */
int hl_hist_encode(const struct hl_hist *h, uint8_t *buf, size_t cap, unsigned *shift);

/** Decode buf[len] into h (reset first). 0, or -EINVAL naming nothing it kept: a bad version
 *  or shift, a truncated or overlong varint, a group out of range or not increasing, a zero
 *  count, counts that overflow, min > max, min after the first group, max outside the last, or trailing
 *  bytes. On error h is left empty. */
int hl_hist_decode(struct hl_hist *h, const uint8_t *buf, size_t len);

/** dst += the histogram encoded in buf[len], without a dense copy (what merging many results
 *  costs: the encoding's groups, not HL_HIST_NBUCKETS buckets). 0, or -EINVAL for what
 *  hl_hist_decode refuses or an encoding whose count is not `want`; on error dst is unchanged. */
int hl_hist_merge_sparse(struct hl_hist *dst, const uint8_t *buf, size_t len, uint64_t want);

#endif
