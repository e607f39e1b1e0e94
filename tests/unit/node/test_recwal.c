/* test_recwal.c — app/node/recwal.c with a real gate core: records and tombstones survive a
 * close and reopen into a new core, hostile log entries are refused and counted (the rest
 * replays), a missing log after an earlier run and a corrupt log say the records are lost,
 * compaction keeps what is live, and a refused journal write refuses the store change. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_gate.h"
#include "hl_wal.h"
#include "recwal.h"

static char dir[64];
static char path[128];

static int
restore(void *core, uint8_t op, uint64_t job, uint64_t token, uint64_t version, const void *body,
        uint32_t len, uint64_t now_ns)
{
	return hl_gate_restore(core, op, job, token, version, body, len, now_ns);
}

static int
snapshot(void *core, hl_jrec_journal_fn emit, void *arg)
{
	return hl_gate_snapshot(core, emit, arg);
}

static struct hl_prng rng;

static void
gate_new(struct hl_gate *g)
{
	struct hl_gate_cfg cfg;

	hl_gate_cfg_default(&cfg);
	cfg.self = 1;
	cfg.gates[0] = 1;
	cfg.gates[1] = 2;
	cfg.gates[2] = 3;
	cfg.ngates = 3;
	cfg.max_jobs = 64;
	hl_prng_seed(&rng, 7);
	assert_int_equal(hl_gate_init(g, &cfg, &rng), 0);
}

static void
open_into(struct hl_gate *g, struct hl_recwal *rw, bool ran_before)
{
	char err[256];

	gate_new(g);
	assert_int_equal(hl_recwal_open(rw, dir, "gate-records", ran_before, g, restore, snapshot,
	                         1000, err, sizeof(err)),
	        0);
	hl_jrec_store_set_journal(&g->store, hl_recwal_journal, rw);
}

static void
close_gate(struct hl_gate *g, struct hl_recwal *rw)
{
	hl_recwal_close(rw);
	hl_gate_fini(g);
}

/* A record as the gate stores it (the body is a struct hl_gate_rec). */
static int
put(struct hl_gate *g, uint64_t job, uint64_t token, uint64_t version)
{
	struct hl_gate_rec r;

	memset(&r, 0, sizeof(r));
	r.job = job;
	r.client = 200;
	r.leader = 2;
	return hl_jrec_store_put(&g->store, job, token, version, &r, sizeof(r));
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hl-recwal-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/gate-records.wal", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[96];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_records_and_tombs_survive(void **state)
{
	struct hl_gate g;
	struct hl_recwal rw;

	(void)state;
	open_into(&g, &rw, false);
	assert_false(rw.lost); /* a first start: no log is no loss */
	assert_int_equal(put(&g, 11, 0x100000001, 1), 0);
	assert_int_equal(put(&g, 11, 0x100000001, 2), 0);
	assert_int_equal(put(&g, 12, 0x100000002, 1), 0);
	assert_int_equal(put(&g, 13, 0x100000003, 1), 0);
	assert_int_equal(hl_jrec_store_forget(&g.store, 12), 0);
	/* a finished job: the core forgets it and keeps a tombstone */
	assert_int_equal(hl_gate_restore(&g, HL_JREC_J_TOMB, 13, 0, 0, NULL, 0, 1000), 0);
	assert_int_equal(hl_jrec_journal(&g.store, HL_JREC_J_TOMB, 13, 0, 0), 0);
	assert_int_equal(hl_recwal_commit(&rw), 0);
	close_gate(&g, &rw);

	open_into(&g, &rw, true);
	assert_false(rw.lost);
	const struct hl_jrec *r = hl_jrec_store_get(&g.store, 11);
	assert_non_null(r);
	assert_int_equal(r->version, 2);
	assert_int_equal(r->token, 0x100000001);
	assert_null(hl_jrec_store_get(&g.store, 12));
	assert_null(hl_jrec_store_get(&g.store, 13));
	assert_int_equal(hl_gate_tombs(&g), 1);
	assert_false(hl_gate_is_amnesic(&g));
	close_gate(&g, &rw);
}

static void
test_uncommitted_is_not_durable(void **state)
{
	struct hl_gate g;
	struct hl_recwal rw;

	(void)state;
	open_into(&g, &rw, false);
	assert_int_equal(put(&g, 21, 0x100000001, 1), 0);
	assert_int_equal(hl_recwal_commit(&rw), 0);
	assert_int_equal(put(&g, 22, 0x100000001, 1), 0);
	hl_wal_close(rw.wal); /* a crash: the second put was never committed */
	rw.wal = NULL;
	hl_gate_fini(&g);
	open_into(&g, &rw, true);
	assert_non_null(hl_jrec_store_get(&g.store, 21));
	assert_null(hl_jrec_store_get(&g.store, 22));
	close_gate(&g, &rw);
}

static void
test_hostile_entries_refused(void **state)
{
	struct hl_gate g;
	struct hl_recwal rw;
	struct hl_wal *w;
	struct hl_wal_cfg cfg = hl_wal_cfg_default();
	uint8_t e[64] = {0};

	(void)state;
	assert_int_equal(hl_wal_open(path, &cfg, NULL, NULL, &w, NULL), 0);
	e[0] = 31; /* job 31 */
	assert_int_equal(hl_wal_append(w, HL_JREC_J_PUT, e, 24 + 5), 0); /* no gate record */
	assert_int_equal(hl_wal_append(w, 99, e, 24), 0); /* unknown op */
	assert_int_equal(hl_wal_commit(w), 2);
	hl_wal_close(w);
	char err[256];
	gate_new(&g);
	/* an unknown op is no journal entry: the open fails, naming the file */
	assert_int_equal(hl_recwal_open(&rw, dir, "gate-records", true, &g, restore, snapshot, 1000,
	                         err, sizeof(err)),
	        -EBADMSG);
	assert_non_null(strstr(err, "gate-records.wal"));
	hl_gate_fini(&g);
	unlink(path);

	/* a well-formed entry the core refuses (a body that is no record) is counted, skipped */
	assert_int_equal(hl_wal_open(path, &cfg, NULL, NULL, &w, NULL), 0);
	assert_int_equal(hl_wal_append(w, HL_JREC_J_PUT, e, 24 + 5), 0);
	assert_int_equal(hl_wal_append(w, HL_JREC_J_TOMB, e, 24), 0);
	assert_int_equal(hl_wal_append(w, HL_JREC_J_PUT, e, 10), 0); /* shorter than a header */
	assert_int_equal(hl_wal_commit(w), 3);
	hl_wal_close(w);
	gate_new(&g);
	assert_int_equal(hl_recwal_open(&rw, dir, "gate-records", true, &g, restore, snapshot, 1000,
	                         err, sizeof(err)),
	        -EBADMSG);
	hl_gate_fini(&g);
	unlink(path);
	assert_int_equal(hl_wal_open(path, &cfg, NULL, NULL, &w, NULL), 0);
	assert_int_equal(hl_wal_append(w, HL_JREC_J_PUT, e, 24 + 5), 0);
	assert_int_equal(hl_wal_append(w, HL_JREC_J_TOMB, e, 24), 0);
	assert_int_equal(hl_wal_commit(w), 2);
	hl_wal_close(w);
	open_into(&g, &rw, true);
	assert_int_equal(rw.n_replay_refused, 1);
	assert_int_equal(rw.n_replayed, 1);
	assert_int_equal(hl_gate_tombs(&g), 1);
	close_gate(&g, &rw);
	unlink(path);
}

static void
test_lost_and_corrupt_logs(void **state)
{
	struct hl_gate g;
	struct hl_recwal rw;
	FILE *f;

	(void)state;
	unlink(path);
	open_into(&g, &rw, true); /* ran before, no log: lost */
	assert_true(rw.lost);
	assert_int_equal(put(&g, 41, 0x100000001, 1), 0);
	assert_int_equal(hl_recwal_commit(&rw), 0);
	assert_int_equal(put(&g, 42, 0x100000001, 1), 0);
	assert_int_equal(hl_recwal_commit(&rw), 0);
	close_gate(&g, &rw);
	/* garbage in the middle of the file, a valid-looking entry after it */
	assert_non_null(f = fopen(path, "r+b"));
	assert_int_equal(fseek(f, 40, SEEK_SET), 0);
	assert_int_equal(fwrite("XXXXXXXX", 1, 8, f), 8);
	fclose(f);
	open_into(&g, &rw, true);
	assert_int_equal(rw.rep.verdict, HL_WAL_CORRUPT);
	assert_true(rw.lost); /* the core must sit out of quorums */
	assert_non_null(strstr(rw.rep.aside, ".corrupt."));
	assert_null(hl_jrec_store_get(&g.store, 41));
	/* the fresh log works */
	assert_int_equal(put(&g, 43, 0x100000001, 1), 0);
	assert_int_equal(hl_recwal_commit(&rw), 0);
	close_gate(&g, &rw);
	open_into(&g, &rw, true);
	assert_false(rw.lost);
	assert_non_null(hl_jrec_store_get(&g.store, 43));
	close_gate(&g, &rw);
}

static void
test_compaction_keeps_live(void **state)
{
	struct hl_gate g;
	struct hl_recwal rw;

	(void)state;
	unlink(path);
	open_into(&g, &rw, false);
	for (uint64_t v = 1; v <= 50; v++) {
		assert_int_equal(put(&g, 51, 0x100000001, v), 0);
		assert_int_equal(hl_recwal_commit(&rw), 0);
	}
	uint64_t before = hl_wal_size(rw.wal);
	assert_int_equal(hl_wal_compact(rw.wal, NULL, NULL), -EINVAL);
	rw.compact_bytes = 1; /* force it */
	hl_recwal_tick(&rw);
	assert_true(hl_wal_size(rw.wal) < before);
	assert_int_equal(rw.n_compact_err, 0);
	close_gate(&g, &rw);
	open_into(&g, &rw, true);
	const struct hl_jrec *r = hl_jrec_store_get(&g.store, 51);
	assert_non_null(r);
	assert_int_equal(r->version, 50);
	close_gate(&g, &rw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_records_and_tombs_survive),
	        cmocka_unit_test(test_uncommitted_is_not_durable),
	        cmocka_unit_test(test_hostile_entries_refused),
	        cmocka_unit_test(test_lost_and_corrupt_logs),
	        cmocka_unit_test(test_compaction_keeps_live),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
