/* test_dc_wire.c — DC tier messages through the lib/wire codec: every kind round-trips with
 * every field set (typical, zero and maximum values), the encoder refuses values outside their
 * domain, the decoder refuses truncated, oversize, mistyped, deeply nested and foreign bodies
 * with a structured error, and a manager with workers runs jobs with every message encoded and
 * decoded on the way. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_dc_wire.h"
#include "hl_err.h"
#include "hl_mp.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static uint8_t buf[65536];

static const uint8_t kinds[] = {HL_DC_DISPATCH, HL_DC_DISPATCH_ACK, HL_DC_PROGRESS,
        HL_DC_PROGRESS_ACK, HL_DC_RESULT, HL_DC_RESULT_ACK, HL_DC_TRANSFER, HL_DC_TRANSFER_ACK,
        HL_DC_CANCEL, HL_DC_CANCEL_DONE};
static const unsigned types[] = {HL_MSG_workflow_dispatch, HL_MSG_workflow_dispatch_ack,
        HL_MSG_workflow_progress, HL_MSG_progress_ack, HL_MSG_workflow_result,
        HL_MSG_workflow_result_ack, HL_MSG_job_leader_worker_transfer,
        HL_MSG_job_leader_transfer_ack, HL_MSG_job_cancel, HL_MSG_workflow_cancel_done};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* attempt is bounded by 16 bits where the table's own attempt field carries it. */
static uint32_t
attempt_max(uint8_t kind)
{
	return kind == HL_DC_DISPATCH || kind == HL_DC_RESULT ? HL_WIRE_U16 : UINT32_MAX;
}

static void
fill(struct hl_dc_msg *m, uint8_t kind, int mode)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	if (mode == 0) { /* distinct non-trivial values: a field landing in another's key shows */
		m->status = HL_WS_RUNNING;
		m->bp = HL_BP_BATCH;
		m->ok = 1;
		m->code = -HL_E_STALE_TOKEN;
		m->from = 0x1111000000000001ull;
		m->to = 0x2222000000000002ull;
		m->job = 0x3333000000000003ull;
		m->workflow = 0x44000004u;
		m->sub = 0x55000005u;
		m->token = 0x6666000000000006ull;
		m->leader = 0x7777000000000007ull;
		m->cores = 0x88000008u;
		m->attempt = kind == HL_DC_DISPATCH || kind == HL_DC_RESULT ? 0x9009u : 0x99000009u;
		m->seq = 0xaaaa00000000000aull;
		m->done = 0xbbbb00000000000bull;
		m->duration_ns = 0xcccc00000000000cull;
		if (kind == HL_DC_RESULT || kind == HL_DC_PROGRESS)
			m->counts = (struct hl_counts){0xdd0000000000000dull, 0xee0000000000000eull,
			        0xff0000000000000full};
		if (kind == HL_DC_PROGRESS)
			m->p99_ns = 0x1100000000000011ull;
	} else if (mode == 2) { /* every field at its maximum */
		m->status = HL_WS_MAX;
		m->bp = HL_BP_MAX;
		m->ok = 1;
		m->code = -(int32_t)HL_WIRE_U16;
		m->from = m->to = m->job = m->token = m->leader = UINT64_MAX;
		m->seq = m->done = m->duration_ns = UINT64_MAX;
		m->workflow = m->sub = m->cores = UINT32_MAX;
		m->attempt = attempt_max(kind);
		if (kind == HL_DC_RESULT || kind == HL_DC_PROGRESS)
			m->counts = (struct hl_counts){UINT64_MAX, UINT64_MAX, UINT64_MAX};
		if (kind == HL_DC_PROGRESS)
			m->p99_ns = UINT64_MAX;
	} /* mode 1: all zero */
}

static void
test_round_trip_every_kind(void **state)
{
	struct hl_dc_msg in, out;
	struct hl_wire_err err;
	unsigned type;
	size_t len;
	(void)state;

	for (size_t k = 0; k < NKINDS; k++) {
		for (int mode = 0; mode < 3; mode++) {
			fill(&in, kinds[k], mode);
			assert_int_equal(hl_dc_wire_encode(&in, &type, buf, sizeof(buf), &len), 0);
			assert_int_equal(type, types[k]);
			assert_true(hl_dc_wire_type(type));
			assert_true(len <= hl_msg_max_body(type));
			assert_int_equal(hl_dc_wire_decode(type, buf, len, &out, &err), 0);
			assert_memory_equal(&in, &out, sizeof(in));
			/* Every prefix is refused with a structured error, never misread. */
			for (size_t cut = 0; cut < len; cut++) {
				int rc = hl_dc_wire_decode(type, buf, cut, &out, &err);
				assert_true(rc < 0);
				assert_int_equal(err.kind, -rc);
				assert_int_equal(err.msg_type, type);
			}
		}
	}
}

