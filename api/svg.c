/* api/svg.c -- SVG charts (see svg.h).
 *
 * Each chart is written into a growing buffer that remembers running out
 * of memory, so drawing code is a straight sequence of puts and the
 * failure is checked once at the end.
 *
 * Layout needs the width of text without a font engine: a character of
 * the East Asian wide ranges (a UTF-8 lead byte of 0xE3 and above covers
 * kana, kanji and fullwidth forms) counts as one em, anything else as 0.6
 * em, which errs on the wide side for Latin text and so never overlaps.
 *
 * Axis ticks follow the usual "nice numbers" rule: the raw step max/n is
 * rounded up to 1, 2 or 5 times its power of ten, and the axis ends at the
 * first multiple of the step at or above the maximum. That holds for
 * counts of 3 and of 3e12 alike; labels of large values are grouped by
 * thousands, and beyond 1e15 written in exponent form. */
#include "api/svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT "font-family=\"'Noto Sans CJK JP','Yu Gothic',Meiryo,IPAexGothic,sans-serif\""

/* Okabe-Ito, ordered so that neighbours differ in lightness too (dark
 * blue, orange, bluish green, vermillion, sky blue, reddish purple,
 * yellow, black). */
static const char *const palette[TK_SVG_MAX_SERIES] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                                       "#56B4E9", "#CC79A7", "#F0E442", "#000000"};

/* A light-to-dark single hue (blue) ramp of the heat map: reads in grey. */
static const char *const ramp[6] = {"#FFFFFF", "#DEEBF7", "#9ECAE1",
                                    "#4292C6", "#08519C", "#08306B"};

typedef struct buf {
    char *p;
    size_t n, cap;
    int oom;
} buf;

