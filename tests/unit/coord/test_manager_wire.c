/* test_manager_wire.c — the manager role's envelope (struct hl_mmsg) through the lib/wire codec:
 * every kind round-trips (typical, zero and maximum values, with and without host payloads, a
 * relayed DC message), the encoder refuses every value outside its domain, the decoder refuses
 * truncated, wrong-tier, wrong-discriminator, oversize and garbage bodies with a structured
 * error, manager and gate messages on shared wire types never decode as each other, and three
 * managers with a worker run jobs (gate relays, a relayed worker result and a tier leader crash
 * included) with every message encoded and decoded on the way. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hl_dc_wire.h"
#include "hl_elect_wire.h"
#include "hl_err.h"
#include "hl_gate_wire.h"
#include "hl_lease_wire.h"
#include "hl_manager_wire.h"
#include "hl_mp.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static uint8_t buf[(1u << 20) + 4096]; /* a maximum job profile is 1 MiB */
static uint8_t big_spec[HL_WIRE_SPEC_MAX + 1];

/* canon(m): m with every byte its kind does not carry zeroed (hl_manager_wire.h). */
static void
canon(const struct hl_mmsg *m, struct hl_mmsg *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = m->kind;
	c->from = m->from;
	c->to = m->to;
	switch (m->kind) {
	case HL_MM_ELECT:
		c->u.e.kind = m->u.e.kind;
		c->u.e.from = m->u.e.from;
		c->u.e.to = m->to;
		c->u.e.term = m->u.e.term;
		switch (m->u.e.kind) {
		case HL_ELECT_PREVOTE_REQ:
		case HL_ELECT_VOTE_REQ:
			c->u.e.lhm = m->u.e.lhm;
			break;
		case HL_ELECT_PREVOTE_RESP:
		case HL_ELECT_VOTE_RESP:
			c->u.e.granted = m->u.e.granted;
			break;
		case HL_ELECT_HEARTBEAT:
			c->u.e.seq = m->u.e.seq;
			break;
		case HL_ELECT_HEARTBEAT_ACK:
			c->u.e.seq = m->u.e.seq;
			c->u.e.granted = m->u.e.granted;
			break;
		}
		break;
	case HL_MM_GRANT:
		c->u.g.job = m->u.g.job;
		c->u.g.holder = m->u.g.holder;
		c->u.g.token = m->u.g.token;
		c->u.g.duration_ns = m->u.g.duration_ns;
		c->t0 = m->t0;
		break;
	case HL_MM_RENEW:
	case HL_MM_RELEASE:
		c->n = m->n;
		c->t0 = m->t0;
		for (uint32_t i = 0; i < m->n && i < HL_MANAGER_BATCH; i++)
			c->u.refs[i] = m->u.refs[i];
		break;
	case HL_MM_REC_PUT:
	case HL_MM_REC_DATA:
		c->u.rec.len = m->u.rec.len;
		memcpy(c->body, m->body, m->u.rec.len);
		c->fence = m->fence;
		c->status = m->status;
		/* fall through */
	case HL_MM_REC_ACK:
		c->u.rec.token = m->u.rec.token;
		c->u.rec.version = m->u.rec.version;
		c->code = m->code;
		/* fall through */
	case HL_MM_REC_FETCH:
	case HL_MM_REC_FORGET:
	case HL_MM_ORPHAN:
		c->u.rec.job = m->u.rec.job;
		if (m->kind == HL_MM_REC_FETCH || m->kind == HL_MM_REC_FORGET)
			c->fence = m->fence;
		if (m->kind == HL_MM_ORPHAN)
			c->u.rec.leader = m->u.rec.leader;
		if (m->kind == HL_MM_REC_FORGET) {
			c->status = m->status;
			c->code = m->code;
		}
		break;
	case HL_MM_DC:
		c->u.d = m->u.d;
		break;
	case HL_MM_GATE:
		c->u.gate.type = m->u.gate.type;
		c->u.gate.code = m->u.gate.code;
		c->u.gate.job = m->u.gate.job;
		c->u.gate.gate = m->u.gate.gate;
		c->u.gate.token = m->u.gate.token;
		break;
	}
}

/* ---- building messages ---- */

#define NSUB 11 /* sub-kinds per kind: elect kinds (6), DC kinds (10), gate types (2) */

static unsigned
nsub(uint8_t kind)
{
	return kind == HL_MM_ELECT ? 6 : kind == HL_MM_DC ? 10 : kind == HL_MM_GATE ? 2 : 1;
}

static void
fill_dc(struct hl_dc_msg *d, uint8_t kind, int mode)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	if (mode == 1)
		return;
	bool max = mode == 2;
	bool a16 = kind == HL_DC_DISPATCH || kind == HL_DC_RESULT;
	d->status = max ? HL_WS_MAX : HL_WS_RUNNING;
	d->bp = max ? HL_BP_MAX : HL_BP_BATCH;
	d->ok = 1;
	d->code = max ? -(int32_t)HL_WIRE_U16 : -HL_E_STALE_TOKEN;
	d->from = max ? UINT64_MAX : 0x1111000000000001ull;
	d->to = max ? UINT64_MAX : 0x2222000000000002ull;
	d->job = max ? UINT64_MAX : 0x3333000000000003ull;
	d->workflow = max ? UINT32_MAX : 0x44000004u;
	d->sub = max ? UINT32_MAX : 0x55000005u;
	d->token = max ? UINT64_MAX : 0x6666000000000006ull;
	d->leader = max ? UINT64_MAX : 0x7777000000000007ull;
	d->cores = max ? UINT32_MAX : 0x88000008u;
	d->attempt = a16 ? (max ? HL_WIRE_U16 : 0x9009u) : (max ? UINT32_MAX : 0x99000009u);
	d->seq = max ? UINT64_MAX : 0xaaaa00000000000aull;
	d->done = max ? UINT64_MAX : 0xbbbb00000000000bull;
	d->duration_ns = max ? UINT64_MAX : 0xcccc00000000000cull;
}

/* mode 0: distinct non-trivial values (a field landing in another's key shows); 1: as many
 * zeros as the kind allows; 2: every field at its maximum. sub: elect kind, DC kind or gate
 * type index (1-based). */
