/* sim.c — the deterministic simulator: an event heap ordered by (time, sequence), a fake datagram
 * network and fault schedules. Everything random comes from streams split off the run seed, and
 * nothing depends on wall time or addresses, so a seed replays a run bit for bit. */
#include "hl_sim.h"

#include "hl_log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ev_kind {
	EV_DELIVER = 1,
	EV_WAKE,
	EV_STALL_START,
	EV_STALL_END,
	EV_RXPAUSE_START,
	EV_RXPAUSE_END,
	EV_CRASH,
	EV_RESTART,
	EV_CALL,
};

struct pkt {
	struct pkt *next; /* stalled-inbox chain */
	uint32_t from;
	uint32_t len;
	uint8_t data[];
};

struct event {
	uint64_t time;
	uint64_t seq;
	uint32_t kind;
	uint32_t node;
	uint64_t arg; /* stall duration */
	void *ptr; /* struct pkt * or call argument */
	void (*fn)(struct hl_sim *, void *);
};

struct node {
	const struct hl_sim_node_ops *ops;
	void *ctx;
	uint64_t seed;
	struct hl_prng net; /* loss/delay draws for datagrams this node sends */
	uint64_t wake_at; /* time of the one valid pending WAKE, or HL_SIM_NEVER */
	bool up;
	uint32_t stall_depth;
	uint32_t rxpause_depth; /* receive path paused: packets queue, timers and sends run */
	uint64_t stall_until;
	uint32_t generation;
	uint32_t group;
	double loss_in, loss_out;
	uint64_t bps, queue_ns, busy_until;
	struct pkt *inbox_head, *inbox_tail;
	uint32_t inbox_len;
	struct hl_sim_node_stats st;
};

struct link_rule {
	uint64_t key; /* (from << 32 | to) + 1; 0 = empty */
	struct hl_sim_link l;
};

#define MAX_INVARIANTS 16

struct hl_sim {
	struct hl_sim_config cfg;
	uint64_t now;
	uint64_t seq;
	struct hl_prng master, scen;
	struct event *heap;
	size_t heap_len, heap_cap;
	struct node *nodes;
	uint32_t n_nodes;
	struct link_rule *rules;
	uint32_t rules_cap, rules_len;
	uint8_t *txbuf;
	struct hl_sim_stats st;
	uint64_t trace;
	struct {
		hl_sim_invariant_fn fn;
		void *arg;
	} inv[MAX_INVARIANTS];
	uint32_t n_inv;
	char failure[256];
	bool failed;
};

/* ---- helpers ---- */

static inline uint64_t
mix64(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static uint64_t
fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static inline bool
ev_less(const struct event *a, const struct event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static int
heap_push(struct hl_sim *sim, struct event *ev)
{
	if (sim->heap_len == sim->heap_cap) {
		if (sim->heap_cap >= sim->cfg.max_events)
			return -ENOSPC;
		size_t cap = sim->heap_cap ? sim->heap_cap * 2 : 1024;
		if (cap > sim->cfg.max_events)
			cap = sim->cfg.max_events;
		struct event *h = realloc(sim->heap, cap * sizeof(*h));
		if (h == NULL)
			return -ENOMEM;
		sim->heap = h;
		sim->heap_cap = cap;
	}
	ev->seq = sim->seq++;
	size_t i = sim->heap_len++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ev_less(ev, &sim->heap[p]))
			break;
		sim->heap[i] = sim->heap[p];
		i = p;
	}
	sim->heap[i] = *ev;
	return 0;
}

static void
heap_pop(struct hl_sim *sim, struct event *out)
{
	*out = sim->heap[0];
	struct event last = sim->heap[--sim->heap_len];
	size_t i = 0, n = sim->heap_len;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ev_less(&sim->heap[c + 1], &sim->heap[c]))
			c++;
		if (!ev_less(&sim->heap[c], &last))
			break;
		sim->heap[i] = sim->heap[c];
		i = c;
	}
	if (n > 0)
		sim->heap[i] = last;
}

uint64_t
hl_sim_seed_from_env(uint64_t fallback)
{
	const char *s = getenv("SIM_SEED");
	if (s == NULL || *s == '\0')
		return fallback;
	if (strcmp(s, "random") == 0) {
		uint64_t v = fallback;
		FILE *f = fopen("/dev/urandom", "rb");
		if (f != NULL) {
			if (fread(&v, sizeof(v), 1, f) != 1)
				v = fallback;
			fclose(f);
		}
		return v;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0') {
		fprintf(stderr, "SIM_SEED='%s' is not a number; using 0x%" PRIx64 "\n", s,
		        fallback);
		return fallback;
	}
	return (uint64_t)v;
}

