/* models/rules.h -- evaluating the rule catalogue over a period: findings.
 *
 * tk_rules_run() is the whole analysis of the fixed rules for one tenant
 * and one period [first_day, last_day] (JST days since 1970-01-01): it
 * loads the master-data snapshot and the calendar, reads the events a day
 * at a time (features/dayevents.h) from `baseline_days` before the period
 * to its end, and returns the findings. The baseline days are read, never
 * reported on: they give the per-所属 distributions of the percentile
 * thresholds (R03, R11, R24), the history of the log-gap check (R29) and
 * the state of the multi-day windows (R05, R06, sessions) at the start of
 * the period. docs/rules.md lists the rules and how master data lowers or
 * suppresses a finding.
 *
 * A finding is about one entity (a member of staff, a terminal, a
 * resident -- by pseudonym, never by number -- or a system) on one day or
 * a span of days, and carries its severity, a one-line Japanese summary,
 * the measured value and threshold, the legitimising context when master
 * data lowered it, and the ids of its evidence events. Findings are
 * deterministic (same store, master data and configuration: same list)
 * and sorted by severity (critical first), first day, rule id, entity.
 *
 * Storage: tk_rules_save() writes a result into the tables `findings` and
 * `finding_runs`, which this module owns (schema in rules.c and
 * docs/rules.md).
 *
 * Thread-safety: a run uses the tenant's connection (the tenant's
 * one-thread rule). A result is immutable and may be read by any number
 * of threads. */
#ifndef TK_RULES_H
#define TK_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "features/dayevents.h"
#include "models/rulecat.h"
#include "src/calendar.h"
#include "src/db.h"
#include "src/error.h"
#include "src/mastersnap.h"
#include "src/tenant.h"

/* What happens to a case that master data explains (an overtime order
 * covering the evening, a 兼務, a transfer's handover days, ...). */
enum {
    TK_RULES_EXPLAINED_DROP = 0, /* not raised (default) */
    TK_RULES_EXPLAINED_LOW = 1   /* raised at low severity with the context */
};

typedef struct tk_rules_options {
    const tk_rulecat_config *config; /* borrowed; NULL: the catalogue's defaults */
    int64_t baseline_days;           /* days read before first_day (0..3660) */
    size_t max_evidence;             /* evidence ids kept per finding (1..10000) */
    int explained;                   /* TK_RULES_EXPLAINED_* */
    /* tk_rules_run() only: business hours and night (borrowed; NULL:
     * TK_CALENDAR_OPTIONS_INIT). */
    const tk_calendar_options *calendar;
    /* Called after each day is read; may be NULL. */
    void (*progress)(void *ctx, int64_t day, int64_t first_day, int64_t last_day);
    void *progress_ctx;
} tk_rules_options;

/* A quarter of a year of baseline, 50 evidence ids, explained cases
 * dropped. */
// clang-format off
#define TK_RULES_OPTIONS_INIT {NULL, 91, 50, TK_RULES_EXPLAINED_DROP, NULL, NULL, NULL}
// clang-format on

/* One finding. Every pointer is borrowed from the result and lives as
 * long as it. */
typedef struct tk_rules_finding {
    const char *rule_id;  /* "R03" (static) */
    size_t rule;          /* catalogue index (tk_rulecat_rule_at()) */
    int item;             /* inspection item (点檢項目, docs/rules.md); 30 for R30, 0 R31/R32 */
    int entity_type;      /* TK_RULECAT_USER, _TERMINAL, _RESIDENT or _SYSTEM */
    const char *entity;   /* 職員ID (as the log writes it), 端末名, the resident's
                             pseudonym as 64 hex digits, or the system name */
    const char *resident; /* pseudonym (64 hex) of the resident concerned, or NULL */
    int64_t day_from;     /* JST days since 1970-01-01; equal for one-day findings */
    int64_t day_to;
    int severity;            /* TK_RULECAT_*, after escalation and legitimising context */
    int rule_severity;       /* the rule's configured severity */
    double score_hint;       /* 0-100 for ranking: severity band plus value / threshold */
    const char *summary;     /* one line, Japanese */
    double value;            /* what was measured (residents, minutes, records, ...) */
    double threshold;        /* what it was compared with (0 when "any") */
    const char *unit;        /* unit of value and threshold ("人", "件", ...; static) */
    const char *context;     /* legitimising context that lowered it, or NULL */
    const char *detail;      /* JSON object: dept, systems, terminals, times, ... */
    const int64_t *evidence; /* event ids (the store's), in time order */
    size_t nevidence;        /* at most max_evidence */
    uint64_t evidence_total; /* events behind the finding */
} tk_rules_finding;

typedef struct tk_rules_stats {
    uint64_t events;        /* events read, baseline included */
    uint64_t period_events; /* events of the period's days */
    int64_t days;           /* days read */
    double seconds;         /* wall time of the evaluation */
    size_t by_severity[5];  /* findings per TK_RULECAT_* severity (index 0 unused) */
} tk_rules_stats;

