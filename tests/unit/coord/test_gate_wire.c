/* test_gate_wire.c — gate tier and client messages through the lib/wire codec: every type
 * round-trips with every field set (typical, zero and maximum values, the nested job record and
 * the key bytes included), types sharing a wire message stay distinct, the encoder refuses values
 * outside their domain, the decoder refuses truncated, oversize, mistyped, deeply nested, foreign
 * and other-tier bodies with a structured error; three gates, a client and two DCs run jobs
 * (with a gate death) with every message encoded and decoded on the way. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_gate_wire.h"
#include "hl_lease_wire.h"
#include "hl_mp.h"

#define S 1000000000ull

static uint8_t buf[65536];

#define NTYPES HL_GM_FWD_REPORT

/* Field by field: a struct literal assigned may bring garbage padding, and messages are compared
 * byte for byte. */
static void
set_rep(struct hl_gate_report *r, uint64_t source, uint64_t dc, int32_t error, uint32_t elapsed_ms,
        uint16_t type, uint8_t ok)
{
	r->source = source;
	r->dc = dc;
	r->error = error;
	r->elapsed_ms = elapsed_ms;
	r->type = type;
	r->ok = ok;
}

/* Counts travel with DC results and pushes only. */
static bool
carries_totals(uint8_t type)
{
	return type == HL_GM_DC_RESULT || type == HL_GM_FWD_RESULT || type == HL_GM_PUSH ||
	       type == HL_GM_DC_PROGRESS;
}

static void
fill(struct hl_gmsg *m, uint8_t type, int mode)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (mode == 0) { /* distinct values: a field landing in another's key shows */
		m->kind = HL_GK_REISSUE;
		m->status = HL_WS_COMPLETED;
		m->code = -HL_E_NOT_LEADER;
		m->from = 0x1100000000000001ull;
		m->to = 0x2200000000000002ull;
		m->job = 0x3300000000000003ull;
		m->token = 0x4400000700000004ull;
		m->version = 0x5500000000000005ull;
		m->seq = 0x6600000000000006ull;
		m->leader = 0x7700000000000007ull;
		m->dc = 0x8800000000000008ull;
		m->key_len = 11;
		memcpy(m->key, "c:42\0\xff:n:01", 11); /* bytes, NUL included */
		m->rec.job = 0x9900000000000009ull;
		m->rec.client = 0xaa0000000000000aull;
		m->rec.token = 0xbb0000000000000bull;
		m->rec.version = 0xcc0000000000000cull;
		m->rec.key_len = 3;
		memcpy(m->rec.key, "\x00k\x01", 3);
		m->rec.ndc = 2;
		m->rec.final = HL_WS_FAILED;
		m->rec.dc_status[0] = HL_WS_FAILED;
		m->rec.dc_status[1] = HL_WS_TIMEOUT; /* [2] stays 0: trailing zeros are cut */
		m->rec.dcs[0] = 101;
		m->rec.dcs[1] = 0; /* a zero inside the list survives */
		m->rec.dcs[2] = 103;
		m->ppm = 654321;
		m->gap_seq = 0xdd0000000000000dull;
		set_rep(&m->rep, 0xee0000000000000eull, 0xff0000000000000full, -ETIMEDOUT,
		        0x12345678u, 0x4321, 0);
		m->ref = 5;
		m->rec.nrep = 4; /* [1] all zero inside the list survives; [6] past nrep travels */
		set_rep(&m->rec.rep[0], 1001, 101, 0, 17, 3, 1);
		set_rep(&m->rec.rep[2], 1003, 103, -EIO, 0, 0, 0);
		set_rep(&m->rec.rep[3], 0, 0, 0, 0, 0, 1);
		set_rep(&m->rec.rep[6], 7, 0, 0, 0, 0, 0);
		/* [1] all zero inside the list survives; [3] on are zero and cut */
		m->rec.dc_totals[0] = (struct hl_counts){0x1000000000000001ull, 2, 3};
		m->rec.dc_totals[2] = (struct hl_counts){0, 0, 0x4000000000000004ull};
		if (carries_totals(type)) {
			m->totals = (struct hl_counts){0x5000000000000005ull, 6, 7};
			m->p99_ns = 0x6000000000000006ull;
		}
	} else if (mode == 2) { /* every field at its maximum */
		m->kind = UINT8_MAX;
		m->status = HL_WS_MAX;
		m->code = -(int32_t)HL_WIRE_U16;
		m->from = m->to = m->job = m->token = m->version = UINT64_MAX;
		m->seq = m->leader = m->dc = UINT64_MAX;
		m->key_len = HL_IDEM_KEY_MAX;
		memset(m->key, 0xff, sizeof(m->key));
		m->rec.job = m->rec.client = m->rec.token = m->rec.version = UINT64_MAX;
		m->rec.key_len = HL_IDEM_KEY_MAX;
		memset(m->rec.key, 0xfe, sizeof(m->rec.key));
		m->rec.ndc = HL_GATE_JOB_DCS;
		m->rec.final = HL_WS_MAX;
		for (int i = 0; i < HL_GATE_JOB_DCS; i++) {
			m->rec.dc_status[i] = HL_WS_MAX;
			m->rec.dcs[i] = UINT64_MAX;
		}
		m->ppm = HL_WIRE_PPM;
		m->gap_seq = UINT64_MAX;
		set_rep(&m->rep, UINT64_MAX, UINT64_MAX, -(int32_t)HL_WIRE_U16, UINT32_MAX,
		        UINT16_MAX, 1);
		m->ref = HL_GATE_JOB_REPORTS - 1;
		m->rec.nrep = HL_GATE_JOB_REPORTS;
		for (int i = 0; i < HL_GATE_JOB_REPORTS; i++)
			m->rec.rep[i] = m->rep;
		for (int i = 0; i < HL_GATE_JOB_DCS; i++)
			m->rec.dc_totals[i] =
			        (struct hl_counts){UINT64_MAX, UINT64_MAX, UINT64_MAX};
		if (carries_totals(type)) {
			m->totals = (struct hl_counts){UINT64_MAX, UINT64_MAX, UINT64_MAX};
			m->p99_ns = UINT64_MAX;
		}
	} /* mode 1: all zero */
}

