/* wal.c — write-ahead log (hl_wal.h): the recovery scanner on a memory image, open/replay/repair,
 * group commit into one pre-allocated buffer, and compaction through <path>.tmp + rename. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hl_err.h"
#include "hl_frame.h"
#include "hl_log.h"
#include "hl_wal.h"

#define WAL_LOG "wal"

struct hl_wal {
	int fd;
	bool failed;
	struct hl_wal_cfg cfg;
	char path[HL_WAL_PATH_MAX];
	char tmp[HL_WAL_PATH_MAX + 8];
	char dir[HL_WAL_PATH_MAX];
	uint64_t size; /* committed bytes (the file's length while not failed) */
	uint64_t next_seq;
	uint8_t *pend; /* cfg.max_pending bytes: encoded pending entries */
	size_t pend_len;
	uint32_t pend_n;
	struct hl_wal_stats st;
};

const char *const hl_wal_stat_names[] = {
#define HL_WAL_STAT_NAME(n) #n,
        HL_WAL_STATS(HL_WAL_STAT_NAME)
#undef HL_WAL_STAT_NAME
};

/* Little-endian loads and stores, byte-wise (any alignment). */
static inline uint16_t
ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t
ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t
ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32);
}

static inline void
st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)v);
	st16(p + 2, (uint16_t)(v >> 16));
}

static inline void
st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct hl_wal_cfg
hl_wal_cfg_default(void)
{
	return (struct hl_wal_cfg){
	        .max_bytes = 64u << 20,
	        .max_entry = 64u << 10,
	        .max_pending = 1u << 20,
	        .max_batch = 256,
	        .sync = true,
	};
}

const char *
hl_wal_verdict_name(enum hl_wal_verdict v)
{
	switch (v) {
	case HL_WAL_CLEAN:
		return "CLEAN";
	case HL_WAL_TORN_TAIL:
		return "TORN_TAIL";
	case HL_WAL_CORRUPT:
		return "CORRUPT";
	}
	return "?";
}

/* ---- format ---- */

void
hl_wal_header_encode(uint8_t out[HL_WAL_HDR_LEN])
{
	st32(out, HL_WAL_MAGIC);
	st16(out + 4, HL_WAL_VERSION);
	st16(out + 6, HL_WAL_HDR_LEN);
	st32(out + 8, 0);
	st32(out + 12, hl_crc32c(out, 12));
}

int
hl_wal_entry_encode(
        uint8_t *out, size_t cap, uint64_t seq, uint16_t type, const void *body, uint32_t len)
{
	if (out == NULL || (body == NULL && len > 0))
		return -EINVAL;
	if (len > HL_WAL_ENTRY_LIMIT)
		return -EMSGSIZE;
	size_t sz = (size_t)len + HL_WAL_ENTRY_OVERHEAD;
	if (cap < sz)
		return -ENOSPC;
	st32(out, len);
	st16(out + 4, type);
	st16(out + 6, 0);
	st64(out + 8, seq);
	if (len > 0)
		memcpy(out + HL_WAL_ENTRY_HDR, body, len);
	st32(out + HL_WAL_ENTRY_HDR + len, hl_crc32c(out, HL_WAL_ENTRY_HDR + (size_t)len));
	return (int)sz;
}

static int
header_check(const uint8_t *p, size_t len)
{
	if (len < HL_WAL_HDR_LEN)
		return -HL_E_TRUNCATED;
	if (ld32(p) != HL_WAL_MAGIC)
		return -HL_E_BAD_MAGIC;
	if (ld32(p + 12) != hl_crc32c(p, 12))
		return -HL_E_BAD_CRC;
	if (ld16(p + 4) != HL_WAL_VERSION)
		return -HL_E_BAD_VERSION;
	if (ld16(p + 6) != HL_WAL_HDR_LEN || ld32(p + 8) != 0)
		return -HL_E_BAD_VALUE;
	return 0;
}

struct entry {
	uint32_t len;
	uint16_t type;
	uint64_t seq;
	const uint8_t *body;
	size_t size; /* on disk */
};

