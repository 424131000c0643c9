/* tests/models/test_tuning.c -- the rule configuration as a service
 * (models/tuning) and suppressions (models/suppress): one rule changed and
 * reset as versions with author and time per rule, refusals that name the
 * parameter and its range and store nothing, the per-rule history; and
 * suppressions validated, stored, matched by rule, entity and expiry day,
 * noted, created from a false-positive item only, listed and deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/analysis.h"
#include "models/suppress.h"
#include "models/tuning.h"
#include "tests/test.h"

static int64_t fixed_ms(void *ctx)
{
    return *(int64_t *)ctx;
}

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
    /* The tables a tenant's open creates (models/analysis.h). */
    const tk_tenant_migrations *m = tk_analysis_migrations();
    for (size_t i = 0; i < m->n; i++)
        if (m->fns[i](db, &err) != TK_OK) {
            fprintf(stderr, "migration: %s\n", err.msg);
            tk_db_close(db);
            return NULL;
        }
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

static size_t idx(const char *id)
{
    return tk_rulecat_find(id, strlen(id));
}

static double param(const tk_rulecat_config *c, const char *id, const char *name)
{
    return tk_rulecat_config_param(c, idx(id), tk_rulecat_find_param(idx(id), name));
}

static void rules_set_reset_history(void)
{
    char path[600];
    tk_db *db = fresh_db("tuning", path, sizeof path);
    TK_REQUIRE(db != NULL);
    int64_t now = 1733362200000LL;
    tk_clock clk = {fixed_ms, &now};
    tk_actor alice = {"alice", "analyst", "127.0.0.1", &clk};
    tk_actor bob = {"bob", "admin", "127.0.0.1", &clk};
    tk_error err = {0, ""};
    tk_tuning_rules s;

    /* the defaults, nothing stored */
    TK_REQUIRE(tk_tuning_rules_read(db, &s, &err) == TK_OK);
    TK_CHECK_INT(s.head.version, 0);
    TK_CHECK_INT(s.rule[idx("R03")].version, 0);
    TK_CHECK(param(s.config, "R03", "min_residents") == 200);
    tk_tuning_rules_dispose(&s);

    /* refusals name the path and the range, and store nothing */
    int64_t id = 0;
    const char *bad = "{\"params\": {\"min_residents\": 0}}";
    TK_CHECK_INT(tk_tuning_rule_set(db, "R03", bad, strlen(bad), &alice, &id, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "$.rules.R03.params.min_residents: 0 is out of range (allowed: "
                             "integer 1..1000000") != NULL);
    TK_CHECK_INT(tk_tuning_rule_set(db, "R99", "{}", 2, &alice, &id, &err), TK_ENOTFOUND);
    TK_CHECK_INT(tk_tuning_rule_set(db, "R03", "{", 1, &alice, &id, &err), TK_EPARSE);
    TK_CHECK_INT(tk_tuning_rule_set(db, "R03", "[]", 2, &alice, &id, &err), TK_EINVAL);
    tk_tuning_version *v = NULL;
    size_t n = 9;
    TK_REQUIRE(tk_tuning_history(db, NULL, &v, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 0);
    tk_tuning_versions_free(v, n);

    /* alice changes R03, later bob disables R04: R03 keeps alice's version */
    const char *r03 = "{\"params\": {\"min_residents\": 250}, \"severity\": \"critical\"}";
    TK_REQUIRE(tk_tuning_rule_set(db, "R03", r03, strlen(r03), &alice, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 1);
    now += 60000;
    TK_REQUIRE(tk_tuning_rule_set(db, "R04", "{\"enabled\": false}", 18, &bob, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 2);
    /* a partial change keeps the rule's other parameters */
    now += 60000;
    const char *r03b = "{\"params\": {\"percentile\": 98}}";
    TK_REQUIRE(tk_tuning_rule_set(db, "R03", r03b, strlen(r03b), &bob, &id, &err) == TK_OK);
    TK_REQUIRE(tk_tuning_rules_read(db, &s, &err) == TK_OK);
    TK_CHECK_INT(s.head.version, 3);
    TK_CHECK_STR(s.head.by, "bob");
    TK_CHECK_STR(s.source, "rule R03");
    TK_CHECK(param(s.config, "R03", "min_residents") == 250);
    TK_CHECK(param(s.config, "R03", "percentile") == 98);
    TK_CHECK_INT(tk_rulecat_config_severity(s.config, idx("R03")), TK_RULECAT_CRITICAL);
    TK_CHECK_INT(tk_rulecat_config_enabled(s.config, idx("R04")), 0);
    TK_CHECK_INT(s.rule[idx("R03")].version, 3);
    TK_CHECK_INT(s.rule[idx("R04")].version, 2);
    TK_CHECK_STR(s.rule[idx("R04")].by, "bob");
    TK_CHECK_INT(s.rule[idx("R04")].at, 1733362200000LL + 60000);
    TK_CHECK_INT(s.rule[idx("R05")].version, 0);
    TK_CHECK_INT(s.disabled, 1);
    TK_CHECK_INT(s.changed, 1);
    tk_tuning_rules_dispose(&s);

    /* reset R03 alone */
    TK_REQUIRE(tk_tuning_rule_reset(db, "R03", &alice, &id, &err) == TK_OK);
    TK_REQUIRE(tk_tuning_rules_read(db, &s, &err) == TK_OK);
    TK_CHECK(param(s.config, "R03", "min_residents") == 200);
    TK_CHECK_INT(tk_rulecat_config_enabled(s.config, idx("R04")), 0);
    TK_CHECK_INT(s.rule[idx("R03")].version, 4);
    tk_tuning_rules_dispose(&s);

    /* the history of R03: versions 4, 3, 1; of all: 4 */
    TK_REQUIRE(tk_tuning_history(db, "R03", &v, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 3);
    if (n == 3) {
        TK_CHECK_INT(v[0].id, 4);
        TK_CHECK_INT(v[0].in_force, 1);
        TK_CHECK_INT(v[1].id, 3);
        TK_CHECK_INT(v[2].id, 1);
        TK_CHECK_STR(v[2].created_by, "alice");
    }
    tk_tuning_versions_free(v, n);
    TK_REQUIRE(tk_tuning_history(db, NULL, &v, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 4);
    tk_tuning_versions_free(v, n);
    TK_CHECK_INT(tk_tuning_history(db, "R77", &v, &n, &err), TK_ENOTFOUND);

    /* reset all */
    TK_REQUIRE(tk_tuning_rules_store(db, NULL, &bob, &id, &err) == TK_OK);
    TK_REQUIRE(tk_tuning_rules_read(db, &s, &err) == TK_OK);
    TK_CHECK_INT(s.reset, 1);
    TK_CHECK_INT(s.disabled, 0);
    TK_CHECK_INT(s.rule[idx("R04")].version, 5);
    tk_tuning_rules_dispose(&s);
    remove_db(db, path);
}

static int collect_note(void *ctx, const char *line)
{
    snprintf(ctx, 300, "%s", line);
    return 0;
}

static void suppressions(void)
{
    char path[600];
    tk_db *db = fresh_db("suppress", path, sizeof path);
    TK_REQUIRE(db != NULL);
    int64_t now = 1733362200000LL;
    tk_clock clk = {fixed_ms, &now};
    tk_actor alice = {"alice", "analyst", "127.0.0.1", &clk};
    tk_error err = {0, ""};
    int64_t day = 0, id = 0;

    /* none yet; a store without the table lists none */
    tk_suppression *s = NULL;
    size_t n = 9;
    TK_REQUIRE(tk_suppress_list(db, &s, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 0);

    TK_CHECK_INT(tk_suppress_parse_day("2024-13-01", &day, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "expires: expected a day YYYY-MM-DD") != NULL);
    TK_CHECK_INT(tk_suppress_parse_day("2024-11-3", &day, &err), TK_EINVAL);
    TK_REQUIRE(tk_suppress_parse_day("2024-11-30", &day, &err) == TK_OK);

    tk_suppress_spec spec = {"R99", "user", "123456", "known", day};
    TK_CHECK_INT(tk_suppress_add(db, &spec, &alice, &id, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "rule_id: 'R99' is not a rule of the catalogue") != NULL);
    spec.rule_id = "R03";
    spec.entity_type = "resident";
    TK_CHECK_INT(tk_suppress_add(db, &spec, &alice, &id, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "entity_type: expected user or terminal");
    spec.entity_type = "user";
    spec.entity = "a\tb";
    TK_CHECK_INT(tk_suppress_add(db, &spec, &alice, &id, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "entity_id: expected 1 to 128 bytes") != NULL);
    spec.entity = "123456";
    spec.reason = "\xff";
    TK_CHECK_INT(tk_suppress_add(db, &spec, &alice, &id, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "reason: expected 1 to 500 bytes of UTF-8") != NULL);
    spec.reason = "窓口の共用端末";
    TK_REQUIRE(tk_suppress_add(db, &spec, &alice, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 1);
    tk_suppress_spec other = {"R22", "terminal", "PC-1", "nightly batch", day + 30};
    TK_REQUIRE(tk_suppress_add(db, &other, &alice, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 2);

    TK_REQUIRE(tk_suppress_list(db, &s, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 2);
    if (n == 2) {
        TK_CHECK_INT(s[0].id, 2); /* newest first */
        TK_CHECK_STR(s[1].reason, "窓口の共用端末");
        TK_CHECK_STR(s[1].created_by, "alice");
        TK_CHECK_INT(s[1].created_at, now);
        TK_CHECK_INT(s[1].expires_day, day);
        TK_CHECK_INT(s[1].run_id, 0);
    }
    tk_suppress_free(s, n);

    /* matching: rule, entity type and id, first day up to the expiry */
    tk_suppress_set set;
    TK_REQUIRE(tk_suppress_set_load(db, &set, &err) == TK_OK);
    TK_CHECK(tk_suppress_match(&set, "R03", "user", "123456", day));
    TK_CHECK(tk_suppress_match(&set, "R03", "user", "123456", day - 10));
    TK_CHECK(!tk_suppress_match(&set, "R03", "user", "123456", day + 1));
    TK_CHECK(!tk_suppress_match(&set, "R04", "user", "123456", day));
    TK_CHECK(!tk_suppress_match(&set, "R03", "terminal", "123456", day));
    TK_CHECK(!tk_suppress_match(&set, "R03", "user", "654321", day));
    TK_CHECK(tk_suppress_match(&set, "R22", "terminal", "PC-1", day + 30));
    TK_CHECK_INT(tk_suppress_hits(&set), 3);
    char line[300] = "";
    TK_CHECK_INT(tk_suppress_notes(&set, collect_note, line), 0);
    TK_CHECK_STR(line, "R22 terminal PC-1: 1 finding suppressed (suppression #2, until "
                       "2024-12-30: nightly batch)");
    tk_suppress_set_dispose(&set);

    /* from an item: a run must exist (no tables here), then delete */
    TK_CHECK(tk_suppress_from_item(db, 1, 1, "x", day, &alice, &id, &err) != TK_OK);
    TK_REQUIRE(tk_suppress_delete(db, 1, &alice, &err) == TK_OK);
    TK_CHECK_INT(tk_suppress_delete(db, 1, &alice, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "no suppression #1");
    tk_suppression one;
    TK_CHECK_INT(tk_suppress_get(db, 1, &one, &err), TK_ENOTFOUND);
    TK_REQUIRE(tk_suppress_set_load(db, &set, &err) == TK_OK);
    TK_CHECK_INT(set.n, 1);
    TK_CHECK(!tk_suppress_match(&set, "R03", "user", "123456", day));
    tk_suppress_set_dispose(&set);
    remove_db(db, path);
}

int main(void)
{
    TK_RUN(rules_set_reset_history);
    TK_RUN(suppressions);
    TK_TEST_END();
}
