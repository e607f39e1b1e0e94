/* fuzz_client.c — libFuzzer target for the client API's decoding path, as the node and hlctl run
 * it: bytes from a TCP stream through lib/wire's de-framer (fed in chunks of the first byte's
 * low 7 bits + 1), each whole frame parsed and decoded into the client messages
 * (hl_client_msg.h). With the first byte's high bit set, each frame's length, cluster and CRC
 * fields are made right first, so that mutations reach the body decoders and conversions.
 * A decoded message must re-encode and decode equal; a reply or push that converts to the app
 * view must convert back and forth to the same view. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl_be.h"
#include "hl_client_msg.h"
#include "hl_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static union hl_cp_msg m1, m2;
static uint8_t fbuf[HL_CP_MAX_FRAME], ebuf[HL_CP_MAX_FRAME], fixed[HL_CP_MAX_FRAME];

#define VIEW_ROUNDTRIP(view_t, from, to, msg, ...)                                \
	do {                                                                      \
		static view_t a, b;                                               \
		if (from(msg, &a) == 0) {                                         \
			to(&a, __VA_ARGS__, msg);                                 \
			if (from(msg, &b) != 0 || memcmp(&a, &b, sizeof(a)) != 0) \
				abort();                                          \
		}                                                                 \
	} while (0)

static void
check_frame(const struct hl_frame_cfg *cfg, const uint8_t *frame, uint32_t len, bool fix)
{
	unsigned type;
	struct hl_wire_err we;
	size_t n;
	if (fix) {
		memcpy(fixed, frame, len);
		hl_st32(fixed + 8, cfg->cluster);
		hl_st32(fixed + 12, len - HL_FRAME_OVERHEAD);
		hl_st32(fixed + len - 4, hl_crc32c(fixed, len - 4));
		frame = fixed;
	}
	if (hl_frame_decode(cfg, frame, len, &type, &m1, sizeof(m1), &we) < 0) {
		if (we.kind == 0) /* every refusal is explained */
			abort();
		return;
	}
	if (hl_msg_encode(type, &m1, ebuf, sizeof(ebuf), &n, &we) != 0 ||
	        hl_msg_decode(type, ebuf, n, &m2, &we) != 0 || !hl_msg_equal(type, &m1, &m2))
		abort();
	switch (type) {
	case HL_MSG_error:
		if (strlen(hl_cp_error_text(&m1.error)) > HL_WIRE_DETAIL_MAX)
			abort();
		break;
	case HL_MSG_status_push:
		VIEW_ROUNDTRIP(struct hl_cp_progress, hl_cp_progress_from_msg,
		        hl_cp_progress_to_msg, &m1.status_push, "dc1");
		break;
	case HL_MSG_job_result:
		VIEW_ROUNDTRIP(struct hl_cp_result, hl_cp_result_from_msg, hl_cp_result_to_msg,
		        &m1.job_result, "dc1");
		break;
	case HL_MSG_job_status:
		VIEW_ROUNDTRIP(struct hl_cp_status, hl_cp_status_from_msg, hl_cp_status_to_msg,
		        &m1.job_status, m1.job_status.job_id);
		break;
	case HL_MSG_nodes_reply: {
		static struct hl_cp_nodes a, b;
		if (hl_cp_nodes_from_msg(&m1.nodes_reply, &a) == 0) {
			hl_cp_nodes_to_msg(&a, &m1.nodes_reply);
			if (hl_cp_nodes_from_msg(&m1.nodes_reply, &b) != 0 ||
			        memcmp(&a, &b, sizeof(a)) != 0)
				abort();
		}
		break;
	}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_frame_cfg cfg;
	struct hl_frame_stream s;
	if (size < 1)
		return 0;
	size_t chunk = (size_t)(data[0] & 0x7f) + 1;
	bool fix = (data[0] & 0x80) != 0;
	hl_frame_cfg_init(&cfg, hl_frame_cluster_hash(HL_CP_DEFAULT_CLUSTER), HL_PLANE_SLOW);
	if (hl_frame_stream_init(&s, fbuf, sizeof(fbuf), HL_CP_MAX_FRAME) < 0)
		abort();
	for (size_t off = 1; off < size;) {
		size_t want = size - off < chunk ? size - off : chunk, used;
		const uint8_t *frame;
		uint32_t flen;
		struct hl_wire_err we;
		int rc = hl_frame_stream_feed(&s, data + off, want, &used, &frame, &flen, &we);
		if (used > want)
			abort();
		off += used;
		if (rc < 0)
			break; /* sticky: the node closes the connection here */
		if (rc == 1) {
			if (flen < HL_FRAME_OVERHEAD || flen > HL_CP_MAX_FRAME)
				abort();
			check_frame(&cfg, frame, flen, fix);
		} else if (used != want) {
			abort(); /* no frame: everything offered is consumed */
		}
	}
	return 0;
}
