/* hist_fallback.c — minimal implementation of the lib/util/hl_hist.h contract, built only while
 * lib/util/hist.c has not landed (see lib/txgen/meson.build), so the traffic engine links. */
#include <stdint.h>
#include <string.h>

#include "hl_hist.h"

void
hl_hist_reset(struct hl_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t
hl_hist_bucket_lo(size_t i)
{
	if (i < HL_HIST_SUB)
		return i;
	size_t shift = i / HL_HIST_SUB - 1;
	return (uint64_t)(HL_HIST_SUB + i % HL_HIST_SUB) << shift;
}

uint64_t
hl_hist_bucket_hi(size_t i)
{
	if (i >= HL_HIST_NBUCKETS - 1)
		return UINT64_MAX;
	return hl_hist_bucket_lo(i + 1) - 1;
}

void
hl_hist_record_n(struct hl_hist *h, uint64_t v, uint64_t n)
{
	if (n == 0)
		return;
	h->buckets[hl_hist_bucket_of(v)] += n;
	h->count += n;
	unsigned __int128 s = (unsigned __int128)v * n + h->sum;
	h->sum = s > UINT64_MAX ? UINT64_MAX : (uint64_t)s;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
hl_hist_merge(struct hl_hist *dst, const struct hl_hist *src)
{
	for (size_t i = 0; i < HL_HIST_NBUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	uint64_t s = dst->sum + src->sum;
	dst->sum = s < dst->sum ? UINT64_MAX : s;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
hl_hist_percentile(const struct hl_hist *h, double p)
{
	if (h->count == 0)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	uint64_t rank = (uint64_t)(p / 100.0 * (double)h->count + 0.5);
	if (rank == 0)
		rank = 1;
	uint64_t acc = 0;
	for (size_t i = 0; i < HL_HIST_NBUCKETS; i++) {
		acc += h->buckets[i];
		if (acc >= rank) {
			uint64_t v = hl_hist_bucket_hi(i);
			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

double
hl_hist_mean(const struct hl_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}
