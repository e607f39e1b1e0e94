/* txgen.c — stream compilation (template, checksum partial sums, size schedule, pre-filled pool)
 * and the paced TX loop. See hl_txgen.h for the hot-path contract and docs/traffic-engine.md. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "hl_prng.h"
#include "hl_sig.h"
#include "hl_txgen.h"

#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "the signature and checksum shortcuts assume a little-endian host"
#endif

struct hl_tx_var {
	uint16_t off; /* byte offset in the frame */
	uint8_t width; /* 2, 4 or 6 bytes */
	uint8_t op; /* enum hl_var_op */
	uint8_t in_l3; /* covered by the IPv4 header checksum */
	uint8_t in_l4; /* covered by the L4 checksum (header or pseudo-header) */
	uint32_t list_idx, list_len;
	uint64_t cur, min, max, step, span;
	uint64_t list[HL_STREAM_MAX_LIST];
};

struct hl_tx_stream {
	/* hot, read-mostly */
	struct rte_mempool *pool;
	uint16_t port, queue;
	uint16_t burst;
	uint16_t fixed_len; /* frame length without FCS when the size is fixed, else 0 */
	uint16_t l3_off, l4_off, sig_off;
	uint16_t l3_len_off; /* IPv4 total length / IPv6 payload length (variable size only) */
	uint16_t l3_len_sub; /* frame len - this = value of that field */
	uint16_t udp_len_off; /* UDP length field or 0 (variable size only) */
	uint16_t l3_ck_off, l4_ck_off;
	uint8_t has_l3_ck, has_l4_ck, l4_pseudo, l4_is_udp, sig_mode, n_vars;
	uint8_t l3_ck_dyn, l4_ck_dyn; /* checksum changes per packet (else baked in the template) */
	uint32_t l3_base, l4_base; /* ones-complement partial sums of the constant words */
	uint32_t probe_ratio, probe_left;
	uint32_t sched_len, sched_idx;
	uint64_t rng;
	uint64_t cpp_fp; /* TSC cycles per packet, 40.24 fixed point; 0 = unlimited */
	uint64_t min_batch; /* paced: wait until this many packets are due (<= burst) */
	uint64_t train; /* packets per train, 0 = continuous */
	uint64_t period_fp; /* train period (train x cpp + gap), 40.24 fixed point */
	bool paced; /* cpp_fp or trains: sends follow due times */
	uint64_t end_tsc; /* 0 = no duration */
	uint64_t limit_pkts; /* 0 = no count */
	uint64_t stall_cycles;
	uint64_t backoff_cycles; /* pause after a refused burst before asking the queue again */
	uint64_t retry_tsc;
	uint64_t produced; /* packets built (sent or pending) = pacing index */
	uint64_t progress_tsc;
	uint32_t seq;
	uint16_t stream_id;
	uint16_t n_pend;
	struct rte_mbuf *pend[HL_STREAM_MAX_BURST];
	struct hl_tx_var vars[HL_STREAM_MAX_VARS];
	struct hl_tx_counters c;
	double pps, mean_frame;
	uint16_t max_len;
	uint16_t sched[HL_TXGEN_SCHED_LEN];
	uint8_t tpl[HL_STREAM_MAX_FRAME];
	struct hl_stream_spec spec;
};

static unsigned pool_serial;

__attribute__((format(printf, 3, 4))) static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static inline uint32_t
fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

static uint32_t
sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint16_t w;
		memcpy(&w, p + i, 2);
		s += w;
	}
	if (n & 1)
		s += p[n - 1]; /* odd trailing byte, low byte in memory order on little-endian */
	return fold(s);
}

static inline void
put16(uint8_t *p, uint16_t host)
{
	uint16_t be = rte_cpu_to_be_16(host);
	memcpy(p, &be, 2);
}

static inline uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Byte offset of a field in the frame and its width. */
static void
field_loc(const struct hl_tx_stream *s, unsigned field, uint16_t *off, uint8_t *width)
{
	bool v6 = s->spec.l3 == HL_L3_IPV6;
	switch (field) {
	case HL_FIELD_DST_MAC:
		*off = 0;
		*width = 6;
		break;
	case HL_FIELD_SRC_MAC:
		*off = 6;
		*width = 6;
		break;
	case HL_FIELD_SRC_IP:
		*off = (uint16_t)(s->l3_off + (v6 ? 8 + 12 : 12));
		*width = 4;
		break;
	case HL_FIELD_DST_IP:
		*off = (uint16_t)(s->l3_off + (v6 ? 24 + 12 : 16));
		*width = 4;
		break;
	case HL_FIELD_SRC_PORT:
		*off = s->l4_off;
		*width = 2;
		break;
	default:
		*off = (uint16_t)(s->l4_off + 2);
		*width = 2;
		break;
	}
}

