/* swim_cluster.c — SWIM cores as simulator nodes (adapter between hl_sim and hl_swim). */
#include "swim_cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct snode {
	struct swim_cluster *c;
	uint32_t id;
	struct hl_swim *sw;
	bool full; /* sees exactly the up nodes, all alive */
};

struct swim_cluster {
	struct swim_cluster_params p;
	struct hl_sim *sim;
	struct snode *nodes;
	uint32_t n_up, n_full;
	swim_event_fn fn;
	void *arg;
};

void
swim_addr(uint32_t id, struct hl_swim_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->len = 4;
	memcpy(a->b, &id, 4);
}

uint32_t
swim_addr_id(const struct hl_swim_addr *a)
{
	uint32_t id;
	if (a->len != 4)
		return UINT32_MAX;
	memcpy(&id, a->b, 4);
	return id;
}

static void
update_full(struct snode *n)
{
	struct swim_cluster *c = n->c;
	bool full = n->sw != NULL && hl_swim_count(n->sw, HL_SWIM_ALIVE) == c->n_up &&
	            hl_swim_count(n->sw, HL_SWIM_SUSPECT) == 0;
	if (full != n->full) {
		n->full = full;
		if (full)
			c->n_full++;
		else
			c->n_full--;
	}
}

static void
after(struct snode *n, uint64_t now)
{
	struct hl_swim_event ev;
	if (n->sw == NULL)
		return;
	while (hl_swim_next_event(n->sw, &ev) == 1)
		if (n->c->fn != NULL)
			n->c->fn(n->c, n->id, &ev, now, n->c->arg);
	update_full(n);
}

static int
n_recv(void *ctx, uint64_t now, uint32_t from, const uint8_t *buf, size_t len)
{
	struct snode *n = ctx;
	struct hl_swim_addr a;
	swim_addr(from, &a);
	int rc = hl_swim_recv(n->sw, now, &a, buf, len);
	after(n, now);
	return rc;
}

static int
n_tick(void *ctx, uint64_t now)
{
	struct snode *n = ctx;
	int rc = hl_swim_tick(n->sw, now);
	after(n, now);
	return rc;
}

static uint64_t
n_deadline(void *ctx)
{
	struct snode *n = ctx;
	return n->sw ? hl_swim_next_deadline(n->sw) : HL_SIM_NEVER;
}

static int
n_tx(void *ctx, uint64_t now, uint32_t *to, uint8_t *buf, size_t cap)
{
	struct snode *n = ctx;
	struct hl_swim_addr a;
	(void)now;
	int len = hl_swim_next_tx(n->sw, &a, buf, cap);
	if (len > 0)
		*to = swim_addr_id(&a);
	return len;
}

static void
recompute_all(struct swim_cluster *c)
{
	for (uint32_t i = 0; i < c->p.n; i++)
		update_full(&c->nodes[i]);
}

static void
n_crash(void *ctx)
{
	struct snode *n = ctx;
	hl_swim_destroy(n->sw);
	n->sw = NULL;
	n->c->n_up--;
	recompute_all(n->c);
}

static int
create_core(struct snode *n, uint64_t now, uint64_t seed, uint32_t gen)
{
	struct hl_swim_addr self;
	struct hl_swim_meta meta;
	memset(&meta, 0, sizeof(meta));
	meta.roles = HL_SWIM_ROLE_WORKER;
	snprintf(meta.dc, sizeof(meta.dc), "dc1");
	meta.capacity = 8;
	swim_addr(n->id, &self);
	return hl_swim_create(&n->sw, &n->c->p.swim, &self, &meta, gen, seed, now);
}

static int
n_restart(void *ctx, uint64_t now, uint64_t seed, uint32_t gen)
{
	struct snode *n = ctx;
	struct swim_cluster *c = n->c;
	int rc = create_core(n, now, seed, gen);
	if (rc != 0)
		return rc;
	c->n_up++;
	/* Join through random peers that are up (the host's seed list). */
	struct hl_swim_addr seeds[8];
	uint32_t k = c->p.seeds_per_join ? c->p.seeds_per_join : 3, got = 0;
	if (k > 8)
		k = 8;
	for (uint32_t tries = 0; tries < 64 && got < k; tries++) {
		uint32_t s = (uint32_t)hl_prng_below(hl_sim_prng(c->sim), c->p.n);
		if (s != n->id && c->nodes[s].sw != NULL)
			swim_addr(s, &seeds[got++]);
	}
	if (got > 0)
		rc = hl_swim_join(n->sw, now, seeds, got);
	recompute_all(c);
	after(n, now);
	return rc;
}

