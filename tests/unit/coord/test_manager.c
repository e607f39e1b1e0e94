/* test_manager.c — the manager role (hl_manager) in-process: hostile and stale input to recv, one
 * manager running a job end to end with an hl_dc_wnode worker, a tier leader crash after which
 * the survivors rebuild from their own record stores, the per-job census back to zero after
 * done / cancel / drop, every bounded collection's full behaviour, and the DC side of the gate
 * messages (accept, result until acked, re-point by a new gate job leader, tombstone answer). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_manager.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define NM 3
#define WID 10 /* the worker's node id */

/* A tiny in-process DC: up to 3 managers (ids 1..n) and one worker, zero-latency delivery. */
struct tdc {
	int n;
	struct hl_manager m[NM];
	struct hl_prng rng[NM];
	bool up[NM];
	uint32_t term[NM];
	uint64_t vote[NM];
	struct hl_dc_wnode wn;
	uint64_t now;
	/* what the hosts saw */
	int done[64];
	uint8_t status[64];
	int accepted[64];
	int takeovers[64];
	uint64_t takeover_version[64], committed[64];
	int persists;
};

static struct tdc T;
static struct hl_mmsg msg;

static void
cfg_for(struct hl_manager_cfg *c, int n, int self)
{
	hl_manager_cfg_default(c);
	c->elect.self = (uint64_t)self;
	c->elect.nmembers = (uint32_t)n;
	for (int i = 0; i < n; i++)
		c->elect.members[i] = (uint64_t)i + 1;
	c->lease.duration_ns = 6 * SEC;
	c->lease.max_jobs = 16;
	c->lease.max_members = 8;
	c->dc.max_workers = 8;
	c->dc.max_tombs = 16;
	c->dc.tomb_ttl_ns = 60 * SEC;
	c->max_records = 16;
	c->max_tombs = 16;
	c->tomb_ttl_ns = 60 * SEC;
}

static void
events(int i)
{
	struct hl_manager_event e;

	while (hl_manager_next_event(&T.m[i], &e) == 1) {
		uint64_t j = e.job < 64 ? e.job : 0;
		switch (e.kind) {
		case HL_MANAGER_EV_PERSIST:
			T.term[i] = e.term;
			T.vote[i] = e.vote;
			T.persists++;
			assert_int_equal(hl_manager_persisted(&T.m[i], e.term, T.now), 0);
			break;
		case HL_MANAGER_EV_JOB_DONE:
			T.done[j]++;
			T.status[j] = e.status;
			break;
		case HL_MANAGER_EV_ACCEPTED:
			T.accepted[j]++;
			break;
		case HL_MANAGER_EV_TAKEOVER:
			T.takeovers[j]++;
			T.takeover_version[j] = e.version;
			break;
		case HL_MANAGER_EV_COMMITTED:
			if (e.version > T.committed[j])
				T.committed[j] = e.version;
			break;
		}
	}
}

static void
route(void)
{
	bool more = true;
	struct hl_dc_msg d;

	while (more) {
		more = false;
		for (int i = 0; i < T.n; i++) {
			if (!T.up[i])
				continue;
			while (hl_manager_next_tx(&T.m[i], &msg) == 1) {
				more = true;
				if (msg.to == WID) {
					assert_int_equal(msg.kind, HL_MM_DC);
					hl_dc_wnode_recv(&T.wn, &msg.u.d, T.now);
					continue;
				}
				int k = (int)msg.to - 1;
				assert_true(k >= 0 && k < T.n);
				if (!T.up[k])
					continue;
				(void)hl_manager_recv(&T.m[k], &msg, T.now);
				events(k);
			}
		}
		while (hl_dc_wnode_next_tx(&T.wn, &d) == 1) {
			int k = (int)d.to - 1;
			more = true;
			if (k < 0 || k >= T.n || !T.up[k])
				continue;
			memset(&msg, 0, offsetof(struct hl_mmsg, body));
			msg.kind = HL_MM_DC;
			msg.from = WID;
			msg.to = d.to;
			msg.u.d = d;
			(void)hl_manager_recv(&T.m[k], &msg, T.now);
			events(k);
		}
	}
}

static int
leader(void)
{
	for (int i = 0; i < T.n; i++)
		if (T.up[i] && hl_manager_is_leader(&T.m[i], T.now))
			return i;
	return -1;
}

static void
step(uint64_t dt)
{
	T.now += dt;
	for (int i = 0; i < T.n; i++)
		if (T.up[i] && T.now >= hl_manager_next_deadline(&T.m[i])) {
			hl_manager_tick(&T.m[i], T.now);
			events(i);
		}
	int l = leader();
	hl_dc_wnode_set_tier_leader(&T.wn, l >= 0 ? (uint64_t)l + 1 : 0);
	hl_dc_wnode_tick(&T.wn, T.now);
	route();
}

static void
run(uint64_t dt)
{
	for (uint64_t end = T.now + dt; T.now < end;)
		step(10 * MS);
}

static void
dc_start(int n, uint32_t cores)
{
	struct hl_dc_worker_cfg wc = {WID, cores, 1 * SEC, 64};
	struct hl_manager_cfg c;

	memset(&T, 0, sizeof(T));
	T.n = n;
	T.now = 1 * SEC;
	assert_int_equal(hl_dc_wnode_init(&T.wn, &wc), 0);
	for (int i = 0; i < n; i++) {
		cfg_for(&c, n, i + 1);
		hl_prng_seed(&T.rng[i], 42 + (uint64_t)i);
		assert_int_equal(hl_manager_init(&T.m[i], &c, 0, 0, &T.rng[i], T.now), 0);
		T.up[i] = true;
		assert_int_equal(hl_manager_member_alive(
		                         &T.m[i], WID, HL_MANAGER_ROLE_WORKER, cores, 0, T.now),
		        0);
	}
	for (int k = 0; k < 200 && leader() < 0; k++)
		run(100 * MS);
	assert_true(leader() >= 0);
	assert_true(T.persists > 0); /* the vote's term went to "disk" before any vote left */
}

