/* test_dc.c — manager job leader and worker inside one DC: dependency layers, fenced dispatch
 * with acks/resends/budgets, reassignment of a dead worker's workflow (seed-defects E.6), job
 * leader takeover told to workers (E.3), stale tokens refused (E.9), results exactly once (D.7),
 * worker-held results resent until acked, cancellation, and the cleanup census on every
 * terminal path (B.1, B.2). Scenarios: E.4 dispatch, E.7 worker failure, E.9 manager failover. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_dc.h"
#include "hl_err.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define NW 4
#define M0 100
#define M1 101

struct dcnet {
	struct hl_dc_mgr m[2];
	struct hl_dc_wnode w[NW];
	bool mdown[2], wdown[NW];
	uint64_t now;
	/* fault injection: drop the next n messages of a kind (0 = none) */
	uint8_t drop_kind;
	int drop_n;
	int dropped;
	int done_events[2];
	uint8_t done_status;
	struct hl_counts done_totals;
	int sent[16]; /* messages sent by kind */
};

static struct dcnet net;

static void
net_init(struct dcnet *n, uint32_t cores)
{
	struct hl_dc_mgr_cfg mc;
	struct hl_dc_worker_cfg wc = {0, cores, 1 * SEC, 64};

	memset(n, 0, sizeof(*n));
	hl_dc_mgr_cfg_default(&mc);
	mc.max_jobs = 64;
	mc.max_workers = 16;
	mc.max_tombs = 64;
	for (int i = 0; i < 2; i++) {
		mc.self = M0 + (uint64_t)i;
		assert_int_equal(hl_dc_mgr_init(&n->m[i], &mc), 0);
	}
	for (int i = 0; i < NW; i++) {
		wc.self = (uint64_t)i + 1;
		assert_int_equal(hl_dc_wnode_init(&n->w[i], &wc), 0);
		for (int k = 0; k < 2; k++)
			assert_int_equal(hl_dc_worker_update(&n->m[k], wc.self, cores, 0, 0), 0);
	}
}

static void
net_fini(struct dcnet *n)
{
	for (int i = 0; i < 2; i++)
		hl_dc_mgr_fini(&n->m[i]);
	for (int i = 0; i < NW; i++)
		hl_dc_wnode_fini(&n->w[i]);
}

static bool
drop(struct dcnet *n, const struct hl_dc_msg *m)
{
	n->sent[m->kind]++;
	if (n->drop_n > 0 && m->kind == n->drop_kind) {
		n->drop_n--;
		n->dropped++;
		return true;
	}
	return false;
}

static void
events(struct dcnet *n)
{
	struct hl_dc_event ev;

	for (int i = 0; i < 2; i++)
		while (hl_dc_mgr_next_event(&n->m[i], &ev) == 1)
			if (ev.kind == HL_DC_EV_JOB_DONE) {
				n->done_events[i]++;
				n->done_status = ev.status;
				n->done_totals = ev.totals;
			}
}

static void
pump(struct dcnet *n)
{
	struct hl_dc_msg m;
	bool moved = true;

	while (moved) {
		moved = false;
		for (int i = 0; i < 2; i++) {
			while (hl_dc_mgr_next_tx(&n->m[i], &m) == 1) {
				moved = true;
				if (n->mdown[i] || drop(n, &m))
					continue;
				int wi = (int)m.to - 1;
				if (wi >= 0 && wi < NW && !n->wdown[wi])
					hl_dc_wnode_recv(&n->w[wi], &m, n->now);
			}
		}
		for (int i = 0; i < NW; i++) {
			while (hl_dc_wnode_next_tx(&n->w[i], &m) == 1) {
				moved = true;
				if (n->wdown[i] || drop(n, &m))
					continue;
				int mi = (int)m.to - M0;
				if (mi >= 0 && mi < 2 && !n->mdown[mi])
					hl_dc_mgr_recv(&n->m[mi], &m, n->now);
			}
		}
	}
	events(n);
}

static void
advance(struct dcnet *n, uint64_t until)
{
	while (n->now < until) {
		n->now += 100 * MS;
		for (int i = 0; i < 2; i++)
			if (!n->mdown[i])
				hl_dc_mgr_tick(&n->m[i], n->now);
		for (int i = 0; i < NW; i++)
			if (!n->wdown[i])
				hl_dc_wnode_tick(&n->w[i], n->now);
		pump(n);
	}
}

static void
spec3(struct hl_dc_job_spec *s, uint64_t job)
{
	memset(s, 0, sizeof(*s));
	s->job = job;
	s->nwf = 3;
	s->wf[0] = (struct hl_dc_wf_spec){10, 0, 2, 2 * SEC, 100};
	s->wf[1] = (struct hl_dc_wf_spec){11, 1u << 0, 2, 2 * SEC, 100}; /* after wf 0 */
	s->wf[2] = (struct hl_dc_wf_spec){12, 0, 2, 2 * SEC, 100};
}

/* Census of every per-job structure on every node: all zero once jobs ended (B.1). */
static void
assert_clean(struct dcnet *n, bool tombs_too)
{
	for (int i = 0; i < 2; i++) {
		struct hl_dc_mgr_census c;
		hl_dc_mgr_census(&n->m[i], &c);
		assert_int_equal(c.jobs, 0);
		assert_int_equal(c.progress_jobs, 0);
		assert_int_equal(c.progress_sources, 0);
		assert_int_equal(c.fences, 0);
		assert_int_equal(c.cores_reserved, 0);
		assert_int_equal(c.inflight, 0);
		if (tombs_too)
			assert_int_equal(c.tombs, 0);
	}
	for (int i = 0; i < NW; i++) {
		assert_int_equal(hl_dc_wnode_held(&n->w[i]), 0);
		assert_int_equal(hl_dc_wnode_jobs(&n->w[i]), 0);
		assert_int_equal(n->w[i].cores_used, 0);
	}
}

