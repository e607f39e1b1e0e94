/* test_frame.c — frame encode/parse (CRC32C, magic, version, cluster, limits, planes) and the
 * TCP length-prefix de-framer with split and coalesced input. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_frame.h"
#include "hl_msg.h"
#include "hl_prng.h"
#include "wire_fill.h"

#define FRAME_CAP (2u << 20)

static uint8_t *frame;
static void *ma;
static void *mb;
static size_t msg_max;
static uint32_t cluster_a;
static uint32_t cluster_b;

static int
setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < hl_msg_count; i++)
		if (hl_msg_infos[i].rec->size > msg_max)
			msg_max = hl_msg_infos[i].rec->size;
	frame = malloc(FRAME_CAP);
	ma = malloc(msg_max);
	mb = malloc(msg_max);
	cluster_a = hl_frame_cluster_hash("lab-a");
	cluster_b = hl_frame_cluster_hash("lab-b");
	return frame && ma && mb ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	free(frame);
	free(ma);
	free(mb);
	return 0;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Recompute the trailing CRC after a test edited the header or body. */
static void
reseal(uint8_t *f, size_t len)
{
	put32(f + len - 4, hl_crc32c(f, len - 4));
}

static void
test_crc32c_vectors(void **state)
{
	(void)state;
	assert_int_equal(hl_crc32c("123456789", 9), 0xE3069283u);
	assert_int_equal(hl_crc32c("", 0), 0);
	/* RFC 3720 B.4: 32 bytes of zeros -> 0x8a9136aa */
	uint8_t z[32] = {0};
	assert_int_equal(hl_crc32c(z, sizeof(z)), 0x8a9136aau);
	assert_int_not_equal(cluster_a, cluster_b);
	assert_int_equal(hl_frame_cluster_hash("lab-a"), cluster_a);
}

static void
test_roundtrip_every_message(void **state)
{
	(void)state;
	struct hl_frame_cfg fast;
	struct hl_frame_cfg slow;
	hl_frame_cfg_init(&fast, cluster_a, HL_PLANE_FAST);
	hl_frame_cfg_init(&slow, cluster_a, HL_PLANE_SLOW);
	assert_int_equal(fast.max_frame, 1400);
	assert_int_equal(slow.max_frame, 4u << 20);
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		/* FAST messages at their maximum must still fit the default fast frame. */
		enum wire_fill_mode mode =
		        m->plane == HL_PLANE_FAST ? WIRE_FILL_MAX : WIRE_FILL_SOME;
		const struct hl_frame_cfg *cfg = m->plane == HL_PLANE_FAST ? &fast : &slow;
		struct hl_wire_err e;
		size_t len;
		unsigned type = 0;
		wire_fill(m->rec, ma, m->type, mode);
		int rc = hl_frame_encode(cfg, m->type, ma, frame, FRAME_CAP, &len, &e);
		if (rc != 0) {
			char t[256];
			hl_wire_err_fmt(&e, t, sizeof(t));
			fail_msg("%s: %s", m->name, t);
		}
		assert_true(len <= cfg->max_frame);
		assert_int_equal(hl_frame_decode(cfg, frame, len, &type, mb, msg_max, &e), 0);
		assert_int_equal(type, m->type);
		if (!hl_msg_equal(m->type, ma, mb))
			fail_msg("%s: frame round trip differs", m->name);
		/* every message also travels on the slow plane */
		assert_int_equal(
		        hl_frame_encode(&slow, m->type, ma, frame, FRAME_CAP, &len, &e), 0);
		assert_int_equal(hl_frame_decode(&slow, frame, len, &type, mb, msg_max, &e), 0);
		/* the header says what it is */
		struct hl_frame_hdr h;
		const uint8_t *body;
		assert_int_equal(hl_frame_parse(&slow, frame, len, &h, &body, &e), 0);
		assert_int_equal(h.type, m->type);
		assert_int_equal(h.version, HL_FRAME_VERSION);
		assert_int_equal(h.cluster, cluster_a);
		assert_int_equal(h.body_len + HL_FRAME_OVERHEAD, len);
		assert_ptr_equal(body, frame + HL_FRAME_HDR);
	}
}