static const struct hl_sim_node_ops swim_ops = {
        .recv = n_recv,
        .tick = n_tick,
        .next_deadline = n_deadline,
        .next_tx = n_tx,
        .crash = n_crash,
        .restart = n_restart,
};

struct swim_cluster *
swim_cluster_create(const struct swim_cluster_params *p)
{
	struct swim_cluster *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->p = *p;
	struct hl_sim_config sc = {
	        .seed = p->seed,
	        .max_nodes = p->n,
	        .max_packet = p->swim.max_packet,
	        .link = p->link,
	        .quiet = p->quiet,
	};
	c->sim = hl_sim_create(&sc);
	c->nodes = calloc(p->n, sizeof(*c->nodes));
	if (c->sim == NULL || c->nodes == NULL) {
		swim_cluster_destroy(c);
		return NULL;
	}
	for (uint32_t i = 0; i < p->n; i++) {
		struct snode *n = &c->nodes[i];
		n->c = c;
		n->id = i;
		/* The seed the simulator derives for node i is known only after add_node, so
		 * create the core from it right after adding (add_node only schedules a wake). */
		uint32_t id;
		if (hl_sim_add_node(c->sim, &swim_ops, n, &id) != 0 ||
		        create_core(n, 0, hl_sim_node_seed(c->sim, id), 0) != 0) {
			swim_cluster_destroy(c);
			return NULL;
		}
		c->n_up++;
	}
	return c;
}

void
swim_cluster_destroy(struct swim_cluster *c)
{
	if (c == NULL)
		return;
	if (c->nodes != NULL)
		for (uint32_t i = 0; i < c->p.n; i++)
			hl_swim_destroy(c->nodes[i].sw);
	hl_sim_destroy(c->sim);
	free(c->nodes);
	free(c);
}

struct hl_sim *
swim_cluster_sim(struct swim_cluster *c)
{
	return c->sim;
}

uint32_t
swim_cluster_size(const struct swim_cluster *c)
{
	return c->p.n;
}

uint32_t
swim_cluster_up(const struct swim_cluster *c)
{
	return c->n_up;
}

struct hl_swim *
swim_cluster_node(struct swim_cluster *c, uint32_t i)
{
	return i < c->p.n ? c->nodes[i].sw : NULL;
}

void
swim_cluster_on_event(struct swim_cluster *c, swim_event_fn fn, void *arg)
{
	c->fn = fn;
	c->arg = arg;
}

int
swim_cluster_join_all(struct swim_cluster *c)
{
	uint64_t now = hl_sim_now(c->sim);
	for (uint32_t i = 1; i < c->p.n; i++) {
		struct hl_swim_addr seeds[2];
		uint32_t k = 0;
		swim_addr(0, &seeds[k++]);
		if (i > 1)
			swim_addr(i - 1, &seeds[k++]);
		int rc = hl_swim_join(c->nodes[i].sw, now, seeds, k);
		if (rc != 0)
			return rc;
		hl_sim_poke(c->sim, i);
	}
	return 0;
}

static bool
pred_mesh(struct hl_sim *sim, void *arg)
{
	struct swim_cluster *c = arg;
	(void)sim;
	return c->n_full == c->n_up;
}

int
swim_cluster_run_until_mesh(struct swim_cluster *c, uint64_t deadline)
{
	recompute_all(c);
	return hl_sim_run_until(c->sim, deadline, pred_mesh, c);
}

int
swim_cluster_state(struct swim_cluster *c, uint32_t observer, uint32_t subject)
{
	struct hl_swim *sw = swim_cluster_node(c, observer);
	if (sw == NULL)
		return -1;
	struct hl_swim_addr a;
	struct hl_swim_member_info mi;
	swim_addr(subject, &a);
	if (hl_swim_member(sw, &a, &mi) != 0)
		return -1;
	return (int)mi.state;
}

uint32_t
swim_cluster_count_seeing(struct swim_cluster *c, uint32_t subject, int state)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->p.n; i++)
		if (i != subject && c->nodes[i].sw != NULL &&
		        swim_cluster_state(c, i, subject) == state)
			n++;
	return n;
}
