/* test_sim_core.c — self-tests of the simulator: replay from a seed, network faults, stalls,
 * crash/restart, invariants, predicates. Uses a toy "chatter" node (random peer every 10 ms). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hl_log.h"
#include "hl_sim.h"

#define N_TOY 8
#define TOY_PERIOD (10 * HL_SIM_MS)

struct toy {
	struct hl_prng rng;
	uint32_t self, n;
	uint64_t next; /* next send time */
	uint64_t pending; /* queued datagrams (at most one per tick) */
	uint32_t to;
	uint64_t counter; /* sent so far */
	uint64_t received; /* datagrams received */
	uint64_t last_from_seen[N_TOY];
	uint64_t late_ticks; /* ticks that ran later than the deadline they asked for */
	uint32_t generation;
	uint64_t tick_times[64];
	uint32_t n_ticks;
};

static int
toy_recv(void *ctx, uint64_t now, uint32_t from, const uint8_t *buf, size_t len)
{
	struct toy *t = ctx;
	(void)now;
	if (len != 8 || from >= N_TOY)
		return -EINVAL;
	uint64_t v;
	memcpy(&v, buf, 8);
	t->last_from_seen[from] = v;
	t->received++;
	return 0;
}

static int
toy_tick(void *ctx, uint64_t now)
{
	struct toy *t = ctx;
	if (now < t->next)
		return 0;
	if (now > t->next)
		t->late_ticks++;
	if (t->n_ticks < 64)
		t->tick_times[t->n_ticks++] = now;
	t->to = (uint32_t)hl_prng_below(&t->rng, t->n - 1);
	if (t->to >= t->self)
		t->to++;
	t->pending = 1;
	t->next = now + TOY_PERIOD;
	return 0;
}

static uint64_t
toy_deadline(void *ctx)
{
	return ((struct toy *)ctx)->next;
}

static int
toy_tx(void *ctx, uint64_t now, uint32_t *to, uint8_t *buf, size_t cap)
{
	struct toy *t = ctx;
	(void)now;
	if (!t->pending)
		return 0;
	if (cap < 8)
		return -EMSGSIZE;
	t->pending = 0;
	t->counter++;
	memcpy(buf, &t->counter, 8);
	*to = t->to;
	return 8;
}

static void
toy_crash(void *ctx)
{
	struct toy *t = ctx;
	t->pending = 0;
	t->next = HL_SIM_NEVER;
}

static int
toy_restart(void *ctx, uint64_t now, uint64_t seed, uint32_t gen)
{
	struct toy *t = ctx;
	hl_prng_seed(&t->rng, seed);
	t->counter = 0;
	t->next = now;
	t->generation = gen;
	return 0;
}

static const struct hl_sim_node_ops toy_ops = {
        .recv = toy_recv,
        .tick = toy_tick,
        .next_deadline = toy_deadline,
        .next_tx = toy_tx,
        .crash = toy_crash,
        .restart = toy_restart,
};

struct world {
	struct hl_sim *sim;
	struct toy toys[N_TOY];
};

static void
world_init(struct world *w, uint64_t seed, const struct hl_sim_link *link)
{
	memset(w, 0, sizeof(*w));
	struct hl_sim_config cfg = {.seed = seed, .max_nodes = N_TOY, .quiet = true};
	if (link != NULL)
		cfg.link = *link;
	w->sim = hl_sim_create(&cfg);
	assert_non_null(w->sim);
	for (uint32_t i = 0; i < N_TOY; i++) {
		uint32_t id;
		w->toys[i].self = i;
		w->toys[i].n = N_TOY;
		assert_int_equal(hl_sim_add_node(w->sim, &toy_ops, &w->toys[i], &id), 0);
		assert_int_equal(id, i);
		hl_prng_seed(&w->toys[i].rng, hl_sim_node_seed(w->sim, id));
	}
}

static uint64_t
run_scenario(uint64_t seed)
{
	struct hl_sim_link link = {.delay_ns = HL_SIM_MS,
	        .jitter_ns = 3 * HL_SIM_MS,
	        .loss = 0.1,
	        .dup = 0.05,
	        .reorder = 0.1,
	        .reorder_ns = 5 * HL_SIM_MS};
	struct world w;
	world_init(&w, seed, &link);
	assert_int_equal(hl_sim_stall_at(w.sim, 2, 100 * HL_SIM_MS, 50 * HL_SIM_MS), 0);
	assert_int_equal(hl_sim_crash_at(w.sim, 3, 200 * HL_SIM_MS), 0);
	assert_int_equal(hl_sim_restart_at(w.sim, 3, 300 * HL_SIM_MS), 0);
	assert_int_equal(hl_sim_run_for(w.sim, HL_SIM_S), 0);
	uint64_t h = hl_sim_trace_hash(w.sim);
	assert_true(hl_sim_stats(w.sim)->delivered > 0);
	hl_sim_destroy(w.sim);
	return h;
}

