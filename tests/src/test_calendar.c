/* tests/src/test_calendar.c -- national holidays by rule against the
 * official lists, the tenant calendar from master data (overrides and
 * history), business-hours classification and allocation failures.
 * Fixtures: tests/data/calendar/ (its README says what each one is). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/alloc.h"
#include "src/calendar.h"
#include "src/db.h"
#include "src/master.h"
#include "src/tenant.h"
#include "src/timefmt.h"
#include "tests/test.h"

/* ---- fixtures and helpers ---------------------------------------------- */

static int tenant_seq;

static tk_tenant *new_tenant(void)
{
    char tmpl[512], data_dir[600], name[32];
    tk_tenant *t = NULL;
    tk_error err;

    mkdir(tk_test_tmpdir(), 0755);
    snprintf(tmpl, sizeof tmpl, "%s/calendar-XXXXXX", tk_test_tmpdir());
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(data_dir, sizeof data_dir, "%s/data", tmpl);
    snprintf(name, sizeof name, "city%d", ++tenant_seq);
    if (tk_tenant_create(&t, data_dir, name, &err) != TK_OK) {
        fprintf(stderr, "tenant: %s\n", err.msg);
        exit(2);
    }
    return t;
}

static int import(tk_tenant *t, const char *kind, const char *file, const char *effective)
{
    char path[600];
    tk_master_import_result r;
    tk_error err;
    snprintf(path, sizeof path, "%s/calendar/%s", tk_test_datadir(), file);
    const int rc = tk_master_import(t, kind, path, NULL, effective, &r, &err);
    if (rc != TK_OK)
        fprintf(stderr, "import %s: %s\n", file, err.msg);
    return rc;
}

static int64_t day_of(int y, int m, int d)
{
    return tk_days_from_civil(y, m, d);
}

/* Unix ms of y-m-d hh:mm:ss.ms JST. */
static int64_t jst(int y, int m, int d, int hh, int mm, int ss, int ms)
{
    return day_of(y, m, d) * 86400000 + ((hh * 60 + mm) * 60 + ss) * 1000 + ms - 9 * 3600000;
}

static const char *holiday_name(int y, int m, int d)
{
    const char *name = NULL;
    return tk_calendar_holiday(y, m, d, &name) ? name : NULL;
}

#define CHECK_HOLIDAY(y, m, d, expected) TK_CHECK_STR(holiday_name(y, m, d), expected)
#define CHECK_NO_HOLIDAY(y, m, d)        TK_CHECK(holiday_name(y, m, d) == NULL)

/* ---- the official lists, 2019-2027 ------------------------------------- */

struct official {
    int y, m, d;
    const char *name;
};

/* The Cabinet Office's 国民の祝日 lists as published for 2019-2027 (the
 * 振替休日 and 国民の休日 named as on its web page; its syukujitsu.csv
 * writes both as 休日). The 2027 equinoxes are the ones announced in the
 * 官報 in February 2026 (3/21 and 9/23). */
static const struct official official[] = {
    {2019, 1, 1, "元日"},
    {2019, 1, 14, "成人の日"},
    {2019, 2, 11, "建国記念の日"},
    {2019, 3, 21, "春分の日"},
    {2019, 4, 29, "昭和の日"},
    {2019, 4, 30, "国民の休日"},
    {2019, 5, 1, "天皇の即位の日"},
    {2019, 5, 2, "国民の休日"},
    {2019, 5, 3, "憲法記念日"},
    {2019, 5, 4, "みどりの日"},
    {2019, 5, 5, "こどもの日"},
    {2019, 5, 6, "振替休日"},
    {2019, 7, 15, "海の日"},
    {2019, 8, 11, "山の日"},
    {2019, 8, 12, "振替休日"},
    {2019, 9, 16, "敬老の日"},
    {2019, 9, 23, "秋分の日"},
    {2019, 10, 14, "体育の日"},
    {2019, 10, 22, "即位礼正殿の儀"},
    {2019, 11, 3, "文化の日"},
    {2019, 11, 4, "振替休日"},
    {2019, 11, 23, "勤労感謝の日"},

    {2020, 1, 1, "元日"},
    {2020, 1, 13, "成人の日"},
    {2020, 2, 11, "建国記念の日"},
    {2020, 2, 23, "天皇誕生日"},
    {2020, 2, 24, "振替休日"},
    {2020, 3, 20, "春分の日"},
    {2020, 4, 29, "昭和の日"},
    {2020, 5, 3, "憲法記念日"},
    {2020, 5, 4, "みどりの日"},
    {2020, 5, 5, "こどもの日"},
    {2020, 5, 6, "振替休日"},
    {2020, 7, 23, "海の日"},
    {2020, 7, 24, "スポーツの日"},
    {2020, 8, 10, "山の日"},
    {2020, 9, 21, "敬老の日"},
    {2020, 9, 22, "秋分の日"},
    {2020, 11, 3, "文化の日"},
    {2020, 11, 23, "勤労感謝の日"},

    {2021, 1, 1, "元日"},
    {2021, 1, 11, "成人の日"},
    {2021, 2, 11, "建国記念の日"},
    {2021, 2, 23, "天皇誕生日"},
    {2021, 3, 20, "春分の日"},
    {2021, 4, 29, "昭和の日"},
    {2021, 5, 3, "憲法記念日"},
    {2021, 5, 4, "みどりの日"},
    {2021, 5, 5, "こどもの日"},
    {2021, 7, 22, "海の日"},
    {2021, 7, 23, "スポーツの日"},
    {2021, 8, 8, "山の日"},
    {2021, 8, 9, "振替休日"},
    {2021, 9, 20, "敬老の日"},
    {2021, 9, 23, "秋分の日"},
    {2021, 11, 3, "文化の日"},
    {2021, 11, 23, "勤労感謝の日"},

    {2022, 1, 1, "元日"},
    {2022, 1, 10, "成人の日"},
    {2022, 2, 11, "建国記念の日"},
    {2022, 2, 23, "天皇誕生日"},
    {2022, 3, 21, "春分の日"},
    {2022, 4, 29, "昭和の日"},
    {2022, 5, 3, "憲法記念日"},
    {2022, 5, 4, "みどりの日"},
    {2022, 5, 5, "こどもの日"},
    {2022, 7, 18, "海の日"},
    {2022, 8, 11, "山の日"},
    {2022, 9, 19, "敬老の日"},
    {2022, 9, 23, "秋分の日"},
    {2022, 10, 10, "スポーツの日"},
    {2022, 11, 3, "文化の日"},
    {2022, 11, 23, "勤労感謝の日"},

    {2023, 1, 1, "元日"},
    {2023, 1, 2, "振替休日"},
    {2023, 1, 9, "成人の日"},
    {2023, 2, 11, "建国記念の日"},
    {2023, 2, 23, "天皇誕生日"},
    {2023, 3, 21, "春分の日"},
    {2023, 4, 29, "昭和の日"},
    {2023, 5, 3, "憲法記念日"},
    {2023, 5, 4, "みどりの日"},
    {2023, 5, 5, "こどもの日"},
    {2023, 7, 17, "海の日"},
    {2023, 8, 11, "山の日"},
    {2023, 9, 18, "敬老の日"},
    {2023, 9, 23, "秋分の日"},
    {2023, 10, 9, "スポーツの日"},
    {2023, 11, 3, "文化の日"},
    {2023, 11, 23, "勤労感謝の日"},

    {2024, 1, 1, "元日"},
    {2024, 1, 8, "成人の日"},
    {2024, 2, 11, "建国記念の日"},
    {2024, 2, 12, "振替休日"},
    {2024, 2, 23, "天皇誕生日"},
    {2024, 3, 20, "春分の日"},
    {2024, 4, 29, "昭和の日"},
    {2024, 5, 3, "憲法記念日"},
    {2024, 5, 4, "みどりの日"},
    {2024, 5, 5, "こどもの日"},
    {2024, 5, 6, "振替休日"},
    {2024, 7, 15, "海の日"},
    {2024, 8, 11, "山の日"},
    {2024, 8, 12, "振替休日"},
    {2024, 9, 16, "敬老の日"},
    {2024, 9, 22, "秋分の日"},
    {2024, 9, 23, "振替休日"},
    {2024, 10, 14, "スポーツの日"},
    {2024, 11, 3, "文化の日"},
    {2024, 11, 4, "振替休日"},
    {2024, 11, 23, "勤労感謝の日"},

    {2025, 1, 1, "元日"},
    {2025, 1, 13, "成人の日"},
    {2025, 2, 11, "建国記念の日"},
    {2025, 2, 23, "天皇誕生日"},
    {2025, 2, 24, "振替休日"},
    {2025, 3, 20, "春分の日"},
    {2025, 4, 29, "昭和の日"},
    {2025, 5, 3, "憲法記念日"},
    {2025, 5, 4, "みどりの日"},
    {2025, 5, 5, "こどもの日"},
    {2025, 5, 6, "振替休日"},
    {2025, 7, 21, "海の日"},
    {2025, 8, 11, "山の日"},
    {2025, 9, 15, "敬老の日"},
    {2025, 9, 23, "秋分の日"},
    {2025, 10, 13, "スポーツの日"},
    {2025, 11, 3, "文化の日"},
    {2025, 11, 23, "勤労感謝の日"},
    {2025, 11, 24, "振替休日"},

    {2026, 1, 1, "元日"},
    {2026, 1, 12, "成人の日"},
    {2026, 2, 11, "建国記念の日"},
    {2026, 2, 23, "天皇誕生日"},
    {2026, 3, 20, "春分の日"},
    {2026, 4, 29, "昭和の日"},
    {2026, 5, 3, "憲法記念日"},
    {2026, 5, 4, "みどりの日"},
    {2026, 5, 5, "こどもの日"},
    {2026, 5, 6, "振替休日"},
    {2026, 7, 20, "海の日"},
    {2026, 8, 11, "山の日"},
    {2026, 9, 21, "敬老の日"},
    {2026, 9, 22, "国民の休日"},
    {2026, 9, 23, "秋分の日"},
    {2026, 10, 12, "スポーツの日"},
    {2026, 11, 3, "文化の日"},
    {2026, 11, 23, "勤労感謝の日"},

    {2027, 1, 1, "元日"},
    {2027, 1, 11, "成人の日"},
    {2027, 2, 11, "建国記念の日"},
    {2027, 2, 23, "天皇誕生日"},
    {2027, 3, 21, "春分の日"},
    {2027, 3, 22, "振替休日"},
    {2027, 4, 29, "昭和の日"},
    {2027, 5, 3, "憲法記念日"},
    {2027, 5, 4, "みどりの日"},
    {2027, 5, 5, "こどもの日"},
    {2027, 7, 19, "海の日"},
    {2027, 8, 11, "山の日"},
    {2027, 9, 20, "敬老の日"},
    {2027, 9, 23, "秋分の日"},
    {2027, 10, 11, "スポーツの日"},
    {2027, 11, 3, "文化の日"},
    {2027, 11, 23, "勤労感謝の日"},
};

