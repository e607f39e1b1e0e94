/* test_jrec.c — job record replication: commit at a quorum of the configured tier, resends,
 * token-fenced member stores, a deposed job leader unable to commit after its successor wrote,
 * rebuild from the latest of a quorum, removal (design.md §6; seed-defects E.4, E.9, B.1). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_jrec.h"
#include "hl_lease.h"

#define SEC 1000000000ULL

static void
test_quorum_commit_and_resend(void **state)
{
	struct hl_jrec_repl r;
	uint64_t m3[3] = {1, 2, 3}, m5[5] = {1, 2, 3, 4, 5}, jobs[8], to[8];
	(void)state;

	assert_int_equal(hl_jrec_repl_init(&r, 9, m3, 3, 4, SEC), -EINVAL); /* self not a member */
	assert_int_equal(hl_jrec_repl_init(&r, 1, m3, 3, 4, SEC), 0);
	assert_int_equal(hl_jrec_repl_begin(&r, 7, 100, 1, 0), 0);
	assert_false(hl_jrec_repl_committed(&r, 7, 1));
	assert_int_equal(hl_jrec_repl_ack(&r, 7, 1, 99), 0); /* not a member */
	assert_int_equal(hl_jrec_repl_ack(&r, 7, 0, 2), 0); /* another version */
	assert_int_equal(hl_jrec_repl_resends(&r, SEC / 2, jobs, to, 8), 0);
	assert_int_equal(hl_jrec_repl_resends(&r, SEC, jobs, to, 8), 2); /* members 2 and 3 */
	assert_int_equal(hl_jrec_repl_ack(&r, 7, 1, 2), 1); /* 2 of 3: committed */
	assert_true(hl_jrec_repl_committed(&r, 7, 1));
	assert_int_equal(hl_jrec_repl_ack(&r, 7, 1, 3), 0); /* reported once */
	assert_int_equal(hl_jrec_repl_resends(&r, 5 * SEC, jobs, to, 8), 0);
	/* A new version starts over. */
	assert_int_equal(hl_jrec_repl_begin(&r, 7, 100, 2, 6 * SEC), 0);
	assert_false(hl_jrec_repl_committed(&r, 7, 2));
	assert_int_equal(hl_jrec_repl_forget(&r, 7), 0);
	assert_int_equal(hl_jrec_repl_forget(&r, 7), -ENOENT);
	assert_int_equal(hl_jrec_repl_count(&r), 0);
	hl_jrec_repl_fini(&r);
	/* Five configured members: three needed, whoever is alive. */
	assert_int_equal(hl_jrec_repl_init(&r, 3, m5, 5, 4, SEC), 0);
	assert_int_equal(hl_jrec_repl_begin(&r, 8, 100, 1, 0), 0);
	assert_int_equal(hl_jrec_repl_ack(&r, 8, 1, 1), 0);
	assert_int_equal(hl_jrec_repl_ack(&r, 8, 1, 5), 1);
	hl_jrec_repl_fini(&r);
	/* A tier of one commits at once. */
	assert_int_equal(hl_jrec_repl_init(&r, 1, m3, 1, 4, SEC), 0);
	assert_int_equal(hl_jrec_repl_begin(&r, 9, 100, 1, 0), 1);
	hl_jrec_repl_fini(&r);
}

static void
test_store_fencing(void **state)
{
	struct hl_jrec_store s;
	uint8_t big[HL_JREC_BODY_MAX + 1] = {0};
	(void)state;

	assert_int_equal(hl_jrec_store_init(&s, 2), 0);
	assert_int_equal(hl_jrec_store_put(&s, 5, 100, 1, "a", 1), 0);
	assert_int_equal(hl_jrec_store_put(&s, 5, 100, 1, "a", 1), -EALREADY);
	assert_int_equal(hl_jrec_store_put(&s, 5, 100, 0, "z", 1), -EALREADY); /* reordered */
	assert_int_equal(hl_jrec_store_put(&s, 5, 100, 2, "b", 1), 0);
	assert_int_equal(hl_jrec_store_put(&s, 5, 200, 1, "c", 1), 0); /* new leader */
	assert_int_equal(hl_jrec_store_put(&s, 5, 100, 3, "d", 1), -HL_E_STALE_TOKEN);
	assert_int_equal(s.n_stale, 1);
	assert_memory_equal(hl_jrec_store_get(&s, 5)->body, "c", 1);
	assert_int_equal(hl_jrec_store_put(&s, 6, 1, 1, big, sizeof(big)), -EMSGSIZE);
	assert_int_equal(hl_jrec_store_put(&s, 0, 1, 1, "x", 1), -EINVAL);
	assert_int_equal(hl_jrec_store_put(&s, 6, 1, 1, "x", 1), 0);
	assert_int_equal(hl_jrec_store_put(&s, 7, 1, 1, "x", 1), -HL_E_FULL);
	assert_int_equal(hl_jrec_store_forget(&s, 5), 0);
	assert_int_equal(hl_jrec_store_forget(&s, 6), 0);
	assert_int_equal(hl_jrec_store_forget(&s, 6), -ENOENT);
	assert_int_equal(hl_jrec_store_count(&s), 0);
	hl_jrec_store_fini(&s);
}

