/* test_client_msg.c — the client API on lib/wire (app/common/hl_client_msg.h): app views convert
 * to table messages and back unchanged at their bounds, frames survive the de-framer, and hostile
 * input (every truncation, oversize, wrong types and values, another cluster) is refused with
 * a structured error. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hl_client_msg.h"
#include "hl_err.h"
#include "hl_mp.h"

static struct hl_frame_cfg cfg;
static union hl_cp_msg msg, back;
static uint8_t wire[HL_FRAME_PREFIX + HL_CP_MAX_FRAME];
static uint8_t sbuf[HL_CP_MAX_FRAME];
static size_t wire_len;

static int
setup(void **state)
{
	(void)state;
	hl_frame_cfg_init(&cfg, hl_frame_cluster_hash(HL_CP_DEFAULT_CLUSTER), HL_PLANE_SLOW);
	return 0;
}

/* Frame m (type) for the stream, then read it back through the de-framer fed in chunks of
 * `chunk` bytes and decode it into back. */
static void
through_wire(unsigned type, const void *m, size_t chunk)
{
	struct hl_wire_err we;
	struct hl_frame_stream s;
	assert_int_equal(hl_cp_frame(&cfg, type, m, wire, sizeof(wire), &wire_len, &we), 0);
	assert_true(wire_len <= HL_FRAME_PREFIX + HL_CP_MAX_FRAME);
	assert_int_equal(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), HL_CP_MAX_FRAME), 0);
	size_t off = 0;
	int rc = 0;
	const uint8_t *f = NULL;
	uint32_t flen = 0;
	while (off < wire_len && rc == 0) {
		size_t used, want = wire_len - off < chunk ? wire_len - off : chunk;
		rc = hl_frame_stream_feed(&s, wire + off, want, &used, &f, &flen, &we);
		off += used;
	}
	assert_int_equal(rc, 1);
	assert_int_equal(off, wire_len);
	assert_int_equal(flen, wire_len - HL_FRAME_PREFIX);
	unsigned got;
	assert_int_equal(hl_frame_decode(&cfg, f, flen, &got, &back, sizeof(back), &we), 0);
	assert_int_equal(got, type);
}

static void
name(char *dst, size_t cap, char c, unsigned i)
{
	memset(dst, c, cap - 1); /* at the bound */
	dst[cap - 1] = '\0';
	dst[0] = (char)('a' + i % 26);
}

static void
test_requests(void **state)
{
	(void)state;
	static const char spec[] = "[job]\nname = t\n[workflow a]\nstreams = s\n";
	memset(&msg, 0, sizeof(msg));
	msg.job_submit.spec.p = (const uint8_t *)spec;
	msg.job_submit.spec.len = sizeof(spec) - 1;
	name(msg.job_submit.idem_key, sizeof(msg.job_submit.idem_key), 'k', 0);
	through_wire(HL_MSG_job_submit, &msg.job_submit, 3);
	assert_int_equal(back.job_submit.spec.len, sizeof(spec) - 1);
	assert_memory_equal(back.job_submit.spec.p, spec, sizeof(spec) - 1);
	assert_string_equal(back.job_submit.idem_key, msg.job_submit.idem_key);
	assert_int_equal(back.job_submit.workflows.n, 0);

	const unsigned req[] = {HL_MSG_job_submit, HL_MSG_register_callback,
	        HL_MSG_job_status_query, HL_MSG_job_result_query, HL_MSG_job_cancel,
	        HL_MSG_nodes_query};
	const unsigned other[] = {HL_MSG_error, HL_MSG_job_ack, HL_MSG_status_push,
	        HL_MSG_job_result, HL_MSG_vote_req, HL_MSG_node_register, HL_MSG_swim, 999};
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		assert_true(hl_cp_is_request(req[i]));
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_false(hl_cp_is_request(other[i]));
}

static struct hl_cp_result res, res2;

