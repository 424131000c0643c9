/* tests/sim/test_gencity.c -- the simulator's public entry (sim/gencity.h).
 *
 * Runs tk_gencity_run() the way `tenken demo` does, without a command line:
 * the defaults, every option check and its message, the summary of a run
 * checked against the committed notebooks-data/sample-city (whose files the
 * run must reproduce byte for byte), the refusal to write over a city, and
 * the calendar a city writes checked day by day against src/calendar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/gencity.h"
#include "src/calendar.h"
#include "src/timefmt.h"
#include "tests/test.h"

/* The file's bytes (owned; free()), NUL-terminated, and *len, or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *p = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 1 >= cap) {
            cap = cap ? cap * 2 : 65536;
            char *q = realloc(p, cap);
            if (q == NULL) {
                free(p);
                fclose(f);
                return NULL;
            }
            p = q;
        }
        const size_t got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    p[n] = '\0';
    *len = n;
    return p;
}

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *pa = slurp(a, &na), *pb = slurp(b, &nb);
    const int same = pa != NULL && pb != NULL && na == nb && memcmp(pa, pb, na) == 0;
    if (!same)
        fprintf(stderr, "differs: %s %s\n", a, b);
    free(pa);
    free(pb);
    return same;
}

static void test_defaults(void)
{
    const tk_gencity_options o = TK_GENCITY_OPTIONS_INIT;
    TK_CHECK(o.from == tk_days_from_civil(2024, 4, 1));
    TK_CHECK(o.to == tk_days_from_civil(2024, 11, 30));
    TK_CHECK_INT(o.staff, 200);
    TK_CHECK_INT(o.residents, 20000);
    TK_CHECK_INT(o.volume, 100);
    TK_CHECK_INT(o.bulk_rows, 0);
    TK_CHECK(o.out == NULL && !o.force && !o.progress);
    TK_CHECK_INT(o.variant, TK_GENCITY_VARIANT_A);
}

static void expect_invalid(const tk_gencity_options *o, const char *msg)
{
    tk_error err;
    tk_error_clear(&err);
    TK_CHECK_INT(tk_gencity_check(o, &err), TK_EINVAL);
    TK_CHECK_INT(err.code, TK_EINVAL);
    TK_CHECK_STR(err.msg, msg);
    tk_error_clear(&err);
    TK_CHECK_INT(tk_gencity_run(o, NULL, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, msg);
}

static void test_checks(void)
{
    tk_gencity_options o = TK_GENCITY_OPTIONS_INIT;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/gencity-never-written", tk_test_tmpdir());
    expect_invalid(&o, "--out DIR is required");
    o.out = dir;
    tk_error err;
    TK_CHECK_INT(tk_gencity_check(&o, &err), TK_OK);

    o.staff = 29;
    expect_invalid(&o, "--staff: expected an integer from 30 to 5000, got 29");
    o.staff = 200;
    o.residents = 2000001;
    expect_invalid(&o, "--residents: expected an integer from 1000 to 2000000, got 2000001");
    o.residents = 20000;
    o.volume = 9;
    expect_invalid(&o, "--volume: expected a percentage from 10 to 2000, got 9");
    o.volume = 100;
    o.from = tk_days_from_civil(2019, 12, 31);
    expect_invalid(&o, "--from: expected a date between 2020-01-01 and 2099-12-31, got 2019-12-31");
    o.from = tk_days_from_civil(2024, 12, 1);
    expect_invalid(&o, "--from 2024-12-01 is after --to 2024-11-30");
    o.from = tk_days_from_civil(2024, 11, 4);
    expect_invalid(&o, "the period must be 28 to 1096 days long, got 27");
    o.from = tk_days_from_civil(2022, 1, 1);
    o.staff = 5000;
    expect_invalid(&o, "--staff 5000 over 1065 days at --volume 100 is too large (staff x days x "
                       "volume / 100 must stay below 2500000, about 100 million events)");
    o.bulk_rows = 1000; /* the bulk file does not simulate: any size is fine */
    TK_CHECK_INT(tk_gencity_check(&o, &err), TK_OK);
    o.bulk_rows = TK_GENCITY_MAX_BULK_ROWS + 1;
    expect_invalid(&o, "--bulk-rows: expected an integer from 1 to 10000000000, got 10000000001");
    o.bulk_rows = 1000;
    o.variant = TK_GENCITY_VARIANT_B;
    expect_invalid(&o, "--variant B writes a whole city; --bulk-rows takes variant A only");
    o.variant = 7;
    expect_invalid(&o, "--variant: expected A or B");
    o.variant = TK_GENCITY_VARIANT_A;
    FILE *f = fopen(dir, "r");
    TK_CHECK(f == NULL); /* nothing was written */
    if (f != NULL)
        fclose(f);
}

