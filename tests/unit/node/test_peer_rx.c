/* test_peer_rx.c — the pure parts of node-to-node links (app/node/peer_rx.c): frame reassembly
 * from partial reads at every split point, each hostile frame kind, end of stream inside a
 * frame, the hello check, the bounded per-peer queue accounting, and the port sniff. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hl_be.h"
#include "hl_err.h"
#include "peer.h"

#define MAXF 4096u

static uint8_t rxbuf[MAXF];
static struct hl_frame_cfg cfg;
static uint32_t cluster;
static const struct hl_peer_self me = {.id = 7,
        .roles = HL_ROLE_MANAGER,
        .name = "n7",
        .cluster = "lab",
        .env = "test",
        .ctrl = "127.0.0.1:7400"};

static int
setup(void **state)
{
	(void)state;
	cluster = hl_frame_cluster_hash("lab");
	hl_frame_cfg_init(&cfg, cluster, HL_PLANE_SLOW);
	return hl_frame_cfg_set_max(&cfg, MAXF);
}

/* A prefixed hello frame from node id into buf; returns its length. */
static size_t
hello_frame(uint64_t id, uint8_t *buf, size_t cap)
{
	struct hl_msg_node_register m;
	struct hl_peer_self s = me;
	uint8_t body[512];
	size_t bl, fl;
	struct hl_wire_err we;
	s.id = id;
	hl_peer_hello_fill(&s, &m);
	assert_int_equal(hl_msg_node_register_encode(&m, body, sizeof(body), &bl, &we), 0);
	assert_int_equal(
	        hl_peer_frame(&cfg, HL_MSG_node_register, body, bl, buf, cap, &fl, &we), 0);
	return fl;
}

static void
rx_new(struct hl_peer_rx *rx)
{
	assert_int_equal(hl_peer_rx_init(rx, rxbuf, sizeof(rxbuf), MAXF, cluster), 0);
}

/* Feed data[n] in pieces of at most step bytes; count frames, check each is a valid hello from
 * node 42 or 43 in order. */
static int
feed_all(const uint8_t *data, size_t n, size_t step, uint32_t *frames)
{
	struct hl_peer_rx rx;
	rx_new(&rx);
	size_t pos = 0;
	*frames = 0;
	while (pos < n) {
		size_t len = n - pos < step ? n - pos : step, off = 0;
		while (off < len) {
			size_t used = 0, bl = 0;
			unsigned type = 0;
			const uint8_t *b = NULL;
			struct hl_wire_err we;
			int rc = hl_peer_rx_feed(
			        &rx, data + pos + off, len - off, &used, &type, &b, &bl, &we);
			if (rc < 0)
				return rc;
			off += used;
			if (rc == 1) {
				struct hl_msg_node_register m;
				assert_int_equal(type, HL_MSG_node_register);
				assert_int_equal(hl_msg_node_register_decode(b, bl, &m, &we), 0);
				assert_int_equal(m.node.node_id, 42 + *frames);
				(*frames)++;
			} else {
				assert_int_equal(off, len); /* 0: everything consumed */
			}
		}
		pos += len;
	}
	struct hl_wire_err we;
	return hl_peer_rx_eof(&rx, &we);
}

static void
test_reassembly_every_split(void **state)
{
	(void)state;
	uint8_t two[1024];
	size_t a = hello_frame(42, two, sizeof(two));
	size_t b = hello_frame(43, two + a, sizeof(two) - a);
	uint32_t frames;
	for (size_t step = 1; step <= a + b; step++) {
		assert_int_equal(feed_all(two, a + b, step, &frames), 0);
		assert_int_equal(frames, 2);
	}
}

