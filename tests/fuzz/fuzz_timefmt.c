/* tests/fuzz/fuzz_timefmt.c -- libFuzzer target for src/timefmt.
 *
 * The first byte selects a pattern from a fixed list (byte % NPATTERNS) and
 * the rest is the value. A first byte of 0xFF instead fuzzes the compiler:
 * the bytes up to the first newline are the pattern, the rest the value.
 *
 * Nothing may crash, and every answer must be consistent: a successful parse
 * yields fields inside their ranges (checked against an independent month
 * table), converts to Unix ms, and survives a round trip through
 * tk_time_format_iso() and the iso8601 pattern; a failure fills the error
 * record with the same code and a one-line, valid UTF-8 message. */
#include "src/timefmt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const patterns[] = {
    "YYYY/MM/DD hh:mm:ss",
    "YYYY/MM/DD hh:mm",
    "YYYY/M/D h:mm:ss",
    "YYYYMMDDhhmmss",
    "YYYYMMDD hhmmss",
    "YYYY-MM-DD hh:mm:ss.SSS",
    "YY/MM/DD",
    "hh:mm:ss",
    "Gee.MM.DD",
    "GGGe年M月D日",
    "GGGee年MM月DD日 hh時mm分ss秒",
    "iso8601",
    "YYYY-MM-DD hh:mm:ss.S+",
    "YYYY/MM/DD hh:mm:ss Z",
    "'o''clock' YYYY/MM/DD hh",
    "hh:mm:ssZ",
};
#define NPATTERNS (sizeof patterns / sizeof patterns[0])

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

static int month_days(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return len[m - 1] + (m == 2 && leap);
}

/* A strict UTF-8 check without control characters: messages end up in JSON. */
static int clean_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char c = *p;
        size_t n;
        if (c < 0x20 || c == 0x7F)
            return 0;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3;
        else
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0;
        if (c == 0xED && p[1] > 0x9F)
            return 0;
        if (c == 0xF0 && p[1] < 0x90)
            return 0;
        if (c == 0xF4 && p[1] > 0x8F)
            return 0;
        for (size_t k = 1; k <= n; k++)
            if (p[k] < 0x80 || p[k] > 0xBF)
                return 0;
        p += n + 1;
    }
    return 1;
}

static void check_result(const tk_timefmt *f, const tk_tm *tm)
{
    CHECK(tm->has_date == tk_timefmt_has_date(f));
    CHECK(tm->has_time == tk_timefmt_has_time(f));
    if (tm->has_date) {
        CHECK(tm->year >= 1 && tm->year <= 9999);
        CHECK(tm->month >= 1 && tm->month <= 12);
        CHECK(tm->day >= 1 && tm->day <= month_days(tm->year, tm->month));
        int y, m, d;
        tk_civil_from_days(tk_days_from_civil(tm->year, tm->month, tm->day), &y, &m, &d);
        CHECK(y == tm->year && m == tm->month && d == tm->day);
    }
    if (tm->has_time) {
        CHECK(tm->hour >= 0 && tm->hour <= 23);
        CHECK(tm->min >= 0 && tm->min <= 59);
        CHECK(tm->sec >= 0 && tm->sec <= 59);
        CHECK(tm->ms >= 0 && tm->ms <= 999);
    }
    if (tm->has_tz)
        CHECK(tm->tz_offset_min >= -1439 && tm->tz_offset_min <= 1439);

    tk_error err;
    int64_t ms = 0;
    const int rc = tk_tm_to_unix_ms(tm, &ms, &err);
    if (!tm->has_date) {
        CHECK(rc == TK_EINVAL);
        return;
    }
    CHECK(rc == TK_OK);

    /* Round trip through the ISO formatter and the iso8601 pattern. A zone
     * can move the JST year outside 0001-9999, where formatting refuses. */
    char buf[TK_TIME_ISO_SIZE];
    const size_t n = tk_time_format_iso(ms, buf, sizeof buf);
    if (n == 0)
        return;
    tk_timefmt *iso = NULL;
    CHECK(tk_timefmt_compile(&iso, "iso8601", NULL) == TK_OK);
    tk_tm back;
    int64_t ms2 = 0;
    CHECK(tk_timefmt_parse(iso, buf, n, &back, NULL) == TK_OK);
    CHECK(tk_tm_to_unix_ms(&back, &ms2, NULL) == TK_OK);
    CHECK(ms2 == ms);
    CHECK(tk_jst_day(ms) == tk_days_from_civil(back.year, back.month, back.day));
    tk_timefmt_destroy(iso);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char pat[256];
    const char *pattern;
    const char *value;
    size_t len;

    if (size == 0)
        return 0;
    if (data[0] == 0xFF) {
        const uint8_t *nl = memchr(data + 1, '\n', size - 1);
        const size_t plen = nl != NULL ? (size_t)(nl - data) - 1 : size - 1;
        if (plen >= sizeof pat || memchr(data + 1, '\0', plen) != NULL)
            return 0;
        memcpy(pat, data + 1, plen);
        pat[plen] = '\0';
        pattern = pat;
        value = nl != NULL ? (const char *)nl + 1 : "";
        len = nl != NULL ? size - plen - 2 : 0;
    } else {
        pattern = patterns[data[0] % NPATTERNS];
        value = (const char *)data + 1;
        len = size - 1;
    }

    tk_error err;
    tk_timefmt *f = NULL;
    int rc = tk_timefmt_compile(&f, pattern, &err);
    if (rc != TK_OK) {
        CHECK(f == NULL && rc == TK_EINVAL && err.code == rc);
        CHECK(err.msg[0] != '\0' && clean_utf8(err.msg));
        return 0;
    }

    /* Copy the value so ASan catches any read past len. */
    char *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL) {
        tk_timefmt_destroy(f);
        return 0;
    }
    if (len > 0)
        memcpy(copy, value, len);
    tk_tm tm;
    rc = tk_timefmt_parse(f, copy, len, &tm, &err);
    if (rc == TK_OK) {
        check_result(f, &tm);
    } else {
        CHECK(rc == TK_EPARSE && err.code == rc);
        CHECK(err.msg[0] != '\0' && clean_utf8(err.msg));
        CHECK(tk_timefmt_parse(f, copy, len, &tm, NULL) == TK_EPARSE);
    }
    free(copy);
    tk_timefmt_destroy(f);
    return 0;
}