static void
test_layers_and_completion(void **state)
{
	struct hl_dc_job_spec s;
	(void)state;

	net_init(&net, 4);
	spec3(&s, 7);
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, hl_fence_make(1, 1), 0), 0);
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, hl_fence_make(1, 1), 0), -HL_E_EXISTS);
	pump(&net);
	const struct hl_dc_job *j = hl_dc_job_find(&net.m[0], 7);
	/* Layer 0: wf 0 and 2 run, wf 1 waits for wf 0. */
	assert_int_equal(j->wf[0].state, HL_WF_RUNNING);
	assert_int_equal(j->wf[1].state, HL_WF_PENDING);
	assert_int_equal(j->wf[2].state, HL_WF_RUNNING);
	assert_int_equal(net.sent[HL_DC_DISPATCH], 2);
	/* Progress with percentage. */
	uint32_t sub0 = j->wf[0].sub;
	uint64_t w0 = j->wf[0].worker;
	assert_int_equal(hl_dc_wnode_progress(&net.w[w0 - 1], 7, sub0, 50, net.now), 0);
	pump(&net);
	assert_int_equal(hl_progress_ppm(&net.m[0].progress, 7), 166666);
	advance(&net, 2500 * MS);
	j = hl_dc_job_find(&net.m[0], 7);
	assert_non_null(j);
	assert_int_equal(j->wf[0].state, HL_WF_COMPLETED);
	assert_int_equal(j->wf[1].state, HL_WF_RUNNING);
	advance(&net, 5 * SEC);
	assert_null(hl_dc_job_find(&net.m[0], 7));
	assert_int_equal(net.done_events[0], 1);
	assert_int_equal(net.done_status, HL_WS_COMPLETED);
	assert_clean(&net, false);
	/* Tombstone leaves after its TTL. */
	advance(&net, 306 * SEC);
	assert_clean(&net, true);
	/* Bad specs. */
	s.wf[0].deps = 1u << 2; /* forward dependency */
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 1, net.now), -EINVAL);
	s.nwf = 0;
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 1, net.now), -EINVAL);
	net_fini(&net);
}

/* Lost dispatches: resent with doubling backoff (same slice id), then placed elsewhere; when
 * every budget is spent the workflow fails and the job is FAILED, never COMPLETED. */
static void
test_dispatch_retry_and_budget(void **state)
{
	struct hl_dc_job_spec s;
	(void)state;

	net_init(&net, 4);
	memset(&s, 0, sizeof(s));
	s.job = 8;
	s.nwf = 1;
	s.wf[0] = (struct hl_dc_wf_spec){1, 0, 1, 1 * SEC, 10};
	net.drop_kind = HL_DC_DISPATCH;
	net.drop_n = 1000;
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 5, 0), 0);
	pump(&net);
	uint64_t first = hl_dc_job_find(&net.m[0], 8)->wf[0].worker;
	uint32_t sub = hl_dc_job_find(&net.m[0], 8)->wf[0].sub;
	/* Resends at 1, 3, 7, 15 s (backoff 2, 4, 8 s): 5 sends, then the next worker. */
	advance(&net, 14 * SEC);
	assert_int_equal(hl_dc_job_find(&net.m[0], 8)->wf[0].attempt, 4);
	assert_int_equal(hl_dc_job_find(&net.m[0], 8)->wf[0].sub, sub);
	advance(&net, 15 * SEC);
	assert_int_equal(hl_dc_job_find(&net.m[0], 8)->wf[0].attempt, 5);
	advance(&net, 31 * SEC);
	const struct hl_dc_job *j = hl_dc_job_find(&net.m[0], 8);
	assert_non_null(j);
	assert_int_not_equal(j->wf[0].worker, first);
	assert_int_not_equal(j->wf[0].sub, sub);
	assert_int_equal(j->wf[0].retries, 1);
	/* Budget 3 retries: 4 placements x 5 sends, then FAILED. */
	advance(&net, 400 * SEC);
	assert_null(hl_dc_job_find(&net.m[0], 8));
	assert_int_equal(net.sent[HL_DC_DISPATCH], 20);
	assert_int_equal(net.done_events[0], 1);
	assert_int_equal(net.done_status, HL_WS_FAILED);
	assert_clean(&net, false);
	net_fini(&net);
}

/* E.6: the worker dies mid-workflow; the workflow moves to another worker with a new slice id
 * and the job completes; if the dead worker's result shows up later it is not counted. */