static void
test_eof_inside_frame(void **state)
{
	(void)state;
	uint8_t f[512];
	size_t n = hello_frame(42, f, sizeof(f));
	struct hl_peer_rx rx;
	struct hl_wire_err we;
	size_t used, bl;
	unsigned type;
	const uint8_t *b;
	for (size_t cut = 1; cut < n; cut++) {
		rx_new(&rx);
		assert_int_equal(hl_peer_rx_feed(&rx, f, cut, &used, &type, &b, &bl, &we), 0);
		assert_int_equal(used, cut);
		assert_int_equal(hl_peer_rx_eof(&rx, &we), -HL_E_TRUNCATED);
		assert_int_equal(we.kind, HL_E_TRUNCATED);
		if (cut > HL_FRAME_PREFIX) {
			assert_int_equal(we.actual, cut - HL_FRAME_PREFIX);
			assert_int_equal(we.limit, n - HL_FRAME_PREFIX);
		}
	}
	rx_new(&rx);
	assert_int_equal(hl_peer_rx_eof(&rx, &we), 0); /* nothing received: clean */
	assert_int_equal(hl_peer_rx_feed(&rx, f, n, &used, &type, &b, &bl, &we), 1);
	assert_int_equal(hl_peer_rx_eof(&rx, &we), 0); /* ended between frames */
}

/* One corrupted stream: expect rc and that the error is sticky. */
static void
expect_reject(const uint8_t *f, size_t n, int want, uint64_t actual, uint64_t limit)
{
	struct hl_peer_rx rx;
	struct hl_wire_err we;
	size_t used, bl;
	unsigned type;
	const uint8_t *b;
	rx_new(&rx);
	int rc = hl_peer_rx_feed(&rx, f, n, &used, &type, &b, &bl, &we);
	assert_int_equal(rc, want);
	assert_int_equal(we.kind, -want);
	if (actual || limit) {
		assert_int_equal(we.actual, actual);
		assert_int_equal(we.limit, limit);
	}
	uint8_t good[512];
	size_t gn = hello_frame(42, good, sizeof(good));
	assert_int_equal(hl_peer_rx_feed(&rx, good, gn, &used, &type, &b, &bl, &we), want);
	assert_int_equal(hl_peer_rx_eof(&rx, &we), 0); /* already failed: no second error */
}

static void
test_hostile_frames(void **state)
{
	(void)state;
	uint8_t f[512], g[512];
	size_t n = hello_frame(42, f, sizeof(f));
	const size_t P = HL_FRAME_PREFIX;

	memcpy(g, f, n);
	g[P] = 'X';
	expect_reject(g, n, -HL_E_BAD_MAGIC, 0, 0);

	memcpy(g, f, n);
	g[n - 1] ^= 0x55; /* CRC */
	expect_reject(g, n, -HL_E_BAD_CRC, 0, 0);

	memcpy(g, f, n);
	g[P + 20] ^= 0x01; /* a body byte */
	expect_reject(g, n, -HL_E_BAD_CRC, 0, 0);

	/* another cluster: a valid frame built with its hash */
	struct hl_frame_cfg other;
	size_t fl;
	struct hl_wire_err we;
	hl_frame_cfg_init(&other, hl_frame_cluster_hash("prod"), HL_PLANE_SLOW);
	assert_int_equal(hl_peer_frame(&other, HL_MSG_node_register, f + P + HL_FRAME_HDR,
	                         n - P - HL_FRAME_OVERHEAD, g, sizeof(g), &fl, &we),
	        0);
	expect_reject(g, fl, -HL_E_WRONG_CLUSTER, hl_frame_cluster_hash("prod"), cluster);

	/* unknown type with a valid CRC */
	memcpy(g, f, n);
	hl_st16(g + P + 4, 9999);
	hl_st32(g + n - 4, hl_crc32c(g + P, n - P - 4));
	expect_reject(g, n, -HL_E_UNKNOWN_MSG, 0, 0);

	/* oversize: rejected on the prefix, before any byte of the frame is buffered */
	hl_st32(g, MAXF + 1);
	expect_reject(g, P, -HL_E_OVERSIZE, MAXF + 1, MAXF);
	/* a link's reduced limit (before its hello) applies from the next prefix */
	{
		struct hl_peer_rx rx;
		size_t used, bl;
		unsigned type;
		const uint8_t *b;
		rx_new(&rx);
		hl_peer_rx_set_limit(&rx, (uint32_t)(n - P));
		assert_int_equal(hl_peer_rx_feed(&rx, f, n, &used, &type, &b, &bl, &we), 1);
		hl_peer_rx_set_limit(&rx, (uint32_t)(n - P - 1));
		assert_int_equal(
		        hl_peer_rx_feed(&rx, f, n, &used, &type, &b, &bl, &we), -HL_E_OVERSIZE);
		assert_int_equal(we.actual, n - P);
		assert_int_equal(we.limit, n - P - 1);
		rx_new(&rx);
		hl_peer_rx_set_limit(&rx, 10 * MAXF); /* clamped to the buffer */
		assert_int_equal(rx.fs.max_frame, MAXF);
	}
	/* shorter than a frame's overhead */
	hl_st32(g, 3);
	expect_reject(g, P, -HL_E_BAD_VALUE, 3, HL_FRAME_OVERHEAD);
	/* length prefix and header disagree */
	memcpy(g, f, n);
	hl_st32(g, (uint32_t)(n - P + 1));
	g[n] = 0;
	expect_reject(g, n + 1, -HL_E_TRAILING, 0, 0);
}

