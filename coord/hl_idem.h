/* hl_idem.h — idempotent submission table (AD-40): one job per idempotency key; a duplicate that
 * finds the key PENDING waits for the first submission's outcome; COMMITTED/REJECTED answers are
 * cached for their TTL. Bounded; full = visible rejection, never eviction. Sans-IO. */
#ifndef HL_IDEM_H
#define HL_IDEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_idmap.h"

#define HL_IDEM_KEY_MAX 96 /* "client_id:sequence:nonce" */

struct hl_idem_cfg {
	uint64_t pending_ttl_ns; /* 60 s */
	uint64_t committed_ttl_ns; /* 300 s */
	uint64_t rejected_ttl_ns; /* 60 s */
	uint64_t wait_max_ns; /* a duplicate waits this long for PENDING, then "retry"; 30 s */
	uint32_t max_entries; /* 100 000 */
	uint32_t max_waiters; /* parked duplicates; 4096 */
};

void hl_idem_cfg_default(struct hl_idem_cfg *cfg);

enum hl_idem_state {
	HL_IDEM_FREE = 0,
	HL_IDEM_PENDING,
	HL_IDEM_COMMITTED,
	HL_IDEM_REJECTED,
};

/* What hl_idem_begin() tells the caller to do. */
enum hl_idem_verdict {
	HL_IDEM_NEW = 1, /* first with this key: go ahead, then commit or reject */
	HL_IDEM_WAIT, /* duplicate of a pending one: parked; an event will answer `waiter` */
	HL_IDEM_CACHED, /* answered from the cache: job and code in the result */
};

struct hl_idem_result {
	enum hl_idem_verdict verdict;
	uint64_t job;
	int32_t code; /* REJECTED: the rejection code; COMMITTED: 0 */
};

enum hl_idem_ev_kind {
	HL_IDEM_EV_COMMITTED = 1, /* waiter gets the original's ack (job) */
	HL_IDEM_EV_REJECTED, /* waiter gets the original's rejection (code) */
	HL_IDEM_EV_RETRY, /* waited wait_max (or the pending entry expired): tell it to retry */
};

struct hl_idem_event {
	enum hl_idem_ev_kind kind;
	uint64_t waiter; /* caller's handle for the parked request (connection + request id) */
	uint64_t job;
	int32_t code;
};

struct hl_idem_entry {
	uint8_t key[HL_IDEM_KEY_MAX];
	uint8_t key_len;
	uint8_t state;
	uint64_t job;
	int32_t code;
	uint64_t since_ns; /* entered its current state */
	uint32_t waiters; /* head of its waiter chain, HL_IDMAP_NONE if none */
};

struct hl_idem_waiter {
	uint64_t id;
	uint64_t deadline_ns;
	uint32_t entry; /* HL_IDMAP_NONE while free or queued as an event */
	uint32_t next;
	struct hl_idem_event answer; /* filled when queued */
};

struct hl_idem {
	struct hl_idem_cfg cfg;
	struct hl_idmap map; /* key hash -> entry */
	struct hl_idem_entry *e;
	struct hl_idem_waiter *w;
	uint32_t *w_free;
	uint32_t nw_free;
	uint32_t *ev; /* ring of answered waiter slots; a slot is freed only when its event is
		       * taken, so the ring (capacity max_waiters) can never overflow */
	uint32_t ev_head, ev_len;
	uint64_t n_collisions, n_full, n_waiters_full, n_swept;
};

int hl_idem_init(struct hl_idem *t, const struct hl_idem_cfg *cfg);
void hl_idem_fini(struct hl_idem *t);

/** One atomic step: look the key up and either create it PENDING for job, park `waiter`, or answer
 *  from the cache. Errors: -EINVAL (empty or over-long key, job 0), -HL_E_FULL (table or waiter
 *  pool full: tell the client to retry later), -EBUSY (hash collision with another key). */
int hl_idem_begin(struct hl_idem *t, const void *key, size_t len, uint64_t job, uint64_t waiter,
        uint64_t now_ns, struct hl_idem_result *r);

/** PENDING -> COMMITTED (job acknowledged) / REJECTED(code); parked duplicates get events.
 *  -HL_E_NOT_FOUND, -EINVAL if not PENDING. */
int hl_idem_commit(struct hl_idem *t, const void *key, size_t len, uint64_t now_ns);
int hl_idem_reject(struct hl_idem *t, const void *key, size_t len, int32_t code, uint64_t now_ns);

/** Remove entries past their TTL and answer waiters past wait_max. Returns entries removed. */
uint32_t hl_idem_sweep(struct hl_idem *t, uint64_t now_ns);

/** Next answer for a parked duplicate: 1 with *ev, 0 if none. */
int hl_idem_next_event(struct hl_idem *t, struct hl_idem_event *ev);

/** State of a key (HL_IDEM_FREE if absent). */
enum hl_idem_state hl_idem_state_of(const struct hl_idem *t, const void *key, size_t len);

static inline uint32_t
hl_idem_count(const struct hl_idem *t)
{
	return hl_idmap_count(&t->map);
}

uint32_t hl_idem_waiting(const struct hl_idem *t);

#endif
