/* hl_sim.h — deterministic discrete-event simulator for the sans-IO cores (swim/, coord/).
 * Virtual clock, fake datagram network with faults, node stalls/crashes/restarts, invariants. */
#ifndef HL_SIM_H
#define HL_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_prng.h"

/* "No deadline" as returned by a node's next_deadline. */
#define HL_SIM_NEVER UINT64_MAX
#define HL_SIM_MS 1000000ULL
#define HL_SIM_S 1000000000ULL

struct hl_sim;

/* A simulated node: any sans-IO core behind five callbacks. `node` is the host's object.
 * The simulator calls recv() for each delivered datagram and tick() when next_deadline() is due,
 * then drains next_tx() until it returns 0. Nodes are addressed by their uint32 simulator id. */
struct hl_sim_node_ops {
	/* Deliver one datagram; a negative return is counted (stats.recv_errors), not fatal. */
	int (*recv)(void *node, uint64_t now_ns, uint32_t from, const uint8_t *buf, size_t len);
	/* Timers due at or before now_ns. */
	int (*tick)(void *node, uint64_t now_ns);
	/* Earliest absolute time the node wants tick(), or HL_SIM_NEVER. */
	uint64_t (*next_deadline)(void *node);
	/* Next datagram to send: returns its length (> 0) and sets *to, 0 when none, < 0 error. */
	int (*next_tx)(void *node, uint64_t now_ns, uint32_t *to, uint8_t *buf, size_t cap);
	/* Optional: the process dies (drop volatile state). */
	void (*crash)(void *node);
	/* Optional: the process starts again with a fresh PRNG seed; generation counts restarts. */
	int (*restart)(void *node, uint64_t now_ns, uint64_t seed, uint32_t generation);
};

/* One direction of a link. Probabilities in [0, 1]. */
struct hl_sim_link {
	uint64_t delay_ns; /* base one-way delay */
	uint64_t jitter_ns; /* plus uniform [0, jitter) */
	double loss; /* drop probability */
	double dup; /* probability of a second, independently delayed copy */
	double reorder; /* probability of an extra reorder_ns delay (overtaken by later ones) */
	uint64_t reorder_ns; /* that extra delay */
	bool blocked; /* one-way cut */
};

struct hl_sim_config {
	uint64_t seed; /* from hl_sim_seed_from_env() */
	uint32_t max_nodes; /* node table bound */
	uint32_t max_packet; /* largest datagram accepted from next_tx (default 9000) */
	uint64_t max_events; /* event heap bound: beyond it packets are dropped, counted */
	uint32_t inbox_max; /* packets queued at a stalled node before drops (default 4096) */
	uint32_t max_link_rules; /* per-link override table bound (default 4096) */
	struct hl_sim_link link; /* default for every link */
	bool quiet; /* do not print the seed line (benchmarks print it themselves) */
	/* When a stall ends, run the node's overdue timers before its queued packets (a starved
	 * process whose timer wakes before its socket backlog is read: the Lifeguard failure
	 * mode). Default: queued packets first. */
	bool stall_timers_first;
};

struct hl_sim_stats {
	uint64_t events; /* processed events (stale wake-ups excluded) */
	uint64_t sent; /* datagrams taken from next_tx */
	uint64_t delivered; /* datagrams handed to recv */
	uint64_t dropped_loss; /* random loss */
	uint64_t dropped_cut; /* partition or one-way block */
	uint64_t dropped_down; /* destination crashed */
	uint64_t dropped_queue; /* bandwidth queue, stalled inbox or event heap full */
	uint64_t duplicated; /* extra copies */
	uint64_t recv_errors; /* recv() returned < 0 */
	uint64_t tick_errors; /* tick() returned < 0 */
};

struct hl_sim_node_stats {
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
};

/* Seed for a run: SIM_SEED from the environment (decimal or 0x hex; "random" draws one from
 * /dev/urandom), else `fallback`. */
uint64_t hl_sim_seed_from_env(uint64_t fallback);

/** Create a simulator (prints "SIM_SEED=<seed>" to stderr unless cfg->quiet). NULL on ENOMEM. */
struct hl_sim *hl_sim_create(const struct hl_sim_config *cfg);
void hl_sim_destroy(struct hl_sim *sim);

