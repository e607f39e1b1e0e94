/* manager_wire.c — struct hl_mmsg <-> lib/wire bodies (hl_manager_wire.h). Elections and DC
 * messages go through elect_wire.c and dc_wire.c; leases, records and the relayed gate messages
 * are placed here, kind by kind. */
#include <errno.h>
#include <string.h>

#include "hl_dc_wire.h"
#include "hl_elect_wire.h"
#include "hl_err.h"
#include "hl_manager_wire.h"

#define MS 1000000ull

_Static_assert(HL_JREC_BODY_MAX == HL_WIRE_MGR_REC_MAX, "manager record bound differs");
_Static_assert(HL_MANAGER_BATCH <= HL_WIRE_MAX_LEASES, "a renewal batch must fit one message");
_Static_assert(HL_MANAGER_WIRE_CTYPE(HL_MM_KIND_MAX_) <= 255, "coord_type is 8 bits");
_Static_assert(sizeof(struct hl_msg_lease_grant) == sizeof(struct hl_msg_lease_renew) &&
                       sizeof(struct hl_msg_lease_release) == sizeof(struct hl_msg_lease_renew),
        "the lease batch messages share one layout");

/* Keys (hl_msg_table.h): the table's own fields, then the extension keys. */
enum {
	K_TIER = 1, /* lease_*, job_record_append / _fetch */
	K_LEASES = 4, /* lease_*: the lease list */
	K_SPEC = 11, /* job_record_append */
	XK_CODE = 37,
	XK_CTYPE = 51,
	XK_KIND = 47,
	XK_TIER = 57, /* leader_heartbeat_ack */
	XK_REC = 59, /* mgr_rec */
	XK_RELAY_SENDER = 60,
	XK_FENCE = 62,
};

/* Header fields a kind uses (every other one must be 0). */
enum { U_N = 1, U_STATUS = 2, U_CODE = 4, U_T0 = 8, U_FENCE = 16 };
/* u.rec fields a kind uses. */
enum { R_JOB = 1, R_TOKEN = 2, R_VERSION = 4, R_LEN = 8 };

static const struct {
	uint16_t type; /* wire type (ELECT, DC, GATE: by sub-kind, 0 here) */
	uint8_t hdr; /* U_* */
	uint8_t rec; /* R_* (kinds carried in u.rec) */
} kinds[HL_MM_KIND_MAX_] = {
        [HL_MM_ELECT] = {0, 0, 0},
        [HL_MM_GRANT] = {HL_MSG_lease_grant, U_T0, 0},
        [HL_MM_RENEW] = {HL_MSG_lease_renew, U_N | U_T0, 0},
        [HL_MM_RELEASE] = {HL_MSG_lease_release, U_N, 0},
        [HL_MM_REC_PUT] = {HL_MSG_job_record_append, 0, R_JOB | R_TOKEN | R_VERSION | R_LEN},
        [HL_MM_REC_ACK] = {HL_MSG_job_record_ack, U_CODE, R_JOB | R_TOKEN | R_VERSION},
        [HL_MM_REC_FETCH] = {HL_MSG_job_record_fetch, U_FENCE, R_JOB},
        [HL_MM_REC_DATA] = {HL_MSG_job_record_append, U_STATUS | U_FENCE,
                R_JOB | R_TOKEN | R_VERSION | R_LEN},
        [HL_MM_REC_FORGET] = {HL_MSG_job_record_forget, U_STATUS | U_CODE | U_FENCE, R_JOB},
        [HL_MM_ORPHAN] = {HL_MSG_job_record_orphan, 0, R_JOB},
        [HL_MM_DC] = {0, 0, 0},
        [HL_MM_GATE] = {0, 0, 0},
};

/* The wire structs of the messages placed here; job_record_append and job_submit are tens of
 * KiB: on the caller's (control core's) stack for one call, like gate_wire.c's. */
