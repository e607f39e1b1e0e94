/* gen_corpus.c — seed corpus of the coord_wire fuzz target: every DC kind and gate type encoded
 * with zero, typical and maximum field values, as (type index byte + body) files.
 *   ninja -C build tests/fuzz/coord/gen_coord_wire_corpus &&
 *   build/tests/fuzz/coord/gen_coord_wire_corpus tests/fuzz/coord/corpus/coord_wire */
#include <stdio.h>
#include <string.h>

#include "fuzz_coord_wire.h"
#include "gen_emit.h"
#include "hl_dc_wire.h"
#include "hl_gate_wire.h"

static uint8_t out[65536];

static int
emit(const char *dir, const char *name, unsigned type, size_t len)
{
	return gen_emit(dir, name, fuzz_cw_types, (unsigned)FUZZ_CW_NTYPES, type, out, len);
}

static void
dc_fill(struct hl_dc_msg *m, uint8_t kind, int mode)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	if (mode == 0)
		return;
	bool max = mode == 2;
	m->status = max ? HL_WS_MAX : HL_WS_RUNNING;
	m->bp = max ? HL_BP_MAX : 1;
	m->ok = 1;
	m->code = max ? -65535 : -1039;
	m->from = max ? UINT64_MAX : 3;
	m->to = max ? UINT64_MAX : 100;
	m->job = max ? UINT64_MAX : 7;
	m->workflow = max ? UINT32_MAX : 1;
	m->sub = max ? UINT32_MAX : 0x10002;
	m->token = max ? UINT64_MAX : 0x100000001ull;
	m->leader = max ? UINT64_MAX : 100;
	m->cores = max ? UINT32_MAX : 2;
	m->attempt = kind == HL_DC_DISPATCH || kind == HL_DC_RESULT ? (max ? 65535 : 1)
	                                                            : (max ? UINT32_MAX : 1);
	m->seq = max ? UINT64_MAX : 5;
	m->done = max ? UINT64_MAX : 50;
	m->duration_ns = max ? UINT64_MAX : 2000000000ull;
	if (kind == HL_DC_RESULT) /* a slice's packet counts ride its result only */
		m->counts = max ? (struct hl_counts){UINT64_MAX, UINT64_MAX, UINT64_MAX}
		                : (struct hl_counts){20000, 19990, 10};
}

static void
gate_fill(struct hl_gmsg *m, uint8_t type, int mode)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (mode == 0)
		return;
	bool max = mode == 2;
	m->kind = max ? 255 : 1;
	m->status = max ? HL_WS_MAX : HL_WS_COMPLETED;
	m->code = max ? -65535 : -1039;
	m->from = max ? UINT64_MAX : 2;
	m->to = max ? UINT64_MAX : 1;
	m->job = max ? UINT64_MAX : 10;
	m->token = max ? UINT64_MAX : 0x700000001ull;
	m->version = max ? UINT64_MAX : 2;
	m->seq = max ? UINT64_MAX : 3;
	m->leader = max ? UINT64_MAX : 2;
	m->dc = max ? UINT64_MAX : 101;
	m->key_len = max ? HL_IDEM_KEY_MAX : 4;
	memset(m->key, 'k', m->key_len);
	m->rec.job = m->job;
	m->rec.client = max ? UINT64_MAX : 200;
	m->rec.token = m->token;
	m->rec.version = m->version;
	m->rec.key_len = m->key_len;
	memset(m->rec.key, 'r', m->rec.key_len);
	m->rec.ndc = max ? HL_GATE_JOB_DCS : 1;
	m->rec.final = max ? HL_WS_MAX : HL_WS_COMPLETED;
	for (int i = 0; i < m->rec.ndc; i++) {
		m->rec.dcs[i] = max ? UINT64_MAX : 101 + (uint64_t)i;
		m->rec.dc_status[i] = m->rec.final;
	}
	/* D.4 / D.8: progress, the replay gap, a reporter outcome and the record's outcomes */
	m->ppm = max ? HL_WIRE_PPM : 250000;
	m->gap_seq = max ? UINT64_MAX : 2;
	m->rep = (struct hl_gate_report){.source = max ? UINT64_MAX : 3,
	        .dc = m->dc,
	        .error = max ? -65535 : -5,
	        .elapsed_ms = max ? UINT32_MAX : 120,
	        .type = max ? UINT16_MAX : 4,
	        .ok = max ? 1 : 0};
	m->ref = max ? HL_GATE_JOB_REPORTS - 1 : 1;
	m->rec.nrep = max ? HL_GATE_JOB_REPORTS : 2;
	for (int i = 0; i < m->rec.nrep; i++)
		m->rec.rep[i] = m->rep;
	for (int i = 0; i < m->rec.ndc; i++) /* each DC's counts in the record */
		m->rec.dc_totals[i] = max ? (struct hl_counts){UINT64_MAX, UINT64_MAX, UINT64_MAX}
		                          : (struct hl_counts){50000, 49990, 10};
	if (type == HL_GM_DC_RESULT || type == HL_GM_FWD_RESULT || type == HL_GM_PUSH)
		m->totals = m->rec.dc_totals[0]; /* a DC's totals, or the job's in a final push */
	if (type == HL_GM_KEY_DATA) /* a page end: 1 = no more pages */
		m->code = max ? INT32_MIN : 1;
}

int
main(int argc, char **argv)
{
	static const char *const modes[] = {"zero", "some", "max"};
	char name[64];
	unsigned type;
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return 2;
	}
	for (int mode = 0; mode < 3; mode++) {
		for (uint8_t k = HL_DC_DISPATCH; k <= HL_DC_CANCEL_DONE; k++) {
			struct hl_dc_msg m;
			dc_fill(&m, k, mode);
			if (hl_dc_wire_encode(&m, &type, out + 1, sizeof(out) - 1, &len) < 0)
				return 1;
			snprintf(name, sizeof(name), "dc-%s-%s", hl_msg_name(type), modes[mode]);
			if (emit(argv[1], name, type, len) < 0)
				return 1;
		}
		for (uint8_t t = HL_GM_SUBMIT; t <= HL_GM_FWD_REPORT; t++) {
			struct hl_gmsg m;
			gate_fill(&m, t, mode);
			if (hl_gate_wire_encode(&m, &type, out + 1, sizeof(out) - 1, &len) < 0)
				return 1;
			snprintf(name, sizeof(name), "gate-%u-%s-%s", t, hl_msg_name(type),
			        modes[mode]);
			if (emit(argv[1], name, type, len) < 0)
				return 1;
		}
	}
	return 0;
}
