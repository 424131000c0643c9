/* models/bsettings.c -- a tenant's baseline settings (models/bsettings.h). */
#include "models/bsettings.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"

/* The ranges keep every setting where the models are known to behave:
 * a baseline of four weeks to two years, forests big enough to be stable
 * and small enough to stay fast, scores on the 0-100 scale, and the count
 * models' options inside what models/baseline accepts. */
static const tk_bsettings_param params[TK_BS_COUNT] = {
    {"baseline_days", 1, 28, 730, 183, "days",
     "days of the baseline window, the days just before the period"},
    {"trees", 1, 10, 1000, 100, "trees", "isolation forest trees"},
    {"sample", 1, 16, 4096, 256, "rows", "isolation forest rows per tree (sample size)"},
    {"min_model_score", 0, 0, 100, 50, "",
     "user- and terminal-day model items below are not listed"},
    {"min_period_score", 0, 0, 100, 35, "",
     "user- and terminal-period model items below are not listed"},
    {"shrink_days", 0, 0.5, 365, 10, "days",
     "weight of the 所属 in a robust baseline, in days of the user's own history"},
    {"z_cap", 0, 3, 40, 8, "", "every z-like score is clamped to +-z_cap"},
    {"overdispersion", 0, 0, 10, 0.1, "",
     "a count history is tried as negative binomial above mean * (1 + this)"},
    {"lr_alpha", 0, 0.0001, 0.5, 0.01, "",
     "level of the likelihood-ratio test that keeps a negative binomial"},
    {"prior_min_days", 0, 1, 365, 5, "days", "least weight of the 所属's prior"},
    {"prior_max_days", 0, 1, 3650, 30, "days",
     "most weight of the 所属's prior (at least prior_min_days)"},
    {"prior_min_shape", 0, 0.01, 100, 0.5, "", "least shape (alpha) of the 所属's prior"},
};

const tk_bsettings_param *tk_bsettings_param_at(size_t i)
{
    return i < TK_BS_COUNT ? &params[i] : NULL;
}

size_t tk_bsettings_find(const char *name, size_t len)
{
    for (size_t i = 0; i < TK_BS_COUNT; i++) {
        const char *p = params[i].name;
        if (strlen(p) != len)
            continue;
        size_t k = 0;
        while (k < len && (name[k] == p[k] || (name[k] == '-' && p[k] == '_')))
            k++;
        if (k == len)
            return i;
    }
    return SIZE_MAX;
}

void tk_bsettings_defaults(tk_bsettings *s)
{
    for (size_t i = 0; i < TK_BS_COUNT; i++)
        s->v[i] = params[i].def;
}

int tk_bsettings_is_default(const tk_bsettings *s, size_t i)
{
    return s->v[i] == params[i].def;
}

/* "integer 10..1000 trees" */
static void range_text(size_t i, char *buf, size_t cap)
{
    const tk_bsettings_param *p = &params[i];
    snprintf(buf, cap, "%s%g..%g%s%s", p->integer ? "integer " : "", p->min, p->max,
             *p->unit ? " " : "", p->unit);
}

/* Checks v against setting i's range. */
static int check_value(size_t i, double v, tk_error *err)
{
    char range[64];
    range_text(i, range, sizeof range);
    if (!isfinite(v) || v < params[i].min || v > params[i].max ||
        (params[i].integer && v != floor(v)))
        return tk_error_set(err, TK_EINVAL, "%.17g is out of range (allowed: %s)", v, range);
    return TK_OK;
}

int tk_bsettings_parse_value(size_t i, const char *text, double *v, tk_error *err)
{
    char *end = NULL;
    errno = 0;
    const double d = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0) {
        char range[64];
        range_text(i, range, sizeof range);
        return tk_error_set(err, TK_EINVAL, "'%.40s' is not a number (allowed: %s)", text, range);
    }
    const int rc = check_value(i, d, err);
    if (rc == TK_OK)
        *v = d;
    return rc;
}

/* The settings' cross checks. */
static int check_all(const tk_bsettings *s, tk_error *err)
{
    if (s->v[TK_BS_PRIOR_MAX_DAYS] < s->v[TK_BS_PRIOR_MIN_DAYS])
        return tk_error_set(err, TK_EINVAL,
                            "$.prior_max_days: %g is below prior_min_days %g (allowed: "
                            "prior_min_days..3650 days)",
                            s->v[TK_BS_PRIOR_MAX_DAYS], s->v[TK_BS_PRIOR_MIN_DAYS]);
    return TK_OK;
}