/* Write the frame template: all constant fields, varying fields and per-packet lengths zero. */
static void
build_template(struct hl_tx_stream *s)
{
	const struct hl_stream_spec *sp = &s->spec;
	uint8_t *p = s->tpl;
	memset(p, 0, sizeof(s->tpl));
	memcpy(p, sp->dst_mac, 6);
	memcpy(p + 6, sp->src_mac, 6);
	uint16_t off = 12;
	if (sp->vlan) {
		put16(p + 12, 0x8100);
		put16(p + 14, (uint16_t)(sp->vlan_pcp << 13 | sp->vlan_id));
		off = 16;
	}
	bool v6 = sp->l3 == HL_L3_IPV6;
	put16(p + off, v6 ? 0x86dd : 0x0800);
	s->l3_off = (uint16_t)(off + 2);
	uint8_t proto = sp->l4 == HL_L4_UDP ? 17 : sp->l4 == HL_L4_TCP_SYN ? 6 : (v6 ? 58 : 1);
	uint8_t *ip = p + s->l3_off;
	uint16_t fixed = s->fixed_len;
	if (!v6) {
		ip[0] = 0x45;
		ip[1] = sp->tos;
		if (fixed)
			put16(ip + 2, (uint16_t)(fixed - s->l3_off));
		ip[8] = sp->ttl ? sp->ttl : 64;
		ip[9] = proto;
		memcpy(ip + 12, &sp->src_ip.v4, 4);
		memcpy(ip + 16, &sp->dst_ip.v4, 4);
		s->l4_off = (uint16_t)(s->l3_off + 20);
		s->l3_len_off = (uint16_t)(s->l3_off + 2);
		s->l3_len_sub = s->l3_off;
		s->has_l3_ck = 1;
		s->l3_ck_off = (uint16_t)(s->l3_off + 10);
	} else {
		uint32_t vtc = rte_cpu_to_be_32(6u << 28 | (uint32_t)sp->tos << 20);
		memcpy(ip, &vtc, 4);
		s->l4_off = (uint16_t)(s->l3_off + 40);
		if (fixed)
			put16(ip + 4, (uint16_t)(fixed - s->l4_off));
		ip[6] = proto;
		ip[7] = sp->ttl ? sp->ttl : 64;
		memcpy(ip + 8, sp->src_ip.v6, 16);
		memcpy(ip + 24, sp->dst_ip.v6, 16);
		s->l3_len_off = (uint16_t)(s->l3_off + 4);
		s->l3_len_sub = s->l4_off;
		s->has_l3_ck = 0;
	}
	uint8_t *l4 = p + s->l4_off;
	uint16_t l4hdr = 8;
	s->udp_len_off = 0;
	s->l4_is_udp = 0;
	switch (sp->l4) {
	case HL_L4_UDP:
		put16(l4, sp->src_port);
		put16(l4 + 2, sp->dst_port);
		if (fixed)
			put16(l4 + 4, (uint16_t)(fixed - s->l4_off));
		s->udp_len_off = (uint16_t)(s->l4_off + 4);
		s->l4_is_udp = 1;
		s->l4_ck_off = (uint16_t)(s->l4_off + 6);
		/* IPv4 UDP: checksum 0 ("none", RFC 768) as testpmd txonly sends; IPv6 needs one. */
		s->has_l4_ck = v6;
		s->l4_pseudo = 1;
		break;
	case HL_L4_TCP_SYN:
		l4hdr = 20;
		put16(l4, sp->src_port);
		put16(l4 + 2, sp->dst_port);
		uint32_t isn = rte_cpu_to_be_32(0x484c0000u | sp->id);
		memcpy(l4 + 4, &isn, 4);
		l4[12] = 5 << 4;
		l4[13] = 0x02; /* SYN */
		put16(l4 + 14, 65535);
		s->l4_ck_off = (uint16_t)(s->l4_off + 16);
		s->has_l4_ck = 1;
		s->l4_pseudo = 1;
		break;
	default:
		l4[0] = v6 ? 128 : 8; /* echo request */
		put16(l4 + 4, sp->id);
		s->l4_ck_off = (uint16_t)(s->l4_off + 2);
		s->has_l4_ck = 1;
		s->l4_pseudo = v6;
		break;
	}
	s->sig_off = (uint16_t)(s->l4_off + l4hdr);

	/* Varying fields are zero in the template: their words are added per packet. */
	for (unsigned i = 0; i < s->n_vars; i++)
		memset(p + s->vars[i].off, 0, s->vars[i].width);

	if (s->has_l3_ck)
		s->l3_base = sum16(ip, 20);
	if (s->has_l4_ck) {
		uint32_t b = 0;
		if (s->l4_pseudo) {
			b += sum16(ip + (v6 ? 8 : 12), v6 ? 32 : 8);
			b += rte_cpu_to_be_16(proto);
			if (fixed)
				b += rte_cpu_to_be_16((uint16_t)(fixed - s->l4_off));
		}
		b += sum16(l4, l4hdr); /* checksum field is zero; payload zero but signature */
		s->l4_base = fold(b);
	}
}

