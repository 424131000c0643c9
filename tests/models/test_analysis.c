/* tests/models/test_analysis.c -- the tables of a tenant exist from its
 * creation, a run is stored in one transaction, and the cancel hook. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/analysis.h"
#include "src/tenant.h"
#include "tests/test.h"

static char data_dir[600];

static void new_data_dir(void)
{
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/analysis-XXXXXX", tk_test_tmpdir());
    mkdir(tk_test_tmpdir(), 0755);
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(data_dir, sizeof data_dir, "%s/data", tmpl);
}

static int64_t count(tk_tenant *t, const char *sql)
{
    int64_t n = -1;
    tk_error err;
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), sql, &n, &err), TK_OK);
    return n;
}

/* A fresh tenant opened read-only has every table of every layer. */
static void test_tables_at_open(void)
{
    static const char *const tables[] = {"uploads",         "analysis_runs",    "anomalies",
                                         "anomaly_facets",  "triage",           "finding_runs",
                                         "findings",        "rule_configs",     "features_days",
                                         "features_layout", "delivered_periods"};
    tk_tenant *t = NULL;
    tk_error err;
    new_data_dir();
    TK_REQUIRE(tk_analysis_create_tenant(NULL, data_dir, "fresh", &err) == TK_OK);
    TK_REQUIRE(tk_analysis_open_tenant(&t, data_dir, "fresh", TK_TENANT_READONLY, &err) == TK_OK);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE name = '%s'",
                 tables[i]);
        if (count(t, sql) != 1)
            fprintf(stderr, "missing table %s\n", tables[i]);
        TK_CHECK_INT(count(t, sql), 1);
    }
    tk_tenant_close(t);
}

struct cancel {
    int polls; /* polls so far */
    int at;    /* cancel from this poll on; 0: never */
};

static int cancelled(void *ctx)
{
    struct cancel *c = ctx;
    const int n = __atomic_add_fetch(&c->polls, 1, __ATOMIC_SEQ_CST);
    return c->at > 0 && n >= c->at;
}

/* Nothing of the run is stored: no run, no features of its days. */
static void check_nothing_stored(tk_tenant *t)
{
    TK_CHECK_INT(count(t, "SELECT count(*) FROM analysis_runs"), 0);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM finding_runs"), 0);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM features_days"), 0);
}

static void test_cancel(void)
{
    tk_tenant *t = NULL;
    tk_error err;
    const tk_period pr = {20000, 20006};
    tk_analysis_summary sum;
    new_data_dir();
    TK_REQUIRE(tk_analysis_create_tenant(&t, data_dir, "c", &err) == TK_OK);

    /* An uncancelled run counts the polls. */
    struct cancel never = {0, 0};
    tk_analysis_options o = TK_ANALYSIS_OPTIONS_INIT;
    o.cancelled = cancelled;
    o.cancel_ctx = &never;
    o.threads = 2;
    const tk_actor actor = {"alice", "analyst", "127.0.0.1", NULL};
    o.actor = &actor;
    TK_REQUIRE(tk_analysis_run(t, &pr, &o, &sum, &err) == TK_OK);
    TK_CHECK(never.polls >= 8); /* between stages and once per day */
    TK_CHECK_INT(count(t, "SELECT count(*) FROM analysis_runs WHERE started_by = 'alice'"), 1);
    tk_analysis_summary_dispose(&sum);
    TK_REQUIRE(tk_db_exec(tk_tenant_db(t),
                          "DELETE FROM analysis_runs; DELETE FROM finding_runs;"
                          " DELETE FROM features_days",
                          &err) == TK_OK);

    /* A cancel at any poll stops the run with nothing stored. */
    for (int at = 1; at <= never.polls; at++) {
        struct cancel c = {0, at};
        o.cancel_ctx = &c;
        TK_CHECK_INT(tk_analysis_run(t, &pr, &o, &sum, &err), TK_ECANCELLED);
        TK_CHECK_STR(err.msg, "the analysis was cancelled");
        check_nothing_stored(t);
    }
    tk_tenant_close(t);
}

