/* models/tuning.c -- the rule configuration as a service (models/tuning.h). */
#include "models/tuning.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/anomalies.h"
#include "src/alloc.h"

/* A stored version with its document, as collected from
 * tk_rulecat_list_versions(). */
struct stored {
    tk_tuning_version v;
    char *doc; /* owned */
};

struct collect {
    struct stored *s;
    size_t n, cap;
};

static char *dup_opt(const char *s)
{
    return s ? tk_strndup(s, strlen(s)) : NULL;
}

static int collect_one(void *ctx, const tk_rulecat_version *v)
{
    struct collect *c = ctx;
    if (c->n == c->cap) {
        const size_t cap = c->cap ? 2 * c->cap : 16;
        struct stored *g = tk_realloc(c->s, cap * sizeof *g);
        if (g == NULL)
            return TK_ENOMEM;
        c->s = g;
        c->cap = cap;
    }
    struct stored *s = &c->s[c->n];
    memset(s, 0, sizeof *s);
    s->v.id = v->id;
    s->v.created_at = v->created_at;
    s->v.reset = v->reset;
    s->v.in_force = v->in_force;
    s->v.disabled = v->disabled;
    s->v.changed = v->changed;
    s->v.created_by = dup_opt(v->created_by);
    s->v.source = dup_opt(v->source);
    s->v.problem = dup_opt(v->problem);
    s->doc = dup_opt(v->config);
    c->n++;
    if ((v->created_by && !s->v.created_by) || (v->source && !s->v.source) ||
        (v->problem && !s->v.problem) || !s->doc)
        return TK_ENOMEM;
    return 0;
}

static void version_dispose(tk_tuning_version *v)
{
    tk_free(v->created_by);
    tk_free(v->source);
    tk_free(v->problem);
}

static void collect_free(struct collect *c)
{
    for (size_t i = 0; i < c->n; i++) {
        version_dispose(&c->s[i].v);
        tk_free(c->s[i].doc);
    }
    tk_free(c->s);
    memset(c, 0, sizeof *c);
}

/* Every version of db, newest first. */
static int collect(tk_db *db, struct collect *c, tk_error *err)
{
    memset(c, 0, sizeof *c);
    const int rc = tk_rulecat_list_versions(db, collect_one, c, err);
    if (rc == TK_ENOMEM || rc == 0)
        return rc == 0 ? TK_OK
                       : tk_error_set(err, TK_ENOMEM, "out of memory reading the rule versions");
    return rc;
}

/* Whether rule i is configured alike in a and b. */
static int rule_same(const tk_rulecat_config *a, const tk_rulecat_config *b, size_t i)
{
    const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
    if (tk_rulecat_config_enabled(a, i) != tk_rulecat_config_enabled(b, i) ||
        tk_rulecat_config_severity(a, i) != tk_rulecat_config_severity(b, i))
        return 0;
    for (size_t k = 0; k < r->nparams; k++)
        if (tk_rulecat_config_param(a, i, k) != tk_rulecat_config_param(b, i, k))
            return 0;
    return 1;
}

/* Walks the versions oldest first; calls fn for each rule of each version
 * whose configuration differs from the version before (a version that no
 * longer validates counts as the defaults). */
static int walk(const struct collect *c, void (*fn)(void *ctx, const struct stored *s, size_t rule),
                void *ctx, tk_error *err)
{
    tk_rulecat_config *prev = NULL, *cur = NULL;
    int rc = tk_rulecat_config_create(&prev, err);
    for (size_t j = c->n; rc == TK_OK && j-- > 0;) {
        const struct stored *s = &c->s[j];
        tk_error ignored = {0, ""};
        if (tk_rulecat_config_parse(&cur, s->doc, strlen(s->doc), &ignored) != TK_OK)
            rc = tk_rulecat_config_create(&cur, err);
        for (size_t i = 0; rc == TK_OK && i < tk_rulecat_count(); i++)
            if (!rule_same(prev, cur, i))
                fn(ctx, s, i);
        tk_rulecat_config_destroy(prev);
        prev = cur;
        cur = NULL;
    }
    tk_rulecat_config_destroy(prev);
    return rc;
}

