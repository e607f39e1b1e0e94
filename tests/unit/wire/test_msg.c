/* test_msg.c — the generated message codec, table-driven over EVERY message of hl_msg_table.h:
 * round trips (some / max / required-only), and hostile bodies (truncated at every length,
 * oversize, wrong types, over-bound values, deep nesting, unknown, duplicate and missing keys,
 * trailing bytes), each expected to give the right structured error. */
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
#include "hl_mp.h"
#include "hl_msg.h"
#include "wire_fill.h"

#define BODY_CAP (3u << 20)

static uint8_t *body; /* encoded body */
static uint8_t *body2; /* rewritten body */
static uint8_t *zeros; /* source bytes for oversize strings/bins */
static void *ma; /* message structs */
static void *mb;
static size_t msg_max;

#define CHECK(cond, ...)                                     \
	do {                                                 \
		if (!(cond)) {                               \
			print_error(__VA_ARGS__);            \
			fail_msg("check failed: %s", #cond); \
		}                                            \
	} while (0)

static int
setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < hl_msg_count; i++)
		if (hl_msg_infos[i].rec->size > msg_max)
			msg_max = hl_msg_infos[i].rec->size;
	body = malloc(BODY_CAP);
	body2 = malloc(BODY_CAP);
	zeros = calloc(1, BODY_CAP);
	ma = malloc(msg_max);
	mb = malloc(msg_max);
	return body && body2 && zeros && ma && mb ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	free(body);
	free(body2);
	free(zeros);
	free(ma);
	free(mb);
	return 0;
}

/* Expect rc == -kind with a matching structured error. */
static void
expect_err(int rc, const struct hl_wire_err *e, int kind, unsigned type, unsigned key,
        const char *what)
{
	char txt[256];
	hl_wire_err_fmt(e, txt, sizeof(txt));
	CHECK(rc == -kind, "%s %s: rc %s want %s (%s)\n", hl_msg_name(type), what, hl_errname(rc),
	        hl_errname(kind), txt);
	CHECK(e->kind == kind, "%s %s: err.kind %d\n", hl_msg_name(type), what, e->kind);
	CHECK(e->msg_type == type, "%s %s: err.msg_type %u\n", hl_msg_name(type), what,
	        e->msg_type);
	if (key != 0)
		CHECK(e->field_key == key, "%s %s: err.field_key %u want %u (%s)\n",
		        hl_msg_name(type), what, e->field_key, key, txt);
}

static size_t
encode_ok(unsigned type, const void *m, uint8_t *buf)
{
	size_t len = 0;
	struct hl_wire_err e;
	int rc = hl_msg_encode(type, m, buf, BODY_CAP, &len, &e);
	char txt[256];
	hl_wire_err_fmt(&e, txt, sizeof(txt));
	CHECK(rc == 0, "%s: encode failed: %s\n", hl_msg_name(type), txt);
	return len;
}

/* ---- table sanity ---- */

static void
check_rec_layout(const struct hl_wire_rec *rec)
{
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct hl_wire_field *f = &rec->fields[i];
		CHECK(f->key >= 1 && f->key <= 127, "%s.%s key\n", rec->name, f->name);
		CHECK(f->off < rec->size, "%s.%s offset\n", rec->name, f->name);
		if (f->kind == HL_WK_STR || f->kind == HL_WK_BIN || f->kind == HL_WK_U64L ||
		        f->kind == HL_WK_RECL)
			CHECK(f->max > 0, "%s.%s must be bounded\n", rec->name, f->name);
		if (f->kind == HL_WK_U64L || f->kind == HL_WK_RECL)
			CHECK(f->off_v + f->max * f->elem <= rec->size, "%s.%s list layout\n",
			        rec->name, f->name);
		if (f->kind == HL_WK_REC || f->kind == HL_WK_RECL) {
			CHECK(f->sub != NULL, "%s.%s sub\n", rec->name, f->name);
			check_rec_layout(f->sub);
		}
		for (uint32_t j = 0; j < i; j++)
			CHECK(rec->fields[j].key != f->key, "%s dup key %u\n", rec->name, f->key);
	}
}

