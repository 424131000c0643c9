/* tests/models/test_trends.c -- grouped counts of stored cases: which
 * runs count (the newest of a period; overlapping periods share no day),
 * each key, two keys, triage outcomes and bad keys. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "models/analysis.h"
#include "models/anomalies.h"
#include "models/trends.h"
#include "src/period.h"
#include "src/store.h"
#include "src/timefmt.h"
#include "tests/anomalies_v1.h"
#include "tests/test.h"

static tk_db *fresh_db(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/trends-%ld.db", tk_test_tmpdir(), (long)getpid());
    unlink(path);
    tk_db *db = NULL;
    tk_error err;
    if (tk_db_open(&db, path, TK_DB_CREATE, &err) != TK_OK)
        return NULL;
    if (tk_store_migrate(db, &err) != TK_OK || tk_period_migrate(db, &err) != TK_OK ||
        tk_analysis_migrate(db, &err) != TK_OK) {
        tk_db_close(db);
        return NULL;
    }
    return db;
}

static int64_t D(int y, int m, int d)
{
    return tk_days_from_civil(y, m, d);
}

/* Runs (October is 19997..20027, 10-15..11-30 is 20011..20057):
 *   1  October        old: replaced by run 2
 *      1  user u9  10-04  R01  critical 90.0
 *   2  October
 *      1  user u1  10-04  R25  critical 99.9  市民課  住基   3 findings
 *      2  user u2  10-19  R10  high     55.5  税務課  住基,税  (10-19 is run 3's)
 *      3  user u2  period model         60.0  税務課  -
 *   3  10-15..11-30
 *      1  user u1  10-24  R25  critical 80.0  市民課  住基
 *      2  terminal PC-1 11-13 model     40.0  (none)  -
 * Counted over October-November: 2/1, 2/3, 3/1, 3/2. */
static void fixture(tk_db *db)
{
    tk_error err = {0, ""};
    static const char sql[] =
        "INSERT INTO analysis_runs(id, first_day, last_day, baseline_first, baseline_last,"
        " created_at, events, items, notes) VALUES"
        " (1, 19997, 20027, 19814, 19996, 1, 9, 1, NULL),"
        " (2, 19997, 20027, 19814, 19996, 2, 9, 3, NULL),"
        " (3, 20011, 20057, 19828, 20010, 3, 9, 2, NULL);" TK_TEST_ANOMALIES_V1
        "INSERT INTO anomalies_v1(run_id, rank, entity_type, entity_id, day, score, source, "
        "rule_id,"
        " severity, summary, explanation, findings) VALUES"
        " (1, 1, 'user', 'u9', 20000, 90.0, 'rule', 'R01', 'critical', 's', '{}', NULL),"
        " (2, 1, 'user', 'u1', 20000, 99.9, 'rule', 'R25', 'critical', 's',"
        "  '{\"detail\":{\"dept\":\"市民課\",\"systems\":[\"住基\"]}}', 3),"
        " (2, 2, 'user', 'u2', 20015, 55.5, 'rule', 'R10', 'high', 's',"
        "  '{\"detail\":{\"dept\":\"税務課\",\"systems\":[\"住基\",\"税\"]}}', NULL),"
        " (2, 3, 'user', 'u2', NULL, 60.0, 'model', NULL, NULL, 's', '{\"dept\":\"税務課\"}', "
        "NULL),"
        " (3, 1, 'user', 'u1', 20020, 80.0, 'rule', 'R25', 'critical', 's',"
        "  '{\"detail\":{\"dept\":\"市民課\",\"systems\":[\"住基\"]}}', NULL),"
        " (3, 2, 'terminal', 'PC-1', 20040, 40.0, 'model', NULL, NULL, 's', '{}', NULL)";
    if (tk_db_exec(db, sql, &err) != TK_OK || tk_anomalies_index(db, 1, &err) != TK_OK ||
        tk_anomalies_index(db, 2, &err) != TK_OK || tk_anomalies_index(db, 3, &err) != TK_OK)
        fprintf(stderr, "fixture: %s\n", err.msg);
}

static int near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static const tk_trends_group *group(const tk_trends *t, const char *v0, const char *v1)
{
    for (size_t i = 0; i < t->ngroups; i++)
        if (strcmp(t->groups[i].value[0], v0) == 0 &&
            (v1 == NULL || strcmp(t->groups[i].value[1], v1) == 0))
            return &t->groups[i];
    return NULL;
}

