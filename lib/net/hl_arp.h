/* hl_arp.h — bounded ARP table with entry expiry, a bounded per-destination queue of packets
 * waiting for resolution, and request retries with exponential backoff. DPDK-free: queued
 * packets are opaque pointers handed back to the owner through ops->release. One writer (the
 * lcore that polls the fabric port); no locks.
 *
 * Entry life: FREE -> PENDING (first send to an unknown address: request sent, packets queued)
 * -> RESOLVED (reply or request from it; queue flushed) -> FREE on expiry (ttl after the last
 * time the peer was heard) or hl_arp_remove. PENDING -> FREE after max_tries requests without
 * an answer (queued packets released as dropped).
 * Full behaviour: a new destination when every entry is in use is refused (-ENOSPC, counted);
 * a full per-destination queue refuses the packet (-ENOBUFS, counted). Nothing is evicted. */
#ifndef HL_ARP_H
#define HL_ARP_H

#include <stdbool.h>
#include <stdint.h>

struct hl_arp_cfg {
	uint32_t entries; /* table size (1..4096) */
	uint32_t pending_per_dst; /* packets queued per unresolved destination (1..64) */
	uint64_t ttl_ns; /* a resolved entry expires this long after the peer was last heard */
	uint64_t retry_ns; /* first request retry; doubles per try */
	uint64_t retry_max_ns; /* backoff cap */
	uint32_t max_tries; /* requests sent before giving up (1..32) */
};

/** Defaults: 256 entries, 16 pending per destination, ttl 300 s, retry 50 ms doubling to 1 s,
 * 6 tries. */
void hl_arp_cfg_default(struct hl_arp_cfg *c);

enum hl_arp_state { HL_ARP_FREE = 0, HL_ARP_PENDING, HL_ARP_RESOLVED };

struct hl_arp_ops {
	/** Send an ARP request for ip (first try and each retry). */
	void (*request)(void *arg, uint32_t ip);
	/** Give back a queued packet: mac != NULL when resolved (send it there), NULL when the
	 * destination failed to resolve or was removed (drop it). */
	void (*release)(void *arg, void *pkt, uint32_t ip, const uint8_t *mac);
	void *arg;
};

struct hl_arp_stats {
	uint64_t requests; /* requests asked of ops->request (first tries + retries) */
	uint64_t retries;
	uint64_t resolved; /* PENDING -> RESOLVED */
	uint64_t learned; /* entries created or refreshed from traffic */
	uint64_t failed; /* PENDING gave up after max_tries */
	uint64_t expired; /* RESOLVED aged out */
	uint64_t table_full; /* new destination refused */
	uint64_t pending_full; /* packet refused: destination queue full */
	uint64_t pending_dropped; /* queued packets released as dropped (failure/removal) */
};

struct hl_arp_entry {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t state; /* enum hl_arp_state */
	uint8_t tries;
	uint64_t deadline; /* RESOLVED: expiry; PENDING: next retry */
	uint64_t backoff;
	uint32_t npend;
};

struct hl_arp;

/** Allocate a table (start-up path). -EINVAL on a bad cfg, -ENOMEM. */
int hl_arp_create(struct hl_arp **out, const struct hl_arp_cfg *cfg, const struct hl_arp_ops *ops);
/** Free the table; queued packets are released as dropped. */
void hl_arp_destroy(struct hl_arp *t);

/** Resolved MAC of ip, or NULL (unknown, pending or expired at now). */
const uint8_t *hl_arp_lookup(const struct hl_arp *t, uint32_t ip, uint64_t now_ns);

/** Queue pkt for ip while it resolves (the caller checked hl_arp_lookup first). Starts the
 * resolution (ops->request) when ip is new. 0 queued, -ENOSPC table full, -ENOBUFS queue full,
 * -EEXIST when ip is already resolved (send directly). */
int hl_arp_queue(struct hl_arp *t, uint32_t ip, void *pkt, uint64_t now_ns);

/** Record ip -> mac heard at now. create=false only refreshes an existing entry (RFC 826
 * merge: ARP traffic not addressed to us must not fill the table). A PENDING entry becomes
 * RESOLVED and its queue is released to ops->release with the MAC. Returns 1 if an entry was
 * created or updated, 0 if ignored, -ENOSPC if the table is full. */
int hl_arp_learn(struct hl_arp *t, uint32_t ip, const uint8_t mac[6], uint64_t now_ns, bool create);

/** Run retries and expiry due at now. Returns the earliest next deadline (UINT64_MAX if none). */
uint64_t hl_arp_tick(struct hl_arp *t, uint64_t now_ns);

/** Remove ip (queued packets released as dropped). 0 or -ENOENT. */
int hl_arp_remove(struct hl_arp *t, uint32_t ip);

/** Entries in use (PENDING + RESOLVED). */
uint32_t hl_arp_count(const struct hl_arp *t);
/** Copy of the entry for ip; -ENOENT if none. */
int hl_arp_get(const struct hl_arp *t, uint32_t ip, struct hl_arp_entry *out);
const struct hl_arp_stats *hl_arp_stats(const struct hl_arp *t);

#endif
