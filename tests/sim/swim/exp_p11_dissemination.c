/* exp_p11_dissemination.c — P11: how long one membership change (a metadata update, i.e. a new
 * incarnation of one member) takes to reach every member of 1000 (LAN preset, probe 100 ms). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_util.h"

struct p11 {
	uint32_t who;
	uint64_t inc;
	uint64_t t0;
	uint32_t seen;
	double last, half;
	uint32_t n;
};

static void
on_ev(struct swim_cluster *c, uint32_t node, const struct hl_swim_event *ev, uint64_t now,
        void *arg)
{
	struct p11 *s = arg;
	(void)c;
	(void)node;
	if (ev->type == HL_SWIM_EV_META && swim_addr_id(&ev->addr) == s->who &&
	        ev->incarnation == s->inc) {
		s->seen++;
		s->last = (double)(now - s->t0) / 1e9;
		if (s->seen == (s->n - 1 + 1) / 2)
			s->half = s->last;
	}
}

static bool
all_seen(struct hl_sim *sim, void *arg)
{
	struct p11 *s = arg;
	(void)sim;
	return s->seen >= s->n - 1;
}

int
main(int argc, char **argv)
{
	struct exp_args a;
	exp_parse(argc, argv, &a, 0x1111);
	uint32_t n = a.n ? a.n : (a.smoke ? 100 : 1000);
	uint32_t trials = a.trials ? a.trials : (a.smoke ? 3 : 20);
	struct hl_swim_config cfg;
	hl_swim_config_lan(&cfg);
	cfg.max_members = n + 8;
	struct hl_sim_link link = {.delay_ns = 100000, .jitter_ns = 50000};
	uint64_t mesh;
	struct swim_cluster *c = exp_cluster(&cfg, n, a.seed, &link, false, &mesh);
	if (c == NULL)
		return 1;
	struct hl_sim *sim = swim_cluster_sim(c);
	hl_sim_run_for(sim, 5 * HL_SIM_S);
	struct p11 s = {.n = n};
	swim_cluster_on_event(c, on_ev, &s);
	double *all = calloc(trials, sizeof(double));
	printf("# P11 dissemination: n=%u probe %.0f ms gossip %.0f ms x%u, retransmit mult %u\n",
	        n, cfg.probe_interval_ns / 1e6, cfg.gossip_interval_ns / 1e6, cfg.gossip_nodes,
	        cfg.retransmit_mult);
	printf("%-6s %-6s %10s %10s\n", "trial", "member", "half_s", "all_s");
	uint32_t done = 0;
	for (uint32_t t = 0; t < trials; t++) {
		s.who = (uint32_t)hl_prng_below(hl_sim_prng(sim), n);
		struct hl_swim *sw = swim_cluster_node(c, s.who);
		struct hl_swim_member_info mi;
		struct hl_swim_addr me;
		swim_addr(s.who, &me);
		hl_swim_member(sw, &me, &mi);
		mi.meta.capacity++;
		s.t0 = hl_sim_now(sim);
		s.seen = 0;
		if (hl_swim_set_meta(sw, s.t0, &mi.meta) != 0)
			return 1;
		s.inc = hl_swim_incarnation(sw);
		hl_sim_poke(sim, s.who);
		if (hl_sim_run_until(sim, s.t0 + 30 * HL_SIM_S, all_seen, &s) != 0) {
			printf("%-6u %-6u not everywhere after 30 s (%u)\n", t, s.who, s.seen);
			continue;
		}
		printf("%-6u %-6u %10.3f %10.3f\n", t, s.who, s.half, s.last);
		all[done++] = s.last;
		hl_sim_run_for(sim, 2 * HL_SIM_S);
	}
	double p50 = exp_pct(all, done, 50), mx = exp_pct(all, done, 100);
	printf("# reached all %u members: p50 %.3f s, max %.3f s (target <= 1 s)\n", n - 1, p50,
	        mx);
	printf("RESULT P11 %.3f s\n", p50);
	free(all);
	swim_cluster_destroy(c);
	return done == trials ? 0 : 1;
}
