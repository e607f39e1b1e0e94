/* rxmeas.c — per-lcore RX measurement: signature parse, sequence tracking with a sliding
 * bitmap, latency histogram, RFC 3550 jitter, seqlock snapshots. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "hl_rxmeas.h"
#include "hl_txgen.h"

#define NO_SLOT 0xff

struct rx_seq {
	/* bit (seq % W) set = seq seen, for the seqs in (max - W, max] */
	uint64_t bits[HL_RX_WINDOW / 64];
	int64_t last_transit; /* ns, of the previous packet (jitter) */
	uint64_t jitter16; /* jitter x 16 (RFC 3550 fixed point) */
};

struct hl_rxmeas {
	uint16_t port, queue;
	uint32_t n_streams;
	uint64_t ns_mult; /* ns = cycles * ns_mult >> 32 */
	uint64_t mul64_max; /* cycles up to which cycles * ns_mult fits 64 bits */
	uint64_t window_cycles, next_window;
	uint64_t rx_total, rx_unsigned, rx_unknown;
	/* NIC RX timestamps (0 flag = off): tsc = tsc_ref + (t - nic_ref) * hw_mult >> 32 */
	uint64_t hw_flag, hw_nic_ref, hw_tsc_ref, hw_mult, hw_stamped;
	int hw_off;
	uint8_t slot_of[HL_STREAM_MAX_ID + 1];
	struct rx_seq seq[HL_RX_MAX_STREAMS];
	struct hl_rx_stats st[HL_RX_MAX_STREAMS];
	struct hl_seqlock snap_lock;
	struct hl_rx_snapshot snap;
};

struct hl_rxmeas *
hl_rxmeas_create(uint16_t port, uint16_t queue, uint64_t window_ns, int socket)
{
	/* an out-of-range queue would be used unchecked by rte_eth_rx_burst */
	struct rte_eth_dev_info di;
	if (!rte_eth_dev_is_valid_port(port) || rte_eth_dev_info_get(port, &di) != 0 ||
	        queue >= di.nb_rx_queues) {
		rte_errno = EINVAL;
		return NULL;
	}
	struct hl_rxmeas *r = rte_zmalloc_socket("hl_rxmeas", sizeof(*r), 64, socket);
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->port = port;
	r->queue = queue;
	memset(r->slot_of, NO_SLOT, sizeof(r->slot_of));
	uint64_t hz = rte_get_tsc_hz();
	r->ns_mult = (uint64_t)(1e9 * 4294967296.0 / (double)hz);
	r->mul64_max = UINT64_MAX / (r->ns_mult ? r->ns_mult : 1);
	if (window_ns == 0)
		window_ns = HL_TXGEN_DEFAULT_WINDOW_NS;
	r->window_cycles = (uint64_t)((double)window_ns * (double)hz / 1e9);
	r->next_window = rte_rdtsc() + r->window_cycles;
	return r;
}

void
hl_rxmeas_free(struct hl_rxmeas *r)
{
	rte_free(r);
}

int
hl_rxmeas_track(struct hl_rxmeas *r, uint16_t id)
{
	if (r->slot_of[id] != NO_SLOT)
		return -EEXIST;
	if (r->n_streams >= HL_RX_MAX_STREAMS)
		return -ENOSPC;
	uint32_t k = r->n_streams++;
	memset(&r->seq[k], 0, sizeof(r->seq[k]));
	memset(&r->st[k], 0, sizeof(r->st[k]));
	r->st[k].stream_id = id;
	hl_hist_reset(&r->st[k].lat_ns);
	memset(&r->snap.st[k], 0, sizeof(r->snap.st[k])); /* copy_stats relies on zeros */
	hl_hist_reset(&r->snap.st[k].lat_ns);
	r->seq[k].last_transit = INT64_MIN;
	r->slot_of[id] = (uint8_t)k;
	return 0;
}

static inline void
bit_set(struct rx_seq *q, uint64_t s)
{
	q->bits[(s / 64) % (HL_RX_WINDOW / 64)] |= 1ull << (s % 64);
}

