/* api/charts.c -- the web UI's charts from entity profiles, cases and
 * trends.
 *
 * Each function turns a model's result into the arrays api/svg.h draws and
 * nothing more: no reading, no statistics of its own, so a chart shows
 * exactly the numbers the matching JSON route answers. The daily chart's
 * band is the entity's baseline band of events (the 10th to 90th
 * percentile of its active baseline days, models/entity.h), the same on
 * every day; days above it are marked by api/svg.c. The heat map counts
 * every event of the period (a user's time-of-day histogram in the JSON
 * counts business operations only, so the two can differ).
 *
 * A trends chart of two keys can have more second-key values than the
 * palette has colours (eight): the seven largest keep their own series
 * and the rest are summed into one, so the bars' heights stay the
 * totals. Severities and triage statuses keep their natural order rather
 * than their size, so that the colours mean the same in every chart. */
#include "api/charts.h"

#include <stdlib.h>
#include <string.h>

#include "api/svg.h"
#include "src/alloc.h"
#include "src/checked.h"

static int en(const char *lang)
{
    return lang != NULL && strcmp(lang, "en") == 0;
}

static int nomem(tk_error *err)
{
    return tk_error_set(err, TK_ENOMEM, "out of memory drawing a chart");
}

/* ---- daily activity -------------------------------------------------------------- */

static int daily(const tk_entity *e, int64_t mark_from, int64_t mark_to, const char *lang,
                 char **out, tk_error *err)
{
    const size_t n = e->ndays;
    const char **days = tk_calloc(n + 1, sizeof *days);
    char(*lab)[8] = tk_calloc(n + 1, sizeof *lab);
    double *v = tk_calloc(3 * (n + 1), sizeof *v);
    unsigned char *marked = tk_calloc(n + 1, 1);
    int rc = TK_OK;

    *out = NULL;
    if (!days || !lab || !v || !marked) {
        rc = nomem(err);
        goto done;
    }
    double *lo = v + n + 1, *hi = lo + n + 1;
    const tk_entity_band *band = &e->baseline_band[0]; /* events */
    size_t nmarked = 0;
    for (size_t i = 0; i < n; i++) {
        char iso[16];
        tk_period_format_day(e->days[i].day, iso, sizeof iso);
        memcpy(lab[i], iso + 5, 5); /* "10-01" */
        days[i] = lab[i];
        v[i] = e->days[i].value[0];
        lo[i] = band->n > 0 ? band->p10 : 0;
        hi[i] = band->n > 0 ? band->p90 : 0;
        marked[i] = e->days[i].day >= mark_from && e->days[i].day <= mark_to;
        nmarked += marked[i];
    }
    tk_svg_line l = TK_SVG_LINE_INIT;
    l.days = days;
    l.n = n;
    l.value = v;
    if (band->n > 0) {
        l.low = lo;
        l.high = hi;
    }
    l.marked = nmarked ? marked : NULL;
    l.value_name = en(lang) ? "events" : "操作件数";
    l.band_name =
        en(lang) ? "usual range (p10-p90 of the baseline)" : "通常の範囲（基準期間の10〜90%）";
    l.mark_name = en(lang) ? "days of the case" : "事案の日";
    l.unit = en(lang) ? "events" : "件";
    l.lang = en(lang) ? "en" : "ja";
    l.width = 900;
    l.height = 280;
    rc = tk_svg_line_draw(&l, out, err);
done:
    tk_free(days);
    tk_free(lab);
    tk_free(v);
    tk_free(marked);
    return rc;
}

