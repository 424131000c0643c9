/* api/charts.h -- the web UI's charts, drawn by api/svg.h from the very
 * results the JSON routes answer.
 *
 * The service answers a chart as an SVG document (image/svg+xml) next to
 * the JSON it is drawn from, so that the UI, a printout and the reports
 * draw with one chart code: an entity's profile (models/entity.h) gives
 * its daily activity against its baseline band, its weekday x hour heat
 * map and the systems it used; a case is drawn as its entity's daily
 * activity with the case's days marked; a trends result (models/trends.h)
 * as bars. Labels are in Japanese ("ja") or English ("en").
 *
 * Owns nothing; pure functions of their arguments: thread-safe. */
#ifndef TK_CHARTS_H
#define TK_CHARTS_H

#include <stdint.h>

#include "models/entity.h"
#include "models/trends.h"
#include "src/error.h"

/* The charts of an entity. */
typedef enum tk_charts_kind {
    TK_CHARTS_DAILY = 0, /* events per day against the baseline band (p10..p90) */
    TK_CHARTS_HOURS,     /* every event by weekday and hour (a heat map) */
    TK_CHARTS_SYSTEMS    /* events per system, most first */
} tk_charts_kind;

/* Draws chart `kind` of profile e (borrowed) with labels in lang ("ja",
 * "en"; NULL is "ja") into *out (owned: free(); NULL on failure). Returns
 * TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_charts_entity(const tk_entity *e, tk_charts_kind kind, const char *lang,
                                   char **out, tk_error *err);

/* Draws a case's chart: e's (borrowed) events per day against its baseline
 * band, the days first_day..last_day (the case's) shaded, into *out
 * (owned: free()). Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_charts_case(const tk_entity *e, int64_t first_day, int64_t last_day,
                                 const char *lang, char **out, tk_error *err);

/* The profile period a case's chart covers: the run's period (borrowed)
 * widened to hold the case's days first_day..last_day, and cut to the
 * TK_ENTITY_MAX_DAYS days that end with the later of the two ends. */
tk_period tk_charts_case_period(const tk_period *run, int64_t first_day, int64_t last_day);

/* Most categories a trends chart shows (the rest are left out of a
 * one-key chart; a two-key chart sums the smallest second keys into
 * "その他" / "other" beyond TK_SVG_MAX_SERIES). */
#define TK_CHARTS_TRENDS_MAX 20

/* Draws the cases of tr (borrowed) into *out (owned: free()): one key by
 * month as vertical bars in month order, any other single key as
 * horizontal bars, most first; two keys as stacked vertical bars of the
 * first key, one series per value of the second. Key values with a name
 * (severities, triage statuses, "(unknown)", "(none)", "model") are
 * shown in lang. Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_charts_trends(const tk_trends *tr, const char *lang, char **out,
                                   tk_error *err);

#endif