static void
test_round_trip_every_type(void **state)
{
	struct hl_gmsg in, out;
	struct hl_wire_err err;
	unsigned type, seen[NTYPES + 1] = {0};
	size_t len;
	(void)state;

	for (uint8_t t = HL_GM_SUBMIT; t <= NTYPES; t++) {
		for (int mode = 0; mode < 3; mode++) {
			fill(&in, t, mode);
			assert_int_equal(
			        hl_gate_wire_encode(&in, &type, buf, sizeof(buf), &len), 0);
			assert_true(hl_gate_wire_type(type));
			assert_true(len <= hl_msg_max_body(type));
			assert_int_equal(hl_gate_wire_decode(type, buf, len, &out, &err), 0);
			assert_memory_equal(&in, &out, sizeof(in));
			for (size_t cut = 0; cut < len; cut++) {
				int rc = hl_gate_wire_decode(type, buf, cut, &out, &err);
				assert_true(rc < 0);
				assert_int_equal(err.kind, -rc);
				assert_int_equal(err.msg_type, type);
			}
			seen[t] = type;
		}
	}
	/* Types sharing a wire message are exactly these pairs (the second carries coord_type). */
	assert_int_equal(seen[HL_GM_SUBMIT], seen[HL_GM_DC_SUBMIT]);
	assert_int_equal(seen[HL_GM_SUBMIT_ACK], seen[HL_GM_DC_ACCEPT]);
	assert_int_equal(seen[HL_GM_REC_PUT], seen[HL_GM_REC_DATA]);
	assert_int_equal(seen[HL_GM_DC_RESULT], seen[HL_GM_FWD_RESULT]);
	assert_int_equal(seen[HL_GM_REC_FETCH], seen[HL_GM_KEY_FETCH]);
	assert_int_equal(seen[HL_GM_REC_PUT], seen[HL_GM_KEY_DATA]);
	assert_int_equal(seen[HL_GM_DC_REPORT], seen[HL_GM_FWD_REPORT]);
	assert_int_equal(seen[HL_GM_DC_RESULT_ACK], seen[HL_GM_DC_REPORT_ACK]);
	int shared = 0;
	for (unsigned a = HL_GM_SUBMIT; a <= NTYPES; a++)
		for (unsigned b = a + 1; b <= NTYPES; b++)
			shared += seen[a] == seen[b];
	assert_int_equal(shared, 9); /* the pairs above, KEY_DATA with REC_DATA too */
	assert_int_equal(seen[HL_GM_SUBMIT], HL_MSG_job_submit);
	assert_int_equal(seen[HL_GM_REC_PUT], HL_MSG_job_record_append);
	assert_int_equal(seen[HL_GM_LEADER_ANSWER], HL_MSG_leader_reply);
	assert_int_equal(seen[HL_GM_DC_PROGRESS], HL_MSG_job_progress_report);
	assert_int_equal(seen[HL_GM_DC_REPORT], HL_MSG_reporter_result);
}