union mw_buf {
	struct hl_msg_lease_grant lg;
	struct hl_msg_lease_renew lr; /* lease_release has the same fields */
	struct hl_msg_job_record_append ra;
	struct hl_msg_job_record_ack rk;
	struct hl_msg_job_record_fetch rf;
	struct hl_msg_job_record_forget rg;
	struct hl_msg_job_record_orphan ro;
	struct hl_msg_job_submit sub;
	struct hl_msg_job_result_ack jra;
};

static unsigned
elect_type(unsigned k)
{
	switch (k) {
	case HL_ELECT_PREVOTE_REQ:
		return HL_MSG_pre_vote_req;
	case HL_ELECT_PREVOTE_RESP:
		return HL_MSG_pre_vote_resp;
	case HL_ELECT_VOTE_REQ:
		return HL_MSG_vote_req;
	case HL_ELECT_VOTE_RESP:
		return HL_MSG_vote_resp;
	case HL_ELECT_HEARTBEAT:
		return HL_MSG_leader_heartbeat;
	case HL_ELECT_HEARTBEAT_ACK:
		return HL_MSG_leader_heartbeat_ack;
	}
	return 0;
}

/* Key of the election message's sender field (candidate, voter, leader, node). */
static unsigned
sender_key(unsigned type)
{
	if (type == HL_MSG_pre_vote_resp || type == HL_MSG_vote_resp)
		return 3;
	return type == HL_MSG_leader_heartbeat_ack ? 2 : 4;
}

static int
refuse(struct hl_wire_err *err, unsigned type, unsigned key, unsigned sub, uint64_t actual,
        uint64_t limit)
{
	return hl_cwire_fail(err, -EINVAL, type, key, sub, actual, limit);
}

/* Header fields and u.rec fields the kind does not use must be 0 (nothing would carry them). */
static int
check_unused(const struct hl_mmsg *m, unsigned type, struct hl_wire_err *err)
{
	uint8_t h = kinds[m->kind].hdr, r = kinds[m->kind].rec;

	if ((!(h & U_N) && m->n != 0) || (!(h & U_STATUS) && m->status != 0))
		return refuse(err, type, 0, 0, m->n != 0 ? m->n : m->status, 0);
	if (!(h & U_CODE) && m->code != 0)
		return refuse(err, type, 0, 0, (uint64_t)(int64_t)m->code, 0);
	if ((!(h & U_T0) && m->t0 != 0) || (!(h & U_FENCE) && m->fence != 0))
		return refuse(err, type, 0, 0, m->t0 != 0 ? m->t0 : m->fence, 0);
	if (r == 0)
		return 0;
	if ((!(r & R_TOKEN) && m->u.rec.token != 0) || (!(r & R_VERSION) && m->u.rec.version != 0))
		return refuse(err, type, 0, 0, m->u.rec.token | m->u.rec.version, 0);
	if (!(r & R_LEN) && m->u.rec.len != 0)
		return refuse(err, type, XK_REC, 0, m->u.rec.len, 0);
	return 0;
}

/* ------------------------------------------------------------------------------- encode */

static int
enc_elect(const struct hl_mmsg *m, unsigned *type, void *buf, size_t cap, size_t *len,
        struct hl_wire_err *err)
{
	const struct hl_elect_msg *e = &m->u.e;
	unsigned t = elect_type(e->kind);
	struct hl_elect_msg c;

