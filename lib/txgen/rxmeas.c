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
	uintptr_t data_delta; /* packet data - mbuf address of the last packet (prefetch guess) */
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
	r->data_delta = sizeof(struct rte_mbuf) + RTE_PKTMBUF_HEADROOM;
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

/* One parsed signed packet of the burst being accounted (pass 1 -> pass 2). */
struct parsed {
	uint32_t seq;
	uint32_t len; /* pkt_len */
	uint64_t cyc; /* transit time in TSC cycles (clamped at 0) */
};

/* Latency histogram and jitter: equal transit times come in runs (the sender stamps a burst
 * once, the receiver takes one TSC per burst), so the ns conversion and the bucket index are
 * computed once per run, and the bucket is incremented once per run. Jitter still advances per
 * packet: D = 0 inside a run, J += (0 - J) / 16. */
struct latrun {
	uint64_t cyc; /* transit cycles of the current run (UINT64_MAX: none) */
	uint64_t ns;
	uint64_t n; /* packets in the run not yet in the histogram */
};

static inline uint64_t
cyc_to_ns(const struct hl_rxmeas *r, uint64_t cyc)
{
	/* a 64-bit product when it cannot overflow (a few seconds of cycles), else 128-bit */
	return likely(cyc <= r->mul64_max)
	               ? (cyc * r->ns_mult) >> 32
	               : (uint64_t)(((unsigned __int128)cyc * r->ns_mult) >> 32);
}

static inline void
lat_flush(struct cur *c, struct latrun *lr)
{
	if (lr->n == 0)
		return;
	uint64_t ns = lr->ns;
	c->st->lat_ns.buckets[hl_hist_bucket_of(ns)] += lr->n; /* the rest of hl_hist_record in c */
	c->h_count += lr->n;
	uint64_t add; /* saturating, like hl_hist_record: forged stamps exist */
	if (__builtin_mul_overflow(ns, lr->n, &add))
		add = UINT64_MAX;
	uint64_t hs = c->h_sum + add;
	c->h_sum = hs < add ? UINT64_MAX : hs;
	c->h_min = ns < c->h_min ? ns : c->h_min;
	c->h_max = ns > c->h_max ? ns : c->h_max;
	lr->n = 0;
}

/* One latency sample of the current stream. */
static inline void
lat_add(const struct hl_rxmeas *r, struct cur *c, struct latrun *lr, uint64_t cyc)
{
	if (likely(cyc == lr->cyc && lr->n != 0)) {
		lr->n++;
		/* RFC 3550 6.4.1 with D = 0 (same transit time as the previous packet) */
		if (c->last_transit != INT64_MIN)
			c->jitter16 -= (c->jitter16 + 8) >> 4;
		c->last_transit = (int64_t)lr->ns;
		return;
	}
	lat_flush(c, lr);
	uint64_t ns = cyc_to_ns(r, cyc);
	lr->cyc = cyc;
	lr->ns = ns;
	lr->n = 1;
	/* RFC 3550 6.4.1: J += (|D| - J) / 16, D = difference of successive transit times */
	if (c->last_transit != INT64_MIN) {
		int64_t dd = (int64_t)ns - c->last_transit;
		uint64_t ad = (uint64_t)(dd < 0 ? -dd : dd);
		c->jitter16 += ad - ((c->jitter16 + 8) >> 4);
	}
	c->last_transit = (int64_t)ns;
}

/* Set the window bits of sequence numbers lo..hi (64-bit widened, hi - lo < 64 * 15), in
 * whole words where possible. */
static inline void
bits_set_range(struct rx_seq *q, uint64_t lo, uint64_t hi)
{
	const uint64_t nw = HL_RX_WINDOW / 64;
	uint64_t wlo = lo / 64, whi = hi / 64;
	if (wlo == whi) {
		uint64_t m = (~0ull << (lo % 64)) & (~0ull >> (63 - hi % 64));
		q->bits[wlo % nw] |= m;
		return;
	}
	q->bits[wlo % nw] |= ~0ull << (lo % 64);
	for (uint64_t w = wlo + 1; w < whi; w++)
		q->bits[w % nw] = ~0ull;
	q->bits[whi % nw] |= ~0ull >> (63 - hi % 64);
}

/* A packet off the in-order fast path: first packet of a stream, a jump ahead, a late one or a
 * duplicate. Returns false for a duplicate (no latency sample). */
