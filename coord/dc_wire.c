/* dc_wire.c — struct hl_dc_msg <-> lib/wire DC tier messages, driven by one placement table per
 * kind (which struct field goes in which key), plus the placement helpers gate_wire.c shares. */
#include <errno.h>
#include <string.h>

#include "hl_dc_wire.h"
#include "hl_err.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ placement helpers */

int
hl_cwire_fail(struct hl_wire_err *err, int rc, unsigned type, unsigned key, unsigned sub,
        uint64_t actual, uint64_t limit)
{
	if (err != NULL) {
		hl_wire_err_clear(err);
		err->kind = -rc;
		err->msg_type = (uint16_t)type;
		err->field_key = (uint16_t)key;
		err->sub_key = (uint16_t)sub;
		err->actual = actual;
		err->limit = limit;
	}
	return rc;
}

static const struct hl_wire_field *
field_of(const struct hl_wire_rec *rec, unsigned key)
{
	for (uint32_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].key == key)
			return &rec->fields[i];
	return NULL;
}

int
hl_cwire_at(unsigned type, void *wm, uint8_t key, uint8_t sub, bool enc, uint8_t **p, uint8_t *kind,
        struct hl_wire_err *err)
{
	const struct hl_msg_info *mi = hl_msg_info(type);
	const struct hl_wire_field *f = mi != NULL ? field_of(mi->rec, key) : NULL;
	const struct hl_wire_field *sf;
	uint8_t *s = wm;
	uint32_t n;

	if (f == NULL)
		return hl_cwire_fail(err, -EINVAL, type, key, sub, 0, 0);
	switch (f->kind) {
	case HL_WK_REC:
	case HL_WK_RECL:
	case HL_WK_U64L:
		if (f->kind != HL_WK_REC) {
			/* The core's message names one entry: the list holds exactly that one. */
			if (enc) {
				n = 1;
				memcpy(s + f->off, &n, sizeof(n));
			} else {
				memcpy(&n, s + f->off, sizeof(n));
				if (n != 1)
					return hl_cwire_fail(
					        err, -HL_E_BAD_VALUE, type, key, 0, n, 1);
			}
		}
		if (f->kind == HL_WK_U64L) {
			*p = s + f->off_v;
			*kind = HL_WK_U64;
			return 0;
		}
		if (f->kind == HL_WK_REC && sub == 0) { /* the record itself */
			*p = s + f->off;
			*kind = HL_WK_REC;
			return 0;
		}
		sf = field_of(f->sub, sub);
		if (sf == NULL)
			return hl_cwire_fail(err, -EINVAL, type, key, sub, 0, 0);
		*p = s + (f->kind == HL_WK_REC ? f->off : f->off_v) + sf->off;
		*kind = sf->kind;
		return 0;
	default:
		*p = s + f->off;
		*kind = f->kind;
		return 0;
	}
}

int
hl_cwire_put(uint8_t kind, uint8_t *p, uint64_t v)
{
	if (kind == HL_WK_BOOL) {
		if (v > 1)
			return -EINVAL;
		*(bool *)p = v != 0;
		return 0;
	}
	if (kind != HL_WK_U64)
		return -EINVAL;
	memcpy(p, &v, sizeof(v));
	return 0;
}

uint64_t
hl_cwire_get(uint8_t kind, const uint8_t *p)
{
	uint64_t v = 0;

	if (kind == HL_WK_BOOL)
		return *(const bool *)p ? 1 : 0;
	if (kind == HL_WK_U64)
		memcpy(&v, p, sizeof(v));
	return v;
}

int
hl_cwire_code_put(int32_t code, uint64_t *v)
{
	/* Codes are negative errno / hl_err values; the wire carries them positive (<= 65535). */
	if (code > 0 || code < -(int32_t)HL_WIRE_U16)
		return -EINVAL;
	*v = (uint64_t)(-(int64_t)code);
	return 0;
}

void
hl_cwire_counts_put(struct hl_rec_stream_result *w, const struct hl_counts *c)
{
	w->tx_pkts = c->tx_pkts;
	w->rx_pkts = c->rx_pkts;
	w->lost = c->lost;
}

