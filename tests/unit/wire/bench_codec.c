/* bench_codec.c — codec cost of the hottest fast-plane message (workflow_progress, 1 and 6
 * streams): frame encode, frame parse + decode, body decode, ns per message. Not a test: prints a
 * table and a RESULT line (id W1: decode of a 1-stream progress frame; no reference exists).
 *   build/tests/unit/wire/bench_codec [--smoke] */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hl_frame.h"
#include "hl_msg.h"

static double
now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void
fill(struct hl_msg_workflow_progress *p, uint32_t streams)
{
	memset(p, 0, sizeof(*p));
	p->job_id = 123456789;
	p->workflow_id = 3;
	p->sub_id = 2;
	p->token = (5ull << 32) | 77;
	p->node_id = 0xabcdef12345ull;
	p->window_start_ns = 1700000000000000000ull;
	p->window_ns = 50000000;
	p->status = HL_WS_RUNNING;
	p->streams.n = streams;
	for (uint32_t i = 0; i < streams; i++) {
		struct hl_rec_stream_result *s = &p->streams.v[i];
		s->stream_id = i + 1;
		s->tx_pkts = 123456789;
		s->tx_bytes = 123456789ull * 64;
		s->rx_pkts = 123456700;
		s->rx_bytes = 123456700ull * 64;
		s->lost = 89;
		s->lat_samples = 50000;
		s->lat_min_ns = 900;
		s->lat_p50_ns = 1500;
		s->lat_p90_ns = 2000;
		s->lat_p99_ns = 4000;
		s->lat_p999_ns = 9000;
		s->lat_max_ns = 20000;
		s->jitter_ns = 300;
		s->tx_rate_pps = 1.48e7;
	}
}

int
main(int argc, char **argv)
{
	int n = argc > 1 && strcmp(argv[1], "--smoke") == 0 ? 20000 : 1000000;
	static struct hl_msg_workflow_progress p, q;
	struct hl_frame_cfg cfg;
	uint8_t buf[HL_FRAME_FAST_MAX_DEFAULT];
	double result = 0;
	hl_frame_cfg_init(&cfg, hl_frame_cluster_hash("bench"), HL_PLANE_FAST);
	printf("%-8s %6s %14s %14s %14s\n", "streams", "bytes", "encode ns", "frame dec ns",
	        "body dec ns");
	for (uint32_t streams = 1; streams <= HL_WIRE_FAST_STREAMS; streams += 5) {
		size_t len = 0;
		size_t blen = 0;
		unsigned type;
		fill(&p, streams);
		double t0 = now();
		for (int i = 0; i < n; i++) {
			p.seq = (uint64_t)i;
			if (hl_frame_encode(&cfg, HL_MSG_workflow_progress, &p, buf, sizeof(buf),
			            &len, NULL) != 0)
				return 1;
		}
		double t1 = now();
		for (int i = 0; i < n; i++)
			if (hl_frame_decode(&cfg, buf, len, &type, &q, sizeof(q), NULL) != 0)
				return 1;
		double t2 = now();
		uint8_t body[HL_FRAME_FAST_MAX_DEFAULT];
		if (hl_msg_workflow_progress_encode(&p, body, sizeof(body), &blen, NULL) != 0)
			return 1;
		double t3 = now();
		for (int i = 0; i < n; i++)
			if (hl_msg_workflow_progress_decode(body, blen, &q, NULL) != 0)
				return 1;
		double t4 = now();
		double dec = (t2 - t1) / n * 1e9;
		printf("%-8u %6zu %14.0f %14.0f %14.0f\n", streams, len, (t1 - t0) / n * 1e9, dec,
		        (t4 - t3) / n * 1e9);
		if (streams == 1)
			result = dec;
	}
	printf("RESULT W1 %.0f ns\n", result);
	return 0;
}