static bool
seq_slow(struct cur *c, uint32_t seq32)
{
	struct rx_seq *q = c->q;
	if (c->rx_pkts == 0) {
		c->max_seq = seq32;
		bit_set(q, seq32);
		return true;
	}
	/* widen the 32-bit sequence against the highest seen (serial arithmetic) */
	int32_t d = (int32_t)(seq32 - (uint32_t)c->max_seq);
	uint64_t s = c->max_seq + (uint64_t)(int64_t)d;
	if (d > 0) {
		slide(q, c->max_seq, s);
		bit_set(q, s);
		c->max_seq = s;
	} else if ((d < 0 && (int64_t)c->max_seq + d < 0) || c->max_seq - s >= HL_RX_WINDOW) {
		c->st->too_old++;
	} else if (bit_test(q, s)) {
		c->st->dup++;
		return false;
	} else {
		bit_set(q, s);
		c->st->reorder++;
	}
	return true;
}

/* Pass 2: the signed packets of one stream slot k, in arrival order. In-order runs (each
 * sequence one above the previous, the normal case) are accounted as a block: one range of
 * window bits, one counter update. */
static inline void
account_run(const struct hl_rxmeas *r, struct cur *c, struct latrun *lr, const struct parsed *pp,
        uint32_t n)
{
	uint32_t i = 0;
	while (i < n) {
		if (likely(c->rx_pkts != 0 && pp[i].seq == (uint32_t)c->max_seq + 1)) {
			uint32_t j = i + 1;
			while (j < n && pp[j].seq == pp[j - 1].seq + 1)
				j++;
			uint64_t len = j - i;
			bits_set_range(c->q, c->max_seq + 1, c->max_seq + len);
			c->max_seq += len;
			c->rx_pkts += len;
			c->unique += len;
			c->rx_bytes += 4 * len;
			for (; i < j; i++) {
				c->rx_bytes += pp[i].len;
				lat_add(r, c, lr, pp[i].cyc);
			}
			continue;
		}
		bool fresh = seq_slow(c, pp[i].seq); /* before rx_pkts++: 0 means first */
		c->rx_bytes += pp[i].len + 4u;
		c->rx_pkts++;
		if (fresh) {
			c->unique++;
			lat_add(r, c, lr, pp[i].cyc);
		}
		i++;
	}
}

/* The signature offset: the common IPv4 (IHL 5, not a fragment) / UDP frame without VLAN is
 * recognised with two masked loads; anything else goes through the general locator. Same
 * answers as hl_sig_locate. */
static inline int
sig_offset(const uint8_t *p, uint32_t len)
{
	uint32_t a, b;
	uint16_t magic;
	if (likely(len >= 14 + 20 + 8 + HL_SIG_LEN)) {
		memcpy(&a, p + 12, 4); /* ethertype, version/IHL, TOS */
		memcpy(&b, p + 20, 4); /* fragment field, TTL, protocol */
		if ((a & 0xffffff) == 0x450008 && (b & 0xff00ff1f) == 0x11000000) {
			memcpy(&magic, p + 42, 2);
			return magic == HL_SIG_MAGIC ? 42 : -1;
		}
	}
	return hl_sig_locate(p, len);
}

#define PF_AHEAD 16 /* packets between the prefetches and the parse */

/* Up to HL_RX_BURST packets: pass 1 parses every packet (prefetched PF_AHEAD ahead) into
 * per-packet records, grouped by stream slot in arrival order; pass 2 accounts each slot's
 * records with its state held in locals. The per-packet work of pass 1 is independent from
 * packet to packet, so data-line misses overlap; the serial state (sequence window, jitter)
 * is only touched in pass 2. */