/* Bounds and CRC: what a torn write breaks. 0 or the reason. */
static int
entry_frame(const uint8_t *p, size_t avail, struct entry *e)
{
	if (avail < HL_WAL_ENTRY_OVERHEAD)
		return -HL_E_TRUNCATED;
	e->len = ld32(p);
	if (e->len > HL_WAL_ENTRY_LIMIT)
		return -HL_E_OVERSIZE;
	e->size = (size_t)e->len + HL_WAL_ENTRY_OVERHEAD;
	if (e->size > avail)
		return -HL_E_TRUNCATED;
	if (ld32(p + HL_WAL_ENTRY_HDR + e->len) != hl_crc32c(p, HL_WAL_ENTRY_HDR + (size_t)e->len))
		return -HL_E_BAD_CRC;
	e->type = ld16(p + 4);
	e->seq = ld64(p + 8);
	e->body = p + HL_WAL_ENTRY_HDR;
	return 0;
}

/* Semantics of a CRC-valid entry: what a torn write cannot produce. */
static int
entry_meaning(const uint8_t *p, const struct entry *e, uint64_t last_seq)
{
	if (ld16(p + 6) != 0 || e->seq <= last_seq)
		return -HL_E_BAD_VALUE;
	return 0;
}

/* After an invalid entry at off: does anything at a later offset look like a valid entry
 * continuing the log? The cheap tests run first, so garbage costs about one load per byte; the
 * CRCs computed are bounded (RESYNC_BUDGET), or a crafted tail would make this quadratic. A
 * tail that exhausts the budget is called corrupt (*found = 0): it is no torn write. */
#define RESYNC_BUDGET(tail) (4 * (uint64_t)(tail) + (UINT64_C(1) << 20))

static bool
resync(const uint8_t *p, size_t len, size_t off, uint64_t last_seq, uint64_t *found)
{
	uint64_t budget = RESYNC_BUDGET(len - off);
	for (size_t o = off + 1; o + HL_WAL_ENTRY_OVERHEAD <= len; o++) {
		const uint8_t *q = p + o;
		if (ld16(q + 6) != 0 || ld64(q + 8) <= last_seq || ld32(q) > len - o)
			continue;
		uint64_t cost = (uint64_t)ld32(q) + HL_WAL_ENTRY_HDR;
		if (cost > budget) {
			*found = 0;
			return true;
		}
		budget -= cost;
		struct entry e;
		if (entry_frame(q, len - o, &e) == 0 && entry_meaning(q, &e, last_seq) == 0) {
			*found = o;
			return true;
		}
	}
	return false;
}

int
hl_wal_scan(
        const void *buf, size_t len, hl_wal_apply_fn apply, void *arg, struct hl_wal_recovery *rep)
{
	if (rep == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	memset(rep, 0, sizeof(*rep));
	const uint8_t *p = buf;
	int rc = header_check(p, len);
	if (rc < 0) {
		rep->verdict = HL_WAL_CORRUPT;
		rep->reason = rc;
		rep->bytes_discarded = len;
		return 0;
	}
	size_t off = HL_WAL_HDR_LEN;
	uint64_t last = 0;
	bool meaning_bad = false;
	while (off < len) {
		struct entry e;
		rc = entry_frame(p + off, len - off, &e);
		if (rc == 0) {
			rc = entry_meaning(p + off, &e, last);
			meaning_bad = rc < 0;
		}
		if (rc < 0)
			break;
		if (apply != NULL) {
			int arc = apply(arg, e.type, e.body, e.len);
			if (arc != 0) {
				rep->bytes_valid = off;
				rep->bytes_discarded = len - off;
				return arc < 0 ? arc : -ECANCELED;
			}
		}
		rep->entries++;
		rep->last_seq = last = e.seq;
		off += e.size;
	}
	rep->bytes_valid = off;
	rep->bytes_discarded = len - off;
	if (off == len) {
		rep->verdict = HL_WAL_CLEAN;
		rep->reason = 0;
	} else if (meaning_bad) {
		rep->verdict = HL_WAL_CORRUPT;
		rep->reason = rc;
	} else if (resync(p, len, off, last, &rep->resync_offset)) {
		rep->verdict = HL_WAL_CORRUPT;
		rep->reason = rc;
	} else {
		rep->verdict = HL_WAL_TORN_TAIL;
		rep->reason = rc;
	}
	return 0;
}

/* ---- file helpers ---- */

static int
fail_errno(const char *what, const char *path)
{
	int e = errno != 0 ? errno : EIO;
	HL_LOG(HL_LOG_ERR, WAL_LOG, "%s failed path=%s err=%s", what, path, hl_errname(-e));
	return -e;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno("open directory", dir);
	int rc = 0;
	if (fsync(fd) != 0)
		rc = fail_errno("fsync directory", dir);
	close(fd);
	return rc;
}

static int
write_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int
lock_fd(int fd, const char *path)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "log in use (locked by another open) path=%s", path);
		return -EBUSY;
	}
	return fail_errno("flock", path);
}

