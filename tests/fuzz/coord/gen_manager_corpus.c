/* gen_manager_corpus.c — seed corpus of the manager_wire fuzz target: every hl_mmsg kind (each
 * election kind, DC kind and relayed gate type) encoded with zero, typical and maximum values,
 * with a payload where the message takes one, and relayed DC messages, as (type index byte +
 * body) files.
 *   ninja -C build tests/fuzz/coord/gen_manager_wire_corpus &&
 *   build/tests/fuzz/coord/gen_manager_wire_corpus tests/fuzz/coord/corpus/manager_wire */
#include <stdio.h>
#include <string.h>

#include "fuzz_manager_wire.h"
#include "gen_emit.h"
#include "hl_err.h"
#include "hl_manager_wire.h"

#define MS 1000000ull

static uint8_t out[8192];

static int
emit(const char *dir, const char *name, unsigned type, size_t len)
{
	return gen_emit(dir, name, fuzz_mw_types, (unsigned)FUZZ_MW_NTYPES, type, out, len);
}

/* mode 0: zeros where allowed, 1: typical, 2: maximum. sub: election kind, DC kind or gate
 * type (1 DC_SUBMIT, 2 DC_RESULT_ACK). */
static void
fill(struct hl_mmsg *m, uint8_t kind, unsigned sub, int mode)
{
	bool max = mode == 2, zero = mode == 0;
	uint64_t v = max ? UINT64_MAX : 0x100000002ull;

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->from = zero ? 0 : max ? UINT64_MAX : 2;
	m->to = zero ? 0 : max ? UINT64_MAX : 3;
	switch (kind) {
	case HL_MM_ELECT:
		m->from = zero ? 1 : m->from;
		m->u.e.kind = (enum hl_elect_msg_kind)sub;
		m->u.e.from = m->from;
		m->u.e.to = m->to;
		m->u.e.term = zero ? 0 : max ? UINT32_MAX : 4;
		if (sub == HL_ELECT_PREVOTE_REQ || sub == HL_ELECT_VOTE_REQ)
			m->u.e.lhm = zero ? 0 : max ? HL_LHM_MAX : 1;
		if (sub == HL_ELECT_HEARTBEAT || sub == HL_ELECT_HEARTBEAT_ACK)
			m->u.e.seq = zero ? 0 : v;
		if (sub != HL_ELECT_HEARTBEAT && sub != HL_ELECT_PREVOTE_REQ &&
		        sub != HL_ELECT_VOTE_REQ)
			m->u.e.granted = !zero;
		break;
	case HL_MM_GRANT:
		m->u.g = (struct hl_lease_grant){zero ? 0 : v, m->to, zero ? 0 : v,
		        zero  ? 0
		        : max ? HL_WIRE_U32 * MS
		              : 30000 * MS};
		m->t0 = zero ? 0 : v;
		break;
	case HL_MM_RENEW:
	case HL_MM_RELEASE:
		m->n = kind == HL_MM_RELEASE || zero ? 1 : max ? HL_MANAGER_BATCH : 2;
		for (uint32_t i = 0; i < m->n; i++)
			m->u.refs[i] = (struct hl_lease_ref){zero ? 0 : v - i, zero ? 0 : v};
		m->t0 = kind == HL_MM_RENEW && !zero ? v : 0;
		break;
	case HL_MM_REC_DATA:
		m->status = !zero;
		m->fence = zero ? 0 : v;
		/* fall through */
	case HL_MM_REC_PUT:
		m->u.rec.len = zero ? 0 : max ? HL_JREC_BODY_MAX : 77;
		for (uint32_t i = 0; i < m->u.rec.len; i++)
			m->body[i] = max ? 0xff : (uint8_t)i;
		if (!zero && !max) { /* a real job record: two workflows, the first done */
			struct hl_manager_rec r;
			memset(&r, 0, sizeof(r));
			r.spec.job = v;
			r.spec.nwf = 2;
			r.spec.wf[0] = (struct hl_dc_wf_spec){1, 0, 1, 1000000000ull, 100};
			r.spec.wf[1] = (struct hl_dc_wf_spec){2, 1, 1, 8000000000ull, 800};
			r.wf[0] =
			        (struct hl_dc_wf_record){HL_WF_COMPLETED, 7, 1, {10000, 10000, 0}};
			r.wf[1] = (struct hl_dc_wf_record){HL_WF_RUNNING, 8, 2, {0, 0, 0}};
			r.leader = 4;
			r.started = true;
			r.totals = (struct hl_counts){10000, 10000, 0};
			int n = hl_manager_rec_encode(&r, m->body, HL_JREC_BODY_MAX);
			m->u.rec.len = n > 0 ? (uint32_t)n : 0;
		}
		/* fall through */
	case HL_MM_REC_ACK:
		m->u.rec.token = zero ? 0 : v;
		m->u.rec.version = zero ? 0 : max ? UINT64_MAX : 3;
		if (kind == HL_MM_REC_ACK)
			m->code = zero ? 0 : max ? -65535 : -1038;
		/* fall through */
	default: /* REC_FETCH, REC_FORGET, ORPHAN */
		m->u.rec.job = zero ? 0 : v;
		if (kind == HL_MM_REC_FETCH || kind == HL_MM_REC_FORGET)
			m->fence = zero ? 0 : v;
		if (kind == HL_MM_REC_FORGET) {
			m->status = !zero;
			m->code = zero ? 0 : max ? HL_WS_MAX : HL_WS_COMPLETED;
		}
		break;
	case HL_MM_DC: {
		struct hl_dc_msg *d = &m->u.d;
		bool a16 = sub == HL_DC_DISPATCH || sub == HL_DC_RESULT;
		d->kind = (uint8_t)sub;
		if (!zero) {
			d->status = max ? HL_WS_MAX : HL_WS_RUNNING;
			d->bp = max ? HL_BP_MAX : 1;
			d->ok = 1;
			d->code = max ? -65535 : -1039;
			d->from = m->from;
			d->to = m->to;
			d->job = d->token = d->leader = d->seq = d->done = d->duration_ns = v;
			d->workflow = d->sub = d->cores = max ? UINT32_MAX : 2;
			d->attempt = a16 ? (max ? 65535 : 1) : (max ? UINT32_MAX : 1);
			if (sub == HL_DC_RESULT)
				d->counts = max ? (struct hl_counts){UINT64_MAX, UINT64_MAX, 1}
				                : (struct hl_counts){20000, 20000, 0};
		}
		break;
	}
	case HL_MM_GATE:
		m->u.gate.type = sub == 1 ? HL_GM_DC_SUBMIT : HL_GM_DC_RESULT_ACK;
		m->u.gate.code = zero ? 0 : max ? -65535 : -1036;
		m->u.gate.job = m->u.gate.gate = m->u.gate.token = zero ? 0 : v;
		break;
	}
}