static void
test_encode_domains(void **state)
{
	struct hl_gmsg m;
	struct hl_wire_err err;
	unsigned type;
	size_t len;
	(void)state;

	for (uint8_t t = HL_GM_SUBMIT; t <= NTYPES; t++) {
		if (!carries_totals(t)) { /* counts elsewhere would be dropped: refused */
			fill(&m, t, 0);
			m.totals.rx_pkts = 1;
			assert_int_equal(
			        hl_gate_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
			fill(&m, t, 0);
			m.p99_ns = 1;
			assert_int_equal(
			        hl_gate_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
		}
		fill(&m, t, 0);
		m.code = 1;
		if (t == HL_GM_KEY_DATA) { /* its code is no error (1 = no more pages): any int32 */
			struct hl_gmsg out;
			const int32_t codes[] = {1, INT32_MIN, INT32_MAX};
			for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
				m.code = codes[i];
				assert_int_equal(
				        hl_gate_wire_encode(&m, &type, buf, sizeof(buf), &len), 0);
				assert_int_equal(
				        hl_gate_wire_decode(type, buf, len, &out, &err), 0);
				assert_memory_equal(&m, &out, sizeof(m));
			}
		} else {
			assert_int_equal(
			        hl_gate_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err),
			        -EINVAL);
			assert_int_equal(err.kind, EINVAL);
			assert_int_equal(err.actual, 1);
		}
		fill(&m, t, 0);
		m.key_len = HL_IDEM_KEY_MAX + 1;
		assert_int_equal(
		        hl_gate_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err), -EINVAL);
		assert_int_equal(err.actual, HL_IDEM_KEY_MAX + 1);
		assert_int_equal(err.limit, HL_IDEM_KEY_MAX);
		fill(&m, t, 0);
		m.rec.key_len = HL_IDEM_KEY_MAX + 1;
		assert_int_equal(hl_gate_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
		fill(&m, t, 0);
		m.rec.ndc = HL_GATE_JOB_DCS + 1;
		assert_int_equal(hl_gate_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
		fill(&m, t, 0);
		m.rec.dc_status[2] = HL_WS_MAX + 1;
		assert_int_equal(hl_gate_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
		fill(&m, t, 0);
		m.status = HL_WS_MAX + 1;
		assert_int_equal(hl_gate_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err),
		        -HL_E_BAD_VALUE);
		assert_int_equal(err.actual, HL_WS_MAX + 1);
		fill(&m, t, 0);
		assert_int_equal(hl_gate_wire_encode(&m, &type, buf, 16, &len), -HL_E_OVERSIZE);
		/* The D.4 / D.8 fields: progress past 100 %, a record index past the record, a
		 * report with a positive error or a non-boolean ok, nine reports in a record. */
		fill(&m, t, 0);
		m.ppm = HL_WIRE_PPM + 1;
		assert_int_equal(hl_gate_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err),
		        -HL_E_BAD_VALUE);
		assert_int_equal(err.field_key, 52);
		assert_int_equal(err.actual, HL_WIRE_PPM + 1);
		fill(&m, t, 0);
		m.ref = HL_GATE_JOB_REPORTS;
		assert_int_equal(hl_gate_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err),
		        -HL_E_BAD_VALUE);
		assert_int_equal(err.field_key, 55);
		assert_int_equal(err.limit, HL_GATE_JOB_REPORTS - 1);
		fill(&m, t, 0);
		m.rep.error = 1;
		assert_int_equal(
		        hl_gate_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err), -EINVAL);
		assert_int_equal(err.field_key, 54);
		assert_int_equal(err.sub_key, 3);
		fill(&m, t, 0);
		m.rep.ok = 2;
		assert_int_equal(
		        hl_gate_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err), -EINVAL);
		assert_int_equal(err.field_key, 54);
		assert_int_equal(err.sub_key, 6);
		assert_int_equal(err.actual, 2);
		fill(&m, t, 0);
		m.rec.nrep = HL_GATE_JOB_REPORTS + 1;
		assert_int_equal(
		        hl_gate_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err), -EINVAL);
		assert_int_equal(err.field_key, 50);
		assert_int_equal(err.sub_key, 10);
		assert_int_equal(err.actual, HL_GATE_JOB_REPORTS + 1);
		assert_int_equal(err.limit, HL_GATE_JOB_REPORTS);
		fill(&m, t, 0);
		m.rec.rep[HL_GATE_JOB_REPORTS - 1].ok = 2;
		assert_int_equal(
		        hl_gate_wire_encode_err(&m, &type, buf, sizeof(buf), &len, &err), -EINVAL);
		assert_int_equal(err.field_key, 50);
		assert_int_equal(err.sub_key, 11);
		assert_int_equal(err.actual, 2);
	}
	fill(&m, 0, 0);
	assert_int_equal(hl_gate_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
	fill(&m, NTYPES + 1, 0);
	assert_int_equal(hl_gate_wire_encode(&m, &type, buf, sizeof(buf), &len), -EINVAL);
}