static void
fill_result(uint32_t streams, uint32_t ports)
{
	memset(&res, 0, sizeof(res));
	res.job_id = 0xfedcba9876543210ull;
	res.state = HL_JOB_FAILED;
	name(res.name, sizeof(res.name), 'n', 1);
	name(res.error, sizeof(res.error), 'e', 2);
	res.wf_done = 63;
	res.wf_total = 64;
	res.total_tx = UINT64_MAX, res.total_rx = 77, res.total_lost = 1ull << 40;
	res.n_streams = streams;
	res.n_ports = ports;
	for (uint32_t i = 0; i < streams; i++) {
		struct hl_cp_stream_result *s = &res.streams[i];
		name(s->workflow, sizeof(s->workflow), 'w', i);
		name(s->stream, sizeof(s->stream), 's', i + 1);
		s->tx_pkts = UINT64_MAX - i;
		s->tx_bytes = 1000ull * i + 1;
		s->rx_pkts = i;
		s->rx_bytes = 2ull * i;
		s->req_pps = 1e6 + i;
		s->ach_pps = 0.5 + i;
		s->lost = 3 + i, s->reordered = 4 + i, s->duplicates = 5 + i;
		s->p50_ns = 6 + i, s->p90_ns = 7 + i, s->p99_ns = 8 + i, s->p999_ns = 9 + i;
		s->max_ns = 10 + i, s->jitter_ns = 11 + i, s->duration_ns = 12 + i;
		s->sig = i % 3;
	}
	for (uint32_t i = 0; i < ports; i++) {
		name(res.ports[i].name, sizeof(res.ports[i].name), 'p', i);
		res.ports[i].opackets = 100 + i, res.ports[i].ipackets = 200 + i;
		res.ports[i].oerrors = i, res.ports[i].imissed = 2 * i;
	}
}

static void
test_result_max(void **state)
{
	(void)state;
	fill_result(HL_CP_MAX_STREAMS, HL_CP_MAX_PORTS);
	hl_cp_result_to_msg(&res, "dc-at-its-bound-of-31-characters", &msg.job_result);
	assert_int_equal(strlen(msg.job_result.dc), HL_WIRE_DC_MAX); /* cut at the bound */
	through_wire(HL_MSG_job_result, &msg.job_result, 4096);
	assert_int_equal(hl_cp_result_from_msg(&back.job_result, &res2), 0);
	assert_memory_equal(&res, &res2, sizeof(res));
	assert_int_equal(back.job_result.status, HL_WS_FAILED);
}