static void put_n(buf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void put(buf *b, const char *s)
{
    put_n(b, s, strlen(s));
}

static void putf(buf *b, const char *fmt, ...) TK_PRINTF(2, 3);
static void putf(buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    const int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    put_n(b, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
    const unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
            return 0; /* overlong, surrogate */
        if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
            return 0; /* U+FFFE, U+FFFF: not XML characters */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

static void put_esc(buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        const size_t k = utf8_len(p);
        switch (k ? *p : 0) {
        case '&':
            put(b, "&amp;");
            break;
        case '<':
            put(b, "&lt;");
            break;
        case '>':
            put(b, "&gt;");
            break;
        case '"':
            put(b, "&quot;");
            break;
        case '\'':
            put(b, "&#39;");
            break;
        case 0:
            put(b, "\xEF\xBF\xBD");
            break;
        default:
            if (k == 1 && *p < 0x20 && *p != '\t' && *p != '\n')
                put(b, "\xEF\xBF\xBD");
            else
                put_n(b, (const char *)p, k);
        }
        p += k ? k : 1;
    }
}

int tk_svg_escape(const char *s, char **out, tk_error *err)
{
    buf b = {0};
    put(&b, "");
    put_esc(&b, s);
    if (b.oom) {
        free(b.p);
        *out = NULL;
        tk_error_set(err, TK_ENOMEM, "out of memory escaping text");
        return TK_ENOMEM;
    }
    *out = b.p;
    return TK_OK;
}

/* Estimated width of s at font size fs (see the file comment). */
static double text_w(const char *s, double fs)
{
    double w = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        w += *p >= 0xE3 ? 1.0 : 0.6;
    }
    return w * fs;
}

/* A label cut to at most max_w at font size fs, with "…" when cut, into out. */
static void clip_label(const char *s, double fs, double max_w, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    double w = 0;
    size_t n = 0;
    while (p[n]) {
        size_t k = 1;
        while ((p[n + k] & 0xC0) == 0x80)
            k++;
        const double cw = (p[n] >= 0xE3 ? 1.0 : 0.6) * fs;
        if (w + cw > max_w || n + k + 4 > cap) {
            /* Back off one character to leave room for the ellipsis. */
            memcpy(out, p, n);
            snprintf(out + n, cap - n, "\xE2\x80\xA6");
            return;
        }
        w += cw;
        n += k;
    }
    snprintf(out, cap, "%s", (const char *)p);
}

static int ja(const char *lang)
{
    return !lang || strcmp(lang, "en") != 0;
}

static double clean(double v)
{
    return isfinite(v) && v > 0 ? v : 0;
}

double tk_svg_nice_step(double max, int ticks, int integer)
{
    if (!isfinite(max) || max <= 0 || ticks < 1)
        return 1;
    const double raw = max / ticks;
    const double mag = pow(10, floor(log10(raw)));
    const double f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    if (integer && step < 1)
        step = 1;
    return step;
}

/* A number for an axis or a bar: grouped by thousands when whole, with
 * `dec` decimals otherwise, exponent form beyond 1e15. */
static void fmt_num(double v, int dec, char *out, size_t cap)
{
    if (fabs(v) >= 1e15) {
        snprintf(out, cap, "%.3g", v);
        return;
    }
    if (dec > 0) {
        snprintf(out, cap, "%.*f", dec, v);
        return;
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", fabs(v));
    const size_t n = strlen(digits);
    size_t o = 0;
    if (v < 0 && o + 1 < cap)
        out[o++] = '-';
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

/* Decimals the labels of a step need. */
static int step_decimals(double step)
{
    if (step >= 1)
        return 0;
    const int d = (int)ceil(-log10(step) - 1e-9);
    return d > 6 ? 6 : d;
}

static int check_size(double *w, double *h, double dw, double dh, tk_error *err)
{
    if (*w == 0)
        *w = dw;
    if (*h == 0)
        *h = dh;
    if (!(*w >= 50 && *w <= 5000 && *h >= 50 && *h <= 5000)) {
        tk_error_set(err, TK_EINVAL, "a chart is 50 to 5000 units wide and high, not %g x %g", *w,
                     *h);
        return TK_EINVAL;
    }
    return TK_OK;
}

static void open_svg(buf *b, double w, double h, const char *label)
{
    putf(b,
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
         "viewBox=\"0 0 %.0f %.0f\" role=\"img\" " FONT " font-size=\"11\" fill=\"#000\"",
         w, h, w, h);
    if (label) {
        put(b, " aria-label=\"");
        put_esc(b, label);
        put(b, "\"");
    }
    put(b, ">");
    putf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>", w, h);
}

/* The whole chart is a framed "no data" box. */
static void no_data(buf *b, double w, double h, const char *lang)
{
    open_svg(b, w, h, ja(lang) ? "データなし" : "no data");
    putf(b,
         "<rect x=\"1\" y=\"1\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\" "
         "stroke-dasharray=\"4 3\"/>",
         w - 2, h - 2);
    putf(b,
         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\" "
         "fill=\"#444\">%s</text>",
         w / 2, h / 2 + 5, ja(lang) ? "データなし" : "No data");
    put(b, "</svg>");
}

static void text_at(buf *b, double x, double y, const char *anchor, const char *extra,
                    const char *s)
{
    putf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y, anchor, extra ? extra : "");
    put_esc(b, s);
    put(b, "</text>");
}

static int finish(buf *b, char **out, tk_error *err)
{
    if (b->oom) {
        free(b->p);
        *out = NULL;
        tk_error_set(err, TK_ENOMEM, "out of memory drawing a chart");
        return TK_ENOMEM;
    }
    *out = b->p;
    return TK_OK;
}

/* The legend as one row of swatches from (x, y), right-aligned to xr. */
static void legend(buf *b, const char *const *names, const char *const *colours, size_t n,
                   double xr, double y)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += 16 + text_w(names[i], 11) + 12;
    double x = xr - total;
    for (size_t i = 0; i < n; i++) {
        putf(b,
             "<rect x=\"%.1f\" y=\"%.1f\" width=\"11\" height=\"11\" fill=\"%s\" stroke=\"#333\" "
             "stroke-width=\"0.5\"/>",
             x, y - 9, colours[i]);
        text_at(b, x + 15, y, "start", NULL, names[i]);
        x += 16 + text_w(names[i], 11) + 12;
    }
}

/* ---- bars ---------------------------------------------------------------- */

static double bar_total(const tk_svg_bars *c, size_t i)
{
    double s = 0, m = 0;
    for (size_t k = 0; k < c->nseries; k++) {
        const double v = clean(c->series[k].values[i]);
        s += v;
        m = v > m ? v : m;
    }
    return c->stacked ? s : m;
}

static void draw_vbars(buf *b, const tk_svg_bars *c, double w, double h, double max)
{
    const double step = tk_svg_nice_step(max, 5, c->integer);
    const double top = ceil(max / step - 1e-9) * step;
    const int dec = step_decimals(step);
    char lab[64];
    fmt_num(top, dec, lab, sizeof lab);
    const double left = 14 + text_w(lab, 10) + (c->unit ? 4 : 0);
    double maxlab = 0;
    for (size_t i = 0; i < c->ncat; i++) {
        const double tw = text_w(c->categories[i], 10);
        maxlab = tw > maxlab ? tw : maxlab;
    }
    const double plot_w0 = w - left - 12;
    const double slot = plot_w0 / (double)c->ncat;
    /* Labels stay horizontal when they fit their slot (thinned out to
     * every k-th category), else they are turned by 45 degrees. */
    if (maxlab > 110)
        maxlab = 110; /* longer labels are cut with an ellipsis */
    size_t every = 1;
    while (c->ncat > 12 && every < c->ncat && maxlab + 6 > slot * (double)every && every < 64)
        every = every < 7 && c->ncat > 20 ? 7 : every * 2;
    const int turn = maxlab + 6 > slot * (double)every;
    const double bottom = turn ? 14 + maxlab * 0.72 : 24;
    const double legend_h = c->nseries > 1 ? 20 : 0;
    const double top_y = 10 + legend_h + (c->unit ? 8 : 0);
    const double plot_h = h - top_y - bottom;
    const double x0 = left, y0 = top_y + plot_h;

    if (c->nseries > 1) {
        const char *names[TK_SVG_MAX_SERIES];
        for (size_t k = 0; k < c->nseries; k++)
            names[k] = c->series[k].name ? c->series[k].name : "";
        legend(b, names, palette, c->nseries, w - 12, 16);
    }
    if (c->unit)
        text_at(b, x0 - 6, top_y - 8, "end", " font-size=\"10\"", c->unit);
    /* Grid and value labels. */
    for (double v = 0; v <= top + step / 2; v += step) {
        const double y = y0 - plot_h * v / top;
        putf(b,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
             "stroke-width=\"0.6\"/>",
             x0, y, w - 12, y, v == 0 ? "#000" : "#ccc");
        fmt_num(v, dec, lab, sizeof lab);
        text_at(b, x0 - 4, y + 3.5, "end", " font-size=\"10\"", lab);
    }
    const double group_w = slot * 0.8;
    const double bw = c->stacked ? group_w : group_w / (double)c->nseries;
    for (size_t i = 0; i < c->ncat; i++) {
        const double gx = x0 + slot * (double)i + slot * 0.1;
        double acc = 0;
        for (size_t k = 0; k < c->nseries; k++) {
            const double v = clean(c->series[k].values[i]);
            const double bh = plot_h * v / top;
            const double x = c->stacked ? gx : gx + bw * (double)k;
            const double y = c->stacked ? y0 - plot_h * acc / top - bh : y0 - bh;
            acc += v;
            if (v <= 0)
                continue;
            putf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"", x, y,
                 bw > 1.2 ? bw - 0.6 : bw, bh, palette[k]);
            put(b, " stroke=\"#fff\" stroke-width=\"0.4\"><title>");
            put_esc(b, c->categories[i]);
            if (c->series[k].name) {
                put(b, " ");
                put_esc(b, c->series[k].name);
            }
            fmt_num(v, v == floor(v) ? 0 : 2, lab, sizeof lab);
            putf(b, ": %s</title></rect>", lab);
        }
        if (i % every == 0) {
            const double cx = x0 + slot * ((double)i + 0.5);
            if (turn) {
                char cut[160];
                clip_label(c->categories[i], 10, 110, cut, sizeof cut);
                putf(b,
                     "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"10\" "
                     "transform=\"rotate(-45 %.1f %.1f)\">",
                     cx, y0 + 12, cx, y0 + 12);
                put_esc(b, cut);
                put(b, "</text>");
            } else {
                text_at(b, cx, y0 + 14, "middle", " font-size=\"10\"", c->categories[i]);
            }
        }
    }
}