/* The property every failing run relies on: same seed, same trace, bit for bit. */
static void
test_replay_same_seed(void **state)
{
	(void)state;
	uint64_t seed = hl_sim_seed_from_env(0x5eedULL);
	uint64_t a = run_scenario(seed);
	uint64_t b = run_scenario(seed);
	uint64_t c = run_scenario(seed + 1);
	assert_true(a == b);
	assert_true(a != c);
}

static void
test_loss_and_dup_rates(void **state)
{
	(void)state;
	struct hl_sim_link link = {.delay_ns = HL_SIM_MS, .loss = 0.3, .dup = 0.2};
	struct world w;
	world_init(&w, 42, &link);
	assert_int_equal(hl_sim_run_for(w.sim, 10 * HL_SIM_S), 0);
	const struct hl_sim_stats *st = hl_sim_stats(w.sim);
	double loss = (double)st->dropped_loss / (double)st->sent;
	double dup = (double)st->duplicated / (double)(st->sent - st->dropped_loss);
	assert_true(st->sent > 7000);
	assert_true(loss > 0.27 && loss < 0.33);
	assert_true(dup > 0.17 && dup < 0.23);
	hl_sim_destroy(w.sim);
}

static void
test_partition_one_way_and_heal(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 7, NULL);
	uint32_t g[] = {0, 1, 2, 3};
	assert_int_equal(hl_sim_partition(w.sim, g, 4, 1), 0);
	/* Plus a one-way cut 4 -> 5 inside the other half. */
	struct hl_sim_link cut = {.blocked = true};
	assert_int_equal(hl_sim_link_set(w.sim, 4, 5, &cut), 0);
	assert_int_equal(hl_sim_run_for(w.sim, 2 * HL_SIM_S), 0);
	for (uint32_t i = 0; i < N_TOY; i++)
		for (uint32_t j = 0; j < N_TOY; j++) {
			bool same = (i < 4) == (j < 4);
			if (!same)
				assert_true(w.toys[i].last_from_seen[j] == 0);
		}
	assert_true(w.toys[5].last_from_seen[4] == 0);
	assert_true(w.toys[4].last_from_seen[5] > 0); /* the other direction works */
	assert_true(hl_sim_stats(w.sim)->dropped_cut > 0);
	hl_sim_heal(w.sim);
	assert_int_equal(hl_sim_run_for(w.sim, 2 * HL_SIM_S), 0);
	assert_true(w.toys[0].last_from_seen[7] > 0);
	assert_true(w.toys[5].last_from_seen[4] > 0);
	assert_int_equal(hl_sim_link_clear(w.sim, 4, 5), 0);
	assert_int_equal(hl_sim_link_clear(w.sim, 4, 5), -ENOENT);
	hl_sim_destroy(w.sim);
}

static void
test_stall_delays_timers_and_queues_packets(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 9, NULL);
	/* Stall node 1 for 95 ms starting at 1 ms: its 10 ms timer fires at 96 ms, late. */
	assert_int_equal(hl_sim_stall_at(w.sim, 1, HL_SIM_MS, 95 * HL_SIM_MS), 0);
	assert_int_equal(hl_sim_run_until(w.sim, 2 * HL_SIM_MS, NULL, NULL), -ETIMEDOUT);
	uint64_t rx_before = w.toys[1].received;
	assert_int_equal(hl_sim_run_until(w.sim, 50 * HL_SIM_MS, NULL, NULL), -ETIMEDOUT);
	assert_true(hl_sim_node_stalled(w.sim, 1));
	assert_int_equal(w.toys[1].received, rx_before); /* queued, not processed */
	assert_int_equal(hl_sim_run_until(w.sim, 200 * HL_SIM_MS, NULL, NULL), -ETIMEDOUT);
	assert_false(hl_sim_node_stalled(w.sim, 1));
	assert_true(w.toys[1].late_ticks >= 1);
	assert_true(w.toys[1].tick_times[1] == 96 * HL_SIM_MS);
	assert_true(w.toys[1].received > 0);
	hl_sim_destroy(w.sim);
}

