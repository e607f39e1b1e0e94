/* arp.c — bounded ARP table: expiry, per-destination pending queues, retries with backoff
 * (see hl_arp.h). Linear scans: the table is small (a rack's worth of nodes) and scans touch
 * one cache line per entry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hl_arp.h"

struct hl_arp {
	struct hl_arp_cfg cfg;
	struct hl_arp_ops ops;
	struct hl_arp_stats st;
	uint32_t used;
	struct hl_arp_entry *ent;
	void **pend; /* cfg.entries x cfg.pending_per_dst */
};

void
hl_arp_cfg_default(struct hl_arp_cfg *c)
{
	c->entries = 256;
	c->pending_per_dst = 16;
	c->ttl_ns = 300ull * 1000000000ull;
	c->retry_ns = 50ull * 1000000ull;
	c->retry_max_ns = 1000ull * 1000000ull;
	c->max_tries = 6;
}

int
hl_arp_create(struct hl_arp **out, const struct hl_arp_cfg *cfg, const struct hl_arp_ops *ops)
{
	if (out == NULL || cfg == NULL || ops == NULL || ops->request == NULL ||
	        ops->release == NULL || cfg->entries == 0 || cfg->entries > 4096 ||
	        cfg->pending_per_dst == 0 || cfg->pending_per_dst > 64 || cfg->ttl_ns == 0 ||
	        cfg->retry_ns == 0 || cfg->retry_max_ns < cfg->retry_ns || cfg->max_tries == 0 ||
	        cfg->max_tries > 32)
		return -EINVAL;
	struct hl_arp *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->ent = calloc(cfg->entries, sizeof(*t->ent));
	t->pend = calloc((size_t)cfg->entries * cfg->pending_per_dst, sizeof(void *));
	if (t->ent == NULL || t->pend == NULL) {
		free(t->ent);
		free(t->pend);
		free(t);
		return -ENOMEM;
	}
	t->cfg = *cfg;
	t->ops = *ops;
	*out = t;
	return 0;
}

static void
entry_free(struct hl_arp *t, struct hl_arp_entry *e, const uint8_t *mac)
{
	void **q = t->pend + (size_t)(e - t->ent) * t->cfg.pending_per_dst;
	uint32_t n = e->npend;
	uint32_t ip = e->ip;
	e->npend = 0;
	if (mac == NULL) {
		memset(e, 0, sizeof(*e));
		t->used--;
		t->st.pending_dropped += n;
	}
	/* Released after the entry is final so that a release callback may queue again. */
	for (uint32_t i = 0; i < n; i++)
		t->ops.release(t->ops.arg, q[i], ip, mac);
}

void
hl_arp_destroy(struct hl_arp *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < t->cfg.entries; i++)
		if (t->ent[i].state != HL_ARP_FREE)
			entry_free(t, &t->ent[i], NULL);
	free(t->ent);
	free(t->pend);
	free(t);
}

static struct hl_arp_entry *
find(const struct hl_arp *t, uint32_t ip)
{
	for (uint32_t i = 0; i < t->cfg.entries; i++)
		if (t->ent[i].state != HL_ARP_FREE && t->ent[i].ip == ip)
			return &t->ent[i];
	return NULL;
}

static struct hl_arp_entry *
alloc_entry(struct hl_arp *t, uint32_t ip)
{
	if (t->used >= t->cfg.entries) {
		t->st.table_full++;
		return NULL;
	}
	for (uint32_t i = 0; i < t->cfg.entries; i++) {
		struct hl_arp_entry *e = &t->ent[i];
		if (e->state == HL_ARP_FREE) {
			memset(e, 0, sizeof(*e));
			e->ip = ip;
			t->used++;
			return e;
		}
	}
	t->st.table_full++;
	return NULL;
}

const uint8_t *
hl_arp_lookup(const struct hl_arp *t, uint32_t ip, uint64_t now_ns)
{
	const struct hl_arp_entry *e = find(t, ip);
	if (e == NULL || e->state != HL_ARP_RESOLVED || now_ns >= e->deadline)
		return NULL;
	return e->mac;
}

