/* test_txgen.c — EAL tests of the traffic engine through net_ring loopbacks: exact counts,
 * loss / reordering / duplicates from an in-test "middlebox" between the TX and RX rings,
 * latency histogram, packet contents and checksums, and the failure paths (unsupported port
 * settings, stopped port, full TX ring, exhausted pool) ending with an error instead of a hang. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "hl_err.h"
#include "hl_port.h"
#include "hl_prng.h"
#include "hl_rxmeas.h"
#include "hl_stream.h"
#include "hl_txgen.h"

static int g_argc;
static char **g_argv;
static unsigned port_serial;

/* A port whose TX goes into ring a and whose RX reads ring b (a == b: plain loopback). */
struct lb {
	uint16_t port;
	struct rte_ring *a, *b;
};

static void
lb_make(struct lb *l, unsigned ring_size, bool split, const struct hl_port_conf *pc)
{
	char name[32];
	unsigned id = port_serial++;
	snprintf(name, sizeof(name), "hlr_a%u", id);
	l->a = rte_ring_create(name, ring_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(l->a);
	l->b = l->a;
	if (split) {
		snprintf(name, sizeof(name), "hlr_b%u", id);
		l->b = rte_ring_create(
		        name, ring_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		assert_non_null(l->b);
	}
	snprintf(name, sizeof(name), "hl_lb%u", id);
	int p = rte_eth_from_rings(name, &l->b, 1, &l->a, 1, SOCKET_ID_ANY);
	assert_true(p >= 0);
	l->port = (uint16_t)p;
	struct hl_port_conf c;
	hl_port_conf_default(&c);
	if (pc != NULL)
		c = *pc;
	char err[HL_PORT_ERRLEN];
	struct hl_port_info info;
	int rc = hl_port_setup(l->port, &c, &info, err, sizeof(err));
	if (rc != 0)
		fail_msg("port setup: %s", err);
}

static void
lb_free(struct lb *l)
{
	struct rte_mbuf *m;
	hl_port_teardown(l->port);
	while (rte_ring_dequeue(l->a, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	if (l->b != l->a)
		while (rte_ring_dequeue(l->b, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	rte_ring_free(l->a);
	if (l->b != l->a)
		rte_ring_free(l->b);
}

/* Middlebox policy applied to packet number k (0-based, in TX order). */
struct mbox {
	int ts_off; /* >= 0: stamp packets like a NIC with a 1 GHz clock */
	uint64_t ts_flag; /* ol_flags bit for a valid stamp */
	uint64_t ts_tsc0; /* TSC at NIC time 0 */
	uint64_t ts_delay_ns; /* NIC time = sender's stamp + this */
	unsigned drop_every; /* drop k % drop_every == drop_every - 1 */
	unsigned dup_every; /* send twice */
	unsigned swap_every; /* swap packet k with k+1 when k % swap_every == 0 */
	uint64_t k, dropped, duped, swapped;
	struct rte_mbuf *held; /* packet waiting to be sent after its successor */
};

static void
mbox_move(struct lb *l, struct mbox *mb)
{
	struct rte_mbuf *in[64];
	unsigned n = rte_ring_dequeue_burst(l->a, (void **)in, 64, NULL);
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i];
		uint64_t k = mb->k++;
		if (mb->ts_flag) {
			const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
			int so = hl_sig_locate(d, m->data_len);
			assert_true(so > 0);
			struct hl_sig sg;
			memcpy(&sg, d + so, sizeof(sg));
			double ns =
			        (double)(sg.tx_tsc - mb->ts_tsc0) * 1e9 / (double)rte_get_tsc_hz();
			*RTE_MBUF_DYNFIELD(m, mb->ts_off, uint64_t *) =
			        (uint64_t)ns + mb->ts_delay_ns;
			m->ol_flags |= mb->ts_flag;
		}
		if (mb->drop_every && k % mb->drop_every == mb->drop_every - 1) {
			rte_pktmbuf_free(m);
			mb->dropped++;
			continue;
		}
		if (mb->swap_every && mb->held == NULL && k % mb->swap_every == 0) {
			mb->held = m;
			continue;
		}
		assert_int_equal(rte_ring_enqueue(l->b, m), 0);
		if (mb->held != NULL) {
			assert_int_equal(rte_ring_enqueue(l->b, mb->held), 0);
			mb->held = NULL;
			mb->swapped++;
		}
		if (mb->dup_every && k % mb->dup_every == mb->dup_every - 1) {
			rte_mbuf_refcnt_update(m, 1);
			assert_int_equal(rte_ring_enqueue(l->b, m), 0);
			mb->duped++;
		}
	}
}

static void
spec_signed(struct hl_stream_spec *s, uint16_t id, uint64_t count)
{
	hl_stream_spec_default(s);
	s->id = id;
	s->sig_mode = HL_SIG_ALL;
	s->packet_count = count;
	s->n_vars = 2;
	s->vars[0].field = HL_FIELD_SRC_IP;
	s->vars[0].op = HL_VAR_INC;
	s->vars[0].min = 0xc6120001;
	s->vars[0].max = 0xc61200ff;
	s->vars[0].step = 1;
	s->vars[1].field = HL_FIELD_SRC_PORT;
	s->vars[1].op = HL_VAR_RANDOM;
	s->vars[1].min = 1024;
	s->vars[1].max = 65535;
}

/* Run TX and RX on this lcore, interleaved, until TX ended and the rings are drained. */
static int
run_loop(struct hl_txgen *g, struct hl_rxmeas *r, struct lb *l, struct mbox *mb)
{
	hl_txgen_start(g);
	uint32_t active;
	do {
		active = hl_txgen_poll(g);
		if (mb)
			mbox_move(l, mb);
		if (r)
			hl_rxmeas_poll(r);
	} while (active > 0);
	for (int i = 0; i < 1000; i++) {
		if (mb) {
			mbox_move(l, mb);
			if (mb->held) {
				assert_int_equal(rte_ring_enqueue(l->b, mb->held), 0);
				mb->held = NULL;
			}
		}
		if (r)
			hl_rxmeas_poll(r);
	}
	return hl_txgen_run(g); /* all streams done: finalises and publishes */
}

static struct hl_txgen *
gen_new(void)
{
	struct hl_txgen *g = rte_zmalloc("gen", sizeof(*g), 64);
	assert_non_null(g);
	hl_txgen_init(g, 0);
	return g;
}

static void
test_spec_validate(void **state)
{
	(void)state;
	struct hl_stream_spec s;
	char err[HL_STREAM_ERRLEN];
	hl_stream_spec_default(&s);
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), 0);

	s.sizes[0].bytes = 50;
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "sizes[0].bytes"));

	hl_stream_spec_default(&s);
	s.n_vars = 1;
	s.vars[0].field = HL_FIELD_SRC_PORT;
	s.vars[0].op = HL_VAR_INC;
	s.vars[0].min = 10;
	s.vars[0].max = 70000;
	s.vars[0].step = 1;
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "vars[0].max"));
	s.vars[0].max = 20;
	s.vars[0].step = 0;
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "vars[0].step"));

	hl_stream_spec_default(&s);
	s.rate_unit = HL_RATE_PERCENT;
	s.rate = 150;
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "rate"));

	hl_stream_spec_default(&s);
	s.vlan = true;
	s.sizes[0].bytes = 64; /* 18 + 20 + 8 + 16 + 4 = 66 > 64 with a signature */
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "sizes[0].bytes"));
	s.sig_mode = HL_SIG_NONE;
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), 0);

	hl_stream_spec_default(&s);
	s.size_mode = HL_SIZE_WEIGHTED;
	s.n_sizes = HL_STREAM_MAX_SIZES + 1;
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "sizes"));

	hl_stream_spec_default(&s);
	s.n_vars = 2;
	s.vars[0].field = HL_FIELD_DST_IP;
	s.vars[0].op = HL_VAR_RANDOM;
	s.vars[0].max = 5;
	s.vars[1] = s.vars[0];
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "vars[1].field"));
}