static void note_change(void *ctx, const struct stored *s, size_t rule)
{
    tk_tuning_rules *out = ctx;
    tk_tuning_change *ch = &out->rule[rule];
    ch->version = s->v.id;
    ch->at = s->v.created_at;
    ch->by = s->v.created_by; /* borrowed until copied below */
}

int tk_tuning_rules_read(tk_db *db, tk_tuning_rules *out, tk_error *err)
{
    struct collect c;
    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    int rc = tk_db_exec(db, "BEGIN", err);
    if (rc != TK_OK)
        return rc;
    int64_t version = 0;
    rc = collect(db, &c, err);
    if (rc == TK_OK)
        rc = tk_rulecat_in_force(db, &out->config, &version, err);
    tk_db_rollback(db); /* a read transaction: nothing to keep */
    if (rc == TK_OK && version != (c.n ? c.s[0].v.id : 0))
        rc = tk_error_set(err, TK_EINTERNAL, "rule configuration changed while being read");
    out->rule = rc == TK_OK ? tk_calloc(tk_rulecat_count(), sizeof *out->rule) : NULL;
    if (rc == TK_OK && out->rule == NULL)
        rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the rule configuration");
    if (rc == TK_OK)
        rc = walk(&c, note_change, out, err);
    for (size_t i = 0; rc == TK_OK && i < tk_rulecat_count(); i++) {
        const char *by = (const char *)out->rule[i].by;
        out->rule[i].by = NULL;
        if (by != NULL && (out->rule[i].by = dup_opt(by)) == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the rule configuration");
    }
    if (rc == TK_OK && c.n > 0) {
        out->head.version = c.s[0].v.id;
        out->head.at = c.s[0].v.created_at;
        out->reset = c.s[0].v.reset;
        out->head.by = dup_opt(c.s[0].v.created_by);
        out->source = dup_opt(c.s[0].v.source);
        if ((c.s[0].v.created_by && !out->head.by) || (c.s[0].v.source && !out->source))
            rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the rule configuration");
    }
    if (rc == TK_OK)
        tk_rulecat_config_summary(out->config, &out->disabled, &out->changed);
    collect_free(&c);
    if (rc != TK_OK)
        tk_tuning_rules_dispose(out);
    return rc;
}

void tk_tuning_rules_dispose(tk_tuning_rules *s)
{
    if (s == NULL)
        return;
    tk_rulecat_config_destroy(s->config);
    tk_free(s->head.by);
    tk_free(s->source);
    for (size_t i = 0; s->rule != NULL && i < tk_rulecat_count(); i++)
        tk_free(s->rule[i].by);
    tk_free(s->rule);
    memset(s, 0, sizeof *s);
}

/* ---- changing ---------------------------------------------------------------------- */

static int find_rule(const char *rule_id, tk_error *err)
{
    if (tk_rulecat_find(rule_id, strlen(rule_id)) == SIZE_MAX)
        return tk_error_set(err, TK_ENOTFOUND, "no rule '%s' in the catalogue (R01..R%02zu)",
                            rule_id, tk_rulecat_count());
    return TK_OK;
}

/* Applies patch (a rule's change; NULL: remove the rule's entry, so the
 * rule follows the defaults) to rule_id's entry of the document doc. */
static void patch_rule(json_t *rules, const char *rule_id, json_t *patch)
{
    if (patch == NULL) {
        json_object_del(rules, rule_id);
        return;
    }
    json_t *entry = json_object_get(rules, rule_id);
    if (!json_is_object(entry)) {
        entry = json_object();
        json_object_set_new(rules, rule_id, entry);
    }
    const char *key;
    json_t *val;
    json_object_foreach(patch, key, val)
    {
        json_t *old = json_object_get(entry, key);
        if (strcmp(key, "params") == 0 && json_is_object(val) && json_is_object(old))
            json_object_update(old, val);
        else
            json_object_set(entry, key, val);
    }
}

/* The document in force (as stored) with the per-rule changes of
 * patches ({"R03": change or null, ...}) applied, as text (*out owned:
 * free()). Not validated here. */
static int patched_doc(tk_db *db, json_t *patches, char **out, tk_error *err)
{
    struct collect c;
    *out = NULL;
    int rc = collect(db, &c, err);
    if (rc != TK_OK)
        return rc;
    json_error_t je;
    json_t *doc = json_loads(c.n ? c.s[0].doc : "{\"version\": 1}", 0, &je);
    collect_free(&c);
    json_t *rules = doc ? json_object_get(doc, "rules") : NULL;
    if (doc != NULL && rules == NULL) {
        rules = json_object();
        json_object_set_new(doc, "rules", rules);
    }
    if (!json_is_object(rules)) {
        json_decref(doc);
        return tk_error_set(err, TK_EINVAL,
                            "the rule configuration in force cannot be read: "
                            "replace it with tenken rules set or reset");
    }
    const char *id;
    json_t *patch;
    json_object_foreach(patches, id, patch)
    {
        patch_rule(rules, id, json_is_null(patch) ? NULL : patch);
    }
    *out = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    return *out ? TK_OK
                : tk_error_set(err, TK_ENOMEM, "out of memory building the rule configuration");
}

/* Stores the document in force with rule_id changed by patch (NULL: put
 * back to the defaults). Inside the caller's transaction. */
static int store_patched(tk_db *db, const char *rule_id, json_t *patch, const tk_actor *actor,
                         int64_t *id, tk_error *err)
{
    json_t *patches = json_object();
    char *text = NULL;
    int rc = patches == NULL || json_object_set(patches, rule_id, patch ? patch : json_null()) != 0
                 ? tk_error_set(err, TK_ENOMEM, "out of memory storing the rule configuration")
                 : patched_doc(db, patches, &text, err);
    json_decref(patches);
    if (rc != TK_OK)
        return rc;
    char source[32];
    snprintf(source, sizeof source, "rule %s", rule_id);
    rc = tk_rulecat_save(db, text, strlen(text), source, actor ? actor->name : NULL,
                         tk_actor_now(actor), id, err);
    free(text);
    return rc;
}

static int in_transaction(tk_db *db, const char *rule_id, json_t *patch, const tk_actor *actor,
                          int64_t *id, tk_error *err)
{
    int rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        return rc;
    rc = store_patched(db, rule_id, patch, actor, id, err);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    else
        tk_db_rollback(db);
    return rc;
}

int tk_tuning_rule_set(tk_db *db, const char *rule_id, const char *json, size_t len,
                       const tk_actor *actor, int64_t *id, tk_error *err)
{
    int rc = find_rule(rule_id, err);
    if (rc != TK_OK)
        return rc;
    json_error_t je;
    json_t *patch = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (patch == NULL)
        return tk_error_set(err, TK_EPARSE, "line %d, column %d: %s", je.line, je.column, je.text);
    if (!json_is_object(patch)) {
        json_decref(patch);
        return tk_error_set(err, TK_EINVAL,
                            "$.rules.%s: expected an object {\"enabled\", \"severity\", "
                            "\"params\"}",
                            rule_id);
    }
    rc = in_transaction(db, rule_id, patch, actor, id, err);
    json_decref(patch);
    return rc;
}

int tk_tuning_rule_reset(tk_db *db, const char *rule_id, const tk_actor *actor, int64_t *id,
                         tk_error *err)
{
    const int rc = find_rule(rule_id, err);
    return rc != TK_OK ? rc : in_transaction(db, rule_id, NULL, actor, id, err);
}

int tk_tuning_rules_store(tk_db *db, const char *path, const tk_actor *actor, int64_t *id,
                          tk_error *err)
{
    int rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        return rc;
    const char *by = actor ? actor->name : NULL;
    if (path != NULL)
        rc = tk_rulecat_save_file(db, path, by, tk_actor_now(actor), id, err);
    else
        rc = tk_rulecat_reset(db, by, tk_actor_now(actor), id, err);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    else
        tk_db_rollback(db);
    return rc;
}

/* ---- history ------------------------------------------------------------------------- */

struct marks {
    size_t rule;
    const struct collect *c;
    unsigned char *keep; /* per version of c */
};

static void mark(void *ctx, const struct stored *s, size_t rule)
{
    struct marks *m = ctx;
    if (rule == m->rule)
        m->keep[s - m->c->s] = 1;
}

int tk_tuning_history(tk_db *db, const char *rule_id, tk_tuning_version **out, size_t *n,
                      tk_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = rule_id ? find_rule(rule_id, err) : TK_OK;
    struct collect c;
    memset(&c, 0, sizeof c);
    if (rc == TK_OK)
        rc = collect(db, &c, err);
    struct marks m = {rule_id ? tk_rulecat_find(rule_id, strlen(rule_id)) : 0, &c, NULL};
    if (rc == TK_OK) {
        m.keep = tk_calloc(c.n + 1, 1);
        if (m.keep == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the rule versions");
    }
    if (rc == TK_OK && rule_id != NULL)
        rc = walk(&c, mark, &m, err);
    if (rc == TK_OK) {
        *out = tk_calloc(c.n + 1, sizeof **out);
        if (*out == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the rule versions");
    }
    for (size_t j = 0; rc == TK_OK && j < c.n; j++) {
        if (rule_id != NULL && !m.keep[j])
            continue;
        (*out)[(*n)++] = c.s[j].v; /* moves the strings */
        memset(&c.s[j].v, 0, sizeof c.s[j].v);
    }
    tk_free(m.keep);
    collect_free(&c);
    if (rc != TK_OK) {
        tk_tuning_versions_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void tk_tuning_versions_free(tk_tuning_version *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        version_dispose(&v[i]);
    tk_free(v);
}

/* ---- preview ------------------------------------------------------------------------ */

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int same_case(const tk_analysis_case *a, const tk_analysis_case *b)
{
    return a->first_day == b->first_day && strcmp(a->rule_id, b->rule_id) == 0 &&
           strcmp(a->entity_type, b->entity_type) == 0 && strcmp(a->entity, b->entity) == 0;
}

/* The cases of x that y lacks, copied into *out (owned, *n). */
static int difference(const tk_analysis_summary *x, const tk_analysis_summary *y,
                      tk_analysis_case **out, size_t *n, tk_error *err)
{
    *out = tk_calloc(x->cases + 1, sizeof **out);
    *n = 0;
    if (*out == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory comparing the previews");
    for (size_t i = 0; i < x->cases; i++) {
        int found = 0;
        for (size_t j = 0; !found && j < y->cases; j++)
            found = same_case(&x->cases_list[i], &y->cases_list[j]);
        if (found)
            continue;
        tk_analysis_case *k = &(*out)[(*n)++];
        *k = x->cases_list[i];
        k->entity = tk_strndup(k->entity, strlen(k->entity));
        if (k->entity == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory comparing the previews");
    }
    return TK_OK;
}

static int dry_run(tk_tenant *t, const tk_period *pr, const tk_rulecat_config *rules,
                   const tk_bsettings *settings, tk_analysis_summary *sum, tk_error *err)
{
    tk_analysis_options o = TK_ANALYSIS_OPTIONS_INIT;
    o.rules = rules;
    o.settings = settings;
    o.dry_run = 1;
    return tk_analysis_run(t, pr, &o, sum, err);
}

/* The last n distinct analysed periods of db, newest run first. */
static int last_periods(tk_db *db, size_t n, tk_period *out, size_t *got, tk_error *err)
{
    tk_anomalies_run *runs = NULL;
    size_t nr = 0;
    *got = 0;
    int rc = tk_anomalies_runs_list(db, NULL, 0, 1000, &runs, &nr, err);
    for (size_t i = 0; rc == TK_OK && i < nr && *got < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < *got; j++)
            seen |= out[j].first_day == runs[i].period.first_day &&
                    out[j].last_day == runs[i].period.last_day;
        if (!seen)
            out[(*got)++] = runs[i].period;
    }
    tk_anomalies_runs_free(runs, nr);
    if (rc == TK_OK && *got == 0)
        rc = tk_error_set(err, TK_ENOTFOUND,
                          "no analysed period to preview: run tenken analyze first");
    return rc;
}

int tk_tuning_preview_run(tk_tenant *t, const char *rules_patch, size_t len,
                          const char *baseline_patch, size_t blen, size_t nperiods,
                          tk_tuning_preview *out, tk_error *err)
{
    const double t0 = seconds_now();
    memset(out, 0, sizeof *out);
    if (nperiods < 1 || nperiods > TK_TUNING_PREVIEW_MAX)
        return tk_error_set(err, TK_EINVAL, "periods: expected 1 to %d, not %zu",
                            TK_TUNING_PREVIEW_MAX, nperiods);
    json_error_t je;
    json_t *patches =
        rules_patch ? json_loadb(rules_patch, len, JSON_REJECT_DUPLICATES, &je) : json_object();
    if (patches == NULL)
        return tk_error_set(err, TK_EPARSE, "line %d, column %d: %s", je.line, je.column, je.text);
    int rc = TK_OK;
    if (!json_is_object(patches))
        rc = tk_error_set(err, TK_EINVAL, "$.rules: expected an object {\"R03\": {...}, ...}");
    const char *id;
    json_t *patch;
    json_object_foreach(patches, id, patch)
    {
        if (rc == TK_OK && tk_rulecat_find(id, strlen(id)) == SIZE_MAX)
            rc = tk_error_set(err, TK_EINVAL, "$.rules.%s: no such rule in the catalogue", id);
        if (rc == TK_OK && !json_is_object(patch))
            rc = tk_error_set(err, TK_EINVAL,
                              "$.rules.%s: expected an object {\"enabled\", \"severity\", "
                              "\"params\"}",
                              id);
    }
    tk_db *db = tk_tenant_db(t);
    char *doc = NULL;
    tk_rulecat_config *now = NULL, *cand = NULL;
    tk_period periods[TK_TUNING_PREVIEW_MAX];
    size_t np = 0;
    if (rc == TK_OK)
        rc = patched_doc(db, patches, &doc, err);
    json_decref(patches);
    if (rc == TK_OK)
        rc = tk_rulecat_config_parse(&cand, doc, strlen(doc), err);
    free(doc);
    if (rc == TK_OK)
        rc = tk_rulecat_in_force(db, &now, NULL, err);
    /* The baseline settings: in force before, changed by the patch after. */
    tk_bsettings_version bnow;
    memset(&bnow, 0, sizeof bnow);
    tk_bsettings bcand;
    if (rc == TK_OK)
        rc = tk_bsettings_read(db, &bnow, err);
    bcand = bnow.s;
    tk_bsettings_version_dispose(&bnow);
    if (rc == TK_OK && baseline_patch != NULL) {
        rc = tk_bsettings_apply(&bcand, baseline_patch, blen, err);
        if (rc == TK_EINVAL && err != NULL && err->msg[0] == '$') {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err->msg + 1);
            (void)tk_error_set(err, TK_EINVAL, "$.baseline%s", m); /* its path in a preview */
        }
    }
    if (rc == TK_OK)
        rc = last_periods(db, nperiods, periods, &np, err);
    if (rc == TK_OK) {
        out->periods = tk_calloc(np, sizeof *out->periods);
        if (out->periods == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory previewing");
    }
    for (size_t i = 0; rc == TK_OK && i < np; i++) {
        tk_tuning_preview_period *pp = &out->periods[out->n++];
        tk_analysis_summary before, after;
        memset(&before, 0, sizeof before);
        memset(&after, 0, sizeof after);
        const double p0 = seconds_now();
        pp->period = periods[i];
        rc = dry_run(t, &periods[i], now, NULL, &before, err);
        if (rc == TK_OK)
            rc = dry_run(t, &periods[i], cand, baseline_patch ? &bcand : NULL, &after, err);
        if (rc == TK_OK) {
            pp->findings_before = before.findings;
            pp->findings_after = after.findings;
            pp->cases_before = before.cases;
            pp->cases_after = after.cases;
            rc = difference(&after, &before, &pp->added, &pp->nadded, err);
        }
        if (rc == TK_OK)
            rc = difference(&before, &after, &pp->removed, &pp->nremoved, err);
        pp->seconds = seconds_now() - p0;
        tk_analysis_summary_dispose(&before);
        tk_analysis_summary_dispose(&after);
    }
    tk_rulecat_config_destroy(now);
    tk_rulecat_config_destroy(cand);
    out->seconds = seconds_now() - t0;
    if (rc != TK_OK)
        tk_tuning_preview_dispose(out);
    return rc;
}

static void cases_free(tk_analysis_case *c, size_t n)
{
    for (size_t i = 0; c != NULL && i < n; i++)
        tk_free(c[i].entity);
    tk_free(c);
}

void tk_tuning_preview_dispose(tk_tuning_preview *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++) {
        cases_free(p->periods[i].added, p->periods[i].nadded);
        cases_free(p->periods[i].removed, p->periods[i].nremoved);
    }
    tk_free(p->periods);
    memset(p, 0, sizeof *p);
}
