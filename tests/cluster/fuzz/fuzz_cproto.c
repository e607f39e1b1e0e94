/* fuzz_cproto.c — libFuzzer target for the client API (app/common/hl_cproto.h): the frame parser
 * and every body decoder. Input: one selector byte, then the bytes to decode. A body that
 * decodes is re-encoded and decoded again; both decodes must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl_cproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROUNDTRIP(type, dec, enc)                                        \
	do {                                                             \
		static type a, b;                                        \
		static uint8_t buf[HL_CPROTO_MAX_BODY];                  \
		if (dec(p, n, &a) == 0) {                                \
			int len = enc(buf, sizeof(buf), &a);             \
			if (len < 0 || dec(buf, (size_t)len, &b) != 0 || \
			        memcmp(&a, &b, sizeof(a)) != 0)          \
				abort();                                 \
		}                                                        \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	switch (data[0] % 8) {
	case 0: {
		struct hl_cproto_hdr h;
		const uint8_t *body;
		int rc = hl_cproto_parse(p, n, HL_CPROTO_MAX_BODY, &h, &body);
		if (rc > 0 && ((size_t)rc > n || body != p + HL_CPROTO_HDR))
			abort();
		break;
	}
	case 1: {
		const char *ini;
		uint32_t len;
		if (hl_cp_dec_submit(p, n, &ini, &len) == 0 &&
		        (ini < (const char *)p || ini + len > (const char *)p + n))
			abort();
		break;
	}
	case 2: {
		uint64_t id;
		(void)hl_cp_dec_job_id(p, n, &id);
		break;
	}
	case 3:
		ROUNDTRIP(struct hl_cp_error, hl_cp_dec_error, hl_cp_enc_error);
		break;
	case 4:
		ROUNDTRIP(struct hl_cp_progress, hl_cp_dec_progress, hl_cp_enc_progress);
		break;
	case 5:
		ROUNDTRIP(struct hl_cp_result, hl_cp_dec_result, hl_cp_enc_result);
		break;
	case 6:
		ROUNDTRIP(struct hl_cp_status, hl_cp_dec_status, hl_cp_enc_status);
		break;
	case 7:
		ROUNDTRIP(struct hl_cp_nodes, hl_cp_dec_nodes, hl_cp_enc_nodes);
		break;
	}
	return 0;
}