static void
fill(struct hl_mmsg *m, uint8_t kind, unsigned sub, int mode)
{
	bool max = mode == 2, zero = mode == 1;
	uint64_t big = max ? UINT64_MAX : 0;

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->from = zero ? 0 : max ? big : 0x0101000000000011ull;
	m->to = zero ? 0 : max ? big - 1 : 0x0202000000000022ull;
	switch (kind) {
	case HL_MM_ELECT:
		m->from = m->from == 0 ? 1 : m->from; /* the election message names its sender */
		m->u.e.kind = (enum hl_elect_msg_kind)sub;
		m->u.e.from = m->from;
		m->u.e.to = sub % 2 ? 0 : m->to; /* a broadcast's copy, or a reply */
		m->u.e.term = zero ? 0 : max ? UINT32_MAX : 77;
		/* the core sets every election field in every kind: only some travel */
		m->u.e.lhm = zero ? 0 : max ? HL_LHM_MAX : 3;
		m->u.e.seq = zero ? 0 : max ? big : 0x0909000000000099ull;
		m->u.e.granted = !zero;
		break;
	case HL_MM_GRANT:
		m->u.g.job = zero ? 0 : max ? big : 0x0303000000000033ull;
		m->u.g.holder = m->to;
		m->u.g.token = zero ? 0 : max ? big : 0x0404000000000044ull;
		m->u.g.duration_ns = zero ? 0 : max ? HL_WIRE_U32 * MS : 6 * SEC;
		m->t0 = zero ? 0 : max ? big : 0x0505000000000055ull;
		break;
	case HL_MM_RENEW:
	case HL_MM_RELEASE:
		m->n = kind == HL_MM_RELEASE || zero ? 1 : max ? HL_MANAGER_BATCH : 3;
		for (uint32_t i = 0; i < m->n; i++)
			m->u.refs[i] = (struct hl_lease_ref){zero  ? 0
			                                     : max ? big
			                                           : 0x0606000000000000ull + i,
			        zero  ? 0
			        : max ? big
			              : 0x0707000000000000ull + i};
		m->t0 = kind == HL_MM_RENEW && !zero ? (max ? big : 0x0808000000000088ull) : 0;
		break;
	case HL_MM_REC_PUT:
	case HL_MM_REC_DATA:
		m->u.rec.len = zero ? 0 : max ? HL_JREC_BODY_MAX : 77;
		for (uint32_t i = 0; i < m->u.rec.len; i++)
			m->body[i] = max ? 0xff : (uint8_t)(i * 7 + 1);
		if (kind == HL_MM_REC_DATA) {
			m->status = zero ? 0 : 1;
			m->fence = zero ? 0 : max ? big : 0x0a0a0000000000aaull;
		}
		/* fall through */
	case HL_MM_REC_ACK:
		m->u.rec.token = zero ? 0 : max ? big : 0x0b0b0000000000bbull;
		m->u.rec.version = zero ? 0 : max ? big : 0x0c0c0000000000ccull;
		if (kind == HL_MM_REC_ACK)
			m->code = zero ? 0 : max ? -(int32_t)HL_WIRE_U16 : -HL_E_STALE_TOKEN;
		/* fall through */
	case HL_MM_REC_FETCH:
	case HL_MM_REC_FORGET:
	case HL_MM_ORPHAN:
		m->u.rec.job = zero ? 0 : max ? big : 0x0d0d0000000000ddull;
		if (kind == HL_MM_REC_FETCH || kind == HL_MM_REC_FORGET)
			m->fence = zero ? 0 : max ? big : 0x0e0e0000000000eeull;
		if (kind == HL_MM_ORPHAN)
			m->u.rec.leader = zero ? 0 : max ? big : 0x0f0f0000000000ffull;
		if (kind == HL_MM_REC_FORGET) {
			m->status = zero ? 0 : 1;
			m->code = zero ? 0 : max ? HL_WS_MAX : HL_WS_COMPLETED;
		}
		break;
	case HL_MM_DC:
		fill_dc(&m->u.d, (uint8_t)sub, mode);
		m->from = m->u.d.from;
		m->to = m->u.d.to;
		break;
	case HL_MM_GATE:
		m->u.gate.type = sub == 1 ? HL_GM_DC_SUBMIT : HL_GM_DC_RESULT_ACK;
		m->u.gate.code = zero ? 0 : max ? -(int32_t)HL_WIRE_U16 : -HL_E_NOT_FOUND;
		m->u.gate.job = zero ? 0 : max ? big : 0x0f0f0000000000ffull;
		m->u.gate.gate = zero ? 0 : max ? big : 0x1010000000000100ull;
		m->u.gate.token = zero ? 0 : max ? big : 0x1111000000000111ull;
		break;
	}
}

static bool
takes_spec(const struct hl_mmsg *m)
{
	return m->kind == HL_MM_REC_PUT || m->kind == HL_MM_REC_DATA ||
	       (m->kind == HL_MM_DC && m->u.d.kind == HL_DC_DISPATCH);
}

/* Encode + decode; the decoded message equals canon(in) over hl_mmsg_size, the spec comes back,
 * the gate decoder refuses the body, every truncation is refused with a matching error. */
static void
round_trip(const struct hl_mmsg *in, const void *spec, size_t spec_len, bool cuts)
{
	static struct hl_mmsg out, want;
	struct hl_gmsg g;
	struct hl_wire_err err;
	const uint8_t *ds;
	size_t len, dlen;
	unsigned type;
	int rc;

	rc = hl_manager_wire_encode(in, spec, spec_len, &type, buf, sizeof(buf), &len, &err);
	if (rc != 0)
		fail_msg("kind %u: encode: %s key %u sub %u value %llu limit %llu", in->kind,
		        hl_errname(rc), err.field_key, err.sub_key, (unsigned long long)err.actual,
		        (unsigned long long)err.limit);
	memset(&out, 0xa5, sizeof(out)); /* decoding does not depend on what was there */
	rc = hl_manager_wire_decode(type, buf, len, &out, &ds, &dlen, &err);
	if (rc != 0)
		fail_msg("kind %u (%s): decode: %s key %u sub %u", in->kind, hl_msg_name(type),
		        hl_errname(rc), err.field_key, err.sub_key);
	canon(in, &want);
	assert_int_equal(hl_mmsg_size(&out), hl_mmsg_size(&want));
	assert_memory_equal(&want, &out, hl_mmsg_size(&want));
	assert_int_equal(dlen, spec_len);
	if (spec_len > 0)
		assert_memory_equal(ds, spec, spec_len);
	else
		assert_null(ds);
	/* A manager message is never a gate message (shared types: tier or coord_type). */
	rc = hl_gate_wire_decode(type, buf, len, &g, &err);
	assert_true(rc < 0);
	assert_int_equal(err.kind, -rc);
	if (!cuts)
		return;
	for (size_t cut = 0; cut < len; cut++) {
		/* an exact-size copy: a read past the end shows under ASan */
		uint8_t *exact = malloc(cut ? cut : 1);
		memcpy(exact, buf, cut);
		rc = hl_manager_wire_decode(type, exact, cut, &out, &ds, &dlen, &err);
		free(exact);
		assert_true(rc < 0);
		assert_int_equal(err.kind, -rc);
		assert_int_equal(err.msg_type, type);
		assert_int_equal(out.kind, 0); /* nothing half-decoded left behind */
		assert_null(ds);
	}
}

static void
test_round_trip_every_kind(void **state)
{
	static const char text[] = "[job]\nname=wire\n[workflow.a]\ncores=2\n";
	struct hl_mmsg in;
	(void)state;

	for (uint8_t k = HL_MM_ELECT; k < HL_MM_KIND_MAX_; k++)
		for (unsigned s = 1; s <= nsub(k); s++)
			for (int mode = 0; mode < 3; mode++) {
				fill(&in, k, s, mode);
				round_trip(&in, NULL, 0, true);
				if (!takes_spec(&in))
					continue;
				round_trip(&in, text, sizeof(text) - 1, true);
				/* the largest payload each message takes */
				size_t max = in.kind == HL_MM_DC ? HL_WIRE_WF_SPEC_MAX
				                                 : HL_WIRE_SPEC_MAX;
				memset(big_spec, 0x5a, max);
				round_trip(&in, big_spec, max, in.kind == HL_MM_DC);
			}
}

