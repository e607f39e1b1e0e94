/* test_swim_sim.c — SWIM scenarios on the deterministic simulator: crash detection, refutation,
 * rejoin after restart, partition and heal, 50 % loss, leave, metadata, replay from a seed.
 * Each run prints its seed; SIM_SEED=<seed> replays it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "swim_cluster.h"

#define S HL_SIM_S
#define MS HL_SIM_MS

struct watch {
	uint32_t victim; /* deaths of anyone else are false */
	uint32_t false_dead; /* DEAD events about a node that was up */
	uint32_t victim_dead; /* DEAD events about the victim */
	uint32_t suspects; /* SUSPECT events (any) */
	uint32_t focus; /* node whose suspicions are counted in focus_suspects */
	uint32_t focus_suspects;
	uint32_t alive_events; /* ALIVE (refuted) events */
	uint32_t joins, lefts, metas;
	struct swim_cluster *c;
};

static void
on_event(struct swim_cluster *c, uint32_t node, const struct hl_swim_event *ev, uint64_t now,
        void *arg)
{
	struct watch *w = arg;
	uint32_t who = swim_addr_id(&ev->addr);
	(void)node;
	(void)now;
	switch (ev->type) {
	case HL_SWIM_EV_DEAD:
		if (who == w->victim)
			w->victim_dead++;
		else if (swim_cluster_node(c, who) != NULL)
			w->false_dead++;
		break;
	case HL_SWIM_EV_SUSPECT:
		w->suspects++;
		if (who == w->focus)
			w->focus_suspects++;
		break;
	case HL_SWIM_EV_ALIVE:
		w->alive_events++;
		break;
	case HL_SWIM_EV_JOIN:
		w->joins++;
		break;
	case HL_SWIM_EV_LEFT:
		w->lefts++;
		break;
	case HL_SWIM_EV_META:
		w->metas++;
		break;
	default:
		break;
	}
}

static int
inv_no_false_death(struct hl_sim *sim, void *arg, char *msg, size_t cap)
{
	struct watch *w = arg;
	(void)sim;
	if (w->false_dead != 0) {
		snprintf(msg, cap, "%u false death events", w->false_dead);
		return 1;
	}
	return 0;
}

static struct swim_cluster *
make(uint32_t n, uint64_t default_seed, struct watch *w, const struct hl_sim_link *link,
        void (*tweak)(struct hl_swim_config *))
{
	struct swim_cluster_params p = {.n = n, .seed = hl_sim_seed_from_env(default_seed)};
	hl_swim_config_lan(&p.swim);
	p.swim.max_members = 256;
	p.swim.sync_interval_ns = 2 * S;
	p.swim.reap_interval_ns = 60 * S;
	if (tweak != NULL)
		tweak(&p.swim);
	if (link != NULL)
		p.link = *link;
	else
		p.link = (struct hl_sim_link){.delay_ns = 200000, .jitter_ns = 100000};
	struct swim_cluster *c = swim_cluster_create(&p);
	assert_non_null(c);
	memset(w, 0, sizeof(*w));
	w->victim = UINT32_MAX;
	w->focus = UINT32_MAX;
	w->c = c;
	swim_cluster_on_event(c, on_event, w);
	assert_int_equal(swim_cluster_join_all(c), 0);
	assert_int_equal(swim_cluster_run_until_mesh(c, 20 * S), 0);
	return c;
}

struct seen_pred {
	struct swim_cluster *c;
	uint32_t subject;
	int state;
};

static bool
pred_all_see(struct hl_sim *sim, void *arg)
{
	struct seen_pred *sp = arg;
	(void)sim;
	return swim_cluster_count_seeing(sp->c, sp->subject, sp->state) ==
	       swim_cluster_up(sp->c) - (swim_cluster_node(sp->c, sp->subject) != NULL);
}

static int
run_until_all_see(struct swim_cluster *c, uint32_t subject, int state, uint64_t deadline)
{
	struct seen_pred sp = {c, subject, state};
	return hl_sim_run_until(swim_cluster_sim(c), deadline, pred_all_see, &sp);
}