static void
test_table_sane(void **state)
{
	(void)state;
	assert_true(hl_msg_count > 50);
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		CHECK(m->name[0] != 0 && m->dir[0] != 0 && m->purpose[0] != 0, "entry %u\n", i);
		CHECK(m->plane == HL_PLANE_FAST || m->plane == HL_PLANE_SLOW, "%s plane\n",
		        m->name);
		CHECK(hl_msg_info(m->type) == m, "%s lookup\n", m->name);
		CHECK(strcmp(hl_msg_name(m->type), m->name) == 0, "%s name\n", m->name);
		CHECK(hl_msg_size(m->type) == m->rec->size, "%s size\n", m->name);
		if (i > 0)
			CHECK(hl_msg_infos[i - 1].type < m->type, "%s: ids ascending\n", m->name);
		/* The promise of the FAST plane: the worst case fits one default fast frame. */
		if (m->plane == HL_PLANE_FAST)
			CHECK(hl_msg_max_body(m->type) + HL_FRAME_OVERHEAD <=
			                HL_FRAME_FAST_MAX_DEFAULT,
			        "%s: worst case %zu does not fit a fast frame\n", m->name,
			        hl_msg_max_body(m->type));
		check_rec_layout(m->rec);
	}
	assert_null(hl_msg_info(0));
	assert_null(hl_msg_info(9999));
	assert_string_equal(hl_msg_name(9999), "unknown");
	assert_int_equal(hl_msg_plane(9999), 0);
	assert_int_equal(hl_msg_size(9999), 0);
	assert_int_equal(HL_MSG_job_submit, 64);
	assert_int_equal(hl_msg_plane(HL_MSG_swim), HL_PLANE_FAST);
	assert_string_equal(hl_msg_field_name(HL_MSG_job_submit, 2), "idem_key");
	assert_null(hl_msg_field_name(HL_MSG_job_submit, 99));
}

/* ---- round trips ---- */

static void
roundtrip_mode(enum wire_fill_mode mode, uint64_t seed)
{
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		struct hl_wire_err e;
		wire_fill(m->rec, ma, seed + m->type, mode);
		size_t len = encode_ok(m->type, ma, body);
		CHECK(len <= hl_msg_max_body(m->type), "%s: %zu over max_body %zu\n", m->name, len,
		        hl_msg_max_body(m->type));
		size_t counted = 0;
		CHECK(hl_msg_encoded_size(m->type, ma, &counted, NULL) == 0 && counted == len,
		        "%s: encoded_size %zu != %zu\n", m->name, counted, len);
		memset(mb, 0xa5,
		        m->rec->size); /* decode must not depend on the struct's prior state */
		int rc = hl_msg_decode(m->type, body, len, mb, &e);
		char txt[256];
		hl_wire_err_fmt(&e, txt, sizeof(txt));
		CHECK(rc == 0, "%s: decode: %s\n", m->name, txt);
		CHECK(hl_msg_equal(m->type, ma, mb), "%s: decoded != encoded (mode %d)\n", m->name,
		        mode);
		/* A message differing in one field must compare unequal (equality is not vacuous). */
		if (mode == WIRE_FILL_SOME) {
			wire_fill(m->rec, ma, seed + m->type + 1000, mode);
			CHECK(!hl_msg_equal(m->type, ma, mb), "%s: equality vacuous\n", m->name);
		}
	}
}

static void
test_roundtrip_some(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 5; seed++)
		roundtrip_mode(WIRE_FILL_SOME, seed * 7919);
}

static void
test_roundtrip_max(void **state)
{
	(void)state;
	roundtrip_mode(WIRE_FILL_MAX, 42);
}

/* Optional fields absent on the wire decode as zero; the encoder omits zero optional fields. */
static void
test_roundtrip_required_only(void **state)
{
	(void)state;
	roundtrip_mode(WIRE_FILL_REQ, 3);
	struct hl_msg_job_ack a = {.job_id = 7, .accepted = true};
	struct hl_msg_job_ack b;
	uint8_t buf[64];
	size_t len;
	struct hl_wire_err e;
	assert_int_equal(hl_msg_job_ack_encode(&a, buf, sizeof(buf), &len, &e), 0);
	/* map(2) {1: 7, 3: true} */
	const uint8_t want[] = {0x82, 0x01, 0x07, 0x03, 0xc3};
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	memset(&b, 0xff, sizeof(b));
	assert_int_equal(hl_msg_job_ack_decode(buf, len, &b, &e), 0);
	assert_int_equal(b.job_id, 7);
	assert_true(b.accepted);
	assert_int_equal(b.code, 0);
	assert_string_equal(b.reason, "");
	assert_int_equal(b.dcs.n, 0);
	assert_int_equal(b.leader.node_id, 0);
}