	if (t == 0)
		return refuse(err, 0, 0, 0, (uint64_t)e->kind, HL_ELECT_HEARTBEAT_ACK);
	/* The election message names its sender (the wire's candidate / voter / leader / node
	 * field, never 0); the envelope's is the same node. */
	if (e->from == 0 || e->from != m->from)
		return refuse(err, t, sender_key(t), 0, e->from, m->from);
	if (e->to != 0 && e->to != m->to)
		return refuse(err, t, 33, 0, e->to, m->to);
	memset(&c, 0, sizeof(c));
	c.kind = e->kind;
	c.from = e->from;
	c.term = e->term;
	switch (e->kind) {
	case HL_ELECT_PREVOTE_REQ:
	case HL_ELECT_VOTE_REQ:
		if (e->lhm > HL_LHM_MAX) /* elect_wire would clamp it */
			return refuse(err, t, 5, 0, e->lhm, HL_LHM_MAX);
		c.lhm = e->lhm;
		break;
	case HL_ELECT_PREVOTE_RESP:
	case HL_ELECT_VOTE_RESP:
		c.granted = e->granted;
		break;
	case HL_ELECT_HEARTBEAT:
		c.seq = e->seq;
		break;
	case HL_ELECT_HEARTBEAT_ACK:
		c.seq = e->seq;
		c.granted = e->granted;
		break;
	}
	/* lease_ms: the envelope has none (informational; hl_elect does not read it). */
	return hl_elect_wire_encode_ext(&c, HL_TIER_MANAGER, 0, m->to, type, buf, cap, len, err);
}

static int
enc_dc(const struct hl_mmsg *m, const void *spec, size_t spec_len, unsigned *type, void *buf,
        size_t cap, size_t *len, struct hl_wire_err *err)
{
	const struct hl_dc_msg *d = &m->u.d;
	/* A message relayed by another node (an orphaned result forwarded to its job leader):
	 * the relay's own sender/addressee beside the message's. 0 cannot say "differs". */
	uint64_t rs = m->from != d->from ? m->from : 0;
	uint64_t rd = m->to != d->to ? m->to : 0;

	if ((m->from != d->from && m->from == 0) || (m->to != d->to && m->to == 0))
		return refuse(err, 0, XK_RELAY_SENDER + (m->from == d->from), 0, 0, 1);
	return hl_dc_wire_encode_ext(d, rs, rd, spec, spec_len, type, buf, cap, len, err);
}

static int
enc_lease(const struct hl_mmsg *m, union mw_buf *u, unsigned t, struct hl_wire_err *err)
{
	struct hl_msg_lease_renew *w = &u->lr; /* the three share one layout */

	w->tier = HL_TIER_MANAGER;
	if (m->kind == HL_MM_GRANT) {
		const struct hl_lease_grant *g = &m->u.g;
		/* A grant is for its addressee. */
		if (g->holder != m->to)
			return refuse(err, t, K_LEASES, 5, g->holder, m->to);
		if (g->duration_ns % MS != 0 || g->duration_ns / MS > HL_WIRE_U32)
			return refuse(err, t, K_LEASES, 3, g->duration_ns, HL_WIRE_U32 * MS);
		w->term = g->token >> 32; /* informational: the token's term */
		w->holder = m->to;
		w->sender = m->from;
		w->leases.n = 1;
		w->leases.v[0].job_id = g->job;
		w->leases.v[0].token = g->token;
		w->leases.v[0].ttl_ms = g->duration_ns / MS;
		w->leases.v[0].holder = g->holder;
		w->sent_ns = m->t0;
		return 0;
	}
	if (m->n == 0 || m->n > (m->kind == HL_MM_RENEW ? HL_MANAGER_BATCH : 1))
		return refuse(
		        err, t, K_LEASES, 0, m->n, m->kind == HL_MM_RENEW ? HL_MANAGER_BATCH : 1);
	w->term = m->u.refs[0].token >> 32;
	w->holder = m->from;
	w->dest = m->to;
	w->leases.n = m->n;
	for (uint32_t i = 0; i < m->n; i++) {
		w->leases.v[i].job_id = m->u.refs[i].job;
		w->leases.v[i].token = m->u.refs[i].token;
	}
	w->sent_ns = m->t0; /* RENEW (0 in a RELEASE: check_unused) */
	return 0;
}

static int
enc_rec(const struct hl_mmsg *m, const void *spec, size_t spec_len, union mw_buf *u, unsigned t,
        struct hl_wire_err *err)
{
	uint64_t code;