struct hl_counts
hl_cwire_counts_get(const struct hl_rec_stream_result *w)
{
	return (struct hl_counts){w->tx_pkts, w->rx_pkts, w->lost};
}

/* ------------------------------------------------------------------ DC placement */

enum dc_fld {
	DF_STATUS,
	DF_BP,
	DF_OK,
	DF_CODE,
	DF_FROM,
	DF_TO,
	DF_JOB,
	DF_WF,
	DF_SUB,
	DF_TOKEN,
	DF_LEADER,
	DF_CORES,
	DF_ATTEMPT,
	DF_SEQ,
	DF_DONE,
	DF_DUR,
	DF_N_,
};

/* Extension keys (hl_msg_table.h HL_XF_*). */
enum {
	XK_SENDER = 32,
	XK_DEST = 33,
	XK_STATUS = 34,
	XK_BP = 35,
	XK_ACCEPTED = 36,
	XK_CODE = 37,
	XK_LEADER = 38,
	XK_CORES = 39,
	XK_ATTEMPT = 40,
	XK_SEQ = 41,
	XK_DONE = 42,
	XK_DUR = 43,
	XK_SUB = 44,
	XK_RELAY_SENDER = 60, /* a relayed message: the relaying node (manager_wire.c) */
	XK_RELAY_DEST = 61,
};

struct dc_map {
	uint8_t kind; /* enum hl_dc_kind */
	uint16_t type; /* wire type */
	struct hl_cwire_slot s[DF_N_];
};

/* Every kind places all DF_N_ fields exactly once (tests/unit/coord/test_dc_wire.c checks the
 * round trip of each with every field set). */
