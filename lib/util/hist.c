/* hist.c — log-linear histogram (contract in hl_hist.h): bucket bounds, merge, percentiles. */
#include <math.h>
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
	if (i >= HL_HIST_NBUCKETS)
		return UINT64_MAX;
	if (i < HL_HIST_SUB)
		return (uint64_t)i;
	unsigned shift = (unsigned)(i / HL_HIST_SUB) - 1;
	uint64_t sub = (uint64_t)(i % HL_HIST_SUB);
	return (HL_HIST_SUB + sub) << shift;
}

uint64_t
hl_hist_bucket_hi(size_t i)
{
	if (i >= HL_HIST_NBUCKETS - 1)
		return UINT64_MAX; /* the last bucket also holds every clamped value */
	if (i < HL_HIST_SUB)
		return (uint64_t)i;
	unsigned shift = (unsigned)(i / HL_HIST_SUB) - 1;
	return hl_hist_bucket_lo(i) + (UINT64_C(1) << shift) - 1;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;
	return s < a ? UINT64_MAX : s;
}

void
hl_hist_record_n(struct hl_hist *h, uint64_t v, uint64_t n)
{
	if (n == 0)
		return;
	h->buckets[hl_hist_bucket_of(v)] += n;
	h->count += n;
	uint64_t prod;
	if (__builtin_mul_overflow(v, n, &prod))
		prod = UINT64_MAX;
	h->sum = sat_add(h->sum, prod);
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
hl_hist_merge(struct hl_hist *dst, const struct hl_hist *src)
{
	if (src->count == 0)
		return;
	for (size_t i = 0; i < HL_HIST_NBUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum = sat_add(dst->sum, src->sum);
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
	if (!(p > 0.0)) /* also catches NaN */
		p = 0.0;
	if (p > 100.0)
		p = 100.0;
	double r = ceil(p / 100.0 * (double)h->count);
	uint64_t rank = r < 1.0 ? 1 : (r >= (double)h->count ? h->count : (uint64_t)r);

	uint64_t seen = 0;
	size_t i = 0;
	for (; i < HL_HIST_NBUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	uint64_t v = i < HL_HIST_NBUCKETS ? hl_hist_bucket_hi(i) : h->max;
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

double
hl_hist_mean(const struct hl_hist *h)
{
	if (h->count == 0)
		return 0.0;
	return (double)h->sum / (double)h->count;
}
