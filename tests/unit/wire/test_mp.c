/* test_mp.c — bounded msgpack reader/writer: round trips and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_mp.h"

static void
test_roundtrip_scalars(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, buf, sizeof(buf));
	hl_mp_wr_map(&w, 6);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, UINT64_MAX);
	hl_mp_wr_u64(&w, 2);
	hl_mp_wr_i64(&w, -123456789);
	hl_mp_wr_u64(&w, 3);
	hl_mp_wr_cstr(&w, "hello");
	hl_mp_wr_u64(&w, 4);
	hl_mp_wr_f64(&w, 2.5);
	hl_mp_wr_u64(&w, 5);
	hl_mp_wr_bool(&w, true);
	hl_mp_wr_u64(&w, 6);
	hl_mp_wr_bin(&w, "\x00\x01", 2);
	assert_int_equal(w.err, 0);

	struct hl_mp_rd r;
	hl_mp_rd_init(&r, buf, w.len);
	uint32_t n;
	uint64_t k, u;
	int64_t s;
	const char *str;
	const uint8_t *bin;
	uint32_t len;
	double d;
	bool b;
	assert_int_equal(hl_mp_rd_map(&r, &n, 16), 0);
	assert_int_equal(n, 6);
	assert_int_equal(hl_mp_rd_u64(&r, &k), 0);
	assert_int_equal(hl_mp_rd_u64(&r, &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(hl_mp_rd_u64(&r, &k), 0);
	assert_int_equal(hl_mp_rd_i64(&r, &s), 0);
	assert_int_equal(s, -123456789);
	assert_int_equal(hl_mp_rd_u64(&r, &k), 0);
	assert_int_equal(hl_mp_rd_str(&r, &str, &len, 64), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(str, "hello", 5);
	assert_int_equal(hl_mp_rd_u64(&r, &k), 0);
	assert_int_equal(hl_mp_rd_f64(&r, &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(hl_mp_rd_u64(&r, &k), 0);
	assert_int_equal(hl_mp_rd_bool(&r, &b), 0);
	assert_true(b);
	assert_int_equal(hl_mp_rd_u64(&r, &k), 0);
	assert_int_equal(hl_mp_rd_bin(&r, &bin, &len, 8), 0);
	assert_int_equal(len, 2);
	assert_int_equal(hl_mp_rd_left(&r), 0);
}

static void
test_writer_overflow_is_sticky(void **state)
{
	(void)state;
	uint8_t buf[4];
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, buf, sizeof(buf));
	hl_mp_wr_cstr(&w, "too long for four bytes");
	assert_int_equal(w.err, -HL_E_OVERSIZE);
	hl_mp_wr_u64(&w, 1);
	assert_int_equal(w.err, -HL_E_OVERSIZE);
}

static void
test_lying_lengths(void **state)
{
	(void)state;
	struct hl_mp_rd r;
	const char *s;
	uint32_t n;
	/* str32 claiming 4 GiB with 2 bytes present */
	const uint8_t big_str[] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'a', 'b'};
	hl_mp_rd_init(&r, big_str, sizeof(big_str));
	assert_int_equal(hl_mp_rd_str(&r, &s, &n, UINT32_MAX), -HL_E_TRUNCATED);
	hl_mp_rd_init(&r, big_str, sizeof(big_str));
	assert_int_equal(hl_mp_rd_str(&r, &s, &n, 1024), -HL_E_OVERSIZE);
	/* array32 claiming 1M elements with none present */
	const uint8_t big_arr[] = {0xdd, 0x00, 0x10, 0x00, 0x00};
	hl_mp_rd_init(&r, big_arr, sizeof(big_arr));
	assert_int_equal(hl_mp_rd_array(&r, &n, UINT32_MAX), -HL_E_TRUNCATED);
	hl_mp_rd_init(&r, big_arr, sizeof(big_arr));
	assert_int_equal(hl_mp_rd_array(&r, &n, 100), -HL_E_OVERSIZE);
	/* truncated headers */
	const uint8_t cut[] = {0xcf, 0x00, 0x01};
	uint64_t u;
	hl_mp_rd_init(&r, cut, sizeof(cut));
	assert_int_equal(hl_mp_rd_u64(&r, &u), -HL_E_TRUNCATED);
	hl_mp_rd_init(&r, cut, 0);
	assert_int_equal(hl_mp_rd_u64(&r, &u), -HL_E_TRUNCATED);
}

static void
test_wrong_types(void **state)
{
	(void)state;
	struct hl_mp_rd r;
	uint64_t u;
	const uint8_t neg[] = {0xff}; /* -1 */
	hl_mp_rd_init(&r, neg, 1);
	assert_int_equal(hl_mp_rd_u64(&r, &u), -HL_E_BAD_VALUE);
	const uint8_t str[] = {0xa1, 'x'};
	hl_mp_rd_init(&r, str, 2);
	assert_int_equal(hl_mp_rd_u64(&r, &u), -HL_E_BAD_TYPE);
	const uint8_t invalid[] = {0xc1};
	hl_mp_rd_init(&r, invalid, 1);
	assert_int_equal(hl_mp_rd_skip(&r), -HL_E_BAD_TYPE);
	const uint8_t big[] = {0x2a};
	hl_mp_rd_init(&r, big, 1);
	assert_int_equal(hl_mp_rd_uint_max(&r, &u, 41), -HL_E_BAD_VALUE);
}