static void
build_schedule(struct hl_tx_stream *s, struct hl_prng *g)
{
	const struct hl_stream_spec *sp = &s->spec;
	uint32_t n = HL_TXGEN_SCHED_LEN;
	if (sp->size_mode == HL_SIZE_RANGE) {
		uint32_t span = (uint32_t)sp->size_max - sp->size_min + 1;
		for (uint32_t i = 0; i < n; i++)
			s->sched[i] = (uint16_t)(sp->size_min + hl_prng_below(g, span) - 4);
	} else if (sp->size_mode == HL_SIZE_WEIGHTED) {
		uint64_t wsum = 0;
		for (uint32_t i = 0; i < sp->n_sizes; i++)
			wsum += sp->sizes[i].weight;
		/* hl_stream_spec_validate (the only way in) guarantees a size of weight >= 1 */
		assert(wsum > 0);
		/* exact ratios when the weights fit: n = a multiple of their sum */
		if (wsum <= HL_TXGEN_SCHED_LEN)
			n = (uint32_t)(HL_TXGEN_SCHED_LEN / wsum * wsum);
		uint32_t k = 0;
		uint64_t acc = 0;
		for (uint32_t i = 0; i < sp->n_sizes; i++) {
			acc += sp->sizes[i].weight;
			uint32_t upto = (uint32_t)(acc * n / wsum); /* largest-remainder style */
			while (k < upto && k < n)
				s->sched[k++] = (uint16_t)(sp->sizes[i].bytes - 4);
		}
		while (k < n)
			s->sched[k++] = (uint16_t)(sp->sizes[sp->n_sizes - 1].bytes - 4);
		for (uint32_t i = n - 1; i > 0; i--) { /* Fisher-Yates: mix sizes in time */
			uint32_t j = (uint32_t)hl_prng_below(g, i + 1);
			uint16_t t = s->sched[i];
			s->sched[i] = s->sched[j];
			s->sched[j] = t;
		}
	} else {
		n = 1;
		s->sched[0] = (uint16_t)(sp->sizes[0].bytes - 4);
	}
	s->sched_len = n;
	uint64_t tot = 0;
	uint16_t mx = 0;
	for (uint32_t i = 0; i < n; i++) {
		tot += s->sched[i];
		if (s->sched[i] > mx)
			mx = s->sched[i];
	}
	s->mean_frame = (double)tot / n + 4.0;
	s->max_len = mx;
	s->fixed_len = sp->size_mode == HL_SIZE_FIXED ? s->sched[0] : 0;
}

struct fill_arg {
	const struct hl_tx_stream *s;
};

static void
fill_mbuf(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	(void)mp;
	(void)idx;
	const struct hl_tx_stream *s = ((struct fill_arg *)arg)->s;
	struct rte_mbuf *m = obj;
	m->data_off = RTE_PKTMBUF_HEADROOM;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), s->tpl, s->max_len);
	m->data_len = s->sched[0];
	m->pkt_len = s->sched[0];
	m->nb_segs = 1;
	m->next = NULL;
	m->port = s->port;
}