#define N_OFFICIAL (sizeof official / sizeof official[0])

/* Every day of 2019-2027: a holiday by rule if and only if the official
 * list has it, with its name -- through tk_calendar_holiday(), the day
 * variant, the year list and a built calendar's table. */
static void official_2019_2027(void)
{
    tk_calendar *cal = NULL;
    tk_error err;
    size_t next = 0, per_year[9] = {0};

    TK_REQUIRE(tk_calendar_create_default(&cal, NULL, &err) == TK_OK);
    for (int64_t day = day_of(2019, 1, 1); day <= day_of(2027, 12, 31); day++) {
        int y, m, d;
        const char *name = NULL, *dname = NULL;
        tk_calendar_day k;
        tk_civil_from_days(day, &y, &m, &d);
        const int expected = next < N_OFFICIAL && official[next].y == y && official[next].m == m &&
                             official[next].d == d;
        const int got = tk_calendar_holiday(y, m, d, &name);
        if (got != expected)
            fprintf(stderr, "%04d-%02d-%02d: computed %s, official %s\n", y, m, d,
                    got ? name : "no holiday", expected ? official[next].name : "no holiday");
        TK_CHECK_INT(got, expected);
        TK_CHECK_INT(tk_calendar_holiday_day(day, &dname), expected);
        tk_calendar_day_kind(cal, day, &k);
        TK_CHECK_INT((k.flags & TK_CALENDAR_F_HOLIDAY) != 0, expected);
        if (expected) {
            TK_CHECK_STR(name, official[next].name);
            TK_CHECK_STR(dname, official[next].name);
            TK_CHECK_STR(k.holiday, official[next].name);
            TK_CHECK_INT(k.open, 0);
            per_year[y - 2019]++;
            next++;
        }
    }
    TK_CHECK_INT(next, N_OFFICIAL);

    static const size_t counts[9] = {22, 18, 17, 16, 17, 21, 19, 18, 17};
    for (int y = 2019; y <= 2027; y++) {
        tk_calendar_holiday_entry e[TK_CALENDAR_YEAR_MAX];
        const size_t n = tk_calendar_year_holidays(y, e, TK_CALENDAR_YEAR_MAX);
        TK_CHECK_INT(n, counts[y - 2019]);
        TK_CHECK_INT(per_year[y - 2019], counts[y - 2019]);
        TK_CHECK_INT(tk_calendar_year_holidays(y, NULL, 0), n);
        for (size_t i = 0; i < n; i++)
            TK_CHECK_STR(holiday_name(y, e[i].month, e[i].day), e[i].name);
    }
    tk_calendar_destroy(cal);
}

/* ---- older years, era boundaries, range ---------------------------------- */