/* Three members A=1, B=2, C=3. A leads with token t1; B takes over with t2 > t1, rebuilds from
 * the latest record of a quorum and writes to B and C. A's late version cannot commit: C and B
 * refuse it, so at most A's own store accepts (1 < 2). */
static void
test_deposed_leader_cannot_commit(void **state)
{
	struct hl_jrec_store st[3];
	struct hl_jrec_repl ra, rb;
	uint64_t m[3] = {1, 2, 3};
	uint64_t t1 = hl_fence_make(1, 1), t2 = hl_fence_make(2, 1);
	(void)state;

	for (int i = 0; i < 3; i++)
		assert_int_equal(hl_jrec_store_init(&st[i], 4), 0);
	assert_int_equal(hl_jrec_repl_init(&ra, 1, m, 3, 4, SEC), 0);
	assert_int_equal(hl_jrec_repl_init(&rb, 2, m, 3, 4, SEC), 0);
	/* A writes v1 and v2 everywhere. */
	for (uint64_t v = 1; v <= 2; v++) {
		hl_jrec_repl_begin(&ra, 5, t1, v, 0);
		for (int i = 0; i < 3; i++)
			if (hl_jrec_store_put(&st[i], 5, t1, v, &v, sizeof(v)) >= -EALREADY)
				hl_jrec_repl_ack(&ra, 5, v, m[i]);
	}
	assert_true(hl_jrec_repl_committed(&ra, 5, 2));
	/* B reads B and C (a quorum) and rebuilds from the latest. */
	const struct hl_jrec *rs[2] = {hl_jrec_store_get(&st[1], 5), hl_jrec_store_get(&st[2], 5)};
	const struct hl_jrec *latest = hl_jrec_latest(rs, 2);
	assert_non_null(latest);
	assert_int_equal(latest->version, 2);
	uint64_t v3 = 3;
	hl_jrec_repl_begin(&rb, 5, t2, 1, SEC);
	assert_int_equal(hl_jrec_store_put(&st[1], 5, t2, 1, &v3, sizeof(v3)), 0);
	assert_int_equal(hl_jrec_store_put(&st[2], 5, t2, 1, &v3, sizeof(v3)), 0);
	hl_jrec_repl_ack(&rb, 5, 1, 2);
	assert_int_equal(hl_jrec_repl_ack(&rb, 5, 1, 3), 1);
	/* A, not yet aware, writes v3 with t1. */
	hl_jrec_repl_begin(&ra, 5, t1, 3, 2 * SEC);
	int acks = 0;
	for (int i = 0; i < 3; i++) {
		int rc = hl_jrec_store_put(&st[i], 5, t1, 3, &v3, sizeof(v3));
		if (rc == 0 || rc == -EALREADY)
			acks += hl_jrec_repl_ack(&ra, 5, 3, m[i]) >= 0;
		else
			assert_int_equal(rc, -HL_E_STALE_TOKEN);
	}
	assert_int_equal(acks, 1);
	assert_false(hl_jrec_repl_committed(&ra, 5, 3));
	/* Rebuilding again from any quorum still finds B's record. */
	const struct hl_jrec *rs2[2] = {hl_jrec_store_get(&st[0], 5), hl_jrec_store_get(&st[2], 5)};
	assert_int_equal(hl_jrec_latest(rs2, 2)->token, t2);
	const struct hl_jrec *none[2] = {NULL, NULL};
	assert_null(hl_jrec_latest(none, 2));
	for (int i = 0; i < 3; i++)
		hl_jrec_store_fini(&st[i]);
	hl_jrec_repl_fini(&ra);
	hl_jrec_repl_fini(&rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_quorum_commit_and_resend),
	        cmocka_unit_test(test_store_fencing),
	        cmocka_unit_test(test_deposed_leader_cannot_commit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