/* ---- hostile bodies ---- */

static void
test_truncated_every_length(void **state)
{
	(void)state;
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		struct hl_wire_err e;
		wire_fill(m->rec, ma, 11 + m->type, WIRE_FILL_SOME);
		size_t len = encode_ok(m->type, ma, body);
		for (size_t cut = 0; cut < len; cut++) {
			/* Copy to an exact-size buffer so ASan sees any read past the end. */
			uint8_t *exact = malloc(cut ? cut : 1);
			memcpy(exact, body, cut);
			int rc = hl_msg_decode(m->type, exact, cut, mb, &e);
			free(exact);
			char what[64];
			snprintf(what, sizeof(what), "cut at %zu/%zu", cut, len);
			expect_err(rc, &e, HL_E_TRUNCATED, m->type, 0, what);
			CHECK(e.offset <= cut, "%s: offset %u past the cut %zu\n", m->name,
			        e.offset, cut);
		}
	}
}

static void
test_trailing_bytes(void **state)
{
	(void)state;
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		struct hl_wire_err e;
		wire_fill(m->rec, ma, 5, WIRE_FILL_SOME);
		size_t len = encode_ok(m->type, ma, body);
		body[len] = 0xc0;
		expect_err(hl_msg_decode(m->type, body, len + 1, mb, &e), &e, HL_E_TRAILING,
		        m->type, 0, "trailing");
		assert_int_equal(e.offset, len);
		assert_int_equal(e.actual, 1);
	}
}

/* Write a value one over the field's maximum (string/bin bytes or list entries). */
static void
write_oversize(struct hl_mp_wr *w, const struct hl_wire_field *f)
{
	uint32_t n = (uint32_t)f->max + 1;
	switch (f->kind) {
	case HL_WK_STR:
		memset(zeros, 'x', n);
		hl_mp_wr_str(w, (const char *)zeros, n);
		memset(zeros, 0, n);
		break;
	case HL_WK_BIN:
		hl_mp_wr_bin(w, zeros, n);
		break;
	default: /* lists: the header is over the limit; enough bytes follow for it to be
		  * believable, so the error must come from the bound, not from truncation */
		hl_mp_wr_array(w, n);
		for (uint32_t k = 0; k < n; k++)
			hl_mp_wr_nil(w);
		break;
	}
}

static bool
is_sized(const struct hl_wire_field *f)
{
	return f->kind == HL_WK_STR || f->kind == HL_WK_BIN || f->kind == HL_WK_U64L ||
	       f->kind == HL_WK_RECL;
}

static void
test_oversize_fields(void **state)
{
	(void)state;
	unsigned checked = 0;
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		for (uint32_t j = 0; j < m->rec->nfields; j++) {
			const struct hl_wire_field *f = &m->rec->fields[j];
			struct hl_wire_err e;
			struct hl_mp_wr w;
			if (is_sized(f)) {
				hl_mp_wr_init(&w, body, BODY_CAP);
				hl_mp_wr_map(&w, 1);
				hl_mp_wr_u64(&w, f->key);
				write_oversize(&w, f);
				assert_int_equal(w.err, 0);
				int rc = hl_msg_decode(m->type, body, w.len, mb, &e);
				expect_err(rc, &e, HL_E_OVERSIZE, m->type, f->key, f->name);
				CHECK(e.actual == f->max + 1 && e.limit == f->max,
				        "%s.%s: actual %lu limit %lu\n", m->name, f->name,
				        (unsigned long)e.actual, (unsigned long)e.limit);
				assert_int_equal(e.sub_key, 0);
				assert_int_equal(e.offset, 2); /* map header + key */
				checked++;
			}
			if (f->kind != HL_WK_REC && f->kind != HL_WK_RECL)
				continue;
			/* The same one level down: {key: {subkey: oversize}} or [..] of it. */
			for (uint32_t k = 0; k < f->sub->nfields; k++) {
				const struct hl_wire_field *g = &f->sub->fields[k];
				if (!is_sized(g))
					continue;
				hl_mp_wr_init(&w, body, BODY_CAP);
				hl_mp_wr_map(&w, 1);
				hl_mp_wr_u64(&w, f->key);
				if (f->kind == HL_WK_RECL)
					hl_mp_wr_array(&w, 1);
				hl_mp_wr_map(&w, 1);
				hl_mp_wr_u64(&w, g->key);
				write_oversize(&w, g);
				int rc = hl_msg_decode(m->type, body, w.len, mb, &e);
				expect_err(rc, &e, HL_E_OVERSIZE, m->type, f->key, g->name);
				CHECK(e.sub_key == g->key && e.actual == g->max + 1 &&
				                e.limit == g->max,
				        "%s.%s.%s: sub_key %u actual %lu\n", m->name, f->name,
				        g->name, e.sub_key, (unsigned long)e.actual);
				checked++;
			}
		}
	}
	assert_true(checked > 100);
}