static const struct dc_map dc_maps[] = {
        {HL_DC_DISPATCH, HL_MSG_workflow_dispatch,
                {{DF_JOB, 1, 0}, {DF_WF, 2, 0}, {DF_SUB, 3, 0}, {DF_TOKEN, 4, 0}, {DF_LEADER, 5, 0},
                        {DF_ATTEMPT, 6, 0}, {DF_CORES, 7, 0}, {DF_FROM, XK_SENDER, 0},
                        {DF_TO, XK_DEST, 0}, {DF_STATUS, XK_STATUS, 0}, {DF_BP, XK_BP, 0},
                        {DF_OK, XK_ACCEPTED, 0}, {DF_CODE, XK_CODE, 0}, {DF_SEQ, XK_SEQ, 0},
                        {DF_DONE, XK_DONE, 0}, {DF_DUR, XK_DUR, 0}}},
        {HL_DC_DISPATCH_ACK, HL_MSG_workflow_dispatch_ack,
                {{DF_JOB, 1, 0}, {DF_WF, 2, 0}, {DF_SUB, 3, 0}, {DF_TOKEN, 4, 0}, {DF_FROM, 5, 0},
                        {DF_OK, 6, 0}, {DF_CODE, 7, 0}, {DF_CORES, 8, 0}, {DF_TO, XK_DEST, 0},
                        {DF_STATUS, XK_STATUS, 0}, {DF_BP, XK_BP, 0}, {DF_LEADER, XK_LEADER, 0},
                        {DF_ATTEMPT, XK_ATTEMPT, 0}, {DF_SEQ, XK_SEQ, 0}, {DF_DONE, XK_DONE, 0},
                        {DF_DUR, XK_DUR, 0}}},
        {HL_DC_PROGRESS, HL_MSG_workflow_progress,
                {{DF_JOB, 1, 0}, {DF_WF, 2, 0}, {DF_SUB, 3, 0}, {DF_TOKEN, 4, 0}, {DF_SEQ, 5, 0},
                        {DF_FROM, 6, 0}, {DF_STATUS, 9, 0}, {DF_TO, XK_DEST, 0}, {DF_BP, XK_BP, 0},
                        {DF_OK, XK_ACCEPTED, 0}, {DF_CODE, XK_CODE, 0}, {DF_LEADER, XK_LEADER, 0},
                        {DF_CORES, XK_CORES, 0}, {DF_ATTEMPT, XK_ATTEMPT, 0}, {DF_DONE, XK_DONE, 0},
                        {DF_DUR, XK_DUR, 0}}},
        {HL_DC_PROGRESS_ACK, HL_MSG_progress_ack,
                {{DF_JOB, 1, 0}, {DF_WF, 2, 0}, {DF_SUB, 3, 0}, {DF_SEQ, 4, 0}, {DF_BP, 5, 0},
                        {DF_LEADER, 8, 0}, {DF_TOKEN, 9, 0}, {DF_FROM, XK_SENDER, 0},
                        {DF_TO, XK_DEST, 0}, {DF_STATUS, XK_STATUS, 0}, {DF_OK, XK_ACCEPTED, 0},
                        {DF_CODE, XK_CODE, 0}, {DF_CORES, XK_CORES, 0}, {DF_ATTEMPT, XK_ATTEMPT, 0},
                        {DF_DONE, XK_DONE, 0}, {DF_DUR, XK_DUR, 0}}},
        {HL_DC_RESULT, HL_MSG_workflow_result,
                {{DF_JOB, 1, 0}, {DF_WF, 2, 0}, {DF_SUB, 3, 0}, {DF_TOKEN, 4, 0}, {DF_FROM, 5, 0},
                        {DF_STATUS, 6, 0}, {DF_CODE, 7, 0}, {DF_CORES, 11, 0}, {DF_ATTEMPT, 12, 0},
                        {DF_TO, XK_DEST, 0}, {DF_BP, XK_BP, 0}, {DF_OK, XK_ACCEPTED, 0},
                        {DF_LEADER, XK_LEADER, 0}, {DF_SEQ, XK_SEQ, 0}, {DF_DONE, XK_DONE, 0},
                        {DF_DUR, XK_DUR, 0}}},
        {HL_DC_RESULT_ACK, HL_MSG_workflow_result_ack,
                {{DF_JOB, 1, 0}, {DF_WF, 2, 0}, {DF_SUB, 3, 0}, {DF_TOKEN, 4, 0}, {DF_LEADER, 5, 0},
                        {DF_FROM, XK_SENDER, 0}, {DF_TO, XK_DEST, 0}, {DF_STATUS, XK_STATUS, 0},
                        {DF_BP, XK_BP, 0}, {DF_OK, XK_ACCEPTED, 0}, {DF_CODE, XK_CODE, 0},
                        {DF_CORES, XK_CORES, 0}, {DF_ATTEMPT, XK_ATTEMPT, 0}, {DF_SEQ, XK_SEQ, 0},
                        {DF_DONE, XK_DONE, 0}, {DF_DUR, XK_DUR, 0}}},
        {HL_DC_TRANSFER, HL_MSG_job_leader_worker_transfer,
                {{DF_JOB, 1, 0}, {DF_LEADER, 2, 1}, {DF_TOKEN, 3, 0}, {DF_WF, 4, 0},
                        {DF_FROM, XK_SENDER, 0}, {DF_TO, XK_DEST, 0}, {DF_STATUS, XK_STATUS, 0},
                        {DF_BP, XK_BP, 0}, {DF_OK, XK_ACCEPTED, 0}, {DF_CODE, XK_CODE, 0},
                        {DF_CORES, XK_CORES, 0}, {DF_ATTEMPT, XK_ATTEMPT, 0}, {DF_SEQ, XK_SEQ, 0},
                        {DF_DONE, XK_DONE, 0}, {DF_DUR, XK_DUR, 0}, {DF_SUB, XK_SUB, 0}}},
        {HL_DC_TRANSFER_ACK, HL_MSG_job_leader_transfer_ack,
                {{DF_JOB, 1, 0}, {DF_TOKEN, 2, 0}, {DF_OK, 3, 0}, {DF_CODE, 4, 0}, {DF_FROM, 5, 0},
                        {DF_WF, 6, 1}, {DF_SUB, 6, 2}, {DF_STATUS, 6, 4}, {DF_TO, XK_DEST, 0},
                        {DF_BP, XK_BP, 0}, {DF_LEADER, XK_LEADER, 0}, {DF_CORES, XK_CORES, 0},
                        {DF_ATTEMPT, XK_ATTEMPT, 0}, {DF_SEQ, XK_SEQ, 0}, {DF_DONE, XK_DONE, 0},
                        {DF_DUR, XK_DUR, 0}}},
        {HL_DC_CANCEL, HL_MSG_job_cancel,
                {{DF_JOB, 1, 0}, {DF_TOKEN, 2, 0}, {DF_WF, 3, 0}, {DF_FROM, XK_SENDER, 0},
                        {DF_TO, XK_DEST, 0}, {DF_STATUS, XK_STATUS, 0}, {DF_BP, XK_BP, 0},
                        {DF_OK, XK_ACCEPTED, 0}, {DF_CODE, XK_CODE, 0}, {DF_LEADER, XK_LEADER, 0},
                        {DF_CORES, XK_CORES, 0}, {DF_ATTEMPT, XK_ATTEMPT, 0}, {DF_SEQ, XK_SEQ, 0},
                        {DF_DONE, XK_DONE, 0}, {DF_DUR, XK_DUR, 0}, {DF_SUB, XK_SUB, 0}}},
        {HL_DC_CANCEL_DONE, HL_MSG_workflow_cancel_done,
                {{DF_JOB, 1, 0}, {DF_WF, 2, 0}, {DF_SUB, 3, 0}, {DF_TOKEN, 4, 0}, {DF_FROM, 5, 0},
                        {DF_TO, XK_DEST, 0}, {DF_STATUS, XK_STATUS, 0}, {DF_BP, XK_BP, 0},
                        {DF_OK, XK_ACCEPTED, 0}, {DF_CODE, XK_CODE, 0}, {DF_LEADER, XK_LEADER, 0},
                        {DF_CORES, XK_CORES, 0}, {DF_ATTEMPT, XK_ATTEMPT, 0}, {DF_SEQ, XK_SEQ, 0},
                        {DF_DONE, XK_DONE, 0}, {DF_DUR, XK_DUR, 0}}},
};