/* The simulator whose virtual clock hl_log reads (rate limits of the cores' log sites), so that
 * a replayed run logs exactly what the original logged: no wall clock reaches the cores. */
static struct hl_sim *log_clock_sim;

static uint64_t
sim_log_clock(void *arg)
{
	return hl_sim_now(arg);
}

struct hl_sim *
hl_sim_create(const struct hl_sim_config *cfg)
{
	struct hl_sim *sim = calloc(1, sizeof(*sim));
	if (sim == NULL)
		return NULL;
	sim->cfg = *cfg;
	if (sim->cfg.max_nodes == 0)
		sim->cfg.max_nodes = 1024;
	if (sim->cfg.max_packet == 0)
		sim->cfg.max_packet = 9000;
	if (sim->cfg.max_events == 0)
		sim->cfg.max_events = 1u << 24;
	if (sim->cfg.inbox_max == 0)
		sim->cfg.inbox_max = 4096;
	if (sim->cfg.max_link_rules == 0)
		sim->cfg.max_link_rules = 4096;
	sim->nodes = calloc(sim->cfg.max_nodes, sizeof(*sim->nodes));
	sim->rules_cap = 1;
	while (sim->rules_cap < 2 * sim->cfg.max_link_rules)
		sim->rules_cap <<= 1;
	sim->rules = calloc(sim->rules_cap, sizeof(*sim->rules));
	sim->txbuf = malloc(sim->cfg.max_packet);
	if (sim->nodes == NULL || sim->rules == NULL || sim->txbuf == NULL) {
		hl_sim_destroy(sim);
		return NULL;
	}
	hl_prng_seed(&sim->master, cfg->seed);
	hl_prng_seed(&sim->scen, hl_prng_split(&sim->master));
	sim->trace = mix64(0, cfg->seed);
	log_clock_sim = sim;
	hl_log_set_clock(sim_log_clock, sim);
	if (!cfg->quiet)
		fprintf(stderr,
		        "SIM_SEED=0x%016" PRIx64 " (replay: SIM_SEED=0x%016" PRIx64
		        " <same command>)\n",
		        cfg->seed, cfg->seed);
	return sim;
}

static void
inbox_free(struct node *n)
{
	struct pkt *p = n->inbox_head;
	while (p != NULL) {
		struct pkt *nx = p->next;
		free(p);
		p = nx;
	}
	n->inbox_head = n->inbox_tail = NULL;
	n->inbox_len = 0;
}

void
hl_sim_destroy(struct hl_sim *sim)
{
	if (sim == NULL)
		return;
	if (log_clock_sim == sim) {
		log_clock_sim = NULL;
		hl_log_set_clock(NULL, NULL);
	}
	for (size_t i = 0; i < sim->heap_len; i++)
		if (sim->heap[i].kind == EV_DELIVER)
			free(sim->heap[i].ptr);
	for (uint32_t i = 0; i < sim->n_nodes; i++)
		inbox_free(&sim->nodes[i]);
	free(sim->heap);
	free(sim->nodes);
	free(sim->rules);
	free(sim->txbuf);
	free(sim);
}

int
hl_sim_add_node(struct hl_sim *sim, const struct hl_sim_node_ops *ops, void *ctx, uint32_t *id)
{
	if (ops == NULL || ops->recv == NULL || ops->tick == NULL || ops->next_deadline == NULL ||
	        ops->next_tx == NULL)
		return -EINVAL;
	if (sim->n_nodes >= sim->cfg.max_nodes)
		return -ENOSPC;
	struct node *n = &sim->nodes[sim->n_nodes];
	memset(n, 0, sizeof(*n));
	n->ops = ops;
	n->ctx = ctx;
	n->seed = hl_prng_split(&sim->master);
	hl_prng_seed(&n->net, hl_prng_split(&sim->master));
	n->wake_at = HL_SIM_NEVER;
	n->up = true;
	*id = sim->n_nodes++;
	/* A fresh node may have work due (e.g. a join): let it run at the current instant. */
	return hl_sim_poke(sim, *id);
}

uint64_t
hl_sim_node_seed(const struct hl_sim *sim, uint32_t id)
{
	return id < sim->n_nodes ? sim->nodes[id].seed : 0;
}

struct hl_prng *
hl_sim_prng(struct hl_sim *sim)
{
	return &sim->scen;
}