static void runs_and_totals(void)
{
    tk_db *db = fresh_db();
    TK_REQUIRE(db != NULL);
    fixture(db);
    tk_error err = {0, ""};
    const tk_period range = {D(2024, 10, 1), D(2024, 11, 30)};
    tk_trends_key k = TK_TRENDS_MONTH;
    tk_trends t;
    TK_REQUIRE(tk_trends_compute(db, &range, &k, 1, &t, &err) == TK_OK);
    TK_REQUIRE(t.nruns == 2);
    TK_CHECK(t.runs[0].id == 2 && t.runs[1].id == 3);
    TK_CHECK_INT(t.runs[0].cases, 2);
    TK_CHECK_INT(t.runs[1].cases, 2);
    TK_CHECK_INT(t.cases, 4);
    TK_CHECK_INT(t.findings, 6);
    TK_CHECK(near(t.score_mean, (99.9 + 60 + 80 + 40) / 4));
    TK_CHECK(near(t.score_median, 70) && near(t.score_max, 99.9));
    TK_REQUIRE(t.ngroups == 2);
    TK_CHECK_STR(t.groups[0].value[0], "2024-10");
    TK_CHECK(t.groups[0].value[1] == NULL);
    TK_CHECK_INT(t.groups[0].cases, 3);
    TK_CHECK_INT(t.groups[0].findings, 5);
    TK_CHECK(near(t.groups[0].score_median, 80) && near(t.groups[0].score_max, 99.9));
    TK_CHECK_STR(t.groups[1].value[0], "2024-11");
    TK_CHECK_INT(t.groups[1].cases, 1);
    TK_CHECK(near(t.groups[1].score_mean, 40));
    tk_trends_dispose(&t);
    tk_trends_dispose(&t);

    /* November alone: run 3 only, its terminal case */
    const tk_period nov = {D(2024, 11, 1), D(2024, 11, 30)};
    k = TK_TRENDS_RULE;
    TK_REQUIRE(tk_trends_compute(db, &nov, &k, 1, &t, &err) == TK_OK);
    TK_CHECK_INT(t.nruns, 1);
    TK_CHECK_INT(t.cases, 1);
    TK_REQUIRE(t.ngroups == 1);
    TK_CHECK_STR(t.groups[0].value[0], "model");
    tk_trends_dispose(&t);

    /* a range without runs */
    const tk_period y2023 = {D(2023, 1, 1), D(2023, 12, 31)};
    TK_REQUIRE(tk_trends_compute(db, &y2023, &k, 1, &t, &err) == TK_OK);
    TK_CHECK(t.nruns == 0 && t.cases == 0 && t.ngroups == 0 && t.score_max == 0);
    tk_trends_dispose(&t);
    tk_db_close(db);
}

static void each_key(void)
{
    tk_db *db = fresh_db();
    TK_REQUIRE(db != NULL);
    fixture(db);
    tk_error err = {0, ""};
    const tk_actor who = {"analyst1", "analyst", "local", NULL};
    TK_REQUIRE(tk_anomalies_triage(db, 3, 1, TK_ANOMALIES_CONFIRMED, "ok", &who, &err) == TK_OK);
    const tk_period range = {D(2024, 10, 1), D(2024, 11, 30)};
    tk_trends t;
    tk_trends_key k[2] = {TK_TRENDS_SYSTEM, TK_TRENDS_MONTH};
    TK_REQUIRE(tk_trends_compute(db, &range, k, 1, &t, &err) == TK_OK);
    TK_REQUIRE(t.ngroups == 2);
    TK_CHECK_STR(t.groups[0].value[0], "(none)");
    TK_CHECK_INT(t.groups[0].cases, 2);
    TK_CHECK_STR(t.groups[1].value[0], "住基");
    TK_CHECK_INT(t.groups[1].cases, 2);
    tk_trends_dispose(&t);

    k[0] = TK_TRENDS_DEPT;
    TK_REQUIRE(tk_trends_compute(db, &range, k, 1, &t, &err) == TK_OK);
    TK_REQUIRE(t.ngroups == 3);
    TK_CHECK_STR(t.groups[0].value[0], "(unknown)");
    TK_CHECK(group(&t, "市民課", NULL) != NULL && group(&t, "市民課", NULL)->cases == 2);
    TK_CHECK(group(&t, "税務課", NULL) != NULL && group(&t, "税務課", NULL)->cases == 1);
    tk_trends_dispose(&t);

    k[0] = TK_TRENDS_SEVERITY;
    TK_REQUIRE(tk_trends_compute(db, &range, k, 1, &t, &err) == TK_OK);
    TK_REQUIRE(t.ngroups == 2);
    TK_CHECK_STR(t.groups[0].value[0], "critical");
    TK_CHECK_INT(t.groups[0].cases, 2);
    TK_CHECK_STR(t.groups[1].value[0], "none");
    tk_trends_dispose(&t);

    k[0] = TK_TRENDS_STATUS;
    TK_REQUIRE(tk_trends_compute(db, &range, k, 1, &t, &err) == TK_OK);
    TK_REQUIRE(t.ngroups == 2);
    TK_CHECK_STR(t.groups[0].value[0], "confirmed");
    TK_CHECK_INT(t.groups[0].cases, 1);
    TK_CHECK(near(t.groups[0].score_mean, 80));
    TK_CHECK_STR(t.groups[1].value[0], "new");
    TK_CHECK_INT(t.groups[1].cases, 3);
    tk_trends_dispose(&t);

    /* two keys: month, rule */
    k[0] = TK_TRENDS_MONTH;
    k[1] = TK_TRENDS_RULE;
    TK_REQUIRE(tk_trends_compute(db, &range, k, 2, &t, &err) == TK_OK);
    TK_REQUIRE(t.ngroups == 3);
    TK_CHECK_STR(t.groups[0].value[0], "2024-10");
    TK_CHECK_STR(t.groups[0].value[1], "R25");
    TK_CHECK_INT(t.groups[0].cases, 2);
    TK_CHECK(near(t.groups[0].score_mean, (99.9 + 80) / 2));
    TK_CHECK_STR(t.groups[1].value[1], "model");
    TK_CHECK_INT(t.groups[1].cases, 1);
    TK_CHECK_STR(t.groups[2].value[0], "2024-11");
    TK_CHECK_STR(t.groups[2].value[1], "model");
    tk_trends_dispose(&t);

    /* repeated key */
    k[1] = TK_TRENDS_MONTH;
    TK_CHECK(tk_trends_compute(db, &range, k, 2, &t, &err) == TK_EINVAL);
    TK_CHECK(tk_trends_compute(db, &range, k, 0, &t, &err) == TK_EINVAL);
    tk_db_close(db);
}

