/* hist.c — log-linear histogram (contract in hl_hist.h): bucket bounds, merge, percentiles. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
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

/* ---- sparse encoding (format in hl_hist.h) ---- */

static size_t
put_varint(uint8_t *b, size_t cap, size_t at, uint64_t v)
{
	do {
		if (at >= cap)
			return cap + 1; /* no room: the caller sees at > cap */
		uint8_t c = (uint8_t)(v & 0x7f);
		v >>= 7;
		b[at++] = v ? (uint8_t)(c | 0x80) : c;
	} while (v);
	return at;
}

static int
get_varint(const uint8_t *b, size_t len, size_t *at, uint64_t *v)
{
	uint64_t r = 0;
	for (unsigned sh = 0; sh < 64; sh += 7) {
		if (*at >= len)
			return -EINVAL;
		uint8_t c = b[(*at)++];
		if (sh == 63 && (c & 0x7e))
			return -EINVAL; /* more than 64 bits */
		r |= (uint64_t)(c & 0x7f) << sh;
		if (!(c & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -EINVAL;
}

/* The encoding at one shift, or cap + 1 when it does not fit. */
static size_t
encode_at(const struct hl_hist *h, unsigned s, uint8_t *buf, size_t cap)
{
	size_t ngroups = HL_HIST_NBUCKETS >> s, n = 0, at;
	uint64_t group_of_prev = 0;
	for (size_t g = 0; g < ngroups; g++)
		for (size_t k = 0; k < (1u << s); k++)
			if (h->buckets[(g << s) + k]) {
				n++;
				break;
			}
	if (cap < 2)
		return cap + 1;
	buf[0] = HL_HIST_WIRE_VERSION;
	buf[1] = (uint8_t)s;
	at = put_varint(buf, cap, 2, h->count ? h->min : 0);
	at = put_varint(buf, cap, at, h->count ? h->max : 0);
	at = put_varint(buf, cap, at, h->count ? h->sum : 0);
	at = put_varint(buf, cap, at, n);
	bool first = true;
	for (size_t g = 0; g < ngroups && at <= cap; g++) {
		uint64_t c = 0;
		for (size_t k = 0; k < (1u << s); k++)
			c += h->buckets[(g << s) + k];
		if (c == 0)
			continue;
		at = put_varint(buf, cap, at, first ? g : g - group_of_prev - 1);
		at = put_varint(buf, cap, at, c);
		group_of_prev = g;
		first = false;
	}
	return at;
}

int
hl_hist_encode(const struct hl_hist *h, uint8_t *buf, size_t cap, unsigned *shift)
{
	for (unsigned s = 0; s <= HL_HIST_SUB_BITS; s++) {
		size_t at = encode_at(h, s, buf, cap);
		if (at <= cap) {
			if (shift)
				*shift = s;
			return (int)at;
		}
	}
	return -EMSGSIZE;
}

/* What a sparse encoding holds (after a walk that checked it). */
struct sparse_meta {
	uint64_t count, min, max, sum;
};

/* Check buf[len] (add_to NULL), or add its counts to add_to's buckets (a checked input). */
static int
sparse_walk(const uint8_t *buf, size_t len, struct hl_hist *add_to, struct sparse_meta *meta)
{
	uint64_t mn, mx, sum, n, g = 0, total = 0, first_g = 0;
	size_t at = 2;
	if (len < 2 || buf[0] != HL_HIST_WIRE_VERSION || buf[1] > HL_HIST_SUB_BITS)
		return -EINVAL;
	unsigned s = buf[1];
	uint64_t ngroups = HL_HIST_NBUCKETS >> s;
	if (get_varint(buf, len, &at, &mn) < 0 || get_varint(buf, len, &at, &mx) < 0 ||
	        get_varint(buf, len, &at, &sum) < 0 || get_varint(buf, len, &at, &n) < 0 ||
	        n > ngroups)
		return -EINVAL;
	size_t mxb = hl_hist_bucket_of(mx);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t gap, c;
		if (get_varint(buf, len, &at, &gap) < 0 || get_varint(buf, len, &at, &c) < 0 ||
		        c == 0 || gap >= ngroups)
			return -EINVAL;
		g = i == 0 ? gap : g + 1 + gap;
		if (g >= ngroups || __builtin_add_overflow(total, c, &total))
			return -EINVAL;
		if (i == 0)
			first_g = g;
		if (add_to != NULL) {
			/* a group's count at its highest bucket; the last group's at max's bucket */
			size_t top = (g << s) + (1u << s) - 1;
			add_to->buckets[i + 1 == n && mxb < top ? mxb : top] += c;
		}
	}
	if (at != len)
		return -EINVAL;
	if (n == 0) {
		if (mn || mx || sum)
			return -EINVAL;
		*meta = (struct sparse_meta){0, UINT64_MAX, 0, 0};
		return 0;
	}
	/* max lies in the last group, min at or before the first (a decoded coarse histogram,
	 * encoded again at a finer shift, has its first count above min's bucket) */
	if (mn > mx || hl_hist_bucket_of(mn) >> s > first_g || mxb >> s != g)
		return -EINVAL;
	*meta = (struct sparse_meta){total, mn, mx, sum};
	return 0;
}

int
hl_hist_decode(struct hl_hist *h, const uint8_t *buf, size_t len)
{
	struct sparse_meta m;
	hl_hist_reset(h);
	if (sparse_walk(buf, len, NULL, &m) < 0)
		return -EINVAL;
	(void)sparse_walk(buf, len, h, &m);
	h->count = m.count;
	h->min = m.min;
	h->max = m.max;
	h->sum = m.sum;
	return 0;
}

int
hl_hist_merge_sparse(struct hl_hist *dst, const uint8_t *buf, size_t len, uint64_t want)
{
	struct sparse_meta m;
	if (sparse_walk(buf, len, NULL, &m) < 0 || m.count != want)
		return -EINVAL;
	if (m.count == 0)
		return 0;
	(void)sparse_walk(buf, len, dst, &m);
	dst->count += m.count;
	dst->sum = sat_add(dst->sum, m.sum);
	if (m.min < dst->min)
		dst->min = m.min;
	if (m.max > dst->max)
		dst->max = m.max;
	return 0;
}
