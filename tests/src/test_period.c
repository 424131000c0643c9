/* tests/src/test_period.c -- periods and the freezing of delivered ones. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int main(void)
{
    TK_RUN(parses_periods);
    TK_RUN(delivered_periods_are_frozen);
    TK_TEST_END();
}
