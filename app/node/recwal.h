/* recwal.h — the durable record log of one tier core on this node (issue 14): every change the
 * core's record store journals (record versions, forgets, tombstones, fetch fences; coord/
 * hl_jrec.h) is appended to <state_dir>/<name>.wal and committed — one fdatasync per batch —
 * before the core's messages leave the node, so nothing is acknowledged that a crash could
 * lose; a restart replays the log into the core. docs/wal.md has the file format and the
 * durability rules. One writer: the control core. */
#ifndef HL_RECWAL_H
#define HL_RECWAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_jrec.h"
#include "hl_wal.h"

/* Replay one entry into the core (hl_gate_restore, hl_manager_restore with the core as arg). */
typedef int (*hl_recwal_restore_fn)(void *core, uint8_t op, uint64_t job, uint64_t token,
        uint64_t version, const void *body, uint32_t len, uint64_t now_ns);
/* Everything durable in the core, for compaction (hl_gate_snapshot, hl_manager_snapshot). */
typedef int (*hl_recwal_snapshot_fn)(void *core, hl_jrec_journal_fn emit, void *arg);

struct hl_recwal {
	struct hl_wal *wal;
	char path[512];
	void *core;
	hl_recwal_restore_fn restore;
	hl_recwal_snapshot_fn snapshot;
	uint64_t now_ns; /* replay time */
	uint64_t compact_bytes; /* compact past this size; 16 MiB */
	bool lost; /* the log was missing after an earlier run, or corrupt: the core is amnesic */
	struct hl_wal_recovery rep;
	uint64_t n_replayed, n_replay_refused, n_append_err, n_commit_err, n_commits, n_compact_err;
};

/** Open <dir>/<name>.wal (dir: the node's state_dir) and replay it into core. ran_before: this node ran this role
 *  before (its election term file exists), so a missing log means lost records. On return
 *  rw->lost says the core must be set amnesic. Errors (with err filled): the log's open errors
 *  (hl_wal_open), -EBADMSG (an entry that is no journal entry). */
int hl_recwal_open(struct hl_recwal *rw, const char *dir, const char *name, bool ran_before,
        void *core, hl_recwal_restore_fn restore, hl_recwal_snapshot_fn snapshot, uint64_t now_ns,
        char *err, size_t errlen);
void hl_recwal_close(struct hl_recwal *rw);

/** One log entry into the core (the replay callback; fuzzed): -EBADMSG for an entry that is no
 *  journal entry (unknown op, shorter than its header, over the record bound); an entry the
 *  core refuses is counted (n_replay_refused) and skipped (0). */
int hl_recwal_apply(void *arg, uint16_t type, const void *body, uint32_t len);

/** The journal for hl_jrec_store_set_journal (arg: the struct hl_recwal). A full batch is
 *  committed first; an error refuses the change (the core does not ack it). */
int hl_recwal_journal(void *arg, uint8_t op, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len);

/** Commit what was appended (call before sending anything the core queued): 0, or the error
 *  (logged, counted; the log is then failed and refuses every later change). */
int hl_recwal_commit(struct hl_recwal *rw);

/** Compact the log when it outgrew its bound (call from the role's tick). */
void hl_recwal_tick(struct hl_recwal *rw);

#endif