static void historical_spot_checks(void)
{
    /* 祝日法 in force from 1948-07-20: the first holiday is 秋分の日. */
    CHECK_NO_HOLIDAY(1948, 1, 1);
    CHECK_NO_HOLIDAY(1948, 5, 5);
    CHECK_HOLIDAY(1948, 9, 23, "秋分の日");
    CHECK_HOLIDAY(1948, 11, 3, "文化の日");
    CHECK_HOLIDAY(1949, 1, 1, "元日");
    CHECK_HOLIDAY(1949, 1, 15, "成人の日");
    CHECK_HOLIDAY(1949, 4, 29, "天皇誕生日");
    /* Equinoxes before 1980 (the truncating formula; a floor gives 22/24). */
    CHECK_HOLIDAY(1949, 3, 21, "春分の日");
    CHECK_NO_HOLIDAY(1949, 3, 22);
    CHECK_HOLIDAY(1960, 3, 20, "春分の日");
    CHECK_HOLIDAY(1960, 9, 23, "秋分の日");
    CHECK_HOLIDAY(1979, 9, 24, "秋分の日");
    CHECK_HOLIDAY(1980, 3, 20, "春分の日");
    CHECK_HOLIDAY(2099, 3, 20, "春分の日");
    CHECK_HOLIDAY(2099, 9, 23, "秋分の日");
    CHECK_HOLIDAY(1959, 4, 10, "皇太子明仁親王の結婚の儀");
    /* 敬老の日 and 体育の日 from 1966, 建国記念の日 from 1967. */
    CHECK_NO_HOLIDAY(1965, 9, 15);
    CHECK_HOLIDAY(1966, 9, 15, "敬老の日");
    CHECK_HOLIDAY(1966, 10, 10, "体育の日");
    CHECK_NO_HOLIDAY(1966, 2, 11);
    CHECK_HOLIDAY(1967, 2, 11, "建国記念の日");
    /* 振替休日 from 1973-04-12: 1973-02-11 (Sunday) had none, 4/30 is the first. */
    TK_CHECK_INT(tk_weekday(day_of(1973, 2, 11)), 0);
    CHECK_NO_HOLIDAY(1973, 2, 12);
    TK_CHECK_INT(tk_weekday(day_of(1973, 4, 29)), 0);
    CHECK_HOLIDAY(1973, 4, 30, "振替休日");
    /* 国民の休日 from 1985-12-27, not on a Sunday nor a 振替休日 until 2006. */
    TK_CHECK_INT(tk_weekday(day_of(1986, 5, 4)), 0);
    CHECK_NO_HOLIDAY(1986, 5, 4);
    CHECK_HOLIDAY(1987, 5, 4, "振替休日");
    CHECK_HOLIDAY(1988, 5, 4, "国民の休日");
    CHECK_HOLIDAY(2006, 5, 4, "国民の休日");
    /* Shōwa -> Heisei. */
    CHECK_HOLIDAY(1988, 4, 29, "天皇誕生日");
    CHECK_NO_HOLIDAY(1989, 1, 7);
    CHECK_NO_HOLIDAY(1989, 1, 8);
    CHECK_HOLIDAY(1989, 2, 24, "昭和天皇の大喪の礼");
    CHECK_HOLIDAY(1989, 4, 29, "みどりの日");
    CHECK_HOLIDAY(1989, 12, 23, "天皇誕生日");
    CHECK_HOLIDAY(1990, 11, 12, "即位礼正殿の儀");
    CHECK_HOLIDAY(1993, 6, 9, "皇太子徳仁親王の結婚の儀");
    /* 海の日 from 1996; Happy Monday from 2000 and 2003. */
    CHECK_NO_HOLIDAY(1995, 7, 20);
    CHECK_HOLIDAY(1996, 7, 20, "海の日");
    CHECK_HOLIDAY(1999, 1, 15, "成人の日");
    CHECK_HOLIDAY(1999, 10, 11, "振替休日");
    CHECK_NO_HOLIDAY(2000, 1, 15);
    CHECK_HOLIDAY(2000, 1, 10, "成人の日");
    CHECK_HOLIDAY(2000, 10, 9, "体育の日");
    CHECK_HOLIDAY(2003, 7, 21, "海の日");
    CHECK_HOLIDAY(2003, 9, 15, "敬老の日");
    CHECK_HOLIDAY(2004, 9, 20, "敬老の日");
    CHECK_NO_HOLIDAY(2004, 9, 15);
    /* 2007: 昭和の日, みどりの日 on 5/4. 2007-05-06 is a Sunday but no
     * holiday (こどもの日 fell on the Saturday), so 5/7 is a working day. */
    CHECK_HOLIDAY(2007, 4, 29, "昭和の日");
    CHECK_HOLIDAY(2007, 4, 30, "振替休日");
    CHECK_HOLIDAY(2007, 5, 4, "みどりの日");
    TK_CHECK_INT(tk_weekday(day_of(2007, 5, 6)), 0);
    CHECK_NO_HOLIDAY(2007, 5, 6);
    CHECK_NO_HOLIDAY(2007, 5, 7);
    CHECK_HOLIDAY(2007, 12, 24, "振替休日");
    /* The 2007 rule's first difference: 5/4 Sunday -> 5/6 (5/5 is a 祝日). */
    CHECK_HOLIDAY(2008, 5, 6, "振替休日");
    CHECK_HOLIDAY(2009, 9, 22, "国民の休日");
    CHECK_HOLIDAY(2015, 9, 22, "国民の休日");
    CHECK_NO_HOLIDAY(2015, 8, 11);
    CHECK_HOLIDAY(2016, 8, 11, "山の日");
    /* Heisei -> Reiwa. */
    CHECK_HOLIDAY(2018, 12, 23, "天皇誕生日");
    CHECK_HOLIDAY(2018, 12, 24, "振替休日");
    CHECK_NO_HOLIDAY(2019, 12, 23);
    CHECK_NO_HOLIDAY(2019, 2, 23);
    CHECK_HOLIDAY(2019, 10, 14, "体育の日");
    CHECK_HOLIDAY(2020, 2, 23, "天皇誕生日");
    CHECK_NO_HOLIDAY(2020, 10, 12);
    CHECK_NO_HOLIDAY(2021, 10, 11);
    CHECK_HOLIDAY(2022, 10, 10, "スポーツの日");
    CHECK_HOLIDAY(2032, 9, 21, "国民の休日");
    CHECK_HOLIDAY(2099, 9, 22, "国民の休日");
    /* Outside the range and invalid dates. */
    CHECK_NO_HOLIDAY(1947, 1, 1);
    CHECK_NO_HOLIDAY(2100, 1, 1);
    CHECK_NO_HOLIDAY(2023, 2, 29);
    CHECK_NO_HOLIDAY(2023, 13, 1);
    CHECK_NO_HOLIDAY(2023, 1, 0);
    TK_CHECK_INT(tk_calendar_holiday(2024, 1, 1, NULL), 1);
    TK_CHECK_INT(tk_calendar_year_holidays(1947, NULL, 0), 0);
    TK_CHECK_INT(tk_calendar_year_holidays(1948, NULL, 0), 3);
    TK_CHECK_INT(tk_calendar_holiday_day(INT64_MIN, NULL), 0);
    TK_CHECK_INT(tk_calendar_holiday_day(INT64_MAX, NULL), 0);
}

/* Over the whole range: the table agrees with the rules day by day, no
 * year exceeds TK_CALENDAR_YEAR_MAX, and the total is 2,411 holidays for
 * 1948-2099, as an independent rule-based implementation (npm
 * japanese-holidays) lists them date for date; the holiday_jp data set
 * agrees for 1970-2050. The comparison itself was run once, outside the
 * tests, which cannot fetch either. */
static void whole_range(void)
{
    tk_calendar *cal = NULL;
    tk_error err;
    size_t total = 0, days = 0;

    TK_REQUIRE(tk_calendar_create_default(&cal, NULL, &err) == TK_OK);
    for (int y = TK_CALENDAR_FIRST_YEAR; y <= TK_CALENDAR_LAST_YEAR; y++) {
        const size_t n = tk_calendar_year_holidays(y, NULL, 0);
        TK_CHECK(n <= TK_CALENDAR_YEAR_MAX);
        total += n;
    }
    TK_CHECK_INT(total, 2411);
    for (int64_t day = day_of(TK_CALENDAR_FIRST_YEAR, 1, 1);
         day <= day_of(TK_CALENDAR_LAST_YEAR, 12, 31); day++) {
        const char *name = NULL;
        tk_calendar_day k;
        const int h = tk_calendar_holiday_day(day, &name);
        tk_calendar_day_kind(cal, day, &k);
        const int agree =
            h == ((k.flags & TK_CALENDAR_F_HOLIDAY) != 0) && (!h || strcmp(name, k.holiday) == 0);
        TK_CHECK(agree);
        if (!agree)
            break;
        TK_CHECK_INT(k.open, tk_calendar_is_open(cal, day));
        TK_CHECK(!(k.flags & TK_CALENDAR_F_LISTED));
        days++;
    }
    TK_CHECK_INT(days, day_of(2100, 1, 1) - day_of(1948, 1, 1));
    tk_calendar_destroy(cal);
}

/* ---- day kinds ----------------------------------------------------------- */

static void check_day(const tk_calendar *cal, int y, int m, int d, int open, int reason,
                      const char *name, int line)
{
    tk_calendar_day k;
    tk_calendar_day_kind(cal, day_of(y, m, d), &k);
    if (k.open != open || k.reason != reason ||
        (name ? (k.name == NULL || strcmp(k.name, name) != 0) : k.name != NULL)) {
        fprintf(stderr, "%s:%d: %04d-%02d-%02d is %s/%s \"%s\", expected %s/%s \"%s\"\n", __FILE__,
                line, y, m, d, k.open ? "open" : "closed", tk_calendar_reason_code(k.reason),
                k.name ? k.name : "(null)", open ? "open" : "closed",
                tk_calendar_reason_code(reason), name ? name : "(null)");
        tk_test_failed_now = 1;
    }
    if (tk_calendar_is_open(cal, day_of(y, m, d)) != open) {
        fprintf(stderr, "%s:%d: tk_calendar_is_open disagrees\n", __FILE__, line);
        tk_test_failed_now = 1;
    }
}