static void
test_progress(void **state)
{
	(void)state;
	struct hl_cp_progress p, q;
	for (uint32_t st = HL_JOB_QUEUED; st <= HL_JOB_FAILED; st++) {
		memset(&p, 0, sizeof(p));
		p.job_id = 42, p.seq = UINT64_MAX, p.state = st, p.wf_done = 3, p.wf_total = 4;
		name(p.workflow, sizeof(p.workflow), 'w', st);
		p.elapsed_ms = 1234, p.tx_pkts = 1ull << 40, p.rx_pkts = (1ull << 40) - 7;
		p.lost = 7, p.tx_pps = 14880952.5, p.p99_ns = 31000;
		hl_cp_progress_to_msg(&p, "dc1", &msg.status_push);
		assert_int_equal(msg.status_push.progress_ppm, 750000);
		assert_int_equal(msg.status_push.event,
		        st >= HL_JOB_COMPLETED ? HL_PUSH_FINAL : HL_PUSH_STATUS);
		through_wire(HL_MSG_status_push, &msg.status_push, 1);
		assert_int_equal(hl_cp_progress_from_msg(&back.status_push, &q), 0);
		assert_int_equal(q.ppm, 750000); /* the receiver has the ppm itself */
		q.ppm = 0;
		assert_memory_equal(&p, &q, sizeof(p));
		/* an explicit ppm (a cluster job: the DCs' work done) wins over workflows */
		p.ppm = 123456;
		hl_cp_progress_to_msg(&p, "dc1", &msg.status_push);
		assert_int_equal(msg.status_push.progress_ppm, 123456);
		through_wire(HL_MSG_status_push, &msg.status_push, 1);
		assert_int_equal(hl_cp_progress_from_msg(&back.status_push, &q), 0);
		assert_memory_equal(&p, &q, sizeof(p));
		p.ppm = 0;
	}
	p.ppm = 2000000; /* capped */
	assert_int_equal(hl_cp_progress_ppm(&p), 1000000);
	p.ppm = 0, p.wf_total = 0;
	assert_int_equal(hl_cp_progress_ppm(&p), 0);
	p.wf_done = 3, p.wf_total = 4;
	/* a gate's push of two DCs: counters add up, p99 is the worse one */
	hl_cp_progress_to_msg(&p, "dc1", &msg.status_push);
	msg.status_push.dcs.n = 2;
	msg.status_push.dcs.v[1] = msg.status_push.dcs.v[0];
	msg.status_push.dcs.v[1].totals.lat_p99_ns = 99000;
	assert_int_equal(hl_cp_progress_from_msg(&msg.status_push, &q), 0);
	assert_int_equal(q.tx_pkts, 2 * p.tx_pkts);
	assert_int_equal(q.wf_total, 8);
	assert_int_equal(q.p99_ns, 99000);
	/* a push without progress_ppm but with workflows done: the view shows the workflow
	 * fraction and converts back to the same push (found by fuzz_client) */
	msg.status_push.progress_ppm = 0;
	assert_int_equal(hl_cp_progress_from_msg(&msg.status_push, &q), 0);
	assert_int_equal(q.ppm, 750000); /* 6 of 8 */
	struct hl_cp_progress r;
	hl_cp_progress_to_msg(&q, "dc1", &msg.status_push);
	assert_int_equal(hl_cp_progress_from_msg(&msg.status_push, &r), 0);
	assert_memory_equal(&q, &r, sizeof(q));
}

static void
test_status(void **state)
{
	(void)state;
	static struct hl_cp_status s, t;
	memset(&s, 0, sizeof(s));
	s.n = HL_CP_MAX_JOBS;
	for (uint32_t i = 0; i < s.n; i++) {
		s.jobs[i].job_id = 1000 + i;
		s.jobs[i].state = i % 5;
		s.jobs[i].wf_done = i, s.jobs[i].wf_total = i + 1;
		s.jobs[i].result_fetched = i & 1;
		name(s.jobs[i].name, sizeof(s.jobs[i].name), 'j', i);
	}
	hl_cp_status_to_msg(&s, 0, &msg.job_status);
	assert_int_equal(msg.job_status.status, HL_WS_NONE); /* a list: no single status */
	through_wire(HL_MSG_job_status, &msg.job_status, 65536);
	assert_int_equal(hl_cp_status_from_msg(&back.job_status, &t), 0);
	assert_memory_equal(&s, &t, sizeof(s));
	s.n = 1;
	s.jobs[0].state = HL_JOB_CANCELLED;
	hl_cp_status_to_msg(&s, s.jobs[0].job_id, &msg.job_status);
	assert_int_equal(msg.job_status.status, HL_WS_CANCELLED);
	assert_int_equal(msg.job_status.job_id, 1000);
}

static void
test_nodes(void **state)
{
	(void)state;
	static struct hl_cp_nodes n, m;
	static const char *const roles[] = {"", "gate", "manager", "gate,manager", "worker",
	        "gate,worker", "manager,worker", "gate,manager,worker"};
	static const char *const states[] = {"alive", "suspect", "dead", "left", "?"};
	memset(&n, 0, sizeof(n));
	n.n = HL_CP_MAX_NODES;
	for (uint32_t i = 0; i < n.n; i++) {
		struct hl_cp_node *o = &n.nodes[i];
		name(o->name, sizeof(o->name), 'x', i);
		snprintf(o->roles, sizeof(o->roles), "%s", roles[i % 8]);
		name(o->dc, sizeof(o->dc), 'd', i);
		snprintf(o->state, sizeof(o->state), "%s", states[i % 5]);
		name(o->mgmt, sizeof(o->mgmt), 'm', i);
	}
	hl_cp_nodes_to_msg(&n, &msg.nodes_reply);
	assert_int_equal(msg.nodes_reply.nodes.v[7].node.role,
	        HL_ROLE_GATE | HL_ROLE_MANAGER | HL_ROLE_WORKER);
	assert_int_equal(msg.nodes_reply.nodes.v[1].member, HL_MEMBER_SUSPECT);
	through_wire(HL_MSG_nodes_reply, &msg.nodes_reply, 100);
	assert_int_equal(hl_cp_nodes_from_msg(&back.nodes_reply, &m), 0);
	assert_memory_equal(&n, &m, sizeof(n));
}

