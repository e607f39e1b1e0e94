/* hl_perf.c — traffic-engine benchmark driver behind tests/perf/p1-tx .. p4-latency. Modes:
 *   tx      generation Mpps on port 0 (net_null) from a worker lcore, src IP + port varied
 *   rx      RX measurement cost: drain a pre-filled net_ring with hl_rxmeas vs testpmd's rxonly
 *           loop (rx_burst + free_bulk), alternating rounds on the same lcore
 *   rxtp    the same against dpdk-testpmd rxonly as a secondary process on this primary's ring
 *   rate    paced TX accuracy: achieved vs requested rate, per-burst gap error
 *   lat     latency through a net_ring loopback: timestamp resolution, histogram error
 * Usage: hl_perf <EAL args> -- <mode> [--seconds S] [--rate PPS] [--rounds N] [--sig none|probes|all]
 * Prints key=value lines that the scripts turn into tables. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "hl_port.h"
#include "hl_rxmeas.h"
#include "hl_stream.h"
#include "hl_txgen.h"

static double opt_seconds = 5;
static double opt_rate = 0;
static unsigned opt_rounds = 200;
static unsigned opt_sig = HL_SIG_NONE;
static unsigned opt_vars = 2;
static unsigned opt_fill = 512;
static const char *opt_prefix = "";
static unsigned opt_cpu = 0;

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "hl_perf: %s: %s\n", what, why);
	exit(1);
}

static uint16_t
setup_port(uint16_t port)
{
	struct hl_port_conf c;
	hl_port_conf_default(&c);
	c.tx_desc = 1024;
	char err[HL_PORT_ERRLEN];
	if (hl_port_setup(port, &c, NULL, err, sizeof(err)) != 0)
		die("port setup", err);
	return port;
}

/* The P1 stream: 64 B IPv4/UDP, src IP and src port incremented per packet. */
static void
p1_spec(struct hl_stream_spec *s)
{
	hl_stream_spec_default(s);
	s->id = 1;
	s->sig_mode = (uint8_t)opt_sig;
	s->probe_ratio = 1024;
	s->n_vars = 2;
	s->vars[0] = (struct hl_field_var){.field = HL_FIELD_SRC_IP,
	        .op = HL_VAR_INC,
	        .min = 0xc6120000,
	        .max = 0xc612ffff,
	        .step = 1};
	s->vars[1] = (struct hl_field_var){
	        .field = HL_FIELD_SRC_PORT, .op = HL_VAR_INC, .min = 1024, .max = 65535, .step = 1};
	s->n_vars = opt_vars < 2 ? opt_vars : 2;
}

static int
gen_main(void *arg)
{
	return hl_txgen_run(arg);
}