/* A value of a type the field never accepts. */
static void
write_wrong_type(struct hl_mp_wr *w, const struct hl_wire_field *f)
{
	switch (f->kind) {
	case HL_WK_U64:
	case HL_WK_I64:
	case HL_WK_F64:
	case HL_WK_BOOL:
	case HL_WK_BIN: /* str is not bin */
		hl_mp_wr_cstr(w, "x");
		break;
	case HL_WK_STR:
		hl_mp_wr_bin(w, "x", 1);
		break;
	case HL_WK_U64L:
	case HL_WK_RECL:
		hl_mp_wr_map(w, 0);
		break;
	case HL_WK_REC:
		hl_mp_wr_array(w, 0);
		break;
	}
}

static void
test_wrong_types_and_bounds(void **state)
{
	(void)state;
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		for (uint32_t j = 0; j < m->rec->nfields; j++) {
			const struct hl_wire_field *f = &m->rec->fields[j];
			struct hl_wire_err e;
			struct hl_mp_wr w;
			hl_mp_wr_init(&w, body, BODY_CAP);
			hl_mp_wr_map(&w, 1);
			hl_mp_wr_u64(&w, f->key);
			write_wrong_type(&w, f);
			expect_err(hl_msg_decode(m->type, body, w.len, mb, &e), &e, HL_E_BAD_TYPE,
			        m->type, f->key, f->name);
			if (f->kind == HL_WK_U64L) { /* an element of the wrong type */
				hl_mp_wr_init(&w, body, BODY_CAP);
				hl_mp_wr_map(&w, 1);
				hl_mp_wr_u64(&w, f->key);
				hl_mp_wr_array(&w, 2);
				hl_mp_wr_u64(&w, 1);
				hl_mp_wr_f64(&w, 1.5);
				expect_err(hl_msg_decode(m->type, body, w.len, mb, &e), &e,
				        HL_E_BAD_TYPE, m->type, f->key, f->name);
			}
			if (f->kind != HL_WK_U64)
				continue;
			/* negative where unsigned is expected */
			hl_mp_wr_init(&w, body, BODY_CAP);
			hl_mp_wr_map(&w, 1);
			hl_mp_wr_u64(&w, f->key);
			hl_mp_wr_i64(&w, -1);
			expect_err(hl_msg_decode(m->type, body, w.len, mb, &e), &e, HL_E_BAD_VALUE,
			        m->type, f->key, f->name);
			if (f->max == 0)
				continue;
			/* over the field's bound */
			hl_mp_wr_init(&w, body, BODY_CAP);
			hl_mp_wr_map(&w, 1);
			hl_mp_wr_u64(&w, f->key);
			hl_mp_wr_u64(&w, f->max + 1);
			expect_err(hl_msg_decode(m->type, body, w.len, mb, &e), &e, HL_E_BAD_VALUE,
			        m->type, f->key, f->name);
			CHECK(e.actual == f->max + 1 && e.limit == f->max, "%s.%s bound\n", m->name,
			        f->name);
		}
		/* a key that is not an unsigned integer, and a body that is not a map */
		struct hl_wire_err e;
		const uint8_t strkey[] = {0x81, 0xa1, 'k', 0x01};
		expect_err(hl_msg_decode(m->type, strkey, sizeof(strkey), mb, &e), &e,
		        HL_E_BAD_TYPE, m->type, 0, "string key");
		const uint8_t negkey[] = {0x81, 0xff, 0x01};
		expect_err(hl_msg_decode(m->type, negkey, sizeof(negkey), mb, &e), &e,
		        HL_E_BAD_TYPE, m->type, 0, "negative key");
		const uint8_t arr[] = {0x91, 0x01};
		expect_err(hl_msg_decode(m->type, arr, sizeof(arr), mb, &e), &e, HL_E_BAD_TYPE,
		        m->type, 0, "array body");
	}
}

