/* tests/models/test_rulecat.c -- the rule catalogue and its configuration.
 *
 * The catalogue's invariants (ids, items, parameters inside their
 * ranges), the configuration JSON (a full example, and the data cases of
 * tests/data/rules/config-bad/: NAME.json with NAME.expected_error holding
 * "CODE message"), the setters, the JSON written back out, the
 * configuration stored per tenant (versions, refusals that store nothing,
 * a stored document a later catalogue refuses), and allocation failures. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "models/rulecat.h"
#include "src/alloc.h"
#include "tests/test.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[*len] = '\0';
    return buf;
}

static size_t idx(const char *id)
{
    return tk_rulecat_find(id, strlen(id));
}

static double param(const tk_rulecat_config *c, const char *id, const char *name)
{
    const size_t r = idx(id);
    return tk_rulecat_config_param(c, r, tk_rulecat_find_param(r, name));
}

static void catalogue_invariants(void)
{
    const size_t n = tk_rulecat_count();
    TK_CHECK(n >= 24);
    TK_CHECK(tk_rulecat_rule_at(n) == NULL);
    for (size_t i = 0; i < n; i++) {
        const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
        TK_REQUIRE(r != NULL);
        TK_CHECK(strlen(r->id) == 3 && r->id[0] == 'R');
        TK_CHECK(strlen(r->id) < TK_RULECAT_ID_SIZE);
        if (i > 0)
            TK_CHECK(strcmp(tk_rulecat_rule_at(i - 1)->id, r->id) < 0);
        TK_CHECK_INT(idx(r->id), i);
        const int num = atoi(r->id + 1);
        TK_CHECK(r->item == (num <= 29 ? num : num == 30 ? 30 : 0));
        TK_CHECK(r->severity >= TK_RULECAT_LOW && r->severity <= TK_RULECAT_CRITICAL);
        TK_CHECK(r->entity >= TK_RULECAT_USER && r->entity <= TK_RULECAT_SYSTEM);
        TK_CHECK(*r->name_ja && *r->name_en && *r->desc_ja);
        for (size_t k = 0; k < r->nparams; k++) {
            const tk_rulecat_param *p = &r->params[k];
            TK_CHECK(p->min <= p->def && p->def <= p->max);
            TK_CHECK(tk_rulecat_find_param(i, p->name) == k);
            if (p->type == TK_RULECAT_BOOL)
                TK_CHECK(p->min == 0 && p->max == 1);
        }
    }
    TK_CHECK(idx("R33") == SIZE_MAX);
    /* R27 (item 27) needs the training and residents masters. */
    TK_REQUIRE(idx("R27") != SIZE_MAX);
    TK_CHECK_INT(tk_rulecat_rule_at(idx("R27"))->item, 27);
    TK_CHECK_STR(tk_rulecat_rule_at(idx("R27"))->needs, "training,residents");
    TK_CHECK_INT(tk_rulecat_rule_at(idx("R27"))->severity, TK_RULECAT_MEDIUM);
    TK_CHECK_INT(tk_rulecat_rule_at(idx("R27"))->entity, TK_RULECAT_USER);
    TK_CHECK_INT(tk_rulecat_count(), 32);
    TK_CHECK(tk_rulecat_find(NULL, 0) == SIZE_MAX);
    TK_CHECK(tk_rulecat_find_param(idx("R03"), "nope") == SIZE_MAX);
    TK_CHECK_STR(tk_rulecat_severity_name(TK_RULECAT_CRITICAL), "critical");
    TK_CHECK_STR(tk_rulecat_severity_ja(TK_RULECAT_HIGH), "高");
    TK_CHECK_STR(tk_rulecat_severity_name(9), "?");
    TK_CHECK_INT(tk_rulecat_severity_parse("medium", 6), TK_RULECAT_MEDIUM);
    TK_CHECK_INT(tk_rulecat_severity_parse("med", 3), 0);
    TK_CHECK_STR(tk_rulecat_entity_name(TK_RULECAT_RESIDENT), "resident");
}

