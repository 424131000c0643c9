/* tests/models/test_bsettings.c -- the baseline settings (models/bsettings):
 * defaults and ranges, refusals that name the setting, the value and the
 * range and store nothing, changes stored as versions with author and
 * time, null and reset back to the defaults, the history newest first,
 * and the count models' options taken from the settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/analysis.h"
#include "models/bsettings.h"
#include "tests/test.h"

static int64_t fixed_ms(void *ctx)
{
    return *(int64_t *)ctx;
}

static tk_db *fresh_db(char *path, size_t cap)
{
    char side[700];
    snprintf(path, cap, "%s/bsettings-%ld.db", tk_test_tmpdir(), (long)getpid());
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    tk_db *db = NULL;
    tk_error err;
    if (tk_db_open(&db, path, TK_DB_CREATE, &err) != TK_OK)
        return NULL;
    const tk_tenant_migrations *m = tk_analysis_migrations();
    for (size_t i = 0; i < m->n; i++)
        if (m->fns[i](db, &err) != TK_OK) {
            tk_db_close(db);
            return NULL;
        }
    return db;
}

static void defaults_and_validation(void)
{
    tk_bsettings s;
    tk_error err = {0, ""};
    tk_bsettings_defaults(&s);
    TK_CHECK(s.v[TK_BS_BASELINE_DAYS] == 183 && s.v[TK_BS_TREES] == 100 &&
             s.v[TK_BS_SAMPLE] == 256 && s.v[TK_BS_MIN_MODEL_SCORE] == 50 &&
             s.v[TK_BS_MIN_PERIOD_SCORE] == 35);
    tk_baseline_options bo, init = TK_BASELINE_OPTIONS_INIT;
    tk_bsettings_counts(&s, &bo);
    TK_CHECK(memcmp(&bo, &init, sizeof bo) == 0);
    TK_CHECK_INT(tk_bsettings_find("min-model-score", 15), TK_BS_MIN_MODEL_SCORE);
    TK_CHECK(tk_bsettings_find("min", 3) == SIZE_MAX);

    double v = 0;
    TK_CHECK_INT(tk_bsettings_parse_value(TK_BS_TREES, "5", &v, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "5 is out of range (allowed: integer 10..1000 trees)");
    TK_CHECK_INT(tk_bsettings_parse_value(TK_BS_TREES, "20.5", &v, &err), TK_EINVAL);
    TK_CHECK_INT(tk_bsettings_parse_value(TK_BS_Z_CAP, "abc", &v, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "'abc' is not a number (allowed: 3..40)");
    TK_REQUIRE(tk_bsettings_parse_value(TK_BS_MIN_MODEL_SCORE, "62.5", &v, &err) == TK_OK);
    TK_CHECK(v == 62.5);

    const char *bad[][2] = {
        {"{\"trees\": 5}", "$.trees: 5 is out of range (allowed: integer 10..1000 trees)"},
        {"{\"min_model_score\": 101}", "$.min_model_score: 101 is out of range (allowed: 0..100)"},
        {"{\"baseline_days\": \"90\"}",
         "$.baseline_days: expected a number or null (allowed: integer 28..730 days)"},
        {"{\"prior_min_days\": 40}",
         "$.prior_max_days: 30 is below prior_min_days 40 (allowed: prior_min_days..3650 days)"},
        {"[1]", "$: expected an object {\"trees\": 200, ...}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tk_bsettings c = s;
        TK_CHECK_INT(tk_bsettings_apply(&c, bad[i][0], strlen(bad[i][0]), &err), TK_EINVAL);
        TK_CHECK_STR(err.msg, bad[i][1]);
        TK_CHECK(memcmp(&c, &s, sizeof c) == 0);
    }
    TK_CHECK_INT(tk_bsettings_apply(&s, "{\"tres\": 1}", 11, &err), TK_EINVAL);
    TK_CHECK(strncmp(err.msg, "$.tres: no such setting (known: baseline_days,", 46) == 0);
    TK_CHECK_INT(tk_bsettings_apply(&s, "{\"trees\": ", 10, &err), TK_EPARSE);

    const char *ok = "{\"trees\": 200, \"shrink_days\": 20, \"z_cap\": null}";
    TK_REQUIRE(tk_bsettings_apply(&s, ok, strlen(ok), &err) == TK_OK);
    TK_CHECK(s.v[TK_BS_TREES] == 200 && s.v[TK_BS_Z_CAP] == 8);
    tk_bsettings_counts(&s, &bo);
    TK_CHECK(bo.shrink_days == 20 && bo.z_cap == 8 && bo.scale_floor == init.scale_floor);
    char d[200];
    tk_bsettings_describe(&s, d, sizeof d);
    TK_CHECK_STR(d, "trees 200, shrink_days 20");
}

static void versions(void)
{
    char path[600];
    tk_db *db = fresh_db(path, sizeof path);
    TK_REQUIRE(db != NULL);
    int64_t now = 1733000000000;
    tk_clock clk = {fixed_ms, &now};
    tk_actor alice = {"alice", "analyst", "127.0.0.1", &clk};
    tk_error err = {0, ""};
    tk_bsettings_version v;
    TK_REQUIRE(tk_bsettings_read(db, &v, &err) == TK_OK);
    TK_CHECK(v.id == 0 && v.s.v[TK_BS_TREES] == 100 && v.created_by == NULL);
    tk_bsettings_version_dispose(&v);

    int64_t id = 0;
    const char *c1 = "{\"trees\": 200, \"min_model_score\": 60}";
    TK_REQUIRE(tk_bsettings_change(db, c1, strlen(c1), &alice, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 1);
    now += 1000;
    const char *c2 = "{\"min_model_score\": 500}";
    TK_CHECK_INT(tk_bsettings_change(db, c2, strlen(c2), &alice, &id, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "$.min_model_score: 500 is out of range (allowed: 0..100)");
    const char *c3 = "{\"min_model_score\": null, \"baseline_days\": 90}";
    TK_REQUIRE(tk_bsettings_change(db, c3, strlen(c3), NULL, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 2);
    TK_REQUIRE(tk_bsettings_read(db, &v, &err) == TK_OK);
    TK_CHECK(v.id == 2 && v.s.v[TK_BS_TREES] == 200 && v.s.v[TK_BS_MIN_MODEL_SCORE] == 50 &&
             v.s.v[TK_BS_BASELINE_DAYS] == 90 && v.created_by == NULL && !v.reset);
    TK_CHECK_STR(v.change, "{\"baseline_days\":90,\"min_model_score\":null}");
    tk_bsettings_version_dispose(&v);

    now += 1000;
    TK_REQUIRE(tk_bsettings_reset(db, &alice, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 3);
    tk_bsettings_version *h = NULL;
    size_t n = 0;
    TK_REQUIRE(tk_bsettings_history(db, &h, &n, &err) == TK_OK);
    TK_REQUIRE(n == 3);
    TK_CHECK(h[0].id == 3 && h[0].reset && h[0].in_force && h[0].s.v[TK_BS_TREES] == 100);
    TK_CHECK_STR(h[0].change, "reset");
    TK_CHECK_STR(h[0].created_by, "alice");
    TK_CHECK(h[0].created_at == 1733000002000);
    TK_CHECK(h[2].id == 1 && !h[2].in_force && h[2].s.v[TK_BS_MIN_MODEL_SCORE] == 60 &&
             h[2].created_at == 1733000000000);
    tk_bsettings_versions_free(h, n);
    tk_db_close(db);
    unlink(path);
}

int main(void)
{
    TK_RUN(defaults_and_validation);
    TK_RUN(versions);
    TK_TEST_END();
}
