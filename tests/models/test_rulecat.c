/* tests/models/test_rulecat.c -- the rule catalogue and its configuration.
 *
 * The catalogue's invariants (ids, items, parameters inside their
 * ranges), the configuration JSON (a full example, and the data cases of
 * tests/data/rules/config-bad/: NAME.json with NAME.expected_error holding
 * "CODE message"), the setters, the JSON written back out, and allocation
 * failures. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    TK_CHECK(idx("R27") == SIZE_MAX);
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
    TK_CHECK_INT(tk_rulecat_config_set_enabled(c, "R27", 0, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "unknown rule \"R27\" (known: R01-R26, R28-R31; see docs/rules.md)");
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

int main(void)
{
    TK_RUN(catalogue_invariants);
    TK_RUN(defaults_are_domain_thresholds);
    TK_RUN(full_example);
    TK_RUN(bad_documents);
    TK_RUN(setters);
    TK_RUN(export_catalogue);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