static inline bool
bit_test(const struct rx_seq *q, uint64_t s)
{
	return q->bits[(s / 64) % (HL_RX_WINDOW / 64)] & (1ull << (s % 64));
}

/* Slide the window from max to nmax: forget the bits of the sequence numbers entering it. */
static void
slide(struct rx_seq *q, uint64_t max, uint64_t nmax)
{
	if (nmax - max >= HL_RX_WINDOW) {
		memset(q->bits, 0, sizeof(q->bits));
		return;
	}
	for (uint64_t s = max + 1; s <= nmax; s++) {
		if ((s % 64) == 0 && nmax - s >= 63) { /* whole word */
			q->bits[(s / 64) % (HL_RX_WINDOW / 64)] = 0;
			s += 63;
			continue;
		}
		q->bits[(s / 64) % (HL_RX_WINDOW / 64)] &= ~(1ull << (s % 64));
	}
}

/* Hot state of the stream being accounted, kept in locals while consecutive packets of a burst
 * belong to it (the usual case), written back when the stream changes or the burst ends. */
struct cur {
	uint32_t k; /* slot, or NO_SLOT */
	struct hl_rx_stats *st;
	struct rx_seq *q;
	uint64_t rx_pkts, rx_bytes, unique, max_seq, jitter16;
	int64_t last_transit;
	/* latency histogram totals; only the bucket counts are updated in place per packet */
	uint64_t h_count, h_sum, h_min, h_max;
};

static inline void
cur_flush(struct cur *c)
{
	if (c->k == NO_SLOT)
		return;
	c->st->rx_pkts = c->rx_pkts;
	c->st->rx_bytes = c->rx_bytes;
	c->st->unique = c->unique;
	c->st->max_seq = c->max_seq;
	c->st->jitter_ns = c->jitter16 >> 4;
	c->q->jitter16 = c->jitter16;
	c->q->last_transit = c->last_transit;
	struct hl_hist *h = &c->st->lat_ns;
	h->count += c->h_count;
	uint64_t sum = h->sum + c->h_sum;
	h->sum = sum < h->sum ? UINT64_MAX : sum;
	if (c->h_min < h->min)
		h->min = c->h_min;
	if (c->h_max > h->max)
		h->max = c->h_max;
}

static inline void
cur_load(struct hl_rxmeas *r, struct cur *c, uint32_t k)
{
	c->k = k;
	c->st = &r->st[k];
	c->q = &r->seq[k];
	c->rx_pkts = c->st->rx_pkts;
	c->rx_bytes = c->st->rx_bytes;
	c->unique = c->st->unique;
	c->max_seq = c->st->max_seq;
	c->jitter16 = c->q->jitter16;
	c->last_transit = c->q->last_transit;
	c->h_count = 0;
	c->h_sum = 0;
	c->h_min = UINT64_MAX;
	c->h_max = 0;
}

