/* fuzz_msg.c — libFuzzer target for every message decoder: the first 2 bytes pick the message
 * (index into the table, modulo its size), the rest is the body. A successful decode must
 * re-encode, and the re-encoding must decode to an equal message. */
#include <stdint.h>
#include <string.h>

#include "hl_err.h"
#include "hl_msg.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *msg_a;
static void *msg_b;
static uint8_t *enc;
static size_t enc_cap;

static void
init(void)
{
	size_t msg_max = 0;
	for (unsigned i = 0; i < hl_msg_count; i++) {
		if (hl_msg_infos[i].rec->size > msg_max)
			msg_max = hl_msg_infos[i].rec->size;
		if (hl_msg_max_body(hl_msg_infos[i].type) > enc_cap)
			enc_cap = hl_msg_max_body(hl_msg_infos[i].type);
	}
	msg_a = malloc(msg_max);
	msg_b = malloc(msg_max);
	enc = malloc(enc_cap);
	FUZZ_CHECK(msg_a && msg_b && enc, "out of memory");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_wire_err e;
	if (enc == NULL)
		init();
	if (size < 2)
		return 0;
	const struct hl_msg_info *m = &hl_msg_infos[((data[0] << 8) | data[1]) % hl_msg_count];
	const uint8_t *body = data + 2;
	size_t len = size - 2;

	int rc = hl_msg_decode(m->type, body, len, msg_a, &e);
	if (rc < 0) {
		/* Every failure is structured: the kind matches, the offset is inside the input. */
		FUZZ_CHECK(e.kind == -rc, "%s: kind %d rc %d", m->name, e.kind, rc);
		FUZZ_CHECK(e.msg_type == m->type, "%s: msg_type %u", m->name, e.msg_type);
		FUZZ_CHECK(e.offset <= len, "%s: offset %u > %zu", m->name, e.offset, len);
		char txt[256];
		hl_wire_err_fmt(&e, txt, sizeof(txt));
		return 0;
	}
	size_t elen = 0;
	rc = hl_msg_encode(m->type, msg_a, enc, enc_cap, &elen, &e);
	FUZZ_CHECK(
	        rc == 0, "%s: re-encode failed: %s key %u", m->name, hl_errname(rc), e.field_key);
	FUZZ_CHECK(elen <= hl_msg_max_body(m->type), "%s: %zu over max_body", m->name, elen);
	rc = hl_msg_decode(m->type, enc, elen, msg_b, &e);
	FUZZ_CHECK(rc == 0, "%s: re-decode failed: %s", m->name, hl_errname(rc));
	FUZZ_CHECK(hl_msg_equal(m->type, msg_a, msg_b), "%s: round trip differs", m->name);
	return 0;
}
