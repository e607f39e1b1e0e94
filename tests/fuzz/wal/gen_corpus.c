/* gen_corpus.c — writes the seed corpus of fuzz_wal_scan: a valid log, a torn one (cut inside
 * the last entry), a header-only file, one with a corrupt entry before valid ones, one with a
 * seq going backwards, and one with zeros after the last entry. Usage: gen_wal_corpus OUT_DIR */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hl_wal.h"

static uint8_t img[8192];

static int
write_file(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, len, f) != len) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* header + n entries with seqs from seq0 (step), bodies like job records of a few sizes */
static size_t
build(unsigned n, uint64_t seq0, int step)
{
	hl_wal_header_encode(img);
	size_t off = HL_WAL_HDR_LEN;
	uint8_t body[700];
	for (unsigned i = 0; i < n; i++) {
		uint32_t len = (uint32_t)((i * 211) % 650);
		for (uint32_t k = 0; k < len; k++)
			body[k] = (uint8_t)(i + k);
		int rc = hl_wal_entry_encode(img + off, sizeof(img) - off,
		        (uint64_t)((int64_t)seq0 + step * (int64_t)i), (uint16_t)(i % 4 + 1), body,
		        len);
		if (rc < 0)
			return 0;
		off += (size_t)rc;
	}
	return off;
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return 2;
	}
	const char *out = argv[1];
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		perror(out);
		return 1;
	}
	int bad = 0;
	size_t n = build(8, 1, 1);
	bad |= write_file(out, "valid", img, n);
	bad |= write_file(out, "torn", img, n - 37);
	bad |= write_file(out, "header-only", img, HL_WAL_HDR_LEN);
	img[HL_WAL_HDR_LEN + 30] ^= 0x10; /* inside entry 0's body (len 0) -> entry 1's header */
	bad |= write_file(out, "corrupt-middle", img, n);
	n = build(4, 5, -1);
	bad |= write_file(out, "seq-backwards", img, n);
	n = build(3, 1, 1);
	memset(img + n, 0, 512);
	bad |= write_file(out, "zero-tail", img, n + 512);
	return bad ? 1 : 0;
}
