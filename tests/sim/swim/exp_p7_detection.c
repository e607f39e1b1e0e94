/* exp_p7_detection.c — P7: crash detection time at n = 1000, probe interval 100 ms (LAN preset).
 * Crashes one member at a time and measures, per crash, the time until the first, the median
 * and the last live member marks it dead. RESULT is the p50 of "all members" over the crashes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_util.h"

struct p7 {
	uint32_t victim;
	uint64_t t_crash;
	uint32_t seen;
	double *obs; /* detection delay per observer, seconds */
	uint32_t false_dead;
	struct swim_cluster *c;
};

static void
on_ev(struct swim_cluster *c, uint32_t node, const struct hl_swim_event *ev, uint64_t now,
        void *arg)
{
	struct p7 *s = arg;
	(void)node;
	if (ev->type != HL_SWIM_EV_DEAD)
		return;
	uint32_t who = swim_addr_id(&ev->addr);
	if (who == s->victim) {
		s->obs[s->seen++] = (double)(now - s->t_crash) / 1e9;
	} else if (swim_cluster_node(c, who) != NULL) {
		s->false_dead++;
	}
}

static bool
all_seen(struct hl_sim *sim, void *arg)
{
	struct p7 *s = arg;
	(void)sim;
	return s->seen >= swim_cluster_up(s->c);
}

int
main(int argc, char **argv)
{
	struct exp_args a;
	exp_parse(argc, argv, &a, 0x7007);
	uint32_t n = a.n ? a.n : (a.smoke ? 100 : 1000);
	uint32_t trials = a.trials ? a.trials : (a.smoke ? 4 : 30);
	struct hl_swim_config cfg;
	hl_swim_config_lan(&cfg);
	cfg.max_members = n + 8;
	struct hl_sim_link link = {.delay_ns = 100000, .jitter_ns = 50000};
	double w0 = exp_wall();
	uint64_t mesh;
	struct swim_cluster *c = exp_cluster(&cfg, n, a.seed, &link, false, &mesh);
	if (c == NULL)
		return 1;
	struct hl_sim *sim = swim_cluster_sim(c);
	printf("# P7 crash detection: n=%u probe=%.0f ms timeout=%.0f ms alpha=%u beta=%u k=%u "
	       "gossip=%.0f ms x%u\n",
	        n, cfg.probe_interval_ns / 1e6, cfg.probe_timeout_ns / 1e6, cfg.suspicion_alpha,
	        cfg.suspicion_beta, cfg.suspicion_k, cfg.gossip_interval_ns / 1e6,
	        cfg.gossip_nodes);
	printf("# full mesh after %.2f virtual s (%.1f wall s)\n", mesh / 1e9, exp_wall() - w0);
	hl_sim_run_for(sim, 5 * HL_SIM_S);
	struct p7 s = {.c = c, .obs = calloc(n, sizeof(double))};
	double *all = calloc(trials, sizeof(double));
	double *first = calloc(trials, sizeof(double));
	swim_cluster_on_event(c, on_ev, &s);
	printf("%-6s %-7s %10s %12s %10s\n", "trial", "victim", "first_s", "p50_member_s", "all_s");
	uint32_t done = 0;
	for (uint32_t t = 0; t < trials; t++) {
		uint32_t v;
		do
			v = (uint32_t)hl_prng_below(hl_sim_prng(sim), n);
		while (swim_cluster_node(c, v) == NULL);
		s.victim = v;
		s.seen = 0;
		s.t_crash =
		        hl_sim_now(sim) + hl_prng_below(hl_sim_prng(sim), cfg.probe_interval_ns);
		hl_sim_crash_at(sim, v, s.t_crash);
		hl_sim_run_until(sim, s.t_crash, NULL, NULL);
		if (hl_sim_run_until(sim, s.t_crash + 60 * HL_SIM_S, all_seen, &s) != 0) {
			printf("%-6u %-7u not detected everywhere in 60 s (%u of %u)\n", t, v,
			        s.seen, swim_cluster_up(c));
			continue;
		}
		double f = exp_pct(s.obs, s.seen, 0);
		double m = exp_pct(s.obs, s.seen, 50);
		double l = exp_pct(s.obs, s.seen, 100);
		printf("%-6u %-7u %10.3f %12.3f %10.3f\n", t, v, f, m, l);
		all[done] = l;
		first[done] = f;
		done++;
		hl_sim_run_for(sim, 3 * HL_SIM_S);
	}
	double p50 = exp_pct(all, done, 50), p99 = exp_pct(all, done, 99);
	double f50 = exp_pct(first, done, 50);
	printf("# crashes detected everywhere: %u/%u; false deaths: %u\n", done, trials,
	        s.false_dead);
	printf("# all-members detection: p50 %.3f s, p99 %.3f s (target p50 <= 2 s, p99 <= 4 s); "
	       "first detection p50 %.3f s\n",
	        p50, p99, f50);
	printf("# simulated %.1f virtual s in %.1f wall s\n", hl_sim_now(sim) / 1e9,
	        exp_wall() - w0);
	printf("RESULT P7 %.3f s\n", p50);
	free(all);
	free(first);
	free(s.obs);
	swim_cluster_destroy(c);
	return done == trials ? 0 : 1;
}