struct hl_tx_stream *
hl_tx_stream_create(const struct hl_stream_spec *spec, uint16_t port, uint16_t queue,
        const struct hl_tx_opts *opts, char *err, size_t errlen)
{
	char verr[HL_STREAM_ERRLEN];
	if (hl_stream_spec_validate(spec, verr, sizeof(verr)) < 0) {
		errf(err, errlen, "stream %u: %s", spec ? spec->id : 0, verr);
		return NULL;
	}
	/* an out-of-range queue would be used unchecked by rte_eth_tx_burst */
	struct rte_eth_dev_info di;
	if (!rte_eth_dev_is_valid_port(port) || rte_eth_dev_info_get(port, &di) != 0) {
		errf(err, errlen, "stream %u: port %u: no such port", spec->id, port);
		return NULL;
	}
	if (queue >= di.nb_tx_queues) {
		errf(err, errlen, "stream %u: port %u has %u TX queues configured, queue %u asked",
		        spec->id, port, di.nb_tx_queues, queue);
		return NULL;
	}
	struct hl_tx_opts o = {0};
	if (opts != NULL)
		o = *opts;
	if (o.pool_mbufs == 0)
		o.pool_mbufs = HL_TXGEN_DEFAULT_POOL;
	if (o.pool_cache == 0)
		o.pool_cache = 256;
	if (o.pool_cache > RTE_MEMPOOL_CACHE_MAX_SIZE)
		o.pool_cache = RTE_MEMPOOL_CACHE_MAX_SIZE;
	if (o.pool_cache * 1.5 > o.pool_mbufs)
		o.pool_cache = o.pool_mbufs / 2;
	if (o.link_mbps == 0)
		o.link_mbps = 10000;
	if (o.stall_ns == 0)
		o.stall_ns = HL_TXGEN_DEFAULT_STALL_NS;
	int socket = o.socket >= 0 ? o.socket : rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = SOCKET_ID_ANY;

	struct hl_tx_stream *s = rte_zmalloc_socket("hl_tx_stream", sizeof(*s), 64, socket);
	if (s == NULL) {
		errf(err, errlen, "stream %u: out of memory for stream state", spec->id);
		return NULL;
	}
	s->spec = *spec;
	s->port = port;
	s->queue = queue;
	s->stream_id = spec->id;
	s->burst = spec->burst ? spec->burst : HL_STREAM_DEFAULT_BURST;
	s->sig_mode = spec->sig_mode;
	s->probe_ratio = spec->sig_mode == HL_SIG_PROBES ? spec->probe_ratio : 1;
	s->probe_left = 1; /* the first packet is a probe */
	struct hl_prng g;
	hl_prng_seed(&g, spec->seed ^ ((uint64_t)spec->id << 32));
	s->rng = hl_prng_next(&g) | 1;
	build_schedule(s, &g);

	/* headers first (offsets), then variations (need offsets), then the template again */
	s->n_vars = 0;
	build_template(s);
	s->n_vars = (uint8_t)spec->n_vars;
	for (unsigned i = 0; i < spec->n_vars; i++) {
		const struct hl_field_var *sv = &spec->vars[i];
		struct hl_tx_var *v = &s->vars[i];
		field_loc(s, sv->field, &v->off, &v->width);
		v->op = sv->op;
		bool ipf = sv->field == HL_FIELD_SRC_IP || sv->field == HL_FIELD_DST_IP;
		bool portf = sv->field == HL_FIELD_SRC_PORT || sv->field == HL_FIELD_DST_PORT;
		v->in_l3 = ipf && s->has_l3_ck;
		v->in_l4 = s->has_l4_ck && ((ipf && s->l4_pseudo) || portf);
		v->min = sv->min;
		v->max = sv->max;
		v->step = sv->step ? sv->step : 1;
		v->span = sv->max - sv->min + 1;
		v->cur = sv->op == HL_VAR_DEC ? sv->max : sv->min;
		v->list_len = sv->list_len;
		memcpy(v->list, sv->list, sizeof(v->list));
		if (sv->op == HL_VAR_LIST)
			v->cur = sv->list[0];
	}
	build_template(s);
	/* A checksum nothing per-packet touches is written once into the template: a constant
	 * stream then writes no packet byte at all in the hot loop. */
	bool fixed = s->fixed_len != 0;
	s->l3_ck_dyn = s->has_l3_ck && !fixed;
	s->l4_ck_dyn = s->has_l4_ck && (!fixed || s->sig_mode != HL_SIG_NONE);
	for (unsigned i = 0; i < s->n_vars; i++) {
		s->l3_ck_dyn |= s->vars[i].in_l3;
		s->l4_ck_dyn |= s->vars[i].in_l4;
	}
	if (s->has_l3_ck && !s->l3_ck_dyn) {
		uint16_t ck = (uint16_t)~fold(s->l3_base);
		memcpy(s->tpl + s->l3_ck_off, &ck, 2);
	}
	if (s->has_l4_ck && !s->l4_ck_dyn) {
		uint16_t ck = (uint16_t)~fold(s->l4_base);
		if (ck == 0 && s->l4_is_udp)
			ck = 0xffff;
		memcpy(s->tpl + s->l4_ck_off, &ck, 2);
	}

	/* rate */
	double pps = 0;
	double mf = s->mean_frame;
	switch (spec->rate_unit) {
	case HL_RATE_PPS:
		pps = spec->rate;
		break;
	case HL_RATE_L1_BPS:
		pps = spec->rate / ((mf + 20.0) * 8.0);
		break;
	case HL_RATE_L2_BPS:
		pps = spec->rate / (mf * 8.0);
		break;
	case HL_RATE_PERCENT:
		pps = (double)o.link_mbps * 1e6 * spec->rate / 100.0 / ((mf + 20.0) * 8.0);
		break;
	default:
		pps = 0;
	}
	s->pps = pps;
	uint64_t hz = rte_get_tsc_hz();
	if (pps > 0) {
		double cpp = (double)hz / pps;
		if (cpp >= (double)(1ull << 40)) {
			errf(err, errlen, "stream %u: rate %g pps too low for the TSC pacer",
			        spec->id, pps);
			rte_free(s);
			return NULL;
		}
		s->cpp_fp = (uint64_t)(cpp * (double)(1u << 24));
		double b = pps * HL_TXGEN_BATCH_NS / 1e9;
		s->min_batch = b < 1 ? 1 : b > s->burst ? s->burst : (uint64_t)b;
	}
	if (spec->train_pkts) {
		s->train = spec->train_pkts;
		uint64_t gap_fp = (uint64_t)((double)spec->train_gap_ns * (double)hz / 1e9 *
		                             (double)(1u << 24));
		s->period_fp = s->train * s->cpp_fp + gap_fp;
		if (s->period_fp == 0)
			s->train = 0; /* unlimited trains with no gap: continuous */
		if (pps == 0)
			s->min_batch = s->burst;
	}
	if (o.hw_rate_limit && pps > 0) {
		uint32_t mbps = (uint32_t)ceil(pps * s->mean_frame * 8.0 / 1e6);
		int rc = rte_eth_set_queue_rate_limit(port, queue, mbps ? mbps : 1);
		if (rc != 0) {
			errf(err, errlen,
			        "stream %u: port %u queue %u: queue rate limiter (%u Mb/s) "
			        "unavailable: %s",
			        spec->id, port, queue, mbps, rte_strerror(-rc));
			rte_free(s);
			return NULL;
		}
		s->cpp_fp = 0; /* the NIC paces; duration and count still end the stream */
		if (s->train) {
			errf(err, errlen,
			        "stream %u: trains need the TSC pacer, not a queue limiter",
			        spec->id);
			rte_free(s);
			return NULL;
		}
	}
	s->paced = s->cpp_fp != 0 || s->train != 0;
	s->limit_pkts = spec->packet_count;
	s->stall_cycles = (uint64_t)((double)o.stall_ns * (double)hz / 1e9);
	s->backoff_cycles = (uint64_t)((double)HL_TXGEN_FULL_BACKOFF_NS * (double)hz / 1e9);
	s->c.requested_pps = pps;

	/* pool: data room for the largest frame; every mbuf pre-filled with the template */
	char name[RTE_MEMPOOL_NAMESIZE];
	snprintf(name, sizeof(name), "hl_tx%u_%u_%u", port, spec->id,
	        __atomic_fetch_add(&pool_serial, 1, __ATOMIC_RELAXED));
	uint32_t room = (uint32_t)s->max_len + RTE_PKTMBUF_HEADROOM;
	if (room < RTE_MBUF_DEFAULT_BUF_SIZE)
		room = RTE_MBUF_DEFAULT_BUF_SIZE;
	s->pool = rte_pktmbuf_pool_create(
	        name, o.pool_mbufs, o.pool_cache, 0, (uint16_t)room, socket);
	if (s->pool == NULL) {
		errf(err, errlen, "stream %u: cannot create a pool of %u mbufs: %s", spec->id,
		        o.pool_mbufs, rte_strerror(rte_errno));
		rte_free(s);
		return NULL;
	}
	struct fill_arg fa = {s};
	rte_mempool_obj_iter(s->pool, fill_mbuf, &fa);
	return s;
}