uint64_t
hl_sim_now(const struct hl_sim *sim)
{
	return sim->now;
}

uint64_t
hl_sim_seed(const struct hl_sim *sim)
{
	return sim->cfg.seed;
}

uint32_t
hl_sim_node_count(const struct hl_sim *sim)
{
	return sim->n_nodes;
}

bool
hl_sim_node_up(const struct hl_sim *sim, uint32_t id)
{
	return id < sim->n_nodes && sim->nodes[id].up;
}

bool
hl_sim_node_stalled(const struct hl_sim *sim, uint32_t id)
{
	return id < sim->n_nodes && sim->nodes[id].stall_depth > 0;
}

void *
hl_sim_node_ctx(const struct hl_sim *sim, uint32_t id)
{
	return id < sim->n_nodes ? sim->nodes[id].ctx : NULL;
}

const struct hl_sim_stats *
hl_sim_stats(const struct hl_sim *sim)
{
	return &sim->st;
}

const struct hl_sim_node_stats *
hl_sim_node_stats(const struct hl_sim *sim, uint32_t id)
{
	return id < sim->n_nodes ? &sim->nodes[id].st : NULL;
}

uint64_t
hl_sim_trace_hash(const struct hl_sim *sim)
{
	return sim->trace;
}

const char *
hl_sim_failure(const struct hl_sim *sim)
{
	return sim->failed ? sim->failure : NULL;
}

/* ---- link rules: open addressing, linear probing, backward-shift deletion ---- */

static inline uint64_t
rule_key(uint32_t from, uint32_t to)
{
	return (((uint64_t)from << 32) | to) + 1;
}

static inline uint32_t
rule_slot(const struct hl_sim *sim, uint64_t key)
{
	return (uint32_t)(mix64(0, key) & (sim->rules_cap - 1));
}

static struct link_rule *
rule_find(struct hl_sim *sim, uint32_t from, uint32_t to)
{
	if (sim->rules_len == 0)
		return NULL;
	uint64_t key = rule_key(from, to);
	for (uint32_t i = rule_slot(sim, key);; i = (i + 1) & (sim->rules_cap - 1)) {
		if (sim->rules[i].key == 0)
			return NULL;
		if (sim->rules[i].key == key)
			return &sim->rules[i];
	}
}

void
hl_sim_link_default(struct hl_sim *sim, const struct hl_sim_link *l)
{
	sim->cfg.link = *l;
}

int
hl_sim_link_set(struct hl_sim *sim, uint32_t from, uint32_t to, const struct hl_sim_link *l)
{
	if (from >= sim->n_nodes || to >= sim->n_nodes)
		return -EINVAL;
	struct link_rule *r = rule_find(sim, from, to);
	if (r != NULL) {
		r->l = *l;
		return 0;
	}
	if (sim->rules_len >= sim->cfg.max_link_rules)
		return -ENOSPC;
	uint64_t key = rule_key(from, to);
	uint32_t i = rule_slot(sim, key);
	while (sim->rules[i].key != 0)
		i = (i + 1) & (sim->rules_cap - 1);
	sim->rules[i].key = key;
	sim->rules[i].l = *l;
	sim->rules_len++;
	return 0;
}

int
hl_sim_link_clear(struct hl_sim *sim, uint32_t from, uint32_t to)
{
	struct link_rule *r = rule_find(sim, from, to);
	if (r == NULL)
		return -ENOENT;
	uint32_t mask = sim->rules_cap - 1;
	uint32_t i = (uint32_t)(r - sim->rules);
	r->key = 0;
	sim->rules_len--;
	/* Backward-shift: move later entries of the probe chain into the hole. */
	for (uint32_t j = (i + 1) & mask; sim->rules[j].key != 0; j = (j + 1) & mask) {
		uint32_t home = rule_slot(sim, sim->rules[j].key);
		bool movable = (i <= j) ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			sim->rules[i] = sim->rules[j];
			sim->rules[j].key = 0;
			i = j;
		}
	}
	return 0;
}

int
hl_sim_node_loss(struct hl_sim *sim, uint32_t id, double loss_in, double loss_out)
{
	if (id >= sim->n_nodes || loss_in < 0 || loss_in > 1 || loss_out < 0 || loss_out > 1)
		return -EINVAL;
	sim->nodes[id].loss_in = loss_in;
	sim->nodes[id].loss_out = loss_out;
	return 0;
}

