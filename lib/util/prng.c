/* prng.c — xoshiro256** (Blackman & Vigna) seeded with splitmix64. */
#include "hl_prng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
hl_prng_seed(struct hl_prng *g, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		g->s[i] = splitmix64(&x);
}

uint64_t
hl_prng_next(struct hl_prng *g)
{
	uint64_t *s = g->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t
hl_prng_below(struct hl_prng *g, uint64_t n)
{
	if (n == 0)
		return 0;
	unsigned __int128 m = (unsigned __int128)hl_prng_next(g) * n;
	uint64_t l = (uint64_t)m;
	if (l < n) {
		uint64_t t = -n % n;
		while (l < t) {
			m = (unsigned __int128)hl_prng_next(g) * n;
			l = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double
hl_prng_unit(struct hl_prng *g)
{
	return (double)(hl_prng_next(g) >> 11) * 0x1.0p-53;
}

uint64_t
hl_prng_split(struct hl_prng *g)
{
	return hl_prng_next(g) ^ 0x6a09e667f3bcc909ULL;
}
