/* lane.c — a traffic lane: one traffic lcore with one TX and one RX queue on every test port.
 * It waits for a workflow run from dispatch, then busy-polls: paced TX bursts of its streams
 * (template copy + signature, no header building), RX signature parse with per-stream counters,
 * latency histogram and RFC 3550 jitter, and a cumulative window to the progress service every
 * window. Interim engine until lib/txgen's generator and RX measurement are wired here. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_pause.h>
#include <rte_ring_elem.h>

#include "hl_log.h"
#include "hl_sig.h"
#include "node.h"

#define BURST 32
#define DRAIN_MS 20 /* how long RX keeps draining after TX stops */
#define QUIET_MS 2 /* ...ending early once everything sent came back and RX is quiet */

struct lane_ctx {
	uint32_t lane;
	struct hl_run *r;
	uint32_t n;
	struct hl_run_stream *s[HL_RUN_MAX_STREAMS];
	uint32_t n_ports;
	uint16_t ports[HL_NODE_MAX_PORTS];
	double ns_per_tsc;
};

static void
send_burst(struct lane_ctx *c, struct hl_run_stream *s, uint32_t nb)
{
	struct rte_mbuf *m[BURST];
	struct rte_mempool *mp = hl_node.tx_pool[c->lane];
	if (rte_pktmbuf_alloc_bulk(mp, m, nb) != 0) {
		s->alloc_fail++;
		return;
	}
	uint64_t tsc = rte_rdtsc();
	for (uint32_t i = 0; i < nb; i++) {
		uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);
		uint64_t seq = s->next_seq + i;
		rte_memcpy(d, s->tmpl, s->hdr_len);
		m[i]->data_len = (uint16_t)s->frame_len;
		m[i]->pkt_len = s->frame_len;
		if (s->sport_span > 1) {
			uint16_t sp = rte_cpu_to_be_16(
			        (uint16_t)(s->sport_base + (uint16_t)(seq % s->sport_span)));
			memcpy(d + 34, &sp, 2);
		}
		struct hl_sig sig = {HL_SIG_MAGIC, s->sig_id, (uint32_t)seq, tsc};
		memcpy(d + 42, &sig, sizeof(sig));
	}
	uint16_t sent = rte_eth_tx_burst(s->port_id, (uint16_t)c->lane, m, (uint16_t)nb);
	if (sent < nb) {
		rte_pktmbuf_free_bulk(m + sent, nb - sent);
		s->tx_dropped += nb - sent;
	}
	if (s->tx_pkts == 0 && sent)
		s->start_tsc = tsc;
	if (sent)
		s->last_tx_tsc = tsc;
	s->tx_pkts += sent;
	s->tx_bytes += (uint64_t)sent * (s->frame_len + 4);
	s->next_seq += nb;
}

static uint32_t
rx_poll(struct lane_ctx *c)
{
	struct rte_mbuf *m[BURST];
	uint32_t total = 0;
	struct hl_run *r = c->r;
	for (uint32_t p = 0; p < c->n_ports; p++) {
		uint16_t nb = rte_eth_rx_burst(c->ports[p], (uint16_t)c->lane, m, BURST);
		if (nb == 0)
			continue;
		total += nb;
		uint64_t now = rte_rdtsc();
		for (uint16_t i = 0; i < nb; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(m[i], const uint8_t *);
			int off = hl_sig_locate(d, m[i]->data_len);
			struct hl_sig sig;
			struct hl_run_stream *s = NULL;
			if (off >= 0) {
				memcpy(&sig, d + off, sizeof(sig));
				uint32_t idx = sig.stream_id & 0xf;
				if (idx < r->n_streams && r->st[idx].sig_id == sig.stream_id &&
				        r->st[idx].lane == c->lane)
					s = &r->st[idx];
			}
			if (s == NULL) {
				r->rx_foreign[c->lane]++;
				continue;
			}
			s->rx_pkts++;
			s->rx_bytes += m[i]->pkt_len + 4;
			if (!s->any_rx) {
				s->max_seq = sig.seq;
			} else {
				int32_t diff = (int32_t)(sig.seq - (uint32_t)s->max_seq);
				if (diff > 0)
					s->max_seq += (uint64_t)diff;
				else
					s->reordered++;
			}
			int64_t transit = (int64_t)(now - sig.tx_tsc);
			double ns = (double)transit * c->ns_per_tsc;
			hl_hist_record(&s->lat, ns > 0 ? (uint64_t)ns : 0);
			if (s->any_rx) {
				double dd = (double)(transit - s->last_transit) * c->ns_per_tsc;
				if (dd < 0)
					dd = -dd;
				s->jitter_ns += (dd - s->jitter_ns) / 16.0;
			}
			s->last_transit = transit;
			s->any_rx = true;
		}
		rte_pktmbuf_free_bulk(m, nb);
	}
	return total;
}