/* The options notebooks-data/README.md gives for sample-city. */
static tk_gencity_options sample_options(const char *out)
{
    tk_gencity_options o = TK_GENCITY_OPTIONS_INIT;
    o.out = out;
    o.seed = 1;
    o.staff = 30;
    o.residents = 2000;
    o.from = tk_days_from_civil(2024, 10, 1);
    o.to = tk_days_from_civil(2024, 11, 8);
    return o;
}

static void test_sample_city(void)
{
    const char *data = getenv("TK_TEST_DATA");
    TK_REQUIRE(data != NULL);
    char out[4096], sample[4096], a[4096], b[4096];
    snprintf(out, sizeof out, "%s/gencity-sample.%d", tk_test_tmpdir(), (int)getpid());
    snprintf(sample, sizeof sample, "%s/../../notebooks-data/sample-city", data);
    tk_gencity_options o = sample_options(out);
    tk_gencity_result r;
    tk_error err;
    tk_error_clear(&err);
    TK_REQUIRE(tk_gencity_run(&o, &r, &err) == TK_OK);
    TK_CHECK_INT(r.staff, 30);
    TK_CHECK_INT(r.residents, 2001);
    TK_CHECK_INT(r.households, 850);
    TK_CHECK_INT(r.terminals, 77);
    TK_CHECK_STR(r.from, "2024-10-01");
    TK_CHECK_STR(r.to, "2024-11-08");
    TK_CHECK_STR(r.inspection_from, "2024-10-01");
    TK_CHECK_INT(r.files, 80);
    TK_CHECK_INT(r.log_files, 44);
    TK_CHECK_INT(r.rows, 27292);
    TK_CHECK_INT(r.business_rows, 25368);
    TK_CHECK_INT(r.logon_rows, 1864);
    TK_CHECK_INT(r.media_rows, 60);
    TK_CHECK_INT(r.incidents, 32);
    TK_CHECK_INT(r.incident_kinds, 32);
    TK_CHECK_INT(r.hard_negatives, 28);
    TK_CHECK_INT(r.hard_negative_kinds, 8);

    /* the committed sample is this run's output, byte for byte */
    static const char *const files[] = {"manifest.csv",
                                        "truth.csv",
                                        "README.md",
                                        "master/calendar.csv",
                                        "master/staff.csv",
                                        "master/terminals.csv",
                                        "master/residents.csv",
                                        "profiles/juki-vendor-a.json",
                                        "logs/juki_2024-10.csv",
                                        "logs/kotei_2024-11.csv",
                                        "logs/terminal_logon_2024-10.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(a, sizeof a, "%s/%s", out, files[i]);
        snprintf(b, sizeof b, "%s/%s", sample, files[i]);
        TK_CHECK(same_file(a, b));
    }

    /* a second run refuses to write over the city, unless forced */
    TK_CHECK(tk_gencity_holds_city(out));
    tk_error_clear(&err);
    TK_CHECK_INT(tk_gencity_run(&o, &r, &err), TK_EEXISTS);
    snprintf(a, sizeof a, "%s already holds a generated city (use --force to overwrite)", out);
    TK_CHECK_STR(err.msg, a);
    o.force = 1;
    TK_CHECK_INT(tk_gencity_run(&o, NULL, &err), TK_OK);
    snprintf(a, sizeof a, "rm -rf '%s'", out);
    TK_CHECK_INT(system(a), 0);
}

/* Every holiday src/calendar knows in 2020-2021 (the Olympic moves) is a closed day of
 * master/calendar.csv with its name (a 振替休日 is written 休日), and every other closed day
 * there is 年末年始. */