static void draw_hbars(buf *b, const tk_svg_bars *c, double w, double h, double max)
{
    double labw = 0;
    for (size_t i = 0; i < c->ncat; i++) {
        const double tw = text_w(c->categories[i], 11);
        labw = tw > labw ? tw : labw;
    }
    if (labw > w * 0.35)
        labw = w * 0.35;
    const double step = tk_svg_nice_step(max, 5, c->integer);
    const double top = ceil(max / step - 1e-9) * step;
    const int dec = step_decimals(step);
    char lab[160];
    fmt_num(top, dec, lab, sizeof lab);
    const double x0 = 10 + labw + 8;
    const double right = 16 + text_w(lab, 10);
    const double legend_h = c->nseries > 1 ? 20 : 0;
    const double top_y = 8 + legend_h;
    const double plot_w = w - x0 - right;
    const double plot_h = h - top_y - 22;
    const double row = plot_h / (double)c->ncat;
    const double y1 = top_y + plot_h;

    if (c->nseries > 1) {
        const char *names[TK_SVG_MAX_SERIES];
        for (size_t k = 0; k < c->nseries; k++)
            names[k] = c->series[k].name ? c->series[k].name : "";
        legend(b, names, palette, c->nseries, w - 12, 16);
    }
    for (double v = 0; v <= top + step / 2; v += step) {
        const double x = x0 + plot_w * v / top;
        putf(b,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
             "stroke-width=\"0.6\"/>",
             x, top_y, x, y1, v == 0 ? "#000" : "#ccc");
        fmt_num(v, dec, lab, sizeof lab);
        text_at(b, x, y1 + 14, "middle", " font-size=\"10\"", lab);
    }
    if (c->unit)
        text_at(b, w - 4, y1 + 14, "end", " font-size=\"10\"", c->unit);
    const double bh_all = row * 0.7;
    const double bh = c->stacked ? bh_all : bh_all / (double)c->nseries;
    for (size_t i = 0; i < c->ncat; i++) {
        const double ry = top_y + row * (double)i + row * 0.15;
        clip_label(c->categories[i], 11, labw, lab, sizeof lab);
        text_at(b, x0 - 6, top_y + row * ((double)i + 0.5) + 4, "end", NULL, lab);
        double acc = 0;
        for (size_t k = 0; k < c->nseries; k++) {
            const double v = clean(c->series[k].values[i]);
            const double bw = plot_w * v / top;
            const double x = c->stacked ? x0 + plot_w * acc / top : x0;
            const double y = c->stacked ? ry : ry + bh * (double)k;
            acc += v;
            if (v > 0)
                putf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>",
                     x, y, bw, bh > 1.2 ? bh - 0.6 : bh, palette[k]);
        }
        if (c->stacked || c->nseries == 1) {
            char t[64];
            fmt_num(c->stacked ? acc : bar_total(c, i), acc == floor(acc) ? 0 : 1, t, sizeof t);
            text_at(b, x0 + plot_w * (c->stacked ? acc : bar_total(c, i)) / top + 4,
                    ry + bh_all / 2 + 4, "start", " font-size=\"10\"", t);
        }
    }
}