static void
test_frame_build_limits(void **state)
{
	(void)state;
	static uint8_t big[MAXF], out[MAXF + 64];
	size_t fl;
	struct hl_wire_err we;
	/* exactly at the limit passes, one byte more is OVERSIZE with sizes */
	size_t body = MAXF - HL_FRAME_OVERHEAD;
	assert_int_equal(
	        hl_peer_frame(&cfg, HL_MSG_job_submit, big, body, out, sizeof(out), &fl, &we), 0);
	assert_int_equal(fl, MAXF + HL_FRAME_PREFIX);
	assert_int_equal(
	        hl_peer_frame(&cfg, HL_MSG_job_submit, big, body + 1, out, sizeof(out), &fl, &we),
	        -HL_E_OVERSIZE);
	assert_int_equal(we.actual, MAXF + 1);
	assert_int_equal(we.limit, MAXF);
	assert_int_equal(
	        hl_peer_frame(&cfg, HL_MSG_job_submit, big, 1, out, 3, &fl, &we), -HL_E_OVERSIZE);
}

static void
test_hello_check(void **state)
{
	(void)state;
	struct hl_msg_node_register m;
	struct hl_peer_self s = me;
	struct hl_wire_err we;
	char why[128];
	s.id = 9;
	hl_peer_hello_fill(&s, &m);
	assert_int_equal(hl_peer_hello_check(&me, &m, &we, why, sizeof(why)), 0);
	assert_string_equal(m.node.ctrl, "127.0.0.1:7400");
	assert_int_equal(m.node.role, HL_ROLE_MANAGER);

	strcpy(m.cluster, "prod");
	assert_int_equal(hl_peer_hello_check(&me, &m, &we, why, sizeof(why)), -HL_E_WRONG_CLUSTER);
	assert_non_null(strstr(why, "prod"));
	hl_peer_hello_fill(&s, &m);
	strcpy(m.env, "other");
	assert_int_equal(hl_peer_hello_check(&me, &m, &we, why, sizeof(why)), -HL_E_WRONG_CLUSTER);
	hl_peer_hello_fill(&s, &m);
	m.proto_version = HL_PEER_PROTO + 1;
	assert_int_equal(hl_peer_hello_check(&me, &m, &we, why, sizeof(why)), -HL_E_BAD_VERSION);
	assert_int_equal(we.actual, HL_PEER_PROTO + 1);
	assert_int_equal(we.limit, HL_PEER_PROTO);
	hl_peer_hello_fill(&s, &m);
	m.node.node_id = 0;
	assert_int_equal(hl_peer_hello_check(&me, &m, &we, why, sizeof(why)), -HL_E_BAD_VALUE);
	m.node.node_id = me.id; /* our own id: a clash */
	assert_int_equal(hl_peer_hello_check(&me, &m, &we, why, sizeof(why)), -HL_E_BAD_VALUE);
	assert_non_null(strstr(why, "clash"));
}

