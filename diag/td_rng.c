/* td_rng.c — xoshiro256** (Blackman & Vigna), seeded through splitmix64.
 * All randomness in tdiag flows through an explicit td_rng. */
#include "td.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void td_rng_seed(td_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
    r->has_spare = 0;
    r->spare = 0.0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t td_rng_u64(td_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double td_rng_uniform(td_rng *r)
{
    return (double)(td_rng_u64(r) >> 11) * 0x1.0p-53;
}

double td_rng_normal(td_rng *r)
{
    if (r->has_spare) { r->has_spare = 0; return r->spare; }
    double u, v, s;
    do {
        u = 2.0 * td_rng_uniform(r) - 1.0;
        v = 2.0 * td_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double m = sqrt(-2.0 * log(s) / s);
    r->spare = v * m;
    r->has_spare = 1;
    return u * m;
}

uint64_t td_rng_below(td_rng *r, uint64_t n)
{
    /* Lemire's rejection keeps the draw unbiased. */
    uint64_t limit = (uint64_t)(-n) % n;
    for (;;) {
        uint64_t x = td_rng_u64(r);
        if (x >= limit) return x % n;
    }
}
