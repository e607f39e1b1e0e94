/* hl_wal.h — local write-ahead log: gates and managers append each job-record version, group-
 * commit it (one write + one fdatasync per batch) before acknowledging, and replay it at restart.
 * DPDK-free; one owner thread per log (no internal locking; a second process is kept out by an
 * exclusive flock on the file).
 *
 * File format (all integers little-endian):
 *
 *   file header, 16 bytes, once at offset 0
 *   +-------------+-------------+-------------+--------------+-----------------------------+
 *   | magic u32   | version u16 | hdr_len u16 | reserved u32 | crc32c u32 (over bytes 0-11)|
 *   | "HLWL"      | 1           | 16          | 0            |                             |
 *   +-------------+-------------+-------------+--------------+-----------------------------+
 *
 *   entry, 20 + len bytes, repeated to the end of the file
 *   +-----------+-----------+-----------+-----------+-----------------+-------------------------+
 *   | len u32   | type u16  | flags u16 | seq u64   | body[len]       | crc32c u32              |
 *   | <= 16 MiB | caller's  | 0 (rsvd)  | > prev    |                 | (over len .. body end)  |
 *   +-----------+-----------+-----------+-----------+-----------------+-------------------------+
 *
 * seq is strictly increasing through the file (the writer makes it contiguous, compaction
 * included); a CRC-valid entry whose seq does not increase, or whose flags are not 0, is
 * corruption, not a torn write.
 *
 * Durability: an entry is durable once hl_wal_commit returned > 0 for the batch holding it (with
 * cfg.sync; without it, it has only reached the page cache). Appended but uncommitted entries
 * may or may not survive a crash; if they do, they are replayed whole or not at all.
 *
 * Recovery verdicts (struct hl_wal_recovery, filled by hl_wal_open and hl_wal_scan):
 *   CLEAN      the file ends exactly after its last valid entry.
 *   TORN_TAIL  invalid bytes after the last valid entry and nothing valid-looking after them:
 *              the normal result of a crash during a commit. hl_wal_open truncates them away.
 *   CORRUPT    bad header (magic, version, CRC, short), an invalid entry followed by what
 *              looks like further valid entries, a CRC-valid entry with a backwards seq or
 *              unknown flags, a tail so full of entry-like headers that checking them would
 *              exceed a work bound (4 x its size + 1 MiB of CRC), or a read error. The caller's state is lost or suspect: it must
 *              sit out of quorums until it has been re-synchronised. hl_wal_open keeps the file
 *              as <path>.corrupt.<n> and starts a fresh empty log.
 * In every verdict the valid prefix has been replayed through apply before hl_wal_open returns.
 *
 * Errors: 0 or a negative errno / -HL_E_* (hl_err.h); every failure is logged (component "wal").
 */
#ifndef HL_WAL_H
#define HL_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_WAL_MAGIC 0x4C574C48u /* "HLWL" as little-endian bytes */
#define HL_WAL_VERSION 1
#define HL_WAL_HDR_LEN 16
#define HL_WAL_ENTRY_HDR 16 /* len, type, flags, seq */
#define HL_WAL_ENTRY_OVERHEAD 20 /* entry header + crc */
/** Format limit on one body: longer len fields are invalid whatever the configuration. */
#define HL_WAL_ENTRY_LIMIT (16u << 20)
/** Longest log path accepted (room is kept for the ".tmp" and ".corrupt.<n>" suffixes). */
#define HL_WAL_PATH_MAX 1024
/** Highest <n> tried for <path>.corrupt.<n>. */
#define HL_WAL_CORRUPT_MAX 9999

struct hl_wal_cfg {
	size_t max_bytes; /* hl_wal_needs_compaction when the file is larger; default 64 MiB */
	size_t max_entry; /* longest body, 1 .. HL_WAL_ENTRY_LIMIT; default 64 KiB */
	size_t max_pending; /* bytes buffered between commits (and compaction's write buffer);
	                     * >= max_entry + HL_WAL_ENTRY_OVERHEAD; default 1 MiB */
	uint32_t max_batch; /* entries per group commit, 1 .. INT32_MAX; default 256 */
	bool sync; /* fdatasync on commit; default true. Compaction always syncs. */
};

/** The defaults above. */
struct hl_wal_cfg hl_wal_cfg_default(void);