static void
test_dead_worker_reassign(void **state)
{
	struct hl_dc_job_spec s;
	(void)state;

	net_init(&net, 4);
	spec3(&s, 9);
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 5, 0), 0);
	pump(&net);
	advance(&net, 500 * MS);
	const struct hl_dc_job *j = hl_dc_job_find(&net.m[0], 9);
	uint64_t victim = j->wf[2].worker;
	uint32_t old_sub = j->wf[2].sub;
	net.wdown[victim - 1] = true;
	assert_int_equal(hl_dc_worker_dead(&net.m[0], victim, net.now), 0);
	assert_int_equal(hl_dc_worker_dead(&net.m[0], victim, net.now), -ENOENT);
	pump(&net);
	j = hl_dc_job_find(&net.m[0], 9);
	assert_int_not_equal(j->wf[2].worker, victim);
	assert_int_not_equal(j->wf[2].sub, old_sub);
	assert_int_equal(j->wf[2].state, HL_WF_RUNNING);
	/* The dead worker's late result (stale slice) is acked but not counted. */
	struct hl_dc_msg late = {.kind = HL_DC_RESULT, .status = HL_WS_FAILED};
	late.from = victim;
	late.to = M0;
	late.job = 9;
	late.sub = old_sub;
	late.token = 5;
	late.counts = (struct hl_counts){777, 777, 0};
	assert_int_equal(hl_dc_mgr_recv(&net.m[0], &late, net.now), 0);
	assert_int_equal(hl_dc_job_find(&net.m[0], 9)->wf[2].state, HL_WF_RUNNING);
	/* ... and so is a COMPLETED one of the dead slice (it lost its worker: not counted). */
	late.status = HL_WS_COMPLETED;
	assert_int_equal(hl_dc_mgr_recv(&net.m[0], &late, net.now), 0);
	advance(&net, 10 * SEC);
	assert_int_equal(net.done_events[0], 1);
	assert_int_equal(net.done_status, HL_WS_COMPLETED);
	/* Counts stay consistent: each workflow counted once, from the slice that completed it
	 * (a simulated slice reports duration / 1 us packets: 3 x 2 s = 6,000,000). */
	assert_true(net.done_totals.tx_pkts == 6000000u);
	assert_true(net.done_totals.rx_pkts == 6000000u);
	assert_true(net.done_totals.lost == 0);
	/* The dead worker's in-memory state is gone with its process; purge it for the census. */
	hl_dc_wnode_fini(&net.w[victim - 1]);
	struct hl_dc_worker_cfg wc = {victim, 4, 1 * SEC, 64};
	assert_int_equal(hl_dc_wnode_init(&net.w[victim - 1], &wc), 0);
	struct hl_dc_mgr_census c;
	hl_dc_mgr_census(&net.m[0], &c);
	assert_int_equal(c.workers, NW - 1); /* B.2: the dead worker is purged */
	assert_clean(&net, false);
	net_fini(&net);
}

/* No worker with enough cores: reported, retried, placed when one appears. */
static void
test_no_worker_available(void **state)
{
	struct hl_dc_job_spec s;
	struct hl_dc_event ev;
	(void)state;

	net_init(&net, 2);
	memset(&s, 0, sizeof(s));
	s.job = 10;
	s.nwf = 1;
	s.wf[0] = (struct hl_dc_wf_spec){1, 0, 8, 1 * SEC, 1};
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 5, 0), 0);
	int no_worker = 0;
	while (hl_dc_mgr_next_event(&net.m[0], &ev) == 1)
		no_worker += ev.kind == HL_DC_EV_NO_WORKER;
	assert_int_equal(no_worker, 1);
	advance(&net, 3 * SEC);
	assert_int_equal(hl_dc_job_find(&net.m[0], 10)->wf[0].state, HL_WF_PENDING);
	/* Worker 1 reports 8 cores in its SWIM metadata. */
	net.w[0].cfg.cores = 8;
	assert_int_equal(hl_dc_worker_update(&net.m[0], 1, 8, 0, net.now), 0);
	advance(&net, 6 * SEC);
	assert_int_equal(net.done_events[0], 1);
	assert_int_equal(net.done_status, HL_WS_COMPLETED);
	assert_int_equal(hl_dc_worker_update(&net.m[0], 1, 8, 9, net.now), -EINVAL);
	net_fini(&net);
}

/* E.3 + E.9: the job-leader manager dies mid-job; the other takes over with a greater token,
 * tells every worker (retrying a lost transfer), and gets the held results; the old leader's
 * dispatch is refused; the job completes exactly once. */
