/* test_wal.c — lib/wal: round trip, a crash (truncation) at every byte of the last batch, a
 * flipped byte at every byte of it, corruption in the middle, hostile files, compaction and its
 * crash leftovers, argument and I/O errors (a real short write via RLIMIT_FSIZE). Everything
 * runs in a mkdtemp directory under /tmp, removed at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hl_err.h"
#include "hl_frame.h"
#include "hl_log.h"
#include "hl_wal.h"

#define MAX_RECS 256
#define MAX_BODY 1024

static char g_dir[256];

/* ---- log capture: count lines, keep the last error ---- */

static unsigned g_errs;
static char g_last_err[HL_LOG_LINE_MAX];

static void
capture_sink(void *arg, enum hl_log_level level, const char *component, const char *line)
{
	(void)arg;
	(void)component;
	if (level == HL_LOG_ERR) {
		g_errs++;
		snprintf(g_last_err, sizeof(g_last_err), "%s", line);
	}
	if (getenv("WAL_TEST_VERBOSE") != NULL)
		fprintf(stderr, "%s wal: %s\n", hl_log_level_name(level), line);
}

/* ---- records: what was written, what was replayed ---- */

struct rec {
	uint16_t type;
	uint32_t len;
	uint8_t body[MAX_BODY];
};

struct recs {
	unsigned n;
	struct rec r[MAX_RECS];
	int fail_at; /* apply returns -ENOMEM at this index (-1: never) */
};

static struct recs g_got, g_want;

static int
collect(void *arg, uint16_t type, const void *body, uint32_t len)
{
	struct recs *rs = arg;
	if (rs->fail_at >= 0 && rs->n == (unsigned)rs->fail_at)
		return -ENOMEM;
	assert_true(rs->n < MAX_RECS);
	assert_true(len <= MAX_BODY);
	struct rec *r = &rs->r[rs->n++];
	r->type = type;
	r->len = len;
	if (len > 0)
		memcpy(r->body, body, len);
	return 0;
}

static void
recs_reset(struct recs *rs)
{
	rs->n = 0;
	rs->fail_at = -1;
}

/* Deterministic entry i: type and length vary, some bodies empty. */
static void
make_rec(unsigned i, struct rec *r)
{
	r->type = (uint16_t)(i * 7 + 1);
	r->len = (i % 6 == 0) ? 0 : (i * 37) % 150 + 1;
	for (uint32_t k = 0; k < r->len; k++)
		r->body[k] = (uint8_t)(i * 31 + k * 3 + 0x40);
}

static void
append_rec(struct hl_wal *w, unsigned i)
{
	struct rec *r = &g_want.r[g_want.n++];
	make_rec(i, r);
	assert_int_equal(hl_wal_append(w, r->type, r->body, r->len), 0);
}

/* got[0..n) == want[0..n) and got has exactly n */
static void
assert_prefix(const struct recs *got, const struct recs *want, unsigned n)
{
	assert_int_equal(got->n, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(got->r[i].type, want->r[i].type);
		assert_int_equal(got->r[i].len, want->r[i].len);
		assert_memory_equal(got->r[i].body, want->r[i].body, want->r[i].len);
	}
}

/* ---- files ---- */

static void
path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", g_dir, name);
}

