/* exp_p9_lifeguard.c — P9: Lifeguard vs plain SWIM with slow members. n = 100; 1, 2, 4 or 8
 * members have their receive path paused (packets queue; timers and sends go on) for D in
 * {0.5, 1, 2, 5} s at random intervals (--full-stall: the whole process freezes instead).
 * Counts false positives: DEAD events about live members; the RESULT counts those about healthy
 * members (the slow ones killing their healthy peers, which is what Lifeguard targets). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_util.h"

struct staller {
	struct hl_sim *sim;
	uint32_t node;
};

struct p9 {
	bool *stalled_set; /* members that are the slow ones */
	uint64_t fp, fp_hsub, fp_healthy, declared, suspicions;
};

static bool full_stall; /* --full-stall: the whole process freezes, not only its receive path */

static void
stall_step(struct hl_sim *sim, void *arg)
{
	struct staller *st = arg;
	static const uint64_t d_ms[] = {500, 1000, 2000, 5000};
	uint64_t d = d_ms[hl_prng_below(hl_sim_prng(sim), 4)] * HL_SIM_MS;
	uint64_t gap = hl_prng_below(hl_sim_prng(sim), 2 * d) + 1;
	uint64_t now = hl_sim_now(sim);
	if (full_stall)
		hl_sim_stall_at(sim, st->node, now, d);
	else
		hl_sim_rx_pause_at(sim, st->node, now, d);
	hl_sim_call_at(sim, now + d + gap, stall_step, st);
}

static void
on_ev(struct swim_cluster *c, uint32_t node, const struct hl_swim_event *ev, uint64_t now,
        void *arg)
{
	struct p9 *s = arg;
	(void)c;
	(void)now;
	if (ev->type == HL_SWIM_EV_SUSPECT)
		s->suspicions++;
	if (ev->type != HL_SWIM_EV_DEAD)
		return;
	uint32_t who = swim_addr_id(&ev->addr);
	s->fp++;
	if (!s->stalled_set[who]) {
		s->fp_hsub++;
		if (!s->stalled_set[node])
			s->fp_healthy++;
	}
}

static bool slow_timing; /* --memberlist: probe 1 s instead of the LAN preset's 100 ms */

static void
run(const struct exp_args *a, bool lifeguard, uint32_t n, uint32_t n_stalled, uint64_t dur,
        struct p9 *out)
{
	struct hl_swim_config cfg;
	hl_swim_config_lan(&cfg);
	if (slow_timing) {
		cfg.probe_interval_ns = HL_SIM_S;
		cfg.probe_timeout_ns = 500 * HL_SIM_MS;
		cfg.gossip_interval_ns = 200 * HL_SIM_MS;
	}
	cfg.max_members = n + 8;
	cfg.lifeguard = lifeguard;
	struct hl_sim_link link = {.delay_ns = 100000, .jitter_ns = 50000};
	uint64_t mesh;
	/* Same seed for both modes: the same members stall on the same schedule. */
	struct swim_cluster *c = exp_cluster(&cfg, n, a->seed + n_stalled, &link, true, &mesh);
	if (c == NULL)
		exit(1);
	struct hl_sim *sim = swim_cluster_sim(c);
	hl_sim_run_for(sim, 10 * HL_SIM_S);
	memset(out, 0, sizeof(*out));
	out->stalled_set = calloc(n, sizeof(bool));
	struct staller *st = calloc(n_stalled, sizeof(*st));
	for (uint32_t i = 0; i < n_stalled; i++) {
		st[i].sim = sim;
		st[i].node = i * (n / n_stalled);
		out->stalled_set[st[i].node] = true;
		hl_sim_call_at(sim, hl_sim_now(sim) + hl_prng_below(hl_sim_prng(sim), HL_SIM_S),
		        stall_step, &st[i]);
	}
	uint64_t d0 = 0, d1 = 0;
	for (uint32_t k = 0; k < n; k++)
		d0 += hl_swim_stats(swim_cluster_node(c, k))->deaths_declared;
	swim_cluster_on_event(c, on_ev, out);
	hl_sim_run_for(sim, dur);
	for (uint32_t k = 0; k < n; k++)
		d1 += hl_swim_stats(swim_cluster_node(c, k))->deaths_declared;
	out->declared = d1 - d0;
	swim_cluster_destroy(c);
	free(st);
	free(out->stalled_set);
	out->stalled_set = NULL;
}