static void test_calendar(void)
{
    char out[4096], path[4096];
    snprintf(out, sizeof out, "%s/gencity-calendar.%d", tk_test_tmpdir(), (int)getpid());
    tk_gencity_options o = TK_GENCITY_OPTIONS_INIT;
    o.out = out;
    o.seed = 5;
    o.staff = 30;
    o.residents = 1000;
    o.volume = 10;
    o.from = tk_days_from_civil(2020, 1, 1);
    o.to = tk_days_from_civil(2021, 12, 31);
    tk_error err;
    TK_REQUIRE(tk_gencity_run(&o, NULL, &err) == TK_OK);
    snprintf(path, sizeof path, "%s/master/calendar.csv", out);
    size_t len = 0;
    char *csv = slurp(path, &len);
    TK_REQUIRE(csv != NULL);
    size_t holidays = 0, listed = 0;
    for (int64_t day = o.from; day <= o.to; day++) {
        int y, m, d;
        const char *name = NULL;
        tk_civil_from_days(day, &y, &m, &d);
        char want[128];
        if (tk_calendar_holiday_day(day, &name)) {
            holidays++;
            snprintf(want, sizeof want, "\n%04d/%02d/%02d,閉庁,%s\n", y, m, d,
                     strcmp(name, "振替休日") == 0 ? "休日" : name);
            if (strstr(csv, want) == NULL)
                fprintf(stderr, "missing: %s", want + 1);
            TK_CHECK(strstr(csv, want) != NULL);
        }
    }
    for (const char *p = strchr(csv, '\n'); p != NULL && p[1] != '\0'; p = strchr(p + 1, '\n')) {
        listed++;
        int y, m, d;
        TK_REQUIRE(sscanf(p + 1, "%d/%d/%d", &y, &m, &d) == 3);
        const int holiday = tk_calendar_holiday(y, m, d, NULL);
        const int year_end = (m == 12 && d >= 29) || (m == 1 && d <= 3);
        const int open_sunday =
            strncmp(p + 11, ",開庁,休日開庁\n", strlen(",開庁,休日開庁\n")) == 0;
        TK_CHECK(holiday || year_end || open_sunday);
    }
    TK_CHECK_INT(holidays, 35);
    TK_CHECK(listed > holidays);
    free(csv);
    snprintf(path, sizeof path, "rm -rf '%s'", out);
    TK_CHECK_INT(system(path), 0);
}

/* The options of a small city of variant B (and, with variant A, its default twin). */
static tk_gencity_options variant_options(const char *out, uint64_t seed, int variant)
{
    tk_gencity_options o = TK_GENCITY_OPTIONS_INIT;
    o.out = out;
    o.seed = seed;
    o.staff = 60;
    o.residents = 3000;
    o.from = tk_days_from_civil(2024, 6, 1);
    o.variant = variant;
    return o;
}