int tk_bsettings_apply(tk_bsettings *s, const char *json, size_t len, tk_error *err)
{
    json_error_t je;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL)
        return tk_error_set(err, TK_EPARSE, "line %d, column %d: %s", je.line, je.column, je.text);
    tk_bsettings n = *s;
    int rc = json_is_object(doc)
                 ? TK_OK
                 : tk_error_set(err, TK_EINVAL, "$: expected an object {\"trees\": 200, ...}");
    const char *key;
    json_t *val;
    json_object_foreach(doc, key, val)
    {
        if (rc != TK_OK)
            break;
        const size_t i = tk_bsettings_find(key, strlen(key));
        if (i == SIZE_MAX || strchr(key, '-') != NULL) {
            rc = tk_error_set(err, TK_EINVAL,
                              "$.%.40s: no such setting (known: baseline_days, trees, sample, "
                              "min_model_score, min_period_score, shrink_days, z_cap, "
                              "overdispersion, lr_alpha, prior_min_days, prior_max_days, "
                              "prior_min_shape)",
                              key);
            break;
        }
        if (json_is_null(val)) {
            n.v[i] = params[i].def;
            continue;
        }
        tk_error e = {0, ""};
        if (!json_is_number(val)) {
            char range[64];
            range_text(i, range, sizeof range);
            rc = tk_error_set(err, TK_EINVAL, "$.%s: expected a number or null (allowed: %s)",
                              params[i].name, range);
        } else if (check_value(i, json_number_value(val), &e) != TK_OK) {
            rc = tk_error_set(err, TK_EINVAL, "$.%s: %s", params[i].name, e.msg);
        } else {
            n.v[i] = json_number_value(val);
        }
    }
    json_decref(doc);
    if (rc == TK_OK)
        rc = check_all(&n, err);
    if (rc == TK_OK)
        *s = n;
    return rc;
}

void tk_bsettings_counts(const tk_bsettings *s, tk_baseline_options *out)
{
    *out = (tk_baseline_options)TK_BASELINE_OPTIONS_INIT;
    out->shrink_days = s->v[TK_BS_SHRINK_DAYS];
    out->z_cap = s->v[TK_BS_Z_CAP];
    out->overdispersion = s->v[TK_BS_OVERDISPERSION];
    out->lr_alpha = s->v[TK_BS_LR_ALPHA];
    out->prior_min_days = s->v[TK_BS_PRIOR_MIN_DAYS];
    out->prior_max_days = s->v[TK_BS_PRIOR_MAX_DAYS];
    out->prior_min_shape = s->v[TK_BS_PRIOR_MIN_SHAPE];
}

void tk_bsettings_describe(const tk_bsettings *s, char *buf, size_t cap)
{
    size_t used = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < TK_BS_COUNT; i++) {
        if (tk_bsettings_is_default(s, i) || used >= cap)
            continue;
        const int w =
            snprintf(buf + used, cap - used, "%s%s %g", used ? ", " : "", params[i].name, s->v[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    if (used == 0)
        snprintf(buf, cap, "the defaults");
}

/* ---- storage ----------------------------------------------------------------------- */

int tk_bsettings_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db,
                      "CREATE TABLE IF NOT EXISTS baseline_settings("
                      " id INTEGER PRIMARY KEY,"
                      " created_at INTEGER NOT NULL," /* Unix ms */
                      " created_by TEXT,"
                      " reset INTEGER NOT NULL DEFAULT 0,"
                      " change TEXT NOT NULL,"    /* the change as JSON, or "reset" */
                      " settings TEXT NOT NULL)", /* every setting, as JSON */
                      err);
}

void tk_bsettings_version_dispose(tk_bsettings_version *v)
{
    if (v == NULL)
        return;
    tk_free(v->created_by);
    tk_free(v->change);
    memset(v, 0, sizeof *v);
}

void tk_bsettings_versions_free(tk_bsettings_version *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        tk_bsettings_version_dispose(&v[i]);
    tk_free(v);
}

static char *dup_col(sqlite3_stmt *st, int col, int *oom)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    if (s == NULL)
        return NULL;
    char *d = tk_strndup(s, strlen(s));
    *oom |= d == NULL;
    return d;
}