#define CHECK_DAY(cal, y, m, d, open, reason, name)                                                \
    check_day(cal, y, m, d, open, TK_CALENDAR_DAY_##reason, name, __LINE__)

static void default_day_kinds(void)
{
    tk_calendar *cal = NULL;
    tk_calendar_day k;
    tk_error err;

    TK_REQUIRE(tk_calendar_create_default(&cal, NULL, &err) == TK_OK);
    CHECK_DAY(cal, 2024, 10, 1, 1, WEEKDAY, NULL);
    CHECK_DAY(cal, 2024, 10, 5, 0, WEEKEND, NULL);
    CHECK_DAY(cal, 2024, 10, 6, 0, WEEKEND, NULL);
    CHECK_DAY(cal, 2024, 10, 14, 0, HOLIDAY, "スポーツの日");
    CHECK_DAY(cal, 2024, 9, 22, 0, HOLIDAY, "秋分の日");
    /* 年末年始: 12/29-1/3 whatever the weekday. */
    CHECK_DAY(cal, 2024, 12, 27, 1, WEEKDAY, NULL);
    CHECK_DAY(cal, 2024, 12, 28, 0, WEEKEND, NULL);
    CHECK_DAY(cal, 2024, 12, 30, 0, YEAR_END, "年末年始");
    CHECK_DAY(cal, 2024, 12, 31, 0, YEAR_END, "年末年始");
    CHECK_DAY(cal, 2025, 1, 1, 0, HOLIDAY, "元日");
    CHECK_DAY(cal, 2025, 1, 3, 0, YEAR_END, "年末年始");
    CHECK_DAY(cal, 2025, 1, 6, 1, WEEKDAY, NULL);
    CHECK_DAY(cal, 2023, 1, 2, 0, HOLIDAY, "振替休日");
    tk_calendar_day_kind(cal, day_of(2025, 1, 1), &k);
    TK_CHECK_INT(k.flags, TK_CALENDAR_F_HOLIDAY | TK_CALENDAR_F_YEAR_END);
    TK_CHECK_STR(k.holiday, "元日");
    tk_calendar_day_kind(cal, day_of(2024, 12, 29), &k);
    TK_CHECK_INT(k.flags, TK_CALENDAR_F_SUNDAY | TK_CALENDAR_F_YEAR_END);
    TK_CHECK_INT(k.reason, TK_CALENDAR_DAY_YEAR_END);
    TK_CHECK(k.holiday == NULL);
    tk_calendar_day_kind(cal, day_of(2024, 2, 11), &k);
    TK_CHECK_INT(k.flags, TK_CALENDAR_F_SUNDAY | TK_CALENDAR_F_HOLIDAY);
    /* Outside the table: only weekends and 年末年始. */
    CHECK_DAY(cal, 1947, 12, 30, 0, YEAR_END, "年末年始");
    CHECK_DAY(cal, 1947, 5, 5, 1, WEEKDAY, NULL);
    CHECK_DAY(cal, 2100, 1, 1, 0, YEAR_END, "年末年始");
    CHECK_DAY(cal, 2100, 1, 4, 1, WEEKDAY, NULL);
    CHECK_DAY(cal, 2100, 1, 9, 0, WEEKEND, NULL);
    tk_calendar_day_kind(cal, INT64_MAX, &k);
    tk_calendar_day_kind(cal, INT64_MIN, &k);
    TK_CHECK_STR(tk_calendar_reason_code(TK_CALENDAR_DAY_CITY_OPEN), "city_open");
    TK_CHECK_STR(tk_calendar_reason_code(99), "?");
    TK_CHECK_STR(tk_calendar_slot_code(TK_CALENDAR_SLOT_NIGHT), "night");
    TK_CHECK_STR(tk_calendar_slot_code(-1), "?");
    tk_calendar_destroy(cal);
}

/* ---- master data: imported lists and city days ------------------------- */

/* A tenant without calendar data gets exactly the computed calendar. */
static void load_empty_tenant(void)
{
    tk_tenant *t = new_tenant();
    tk_calendar *a = NULL, *b = NULL;
    tk_error err;

    TK_REQUIRE(tk_calendar_load(&a, t, NULL, &err) == TK_OK);
    TK_REQUIRE(tk_calendar_create_default(&b, NULL, &err) == TK_OK);
    for (int64_t day = day_of(1948, 1, 1); day <= day_of(2099, 12, 31); day++) {
        tk_calendar_day x, y;
        tk_calendar_day_kind(a, day, &x);
        tk_calendar_day_kind(b, day, &y);
        const int same = x.open == y.open && x.reason == y.reason && x.flags == y.flags &&
                         x.holiday == y.holiday && x.name == y.name;
        TK_CHECK(same);
        if (!same)
            break;
    }
    tk_calendar_destroy(a);
    tk_calendar_destroy(b);
    tk_tenant_close(t);
}

/* The imported syukujitsu.csv is authoritative for the years it lists;
 * later versions govern from their effective date. */
static void imported_holidays_override(void)
{
    tk_tenant *t = new_tenant();
    tk_calendar *cal = NULL;
    tk_calendar_day k;
    tk_error err;

    /* The official 2024-2025 list (CP932), through --kind calendar. */
    TK_REQUIRE(import(t, "calendar", "syukujitsu.csv", "2024-01-01") == TK_OK);
    TK_REQUIRE(tk_calendar_load(&cal, t, NULL, &err) == TK_OK);
    /* Same days as computed in 2024-2025, but the list's names. */
    for (int64_t day = day_of(2024, 1, 1); day <= day_of(2025, 12, 31); day++) {
        tk_calendar_day_kind(cal, day, &k);
        TK_CHECK(k.flags & TK_CALENDAR_F_LISTED);
        TK_CHECK_INT((k.flags & TK_CALENDAR_F_HOLIDAY) != 0, tk_calendar_holiday_day(day, NULL));
    }
    CHECK_DAY(cal, 2024, 2, 12, 0, HOLIDAY, "休日");
    CHECK_DAY(cal, 2025, 11, 24, 0, HOLIDAY, "休日");
    CHECK_DAY(cal, 2024, 10, 14, 0, HOLIDAY, "スポーツの日");
    /* Years the list does not cover stay computed, before and after it. */
    CHECK_DAY(cal, 2023, 1, 2, 0, HOLIDAY, "振替休日");
    CHECK_DAY(cal, 2026, 5, 6, 0, HOLIDAY, "振替休日");
    CHECK_DAY(cal, 2026, 9, 22, 0, HOLIDAY, "国民の休日");
    tk_calendar_day_kind(cal, day_of(2026, 5, 6), &k);
    TK_CHECK(!(k.flags & TK_CALENDAR_F_LISTED));
    tk_calendar_destroy(cal);

    /* A (fictitious) revision of 2025, effective 2025-07-01: drops 5/6 and
     * 11/24, adds 12/26. It governs only from July on. */
    TK_REQUIRE(import(t, "holidays", "syukujitsu_revised.csv", "2025-07-01") == TK_OK);
    TK_REQUIRE(tk_calendar_load(&cal, t, NULL, &err) == TK_OK);
    CHECK_DAY(cal, 2025, 5, 6, 0, HOLIDAY, "休日");                 /* the first list governs */
    CHECK_DAY(cal, 2025, 11, 24, 1, WEEKDAY, NULL);                 /* listed year: not a holiday */
    CHECK_DAY(cal, 2025, 12, 26, 0, HOLIDAY, "臨時休日（試験用）"); /* listed: a holiday */
    CHECK_DAY(cal, 2025, 7, 21, 0, HOLIDAY, "海の日");
    CHECK_DAY(cal, 2024, 2, 12, 0, HOLIDAY, "休日");
    CHECK_DAY(cal, 2026, 5, 6, 0, HOLIDAY, "振替休日");
    tk_calendar_day_kind(cal, day_of(2025, 11, 24), &k);
    TK_CHECK_INT(k.flags, TK_CALENDAR_F_LISTED);
    TK_CHECK(k.holiday == NULL);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(2025, 11, 24, 10, 0, 0, 0)),
                 TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(2025, 12, 26, 10, 0, 0, 0)),
                 TK_CALENDAR_SLOT_CLOSED_DAY);
    tk_calendar_destroy(cal);
    tk_tenant_close(t);
}

