/* fuzz_manager_wire.c — libFuzzer target for the manager role's envelope glue
 * (coord/manager_wire.c): byte 0 picks a wire type (fuzz_manager_wire.h), the rest is the body.
 * A failure must carry a matching structured error and leave nothing decoded; a success must
 * re-encode (with the payload it carried) to the same type and decode back to a byte-identical
 * struct over hl_mmsg_size and the same payload. A body is never both a manager and a gate
 * message: when one decoder takes it, the other refuses it. The job record a REC_PUT/REC_DATA
 * carries (hl_manager_rec_decode: untrusted bytes from a peer) either is refused or re-encodes
 * to the same bytes (the layout is canonical). */
#include <stdint.h>
#include <string.h>

#include "fuzz_manager_wire.h"
#include "hl_err.h"
#include "hl_gate_wire.h"
#include "hl_manager.h"
#include "hl_manager_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t enc[(1u << 20) + 65536]; /* a job profile can be 1 MiB */
static struct hl_mmsg a, b;
static struct hl_gmsg g;
static struct hl_manager_rec rec;
static uint8_t rbuf[HL_JREC_BODY_MAX];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_wire_err e, ge;
	const uint8_t *sa, *sb;
	size_t la, lb, elen;
	unsigned t2;

	if (size < 1)
		return 0;
	unsigned type = fuzz_mw_types[data[0] % FUZZ_MW_NTYPES];
	const uint8_t *body = data + 1;
	size_t len = size - 1;
	int rc = hl_manager_wire_decode(type, body, len, &a, &sa, &la, &e);
	int grc = hl_gate_wire_decode(type, body, len, &g, &ge);

	if (rc < 0) {
		FUZZ_CHECK(e.kind == -rc, "%s: kind %d rc %d", hl_msg_name(type), e.kind, rc);
		FUZZ_CHECK(e.msg_type == type, "%s: msg_type %u", hl_msg_name(type), e.msg_type);
		FUZZ_CHECK(
		        e.offset <= len, "%s: offset %u > %zu", hl_msg_name(type), e.offset, len);
		FUZZ_CHECK(a.kind == 0 && sa == NULL && la == 0, "%s: refused but decoded",
		        hl_msg_name(type));
		FUZZ_CHECK(grc < 0 || rc == -HL_E_UNKNOWN_MSG,
		        "%s: a gate message the manager decoder did not call foreign: %s",
		        hl_msg_name(type), hl_errname(rc));
		return 0;
	}
	FUZZ_CHECK(grc < 0, "%s decoded as both a manager and a gate message", hl_msg_name(type));
	FUZZ_CHECK(
	        a.kind > 0 && a.kind < HL_MM_KIND_MAX_, "%s: kind %u", hl_msg_name(type), a.kind);
	FUZZ_CHECK(
	        hl_mmsg_size(&a) <= sizeof(a), "%s: size %u", hl_msg_name(type), hl_mmsg_size(&a));
	FUZZ_CHECK(la == 0 ? sa == NULL : (sa >= body && sa + la <= body + len),
	        "%s: payload outside the body", hl_msg_name(type));
	rc = hl_manager_wire_encode(&a, sa, la, &t2, enc, sizeof(enc), &elen, &e);
	FUZZ_CHECK(rc == 0, "%s: re-encode: %s key %u", hl_msg_name(type), hl_errname(rc),
	        e.field_key);
	FUZZ_CHECK(t2 == type, "%s re-encoded as %s", hl_msg_name(type), hl_msg_name(t2));
	rc = hl_manager_wire_decode(t2, enc, elen, &b, &sb, &lb, &e);
	FUZZ_CHECK(rc == 0, "%s: decode of re-encoding: %s", hl_msg_name(type), hl_errname(rc));
	FUZZ_CHECK(memcmp(&a, &b, hl_mmsg_size(&a)) == 0, "%s: re-encoding differs (kind %u)",
	        hl_msg_name(type), a.kind);
	FUZZ_CHECK(la == lb && (la == 0 || memcmp(sa, sb, la) == 0), "%s: payload differs",
	        hl_msg_name(type));
	if ((a.kind == HL_MM_REC_PUT || a.kind == HL_MM_REC_DATA) &&
	        hl_manager_rec_decode(&rec, a.body, a.u.rec.len) == 0) {
		int n = hl_manager_rec_encode(&rec, rbuf, sizeof(rbuf));
		FUZZ_CHECK(n == (int)a.u.rec.len && memcmp(rbuf, a.body, a.u.rec.len) == 0,
		        "job record: re-encoding differs (%d of %u bytes)", n, a.u.rec.len);
	}
	return 0;
}