/* A small valid frame to corrupt. */
static size_t
sample(const struct hl_frame_cfg *cfg)
{
	struct hl_msg_job_progress p = {.job_id = 77, .token = (3ull << 32) | 9, .seq = 5};
	strcpy(p.dc, "dc-east");
	size_t len;
	assert_int_equal(hl_msg_job_progress_encode(&p, frame + HL_FRAME_HDR, 512, &len, NULL), 0);
	size_t flen;
	assert_int_equal(hl_frame_wrap(cfg, HL_MSG_job_progress, frame + HL_FRAME_HDR, len, frame,
	                         FRAME_CAP, &flen, NULL),
	        0);
	return flen;
}

static void
expect_parse(const struct hl_frame_cfg *cfg, size_t len, int kind, uint64_t actual, uint64_t limit)
{
	struct hl_frame_hdr h;
	const uint8_t *body;
	struct hl_wire_err e;
	int rc = hl_frame_parse(cfg, frame, len, &h, &body, &e);
	assert_int_equal(rc, -kind);
	assert_int_equal(e.kind, kind);
	if (actual != UINT64_MAX)
		assert_int_equal(e.actual, actual);
	if (limit != UINT64_MAX)
		assert_int_equal(e.limit, limit);
}

static void
test_corruption(void **state)
{
	(void)state;
	struct hl_frame_cfg cfg;
	hl_frame_cfg_init(&cfg, cluster_a, HL_PLANE_FAST);
	size_t len = sample(&cfg);
	expect_parse(&cfg, len, 0, 0, 0); /* kind 0 = ok */

	/* any flipped bit in the body or the CRC is a CRC error */
	for (size_t i = HL_FRAME_HDR; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			frame[i] ^= (uint8_t)(1u << bit);
			expect_parse(&cfg, len, HL_E_BAD_CRC, UINT64_MAX, UINT64_MAX);
			frame[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* header fields, each its own error (CRC recomputed so the field check is what fails) */
	frame[0] = 'X';
	reseal(frame, len);
	expect_parse(&cfg, len, HL_E_BAD_MAGIC, UINT64_MAX, HL_FRAME_MAGIC);
	len = sample(&cfg);
	frame[2] = 2;
	reseal(frame, len);
	expect_parse(&cfg, len, HL_E_BAD_VERSION, 2, HL_FRAME_VERSION);
	len = sample(&cfg);
	frame[3] = HL_FRAME_F_SEALED;
	reseal(frame, len);
	expect_parse(&cfg, len, HL_E_UNSUPPORTED, HL_FRAME_F_SEALED, UINT64_MAX);
	len = sample(&cfg);
	frame[3] = 0x80;
	reseal(frame, len);
	expect_parse(&cfg, len, HL_E_BAD_VALUE, 0x80, UINT64_MAX);
	len = sample(&cfg);
	frame[7] = 1;
	reseal(frame, len);
	expect_parse(&cfg, len, HL_E_BAD_VALUE, UINT64_MAX, UINT64_MAX);
	len = sample(&cfg);
	frame[4] = 0x70; /* type 0x704a: not in the table */
	reseal(frame, len);
	expect_parse(&cfg, len, HL_E_UNKNOWN_MSG, 0x704a, UINT64_MAX);
	/* a header bit flip without resealing is still caught */
	len = sample(&cfg);
	frame[9] ^= 1;
	expect_parse(&cfg, len, HL_E_BAD_CRC, UINT64_MAX, UINT64_MAX);
}

static void
test_wrong_cluster(void **state)
{
	(void)state;
	struct hl_frame_cfg a;
	struct hl_frame_cfg b;
	hl_frame_cfg_init(&a, cluster_a, HL_PLANE_SLOW);
	hl_frame_cfg_init(&b, cluster_b, HL_PLANE_SLOW);
	size_t len = sample(&a);
	expect_parse(&a, len, 0, 0, 0);
	expect_parse(&b, len, HL_E_WRONG_CLUSTER, cluster_a, cluster_b);
}

static void
test_truncated_and_trailing(void **state)
{
	(void)state;
	struct hl_frame_cfg cfg;
	hl_frame_cfg_init(&cfg, cluster_a, HL_PLANE_SLOW);
	size_t len = sample(&cfg);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *exact = malloc(cut ? cut : 1);
		memcpy(exact, frame, cut);
		struct hl_frame_hdr h;
		const uint8_t *body;
		struct hl_wire_err e;
		assert_int_equal(hl_frame_parse(&cfg, exact, cut, &h, &body, &e), -HL_E_TRUNCATED);
		assert_int_equal(e.actual, cut);
		assert_int_equal(e.limit, cut < HL_FRAME_HDR ? HL_FRAME_HDR : len);
		free(exact);
	}
	frame[len] = 0;
	expect_parse(&cfg, len + 1, HL_E_TRAILING, len + 1, len);
}

static void
test_oversize_and_planes(void **state)
{
	(void)state;
	struct hl_frame_cfg fast;
	struct hl_frame_cfg slow;
	struct hl_wire_err e;
	size_t len;
	hl_frame_cfg_init(&fast, cluster_a, HL_PLANE_FAST);
	hl_frame_cfg_init(&slow, cluster_a, HL_PLANE_SLOW);

	/* a header announcing a body over the limit is rejected before the CRC is computed */
	size_t flen = sample(&fast);
	put32(frame + 12, 5000);
	expect_parse(&fast, flen, HL_E_OVERSIZE, 5000 + HL_FRAME_OVERHEAD, 1400);
	put32(frame + 12, 0xffffffffu);
	expect_parse(&slow, flen, HL_E_OVERSIZE, 0xffffffffull + HL_FRAME_OVERHEAD, 4u << 20);

	/* jumbo: a 3000-byte swim body is over the default, accepted when configured */
	uint8_t *body = calloc(1, 3000);
	assert_int_equal(hl_frame_wrap(&fast, HL_MSG_swim, body, 3000, frame, FRAME_CAP, &len, &e),
	        -HL_E_OVERSIZE);
	assert_int_equal(e.actual, 3000 + HL_FRAME_OVERHEAD);
	assert_int_equal(e.limit, 1400);
	assert_int_equal(e.msg_type, HL_MSG_swim);
	struct hl_frame_cfg jumbo = fast;
	assert_int_equal(hl_frame_cfg_set_max(&jumbo, HL_FRAME_JUMBO_MAX + 1), -EINVAL);
	assert_int_equal(hl_frame_cfg_set_max(&jumbo, HL_FRAME_OVERHEAD - 1), -EINVAL);
	assert_int_equal(jumbo.max_frame, HL_FRAME_FAST_MAX_DEFAULT);
	assert_int_equal(hl_frame_cfg_set_max(&jumbo, HL_FRAME_JUMBO_MAX), 0);
	assert_int_equal(
	        hl_frame_wrap(&jumbo, HL_MSG_swim, body, 3000, frame, FRAME_CAP, &len, &e), 0);
	expect_parse(&jumbo, len, 0, 0, 0);
	expect_parse(&fast, len, HL_E_OVERSIZE, len, 1400);
	free(body);

	/* a slow-plane message cannot be sent or accepted on the fast plane */
	struct hl_msg_job_submit *js = calloc(1, sizeof(*js));
	strcpy(js->idem_key, "k1");
	js->spec.p = (const uint8_t *)"[job]";
	js->spec.len = 5;
	assert_int_equal(hl_frame_encode(&fast, HL_MSG_job_submit, js, frame, FRAME_CAP, &len, &e),
	        -HL_E_WRONG_PLANE);
	assert_int_equal(e.msg_type, HL_MSG_job_submit);
	assert_int_equal(
	        hl_frame_encode(&slow, HL_MSG_job_submit, js, frame, FRAME_CAP, &len, &e), 0);
	struct hl_frame_cfg slow_big = slow;
	assert_int_equal(hl_frame_cfg_set_max(&slow_big, 64u << 20), 0); /* slow: beyond jumbo */
	assert_int_equal(hl_frame_cfg_set_max(&slow_big, HL_FRAME_JUMBO_MAX), 0);
	struct hl_frame_cfg fast_big = fast;
	fast_big.max_frame = HL_FRAME_JUMBO_MAX;
	expect_parse(&fast_big, len, HL_E_WRONG_PLANE, HL_PLANE_SLOW, HL_PLANE_FAST);
	expect_parse(&slow_big, len, 0, 0, 0);

	/* a message too big for the frame limit: the error gives its real size */
	uint8_t *spec = calloc(1, 4000);
	js->spec.p = spec;
	js->spec.len = 4000;
	size_t body_len;
	assert_int_equal(hl_msg_encoded_size(HL_MSG_job_submit, js, &body_len, NULL), 0);
	slow_big.max_frame = 2048;
	assert_int_equal(
	        hl_frame_encode(&slow_big, HL_MSG_job_submit, js, frame, FRAME_CAP, &len, &e),
	        -HL_E_OVERSIZE);
	assert_int_equal(e.actual, body_len + HL_FRAME_OVERHEAD);
	assert_int_equal(e.limit, 2048);
	assert_int_equal(e.msg_type, HL_MSG_job_submit);
	assert_int_equal(e.field_key, 0);
	/* ...and a field over its own maximum keeps the field error */
	memset(js->idem_key, 'k', sizeof(js->idem_key));
	assert_int_equal(hl_frame_encode(&slow, HL_MSG_job_submit, js, frame, FRAME_CAP, &len, &e),
	        -HL_E_OVERSIZE);
	assert_int_equal(e.field_key, 2);
	/* the caller's buffer is a limit too */
	memset(js->idem_key, 0, sizeof(js->idem_key));
	assert_int_equal(hl_frame_encode(&slow, HL_MSG_job_submit, js, frame, 100, &len, &e),
	        -HL_E_OVERSIZE);
	assert_int_equal(e.limit, 100);
	free(spec);
	free(js);

	/* decode into a struct too small for the type */
	flen = sample(&slow);
	unsigned type;
	assert_int_equal(hl_frame_decode(&slow, frame, flen, &type, mb, 8, &e), -HL_E_OVERSIZE);
	assert_int_equal(e.actual, sizeof(struct hl_msg_job_progress));
	/* a body error is reported at its offset in the frame */
	frame[HL_FRAME_HDR] = 0x91; /* body: array instead of map */
	reseal(frame, flen);
	assert_int_equal(
	        hl_frame_decode(&slow, frame, flen, &type, mb, msg_max, &e), -HL_E_BAD_TYPE);
	assert_int_equal(e.offset, HL_FRAME_HDR);
	assert_int_equal(e.msg_type, HL_MSG_job_progress);
}

/* Build a stream of n prefixed frames of varying messages; returns its length. */
static size_t
build_stream(uint8_t *out, size_t cap, unsigned n, size_t *lens)
{
	struct hl_frame_cfg slow;
	hl_frame_cfg_init(&slow, cluster_a, HL_PLANE_SLOW);
	size_t pos = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i % hl_msg_count];
		size_t len;
		wire_fill(m->rec, ma, 1000 + i, WIRE_FILL_SOME);
		assert_int_equal(hl_frame_encode(&slow, m->type, ma, out + pos + HL_FRAME_PREFIX,
		                         cap - pos - HL_FRAME_PREFIX, &len, NULL),
		        0);
		hl_frame_prefix(out + pos, (uint32_t)len);
		lens[i] = len;
		pos += HL_FRAME_PREFIX + len;
	}
	return pos;
}