static size_t
file_read(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void
file_write(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static bool
file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static long
file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_size;
}

/* Remove path and its .tmp / .corrupt.<n> companions. */
static void
remove_log(const char *path)
{
	char p[512];
	unlink(path);
	snprintf(p, sizeof(p), "%s.tmp", path);
	unlink(p);
	for (int n = 0; n < 8; n++) {
		snprintf(p, sizeof(p), "%s.corrupt.%d", path, n);
		unlink(p);
	}
}

static struct hl_wal_cfg
quick_cfg(void)
{
	struct hl_wal_cfg c = hl_wal_cfg_default();
	c.sync = false; /* the loops open thousands of logs; durability is tested with sync on */
	return c;
}

static struct hl_wal *
open_ok(const char *path, const struct hl_wal_cfg *cfg, struct hl_wal_recovery *rep)
{
	struct hl_wal *w = NULL;
	recs_reset(&g_got);
	int rc = hl_wal_open(path, cfg, collect, &g_got, &w, rep);
	if (rc != 0)
		fail_msg("open %s: %s (%s)", path, hl_errname(rc), g_last_err);
	assert_non_null(w);
	return w;
}

/* ---- setup ---- */

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(p, 0700);
	return remove(p);
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/hl_wal_test.XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	hl_log_set_sink(capture_sink, NULL);
	hl_log_set_rate(0, 1);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	hl_log_set_sink(NULL, NULL);
	return nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- tests ---- */

static void
test_defaults_and_names(void **state)
{
	(void)state;
	struct hl_wal_cfg c = hl_wal_cfg_default();
	assert_int_equal(c.max_bytes, 64u << 20);
	assert_int_equal(c.max_entry, 64u << 10);
	assert_true(c.max_batch > 0);
	assert_true(c.max_pending >= c.max_entry + HL_WAL_ENTRY_OVERHEAD);
	assert_true(c.sync);
	assert_string_equal(hl_wal_verdict_name(HL_WAL_CLEAN), "CLEAN");
	assert_string_equal(hl_wal_verdict_name(HL_WAL_TORN_TAIL), "TORN_TAIL");
	assert_string_equal(hl_wal_verdict_name(HL_WAL_CORRUPT), "CORRUPT");
	assert_string_equal(hl_wal_verdict_name((enum hl_wal_verdict)9), "?");
	assert_int_equal(HL_WAL_NSTATS, sizeof(struct hl_wal_stats) / sizeof(uint64_t));
	assert_string_equal(hl_wal_stat_names[0], "commits");
	assert_string_equal(hl_wal_stat_names[HL_WAL_NSTATS - 1], "io_errors");
}

static void
test_round_trip(void **state)
{
	(void)state;
	char path[512];
	path_of(path, sizeof(path), "rt/wal.log"); /* parent created by open */
	struct hl_wal_cfg cfg = hl_wal_cfg_default(); /* sync on: the real thing */
	struct hl_wal_recovery rep;
	struct hl_wal *w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CLEAN);
	assert_int_equal(rep.entries, 0);
	assert_int_equal(hl_wal_size(w), HL_WAL_HDR_LEN);
	struct stat st;
	char dir[512];
	path_of(dir, sizeof(dir), "rt");
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);

	recs_reset(&g_want);
	unsigned i = 0;
	const unsigned batches[] = {1, 5, 13, 2, 8, 20, 1};
	uint64_t expect_size = HL_WAL_HDR_LEN;
	for (unsigned b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
		for (unsigned k = 0; k < batches[b]; k++, i++) {
			append_rec(w, i);
			expect_size += g_want.r[g_want.n - 1].len + HL_WAL_ENTRY_OVERHEAD;
		}
		assert_int_equal(hl_wal_pending(w), batches[b]);
		assert_int_equal(hl_wal_commit(w), (int)batches[b]);
		assert_int_equal(hl_wal_pending(w), 0);
		assert_int_equal(hl_wal_size(w), expect_size);
	}
	assert_int_equal(hl_wal_commit(w), 0); /* nothing pending: no write */
	struct hl_wal_stats s;
	hl_wal_get_stats(w, &s);
	assert_int_equal(s.commits, 7);
	assert_int_equal(s.entries, i);
	assert_int_equal(s.bytes, expect_size - HL_WAL_HDR_LEN);
	assert_int_equal(s.fsyncs, 7 + 1); /* one per commit, one for the created header */
	assert_true(s.fsync_ns_max <= s.fsync_ns_total);
	assert_int_equal(s.io_errors, 0);
	hl_wal_close(w);
	assert_int_equal(file_size(path), (long)expect_size);

	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CLEAN);
	assert_int_equal(rep.entries, i);
	assert_int_equal(rep.last_seq, i);
	assert_int_equal(rep.bytes_valid, expect_size);
	assert_int_equal(rep.bytes_discarded, 0);
	assert_prefix(&g_got, &g_want, i);
	/* seqs continue after a reopen */
	append_rec(w, i++);
	assert_int_equal(hl_wal_commit(w), 1);
	hl_wal_close(w);
	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CLEAN);
	assert_int_equal(rep.last_seq, i);
	assert_prefix(&g_got, &g_want, i);
	hl_wal_close(w);
}

/* K committed batches; offsets[j] = file offset where entry j ends (offsets[-1] = header). */
struct layout {
	unsigned n; /* entries */
	unsigned last_first; /* index of the last batch's first entry */
	uint64_t end[64];
	uint8_t file[16384];
	size_t len;
};

static void
build_batches(const char *path, struct layout *L)
{
	static const unsigned batches[] = {3, 4, 6};
	struct hl_wal_cfg cfg = quick_cfg();
	struct hl_wal_recovery rep;
	remove_log(path);
	struct hl_wal *w = open_ok(path, &cfg, &rep);
	recs_reset(&g_want);
	uint64_t off = HL_WAL_HDR_LEN;
	unsigned i = 0;
	for (unsigned b = 0; b < 3; b++) {
		if (b == 2)
			L->last_first = i;
		for (unsigned k = 0; k < batches[b]; k++, i++) {
			append_rec(w, i);
			off += g_want.r[i].len + HL_WAL_ENTRY_OVERHEAD;
			L->end[i] = off;
		}
		assert_int_equal(hl_wal_commit(w), (int)batches[b]);
	}
	L->n = i;
	hl_wal_close(w);
	L->len = file_read(path, L->file, sizeof(L->file));
	assert_int_equal(L->len, off);
}

static uint64_t
entry_start(const struct layout *L, unsigned j)
{
	return j == 0 ? HL_WAL_HDR_LEN : L->end[j - 1];
}

