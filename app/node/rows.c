/* rows.c — per-stream result rows beside the cores: a bounded store and an exact merge
 * (rows.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

int
hl_rows_init(struct hl_rows *r, uint32_t max, uint64_t max_bytes, uint64_t ttl_ns)
{
	memset(r, 0, sizeof(*r));
	if (max == 0 || max_bytes == 0)
		return -EINVAL;
	r->e = calloc(max, sizeof(*r->e));
	if (r->e == NULL)
		return -ENOMEM;
	r->max = max;
	r->max_bytes = max_bytes;
	r->ttl_ns = ttl_ns;
	return 0;
}

static void
remove_at(struct hl_rows *r, uint32_t i)
{
	r->bytes -= r->e[i].len;
	free(r->e[i].blob);
	r->e[i] = r->e[--r->n];
	memset(&r->e[r->n], 0, sizeof(r->e[r->n]));
}

void
hl_rows_fini(struct hl_rows *r)
{
	while (r->e && r->n)
		remove_at(r, r->n - 1);
	free(r->e);
	memset(r, 0, sizeof(*r));
}

static int
find(const struct hl_rows *r, uint64_t job, uint8_t kind, uint64_t key)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (r->e[i].job == job && r->e[i].kind == kind && r->e[i].key == key)
			return (int)i;
	return -1;
}

static void
evict_lru(struct hl_rows *r)
{
	uint32_t old = 0;
	for (uint32_t i = 1; i < r->n; i++)
		if (r->e[i].used_ns < r->e[old].used_ns)
			old = i;
	remove_at(r, old);
	r->n_evicted++;
}

int
hl_rows_put(struct hl_rows *r, uint64_t job, uint8_t kind, uint64_t key, const void *blob,
        size_t len, uint64_t now_ns)
{
	if (job == 0 || (kind != HL_ROWS_SLICE && kind != HL_ROWS_DC) || len == 0 ||
	        len > r->max_bytes) {
		r->n_refused++;
		return -EINVAL;
	}
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, blob, len);
	int at = find(r, job, kind, key);
	if (at >= 0) {
		remove_at(r, (uint32_t)at);
		r->n_replaced++;
	}
	while (r->n && (r->n == r->max || r->bytes + len > r->max_bytes))
		evict_lru(r);
	r->e[r->n++] = (struct hl_rows_ent){.job = job,
	        .key = key,
	        .kind = kind,
	        .blob = copy,
	        .len = (uint32_t)len,
	        .used_ns = now_ns};
	r->bytes += len;
	r->n_put++;
	return 0;
}

const struct hl_rows_ent *
hl_rows_get(const struct hl_rows *r, uint64_t job, uint8_t kind, uint64_t key)
{
	int at = find(r, job, kind, key);
	return at < 0 ? NULL : &r->e[at];
}

const struct hl_rows_ent *
hl_rows_nth(const struct hl_rows *r, uint64_t job, uint8_t kind, uint32_t i)
{
	for (uint32_t k = 0; k < r->n; k++)
		if (r->e[k].job == job && r->e[k].kind == kind && i-- == 0)
			return &r->e[k];
	return NULL;
}

int
hl_rows_drop(struct hl_rows *r, uint64_t job, uint8_t kind, uint64_t key)
{
	int at = find(r, job, kind, key);
	if (at < 0)
		return -ENOENT;
	remove_at(r, (uint32_t)at);
	return 0;
}

uint32_t
hl_rows_drop_job(struct hl_rows *r, uint64_t job)
{
	uint32_t n = 0;
	for (uint32_t i = r->n; i-- > 0;)
		if (r->e[i].job == job) {
			remove_at(r, i);
			n++;
		}
	return n;
}

uint32_t
hl_rows_sweep(struct hl_rows *r, bool (*needed)(uint64_t job, void *ctx), void *ctx,
        uint64_t now_ns, uint64_t grace_ns)
{
	uint32_t n = 0;
	for (uint32_t i = r->n; i-- > 0;) {
		uint64_t idle = now_ns > r->e[i].used_ns ? now_ns - r->e[i].used_ns : 0;
		if (idle >= r->ttl_ns) {
			remove_at(r, i);
			r->n_expired++;
			n++;
		} else if (idle >= grace_ns && needed && !needed(r->e[i].job, ctx)) {
			remove_at(r, i);
			r->n_swept++;
			n++;
		}
	}
	return n;
}

uint64_t
hl_rows_dc_key(const char *dc)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)dc; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h ? h : 1;
}

/* ---- merging ---- */

void
hl_rows_merge_init(struct hl_rows_merge *m)
{
	memset(m, 0, sizeof(*m));
}

void
hl_rows_merge_fini(struct hl_rows_merge *m)
{
	for (uint32_t i = 0; i < HL_ROWS_MAX_IDS; i++)
		free(m->s[i]);
	memset(m, 0, sizeof(*m));
}

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

