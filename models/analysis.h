/* models/analysis.h -- one analysis of a period: features, baselines,
 * scores, rule checks, and the ranked, explained list.
 *
 * tk_analysis_run() computes the user-day features of the baseline window
 * and the period, fits per-user count baselines shrunk towards the 所属
 * (models/baseline), compares each period day with the user's own history
 * and with the 所属 on the same day, scores the days with an isolation
 * forest and a robust Mahalanobis distance trained on the baseline window,
 * runs the rule catalogue (models/rules), and stores one ranked list of
 * rule findings and model anomalies with their explanations. Each stored
 * item has a 0-100 score normalised against the tenant's history (the
 * baseline window), so that a score means the same in the next period.
 *
 * This module owns the tables analysis_runs and anomalies and writes them;
 * models/anomalies reads them. Not thread-safe per tenant (one analysis at
 * a time). */
#ifndef TK_ANALYSIS_H
#define TK_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "models/bsettings.h"
#include "models/rulecat.h"
#include "src/actor.h"
#include "src/error.h"
#include "src/period.h"
#include "src/tenant.h"

typedef struct tk_analysis_options {
    /* Baseline window; first_day > last_day (the default) means the
     * baseline_days days before the period (models/bsettings.h: 183 unless
     * the tenant changed it). */
    tk_period baseline;
    const tk_rulecat_config *rules; /* borrowed; NULL: catalogue defaults */
    uint64_t seed;                  /* isolation forest */
    /* trees, psi, min_model_score and min_period_score: 0 (the default)
     * means the baseline settings' value (models/bsettings.h); any other
     * value overrides it for this run. */
    size_t trees;           /* isolation forest trees */
    size_t psi;             /* isolation forest sample size */
    double min_model_score; /* user-day model items below this are not listed */
    /* User-period items below this are not listed. Lower than the day's
     * threshold because a user has one period and some forty days: 35 (one
     * user-window in 56 of the tenant's history) lists fewer period items
     * per user than 50 lists days. */
    double min_period_score;
    /* Called at each stage with a short English name and 0..1 progress of
     * the whole run; may be NULL. */
    void (*progress)(void *ctx, const char *stage, double done);
    void *progress_ctx;
    /* Worker threads of the feature pass (features/userday) and of the
     * isolation forest: 0 = one per CPU this process may run on (its
     * affinity mask, so taskset is respected), at most 64. BLAS calls
     * inside the workers use one thread each (models/blas.h), so this is
     * the run's whole parallelism. The result does not depend on it. */
    int threads;
    /* Polled between the stages and inside the long ones (the feature
     * workers, once per day each; the models, between their steps; the
     * rule checks, once per day), so that a cancel takes effect within
     * about a second: when it returns non-zero the run stops and returns
     * TK_ECANCELLED, having stored nothing. May be NULL; called from
     * several threads at once, so it must be thread-safe (an atomic flag). */
    int (*cancelled)(void *ctx);
    void *cancel_ctx;
    /* Who starts the run and its clock (borrowed; NULL: unrecorded, the
     * real-time clock): recorded on the run (started_by, created_at). */
    const tk_actor *actor;
    /* A dry run (a preview of a configuration): nothing is written -- the
     * tenant may be open read-only -- and the ranked list is returned in
     * the summary's cases_list instead of being stored (run_id 0). */
    int dry_run;
    /* The baseline settings (borrowed): NULL means the tenant's version in
     * force (models/bsettings.h), read at the start of the run. A run whose
     * settings are a stored version or differ from the defaults says so in
     * its notes ("baseline settings #3: trees 200"); every run records
     * the values it used in analysis_runs.options. */
    const tk_bsettings *settings;
} tk_analysis_options;

// clang-format off
#define TK_ANALYSIS_OPTIONS_INIT \
    {{1, 0}, NULL, 20241001, 0, 0, 0.0, 0.0, NULL, NULL, 0, NULL, NULL, NULL, 0, NULL}
// clang-format on

