/* api/svg.h -- charts drawn on the server as SVG documents.
 *
 * The one chart code of tenken: the reports (api/report.h puts them in
 * the document tree, api/rdoc.h) and the web UI draw their charts with
 * it. Four kinds: vertical bars (one or several series, grouped or
 * stacked, with a legend), horizontal bars (ranked categories: per 所属,
 * per system), a daily line against a baseline band, and a weekday x
 * hour heat map.
 *
 * Every chart is meant to be printed: black text, a colour-blind-safe
 * palette (Okabe and Ito) ordered so that neighbouring series also differ
 * in grey, no external fonts (a font-family list ending in "IPAexGothic",
 * sans-serif), sizes in user units with a viewBox so that the chart
 * scales to whatever box it is put in. All text given is escaped for XML
 * (invalid UTF-8 and control characters are replaced), so any label is
 * safe. A chart without data (no category, or nothing but zeros) says
 * "データなし" ("no data"). Axis ticks are "nice" steps (1, 2 or 5 times a
 * power of ten) whatever the magnitude of the values.
 *
 * The output is an owned NUL-terminated string: the SVG element with its
 * namespace, no XML declaration, so it can be written as a file or put
 * inline in HTML. The module holds no state: thread-safe. */
#ifndef TK_SVG_H
#define TK_SVG_H

#include <stddef.h>

#include "src/error.h"

/* A default size in user units (used when a chart's width or height is 0). */
#define TK_SVG_WIDTH  640.0
#define TK_SVG_HEIGHT 300.0

/* One series of values, one per category (NaN and negative values are
 * drawn as 0). name: in the legend; may be NULL with a single series. */
typedef struct tk_svg_series {
    const char *name;
    const double *values;
} tk_svg_series;

/* Bars. categories[0..ncat) are the labels (dates are fine: labels are
 * thinned out when they do not fit); series[0..nseries) their values. */
typedef struct tk_svg_bars {
    const char *const *categories;
    size_t ncat;
    const tk_svg_series *series;
    size_t nseries;
    int stacked;      /* 1: series stacked in one bar; 0: grouped side by side */
    int horizontal;   /* 1: one row per category, the values to the right, each bar labelled */
    int integer;      /* 1: counts, so tick steps are whole numbers */
    const char *unit; /* the value axis's label ("件"), or NULL */
    const char *lang; /* "ja" (default when NULL) or "en": the words "データなし" */
    double width;     /* 0: TK_SVG_WIDTH */
    double height;    /* 0: TK_SVG_HEIGHT (horizontal: from the number of rows) */
} tk_svg_bars;
// clang-format off
#define TK_SVG_BARS_INIT {NULL, 0, NULL, 0, 0, 0, 1, NULL, NULL, 0, 0}
// clang-format on

/* A daily line against a band: value[i] on day i (labels days[i],
 * "2024-10-01" or "10/01"), the band low[i]..high[i] (both NULL: no band;
 * NaN: no band that day). Days above the band are marked. */
typedef struct tk_svg_line {
    const char *const *days;
    size_t n;
    const double *value;
    const double *low, *high;
    const char *value_name; /* legend of the line ("操作件数"), or NULL */
    const char *band_name;  /* legend of the band ("通常の範囲"), or NULL */
    const char *unit;
    const char *lang;
    double width, height;
    /* Days to point out (a case's days): marked[i] != 0 shades day i's
     * column, with the legend mark_name ("対象の日" when NULL). NULL:
     * none. */
    const unsigned char *marked;
    const char *mark_name;
} tk_svg_line;
// clang-format off
#define TK_SVG_LINE_INIT {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL}
// clang-format on

/* A weekday x hour heat map: cells[d * 24 + h] for weekday d (0 Monday
 * .. 6 Sunday) and hour h (0..23), NaN and negative as 0. */
typedef struct tk_svg_heat {
    const double *cells; /* 7 x 24 */
    const char *unit;    /* what a cell counts ("件"), for the legend */
    const char *lang;
    double width, height;
} tk_svg_heat;
// clang-format off
#define TK_SVG_HEAT_INIT {NULL, NULL, NULL, 0, 0}
// clang-format on

/* Draws c (borrowed) into *out (owned: free()). Returns TK_OK, TK_EINVAL
 * (a series without values, more than 8 series, a size out of 50..5000)
 * or TK_ENOMEM; *out is NULL on failure. */
TK_MUST_CHECK int tk_svg_bars_draw(const tk_svg_bars *c, char **out, tk_error *err);
TK_MUST_CHECK int tk_svg_line_draw(const tk_svg_line *c, char **out, tk_error *err);
TK_MUST_CHECK int tk_svg_heat_draw(const tk_svg_heat *c, char **out, tk_error *err);

/* Most series a bar chart draws (the palette's size). */
#define TK_SVG_MAX_SERIES 8

/* The "nice" tick step for an axis from 0 to max with about `ticks`
 * intervals: 1, 2 or 5 times a power of ten (at least 1 when integer).
 * max <= 0 or not finite gives 1. */
double tk_svg_nice_step(double max, int ticks, int integer);

/* s (borrowed, NUL-terminated, any bytes) escaped for XML and HTML text
 * and attributes (& < > " ' as entities; invalid UTF-8 and control
 * characters other than tab and newline as U+FFFD) into *out (owned:
 * free()). Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_svg_escape(const char *s, char **out, tk_error *err);

#endif
