/* specs.h — job profile texts kept beside the coordination cores (pure: no I/O, no clock).
 * The cores carry job ids, never the profile; gates and managers keep each job's text here,
 * learnt from a client's submit or a peer's job_spec_put, and hand it on before the messages
 * that need it (a DC submit, a dispatch). Bounded: at most `max` texts; a put into a full store
 * evicts the least recently used (counted); texts unused for ttl_ns expire; a job's text is
 * dropped once no core here holds its job any more (hl_specs_sweep: the job ended, or it never
 * came here), a grace after its last use. */
#ifndef HL_SPECS_H
#define HL_SPECS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_idmap.h"

struct hl_spec_ent {
	uint64_t job;
	uint8_t *text;
	uint32_t len;
	uint64_t used_ns; /* last put or get */
};

struct hl_specs {
	struct hl_idmap map;
	struct hl_spec_ent *e; /* by idmap slot */
	uint32_t max;
	uint32_t max_len;
	uint64_t ttl_ns;
	uint64_t bytes;
	uint64_t n_put, n_same, n_conflict, n_evicted, n_expired, n_dropped, n_too_big;
	uint64_t n_swept;
};

/** max texts of at most max_len bytes each; -EINVAL, -ENOMEM. */
int hl_specs_init(struct hl_specs *s, uint32_t max, uint32_t max_len, uint64_t ttl_ns);
void hl_specs_fini(struct hl_specs *s);
/** Keep a copy of text for job. 0 stored (or the same text already held), -EEXIST (a different
 *  text is held for job: kept, counted), -EMSGSIZE (over max_len), -EINVAL (job 0, len 0),
 *  -ENOMEM. A full store first evicts its least recently used text. */
int hl_specs_put(struct hl_specs *s, uint64_t job, const void *text, size_t len, uint64_t now_ns);
/** The text of job (valid until the next put/drop/expire), NULL if none; refreshes its use. */
const uint8_t *hl_specs_get(struct hl_specs *s, uint64_t job, size_t *len, uint64_t now_ns);
/** Forget job's text: 0 or -ENOENT. */
int hl_specs_drop(struct hl_specs *s, uint64_t job);
/** Drop texts unused for ttl_ns; returns how many. */
uint32_t hl_specs_expire(struct hl_specs *s, uint64_t now_ns);
/** Drop every text unused for more than grace_ns whose job needed(job, ctx) says no core here
 *  holds (the job ended here, or its record never came); returns how many. */
uint32_t hl_specs_sweep(struct hl_specs *s, bool (*needed)(uint64_t job, void *ctx), void *ctx,
        uint64_t now_ns, uint64_t grace_ns);
static inline uint32_t
hl_specs_count(const struct hl_specs *s)
{
	return hl_idmap_count(&s->map);
}

#endif