/* The city's own days: 開庁 overrides weekends, holidays and 年末年始;
 * 閉庁 closes a weekday; each version governs from its effective date. */
static void city_days(void)
{
    tk_tenant *t = new_tenant();
    tk_calendar *cal = NULL;
    tk_calendar_day k;
    tk_error err;

    TK_REQUIRE(import(t, "calendar", "calendar_v1.csv", "2024-04-01") == TK_OK);
    TK_REQUIRE(import(t, "calendar", "calendar_v2.csv", "2026-01-01") == TK_OK);
    TK_REQUIRE(import(t, "holidays", "syukujitsu.csv", "2024-01-01") == TK_OK);
    TK_REQUIRE(tk_calendar_load(&cal, t, NULL, &err) == TK_OK);

    CHECK_DAY(cal, 2024, 11, 10, 1, CITY_OPEN, "休日開庁"); /* a Sunday */
    CHECK_DAY(cal, 2024, 11, 9, 0, WEEKEND, NULL);
    CHECK_DAY(cal, 2025, 1, 3, 1, CITY_OPEN, "年始開庁");
    CHECK_DAY(cal, 2025, 1, 2, 0, YEAR_END, "年末年始");
    CHECK_DAY(cal, 2025, 5, 5, 1, CITY_OPEN, "休日開庁"); /* こどもの日 */
    tk_calendar_day_kind(cal, day_of(2025, 5, 5), &k);
    TK_CHECK_STR(k.holiday, "こどもの日");
    TK_CHECK_INT(k.flags, TK_CALENDAR_F_HOLIDAY | TK_CALENDAR_F_LISTED | TK_CALENDAR_F_CITY_OPEN);
    CHECK_DAY(cal, 2025, 6, 23, 0, CITY_CLOSED, "慰霊の日"); /* a Monday */
    CHECK_DAY(cal, 2025, 10, 1, 0, CITY_CLOSED, NULL);       /* unnamed */
    /* v2 governs 2026: v1's 2026-03-29 is gone, v2's days apply. */
    CHECK_DAY(cal, 2026, 3, 29, 0, WEEKEND, NULL);
    CHECK_DAY(cal, 2026, 3, 28, 1, CITY_OPEN, "休日開庁（転入転出）");
    CHECK_DAY(cal, 2026, 6, 23, 0, CITY_CLOSED, "慰霊の日");
    /* Days before v1's effective date (2024-04-01) are governed by v1, the
     * earliest version: its 2024-03-31 (a Sunday) is open. */
    CHECK_DAY(cal, 2024, 3, 31, 1, CITY_OPEN, "休日開庁");
    CHECK_DAY(cal, 2024, 3, 20, 0, HOLIDAY, "春分の日");

    /* Rule 2 in practice: a 休日開庁 Sunday is an ordinary working day. */
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(2024, 11, 10, 10, 0, 0, 0)),
                 TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(2024, 11, 10, 23, 0, 0, 0)),
                 TK_CALENDAR_SLOT_NIGHT);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(2024, 11, 9, 10, 0, 0, 0)),
                 TK_CALENDAR_SLOT_CLOSED_DAY);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(2025, 6, 23, 10, 0, 0, 0)),
                 TK_CALENDAR_SLOT_CLOSED_DAY);
    tk_calendar_destroy(cal);
    tk_tenant_close(t);
}

/* A stored day that does not parse is a database problem, not a crash. */
static void corrupt_store(void)
{
    tk_tenant *t = new_tenant();
    tk_calendar *cal = (tk_calendar *)&cal;
    tk_error err;

    TK_REQUIRE(tk_db_exec(tk_tenant_db(t),
                          "INSERT INTO master_versions(kind, effective_from, effective_day,"
                          " imported_at, file_name, sha256, encoding, rows)"
                          " VALUES('calendar', '2024-01-01', 19723, 'x', 'x', 'x', 'utf-8', 1);"
                          "INSERT INTO master_calendar(version_id, line, day, kind, name)"
                          " VALUES(last_insert_rowid(), 2, '2024-13-45', 'closed', NULL)",
                          &err) == TK_OK);
    TK_CHECK_INT(tk_calendar_load(&cal, t, NULL, &err), TK_EDB);
    TK_CHECK(cal == NULL);
    TK_CHECK(strstr(err.msg, "2024-13-45") != NULL);
    tk_tenant_close(t);
}

/* ---- business hours ------------------------------------------------------ */

static void classify_default_hours(void)
{
    tk_calendar *cal = NULL;
    tk_error err;

    TK_REQUIRE(tk_calendar_create_default(&cal, NULL, &err) == TK_OK);
    /* 2024-10-01 is a Tuesday. */
    static const struct {
        int hh, mm, ss, ms, slot;
    } cases[] = {
        {0, 0, 0, 0, TK_CALENDAR_SLOT_NIGHT},         {5, 59, 59, 999, TK_CALENDAR_SLOT_NIGHT},
        {6, 0, 0, 0, TK_CALENDAR_SLOT_EARLY},         {8, 29, 0, 0, TK_CALENDAR_SLOT_EARLY},
        {8, 29, 59, 999, TK_CALENDAR_SLOT_EARLY},     {8, 30, 0, 0, TK_CALENDAR_SLOT_IN_HOURS},
        {11, 59, 59, 999, TK_CALENDAR_SLOT_IN_HOURS}, {12, 0, 0, 0, TK_CALENDAR_SLOT_LUNCH},
        {12, 30, 0, 0, TK_CALENDAR_SLOT_LUNCH},       {12, 59, 59, 999, TK_CALENDAR_SLOT_LUNCH},
        {13, 0, 0, 0, TK_CALENDAR_SLOT_IN_HOURS},     {17, 14, 59, 999, TK_CALENDAR_SLOT_IN_HOURS},
        {17, 15, 0, 0, TK_CALENDAR_SLOT_EVENING},     {21, 59, 59, 999, TK_CALENDAR_SLOT_EVENING},
        {22, 0, 0, 0, TK_CALENDAR_SLOT_NIGHT},        {23, 59, 59, 999, TK_CALENDAR_SLOT_NIGHT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int64_t ms = jst(2024, 10, 1, cases[i].hh, cases[i].mm, cases[i].ss, cases[i].ms);
        const int got = tk_calendar_classify(cal, NULL, 0, ms);
        if (got != cases[i].slot)
            fprintf(stderr, "%02d:%02d:%02d.%03d is %s, expected %s\n", cases[i].hh, cases[i].mm,
                    cases[i].ss, cases[i].ms, tk_calendar_slot_code(got),
                    tk_calendar_slot_code(cases[i].slot));
        TK_CHECK_INT(got, cases[i].slot);
        TK_CHECK_INT(tk_calendar_slot(cal, NULL, ms), cases[i].slot);
    }
    /* A closed day: every time is CLOSED_DAY; the slot still tells night. */
    const int64_t sat_night = jst(2024, 10, 5, 23, 0, 0, 0);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(2024, 10, 5, 10, 0, 0, 0)),
                 TK_CALENDAR_SLOT_CLOSED_DAY);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, sat_night), TK_CALENDAR_SLOT_CLOSED_DAY);
    TK_CHECK_INT(tk_calendar_slot(cal, NULL, sat_night), TK_CALENDAR_SLOT_NIGHT);
    /* The JST day decides: Monday 2024-10-07 01:00 JST is Sunday 16:00 UTC. */
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(2024, 10, 7, 1, 0, 0, 0)),
                 TK_CALENDAR_SLOT_NIGHT);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(2024, 10, 6, 23, 59, 59, 999)),
                 TK_CALENDAR_SLOT_CLOSED_DAY);
    /* Before 1970 (negative ms) works the same way. */
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(1960, 3, 22, 9, 0, 0, 0)),
                 TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, jst(1960, 3, 20, 9, 0, 0, 0)),
                 TK_CALENDAR_SLOT_CLOSED_DAY);
    tk_calendar_destroy(cal);
}