static void defaults_are_domain_thresholds(void)
{
    tk_rulecat_config *c = NULL;
    tk_error err;
    TK_REQUIRE(tk_rulecat_config_create(&c, &err) == TK_OK);
    TK_CHECK(param(c, "R03", "min_residents") == 200);
    TK_CHECK(param(c, "R03", "percentile") == 99);
    TK_CHECK(param(c, "R03", "median_multiple") == 3);
    TK_CHECK(param(c, "R04", "min_residents") == 30 && param(c, "R04", "window_minutes") == 10);
    TK_CHECK(param(c, "R05", "min_days") == 3 && param(c, "R05", "window_days") == 30);
    TK_CHECK(param(c, "R06", "min_staff") == 5 && param(c, "R06", "window_days") == 7);
    TK_CHECK(param(c, "R11", "percentile") == 95);
    TK_CHECK(param(c, "R15", "grace_days") == 14);
    TK_CHECK(param(c, "R17", "user_failures") == 5 && param(c, "R17", "terminal_users") == 10);
    TK_CHECK(param(c, "R19", "max_hours") == 10);
    TK_CHECK(param(c, "R24", "min_records") == 100 && param(c, "R24", "percentile") == 99);
    TK_CHECK(param(c, "R25", "min_records") == 1000);
    TK_CHECK(param(c, "R29", "min_ratio") == 0.3 && param(c, "R29", "history_days") == 28);
    TK_CHECK_INT(tk_rulecat_config_severity(c, idx("R10")), TK_RULECAT_CRITICAL);
    TK_CHECK_INT(tk_rulecat_config_severity(c, idx("R08")), TK_RULECAT_LOW);
    for (size_t i = 0; i < tk_rulecat_count(); i++)
        TK_CHECK(tk_rulecat_config_enabled(c, i));
    tk_rulecat_config_destroy(c);
}

