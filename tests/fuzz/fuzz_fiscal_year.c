/* tests/fuzz/fuzz_fiscal_year.c -- libFuzzer target for
 * tk_period_parse_fiscal_year() (src/period.h), the parser of the {fy} of
 * /api/v1/reports/{plan,completion,annual}/{fy} and of `--fiscal-year`.
 *
 * The input is any bytes. An accepted year must be exactly four digits,
 * optionally after "FY" in either case, in TK_PERIOD_FY_MIN..MAX, and
 * equal the year a reference decoding gives; a refused one must leave a
 * message and the code TK_EINVAL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/period.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    int fy = -1;
    tk_error err;
    memset(&err, 0, sizeof err);
    const int rc = tk_period_parse_fiscal_year(p, size, &fy, &err);

    /* The reference: an optional FY, then four digits. */
    size_t off = 0;
    if (size > 2 && (p[0] == 'F' || p[0] == 'f') && (p[1] == 'Y' || p[1] == 'y'))
        off = 2;
    int want = -1;
    if (size - off == 4) {
        int v = 0;
        size_t i = off;
        while (i < size && p[i] >= '0' && p[i] <= '9')
            v = v * 10 + (p[i++] - '0');
        if (i == size && v >= TK_PERIOD_FY_MIN && v <= TK_PERIOD_FY_MAX)
            want = v;
    }
    if (rc == TK_OK) {
        if (want < 0 || fy != want)
            abort();
    } else {
        if (rc != TK_EINVAL || err.code != TK_EINVAL || err.msg[0] == '\0' || want >= 0)
            abort();
    }
    return 0;
}
