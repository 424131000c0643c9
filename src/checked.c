/* src/checked.c -- strict number parsing.
 *
 * tk_parse_i64 accumulates digits with overflow checks instead of calling
 * strtoll so that the input need not be NUL-terminated and partial parses are
 * impossible. tk_parse_f64 copies into a bounded buffer (numbers longer than
 * 63 bytes are not numbers anyone writes) and uses strtod, then rejects what
 * strtod accepts but a CSV number must not be (inf, nan, hex). */
#include "src/checked.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tk_parse_i64(const char *p, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (len == 0)
        return 0;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        i = 1;
        if (len == 1)
            return 0;
    }
    int64_t v = 0;
    for (; i < len; i++) {
        const unsigned d = (unsigned)(unsigned char)p[i] - '0';
        if (d > 9)
            return 0;
        if (!tk_mul_i64(v, 10, &v))
            return 0;
        if (!tk_add_i64(v, neg ? -(int64_t)d : (int64_t)d, &v))
            return 0;
    }
    *out = v;
    return 1;
}

int tk_parse_f64(const char *p, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    for (size_t i = 0; i < len; i++) {
        const char c = p[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return 0;
    }
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end = NULL;
    const double v = strtod(buf, &end);
    if (end != buf + len || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}
