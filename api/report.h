/* api/report.h -- the bimonthly 分析点検結果レポート of one tenant's period,
 * built as a document tree (api/rdoc.h) that the format writers render.
 *
 * tk_report_period() reads an analysed period only through the service
 * functions of the layers below -- models/periods, models/anomalies,
 * models/trends, models/tuning, models/bsettings, models/suppress,
 * models/evidence, src/uploads, src/master, src/store (the period's
 * activity) -- and writes the chapters of docs/reports.md: 1 cover,
 * 2 summary, 3 method, 4 results per 点検項目, 5 要確認事項, 6 trends,
 * 7 follow-up of the previous period, 8 recommendations, 9 appendix. The
 * text is Japanese, or English with lang "en" (one table of words per
 * language). Residents are never named: the store holds only their keyed
 * pseudonyms, and the report shows those cut short.
 *
 * tk_report_pick() is the one rule that chooses the 要確認事項 (the cases
 * put to the 所属長 for an answer), so that every surface asks about the
 * same cases.
 *
 * Reading only: the tenant may be open read-only. Not thread-safe per
 * tenant handle. */
#ifndef TK_REPORT_H
#define TK_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "api/rdoc.h"
#include "models/anomalies.h"
#include "src/db.h"
#include "src/error.h"
#include "src/period.h"
#include "src/tenant.h"

/* Which cases need the 所属長's confirmation (chapter 5): the requests of
 * models/answers (tk_answers_requests()), so that the report, the
 * workbook and the service ask about the same cases. For a run that is
 * not its period's newest the same rule is applied to that run: a case is
 * chosen when it was not triaged false_positive, and its severity is at
 * least min_severity (TK_RULECAT_*), its score at least min_score or it
 * was triaged confirmed or investigating. By rank, cut at max. */
typedef struct tk_report_pick_options {
    int min_severity; /* TK_RULECAT_HIGH by default: high and critical */
    double min_score; /* 80 by default, as tk_answers_requests() */
    size_t max;       /* 300 by default; at most TK_ANOMALIES_PAGE_MAX */
} tk_report_pick_options;
// clang-format off
#define TK_REPORT_PICK_INIT {3, 80.0, 300}
// clang-format on

/* The cases of run `run` that tk_report_pick_options o (borrowed; NULL:
 * the defaults) chooses, by rank, into *out (owned array of *n:
 * tk_report_items_free(); NULL when none). *total (may be NULL) receives
 * how many were eligible before the cut at max. Returns TK_OK, TK_EINVAL
 * (max 0 or above TK_ANOMALIES_PAGE_MAX), TK_ENOTFOUND (no such run),
 * TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_report_pick(tk_db *db, int64_t run, const tk_report_pick_options *o,
                                 tk_anomalies_item **out, size_t *n, size_t *total, tk_error *err);

/* Frees an array of items. Accepts NULL. */
void tk_report_items_free(tk_anomalies_item *v, size_t n);

/* What to build. Strings are borrowed. */
typedef struct tk_report_options {
    tk_period period;
    int64_t run;        /* a run of exactly this period; 0: its newest run */
    const char *lang;   /* "ja" (NULL) or "en" */
    int64_t issued;     /* the date of issue, Unix ms; 0: now */
    const char *issuer; /* who issues it (the page footer), or NULL */
    tk_report_pick_options pick;
} tk_report_options;
// clang-format off
#define TK_REPORT_OPTIONS_INIT {{0, -1}, 0, NULL, 0, NULL, TK_REPORT_PICK_INIT}
// clang-format on

/* Builds the report of o->period of tenant t (borrowed) into *out (owned:
 * tk_rdoc_destroy(); NULL on failure). Returns TK_OK, TK_EINVAL (lang
 * other than "ja"/"en"; a run of another period), TK_ENOTFOUND (the period
 * has no run, or no run `run`: the message says what to run), TK_EDB,
 * TK_EPARSE (damaged stored data) or TK_ENOMEM. */
TK_MUST_CHECK int tk_report_period(tk_tenant *t, const tk_report_options *o, tk_rdoc **out,
                                   tk_error *err);

#endif