int tk_svg_bars_draw(const tk_svg_bars *c, char **out, tk_error *err)
{
    buf b = {0};
    double w = c->width, h = c->height;
    double max = 0;

    *out = NULL;
    if (c->nseries > TK_SVG_MAX_SERIES) {
        tk_error_set(err, TK_EINVAL, "a bar chart draws at most %d series, not %zu",
                     TK_SVG_MAX_SERIES, c->nseries);
        return TK_EINVAL;
    }
    for (size_t k = 0; k < c->nseries; k++)
        if (!c->series[k].values && c->ncat > 0) {
            tk_error_set(err, TK_EINVAL, "series %zu of a bar chart has no values", k);
            return TK_EINVAL;
        }
    const double auto_h =
        c->horizontal ? 40 + 22.0 * (double)(c->ncat ? c->ncat : 3) *
                                 (c->stacked || c->nseries < 2 ? 1.0 : 0.7 * (double)c->nseries)
                      : TK_SVG_HEIGHT;
    const int rc = check_size(&w, &h, TK_SVG_WIDTH, auto_h > 5000 ? 5000 : auto_h, err);
    if (rc != TK_OK)
        return rc;
    for (size_t i = 0; i < c->ncat && c->nseries > 0; i++) {
        const double t = bar_total(c, i);
        max = t > max ? t : max;
    }
    if (max <= 0 || !isfinite(max)) {
        no_data(&b, w, h, c->lang);
        return finish(&b, out, err);
    }
    open_svg(&b, w, h, NULL);
    if (c->horizontal)
        draw_hbars(&b, c, w, h, max);
    else
        draw_vbars(&b, c, w, h, max);
    put(&b, "</svg>");
    return finish(&b, out, err);
}