/* Feed the stream in chunks chosen by the PRNG (0 = one chunk); check every frame. */
static void
feed_stream(const uint8_t *st, size_t total, unsigned n, const size_t *lens, struct hl_prng *g,
        size_t max_chunk)
{
	static uint8_t sbuf[1u << 20];
	struct hl_frame_stream s;
	struct hl_frame_cfg slow;
	hl_frame_cfg_init(&slow, cluster_a, HL_PLANE_SLOW);
	assert_int_equal(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), sizeof(sbuf)), 0);
	size_t pos = 0;
	size_t off = 0; /* offset of the next frame in st */
	unsigned got = 0;
	while (pos < total) {
		size_t chunk = max_chunk == 0 ? total - pos : 1 + hl_prng_below(g, max_chunk);
		if (chunk > total - pos)
			chunk = total - pos;
		const uint8_t *p = st + pos;
		size_t left = chunk;
		while (left > 0) {
			size_t used;
			const uint8_t *f;
			uint32_t flen;
			int rc = hl_frame_stream_feed(&s, p, left, &used, &f, &flen, NULL);
			assert_true(rc >= 0);
			assert_true(used <= left);
			p += used;
			left -= used;
			if (rc == 1) {
				assert_true(got < n);
				assert_int_equal(flen, lens[got]);
				assert_memory_equal(f, st + off + HL_FRAME_PREFIX, flen);
				unsigned type;
				assert_int_equal(
				        hl_frame_decode(&slow, f, flen, &type, mb, msg_max, NULL),
				        0);
				assert_int_equal(type, hl_msg_infos[got % hl_msg_count].type);
				off += HL_FRAME_PREFIX + flen;
				got++;
			} else {
				assert_int_equal(left, 0);
			}
		}
		pos += chunk;
	}
	assert_int_equal(got, n);
}

