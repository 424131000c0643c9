/* src/checked.h -- overflow-checked arithmetic, narrowing and number parsing.
 *
 * Everything derived from input (sizes, counts, offsets) goes through these
 * helpers. Each returns 1 on success and 0 on overflow / bad input, leaving
 * *out unspecified on failure. Thread-safe. */
#ifndef TK_CHECKED_H
#define TK_CHECKED_H

#include <stddef.h>
#include <stdint.h>

static inline int tk_add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

static inline int tk_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static inline int tk_add_i64(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

static inline int tk_mul_i64(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* Narrowing: size_t to int (SQLite lengths) and to unsigned (MHD). */
static inline int tk_size_to_int(size_t v, int *out)
{
    if (v > (size_t)INT32_MAX)
        return 0;
    *out = (int)v;
    return 1;
}

static inline int tk_i64_to_size(int64_t v, size_t *out)
{
    if (v < 0)
        return 0;
    *out = (size_t)v;
    return 1;
}

/* Parses a decimal integer occupying all of p[0..len): optional sign, digits.
 * Rejects empty input, spaces, trailing junk and values outside int64. */
int tk_parse_i64(const char *p, size_t len, int64_t *out);

/* Parses a finite decimal floating-point number occupying all of p[0..len).
 * Rejects empty input, trailing junk, hex floats, NaN and Inf. */
int tk_parse_f64(const char *p, size_t len, double *out);

#endif