/* A job_submit body: job id, the required empty fields, then extra (key, writer) pairs. */
static struct hl_mp_wr wr;

static void
submit_head(uint32_t extra)
{
	hl_mp_wr_init(&wr, buf, sizeof(buf));
	hl_mp_wr_map(&wr, 4 + extra);
	hl_mp_wr_u64(&wr, 1);
	hl_mp_wr_u64(&wr, 42);
	hl_mp_wr_u64(&wr, 2);
	hl_mp_wr_str(&wr, "", 0);
	hl_mp_wr_u64(&wr, 4);
	hl_mp_wr_bin(&wr, "", 0);
	hl_mp_wr_u64(&wr, 5);
	hl_mp_wr_array(&wr, 0);
}

static void
expect(int rc, int want, const struct hl_wire_err *err, unsigned type, unsigned key, unsigned sub,
        uint64_t actual, uint64_t limit)
{
	assert_int_equal(rc, want);
	assert_int_equal(err->kind, -want);
	assert_int_equal(err->msg_type, type);
	assert_int_equal(err->field_key, key);
	assert_int_equal(err->sub_key, sub);
	assert_int_equal(err->actual, actual);
	assert_int_equal(err->limit, limit);
}

static void
test_decode_hostile(void **state)
{
	static uint8_t big[HL_IDEM_KEY_MAX + 1];
	struct hl_gmsg m, in;
	struct hl_wire_err err;
	unsigned type;
	size_t len;
	int rc;
	(void)state;

	/* Sanity: the hand-made submit decodes, with a key of the maximum length. */
	submit_head(1);
	hl_mp_wr_u64(&wr, 49);
	hl_mp_wr_bin(&wr, big, HL_IDEM_KEY_MAX);
	assert_int_equal(hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err), 0);
	assert_int_equal(m.type, HL_GM_SUBMIT);
	assert_int_equal(m.job, 42);
	assert_int_equal(m.key_len, HL_IDEM_KEY_MAX);
	/* A key one byte longer than HL_IDEM_KEY_MAX. */
	submit_head(1);
	hl_mp_wr_u64(&wr, 49);
	hl_mp_wr_bin(&wr, big, HL_IDEM_KEY_MAX + 1);
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	expect(rc, -HL_E_OVERSIZE, &err, HL_MSG_job_submit, 49, 0, HL_IDEM_KEY_MAX + 1,
	        HL_IDEM_KEY_MAX);
	/* The record's key and per-DC lists beyond their bounds. */
	submit_head(1);
	hl_mp_wr_u64(&wr, 50);
	hl_mp_wr_map(&wr, 1);
	hl_mp_wr_u64(&wr, 5);
	hl_mp_wr_bin(&wr, big, HL_IDEM_KEY_MAX + 1);
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	expect(rc, -HL_E_OVERSIZE, &err, HL_MSG_job_submit, 50, 5, HL_IDEM_KEY_MAX + 1,
	        HL_IDEM_KEY_MAX);
	submit_head(1);
	hl_mp_wr_u64(&wr, 50);
	hl_mp_wr_map(&wr, 1);
	hl_mp_wr_u64(&wr, 8);
	hl_mp_wr_array(&wr, HL_GATE_JOB_DCS + 1);
	for (int i = 0; i <= HL_GATE_JOB_DCS; i++)
		hl_mp_wr_u64(&wr, 101);
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	expect(rc, -HL_E_OVERSIZE, &err, HL_MSG_job_submit, 50, 8, HL_GATE_JOB_DCS + 1,
	        HL_GATE_JOB_DCS);
	submit_head(1);
	hl_mp_wr_u64(&wr, 50);
	hl_mp_wr_map(&wr, 1);
	hl_mp_wr_u64(&wr, 9);
	hl_mp_wr_array(&wr, 1);
	hl_mp_wr_u64(&wr, 300); /* a status byte out of range */
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	expect(rc, -HL_E_BAD_VALUE, &err, HL_MSG_job_submit, 50, 9, 0, HL_WS_MAX);
	/* The record's reporter outcomes: nine in a list of at most eight, a count past eight, an
	 * entry that is no map, a report field of the wrong type. */
	submit_head(1);
	hl_mp_wr_u64(&wr, 50);
	hl_mp_wr_map(&wr, 1);
	hl_mp_wr_u64(&wr, 11);
	hl_mp_wr_array(&wr, HL_GATE_JOB_REPORTS + 1);
	for (int i = 0; i <= HL_GATE_JOB_REPORTS; i++) {
		hl_mp_wr_map(&wr, 1);
		hl_mp_wr_u64(&wr, 1);
		hl_mp_wr_u64(&wr, 1000 + (uint64_t)i);
	}
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	expect(rc, -HL_E_OVERSIZE, &err, HL_MSG_job_submit, 50, 11, HL_GATE_JOB_REPORTS + 1,
	        HL_GATE_JOB_REPORTS);
	submit_head(1);
	hl_mp_wr_u64(&wr, 50);
	hl_mp_wr_map(&wr, 1);
	hl_mp_wr_u64(&wr, 10);
	hl_mp_wr_u64(&wr, HL_GATE_JOB_REPORTS + 1);
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	expect(rc, -HL_E_BAD_VALUE, &err, HL_MSG_job_submit, 50, 10, HL_GATE_JOB_REPORTS + 1,
	        HL_GATE_JOB_REPORTS);
	submit_head(1);
	hl_mp_wr_u64(&wr, 50);
	hl_mp_wr_map(&wr, 1);
	hl_mp_wr_u64(&wr, 11);
	hl_mp_wr_array(&wr, 1);
	hl_mp_wr_u64(&wr, 7); /* an entry that is no map */
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	assert_int_equal(rc, -HL_E_BAD_TYPE);
	assert_int_equal(err.field_key, 50);
	submit_head(1);
	hl_mp_wr_u64(&wr, 54);
	hl_mp_wr_map(&wr, 1);
	hl_mp_wr_u64(&wr, 6);
	hl_mp_wr_cstr(&wr, "yes"); /* ok as a string */
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	assert_int_equal(rc, -HL_E_BAD_TYPE);
	assert_int_equal(err.field_key, 54);
	assert_int_equal(err.sub_key, 6);
	submit_head(2);
	hl_mp_wr_u64(&wr, 52);
	hl_mp_wr_u64(&wr, HL_WIRE_PPM + 1);
	hl_mp_wr_u64(&wr, 55);
	hl_mp_wr_u64(&wr, 0);
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	expect(rc, -HL_E_BAD_VALUE, &err, HL_MSG_job_submit, 52, 0, HL_WIRE_PPM + 1, HL_WIRE_PPM);
	submit_head(1);
	hl_mp_wr_u64(&wr, 55);
	hl_mp_wr_u64(&wr, HL_GATE_JOB_REPORTS);
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	expect(rc, -HL_E_BAD_VALUE, &err, HL_MSG_job_submit, 55, 0, HL_GATE_JOB_REPORTS,
	        HL_GATE_JOB_REPORTS - 1);
	/* A reporter outcome read back from a hand-made body, every field set. */
	submit_head(1);
	hl_mp_wr_u64(&wr, 54);
	hl_mp_wr_map(&wr, 6);
	for (uint64_t k = 1; k <= 5; k++) {
		hl_mp_wr_u64(&wr, k);
		hl_mp_wr_u64(&wr, k == 3 ? ETIMEDOUT : 40 + k);
	}
	hl_mp_wr_u64(&wr, 6);
	hl_mp_wr_bool(&wr, true);
	assert_int_equal(hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err), 0);
	assert_int_equal(m.rep.source, 41);
	assert_int_equal(m.rep.dc, 42);
	assert_int_equal(m.rep.error, -ETIMEDOUT);
	assert_int_equal(m.rep.elapsed_ms, 44);
	assert_int_equal(m.rep.type, 45);
	assert_int_equal(m.rep.ok, 1);
	/* A page end's signed code past int32. */
	hl_mp_wr_init(&wr, buf, sizeof(buf));
	hl_mp_wr_map(&wr, 7);
	hl_mp_wr_u64(&wr, 1);
	hl_mp_wr_u64(&wr, HL_TIER_GATE);
	for (uint64_t k = 3; k <= 6; k++) {
		hl_mp_wr_u64(&wr, k);
		hl_mp_wr_u64(&wr, 0);
	}
	hl_mp_wr_u64(&wr, 51);
	hl_mp_wr_u64(&wr, HL_GM_KEY_DATA);
	hl_mp_wr_u64(&wr, 56);
	hl_mp_wr_i64(&wr, (int64_t)INT32_MIN - 1);
	rc = hl_gate_wire_decode(HL_MSG_job_record_append, buf, wr.len, &m, &err);
	expect(rc, -HL_E_BAD_VALUE, &err, HL_MSG_job_record_append, 56, 0,
	        (uint64_t)((int64_t)INT32_MIN - 1), INT32_MAX);
	/* An unknown discriminator. */
	submit_head(1);
	hl_mp_wr_u64(&wr, 51);
	hl_mp_wr_u64(&wr, 99);
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	expect(rc, -HL_E_BAD_VALUE, &err, HL_MSG_job_submit, 51, 0, 99, 0);
	/* Wrong msgpack type: a string job id. */
	hl_mp_wr_init(&wr, buf, sizeof(buf));
	hl_mp_wr_map(&wr, 1);
	hl_mp_wr_u64(&wr, 1);
	hl_mp_wr_cstr(&wr, "42");
	rc = hl_gate_wire_decode(HL_MSG_global_result_ack, buf, wr.len, &m, &err);
	assert_int_equal(rc, -HL_E_BAD_TYPE);
	assert_int_equal(err.msg_type, HL_MSG_global_result_ack);
	assert_int_equal(err.field_key, 1);
	/* Deep nesting under an unknown key. */
	submit_head(1);
	hl_mp_wr_u64(&wr, 120);
	for (int i = 0; i < 64; i++)
		hl_mp_wr_map(&wr, 1), hl_mp_wr_u64(&wr, 1);
	hl_mp_wr_u64(&wr, 0);
	rc = hl_gate_wire_decode(HL_MSG_job_submit, buf, wr.len, &m, &err);
	assert_int_equal(rc, -HL_E_TOO_DEEP);
	assert_int_equal(err.kind, HL_E_TOO_DEEP);
	assert_int_equal(err.msg_type, HL_MSG_job_submit);
	/* A manager-tier lease batch is no gate message; two leases are not one. */
	struct hl_lease_grant g[2] = {
	        {5, 7, hl_fence_make(3, 1), 30 * S}, {6, 7, hl_fence_make(3, 2), 30 * S}};
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_MANAGER, 3, 7, g, 1, buf, sizeof(buf), &len),
	        0);
	rc = hl_gate_wire_decode(HL_MSG_lease_grant, buf, len, &m, &err);
	expect(rc, -HL_E_BAD_VALUE, &err, HL_MSG_lease_grant, 1, 0, HL_TIER_MANAGER, HL_TIER_GATE);
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_GATE, 3, 7, g, 2, buf, sizeof(buf), &len), 0);
	rc = hl_gate_wire_decode(HL_MSG_lease_grant, buf, len, &m, &err);
	expect(rc, -HL_E_BAD_VALUE, &err, HL_MSG_lease_grant, 4, 0, 2, 1);
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_GATE, 3, 7, g, 1, buf, sizeof(buf), &len), 0);
	assert_int_equal(hl_gate_wire_decode(HL_MSG_lease_grant, buf, len, &m, &err), 0);
	assert_int_equal(m.type, HL_GM_GRANT);
	assert_int_equal(m.to, 7);
	assert_int_equal(m.job, 5);
	assert_int_equal(m.token, hl_fence_make(3, 1));
	/* A type that is no gate message, and a gate body read as another gate type. */
	fill(&in, HL_GM_SUBMIT, 0);
	assert_int_equal(hl_gate_wire_encode(&in, &type, buf, sizeof(buf), &len), 0);
	rc = hl_gate_wire_decode(HL_MSG_workflow_dispatch, buf, len, &m, &err);
	expect(rc, -HL_E_UNKNOWN_MSG, &err, HL_MSG_workflow_dispatch, 0, 0,
	        HL_MSG_workflow_dispatch, 0);
	assert_false(hl_gate_wire_type(HL_MSG_workflow_dispatch));
	rc = hl_gate_wire_decode(HL_MSG_job_record_commit, buf, len, &m, &err);
	assert_int_equal(rc, -HL_E_BAD_TYPE); /* key 2: the submit's idem_key string */
	assert_int_equal(err.msg_type, HL_MSG_job_record_commit);
	assert_int_equal(err.field_key, 2);
}