static void
test_error(void **state)
{
	(void)state;
	char long_text[400];
	memset(long_text, 'z', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	long_text[200] = 'Q';
	hl_cp_error_fill(&msg.error, -HL_E_NOT_FOUND, 77, long_text);
	assert_int_equal(msg.error.code, HL_E_NOT_FOUND);
	assert_int_equal(strlen(msg.error.text), HL_WIRE_TEXT_MAX);
	through_wire(HL_MSG_error, &msg.error, 9);
	assert_int_equal(back.error.job_id, 77);
	assert_string_equal(hl_cp_error_text(&back.error), long_text);
	hl_cp_error_fill(&msg.error, EAGAIN, 0, "short");
	assert_int_equal(msg.error.code, EAGAIN);
	assert_string_equal(msg.error.detail, "");
	assert_string_equal(hl_cp_error_text(&msg.error), "short");
	hl_cp_error_fill(&msg.error, -(int)(HL_WIRE_U16 + 1), 0, "x");
	assert_int_equal(msg.error.code, HL_E_BAD_VALUE); /* never a code the field refuses */
}

/* Every strict prefix of a framed message: the de-framer holds it (no frame), a frame cut
 * short does not parse, a body cut short does not decode — each with a structured error. */
static void
cut_everywhere(unsigned type, const void *m)
{
	struct hl_wire_err we;
	struct hl_frame_stream s;
	size_t used;
	const uint8_t *f;
	uint32_t flen;
	struct hl_frame_hdr h;
	const uint8_t *b;
	assert_int_equal(hl_cp_frame(&cfg, type, m, wire, sizeof(wire), &wire_len, &we), 0);
	const uint8_t *frame = wire + HL_FRAME_PREFIX;
	size_t fl = wire_len - HL_FRAME_PREFIX, bl = fl - HL_FRAME_OVERHEAD;
	for (size_t n = 0; n < wire_len; n++) {
		assert_int_equal(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), HL_CP_MAX_FRAME), 0);
		assert_int_equal(hl_frame_stream_feed(&s, wire, n, &used, &f, &flen, &we), 0);
		assert_int_equal(used, n);
	}
	for (size_t n = 0; n < fl; n++) {
		hl_wire_err_clear(&we);
		assert_true(hl_frame_parse(&cfg, frame, n, &h, &b, &we) < 0);
		assert_int_not_equal(we.kind, 0);
	}
	for (size_t n = 0; n < bl; n++) {
		hl_wire_err_clear(&we);
		assert_true(hl_msg_decode(type, frame + HL_FRAME_HDR, n, &back, &we) < 0);
		assert_int_not_equal(we.kind, 0);
		assert_int_equal(we.msg_type, type);
	}
}

