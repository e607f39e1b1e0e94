/* hl_retry.h — retries of messages that must be delivered (status pushes to a client, final
 * results forwarded to a peer, transfers): exponential backoff with equal jitter from a seeded
 * PRNG, a bounded number of attempts, then a GIVE_UP event so the host hands the message to a
 * peer or declares it failed — never silently dropped (seed-defects D.3, A.4). Sans-IO. */
#ifndef HL_RETRY_H
#define HL_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "hl_idmap.h"
#include "hl_prng.h"

struct hl_retry_cfg {
	uint64_t base_ns; /* first backoff; 500 ms */
	uint64_t cap_ns; /* 30 s */
	uint32_t max_attempts; /* sends in all, the first included; 3 */
	uint32_t max_items;
};

void hl_retry_cfg_default(struct hl_retry_cfg *cfg);

enum hl_retry_ev {
	HL_RETRY_RESEND = 1, /* send it again now (attempt = the send's number, from 2) */
	HL_RETRY_GIVE_UP, /* max_attempts sends unacknowledged: hand off / fail, logged */
};

struct hl_retry_out {
	enum hl_retry_ev ev;
	uint64_t id;
	uint64_t tag; /* caller's context (job, target) */
	uint32_t attempt;
};

struct hl_retry_item {
	uint64_t id, tag, due_ns;
	uint32_t attempt;
};

struct hl_retry {
	struct hl_retry_cfg cfg;
	struct hl_prng *rng;
	struct hl_idmap map;
	struct hl_retry_item *it;
	uint64_t n_give_up;
};

int hl_retry_init(struct hl_retry *r, const struct hl_retry_cfg *cfg, struct hl_prng *rng);
void hl_retry_fini(struct hl_retry *r);

/** The first send of message `id` happened at now_ns: track it. -HL_E_EXISTS, -HL_E_FULL. */
int hl_retry_track(struct hl_retry *r, uint64_t id, uint64_t tag, uint64_t now_ns);

/** Acknowledged: stop tracking. -ENOENT if unknown (late or duplicate ack). */
int hl_retry_done(struct hl_retry *r, uint64_t id);

/** Due items: RESEND (rescheduled) or GIVE_UP (removed). Writes at most cap; returns count. */
size_t hl_retry_tick(struct hl_retry *r, uint64_t now_ns, struct hl_retry_out *out, size_t cap);

uint64_t hl_retry_next_deadline(const struct hl_retry *r);

static inline uint32_t
hl_retry_count(const struct hl_retry *r)
{
	return hl_idmap_count(&r->map);
}

#endif