static void
test_rx_pause_queues_but_keeps_sending(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 10, NULL);
	assert_int_equal(hl_sim_rx_pause_at(w.sim, 1, 5 * HL_SIM_MS, 100 * HL_SIM_MS), 0);
	assert_int_equal(hl_sim_run_until(w.sim, 6 * HL_SIM_MS, NULL, NULL), -ETIMEDOUT);
	uint64_t rx = w.toys[1].received, tx = hl_sim_node_stats(w.sim, 1)->tx_pkts;
	assert_int_equal(hl_sim_run_until(w.sim, 100 * HL_SIM_MS, NULL, NULL), -ETIMEDOUT);
	assert_int_equal(w.toys[1].received, rx); /* nothing read */
	assert_true(hl_sim_node_stats(w.sim, 1)->tx_pkts >= tx + 9); /* timers and sends on time */
	assert_int_equal(w.toys[1].late_ticks, 0);
	assert_int_equal(hl_sim_run_until(w.sim, 106 * HL_SIM_MS, NULL, NULL), -ETIMEDOUT);
	assert_true(w.toys[1].received > rx + 5); /* the backlog, at once */
	hl_sim_destroy(w.sim);
}

static void
test_crash_restart(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 11, NULL);
	assert_int_equal(hl_sim_crash_at(w.sim, 0, 100 * HL_SIM_MS), 0);
	assert_int_equal(hl_sim_run_until(w.sim, 500 * HL_SIM_MS, NULL, NULL), -ETIMEDOUT);
	assert_false(hl_sim_node_up(w.sim, 0));
	uint64_t sent_before = hl_sim_node_stats(w.sim, 0)->tx_pkts;
	assert_int_equal(hl_sim_run_for(w.sim, 500 * HL_SIM_MS), 0);
	assert_int_equal(hl_sim_node_stats(w.sim, 0)->tx_pkts, sent_before);
	assert_true(hl_sim_stats(w.sim)->dropped_down > 0);
	assert_int_equal(hl_sim_restart_at(w.sim, 0, hl_sim_now(w.sim)), 0);
	assert_int_equal(hl_sim_run_for(w.sim, 500 * HL_SIM_MS), 0);
	assert_true(hl_sim_node_up(w.sim, 0));
	assert_int_equal(w.toys[0].generation, 1);
	assert_true(hl_sim_node_stats(w.sim, 0)->tx_pkts > sent_before);
	hl_sim_destroy(w.sim);
}

static void
test_bandwidth_cap(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 13, NULL);
	/* 8 bytes every 10 ms = 6.4 kbit/s offered; 3.2 kbit/s cap with a 20 ms queue drops. */
	assert_int_equal(hl_sim_node_bandwidth(w.sim, 0, 3200, 20 * HL_SIM_MS), 0);
	assert_int_equal(hl_sim_run_for(w.sim, 2 * HL_SIM_S), 0);
	assert_true(hl_sim_stats(w.sim)->dropped_queue > 50);
	hl_sim_destroy(w.sim);
}

static int
inv_counter_below(struct hl_sim *sim, void *arg, char *msg, size_t cap)
{
	struct world *w = arg;
	(void)sim;
	if (w->toys[0].counter >= 5) {
		snprintf(msg, cap, "node 0 sent %llu", (unsigned long long)w->toys[0].counter);
		return 1;
	}
	return 0;
}

static bool
pred_received(struct hl_sim *sim, void *arg)
{
	(void)sim;
	return ((struct world *)arg)->toys[3].received >= 3;
}

static void
test_invariant_and_predicate(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 17, NULL);
	assert_int_equal(hl_sim_run_until(w.sim, 10 * HL_SIM_S, pred_received, &w), 0);
	assert_true(w.toys[3].received >= 3);
	assert_true(hl_sim_now(w.sim) < 10 * HL_SIM_S);
	assert_int_equal(hl_sim_add_invariant(w.sim, inv_counter_below, &w), 0);
	assert_int_equal(hl_sim_run_for(w.sim, HL_SIM_S), -EPROTO);
	assert_non_null(hl_sim_failure(w.sim));
	assert_non_null(strstr(hl_sim_failure(w.sim), "node 0 sent 5"));
	/* A failed run stays failed. */
	assert_int_equal(hl_sim_run_for(w.sim, HL_SIM_S), -EPROTO);
	hl_sim_destroy(w.sim);
}