int
hl_arp_queue(struct hl_arp *t, uint32_t ip, void *pkt, uint64_t now_ns)
{
	struct hl_arp_entry *e = find(t, ip);
	if (e != NULL && e->state == HL_ARP_RESOLVED) {
		if (now_ns < e->deadline)
			return -EEXIST;
		/* Aged out but not yet reaped: resolve again. */
		t->st.expired++;
		e->state = HL_ARP_PENDING;
		e->tries = 0;
		e->npend = 0;
	}
	bool fresh = false;
	if (e == NULL) {
		e = alloc_entry(t, ip);
		if (e == NULL)
			return -ENOSPC;
		e->state = HL_ARP_PENDING;
		fresh = true;
	}
	if (e->tries == 0)
		fresh = true;
	if (e->npend >= t->cfg.pending_per_dst) {
		t->st.pending_full++;
		return -ENOBUFS;
	}
	t->pend[(size_t)(e - t->ent) * t->cfg.pending_per_dst + e->npend++] = pkt;
	if (fresh) {
		e->tries = 1;
		e->backoff = t->cfg.retry_ns;
		e->deadline = now_ns + e->backoff;
		t->st.requests++;
		t->ops.request(t->ops.arg, ip);
	}
	return 0;
}

int
hl_arp_learn(struct hl_arp *t, uint32_t ip, const uint8_t mac[6], uint64_t now_ns, bool create)
{
	if (ip == 0)
		return 0; /* ARP probes (RFC 5227) carry no sender address */
	struct hl_arp_entry *e = find(t, ip);
	if (e == NULL) {
		if (!create)
			return 0;
		e = alloc_entry(t, ip);
		if (e == NULL)
			return -ENOSPC;
	}
	bool was_pending = e->state == HL_ARP_PENDING;
	memcpy(e->mac, mac, 6);
	e->state = HL_ARP_RESOLVED;
	e->tries = 0;
	e->deadline = now_ns + t->cfg.ttl_ns;
	t->st.learned++;
	if (was_pending) {
		t->st.resolved++;
		entry_free(t, e, e->mac);
	}
	return 1;
}

uint64_t
hl_arp_tick(struct hl_arp *t, uint64_t now_ns)
{
	uint64_t next = UINT64_MAX;
	for (uint32_t i = 0; i < t->cfg.entries && t->used > 0; i++) {
		struct hl_arp_entry *e = &t->ent[i];
		if (e->state == HL_ARP_FREE)
			continue;
		if (now_ns >= e->deadline) {
			if (e->state == HL_ARP_RESOLVED) {
				t->st.expired++;
				entry_free(t, e, NULL);
				continue;
			}
			if (e->tries >= t->cfg.max_tries) {
				t->st.failed++;
				entry_free(t, e, NULL);
				continue;
			}
			e->tries++;
			e->backoff *= 2;
			if (e->backoff > t->cfg.retry_max_ns)
				e->backoff = t->cfg.retry_max_ns;
			e->deadline = now_ns + e->backoff;
			t->st.retries++;
			t->st.requests++;
			t->ops.request(t->ops.arg, e->ip);
		}
		if (e->deadline < next)
			next = e->deadline;
	}
	return next;
}

int
hl_arp_remove(struct hl_arp *t, uint32_t ip)
{
	struct hl_arp_entry *e = find(t, ip);
	if (e == NULL)
		return -ENOENT;
	entry_free(t, e, NULL);
	return 0;
}

uint32_t
hl_arp_count(const struct hl_arp *t)
{
	return t->used;
}

int
hl_arp_get(const struct hl_arp *t, uint32_t ip, struct hl_arp_entry *out)
{
	const struct hl_arp_entry *e = find(t, ip);
	if (e == NULL)
		return -ENOENT;
	*out = *e;
	return 0;
}

const struct hl_arp_stats *
hl_arp_stats(const struct hl_arp *t)
{
	return &t->st;
}
