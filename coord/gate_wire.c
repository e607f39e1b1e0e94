/* gate_wire.c — struct hl_gmsg <-> lib/wire gate tier and client messages, driven by one
 * placement table per type (which struct field goes in which key; helpers in dc_wire.c). */
#include <errno.h>
#include <string.h>

#include "hl_dc_wire.h"
#include "hl_err.h"
#include "hl_gate_wire.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(HL_IDEM_KEY_MAX == HL_WIRE_IDEM_BIN_MAX, "idempotency key bound differs");
_Static_assert(HL_GATE_JOB_DCS == HL_WIRE_GATE_DCS, "DCs per gate job record bound differs");
_Static_assert(HL_GATE_JOB_REPORTS == HL_WIRE_GATE_REPORTS, "reports per gate job record differ");

enum g_fld {
	GF_KIND,
	GF_STATUS,
	GF_CODE,
	GF_FROM,
	GF_TO,
	GF_JOB,
	GF_TOKEN,
	GF_VERSION,
	GF_SEQ,
	GF_LEADER,
	GF_DC,
	GF_KEY, /* BIN: key[key_len] */
	GF_REC, /* REC gate_rec: the nested struct hl_gate_rec */
	GF_PPM,
	GF_GAP, /* gap_seq */
	GF_REP, /* REC gate_report: the nested struct hl_gate_report */
	GF_REF,
	GF_N_,
};

/* Extension keys (hl_msg_table.h HL_XF_*). */
enum {
	XK_SENDER = 32,
	XK_DEST = 33,
	XK_STATUS = 34,
	XK_CODE = 37,
	XK_LEADER = 38,
	XK_SEQ = 41,
	XK_TOKEN = 45,
	XK_VERSION = 46,
	XK_KIND = 47,
	XK_DC = 48,
	XK_KEY = 49,
	XK_REC = 50,
	XK_CTYPE = 51,
	XK_PPM = 52,
	XK_GAP = 53,
	XK_REP = 54,
	XK_REF = 55,
	XK_SCODE = 56, /* coord_code: a code that is no error, signed, as is */
};

struct g_map {
	uint8_t gm; /* enum hl_gmsg_type */
	uint16_t type; /* wire type */
	uint8_t variant; /* coord_type written (0: none, the wire type's default hl_gmsg type) */
	uint8_t tier_key; /* key of a `tier` field to set to HL_TIER_GATE (checked), 0 = none */
	uint8_t term_key; /* key of a `term` field: token >> 32 (informational), 0 = none */
	struct hl_cwire_slot s[GF_N_];
};

/* The tail most types share: the fields they have no key of their own for. */
/* clang-format off */
#define EXT_D4 \
	{GF_PPM, XK_PPM, 0}, {GF_GAP, XK_GAP, 0}, {GF_REP, XK_REP, 0}, {GF_REF, XK_REF, 0}
#define EXT_COMMON \
	{GF_KIND, XK_KIND, 0}, {GF_DC, XK_DC, 0}, {GF_KEY, XK_KEY, 0}, {GF_REC, XK_REC, 0}, \
	{GF_VERSION, XK_VERSION, 0}, EXT_D4
/* clang-format on */

