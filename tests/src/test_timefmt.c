/* tests/src/test_timefmt.c -- timestamp patterns, eras, calendar arithmetic.
 *
 * Expected Unix milliseconds were computed independently with Python's
 * datetime (aware datetimes in UTC+9, UTC, UTC-5 and UTC+5:30) and are
 * hard-coded; the day-number round trip is checked against a naive
 * day-by-day counter. Error messages are compared in full, one per class of
 * bad input, because analysts read them. The last test prints a rough parse
 * rate; it asserts nothing about speed. */
#include "src/timefmt.h"

#include <stdint.h>
#include <time.h>

#include "src/alloc.h"
#include "tests/test.h"

/* Parses val with pat; on success stores Unix ms in *ms. Fills *err. */
static int parse_to_ms(const char *pat, const char *val, int64_t *ms, tk_error *err)
{
    tk_timefmt *f = NULL;
    tk_tm tm;
    int rc = tk_timefmt_compile(&f, pat, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_timefmt_parse(f, val, strlen(val), &tm, err);
    if (rc == TK_OK)
        rc = tk_tm_to_unix_ms(&tm, ms, err);
    tk_timefmt_destroy(f);
    return rc;
}

static int expect_ms(const char *pat, const char *val, int64_t want)
{
    tk_error err = {0, ""};
    int64_t got = 0;
    const int rc = parse_to_ms(pat, val, &got, &err);
    if (rc != TK_OK || got != want) {
        fprintf(stderr, "  pattern %s value \"%s\": rc %d (%s) got %lld want %lld\n", pat, val, rc,
                err.msg, (long long)got, (long long)want);
        return 0;
    }
    return 1;
}

/* The parse must fail with code and exactly msg. */
static int expect_err(const char *pat, const char *val, int code, const char *msg)
{
    tk_error err = {0, ""};
    int64_t got = 0;
    const int rc = parse_to_ms(pat, val, &got, &err);
    if (rc != code || err.code != code || strcmp(err.msg, msg) != 0) {
        fprintf(stderr, "  pattern %s value \"%s\": rc %d\n    got  %s\n    want %s\n", pat, val,
                rc, err.msg, msg);
        return 0;
    }
    return 1;
}

/* Compiling pat must fail with exactly msg. */
static int expect_bad_pattern(const char *pat, const char *msg)
{
    tk_error err = {0, ""};
    tk_timefmt *f = (tk_timefmt *)&err; /* must be reset to NULL */
    const int rc = tk_timefmt_compile(&f, pat, &err);
    if (rc != TK_EINVAL || f != NULL || strcmp(err.msg, msg) != 0) {
        fprintf(stderr, "  pattern %s: rc %d\n    got  %s\n    want %s\n", pat, rc, err.msg, msg);
        if (rc == TK_OK)
            tk_timefmt_destroy(f);
        return 0;
    }
    return 1;
}

static void test_required_patterns(void)
{
    /* 2024-10-01 09:15:02 JST */
    TK_CHECK(expect_ms("YYYY/MM/DD hh:mm:ss", "2024/10/01 09:15:02", 1727741702000LL));
    TK_CHECK(expect_ms("YYYY/MM/DD hh:mm", "2024/10/01 09:15", 1727741700000LL));
    TK_CHECK(expect_ms("YYYY/M/D h:mm:ss", "2024/1/5 9:05:07", 1704413107000LL));
    TK_CHECK(expect_ms("YYYY/M/D h:mm:ss", "2024/01/05 09:05:07", 1704413107000LL));
    TK_CHECK(expect_ms("YYYY/M/D h:mm:ss", "2024/12/31 23:59:59", 1735657199000LL));
    TK_CHECK(expect_ms("YYYYMMDDhhmmss", "20241001091502", 1727741702000LL));
    TK_CHECK(expect_ms("YYYYMMDD hhmmss", "20241001 091502", 1727741702000LL));
    TK_CHECK(expect_ms("YYYY-MM-DD hh:mm:ss.SSS", "2024-10-01 09:15:02.123", 1727741702123LL));
    TK_CHECK(expect_ms("YY/MM/DD", "24/10/01", 1727708400000LL));
    TK_CHECK(expect_ms("YY/MM/DD", "99/12/31", 946566000000LL));
    TK_CHECK(expect_ms("YY/MM/DD", "69/01/01", 3124191600000LL));
    TK_CHECK(expect_ms("YY/MM/DD", "70/01/01", -32400000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "R06.10.01", 1727708400000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "r06.10.01", 1727708400000LL));
    TK_CHECK(expect_ms("GGGe年M月D日", "令和6年10月1日", 1727708400000LL));
    TK_CHECK(expect_ms("GGGe年M月D日", "令和06年10月01日", 1727708400000LL));
    TK_CHECK(expect_ms("GGGe年M月D日", "令和元年5月1日", 1556636400000LL));
    TK_CHECK(expect_ms("GGGee年MM月DD日 hh時mm分ss秒", "令和06年10月01日 09時15分02秒",
                       1727741702000LL));
    TK_CHECK(expect_ms("GGGee年MM月DD日 hh時mm分ss秒", "令和元年05月01日 00時00分00秒",
                       1556636400000LL));

    /* A time-only pattern parses into a tm without a date. */
    tk_timefmt *f = NULL;
    tk_tm tm;
    TK_REQUIRE(tk_timefmt_compile(&f, "hh:mm:ss", NULL) == TK_OK);
    TK_CHECK(!tk_timefmt_has_date(f));
    TK_CHECK(tk_timefmt_has_time(f));
    TK_CHECK(tk_timefmt_parse(f, "09:15:02", 8, &tm, NULL) == TK_OK);
    TK_CHECK(!tm.has_date && tm.has_time && !tm.has_tz);
    TK_CHECK_INT(tm.hour, 9);
    TK_CHECK_INT(tm.min, 15);
    TK_CHECK_INT(tm.sec, 2);
    TK_CHECK_STR(tk_timefmt_pattern(f), "hh:mm:ss");
    tk_timefmt_destroy(f);
}

static void test_more_tokens(void)
{
    TK_CHECK(expect_ms("YYYY-MM-DD hh:mm:ss.S+", "2024-10-01 09:15:02.1", 1727741702100LL));
    TK_CHECK(expect_ms("YYYY-MM-DD hh:mm:ss.S+", "2024-10-01 09:15:02.123456789", 1727741702123LL));
    TK_CHECK(
        expect_ms("YYYY-MM-DD hh:mm:ss.SSSSSS", "2024-10-01 09:15:02.999999", 1727741702999LL));
    TK_CHECK(expect_ms("YYYY-MM-DD hh:mm:ss,SS", "2024-10-01 09:15:02,25", 1727741702250LL));
    TK_CHECK(expect_ms("hh:mm:ss:SSS YYYY/MM/DD", "09:15:02:123 2024/10/01", 1727741702123LL));
    TK_CHECK(expect_ms("YYYY/MM/DD hh:mm:ss 'JST'", "2024/10/01 09:15:02 JST", 1727741702000LL));
    TK_CHECK(expect_ms("YYYY/MM/DD'T'hh:mm:ssZ", "2024/10/01T00:15:02Z", 1727741702000LL));
    TK_CHECK(expect_ms("YYYY-MM-DDThh:mm:ssZ", "2024-09-30T19:15:02-05:00", 1727741702000LL));
    TK_CHECK(expect_ms("YYYY/MM/DD hh:mm:ss Z", "2024/10/01 05:45:02 +0530", 1727741702000LL));
    TK_CHECK(expect_ms("'o''clock' YYYY/MM/DD hh", "o'clock 2024/10/01 09", 1727740800000LL));
    TK_CHECK(expect_ms("''YYYY/MM/DD''", "'2024/10/01'", 1727708400000LL));
    TK_CHECK(expect_ms("YYYY/MM/DD(火) hh:mm", "2024/10/01(火) 09:15", 1727741700000LL));
    TK_CHECK(expect_ms("YYYY年MM月DD日", "2024年10月01日", 1727708400000LL));
    TK_CHECK(expect_ms("YYYY年M月D日 h時mm分", "2024年1月5日 9時05分", 1704413100000LL));
    TK_CHECK(expect_ms("DD/MM/YYYY", "01/10/2024", 1727708400000LL));
    TK_CHECK(expect_ms("Ge.M.D", "H1.1.8", 600188400000LL));
    /* Leading and trailing ASCII spaces are trimmed, in value and pattern. */
    TK_CHECK(expect_ms("YYYY/MM/DD hh:mm:ss", "  2024/10/01 09:15:02 ", 1727741702000LL));
    TK_CHECK(expect_ms("  YYYY/MM/DD hh:mm:ss  ", "2024/10/01 09:15:02", 1727741702000LL));
    /* Extremes of the supported range. */
    TK_CHECK(expect_ms("YYYY/MM/DD", "0001/01/01", -62135629200000LL));
    TK_CHECK(expect_ms("YYYY/MM/DD hh:mm:ss.SSS", "9999/12/31 23:59:59.999", 253402268399999LL));
}

static void test_iso8601(void)
{
    TK_CHECK(expect_ms("iso8601", "2024-10-01T09:15:02", 1727741702000LL));
    TK_CHECK(expect_ms("ISO8601", "2024-10-01 09:15:02", 1727741702000LL));
    TK_CHECK(expect_ms("iso8601", "2024-10-01T09:15:02+09:00", 1727741702000LL));
    TK_CHECK(expect_ms("iso8601", "2024-10-01T09:15:02+0900", 1727741702000LL));
    TK_CHECK(expect_ms("iso8601", "2024-10-01T09:15:02+09", 1727741702000LL));
    TK_CHECK(expect_ms("iso8601", "2024-10-01T00:15:02Z", 1727741702000LL));
    TK_CHECK(expect_ms("iso8601", "2024-10-01t00:15:02z", 1727741702000LL));
    TK_CHECK(expect_ms("iso8601", "2024-09-30T19:15:02-05:00", 1727741702000LL));
    TK_CHECK(expect_ms("iso8601", "2024-10-01T05:45:02.250+05:30", 1727741702250LL));
    TK_CHECK(expect_ms("iso8601", "2024-10-01T09:15:02.5", 1727741702500LL));
    TK_CHECK(expect_ms("iso8601", "2024-10-01T09:15:02,123456789+09:00", 1727741702123LL));
    TK_CHECK(expect_ms("iso8601", "2024-10-01T00:15:02.123Z", 1727741702123LL));
    TK_CHECK(expect_ms("iso8601", "1970-01-01T00:00:00Z", 0));
    TK_CHECK(expect_ms("iso8601", "1969-12-31T23:59:59.999Z", -1));

    tk_timefmt *f = NULL;
    tk_tm tm;
    TK_REQUIRE(tk_timefmt_compile(&f, "iso8601", NULL) == TK_OK);
    TK_CHECK(tk_timefmt_has_date(f) && tk_timefmt_has_time(f));
    TK_CHECK(tk_timefmt_parse(f, "2024-09-30T19:15:02-05:00", 25, &tm, NULL) == TK_OK);
    TK_CHECK(tm.has_tz);
    TK_CHECK_INT(tm.tz_offset_min, -300);
    TK_CHECK(tk_timefmt_parse(f, "2024-10-01T09:15:02", 19, &tm, NULL) == TK_OK);
    TK_CHECK(!tm.has_tz);
    tk_timefmt_destroy(f);
}

static void test_eras(void)
{
    TK_CHECK(expect_ms("Gee.MM.DD", "H31.04.30", 1556550000000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "R01.05.01", 1556636400000LL));
    TK_CHECK(expect_ms("GGGe年M月D日", "平成31年4月30日", 1556550000000LL));
    TK_CHECK(expect_ms("GGGe年M月D日", "令和元年5月1日", 1556636400000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "S64.01.07", 600102000000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "H01.01.08", 600188400000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "S01.12.25", -1357635600000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "T15.12.24", -1357722000000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "T01.07.30", -1812186000000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "M45.07.29", -1812272400000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "M01.01.25", -3216790800000LL));
    TK_CHECK(expect_ms("GGGe年M月D日", "明治元年1月25日", -3216790800000LL));
    TK_CHECK(expect_ms("Gee.MM.DD", "R99.12.31", 4670319600000LL));

    TK_CHECK(expect_err("Gee.MM.DD", "H31.05.01", TK_EPARSE,
                        "\"H31.05.01\": 2019-05-01 is outside 平成 (1989-01-08 to 2019-04-30)"));
    TK_CHECK(expect_err("Gee.MM.DD", "R01.04.30", TK_EPARSE,
                        "\"R01.04.30\": 2019-04-30 is outside 令和 (from 2019-05-01)"));
    TK_CHECK(expect_err("Gee.MM.DD", "S64.01.08", TK_EPARSE,
                        "\"S64.01.08\": 1989-01-08 is outside 昭和 (1926-12-25 to 1989-01-07)"));
    TK_CHECK(expect_err("Gee.MM.DD", "H01.01.07", TK_EPARSE,
                        "\"H01.01.07\": 1989-01-07 is outside 平成 (1989-01-08 to 2019-04-30)"));
    TK_CHECK(expect_err("Gee.MM.DD", "M01.01.24", TK_EPARSE,
                        "\"M01.01.24\": 1868-01-24 is outside 明治 (1868-01-25 to 1912-07-29)"));
    TK_CHECK(expect_err("Gee.MM.DD", "T16.01.01", TK_EPARSE,
                        "\"T16.01.01\": 1927-01-01 is outside 大正 (1912-07-30 to 1926-12-24)"));
    TK_CHECK(
        expect_err("GGGe年M月D日", "平成32年1月1日", TK_EPARSE,
                   "\"平成32年1月1日\": 2020-01-01 is outside 平成 (1989-01-08 to 2019-04-30)"));
    TK_CHECK(expect_err("Gee.MM.DD", "R00.10.01", TK_EPARSE,
                        "\"R00.10.01\": era year 0 out of range (expected 1 or more)"));
}

static void test_leap_years(void)
{
    TK_CHECK(expect_ms("YYYY/MM/DD", "2024/02/29", 1709132400000LL));
    TK_CHECK(expect_ms("YYYY/MM/DD", "2000/02/29", 951750000000LL));
    TK_CHECK(expect_err("YYYY/MM/DD", "2023/02/29", TK_EPARSE,
                        "\"2023/02/29\": day 29 out of range for 2023-02 (expected 01-28)"));
    TK_CHECK(expect_err("YYYY/MM/DD", "2100/02/29", TK_EPARSE,
                        "\"2100/02/29\": day 29 out of range for 2100-02 (expected 01-28)"));
    TK_CHECK(expect_err("YYYY/MM/DD", "2024/02/30", TK_EPARSE,
                        "\"2024/02/30\": day 30 out of range for 2024-02 (expected 01-29)"));
    TK_CHECK(tk_is_leap_year(2024) && tk_is_leap_year(2000) && tk_is_leap_year(1600));
    TK_CHECK(!tk_is_leap_year(2023) && !tk_is_leap_year(2100) && !tk_is_leap_year(1900));
    TK_CHECK_INT(tk_days_in_month(2024, 2), 29);
    TK_CHECK_INT(tk_days_in_month(2023, 2), 28);
    TK_CHECK_INT(tk_days_in_month(2023, 9), 30);
    TK_CHECK_INT(tk_days_in_month(2023, 13), 0);
}

static void test_value_errors(void)
{
    const char *p = "YYYY/MM/DD hh:mm:ss";
    TK_CHECK(expect_err(p, "2024/13/01 09:15:02", TK_EPARSE,
                        "\"2024/13/01 09:15:02\": month 13 out of range (expected 01-12)"));
    TK_CHECK(expect_err(p, "2024/00/01 09:15:02", TK_EPARSE,
                        "\"2024/00/01 09:15:02\": month 00 out of range (expected 01-12)"));
    TK_CHECK(
        expect_err(p, "2024/09/31 09:15:02", TK_EPARSE,
                   "\"2024/09/31 09:15:02\": day 31 out of range for 2024-09 (expected 01-30)"));
    TK_CHECK(
        expect_err(p, "2024/10/00 09:15:02", TK_EPARSE,
                   "\"2024/10/00 09:15:02\": day 00 out of range for 2024-10 (expected 01-31)"));
    TK_CHECK(expect_err(p, "0000/10/01 09:15:02", TK_EPARSE,
                        "\"0000/10/01 09:15:02\": year 0000 out of range (expected 0001-9999)"));
    TK_CHECK(expect_err(p, "2024/10/01 24:00:00", TK_EPARSE,
                        "\"2024/10/01 24:00:00\": hour 24 out of range (expected 00-23)"));
    TK_CHECK(expect_err(p, "2024/10/01 09:60:00", TK_EPARSE,
                        "\"2024/10/01 09:60:00\": minute 60 out of range (expected 00-59)"));
    TK_CHECK(expect_err(p, "2024/10/01 09:15:60", TK_EPARSE,
                        "\"2024/10/01 09:15:60\": second 60 out of range (expected 00-59)"));
    TK_CHECK(expect_err(p, "2024-10-01 09:15:02", TK_EPARSE,
                        "\"2024-10-01 09:15:02\": expected \"/\" at character 5"));
    TK_CHECK(expect_err(p, "2024/10/01", TK_EPARSE,
                        "\"2024/10/01\": expected \" \" at character 11, found the end of the "
                        "value"));
    TK_CHECK(expect_err(p, "2024/1/01 09:15:02", TK_EPARSE,
                        "\"2024/1/01 09:15:02\": expected 2 digits for month (MM) at character 6"));
    TK_CHECK(expect_err(p, "2024/10/01 09:15:02x", TK_EPARSE,
                        "\"2024/10/01 09:15:02x\": unexpected text at character 20 after a "
                        "complete YYYY/MM/DD hh:mm:ss"));
    TK_CHECK(expect_err(p, "2024/10/01 09:15:02.123", TK_EPARSE,
                        "\"2024/10/01 09:15:02.123\": unexpected text at character 20 after a "
                        "complete YYYY/MM/DD hh:mm:ss"));
    TK_CHECK(expect_err(p, "", TK_EPARSE, "\"\": empty value (expected YYYY/MM/DD hh:mm:ss)"));
    TK_CHECK(
        expect_err(p, "   ", TK_EPARSE, "\"   \": empty value (expected YYYY/MM/DD hh:mm:ss)"));
    TK_CHECK(expect_err("YYYY/M/D h:mm:ss", "2024/10/1 123:15:02", TK_EPARSE,
                        "\"2024/10/1 123:15:02\": expected \":\" at character 13"));
    TK_CHECK(expect_err("YYYY-MM-DD hh:mm:ss.SSS", "2024-10-01 09:15:02.12", TK_EPARSE,
                        "\"2024-10-01 09:15:02.12\": expected 3 digits for fraction of a second "
                        "(SSS) at character 21"));

    /* Eras and Japanese literals; positions count characters, not bytes. */
    TK_CHECK(expect_err("Gee.MM.DD", "R06.1O.01", TK_EPARSE,
                        "\"R06.1O.01\": expected 2 digits for month (MM) at character 5"));
    TK_CHECK(expect_err("Gee.MM.DD", "X06.10.01", TK_EPARSE,
                        "\"X06.10.01\": expected an era letter M, T, S, H or R (G) at character "
                        "1"));
    TK_CHECK(expect_err("GGGe年M月D日", "霊和6年10月1日", TK_EPARSE,
                        "\"霊和6年10月1日\": expected an era name 明治, 大正, 昭和, 平成 or 令和 "
                        "(GGG) at character 1"));
    TK_CHECK(expect_err("GGGe年M月D日", "令和X年10月1日", TK_EPARSE,
                        "\"令和X年10月1日\": expected 1-2 digits or 元 for era year (e) at "
                        "character 3"));
    TK_CHECK(expect_err("GGGe年M月D日", "令和6年10月1", TK_EPARSE,
                        "\"令和6年10月1\": expected \"日\" at character 9, found the end of the "
                        "value"));

    /* ISO 8601. */
    TK_CHECK(expect_err("iso8601", "2024-10-01X09:15:02", TK_EPARSE,
                        "\"2024-10-01X09:15:02\": expected \"T\" or \" \" between date and time "
                        "at character 11"));
    TK_CHECK(expect_err("iso8601", "2024-10-01T09:15:02 JST", TK_EPARSE,
                        "\"2024-10-01T09:15:02 JST\": expected a time zone Z, +hh:mm or -hh:mm "
                        "at character 20"));
    TK_CHECK(expect_err("iso8601", "2024-10-01T09:15:02+25:00", TK_EPARSE,
                        "\"2024-10-01T09:15:02+25:00\": time zone offset +25:00 at character 20 "
                        "out of range (expected -23:59 to +23:59)"));
    TK_CHECK(expect_err("iso8601", "2024-10-01T09:15:02.", TK_EPARSE,
                        "\"2024-10-01T09:15:02.\": expected digits for fraction of a second at "
                        "character 21, found the end of the value"));
    TK_CHECK(expect_err("iso8601", "2024-10-01T09:15", TK_EPARSE,
                        "\"2024-10-01T09:15\": expected \":\" at character 17, found the end of "
                        "the value"));
    TK_CHECK(expect_err("YYYY/MM/DD hh:mm:ss Z", "2024/10/01 09:15:02 JST", TK_EPARSE,
                        "\"2024/10/01 09:15:02 JST\": expected a time zone Z, +hh:mm or -hh:mm "
                        "(Z) at character 21"));

    /* Quoting: control bytes, quotes and invalid UTF-8 (CP932 日 = 93 fa)
     * are escaped; long values are cut on a character boundary. */
    TK_CHECK(expect_err(p, "2024/10/01\t09:15:02", TK_EPARSE,
                        "\"2024/10/01\\x0909:15:02\": expected \" \" at character 11"));
    TK_CHECK(
        expect_err(p, "\"2024/10/01\"", TK_EPARSE,
                   "\"\\\"2024/10/01\\\"\": expected 4 digits for year (YYYY) at character 1"));
    TK_CHECK(expect_err("GGGe年M月D日", "令和6年10月1\x93\xfa", TK_EPARSE,
                        "\"令和6年10月1\\x93\\xfa\": expected \"日\" at character 9"));
    TK_CHECK(
        expect_err("hh:mm:ss", "09:15:02 あいうえおかきくけこさしすせそたちつてと", TK_EPARSE,
                   "\"09:15:02 あいうえおかきくけこさしす...\": unexpected text at character 9 "
                   "after a complete hh:mm:ss"));

    /* A NULL error record still gets the code. */
    tk_timefmt *f = NULL;
    tk_tm tm;
    TK_REQUIRE(tk_timefmt_compile(&f, p, NULL) == TK_OK);
    TK_CHECK(tk_timefmt_parse(f, "2024/13/01 09:15:02", 19, &tm, NULL) == TK_EPARSE);
    TK_CHECK(tk_timefmt_parse(f, NULL, 0, &tm, NULL) == TK_EPARSE);
    /* The length is honoured: no NUL is needed, bytes after len are ignored. */
    TK_CHECK(tk_timefmt_parse(f, "2024/10/01 09:15:02999", 19, &tm, NULL) == TK_OK);
    tk_timefmt_destroy(f);
}

static void test_bad_patterns(void)
{
    TK_CHECK(expect_bad_pattern("", "empty time pattern"));
    TK_CHECK(expect_bad_pattern("   ", "empty time pattern"));
    TK_CHECK(expect_bad_pattern("YYYY/MMM/DD", "pattern \"YYYY/MMM/DD\": \"MMM\" at character 6 is "
                                               "not a token (the month is MM or M)"));
    TK_CHECK(expect_bad_pattern(
        "YYY/MM/DD", "pattern \"YYY/MM/DD\": \"YYY\" at character 1 is not a token (the year is "
                     "YYYY or YY)"));
    TK_CHECK(expect_bad_pattern("yyyy/MM/dd", "pattern \"yyyy/MM/dd\": \"yyyy\" at character 1 is "
                                              "not a token (the year is YYYY or YY; quote letters "
                                              "to match them literally)"));
    TK_CHECK(expect_bad_pattern("YYYY/MM/DD HH:mm:ss",
                                "pattern \"YYYY/MM/DD HH:mm:ss\": \"HH\" at character 12 is not a "
                                "token (the hour is hh or h; quote letters to match them "
                                "literally)"));
    TK_CHECK(expect_bad_pattern("YYYY/MM/DD h:m:ss",
                                "pattern \"YYYY/MM/DD h:m:ss\": \"m\" at character 14 is not a "
                                "token (minutes are mm; quote letters to match them literally)"));
    TK_CHECK(expect_bad_pattern("YYYY/MM/DD hh:mm:ss JST",
                                "pattern \"YYYY/MM/DD hh:mm:ss JST\": \"S\" at character 22 does "
                                "not follow the seconds (as in ss.SSS); quote letters to match "
                                "them literally"));
    TK_CHECK(expect_bad_pattern("YYYY/MM/DD hh:mm:ss 'JST",
                                "pattern \"YYYY/MM/DD hh:mm:ss 'JST\": unterminated quote at "
                                "character 21"));
    TK_CHECK(expect_bad_pattern("YYYY/MM/DD/DD", "pattern \"YYYY/MM/DD/DD\": \"DD\" at character "
                                                 "12 repeats the day"));
    TK_CHECK(expect_bad_pattern("YY YYYY/MM/DD", "pattern \"YY YYYY/MM/DD\": \"YYYY\" at character "
                                                 "4 repeats the year"));
    TK_CHECK(expect_bad_pattern("YYYY/MM/DD GGG",
                                "pattern \"YYYY/MM/DD GGG\": \"GGG\" at character 12 mixes a "
                                "Gregorian year (YYYY, YY) with an era (G, GGG, e, ee)"));
    TK_CHECK(expect_bad_pattern("YYYYMD", "pattern \"YYYYMD\": \"D\" at character 6 directly "
                                          "follows the variable-width \"M\"; put a separator "
                                          "between them or use a fixed width"));
    TK_CHECK(expect_bad_pattern("GGG年M月D日",
                                "pattern \"GGG年M月D日\": an era (G or GGG) but no era year (ee "
                                "or e)"));
    TK_CHECK(expect_bad_pattern("e年M月D日",
                                "pattern \"e年M月D日\": an era year (ee or e) but no era (G or "
                                "GGG)"));
    TK_CHECK(expect_bad_pattern("GG.MM.DD", "pattern \"GG.MM.DD\": \"GG\" at character 1 is not a "
                                            "token (the era is G (letter) or GGG (kanji))"));
    TK_CHECK(expect_bad_pattern("Geee.MM.DD", "pattern \"Geee.MM.DD\": \"eee\" at character 2 is "
                                              "not a token (the era year is ee or e)"));
    TK_CHECK(expect_bad_pattern("YYYY/MM", "pattern \"YYYY/MM\": a date without a day (DD or D)"));
    TK_CHECK(expect_bad_pattern("MM/DD", "pattern \"MM/DD\": a date without a year (YYYY, YY, or "
                                         "G with ee)"));
    TK_CHECK(expect_bad_pattern("mm:ss", "pattern \"mm:ss\": a time without an hour (hh or h)"));
    TK_CHECK(expect_bad_pattern("hh:ss", "pattern \"hh:ss\": seconds without minutes (mm)"));
    TK_CHECK(expect_bad_pattern(
        "hh:mm:ss.SSSSSSSSSS", "pattern \"hh:mm:ss.SSSSSSSSSS\": \"SSSSSSSSSS\" at character 10 is "
                               "not a token (a fraction is SSS, S to SSSSSSSSS, or S+)"));
    TK_CHECK(expect_bad_pattern("hh:mm:ss ZZ", "pattern \"hh:mm:ss ZZ\": \"ZZ\" at character 10 is "
                                               "not a token (the time zone is Z)"));
    TK_CHECK(expect_bad_pattern("--/--", "pattern \"--/--\": no date or time fields (see "
                                         "docs/time-formats.md)"));
    TK_CHECK(expect_bad_pattern("Z", "pattern \"Z\": no date or time fields (see "
                                     "docs/time-formats.md)"));
    /* Unquoted words hide tokens: D and e here. */
    TK_CHECK(expect_bad_pattern("Date: YYYY/MM/DD",
                                "pattern \"Date: YYYY/MM/DD\": \"YYYY\" at character 7 mixes a "
                                "Gregorian year (YYYY, YY) with an era (G, GGG, e, ee)"));
    TK_CHECK(expect_ms("'Date:' YYYY/MM/DD", "Date: 2024/10/01", 1727708400000LL));

    char longpat[TK_TIMEFMT_MAX_PATTERN + 2];
    memset(longpat, '-', sizeof longpat - 1);
    memcpy(longpat, "YYYY/MM/DD", 10);
    longpat[sizeof longpat - 1] = '\0';
    TK_CHECK(expect_bad_pattern(longpat, "time pattern longer than 128 bytes"));
    longpat[sizeof longpat - 2] = '\0'; /* exactly the limit */
    tk_timefmt *f = NULL;
    TK_CHECK(tk_timefmt_compile(&f, longpat, NULL) == TK_OK);
    tk_timefmt_destroy(f);
    tk_timefmt_destroy(NULL);
}

static void test_merge(void)
{
    tk_timefmt *fd = NULL, *ft = NULL, *fz = NULL;
    tk_tm d, t, z;
    tk_error err = {0, ""};
    int64_t ms = 0;

    TK_REQUIRE(tk_timefmt_compile(&fd, "YY/MM/DD", NULL) == TK_OK);
    TK_REQUIRE(tk_timefmt_compile(&ft, "hh:mm:ss", NULL) == TK_OK);
    TK_REQUIRE(tk_timefmt_compile(&fz, "hh:mm:ssZ", NULL) == TK_OK);
    TK_CHECK(tk_timefmt_has_date(fd) && !tk_timefmt_has_time(fd));
    TK_REQUIRE(tk_timefmt_parse(fd, "24/10/01", 8, &d, NULL) == TK_OK);
    TK_REQUIRE(tk_timefmt_parse(ft, "09:15:02", 8, &t, NULL) == TK_OK);

    /* Neither half alone converts like the whole. */
    TK_CHECK(tk_tm_to_unix_ms(&t, &ms, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "timestamp has no date (merge a time with a date first)");
    TK_CHECK(tk_tm_to_unix_ms(&d, &ms, NULL) == TK_OK);
    TK_CHECK_INT(ms, 1727708400000LL);

    TK_CHECK(tk_tm_merge(&t, &d, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "cannot merge: the date column value has no date");
    TK_CHECK(tk_tm_merge(&d, &d, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "cannot merge: the time column value has no time");
    tk_tm merged = d;
    TK_REQUIRE(tk_tm_merge(&merged, &t, &err) == TK_OK);
    TK_CHECK(tk_tm_to_unix_ms(&merged, &ms, NULL) == TK_OK);
    TK_CHECK_INT(ms, 1727741702000LL);
    TK_CHECK(tk_tm_merge(&merged, &t, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "cannot merge: the date column value already has a time");

    /* A zone on the time column carries over. */
    TK_REQUIRE(tk_timefmt_parse(fz, "00:15:02Z", 9, &z, NULL) == TK_OK);
    merged = d;
    TK_REQUIRE(tk_tm_merge(&merged, &z, NULL) == TK_OK);
    TK_CHECK(merged.has_tz);
    TK_CHECK(tk_tm_to_unix_ms(&merged, &ms, NULL) == TK_OK);
    TK_CHECK_INT(ms, 1727741702000LL);
    merged = d;
    merged.has_tz = 1;
    merged.tz_offset_min = 540;
    TK_CHECK(tk_tm_merge(&merged, &z, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "cannot merge: the date and time columns have different time zones");

    tk_timefmt_destroy(fd);
    tk_timefmt_destroy(ft);
    tk_timefmt_destroy(fz);
}

static void test_to_unix_ranges(void)
{
    tk_error err = {0, ""};
    int64_t ms = 0;
    tk_tm tm = {2024, 10, 1, 9, 15, 2, 0, 1, 1, 0, 0};

    TK_CHECK(tk_tm_to_unix_ms(&tm, &ms, &err) == TK_OK);
    TK_CHECK_INT(ms, 1727741702000LL);
    tm.has_tz = 1;
    tm.tz_offset_min = 0;
    TK_CHECK(tk_tm_to_unix_ms(&tm, &ms, &err) == TK_OK);
    TK_CHECK_INT(ms, 1727741702000LL + 9 * 3600000LL);
    tm.tz_offset_min = 1440;
    TK_CHECK(tk_tm_to_unix_ms(&tm, &ms, &err) == TK_ERANGE);
    TK_CHECK_STR(err.msg, "time zone offset 1440 minutes out of range (expected -23:59 to +23:59)");
    tm.has_tz = 0;
    tm.year = 10000;
    TK_CHECK(tk_tm_to_unix_ms(&tm, &ms, &err) == TK_ERANGE);
    TK_CHECK_STR(err.msg, "year 10000 out of range (expected 0001-9999)");
    tm.year = 2023;
    tm.month = 2;
    tm.day = 29;
    TK_CHECK(tk_tm_to_unix_ms(&tm, &ms, &err) == TK_ERANGE);
    TK_CHECK_STR(err.msg, "day 29 out of range for 2023-02 (expected 01-28)");
    tm.day = 28;
    tm.ms = 1000;
    TK_CHECK(tk_tm_to_unix_ms(&tm, &ms, &err) == TK_ERANGE);
    TK_CHECK_STR(err.msg, "millisecond 1000 out of range (expected 000-999)");
    /* Time fields are ignored without has_time: midnight. */
    tm.has_time = 0;
    TK_CHECK(tk_tm_to_unix_ms(&tm, &ms, &err) == TK_OK);
}

/* The naive counter: walk day by day, month lengths from first principles. */
static void test_days_round_trip(void)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 1900, m = 1, d = 1, wd = 1; /* 1900-01-01 was a Monday */
    int64_t n = -25567;                 /* days from 1970-01-01 to 1900-01-01 */
    int bad = 0;

    while (y <= 2100 && bad < 5) {
        int y2, m2, d2;
        tk_civil_from_days(n, &y2, &m2, &d2);
        if (tk_days_from_civil(y, m, d) != n || y2 != y || m2 != m || d2 != d ||
            tk_weekday(n) != wd) {
            fprintf(stderr, "  %04d-%02d-%02d (day %lld): days %lld civil %04d-%02d-%02d wd %d\n",
                    y, m, d, (long long)n, (long long)tk_days_from_civil(y, m, d), y2, m2, d2,
                    tk_weekday(n));
            bad++;
        }
        const int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        const int mlen = len[m - 1] + (m == 2 && leap);
        n++;
        wd = (wd + 1) % 7;
        if (++d > mlen) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    TK_CHECK_INT(bad, 0);
    TK_CHECK_INT(n, tk_days_from_civil(2101, 1, 1));
    TK_CHECK_INT(tk_days_from_civil(1970, 1, 1), 0);
    TK_CHECK_INT(tk_days_from_civil(1, 1, 1), -719162);
    TK_CHECK_INT(tk_days_from_civil(9999, 12, 31), 2932896);
    TK_CHECK_INT(tk_days_from_civil(-4800, 3, 1), tk_days_from_civil(-4800, 2, 29) + 1);
    int y2, m2, d2;
    tk_civil_from_days(tk_days_from_civil(-123456, 7, 8), &y2, &m2, &d2);
    TK_CHECK(y2 == -123456 && m2 == 7 && d2 == 8);
}

static void test_jst_helpers(void)
{
    /* 2024-10-01 is day 19997, a Tuesday. */
    TK_CHECK_INT(tk_jst_day(1727741702000LL), 19997);
    TK_CHECK_INT(tk_jst_day(1727708400000LL), 19997); /* 00:00:00.000 JST */
    TK_CHECK_INT(tk_jst_day(1727708399999LL), 19996); /* 23:59:59.999 JST the day before */
    TK_CHECK_INT(tk_jst_day(-32400000LL), 0);         /* 1970-01-01 00:00 JST */
    TK_CHECK_INT(tk_jst_day(-32400001LL), -1);
    TK_CHECK_INT(tk_weekday(19997), 2);
    TK_CHECK_INT(tk_weekday(0), 4);
    TK_CHECK_INT(tk_weekday(-1), 3);
    TK_CHECK_INT(tk_jst_ms_of_day(1727741702123LL), (9 * 3600 + 15 * 60 + 2) * 1000 + 123);
    TK_CHECK_INT(tk_jst_ms_of_day(1727708399999LL), 86399999);
    TK_CHECK_INT(tk_jst_ms_of_day(-1), 9 * 3600000 - 1);
    TK_CHECK(tk_jst_day(INT64_MAX) > 0 && tk_jst_day(INT64_MIN) < 0);
}

static void test_format_iso(void)
{
    char buf[TK_TIME_ISO_SIZE];
    TK_CHECK_INT(tk_time_format_iso(1727741702123LL, buf, sizeof buf), 29);
    TK_CHECK_STR(buf, "2024-10-01T09:15:02.123+09:00");
    TK_CHECK_INT(tk_time_format_iso(-1, buf, sizeof buf), 29);
    TK_CHECK_STR(buf, "1970-01-01T08:59:59.999+09:00");
    TK_CHECK_INT(tk_time_format_iso(-62135629200000LL, buf, sizeof buf), 29);
    TK_CHECK_STR(buf, "0001-01-01T00:00:00.000+09:00");
    TK_CHECK_INT(tk_time_format_iso(253402268399999LL, buf, sizeof buf), 29);
    TK_CHECK_STR(buf, "9999-12-31T23:59:59.999+09:00");
    TK_CHECK_INT(tk_time_format_iso(253402268400000LL, buf, sizeof buf), 0);
    TK_CHECK_STR(buf, "");
    TK_CHECK_INT(tk_time_format_iso(-62135629200001LL, buf, sizeof buf), 0);
    TK_CHECK_INT(tk_time_format_iso(INT64_MAX, buf, sizeof buf), 0);
    TK_CHECK_INT(tk_time_format_iso(INT64_MIN, buf, sizeof buf), 0);
    TK_CHECK_INT(tk_time_format_iso(0, buf, sizeof buf - 1), 0);

    /* Formatting and parsing back with iso8601 is the identity. */
    tk_timefmt *f = NULL;
    TK_REQUIRE(tk_timefmt_compile(&f, "iso8601", NULL) == TK_OK);
    int bad = 0;
    for (int64_t ms = -3216790800000LL; ms < 4670319600000LL; ms += 98765432123LL / 7) {
        tk_tm tm;
        int64_t back = 0;
        const size_t n = tk_time_format_iso(ms, buf, sizeof buf);
        if (n != 29 || tk_timefmt_parse(f, buf, n, &tm, NULL) != TK_OK ||
            tk_tm_to_unix_ms(&tm, &back, NULL) != TK_OK || back != ms)
            bad++;
    }
    TK_CHECK_INT(bad, 0);
    tk_timefmt_destroy(f);
}

static void test_alloc_failure(void)
{
#ifdef TK_TESTING
    tk_timefmt *f = (tk_timefmt *)&f;
    tk_error err = {0, ""};
    tk_alloc_fail_at(1);
    TK_CHECK(tk_timefmt_compile(&f, "YYYY/MM/DD", &err) == TK_ENOMEM);
    TK_CHECK(f == NULL);
    TK_CHECK_INT(err.code, TK_ENOMEM);
    tk_alloc_fail_at(0);
    TK_CHECK(tk_timefmt_compile(&f, "YYYY/MM/DD", &err) == TK_OK);
    tk_timefmt_destroy(f);
#endif
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Rough speed: prints parses per second; asserts only correctness. */
static void test_speed(void)
{
    enum { ROWS = 1000, ROUNDS = 2000 };
    static char rows[ROWS][20];
    tk_timefmt *f = NULL;
    TK_REQUIRE(tk_timefmt_compile(&f, "YYYY/MM/DD hh:mm:ss", NULL) == TK_OK);
    for (int i = 0; i < ROWS; i++)
        snprintf(rows[i], sizeof rows[i], "2024/%02d/%02d %02d:%02d:%02d", i % 12 + 1, i % 28 + 1,
                 i % 24, i % 60, (i * 7) % 60);
    int64_t sum = 0;
    int bad = 0;
    const double t0 = now_s();
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < ROWS; i++) {
            tk_tm tm;
            int64_t ms;
            if (tk_timefmt_parse(f, rows[i], 19, &tm, NULL) != TK_OK ||
                tk_tm_to_unix_ms(&tm, &ms, NULL) != TK_OK) {
                bad++;
                continue;
            }
            sum += ms;
        }
    }
    const double dt = now_s() - t0;
    TK_CHECK_INT(bad, 0);
    TK_CHECK(sum != 0);
    printf("timefmt: %.1f million parses+conversions per second (YYYY/MM/DD hh:mm:ss)\n",
           (double)ROWS * ROUNDS / dt / 1e6);
    tk_timefmt_destroy(f);
}

int main(void)
{
    TK_RUN(test_required_patterns);
    TK_RUN(test_more_tokens);
    TK_RUN(test_iso8601);
    TK_RUN(test_eras);
    TK_RUN(test_leap_years);
    TK_RUN(test_value_errors);
    TK_RUN(test_bad_patterns);
    TK_RUN(test_merge);
    TK_RUN(test_to_unix_ranges);
    TK_RUN(test_days_round_trip);
    TK_RUN(test_jst_helpers);
    TK_RUN(test_format_iso);
    TK_RUN(test_alloc_failure);
    TK_RUN(test_speed);
    TK_TEST_END();
}