/* Versions newest first; at most limit of them. */
static int load(tk_db *db, size_t limit, tk_bsettings_version **out, size_t *n, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int rc = tk_db_prepare(db, &st,
                           "SELECT id, created_at, created_by, reset, change, settings"
                           " FROM baseline_settings ORDER BY id DESC",
                           err);
    while (rc == TK_OK && *n < limit) {
        const int step = tk_db_step(db, st, err);
        if (step <= 0) {
            rc = step < 0 ? step : TK_OK;
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            tk_bsettings_version *g = tk_realloc(*out, cap * sizeof *g);
            if (g == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the baseline settings");
                break;
            }
            *out = g;
        }
        tk_bsettings_version *v = &(*out)[(*n)++];
        memset(v, 0, sizeof *v);
        int oom = 0;
        v->id = sqlite3_column_int64(st, 0);
        v->created_at = sqlite3_column_int64(st, 1);
        v->created_by = dup_col(st, 2, &oom);
        v->reset = sqlite3_column_int(st, 3);
        v->change = dup_col(st, 4, &oom);
        v->in_force = *n == 1;
        tk_bsettings_defaults(&v->s);
        const char *doc = (const char *)sqlite3_column_text(st, 5);
        tk_error e = {0, ""};
        if (oom)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory reading the baseline settings");
        else if (tk_bsettings_apply(&v->s, doc ? doc : "", doc ? strlen(doc) : 0, &e) != TK_OK)
            rc = tk_error_set(err, TK_EINVAL,
                              "stored baseline settings #%lld no longer validate (%s): "
                              "reset them with tenken settings --baseline-reset",
                              (long long)v->id, e.msg);
    }
    sqlite3_finalize(st);
    if (rc != TK_OK) {
        tk_bsettings_versions_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int tk_bsettings_read(tk_db *db, tk_bsettings_version *out, tk_error *err)
{
    tk_bsettings_version *v = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    tk_bsettings_defaults(&out->s);
    out->in_force = 1;
    const int rc = load(db, 1, &v, &n, err);
    if (rc == TK_OK && n == 1) {
        *out = v[0];
        memset(&v[0], 0, sizeof v[0]);
    }
    tk_bsettings_versions_free(v, n);
    return rc;
}

int tk_bsettings_history(tk_db *db, tk_bsettings_version **out, size_t *n, tk_error *err)
{
    return load(db, SIZE_MAX, out, n, err);
}

/* Every setting of s as a JSON object (owned: free()). */
static char *settings_json(const tk_bsettings *s)
{
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && i < TK_BS_COUNT; i++)
        json_object_set_new(o, params[i].name,
                            params[i].integer ? json_integer((json_int_t)s->v[i])
                                              : json_real(s->v[i]));
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(o);
    return text;
}

/* Stores s as a new version inside the caller's transaction. */
static int insert(tk_db *db, const tk_bsettings *s, int reset, const char *change,
                  const tk_actor *actor, int64_t *id, tk_error *err)
{
    char *doc = settings_json(s);
    sqlite3_stmt *st = NULL;
    int rc = doc ? tk_db_prepare(db, &st,
                                 "INSERT INTO baseline_settings(created_at, created_by, reset,"
                                 " change, settings) VALUES(?1, ?2, ?3, ?4, ?5)",
                                 err)
                 : tk_error_set(err, TK_ENOMEM, "out of memory storing the baseline settings");
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 1, tk_actor_now(actor));
        if (actor != NULL && actor->name != NULL)
            sqlite3_bind_text(st, 2, actor->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, reset);
        sqlite3_bind_text(st, 4, change, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, doc, -1, SQLITE_STATIC);
        const int step = tk_db_step(db, st, err);
        rc = step < 0 ? step : TK_OK;
    }
    if (rc == TK_OK && id != NULL)
        *id = sqlite3_last_insert_rowid(tk_db_handle(db));
    sqlite3_finalize(st);
    free(doc);
    return rc;
}

/* Reads the version in force, changes it (json NULL: the defaults) and
 * stores the result, in one transaction. */
static int store(tk_db *db, const char *json, size_t len, const tk_actor *actor, int64_t *id,
                 tk_error *err)
{
    tk_bsettings_version cur;
    memset(&cur, 0, sizeof cur);
    char *change = NULL;
    int rc = TK_OK;
    if (json != NULL) {
        /* The change as stored: compact, so the history reads alike from
         * the CLI and the API. */
        json_error_t je;
        json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
        change = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(doc);
        if (doc == NULL)
            return tk_error_set(err, TK_EPARSE, "line %d, column %d: %s", je.line, je.column,
                                je.text);
        if (change == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory storing the baseline settings");
    }
    rc = tk_db_begin(db, err);
    if (rc == TK_OK)
        rc = tk_bsettings_read(db, &cur, err);
    if (rc == TK_OK && json != NULL)
        rc = tk_bsettings_apply(&cur.s, json, len, err);
    if (rc == TK_OK && json == NULL)
        tk_bsettings_defaults(&cur.s);
    if (rc == TK_OK)
        rc = insert(db, &cur.s, json == NULL, json ? change : "reset", actor, id, err);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    tk_db_rollback(db);
    tk_bsettings_version_dispose(&cur);
    free(change);
    return rc;
}

int tk_bsettings_change(tk_db *db, const char *json, size_t len, const tk_actor *actor, int64_t *id,
                        tk_error *err)
{
    return store(db, json, len, actor, id, err);
}

int tk_bsettings_reset(tk_db *db, const tk_actor *actor, int64_t *id, tk_error *err)
{
    return store(db, NULL, 0, actor, id, err);
}