/* fdatasync, timed and counted. */
static int
sync_fd(struct hl_wal *w, int fd, const char *path)
{
	uint64_t t0 = now_ns();
	int rc = fdatasync(fd);
	uint64_t dt = now_ns() - t0;
	w->st.fsyncs++;
	w->st.fsync_ns_total += dt;
	if (dt > w->st.fsync_ns_max)
		w->st.fsync_ns_max = dt;
	if (rc != 0) {
		w->st.io_errors++;
		return fail_errno("fdatasync", path);
	}
	return 0;
}

/* Create the empty log: header into <path>.tmp, fsync, rename, fsync the directory. The new fd
 * (locked) replaces w->fd. */
static int
create_fresh(struct hl_wal *w)
{
	uint8_t hdr[HL_WAL_HDR_LEN];
	hl_wal_header_encode(hdr);
	int fd = open(w->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return fail_errno("create", w->tmp);
	int rc = lock_fd(fd, w->tmp);
	if (rc == 0) {
		rc = write_all(fd, hdr, sizeof(hdr), 0);
		if (rc < 0) {
			errno = -rc;
			rc = fail_errno("write header", w->tmp);
		}
	}
	if (rc == 0)
		rc = sync_fd(w, fd, w->tmp);
	if (rc == 0 && rename(w->tmp, w->path) != 0)
		rc = fail_errno("rename new log", w->path);
	if (rc < 0) {
		close(fd);
		unlink(w->tmp);
		return rc;
	}
	rc = fsync_dir(w->dir);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	w->size = HL_WAL_HDR_LEN;
	w->next_seq = 1;
	return 0;
}

/* mkdir of the parent, one level. */
static int
ensure_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			HL_LOG(HL_LOG_ERR, WAL_LOG, "parent is not a directory dir=%s", dir);
			return -ENOTDIR;
		}
		return 0;
	}
	if (errno != ENOENT)
		return fail_errno("stat directory", dir);
	if (mkdir(dir, 0750) == 0) {
		HL_LOG(HL_LOG_INFO, WAL_LOG, "created directory dir=%s", dir);
		return 0;
	}
	if (errno == EEXIST) /* created by someone else meanwhile */
		return 0;
	if (errno == ENOENT) {
		HL_LOG(HL_LOG_ERR, WAL_LOG,
		        "cannot create log directory: its parent does not exist dir=%s", dir);
		return -ENOENT;
	}
	return fail_errno("mkdir", dir);
}

/* Read the whole file. A read error leaves *len_out = bytes read and returns -errno. */
static int
read_file(int fd, const char *path, uint8_t **buf_out, size_t *len_out)
{
	struct stat st;
	*buf_out = NULL;
	*len_out = 0;
	if (fstat(fd, &st) != 0)
		return fail_errno("fstat", path);
	if ((uint64_t)st.st_size > SIZE_MAX - 1) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "log too large to read path=%s size=%jd", path,
		        (intmax_t)st.st_size);
		return -EFBIG;
	}
	size_t sz = (size_t)st.st_size;
	uint8_t *buf = malloc(sz > 0 ? sz : 1);
	if (buf == NULL) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "out of memory reading log path=%s size=%zu", path, sz);
		return -ENOMEM;
	}
	size_t done = 0;
	while (done < sz) {
		ssize_t n = pread(fd, buf + done, sz - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int rc = fail_errno("read", path);
			*buf_out = buf;
			*len_out = done;
			return rc;
		}
		if (n == 0)
			break; /* shrank under us: scan what there is */
		done += (size_t)n;
	}
	*buf_out = buf;
	*len_out = done;
	return 0;
}

