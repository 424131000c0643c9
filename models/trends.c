/* models/trends.c -- grouped counts of the stored cases.
 *
 * Approach: pick the runs (the newest of each period overlapping the
 * range, trends.h says why), read each run's whole list through
 * tk_anomalies_list() -- which brings every case's facets (所属, systems)
 * and its current triage status, so the rules of triage live in one
 * place -- and turn every counted case into one contribution per value
 * of the keys (a case with two systems gives two when grouped by
 * system). The contributions are sorted by their key values and each run
 * of equal values is one group: the groups come out sorted without a
 * hash table, and the median of a group is the middle of its sorted
 * scores. A year of bimonthly runs is a few thousand cases, so reading
 * them whole costs milliseconds. */
#include "models/trends.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/anomalies.h"
#include "src/alloc.h"
#include "src/timefmt.h"

static const char *const key_names[TK_TRENDS_NKEYS] = {"month", "system",   "dept",
                                                       "rule",  "severity", "status"};

const char *tk_trends_key_name(tk_trends_key k)
{
    return (size_t)k < TK_TRENDS_NKEYS ? key_names[k] : NULL;
}

int tk_trends_keys_parse(const char *p, size_t len, tk_trends_key *keys, size_t *n, tk_error *err)
{
    static const char accepted[] = "month, system, dept, rule, severity or status";
    *n = 0;
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < len && p[j] != ',')
            j++;
        size_t k = 0;
        while (k < TK_TRENDS_NKEYS &&
               !(strlen(key_names[k]) == j - i && memcmp(key_names[k], p + i, j - i) == 0))
            k++;
        if (k == TK_TRENDS_NKEYS)
            return tk_error_set(err, TK_EINVAL, "unknown group key '%.*s': expected %s",
                                (int)(j - i > 40 ? 40 : j - i), p + i, accepted);
        if (*n == TK_TRENDS_MAX_KEYS)
            return tk_error_set(err, TK_EINVAL, "at most %d group keys, as in month,rule",
                                TK_TRENDS_MAX_KEYS);
        if (*n == 1 && keys[0] == (tk_trends_key)k)
            return tk_error_set(err, TK_EINVAL, "group key '%s' given twice", key_names[k]);
        keys[(*n)++] = (tk_trends_key)k;
        if (j == len)
            return TK_OK;
        i = j + 1;
    }
}

void tk_trends_dispose(tk_trends *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->ngroups; i++)
        for (size_t k = 0; k < TK_TRENDS_MAX_KEYS; k++)
            tk_free(t->groups[i].value[k]);
    tk_free(t->groups);
    tk_free(t->runs);
    memset(t, 0, sizeof *t);
}

/* ---- runs -------------------------------------------------------------------------------- */

