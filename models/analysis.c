/* models/analysis.c -- the analysis of a period.
 *
 * Approach, stage by stage:
 *
 * 1. Master data and the calendar are loaded once for the baseline window
 *    and the period, and shared by the feature pass and the rule checks.
 * 2. User-day features (features/userday) for the whole range.
 * 3. Count models. For each user and each scored feature, the user's
 *    baseline days are fitted with a Poisson / negative-binomial model under
 *    a Gamma prior built from the user's 所属 (empirical Bayes: a short
 *    history leans on the peers). A day's value gets its upper-tail
 *    probability p_own under that model and a same-day peer probability
 *    p_peer against the 所属's other members that day (leave-one-out robust
 *    z); the day is surprising for the feature only if both are small, so
 *    the feature's surprise is -log10(max(p_own, p_peer)). The day's feature
 *    surprise is the largest over features less log10(number of features)
 *    (a Bonferroni correction, so that scoring more features does not by
 *    itself raise scores).
 * 4. Multivariate models on log1p of the same features: an isolation
 *    forest and a robust Mahalanobis distance, trained on the baseline
 *    window's user-days. Their raw scores are turned into surprises by
 *    their empirical tail among the baseline days.
 * 5. The day's raw score is max(feature surprise, mean of the two
 *    multivariate surprises). The 0-100 score is 20 * -log10 of the share
 *    of baseline user-days whose raw score is at least as large (with +1
 *    smoothing), capped at 100: 60 is a day rarer than one in a thousand
 *    of the tenant's own history, 80 one in ten thousand, whatever period.
 * 6. Rule findings (models/rules) keep their severity-based score; a user
 *    finding whose day also scores >= 70 in the models is corroborated
 *    (+5), which is what puts "a rule hit corroborated by a deviation"
 *    above a routine one.
 * 7. Everything is ranked by score (ties: rules first, then day, entity,
 *    rule) and stored with its explanation and evidence event ids. */
#include "models/analysis.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "features/dayevents.h"
#include "features/userday.h"
#include "models/baseline.h"
#include "models/iforest.h"
#include "models/mahalanobis.h"
#include "models/rules.h"
#include "src/alloc.h"
#include "src/calendar.h"
#include "src/mastersnap.h"
#include "src/strmap.h"

static const int scored[] = {
    TK_USERDAY_LOOKUPS,
    TK_USERDAY_UPDATES,
    TK_USERDAY_PRINTS,
    TK_USERDAY_EXPORTS,
    TK_USERDAY_OUTPUT_RECORDS,
    TK_USERDAY_DISTINCT_RESIDENTS,
    TK_USERDAY_LOOKUP_ONLY_RESIDENTS,
    TK_USERDAY_CROSS_SYSTEM_RESIDENTS,
    TK_USERDAY_TOP_RESIDENT_EVENTS,
    TK_USERDAY_MAX_RESIDENTS_10MIN,
    TK_USERDAY_AFTER_HOURS_UNAPPROVED,
    TK_USERDAY_NIGHT_UNAPPROVED,
    TK_USERDAY_CLOSED_DAY_UNAPPROVED,
    TK_USERDAY_MEDIA_COPIES,
    TK_USERDAY_LOGON_FAILURES,
    TK_USERDAY_DISTINCT_SYSTEMS,
    TK_USERDAY_DISTINCT_TERMINALS,
    TK_USERDAY_UNAUTHORIZED_EVENTS,
    TK_USERDAY_WATCH_EVENTS,
};
#define NS        (sizeof scored / sizeof scored[0])
#define MAX_EVID  50
#define BASE_DAYS 183

/* Per-row model results. */
struct rowscore {
    double raw;   /* combined raw surprise */
    double feat;  /* feature surprise (Bonferroni-corrected) */
    double s[NS]; /* per-feature surprise */
    double p_own[NS];
    double p_peer[NS];
    double mean[NS]; /* the user's model mean */
    double peer_med[NS];
    double iforest; /* raw isolation-forest score */
    double d2;      /* squared Mahalanobis distance */
    double r_if, r_md;
    double score; /* 0-100 */
};

struct item {
    double score;
    int source; /* 0 rule, 1 model */
    int64_t day;
    char entity_type[16];
    char *entity;
    char rule_id[8];
    char severity[12];
    char *summary;
    char *explanation; /* JSON */
    int64_t evid_user; /* model items: user id and day for the evidence */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stage(const tk_analysis_options *o, const char *name, double done)
{
    if (o->progress)
        o->progress(o->progress_ctx, name, done);
}

int tk_analysis_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db,
                      "CREATE TABLE IF NOT EXISTS analysis_runs("
                      " id INTEGER PRIMARY KEY,"
                      " first_day INTEGER NOT NULL, last_day INTEGER NOT NULL,"
                      " baseline_first INTEGER NOT NULL, baseline_last INTEGER NOT NULL,"
                      " created_at INTEGER NOT NULL, events INTEGER NOT NULL,"
                      " items INTEGER NOT NULL, options TEXT);"
                      "CREATE TABLE IF NOT EXISTS anomalies("
                      " id INTEGER PRIMARY KEY,"
                      " run_id INTEGER NOT NULL, rank INTEGER NOT NULL,"
                      " entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, day INTEGER,"
                      " score REAL NOT NULL, source TEXT NOT NULL, rule_id TEXT,"
                      " severity TEXT, summary TEXT NOT NULL, explanation TEXT NOT NULL,"
                      " UNIQUE(run_id, rank));",
                      err);
}

