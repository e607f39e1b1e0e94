/* hl_lease.h — job leases and fencing tokens: the issuer table kept by the tier leader, the
 * holder side kept by every member that may lead jobs, and the receiver-side fence. Sans-IO. */
#ifndef HL_LEASE_H
#define HL_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_idmap.h"

/* Fencing token: (tier-leader term << 32) | per-term counter. A new term always dominates every
 * token of older terms, so a new tier leader never needs the old counter to issue greater tokens.
 *
 *   63                32 31                 0
 *  +--------------------+--------------------+
 *  |  leader term       |  issue counter     |
 *  +--------------------+--------------------+
 */
static inline uint64_t
hl_fence_make(uint32_t term, uint32_t counter)
{
	return ((uint64_t)term << 32) | counter;
}

static inline uint32_t
hl_fence_term(uint64_t token)
{
	return (uint32_t)(token >> 32);
}

struct hl_lease_cfg {
	uint64_t duration_ns; /* lease length; default 30 s */
	uint64_t
	        guard_ns; /* holder stops acting this long before the issuer's expiry; default 1 s */
	uint32_t max_jobs; /* leases tracked at once; default 4096 */
	uint32_t max_members; /* eligible members tracked; default 64 */
};

void hl_lease_cfg_default(struct hl_lease_cfg *cfg);

/* A grant as sent to the holder (issue, re-issue, renewal and transfer all produce one). */
struct hl_lease_grant {
	uint64_t job;
	uint64_t holder;
	uint64_t token;
	uint64_t duration_ns;
};

enum hl_lease_ev_kind {
	HL_LEASE_EV_ISSUED, /* first lease for a job */
	HL_LEASE_EV_REISSUED, /* expiry or holder death: new holder, strictly greater token */
	HL_LEASE_EV_ORPHANED, /* expired and no eligible member: retried on every tick */
};

struct hl_lease_event {
	enum hl_lease_ev_kind kind;
	struct hl_lease_grant grant; /* new grant (holder 0 for ORPHANED) */
	uint64_t old_holder;
	uint64_t old_token;
};

/* ---------------------------------------------------------------------------------------------
 * Issuer: the tier leader's table. One writer (the control core of the tier leader).
 */
struct hl_lease_entry {
	uint64_t job;
	uint64_t holder; /* 0 while orphaned */
	uint64_t token;
	uint64_t expires_ns;
};

struct hl_lease_member {
	uint64_t id;
	bool eligible;
};

struct hl_lease_table {
	struct hl_lease_cfg cfg;
	struct hl_idmap map;
	struct hl_lease_entry *e;
	struct hl_lease_member *members;
	uint32_t nmembers;
	uint32_t term; /* 0: not leader, issues nothing */
	uint32_t counter; /* last counter used in term */
	uint64_t scan; /* tick scan position, so a bounded tick makes progress fairly */
	uint64_t grace_until_ns; /* new term: leases of the old term may still run until here */
	uint64_t n_rejected_stale;
};

/** Allocate the table; -EINVAL for a bad cfg, -ENOMEM. */
int hl_lease_table_init(struct hl_lease_table *t, const struct hl_lease_cfg *cfg);
void hl_lease_table_fini(struct hl_lease_table *t);

/** Become issuer for `term` (called when elected). Returns -HL_E_STALE_TOKEN if term is not above
 *  the term of every token already in the table (tokens must only grow). term 0 = stop issuing. */
int hl_lease_set_term(struct hl_lease_table *t, uint32_t term);

/** A new tier leader starts its term knowing nothing of the leases its predecessor granted; each
 *  of them ends at the latest one lease duration after this node's leader lease began (the old
 *  leader's lease ended before). Until then (grace), fresh leases go only to brand-new jobs, and
 *  a holder renewing a lease the table does not know is ADOPTED: re-granted to that same holder
 *  under a new, greater token. After the grace the host re-issues the remaining live jobs. */
void hl_lease_start_grace(struct hl_lease_table *t, uint64_t now_ns);

/** Adopt a renewal of an unknown job during the grace (see above). -EPERM outside the grace,
 *  -HL_E_EXISTS if the job has a lease here, -ENOENT if holder is not an eligible member,
 *  -HL_E_STALE_TOKEN if old_token is not below the tokens of this term. */