static void
test_takeover(void **state)
{
	struct hl_dc_job_spec s;
	struct hl_dc_wf_record rec[3];
	(void)state;

	net_init(&net, 4);
	spec3(&s, 11);
	uint64_t t1 = hl_fence_make(1, 1), t2 = hl_fence_make(2, 1);
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, t1, 0), 0);
	pump(&net);
	advance(&net, 500 * MS);
	/* The replicated record (what M1 knows). */
	const struct hl_dc_job *j = hl_dc_job_find(&net.m[0], 11);
	for (int i = 0; i < 3; i++)
		rec[i] = (struct hl_dc_wf_record){
		        j->wf[i].state, j->wf[i].worker, j->wf[i].sub, j->wf[i].counts};
	uint64_t wk0 = j->wf[0].worker;
	net.mdown[0] = true;
	/* Results finished while no leader exists are held by the workers. */
	advance(&net, 3 * SEC);
	assert_true(hl_dc_wnode_held(&net.w[wk0 - 1]) >= 1);
	net.drop_kind = HL_DC_TRANSFER;
	net.drop_n = 1; /* first transfer lost: retried */
	assert_int_equal(hl_dc_job_takeover(&net.m[1], &s, rec, t2, net.now), 0);
	/* A second, stale claim for the same job is refused. */
	assert_int_equal(hl_dc_job_takeover(&net.m[1], &s, rec, t1, net.now), -HL_E_EXISTS);
	pump(&net);
	assert_int_equal(net.dropped, 1);
	assert_int_not_equal(hl_dc_job_find(&net.m[1], 11)->transfer_pending, 0);
	advance(&net, net.now + 1500 * MS);
	j = hl_dc_job_find(&net.m[1], 11);
	assert_non_null(j);
	assert_int_equal(j->transfer_pending, 0); /* every worker acked the (resent) transfer */
	/* The old leader (back from a pause) dispatches with its stale token to a worker that
	 * runs a slice of the job under the new token: refused (E.9). */
	uint64_t wk = 0;
	for (int i = 0; i < 3; i++)
		if (j->wf[i].state == HL_WF_RUNNING)
			wk = j->wf[i].worker;
	assert_int_not_equal(wk, 0);
	assert_int_equal(hl_fence_top(&net.w[wk - 1].fence, 11), t2);
	struct hl_dc_msg d = {.kind = HL_DC_DISPATCH};
	d.from = M0;
	d.to = wk;
	d.job = 11;
	d.sub = 999;
	d.token = t1;
	d.leader = M0;
	d.cores = 1;
	uint32_t held_before = hl_dc_wnode_held(&net.w[wk - 1]);
	assert_int_equal(hl_dc_wnode_recv(&net.w[wk - 1], &d, net.now), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_dc_wnode_held(&net.w[wk - 1]), held_before);
	assert_true(net.w[wk - 1].n_stale >= 1);
	/* A transfer with the old token is refused too. */
	d.kind = HL_DC_TRANSFER;
	assert_int_equal(hl_dc_wnode_recv(&net.w[wk - 1], &d, net.now), -HL_E_STALE_TOKEN);
	pump(&net);
	advance(&net, net.now + 10 * SEC);
	assert_int_equal(net.done_events[1], 1);
	assert_int_equal(net.done_events[0], 0);
	assert_int_equal(net.done_status, HL_WS_COMPLETED);
	/* Results held through the leaderless gap reach the new leader with their counts. */
	assert_true(net.done_totals.tx_pkts == 6000000u && net.done_totals.rx_pkts == 6000000u);
	/* The old leader's process is gone: restart it empty for the census. */
	hl_dc_mgr_fini(&net.m[0]);
	struct hl_dc_mgr_cfg mc;
	hl_dc_mgr_cfg_default(&mc);
	mc.self = M0;
	mc.max_jobs = 64;
	mc.max_tombs = 64;
	assert_int_equal(hl_dc_mgr_init(&net.m[0], &mc), 0);
	net.mdown[0] = false;
	pump(&net);
	assert_clean(&net, false);
	net_fini(&net);
}

/* D.7: duplicate results are ignored; a lost ack makes the worker resend and the tombstone
 * answers so the worker can free it; exactly one JOB_DONE. */
static void
test_results_exactly_once(void **state)
{
	struct hl_dc_job_spec s;
	(void)state;

	net_init(&net, 4);
	memset(&s, 0, sizeof(s));
	s.job = 12;
	s.nwf = 1;
	s.wf[0] = (struct hl_dc_wf_spec){1, 0, 1, 1 * SEC, 1};
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 5, 0), 0);
	pump(&net);
	net.drop_kind = HL_DC_RESULT_ACK;
	net.drop_n = 2;
	advance(&net, 1100 * MS);
	assert_int_equal(net.done_events[0], 1);
	/* The worker did not get the ack: still holds the result and resends it. */
	uint64_t wk = 0;
	for (int i = 0; i < NW; i++)
		if (hl_dc_wnode_held(&net.w[i]))
			wk = (uint64_t)i + 1;
	assert_int_not_equal(wk, 0);
	advance(&net, 5 * SEC);
	assert_int_equal(hl_dc_wnode_held(&net.w[wk - 1]), 0);
	assert_true(net.m[0].n_dup_results >= 1);
	assert_int_equal(net.done_events[0], 1);
	/* A manager that does not lead the job refuses to ack (the worker keeps the result). */
	struct hl_dc_msg r = {.kind = HL_DC_RESULT, .status = HL_WS_COMPLETED};
	r.from = 1;
	r.to = M1;
	r.job = 77;
	r.sub = 1;
	assert_int_equal(hl_dc_mgr_recv(&net.m[1], &r, net.now), -HL_E_NOT_FOUND);
	struct hl_dc_msg a;
	assert_int_equal(hl_dc_mgr_next_tx(&net.m[1], &a), 1);
	assert_int_equal(a.kind, HL_DC_RESULT_ACK);
	assert_false(a.ok);
	/* Worker side: a held result is freed only by an ok ack carrying the current token. */
	struct hl_dc_msg d = {.kind = HL_DC_DISPATCH};
	d.from = M1;
	d.to = 1;
	d.job = 78;
	d.sub = 3;
	d.token = 9;
	d.leader = M1;
	d.cores = 1;
	assert_int_equal(hl_dc_wnode_recv(&net.w[0], &d, net.now), 0);
	assert_int_equal(hl_dc_wnode_finish(&net.w[0], 78, 3, HL_WS_COMPLETED, net.now), 0);
	assert_int_equal(
	        hl_dc_wnode_finish(&net.w[0], 78, 3, HL_WS_COMPLETED, net.now), -HL_E_NOT_FOUND);
	struct hl_dc_msg ra = {.kind = HL_DC_RESULT_ACK, .ok = 0};
	ra.from = M0;
	ra.job = 78;
	ra.sub = 3;
	ra.token = 9;
	hl_dc_wnode_recv(&net.w[0], &ra, net.now); /* "not leader" */
	assert_int_equal(hl_dc_wnode_held(&net.w[0]), 1);
	ra.ok = 1;
	ra.token = 8; /* a deposed leader's ack */
	hl_dc_wnode_recv(&net.w[0], &ra, net.now);
	assert_int_equal(hl_dc_wnode_held(&net.w[0]), 1);
	ra.token = 9;
	hl_dc_wnode_recv(&net.w[0], &ra, net.now);
	assert_int_equal(hl_dc_wnode_held(&net.w[0]), 0);
	while (hl_dc_wnode_next_tx(&net.w[0], &a) == 1)
		;
	while (hl_dc_mgr_next_tx(&net.m[1], &a) == 1)
		;
	assert_clean(&net, false);
	net_fini(&net);
}