/* The coord extension keys mean the same thing in every message of the table. */
static void
test_extension_keys_uniform(void **state)
{
	static const char *const names[] = {"sender", "dest", "status", "backpressure", "accepted",
	        "code", "leader", "cores", "attempt", "seq", "done", "duration_ns", "sub_id",
	        "token", "version", "kind", "dc_node", "idem_bytes", "job_rec", "coord_type", "ppm",
	        "gap_seq", "report", "report_ref", "coord_code"};
	unsigned found = 0;
	(void)state;

	for (unsigned i = 0; i < hl_msg_count; i++)
		for (unsigned k = 32; k < 32 + sizeof(names) / sizeof(names[0]); k++) {
			const char *n = hl_msg_field_name(hl_msg_infos[i].type, k);
			if (n != NULL) {
				assert_string_equal(n, names[k - 32]);
				found++;
			}
		}
	assert_true(found > 100);
}

/* ---- three gates, a client and two DCs, every message through encode + decode ---- */

#define CLIENT 200
#define DC1 101
#define DC2 102

static struct hl_gate G[3];
static struct hl_prng R[3];
static struct hl_gclient C;
static bool down[3];
static uint64_t now = 1 * S;
static unsigned seen[NTYPES + 1];
static struct hl_gmsg q[1024];
static size_t qn;
static bool dc_hold; /* DCs accept but do not answer yet */