static void
test_truncated(void **state)
{
	(void)state;
	static const char spec[] = "[job]\nname = t\n";
	memset(&msg, 0, sizeof(msg));
	msg.job_submit.spec.p = (const uint8_t *)spec;
	msg.job_submit.spec.len = sizeof(spec) - 1;
	snprintf(msg.job_submit.idem_key, sizeof(msg.job_submit.idem_key), "hlctl-1");
	cut_everywhere(HL_MSG_job_submit, &msg.job_submit);
	fill_result(3, 2);
	hl_cp_result_to_msg(&res, "dc1", &msg.job_result);
	cut_everywhere(HL_MSG_job_result, &msg.job_result);
	struct hl_cp_progress p = {
	        .job_id = 1, .state = HL_JOB_RUNNING, .workflow = "w", .tx_pkts = 5, .wf_total = 2};
	hl_cp_progress_to_msg(&p, "dc1", &msg.status_push);
	cut_everywhere(HL_MSG_status_push, &msg.status_push);
	static struct hl_cp_status st = {
	        .n = 2, .jobs = {{.job_id = 1, .name = "a"}, {.job_id = 2}}};
	hl_cp_status_to_msg(&st, 0, &msg.job_status);
	cut_everywhere(HL_MSG_job_status, &msg.job_status);
	static struct hl_cp_nodes nd = {.n = 1, .nodes = {{"n", "worker", "dc1", "alive", "a:1"}}};
	hl_cp_nodes_to_msg(&nd, &msg.nodes_reply);
	cut_everywhere(HL_MSG_nodes_reply, &msg.nodes_reply);
}

static void
test_oversize(void **state)
{
	(void)state;
	struct hl_wire_err we;
	struct hl_frame_stream s;
	size_t used, len;
	const uint8_t *f;
	uint32_t flen;
	uint8_t pfx[HL_FRAME_PREFIX];
	/* a length prefix over the limit: refused before any byte is buffered, sticky */
	hl_frame_prefix(pfx, HL_CP_MAX_FRAME + 1);
	assert_int_equal(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), HL_CP_MAX_FRAME), 0);
	assert_int_equal(
	        hl_frame_stream_feed(&s, pfx, sizeof(pfx), &used, &f, &flen, &we), -HL_E_OVERSIZE);
	assert_int_equal(we.actual, HL_CP_MAX_FRAME + 1);
	assert_int_equal(we.limit, HL_CP_MAX_FRAME);
	assert_int_equal(hl_frame_stream_feed(&s, pfx, 1, &used, &f, &flen, &we), -HL_E_OVERSIZE);
	/* a job profile over the spec's bound is refused by the encoder */
	static uint8_t big[HL_WIRE_SPEC_MAX + 1];
	memset(&msg, 0, sizeof(msg));
	msg.job_submit.spec.p = big;
	msg.job_submit.spec.len = sizeof(big);
	snprintf(msg.job_submit.idem_key, sizeof(msg.job_submit.idem_key), "k");
	assert_int_equal(hl_cp_frame(&cfg, HL_MSG_job_submit, &msg.job_submit, wire, sizeof(wire),
	                         &len, &we),
	        -HL_E_OVERSIZE);
	/* a result announcing one stream too many: refused before reading them */
	uint8_t body[64];
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, body, sizeof(body));
	hl_mp_wr_map(&w, 5);
	hl_mp_wr_u64(&w, 1), hl_mp_wr_u64(&w, 7);
	hl_mp_wr_u64(&w, 2), hl_mp_wr_cstr(&w, "dc1");
	hl_mp_wr_u64(&w, 3), hl_mp_wr_u64(&w, 0);
	hl_mp_wr_u64(&w, 4), hl_mp_wr_u64(&w, HL_WS_COMPLETED);
	hl_mp_wr_u64(&w, 10), hl_mp_wr_array(&w, HL_CP_MAX_STREAMS + 1);
	assert_int_equal(w.err, 0);
	assert_int_equal(hl_msg_decode(HL_MSG_job_result, body, w.len, &back, &we), -HL_E_OVERSIZE);
	assert_int_equal(we.field_key, 10);
	assert_int_equal(we.actual, HL_CP_MAX_STREAMS + 1);
	assert_int_equal(we.limit, HL_CP_MAX_STREAMS);
}