/* A DC message one node passes on for another: the envelope's from/to differ from the
 * message's own and travel in keys 60/61; the DC decoder sees the message itself. */
static void
test_relayed_dc(void **state)
{
	struct hl_mmsg in, out;
	struct hl_dc_msg d;
	struct hl_wire_err err;
	const uint8_t *spec;
	size_t len, slen;
	unsigned type;
	(void)state;

	for (uint8_t k = HL_DC_DISPATCH; k <= HL_DC_CANCEL_DONE; k++) {
		fill(&in, HL_MM_DC, k, 0);
		in.from = 31; /* a manager forwards the worker's message */
		in.to = 32;
		round_trip(&in, NULL, 0, true);
		in.to = in.u.d.to; /* only the sender differs */
		round_trip(&in, NULL, 0, false);
		in.from = in.u.d.from; /* only the addressee */
		in.to = 0x99;
		round_trip(&in, NULL, 0, false);
	}
	fill(&in, HL_MM_DC, HL_DC_RESULT, 0);
	in.from = 31;
	in.to = 32;
	assert_int_equal(
	        hl_manager_wire_encode(&in, NULL, 0, &type, buf, sizeof(buf), &len, &err), 0);
	assert_int_equal(hl_dc_wire_decode(type, buf, len, &d, &err), 0);
	assert_memory_equal(&d, &in.u.d, sizeof(d));
	assert_int_equal(hl_manager_wire_decode(type, buf, len, &out, &spec, &slen, &err), 0);
	assert_int_equal(out.from, 31);
	assert_int_equal(out.to, 32);
	/* A plain DC encoding (no relay keys) decodes with the message's own from/to. */
	assert_int_equal(hl_dc_wire_encode(&in.u.d, &type, buf, sizeof(buf), &len), 0);
	assert_int_equal(hl_manager_wire_decode(type, buf, len, &out, &spec, &slen, &err), 0);
	assert_int_equal(out.from, in.u.d.from);
	assert_int_equal(out.to, in.u.d.to);
}

/* ---- the encoder's domains ---- */

static void
expect_refused(const struct hl_mmsg *m, const void *spec, size_t spec_len, int want, unsigned key)
{
	struct hl_wire_err err;
	size_t len = 99;
	unsigned type;
	int rc = hl_manager_wire_encode(m, spec, spec_len, &type, buf, sizeof(buf), &len, &err);

	if (rc != want)
		fail_msg("kind %u: encode gave %s, want %s", m->kind, hl_errname(rc),
		        hl_errname(want));
	assert_int_equal(err.kind, -want);
	assert_int_equal(err.field_key, key);
	assert_int_equal(len, 0);
}