static void
test_port_unsupported(void **state)
{
	(void)state;
	struct rte_ring *r = rte_ring_create("hl_unsup", 256, SOCKET_ID_ANY, 0);
	assert_non_null(r);
	int p = rte_eth_from_rings("hl_unsup_p", &r, 1, &r, 1, SOCKET_ID_ANY);
	assert_true(p >= 0);
	char err[HL_PORT_ERRLEN];
	struct hl_port_conf c;

	hl_port_conf_default(&c);
	c.rx_queues = 4; /* the port was made from one ring */
	assert_int_equal(hl_port_setup((uint16_t)p, &c, NULL, err, sizeof(err)), -HL_E_UNSUPPORTED);
	assert_non_null(strstr(err, "rx_queues"));

	hl_port_conf_default(&c);
	c.rx_timestamp = true;
	assert_int_equal(hl_port_setup((uint16_t)p, &c, NULL, err, sizeof(err)), -HL_E_UNSUPPORTED);
	assert_non_null(strstr(err, "timestamp"));

	hl_port_conf_default(&c);
	c.rss = true;
	assert_int_equal(hl_port_setup((uint16_t)p, &c, NULL, err, sizeof(err)), -HL_E_UNSUPPORTED);
	assert_non_null(strstr(err, "rss"));

	hl_port_conf_default(&c);
	c.offloads = HL_PORT_OFF_TCP_CKSUM;
	assert_int_equal(hl_port_setup((uint16_t)p, &c, NULL, err, sizeof(err)), -HL_E_UNSUPPORTED);
	assert_non_null(strstr(err, "tcp_cksum"));

	hl_port_conf_default(&c);
	c.tx_rate_limit = true; /* net_ring has no queue rate limiter: start is undone */
	assert_int_equal(hl_port_setup((uint16_t)p, &c, NULL, err, sizeof(err)), -HL_E_UNSUPPORTED);
	assert_non_null(strstr(err, "tx_rate_limit"));

	hl_port_conf_default(&c);
	c.tx_queues = 0;
	assert_int_equal(hl_port_setup((uint16_t)p, &c, NULL, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "tx_queues"));

	hl_port_conf_default(&c);
	assert_int_equal(hl_port_setup(RTE_MAX_ETHPORTS - 1, &c, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no such port"));

	/* and a good request works on the same port afterwards */
	assert_int_equal(hl_port_setup((uint16_t)p, &c, NULL, err, sizeof(err)), 0);
	assert_int_equal(hl_port_teardown((uint16_t)p), 0);
	rte_ring_free(r);
}

static void
test_loopback_exact(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 1024, false, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 7, 20000);
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_txgen *g = gen_new();
	assert_int_equal(hl_txgen_add(g, ts), 0);
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 0, SOCKET_ID_ANY);
	assert_non_null(r);
	assert_int_equal(hl_rxmeas_track(r, 7), 0);
	assert_int_equal(hl_rxmeas_track(r, 7), -EEXIST);

	assert_int_equal(run_loop(g, r, &l, NULL), 0);
	const struct hl_tx_counters *c = hl_tx_stream_counters(ts);
	const struct hl_rx_stats *st = hl_rxmeas_stats(r, 7);
	assert_int_equal(c->tx_pkts, 20000);
	assert_int_equal(c->tx_signed, 20000);
	assert_int_equal(c->tx_bytes, 20000 * 64);
	assert_int_equal(st->rx_pkts, 20000);
	assert_int_equal(st->rx_bytes, 20000 * 64);
	assert_int_equal(st->unique, 20000);
	assert_int_equal(hl_rx_loss_final(st, c->tx_signed), 0);
	assert_int_equal(hl_rx_loss_now(st), 0);
	assert_int_equal(st->dup, 0);
	assert_int_equal(st->reorder, 0);
	assert_int_equal(st->max_seq, 19999);
	assert_int_equal(st->lat_ns.count, 20000);
	assert_true(st->lat_ns.max > 0);
	assert_true(hl_hist_percentile(&st->lat_ns, 50) <= st->lat_ns.max);
	uint64_t tot, uns, unk;
	hl_rxmeas_totals(r, &tot, &uns, &unk);
	assert_int_equal(tot, 20000);
	assert_int_equal(uns, 0);
	assert_int_equal(unk, 0);

	/* the final snapshots match the live counters */
	struct hl_tx_snapshot tsn;
	hl_txgen_snapshot(g, &tsn);
	assert_int_equal(tsn.n_streams, 1);
	assert_int_equal(tsn.c[0].tx_pkts, 20000);
	assert_true(tsn.c[0].done);
	hl_rxmeas_publish(r);
	struct hl_rx_snapshot *rsn = malloc(sizeof(*rsn));
	assert_non_null(rsn);
	hl_rxmeas_snapshot(r, rsn);
	assert_int_equal(rsn->n_streams, 1);
	assert_int_equal(rsn->st[0].rx_pkts, 20000);
	assert_int_equal(rsn->st[0].lat_ns.count, 20000);
	/* the snapshot's histogram is the live one, bucket for bucket */
	assert_memory_equal(&rsn->st[0].lat_ns, &st->lat_ns, sizeof(st->lat_ns));
	assert_int_equal(rsn->st[0].jitter_ns, st->jitter_ns);
	assert_int_equal(rsn->st[0].max_seq, st->max_seq);
	free(rsn);

	hl_rxmeas_free(r);
	lb_free(&l);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	rte_free(g);
}

/* Probes only, several streams with different sizes, unsigned load counted apart. */
static void
test_probes_and_unknown(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 1024, false, NULL);
	struct hl_stream_spec s;
	char err[128];
	struct hl_txgen *g = gen_new();
	struct hl_tx_stream *ts[3];
	for (int i = 0; i < 3; i++) {
		spec_signed(&s, (uint16_t)(100 + i), 10000);
		s.sig_mode = HL_SIG_PROBES;
		s.probe_ratio = 10;
		s.sizes[0].bytes = (uint16_t)(64 + 100 * i);
		ts[i] = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
		if (ts[i] == NULL)
			fail_msg("%s", err);
		assert_int_equal(hl_txgen_add(g, ts[i]), 0);
	}
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 0, SOCKET_ID_ANY);
	assert_int_equal(hl_rxmeas_track(r, 100), 0);
	assert_int_equal(hl_rxmeas_track(r, 101), 0); /* 102 deliberately untracked */
	assert_int_equal(run_loop(g, r, &l, NULL), 0);
	for (int i = 0; i < 2; i++) {
		const struct hl_rx_stats *st = hl_rxmeas_stats(r, (uint16_t)(100 + i));
		assert_int_equal(hl_tx_stream_counters(ts[i])->tx_signed, 1000);
		assert_int_equal(st->rx_pkts, 1000);
		assert_int_equal(st->rx_bytes, 1000 * (64 + 100 * i));
		assert_int_equal(hl_rx_loss_final(st, 1000), 0);
	}
	uint64_t tot, uns, unk;
	hl_rxmeas_totals(r, &tot, &uns, &unk);
	assert_int_equal(tot, 30000);
	assert_int_equal(unk, 1000);
	assert_int_equal(uns, 27000);
	hl_rxmeas_free(r);
	lb_free(&l);
	for (int i = 0; i < 3; i++)
		assert_int_equal(hl_tx_stream_free(ts[i]), 0);
	rte_free(g);
}