static void
test_stream_split_and_coalesced(void **state)
{
	(void)state;
	enum { N = 40 };
	size_t lens[N];
	uint8_t *st = malloc(4u << 20);
	size_t total = build_stream(st, 4u << 20, N, lens);
	struct hl_prng g;
	hl_prng_seed(&g, 20261123);
	feed_stream(st, total, N, lens, &g, 0); /* all coalesced in one feed */
	feed_stream(st, total, N, lens, &g, 1); /* byte by byte */
	feed_stream(st, total, N, lens, &g, 7);
	feed_stream(st, total, N, lens, &g, 300);
	feed_stream(st, total, N, lens, &g, 5000);
	free(st);
}

static void
test_stream_rejects(void **state)
{
	(void)state;
	uint8_t sbuf[256];
	struct hl_frame_stream s;
	struct hl_wire_err e;
	size_t used;
	const uint8_t *f;
	uint32_t flen;
	assert_int_equal(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), 512), -EINVAL);
	assert_int_equal(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), 10), -EINVAL);
	assert_int_equal(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), 256), 0);

	/* oversize prefix: rejected as soon as its 4 bytes are in, nothing more consumed */
	uint8_t in[64] = {0};
	put32(in, 257);
	assert_int_equal(hl_frame_stream_feed(&s, in, 2, &used, &f, &flen, &e), 0);
	assert_int_equal(used, 2);
	assert_int_equal(
	        hl_frame_stream_feed(&s, in + 2, 62, &used, &f, &flen, &e), -HL_E_OVERSIZE);
	assert_int_equal(used, 2);
	assert_int_equal(e.kind, HL_E_OVERSIZE);
	assert_int_equal(e.actual, 257);
	assert_int_equal(e.limit, 256);
	/* sticky: the connection is done */
	hl_wire_err_clear(&e);
	assert_int_equal(hl_frame_stream_feed(&s, in, 4, &used, &f, &flen, &e), -HL_E_OVERSIZE);
	assert_int_equal(used, 0);
	assert_int_equal(e.actual, 257);

	/* a prefix too small to hold a frame */
	assert_int_equal(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), 256), 0);
	put32(in, HL_FRAME_OVERHEAD - 1);
	assert_int_equal(hl_frame_stream_feed(&s, in, 8, &used, &f, &flen, &e), -HL_E_BAD_VALUE);
	assert_int_equal(e.actual, HL_FRAME_OVERHEAD - 1);

	/* huge prefix with the limit at 4 MiB: rejected, nothing buffered */
	static uint8_t big[HL_FRAME_SLOW_MAX_DEFAULT];
	assert_int_equal(hl_frame_stream_init(&s, big, sizeof(big), HL_FRAME_SLOW_MAX_DEFAULT), 0);
	put32(in, 0xffffffffu);
	assert_int_equal(hl_frame_stream_feed(&s, in, 4, &used, &f, &flen, &e), -HL_E_OVERSIZE);
	assert_int_equal(e.actual, 0xffffffffu);
	assert_int_equal(e.limit, HL_FRAME_SLOW_MAX_DEFAULT);
	assert_int_equal(s.have, 0);

	/* an exact-limit frame passes */
	assert_int_equal(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), 24), 0);
	put32(in, 24);
	assert_int_equal(hl_frame_stream_feed(&s, in, 28, &used, &f, &flen, &e), 1);
	assert_int_equal(flen, 24);
	assert_int_equal(used, 28);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_crc32c_vectors),
	        cmocka_unit_test(test_roundtrip_every_message),
	        cmocka_unit_test(test_corruption),
	        cmocka_unit_test(test_wrong_cluster),
	        cmocka_unit_test(test_truncated_and_trailing),
	        cmocka_unit_test(test_oversize_and_planes),
	        cmocka_unit_test(test_stream_split_and_coalesced),
	        cmocka_unit_test(test_stream_rejects),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