/* A case that began before its run's period (a window rule reaching
 * back) counts on its run's first day, so a range of the period has it. */
static void case_begun_before(void)
{
    tk_db *db = fresh_db();
    TK_REQUIRE(db != NULL);
    tk_error err = {0, ""};
    TK_REQUIRE(
        tk_db_exec(db,
                   "INSERT INTO analysis_runs(id, first_day, last_day, baseline_first,"
                   " baseline_last, created_at, events, items, notes) VALUES"
                   " (1, 19997, 20027, 19814, 19996, 1, 9, 1, NULL);" TK_TEST_ANOMALIES_V1
                   "INSERT INTO anomalies_v1(run_id, rank, entity_type, entity_id, day, score,"
                   " source, rule_id, severity, summary, explanation, first_day, last_day)"
                   " VALUES (1, 1, 'user', 'u5', 20000, 60.5, 'rule', 'R05', 'medium', 's',"
                   " '{}', 19980, 20000)",
                   &err) == TK_OK);
    TK_REQUIRE(tk_anomalies_index(db, 1, &err) == TK_OK);
    const tk_period pr = {19997, 20027};
    TK_CHECK(tk_trends_case_day(&pr, 19980) == 19997);
    TK_CHECK(tk_trends_case_day(&pr, 20001) == 20001);
    tk_trends t;
    const tk_trends_key k = TK_TRENDS_MONTH;
    TK_REQUIRE(tk_trends_compute(db, &pr, &k, 1, &t, &err) == TK_OK);
    TK_CHECK_INT(t.cases, 1);
    TK_REQUIRE(t.ngroups == 1);
    TK_CHECK_STR(t.groups[0].value[0], "2024-10");
    tk_trends_dispose(&t);
    const tk_period sep = {D(2024, 9, 1), D(2024, 9, 30)};
    TK_REQUIRE(tk_trends_compute(db, &sep, &k, 1, &t, &err) == TK_OK);
    TK_CHECK_INT(t.cases, 0);
    tk_trends_dispose(&t);
    tk_db_close(db);
}

static void parse_keys(void)
{
    tk_trends_key k[2];
    size_t n = 0;
    tk_error err = {0, ""};
    TK_CHECK(tk_trends_keys_parse("month,rule", 10, k, &n, &err) == TK_OK);
    TK_CHECK(n == 2 && k[0] == TK_TRENDS_MONTH && k[1] == TK_TRENDS_RULE);
    TK_CHECK(tk_trends_keys_parse("status", 6, k, &n, &err) == TK_OK);
    TK_CHECK(n == 1 && k[0] == TK_TRENDS_STATUS);
    TK_CHECK(tk_trends_keys_parse("month,entity", 12, k, &n, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "unknown group key 'entity': expected month, system, dept, rule,"
                          " severity or status");
    TK_CHECK(tk_trends_keys_parse("rule,rule", 9, k, &n, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "group key 'rule' given twice");
    TK_CHECK(tk_trends_keys_parse("month,rule,dept", 15, k, &n, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "at most 2 group keys, as in month,rule");
    TK_CHECK(tk_trends_keys_parse("", 0, k, &n, &err) == TK_EINVAL);
    TK_CHECK_STR(tk_trends_key_name(TK_TRENDS_DEPT), "dept");
    TK_CHECK(tk_trends_key_name(TK_TRENDS_NKEYS) == NULL);
}

int main(void)
{
    TK_RUN(runs_and_totals);
    TK_RUN(each_key);
    TK_RUN(case_begun_before);
    TK_RUN(parse_keys);
    TK_TEST_END();
}
