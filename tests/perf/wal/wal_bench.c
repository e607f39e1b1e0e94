/* wal_bench.c — lib/wal on this machine's disk: appends/s and commit latency (p50/p99 of
 * hl_wal_commit: one write + one fdatasync per batch) for batches of 1, 8 and 64 entries of
 * 600 B (a job record), and, in the same run on the same directory, the reference: a bare loop
 * of write(620 B, the same bytes on disk) + fdatasync per entry.
 *
 *   wal_bench [--smoke] [--dir DIR] [--secs S] [--rounds R]
 *
 * Each configuration runs S seconds (default 2; --smoke 0.25) per round, R rounds (default 3;
 * --smoke 1); figures are medians over the rounds. Output: the filesystem, a table, then
 * `RESULT wal-appends <batch-64 appends/s> appends/s ratio <batch-64 / ref> ref <ref appends/s>
 * appends/s`. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hl_log.h"
#include "hl_wal.h"

#define ENTRY_BODY 600
#define MAX_SAMPLES (1u << 20)
#define MAX_ROUNDS 15

static const uint32_t batches[] = {1, 8, 64};
#define NBATCH (sizeof(batches) / sizeof(batches[0]))

struct run {
	double appends_per_s;
	double p50_us, p99_us;
	uint64_t fsyncs;
};

static uint64_t *samples;

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void
percentiles(uint64_t n, struct run *r)
{
	qsort(samples, n, sizeof(*samples), cmp_u64);
	r->p50_us = (double)samples[n / 2] / 1e3;
	r->p99_us = (double)samples[(n * 99) / 100] / 1e3;
}

/* Filesystem holding dir: the longest mount point that prefixes its real path. */
static void
fs_of(const char *dir, char *out, size_t cap)
{
	char real[PATH_MAX];
	snprintf(out, cap, "unknown");
	if (realpath(dir, real) == NULL)
		return;
	FILE *f = fopen("/proc/self/mounts", "r");
	if (f == NULL)
		return;
	char dev[512], mnt[512], type[64];
	size_t best = 0;
	while (fscanf(f, "%511s %511s %63s %*[^\n]", dev, mnt, type) == 3) {
		size_t n = strlen(mnt);
		bool under = strncmp(real, mnt, n) == 0 &&
		             (real[n] == '/' || real[n] == '\0' || strcmp(mnt, "/") == 0);
		if (under && n >= best) {
			best = n;
			snprintf(out, cap, "%s (%s on %s)", type, dev, mnt);
		}
	}
	fclose(f);
}

static int
run_wal(const char *path, uint32_t batch, double secs, struct run *r)
{
	struct hl_wal_cfg cfg = hl_wal_cfg_default();
	cfg.max_batch = batch;
	cfg.max_pending = (size_t)batch * (ENTRY_BODY + HL_WAL_ENTRY_OVERHEAD);
	if (cfg.max_pending < cfg.max_entry + HL_WAL_ENTRY_OVERHEAD)
		cfg.max_pending = cfg.max_entry + HL_WAL_ENTRY_OVERHEAD;
	cfg.max_bytes = SIZE_MAX;
	unlink(path);
	struct hl_wal *w;
	int rc = hl_wal_open(path, &cfg, NULL, NULL, &w, NULL);
	if (rc < 0) {
		fprintf(stderr, "wal_bench: open %s: %s\n", path, strerror(-rc));
		return rc;
	}
	uint8_t body[ENTRY_BODY];
	memset(body, 0xa5, sizeof(body));
	uint64_t n = 0, appends = 0, t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	do {
		for (uint32_t i = 0; i < batch; i++) {
			body[0] = (uint8_t)appends++;
			rc = hl_wal_append(w, 1, body, sizeof(body));
			if (rc < 0)
				goto out;
		}
		uint64_t c0 = now_ns();
		rc = hl_wal_commit(w);
		if (rc < 0)
			goto out;
		if (n < MAX_SAMPLES)
			samples[n++] = now_ns() - c0;
	} while (now_ns() < end);
	rc = 0;
	r->appends_per_s = (double)appends / ((double)(now_ns() - t0) / 1e9);
	percentiles(n, r);
	struct hl_wal_stats st;
	hl_wal_get_stats(w, &st);
	r->fsyncs = st.fsyncs;
out:
	if (rc < 0)
		fprintf(stderr, "wal_bench: batch %" PRIu32 ": %s\n", batch, strerror(-rc));
	hl_wal_close(w);
	unlink(path);
	return rc;
}