/* The largest DC wire struct (workflow_result: 256 streams, ~40 KiB) lives on the caller's stack
 * for the duration of one call: the control core's stack, not a hot path. */
union dc_wire_buf {
	struct hl_msg_workflow_dispatch d;
	struct hl_msg_workflow_dispatch_ack da;
	struct hl_msg_workflow_progress p;
	struct hl_msg_progress_ack pa;
	struct hl_msg_workflow_result r;
	struct hl_msg_workflow_result_ack ra;
	struct hl_msg_job_leader_worker_transfer t;
	struct hl_msg_job_leader_transfer_ack ta;
	struct hl_msg_job_cancel c;
	struct hl_msg_workflow_cancel_done cd;
};

static const struct dc_map *
map_by_kind(unsigned kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(dc_maps); i++)
		if (dc_maps[i].kind == kind)
			return &dc_maps[i];
	return NULL;
}

static const struct dc_map *
map_by_type(unsigned type)
{
	for (size_t i = 0; i < ARRAY_SIZE(dc_maps); i++)
		if (dc_maps[i].type == type)
			return &dc_maps[i];
	return NULL;
}

bool
hl_dc_wire_type(unsigned type)
{
	return map_by_type(type) != NULL;
}

/* Struct field value (code already made positive by the caller's hl_cwire_code_put). */
static uint64_t
dc_get(const struct hl_dc_msg *m, unsigned f)
{
	switch (f) {
	case DF_STATUS:
		return m->status;
	case DF_BP:
		return m->bp;
	case DF_OK:
		return m->ok;
	case DF_FROM:
		return m->from;
	case DF_TO:
		return m->to;
	case DF_JOB:
		return m->job;
	case DF_WF:
		return m->workflow;
	case DF_SUB:
		return m->sub;
	case DF_TOKEN:
		return m->token;
	case DF_LEADER:
		return m->leader;
	case DF_CORES:
		return m->cores;
	case DF_ATTEMPT:
		return m->attempt;
	case DF_SEQ:
		return m->seq;
	case DF_DONE:
		return m->done;
	case DF_DUR:
		return m->duration_ns;
	}
	return 0;
}