static void
test_paced_zero_loss(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 1024, false, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 9, 0);
	s.rate_unit = HL_RATE_PPS;
	s.rate = 200000;
	s.duration_ns = 50 * 1000 * 1000;
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_txgen *g = gen_new();
	hl_txgen_add(g, ts);
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 0, SOCKET_ID_ANY);
	hl_rxmeas_track(r, 9);
	assert_int_equal(run_loop(g, r, &l, NULL), 0);
	const struct hl_tx_counters *c = hl_tx_stream_counters(ts);
	const struct hl_rx_stats *st = hl_rxmeas_stats(r, 9);
	/* the pacer never sends ahead of schedule: at most rate x duration (+ one batch) */
	assert_true(c->tx_pkts > 0);
	assert_true(c->tx_pkts <= 10000 + 32);
	assert_int_equal(st->rx_pkts, c->tx_pkts);
	assert_int_equal(hl_rx_loss_final(st, c->tx_signed), 0);
	assert_true(g->gap_ns.count > 0);
	hl_rxmeas_free(r);
	lb_free(&l);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	rte_free(g);
}

static void
test_injected_drops_reorder_dup(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 4096, true, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 3, 10000);
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_txgen *g = gen_new();
	hl_txgen_add(g, ts);
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 0, SOCKET_ID_ANY);
	hl_rxmeas_track(r, 3);
	struct mbox mb = {.drop_every = 97, .dup_every = 50, .swap_every = 200};
	assert_int_equal(run_loop(g, r, &l, &mb), 0);
	const struct hl_tx_counters *c = hl_tx_stream_counters(ts);
	const struct hl_rx_stats *st = hl_rxmeas_stats(r, 3);
	assert_int_equal(c->tx_pkts, 10000);
	assert_int_equal(mb.k, 10000);
	assert_true(mb.dropped > 0 && mb.duped > 0 && mb.swapped > 0);
	assert_int_equal(hl_rx_loss_final(st, c->tx_signed), mb.dropped);
	assert_int_equal(st->dup, mb.duped);
	assert_int_equal(st->reorder, mb.swapped);
	assert_int_equal(st->rx_pkts, 10000 - mb.dropped + mb.duped);
	assert_int_equal(st->too_old, 0);

	/* merging (as for two RX lcores): counts add, histograms merge, max_seq is kept */
	struct hl_rx_stats *mg = calloc(1, sizeof(*mg));
	assert_non_null(mg);
	hl_hist_reset(&mg->lat_ns);
	hl_rx_stats_merge(mg, st);
	hl_rx_stats_merge(mg, st);
	assert_int_equal(mg->rx_pkts, 2 * st->rx_pkts);
	assert_int_equal(mg->unique, 2 * st->unique);
	assert_int_equal(mg->dup, 2 * st->dup);
	assert_int_equal(mg->max_seq, st->max_seq);
	assert_int_equal(mg->lat_ns.count, 2 * st->lat_ns.count);
	assert_int_equal(mg->lat_ns.max, st->lat_ns.max);
	free(mg);
	hl_rxmeas_free(r);
	lb_free(&l);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	rte_free(g);
}

/* NIC RX timestamps: a middlebox stamps each packet like a 1 GHz NIC clock would, 7 us after
 * the sender's stamp; the measured latency must be those 7 us, not the loop's own delay. */
static void
test_hw_timestamps(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 4096, true, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 15, 5000);
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_txgen *g = gen_new();
	hl_txgen_add(g, ts);
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 0, SOCKET_ID_ANY);
	hl_rxmeas_track(r, 15);
	int off;
	uint64_t flag;
	assert_true(rte_mbuf_dyn_rx_timestamp_register(&off, &flag) >= 0);
	struct mbox mb = {
	        .ts_off = off, .ts_flag = flag, .ts_tsc0 = rte_rdtsc(), .ts_delay_ns = 7000};
	assert_int_equal(hl_rxmeas_hw_timestamps(r, off, flag, 0, 0, 0), -EINVAL);
	assert_int_equal(hl_rxmeas_hw_timestamps(r, off, flag, 1e9, 0, mb.ts_tsc0), 0);
	assert_int_equal(run_loop(g, r, &l, &mb), 0);
	const struct hl_rx_stats *st = hl_rxmeas_stats(r, 15);
	assert_int_equal(st->rx_pkts, 5000);
	assert_int_equal(hl_rxmeas_hw_stamped(r), 5000);
	/* 7000 ns give or take the two float/fixed-point conversions */
	assert_true(st->lat_ns.min >= 6990 && st->lat_ns.max <= 7010);
	assert_true(st->jitter_ns <= 10);
	hl_rxmeas_free(r);
	lb_free(&l);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	rte_free(g);
}

/* Nobody drains the ring: the generator must end with -ENOSPC and count tx_full. */
static void
test_full_tx_ring(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 64, true, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 4, 0);
	s.duration_ns = 10ull * 1000 * 1000 * 1000; /* would be 10 s: the stall ends it first */
	struct hl_tx_opts o = {.stall_ns = 20 * 1000 * 1000, .socket = -1};
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, &o, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_txgen *g = gen_new();
	hl_txgen_add(g, ts);
	assert_int_equal(hl_txgen_run(g), -ENOSPC);
	const struct hl_tx_counters *c = hl_tx_stream_counters(ts);
	assert_true(c->tx_full > 0);
	assert_int_equal(c->tx_pkts, 63); /* a ring of 64 holds 63 */
	assert_true(c->tx_dropped > 0);
	assert_int_equal(c->status, -ENOSPC);
	lb_free(&l);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	rte_free(g);
}

/* A small pool and a large undrained ring: the pool runs dry first -> -ENOBUFS. */
static void
test_pool_exhausted(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 4096, true, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 5, 0);
	struct hl_tx_opts o = {.stall_ns = 20 * 1000 * 1000, .pool_mbufs = 511, .socket = -1};
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, &o, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_txgen *g = gen_new();
	hl_txgen_add(g, ts);
	assert_int_equal(hl_txgen_run(g), -ENOBUFS);
	const struct hl_tx_counters *c = hl_tx_stream_counters(ts);
	assert_true(c->alloc_fail > 0);
	assert_true(c->tx_pkts <= 511);
	assert_int_equal(c->tx_full, 0);
	/* the mbufs are in the ring: the pool cannot be freed yet, and says so */
	assert_int_equal(hl_tx_stream_free(ts), -EBUSY);
	lb_free(&l);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	rte_free(g);
}

