/* sim/rng.c -- xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64.
 *
 * Approach. splitmix64 turns the seed, mixed with a stream number, into the four state words;
 * xoshiro256** then gives 64-bit outputs. Everything built on it is integer arithmetic:
 * Lemire's multiply-shift with rejection for bounded integers, an Irwin-Hall sum of four
 * uniforms for bell-shaped noise. No libm and no floating point whose last bit could differ
 * between machines or compilers, so one seed gives the same numbers everywhere. */
#include "sim/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void tk_rng_seed(tk_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (size_t i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t tk_rng_next(tk_rng *r)
{
    const uint64_t result = rotl(r->s[1] * 5, 7) * 9;
    const uint64_t t = r->s[1] << 17;
    r->s[2] ^= r->s[0];
    r->s[3] ^= r->s[1];
    r->s[1] ^= r->s[2];
    r->s[0] ^= r->s[3];
    r->s[2] ^= t;
    r->s[3] = rotl(r->s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift with rejection). */
uint32_t tk_rng_below(tk_rng *r, uint32_t n)
{
    uint64_t m = (tk_rng_next(r) >> 32) * (uint64_t)n;
    uint32_t l = (uint32_t)m;
    if (l < n) {
        const uint32_t t = (uint32_t)(0u - n) % n;
        while (l < t) {
            m = (tk_rng_next(r) >> 32) * (uint64_t)n;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

size_t tk_rng_index(tk_rng *r, size_t n)
{
    return (size_t)tk_rng_below(r, (uint32_t)n);
}

/* Uniform in [lo, hi] (inclusive). */
int tk_rng_range(tk_rng *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)tk_rng_below(r, (uint32_t)(hi - lo + 1));
}

/* 1 with probability pm / 1000. */
int tk_rng_pm(tk_rng *r, unsigned pm)
{
    return tk_rng_below(r, 1000) < pm;
}

/* Bell-shaped noise: mean + sd * z, z from an Irwin-Hall sum of four uniforms (sd of the sum
 * of four U[0, 65536) is 65536 / sqrt(3) = 37837.2). Integer arithmetic only. */
int tk_rng_bell(tk_rng *r, int mean, int sd)
{
    int64_t s = 0;
    for (size_t i = 0; i < 4; i++)
        s += (int64_t)(tk_rng_next(r) >> 48);
    s -= 131072;
    return mean + (int)(s * (int64_t)sd / 37837);
}

/* Index drawn with integer weights w[0..n). */
size_t tk_rng_weighted(tk_rng *r, const unsigned *w, size_t n)
{
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    if (total == 0)
        return 0;
    unsigned x = tk_rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* An index skewed towards 0 (the minimum of two draws): common names first. */
size_t tk_rng_skewed(tk_rng *r, size_t n)
{
    const size_t a = tk_rng_index(r, n), b = tk_rng_index(r, n);
    return a < b ? a : b;
}
