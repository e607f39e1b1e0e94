/* elect_wire.c — struct hl_elect_msg <-> lib/wire election messages. */
#include <errno.h>
#include <string.h>

#include "hl_dc_wire.h" /* hl_cwire_fail */
#include "hl_elect_wire.h"
#include "hl_err.h"

int
hl_elect_wire_encode_ext(const struct hl_elect_msg *m, unsigned tier, uint64_t lease_ms,
        uint64_t dest, unsigned *type, void *buf, size_t cap, size_t *len, struct hl_wire_err *err)
{
	uint64_t lhm = m->lhm > HL_LHM_MAX ? HL_LHM_MAX : m->lhm; /* still > max_lhm: ineligible */

	switch (m->kind) {
	case HL_ELECT_PREVOTE_REQ:
	case HL_ELECT_VOTE_REQ: {
		struct hl_msg_vote_req v;
		memset(&v, 0, sizeof(v));
		v.tier = tier;
		v.term = m->term;
		v.candidate = m->from;
		v.lhm = lhm;
		v.dest = dest;
		*type = m->kind == HL_ELECT_VOTE_REQ ? HL_MSG_vote_req : HL_MSG_pre_vote_req;
		return hl_msg_encode(*type, &v, buf, cap, len, err);
	}
	case HL_ELECT_PREVOTE_RESP:
	case HL_ELECT_VOTE_RESP: {
		struct hl_msg_vote_resp v;
		memset(&v, 0, sizeof(v));
		v.tier = tier;
		v.term = m->term;
		v.voter = m->from;
		v.granted = m->granted;
		v.dest = dest;
		*type = m->kind == HL_ELECT_VOTE_RESP ? HL_MSG_vote_resp : HL_MSG_pre_vote_resp;
		return hl_msg_encode(*type, &v, buf, cap, len, err);
	}
	case HL_ELECT_HEARTBEAT: {
		struct hl_msg_leader_heartbeat h;
		memset(&h, 0, sizeof(h));
		h.tier = tier;
		h.term = m->term;
		h.leader = m->from;
		h.lease_ms = lease_ms;
		h.seq = m->seq;
		h.dest = dest;
		*type = HL_MSG_leader_heartbeat;
		return hl_msg_leader_heartbeat_encode(&h, buf, cap, len, err);
	}
	case HL_ELECT_HEARTBEAT_ACK: {
		struct hl_msg_leader_heartbeat_ack a;
		memset(&a, 0, sizeof(a));
		a.term = m->term;
		a.node = m->from;
		a.seq = m->seq;
		a.ok = m->granted;
		a.lhm = lhm;
		a.dest = dest;
		a.tier = tier; /* key 57: the ack has no tier field of its own */
		*type = HL_MSG_leader_heartbeat_ack;
		return hl_msg_leader_heartbeat_ack_encode(&a, buf, cap, len, err);
	}
	}
	return hl_cwire_fail(err, -EINVAL, 0, 0, 0, (uint64_t)m->kind, 0);
}

int
hl_elect_wire_encode(const struct hl_elect_msg *m, unsigned tier, uint64_t lease_ms, unsigned *type,
        void *buf, size_t cap, size_t *len)
{
	struct hl_wire_err err;

	return hl_elect_wire_encode_ext(m, tier, lease_ms, 0, type, buf, cap, len, &err);
}

int
hl_elect_wire_decode_ext(unsigned type, const void *body, size_t len, struct hl_elect_msg *m,
        unsigned *tier, uint64_t *dest, struct hl_wire_err *err)
{
	union {
		struct hl_msg_vote_req rq;
		struct hl_msg_vote_resp rs;
		struct hl_msg_leader_heartbeat hb;
		struct hl_msg_leader_heartbeat_ack ack;
	} u;
	uint64_t term;
	unsigned term_key, from_key;
	int rc;

	memset(m, 0, sizeof(*m));
	*tier = 0;
	*dest = 0;
	switch (type) {
	case HL_MSG_pre_vote_req:
	case HL_MSG_vote_req:
		if ((rc = hl_msg_decode(type, body, len, &u.rq, err)) < 0)
			return rc;
		m->kind = type == HL_MSG_vote_req ? HL_ELECT_VOTE_REQ : HL_ELECT_PREVOTE_REQ;
		m->from = u.rq.candidate;
		term = u.rq.term;
		m->lhm = (uint32_t)u.rq.lhm;
		*tier = (unsigned)u.rq.tier;
		*dest = u.rq.dest;
		term_key = 3, from_key = 4;
		break;
	case HL_MSG_pre_vote_resp:
	case HL_MSG_vote_resp:
		if ((rc = hl_msg_decode(type, body, len, &u.rs, err)) < 0)
			return rc;
		m->kind = type == HL_MSG_vote_resp ? HL_ELECT_VOTE_RESP : HL_ELECT_PREVOTE_RESP;
		m->from = u.rs.voter;
		term = u.rs.term;
		m->granted = u.rs.granted;
		*tier = (unsigned)u.rs.tier;
		*dest = u.rs.dest;
		term_key = 2, from_key = 3;
		break;
	case HL_MSG_leader_heartbeat:
		if ((rc = hl_msg_decode(type, body, len, &u.hb, err)) < 0)
			return rc;
		m->kind = HL_ELECT_HEARTBEAT;
		m->from = u.hb.leader;
		term = u.hb.term;
		m->seq = u.hb.seq;
		*tier = (unsigned)u.hb.tier;
		*dest = u.hb.dest;
		term_key = 3, from_key = 4;
		break;
	case HL_MSG_leader_heartbeat_ack:
		if ((rc = hl_msg_decode(type, body, len, &u.ack, err)) < 0)
			return rc;
		m->kind = HL_ELECT_HEARTBEAT_ACK;
		m->from = u.ack.node;
		term = u.ack.term;
		m->seq = u.ack.seq;
		m->granted = u.ack.ok;
		m->lhm = (uint32_t)u.ack.lhm;
		*tier = (unsigned)u.ack.tier;
		*dest = u.ack.dest;
		term_key = 1, from_key = 2;
		break;
	default:
		return hl_cwire_fail(err, -HL_E_UNKNOWN_MSG, type, 0, 0, type, 0);
	}
	if (term > UINT32_MAX)
		return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, term_key, 0, term, UINT32_MAX);
	if (m->from == 0)
		return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, from_key, 0, 0, 1);
	m->term = (uint32_t)term;
	return 0;
}

int
hl_elect_wire_decode(unsigned type, const void *body, size_t len, struct hl_elect_msg *m,
        struct hl_wire_err *err)
{
	unsigned tier;
	uint64_t dest;

	return hl_elect_wire_decode_ext(type, body, len, m, &tier, &dest, err);
}