static unsigned
nsub(uint8_t kind)
{
	return kind == HL_MM_ELECT ? 6 : kind == HL_MM_DC ? 10 : kind == HL_MM_GATE ? 2 : 1;
}

static int
one(const char *dir, const struct hl_mmsg *m, const char *spec, const char *tag)
{
	struct hl_wire_err err;
	char name[96];
	unsigned type;
	size_t len, slen = spec != NULL ? strlen(spec) : 0;
	int rc = hl_manager_wire_encode(m, spec, slen, &type, out + 1, sizeof(out) - 1, &len, &err);

	if (rc < 0) {
		fprintf(stderr, "kind %u: %s key %u\n", m->kind, hl_errname(rc), err.field_key);
		return -1;
	}
	snprintf(name, sizeof(name), "mgr-%u-%s-%s", m->kind, hl_msg_name(type), tag);
	return emit(dir, name, type, len);
}

int
main(int argc, char **argv)
{
	static const char *const modes[] = {"zero", "some", "max"};
	static const char spec[] = "[job]\nname=seed\n[workflow.a]\ncores=1\nduration=1s\n";
	char tag[32];

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return 2;
	}
	for (uint8_t k = HL_MM_ELECT; k < HL_MM_KIND_MAX_; k++)
		for (unsigned s = 1; s <= nsub(k); s++)
			for (int mode = 0; mode < 3; mode++) {
				struct hl_mmsg m;
				fill(&m, k, s, mode);
				snprintf(tag, sizeof(tag), "%u-%s", s, modes[mode]);
				if (one(argv[1], &m, NULL, tag) < 0)
					return 1;
				bool payload = k == HL_MM_REC_PUT || k == HL_MM_REC_DATA ||
				               (k == HL_MM_DC && s == HL_DC_DISPATCH);
				snprintf(tag, sizeof(tag), "%u-%s-spec", s, modes[mode]);
				if (payload && mode == 1 && one(argv[1], &m, spec, tag) < 0)
					return 1;
				/* a DC message a manager passes on for a worker */
				snprintf(tag, sizeof(tag), "%u-%s-relayed", s, modes[mode]);
				m.from = 77;
				m.to = 78;
				if (k == HL_MM_DC && mode == 1 && one(argv[1], &m, NULL, tag) < 0)
					return 1;
			}
	return 0;
}