static void
test_nul_inside_string(void **state)
{
	(void)state;
	struct hl_wire_err e;
	/* job_ack {1: 7, 3: true, 5: "a\0b"} */
	const uint8_t b[] = {0x83, 0x01, 0x07, 0x03, 0xc3, 0x05, 0xa3, 'a', 0x00, 'b'};
	expect_err(hl_msg_decode(HL_MSG_job_ack, b, sizeof(b), mb, &e), &e, HL_E_BAD_VALUE,
	        HL_MSG_job_ack, 5, "NUL in string");
}

static void
write_deep(struct hl_mp_wr *w, int depth)
{
	for (int d = 0; d < depth; d++)
		hl_mp_wr_array(w, 1);
	hl_mp_wr_u64(w, 1);
}

static void
test_deep_nesting(void **state)
{
	(void)state;
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		struct hl_wire_err e;
		struct hl_mp_wr w;
		/* unknown key whose value nests 200 deep */
		hl_mp_wr_init(&w, body, BODY_CAP);
		hl_mp_wr_map(&w, 1);
		hl_mp_wr_u64(&w, 100);
		write_deep(&w, 200);
		expect_err(hl_msg_decode(m->type, body, w.len, mb, &e), &e, HL_E_TOO_DEEP, m->type,
		        100, "deep unknown");
		/* the same inside every nested record field: the cap counts the outer levels */
		for (uint32_t j = 0; j < m->rec->nfields; j++) {
			const struct hl_wire_field *f = &m->rec->fields[j];
			if (f->kind != HL_WK_REC && f->kind != HL_WK_RECL)
				continue;
			hl_mp_wr_init(&w, body, BODY_CAP);
			hl_mp_wr_map(&w, 1);
			hl_mp_wr_u64(&w, f->key);
			if (f->kind == HL_WK_RECL)
				hl_mp_wr_array(&w, 1);
			hl_mp_wr_map(&w, 1);
			hl_mp_wr_u64(&w, 100);
			write_deep(&w, HL_MP_MAX_DEPTH);
			expect_err(hl_msg_decode(m->type, body, w.len, mb, &e), &e, HL_E_TOO_DEEP,
			        m->type, f->key, "deep nested unknown");
		}
	}
}