static void classify_dept_hours(void)
{
    static const tk_calendar_dept_hours depts[] = {
        {"市民課", {450, 975, 690, 750}},  /* 7:30-16:15, lunch 11:30-12:30 */
        {"夜間窓口", {570, 1350, 0, 0}},   /* 9:30-22:30, no lunch */
        {"市民課 ", {540, 1080, 720, 780}} /* another name: exact match only */
    };
    tk_calendar_options o = TK_CALENDAR_OPTIONS_INIT;
    tk_calendar *cal = NULL;
    tk_error err;

    o.depts = depts;
    o.ndepts = 3;
    TK_REQUIRE(tk_calendar_create_default(&cal, &o, &err) == TK_OK);
    const char *shimin = "市民課", *yakan = "夜間窓口";
    const size_t ls = strlen(shimin), ly = strlen(yakan);
#define AT(hh, mm) jst(2024, 10, 1, hh, mm, 0, 0)
    TK_CHECK_INT(tk_calendar_classify(cal, shimin, ls, AT(7, 29)), TK_CALENDAR_SLOT_EARLY);
    TK_CHECK_INT(tk_calendar_classify(cal, shimin, ls, AT(7, 30)), TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, shimin, ls, AT(11, 30)), TK_CALENDAR_SLOT_LUNCH);
    TK_CHECK_INT(tk_calendar_classify(cal, shimin, ls, AT(12, 30)), TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, shimin, ls, AT(16, 15)), TK_CALENDAR_SLOT_EVENING);
    TK_CHECK_INT(tk_calendar_classify(cal, yakan, ly, AT(12, 30)), TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, yakan, ly, AT(22, 15)), TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, yakan, ly, AT(22, 30)), TK_CALENDAR_SLOT_NIGHT);
    TK_CHECK_INT(tk_calendar_classify(cal, yakan, ly, AT(9, 0)), TK_CALENDAR_SLOT_EARLY);
    /* Unknown 所属 and NULL: the default hours. A prefix does not match. */
    TK_CHECK_INT(tk_calendar_classify(cal, "税務課", strlen("税務課"), AT(8, 30)),
                 TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, AT(17, 15)), TK_CALENDAR_SLOT_EVENING);
    TK_CHECK_INT(tk_calendar_classify(cal, shimin, 3, AT(7, 30)), TK_CALENDAR_SLOT_EARLY);
    const tk_calendar_hours *h = tk_calendar_hours_for(cal, shimin, ls);
    TK_CHECK_INT(h->start_min, 450);
    TK_CHECK(tk_calendar_hours_for(cal, "市民課 ", ls + 1)->start_min == 540);
    TK_CHECK(tk_calendar_hours_for(cal, NULL, 0) == tk_calendar_hours_for(cal, "x", 1));
    TK_CHECK_INT(tk_calendar_classify_hours(cal, h, AT(7, 45)), TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify_hours(cal, NULL, AT(7, 45)), TK_CALENDAR_SLOT_EARLY);
    TK_CHECK_INT(tk_calendar_classify_hours(cal, h, jst(2024, 10, 14, 9, 0, 0, 0)),
                 TK_CALENDAR_SLOT_CLOSED_DAY);
    tk_calendar_destroy(cal);

    /* Other night bounds: 23:00-5:00, and none at all. */
    o = (tk_calendar_options)TK_CALENDAR_OPTIONS_INIT;
    o.night_start_min = 23 * 60;
    o.night_end_min = 5 * 60;
    TK_REQUIRE(tk_calendar_create_default(&cal, &o, &err) == TK_OK);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, AT(22, 30)), TK_CALENDAR_SLOT_EVENING);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, AT(23, 0)), TK_CALENDAR_SLOT_NIGHT);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, AT(5, 0)), TK_CALENDAR_SLOT_EARLY);
    tk_calendar_destroy(cal);
    o.night_start_min = o.night_end_min = 0;
    TK_REQUIRE(tk_calendar_create_default(&cal, &o, &err) == TK_OK);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, AT(2, 0)), TK_CALENDAR_SLOT_EARLY);
    TK_CHECK_INT(tk_calendar_classify(cal, NULL, 0, AT(23, 0)), TK_CALENDAR_SLOT_EVENING);
    tk_calendar_destroy(cal);
#undef AT
}

static void bad_options(void)
{
    tk_calendar *cal = (tk_calendar *)&cal;
    tk_calendar_options o = TK_CALENDAR_OPTIONS_INIT;
    tk_calendar_dept_hours d[2] = {{"市民課", TK_CALENDAR_HOURS_INIT},
                                   {"市民課", TK_CALENDAR_HOURS_INIT}};
    tk_error err;

    o.hours.start_min = 1035;
    o.hours.end_min = 510;
    TK_CHECK_INT(tk_calendar_create_default(&cal, &o, &err), TK_EINVAL);
    TK_CHECK(cal == NULL);
    TK_CHECK(strstr(err.msg, "default hours") != NULL);
    o = (tk_calendar_options)TK_CALENDAR_OPTIONS_INIT;
    o.hours.end_min = 1441;
    TK_CHECK_INT(tk_calendar_create_default(&cal, &o, &err), TK_EINVAL);
    o = (tk_calendar_options)TK_CALENDAR_OPTIONS_INIT;
    o.hours.lunch_start_min = 480;
    TK_CHECK_INT(tk_calendar_create_default(&cal, &o, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "lunch") != NULL);
    o = (tk_calendar_options)TK_CALENDAR_OPTIONS_INIT;
    o.night_start_min = 1500;
    TK_CHECK_INT(tk_calendar_create_default(&cal, &o, &err), TK_EINVAL);
    o = (tk_calendar_options)TK_CALENDAR_OPTIONS_INIT;
    o.depts = d;
    o.ndepts = 2;
    TK_CHECK_INT(tk_calendar_create_default(&cal, &o, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "市民課") != NULL && strstr(err.msg, "twice") != NULL);
    d[1].dept = "";
    TK_CHECK_INT(tk_calendar_create_default(&cal, &o, &err), TK_EINVAL);
    d[1].dept = "税務課";
    d[1].hours.lunch_end_min = 2000;
    TK_CHECK_INT(tk_calendar_create_default(&cal, &o, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "税務課") != NULL);
    TK_CHECK(cal == NULL);
    tk_calendar_destroy(NULL);
}

/* ---- allocation failures ------------------------------------------------- */

static void alloc_failures(void)
{
    static const tk_calendar_dept_hours depts[] = {{"市民課", {450, 975, 690, 750}},
                                                   {"夜間窓口", {570, 1350, 0, 0}}};
    tk_calendar_options o = TK_CALENDAR_OPTIONS_INIT;
    tk_tenant *t = new_tenant();
    tk_error err;
    unsigned long n;
    int rc;

    o.depts = depts;
    o.ndepts = 2;
    for (n = 1;; n++) {
        tk_calendar *cal = NULL;
        tk_alloc_fail_at(n);
        rc = tk_calendar_create_default(&cal, &o, &err);
        tk_alloc_fail_at(0);
        if (rc == TK_OK) {
            TK_CHECK_INT(tk_calendar_classify(cal, "市民課", strlen("市民課"),
                                              jst(2024, 10, 1, 7, 30, 0, 0)),
                         TK_CALENDAR_SLOT_IN_HOURS);
            tk_calendar_destroy(cal);
            break;
        }
        TK_CHECK_INT(rc, TK_ENOMEM);
        TK_CHECK(cal == NULL);
        TK_REQUIRE(n < 1000);
    }
    TK_CHECK(n > 3);

    /* Load, with enough imported names that the name table grows. */
    TK_REQUIRE(import(t, "calendar", "syukujitsu.csv", "2024-01-01") == TK_OK);
    TK_REQUIRE(import(t, "holidays", "syukujitsu_revised.csv", "2025-07-01") == TK_OK);
    TK_REQUIRE(import(t, "calendar", "calendar_v1.csv", "2024-04-01") == TK_OK);
    for (n = 1;; n++) {
        tk_calendar *cal = NULL;
        tk_alloc_fail_at(n);
        rc = tk_calendar_load(&cal, t, &o, &err);
        tk_alloc_fail_at(0);
        if (rc == TK_OK) {
            CHECK_DAY(cal, 2025, 12, 26, 0, HOLIDAY, "臨時休日（試験用）");
            CHECK_DAY(cal, 2025, 6, 23, 0, CITY_CLOSED, "慰霊の日");
            tk_calendar_destroy(cal);
            break;
        }
        TK_CHECK_INT(rc, TK_ENOMEM);
        TK_CHECK(cal == NULL);
        TK_REQUIRE(n < 10000);
    }
    TK_CHECK(n > 10);
    tk_tenant_close(t);
}

