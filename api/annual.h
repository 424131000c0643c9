/* api/annual.h -- the annual review (分析点検結果報告会資料) of a tenant's
 * fiscal year and its minutes template (議事録), built as document trees
 * (api/rdoc.h) that the format writers render.
 *
 * Once a year the contract asks for a review meeting with the city. The
 * review covers the fiscal year Y (April Y to March Y + 1) in its six
 * two-month periods (tk_period_fiscal_bimonths()) and reads only through
 * the service functions of the layers below -- models/periods,
 * models/anomalies, models/answers, models/trends, models/tuning,
 * models/rulecat, models/bsettings, src/uploads, src/master, src/period
 * (the schedule) -- to write the chapters of docs/reports.md: the cover,
 * 1 the year in six periods, 2 trends over the year, 3 recurring
 * patterns, 4 serious cases and corrective actions, 5 the outcome of the
 * confirmation loop, 6 the effect of improvements, 7 the record of
 * analyses, 8 next year's plan. The minutes template follows the same
 * agenda, with one line of figures per item and blank space for the
 * meeting to fill in. Text is Japanese, or English with lang "en".
 * Residents are never named: the store holds only their keyed
 * pseudonyms, and case summaries show those cut short.
 *
 * tk_annual_write_xlsx() writes the tables of a review as a workbook, one
 * sheet per table, so that a city can sort and filter them.
 *
 * Reading only: the tenant may be open read-only. Not thread-safe per
 * tenant handle. */
#ifndef TK_ANNUAL_H
#define TK_ANNUAL_H

#include <stdint.h>

#include "api/rdoc.h"
#include "src/error.h"
#include "src/tenant.h"

/* What to build. Strings are borrowed. */
typedef struct tk_annual_options {
    int fiscal_year;    /* Y: April Y .. March Y + 1 */
    const char *lang;   /* "ja" (NULL) or "en" */
    int64_t issued;     /* the date of issue, Unix ms; 0: now */
    const char *issuer; /* who issues it (the page footer), or NULL */
} tk_annual_options;
// clang-format off
#define TK_ANNUAL_OPTIONS_INIT {0, NULL, 0, NULL}
// clang-format on

/* Builds the annual review of o->fiscal_year of tenant t (borrowed) into
 * *out (owned: tk_rdoc_destroy(); NULL on failure). A year without any
 * analysis gives a short document that says so. Returns TK_OK, TK_EINVAL
 * (lang other than "ja"/"en", a fiscal year outside TK_PERIOD_FY_MIN..MAX (src/period.h)),
 * TK_EDB, TK_EPARSE (damaged stored data) or TK_ENOMEM. */
TK_MUST_CHECK int tk_annual_review(tk_tenant *t, const tk_annual_options *o, tk_rdoc **out,
                                   tk_error *err);

/* Builds the minutes template (議事録) of the review meeting of
 * o->fiscal_year into *out, as tk_annual_review() (same codes). The
 * meeting's date, place and attendees come from its record
 * (models/meeting.h) when there is one, else are blank to fill in. */
TK_MUST_CHECK int tk_annual_minutes(tk_tenant *t, const tk_annual_options *o, tk_rdoc **out,
                                    tk_error *err);

/* Writes every captioned table of d (borrowed) as one sheet of a new
 * workbook at path (borrowed; replaced if it exists): the header row in
 * bold and frozen, figures of numeric columns as numbers, an autofilter
 * over the table. Returns TK_OK, TK_EIO (the file cannot be written: the
 * message names it) or TK_ENOMEM. */
TK_MUST_CHECK int tk_annual_write_xlsx(const tk_rdoc *d, const char *path, tk_error *err);

#endif