static void
test_encode_domains(void **state)
{
	struct hl_dc_msg m;
	struct hl_wire_err err;
	unsigned type;
	size_t len;
	(void)state;

	for (size_t k = 0; k < NKINDS; k++) {
		fill(&m, kinds[k], 0);
		m.ok = 2;
		assert_int_equal(hl_dc_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
		fill(&m, kinds[k], 0);
		m.code = 5; /* codes are negative */
		assert_int_equal(
		        hl_dc_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err), -EINVAL);
		assert_int_equal(err.kind, EINVAL);
		assert_int_equal(err.msg_type, types[k]);
		m.code = -(int32_t)HL_WIRE_U16 - 1;
		assert_int_equal(hl_dc_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
		fill(&m, kinds[k], 0);
		m.status = HL_WS_MAX + 1;
		assert_int_equal(hl_dc_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err),
		        -HL_E_BAD_VALUE);
		assert_int_equal(err.actual, HL_WS_MAX + 1);
		assert_int_equal(err.limit, HL_WS_MAX);
		fill(&m, kinds[k], 0);
		m.bp = HL_BP_MAX + 1;
		assert_int_equal(
		        hl_dc_wire_encode(&m, &type, buf, sizeof(buf), &len), -HL_E_BAD_VALUE);
		if (attempt_max(kinds[k]) < UINT32_MAX) {
			fill(&m, kinds[k], 0);
			m.attempt = attempt_max(kinds[k]) + 1;
			assert_int_equal(hl_dc_wire_encode(&m, &type, buf, sizeof(buf), &len),
			        -HL_E_BAD_VALUE);
		}
		if (kinds[k] != HL_DC_RESULT && kinds[k] != HL_DC_PROGRESS) {
			/* Counts ride results and progress only: elsewhere they would be dropped,
			 * so refused. */
			fill(&m, kinds[k], 0);
			m.counts.lost = 1;
			assert_int_equal(
			        hl_dc_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
			fill(&m, kinds[k], 0);
			m.p99_ns = 1;
			assert_int_equal(
			        hl_dc_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
		}
		/* A buffer too small is an error, not a short body. */
		fill(&m, kinds[k], 0);
		assert_int_equal(hl_dc_wire_encode(&m, &type, buf, 8, &len), -HL_E_OVERSIZE);
		assert_int_equal(len, 0);
	}
	fill(&m, HL_DC_DISPATCH, 0);
	m.kind = 0;
	assert_int_equal(hl_dc_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
	m.kind = HL_DC_CANCEL_DONE + 1;
	assert_int_equal(hl_dc_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
}

/* A transfer body written by hand: job, manager {node_id}, token, workflows[n]. */
static size_t
transfer_body(uint32_t n, uint64_t wf)
{
	struct hl_mp_wr w;

	hl_mp_wr_init(&w, buf, sizeof(buf));
	hl_mp_wr_map(&w, 4);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, 7);
	hl_mp_wr_u64(&w, 2);
	hl_mp_wr_map(&w, 1);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, 100);
	hl_mp_wr_u64(&w, 3);
	hl_mp_wr_u64(&w, 9);
	hl_mp_wr_u64(&w, 4);
	hl_mp_wr_array(&w, n);
	for (uint32_t i = 0; i < n; i++)
		hl_mp_wr_u64(&w, wf);
	assert_int_equal(w.err, 0);
	return w.len;
}

static void
test_decode_hostile(void **state)
{
	struct hl_dc_msg m, in;
	struct hl_wire_err err;
	struct hl_mp_wr w;
	unsigned type;
	size_t len;
	(void)state;

	/* Sanity: the hand-written transfer decodes. */
	len = transfer_body(1, 3);
	assert_int_equal(
	        hl_dc_wire_decode(HL_MSG_job_leader_worker_transfer, buf, len, &m, &err), 0);
	assert_int_equal(m.kind, HL_DC_TRANSFER);
	assert_int_equal(m.leader, 100);
	assert_int_equal(m.workflow, 3);
	/* The core's transfer names one slice: 0 or 2 entries are refused, not half-read. */
	for (uint32_t n = 0; n <= 2; n += 2) {
		len = transfer_body(n, 3);
		assert_int_equal(
		        hl_dc_wire_decode(HL_MSG_job_leader_worker_transfer, buf, len, &m, &err),
		        -HL_E_BAD_VALUE);
		assert_int_equal(err.kind, HL_E_BAD_VALUE);
		assert_int_equal(err.msg_type, HL_MSG_job_leader_worker_transfer);
		assert_int_equal(err.field_key, 4);
		assert_int_equal(err.actual, n);
		assert_int_equal(err.limit, 1);
	}
	/* A list beyond the table's bound is oversize before anything is copied. */
	len = transfer_body(HL_WIRE_MAX_WORKFLOWS + 1, 3);
	assert_int_equal(hl_dc_wire_decode(HL_MSG_job_leader_worker_transfer, buf, len, &m, &err),
	        -HL_E_OVERSIZE);
	assert_int_equal(err.kind, HL_E_OVERSIZE);
	assert_int_equal(err.actual, HL_WIRE_MAX_WORKFLOWS + 1);
	assert_int_equal(err.limit, HL_WIRE_MAX_WORKFLOWS);
	assert_int_equal(err.field_key, 4);
	/* A workflow id wider than the struct's 32 bits. */
	len = transfer_body(1, 1ull << 33);
	assert_int_equal(hl_dc_wire_decode(HL_MSG_job_leader_worker_transfer, buf, len, &m, &err),
	        -HL_E_BAD_VALUE);
	assert_int_equal(err.actual, 1ull << 33);
	assert_int_equal(err.limit, UINT32_MAX);

	/* Wrong msgpack type: a string where the job id goes. */
	hl_mp_wr_init(&w, buf, sizeof(buf));
	hl_mp_wr_map(&w, 1);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_cstr(&w, "seven");
	assert_int_equal(
	        hl_dc_wire_decode(HL_MSG_job_cancel, buf, w.len, &m, &err), -HL_E_BAD_TYPE);
	assert_int_equal(err.kind, HL_E_BAD_TYPE);
	assert_int_equal(err.msg_type, HL_MSG_job_cancel);
	assert_int_equal(err.field_key, 1);

	/* Deep nesting under an unknown key. */
	hl_mp_wr_init(&w, buf, sizeof(buf));
	hl_mp_wr_map(&w, 2);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, 7);
	hl_mp_wr_u64(&w, 99);
	for (int i = 0; i < 64; i++)
		hl_mp_wr_array(&w, 1);
	hl_mp_wr_u64(&w, 0);
	assert_int_equal(
	        hl_dc_wire_decode(HL_MSG_job_cancel, buf, w.len, &m, &err), -HL_E_TOO_DEEP);
	assert_int_equal(err.kind, HL_E_TOO_DEEP);
	assert_int_equal(err.msg_type, HL_MSG_job_cancel);

	/* A type that is no DC message (here a gate submit) is refused as such. */
	fill(&in, HL_DC_RESULT, 0);
	assert_int_equal(hl_dc_wire_encode(&in, &type, buf, sizeof(buf), &len), 0);
	assert_int_equal(
	        hl_dc_wire_decode(HL_MSG_job_submit, buf, len, &m, &err), -HL_E_UNKNOWN_MSG);
	assert_int_equal(err.kind, HL_E_UNKNOWN_MSG);
	assert_int_equal(err.msg_type, HL_MSG_job_submit);
	assert_false(hl_dc_wire_type(HL_MSG_job_submit));
	/* A DC body read as another DC type: the result's text key holds an integer there. */
	int rc = hl_dc_wire_decode(HL_MSG_workflow_dispatch, buf, len, &m, &err);
	assert_true(rc < 0);
	assert_int_equal(err.kind, -rc);
	assert_int_equal(err.msg_type, HL_MSG_workflow_dispatch);
	/* A dispatch read as a result: its attempt (key 6) lands in the result's status. */
	fill(&in, HL_DC_DISPATCH, 0);
	assert_int_equal(hl_dc_wire_encode(&in, &type, buf, sizeof(buf), &len), 0);
	assert_int_equal(
	        hl_dc_wire_decode(HL_MSG_workflow_result, buf, len, &m, &err), -HL_E_BAD_VALUE);
	assert_int_equal(err.msg_type, HL_MSG_workflow_result);
	assert_int_equal(err.field_key, 6);
	assert_int_equal(err.actual, in.attempt);
	assert_int_equal(err.limit, HL_WS_MAX);
}

/* ---- a manager and two workers, every message through encode + decode ---- */

#define M0 100
#define NW 2

static struct {
	struct hl_dc_mgr m;
	struct hl_dc_wnode w[NW];
	uint64_t now;
	int seen[HL_DC_CANCEL_DONE + 1];
} net;

static void
wire(struct hl_dc_msg *m)
{
	struct hl_dc_msg out;
	struct hl_wire_err err;
	unsigned type;
	size_t len;

	assert_int_equal(hl_dc_wire_encode(m, &type, buf, sizeof(buf), &len), 0);
	assert_int_equal(hl_dc_wire_decode(type, buf, len, &out, &err), 0);
	assert_memory_equal(m, &out, sizeof(out));
	net.seen[out.kind]++;
	*m = out;
}

static void
pump(void)
{
	struct hl_dc_msg m;
	bool moved = true;

	while (moved) {
		moved = false;
		while (hl_dc_mgr_next_tx(&net.m, &m) == 1) {
			moved = true;
			wire(&m);
			if (m.to >= 1 && m.to <= NW)
				hl_dc_wnode_recv(&net.w[m.to - 1], &m, net.now);
		}
		for (int i = 0; i < NW; i++)
			while (hl_dc_wnode_next_tx(&net.w[i], &m) == 1) {
				moved = true;
				wire(&m);
				if (m.to == M0)
					hl_dc_mgr_recv(&net.m, &m, net.now);
			}
	}
}

static void
advance(uint64_t until)
{
	while (net.now < until) {
		net.now += 100 * MS;
		hl_dc_mgr_tick(&net.m, net.now);
		for (int i = 0; i < NW; i++)
			hl_dc_wnode_tick(&net.w[i], net.now);
		pump();
	}
}

static void
test_core_over_wire(void **state)
{
	struct hl_dc_mgr_cfg mc;
	struct hl_dc_worker_cfg wc = {0, 4, 1 * SEC, 64};
	struct hl_dc_job_spec s;
	struct hl_dc_event ev;
	int done = 0;
	(void)state;

	memset(&net, 0, sizeof(net));
	hl_dc_mgr_cfg_default(&mc);
	mc.self = M0;
	mc.max_jobs = 16;
	mc.max_workers = 8;
	mc.max_tombs = 16;
	assert_int_equal(hl_dc_mgr_init(&net.m, &mc), 0);
	for (int i = 0; i < NW; i++) {
		wc.self = (uint64_t)i + 1;
		assert_int_equal(hl_dc_wnode_init(&net.w[i], &wc), 0);
		assert_int_equal(hl_dc_worker_update(&net.m, wc.self, 4, 0, 0), 0);
	}
	/* Job 7 runs to completion with progress; job 8 is cancelled while running. */
	memset(&s, 0, sizeof(s));
	s.job = 7;
	s.nwf = 2;
	s.wf[0] = (struct hl_dc_wf_spec){10, 0, 2, 1 * SEC, 100};
	s.wf[1] = (struct hl_dc_wf_spec){11, 1u << 0, 2, 1 * SEC, 100};
	assert_int_equal(hl_dc_job_start(&net.m, &s, hl_fence_make(1, 1), 0), 0);
	pump();
	const struct hl_dc_job *j = hl_dc_job_find(&net.m, 7);
	assert_non_null(j);
	assert_int_equal(
	        hl_dc_wnode_progress(&net.w[j->wf[0].worker - 1], 7, j->wf[0].sub, 50, net.now), 0);
	pump();
	advance(5 * SEC);
	s.job = 8;
	s.nwf = 1;
	s.wf[0].duration_ns = 60 * SEC;
	assert_int_equal(hl_dc_job_start(&net.m, &s, hl_fence_make(1, 2), net.now), 0);
	pump();
	assert_int_equal(hl_dc_job_cancel(&net.m, 8, HL_WS_CANCELLED, net.now), 0);
	pump();
	advance(net.now + 2 * SEC);
	while (hl_dc_mgr_next_event(&net.m, &ev) == 1)
		if (ev.kind == HL_DC_EV_JOB_DONE)
			done++;
	assert_int_equal(done, 2);
	assert_null(hl_dc_job_find(&net.m, 7));
	for (int k = HL_DC_DISPATCH; k <= HL_DC_CANCEL_DONE; k++)
		if (k != HL_DC_TRANSFER && k != HL_DC_TRANSFER_ACK)
			assert_true(net.seen[k] > 0);
	/* Takeover by a new job leader (greater token): transfers and their acks, on the wire. */
	s.job = 9;
	assert_int_equal(hl_dc_job_start(&net.m, &s, hl_fence_make(1, 3), net.now), 0);
	pump();
	j = hl_dc_job_find(&net.m, 9);
	struct hl_dc_wf_record rec = {j->wf[0].state, j->wf[0].worker, j->wf[0].sub};
	assert_int_equal(hl_dc_job_drop(&net.m, 9), 0);
	assert_int_equal(hl_dc_job_takeover(&net.m, &s, &rec, hl_fence_make(2, 1), net.now), 0);
	pump();
	assert_true(net.seen[HL_DC_TRANSFER] > 0);
	assert_true(net.seen[HL_DC_TRANSFER_ACK] > 0);
	hl_dc_mgr_fini(&net.m);
	for (int i = 0; i < NW; i++)
		hl_dc_wnode_fini(&net.w[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip_every_kind),
	        cmocka_unit_test(test_encode_domains),
	        cmocka_unit_test(test_decode_hostile),
	        cmocka_unit_test(test_core_over_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
