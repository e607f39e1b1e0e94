/* test_map.c — bounded hash map: insert/get/remove, full rejection, atomic insert_or_get,
 * iteration with removal, collisions, void * values, byte-string hashing, and a randomised
 * comparison against an array model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_map.h"
#include "hl_prng.h"

struct val {
	uint64_t a;
	uint32_t b;
};

static void
test_create_bad_args(void **state)
{
	(void)state;
	assert_null(hl_map_create(0, 8, 1));
	assert_null(hl_map_create((UINT32_C(1) << 30) + 1, 8, 1));
	assert_null(hl_map_create(4, SIZE_MAX, 1));
	hl_map_destroy(NULL);
}

static void
test_insert_get_remove(void **state)
{
	(void)state;
	struct hl_map *m = hl_map_create(4, sizeof(struct val), 42);
	assert_non_null(m);
	assert_int_equal(hl_map_capacity(m), 4);
	assert_int_equal(hl_map_value_size(m), sizeof(struct val));
	struct val v = {.a = 7, .b = 8}, out;
	assert_null(hl_map_get(m, 1));
	assert_int_equal(hl_map_insert(m, 1, &v), 0);
	struct val *p = hl_map_get(m, 1);
	assert_non_null(p);
	assert_int_equal(p->a, 7);
	assert_int_equal(p->b, 8);
	assert_true(((uintptr_t)p % alignof(max_align_t)) == 0);

	/* Duplicate insert is refused and leaves the value alone. */
	struct val v2 = {.a = 99, .b = 99};
	assert_int_equal(hl_map_insert(m, 1, &v2), -HL_E_EXISTS);
	assert_int_equal(((struct val *)hl_map_get(m, 1))->a, 7);

	/* NULL value: zeroed. Key 0 and UINT64_MAX are ordinary keys. */
	assert_int_equal(hl_map_insert(m, 0, NULL), 0);
	assert_int_equal(((struct val *)hl_map_get(m, 0))->a, 0);
	assert_int_equal(hl_map_insert(m, UINT64_MAX, &v2), 0);
	assert_int_equal(hl_map_count(m), 3);

	assert_int_equal(hl_map_remove(m, 1, &out), 0);
	assert_int_equal(out.a, 7);
	assert_null(hl_map_get(m, 1));
	assert_int_equal(hl_map_remove(m, 1, &out), -HL_E_NOT_FOUND);
	assert_int_equal(hl_map_remove(m, 12345, NULL), -HL_E_NOT_FOUND);
	assert_int_equal(hl_map_count(m), 2);
	assert_int_equal(hl_map_remove(m, UINT64_MAX, NULL), 0);
	assert_int_equal(((struct val *)hl_map_get(m, 0))->a, 0);
	hl_map_destroy(m);
}

static void
test_full_rejects_visibly(void **state)
{
	(void)state;
	struct hl_map *m = hl_map_create(3, sizeof(uint64_t), 0);
	for (uint64_t k = 10; k < 13; k++)
		assert_int_equal(hl_map_insert(m, k, &k), 0);
	uint64_t k = 13;
	assert_int_equal(hl_map_insert(m, k, &k), -HL_E_FULL);
	assert_null(hl_map_get(m, 13));
	assert_int_equal(hl_map_count(m), 3);
	/* Existing keys are all intact: nothing was evicted. */
	for (uint64_t j = 10; j < 13; j++)
		assert_int_equal(*(uint64_t *)hl_map_get(m, j), j);
	/* A duplicate of a present key still says EXISTS, not FULL. */
	assert_int_equal(hl_map_insert(m, 11, &k), -HL_E_EXISTS);
	/* Removal makes room. */
	assert_int_equal(hl_map_remove(m, 11, NULL), 0);
	assert_int_equal(hl_map_insert(m, 13, &k), 0);
	assert_int_equal(*(uint64_t *)hl_map_get(m, 13), 13);
	/* clear empties it completely. */
	hl_map_clear(m);
	assert_int_equal(hl_map_count(m), 0);
	assert_null(hl_map_get(m, 10));
	for (uint64_t j = 0; j < 3; j++)
		assert_int_equal(hl_map_insert(m, 100 + j, &j), 0);
	hl_map_destroy(m);
}

