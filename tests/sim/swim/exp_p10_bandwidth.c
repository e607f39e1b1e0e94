/* exp_p10_bandwidth.c — P10: SWIM bandwidth per member at n = 1000, probe interval 1 s, no churn
 * (steady state), and during the mass join that builds the cluster. Bytes are datagram payloads
 * plus 28 B of IPv4 + UDP header each; "in+out" counts both directions of a member. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_util.h"

#define HDR 28

static void
totals(struct swim_cluster *c, uint64_t *pkts, uint64_t *bytes)
{
	*pkts = *bytes = 0;
	struct hl_sim *sim = swim_cluster_sim(c);
	for (uint32_t i = 0; i < swim_cluster_size(c); i++) {
		const struct hl_sim_node_stats *st = hl_sim_node_stats(sim, i);
		*pkts += st->tx_pkts;
		*bytes += st->tx_bytes;
	}
}

int
main(int argc, char **argv)
{
	struct exp_args a;
	exp_parse(argc, argv, &a, 0x1010);
	uint32_t n = a.n ? a.n : (a.smoke ? 100 : 1000);
	uint64_t win = (a.smoke ? 30 : 300) * HL_SIM_S;
	struct hl_swim_config cfg;
	hl_swim_config_lan(&cfg);
	cfg.probe_interval_ns = HL_SIM_S;
	cfg.probe_timeout_ns = 500 * HL_SIM_MS;
	cfg.gossip_interval_ns = 200 * HL_SIM_MS;
	cfg.max_members = n + 8;
	struct hl_sim_link link = {.delay_ns = 100000, .jitter_ns = 50000};
	uint64_t mesh, p0, b0, p1, b1;
	struct swim_cluster *c = exp_cluster(&cfg, n, a.seed, &link, false, &mesh);
	if (c == NULL)
		return 1;
	struct hl_sim *sim = swim_cluster_sim(c);
	totals(c, &p0, &b0);
	double join_s = mesh / 1e9;
	double join_out = (double)(b0 + HDR * p0) / n / join_s;
	/* Let the join updates finish their retransmissions, then measure a quiet window. */
	hl_sim_run_for(sim, 60 * HL_SIM_S);
	totals(c, &p0, &b0);
	hl_sim_run_for(sim, win);
	totals(c, &p1, &b1);
	double secs = win / 1e9;
	double pps = (double)(p1 - p0) / n / secs;
	double out = (double)(b1 - b0 + HDR * (p1 - p0)) / n / secs;
	double payload = (double)(b1 - b0) / n / secs;
	printf("# P10 bandwidth: n=%u probe 1 s, gossip 200 ms, push-pull page every %.0f s\n", n,
	        cfg.sync_interval_ns / 1e9);
	printf("%-12s %10s %12s %14s %14s\n", "phase", "seconds", "pkts_out/s", "B_out/s",
	        "B_in+out/s");
	printf("%-12s %10.1f %12s %14.1f %14.1f\n", "mass-join", join_s, "-", join_out,
	        2 * join_out);
	printf("%-12s %10.1f %12.2f %14.1f %14.1f\n", "steady", secs, pps, out, 2 * out);
	printf("# steady payload only: %.1f B/s out per member (avg %.1f B per datagram)\n",
	        payload, payload / pps);
	printf("# target: <= 2 kB/s per member steady, <= 20 kB/s during mass join\n");
	printf("RESULT P10 %.3f kB/s ref %.3f kB/s\n", 2 * out / 1000, 2 * join_out / 1000);
	swim_cluster_destroy(c);
	return 0;
}
