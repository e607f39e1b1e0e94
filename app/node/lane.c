/* lane.c — a traffic lane: one traffic lcore with one TX and one RX queue on every test port.
 * It waits for a workflow run from dispatch, then busy-polls lib/txgen's generator (pre-built
 * mbufs, TSC pacing) and lib/txgen's RX measurement (signature, loss, reordering, duplicates,
 * latency, jitter) for each port it uses, ships a cumulative window to the progress service
 * every window, drains what is in flight once TX ends, and reports DONE. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring_elem.h>

#include "hl_log.h"
#include "hl_rxmeas.h"
#include "hl_txgen.h"
#include "node.h"

#define DRAIN_MS 20 /* how long RX keeps draining after TX ends... */
#define QUIET_MS 2 /* ...ending early once everything sent came back and RX is quiet */

struct lane_ctx {
	uint32_t lane;
	struct hl_run *r;
	uint32_t n_rx;
	struct hl_rxmeas *rx[HL_NODE_MAX_TPORTS];
	uint32_t n;
	struct hl_run_stream *s[HL_RUN_MAX_STREAMS];
};

static const struct hl_rx_stats *
rx_stats(const struct lane_ctx *c, const struct hl_run_stream *s)
{
	return hl_rxmeas_stats(c->r->rx[c->lane][s->port_idx], s->sig_id);
}

static uint32_t
rx_poll(struct lane_ctx *c)
{
	uint32_t got = 0;
	for (uint32_t i = 0; i < c->n_rx; i++)
		got += hl_rxmeas_poll(c->rx[i]);
	return got;
}

/* Sums over this lane's streams: sent, received (unique), lost so far, worst p99. */
static void
totals(const struct lane_ctx *c, struct hl_msg *w, bool final)
{
	for (uint32_t i = 0; i < c->n; i++) {
		const struct hl_tx_counters *tc = hl_tx_stream_counters(c->s[i]->tx);
		const struct hl_rx_stats *st = rx_stats(c, c->s[i]);
		w->tx_pkts += tc->tx_pkts;
		w->tx_bytes += tc->tx_bytes;
		if (st == NULL)
			continue;
		w->rx_pkts += st->unique;
		if (final)
			w->lost += tc->tx_pkts > st->unique ? tc->tx_pkts - st->unique : 0;
		else
			w->lost += hl_rx_loss_now(st);
		uint64_t p99 = hl_hist_percentile(&st->lat_ns, 99.0);
		if (p99 > w->p99_ns)
			w->p99_ns = p99;
	}
}

static void
publish(struct lane_ctx *c, uint32_t kind)
{
	struct hl_msg w = {.kind = kind, .lane = c->lane, .run = c->r, .tsc = rte_rdtsc()};
	totals(c, &w, kind == HL_MSG_DONE);
	/* DONE must arrive: the progress service drains continuously, so wait for room. A window
	 * finding the ring full is dropped (the next one is cumulative) and counted. */
	while (rte_ring_sp_enqueue_elem(hl_node.lane_to_prog[c->lane], &w, sizeof(w)) != 0) {
		if (kind != HL_MSG_DONE) {
			__atomic_fetch_add(&hl_node.windows_dropped, 1, __ATOMIC_RELAXED);
			return;
		}
		rte_pause();
	}
}

static void
run_lane(struct hl_run *r, uint32_t lane)
{
	struct lane_ctx c = {.lane = lane, .r = r};
	struct hl_txgen *g = r->gen[lane];
	uint64_t hz = rte_get_tsc_hz();
	for (uint32_t i = 0; i < r->n_streams; i++)
		if (r->st[i].lane == lane)
			c.s[c.n++] = &r->st[i];
	for (uint32_t p = 0; p < HL_NODE_MAX_TPORTS; p++)
		if (r->rx[lane][p])
			c.rx[c.n_rx++] = r->rx[lane][p];
	uint64_t window = hz * hl_node.prof.window_ms / 1000;
	uint64_t next_win = rte_rdtsc() + window;

	hl_txgen_start(g);
	for (;;) {
		if (__atomic_load_n(&r->cancel, __ATOMIC_RELAXED) || hl_node_quitting())
			hl_txgen_stop(g);
		if (__atomic_load_n(&g->stop, __ATOMIC_RELAXED) || hl_txgen_poll(g) == 0)
			break;
		rx_poll(&c);
		uint64_t now = rte_rdtsc();
		if (now >= next_win) {
			publish(&c, HL_MSG_WINDOW);
			next_win = now + window;
		}
	}
	int rc = hl_txgen_run(g); /* ends every stream (frees refused packets), final snapshot */
	if (rc < 0)
		HL_LOG(HL_LOG_WARN, "lane", "job=%" PRIu64 " lane=%u: a stream ended with %s",
		        r->job_id, lane, rte_strerror(-rc));
	/* drain what is still in flight */
	uint64_t t0 = rte_rdtsc(), last_rx = t0;
	for (;;) {
		uint64_t now = rte_rdtsc();
		if (rx_poll(&c))
			last_rx = now;
		struct hl_msg w = {0};
		totals(&c, &w, true);
		if (now - t0 > hz * DRAIN_MS / 1000 ||
		        (w.rx_pkts >= w.tx_pkts && now - last_rx > hz * QUIET_MS / 1000))
			break;
	}
	publish(&c, HL_MSG_DONE);
}

int
hl_lane_main(void *arg)
{
	uint32_t lane = (uint32_t)(uintptr_t)arg;
	uint32_t idle = 0;
	struct hl_msg m;
	while (!hl_node_quitting()) {
		if (rte_ring_sc_dequeue_elem(hl_node.disp_to_lane[lane], &m, sizeof(m)) == 0) {
			if (m.kind == HL_MSG_RUN)
				run_lane(m.run, lane);
			idle = 0;
		} else if (++idle > 1000) {
			/* idle between runs: give the CPU back, 100 us growing to 1 ms (a run starts
			 * at most 1 ms late; once running, the lane busy-polls) */
			usleep(idle > 1100 ? 1000 : 100);
		} else {
			rte_pause();
		}
	}
	return 0;
}

int
hl_lanes_launch(char *err, size_t errlen)
{
	for (uint32_t l = 0; l < hl_node.prof.n_traffic; l++) {
		unsigned lc = hl_node.prof.traffic_lcores[l];
		int rc = rte_eal_remote_launch(hl_lane_main, (void *)(uintptr_t)l, lc);
		if (rc < 0) {
			snprintf(err, errlen, "lane %u on lcore %u: launch failed (%d)", l, lc, rc);
			return rc;
		}
		hl_node.lanes_started++;
	}
	return 0;
}

void
hl_lanes_wait(void)
{
	for (uint32_t l = 0; l < (uint32_t)hl_node.lanes_started; l++)
		rte_eal_wait_lcore(hl_node.prof.traffic_lcores[l]);
	hl_node.lanes_started = 0;
}