static void
wire(struct hl_gmsg *m)
{
	struct hl_gmsg out;
	struct hl_wire_err err;
	unsigned type;
	size_t len;

	if (hl_gate_wire_encode_err(m, &type, buf, sizeof(buf), &len, &err) < 0)
		fail_msg("gmsg type %u: encode refused: key %u sub %u value %llu limit %llu",
		        m->type, err.field_key, err.sub_key, (unsigned long long)err.actual,
		        (unsigned long long)err.limit);
	assert_int_equal(hl_gate_wire_decode(type, buf, len, &out, &err), 0);
	/* a record's writer is not on the wire: a store takes it from the sender */
	struct hl_gmsg want = *m;
	want.rec.leader = 0;
	assert_memory_equal(&want, &out, sizeof(out));
	*m = out;
	seen[out.type]++;
}

/* A DC accepts a submission, reports progress and one reporter outcome (to the job leader, and
 * a copy to another gate: forwarded, a duplicate there), and sends COMPLETED once the outcome
 * is acked (a DC's outcomes go before its final). q is a stack: pushed in reverse. */
static void
dc_recv(const struct hl_gmsg *m)
{
	if (m->type == HL_GM_DC_REPORT_ACK && !dc_hold && qn < 1024) {
		q[qn++] = (struct hl_gmsg){.type = HL_GM_DC_RESULT,
		        .from = m->to,
		        .to = m->leader,
		        .job = m->job,
		        .token = m->token,
		        .dc = m->to,
		        .status = HL_WS_COMPLETED};
		return;
	}
	if (m->type != HL_GM_DC_SUBMIT || qn + 4 > 1024)
		return;
	for (int copy = 0; copy < 2 && !dc_hold; copy++)
		q[qn++] = (struct hl_gmsg){.type = HL_GM_DC_REPORT,
		        .from = m->to,
		        .to = copy == 0 ? m->from : m->from % 3 + 1,
		        .job = m->job,
		        .token = m->token,
		        .dc = m->to,
		        .rep = {.source = m->to + 1000,
		                .dc = m->to,
		                .error = m->to == DC2 ? -EIO : 0,
		                .elapsed_ms = 250,
		                .type = 7,
		                .ok = m->to != DC2}};
	q[qn++] = (struct hl_gmsg){.type = HL_GM_DC_PROGRESS,
	        .from = m->to,
	        .to = m->from,
	        .job = m->job,
	        .token = m->token,
	        .dc = m->to,
	        .seq = 1,
	        .ppm = 400000};
	q[qn++] = (struct hl_gmsg){.type = HL_GM_DC_ACCEPT,
	        .from = m->to,
	        .to = m->from,
	        .job = m->job,
	        .token = m->token,
	        .dc = m->to};
}