static int systems(const tk_entity *e, const char *lang, char **out, tk_error *err)
{
    const size_t n = e->nsystems > TK_CHARTS_TRENDS_MAX ? TK_CHARTS_TRENDS_MAX : e->nsystems;
    const char **cats = tk_calloc(n + 1, sizeof *cats);
    double *vals = tk_calloc(n + 1, sizeof *vals);
    int rc;

    *out = NULL;
    if (!cats || !vals) {
        rc = nomem(err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        cats[i] = e->systems[i].name;
        vals[i] = (double)e->systems[i].events;
    }
    tk_svg_series s = {NULL, vals};
    tk_svg_bars b = TK_SVG_BARS_INIT;
    b.categories = cats;
    b.ncat = n;
    b.series = &s;
    b.nseries = 1;
    b.horizontal = 1;
    b.unit = en(lang) ? "events" : "件";
    b.lang = en(lang) ? "en" : "ja";
    b.width = 440;
    rc = tk_svg_bars_draw(&b, out, err);
done:
    tk_free(cats);
    tk_free(vals);
    return rc;
}

int tk_charts_entity(const tk_entity *e, tk_charts_kind kind, const char *lang, char **out,
                     tk_error *err)
{
    switch (kind) {
    case TK_CHARTS_DAILY:
        return daily(e, 1, 0, lang, out, err); /* an empty range: nothing marked */
    case TK_CHARTS_HOURS: {
        tk_svg_heat h = TK_SVG_HEAT_INIT;
        h.cells = e->tod_week;
        h.unit = en(lang) ? "events" : "件";
        h.lang = en(lang) ? "en" : "ja";
        return tk_svg_heat_draw(&h, out, err);
    }
    case TK_CHARTS_SYSTEMS:
    default:
        return systems(e, lang, out, err);
    }
}

int tk_charts_case(const tk_entity *e, int64_t first_day, int64_t last_day, const char *lang,
                   char **out, tk_error *err)
{
    return daily(e, first_day, last_day, lang, out, err);
}

tk_period tk_charts_case_period(const tk_period *run, int64_t first_day, int64_t last_day)
{
    tk_period p = *run;
    if (first_day < p.first_day)
        p.first_day = first_day;
    if (last_day > p.last_day)
        p.last_day = last_day;
    if (p.last_day - p.first_day >= TK_ENTITY_MAX_DAYS)
        p.first_day = p.last_day - (TK_ENTITY_MAX_DAYS - 1);
    return p;
}

/* ---- trends ---------------------------------------------------------------------- */

/* The words of a key's value in lang (static), or v itself. */
static const char *value_word(tk_trends_key k, const char *v, const char *lang)
{
    static const char *const names[][3] = {
        {"critical", "重大", "critical"},
        {"high", "高", "high"},
        {"medium", "中", "medium"},
        {"low", "低", "low"},
        {"none", "モデルのみ", "models only"},
        {"new", "未対応", "new"},
        {"investigating", "調査中", "investigating"},
        {"confirmed", "不正確認", "confirmed"},
        {"false_positive", "誤検知", "false positive"},
        {"(unknown)", "不明", "unknown"},
        {"(none)", "なし", "none"},
        {"model", "モデル", "model"},
    };
    if (k == TK_TRENDS_MONTH || k == TK_TRENDS_DEPT || k == TK_TRENDS_SYSTEM)
        if (strcmp(v, "(unknown)") != 0 && strcmp(v, "(none)") != 0)
            return v; /* a name of the city's: never translated */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(v, names[i][0]) == 0)
            return names[i][en(lang) ? 2 : 1];
    return v;
}

/* The natural position of a severity or status value (smaller first), or
 * SIZE_MAX for other keys. */
static size_t natural_rank(tk_trends_key k, const char *v)
{
    static const char *const sev[] = {"critical", "high", "medium", "low", "none"};
    static const char *const st[] = {"new", "investigating", "confirmed", "false_positive"};
    const char *const *list = k == TK_TRENDS_SEVERITY ? sev : k == TK_TRENDS_STATUS ? st : NULL;
    const size_t n = k == TK_TRENDS_SEVERITY ? 5 : 4;
    for (size_t i = 0; list && i < n; i++)
        if (strcmp(v, list[i]) == 0)
            return i;
    return list ? n : SIZE_MAX;
}

/* A distinct value of one key with its total of cases. */
typedef struct distinct {
    const char *value; /* borrowed from the trends */
    double total;
    size_t rank; /* natural_rank() */
} distinct;

static size_t find(const distinct *d, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].value, v) == 0)
            return i;
    return n;
}

/* By natural rank, then total (most first), then value; months keep their
 * order (their rank and total are not used: see collect()). */
static int by_rank_total(const void *a, const void *b)
{
    const distinct *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return strcmp(x->value, y->value);
}