/* Keep a corrupt log as <path>.corrupt.<n> (first free n) and start a fresh one. */
static int
set_aside(struct hl_wal *w, struct hl_wal_recovery *rep)
{
	char aside[sizeof(rep->aside)];
	for (unsigned n = 0; n <= HL_WAL_CORRUPT_MAX; n++) {
		snprintf(aside, sizeof(aside), "%s.corrupt.%u", w->path, n);
		struct stat st;
		if (lstat(aside, &st) == 0)
			continue;
		if (errno != ENOENT)
			return fail_errno("stat", aside);
		if (rename(w->path, aside) != 0) {
			w->st.io_errors++;
			return fail_errno("rename corrupt log aside", w->path);
		}
		memcpy(rep->aside, aside, sizeof(aside));
		HL_LOG(HL_LOG_ERR, WAL_LOG,
		        "corrupt log kept aside path=%s aside=%s reason=%s valid=%" PRIu64
		        " discarded=%" PRIu64 " replayed=%" PRIu64 " resync_at=%" PRIu64
		        ": state is suspect, starting an empty log",
		        w->path, aside, hl_errname(rep->reason), rep->bytes_valid,
		        rep->bytes_discarded, rep->entries, rep->resync_offset);
		return create_fresh(w);
	}
	HL_LOG(HL_LOG_ERR, WAL_LOG, "no free name for a corrupt log path=%s max=%u", w->path,
	        HL_WAL_CORRUPT_MAX);
	return -EEXIST;
}

static int
cfg_check(const struct hl_wal_cfg *c)
{
	if (c->max_entry == 0 || c->max_entry > HL_WAL_ENTRY_LIMIT || c->max_batch == 0 ||
	        c->max_batch > INT32_MAX || c->max_pending < c->max_entry + HL_WAL_ENTRY_OVERHEAD) {
		HL_LOG(HL_LOG_ERR, WAL_LOG,
		        "bad config max_entry=%zu max_batch=%" PRIu32 " max_pending=%zu",
		        c->max_entry, c->max_batch, c->max_pending);
		return -EINVAL;
	}
	return 0;
}

static int
set_paths(struct hl_wal *w, const char *path)
{
	size_t n = strlen(path);
	if (n == 0 || path[n - 1] == '/') {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "log path names no file path=%s", path);
		return -EINVAL;
	}
	if (n >= HL_WAL_PATH_MAX) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "log path too long len=%zu max=%d", n,
		        HL_WAL_PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	memcpy(w->path, path, n + 1);
	snprintf(w->tmp, sizeof(w->tmp), "%s.tmp", path);
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		strcpy(w->dir, ".");
	} else if (slash == path) {
		strcpy(w->dir, "/");
	} else {
		memcpy(w->dir, path, (size_t)(slash - path));
		w->dir[slash - path] = '\0';
	}
	return 0;
}