/* After a recovery that kept `keep` entries: append two more, reopen, all replayed, CLEAN. */
static void
append_after_recovery(struct hl_wal *w, const char *path, unsigned keep)
{
	struct hl_wal_cfg cfg = quick_cfg();
	struct hl_wal_recovery rep;
	g_want.n = keep;
	append_rec(w, 100);
	append_rec(w, 101);
	assert_int_equal(hl_wal_commit(w), 2);
	hl_wal_close(w);
	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CLEAN);
	assert_prefix(&g_got, &g_want, keep + 2);
	hl_wal_close(w);
}

static void
test_crash_at_every_offset(void **state)
{
	(void)state;
	char src[512], path[512];
	path_of(src, sizeof(src), "crash-src.log");
	path_of(path, sizeof(path), "crash.log");
	static struct layout L;
	build_batches(src, &L);
	static struct recs want_all;
	want_all = g_want;
	struct hl_wal_cfg cfg = quick_cfg();
	uint64_t start = entry_start(&L, L.last_first);
	unsigned cuts = 0;
	for (uint64_t cut = start; cut <= L.len; cut++, cuts++) {
		remove_log(path);
		file_write(path, L.file, cut);
		/* entries wholly before the cut were written: they must come back */
		unsigned keep = 0;
		while (keep < L.n && L.end[keep] <= cut)
			keep++;
		uint64_t valid = entry_start(&L, keep);
		struct hl_wal_recovery rep;
		struct hl_wal *w = open_ok(path, &cfg, &rep);
		g_want = want_all;
		assert_prefix(&g_got, &g_want, keep);
		assert_true(keep >= L.last_first);
		assert_int_equal(rep.entries, keep);
		assert_int_equal(rep.bytes_valid, valid);
		assert_int_equal(rep.bytes_discarded, cut - valid);
		if (cut == valid) {
			assert_int_equal(rep.verdict, HL_WAL_CLEAN);
		} else {
			assert_int_equal(rep.verdict, HL_WAL_TORN_TAIL);
			assert_true(rep.reason == -HL_E_TRUNCATED || rep.reason == -HL_E_BAD_CRC);
		}
		assert_int_equal(file_size(path), (long)valid); /* truncated on disk */
		assert_int_equal(hl_wal_size(w), valid);
		append_after_recovery(w, path, keep);
	}
	assert_int_equal(cuts, L.len - start + 1);
}

static void
test_flip_at_every_offset(void **state)
{
	(void)state;
	char src[512], path[512], aside[600];
	path_of(src, sizeof(src), "flip-src.log");
	path_of(path, sizeof(path), "flip.log");
	snprintf(aside, sizeof(aside), "%s.corrupt.0", path);
	static struct layout L;
	static uint8_t bad[sizeof(L.file)], kept[sizeof(L.file)];
	build_batches(src, &L);
	static struct recs want_all;
	want_all = g_want;
	struct hl_wal_cfg cfg = quick_cfg();
	unsigned corrupt = 0, torn = 0;
	for (uint64_t off = entry_start(&L, L.last_first); off < L.len; off++) {
		remove_log(path);
		memcpy(bad, L.file, L.len);
		bad[off] ^= 0x5a;
		file_write(path, bad, L.len);
		unsigned hit = L.last_first; /* entry holding the flipped byte */
		while (L.end[hit] <= off)
			hit++;
		struct hl_wal_recovery rep;
		struct hl_wal *w = open_ok(path, &cfg, &rep);
		g_want = want_all;
		assert_prefix(&g_got, &g_want, hit); /* it and everything after: not replayed */
		assert_int_equal(rep.bytes_valid, entry_start(&L, hit));
		if (hit == L.n - 1) {
			/* nothing valid after it: indistinguishable from a torn write */
			torn++;
			assert_int_equal(rep.verdict, HL_WAL_TORN_TAIL);
			assert_int_equal(file_size(path), (long)entry_start(&L, hit));
			append_after_recovery(w, path, hit);
		} else {
			corrupt++;
			assert_int_equal(rep.verdict, HL_WAL_CORRUPT);
			assert_int_equal(rep.resync_offset, entry_start(&L, hit + 1));
			assert_string_equal(rep.aside, aside);
			assert_int_equal(file_read(aside, kept, sizeof(kept)), L.len);
			assert_memory_equal(kept, bad, L.len); /* kept as found */
			assert_int_equal(hl_wal_size(w), HL_WAL_HDR_LEN); /* fresh log */
			append_after_recovery(w, path, 0);
		}
	}
	assert_true(corrupt > 0 && torn > 0);
}

