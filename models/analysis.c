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
 *    rule, summary) and stored with its explanation and evidence event ids.
 *
 * Order independence: the same events give the same list, scores,
 * explanations and evidence whatever order their files were uploaded in.
 * The store numbers users, terminals, residents and events in upload
 * order, so nothing here orders, samples or breaks a tie by those ids:
 * days come sorted by content (features/dayevents.h), feature rows by
 * user and terminal name (features/userday.h), and per-entity results
 * that feed one another (the 所属's season) are computed from the same
 * inputs before any is applied. */
#include "models/analysis.h"

#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "features/dayevents.h"
#include "features/userday.h"
#include "models/anomalies.h"
#include "models/answers.h"
#include "models/meeting.h"
#include "models/baseline.h"
#include "models/casescore.h"
#include "models/evidence.h"
#include "models/iforest.h"
#include "models/mahalanobis.h"
#include "models/rules.h"
#include "models/suppress.h"
#include "models/tod.h"
#include "src/alloc.h"
#include "src/calendar.h"
#include "src/mastersnap.h"
#include "src/strmap.h"
#include "src/timefmt.h"

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
#define NS       (sizeof scored / sizeof scored[0])
#define MAX_EVID 50

/* A user's fitted count model per scored feature. */
struct umodel {
    tk_baseline_count m[NS];
    unsigned char ok[NS];
};

/* A user's result over a window of days (the period, or a window of the
 * baseline of the same length). */
struct pscore {
    int valid;           /* enough active days in the window */
    const char *kenmu;   /* a 兼務 of the user during the window (its 所属), or NULL */
    uint32_t dept;       /* 所属 on the window's last active day */
    double days;         /* active days used (the top day of each feature left out) */
    double total[NS];    /* the window's total, the largest day left out */
    double expect[NS];   /* the model's expectation of it, times the season */
    double season[NS];   /* the 所属's season: expect over the member's own (1: none) */
    double seasoned[NS]; /* expect with the season applied (score_window's scratch) */
    double z[NS], p_own[NS], s[NS];
    double raw, score;
};

/* Terminal-day features the terminal model scores: users, failed
 * logons, unapproved removable media and operations without a logon
 * session -- what is about the terminal rather than its user. Volume
 * follows the person at the terminal (the users' model scores it), and
 * work outside hours and approved media are left to the users' model and
 * the rules, which know the overtime orders and the media ledger. */
static const int tscored[] = {
    TK_USERDAY_TERM_DISTINCT_USERS,    TK_USERDAY_TERM_LOGON_FAILURES,
    TK_USERDAY_TERM_FAILURE_USERS,     TK_USERDAY_TERM_UNAPPROVED_MEDIA_EVENTS,
    TK_USERDAY_TERM_NO_SESSION_EVENTS,
};
#define NT (sizeof tscored / sizeof tscored[0])

/* Per terminal-day model results. */
struct termscore {
    double s[NT], p_own[NT], p_peer[NT], mean[NT], peer_med[NT];
    double raw, score;
};

/* Continuous user-day features, scored with a robust location and scale
 * (median / MAD) instead of a count model; upper tails: the longest logon
 * session (an account kept open for a shift, shared), the share of
 * residents looked up and never processed, and the largest single print
 * or export. */
static const int cscored[] = {
    TK_USERDAY_LONGEST_SESSION_MINUTES,
    TK_USERDAY_LOOKUP_ONLY_SHARE,
    TK_USERDAY_MAX_OUTPUT_RECORDS,
};
#define NC (sizeof cscored / sizeof cscored[0])
#define NF (NS + NC) /* per-row arrays: NS count features, then NC continuous ones */

static int feat_id(size_t k)
{
    return k < NS ? scored[k] : cscored[k - NS];
}

/* Per-row model results. */
struct rowscore {
    double raw;   /* combined raw surprise */
    double feat;  /* feature surprise (Bonferroni-corrected) */
    double s[NF]; /* per-feature surprise */
    double p_own[NF];
    double p_peer[NF];
    double mean[NF]; /* the user's model mean (continuous: robust median) */
    double peer_med[NF];
    double s_tod; /* time-of-day surprise (Bonferroni-corrected with the features) */
    double tod_p, tod_phi, tod_hour_count, tod_hour_expected;
    int tod_hour;   /* the most surprising hour, or -1 */
    double iforest; /* raw isolation-forest score */
    double d2;      /* squared Mahalanobis distance */
    double r_if, r_md;
    double
        dept_level; /* the 所属's raw score that day above its usual (normalise), taken off raw */
    double score;   /* 0-100 */
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
    int64_t evid_user; /* model items: user id (or terminal id) and day for the evidence */
    int64_t evid_term; /* >= 0: the evidence is the terminal's events, not the user's */
    int64_t evid_day;
    /* What grouping into cases and their scores read (see "cases" below). */
    int64_t from, to;   /* the finding's days; a period item's are the period's */
    int sev;            /* a rule finding's severity (TK_RULECAT_*), 0 for a model item */
    double ratio;       /* a rule finding's value / threshold (0 when not past it) */
    double model_score; /* a rule finding's user-day as the models score it, or -1 */
    int rel;            /* +1 look-up only with no business relationship, -1 processing or
                           caseload, 0 not known (detail.relationship of the finding) */
    double chance;      /* a rule finding's expected count by chance for its member
                           (detail.span_chance, else detail.chance), 0 when none */
    double habit;       /* the share of the member's baseline days with the pattern
                           (detail.habit), 0 when the rule does not give it */
    const char *dept;   /* the finding's 所属 (borrowed from the features), or NULL */
    int explained;      /* a rule finding that master data lowered (its context: an approved
                           medium in hours, an overtime order) */
    /* A case (the stored item): its days and the rules among its findings. */
    int64_t first, last;
    size_t days, nfindings;
    char rules[160]; /* ",R01,R12,": every rule among its findings */
};

/* The day of a period-level item (stored as NULL). */
#define PERIOD_ITEM TK_ANOMALIES_PERIOD_ITEM

/* Items one resident-level finding becomes at most (one per member of
 * staff it names). */
#define MAX_CASE_USERS 8

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

/* 1 if the caller cancelled the run. */
static int is_cancelled(const tk_analysis_options *o)
{
    return o->cancelled != NULL && o->cancelled(o->cancel_ctx);
}

/* TK_ECANCELLED with its message if the caller cancelled the run. */
static int check_cancel(const tk_analysis_options *o, tk_error *err)
{
    return is_cancelled(o) ? tk_error_set(err, TK_ECANCELLED, "the analysis was cancelled") : TK_OK;
}

int tk_analysis_migrate(tk_db *db, tk_error *err)
{
    int has = 0;
    int rc = tk_db_exec(db,
                        "CREATE TABLE IF NOT EXISTS analysis_runs("
                        " id INTEGER PRIMARY KEY,"
                        " first_day INTEGER NOT NULL, last_day INTEGER NOT NULL,"
                        " baseline_first INTEGER NOT NULL, baseline_last INTEGER NOT NULL,"
                        " created_at INTEGER NOT NULL, events INTEGER NOT NULL,"
                        " items INTEGER NOT NULL, options TEXT, notes TEXT);"
                        "CREATE TABLE IF NOT EXISTS anomalies("
                        " id INTEGER PRIMARY KEY,"
                        " run_id INTEGER NOT NULL, rank INTEGER NOT NULL,"
                        " entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, day INTEGER,"
                        " score REAL NOT NULL, source TEXT NOT NULL, rule_id TEXT,"
                        " severity TEXT, summary TEXT NOT NULL,"
                        " UNIQUE(run_id, rank));"
                        /* Explanations (2 KB on average, up to tens of KB) in a
                         * table of their own: a list reads many items and no
                         * explanation, and a row's later columns sit behind
                         * its long values (overflow pages). */
                        "CREATE TABLE IF NOT EXISTS anomaly_explanations("
                        " id INTEGER PRIMARY KEY," /* the item's anomalies.id */
                        " explanation TEXT NOT NULL);",
                        err);
    /* Stores written before runs kept notes (R29 log gaps, missing master data). */
    if (rc == TK_OK)
        rc = tk_db_has_column(db, "analysis_runs", "notes", &has, err);
    if (rc == TK_OK && !has)
        rc = tk_db_exec(db, "ALTER TABLE analysis_runs ADD COLUMN notes TEXT", err);
    /* Stores written before items were cases: their rows read as cases of
     * one finding (models/anomalies fills the missing values in). */
    if (rc == TK_OK)
        rc = tk_db_has_column(db, "anomalies", "first_day", &has, err);
    if (rc == TK_OK && !has)
        rc = tk_db_exec(db,
                        "ALTER TABLE anomalies ADD COLUMN first_day INTEGER;"
                        "ALTER TABLE anomalies ADD COLUMN last_day INTEGER;"
                        "ALTER TABLE anomalies ADD COLUMN days INTEGER;"
                        "ALTER TABLE anomalies ADD COLUMN rules TEXT;"
                        "ALTER TABLE anomalies ADD COLUMN findings INTEGER",
                        err);
    /* Stores written before the explanations had their own table: each
     * moves to it, and the items are copied into a table without them (a
     * dropped column would leave every item on a page of its own). */
    if (rc == TK_OK)
        rc = tk_db_has_column(db, "anomalies", "explanation", &has, err);
    if (rc == TK_OK && has)
        rc = tk_db_exec(
            db,
            "INSERT INTO anomaly_explanations(id, explanation)"
            " SELECT id, explanation FROM anomalies ORDER BY id;"
            "CREATE TABLE anomalies_v12("
            " id INTEGER PRIMARY KEY,"
            " run_id INTEGER NOT NULL, rank INTEGER NOT NULL,"
            " entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, day INTEGER,"
            " score REAL NOT NULL, source TEXT NOT NULL, rule_id TEXT,"
            " severity TEXT, summary TEXT NOT NULL, first_day INTEGER, last_day INTEGER,"
            " days INTEGER, rules TEXT, findings INTEGER, UNIQUE(run_id, rank));"
            "INSERT INTO anomalies_v12 SELECT id, run_id, rank, entity_type, entity_id, day,"
            " score, source, rule_id, severity, summary, first_day, last_day, days, rules,"
            " findings FROM anomalies ORDER BY id;"
            "DROP TABLE anomalies;"
            "ALTER TABLE anomalies_v12 RENAME TO anomalies",
            err);
    if (rc == TK_OK)
        rc = tk_db_has_column(db, "analysis_runs", "started_by", &has, err);
    if (rc == TK_OK && !has)
        rc = tk_db_exec(db, "ALTER TABLE analysis_runs ADD COLUMN started_by TEXT", err);
    if (rc == TK_OK)
        rc = tk_anomalies_migrate(db, err);
    return rc;
}

/* Every table above src/, in dependency order. */
static const tk_tenant_migrate_fn migrate_fns[] = {
    tk_userday_migrate,  tk_rulecat_migrate,   tk_rules_migrate,   tk_analysis_migrate,
    tk_suppress_migrate, tk_bsettings_migrate, tk_answers_migrate, tk_meeting_migrate};
static const tk_tenant_migrations migrations = {migrate_fns,
                                                sizeof migrate_fns / sizeof migrate_fns[0]};

const tk_tenant_migrations *tk_analysis_migrations(void)
{
    return &migrations;
}

int tk_analysis_open_tenant(tk_tenant **out, const char *data_dir, const char *name, int flags,
                            tk_error *err)
{
    return tk_tenant_open_ex(out, data_dir, name, flags, &migrations, err);
}

int tk_analysis_create_tenant(tk_tenant **out, const char *data_dir, const char *name,
                              tk_error *err)
{
    return tk_tenant_create_ex(out, data_dir, name, &migrations, err);
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
    /* Per user (a run of rows): the fitted count models, and the period
     * results (score_periods). */
    const tk_mastersnap *ms; /* master data of the baseline and the period */
    tk_baseline_prior *pri;  /* per (所属, feature): npri x NS */
    size_t npri;
    size_t nruns;
    size_t *run_first;  /* first row of each run; nruns + 1 entries */
    struct umodel *um;  /* nruns */
    struct pscore *ps;  /* nruns: the period's user-period results */
    size_t period_refs; /* baseline user-windows the period scores are normalised on */
    const tk_userday_term_row *trows; /* terminal-days, sorted by (terminal, day) */
    size_t ntrows;
    struct termscore *ts; /* one per terminal-day */
    uint32_t *kdept;      /* per row: the 所属 of a 兼務 that day (kenmu_depts), or NO_DEPT */
    double phi[NS];       /* per feature: dispersion of window totals (score_periods) */
    /* Per terminal (a run of terminal rows): the fitted count models, the
     * priors, and the terminal-period results. */
    size_t ntruns;
    size_t *trun_first;      /* ntruns + 1 entries */
    struct umodel *tm;       /* ntruns; the first NT models are used */
    tk_baseline_prior *tpri; /* per (所属, feature): npri x NT */
    struct pscore *tps;      /* ntruns */
    size_t tperiod_refs;
    double tphi[NS];
};

/* The slot of 所属 dept in per-所属 tables of nd slots, whose last slot is
 * "no 所属 / everyone". */
static size_t dept_slot(uint32_t dept, size_t nd)
{
    return (size_t)dept < nd - 1 ? (size_t)dept : nd - 1;
}

static int in(const tk_period *p, int64_t day)
{
    return day >= p->first_day && day <= p->last_day;
}

/* 1 if user (the store's id) is a training account in training on day
 * (master data `training`): what a trainee does is no one's normal. */
static int in_training(const struct ctx *c, uint32_t user, int64_t day)
{
    const char *name = tk_userday_user_name(c->s, user);
    return c->ms != NULL && name != NULL &&
           tk_mastersnap_check_training(c->ms, name, strlen(name), day, NULL);
}

/* The 所属 of a 兼務 of user (the store's id) that master data assignments
 * give for a day of [from, to], or NULL. */
static const char *assignment_of(const struct ctx *c, uint32_t user, int64_t from, int64_t to)
{
    const char *name = tk_userday_user_name(c->s, user);
    tk_mastersnap_staff st;
    if (c->ms == NULL || name == NULL ||
        !tk_mastersnap_find_staff(c->ms, name, strlen(name), to, &st))
        return NULL;
    const tk_mastersnap_assignment *a;
    const size_t n = tk_mastersnap_assignments(c->ms, st.staff_id, strlen(st.staff_id), to, &a);
    for (size_t i = 0; i < n; i++)
        if (a[i].from <= to && a[i].to >= from)
            return a[i].dept;
    return NULL;
}

/* The 所属 of a 兼務 of user (the store's id) covering a day of [from, to]
 * ("研修" for a training account in training then), or NULL: work for
 * another 所属 (an election, a busy season) or training, which the master
 * data approves, changes what the user does for weeks. */
static const char *kenmu_of(const struct ctx *c, uint32_t user, int64_t from, int64_t to)
{
    const char *k = assignment_of(c, user, from, to);
    for (int64_t d = from; k == NULL && d <= to; d++)
        if (in_training(c, user, d))
            k = "研修";
    return k;
}

/* Per user-day row: the 所属 of a 兼務 (master data assignments) that
 * covers its day, when it is not the user's own that day, else NO_DEPT.
 * On such a day the member works for two 所属, and the same-day peer tests
 * and the time-of-day model judge the day against either (the more
 * ordinary wins): an information-systems clerk looking up voters all
 * day on election duty is ordinary among the election staff. */
static int kenmu_depts(struct ctx *c, tk_error *err)
{
    c->kdept = tk_calloc(c->nrows + 1, sizeof *c->kdept);
    if (c->kdept == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory reading assignments");
    for (size_t r = 0; r < c->nrows; r++) {
        const tk_userday_row *row = &c->rows[r];
        c->kdept[r] = TK_USERDAY_NO_DEPT;
        const char *k = assignment_of(c, row->user, row->day, row->day);
        if (k == NULL)
            continue;
        const uint32_t d = tk_userday_dept_find(c->s, k, strlen(k));
        if (d != row->dept)
            c->kdept[r] = d;
    }
    return TK_OK;
}

/* The same-day peer test of row r's value of feature fi (an index of
 * row->f) among the members of its 兼務 所属 at work that day (x: scratch
 * of nrows + 1): the upper-tail p, the others' median in *med; NAN when the
 * row has no 兼務 that day, no value, or fewer than 2 such members have one. */
static double kenmu_peer_p(const struct ctx *c, size_t r, size_t fi, double *x, double *med)
{
    const double v = c->rows[r].f[fi];
    if (c->kdept[r] == TK_USERDAY_NO_DEPT || isnan(v))
        return NAN;
    const size_t *peers;
    const size_t np = tk_userday_peers(c->s, c->rows[r].day, c->kdept[r], &peers);
    size_t m = 0;
    for (size_t q = 0; q < np; q++) {
        const double w = c->rows[peers[q]].f[fi];
        if (peers[q] != r && !isnan(w))
            x[m++] = w;
    }
    x[m++] = v;
    tk_baseline_peer pz;
    tk_error e2;
    if (m < 3 || tk_baseline_peer_z(x, m, m - 1, &c->bopt, &pz, &e2) != TK_OK)
        return NAN;
    *med = pz.median;
    return pz.p;
}

/* Row r's p_peer and peer_med of feature k (an index of rowscore's
 * arrays; fi its index of row->f) after the 兼務 所属's test, when that is
 * the more ordinary. */
static void kenmu_peer(const struct ctx *c, size_t r, size_t k, size_t fi, double *x)
{
    double med = NAN;
    const double p = kenmu_peer_p(c, r, fi, x, &med);
    struct rowscore *s = &c->rs[r];
    if (!isnan(p) && (isnan(s->p_peer[k]) || p > s->p_peer[k])) {
        s->p_peer[k] = p;
        s->peer_med[k] = med;
    }
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
                const size_t dd = dept_slot(dept, nd);
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

/* Fits the count model of feature k to the baseline days of the user
 * whose rows are [i, j), leaving out the days [skip_from, skip_to] (none
 * when skip_from > skip_to), under the 所属's prior. x is scratch of at
 * least j - i values. Returns 1 and *m, or 0 (no usable history). */
static int fit_user(const struct ctx *c, size_t i, size_t j, size_t k, int64_t skip_from,
                    int64_t skip_to, double *x, tk_baseline_count *m)
{
    size_t n = 0;
    uint32_t dept = TK_USERDAY_NO_DEPT;
    for (size_t r = i; r < j; r++) {
        const int64_t d = c->rows[r].day;
        if (in(&c->base, d) && !(d >= skip_from && d <= skip_to)) {
            x[n++] = c->rows[r].f[scored[k]];
            dept = c->rows[r].dept;
        }
    }
    if (dept == TK_USERDAY_NO_DEPT)
        dept = c->rows[j - 1].dept;
    const size_t nd = c->npri;
    const size_t dd = dept_slot(dept, nd);
    tk_error e2;
    if (c->pri[dd * NS + k].npeers >= 2)
        return tk_baseline_eb_fit(x, n, &c->pri[dd * NS + k], &c->bopt, m, &e2) == TK_OK;
    return n >= 2 && tk_baseline_count_fit(x, n, &c->bopt, m, &e2) == TK_OK;
}

static int score_counts(struct ctx *c, tk_error *err)
{
    double *x = tk_calloc(c->nrows + 1, sizeof *x);
    double *today = tk_calloc(c->nrows + 1, sizeof *today);
    size_t run = 0;
    c->run_first = tk_calloc(c->nrows + 2, sizeof *c->run_first);
    c->um = tk_calloc(c->nrows + 1, sizeof *c->um);
    int rc = x && today && c->run_first && c->um
                 ? TK_OK
                 : tk_error_set(err, TK_ENOMEM, "out of memory scoring");
    if (rc == TK_OK)
        rc = dept_priors(c, &c->pri, &c->npri, err);
    for (size_t i = 0; rc == TK_OK && i < c->nrows;) {
        size_t j = i;
        while (j < c->nrows && c->rows[j].user == c->rows[i].user)
            j++;
        for (size_t k = 0; k < NS; k++) {
            tk_baseline_count m;
            const int ok = fit_user(c, i, j, k, 1, 0, x, &m);
            for (size_t r = i; r < j; r++) {
                struct rowscore *s = &c->rs[r];
                const double v = c->rows[r].f[scored[k]];
                s->p_own[k] = ok ? tk_baseline_count_tail(&m, v) : 1.0;
                s->mean[k] = ok ? m.mean : NAN;
            }
            c->um[run].ok[k] = (unsigned char)ok;
            if (ok)
                c->um[run].m[k] = m;
        }
        c->run_first[run++] = i;
        i = j;
    }
    c->run_first[run] = c->nrows;
    c->nruns = run;
    /* Same-day peers. */
    for (size_t r = 0; rc == TK_OK && r < c->nrows; r++) {
        const size_t *peers;
        const size_t np = tk_userday_peers(c->s, c->rows[r].day, c->rows[r].dept, &peers);
        for (size_t k = 0; k < NS; k++) {
            struct rowscore *s = &c->rs[r];
            s->p_peer[k] = NAN;
            s->peer_med[k] = NAN;
            if (np >= 3 && c->rows[r].dept != TK_USERDAY_NO_DEPT) {
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
            kenmu_peer(c, r, k, (size_t)scored[k], today);
        }
    }
    /* per-feature surprises; score_tod() forms the day's feature surprise */
    for (size_t r = 0; rc == TK_OK && r < c->nrows; r++) {
        struct rowscore *s = &c->rs[r];
        for (size_t k = 0; k < NS; k++) {
            const double p = isnan(s->p_peer[k]) ? s->p_own[k]
                                                 : tk_baseline_combine_p(s->p_own[k], s->p_peer[k]);
            s->s[k] = surprise(p);
        }
    }
    tk_free(x);
    tk_free(today);
    return rc;
}

/* ---- continuous features ------------------------------------------------------ */

/* For each continuous feature: a robust baseline per 所属 from its
 * members' baseline days, each user's own median / MAD shrunk towards it
 * (a short history leans on the 所属), and the same-day peers' robust z;
 * upper-tail normal probabilities of the robust z, combined as for counts.
 * A day without a value (no lookups: no share) is not surprising. */
static int score_continuous(struct ctx *c, tk_error *err)
{
    const size_t nd = tk_userday_dept_count(c->s) + 1;
    tk_baseline_robust *dep = tk_calloc(nd * NC, sizeof *dep);
    unsigned char *dep_ok = tk_calloc(nd * NC, 1);
    double *x = tk_calloc(c->nrows + 1, sizeof *x);
    int rc =
        dep && dep_ok && x ? TK_OK : tk_error_set(err, TK_ENOMEM, "out of memory scoring features");
    for (size_t k = 0; rc == TK_OK && k < NC; k++) {
        for (size_t d = 0; d < nd; d++) {
            size_t n = 0;
            for (size_t r = 0; r < c->nrows; r++) {
                const tk_userday_row *row = &c->rows[r];
                const size_t rd = dept_slot(row->dept, nd);
                const double v = row->f[cscored[k]];
                if (in(&c->base, row->day) && !isnan(v) && (rd == d || d == nd - 1))
                    x[n++] = v;
            }
            tk_error e2;
            dep_ok[d * NC + k] =
                n >= 10 && tk_baseline_robust_fit(x, n, &c->bopt, &dep[d * NC + k], &e2) == TK_OK;
        }
        for (size_t d = 0; d + 1 < nd; d++)
            if (!dep_ok[d * NC + k] && dep_ok[(nd - 1) * NC + k]) {
                dep[d * NC + k] = dep[(nd - 1) * NC + k];
                dep_ok[d * NC + k] = 1;
            }
    }
    for (size_t u = 0; rc == TK_OK && u < c->nruns; u++) {
        const size_t i = c->run_first[u], j = c->run_first[u + 1];
        const uint32_t dept = c->rows[j - 1].dept;
        const size_t d = dept_slot(dept, nd);
        for (size_t k = 0; k < NC; k++) {
            size_t n = 0;
            for (size_t r = i; r < j; r++) {
                const double v = c->rows[r].f[cscored[k]];
                if (in(&c->base, c->rows[r].day) && !isnan(v))
                    x[n++] = v;
            }
            tk_baseline_robust rob;
            tk_error e2;
            const int ok =
                dep_ok[d * NC + k] && tk_baseline_robust_eb_fit(n ? x : NULL, n, &dep[d * NC + k],
                                                                &c->bopt, &rob, &e2) == TK_OK;
            for (size_t r = i; r < j; r++) {
                struct rowscore *q = &c->rs[r];
                const double v = c->rows[r].f[cscored[k]];
                q->p_own[NS + k] =
                    ok && !isnan(v) ? gsl_cdf_ugaussian_Q(tk_baseline_robust_z(&rob, v)) : 1.0;
                q->mean[NS + k] = ok ? rob.median : NAN;
                q->p_peer[NS + k] = NAN;
                q->peer_med[NS + k] = NAN;
            }
        }
    }
    /* Same-day peers. */
    for (size_t r = 0; rc == TK_OK && r < c->nrows; r++) {
        const size_t *peers;
        const size_t np = tk_userday_peers(c->s, c->rows[r].day, c->rows[r].dept, &peers);
        const int own = np >= 3 && c->rows[r].dept != TK_USERDAY_NO_DEPT;
        for (size_t k = 0; k < NC; k++) {
            size_t m = 0, who = SIZE_MAX;
            for (size_t q = 0; own && q < np; q++) {
                const double v = c->rows[peers[q]].f[cscored[k]];
                if (isnan(v))
                    continue;
                if (peers[q] == r)
                    who = m;
                x[m++] = v;
            }
            tk_baseline_peer pz;
            tk_error e2;
            if (m >= 3 && who != SIZE_MAX &&
                tk_baseline_peer_z(x, m, who, &c->bopt, &pz, &e2) == TK_OK) {
                c->rs[r].p_peer[NS + k] = pz.p;
                c->rs[r].peer_med[NS + k] = pz.median;
            }
            kenmu_peer(c, r, NS + k, (size_t)cscored[k], x);
        }
    }
    for (size_t r = 0; rc == TK_OK && r < c->nrows; r++) {
        struct rowscore *q = &c->rs[r];
        for (size_t k = NS; k < NF; k++) {
            const double p = isnan(q->p_peer[k]) ? q->p_own[k]
                                                 : tk_baseline_combine_p(q->p_own[k], q->p_peer[k]);
            q->s[k] = surprise(p);
        }
    }
    tk_free(dep);
    tk_free(dep_ok);
    tk_free(x);
    return rc;
}

/* ---- time of day ------------------------------------------------------------- */

/* Each user's time-of-day profile (the baseline days' hourly business
 * operations, smoothed towards the 所属's) and dispersion (how bursty the
 * user's days are, shrunk towards the 所属's median: models/tod.h); every
 * user-day is scored against them. A user without baseline days has no
 * profile and no time-of-day surprise. */
/* 1 if the day's most surprising hour lies outside office hours and the
 * user's work outside hours that day is mostly covered by an approved
 * overtime order (時間外勤務命令): master data explains the deviation. */
static int tod_approved(const tk_userday_row *row, const tk_tod_result *tr)
{
    if (tr->hour == TK_TOD_NO_HOUR || (tr->hour >= 8 && tr->hour < 17))
        return 0;
    const double *f = row->f;
    const double approved =
        (f[TK_USERDAY_AFTER_HOURS_EVENTS] - f[TK_USERDAY_AFTER_HOURS_UNAPPROVED]) +
        (f[TK_USERDAY_CLOSED_DAY_EVENTS] - f[TK_USERDAY_CLOSED_DAY_UNAPPROVED]);
    const double unapproved =
        f[TK_USERDAY_AFTER_HOURS_UNAPPROVED] + f[TK_USERDAY_CLOSED_DAY_UNAPPROVED];
    return approved > 0 && approved >= 0.5 * tr->hour_count && unapproved < 0.5 * tr->hour_count;
}

static int score_tod(struct ctx *c, tk_error *err)
{
    const tk_tod_options to = TK_TOD_OPTIONS_INIT;
    const size_t nd = tk_userday_dept_count(c->s) + 1;
    double *dept_h = tk_calloc(nd * TK_TOD_HOURS, sizeof *dept_h);
    double *days = tk_calloc((c->nrows + 1) * TK_TOD_HOURS, sizeof *days);
    double *phi_own = tk_calloc(c->nruns + 1, sizeof *phi_own);
    double *dept_phi = tk_calloc(nd, sizeof *dept_phi);
    double *tmp = tk_calloc(c->nruns + 1, sizeof *tmp);
    tk_tod_profile *kprof = tk_calloc(nd, sizeof *kprof);
    unsigned char *kprof_ok = tk_calloc(nd, 1);
    int rc = dept_h && days && phi_own && dept_phi && tmp && kprof && kprof_ok
                 ? TK_OK
                 : tk_error_set(err, TK_ENOMEM, "out of memory scoring times of day");
    for (size_t r = 0; rc == TK_OK && r < c->nrows; r++) {
        c->rs[r].tod_p = 1.0;
        c->rs[r].tod_hour = -1;
        const tk_userday_row *row = &c->rows[r];
        if (!in(&c->base, row->day))
            continue;
        const size_t d = dept_slot(row->dept, nd);
        for (size_t h = 0; h < TK_TOD_HOURS; h++)
            dept_h[d * TK_TOD_HOURS + h] += row->hist[h];
    }
    /* Each 所属's own hours, for its 兼務 members (kenmu_depts). */
    for (size_t d = 0; rc == TK_OK && d + 1 < nd; d++) {
        double tot = 0;
        for (size_t h = 0; h < TK_TOD_HOURS; h++)
            tot += dept_h[d * TK_TOD_HOURS + h];
        tk_error e2;
        kprof_ok[d] =
            tot > 0 && tk_tod_fit(dept_h + d * TK_TOD_HOURS, NULL, &to, &kprof[d], &e2) == TK_OK;
    }
    /* Two passes: the users' own dispersions give each 所属's median, which
     * is the prior of its members with few usable days. */
    for (int pass = 0; rc == TK_OK && pass < 2; pass++) {
        for (size_t u = 0; rc == TK_OK && u < c->nruns; u++) {
            double user[TK_TOD_HOURS] = {0};
            size_t n = 0;
            uint32_t dept = TK_USERDAY_NO_DEPT;
            for (size_t r = c->run_first[u]; r < c->run_first[u + 1]; r++) {
                const tk_userday_row *row = &c->rows[r];
                if (!in(&c->base, row->day))
                    continue;
                memcpy(days + n * TK_TOD_HOURS, row->hist, sizeof row->hist);
                for (size_t h = 0; h < TK_TOD_HOURS; h++)
                    user[h] += row->hist[h];
                dept = row->dept;
                n++;
            }
            if (n == 0)
                continue;
            const size_t d = dept_slot(dept, nd);
            double peer[TK_TOD_HOURS], tot = 0;
            for (size_t h = 0; h < TK_TOD_HOURS; h++)
                tot += peer[h] = dept_h[d * TK_TOD_HOURS + h];
            tk_tod_profile prof;
            tk_tod_dispersion disp;
            tk_error e2;
            if (tk_tod_fit(user, tot > 0 ? peer : NULL, &to, &prof, &e2) != TK_OK)
                continue;
            const double prior =
                pass == 0 ? 1.0 : (dept_phi[d] > 0 ? dept_phi[d] : dept_phi[nd - 1]);
            if (tk_tod_dispersion_fit(&prof, days, n, prior > 1 ? prior : 1.0, &to, &disp, &e2) !=
                TK_OK)
                continue;
            if (pass == 0) {
                phi_own[u] = disp.days_used >= 10 ? disp.phi_own : 0;
                continue;
            }
            for (size_t r = c->run_first[u]; r < c->run_first[u + 1]; r++) {
                tk_tod_result tr;
                if (tk_tod_score_phi(&prof, c->rows[r].hist, disp.phi, &to, &tr, &e2) != TK_OK)
                    continue;
                struct rowscore *rs = &c->rs[r];
                if (tod_approved(&c->rows[r], &tr))
                    continue; /* the odd hours are covered by an overtime order */
                double phi = disp.phi;
                /* on a 兼務 day, the 兼務 所属's hours if they fit the day better */
                const uint32_t kd = c->kdept[r];
                if (kd != TK_USERDAY_NO_DEPT && kprof_ok[dept_slot(kd, nd)]) {
                    const size_t ks = dept_slot(kd, nd);
                    const double kphi =
                        fmin(TK_TOD_PHI_MAX,
                             fmax(1.0, dept_phi[ks] > 0 ? dept_phi[ks] : dept_phi[nd - 1]));
                    tk_tod_result kr;
                    if (tk_tod_score_phi(&kprof[ks], c->rows[r].hist, kphi, &to, &kr, &e2) ==
                            TK_OK &&
                        kr.p > tr.p) {
                        tr = kr;
                        phi = kphi;
                    }
                }
                rs->tod_p = tr.p;
                rs->tod_phi = phi;
                rs->tod_hour = tr.hour == TK_TOD_NO_HOUR ? -1 : (int)tr.hour;
                rs->tod_hour_count = tr.hour_count;
                rs->tod_hour_expected = tr.hour_expected;
            }
        }
        if (pass == 0) {
            /* the 所属's median dispersion; the last slot: everyone's */
            for (size_t d = 0; d < nd; d++) {
                size_t m = 0;
                for (size_t u = 0; u < c->nruns; u++) {
                    const tk_userday_row *row = &c->rows[c->run_first[u + 1] - 1];
                    const size_t ud = dept_slot(row->dept, nd);
                    if (phi_own[u] > 0 && (ud == d || d == nd - 1))
                        tmp[m++] = phi_own[u];
                }
                if (m > 0) {
                    qsort(tmp, m, sizeof *tmp, cmp_double);
                    dept_phi[d] = tmp[m / 2];
                }
            }
        }
    }
    tk_free(dept_h);
    tk_free(days);
    tk_free(phi_own);
    tk_free(dept_phi);
    tk_free(tmp);
    tk_free(kprof);
    tk_free(kprof_ok);
    /* The day's feature surprise: the largest of the count and continuous
     * features' and the time of day's, Bonferroni-corrected for NF + 1
     * tests. */
    for (size_t r = 0; rc == TK_OK && r < c->nrows; r++) {
        struct rowscore *q = &c->rs[r];
        double best = surprise(q->tod_p);
        q->s_tod = best;
        for (size_t k = 0; k < NF; k++)
            best = fmax(best, q->s[k]);
        q->feat = fmax(0.0, best - log10((double)NF + 1.0));
    }
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
    fo.threads = o->threads > 0 ? (size_t)o->threads : 0;
    rc = check_cancel(o, err);
    if (rc == TK_OK)
        rc = tk_iforest_create(&f, T, nb, NS, &fo, err);
    if (rc == TK_OK)
        rc = check_cancel(o, err);
    if (rc == TK_OK)
        rc = tk_iforest_score(f, X, c->nrows, sc, err);
    if (rc == TK_OK)
        rc = check_cancel(o, err);
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

/* The quantile of the baseline's 所属-day levels above which a level is
 * unusual (normalise). */
#define DEPT_LEVEL_USUAL 0.9

/* The 所属's level on the day of row r: the median of the undamped raw
 * scores own[] of the other members of its 所属 at work that day, or 0
 * when the user has no 所属 or works alone. tmp is scratch of nrows. */
static double dept_day_level(const struct ctx *c, size_t r, const double *own, double *tmp)
{
    if (c->rows[r].dept == TK_USERDAY_NO_DEPT)
        return 0;
    const size_t *peers;
    const size_t np = tk_userday_peers(c->s, c->rows[r].day, c->rows[r].dept, &peers);
    size_t m = 0;
    for (size_t q = 0; q < np; q++)
        if (peers[q] != r)
            tmp[m++] = own[peers[q]];
    if (m == 0)
        return 0;
    qsort(tmp, m, sizeof *tmp, cmp_double);
    return m % 2 ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
}

/* Raw scores and the history-normalised 0-100 score.
 *
 * A day on which the whole 所属 works unusually (the election staff at
 * the 期日前投票所 on a weekend: 100 look-ups against a usual 6-13, until
 * 20:00) is not an anomaly of each of its members. The same-day peer
 * probability of the count features cannot see it when fewer than three
 * members are at work, and the time of day and the multivariate models
 * have no peer term at all; so the day's raw score is taken less the
 * 所属's level that day (dept_day_level: the median raw score of the
 * other members at work, leave-one-out). A member far above busy
 * colleagues keeps the difference; a member alone at work, or in a 所属
 * at its usual level, loses little. Every row is treated alike, baseline
 * days included, so the normalisation below compares like with like. */
static int normalise(struct ctx *c, tk_error *err)
{
    double *hist = tk_calloc(c->nrows + 1, sizeof *hist);
    double *own = tk_calloc(c->nrows + 1, sizeof *own);
    double *tmp = tk_calloc(c->nrows + 1, sizeof *tmp);
    if (hist == NULL || own == NULL || tmp == NULL) {
        tk_free(hist);
        tk_free(own);
        tk_free(tmp);
        return tk_error_set(err, TK_ENOMEM, "out of memory scoring");
    }
    for (size_t r = 0; r < c->nrows; r++)
        own[r] = fmax(c->rs[r].feat, 0.5 * (c->rs[r].r_if + c->rs[r].r_md));
    size_t m = 0;
    for (size_t r = 0; r < c->nrows; r++) {
        c->rs[r].dept_level = dept_day_level(c, r, own, tmp);
        if (in(&c->base, c->rows[r].day))
            hist[m++] = c->rs[r].dept_level;
    }
    /* Only a level above the usual is taken off: the 所属's level on an
     * ordinary day is the noise of its members' days, and taking it off
     * every day would only compress the scale. */
    qsort(hist, m, sizeof *hist, cmp_double);
    const double usual = m ? hist[(size_t)((double)(m - 1) * DEPT_LEVEL_USUAL)] : 0;
    m = 0;
    for (size_t r = 0; r < c->nrows; r++) {
        struct rowscore *s = &c->rs[r];
        s->dept_level = fmax(0.0, s->dept_level - usual);
        s->raw = fmax(0.0, own[r] - s->dept_level);
        if (in(&c->base, c->rows[r].day))
            hist[m++] = s->raw;
    }
    tk_free(own);
    tk_free(tmp);
    qsort(hist, m, sizeof *hist, cmp_double);
    for (size_t r = 0; r < c->nrows; r++) {
        const double t = tail_surprise(hist, m, c->rs[r].raw);
        c->rs[r].score = fmin(100.0, 20.0 * t);
    }
    tk_free(hist);
    return TK_OK;
}

/* ---- terminal-days ------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Terminal-days are scored like user-days, on the features above: each
 * terminal's baseline days fit a Poisson / negative-binomial model under a
 * Gamma prior from the terminals of its 所属 (a new or rarely used terminal
 * leans on them), the 所属's other terminals that day give the peer
 * probability, and the largest surprise less log10(NT) is the raw score,
 * normalised against the baseline terminal-days as for users. */
static int score_terminals(struct ctx *c, tk_error *err)
{
    const size_t nd = tk_userday_dept_count(c->s) + 1, n = c->ntrows;
    tk_baseline_prior *pri = tk_calloc(nd * NT, sizeof *pri);
    double *x = tk_calloc(n + 1, sizeof *x);
    double *rates = tk_calloc(n + 1, sizeof *rates);
    uint64_t *key = tk_calloc(n + 1, sizeof *key);
    c->ts = tk_calloc(n + 1, sizeof *c->ts);
    int rc = pri && x && rates && key && c->ts
                 ? TK_OK
                 : tk_error_set(err, TK_ENOMEM, "out of memory scoring terminals");
    /* Priors per (所属, feature) from the terminals' baseline rates. */
    for (size_t k = 0; rc == TK_OK && k < NT; k++) {
        for (size_t d = 0; d < nd; d++) {
            size_t m = 0;
            double days = 0;
            for (size_t i = 0; i < n;) {
                size_t j = i;
                double sum = 0, cnt = 0;
                while (j < n && c->trows[j].terminal == c->trows[i].terminal) {
                    if (in(&c->base, c->trows[j].day)) {
                        sum += c->trows[j].f[tscored[k]];
                        cnt++;
                    }
                    j++;
                }
                if (cnt >= 5 && (dept_slot(c->trows[j - 1].dept, nd) == d || d == nd - 1)) {
                    rates[m++] = sum / cnt;
                    days += cnt;
                }
                i = j;
            }
            tk_error e2;
            if (m < 2 || tk_baseline_gamma_prior(rates, m, days / (double)m, &c->bopt,
                                                 &pri[d * NT + k], &e2) != TK_OK)
                memset(&pri[d * NT + k], 0, sizeof pri[0]);
        }
        for (size_t d = 0; d + 1 < nd; d++)
            if (pri[d * NT + k].npeers == 0)
                pri[d * NT + k] = pri[(nd - 1) * NT + k];
    }
    /* Each terminal's own model. */
    c->trun_first = tk_calloc(n + 2, sizeof *c->trun_first);
    c->tm = tk_calloc(n + 1, sizeof *c->tm);
    if (rc == TK_OK && (c->trun_first == NULL || c->tm == NULL))
        rc = tk_error_set(err, TK_ENOMEM, "out of memory scoring terminals");
    c->ntruns = 0;
    for (size_t i = 0; rc == TK_OK && i < n;) {
        size_t j = i;
        while (j < n && c->trows[j].terminal == c->trows[i].terminal)
            j++;
        c->trun_first[c->ntruns++] = i;
        c->trun_first[c->ntruns] = j;
        const size_t d = dept_slot(c->trows[j - 1].dept, nd);
        for (size_t k = 0; k < NT; k++) {
            size_t m = 0;
            for (size_t r = i; r < j; r++)
                if (in(&c->base, c->trows[r].day))
                    x[m++] = c->trows[r].f[tscored[k]];
            tk_baseline_count mod;
            tk_error e2;
            const int ok =
                pri[d * NT + k].npeers >= 2
                    ? tk_baseline_eb_fit(x, m, &pri[d * NT + k], &c->bopt, &mod, &e2) == TK_OK
                    : m >= 2 && tk_baseline_count_fit(x, m, &c->bopt, &mod, &e2) == TK_OK;
            c->tm[c->ntruns - 1].ok[k] = (unsigned char)ok;
            if (ok)
                c->tm[c->ntruns - 1].m[k] = mod;
            for (size_t r = i; r < j; r++) {
                c->ts[r].p_own[k] =
                    ok ? tk_baseline_count_tail(&mod, c->trows[r].f[tscored[k]]) : 1;
                c->ts[r].mean[k] = ok ? mod.mean : NAN;
                c->ts[r].p_peer[k] = NAN;
                c->ts[r].peer_med[k] = NAN;
            }
        }
        i = j;
    }
    /* Same-day peers: the terminals of the 所属 that day. */
    for (size_t r = 0; r < n; r++)
        key[r] = (uint64_t)(c->trows[r].day - c->base.first_day + 1) << 40 |
                 (uint64_t)dept_slot(c->trows[r].dept, nd) << 24 | (uint64_t)r;
    if (rc == TK_OK && n > 1) {
        /* (day, 所属, row) keys: r < 2^24 terminal-days per analysis */
        if (n >= (1u << 24) || nd > 0xFFFF)
            rc = tk_error_set(err, TK_ERANGE, "too many terminal-days to score");
        else
            qsort(key, n, sizeof *key, cmp_u64);
    }
    for (size_t i = 0; rc == TK_OK && i < n;) {
        size_t j = i;
        while (j < n && key[j] >> 24 == key[i] >> 24)
            j++;
        const size_t np = j - i;
        const int has_dept = (key[i] >> 24 & 0xFFFF) != nd - 1;
        for (size_t k = 0; has_dept && np >= 3 && k < NT; k++) {
            for (size_t q = 0; q < np; q++)
                rates[q] = c->trows[key[i + q] & 0xFFFFFF].f[tscored[k]];
            for (size_t q = 0; q < np; q++) {
                tk_baseline_peer pz;
                tk_error e2;
                struct termscore *t = &c->ts[key[i + q] & 0xFFFFFF];
                if (tk_baseline_peer_z(rates, np, q, &c->bopt, &pz, &e2) == TK_OK) {
                    t->p_peer[k] = pz.p;
                    t->peer_med[k] = pz.median;
                }
            }
        }
        i = j;
    }
    /* Raw scores and their rarity among the baseline terminal-days. */
    size_t m = 0;
    for (size_t r = 0; rc == TK_OK && r < n; r++) {
        struct termscore *t = &c->ts[r];
        double best = 0;
        for (size_t k = 0; k < NT; k++) {
            const double p = isnan(t->p_peer[k]) ? t->p_own[k]
                                                 : tk_baseline_combine_p(t->p_own[k], t->p_peer[k]);
            t->s[k] = surprise(p);
            best = fmax(best, t->s[k]);
        }
        t->raw = fmax(0.0, best - log10((double)NT));
        if (in(&c->base, c->trows[r].day))
            x[m++] = t->raw;
    }
    if (rc == TK_OK) {
        qsort(x, m, sizeof *x, cmp_double);
        for (size_t r = 0; r < n; r++)
            c->ts[r].score = m >= 50 ? fmin(100.0, 20.0 * tail_surprise(x, m, c->ts[r].raw)) : 0;
    }
    c->tpri = pri;
    tk_free(x);
    tk_free(rates);
    tk_free(key);
    return rc;
}

/* ---- user-period scores ------------------------------------------------------ */

/* A user's period is compared with the user's own count models and with
 * the 所属's members over the same days. Each feature's total over the
 * window leaves out the user's largest day of that feature, so one
 * extreme day (already a day item) does not make a period item: what is
 * left is a deviation sustained over several days. Under the user's
 * model a sum of n independent days is Poisson(n mean) or, for a
 * negative binomial, NB(n size, prob). The same statistic over the
 * baseline windows of the period's length (one every WIN_STEP days) is the
 * history the period's 0-100 score is normalised on, as for days. */
#define WIN_STEP        7
#define MIN_WINDOW_DAYS 5  /* active days a user needs in a window */
#define MIN_PERIOD_REFS 50 /* user-windows of history needed for period scores */
#define MIN_EXCESS      10 /* events above expectation a period feature needs to count */

/* 1 if user run u kept one 所属 from the first baseline day to `to` and
 * was past the first MIN_TENURE days of employment when the window starts
 * at `from`: a transfer or a new hire (master data) changes what a person
 * does for months, which their own history cannot foresee. */
#define MIN_TENURE 60
static int settled(const struct ctx *c, size_t u, int64_t from, int64_t to)
{
    const size_t last = c->run_first[u + 1] - 1;
    uint32_t dept = TK_USERDAY_NO_DEPT;
    for (size_t r = c->run_first[u]; r <= last && c->rows[r].day <= to; r++) {
        const tk_userday_row *row = &c->rows[r];
        if (row->day < c->base.first_day)
            continue;
        if (dept != TK_USERDAY_NO_DEPT && row->dept != dept)
            return 0;
        dept = row->dept;
        if (row->day >= from && row->tenure_days >= 0 &&
            row->tenure_days - (row->day - from) < MIN_TENURE)
            return 0;
    }
    return 1;
}

/* A kind of entity scored over windows of days: users or terminals. */
struct series {
    size_t n;            /* entities (runs of rows) */
    const size_t *first; /* n + 1: each run's first row */
    size_t nf;           /* features, at most NS */
    double (*value)(const struct ctx *c, size_t row, size_t k);
    int64_t (*day)(const struct ctx *c, size_t row);
    uint32_t (*dept)(const struct ctx *c, size_t row);
    /* The entity's model of feature k, fitted without the days [from, to];
     * with from > to the model of the whole baseline. 1, or 0: none. */
    int (*fit)(const struct ctx *c, size_t u, size_t k, int64_t from, int64_t to, double *x,
               tk_baseline_count *m);
    /* 0 if the entity is not scored on the window. */
    int (*eligible)(const struct ctx *c, size_t u, int64_t from, int64_t to);
    /* Master data that explains the period, or NULL (period window only). */
    const char *(*legit)(const struct ctx *c, size_t u, int64_t from, int64_t to);
};

static double user_value(const struct ctx *c, size_t r, size_t k)
{
    return fmax(0.0, c->rows[r].f[scored[k]]);
}

static int64_t user_day(const struct ctx *c, size_t r)
{
    return c->rows[r].day;
}

static uint32_t user_dept(const struct ctx *c, size_t r)
{
    return c->rows[r].dept;
}

static int user_fit(const struct ctx *c, size_t u, size_t k, int64_t from, int64_t to, double *x,
                    tk_baseline_count *m)
{
    if (from > to) {
        if (!c->um[u].ok[k])
            return 0;
        *m = c->um[u].m[k];
        return 1;
    }
    return fit_user(c, c->run_first[u], c->run_first[u + 1], k, from, to, x, m);
}

static const char *user_legit(const struct ctx *c, size_t u, int64_t from, int64_t to)
{
    return kenmu_of(c, c->rows[c->run_first[u]].user, from, to);
}

static double term_value(const struct ctx *c, size_t r, size_t k)
{
    return fmax(0.0, c->trows[r].f[tscored[k]]);
}

static int64_t term_day(const struct ctx *c, size_t r)
{
    return c->trows[r].day;
}

static uint32_t term_dept(const struct ctx *c, size_t r)
{
    return c->trows[r].dept;
}

static int term_fit(const struct ctx *c, size_t u, size_t k, int64_t from, int64_t to, double *x,
                    tk_baseline_count *m)
{
    if (from > to) {
        if (!c->tm[u].ok[k])
            return 0;
        *m = c->tm[u].m[k];
        return 1;
    }
    const size_t nd = tk_userday_dept_count(c->s) + 1;
    const size_t i = c->trun_first[u], j = c->trun_first[u + 1];
    size_t n = 0;
    for (size_t r = i; r < j; r++) {
        const int64_t d = c->trows[r].day;
        if (in(&c->base, d) && !(d >= from && d <= to))
            x[n++] = c->trows[r].f[tscored[k]];
    }
    const tk_baseline_prior *pr = &c->tpri[dept_slot(c->trows[j - 1].dept, nd) * NT + k];
    tk_error e2;
    if (pr->npeers >= 2)
        return tk_baseline_eb_fit(x, n, pr, &c->bopt, m, &e2) == TK_OK;
    return n >= 2 && tk_baseline_count_fit(x, n, &c->bopt, m, &e2) == TK_OK;
}

/* A terminal is scored on a window if it kept one 所属 from the first
 * baseline day and was registered on every day it was used: an
 * unregistered or moved terminal is the rules' matter (R21, R20). */
static int term_eligible(const struct ctx *c, size_t u, int64_t from, int64_t to)
{
    (void)from;
    uint32_t dept = TK_USERDAY_NO_DEPT;
    for (size_t r = c->trun_first[u]; r < c->trun_first[u + 1] && c->trows[r].day <= to; r++) {
        const tk_userday_term_row *row = &c->trows[r];
        if (row->day < c->base.first_day)
            continue;
        if (!row->registered || (dept != TK_USERDAY_NO_DEPT && row->dept != dept))
            return 0;
        dept = row->dept;
    }
    return 1;
}

static int score_window(struct ctx *c, const struct series *se, int64_t from, int64_t to,
                        struct pscore *out, double *rates, size_t *who, double *x)
{
    /* A window of the baseline is scored against models fitted without
     * it, as the period is: in-sample fits would make history look tamer
     * than any period. */
    const int refit = from <= c->base.last_day;
    memset(out, 0, se->n * sizeof *out);
    for (size_t u = 0; u < se->n; u++) {
        struct pscore *p = &out[u];
        size_t n = 0;
        double mx[NS];
        for (size_t k = 0; k < se->nf; k++)
            mx[k] = 0;
        for (size_t r = se->first[u]; r < se->first[u + 1]; r++) {
            const int64_t d = se->day(c, r);
            if (d < from || d > to)
                continue;
            n++;
            p->dept = se->dept(c, r);
            for (size_t k = 0; k < se->nf; k++) {
                const double v = se->value(c, r, k);
                p->total[k] += v;
                mx[k] = fmax(mx[k], v);
            }
        }
        if (n < MIN_WINDOW_DAYS + 1 || !se->eligible(c, u, from, to))
            continue;
        p->valid = 1;
        if (!refit && se->legit)
            p->kenmu = se->legit(c, u, from, to);
        p->days = (double)(n - 1);
        for (size_t k = 0; k < se->nf; k++) {
            p->total[k] -= mx[k];
            p->p_own[k] = 1.0;
            p->expect[k] = NAN;
            p->season[k] = 1.0;
            tk_baseline_count m;
            if (se->fit(c, u, k, refit ? from : 1, refit ? to : 0, x, &m))
                p->expect[k] = m.mean * p->days;
        }
    }
    /* The 所属's season (tk_baseline_season: the other members' work over
     * the same days against their own expectations, at least 3 of them),
     * so a busy season raises every member's expectation. The period's
     * members are also given the reading of a season as work shared alike;
     * the history's windows, the reference a period's rarity is measured
     * against, keep the factor alone: given it too, the baseline's busy
     * seasons turn ordinary, the history's tail thins, and every other
     * member's period scores higher (the election staff's own odd weeks
     * among them). A period's score is thus never above what the factor
     * alone gives. Every season is
     * taken from the models' expectations before any is applied: applying
     * them as they are found would give a member the seasons of the
     * members before it, which depends on the order of the store's user
     * ids, that is on the order the logs were uploaded in. */
    const size_t n = se->n;
    double *ot = rates + n, *oe = rates + 2 * n, *od = rates + 3 * n;
    for (size_t u = 0; u < n; u++) {
        struct pscore *p = &out[u];
        if (!p->valid)
            continue;
        size_t np = 0;
        for (size_t v = 0; v < n && p->dept != TK_USERDAY_NO_DEPT; v++)
            if (v != u && out[v].valid && out[v].dept == p->dept)
                who[np++] = v;
        for (size_t k = 0; k < se->nf; k++) {
            p->seasoned[k] = p->expect[k];
            if (isnan(p->expect[k]))
                continue;
            size_t m = 0;
            for (size_t q = 0; q < np; q++) {
                const struct pscore *o = &out[who[q]];
                if (!isnan(o->expect[k])) {
                    ot[m] = o->total[k];
                    oe[m] = o->expect[k];
                    od[m++] = o->days;
                }
            }
            p->seasoned[k] =
                tk_baseline_season(ot, oe, od, m, p->expect[k], p->days, !refit, rates);
        }
    }
    for (size_t u = 0; u < n; u++)
        for (size_t k = 0; out[u].valid && k < se->nf; k++) {
            struct pscore *p = &out[u];
            if (p->expect[k] > 0)
                p->season[k] = p->seasoned[k] / p->expect[k];
            p->expect[k] = p->seasoned[k];
        }
    return TK_OK;
}

/* The z of a window's total T against its expectation E with the
 * feature's dispersion phi: (T - E) / sqrt(phi (E + 1)). */
static double window_z(double t, double e, double phi)
{
    return (t - e) / sqrt(phi * (e + 1.0));
}

/* Fills p's per-feature p-values and surprises and its raw score. */
static void window_raw(struct pscore *p, const double *phi, size_t nf)
{
    double best = 0;
    for (size_t k = 0; k < nf; k++) {
        p->p_own[k] = 1.0;
        p->s[k] = 0;
        /* a handful of events over weeks is not a sustained deviation */
        if (isnan(p->expect[k]) || p->total[k] - p->expect[k] < MIN_EXCESS)
            continue;
        p->z[k] = window_z(p->total[k], p->expect[k], phi[k]);
        p->p_own[k] = gsl_cdf_ugaussian_Q(p->z[k]);
        p->s[k] = surprise(p->p_own[k]);
        best = fmax(best, p->s[k]);
    }
    p->raw = fmax(0.0, best - log10((double)nf));
}

/* Scores every entity of se over the period (*out: se->n results, owned
 * by the caller) against the same statistic over the baseline's windows
 * of the period's length; fills phi[0..nf) and *refs. */
static int score_periods(struct ctx *c, const struct series *se, struct pscore **out, double *phi,
                         size_t *refs, tk_error *err)
{
    const int64_t len = c->per.last_day - c->per.first_day + 1;
    const size_t nrows = se->n ? se->first[se->n] : 0;
    size_t nwin = 0;
    for (int64_t end = c->base.last_day; end - len + 1 >= c->base.first_day; end -= WIN_STEP)
        nwin++;
    struct pscore *w = tk_calloc(nwin * se->n + 1, sizeof *w);
    double *rates = tk_calloc(4 * se->n + 1, sizeof *rates); /* scratch of score_window */
    size_t *who = tk_calloc(se->n + 1, sizeof *who);
    double *x = tk_calloc(nrows + 1, sizeof *x);
    double *hist = tk_calloc(nwin * se->n + 1, sizeof *hist);
    size_t nh = 0;
    int rc = TK_OK;
    *out = tk_calloc(se->n + 1, sizeof **out);
    if (!w || !rates || !who || !x || !hist || !*out) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory scoring periods");
        goto done;
    }
    size_t j = 0;
    for (int64_t end = c->base.last_day; j < nwin; end -= WIN_STEP, j++)
        score_window(c, se, end - len + 1, end, w + j * se->n, rates, who, x);
    score_window(c, se, c->per.first_day, c->per.last_day, *out, rates, who, x);
    /* Each feature's dispersion: how far the history's windows stray from
     * their expectations, robustly (the median of the squared standardised
     * deviations over the median of chi-square(1)), never below 1. Days of
     * one person are not independent (a caseload lasts weeks), so this is
     * far above the Poisson 1. */
    for (size_t k = 0; k < se->nf; k++) {
        size_t m = 0;
        for (size_t i = 0; i < nwin * se->n; i++) {
            const struct pscore *p = &w[i];
            if (p->valid && !isnan(p->expect[k]) && p->expect[k] >= 1.0)
                hist[m++] = (p->total[k] - p->expect[k]) * (p->total[k] - p->expect[k]) /
                            (p->expect[k] + 1.0);
        }
        phi[k] = 1.0;
        if (m >= MIN_PERIOD_REFS) {
            qsort(hist, m, sizeof *hist, cmp_double);
            phi[k] = fmax(1.0, hist[m / 2] / 0.45493642311957);
        }
    }
    for (size_t i = 0; i < nwin * se->n; i++) {
        if (w[i].valid) {
            window_raw(&w[i], phi, se->nf);
            hist[nh++] = w[i].raw;
        }
    }
    *refs = nh;
    if (nh > 1)
        qsort(hist, nh, sizeof *hist, cmp_double);
    for (size_t u = 0; u < se->n; u++) {
        struct pscore *p = &(*out)[u];
        p->score = 0;
        if (!p->valid)
            continue;
        window_raw(p, phi, se->nf);
        if (nh >= MIN_PERIOD_REFS)
            p->score = fmin(100.0, 20.0 * tail_surprise(hist, nh, p->raw));
    }
done:
    tk_free(w);
    tk_free(rates);
    tk_free(who);
    tk_free(x);
    tk_free(hist);
    return rc;
}

static int score_user_periods(struct ctx *c, tk_error *err)
{
    const struct series se = {c->nruns,  c->run_first, NS,      user_value, user_day,
                              user_dept, user_fit,     settled, user_legit};
    return score_periods(c, &se, &c->ps, c->phi, &c->period_refs, err);
}

static int score_terminal_periods(struct ctx *c, tk_error *err)
{
    const struct series se = {c->ntruns, c->trun_first, NT,  term_value, term_day, term_dept,
                              term_fit,  term_eligible, NULL};
    return score_periods(c, &se, &c->tps, c->tphi, &c->tperiod_refs, err);
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

/* "職員 123456（市民課）" or "職員 123456 ": an entity as it precedes a
 * particle in a summary. A closing bracket needs no space before the
 * particle; a bare id does. */
static void who_text(char *buf, size_t cap, const char *kind, const char *name, const char *dept)
{
    if (dept != NULL)
        snprintf(buf, cap, "%s %s（%s）", kind, name ? name : "?", dept);
    else
        snprintf(buf, cap, "%s %s ", kind, name ? name : "?");
}

/* A 0-100 score as it is listed: one decimal, never -0.0. */
static double score1(double x)
{
    return round(x * 10) / 10 + 0.0;
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
    int e = strcmp(x->entity, y->entity);
    if (e == 0)
        e = strcmp(x->rule_id, y->rule_id);
    if (e == 0)
        e = strcmp(x->entity_type, y->entity_type);
    /* Two findings of one rule about one member of staff on one day (two
     * residents): by what they say, never by the order they were found
     * in, which follows the store's ids. */
    if (e == 0)
        e = strcmp(x->summary ? x->summary : "", y->summary ? y->summary : "");
    return e;
}

/* order[0..n) = 0..n-1 sorted by s[] descending (stable: ties keep the
 * feature order). n is small (at most NF). */
static void order_by(const double *s, size_t n, size_t *order)
{
    for (size_t k = 0; k < n; k++)
        order[k] = k;
    for (size_t a = 1; a < n; a++) {
        const size_t v = order[a];
        size_t b = a;
        while (b > 0 && s[order[b - 1]] < s[v]) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = v;
    }
}

/* Fills a model item: takes ex (its explanation; freed), copies the
 * rest. */
static int model_fill(struct item *it, json_t *ex, const char *sum, double score, int64_t day,
                      const char *etype, const char *entity, int64_t evid_user, int64_t evid_term,
                      int64_t evid_day, tk_error *err)
{
    it->explanation = json_dumps(ex, JSON_COMPACT);
    json_decref(ex);
    it->score = score;
    it->source = 1;
    it->day = day;
    snprintf(it->entity_type, sizeof it->entity_type, "%s", etype);
    it->entity = dup(entity);
    it->summary = dup(sum);
    it->evid_user = evid_user;
    it->evid_term = evid_term;
    it->evid_day = evid_day;
    it->from = day;
    it->to = day;
    it->model_score = -1;
    if (!it->entity || !it->summary || !it->explanation)
        return tk_error_set(err, TK_ENOMEM, "out of memory building results");
    return TK_OK;
}

static int model_item(struct ctx *c, size_t r, struct item *it, tk_error *err)
{
    const tk_userday_row *row = &c->rows[r];
    const struct rowscore *s = &c->rs[r];
    const char *user = tk_userday_user_name(c->s, row->user);
    const char *dept = tk_userday_dept_name(c->s, row->dept);
    size_t order[NF];
    order_by(s->s, NF, order);
    char day[16];
    tk_period_format_day(row->day, day, sizeof day);
    json_t *ex = json_object();
    json_t *tops = json_array();
    char why[280] = "";
    size_t used = 0;
    if (s->tod_hour >= 0) {
        json_t *t = json_object();
        json_object_set_new(t, "p", json_real(s->tod_p));
        json_object_set_new(t, "dispersion", json_real(s->tod_phi));
        json_object_set_new(t, "hour", json_integer(s->tod_hour));
        json_object_set_new(t, "hour_events", json_real(s->tod_hour_count));
        json_object_set_new(t, "hour_expected", json_real(s->tod_hour_expected));
        json_object_set_new(ex, "time_of_day", t);
    }
    if (s->s_tod >= 1.0 && s->tod_hour >= 0 && s->s_tod >= s->s[order[0]]) {
        const int w = snprintf(why, sizeof why, "%02d時台の操作 %.0f件（通常 %.1f件）", s->tod_hour,
                               s->tod_hour_count, s->tod_hour_expected);
        used = w > 0 ? (size_t)w : 0;
    }
    for (size_t q = 0; q < 3; q++) {
        const size_t k = order[q];
        if (s->s[k] < 1.0)
            break;
        const tk_userday_feature_info *fi = tk_userday_feature((size_t)feat_id(k));
        json_t *o = json_object();
        json_object_set_new(o, "feature", json_string(fi->key));
        json_object_set_new(o, "label", json_string(fi->label));
        json_object_set_new(o, "value", json_real(row->f[feat_id(k)]));
        if (!isnan(s->mean[k]))
            json_object_set_new(o, k < NS ? "user_baseline_mean" : "user_baseline_median",
                                json_real(s->mean[k]));
        if (!isnan(s->peer_med[k]))
            json_object_set_new(o, "peer_median_today", json_real(s->peer_med[k]));
        json_object_set_new(o, "p_own", json_real(s->p_own[k]));
        if (!isnan(s->p_peer[k]))
            json_object_set_new(o, "p_peer", json_real(s->p_peer[k]));
        json_array_append_new(tops, o);
        if (used + 80 < sizeof why) {
            const int w = snprintf(why + used, sizeof why - used,
                                   k < NS ? "%s%s %.0f（通常 %.1f）" : "%s%s %.2g（通常 %.2g）",
                                   used ? "、" : "", fi->label, row->f[feat_id(k)],
                                   isnan(s->mean[k]) ? 0.0 : s->mean[k]);
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
    json_object_set_new(comp, "time_of_day_surprise", json_real(s->s_tod));
    json_object_set_new(comp, "iforest_score", json_real(s->iforest));
    json_object_set_new(comp, "iforest_surprise", json_real(s->r_if));
    json_object_set_new(comp, "mahalanobis_d2", json_real(s->d2));
    json_object_set_new(comp, "mahalanobis_surprise", json_real(s->r_md));
    if (s->dept_level > 0)
        json_object_set_new(comp, "dept_day_level", json_real(s->dept_level));
    json_object_set_new(comp, "raw", json_real(s->raw));
    json_object_set_new(ex, "components", comp);
    char sum[400], who[160];
    who_text(who, sizeof who, "職員", user, dept);
    snprintf(sum, sizeof sum, "%sの%sの操作が普段・所属と異なる: %s", who, day,
             why[0] ? why : "複数の特徴の組合せ");
    return model_fill(it, ex, sum, s->score, row->day, "user", user ? user : "?", row->user, -1,
                      row->day, err);
}

/* The item of terminal-day r. */
static int term_item(struct ctx *c, size_t r, struct item *it, tk_error *err)
{
    const tk_userday_term_row *row = &c->trows[r];
    const struct termscore *t = &c->ts[r];
    const char *term = tk_userday_term_name(c->s, row->terminal);
    const char *dept =
        row->dept == TK_USERDAY_NO_DEPT ? NULL : tk_userday_dept_name(c->s, row->dept);
    size_t order[NT];
    order_by(t->s, NT, order);
    char day[16];
    tk_period_format_day(row->day, day, sizeof day);
    json_t *ex = json_object();
    json_t *tops = json_array();
    char why[240] = "";
    size_t used = 0;
    for (size_t q = 0; q < 3; q++) {
        const size_t k = order[q];
        if (t->s[k] < 1.0)
            break;
        const tk_userday_feature_info *fi = tk_userday_term_feature((size_t)tscored[k]);
        json_t *o = json_object();
        json_object_set_new(o, "feature", json_string(fi->key));
        json_object_set_new(o, "label", json_string(fi->label));
        json_object_set_new(o, "value", json_real(row->f[tscored[k]]));
        if (!isnan(t->mean[k]))
            json_object_set_new(o, "terminal_baseline_mean", json_real(t->mean[k]));
        if (!isnan(t->peer_med[k]))
            json_object_set_new(o, "peer_median_today", json_real(t->peer_med[k]));
        json_object_set_new(o, "p_own", json_real(t->p_own[k]));
        if (!isnan(t->p_peer[k]))
            json_object_set_new(o, "p_peer", json_real(t->p_peer[k]));
        json_array_append_new(tops, o);
        if (used + 90 < sizeof why) {
            const int w =
                snprintf(why + used, sizeof why - used, "%s%s %.0f（通常 %.1f）", used ? "、" : "",
                         fi->label, row->f[tscored[k]], isnan(t->mean[k]) ? 0.0 : t->mean[k]);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    json_object_set_new(ex, "source", json_string("model"));
    json_object_set_new(ex, "level", json_string("terminal-day"));
    json_object_set_new(ex, "terminal", json_string(term ? term : ""));
    json_object_set_new(ex, "dept", dept ? json_string(dept) : json_null());
    json_object_set_new(ex, "registered", json_boolean(row->registered));
    json_object_set_new(ex, "day", json_string(day));
    json_object_set_new(ex, "top_features", tops);
    json_t *comp = json_object();
    json_object_set_new(comp, "raw", json_real(t->raw));
    json_object_set_new(ex, "components", comp);
    char sum[400], who[160];
    who_text(who, sizeof who, "端末", term, dept);
    snprintf(sum, sizeof sum, "%sの%sの利用が普段・所属と異なる: %s", who, day,
             why[0] ? why : "複数の特徴の組合せ");
    return model_fill(it, ex, sum, t->score, row->day, "terminal", term ? term : "?", -1,
                      row->terminal, row->day, err);
}

/* The period item of user run u. */
static int period_item(struct ctx *c, size_t u, int term, struct item *it, tk_error *err)
{
    const struct pscore *p = term ? &c->tps[u] : &c->ps[u];
    const size_t nf = term ? NT : NS;
    const size_t first = term ? c->trun_first[u] : c->run_first[u];
    const size_t end = term ? c->trun_first[u + 1] : c->run_first[u + 1];
    const uint32_t id = term ? c->trows[end - 1].terminal : c->rows[end - 1].user;
    const char *name = term ? tk_userday_term_name(c->s, id) : tk_userday_user_name(c->s, id);
    const char *dept = p->dept == TK_USERDAY_NO_DEPT ? NULL : tk_userday_dept_name(c->s, p->dept);
    size_t order[NS];
    order_by(p->s, nf, order);
    /* The evidence comes from the entity's most surprising day of the period. */
    int64_t top_day = c->per.last_day;
    double top = -1;
    for (size_t r = first; r < end; r++) {
        const int64_t d = term ? c->trows[r].day : c->rows[r].day;
        const double raw = term ? c->ts[r].raw : c->rs[r].raw;
        if (in(&c->per, d) && raw > top) {
            top = raw;
            top_day = d;
        }
    }
    char from[16], to[16], topd[16];
    tk_period_format_day(c->per.first_day, from, sizeof from);
    tk_period_format_day(c->per.last_day, to, sizeof to);
    tk_period_format_day(top_day, topd, sizeof topd);
    json_t *ex = json_object();
    json_t *tops = json_array();
    char why[240] = "";
    size_t used = 0;
    for (size_t q = 0; q < 3; q++) {
        const size_t k = order[q];
        if (p->s[k] < 1.0)
            break;
        const tk_userday_feature_info *fi = term ? tk_userday_term_feature((size_t)tscored[k])
                                                 : tk_userday_feature((size_t)scored[k]);
        json_t *o = json_object();
        json_object_set_new(o, "feature", json_string(fi->key));
        json_object_set_new(o, "label", json_string(fi->label));
        json_object_set_new(o, "value", json_real(p->total[k]));
        if (!isnan(p->expect[k]))
            json_object_set_new(o, term ? "terminal_baseline_expected" : "user_baseline_expected",
                                json_real(p->expect[k]));
        if (p->season[k] != 1.0)
            json_object_set_new(o, "dept_season_factor", json_real(p->season[k]));
        const double phi = term ? c->tphi[k] : c->phi[k];
        json_object_set_new(o, "dispersion", json_real(phi));
        json_object_set_new(o, "z", json_real(p->z[k]));
        json_object_set_new(o, "p_own", json_real(p->p_own[k]));
        json_array_append_new(tops, o);
        if (used + 90 < sizeof why) {
            const int w =
                snprintf(why + used, sizeof why - used, "%s%s %.0f（通常 %.0f）", q ? "、" : "",
                         fi->label, p->total[k], isnan(p->expect[k]) ? 0.0 : p->expect[k]);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    json_object_set_new(ex, "source", json_string("model"));
    json_object_set_new(ex, "level", json_string("period"));
    json_object_set_new(ex, term ? "terminal" : "user", json_string(name ? name : ""));
    json_object_set_new(ex, "dept", dept ? json_string(dept) : json_null());
    json_object_set_new(ex, "day_from", json_string(from));
    json_object_set_new(ex, "day_to", json_string(to));
    json_object_set_new(ex, "active_days_used", json_real(p->days));
    json_object_set_new(ex, "note",
                        json_string("totals leave out the largest day of each feature: the "
                                    "deviation is sustained"));
    json_object_set_new(ex, "top_features", tops);
    json_object_set_new(ex, "evidence_day", json_string(topd));
    json_t *comp = json_object();
    json_object_set_new(comp, "raw", json_real(p->raw));
    json_object_set_new(comp, "history_windows",
                        json_integer((json_int_t)(term ? c->tperiod_refs : c->period_refs)));
    json_object_set_new(ex, "components", comp);
    char sum[480], who[160];
    who_text(who, sizeof who, term ? "端末" : "職員", name, dept);
    snprintf(sum, sizeof sum, "%sの期間（%s〜%s）を通じた%sが普段・所属と異なる: %s", who, from, to,
             term ? "利用" : "操作", why[0] ? why : "複数の特徴の組合せ");
    size_t active = 0;
    for (size_t r = first; r < end; r++)
        active += (size_t)in(&c->per, term ? c->trows[r].day : c->rows[r].day);
    const int rc = model_fill(it, ex, sum, p->score, PERIOD_ITEM, term ? "terminal" : "user",
                              name ? name : "?", term ? -1 : (int64_t)id, term ? (int64_t)id : -1,
                              top_day, err);
    it->from = c->per.first_day;
    it->to = c->per.last_day;
    it->days = active;
    return rc;
}

/* ---- start-of-work shifts ---------------------------------------------------- */

/* A user's start of work moved earlier over the period (models/tod.h,
 * tk_tod_shift_test): the first minute of each working day (open for the
 * user's 所属) in the baseline against the period's. Days whose work
 * outside hours an overtime order covers do not count as early, nor do
 * users whose 所属 changed or who had a 兼務 or training in the period:
 * master data explains a new rhythm there. The earliest early day of the
 * period is the evidence. */
static int start_shift(const struct ctx *c, size_t u, tk_tod_shift *sh, int64_t *evid_day,
                       tk_error *err)
{
    const size_t first = c->run_first[u], end = c->run_first[u + 1];
    double *b = tk_calloc(end - first + 1, sizeof *b);
    double *p = tk_calloc(end - first + 1, sizeof *p);
    size_t nb = 0, np = 0;
    int rc = b && p ? TK_OK : tk_error_set(err, TK_ENOMEM, "out of memory testing shifts");
    memset(sh, 0, sizeof *sh);
    *evid_day = c->per.last_day;
    const uint32_t user = c->rows[end - 1].user;
    if (rc != TK_OK || !settled(c, u, c->per.first_day, c->per.last_day) ||
        kenmu_of(c, user, c->per.first_day, c->per.last_day) != NULL)
        goto done;
    for (size_t r = first; r < end; r++) {
        const tk_userday_row *row = &c->rows[r];
        const double m = row->f[TK_USERDAY_FIRST_MINUTE];
        if (row->closed || !(m >= 0 && m < 1440))
            continue;
        const double *f = row->f;
        if (f[TK_USERDAY_AFTER_HOURS_EVENTS] > 0 && f[TK_USERDAY_AFTER_HOURS_UNAPPROVED] == 0)
            continue; /* an overtime order covers the day's work outside hours */
        if (in(&c->base, row->day))
            b[nb++] = m;
        else if (in(&c->per, row->day))
            p[np++] = m;
    }
    rc = tk_tod_shift_test(b, nb, p, np, NULL, sh, err);
    if (rc == TK_OK && sh->found) {
        for (size_t r = first; r < end; r++) {
            const tk_userday_row *row = &c->rows[r];
            if (in(&c->per, row->day) && !row->closed &&
                row->f[TK_USERDAY_FIRST_MINUTE] <= sh->base_start - 90.0) {
                *evid_day = row->day;
                break;
            }
        }
    }
done:
    tk_free(b);
    tk_free(p);
    return rc;
}

/* The 0-100 score of a shift: 55 at the test's largest tail (1e-6), 1.5
 * more per decade below it, at most 85 -- above the day-level items a
 * single early day makes, below the rules' critical findings. */
static double shift_score(const tk_tod_shift *sh)
{
    const double s = -log10(fmax(sh->p, 1e-300));
    return fmin(85.0, 55.0 + 1.5 * fmax(0.0, s - 6.0));
}

static void hhmm(double m, char *buf, size_t cap)
{
    const int x = (int)lround(m);
    snprintf(buf, cap, "%02d:%02d", x / 60, x % 60);
}

static int shift_item(struct ctx *c, size_t u, const tk_tod_shift *sh, int64_t evid_day,
                      struct item *it, tk_error *err)
{
    const size_t end = c->run_first[u + 1];
    const uint32_t id = c->rows[end - 1].user;
    const uint32_t d = c->rows[end - 1].dept;
    const char *name = tk_userday_user_name(c->s, id);
    const char *dept = d == TK_USERDAY_NO_DEPT ? NULL : tk_userday_dept_name(c->s, d);
    char from[16], to[16], ev[16], bs[8], ps[8], who[160], sum[480];
    tk_period_format_day(c->per.first_day, from, sizeof from);
    tk_period_format_day(c->per.last_day, to, sizeof to);
    tk_period_format_day(evid_day, ev, sizeof ev);
    hhmm(sh->base_start, bs, sizeof bs);
    hhmm(sh->period_start, ps, sizeof ps);
    json_t *ex = json_object();
    json_object_set_new(ex, "source", json_string("model"));
    json_object_set_new(ex, "level", json_string("period"));
    json_object_set_new(ex, "kind", json_string("start_shift"));
    json_object_set_new(ex, "user", json_string(name ? name : ""));
    json_object_set_new(ex, "dept", dept ? json_string(dept) : json_null());
    json_object_set_new(ex, "day_from", json_string(from));
    json_object_set_new(ex, "day_to", json_string(to));
    json_object_set_new(ex, "baseline_start", json_string(bs));
    json_object_set_new(ex, "period_start", json_string(ps));
    json_object_set_new(ex, "early_days", json_integer((json_int_t)sh->early_days));
    json_object_set_new(ex, "period_working_days", json_integer((json_int_t)sh->period_days));
    json_object_set_new(ex, "baseline_working_days", json_integer((json_int_t)sh->base_days));
    json_object_set_new(ex, "baseline_early_share", json_real(sh->base_share));
    json_object_set_new(ex, "p", json_real(sh->p));
    json_object_set_new(ex, "evidence_day", json_string(ev));
    who_text(who, sizeof who, "職員", name, dept);
    snprintf(sum, sizeof sum,
             "%sの始業が期間（%s〜%s）に早まった: 通常 %s頃の開始が %s頃に（%zu日／出勤%zu日）",
             who, from, to, bs, ps, sh->early_days, sh->period_days);
    const int rc = model_fill(it, ex, sum, shift_score(sh), PERIOD_ITEM, "user", name ? name : "?",
                              (int64_t)id, -1, evid_day, err);
    it->from = c->per.first_day;
    it->to = c->per.last_day;
    it->days = sh->early_days;
    return rc;
}

/* One item of finding f about entity (of type etype: "user" or
 * "terminal") with summary sum. */
static int rule_item(struct ctx *c, const tk_rules_finding *f, const char *etype,
                     const char *entity, const char *sum, struct item *it, tk_error *err)
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
    if (f->entity_type == TK_RULECAT_RESIDENT)
        json_object_set_new(ex, "resident", json_string(f->entity));
    if (detail)
        json_object_set_new(ex, "detail", detail);
    json_t *ev = json_array();
    for (size_t i = 0; i < f->nevidence; i++)
        json_array_append_new(ev, json_integer(f->evidence[i]));
    json_object_set_new(ex, "evidence", ev);
    json_object_set_new(ex, "evidence_total", json_integer((json_int_t)f->evidence_total));
    json_object_set_new(ex, "evidence_shown", json_integer((json_int_t)f->nevidence));
    double score = f->score_hint;
    /* Corroboration by the models on the same user-day. */
    const int64_t *uid =
        strcmp(etype, "user") == 0 ? tk_strmap_get(c->user_ids, entity, strlen(entity)) : NULL;
    const tk_userday_row *row = uid ? tk_userday_find(c->s, (uint32_t)*uid, f->day_to) : NULL;
    it->model_score = -1;
    if (row != NULL) {
        const struct rowscore *rs = &c->rs[row - c->rows];
        json_object_set_new(ex, "model_score", json_real(score1(rs->score)));
        if (rs->score >= 70)
            score = fmin(100.0, score + 5.0);
        it->model_score = rs->score;
        it->dept = row->dept == TK_USERDAY_NO_DEPT ? NULL : tk_userday_dept_name(c->s, row->dept);
    }
    /* The business relationship with the resident, when the rule knows it. */
    const json_t *rel = json_object_get(detail, "relationship");
    if (json_is_object(rel)) {
        const int lookup = json_is_true(json_object_get(rel, "lookup_only"));
        const int business = json_is_true(json_object_get(rel, "processed")) ||
                             json_is_true(json_object_get(rel, "caseload"));
        const int authorised = json_is_true(json_object_get(rel, "dept_authorised"));
        const int routine = json_is_true(json_object_get(rel, "dept_routine"));
        it->rel = business || routine ? -1 : lookup && !authorised ? 1 : 0;
    }
    it->sev = f->severity;
    it->explained = f->context != NULL && f->severity < f->rule_severity;
    it->from = f->day_from;
    it->to = f->day_to;
    it->ratio = f->threshold > 0 && f->value > f->threshold ? f->value / f->threshold : 0;
    const json_t *ch = json_object_get(detail, "span_chance");
    if (ch == NULL)
        ch = json_object_get(detail, "chance");
    it->chance = json_is_number(ch) && json_number_value(ch) > 0 ? json_number_value(ch) : 0;
    const json_t *hb = json_object_get(detail, "habit");
    it->habit = json_is_number(hb) && json_number_value(hb) > 0 ? json_number_value(hb) : 0;

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
    snprintf(it->entity_type, sizeof it->entity_type, "%s", etype);
    snprintf(it->rule_id, sizeof it->rule_id, "%s", f->rule_id);
    snprintf(it->severity, sizeof it->severity, "%s", tk_rulecat_severity_name(f->severity));
    it->entity = dup(entity);
    it->summary = dup(sum);
    it->evid_user = -1;
    it->evid_term = -1;
    it->evid_day = f->day_to;
    if (!it->entity || !it->summary || !it->explanation)
        return tk_error_set(err, TK_ENOMEM, "out of memory building results");
    return TK_OK;
}

/* The items of finding f, appended at items[*n]. The ranked list is about
 * users and terminals (the contract's entity types): a finding about a
 * resident (R06, many staff on one resident) is one case, listed under
 * the first member of staff it names, its summary naming the others
 * (each of them has to account for the look-up); a
 * finding about a whole system (R29, a gap in its log) is not about an
 * entity and goes to the run's notes instead. */
static int rule_items(struct ctx *c, const tk_rules_finding *f, struct item *items, size_t *n,
                      json_t *notes, tk_error *err)
{
    if (f->entity_type == TK_RULECAT_USER || f->entity_type == TK_RULECAT_TERMINAL) {
        const int rc = rule_item(c, f, f->entity_type == TK_RULECAT_USER ? "user" : "terminal",
                                 f->entity, f->summary, &items[*n], err);
        ++*n;
        return rc;
    }
    if (f->entity_type != TK_RULECAT_RESIDENT) {
        char line[600], from[16], to[16];
        tk_period_format_day(f->day_from, from, sizeof from);
        tk_period_format_day(f->day_to, to, sizeof to);
        if (f->day_from == f->day_to)
            snprintf(line, sizeof line, "%s（%s）%s %s: %s", f->rule_id,
                     tk_rulecat_severity_name(f->severity), to, f->entity, f->summary);
        else
            snprintf(line, sizeof line, "%s（%s）%s..%s %s: %s", f->rule_id,
                     tk_rulecat_severity_name(f->severity), from, to, f->entity, f->summary);
        if (json_array_append_new(notes, json_string(line)) != 0)
            return tk_error_set(err, TK_ENOMEM, "out of memory building results");
        return TK_OK;
    }
    json_error_t je;
    json_t *detail = f->detail ? json_loads(f->detail, 0, &je) : NULL;
    json_t *users = detail ? json_object_get(detail, "users") : NULL;
    const char *lead = NULL;
    char others[400] = "";
    size_t used = 0, nothers = 0;
    for (size_t i = 0; i < json_array_size(users); i++) {
        const char *u = json_string_value(json_array_get(users, i));
        if (u == NULL)
            continue;
        if (lead == NULL) {
            lead = u;
            continue;
        }
        if (nothers++ < MAX_CASE_USERS - 1) {
            const int w =
                snprintf(others + used, sizeof others - used, "%s%s", used ? "・" : "", u);
            used += w > 0 && (size_t)w < sizeof others - used ? (size_t)w : 0;
        }
    }
    int rc = TK_OK;
    if (lead != NULL) {
        const int64_t *uid = tk_strmap_get(c->user_ids, lead, strlen(lead));
        const tk_userday_row *row = uid ? tk_userday_find(c->s, (uint32_t)*uid, f->day_to) : NULL;
        const char *dept =
            row && row->dept != TK_USERDAY_NO_DEPT ? tk_userday_dept_name(c->s, row->dept) : NULL;
        char sum[1400], who[160], more[480] = "";
        who_text(who, sizeof who, "職員", lead, dept);
        if (nothers > MAX_CASE_USERS - 1)
            snprintf(more, sizeof more, "ほか%zu名（%s など）", nothers, others);
        else if (nothers > 0)
            snprintf(more, sizeof more, "ほか%zu名（%s）", nothers, others);
        snprintf(sum, sizeof sum, "%s%sが照会: %s", who, more, f->summary);
        rc = rule_item(c, f, "user", lead, sum, &items[*n], err);
        ++*n;
    }
    json_decref(detail);
    return rc;
}

/* Names the users of a terminal-day item's events (most events first, at
 * most three, and how many more: "他7名") in its summary and explanation:
 * the inspector asks them. */
static int name_users(const tk_userday *s, struct item *it, json_t *ex, const tk_dayevent *rows,
                      size_t n, tk_error *err)
{
    uint32_t id[3] = {0, 0, 0};
    size_t cnt[3] = {0, 0, 0};
    size_t nusers = 0;
    /* rows are sorted by user: count each user's run on the terminal */
    for (size_t k = 0; k < n;) {
        size_t j = k, c = 0;
        while (j < n && rows[j].user == rows[k].user) {
            c += (int64_t)rows[j].terminal == it->evid_term;
            j++;
        }
        nusers += c > 0 && rows[k].user != 0;
        for (size_t q = 0; c > 0 && rows[k].user != 0 && q < 3; q++) {
            if (c > cnt[q]) {
                for (size_t z = 2; z > q; z--) {
                    id[z] = id[z - 1];
                    cnt[z] = cnt[z - 1];
                }
                id[q] = rows[k].user;
                cnt[q] = c;
                break;
            }
        }
        k = j;
    }
    if (cnt[0] == 0)
        return TK_OK;
    json_t *users = json_array();
    char list[200] = "";
    size_t used = 0;
    for (size_t q = 0; q < 3 && cnt[q] > 0; q++) {
        const char *u = tk_userday_user_name(s, id[q]);
        if (u == NULL)
            continue;
        json_array_append_new(users, json_string(u));
        const int w = snprintf(list + used, sizeof list - used, "%s%s", used ? "・" : "", u);
        used += w > 0 && (size_t)w < sizeof list - used ? (size_t)w : 0;
    }
    json_object_set_new(ex, "users", users);
    json_object_set_new(ex, "users_total", json_integer((json_int_t)nusers));
    char sum[600], more[32] = "";
    if (nusers > 3)
        snprintf(more, sizeof more, " 他%zu名", nusers - 3);
    snprintf(sum, sizeof sum, "%s（利用した職員: %s%s）", it->summary, list, more);
    char *d = dup(sum);
    if (d == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory adding evidence");
    tk_free(it->summary);
    it->summary = d;
    return TK_OK;
}

/* Adds the event ids of each model item's user-day, loading each day once. */
static int add_model_evidence(tk_db *db, const tk_userday *s, struct item *items, size_t n,
                              tk_error *err)
{
    tk_dayevents *d = NULL;
    int rc = tk_dayevents_create(&d, db, err);
    int64_t loaded = INT64_MIN;
    for (size_t i = 0; rc == TK_OK && i < n; i++) {
        struct item *it = &items[i];
        if (it->source != 1)
            continue;
        if (it->evid_day != loaded) {
            rc = tk_dayevents_load(d, it->evid_day, err);
            loaded = it->evid_day;
        }
        if (rc != TK_OK)
            break;
        json_error_t je;
        json_t *ex = json_loads(it->explanation, 0, &je);
        json_t *ev = json_array();
        const tk_dayevent *rows = tk_dayevents_rows(d);
        size_t total = 0;
        for (size_t k = 0; k < tk_dayevents_count(d); k++) {
            if (it->evid_term >= 0 ? (int64_t)rows[k].terminal != it->evid_term
                                   : (int64_t)rows[k].user != it->evid_user)
                continue;
            if (total++ < MAX_EVID)
                json_array_append_new(ev, json_integer(rows[k].id));
        }
        json_object_set_new(ex, "evidence", ev);
        json_object_set_new(ex, "evidence_total", json_integer((json_int_t)total));
        json_object_set_new(ex, "evidence_shown", json_integer((json_int_t)json_array_size(ev)));
        if (rc == TK_OK && it->evid_term >= 0)
            rc = name_users(s, it, ex, rows, tk_dayevents_count(d), err);
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
    return (x->evid_day > y->evid_day) - (x->evid_day < y->evid_day);
}

/* ---- cases ---------------------------------------------------------------- */

/* An item of the stored list is a case: what an inspector reads as one
 * matter. The findings and model anomalies of one entity (a user or a
 * terminal) are grouped, after their evidence is known, by these rules:
 *
 * 1. Findings of one rule whose days are at most CASE_GAP days apart chain
 *    into one case (look-ups of one resident on thirteen days); findings
 *    of a rule on the account's state (R14 retired, R16 on leave) chain
 *    whatever the gap: a retired account used on day 3 and day 20 of the
 *    period is one matter, not two.
 * 2. Findings of different rules that share a day join (a retired
 *    account used after hours on an unregistered terminal).
 * 3. A model anomaly of a day inside a rule case's days joins that case,
 *    as corroboration; the other model anomalies of the entity chain like
 *    the findings of one rule.
 * 4. A period-level anomaly (the whole period against its history) of an
 *    entity with rule findings joins the strongest of them (the person is
 *    listed once, the models' view of the period among its findings; the
 *    case keeps its own days); without one it is a case of its own.
 * 5. One act seen from two entities is one case: a user's finding joins a
 *    terminal's finding, or a terminal's model day made by that user
 *    alone, when their evidence shares an event (join_entities).
 *
 * The case leads with its strongest rule finding (severity, then score),
 * or with its strongest model anomaly when it has no finding; its day is
 * the leading finding's, its first and last days span all its findings.
 * Its score (models/casescore.h) keeps the leading finding's severity
 * band as the major key and places the case inside the band by how
 * strong and how rare it is: how far past the threshold, how many days,
 * how many rules, the models' score of its days, the business
 * relationship with the resident, how likely the pattern is by chance
 * for its member (R05), how often the rule fires in this run for the same
 * person (in other cases) and for the same 所属 (distinct members), and
 * whether the same entity has a case ranked above it (scored first, then
 * again in that order). A model case keeps its best day's model score,
 * raised a little per further day. */
#define CASE_GAP          7   /* days between two findings of one rule that still chain */
#define CASE_FINDINGS_MAX 60  /* findings a case's explanation lists */
#define CASE_EVID_MAX     200 /* evidence ids a case's explanation lists */

static int cmp_group(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int e = strcmp(x->entity_type, y->entity_type);
    if (e == 0)
        e = strcmp(x->entity, y->entity);
    if (e != 0)
        return e;
    if ((x->day == PERIOD_ITEM) != (y->day == PERIOD_ITEM))
        return x->day == PERIOD_ITEM ? 1 : -1;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    if (x->source != y->source)
        return x->source - y->source;
    e = strcmp(x->rule_id, y->rule_id);
    if (e == 0)
        e = strcmp(x->summary, y->summary);
    if (e == 0 && x->score != y->score)
        e = x->score > y->score ? -1 : 1;
    return e;
}

static size_t uf_find(size_t *p, size_t i)
{
    while (p[i] != i) {
        p[i] = p[p[i]];
        i = p[i];
    }
    return i;
}

/* Joins the sets of a and b; the root is the smaller index, so that a
 * case's root is its first member in the grouping order. */
static void uf_join(size_t *p, size_t a, size_t b)
{
    a = uf_find(p, a);
    b = uf_find(p, b);
    if (a < b)
        p[b] = a;
    else if (b < a)
        p[a] = b;
}

/* Days between two findings: <= 0 when they share a day. */
static int64_t gap(const struct item *x, const struct item *y)
{
    const int64_t g1 = y->from - x->to, g2 = x->from - y->to;
    return g1 > g2 ? g1 : g2;
}

/* 1 if x leads a case rather than y. */
static int leads(const struct item *x, const struct item *y)
{
    if (x->source != y->source)
        return x->source < y->source;
    if (x->sev != y->sev)
        return x->sev > y->sev;
    if (x->score != y->score)
        return x->score > y->score;
    if (x->day != y->day)
        return x->day < y->day;
    return cmp_group(x, y) < 0;
}

/* 1 if rule id judges the account's state rather than a pattern of use:
 * a retired account (R14) or one on leave (R16) must not be used at all,
 * so its uses in the period are one matter however far apart. */
static int account_state_rule(const char *id)
{
    return strcmp(id, "R14") == 0 || strcmp(id, "R16") == 0;
}

/* Groups items[a, b) (one entity, in grouping order) into sets of p. */
static void group_entity(struct item *items, size_t a, size_t b, size_t *p)
{
    for (size_t i = a; i < b; i++) {
        const struct item *x = &items[i];
        if (x->source != 0 || x->day == PERIOD_ITEM)
            continue;
        for (size_t j = i + 1; j < b; j++) {
            const struct item *y = &items[j];
            if (y->source != 0 || y->day == PERIOD_ITEM)
                continue;
            const int64_t g = gap(x, y);
            const int same = strcmp(x->rule_id, y->rule_id) == 0;
            if (g <= 0 || (same && (g <= CASE_GAP || account_state_rule(x->rule_id))))
                uf_join(p, i, j);
        }
    }
    /* A model day inside a finding's days corroborates its case. */
    for (size_t i = a; i < b; i++) {
        const struct item *m = &items[i];
        if (m->source != 1 || m->day == PERIOD_ITEM)
            continue;
        size_t best = SIZE_MAX;
        for (size_t j = a; j < b; j++) {
            const struct item *r = &items[j];
            if (r->source == 0 && r->day != PERIOD_ITEM && r->from <= m->day && m->day <= r->to &&
                (best == SIZE_MAX || leads(r, &items[best])))
                best = j;
        }
        if (best != SIZE_MAX)
            uf_join(p, i, best);
    }
    /* A period anomaly of an entity with rule findings joins the strongest
     * of them: the person is listed once (the case leads with the period
     * when it scores higher, case_build()). */
    for (size_t i = a; i < b; i++) {
        const struct item *m = &items[i];
        if (m->source != 1 || m->day != PERIOD_ITEM)
            continue;
        size_t best = SIZE_MAX;
        for (size_t j = a; j < b; j++) {
            const struct item *r = &items[j];
            if (r->source == 0 && r->day != PERIOD_ITEM &&
                (best == SIZE_MAX || leads(r, &items[best])))
                best = j;
        }
        if (best != SIZE_MAX)
            uf_join(p, i, best);
    }
    for (size_t i = a; i < b; i++) {
        const struct item *x = &items[i];
        if (x->source != 1 || x->day == PERIOD_ITEM || items[uf_find(p, i)].source == 0)
            continue;
        for (size_t j = i + 1; j < b; j++) {
            const struct item *y = &items[j];
            if (y->source != 1 || y->day == PERIOD_ITEM || items[uf_find(p, j)].source == 0)
                continue;
            if (gap(x, y) <= CASE_GAP)
                uf_join(p, i, j);
        }
    }
}

/* What scoring a case reads, besides its leading item. */
struct caseinfo {
    size_t lead;
    size_t nrules;
    int models;        /* model anomalies among its members */
    double ratio;      /* largest value / threshold among its findings */
    double model_best; /* the models' best score of its days, or -1 */
    double period;     /* the best score of a period anomaly or of another entity's
                          model anomaly among its members, or -1 */
    int rel;           /* as struct item's, -1 winning over +1 */
    double chance;     /* the leading finding's expected count by chance, 0: none */
    double habit;      /* the leading finding's baseline share of days with it, 0: none */
    double model_item; /* the best score of a model anomaly of its own entity among its
                          members, or -1 */
    uint64_t evidence; /* events behind its members */
};

static int count_key(tk_strmap *m, const char *key, int64_t *after, tk_error *err)
{
    int64_t *v = tk_strmap_get(m, key, strlen(key));
    const int64_t n = v ? *v + 1 : 1;
    if (after)
        *after = n;
    return v ? (*v = n, TK_OK) : tk_strmap_put(m, key, strlen(key), n, NULL, err);
}

static int64_t count_of(const tk_strmap *m, const char *key)
{
    const int64_t *v = tk_strmap_get(m, key, strlen(key));
    return v ? *v : 0;
}

static double case_score(const struct item *cs, const struct caseinfo *ci, int64_t n_person,
                         int64_t n_dept, int earlier)
{
    if (cs->source == 1) {
        if (cs->day == PERIOD_ITEM)
            return cs->score;
        return fmin(100.0, cs->score + 1.5 * log((double)(cs->days ? cs->days : 1)) +
                               0.05 * log1p((double)ci->evidence));
    }
    const tk_casescore_in in = {.sev = cs->sev,
                                .days = cs->days,
                                .nrules = ci->nrules,
                                .ratio = ci->ratio,
                                .model_best = ci->model_best,
                                .period = ci->period,
                                .rel = ci->rel,
                                .chance = ci->chance,
                                .habit = ci->habit,
                                .n_person = n_person,
                                .n_dept = n_dept,
                                .evidence = ci->evidence,
                                .explained = cs->explained,
                                .earlier = earlier};
    /* A model anomaly that joined a rule case (a period of 1.6x the usual
     * residents joining a low R08 finding of one of its days) keeps at
     * least the rank it would have had alone: joining never buries it. */
    return fmax(tk_casescore_score(&in), ci->model_item);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* "R01・R12" from ",R01,R12,". */
static void rules_text(const char *rules, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const char *p = rules + 1; *p && used + 8 < cap;) {
        const char *e = strchr(p, ',');
        if (e == NULL)
            break;
        const int w = snprintf(buf + used, cap - used, "%s%.*s", used ? "・" : "", (int)(e - p), p);
        used += w > 0 ? (size_t)w : 0;
        p = e + 1;
    }
}

/* The days of case cs: the days of its evidence events (for a user, of
 * the user's own events: a finding about a resident lists everyone's),
 * and the days of its one-day findings; a period case's are the entity's
 * active days of the period. For a user, the models' best score of those
 * days joins ci->model_best, and ci->evidence becomes the user's own
 * events when the evidence names the user. */
static int case_days(const struct ctx *c, tk_db *db, struct item *cs, struct caseinfo *ci,
                     const struct item *items, const size_t *m, size_t k, const struct item *L,
                     const json_t *ev, tk_error *err)
{
    if (L->day == PERIOD_ITEM) {
        cs->days = L->days;
        return TK_OK;
    }
    const size_t n = json_array_size(ev);
    int64_t *ids = tk_calloc(n + 1, sizeof *ids);
    const size_t span = (size_t)(cs->last - cs->first + 1);
    unsigned char *on = tk_calloc(span, 1);
    tk_evidence *e = NULL;
    int rc = ids && on ? TK_OK : tk_error_set(err, TK_ENOMEM, "out of memory building cases");
    for (size_t i = 0; rc == TK_OK && i < n; i++)
        ids[i] = (int64_t)json_integer_value(json_array_get(ev, i));
    if (rc == TK_OK && n > 0)
        rc = tk_evidence_load(db, ids, n, &e, err);
    const int user = strcmp(cs->entity_type, "user") == 0;
    size_t own = 0;
    for (size_t i = 0; rc == TK_OK && i < tk_evidence_count(e); i++) {
        const tk_evidence_row *row = tk_evidence_row_at(e, i);
        own += user && row->user && strcmp(row->user, cs->entity) == 0;
    }
    for (size_t i = 0; rc == TK_OK && i < tk_evidence_count(e); i++) {
        const tk_evidence_row *row = tk_evidence_row_at(e, i);
        if (own > 0 && !(row->user && strcmp(row->user, cs->entity) == 0))
            continue;
        const int64_t d = tk_jst_day(row->t);
        if (d >= cs->first && d <= cs->last)
            on[d - cs->first] = 1;
    }
    for (size_t i = 0; rc == TK_OK && i < k; i++)
        if (items[m[i]].from == items[m[i]].to)
            on[items[m[i]].to - cs->first] = 1;
    const int64_t *uid = user && rc == TK_OK && c->user_ids
                             ? tk_strmap_get(c->user_ids, cs->entity, strlen(cs->entity))
                             : NULL;
    for (size_t d = 0; rc == TK_OK && d < span; d++) {
        if (!on[d])
            continue;
        cs->days++;
        const tk_userday_row *row =
            uid ? tk_userday_find(c->s, (uint32_t)*uid, cs->first + (int64_t)d) : NULL;
        if (row != NULL && in(&c->per, row->day))
            ci->model_best = fmax(ci->model_best, c->rs[row - c->rows].score);
    }
    if (own > 0)
        ci->evidence = own;
    tk_evidence_destroy(e);
    tk_free(on);
    tk_free(ids);
    return rc;
}

/* Builds case cs from the members m[0..k) of items (in grouping order)
 * and fills ci, its scoring inputs. Copies what it keeps. */
static int case_build(const struct ctx *c, tk_db *db, const struct item *items, const size_t *m,
                      size_t k, struct item *cs, struct caseinfo *ci, tk_error *err)
{
    size_t lead = m[0];
    for (size_t i = 1; i < k; i++)
        if (leads(&items[m[i]], &items[lead]))
            lead = m[i];
    /* A period anomaly that scores above the case's leading finding leads
     * the case: weeks of 1.6x the usual residents are the matter, not the
     * one low R08 look-up of a day that it joined. */
    for (size_t i = 0; i < k; i++) {
        const struct item *x = &items[m[i]];
        if (x->source == 1 && x->day == PERIOD_ITEM && x->score > items[lead].score)
            lead = m[i];
    }
    const struct item *L = &items[lead];
    memset(ci, 0, sizeof *ci);
    ci->lead = lead;
    ci->chance = L->chance;
    ci->habit = L->habit;
    ci->model_best = -1;
    ci->period = -1;
    ci->model_item = -1;
    cs->score = L->score;
    cs->source = L->source;
    cs->day = L->day;
    cs->sev = L->sev;
    cs->explained = L->explained;
    cs->dept = L->dept;
    snprintf(cs->entity_type, sizeof cs->entity_type, "%s", L->entity_type);
    snprintf(cs->rule_id, sizeof cs->rule_id, "%s", L->rule_id);
    snprintf(cs->severity, sizeof cs->severity, "%s", L->severity);
    cs->entity = dup(L->entity);
    cs->first = L->from;
    cs->last = L->to;
    cs->nfindings = k;
    char ids[32][8];
    size_t nids = 0;
    for (size_t i = 0; i < k; i++) {
        const struct item *x = &items[m[i]];
        /* a period anomaly that joined a rule case corroborates it without
         * stretching its days over the period */
        if (x->day != PERIOD_ITEM || L->day == PERIOD_ITEM) {
            cs->first = x->from < cs->first ? x->from : cs->first;
            cs->last = x->to > cs->last ? x->to : cs->last;
        }
        ci->models |= x->source == 1;
        /* the entity's own anomalies: another entity's (the terminal of
         * twelve accounts' failed logons) only adds to the strength */
        if (x->source == 1 && strcmp(x->entity, L->entity) == 0 &&
            strcmp(x->entity_type, L->entity_type) == 0)
            ci->model_item = fmax(ci->model_item, x->score);
        if (x->source == 1 && (x->day == PERIOD_ITEM || strcmp(x->entity, L->entity) != 0 ||
                               strcmp(x->entity_type, L->entity_type) != 0))
            ci->period = fmax(ci->period, x->score);
        ci->ratio = fmax(ci->ratio, x->ratio);
        ci->model_best = fmax(ci->model_best, x->source == 1 ? x->score : x->model_score);
        if (x->rel < 0 || (x->rel > 0 && ci->rel == 0))
            ci->rel = x->rel;
        int seen = x->source != 0;
        for (size_t q = 0; !seen && q < nids; q++)
            seen = strcmp(ids[q], x->rule_id) == 0;
        if (!seen && nids < 32)
            snprintf(ids[nids++], sizeof ids[0], "%s", x->rule_id);
    }
    qsort(ids, nids, sizeof ids[0], cmp_str);
    ci->nrules = nids;
    size_t used = 0;
    cs->rules[0] = '\0';
    for (size_t q = 0; q < nids && used + 10 < sizeof cs->rules; q++) {
        const int w =
            snprintf(cs->rules + used, sizeof cs->rules - used, "%s%s,", used ? "" : ",", ids[q]);
        used += w > 0 ? (size_t)w : 0;
    }

    /* The explanation: the leading item's, with the case and its findings. */
    json_error_t je;
    json_t *ex = json_loads(L->explanation, 0, &je);
    json_t *fl = json_array(), *ev = json_array(), *sys = json_array();
    int all_sys = 1;
    uint64_t total = 0;
    if (ex == NULL || fl == NULL || ev == NULL || sys == NULL) {
        json_decref(ex);
        json_decref(fl);
        json_decref(ev);
        json_decref(sys);
        return tk_error_set(err, TK_ENOMEM, "out of memory building cases");
    }
    /* The leading item's evidence first, then its other members'. */
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < k; i++) {
            if ((m[i] == lead) != (pass == 0))
                continue;
            const struct item *x = &items[m[i]];
            json_t *mx = m[i] == lead ? json_incref(ex) : json_loads(x->explanation, 0, &je);
            json_t *mev = json_object_get(mx, "evidence");
            const json_t *mt = json_object_get(mx, "evidence_total");
            total += json_is_integer(mt) && json_integer_value(mt) > 0
                         ? (uint64_t)json_integer_value(mt)
                         : json_array_size(mev);
            for (size_t e = 0; e < json_array_size(mev); e++) {
                json_t *id = json_array_get(mev, e);
                int dupl = json_array_size(ev) >= CASE_EVID_MAX;
                for (size_t q = 0; !dupl && q < json_array_size(ev); q++)
                    dupl = json_integer_value(json_array_get(ev, q)) == json_integer_value(id);
                if (!dupl)
                    json_array_append(ev, id);
            }
            json_t *ms = json_object_get(json_object_get(mx, "detail"), "systems");
            all_sys &= x->source == 0 && json_is_array(ms);
            for (size_t e = 0; all_sys && e < json_array_size(ms); e++)
                json_array_append(sys, json_array_get(ms, e));
            json_decref(mx);
        }
    }
    for (size_t i = 0; i < k && i < CASE_FINDINGS_MAX; i++) {
        const struct item *x = &items[m[i]];
        json_t *mx = json_loads(x->explanation, 0, &je);
        json_t *o = json_object();
        char f[16], t[16];
        tk_period_format_day(x->from, f, sizeof f);
        tk_period_format_day(x->to, t, sizeof t);
        json_object_set_new(o, "source", json_string(x->source ? "model" : "rule"));
        json_object_set_new(o, "rule_id", x->source ? json_null() : json_string(x->rule_id));
        if (x->source)
            json_object_set(o, "level", json_object_get(mx, "level"));
        json_object_set_new(o, "day_from", json_string(f));
        json_object_set_new(o, "day_to", json_string(t));
        json_object_set_new(o, "severity", x->severity[0] ? json_string(x->severity) : json_null());
        json_object_set_new(o, "score", json_real(score1(x->score)));
        json_object_set_new(o, "summary", json_string(x->summary));
        json_t *mev = json_object_get(mx, "evidence");
        json_object_set(o, "evidence", mev ? mev : json_array());
        json_object_set(o, "evidence_total", json_object_get(mx, "evidence_total"));
        json_array_append_new(fl, o);
        json_decref(mx);
    }
    total = total > json_array_size(ev) ? total : json_array_size(ev);
    ci->evidence = total;
    int rc = case_days(c, db, cs, ci, items, m, k, L, ev, err);
    if (rc != TK_OK) {
        json_decref(ex);
        json_decref(fl);
        json_decref(ev);
        json_decref(sys);
        return rc;
    }
    json_object_set_new(ex, "evidence", ev);
    json_object_set_new(ex, "evidence_total", json_integer((json_int_t)total));
    json_object_set_new(ex, "evidence_shown", json_integer((json_int_t)json_array_size(ev)));
    if (all_sys)
        json_object_set_new(ex, "systems", sys);
    else
        json_decref(sys);
    json_t *co = json_object();
    char f[16] = "", t[16] = "", w[16] = "";
    tk_period_format_day(cs->first, f, sizeof f);
    tk_period_format_day(cs->last, t, sizeof t);
    if (L->day != PERIOD_ITEM)
        tk_period_format_day(L->day, w, sizeof w);
    json_object_set_new(co, "from", json_string(f));
    json_object_set_new(co, "to", json_string(t));
    json_object_set_new(co, "days", json_integer((json_int_t)cs->days));
    json_object_set_new(co, "worst_day", w[0] ? json_string(w) : json_null());
    json_t *ra = json_array();
    for (size_t q = 0; q < nids; q++)
        json_array_append_new(ra, json_string(ids[q]));
    json_object_set_new(co, "rules", ra);
    json_object_set_new(co, "models", json_boolean(ci->models));
    json_object_set_new(co, "findings_total", json_integer((json_int_t)k));
    json_object_set_new(ex, "case", co);
    json_object_set_new(ex, "findings", fl);
    cs->explanation = json_dumps(ex, JSON_COMPACT);
    json_decref(ex);

    /* The summary says when the case is several days or several rules. */
    char extra[400] = "", rt[200];
    const int multi_days = L->day != PERIOD_ITEM && cs->days > 1;
    const int multi_rules = nids > 1 || (L->source == 1 && nids > 0);
    const int corroborated = L->source == 0 && ci->models;
    rules_text(cs->rules, rt, sizeof rt);
    used = 0;
    if (multi_days) {
        const int n = snprintf(extra, sizeof extra, "［%zu日: %s〜%s", cs->days, f, t);
        used = n > 0 ? (size_t)n : 0;
    }
    if (multi_rules) {
        const int n =
            snprintf(extra + used, sizeof extra - used, "%s規則 %s", used ? "、" : "［", rt);
        used += n > 0 ? (size_t)n : 0;
    }
    if (corroborated) {
        const int n =
            snprintf(extra + used, sizeof extra - used, "%sモデルも検知", used ? "、" : "［");
        used += n > 0 ? (size_t)n : 0;
    }
    if (used > 0)
        snprintf(extra + used, sizeof extra - used, "］");
    const size_t sl = strlen(L->summary) + strlen(extra) + 1;
    cs->summary = tk_alloc(sl);
    if (cs->summary)
        snprintf(cs->summary, sl, "%s%s", L->summary, extra);
    cs->evid_user = -1;
    cs->evid_term = -1;
    cs->evid_day = L->evid_day;
    cs->from = cs->first;
    cs->to = cs->last;
    if (!cs->entity || !cs->summary || !cs->explanation)
        return tk_error_set(err, TK_ENOMEM, "out of memory building cases");
    return TK_OK;
}

/* 1 if item x may join a case of another entity through shared evidence:
 * a user's finding, a terminal's finding, or a terminal's model day that
 * one member of staff alone made (a busy terminal's day is many people's). */
static int shares_act(const struct item *x)
{
    if (x->day == PERIOD_ITEM)
        return 0;
    if (strcmp(x->entity_type, "user") == 0)
        return x->source == 0;
    if (strcmp(x->entity_type, "terminal") != 0)
        return 0;
    if (x->source == 0)
        return 1;
    json_error_t je;
    json_t *ex = json_loads(x->explanation, 0, &je);
    const json_t *tot = json_object_get(ex, "users_total");
    const int one = json_is_integer(tot) && json_integer_value(tot) == 1;
    json_decref(ex);
    return one;
}

/* The key of a one-day rule finding of one member of staff at one
 * terminal -- "s<day>|<user>|<terminal>" -- written to key (cap bytes),
 * or 0 when x is not one: a user's finding whose detail names one
 * terminal, or a terminal's finding whose detail names one user. */
static int session_key(const struct item *x, const json_t *ex, char *key, size_t cap)
{
    if (x->source != 0 || x->day == PERIOD_ITEM || x->from != x->to)
        return 0;
    const int user = strcmp(x->entity_type, "user") == 0;
    const json_t *d = json_object_get(ex, "detail");
    const json_t *other = json_object_get(d, user ? "terminals" : "users");
    if (json_array_size(other) != 1 || !json_is_string(json_array_get(other, 0)))
        return 0;
    const char *o = json_string_value(json_array_get(other, 0));
    const int w = snprintf(key, cap, "s%lld|%s|%s", (long long)x->from, user ? x->entity : o,
                           user ? o : x->entity);
    return w > 0 && (size_t)w < cap;
}

/* One act seen from two entities is one case: a user's finding and a
 * terminal's item (an export written to a USB stick on the terminal is
 * the user's bulk export; a terminal's day of failed logons is the
 * account's) join when their evidence shares an event, and a user's
 * one-day finding at one terminal joins that terminal's finding of the
 * same day that names that user alone (the evening's USB write on the
 * terminal and the user's long session around it: one person, one
 * terminal, one day). Two users' findings never join this way (a
 * resident's R06 names everyone's look-ups). */
static int join_entities(const struct item *items, size_t n, size_t *p, tk_error *err)
{
    tk_strmap *by_ev = NULL;
    int rc = tk_strmap_create(&by_ev, err);
    char key[32];
    for (size_t i = 0; rc == TK_OK && i < n; i++) {
        const struct item *x = &items[i];
        if (!shares_act(x))
            continue;
        const int user = strcmp(x->entity_type, "user") == 0;
        json_error_t je;
        json_t *ex = json_loads(x->explanation, 0, &je);
        char skey[200];
        if (rc == TK_OK && session_key(x, ex, skey, sizeof skey)) {
            const size_t sl = strlen(skey);
            skey[0] = user ? 'S' : 's';
            /* the other entity's finding of the session, under the other letter */
            char okey[200];
            memcpy(okey, skey, sl + 1);
            okey[0] = user ? 's' : 'S';
            const int64_t *other = tk_strmap_get(by_ev, okey, sl);
            if (other != NULL)
                uf_join(p, i, (size_t)*other);
            if (tk_strmap_get(by_ev, skey, sl) == NULL)
                rc = tk_strmap_put(by_ev, skey, sl, (int64_t)i, NULL, err);
        }
        const json_t *ev = json_object_get(ex, "evidence");
        for (size_t e = 0; rc == TK_OK && e < json_array_size(ev); e++) {
            const json_int_t id = json_integer_value(json_array_get(ev, e));
            snprintf(key, sizeof key, "%c%lld", user ? 'u' : 't', (long long)id);
            const int64_t *other = NULL;
            char okey[32];
            snprintf(okey, sizeof okey, "%c%lld", user ? 't' : 'u', (long long)id);
            other = tk_strmap_get(by_ev, okey, strlen(okey));
            if (other != NULL)
                uf_join(p, i, (size_t)*other);
            if (tk_strmap_get(by_ev, key, strlen(key)) == NULL)
                rc = tk_strmap_put(by_ev, key, strlen(key), (int64_t)i, NULL, err);
        }
        json_decref(ex);
    }
    tk_strmap_destroy(by_ev);
    return rc;
}

/* Groups items[0..n) into cases (*out, owned array of *nout; items are
 * reordered) and scores them. */
/* A case's first score, for the walk down the list (make_cases). */
struct case_rank {
    double score;
    size_t i;
    int64_t np, nd;
};

static int cmp_rank(const void *a, const void *b)
{
    const struct case_rank *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int make_cases(const struct ctx *c, tk_db *db, struct item *items, size_t n,
                      struct item **out, size_t *nout, tk_error *err)
{
    *out = NULL;
    *nout = 0;
    qsort(items, n, sizeof *items, cmp_group);
    size_t *p = tk_calloc(n + 1, sizeof *p);
    size_t *next = tk_calloc(n + 1, sizeof *next);
    struct item *cases = tk_calloc(n + 1, sizeof *cases);
    struct caseinfo *ci = tk_calloc(n + 1, sizeof *ci);
    size_t *mem = tk_calloc(n + 1, sizeof *mem);
    tk_strmap *person = NULL, *dept = NULL, *seen = NULL, *above = NULL;
    struct case_rank *rank = NULL;
    size_t nc = 0;
    int rc = TK_OK;
    if (p == NULL || next == NULL || cases == NULL || ci == NULL || mem == NULL)
        rc = tk_error_set(err, TK_ENOMEM, "out of memory building cases");
    if (rc == TK_OK)
        rc = tk_strmap_create(&person, err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&dept, err);
    if (rc == TK_OK)
        rc = tk_strmap_create(&seen, err);
    if (rc != TK_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        p[i] = i;
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && strcmp(items[b].entity, items[a].entity) == 0 &&
               strcmp(items[b].entity_type, items[a].entity_type) == 0)
            b++;
        group_entity(items, a, b, p);
        a = b;
    }
    rc = join_entities(items, n, p, err);
    if (rc != TK_OK)
        goto done;
    /* Members of each root, in grouping order: a list per root. */
    size_t *head = next; /* reused below: next[i] is i's successor, n = none */
    for (size_t i = 0; i < n; i++)
        head[i] = n;
    size_t *tail = mem;
    for (size_t i = 0; i < n; i++) {
        const size_t r = uf_find(p, i);
        if (r != i)
            head[tail[r]] = i;
        tail[r] = i;
    }
    char key[600];
    for (size_t r = 0; rc == TK_OK && r < n; r++) {
        if (uf_find(p, r) != r)
            continue;
        size_t k = 0;
        for (size_t i = r; i != n; i = head[i])
            tail[k++] = i;
        rc = case_build(c, db, items, tail, k, &cases[nc], &ci[nc], err);
        nc++;
        /* Rarity: cases of each rule per person; distinct members per
         * (rule, 所属). */
        for (size_t q = 0; rc == TK_OK && q < k; q++) {
            const struct item *x = &items[tail[q]];
            if (x->source != 0)
                continue;
            snprintf(key, sizeof key, "%s\x1f%s\x1f%s\x1f%zu", x->entity_type, x->entity,
                     x->rule_id, nc);
            int64_t first = 0;
            rc = count_key(seen, key, &first, err);
            if (rc == TK_OK && first == 1) {
                snprintf(key, sizeof key, "%s\x1f%s\x1f%s", x->entity_type, x->entity, x->rule_id);
                int64_t cases_before = 0;
                rc = count_key(person, key, &cases_before, err);
                if (rc == TK_OK && cases_before == 1 && x->dept) {
                    snprintf(key, sizeof key, "%s\x1f%s", x->rule_id, x->dept);
                    rc = count_key(dept, key, NULL, err);
                }
            }
        }
    }
    /* Scored as if each case were its entity's first, then again walking
     * down that order: a case whose entity has a case above it ranks
     * lower (it can only fall, so the order it was judged in holds). */
    if (rc == TK_OK && (rank = tk_calloc(nc + 1, sizeof *rank)) == NULL)
        rc = tk_error_set(err, TK_ENOMEM, "out of memory building cases");
    for (size_t i = 0; rc == TK_OK && i < nc; i++) {
        struct item *cs = &cases[i];
        rank[i].i = i;
        rank[i].np = rank[i].nd = 1;
        if (cs->source == 0) {
            snprintf(key, sizeof key, "%s\x1f%s\x1f%s", cs->entity_type, cs->entity, cs->rule_id);
            rank[i].np = count_of(person, key);
            if (cs->dept) {
                snprintf(key, sizeof key, "%s\x1f%s", cs->rule_id, cs->dept);
                rank[i].nd = count_of(dept, key);
            }
        }
        rank[i].score = case_score(cs, &ci[i], rank[i].np, rank[i].nd, TK_CASESCORE_FIRST);
    }
    if (rc == TK_OK) {
        qsort(rank, nc, sizeof *rank, cmp_rank);
        rc = tk_strmap_create(&above, err);
    }
    for (size_t r = 0; rc == TK_OK && r < nc; r++) {
        struct item *cs = &cases[rank[r].i];
        int earlier = TK_CASESCORE_FIRST;
        if (cs->source == 0) {
            char ent[560];
            snprintf(ent, sizeof ent, "%s\x1f%s", cs->entity_type, cs->entity);
            snprintf(key, sizeof key, "%s\x1f%s", ent, cs->rule_id);
            earlier = count_of(above, key) > 0   ? TK_CASESCORE_SAME_RULE
                      : count_of(above, ent) > 0 ? TK_CASESCORE_OTHER_RULE
                                                 : TK_CASESCORE_FIRST;
            rc = count_key(above, key, NULL, err);
            if (rc == TK_OK)
                rc = count_key(above, ent, NULL, err);
        }
        cs->score = earlier == TK_CASESCORE_FIRST
                        ? rank[r].score
                        : case_score(cs, &ci[rank[r].i], rank[r].np, rank[r].nd, earlier);
        cs->score = score1(cs->score); /* ranked as listed */
    }
done:
    if (rc != TK_OK) {
        for (size_t i = 0; i < nc; i++)
            item_free(&cases[i]);
        tk_free(cases);
    } else {
        *out = cases;
        *nout = nc;
    }
    tk_free(p);
    tk_free(next);
    tk_free(ci);
    tk_free(mem);
    tk_strmap_destroy(person);
    tk_strmap_destroy(dept);
    tk_strmap_destroy(seen);
    tk_strmap_destroy(above);
    tk_free(rank);
    return rc;
}

/* The options a run used, as stored in analysis_runs.options (owned:
 * free(); NULL when out of memory): the stored version of the baseline
 * settings (0: the defaults or the caller's) and the values in effect. */
static char *run_options(const tk_analysis_options *o, const tk_bsettings *bs, int64_t version)
{
    json_t *j =
        json_pack("{s:I,s:I,s:I,s:I,s:f,s:f,s:b}", "seed", (json_int_t)o->seed, "settings_version",
                  (json_int_t)version, "trees", (json_int_t)o->trees, "sample_size",
                  (json_int_t)o->psi, "min_model_score", o->min_model_score, "min_period_score",
                  o->min_period_score, "custom_rules", o->rules != NULL);
    for (size_t i = TK_BS_SHRINK_DAYS; j != NULL && i < TK_BS_COUNT; i++)
        json_object_set_new(j, tk_bsettings_param_at(i)->name, json_real(bs->v[i]));
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}

/* Notes the baseline settings a run used when they are a stored version
 * or differ from the defaults. */
static int settings_note(const tk_bsettings *bs, int64_t version, int callers, json_t *notes,
                         tk_error *err)
{
    tk_bsettings d;
    tk_bsettings_defaults(&d);
    if (version == 0 && memcmp(&d, bs, sizeof d) == 0)
        return TK_OK;
    char desc[600], line[700];
    tk_bsettings_describe(bs, desc, sizeof desc);
    if (version > 0)
        snprintf(line, sizeof line, "baseline settings #%lld: %s", (long long)version, desc);
    else
        snprintf(line, sizeof line, "baseline settings %s: %s",
                 callers ? "given for this run" : "(defaults)", desc);
    if (json_array_append_new(notes, json_string(line)) != 0)
        return tk_error_set(err, TK_ENOMEM, "out of memory building results");
    return TK_OK;
}

/* Stores the run, its ranked list, facets and rule findings inside the
 * caller's transaction (tk_analysis_run's, which holds the period's
 * features too), so that a run is whole or absent. */
static int store(tk_db *db, const tk_period *pr, const tk_period *base, int64_t events,
                 struct item *items, size_t n, const char *notes, const tk_analysis_options *o,
                 const tk_bsettings *bs, int64_t settings_version, const tk_rules_result *rr,
                 int64_t *run_id, tk_error *err)
{
    const tk_actor *actor = o->actor;
    sqlite3_stmt *st = NULL, *ex_st = NULL;
    char *options = run_options(o, bs, settings_version);
    int rc = options == NULL
                 ? tk_error_set(err, TK_ENOMEM, "out of memory storing the run")
                 : tk_db_prepare(db, &st,
                                 "INSERT INTO analysis_runs(first_day, last_day, baseline_first,"
                                 " baseline_last, created_at, events, items, notes, started_by,"
                                 " options) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                                 err);
    if (rc != TK_OK) {
        free(options);
        goto done;
    }
    sqlite3_bind_text(st, 10, options, -1, free);
    sqlite3_bind_int64(st, 1, pr->first_day);
    sqlite3_bind_int64(st, 2, pr->last_day);
    sqlite3_bind_int64(st, 3, base->first_day);
    sqlite3_bind_int64(st, 4, base->last_day);
    sqlite3_bind_int64(st, 5, tk_actor_now(actor));
    if (actor != NULL && actor->name != NULL)
        sqlite3_bind_text(st, 9, actor->name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 9);
    sqlite3_bind_int64(st, 6, events);
    sqlite3_bind_int64(st, 7, (int64_t)n);
    if (notes)
        sqlite3_bind_text(st, 8, notes, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    rc = tk_db_step(db, st, err);
    sqlite3_finalize(st);
    st = NULL;
    if (rc < 0)
        goto done;
    *run_id = sqlite3_last_insert_rowid(tk_db_handle(db));
    rc = tk_db_prepare(db, &st,
                       "INSERT INTO anomalies(run_id, rank, entity_type, entity_id, day, score,"
                       " source, rule_id, severity, summary, first_day, last_day,"
                       " days, rules, findings)"
                       " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?12,?13,?14,?15,?16)",
                       err);
    if (rc == TK_OK)
        rc = tk_db_prepare(db, &ex_st,
                           "INSERT INTO anomaly_explanations(id, explanation) VALUES(?1,?2)", err);
    for (size_t i = 0; rc == TK_OK && i < n; i++) {
        const struct item *it = &items[i];
        sqlite3_bind_int64(st, 1, *run_id);
        sqlite3_bind_int64(st, 2, (int64_t)i + 1);
        sqlite3_bind_text(st, 3, it->entity_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, it->entity, -1, SQLITE_STATIC);
        if (it->day == PERIOD_ITEM)
            sqlite3_bind_null(st, 5);
        else
            sqlite3_bind_int64(st, 5, it->day);
        sqlite3_bind_double(st, 6, score1(it->score));
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
        sqlite3_bind_int64(st, 12, it->first);
        sqlite3_bind_int64(st, 13, it->last);
        sqlite3_bind_int64(st, 14, (int64_t)it->days);
        if (it->rules[0])
            sqlite3_bind_text(st, 15, it->rules, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 15);
        sqlite3_bind_int64(st, 16, (int64_t)it->nfindings);
        rc = tk_db_step(db, st, err);
        sqlite3_reset(st);
        if (rc < 0)
            break;
        sqlite3_bind_int64(ex_st, 1, sqlite3_last_insert_rowid(tk_db_handle(db)));
        sqlite3_bind_text(ex_st, 2, it->explanation, -1, SQLITE_STATIC);
        rc = tk_db_step(db, ex_st, err);
        sqlite3_reset(ex_st);
        rc = rc < 0 ? rc : TK_OK;
    }
    /* The list's facets (所属, systems) and the rule findings in the same
     * transaction: a stored run is whole or absent, never without its
     * findings or its facets. */
    if (rc == TK_OK)
        rc = tk_anomalies_index(db, *run_id, err);
    if (rc == TK_OK)
        rc = tk_rules_save(rr, db, *run_id, err);
done:
    sqlite3_finalize(st);
    sqlite3_finalize(ex_st);
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
    const tk_analysis_options *o; /* the cancel hook */
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
    if (is_cancelled(j->o))
        return check_cancel(j->o, err); /* the workers stop: the pass ends */
    pthread_mutex_lock(&j->mu);
    while (!j->failed && !j->closed && free_slots(j) < (day == j->next ? 1 : 2))
        pthread_cond_wait(&j->cv, &j->mu);
    if (j->failed || j->closed) {
        const int closed = j->closed;
        pthread_mutex_unlock(&j->mu);
        return tk_error_set(err, TK_EINTERNAL, "the %s stopped",
                            closed ? "feature pass" : "rule checks");
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
        int rc = check_cancel(j->o, &j->err);
        if (rc == TK_OK)
            rc = tk_rules_feed(j->pass, q->day, q->rows, q->n, &j->err);
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
    const int e = pthread_create(&j->thread, NULL, rules_main, j);
    /* EAGAIN is the thread's stack not fitting the address space. */
    if (e == EAGAIN)
        return tk_error_set(err, TK_ENOMEM,
                            "out of memory: cannot start the rule checks' thread (its stack does "
                            "not fit; is ulimit -v set too low?)");
    if (e != 0)
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

/* The feature pass stopped early (tk_userday_options.on_stop): the days
 * it will not deliver must not keep the rules thread or a worker blocked
 * in on_day() waiting. */
static void rules_stop(void *ctx)
{
    rules_close(ctx);
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

/* The feature pass's progress, day by day, as the stage's share of the
 * whole run (called from the workers, one at a time). */
struct day_progress {
    const tk_analysis_options *o;
    size_t days, done;
};

static void day_done(void *ctx, int64_t day, size_t events)
{
    struct day_progress *p = ctx;
    (void)day;
    (void)events;
    p->done++;
    stage(p->o, "features and rules", 0.05 + 0.35 * (double)p->done / (double)p->days);
}

/* A dry run's list: the cases copied into the summary. */
static int dry_list(const struct item *cases, size_t n, tk_analysis_summary *sum, tk_error *err)
{
    sum->cases_list = tk_calloc(n + 1, sizeof *sum->cases_list);
    if (sum->cases_list == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory building results");
    for (size_t i = 0; i < n; i++) {
        tk_analysis_case *k = &sum->cases_list[i];
        snprintf(k->rule_id, sizeof k->rule_id, "%s", cases[i].source == 0 ? cases[i].rule_id : "");
        snprintf(k->entity_type, sizeof k->entity_type, "%s", cases[i].entity_type);
        snprintf(k->severity, sizeof k->severity, "%s", cases[i].severity);
        k->first_day = cases[i].first;
        k->last_day = cases[i].last;
        k->score = score1(cases[i].score);
        k->entity = dup(cases[i].entity);
        if (k->entity == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory building results");
    }
    return TK_OK;
}

/* Appends a note line of models/suppress to the run's notes. */
static int add_note(void *ctx, const char *line)
{
    return json_array_append_new(ctx, json_string(line)) != 0;
}

void tk_analysis_summary_dispose(tk_analysis_summary *sum)
{
    if (sum != NULL) {
        free(sum->notes); /* json_dumps */
        sum->notes = NULL;
        for (size_t i = 0; sum->cases_list != NULL && i < sum->cases; i++)
            tk_free(sum->cases_list[i].entity);
        tk_free(sum->cases_list);
        sum->cases_list = NULL;
    }
}

int tk_analysis_run(tk_tenant *t, const tk_period *pr, const tk_analysis_options *opt,
                    tk_analysis_summary *sum, tk_error *err)
{
    static const tk_analysis_options defaults = TK_ANALYSIS_OPTIONS_INIT;
    tk_analysis_options eff = opt ? *opt : defaults; /* with the baseline settings filled in */
    const tk_analysis_options *o = &eff;
    tk_db *db = tk_tenant_db(t);
    tk_mastersnap *ms = NULL;
    tk_calendar *cal = NULL;
    tk_userday *ud = NULL;
    tk_rules_result *rr = NULL;
    struct item *items = NULL, *cases = NULL;
    tk_tod_shift *shifts = NULL;
    int64_t *shift_days = NULL;
    size_t nitems = 0, ncases = 0;
    struct ctx c;
    struct rules_job job;
    json_t *notes = NULL;
    tk_suppress_set sup = {NULL, 0, NULL};
    const double t0 = now_s();
    int rc;

    memset(sum, 0, sizeof *sum);
    memset(&c, 0, sizeof c);
    memset(&job, 0, sizeof job);
    c.per = *pr;
    /* The baseline settings: the caller's, or the tenant's in force. */
    tk_bsettings bs;
    if (eff.settings != NULL) {
        bs = *eff.settings;
    } else {
        tk_bsettings_version bv;
        rc = tk_bsettings_read(db, &bv, err);
        if (rc != TK_OK)
            return rc;
        bs = bv.s;
        sum->settings_version = bv.id;
        tk_bsettings_version_dispose(&bv);
    }
    if (eff.trees == 0)
        eff.trees = (size_t)bs.v[TK_BS_TREES];
    if (eff.psi == 0)
        eff.psi = (size_t)bs.v[TK_BS_SAMPLE];
    if (eff.min_model_score == 0.0)
        eff.min_model_score = bs.v[TK_BS_MIN_MODEL_SCORE];
    if (eff.min_period_score == 0.0)
        eff.min_period_score = bs.v[TK_BS_MIN_PERIOD_SCORE];
    c.base = o->baseline;
    if (c.base.first_day > c.base.last_day) {
        c.base.first_day = pr->first_day - (int64_t)bs.v[TK_BS_BASELINE_DAYS];
        c.base.last_day = pr->first_day - 1;
    }
    tk_bsettings_counts(&bs, &c.bopt);
    int in_tx = 0; /* the transaction that stores the run is open */
    job.o = o;
    rc = o->dry_run ? TK_OK : tk_period_check_open(db, pr, err);
    if (rc == TK_OK)
        rc = check_cancel(o, err);
    if (rc == TK_OK)
        rc = tk_suppress_set_load(db, &sup, err);
    if (rc != TK_OK)
        return rc;
    const int64_t first = c.base.first_day < pr->first_day ? c.base.first_day : pr->first_day;
    stage(o, "master data", 0.02);
    rc = tk_mastersnap_load(&ms, t, first, pr->last_day, err);
    if (rc == TK_OK)
        rc = tk_calendar_load(&cal, t, NULL, err); /* the tenant's hours settings */
    if (rc != TK_OK)
        goto done;
    sum->t_master = now_s() - t0;
    rc = rules_start(&job, db, ms, cal, pr, first, o->rules, err);
    if (rc != TK_OK)
        goto done;
    stage(o, "features and rules", 0.05);
    struct day_progress dp = {o, (size_t)(pr->last_day - first + 1), 0};
    tk_userday_options uo = TK_USERDAY_OPTIONS_INIT;
    uo.master = ms;
    uo.calendar = cal;
    uo.on_day = on_day;
    uo.on_day_ctx = &job;
    uo.on_stop = rules_stop;
    uo.threads = o->threads;
    if (o->progress) {
        uo.progress = day_done;
        uo.progress_ctx = &dp;
    }
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
    /* One transaction from here: the period's features, then the run (a
     * dry run writes nothing). */
    if (rc == TK_OK)
        rc = check_cancel(o, err);
    if (rc == TK_OK && !o->dry_run) {
        rc = tk_db_begin(db, err);
        in_tx = rc == TK_OK;
    }
    if (rc == TK_OK && !o->dry_run)
        rc = tk_userday_save(ud, db, err);
    if (rc != TK_OK)
        goto done;
    c.s = ud;
    c.ms = ms;
    c.rows = tk_userday_rows(ud, &c.nrows);
    c.trows = tk_userday_term_rows(ud, &c.ntrows);
    for (int64_t d = first; d <= pr->last_day; d++) {
        const int64_t n = (int64_t)tk_userday_day_events(ud, d);
        sum->events += n;
        sum->period_events += in(pr, d) ? n : 0;
        sum->baseline_events += in(&c.base, d) ? n : 0;
    }
    sum->baseline = c.base;
    c.rs = tk_calloc(c.nrows + 1, sizeof *c.rs);
    if (c.rs == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory scoring");
        goto done;
    }
    sum->t_features = now_s() - t0 - sum->t_master;
    stage(o, "baselines", 0.40);
    rc = kenmu_depts(&c, err);
    if (rc == TK_OK)
        rc = score_counts(&c, err);
    if (rc == TK_OK)
        rc = check_cancel(o, err);
    stage(o, "isolation forest and distance", 0.55);
    if (rc == TK_OK)
        rc = score_continuous(&c, err);
    if (rc == TK_OK)
        rc = score_tod(&c, err);
    if (rc == TK_OK)
        rc = score_multivariate(&c, o, err);
    if (rc == TK_OK)
        rc = check_cancel(o, err);
    if (rc == TK_OK)
        rc = normalise(&c, err);
    if (rc == TK_OK)
        rc = score_user_periods(&c, err);
    if (rc == TK_OK)
        rc = score_terminals(&c, err);
    if (rc == TK_OK)
        rc = score_terminal_periods(&c, err);
    if (rc != TK_OK)
        goto done;
    sum->t_models = now_s() - t0 - sum->t_master - sum->t_features;
    stage(o, "finishing the rule checks", 0.65);
    rc = check_cancel(o, err);
    if (rc == TK_OK)
        rc = rules_collect(&job, &rr, err);
    if (rc == TK_OK)
        rc = check_cancel(o, err);
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
            if (c.rs[r].score >= o->min_model_score &&
                !in_training(&c, c.rows[r].user, c.rows[r].day))
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
    size_t nt = 0;
    for (size_t r = 0; r < c.ntrows; r++)
        nt += in(&c.per, c.trows[r].day) && c.ts[r].score >= o->min_model_score;
    size_t np = 0;
    for (size_t u = 0; u < c.nruns; u++)
        np += c.ps[u].valid && !c.ps[u].kenmu && c.ps[u].score >= o->min_period_score;
    for (size_t u = 0; u < c.ntruns; u++)
        np += c.tps[u].valid && c.tps[u].score >= o->min_period_score;
    /* Start-of-work shifts (each needs 20 baseline working days). */
    shifts = tk_calloc(c.nruns + 1, sizeof *shifts);
    shift_days = tk_calloc(c.nruns + 1, sizeof *shift_days);
    if (shifts == NULL || shift_days == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory building results");
        goto done;
    }
    size_t nsh = 0;
    for (size_t u = 0; rc == TK_OK && u < c.nruns; u++) {
        rc = start_shift(&c, u, &shifts[u], &shift_days[u], err);
        nsh += rc == TK_OK && shifts[u].found;
    }
    if (rc != TK_OK)
        goto done;
    items = tk_calloc(nf * MAX_CASE_USERS + nm + nt + np + nsh + 1, sizeof *items);
    notes = json_array();
    if (items == NULL || notes == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory building results");
        goto done;
    }
    if (sum->baseline_events == 0) {
        /* Without history every model score is 0 (a day is compared with
         * the baseline's days): say so rather than list no anomaly. */
        char line[160], b[32];
        tk_period_format(&c.base, b, sizeof b);
        snprintf(line, sizeof line,
                 "no events in the baseline window %s: the models are not scored; only the "
                 "rules ran",
                 b);
        if (json_array_append_new(notes, json_string(line)) != 0)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory building results");
    }
    for (size_t i = 0; rc == TK_OK && i < tk_rules_result_note_count(rr); i++)
        if (json_array_append_new(notes, json_string(tk_rules_result_note(rr, i))) != 0)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory building results");
    if (rc == TK_OK)
        rc = settings_note(&bs, sum->settings_version, eff.settings != NULL, notes, err);
    for (size_t i = 0; rc == TK_OK && i < nf; i++) {
        const size_t from = nitems;
        rc = rule_items(&c, tk_rules_result_at(rr, i), items, &nitems, notes, err);
        for (size_t k = from; rc == TK_OK && k < nitems;) /* models/suppress.h */
            if (tk_suppress_match(&sup, items[k].rule_id, items[k].entity_type, items[k].entity,
                                  tk_rules_result_at(rr, i)->day_from)) {
                item_free(&items[k]);
                items[k] = items[--nitems];
            } else {
                k++;
            }
    }
    sum->suppressed = tk_suppress_hits(&sup);
    if (rc == TK_OK && tk_suppress_notes(&sup, add_note, notes) != 0)
        rc = tk_error_set(err, TK_ENOMEM, "out of memory building results");
    sum->findings = nitems;
    for (size_t r = 0; rc == TK_OK && r < c.nrows; r++) {
        if (in(&c.per, c.rows[r].day) && c.rs[r].score >= o->min_model_score &&
            !in_training(&c, c.rows[r].user, c.rows[r].day))
            rc = model_item(&c, r, &items[nitems++], err);
    }
    for (size_t r = 0; rc == TK_OK && r < c.ntrows; r++) {
        if (in(&c.per, c.trows[r].day) && c.ts[r].score >= o->min_model_score)
            rc = term_item(&c, r, &items[nitems++], err);
    }
    sum->terminal_items = nt;
    for (size_t u = 0; rc == TK_OK && u < c.nruns; u++) {
        if (c.ps[u].valid && !c.ps[u].kenmu && c.ps[u].score >= o->min_period_score)
            rc = period_item(&c, u, 0, &items[nitems++], err);
    }
    for (size_t u = 0; rc == TK_OK && u < c.ntruns; u++) {
        if (c.tps[u].valid && c.tps[u].score >= o->min_period_score)
            rc = period_item(&c, u, 1, &items[nitems++], err);
    }
    for (size_t u = 0; rc == TK_OK && u < c.nruns; u++)
        if (shifts[u].found)
            rc = shift_item(&c, u, &shifts[u], shift_days[u], &items[nitems++], err);
    sum->period_items = np + nsh;
    if (rc == TK_OK) {
        qsort(items, nitems, sizeof *items, cmp_item_day);
        rc = add_model_evidence(db, ud, items, nitems, err);
    }
    if (rc == TK_OK)
        rc = make_cases(&c, db, items, nitems, &cases, &ncases, err);
    if (rc != TK_OK)
        goto done;
    qsort(cases, ncases, sizeof *cases, cmp_items);
    if (json_array_size(notes) > 0) {
        sum->notes = json_dumps(notes, JSON_COMPACT);
        if (sum->notes == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory building results");
            goto done;
        }
    }
    sum->nnotes = json_array_size(notes);
    sum->cases = ncases;
    rc = check_cancel(o, err);
    if (rc == TK_OK && o->dry_run)
        rc = dry_list(cases, ncases, sum, err);
    else if (rc == TK_OK)
        rc = store(db, pr, &c.base, sum->events, cases, ncases, sum->notes, o, &bs,
                   sum->settings_version, rr, &sum->run_id, err);
    /* The last moment a cancel can take effect: before the commit. */
    if (rc == TK_OK && in_tx)
        rc = check_cancel(o, err);
    if (rc == TK_OK && in_tx)
        rc = tk_db_commit(db, err);
    if (rc != TK_OK)
        goto done;
    in_tx = 0;
    sum->model_items = nm;
    sum->seconds = now_s() - t0;
    sum->t_ranking = sum->seconds - sum->t_master - sum->t_features - sum->t_models - sum->t_wait;
    stage(o, "done", 1.0);
done:
    if (in_tx)
        tk_db_rollback(db);
    tk_free(shifts);
    tk_free(shift_days);
    if (rc != TK_OK)
        tk_analysis_summary_dispose(sum);
    for (size_t i = 0; i < nitems; i++)
        item_free(&items[i]);
    tk_free(items);
    for (size_t i = 0; i < ncases; i++)
        item_free(&cases[i]);
    tk_free(cases);
    tk_free(c.rs);
    tk_free(c.kdept);
    tk_free(c.run_first);
    tk_free(c.pri);
    tk_free(c.um);
    tk_free(c.ps);
    tk_free(c.ts);
    tk_free(c.trun_first);
    tk_free(c.tm);
    tk_free(c.tpri);
    tk_free(c.tps);
    json_decref(notes);
    tk_suppress_set_dispose(&sup);
    tk_strmap_destroy(c.user_ids);
    tk_rules_result_destroy(rr);
    rules_dispose(&job);
    tk_userday_destroy(ud);
    tk_calendar_destroy(cal);
    tk_mastersnap_destroy(ms);
    return rc;
}