int
hl_tx_stream_free(struct hl_tx_stream *s)
{
	if (s == NULL)
		return 0;
	for (uint16_t i = 0; i < s->n_pend; i++)
		rte_pktmbuf_free(s->pend[i]);
	s->n_pend = 0;
	/* mbufs still in flight (queues not drained): freeing the pool now would corrupt */
	if (rte_mempool_avail_count(s->pool) < s->pool->size)
		return -EBUSY;
	rte_mempool_free(s->pool);
	rte_free(s);
	return 0;
}

double
hl_tx_stream_pps(const struct hl_tx_stream *s)
{
	return s->pps;
}

double
hl_tx_stream_mean_frame(const struct hl_tx_stream *s)
{
	return s->mean_frame;
}

const struct hl_tx_counters *
hl_tx_stream_counters(const struct hl_tx_stream *s)
{
	return &s->c;
}

/* Hot-loop copy of a variation. The packet bytes are written through uint8_t pointers, which
 * may alias anything: keeping the state in locals for a whole burst lets the compiler hold it in
 * registers instead of reloading the stream after every store. */
struct lvar {
	uint64_t cur, min, max, step, span;
	const uint64_t *list;
	uint32_t list_idx, list_len;
	uint16_t off;
	uint8_t width, op, in_l3, in_l4;
};

static inline __attribute__((always_inline)) uint64_t
lvar_next(struct lvar *v, uint64_t *rng)
{
	uint64_t val = v->cur;
	switch (v->op) {
	case HL_VAR_INC:
		v->cur = (v->max - val < v->step) ? v->min : val + v->step;
		break;
	case HL_VAR_DEC:
		v->cur = (val - v->min < v->step) ? v->max : val - v->step;
		break;
	case HL_VAR_RANDOM:
		val = v->min + (uint64_t)(((unsigned __int128)xorshift(rng) * v->span) >> 64);
		break;
	default:
		if (++v->list_idx == v->list_len)
			v->list_idx = 0;
		v->cur = v->list[v->list_idx];
		break;
	}
	return val;
}

/* Rewrite the per-packet parts of n mbufs (already holding the template) and fix their
 * checksums. FIXED and SIG are compile-time constants in each specialisation below. */