/* Open the existing log, replay, repair. -ENOENT: there is none. */
static int
recover(struct hl_wal *w, hl_wal_apply_fn apply, void *arg, struct hl_wal_recovery *rep)
{
	int fd = open(w->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return fail_errno("open", w->path);
	}
	w->fd = fd;
	int rc = lock_fd(fd, w->path);
	if (rc < 0)
		return rc;
	/* Locked: a leftover .tmp is from a crash, never from a live writer. */
	if (unlink(w->tmp) == 0)
		HL_LOG(HL_LOG_WARN, WAL_LOG,
		        "removed leftover tmp file (crash during compaction) tmp=%s", w->tmp);
	else if (errno != ENOENT)
		return fail_errno("unlink leftover", w->tmp);

	uint8_t *buf;
	size_t len;
	int rrc = read_file(fd, w->path, &buf, &len);
	if (rrc == -ENOMEM || rrc == -EFBIG)
		return rrc;
	if (rrc < 0) {
		/* Unreadable: nothing replayed, the file is kept aside. */
		memset(rep, 0, sizeof(*rep));
		rep->verdict = HL_WAL_CORRUPT;
		rep->reason = rrc;
		rep->bytes_discarded = len;
		free(buf);
		return set_aside(w, rep);
	}
	rc = hl_wal_scan(buf, len, apply, arg, rep);
	free(buf);
	if (rc < 0) {
		HL_LOG(HL_LOG_ERR, WAL_LOG,
		        "replay stopped by the caller path=%s entry=%" PRIu64 " offset=%" PRIu64
		        " err=%s",
		        w->path, rep->entries, rep->bytes_valid, hl_errname(rc));
		return rc;
	}
	switch (rep->verdict) {
	case HL_WAL_CLEAN:
		break;
	case HL_WAL_TORN_TAIL:
		HL_LOG(HL_LOG_WARN, WAL_LOG,
		        "torn tail truncated path=%s valid=%" PRIu64 " discarded=%" PRIu64
		        " reason=%s replayed=%" PRIu64,
		        w->path, rep->bytes_valid, rep->bytes_discarded, hl_errname(rep->reason),
		        rep->entries);
		if (ftruncate(fd, (off_t)rep->bytes_valid) != 0) {
			w->st.io_errors++;
			return fail_errno("ftruncate torn tail", w->path);
		}
		rc = sync_fd(w, fd, w->path);
		if (rc < 0)
			return rc;
		break;
	case HL_WAL_CORRUPT:
		return set_aside(w, rep);
	}
	w->size = rep->bytes_valid;
	w->next_seq = rep->last_seq + 1;
	return 0;
}

int
hl_wal_open(const char *path, const struct hl_wal_cfg *cfg, hl_wal_apply_fn apply, void *arg,
        struct hl_wal **out, struct hl_wal_recovery *rep)
{
	struct hl_wal_recovery local;
	if (rep == NULL)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	if (out == NULL || path == NULL) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "open: NULL %s", out == NULL ? "out" : "path");
		return -EINVAL;
	}
	*out = NULL;
	struct hl_wal_cfg c = cfg != NULL ? *cfg : hl_wal_cfg_default();
	int rc = cfg_check(&c);
	if (rc < 0)
		return rc;
	struct hl_wal *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "out of memory path=%s", path);
		return -ENOMEM;
	}
	w->fd = -1;
	w->cfg = c;
	rc = set_paths(w, path);
	if (rc == 0) {
		w->pend = malloc(c.max_pending);
		if (w->pend == NULL) {
			HL_LOG(HL_LOG_ERR, WAL_LOG, "out of memory path=%s max_pending=%zu", path,
			        c.max_pending);
			rc = -ENOMEM;
		}
	}
	if (rc == 0)
		rc = ensure_dir(w->dir);
	if (rc == 0) {
		rc = recover(w, apply, arg, rep);
		if (rc == -ENOENT) {
			/* No log: a leftover .tmp can only be a half-created one. */
			if (unlink(w->tmp) == 0)
				HL_LOG(HL_LOG_WARN, WAL_LOG, "removed leftover tmp file tmp=%s",
				        w->tmp);
			rc = create_fresh(w);
			if (rc == 0)
				HL_LOG(HL_LOG_INFO, WAL_LOG, "created empty log path=%s", w->path);
			rep->bytes_valid = HL_WAL_HDR_LEN;
		}
	}
	if (rc < 0) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "open failed path=%s err=%s", path, hl_errname(rc));
		if (w->fd >= 0)
			close(w->fd);
		free(w->pend);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void
hl_wal_close(struct hl_wal *w)
{
	if (w == NULL)
		return;
	if (w->pend_n > 0)
		HL_LOG(HL_LOG_WARN, WAL_LOG, "close drops uncommitted entries path=%s n=%" PRIu32,
		        w->path, w->pend_n);
	if (w->fd >= 0 && close(w->fd) != 0)
		fail_errno("close", w->path);
	free(w->pend);
	free(w);
}

static int
failed_err(const struct hl_wal *w, const char *op)
{
	HL_LOG(HL_LOG_ERR, WAL_LOG, "%s refused: log failed earlier path=%s", op, w->path);
	return -EIO;
}