static void
test_cancel_and_failure_paths(void **state)
{
	struct hl_dc_job_spec s;
	(void)state;

	/* Cancel: running slices cancelled at the workers, pending ones never dispatched. */
	net_init(&net, 4);
	spec3(&s, 13);
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 5, 0), 0);
	pump(&net);
	assert_int_equal(hl_dc_job_cancel(&net.m[0], 13, HL_WS_CANCELLED, net.now), 0);
	pump(&net);
	assert_int_equal(net.done_events[0], 1);
	assert_int_equal(net.done_status, HL_WS_CANCELLED);
	assert_int_equal(net.sent[HL_DC_CANCEL], 2);
	assert_int_equal(net.sent[HL_DC_CANCEL_DONE], 2);
	assert_int_equal(
	        hl_dc_job_cancel(&net.m[0], 13, HL_WS_CANCELLED, net.now), -HL_E_NOT_FOUND);
	assert_clean(&net, false);
	net_fini(&net);

	/* A workflow whose traffic fails is retried; failing every time fails the job, and its
	 * dependents are cancelled, never run. */
	net_init(&net, 4);
	spec3(&s, 14);
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 5, 0), 0);
	for (int round = 0; round < 60; round++) {
		pump(&net);
		const struct hl_dc_job *j = hl_dc_job_find(&net.m[0], 14);
		if (j == NULL)
			break;
		if (j->wf[0].state == HL_WF_RUNNING)
			hl_dc_wnode_finish(&net.w[j->wf[0].worker - 1], 14, j->wf[0].sub,
			        HL_WS_FAILED, net.now);
		advance(&net, net.now + 200 * MS);
	}
	assert_int_equal(net.done_events[0], 1);
	assert_int_equal(net.done_status, HL_WS_FAILED);
	assert_clean(&net, false);

	/* Dropping a job (lease lost) frees it without a JOB_DONE. */
	spec3(&s, 15);
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 5, net.now), 0);
	assert_int_equal(hl_dc_job_drop(&net.m[0], 15), 0);
	assert_int_equal(hl_dc_job_drop(&net.m[0], 15), -HL_E_NOT_FOUND);
	assert_int_equal(net.done_events[0], 1);
	struct hl_dc_mgr_census c;
	hl_dc_mgr_census(&net.m[0], &c);
	assert_int_equal(c.jobs + c.progress_jobs + c.fences + c.cores_reserved + c.inflight, 0);
	net_fini(&net);
}

/* Progress at the manager: duplicates and reordering dropped, stale tokens refused with the
 * current leader in the ack, backpressure level in every ack. */
static void
test_progress_through_manager(void **state)
{
	struct hl_dc_job_spec s;
	struct hl_dc_msg a;
	(void)state;

	net_init(&net, 4);
	memset(&s, 0, sizeof(s));
	s.job = 16;
	s.nwf = 1;
	s.wf[0] = (struct hl_dc_wf_spec){1, 0, 1, 0, 100};
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, 50, 0), 0);
	pump(&net);
	const struct hl_dc_job *j = hl_dc_job_find(&net.m[0], 16);
	struct hl_dc_msg p = {.kind = HL_DC_PROGRESS};
	p.from = j->wf[0].worker;
	p.to = M0;
	p.job = 16;
	p.sub = j->wf[0].sub;
	p.token = 50;
	p.seq = 2;
	p.done = 20;
	assert_int_equal(hl_dc_mgr_recv(&net.m[0], &p, 0), 0);
	p.seq = 1; /* reordered */
	assert_int_equal(hl_dc_mgr_recv(&net.m[0], &p, 0), 0);
	p.seq = 2; /* duplicate */
	assert_int_equal(hl_dc_mgr_recv(&net.m[0], &p, 0), 0);
	assert_int_equal(net.m[0].progress.n_dup, 2);
	p.token = 49;
	p.seq = 3;
	assert_int_equal(hl_dc_mgr_recv(&net.m[0], &p, 0), -HL_E_STALE_TOKEN);
	int acks = 0;
	while (hl_dc_mgr_next_tx(&net.m[0], &a) == 1) {
		if (a.kind != HL_DC_PROGRESS_ACK)
			continue;
		acks++;
		assert_int_equal(a.token, 50);
		assert_int_equal(a.leader, M0);
		assert_int_equal(a.bp, HL_BP_NONE);
	}
	assert_int_equal(acks, 4);
	/* Fill the stats buffer: the acks report THROTTLE, then REJECT; draining recovers. */
	p.token = 50;
	for (uint64_t q = 3; q < 3 + 960; q++) {
		p.seq = q;
		hl_dc_mgr_recv(&net.m[0], &p, 0);
	}
	uint8_t last_bp = 0;
	while (hl_dc_mgr_next_tx(&net.m[0], &a) == 1)
		last_bp = a.bp;
	assert_int_equal(last_bp, HL_BP_REJECT);
	hl_dc_mgr_stats_drained(&net.m[0], 1000);
	p.seq = 5000;
	assert_int_equal(hl_dc_mgr_recv(&net.m[0], &p, 0), 0);
	assert_int_equal(hl_dc_mgr_next_tx(&net.m[0], &a), 1);
	assert_int_equal(a.bp, HL_BP_NONE);
	net_fini(&net);
}