static void
publish(struct lane_ctx *c, uint32_t kind)
{
	struct hl_msg w = {.kind = kind, .lane = c->lane, .run = c->r, .tsc = rte_rdtsc()};
	for (uint32_t i = 0; i < c->n; i++) {
		struct hl_run_stream *s = c->s[i];
		w.tx_pkts += s->tx_pkts;
		w.rx_pkts += s->rx_pkts;
		w.tx_bytes += s->tx_bytes;
		if (kind == HL_MSG_DONE) {
			w.lost += s->tx_pkts > s->rx_pkts ? s->tx_pkts - s->rx_pkts : 0;
		} else if (s->any_rx) {
			uint64_t exp = s->max_seq + 1;
			uint64_t seen = s->rx_pkts + s->tx_dropped;
			w.lost += exp > seen ? exp - seen : 0;
		}
		uint64_t p99 = hl_hist_percentile(&s->lat, 99.0);
		if (p99 > w.p99_ns)
			w.p99_ns = p99;
	}
	/* DONE must arrive: the progress service drains continuously, so spin until it fits. */
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
	uint64_t hz = rte_get_tsc_hz();
	c.ns_per_tsc = 1e9 / (double)hz;
	for (uint32_t i = 0; i < r->n_streams; i++) {
		struct hl_run_stream *s = &r->st[i];
		if (s->lane != lane)
			continue;
		c.s[c.n++] = s;
		bool have = false;
		for (uint32_t p = 0; p < c.n_ports; p++)
			have |= c.ports[p] == s->port_id;
		if (!have)
			c.ports[c.n_ports++] = s->port_id;
	}
	/* packets due at k / pps for k < duration x pps (ceil, minus float noise), capped by count */
	uint64_t total[HL_RUN_MAX_STREAMS];
	for (uint32_t i = 0; i < c.n; i++) {
		double x = (double)r->duration_tsc * c.s[i]->pps / (double)hz;
		total[i] = (uint64_t)ceil(x - 1e-6);
		if (c.s[i]->max_pkts && total[i] > c.s[i]->max_pkts)
			total[i] = c.s[i]->max_pkts;
	}
	uint64_t window = hz * hl_node.prof.window_ms / 1000;
	uint64_t start = rte_rdtsc();
	uint64_t end = start + r->duration_tsc;
	uint64_t next_win = start + window;

	for (;;) {
		uint64_t now = rte_rdtsc();
		/* past the end, still send what fell due before it (a descheduled lane catches up,
		 * so the count is rate x duration), then stop */
		bool over = now >= end;
		if (over)
			now = end;
		if (__atomic_load_n(&r->cancel, __ATOMIC_RELAXED) || hl_node_quitting())
			break;
		bool active = false, behind = false;
		for (uint32_t i = 0; i < c.n; i++) {
			struct hl_run_stream *s = c.s[i];
			uint64_t due = (uint64_t)((double)(now - start) * s->pps / (double)hz) + 1;
			if (due > total[i])
				due = total[i];
			if (s->next_seq < total[i])
				active = true;
			if (due > s->next_seq) {
				uint64_t nb = due - s->next_seq;
				send_burst(&c, s, nb > BURST ? BURST : (uint32_t)nb);
				behind |= due > s->next_seq;
			}
		}
		rx_poll(&c);
		if (rte_rdtsc() >= next_win) {
			publish(&c, HL_MSG_WINDOW);
			next_win += window;
		}
		if (!active || (over && !behind))
			break;
		if (over && rte_rdtsc() - end > hz / 10)
			break; /* bounded catch-up: a port that stopped taking packets ends the run */
	}
	/* drain what is still in flight */
	uint64_t t0 = rte_rdtsc(), last_rx = t0;
	for (;;) {
		uint64_t now = rte_rdtsc();
		if (rx_poll(&c))
			last_rx = now;
		uint64_t tx = 0, rx = 0;
		for (uint32_t i = 0; i < c.n; i++) {
			tx += c.s[i]->tx_pkts;
			rx += c.s[i]->rx_pkts;
		}
		if (now - t0 > hz * DRAIN_MS / 1000 ||
		        (rx >= tx && now - last_rx > hz * QUIET_MS / 1000))
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