static void
test_insert_or_get(void **state)
{
	(void)state;
	struct hl_map *m = hl_map_create(2, sizeof(struct val), 5);
	void *p1, *p2, *p3;
	bool created = false;
	assert_int_equal(hl_map_insert_or_get(m, 77, &p1, &created), 0);
	assert_true(created);
	assert_int_equal(((struct val *)p1)->a, 0);
	((struct val *)p1)->a = 5;
	assert_int_equal(hl_map_insert_or_get(m, 77, &p2, &created), 0);
	assert_false(created);
	assert_ptr_equal(p1, p2);
	assert_int_equal(((struct val *)p2)->a, 5);
	assert_int_equal(hl_map_count(m), 1);

	assert_int_equal(hl_map_insert_or_get(m, 78, &p3, NULL), 0);
	/* Full: a present key is still found, an absent one is refused. */
	assert_int_equal(hl_map_insert_or_get(m, 77, &p2, &created), 0);
	assert_false(created);
	assert_ptr_equal(p1, p2);
	created = true;
	assert_int_equal(hl_map_insert_or_get(m, 79, &p2, &created), -HL_E_FULL);
	assert_null(p2);
	assert_false(created);
	assert_int_equal(hl_map_count(m), 2);

	/* After removal the key is created afresh, zeroed. */
	assert_int_equal(hl_map_remove(m, 77, NULL), 0);
	assert_int_equal(hl_map_insert_or_get(m, 77, &p1, &created), 0);
	assert_true(created);
	assert_int_equal(((struct val *)p1)->a, 0);
	hl_map_destroy(m);
}

