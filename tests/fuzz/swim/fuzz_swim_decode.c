/* fuzz_swim_decode.c — libFuzzer target: the SWIM datagram decoder, then the whole receive path
 * of a live instance (updates applied, replies queued) on the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hl_swim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hl_swim_packet pkt;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (hl_swim_decode(&pkt, data, size) == 0) {
		/* What decodes must re-encode (the codec is closed under round trip). */
		static uint8_t buf[65536];
		int len = hl_swim_encode(&pkt, buf, sizeof(buf));
		if (len <= 0)
			__builtin_trap();
	}
	static struct hl_swim *sw;
	if (sw == NULL) {
		struct hl_swim_config c;
		hl_swim_config_lan(&c);
		c.max_members = 64;
		struct hl_swim_addr self = {.len = 4, .b = {1, 0, 0, 0}};
		if (hl_swim_create(&sw, &c, &self, NULL, 0, 1, 0) != 0)
			__builtin_trap();
	}
	static uint64_t now;
	now += 1000000;
	struct hl_swim_addr from = {.len = 4, .b = {2, 0, 0, 0}};
	(void)hl_swim_recv(sw, now, &from, data, size);
	(void)hl_swim_tick(sw, now);
	uint8_t out[1500];
	struct hl_swim_addr to;
	struct hl_swim_event ev;
	while (hl_swim_next_tx(sw, &to, out, sizeof(out)) > 0)
		;
	while (hl_swim_next_event(sw, &ev) == 1)
		;
	return 0;
}