int
hl_sim_node_bandwidth(struct hl_sim *sim, uint32_t id, uint64_t bps, uint64_t queue_ns)
{
	if (id >= sim->n_nodes)
		return -EINVAL;
	sim->nodes[id].bps = bps;
	sim->nodes[id].queue_ns = queue_ns;
	return 0;
}

int
hl_sim_partition(struct hl_sim *sim, const uint32_t *ids, size_t n, uint32_t group)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] >= sim->n_nodes)
			return -EINVAL;
	for (size_t i = 0; i < n; i++)
		sim->nodes[ids[i]].group = group;
	return 0;
}

void
hl_sim_heal(struct hl_sim *sim)
{
	for (uint32_t i = 0; i < sim->n_nodes; i++)
		sim->nodes[i].group = 0;
	for (uint32_t i = 0; i < sim->rules_cap; i++) {
		if (sim->rules[i].key != 0 && sim->rules[i].l.blocked) {
			/* Keep delay/loss overrides; only lift the cut. */
			sim->rules[i].l.blocked = false;
		}
	}
}

/* ---- sending ---- */

static void
send_one(struct hl_sim *sim, uint32_t src, uint32_t dst, const uint8_t *buf, size_t len)
{
	struct node *s = &sim->nodes[src];
	sim->st.sent++;
	s->st.tx_pkts++;
	s->st.tx_bytes += len;
	if (dst >= sim->n_nodes) {
		sim->st.dropped_down++;
		return;
	}
	struct node *d = &sim->nodes[dst];
	const struct link_rule *r = rule_find(sim, src, dst);
	const struct hl_sim_link *l = r != NULL ? &r->l : &sim->cfg.link;
	/* Draw every random number unconditionally so one fault does not shift the stream. */
	double u_loss = hl_prng_unit(&s->net);
	double u_dup = hl_prng_unit(&s->net);
	double u_reo = hl_prng_unit(&s->net);
	uint64_t jit = l->jitter_ns ? hl_prng_below(&s->net, l->jitter_ns) : 0;
	uint64_t jit2 = l->jitter_ns ? hl_prng_below(&s->net, l->jitter_ns) : 0;
	if (l->blocked || s->group != d->group) {
		sim->st.dropped_cut++;
		return;
	}
	double keep = (1 - l->loss) * (1 - s->loss_out) * (1 - d->loss_in);
	if (u_loss >= keep) {
		sim->st.dropped_loss++;
		return;
	}
	uint64_t depart = sim->now;
	if (s->bps > 0) {
		if (s->busy_until > depart) {
			if (s->busy_until - depart > s->queue_ns) {
				sim->st.dropped_queue++;
				return;
			}
			depart = s->busy_until;
		}
		depart += (uint64_t)((double)len * 8.0 * 1e9 / (double)s->bps);
		s->busy_until = depart;
	}
	int copies = (u_dup < l->dup) ? 2 : 1;
	for (int c = 0; c < copies; c++) {
		struct pkt *p = malloc(sizeof(*p) + len);
		if (p == NULL) {
			sim->st.dropped_queue++;
			return;
		}
		p->next = NULL;
		p->from = src;
		p->len = (uint32_t)len;
		memcpy(p->data, buf, len);
		uint64_t t = depart + l->delay_ns + (c == 0 ? jit : jit2);
		if (c == 0 && u_reo < l->reorder)
			t += l->reorder_ns;
		struct event ev = {.time = t, .kind = EV_DELIVER, .node = dst, .ptr = p};
		if (heap_push(sim, &ev) != 0) {
			free(p);
			sim->st.dropped_queue++;
			return;
		}
		if (c == 1)
			sim->st.duplicated++;
	}
}

/* After a node ran: drain its output and (re)arm its wake-up. */
static void
service(struct hl_sim *sim, uint32_t id)
{
	struct node *n = &sim->nodes[id];
	if (!n->up || n->stall_depth > 0)
		return;
	for (;;) {
		uint32_t to = 0;
		int len = n->ops->next_tx(n->ctx, sim->now, &to, sim->txbuf, sim->cfg.max_packet);
		if (len <= 0)
			break;
		send_one(sim, id, to, sim->txbuf, (size_t)len);
	}
	uint64_t d = n->ops->next_deadline(n->ctx);
	if (d == HL_SIM_NEVER || d == n->wake_at)
		return;
	if (d < sim->now)
		d = sim->now;
	n->wake_at = d;
	struct event ev = {.time = d, .kind = EV_WAKE, .node = id};
	if (heap_push(sim, &ev) != 0)
		n->wake_at = HL_SIM_NEVER; /* heap full: node starves; counted below */
}

