/* recwal.c — a tier core's record store on disk: journal entries to lib/wal, group commit
 * before the core's messages leave, replay at start, compaction from the core's snapshot. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hl_err.h"
#include "hl_log.h"
#include "recwal.h"

/* One journal entry, the WAL entry's type being the op (enum hl_jrec_jop):
 *
 *  job u64 | token u64 | version u64 | body[len - 24] (PUT: the record body)   little-endian
 */
#define ENTRY_HDR 24
#define ENTRY_MAX (ENTRY_HDR + HL_JREC_BODY_MAX)

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int
encode(uint8_t *out, uint64_t job, uint64_t token, uint64_t version, const void *body, uint32_t len)
{
	if (len > HL_JREC_BODY_MAX)
		return -EMSGSIZE;
	put64(out, job);
	put64(out + 8, token);
	put64(out + 16, version);
	if (len > 0)
		memcpy(out + ENTRY_HDR, body, len);
	return (int)(ENTRY_HDR + len);
}

int
hl_recwal_apply(void *arg, uint16_t type, const void *body, uint32_t len)
{
	struct hl_recwal *rw = arg;
	const uint8_t *p = body;
	int rc;

	if (len < ENTRY_HDR || len > ENTRY_MAX || type < HL_JREC_J_PUT || type > HL_JREC_J_FENCE) {
		HL_LOG(HL_LOG_ERR, "recwal", "%s: entry type %u of %u bytes is no journal entry",
		        rw->path, type, len);
		return -EBADMSG;
	}
	rc = rw->restore(rw->core, (uint8_t)type, get64(p), get64(p + 8), get64(p + 16),
	        p + ENTRY_HDR, len - ENTRY_HDR, rw->now_ns);
	if (rc < 0) {
		/* one record the core cannot take (its table full, a body of another version):
		 * counted and logged, the rest of the log still replays */
		rw->n_replay_refused++;
		HL_LOG(HL_LOG_WARN, "recwal", "%s: entry op %u job %016llx not restored: %s",
		        rw->path, type, (unsigned long long)get64(p), hl_errname(rc));
		return 0;
	}
	rw->n_replayed++;
	return 0;
}

int
hl_recwal_open(struct hl_recwal *rw, const char *dir, const char *name, bool ran_before, void *core,
        hl_recwal_restore_fn restore, hl_recwal_snapshot_fn snapshot, uint64_t now_ns, char *err,
        size_t errlen)
{
	struct hl_wal_cfg cfg = hl_wal_cfg_default();
	struct stat st;
	bool existed;
	int rc;

	memset(rw, 0, sizeof(*rw));
	rw->core = core;
	rw->restore = restore;
	rw->snapshot = snapshot;
	rw->now_ns = now_ns;
	snprintf(rw->path, sizeof(rw->path), "%s/%s.wal", dir, name);
	existed = stat(rw->path, &st) == 0;
	cfg.max_entry = ENTRY_MAX;
	rw->compact_bytes = 16u << 20; /* thousands of record versions; compaction keeps the live */
	cfg.max_bytes = rw->compact_bytes;
	if ((rc = hl_wal_open(rw->path, &cfg, hl_recwal_apply, rw, &rw->wal, &rw->rep)) < 0) {
		snprintf(err, errlen, "%s: %s (%s)", rw->path, hl_errname(rc),
		        rc == -EBADMSG ? "an entry that is no job-record journal entry: the log is "
		                         "from another version, or damaged; move it aside to start "
		                         "without it"
		                       : "record log: state_dir must be writable");
		return rc;
	}
	rw->lost = (!existed && ran_before) || rw->rep.verdict == HL_WAL_CORRUPT;
	if (rw->rep.verdict != HL_WAL_CLEAN || rw->lost)
		HL_LOG(rw->lost ? HL_LOG_ERR : HL_LOG_WARN, "recwal",
		        "%s: %s%s, %llu entries replayed, %llu bytes discarded%s%s", rw->path,
		        existed ? hl_wal_verdict_name(rw->rep.verdict) : "missing",
		        rw->lost ? " after an earlier run: records lost" : "",
		        (unsigned long long)rw->rep.entries,
		        (unsigned long long)rw->rep.bytes_discarded,
		        rw->rep.aside[0] ? ", kept as " : "", rw->rep.aside);
	else
		HL_LOG(HL_LOG_INFO, "recwal", "%s: %llu entries replayed (%llu restored)", rw->path,
		        (unsigned long long)rw->rep.entries, (unsigned long long)rw->n_replayed);
	return 0;
}

void
hl_recwal_close(struct hl_recwal *rw)
{
	if (rw->wal != NULL && hl_wal_pending(rw->wal) > 0)
		(void)hl_recwal_commit(rw);
	hl_wal_close(rw->wal);
	rw->wal = NULL;
}

int
hl_recwal_journal(void *arg, uint8_t op, uint64_t job, uint64_t token, uint64_t version,
        const void *body, uint32_t len)
{
	struct hl_recwal *rw = arg;
	uint8_t e[ENTRY_MAX];
	int n = encode(e, job, token, version, body, len), rc;

	if (n < 0 || rw->wal == NULL) {
		rw->n_append_err++;
		return n < 0 ? n : -EIO;
	}
	rc = hl_wal_append(rw->wal, op, e, (uint32_t)n);
	if (rc == -ENOSPC && (rc = hl_recwal_commit(rw)) == 0)
		rc = hl_wal_append(rw->wal, op, e, (uint32_t)n); /* the batch was full */
	if (rc < 0) {
		rw->n_append_err++;
		HL_LOG(HL_LOG_ERR, "recwal", "%s: op %u job %016llx not logged: %s", rw->path, op,
		        (unsigned long long)job, hl_errname(rc));
	}
	return rc < 0 ? rc : 0;
}

int
hl_recwal_commit(struct hl_recwal *rw)
{
	int rc;

	if (rw->wal == NULL || hl_wal_pending(rw->wal) == 0)
		return 0;
	if ((rc = hl_wal_commit(rw->wal)) < 0) {
		rw->n_commit_err++;
		HL_LOG(HL_LOG_ERR, "recwal",
		        "%s: commit failed: %s: the log refuses every change now", rw->path,
		        hl_errname(rc));
		return rc;
	}
	rw->n_commits++;
	return 0;
}

struct snap_ctx {
	hl_wal_emit_fn emit;
	void *emit_arg;
};

static int
snap_emit(void *arg, uint8_t op, uint64_t job, uint64_t token, uint64_t version, const void *body,
        uint32_t len)
{
	struct snap_ctx *c = arg;
	uint8_t e[ENTRY_MAX];
	int n = encode(e, job, token, version, body, len);

	return n < 0 ? n : c->emit(c->emit_arg, op, e, (uint32_t)n);
}

static int
snap(void *arg, hl_wal_emit_fn emit, void *emit_arg)
{
	struct hl_recwal *rw = arg;
	struct snap_ctx c = {emit, emit_arg};

	return rw->snapshot(rw->core, snap_emit, &c);
}

void
hl_recwal_tick(struct hl_recwal *rw)
{
	int rc;

	if (rw->wal == NULL || hl_wal_size(rw->wal) <= rw->compact_bytes ||
	        hl_recwal_commit(rw) < 0)
		return;
	if ((rc = hl_wal_compact(rw->wal, snap, rw)) < 0) {
		rw->n_compact_err++;
		HL_LOG(HL_LOG_ERR, "recwal", "%s: compaction failed: %s", rw->path, hl_errname(rc));
	}
}