static void
test_encode_domains(void **state)
{
	static const uint8_t spec[8] = "profile";
	struct hl_mmsg m, base;
	(void)state;

	/* unknown kinds */
	fill(&m, HL_MM_ORPHAN, 1, 0);
	m.kind = 0;
	expect_refused(&m, NULL, 0, -EINVAL, 0);
	m.kind = HL_MM_KIND_MAX_;
	expect_refused(&m, NULL, 0, -EINVAL, 0);
	/* header fields a kind does not use are 0: nothing would carry them */
	for (uint8_t k = HL_MM_ELECT; k < HL_MM_KIND_MAX_; k++) {
		fill(&base, k, 1, 0);
		if (k != HL_MM_RENEW && k != HL_MM_RELEASE) {
			m = base;
			m.n = 1;
			expect_refused(&m, NULL, 0, -EINVAL, 0);
		}
		if (k != HL_MM_REC_DATA && k != HL_MM_REC_FORGET) {
			m = base;
			m.status = 1;
			expect_refused(&m, NULL, 0, -EINVAL, 0);
		}
		if (k != HL_MM_REC_ACK && k != HL_MM_REC_FORGET) {
			m = base;
			m.code = -5;
			expect_refused(&m, NULL, 0, -EINVAL, 0);
		}
		if (k != HL_MM_GRANT && k != HL_MM_RENEW) {
			m = base;
			m.t0 = 1;
			expect_refused(&m, NULL, 0, -EINVAL, 0);
		}
		if (k != HL_MM_REC_FETCH && k != HL_MM_REC_DATA && k != HL_MM_REC_FORGET) {
			m = base;
			m.fence = 1;
			expect_refused(&m, NULL, 0, -EINVAL, 0);
		}
		/* a host payload only beside record puts/data and dispatches */
		if (k != HL_MM_REC_PUT && k != HL_MM_REC_DATA && k != HL_MM_DC)
			expect_refused(&base, spec, sizeof(spec), -EINVAL, 0);
		expect_refused(&base, NULL, 3, -EINVAL, 0); /* a length without bytes */
	}
	/* u.rec fields a record kind does not use */
	fill(&m, HL_MM_REC_FETCH, 1, 0);
	m.u.rec.token = 1;
	expect_refused(&m, NULL, 0, -EINVAL, 0);
	fill(&m, HL_MM_ORPHAN, 1, 0);
	m.u.rec.version = 1;
	expect_refused(&m, NULL, 0, -EINVAL, 0);
	fill(&m, HL_MM_REC_ACK, 1, 0);
	m.u.rec.len = 1;
	expect_refused(&m, NULL, 0, -EINVAL, 59);
	fill(&m, HL_MM_REC_FORGET, 1, 0);
	m.u.rec.len = 1;
	expect_refused(&m, NULL, 0, -EINVAL, 59);
	/* ELECT */
	fill(&m, HL_MM_ELECT, HL_ELECT_VOTE_REQ, 0);
	m.u.e.kind = (enum hl_elect_msg_kind)7;
	expect_refused(&m, NULL, 0, -EINVAL, 0);
	fill(&m, HL_MM_ELECT, HL_ELECT_VOTE_REQ, 0);
	m.u.e.lhm = HL_LHM_MAX + 1; /* refused, not clamped */
	expect_refused(&m, NULL, 0, -EINVAL, 5);
	fill(&m, HL_MM_ELECT, HL_ELECT_HEARTBEAT_ACK, 0);
	m.u.e.lhm = 1000; /* an ack's lhm is not carried: no domain */
	round_trip(&m, NULL, 0, false);
	fill(&m, HL_MM_ELECT, HL_ELECT_VOTE_RESP, 0);
	m.u.e.from = m.from + 1; /* the sender is one node */
	expect_refused(&m, NULL, 0, -EINVAL, 3);
	m.u.e.from = m.from = 0; /* and never 0 (the decoder refuses a zero sender) */
	expect_refused(&m, NULL, 0, -EINVAL, 3);
	fill(&m, HL_MM_ELECT, HL_ELECT_HEARTBEAT, 0);
	m.u.e.to = m.to + 1; /* addressed to someone else than its envelope */
	expect_refused(&m, NULL, 0, -EINVAL, 33);
	/* GRANT */
	fill(&m, HL_MM_GRANT, 1, 0);
	m.u.g.holder = m.to + 1;
	expect_refused(&m, NULL, 0, -EINVAL, 4);
	fill(&m, HL_MM_GRANT, 1, 0);
	m.u.g.duration_ns = 6 * SEC + 1; /* the table's ttl_ms: whole milliseconds */
	expect_refused(&m, NULL, 0, -EINVAL, 4);
	m.u.g.duration_ns = (HL_WIRE_U32 + 1ull) * MS;
	expect_refused(&m, NULL, 0, -EINVAL, 4);
	/* RENEW / RELEASE: one message holds this hl_mmsg's refs */
	fill(&m, HL_MM_RENEW, 1, 0);
	m.n = 0;
	expect_refused(&m, NULL, 0, -EINVAL, 4);
	m.n = HL_MANAGER_BATCH + 1;
	expect_refused(&m, NULL, 0, -EINVAL, 4);
	fill(&m, HL_MM_RELEASE, 1, 0);
	m.n = 0;
	expect_refused(&m, NULL, 0, -EINVAL, 4);
	m.n = 2;
	expect_refused(&m, NULL, 0, -EINVAL, 4);
	/* records */
	fill(&m, HL_MM_REC_PUT, 1, 0);
	m.u.rec.len = HL_JREC_BODY_MAX + 1;
	expect_refused(&m, NULL, 0, -HL_E_OVERSIZE, 59);
	fill(&m, HL_MM_REC_PUT, 1, 0);
	expect_refused(&m, big_spec, HL_WIRE_SPEC_MAX + 1, -HL_E_OVERSIZE, 11);
	fill(&m, HL_MM_REC_DATA, 1, 0);
	m.status = 2; /* 1 = the job finished */
	expect_refused(&m, NULL, 0, -EINVAL, 47);
	fill(&m, HL_MM_REC_FORGET, 1, 0);
	m.status = 2;
	expect_refused(&m, NULL, 0, -EINVAL, 47);
	fill(&m, HL_MM_REC_FORGET, 1, 0);
	m.code = HL_WS_MAX + 1; /* a final status, no error */
	expect_refused(&m, NULL, 0, -EINVAL, 34);
	m.code = -1;
	expect_refused(&m, NULL, 0, -EINVAL, 34);
	fill(&m, HL_MM_REC_ACK, 1, 0);
	m.code = 1; /* 0 or a negative error */
	expect_refused(&m, NULL, 0, -EINVAL, 6);
	m.code = -(int32_t)HL_WIRE_U16 - 1;
	expect_refused(&m, NULL, 0, -EINVAL, 6);
	/* GATE */
	fill(&m, HL_MM_GATE, 1, 0);
	m.u.gate.type = HL_GM_DC_RESULT;
	expect_refused(&m, NULL, 0, -EINVAL, 51);
	fill(&m, HL_MM_GATE, 2, 0);
	m.u.gate.code = 3;
	expect_refused(&m, NULL, 0, -EINVAL, 37);
	/* DC: hl_dc_wire's domains; a relay's from/to is never 0; spec only in a dispatch */
	fill(&m, HL_MM_DC, HL_DC_RESULT, 0);
	m.u.d.ok = 2;
	expect_refused(&m, NULL, 0, -EINVAL, 36);
	fill(&m, HL_MM_DC, HL_DC_RESULT, 0);
	m.from = 0;
	expect_refused(&m, NULL, 0, -EINVAL, 60);
	fill(&m, HL_MM_DC, HL_DC_RESULT, 0);
	m.to = 0;
	expect_refused(&m, NULL, 0, -EINVAL, 61);
	fill(&m, HL_MM_DC, HL_DC_RESULT, 0);
	expect_refused(&m, spec, sizeof(spec), -EINVAL, 12);
	fill(&m, HL_MM_DC, HL_DC_DISPATCH, 0);
	expect_refused(&m, big_spec, HL_WIRE_WF_SPEC_MAX + 1, -HL_E_OVERSIZE, 12);
	/* no room */
	struct hl_wire_err err;
	size_t len;
	unsigned type;
	fill(&m, HL_MM_REC_PUT, 1, 0);
	assert_int_equal(
	        hl_manager_wire_encode(&m, NULL, 0, &type, buf, 16, &len, &err), -HL_E_OVERSIZE);
	assert_int_equal(err.kind, HL_E_OVERSIZE);
}

/* ---- the decoder: foreign tiers, discriminators, hostile bodies ---- */

static void
expect_decode(unsigned type, size_t len, int want, unsigned key)
{
	struct hl_mmsg m;
	struct hl_wire_err err;
	const uint8_t *spec;
	size_t slen;
	int rc = hl_manager_wire_decode(type, buf, len, &m, &spec, &slen, &err);

	if (rc != want)
		fail_msg("%s: decode gave %s, want %s (key %u)", hl_msg_name(type), hl_errname(rc),
		        hl_errname(want), err.field_key);
	if (want == 0)
		return;
	assert_int_equal(err.kind, -want);
	assert_int_equal(err.msg_type, type);
	if (key != 0)
		assert_int_equal(err.field_key, key);
	assert_int_equal(m.kind, 0);
}

static size_t
enc_gmsg(uint8_t t, unsigned *type)
{
	struct hl_gmsg g = {.type = t, .from = 3, .to = 4, .job = 7, .token = 9, .version = 1};
	size_t len;

	assert_int_equal(hl_gate_wire_encode(&g, type, buf, sizeof(buf), &len), 0);
	return len;
}

