/* fuzz_coord_wire.c — libFuzzer target for the coord wire glue: byte 0 picks a wire type
 * (fuzz_coord_wire.h), the rest is the body, fed to both hl_dc_wire_decode and
 * hl_gate_wire_decode. A failure must carry a structured error; a success must re-encode to the
 * same type and decode back to an equal struct (decode(encode(x)) == x). */
#include <stdint.h>
#include <string.h>

#include "fuzz_coord_wire.h"
#include "hl_dc_wire.h"
#include "hl_err.h"
#include "hl_gate_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t enc[65536];

static void
check_err(int rc, const struct hl_wire_err *e, unsigned type, size_t len)
{
	FUZZ_CHECK(e->kind == -rc, "%s: kind %d rc %d", hl_msg_name(type), e->kind, rc);
	FUZZ_CHECK(e->msg_type == type, "%s: msg_type %u", hl_msg_name(type), e->msg_type);
	FUZZ_CHECK(e->offset <= len, "%s: offset %u > %zu", hl_msg_name(type), e->offset, len);
}

static void
dc(unsigned type, const uint8_t *body, size_t len)
{
	struct hl_dc_msg a, b;
	struct hl_wire_err e;
	unsigned t2;
	size_t elen;
	int rc = hl_dc_wire_decode(type, body, len, &a, &e);

	if (rc < 0) {
		check_err(rc, &e, type, len);
		FUZZ_CHECK(rc != -HL_E_UNKNOWN_MSG || !hl_dc_wire_type(type),
		        "%s refused as unknown", hl_msg_name(type));
		return;
	}
	FUZZ_CHECK(hl_dc_wire_type(type), "%s decoded as a DC message", hl_msg_name(type));
	rc = hl_dc_wire_encode_err(&a, &t2, enc, sizeof(enc), &elen, &e);
	FUZZ_CHECK(rc == 0, "%s: re-encode: %s key %u", hl_msg_name(type), hl_errname(rc),
	        e.field_key);
	FUZZ_CHECK(t2 == type, "%s re-encoded as %s", hl_msg_name(type), hl_msg_name(t2));
	rc = hl_dc_wire_decode(t2, enc, elen, &b, &e);
	FUZZ_CHECK(rc == 0, "%s: decode of re-encoding: %s", hl_msg_name(type), hl_errname(rc));
	FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0, "%s: re-encoding differs", hl_msg_name(type));
}

static void
gate(unsigned type, const uint8_t *body, size_t len)
{
	struct hl_gmsg a, b;
	struct hl_wire_err e;
	unsigned t2;
	size_t elen;
	int rc = hl_gate_wire_decode(type, body, len, &a, &e);

	if (rc < 0) {
		check_err(rc, &e, type, len);
		FUZZ_CHECK(rc != -HL_E_UNKNOWN_MSG || !hl_gate_wire_type(type),
		        "%s refused as unknown", hl_msg_name(type));
		return;
	}
	FUZZ_CHECK(hl_gate_wire_type(type), "%s decoded as a gate message", hl_msg_name(type));
	rc = hl_gate_wire_encode_err(&a, &t2, enc, sizeof(enc), &elen, &e);
	FUZZ_CHECK(rc == 0, "%s: re-encode: %s key %u", hl_msg_name(type), hl_errname(rc),
	        e.field_key);
	FUZZ_CHECK(t2 == type, "%s re-encoded as %s", hl_msg_name(type), hl_msg_name(t2));
	rc = hl_gate_wire_decode(t2, enc, elen, &b, &e);
	FUZZ_CHECK(rc == 0, "%s: decode of re-encoding: %s", hl_msg_name(type), hl_errname(rc));
	FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0, "%s: re-encoding differs (type %u)",
	        hl_msg_name(type), a.type);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned type = fuzz_cw_types[data[0] % FUZZ_CW_NTYPES];

	dc(type, data + 1, size - 1);
	gate(type, data + 1, size - 1);
	return 0;
}