/* Worker: a late duplicate of a finished dispatch is acked, never run again; a dead job leader
 * orphans the job's results, which then go to the tier leader; "job over" from it frees them. */
static void
test_worker_orphans_and_duplicates(void **state)
{
	struct hl_dc_msg d = {.kind = HL_DC_DISPATCH}, a;
	(void)state;

	net_init(&net, 4);
	d.from = M0;
	d.to = 1;
	d.job = 90;
	d.sub = 4;
	d.token = 7;
	d.leader = M0;
	d.cores = 1;
	assert_int_equal(hl_dc_wnode_recv(&net.w[0], &d, 0), 0);
	assert_int_equal(hl_dc_wnode_finish(&net.w[0], 90, 4, HL_WS_COMPLETED, 0), 0);
	struct hl_dc_msg ra = {.kind = HL_DC_RESULT_ACK, .ok = 1};
	ra.from = M0;
	ra.job = 90;
	ra.sub = 4;
	ra.token = 7;
	assert_int_equal(hl_dc_wnode_recv(&net.w[0], &ra, 0), 0);
	assert_int_equal(hl_dc_wnode_held(&net.w[0]), 0);
	/* The network delivers a second copy of the dispatch: acked, not run. */
	assert_int_equal(hl_dc_wnode_recv(&net.w[0], &d, 1), 0);
	assert_int_equal(hl_dc_wnode_held(&net.w[0]), 0);
	assert_int_equal(net.w[0].n_dup_dispatch, 1);
	while (hl_dc_wnode_next_tx(&net.w[0], &a) == 1)
		;
	/* A second slice finishes while its leader M0 is dead. */
	d.sub = 5;
	assert_int_equal(hl_dc_wnode_recv(&net.w[0], &d, 0), 0);
	assert_int_equal(hl_dc_wnode_finish(&net.w[0], 90, 5, HL_WS_COMPLETED, 0), 0);
	while (hl_dc_wnode_next_tx(&net.w[0], &a) == 1)
		assert_int_equal(a.to, M0);
	hl_dc_wnode_set_tier_leader(&net.w[0], M1);
	hl_dc_wnode_peer_dead(&net.w[0], M0, 1 * SEC);
	assert_int_equal(hl_dc_wnode_tick(&net.w[0], 1 * SEC), 0);
	int sent = 0;
	while (hl_dc_wnode_next_tx(&net.w[0], &a) == 1) {
		assert_int_equal(a.kind, HL_DC_RESULT);
		assert_int_equal(a.to, M1);
		sent++;
		/* The tier leader knows no lease for the job: "over". */
		hl_dc_mgr_ack_gone(&net.m[1], &a);
	}
	assert_int_equal(sent, 1);
	assert_int_equal(hl_dc_mgr_next_tx(&net.m[1], &a), 1);
	assert_int_equal(a.kind, HL_DC_RESULT_ACK);
	assert_true(a.ok);
	assert_int_equal(hl_dc_wnode_recv(&net.w[0], &a, 1 * SEC), 0);
	assert_int_equal(hl_dc_wnode_held(&net.w[0]), 0);
	assert_int_equal(hl_dc_wnode_jobs(&net.w[0]), 0);
	net_fini(&net);
}

/* The event queue (HL_DC_EVENTS) never loses a JOB_DONE (S15): a JOB_DONE displaces the
 * oldest informational event and goes to the tail (order kept); with a queue full of JOB_DONEs
 * the job stays until the host drains the queue and the next tick reports it. */
