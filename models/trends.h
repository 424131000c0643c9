/* models/trends.h -- counts of cases, findings and scores over a range of
 * days, grouped by month, system, 所属, rule, severity or triage outcome.
 *
 * The annual review (報告会) and the bimonthly report chart how many
 * cases the analyses listed and how they were judged, per month, per
 * system, per 所属, per inspection item. This module reads the stored
 * ranked lists through models/anomalies (runs, items, facets, triage) and
 * aggregates them; it owns no table and writes nothing.
 *
 * Which runs count: of every analysed period that overlaps the range, the
 * newest run (a re-analysis replaces the earlier list). When periods
 * overlap (2024-10-01..11-30 and 2024-11-01..12-31), each day belongs to
 * the newest of those runs whose period covers it, and a case counts only
 * in the run that owns its day: no case is counted twice, and a day is
 * judged by the latest analysis of it. A case's day is its first day (a
 * period case: its period's first day), or its run's first day when the
 * case began before its period (a rule over a window reaching back, such
 * as repeated look-ups over 30 days); a case counts when that day is
 * inside the range, and its month is that day's.
 *
 * Thread-safety: none of its own; one connection per thread. */
#ifndef TK_TRENDS_H
#define TK_TRENDS_H

#include <stddef.h>
#include <stdint.h>

#include "src/db.h"
#include "src/error.h"
#include "src/period.h"

/* What a group is keyed by. */
typedef enum tk_trends_key {
    TK_TRENDS_MONTH = 0, /* "2024-10": the month of the case's day (below) */
    TK_TRENDS_SYSTEM,    /* a system its evidence touches; "(none)" if none */
    TK_TRENDS_DEPT,      /* the entity's 所属; "(unknown)" if not known */
    TK_TRENDS_RULE,      /* the leading rule id; "model" for a models-only case */
    TK_TRENDS_SEVERITY,  /* "low" ... "critical"; "none" for a models-only case */
    TK_TRENDS_STATUS,    /* the triage outcome: new, investigating, confirmed, false_positive */
    TK_TRENDS_NKEYS
} tk_trends_key;

/* Most keys one query groups by. */
#define TK_TRENDS_MAX_KEYS 2

/* "month", "system", "dept", "rule", "severity", "status"; NULL out of range. */
const char *tk_trends_key_name(tk_trends_key k);

/* Parses a comma-separated list of one or two key names p[0..len)
 * (borrowed, untrusted: "month,rule") into keys[0..*n). Returns TK_OK or
 * TK_EINVAL (an unknown or repeated name, an empty list or more than two:
 * the message names the accepted keys). */
TK_MUST_CHECK int tk_trends_keys_parse(const char *p, size_t len, tk_trends_key *keys, size_t *n,
                                       tk_error *err);

/* A run the trends read (the newest of its period). */
typedef struct tk_trends_run {
    int64_t id;
    tk_period period;
    size_t cases; /* of its cases, counted in the trends */
} tk_trends_run;

/* One group: its key values and its numbers. */
typedef struct tk_trends_group {
    char *value[TK_TRENDS_MAX_KEYS]; /* owned; value[i] for keys[i], NULL past nkeys */
    size_t cases;                    /* cases of the group */
    size_t findings;                 /* findings and model anomalies they are made of */
    double score_mean;               /* of the cases' 0-100 scores */
    double score_median;
    double score_max;
} tk_trends_group;

/* The result of a query. */
typedef struct tk_trends {
    tk_period range;
    tk_trends_key keys[TK_TRENDS_MAX_KEYS];
    size_t nkeys;
    tk_trends_group *groups; /* owned; sorted by value[0], then value[1] (bytewise) */
    size_t ngroups;
    tk_trends_run *runs; /* owned; the runs read, by period */
    size_t nruns;
    /* Every case counted once (a case with two systems is in two system
     * groups, so the groups can add up to more than these). */
    size_t cases;
    size_t findings;
    double score_mean, score_median, score_max; /* 0 when there are no cases */
} tk_trends;

/* Frees what a result owns. Accepts NULL and a zeroed value. */
void tk_trends_dispose(tk_trends *t);

/* The runs that count for range (borrowed): the newest of each analysed
 * period overlapping it, sorted by period, into *out (owned array of *n:
 * tk_free(); cases 0). Returns TK_OK, TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_trends_runs(tk_db *db, const tk_period *range, tk_trends_run **out, size_t *n,
                                 tk_error *err);

/* The run of runs[0..n) that owns day (the newest whose period covers
 * it), or -1 when none does. */
int64_t tk_trends_day_owner(const tk_trends_run *runs, size_t n, int64_t day);

/* The day a case counts on: its first day, brought into its run's
 * period (borrowed) when it began before. */
int64_t tk_trends_case_day(const tk_period *run_period, int64_t first_day);

/* Counts the cases of range (borrowed) grouped by keys[0..nkeys) (1 or 2,
 * borrowed) into *out (owned: tk_trends_dispose(); zeroed on failure). A
 * range without runs gives no groups. Returns TK_OK, TK_EINVAL (nkeys not
 * 1 or 2, a key out of range or repeated), TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_trends_compute(tk_db *db, const tk_period *range, const tk_trends_key *keys,
                                    size_t nkeys, tk_trends *out, tk_error *err);

#endif