int
hl_wal_append(struct hl_wal *w, uint16_t type, const void *body, uint32_t len)
{
	if (w == NULL || (body == NULL && len > 0)) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "append: NULL %s", w == NULL ? "log" : "body");
		return -EINVAL;
	}
	if (w->failed)
		return failed_err(w, "append");
	if (len > w->cfg.max_entry) {
		w->st.append_rejects++;
		HL_LOG(HL_LOG_WARN, WAL_LOG,
		        "entry too large path=%s type=%u len=%" PRIu32 " max=%zu", w->path, type,
		        len, w->cfg.max_entry);
		return -EMSGSIZE;
	}
	size_t sz = (size_t)len + HL_WAL_ENTRY_OVERHEAD;
	if (w->pend_n >= w->cfg.max_batch || w->cfg.max_pending - w->pend_len < sz) {
		/* Flow control, not a fault: the caller commits and retries. */
		w->st.append_rejects++;
		HL_LOG(HL_LOG_DEBUG, WAL_LOG,
		        "pending full path=%s n=%" PRIu32 " bytes=%zu entry=%zu: commit first",
		        w->path, w->pend_n, w->pend_len, sz);
		return -ENOSPC;
	}
	int rc = hl_wal_entry_encode(w->pend + w->pend_len, w->cfg.max_pending - w->pend_len,
	        w->next_seq, type, body, len);
	if (rc < 0) { /* not reached: bounds checked above */
		HL_LOG(HL_LOG_ERR, WAL_LOG, "encode failed path=%s err=%s", w->path,
		        hl_errname(rc));
		return rc;
	}
	w->pend_len += (size_t)rc;
	w->pend_n++;
	w->next_seq++;
	return 0;
}

static int
mark_failed(struct hl_wal *w, const char *what, int rc)
{
	w->failed = true;
	HL_LOG(HL_LOG_ERR, WAL_LOG,
	        "%s failed path=%s offset=%" PRIu64 " entries=%" PRIu32 " bytes=%zu err=%s: log "
	        "failed, every later call returns EIO",
	        what, w->path, w->size, w->pend_n, w->pend_len, hl_errname(rc));
	w->pend_n = 0;
	w->pend_len = 0;
	return rc;
}

int
hl_wal_commit(struct hl_wal *w)
{
	if (w == NULL) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "commit: NULL log");
		return -EINVAL;
	}
	if (w->failed)
		return failed_err(w, "commit");
	if (w->pend_n == 0)
		return 0;
	int rc = write_all(w->fd, w->pend, w->pend_len, w->size);
	if (rc < 0) {
		w->st.io_errors++;
		return mark_failed(w, "write", rc);
	}
	if (w->cfg.sync) {
		rc = sync_fd(w, w->fd, w->path); /* counts its own error */
		if (rc < 0)
			return mark_failed(w, "fdatasync", rc);
	}
	int n = (int)w->pend_n;
	w->size += w->pend_len;
	w->st.commits++;
	w->st.entries += w->pend_n;
	w->st.bytes += w->pend_len;
	w->pend_n = 0;
	w->pend_len = 0;
	return n;
}

/* ---- compaction ---- */

struct compact {
	struct hl_wal *w;
	int fd;
	uint64_t off; /* bytes written to the tmp file */
	uint64_t seq;
	uint64_t entries;
	size_t buf_len; /* bytes in w->pend (unused by commits while compacting) */
	int err;
};

static int
compact_flush(struct compact *c)
{
	if (c->buf_len == 0)
		return 0;
	int rc = write_all(c->fd, c->w->pend, c->buf_len, c->off);
	if (rc < 0) {
		c->w->st.io_errors++;
		HL_LOG(HL_LOG_ERR, WAL_LOG,
		        "compaction write failed tmp=%s offset=%" PRIu64 " err=%s", c->w->tmp,
		        c->off, hl_errname(rc));
		return rc;
	}
	c->off += c->buf_len;
	c->buf_len = 0;
	return 0;
}