	switch (m->kind) {
	case HL_MM_REC_PUT:
	case HL_MM_REC_DATA:
		if (m->u.rec.len > HL_JREC_BODY_MAX)
			return hl_cwire_fail(
			        err, -HL_E_OVERSIZE, t, XK_REC, 0, m->u.rec.len, HL_JREC_BODY_MAX);
		if (m->status > 1)
			return refuse(err, t, XK_KIND, 0, m->status, 1);
		if (spec_len > HL_WIRE_SPEC_MAX)
			return hl_cwire_fail(
			        err, -HL_E_OVERSIZE, t, K_SPEC, 0, spec_len, HL_WIRE_SPEC_MAX);
		u->ra.tier = HL_TIER_MANAGER;
		u->ra.term = m->u.rec.token >> 32; /* informational */
		u->ra.job_id = m->u.rec.job;
		u->ra.token = m->u.rec.token;
		u->ra.version = m->u.rec.version;
		u->ra.status = HL_WS_NONE; /* required by the table; the record body holds it */
		u->ra.sender = m->from;
		u->ra.dest = m->to;
		u->ra.kind = m->status; /* REC_DATA: 1 = the job finished */
		u->ra.coord_type = HL_MANAGER_WIRE_CTYPE(m->kind);
		u->ra.mgr_rec = (struct hl_wire_view){m->body, m->u.rec.len};
		u->ra.fence = m->fence;
		u->ra.spec = (struct hl_wire_view){spec, (uint32_t)spec_len};
		return 0;
	case HL_MM_REC_ACK:
		if (hl_cwire_code_put(m->code, &code) < 0)
			return refuse(err, t, 6, 0, (uint64_t)(int64_t)m->code, HL_WIRE_U16);
		u->rk.job_id = m->u.rec.job;
		u->rk.token = m->u.rec.token;
		u->rk.version = m->u.rec.version;
		u->rk.node = m->from;
		u->rk.ok = m->code == 0; /* informational: code is the outcome */
		u->rk.code = code;
		u->rk.dest = m->to;
		u->rk.coord_type = HL_MANAGER_WIRE_CTYPE(m->kind);
		return 0;
	case HL_MM_REC_FETCH:
		u->rf.tier = HL_TIER_MANAGER;
		u->rf.term = m->fence >> 32; /* informational */
		u->rf.requester = m->from;
		u->rf.job_id = m->u.rec.job;
		u->rf.dest = m->to;
		u->rf.token = m->fence;
		u->rf.coord_type = HL_MANAGER_WIRE_CTYPE(m->kind);
		return 0;
	case HL_MM_REC_FORGET:
		/* code is the job's final status when known (no error): it travels as a status */
		if (m->code < 0 || m->code > HL_WS_MAX)
			return refuse(err, t, 34, 0, (uint64_t)(int64_t)m->code, HL_WS_MAX);
		if (m->status > 1)
			return refuse(err, t, XK_KIND, 0, m->status, 1);
		u->rg.job_id = m->u.rec.job;
		u->rg.node = m->from;
		u->rg.token = m->fence;
		u->rg.dest = m->to;
		u->rg.status = (uint64_t)m->code;
		u->rg.kind = m->status;
		u->rg.coord_type = HL_MANAGER_WIRE_CTYPE(m->kind);
		return 0;
	case HL_MM_ORPHAN:
		u->ro.job_id = m->u.rec.job;
		u->ro.leader = m->u.rec.leader;
		u->ro.node = m->from;
		u->ro.dest = m->to;
		u->ro.coord_type = HL_MANAGER_WIRE_CTYPE(m->kind);
		return 0;
	}
	return refuse(err, t, 0, 0, m->kind, 0);
}

/* The DC tier leader passes a gate's DC_SUBMIT (re-point) or DC_RESULT_ACK to the job leader:
 * on the gate's own wire message, coord_type 140, the gate job leader in `leader`. */
