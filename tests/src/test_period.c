/* tests/src/test_period.c -- periods and the freezing of delivered ones. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/period.h"
#include "src/timefmt.h"
#include "tests/test.h"

static int parse(const char *s, tk_period *p, tk_error *err)
{
    return tk_period_parse(s, strlen(s), p, err);
}

static void parses_periods(void)
{
    tk_error err = {0, ""};
    tk_period p;
    TK_REQUIRE(parse("2024-10-01..2024-11-30", &p, &err) == TK_OK);
    TK_CHECK_INT(p.first_day, tk_days_from_civil(2024, 10, 1));
    TK_CHECK_INT(p.last_day, tk_days_from_civil(2024, 11, 30));
    char buf[32];
    tk_period_format(&p, buf, sizeof buf);
    TK_CHECK_STR(buf, "2024-10-01..2024-11-30");
    TK_CHECK(parse("2024/02/29..2024/02/29", &p, &err) == TK_OK);
    TK_CHECK_INT(p.last_day - p.first_day, 0);
    static const struct {
        const char *in;
        const char *msg;
    } bad[] = {
        {"2024-10-01", "period \"2024-10-01\": expected YYYY-MM-DD..YYYY-MM-DD"},
        {"2024-10-01..2024-13-01", "period: \"2024-13-01\" is not a date (YYYY-MM-DD)"},
        {"2023-02-29..2023-03-01", "period: \"2023-02-29\" is not a date (YYYY-MM-DD)"},
        {"2024-11-30..2024-10-01", "period: 2024-11-30..2024-10-01 ends before it starts"},
        {"2020-01-01..2024-01-01", "period: 2020-01-01..2024-01-01 is longer than 3 years"},
        {"2024-1-01..2024-11-30", "period: \"2024-1-01\" is not a date (YYYY-MM-DD)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TK_CHECK_INT(parse(bad[i].in, &p, &err), TK_EINVAL);
        TK_CHECK_STR(err.msg, bad[i].msg);
    }
}

static void delivered_periods_are_frozen(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/period-%ld.db", tk_test_tmpdir(), (long)getpid());
    unlink(path);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    tk_error err = {0, ""};
    tk_db *db = NULL;
    TK_REQUIRE(tk_db_open(&db, path, TK_DB_CREATE, &err) == TK_OK);
    TK_REQUIRE(tk_period_migrate(db, &err) == TK_OK);
    tk_period aug, oct, nov;
    TK_REQUIRE(parse("2024-08-01..2024-09-30", &aug, &err) == TK_OK);
    TK_REQUIRE(parse("2024-10-01..2024-11-30", &oct, &err) == TK_OK);
    TK_REQUIRE(parse("2024-11-15..2024-12-31", &nov, &err) == TK_OK);
    TK_CHECK(tk_period_check_open(db, &oct, &err) == TK_OK);
    /* 2024-12-05 10:30 JST */
    TK_CHECK(tk_period_deliver(db, &oct, 1733362200000LL, "analyst", &err) == TK_OK);
    TK_CHECK_INT(tk_period_check_open(db, &oct, &err), TK_EFROZEN);
    TK_CHECK_STR(err.msg, "the report for 2024-10-01..2024-11-30 was delivered on 2024-12-05 10:30 "
                          "(JST); a delivered period is frozen and is not analysed again");
    TK_CHECK_INT(tk_period_check_open(db, &nov, &err), TK_EFROZEN);
    TK_CHECK(tk_period_check_open(db, &aug, &err) == TK_OK);
    TK_CHECK_INT(tk_period_deliver(db, &nov, 1733362200000LL, NULL, &err), TK_EEXISTS);
    TK_CHECK(tk_period_deliver(db, &aug, 1733362200000LL, NULL, &err) == TK_OK);
    tk_db_close(db);
    unlink(path);
}