/* A generator pointed at a port that is not started: error, never a hang. */
/* Trains: exactly the packets whose due times fall inside the duration, sent train by train. */
static void
test_trains(void **state)
{
	(void)state;
	const struct {
		double pps; /* 0 = unlimited inside a train */
		uint32_t train;
		uint64_t gap_ns, dur_ns, want;
	} cases[] = {
	        /* back-to-back trains of 100 every 1 ms: t = 0..10 ms -> 11 trains */
	        {0, 100, 1000000, 10500000, 1100},
	        /* 1 Mpps trains of 50 (50 us) + 200 us gap: period 250 us -> 4 trains in 1 ms */
	        {1e6, 50, 200000, 1000000, 200},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lb l;
		lb_make(&l, 4096, false, NULL);
		struct hl_stream_spec s;
		spec_signed(&s, 14, 0);
		s.rate_unit = cases[i].pps > 0 ? HL_RATE_PPS : HL_RATE_UNLIMITED;
		s.rate = cases[i].pps;
		s.train_pkts = cases[i].train;
		s.train_gap_ns = cases[i].gap_ns;
		s.duration_ns = cases[i].dur_ns;
		char err[160];
		struct hl_tx_stream *ts =
		        hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
		if (ts == NULL)
			fail_msg("%s", err);
		struct hl_txgen *g = gen_new();
		hl_txgen_add(g, ts);
		struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 0, SOCKET_ID_ANY);
		hl_rxmeas_track(r, 14);
		assert_int_equal(run_loop(g, r, &l, NULL), 0);
		const struct hl_tx_counters *c = hl_tx_stream_counters(ts);
		assert_int_equal(c->tx_pkts, cases[i].want);
		assert_int_equal(hl_rxmeas_stats(r, 14)->rx_pkts, cases[i].want);
		/* the last train cannot leave before its due time */
		uint64_t hz = rte_get_tsc_hz();
		uint64_t last_due_ns =
		        (cases[i].want / cases[i].train - 1) *
		        (cases[i].gap_ns + (uint64_t)(cases[i].pps > 0
		                                              ? cases[i].train * 1e9 / cases[i].pps
		                                              : 0));
		assert_true((double)(c->last_tsc - c->start_tsc) * 1e9 / (double)hz >=
		            (double)last_due_ns * 0.999);
		hl_rxmeas_free(r);
		lb_free(&l);
		assert_int_equal(hl_tx_stream_free(ts), 0);
		rte_free(g);
	}
	struct hl_stream_spec s;
	char err[HL_STREAM_ERRLEN];
	hl_stream_spec_default(&s);
	s.train_gap_ns = 5;
	assert_int_equal(hl_stream_spec_validate(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "train_gap_ns"));
}

/* Rate units: pps, L1 and L2 bit/s and % of line (L1) convert with the mean frame size. */
static void
test_rate_units(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 256, false, NULL);
	struct hl_stream_spec s;
	char err[160];
	struct hl_tx_opts o = {.socket = -1, .link_mbps = 10000, .pool_mbufs = 511};
	const struct {
		uint8_t unit;
		double rate;
		uint16_t size;
		double want_pps;
	} cases[] = {
	        {HL_RATE_PPS, 1234.5, 64, 1234.5},
	        {HL_RATE_L1_BPS, 10e9, 64, 10e9 / (84 * 8)}, /* 14.88 Mpps */
	        {HL_RATE_L2_BPS, 10e9, 64, 10e9 / (64 * 8)}, /* 19.53 Mpps */
	        {HL_RATE_PERCENT, 50, 1518, 5e9 / (1538 * 8)}, /* 406 kpps */
	        {HL_RATE_UNLIMITED, 0, 64, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hl_stream_spec_default(&s);
		s.rate_unit = cases[i].unit;
		s.rate = cases[i].rate;
		s.sizes[0].bytes = cases[i].size;
		struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, &o, err, sizeof(err));
		if (ts == NULL)
			fail_msg("%s", err);
		double got = hl_tx_stream_pps(ts);
		assert_true(got >= cases[i].want_pps * (1 - 1e-9) &&
		            got <= cases[i].want_pps * (1 + 1e-9));
		assert_true(hl_tx_stream_mean_frame(ts) == cases[i].size);
		assert_int_equal(hl_tx_stream_free(ts), 0);
	}
	/* IMIX 7:4:1 (64/594/1518): mean 361.83 B, L1 rate uses it */
	hl_stream_spec_default(&s);
	s.size_mode = HL_SIZE_WEIGHTED;
	s.n_sizes = 3;
	s.sizes[0] = (struct hl_size_entry){.bytes = 64, .weight = 7};
	s.sizes[1] = (struct hl_size_entry){.bytes = 594, .weight = 4};
	s.sizes[2] = (struct hl_size_entry){.bytes = 1518, .weight = 1};
	s.rate_unit = HL_RATE_L1_BPS;
	s.rate = 1e9;
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, &o, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	double mean = (7 * 64 + 4 * 594 + 1518) / 12.0;
	assert_true(hl_tx_stream_mean_frame(ts) > mean - 1e-9 &&
	            hl_tx_stream_mean_frame(ts) < mean + 1e-9);
	double want = 1e9 / ((mean + 20) * 8);
	assert_true(hl_tx_stream_pps(ts) > want * (1 - 1e-9) &&
	            hl_tx_stream_pps(ts) < want * (1 + 1e-9));
	assert_int_equal(hl_tx_stream_free(ts), 0);
	lb_free(&l);
}

/* A hardware rate limiter requested on a port without one: creation fails, saying so. */
static void
test_hw_rate_limit_unsupported(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 1024, false, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 13, 100);
	s.rate_unit = HL_RATE_PPS;
	s.rate = 1000;
	struct hl_tx_opts o = {.socket = -1, .hw_rate_limit = true};
	char err[160];
	assert_null(hl_tx_stream_create(&s, l.port, 0, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "rate limiter"));
	/* queues that are not configured are refused instead of used unchecked */
	o.hw_rate_limit = false;
	assert_null(hl_tx_stream_create(&s, l.port, 3, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "TX queues"));
	assert_null(hl_tx_stream_create(&s, RTE_MAX_ETHPORTS - 1, 0, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "no such port"));
	assert_null(hl_rxmeas_create(l.port, 5, 0, SOCKET_ID_ANY));
	lb_free(&l);
}

static void
test_stopped_port(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 1024, false, NULL);
	assert_int_equal(rte_eth_dev_stop(l.port), 0);
	struct hl_stream_spec s;
	spec_signed(&s, 6, 1000);
	struct hl_tx_opts o = {.stall_ns = 20 * 1000 * 1000, .socket = -1};
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, &o, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_txgen *g = gen_new();
	assert_int_equal(hl_txgen_add(g, ts), 0);
	/* distinct from a full TX ring (-ENOSPC, test_full_tx_ring): the link is down */
	assert_int_equal(hl_txgen_run(g), -ENETDOWN);
	assert_int_equal(hl_tx_stream_counters(ts)->tx_pkts, 0);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	lb_free(&l);
	rte_free(g);
}

