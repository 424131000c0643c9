/* sim/rng.h -- the simulator's random numbers: xoshiro256** seeded through splitmix64.
 *
 * A tk_rng is a small transparent value (four words) owned by whoever embeds it. Every
 * function draws with integer arithmetic only, so a seed gives the same numbers on every
 * machine and compiler. Not thread-safe: one generator belongs to one thread. */
#ifndef TK_SIM_RNG_H
#define TK_SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct tk_rng {
    uint64_t s[4];
} tk_rng;

/* Seeds r from seed and a stream number (one stream per purpose, so that drawing more numbers
 * for one purpose does not shift another's). */
void tk_rng_seed(tk_rng *r, uint64_t seed, uint64_t stream);

/* The next 64 random bits. */
uint64_t tk_rng_next(tk_rng *r);

/* Uniform in [0, n), n > 0. */
uint32_t tk_rng_below(tk_rng *r, uint32_t n);

/* Uniform in [0, n), n > 0 and below 2^32. */
size_t tk_rng_index(tk_rng *r, size_t n);

/* Uniform in [lo, hi] (lo when hi <= lo). */
int tk_rng_range(tk_rng *r, int lo, int hi);

/* 1 with probability pm / 1000. */
int tk_rng_pm(tk_rng *r, unsigned pm);

/* Bell-shaped noise around mean with standard deviation sd (Irwin-Hall, four uniforms). */
int tk_rng_bell(tk_rng *r, int mean, int sd);

/* An index of w[0..n) (borrowed) drawn with the integer weights; 0 when they sum to 0. */
size_t tk_rng_weighted(tk_rng *r, const unsigned *w, size_t n);

/* An index of [0, n) skewed towards 0 (the smaller of two draws). */
size_t tk_rng_skewed(tk_rng *r, size_t n);

#endif