static char *city_file(const char *dir, const char *name)
{
    char path[4096];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return slurp(path, &len);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Variant B differs from A where docs/gen-city.md says, and is deterministic per seed. */
static void test_variant(void)
{
    char a[4096], b1[4096], b2[4096], b3[4096], x[4096], y[4096];
    const char *tmp = tk_test_tmpdir();
    snprintf(a, sizeof a, "%s/gencity-va.%d", tmp, (int)getpid());
    snprintf(b1, sizeof b1, "%s/gencity-vb1.%d", tmp, (int)getpid());
    snprintf(b2, sizeof b2, "%s/gencity-vb2.%d", tmp, (int)getpid());
    snprintf(b3, sizeof b3, "%s/gencity-vb3.%d", tmp, (int)getpid());
    tk_error err;
    tk_gencity_options o = variant_options(a, 3, TK_GENCITY_VARIANT_A);
    TK_REQUIRE(tk_gencity_run(&o, NULL, &err) == TK_OK);
    o = variant_options(b1, 3, TK_GENCITY_VARIANT_B);
    TK_REQUIRE(tk_gencity_run(&o, NULL, &err) == TK_OK);
    o = variant_options(b2, 3, TK_GENCITY_VARIANT_B);
    TK_REQUIRE(tk_gencity_run(&o, NULL, &err) == TK_OK);
    o = variant_options(b3, 4, TK_GENCITY_VARIANT_B);
    TK_REQUIRE(tk_gencity_run(&o, NULL, &err) == TK_OK);

    /* the same seed writes the same variant B city, another seed another one */
    static const char *const files[] = {"truth.csv",
                                        "manifest.csv",
                                        "master/calendar.csv",
                                        "master/watchlist.csv",
                                        "master/staff.csv",
                                        "logs/juki_2024-10.csv",
                                        "logs/terminal_logon_2024-11.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(x, sizeof x, "%s/%s", b1, files[i]);
        snprintf(y, sizeof y, "%s/%s", b2, files[i]);
        TK_CHECK(same_file(x, y));
    }
    char *t3 = city_file(b3, "truth.csv");
    char *ta = city_file(a, "truth.csv"), *tb = city_file(b1, "truth.csv");
    TK_REQUIRE(ta != NULL && tb != NULL && t3 != NULL);
    TK_CHECK(strcmp(tb, t3) != 0);

    /* the new incidents and hard negatives are in B's truth only */
    static const char *const kinds[] = {",incident,stalking,user,",
                                        ",incident,block_sweep,user,",
                                        ",incident,concurrent_long,user,",
                                        ",incident,early_logon_shift,user,",
                                        ",incident,late_lookup,user,",
                                        ",incident,watchlist_single,user,",
                                        ",hard_negative,protected_own_case,user,",
                                        ",hard_negative,sunday_counter,user,",
                                        ",hard_negative,protected_counter,user,",
                                        ",hard_negative,watchlist_counter,user,",
                                        ",hard_negative,early_voting,user,",
                                        ",hard_negative,election_quiet,system,選挙人名簿管理,"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strstr(tb, kinds[i]) == NULL)
            fprintf(stderr, "missing in B: %s\n", kinds[i]);
        TK_CHECK(strstr(tb, kinds[i]) != NULL);
        TK_CHECK(strstr(ta, kinds[i]) == NULL);
    }
    /* a stalking case spans 8-14 days over at least four weeks */
    const char *st = strstr(tb, ",incident,stalking,user,");
    TK_REQUIRE(st != NULL);
    st = strchr(st + strlen(",incident,stalking,user,"), ',');
    int y0, m0, d0, y1, m1, d1, nd = 0;
    TK_REQUIRE(sscanf(st, ",%d-%d-%d,%d-%d-%d", &y0, &m0, &d0, &y1, &m1, &d1) == 6);
    TK_CHECK(tk_days_from_civil(y1, m1, d1) - tk_days_from_civil(y0, m0, d0) >= 21);
    const char *desc = strstr(st, ")を");
    TK_REQUIRE(desc != NULL && sscanf(desc + strlen(")を"), "%d日", &nd) == 1);
    TK_CHECK(nd >= 8 && nd <= 14);

    /* the protection list: no 担当所属 in B, DV等支援措置 spelled out */
    char *wa = city_file(a, "master/watchlist.csv"), *wb = city_file(b1, "master/watchlist.csv");
    TK_REQUIRE(wa != NULL && wb != NULL);
    TK_CHECK(strncmp(wa, "宛名番号,区分,担当所属,開始日,終了日\n",
                     strlen("宛名番号,区分,担当所属,開始日,終了日\n")) == 0);
    TK_CHECK(
        strncmp(wb, "宛名番号,区分,開始日,終了日\n", strlen("宛名番号,区分,開始日,終了日\n")) == 0);
    TK_CHECK(strstr(wb, ",DV等支援措置,") != NULL && strstr(wb, "市民課") == NULL);

    /* the calendar: A's is canonical; B's is the groupware export (a row per day and the
     * scoped events, hours only in the event's name) with the mapping that imports it */
    char *ca = city_file(a, "master/calendar.csv");
    char *cb = city_file(b1, "master/calendar.csv");
    TK_REQUIRE(ca != NULL && cb != NULL);
    TK_CHECK(strncmp(ca, "日付,区分,名称\n", strlen("日付,区分,名称\n")) == 0);
    TK_CHECK(strstr(ca, "行事") == NULL);
    TK_CHECK(strncmp(cb, "日付,曜日,区分,名称,所属\n", strlen("日付,曜日,区分,名称,所属\n")) == 0);
    const size_t days = (size_t)(o.to - o.from + 1);
    const size_t events = count_of(cb, ",行事,");
    TK_CHECK_INT(count_of(cb, "\n") - 1 - events, days);
    /* 27 Saturdays and 26 Sundays; 11-23 and 08-11, 09-22, 11-03 are holidays */
    TK_CHECK_INT(count_of(cb, ",土曜日,"), 26);
    TK_CHECK_INT(count_of(cb, ",日曜日,"), 23);
    TK_CHECK(strstr(cb, "2024/09/22,日,祝日,秋分の日,\n2024/09/23,月,祝日,休日,\n") != NULL);
    TK_CHECK(strstr(cb, ",日,行事,市民課日曜窓口（9:00-12:00）,市民課\n") != NULL);
    TK_CHECK_INT(count_of(cb, "期日前投票所開設（8:30-20:00）,選挙管理委員会\n"), 14);
    char *mapa = city_file(a, "master/calendar.map.json"),
         *mapb = city_file(b1, "master/calendar.map.json");
    TK_CHECK(mapa == NULL);
    TK_REQUIRE(mapb != NULL);
    TK_CHECK(strstr(mapb, "\"行事\": \"開庁\"") != NULL);
    TK_CHECK(strstr(mapb, "\"on_no_match\": \"empty\"") != NULL);

    /* counts in 備考 with thousands separators (CP932 抽出件数=3,), only in B */
    char *ja = city_file(a, "logs/juki_2024-11.csv"), *jb = NULL;
    TK_REQUIRE(ja != NULL);
    TK_CHECK(strstr(ja, "\x92\x8a\x8f\x6f\x8c\x8f\x90\x94=") == NULL);
    int separated = 0;
    for (int m = 6; m <= 11 && !separated; m++) {
        snprintf(x, sizeof x, "logs/juki_2024-%02d.csv", m);
        jb = city_file(b1, x);
        separated = jb != NULL && strstr(jb, "\x92\x8a\x8f\x6f\x8c\x8f\x90\x94=3,0") != NULL;
        free(jb);
    }
    TK_CHECK(separated);

    /* other systems: B has no 戸籍附票 and no 法人住民税 (no log, profile or authorization) */
    char *aa = city_file(a, "master/authorizations.csv");
    char *ab = city_file(b1, "master/authorizations.csv");
    char *ma = city_file(a, "manifest.csv"), *mb = city_file(b1, "manifest.csv");
    TK_REQUIRE(aa != NULL && ab != NULL && ma != NULL && mb != NULL);
    TK_CHECK(strstr(aa, ",法人住民税,") != NULL && strstr(aa, ",戸籍附票,") != NULL);
    TK_CHECK(strstr(ab, ",法人住民税,") == NULL && strstr(ab, ",戸籍附票,") == NULL);
    TK_CHECK(strstr(ma, ",法人住民税,") != NULL && strstr(ma, ",戸籍附票,") != NULL);
    TK_CHECK(strstr(mb, ",法人住民税,") == NULL && strstr(mb, ",戸籍附票,") == NULL);
    TK_CHECK(strstr(mb, ",住民基本台帳,") != NULL && strstr(mb, ",戸籍,") != NULL);
    snprintf(x, sizeof x, "%s/profiles/hojin-vendor-b.json", b1);
    TK_CHECK(access(x, F_OK) != 0);
    snprintf(x, sizeof x, "%s/profiles/hojin-vendor-b.json", a);
    TK_CHECK(access(x, F_OK) == 0);
    free(aa);
    free(ab);
    free(ma);
    free(mb);

    /* other proportions: more 市民課 staff (CP932) in B than in A */
    char *sa = city_file(a, "master/staff.csv"), *sb = city_file(b1, "master/staff.csv");
    TK_REQUIRE(sa != NULL && sb != NULL);
    TK_CHECK(count_of(sb, ",\x8e\x73\x96\xaf\x89\xdb,") >
             count_of(sa, ",\x8e\x73\x96\xaf\x89\xdb,"));

    free(ta);
    free(tb);
    free(t3);
    free(wa);
    free(wb);
    free(ca);
    free(cb);
    free(mapb);
    free(ja);
    free(sa);
    free(sb);
    snprintf(x, sizeof x, "rm -rf '%s' '%s' '%s' '%s'", a, b1, b2, b3);
    TK_CHECK_INT(system(x), 0);
}

int main(void)
{
    TK_RUN(test_defaults);
    TK_RUN(test_checks);
    TK_RUN(test_sample_city);
    TK_RUN(test_calendar);
    TK_RUN(test_variant);
    TK_TEST_END();
}