typedef struct tk_rules_result tk_rules_result;

/* Evaluates every enabled rule over [first_day, last_day] for tenant t
 * (borrowed; used, not kept): loads the master-data snapshot of
 * [first_day - baseline_days, last_day] and the calendar, and reads the
 * events day by day inside one read transaction (unless the caller holds
 * one). opt is borrowed (NULL: TK_RULES_OPTIONS_INIT). *out is an owned
 * result: tk_rules_result_destroy(); NULL on failure.
 * Returns TK_OK, TK_EINVAL (first_day > last_day, a period of more than
 * 3660 days, an option out of range), TK_ENOMEM, TK_EDB or TK_EPARSE (a
 * damaged event block). */
TK_MUST_CHECK int tk_rules_run(tk_tenant *t, int64_t first_day, int64_t last_day,
                               const tk_rules_options *opt, tk_rules_result **out, tk_error *err);

/* The same with master data and calendar the caller loaded (for sharing
 * them with other models). db, ms and cal are borrowed; ms must cover
 * [first_day - baseline_days, last_day] (days outside it get the nearest
 * version). opt->calendar is ignored. Returns as tk_rules_run(). */
TK_MUST_CHECK int tk_rules_eval(tk_db *db, const tk_mastersnap *ms, const tk_calendar *cal,
                                int64_t first_day, int64_t last_day, const tk_rules_options *opt,
                                tk_rules_result **out, tk_error *err);

/* The same fed by the caller, for a caller that reads the events anyway
 * (the analysis shares its feature pass's reading with the rules):
 * tk_rules_begin() sets up an evaluation (names are read from db, which
 * is not used afterwards); tk_rules_feed() takes every day from
 * first_day - baseline_days to last_day, one after the other, with that
 * day's events as tk_dayevents_load() gives them (sorted by user, time,
 * id; borrowed for the call); tk_rules_end() finishes and hands over the
 * result. A pass is used by one thread at a time; ms and cal must outlive
 * it. tk_rules_pass_destroy() frees a pass (ended or not; NULL is
 * accepted). Feeding a day out of order, or ending before the last day,
 * is TK_EINVAL. */
typedef struct tk_rules_pass tk_rules_pass;
TK_MUST_CHECK int tk_rules_begin(tk_rules_pass **out, tk_db *db, const tk_mastersnap *ms,
                                 const tk_calendar *cal, int64_t first_day, int64_t last_day,
                                 const tk_rules_options *opt, tk_error *err);
TK_MUST_CHECK int tk_rules_feed(tk_rules_pass *p, int64_t day, const tk_dayevent *rows, size_t n,
                                tk_error *err);
TK_MUST_CHECK int tk_rules_end(tk_rules_pass *p, tk_rules_result **out, tk_error *err);
void tk_rules_pass_destroy(tk_rules_pass *p);

/* Frees r. Accepts NULL. */
void tk_rules_result_destroy(tk_rules_result *r);

/* The findings, sorted; i < count. Borrowed from r. */
size_t tk_rules_result_count(const tk_rules_result *r);
const tk_rules_finding *tk_rules_result_at(const tk_rules_result *r, size_t i);

/* Statistics of the run (borrowed). */
const tk_rules_stats *tk_rules_result_stats(const tk_rules_result *r);

/* Notes about the run, one line each (e.g. "R12: no authorizations master
 * data; rule not evaluated"): count and note i (borrowed). */
size_t tk_rules_result_note_count(const tk_rules_result *r);
const char *tk_rules_result_note(const tk_rules_result *r, size_t i);

/* The period and the configuration (as tk_rulecat_config_json() writes
 * it; borrowed) the result was computed with. */
int64_t tk_rules_result_first_day(const tk_rules_result *r);
int64_t tk_rules_result_last_day(const tk_rules_result *r);
const char *tk_rules_result_config(const tk_rules_result *r);

/* The result as JSON: {"first_day", "last_day", "stats", "notes",
 * "findings": [{"rule_id", "item", "name_ja", "entity_type", "entity",
 * "resident", "day_from", "day_to", "severity", "rule_severity",
 * "score_hint", "summary", "value", "threshold", "unit", "context",
 * "detail", "evidence", "evidence_total"}]}, days as YYYY-MM-DD. *out is
 * an owned string: free() it. Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rules_result_json(const tk_rules_result *r, char **out, tk_error *err);

/* Creates the tables findings and finding_runs in db if missing.
 * Idempotent. Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_rules_migrate(tk_db *db, tk_error *err);

/* Stores r as run run_id (> 0) in db (borrowed), replacing what an earlier
 * save of the same run_id stored, in one transaction (or inside the
 * caller's). Creates the tables if needed. Returns TK_OK, TK_EINVAL
 * (run_id <= 0) or TK_EDB. */
TK_MUST_CHECK int tk_rules_save(const tk_rules_result *r, tk_db *db, int64_t run_id, tk_error *err);

#endif