int
main(int argc, char **argv)
{
	struct exp_args a;
	while (argc > 1) {
		if (strcmp(argv[argc - 1], "--memberlist") == 0)
			slow_timing = true;
		else if (strcmp(argv[argc - 1], "--full-stall") == 0)
			full_stall = true;
		else
			break;
		argc--;
	}
	exp_parse(argc, argv, &a, 0x9009);
	uint32_t n = a.n ? a.n : (a.smoke ? 40 : 100);
	uint64_t dur = (a.smoke ? 60 : 600) * HL_SIM_S;
	const uint32_t counts_full[] = {1, 2, 4, 8}, counts_smoke[] = {4};
	const uint32_t *counts = a.smoke ? counts_smoke : counts_full;
	uint32_t n_counts = a.smoke ? 1 : 4;
	printf("# P9 Lifeguard vs SWIM: n=%u, %.0f virtual s per run, probe %s, alpha 4 beta 6 "
	       "k 2, stalls D in {0.5,1,2,5} s, gaps U(0, 2D)\n",
	        n, dur / 1e9, slow_timing ? "1 s timeout 500 ms" : "100 ms timeout 40 ms (LAN)");
	printf("%-8s %-10s %8s %8s %8s %10s %10s\n", "slow", "mode", "FP", "FP_h", "FP-",
	        "declared", "suspected");
	uint64_t tot[2] = {0}, toth[2] = {0}, totm[2] = {0};
	for (uint32_t i = 0; i < n_counts; i++) {
		struct p9 r[2];
		run(&a, false, n, counts[i], dur, &r[0]);
		run(&a, true, n, counts[i], dur, &r[1]);
		for (int m = 0; m < 2; m++) {
			printf("%-8u %-10s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %10" PRIu64
			       " %10" PRIu64 "\n",
			        counts[i], m ? "lifeguard" : "swim", r[m].fp, r[m].fp_hsub,
			        r[m].fp_healthy, r[m].declared, r[m].suspicions);
			tot[m] += r[m].fp;
			toth[m] += r[m].fp_hsub;
			totm[m] += r[m].fp_healthy;
		}
		fflush(stdout);
	}
	printf("# FP: DEAD events about a live member, at any member. FP_h: about a healthy (not "
	       "slow) member. FP-: healthy observer and healthy subject. declared: suspicion "
	       "timers that expired. suspected: SUSPECT events\n");
	printf("# totals swim/lifeguard: FP %" PRIu64 "/%" PRIu64 ", FP_h %" PRIu64 "/%" PRIu64
	       ", FP- %" PRIu64 "/%" PRIu64 "\n",
	        tot[0], tot[1], toth[0], toth[1], totm[0], totm[1]);
	if (toth[1] > 0)
		printf("# healthy members falsely declared dead: %.1fx fewer with Lifeguard "
		       "(target >= 20x)\n",
		        (double)toth[0] / (double)toth[1]);
	else
		printf("# healthy members falsely declared dead: none with Lifeguard, %" PRIu64
		       " with SWIM (ratio unbounded; target >= 20x)\n",
		        toth[0]);
	double ratio = toth[0] ? (double)toth[1] / (double)toth[0] : 0;
	printf("RESULT P9 %" PRIu64 " events ratio %.4f ref %" PRIu64 " events\n", toth[1], ratio,
	        toth[0]);
	return 0;
}