static void
deliver(struct hl_sim *sim, uint32_t id, struct pkt *p)
{
	struct node *n = &sim->nodes[id];
	sim->st.delivered++;
	n->st.rx_pkts++;
	n->st.rx_bytes += p->len;
	if (n->ops->recv(n->ctx, sim->now, p->from, p->data, p->len) < 0)
		sim->st.recv_errors++;
}

static void
do_tick(struct hl_sim *sim, uint32_t id)
{
	struct node *n = &sim->nodes[id];
	if (n->ops->tick(n->ctx, sim->now) < 0)
		sim->st.tick_errors++;
}

int
hl_sim_poke(struct hl_sim *sim, uint32_t id)
{
	if (id >= sim->n_nodes)
		return -EINVAL;
	struct node *n = &sim->nodes[id];
	n->wake_at = sim->now;
	struct event ev = {.time = sim->now, .kind = EV_WAKE, .node = id};
	return heap_push(sim, &ev);
}

static int
schedule(struct hl_sim *sim, uint64_t at, uint32_t kind, uint32_t id, uint64_t arg)
{
	if (id >= sim->n_nodes)
		return -EINVAL;
	if (at < sim->now)
		return -EINVAL;
	struct event ev = {.time = at, .kind = kind, .node = id, .arg = arg};
	return heap_push(sim, &ev);
}

int
hl_sim_stall_at(struct hl_sim *sim, uint32_t id, uint64_t at, uint64_t dur)
{
	return schedule(sim, at, EV_STALL_START, id, dur);
}

int
hl_sim_rx_pause_at(struct hl_sim *sim, uint32_t id, uint64_t at, uint64_t dur)
{
	return schedule(sim, at, EV_RXPAUSE_START, id, dur);
}

int
hl_sim_crash_at(struct hl_sim *sim, uint32_t id, uint64_t at)
{
	return schedule(sim, at, EV_CRASH, id, 0);
}

int
hl_sim_restart_at(struct hl_sim *sim, uint32_t id, uint64_t at)
{
	if (id < sim->n_nodes && sim->nodes[id].ops->restart == NULL)
		return -ENOTSUP;
	return schedule(sim, at, EV_RESTART, id, 0);
}

int
hl_sim_call_at(struct hl_sim *sim, uint64_t at, void (*fn)(struct hl_sim *, void *), void *arg)
{
	if (at < sim->now || fn == NULL)
		return -EINVAL;
	struct event ev = {.time = at, .kind = EV_CALL, .fn = fn, .ptr = arg};
	return heap_push(sim, &ev);
}

int
hl_sim_add_invariant(struct hl_sim *sim, hl_sim_invariant_fn fn, void *arg)
{
	if (sim->n_inv >= MAX_INVARIANTS)
		return -ENOSPC;
	sim->inv[sim->n_inv].fn = fn;
	sim->inv[sim->n_inv].arg = arg;
	sim->n_inv++;
	return 0;
}

/* Hand a node the packets it queued while stalled or paused, in arrival order. */
static void
drain_inbox(struct hl_sim *sim, uint32_t id)
{
	struct node *n = &sim->nodes[id];
	while (n->inbox_head != NULL && n->up) {
		struct pkt *p = n->inbox_head;
		n->inbox_head = p->next;
		if (n->inbox_head == NULL)
			n->inbox_tail = NULL;
		n->inbox_len--;
		deliver(sim, id, p);
		free(p);
		service(sim, id); /* drain replies so the node's queue cannot overflow */
	}
}

