/* rows_bench.c — the largest per-stream result a node sends (app/node/rows.h): a DC's
 * stream_rows for a job at the profile's limits (HL_ROWS_MAX_IDS = 32 workflows x 16 streams,
 * each merged row with a histogram near HL_HIST_WIRE_MAX, plus one plain row per slice:
 * HL_WIRE_MAX_ROWS rows). Measures its size, encode, decode, the gate's merge of 8 DCs' rows
 * (HL_JOB_MAX_DCS), and one copy of it through a loopback TCP connection (what replicating it
 * to one peer costs the sender and receiver), beside memcpy of the same bytes in the same run.
 *   rows_bench [--smoke] [--reps N]      last line: RESULT rows-largest ... */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hl_prng.h"
#include "rows.h"

static struct hl_msg_stream_rows msg, dec;
static uint8_t hists[HL_ROWS_MAX_IDS][HL_HIST_WIRE_MAX];
static uint8_t *buf, *copy;
static size_t cap = 8u << 20, len;

static double
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void
build(uint32_t ids)
{
	static struct hl_hist h;
	struct hl_prng g;
	hl_prng_seed(&g, 1);
	memset(&msg, 0, sizeof(msg));
	msg.job_id = 1;
	msg.kind = HL_ROWS_DC;
	msg.node = 4;
	snprintf(msg.dc, sizeof(msg.dc), "dc-largest");
	for (uint32_t id = 0; id < ids; id++) {
		struct hl_rec_stream_row *r = &msg.rows.v[msg.rows.n++];
		hl_hist_reset(&h);
		for (int i = 0; i < 20000; i++) /* 2 us .. 200 us: ~2 KiB at full resolution */
			hl_hist_record(&h, 2000 + hl_prng_next(&g) % 198000);
		int n = hl_hist_encode(&h, hists[id], HL_HIST_WIRE_MAX, NULL);
		r->hist = (struct hl_wire_view){hists[id], (uint32_t)n};
		r->base.stream_id = id;
		r->base.tx_pkts = r->base.rx_pkts = r->base.lat_samples = h.count;
		hl_rows_figures(r, &h);
	}
	for (uint32_t id = 0; id < ids && msg.rows.n < HL_WIRE_MAX_ROWS; id++) {
		struct hl_rec_stream_row *r = &msg.rows.v[msg.rows.n++];
		*r = msg.rows.v[id];
		r->hist = (struct hl_wire_view){NULL, 0};
		r->worker = 100 + id % 64;
	}
}

static int srv_fd;
static void *
reader(void *arg)
{
	(void)arg;
	int c = accept(srv_fd, NULL, NULL);
	size_t got = 0;
	while (c >= 0) {
		ssize_t n = read(c, copy + (got % len), len - (got % len));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (c >= 0)
		close(c);
	return NULL;
}

struct figures {
	size_t bytes;
	double enc, dec, merge, tcp, mc;
};

static int
measure(uint32_t ids, int reps, struct figures *f)
{
	struct hl_wire_err we;
	build(ids);
	double t = now_ms();
	for (int i = 0; i < reps; i++)
		if (hl_msg_stream_rows_encode(&msg, buf, cap, &len, &we) < 0)
			return -1;
	f->enc = (now_ms() - t) / reps;
	t = now_ms();
	for (int i = 0; i < reps; i++)
		if (hl_msg_stream_rows_decode(buf, len, &dec, &we) < 0)
			return -1;
	f->dec = (now_ms() - t) / reps;
	/* the entry gate: 8 DCs' rows decoded and merged, every stream's row read back */
	static uint8_t out_hist[HL_HIST_WIRE_MAX];
	t = now_ms();
	for (int i = 0; i < reps; i++) {
		struct hl_rows_merge m;
		struct hl_rec_stream_row o;
		hl_rows_merge_init(&m);
		for (int d = 0; d < 8; d++) {
			if (hl_msg_stream_rows_decode(buf, len, &dec, &we) < 0)
				return -1;
			for (uint32_t k = 0; k < dec.rows.n; k++)
				if (dec.rows.v[k].worker == 0 &&
				        hl_rows_merge_add(&m, &dec.rows.v[k]) < 0)
					return -1;
		}
		for (uint32_t id = 0; id < ids; id++)
			(void)hl_rows_merge_row(&m, id, &o, out_hist, sizeof(out_hist));
		hl_rows_merge_fini(&m);
	}
	f->merge = (now_ms() - t) / reps;
	/* one copy through loopback TCP */
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	srv_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv_fd < 0 || bind(srv_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	        listen(srv_fd, 1) < 0 || getsockname(srv_fd, (struct sockaddr *)&a, &al) < 0)
		return -1;
	pthread_t th;
	pthread_create(&th, NULL, reader, NULL);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	t = now_ms();
	for (int i = 0; i < reps; i++)
		for (size_t off = 0; off < len;) {
			ssize_t n = write(c, buf + off, len - off);
			if (n <= 0)
				return -1;
			off += (size_t)n;
		}
	f->tcp = (now_ms() - t) / reps;
	close(c);
	pthread_join(th, NULL);
	close(srv_fd);
	t = now_ms();
	for (int i = 0; i < reps; i++) {
		memcpy(copy, buf, len);
		__asm__ volatile("" : : "r"(copy) : "memory");
	}
	f->mc = (now_ms() - t) / reps;
	f->bytes = len;
	printf("%u streams (%u rows): %zu bytes; encode %.3f ms  decode %.3f ms  merge of 8 DCs "
	       "%.3f ms  TCP copy %.3f ms  memcpy %.3f ms (reference)\n",
	        ids, msg.rows.n, len, f->enc, f->dec, f->merge, f->tcp, f->mc);
	return 0;
}

int
main(int argc, char **argv)
{
	int reps = 50;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			reps = 3;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
	}
	buf = malloc(cap);
	copy = malloc(cap);
	struct figures typ, big;
	if (buf == NULL || copy == NULL || measure(16, reps, &typ) < 0 ||
	        measure(HL_ROWS_MAX_IDS, reps, &big) < 0) {
		fprintf(stderr, "rows_bench: failed\n");
		return 1;
	}
	printf("RESULT rows-largest bytes=%zu encode_ms=%.3f decode_ms=%.3f merge8_ms=%.3f "
	       "tcp_copy_ms=%.3f memcpy_ms=%.3f typical16_bytes=%zu typical16_merge8_ms=%.3f "
	       "reps=%d\n",
	        big.bytes, big.enc, big.dec, big.merge, big.tcp, big.mc, typ.bytes, typ.merge,
	        reps);
	return 0;
}