/* Store a decoded value; -ERANGE if it does not fit the struct field. */
static int
dc_set(struct hl_dc_msg *m, unsigned f, uint64_t v)
{
	switch (f) {
	case DF_STATUS:
	case DF_BP:
	case DF_OK:
		if (v > UINT8_MAX)
			return -ERANGE;
		if (f == DF_STATUS)
			m->status = (uint8_t)v;
		else if (f == DF_BP)
			m->bp = (uint8_t)v;
		else
			m->ok = (uint8_t)v;
		return 0;
	case DF_CODE:
		if (v > HL_WIRE_U16)
			return -ERANGE;
		m->code = -(int32_t)v;
		return 0;
	case DF_WF:
	case DF_SUB:
	case DF_CORES:
	case DF_ATTEMPT:
		if (v > UINT32_MAX)
			return -ERANGE;
		if (f == DF_WF)
			m->workflow = (uint32_t)v;
		else if (f == DF_SUB)
			m->sub = (uint32_t)v;
		else if (f == DF_CORES)
			m->cores = (uint32_t)v;
		else
			m->attempt = (uint32_t)v;
		return 0;
	case DF_FROM:
		m->from = v;
		return 0;
	case DF_TO:
		m->to = v;
		return 0;
	case DF_JOB:
		m->job = v;
		return 0;
	case DF_TOKEN:
		m->token = v;
		return 0;
	case DF_LEADER:
		m->leader = v;
		return 0;
	case DF_SEQ:
		m->seq = v;
		return 0;
	case DF_DONE:
		m->done = v;
		return 0;
	case DF_DUR:
		m->duration_ns = v;
		return 0;
	}
	return -EINVAL;
}

int
hl_dc_wire_encode_ext(const struct hl_dc_msg *m, uint64_t relay_sender, uint64_t relay_dest,
        const void *spec, size_t spec_len, unsigned *type, void *buf, size_t cap, size_t *len,
        struct hl_wire_err *err)
{
	const struct dc_map *map = map_by_kind(m->kind);
	union dc_wire_buf u;
	uint8_t *p, kind;
	uint64_t v;
	int rc;

	*len = 0;
	if (map == NULL)
		return hl_cwire_fail(err, -EINVAL, 0, 0, 0, m->kind, 0);
	memset(&u, 0, sizeof(u));
	for (unsigned i = 0; i < DF_N_; i++) {
		const struct hl_cwire_slot *s = &map->s[i];
		if ((rc = hl_cwire_at(map->type, &u, s->key, s->sub, true, &p, &kind, err)) < 0)
			return rc;
		if (s->fld == DF_CODE) {
			if (hl_cwire_code_put(m->code, &v) < 0)
				return hl_cwire_fail(err, -EINVAL, map->type, s->key, s->sub,
				        (uint64_t)(int64_t)m->code, HL_WIRE_U16);
		} else {
			v = dc_get(m, s->fld);
		}
		if (hl_cwire_put(kind, p, v) < 0)
			return hl_cwire_fail(err, -EINVAL, map->type, s->key, s->sub, v, 1);
	}
	/* A slice's packet counts ride its result (workflow_result's totals) and its progress
	 * (counts so far, the last window's p99) only. */
	if (map->type == HL_MSG_workflow_result) {
		hl_cwire_counts_put(&u.r.totals, &m->counts);
	} else if (map->type == HL_MSG_workflow_progress) {
		hl_cwire_counts_put(&u.p.totals, &m->counts);
		u.p.totals.lat_p99_ns = m->p99_ns;
	} else if (!hl_counts_zero(&m->counts) || m->p99_ns != 0) {
		return hl_cwire_fail(err, -EINVAL, map->type, 0, 0, m->counts.tx_pkts, 0);
	}
	/* For readers of the table's own duration field: whole milliseconds (key 43 is exact). */
	if (map->type == HL_MSG_workflow_dispatch)
		u.d.duration_ms = m->duration_ns / 1000000u;
	if (spec_len > 0) {
		if (map->type != HL_MSG_workflow_dispatch || spec == NULL)
			return hl_cwire_fail(err, -EINVAL, map->type, 12, 0, spec_len, 0);
		if (spec_len > HL_WIRE_WF_SPEC_MAX)
			return hl_cwire_fail(err, -HL_E_OVERSIZE, map->type, 12, 0, spec_len,
			        HL_WIRE_WF_SPEC_MAX);
		u.d.spec = (struct hl_wire_view){spec, (uint32_t)spec_len};
	}
	if ((rc = hl_cwire_at(map->type, &u, XK_RELAY_SENDER, 0, true, &p, &kind, err)) < 0 ||
	        (rc = hl_cwire_put(kind, p, relay_sender)) < 0 ||
	        (rc = hl_cwire_at(map->type, &u, XK_RELAY_DEST, 0, true, &p, &kind, err)) < 0 ||
	        (rc = hl_cwire_put(kind, p, relay_dest)) < 0)
		return rc;
	*type = map->type;
	return hl_msg_encode(map->type, &u, buf, cap, len, err);
}