static void
test_job_done_never_lost(void **state)
{
	struct hl_dc_mgr m;
	struct hl_dc_wnode w;
	struct hl_dc_mgr_cfg mc;
	struct hl_dc_worker_cfg wc = {1, 4, 1 * SEC, 64};
	struct hl_dc_job_spec s;
	struct hl_dc_event ev;
	struct hl_dc_msg msg;
	uint64_t now = 0;
	(void)state;

	hl_dc_mgr_cfg_default(&mc);
	mc.self = M0;
	mc.max_jobs = HL_DC_EVENTS + 8;
	mc.max_tombs = 2 * HL_DC_EVENTS;
	mc.max_workers = 4;
	assert_int_equal(hl_dc_mgr_init(&m, &mc), 0);
	assert_int_equal(hl_dc_wnode_init(&w, &wc), 0);
	memset(&s, 0, sizeof(s));
	s.nwf = 1;
	s.wf[0] = (struct hl_dc_wf_spec){1, 0, 1, 100 * MS, 1};

	/* No worker: each new job queues one NO_WORKER, until the queue is full (counted). */
	for (uint64_t job = 1000; job < 1000 + HL_DC_EVENTS + 4; job++) {
		s.job = job;
		assert_int_equal(hl_dc_job_start(&m, &s, hl_fence_make(1, 1), now), 0);
		hl_dc_mgr_tick(&m, now += MS);
	}
	assert_int_equal(m.ev_len, HL_DC_EVENTS);
	assert_int_equal(m.n_ev_full, 4);
	assert_int_equal(hl_dc_job_cancel(&m, 1000, HL_WS_CANCELLED, now), 0);
	hl_dc_mgr_tick(&m, now += MS);
	assert_null(hl_dc_job_find(&m, 1000));
	for (uint32_t i = 0; i < HL_DC_EVENTS - 1; i++) {
		assert_int_equal(hl_dc_mgr_next_event(&m, &ev), 1);
		assert_int_equal(ev.kind, HL_DC_EV_NO_WORKER);
		assert_int_equal(ev.job, 1001 + i); /* the oldest (job 1000's) made room */
	}
	assert_int_equal(hl_dc_mgr_next_event(&m, &ev), 1);
	assert_int_equal(ev.kind, HL_DC_EV_JOB_DONE);
	assert_int_equal(ev.job, 1000);
	assert_int_equal(ev.status, HL_WS_CANCELLED);
	assert_int_equal(hl_dc_mgr_next_event(&m, &ev), 0);
	hl_dc_mgr_fini(&m);
	assert_int_equal(hl_dc_mgr_init(&m, &mc), 0);

	/* A worker; HL_DC_EVENTS + 1 jobs run one after the other while nobody drains events. */
	assert_int_equal(hl_dc_worker_update(&m, 1, 4, 0, now), 0);
	for (uint64_t job = 1; job <= HL_DC_EVENTS + 1; job++) {
		s.job = job;
		assert_int_equal(hl_dc_job_start(&m, &s, hl_fence_make(1, 1), now), 0);
		for (int t = 0; t < 50 && !(job <= HL_DC_EVENTS && hl_dc_job_find(&m, job) == NULL);
		        t++) {
			now += 50 * MS;
			hl_dc_mgr_tick(&m, now);
			hl_dc_wnode_tick(&w, now);
			for (int k = 0; k < 4; k++) {
				while (hl_dc_mgr_next_tx(&m, &msg) == 1)
					hl_dc_wnode_recv(&w, &msg, now);
				while (hl_dc_wnode_next_tx(&w, &msg) == 1)
					hl_dc_mgr_recv(&m, &msg, now);
			}
		}
	}
	/* The last job's workflow completed, but its JOB_DONE found no room: the job waits. */
	const struct hl_dc_job *j = hl_dc_job_find(&m, HL_DC_EVENTS + 1);
	assert_non_null(j);
	assert_int_equal(j->wf[0].state, HL_WF_COMPLETED);
	assert_false(j->done_reported);
	for (uint64_t job = 1; job <= HL_DC_EVENTS; job++) {
		assert_int_equal(hl_dc_mgr_next_event(&m, &ev), 1);
		assert_int_equal(ev.kind, HL_DC_EV_JOB_DONE);
		assert_int_equal(ev.job, job);
		assert_int_equal(ev.status, HL_WS_COMPLETED);
	}
	assert_int_equal(hl_dc_mgr_next_event(&m, &ev), 0);
	hl_dc_mgr_tick(&m, now += MS);
	assert_int_equal(hl_dc_mgr_next_event(&m, &ev), 1);
	assert_int_equal(ev.kind, HL_DC_EV_JOB_DONE);
	assert_int_equal(ev.job, HL_DC_EVENTS + 1);
	assert_null(hl_dc_job_find(&m, HL_DC_EVENTS + 1));
	hl_dc_mgr_fini(&m);
	hl_dc_wnode_fini(&w);
}

/* host_runs (the node): an accepted dispatch gives exactly one START (not again for a resend),
 * the slice does not end by itself at its duration, the host's finish sends the result; a
 * cancelled running slice gives one STOP; a host that never drains its actions gets its
 * dispatches refused (visible -HL_E_FULL ack), never an action dropped. */