static inline __attribute__((always_inline)) void
fill_impl(struct hl_tx_stream *s, struct rte_mbuf **pk, unsigned n, uint64_t tsc, const bool fixed,
        const bool sig)
{
	const uint32_t l3_base = s->l3_base, l4_base = s->l4_base;
	const unsigned nv = s->n_vars;
	const bool has_l3 = s->l3_ck_dyn, has_l4 = s->l4_ck_dyn, pseudo = s->l4_pseudo,
	           is_udp = s->l4_is_udp;
	const uint16_t l3_ck_off = s->l3_ck_off, l4_ck_off = s->l4_ck_off, sig_off = s->sig_off;
	const uint16_t l3_len_off = s->l3_len_off, l3_len_sub = s->l3_len_sub,
	               udp_len_off = s->udp_len_off, l4_off = s->l4_off;
	const uint16_t *sched = s->sched;
	const uint32_t sched_len = s->sched_len, probe_ratio = s->probe_ratio;
	const uint64_t id16 = (uint64_t)s->stream_id << 16;
	uint32_t sched_idx = s->sched_idx, probe_left = s->probe_left, seq = s->seq;
	uint64_t rng = s->rng;
	struct lvar lv[HL_STREAM_MAX_VARS];
	for (unsigned i = 0; i < nv; i++) {
		const struct hl_tx_var *v = &s->vars[i];
		lv[i] = (struct lvar){.cur = v->cur,
		        .min = v->min,
		        .max = v->max,
		        .step = v->step,
		        .span = v->span,
		        .list = v->list,
		        .list_idx = v->list_idx,
		        .list_len = v->list_len,
		        .off = v->off,
		        .width = v->width,
		        .op = v->op,
		        .in_l3 = v->in_l3,
		        .in_l4 = v->in_l4};
	}
	const uint32_t tsc_sum = (uint32_t)(tsc & 0xffff) + (uint32_t)((tsc >> 16) & 0xffff) +
	                         (uint32_t)((tsc >> 32) & 0xffff) + (uint32_t)(tsc >> 48);

	for (unsigned k = 0; k < n; k++) {
		struct rte_mbuf *m = pk[k];
		uint8_t *p = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;
		uint32_t l3 = l3_base, l4 = l4_base;
		if (!fixed) {
			uint16_t len = sched[sched_idx];
			if (++sched_idx == sched_len)
				sched_idx = 0;
			m->data_len = len;
			m->pkt_len = len;
			uint16_t l3v = rte_cpu_to_be_16((uint16_t)(len - l3_len_sub));
			memcpy(p + l3_len_off, &l3v, 2);
			l3 += l3v;
			uint16_t l4v = rte_cpu_to_be_16((uint16_t)(len - l4_off));
			if (pseudo)
				l4 += l4v;
			if (udp_len_off) {
				memcpy(p + udp_len_off, &l4v, 2);
				l4 += l4v;
			}
		}
		for (unsigned i = 0; i < nv; i++) {
			struct lvar *v = &lv[i];
			uint64_t val = lvar_next(v, &rng);
			uint32_t w;
			if (v->width == 4) {
				uint32_t be = rte_cpu_to_be_32((uint32_t)val);
				memcpy(p + v->off, &be, 4);
				w = (be & 0xffff) + (be >> 16);
			} else if (v->width == 2) {
				uint16_t be = rte_cpu_to_be_16((uint16_t)val);
				memcpy(p + v->off, &be, 2);
				w = be;
			} else {
				uint16_t hi = rte_cpu_to_be_16((uint16_t)(val >> 32));
				uint32_t lo = rte_cpu_to_be_32((uint32_t)val);
				memcpy(p + v->off, &hi, 2);
				memcpy(p + v->off + 2, &lo, 4);
				w = 0;
			}
			if (v->in_l3)
				l3 += w;
			if (v->in_l4)
				l4 += w;
		}
		if (sig) {
			uint64_t w0 = 0, w1 = 0;
			if (--probe_left == 0) {
				probe_left = probe_ratio;
				uint32_t q = seq++;
				w0 = HL_SIG_MAGIC | id16 | (uint64_t)q << 32;
				w1 = tsc;
				l4 += HL_SIG_MAGIC + (uint32_t)(id16 >> 16) + (q & 0xffff) +
				      (q >> 16) + tsc_sum;
			}
			/* unsigned packets clear the slot: a recycled mbuf may hold an old one */
			memcpy(p + sig_off, &w0, 8);
			memcpy(p + sig_off + 8, &w1, 8);
		}
		if (has_l3) {
			uint16_t ck = (uint16_t)~fold(l3);
			memcpy(p + l3_ck_off, &ck, 2);
		}
		if (has_l4) {
			uint16_t ck = (uint16_t)~fold(l4);
			if (ck == 0 && is_udp)
				ck = 0xffff;
			memcpy(p + l4_ck_off, &ck, 2);
		}
	}
	for (unsigned i = 0; i < nv; i++) {
		s->vars[i].cur = lv[i].cur;
		s->vars[i].list_idx = lv[i].list_idx;
	}
	s->sched_idx = sched_idx;
	s->probe_left = probe_left;
	s->seq = seq;
	s->rng = rng;
}

static void
fill_fixed_nosig(struct hl_tx_stream *s, struct rte_mbuf **pk, unsigned n, uint64_t tsc)
{
	fill_impl(s, pk, n, tsc, true, false);
}

static void
fill_fixed_sig(struct hl_tx_stream *s, struct rte_mbuf **pk, unsigned n, uint64_t tsc)
{
	fill_impl(s, pk, n, tsc, true, true);
}

static void
fill_var_nosig(struct hl_tx_stream *s, struct rte_mbuf **pk, unsigned n, uint64_t tsc)
{
	fill_impl(s, pk, n, tsc, false, false);
}

static void
fill_var_sig(struct hl_tx_stream *s, struct rte_mbuf **pk, unsigned n, uint64_t tsc)
{
	fill_impl(s, pk, n, tsc, false, true);
}

static inline void
fill_burst(struct hl_tx_stream *s, struct rte_mbuf **pk, unsigned n, uint64_t tsc)
{
	bool sig = s->sig_mode != HL_SIG_NONE;
	if (s->fixed_len)
		(sig ? fill_fixed_sig : fill_fixed_nosig)(s, pk, n, tsc);
	else
		(sig ? fill_var_sig : fill_var_nosig)(s, pk, n, tsc);
}

struct rte_mbuf *
hl_tx_stream_build_one(struct hl_tx_stream *s, uint64_t tsc)
{
	struct rte_mbuf *m;
	if (rte_mempool_get(s->pool, (void **)&m) != 0)
		return NULL;
	fill_burst(s, &m, 1, tsc);
	return m;
}