static void
test_corrupt_middle(void **state)
{
	(void)state;
	char path[512], aside[600];
	path_of(path, sizeof(path), "mid.log");
	static struct layout L;
	build_batches(path, &L);
	struct hl_wal_cfg cfg = quick_cfg();
	for (int round = 0; round < 2; round++) {
		/* flip a body byte of entry 1 (first batch): entries 2.. still look valid */
		static uint8_t buf[sizeof(L.file)];
		memcpy(buf, L.file, L.len);
		buf[entry_start(&L, 1) + HL_WAL_ENTRY_HDR] ^= 1;
		file_write(path, buf, L.len);
		unsigned errs = g_errs;
		struct hl_wal_recovery rep;
		struct hl_wal *w = open_ok(path, &cfg, &rep);
		assert_int_equal(rep.verdict, HL_WAL_CORRUPT);
		assert_int_equal(rep.reason, -HL_E_BAD_CRC);
		assert_int_equal(rep.entries, 1);
		assert_int_equal(rep.bytes_valid, entry_start(&L, 1));
		assert_int_equal(rep.bytes_discarded, L.len - entry_start(&L, 1));
		snprintf(aside, sizeof(aside), "%s.corrupt.%d", path, round);
		assert_string_equal(rep.aside, aside);
		assert_true(file_exists(aside));
		assert_int_equal(file_size(aside), (long)L.len);
		assert_true(g_errs > errs); /* logged, with the aside path */
		assert_non_null(strstr(g_last_err, aside));
		/* the fresh log is usable */
		assert_int_equal(file_size(path), HL_WAL_HDR_LEN);
		append_after_recovery(w, path, 0);
	}
	remove_log(path);
}

/* A file image: header + entries with chosen seqs, then raw bytes. */
struct img {
	uint8_t b[4096];
	size_t n;
};

static void
img_init(struct img *m)
{
	hl_wal_header_encode(m->b);
	m->n = HL_WAL_HDR_LEN;
}

static void
img_entry(struct img *m, uint64_t seq, uint16_t type, const char *body)
{
	int rc = hl_wal_entry_encode(
	        m->b + m->n, sizeof(m->b) - m->n, seq, type, body, (uint32_t)strlen(body));
	assert_true(rc > 0);
	m->n += (size_t)rc;
}

