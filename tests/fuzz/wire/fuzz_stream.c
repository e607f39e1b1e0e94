/* fuzz_stream.c — libFuzzer target for the TCP de-framer: the first byte picks the chunk size,
 * the rest is the byte stream. Frames returned must match what the prefixes announced, errors
 * must be sticky, and every byte must be accounted for. */
#include <stdint.h>
#include <string.h>

#include "hl_err.h"
#include "hl_frame.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAME 4096
static uint8_t sbuf[MAX_FRAME];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_frame_stream s;
	if (size < 1)
		return 0;
	size_t chunk = 1 + data[0] % 64;
	data++;
	size--;
	FUZZ_CHECK(hl_frame_stream_init(&s, sbuf, sizeof(sbuf), MAX_FRAME) == 0, "init");
	size_t pos = 0;
	size_t frame_at = 0; /* where the current frame's prefix starts in data */
	while (pos < size) {
		size_t n = size - pos < chunk ? size - pos : chunk;
		const uint8_t *p = data + pos;
		while (n > 0) {
			size_t used = 0;
			const uint8_t *f = NULL;
			uint32_t flen = 0;
			struct hl_wire_err e;
			int rc = hl_frame_stream_feed(&s, p, n, &used, &f, &flen, &e);
			FUZZ_CHECK(used <= n, "used %zu > %zu", used, n);
			if (rc < 0) {
				FUZZ_CHECK(e.kind == -rc, "kind");
				size_t u2;
				FUZZ_CHECK(
				        hl_frame_stream_feed(&s, p, n, &u2, &f, &flen, &e) == rc &&
				                u2 == 0,
				        "error not sticky");
				return 0;
			}
			p += used;
			n -= used;
			pos += used;
			if (rc == 1) {
				uint32_t want = ((uint32_t)data[frame_at] << 24) |
				                ((uint32_t)data[frame_at + 1] << 16) |
				                ((uint32_t)data[frame_at + 2] << 8) |
				                data[frame_at + 3];
				FUZZ_CHECK(flen == want && flen <= MAX_FRAME, "frame length");
				FUZZ_CHECK(
				        memcmp(f, data + frame_at + 4, flen) == 0, "frame bytes");
				FUZZ_CHECK(pos == frame_at + 4 + flen, "frame end");
				frame_at = pos;
			} else {
				FUZZ_CHECK(n == 0, "stopped early");
			}
		}
	}
	return 0;
}