static int by_period(const void *a, const void *b)
{
    const tk_trends_run *x = a, *y = b;
    if (x->period.first_day != y->period.first_day)
        return x->period.first_day < y->period.first_day ? -1 : 1;
    if (x->period.last_day != y->period.last_day)
        return x->period.last_day < y->period.last_day ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int tk_trends_runs(tk_db *db, const tk_period *range, tk_trends_run **out, size_t *n, tk_error *err)
{
    tk_anomalies_run *all = NULL;
    size_t nall = 0;
    *out = NULL;
    *n = 0;
    int rc = tk_anomalies_runs_list(db, NULL, 0, SIZE_MAX / 2, &all, &nall, err);
    if (rc != TK_OK)
        return rc;
    tk_trends_run *v = tk_calloc(nall + 1, sizeof *v);
    if (v == NULL) {
        tk_anomalies_runs_free(all, nall);
        return tk_error_set(err, TK_ENOMEM, "out of memory reading runs");
    }
    size_t k = 0;
    /* Newest first: the first run seen of a period is the one that counts. */
    for (size_t i = 0; i < nall; i++) {
        const tk_period *p = &all[i].period;
        if (p->last_day < range->first_day || p->first_day > range->last_day)
            continue;
        size_t j = 0;
        while (j < k &&
               !(v[j].period.first_day == p->first_day && v[j].period.last_day == p->last_day))
            j++;
        if (j < k)
            continue;
        v[k].id = all[i].id;
        v[k].period = *p;
        k++;
    }
    tk_anomalies_runs_free(all, nall);
    qsort(v, k, sizeof *v, by_period);
    *out = v;
    *n = k;
    return TK_OK;
}

int64_t tk_trends_day_owner(const tk_trends_run *runs, size_t n, int64_t day)
{
    int64_t best = -1;
    for (size_t i = 0; i < n; i++)
        if (runs[i].period.first_day <= day && day <= runs[i].period.last_day && runs[i].id > best)
            best = runs[i].id;
    return best;
}

int64_t tk_trends_case_day(const tk_period *run_period, int64_t first_day)
{
    return first_day < run_period->first_day ? run_period->first_day : first_day;
}

/* ---- grouping ------------------------------------------------------------------------------ */

/* One case's share of one group. Values are borrowed from the page that
 * holds the case, or static. */
struct contrib {
    const char *v[TK_TRENDS_MAX_KEYS];
    double score;
    size_t findings;
};

struct acc {
    struct contrib *c;
    size_t n, cap;
};

static int push(struct acc *a, const struct contrib *c)
{
    if (a->n == a->cap) {
        const size_t cap = a->cap ? a->cap * 2 : 256;
        struct contrib *p = tk_realloc(a->c, cap * sizeof *p);
        if (p == NULL)
            return TK_ENOMEM;
        a->c = p;
        a->cap = cap;
    }
    a->c[a->n++] = *c;
    return TK_OK;
}

/* The values of key k for item it: *nv of them in v (a case's systems can
 * be several). month, that of day, is written into buf. */
static size_t values(tk_trends_key k, const tk_anomalies_item *it, int64_t day, char *buf,
                     size_t cap, const char **v, size_t max)
{
    switch (k) {
    case TK_TRENDS_MONTH: {
        int y, m, d;
        tk_civil_from_days(day, &y, &m, &d);
        snprintf(buf, cap, "%04d-%02d", y, m);
        v[0] = buf;
        return 1;
    }
    case TK_TRENDS_SYSTEM:
        if (it->nsystems == 0) {
            v[0] = "(none)";
            return 1;
        }
        for (size_t i = 0; i < it->nsystems && i < max; i++)
            v[i] = it->systems[i];
        return it->nsystems < max ? it->nsystems : max;
    case TK_TRENDS_DEPT:
        v[0] = it->dept ? it->dept : "(unknown)";
        return 1;
    case TK_TRENDS_RULE:
        v[0] = it->model || it->rule_id[0] == '\0' ? "model" : it->rule_id;
        return 1;
    case TK_TRENDS_SEVERITY:
        v[0] = it->severity[0] ? it->severity : "none";
        return 1;
    case TK_TRENDS_STATUS:
    default:
        v[0] = tk_anomalies_status_name(it->status);
        return 1;
    }
}

static int cmp_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int by_values(const void *a, const void *b)
{
    const struct contrib *x = a, *y = b;
    for (size_t k = 0; k < TK_TRENDS_MAX_KEYS; k++) {
        const int c = cmp_str(x->v[k], y->v[k]);
        if (c != 0)
            return c;
    }
    return x->score < y->score ? -1 : x->score > y->score;
}

static int by_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Mean, median and max of sorted s[0..n). */
static void stats(const double *s, size_t n, double *mean, double *median, double *max)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    *mean = n ? sum / (double)n : 0;
    *median = n == 0 ? 0 : (n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2);
    *max = n ? s[n - 1] : 0;
}

/* Months one result can name: a range of 3 years (tk_period_parse's
 * limit) names 37. */
#define MAX_MONTHS 64

/* The items of every page read, kept until the groups have copied their values. */
struct pages {
    tk_anomalies_page *p;
    size_t n, cap;
};

static int read_run(tk_db *db, tk_trends_run *run, const tk_trends_run *runs, size_t nruns,
                    const tk_period *range, const tk_trends_key *keys, size_t nkeys,
                    struct pages *pg, struct acc *a, struct acc *total, char (*months)[8],
                    size_t *nmonths, tk_error *err)
{
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    char cursor[TK_ANOMALIES_CURSOR_SIZE] = "";
    q.limit = TK_ANOMALIES_PAGE_MAX;
    for (;;) {
        if (pg->n == pg->cap) {
            const size_t cap = pg->cap ? pg->cap * 2 : 8;
            tk_anomalies_page *p = tk_realloc(pg->p, cap * sizeof *p);
            if (p == NULL)
                return tk_error_set(err, TK_ENOMEM, "out of memory reading cases");
            pg->p = p;
            pg->cap = cap;
        }
        tk_anomalies_page *page = &pg->p[pg->n];
        q.cursor = cursor[0] ? cursor : NULL;
        int rc = tk_anomalies_list(db, run->id, &q, page, err);
        if (rc != TK_OK)
            return rc;
        pg->n++;
        for (size_t i = 0; i < page->n; i++) {
            const tk_anomalies_item *it = &page->items[i];
            const int64_t day = tk_trends_case_day(&run->period, it->first_day);
            if (day < range->first_day || day > range->last_day ||
                tk_trends_day_owner(runs, nruns, day) != run->id)
                continue;
            run->cases++;
            struct contrib one = {{NULL, NULL}, it->score, it->findings};
            if (push(total, &one) != TK_OK)
                return tk_error_set(err, TK_ENOMEM, "out of memory grouping cases");
            /* A month value needs storage: one slot per distinct month. */
            char mbuf[16];
            const char *v0[64], *v1[64];
            size_t n0 = values(keys[0], it, day, mbuf, sizeof mbuf, v0, 64);
            size_t n1 = 1;
            v1[0] = NULL;
            if (nkeys == 2)
                n1 = values(keys[1], it, day, mbuf, sizeof mbuf, v1, 64);
            const char *month = NULL;
            if (keys[0] == TK_TRENDS_MONTH || (nkeys == 2 && keys[1] == TK_TRENDS_MONTH)) {
                size_t m = 0;
                while (m < *nmonths && strcmp(months[m], mbuf) != 0)
                    m++;
                if (m == MAX_MONTHS)
                    return tk_error_set(err, TK_EINVAL, "a range names at most %d months",
                                        MAX_MONTHS);
                if (m == *nmonths) {
                    snprintf(months[m], sizeof months[m], "%s", mbuf);
                    (*nmonths)++;
                }
                month = months[m];
            }
            for (size_t x = 0; x < n0; x++)
                for (size_t y = 0; y < n1; y++) {
                    struct contrib c = {{v0[x], v1[y]}, it->score, it->findings};
                    if (keys[0] == TK_TRENDS_MONTH)
                        c.v[0] = month;
                    if (nkeys == 2 && keys[1] == TK_TRENDS_MONTH)
                        c.v[1] = month;
                    if (push(a, &c) != TK_OK)
                        return tk_error_set(err, TK_ENOMEM, "out of memory grouping cases");
                }
        }
        if (page->next_cursor[0] == '\0')
            return TK_OK;
        snprintf(cursor, sizeof cursor, "%s", page->next_cursor);
    }
}