static int
enc_gate(const struct hl_mmsg *m, union mw_buf *u, unsigned *t, struct hl_wire_err *err)
{
	uint64_t code;

	if (m->u.gate.type == HL_GM_DC_SUBMIT)
		*t = HL_MSG_job_submit;
	else if (m->u.gate.type == HL_GM_DC_RESULT_ACK)
		*t = HL_MSG_job_result_ack;
	else
		return refuse(err, 0, XK_CTYPE, 0, m->u.gate.type, HL_GM_DC_RESULT_ACK);
	if (hl_cwire_code_put(m->u.gate.code, &code) < 0)
		return refuse(err, *t, XK_CODE, 0, (uint64_t)(int64_t)m->u.gate.code, HL_WIRE_U16);
	if (*t == HL_MSG_job_submit) {
		u->sub.job_id = m->u.gate.job;
		u->sub.token = m->u.gate.token;
		u->sub.sender = m->from;
		u->sub.dest = m->to;
		u->sub.code = code;
		u->sub.leader = m->u.gate.gate;
		u->sub.kind = m->u.gate.kind;
		u->sub.coord_type = HL_MANAGER_WIRE_CTYPE(HL_MM_GATE);
	} else {
		u->jra.job_id = m->u.gate.job;
		u->jra.token = m->u.gate.token;
		u->jra.sender = m->from;
		u->jra.dest = m->to;
		u->jra.code = code;
		u->jra.leader = m->u.gate.gate;
		u->jra.coord_type = HL_MANAGER_WIRE_CTYPE(HL_MM_GATE);
	}
	return 0;
}

int
hl_manager_wire_encode(const struct hl_mmsg *m, const void *spec, size_t spec_len, unsigned *type,
        void *buf, size_t cap, size_t *len, struct hl_wire_err *err)
{
	union mw_buf u;
	unsigned t;
	int rc;

	*len = 0;
	if (m->kind == 0 || m->kind >= HL_MM_KIND_MAX_)
		return refuse(err, 0, 0, 0, m->kind, HL_MM_KIND_MAX_ - 1);
	if (spec_len > 0 && spec == NULL)
		return refuse(err, 0, 0, 0, spec_len, 0);
	t = kinds[m->kind].type;
	if (m->kind == HL_MM_DC)
		t = m->u.d.kind == HL_DC_DISPATCH ? HL_MSG_workflow_dispatch : 0;
	else if (m->kind == HL_MM_ELECT)
		t = elect_type(m->u.e.kind);
	/* Only record puts/data and dispatches carry a host payload (dc_wire.c refuses one in
	 * another DC kind, naming the dispatch's key). */
	if (spec_len > 0 && m->kind != HL_MM_REC_PUT && m->kind != HL_MM_REC_DATA &&
	        m->kind != HL_MM_DC)
		return refuse(err, t, 0, 0, spec_len, 0);
	if ((rc = check_unused(m, t, err)) < 0)
		return rc;
	if (m->kind == HL_MM_ELECT)
		return enc_elect(m, type, buf, cap, len, err);
	if (m->kind == HL_MM_DC)
		return enc_dc(m, spec, spec_len, type, buf, cap, len, err);
	memset(&u, 0, sizeof(u));
	if (m->kind == HL_MM_GATE)
		rc = enc_gate(m, &u, &t, err);
	else if (m->kind <= HL_MM_RELEASE)
		rc = enc_lease(m, &u, t, err);
	else
		rc = enc_rec(m, spec, spec_len, &u, t, err);
	if (rc < 0)
		return rc;
	*type = t;
	return hl_msg_encode(t, &u, buf, cap, len, err);
}

/* ------------------------------------------------------------------------------- decode */

/* A message without a tier field of its own: a gate's (coord_type absent or below 128:
 * -HL_E_UNKNOWN_MSG), the manager kind `kind`, or malformed. */