/* A failure while the run's items are stored leaves no run row. */
static void test_one_transaction(void)
{
    tk_tenant *t = NULL;
    tk_error err;
    const tk_period pr = {20000, 20006};
    tk_analysis_summary sum;
    new_data_dir();
    TK_REQUIRE(tk_analysis_create_tenant(&t, data_dir, "tx", &err) == TK_OK);
    /* The rule findings are stored after the run row. */
    TK_REQUIRE(tk_db_exec(tk_tenant_db(t),
                          "CREATE TRIGGER fail BEFORE INSERT ON finding_runs"
                          " BEGIN SELECT RAISE(ABORT, 'disk full'); END",
                          &err) == TK_OK);
    TK_CHECK_INT(tk_analysis_run(t, &pr, NULL, &sum, &err), TK_EDB);
    TK_CHECK(strstr(err.msg, "disk full") != NULL);
    check_nothing_stored(t);
    tk_tenant_close(t);
}

/* The baseline settings in force decide the window and are noted and
 * recorded on the run; the caller's explicit window still wins. */
static void test_baseline_settings(void)
{
    tk_tenant *t = NULL;
    tk_error err;
    const tk_period pr = {20000, 20006};
    tk_analysis_summary sum;
    new_data_dir();
    TK_REQUIRE(tk_analysis_create_tenant(&t, data_dir, "c", &err) == TK_OK);
    const char *change = "{\"baseline_days\": 90, \"trees\": 150}";
    int64_t id = 0;
    TK_REQUIRE(tk_bsettings_change(tk_tenant_db(t), change, strlen(change), NULL, &id, &err) ==
               TK_OK);
    tk_analysis_options o = TK_ANALYSIS_OPTIONS_INIT;
    o.threads = 2;
    TK_REQUIRE(tk_analysis_run(t, &pr, &o, &sum, &err) == TK_OK);
    TK_CHECK(sum.settings_version == 1);
    TK_CHECK(sum.baseline.first_day == 20000 - 90 && sum.baseline.last_day == 19999);
    TK_CHECK(sum.notes != NULL && strstr(sum.notes, "\"baseline settings #1: baseline_days 90, "
                                                    "trees 150\"") != NULL);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM analysis_runs WHERE baseline_first = 19910 AND"
                          " json_extract(options, '$.settings_version') = 1 AND"
                          " json_extract(options, '$.trees') = 150"),
                 1);
    tk_analysis_summary_dispose(&sum);
    /* an explicit window and explicit trees override the settings */
    o.baseline = (tk_period){19990, 19999};
    o.trees = 120;
    TK_REQUIRE(tk_analysis_run(t, &pr, &o, &sum, &err) == TK_OK);
    TK_CHECK(sum.baseline.first_day == 19990);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM analysis_runs WHERE baseline_first = 19990 AND"
                          " json_extract(options, '$.trees') = 120"),
                 1);
    tk_analysis_summary_dispose(&sum);
    /* the defaults, never stored: no note */
    TK_REQUIRE(tk_bsettings_reset(tk_tenant_db(t), NULL, &id, &err) == TK_OK);
    tk_bsettings d;
    tk_bsettings_defaults(&d);
    o = (tk_analysis_options)TK_ANALYSIS_OPTIONS_INIT;
    o.settings = &d;
    o.dry_run = 1;
    TK_REQUIRE(tk_analysis_run(t, &pr, &o, &sum, &err) == TK_OK);
    TK_CHECK(sum.settings_version == 0 &&
             (sum.notes == NULL || strstr(sum.notes, "baseline settings") == NULL));
    tk_analysis_summary_dispose(&sum);
    tk_tenant_close(t);
}

int main(void)
{
    TK_RUN(test_tables_at_open);
    TK_RUN(test_cancel);
    TK_RUN(test_one_transaction);
    TK_RUN(test_baseline_settings);
    TK_TEST_END();
}