static unsigned
worker_lcore(void)
{
	unsigned lc = rte_get_next_lcore(-1, 1, 0);
	if (lc >= RTE_MAX_LCORE)
		die("lcores", "need a worker lcore (-l 0,1)");
	return lc;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* tx / rate: run the generator on a worker lcore, sample its snapshots once a second. */
static void
mode_tx(bool paced)
{
	uint16_t port = setup_port(0);
	struct hl_stream_spec s;
	p1_spec(&s);
	if (paced) {
		s.rate_unit = HL_RATE_PPS;
		s.rate = opt_rate;
		s.duration_ns = (uint64_t)(opt_seconds * 1e9);
	}
	char err[160];
	struct hl_tx_opts o = {.socket = -1};
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, port, 0, &o, err, sizeof(err));
	if (ts == NULL)
		die("stream", err);
	struct hl_txgen *g = rte_zmalloc("gen", sizeof(*g), 64);
	hl_txgen_init(g, 0);
	hl_txgen_add(g, ts);
	unsigned lc = worker_lcore();
	uint64_t hz = rte_get_tsc_hz();
	rte_eal_remote_launch(gen_main, g, lc);
	double rates[128];
	unsigned nr = 0;
	struct hl_tx_snapshot a, b;
	rte_delay_us_sleep(200 * 1000); /* warm-up */
	hl_txgen_snapshot(g, &a);
	unsigned secs = (unsigned)ceil(opt_seconds);
	for (unsigned i = 0; i < secs && i < 128 && !paced; i++) {
		rte_delay_us_sleep(1000 * 1000);
		hl_txgen_snapshot(g, &b);
		rates[nr++] = (double)(b.c[0].tx_pkts - a.c[0].tx_pkts) * (double)hz /
		              (double)(b.tsc - a.tsc);
		a = b;
	}
	if (!paced)
		hl_txgen_stop(g);
	/* sleep, do not spin, while the worker runs: the machine has few cores */
	while (rte_eal_get_lcore_state(lc) != WAIT)
		rte_delay_us_sleep(10 * 1000);
	int rc = rte_eal_wait_lcore(lc);
	const struct hl_tx_counters *c = hl_tx_stream_counters(ts);
	if (!paced) {
		qsort(rates, nr, sizeof(rates[0]), cmp_double);
		double cyc = (double)hz / rates[nr / 2];
		printf("mode=tx samples=%u median_mpps=%.3f min_mpps=%.3f max_mpps=%.3f "
		       "cycles_per_pkt=%.1f tsc_hz=%" PRIu64 " status=%d\n",
		        nr, rates[nr / 2] / 1e6, rates[0] / 1e6, rates[nr - 1] / 1e6, cyc, hz, rc);
	} else {
		/* from the actual first (due at start) and last transmission times */
		double achieved = (double)(c->tx_pkts - 1) * (double)hz /
		                  (double)(c->last_tsc - c->start_tsc);
		printf("mode=rate requested_pps=%.1f achieved_pps=%.3f error_pct=%.5f "
		       "tx_pkts=%" PRIu64 " gap_p50_ns=%" PRIu64 " gap_p99_ns=%" PRIu64
		       " gap_max_ns=%" PRIu64 " bursts=%" PRIu64 " status=%d\n",
		        opt_rate, achieved, (achieved - opt_rate) / opt_rate * 100.0, c->tx_pkts,
		        hl_hist_percentile(&g->gap_ns, 50), hl_hist_percentile(&g->gap_ns, 99),
		        g->gap_ns.max, g->gap_ns.count, rc);
	}
	rte_free(g);
}

/* rx: the same pre-filled ring drained by hl_rxmeas and by testpmd's rxonly loop
 * (rte_eth_rx_burst + rte_pktmbuf_free_bulk), alternating rounds on one lcore. Our rounds carry
 * stream 1, the reference rounds stream 2, so stream 1's sequence stays gap-free. */