static void
st32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
img_raw(struct img *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
scan_expect(const struct img *m, enum hl_wal_verdict v, int reason, uint64_t entries)
{
	struct hl_wal_recovery rep;
	recs_reset(&g_got);
	assert_int_equal(hl_wal_scan(m->b, m->n, collect, &g_got, &rep), 0);
	assert_int_equal(rep.verdict, v);
	assert_int_equal(rep.reason, reason);
	assert_int_equal(rep.entries, entries);
	assert_int_equal(g_got.n, entries);
	assert_int_equal(rep.bytes_valid + rep.bytes_discarded, m->n);
}

static void
test_hostile_inputs(void **state)
{
	(void)state;
	struct img m;
	/* header only */
	img_init(&m);
	scan_expect(&m, HL_WAL_CLEAN, 0, 0);
	/* zero-length and short files: no header */
	m.n = 0;
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_TRUNCATED, 0);
	m.n = HL_WAL_HDR_LEN - 1;
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_TRUNCATED, 0);
	/* bad magic; bad version (with a right header CRC); bad header CRC */
	img_init(&m);
	m.b[0] ^= 0xff;
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_BAD_MAGIC, 0);
	img_init(&m);
	img_entry(&m, 1, 1, "x");
	m.b[4] = 2;
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_BAD_CRC, 0);
	st32le(m.b + 12, hl_crc32c(m.b, 12));
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_BAD_VERSION, 0);
	/* huge len field, with nothing / with valid entries after it */
	static const uint8_t huge[20] = {0xf0, 0xff, 0xff, 0xff, 1, 0, 0, 0, 3};
	img_init(&m);
	img_entry(&m, 1, 1, "one");
	img_entry(&m, 2, 1, "two");
	img_raw(&m, huge, sizeof(huge));
	scan_expect(&m, HL_WAL_TORN_TAIL, -HL_E_OVERSIZE, 2);
	img_entry(&m, 4, 1, "four");
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_OVERSIZE, 2);
	/* len pointing past EOF */
	static const uint8_t past[24] = {100, 0, 0, 0, 1, 0, 0, 0, 3};
	img_init(&m);
	img_entry(&m, 1, 1, "one");
	img_raw(&m, past, sizeof(past));
	scan_expect(&m, HL_WAL_TORN_TAIL, -HL_E_TRUNCATED, 1);
	/* seq going backwards / repeating: CRC-valid, so corruption even at the end */
	img_init(&m);
	img_entry(&m, 1, 1, "a");
	img_entry(&m, 2, 1, "b");
	img_entry(&m, 3, 1, "c");
	img_entry(&m, 2, 1, "b again");
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_BAD_VALUE, 3);
	img_init(&m);
	img_entry(&m, 5, 1, "a");
	img_entry(&m, 5, 1, "a");
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_BAD_VALUE, 1);
	img_init(&m);
	img_entry(&m, 0, 1, "seq 0");
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_BAD_VALUE, 0);
	/* gaps are allowed (strictly increasing), reserved flags are not */
	img_init(&m);
	img_entry(&m, 1, 1, "a");
	img_entry(&m, 9, 1, "b");
	scan_expect(&m, HL_WAL_CLEAN, 0, 2);
	img_init(&m);
	img_entry(&m, 1, 1, "a");
	size_t at = m.n;
	img_entry(&m, 2, 1, "b");
	m.b[at + 6] = 1;
	st32le(m.b + at + HL_WAL_ENTRY_HDR + 1, hl_crc32c(m.b + at, HL_WAL_ENTRY_HDR + 1));
	scan_expect(&m, HL_WAL_CORRUPT, -HL_E_BAD_VALUE, 1);
	/* zeros after valid entries (a file extended but never written): torn */
	img_init(&m);
	img_entry(&m, 1, 1, "a");
	memset(m.b + m.n, 0, 300);
	m.n += 300;
	scan_expect(&m, HL_WAL_TORN_TAIL, -HL_E_BAD_CRC, 1);

	/* a tail crowded with entry-like headers (flags 0, seq ahead, len in bounds, bad CRC):
	 * checking them all would cost 64 x 32 KiB of CRC; past the work bound it is CORRUPT */
	static uint8_t crowd[HL_WAL_HDR_LEN + 20 + (64u << 10)];
	memset(crowd, 0, sizeof(crowd));
	hl_wal_header_encode(crowd);
	assert_int_equal(hl_wal_entry_encode(crowd + HL_WAL_HDR_LEN, 20, 1, 1, NULL, 0), 20);
	size_t tail = HL_WAL_HDR_LEN + 20;
	for (unsigned k = 0; k < 64; k++) {
		uint8_t *q = crowd + tail + 1 + 32 * k;
		st32le(q, 32768);
		q[8] = 7; /* seq 7 > 1 */
	}
	struct hl_wal_recovery crep;
	assert_int_equal(hl_wal_scan(crowd, sizeof(crowd), NULL, NULL, &crep), 0);
	assert_int_equal(crep.verdict, HL_WAL_CORRUPT);
	assert_int_equal(crep.entries, 1);
	assert_int_equal(crep.resync_offset, 0);
	/* ... while a few such headers are checked and found false: torn */
	memset(crowd + tail + 1 + 32 * 4, 0, sizeof(crowd) - tail - 1 - 32 * 4);
	assert_int_equal(hl_wal_scan(crowd, sizeof(crowd), NULL, NULL, &crep), 0);
	assert_int_equal(crep.verdict, HL_WAL_TORN_TAIL);

	/* arguments, and apply stopping the replay */
	struct hl_wal_recovery rep;
	assert_int_equal(hl_wal_scan(m.b, m.n, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(hl_wal_scan(NULL, 5, NULL, NULL, &rep), -EINVAL);
	assert_int_equal(hl_wal_scan(NULL, 0, NULL, NULL, &rep), 0);
	assert_int_equal(rep.verdict, HL_WAL_CORRUPT);
	img_init(&m);
	img_entry(&m, 1, 1, "a");
	img_entry(&m, 2, 1, "b");
	recs_reset(&g_got);
	g_got.fail_at = 1;
	assert_int_equal(hl_wal_scan(m.b, m.n, collect, &g_got, &rep), -ENOMEM);
	assert_int_equal(rep.entries, 1);
	uint8_t hdr[HL_WAL_HDR_LEN];
	assert_int_equal(hl_wal_entry_encode(NULL, 100, 1, 1, "a", 1), -EINVAL);
	assert_int_equal(hl_wal_entry_encode(hdr, 100, 1, 1, NULL, 1), -EINVAL);
	assert_int_equal(hl_wal_entry_encode(hdr, sizeof(hdr), 1, 1, "a", 1), -ENOSPC);
	assert_int_equal(
	        hl_wal_entry_encode(hdr, 100, 1, 1, "a", HL_WAL_ENTRY_LIMIT + 1), -EMSGSIZE);

	/* the same through open: a zero-length file is kept aside, a header-only one is clean,
	 * an apply error fails the open and leaves the file alone */
	char path[512], aside[600];
	path_of(path, sizeof(path), "hostile.log");
	snprintf(aside, sizeof(aside), "%s.corrupt.0", path);
	struct hl_wal_cfg cfg = quick_cfg();
	remove_log(path);
	file_write(path, m.b, 0);
	struct hl_wal *w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CORRUPT);
	assert_true(file_exists(aside));
	hl_wal_close(w);
	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CLEAN);
	hl_wal_close(w);
	file_write(path, m.b, m.n);
	recs_reset(&g_got);
	g_got.fail_at = 1;
	w = (struct hl_wal *)&rep; /* must be reset to NULL */
	assert_int_equal(hl_wal_open(path, &cfg, collect, &g_got, &w, &rep), -ENOMEM);
	assert_null(w);
	assert_int_equal(file_size(path), (long)m.n);
	remove_log(path);
}