static void fiscal_year_and_plans(void)
{
    tk_period fy[6];
    char buf[32];
    tk_period_fiscal_bimonths(2024, fy);
    static const char *const want[] = {"2024-04-01..2024-05-31", "2024-06-01..2024-07-31",
                                       "2024-08-01..2024-09-30", "2024-10-01..2024-11-30",
                                       "2024-12-01..2025-01-31", "2025-02-01..2025-03-31"};
    for (int i = 0; i < 6; i++) {
        tk_period_format(&fy[i], buf, sizeof buf);
        TK_CHECK_STR(buf, want[i]);
    }
    tk_period_fiscal_bimonths(2027, fy); /* 2028 is a leap year */
    tk_period_format(&fy[5], buf, sizeof buf);
    TK_CHECK_STR(buf, "2028-02-01..2028-03-31");

    char path[512];
    snprintf(path, sizeof path, "%s/plan-%ld.db", tk_test_tmpdir(), (long)getpid());
    unlink(path);
    tk_error err = {0, ""};
    tk_db *db = NULL;
    TK_REQUIRE(tk_db_open(&db, path, TK_DB_CREATE, &err) == TK_OK);
    TK_REQUIRE(tk_period_migrate(db, &err) == TK_OK);
    tk_period_plan p[2];
    memset(p, 0, sizeof p);
    tk_period_fiscal_bimonths(2024, fy);
    for (int i = 0; i < 2; i++) {
        p[i].period = fy[3 + i];
        p[i].upload_deadline = fy[3 + i].last_day + 10;
        p[i].delivery_due = fy[3 + i].last_day + 30;
        p[i].set_at = 1733362200000LL;
    }
    snprintf(p[0].set_by, sizeof p[0].set_by, "analyst");
    TK_CHECK(tk_period_plan_set(db, p, 2, &err) == TK_OK);
    /* All or none: the second overlaps a planned period, so the first
     * (a change of the deadline) is not stored either. */
    tk_period_plan q[2] = {p[0], p[1]};
    q[0].upload_deadline += 1;
    TK_REQUIRE(parse("2024-12-15..2025-02-15", &q[1].period, &err) == TK_OK);
    q[1].upload_deadline = q[1].period.last_day + 1;
    q[1].delivery_due = q[1].upload_deadline;
    TK_CHECK_INT(tk_period_plan_set(db, q, 2, &err), TK_EEXISTS);
    TK_CHECK_STR(err.msg, "2024-12-15..2025-02-15 overlaps the planned period "
                          "2024-12-01..2025-01-31; remove that plan first");
    tk_period_plan got;
    TK_REQUIRE(tk_period_plan_get(db, &fy[3], &got, &err) == TK_OK);
    TK_CHECK_INT(got.upload_deadline, p[0].upload_deadline);
    TK_CHECK_STR(got.set_by, "analyst");
    tk_period_plan *all = NULL;
    size_t n = 0;
    TK_REQUIRE(tk_period_plan_list(db, &all, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 2);
    TK_CHECK_INT(all[1].period.first_day, fy[4].first_day);
    tk_free(all);
    /* A delivered period's plan is frozen. */
    TK_CHECK(tk_period_deliver(db, &fy[3], 1733362200000LL, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_period_plan_set(db, p, 1, &err), TK_EFROZEN);
    TK_CHECK_INT(tk_period_plan_remove(db, &fy[3], &err), TK_EFROZEN);
    TK_CHECK(tk_period_plan_remove(db, &fy[4], &err) == TK_OK);
    TK_CHECK_INT(tk_period_plan_remove(db, &fy[4], &err), TK_ENOTFOUND);
    TK_CHECK_INT(tk_period_plan_get(db, &fy[4], &got, &err), TK_ENOTFOUND);
    tk_db_close(db);
    unlink(path);
}

/* One parser for every fiscal year the CLI and the API take. */
static void parses_fiscal_years(void)
{
    int fy = 0;
    tk_error err = {0, ""};
    TK_CHECK(tk_period_parse_fiscal_year("2024", 4, &fy, &err) == TK_OK && fy == 2024);
    TK_CHECK(tk_period_parse_fiscal_year("FY2025", 6, &fy, &err) == TK_OK && fy == 2025);
    TK_CHECK(tk_period_parse_fiscal_year("fy2000", 6, &fy, &err) == TK_OK && fy == 2000);
    TK_CHECK(tk_period_parse_fiscal_year("2100", 4, &fy, &err) == TK_OK && fy == 2100);
    /* Only the first len bytes count. */
    TK_CHECK(tk_period_parse_fiscal_year("20231", 4, &fy, &err) == TK_OK && fy == 2023);
    fy = 7;
    static const char *const bad[] = {"2024x", "",        "1999",  "2101", "-202",
                                      "+202",  " 2024",   "FY",    "FY24", "F2024",
                                      "02024", "FY 2024", "2024\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        TK_CHECK_INT(tk_period_parse_fiscal_year(bad[i], strlen(bad[i]), &fy, &err), TK_EINVAL);
        TK_CHECK_INT(err.code, TK_EINVAL);
        TK_CHECK(strstr(err.msg, "2000..2100") != NULL);
    }
    TK_CHECK_INT(fy, 7);
    memset(&err, 0, sizeof err);
    TK_CHECK(tk_period_parse_fiscal_year("2099-04", 7, &fy, &err) == TK_EINVAL);
    TK_CHECK(strstr(err.msg, "'2099-04'") != NULL);
}

int main(void)
{
    TK_RUN(parses_fiscal_years);
    TK_RUN(parses_periods);
    TK_RUN(delivered_periods_are_frozen);
    TK_RUN(fiscal_year_and_plans);
    TK_TEST_END();
}