int hl_lease_adopt(struct hl_lease_table *t, uint64_t holder, uint64_t job, uint64_t old_token,
        uint64_t now_ns, struct hl_lease_grant *out);

static inline bool
hl_lease_in_grace(const struct hl_lease_table *t, uint64_t now_ns)
{
	return now_ns < t->grace_until_ns;
}

/** Member set for rendezvous hashing; -ENOSPC if max_members reached, -EINVAL for id 0. Adding a
 *  present member updates its eligibility. */
int hl_lease_member_set(struct hl_lease_table *t, uint64_t id, bool eligible);
/** Remove a member (SWIM says dead, or it left). Its leases are re-issued by the next tick
 *  (holder death); returns -ENOENT if unknown. */
int hl_lease_member_remove(struct hl_lease_table *t, uint64_t id);

/** Rendezvous choice among eligible members, skipping `exclude`; 0 if none. */
uint64_t hl_lease_pick(const struct hl_lease_table *t, uint64_t job, uint64_t exclude);

/** Issue the first lease for a job to `holder` (0 = rendezvous choice). Errors:
 *  -HL_E_NOT_LEADER (no term), -HL_E_EXISTS (job already leased), -HL_E_FULL (table full),
 *  -ENOENT (no eligible member), -EOVERFLOW (counter exhausted in this term), -EINVAL (job 0). */
int hl_lease_issue(struct hl_lease_table *t, uint64_t job, uint64_t holder, uint64_t now_ns,
        struct hl_lease_grant *out);

/* Renewal request item from a holder (one message carries many: batch renewal per holder). */
struct hl_lease_ref {
	uint64_t job;
	uint64_t token;
};

/** Renew a holder's batch: for each item, out_rc[i] = 0 and out[i] the renewed grant, or a
 *  negative code (-HL_E_NOT_FOUND, -HL_E_STALE_TOKEN when the token or holder no longer matches,
 *  -HL_E_NOT_LEADER). Returns the number of renewed items. */
size_t hl_lease_renew(struct hl_lease_table *t, uint64_t holder, const struct hl_lease_ref *refs,
        size_t n, uint64_t now_ns, struct hl_lease_grant *out, int *out_rc);

/** Release at job end: the entry is removed. -HL_E_NOT_FOUND, -HL_E_STALE_TOKEN (token does not
 *  match the current one: a stale holder cannot release its successor's lease). */
int hl_lease_release(struct hl_lease_table *t, uint64_t job, uint64_t token);

/** Transfer on handoff: new holder, strictly greater token. -HL_E_STALE_TOKEN if `token` is not
 *  the current one, -ENOENT if new_holder is not an eligible member. */
int hl_lease_transfer(struct hl_lease_table *t, uint64_t job, uint64_t token, uint64_t new_holder,
        uint64_t now_ns, struct hl_lease_grant *out);

/** Expire and re-issue: leases past expiry, or whose holder is no longer a member, get a new
 *  holder and a greater token. Writes at most cap events; returns the count. Entries beyond cap
 *  are handled by the next call (nothing is dropped). */
size_t
hl_lease_tick(struct hl_lease_table *t, uint64_t now_ns, struct hl_lease_event *ev, size_t cap);

/** Earliest expiry in the table, UINT64_MAX if none (for the host's timer). */
uint64_t hl_lease_next_deadline(const struct hl_lease_table *t);

const struct hl_lease_entry *hl_lease_find(const struct hl_lease_table *t, uint64_t job);

static inline uint32_t
hl_lease_count(const struct hl_lease_table *t)
{
	return hl_idmap_count(&t->map);
}

/* ---------------------------------------------------------------------------------------------
 * Holder: the leases this member holds. It acts for a job only while its local view is valid.
 * The local expiry is measured from when the renewal was SENT, minus a guard, so it always ends
 * before the issuer's expiry (measured from when the request was received).
 */
struct hl_lease_held {
	uint64_t job;
	uint64_t token;
	uint64_t expires_ns; /* local: stop acting at this time */
	uint64_t renew_sent_ns; /* send time of the last renewal request, 0 if none outstanding */
};

struct hl_lease_holder {
	struct hl_lease_cfg cfg;
	uint64_t self;
	struct hl_idmap map;
	struct hl_lease_held *h;
	uint64_t n_rejected_stale;
};

