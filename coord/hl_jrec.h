/* hl_jrec.h — job record replication (design.md §6): the job leader appends each new version of
 * a job's record to the tier members and treats it as committed once a quorum of the CONFIGURED
 * members (itself included) stored it; only then is the submission acknowledged or the workflow
 * state change acted on. Members keep the latest version per job, fenced by token, so a deposed
 * leader cannot overwrite its successor. A new job leader reads a quorum and takes the highest
 * (token, version). The record body is opaque here (bounded). Sans-IO. */
#ifndef HL_JREC_H
#define HL_JREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_idmap.h"

#define HL_JREC_BODY_MAX 1280
#define HL_JREC_MAX_PEERS 16

/* ---- member store ---- */
struct hl_jrec {
	uint64_t job, token, version;
	uint32_t len;
	uint8_t body[HL_JREC_BODY_MAX];
};

/* Durability (issue 14): a host that keeps the store on disk (a write-ahead log) sets a journal.
 * The store calls it BEFORE a change takes effect; a negative return refuses the change (the
 * put or forget returns that code and nothing changes), so nothing is acknowledged that the
 * journal did not take. The tier cores journal their own durable facts through the same hook
 * (hl_jrec_journal): tombstones of finished jobs and fetch fences. Replay goes through the
 * cores' restore entry points (hl_gate_restore, hl_manager_restore) with the journal off.
 *
 *  op     | job | token          | version      | body
 *  PUT    | job | record token   | version      | the record body
 *  FORGET | job | 0              | 0            | -
 *  TOMB   | job | 0              | final status | -   (the job finished)
 *  FENCE  | job | fetch token    | 0            | -   (puts below it refused)
 */
enum hl_jrec_jop { HL_JREC_J_PUT = 1, HL_JREC_J_FORGET, HL_JREC_J_TOMB, HL_JREC_J_FENCE };
typedef int (*hl_jrec_journal_fn)(void *arg, uint8_t op, uint64_t job, uint64_t token,
        uint64_t version, const void *body, uint32_t len);

struct hl_jrec_store {
	struct hl_idmap map;
	struct hl_jrec *r;
	uint64_t n_stale;
	hl_jrec_journal_fn journal; /* NULL: in memory only */
	void *journal_arg;
	uint64_t n_journal_refused;
};

int hl_jrec_store_init(struct hl_jrec_store *s, uint32_t max_jobs);
void hl_jrec_store_fini(struct hl_jrec_store *s);

/** Store a version: 0 (stored: ack it), -EALREADY (this or a newer version of the same token is
 *  held: ack it too, idempotent), -HL_E_STALE_TOKEN (a greater token wrote the job: refuse),
 *  -EMSGSIZE (body over HL_JREC_BODY_MAX), -HL_E_FULL, -EINVAL (job 0), or the journal's error
 *  (not stored). */
int hl_jrec_store_put(struct hl_jrec_store *s, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len);

const struct hl_jrec *hl_jrec_store_get(const struct hl_jrec_store *s, uint64_t job);

/** Forget a finished job. -ENOENT, or the journal's error (then nothing changed). */
int hl_jrec_store_forget(struct hl_jrec_store *s, uint64_t job);

/** Set (or with NULL clear) the journal. */
void hl_jrec_store_set_journal(struct hl_jrec_store *s, hl_jrec_journal_fn fn, void *arg);

/** Every stored record as a PUT through emit (compaction); stops at emit's first negative
 *  return and returns it. */
int hl_jrec_store_snapshot(const struct hl_jrec_store *s, hl_jrec_journal_fn emit, void *arg);

/** Journal a fact of the tier core's own (TOMB, FENCE) through the store's journal: 0 when none
 *  is set, else the journal's return (counted and logged when negative). */
int hl_jrec_journal(
        struct hl_jrec_store *s, uint8_t op, uint64_t job, uint64_t token, uint64_t version);

static inline uint32_t
hl_jrec_store_count(const struct hl_jrec_store *s)
{
	return hl_idmap_count(&s->map);
}

/** Among records read from several members (NULL = member had none), the one to rebuild from:
 *  highest token, then highest version. NULL if none. */
const struct hl_jrec *hl_jrec_latest(const struct hl_jrec *const *recs, size_t n);

/* ---- replicator at the job leader ---- */
struct hl_jrec_pending {
	uint64_t job, token, version;
	uint32_t acks; /* bitmap over cfg members */
	uint64_t resend_ns;
	bool committed;
};

struct hl_jrec_repl {
	uint64_t self;
	uint64_t members[HL_JREC_MAX_PEERS];
	uint32_t nmembers;
	uint64_t resend_ns;
	struct hl_idmap map;
	struct hl_jrec_pending *p;
};

/** members: the configured tier, self included. -EINVAL if self is not in it. */
int hl_jrec_repl_init(struct hl_jrec_repl *r, uint64_t self, const uint64_t *members, uint32_t n,
        uint32_t max_jobs, uint64_t resend_ns);
void hl_jrec_repl_fini(struct hl_jrec_repl *r);

/** A new version was written locally (self counts as one ack) and sent to every other member.
 *  Replaces an older pending version of the job. -HL_E_FULL. */
int hl_jrec_repl_begin(
        struct hl_jrec_repl *r, uint64_t job, uint64_t token, uint64_t version, uint64_t now_ns);

/** A member stored (job, version): returns 1 the first time the version reaches a quorum
 *  (committed: acknowledge the client / act), 0 otherwise; acks of other versions or from
 *  non-members are ignored (0). */
int hl_jrec_repl_ack(struct hl_jrec_repl *r, uint64_t job, uint64_t version, uint64_t from);

/** Members that have not acked the pending version of a job yet and are due a resend: writes
 *  up to cap (job, member) pairs. Returns the count. */
size_t hl_jrec_repl_resends(
        struct hl_jrec_repl *r, uint64_t now_ns, uint64_t *jobs, uint64_t *to, size_t cap);

bool hl_jrec_repl_committed(const struct hl_jrec_repl *r, uint64_t job, uint64_t version);

/** Forget a job's replication state (job end or leadership lost). -ENOENT. */
int hl_jrec_repl_forget(struct hl_jrec_repl *r, uint64_t job);

static inline uint32_t
hl_jrec_repl_count(const struct hl_jrec_repl *r)
{
	return hl_idmap_count(&r->map);
}

#endif