/* Sum over pseudo-header + L4 segment must fold to 0xffff. */
static void
check_l4(const uint8_t *p, uint16_t len, uint16_t l3, bool v6, uint8_t proto)
{
	uint16_t l4 = (uint16_t)(l3 + (v6 ? 40 : 20));
	uint32_t sum = 0;
	if (proto != 1) {
		sum += rte_raw_cksum(p + l3 + (v6 ? 8 : 12), v6 ? 32 : 8);
		sum += rte_cpu_to_be_16(proto);
		sum += rte_cpu_to_be_16((uint16_t)(len - l4));
	}
	sum += rte_raw_cksum(p + l4, (size_t)(len - l4));
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
}

static void
test_packet_contents(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 1024, false, NULL);
	char err[128];
	/* IPv4 UDP, IMIX sizes, inc src IP, dec dst port, list of dst MACs */
	struct hl_stream_spec s;
	hl_stream_spec_default(&s);
	s.id = 11;
	s.sig_mode = HL_SIG_ALL;
	s.vlan = true;
	s.vlan_id = 42;
	s.size_mode = HL_SIZE_WEIGHTED;
	s.n_sizes = 3;
	s.sizes[0] = (struct hl_size_entry){.bytes = 68, .weight = 7};
	s.sizes[1] = (struct hl_size_entry){.bytes = 594, .weight = 4};
	s.sizes[2] = (struct hl_size_entry){.bytes = 1518, .weight = 1};
	s.n_vars = 3;
	s.vars[0] = (struct hl_field_var){
	        .field = HL_FIELD_SRC_IP, .op = HL_VAR_INC, .min = 10, .max = 12, .step = 1};
	s.vars[1] = (struct hl_field_var){
	        .field = HL_FIELD_DST_PORT, .op = HL_VAR_DEC, .min = 5, .max = 9, .step = 2};
	s.vars[2] = (struct hl_field_var){.field = HL_FIELD_DST_MAC,
	        .op = HL_VAR_LIST,
	        .list_len = 2,
	        .list = {0x020000000010ull, 0x0200000000ffull}};
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	assert_true(hl_tx_stream_mean_frame(ts) > 300 && hl_tx_stream_mean_frame(ts) < 400);
	const uint32_t want_ip[] = {10, 11, 12, 10, 11, 12};
	const uint16_t want_port[] = {9, 7, 5, 9, 7, 5};
	unsigned by_size[3] = {0};
	for (unsigned i = 0; i < 1200; i++) {
		struct rte_mbuf *m = hl_tx_stream_build_one(ts, 1000 + i);
		assert_non_null(m);
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint16_t len = m->data_len;
		by_size[len == 64 ? 0 : len == 590 ? 1 : 2]++;
		assert_true(len == 64 || len == 590 || len == 1514);
		assert_int_equal(p[12], 0x81);
		assert_int_equal(p[15], 42);
		const struct rte_ipv4_hdr *ip = (const void *)(p + 18);
		assert_int_equal(rte_be_to_cpu_16(ip->total_length), len - 18);
		assert_int_equal(rte_raw_cksum(ip, 20), 0xffff); /* valid header checksum */
		if (i < 6) {
			assert_int_equal(rte_be_to_cpu_32(ip->src_addr), want_ip[i]);
			uint16_t dport;
			memcpy(&dport, p + 18 + 20 + 2, 2);
			assert_int_equal(rte_be_to_cpu_16(dport), want_port[i]);
			assert_int_equal(p[5], i % 2 ? 0xff : 0x10);
		}
		uint16_t ulen;
		memcpy(&ulen, p + 18 + 20 + 4, 2);
		assert_int_equal(rte_be_to_cpu_16(ulen), len - 38);
		assert_int_equal(hl_sig_locate(p, len), 18 + 20 + 8);
		struct hl_sig sig;
		memcpy(&sig, p + 46, sizeof(sig));
		assert_int_equal(sig.seq, i);
		assert_int_equal(sig.stream_id, 11);
		assert_int_equal(sig.tx_tsc, 1000 + i);
		rte_pktmbuf_free(m);
	}
	/* 7:4:1 exactly over whole schedules (1020 of 1024 entries form 85 cycles of 12) */
	assert_int_equal(by_size[0] + by_size[1] + by_size[2], 1200);
	assert_true(by_size[0] > by_size[1] && by_size[1] > by_size[2]);
	assert_int_equal(hl_tx_stream_free(ts), 0);

	/* IPv6 UDP, TCP SYN v4/v6, ICMP v4/v6, with random sizes and varied addresses: every L4
	 * checksum verifies, signed or not (probes every 3rd packet) */
	for (int v6 = 0; v6 < 2; v6++) {
		for (int l4 = 0; l4 < 3; l4++) {
			hl_stream_spec_default(&s);
			s.id = (uint16_t)(20 + v6 * 3 + l4);
			s.l3 = (uint8_t)(v6 ? HL_L3_IPV6 : HL_L3_IPV4);
			if (v6) {
				memset(s.src_ip.v6, 0x20, 16);
				memset(s.dst_ip.v6, 0x30, 16);
			}
			s.l4 = (uint8_t)l4;
			s.sig_mode = HL_SIG_PROBES;
			s.probe_ratio = 3;
			s.size_mode = HL_SIZE_RANGE;
			s.size_min = 100;
			s.size_max = 301;
			s.n_vars = 2;
			s.vars[0] = (struct hl_field_var){.field = HL_FIELD_SRC_IP,
			        .op = HL_VAR_RANDOM,
			        .min = 1,
			        .max = 0xffffffff};
			s.vars[1] = (struct hl_field_var){.field = HL_FIELD_DST_IP,
			        .op = HL_VAR_INC,
			        .min = 0xfffffff0,
			        .max = 0xffffffff,
			        .step = 3};
			if (l4 != HL_L4_ICMP_ECHO) {
				s.n_vars = 3;
				s.vars[2] = (struct hl_field_var){.field = HL_FIELD_SRC_PORT,
				        .op = HL_VAR_RANDOM,
				        .min = 0,
				        .max = 65535};
			}
			ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
			if (ts == NULL)
				fail_msg("%s", err);
			uint8_t proto = l4 == 0 ? 17 : l4 == 1 ? 6 : (v6 ? 58 : 1);
			unsigned signed_n = 0;
			for (unsigned i = 0; i < 600; i++) {
				struct rte_mbuf *m = hl_tx_stream_build_one(ts, ~0ull - i * 977);
				assert_non_null(m);
				const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
				uint16_t len = m->data_len;
				assert_true(len >= 96 && len <= 297);
				if (!v6) {
					const struct rte_ipv4_hdr *ip = (const void *)(p + 14);
					assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
					assert_int_equal(ip->next_proto_id, proto);
				}
				if (!v6 &&
				        proto == 17) { /* IPv4 UDP: "no checksum" (0) by design */
					assert_int_equal(p[14 + 20 + 6] | p[14 + 20 + 7], 0);
				} else {
					check_l4(p, len, 14, v6, proto);
				}
				int off = hl_sig_locate(p, len);
				if (i % 3 == 0) {
					assert_true(off > 0);
					signed_n++;
				} else {
					assert_int_equal(off, -1); /* recycled slot was cleared */
				}
				rte_pktmbuf_free(m);
			}
			assert_int_equal(signed_n, 200);
			assert_int_equal(hl_tx_stream_free(ts), 0);
		}
	}
	/* constant streams (no variation, fixed size, no signature): checksums baked in the
	 * template are valid too */
	for (int v6 = 0; v6 < 2; v6++) {
		hl_stream_spec_default(&s);
		s.id = 30;
		s.l3 = (uint8_t)(v6 ? HL_L3_IPV6 : HL_L3_IPV4);
		s.l4 = HL_L4_TCP_SYN;
		s.sig_mode = HL_SIG_NONE;
		s.sizes[0].bytes = 128;
		ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
		if (ts == NULL)
			fail_msg("%s", err);
		struct rte_mbuf *m = hl_tx_stream_build_one(ts, 1);
		assert_non_null(m);
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		if (!v6)
			assert_int_equal(rte_raw_cksum(p + 14, 20), 0xffff);
		check_l4(p, m->data_len, 14, v6, 6);
		rte_pktmbuf_free(m);
		assert_int_equal(hl_tx_stream_free(ts), 0);
	}
	lb_free(&l);
}

