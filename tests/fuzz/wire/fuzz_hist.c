/* fuzz_hist.c — libFuzzer target for the sparse histogram decoder (lib/util hl_hist_decode):
 * whatever it accepts is a consistent histogram (count = the buckets' sum, min <= every
 * percentile <= max) that re-encodes and decodes to the same histogram. */
#include <stdint.h>
#include <string.h>

#include "hl_hist.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hl_hist h, h2;
static uint8_t buf[HL_HIST_NBUCKETS * 12 + 64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (hl_hist_decode(&h, data, size) < 0) {
		FUZZ_CHECK(h.count == 0, "a refused input left counts");
		return 0;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < HL_HIST_NBUCKETS; i++)
		total += h.buckets[i];
	FUZZ_CHECK(total == h.count, "count %llu != buckets %llu", (unsigned long long)h.count,
	        (unsigned long long)total);
	if (h.count) {
		uint64_t p = hl_hist_percentile(&h, 99);
		FUZZ_CHECK(p >= h.min && p <= h.max, "p99 outside [min, max]");
	}
	int n = hl_hist_encode(&h, buf, sizeof(buf), NULL);
	FUZZ_CHECK(n > 0, "re-encode failed");
	FUZZ_CHECK(hl_hist_decode(&h2, buf, (size_t)n) == 0, "re-encoded bytes refused");
	FUZZ_CHECK(memcmp(&h, &h2, sizeof(h)) == 0, "decode(encode(h)) != h");
	return 0;
}