static int n_calls;
static void
count_call(struct hl_sim *sim, void *arg)
{
	(void)sim;
	(void)arg;
	n_calls++;
}

static void
test_bounds_and_bad_input(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 19, NULL);
	uint32_t id;
	assert_int_equal(hl_sim_add_node(w.sim, &toy_ops, &w.toys[0], &id), -ENOSPC);
	struct hl_sim_node_ops bad = {0};
	assert_int_equal(hl_sim_add_node(w.sim, &bad, NULL, &id), -EINVAL);
	assert_int_equal(hl_sim_node_loss(w.sim, 0, 1.5, 0), -EINVAL);
	assert_int_equal(hl_sim_crash_at(w.sim, 99, 0), -EINVAL);
	assert_int_equal(hl_sim_run_for(w.sim, 100 * HL_SIM_MS), 0);
	assert_int_equal(hl_sim_stall_at(w.sim, 0, HL_SIM_MS, 1), -EINVAL); /* in the past */
	assert_int_equal(hl_sim_call_at(w.sim, hl_sim_now(w.sim) + 5, count_call, NULL), 0);
	assert_int_equal(hl_sim_run_for(w.sim, 10), 0);
	assert_int_equal(n_calls, 1);
	hl_sim_destroy(w.sim);
	/* Link rule table full. */
	struct hl_sim_config cfg = {.seed = 1, .max_nodes = 4, .max_link_rules = 2, .quiet = true};
	struct hl_sim *sim = hl_sim_create(&cfg);
	struct toy t[4] = {0};
	for (uint32_t i = 0; i < 4; i++) {
		t[i].self = i;
		t[i].n = 4;
		assert_int_equal(hl_sim_add_node(sim, &toy_ops, &t[i], &id), 0);
	}
	struct hl_sim_link l = {.loss = 0.5};
	assert_int_equal(hl_sim_link_set(sim, 0, 1, &l), 0);
	assert_int_equal(hl_sim_link_set(sim, 0, 2, &l), 0);
	assert_int_equal(hl_sim_link_set(sim, 0, 3, &l), -ENOSPC);
	assert_int_equal(hl_sim_link_clear(sim, 0, 1), 0);
	assert_int_equal(hl_sim_link_set(sim, 0, 3, &l), 0);
	hl_sim_destroy(sim);
}

/* Log rate limits run on virtual time while a simulator exists (so a replayed run logs what the
 * original logged): lines from one site beyond the burst are suppressed until VIRTUAL time
 * refills the bucket, however much wall time passes. */
static uint32_t log_lines;

static void
count_sink(void *arg, enum hl_log_level level, const char *component, const char *line)
{
	(void)arg;
	(void)level;
	(void)component;
	(void)line;
	log_lines++;
}

static void
log_site(void)
{
	HL_LOG(HL_LOG_WARN, "simtest", "one site");
}

static void
test_log_clock_is_virtual(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 23, NULL);
	hl_log_set_sink(count_sink, NULL);
	hl_log_set_rate(10, 2); /* burst 2, then one line per 100 ms */
	log_lines = 0;
	for (int i = 0; i < 5; i++)
		log_site();
	assert_int_equal(log_lines, 2);
	struct timespec ts = {0, 150 * 1000 * 1000}; /* wall time alone refills nothing */
	nanosleep(&ts, NULL);
	log_site();
	assert_int_equal(log_lines, 2);
	assert_int_equal(hl_sim_run_for(w.sim, 150 * HL_SIM_MS), 0);
	log_site();
	assert_int_equal(log_lines, 3);
	hl_sim_destroy(w.sim); /* restores the wall clock */
	hl_log_set_sink(NULL, NULL);
	hl_log_set_rate(10, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_replay_same_seed),
	        cmocka_unit_test(test_loss_and_dup_rates),
	        cmocka_unit_test(test_partition_one_way_and_heal),
	        cmocka_unit_test(test_stall_delays_timers_and_queues_packets),
	        cmocka_unit_test(test_rx_pause_queues_but_keeps_sending),
	        cmocka_unit_test(test_crash_restart),
	        cmocka_unit_test(test_bandwidth_cap),
	        cmocka_unit_test(test_invariant_and_predicate),
	        cmocka_unit_test(test_bounds_and_bad_input),
	        cmocka_unit_test(test_log_clock_is_virtual),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