static void
test_mesh_and_crash_detection(void **state)
{
	(void)state;
	struct watch w;
	struct swim_cluster *c = make(32, 0x1001, &w, NULL, NULL);
	struct hl_sim *sim = swim_cluster_sim(c);
	assert_int_equal(hl_sim_add_invariant(sim, inv_no_false_death, &w), 0);
	assert_int_equal(w.joins, 32 * 31);
	w.victim = 5;
	uint64_t t0 = hl_sim_now(sim) + 10 * MS;
	assert_int_equal(hl_sim_crash_at(sim, 5, t0), 0);
	/* Not dead anywhere before the minimum suspicion time has passed... */
	assert_int_equal(hl_sim_run_until(sim, t0 + 500 * MS, NULL, NULL), -ETIMEDOUT);
	assert_int_equal(swim_cluster_count_seeing(c, 5, HL_SWIM_DEAD), 0);
	/* ...then dead everywhere within a few seconds (Min = 0.6 s at n = 32, T = 100 ms). */
	assert_int_equal(run_until_all_see(c, 5, HL_SWIM_DEAD, t0 + 5 * S), 0);
	assert_true(w.suspects > 0);
	/* Quiet afterwards: nobody else dies over 30 virtual seconds. */
	assert_int_equal(hl_sim_run_for(sim, 30 * S), 0);
	assert_int_equal(w.false_dead, 0);
	/* Reaped after the reap interval (60 s here). */
	assert_int_equal(hl_sim_run_for(sim, 60 * S), 0);
	assert_int_equal(swim_cluster_count_seeing(c, 5, HL_SWIM_DEAD), 0);
	assert_int_equal(swim_cluster_state(c, 0, 5), -1);
	assert_true(hl_swim_stats(swim_cluster_node(c, 0))->reaped >= 1);
	swim_cluster_destroy(c);
}

static bool
pred_focus_suspected(struct hl_sim *sim, void *arg)
{
	(void)sim;
	return ((struct watch *)arg)->focus_suspects > 0;
}

static void
test_refutation_after_deaf_spell(void **state)
{
	(void)state;
	struct watch w;
	struct swim_cluster *c = make(16, 0x1002, &w, NULL, NULL);
	struct hl_sim *sim = swim_cluster_sim(c);
	uint64_t inc0 = hl_swim_incarnation(swim_cluster_node(c, 3));
	/* Node 3 hears nothing until someone suspects it (probes of it fail); then it hears
	 * again, the buddy system tells it, and it refutes with a higher incarnation before
	 * anyone kills it. */
	w.focus = 3;
	assert_int_equal(hl_sim_node_loss(sim, 3, 1.0, 0.0), 0);
	assert_int_equal(
	        hl_sim_run_until(sim, hl_sim_now(sim) + 5 * S, pred_focus_suspected, &w), 0);
	assert_int_equal(hl_sim_node_loss(sim, 3, 0.0, 0.0), 0);
	assert_int_equal(run_until_all_see(c, 3, HL_SWIM_ALIVE, hl_sim_now(sim) + 5 * S), 0);
	assert_int_equal(hl_sim_run_for(sim, 3 * S), 0);
	assert_true(w.focus_suspects > 0);
	assert_true(hl_swim_stats(swim_cluster_node(c, 3))->refutations > 0);
	assert_true(hl_swim_incarnation(swim_cluster_node(c, 3)) > inc0);
	assert_int_equal(w.false_dead, 0);
	assert_int_equal(swim_cluster_count_seeing(c, 3, HL_SWIM_ALIVE), 15);
	swim_cluster_destroy(c);
}

static void
test_rejoin_after_restart(void **state)
{
	(void)state;
	struct watch w;
	struct swim_cluster *c = make(16, 0x1003, &w, NULL, NULL);
	struct hl_sim *sim = swim_cluster_sim(c);
	w.victim = 7;
	assert_int_equal(hl_sim_crash_at(sim, 7, hl_sim_now(sim)), 0);
	assert_int_equal(run_until_all_see(c, 7, HL_SWIM_DEAD, hl_sim_now(sim) + 10 * S), 0);
	assert_int_equal(hl_sim_restart_at(sim, 7, hl_sim_now(sim) + S), 0);
	assert_int_equal(hl_sim_run_for(sim, S + 1), 0);
	struct hl_swim *sw = swim_cluster_node(c, 7);
	assert_non_null(sw);
	assert_true(hl_swim_incarnation(sw) >> 32 == 1); /* generation 1 */
	assert_int_equal(swim_cluster_run_until_mesh(c, hl_sim_now(sim) + 10 * S), 0);
	/* A quick restart (before anyone noticed) also wins over the stale incarnation. */
	assert_int_equal(hl_sim_crash_at(sim, 7, hl_sim_now(sim)), 0);
	assert_int_equal(hl_sim_restart_at(sim, 7, hl_sim_now(sim) + 50 * MS), 0);
	assert_int_equal(hl_sim_run_for(sim, 100 * MS), 0);
	assert_true(hl_swim_incarnation(swim_cluster_node(c, 7)) >> 32 == 2);
	assert_int_equal(swim_cluster_run_until_mesh(c, hl_sim_now(sim) + 10 * S), 0);
	struct hl_swim_addr a;
	struct hl_swim_member_info mi;
	swim_addr(7, &a);
	assert_int_equal(hl_swim_member(swim_cluster_node(c, 0), &a, &mi), 0);
	assert_true(mi.incarnation >> 32 == 2);
	swim_cluster_destroy(c);
}