static void
account_chunk(struct hl_rxmeas *r, struct rte_mbuf **pkts, uint32_t n, uint64_t rx_tsc)
{
	struct parsed pp[HL_RX_BURST];
	uint8_t slot[HL_RX_BURST];
	uint32_t np = 0;
	uint64_t uns = 0, unk = 0;
	const uint64_t hw_flag = r->hw_flag;
	/* Stage 0, PF_AHEAD packets ahead: the mbuf's first line and its data line, whose address
	 * is guessed from the mbuf pointer alone (no load to wait for): a PMD puts a packet at a
	 * fixed distance from its mbuf (header + private area + headroom), learnt from the last
	 * packet of the previous burst. A wrong guess only wastes a prefetch. */
	const uintptr_t dd = r->data_delta;
	for (uint32_t i = 0; i < n && i < PF_AHEAD; i++) {
		rte_prefetch0(pkts[i]);
		rte_prefetch0((const uint8_t *)pkts[i] + dd);
	}
	for (uint32_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (i + PF_AHEAD < n) {
			rte_prefetch0(pkts[i + PF_AHEAD]);
			rte_prefetch0((const uint8_t *)pkts[i + PF_AHEAD] + dd);
		}
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		int off = sig_offset(p, m->data_len);
		if (off < 0) {
			uns++;
			continue;
		}
		struct hl_sig sig;
		memcpy(&sig, p + off, sizeof(sig));
		uint8_t k = r->slot_of[sig.stream_id];
		if (unlikely(k == NO_SLOT)) {
			unk++;
			continue;
		}
		uint64_t t = rx_tsc;
		if (unlikely(hw_flag != 0) && (m->ol_flags & hw_flag)) {
			int64_t d = (int64_t)(*RTE_MBUF_DYNFIELD(m, r->hw_off, uint64_t *) -
			                      r->hw_nic_ref);
			t = r->hw_tsc_ref + (uint64_t)(((__int128)d * (__int128)r->hw_mult) >> 32);
			r->hw_stamped++;
		}
		uint64_t cyc = t - sig.tx_tsc;
		if ((int64_t)cyc < 0)
			cyc = 0; /* TSCs of different cores may differ slightly */
		slot[np] = k;
		pp[np].seq = sig.seq;
		pp[np].len = m->pkt_len;
		pp[np].cyc = cyc;
		np++;
	}
	if (n != 0)
		r->data_delta = (uintptr_t)(rte_pktmbuf_mtod(pkts[n - 1], const uint8_t *) -
		                            (const uint8_t *)pkts[n - 1]);
	r->rx_unsigned += uns;
	r->rx_unknown += unk;
	struct cur c = {.k = NO_SLOT};
	struct latrun lr = {.n = 0};
	uint32_t i = 0;
	while (i < np) {
		/* a maximal stretch of one stream: accounted in order, state in locals */
		uint32_t j = i + 1;
		while (j < np && slot[j] == slot[i])
			j++;
		if (slot[i] != c.k) {
			lat_flush(&c, &lr);
			cur_flush(&c);
			cur_load(r, &c, slot[i]);
		}
		account_run(r, &c, &lr, pp + i, j - i);
		i = j;
	}
	lat_flush(&c, &lr);
	cur_flush(&c);
}

void
hl_rxmeas_account(struct hl_rxmeas *r, struct rte_mbuf **pkts, uint16_t n, uint64_t rx_tsc)
{
	r->rx_total += n;
	for (uint32_t i = 0; i < n; i += HL_RX_BURST) {
		uint32_t k = n - i < HL_RX_BURST ? n - i : HL_RX_BURST;
		account_chunk(r, pkts + i, k, rx_tsc);
	}
}

/* Free a received burst reading only the mbuf's first cache line. A direct, single-segment
 * mbuf holding the only reference goes straight back to its pool (in runs per pool): its next
 * pointer (second cache line, read by rte_pktmbuf_free) is NULL by the mbuf invariant that
 * nb_segs counts the chain, the same assumption a PMD's MBUF_FAST_FREE makes. Anything else
 * (chained, indirect, external buffer, shared) goes through rte_pktmbuf_free. */
static inline void
free_burst(struct rte_mbuf *const *pk, uint16_t n)
{
	void *run[HL_RX_BURST];
	struct rte_mempool *pool = NULL;
	unsigned nr = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pk[i];
		if (likely(RTE_MBUF_DIRECT(m) && m->nb_segs == 1 && rte_mbuf_refcnt_read(m) == 1)) {
			if (m->pool != pool) {
				if (nr != 0)
					rte_mempool_put_bulk(pool, run, nr);
				nr = 0;
				pool = m->pool;
			}
			run[nr++] = m;
		} else {
			rte_pktmbuf_free(m);
		}
	}
	if (nr != 0)
		rte_mempool_put_bulk(pool, run, nr);
}

void
hl_rx_free_burst(struct rte_mbuf *const *pkts, uint16_t n)
{
	free_burst(pkts, n);
}

uint16_t
hl_rxmeas_poll(struct hl_rxmeas *r)
{
	struct rte_mbuf *pk[HL_RX_BURST];
	uint16_t n = rte_eth_rx_burst(r->port, r->queue, pk, HL_RX_BURST);
	uint64_t now = rte_rdtsc();
	if (n) {
		hl_rxmeas_account(r, pk, n, now);
		free_burst(pk, n);
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
