/* p5_ingest.c — P5: progress windows per second that one core ingests the way a manager's
 * progress service does: frame check (CRC32C), body decode, ordering and dedup per (job, source)
 * (hl_progress), and aggregation into windowed stats (hl_winstats, flushed as windows close).
 *
 * Input: W workers, each running a slice of one of J jobs, send one workflow_progress frame per
 * 50 ms window with one stream result; 2 % of the frames are sent twice and 2 % swap places
 * with their successor (the fabric duplicates and reorders). All frames are encoded before the
 * clock starts. The reference pass, in the same run on the same frames, does only the frame
 * check and the decode, so the ratio shows what ordering and aggregation cost on top.
 *
 *   p5_ingest [--smoke] [--workers W] [--jobs J] [--frames N] [--rounds R]
 *
 * Output: a table per round, then `RESULT P5 <M windows/s> M/s ratio <ingest/decode-only> ref
 * <decode-only M/s> M/s` (medians over the rounds). Target (performance.md): >= 2 M/s. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hl_frame.h"
#include "hl_msg.h"
#include "hl_progress.h"
#include "hl_prng.h"
#include "hl_winstats.h"

#define WINDOW_NS 50000000ull

struct input {
	uint8_t *buf;
	size_t *off;
	uint16_t *len;
	uint64_t n; /* frames */
	uint64_t bytes;
};