/** Add a node; its id is returned in *id (ids are dense, from 0). -ENOSPC when full. */
int
hl_sim_add_node(struct hl_sim *sim, const struct hl_sim_node_ops *ops, void *node, uint32_t *id);
/** Seed of the node's own PRNG stream (derived from the run seed with hl_prng_split). */
uint64_t hl_sim_node_seed(const struct hl_sim *sim, uint32_t id);
/** Scenario PRNG stream (choose victims, schedules...), independent of node streams. */
struct hl_prng *hl_sim_prng(struct hl_sim *sim);
uint64_t hl_sim_now(const struct hl_sim *sim);
uint64_t hl_sim_seed(const struct hl_sim *sim);
uint32_t hl_sim_node_count(const struct hl_sim *sim);
bool hl_sim_node_up(const struct hl_sim *sim, uint32_t id);
bool hl_sim_node_stalled(const struct hl_sim *sim, uint32_t id);
void *hl_sim_node_ctx(const struct hl_sim *sim, uint32_t id);
const struct hl_sim_stats *hl_sim_stats(const struct hl_sim *sim);
const struct hl_sim_node_stats *hl_sim_node_stats(const struct hl_sim *sim, uint32_t id);

/* ---- network faults (take effect for datagrams sent from now on) ---- */
void hl_sim_link_default(struct hl_sim *sim, const struct hl_sim_link *l);
/** Override one direction from -> to. -ENOSPC when the rule table is full. */
int hl_sim_link_set(struct hl_sim *sim, uint32_t from, uint32_t to, const struct hl_sim_link *l);
/** Remove an override (back to the default). -ENOENT if none. */
int hl_sim_link_clear(struct hl_sim *sim, uint32_t from, uint32_t to);
/** Extra per-node loss on everything it receives / sends (e.g. 1.0 = deaf / mute). */
int hl_sim_node_loss(struct hl_sim *sim, uint32_t id, double loss_in, double loss_out);
/** Egress bandwidth cap in bits/s (0 = none) with a queue of at most queue_ns of backlog. */
int hl_sim_node_bandwidth(struct hl_sim *sim, uint32_t id, uint64_t bps, uint64_t queue_ns);
/** Put nodes ids[0..n) in partition `group` (> 0): traffic between different groups is cut
 * both ways. Group 0 is the default everyone starts in. */
int hl_sim_partition(struct hl_sim *sim, const uint32_t *ids, size_t n, uint32_t group);
/** Everyone back to group 0, all one-way blocks removed. */
void hl_sim_heal(struct hl_sim *sim);

/* ---- schedules (absolute virtual times, >= now) ---- */
/** Node processes nothing in [at, at + dur): packets queue, timers fire late. */
int hl_sim_stall_at(struct hl_sim *sim, uint32_t id, uint64_t at, uint64_t dur);
/** The node's receive path pauses in [at, at + dur): packets queue (delivered in order when it
 * ends) while its timers and sends go on, e.g. a process whose socket reader is starved. */
int hl_sim_rx_pause_at(struct hl_sim *sim, uint32_t id, uint64_t at, uint64_t dur);
int hl_sim_crash_at(struct hl_sim *sim, uint32_t id, uint64_t at);
/** Restart a crashed node (ops->restart with a fresh seed and generation + 1). */
int hl_sim_restart_at(struct hl_sim *sim, uint32_t id, uint64_t at);
/** Call fn(sim, arg) at `at` (a scenario step). */
int hl_sim_call_at(struct hl_sim *sim, uint64_t at, void (*fn)(struct hl_sim *, void *), void *arg);
/** Wake a node now (after the test changed its state directly, e.g. hl_swim_leave). */
int hl_sim_poke(struct hl_sim *sim, uint32_t id);

/* ---- invariants and running ---- */
/* An invariant returns 0 when it holds, else non-zero after writing a reason into msg. */
typedef int (*hl_sim_invariant_fn)(struct hl_sim *sim, void *arg, char *msg, size_t msg_cap);
/** Checked after every event; -ENOSPC beyond 16. */
int hl_sim_add_invariant(struct hl_sim *sim, hl_sim_invariant_fn fn, void *arg);

typedef bool (*hl_sim_pred_fn)(struct hl_sim *sim, void *arg);
/** Run until pred holds (checked before each event; NULL = never) or virtual time reaches
 * deadline. Returns 0 (pred true), -ETIMEDOUT (deadline reached; clock == deadline) or
 * -EPROTO (an invariant failed: reason and seed printed, see hl_sim_failure()). */
int hl_sim_run_until(struct hl_sim *sim, uint64_t deadline, hl_sim_pred_fn pred, void *arg);
/** Run for dur virtual ns: 0 or -EPROTO. */
int hl_sim_run_for(struct hl_sim *sim, uint64_t dur);
/** Last invariant failure text, or NULL. */
const char *hl_sim_failure(const struct hl_sim *sim);

/** 64-bit hash over every processed event (time, kind, node, peer, payload): two runs with the
 * same seed and scenario give the same value. */
uint64_t hl_sim_trace_hash(const struct hl_sim *sim);

#endif