/* Due time of packet j, in 40.24 fixed-point cycles after the start. */
static inline unsigned __int128
due_off(const struct hl_tx_stream *s, uint64_t j)
{
	if (s->train == 0)
		return (unsigned __int128)j * s->cpp_fp;
	return (unsigned __int128)(j / s->train) * s->period_fp +
	       (unsigned __int128)(j % s->train) * s->cpp_fp;
}

/* Packets due at or before elapsed cycles after the start. */
static inline uint64_t
due_count(const struct hl_tx_stream *s, uint64_t elapsed)
{
	unsigned __int128 e = (unsigned __int128)elapsed << 24;
	if (s->train == 0)
		return (uint64_t)(e / s->cpp_fp) + 1;
	uint64_t g = (uint64_t)(e / s->period_fp);
	unsigned __int128 r = e - (unsigned __int128)g * s->period_fp;
	uint64_t w = s->cpp_fp ? (uint64_t)(r / s->cpp_fp) + 1 : s->train;
	return g * s->train + (w < s->train ? w : s->train);
}

void
hl_txgen_init(struct hl_txgen *g, uint64_t window_ns)
{
	memset(g, 0, sizeof(*g));
	if (window_ns == 0)
		window_ns = HL_TXGEN_DEFAULT_WINDOW_NS;
	g->window_cycles = (uint64_t)((double)window_ns * (double)rte_get_tsc_hz() / 1e9);
	hl_hist_reset(&g->gap_ns);
}

int
hl_txgen_add(struct hl_txgen *g, struct hl_tx_stream *s)
{
	if (g->n_streams >= HL_TXGEN_MAX_STREAMS)
		return -ENOSPC;
	g->streams[g->n_streams++] = s;
	return 0;
}

void
hl_txgen_start(struct hl_txgen *g)
{
	uint64_t now = rte_rdtsc();
	uint64_t hz = rte_get_tsc_hz();
	for (uint32_t i = 0; i < g->n_streams; i++) {
		struct hl_tx_stream *s = g->streams[i];
		s->c.start_tsc = now;
		s->progress_tsc = now;
		s->end_tsc =
		        s->spec.duration_ns
		                ? now + (uint64_t)((double)s->spec.duration_ns * (double)hz / 1e9)
		                : 0;
		/* A paced stream with a duration sends exactly the packets that fall due in it,
		 * even if the lcore was held up near the end: the budget is a packet count, and
		 * the end time only stops streams that are not paced. */
		if (s->paced && s->spec.duration_ns) {
			uint64_t budget = s->train ? due_count(s, s->end_tsc - now - 1)
			                           : (uint64_t)ceil((double)s->spec.duration_ns *
			                                            1e-9 * s->pps);
			if (s->limit_pkts == 0 || budget < s->limit_pkts)
				s->limit_pkts = budget;
			s->end_tsc = 0;
		}
	}
	g->next_window = now + g->window_cycles;
	__atomic_store_n(&g->running, 1, __ATOMIC_RELEASE);
}

static void
stream_end(struct hl_tx_stream *s, int status)
{
	for (uint16_t i = 0; i < s->n_pend; i++)
		rte_pktmbuf_free(s->pend[i]);
	s->c.tx_dropped += s->n_pend;
	s->n_pend = 0;
	s->c.status = status;
	s->c.done = true;
}

static inline void
account(struct hl_tx_stream *s, struct rte_mbuf **pk, uint16_t n, uint64_t now)
{
	uint64_t bytes = 0;
	if (s->fixed_len) {
		bytes = (uint64_t)n * (s->fixed_len + 4u);
	} else {
		for (uint16_t i = 0; i < n; i++)
			bytes += pk[i]->pkt_len + 4u;
	}
	s->c.tx_pkts += n;
	s->c.tx_bytes += bytes;
	s->c.last_tsc = now;
	s->c.bursts++;
	s->progress_tsc = now;
}

/* Why a stream made no progress for stall_ns while the TX queue refused packets: a port whose
 * link is down (stopped, cable out) is -ENETDOWN; a link that is up but never drains is a full
 * TX ring, -ENOSPC. Called once, when the stream ends: never in the per-burst path. */
static int
stall_cause(const struct hl_tx_stream *s)
{
	struct rte_eth_link link;
	if (rte_eth_link_get_nowait(s->port, &link) == 0 && link.link_status == RTE_ETH_LINK_DOWN)
		return -ENETDOWN;
	return -ENOSPC;
}

