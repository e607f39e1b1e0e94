/* fuzz_frame.c — libFuzzer target for the frame parser on both planes: validate, decode the
 * body, and for a valid frame check that re-framing gives an equal message. */
#include <stdint.h>
#include <string.h>

#include "hl_err.h"
#include "hl_frame.h"
#include "hl_msg.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *msg_a;
static void *msg_b;
static size_t msg_max;
static uint8_t *out;
#define OUT_CAP (HL_FRAME_SLOW_MAX_DEFAULT)

static void
init(void)
{
	for (unsigned i = 0; i < hl_msg_count; i++)
		if (hl_msg_infos[i].rec->size > msg_max)
			msg_max = hl_msg_infos[i].rec->size;
	msg_a = malloc(msg_max);
	msg_b = malloc(msg_max);
	out = malloc(OUT_CAP);
	FUZZ_CHECK(msg_a && msg_b && out, "out of memory");
}

static void
one_plane(uint8_t plane, const uint8_t *data, size_t size)
{
	struct hl_frame_cfg cfg;
	struct hl_wire_err e;
	unsigned type = 0;
	hl_frame_cfg_init(&cfg, hl_frame_cluster_hash(FUZZ_CLUSTER), plane);
	int rc = hl_frame_decode(&cfg, data, size, &type, msg_a, msg_max, &e);
	if (rc < 0) {
		FUZZ_CHECK(e.kind == -rc, "kind %d rc %d", e.kind, rc);
		FUZZ_CHECK(e.offset <= size, "offset %u > %zu", e.offset, size);
		char txt[256];
		hl_wire_err_fmt(&e, txt, sizeof(txt));
		/* The structured error must itself be sendable as an `error` message. */
		struct hl_msg_error em;
		size_t elen;
		hl_wire_err_to_msg(&e, &em);
		FUZZ_CHECK(hl_frame_encode(&cfg, HL_MSG_error, &em, out, OUT_CAP, &elen, NULL) == 0,
		        "error message does not encode");
		return;
	}
	FUZZ_CHECK(plane == HL_PLANE_SLOW || hl_msg_plane(type) == HL_PLANE_FAST,
	        "slow type %u accepted on the fast plane", type);
	size_t len = 0;
	rc = hl_frame_encode(&cfg, type, msg_a, out, OUT_CAP, &len, &e);
	FUZZ_CHECK(rc == 0, "re-frame of %s failed: %s", hl_msg_name(type), hl_errname(rc));
	unsigned type2 = 0;
	rc = hl_frame_decode(&cfg, out, len, &type2, msg_b, msg_max, &e);
	FUZZ_CHECK(rc == 0 && type2 == type, "re-decode of %s failed", hl_msg_name(type));
	FUZZ_CHECK(
	        hl_msg_equal(type, msg_a, msg_b), "%s differs after re-framing", hl_msg_name(type));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (out == NULL)
		init();
	one_plane(HL_PLANE_FAST, data, size);
	one_plane(HL_PLANE_SLOW, data, size);
	/* Mutations almost never keep the CRC right, which would leave everything behind the CRC
	 * check unexplored: parse a copy whose trailing CRC is recomputed as well. */
	if (size >= HL_FRAME_OVERHEAD && size <= OUT_CAP) {
		uint8_t *copy = malloc(size);
		FUZZ_CHECK(copy != NULL, "out of memory");
		memcpy(copy, data, size);
		uint32_t crc = hl_crc32c(copy, size - 4);
		copy[size - 4] = (uint8_t)(crc >> 24);
		copy[size - 3] = (uint8_t)(crc >> 16);
		copy[size - 2] = (uint8_t)(crc >> 8);
		copy[size - 1] = (uint8_t)crc;
		one_plane(HL_PLANE_FAST, copy, size);
		one_plane(HL_PLANE_SLOW, copy, size);
		free(copy);
	}
	return 0;
}