/* Copy the pairs of a map body, dropping key `drop` (0: none), adding `extra` pairs after. */
static size_t
rewrite(const uint8_t *in, size_t len, uint64_t drop, int dup_first, int add_unknown)
{
	struct hl_mp_rd r;
	struct hl_mp_wr w;
	uint32_t n;
	hl_mp_rd_init(&r, in, len);
	assert_int_equal(hl_mp_rd_map(&r, &n, 1000), 0);
	const uint8_t *pairs = r.p;
	const uint8_t *first_end = NULL;
	/* count kept pairs */
	uint32_t kept = 0;
	struct hl_mp_rd scan = r;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t k;
		assert_int_equal(hl_mp_rd_u64(&scan, &k), 0);
		assert_int_equal(hl_mp_rd_skip(&scan), 0);
		if (i == 0)
			first_end = scan.p;
		kept += k != drop;
	}
	hl_mp_wr_init(&w, body2, BODY_CAP);
	hl_mp_wr_map(&w, kept + (dup_first ? 1 : 0) + (add_unknown ? 4 : 0));
	uint8_t *out = body2 + w.len;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *start = r.p;
		uint64_t k;
		assert_int_equal(hl_mp_rd_u64(&r, &k), 0);
		assert_int_equal(hl_mp_rd_skip(&r), 0);
		if (k == drop)
			continue;
		memcpy(out, start, (size_t)(r.p - start));
		out += r.p - start;
	}
	if (dup_first) {
		memcpy(out, pairs, (size_t)(first_end - pairs));
		out += first_end - pairs;
	}
	size_t total = (size_t)(out - body2);
	if (add_unknown) {
		struct hl_mp_wr x;
		hl_mp_wr_init(&x, out, BODY_CAP - total);
		hl_mp_wr_u64(&x, 100); /* nested containers of every kind */
		hl_mp_wr_map(&x, 2);
		hl_mp_wr_u64(&x, 1);
		hl_mp_wr_array(&x, 3);
		hl_mp_wr_i64(&x, -5);
		hl_mp_wr_cstr(&x, "x");
		hl_mp_wr_bin(&x, "yz", 2);
		hl_mp_wr_cstr(&x, "k");
		hl_mp_wr_f64(&x, 2.5);
		hl_mp_wr_u64(&x, 127);
		hl_mp_wr_nil(&x);
		hl_mp_wr_u64(&x, 5000); /* a key above the one-byte range */
		hl_mp_wr_bool(&x, false);
		hl_mp_wr_u64(&x, 101);
		const uint8_t ext[] = {0xd4, 0x01, 0x02}; /* fixext1 */
		assert_int_equal(x.err, 0);
		memcpy(out + x.len, ext, sizeof(ext));
		total += x.len + sizeof(ext);
	}
	return total;
}

static void
test_unknown_keys_skipped(void **state)
{
	(void)state;
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		struct hl_wire_err e;
		wire_fill(m->rec, ma, 77 + m->type, WIRE_FILL_SOME);
		size_t len = encode_ok(m->type, ma, body);
		size_t len2 = rewrite(body, len, 0, 0, 1);
		int rc = hl_msg_decode(m->type, body2, len2, mb, &e);
		CHECK(rc == 0, "%s: unknown keys not skipped: %s\n", m->name, hl_errname(rc));
		CHECK(hl_msg_equal(m->type, ma, mb), "%s: unknown keys changed the message\n",
		        m->name);
	}
}

static void
test_duplicate_keys(void **state)
{
	(void)state;
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		struct hl_wire_err e;
		wire_fill(m->rec, ma, 9, WIRE_FILL_SOME);
		size_t len = encode_ok(m->type, ma, body);
		size_t len2 = rewrite(body, len, 0, 1, 0);
		expect_err(hl_msg_decode(m->type, body2, len2, mb, &e), &e, HL_E_DUPLICATE, m->type,
		        m->rec->fields[0].key, "duplicate");
	}
	/* duplicate unknown keys are rejected as well */
	struct hl_wire_err e;
	const uint8_t b[] = {0x83, 0x01, 0x05, 0x63, 0xc0, 0x63, 0xc0};
	expect_err(hl_msg_decode(HL_MSG_job_status_query, b, sizeof(b), mb, &e), &e, HL_E_DUPLICATE,
	        HL_MSG_job_status_query, 99, "duplicate unknown");
}

static void
test_missing_required(void **state)
{
	(void)state;
	unsigned checked = 0;
	for (unsigned i = 0; i < hl_msg_count; i++) {
		const struct hl_msg_info *m = &hl_msg_infos[i];
		wire_fill(m->rec, ma, 13, WIRE_FILL_SOME);
		size_t len = encode_ok(m->type, ma, body);
		for (uint32_t j = 0; j < m->rec->nfields; j++) {
			const struct hl_wire_field *f = &m->rec->fields[j];
			struct hl_wire_err e;
			size_t len2 = rewrite(body, len, f->key, 0, 0);
			int rc = hl_msg_decode(m->type, body2, len2, mb, &e);
			if (!f->required) { /* an optional field may go missing */
				CHECK(rc == 0, "%s.%s optional but rejected\n", m->name, f->name);
				continue;
			}
			expect_err(rc, &e, HL_E_MISSING_FIELD, m->type, f->key, f->name);
			checked++;
		}
		/* nested: a record field given as an empty map lacks the record's required keys */
		for (uint32_t j = 0; j < m->rec->nfields; j++) {
			const struct hl_wire_field *f = &m->rec->fields[j];
			if (f->kind != HL_WK_REC && f->kind != HL_WK_RECL)
				continue;
			const struct hl_wire_field *req = NULL;
			for (uint32_t k = 0; k < f->sub->nfields && req == NULL; k++)
				if (f->sub->fields[k].required)
					req = &f->sub->fields[k];
			if (req == NULL)
				continue;
			struct hl_wire_err e;
			struct hl_mp_wr w;
			hl_mp_wr_init(&w, body2, BODY_CAP);
			hl_mp_wr_map(&w, 1);
			hl_mp_wr_u64(&w, f->key);
			if (f->kind == HL_WK_RECL)
				hl_mp_wr_array(&w, 1);
			hl_mp_wr_map(&w, 0);
			expect_err(hl_msg_decode(m->type, body2, w.len, mb, &e), &e,
			        HL_E_MISSING_FIELD, m->type, f->key, "nested required");
			CHECK(e.sub_key == req->key, "%s.%s: sub_key %u want %u\n", m->name,
			        f->name, e.sub_key, req->key);
			checked++;
		}
	}
	assert_true(checked > 100);
}