static void
test_wrong(void **state)
{
	(void)state;
	struct hl_wire_err we;
	uint8_t body[64];
	struct hl_mp_wr w;
	/* a status that is a string */
	hl_mp_wr_init(&w, body, sizeof(body));
	hl_mp_wr_map(&w, 4);
	hl_mp_wr_u64(&w, 1), hl_mp_wr_u64(&w, 7);
	hl_mp_wr_u64(&w, 2), hl_mp_wr_cstr(&w, "dc1");
	hl_mp_wr_u64(&w, 3), hl_mp_wr_u64(&w, 0);
	hl_mp_wr_u64(&w, 4), hl_mp_wr_cstr(&w, "completed");
	assert_int_equal(hl_msg_decode(HL_MSG_job_result, body, w.len, &back, &we), -HL_E_BAD_TYPE);
	assert_int_equal(we.field_key, 4);
	/* decodable, but no state the client knows */
	fill_result(2, 1);
	hl_cp_result_to_msg(&res, "dc1", &msg.job_result);
	msg.job_result.status = HL_WS_NONE;
	assert_int_equal(hl_cp_result_from_msg(&msg.job_result, &res2), -HL_E_BAD_VALUE);
	msg.job_result.status = HL_WS_TIMEOUT; /* reads as failed */
	assert_int_equal(hl_cp_result_from_msg(&msg.job_result, &res2), 0);
	assert_int_equal(res2.state, HL_JOB_FAILED);
	/* streams whose identities are missing or do not pair up */
	msg.job_result.stream_info.n = 1;
	assert_int_equal(hl_cp_result_from_msg(&msg.job_result, &res2), -HL_E_BAD_VALUE);
	msg.job_result.stream_info.n = 2;
	msg.job_result.stream_info.v[1].stream_id = 9;
	assert_int_equal(hl_cp_result_from_msg(&msg.job_result, &res2), -HL_E_BAD_VALUE);
	struct hl_cp_progress p;
	memset(&msg.status_push, 0, sizeof(msg.status_push));
	assert_int_equal(hl_cp_progress_from_msg(&msg.status_push, &p), -HL_E_BAD_VALUE);
	memset(&msg.job_status, 0, sizeof(msg.job_status));
	msg.job_status.jobs.n = 1;
	msg.job_status.jobs.v[0].status = HL_WS_NONE;
	static struct hl_cp_status st;
	assert_int_equal(hl_cp_status_from_msg(&msg.job_status, &st), -HL_E_BAD_VALUE);
	/* a member state over its bound */
	hl_mp_wr_init(&w, body, sizeof(body));
	hl_mp_wr_map(&w, 1);
	hl_mp_wr_u64(&w, 1), hl_mp_wr_array(&w, 1);
	hl_mp_wr_map(&w, 2);
	hl_mp_wr_u64(&w, 1), hl_mp_wr_map(&w, 1), hl_mp_wr_u64(&w, 1), hl_mp_wr_u64(&w, 0);
	hl_mp_wr_u64(&w, 10), hl_mp_wr_u64(&w, HL_MEMBER_MAX + 1);
	assert_int_equal(
	        hl_msg_decode(HL_MSG_nodes_reply, body, w.len, &back, &we), -HL_E_BAD_VALUE);
	/* a frame of another cluster, and a type outside the table */
	struct hl_frame_cfg other;
	size_t len;
	unsigned type;
	hl_frame_cfg_init(&other, hl_frame_cluster_hash("another"), HL_PLANE_SLOW);
	memset(&msg, 0, sizeof(msg));
	assert_int_equal(hl_cp_frame(&other, HL_MSG_nodes_query, &msg.nodes_query, wire,
	                         sizeof(wire), &len, &we),
	        0);
	assert_int_equal(hl_frame_decode(&cfg, wire + HL_FRAME_PREFIX, len - HL_FRAME_PREFIX, &type,
	                         &back, sizeof(back), &we),
	        -HL_E_WRONG_CLUSTER);
	assert_int_equal(we.actual, hl_frame_cluster_hash("another"));
	assert_int_equal(we.limit, cfg.cluster);
	assert_int_equal(
	        hl_cp_frame(&cfg, 999, &msg, wire, sizeof(wire), &len, &we), -HL_E_UNKNOWN_MSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_requests),
	        cmocka_unit_test(test_result_max),
	        cmocka_unit_test(test_progress),
	        cmocka_unit_test(test_status),
	        cmocka_unit_test(test_nodes),
	        cmocka_unit_test(test_error),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_oversize),
	        cmocka_unit_test(test_wrong),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