static void
deliver(struct hl_gmsg *m)
{
	wire(m);
	if (m->to >= 1 && m->to <= 3) {
		if (!down[m->to - 1])
			(void)hl_gate_recv(&G[m->to - 1], m, now);
	} else if (m->to == CLIENT) {
		(void)hl_gclient_recv(&C, m, now);
	} else if (m->to == DC1 || m->to == DC2) {
		dc_recv(m);
	}
}

static void
pump(void)
{
	struct hl_gmsg m;
	bool any = true;

	while (any) {
		any = false;
		for (int i = 0; i < 3; i++)
			while (hl_gate_next_tx(&G[i], &m) == 1) {
				any = true;
				if (!down[i])
					deliver(&m);
			}
		while (hl_gclient_next_tx(&C, &m) == 1) {
			any = true;
			deliver(&m);
		}
		while (qn > 0) {
			any = true;
			m = q[--qn];
			deliver(&m);
		}
	}
}

static void
advance(uint64_t ns)
{
	for (uint64_t t = 0; t < ns; t += S / 10) {
		now += S / 10;
		for (int i = 0; i < 3; i++)
			if (!down[i])
				hl_gate_tick(&G[i], now);
		hl_gclient_tick(&C, now);
		pump();
	}
}

static void
test_core_over_wire(void **state)
{
	uint64_t gates[3] = {1, 2, 3}, job;
	uint8_t status;
	int finals = 0;
	(void)state;

	for (int i = 0; i < 3; i++) {
		struct hl_gate_cfg c;
		hl_gate_cfg_default(&c);
		c.self = gates[i];
		c.ngates = 3;
		memcpy(c.gates, gates, sizeof(gates));
		c.max_jobs = 64;
		c.dc_timeout_ns = 30 * S;
		hl_prng_seed(&R[i], 11 + (uint64_t)i);
		assert_int_equal(hl_gate_init(&G[i], &c, &R[i]), 0);
		assert_int_equal(hl_gate_dc_set(&G[i], DC1, true, 10), 0);
		assert_int_equal(hl_gate_dc_set(&G[i], DC2, true, 10), 0);
		assert_int_equal(hl_gate_set_tier_leader(&G[i], 1, i == 0 ? 7 : 0, now), 0);
	}
	assert_int_equal(hl_gclient_init(&C, CLIENT, gates, 3, 16), 0);
	hl_gclient_set_connected(&C, true, now);
	/* Submitted at a follower (redirect), two DCs, COMPLETED, pushed, acked, forgotten. */
	assert_int_equal(hl_gclient_submit(&C, 10, "c:10", 4, 2, NULL, now), 0);
	assert_int_equal(hl_gclient_submit(&C, 11, "c:11\0x", 6, 1, NULL, now), 0);
	pump();
	advance(3 * S);
	while (hl_gclient_next_final(&C, &job, &status, NULL) == 1) {
		assert_int_equal(status, HL_WS_COMPLETED);
		finals++;
	}
	assert_int_equal(finals, 2);
	/* The reporter outcomes and progress reached the application through the pushes. */
	struct hl_gclient_update u;
	int reports = 0, progress = 0;
	while (hl_gclient_next_update(&C, &u) == 1) {
		if (u.kind == HL_PUSH_K_REPORT) {
			assert_int_equal(u.rep.type, 7);
			assert_int_equal(u.rep.source, u.rep.dc + 1000);
			assert_int_equal(u.rep.ok, u.rep.dc != DC2);
			assert_int_equal(u.rep.error, u.rep.dc == DC2 ? -EIO : 0);
			reports++;
		}
	}
	assert_int_equal(reports, 3); /* job 10 on two DCs, job 11 on one */
	/* A job whose leader dies before the DCs answer: the tier leader re-issues its lease to a
	 * peer, which fetches the record from a quorum (the DCs are repointed by DC_SUBMIT). */
	dc_hold = true;
	assert_int_equal(hl_gclient_submit(&C, 12, "c:12", 4, 1, NULL, now), 0);
	pump();
	advance(S);
	int l = -1;
	uint64_t tok;
	for (int i = 0; i < 3; i++)
		if (hl_lease_holder_valid(&G[i].held, 12, now, &tok))
			l = i;
	assert_true(l >= 0);
	down[l] = true;
	if (l == 0) /* the tier leader itself: gate 2 takes over the tier */
		for (int i = 1; i < 3; i++)
			assert_int_equal(hl_gate_set_tier_leader(&G[i], 2, i == 1 ? 8 : 0, now), 0);
	for (int i = 0; i < 3; i++)
		if (i != l)
			hl_gate_peer_dead(&G[i], (uint64_t)l + 1);
	dc_hold = false;
	advance(90 * S);
	assert_int_equal(hl_gclient_next_final(&C, &job, &status, NULL), 1);
	assert_int_equal(job, 12);
	assert_int_equal(status, HL_WS_COMPLETED);
	/* Job 12's DC sat at 40 % for a while: that progress was pushed (batched). */
	while (hl_gclient_next_update(&C, &u) == 1)
		progress += u.job == 12 && u.ppm == 400000;
	assert_true(progress > 0);
	for (int i = 0; i < 3; i++)
		hl_gate_fini(&G[i]);
	hl_gclient_fini(&C);
	const uint8_t must[] = {HL_GM_SUBMIT, HL_GM_SUBMIT_ACK, HL_GM_GRANT, HL_GM_COMMITTED,
	        HL_GM_REC_PUT, HL_GM_REC_ACK, HL_GM_DC_SUBMIT, HL_GM_DC_ACCEPT, HL_GM_DC_RESULT,
	        HL_GM_DC_RESULT_ACK, HL_GM_PUSH, HL_GM_PUSH_ACK, HL_GM_LEADER_NOTE,
	        HL_GM_REC_FORGET, HL_GM_RELEASE, HL_GM_REC_FETCH, HL_GM_REC_DATA, HL_GM_KEY_FETCH,
	        HL_GM_KEY_DATA, HL_GM_DC_PROGRESS, HL_GM_DC_REPORT, HL_GM_FWD_REPORT,
	        HL_GM_DC_REPORT_ACK};
	for (size_t i = 0; i < sizeof(must); i++)
		assert_true(seen[must[i]] > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip_every_type),
	        cmocka_unit_test(test_encode_domains),
	        cmocka_unit_test(test_decode_hostile),
	        cmocka_unit_test(test_extension_keys_uniform),
	        cmocka_unit_test(test_core_over_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