static const struct g_map g_maps[] = {
        {HL_GM_SUBMIT, HL_MSG_job_submit, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_TOKEN, 10, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_DC_SUBMIT, HL_MSG_job_submit, HL_GM_DC_SUBMIT, 0, 0,
                {{GF_JOB, 1, 0}, {GF_TOKEN, 10, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_SUBMIT_ACK, HL_MSG_job_ack, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_CODE, 4, 0}, {GF_LEADER, 7, 1}, {GF_TOKEN, 8, 0},
                        {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_DC_ACCEPT, HL_MSG_job_ack, HL_GM_DC_ACCEPT, 0, 0,
                {{GF_JOB, 1, 0}, {GF_CODE, 4, 0}, {GF_LEADER, 7, 1}, {GF_TOKEN, 8, 0},
                        {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        /* Lease batches of one lease; holder is the addressee of a grant, the sender of a
         * renewal or release. The lease record's status carries the code. */
        {HL_GM_GRANT, HL_MSG_lease_grant, 0, 1, 2,
                {{GF_TO, 3, 0}, {GF_JOB, 4, 1}, {GF_TOKEN, 4, 2}, {GF_CODE, 4, 4},
                        {GF_FROM, XK_SENDER, 0}, {GF_STATUS, XK_STATUS, 0},
                        {GF_LEADER, XK_LEADER, 0}, {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_RENEW, HL_MSG_lease_renew, 0, 1, 2,
                {{GF_FROM, 3, 0}, {GF_JOB, 4, 1}, {GF_TOKEN, 4, 2}, {GF_CODE, 4, 4},
                        {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_RELEASE, HL_MSG_lease_release, 0, 1, 2,
                {{GF_FROM, 3, 0}, {GF_JOB, 4, 1}, {GF_TOKEN, 4, 2}, {GF_CODE, 4, 4},
                        {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        /* The job leader asks the tier leader to move the lease: from = current holder, to =
         * the gate proposed (0: tier leader picks). */
        {HL_GM_TRANSFER_REQ, HL_MSG_lease_transfer, 0, 1, 2,
                {{GF_FROM, 3, 0}, {GF_LEADER, 4, 0}, {GF_JOB, 5, 1}, {GF_TOKEN, 5, 2},
                        {GF_CODE, 6, 0}, {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_LEADER_NOTE, HL_MSG_job_leader_announce, 0, 2, 5,
                {{GF_JOB, 1, 0}, {GF_LEADER, 4, 0}, {GF_TOKEN, 6, 0}, {GF_FROM, XK_SENDER, 0},
                        {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_COMMITTED, HL_MSG_job_record_commit, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_FROM, 2, 0}, {GF_TOKEN, 3, 0}, {GF_KEY, 4, 0},
                        {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0},
                        {GF_LEADER, XK_LEADER, 0}, {GF_SEQ, XK_SEQ, 0}, {GF_VERSION, XK_VERSION, 0},
                        {GF_KIND, XK_KIND, 0}, {GF_DC, XK_DC, 0}, {GF_REC, XK_REC, 0}, EXT_D4}},
        {HL_GM_REC_PUT, HL_MSG_job_record_append, 0, 1, 2,
                {{GF_JOB, 3, 0}, {GF_TOKEN, 4, 0}, {GF_VERSION, 5, 0}, {GF_STATUS, 6, 0},
                        {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0}, {GF_CODE, XK_CODE, 0},
                        {GF_LEADER, XK_LEADER, 0}, {GF_SEQ, XK_SEQ, 0}, {GF_KIND, XK_KIND, 0},
                        {GF_DC, XK_DC, 0}, {GF_KEY, XK_KEY, 0}, {GF_REC, XK_REC, 0}, EXT_D4}},
        {HL_GM_REC_DATA, HL_MSG_job_record_append, HL_GM_REC_DATA, 1, 2,
                {{GF_JOB, 3, 0}, {GF_TOKEN, 4, 0}, {GF_VERSION, 5, 0}, {GF_STATUS, 6, 0},
                        {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0}, {GF_CODE, XK_CODE, 0},
                        {GF_LEADER, XK_LEADER, 0}, {GF_SEQ, XK_SEQ, 0}, {GF_KIND, XK_KIND, 0},
                        {GF_DC, XK_DC, 0}, {GF_KEY, XK_KEY, 0}, {GF_REC, XK_REC, 0}, EXT_D4}},
        {HL_GM_REC_ACK, HL_MSG_job_record_ack, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_TOKEN, 2, 0}, {GF_VERSION, 3, 0}, {GF_FROM, 4, 0},
                        {GF_CODE, 6, 0}, {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0},
                        {GF_LEADER, XK_LEADER, 0}, {GF_SEQ, XK_SEQ, 0}, {GF_KIND, XK_KIND, 0},
                        {GF_DC, XK_DC, 0}, {GF_KEY, XK_KEY, 0}, {GF_REC, XK_REC, 0}, EXT_D4}},
        {HL_GM_REC_FETCH, HL_MSG_job_record_fetch, 0, 1, 2,
                {{GF_FROM, 3, 0}, {GF_JOB, 4, 0}, {GF_TOKEN, XK_TOKEN, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        /* C.2 key sync: a scan request and its pages ride the record fetch and append. */
        {HL_GM_KEY_FETCH, HL_MSG_job_record_fetch, HL_GM_KEY_FETCH, 1, 2,
                {{GF_FROM, 3, 0}, {GF_JOB, 4, 0}, {GF_TOKEN, XK_TOKEN, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        /* A page end's code is 1 = no more pages: no error, it rides coord_code. */
        {HL_GM_KEY_DATA, HL_MSG_job_record_append, HL_GM_KEY_DATA, 1, 2,
                {{GF_JOB, 3, 0}, {GF_TOKEN, 4, 0}, {GF_VERSION, 5, 0}, {GF_STATUS, 6, 0},
                        {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0}, {GF_CODE, XK_SCODE, 0},
                        {GF_LEADER, XK_LEADER, 0}, {GF_SEQ, XK_SEQ, 0}, {GF_KIND, XK_KIND, 0},
                        {GF_DC, XK_DC, 0}, {GF_KEY, XK_KEY, 0}, {GF_REC, XK_REC, 0}, EXT_D4}},
        {HL_GM_REC_FORGET, HL_MSG_job_record_forget, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_FROM, 2, 0}, {GF_TOKEN, 3, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_ORPHAN, HL_MSG_job_record_orphan, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_FROM, 2, 0}, {GF_TOKEN, 3, 0}, {GF_VERSION, 4, 0},
                        {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0},
                        {GF_LEADER, XK_LEADER, 0}, {GF_SEQ, XK_SEQ, 0}, {GF_KIND, XK_KIND, 0},
                        {GF_DC, XK_DC, 0}, {GF_KEY, XK_KEY, 0}, {GF_REC, XK_REC, 0}, EXT_D4}},
        {HL_GM_DC_RESULT, HL_MSG_job_result, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_TOKEN, 3, 0}, {GF_STATUS, 4, 0}, {GF_CODE, 5, 0},
                        {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_FWD_RESULT, HL_MSG_job_result, HL_GM_FWD_RESULT, 0, 0,
                {{GF_JOB, 1, 0}, {GF_TOKEN, 3, 0}, {GF_STATUS, 4, 0}, {GF_CODE, 5, 0},
                        {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_DC_RESULT_ACK, HL_MSG_job_result_ack, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_TOKEN, 3, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        /* D.4 / D.8: DC progress, reporter outcomes and their ack (the DC name string of
         * job_progress_report and job_result_ack stays empty: the DC is dc_node). */
        {HL_GM_DC_PROGRESS, HL_MSG_job_progress_report, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_TOKEN, 3, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_DC_REPORT, HL_MSG_reporter_result, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_CODE, 4, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_TOKEN, XK_TOKEN, 0}, {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_FWD_REPORT, HL_MSG_reporter_result, HL_GM_FWD_REPORT, 0, 0,
                {{GF_JOB, 1, 0}, {GF_CODE, 4, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_TOKEN, XK_TOKEN, 0}, {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_DC_REPORT_ACK, HL_MSG_job_result_ack, HL_GM_DC_REPORT_ACK, 0, 0,
                {{GF_JOB, 1, 0}, {GF_TOKEN, 3, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_PUSH, HL_MSG_status_push, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_SEQ, 2, 0}, {GF_STATUS, 3, 0}, {GF_FROM, XK_SENDER, 0},
                        {GF_TO, XK_DEST, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_TOKEN, XK_TOKEN, 0}, EXT_COMMON}},
        {HL_GM_PUSH_ACK, HL_MSG_global_result_ack, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_SEQ, 2, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_TOKEN, XK_TOKEN, 0}, EXT_COMMON}},
        {HL_GM_REGISTER, HL_MSG_register_callback, 0, 0, 0,
                {{GF_JOB, 1, 0}, {GF_SEQ, 2, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_TOKEN, XK_TOKEN, 0}, EXT_COMMON}},
        {HL_GM_LEADER_QUERY, HL_MSG_leader_query, 0, 1, 0,
                {{GF_JOB, 2, 0}, {GF_FROM, XK_SENDER, 0}, {GF_TO, XK_DEST, 0},
                        {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0}, {GF_LEADER, XK_LEADER, 0},
                        {GF_TOKEN, XK_TOKEN, 0}, {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
        {HL_GM_LEADER_ANSWER, HL_MSG_leader_reply, 0, 1, 0,
                {{GF_JOB, 2, 0}, {GF_LEADER, 5, 1}, {GF_TOKEN, 7, 0}, {GF_FROM, XK_SENDER, 0},
                        {GF_TO, XK_DEST, 0}, {GF_STATUS, XK_STATUS, 0}, {GF_CODE, XK_CODE, 0},
                        {GF_SEQ, XK_SEQ, 0}, EXT_COMMON}},
};

/* The largest of these (job_result: ~280 KiB since it can carry a result's per-DC and per-worker
 * parts; job_submit: tens of KiB) lives on the caller's stack for one call: control-plane code,
 * not a hot path, on threads with 8 MiB stacks. A DC_RESULT needs only its counts: decoding it
 * into a smaller view is the next step (docs/status.md). */
union g_wire_buf {
	struct hl_msg_job_submit sub;
	struct hl_msg_job_ack ack;
	struct hl_msg_lease_grant lg;
	struct hl_msg_lease_transfer lt;
	struct hl_msg_job_leader_announce la;
	struct hl_msg_job_record_commit rc;
	struct hl_msg_job_record_append ra;
	struct hl_msg_job_record_ack rk;
	struct hl_msg_job_record_fetch rf;
	struct hl_msg_job_record_forget rg;
	struct hl_msg_job_record_orphan ro;
	struct hl_msg_job_result jr;
	struct hl_msg_job_result_ack jra;
	struct hl_msg_status_push sp;
	struct hl_msg_global_result_ack ga;
	struct hl_msg_register_callback rcb;
	struct hl_msg_leader_query lq;
	struct hl_msg_leader_reply lr;
	struct hl_msg_reporter_result rr;
	struct hl_msg_job_progress_report pr;
};

/* A message's counts (struct hl_gmsg totals, p99_ns) ride the `totals` record of job_result (a
 * DC's final result), job_progress_report (a DC's counts so far) and status_push (the job's
 * progress and final pushes); no other type carries them. */
static struct hl_rec_stream_result *
totals_slot(unsigned type, union g_wire_buf *u)
{
	if (type == HL_MSG_job_result)
		return &u->jr.totals;
	if (type == HL_MSG_status_push)
		return &u->sp.totals;
	if (type == HL_MSG_job_progress_report)
		return &u->pr.totals;
	return NULL;
}

static const struct g_map *
map_by_gm(unsigned gm)
{
	for (size_t i = 0; i < ARRAY_SIZE(g_maps); i++)
		if (g_maps[i].gm == gm)
			return &g_maps[i];
	return NULL;
}

/* The entry for a wire type and the coord_type it carried. */
static const struct g_map *
map_by_type(unsigned type, uint64_t variant)
{
	for (size_t i = 0; i < ARRAY_SIZE(g_maps); i++)
		if (g_maps[i].type == type && g_maps[i].variant == variant)
			return &g_maps[i];
	return NULL;
}

bool
hl_gate_wire_type(unsigned type)
{
	return map_by_type(type, 0) != NULL;
}

static uint64_t
g_get(const struct hl_gmsg *m, unsigned f)
{
	switch (f) {
	case GF_KIND:
		return m->kind;
	case GF_STATUS:
		return m->status;
	case GF_FROM:
		return m->from;
	case GF_TO:
		return m->to;
	case GF_JOB:
		return m->job;
	case GF_TOKEN:
		return m->token;
	case GF_VERSION:
		return m->version;
	case GF_SEQ:
		return m->seq;
	case GF_LEADER:
		return m->leader;
	case GF_DC:
		return m->dc;
	case GF_PPM:
		return m->ppm;
	case GF_GAP:
		return m->gap_seq;
	case GF_REF:
		return m->ref;
	}
	return 0;
}

static int
g_set(struct hl_gmsg *m, unsigned f, uint64_t v)
{
	switch (f) {
	case GF_KIND:
	case GF_STATUS:
		if (v > UINT8_MAX)
			return -ERANGE;
		if (f == GF_KIND)
			m->kind = (uint8_t)v;
		else
			m->status = (uint8_t)v;
		return 0;
	case GF_CODE:
		if (v > HL_WIRE_U16)
			return -ERANGE;
		m->code = -(int32_t)v;
		return 0;
	case GF_FROM:
		m->from = v;
		return 0;
	case GF_TO:
		m->to = v;
		return 0;
	case GF_JOB:
		m->job = v;
		return 0;
	case GF_TOKEN:
		m->token = v;
		return 0;
	case GF_VERSION:
		m->version = v;
		return 0;
	case GF_SEQ:
		m->seq = v;
		return 0;
	case GF_LEADER:
		m->leader = v;
		return 0;
	case GF_DC:
		m->dc = v;
		return 0;
	case GF_PPM: /* the table bounds it (HL_WIRE_PPM) */
		if (v > UINT32_MAX)
			return -ERANGE;
		m->ppm = (uint32_t)v;
		return 0;
	case GF_GAP:
		m->gap_seq = v;
		return 0;
	case GF_REF:
		if (v > UINT8_MAX)
			return -ERANGE;
		m->ref = (uint8_t)v;
		return 0;
	}
	return -EINVAL;
}

/* Length of a per-DC list with its trailing zero entries cut (they decode back as zeros). */
static uint32_t
trimmed(const struct hl_gate_rec *r, bool status)
{
	uint32_t n = HL_GATE_JOB_DCS;

	while (n > 0 && (status ? r->dc_status[n - 1] == 0 : r->dcs[n - 1] == 0))
		n--;
	return n;
}

/* A reporter outcome: error 0 or a negative code down to -65535, ok 0 or 1. Returns the
 * offending gate_report key, or 0. */
static unsigned
rep_to_wire(const struct hl_gate_report *r, struct hl_rec_gate_report *w)
{
	uint64_t code;

	if (hl_cwire_code_put(r->error, &code) < 0)
		return 3;
	if (r->ok > 1)
		return 6;
	w->source = r->source;
	w->dc = r->dc;
	w->error = code;
	w->elapsed_ms = r->elapsed_ms;
	w->type = r->type;
	w->ok = r->ok != 0;
	return 0;
}

static void
rep_from_wire(const struct hl_rec_gate_report *w, struct hl_gate_report *r)
{
	/* The table bounds error (HL_WIRE_U16), elapsed_ms (HL_WIRE_U32) and type (HL_WIRE_U16). */
	r->source = w->source;
	r->dc = w->dc;
	r->error = -(int32_t)w->error;
	r->elapsed_ms = (uint32_t)w->elapsed_ms;
	r->type = (uint16_t)w->type;
	r->ok = w->ok;
}

static bool
rep_zero(const struct hl_gate_report *r)
{
	return r->source == 0 && r->dc == 0 && r->error == 0 && r->elapsed_ms == 0 &&
	       r->type == 0 && r->ok == 0;
}

/* Returns 0, or the offending gate_rec key (a report's own key in *sub, its value in *actual and
 * bound in *limit). */
static unsigned
rec_to_wire(const struct hl_gate_rec *r, struct hl_rec_gate_rec *w, unsigned *sub, uint64_t *actual,
        uint64_t *limit)
{
	*sub = 0;
	if (r->key_len > HL_IDEM_KEY_MAX) {
		*actual = r->key_len, *limit = HL_IDEM_KEY_MAX;
		return 5;
	}
	if (r->ndc > HL_GATE_JOB_DCS) {
		*actual = r->ndc, *limit = HL_GATE_JOB_DCS;
		return 6;
	}
	if (r->final > HL_WS_MAX) {
		*actual = r->final, *limit = HL_WS_MAX;
		return 7;
	}
	if (r->nrep > HL_GATE_JOB_REPORTS) {
		*actual = r->nrep, *limit = HL_GATE_JOB_REPORTS;
		return 10;
	}
	w->job_id = r->job;
	w->client = r->client;
	w->token = r->token;
	w->version = r->version;
	w->idem = (struct hl_wire_view){r->key, r->key_len};
	w->ndc = r->ndc;
	w->final = r->final;
	w->dcs.n = trimmed(r, false);
	w->dc_status.n = trimmed(r, true);
	for (uint32_t i = 0; i < HL_GATE_JOB_DCS; i++) {
		if (r->dc_status[i] > HL_WS_MAX) {
			*actual = r->dc_status[i], *limit = HL_WS_MAX;
			return 9;
		}
		w->dcs.v[i] = r->dcs[i];
		w->dc_status.v[i] = r->dc_status[i];
	}
	/* Every entry travels, not only the first nrep: entries past it round-trip too; trailing
	 * all-zero entries are cut (they decode back as zeros). */
	w->dc_totals.n = HL_GATE_JOB_DCS;
	while (w->dc_totals.n > 0 && hl_counts_zero(&r->dc_totals[w->dc_totals.n - 1]))
		w->dc_totals.n--;
	for (uint32_t i = 0; i < w->dc_totals.n; i++) {
		w->dc_totals.v[i].tx_pkts = r->dc_totals[i].tx_pkts;
		w->dc_totals.v[i].rx_pkts = r->dc_totals[i].rx_pkts;
		w->dc_totals.v[i].lost = r->dc_totals[i].lost;
	}
	if (r->cancel > 1) {
		*actual = r->cancel, *limit = 1;
		return 13;
	}
	w->cancel = r->cancel;
	w->nrep = r->nrep;
	w->reps.n = HL_GATE_JOB_REPORTS;
	while (w->reps.n > 0 && rep_zero(&r->rep[w->reps.n - 1]))
		w->reps.n--;
	for (uint32_t i = 0; i < w->reps.n; i++) {
		if ((*sub = rep_to_wire(&r->rep[i], &w->reps.v[i])) != 0) {
			*actual = *sub == 3 ? (uint64_t)(int64_t)r->rep[i].error : r->rep[i].ok;
			*limit = *sub == 3 ? HL_WIRE_U16 : 1;
			return 11;
		}
	}
	return 0;
}

/* The table bounds lengths, ndc and final; per-DC statuses are checked here. Returns the
 * offending record key, or 0. */
static unsigned
rec_from_wire(const struct hl_rec_gate_rec *w, struct hl_gate_rec *r)
{
	r->job = w->job_id;
	r->client = w->client;
	r->token = w->token;
	r->version = w->version;
	if (w->idem.len > 0) /* an absent key is a NULL view */
		memcpy(r->key, w->idem.p, w->idem.len);
	r->key_len = (uint8_t)w->idem.len;
	r->ndc = (uint8_t)w->ndc;
	r->final = (uint8_t)w->final;
	for (uint32_t i = 0; i < w->dcs.n; i++)
		r->dcs[i] = w->dcs.v[i];
	for (uint32_t i = 0; i < w->dc_status.n; i++) {
		if (w->dc_status.v[i] > HL_WS_MAX)
			return 9;
		r->dc_status[i] = (uint8_t)w->dc_status.v[i];
	}
	for (uint32_t i = 0; i < w->dc_totals.n; i++) /* the table bounds n (HL_WIRE_GATE_DCS) */
		r->dc_totals[i] = (struct hl_counts){w->dc_totals.v[i].tx_pkts,
		        w->dc_totals.v[i].rx_pkts, w->dc_totals.v[i].lost};
	r->cancel = w->cancel;
	r->nrep = (uint8_t)w->nrep; /* the table bounds nrep and the list (HL_WIRE_GATE_REPORTS) */
	for (uint32_t i = 0; i < w->reps.n; i++)
		rep_from_wire(&w->reps.v[i], &r->rep[i]);
	return 0;
}

static void
field_ptr(unsigned type, void *wm, unsigned key, uint8_t **p)
{
	uint8_t kind;

	if (hl_cwire_at(type, wm, (uint8_t)key, 0, true, p, &kind, NULL) < 0)
		*p = NULL;
}

int
hl_gate_wire_encode_err(const struct hl_gmsg *m, unsigned *type, void *buf, size_t cap, size_t *len,
        struct hl_wire_err *err)
{
	const struct g_map *map = map_by_gm(m->type);
	union g_wire_buf u;
	uint8_t *p, kind;
	uint64_t v;
	int rc;

	*len = 0;
	if (map == NULL)
		return hl_cwire_fail(err, -EINVAL, 0, 0, 0, m->type, 0);
	memset(&u, 0, sizeof(u));
	for (unsigned i = 0; i < GF_N_; i++) {
		const struct hl_cwire_slot *s = &map->s[i];
		if ((rc = hl_cwire_at(map->type, &u, s->key, s->sub, true, &p, &kind, err)) < 0)
			return rc;
		if (s->fld == GF_KEY) {
			if (m->key_len > HL_IDEM_KEY_MAX)
				return hl_cwire_fail(err, -EINVAL, map->type, s->key, 0, m->key_len,
				        HL_IDEM_KEY_MAX);
			*(struct hl_wire_view *)p = (struct hl_wire_view){m->key, m->key_len};
			continue;
		}
		if (s->fld == GF_REC) {
			unsigned bad, sub;
			uint64_t actual, limit;
			bad = rec_to_wire(
			        &m->rec, (struct hl_rec_gate_rec *)p, &sub, &actual, &limit);
			if (bad != 0)
				return hl_cwire_fail(
				        err, -EINVAL, map->type, s->key, bad, actual, limit);
			continue;
		}
		if (s->fld == GF_REP) {
			unsigned bad = rep_to_wire(&m->rep, (struct hl_rec_gate_report *)p);
			if (bad != 0)
				return hl_cwire_fail(err, -EINVAL, map->type, s->key, bad,
				        bad == 3 ? (uint64_t)(int64_t)m->rep.error : m->rep.ok,
				        bad == 3 ? HL_WIRE_U16 : 1);
			continue;
		}
		if (s->fld == GF_CODE && kind == HL_WK_I64) {
			int64_t sv = m->code;
			memcpy(p, &sv, sizeof(sv));
			continue;
		}
		if (s->fld == GF_CODE) {
			if (hl_cwire_code_put(m->code, &v) < 0)
				return hl_cwire_fail(err, -EINVAL, map->type, s->key, s->sub,
				        (uint64_t)(int64_t)m->code, HL_WIRE_U16);
		} else {
			v = g_get(m, s->fld);
		}
		if (hl_cwire_put(kind, p, v) < 0)
			return hl_cwire_fail(err, -EINVAL, map->type, s->key, s->sub, v, 1);
	}
	if (map->variant != 0) {
		field_ptr(map->type, &u, XK_CTYPE, &p);
		(void)hl_cwire_put(HL_WK_U64, p, map->variant);
	}
	if (map->tier_key != 0) {
		field_ptr(map->type, &u, map->tier_key, &p);
		(void)hl_cwire_put(HL_WK_U64, p, HL_TIER_GATE);
	}
	/* Informational for readers of the table's own fields; decoding does not use them. */
	if (map->term_key != 0) {
		field_ptr(map->type, &u, map->term_key, &p);
		(void)hl_cwire_put(HL_WK_U64, p, m->token >> 32);
	}
	struct hl_rec_stream_result *t = totals_slot(map->type, &u);
	if (t != NULL) {
		hl_cwire_counts_put(t, &m->totals);
		t->lat_p99_ns = m->p99_ns;
	} else if (!hl_counts_zero(&m->totals) || m->p99_ns != 0) {
		return hl_cwire_fail(err, -EINVAL, map->type, 0, 0, m->totals.tx_pkts, 0);
	}
	if (map->type == HL_MSG_job_ack)
		u.ack.accepted = m->code == 0;
	else if (map->type == HL_MSG_job_record_ack)
		u.rk.ok = m->code == 0;
	else if (map->type == HL_MSG_leader_reply)
		u.lr.known = m->leader != 0;
	else if (map->type == HL_MSG_reporter_result)
		u.rr.ok = m->rep.ok != 0; /* informational: the outcome travels whole in key 54 */
	*type = map->type;
	return hl_msg_encode(map->type, &u, buf, cap, len, err);
}

int
hl_gate_wire_encode(const struct hl_gmsg *m, unsigned *type, void *buf, size_t cap, size_t *len)
{
	struct hl_wire_err err;

	return hl_gate_wire_encode_err(m, type, buf, cap, len, &err);
}

int
hl_gate_wire_decode(
        unsigned type, const void *body, size_t len, struct hl_gmsg *m, struct hl_wire_err *err)
{
	const struct g_map *map = map_by_type(type, 0);
	union g_wire_buf u;
	uint8_t *p, kind;
	uint64_t v;
	unsigned bad;
	int rc;

	memset(m, 0, sizeof(*m));
	if (map == NULL)
		return hl_cwire_fail(err, -HL_E_UNKNOWN_MSG, type, 0, 0, type, 0);
	if ((rc = hl_msg_decode(type, body, len, &u, err)) < 0)
		return rc;
	if (hl_msg_field_name(type, XK_CTYPE) != NULL) {
		field_ptr(type, &u, XK_CTYPE, &p);
		v = hl_cwire_get(HL_WK_U64, p);
		if ((map = map_by_type(type, v)) == NULL)
			return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, XK_CTYPE, 0, v, 0);
	}
	if (map->tier_key != 0) {
		field_ptr(type, &u, map->tier_key, &p);
		v = hl_cwire_get(HL_WK_U64, p);
		if (v != HL_TIER_GATE)
			return hl_cwire_fail(
			        err, -HL_E_BAD_VALUE, type, map->tier_key, 0, v, HL_TIER_GATE);
	}
	m->type = map->gm;
	for (unsigned i = 0; i < GF_N_; i++) {
		const struct hl_cwire_slot *s = &map->s[i];
		if ((rc = hl_cwire_at(type, &u, s->key, s->sub, false, &p, &kind, err)) < 0)
			return rc;
		if (s->fld == GF_KEY) {
			const struct hl_wire_view *w = (const struct hl_wire_view *)p;
			/* The table bounds the length (HL_WIRE_IDEM_BIN_MAX == HL_IDEM_KEY_MAX). */
			if (w->len > 0) /* an absent key is a NULL view */
				memcpy(m->key, w->p, w->len);
			m->key_len = (uint8_t)w->len;
			continue;
		}
		if (s->fld == GF_REP) {
			rep_from_wire((const struct hl_rec_gate_report *)p, &m->rep);
			continue;
		}
		if (s->fld == GF_REC) {
			if ((bad = rec_from_wire((const struct hl_rec_gate_rec *)p, &m->rec)) != 0)
				return hl_cwire_fail(
				        err, -HL_E_BAD_VALUE, type, s->key, bad, 0, HL_WS_MAX);
			continue;
		}
		if (s->fld == GF_CODE && kind == HL_WK_I64) {
			int64_t sv;
			memcpy(&sv, p, sizeof(sv));
			if (sv < INT32_MIN || sv > INT32_MAX)
				return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, s->key, s->sub,
				        (uint64_t)sv, INT32_MAX);
			m->code = (int32_t)sv;
			continue;
		}
		v = hl_cwire_get(kind, p);
		if (g_set(m, s->fld, v) < 0)
			return hl_cwire_fail(err, -HL_E_BAD_VALUE, type, s->key, s->sub, v,
			        s->fld == GF_CODE ? HL_WIRE_U16 : UINT8_MAX);
	}
	const struct hl_rec_stream_result *t = totals_slot(type, &u);
	if (t != NULL) {
		m->totals = hl_cwire_counts_get(t);
		m->p99_ns = t->lat_p99_ns;
	}
	return 0;
}