static void
mode_rx(void)
{
	const unsigned fill = opt_fill;
	struct rte_ring *r =
	        rte_ring_create("hlp_rx", fill * 2, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r == NULL)
		die("ring", rte_strerror(rte_errno));
	int p = rte_eth_from_rings("hlp_rxport", &r, 1, &r, 1, rte_socket_id());
	if (p < 0)
		die("net_ring", rte_strerror(rte_errno));
	uint16_t port = setup_port((uint16_t)p);
	struct hl_tx_stream *ts[2];
	for (int i = 0; i < 2; i++) {
		struct hl_stream_spec s;
		p1_spec(&s);
		s.id = (uint16_t)(1 + i);
		s.sig_mode = (uint8_t)(opt_sig == HL_SIG_NONE ? HL_SIG_ALL : opt_sig);
		char err[160];
		struct hl_tx_opts o = {.socket = -1, .pool_mbufs = fill * 2};
		ts[i] = hl_tx_stream_create(&s, port, 0, &o, err, sizeof(err));
		if (ts[i] == NULL)
			die("stream", err);
	}
	struct hl_rxmeas *m = hl_rxmeas_create(port, 0, 0, (int)rte_socket_id());
	hl_rxmeas_track(m, 1);
	uint64_t cyc_ours = 0, cyc_ref = 0, pk_ours = 0, pk_ref = 0;
	/* per-round cycles per packet: the minimum over many alternating rounds is the
	 * undisturbed cost of each loop on a shared machine (best-of-N, as timeit does) */
	double *rc_ours = calloc(opt_rounds, sizeof(double)),
	       *rc_ref = calloc(opt_rounds, sizeof(double));
	if (rc_ours == NULL || rc_ref == NULL)
		die("calloc", "round arrays");
	struct rte_mbuf *pk[HL_RX_BURST];
	for (unsigned round = 0; round < opt_rounds * 2; round++) {
		bool ours = (round & 1) == 0;
		/* fill (untimed): the generator's real output, sequence numbers continuing */
		unsigned have = 0;
		while (have < fill) {
			struct rte_mbuf *b[32];
			/* one TX stamp per burst of 32, as hl_txgen_poll stamps */
			uint64_t stamp = rte_rdtsc();
			for (unsigned k = 0; k < 32; k++) {
				b[k] = hl_tx_stream_build_one(ts[ours ? 0 : 1], stamp);
				if (b[k] == NULL)
					die("fill", "pool empty");
			}
			have += rte_eth_tx_burst(port, 0, b, 32);
		}
		uint64_t t0 = rte_rdtsc(), n = 0;
		for (;;) {
			uint16_t k;
			if (ours) {
				k = hl_rxmeas_poll(m);
			} else {
				k = rte_eth_rx_burst(port, 0, pk, HL_RX_BURST);
				if (k)
					rte_pktmbuf_free_bulk(pk, k);
			}
			if (k == 0)
				break;
			n += k;
		}
		uint64_t dt = rte_rdtsc() - t0;
		if (ours) {
			cyc_ours += dt;
			pk_ours += n;
			rc_ours[round / 2] = (double)dt / (double)n;
		} else {
			cyc_ref += dt;
			pk_ref += n;
			rc_ref[round / 2] = (double)dt / (double)n;
		}
	}
	qsort(rc_ours, opt_rounds, sizeof(double), cmp_double);
	qsort(rc_ref, opt_rounds, sizeof(double), cmp_double);
	double hz = (double)rte_get_tsc_hz();
	printf("mode=rxbest ours_min_cyc=%.1f ref_min_cyc=%.1f ours_med_cyc=%.1f ref_med_cyc=%.1f "
	       "ours_best_mpps=%.3f ref_best_mpps=%.3f ours_med_mpps=%.3f ref_med_mpps=%.3f\n",
	        rc_ours[0], rc_ref[0], rc_ours[opt_rounds / 2], rc_ref[opt_rounds / 2],
	        hz / rc_ours[0] / 1e6, hz / rc_ref[0] / 1e6, hz / rc_ours[opt_rounds / 2] / 1e6,
	        hz / rc_ref[opt_rounds / 2] / 1e6);
	free(rc_ours);
	free(rc_ref);
	double mp_ours = (double)pk_ours * hz / (double)cyc_ours / 1e6;
	double mp_ref = (double)pk_ref * hz / (double)cyc_ref / 1e6;
	const struct hl_rx_stats *st = hl_rxmeas_stats(m, 1);
	uint64_t tot, uns, unk;
	hl_rxmeas_totals(m, &tot, &uns, &unk);
	printf("mode=rx rounds=%u pkts_ours=%" PRIu64 " ours_mpps=%.3f ref_mpps=%.3f "
	       "ours_cyc=%.1f ref_cyc=%.1f signed=%" PRIu64 " loss=%" PRIu64 " dup=%" PRIu64
	       " reorder=%" PRIu64 " unknown=%" PRIu64 " lat_count=%" PRIu64 "\n",
	        opt_rounds, pk_ours, mp_ours, mp_ref, (double)cyc_ours / (double)pk_ours,
	        (double)cyc_ref / (double)pk_ref, st->rx_pkts, hl_rx_loss_now(st), st->dup,
	        st->reorder, unk, st->lat_ns.count);
}

/* rxtp: the P2 reference is dpdk-testpmd itself. This process is the DPDK primary (hugepages,
 * own --file-prefix) owning the net_ring; it starts `dpdk-testpmd --proc-type=secondary` in
 * interactive mode, rxonly, attached to the same port and the same mbuf pools. Each round fills
 * the ring with `fill` of the generator's signed packets (one stamp per burst of 32, as hl_txgen),
 * then has it drained, in turn, by:
 *   - testpmd: "start", and "stop" while the ring still holds packets, so that its forwarding
 *     lcore never polls an empty ring: --record-core-cycles counts every poll's cycles ("total
 *     cycles"), idle ones included, so its cycles / packets is its per-packet cost only if no
 *     poll came back empty, which --record-burst-stats shows (rounds with an empty poll are
 *     discarded and counted). The rest of the ring is drained untimed.
 *   - this process's hl_rxmeas_poll loop (whole ring, timed);
 *   - the in-process rx_burst + free_bulk loop (whole ring, timed), for continuity with `rx`;
 *   - the same loop freeing with hl_rx_free_burst ("loopff", whole ring, timed): what the
 *     reference would cost with hl_rxmeas_poll's cheaper free, so that the share of the measured
 *     ratio owed to the free, not to the measurement, stays visible.
 * The fill is large (default 32768: ~80 MB of mbufs) so that testpmd's drain lasts long enough
 * to be stopped before the ring empties; at that size (~6 MB of touched lines) the packets are
 * out of the L1/L2 caches for all of them, unlike the L1/L2-sized fills of `rx`.
 * Cross-process frees go through the pool's ops index, which is only meaningful if both
 * processes registered the mempool drivers in the same order: p2-rx runs hl_perf with
 * LD_PRELOAD set to testpmd's own DT_NEEDED libraries for that (a mismatch sends testpmd's frees
 * to another driver; the pools then run dry and the fill dies with "pool empty"). */