static int
want_ctype(unsigned type, uint64_t ct, unsigned kind, struct hl_wire_err *err)
{
	if (ct < HL_MANAGER_WIRE_CTYPE(0))
		return hl_cwire_fail(
		        err, -HL_E_UNKNOWN_MSG, type, XK_CTYPE, 0, ct, HL_MANAGER_WIRE_CTYPE(0));
	if (ct != HL_MANAGER_WIRE_CTYPE(kind))
		return hl_cwire_fail(
		        err, -HL_E_BAD_VALUE, type, XK_CTYPE, 0, ct, HL_MANAGER_WIRE_CTYPE(kind));
	return 0;
}

/* A message with a tier field: another tier's is no manager message. */
static int
want_tier(unsigned type, uint64_t tier, unsigned key, struct hl_wire_err *err)
{
	if (tier != HL_TIER_MANAGER)
		return hl_cwire_fail(err, -HL_E_UNKNOWN_MSG, type, key, 0, tier, HL_TIER_MANAGER);
	return 0;
}

static int
dec_elect(unsigned type, const void *body, size_t len, struct hl_mmsg *m, struct hl_wire_err *err)
{
	unsigned tier;
	uint64_t dest;
	int rc;

	if ((rc = hl_elect_wire_decode_ext(type, body, len, &m->u.e, &tier, &dest, err)) < 0)
		return rc;
	if ((rc = want_tier(
	             type, tier, type == HL_MSG_leader_heartbeat_ack ? XK_TIER : K_TIER, err)) < 0)
		return rc;
	m->kind = HL_MM_ELECT;
	m->from = m->u.e.from;
	m->to = dest;
	m->u.e.to = dest;
	m->u.e.lhm = m->u.e.kind == HL_ELECT_HEARTBEAT_ACK ? 0 : m->u.e.lhm; /* not read: canon */
	return 0;
}

static int
dec_dc(unsigned type, const void *body, size_t len, struct hl_mmsg *m, const uint8_t **spec,
        size_t *spec_len, struct hl_wire_err *err)
{
	uint64_t rs, rd;
	int rc;

	if ((rc = hl_dc_wire_decode_ext(type, body, len, &m->u.d, &rs, &rd, spec, spec_len, err)) <
	        0)
		return rc;
	m->kind = HL_MM_DC;
	m->from = rs != 0 ? rs : m->u.d.from;
	m->to = rd != 0 ? rd : m->u.d.to;
	return 0;
}

static int
dec_lease(unsigned type, const union mw_buf *u, struct hl_mmsg *m, struct hl_wire_err *err)
{
	const struct hl_msg_lease_renew *w = &u->lr;
	uint32_t max = type == HL_MSG_lease_renew ? HL_MANAGER_BATCH : 1;
	int rc;

	if ((rc = want_tier(type, w->tier, K_TIER, err)) < 0)
		return rc;
	if (w->leases.n == 0 || w->leases.n > max)
		return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, K_LEASES, 0, w->leases.n, max);
	if (type == HL_MSG_lease_grant) {
		const struct hl_rec_lease_rec *r = &w->leases.v[0];
		if (r->holder != 0 && r->holder != w->holder)
			return hl_cwire_fail(
			        err, -HL_E_BAD_VALUE, type, K_LEASES, 5, r->holder, w->holder);
		m->kind = HL_MM_GRANT;
		m->from = w->sender;
		m->to = w->holder;
		m->t0 = w->sent_ns;
		/* ttl_ms is bounded by the table (HL_WIRE_U32): no overflow */
		m->u.g = (struct hl_lease_grant){r->job_id, w->holder, r->token, r->ttl_ms * MS};
		return 0;
	}
	m->kind = type == HL_MSG_lease_renew ? HL_MM_RENEW : HL_MM_RELEASE;
	m->from = w->holder;
	m->to = w->dest;
	m->n = (uint8_t)w->leases.n;
	m->t0 = type == HL_MSG_lease_renew ? w->sent_ns : 0;
	for (uint32_t i = 0; i < w->leases.n; i++) {
		m->u.refs[i].job = w->leases.v[i].job_id;
		m->u.refs[i].token = w->leases.v[i].token;
	}
	return 0;
}

