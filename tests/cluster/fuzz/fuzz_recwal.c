/* fuzz_recwal.c — libFuzzer target for the record log's entry decoder (app/node/recwal.c,
 * hl_recwal_apply) into a real gate core: the input is a sequence of entries
 * `type u16 | len u16 | body[len]`, each applied as a replayed log entry would be. Whatever the
 * bytes, the core's store and tombstones stay within their bounds, and a snapshot of what was
 * restored replays into a second core to the same records. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl_gate.h"
#include "recwal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
restore(void *core, uint8_t op, uint64_t job, uint64_t token, uint64_t version, const void *body,
        uint32_t len, uint64_t now_ns)
{
	return hl_gate_restore(core, op, job, token, version, body, len, now_ns);
}

static int
again(void *arg, uint8_t op, uint64_t job, uint64_t token, uint64_t version, const void *body,
        uint32_t len)
{
	return hl_gate_restore(arg, op, job, token, version, body, len, 0);
}

static void
gate_new(struct hl_gate *g, struct hl_prng *rng)
{
	struct hl_gate_cfg cfg;

	hl_gate_cfg_default(&cfg);
	cfg.self = 1;
	cfg.gates[0] = 1;
	cfg.gates[1] = 2;
	cfg.ngates = 2;
	cfg.max_jobs = 16;
	hl_prng_seed(rng, 1);
	if (hl_gate_init(g, &cfg, rng) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hl_gate g, g2;
	static struct hl_recwal rw;
	struct hl_prng rng, rng2;

	gate_new(&g, &rng);
	memset(&rw, 0, sizeof(rw));
	rw.core = &g;
	rw.restore = restore;
	while (size >= 4) {
		uint16_t type = (uint16_t)(data[0] | data[1] << 8);
		uint32_t len = (uint32_t)(data[2] | data[3] << 8);
		data += 4;
		size -= 4;
		if (len > size)
			len = (uint32_t)size;
		int rc = hl_recwal_apply(&rw, type, data, len);
		if (rc != 0 && rc != -EBADMSG)
			abort();
		data += len;
		size -= len;
	}
	if (hl_jrec_store_count(&g.store) > 16 || hl_gate_tombs(&g) > 16)
		abort();
	gate_new(&g2, &rng2);
	if (hl_gate_snapshot(&g, again, &g2) != 0 ||
	        hl_jrec_store_count(&g2.store) != hl_jrec_store_count(&g.store))
		abort();
	for (uint32_t s = 0; s < g.store.map.max; s++) {
		const struct hl_jrec *r = &g.store.r[s], *r2;
		if (r->job == 0 || hl_idmap_find(&g.store.map, r->job) != s)
			continue;
		if ((r2 = hl_jrec_store_get(&g2.store, r->job)) == NULL || r2->token != r->token ||
		        r2->version != r->version || r2->len != r->len ||
		        memcmp(r2->body, r->body, r->len) != 0)
			abort();
	}
	hl_gate_fini(&g2);
	hl_gate_fini(&g);
	return 0;
}
