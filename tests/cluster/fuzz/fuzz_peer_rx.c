/* fuzz_peer_rx.c — libFuzzer target for the node-link reader (app/node/peer_rx.c): a byte stream
 * as received on a node link, cut into reads of the sizes the first byte picks, through the
 * de-framer and frame validation; every valid hello is decoded and checked, every valid frame
 * is re-framed and must read back identically. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXF 65536u

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[MAXF], buf2[MAXF], out[MAXF + HL_FRAME_PREFIX];
	static struct hl_msg_node_register reg;
	static const struct hl_peer_self me = {
	        .id = 7, .name = "n7", .cluster = "hyperline", .env = "lab", .ctrl = "127.0.0.1:1"};
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] + 1;
	data++;
	size--;
	uint32_t cluster = hl_frame_cluster_hash("hyperline");
	struct hl_peer_rx rx, rx2;
	if (hl_peer_rx_init(&rx, buf, sizeof(buf), MAXF, cluster) != 0)
		abort();
	size_t pos = 0;
	int rc = 0;
	while (pos < size && rc >= 0) {
		size_t len = size - pos < step ? size - pos : step, off = 0;
		while (off < len) {
			size_t used = 0, bl = 0;
			unsigned type = 0;
			const uint8_t *b = NULL;
			struct hl_wire_err we;
			rc = hl_peer_rx_feed(
			        &rx, data + pos + off, len - off, &used, &type, &b, &bl, &we);
			if (used > len - off || (rc < 0 && we.kind != -rc))
				abort();
			off += used;
			if (rc < 0)
				break;
			if (rc == 0) {
				if (off != len)
					abort();
				continue;
			}
			if (type == HL_MSG_node_register &&
			        hl_msg_node_register_decode(b, bl, &reg, &we) == 0) {
				char why[128];
				(void)hl_peer_hello_check(&me, &reg, &we, why, sizeof(why));
			}
			/* round trip: a valid frame re-framed reads back the same type and body */
			size_t fl, u2, bl2;
			unsigned t2;
			const uint8_t *b2;
			if (hl_peer_frame(&rx.cfg, type, b, bl, out, sizeof(out), &fl, &we) != 0 ||
			        hl_peer_rx_init(&rx2, buf2, sizeof(buf2), MAXF, cluster) != 0 ||
			        hl_peer_rx_feed(&rx2, out, fl, &u2, &t2, &b2, &bl2, &we) != 1 ||
			        u2 != fl || t2 != type || bl2 != bl || memcmp(b, b2, bl) != 0)
				abort();
		}
		pos += len;
	}
	struct hl_wire_err we;
	(void)hl_peer_rx_eof(&rx, &we);
	return 0;
}