static void
test_decode_foreign_and_hostile(void **state)
{
	struct hl_elect_msg e = {.kind = HL_ELECT_VOTE_REQ, .from = 5, .term = 3, .lhm = 1};
	struct hl_lease_grant g1[2] = {{7, 5, 9, 6 * SEC}, {8, 5, 10, 6 * SEC}};
	struct hl_lease_ref r9[9] = {{1, 2}};
	struct hl_wire_err err;
	struct hl_mp_wr w;
	size_t len;
	unsigned type;
	(void)state;

	/* Gate-tier elections (tier key says gate): no manager message. */
	for (int k = HL_ELECT_PREVOTE_REQ; k <= HL_ELECT_HEARTBEAT_ACK; k++) {
		e.kind = (enum hl_elect_msg_kind)k;
		assert_int_equal(
		        hl_elect_wire_encode(&e, HL_TIER_GATE, 5000, &type, buf, sizeof(buf), &len),
		        0);
		expect_decode(type, len, -HL_E_UNKNOWN_MSG, k == HL_ELECT_HEARTBEAT_ACK ? 57 : 1);
		assert_int_equal(hl_elect_wire_encode(
		                         &e, HL_TIER_MANAGER, 5000, &type, buf, sizeof(buf), &len),
		        0);
		expect_decode(type, len, 0, 0);
	}
	/* A heartbeat ack without a tier (an older encoder) is nobody's: not the manager's. */
	struct hl_msg_leader_heartbeat_ack ack = {.term = 3, .node = 5, .seq = 1, .ok = true};
	assert_int_equal(hl_msg_leader_heartbeat_ack_encode(&ack, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_leader_heartbeat_ack, len, -HL_E_UNKNOWN_MSG, 57);
	/* ... and an election message naming no sender, or a term over 32 bits, is refused */
	ack.tier = HL_TIER_MANAGER;
	ack.node = 0;
	assert_int_equal(hl_msg_leader_heartbeat_ack_encode(&ack, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_leader_heartbeat_ack, len, -HL_E_BAD_VALUE, 2);
	ack.node = 5;
	ack.term = 1ull << 32;
	assert_int_equal(hl_msg_leader_heartbeat_ack_encode(&ack, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_leader_heartbeat_ack, len, -HL_E_BAD_VALUE, 1);

	/* Gate-tier leases: no manager message; manager-tier ones of the wrong size are refused. */
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_GATE, 3, 5, g1, 1, buf, sizeof(buf), &len), 0);
	expect_decode(HL_MSG_lease_grant, len, -HL_E_UNKNOWN_MSG, 1);
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_MANAGER, 3, 5, g1, 1, buf, sizeof(buf), &len),
	        0);
	expect_decode(HL_MSG_lease_grant, len, 0, 0);
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_MANAGER, 3, 5, g1, 2, buf, sizeof(buf), &len),
	        0);
	expect_decode(HL_MSG_lease_grant, len, -HL_E_BAD_VALUE, 4);
	assert_int_equal(hl_lease_wire_encode_refs(HL_MSG_lease_renew, HL_TIER_MANAGER, 3, 5, r9, 9,
	                         buf, sizeof(buf), &len),
	        0);
	expect_decode(HL_MSG_lease_renew, len, -HL_E_BAD_VALUE, 4);
	assert_int_equal(hl_lease_wire_encode_refs(HL_MSG_lease_renew, HL_TIER_MANAGER, 3, 5, r9, 0,
	                         buf, sizeof(buf), &len),
	        0);
	expect_decode(HL_MSG_lease_renew, len, -HL_E_BAD_VALUE, 4);
	assert_int_equal(hl_lease_wire_encode_refs(HL_MSG_lease_release, HL_TIER_MANAGER, 3, 5, r9,
	                         2, buf, sizeof(buf), &len),
	        0);
	expect_decode(HL_MSG_lease_release, len, -HL_E_BAD_VALUE, 4);
	assert_int_equal(hl_lease_wire_encode_refs(HL_MSG_lease_release, HL_TIER_GATE, 3, 5, r9, 1,
	                         buf, sizeof(buf), &len),
	        0);
	expect_decode(HL_MSG_lease_release, len, -HL_E_UNKNOWN_MSG, 1);
	/* a grant's lease record naming another holder than the message */
	struct hl_msg_lease_grant lg = {.tier = HL_TIER_MANAGER, .term = 1, .holder = 5};
	lg.leases.n = 1;
	lg.leases.v[0] = (struct hl_rec_lease_rec){.job_id = 7, .token = 9, .holder = 6};
	assert_int_equal(hl_msg_lease_grant_encode(&lg, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_lease_grant, len, -HL_E_BAD_VALUE, 4);

	/* The gate's record, submit and result-ack messages: not the manager's. */
	static const uint8_t gate_types[] = {HL_GM_REC_PUT, HL_GM_REC_DATA, HL_GM_KEY_DATA,
	        HL_GM_REC_ACK, HL_GM_REC_FETCH, HL_GM_KEY_FETCH, HL_GM_REC_FORGET, HL_GM_ORPHAN,
	        HL_GM_DC_SUBMIT, HL_GM_SUBMIT, HL_GM_DC_RESULT_ACK, HL_GM_DC_REPORT_ACK,
	        HL_GM_GRANT, HL_GM_RENEW, HL_GM_RELEASE};
	for (size_t i = 0; i < sizeof(gate_types); i++) {
		len = enc_gmsg(gate_types[i], &type);
		expect_decode(type, len, -HL_E_UNKNOWN_MSG, 0);
	}
	/* Types no manager message uses. */
	len = enc_gmsg(HL_GM_PUSH, &type);
	expect_decode(type, len, -HL_E_UNKNOWN_MSG, 0);
	expect_decode(HL_MSG_job_status, len, -HL_E_UNKNOWN_MSG, 0);
	expect_decode(9999, len, -HL_E_UNKNOWN_MSG, 0);

	/* Manager tier, wrong coord_type: malformed (the tier is the manager's). */
	static struct hl_msg_job_record_append ra;
	memset(&ra, 0, sizeof(ra));
	ra.tier = HL_TIER_MANAGER;
	ra.job_id = 7;
	static const uint64_t bad_ct[] = {
	        0, HL_GM_REC_DATA, HL_MANAGER_WIRE_CTYPE(HL_MM_REC_ACK), 255};
	for (size_t i = 0; i < sizeof(bad_ct) / sizeof(bad_ct[0]); i++) {
		ra.coord_type = bad_ct[i];
		assert_int_equal(
		        hl_msg_job_record_append_encode(&ra, buf, sizeof(buf), &len, &err), 0);
		expect_decode(HL_MSG_job_record_append, len, -HL_E_BAD_VALUE, 51);
	}
	ra.coord_type = HL_MANAGER_WIRE_CTYPE(HL_MM_REC_DATA);
	ra.kind = 2; /* REC_DATA's "finished" is 0 or 1 */
	assert_int_equal(hl_msg_job_record_append_encode(&ra, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_job_record_append, len, -HL_E_BAD_VALUE, 47);
	ra.tier = HL_TIER_WORKER; /* another tier */
	assert_int_equal(hl_msg_job_record_append_encode(&ra, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_job_record_append, len, -HL_E_UNKNOWN_MSG, 1);
	struct hl_msg_job_record_fetch rf = {.tier = HL_TIER_MANAGER, .requester = 3, .job_id = 7};
	assert_int_equal(hl_msg_job_record_fetch_encode(&rf, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_job_record_fetch, len, -HL_E_BAD_VALUE, 51);
	/* No tier field: coord_type below 128 is the gate's, another manager kind malformed. */
	struct hl_msg_job_record_ack rk = {.job_id = 7, .token = 1, .version = 1, .node = 3};
	rk.coord_type = HL_MANAGER_WIRE_CTYPE(HL_MM_REC_FETCH);
	assert_int_equal(hl_msg_job_record_ack_encode(&rk, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_job_record_ack, len, -HL_E_BAD_VALUE, 51);
	rk.coord_type = HL_GM_REC_ACK;
	assert_int_equal(hl_msg_job_record_ack_encode(&rk, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_job_record_ack, len, -HL_E_UNKNOWN_MSG, 51);
	struct hl_msg_job_record_forget rg = {.job_id = 7, .node = 3, .kind = 2};
	rg.coord_type = HL_MANAGER_WIRE_CTYPE(HL_MM_REC_FORGET);
	assert_int_equal(hl_msg_job_record_forget_encode(&rg, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_job_record_forget, len, -HL_E_BAD_VALUE, 47);
	struct hl_msg_job_record_orphan ro = {.job_id = 7, .node = 3};
	ro.coord_type = HL_MANAGER_WIRE_CTYPE(HL_MM_GATE);
	assert_int_equal(hl_msg_job_record_orphan_encode(&ro, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_job_record_orphan, len, -HL_E_BAD_VALUE, 51);
	static struct hl_msg_job_result_ack jra;
	memset(&jra, 0, sizeof(jra));
	jra.job_id = 7;
	jra.coord_type = HL_MANAGER_WIRE_CTYPE(HL_MM_ORPHAN);
	assert_int_equal(hl_msg_job_result_ack_encode(&jra, buf, sizeof(buf), &len, &err), 0);
	expect_decode(HL_MSG_job_result_ack, len, -HL_E_BAD_VALUE, 51);

	/* An oversize record body (1025 bytes) is refused before anything is copied. */
	static uint8_t body[HL_JREC_BODY_MAX + 1];
	hl_mp_wr_init(&w, buf, sizeof(buf));
	hl_mp_wr_map(&w, 7);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, HL_TIER_MANAGER);
	hl_mp_wr_u64(&w, 3);
	hl_mp_wr_u64(&w, 7);
	hl_mp_wr_u64(&w, 4);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, 5);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, 6);
	hl_mp_wr_u64(&w, 0);
	hl_mp_wr_u64(&w, 51);
	hl_mp_wr_u64(&w, HL_MANAGER_WIRE_CTYPE(HL_MM_REC_PUT));
	hl_mp_wr_u64(&w, 59);
	hl_mp_wr_bin(&w, body, HL_JREC_BODY_MAX);
	expect_decode(HL_MSG_job_record_append, w.len, 0, 0);
	hl_mp_wr_init(&w, buf, sizeof(buf));
	hl_mp_wr_map(&w, 7);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, HL_TIER_MANAGER);
	hl_mp_wr_u64(&w, 3);
	hl_mp_wr_u64(&w, 7);
	hl_mp_wr_u64(&w, 4);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, 5);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, 6);
	hl_mp_wr_u64(&w, 0);
	hl_mp_wr_u64(&w, 51);
	hl_mp_wr_u64(&w, HL_MANAGER_WIRE_CTYPE(HL_MM_REC_PUT));
	hl_mp_wr_u64(&w, 59);
	hl_mp_wr_bin(&w, body, HL_JREC_BODY_MAX + 1);
	expect_decode(HL_MSG_job_record_append, w.len, -HL_E_OVERSIZE, 59);
	/* The wrong msgpack type where the body goes. */
	hl_mp_wr_init(&w, buf, sizeof(buf));
	hl_mp_wr_map(&w, 3);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, 2);
	hl_mp_wr_u64(&w, 2);
	hl_mp_wr_u64(&w, 7);
	hl_mp_wr_u64(&w, 59);
	hl_mp_wr_u64(&w, 1);
	expect_decode(HL_MSG_job_record_append, w.len, -HL_E_BAD_TYPE, 59);
	/* One manager message read as another type. */
	struct hl_mmsg m;
	fill(&m, HL_MM_REC_PUT, 1, 0);
	assert_int_equal(
	        hl_manager_wire_encode(&m, NULL, 0, &type, buf, sizeof(buf), &len, &err), 0);
	struct hl_mmsg out;
	const uint8_t *spec;
	size_t slen;
	int rc = hl_manager_wire_decode(HL_MSG_job_record_ack, buf, len, &out, &spec, &slen, &err);
	assert_true(rc < 0);
	assert_int_equal(err.kind, -rc);
}