enum hl_wal_verdict { HL_WAL_CLEAN = 0, HL_WAL_TORN_TAIL = 1, HL_WAL_CORRUPT = 2 };

/** "CLEAN", "TORN_TAIL", "CORRUPT" ("?" otherwise). */
const char *hl_wal_verdict_name(enum hl_wal_verdict v);

struct hl_wal_recovery {
	enum hl_wal_verdict verdict;
	int reason; /* 0 when CLEAN, else why the scan stopped: -HL_E_TRUNCATED (entry or header
	             * cut short), -HL_E_OVERSIZE (len > HL_WAL_ENTRY_LIMIT), -HL_E_BAD_CRC,
	             * -HL_E_BAD_VALUE (seq not increasing, flags != 0, header fields),
	             * -HL_E_BAD_MAGIC, -HL_E_BAD_VERSION, or -errno of a failed read */
	uint64_t entries; /* replayed through apply */
	uint64_t last_seq; /* seq of the last replayed entry (0: none) */
	uint64_t bytes_valid; /* header + replayed entries (0 when the header is bad) */
	uint64_t bytes_discarded; /* file size - bytes_valid */
	uint64_t resync_offset; /* CORRUPT by a later valid-looking entry: its offset, else 0
	                         * (also 0 when the resync work bound ran out) */
	char aside[HL_WAL_PATH_MAX + 32]; /* CORRUPT (hl_wal_open): where the file was kept */
};

/** Replay callback: one valid entry, in file order. body is valid during the call only.
 * Return 0, or a negative code to stop the replay (hl_wal_open / hl_wal_scan return it). */
typedef int (*hl_wal_apply_fn)(void *arg, uint16_t type, const void *body, uint32_t len);

/** Compaction: snap calls emit once per live entry, in the order they must be replayed;
 * emit returns 0 or a negative code that snap should return (compaction fails with it anyway). */
typedef int (*hl_wal_emit_fn)(void *emit_arg, uint16_t type, const void *body, uint32_t len);
typedef int (*hl_wal_snapshot_fn)(void *arg, hl_wal_emit_fn emit, void *emit_arg);

struct hl_wal;

/** Open (or create) the log at path and replay it through apply (may be NULL).
 * Creates the parent directory (one level, mode 0750) and the file when missing; a new file is
 * written as <path>.tmp, fsynced and renamed, so a crash never leaves a half header. A leftover
 * <path>.tmp (a crash during creation or compaction) is removed first. TORN_TAIL: the file is
 * truncated to bytes_valid and fsynced. CORRUPT: the file is renamed to <path>.corrupt.<n> (the
 * first free n), and a fresh log is created; this is a success (0) and rep says so.
 * rep may be NULL; it is filled as far as the open got, also on failure. *out is NULL on error.
 * Errors: -EINVAL (NULL path/out, empty path, bad cfg), -ENAMETOOLONG (path over
 * HL_WAL_PATH_MAX), -ENOENT (the parent's parent does not exist), -EACCES/-EROFS/-ENOTDIR...
 * (from mkdir/open/rename of the directory or file), -EBUSY (another open file description holds
 * the lock), -ENOMEM, -EEXIST (all <path>.corrupt.<n> taken), -EIO and other -errno from
 * write/fsync/ftruncate, or the negative code apply returned (nonzero positive: -ECANCELED). */
int hl_wal_open(const char *path, const struct hl_wal_cfg *cfg, hl_wal_apply_fn apply, void *arg,
        struct hl_wal **out, struct hl_wal_recovery *rep);

/** Close the log. Pending (uncommitted) entries are dropped, with a warning. NULL is a no-op. */
void hl_wal_close(struct hl_wal *w);

/** Buffer one entry for the next commit (copied; not durable until hl_wal_commit).
 * Errors: -EINVAL (NULL w, or NULL body with len > 0), -EMSGSIZE (len > cfg.max_entry),
 * -ENOSPC (max_batch entries or max_pending bytes already pending: commit first), -EIO (the log
 * has failed). */
int hl_wal_append(struct hl_wal *w, uint16_t type, const void *body, uint32_t len);