/* Compaction model: type = key, the last version of each key is live. */
struct kv {
	struct rec live[16];
	bool has[16];
};

static int
kv_snap(void *arg, hl_wal_emit_fn emit, void *emit_arg)
{
	struct kv *kv = arg;
	for (unsigned k = 0; k < 16; k++) {
		if (!kv->has[k])
			continue;
		int rc = emit(emit_arg, (uint16_t)k, kv->live[k].body, kv->live[k].len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
snap_fails(void *arg, hl_wal_emit_fn emit, void *emit_arg)
{
	(void)arg;
	assert_int_equal(emit(emit_arg, 1, "x", 1), 0);
	return -ECANCELED;
}

static int
snap_oversize_ignored(void *arg, hl_wal_emit_fn emit, void *emit_arg)
{
	(void)arg;
	static uint8_t big[2 * MAX_BODY]; /* over the test's max_entry */
	(void)emit(emit_arg, 1, big, sizeof(big)); /* error ignored: compaction fails anyway */
	return 0;
}

static void
kv_put(struct hl_wal *w, struct kv *kv, unsigned i)
{
	unsigned k = i % 10;
	struct rec *r = &kv->live[k];
	r->len = 600; /* a job record */
	memset(r->body, (int)i, r->len);
	r->type = (uint16_t)k;
	kv->has[k] = true;
	assert_int_equal(hl_wal_append(w, r->type, r->body, r->len), 0);
}

static void
kv_want(const struct kv *kv)
{
	recs_reset(&g_want);
	for (unsigned k = 0; k < 16; k++)
		if (kv->has[k])
			g_want.r[g_want.n++] = kv->live[k];
}

static void
test_compaction(void **state)
{
	(void)state;
	char path[512], tmp[600];
	path_of(path, sizeof(path), "compact.log");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	remove_log(path);
	struct hl_wal_cfg cfg = quick_cfg();
	cfg.max_bytes = 16384;
	cfg.max_pending = 4096; /* compaction's write buffer flushes several times */
	cfg.max_entry = 1024;
	struct hl_wal_recovery rep;
	struct hl_wal *w = open_ok(path, &cfg, &rep);
	static struct kv kv;
	memset(&kv, 0, sizeof(kv));
	for (unsigned i = 0; i < 60; i++) {
		kv_put(w, &kv, i);
		if (i % 4 == 3)
			assert_int_equal(hl_wal_commit(w), 4);
	}
	assert_true(hl_wal_needs_compaction(w));
	uint64_t before = hl_wal_size(w);
	/* refused with entries pending */
	kv_put(w, &kv, 60);
	assert_int_equal(hl_wal_compact(w, kv_snap, &kv), -EBUSY);
	assert_int_equal(hl_wal_commit(w), 1);
	assert_int_equal(hl_wal_compact(w, NULL, &kv), -EINVAL);
	assert_int_equal(hl_wal_compact(w, kv_snap, &kv), 0);
	kv_want(&kv);
	static struct recs snap_want;
	snap_want = g_want; /* the live set as compacted, key order */
	assert_false(file_exists(tmp));
	assert_false(hl_wal_needs_compaction(w));
	assert_true(hl_wal_size(w) < before);
	assert_int_equal(hl_wal_size(w), HL_WAL_HDR_LEN + 10 * (600 + HL_WAL_ENTRY_OVERHEAD));
	assert_int_equal(file_size(path), (long)hl_wal_size(w));
	struct hl_wal_stats s;
	hl_wal_get_stats(w, &s);
	assert_int_equal(s.compactions, 1);
	/* the log goes on after compaction; seqs continue */
	kv_put(w, &kv, 61);
	assert_int_equal(hl_wal_commit(w), 1);
	hl_wal_close(w);
	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CLEAN);
	assert_int_equal(rep.last_seq, 61 + 10 + 1); /* 61 appended, 10 rewritten, 1 more */
	/* replay = the live set (key 1 at version 51), then key 1's version 61 */
	g_want = snap_want;
	g_want.r[g_want.n++] = kv.live[1];
	assert_prefix(&g_got, &g_want, 11);

	/* a failing snapshot leaves the old log in place and usable */
	uint64_t size = hl_wal_size(w);
	assert_int_equal(hl_wal_compact(w, snap_fails, NULL), -ECANCELED);
	assert_int_equal(hl_wal_compact(w, snap_oversize_ignored, NULL), -EMSGSIZE);
	assert_false(file_exists(tmp));
	assert_false(hl_wal_failed(w));
	assert_int_equal(hl_wal_size(w), size);
	kv_put(w, &kv, 62);
	assert_int_equal(hl_wal_commit(w), 1);
	hl_wal_close(w);
	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CLEAN);
	assert_int_equal(rep.entries, 12);
	hl_wal_close(w);
	remove_log(path);
}

static void
test_compaction_crash_leftover(void **state)
{
	(void)state;
	char path[512], tmp[600];
	path_of(path, sizeof(path), "leftover.log");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	remove_log(path);
	struct hl_wal_cfg cfg = quick_cfg();
	struct hl_wal_recovery rep;
	struct hl_wal *w = open_ok(path, &cfg, &rep);
	recs_reset(&g_want);
	for (unsigned i = 0; i < 5; i++)
		append_rec(w, i);
	assert_int_equal(hl_wal_commit(w), 5);
	hl_wal_close(w);
	/* crash before the rename: a half-written and a complete-looking .tmp are both ignored */
	struct img m;
	img_init(&m);
	img_entry(&m, 1, 9, "snapshot entry");
	for (int complete = 0; complete < 2; complete++) {
		file_write(tmp, m.b, complete ? m.n : m.n - 7);
		w = open_ok(path, &cfg, &rep);
		assert_int_equal(rep.verdict, HL_WAL_CLEAN);
		assert_prefix(&g_got, &g_want, 5);
		assert_false(file_exists(tmp));
		hl_wal_close(w);
	}
	/* crash after the rename: the new log is complete */
	rename(path, tmp);
	file_write(path, m.b, m.n);
	unlink(tmp);
	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CLEAN);
	assert_int_equal(g_got.n, 1);
	assert_int_equal(g_got.r[0].type, 9);
	hl_wal_close(w);
	/* no log but a .tmp (crash while creating): removed, fresh log */
	unlink(path);
	file_write(tmp, m.b, 5);
	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_CLEAN);
	assert_int_equal(rep.entries, 0);
	assert_false(file_exists(tmp));
	hl_wal_close(w);
	remove_log(path);
}