struct tp {
	FILE *in, *out;
	pid_t pid;
};

static void
tp_cmd(struct tp *t, const char *cmd)
{
	if (fprintf(t->in, "%s\n", cmd) < 0 || fflush(t->in) != 0)
		die("testpmd", "write to its stdin failed");
}

/* Read testpmd's output until a line containing want; optionally capture a number after key. */
static uint64_t tp_bursts; /* RX bursts (polls) in the last "stop" report */

static void
tp_wait(struct tp *t, const char *want, const char *key, double *val, uint64_t *pkts)
{
	char line[512];
	tp_bursts = 0;
	while (fgets(line, sizeof(line), t->out) != NULL) {
		if (getenv("HL_PERF_TP_DEBUG"))
			fputs(line, stderr);
		const char *k;
		if (key != NULL && (k = strstr(line, key)) != NULL)
			*val = atof(k + strlen(key));
		if (pkts != NULL && (k = strstr(line, "total rxonly packets=")) != NULL)
			*pkts = strtoull(k + strlen("total rxonly packets="), NULL, 10);
		if ((k = strstr(line, "RX-bursts : ")) != NULL)
			tp_bursts = strtoull(k + strlen("RX-bursts : "), NULL, 10);
		if (strstr(line, want) != NULL)
			return;
	}
	die("testpmd", "exited or closed its output (see its messages above)");
}

static void
tp_spawn(struct tp *t, const char *prefix, unsigned cpu)
{
	int pin[2], pout[2];
	if (pipe(pin) != 0 || pipe(pout) != 0)
		die("pipe", strerror(errno));
	char lcores[64], fp[128];
	/* lcore 0 (command line) on the other CPU, lcore 1 (forwarding) on ours; stdbuf: its
	 * printf output is line-buffered, so each answer reaches us as it is printed */
	snprintf(lcores, sizeof(lcores), "--lcores=0@%u,1@%u", cpu ^ 1u, cpu);
	snprintf(fp, sizeof(fp), "--file-prefix=%s", prefix);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		close(pin[1]);
		close(pout[0]);
		execlp("stdbuf", "stdbuf", "-oL", "dpdk-testpmd", lcores, "--proc-type=secondary",
		        fp, "--no-pci", "--log-level=lib.eal:error", "--", "-i",
		        "--forward-mode=rxonly", "--record-core-cycles", "--record-burst-stats",
		        "--no-flush-rx", "--nb-cores=1", "--burst=32", (char *)NULL);
		fprintf(stderr, "hl_perf: exec stdbuf dpdk-testpmd: %s\n", strerror(errno));
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	t->pid = pid;
	t->in = fdopen(pin[1], "w");
	t->out = fdopen(pout[0], "r");
	if (t->in == NULL || t->out == NULL)
		die("fdopen", strerror(errno));
	tp_cmd(t, "show config fwd");
	tp_wait(t, "packet forwarding - ports=", NULL, NULL, NULL);
}

static void
rxtp_fill(uint16_t port, struct hl_tx_stream *ts, unsigned fill)
{
	unsigned have = 0;
	while (have < fill) {
		struct rte_mbuf *b[32];
		uint64_t stamp = rte_rdtsc(); /* one TX stamp per burst of 32, as hl_txgen_poll */
		for (unsigned k = 0; k < 32; k++) {
			b[k] = hl_tx_stream_build_one(ts, stamp);
			if (b[k] == NULL)
				die("fill", "pool empty");
		}
		uint16_t sent = rte_eth_tx_burst(port, 0, b, 32);
		if (sent != 32)
			die("fill", "ring full");
		have += sent;
	}
}