/* ---- line against a band -------------------------------------------------- */

/* Days between x labels: 1, 2, 7, 14, 28 ... so that at most `fit` show. */
static size_t day_every(size_t n, size_t fit)
{
    static const size_t steps[] = {1, 2, 7, 14, 28, 56, 91, 182, 364};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (n / steps[i] + 1 <= fit)
            return steps[i];
    return (n / fit) + 1;
}

int tk_svg_line_draw(const tk_svg_line *c, char **out, tk_error *err)
{
    buf b = {0};
    double w = c->width, h = c->height, max = 0;

    *out = NULL;
    int rc = check_size(&w, &h, TK_SVG_WIDTH, TK_SVG_HEIGHT, err);
    if (rc != TK_OK)
        return rc;
    if (c->n > 0 && !c->value) {
        tk_error_set(err, TK_EINVAL, "a line chart has no values");
        return TK_EINVAL;
    }
    const int band = c->low && c->high;
    for (size_t i = 0; i < c->n; i++) {
        max = clean(c->value[i]) > max ? clean(c->value[i]) : max;
        if (band)
            max = clean(c->high[i]) > max ? clean(c->high[i]) : max;
    }
    if (max <= 0) {
        no_data(&b, w, h, c->lang);
        return finish(&b, out, err);
    }
    open_svg(&b, w, h, NULL);
    const double step = tk_svg_nice_step(max, 5, 0);
    const double top = ceil(max / step - 1e-9) * step;
    const int dec = step_decimals(step);
    char lab[64];
    fmt_num(top, dec, lab, sizeof lab);
    const double x0 = 14 + text_w(lab, 10), top_y = 30, y0 = h - 26;
    const double plot_w = w - x0 - 12, plot_h = y0 - top_y;
    const double dx = c->n > 1 ? plot_w / (double)(c->n - 1) : 0;
#define X(i) (x0 + (c->n > 1 ? dx * (double)(i) : plot_w / 2))
#define Y(v) (y0 - plot_h * clean(v) / top)
    for (double v = 0; v <= top + step / 2; v += step) {
        const double y = y0 - plot_h * v / top;
        putf(&b,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
             "stroke-width=\"0.6\"/>",
             x0, y, w - 12, y, v == 0 ? "#000" : "#ccc");
        fmt_num(v, dec, lab, sizeof lab);
        text_at(&b, x0 - 4, y + 3.5, "end", " font-size=\"10\"", lab);
    }
    if (c->unit)
        text_at(&b, x0 - 6, top_y - 8, "end", " font-size=\"10\"", c->unit);
    /* The band: one polygon per run of days that have one. */
    if (band) {
        size_t i = 0;
        while (i < c->n) {
            while (i < c->n && !(isfinite(c->low[i]) && isfinite(c->high[i])))
                i++;
            const size_t s = i;
            while (i < c->n && isfinite(c->low[i]) && isfinite(c->high[i]))
                i++;
            if (i == s)
                continue;
            put(&b, "<polygon fill=\"#56B4E9\" fill-opacity=\"0.35\" stroke=\"none\" points=\"");
            for (size_t k = s; k < i; k++)
                putf(&b, "%.1f,%.1f ", X(k), Y(c->high[k]));
            for (size_t k = i; k-- > s;)
                putf(&b, "%.1f,%.1f ", X(k), Y(c->low[k]));
            put(&b, "\"/>");
        }
    }
    /* The marked days: a grey column each, behind the line, as wide as a
     * day's step (or a tenth of the plot for a single day). */
    size_t nmarked = 0;
    for (size_t i = 0; c->marked && i < c->n; i++) {
        if (!c->marked[i])
            continue;
        const double half = c->n > 1 ? dx / 2 : plot_w / 20;
        const double left = X(i) - half < x0 ? x0 : X(i) - half;
        const double right = X(i) + half > x0 + plot_w ? x0 + plot_w : X(i) + half;
        putf(&b,
             "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#999\" "
             "fill-opacity=\"0.3\"/>",
             left, top_y, right - left, plot_h);
        nmarked++;
    }
    put(&b, "<polyline fill=\"none\" stroke=\"#0072B2\" stroke-width=\"1.8\" points=\"");
    for (size_t i = 0; i < c->n; i++)
        putf(&b, "%.1f,%.1f ", X(i), Y(c->value[i]));
    put(&b, "\"/>");
    for (size_t i = 0; i < c->n; i++) {
        const int above = band && isfinite(c->high[i]) && clean(c->value[i]) > c->high[i];
        if (!above && c->n > 40)
            continue;
        putf(&b,
             "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\" stroke=\"#000\" "
             "stroke-width=\"%s\"><title>",
             X(i), Y(c->value[i]), above ? "3.2" : "1.8", above ? "#D55E00" : "#0072B2",
             above ? "0.8" : "0");
        put_esc(&b, c->days ? c->days[i] : "");
        fmt_num(clean(c->value[i]), 0, lab, sizeof lab);
        putf(&b, ": %s</title></circle>", lab);
    }
    /* Day labels and ticks. */
    const size_t every = day_every(c->n, (size_t)(plot_w / 62) > 1 ? (size_t)(plot_w / 62) : 2);
    for (size_t i = 0; i < c->n && c->days; i += every) {
        putf(&b,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
             "stroke-width=\"0.6\"/>",
             X(i), y0, X(i), y0 + 4);
        text_at(&b, X(i), y0 + 16, "middle", " font-size=\"10\"", c->days[i]);
    }
#undef X
#undef Y
    /* Legend. */
    const char *names[4];
    const char *colours[4];
    size_t nl = 0;
    names[nl] = c->value_name ? c->value_name : (ja(c->lang) ? "実績" : "actual");
    colours[nl++] = "#0072B2";
    if (band) {
        names[nl] = c->band_name ? c->band_name : (ja(c->lang) ? "通常の範囲" : "usual range");
        colours[nl++] = "#B9DDF1";
        names[nl] = ja(c->lang) ? "範囲を超えた日" : "days above the range";
        colours[nl++] = "#D55E00";
    }
    if (nmarked > 0) {
        names[nl] = c->mark_name ? c->mark_name : (ja(c->lang) ? "対象の日" : "days of the case");
        colours[nl++] = "#C2C2C2";
    }
    legend(&b, names, colours, nl, w - 12, 16);
    put(&b, "</svg>");
    return finish(&b, out, err);
}