static int build_groups(tk_trends *out, const struct acc *a, size_t nkeys, tk_error *err)
{
    double *s = tk_calloc(a->n + 1, sizeof *s);
    out->groups = tk_calloc(a->n + 1, sizeof *out->groups);
    if (s == NULL || out->groups == NULL) {
        tk_free(s);
        return tk_error_set(err, TK_ENOMEM, "out of memory grouping cases");
    }
    for (size_t i = 0; i < a->n;) {
        size_t j = i;
        tk_trends_group *g = &out->groups[out->ngroups];
        while (j < a->n && cmp_str(a->c[j].v[0], a->c[i].v[0]) == 0 &&
               cmp_str(a->c[j].v[1], a->c[i].v[1]) == 0) {
            s[j - i] = a->c[j].score;
            g->findings += a->c[j].findings;
            j++;
        }
        g->cases = j - i;
        stats(s, j - i, &g->score_mean, &g->score_median, &g->score_max);
        out->ngroups++;
        for (size_t k = 0; k < nkeys; k++) {
            g->value[k] = tk_strndup(a->c[i].v[k], strlen(a->c[i].v[k]));
            if (g->value[k] == NULL) {
                tk_free(s);
                return tk_error_set(err, TK_ENOMEM, "out of memory grouping cases");
            }
        }
        i = j;
    }
    tk_free(s);
    return TK_OK;
}

int tk_trends_compute(tk_db *db, const tk_period *range, const tk_trends_key *keys, size_t nkeys,
                      tk_trends *out, tk_error *err)
{
    struct acc a = {0}, total = {0};
    struct pages pg = {0};
    char months[MAX_MONTHS][8];
    size_t nmonths = 0;
    int rc = TK_OK;

    memset(out, 0, sizeof *out);
    if (nkeys < 1 || nkeys > TK_TRENDS_MAX_KEYS)
        return tk_error_set(err, TK_EINVAL, "one or two group keys, not %zu", nkeys);
    for (size_t k = 0; k < nkeys; k++)
        if ((size_t)keys[k] >= TK_TRENDS_NKEYS || (k == 1 && keys[1] == keys[0]))
            return tk_error_set(err, TK_EINVAL, "bad group key %d", (int)keys[k]);
    out->range = *range;
    out->nkeys = nkeys;
    memcpy(out->keys, keys, nkeys * sizeof *keys);
    rc = tk_trends_runs(db, range, &out->runs, &out->nruns, err);
    for (size_t i = 0; rc == TK_OK && i < out->nruns; i++) {
        rc = read_run(db, &out->runs[i], out->runs, out->nruns, range, keys, nkeys, &pg, &a, &total,
                      months, &nmonths, err);
    }
    if (rc == TK_OK) {
        if (a.n > 0) /* a.c is NULL when nothing counted */
            qsort(a.c, a.n, sizeof *a.c, by_values);
        rc = build_groups(out, &a, nkeys, err);
    }
    if (rc == TK_OK) {
        double *s = tk_calloc(total.n + 1, sizeof *s);
        if (s == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory grouping cases");
        } else {
            for (size_t i = 0; i < total.n; i++) {
                s[i] = total.c[i].score;
                out->findings += total.c[i].findings;
            }
            if (total.n > 0)
                qsort(s, total.n, sizeof *s, by_double);
            out->cases = total.n;
            stats(s, total.n, &out->score_mean, &out->score_median, &out->score_max);
            tk_free(s);
        }
    }
    for (size_t i = 0; i < pg.n; i++)
        tk_anomalies_page_dispose(&pg.p[i]);
    tk_free(pg.p);
    tk_free(a.c);
    tk_free(total.c);
    if (rc != TK_OK)
        tk_trends_dispose(out);
    return rc;
}