/* ---- 所属-scoped calendar rows and hours settings ------------------------ */

static int import_mapped(tk_tenant *t, const char *file, const char *map, const char *effective)
{
    char path[600], mpath[600];
    tk_master_import_result r;
    tk_error err;
    snprintf(path, sizeof path, "%s/calendar/%s", tk_test_datadir(), file);
    snprintf(mpath, sizeof mpath, "%s/calendar/%s", tk_test_datadir(), map);
    const int rc = tk_master_import(t, "calendar", path, mpath, effective, &r, &err);
    if (rc != TK_OK)
        fprintf(stderr, "import %s: %s\n", file, err.msg);
    return rc;
}

#define SHIMIN "市民課"
#define SENKYO "選挙管理委員会事務局"
#define SL(s)  s, strlen(s)

/* The pilot's export through a mapping: a 所属's event opens the day for it
 * alone, with its hours; others see the day as the day row says. */
static void scoped_days(void)
{
    tk_tenant *t = new_tenant();
    tk_calendar *cal = NULL;
    tk_calendar_dept_day dd;
    tk_error err;

    TK_REQUIRE(import_mapped(t, "pilot_export.csv", "pilot_map.json", "2025-10-01") == TK_OK);
    TK_REQUIRE(tk_calendar_load(&cal, t, NULL, &err) == TK_OK);

    /* Sunday 11-02: closed for the city, open 9:00-12:00 for 市民課. */
    TK_CHECK_INT(tk_calendar_is_open(cal, day_of(2025, 11, 2)), 0);
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 2), SL(SHIMIN), &dd);
    TK_CHECK_INT(dd.open, 1);
    TK_CHECK_INT(dd.scoped, 1);
    TK_CHECK_STR(dd.name, "市民課日曜窓口（9:00-12:00）");
    TK_CHECK_INT(dd.hours->start_min, 540);
    TK_CHECK_INT(dd.hours->end_min, 720);
    TK_CHECK_INT(dd.hours_from, TK_CALENDAR_HOURS_DAY);
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 2), SL(SENKYO), &dd);
    TK_CHECK_INT(dd.open, 0);
    TK_CHECK_INT(dd.scoped, 0);
    TK_CHECK(dd.name == NULL);
    TK_CHECK_INT(dd.hours_from, TK_CALENDAR_HOURS_DEFAULT);
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 2), NULL, 0, &dd);
    TK_CHECK_INT(dd.open, 0);
    /* A 所属 name that is a prefix of a scoped one is another 所属. */
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 2), "市民", strlen("市民"), &dd);
    TK_CHECK_INT(dd.open, 0);
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SHIMIN), jst(2025, 11, 2, 10, 0, 0, 0)),
                 TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SHIMIN), jst(2025, 11, 2, 13, 30, 0, 0)),
                 TK_CALENDAR_SLOT_EVENING);
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SENKYO), jst(2025, 11, 2, 10, 0, 0, 0)),
                 TK_CALENDAR_SLOT_CLOSED_DAY);
    /* The event rows leave the next Sunday's 市民課 as the rest of the day is. */
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 9), SL(SHIMIN), &dd);
    TK_CHECK_INT(dd.open, 1); /* opened, without hours of its own: the 所属's */
    TK_CHECK_INT(dd.hours->start_min, 510);
    TK_CHECK_INT(dd.hours_from, TK_CALENDAR_HOURS_DEFAULT);
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 16), SL(SHIMIN), &dd);
    TK_CHECK_INT(dd.open, 0); /* no row at all */

    /* A weekday event extends the hours of its 所属 only. */
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SENKYO), jst(2025, 11, 4, 19, 30, 0, 0)),
                 TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SHIMIN), jst(2025, 11, 4, 19, 30, 0, 0)),
                 TK_CALENDAR_SLOT_EVENING);
    /* Saturday 11-08 for the election staff; 11-03 (文化の日, a 祝日 row). */
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SENKYO), jst(2025, 11, 8, 8, 45, 0, 0)),
                 TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SHIMIN), jst(2025, 11, 8, 8, 45, 0, 0)),
                 TK_CALENDAR_SLOT_CLOSED_DAY);
    TK_CHECK_INT(tk_calendar_is_open(cal, day_of(2025, 11, 3)), 0);
    TK_CHECK_INT(tk_calendar_is_open(cal, day_of(2025, 11, 4)), 1);
    /* A row for every 所属 with hours: open for all, with those hours. */
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 30), SL(SENKYO), &dd);
    TK_CHECK_INT(dd.open, 1);
    TK_CHECK_INT(dd.scoped, 0);
    TK_CHECK_INT(dd.hours->end_min, 720);
    TK_CHECK_INT(dd.hours_from, TK_CALENDAR_HOURS_DAY);
    tk_calendar_destroy(cal);

    /* A later version without the events governs from its effective date:
     * 11-09's window is gone, 11-02's stays (v1 governs it). */
    TK_REQUIRE(import_mapped(t, "pilot_export_v2.csv", "pilot_map.json", "2025-11-05") == TK_OK);
    TK_REQUIRE(tk_calendar_load(&cal, t, NULL, &err) == TK_OK);
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 2), SL(SHIMIN), &dd);
    TK_CHECK_INT(dd.open, 1);
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 9), SL(SHIMIN), &dd);
    TK_CHECK_INT(dd.open, 0);
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 8), SL(SENKYO), &dd);
    TK_CHECK_INT(dd.open, 0);
    tk_calendar_destroy(cal);
    tk_tenant_close(t);
}

static int count_versions(void *ctx, const tk_calendar_settings_entry *e)
{
    char *buf = ctx;
    const size_t n = strlen(buf);
    snprintf(buf + n, 512 - n, "#%lld %s %s|", (long long)e->version, e->by ? e->by : "-",
             e->change);
    return TK_OK;
}