static int
run_ref(const char *path, double secs, struct run *r)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		fprintf(stderr, "wal_bench: open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	uint8_t rec[ENTRY_BODY + HL_WAL_ENTRY_OVERHEAD];
	memset(rec, 0xa5, sizeof(rec));
	uint64_t n = 0, t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	int rc = 0;
	do {
		uint64_t c0 = now_ns();
		if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec) || fdatasync(fd) != 0) {
			rc = -errno;
			fprintf(stderr, "wal_bench: reference write/fdatasync: %s\n",
			        strerror(errno));
			break;
		}
		if (n < MAX_SAMPLES)
			samples[n++] = now_ns() - c0;
	} while (now_ns() < end);
	if (rc == 0) {
		r->appends_per_s = (double)n / ((double)(now_ns() - t0) / 1e9);
		percentiles(n, r);
		r->fsyncs = n;
	}
	close(fd);
	unlink(path);
	return rc;
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* median over rounds of each field */
static struct run
med(const struct run *rs, unsigned n)
{
	double a[MAX_ROUNDS], b[MAX_ROUNDS], c[MAX_ROUNDS];
	for (unsigned i = 0; i < n; i++) {
		a[i] = rs[i].appends_per_s;
		b[i] = rs[i].p50_us;
		c[i] = rs[i].p99_us;
	}
	return (struct run){.appends_per_s = median(a, n),
	        .p50_us = median(b, n),
	        .p99_us = median(c, n),
	        .fsyncs = rs[n / 2].fsyncs};
}

int
main(int argc, char **argv)
{
	const char *base = "/var/tmp";
	double secs = 2.0;
	unsigned rounds = 3;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			secs = 0.25;
			rounds = 1;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			base = argv[++i];
		} else if (strcmp(argv[i], "--secs") == 0 && i + 1 < argc) {
			secs = atof(argv[++i]);
		} else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			rounds = (unsigned)atoi(argv[++i]);
		} else {
			fprintf(stderr,
			        "usage: wal_bench [--smoke] [--dir DIR] [--secs S] [--rounds R]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || !(secs > 0)) {
		fprintf(stderr, "wal_bench: rounds 1..%d, secs > 0\n", MAX_ROUNDS);
		return 2;
	}
	hl_log_set_level(HL_LOG_WARN);
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	char dir[PATH_MAX], path[PATH_MAX + 16], fs[1200];
	snprintf(dir, sizeof(dir), "%s/hl_wal_bench.XXXXXX", base);
	if (samples == NULL || mkdtemp(dir) == NULL) {
		fprintf(stderr, "wal_bench: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	fs_of(dir, fs, sizeof(fs));
	printf("wal-bench: dir %s filesystem %s; entries of %d B body (%d B on disk); %u round(s)"
	       " of %.2f s per configuration\n",
	        dir, fs, ENTRY_BODY, ENTRY_BODY + HL_WAL_ENTRY_OVERHEAD, rounds, secs);
	if (strncmp(fs, "tmpfs", 5) == 0)
		printf("wal-bench: WARNING tmpfs: fdatasync does nothing, figures are not a "
		       "disk's\n");

	struct run wal[NBATCH][MAX_ROUNDS], ref[MAX_ROUNDS];
	int rc = 0;
	snprintf(path, sizeof(path), "%s/bench.wal", dir);
	for (unsigned r = 0; r < rounds && rc == 0; r++) {
		/* alternate so drift in the disk hits both alike */
		rc = run_ref(path, secs, &ref[r]);
		for (unsigned b = 0; b < NBATCH && rc == 0; b++)
			rc = run_wal(path, batches[b], secs, &wal[b][r]);
	}
	rmdir(dir);
	if (rc < 0)
		return 1;
	struct run rm = med(ref, rounds);
	printf("%-28s %14s %12s %12s %8s\n", "configuration", "appends/s", "commit p50", "p99",
	        "vs ref");
	printf("%-28s %14.0f %10.1fus %10.1fus %8.2f\n", "ref: write+fdatasync/entry",
	        rm.appends_per_s, rm.p50_us, rm.p99_us, 1.0);
	struct run last = rm;
	for (unsigned b = 0; b < NBATCH; b++) {
		struct run m = med(wal[b], rounds);
		char name[64];
		snprintf(name, sizeof(name), "hl_wal batch %" PRIu32, batches[b]);
		printf("%-28s %14.0f %10.1fus %10.1fus %8.2f\n", name, m.appends_per_s, m.p50_us,
		        m.p99_us, m.appends_per_s / rm.appends_per_s);
		last = m;
	}
	printf("RESULT wal-appends %.0f appends/s ratio %.2f ref %.0f appends/s\n",
	        last.appends_per_s, last.appends_per_s / rm.appends_per_s, rm.appends_per_s);
	return 0;
}