int
hl_rows_merge_add(struct hl_rows_merge *m, const struct hl_rec_stream_row *row)
{
	const struct hl_rec_stream_result *b = &row->base;
	if (b->stream_id >= HL_ROWS_MAX_IDS)
		goto bad;
	bool has_hist = row->hist.len > 0;
	struct hl_rows_acc *a = m->s[b->stream_id];
	bool fresh = a == NULL;
	if (fresh) {
		if ((a = calloc(1, sizeof(*a))) == NULL)
			return -ENOMEM;
		hl_hist_reset(&a->h);
		a->row.base.stream_id = b->stream_id;
		a->row.base.lat_min_ns = UINT64_MAX;
		m->s[b->stream_id] = a;
	}
	/* first: a histogram that is refused adds nothing (nor leaves an empty stream behind) */
	if (has_hist &&
	        hl_hist_merge_sparse(&a->h, row->hist.p, row->hist.len, b->lat_samples) < 0) {
		if (fresh) {
			free(a);
			m->s[b->stream_id] = NULL;
		}
		goto bad;
	}
	struct hl_rec_stream_result *o = &a->row.base;
	o->tx_pkts = add_sat(o->tx_pkts, b->tx_pkts);
	o->tx_bytes = add_sat(o->tx_bytes, b->tx_bytes);
	o->rx_pkts = add_sat(o->rx_pkts, b->rx_pkts);
	o->rx_bytes = add_sat(o->rx_bytes, b->rx_bytes);
	o->lost = add_sat(o->lost, b->lost);
	o->reordered = add_sat(o->reordered, b->reordered);
	o->duplicates = add_sat(o->duplicates, b->duplicates);
	o->lat_samples = add_sat(o->lat_samples, b->lat_samples);
	if (b->lat_samples && b->lat_min_ns < o->lat_min_ns)
		o->lat_min_ns = b->lat_min_ns;
	if (b->lat_max_ns > o->lat_max_ns)
		o->lat_max_ns = b->lat_max_ns;
	o->tx_rate_pps += b->tx_rate_pps;
	a->row.req_pps += row->req_pps;
	if (row->duration_ns > a->row.duration_ns)
		a->row.duration_ns = row->duration_ns;
	if (row->sig > a->row.sig)
		a->row.sig = row->sig;
	a->jit_weighted += (double)b->jitter_ns * (double)b->lat_samples;
	a->jit_weight = add_sat(a->jit_weight, b->lat_samples);
	if (!has_hist && b->lat_samples)
		a->unbinned = add_sat(a->unbinned, b->lat_samples);
	m->n_rows++;
	return 0;
bad:
	m->n_bad++;
	return -EINVAL;
}

void
hl_rows_figures(struct hl_rec_stream_row *out, const struct hl_hist *h)
{
	struct hl_rec_stream_result *o = &out->base;
	o->lat_p50_ns = hl_hist_percentile(h, 50);
	o->lat_p90_ns = hl_hist_percentile(h, 90);
	o->lat_p99_ns = hl_hist_percentile(h, 99);
	o->lat_p999_ns = hl_hist_percentile(h, 99.9);
	o->lat_min_ns = h->count ? h->min : 0;
	o->lat_max_ns = h->count ? h->max : 0;
	out->lat_mean_ns = (uint64_t)hl_hist_mean(h);
}

bool
hl_rows_merge_row(const struct hl_rows_merge *m, uint32_t stream_id, struct hl_rec_stream_row *out,
        uint8_t *hist, size_t cap)
{
	const struct hl_rows_acc *a = stream_id < HL_ROWS_MAX_IDS ? m->s[stream_id] : NULL;
	if (a == NULL)
		return false;
	*out = a->row;
	out->worker = 0;
	out->base.jitter_ns =
	        a->jit_weight ? (uint64_t)(a->jit_weighted / (double)a->jit_weight) : 0;
	if (a->h.count && a->unbinned == 0) {
		static struct hl_hist shown;
		unsigned shift = 0;
		int n = hl_hist_encode(&a->h, hist, cap, &shift);
		out->hist = (struct hl_wire_view){n > 0 ? hist : NULL, n > 0 ? (uint32_t)n : 0};
		/* the figures are those of the histogram the row carries (coarser when the merged
		 * spread does not fit cap) */
		if (n > 0 && shift > 0 && hl_hist_decode(&shown, hist, (size_t)n) == 0)
			hl_rows_figures(out, &shown);
		else
			hl_rows_figures(out, &a->h);
	} else {
		/* some samples came without their histogram: no percentile would be that of every
		 * packet, so only the extremes are shown */
		out->base.lat_p50_ns = out->base.lat_p90_ns = out->base.lat_p99_ns = 0;
		out->base.lat_p999_ns = 0;
		out->lat_mean_ns = 0;
		if (out->base.lat_min_ns == UINT64_MAX)
			out->base.lat_min_ns = 0;
		out->hist = (struct hl_wire_view){NULL, 0};
	}
	return true;
}