static void full_example(void)
{
    char path[600];
    tk_rulecat_config *c = NULL, *d = NULL;
    tk_error err;
    snprintf(path, sizeof path, "%s/rules/config.json", tk_test_datadir());
    TK_REQUIRE(tk_rulecat_config_load(&c, path, &err) == TK_OK);
    TK_CHECK(param(c, "R01", "grace_minutes") == 15);
    TK_CHECK(param(c, "R03", "min_residents") == 250 && param(c, "R03", "percentile") == 99.5);
    TK_CHECK(param(c, "R05", "min_days") == 4);
    TK_CHECK(!tk_rulecat_config_enabled(c, idx("R08")));
    TK_CHECK(tk_rulecat_config_enabled(c, idx("R03")));
    TK_CHECK_INT(tk_rulecat_config_severity(c, idx("R17")), TK_RULECAT_HIGH);
    TK_CHECK(param(c, "R19", "max_hours") == 11.5);
    TK_CHECK(param(c, "R22", "report_approved") == 0);
    TK_CHECK(param(c, "R29", "long_history_days") == 0);
    TK_CHECK(param(c, "R04", "min_residents") == 30); /* untouched: default */

    /* written back out and read again: the same configuration */
    char *js = NULL, *js2 = NULL;
    TK_REQUIRE(tk_rulecat_config_json(c, &js, &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_config_parse(&d, js, strlen(js), &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_config_json(d, &js2, &err) == TK_OK);
    TK_CHECK_STR(js, js2);
    TK_CHECK(strstr(js, "\"R08\": {\n      \"enabled\": false") != NULL);
    TK_CHECK(strstr(js, "\"max_hours\": 11.5") != NULL);
    free(js);
    free(js2);
    tk_rulecat_config_destroy(d);

    /* a copy is independent */
    TK_REQUIRE(tk_rulecat_config_copy(&d, c, &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_config_set_param(d, "R03", "min_residents", 300, &err) == TK_OK);
    TK_CHECK(param(d, "R03", "min_residents") == 300 && param(c, "R03", "min_residents") == 250);
    tk_rulecat_config_destroy(d);
    tk_rulecat_config_destroy(c);

    snprintf(path, sizeof path, "%s/rules/no-such-config.json", tk_test_datadir());
    TK_CHECK_INT(tk_rulecat_config_load(&c, path, &err), TK_EIO);
    TK_CHECK(c == NULL && strstr(err.msg, "no-such-config.json") != NULL);
    snprintf(path, sizeof path, "%s/rules/config-bad/out_of_range.json", tk_test_datadir());
    TK_CHECK_INT(tk_rulecat_config_load(&c, path, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "out_of_range.json: $.rules.R03") != NULL);
}

static void bad_documents(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/rules/config-bad", tk_test_datadir());
    DIR *d = opendir(dir);
    TK_REQUIRE(d != NULL);
    struct dirent *e;
    int cases = 0;
    while ((e = readdir(d)) != NULL) {
        const size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[900], want_path[900];
        size_t len, wlen;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(want_path, sizeof want_path, "%s/%.*s.expected_error", dir, (int)(n - 5),
                 e->d_name);
        char *doc = slurp(path, &len), *want = slurp(want_path, &wlen);
        TK_REQUIRE(doc != NULL && want != NULL);
        while (wlen > 0 && want[wlen - 1] == '\n')
            want[--wlen] = '\0';
        const char *sp = strchr(want, ' ');
        TK_REQUIRE(sp != NULL);
        const int code = strncmp(want, "EPARSE", 6) == 0 ? TK_EPARSE : TK_EINVAL;
        tk_rulecat_config *c = (tk_rulecat_config *)&cases; /* must be reset to NULL */
        tk_error err = {0, ""};
        const int rc = tk_rulecat_config_parse(&c, doc, len, &err);
        if (rc != code || c != NULL ||
            (code == TK_EINVAL ? strcmp(err.msg, sp + 1)
                               : strncmp(err.msg, sp + 1, strlen(sp + 1))) != 0) {
            fprintf(stderr, "%s: got %d \"%s\"\n   expected \"%s\"\n", e->d_name, rc, err.msg,
                    want);
            tk_test_failed_now = 1;
        }
        TK_CHECK_INT(err.code, rc);
        free(doc);
        free(want);
        cases++;
    }
    closedir(d);
    TK_CHECK(cases >= 20);
}

static void setters(void)
{
    tk_rulecat_config *c = NULL;
    tk_error err;
    TK_REQUIRE(tk_rulecat_config_create(&c, &err) == TK_OK);
    TK_CHECK_INT(tk_rulecat_config_set_enabled(c, "R08", 0, &err), TK_OK);
    TK_CHECK(!tk_rulecat_config_enabled(c, idx("R08")));
    TK_CHECK_INT(tk_rulecat_config_set_enabled(c, "R33", 0, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "unknown rule \"R33\" (known: R01-R32; see docs/rules.md)");
    TK_CHECK_INT(tk_rulecat_config_set_enabled(c, "R27", 0, &err), TK_OK);
    TK_CHECK(!tk_rulecat_config_enabled(c, idx("R27")));
    TK_CHECK_INT(tk_rulecat_config_set_severity(c, "R01", TK_RULECAT_HIGH, &err), TK_OK);
    TK_CHECK_INT(tk_rulecat_config_severity(c, idx("R01")), TK_RULECAT_HIGH);
    TK_CHECK_INT(tk_rulecat_config_set_severity(c, "R01", 7, &err), TK_EINVAL);
    TK_CHECK_INT(tk_rulecat_config_set_param(c, "R04", "min_residents", 29, &err), TK_OK);
    TK_CHECK(param(c, "R04", "min_residents") == 29);
    TK_CHECK_INT(tk_rulecat_config_set_param(c, "R04", "min_residents", 29.5, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg,
                 "R04.min_residents: 29.5 is not an integer (allowed: integer 2..100000 人)");
    TK_CHECK_INT(tk_rulecat_config_set_param(c, "R04", "min_residents", 1, &err), TK_EINVAL);
    TK_CHECK_INT(tk_rulecat_config_set_param(c, "R22", "report_approved", 2, &err), TK_EINVAL);
    TK_CHECK_INT(tk_rulecat_config_set_param(c, "R04", "window", 5, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg,
                 "R04: unknown parameter \"window\" (known: min_residents, window_minutes)");
    TK_CHECK(param(c, "R04", "min_residents") == 29); /* unchanged by the failures */
    tk_rulecat_config_destroy(c);
    tk_rulecat_config_destroy(NULL);
}

static void export_catalogue(void)
{
    char *js = NULL;
    tk_error err;
    TK_REQUIRE(tk_rulecat_export_json(NULL, &js, &err) == TK_OK);
    json_error_t jerr;
    json_t *doc = json_loads(js, 0, &jerr);
    TK_REQUIRE(doc != NULL);
    json_t *rules = json_object_get(doc, "rules");
    TK_REQUIRE(json_is_array(rules));
    TK_CHECK_INT(json_array_size(rules), tk_rulecat_count());
    json_t *r03 = json_array_get(rules, idx("R03"));
    TK_CHECK_STR(json_string_value(json_object_get(r03, "id")), "R03");
    TK_CHECK_STR(json_string_value(json_object_get(r03, "name_ja")), "大量照会");
    TK_CHECK_STR(json_string_value(json_object_get(r03, "name_en")), "bulk lookups");
    TK_CHECK_STR(json_string_value(json_object_get(r03, "severity")), "high");
    TK_CHECK_INT(json_integer_value(json_object_get(r03, "item")), 3);
    TK_CHECK(json_is_true(json_object_get(r03, "enabled")));
    json_t *p0 = json_array_get(json_object_get(r03, "params"), 0);
    TK_CHECK_STR(json_string_value(json_object_get(p0, "name")), "min_residents");
    TK_CHECK_STR(json_string_value(json_object_get(p0, "type")), "integer");
    TK_CHECK_INT(json_integer_value(json_object_get(p0, "default")), 200);
    TK_CHECK_STR(json_string_value(json_object_get(p0, "unit")), "人");
    json_t *needs = json_object_get(json_array_get(rules, idx("R22")), "needs");
    TK_CHECK(json_is_array(needs) && json_array_size(needs) == 4);
    json_decref(doc);
    free(js);

    /* the configured values and severities show */
    tk_rulecat_config *c = NULL;
    const char *cfg = "{\"rules\":{\"R03\":{\"enabled\":false,\"severity\":\"critical\","
                      "\"params\":{\"min_residents\":250}}}}";
    TK_REQUIRE(tk_rulecat_config_parse(&c, cfg, strlen(cfg), &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_export_json(c, &js, &err) == TK_OK);
    doc = json_loads(js, 0, &jerr);
    r03 = json_array_get(json_object_get(doc, "rules"), idx("R03"));
    TK_CHECK(json_is_false(json_object_get(r03, "enabled")));
    TK_CHECK_STR(json_string_value(json_object_get(r03, "severity")), "critical");
    TK_CHECK_STR(json_string_value(json_object_get(r03, "default_severity")), "high");
    p0 = json_array_get(json_object_get(r03, "params"), 0);
    TK_CHECK_INT(json_integer_value(json_object_get(p0, "value")), 250);
    json_decref(doc);
    free(js);
    tk_rulecat_config_destroy(c);
}

static void allocation_failures(void)
{
#ifdef TK_TESTING
    const char *cfg = "{\"rules\":{\"R03\":{\"params\":{\"min_residents\":250}}}}";
    int ok = 0;
    for (unsigned long n = 1; n < 100 && !ok; n++) {
        tk_rulecat_config *c = NULL, *d = NULL;
        tk_error err;
        tk_alloc_fail_at(n);
        int rc = tk_rulecat_config_parse(&c, cfg, strlen(cfg), &err);
        if (rc == TK_OK)
            rc = tk_rulecat_config_copy(&d, c, &err);
        tk_alloc_fail_at(0);
        if (rc == TK_OK) {
            ok = 1;
            TK_CHECK(param(d, "R03", "min_residents") == 250);
        } else {
            TK_CHECK_INT(rc, TK_ENOMEM);
            TK_CHECK(d == NULL);
        }
        tk_rulecat_config_destroy(c);
        tk_rulecat_config_destroy(d);
    }
    TK_CHECK(ok);
#endif
}

/* ---- the configuration stored per tenant ------------------------------------ */

/* A fresh store file in the test directory; *path receives its name. */
static tk_db *fresh_db(const char *name, char *path, size_t cap)
{
    char side[700];
    snprintf(path, cap, "%s/%s-%ld.db", tk_test_tmpdir(), name, (long)getpid());
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    tk_db *db = NULL;
    tk_error err;
    if (tk_db_open(&db, path, TK_DB_CREATE, &err) != TK_OK)
        return NULL;
    return db;
}

static void remove_db(tk_db *db, const char *path)
{
    char side[700];
    tk_db_close(db);
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static int64_t stored_rows(tk_db *db)
{
    int64_t n = -1;
    tk_error err;
    if (tk_db_query_i64(db, "SELECT count(*) FROM rule_configs", &n, &err) != TK_OK)
        return -1;
    return n;
}

/* Collects what tk_rulecat_list_versions() reports. */
struct seen {
    size_t n;
    int stop_at; /* return this from the callback of the first version; 0: go on */
    int64_t id[8];
    int64_t at[8];
    int reset[8], in_force[8];
    size_t disabled[8], changed[8];
    char by[8][32], source[8][32], problem[8][256];
    int has_config[8];
};

static int collect(void *ctx, const tk_rulecat_version *v)
{
    struct seen *s = ctx;
    if (s->n < 8) {
        const size_t i = s->n;
        s->id[i] = v->id;
        s->at[i] = v->created_at;
        s->reset[i] = v->reset;
        s->in_force[i] = v->in_force;
        s->disabled[i] = v->disabled;
        s->changed[i] = v->changed;
        snprintf(s->by[i], sizeof s->by[i], "%s", v->created_by ? v->created_by : "(null)");
        snprintf(s->source[i], sizeof s->source[i], "%s", v->source ? v->source : "(null)");
        snprintf(s->problem[i], sizeof s->problem[i], "%s", v->problem ? v->problem : "");
        s->has_config[i] = v->config != NULL && v->config[0] == '{';
    }
    s->n++;
    return s->stop_at;
}

static void summary_counts(void)
{
    tk_rulecat_config *c = NULL;
    tk_error err;
    size_t disabled = 9, changed = 9;
    TK_REQUIRE(tk_rulecat_config_create(&c, &err) == TK_OK);
    tk_rulecat_config_summary(c, &disabled, &changed);
    TK_CHECK(disabled == 0 && changed == 0);
    /* disabled and changed do not overlap: R08 is off and has a changed
     * parameter, and counts as disabled only */
    TK_REQUIRE(tk_rulecat_config_set_enabled(c, "R08", 0, &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_config_set_param(c, "R08", "lookup_only", 0, &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_config_set_severity(c, "R01", TK_RULECAT_HIGH, &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_config_set_param(c, "R29", "min_ratio", 0.25, &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_config_set_param(c, "R03", "min_residents", 200, &err) == TK_OK);
    tk_rulecat_config_summary(c, &disabled, &changed);
    TK_CHECK_INT(disabled, 1);
    TK_CHECK_INT(changed, 2); /* R01, R29; R03 set to its default is unchanged */
    tk_rulecat_config_destroy(c);
}

static void stored_versions(void)
{
    char path[600], file[600];
    tk_error err = {0, ""};
    tk_db *db = fresh_db("rulecat-store", path, sizeof path);
    TK_REQUIRE(db != NULL);
    tk_rulecat_config *c = NULL;
    int64_t version = -1, id = 0;
    struct seen seen = {0};

    /* nothing stored, no table yet: the defaults, version 0, no versions */
    TK_REQUIRE(tk_rulecat_in_force(db, &c, &version, &err) == TK_OK);
    TK_CHECK(c != NULL && version == 0);
    TK_CHECK(param(c, "R03", "min_residents") == 200);
    tk_rulecat_config_destroy(c);
    TK_CHECK_INT(tk_rulecat_list_versions(db, collect, &seen, &err), TK_OK);
    TK_CHECK_INT(seen.n, 0);
    TK_CHECK_INT(tk_rulecat_migrate(db, &err), TK_OK);
    TK_CHECK_INT(tk_rulecat_migrate(db, &err), TK_OK); /* idempotent */
    TK_CHECK_INT(stored_rows(db), 0);

    /* a document: stored as given, in force */
    const char *doc = "{\"rules\": {\"R08\": {\"enabled\": false},"
                      " \"R03\": {\"params\": {\"min_residents\": 250}}}}";
    TK_REQUIRE(tk_rulecat_save(db, doc, strlen(doc), "city.json", "analyst", 1733362200000LL, &id,
                               &err) == TK_OK);
    TK_CHECK_INT(id, 1);
    TK_REQUIRE(tk_rulecat_in_force(db, &c, &version, &err) == TK_OK);
    TK_CHECK_INT(version, 1);
    TK_CHECK(!tk_rulecat_config_enabled(c, idx("R08")));
    TK_CHECK(param(c, "R03", "min_residents") == 250);
    TK_CHECK(param(c, "R04", "min_residents") == 30);
    tk_rulecat_config_destroy(c);

    /* a file: the same limits and messages as tk_rulecat_config_load() */
    snprintf(file, sizeof file, "%s/rules/config.json", tk_test_datadir());
    TK_REQUIRE(tk_rulecat_save_file(db, file, NULL, 1733362260000LL, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 2);
    TK_REQUIRE(tk_rulecat_in_force(db, &c, NULL, &err) == TK_OK);
    TK_CHECK(param(c, "R19", "max_hours") == 11.5);
    TK_CHECK(!tk_rulecat_config_enabled(c, idx("R08")));
    tk_rulecat_config_destroy(c);

    /* a reset is a version of its own */
    TK_REQUIRE(tk_rulecat_reset(db, "lead", 1733362320000LL, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 3);
    TK_REQUIRE(tk_rulecat_in_force(db, &c, &version, &err) == TK_OK);
    TK_CHECK_INT(version, 3);
    size_t disabled = 9, changed = 9;
    tk_rulecat_config_summary(c, &disabled, &changed);
    TK_CHECK(disabled == 0 && changed == 0);
    tk_rulecat_config_destroy(c);

    /* the history, newest first */
    TK_REQUIRE(tk_rulecat_list_versions(db, collect, &seen, &err) == TK_OK);
    TK_REQUIRE(seen.n == 3);
    TK_CHECK(seen.id[0] == 3 && seen.id[1] == 2 && seen.id[2] == 1);
    TK_CHECK(seen.in_force[0] && !seen.in_force[1] && !seen.in_force[2]);
    TK_CHECK(seen.reset[0] && !seen.reset[1] && !seen.reset[2]);
    TK_CHECK_INT(seen.at[2], 1733362200000LL);
    TK_CHECK_STR(seen.by[0], "lead");
    TK_CHECK_STR(seen.by[1], "(null)");
    TK_CHECK_STR(seen.by[2], "analyst");
    TK_CHECK_STR(seen.source[0], "(null)");
    TK_CHECK_STR(seen.source[1], "config.json");
    TK_CHECK_STR(seen.source[2], "city.json");
    TK_CHECK(seen.disabled[2] == 1 && seen.changed[2] == 1);
    TK_CHECK(seen.disabled[1] == 1 && seen.changed[1] == 8); /* config.json: R08 off; 8 more */
    TK_CHECK(seen.disabled[0] == 0 && seen.changed[0] == 0);
    TK_CHECK(seen.has_config[0] && seen.has_config[1] && seen.has_config[2]);
    TK_CHECK_STR(seen.problem[2], "");

    /* the callback can stop the listing; its value is the result */
    struct seen one = {0};
    one.stop_at = 7;
    TK_CHECK_INT(tk_rulecat_list_versions(db, collect, &one, &err), 7);
    TK_CHECK_INT(one.n, 1);
    remove_db(db, path);
}

static void refused_documents_store_nothing(void)
{
    char path[600], file[600];
    tk_error err = {0, ""}, perr = {0, ""};
    tk_db *db = fresh_db("rulecat-refuse", path, sizeof path);
    TK_REQUIRE(db != NULL);
    TK_REQUIRE(tk_rulecat_migrate(db, &err) == TK_OK);
    int64_t id = 42;
    TK_REQUIRE(tk_rulecat_reset(db, NULL, 1, &id, &err) == TK_OK);
    static const char *const bad[] = {
        "{\"rules\": {\"R99\": {\"enabled\": true}}}",
        "{\"rules\": {\"R03\": {\"params\": {\"min_residents\": 0}}}}",
        "{\"rules\": {\"R03\": ",
        "{\"rules\": {\"R01\": {\"severity\": \"severe\"}}}",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tk_rulecat_config *c = NULL;
        const int want = tk_rulecat_config_parse(&c, bad[i], strlen(bad[i]), &perr);
        TK_CHECK(want == TK_EINVAL || want == TK_EPARSE);
        id = 42;
        TK_CHECK_INT(tk_rulecat_save(db, bad[i], strlen(bad[i]), NULL, "x", 2, &id, &err), want);
        TK_CHECK_STR(err.msg, perr.msg);
        TK_CHECK_INT(id, 42);
        TK_CHECK_INT(stored_rows(db), 1);
    }
    TK_CHECK_STR(perr.msg, "rule configuration is not valid JSON: line 1, column 0: "
                           "'[' or '{' expected near end of file");

    /* a file: exactly the loader's message, path first */
    snprintf(file, sizeof file, "%s/rules/config-bad/out_of_range.json", tk_test_datadir());
    tk_rulecat_config *c = NULL;
    TK_CHECK_INT(tk_rulecat_config_load(&c, file, &perr), TK_EINVAL);
    TK_CHECK_INT(tk_rulecat_save_file(db, file, "x", 3, &id, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, perr.msg);
    TK_CHECK(strstr(err.msg, "out_of_range.json: $.rules.R03.params.min_residents: 0 is out of "
                             "range (allowed: integer 1..1000000 人)") != NULL);
    snprintf(file, sizeof file, "%s/rules/no-such-config.json", tk_test_datadir());
    TK_CHECK_INT(tk_rulecat_save_file(db, file, "x", 3, &id, &err), TK_EIO);
    TK_CHECK(strstr(err.msg, "no-such-config.json: cannot open") != NULL);
    TK_CHECK_INT(stored_rows(db), 1);
    TK_CHECK_INT(id, 42);
    remove_db(db, path);
}

static void stored_document_no_longer_valid(void)
{
    char path[600];
    tk_error err = {0, ""};
    tk_db *db = fresh_db("rulecat-stale", path, sizeof path);
    TK_REQUIRE(db != NULL);
    TK_REQUIRE(tk_rulecat_migrate(db, &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_reset(db, NULL, 1, NULL, &err) == TK_OK);
    /* as if a later catalogue had narrowed a range: written behind the
     * module's back */
    TK_REQUIRE(tk_db_exec(db,
                          "INSERT INTO rule_configs(created_at, kind, config) VALUES(2, 'set',"
                          " '{\"rules\": {\"R04\": {\"params\": {\"min_residents\": 1}}}}')",
                          &err) == TK_OK);
    tk_rulecat_config *c = (tk_rulecat_config *)&err; /* must be reset to NULL */
    TK_CHECK_INT(tk_rulecat_in_force(db, &c, NULL, &err), TK_EINVAL);
    TK_CHECK(c == NULL);
    TK_CHECK_STR(err.msg, "stored rule configuration #2 (replace it: tenken rules set or reset): "
                          "$.rules.R04.params.min_residents: 1 is out of range (allowed: integer "
                          "2..100000 人)");
    struct seen seen = {0};
    TK_REQUIRE(tk_rulecat_list_versions(db, collect, &seen, &err) == TK_OK);
    TK_REQUIRE(seen.n == 2);
    TK_CHECK(strstr(seen.problem[0], "$.rules.R04.params.min_residents") != NULL);
    TK_CHECK(seen.disabled[0] == 0 && seen.changed[0] == 0);
    TK_CHECK_STR(seen.problem[1], "");
    /* a new version puts things right */
    TK_REQUIRE(tk_rulecat_reset(db, NULL, 3, NULL, &err) == TK_OK);
    TK_REQUIRE(tk_rulecat_in_force(db, &c, NULL, &err) == TK_OK);
    tk_rulecat_config_destroy(c);
    remove_db(db, path);
}

static void read_only_store(void)
{
    char path[600];
    tk_error err = {0, ""};
    tk_db *db = fresh_db("rulecat-ro", path, sizeof path);
    TK_REQUIRE(db != NULL);
    TK_REQUIRE(tk_db_exec(db, "CREATE TABLE other(x)", &err) == TK_OK);
    tk_db_close(db);
    db = NULL;
    TK_REQUIRE(tk_db_open(&db, path, TK_DB_READONLY, &err) == TK_OK);
    tk_rulecat_config *c = NULL;
    int64_t version = -1;
    TK_CHECK_INT(tk_rulecat_in_force(db, &c, &version, &err), TK_OK);
    TK_CHECK(c != NULL && version == 0);
    tk_rulecat_config_destroy(c);
    struct seen seen = {0};
    TK_CHECK_INT(tk_rulecat_list_versions(db, collect, &seen, &err), TK_OK);
    TK_CHECK_INT(seen.n, 0);
    TK_CHECK(tk_rulecat_reset(db, NULL, 1, NULL, &err) == TK_EDB); /* read-only */
    remove_db(db, path);
}

static void storage_allocation_failures(void)
{
#ifdef TK_TESTING
    char path[600], file[600];
    tk_error err = {0, ""};
    tk_db *db = fresh_db("rulecat-alloc", path, sizeof path);
    TK_REQUIRE(db != NULL);
    const char *doc = "{\"rules\":{\"R08\":{\"enabled\":false}}}";
    snprintf(file, sizeof file, "%s/rules/config.json", tk_test_datadir());
    int64_t rows = 0;
    TK_REQUIRE(tk_rulecat_migrate(db, &err) == TK_OK);
    /* save, save_file, in force and the listing: each allocation fails in
     * turn; a failure stores nothing and says so */
    for (int which = 0; which < 4; which++) {
        int ok = 0;
        for (unsigned long n = 1; n < 100 && !ok; n++) {
            tk_rulecat_config *c = NULL;
            struct seen seen = {0};
            int64_t id = 0;
            int rc;
            tk_alloc_fail_at(n);
            if (which == 0)
                rc = tk_rulecat_save(db, doc, strlen(doc), NULL, NULL, 5, &id, &err);
            else if (which == 1)
                rc = tk_rulecat_save_file(db, file, NULL, 6, &id, &err);
            else if (which == 2)
                rc = tk_rulecat_in_force(db, &c, NULL, &err);
            else
                rc = tk_rulecat_list_versions(db, collect, &seen, &err);
            tk_alloc_fail_at(0);
            if (rc == TK_OK) {
                ok = 1;
                rows += which < 2;
                if (which == 2)
                    TK_CHECK(c != NULL && param(c, "R19", "max_hours") == 11.5);
                if (which == 3)
                    TK_CHECK_INT(seen.n, 2);
            } else {
                TK_CHECK_INT(rc, TK_ENOMEM);
                TK_CHECK_INT(err.code, TK_ENOMEM);
                TK_CHECK(c == NULL);
            }
            TK_CHECK_INT(stored_rows(db), rows);
            tk_rulecat_config_destroy(c);
        }
        TK_CHECK(ok);
    }
    remove_db(db, path);
#endif
}

int main(void)
{
    TK_RUN(catalogue_invariants);
    TK_RUN(defaults_are_domain_thresholds);
    TK_RUN(full_example);
    TK_RUN(bad_documents);
    TK_RUN(setters);
    TK_RUN(export_catalogue);
    TK_RUN(allocation_failures);
    TK_RUN(summary_counts);
    TK_RUN(stored_versions);
    TK_RUN(refused_documents_store_nothing);
    TK_RUN(stored_document_no_longer_valid);
    TK_RUN(read_only_store);
    TK_RUN(storage_allocation_failures);
    TK_TEST_END();
}