static void
test_iteration_with_removal(void **state)
{
	(void)state;
	enum { N = 50 };
	struct hl_map *m = hl_map_create(N, sizeof(uint64_t), 9);
	for (uint64_t k = 0; k < N; k++) {
		uint64_t v = k * 3;
		assert_int_equal(hl_map_insert(m, k * 1000003, &v), 0);
	}
	/* Plain walk: every entry exactly once, with its value. */
	int seen[N] = {0};
	uint32_t pos = 0;
	uint64_t key;
	void *val;
	int n = 0;
	while (hl_map_next(m, &pos, &key, &val)) {
		uint64_t k = key / 1000003;
		assert_true(k < N && key % 1000003 == 0);
		assert_int_equal(*(uint64_t *)val, k * 3);
		seen[k]++;
		n++;
	}
	assert_int_equal(n, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(seen[i], 1);
	/* The end is sticky. */
	assert_false(hl_map_next(m, &pos, NULL, NULL));

	/* Remove every odd key while walking (current entry), and also remove key 48 early
	 * (a different entry): the walk still visits each remaining entry once and never a
	 * removed one. */
	memset(seen, 0, sizeof(seen));
	pos = 0;
	bool removed48 = false;
	while (hl_map_next(m, &pos, &key, NULL)) {
		uint64_t k = key / 1000003;
		assert_false(removed48 && k == 48);
		seen[k]++;
		if (k % 2 == 1)
			assert_int_equal(hl_map_remove(m, key, NULL), 0);
		if (!removed48 && k != 48) {
			assert_int_equal(hl_map_remove(m, 48 * 1000003, NULL), 0);
			removed48 = true;
		}
	}
	for (int i = 0; i < N; i++)
		if (i != 48)
			assert_int_equal(seen[i], 1);
	assert_int_equal(hl_map_count(m), N / 2 - 1);
	pos = 0;
	while (hl_map_next(m, &pos, &key, NULL)) {
		assert_int_equal((key / 1000003) % 2, 0);
		assert_true(key != 48 * 1000003);
	}
	/* Remove everything through iteration: the removal path empties the map. */
	pos = 0;
	while (hl_map_next(m, &pos, &key, NULL))
		assert_int_equal(hl_map_remove(m, key, NULL), 0);
	assert_int_equal(hl_map_count(m), 0);
	pos = 0;
	assert_false(hl_map_next(m, &pos, &key, &val));
	hl_map_destroy(m);
}

static void
test_set_and_ptr_values(void **state)
{
	(void)state;
	struct hl_map *s = hl_map_create(8, 0, 1);
	assert_int_equal(hl_map_insert(s, 5, NULL), 0);
	assert_non_null(hl_map_get(s, 5)); /* membership test */
	assert_null(hl_map_get(s, 6));
	void *p;
	bool created;
	assert_int_equal(hl_map_insert_or_get(s, 6, &p, &created), 0);
	assert_non_null(p);
	assert_true(created);
	assert_int_equal(hl_map_put_ptr(s, 7, &created), -EINVAL);
	assert_null(hl_map_get_ptr(s, 5));
	hl_map_destroy(s);

	struct hl_map *m = hl_map_create(8, sizeof(void *), 1);
	int a = 1, b = 2;
	assert_int_equal(hl_map_put_ptr(m, 1, &a), 0);
	assert_int_equal(hl_map_put_ptr(m, 2, &b), 0);
	assert_int_equal(hl_map_put_ptr(m, 2, &a), -HL_E_EXISTS);
	assert_ptr_equal(hl_map_get_ptr(m, 1), &a);
	assert_ptr_equal(hl_map_get_ptr(m, 2), &b);
	assert_null(hl_map_get_ptr(m, 3));
	hl_map_destroy(m);
}

static void
test_hash_bytes(void **state)
{
	(void)state;
	const char *s1 = "peer-10.0.0.1:7946";
	uint64_t h1 = hl_map_hash_bytes(s1, strlen(s1), 1);
	assert_int_equal(h1, hl_map_hash_bytes(s1, strlen(s1), 1));
	assert_true(h1 != hl_map_hash_bytes(s1, strlen(s1), 2));
	assert_true(h1 != hl_map_hash_bytes("peer-10.0.0.1:7947", strlen(s1), 1));
	assert_true(hl_map_hash_bytes("a", 1, 0) != hl_map_hash_bytes("a\0", 2, 0));
	assert_true(hl_map_hash_bytes("", 0, 0) != hl_map_hash_bytes("\0", 1, 0));
	(void)hl_map_hash_bytes(NULL, 0, 0);
	/* Every single-bit flip of a 16-byte key changes the hash, in about half the bits. */
	unsigned char k[16] = "0123456789abcdef";
	uint64_t base = hl_map_hash_bytes(k, 16, 3);
	for (int bit = 0; bit < 128; bit++) {
		k[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		uint64_t h = hl_map_hash_bytes(k, 16, 3);
		int diff = __builtin_popcountll(h ^ base);
		assert_true(diff >= 12 && diff <= 52);
		k[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
}

/* Random operations against a plain array model; a small key range forces duplicates, a
 * capacity below the key range forces full rejections, and all keys share few buckets. */
static void
test_random_against_model(void **state)
{
	(void)state;
	enum { CAP = 64, KEYS = 160 };
	struct hl_prng g;
	hl_prng_seed(&g, 2024);
	struct hl_map *m = hl_map_create(CAP, sizeof(uint64_t), 77);
	static bool present[KEYS];
	static uint64_t value[KEYS];
	uint32_t count = 0;
	for (int step = 0; step < 200000; step++) {
		uint64_t ki = hl_prng_below(&g, KEYS);
		uint64_t key = ki << 40; /* low bits equal: relies on the mixer */
		uint64_t r = hl_prng_below(&g, 4);
		if (r == 0) {
			uint64_t v = hl_prng_next(&g);
			int rc = hl_map_insert(m, key, &v);
			if (present[ki]) {
				assert_int_equal(rc, -HL_E_EXISTS);
			} else if (count == CAP) {
				assert_int_equal(rc, -HL_E_FULL);
			} else {
				assert_int_equal(rc, 0);
				present[ki] = true;
				value[ki] = v;
				count++;
			}
		} else if (r == 1) {
			void *p;
			bool created;
			int rc = hl_map_insert_or_get(m, key, &p, &created);
			if (present[ki]) {
				assert_int_equal(rc, 0);
				assert_false(created);
				assert_int_equal(*(uint64_t *)p, value[ki]);
			} else if (count == CAP) {
				assert_int_equal(rc, -HL_E_FULL);
			} else {
				assert_int_equal(rc, 0);
				assert_true(created);
				*(uint64_t *)p = value[ki] = ki + 1;
				present[ki] = true;
				count++;
			}
		} else if (r == 2) {
			uint64_t out = 0;
			int rc = hl_map_remove(m, key, &out);
			if (present[ki]) {
				assert_int_equal(rc, 0);
				assert_int_equal(out, value[ki]);
				present[ki] = false;
				count--;
			} else {
				assert_int_equal(rc, -HL_E_NOT_FOUND);
			}
		} else {
			uint64_t *p = hl_map_get(m, key);
			if (present[ki])
				assert_int_equal(*p, value[ki]);
			else
				assert_null(p);
		}
		assert_int_equal(hl_map_count(m), count);
	}
	uint32_t pos = 0, n = 0;
	uint64_t key;
	while (hl_map_next(m, &pos, &key, NULL)) {
		assert_true(present[key >> 40]);
		n++;
	}
	assert_int_equal(n, count);
	hl_map_destroy(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create_bad_args),
	        cmocka_unit_test(test_insert_get_remove),
	        cmocka_unit_test(test_full_rejects_visibly),
	        cmocka_unit_test(test_insert_or_get),
	        cmocka_unit_test(test_iteration_with_removal),
	        cmocka_unit_test(test_set_and_ptr_values),
	        cmocka_unit_test(test_hash_bytes),
	        cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