static int
dec_rec(unsigned type, const union mw_buf *u, struct hl_mmsg *m, const uint8_t **spec,
        size_t *spec_len, struct hl_wire_err *err)
{
	int rc;

	switch (type) {
	case HL_MSG_job_record_append:
		if ((rc = want_tier(type, u->ra.tier, K_TIER, err)) < 0)
			return rc;
		if (u->ra.coord_type == HL_MANAGER_WIRE_CTYPE(HL_MM_REC_PUT)) {
			m->kind = HL_MM_REC_PUT;
		} else if (u->ra.coord_type == HL_MANAGER_WIRE_CTYPE(HL_MM_REC_DATA)) {
			m->kind = HL_MM_REC_DATA;
			if (u->ra.kind > 1)
				return hl_cwire_fail(
				        err, -HL_E_BAD_VALUE, type, XK_KIND, 0, u->ra.kind, 1);
			m->status = (uint8_t)u->ra.kind;
			m->fence = u->ra.fence;
		} else {
			return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, XK_CTYPE, 0,
			        u->ra.coord_type, HL_MANAGER_WIRE_CTYPE(HL_MM_REC_PUT));
		}
		m->from = u->ra.sender;
		m->to = u->ra.dest;
		m->u.rec.job = u->ra.job_id;
		m->u.rec.token = u->ra.token;
		m->u.rec.version = u->ra.version;
		/* The table bounds it (HL_WIRE_MGR_REC_MAX == HL_JREC_BODY_MAX). */
		m->u.rec.len = u->ra.mgr_rec.len;
		if (u->ra.mgr_rec.len > 0) /* an absent body is a NULL view */
			memcpy(m->body, u->ra.mgr_rec.p, u->ra.mgr_rec.len);
		if (u->ra.spec.len > 0) {
			*spec = u->ra.spec.p;
			*spec_len = u->ra.spec.len;
		}
		return 0;
	case HL_MSG_job_record_ack:
		if ((rc = want_ctype(type, u->rk.coord_type, HL_MM_REC_ACK, err)) < 0)
			return rc;
		m->kind = HL_MM_REC_ACK;
		m->from = u->rk.node;
		m->to = u->rk.dest;
		m->u.rec.job = u->rk.job_id;
		m->u.rec.token = u->rk.token;
		m->u.rec.version = u->rk.version;
		m->code = -(int32_t)u->rk.code; /* the table bounds it (HL_WIRE_U16) */
		return 0;
	case HL_MSG_job_record_fetch:
		if ((rc = want_tier(type, u->rf.tier, K_TIER, err)) < 0)
			return rc;
		/* the tier says manager: any other coord_type is malformed, not a gate's */
		if (u->rf.coord_type != HL_MANAGER_WIRE_CTYPE(HL_MM_REC_FETCH))
			return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, XK_CTYPE, 0,
			        u->rf.coord_type, HL_MANAGER_WIRE_CTYPE(HL_MM_REC_FETCH));
		m->kind = HL_MM_REC_FETCH;
		m->from = u->rf.requester;
		m->to = u->rf.dest;
		m->u.rec.job = u->rf.job_id;
		m->fence = u->rf.token;
		return 0;
	case HL_MSG_job_record_forget:
		if ((rc = want_ctype(type, u->rg.coord_type, HL_MM_REC_FORGET, err)) < 0)
			return rc;
		if (u->rg.kind > 1)
			return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, XK_KIND, 0, u->rg.kind, 1);
		m->kind = HL_MM_REC_FORGET;
		m->from = u->rg.node;
		m->to = u->rg.dest;
		m->u.rec.job = u->rg.job_id;
		m->fence = u->rg.token;
		m->status = (uint8_t)u->rg.kind;
		m->code = (int32_t)u->rg.status; /* the table bounds it (HL_WS_MAX) */
		return 0;
	case HL_MSG_job_record_orphan:
		if ((rc = want_ctype(type, u->ro.coord_type, HL_MM_ORPHAN, err)) < 0)
			return rc;
		m->kind = HL_MM_ORPHAN;
		m->from = u->ro.node;
		m->to = u->ro.dest;
		m->u.rec.job = u->ro.job_id;
		m->u.rec.leader = u->ro.leader;
		return 0;
	}
	return hl_cwire_fail(err, -HL_E_UNKNOWN_MSG, type, 0, 0, type, 0);
}