/* Window snapshots: published while the generator runs, monotonic, and readable by another
 * reader without stopping it. */
static void
test_snapshots(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 1024, false, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 8, 0);
	s.rate_unit = HL_RATE_PPS;
	s.rate = 100000;
	s.duration_ns = 60ull * 1000 * 1000;
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_txgen *g = rte_zmalloc("g", sizeof(*g), 64);
	hl_txgen_init(g, 5 * 1000 * 1000); /* 5 ms windows */
	hl_txgen_add(g, ts);
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 5 * 1000 * 1000, SOCKET_ID_ANY);
	hl_rxmeas_track(r, 8);
	hl_txgen_start(g);
	struct hl_tx_snapshot sn, prev = {0};
	unsigned windows = 0;
	while (hl_txgen_poll(g) > 0) {
		hl_rxmeas_poll(r);
		hl_txgen_snapshot(g, &sn);
		if (sn.window_seq != prev.window_seq) {
			assert_true(sn.window_seq > prev.window_seq);
			assert_true(sn.c[0].tx_pkts >= prev.c[0].tx_pkts);
			assert_true(sn.c[0].tx_pkts <= hl_tx_stream_counters(ts)->tx_pkts);
			windows++;
			prev = sn;
		}
	}
	assert_true(windows >= 3); /* 60 ms of traffic, 5 ms windows */
	hl_txgen_run(g);
	hl_rxmeas_free(r);
	lb_free(&l);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	rte_free(g);
}

/* Hostile input to the RX parser: random frames of every length, and valid headers with random
 * lengths and IHL/data-offset fields, never read outside [0, len) and never match without the
 * magic. Buffers are exactly len bytes so a sanitizer build catches an over-read. */
static void
test_sig_locate_hostile(void **state)
{
	(void)state;
	struct hl_prng g;
	hl_prng_seed(&g, 42);
	unsigned matched = 0;
	for (unsigned it = 0; it < 200000; it++) {
		uint32_t len = (uint32_t)hl_prng_below(&g, 160);
		uint8_t *p = malloc(len ? len : 1);
		assert_non_null(p);
		for (uint32_t i = 0; i < len; i++)
			p[i] = (uint8_t)hl_prng_next(&g);
		if (len > 40 && (it & 1)) { /* plausible headers, hostile lengths */
			p[12] = 0x08;
			p[13] = 0x00;
			p[14] = (uint8_t)(0x40 | (p[14] & 0x0f));
			p[20] = p[21] = 0;
			p[23] = (uint8_t)((it >> 1) % 3 == 0 ? 6 : 17);
		}
		int off = hl_sig_locate(p, len);
		if (off >= 0) {
			assert_true((uint32_t)off + HL_SIG_LEN <= len);
			uint16_t magic;
			memcpy(&magic, p + off, 2);
			assert_int_equal(magic, HL_SIG_MAGIC);
			matched++;
		}
		free(p);
	}
	assert_true(matched < 100); /* random bytes hit the 16-bit magic about 1 in 65536 */
}

/* Forged signatures (random stream ids, sequence numbers and timestamps) through the RX
 * accounting: nothing crashes and the books balance — every packet is signed-and-tracked,
 * unknown or unsigned, and per stream rx = unique + dup. */
static void
test_rx_forged(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 1024, false, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 1, 0);
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 0, SOCKET_ID_ANY);
	for (uint16_t id = 0; id < 4; id++)
		assert_int_equal(hl_rxmeas_track(r, id), 0);
	struct hl_prng g;
	hl_prng_seed(&g, 7);
	uint64_t sent = 0;
	for (int round = 0; round < 2000; round++) {
		struct rte_mbuf *pk[32];
		for (int i = 0; i < 32; i++) {
			pk[i] = hl_tx_stream_build_one(ts, 0);
			assert_non_null(pk[i]);
			uint8_t *p = rte_pktmbuf_mtod(pk[i], uint8_t *);
			struct hl_sig sg = {.magic = HL_SIG_MAGIC,
			        .stream_id = (uint16_t)hl_prng_below(&g, 8), /* half untracked */
			        .seq = (uint32_t)(hl_prng_below(&g, 4) == 0
			                                  ? hl_prng_next(&g)
			                                  : sent + hl_prng_below(&g, 3000)),
			        .tx_tsc = hl_prng_below(&g, 2) ? hl_prng_next(&g) : rte_rdtsc()};
			if (hl_prng_below(&g, 10) == 0)
				sg.magic = 0x1234; /* not ours */
			memcpy(p + 42, &sg, sizeof(sg));
			sent++;
		}
		hl_rxmeas_account(r, pk, 32, rte_rdtsc());
		rte_pktmbuf_free_bulk(pk, 32);
	}
	uint64_t tot, uns, unk, sum = 0;
	hl_rxmeas_totals(r, &tot, &uns, &unk);
	assert_int_equal(tot, sent);
	for (uint16_t id = 0; id < 4; id++) {
		const struct hl_rx_stats *st = hl_rxmeas_stats(r, id);
		assert_int_equal(st->rx_pkts, st->unique + st->dup);
		assert_true(st->dup > 0 && st->reorder > 0 && st->too_old > 0);
		assert_true(st->lat_ns.count <= st->unique);
		sum += st->rx_pkts;
	}
	assert_int_equal(sum + uns + unk, tot);
	assert_true(uns > 0 && unk > 0);
	hl_rxmeas_free(r);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	lb_free(&l);
}

/* Hand-made frames for the staged RX loop: what each kind must be counted as. */
enum fk {
	FK_SIGNED, /* Eth/IPv4/UDP, signature at 42: the fast locate */
	FK_VLAN, /* 802.1Q, signature at 46: the general locator */
	FK_IHL6, /* IPv4 with 4 bytes of options, signature at 46 */
	FK_IHL6_AT42, /* IPv4 with options but the signature at 42: not where it belongs */
	FK_FRAG, /* IPv4 fragment at offset 8, "signature" at 42: not the L4 header, not parsed */
	FK_FRAG1, /* first fragment (MF, offset 0): its UDP header and signature are in place */
	FK_NOMAGIC, /* no signature */
	FK_SHORT, /* signed frame cut to 57 bytes (one short of a whole signature) */
	FK_TINY, /* 14 bytes */
	FK_UNTRACKED, /* signed, stream 99 (not tracked) */
	FK_MOVED, /* signed, data 64 bytes below the usual headroom (prefetch guess wrong) */
	FK_N
};