static void
test_errors(void **state)
{
	(void)state;
	char path[512];
	path_of(path, sizeof(path), "errors.log");
	remove_log(path);
	struct hl_wal_cfg cfg = quick_cfg();
	cfg.max_entry = 100;
	cfg.max_batch = 3;
	cfg.max_pending = 300;
	struct hl_wal_recovery rep;
	struct hl_wal *w = open_ok(path, &cfg, &rep);
	static uint8_t body[200];
	assert_int_equal(hl_wal_append(w, 1, body, 101), -EMSGSIZE);
	assert_int_equal(hl_wal_append(w, 1, NULL, 5), -EINVAL);
	assert_int_equal(hl_wal_append(NULL, 1, body, 5), -EINVAL);
	assert_int_equal(hl_wal_commit(NULL), -EINVAL);
	/* max_batch */
	for (int i = 0; i < 3; i++)
		assert_int_equal(hl_wal_append(w, 1, body, 1), 0);
	assert_int_equal(hl_wal_append(w, 1, body, 1), -ENOSPC);
	assert_int_equal(hl_wal_commit(w), 3);
	/* pending bytes: 2 x 120 = 240 fit, then 300 - 240 < 120 (below max_batch) */
	assert_int_equal(hl_wal_append(w, 1, body, 100), 0);
	assert_int_equal(hl_wal_append(w, 1, body, 100), 0);
	assert_int_equal(hl_wal_append(w, 1, body, 100), -ENOSPC);
	assert_int_equal(hl_wal_append(w, 1, body, 40), 0); /* a smaller one still fits */
	assert_int_equal(hl_wal_commit(w), 3);
	assert_int_equal(hl_wal_append(w, 1, body, 0), 0);
	struct hl_wal_stats s;
	hl_wal_get_stats(w, &s);
	assert_int_equal(s.append_rejects, 3);
	/* a second open of the same log is refused while the first holds it */
	struct hl_wal *w2 = NULL;
	assert_int_equal(hl_wal_open(path, &cfg, NULL, NULL, &w2, &rep), -EBUSY);
	assert_null(w2);
	hl_wal_close(w); /* drops the pending empty entry, with a warning */
	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.entries, 6);
	hl_wal_close(w);
	hl_wal_close(NULL);

	/* bad configuration and arguments */
	struct hl_wal_cfg bad = cfg;
	bad.max_entry = 0;
	assert_int_equal(hl_wal_open(path, &bad, NULL, NULL, &w, NULL), -EINVAL);
	bad = cfg;
	bad.max_batch = 0;
	assert_int_equal(hl_wal_open(path, &bad, NULL, NULL, &w, NULL), -EINVAL);
	bad = cfg;
	bad.max_pending = bad.max_entry;
	assert_int_equal(hl_wal_open(path, &bad, NULL, NULL, &w, NULL), -EINVAL);
	bad = cfg;
	bad.max_entry = HL_WAL_ENTRY_LIMIT + 1;
	bad.max_pending = 2 * HL_WAL_ENTRY_LIMIT;
	assert_int_equal(hl_wal_open(path, &bad, NULL, NULL, &w, NULL), -EINVAL);
	assert_int_equal(hl_wal_open(NULL, &cfg, NULL, NULL, &w, NULL), -EINVAL);
	assert_int_equal(hl_wal_open(path, &cfg, NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(hl_wal_open("", &cfg, NULL, NULL, &w, NULL), -EINVAL);
	char dirpath[512];
	path_of(dirpath, sizeof(dirpath), "adir/");
	assert_int_equal(hl_wal_open(dirpath, &cfg, NULL, NULL, &w, NULL), -EINVAL);
	static char longp[HL_WAL_PATH_MAX + 10];
	memset(longp, 'a', sizeof(longp) - 1);
	assert_int_equal(hl_wal_open(longp, &cfg, NULL, NULL, &w, NULL), -ENAMETOOLONG);

	/* a location that cannot hold the log: clear error, logged with the path */
	char where[600];
	path_of(where, sizeof(where), "no/such/parent/wal.log");
	unsigned errs = g_errs;
	assert_int_equal(hl_wal_open(where, &cfg, NULL, NULL, &w, NULL), -ENOENT);
	assert_null(w);
	assert_true(g_errs > errs);
	assert_non_null(strstr(g_last_err, "no/such/parent/wal.log"));
	snprintf(where, sizeof(where), "%s/wal.log", path); /* parent is a file */
	assert_int_equal(hl_wal_open(where, &cfg, NULL, NULL, &w, NULL), -ENOTDIR);
	if (geteuid() != 0) {
		char ro[512];
		path_of(ro, sizeof(ro), "readonly");
		assert_int_equal(mkdir(ro, 0500), 0);
		snprintf(where, sizeof(where), "%s/wal.log", ro);
		assert_int_equal(hl_wal_open(where, &cfg, NULL, NULL, &w, NULL), -EACCES);
		snprintf(where, sizeof(where), "%s/sub/wal.log", ro);
		assert_int_equal(hl_wal_open(where, &cfg, NULL, NULL, &w, NULL), -EACCES);
	} else {
		/* root writes anywhere on a normal fs; sysfs refuses new files and directories */
		const char *ro[] = {"/sys/hl_wal_test.log", "/sys/hl_wal_test_dir/wal.log"};
		for (unsigned i = 0; i < 2; i++) {
			int rc = hl_wal_open(ro[i], &cfg, NULL, NULL, &w, NULL);
			assert_true(rc == -EACCES || rc == -EPERM || rc == -EROFS);
			assert_null(w);
			assert_non_null(strstr(g_last_err, ro[i]));
		}
	}
	remove_log(path);
}

/* A real short write: RLIMIT_FSIZE stops the file a few bytes into the batch. */
static void
test_write_failure(void **state)
{
	(void)state;
	char path[512];
	path_of(path, sizeof(path), "short.log");
	remove_log(path);
	struct hl_wal_cfg cfg = hl_wal_cfg_default();
	struct hl_wal_recovery rep;
	struct hl_wal *w = open_ok(path, &cfg, &rep);
	recs_reset(&g_want);
	for (unsigned i = 0; i < 4; i++)
		append_rec(w, i);
	assert_int_equal(hl_wal_commit(w), 4);
	uint64_t good = hl_wal_size(w);
	for (unsigned i = 4; i < 8; i++)
		append_rec(w, i);
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = good + 30; /* mid-way through the batch's first entry header+body */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	unsigned errs = g_errs;
	int rc = hl_wal_commit(w);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_int_equal(rc, -EFBIG);
	assert_true(g_errs > errs);
	assert_true(hl_wal_failed(w));
	assert_int_equal(file_size(path), (long)good + 30); /* the half batch is on disk */
	/* failed for good */
	assert_int_equal(hl_wal_append(w, 1, "x", 1), -EIO);
	assert_int_equal(hl_wal_commit(w), -EIO);
	assert_int_equal(hl_wal_compact(w, kv_snap, NULL), -EIO);
	struct hl_wal_stats s;
	hl_wal_get_stats(w, &s);
	assert_int_equal(s.io_errors, 1);
	hl_wal_close(w);
	/* the half entry is never taken for valid */
	w = open_ok(path, &cfg, &rep);
	assert_int_equal(rep.verdict, HL_WAL_TORN_TAIL);
	assert_int_equal(rep.bytes_valid, good);
	assert_int_equal(rep.bytes_discarded, 30);
	assert_prefix(&g_got, &g_want, 4);
	hl_wal_close(w);
	remove_log(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults_and_names),
	        cmocka_unit_test(test_round_trip),
	        cmocka_unit_test(test_crash_at_every_offset),
	        cmocka_unit_test(test_flip_at_every_offset),
	        cmocka_unit_test(test_corrupt_middle),
	        cmocka_unit_test(test_hostile_inputs),
	        cmocka_unit_test(test_compaction),
	        cmocka_unit_test(test_compaction_crash_leftover),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_write_failure),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