/* Garbage: random bodies and random single-byte damage of valid ones, for every manager type.
 * Whatever decodes re-encodes to the same type and decodes to the same message. */
static uint64_t rs = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static void
check_any(unsigned type, const uint8_t *body, size_t len, unsigned *ok)
{
	static struct hl_mmsg a, b;
	static uint8_t enc[8192];
	struct hl_wire_err err;
	const uint8_t *sa, *sb;
	size_t la, lb, elen;
	unsigned t2;
	int rc = hl_manager_wire_decode(type, body, len, &a, &sa, &la, &err);

	if (rc < 0) {
		assert_int_equal(err.kind, -rc);
		assert_int_equal(err.msg_type, type);
		return;
	}
	(*ok)++;
	rc = hl_manager_wire_encode(&a, sa, la, &t2, enc, sizeof(enc), &elen, &err);
	if (rc != 0)
		fail_msg("%s: re-encode: %s key %u", hl_msg_name(type), hl_errname(rc),
		        err.field_key);
	assert_int_equal(t2, type);
	assert_int_equal(hl_manager_wire_decode(t2, enc, elen, &b, &sb, &lb, &err), 0);
	assert_memory_equal(&a, &b, hl_mmsg_size(&a));
	assert_int_equal(la, lb);
	if (la > 0)
		assert_memory_equal(sa, sb, la);
}

static void
test_garbage(void **state)
{
	static uint8_t body[4096];
	struct hl_mmsg m;
	struct hl_wire_err err;
	unsigned type, ok = 0;
	size_t len;
	(void)state;

	for (uint8_t k = HL_MM_ELECT; k < HL_MM_KIND_MAX_; k++)
		for (unsigned s = 1; s <= nsub(k); s++) {
			fill(&m, k, s, 0);
			assert_int_equal(hl_manager_wire_encode(&m, NULL, 0, &type, body,
			                         sizeof(body), &len, &err),
			        0);
			for (int i = 0; i < 300; i++) {
				uint8_t save;
				size_t at = rnd() % len;
				save = body[at];
				body[at] = (uint8_t)rnd();
				check_any(type, body, len, &ok);
				body[at] = save;
			}
			for (int i = 0; i < 100; i++) {
				size_t n = rnd() % 64;
				uint8_t junk[64];
				for (size_t j = 0; j < n; j++)
					junk[j] = (uint8_t)rnd();
				if (n > 0 && i % 2)
					junk[0] = 0x80 | (uint8_t)(rnd() % 16); /* a fixmap */
				check_any(type, junk, n, &ok);
			}
		}
	assert_true(ok > 100); /* damage that still decodes was checked too */
}

/* The extension keys added for the manager mean the same in every message that has them. */
static void
test_extension_keys_uniform(void **state)
{
	static const char *const names[] = {
	        "tier", "sent_ns", "mgr_rec", "relay_sender", "relay_dest", "fence"};
	unsigned found = 0;
	(void)state;

	for (unsigned i = 0; i < hl_msg_count; i++)
		for (unsigned k = 57; k < 57 + sizeof(names) / sizeof(names[0]); k++) {
			const char *n = hl_msg_field_name(hl_msg_infos[i].type, k);
			if (n != NULL) {
				assert_string_equal(n, names[k - 57]);
				found++;
			}
		}
	assert_int_equal(found, 1 + 3 + 2 + 10 * 2);
}

/* ---- three managers and a worker, every message through encode + decode ---- */