static struct rte_mbuf *
frame(struct rte_mempool *mp, enum fk k, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	assert_non_null(m);
	if (k == FK_MOVED)
		m->data_off = RTE_PKTMBUF_HEADROOM - 64;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 64);
	assert_non_null(p);
	memset(p, 0, 64);
	uint32_t ip = 14, sig = 42;
	p[12] = 0x08;
	if (k == FK_VLAN) {
		p[12] = 0x81;
		p[16] = 0x08;
		ip = 18;
		sig = 46;
	}
	p[ip] = 0x45;
	if (k == FK_IHL6 || k == FK_IHL6_AT42) {
		p[ip] = 0x46;
		sig = k == FK_IHL6 ? 46 : 42;
	}
	if (k == FK_FRAG || k == FK_FRAG1)
		p[ip + 6] = 0x20; /* MF */
	if (k == FK_FRAG)
		p[ip + 7] = 1; /* offset 1 x 8 bytes */
	p[ip + 9] = 17;
	struct hl_sig sg = {.magic = HL_SIG_MAGIC,
	        .stream_id = k == FK_UNTRACKED ? 99 : 1,
	        .seq = seq,
	        .tx_tsc = rte_rdtsc()};
	if (k != FK_NOMAGIC)
		memcpy(p + sig, &sg, sizeof(sg));
	if (k == FK_SHORT)
		assert_int_equal(rte_pktmbuf_trim(m, 64 - 57), 0);
	if (k == FK_TINY)
		assert_int_equal(rte_pktmbuf_trim(m, 64 - 14), 0);
	return m;
}

static bool
fk_signed(enum fk k)
{
	return k == FK_SIGNED || k == FK_VLAN || k == FK_IHL6 || k == FK_MOVED || k == FK_FRAG1;
}

/* The staged RX loop (prefetch ahead, parse, per-stream accounting, bulk free) on bursts of
 * 0, 1, 31, 32 and 33 packets (a chunk boundary) of every kind of frame, in a pseudo-random
 * mix: each packet is counted exactly once as signed, unsigned or unknown, the signed ones
 * are in sequence (no loss, reordering or duplicates) with one latency sample each, and every
 * mbuf goes back to its pool. */
static void
test_rx_staged_bursts(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 1024, false, NULL);
	struct rte_mempool *mp = rte_pktmbuf_pool_create(
	        "hl_rxst", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	assert_non_null(mp);
	unsigned avail0 = rte_mempool_avail_count(mp);
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 0, SOCKET_ID_ANY);
	assert_non_null(r);
	assert_int_equal(hl_rxmeas_track(r, 1), 0);
	static const unsigned sizes[] = {0, 1, 31, 32, 33, 0, 64, 5, 1, 0, 32};
	struct hl_prng g;
	hl_prng_seed(&g, 11);
	uint64_t want_sig = 0, want_uns = 0, want_unk = 0, want_tot = 0;
	uint32_t seq = 0;
	for (unsigned rep = 0; rep < 20; rep++) {
		for (size_t b = 0; b < sizeof(sizes) / sizeof(sizes[0]); b++) {
			struct rte_mbuf *in[64];
			unsigned n = sizes[b];
			for (unsigned i = 0; i < n; i++) {
				/* the first bursts are all of one kind, then a mix */
				enum fk k = rep < FK_N ? (enum fk)rep
				                       : (enum fk)hl_prng_below(&g, FK_N);
				bool sgd = fk_signed(k);
				in[i] = frame(mp, k, sgd ? seq : 0xdead);
				seq += sgd;
				want_sig += sgd;
				want_unk += k == FK_UNTRACKED;
				want_uns += !sgd && k != FK_UNTRACKED;
			}
			assert_int_equal(rte_ring_enqueue_burst(l.b, (void **)in, n, NULL), n);
			want_tot += n;
			unsigned got = 0;
			uint16_t k;
			while ((k = hl_rxmeas_poll(r)) > 0) {
				assert_true(k <= HL_RX_BURST);
				got += k;
			}
			assert_int_equal(got, n);
			const struct hl_rx_stats *st = hl_rxmeas_stats(r, 1);
			uint64_t tot, uns, unk;
			hl_rxmeas_totals(r, &tot, &uns, &unk);
			assert_int_equal(tot, want_tot);
			assert_int_equal(uns, want_uns);
			assert_int_equal(unk, want_unk);
			assert_int_equal(st->rx_pkts, want_sig);
			assert_int_equal(st->unique, want_sig);
			assert_int_equal(st->lat_ns.count, want_sig);
			assert_int_equal(st->rx_bytes, want_sig * 68); /* 64 + FCS */
			assert_int_equal(hl_rx_loss_now(st), 0);
			assert_int_equal(st->dup + st->reorder + st->too_old, 0);
			if (want_sig > 0)
				assert_int_equal(st->max_seq, want_sig - 1);
			assert_int_equal(rte_mempool_avail_count(mp), avail0);
		}
	}
	assert_true(want_sig > 0 && want_uns > 0 && want_unk > 0);
	hl_rxmeas_free(r);
	lb_free(&l);
	rte_mempool_free(mp);
}

/* hl_rx_free_burst: plain mbufs of two pools go straight back (in runs per pool); a chain, an
 * indirect clone, an external buffer and a shared mbuf take the general path and are freed
 * correctly (all segments, the clone's reference on its parent, only one reference). */
static void
ext_free_cb(void *addr, void *opaque)
{
	(void)addr;
	(*(unsigned *)opaque)++;
}