/* Process one event; returns false for a stale wake-up (not part of the trace). */
static bool
process(struct hl_sim *sim, struct event *ev)
{
	struct node *n = ev->node < sim->n_nodes ? &sim->nodes[ev->node] : NULL;
	uint64_t h = mix64(mix64(ev->time, ev->kind), ev->node);
	switch (ev->kind) {
	case EV_DELIVER: {
		struct pkt *p = ev->ptr;
		h = mix64(mix64(h, p->from), fnv1a(p->data, p->len));
		if (!n->up) {
			sim->st.dropped_down++;
			free(p);
			break;
		}
		if (n->stall_depth > 0 || n->rxpause_depth > 0) {
			if (n->inbox_len >= sim->cfg.inbox_max) {
				sim->st.dropped_queue++;
				free(p);
				break;
			}
			if (n->inbox_tail != NULL)
				n->inbox_tail->next = p;
			else
				n->inbox_head = p;
			n->inbox_tail = p;
			n->inbox_len++;
			break;
		}
		deliver(sim, ev->node, p);
		free(p);
		service(sim, ev->node);
		break;
	}
	case EV_WAKE:
		if (ev->time != n->wake_at)
			return false;
		n->wake_at = HL_SIM_NEVER;
		if (!n->up || n->stall_depth > 0)
			break; /* a stalled node runs its timers when the stall ends */
		do_tick(sim, ev->node);
		service(sim, ev->node);
		break;
	case EV_STALL_START:
		if (!n->up)
			break;
		n->stall_depth++;
		{
			struct event end = {
			        .time = ev->time + ev->arg, .kind = EV_STALL_END, .node = ev->node};
			if (heap_push(sim, &end) != 0)
				n->stall_depth--;
		}
		break;
	case EV_STALL_END:
		if (n->stall_depth == 0)
			break;
		if (--n->stall_depth > 0)
			break;
		/* The starved process catches up: queued packets in arrival order and overdue
		 * timers, in the order the configuration asks for. */
		if (sim->cfg.stall_timers_first) {
			do_tick(sim, ev->node);
			service(sim, ev->node);
		}
		if (n->rxpause_depth == 0)
			drain_inbox(sim, ev->node);
		if (!sim->cfg.stall_timers_first)
			do_tick(sim, ev->node);
		service(sim, ev->node);
		break;
	case EV_RXPAUSE_START:
		if (!n->up)
			break;
		n->rxpause_depth++;
		{
			struct event end = {.time = ev->time + ev->arg,
			        .kind = EV_RXPAUSE_END,
			        .node = ev->node};
			if (heap_push(sim, &end) != 0)
				n->rxpause_depth--;
		}
		break;
	case EV_RXPAUSE_END:
		if (n->rxpause_depth == 0 || --n->rxpause_depth > 0)
			break;
		if (n->stall_depth == 0 && n->up) {
			drain_inbox(sim, ev->node);
			service(sim, ev->node);
		}
		break;
	case EV_CRASH:
		if (!n->up)
			break;
		n->up = false;
		n->stall_depth = 0;
		n->rxpause_depth = 0;
		n->wake_at = HL_SIM_NEVER;
		inbox_free(n);
		if (n->ops->crash != NULL)
			n->ops->crash(n->ctx);
		break;
	case EV_RESTART:
		if (n->up)
			break;
		n->up = true;
		n->generation++;
		n->busy_until = 0;
		if (n->ops->restart(n->ctx, sim->now, hl_prng_split(&n->net), n->generation) < 0)
			sim->st.tick_errors++;
		service(sim, ev->node);
		break;
	case EV_CALL:
		ev->fn(sim, ev->ptr);
		break;
	}
	sim->trace = mix64(sim->trace, h);
	sim->st.events++;
	return true;
}

static bool
check_invariants(struct hl_sim *sim)
{
	for (uint32_t i = 0; i < sim->n_inv; i++) {
		char msg[200] = "";
		if (sim->inv[i].fn(sim, sim->inv[i].arg, msg, sizeof(msg)) != 0) {
			snprintf(sim->failure, sizeof(sim->failure), "t=%" PRIu64 " ns: %s",
			        sim->now, msg);
			sim->failed = true;
			fprintf(stderr,
			        "SIM INVARIANT FAILED: %s\nreplay with SIM_SEED=0x%016" PRIx64 "\n",
			        sim->failure, sim->cfg.seed);
			return false;
		}
	}
	return true;
}

int
hl_sim_run_until(struct hl_sim *sim, uint64_t deadline, hl_sim_pred_fn pred, void *arg)
{
	if (sim->failed)
		return -EPROTO;
	for (;;) {
		if (pred != NULL && pred(sim, arg))
			return 0;
		if (sim->heap_len == 0 || sim->heap[0].time > deadline) {
			if (deadline > sim->now)
				sim->now = deadline;
			return -ETIMEDOUT;
		}
		struct event ev;
		heap_pop(sim, &ev);
		sim->now = ev.time;
		if (!process(sim, &ev))
			continue;
		if (sim->n_inv > 0 && !check_invariants(sim))
			return -EPROTO;
	}
}

int
hl_sim_run_for(struct hl_sim *sim, uint64_t dur)
{
	int rc = hl_sim_run_until(sim, sim->now + dur, NULL, NULL);
	return rc == -ETIMEDOUT ? 0 : rc;
}