static int
dec_gate(unsigned type, const union mw_buf *u, struct hl_mmsg *m, struct hl_wire_err *err)
{
	bool sub = type == HL_MSG_job_submit;
	int rc;

	if ((rc = want_ctype(type, sub ? u->sub.coord_type : u->jra.coord_type, HL_MM_GATE, err)) <
	        0)
		return rc;
	m->kind = HL_MM_GATE;
	m->from = sub ? u->sub.sender : u->jra.sender;
	m->to = sub ? u->sub.dest : u->jra.dest;
	m->u.gate.type = sub ? HL_GM_DC_SUBMIT : HL_GM_DC_RESULT_ACK;
	m->u.gate.code = -(int32_t)(sub ? u->sub.code : u->jra.code); /* bounded: HL_WIRE_U16 */
	m->u.gate.job = sub ? u->sub.job_id : u->jra.job_id;
	m->u.gate.gate = sub ? u->sub.leader : u->jra.leader;
	m->u.gate.token = sub ? u->sub.token : u->jra.token;
	m->u.gate.kind = sub ? (uint8_t)u->sub.kind : 0; /* bounded: 255 */
	return 0;
}

int
hl_manager_wire_decode(unsigned type, const void *body, size_t len, struct hl_mmsg *m,
        const uint8_t **spec, size_t *spec_len, struct hl_wire_err *err)
{
	union mw_buf u;
	int rc;

	memset(m, 0, sizeof(*m));
	*spec = NULL;
	*spec_len = 0;
	if (hl_dc_wire_type(type)) {
		rc = dec_dc(type, body, len, m, spec, spec_len, err);
		goto out;
	}
	switch (type) {
	case HL_MSG_pre_vote_req:
	case HL_MSG_pre_vote_resp:
	case HL_MSG_vote_req:
	case HL_MSG_vote_resp:
	case HL_MSG_leader_heartbeat:
	case HL_MSG_leader_heartbeat_ack:
		rc = dec_elect(type, body, len, m, err);
		goto out;
	case HL_MSG_lease_grant:
	case HL_MSG_lease_renew:
	case HL_MSG_lease_release:
	case HL_MSG_job_record_append:
	case HL_MSG_job_record_ack:
	case HL_MSG_job_record_fetch:
	case HL_MSG_job_record_forget:
	case HL_MSG_job_record_orphan:
	case HL_MSG_job_submit:
	case HL_MSG_job_result_ack:
		break;
	default:
		return hl_cwire_fail(err, -HL_E_UNKNOWN_MSG, type, 0, 0, type, 0);
	}
	if ((rc = hl_msg_decode(type, body, len, &u, err)) < 0)
		return rc;
	if (type == HL_MSG_lease_grant || type == HL_MSG_lease_renew ||
	        type == HL_MSG_lease_release)
		rc = dec_lease(type, &u, m, err);
	else if (type == HL_MSG_job_submit || type == HL_MSG_job_result_ack)
		rc = dec_gate(type, &u, m, err);
	else
		rc = dec_rec(type, &u, m, spec, spec_len, err);
out:
	if (rc < 0) {
		/* a refused message leaves nothing half-decoded behind */
		memset(m, 0, sizeof(*m));
		*spec = NULL;
		*spec_len = 0;
	}
	return rc;
}