static void
test_partition_and_heal(void **state)
{
	(void)state;
	struct watch w;
	struct swim_cluster *c = make(16, 0x1004, &w, NULL, NULL);
	struct hl_sim *sim = swim_cluster_sim(c);
	uint32_t half[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	assert_int_equal(hl_sim_partition(sim, half, 8, 1), 0);
	assert_int_equal(hl_sim_run_for(sim, 10 * S), 0);
	/* Each half holds the other dead, and itself alive. */
	assert_int_equal(swim_cluster_state(c, 0, 12), HL_SWIM_DEAD);
	assert_int_equal(swim_cluster_state(c, 12, 0), HL_SWIM_DEAD);
	assert_int_equal(swim_cluster_state(c, 0, 7), HL_SWIM_ALIVE);
	assert_int_equal(swim_cluster_state(c, 15, 8), HL_SWIM_ALIVE);
	hl_sim_heal(sim);
	/* Anti-entropy towards dead members merges the halves again. */
	assert_int_equal(swim_cluster_run_until_mesh(c, hl_sim_now(sim) + 30 * S), 0);
	swim_cluster_destroy(c);
}

static void
node_sync_timing(struct hl_swim_config *c)
{
	c->sync_interval_ns = 30 * S; /* the node's LAN preset, not this file's 2 s */
}

/* The node's timing (30 s anti-entropy): a 2 | 2 partition that lasts until each half holds the
 * other dead heals within two dead-sync rounds (2 s each), for every seed tried. Without the
 * dead sync it took one anti-entropy round aimed at a dead member (probability 1/2 per 30 s
 * round): cluster_harness waited 20 s for it and failed under load. */
static void
test_small_partition_heals_at_dead_sync_pace(void **state)
{
	(void)state;
	uint64_t worst = 0;
	for (uint64_t seed = 1; seed <= 12; seed++) {
		struct watch w;
		struct swim_cluster *c = make(4, 0x2000 + seed, &w, NULL, node_sync_timing);
		struct hl_sim *sim = swim_cluster_sim(c);
		uint32_t half[2] = {0, 1};
		assert_int_equal(hl_sim_partition(sim, half, 2, 1), 0);
		assert_int_equal(hl_sim_run_for(sim, 10 * S), 0);
		assert_int_equal(swim_cluster_state(c, 0, 2), HL_SWIM_DEAD);
		assert_int_equal(swim_cluster_state(c, 3, 1), HL_SWIM_DEAD);
		hl_sim_heal(sim);
		uint64_t t0 = hl_sim_now(sim);
		assert_int_equal(swim_cluster_run_until_mesh(c, t0 + 2 * 2 * S + S), 0);
		if (hl_sim_now(sim) - t0 > worst)
			worst = hl_sim_now(sim) - t0;
		swim_cluster_destroy(c);
	}
	printf("2 | 2 partition, both halves dead to each other: healed in at most %.2f s\n",
	        (double)worst / S);
}

static void
test_half_loss_still_detects_death(void **state)
{
	(void)state;
	struct watch w;
	struct hl_sim_link lossy = {.delay_ns = 200000, .jitter_ns = 100000};
	struct swim_cluster *c = make(20, 0x1005, &w, &lossy, NULL);
	struct hl_sim *sim = swim_cluster_sim(c);
	for (uint32_t i = 0; i < 20; i++)
		assert_int_equal(hl_sim_node_loss(sim, i, 0.5, 0.0), 0);
	w.victim = 11;
	/* Node 11 drops everything it sends and receives: a real death to the others. */
	assert_int_equal(hl_sim_node_loss(sim, 11, 1.0, 1.0), 0);
	assert_int_equal(run_until_all_see(c, 11, HL_SWIM_DEAD, hl_sim_now(sim) + 120 * S), 0);
	swim_cluster_destroy(c);
}

static void
test_graceful_leave_and_meta(void **state)
{
	(void)state;
	struct watch w;
	struct swim_cluster *c = make(12, 0x1006, &w, NULL, NULL);
	struct hl_sim *sim = swim_cluster_sim(c);
	struct hl_swim_meta meta;
	memset(&meta, 0, sizeof(meta));
	meta.roles = HL_SWIM_ROLE_MANAGER;
	snprintf(meta.dc, sizeof(meta.dc), "dc-east");
	meta.capacity = 42;
	meta.mgmt.len = 6;
	memcpy(meta.mgmt.b, "\x0a\x00\x00\x01\x1f\x90", 6);
	assert_int_equal(hl_swim_set_meta(swim_cluster_node(c, 2), hl_sim_now(sim), &meta), 0);
	hl_sim_poke(sim, 2);
	assert_int_equal(hl_sim_run_for(sim, 2 * S), 0);
	assert_int_equal(w.metas, 11);
	struct hl_swim_addr a;
	struct hl_swim_member_info mi;
	swim_addr(2, &a);
	for (uint32_t i = 0; i < 12; i++) {
		if (i == 2)
			continue;
		assert_int_equal(hl_swim_member(swim_cluster_node(c, i), &a, &mi), 0);
		assert_int_equal(mi.meta.capacity, 42);
		assert_string_equal(mi.meta.dc, "dc-east");
		assert_int_equal(mi.meta.mgmt.len, 6);
	}
	assert_int_equal(hl_swim_leave(swim_cluster_node(c, 4), hl_sim_now(sim)), 0);
	assert_int_equal(hl_swim_leave(swim_cluster_node(c, 4), hl_sim_now(sim)), -EALREADY);
	hl_sim_poke(sim, 4);
	assert_int_equal(hl_sim_run_for(sim, 2 * S), 0);
	assert_int_equal(swim_cluster_count_seeing(c, 4, HL_SWIM_LEFT), 11);
	assert_int_equal(w.lefts, 11);
	assert_int_equal(w.false_dead, 0);
	swim_cluster_destroy(c);
}

static uint64_t
replay_run(uint64_t seed)
{
	struct swim_cluster_params p = {.n = 12, .seed = seed, .quiet = true};
	hl_swim_config_lan(&p.swim);
	p.swim.max_members = 64;
	p.link = (struct hl_sim_link){.delay_ns = 200000,
	        .jitter_ns = 300000,
	        .loss = 0.05,
	        .dup = 0.02,
	        .reorder = 0.05,
	        .reorder_ns = MS};
	struct swim_cluster *c = swim_cluster_create(&p);
	assert_non_null(c);
	assert_int_equal(swim_cluster_join_all(c), 0);
	struct hl_sim *sim = swim_cluster_sim(c);
	assert_int_equal(hl_sim_crash_at(sim, 3, 2 * S), 0);
	assert_int_equal(hl_sim_stall_at(sim, 4, 3 * S, 700 * MS), 0);
	assert_int_equal(hl_sim_restart_at(sim, 3, 6 * S), 0);
	assert_int_equal(hl_sim_run_for(sim, 10 * S), 0);
	uint64_t h = hl_sim_trace_hash(sim);
	swim_cluster_destroy(c);
	return h;
}

static void
test_replay_bit_for_bit(void **state)
{
	(void)state;
	uint64_t seed = hl_sim_seed_from_env(0x1007);
	uint64_t a = replay_run(seed);
	uint64_t b = replay_run(seed);
	assert_true(a == b);
	assert_true(a != replay_run(seed ^ 0x55));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_mesh_and_crash_detection),
	        cmocka_unit_test(test_refutation_after_deaf_spell),
	        cmocka_unit_test(test_rejoin_after_restart),
	        cmocka_unit_test(test_partition_and_heal),
	        cmocka_unit_test(test_small_partition_heals_at_dead_sync_pace),
	        cmocka_unit_test(test_half_loss_still_detects_death),
	        cmocka_unit_test(test_graceful_leave_and_meta),
	        cmocka_unit_test(test_replay_bit_for_bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