#define NM 3
#define WID 10 /* the worker */
#define DCID 100 /* the DC as the gates know it */
#define GATE_A 500
#define GATE_B 501

static struct {
	struct hl_manager m[NM];
	struct hl_prng rng[NM];
	bool up[NM];
	struct hl_dc_wnode wn;
	uint64_t now;
	int done[64];
	uint8_t status[64];
	int accepted[64];
	unsigned seen[HL_MM_KIND_MAX_];
	unsigned relayed, specs, elect_canon;
	int gate_results[64];
	uint64_t gate_token[64];
	struct hl_mmsg spy; /* a worker result kept to be sent again through another member */
	bool spy_armed, spy_sent;
	uint64_t spy_job;
} N;

static const char job_text[] = "[job]\nname=over-wire\n";
static const char wf_text[] = "[workflow.w]\ncores=1\n";

/* What a host puts beside a message: the job text with records, the slice's with dispatches. */
static const char *
payload(const struct hl_mmsg *m, size_t *len)
{
	if (m->kind == HL_MM_REC_PUT || m->kind == HL_MM_REC_DATA) {
		*len = sizeof(job_text) - 1;
		return job_text;
	}
	if (m->kind == HL_MM_DC && m->u.d.kind == HL_DC_DISPATCH) {
		*len = sizeof(wf_text) - 1;
		return wf_text;
	}
	*len = 0;
	return NULL;
}

/* The host's send + receive: encode, decode, and compare with what the core handed out. */
static void
wire(struct hl_mmsg *m)
{
	static struct hl_mmsg out, want;
	struct hl_wire_err err;
	const uint8_t *spec;
	const char *p;
	size_t len, slen, plen;
	unsigned type;
	int rc;

	p = payload(m, &plen);
	rc = hl_manager_wire_encode(m, p, plen, &type, buf, sizeof(buf), &len, &err);
	if (rc != 0)
		fail_msg("kind %u: encode refused: %s key %u value %llu limit %llu", m->kind,
		        hl_errname(rc), err.field_key, (unsigned long long)err.actual,
		        (unsigned long long)err.limit);
	assert_int_equal(hl_manager_wire_decode(type, buf, len, &out, &spec, &slen, &err), 0);
	if (m->kind == HL_MM_ELECT) {
		/* the broadcast copies and the election fields nobody reads: canon */
		canon(m, &want);
		N.elect_canon += memcmp(&want, m, hl_mmsg_size(m)) != 0;
		assert_memory_equal(&want, &out, hl_mmsg_size(&want));
	} else {
		/* everything else arrives byte for byte as the core wrote it */
		assert_memory_equal(m, &out, hl_mmsg_size(m));
	}
	assert_int_equal(slen, plen);
	if (plen > 0) {
		assert_memory_equal(spec, p, plen);
		N.specs++;
	}
	N.seen[out.kind]++;
	if (out.kind == HL_MM_DC && (out.from != out.u.d.from || out.to != out.u.d.to))
		N.relayed++;
	memcpy(m, &out, hl_mmsg_size(&out));
}

static int
leader(void)
{
	for (int i = 0; i < NM; i++)
		if (N.up[i] && hl_manager_is_leader(&N.m[i], N.now))
			return i;
	return -1;
}

static int
holder(uint64_t job)
{
	for (int i = 0; i < NM; i++)
		if (N.up[i] && hl_manager_leads(&N.m[i], job, N.now))
			return i;
	return -1;
}

static void
events(int i)
{
	struct hl_manager_event e;

	while (hl_manager_next_event(&N.m[i], &e) == 1) {
		uint64_t j = e.job < 64 ? e.job : 0;
		if (e.kind == HL_MANAGER_EV_PERSIST)
			assert_int_equal(hl_manager_persisted(&N.m[i], e.term, N.now), 0);
		else if (e.kind == HL_MANAGER_EV_JOB_DONE) {
			N.done[j]++;
			N.status[j] = e.status;
		} else if (e.kind == HL_MANAGER_EV_ACCEPTED) {
			N.accepted[j]++;
		}
	}
}

static void
deliver(struct hl_mmsg *m)
{
	wire(m);
	if (m->to == WID) {
		assert_int_equal(m->kind, HL_MM_DC);
		(void)hl_dc_wnode_recv(&N.wn, &m->u.d, N.now);
		return;
	}
	int k = (int)m->to - 1;
	assert_true(k >= 0 && k < NM);
	if (!N.up[k])
		return;
	(void)hl_manager_recv(&N.m[k], m, N.now);
	events(k);
}

/* The gates: DC_RESULT is acked through the DC tier leader (which relays it to the job
 * leader when that is another member). */
static void
gates(void)
{
	struct hl_gmsg g;
	int l = leader();

	for (int i = 0; i < NM; i++)
		while (N.up[i] && hl_manager_gate_next_tx(&N.m[i], &g) == 1) {
			if (g.type != HL_GM_DC_RESULT || g.job >= 64)
				continue;
			N.gate_results[g.job]++;
			N.gate_token[g.job] = g.token;
			struct hl_gmsg ack = {.type = HL_GM_DC_RESULT_ACK,
			        .from = g.to,
			        .to = DCID,
			        .dc = DCID,
			        .job = g.job,
			        .token = g.token};
			if (l >= 0)
				(void)hl_manager_gate_recv(&N.m[l], &ack, NULL, N.now);
		}
}

static void
route(void)
{
	static struct hl_mmsg m;
	struct hl_dc_msg d;
	bool more = true;

	while (more) {
		more = false;
		for (int i = 0; i < NM; i++)
			while (N.up[i] && hl_manager_next_tx(&N.m[i], &m) == 1) {
				more = true;
				deliver(&m);
			}
		while (hl_dc_wnode_next_tx(&N.wn, &d) == 1) {
			more = true;
			memset(&m, 0, offsetof(struct hl_mmsg, body));
			m.kind = HL_MM_DC;
			m.from = WID;
			m.to = d.to;
			m.u.d = d;
			if (N.spy_armed && !N.spy_sent && d.kind == HL_DC_RESULT &&
			        d.job == N.spy_job)
				N.spy = m;
			deliver(&m);
		}
		if (N.spy.kind != 0 && !N.spy_sent) {
			/* The same result once more, through the member that neither leads the
			 * job nor leads the tier: it forwards it to the tier leader, which relays
			 * it to the job leader (two DC relays on the wire). */
			int l = leader(), h = holder(N.spy_job);
			N.spy_sent = true;
			for (int x = 0; x < NM && l >= 0 && h >= 0; x++)
				if (x != l && x != h && N.up[x]) {
					N.spy.to = N.spy.u.d.to = (uint64_t)x + 1;
					more = true;
					deliver(&N.spy);
				}
		}
		gates();
	}
}

static void
step(uint64_t dt)
{
	N.now += dt;
	for (int i = 0; i < NM; i++)
		if (N.up[i] && N.now >= hl_manager_next_deadline(&N.m[i])) {
			hl_manager_tick(&N.m[i], N.now);
			events(i);
		}
	int l = leader();
	hl_dc_wnode_set_tier_leader(&N.wn, l >= 0 ? (uint64_t)l + 1 : 0);
	hl_dc_wnode_tick(&N.wn, N.now);
	route();
}