static void
test_worker_actions(void **state)
{
	struct hl_dc_wnode w;
	struct hl_dc_worker_cfg wc = {7, 1000, 1 * SEC, 1000, true};
	struct hl_dc_action a;
	struct hl_dc_msg d = {0}, out;
	uint64_t now = 0;
	(void)state;

	assert_int_equal(hl_dc_wnode_init(&w, &wc), 0);
	d.kind = HL_DC_DISPATCH;
	d.from = d.leader = M0;
	d.to = 7;
	d.job = 42;
	d.workflow = 3;
	d.sub = 1;
	d.token = hl_fence_make(1, 1);
	d.cores = 2;
	d.duration_ns = 2 * SEC;
	assert_int_equal(hl_dc_wnode_recv(&w, &d, now), 0);
	assert_int_equal(hl_dc_wnode_recv(&w, &d, now), 0); /* resend */
	assert_int_equal(hl_dc_wnode_next_action(&w, &a), 1);
	assert_int_equal(a.kind, HL_DC_ACT_START);
	assert_int_equal(a.job, 42);
	assert_int_equal(a.workflow, 3);
	assert_int_equal(a.sub, 1);
	assert_int_equal(a.cores, 2);
	assert_int_equal(a.duration_ns, 2 * SEC);
	assert_int_equal(a.token, d.token);
	assert_int_equal(hl_dc_wnode_next_action(&w, &a), 0);
	/* The duration passes: still running until the host says it ended. */
	hl_dc_wnode_tick(&w, now += 3 * SEC);
	while (hl_dc_wnode_next_tx(&w, &out) == 1)
		assert_int_not_equal(out.kind, HL_DC_RESULT);
	assert_int_equal(hl_dc_wnode_finish(&w, 42, 1, HL_WS_COMPLETED, now), 0);
	int results = 0;
	while (hl_dc_wnode_next_tx(&w, &out) == 1)
		results += out.kind == HL_DC_RESULT;
	assert_int_equal(results, 1);

	/* Cancel of a running slice: one STOP. */
	d.sub = 2;
	assert_int_equal(hl_dc_wnode_recv(&w, &d, now), 0);
	assert_int_equal(hl_dc_wnode_next_action(&w, &a), 1);
	assert_int_equal(a.kind, HL_DC_ACT_START);
	struct hl_dc_msg c = d;
	c.kind = HL_DC_CANCEL;
	assert_int_equal(hl_dc_wnode_recv(&w, &c, now), 0);
	assert_int_equal(hl_dc_wnode_next_action(&w, &a), 1);
	assert_int_equal(a.kind, HL_DC_ACT_STOP);
	assert_int_equal(a.sub, 2);
	assert_int_equal(hl_dc_wnode_next_action(&w, &a), 0);

	/* Nobody drains: dispatches are refused before an action could be lost. */
	uint32_t accepted = 0, refused = 0;
	for (uint32_t i = 0; i < HL_DC_ACTIONS; i++) {
		d.sub = 100 + i;
		d.cores = 1;
		int rc = hl_dc_wnode_recv(&w, &d, now);
		if (rc == 0) {
			accepted++;
			c.sub = d.sub; /* cancel it at once: START + STOP queued */
			assert_int_equal(hl_dc_wnode_recv(&w, &c, now), 0);
		} else {
			assert_int_equal(rc, -HL_E_FULL);
			refused++;
		}
	}
	assert_true(accepted > 0 && refused > 0);
	assert_int_equal(w.act_len, 2 * accepted);
	for (uint32_t i = 0; i < accepted; i++) {
		assert_int_equal(hl_dc_wnode_next_action(&w, &a), 1);
		assert_int_equal(a.kind, HL_DC_ACT_START);
		assert_int_equal(a.sub, 100 + i);
		assert_int_equal(hl_dc_wnode_next_action(&w, &a), 1);
		assert_int_equal(a.kind, HL_DC_ACT_STOP);
		assert_int_equal(a.sub, 100 + i);
	}
	assert_int_equal(hl_dc_wnode_next_action(&w, &a), 0);
	hl_dc_wnode_fini(&w);
}

/* seed-defects A.2: the core takes notifications (SWIM deaths, registry updates) as calls and
 * reports outcomes as polled events, never through callbacks; a notification it refuses is
 * answered with an error (the host logs it) and every later one is still acted on. */
static void
test_refused_notification_does_not_stop_others(void **state)
{
	struct hl_dc_job_spec s;
	struct hl_dc_event ev;
	(void)state;

	net_init(&net, 4);
	memset(&s, 0, sizeof(s));
	s.job = 9;
	s.nwf = 1;
	s.wf[0] = (struct hl_dc_wf_spec){1, 0, 4, 10 * SEC, 1};
	assert_int_equal(hl_dc_job_start(&net.m[0], &s, hl_fence_make(1, 1), 0), 0);
	pump(&net);
	const struct hl_dc_job *j = hl_dc_job_find(&net.m[0], 9);
	uint64_t first = j->wf[0].worker;
	assert_int_equal(j->wf[0].state, HL_WF_RUNNING);
	/* refused: unknown worker, zero cores, unknown job */
	assert_int_equal(hl_dc_worker_dead(&net.m[0], 999, net.now), -ENOENT);
	assert_true(hl_dc_worker_update(&net.m[0], 0, 4, 0, net.now) < 0);
	assert_int_equal(
	        hl_dc_job_cancel(&net.m[0], 12345, HL_WS_CANCELLED, net.now), -HL_E_NOT_FOUND);
	/* the next notification is acted on: the workflow moves off the dead worker */
	net.wdown[first - 1] = true;
	assert_int_equal(hl_dc_worker_dead(&net.m[0], first, net.now), 0);
	bool reassigned = false;
	while (hl_dc_mgr_next_event(&net.m[0], &ev) == 1)
		reassigned |= ev.kind == HL_DC_EV_REASSIGNED && ev.job == 9 && ev.worker == first;
	assert_true(reassigned);
	advance(&net, net.now + 1 * SEC);
	j = hl_dc_job_find(&net.m[0], 9);
	assert_non_null(j);
	assert_int_equal(j->wf[0].state, HL_WF_RUNNING);
	assert_int_not_equal(j->wf[0].worker, first);
	net_fini(&net);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_layers_and_completion),
	        cmocka_unit_test(test_dispatch_retry_and_budget),
	        cmocka_unit_test(test_dead_worker_reassign),
	        cmocka_unit_test(test_no_worker_available),
	        cmocka_unit_test(test_takeover),
	        cmocka_unit_test(test_results_exactly_once),
	        cmocka_unit_test(test_cancel_and_failure_paths),
	        cmocka_unit_test(test_progress_through_manager),
	        cmocka_unit_test(test_worker_orphans_and_duplicates),
	        cmocka_unit_test(test_job_done_never_lost),
	        cmocka_unit_test(test_worker_actions),
	        cmocka_unit_test(test_refused_notification_does_not_stop_others),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