static inline void
account_sig(
        struct hl_rxmeas *r, struct cur *c, const struct hl_sig *sig, uint32_t len, uint64_t rx_tsc)
{
	uint32_t k = r->slot_of[sig->stream_id];
	if (unlikely(k == NO_SLOT)) {
		r->rx_unknown++;
		return;
	}
	if (unlikely(k != c->k)) {
		cur_flush(c);
		cur_load(r, c, k);
	}
	struct rx_seq *q = c->q;
	uint64_t s;
	if (unlikely(c->rx_pkts == 0)) {
		s = sig->seq;
		c->max_seq = s;
		bit_set(q, s);
	} else {
		/* widen the 32-bit sequence against the highest seen (serial arithmetic) */
		int32_t d = (int32_t)(sig->seq - (uint32_t)c->max_seq);
		s = c->max_seq + (uint64_t)(int64_t)d;
		if (likely(d == 1)) {
			bit_set(q, s); /* the bit was seq - W's, outside the window now */
			c->max_seq = s;
		} else if (d > 0) {
			slide(q, c->max_seq, s);
			bit_set(q, s);
			c->max_seq = s;
		} else if ((d < 0 && (int64_t)c->max_seq + d < 0) ||
		           c->max_seq - s >= HL_RX_WINDOW) {
			c->st->too_old++;
		} else if (bit_test(q, s)) {
			c->st->dup++;
			c->rx_pkts++;
			c->rx_bytes += len + 4u;
			return; /* a duplicate says nothing new about latency */
		} else {
			bit_set(q, s);
			c->st->reorder++;
		}
	}
	c->rx_pkts++;
	c->unique++;
	c->rx_bytes += len + 4u;
	uint64_t cyc = rx_tsc - sig->tx_tsc;
	if ((int64_t)cyc < 0)
		cyc = 0; /* TSCs of different cores may differ slightly */
	/* a 64-bit product when it cannot overflow (a few seconds of cycles), else 128-bit */
	uint64_t ns = likely(cyc <= r->mul64_max)
	                      ? (cyc * r->ns_mult) >> 32
	                      : (uint64_t)(((unsigned __int128)cyc * r->ns_mult) >> 32);
	c->st->lat_ns.buckets[hl_hist_bucket_of(ns)]++; /* the rest of hl_hist_record in c */
	c->h_count++;
	uint64_t hs = c->h_sum + ns; /* saturating, like hl_hist_record: forged stamps exist */
	c->h_sum = hs < ns ? UINT64_MAX : hs;
	c->h_min = ns < c->h_min ? ns : c->h_min;
	c->h_max = ns > c->h_max ? ns : c->h_max;
	/* RFC 3550 6.4.1: J += (|D| - J) / 16, D = difference of successive transit times */
	if (c->last_transit != INT64_MIN) {
		int64_t dd = (int64_t)ns - c->last_transit;
		uint64_t ad = (uint64_t)(dd < 0 ? -dd : dd);
		c->jitter16 += ad - ((c->jitter16 + 8) >> 4);
	}
	c->last_transit = (int64_t)ns;
}

void
hl_rxmeas_account(struct hl_rxmeas *r, struct rte_mbuf **pkts, uint16_t n, uint64_t rx_tsc)
{
	r->rx_total += n;
	/* The data lines are fetched four packets ahead of the parse (two-pass and all-at-once
	 * prefetching measured no better on hot rings and worse on cold ones). */
	for (uint16_t i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], const uint8_t *));
	struct cur c = {.k = NO_SLOT};
	uint64_t uns = 0;
	const uint64_t hw_flag = r->hw_flag;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], const uint8_t *));
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		int off = hl_sig_locate(p, m->data_len);
		if (off < 0) {
			uns++;
			continue;
		}
		struct hl_sig sig;
		memcpy(&sig, p + off, sizeof(sig));
		uint64_t t = rx_tsc;
		if (unlikely(hw_flag != 0) && (m->ol_flags & hw_flag)) {
			int64_t d = (int64_t)(*RTE_MBUF_DYNFIELD(m, r->hw_off, uint64_t *) -
			                      r->hw_nic_ref);
			t = r->hw_tsc_ref + (uint64_t)(((__int128)d * (__int128)r->hw_mult) >> 32);
			r->hw_stamped++;
		}
		account_sig(r, &c, &sig, m->pkt_len, t);
	}
	cur_flush(&c);
	r->rx_unsigned += uns;
}

uint16_t
hl_rxmeas_poll(struct hl_rxmeas *r)
{
	struct rte_mbuf *pk[HL_RX_BURST];
	uint16_t n = rte_eth_rx_burst(r->port, r->queue, pk, HL_RX_BURST);
	uint64_t now = rte_rdtsc();
	if (n) {
		hl_rxmeas_account(r, pk, n, now);
		rte_pktmbuf_free_bulk(pk, n);
	}
	if (now >= r->next_window) {
		hl_rxmeas_publish(r);
		r->next_window = now + r->window_cycles;
	}
	return n;
}

/* Copy live stats into a snapshot slot without the whole 35 KB histogram: the histogram is
 * cumulative, so its non-zero buckets always lie between the buckets of its min and max, and
 * the slot (zeroed when the stream was tracked) already holds zeros outside that range. This
 * keeps the RX lcore's pause per window to a few hundred bytes per stream instead of a copy
 * longer than a NIC ring lasts at line rate. */