/* ---- weekday x hour heat map -------------------------------------------- */

int tk_svg_heat_draw(const tk_svg_heat *c, char **out, tk_error *err)
{
    static const char *const days_ja[7] = {"月", "火", "水", "木", "金", "土", "日"};
    static const char *const days_en[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    buf b = {0};
    double w = c->width, h = c->height, max = 0;

    *out = NULL;
    const int rc = check_size(&w, &h, TK_SVG_WIDTH, 250, err);
    if (rc != TK_OK)
        return rc;
    for (size_t i = 0; c->cells && i < 7 * 24; i++)
        max = clean(c->cells[i]) > max ? clean(c->cells[i]) : max;
    if (max <= 0) {
        no_data(&b, w, h, c->lang);
        return finish(&b, out, err);
    }
    open_svg(&b, w, h, NULL);
    const double x0 = 36, top_y = 10, legend_h = 34;
    const double cw = (w - x0 - 10) / 24, ch = (h - top_y - 18 - legend_h) / 7;
    const int en = !ja(c->lang);
    char lab[64];
    for (size_t d = 0; d < 7; d++) {
        text_at(&b, x0 - 6, top_y + ch * ((double)d + 0.5) + 4, "end", NULL,
                en ? days_en[d] : days_ja[d]);
        for (size_t hr = 0; hr < 24; hr++) {
            const double v = clean(c->cells[d * 24 + hr]);
            /* Level 0 is exactly zero; 1..5 split (0, max] in fifths. */
            size_t lv = v <= 0 ? 0 : (size_t)ceil(v / max * 5);
            lv = lv > 5 ? 5 : lv;
            putf(&b,
                 "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
                 "stroke=\"#bbb\" stroke-width=\"0.4\"><title>",
                 x0 + cw * (double)hr, top_y + ch * (double)d, cw, ch, ramp[lv]);
            fmt_num(v, v == floor(v) ? 0 : 1, lab, sizeof lab);
            putf(&b, "%s %zu:00 %s</title></rect>", en ? days_en[d] : days_ja[d], hr, lab);
        }
    }
    const double yb = top_y + ch * 7;
    for (size_t hr = 0; hr < 24; hr += 3) {
        snprintf(lab, sizeof lab, en ? "%zu:00" : "%zu時", hr);
        text_at(&b, x0 + cw * (double)hr + cw / 2, yb + 13, "middle", " font-size=\"10\"", lab);
    }
    /* Legend: the six levels with their ranges. */
    double lx = x0;
    const double ly = h - 14;
    text_at(&b, lx, ly + 1, "start", " font-size=\"10\"", c->unit ? c->unit : "");
    lx += text_w(c->unit ? c->unit : "", 10) + 8;
    for (size_t lv = 0; lv < 6; lv++) {
        char r[64], lo[32], hi[32];
        if (lv == 0) {
            snprintf(r, sizeof r, "0");
        } else {
            const int dec = max < 5 ? 1 : 0;
            fmt_num(max * (double)(lv - 1) / 5, dec, lo, sizeof lo);
            fmt_num(max * (double)lv / 5, dec, hi, sizeof hi);
            snprintf(r, sizeof r, "%s\xE2\x80\x93%s", lo, hi);
        }
        putf(&b,
             "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\" stroke=\"#666\" "
             "stroke-width=\"0.5\"/>",
             lx, ly - 8, ramp[lv]);
        text_at(&b, lx + 17, ly + 1, "start", " font-size=\"10\"", r);
        lx += 17 + text_w(r, 10) + 10;
    }
    put(&b, "</svg>");
    return finish(&b, out, err);
}