static void
test_rx_free_burst(void **state)
{
	(void)state;
	struct rte_mempool *a = rte_pktmbuf_pool_create(
	        "hl_rxfa", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	struct rte_mempool *b = rte_pktmbuf_pool_create(
	        "hl_rxfb", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	assert_non_null(a);
	assert_non_null(b);
	unsigned a0 = rte_mempool_avail_count(a), b0 = rte_mempool_avail_count(b);
	hl_rx_free_burst(NULL, 0); /* nothing to do */

	struct rte_mbuf *pk[HL_RX_BURST];
	unsigned n = 0;
	for (int i = 0; i < 6; i++) /* runs a a b b a b */
		pk[n++] = rte_pktmbuf_alloc((0x2c >> i) & 1 ? b : a);
	struct rte_mbuf *head = rte_pktmbuf_alloc(a), *tail = rte_pktmbuf_alloc(b);
	assert_non_null(rte_pktmbuf_append(head, 100));
	assert_non_null(rte_pktmbuf_append(tail, 100));
	assert_int_equal(rte_pktmbuf_chain(head, tail), 0);
	pk[n++] = head; /* chain: nb_segs 2 */
	struct rte_mbuf *parent = rte_pktmbuf_alloc(a);
	assert_non_null(parent);
	pk[n++] = rte_pktmbuf_clone(parent, b); /* indirect, holds a reference on parent */
	struct rte_mbuf *shared = rte_pktmbuf_alloc(a);
	rte_mbuf_refcnt_update(shared, 1); /* refcnt 2: only our reference goes */
	pk[n++] = shared;
	static uint8_t extbuf[2048 + sizeof(struct rte_mbuf_ext_shared_info)];
	unsigned ext_freed = 0;
	uint16_t blen = sizeof(extbuf);
	struct rte_mbuf_ext_shared_info *shinfo =
	        rte_pktmbuf_ext_shinfo_init_helper(extbuf, &blen, ext_free_cb, &ext_freed);
	assert_non_null(shinfo);
	struct rte_mbuf *ext = rte_pktmbuf_alloc(b);
	rte_pktmbuf_attach_extbuf(ext, extbuf, 0, blen, shinfo);
	pk[n++] = ext;
	pk[n++] = rte_pktmbuf_alloc(a);
	for (unsigned i = 0; i < n; i++)
		assert_non_null(pk[i]);
	assert_int_equal(rte_mempool_avail_count(a), a0 - 7);
	assert_int_equal(rte_mempool_avail_count(b), b0 - 6);

	hl_rx_free_burst(pk, (uint16_t)n);
	assert_int_equal(rte_mbuf_refcnt_read(shared), 1);
	assert_int_equal(rte_mbuf_refcnt_read(parent), 1); /* the clone let go of it */
	assert_int_equal(ext_freed, 1);
	assert_int_equal(rte_mempool_avail_count(a), a0 - 2); /* parent, shared */
	assert_int_equal(rte_mempool_avail_count(b), b0);
	rte_pktmbuf_free(parent);
	rte_pktmbuf_free(shared);
	assert_int_equal(rte_mempool_avail_count(a), a0);
	rte_mempool_free(a);
	rte_mempool_free(b);
}

/* Bounded collections say so when full: generator streams and tracked RX streams. */
static void
test_bounds(void **state)
{
	(void)state;
	struct lb l;
	lb_make(&l, 256, false, NULL);
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 0, SOCKET_ID_ANY);
	assert_non_null(r);
	for (unsigned i = 0; i < HL_RX_MAX_STREAMS; i++)
		assert_int_equal(hl_rxmeas_track(r, (uint16_t)(1000 + i)), 0);
	assert_int_equal(hl_rxmeas_track(r, 7), -ENOSPC);
	assert_null(hl_rxmeas_stats(r, 7));
	assert_non_null(hl_rxmeas_stats(r, 1000 + HL_RX_MAX_STREAMS - 1));
	hl_rxmeas_free(r);

	struct hl_txgen *g = gen_new();
	struct hl_stream_spec s;
	hl_stream_spec_default(&s);
	struct hl_tx_opts o = {.socket = -1, .pool_mbufs = 255};
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, &o, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	for (unsigned i = 0; i < HL_TXGEN_MAX_STREAMS; i++)
		assert_int_equal(hl_txgen_add(g, ts), 0);
	assert_int_equal(hl_txgen_add(g, ts), -ENOSPC);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	rte_free(g);
	lb_free(&l);
}

static int gen_done; /* set by the worker lcore when its generator returned */

static int
gen_lcore(void *arg)
{
	int rc = hl_txgen_run(arg);
	__atomic_store_n(&gen_done, 1, __ATOMIC_RELEASE);
	return rc;
}

/* The generator on a worker lcore while this lcore measures and reads its snapshots: the
 * single-writer / seqlock-reader arrangement of a real node. */
static void
test_two_lcores(void **state)
{
	(void)state;
	unsigned lc = rte_get_next_lcore(-1, 1, 0);
	if (lc >= RTE_MAX_LCORE) {
		print_message("only one lcore: skipped\n");
		skip();
	}
	struct lb l;
	lb_make(&l, 4096, false, NULL);
	struct hl_stream_spec s;
	spec_signed(&s, 12, 0);
	s.rate_unit = HL_RATE_PPS;
	s.rate = 500000;
	s.duration_ns = 100ull * 1000 * 1000;
	char err[128];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, l.port, 0, NULL, err, sizeof(err));
	if (ts == NULL)
		fail_msg("%s", err);
	struct hl_txgen *g = rte_zmalloc("g", sizeof(*g), 64);
	hl_txgen_init(g, 2 * 1000 * 1000);
	hl_txgen_add(g, ts);
	struct hl_rxmeas *r = hl_rxmeas_create(l.port, 0, 2 * 1000 * 1000, SOCKET_ID_ANY);
	hl_rxmeas_track(r, 12);
	__atomic_store_n(&gen_done, 0, __ATOMIC_RELEASE);
	assert_int_equal(rte_eal_remote_launch(gen_lcore, g, lc), 0);
	struct hl_tx_snapshot sn, prev = {0};
	unsigned seen = 0;
	/* Until the generator returned (not "until the lcore is in WAIT": on a loaded machine the
	 * worker may not have left WAIT yet when this loop starts, and it would end at once). */
	while (!__atomic_load_n(&gen_done, __ATOMIC_ACQUIRE)) {
		hl_rxmeas_poll(r);
		hl_txgen_snapshot(g, &sn);
		if (sn.window_seq != prev.window_seq) {
			assert_true(sn.window_seq > prev.window_seq);
			assert_true(sn.c[0].tx_pkts >= prev.c[0].tx_pkts);
			assert_true(sn.c[0].tx_bytes == sn.c[0].tx_pkts * 64); /* never torn */
			prev = sn;
			seen++;
		}
	}
	assert_int_equal(rte_eal_wait_lcore(lc), 0);
	for (int i = 0; i < 1000; i++)
		hl_rxmeas_poll(r);
	assert_true(seen >= 2);
	const struct hl_tx_counters *c = hl_tx_stream_counters(ts);
	const struct hl_rx_stats *st = hl_rxmeas_stats(r, 12);
	assert_int_equal(c->tx_pkts, 50000); /* exactly rate x duration */
	assert_int_equal(st->rx_pkts, 50000);
	assert_int_equal(hl_rx_loss_final(st, c->tx_signed), 0);
	assert_int_equal(st->dup + st->reorder, 0);
	hl_rxmeas_free(r);
	lb_free(&l);
	assert_int_equal(hl_tx_stream_free(ts), 0);
	rte_free(g);
}

static int
eal_setup(void **state)
{
	(void)state;
	int rc = rte_eal_init(g_argc, g_argv);
	return rc < 0 ? -1 : 0;
}

static int
eal_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

int
main(int argc, char **argv)
{
	g_argc = argc;
	g_argv = argv;
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_spec_validate),
	        cmocka_unit_test(test_port_unsupported),
	        cmocka_unit_test(test_loopback_exact),
	        cmocka_unit_test(test_probes_and_unknown),
	        cmocka_unit_test(test_paced_zero_loss),
	        cmocka_unit_test(test_injected_drops_reorder_dup),
	        cmocka_unit_test(test_hw_timestamps),
	        cmocka_unit_test(test_full_tx_ring),
	        cmocka_unit_test(test_pool_exhausted),
	        cmocka_unit_test(test_stopped_port),
	        cmocka_unit_test(test_hw_rate_limit_unsupported),
	        cmocka_unit_test(test_rate_units),
	        cmocka_unit_test(test_trains),
	        cmocka_unit_test(test_packet_contents),
	        cmocka_unit_test(test_snapshots),
	        cmocka_unit_test(test_two_lcores),
	        cmocka_unit_test(test_sig_locate_hostile),
	        cmocka_unit_test(test_rx_forged),
	        cmocka_unit_test(test_bounds),
	        cmocka_unit_test(test_rx_staged_bursts),
	        cmocka_unit_test(test_rx_free_burst),
	};
	return cmocka_run_group_tests_name("txgen", tests, eal_setup, eal_teardown);
}