static void
dc_stop(void)
{
	for (int i = 0; i < T.n; i++)
		if (T.up[i])
			hl_manager_fini(&T.m[i]);
	hl_dc_wnode_fini(&T.wn);
}

static void
spec_of(struct hl_dc_job_spec *s, uint64_t job, uint32_t nwf, uint64_t dur)
{
	memset(s, 0, sizeof(*s));
	s->job = job;
	s->nwf = nwf;
	for (uint32_t i = 0; i < nwf; i++)
		s->wf[i] = (struct hl_dc_wf_spec){i + 1, i == 1 ? 1u : 0u, 1, dur, 100};
}

static uint64_t
retained_all(bool tombs)
{
	uint64_t n = hl_dc_wnode_held(&T.wn) + hl_dc_wnode_jobs(&T.wn);

	for (int i = 0; i < T.n; i++)
		if (T.up[i])
			n += hl_manager_retained(&T.m[i], tombs);
	return n;
}

/* ---- records ---- */

static void
test_record_codec_rejects_bad_bytes(void **state)
{
	struct hl_manager_rec r, back;
	uint8_t buf[HL_JREC_BODY_MAX];
	int len;
	(void)state;

	memset(&r, 0, sizeof(r));
	spec_of(&r.spec, 7, 3, SEC);
	r.leader = 2;
	r.started = true;
	r.cancel = r.timed_out = true;
	r.spec.timeout_ns = 90 * SEC;
	r.elapsed_ms = 91234;
	r.wf[1] = (struct hl_dc_wf_record){HL_WF_RUNNING, 10, 5, {0, 0, 0}};
	r.wf[0] = (struct hl_dc_wf_record){HL_WF_COMPLETED, 11, 4, {1000, 990, UINT64_MAX}};
	len = hl_manager_rec_encode(&r, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(hl_manager_rec_decode(&back, buf, (uint32_t)len), 0);
	assert_int_equal(back.spec.job, 7);
	assert_int_equal(back.spec.nwf, 3);
	assert_int_equal(back.spec.wf[1].deps, 1);
	assert_int_equal(back.wf[1].worker, 10);
	assert_int_equal(back.wf[1].sub, 5);
	assert_true(back.wf[0].counts.tx_pkts == 1000 && back.wf[0].counts.rx_pkts == 990);
	assert_true(back.wf[0].counts.lost == UINT64_MAX);
	assert_true(hl_counts_zero(&back.wf[1].counts));
	assert_true(back.started && !back.done && back.cancel && back.timed_out);
	assert_true(back.spec.timeout_ns == 90 * SEC && back.elapsed_ms == 91234);
	/* the largest record (16 workflows) fits a jrec body */
	struct hl_manager_rec big = r;
	spec_of(&big.spec, 7, HL_DC_MAX_WF, SEC);
	assert_true(hl_manager_rec_encode(&big, buf, sizeof(buf)) > 1024);
	/* truncated, oversize claims, bad values */
	assert_int_equal(hl_manager_rec_decode(&back, buf, 5), -EMSGSIZE);
	assert_int_equal(hl_manager_rec_decode(&back, buf, (uint32_t)len - 1), -EMSGSIZE);
	buf[16] = 17; /* nwf over HL_DC_MAX_WF (length then mismatches too) */
	assert_int_equal(hl_manager_rec_decode(&back, buf, (uint32_t)len), -EMSGSIZE);
	buf[16] = 3;
	buf[17] = 9; /* started is a bool */
	assert_int_equal(hl_manager_rec_decode(&back, buf, (uint32_t)len), -EINVAL);
	buf[17] = 1;
	memset(buf + 60, 0xff, 8); /* a timeout that overflows in ns */
	assert_int_equal(hl_manager_rec_decode(&back, buf, (uint32_t)len), -EINVAL);
	memset(buf + 60, 0, 8);
	buf[76 + 4] = 0x4; /* wf 0 depends on a later workflow (after the 76-byte header) */
	assert_int_equal(hl_manager_rec_decode(&back, buf, (uint32_t)len), -EINVAL);
	/* encoder: no room, empty spec */
	assert_int_equal(hl_manager_rec_encode(&r, buf, 10), -EMSGSIZE);
	r.spec.nwf = 0;
	assert_int_equal(hl_manager_rec_encode(&r, buf, sizeof(buf)), -EINVAL);
}

/* ---- bad input to recv ---- */

static void
test_recv_rejects_bad_input(void **state)
{
	struct hl_dc_job_spec s;
	int l;
	(void)state;

	dc_start(3, 4);
	l = leader();
	int o = (l + 1) % 3; /* a follower */
	memset(&msg, 0, sizeof(msg));
	/* unknown kinds */
	msg.from = (uint64_t)l + 1;
	msg.kind = 0;
	assert_int_equal(hl_manager_recv(&T.m[o], &msg, T.now), -EINVAL);
	msg.kind = HL_MM_KIND_MAX_;
	assert_int_equal(hl_manager_recv(&T.m[o], &msg, T.now), -EINVAL);
	/* a tier message from outside the configured tier */
	msg.kind = HL_MM_RENEW;
	msg.from = 99;
	msg.n = 1;
	assert_int_equal(hl_manager_recv(&T.m[o], &msg, T.now), -EINVAL);
	msg.from = (uint64_t)l + 1;
	msg.n = 0; /* empty batch */
	assert_int_equal(hl_manager_recv(&T.m[l], &msg, T.now), -EINVAL);
	msg.from = (uint64_t)o + 1;
	msg.n = HL_MANAGER_BATCH + 1;
	assert_int_equal(hl_manager_recv(&T.m[l], &msg, T.now), -EINVAL);
	/* a grant for another holder */
	memset(&msg, 0, offsetof(struct hl_mmsg, body));
	msg.kind = HL_MM_GRANT;
	msg.from = (uint64_t)l + 1;
	msg.u.g = (struct hl_lease_grant){5, 99, 1ull << 32 | 1, 6 * SEC};
	assert_int_equal(hl_manager_recv(&T.m[o], &msg, T.now), -EINVAL);
	/* record put: oversize length, undecodable body, job mismatch */
	memset(&msg, 0, offsetof(struct hl_mmsg, body));
	msg.kind = HL_MM_REC_PUT;
	msg.from = (uint64_t)l + 1;
	msg.u.rec.job = 5;
	msg.u.rec.token = 1ull << 32 | 1;
	msg.u.rec.version = 1;
	msg.u.rec.len = HL_JREC_BODY_MAX + 1;
	assert_int_equal(hl_manager_recv(&T.m[o], &msg, T.now), -EMSGSIZE);
	msg.u.rec.len = 7;
	memset(msg.body, 0xff, 7);
	assert_int_equal(hl_manager_recv(&T.m[o], &msg, T.now), -EMSGSIZE);
	struct hl_manager_rec r = {0};
	spec_of(&r.spec, 6, 1, SEC);
	msg.u.rec.len = (uint32_t)hl_manager_rec_encode(&r, msg.body, sizeof(msg.body));
	assert_int_equal(hl_manager_recv(&T.m[o], &msg, T.now), -EINVAL); /* says job 5 */
	/* foreign job: an ack and a fetch answer for jobs this node never wrote or fetched */
	memset(&msg, 0, offsetof(struct hl_mmsg, body));
	msg.kind = HL_MM_REC_ACK;
	msg.from = (uint64_t)o + 1;
	msg.u.rec.job = 77;
	msg.u.rec.version = 1;
	assert_int_equal(hl_manager_recv(&T.m[l], &msg, T.now), -ENOENT);
	msg.kind = HL_MM_REC_DATA;
	assert_int_equal(hl_manager_recv(&T.m[l], &msg, T.now), -ENOENT);
	assert_true(T.m[l].n_foreign >= 2);
	/* nothing of the above created per-job state */
	assert_int_equal(hl_manager_retained(&T.m[o], true), 0);
	/* stale token: run a job, then replay a grant below the token held */
	spec_of(&s, 3, 1, 30 * SEC);
	assert_int_equal(hl_manager_submit(&T.m[l], &s, T.now), 0);
	events(l);
	run(200 * MS);
	assert_int_equal(T.accepted[3], 1);
	int h = -1;
	for (int i = 0; i < 3; i++)
		if (hl_manager_leads(&T.m[i], 3, T.now))
			h = i;
	assert_true(h >= 0);
	uint64_t held;
	assert_true(hl_lease_holder_valid(&T.m[h].lh, 3, T.now, &held));
	int from = h == l ? (l + 1) % 3 : l;
	memset(&msg, 0, offsetof(struct hl_mmsg, body));
	msg.kind = HL_MM_GRANT;
	msg.from = (uint64_t)from + 1;
	msg.u.g = (struct hl_lease_grant){3, (uint64_t)h + 1, held - 1, 6 * SEC};
	assert_int_equal(hl_manager_recv(&T.m[h], &msg, T.now), -HL_E_STALE_TOKEN);
	assert_true(hl_manager_leads(&T.m[h], 3, T.now)); /* still leading with its token */
	/* submission errors */
	assert_int_equal(hl_manager_submit(&T.m[l], &s, T.now), -HL_E_EXISTS);
	assert_int_equal(hl_manager_submit(&T.m[o], &s, T.now), -HL_E_NOT_LEADER);
	spec_of(&s, 4, 2, SEC);
	s.wf[0].deps = 2; /* on a later workflow */
	assert_int_equal(hl_manager_submit(&T.m[l], &s, T.now), -EINVAL);
	assert_int_equal(hl_manager_cancel(&T.m[(h + 1) % 3], 3, T.now), -HL_E_NOT_LEADER);
	dc_stop();
}

/* ---- one manager, one worker: a job end to end, then nothing retained ---- */

static void
test_single_manager_runs_job_end_to_end(void **state)
{
	struct hl_dc_job_spec s;
	(void)state;

	dc_start(1, 4);
	spec_of(&s, 1, 3, 500 * MS); /* wf 1 waits for wf 0: a dependency layer */
	assert_int_equal(hl_manager_submit(&T.m[0], &s, T.now), 0);
	events(0);
	assert_int_equal(T.accepted[1], 1); /* a quorum of one committed v1 at once */
	assert_true(hl_manager_leads(&T.m[0], 1, T.now) || T.m[0].jmap.count == 1);
	assert_true(hl_manager_holds(&T.m[0], 1));
	for (int k = 0; k < 100 && T.done[1] == 0; k++)
		run(100 * MS);
	assert_int_equal(T.done[1], 1);
	assert_int_equal(T.status[1], HL_WS_COMPLETED);
	assert_true(T.committed[1] >= 3); /* v1 + dispatch + completion versions */
	run(2 * SEC);
	assert_int_equal(T.done[1], 1);
	assert_int_equal(retained_all(false), 0);
	assert_false(hl_manager_holds(&T.m[0], 1)); /* a tombstone is not holding */
	/* the finished job is remembered (late results, late puts) until the TTL */
	assert_int_equal(hl_manager_submit(&T.m[0], &s, T.now), -HL_E_EXISTS);
	run(61 * SEC);
	assert_int_equal(retained_all(true), 0);
	dc_stop();
}

/* ---- cancel and drop leave nothing ---- */

static void
test_cancel_and_drop_free_everything(void **state)
{
	struct hl_dc_job_spec s;
	(void)state;

	dc_start(1, 4);
	spec_of(&s, 2, 2, 30 * SEC);
	assert_int_equal(hl_manager_submit(&T.m[0], &s, T.now), 0);
	events(0);
	run(300 * MS);
	assert_true(hl_manager_leads(&T.m[0], 2, T.now));
	assert_int_equal(hl_manager_cancel(&T.m[0], 2, T.now), 0);
	events(0);
	for (int k = 0; k < 50 && T.done[2] == 0; k++)
		run(100 * MS);
	assert_int_equal(T.done[2], 1);
	assert_int_equal(T.status[2], HL_WS_CANCELLED);
	run(2 * SEC);
	assert_int_equal(retained_all(false), 0);
	/* drop: a job leader cut off from its tier cannot renew; its held lease expires and
	 * every per-job structure of the job it led goes. */
	dc_stop();

	dc_start(3, 4);
	int l = leader();
	spec_of(&s, 3, 1, 60 * SEC);
	assert_int_equal(hl_manager_submit(&T.m[l], &s, T.now), 0);
	events(l);
	run(500 * MS);
	int h = -1;
	for (int i = 0; i < 3; i++)
		if (hl_manager_leads(&T.m[i], 3, T.now))
			h = i;
	assert_true(h >= 0);
	/* isolate the job leader: it hears nobody; the others stop hearing it */
	struct hl_manager iso = T.m[h];
	T.up[h] = false;
	for (int k = 0; k < 100; k++) {
		T.now += 100 * MS;
		hl_manager_tick(&iso, T.now);
		struct hl_manager_event e;
		while (hl_manager_next_event(&iso, &e) == 1)
			if (e.kind == HL_MANAGER_EV_PERSIST)
				hl_manager_persisted(&iso, e.term, T.now);
		while (hl_manager_next_tx(&iso, &msg) == 1)
			; /* lost */
	}
	struct hl_manager_census c;
	hl_manager_census(&iso, &c);
	assert_int_equal(c.jobs, 0);
	assert_int_equal(c.held, 0);
	assert_int_equal(c.repl, 0);
	assert_int_equal(c.leases, 0);
	assert_int_equal(c.dc.jobs, 0);
	assert_int_equal(c.dc.cores_reserved, 0);
	assert_int_equal(c.dc.progress_jobs, 0);
	assert_true(!hl_manager_leads(&iso, 3, T.now));
	hl_manager_fini(&iso);
	dc_stop();
}

/* ---- the tier leader (and maybe job leader) dies: survivors rebuild from their stores ---- */

static void
test_leader_change_rebuilds_from_own_store(void **state)
{
	struct hl_dc_job_spec s;
	(void)state;

	dc_start(3, 4);
	int l = leader();
	for (uint64_t j = 1; j <= 4; j++) {
		spec_of(&s, j, 2, 20 * SEC);
		assert_int_equal(hl_manager_submit(&T.m[l], &s, T.now), 0);
		events(l);
	}
	run(2 * SEC);
	for (uint64_t j = 1; j <= 4; j++)
		assert_int_equal(T.accepted[j], 1);
	/* every survivor's own store holds every record (the rebuild source) */
	for (int i = 0; i < 3; i++) {
		for (uint64_t j = 1; j <= 4; j++) {
			assert_non_null(hl_jrec_store_get(&T.m[i].st, j));
			assert_true(hl_manager_holds(&T.m[i], j)); /* the host keeps its text */
		}
		assert_false(hl_manager_holds(&T.m[i], 5)); /* never submitted */
	}
	int led_by_dead[5] = {0};
	uint64_t committed_before[5] = {0};
	for (uint64_t j = 1; j <= 4; j++) {
		led_by_dead[j] = hl_manager_leads(&T.m[l], j, T.now);
		committed_before[j] = T.committed[j];
		assert_int_equal(T.takeovers[j], 1); /* the first holder's fetch */
	}
	assert_true(led_by_dead[1] + led_by_dead[2] + led_by_dead[3] + led_by_dead[4] > 0);
	/* crash the tier leader; SWIM tells the others 1.5 s later */
	hl_manager_fini(&T.m[l]);
	T.up[l] = false;
	run(1500 * MS);
	for (int i = 0; i < 3; i++)
		if (T.up[i]) {
			assert_int_equal(
			        hl_manager_member_dead(&T.m[i], (uint64_t)l + 1, T.now), 0);
			events(i);
		}
	for (int k = 0; k < 600; k++) {
		bool all = true;
		for (uint64_t j = 1; j <= 4; j++)
			all = all && T.done[j] == 1;
		if (all)
			break;
		run(100 * MS);
	}
	int nl = leader();
	assert_true(nl >= 0 && nl != l);
	for (uint64_t j = 1; j <= 4; j++) {
		assert_int_equal(T.done[j], 1);
		assert_int_equal(T.status[j], HL_WS_COMPLETED);
	}
	/* the jobs the dead node led were rebuilt from a quorum's newest version, never below
	 * the newest version a job leader had seen committed */
	for (uint64_t j = 1; j <= 4; j++) {
		if (!led_by_dead[j])
			continue;
		assert_int_equal(T.takeovers[j], 2);
		assert_true(T.takeover_version[j] >= committed_before[j]);
	}
	run(9 * SEC);
	assert_int_equal(retained_all(false), 0);
	/* ended everywhere (the survivors' tombstones): the hosts may drop the texts */
	for (int i = 0; i < 3; i++)
		for (uint64_t j = 1; j <= 4 && T.up[i]; j++)
			assert_false(hl_manager_holds(&T.m[i], j));
	dc_stop();
}

/* ---- bounded collections: full is visible, never silent ---- */

static void
test_bounded_collections_full(void **state)
{
	struct hl_dc_job_spec s;
	struct hl_manager_cfg c;
	struct hl_manager m;
	struct hl_prng rng;
	(void)state;

	/* lease table full (max_jobs 16): the 17th submission is refused */
	dc_start(1, 64);
	for (uint64_t j = 1; j <= 16; j++) {
		spec_of(&s, j, 1, 60 * SEC);
		assert_int_equal(hl_manager_submit(&T.m[0], &s, T.now), 0);
		events(0);
	}
	spec_of(&s, 17, 1, SEC);
	assert_int_equal(hl_manager_submit(&T.m[0], &s, T.now), -HL_E_FULL);
	dc_stop();

	/* record store full (max_records 16) at a member: the 17th put is refused, not acked */
	cfg_for(&c, 3, 2);
	hl_prng_seed(&rng, 1);
	assert_int_equal(hl_manager_init(&m, &c, 0, 0, &rng, 0), 0);
	struct hl_manager_rec r = {0};
	for (uint64_t j = 1; j <= 17; j++) {
		memset(&msg, 0, offsetof(struct hl_mmsg, body));
		spec_of(&r.spec, j, 1, SEC);
		msg.kind = HL_MM_REC_PUT;
		msg.from = 1;
		msg.u.rec.job = j;
		msg.u.rec.token = 1ull << 32 | j;
		msg.u.rec.version = 1;
		msg.u.rec.len = (uint32_t)hl_manager_rec_encode(&r, msg.body, sizeof(msg.body));
		assert_int_equal(hl_manager_recv(&m, &msg, 0), j <= 16 ? 0 : -HL_E_FULL);
	}
	int acks = 0;
	while (hl_manager_next_tx(&m, &msg) == 1)
		acks += msg.kind == HL_MM_REC_ACK && msg.code == 0;
	assert_int_equal(acks, 16);
	/* a put below a fetch's fence is refused (and says so in the ack) */
	memset(&msg, 0, offsetof(struct hl_mmsg, body));
	msg.kind = HL_MM_REC_FETCH;
	msg.from = 3;
	msg.u.rec.job = 1;
	msg.fence = 2ull << 32 | 1;
	assert_int_equal(hl_manager_recv(&m, &msg, 0), 0);
	assert_int_equal(hl_manager_next_tx(&m, &msg), 1);
	assert_int_equal(msg.kind, HL_MM_REC_DATA);
	assert_int_equal(msg.u.rec.version, 1);
	assert_int_equal(msg.fence, 2ull << 32 | 1);
	memset(&msg, 0, offsetof(struct hl_mmsg, body));
	spec_of(&r.spec, 1, 1, SEC);
	msg.kind = HL_MM_REC_PUT;
	msg.from = 1;
	msg.u.rec.job = 1;
	msg.u.rec.token = 1ull << 32 | 1;
	msg.u.rec.version = 2;
	msg.u.rec.len = (uint32_t)hl_manager_rec_encode(&r, msg.body, sizeof(msg.body));
	assert_int_equal(hl_manager_recv(&m, &msg, 0), -HL_E_STALE_TOKEN);
	assert_int_equal(hl_manager_next_tx(&m, &msg), 1);
	assert_int_equal(msg.kind, HL_MM_REC_ACK);
	assert_int_equal(msg.code, -HL_E_STALE_TOKEN);
	/* tombstones full (max_tombs 16): the oldest is evicted early, counted */
	for (uint64_t j = 1; j <= 17; j++) {
		memset(&msg, 0, offsetof(struct hl_mmsg, body));
		msg.kind = HL_MM_REC_FORGET;
		msg.from = 1;
		msg.u.rec.job = 100 + j;
		msg.status = 1;
		assert_int_equal(hl_manager_recv(&m, &msg, 0), 0);
	}
	struct hl_manager_census cs;
	hl_manager_census(&m, &cs);
	assert_int_equal(cs.tombs, 16);
	assert_int_equal(m.n_tomb_evicted, 1);
	/* the outbox (HL_MANAGER_OUTQ) full: fetches keep coming, answers beyond are counted */
	for (uint32_t k = 0; k < HL_MANAGER_OUTQ + 5; k++) {
		memset(&msg, 0, offsetof(struct hl_mmsg, body));
		msg.kind = HL_MM_REC_FETCH;
		msg.from = 3;
		msg.u.rec.job = 200;
		assert_int_equal(hl_manager_recv(&m, &msg, 0), 0);
	}
	assert_int_equal(m.n_out_full, 5);
	uint32_t n = 0;
	while (hl_manager_next_tx(&m, &msg) == 1)
		n++;
	assert_int_equal(n, HL_MANAGER_OUTQ);
	hl_manager_fini(&m);

	/* init refuses bad configurations */
	cfg_for(&c, 3, 2);
	c.max_records = 0;
	assert_int_equal(hl_manager_init(&m, &c, 0, 0, &rng, 0), -EINVAL);
	cfg_for(&c, 3, 9); /* self outside the tier */
	assert_int_equal(hl_manager_init(&m, &c, 0, 0, &rng, 0), -EINVAL);
	cfg_for(&c, 3, 2);
	assert_int_equal(hl_manager_init(&m, &c, 0, 0, NULL, 0), -EINVAL);
}

/* ---- serving gates: the DC side of DC_SUBMIT / DC_ACCEPT / DC_RESULT / DC_RESULT_ACK ---- */

struct gseen {
	int accepts[2], results[2]; /* per gate 500, 501 */
	uint8_t status;
	uint64_t token;
	int progress; /* DC_PROGRESS messages */
	uint32_t ppm; /* the last one's */
	uint64_t pseq, ptoken;
	bool seq_rose; /* every DC_PROGRESS had a higher seq than the one before */
	struct hl_counts live; /* the last one's counts so far */
	struct hl_counts rtot; /* the last DC_RESULT's counts */
	uint64_t p99;
};

static void
gate_drain(struct gseen *gs)
{
	struct hl_gmsg g;

	for (int i = 0; i < T.n; i++)
		while (T.up[i] && hl_manager_gate_next_tx(&T.m[i], &g) == 1) {
			assert_true(g.to == 500 || g.to == 501);
			assert_int_equal(g.dc, 100);
			if (g.type == HL_GM_DC_ACCEPT)
				gs->accepts[g.to - 500]++;
			if (g.type == HL_GM_DC_RESULT) {
				gs->results[g.to - 500]++;
				gs->status = g.status;
				gs->token = g.token;
				gs->rtot = g.totals;
			}
			if (g.type == HL_GM_DC_PROGRESS) {
				if (gs->progress++ == 0)
					gs->seq_rose = true;
				gs->seq_rose = gs->seq_rose && g.seq > gs->pseq;
				gs->ppm = g.ppm;
				gs->pseq = g.seq;
				gs->ptoken = g.token;
				gs->live = g.totals;
				gs->p99 = g.p99_ns;
			}
		}
}

static void
test_serves_gate_submit_result_ack(void **state)
{
	struct hl_dc_job_spec s;
	struct gseen gs = {0};
	struct hl_gmsg g = {.type = HL_GM_DC_SUBMIT, .from = 500, .to = 100, .dc = 100, .job = 5};
	(void)state;

	dc_start(1, 4);
	T.m[0].cfg.dc_id = 100;
	g.token = 7ull << 32 | 1;
	spec_of(&s, 5, 2, 500 * MS);
	/* bad input */
	struct hl_gmsg bad = g;
	bad.type = HL_GM_PUSH;
	assert_int_equal(hl_manager_gate_recv(&T.m[0], &bad, &s, T.now), -EINVAL);
	bad = g;
	bad.job = 0;
	assert_int_equal(hl_manager_gate_recv(&T.m[0], &bad, &s, T.now), -EINVAL);
	assert_int_equal(hl_manager_gate_recv(&T.m[0], &g, NULL, T.now), -ENOENT);
	spec_of(&s, 6, 2, 500 * MS);
	assert_int_equal(hl_manager_gate_recv(&T.m[0], &g, &s, T.now), -EINVAL); /* other job */
	/* a new job: accepted once its first version committed, then run */
	spec_of(&s, 5, 2, 500 * MS);
	assert_int_equal(hl_manager_gate_recv(&T.m[0], &g, &s, T.now), 0);
	events(0);
	gate_drain(&gs);
	assert_int_equal(gs.accepts[0], 1);
	for (int k = 0; k < 50 && gs.results[0] == 0; k++) {
		run(100 * MS);
		gate_drain(&gs);
	}
	assert_int_equal(gs.results[0], 1);
	assert_int_equal(gs.status, HL_WS_COMPLETED);
	assert_int_equal(gs.token, g.token); /* fenced on the gate's token */
	assert_int_equal(T.done[5], 1);
	/* unacked: resent, and the job is kept for it */
	run(1200 * MS);
	gate_drain(&gs);
	assert_true(gs.results[0] >= 2);
	assert_int_equal(T.m[0].jmap.count, 1);
	/* a gate takeover re-points the DC: accept and the result go to the new gate job leader */
	struct hl_gmsg g2 = g;
	g2.from = 501;
	g2.token = 7ull << 32 | 2;
	assert_int_equal(hl_manager_gate_recv(&T.m[0], &g2, NULL, T.now), 0);
	gate_drain(&gs);
	assert_int_equal(gs.accepts[1], 1);
	assert_int_equal(gs.results[1], 1);
	assert_int_equal(gs.token, g2.token);
	/* the deposed gate job leader's submit is not followed */
	int r0 = gs.results[0];
	assert_int_equal(hl_manager_gate_recv(&T.m[0], &g, NULL, T.now), 0);
	run(600 * MS);
	gate_drain(&gs);
	assert_int_equal(gs.results[0], r0);
	assert_true(gs.results[1] >= 2);
	/* the new gate job leader acks: the job ends, nothing retained, no more resends */
	struct hl_gmsg ack = {.type = HL_GM_DC_RESULT_ACK, .from = 501, .to = 100, .dc = 100};
	ack.job = 5;
	ack.token = g2.token;
	assert_int_equal(hl_manager_gate_recv(&T.m[0], &ack, NULL, T.now), 0);
	events(0);
	run(2 * SEC);
	int r1 = gs.results[1];
	gate_drain(&gs);
	assert_int_equal(gs.results[1], r1);
	assert_int_equal(retained_all(false), 0);
	assert_int_equal(T.done[5], 1);
	/* a repeat submit of the finished job is answered from the tombstone, with the job's
	 * counts (a final without them would end the job with zero totals at the gate) */
	struct hl_counts first = gs.rtot;
	assert_false(hl_counts_zero(&first));
	gs.rtot = (struct hl_counts){0, 0, 0};
	assert_int_equal(hl_manager_gate_recv(&T.m[0], &g2, NULL, T.now), 0);
	gate_drain(&gs);
	assert_int_equal(gs.accepts[1], 2);
	assert_int_equal(gs.results[1], r1 + 1);
	assert_int_equal(gs.status, HL_WS_COMPLETED);
	assert_memory_equal(&gs.rtot, &first, sizeof(first));
	dc_stop();

	/* only the DC tier leader takes gate submissions */
	dc_start(3, 4);
	int o = (leader() + 1) % 3;
	assert_int_equal(hl_manager_gate_recv(&T.m[o], &g, &s, T.now), -HL_E_NOT_LEADER);
	dc_stop();
}

/* The slice of job's workflow (index) wf that the test worker holds, running: its sub, or -1. */
static int64_t
held_sub(uint64_t job, uint32_t wf)
{
	for (uint32_t k = 0; k < HL_DC_MAX_HELD; k++)
		if (T.wn.held[k].state == HL_HELD_RUNNING && T.wn.held[k].job == job &&
		        T.wn.held[k].workflow == wf)
			return T.wn.held[k].sub;
	return -1;
}

/* DC_PROGRESS: the job leader tells the gate job leader the job's progress (finished workflows
 * whole, running ones as reported) when it changed, on the gate's token, seq rising; a new job
 * leader's updates order after its predecessor's. */
static void
test_progress_to_gate(void **state)
{
	struct hl_dc_job_spec s;
	struct gseen gs = {0};
	struct hl_gmsg g = {.type = HL_GM_DC_SUBMIT, .from = 500, .to = 100, .dc = 100, .job = 5};
	(void)state;

	dc_start(3, 4);
	int l = leader();
	for (int i = 0; i < 3; i++)
		T.m[i].cfg.dc_id = 100;
	g.token = 7ull << 32 | 1;
	spec_of(&s, 5, 2, 3 * SEC); /* two workflows of work 100, the second after the first */
	assert_int_equal(hl_manager_gate_recv(&T.m[l], &g, &s, T.now), 0);
	events(l);
	for (int k = 0; k < 20 && held_sub(5, 0) < 0; k++)
		run(100 * MS);
	gate_drain(&gs);
	assert_int_equal(gs.accepts[0], 1);
	assert_int_equal(gs.progress, 0); /* nothing done yet: nothing changed */
	int64_t sub = held_sub(5, 0);
	assert_true(sub >= 0);
	/* the worker reports 50 of the first workflow's 100: 50 of the job's 200, with the
	 * slice's packets so far and its last window's p99 (live progress) */
	struct hl_counts c0 = {5000, 4990, 10};
	assert_int_equal(
	        hl_dc_wnode_progress_live(&T.wn, 5, (uint32_t)sub, 50, &c0, 777, T.now), 0);
	route();
	run(200 * MS);
	gate_drain(&gs);
	assert_int_equal(gs.progress, 1);
	assert_int_equal(gs.ppm, 250000);
	assert_true(gs.live.tx_pkts == 5000 && gs.live.rx_pkts == 4990 && gs.live.lost == 10);
	assert_int_equal(gs.p99, 777);
	assert_int_equal(gs.ptoken, g.token); /* fenced on the gate's token */
	/* unchanged: nothing more is sent */
	run(500 * MS);
	gate_drain(&gs);
	assert_int_equal(gs.progress, 1);
	/* two reports within progress_ns: the second goes at most progress_ns after the first */
	assert_int_equal(hl_dc_wnode_progress(&T.wn, 5, (uint32_t)sub, 60, T.now), 0);
	route();
	run(20 * MS);
	assert_int_equal(hl_dc_wnode_progress(&T.wn, 5, (uint32_t)sub, 80, T.now), 0);
	route();
	run(200 * MS);
	gate_drain(&gs);
	assert_true(gs.progress >= 2 && gs.progress <= 3);
	assert_int_equal(gs.ppm, 400000);
	uint64_t seq_before = gs.pseq;
	/* the first workflow finishes (3 s): it counts whole; the second starts at 0 */
	for (int k = 0; k < 40 && held_sub(5, 1) < 0; k++)
		run(100 * MS);
	assert_true(held_sub(5, 1) >= 0);
	run(300 * MS);
	gate_drain(&gs);
	assert_int_equal(gs.ppm, 500000);
	/* the job leader dies: the next one's updates order after its predecessor's */
	int h = -1;
	for (int i = 0; i < 3; i++)
		if (hl_manager_leads(&T.m[i], 5, T.now))
			h = i;
	assert_true(h >= 0);
	seq_before = gs.pseq;
	hl_manager_fini(&T.m[h]);
	T.up[h] = false;
	for (int i = 0; i < 3; i++)
		if (T.up[i]) {
			assert_int_equal(
			        hl_manager_member_dead(&T.m[i], (uint64_t)h + 1, T.now), 0);
			events(i);
		}
	int nh = -1;
	for (int k = 0; k < 100 && nh < 0; k++) {
		run(100 * MS);
		for (int i = 0; i < 3; i++)
			if (T.up[i] && hl_manager_leads(&T.m[i], 5, T.now))
				nh = i;
	}
	assert_true(nh >= 0 && nh != h);
	gate_drain(&gs);
	sub = held_sub(5, 1);
	assert_true(sub >= 0);
	int before = gs.progress;
	struct hl_counts c1 = {300, 300, 0};
	assert_int_equal(hl_dc_wnode_progress_live(&T.wn, 5, (uint32_t)sub, 30, &c1, 55, T.now), 0);
	route();
	run(300 * MS);
	gate_drain(&gs);
	assert_true(gs.progress > before);
	assert_int_equal(gs.ppm, 650000); /* 100 + 30 of 200 */
	/* the first workflow counts with its result's counts (the simulated slice: a packet per
	 * us of its 3 s), not its slice's last progress report (5000): plus the running
	 * slice's 300 */
	assert_true(gs.live.tx_pkts == 3000000 + 300 && gs.live.rx_pkts == 3000000 + 300);
	assert_int_equal(gs.live.lost, 0);
	assert_int_equal(gs.p99, 55);
	assert_true(gs.pseq > seq_before);
	assert_true(gs.seq_rose);
	assert_int_equal(gs.ptoken, g.token);
	assert_true(T.m[nh].n_gate_progress > 0);
	dc_stop();
}

/* Issue 14: what a manager keeps durable (records, fetch fences, tombstones with their final
 * status) goes out through its journal before it takes effect, comes back through
 * hl_manager_restore into a fresh manager, and its snapshot lists exactly the live state. */
struct jlog {
	uint8_t op[64];
	uint64_t job[64], token[64], version[64];
	uint32_t len[64];
	uint8_t body[64][HL_JREC_BODY_MAX];
	uint32_t n;
	bool refuse;
};

static int
jlog_add(void *arg, uint8_t op, uint64_t job, uint64_t token, uint64_t version, const void *body,
        uint32_t len)
{
	struct jlog *l = arg;

	if (l->refuse)
		return -EIO;
	assert_true(l->n < 64);
	l->op[l->n] = op;
	l->job[l->n] = job;
	l->token[l->n] = token;
	l->version[l->n] = version;
	l->len[l->n] = len;
	if (len > 0)
		memcpy(l->body[l->n], body, len);
	l->n++;
	return 0;
}

static void
test_durable_state_journal_restore_snapshot(void **state)
{
	static struct jlog log, snap;
	struct hl_manager_cfg c;
	struct hl_manager m, m2;
	struct hl_prng rng;
	static struct hl_mmsg msg;
	struct hl_manager_rec r = {0};

	(void)state;
	memset(&log, 0, sizeof(log));
	memset(&snap, 0, sizeof(snap));
	cfg_for(&c, 3, 2);
	hl_prng_seed(&rng, 1);
	assert_int_equal(hl_manager_init(&m, &c, 0, 0, &rng, 0), 0);
	hl_jrec_store_set_journal(&m.st, jlog_add, &log);
	for (uint64_t j = 1; j <= 3; j++) { /* three record puts from a job leader */
		memset(&msg, 0, offsetof(struct hl_mmsg, body));
		spec_of(&r.spec, j, 1, SEC);
		msg.kind = HL_MM_REC_PUT;
		msg.from = 1;
		msg.u.rec.job = j;
		msg.u.rec.token = 1ull << 32 | j;
		msg.u.rec.version = 1;
		msg.u.rec.len = (uint32_t)hl_manager_rec_encode(&r, msg.body, sizeof(msg.body));
		assert_int_equal(hl_manager_recv(&m, &msg, 0), 0);
	}
	assert_int_equal(log.n, 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(log.op[i], HL_JREC_J_PUT);
	/* a refusing journal refuses the put: nothing stored, nothing acked */
	log.refuse = true;
	msg.u.rec.job = 4;
	msg.u.rec.token = 1ull << 32 | 4;
	(void)hl_manager_recv(&m, &msg, 0);
	assert_null(hl_jrec_store_get(&m.st, 4));
	log.refuse = false;
	/* replay into a fresh manager, plus a fence and a tombstone */
	cfg_for(&c, 3, 2);
	assert_int_equal(hl_manager_init(&m2, &c, 0, 0, &rng, 0), 0);
	for (uint32_t i = 0; i < log.n; i++)
		assert_int_equal(hl_manager_restore(&m2, log.op[i], log.job[i], log.token[i],
		                         log.version[i], log.body[i], log.len[i], 0),
		        0);
	assert_int_equal(hl_manager_restore(&m2, HL_JREC_J_FENCE, 1, 5ull << 32, 0, NULL, 0, 0), 0);
	assert_int_equal(
	        hl_manager_restore(&m2, HL_JREC_J_TOMB, 2, 0, HL_WS_COMPLETED, NULL, 0, 0), 0);
	assert_int_equal(hl_manager_restore(&m2, 77, 2, 0, 0, NULL, 0, 0), -EINVAL);
	assert_int_equal(hl_manager_restore(&m2, HL_JREC_J_PUT, 0, 0, 0, NULL, 0, 0), -EINVAL);
	assert_non_null(hl_jrec_store_get(&m2.st, 1));
	assert_null(hl_jrec_store_get(&m2.st, 2)); /* finished: tombstoned */
	assert_non_null(hl_jrec_store_get(&m2.st, 3));
	/* a put below the restored fence is refused */
	msg.u.rec.job = 1;
	msg.u.rec.token = 1ull << 32 | 9;
	msg.u.rec.version = 2;
	(void)hl_manager_recv(&m2, &msg, 0);
	assert_int_equal(hl_jrec_store_get(&m2.st, 1)->version, 1);
	/* the snapshot: records 1 and 3, the fence of 1, the tombstone of 2 (with its status) */
	assert_int_equal(hl_manager_snapshot(&m2, jlog_add, &snap), 0);
	uint32_t puts = 0, fences = 0, tombs = 0;
	for (uint32_t i = 0; i < snap.n; i++) {
		puts += snap.op[i] == HL_JREC_J_PUT;
		fences += snap.op[i] == HL_JREC_J_FENCE && snap.job[i] == 1 &&
		          snap.token[i] == 5ull << 32;
		tombs += snap.op[i] == HL_JREC_J_TOMB && snap.job[i] == 2 &&
		         snap.version[i] == HL_WS_COMPLETED;
	}
	assert_int_equal(puts, 2);
	assert_int_equal(fences, 1);
	assert_int_equal(tombs, 1);
	hl_manager_fini(&m2);
	hl_manager_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_record_codec_rejects_bad_bytes),
	        cmocka_unit_test(test_recv_rejects_bad_input),
	        cmocka_unit_test(test_single_manager_runs_job_end_to_end),
	        cmocka_unit_test(test_cancel_and_drop_free_everything),
	        cmocka_unit_test(test_leader_change_rebuilds_from_own_store),
	        cmocka_unit_test(test_bounded_collections_full),
	        cmocka_unit_test(test_serves_gate_submit_result_ack),
	        cmocka_unit_test(test_progress_to_gate),
	        cmocka_unit_test(test_durable_state_journal_restore_snapshot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