static void
test_lying_map_count(void **state)
{
	(void)state;
	struct hl_wire_err e;
	/* map32 claiming 2^32-1 pairs in 5 bytes: over the bound before anything is read */
	const uint8_t b[] = {0xdf, 0xff, 0xff, 0xff, 0xff};
	expect_err(hl_msg_decode(HL_MSG_job_submit, b, sizeof(b), mb, &e), &e, HL_E_OVERSIZE,
	        HL_MSG_job_submit, 0, "huge map");
	assert_int_equal(e.actual, 0xffffffffu);
	/* a believable count that the bytes cannot hold */
	const uint8_t c[] = {0x8f, 0x01, 0x01};
	expect_err(hl_msg_decode(HL_MSG_job_submit, c, sizeof(c), mb, &e), &e, HL_E_TRUNCATED,
	        HL_MSG_job_submit, 0, "short map");
	/* a string whose declared length runs past the end */
	const uint8_t d[] = {0x81, 0x02, 0xd9, 0x30, 'a'};
	expect_err(hl_msg_decode(HL_MSG_job_submit, d, sizeof(d), mb, &e), &e, HL_E_TRUNCATED,
	        HL_MSG_job_submit, 2, "short string");
	assert_int_equal(e.actual, 0x30);
}

static void
test_unknown_type(void **state)
{
	(void)state;
	struct hl_wire_err e;
	const uint8_t b[] = {0x80};
	size_t len;
	assert_int_equal(hl_msg_decode(9999, b, 1, mb, &e), -HL_E_UNKNOWN_MSG);
	assert_int_equal(e.kind, HL_E_UNKNOWN_MSG);
	assert_int_equal(e.actual, 9999);
	assert_int_equal(hl_msg_encode(0, ma, body, BODY_CAP, &len, &e), -HL_E_UNKNOWN_MSG);
	assert_false(hl_msg_equal(9999, ma, mb));
}