int tk_analysis_find_run(tk_db *db, const tk_period *pr, int64_t *run_id, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           pr ? "SELECT id FROM analysis_runs WHERE first_day = ?1 AND"
                                " last_day = ?2 ORDER BY id DESC LIMIT 1"
                              : "SELECT id FROM analysis_runs ORDER BY id DESC LIMIT 1",
                           err);
    if (rc != TK_OK)
        return rc;
    if (pr) {
        sqlite3_bind_int64(st, 1, pr->first_day);
        sqlite3_bind_int64(st, 2, pr->last_day);
    }
    rc = tk_db_step(db, st, err);
    if (rc == 1) {
        *run_id = sqlite3_column_int64(st, 0);
        rc = TK_OK;
    } else if (rc == 0) {
        char buf[32] = "";
        if (pr)
            tk_period_format(pr, buf, sizeof buf);
        rc = tk_error_set(err, TK_ENOTFOUND, "no analysis%s%s yet: run `tenken analyze` first",
                          pr ? " of " : "", buf);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- count models --------------------------------------------------------- */

static double surprise(double p)
{
    if (!(p > 0))
        return 16.0;
    const double s = -log10(p);
    return s < 0 ? 0 : (s > 16 ? 16 : s);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Share-of-history surprise: -log10((1 + #{h >= x}) / (1 + n)) with h sorted. */
static double tail_surprise(const double *sorted, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -log10((double)(1 + n - lo) / (double)(1 + n));
}

struct ctx {
    const tk_userday *s;
    const tk_userday_row *rows;
    size_t nrows;
    tk_period base, per;
    struct rowscore *rs; /* one per row */
    tk_strmap *user_ids; /* user name -> the store's user id */
    tk_baseline_options bopt;
};

static int in(const tk_period *p, int64_t day)
{
    return day >= p->first_day && day <= p->last_day;
}

/* Gamma priors per (所属, feature) from the users' baseline mean rates. */
static int dept_priors(struct ctx *c, tk_baseline_prior **out, size_t *ndept, tk_error *err)
{
    const size_t nd = tk_userday_dept_count(c->s) + 1; /* last slot: no 所属 / everyone */
    tk_baseline_prior *pri = tk_calloc(nd * NS, sizeof *pri);
    double *rates = tk_calloc(c->nrows + 1, sizeof *rates);
    int rc = TK_OK;
    if (pri == NULL || rates == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory fitting priors");
        goto done;
    }
    for (size_t k = 0; k < NS; k++) {
        for (size_t d = 0; d < nd; d++) {
            size_t n = 0;
            double days_sum = 0;
            /* Walk users: rows are sorted by (user, day). */
            for (size_t i = 0; i < c->nrows;) {
                size_t j = i;
                double sum = 0, cnt = 0;
                uint32_t dept = TK_USERDAY_NO_DEPT;
                while (j < c->nrows && c->rows[j].user == c->rows[i].user) {
                    if (in(&c->base, c->rows[j].day)) {
                        sum += c->rows[j].f[scored[k]];
                        cnt++;
                        dept = c->rows[j].dept;
                    }
                    j++;
                }
                const size_t dd = dept == TK_USERDAY_NO_DEPT ? nd - 1 : dept;
                if (cnt >= 5 && (dd == d || d == nd - 1)) {
                    rates[n++] = sum / cnt;
                    days_sum += cnt;
                }
                i = j;
            }
            tk_baseline_prior *p = &pri[d * NS + k];
            if (n >= 2) {
                tk_error e2;
                if (tk_baseline_gamma_prior(rates, n, days_sum / (double)n, &c->bopt, p, &e2) !=
                    TK_OK)
                    memset(p, 0, sizeof *p);
            }
        }
        /* A 所属 without a usable prior falls back to everyone's. */
        for (size_t d = 0; d + 1 < nd; d++) {
            if (pri[d * NS + k].npeers == 0)
                pri[d * NS + k] = pri[(nd - 1) * NS + k];
        }
    }
    *out = pri;
    *ndept = nd;
    pri = NULL;
done:
    tk_free(pri);
    tk_free(rates);
    return rc;
}

static int score_counts(struct ctx *c, tk_error *err)
{
    tk_baseline_prior *pri = NULL;
    size_t nd = 0;
    double *x = tk_calloc(c->nrows + 1, sizeof *x);
    double *today = tk_calloc(c->nrows + 1, sizeof *today);
    int rc = x && today ? TK_OK : tk_error_set(err, TK_ENOMEM, "out of memory scoring");
    if (rc == TK_OK)
        rc = dept_priors(c, &pri, &nd, err);
    for (size_t i = 0; rc == TK_OK && i < c->nrows;) {
        size_t j = i;
        while (j < c->nrows && c->rows[j].user == c->rows[i].user)
            j++;
        for (size_t k = 0; k < NS; k++) {
            size_t n = 0;
            uint32_t dept = TK_USERDAY_NO_DEPT;
            for (size_t r = i; r < j; r++) {
                if (in(&c->base, c->rows[r].day)) {
                    x[n++] = c->rows[r].f[scored[k]];
                    dept = c->rows[r].dept;
                }
            }
            if (dept == TK_USERDAY_NO_DEPT)
                dept = c->rows[j - 1].dept;
            const size_t dd = dept == TK_USERDAY_NO_DEPT || dept >= nd - 1 ? nd - 1 : dept;
            tk_baseline_count m;
            tk_error e2;
            int ok;
            if (pri[dd * NS + k].npeers >= 2)
                ok = tk_baseline_eb_fit(x, n, &pri[dd * NS + k], &c->bopt, &m, &e2) == TK_OK;
            else
                ok = n >= 2 && tk_baseline_count_fit(x, n, &c->bopt, &m, &e2) == TK_OK;
            for (size_t r = i; r < j; r++) {
                struct rowscore *s = &c->rs[r];
                const double v = c->rows[r].f[scored[k]];
                s->p_own[k] = ok ? tk_baseline_count_tail(&m, v) : 1.0;
                s->mean[k] = ok ? m.mean : NAN;
            }
        }
        i = j;
    }
    /* Same-day peers. */
    for (size_t r = 0; rc == TK_OK && r < c->nrows; r++) {
        const size_t *peers;
        const size_t np = tk_userday_peers(c->s, c->rows[r].day, c->rows[r].dept, &peers);
        for (size_t k = 0; k < NS; k++) {
            struct rowscore *s = &c->rs[r];
            s->p_peer[k] = NAN;
            s->peer_med[k] = NAN;
            if (np < 3 || c->rows[r].dept == TK_USERDAY_NO_DEPT)
                continue;
            size_t who = 0;
            for (size_t q = 0; q < np; q++) {
                today[q] = c->rows[peers[q]].f[scored[k]];
                if (peers[q] == r)
                    who = q;
            }
            tk_baseline_peer pz;
            tk_error e2;
            if (tk_baseline_peer_z(today, np, who, &c->bopt, &pz, &e2) == TK_OK) {
                s->p_peer[k] = pz.p;
                s->peer_med[k] = pz.median;
            }
        }
    }
    for (size_t r = 0; rc == TK_OK && r < c->nrows; r++) {
        struct rowscore *s = &c->rs[r];
        double best = 0;
        for (size_t k = 0; k < NS; k++) {
            const double p = isnan(s->p_peer[k]) ? s->p_own[k]
                                                 : tk_baseline_combine_p(s->p_own[k], s->p_peer[k]);
            s->s[k] = surprise(p);
            if (s->s[k] > best)
                best = s->s[k];
        }
        s->feat = fmax(0.0, best - log10((double)NS));
    }
    tk_free(pri);
    tk_free(x);
    tk_free(today);
    return rc;
}

/* ---- multivariate models ---------------------------------------------------- */

static int score_multivariate(struct ctx *c, const tk_analysis_options *o, tk_error *err)
{
    double *X = NULL, *T = NULL, *sc = NULL, *d2 = NULL, *sorted = NULL;
    tk_iforest *f = NULL;
    tk_mahalanobis *md = NULL;
    size_t nb = 0;
    int rc = TK_OK;

    X = tk_calloc(c->nrows * NS + 1, sizeof *X);
    T = tk_calloc(c->nrows * NS + 1, sizeof *T);
    sc = tk_calloc(c->nrows + 1, sizeof *sc);
    d2 = tk_calloc(c->nrows + 1, sizeof *d2);
    sorted = tk_calloc(c->nrows + 1, sizeof *sorted);
    if (!X || !T || !sc || !d2 || !sorted) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory scoring");
        goto done;
    }
    for (size_t r = 0; r < c->nrows; r++) {
        for (size_t k = 0; k < NS; k++)
            X[r * NS + k] = log1p(fmax(0.0, c->rows[r].f[scored[k]]));
        if (in(&c->base, c->rows[r].day)) {
            memcpy(T + nb * NS, X + r * NS, NS * sizeof *T);
            nb++;
        }
    }
    if (nb < 50) {
        /* Too little history for a multivariate model: features alone. */
        goto done;
    }
    tk_iforest_options fo = TK_IFOREST_OPTIONS_INIT;
    fo.trees = o->trees;
    fo.sample_size = o->psi;
    fo.seed = o->seed;
    rc = tk_iforest_create(&f, T, nb, NS, &fo, err);
    if (rc == TK_OK)
        rc = tk_iforest_score(f, X, c->nrows, sc, err);
    if (rc != TK_OK)
        goto done;
    tk_mahalanobis_options mo = TK_MAHALANOBIS_OPTIONS_INIT;
    const int mrc = tk_mahalanobis_create(&md, T, nb, NS, &mo, err);
    if (mrc == TK_OK)
        rc = tk_mahalanobis_score(md, X, c->nrows, d2, NULL, err);
    if (rc != TK_OK)
        goto done;
    /* Empirical tails among the baseline days. */
    for (int pass = 0; pass < 2; pass++) {
        const double *v = pass == 0 ? sc : d2;
        if (pass == 1 && mrc != TK_OK)
            break;
        size_t m = 0;
        for (size_t r = 0; r < c->nrows; r++) {
            if (in(&c->base, c->rows[r].day))
                sorted[m++] = v[r];
        }
        qsort(sorted, m, sizeof *sorted, cmp_double);
        for (size_t r = 0; r < c->nrows; r++) {
            const double t = tail_surprise(sorted, m, v[r]);
            if (pass == 0) {
                c->rs[r].iforest = v[r];
                c->rs[r].r_if = t;
            } else {
                c->rs[r].d2 = v[r];
                c->rs[r].r_md = t;
            }
        }
    }
done:
    tk_iforest_destroy(f);
    tk_mahalanobis_destroy(md);
    tk_free(X);
    tk_free(T);
    tk_free(sc);
    tk_free(d2);
    tk_free(sorted);
    return rc;
}

/* Raw scores and the history-normalised 0-100 score. */
static int normalise(struct ctx *c, tk_error *err)
{
    double *hist = tk_calloc(c->nrows + 1, sizeof *hist);
    if (hist == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory scoring");
    size_t m = 0;
    for (size_t r = 0; r < c->nrows; r++) {
        struct rowscore *s = &c->rs[r];
        s->raw = fmax(s->feat, 0.5 * (s->r_if + s->r_md));
        if (in(&c->base, c->rows[r].day))
            hist[m++] = s->raw;
    }
    qsort(hist, m, sizeof *hist, cmp_double);
    for (size_t r = 0; r < c->nrows; r++) {
        const double t = tail_surprise(hist, m, c->rs[r].raw);
        c->rs[r].score = fmin(100.0, 20.0 * t);
    }
    tk_free(hist);
    return TK_OK;
}

/* ---- items ---------------------------------------------------------------- */

static void item_free(struct item *it)
{
    tk_free(it->entity);
    tk_free(it->summary);
    free(it->explanation); /* json_dumps */
}

static char *dup(const char *s)
{
    return s ? tk_strndup(s, strlen(s)) : NULL;
}

static int cmp_items(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->source != y->source)
        return x->source - y->source;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    const int e = strcmp(x->entity, y->entity);
    if (e != 0)
        return e;
    return strcmp(x->rule_id, y->rule_id);
}

static const char *entity_type(int e)
{
    switch (e) {
    case TK_RULECAT_USER:
        return "user";
    case TK_RULECAT_TERMINAL:
        return "terminal";
    case TK_RULECAT_RESIDENT:
        return "resident";
    default:
        return "system";
    }
}

static int model_item(struct ctx *c, size_t r, struct item *it, tk_error *err)
{
    const tk_userday_row *row = &c->rows[r];
    const struct rowscore *s = &c->rs[r];
    const char *user = tk_userday_user_name(c->s, row->user);
    const char *dept = tk_userday_dept_name(c->s, row->dept);
    size_t order[NS];
    for (size_t k = 0; k < NS; k++)
        order[k] = k;
    for (size_t a = 0; a < NS; a++) { /* top features by surprise */
        for (size_t b = a + 1; b < NS; b++) {
            if (s->s[order[b]] > s->s[order[a]]) {
                const size_t t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
        }
    }
    char day[16];
    tk_period_format_day(row->day, day, sizeof day);
    json_t *ex = json_object();
    json_t *tops = json_array();
    char why[200] = "";
    size_t used = 0;
    for (size_t q = 0; q < 3; q++) {
        const size_t k = order[q];
        if (s->s[k] < 1.0)
            break;
        const tk_userday_feature_info *fi = tk_userday_feature((size_t)scored[k]);
        json_t *o = json_object();
        json_object_set_new(o, "feature", json_string(fi->key));
        json_object_set_new(o, "label", json_string(fi->label));
        json_object_set_new(o, "value", json_real(row->f[scored[k]]));
        if (!isnan(s->mean[k]))
            json_object_set_new(o, "user_baseline_mean", json_real(s->mean[k]));
        if (!isnan(s->peer_med[k]))
            json_object_set_new(o, "peer_median_today", json_real(s->peer_med[k]));
        json_object_set_new(o, "p_own", json_real(s->p_own[k]));
        if (!isnan(s->p_peer[k]))
            json_object_set_new(o, "p_peer", json_real(s->p_peer[k]));
        json_array_append_new(tops, o);
        if (used + 80 < sizeof why) {
            const int w =
                snprintf(why + used, sizeof why - used, "%s%s %.0f（通常 %.1f）", q ? "、" : "",
                         fi->label, row->f[scored[k]], isnan(s->mean[k]) ? 0.0 : s->mean[k]);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    json_object_set_new(ex, "source", json_string("model"));
    json_object_set_new(ex, "user", json_string(user ? user : ""));
    json_object_set_new(ex, "dept", dept ? json_string(dept) : json_null());
    json_object_set_new(ex, "day", json_string(day));
    json_object_set_new(ex, "top_features", tops);
    json_t *comp = json_object();
    json_object_set_new(comp, "feature_surprise", json_real(s->feat));
    json_object_set_new(comp, "iforest_score", json_real(s->iforest));
    json_object_set_new(comp, "iforest_surprise", json_real(s->r_if));
    json_object_set_new(comp, "mahalanobis_d2", json_real(s->d2));
    json_object_set_new(comp, "mahalanobis_surprise", json_real(s->r_md));
    json_object_set_new(comp, "raw", json_real(s->raw));
    json_object_set_new(ex, "components", comp);
    it->explanation = json_dumps(ex, JSON_COMPACT);
    json_decref(ex);
    char sum[400];
    snprintf(sum, sizeof sum, "職員 %s%s%s%s の%sの操作が普段・所属と異なる: %s", user ? user : "?",
             dept ? "（" : "", dept ? dept : "", dept ? "）" : "", day,
             why[0] ? why : "複数の特徴の組合せ");
    it->score = s->score;
    it->source = 1;
    it->day = row->day;
    snprintf(it->entity_type, sizeof it->entity_type, "user");
    it->entity = dup(user ? user : "?");
    it->summary = dup(sum);
    it->evid_user = row->user;
    if (!it->entity || !it->summary || !it->explanation)
        return tk_error_set(err, TK_ENOMEM, "out of memory building results");
    return TK_OK;
}

static int rule_item(struct ctx *c, const tk_rules_finding *f, struct item *it, tk_error *err)
{
    json_error_t je;
    json_t *ex = json_object();
    json_t *detail = f->detail ? json_loads(f->detail, 0, &je) : NULL;
    json_object_set_new(ex, "source", json_string("rule"));
    json_object_set_new(ex, "rule_id", json_string(f->rule_id));
    json_object_set_new(ex, "severity", json_string(tk_rulecat_severity_name(f->severity)));
    json_object_set_new(ex, "rule_severity",
                        json_string(tk_rulecat_severity_name(f->rule_severity)));
    json_object_set_new(ex, "value", json_real(f->value));
    json_object_set_new(ex, "threshold", json_real(f->threshold));
    json_object_set_new(ex, "unit", json_string(f->unit ? f->unit : ""));
    if (f->context)
        json_object_set_new(ex, "context", json_string(f->context));
    if (detail)
        json_object_set_new(ex, "detail", detail);
    json_t *ev = json_array();
    for (size_t i = 0; i < f->nevidence; i++)
        json_array_append_new(ev, json_integer(f->evidence[i]));
    json_object_set_new(ex, "evidence", ev);
    json_object_set_new(ex, "evidence_total", json_integer((json_int_t)f->evidence_total));
    double score = f->score_hint;
    /* Corroboration by the models on the same user-day. */
    const int64_t *uid = f->entity_type == TK_RULECAT_USER
                             ? tk_strmap_get(c->user_ids, f->entity, strlen(f->entity))
                             : NULL;
    const tk_userday_row *row = uid ? tk_userday_find(c->s, (uint32_t)*uid, f->day_to) : NULL;
    if (row != NULL) {
        const struct rowscore *rs = &c->rs[row - c->rows];
        json_object_set_new(ex, "model_score", json_real(rs->score));
        if (rs->score >= 70)
            score = fmin(100.0, score + 5.0);
    }

    char from[16], to[16];
    tk_period_format_day(f->day_from, from, sizeof from);
    tk_period_format_day(f->day_to, to, sizeof to);
    json_object_set_new(ex, "day_from", json_string(from));
    json_object_set_new(ex, "day_to", json_string(to));
    it->explanation = json_dumps(ex, JSON_COMPACT);
    json_decref(ex);
    it->score = score;
    it->source = 0;
    it->day = f->day_to; /* the day the finding was complete */
    snprintf(it->entity_type, sizeof it->entity_type, "%s", entity_type(f->entity_type));
    snprintf(it->rule_id, sizeof it->rule_id, "%s", f->rule_id);
    snprintf(it->severity, sizeof it->severity, "%s", tk_rulecat_severity_name(f->severity));
    it->entity = dup(f->entity);
    it->summary = dup(f->summary);
    it->evid_user = -1;
    if (!it->entity || !it->summary || !it->explanation)
        return tk_error_set(err, TK_ENOMEM, "out of memory building results");
    return TK_OK;
}

/* Adds the event ids of each model item's user-day, loading each day once. */
static int add_model_evidence(tk_db *db, struct item *items, size_t n, tk_error *err)
{
    tk_dayevents *d = NULL;
    int rc = tk_dayevents_create(&d, db, err);
    int64_t loaded = INT64_MIN;
    for (size_t i = 0; rc == TK_OK && i < n; i++) {
        struct item *it = &items[i];
        if (it->source != 1)
            continue;
        if (it->day != loaded) {
            rc = tk_dayevents_load(d, it->day, err);
            loaded = it->day;
        }
        if (rc != TK_OK)
            break;
        json_error_t je;
        json_t *ex = json_loads(it->explanation, 0, &je);
        json_t *ev = json_array();
        const tk_dayevent *rows = tk_dayevents_rows(d);
        size_t total = 0;
        for (size_t k = 0; k < tk_dayevents_count(d); k++) {
            if ((int64_t)rows[k].user != it->evid_user)
                continue;
            if (total++ < MAX_EVID)
                json_array_append_new(ev, json_integer(rows[k].id));
        }
        json_object_set_new(ex, "evidence", ev);
        json_object_set_new(ex, "evidence_total", json_integer((json_int_t)total));
        free(it->explanation);
        it->explanation = json_dumps(ex, JSON_COMPACT);
        json_decref(ex);
        if (it->explanation == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory adding evidence");
    }
    tk_dayevents_destroy(d);
    return rc;
}

static int cmp_item_day(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    return (x->day > y->day) - (x->day < y->day);
}

static int store(tk_db *db, const tk_period *pr, const tk_period *base, int64_t events,
                 struct item *items, size_t n, int64_t *run_id, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_prepare(db, &st,
                       "INSERT INTO analysis_runs(first_day, last_day, baseline_first,"
                       " baseline_last, created_at, events, items) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                       err);
    if (rc != TK_OK)
        goto done;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sqlite3_bind_int64(st, 1, pr->first_day);
    sqlite3_bind_int64(st, 2, pr->last_day);
    sqlite3_bind_int64(st, 3, base->first_day);
    sqlite3_bind_int64(st, 4, base->last_day);
    sqlite3_bind_int64(st, 5, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    sqlite3_bind_int64(st, 6, events);
    sqlite3_bind_int64(st, 7, (int64_t)n);
    rc = tk_db_step(db, st, err);
    sqlite3_finalize(st);
    st = NULL;
    if (rc < 0)
        goto done;
    *run_id = sqlite3_last_insert_rowid(tk_db_handle(db));
    rc = tk_db_prepare(db, &st,
                       "INSERT INTO anomalies(run_id, rank, entity_type, entity_id, day, score,"
                       " source, rule_id, severity, summary, explanation)"
                       " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                       err);
    for (size_t i = 0; rc == TK_OK && i < n; i++) {
        const struct item *it = &items[i];
        sqlite3_bind_int64(st, 1, *run_id);
        sqlite3_bind_int64(st, 2, (int64_t)i + 1);
        sqlite3_bind_text(st, 3, it->entity_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, it->entity, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, it->day);
        sqlite3_bind_double(st, 6, round(it->score * 10) / 10);
        sqlite3_bind_text(st, 7, it->source ? "model" : "rule", -1, SQLITE_STATIC);
        if (it->source == 0)
            sqlite3_bind_text(st, 8, it->rule_id, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 8);
        if (it->severity[0])
            sqlite3_bind_text(st, 9, it->severity, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 9);
        sqlite3_bind_text(st, 10, it->summary, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, it->explanation, -1, SQLITE_STATIC);
        rc = tk_db_step(db, st, err);
        sqlite3_reset(st);
        rc = rc < 0 ? rc : TK_OK;
    }
done:
    sqlite3_finalize(st);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    if (rc != TK_OK)
        tk_db_rollback(db);
    return rc;
}

/* The rule checks share the feature pass's reading of the events. The
 * feature workers hand each day's events to on_day() (any order, several
 * threads), which copies them into a small queue; a thread of its own
 * feeds them to the rules in day order (their windows carry state from
 * day to day) while the features, and then the models, go on. A worker
 * whose day is not the next one the rules need waits while at most one
 * slot is free: that slot is kept for the next day, whose worker never
 * waits, so the queue always drains. */
#define QSLOTS 4

struct qslot {
    int64_t day;
    tk_dayevent *rows;
    size_t n, cap;
    int state; /* 0 free, 1 filled, 2 being evaluated */
};

struct rules_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct qslot slot[QSLOTS];
    int64_t next, last; /* next day the rules take; last day */
    int closed;         /* no more days will come */
    int failed;         /* the rules failed: rc, err */
    tk_rules_pass *pass;
    int rc;
    tk_error err;
    pthread_t thread;
    int started, inited;
};

static int free_slots(const struct rules_job *j)
{
    int k = 0;
    for (int i = 0; i < QSLOTS; i++)
        k += j->slot[i].state == 0;
    return k;
}

static int on_day(void *ctx, int64_t day, const tk_dayevent *rows, size_t n, tk_error *err)
{
    struct rules_job *j = ctx;
    pthread_mutex_lock(&j->mu);
    while (!j->failed && free_slots(j) < (day == j->next ? 1 : 2))
        pthread_cond_wait(&j->cv, &j->mu);
    if (j->failed) {
        pthread_mutex_unlock(&j->mu);
        return tk_error_set(err, TK_EINTERNAL, "the rule checks stopped");
    }
    struct qslot *q = NULL;
    for (int i = 0; q == NULL; i++)
        if (j->slot[i].state == 0)
            q = &j->slot[i];
    q->state = 2; /* reserved while copying, outside the lock */
    pthread_mutex_unlock(&j->mu);
    int rc = TK_OK;
    if (n > q->cap) {
        tk_dayevent *v = tk_realloc(q->rows, n * sizeof *v);
        if (v == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory passing a day to the rule checks");
        else {
            q->rows = v;
            q->cap = n;
        }
    }
    if (rc == TK_OK && n > 0)
        memcpy(q->rows, rows, n * sizeof *rows);
    pthread_mutex_lock(&j->mu);
    q->day = day;
    q->n = n;
    q->state = rc == TK_OK ? 1 : 0;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return rc;
}

static void *rules_main(void *arg)
{
    struct rules_job *j = arg;
    pthread_mutex_lock(&j->mu);
    while (j->next <= j->last) {
        struct qslot *q = NULL;
        for (int i = 0; i < QSLOTS && q == NULL; i++)
            if (j->slot[i].state == 1 && j->slot[i].day == j->next)
                q = &j->slot[i];
        if (q == NULL) {
            if (j->closed)
                break; /* the feature pass failed: no more days */
            pthread_cond_wait(&j->cv, &j->mu);
            continue;
        }
        q->state = 2;
        pthread_mutex_unlock(&j->mu);
        const int rc = tk_rules_feed(j->pass, q->day, q->rows, q->n, &j->err);
        pthread_mutex_lock(&j->mu);
        q->state = 0;
        if (rc != TK_OK) {
            j->rc = rc;
            j->failed = 1;
            pthread_cond_broadcast(&j->cv);
            break;
        }
        j->next++;
        pthread_cond_broadcast(&j->cv);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

static int rules_start(struct rules_job *j, tk_db *db, const tk_mastersnap *ms,
                       const tk_calendar *cal, const tk_period *pr, int64_t first,
                       const tk_rulecat_config *cfg, tk_error *err)
{
    tk_rules_options ro = TK_RULES_OPTIONS_INIT;
    ro.config = cfg;
    ro.baseline_days = pr->first_day - first;
    int rc = tk_rules_begin(&j->pass, db, ms, cal, pr->first_day, pr->last_day, &ro, err);
    if (rc != TK_OK)
        return rc;
    j->next = first;
    j->last = pr->last_day;
    if (pthread_mutex_init(&j->mu, NULL) != 0)
        return tk_error_set(err, TK_EINTERNAL, "cannot create a mutex");
    if (pthread_cond_init(&j->cv, NULL) != 0) {
        pthread_mutex_destroy(&j->mu);
        return tk_error_set(err, TK_EINTERNAL, "cannot create a condition variable");
    }
    j->inited = 1;
    if (pthread_create(&j->thread, NULL, rules_main, j) != 0)
        return tk_error_set(err, TK_EINTERNAL, "cannot start the rule checks' thread");
    j->started = 1;
    return TK_OK;
}

/* Tells the rules thread that no more days come (the feature pass ended). */
static void rules_close(struct rules_job *j)
{
    if (!j->inited)
        return;
    pthread_mutex_lock(&j->mu);
    j->closed = 1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

/* Waits for the rules and hands over their result. */
static int rules_collect(struct rules_job *j, tk_rules_result **out, tk_error *err)
{
    rules_close(j);
    if (j->started) {
        pthread_join(j->thread, NULL);
        j->started = 0;
    }
    if (j->rc != TK_OK) {
        if (err != NULL)
            *err = j->err;
        return j->rc;
    }
    return tk_rules_end(j->pass, out, err);
}

static void rules_dispose(struct rules_job *j)
{
    rules_close(j);
    if (j->started)
        pthread_join(j->thread, NULL);
    if (j->inited) {
        pthread_cond_destroy(&j->cv);
        pthread_mutex_destroy(&j->mu);
    }
    for (int i = 0; i < QSLOTS; i++)
        tk_free(j->slot[i].rows);
    tk_rules_pass_destroy(j->pass);
}

int tk_analysis_run(tk_tenant *t, const tk_period *pr, const tk_analysis_options *opt,
                    tk_analysis_summary *sum, tk_error *err)
{
    static const tk_analysis_options defaults = TK_ANALYSIS_OPTIONS_INIT;
    const tk_analysis_options *o = opt ? opt : &defaults;
    tk_db *db = tk_tenant_db(t);
    tk_mastersnap *ms = NULL;
    tk_calendar *cal = NULL;
    tk_userday *ud = NULL;
    tk_rules_result *rr = NULL;
    struct item *items = NULL;
    size_t nitems = 0;
    struct ctx c;
    struct rules_job job;
    const double t0 = now_s();
    int rc;

    memset(sum, 0, sizeof *sum);
    memset(&c, 0, sizeof c);
    memset(&job, 0, sizeof job);
    c.per = *pr;
    c.base = o->baseline;
    if (c.base.first_day > c.base.last_day) {
        c.base.first_day = pr->first_day - BASE_DAYS;
        c.base.last_day = pr->first_day - 1;
    }
    c.bopt = (tk_baseline_options)TK_BASELINE_OPTIONS_INIT;
    rc = tk_period_check_open(db, pr, err);
    if (rc == TK_OK)
        rc = tk_analysis_migrate(db, err);
    if (rc == TK_OK)
        rc = tk_rules_migrate(db, err);
    if (rc != TK_OK)
        return rc;
    const int64_t first = c.base.first_day < pr->first_day ? c.base.first_day : pr->first_day;
    stage(o, "master data", 0.02);
    rc = tk_mastersnap_load(&ms, t, first, pr->last_day, err);
    if (rc == TK_OK) {
        const tk_calendar_options co = TK_CALENDAR_OPTIONS_INIT;
        rc = tk_calendar_load(&cal, t, &co, err);
    }
    if (rc != TK_OK)
        goto done;
    sum->t_master = now_s() - t0;
    rc = rules_start(&job, db, ms, cal, pr, first, o->rules, err);
    if (rc != TK_OK)
        goto done;
    stage(o, "features and rules", 0.05);
    tk_userday_options uo = TK_USERDAY_OPTIONS_INIT;
    uo.master = ms;
    uo.calendar = cal;
    uo.on_day = on_day;
    uo.on_day_ctx = &job;
    rc = tk_userday_build(&ud, t, first, pr->last_day, &uo, err);
    rules_close(&job);
    if (rc != TK_OK) {
        /* if the rules stopped the pass, theirs is the error to report */
        pthread_mutex_lock(&job.mu);
        if (job.failed) {
            rc = job.rc;
            if (err != NULL)
                *err = job.err;
        }
        pthread_mutex_unlock(&job.mu);
    }
    if (rc == TK_OK)
        rc = tk_userday_save(ud, db, err);
    if (rc != TK_OK)
        goto done;
    c.s = ud;
    c.rows = tk_userday_rows(ud, &c.nrows);
    for (int64_t d = first; d <= pr->last_day; d++)
        sum->events += tk_userday_day_events(ud, d);
    c.rs = tk_calloc(c.nrows + 1, sizeof *c.rs);
    if (c.rs == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory scoring");
        goto done;
    }
    sum->t_features = now_s() - t0 - sum->t_master;
    stage(o, "baselines", 0.40);
    rc = score_counts(&c, err);
    stage(o, "isolation forest and distance", 0.55);
    if (rc == TK_OK)
        rc = score_multivariate(&c, o, err);
    if (rc == TK_OK)
        rc = normalise(&c, err);
    if (rc != TK_OK)
        goto done;
    sum->t_models = now_s() - t0 - sum->t_master - sum->t_features;
    stage(o, "rules", 0.65);
    rc = rules_collect(&job, &rr, err);
    if (rc != TK_OK)
        goto done;
    sum->t_rules = tk_rules_result_stats(rr)->seconds;
    sum->t_wait = now_s() - t0 - sum->t_master - sum->t_features - sum->t_models;
    stage(o, "ranking", 0.90);
    const size_t nf = tk_rules_result_count(rr);
    size_t nm = 0;
    for (size_t r = 0; r < c.nrows; r++) {
        if (in(&c.per, c.rows[r].day)) {
            sum->user_days++;
            if (c.rs[r].score >= o->min_model_score)
                nm++;
        }
    }
    rc = tk_strmap_create(&c.user_ids, err);
    for (size_t r = 0; rc == TK_OK && r < c.nrows; r++) {
        const char *u = tk_userday_user_name(ud, c.rows[r].user);
        if (u != NULL && (r == 0 || c.rows[r - 1].user != c.rows[r].user))
            rc = tk_strmap_put(c.user_ids, u, strlen(u), c.rows[r].user, NULL, err);
    }
    if (rc != TK_OK)
        goto done;
    items = tk_calloc(nf + nm + 1, sizeof *items);
    if (items == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory building results");
        goto done;
    }
    for (size_t i = 0; rc == TK_OK && i < nf; i++)
        rc = rule_item(&c, tk_rules_result_at(rr, i), &items[nitems++], err);
    for (size_t r = 0; rc == TK_OK && r < c.nrows; r++) {
        if (in(&c.per, c.rows[r].day) && c.rs[r].score >= o->min_model_score)
            rc = model_item(&c, r, &items[nitems++], err);
    }
    if (rc == TK_OK) {
        qsort(items, nitems, sizeof *items, cmp_item_day);
        rc = add_model_evidence(db, items, nitems, err);
    }
    if (rc != TK_OK)
        goto done;
    qsort(items, nitems, sizeof *items, cmp_items);
    rc = store(db, pr, &c.base, sum->events, items, nitems, &sum->run_id, err);
    if (rc == TK_OK)
        rc = tk_rules_save(rr, db, sum->run_id, err);
    sum->findings = nf;
    sum->model_items = nm;
    sum->seconds = now_s() - t0;
    sum->t_ranking = sum->seconds - sum->t_master - sum->t_features - sum->t_models - sum->t_wait;
    stage(o, "done", 1.0);
done:
    for (size_t i = 0; i < nitems; i++)
        item_free(&items[i]);
    tk_free(items);
    tk_free(c.rs);
    tk_strmap_destroy(c.user_ids);
    tk_rules_result_destroy(rr);
    rules_dispose(&job);
    tk_userday_destroy(ud);
    tk_calendar_destroy(cal);
    tk_mastersnap_destroy(ms);
    return rc;
}