static void
mode_rxtp(const char *prefix, unsigned cpu)
{
	const unsigned fill = opt_fill;
	struct rte_ring *r = rte_ring_create(
	        "hlp_rxtp", fill * 2, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r == NULL)
		die("ring", rte_strerror(rte_errno));
	int p = rte_eth_from_rings("hlp_rxtp", &r, 1, &r, 1, rte_socket_id());
	if (p < 0)
		die("net_ring", rte_strerror(rte_errno));
	uint16_t port = setup_port((uint16_t)p);
	/* the pool a secondary testpmd looks up by name (it creates none of its own) */
	char pname[32];
	snprintf(pname, sizeof(pname), "mb_pool_%u", rte_socket_id());
	if (rte_pktmbuf_pool_create(
	            pname, 1023, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id()) == NULL)
		die("testpmd pool", rte_strerror(rte_errno));
	struct hl_tx_stream *ts[2];
	for (int i = 0; i < 2; i++) {
		struct hl_stream_spec s;
		p1_spec(&s);
		s.id = (uint16_t)(1 + i);
		s.sig_mode = (uint8_t)(opt_sig == HL_SIG_NONE ? HL_SIG_ALL : opt_sig);
		char err[160];
		/* testpmd's forwarding lcore keeps up to 1.5 x cache of them in its own
		 * per-lcore cache of the shared pool, out of the filler's reach */
		struct hl_tx_opts o = {.socket = -1, .pool_mbufs = fill + 2048};
		ts[i] = hl_tx_stream_create(&s, port, 0, &o, err, sizeof(err));
		if (ts[i] == NULL)
			die("stream", err);
	}
	struct hl_rxmeas *m = hl_rxmeas_create(port, 0, 0, (int)rte_socket_id());
	hl_rxmeas_track(m, 1);
	struct tp t;
	tp_spawn(&t, prefix, cpu);
	double *c_ours = calloc(opt_rounds, sizeof(double)),
	       *c_loop = calloc(opt_rounds, sizeof(double)),
	       *c_tp = calloc(opt_rounds, sizeof(double)),
	       *c_loopff = calloc(opt_rounds, sizeof(double));
	if (c_ours == NULL || c_loop == NULL || c_tp == NULL || c_loopff == NULL)
		die("calloc", "round arrays");
	struct rte_mbuf *pk[HL_RX_BURST];
	unsigned nr = 0, discarded = 0;
	for (unsigned round = 0; round < opt_rounds; round++) {
		/* testpmd, stopped while half of the ring is left */
		rxtp_fill(port, ts[1], fill);
		tp_cmd(&t, "start");
		while (rte_ring_count(r) > fill / 2)
			rte_delay_us_sleep(20);
		tp_cmd(&t, "stop");
		double cyc = 0;
		uint64_t got = 0;
		tp_wait(&t, "Done.", "CPU cycles/packet=", &cyc, &got);
		unsigned left = rte_ring_count(r);
		uint16_t k;
		while ((k = rte_eth_rx_burst(port, 0, pk, HL_RX_BURST)) > 0) /* untimed */
			rte_pktmbuf_free_bulk(pk, k);
		if (getenv("HL_PERF_TP_DEBUG"))
			fprintf(stderr,
			        "round %u: testpmd got %" PRIu64 " left %u cyc %.1f bursts %" PRIu64
			        "\n",
			        round, got, left, cyc, tp_bursts);
		if (got + left != fill)
			die("testpmd", "packets received + left in the ring != filled");
		/* every poll full (the ring never held fewer than 32): no idle poll was counted */
		if (tp_bursts * HL_RX_BURST != got || got == 0 || left == 0 || cyc <= 0) {
			discarded++; /* stopped too late (an idle poll was counted) */
			continue;
		}
		/* ours and the in-process loop: the whole drain, empty last poll included */
		for (int w = 0; w < 3; w++) {
			rxtp_fill(port, ts[w == 0 ? 0 : 1], fill);
			uint64_t t0 = rte_rdtsc(), n = 0;
			for (;;) {
				if (w == 0) {
					k = hl_rxmeas_poll(m);
				} else {
					k = rte_eth_rx_burst(port, 0, pk, HL_RX_BURST);
					if (k && w == 1)
						rte_pktmbuf_free_bulk(pk, k);
					else if (k)
						hl_rx_free_burst(pk, k);
				}
				if (k == 0)
					break;
				n += k;
			}
			double c = (double)(rte_rdtsc() - t0) / (double)n;
			(w == 0 ? c_ours : w == 1 ? c_loop : c_loopff)[nr] = c;
		}
		c_tp[nr++] = cyc;
	}
	if (nr == 0)
		die("testpmd", "every round polled an empty ring before the stop arrived");
	tp_cmd(&t, "quit");
	fclose(t.in);
	char line[512];
	while (fgets(line, sizeof(line), t.out) != NULL)
		;
	fclose(t.out);
	int ws;
	if (waitpid(t.pid, &ws, 0) < 0 || !WIFEXITED(ws))
		fprintf(stderr, "hl_perf: testpmd did not exit cleanly\n");
	qsort(c_ours, nr, sizeof(double), cmp_double);
	qsort(c_loop, nr, sizeof(double), cmp_double);
	qsort(c_tp, nr, sizeof(double), cmp_double);
	qsort(c_loopff, nr, sizeof(double), cmp_double);
	double hz = (double)rte_get_tsc_hz();
	unsigned md = nr / 2;
	const struct hl_rx_stats *st = hl_rxmeas_stats(m, 1);
	uint64_t tot, uns, unk;
	hl_rxmeas_totals(m, &tot, &uns, &unk);
	printf("mode=rxtp rounds=%u discarded=%u ours_med_cyc=%.1f tp_med_cyc=%.1f "
	       "loop_med_cyc=%.1f loopff_med_cyc=%.1f loopff_min_cyc=%.1f "
	       "ours_min_cyc=%.1f tp_min_cyc=%.1f loop_min_cyc=%.1f ours_med_mpps=%.3f "
	       "tp_med_mpps=%.3f loop_med_mpps=%.3f signed=%" PRIu64 " loss=%" PRIu64
	       " dup=%" PRIu64 " reorder=%" PRIu64 " unknown=%" PRIu64 " lat_count=%" PRIu64 "\n",
	        nr, discarded, c_ours[md], c_tp[md], c_loop[md], c_loopff[md], c_loopff[0],
	        c_ours[0], c_tp[0], c_loop[0], hz / c_ours[md] / 1e6, hz / c_tp[md] / 1e6,
	        hz / c_loop[md] / 1e6, st->rx_pkts, hl_rx_loss_now(st), st->dup, st->reorder, unk,
	        st->lat_ns.count);
	free(c_ours);
	free(c_loop);
	free(c_tp);
	free(c_loopff);
}

