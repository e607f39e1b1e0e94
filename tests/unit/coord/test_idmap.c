/* test_idmap.c — bounded id map: insert/find/remove, full behaviour, churn without growth. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hl_idmap.h"

static void
test_basic(void **state)
{
	struct hl_idmap m;
	(void)state;

	assert_int_equal(hl_idmap_init(&m, 0), -EINVAL);
	assert_int_equal(hl_idmap_init(&m, 4), 0);
	assert_int_equal(hl_idmap_insert(&m, 0), -EINVAL);
	int64_t a = hl_idmap_insert(&m, 10);
	int64_t b = hl_idmap_insert(&m, 20);
	assert_true(a >= 0 && b >= 0 && a != b);
	assert_int_equal(hl_idmap_insert(&m, 10), -EEXIST);
	assert_int_equal(hl_idmap_find(&m, 10), a);
	assert_int_equal(hl_idmap_find(&m, 20), b);
	assert_int_equal(hl_idmap_find(&m, 30), HL_IDMAP_NONE);
	assert_true(hl_idmap_insert(&m, 30) >= 0);
	assert_true(hl_idmap_insert(&m, 40) >= 0);
	assert_int_equal(hl_idmap_insert(&m, 50), -ENOSPC);
	assert_int_equal(hl_idmap_count(&m), 4);
	assert_int_equal(hl_idmap_remove(&m, 50), -ENOENT);
	assert_int_equal(hl_idmap_remove(&m, 10), 0);
	assert_int_equal(hl_idmap_find(&m, 10), HL_IDMAP_NONE);
	assert_int_equal(hl_idmap_find(&m, 20), b);
	assert_true(hl_idmap_insert(&m, 50) >= 0);
	hl_idmap_fini(&m);
}

/* Random churn against a shadow array: every present key is found with a unique slot, every
 * removed key is gone, and the map never exceeds its bound. */
static void
test_churn(void **state)
{
	enum { MAX = 64, KEYS = 200 };
	struct hl_idmap m;
	int64_t shadow[KEYS];
	uint64_t x = 12345;
	(void)state;

	for (int i = 0; i < KEYS; i++)
		shadow[i] = -1;
	assert_int_equal(hl_idmap_init(&m, MAX), 0);
	for (int step = 0; step < 200000; step++) {
		x = hl_mix64(x);
		int k = (int)(x % KEYS);
		uint64_t id = (uint64_t)k * 0x10000 + 1; /* clustered ids stress probing */
		if (shadow[k] < 0) {
			int64_t s = hl_idmap_insert(&m, id);
			if (hl_idmap_count(&m) == MAX && s == -ENOSPC)
				continue;
			assert_true(s >= 0 && s < MAX);
			shadow[k] = s;
		} else {
			assert_int_equal(hl_idmap_remove(&m, id), 0);
			shadow[k] = -1;
		}
		if (step % 997 == 0) {
			uint32_t cnt = 0;
			uint8_t used[MAX] = {0};
			for (int i = 0; i < KEYS; i++) {
				uint64_t idi = (uint64_t)i * 0x10000 + 1;
				if (shadow[i] < 0) {
					assert_int_equal(hl_idmap_find(&m, idi), HL_IDMAP_NONE);
					continue;
				}
				assert_int_equal(hl_idmap_find(&m, idi), shadow[i]);
				assert_int_equal(used[shadow[i]], 0);
				used[shadow[i]] = 1;
				cnt++;
			}
			assert_int_equal(cnt, hl_idmap_count(&m));
		}
	}
	hl_idmap_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_basic),
	        cmocka_unit_test(test_churn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