/* The distinct values of key index ki of tr into d (tr->ngroups slots),
 * with totals; sorted unless the key is the month. Returns their count. */
static size_t collect(const tk_trends *tr, size_t ki, distinct *d)
{
    size_t n = 0;
    for (size_t g = 0; g < tr->ngroups; g++) {
        const char *v = tr->groups[g].value[ki];
        size_t i = find(d, n, v);
        if (i == n) {
            d[n].value = v;
            d[n].total = 0;
            d[n].rank = natural_rank(tr->keys[ki], v);
            n++;
        }
        d[i].total += (double)tr->groups[g].cases;
    }
    if (tr->keys[ki] != TK_TRENDS_MONTH)
        qsort(d, n, sizeof *d, by_rank_total);
    return n;
}

int tk_charts_trends(const tk_trends *tr, const char *lang, char **out, tk_error *err)
{
    const size_t ng = tr->ngroups;
    distinct *d0 = tk_calloc(ng + 1, sizeof *d0), *d1 = tk_calloc(ng + 1, sizeof *d1);
    const char **cats = tk_calloc(ng + 1, sizeof *cats);
    size_t cells = 0;
    double *vals = NULL;
    int rc;

    *out = NULL;
    if (tk_mul_size(ng + 1, TK_SVG_MAX_SERIES, &cells))
        vals = tk_calloc(cells, sizeof *vals);
    if (!d0 || !d1 || !cats || !vals) {
        rc = nomem(err);
        goto done;
    }
    const tk_trends_key k0 = tr->keys[0];
    size_t n0 = collect(tr, 0, d0);
    if (n0 > TK_CHARTS_TRENDS_MAX) {
        /* Months: the latest; anything else: the largest (sorted first). */
        if (k0 == TK_TRENDS_MONTH)
            memmove(d0, d0 + (n0 - TK_CHARTS_TRENDS_MAX), TK_CHARTS_TRENDS_MAX * sizeof *d0);
        n0 = TK_CHARTS_TRENDS_MAX;
    }
    for (size_t i = 0; i < n0; i++)
        cats[i] = value_word(k0, d0[i].value, lang);
    tk_svg_series ser[TK_SVG_MAX_SERIES];
    size_t nser = 1;
    memset(ser, 0, sizeof ser);
    if (tr->nkeys < 2) {
        for (size_t i = 0; i < n0; i++)
            vals[i] = d0[i].total;
        ser[0].values = vals;
    } else {
        size_t n1 = collect(tr, 1, d1);
        const size_t own = n1 > TK_SVG_MAX_SERIES ? TK_SVG_MAX_SERIES - 1 : n1;
        nser = n1 > TK_SVG_MAX_SERIES ? TK_SVG_MAX_SERIES : (n1 ? n1 : 1);
        for (size_t s = 0; s < nser; s++) {
            ser[s].values = vals + s * (ng + 1);
            ser[s].name = s < own ? value_word(tr->keys[1], d1[s].value, lang)
                                  : (en(lang) ? "other" : "その他");
        }
        for (size_t g = 0; g < ng; g++) {
            const size_t c = find(d0, n0, tr->groups[g].value[0]);
            if (c == n0)
                continue; /* a category left out */
            /* A value beyond the first `own` is "other", the last series
             * (there is one only when there are more values than colours). */
            const size_t s = find(d1, own, tr->groups[g].value[1]);
            if (s < nser)
                vals[s * (ng + 1) + c] += (double)tr->groups[g].cases;
        }
    }
    tk_svg_bars b = TK_SVG_BARS_INIT;
    b.categories = cats;
    b.ncat = n0;
    b.series = ser;
    b.nseries = nser;
    b.stacked = tr->nkeys > 1;
    b.horizontal = tr->nkeys < 2 && k0 != TK_TRENDS_MONTH;
    b.unit = en(lang) ? "cases" : "件";
    b.lang = en(lang) ? "en" : "ja";
    b.width = 900;
    rc = tk_svg_bars_draw(&b, out, err);
done:
    tk_free(d0);
    tk_free(d1);
    tk_free(cats);
    tk_free(vals);
    return rc;
}