/* The encoder refuses what the decoder would reject. */
static void
test_encode_errors(void **state)
{
	(void)state;
	struct hl_wire_err e;
	size_t len;
	struct hl_msg_job_ack a = {.job_id = 1};
	memset(a.reason, 'r', sizeof(a.reason)); /* no NUL within max + 1 */
	assert_int_equal(hl_msg_job_ack_encode(&a, body, BODY_CAP, &len, &e), -HL_E_OVERSIZE);
	assert_int_equal(e.field_key, 5);
	assert_int_equal(e.actual, HL_WIRE_TEXT_MAX + 1);
	assert_int_equal(e.limit, HL_WIRE_TEXT_MAX);
	assert_int_equal(len, 0);

	a.reason[0] = 0;
	a.dcs.n = HL_WIRE_MAX_DCS + 1;
	assert_int_equal(hl_msg_job_ack_encode(&a, body, BODY_CAP, &len, &e), -HL_E_OVERSIZE);
	assert_int_equal(e.field_key, 10);

	a.dcs.n = 1;
	memset(a.dcs.v[0].name, 'd', sizeof(a.dcs.v[0].name));
	assert_int_equal(hl_msg_job_ack_encode(&a, body, BODY_CAP, &len, &e), -HL_E_OVERSIZE);
	assert_int_equal(e.field_key, 10);
	assert_int_equal(e.sub_key, 1);

	struct hl_msg_rate_limited r = {.op = HL_RATE_OP_MAX + 1, .retry_after_ms = 5};
	assert_int_equal(hl_msg_rate_limited_encode(&r, body, BODY_CAP, &len, &e), -HL_E_BAD_VALUE);
	assert_int_equal(e.field_key, 1);
	assert_int_equal(e.actual, HL_RATE_OP_MAX + 1);

	struct hl_msg_swim s = {.body = {.p = NULL, .len = 3}};
	assert_int_equal(hl_msg_swim_encode(&s, body, BODY_CAP, &len, &e), -HL_E_BAD_VALUE);
	s.body.len = HL_WIRE_SWIM_MAX + 1;
	s.body.p = zeros;
	assert_int_equal(hl_msg_swim_encode(&s, body, BODY_CAP, &len, &e), -HL_E_OVERSIZE);

	/* buffer too small: sticky writer error surfaces as OVERSIZE with the buffer as limit */
	r.op = 1;
	assert_int_equal(hl_msg_rate_limited_encode(&r, body, 3, &len, &e), -HL_E_OVERSIZE);
	assert_int_equal(e.limit, 3);
	assert_int_equal(len, 0);
	assert_int_equal(hl_msg_rate_limited_encode(&r, body, 5, &len, &e), 0);
	assert_int_equal(len, 5);
}

static void
test_error_message(void **state)
{
	(void)state;
	struct hl_wire_err e;
	struct hl_wire_err back;
	struct hl_msg_error m;
	struct hl_msg_error m2;
	char txt[256];
	size_t len;
	/* an oversize idempotency key in a submission */
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, body, BODY_CAP);
	hl_mp_wr_map(&w, 1);
	hl_mp_wr_u64(&w, 2);
	memset(zeros, 'k', 80);
	hl_mp_wr_str(&w, (const char *)zeros, 80);
	memset(zeros, 0, 80);
	assert_int_equal(hl_msg_decode(HL_MSG_job_submit, body, w.len, mb, &e), -HL_E_OVERSIZE);
	hl_wire_err_fmt(&e, txt, sizeof(txt));
	assert_non_null(strstr(txt, "oversize"));
	assert_non_null(strstr(txt, "job_submit.idem_key"));
	assert_non_null(strstr(txt, "actual 80 limit 64"));

	hl_wire_err_to_msg(&e, &m);
	assert_int_equal(m.code, HL_E_OVERSIZE);
	assert_string_equal(m.text, txt);
	assert_int_equal(hl_msg_error_encode(&m, body2, BODY_CAP, &len, NULL), 0);
	assert_int_equal(hl_msg_error_decode(body2, len, &m2, NULL), 0);
	hl_wire_err_from_msg(&m2, &back);
	assert_int_equal(back.kind, e.kind);
	assert_int_equal(back.msg_type, HL_MSG_job_submit);
	assert_int_equal(back.field_key, 2);
	assert_int_equal(back.sub_key, e.sub_key);
	assert_int_equal(back.offset, e.offset);
	assert_int_equal(back.actual, 80);
	assert_int_equal(back.limit, 64);

	hl_wire_err_clear(&e);
	hl_wire_err_fmt(&e, txt, sizeof(txt));
	assert_string_equal(txt, "ok");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table_sane),
	        cmocka_unit_test(test_roundtrip_some),
	        cmocka_unit_test(test_roundtrip_max),
	        cmocka_unit_test(test_roundtrip_required_only),
	        cmocka_unit_test(test_truncated_every_length),
	        cmocka_unit_test(test_trailing_bytes),
	        cmocka_unit_test(test_oversize_fields),
	        cmocka_unit_test(test_wrong_types_and_bounds),
	        cmocka_unit_test(test_nul_inside_string),
	        cmocka_unit_test(test_deep_nesting),
	        cmocka_unit_test(test_unknown_keys_skipped),
	        cmocka_unit_test(test_duplicate_keys),
	        cmocka_unit_test(test_missing_required),
	        cmocka_unit_test(test_lying_map_count),
	        cmocka_unit_test(test_unknown_type),
	        cmocka_unit_test(test_encode_errors),
	        cmocka_unit_test(test_error_message),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
