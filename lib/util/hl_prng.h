/* hl_prng.h — seeded PRNG (xoshiro256**, seeded through splitmix64). Each owner keeps its own
 * state: the sans-IO cores never touch a global RNG, so a run is replayable from its seed. */
#ifndef HL_PRNG_H
#define HL_PRNG_H

#include <stdint.h>

struct hl_prng {
	uint64_t s[4];
};

/** Seed the generator; any seed (including 0) gives a valid, distinct stream. */
void hl_prng_seed(struct hl_prng *g, uint64_t seed);

/** Next 64 random bits. */
uint64_t hl_prng_next(struct hl_prng *g);

/** Uniform integer in [0, n); returns 0 when n == 0. Unbiased (Lemire's method). */
uint64_t hl_prng_below(struct hl_prng *g, uint64_t n);

/** Uniform double in [0, 1). */
double hl_prng_unit(struct hl_prng *g);

/** Derive an independent child seed (e.g. one stream per simulated node). */
uint64_t hl_prng_split(struct hl_prng *g);

#endif