static void
test_queue_bounds(void **state)
{
	(void)state;
	uint32_t ring[4];
	struct hl_peer_q q;
	uint64_t excess;
	/* frame bound */
	hl_peer_q_init(&q, ring, 4, 1000);
	for (int i = 0; i < 4; i++)
		assert_int_equal(hl_peer_q_admit(&q, 10, false), 0);
	assert_int_equal(hl_peer_q_admit(&q, 10, false), -ENOBUFS);
	assert_int_equal(hl_peer_q_admit(&q, 10, true), -ENOBUFS); /* force: never past frames */
	assert_int_equal(q.n, 4);
	assert_int_equal(q.bytes, 40);
	/* partial writes pop a frame only when all its bytes left */
	assert_int_equal(hl_peer_q_drain(&q, 5, NULL), 0);
	assert_int_equal(q.bytes, 35);
	assert_int_equal(hl_peer_q_drain(&q, 5, NULL), 1);
	assert_int_equal(hl_peer_q_drain(&q, 25, &excess), 2);
	assert_int_equal(excess, 0);
	assert_int_equal(q.n, 1);
	assert_int_equal(q.bytes, 5);
	/* wrap-around of the ring */
	for (int i = 0; i < 3; i++)
		assert_int_equal(hl_peer_q_admit(&q, 100, false), 0);
	assert_int_equal(hl_peer_q_drain(&q, 305 + 7, &excess), 4);
	assert_int_equal(excess, 7);
	assert_int_equal(q.n, 0);
	assert_int_equal(q.bytes, 0);

	/* byte bound; force lets a heartbeat past it */
	hl_peer_q_init(&q, ring, 4, 100);
	assert_int_equal(hl_peer_q_admit(&q, 60, false), 0);
	assert_int_equal(hl_peer_q_admit(&q, 41, false), -ENOBUFS);
	assert_int_equal(hl_peer_q_admit(&q, 40, false), 0);
	assert_int_equal(hl_peer_q_admit(&q, 1, false), -ENOBUFS);
	assert_int_equal(hl_peer_q_admit(&q, 30, true), 0);
	assert_int_equal(q.bytes, 130);
	assert_int_equal(hl_peer_q_drain(&q, 1000, &excess), 3);
	assert_int_equal(excess, 870);
	assert_int_equal(hl_peer_q_admit(&q, 100, false), 0);
}

static void
test_sniff(void **state)
{
	(void)state;
	uint8_t f[512];
	size_t n = hello_frame(42, f, sizeof(f));
	assert_int_equal(hl_peer_sniff(f, n), 1);
	assert_int_equal(hl_peer_sniff(f, HL_PEER_SNIFF_LEN), 1);
	for (size_t k = 0; k < HL_PEER_SNIFF_LEN; k++)
		assert_int_equal(hl_peer_sniff(f, k), -EAGAIN);
	/* a client request: same framing, another first type */
	uint8_t c[64];
	size_t cl;
	struct hl_wire_err we;
	assert_int_equal(
	        hl_peer_frame(&cfg, HL_MSG_nodes_query, "\x80", 1, c, sizeof(c), &cl, &we), 0);
	assert_int_equal(hl_peer_sniff(c, cl), 0);
	/* no frame magic: the client API answers it (as garbage) as soon as 6 bytes are in */
	static const uint8_t junk[] = {'G', 'E', 'T', ' ', '/', 'x'};
	assert_int_equal(hl_peer_sniff(junk, sizeof(junk)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_reassembly_every_split),
	        cmocka_unit_test(test_eof_inside_frame),
	        cmocka_unit_test(test_hostile_frames),
	        cmocka_unit_test(test_frame_build_limits),
	        cmocka_unit_test(test_hello_check),
	        cmocka_unit_test(test_queue_bounds),
	        cmocka_unit_test(test_sniff),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