/* Send what is due on one stream; returns false when the stream has ended. */
static inline bool
stream_poll(struct hl_txgen *g, struct hl_tx_stream *s, uint64_t now)
{
	if (s->n_pend) { /* the queue refused part of the last burst: retry those first */
		/* Back off briefly instead of hammering a full queue: on a software ring every
		 * attempt pulls the consumer's cache line over and slows the very reader that
		 * would make room. */
		if (now < s->retry_tsc)
			return true;
		uint16_t n = s->n_pend;
		uint16_t k = rte_eth_tx_burst(s->port, s->queue, s->pend, n);
		if (k)
			account(s, s->pend, k, now);
		if (k < n) {
			s->c.tx_full++;
			memmove(s->pend, s->pend + k, (size_t)(n - k) * sizeof(s->pend[0]));
			s->n_pend = (uint16_t)(n - k);
			s->retry_tsc = now + s->backoff_cycles;
			if (now - s->progress_tsc > s->stall_cycles) {
				stream_end(s, stall_cause(s));
				return false;
			}
			return true;
		}
		s->n_pend = 0;
	}
	if ((s->end_tsc && now >= s->end_tsc) || (s->limit_pkts && s->produced >= s->limit_pkts)) {
		stream_end(s, 0);
		return false;
	}
	uint64_t n = s->burst;
	uint64_t due_tsc = 0;
	if (s->paced) {
		/* wait (multiplies; a division only with trains) until the batch's last packet
		 * is due; a batch never spans two trains */
		uint64_t want = s->min_batch;
		if (s->limit_pkts && s->limit_pkts - s->produced < want)
			want = s->limit_pkts - s->produced;
		if (s->train && s->train - s->produced % s->train < want)
			want = s->train - s->produced % s->train;
		uint64_t ready =
		        s->c.start_tsc + (uint64_t)(due_off(s, s->produced + want - 1) >> 24);
		if (now < ready)
			return true;
		uint64_t due = due_count(s, now - s->c.start_tsc);
		if (due - s->produced < n)
			n = due - s->produced;
		if (s->train && s->train - s->produced % s->train < n)
			n = s->train - s->produced % s->train;
		/* a burst is on time when it leaves as its last packet falls due */
		due_tsc = s->c.start_tsc + (uint64_t)(due_off(s, s->produced + n - 1) >> 24);
	}
	if (s->limit_pkts && s->limit_pkts - s->produced < n)
		n = s->limit_pkts - s->produced;
	struct rte_mbuf *pk[HL_STREAM_MAX_BURST];
	if (unlikely(rte_mempool_get_bulk(s->pool, (void **)pk, (unsigned)n) != 0)) {
		s->c.alloc_fail++;
		if (now - s->progress_tsc > s->stall_cycles) {
			stream_end(s, -ENOBUFS);
			return false;
		}
		return true;
	}
	fill_burst(s, pk, (unsigned)n, now);
	s->produced += n;
	if (due_tsc) {
		uint64_t late = now - due_tsc;
		hl_hist_record(
		        &g->gap_ns, (uint64_t)((double)late * 1e9 / (double)rte_get_tsc_hz()));
	}
	uint16_t k = rte_eth_tx_burst(s->port, s->queue, pk, (uint16_t)n);
	if (k)
		account(s, pk, k, now);
	if (unlikely(k < n)) {
		s->c.tx_full++;
		s->n_pend = (uint16_t)(n - k);
		memcpy(s->pend, pk + k, (size_t)s->n_pend * sizeof(pk[0]));
		s->retry_tsc = now + s->backoff_cycles;
	}
	if (s->sig_mode != HL_SIG_NONE)
		s->c.tx_signed = s->seq; /* pending probes still count: they are sent or dropped */
	return true;
}

uint32_t
hl_txgen_poll(struct hl_txgen *g)
{
	uint64_t now = rte_rdtsc();
	uint32_t active = 0;
	for (uint32_t i = 0; i < g->n_streams; i++) {
		struct hl_tx_stream *s = g->streams[i];
		if (s->c.done)
			continue;
		if (stream_poll(g, s, now))
			active++;
	}
	if (now >= g->next_window) {
		hl_txgen_publish(g);
		g->next_window = now + g->window_cycles;
	}
	return active;
}

int
hl_txgen_run(struct hl_txgen *g)
{
	if (!__atomic_load_n(&g->running, __ATOMIC_ACQUIRE))
		hl_txgen_start(g);
	while (!__atomic_load_n(&g->stop, __ATOMIC_RELAXED)) {
		if (hl_txgen_poll(g) == 0)
			break;
	}
	int rc = 0;
	for (uint32_t i = 0; i < g->n_streams; i++) {
		struct hl_tx_stream *s = g->streams[i];
		if (!s->c.done)
			stream_end(s, 0);
		if (rc == 0 && s->c.status != 0)
			rc = s->c.status;
	}
	hl_txgen_publish(g);
	__atomic_store_n(&g->running, 0, __ATOMIC_RELEASE);
	return rc;
}

void
hl_txgen_stop(struct hl_txgen *g)
{
	__atomic_store_n(&g->stop, 1, __ATOMIC_RELAXED);
}

void
hl_txgen_publish(struct hl_txgen *g)
{
	hl_seq_write_begin(&g->snap_lock);
	g->snap.window_seq++;
	g->snap.tsc = rte_rdtsc();
	g->snap.n_streams = g->n_streams;
	for (uint32_t i = 0; i < g->n_streams; i++) {
		g->snap.stream_id[i] = g->streams[i]->stream_id;
		g->snap.c[i] = g->streams[i]->c;
	}
	hl_seq_write_end(&g->snap_lock);
}

void
hl_txgen_snapshot(const struct hl_txgen *g, struct hl_tx_snapshot *out)
{
	uint32_t s;
	do {
		s = hl_seq_read_begin(&g->snap_lock);
		memcpy(out, &g->snap, sizeof(*out));
	} while (hl_seq_read_retry(&g->snap_lock, s));
}