struct opts {
	uint32_t workers, jobs, rounds;
	uint64_t frames;
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
median(double *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Encode o->frames frames, time-ordered, with duplicates and swaps. */
static int
build_input(const struct opts *o, const struct hl_frame_cfg *cfg, struct input *in)
{
	struct hl_msg_workflow_progress p;
	struct hl_wire_err err;
	struct hl_prng rng;
	uint64_t *seq = calloc(o->workers, sizeof(*seq));
	size_t cap = (size_t)o->frames * 200;
	uint64_t n = 0, t = 0;
	size_t used = 0;

	in->buf = malloc(cap);
	in->off = malloc(o->frames * sizeof(*in->off));
	in->len = malloc(o->frames * sizeof(*in->len));
	if (seq == NULL || in->buf == NULL || in->off == NULL || in->len == NULL) {
		free(seq);
		return -ENOMEM;
	}
	hl_prng_seed(&rng, 5);
	while (n < o->frames) {
		for (uint32_t w = 0; w < o->workers && n < o->frames; w++) {
			size_t flen;
			memset(&p, 0, sizeof(p));
			p.job_id = 1 + w % o->jobs;
			p.workflow_id = 1;
			p.sub_id = w / o->jobs + 1;
			p.token = (1ull << 32) | 1;
			p.seq = ++seq[w];
			p.node_id = 1000 + w;
			p.window_start_ns = t * WINDOW_NS;
			p.window_ns = WINDOW_NS;
			p.streams.n = 1;
			p.streams.v[0].stream_id = 1;
			p.streams.v[0].tx_pkts = p.seq * 50000;
			p.streams.v[0].tx_bytes = p.seq * 50000 * 64;
			p.streams.v[0].rx_pkts = p.seq * 49990;
			p.streams.v[0].rx_bytes = p.seq * 49990 * 64;
			p.streams.v[0].lost = p.seq * 10;
			p.streams.v[0].lat_samples = p.seq * 50;
			p.streams.v[0].lat_p50_ns = 900 + hl_prng_below(&rng, 100);
			p.streams.v[0].lat_p99_ns = 4000 + hl_prng_below(&rng, 1000);
			int rc = hl_frame_encode(cfg, HL_MSG_workflow_progress, &p, in->buf + used,
			        cap - used, &flen, &err);
			if (rc < 0) {
				fprintf(stderr, "p5: encode failed: %d\n", rc);
				free(seq);
				return rc;
			}
			in->off[n] = used;
			in->len[n] = (uint16_t)flen;
			used += flen;
			n++;
			uint64_t r = hl_prng_below(&rng, 100);
			if (r < 2 && n < o->frames) { /* duplicate: the same frame again */
				in->off[n] = in->off[n - 1];
				in->len[n] = in->len[n - 1];
				n++;
			} else if (r < 4 && n >= 2) { /* swap with the previous frame */
				size_t so = in->off[n - 1];
				uint16_t sl = in->len[n - 1];
				in->off[n - 1] = in->off[n - 2];
				in->len[n - 1] = in->len[n - 2];
				in->off[n - 2] = so;
				in->len[n - 2] = sl;
			}
			in->bytes += flen;
		}
		t++;
	}
	in->n = n;
	free(seq);
	return 0;
}

struct counts {
	uint64_t decoded, accepted, dup, stale, other, added, late, windows, add_err;
};

/* Reference: frame check + decode only. */
static double
pass_decode(const struct hl_frame_cfg *cfg, const struct input *in, struct counts *c)
{
	static struct hl_msg_workflow_progress p;
	struct hl_wire_err err;
	unsigned type;
	double t0 = now_s();

	for (uint64_t i = 0; i < in->n; i++) {
		if (hl_frame_decode(cfg, in->buf + in->off[i], in->len[i], &type, &p, sizeof(p),
		            &err) == 0 &&
		        type == HL_MSG_workflow_progress)
			c->decoded++;
		c->accepted += p.seq & 1; /* keep the decode observable */
	}
	return now_s() - t0;
}

/* The manager's ingestion: decode, order/dedup, aggregate, flush closed windows. */
static double
pass_ingest(const struct opts *o, const struct hl_frame_cfg *cfg, const struct input *in,
        struct counts *c)
{
	static struct hl_msg_workflow_progress p;
	static struct hl_winstats_window out[1024];
	struct hl_progress prog;
	struct hl_winstats ws;
	struct hl_winstats_cfg wc;
	struct hl_wire_err err;
	unsigned type;
	uint64_t flushed_at = 0;

	hl_winstats_cfg_default(&wc);
	wc.max_jobs = o->jobs;
	wc.max_buckets = o->jobs * 8;
	if (hl_progress_init(&prog, o->jobs, o->workers, o->workers) < 0 ||
	        hl_winstats_init(&ws, &wc) < 0) {
		fprintf(stderr, "p5: init failed\n");
		exit(2);
	}
	for (uint32_t j = 1; j <= o->jobs; j++) {
		hl_progress_open(&prog, j, 0);
		hl_winstats_open(&ws, j);
	}
	double t0 = now_s();
	for (uint64_t i = 0; i < in->n; i++) {
		if (hl_frame_decode(cfg, in->buf + in->off[i], in->len[i], &type, &p, sizeof(p),
		            &err) != 0 ||
		        type != HL_MSG_workflow_progress) {
			c->other++;
			continue;
		}
		c->decoded++;
		int rc = hl_progress_accept(
		        &prog, p.job_id, p.node_id, p.token, p.seq, p.streams.v[0].tx_pkts);
		if (rc == -EALREADY) {
			c->dup++;
			continue;
		}
		if (rc != 0) {
			c->stale++;
			continue;
		}
		c->accepted++;
		/* The sender's window start stands in for the service's clock (sans-IO: the host
		 * passes time in): windows close once the stream of time has moved past them. */
		uint64_t now = p.window_start_ns + WINDOW_NS;
		struct hl_winstats_sample s = {
		        .source = p.node_id,
		        .collected_ns = p.window_start_ns,
		        .completed = p.streams.v[0].rx_pkts,
		        .failed = p.streams.v[0].lost,
		        .rate_milli = p.streams.v[0].tx_pkts,
		};
		rc = hl_winstats_add(&ws, p.job_id, &s, now);
		if (rc == 0)
			c->added++;
		else if (rc == -ESTALE) /* a swapped frame whose window already closed: late */
			c->late++;
		else
			c->add_err++;
		if (now >= flushed_at + WINDOW_NS) {
			c->windows += hl_winstats_flush(&ws, now, out, 1024);
			flushed_at = now;
		}
	}
	for (uint32_t j = 1; j <= o->jobs; j++) {
		int n;
		while ((n = hl_winstats_close(&ws, j, out, 1024)) == -EAGAIN)
			c->windows += 1024;
		if (n > 0)
			c->windows += (uint64_t)n;
		hl_progress_close(&prog, j);
	}
	double dt = now_s() - t0;
	hl_winstats_fini(&ws);
	hl_progress_fini(&prog);
	return dt;
}

static void
usage(void)
{
	fprintf(stderr, "usage: p5_ingest [--smoke] [--workers W] [--jobs J] [--frames N] "
	                "[--rounds R]\n");
}

int
main(int argc, char **argv)
{
	struct opts o = {.workers = 100, .jobs = 10, .rounds = 5, .frames = 2000000};
	struct hl_frame_cfg cfg;
	struct input in = {0};

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			o.frames = 100000;
			o.rounds = 3;
		} else if (i + 1 < argc && strcmp(argv[i], "--workers") == 0) {
			o.workers = (uint32_t)strtoul(argv[++i], NULL, 10);
		} else if (i + 1 < argc && strcmp(argv[i], "--jobs") == 0) {
			o.jobs = (uint32_t)strtoul(argv[++i], NULL, 10);
		} else if (i + 1 < argc && strcmp(argv[i], "--frames") == 0) {
			o.frames = strtoull(argv[++i], NULL, 10);
		} else if (i + 1 < argc && strcmp(argv[i], "--rounds") == 0) {
			o.rounds = (uint32_t)strtoul(argv[++i], NULL, 10);
		} else {
			usage();
			return 2;
		}
	}
	if (o.workers == 0 || o.jobs == 0 || o.jobs > o.workers || o.frames < 2 || o.rounds == 0 ||
	        o.rounds > 64 || o.workers / o.jobs > HL_WINSTATS_SRC_MAX) {
		fprintf(stderr,
		        "p5: need 1 <= jobs <= workers, workers/jobs <= %d sources per "
		        "window, frames >= 2, 1..64 rounds\n",
		        HL_WINSTATS_SRC_MAX);
		return 2;
	}
	hl_frame_cfg_init(&cfg, hl_frame_cluster_hash("p5"), HL_PLANE_FAST);
	if (build_input(&o, &cfg, &in) < 0)
		return 2;
	printf("P5 progress ingestion: %u workers, %u jobs, %" PRIu64 " frames (%.0f B avg), "
	       "2 %% duplicated, 2 %% reordered\n",
	        o.workers, o.jobs, in.n, (double)in.bytes / (double)in.n);
	printf("%-6s %-12s %10s %10s %10s %10s %10s %10s %10s\n", "round", "pass", "frames", "s",
	        "M/s", "accepted", "dup", "late", "windows");
	double ref[64], ing[64], ratio[64];
	int bad = 0;
	for (uint32_t r = 0; r < o.rounds; r++) {
		struct counts cd = {0}, ci = {0};
		double td = pass_decode(&cfg, &in, &cd);
		double ti = pass_ingest(&o, &cfg, &in, &ci);
		ref[r] = (double)in.n / td / 1e6;
		ing[r] = (double)in.n / ti / 1e6;
		ratio[r] = ing[r] / ref[r];
		printf("%-6u %-12s %10" PRIu64 " %10.3f %10.3f %10s %10s %10s %10s\n", r,
		        "decode-only", cd.decoded, td, ref[r], "-", "-", "-", "-");
		printf("%-6u %-12s %10" PRIu64 " %10.3f %10.3f %10" PRIu64 " %10" PRIu64
		       " %10" PRIu64 " %10" PRIu64 "\n",
		        r, "ingest", ci.decoded, ti, ing[r], ci.accepted, ci.dup, ci.late,
		        ci.windows);
		/* Every frame decodes; duplicates and late swaps are the only drops; every accepted
		 * sample lands in a window unless its window closed already (late: a swap across windows,
		 * rare). A benchmark that silently did less work is no figure. */
		if (cd.decoded != in.n || ci.decoded != in.n || ci.stale != 0 || ci.add_err != 0 ||
		        ci.accepted + ci.dup != in.n || ci.added + ci.late != ci.accepted ||
		        ci.late > in.n / 100 || ci.windows == 0) {
			fprintf(stderr,
			        "p5: round %u inconsistent: decoded %" PRIu64 "/%" PRIu64
			        " accepted %" PRIu64 " dup %" PRIu64 " stale %" PRIu64
			        " add errors %" PRIu64 " windows %" PRIu64 "\n",
			        r, ci.decoded, in.n, ci.accepted, ci.dup, ci.stale, ci.add_err,
			        ci.windows);
			bad = 1;
		}
	}
	free(in.buf);
	free(in.off);
	free(in.len);
	if (bad)
		return 1;
	printf("RESULT P5 %.3f M/s ratio %.3f ref %.3f M/s\n", median(ing, o.rounds),
	        median(ratio, o.rounds), median(ref, o.rounds));
	return 0;
}