/* One case of a dry run's ranked list. */
typedef struct tk_analysis_case {
    char rule_id[8];      /* the leading rule; "" for a models-only case */
    char entity_type[16]; /* "user" or "terminal" */
    char *entity;         /* owned by the summary */
    int64_t first_day;    /* a period case: the period's first day */
    int64_t last_day;
    double score;      /* 0-100, one decimal */
    char severity[12]; /* "" when none */
} tk_analysis_case;

typedef struct tk_analysis_summary {
    int64_t run_id;
    int64_t events;          /* events read (baseline and period) */
    int64_t period_events;   /* of which in the period */
    int64_t baseline_events; /* of which in the baseline window */
    tk_period baseline;      /* the baseline window used */
    size_t user_days;        /* user-days of the period */
    size_t findings;         /* rule items listed (a resident-level finding lists one per staff) */
    size_t model_items;      /* model anomalies listed: user-days */
    size_t period_items;     /* model anomalies listed: user- and terminal-periods (day empty) */
    size_t cases;            /* items of the stored list: the above grouped into cases */
    size_t terminal_items;   /* model anomalies listed: terminal-days */
    /* Notes of the run as a JSON array of one-line strings (R29 gaps in a
     * system's log, rules not evaluated for want of master data, a
     * baseline window without events), or NULL when there are none; owned:
     * tk_analysis_summary_dispose(). Also stored with the run
     * (analysis_runs.notes). */
    char *notes;
    size_t nnotes;
    /* Rule items not listed because a suppression (models/suppress.h)
     * covers them; the notes name the suppressions. */
    size_t suppressed;
    /* The stored version of the baseline settings the run used; 0: the
     * defaults never stored, or the caller's settings. */
    int64_t settings_version;
    double seconds;
    /* Wall-clock seconds per stage: master data and calendar, features,
     * models (baselines, forest, distance, normalisation), waiting for the
     * rules after the models, ranking and storage; they add up to seconds.
     * The rule checks run alongside features and models: t_rules is their
     * own duration. */
    double t_master, t_features, t_models, t_wait, t_ranking, t_rules;
    /* A dry run's ranked list, in rank order (owned; NULL otherwise). */
    tk_analysis_case *cases_list;
} tk_analysis_summary;

/* Analyses period pr of tenant t (borrowed; open read-write, through
 * tk_analysis_open_tenant so that its tables exist). The period's features,
 * the run, its ranked list, facets and rule findings are stored in one
 * transaction: a run that fails or is cancelled stores nothing.
 * Returns TK_OK (sum filled), TK_EFROZEN (the period's report was delivered:
 * nothing is computed), TK_ECANCELLED (opt->cancelled said so), TK_EINVAL,
 * TK_EDB, TK_ENOMEM or a model's error. */
TK_MUST_CHECK int tk_analysis_run(tk_tenant *t, const tk_period *pr, const tk_analysis_options *opt,
                                  tk_analysis_summary *sum, tk_error *err);

/* Frees what a summary owns (notes). */
void tk_analysis_summary_dispose(tk_analysis_summary *sum);

/* Creates the tables this module owns. Idempotent. */
TK_MUST_CHECK int tk_analysis_migrate(tk_db *db, tk_error *err);

/* ---- opening tenants ----------------------------------------------------
 *
 * Every table of a tenant exists from the moment it is opened: the tables
 * of features/ and models/ (features, rule configurations, findings, runs,
 * ranked lists, triage) are created with src/'s when a tenant is created
 * or its schema upgraded, in one transaction (src/tenant.h, "upper-layer
 * tables"), never lazily by the call that first writes them. Every
 * command and the service open tenants through these two functions. */

/* The migrations of every table above src/, in order (static, borrowed). */
const tk_tenant_migrations *tk_analysis_migrations(void);

/* tk_tenant_open_ex() with tk_analysis_migrations(). */
TK_MUST_CHECK int tk_analysis_open_tenant(tk_tenant **out, const char *data_dir, const char *name,
                                          int flags, tk_error *err);

/* tk_tenant_create_ex() with tk_analysis_migrations(). */
TK_MUST_CHECK int tk_analysis_create_tenant(tk_tenant **out, const char *data_dir, const char *name,
                                            tk_error *err);

/* Reading stored runs and their ranked lists: models/anomalies. */

#endif