int
hl_dc_wire_encode_err(const struct hl_dc_msg *m, unsigned *type, void *buf, size_t cap, size_t *len,
        struct hl_wire_err *err)
{
	return hl_dc_wire_encode_ext(m, 0, 0, NULL, 0, type, buf, cap, len, err);
}

int
hl_dc_wire_encode(const struct hl_dc_msg *m, unsigned *type, void *buf, size_t cap, size_t *len)
{
	struct hl_wire_err err;

	return hl_dc_wire_encode_err(m, type, buf, cap, len, &err);
}

int
hl_dc_wire_decode_ext(unsigned type, const void *body, size_t len, struct hl_dc_msg *m,
        uint64_t *relay_sender, uint64_t *relay_dest, const uint8_t **spec, size_t *spec_len,
        struct hl_wire_err *err)
{
	const struct dc_map *map = map_by_type(type);
	union dc_wire_buf u;
	uint8_t *p, kind;
	uint64_t v;
	int rc;

	memset(m, 0, sizeof(*m));
	*relay_sender = *relay_dest = 0;
	*spec = NULL;
	*spec_len = 0;
	if (map == NULL)
		return hl_cwire_fail(err, -HL_E_UNKNOWN_MSG, type, 0, 0, type, 0);
	if ((rc = hl_msg_decode(type, body, len, &u, err)) < 0)
		return rc;
	m->kind = map->kind;
	for (unsigned i = 0; i < DF_N_; i++) {
		const struct hl_cwire_slot *s = &map->s[i];
		if ((rc = hl_cwire_at(type, &u, s->key, s->sub, false, &p, &kind, err)) < 0)
			return rc;
		v = hl_cwire_get(kind, p);
		if (dc_set(m, s->fld, v) < 0)
			return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, s->key, s->sub, v,
			        s->fld == DF_CODE ? HL_WIRE_U16 : UINT32_MAX);
	}
	if ((rc = hl_cwire_at(type, &u, XK_RELAY_SENDER, 0, false, &p, &kind, err)) < 0)
		return rc;
	*relay_sender = hl_cwire_get(kind, p);
	if ((rc = hl_cwire_at(type, &u, XK_RELAY_DEST, 0, false, &p, &kind, err)) < 0)
		return rc;
	*relay_dest = hl_cwire_get(kind, p);
	if (type == HL_MSG_workflow_result)
		m->counts = hl_cwire_counts_get(&u.r.totals);
	if (type == HL_MSG_workflow_progress) {
		m->counts = hl_cwire_counts_get(&u.p.totals);
		m->p99_ns = u.p.totals.lat_p99_ns;
	}
	if (type == HL_MSG_workflow_dispatch && u.d.spec.len > 0) {
		*spec = u.d.spec.p;
		*spec_len = u.d.spec.len;
	}
	return 0;
}

int
hl_dc_wire_decode(
        unsigned type, const void *body, size_t len, struct hl_dc_msg *m, struct hl_wire_err *err)
{
	uint64_t rs, rd;
	const uint8_t *spec;
	size_t slen;

	return hl_dc_wire_decode_ext(type, body, len, m, &rs, &rd, &spec, &slen, err);
}