int hl_lease_holder_init(struct hl_lease_holder *h, uint64_t self, const struct hl_lease_cfg *cfg);
void hl_lease_holder_fini(struct hl_lease_holder *h);

/** Apply a grant received from the issuer. `req_sent_ns` is when the request it answers was sent
 *  (for an unsolicited issue/transfer pass the issue time the issuer stamped, or now_ns - guard).
 *  Errors: -HL_E_STALE_TOKEN (token below the one held), -EINVAL (grant for another holder),
 *  -HL_E_FULL. */
int hl_lease_holder_apply(
        struct hl_lease_holder *h, const struct hl_lease_grant *g, uint64_t req_sent_ns);

/** True while this member may act as job leader for job; *token gets the token to stamp. */
bool hl_lease_holder_valid(
        const struct hl_lease_holder *h, uint64_t job, uint64_t now_ns, uint64_t *token);

/** Build one batch renewal for everything in its second half of life; returns the count and
 *  marks them as sent at now_ns. */
size_t hl_lease_holder_renewals(
        struct hl_lease_holder *h, uint64_t now_ns, struct hl_lease_ref *out, size_t cap);

/** Drop expired leases (the holder stops acting); writes the dropped jobs, returns the count. */
size_t
hl_lease_holder_tick(struct hl_lease_holder *h, uint64_t now_ns, uint64_t *dropped, size_t cap);

/** Forget a job (released at job end, or transferred away). -ENOENT if absent. */
int hl_lease_holder_drop(struct hl_lease_holder *h, uint64_t job);

static inline uint32_t
hl_lease_holder_count(const struct hl_lease_holder *h)
{
	return hl_idmap_count(&h->map);
}

/* ---------------------------------------------------------------------------------------------
 * Fence: what a receiver accepts. A message for a job with a token below the highest seen is
 * rejected; claims and transfers need a strictly greater token.
 */
struct hl_fence {
	struct hl_idmap map;
	uint64_t *top;
	uint64_t n_rejected;
};

int hl_fence_init(struct hl_fence *f, uint32_t max_jobs);
void hl_fence_fini(struct hl_fence *f);

/** Accept a message carrying token: 0 (and the highest seen raised) or -HL_E_STALE_TOKEN.
 *  An unknown job is tracked from here on (-HL_E_FULL if the table is full). */
int hl_fence_check(struct hl_fence *f, uint64_t job, uint64_t token);
/** Same, for a claim or transfer: token must be strictly above the highest seen. */
int hl_fence_check_strict(struct hl_fence *f, uint64_t job, uint64_t token);
/** Highest token seen for job, 0 if none. */
uint64_t hl_fence_top(const struct hl_fence *f, uint64_t job);
/** Forget a job at its end; -ENOENT if absent. */
int hl_fence_forget(struct hl_fence *f, uint64_t job);

static inline uint32_t
hl_fence_count(const struct hl_fence *f)
{
	return hl_idmap_count(&f->map);
}

/* ---------------------------------------------------------------------------------------------
 * Invariant checker (sim and unit tests): at most one valid lease holder per (job, token), and
 * the tokens granted for a job only grow.
 */
struct hl_lease_checker {
	struct hl_idmap map;
	uint64_t *last; /* last token granted per job */
	uint64_t violations;
	char why[160];
};

int hl_lease_checker_init(struct hl_lease_checker *c, uint32_t max_jobs);
void hl_lease_checker_fini(struct hl_lease_checker *c);

/** Note a grant: a new issue/re-issue/transfer must be strictly greater than the last token for
 *  the job, a renewal (renewal = true) equal to it. Returns 0 or -HL_E_STALE_TOKEN (and records
 *  the violation in c->why). */
int
hl_lease_checker_grant(struct hl_lease_checker *c, const struct hl_lease_grant *g, bool renewal);
/** Forget a job (after its end). */
void hl_lease_checker_forget(struct hl_lease_checker *c, uint64_t job);

/** Over all holders at now_ns: at most one valid holder per (job, token), and no two valid
 *  holders of one job at all unless their tokens differ (the stale one is then fenced). Returns
 *  0 or -EEXIST (violation recorded). */
int hl_lease_check_holders(struct hl_lease_checker *c, const struct hl_lease_holder *const *holders,
        size_t n, uint64_t now_ns);

#endif