static void
test_deep_nesting_rejected(void **state)
{
	(void)state;
	uint8_t deep[64];
	memset(deep, 0x91, sizeof(deep)); /* [[[[...]]]] */
	deep[63] = 0xc0;
	struct hl_mp_rd r;
	hl_mp_rd_init(&r, deep, sizeof(deep));
	assert_int_equal(hl_mp_rd_skip(&r), -HL_E_TOO_DEEP);
	/* shallow nesting is fine */
	const uint8_t ok[] = {0x92, 0x81, 0x01, 0xc0, 0xd4, 0x05, 0x07};
	hl_mp_rd_init(&r, ok, sizeof(ok));
	assert_int_equal(hl_mp_rd_skip(&r), 0);
	assert_int_equal(hl_mp_rd_left(&r), 0);
}

/* peek_len reports the declared size without consuming, so oversize errors can say how big. */
static void
test_peek_len(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct hl_mp_wr w;
	struct hl_mp_rd r;
	uint32_t n = 0;
	hl_mp_wr_init(&w, buf, sizeof(buf));
	hl_mp_wr_str(&w, "abcdefghijklmnopqrstuvwxyz0123456789", 36); /* str8 */
	hl_mp_wr_array(&w, 3);
	hl_mp_wr_map(&w, 20); /* map16 */
	hl_mp_wr_u64(&w, 7);
	assert_int_equal(w.err, 0);
	hl_mp_rd_init(&r, buf, w.len);
	assert_int_equal(hl_mp_peek_len(&r, &n), 0);
	assert_int_equal(n, 36);
	assert_ptr_equal(r.p, buf); /* not consumed */
	r.p += 2 + 36;
	assert_int_equal(hl_mp_peek_len(&r, &n), 0);
	assert_int_equal(n, 3);
	r.p += 1;
	assert_int_equal(hl_mp_peek_len(&r, &n), 0);
	assert_int_equal(n, 20);
	/* header cut in the middle of its length bytes */
	hl_mp_rd_init(&r, r.p, 2);
	assert_int_equal(hl_mp_peek_len(&r, &n), -HL_E_TRUNCATED);
	hl_mp_rd_init(&r, buf + w.len - 1, 1);
	assert_int_equal(hl_mp_peek_len(&r, &n), -HL_E_BAD_TYPE);
	hl_mp_rd_init(&r, buf, 0);
	assert_int_equal(hl_mp_peek_len(&r, &n), -HL_E_TRUNCATED);
}

/* The writer must produce exactly what msgpack-c's packer produces, size class by size class. */
static int
sb_cb(void *data, const char *buf, size_t len)
{
	return msgpack_sbuffer_write(data, buf, len);
}

static void
test_writer_matches_msgpack_c(void **state)
{
	(void)state;
	static const uint64_t us[] = {0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffffu,
	        0x100000000ull, UINT64_MAX};
	static const int64_t is[] = {-1, -32, -33, -128, -129, -32768, -32769, INT32_MIN,
	        (int64_t)INT32_MIN - 1, INT64_MIN, 5, 300};
	static const uint32_t lens[] = {0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536};
	static uint8_t blob[70000];
	static uint8_t out[1 << 20];
	memset(blob, 'z', sizeof(blob));
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &sb, sb_cb);
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, out, sizeof(out));
	for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
		hl_mp_wr_u64(&w, us[i]);
		msgpack_pack_uint64(&pk, us[i]);
	}
	for (size_t i = 0; i < sizeof(is) / sizeof(is[0]); i++) {
		hl_mp_wr_i64(&w, is[i]);
		msgpack_pack_int64(&pk, is[i]);
	}
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hl_mp_wr_str(&w, (const char *)blob, lens[i]);
		msgpack_pack_str(&pk, lens[i]);
		msgpack_pack_str_body(&pk, blob, lens[i]);
		hl_mp_wr_bin(&w, blob, lens[i]);
		msgpack_pack_bin(&pk, lens[i]);
		msgpack_pack_bin_body(&pk, blob, lens[i]);
		hl_mp_wr_array(&w, lens[i]);
		msgpack_pack_array(&pk, lens[i]);
		hl_mp_wr_map(&w, lens[i]);
		msgpack_pack_map(&pk, lens[i]);
	}
	hl_mp_wr_f64(&w, -2.75);
	msgpack_pack_double(&pk, -2.75);
	hl_mp_wr_nil(&w);
	msgpack_pack_nil(&pk);
	hl_mp_wr_bool(&w, true);
	msgpack_pack_true(&pk);
	hl_mp_wr_bool(&w, false);
	msgpack_pack_false(&pk);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, sb.size);
	assert_memory_equal(out, sb.data, sb.size);
	/* count-only mode: same length, nothing written */
	struct hl_mp_wr c;
	hl_mp_wr_init(&c, NULL, SIZE_MAX);
	hl_mp_wr_str(&c, (const char *)blob, 65536);
	hl_mp_wr_i64(&c, INT64_MIN);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.len, 5 + 65536 + 9);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip_scalars),
	        cmocka_unit_test(test_writer_overflow_is_sticky),
	        cmocka_unit_test(test_lying_lengths),
	        cmocka_unit_test(test_wrong_types),
	        cmocka_unit_test(test_deep_nesting_rejected),
	        cmocka_unit_test(test_peek_len),
	        cmocka_unit_test(test_writer_matches_msgpack_c),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