/* Hours per 所属 set as versioned tenant settings reach the calendar. */
static void hours_settings(void)
{
    tk_tenant *t = new_tenant();
    tk_calendar_settings *s = NULL;
    tk_calendar *cal = NULL;
    tk_calendar_hours h;
    tk_error err;
    char buf[512] = "";

    TK_REQUIRE(tk_calendar_settings_load(&s, t, &err) == TK_OK);
    TK_CHECK_INT(tk_calendar_settings_version(s), 0);
    TK_CHECK_INT(tk_calendar_settings_default_set(s), 0);
    TK_CHECK_INT(tk_calendar_settings_options(s)->hours.start_min, 510);
    TK_REQUIRE(tk_calendar_parse_hours(SL("8:00-16:45/12:00-12:45"), &h, &err) == TK_OK);
    TK_REQUIRE(tk_calendar_settings_put(s, NULL, 0, &h, &err) == TK_OK);
    TK_REQUIRE(tk_calendar_parse_hours(SL("7:30-16:15/11:30-12:30"), &h, &err) == TK_OK);
    TK_REQUIRE(tk_calendar_settings_put(s, SL(SHIMIN), &h, &err) == TK_OK);
    TK_REQUIRE(tk_calendar_settings_store(s, t, "first", "山田", 1700000000000, &err) == TK_OK);
    TK_CHECK_INT(tk_calendar_settings_version(s), 1);
    TK_REQUIRE(tk_calendar_parse_hours(SL("8:30-20:00"), &h, &err) == TK_OK);
    TK_REQUIRE(tk_calendar_settings_put(s, SL(SENKYO), &h, &err) == TK_OK);
    TK_REQUIRE(tk_calendar_settings_store(s, t, "second", NULL, 1700000001000, &err) == TK_OK);
    TK_CHECK_INT(tk_calendar_settings_version(s), 2);
    TK_CHECK_INT(tk_calendar_settings_put(s, SL("総務課"), NULL, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "所属 \"総務課\" has no hours of its own");
    tk_calendar_settings_destroy(s);

    TK_REQUIRE(tk_calendar_settings_history(t, count_versions, buf, &err) == TK_OK);
    TK_CHECK_STR(buf, "#2 - second|#1 山田 first|");

    /* The calendar reads the version in force. */
    TK_REQUIRE(tk_calendar_load(&cal, t, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SHIMIN), jst(2025, 11, 4, 7, 45, 0, 0)),
                 TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SHIMIN), jst(2025, 11, 4, 16, 30, 0, 0)),
                 TK_CALENDAR_SLOT_EVENING);
    TK_CHECK_INT(tk_calendar_classify(cal, SL(SENKYO), jst(2025, 11, 4, 19, 59, 0, 0)),
                 TK_CALENDAR_SLOT_IN_HOURS);
    TK_CHECK_INT(tk_calendar_classify(cal, SL("総務課"), jst(2025, 11, 4, 16, 50, 0, 0)),
                 TK_CALENDAR_SLOT_EVENING); /* the default, 8:00-16:45 */
    TK_CHECK_INT(tk_calendar_classify(cal, SL("総務課"), jst(2025, 11, 4, 12, 50, 0, 0)),
                 TK_CALENDAR_SLOT_IN_HOURS); /* lunch ended 12:45 */
    tk_calendar_dept_day dd;
    tk_calendar_dept_day_kind(cal, day_of(2025, 11, 4), SL(SHIMIN), &dd);
    TK_CHECK_INT(dd.hours_from, TK_CALENDAR_HOURS_DEPT);
    TK_CHECK_STR(tk_calendar_hours_from_code(dd.hours_from), "dept");
    tk_calendar_destroy(cal);

    /* Removing the 所属's hours is a version too; the older stay listed. */
    TK_REQUIRE(tk_calendar_settings_load(&s, t, &err) == TK_OK);
    TK_CHECK_INT(tk_calendar_settings_version(s), 2);
    TK_CHECK_INT(tk_calendar_settings_options(s)->ndepts, 2);
    TK_REQUIRE(tk_calendar_settings_put(s, SL(SHIMIN), NULL, &err) == TK_OK);
    TK_REQUIRE(tk_calendar_settings_put(s, NULL, 0, NULL, &err) == TK_OK);
    TK_REQUIRE(tk_calendar_settings_store(s, t, "third", NULL, 1700000002000, &err) == TK_OK);
    tk_calendar_settings_destroy(s);
    TK_REQUIRE(tk_calendar_settings_load(&s, t, &err) == TK_OK);
    TK_CHECK_INT(tk_calendar_settings_version(s), 3);
    TK_CHECK_INT(tk_calendar_settings_default_set(s), 0);
    TK_CHECK_INT(tk_calendar_settings_options(s)->ndepts, 1);
    TK_CHECK_STR(tk_calendar_settings_options(s)->depts[0].dept, SENKYO);
    tk_calendar_settings_destroy(s);
    tk_tenant_close(t);
}

static void parse_hours(void)
{
    tk_calendar_hours h;
    tk_error err;
    char buf[48];
    TK_REQUIRE(tk_calendar_parse_hours(SL("8:30-17:15/12:00-13:00"), &h, &err) == TK_OK);
    TK_CHECK_INT(h.start_min, 510);
    TK_CHECK_INT(h.end_min, 1035);
    TK_CHECK_INT(h.lunch_start_min, 720);
    TK_CHECK_INT(h.lunch_end_min, 780);
    tk_calendar_format_hours(&h, buf, sizeof buf);
    TK_CHECK_STR(buf, "8:30-17:15/12:00-13:00");
    TK_REQUIRE(tk_calendar_parse_hours(SL("09:00-24:00"), &h, &err) == TK_OK);
    TK_CHECK_INT(h.lunch_start_min, h.lunch_end_min);
    tk_calendar_format_hours(&h, buf, sizeof buf);
    TK_CHECK_STR(buf, "9:00-24:00");
    TK_CHECK_INT(tk_calendar_parse_hours(SL("17:00-8:00"), &h, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "hours \"17:00-8:00\": the hours end before they start");
    TK_CHECK_INT(tk_calendar_parse_hours(SL("8:30-17:15/7:00-8:00"), &h, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "hours \"8:30-17:15/7:00-8:00\": the lunch break must lie within the "
                          "hours");
    static const char *const bad[] = {"8.30-17:15", "8:30",         "8:30-17:15/",
                                      "8:60-17:00", "8:30-24:01",   "8:30-17:15x",
                                      "",           "123:00-124:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TK_CHECK_INT(tk_calendar_parse_hours(SL(bad[i]), &h, &err), TK_EINVAL);
        TK_CHECK(strstr(err.msg, "expected START-END or START-END/LUNCHSTART-LUNCHEND") != NULL);
    }
}

/* A schema 4 store keyed master_calendar by (version_id, day): opening it
 * read-write rebuilds the table with its rows, as rows for every 所属. */
static void upgrade_schema4(void)
{
    tk_tenant *t = new_tenant();
    tk_calendar *cal = NULL;
    tk_error err;
    int64_t n = 0;
    char data_dir[600], name[64];

    TK_REQUIRE(import(t, "calendar", "calendar_v1.csv", "2024-04-01") == TK_OK);
    snprintf(name, sizeof name, "%s", tk_tenant_name(t));
    snprintf(data_dir, sizeof data_dir, "%s", tk_tenant_dir(t));
    *strrchr(data_dir, '/') = '\0';
    TK_REQUIRE(tk_db_exec(tk_tenant_db(t),
                          "ALTER TABLE master_calendar RENAME TO mc;"
                          "CREATE TABLE master_calendar(version_id INTEGER NOT NULL, line INTEGER "
                          "NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL, name TEXT,"
                          " PRIMARY KEY(version_id, day));"
                          "INSERT INTO master_calendar SELECT version_id, line, day, kind, name "
                          "FROM mc; DROP TABLE mc; PRAGMA user_version=4",
                          &err) == TK_OK);
    tk_tenant_close(t);
    TK_REQUIRE(tk_tenant_open(&t, data_dir, name, 0, &err) == TK_OK);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t),
                                 "SELECT count(*) FROM master_calendar WHERE dept = ''", &n, &err),
                 TK_OK);
    TK_CHECK(n > 0);
    /* Upgraded by src alone: tables current, version not stamped. */
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "PRAGMA user_version", &n, &err), TK_OK);
    TK_CHECK_INT(n, 4);
    TK_REQUIRE(tk_calendar_load(&cal, t, NULL, &err) == TK_OK);
    CHECK_DAY(cal, 2024, 11, 10, 1, CITY_OPEN, "休日開庁");
    CHECK_DAY(cal, 2025, 6, 23, 0, CITY_CLOSED, "慰霊の日");
    tk_calendar_destroy(cal);
    /* and a 所属's row can now be imported beside them */
    TK_CHECK_INT(import_mapped(t, "pilot_export.csv", "pilot_map.json", "2025-10-01"), TK_OK);
    tk_tenant_close(t);
}

int main(void)
{
    TK_RUN(official_2019_2027);
    TK_RUN(historical_spot_checks);
    TK_RUN(whole_range);
    TK_RUN(default_day_kinds);
    TK_RUN(load_empty_tenant);
    TK_RUN(imported_holidays_override);
    TK_RUN(city_days);
    TK_RUN(corrupt_store);
    TK_RUN(classify_default_hours);
    TK_RUN(classify_dept_hours);
    TK_RUN(bad_options);
    TK_RUN(alloc_failures);
    TK_RUN(scoped_days);
    TK_RUN(hours_settings);
    TK_RUN(parse_hours);
    TK_RUN(upgrade_schema4);
    TK_TEST_END();
}