static int
compact_emit(void *arg, uint16_t type, const void *body, uint32_t len)
{
	struct compact *c = arg;
	struct hl_wal *w = c->w;
	if (c->err != 0)
		return c->err;
	if (body == NULL && len > 0) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "compaction emit: NULL body path=%s type=%u", w->path,
		        type);
		return c->err = -EINVAL;
	}
	if (len > w->cfg.max_entry) {
		HL_LOG(HL_LOG_ERR, WAL_LOG,
		        "compaction entry too large path=%s type=%u len=%" PRIu32 " max=%zu",
		        w->path, type, len, w->cfg.max_entry);
		return c->err = -EMSGSIZE;
	}
	size_t sz = (size_t)len + HL_WAL_ENTRY_OVERHEAD;
	if (w->cfg.max_pending - c->buf_len < sz) {
		int rc = compact_flush(c);
		if (rc < 0)
			return c->err = rc;
	}
	int rc = hl_wal_entry_encode(
	        w->pend + c->buf_len, w->cfg.max_pending - c->buf_len, c->seq, type, body, len);
	if (rc < 0) { /* not reached: bounds checked above */
		HL_LOG(HL_LOG_ERR, WAL_LOG, "compaction encode failed path=%s err=%s", w->path,
		        hl_errname(rc));
		return c->err = rc;
	}
	c->buf_len += (size_t)rc;
	c->seq++;
	c->entries++;
	return 0;
}

int
hl_wal_compact(struct hl_wal *w, hl_wal_snapshot_fn snap, void *arg)
{
	if (w == NULL || snap == NULL) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "compact: NULL %s", w == NULL ? "log" : "snapshot");
		return -EINVAL;
	}
	if (w->failed)
		return failed_err(w, "compact");
	if (w->pend_n > 0) {
		HL_LOG(HL_LOG_ERR, WAL_LOG, "compact with uncommitted entries path=%s n=%" PRIu32,
		        w->path, w->pend_n);
		return -EBUSY;
	}
	struct compact c = {.w = w, .fd = -1, .seq = w->next_seq};
	c.fd = open(w->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (c.fd < 0) {
		w->st.io_errors++;
		return fail_errno("create compaction file", w->tmp);
	}
	int rc = lock_fd(c.fd, w->tmp);
	if (rc == 0) {
		hl_wal_header_encode(w->pend);
		c.buf_len = HL_WAL_HDR_LEN;
		rc = snap(arg, compact_emit, &c);
		if (rc == 0 && c.err != 0)
			rc = c.err; /* snap ignored emit's error */
		if (rc < 0 && c.err == 0)
			HL_LOG(HL_LOG_ERR, WAL_LOG, "compaction snapshot failed path=%s err=%s",
			        w->path, hl_errname(rc));
	}
	if (rc == 0)
		rc = compact_flush(&c);
	if (rc == 0)
		rc = sync_fd(w, c.fd, w->tmp);
	if (rc == 0 && rename(w->tmp, w->path) != 0) {
		w->st.io_errors++;
		rc = fail_errno("rename compacted log", w->path);
	}
	if (rc < 0) {
		close(c.fd);
		if (unlink(w->tmp) != 0 && errno != ENOENT)
			fail_errno("unlink compaction file", w->tmp);
		HL_LOG(HL_LOG_ERR, WAL_LOG, "compaction abandoned, old log kept path=%s err=%s",
		        w->path, hl_errname(rc));
		c.buf_len = 0;
		return rc;
	}
	uint64_t old = w->size;
	close(w->fd);
	w->fd = c.fd;
	w->size = c.off;
	w->next_seq = c.seq;
	rc = fsync_dir(w->dir);
	if (rc < 0) {
		w->st.io_errors++;
		return mark_failed(w, "directory fsync after compaction", rc);
	}
	w->st.compactions++;
	HL_LOG(HL_LOG_INFO, WAL_LOG,
	        "compacted path=%s entries=%" PRIu64 " bytes=%" PRIu64 " was=%" PRIu64, w->path,
	        c.entries, c.off, old);
	return 0;
}

bool
hl_wal_needs_compaction(const struct hl_wal *w)
{
	return w->size > w->cfg.max_bytes;
}

size_t
hl_wal_pending(const struct hl_wal *w)
{
	return w->pend_n;
}

uint64_t
hl_wal_size(const struct hl_wal *w)
{
	return w->size;
}

bool
hl_wal_failed(const struct hl_wal *w)
{
	return w->failed;
}

void
hl_wal_get_stats(const struct hl_wal *w, struct hl_wal_stats *out)
{
	*out = w->st;
}