static void
run(uint64_t dt)
{
	for (uint64_t end = N.now + dt; N.now < end;)
		step(10 * MS);
}

static void
spec_of(struct hl_dc_job_spec *s, uint64_t job, uint64_t dur)
{
	memset(s, 0, sizeof(*s));
	s->job = job;
	s->nwf = 2;
	s->wf[0] = (struct hl_dc_wf_spec){1, 0, 1, dur, 100};
	s->wf[1] = (struct hl_dc_wf_spec){2, 1u, 1, dur, 100}; /* waits for wf 0 */
}

static void
test_core_over_wire(void **state)
{
	struct hl_dc_worker_cfg wc = {WID, 8, 1 * SEC, 64};
	struct hl_manager_cfg c;
	struct hl_dc_job_spec s;
	int l;
	(void)state;

	memset(&N, 0, sizeof(N));
	N.now = 1 * SEC;
	assert_int_equal(hl_dc_wnode_init(&N.wn, &wc), 0);
	for (int i = 0; i < NM; i++) {
		hl_manager_cfg_default(&c);
		c.elect.self = (uint64_t)i + 1;
		c.elect.nmembers = NM;
		for (int k = 0; k < NM; k++)
			c.elect.members[k] = (uint64_t)k + 1;
		c.lease.duration_ns = 6 * SEC;
		c.lease.max_jobs = 32;
		c.lease.max_members = 8;
		c.dc.max_workers = 8;
		c.dc.max_tombs = 64;
		c.dc.tomb_ttl_ns = 60 * SEC;
		c.max_records = 64;
		c.max_tombs = 64;
		c.tomb_ttl_ns = 60 * SEC;
		c.dc_id = DCID;
		hl_prng_seed(&N.rng[i], 7 + (uint64_t)i);
		assert_int_equal(hl_manager_init(&N.m[i], &c, 0, 0, &N.rng[i], N.now), 0);
		N.up[i] = true;
		assert_int_equal(
		        hl_manager_member_alive(&N.m[i], WID, HL_MANAGER_ROLE_WORKER, 8, 0, N.now),
		        0);
	}
	for (int k = 0; k < 200 && leader() < 0; k++)
		run(100 * MS);
	l = leader();
	assert_true(l >= 0);

	/* Jobs 1..8 submitted at the tier leader, 7 s each (ORPHAN reports run every 5 s). */
	for (uint64_t j = 1; j <= 8; j++) {
		spec_of(&s, j, 7 * SEC);
		assert_int_equal(hl_manager_submit(&N.m[l], &s, N.now), 0);
		events(l);
	}
	run(1 * SEC);
	/* One job led by another member than the tier leader: its first result is sent once more
	 * through the third member (relayed twice on the wire). */
	for (uint64_t j = 1; j <= 8 && !N.spy_armed; j++) {
		int h = holder(j);
		if (h >= 0 && h != l) {
			N.spy_armed = true;
			N.spy_job = j;
		}
	}
	assert_true(N.spy_armed);
	/* Jobs 20.. come from gates (DC_SUBMIT with the job's spec); a job led by another member
	 * than the tier leader is re-pointed to a second gate: the tier leader relays the
	 * DC_SUBMIT, and later the gate's DC_RESULT_ACK, to the job leader (kind GATE). */
	uint64_t gj = 0;
	for (uint64_t j = 20; j < 40 && gj == 0; j++) {
		struct hl_gmsg g = {.type = HL_GM_DC_SUBMIT,
		        .from = GATE_A,
		        .to = DCID,
		        .dc = DCID,
		        .job = j,
		        .token = 3ull << 32 | j};
		spec_of(&s, j, 2 * SEC);
		assert_int_equal(hl_manager_gate_recv(&N.m[l], &g, &s, N.now), 0);
		events(l);
		run(500 * MS);
		int h = holder(j);
		if (h >= 0 && h != l) {
			gj = j;
			g.from = GATE_B;
			g.token = 3ull << 32 | 1000;
			assert_int_equal(hl_manager_gate_recv(&N.m[l], &g, NULL, N.now), 0);
		}
	}
	assert_true(gj != 0);
	for (int k = 0; k < 300; k++) {
		bool all = N.done[gj] == 1;
		for (uint64_t j = 1; j <= 8; j++)
			all = all && N.done[j] == 1;
		if (all)
			break;
		run(100 * MS);
	}
	for (uint64_t j = 1; j <= 8; j++) {
		assert_int_equal(N.accepted[j], 1);
		assert_int_equal(N.done[j], 1);
		assert_int_equal(N.status[j], HL_WS_COMPLETED);
	}
	assert_int_equal(N.done[gj], 1);
	assert_true(N.gate_results[gj] >= 1);
	assert_int_equal(N.gate_token[gj], 3ull << 32 | 1000); /* the re-pointed gate's */
	/* The tier leader crashes with jobs running; the survivors rebuild and finish them. */
	for (uint64_t j = 41; j <= 44; j++) {
		spec_of(&s, j, 5 * SEC);
		assert_int_equal(hl_manager_submit(&N.m[l], &s, N.now), 0);
		events(l);
	}
	run(2 * SEC);
	hl_manager_fini(&N.m[l]);
	N.up[l] = false;
	run(1500 * MS);
	for (int i = 0; i < NM; i++)
		if (N.up[i]) {
			assert_int_equal(
			        hl_manager_member_dead(&N.m[i], (uint64_t)l + 1, N.now), 0);
			events(i);
		}
	for (int k = 0; k < 600; k++) {
		bool all = true;
		for (uint64_t j = 41; j <= 44; j++)
			all = all && N.done[j] >= 1;
		if (all)
			break;
		run(100 * MS);
	}
	for (uint64_t j = 41; j <= 44; j++) {
		assert_true(N.done[j] >= 1);
		assert_int_equal(N.status[j], HL_WS_COMPLETED);
	}
	run(9 * SEC);
	/* Every kind of the envelope went over the wire, the relays and the payloads too. */
	for (uint8_t k = HL_MM_ELECT; k < HL_MM_KIND_MAX_; k++)
		if (N.seen[k] == 0)
			fail_msg("kind %u never sent", k);
	assert_true(N.relayed >= 2);
	assert_true(N.specs > 0);
	assert_true(N.elect_canon > 0); /* broadcast copies were compared in canon form */
	for (int i = 0; i < NM; i++)
		if (N.up[i]) {
			assert_int_equal(
			        N.m[i].n_bad, 0); /* nothing the core refused as malformed */
			hl_manager_fini(&N.m[i]);
		}
	hl_dc_wnode_fini(&N.wn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip_every_kind),
	        cmocka_unit_test(test_relayed_dc),
	        cmocka_unit_test(test_encode_domains),
	        cmocka_unit_test(test_decode_foreign_and_hostile),
	        cmocka_unit_test(test_garbage),
	        cmocka_unit_test(test_extension_keys_uniform),
	        cmocka_unit_test(test_core_over_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