/* rxflow: continuous flow through a net_ring: the generator on a worker lcore (unlimited rate,
 * signed packets) feeds the ring; the main lcore receives for S seconds, alternately with
 * hl_rxmeas and with testpmd's rxonly loop. Reports RX Mpps of each and whether the receiver
 * or the feeder was the bottleneck (feeder tx_full counts bursts refused by a full ring). */
struct flow_rx {
	uint16_t port;
	struct hl_rxmeas *m;
	bool ours;
	double secs;
	uint64_t pkts, cycles;
};

static void
flow_receive(struct flow_rx *f)
{
	struct rte_mbuf *pk[HL_RX_BURST];
	uint64_t hz = rte_get_tsc_hz();
	uint64_t t0 = rte_rdtsc(), end = t0 + (uint64_t)(f->secs * (double)hz), n = 0, now;
	do {
		uint16_t k;
		if (f->ours) {
			k = hl_rxmeas_poll(f->m);
		} else {
			k = rte_eth_rx_burst(f->port, 0, pk, HL_RX_BURST);
			if (k)
				rte_pktmbuf_free_bulk(pk, k);
		}
		n += k;
		now = rte_rdtsc();
	} while (now < end);
	f->pkts = n;
	f->cycles = now - t0;
}

static void
mode_rxflow(void)
{
	struct rte_ring *r =
	        rte_ring_create("hlp_flow", 4096, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r == NULL)
		die("ring", rte_strerror(rte_errno));
	int p = rte_eth_from_rings("hlp_flowport", &r, 1, &r, 1, rte_socket_id());
	if (p < 0)
		die("net_ring", rte_strerror(rte_errno));
	uint16_t port = setup_port((uint16_t)p);
	unsigned lc = worker_lcore();
	double hz = (double)rte_get_tsc_hz();
	double mp[2] = {0, 0};
	uint64_t full[2] = {0, 0};
	struct hl_rxmeas *m = hl_rxmeas_create(port, 0, 0, (int)rte_socket_id());
	hl_rxmeas_track(m, 1);
	for (unsigned round = 0; round < opt_rounds * 2; round++) {
		bool ours = (round & 1) == 0;
		struct hl_stream_spec s;
		p1_spec(&s);
		s.id = ours ? 1 : 2;
		s.sig_mode = (uint8_t)(opt_sig == HL_SIG_NONE ? HL_SIG_ALL : opt_sig);
		char err[160];
		struct hl_tx_opts o = {.socket = -1, .pool_mbufs = 16383};
		struct hl_tx_stream *ts = hl_tx_stream_create(&s, port, 0, &o, err, sizeof(err));
		if (ts == NULL)
			die("stream", err);
		struct hl_txgen *g = rte_zmalloc("gen", sizeof(*g), 64);
		hl_txgen_init(g, 0);
		hl_txgen_add(g, ts);
		rte_eal_remote_launch(gen_main, g, lc);
		struct flow_rx f = {.port = port, .m = m, .ours = ours, .secs = opt_seconds};
		flow_receive(&f);
		hl_txgen_stop(g);
		rte_eal_wait_lcore(lc);
		struct rte_mbuf *pk[64];
		unsigned k;
		while ((k = rte_eth_rx_burst(port, 0, pk, 64)) > 0) /* drain, untimed */
			rte_pktmbuf_free_bulk(pk, k);
		mp[ours ? 0 : 1] += (double)f.pkts * hz / (double)f.cycles / 1e6 / opt_rounds;
		full[ours ? 0 : 1] += hl_tx_stream_counters(ts)->tx_full;
		if (hl_tx_stream_free(ts) != 0)
			die("stream", "mbufs still in flight");
		rte_free(g);
	}
	const struct hl_rx_stats *st = hl_rxmeas_stats(m, 1);
	printf("mode=rxflow rounds=%u ours_mpps=%.3f ref_mpps=%.3f feeder_full_ours=%" PRIu64
	       " feeder_full_ref=%" PRIu64 " signed=%" PRIu64 " dup=%" PRIu64 " reorder=%" PRIu64
	       " lat_count=%" PRIu64 "\n",
	        opt_rounds, mp[0], mp[1], full[0], full[1], st->rx_pkts, st->dup, st->reorder,
	        st->lat_ns.count);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* lat: signed packets through a net_ring loopback on one lcore; exact latencies kept beside the
 * histogram to measure its error. */
static void
mode_lat(void)
{
	struct rte_ring *r =
	        rte_ring_create("hlp_lat", 1024, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	int p = rte_eth_from_rings("hlp_latport", &r, 1, &r, 1, rte_socket_id());
	if (r == NULL || p < 0)
		die("net_ring", rte_strerror(rte_errno));
	uint16_t port = setup_port((uint16_t)p);
	struct hl_stream_spec s;
	p1_spec(&s);
	s.sig_mode = HL_SIG_ALL;
	s.rate_unit = HL_RATE_PPS;
	s.rate = opt_rate > 0 ? opt_rate : 1e6;
	s.duration_ns = (uint64_t)(opt_seconds * 1e9);
	char err[160];
	struct hl_tx_stream *ts = hl_tx_stream_create(&s, port, 0, NULL, err, sizeof(err));
	if (ts == NULL)
		die("stream", err);
	struct hl_txgen *g = rte_zmalloc("gen", sizeof(*g), 64);
	hl_txgen_init(g, 0);
	hl_txgen_add(g, ts);
	struct hl_rxmeas *m = hl_rxmeas_create(port, 0, 0, (int)rte_socket_id());
	hl_rxmeas_track(m, 1);
	size_t cap = 1u << 22, n = 0;
	uint64_t *exact = malloc(cap * sizeof(*exact));
	if (exact == NULL)
		die("malloc", "exact latencies");
	double ns_per_cyc = 1e9 / (double)rte_get_tsc_hz();
	const uint64_t ns_mult = (uint64_t)(1e9 * 4294967296.0 / (double)rte_get_tsc_hz());
	hl_txgen_start(g);
	struct rte_mbuf *pk[HL_RX_BURST];
	uint32_t active = 1;
	while (active || rte_ring_count(r) > 0) {
		if (active)
			active = hl_txgen_poll(g);
		uint16_t k = rte_eth_rx_burst(port, 0, pk, HL_RX_BURST);
		if (k == 0)
			continue;
		uint64_t now = rte_rdtsc();
		hl_rxmeas_account(m, pk, k, now);
		for (uint16_t i = 0; i < k && n < cap; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(pk[i], const uint8_t *);
			int off = hl_sig_locate(d, pk[i]->data_len);
			if (off < 0)
				continue;
			struct hl_sig sg;
			memcpy(&sg, d + off, sizeof(sg));
			/* same conversion as hl_rxmeas (cycles * mult >> 32), exact before bucketing */
			exact[n++] =
			        (uint64_t)(((unsigned __int128)(now - sg.tx_tsc) * ns_mult) >> 32);
		}
		rte_pktmbuf_free_bulk(pk, k);
	}
	const struct hl_rx_stats *st = hl_rxmeas_stats(m, 1);
	qsort(exact, n, sizeof(*exact), cmp_u64);
	double worst = 0;
	static const double pcts[] = {1, 10, 25, 50, 75, 90, 99, 99.9};
	printf("pctl exact_ns hist_ns rel_err_pct\n");
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t rank = (uint64_t)(pcts[i] / 100.0 * (double)n + 0.5);
		if (rank == 0)
			rank = 1;
		uint64_t ex = exact[rank - 1];
		uint64_t hv = hl_hist_percentile(&st->lat_ns, pcts[i]);
		double e = ex ? fabs((double)hv - (double)ex) / (double)ex * 100.0 : 0;
		if (e > worst)
			worst = e;
		printf("p%-5g %7" PRIu64 " %7" PRIu64 " %.3f\n", pcts[i], ex, hv, e);
	}
	uint64_t mind = UINT64_MAX;
	for (size_t i = 1; i < n; i++)
		if (exact[i] != exact[i - 1] && exact[i] - exact[i - 1] < mind)
			mind = exact[i] - exact[i - 1];
	printf("mode=lat samples=%zu hist_count=%" PRIu64 " tsc_ns=%.3f min_step_ns=%" PRIu64
	       " lat_min_ns=%" PRIu64 " lat_p50_ns=%" PRIu64 " lat_p99_ns=%" PRIu64
	       " jitter_ns=%" PRIu64 " hist_worst_err_pct=%.3f loss=%" PRIu64 "\n",
	        n, st->lat_ns.count, ns_per_cyc, mind, st->lat_ns.min,
	        hl_hist_percentile(&st->lat_ns, 50), hl_hist_percentile(&st->lat_ns, 99),
	        st->jitter_ns, worst, hl_rx_loss_now(st));
	free(exact);
}

int
main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);
	if (n < 0)
		die("EAL", rte_strerror(rte_errno));
	argc -= n;
	argv += n;
	if (argc < 2)
		die("usage", "hl_perf <EAL args> -- tx|rx|rate|lat [--seconds S] [--rate PPS] ...");
	const char *mode = argv[1];
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			opt_seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--rate"))
			opt_rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--fill"))
			opt_fill = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--prefix"))
			opt_prefix = argv[i + 1];
		else if (!strcmp(argv[i], "--cpu"))
			opt_cpu = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--vars"))
			opt_vars = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--rounds"))
			opt_rounds = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--sig"))
			opt_sig = !strcmp(argv[i + 1], "all")      ? HL_SIG_ALL
			          : !strcmp(argv[i + 1], "probes") ? HL_SIG_PROBES
			                                           : HL_SIG_NONE;
		else
			die("unknown option", argv[i]);
	}
	if (!strcmp(mode, "tx"))
		mode_tx(false);
	else if (!strcmp(mode, "rate"))
		mode_tx(true);
	else if (!strcmp(mode, "rxflow"))
		mode_rxflow();
	else if (!strcmp(mode, "rx"))
		mode_rx();
	else if (!strcmp(mode, "rxtp"))
		mode_rxtp(opt_prefix, opt_cpu);
	else if (!strcmp(mode, "lat"))
		mode_lat();
	else
		die("unknown mode", mode);
	rte_eal_cleanup();
	return 0;
}
