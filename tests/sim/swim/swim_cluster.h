/* swim_cluster.h — a cluster of SWIM cores on the simulator: node i has the 4-byte address i,
 * crash/restart recreate the core (restart = generation + 1), events reach one callback. */
#ifndef SWIM_CLUSTER_H
#define SWIM_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_sim.h"
#include "hl_swim.h"

struct swim_cluster;

typedef void (*swim_event_fn)(struct swim_cluster *c, uint32_t node, const struct hl_swim_event *ev,
        uint64_t now, void *arg);

struct swim_cluster_params {
	uint32_t n;
	uint64_t seed;
	struct hl_swim_config swim;
	struct hl_sim_link link;
	bool quiet;
	bool stall_timers_first; /* see hl_sim_config */
	uint32_t seeds_per_join; /* restarted / late nodes join through this many random peers */
};

struct swim_cluster *swim_cluster_create(const struct swim_cluster_params *p);
void swim_cluster_destroy(struct swim_cluster *c);
struct hl_sim *swim_cluster_sim(struct swim_cluster *c);
uint32_t swim_cluster_size(const struct swim_cluster *c);
/** The node's core, NULL while crashed. */
struct hl_swim *swim_cluster_node(struct swim_cluster *c, uint32_t i);
void swim_cluster_on_event(struct swim_cluster *c, swim_event_fn fn, void *arg);

void swim_addr(uint32_t id, struct hl_swim_addr *a);
uint32_t swim_addr_id(const struct hl_swim_addr *a);

/** Every node joins through node 0 (and the previous node): the usual bootstrap. */
int swim_cluster_join_all(struct swim_cluster *c);
/** Run until every up node sees every up node alive (and nothing else live): 0 or -ETIMEDOUT. */
int swim_cluster_run_until_mesh(struct swim_cluster *c, uint64_t deadline);
/** State of `subject` as `observer` sees it, or -1 when unknown / observer down. */
int swim_cluster_state(struct swim_cluster *c, uint32_t observer, uint32_t subject);
/** How many up nodes other than subject see subject in `state`. */
uint32_t swim_cluster_count_seeing(struct swim_cluster *c, uint32_t subject, int state);
uint32_t swim_cluster_up(const struct swim_cluster *c);

#endif
