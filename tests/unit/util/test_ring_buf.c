/* test_ring_buf.c — bounded FIFO: order across wrap-around, reject mode, evict mode with
 * counted evictions, pop/at/clear edge cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_ring_buf.h"

static void
test_create_bad_args(void **state)
{
	(void)state;
	assert_null(hl_ring_buf_create(0, 4, HL_RING_BUF_REJECT));
	assert_null(hl_ring_buf_create(4, 0, HL_RING_BUF_REJECT));
	assert_null(hl_ring_buf_create(4, 4, (enum hl_ring_buf_mode)7));
	assert_null(hl_ring_buf_create((UINT32_C(1) << 31) + 1, 1, HL_RING_BUF_EVICT));
	hl_ring_buf_destroy(NULL);
}

static void
test_fifo_and_wrap(void **state)
{
	(void)state;
	struct hl_ring_buf *rb = hl_ring_buf_create(3, sizeof(uint32_t), HL_RING_BUF_REJECT);
	uint32_t out = 0;
	assert_int_equal(hl_ring_buf_pop(rb, &out), -HL_E_NOT_FOUND);
	assert_null(hl_ring_buf_at(rb, 0));
	/* Many cycles so head wraps repeatedly; FIFO order holds throughout. */
	uint32_t next_in = 0, next_out = 0;
	for (int round = 0; round < 20; round++) {
		int n = 1 + round % 3;
		for (int i = 0; i < n; i++, next_in++)
			assert_int_equal(hl_ring_buf_push(rb, &next_in, NULL), 0);
		assert_int_equal(hl_ring_buf_count(rb), n);
		for (int i = 0; i < n; i++)
			assert_int_equal(*(uint32_t *)hl_ring_buf_at(rb, (uint32_t)i),
			        next_out + (uint32_t)i);
		assert_null(hl_ring_buf_at(rb, (uint32_t)n));
		for (int i = 0; i < n; i++, next_out++) {
			assert_int_equal(hl_ring_buf_pop(rb, &out), 0);
			assert_int_equal(out, next_out);
		}
		assert_int_equal(hl_ring_buf_count(rb), 0);
	}
	assert_int_equal(hl_ring_buf_pop(rb, NULL), -HL_E_NOT_FOUND);
	hl_ring_buf_destroy(rb);
}

static void
test_reject_mode(void **state)
{
	(void)state;
	struct hl_ring_buf *rb = hl_ring_buf_create(2, sizeof(uint64_t), HL_RING_BUF_REJECT);
	uint64_t v = 1, out;
	assert_int_equal(hl_ring_buf_push(rb, &v, NULL), 0);
	v = 2;
	assert_int_equal(hl_ring_buf_push(rb, &v, NULL), 0);
	v = 3;
	uint64_t ev = 0xdead;
	assert_int_equal(hl_ring_buf_push(rb, &v, &ev), -HL_E_FULL);
	assert_int_equal(hl_ring_buf_push(rb, &v, NULL), -HL_E_FULL);
	assert_int_equal(ev, 0xdead); /* nothing evicted */
	assert_int_equal(hl_ring_buf_rejected(rb), 2);
	assert_int_equal(hl_ring_buf_evicted(rb), 0);
	assert_int_equal(hl_ring_buf_count(rb), 2);
	/* Contents unchanged by the refused push. */
	assert_int_equal(hl_ring_buf_pop(rb, &out), 0);
	assert_int_equal(out, 1);
	assert_int_equal(hl_ring_buf_push(rb, &v, NULL), 0);
	assert_int_equal(hl_ring_buf_pop(rb, &out), 0);
	assert_int_equal(out, 2);
	assert_int_equal(hl_ring_buf_pop(rb, &out), 0);
	assert_int_equal(out, 3);
	hl_ring_buf_destroy(rb);
}

static void
test_evict_mode_counts(void **state)
{
	(void)state;
	struct hl_ring_buf *rb = hl_ring_buf_create(4, sizeof(uint32_t), HL_RING_BUF_EVICT);
	uint32_t ev = 0;
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(hl_ring_buf_push(rb, &i, &ev), 0);
	assert_int_equal(hl_ring_buf_evicted(rb), 0);
	/* Ten more: each drops the current oldest, reported and counted. */
	for (uint32_t i = 4; i < 14; i++) {
		assert_int_equal(hl_ring_buf_push(rb, &i, &ev), 0);
		assert_int_equal(ev, i - 4);
		assert_int_equal(hl_ring_buf_evicted(rb), i - 3);
		assert_int_equal(hl_ring_buf_count(rb), 4);
	}
	assert_int_equal(hl_ring_buf_rejected(rb), 0);
	/* The window holds the newest four, oldest first. */
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(*(uint32_t *)hl_ring_buf_at(rb, i), 10 + i);
	uint32_t v = 100;
	assert_int_equal(hl_ring_buf_push(rb, &v, NULL), 0); /* evicted may be NULL */
	assert_int_equal(hl_ring_buf_evicted(rb), 11);
	uint32_t out;
	assert_int_equal(hl_ring_buf_pop(rb, &out), 0);
	assert_int_equal(out, 11);
	/* Not full any more: no eviction. */
	v = 101;
	assert_int_equal(hl_ring_buf_push(rb, &v, &ev), 0);
	assert_int_equal(hl_ring_buf_evicted(rb), 11);

	/* clear removes everything without counting evictions. */
	hl_ring_buf_clear(rb);
	assert_int_equal(hl_ring_buf_count(rb), 0);
	assert_int_equal(hl_ring_buf_evicted(rb), 11);
	assert_int_equal(hl_ring_buf_pop(rb, &out), -HL_E_NOT_FOUND);
	v = 7;
	assert_int_equal(hl_ring_buf_push(rb, &v, NULL), 0);
	assert_int_equal(*(uint32_t *)hl_ring_buf_at(rb, 0), 7);
	hl_ring_buf_destroy(rb);
}

static void
test_capacity_one_and_big_elems(void **state)
{
	(void)state;
	struct elem {
		char s[37];
	} a, b, out;
	memset(&a, 'a', sizeof(a));
	memset(&b, 'b', sizeof(b));
	struct hl_ring_buf *rb = hl_ring_buf_create(1, sizeof(struct elem), HL_RING_BUF_EVICT);
	assert_int_equal(hl_ring_buf_capacity(rb), 1);
	assert_int_equal(hl_ring_buf_push(rb, &a, NULL), 0);
	assert_int_equal(hl_ring_buf_push(rb, &b, &out), 0);
	assert_memory_equal(&out, &a, sizeof(a));
	assert_memory_equal(hl_ring_buf_at(rb, 0), &b, sizeof(b));
	assert_int_equal(hl_ring_buf_pop(rb, &out), 0);
	assert_memory_equal(&out, &b, sizeof(b));
	hl_ring_buf_destroy(rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create_bad_args),
	        cmocka_unit_test(test_fifo_and_wrap),
	        cmocka_unit_test(test_reject_mode),
	        cmocka_unit_test(test_evict_mode_counts),
	        cmocka_unit_test(test_capacity_one_and_big_elems),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
