/* fuzz_wal_scan.c — libFuzzer target for the WAL recovery scanner: any bytes as a log file.
 * Checks the report's arithmetic, that the valid prefix alone scans CLEAN to the same entries,
 * and that re-encoding the replayed entries gives a CLEAN log of the same length. A second pass
 * runs on a copy whose header and entry CRCs are recomputed, so mutations get past the CRCs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_frame.h"
#include "hl_wal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz invariant broken: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

struct ent {
	uint16_t type;
	uint32_t len;
	size_t at; /* in the arena */
};

struct replay {
	struct ent *e;
	size_t n, cap;
	uint8_t *arena;
	size_t used, arena_cap;
	size_t check; /* second replay: index of the next entry to compare */
	const struct replay *ref;
};

static int
record(void *arg, uint16_t type, const void *body, uint32_t len)
{
	struct replay *r = arg;
	FUZZ_CHECK(r->n < r->cap, "more entries (%zu) than the input can hold", r->n);
	FUZZ_CHECK(r->used + len <= r->arena_cap, "bodies exceed the input");
	r->e[r->n++] = (struct ent){.type = type, .len = len, .at = r->used};
	if (len > 0)
		memcpy(r->arena + r->used, body, len);
	r->used += len;
	return 0;
}

static int
compare(void *arg, uint16_t type, const void *body, uint32_t len)
{
	struct replay *r = arg;
	const struct replay *ref = r->ref;
	FUZZ_CHECK(r->check < ref->n, "extra entry %zu", r->check);
	const struct ent *e = &ref->e[r->check++];
	FUZZ_CHECK(e->type == type && e->len == len, "entry %zu differs", r->check - 1);
	FUZZ_CHECK(len == 0 || memcmp(ref->arena + e->at, body, len) == 0, "body %zu differs",
	        r->check - 1);
	return 0;
}

static void
check_report(const struct hl_wal_recovery *rep, size_t size)
{
	FUZZ_CHECK(rep->bytes_valid + rep->bytes_discarded == size, "valid %llu + discarded %llu",
	        (unsigned long long)rep->bytes_valid, (unsigned long long)rep->bytes_discarded);
	FUZZ_CHECK(rep->aside[0] == '\0', "scan filled aside");
	if (rep->verdict == HL_WAL_CLEAN)
		FUZZ_CHECK(rep->bytes_discarded == 0 && rep->reason == 0 &&
		                   rep->bytes_valid >= HL_WAL_HDR_LEN,
		        "CLEAN with discarded bytes");
	else
		FUZZ_CHECK(rep->reason < 0, "verdict %s without a reason",
		        hl_wal_verdict_name(rep->verdict));
	if (rep->verdict == HL_WAL_TORN_TAIL)
		FUZZ_CHECK(rep->bytes_discarded > 0 && rep->resync_offset == 0, "bad TORN_TAIL");
	if (rep->resync_offset != 0)
		FUZZ_CHECK(rep->verdict == HL_WAL_CORRUPT &&
		                   rep->resync_offset > rep->bytes_valid &&
		                   rep->resync_offset + HL_WAL_ENTRY_OVERHEAD <= size,
		        "resync offset %llu", (unsigned long long)rep->resync_offset);
	if (rep->bytes_valid == 0)
		FUZZ_CHECK(rep->verdict == HL_WAL_CORRUPT && rep->entries == 0,
		        "no header, not CORRUPT");
	else
		FUZZ_CHECK(rep->bytes_valid >= HL_WAL_HDR_LEN, "valid inside the header");
}

static void
one(const uint8_t *data, size_t size)
{
	struct replay r = {0};
	r.cap = size / HL_WAL_ENTRY_OVERHEAD + 1;
	r.arena_cap = size;
	r.e = malloc(r.cap * sizeof(*r.e));
	r.arena = malloc(size + 1);
	FUZZ_CHECK(r.e != NULL && r.arena != NULL, "out of memory");
	struct hl_wal_recovery rep;
	int rc = hl_wal_scan(data, size, record, &r, &rep);
	FUZZ_CHECK(rc == 0, "scan returned %s", hl_errname(rc));
	FUZZ_CHECK(rep.entries == r.n, "entries %llu, applied %zu", (unsigned long long)rep.entries,
	        r.n);
	check_report(&rep, size);

	if (rep.bytes_valid > 0) {
		/* the valid prefix alone is a CLEAN log with the same entries */
		struct replay again = {.ref = &r};
		struct hl_wal_recovery rep2;
		rc = hl_wal_scan(data, rep.bytes_valid, compare, &again, &rep2);
		FUZZ_CHECK(rc == 0 && rep2.verdict == HL_WAL_CLEAN && again.check == r.n,
		        "prefix not CLEAN: %s", hl_wal_verdict_name(rep2.verdict));
		FUZZ_CHECK(rep2.last_seq == rep.last_seq, "prefix last seq differs");

		/* re-encoded with fresh seqs: same length, CLEAN, same entries */
		uint8_t *img = malloc(rep.bytes_valid);
		FUZZ_CHECK(img != NULL, "out of memory");
		hl_wal_header_encode(img);
		size_t off = HL_WAL_HDR_LEN;
		for (size_t i = 0; i < r.n; i++) {
			int n = hl_wal_entry_encode(img + off, rep.bytes_valid - off, i + 1,
			        r.e[i].type, r.arena + r.e[i].at, r.e[i].len);
			FUZZ_CHECK(n > 0, "re-encode %zu: %s", i, hl_errname(n));
			off += (size_t)n;
		}
		FUZZ_CHECK(off == rep.bytes_valid, "re-encoded %zu bytes, valid %llu", off,
		        (unsigned long long)rep.bytes_valid);
		again.check = 0;
		rc = hl_wal_scan(img, off, compare, &again, &rep2);
		FUZZ_CHECK(rc == 0 && rep2.verdict == HL_WAL_CLEAN && again.check == r.n,
		        "re-encoded log not CLEAN");
		free(img);
	}
	free(r.e);
	free(r.arena);
}

static void
st32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
ld32le(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size);
	/* Mutations almost never keep a CRC right: also scan a copy with the header CRC and every
	 * entry CRC along the len chain recomputed, to reach the seq/flags/resync logic. */
	if (size >= HL_WAL_HDR_LEN) {
		uint8_t *copy = malloc(size);
		FUZZ_CHECK(copy != NULL, "out of memory");
		memcpy(copy, data, size);
		st32le(copy + 12, hl_crc32c(copy, 12));
		size_t off = HL_WAL_HDR_LEN;
		while (off + HL_WAL_ENTRY_OVERHEAD <= size) {
			uint32_t len = ld32le(copy + off);
			if (len > HL_WAL_ENTRY_LIMIT || len > size - off - HL_WAL_ENTRY_OVERHEAD)
				break;
			st32le(copy + off + HL_WAL_ENTRY_HDR + len,
			        hl_crc32c(copy + off, HL_WAL_ENTRY_HDR + (size_t)len));
			off += (size_t)len + HL_WAL_ENTRY_OVERHEAD;
		}
		one(copy, size);
		free(copy);
	}
	return 0;
}