static void
copy_stats(struct hl_rx_stats *dst, const struct hl_rx_stats *src)
{
	memcpy(dst, src, offsetof(struct hl_rx_stats, lat_ns));
	const struct hl_hist *h = &src->lat_ns;
	struct hl_hist *d = &dst->lat_ns;
	d->count = h->count;
	d->sum = h->sum;
	d->min = h->min;
	d->max = h->max;
	if (h->count == 0)
		return;
	size_t lo = hl_hist_bucket_of(h->min), hi = hl_hist_bucket_of(h->max);
	memcpy(&d->buckets[lo], &h->buckets[lo], (hi - lo + 1) * sizeof(h->buckets[0]));
}

void
hl_rxmeas_publish(struct hl_rxmeas *r)
{
	hl_seq_write_begin(&r->snap_lock);
	r->snap.window_seq++;
	r->snap.tsc = rte_rdtsc();
	r->snap.rx_total = r->rx_total;
	r->snap.rx_unsigned = r->rx_unsigned;
	r->snap.rx_unknown = r->rx_unknown;
	r->snap.n_streams = r->n_streams;
	for (uint32_t i = 0; i < r->n_streams; i++)
		copy_stats(&r->snap.st[i], &r->st[i]);
	hl_seq_write_end(&r->snap_lock);
}

void
hl_rxmeas_snapshot(const struct hl_rxmeas *r, struct hl_rx_snapshot *out)
{
	uint32_t s;
	do {
		s = hl_seq_read_begin(&r->snap_lock);
		out->window_seq = r->snap.window_seq;
		out->tsc = r->snap.tsc;
		out->rx_total = r->snap.rx_total;
		out->rx_unsigned = r->snap.rx_unsigned;
		out->rx_unknown = r->snap.rx_unknown;
		out->n_streams = r->snap.n_streams;
		uint32_t n = out->n_streams <= HL_RX_MAX_STREAMS ? out->n_streams : 0;
		memcpy(out->st, r->snap.st, n * sizeof(out->st[0]));
	} while (hl_seq_read_retry(&r->snap_lock, s));
}

const struct hl_rx_stats *
hl_rxmeas_stats(const struct hl_rxmeas *r, uint16_t id)
{
	uint8_t k = r->slot_of[id];
	return k == NO_SLOT ? NULL : &r->st[k];
}

void
hl_rxmeas_totals(const struct hl_rxmeas *r, uint64_t *total, uint64_t *uns, uint64_t *unknown)
{
	if (total)
		*total = r->rx_total;
	if (uns)
		*uns = r->rx_unsigned;
	if (unknown)
		*unknown = r->rx_unknown;
}

void
hl_rx_stats_merge(struct hl_rx_stats *dst, const struct hl_rx_stats *src)
{
	if (src->rx_pkts == 0)
		return;
	if (dst->rx_pkts == 0 || src->max_seq > dst->max_seq)
		dst->max_seq = src->max_seq;
	dst->rx_pkts += src->rx_pkts;
	dst->rx_bytes += src->rx_bytes;
	dst->dup += src->dup;
	dst->reorder += src->reorder;
	dst->too_old += src->too_old;
	dst->unique += src->unique;
	if (src->jitter_ns > dst->jitter_ns)
		dst->jitter_ns = src->jitter_ns;
	hl_hist_merge(&dst->lat_ns, &src->lat_ns);
}

int
hl_rxmeas_hw_timestamps(struct hl_rxmeas *r, int dynfield, uint64_t dynflag, double nic_hz,
        uint64_t nic_ref, uint64_t tsc_ref)
{
	if (dynfield < 0 || dynflag == 0) {
		r->hw_flag = 0;
		return 0;
	}
	if (!(nic_hz > 0))
		return -EINVAL;
	r->hw_off = dynfield;
	r->hw_nic_ref = nic_ref;
	r->hw_tsc_ref = tsc_ref;
	r->hw_mult = (uint64_t)((double)rte_get_tsc_hz() / nic_hz * 4294967296.0);
	r->hw_flag = dynflag;
	return 0;
}

uint64_t
hl_rxmeas_hw_stamped(const struct hl_rxmeas *r)
{
	return r->hw_stamped;
}