/** Group commit: one write of every pending entry, then one fdatasync (cfg.sync).
 * Returns the number of entries committed (0 when none were pending: no write, no sync).
 * Errors: -EIO when the log had already failed; otherwise a write or fdatasync error (-EIO,
 * -ENOSPC, -EFBIG, -EDQUOT ...) marks the log failed, and every later call returns -EIO. The
 * batch may then be partly on disk; reopening replays its whole entries and truncates the rest
 * (every entry carries its own CRC, so a half entry is never taken for valid). */
int hl_wal_commit(struct hl_wal *w);

/** Rewrite the log with only the live entries: snap emits them into <path>.tmp (seqs continue
 * from the log's), which is fsynced and renamed over the log, then the directory is fsynced. A
 * crash at any point leaves the old or the new log complete (open removes a leftover .tmp).
 * Errors: -EINVAL (NULL w or snap), -EIO (log failed), -EBUSY (entries pending: commit first),
 * -EMSGSIZE (an emitted body over max_entry), the negative code snap returned, -errno of the
 * tmp file's open/write/fsync/rename (the old log stays in use, the log has not failed), or
 * -errno of the directory fsync after the rename (the new log is in use and the log is marked
 * failed, since the rename may not be durable). */
int hl_wal_compact(struct hl_wal *w, hl_wal_snapshot_fn snap, void *arg);

/** True when the file is larger than cfg.max_bytes. */
bool hl_wal_needs_compaction(const struct hl_wal *w);

/** Entries appended and not yet committed. */
size_t hl_wal_pending(const struct hl_wal *w);

/** Committed bytes in the file (header included). */
uint64_t hl_wal_size(const struct hl_wal *w);

/** True once a write/fsync error has failed the log. */
bool hl_wal_failed(const struct hl_wal *w);

/* X(name) — counters since open, one list for the struct and its names. */
#define HL_WAL_STATS(X)                                                \
	X(commits) /* commits that wrote at least one entry */         \
	X(entries) /* entries committed (compaction's not included) */ \
	X(bytes) /* bytes written by commits */                        \
	X(fsyncs) /* fdatasync calls (commits and compactions) */      \
	X(fsync_ns_total) /* time in fdatasync */                      \
	X(fsync_ns_max)                                                \
	X(compactions) /* completed */                                 \
	X(append_rejects) /* -EMSGSIZE / -ENOSPC from hl_wal_append */ \
	X(io_errors) /* failed write/fsync/rename calls */

struct hl_wal_stats {
#define HL_WAL_STAT_FIELD(n) uint64_t n;
	HL_WAL_STATS(HL_WAL_STAT_FIELD)
#undef HL_WAL_STAT_FIELD
};

/** Counter names in struct order ("commits", ...), HL_WAL_NSTATS of them. */
extern const char *const hl_wal_stat_names[];
#define HL_WAL_STAT_COUNT(n) +1
#define HL_WAL_NSTATS (0 HL_WAL_STATS(HL_WAL_STAT_COUNT))

/** Copy the counters. */
void hl_wal_get_stats(const struct hl_wal *w, struct hl_wal_stats *out);

/** Recovery scanner on a whole file image in memory (hl_wal_open reads the file and calls it;
 * the fuzzer calls it directly). Replays every valid entry through apply (may be NULL) and
 * fills rep (required); the aside field is left empty. Never reads outside buf[0 .. len).
 * Returns 0 (whatever the verdict), -EINVAL (NULL rep, or NULL buf with len > 0), or the
 * negative code apply returned (rep then describes the scan up to that entry). */
int hl_wal_scan(
        const void *buf, size_t len, hl_wal_apply_fn apply, void *arg, struct hl_wal_recovery *rep);

/* Format helpers for tools, tests and fuzz corpora (the writer uses the same code). */

/** Write the 16-byte file header into out. */
void hl_wal_header_encode(uint8_t out[HL_WAL_HDR_LEN]);

/** Encode one entry into out (cap bytes). Returns its size (len + HL_WAL_ENTRY_OVERHEAD), or
 * -EMSGSIZE (len > HL_WAL_ENTRY_LIMIT), -ENOSPC (cap too small), -EINVAL (NULL out, or NULL body
 * with len > 0). */
int hl_wal_entry_encode(
        uint8_t *out, size_t cap, uint64_t seq, uint16_t type, const void *body, uint32_t len);

#endif
